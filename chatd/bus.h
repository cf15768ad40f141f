/*
 * bus.h: the bus between chatd nodes, over plain NATS (bus.c).
 *
 * One struct bus lives from bus_new() to bus_free(), both on the loop
 * thread, and every other call and every callback is on the loop thread
 * too: nats.c runs on threads of its own, and bus.c hands what they see
 * to the loop through bounded queues (docs/CLUSTER.md, "The bus").  No
 * call here blocks on the network.
 *
 * What it offers: per-user subjects (a node watches a user while that
 * user has sessions on it, and anyone may publish to that user), a
 * heartbeat per node with peers appearing and dying, and the state of
 * the connection.  A NULL bus is a single node: bus_watch(),
 * bus_unwatch() and bus_publish_user() on it do nothing.
 */
#ifndef BUS_H
#define BUS_H

#include <stddef.h>
#include <stdint.h>

#include "busmsg.h"

#define BUS_SERVERS_MAX	16		/* URLs in [cluster] nats */

struct ev_loop;
struct bus;

struct bus_conf {
	char	servers[1024];		/* nats://HOST:PORT,... */
	char	node[BM_NODE_MAX + 1];	/* this node's name */
	int	heartbeat_ms;		/* between this node's beats */
	int	missed_beats;		/* a peer silent this many of its own
					 * intervals is dead */
};

enum bus_state {
	BUS_CONNECTED,			/* the first time */
	BUS_DISCONNECTED,		/* lost; nats.c reconnects on its own */
	BUS_RECONNECTED,		/* back: the cluster resyncs from here */
};

enum bus_down {
	BUS_DOWN_DEAD,			/* missed its beats */
	BUS_DOWN_LEFT,			/* said goodbye (stopped cleanly) */
	BUS_DOWN_RESTARTED,		/* beats again as a new incarnation;
					 * peer_up follows */
};

/* What the bus tells its owner, on the loop thread.  Any may be NULL. */
struct bus_cb {
	/* A USER payload for uid, published by node origin. */
	void	(*user)(void *arg, uint64_t uid, const char *origin,
		    const uint8_t *data, size_t len);
	/* A peer node's first beat (or first of a new incarnation). */
	void	(*peer_up)(void *arg, const char *node);
	/* A peer node is gone, and why: its users are offline. */
	void	(*peer_down)(void *arg, const char *node, enum bus_down why);
	/* The connection to NATS changed; url is the server's, or "". */
	void	(*state)(void *arg, enum bus_state, const char *url);
	/* A SESS payload from another node, in its link's order. */
	void	(*sess)(void *arg, const struct busmsg *);
	/* A SESS payload from node was lost: the link starts again. */
	void	(*gap)(void *arg, const char *node);
	void	*arg;
};

/* Counters; under the bus's lock, copied out by bus_stats(). */
struct bus_stats {
	int		connected;	/* now */
	size_t		peers;		/* now alive */
	size_t		watched;	/* users watched now */
	uint64_t	beats_sent;
	uint64_t	beats_received;
	uint64_t	published;	/* USER payloads and BATCHes handed to
					 * NATS */
	uint64_t	received;	/* USER and SESS payloads given to the
					 * owner */
	uint64_t	subscribes;	/* user subjects subscribed */
	uint64_t	unsubscribes;
	uint64_t	disconnects;
	uint64_t	reconnects;
	uint64_t	peers_up;
	uint64_t	peers_dead;
	uint64_t	peers_left;
	uint64_t	peers_restarted;
	/* dropped, by reason */
	uint64_t	out_full;	/* the queue to the NATS thread */
	uint64_t	in_full;	/* the queue to the loop */
	uint64_t	offline;	/* published while disconnected */
	uint64_t	publish_failed;	/* nats.c refused it */
	uint64_t	too_long;	/* over BM_DATA_MAX */
	uint64_t	malformed;
	uint64_t	bad_version;
	uint64_t	wrong_subject;	/* a USER payload on another's subject */
	uint64_t	own_name;	/* another node beats under our name */
	uint64_t	peers_full;	/* beats of more than BUS_PEERS_MAX */
	uint64_t	nats_errors;	/* asynchronous errors nats.c reported */
	uint64_t	sub_failed;	/* subscribes nats.c refused */
	uint64_t	gaps;		/* SESS payloads missing in a link */
	uint64_t	strangers;	/* SESS payloads from nodes that do not
					 * beat (or from our own name) */
	uint64_t	out_held;	/* MSGs refused for a full queue, to be
					 * sent again (not lost) */
};

/*
 * Check a [cluster] nats list: up to BUS_SERVERS_MAX nats://HOST:PORT
 * URLs, separated by commas.  0, or -1 with why in err.
 */
int		 bus_servers_check(const char *servers, char *err,
		    size_t errlen);
/*
 * Start the bus: connect in the background (never waiting for NATS),
 * then beat every heartbeat_ms.  NULL, with err, only if nats.c cannot
 * start at all.
 */
struct bus	*bus_new(struct ev_loop *, const struct bus_conf *,
		    const struct bus_cb *, char *err, size_t errlen);
/* Say goodbye, flush for at most a second, close, free.  NULL: nothing. */
void		 bus_free(struct bus *);
/* One more session of uid on this node: subscribe at the first. */
void		 bus_watch(struct bus *, uint64_t uid);
/* One session fewer: unsubscribe when the last goes. */
void		 bus_unwatch(struct bus *, uint64_t uid);
/* Is uid watched here (how many sessions)? */
unsigned int	 bus_watching(struct bus *, uint64_t uid);
/*
 * Publish len bytes to uid's subject, for every node watching it: 0, or
 * -1 if dropped (too long, queue full; counted).  Delivery is at most
 * once: a payload published while NATS is away is dropped and counted.
 */
int		 bus_publish_user(struct bus *, uint64_t uid,
		    const uint8_t *data, size_t len);
void		 bus_stats(struct bus *, struct bus_stats *);
/*
 * A SESS payload for session sid to node (busmsg.h): 0 if queued, or -1
 * with errno: ENOBUFS, a MSG that found the queue to NATS full (counted
 * as out_held; nothing was sent, try again later), or ENOTCONN, dropped
 * (counted; the receiver sees a gap in the link).
 */
int		 bus_publish_sess(struct bus *, const char *node, uint64_t sid,
		    enum bm_op, const uint8_t *data, size_t len);
/* A CHECK on every link with a live peer (once a beat: a payload lost
 * on a quiet link shows as a gap at the other end). */
void		 bus_check_links(struct bus *);
/* This node holds the store: its beats say so (BM_F_CORE). */
void		 bus_set_core(struct bus *);
/* The core this node hands its sessions to, or NULL if none is alive
 * or the bus is down. */
const char	*bus_core(struct bus *);

#endif
