/*
 * gateway.c: chatd as a gateway (gateway.h).
 *
 * The gateway runs the session layer as chatd does (lib/sess: the
 * handshake, cookies, the pre-login limits, roaming, reliable delivery)
 * and nothing of the chat: every chat message a session carries goes to
 * the core as it came (a MSG payload on the bus, busmsg.h), and every
 * MSG the core sends back is queued on its session.  The core decides
 * everything else: it trusts a session once it has logged in (TRUST),
 * closes one that misbehaves (CLOSE), and holds back what a session's
 * queue has no room for, from what the gateway tells it of the queue
 * (ROOM).
 *
 * A session is bound to the core it was opened with.  When that core
 * dies or leaves, a payload between the two is lost (a gap), or this
 * gateway loses NATS, every session is closed: the clients reconnect,
 * here or elsewhere, log in again and resume from their cursors, so
 * nothing is lost or repeated.  With no core alive, a new session is
 * closed as soon as it comes up: its client tries its next server.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "bus.h"
#include "busmsg.h"
#include "chatd.h"
#include "gateway.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "sess/session.h"


struct gsess {
	struct sess	*s;
	uint64_t	 sid;
	uint64_t	 received;	/* bytes of MSGs from the core */
	uint32_t	 told;		/* queued, as last told (ROOM) */
	uint64_t	 told_received;	/* received, as last told */
	uint8_t		 addr[BM_OPEN_MAX];	/* the client's, as told (OPEN) */
	size_t		 alen;
	int		 watched;	/* on the ROOM list */
	struct gsess	*wnext;		/* the ROOM list */
	struct gsess	*next;		/* hash chain */
};

struct gateway_stats {
	uint64_t	sessions_total;
	uint64_t	no_core;	/* closed at once: no core alive */
	uint64_t	to_core;	/* MSGs handed to the core */
	uint64_t	from_core;	/* MSGs queued on sessions */
	uint64_t	closed_by_core;
	uint64_t	closed_full;	/* the core sent past its queue */
	uint64_t	unknown;	/* payloads for sessions gone here */
	uint64_t	bad;		/* payloads a core does not send */
	uint64_t	resets;		/* every session closed at once */
	uint64_t	roams;		/* new client addresses told */
	uint64_t	closed_held;	/* the queue to the core was full */
};

struct gateway {
	struct ev_loop		*loop;
	struct sess_ep		*ep;
	struct bus		*bus;
	char			 core[BM_NODE_MAX + 1];	/* "" none */
	struct gsess		**ht;
	size_t			 ht_nb, ht_n;
	struct gsess		*watch;
	ev_prepare		 prepare;
	struct gateway_stats	 st;
};

static size_t
gw_hash(const struct gateway *gw, uint64_t sid)
{
	return (size_t)((sid * 0x9e3779b97f4a7c15ULL) >> 20) &
	    (gw->ht_nb - 1);
}

static struct gsess *
gw_find(const struct gateway *gw, uint64_t sid)
{
	struct gsess	*g;

	for (g = gw->ht[gw_hash(gw, sid)]; g != NULL; g = g->next)
		if (g->sid == sid)
			return g;
	return NULL;
}

static void
gw_grow(struct gateway *gw)
{
	struct gsess	**old = gw->ht, *g, *n;
	size_t		  on = gw->ht_nb, i, h;

	gw->ht_nb *= 2;
	gw->ht = xcalloc(gw->ht_nb, sizeof *gw->ht);
	for (i = 0; i < on; i++)
		for (g = old[i]; g != NULL; g = n) {
			n = g->next;
			h = gw_hash(gw, g->sid);
			g->next = gw->ht[h];
			gw->ht[h] = g;
		}
	free(old);
}

