/*
 * remote.c: on a core, the sessions that gateways hold (remote.h).
 *
 * A gateway says OPEN when a session comes up on it; the core makes a
 * client with no session of its own (c->s NULL, c->r this) and from
 * then on treats it as any other: its requests come as MSG payloads and
 * go through the same command table (server_request()), its answers and
 * messages go back as MSG payloads, its login makes the gateway trust it
 * (TRUST), and strikes or a signout close it (CLOSE).  CLOSED, the
 * gateway's death or goodbye, a payload lost on the link (a gap) and the
 * bus going down all end its client as a lost session would: what was
 * not acknowledged is delivered again from the cursors when the client
 * logs in again, wherever it does.
 *
 * Flow control: the gateway's session queue is what a local session's
 * is.  The gateway tells (ROOM) how many bytes the session has queued
 * and how many it has received for it; the core adds what it sent since
 * and holds answers, as for a full local session, beyond half the
 * session layer's queue limit, so that the gateway itself never finds
 * its queue full (it closes such a session: the client resumes).
 *
 * Every payload is hostile until checked: a MSG for a session the core
 * does not know is answered with CLOSE, so that a gateway and the core
 * that lost track of each other's sessions agree again; payloads of the
 * core's own kinds (CLOSE, TRUST) are counted and dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "busmsg.h"
#include "client.h"
#include "remote.h"
#include "server.h"
#include "base/log.h"
#include "base/xmalloc.h"

/* Half the session layer's queue limit (sess_conf's max_queue). */
#define REMOTE_QUEUE_MAX	(512 * 1024)

struct rsess {
	char			 node[BM_NODE_MAX + 1];	/* its gateway */
	uint64_t		 sid;			/* the gateway's id */
	struct client		*c;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	uint64_t		 sent;		/* bytes sent it */
	uint64_t		 acked;		/* of them, received (ROOM) */
	uint32_t		 queued;	/* queued there then (ROOM) */
	struct rsess		*next;		/* hash chain */
};

static size_t
remote_hash(const struct server *srv, const char *node, uint64_t sid)
{
	uint64_t	h = sid;

	for (; *node != '\0'; node++)
		h = (h ^ (uint8_t)*node) * 0x100000001b3ULL;
	return (size_t)((h * 0x9e3779b97f4a7c15ULL) >> 20) & (srv->rt_nb - 1);
}

static struct rsess *
remote_find(const struct server *srv, const char *node, uint64_t sid)
{
	struct rsess	*r;

	if (srv->rt_nb == 0)
		return NULL;
	for (r = srv->rt[remote_hash(srv, node, sid)]; r != NULL;
	    r = r->next)
		if (r->sid == sid && strcmp(r->node, node) == 0)
			return r;
	return NULL;
}

static void
remote_grow(struct server *srv)
{
	struct rsess	**old = srv->rt, *r, *n;
	size_t		  on = srv->rt_nb, i, h;

	srv->rt_nb = on == 0 ? 256 : on * 2;
	srv->rt = xcalloc(srv->rt_nb, sizeof *srv->rt);
	for (i = 0; i < on; i++)
		for (r = old[i]; r != NULL; r = n) {
			n = r->next;
			h = remote_hash(srv, r->node, r->sid);
			r->next = srv->rt[h];
			srv->rt[h] = r;
		}
	free(old);
}

