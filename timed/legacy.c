/*
 * legacy.c: RFC 867 Daytime and RFC 868 Time over UDP.
 *
 * Any datagram, whatever it holds (an empty one too), is a request.  The
 * Daytime reply is one line of ASCII in UTC, "Wednesday, November 25,
 * 2026 17:25:48-UTC" and CR LF; the Time reply is the 32-bit count of
 * seconds since 1900-01-01 UTC, which wraps in 2036 like NTP's era 0.
 *
 * Both protocols answer anything, so two such servers can be made to
 * answer each other for ever (the echo/chargen loop): a request from a
 * privileged port or from one of timed's own ports is never answered.
 * Replies obey the strftime service's bound (at most three times the
 * request's wire size): the longest Daytime line is well inside it even
 * for an empty request.  There is no "rate limited" notice in these
 * protocols: a limited source simply gets no answer.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/addr.h"
#include "time/ntpproto.h"
#include "base/ratelimit.h"
#include "timed.h"
#include "time/timeproto.h"
#include "base/udp.h"
#include "base/wire.h"
#include "base/xmalloc.h"

#define LEGACY_DAYTIME_FORMAT	"%A, %B %d, %Y %H:%M:%S-UTC\r\n"
#define LEGACY_TIME_LEN		4

struct legacy {
	enum timed_service	 svc;
	struct ratelimit	*rl;
	struct timed_ports	 ports;		/* never answered */
};

struct legacy *
legacy_new(enum timed_service svc, const struct timed_conf *c)
{
	struct legacy	*l;

	l = xcalloc(1, sizeof *l);
	l->svc = svc;
	legacy_configure(l, c);
	return l;
}

void
legacy_free(struct legacy *l)
{
	if (l == NULL)
		return;
	ratelimit_free(l->rl);
	free(l);
}

void
legacy_configure(struct legacy *l, const struct timed_conf *c)
{
	ratelimit_free(l->rl);
	l->rl = ratelimit_new(&c->rl);
	ports_set(&l->ports, c);
}


void
legacy_handle(struct legacy *l, struct udp_batch *out, const uint8_t *req,
    size_t len, const struct sockaddr *sa, unsigned int salen,
    const struct timespec *rx, uint64_t mono, struct timed_pstats *st)
{
	struct tm	 tm;
	uint8_t		*slot;
	size_t		 n, limit = tp_reply_limit(len);

	if (ports_refused(&l->ports, addr_port(sa), 0)) {
		st->refused++;
		return;
	}
	if (ratelimit_check(l->rl, sa, mono) != RATELIMIT_PASS) {
		st->ratelimited++;
		return;
	}
	if ((slot = udp_slot(out)) == NULL)
		return;
	if (l->svc == SVC_TIME) {
		if (limit < LEGACY_TIME_LEN)
			return;
		wire_put32(slot, ntpproto_from_timespec(rx).sec);
		n = LEGACY_TIME_LEN;
	} else {
		gmtime_r(&rx->tv_sec, &tm);
		n = strftime((char *)slot, limit, LEGACY_DAYTIME_FORMAT, &tm);
		if (n == 0)
			return;
	}
	udp_commit(out, n, sa, salen);
	st->answered++;
}
