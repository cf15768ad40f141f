/*
 * outq.h: the out-queue and the group commit (outq.c).
 *
 * Every answer that depends on a write waits on the out-queue until the
 * commit that holds the write is durable.  An entry's wire bytes are
 * copied in at outq_push(); the entry lives until it is released after
 * its commit (outq_commit(), outq_synced()), then its arrays are reused.
 * An OUT_CLIENT entry holds a reference to its client (c->refs) until
 * then.  wire is set only while the entry is being released.
 */
#ifndef OUTQ_H
#define OUTQ_H

#include <stddef.h>
#include <stdint.h>

#include "chat/chatproto.h"

struct client;
struct ctl_conn;
struct server;

enum out_kind {
	OUT_CLIENT,		/* to one session */
	OUT_MESSAGE,		/* a new message to every session of uid */
	OUT_RECEIPT,		/* a receipt to every session of uid */
	OUT_GMESSAGE,		/* a group's message or event, to its
				 * members (uid: the group; rcpt: the
				 * session not to send it to) */
	OUT_CTL,		/* a reply to chatctl (ctl.c) */
};

struct out {
	enum out_kind	 kind;
	struct client	*c;
	struct ctl_conn	*ctl;		/* OUT_CTL */
	uint64_t	 uid;		/* recipient of the message or receipt */
	uint64_t	 sid;
	uint64_t	 sender;	/* MESSAGE: its sender and id */
	uint64_t	 msgid;
	uint64_t	 rcpt;		/* RECEIPT: who marked it */
	int		 state;
	uint64_t	 reqid;		/* for an error if the commit fails */
	uint8_t		 reqtype;
	int		 welcome;	/* a WELCOME: c->welcoming ends */
	uint64_t	 t_ns;		/* ACCEPTED: when queued (mono_ns()) */
	const uint8_t	*wire;		/* in the server's obuf, at flush */
	size_t		 off, len;
};

struct out	*outq_push(struct server *, enum out_kind, const uint8_t *wire,
		    size_t len);
void		 outq_reply(struct client *, const struct cp_msg *,
		    uint64_t reqid, uint8_t reqtype);
void		 outq_error(struct client *, uint64_t reqid, uint8_t reqtype,
		    enum cp_err);
/* The same with why after the code's text: "invalid nickname: why". */
void		 outq_error_why(struct client *, uint64_t reqid,
		    uint8_t reqtype, enum cp_err, const char *why);
void		 outq_commit(struct server *);
/* A syncer_fn: commits up to seq are durable, or failed to be. */
void		 outq_synced(void *arg, uint64_t seq, int ok);
/* Free the arrays, once everything is released. */
void		 outq_fini(struct server *);

#endif
