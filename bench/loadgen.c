/*
 * loadgen.c: a UDP request/reply load generator.
 *
 * Threads, each with several connected sockets (so SO_REUSEPORT spreads
 * them over a server's workers), keep a window of requests in flight:
 * sendmmsg tops every socket up to its share of the window, recvmmsg
 * takes the replies.  One payload is sent over and over; it is chosen by
 * --mode: a seed strftime format (timed, or the seed's Python server), a
 * timed extended-form request, a 48-byte NTP client packet, or raw bytes
 * given in hex.  Replies are counted, and checked as far as the mode
 * allows.  UDP loses datagrams, so a socket that hears nothing for
 * --timeout milliseconds writes its window off as lost and starts again.
 *
 * After --duration seconds sending stops, the stragglers are drained, and
 * one line of key=value pairs goes to stdout: rate (replies per second
 * during the run), sent, replies, lost, bad (replies the mode rejects),
 * senderr (datagrams the kernel refused), stalls (windows written off),
 * cpu (the load generator's own user + system seconds: near duration
 * times threads, it is the bottleneck, not the server).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/addr.h"
#include "base/log.h"
#include "time/timeproto.h"
#include "base/udp.h"
#include "base/wire.h"
#include "base/xmalloc.h"

#define LG_PAYLOAD_MAX	1472	/* one unfragmented IPv4 datagram */
#define LG_RXBUF	2048
#define LG_SOCKS_MAX	64
#define LG_NTP_LEN	48
#define LG_NTP_UNIX	2208988800ULL	/* seconds from 1900 to 1970 */

enum lg_mode {
	LG_SEED,
	LG_EXT,
	LG_NTP,
	LG_HEX,
};

struct lg_opts {
	struct addr	 dest;
	char		 dest_str[ADDR_STRLEN];
	enum lg_mode	 mode;
	double		 duration;	/* seconds */
	double		 drain;		/* seconds */
	int		 timeout_ms;
	int		 gap_us;	/* idle after each batch of replies */
	int		 threads;
	int		 socks;		/* per thread */
	int		 window;	/* in flight, over all sockets */
	int		 batch;
	int		 verbose;
	uint8_t		 payload[LG_PAYLOAD_MAX];
	size_t		 payload_len;
};

struct lg_sock {
	int		 fd;
	int		 inflight;
	int		 window;
	uint64_t	 last;		/* ns: last send or reply */
};

struct lg_thread {
	const struct lg_opts	*o;
	pthread_t		 thread;
	int			 id;
	struct lg_sock		 s[LG_SOCKS_MAX];
	int			 nsocks;
	uint64_t		 start, stop;	/* ns, shared by all */

	uint64_t		 sent;
	uint64_t		 replies;	/* over the whole run */
	uint64_t		 replies_run;	/* before the deadline */
	uint64_t		 bad;
	uint64_t		 senderr;
	uint64_t		 timeouts;	/* windows written off */
	uint32_t		*rtt;		/* -w 1: round trips, ns */
	size_t			 nrtt;
};

#define LG_RTT_MAX	(1U << 22)

static const char	*lg_mode_names[] = { "seed", "ext", "ntp", "hex" };
static int		 lg_sampled;		/* first reply shown (-v) */
static pthread_mutex_t	 lg_sample_lock = PTHREAD_MUTEX_INITIALIZER;