/* Take r off the table and free it; its client no longer has it. */
static void
remote_unlink(struct server *srv, struct rsess *r)
{
	struct rsess	**pp;

	for (pp = &srv->rt[remote_hash(srv, r->node, r->sid)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	srv->rt_n--;
	if (r->c != NULL)
		r->c->r = NULL;
	free(r);
}

/* The session is gone: its client is lost, as a local one would be. */
static void
remote_lost(struct server *srv, struct rsess *r)
{
	struct client	*c = r->c;

	r->c = NULL;
	remote_unlink(srv, r);
	if (c != NULL) {
		c->r = NULL;
		client_lost(c);
		srv->stats.sessions--;
	}
}

/* A gateway's address bytes (busmsg checked the family and length). */
static void
remote_addr(struct rsess *r, const uint8_t *p, size_t len)
{
	r->peerlen = busmsg_open_decode(p, len, &r->peer);
}

static void
remote_open(struct server *srv, const struct busmsg *m)
{
	struct rsess	*r;
	size_t		 h;

	if ((r = remote_find(srv, m->node, m->sid)) != NULL) {
		remote_addr(r, m->data, m->len);	/* it roamed */
		return;
	}
	/* The core's own limit on sessions holds for the gateways' too;
	 * and nothing new while it stops. */
	if (srv->stopping || srv->stats.sessions >=
	    (uint64_t)srv->conf.max_sessions) {
		srv->stats.remote_bad++;
		bus_publish_sess(srv->bus, m->node, m->sid, BMO_CLOSE, NULL,
		    0);
		return;
	}
	if (srv->rt_n >= srv->rt_nb / 2 || srv->rt_nb == 0)
		remote_grow(srv);
	r = xcalloc(1, sizeof *r);
	snprintf(r->node, sizeof r->node, "%s", m->node);
	r->sid = m->sid;
	remote_addr(r, m->data, m->len);
	h = remote_hash(srv, r->node, r->sid);
	r->next = srv->rt[h];
	srv->rt[h] = r;
	srv->rt_n++;
	r->c = client_new(srv, NULL);
	r->c->r = r;
	srv->stats.sessions++;
	srv->stats.sessions_total++;
	srv->stats.remote_sessions_total++;
	log_debug("session %016" PRIx64 ": up on gateway %s", r->sid,
	    r->node);
}

void
remote_in(struct server *srv, const struct busmsg *m)
{
	struct rsess	*r;

	if (m->op == BMO_OPEN) {
		remote_open(srv, m);
		return;
	}
	if (m->op == BMO_RESET) {
		remote_drop(srv, m->node, 0);
		return;
	}
	if (m->op == BMO_CHECK)
		return;		/* counted in the link's sequence: no gap */
	if (m->op != BMO_MSG && m->op != BMO_CLOSED && m->op != BMO_ROOM) {
		srv->stats.remote_bad++;	/* a core's own kinds */
		return;
	}
	if ((r = remote_find(srv, m->node, m->sid)) == NULL) {
		/* Forgotten here (a gap, a restart): the gateway closes it,
		 * and the client logs in again. */
		if (m->op == BMO_MSG) {
			srv->stats.remote_unknown++;
			bus_publish_sess(srv->bus, m->node, m->sid, BMO_CLOSE,
			    NULL, 0);
		}
		return;
	}
	switch (m->op) {
	case BMO_MSG:
		server_request(srv, r->c, m->data, m->len);
		break;
	case BMO_CLOSED:
		remote_lost(srv, r);
		break;
	case BMO_ROOM:
		busmsg_room_decode(m->data, &r->queued, &r->acked);
		if (r->acked > r->sent)		/* cannot be: trust less */
			r->acked = r->sent;
		break;
	default:
		break;
	}
}

void
remote_drop(struct server *srv, const char *node, int tell)
{
	struct rsess	*r, *n;
	size_t		 i, dropped = 0;

	for (i = 0; i < srv->rt_nb; i++)
		for (r = srv->rt[i]; r != NULL; r = n) {
			n = r->next;
			if (node == NULL || strcmp(r->node, node) == 0) {
				if (tell)
					bus_publish_sess(srv->bus, r->node,
					    r->sid, BMO_CLOSE, NULL, 0);
				remote_lost(srv, r);
				dropped++;
			}
		}
	if (dropped > 0)
		log_info("bus: %zu sessions of %s gone", dropped,
		    node != NULL ? node : "every gateway");
}

int
remote_send(struct client *c, const uint8_t *wire, size_t len)
{
	struct rsess	*r = c->r;

	if (r == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	if (remote_queued(c) + len > REMOTE_QUEUE_MAX) {
		errno = ENOBUFS;
		return -1;
	}
	/* ENOBUFS: the queue to NATS is full, held as for a full session;
	 * ENOTCONN: lost, and the gateway sees the gap and starts again. */
	if (bus_publish_sess(c->srv->bus, r->node, r->sid, BMO_MSG, wire,
	    len) == -1)
		return -1;
	r->sent += len;
	return 0;
}

size_t
remote_queued(const struct client *c)
{
	const struct rsess	*r = c->r;

	return r == NULL ? 0 : (size_t)(r->queued + (r->sent - r->acked));
}

void
remote_close(struct client *c)
{
	if (c->r != NULL)
		bus_publish_sess(c->srv->bus, c->r->node, c->r->sid,
		    BMO_CLOSE, NULL, 0);
}

void
remote_trust(struct client *c)
{
	if (c->r != NULL)
		bus_publish_sess(c->srv->bus, c->r->node, c->r->sid,
		    BMO_TRUST, NULL, 0);
}

uint64_t
remote_id(const struct client *c)
{
	return c->r != NULL ? c->r->sid : 0;
}

const struct sockaddr *
remote_peer(const struct client *c, socklen_t *len)
{
	if (c->r == NULL)
		return NULL;
	*len = c->r->peerlen;
	return (const struct sockaddr *)&c->r->peer;
}

size_t
remote_count(const struct server *srv)
{
	return srv->rt_n;
}

void
remote_check(struct server *srv)
{
	bus_check_links(srv->bus);
}

void
remote_free_all(struct server *srv)
{
	remote_drop(srv, NULL, 0);
	free(srv->rt);
	srv->rt = NULL;
	srv->rt_nb = 0;
}
