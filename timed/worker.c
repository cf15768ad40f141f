/*
 * worker.c: one thread answering time requests on its own socket.
 *
 * Each worker has a socket bound to the shared port with SO_REUSEPORT,
 * its own libev loop, rate-limit table and zone cache, so workers share
 * nothing on the hot path.  A readable socket is drained in batches with
 * recvmmsg, the replies built in place in a send batch and sent with one
 * sendmmsg.  Counters are kept locally and published once per batch.
 *
 * The standard protocols (NTP, Daytime, Time) each have a socket of their
 * own per worker, on their own port, served by the same kind of batch
 * loop (worker_std_cb) with kernel receive timestamps; ntp.c and legacy.c
 * build their replies.
 */
#include <sys/socket.h>

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/addr.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "timed.h"
#include "time/timeproto.h"
#include "base/udp.h"
#include "base/xmalloc.h"

#define WORKER_RXBUF	2048	/* larger requests are truncated: dropped */
#define WORKER_TXBUF	(TP_REP_HDRLEN + 1200)
#define WORKER_ROUNDS	16	/* batches per wake-up before yielding */
#define WORKER_NSTATS	(sizeof(struct timed_stats) / sizeof(uint64_t))

/* A standard protocol's socket in a worker. */
struct worker_sock {
	struct worker		*w;
	enum timed_service	 svc;
	int			 fd;		/* -1: service off */
	ev_io			 io;
};

struct worker {
	int			 id;
	int			 fd;
	pthread_t		 thread;
	struct ev_loop		*loop;
	ev_io			 io;
	ev_async		 wake;
	atomic_int		 stop;

	pthread_mutex_t		 conf_lock;	/* guards pending */
	struct timed_conf	*pending;
	struct timed_conf	 conf;
	struct timed_ports	 ports;		/* never answered */
	struct tfmt_limits	 lim;

	struct ratelimit	*rl;
	struct zone_cache	*zones;
	struct udp_batch	*in, *out;

	/* NTP, Daytime and Time (socks[SVC_STRFTIME] is unused). */
	struct worker_sock	 socks[SVC_COUNT];
	struct udp_batch	*std_in;	/* with receive timestamps */
	struct ntp_server	*ntp;
	struct legacy		*daytime, *time;

	/* The local zone's broken-down time, reused within a second. */
	time_t			 local_sec;
	struct zone_info	 local_zone;
	struct tm		 local_tm;

	struct timed_stats	 st;
	_Atomic uint64_t	 pub[WORKER_NSTATS];
};

/* Copy the local counters where other threads may read them. */
static void
worker_publish(struct worker *w)
{
	const uint64_t	*src = (const uint64_t *)&w->st;
	size_t		 i;

	for (i = 0; i < WORKER_NSTATS; i++)
		atomic_store_explicit(&w->pub[i], src[i], memory_order_relaxed);
}

/* With -v, say why a datagram from sa was not answered normally. */
static void
worker_debug(const struct worker *w, const struct sockaddr *sa,
    const char *why, size_t len)
{
	char	buf[ADDR_STRLEN];

	if (log_getverbose() < 1)
		return;
	log_debug("worker %d: %s: %zu bytes from %s", w->id, why, len,
	    addr_str(sa, buf, sizeof buf));
}

/* Take a configuration into use. */
static void
worker_apply(struct worker *w, const struct timed_conf *c)
{
	w->conf = *c;
	ports_set(&w->ports, c);
	w->lim.max_format = (size_t)c->max_format;
	w->lim.max_output = (size_t)c->max_output;
	w->lim.max_conversions = c->max_conversions;
	ratelimit_free(w->rl);
	w->rl = ratelimit_new(&c->rl);
	if (w->ntp != NULL)
		ntp_configure(w->ntp, c);
	if (w->daytime != NULL)
		legacy_configure(w->daytime, c);
	if (w->time != NULL)
		legacy_configure(w->time, c);
}

/* Queue an extended-form reply, if it respects the amplification bound. */
static void
worker_reply_ext(struct worker *w, size_t req_len, const struct sockaddr *sa,
    socklen_t salen, struct tp_reply *rep)
{
	uint8_t	*slot;
	size_t	 len;

	if ((slot = udp_slot(w->out)) == NULL)
		return;
	rep->version = TP_VERSION;
	len = tp_reply_encode(slot, WORKER_TXBUF, rep);
	if (len == 0 || len > tp_reply_limit(req_len))
		return;
	udp_commit(w->out, len, sa, salen);
	w->st.answered++;
}

