/*
 * query.c: timec as a client of NTP (like sntp), Daytime and Time.
 *
 * NTP: a 48-byte NTPv4 client request whose transmit timestamp is random
 * (as RFC 9109 and chrony do: the server only echoes it, and an off-path
 * attacker cannot guess it); the send time is kept here.  A reply counts
 * only if it is a server-mode packet whose origin timestamp is one we
 * sent.  offset = ((T2 - T1) + (T3 - T4)) / 2, delay = (T4 - T1) -
 * (T3 - T2).  Daytime and Time: an empty datagram, and the first reply.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "time/ntpproto.h"
#include "timec.h"
#include "base/clock.h"
#include "base/wire.h"

#define QUERY_FIRST_WAIT_MS	250
#define QUERY_MAX_WAIT_MS	2000
#define QUERY_MAX_SENT		16	/* requests remembered for matching */
#define QUERY_TIME_LEN		4

struct query_sent {
	uint8_t		xmt[8];		/* the random transmit timestamp */
	struct timespec	t1;		/* when it was sent, our clock */
};

/* Print a Unix time (with its fraction) as local time, like sntp. */
static void
query_print_time(const struct timespec *t, int frac_digits)
{
	struct tm	tm;
	char		buf[64], zone[16];

	localtime_r(&t->tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof zone, "%z", &tm);
	if (frac_digits > 0)
		printf("%s.%06ld (%s)", buf, t->tv_nsec / 1000, zone);
	else
		printf("%s (%s)", buf, zone);
}

/* The name sntp gives a leap indicator. */
static const char *
query_leap_str(int leap)
{
	static const char *names[] = { "no-leap", "add-leap", "del-leap",
	    "unsync" };

	return names[leap & 3];
}

/* Interpret a reply; an exit status, or -1 if it is not ours. */
static int
query_ntp_reply(const uint8_t *buf, size_t len, const struct timespec *t4,
    const struct query_sent *sent, int nsent, int verbose,
    const char *server)
{
	struct ntp_packet	p;
	struct ntp_ts		T1, T4;
	struct timespec		now;
	double			offset, delay, disp;
	char			refid[32];
	int			i;

	if (ntpproto_decode(buf, len, &p) == -1 ||
	    p.mode != NTP_MODE_SERVER)
		return -1;
	for (i = 0; i < nsent; i++)
		if (memcmp(buf + NTP_OFF_ORG, sent[i].xmt, 8) == 0)
			break;
	if (i == nsent)
		return -1;
	ntpproto_refid_str(p.refid, p.stratum, refid, sizeof refid);
	if (p.stratum == 0) {
		/* A kiss-o'-death: the code is in the refid. */
		if (strcmp(refid, "RATE") == 0) {
			fprintf(stderr, "timec: %s: rate limited (kiss-o'-death "
			    "RATE), try again later\n", server);
			return EX_TEMPFAIL;
		}
		fprintf(stderr, "timec: %s: kiss-o'-death %s\n", server,
		    refid);
		return strcmp(refid, "DENY") == 0 ||
		    strcmp(refid, "RSTR") == 0 ? EX_NOPERM : EX_PROTOCOL;
	}
	if (p.xmt.sec == 0 && p.xmt.frac == 0) {
		fprintf(stderr, "timec: %s: reply without a transmit time\n",
		    server);
		return EX_PROTOCOL;
	}
	T1 = ntpproto_from_timespec(&sent[i].t1);
	T4 = ntpproto_from_timespec(t4);
	offset = (ntpproto_diff(T1, p.rec) + ntpproto_diff(T4, p.xmt)) / 2;
	delay = ntpproto_diff(T1, T4) - ntpproto_diff(p.rec, p.xmt);
	disp = ntpproto_short_to(p.root_disp);

	/* The server's time now: our clock corrected by the offset. */
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec += (time_t)offset;
	now.tv_nsec += (long)((offset - (double)(time_t)offset) * 1e9);
	if (now.tv_nsec < 0) {
		now.tv_nsec += 1000000000L;
		now.tv_sec--;
	} else if (now.tv_nsec >= 1000000000L) {
		now.tv_nsec -= 1000000000L;
		now.tv_sec++;
	}
	query_print_time(&now, 6);
	printf(" offset %+.6f delay %.6f %s s%d %s refid %s\n", offset, delay,
	    server, p.stratum, query_leap_str(p.leap), refid);
	if (verbose)
		fprintf(stderr, "timec: version %d, poll %d, precision %d, "
		    "root delay %.6f, root dispersion %.6f\n", p.version,
		    p.poll, p.precision, ntpproto_short_to(p.root_delay),
		    disp);
	if (fflush(stdout) != 0)
		return EX_IOERR;
	if (p.leap == NTP_LEAP_UNSYNC || p.stratum > NTP_MAX_STRATUM) {
		fprintf(stderr, "timec: %s: the server's clock is not "
		    "synchronised (leap %d, stratum %d)\n", server, p.leap,
		    p.stratum);
		return EX_DATAERR;
	}
	return 0;
}

