/*
 * bus.c: the bus between chatd nodes over plain NATS (bus.h), with
 * nats.c.
 *
 * Threads.  nats.c reads, writes, reconnects and delivers messages on
 * threads of its own, and even its connect and publish calls may block:
 * a publish writes to the socket when its buffer fills, with no deadline
 * unless one is set.  So chatd's loop thread never calls nats.c at all.
 * Between the two sides are two bounded queues under one mutex:
 *
 *   out: the loop's publishes, and the set of user subjects whose
 *	subscription should change, taken by the bus thread (bus_main),
 *	which alone owns the natsConnection;
 *   in:	decoded payloads from nats.c's delivery thread, handed to the
 *	loop through an ev_async; connection changes are counters, not
 *	queued, so that they can never be dropped nor pile up.
 *
 * nats.c can also run on an external event loop (natsOptions_SetEventLoop;
 * its libuv adapter shows how).  That was not taken: it moves only the
 * socket's reads and writes onto the loop, while the connect, the
 * reconnects and the message callbacks stay on nats.c's threads, so the
 * hand-off below would still be needed, and chatd's loop, which carries
 * every session, would parse NATS traffic too.
 *
 * A queue that is full drops, and counts: a user payload when it holds
 * three quarters of its bound, a beat only when it is full, so that a
 * flood of user payloads cannot make a live node look dead.  The
 * subscription changes are not a queue but a flag on each watched user,
 * so their number is bounded by the users on this node.
 *
 * Peers are judged on the loop thread: a peer is dead when it has been
 * silent missed_beats of its own intervals.  While this node is cut off
 * from NATS nobody is judged (it cannot tell a dead peer from its own
 * outage); on reconnection every peer's clock starts again, with the
 * time of one reconnection attempt added, as it too has to reconnect.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <nats/nats.h>
#include <sodium.h>

#include "bus.h"
#include "busmsg.h"
#include "base/log.h"
#include "base/xmalloc.h"

#define BUS_PEERS_MAX	256		/* nodes this node keeps track of */
#define IN_MAX		16384		/* payloads waiting for the loop */
#define IN_BYTES	(32u << 20)
#define OUT_MAX		16384		/* publishes waiting for NATS */
#define OUT_BYTES	(32u << 20)
#define USER_SHARE(n)	((n) / 4 * 3)	/* of either, for user payloads */
#define FLUSH_MS	1000		/* at the end, for the goodbye */
#define CLOSE_WAIT_S	2		/* for nats.c's closed callback */
#define LIB_WAIT_MS	10000		/* for nats.c's threads to end */
#define RECONNECT_MS	1000		/* between attempts on one server */
#define RECONNECT_JITTER_MS 500
#define RECONNECT_BUF	(1 << 20)	/* nats.c's, while reconnecting */
#define SUBJ_BEAT	"chatd.beat"
#define SUBJ_USER	"chatd.user."
#define SUBJ_NODE	"chatd.node."
#define SUBJ_MAX	80		/* "chatd.node." and a node's name */

/* A payload on its way in, decoded (m.data points into data). */
struct bus_in {
	struct bus_in	*next;
	struct busmsg	 m;
	size_t		 len;
	uint8_t		 data[];
};

/* A publish on its way out. */
struct bus_out {
	struct bus_out	*next;
	char		 subject[SUBJ_MAX];
	int		 beat;		/* a beat or a goodbye */
	size_t		 len;
	uint8_t		 data[];
};

/* A watched user: refs is the loop's, sub the bus thread's. */
struct watch {
	uint64_t	 uid;
	unsigned int	 refs;		/* sessions on this node */
	natsSubscription *sub;		/* NULL: not subscribed */
	int		 dirty;		/* on the list to reconcile */
	struct watch	*next;		/* hash chain */
	struct watch	*dnext;		/* the dirty list */
};

struct peer {
	char		 node[BM_NODE_MAX + 1];
	int		 core;		/* beats with BM_F_CORE */
	uint64_t	 incarnation;
	uint64_t	 seq;
	uint32_t	 interval_ms;
	uint64_t	 last_ns;	/* its last beat, monotonic */
};

/*
 * A link: the SESS payloads between this node and another (loop thread).
 * Out, the sequence of the next one this node sends it; in, the
 * incarnation and the sequence expected next of what it sends us.
 */
struct link {
	char		 node[BM_NODE_MAX + 1];
	uint64_t	 out_next;
	uint64_t	 in_inc, in_next;
	uint64_t	 last_ns;	/* its last payload in, monotonic */
	uint8_t		*batch;		/* this turn's SESS payloads to it: a
					 * BATCH being built (busmsg.h) */
	size_t		 blen, bcap;
};

struct bus {
	struct ev_loop	*loop;
	struct bus_conf	 conf;
	struct bus_cb	 cb;
	uint64_t	 incarnation;
	char		*urls[BUS_SERVERS_MAX];
	int		 nurls;
	pthread_t	 thread;

	/* Under mu. */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct bus_in	*in_head, *in_tail;
	size_t		 in_n, in_bytes;
	struct bus_out	*out_head, *out_tail;
	size_t		 out_n, out_bytes;
	struct watch	**wt;		/* watched users by id */
	size_t		 wt_nb, wt_n;
	struct watch	*dirty;
	int		 stop;		/* bus_free() wants the thread out */
	int		 closed;	/* nats.c's closed callback came */
	int		 nsubs;		/* subscriptions not yet complete */
	int		 detached;	/* no more ev_async_send */
	uint64_t	 connects;	/* connection changes, as counted */
	char		 url[256];	/* of the server now */
	char		 error[256];	/* nats.c could not start: why */
	struct bus_stats st;

	/* The bus thread's alone. */
	natsConnection	*nc;
	natsSubscription *beat_sub;
	natsSubscription *node_sub;	/* chatd.node.OURS */

	/* The loop thread's alone. */
	ev_async	 async;
	ev_timer	 beat;
	ev_prepare	 flush;		/* the turn's batches, last of all */
	size_t		 pending;	/* bytes in the links' batches */
	uint64_t	 seq;
	int		 up;		/* as last told to the owner */
	uint64_t	 seen_connects, seen_disconnects, seen_reconnects;
	int		 warned_own;
	int		 warned_error;
	struct peer	 peers[BUS_PEERS_MAX];
	size_t		 npeers;
	int		 core;		/* we beat with BM_F_CORE */
	char		 core_node[BM_NODE_MAX + 1];	/* the newest core
							 * alive, or "" */
	struct link	 links[BUS_PEERS_MAX];
	size_t		 nlinks;
};

