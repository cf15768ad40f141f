/*
 * ntp.c: timed's NTP server (RFC 5905 server mode, RFC 4330 SNTP).
 *
 * A client request (mode 3, 48 bytes plus optional extension fields) gets
 * exactly one 48-byte server reply (mode 4): never longer than the
 * request, so timed cannot amplify.  Everything else (replies, symmetric,
 * broadcast, control and private-mode packets, malformed trailers, MACs:
 * timed holds no keys) is dropped and counted.
 *
 * What the reply claims about the clock comes from the kernel
 * (ntp_adjtime): a clock the kernel calls unsynchronised is announced as
 * such, leap 3 and stratum 16, which every real client rejects.  Only
 * local_stratum (like chrony's "local stratum") serves the local clock as
 * good time whatever the kernel says.
 *
 * The receive timestamp is the kernel's (SO_TIMESTAMPNS).  The transmit
 * timestamp is written by ntp_stamp() into every reply of a batch right
 * before the batch is handed to sendmmsg: one clock read per batch, as
 * late as the sending allows.
 */
#include <sys/socket.h>
#include <sys/timex.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/addr.h"
#include "base/log.h"
#include "time/ntpproto.h"
#include "base/ratelimit.h"
#include "timed.h"
#include "base/udp.h"
#include "base/xmalloc.h"

#define NTP_LOCAL_REFID		0x7f7f0101U	/* 127.127.1.1, local clock */
#define NTP_LOCAL_DISP		0.001		/* seconds, local_stratum */
#define NTP_MAX_DISP		16.0		/* RFC 5905 MAXDISP */
#define NTP_REF_ROUND		16		/* reference time granularity */
#define NTP_MINPOLL		4
#define NTP_MAXPOLL		17
#define NTP_CLOCK_CHECK_NS	1000000000ULL	/* re-read the kernel each 1 s */

struct ntp_server {
	struct ratelimit	*rl;
	int			 rl_interval;
	int			 stratum;	/* when the kernel is synced */
	int			 local_stratum;
	uint32_t		 refid;		/* configured; 0 derives */
	int8_t			 precision;
	struct timed_ports	 ports;		/* never answered */

	/* The kernel's view of the clock, re-read once a second. */
	uint64_t		 checked;	/* monotonic ns; 0 never */
	int			 synced;
	uint8_t			 leap;
	uint32_t		 root_disp;	/* 16.16 */

	/* Replies queued in this batch, waiting for their transmit time. */
	uint8_t			**pending;
	unsigned int		 npending, cap;
};

/* log2 of the smallest step between two clock reads, like ntpd's. */
static int8_t
ntp_measure_precision(void)
{
	struct timespec	a, b;
	long		d, best = 1000000000L;
	int		i, p;

	for (i = 0; i < 64; i++) {
		clock_gettime(CLOCK_REALTIME, &a);
		do {
			clock_gettime(CLOCK_REALTIME, &b);
			d = (b.tv_sec - a.tv_sec) * 1000000000L +
			    (b.tv_nsec - a.tv_nsec);
		} while (d == 0);
		if (d > 0 && d < best)
			best = d;
	}
	/* Smallest p with 2^p seconds >= best nanoseconds. */
	for (p = -30; p < -6 && (1000000000.0 / (double)(1L << -p)) <
	    (double)best; p++)
		;
	return (int8_t)p;
}

/* A configured refid: "" (derive one), an IPv4 address or an ASCII code. */
static uint32_t
ntp_parse_refid(const char *s)
{
	unsigned int	a, b, c, d;
	char		extra;

	if (s[0] == '\0')
		return 0;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4 &&
	    a < 256 && b < 256 && c < 256 && d < 256)
		return a << 24 | b << 16 | c << 8 | d;
	return ntpproto_refid_code(s);
}

struct ntp_server *
ntp_new(const struct timed_conf *c, unsigned int batch)
{
	struct ntp_server	*n;

	n = xcalloc(1, sizeof *n);
	n->cap = batch;
	n->pending = xcalloc(batch, sizeof *n->pending);
	n->precision = ntp_measure_precision();
	ntp_configure(n, c);
	return n;
}

void
ntp_free(struct ntp_server *n)
{
	if (n == NULL)
		return;
	ratelimit_free(n->rl);
	free(n->pending);
	free(n);
}

void
ntp_configure(struct ntp_server *n, const struct timed_conf *c)
{
	ratelimit_free(n->rl);
	n->rl = ratelimit_new(&c->rl);
	n->rl_interval = c->rl.interval;
	n->stratum = c->ntp_stratum;
	n->local_stratum = c->local_stratum;
	n->refid = ntp_parse_refid(c->ntp_refid);
	n->checked = 0;
	ports_set(&n->ports, c);
}