/*
 * Broken-down time for t in the local zone or a named one, whose details
 * go into *zi (tm_zone points there); -1 if the zone is unknown.
 */
static int
worker_tm(struct worker *w, const char *zone, size_t zone_len, time_t t,
    struct zone_info *zi, struct tm *tm)
{
	if (zone_len == 0) {
		if (t != w->local_sec || t >= w->local_zone.valid_until) {
			if (zone_lookup(w->zones, NULL, 0, t,
			    &w->local_zone) == -1)
				return -1;
			zone_localtime(&w->local_zone, t, &w->local_tm);
			w->local_sec = t;
		}
		*zi = w->local_zone;
		*tm = w->local_tm;
		tm->tm_zone = zi->abbr;
		return 0;
	}
	if (zone_lookup(w->zones, zone, zone_len, t, zi) == -1)
		return -1;
	zone_localtime(zi, t, tm);
	return 0;
}

/* Answer one datagram. */
static void
worker_handle(struct worker *w, const uint8_t *req, size_t len,
    const struct sockaddr *sa, socklen_t salen, const struct timespec *now,
    uint64_t mono)
{
	struct tp_request	 r;
	struct tp_reply		 rep;
	struct zone_info	 zi;
	struct tm		 tm;
	enum ratelimit_verdict	 v;
	enum tfmt_result	 fr;
	const char		*fmt;
	size_t			 fmt_len, limit, out_len, needed, hdr;
	uint8_t			*slot;
	int			 ext = tp_is_extended(req, len);
	int			 has_nonce;

	memset(&rep, 0, sizeof rep);
	rep.sec = now->tv_sec;
	rep.nsec = (uint32_t)now->tv_nsec;
	has_nonce = tp_request_nonce(req, len, &rep.nonce);

	/*
	 * Never answer a reply, nor a privileged or our own port: the seed
	 * form echoes plain text, and two servers must not be made to
	 * answer each other for ever (the echo/chargen loop).
	 */
	if (tp_is_reply(req, len) ||
	    ports_refused(&w->ports, addr_port(sa), 0)) {
		w->st.refused++;
		worker_debug(w, sa, "reply or refused port", len);
		return;
	}
	if ((v = ratelimit_check(w->rl, sa, mono)) != RATELIMIT_PASS) {
		w->st.ratelimited++;
		if (v == RATELIMIT_NOTIFY && has_nonce) {
			rep.status = TP_RATE_LIMITED;
			worker_reply_ext(w, len, sa, salen, &rep);
		}
		return;
	}

	if (ext) {
		w->st.extended++;
		switch (tp_request_decode(req, len, &r)) {
		case TP_OK:
			break;
		case TP_BAD_VERSION:
			w->st.malformed++;
			worker_debug(w, sa, "unknown version", len);
			rep.status = TP_BAD_VERSION;
			worker_reply_ext(w, len, sa, salen, &rep);
			return;
		default:
			w->st.malformed++;
			worker_debug(w, sa, "malformed request", len);
			if (has_nonce) {
				rep.status = TP_BAD_REQUEST;
				worker_reply_ext(w, len, sa, salen, &rep);
			}
			return;
		}
		fmt = r.format;
		fmt_len = r.format_len;
		hdr = TP_REP_HDRLEN;
	} else {
		w->st.seed++;
		memset(&r, 0, sizeof r);
		fmt = (const char *)req;
		fmt_len = len;
		hdr = 0;
	}
	if (fmt_len == 0) {
		fmt = TP_DEFAULT_FORMAT;
		fmt_len = sizeof TP_DEFAULT_FORMAT - 1;
	}

	if (r.zone_len > 0 && !zone_name_ok(r.zone, r.zone_len)) {
		w->st.bad_zone++;
		rep.status = TP_UNKNOWN_ZONE;
		worker_reply_ext(w, len, sa, salen, &rep);
		return;
	}
	if (worker_tm(w, r.zone, r.zone_len, now->tv_sec, &zi, &tm) == -1) {
		w->st.bad_zone++;
		if (ext) {
			rep.status = TP_UNKNOWN_ZONE;
			worker_reply_ext(w, len, sa, salen, &rep);
		}
		return;
	}
	if ((slot = udp_slot(w->out)) == NULL)
		return;
	limit = tp_reply_limit(len) - hdr;
	fr = tfmt_render(&w->lim, fmt, fmt_len, &tm, now->tv_sec,
	    (char *)slot + hdr, limit, &out_len, &needed);
	switch (fr) {
	case TFMT_OK:
		break;
	case TFMT_BAD:
		w->st.malformed++;
		worker_debug(w, sa, "format refused", len);
		if (ext) {
			rep.status = TP_BAD_REQUEST;
			worker_reply_ext(w, len, sa, salen, &rep);
		}
		return;
	case TFMT_TOO_LONG:
		w->st.too_long++;
		if (ext) {
			rep.status = TP_TOO_LONG;
			rep.info = needed <= 0xffff ? (uint16_t)needed : 0;
			worker_reply_ext(w, len, sa, salen, &rep);
		}
		return;
	}
	if (ext) {
		/* The text is already in place after the header. */
		rep.status = TP_OK;
		rep.version = TP_VERSION;
		out_len = tp_reply_encode_header(slot, WORKER_TXBUF, &rep,
		    out_len);
	}
	udp_commit(w->out, out_len, sa, salen);
	w->st.answered++;
}

