/*
 * deliver.h: MESSAGEs to their recipients' sessions (deliver.c): a new
 * one to each session that is current, and the catch-up of the others
 * from the store.  Owns nothing that lasts: the catch-up list is the
 * clients' (client.h), where each message got to is the cursor's.
 */
#ifndef DELIVER_H
#define DELIVER_H

struct out;
struct server;

/* Send a new message to every session of its recipient that is current. */
void	deliver_message(struct server *, struct out *);
/* Feed catching-up clients from the store while their sessions have room. */
void	deliver_backlog(struct server *);

#endif
