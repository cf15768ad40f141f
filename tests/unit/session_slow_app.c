/*
 * session_slow_app.c: an application that spends longer than dead_ms in
 * its message callback (a client working through a large backlog) does
 * not lose a session whose peer has been talking all along.  Silence is
 * measured from the end of the turn that heard the peer, not from its
 * start.  Both endpoints run without sockets (sess_ep_set_io) on a clock
 * the test moves by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/log.h"
#include "sess/session.h"

#define MS		UINT64_C(1000000)
#define SEC		(1000 * MS)
#define QMAX		256
#define NMSG		5

/* One datagram in flight, to the server (to_srv) or to the client. */
struct dgram {
	uint8_t		buf[SP_MAX_DGRAM];
	size_t		len;
	int		to_srv;
};

struct slow {
	uint64_t		 now;
	struct dgram		 q[QMAX];
	unsigned int		 head, tail;
	struct sess_ep		*srv, *cli;
	struct sess		*ss, *cs;
	struct sockaddr_in	 srv_sa, cli_sa;
	unsigned int		 got, lost;
	uint64_t		 work_ns;	/* the client's time per message */
};

/* Each endpoint's xmit carries its own direction in arg. */
struct port {
	struct slow	*sl;
	int		 to_srv;
};

static uint64_t
slow_clock(void *arg)
{
	return ((struct port *)arg)->sl->now;
}

static void
slow_xmit(void *arg, const uint8_t *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	struct port	*p = arg;
	struct dgram	*d;

	if (p->sl->tail - p->sl->head >= QMAX)
		return;				/* a full queue drops */
	d = &p->sl->q[p->sl->tail++ % QMAX];
	memcpy(d->buf, buf, len);
	d->len = len;
	d->to_srv = p->to_srv;
}

static void
srv_up(struct sess *s, void *arg)
{
	((struct slow *)arg)->ss = s;
	sess_trust(s);		/* as chatd at login: no pre-login limits */
}

/* The slow application: every message takes work_ns of the clock. */
static void
cli_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct slow	*sl = arg;

	sl->got++;
	sl->now += sl->work_ns;
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	((struct slow *)arg)->lost++;
}

/* Run the timers due and deliver every queued datagram, a millisecond
 * of the clock per round, for until_ns of clock. */
static void
slow_run(struct slow *sl, uint64_t until_ns)
{
	struct dgram	*d;
	unsigned int	 n;

	while (sl->now < until_ns) {
		/* Timers first, then what waits to be read, as libev runs
		 * them when both are due after a long turn. */
		sess_ep_run(sl->srv);
		sess_ep_run(sl->cli);
		/* Only what was sent before this round: the answers to it
		 * come in the next one, after the timers. */
		for (n = sl->tail - sl->head; n > 0; n--) {
			d = &sl->q[sl->head++ % QMAX];
			if (d->to_srv)
				sess_ep_input(sl->srv, d->buf, d->len,
				    (struct sockaddr *)&sl->cli_sa,
				    sizeof sl->cli_sa);
			else
				sess_ep_input(sl->cli, d->buf, d->len,
				    (struct sockaddr *)&sl->srv_sa,
				    sizeof sl->srv_sa);
		}
		if (sl->head == sl->tail)
			sl->now += MS;
	}
}

static void
test_slow_callback_keeps_session(void **state)
{
	static struct slow	 sl;
	struct port		 sp = { &sl, 0 }, cp = { &sl, 1 };
	struct sess_cb		 scb, ccb;
	struct sess_conf	 sc, srvc;
	uint8_t			 pk[SP_PK_LEN], sk[SP_KEY_LEN];
	char			 dir[] = "/tmp/sessslowXXXXXX", pins[64];
	unsigned int		 i;

	memset(&sl, 0, sizeof sl);
	sl.now = SEC;
	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/known", dir);
	sl.srv_sa.sin_family = sl.cli_sa.sin_family = AF_INET;
	sl.srv_sa.sin_addr.s_addr = htonl(0x0a000001);
	sl.srv_sa.sin_port = htons(9000);
	sl.cli_sa.sin_addr.s_addr = htonl(0x0a000002);
	sl.cli_sa.sin_port = htons(40000);
	crypto_kx_keypair(pk, sk);
	/* The client's limits are chatclient's; the server keeps its
	 * default dead time and pings as often as the client. */
	sess_conf_default(&srvc);
	srvc.keepalive_ms = 2000;
	sess_conf_default(&sc);
	sc.keepalive_ms = 2000;
	sc.dead_ms = 6000;
	scb = (struct sess_cb){ srv_up, NULL, any_lost, &sl };
	ccb = (struct sess_cb){ NULL, cli_msg, any_lost, &sl };
	sl.srv = sess_server_new(NULL, -1, pk, sk, &srvc, &scb);
	sess_ep_set_io(sl.srv, slow_xmit, slow_clock, &sp);
	sl.cli = sess_client_new(NULL, -1, (struct sockaddr *)&sl.srv_sa,
	    sizeof sl.srv_sa, "slow", pins, &sc, &ccb);
	sess_ep_set_io(sl.cli, slow_xmit, slow_clock, &cp);
	sl.cs = sess_connect(sl.cli);
	slow_run(&sl, sl.now + SEC);
	assert_non_null(sl.ss);
	assert_true(sess_is_up(sl.cs));

	/* Each message keeps the client busy for longer than dead_ms. */
	sl.work_ns = 7 * SEC;
	for (i = 0; i < NMSG; i++)
		assert_int_equal(sess_send(sl.ss, "backlog", 7), 0);
	slow_run(&sl, sl.now + 60 * SEC);
	assert_int_equal(sl.got, NMSG);
	assert_int_equal(sl.lost, 0);
	assert_true(sess_is_up(sl.cs));
	assert_int_equal(sess_queued(sl.ss), 0);

	/* A real silence still ends the session. */
	sl.work_ns = 0;
	sl.now += 7 * SEC;
	sess_ep_run(sl.cli);
	assert_int_equal(sl.lost, 1);

	sess_ep_free(sl.cli);
	sess_ep_free(sl.srv);
	unlink(pins);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_callback_keeps_session),
	};

	if (sodium_init() == -1)
		return 1;
	log_init("session_slow_app", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