/* Interpret a Daytime or Time reply; an exit status, or -1. */
static int
query_legacy_reply(enum query_proto proto, const uint8_t *buf, size_t len)
{
	struct timespec	now, t;
	size_t		i;

	if (proto == QUERY_TIME) {
		struct ntp_ts	ts = { 0, 0 };

		if (len != QUERY_TIME_LEN)
			return -1;
		ts.sec = wire_get32(buf);
		clock_gettime(CLOCK_REALTIME, &now);
		ntpproto_to_timespec(ts, now.tv_sec, &t);
		query_print_time(&t, 0);
		printf(" offset %+lld s\n", (long long)(t.tv_sec - now.tv_sec));
		return fflush(stdout) == 0 ? 0 : EX_IOERR;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++)
		putchar(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?');
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

int
query_run(enum query_proto proto, int fd, double timeout, int verbose,
    const char *server)
{
	struct query_sent	 sent[QUERY_MAX_SENT];
	struct pollfd		 pfd;
	struct timespec		 t4;
	uint8_t			 out[NTP_PKT_LEN], in[2048];
	long long		 deadline, next = 0, t;
	size_t			 len;
	ssize_t			 r;
	int			 nsent = 0, wait_ms = QUERY_FIRST_WAIT_MS;
	int			 refused = 0, rc;

	deadline = (long long)clock_mono_ms() + (long long)(timeout * 1000);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		t = (long long)clock_mono_ms();
		if (t >= deadline)
			break;
		if (t >= next) {
			len = 0;
			if (proto == QUERY_NTP) {
				struct query_sent *s = &sent[nsent %
				    QUERY_MAX_SENT];

				memset(out, 0, sizeof out);
				out[0] = NTP_VERSION << 3 | NTP_MODE_CLIENT;
				randombytes_buf(s->xmt, sizeof s->xmt);
				memcpy(out + NTP_OFF_XMT, s->xmt, 8);
				clock_gettime(CLOCK_REALTIME, &s->t1);
				if (nsent < QUERY_MAX_SENT)
					nsent++;
				len = NTP_PKT_LEN;
			}
			if (send(fd, out, len, 0) == -1 &&
			    errno == ECONNREFUSED)
				refused = 1;
			if (verbose)
				fprintf(stderr, "timec: sent %zu bytes to %s\n",
				    len, server);
			next = t + wait_ms;
			if (wait_ms < QUERY_MAX_WAIT_MS)
				wait_ms *= 2;
		}
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)((next < deadline ? next : deadline) -
		    t)) <= 0)
			continue;
		r = recv(fd, in, sizeof in, MSG_TRUNC);
		clock_gettime(CLOCK_REALTIME, &t4);
		if (r == -1) {
			if (errno == ECONNREFUSED)
				refused = 1;
			continue;
		}
		refused = 0;
		rc = -1;
		if ((size_t)r <= sizeof in)
			rc = proto == QUERY_NTP ?
			    query_ntp_reply(in, (size_t)r, &t4, sent, nsent,
			    verbose, server) :
			    query_legacy_reply(proto, in, (size_t)r);
		if (rc != -1)
			return rc;
		if (verbose)
			fprintf(stderr, "timec: ignored a %zd-byte datagram\n",
			    r);
	}
	fprintf(stderr, "timec: no answer from %s within %g s%s\n", server,
	    timeout, refused ? " (connection refused: is the server "
	    "running?)" : "");
	return EX_UNAVAILABLE;
}