/* The monotonic clock in nanoseconds. */
static uint64_t
lg_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void __attribute__((noreturn))
lg_usage(int code)
{
	fprintf(code ? stderr : stdout,
"usage: loadgen [-s HOST[:PORT]] [-m seed|ext|ntp|hex] [-f FORMAT] [-z ZONE]\n"
"               [-P PAD] [-x HEX] [-d SECONDS] [-w WINDOW] [-t THREADS]\n"
"               [-k SOCKETS] [-b BATCH] [-T MS] [-g US] [-v]\n"
"  -s, --server    where to send (default 127.0.0.1:9000)\n"
"  -m, --mode      payload: seed (the bytes of FORMAT; default), ext (a\n"
"                  timed extended request), ntp (a 48-byte NTPv4 client\n"
"                  packet), hex (the bytes given with -x)\n"
"  -f, --format    the strftime format for seed and ext (default empty)\n"
"  -z, --zone      the time zone of an ext request (default none)\n"
"  -P, --pad       pad an ext request to PAD bytes (default none)\n"
"  -x, --hex       the payload for hex mode, e.g. 23000000\n"
"  -d, --duration  seconds of load (default 5)\n"
"  -w, --window    requests in flight over all sockets (default 128)\n"
"  -t, --threads   sending threads (default 1)\n"
"  -k, --sockets   sockets per thread, each its own source port (default 4)\n"
"  -b, --batch     datagrams per sendmmsg/recvmmsg (default 64)\n"
"  -T, --timeout   ms of silence before a socket's window counts as lost\n"
"                  (default 50)\n"
"  -g, --gap       sleep US microseconds after each turn that took replies,\n"
"                  so that the machine idles between requests (default 0)\n"
"  -v, --verbose   show the first reply on stderr\n"
"Prints one line: rate=replies/s sent= replies= lost= bad= senderr= ...\n");
	exit(code);
}

/* Parse an integer option within [lo, hi]. */
static long
lg_int(const char *what, const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < lo || v > hi)
		fatalx("%s: '%s' is not a number from %ld to %ld", what, s,
		    lo, hi);
	return v;
}

/* Parse a number of seconds. */
static double
lg_seconds(const char *what, const char *s)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (*end != '\0' || end == s || !(v > 0 && v <= 86400))
		fatalx("%s: '%s' is not a number of seconds", what, s);
	return v;
}

/* Decode hex digits into buf; the length. */
static size_t
lg_hex(const char *s, uint8_t *buf, size_t cap)
{
	size_t		 n = 0;
	unsigned int	 v;

	if (strlen(s) % 2 != 0)
		fatalx("--hex: odd number of digits");
	for (; *s != '\0'; s += 2) {
		if (n == cap)
			fatalx("--hex: more than %zu bytes", cap);
		if (sscanf(s, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", s[0]) == NULL ||
		    strchr("0123456789abcdefABCDEF", s[1]) == NULL)
			fatalx("--hex: '%.2s' is not a hex byte", s);
		buf[n++] = (uint8_t)v;
	}
	return n;
}

/* An NTPv4 client (mode 3) request with the current transmit time. */
static size_t
lg_ntp(uint8_t *buf)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	memset(buf, 0, LG_NTP_LEN);
	buf[0] = (0 << 6) | (4 << 3) | 3;	/* LI 0, VN 4, mode 3 */
	buf[2] = 6;				/* poll 2^6 s */
	buf[3] = 0xec;				/* precision ~ 2^-20 s */
	wire_put32(buf + 40, (uint32_t)((uint64_t)ts.tv_sec + LG_NTP_UNIX));
	wire_put32(buf + 44, (uint32_t)(((uint64_t)ts.tv_nsec << 32) /
	    1000000000ULL));
	return LG_NTP_LEN;
}

/* Does a reply look like a good answer for the mode? */
static int
lg_reply_ok(const struct lg_opts *o, const uint8_t *buf, size_t len)
{
	struct tp_reply	rep;

	switch (o->mode) {
	case LG_SEED:
		return len > 0;
	case LG_EXT:
		return tp_reply_decode(buf, len, &rep) == TP_OK &&
		    rep.status == TP_OK;
	case LG_NTP:
		return len >= LG_NTP_LEN && (buf[0] & 7) == 4 &&
		    buf[1] != 0;	/* mode 4, not a kiss-o'-death */
	case LG_HEX:
		break;
	}
	return 1;
}

