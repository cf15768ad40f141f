/*
 * client.h: a session's client, from the session coming up to its
 * free (client.c).
 *
 * A client is made by client_new() when its session comes up.  When the
 * session is lost (or chatd stops) it is marked dead, and freed by
 * client_reap() after the next flush once nothing refers to it: no
 * answer on the out-queue, no password job in flight (refs), and not on
 * the catch-up list.  So a client is never freed inside a session
 * callback, and a pointer to it held by the out-queue or a password job
 * stays valid.  Its answers that found the session's queue full are held
 * here, in order, until acknowledgements make room.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "chatd.h"
#include "remote.h"
#include "server.h"
#include "sess/session.h"

struct held;

struct client {
	struct server	*srv;
	struct sess	*s;		/* NULL once lost, or on a gateway */
	struct rsess	*r;		/* its session on a gateway (remote.h);
					 * NULL once lost, or here */
	struct user	*u;		/* NULL until logged in */
	struct client	*unext;		/* the user's sessions */
	struct client	*bnext;		/* catching up, or dead */
	struct client	*anext, *aprev;	/* every client */
	int		 dead;
	int		 refs;		/* password jobs in flight */
	int		 authing;
	int		 backlog;	/* on the catch-up list */
	int		 full;		/* the session's queue was full */
	int		 strikes;	/* malformed requests, and requests
					 * refused for want of a login */
	int		 closing;	/* closed for its strikes */
	int		 sync;		/* logged in with CPF_SYNC (sync.h) */
	int		 send_only;	/* CPF_SEND_ONLY: given no MESSAGE */
	int		 welcoming;	/* its WELCOME waits for the commit:
					 * nothing is delivered before it */
	uint64_t	 last_sid;	/* newest message sent to it */
	uint64_t	 since;		/* ms UTC: its session came up */
	uint64_t	 token_id;	/* the device token it logged in with
					 * (or was given); 0 none */
	uint64_t	 signout_ns;	/* signed out: its session closes once
					 * the notice is acknowledged, or then */
	uint64_t	 held_id;	/* a SEND refused for its rate: later
					 * ones wait until it comes again */
	uint64_t	 held_until;	/* ns; the hold lapses then */
	struct held	*hhead, *htail;	/* answers waiting for room */
	size_t		 hbytes;
	struct bucket	 msg_b, contact_b, typing_b, login_b, list_b;
	struct bucket	 history_b, group_b;
	/* Catching up on its user's groups: how far each has been sent
	 * in this catch-up (group id, server id), until it is over. */
	struct gsent {
		uint64_t	 gid, sid;
	}		*gsent;
	size_t		 ngsent, gsentcap;
};

/* What a send's result rc tells: 0, or -1 (counted) if the queue is full. */
static inline int
client_sent(struct client *c, int rc)
{
	if (rc == -1 && errno != ENOTCONN)
		c->srv->stats.send_failed++;
	return rc == -1 ? -1 : 0;
}

/* Has c a session still, here or on a gateway? */
static inline int
client_has_session(const struct client *c)
{
	return c->s != NULL || c->r != NULL;
}

/* Send wire bytes on a session now; 0, or -1 if its queue is full. */
static inline int
client_send(struct client *c, const uint8_t *wire, size_t len)
{
	if (c->dead)
		return 0;
	if (c->s != NULL)
		return client_sent(c, sess_send(c->s, wire, len));
	if (c->r != NULL)
		return client_sent(c, remote_send(c, wire, len));
	return 0;
}

/* The same with a shared block (a group's fan-out): a reference, no
 * copy.  wire and len are the block's bytes, for a session on a
 * gateway, which is sent them. */
static inline int
client_send_buf(struct client *c, struct sess_buf *b, const uint8_t *wire,
    size_t len)
{
	if (c->dead)
		return 0;
	if (c->s != NULL)
		return client_sent(c, sess_send_buf(c->s, b));
	if (c->r != NULL)
		return client_sent(c, remote_send(c, wire, len));
	return 0;
}

/* Bytes queued on its session, not yet acknowledged. */
static inline size_t
client_queued(const struct client *c)
{
	return c->s != NULL ? sess_queued(c->s) : remote_queued(c);
}

/* Its session's id, for the logs (and a group sender's own copy). */
static inline uint64_t
client_id(const struct client *c)
{
	return c->s != NULL ? sess_id(c->s) : remote_id(c);
}

/* Its client's address, or NULL. */
static inline const struct sockaddr *
client_peer(const struct client *c, socklen_t *len)
{
	return c->s != NULL ? sess_peer(c->s, len) : remote_peer(c, len);
}

/* Close its session (the client is lost when the session says so). */
static inline void
client_close(struct client *c)
{
	if (c->s != NULL)
		sess_close(c->s);
	else
		remote_close(c);
}

/* It logged in: out of the session layer's pre-login limits. */
static inline void
client_trust(struct client *c)
{
	if (c->s != NULL)
		sess_trust(c->s);
	else
		remote_trust(c);
}

struct client	*client_new(struct server *, struct sess *);
/* Its session is gone: log it out, mark it dead. */
void		 client_lost(struct client *);
/* Log it out (detach it from its user); its session stays up. */
void		 client_logout(struct client *);
/* Mark c dead, to be freed once nothing refers to it. */
void		 client_bury(struct client *);
void		 client_free(struct server *, struct client *);
/* Free the dead that nothing refers to any more. */
void		 client_reap(struct server *);
void		 client_answer(struct client *, const uint8_t *wire,
		    size_t len);
int		 client_unhold(struct client *);
void		 client_catch_up(struct client *);

#endif