/* The socket is readable: drain it in batches. */
static void
worker_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker	*w = io->data;
	struct timespec	 now, mono;
	unsigned int	 i, n, failed = 0;
	int		 round, got;

	for (round = 0; round < WORKER_ROUNDS; round++) {
		if ((got = udp_recv(w->fd, w->in)) == -1) {
			log_warn("worker %d: recvmmsg", w->id);
			break;
		}
		if (got == 0)
			break;
		n = (unsigned int)got;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
		udp_reset(w->out);
		for (i = 0; i < n; i++) {
			if (udp_truncated(w->in, i)) {
				w->st.received++;
				w->st.truncated++;
				worker_debug(w, udp_addr(w->in, i), "truncated",
				    udp_len(w->in, i));
				continue;
			}
			w->st.received++;
			udp_rxtime(w->in, i, &now);
			worker_handle(w, udp_data(w->in, i), udp_len(w->in, i),
			    udp_addr(w->in, i), udp_addrlen(w->in, i), &now,
			    (uint64_t)mono.tv_sec * 1000000000ULL +
			    (uint64_t)mono.tv_nsec);
		}
		udp_send(w->fd, w->out, &failed);
		if (failed > 0) {
			w->st.send_errors += failed;
			w->st.answered -= failed;
			failed = 0;
		}
		worker_publish(w);
		if (n < (unsigned int)w->conf.batch)
			break;
	}
}

/* The counters of a standard protocol. */
static struct timed_pstats *
worker_pstats(struct worker *w, enum timed_service svc)
{
	switch (svc) {
	case SVC_NTP:
		return &w->st.ntp;
	case SVC_DAYTIME:
		return &w->st.daytime;
	default:
		return &w->st.time;
	}
}

/* A standard protocol's socket is readable: drain it in batches. */
static void
worker_std_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker_sock	*ws = io->data;
	struct worker		*w = ws->w;
	struct timed_pstats	*st = worker_pstats(w, ws->svc);
	struct timespec		 rx, mono;
	unsigned int		 i, n, failed = 0;
	uint64_t		 mono_ns;
	int			 round, got;

	for (round = 0; round < WORKER_ROUNDS; round++) {
		if ((got = udp_recv(ws->fd, w->std_in)) == -1) {
			log_warn("worker %d: recvmmsg", w->id);
			break;
		}
		if (got == 0)
			break;
		n = (unsigned int)got;
		clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
		mono_ns = (uint64_t)mono.tv_sec * 1000000000ULL +
		    (uint64_t)mono.tv_nsec;
		udp_reset(w->out);
		for (i = 0; i < n; i++) {
			st->received++;
			if (udp_truncated(w->std_in, i)) {
				st->truncated++;
				continue;
			}
			udp_rxtime(w->std_in, i, &rx);
			if (ws->svc == SVC_NTP)
				ntp_handle(w->ntp, w->out,
				    udp_data(w->std_in, i),
				    udp_len(w->std_in, i),
				    udp_addr(w->std_in, i),
				    udp_addrlen(w->std_in, i), &rx, mono_ns, st);
			else
				legacy_handle(ws->svc == SVC_DAYTIME ?
				    w->daytime : w->time, w->out,
				    udp_data(w->std_in, i),
				    udp_len(w->std_in, i),
				    udp_addr(w->std_in, i),
				    udp_addrlen(w->std_in, i), &rx, mono_ns, st);
		}
		if (ws->svc == SVC_NTP)
			ntp_stamp(w->ntp);
		udp_send(ws->fd, w->out, &failed);
		if (failed > 0) {
			st->send_errors += failed;
			failed = 0;
		}
		worker_publish(w);
		if (n < (unsigned int)w->conf.batch)
			break;
	}
}

