/*
 * presence.h: telling a user's watchers (those who have it as a contact)
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

#endif