static struct peer	*bus_peer(struct bus *, const char *);
static void		 bus_link_drop(struct bus *, const char *);

/* Buses alive, to close nats.c with the last (loop thread). */
static int	bus_count;

/* Monotonic nanoseconds. */
static uint64_t
bus_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Wake the loop, unless bus_free() is past caring (under mu). */
static void
bus_wake_loop(struct bus *b)
{
	if (!b->detached)
		ev_async_send(b->loop, &b->async);
}

/* Split a [cluster] nats list into URLs: how many, or -1 with err. */
static int
bus_split(const char *servers, char urls[][256], int max, char *err,
    size_t errlen)
{
	const char	*p = servers, *e, *host, *c;
	size_t		 n;
	int		 count = 0;
	long		 port;
	char		*end;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0) {
			snprintf(err, errlen, "an empty URL in the list");
			return -1;
		}
		if (count == max) {
			snprintf(err, errlen, "more than %d URLs", max);
			return -1;
		}
		if (n >= 256 || n <= 7 || strncmp(p, "nats://", 7) != 0) {
			snprintf(err, errlen, "'%.*s': not nats://HOST:PORT",
			    (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		memcpy(urls[count], p, n);
		urls[count][n] = '\0';
		host = urls[count] + 7;
		if ((c = strchr(host, '@')) != NULL)
			host = c + 1;
		if (strpbrk(host, " \t/?#") != NULL || *host == '\0' ||
		    *host == ':') {
			snprintf(err, errlen, "'%s': not nats://HOST:PORT",
			    urls[count]);
			return -1;
		}
		/* A port, if any, after the last colon past an IPv6 [...]. */
		c = strrchr(host, ':');
		if (c != NULL && (strchr(host, ']') == NULL ||
		    c > strchr(host, ']'))) {
			errno = 0;
			port = strtol(c + 1, &end, 10);
			if (c[1] == '\0' || *end != '\0' || errno != 0 ||
			    port < 1 || port > 65535) {
				snprintf(err, errlen, "'%s': bad port",
				    urls[count]);
				return -1;
			}
		}
		count++;
		if (*e == '\0')
			return count;
		p = e + 1;
	}
}

int
bus_servers_check(const char *servers, char *err, size_t errlen)
{
	char	urls[BUS_SERVERS_MAX][256];

	return bus_split(servers, urls, BUS_SERVERS_MAX, err, errlen) == -1 ?
	    -1 : 0;
}

/* The watch of uid, or NULL (under mu). */
static struct watch *
bus_watch_find(struct bus *b, uint64_t uid)
{
	struct watch	*w;

	for (w = b->wt[(uid * 0x9e3779b97f4a7c15ULL >> 17) & (b->wt_nb - 1)];
	    w != NULL; w = w->next)
		if (w->uid == uid)
			return w;
	return NULL;
}

/* Double the table of watches (under mu). */
static void
bus_watch_grow(struct bus *b)
{
	struct watch	**old = b->wt, *w, *n;
	size_t		  on = b->wt_nb, i, h;

	b->wt_nb = on * 2;
	b->wt = xcalloc(b->wt_nb, sizeof *b->wt);
	for (i = 0; i < on; i++)
		for (w = old[i]; w != NULL; w = n) {
			n = w->next;
			h = (w->uid * 0x9e3779b97f4a7c15ULL >> 17) &
			    (b->wt_nb - 1);
			w->next = b->wt[h];
			b->wt[h] = w;
		}
	free(old);
}

/* Take w out of the table and free it (under mu). */
static void
bus_watch_remove(struct bus *b, struct watch *w)
{
	struct watch	**pp;

	for (pp = &b->wt[(w->uid * 0x9e3779b97f4a7c15ULL >> 17) &
	    (b->wt_nb - 1)]; *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	b->wt_n--;
	free(w);
}

/* Put w on the list the bus thread reconciles (under mu). */
static void
bus_watch_dirty(struct bus *b, struct watch *w)
{
	if (w->dirty)
		return;
	w->dirty = 1;
	w->dnext = b->dirty;
	b->dirty = w;
	pthread_cond_signal(&b->cv);
}

void
bus_watch(struct bus *b, uint64_t uid)
{
	struct watch	*w;
	size_t		 h;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	if ((w = bus_watch_find(b, uid)) == NULL) {
		if (b->wt_n >= b->wt_nb)
			bus_watch_grow(b);
		w = xcalloc(1, sizeof *w);
		w->uid = uid;
		h = (uid * 0x9e3779b97f4a7c15ULL >> 17) & (b->wt_nb - 1);
		w->next = b->wt[h];
		b->wt[h] = w;
		b->wt_n++;
	}
	if (w->refs++ == 0) {
		b->st.watched++;
		bus_watch_dirty(b, w);
	}
	pthread_mutex_unlock(&b->mu);
}

void
bus_unwatch(struct bus *b, uint64_t uid)
{
	struct watch	*w;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	if ((w = bus_watch_find(b, uid)) != NULL && w->refs > 0 &&
	    --w->refs == 0) {
		b->st.watched--;
		bus_watch_dirty(b, w);
	}
	pthread_mutex_unlock(&b->mu);
}

unsigned int
bus_watching(struct bus *b, uint64_t uid)
{
	struct watch	*w;
	unsigned int	 n;

	if (b == NULL)
		return 0;
	pthread_mutex_lock(&b->mu);
	n = (w = bus_watch_find(b, uid)) != NULL ? w->refs : 0;
	pthread_mutex_unlock(&b->mu);
	return n;
}

/*
 * Queue len bytes for subject: 0, or -1 if the queue is full.  A beat
 * (or goodbye) is counted as one; it and an admitted batch (whole) may
 * use the whole queue, a user payload only its share.
 */
static int
bus_out(struct bus *b, const char *subject, const uint8_t *data, size_t len,
    int beat, int whole)
{
	struct bus_out	*o = xmalloc(sizeof *o + len);
	size_t		 max_n = whole ? OUT_MAX : USER_SHARE(OUT_MAX);
	size_t		 max_bytes = whole ? OUT_BYTES : USER_SHARE(OUT_BYTES);

	snprintf(o->subject, sizeof o->subject, "%s", subject);
	o->beat = beat;
	o->len = len;
	o->next = NULL;
	memcpy(o->data, data, len);
	pthread_mutex_lock(&b->mu);
	if (b->out_n >= max_n || b->out_bytes + len > max_bytes) {
		b->st.out_full++;
		pthread_mutex_unlock(&b->mu);
		free(o);
		return -1;
	}
	if (b->out_tail != NULL)
		b->out_tail->next = o;
	else
		b->out_head = o;
	b->out_tail = o;
	b->out_n++;
	b->out_bytes += len;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	return 0;
}

int
bus_publish_user(struct bus *b, uint64_t uid, const uint8_t *data,
    size_t len)
{
	static uint8_t	 buf[BM_MAX];	/* loop thread only */
	struct busmsg	 m;
	char		 subject[SUBJ_MAX];
	size_t		 n;

	if (b == NULL)
		return -1;
	memset(&m, 0, sizeof m);
	m.kind = BM_USER;
	snprintf(m.node, sizeof m.node, "%s", b->conf.node);
	m.uid = uid;
	m.data = data;
	m.len = len;
	if (len > BM_DATA_MAX || (n = busmsg_encode(buf, sizeof buf,
	    &m)) == 0) {
		pthread_mutex_lock(&b->mu);
		b->st.too_long++;
		pthread_mutex_unlock(&b->mu);
		return -1;
	}
	snprintf(subject, sizeof subject, SUBJ_USER "%" PRIu64, uid);
	return bus_out(b, subject, buf, n, 0, 0);
}

/* The link with node, made if need be; NULL if the table is full. */
static struct link *
bus_link(struct bus *b, const char *node)
{
	struct link	*l;
	size_t		 i;

	for (i = 0; i < b->nlinks; i++)
		if (strcmp(b->links[i].node, node) == 0)
			return &b->links[i];
	if (b->nlinks == BUS_PEERS_MAX)
		return NULL;
	l = &b->links[b->nlinks++];
	memset(l, 0, sizeof *l);
	snprintf(l->node, sizeof l->node, "%s", node);
	l->out_next = 1;
	return l;
}

/* Hand l's batch to the bus thread as one NATS message (loop thread). */
static void
bus_link_flush(struct bus *b, struct link *l)
{
	char	subject[SUBJ_MAX];
	size_t	n;

	if (l->blen == 0)
		return;
	n = busmsg_batch_end(l->batch, l->blen);
	snprintf(subject, sizeof subject, SUBJ_NODE "%s", l->node);
	/*
	 * Against the whole queue: its MSGs were admitted against the
	 * user share when they were added (bus_publish_sess()), which is
	 * the flow control; refused now, they would be lost, a gap at the
	 * other end.
	 */
	bus_out(b, subject, l->batch, n, 0, 1);
	b->pending -= l->blen;
	l->blen = 0;
}

/* Before the loop blocks, after every other watcher of the turn: what it
 * published for each node leaves as one message. */
static void
bus_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct bus	*b = w->data;
	size_t		 i;

	for (i = 0; i < b->nlinks; i++)
		bus_link_flush(b, &b->links[i]);
}

/* Append an encoded SESS payload to l's batch, flushing first if it
 * does not fit; 0, or -1 if it cannot be added (counted too_long). */
static int
bus_link_add(struct bus *b, struct link *l, const uint8_t *p, size_t n)
{
	/* The batch's own bound: its header is our name, not the longest. */
	size_t	max = BM_HDR + strlen(b->conf.node) + BM_BATCH_MAX, nl;

	if (l->blen > 0 && l->blen + 4 + n > max)
		bus_link_flush(b, l);
	if (l->blen == 0) {
		if (l->bcap == 0) {
			l->bcap = 4096;
			l->batch = xmalloc(l->bcap);
		}
		l->blen = busmsg_batch_start(l->batch, l->bcap, b->conf.node);
		b->pending += l->blen;
	}
	while (l->blen + 4 + n > l->bcap && l->bcap < max) {
		l->bcap = l->bcap * 2 < max ? l->bcap * 2 : max;
		l->batch = xreallocarray(l->batch, l->bcap, 1);
	}
	if ((nl = busmsg_batch_add(l->batch, l->bcap, l->blen, p, n)) == 0)
		return -1;	/* cannot be: n is at most BM_MAX */
	b->pending += nl - l->blen;
	l->blen = nl;
	return 0;
}

int
bus_publish_sess(struct bus *b, const char *node, uint64_t sid,
    enum bm_op op, const uint8_t *data, size_t len)
{
	static uint8_t	 buf[BM_MAX];	/* loop thread only */
	struct busmsg	 m;
	struct link	*l;
	size_t		 n;

	if (b == NULL || (l = bus_link(b, node)) == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	/*
	 * A chat message finds the queue full before it takes a number, so
	 * that it is held back (flow control) rather than lost (a gap, and
	 * every session of the link starts again): admitted here against
	 * the user share, with the batches still being built, its batch is
	 * queued at the flush against the whole queue.  The other ops, few
	 * and small, are always admitted, as a beat is.
	 */
	if (op == BMO_MSG) {
		pthread_mutex_lock(&b->mu);
		if (b->out_n + b->nlinks >= USER_SHARE(OUT_MAX) ||
		    b->out_bytes + b->pending + (l->blen == 0 ? BM_HDR +
		    BM_NODE_MAX : 0) + 4 + BM_HDR + BM_NODE_MAX +
		    BM_SESS_HDR + len > USER_SHARE(OUT_BYTES)) {
			b->st.out_held++;
			pthread_mutex_unlock(&b->mu);
			errno = ENOBUFS;
			return -1;
		}
		pthread_mutex_unlock(&b->mu);
	}
	memset(&m, 0, sizeof m);
	m.kind = BM_SESS;
	snprintf(m.node, sizeof m.node, "%s", b->conf.node);
	m.incarnation = b->incarnation;
	/* Taken even if the payload is dropped: the receiver sees a gap. */
	m.seq = l->out_next++;
	m.sid = sid;
	m.op = op;
	m.data = data;
	m.len = len;
	if ((n = busmsg_encode(buf, sizeof buf, &m)) == 0) {
		pthread_mutex_lock(&b->mu);
		b->st.too_long++;
		pthread_mutex_unlock(&b->mu);
		return -1;
	}
	if (bus_link_add(b, l, buf, n) == -1) {
		pthread_mutex_lock(&b->mu);
		b->st.too_long++;
		pthread_mutex_unlock(&b->mu);
		errno = ENOTCONN;	/* lost: the receiver sees a gap */
		return -1;
	}
	return 0;
}

void
bus_check_links(struct bus *b)
{
	size_t	i;

	if (b == NULL)
		return;
	/* (A publish to a node with a link adds no link.) */
	for (i = 0; i < b->nlinks; i++)
		if (bus_peer(b, b->links[i].node) != NULL)
			bus_publish_sess(b, b->links[i].node, 1, BMO_CHECK,
			    NULL, 0);
}

void
bus_set_core(struct bus *b)
{
	b->core = 1;
}

const char *
bus_core(struct bus *b)
{
	return b != NULL && b->up && b->core_node[0] != '\0' ?
	    b->core_node : NULL;
}

/*
 * A NATS message, on nats.c's delivery thread: decode it, check that it
 * came on the subject its kind belongs to, and queue it for the loop.
 */
static void
bus_on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
    void *closure)
{
	struct bus	*b = closure;
	const char	*subject = natsMsg_GetSubject(msg);
	const uint8_t	*data = (const uint8_t *)natsMsg_GetData(msg);
	int		 len = natsMsg_GetDataLength(msg);
	struct busmsg	 m;
	struct bus_in	*in = NULL;
	enum bm_err	 e;
	char		 want[SUBJ_MAX];
	int		 wrong = 0, user;

	e = busmsg_decode(data, len > 0 ? (size_t)len : 0, &m);
	if (e == BME_NONE) {
		if (m.kind == BM_USER) {
			snprintf(want, sizeof want, SUBJ_USER "%" PRIu64,
			    m.uid);
			wrong = strcmp(subject, want) != 0;
		} else if (m.kind == BM_SESS || m.kind == BM_BATCH) {
			snprintf(want, sizeof want, SUBJ_NODE "%s",
			    b->conf.node);
			wrong = strcmp(subject, want) != 0;
		} else
			wrong = strcmp(subject, SUBJ_BEAT) != 0;
	}
	if (e == BME_NONE && !wrong) {
		in = xmalloc(sizeof *in + m.len);
		in->next = NULL;
		in->m = m;
		in->len = m.len;
		if (m.len > 0)
			memcpy(in->data, m.data, m.len);
		in->m.data = in->data;
	}
	natsMsg_Destroy(msg);

	pthread_mutex_lock(&b->mu);
	if (e == BME_VERSION)
		b->st.bad_version++;
	else if (e != BME_NONE)
		b->st.malformed++;
	else if (wrong)
		b->st.wrong_subject++;
	else {
		user = in->m.kind == BM_USER || in->m.kind == BM_SESS ||
		    in->m.kind == BM_BATCH;
		if (b->in_n >= (user ? USER_SHARE(IN_MAX) : IN_MAX) ||
		    b->in_bytes + in->len > (user ? USER_SHARE(IN_BYTES) :
		    IN_BYTES)) {
			b->st.in_full++;
			free(in);
		} else {
			if (b->in_tail != NULL)
				b->in_tail->next = in;
			else
				b->in_head = in;
			b->in_tail = in;
			b->in_n++;
			b->in_bytes += in->len;
			bus_wake_loop(b);
		}
	}
	pthread_mutex_unlock(&b->mu);
}

/* The server nc is on now, into b->url (under mu). */
static void
bus_note_url(struct bus *b, natsConnection *nc)
{
	if (natsConnection_GetConnectedUrl(nc, b->url, sizeof b->url) !=
	    NATS_OK)
		b->url[0] = '\0';
}

/* nats.c's connection callbacks, on its threads: counters and a wake. */
static void
bus_on_connected(natsConnection *nc, void *closure)
{
	struct bus	*b = closure;

	pthread_mutex_lock(&b->mu);
	b->connects++;
	b->st.connected = 1;
	bus_note_url(b, nc);
	bus_wake_loop(b);
	pthread_mutex_unlock(&b->mu);
}

static void
bus_on_disconnected(natsConnection *nc, void *closure)
{
	struct bus	*b = closure;

	pthread_mutex_lock(&b->mu);
	if (!b->stop) {
		b->st.disconnects++;
		b->st.connected = 0;
		bus_wake_loop(b);
	}
	pthread_mutex_unlock(&b->mu);
}

static void
bus_on_reconnected(natsConnection *nc, void *closure)
{
	struct bus	*b = closure;

	pthread_mutex_lock(&b->mu);
	b->st.reconnects++;
	b->st.connected = 1;
	bus_note_url(b, nc);
	bus_wake_loop(b);
	pthread_mutex_unlock(&b->mu);
}

static void
bus_on_closed(natsConnection *nc, void *closure)
{
	struct bus	*b = closure;

	pthread_mutex_lock(&b->mu);
	b->closed = 1;
	b->st.connected = 0;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/*
 * A subscription is closed and its handler will not run again (nats.c's
 * delivery thread, once it has passed the last message): at the end,
 * bus_main() waits for every one, so that nothing of nats.c's still
 * refers to the bus when it is freed, and nats.c's delivery thread has
 * no message left when the library closes (in 3.4.1 it would be leaked).
 */
static void
bus_on_sub_done(void *closure)
{
	struct bus	*b = closure;

	pthread_mutex_lock(&b->mu);
	b->nsubs--;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* Subscribe to subject (bus thread): 0, or -1 (counted). */
static int
bus_subscribe(struct bus *b, natsSubscription **sub, const char *subject)
{
	natsStatus	s;

	*sub = NULL;
	if ((s = natsConnection_Subscribe(sub, b->nc, subject, bus_on_msg,
	    b)) == NATS_OK && (s = natsSubscription_SetOnCompleteCB(*sub,
	    bus_on_sub_done, b)) != NATS_OK) {
		natsSubscription_Destroy(*sub);
		*sub = NULL;
	}
	pthread_mutex_lock(&b->mu);
	if (s == NATS_OK) {
		b->nsubs++;
		if (strncmp(subject, SUBJ_USER, strlen(SUBJ_USER)) == 0)
			b->st.subscribes++;
	} else
		b->st.sub_failed++;
	pthread_mutex_unlock(&b->mu);
	return s == NATS_OK ? 0 : -1;
}

static void
bus_on_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
    void *closure)
{
	struct bus	*b = closure;

	pthread_mutex_lock(&b->mu);
	b->st.nats_errors++;
	pthread_mutex_unlock(&b->mu);
}

/* The options of b's connection, or NULL with b->error set (bus thread,
 * before the loop may read it: bus_main() wakes the loop after). */
static natsOptions *
bus_options(struct bus *b)
{
	natsOptions	*o = NULL;
	natsStatus	 s;
	char		 name[BM_NODE_MAX + 16];
	int64_t		 ping = (int64_t)b->conf.heartbeat_ms *
			    b->conf.missed_beats;

	snprintf(name, sizeof name, "chatd %s", b->conf.node);
	if (ping < 1000)
		ping = 1000;
	if ((s = natsOptions_Create(&o)) == NATS_OK &&
	    (s = natsOptions_SetServers(o, (const char **)b->urls,
	    b->nurls)) == NATS_OK &&
	    (s = natsOptions_SetName(o, name)) == NATS_OK &&
	    /* Our own beats and payloads are not news to us. */
	    (s = natsOptions_SetNoEcho(o, true)) == NATS_OK &&
	    /* Connect in the background, and forever. */
	    (s = natsOptions_SetRetryOnFailedConnect(o, true,
	    bus_on_connected, b)) == NATS_OK &&
	    (s = natsOptions_SetMaxReconnect(o, -1)) == NATS_OK &&
	    (s = natsOptions_SetReconnectWait(o, RECONNECT_MS)) == NATS_OK &&
	    (s = natsOptions_SetReconnectJitter(o, RECONNECT_JITTER_MS,
	    RECONNECT_JITTER_MS)) == NATS_OK &&
	    (s = natsOptions_SetReconnectBufSize(o, RECONNECT_BUF)) ==
	    NATS_OK &&
	    /* A server gone silent (no RST) is noticed as a peer would be. */
	    (s = natsOptions_SetPingInterval(o, ping)) == NATS_OK &&
	    (s = natsOptions_SetMaxPingsOut(o, 2)) == NATS_OK &&
	    /*
	     * One shared delivery thread rather than one per subscription:
	     * there is a subscription per user online here.  It also keeps
	     * the order in which the server sent them.
	     */
	    (s = natsOptions_UseGlobalMessageDelivery(o, true)) == NATS_OK &&
	    /*
	     * A publish is written at once, not left for nats.c's flusher,
	     * which waits a millisecond to gather more: a gateway's session
	     * crosses the bus twice a request, and the loop already gathers
	     * a turn's payloads into one (BATCH).
	     */
	    (s = natsOptions_SetSendAsap(o, true)) == NATS_OK &&
	    (s = natsOptions_SetDisconnectedCB(o, bus_on_disconnected, b)) ==
	    NATS_OK &&
	    (s = natsOptions_SetReconnectedCB(o, bus_on_reconnected, b)) ==
	    NATS_OK &&
	    (s = natsOptions_SetClosedCB(o, bus_on_closed, b)) == NATS_OK &&
	    (s = natsOptions_SetErrorHandler(o, bus_on_error, b)) == NATS_OK)
		return o;
	snprintf(b->error, sizeof b->error, "nats options: %s",
	    natsStatus_GetText(s));
	natsOptions_Destroy(o);
	return NULL;
}

/*
 * Subscribe and unsubscribe the user subjects whose watch changed (bus
 * thread).  The loop may change a watch again meanwhile: it goes back on
 * the list, and is looked at again.  When stopping, nothing is sent:
 * the connection's close ends every subscription.
 */
static void
bus_reconcile(struct bus *b)
{
	struct watch		*w;
	natsSubscription	*sub;
	char			 subject[SUBJ_MAX];
	int			 want;

	pthread_mutex_lock(&b->mu);
	while ((w = b->dirty) != NULL) {
		b->dirty = w->dnext;
		w->dirty = 0;
		want = w->refs > 0;
		if (b->stop)
			;	/* closing the connection ends them all */
		else if (want && w->sub == NULL && b->nc != NULL) {
			snprintf(subject, sizeof subject, SUBJ_USER "%" PRIu64,
			    w->uid);
			pthread_mutex_unlock(&b->mu);
			bus_subscribe(b, &sub, subject);
			pthread_mutex_lock(&b->mu);
			w->sub = sub;
		} else if (!want && w->sub != NULL) {
			sub = w->sub;
			w->sub = NULL;
			pthread_mutex_unlock(&b->mu);
			natsSubscription_Unsubscribe(sub);
			natsSubscription_Destroy(sub);
			pthread_mutex_lock(&b->mu);
			b->st.unsubscribes++;
		}
		if (w->refs == 0 && w->sub == NULL && !w->dirty)
			bus_watch_remove(b, w);
	}
	pthread_mutex_unlock(&b->mu);
}

/* Hand the queued publishes to nats.c, or drop them if it is away. */
static void
bus_flush_out(struct bus *b, struct bus_out *o)
{
	struct bus_out	*n;
	uint64_t	 beats = 0, published = 0, offline = 0, failed = 0;

	for (; o != NULL; o = n) {
		n = o->next;
		if (b->nc == NULL || natsConnection_Status(b->nc) !=
		    NATS_CONN_STATUS_CONNECTED)
			offline++;
		else if (natsConnection_Publish(b->nc, o->subject, o->data,
		    (int)o->len) != NATS_OK)
			failed++;
		else if (o->beat)
			beats++;
		else
			published++;
		free(o);
	}
	pthread_mutex_lock(&b->mu);
	b->st.beats_sent += beats;
	b->st.published += published;
	b->st.offline += offline;
	b->st.publish_failed += failed;
	pthread_mutex_unlock(&b->mu);
}

/* Free every user subscription, the connection closed (bus thread). */
static void
bus_unsubscribe_all(struct bus *b)
{
	struct watch	*w;
	size_t		 i;

	pthread_mutex_lock(&b->mu);
	for (i = 0; i < b->wt_nb; i++)
		for (w = b->wt[i]; w != NULL; w = w->next)
			if (w->sub != NULL) {
				natsSubscription_Destroy(w->sub);
				w->sub = NULL;
			}
	pthread_mutex_unlock(&b->mu);
}

/* The bus thread: connect, then work through the out side until told
 * to stop; then flush, close and wait for nats.c to say it is closed. */
static void *
bus_main(void *arg)
{
	struct bus	*b = arg;
	natsOptions	*opts;
	natsStatus	 s;
	struct bus_out	*o;
	struct timespec	 until;
	int		 stop;

	if ((opts = bus_options(b)) != NULL) {
		s = natsConnection_Connect(&b->nc, opts);
		if (s == NATS_OK)
			bus_on_connected(b->nc, b);
		else if (s != NATS_NOT_YET_CONNECTED) {
			pthread_mutex_lock(&b->mu);
			snprintf(b->error, sizeof b->error, "%s",
			    nats_GetLastError(NULL) != NULL ?
			    nats_GetLastError(NULL) : natsStatus_GetText(s));
			bus_wake_loop(b);
			pthread_mutex_unlock(&b->mu);
			b->nc = NULL;
		}
		natsOptions_Destroy(opts);
	} else {
		pthread_mutex_lock(&b->mu);
		bus_wake_loop(b);	/* to log b->error */
		pthread_mutex_unlock(&b->mu);
	}
	if (b->nc != NULL) {
		char	subject[SUBJ_MAX];

		bus_subscribe(b, &b->beat_sub, SUBJ_BEAT);
		snprintf(subject, sizeof subject, SUBJ_NODE "%s",
		    b->conf.node);
		bus_subscribe(b, &b->node_sub, subject);
	}
	for (;;) {
		pthread_mutex_lock(&b->mu);
		while (!b->stop && b->out_head == NULL && b->dirty == NULL)
			pthread_cond_wait(&b->cv, &b->mu);
		o = b->out_head;
		b->out_head = b->out_tail = NULL;
		b->out_n = b->out_bytes = 0;
		stop = b->stop;
		pthread_mutex_unlock(&b->mu);
		bus_reconcile(b);
		bus_flush_out(b, o);
		if (stop)
			break;
	}
	if (b->nc == NULL)
		return NULL;
	if (natsConnection_Status(b->nc) == NATS_CONN_STATUS_CONNECTED)
		natsConnection_FlushTimeout(b->nc, FLUSH_MS);
	/* Closing ends every subscription; then they are freed. */
	natsConnection_Close(b->nc);
	natsSubscription_Destroy(b->beat_sub);
	natsSubscription_Destroy(b->node_sub);
	bus_unsubscribe_all(b);
	/* Until the closed callback, and every subscription's last
	 * delivery, nats.c may still call us. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CLOSE_WAIT_S;
	pthread_mutex_lock(&b->mu);
	while ((!b->closed || b->nsubs > 0) && pthread_cond_timedwait(&b->cv,
	    &b->mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&b->mu);
	natsConnection_Destroy(b->nc);
	b->nc = NULL;
	return NULL;
}

/* The peer named node, or NULL (loop thread). */
static struct peer *
bus_peer(struct bus *b, const char *node)
{
	size_t	i;

	for (i = 0; i < b->npeers; i++)
		if (strcmp(b->peers[i].node, node) == 0)
			return &b->peers[i];
	return NULL;
}

/* Forget the link with node: a node that comes back starts a new one
 * (what was batched for it is dropped with it). */
static void
bus_link_drop(struct bus *b, const char *node)
{
	size_t	i;

	for (i = 0; i < b->nlinks; i++)
		if (strcmp(b->links[i].node, node) == 0) {
			b->pending -= b->links[i].blen;
			free(b->links[i].batch);
			b->links[i] = b->links[--b->nlinks];
			return;
		}
}

/* Forget peer p and tell the owner why (loop thread). */
static void
bus_peer_down(struct bus *b, struct peer *p, enum bus_down why)
{
	char	node[BM_NODE_MAX + 1];

	memcpy(node, p->node, sizeof node);
	if (strcmp(node, b->core_node) == 0)
		b->core_node[0] = '\0';
	*p = b->peers[--b->npeers];
	bus_link_drop(b, node);
	pthread_mutex_lock(&b->mu);
	b->st.peers = b->npeers;
	if (why == BUS_DOWN_DEAD)
		b->st.peers_dead++;
	else if (why == BUS_DOWN_LEFT)
		b->st.peers_left++;
	else
		b->st.peers_restarted++;
	pthread_mutex_unlock(&b->mu);
	if (b->cb.peer_down != NULL)
		b->cb.peer_down(b->cb.arg, node, why);
}

/* A beat or a goodbye from another node (loop thread). */
static void
bus_control(struct bus *b, const struct busmsg *m)
{
	struct peer	*p;
	int		 full = 0, isnew = 0;

	if (strcmp(m->node, b->conf.node) == 0) {
		/* Not our own (NoEcho): another node uses our name. */
		pthread_mutex_lock(&b->mu);
		b->st.own_name++;
		pthread_mutex_unlock(&b->mu);
		if (!b->warned_own) {
			b->warned_own = 1;
			log_warnx("bus: another node beats as %s: node names "
			    "must differ (counted as own_name)", m->node);
		}
		return;
	}
	p = bus_peer(b, m->node);
	if (m->kind == BM_BYE) {
		if (p != NULL && p->incarnation == m->incarnation)
			bus_peer_down(b, p, BUS_DOWN_LEFT);
		return;
	}
	if (p != NULL && p->incarnation != m->incarnation) {
		bus_peer_down(b, p, BUS_DOWN_RESTARTED);
		p = NULL;
	}
	if (p == NULL) {
		if (b->npeers == BUS_PEERS_MAX)
			full = 1;
		else {
			p = &b->peers[b->npeers++];
			memcpy(p->node, m->node, sizeof p->node);
			p->incarnation = m->incarnation;
			isnew = 1;
		}
	}
	pthread_mutex_lock(&b->mu);
	b->st.beats_received++;
	if (full)
		b->st.peers_full++;
	if (isnew) {
		b->st.peers_up++;
		b->st.peers = b->npeers;
	}
	pthread_mutex_unlock(&b->mu);
	if (p == NULL)
		return;
	p->seq = m->seq;
	p->interval_ms = m->interval_ms;
	p->last_ns = bus_now_ns();
	/* The newest core to appear is the one: a standby that took over. */
	if ((m->flags & BM_F_CORE) && (!p->core || isnew)) {
		p->core = 1;
		snprintf(b->core_node, sizeof b->core_node, "%s", p->node);
	}
	if (isnew && b->cb.peer_up != NULL)
		b->cb.peer_up(b->cb.arg, p->node);
}

/* Peers silent for missed_beats of their intervals are dead (loop). */
static void
bus_judge(struct bus *b)
{
	uint64_t	now = bus_now_ns();
	size_t		i = 0;
	struct peer	*p;

	if (!b->up)
		return;
	/* Links of nodes that never beat, silent for as long as a peer
	 * may be: their sessions start again, the link goes. */
	for (i = 0; i < b->nlinks; ) {
		struct link	*l = &b->links[i];
		char		 node[BM_NODE_MAX + 1];

		/* Its interval unknown, it gets the longest a node may
		 * have: this only keeps the table from filling for good. */
		if (bus_peer(b, l->node) != NULL || (l->last_ns != 0 &&
		    now - l->last_ns < (uint64_t)BM_BEAT_MAX_MS *
		    (uint64_t)b->conf.missed_beats * 1000000)) {
			i++;
			continue;
		}
		memcpy(node, l->node, sizeof node);
		if (l->last_ns == 0) {		/* ours only, to a stranger */
			bus_link_drop(b, node);
			continue;
		}
		log_warnx("bus: %s sent session payloads but does not beat; "
		    "forgetting it", node);
		bus_link_drop(b, node);
		if (b->cb.gap != NULL)
			b->cb.gap(b->cb.arg, node);
	}
	i = 0;
	while (i < b->npeers) {
		p = &b->peers[i];
		if (now > p->last_ns && now - p->last_ns >
		    (uint64_t)p->interval_ms *
		    (uint64_t)b->conf.missed_beats * 1000000)
			bus_peer_down(b, p, BUS_DOWN_DEAD);	/* swaps in
								 * the last */
		else
			i++;
	}
}

/* Send a beat now (loop thread). */
static void
bus_send_beat(struct bus *b)
{
	struct busmsg	m;
	uint8_t		buf[BM_HDR + BM_NODE_MAX + 32];
	size_t		n;

	memset(&m, 0, sizeof m);
	m.kind = BM_BEAT;
	snprintf(m.node, sizeof m.node, "%s", b->conf.node);
	m.incarnation = b->incarnation;
	m.seq = ++b->seq;
	m.interval_ms = (uint32_t)b->conf.heartbeat_ms;
	m.flags = b->core ? BM_F_CORE : 0;
	if ((n = busmsg_encode(buf, sizeof buf, &m)) != 0)
		bus_out(b, SUBJ_BEAT, buf, n, 1, 1);
}

static void
bus_beat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bus	*b = w->data;

	bus_send_beat(b);
	bus_judge(b);
}

/* Tell the owner how the connection changed since it was last told. */
static void
bus_state(struct bus *b, uint64_t connects, uint64_t disconnects,
    uint64_t reconnects, int connected, const char *url)
{
	size_t	i;
	uint64_t now;

	if (connects > b->seen_connects) {
		b->seen_connects = connects;
		b->up = 1;
		if (b->cb.state != NULL)
			b->cb.state(b->cb.arg, BUS_CONNECTED, url);
		bus_send_beat(b);
	}
	if (disconnects > b->seen_disconnects) {
		b->seen_disconnects = disconnects;
		if (b->up) {
			b->up = 0;
			if (b->cb.state != NULL)
				b->cb.state(b->cb.arg, BUS_DISCONNECTED, "");
		}
	}
	if (reconnects > b->seen_reconnects) {
		b->seen_reconnects = reconnects;
		b->up = 1;
		/*
		 * The peers' clocks start again, this node was away; and
		 * as they lost the server too, each gets the time of one
		 * more reconnection attempt to come back in.
		 */
		now = bus_now_ns() + (uint64_t)(RECONNECT_MS +
		    RECONNECT_JITTER_MS) * 1000000;
		for (i = 0; i < b->npeers; i++)
			b->peers[i].last_ns = now;
		if (b->cb.state != NULL)
			b->cb.state(b->cb.arg, BUS_RECONNECTED, url);
		bus_send_beat(b);
	}
	if (!connected && b->up) {
		b->up = 0;
		if (b->cb.state != NULL)
			b->cb.state(b->cb.arg, BUS_DISCONNECTED, "");
	}
}

/*
 * A SESS payload (loop thread): in sequence, or the owner is told of a
 * gap first (a payload lost between here and there: what the sessions
 * of that link were told or asked is unknown, and they start again).
 * The first payload of an incarnation starts its link wherever it is.
 */
static void
bus_sess_in(struct bus *b, const struct busmsg *m)
{
	struct link	*l;

	if (strcmp(m->node, b->conf.node) == 0) {
		pthread_mutex_lock(&b->mu);
		b->st.own_name++;
		pthread_mutex_unlock(&b->mu);
		return;
	}
	/*
	 * From a node not seen beating yet: counted, and taken (a node's
	 * first payloads may come before its first beat is read).  Its link
	 * goes with it if it does not beat soon (bus_judge()), so links
	 * cannot fill the table for good.
	 */
	if (bus_peer(b, m->node) == NULL) {
		pthread_mutex_lock(&b->mu);
		b->st.strangers++;
		pthread_mutex_unlock(&b->mu);
	}
	if ((l = bus_link(b, m->node)) == NULL) {
		pthread_mutex_lock(&b->mu);
		b->st.peers_full++;
		pthread_mutex_unlock(&b->mu);
		return;
	}
	if (l->in_inc == m->incarnation && m->seq != l->in_next) {
		pthread_mutex_lock(&b->mu);
		b->st.gaps++;
		pthread_mutex_unlock(&b->mu);
		if (b->cb.gap != NULL)
			b->cb.gap(b->cb.arg, m->node);
	}
	l->in_inc = m->incarnation;
	l->in_next = m->seq + 1;
	l->last_ns = bus_now_ns();
	if (b->cb.sess != NULL)
		b->cb.sess(b->cb.arg, m);
}

/* What nats.c's threads queued: state first, then the payloads. */
static void
bus_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct bus	*b = w->data;
	struct bus_in	*in, *n;
	uint64_t	 connects, disconnects, reconnects, received = 0;
	int		 connected;
	char		 url[256], error[256];

	pthread_mutex_lock(&b->mu);
	in = b->in_head;
	b->in_head = b->in_tail = NULL;
	b->in_n = b->in_bytes = 0;
	connects = b->connects;
	disconnects = b->st.disconnects;
	reconnects = b->st.reconnects;
	connected = b->st.connected;
	memcpy(url, b->url, sizeof url);
	memcpy(error, b->error, sizeof error);
	pthread_mutex_unlock(&b->mu);

	if (error[0] != '\0' && !b->warned_error) {
		b->warned_error = 1;
		log_warnx("bus: %s; no bus, a single node", error);
	}
	bus_state(b, connects, disconnects, reconnects, connected, url);
	for (; in != NULL; in = n) {
		n = in->next;
		if (in->m.kind == BM_USER) {
			received++;
			if (b->cb.user != NULL)
				b->cb.user(b->cb.arg, in->m.uid, in->m.node,
				    in->m.data, in->m.len);
		} else if (in->m.kind == BM_SESS) {
			received++;
			bus_sess_in(b, &in->m);
		} else if (in->m.kind == BM_BATCH) {
			struct busmsg	e;
			size_t		off = 0;

			while (busmsg_batch_next(&in->m, &off, &e)) {
				received++;
				bus_sess_in(b, &e);
			}
		} else
			bus_control(b, &in->m);
		free(in);
	}
	if (received > 0) {
		pthread_mutex_lock(&b->mu);
		b->st.received += received;
		pthread_mutex_unlock(&b->mu);
	}
}

struct bus *
bus_new(struct ev_loop *loop, const struct bus_conf *conf,
    const struct bus_cb *cb, char *err, size_t errlen)
{
	struct bus	*b;
	char		 urls[BUS_SERVERS_MAX][256];
	int		 i, n;

	if ((n = bus_split(conf->servers, urls, BUS_SERVERS_MAX, err,
	    errlen)) == -1)
		return NULL;
	if (!busmsg_node_ok(conf->node, strlen(conf->node))) {
		snprintf(err, errlen, "node '%s': not 1-%d of A-Z a-z 0-9 . _ -",
		    conf->node, BM_NODE_MAX);
		return NULL;
	}
	if (bus_count == 0 && nats_Open(-1) != NATS_OK) {
		snprintf(err, errlen, "nats.c: %s", nats_GetLastError(NULL));
		return NULL;
	}
	b = xcalloc(1, sizeof *b);
	b->loop = loop;
	b->conf = *conf;
	if (cb != NULL)
		b->cb = *cb;
	for (i = 0; i < n; i++)
		b->urls[i] = xstrdup(urls[i]);
	b->nurls = n;
	do
		randombytes_buf(&b->incarnation, sizeof b->incarnation);
	while (b->incarnation == 0);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->wt_nb = 64;
	b->wt = xcalloc(b->wt_nb, sizeof *b->wt);
	ev_async_init(&b->async, bus_async_cb);
	b->async.data = b;
	ev_async_start(loop, &b->async);
	ev_unref(loop);
	ev_prepare_init(&b->flush, bus_flush_cb);
	b->flush.data = b;
	ev_set_priority(&b->flush, EV_MINPRI);
	ev_prepare_start(loop, &b->flush);
	ev_unref(loop);
	ev_timer_init(&b->beat, bus_beat_cb, conf->heartbeat_ms / 1000.,
	    conf->heartbeat_ms / 1000.);
	b->beat.data = b;
	ev_timer_start(loop, &b->beat);
	ev_unref(loop);
	if ((errno = pthread_create(&b->thread, NULL, bus_main, b)) != 0)
		fatal("bus thread");
	pthread_setname_np(b->thread, "chatd-bus");
	bus_count++;
	return b;
}

void
bus_free(struct bus *b)
{
	struct busmsg	 m;
	struct bus_in	*in, *n;
	struct watch	*w, *wn;
	uint8_t		 buf[BM_HDR + BM_NODE_MAX + 16];
	size_t		 i, len;
	natsStatus	 s;

	if (b == NULL)
		return;
	/* What this turn published goes before the goodbye. */
	for (i = 0; i < b->nlinks; i++)
		bus_link_flush(b, &b->links[i]);
	memset(&m, 0, sizeof m);
	m.kind = BM_BYE;
	snprintf(m.node, sizeof m.node, "%s", b->conf.node);
	m.incarnation = b->incarnation;
	if ((len = busmsg_encode(buf, sizeof buf, &m)) != 0)
		bus_out(b, SUBJ_BEAT, buf, len, 1, 1);
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	pthread_mutex_lock(&b->mu);
	b->detached = 1;
	pthread_mutex_unlock(&b->mu);
	/* The last bus: nats.c's threads end, and free what they held. */
	if (--bus_count == 0 && (s = nats_CloseAndWait(LIB_WAIT_MS)) !=
	    NATS_OK)
		log_warnx("bus: nats.c did not finish closing in %d ms: %s",
		    LIB_WAIT_MS, natsStatus_GetText(s));

	ev_ref(b->loop);
	ev_async_stop(b->loop, &b->async);
	ev_ref(b->loop);
	ev_timer_stop(b->loop, &b->beat);
	ev_ref(b->loop);
	ev_prepare_stop(b->loop, &b->flush);
	for (i = 0; i < b->nlinks; i++)
		free(b->links[i].batch);
	for (in = b->in_head; in != NULL; in = n) {
		n = in->next;
		free(in);
	}
	for (i = 0; i < b->wt_nb; i++)
		for (w = b->wt[i]; w != NULL; w = wn) {
			wn = w->next;
			free(w);
		}
	free(b->wt);
	for (i = 0; i < (size_t)b->nurls; i++)
		free(b->urls[i]);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

void
bus_stats(struct bus *b, struct bus_stats *st)
{
	pthread_mutex_lock(&b->mu);
	*st = b->st;
	pthread_mutex_unlock(&b->mu);
}
