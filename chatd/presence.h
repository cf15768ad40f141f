/*
 * presence.h: telling a user's watchers (its mutual contacts)
 * that it came online, went away or went offline (presence.c).  Owns
 * nothing that lasts: each notice is sent at once, to the watchers'
 * sessions that are up.
 */
#ifndef PRESENCE_H
#define PRESENCE_H

#include <stdint.h>

#include "chat/chatproto.h"

struct server;
struct user;

void	presence_notify(struct server *, struct user *, enum cp_presence,
	    uint64_t last_seen);
/*
 * Two users became contacts (shown) or stopped being (not shown): tell
 * online user to about online user u, as it is or as offline.  Either
 * may be NULL (offline): then nothing is sent.
 */
void	presence_tell(struct server *, struct user *u, struct user *to,
	    int shown);

#endif
