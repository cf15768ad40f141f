/*
 * sync.h: keeping an account's devices in step (sync.c).  A session that
 * logged in with CPF_SYNC is told what its account did elsewhere: a
 * message sent from another session (SENT, a carbon), a conversation
 * read on another device (READ_UPTO), and a change to its contact lists
 * (CONTACTS_CHANGED), whether made on another device or by another user
 * (a request came, one was accepted).  Owns nothing: each notice goes
 * on the out-queue, so it is sent once what it tells of is committed.
 */
#ifndef SYNC_H
#define SYNC_H

#include <stdint.h>

#include "chat/chatproto.h"

struct client;
struct server;
struct store_msg;
struct user;

/* Message sm, sent by c's user to nick with text m->text: a carbon to
 * the user's other sync sessions. */
void	sync_sent(struct client *c, const struct store_msg *sm,
	    const char *to, const struct cp_str *text);
/* u read its conversation with peer up to sid, on session c (NULL: a
 * session not to skip). */
void	sync_read(struct server *, struct user *u, struct client *c,
	    uint64_t peer, uint64_t sid);
/* Lists (CPL_*) of user uid changed, made by session c (NULL: none of
 * its own; that session has its answer). */
void	sync_contacts(struct server *, uint64_t uid, struct client *c,
	    unsigned int lists);

#endif
