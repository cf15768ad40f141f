/*
 * session_memory.c: while the peer is gone, a session's memory stays
 * within its configured bounds however much the application tries to
 * send; when the peer is declared dead both sides are told and every
 * byte is freed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/impair.h"
#include "base/log.h"
#include "sess/session.h"
#include "tests/support/sesssim.h"

#define SEC	UINT64_C(1000000000)
#define QUEUE	(256 * 1024)

struct mem {
	struct sesssim	*sim;
	struct sess	*cs, *ss;
	int		 cli_up, lost;
	enum sess_reason why[2];
	uint64_t	 peak_cli, peak_srv;
	unsigned int	 refused, accepted;
};

static void
srv_up(struct sess *s, void *arg)
{
	((struct mem *)arg)->ss = s;
}

static void
cli_up(struct sess *s, void *arg)
{
	((struct mem *)arg)->cli_up = 1;
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct mem	*m = arg;

	if (m->lost < 2)
		m->why[m->lost] = why;
	m->lost++;
}

static int
up(void *arg)
{
	struct mem	*m = arg;

	return m->cli_up && m->ss != NULL;
}

/* Keep trying to send; note the peaks of buffered bytes. */
static int
flood(void *arg)
{
	struct mem	*m = arg;
	static uint8_t	 buf[20000];
	uint64_t	 c, s;

	if (m->lost < 2) {
		if (m->lost == 0) {
			while (sess_send(m->cs, buf, sizeof buf) == 0)
				m->accepted++;
			assert_int_equal(errno, ENOBUFS);
			m->refused++;
			assert_true(sess_queued(m->cs) <= QUEUE);
		}
	}
	c = sess_ep_stats(sesssim_client(m->sim))->mem;
	s = sess_ep_stats(sesssim_server(m->sim))->mem;
	if (c > m->peak_cli)
		m->peak_cli = c;
	if (s > m->peak_srv)
		m->peak_srv = s;
	return m->lost >= 2;
}

static void
test_memory_bounded_then_freed(void **state)
{
	struct mem		 m;
	struct impair_conf	 ic;
	struct impair_dir	 gone;
	struct sess_conf	 sc;
	struct sess_cb		 scb, ccb;
	const struct sess_stats	*cst, *sst;
	char			 dir[] = "/tmp/sessmemXXXXXX", pins[64];

	memset(&m, 0, sizeof m);
	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/known", dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = 5;
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = SEC / 100;
	sess_conf_default(&sc);
	sc.max_queue = QUEUE;
	scb = (struct sess_cb){ srv_up, NULL, any_lost, &m };
	ccb = (struct sess_cb){ cli_up, NULL, any_lost, &m };
	m.sim = sesssim_new(&ic, &sc, &scb, &ccb, NULL, NULL, pins);
	m.cs = sess_connect(sesssim_client(m.sim));
	assert_true(sesssim_run(m.sim, up, &m, 60 * SEC));
	cst = sess_ep_stats(sesssim_client(m.sim));
	sst = sess_ep_stats(sesssim_server(m.sim));

	/* Some traffic gets through, then the server vanishes mid-message. */
	sesssim_run(m.sim, flood, &m, SEC / 20);
	memset(&gone, 0, sizeof gone);
	gone.blackhole = 1;
	impair_set(sesssim_impair(m.sim), SESSSIM_C2S, &gone);
	impair_set(sesssim_impair(m.sim), SESSSIM_S2C, &gone);

	/* Minutes of virtual time: memory never exceeds the bounds. */
	assert_true(sesssim_run(m.sim, flood, &m, 600 * SEC));
	assert_true(m.accepted > 0 && m.refused > 0);
	assert_true(m.peak_cli <= QUEUE);
	assert_true(m.peak_srv <= QUEUE + SP_WINDOW * SP_FRAG_MAX + SP_MSG_MAX);
	assert_true(cst->timeouts > 0);

	/* Both sides declared the other dead... */
	assert_int_equal(m.lost, 2);
	assert_int_equal(m.why[0], SESS_TIMEOUT);
	assert_int_equal(m.why[1], SESS_TIMEOUT);
	/* ...after the documented silence, not before. */
	assert_true(sesssim_now(m.sim) >= (uint64_t)sc.dead_ms * 1000000);
	/* ...and freed everything once the callbacks returned. */
	sesssim_run(m.sim, NULL, NULL, SEC);
	assert_int_equal(cst->mem, 0);
	assert_int_equal(sst->mem, 0);
	assert_int_equal(cst->sessions, 0);
	assert_int_equal(sst->sessions, 0);
	assert_int_equal(sst->sessions_lost, 1);
	sesssim_free(m.sim);
	unlink(pins);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_bounded_then_freed),
	};

	log_init("session_memory", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