/* Woken by the main thread: stop, or take a new configuration. */
static void
worker_wake_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct worker		*w = a->data;
	struct timed_conf	*c;

	if (atomic_load(&w->stop)) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	pthread_mutex_lock(&w->conf_lock);
	c = w->pending;
	w->pending = NULL;
	pthread_mutex_unlock(&w->conf_lock);
	if (c != NULL) {
		worker_apply(w, c);
		free(c);
	}
}

/* The thread's body: run the loop until told to stop. */
static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	ev_run(w->loop, 0);
	worker_publish(w);
	return NULL;
}

struct worker *
worker_start(int id, const int fds[SVC_COUNT], const struct timed_conf *c)
{
	struct worker	*w;
	int		 e, s, fd = fds[SVC_STRFTIME];

	w = xcalloc(1, sizeof *w);
	w->id = id;
	w->fd = fd;
	if (fds[SVC_NTP] != -1)
		w->ntp = ntp_new(c, (unsigned int)c->batch);
	if (fds[SVC_DAYTIME] != -1)
		w->daytime = legacy_new(SVC_DAYTIME, c);
	if (fds[SVC_TIME] != -1)
		w->time = legacy_new(SVC_TIME, c);
	pthread_mutex_init(&w->conf_lock, NULL);
	worker_apply(w, c);
	w->zones = zone_cache_new();
	w->local_sec = -1;
	w->in = udp_batch_new((unsigned int)c->batch, WORKER_RXBUF, 0);
	w->out = udp_batch_new((unsigned int)c->batch, WORKER_TXBUF, 0);
	if ((w->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK)) == NULL)
		fatalx("worker %d: cannot create an event loop", id);
	ev_io_init(&w->io, worker_read_cb, fd, EV_READ);
	w->io.data = w;
	ev_io_start(w->loop, &w->io);
	for (s = SVC_NTP; s < SVC_COUNT; s++) {
		w->socks[s].w = w;
		w->socks[s].svc = (enum timed_service)s;
		w->socks[s].fd = fds[s];
		if (fds[s] == -1)
			continue;
		if (w->std_in == NULL)
			w->std_in = udp_batch_new((unsigned int)c->batch,
			    WORKER_RXBUF, UDP_TIMESTAMP);
		ev_io_init(&w->socks[s].io, worker_std_cb, fds[s], EV_READ);
		w->socks[s].io.data = &w->socks[s];
		ev_io_start(w->loop, &w->socks[s].io);
	}
	ev_async_init(&w->wake, worker_wake_cb);
	w->wake.data = w;
	ev_async_start(w->loop, &w->wake);
	if ((e = pthread_create(&w->thread, NULL, worker_main, w)) != 0)
		fatalx("worker %d: pthread_create: %s", id, strerror(e));
	return w;
}

void
worker_reconfigure(struct worker *w, const struct timed_conf *c)
{
	struct timed_conf	*copy = xmalloc(sizeof *copy);

	*copy = *c;
	pthread_mutex_lock(&w->conf_lock);
	free(w->pending);
	w->pending = copy;
	pthread_mutex_unlock(&w->conf_lock);
	ev_async_send(w->loop, &w->wake);
}

void
worker_stats(struct worker *w, struct timed_stats *st)
{
	uint64_t	*dst = (uint64_t *)st;
	size_t		 i;

	for (i = 0; i < WORKER_NSTATS; i++)
		dst[i] += atomic_load_explicit(&w->pub[i],
		    memory_order_relaxed);
}

void
worker_stop(struct worker *w, struct timed_stats *st)
{
	atomic_store(&w->stop, 1);
	ev_async_send(w->loop, &w->wake);
	pthread_join(w->thread, NULL);
	worker_stats(w, st);
	ev_loop_destroy(w->loop);
	ratelimit_free(w->rl);
	zone_cache_free(w->zones);
	udp_batch_free(w->in);
	udp_batch_free(w->out);
	udp_batch_free(w->std_in);
	ntp_free(w->ntp);
	legacy_free(w->daytime);
	legacy_free(w->time);
	free(w->pending);
	pthread_mutex_destroy(&w->conf_lock);
	free(w);
}
