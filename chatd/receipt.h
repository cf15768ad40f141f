/*
 * receipt.h: RECEIPTs to the senders of messages that were delivered or
 * read (receipt.c).  A receipt for a sender who is online waits on the
 * out-queue for the commit of the mark that earned it; one for a sender
 * who is away is owed (the store's conversation cursors say so) and
 * given at its next login.  Owns nothing that lasts.
 */
#ifndef RECEIPT_H
#define RECEIPT_H

struct client;
struct out;
struct server;
struct store_msg;
struct user;

/* A cursor_fn (arg: the server): a message passed by a cursor. */
void	receipt_pass(void *arg, int kind, const struct store_msg *);
/* Send a receipt from the out-queue to the sender's sessions. */
void	receipt_flush(struct server *, struct out *);
/* Give client c of user u the receipts owed to u. */
void	receipt_owed(struct client *, struct user *);

#endif
