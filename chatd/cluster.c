/*
 * cluster.c: what chatd does with the bus (bus.h) today, when [cluster]
 * is set: it connects, beats, and logs its peers appearing and dying and
 * its connection to NATS coming and going; server.c makes each user
 * online here watched.  Nothing is routed between nodes yet: the store
 * is still each node's own (docs/CLUSTER.md), and no node knows the
 * users of another, so a peer's death has no user to mark offline yet.
 * A payload for a user is counted by the bus and logged at debug level,
 * no more.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "chatd.h"
#include "base/log.h"

/* A USER payload: nothing routes them yet. */
static void
cluster_user(void *arg, uint64_t uid, const char *origin,
    const uint8_t *data, size_t len)
{
	log_debug("bus: %zu bytes for user %" PRIu64 " from %s (not routed: "
	    "no cluster store yet)", len, uid, origin);
}

static void
cluster_peer_up(void *arg, const char *node)
{
	log_info("bus: peer %s up", node);
}

static void
cluster_peer_down(void *arg, const char *node, enum bus_down why)
{
	const struct bus_conf	*bc = arg;

	switch (why) {
	case BUS_DOWN_DEAD:
		log_warnx("bus: peer %s dead: missed %d beats", node,
		    bc->missed_beats);
		break;
	case BUS_DOWN_LEFT:
		log_info("bus: peer %s left", node);
		break;
	case BUS_DOWN_RESTARTED:
		log_info("bus: peer %s restarted", node);
		break;
	}
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
		break;
	case BUS_RECONNECTED:
		log_info("bus: reconnected to %s", url);
		break;
	}
}

struct bus *
cluster_start(struct ev_loop *loop, const struct chatd_conf *conf)
{
	static struct bus_conf	 bc;	/* the callbacks' argument */
	struct bus_cb		 cb = { cluster_user, cluster_peer_up,
				    cluster_peer_down, cluster_state, &bc };
	struct bus		*b;
	char			 err[512];

	memset(&bc, 0, sizeof bc);
	snprintf(bc.servers, sizeof bc.servers, "%s", conf->nats);
	snprintf(bc.node, sizeof bc.node, "%s", conf->node);
	bc.heartbeat_ms = conf->heartbeat_ms;
	bc.missed_beats = conf->missed_beats;
	if ((b = bus_new(loop, &bc, &cb, err, sizeof err)) == NULL)
		fatalx("bus: %s", err);
	log_info("bus: node %s, NATS %s, a beat every %d ms, dead after %d "
	    "missed", bc.node, bc.servers, bc.heartbeat_ms, bc.missed_beats);
	return b;
}