static void
gw_unlink(struct gateway *gw, struct gsess *g)
{
	struct gsess	**pp;

	for (pp = &gw->ht[gw_hash(gw, g->sid)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	gw->ht_n--;
	if (g->watched && gw->watch != NULL)
		for (pp = &gw->watch; *pp != NULL; pp = &(*pp)->wnext)
			if (*pp == g) {
				*pp = g->wnext;
				break;
			}
}

/* To the core, for session g (or any id when g is NULL): 0, or -1 with
 * errno as bus_publish_sess() says. */
static int
gw_publish(struct gateway *gw, struct gsess *g, enum bm_op op,
    const uint8_t *data, size_t len)
{
	if (gw->core[0] == '\0') {
		errno = ENOTCONN;
		return -1;
	}
	return bus_publish_sess(gw->bus, gw->core, g != NULL ? g->sid : 1,
	    op, data, len);
}

/* The client's address as OPEN carries it, into a: its length, or 0. */
static size_t
gw_addr(struct sess *s, uint8_t a[BM_OPEN_MAX])
{
	const struct sockaddr	*sa;
	socklen_t		 salen;

	return (sa = sess_peer(s, &salen)) == NULL ? 0 :
	    busmsg_open_encode(a, sa);
}

/* A session came up: hand it to the core, or close it if there is none. */
static void
gw_up(struct sess *s, void *arg)
{
	struct gateway		*gw = arg;
	const char		*core = bus_core(gw->bus);
	struct gsess		*g;
	uint8_t			 a[BM_OPEN_MAX];
	size_t			 alen, h;

	gw->st.sessions_total++;
	if (core == NULL) {
		gw->st.no_core++;
		sess_close_elsewhere(s);
		return;
	}
	if (strcmp(core, gw->core) != 0) {
		/* A new core (a standby took over): the sessions of the old
		 * one start again with it. */
		if (gw->core[0] != '\0')
			gateway_drop(gw, gw->core);
		snprintf(gw->core, sizeof gw->core, "%s", core);
		log_info("gateway: sessions go to core %s", core);
		gw_publish(gw, NULL, BMO_RESET, NULL, 0);
	}
	if ((alen = gw_addr(s, a)) == 0) {
		sess_close(s);
		return;
	}
	if (gw->ht_n >= gw->ht_nb / 2)
		gw_grow(gw);
	g = xcalloc(1, sizeof *g);
	g->s = s;
	g->sid = sess_id(s);
	h = gw_hash(gw, g->sid);
	g->next = gw->ht[h];
	gw->ht[h] = g;
	gw->ht_n++;
	memcpy(g->addr, a, alen);
	g->alen = alen;
	sess_set_data(s, g);
	gw_publish(gw, g, BMO_OPEN, a, alen);
}

static void
gw_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct gateway	*gw = arg;
	struct gsess	*g = sess_data(s);
	uint8_t		 a[BM_OPEN_MAX];
	size_t		 alen;

	if (g == NULL)
		return;
	/* The client roamed (its session followed it): the core learns the
	 * new address, for its per-address limits and the device list, by
	 * a second OPEN ahead of the message. */
	if ((alen = gw_addr(s, a)) != 0 && (alen != g->alen ||
	    memcmp(a, g->addr, alen) != 0)) {
		memcpy(g->addr, a, alen);
		g->alen = alen;
		gw->st.roams++;
		gw_publish(gw, g, BMO_OPEN, a, alen);
	}
	gw->st.to_core++;
	/*
	 * The queue to NATS is full: the session layer has taken the
	 * message, and nothing must lose it.  The session ends, asking the
	 * client to try elsewhere; it sends again what was not answered.
	 */
	if (gw_publish(gw, g, BMO_MSG, buf, len) == -1 && errno == ENOBUFS) {
		gw->st.closed_held++;
		sess_close_elsewhere(s);	/* frees g (gw_lost) */
	}
}

static void
gw_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct gateway	*gw = arg;
	struct gsess	*g = sess_data(s);

	if (g == NULL)
		return;
	sess_set_data(s, NULL);
	gw_publish(gw, g, BMO_CLOSED, NULL, 0);
	gw_unlink(gw, g);
	free(g);
}

