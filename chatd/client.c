/*
 * client.c: a session's client (client.h): its lifetime, the answers
 * held while its session's queue is full, and its place on the catch-up
 * list.  Uses the session layer, user.c (a logged-in client belongs to a
 * user), presence.c (a user going offline) and the store (last seen).
 *
 * Clients are never freed inside a session callback: a lost client is
 * marked dead and freed after the next flush, or when its last password
 * job comes back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "chatd.h"
#include "client.h"
#include "presence.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "sess/session.h"

#define HELD_MAX	(4 * 1024 * 1024) /* answers held for a full session */
#define HELD_MAX_ANON	(16 * 1024)	/* the same, not logged in: its
					 * answers are a few refusals and
					 * one WELCOME */

/* An answer that found its session's queue full, kept to send in order. */
struct held {
	struct held	*next;
	size_t		 len;
	uint8_t		 wire[];
};

/* A client for session s, which has just come up. */
struct client *
client_new(struct server *srv, struct sess *s)
{
	struct client	*c = xcalloc(1, sizeof *c);

	c->srv = srv;
	c->s = s;
	c->since = clock_wall_ms();
	c->anext = srv->all;
	if (srv->all != NULL)
		srv->all->aprev = c;
	srv->all = c;
	return c;
}

/* Detach a client from its user; the user goes offline with its last. */
static void
client_detach(struct client *c)
{
	struct server	*srv = c->srv;
	struct user	*u = c->u;
	struct client	**pp;
	uint64_t	 t;

	if (u == NULL)
		return;
	for (pp = &u->clients; *pp != NULL; pp = &(*pp)->unext)
		if (*pp == c) {
			*pp = c->unext;
			break;
		}
	c->u = NULL;
	bus_unwatch(srv->bus, u->id);
	if (u->clients != NULL)
		return;
	t = clock_wall_ms();
	store_user_seen(srv->st, u->id, t);
	presence_notify(srv, u, CPP_OFFLINE, t);
	user_gone(srv, u);
}

/* Log c out, its session staying up (device.c signs it out). */
void
client_logout(struct client *c)
{
	client_detach(c);
}

/* Its session is gone: detach it from its user and mark it dead. */
void
client_lost(struct client *c)
{
	c->s = NULL;
	client_detach(c);
	client_bury(c);
}

/* Mark c dead; off the catch-up list, it waits on the list of the dead. */
void
client_bury(struct client *c)
{
	c->dead = 1;
	if (!c->backlog) {
		c->bnext = c->srv->dead;
		c->srv->dead = c;
	}
}

/* Drop the answers held for c. */
static void
client_unhold_free(struct client *c)
{
	struct held	*h;

	while ((h = c->hhead) != NULL) {
		c->hhead = h->next;
		free(h);
	}
	c->htail = NULL;
	c->hbytes = 0;
}

/* Free a client that nothing refers to any more. */
void
client_free(struct server *srv, struct client *c)
{
	client_unhold_free(c);
	free(c->gsent);
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else
		srv->all = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	free(c);
}

/* Free the dead that nothing refers to any more. */
void
client_reap(struct server *srv)
{
	struct client	**pp, *c;

	for (pp = &srv->dead; (c = *pp) != NULL;) {
		if (c->refs > 0) {
			pp = &c->bnext;
			continue;
		}
		*pp = c->bnext;
		client_free(srv, c);
	}
}

/* Send the answers held for c, in order: 0 when none is left. */
int
client_unhold(struct client *c)
{
	struct held	*h;

	if (!client_has_session(c) || c->dead) {
		client_unhold_free(c);
		return 0;
	}
	while ((h = c->hhead) != NULL) {
		if ((c->s != NULL ? sess_send(c->s, h->wire, h->len) :
		    remote_send(c, h->wire, h->len)) == -1) {
			if (errno != ENOBUFS) {
				client_unhold_free(c);
				return 0;
			}
			return -1;
		}
		c->hhead = h->next;
		c->hbytes -= h->len;
		free(h);
	}
	c->htail = NULL;
	return 0;
}

/*
 * Send an answer the client waits for (a reply, a receipt).  It is never
 * dropped: while the session's queue is full it is held, in order, and
 * sent as acknowledgements make room.  (Dropped, an ACCEPTED would leave
 * the message in the sender's outbox until its session was lost.)  A
 * client that lets HELD_MAX pile up (HELD_MAX_ANON before its login) is
 * closed; it resends its outbox.
 */
void
client_answer(struct client *c, const uint8_t *wire, size_t len)
{
	struct held	*h;
	size_t		 max = c->u != NULL ? HELD_MAX : HELD_MAX_ANON;

	if (!client_has_session(c) || c->dead)
		return;
	if (c->hhead == NULL) {
		if ((c->s != NULL ? sess_send(c->s, wire, len) :
		    remote_send(c, wire, len)) == 0)
			return;
		if (errno != ENOBUFS)
			return;
	}
	c->srv->stats.send_failed++;
	if (c->hbytes + len > max) {
		c->srv->stats.closed_unread++;
		log_debug("session %016llx: %zu bytes of answers unread; "
		    "closing it", (unsigned long long)client_id(c),
		    c->hbytes);
		client_unhold_free(c);
		client_close(c);
		return;
	}
	h = xmalloc(sizeof *h + len);
	h->next = NULL;
	h->len = len;
	memcpy(h->wire, wire, len);
	if (c->htail != NULL)
		c->htail->next = h;
	else
		c->hhead = h;
	c->htail = h;
	c->hbytes += len;
	client_catch_up(c);
}

/* Put a client on the catch-up list. */
void
client_catch_up(struct client *c)
{
	if (c->backlog || c->dead)
		return;
	c->backlog = 1;
	c->bnext = c->srv->backlog;
	c->srv->backlog = c;
}