/* Show the first reply, printable bytes as they are. */
static void
lg_sample(const uint8_t *buf, size_t len, int ok)
{
	size_t	i;

	pthread_mutex_lock(&lg_sample_lock);
	if (!lg_sampled) {
		lg_sampled = 1;
		fprintf(stderr, "loadgen: first reply, %zu bytes%s: ", len,
		    ok ? "" : " (rejected)");
		for (i = 0; i < len; i++) {
			if (buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '\\')
				fputc(buf[i], stderr);
			else
				fprintf(stderr, "\\x%02x", buf[i]);
		}
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&lg_sample_lock);
}

/* Top a socket up to its window. */
static void
lg_send(struct lg_thread *t, struct lg_sock *s, struct mmsghdr *msgs,
    uint64_t now)
{
	int	want = s->window - s->inflight, n;

	if (want > t->o->batch)
		want = t->o->batch;
	while (want > 0) {
		n = sendmmsg(s->fd, msgs, (unsigned int)want, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS, EAGAIN, ECONNREFUSED: try again later. */
			t->senderr++;
			return;
		}
		if (s->inflight == 0)
			s->last = now;
		s->inflight += n;
		t->sent += (uint64_t)n;
		want -= n;
	}
}

/* Take every waiting reply on a socket. */
static void
lg_recv(struct lg_thread *t, struct lg_sock *s, struct udp_batch *in,
    uint64_t now)
{
	unsigned int	i;
	int		n, ok;

	for (;;) {
		if ((n = udp_recv(s->fd, in)) <= 0)
			return;
		for (i = 0; i < (unsigned int)n; i++) {
			ok = !udp_truncated(in, i) &&
			    lg_reply_ok(t->o, udp_data(in, i), udp_len(in, i));
			if (!ok)
				t->bad++;
			if (t->o->verbose)
				lg_sample(udp_data(in, i), udp_len(in, i), ok);
		}
		t->replies += (uint64_t)n;
		if (now < t->stop)
			t->replies_run += (uint64_t)n;
		/* One in flight: this reply answers the last send. */
		if (t->rtt != NULL && n == 1 && s->inflight == 1 &&
		    t->nrtt < LG_RTT_MAX && now - s->last < UINT32_MAX)
			t->rtt[t->nrtt++] = (uint32_t)(now - s->last);
		s->inflight -= n;
		if (s->inflight < 0)	/* late replies to a lost window */
			s->inflight = 0;
		s->last = now;
		if (n < t->o->batch)
			return;
	}
}

static int
lg_u32cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* With one request in flight: the round trip's percentiles. */
static void
lg_rtt_print(uint32_t *v, size_t n)
{
	qsort(v, n, sizeof *v, lg_u32cmp);
	printf("rtt_p50_us=%.1f rtt_p99_us=%.1f ", v[n / 2] / 1e3,
	    v[n * 99 / 100] / 1e3);
}