/* Refresh the kernel's synchronisation state, at most once a second. */
static void
ntp_check_clock(struct ntp_server *n, uint64_t mono)
{
	struct timex	tx;
	int		state;
	double		disp;

	if (n->checked != 0 && mono - n->checked < NTP_CLOCK_CHECK_NS)
		return;
	n->checked = mono == 0 ? 1 : mono;
	memset(&tx, 0, sizeof tx);
	state = ntp_adjtime(&tx);
	n->synced = state != -1 && state != TIME_ERROR &&
	    !(tx.status & STA_UNSYNC);
	if (state == TIME_INS || (tx.status & STA_INS))
		n->leap = NTP_LEAP_INSERT;
	else if (state == TIME_DEL || (tx.status & STA_DEL))
		n->leap = NTP_LEAP_DELETE;
	else
		n->leap = NTP_LEAP_NONE;
	/* maxerror (microseconds) is the kernel's bound on the error. */
	disp = state == -1 ? NTP_MAX_DISP : (double)tx.maxerror / 1e6;
	if (disp > NTP_MAX_DISP)
		disp = NTP_MAX_DISP;
	n->root_disp = ntpproto_short_from(disp);
}

/* Fill in what the reply says about our clock. */
static void
ntp_clock_fields(struct ntp_server *n, const struct timespec *rx,
    struct ntp_packet *p)
{
	struct timespec	ref;

	ref.tv_sec = rx->tv_sec - rx->tv_sec % NTP_REF_ROUND;
	ref.tv_nsec = 0;
	if (n->local_stratum > 0) {
		p->leap = n->leap;
		p->stratum = (uint8_t)n->local_stratum;
		p->refid = n->refid != 0 ? n->refid : NTP_LOCAL_REFID;
		p->root_disp = ntpproto_short_from(NTP_LOCAL_DISP);
		p->ref = ntpproto_from_timespec(&ref);
	} else if (n->synced) {
		p->leap = n->leap;
		p->stratum = (uint8_t)n->stratum;
		p->refid = n->refid;
		p->root_disp = n->root_disp;
		p->ref = ntpproto_from_timespec(&ref);
	} else {
		/* Honest: unsynchronised, never synchronised as far as we know. */
		p->leap = NTP_LEAP_UNSYNC;
		p->stratum = NTP_STRATUM_UNSYNC;
		p->refid = 0;
		p->root_disp = n->root_disp;
	}
}

void
ntp_handle(struct ntp_server *n, struct udp_batch *out, const uint8_t *req,
    size_t len, const struct sockaddr *sa, unsigned int salen,
    const struct timespec *rx, uint64_t mono, struct timed_pstats *st)
{
	struct ntp_packet	 p;
	enum ratelimit_verdict	 v;
	enum ntp_check		 chk;
	uint8_t			*slot;
	int			 poll;

	switch ((chk = ntpproto_check_request(req, len))) {
	case NTP_OK:
		break;
	case NTP_BAD_MODE:
		st->ignored++;
		log_debug("ntp: dropped a %zu-byte mode %d packet", len,
		    req[0] & 7);
		return;
	case NTP_AUTH:
		st->auth++;
		log_debug("ntp: dropped a %zu-byte request: %s", len,
		    ntpproto_check_str(chk));
		return;
	default:
		st->malformed++;
		log_debug("ntp: dropped a %zu-byte datagram: %s", len,
		    ntpproto_check_str(chk));
		return;
	}
	if (ports_refused(&n->ports, addr_port(sa), 1)) {
		st->refused++;
		return;
	}

	memset(&p, 0, sizeof p);
	p.version = (req[0] >> 3) & 7;
	p.mode = NTP_MODE_SERVER;
	poll = (int8_t)req[2];
	poll = poll < NTP_MINPOLL ? NTP_MINPOLL :
	    poll > NTP_MAXPOLL ? NTP_MAXPOLL : poll;
	p.poll = (int8_t)poll;
	p.precision = n->precision;
	p.org = ntpproto_get_ts(req + NTP_OFF_XMT);
	p.rec = ntpproto_from_timespec(rx);

	if ((v = ratelimit_check(n->rl, sa, mono)) != RATELIMIT_PASS) {
		st->ratelimited++;
		if (v != RATELIMIT_NOTIFY)
			return;
		/* A RATE kiss-o'-death: stratum 0, the code in the refid. */
		p.leap = NTP_LEAP_UNSYNC;
		p.stratum = 0;
		p.refid = ntpproto_refid_code("RATE");
		if (p.poll < n->rl_interval + 1)
			p.poll = (int8_t)(n->rl_interval + 1);
		st->kod++;
	} else {
		ntp_check_clock(n, mono);
		ntp_clock_fields(n, rx, &p);
	}
	if ((slot = udp_slot(out)) == NULL || n->npending == n->cap)
		return;
	ntpproto_encode(slot, NTP_PKT_LEN, &p);
	udp_commit(out, NTP_PKT_LEN, sa, salen);
	n->pending[n->npending++] = slot;
	if (v == RATELIMIT_PASS)
		st->answered++;
}

void
ntp_stamp(struct ntp_server *n)
{
	struct timespec	now;
	struct ntp_ts	xmt;
	unsigned int	i;

	if (n->npending == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	xmt = ntpproto_from_timespec(&now);
	for (i = 0; i < n->npending; i++)
		ntpproto_put_ts(n->pending[i] + NTP_OFF_XMT, xmt);
	n->npending = 0;
}