void
gateway_in(struct gateway *gw, const struct busmsg *m)
{
	struct gsess	*g;

	if (strcmp(m->node, gw->core) != 0) {
		gw->st.unknown++;	/* not our core's: an old one's */
		return;
	}
	if (m->op == BMO_CHECK)
		return;
	if (m->op != BMO_MSG && m->op != BMO_CLOSE && m->op != BMO_TRUST) {
		gw->st.bad++;
		return;
	}
	if ((g = gw_find(gw, m->sid)) == NULL) {
		gw->st.unknown++;	/* gone meanwhile */
		return;
	}
	switch (m->op) {
	case BMO_MSG:
		g->received += m->len;
		if (sess_send(g->s, m->data, m->len) == -1) {
			/* The core sends within what it was told; past it,
			 * the message would be lost: the client resumes. */
			if (errno == ENOBUFS) {
				gw->st.closed_full++;
				sess_close(g->s);
			}
			return;
		}
		gw->st.from_core++;
		if (!g->watched) {
			g->watched = 1;
			g->wnext = gw->watch;
			gw->watch = g;
		}
		break;
	case BMO_CLOSE:
		gw->st.closed_by_core++;
		sess_close(g->s);
		break;
	case BMO_TRUST:
		sess_trust(g->s);
		break;
	default:
		break;
	}
}

/*
 * Before the loop blocks: tell the core of the queues that have drained
 * enough (ROOM), and stop watching those that are empty and told.  The
 * core reckons a queue as what it was last told plus what it has sent
 * since; when the queue is down to half of that, or empty, it is told.
 * So it never thinks a queue shorter than it is, and a busy session
 * costs a ROOM each time its queue halves, not one an acknowledgement.
 */
static void
gw_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct gateway	*gw = w->data;
	struct gsess	**pp = &gw->watch, *g;
	uint8_t		 room[BM_ROOM_LEN];
	uint64_t	 reckoned;
	size_t		 q;

	while ((g = *pp) != NULL) {
		q = sess_queued(g->s);
		if (q > UINT32_MAX)
			q = UINT32_MAX;
		reckoned = g->told + (g->received - g->told_received);
		if (q < reckoned && (q == 0 || q <= reckoned / 2)) {
			busmsg_room_encode(room, (uint32_t)q, g->received);
			gw_publish(gw, g, BMO_ROOM, room, sizeof room);
			g->told = (uint32_t)q;
			g->told_received = g->received;
		}
		if (q == 0) {
			g->watched = 0;
			*pp = g->wnext;
		} else
			pp = &g->wnext;
	}
}

/* Close every session, quietly to the core (it forgets them itself). */
static void
gw_close_all(struct gateway *gw)
{
	struct gsess	*g, *n;
	size_t		 i, closed = 0;

	/* The ROOM list goes first, whole: no walk of it per session. */
	for (g = gw->watch; g != NULL; g = n) {
		n = g->wnext;
		g->watched = 0;
	}
	gw->watch = NULL;
	for (i = 0; i < gw->ht_nb; i++)
		for (g = gw->ht[i]; g != NULL; g = n) {
			n = g->next;
			sess_set_data(g->s, NULL);
			sess_close_elsewhere(g->s);
			gw_unlink(gw, g);
			free(g);
			closed++;
		}
	if (closed > 0) {
		gw->st.resets++;
		log_info("gateway: %zu sessions closed; their clients "
		    "reconnect and resume", closed);
	}
}

/*
 * Close every session and tell the core to forget them (RESET), in order
 * on the link, before anything new: a core only judged dead, or that
 * lost a payload of ours, may still hold them.  A core that is really
 * gone never reads it.
 */
static void
gw_restart(struct gateway *gw)
{
	gw_close_all(gw);
	gw_publish(gw, NULL, BMO_RESET, NULL, 0);
}

void
gateway_drop(struct gateway *gw, const char *node)
{
	if (node != NULL && strcmp(node, gw->core) != 0)
		return;
	if (node != NULL)
		log_warnx("gateway: core %s gone", node);
	gw_restart(gw);
	gw->core[0] = '\0';
}

