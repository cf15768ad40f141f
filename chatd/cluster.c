/*
 * cluster.c: what chatd does with the bus (bus.h) when [cluster] is set.
 * It connects, beats, and logs its peers appearing and dying and its
 * connection to NATS coming and going; server.c makes each user online
 * here watched.
 *
 * Sessions on gateways: a core (role = core, the default) beats as one
 * and takes the sessions gateways hand it (remote.c); a gateway (role =
 * gateway, gateway.c) hands its sessions to the newest core alive.  A
 * session's payloads travel on a link that must lose nothing: a gap in
 * it, the other end's death or goodbye, or this node's loss of NATS ends
 * every session of the link, and their clients log in again and resume
 * from their cursors, wherever they reach a node.
 *
 * A USER payload is counted by the bus and logged at debug level, no
 * more: nothing routes per user yet (docs/CLUSTER.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ev.h>

#include "bus.h"
#include "chatd.h"
#include "gateway.h"
#include "remote.h"
#include "base/log.h"

/* The callbacks' argument: the bus's settings, and its owner. */
static struct cluster {
	struct bus_conf	 bc;
	struct server	*srv;		/* a core */
	struct gateway	*gw;		/* a gateway */
	ev_timer	 check;		/* CHECK on the links, every beat */
} cl;

static void
cluster_user(void *arg, uint64_t uid, const char *origin,
    const uint8_t *data, size_t len)
{
	log_debug("bus: %zu bytes for user %" PRIu64 " from %s (not routed)",
	    len, uid, origin);
}

static void
cluster_peer_up(void *arg, const char *node)
{
	log_info("bus: peer %s up", node);
}

static void
cluster_peer_down(void *arg, const char *node, enum bus_down why)
{
	switch (why) {
	case BUS_DOWN_DEAD:
		log_warnx("bus: peer %s dead: missed %d beats", node,
		    cl.bc.missed_beats);
		break;
	case BUS_DOWN_LEFT:
		log_info("bus: peer %s left", node);
		break;
	case BUS_DOWN_RESTARTED:
		log_info("bus: peer %s restarted", node);
		break;
	}
	/* Judged dead, it may yet be alive: tell it (CLOSE each), as its
	 * sessions here are gone. */
	if (cl.srv != NULL)
		remote_drop(cl.srv, node, why == BUS_DOWN_DEAD);
	if (cl.gw != NULL)
		gateway_drop(cl.gw, node);
}

static void
cluster_state(void *arg, enum bus_state st, const char *url)
{
	switch (st) {
	case BUS_CONNECTED:
		log_info("bus: connected to %s", url);
		break;
	case BUS_DISCONNECTED:
		log_warnx("bus: disconnected from NATS; a single node until "
		    "it is back (reconnecting)");
		/*
		 * A gateway cut off from its core closes its sessions, whose
		 * clients go to another node.  A core keeps the gateways'
		 * sessions: what was lost meanwhile shows as a gap at the
		 * next payload or CHECK either way, and the link starts
		 * again then.
		 */
		if (cl.gw != NULL)
			gateway_drop(cl.gw, NULL);
		break;
	case BUS_RECONNECTED:
		log_info("bus: reconnected to %s", url);
		if (cl.gw != NULL)
			gateway_reconnected(cl.gw);
		break;
	}
}

static void
cluster_sess(void *arg, const struct busmsg *m)
{
	if (cl.srv != NULL)
		remote_in(cl.srv, m);
	else if (cl.gw != NULL)
		gateway_in(cl.gw, m);
}

static void
cluster_gap(void *arg, const char *node)
{
	log_warnx("bus: a payload from %s was lost; its sessions start again",
	    node);
	if (cl.srv != NULL)
		remote_drop(cl.srv, node, 1);
	if (cl.gw != NULL)
		gateway_gap(cl.gw, node);
}

/* Once a beat: the links with sessions are checked for gaps. */
static void
cluster_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (cl.srv != NULL)
		remote_check(cl.srv);
	if (cl.gw != NULL)
		gateway_check(cl.gw);
}

struct bus *
cluster_start(struct ev_loop *loop, const struct chatd_conf *conf)
{
	struct bus_cb	 cb = { cluster_user, cluster_peer_up,
			    cluster_peer_down, cluster_state, cluster_sess,
			    cluster_gap, &cl };
	struct bus	*b;
	char		 err[512];

	memset(&cl, 0, sizeof cl);
	snprintf(cl.bc.servers, sizeof cl.bc.servers, "%s", conf->nats);
	snprintf(cl.bc.node, sizeof cl.bc.node, "%s", conf->node);
	cl.bc.heartbeat_ms = conf->heartbeat_ms;
	cl.bc.missed_beats = conf->missed_beats;
	if ((b = bus_new(loop, &cl.bc, &cb, err, sizeof err)) == NULL)
		fatalx("bus: %s", err);
	if (!conf->gateway)
		bus_set_core(b);
	ev_timer_init(&cl.check, cluster_check_cb, conf->heartbeat_ms / 1000.,
	    conf->heartbeat_ms / 1000.);
	ev_timer_start(loop, &cl.check);
	ev_unref(loop);
	log_info("bus: node %s (%s), NATS %s, a beat every %d ms, dead after "
	    "%d missed", cl.bc.node, conf->gateway ? "gateway" : "core",
	    cl.bc.servers, cl.bc.heartbeat_ms, cl.bc.missed_beats);
	return b;
}

void
cluster_set_server(struct server *srv)
{
	cl.srv = srv;
}

void
cluster_set_gateway(struct gateway *gw)
{
	cl.gw = gw;
}