/* One thread's run: load until the deadline, then drain. */
static void *
lg_thread_main(void *arg)
{
	struct lg_thread	*t = arg;
	const struct lg_opts	*o = t->o;
	struct pollfd		 pfd[LG_SOCKS_MAX];
	struct mmsghdr		*msgs;
	struct iovec		 iov;
	struct udp_batch	*in;
	uint64_t		 now, end, tmo;
	int			 i, busy, sending;

	tmo = (uint64_t)o->timeout_ms * 1000000ULL;
	end = t->stop + (uint64_t)(o->drain * 1e9);
	iov.iov_base = (void *)o->payload;
	iov.iov_len = o->payload_len;
	msgs = xcalloc((size_t)o->batch, sizeof *msgs);
	for (i = 0; i < o->batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	in = udp_batch_new((unsigned int)o->batch, LG_RXBUF, 0);
	for (i = 0; i < t->nsocks; i++) {
		pfd[i].fd = t->s[i].fd;
		pfd[i].events = POLLIN;
	}

	for (;;) {
		now = lg_now();
		sending = now < t->stop;
		busy = 0;
		for (i = 0; i < t->nsocks; i++) {
			if (sending)
				lg_send(t, &t->s[i], msgs, now);
			if (t->s[i].inflight > 0 && now - t->s[i].last > tmo) {
				t->timeouts++;
				t->s[i].inflight = 0;
			}
			busy += t->s[i].inflight;
		}
		if (!sending && (busy == 0 || now >= end))
			break;
		if (poll(pfd, (nfds_t)t->nsocks, 1) <= 0)
			continue;
		now = lg_now();
		for (i = 0; i < t->nsocks; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				lg_recv(t, &t->s[i], in, now);
		/* --gap: the machine idles before the next request, as
		 * between a relay's messages. */
		if (o->gap_us > 0)
			usleep((useconds_t)o->gap_us);
	}
	udp_batch_free(in);
	free(msgs);
	return NULL;
}

/* Build the payload the mode asks for. */
static void
lg_payload(struct lg_opts *o, const char *format, const char *zone,
    size_t pad, const char *hex)
{
	struct tp_request	req;
	size_t			flen = strlen(format);

	switch (o->mode) {
	case LG_SEED:
		if (flen > sizeof o->payload)
			fatalx("--format: longer than %zu bytes",
			    sizeof o->payload);
		memcpy(o->payload, format, flen);
		o->payload_len = flen;
		break;
	case LG_EXT:
		memset(&req, 0, sizeof req);
		req.version = TP_VERSION;
		req.nonce = 0x6c6f616467656e00ULL;	/* "loadgen" */
		req.zone = zone;
		req.zone_len = strlen(zone);
		req.format = format;
		req.format_len = flen;
		o->payload_len = tp_request_encode(o->payload,
		    sizeof o->payload, &req, pad);
		if (o->payload_len == 0)
			fatalx("--format/--zone/--pad: request too large");
		break;
	case LG_NTP:
		o->payload_len = lg_ntp(o->payload);
		break;
	case LG_HEX:
		if (hex == NULL)
			fatalx("--mode hex needs --hex");
		o->payload_len = lg_hex(hex, o->payload, sizeof o->payload);
		break;
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "mode",	required_argument,	NULL, 'm' },
		{ "format",	required_argument,	NULL, 'f' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "pad",	required_argument,	NULL, 'P' },
		{ "hex",	required_argument,	NULL, 'x' },
		{ "duration",	required_argument,	NULL, 'd' },
		{ "window",	required_argument,	NULL, 'w' },
		{ "threads",	required_argument,	NULL, 't' },
		{ "sockets",	required_argument,	NULL, 'k' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "timeout",	required_argument,	NULL, 'T' },
		{ "gap",	required_argument,	NULL, 'g' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	static struct lg_opts	 o;
	struct lg_thread	*th;
	const char		*server = "127.0.0.1:9000", *format = "";
	const char		*zone = "", *hex = NULL;
	char			 err[256];
	uint64_t		 start, stop, sent = 0, replies = 0, run = 0;
	uint64_t		 bad = 0, senderr = 0, timeouts = 0, lost;
	struct rusage		 ru;
	size_t			 pad = 0;
	int			 ch, i, j, nsock, share, extra, e;
	double			 secs;

	log_init(argv[0], LOG_TO_STDERR, 0);
	o.mode = LG_SEED;
	o.duration = 5;
	o.drain = 0.2;
	o.timeout_ms = 50;
	o.threads = 1;
	o.socks = 4;
	o.window = 128;
	o.batch = 64;
	while ((ch = getopt_long(argc, argv, "s:m:f:z:P:x:d:w:t:k:b:T:g:vh",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'm':
			for (i = 0; i < 4; i++)
				if (strcmp(optarg, lg_mode_names[i]) == 0)
					break;
			if (i == 4)
				fatalx("--mode: '%s' is not seed, ext, ntp or "
				    "hex", optarg);
			o.mode = (enum lg_mode)i;
			break;
		case 'f':
			format = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'P':
			pad = (size_t)lg_int("--pad", optarg, 0,
			    LG_PAYLOAD_MAX);
			break;
		case 'x':
			hex = optarg;
			break;
		case 'd':
			o.duration = lg_seconds("--duration", optarg);
			break;
		case 'w':
			o.window = (int)lg_int("--window", optarg, 1, 1 << 20);
			break;
		case 't':
			o.threads = (int)lg_int("--threads", optarg, 1, 64);
			break;
		case 'k':
			o.socks = (int)lg_int("--sockets", optarg, 1,
			    LG_SOCKS_MAX);
			break;
		case 'b':
			o.batch = (int)lg_int("--batch", optarg, 1, 1024);
			break;
		case 'T':
			o.timeout_ms = (int)lg_int("--timeout", optarg, 1,
			    60000);
			break;
		case 'g':
			o.gap_us = (int)lg_int("--gap", optarg, 0, 1000000);
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			lg_usage(0);
		default:
			lg_usage(2);
		}
	}
	if (optind != argc)
		lg_usage(2);
	nsock = o.threads * o.socks;
	if (o.window < nsock)
		fatalx("--window %d: fewer than the %d sockets", o.window,
		    nsock);
	if (addr_parse(server, "9000", 0, &o.dest, 1, err, sizeof err) < 1)
		fatalx("--server %s: %s", server, err);
	addr_str((struct sockaddr *)&o.dest.ss, o.dest_str, sizeof o.dest_str);
	lg_payload(&o, format, zone, pad, hex);

	/* Share the window over every socket; the first ones take the rest. */
	share = o.window / nsock;
	extra = o.window % nsock;
	th = xcalloc((size_t)o.threads, sizeof *th);
	for (i = 0; i < o.threads; i++) {
		th[i].o = &o;
		if (o.window == 1)
			th[i].rtt = xcalloc(LG_RTT_MAX, sizeof *th[i].rtt);
		th[i].id = i;
		th[i].nsocks = o.socks;
		for (j = 0; j < o.socks; j++) {
			struct lg_sock	*s = &th[i].s[j];

			s->fd = udp_client((struct sockaddr *)&o.dest.ss, err,
			    sizeof err);
			if (s->fd == -1)
				fatalx("%s", err);
			if (connect(s->fd, (struct sockaddr *)&o.dest.ss,
			    o.dest.len) == -1)
				fatal("connect %s", o.dest_str);
			s->window = share + (extra-- > 0 ? 1 : 0);
		}
	}

	start = lg_now();
	stop = start + (uint64_t)(o.duration * 1e9);
	for (i = 0; i < o.threads; i++) {
		th[i].start = start;
		th[i].stop = stop;
		if ((e = pthread_create(&th[i].thread, NULL, lg_thread_main,
		    &th[i])) != 0)
			fatalx("pthread_create: %s", strerror(e));
	}
	for (i = 0; i < o.threads; i++) {
		pthread_join(th[i].thread, NULL);
		sent += th[i].sent;
		replies += th[i].replies;
		run += th[i].replies_run;
		bad += th[i].bad;
		senderr += th[i].senderr;
		timeouts += th[i].timeouts;
		for (j = 0; j < th[i].nsocks; j++)
			close(th[i].s[j].fd);
	}
	secs = o.duration;
	if (o.window == 1 && o.threads == 1 && th[0].nrtt > 0)
		lg_rtt_print(th[0].rtt, th[0].nrtt);
	for (i = 0; i < o.threads; i++)
		free(th[i].rtt);
	free(th);

	getrusage(RUSAGE_SELF, &ru);
	lost = sent > replies ? sent - replies : 0;
	printf("rate=%.0f sent=%llu replies=%llu lost=%llu bad=%llu "
	    "senderr=%llu stalls=%llu seconds=%.2f cpu=%.2f mode=%s "
	    "bytes=%zu window=%d threads=%d sockets=%d server=%s\n",
	    (double)run / secs, (unsigned long long)sent,
	    (unsigned long long)replies, (unsigned long long)lost,
	    (unsigned long long)bad, (unsigned long long)senderr,
	    (unsigned long long)timeouts, secs,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    lg_mode_names[o.mode],
	    o.payload_len, o.window, o.threads, o.socks, o.dest_str);
	return replies > 0 ? 0 : 1;
}