void
gateway_gap(struct gateway *gw, const char *node)
{
	if (strcmp(node, gw->core) == 0)
		gw_restart(gw);
}

void
gateway_reconnected(struct gateway *gw)
{
	/* Its sessions were closed at the disconnection; the core may
	 * still hold them, and must not wait for CLOSEDs that were lost. */
	const char	*core = bus_core(gw->bus);

	if (core != NULL)
		bus_publish_sess(gw->bus, core, 1, BMO_RESET, NULL, 0);
}

void
gateway_check(struct gateway *gw)
{
	/* Even with no session: a CLOSED lost on the way must show. */
	gw_publish(gw, NULL, BMO_CHECK, NULL, 0);
}

struct gateway *
gateway_new(struct ev_loop *loop, int fd, const uint8_t *pk,
    const uint8_t *sk, const struct chatd_conf *conf, struct bus *bus)
{
	struct gateway	*gw = xcalloc(1, sizeof *gw);
	struct sess_conf sc;
	struct sess_cb	 cb = { gw_up, gw_message, gw_lost, gw };

	gw->loop = loop;
	gw->bus = bus;
	gw->ht_nb = 256;
	gw->ht = xcalloc(gw->ht_nb, sizeof *gw->ht);
	chatd_sess_conf(conf, &sc);
	gw->ep = sess_server_new(loop, fd, pk, sk, &sc, &cb);
	ev_prepare_init(&gw->prepare, gw_prepare_cb);
	gw->prepare.data = gw;
	ev_prepare_start(loop, &gw->prepare);
	ev_unref(loop);
	return gw;
}

void
gateway_log_stats(struct gateway *gw, const char *when)
{
	const struct sess_stats	*ss = sess_ep_stats(gw->ep);
	struct bus_stats	 b;

	bus_stats(gw->bus, &b);
	log_info("stats (%s): bus connected %d peers %zu published %" PRIu64
	    " received %" PRIu64 " gaps %" PRIu64 " dropped out_full %" PRIu64
	    " in_full %" PRIu64 " offline %" PRIu64 " malformed %" PRIu64
	    " wrong_subject %" PRIu64, when, b.connected, b.peers,
	    b.published, b.received, b.gaps, b.out_full, b.in_full,
	    b.offline, b.malformed, b.wrong_subject);
	log_info("stats (%s): gateway to core %s: %zu sessions (%" PRIu64
	    " in all, %" PRIu64 " closed at once for want of a core), "
	    "%" PRIu64 " messages to the core, %" PRIu64 " from it, "
	    "%" PRIu64 " closed by it, %" PRIu64 " closed full, %" PRIu64
	    " resets, %" PRIu64 " roams, %" PRIu64 " closed for a full queue "
	    "to the core, %" PRIu64 " unknown, %" PRIu64 " refused; %" PRIu64
	    " datagrams in", when, gw->core[0] != '\0' ? gw->core : "(none)",
	    gw->ht_n, gw->st.sessions_total, gw->st.no_core, gw->st.to_core,
	    gw->st.from_core, gw->st.closed_by_core, gw->st.closed_full,
	    gw->st.resets, gw->st.roams, gw->st.closed_held, gw->st.unknown,
	    gw->st.bad, ss->rx_datagrams);
	server_log_sess(when, ss);	/* as chatd's, for the same tools */
}

void
gateway_free(struct gateway *gw)
{
	struct gsess	*g, *n;
	size_t		 i;

	if (gw == NULL)
		return;
	/* The core hears of it from our goodbye (bus_free()). */
	sess_ep_free(gw->ep);
	for (i = 0; i < gw->ht_nb; i++)
		for (g = gw->ht[i]; g != NULL; g = n) {
			n = g->next;
			free(g);
		}
	free(gw->ht);
	ev_ref(gw->loop);
	ev_prepare_stop(gw->loop, &gw->prepare);
	free(gw);
}
