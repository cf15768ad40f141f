/*
 * session_pmtu.c: datagrams larger than 1,200 bytes where the path and the
 * peer take them (lib/sess/pmtu.c, docs/PROTOCOL.md 4.4.5).  On a path
 * that carries 4,096 bytes a burst of small messages leaves in one
 * datagram; on an Ethernet path (1,500 bytes) the session settles on
 * 1,452; on a path or to a peer that takes only 1,200 it stays there; a
 * path that stops carrying the larger size loses nothing and falls back;
 * a client that moves starts again from 1,200 until its new address is
 * proven, and a return to its last proven address brings no probe; ACKs held
 * up, as under load, are no black hole.  The network and the clock are simulated
 * (tests/support/sesssim.h).
 */
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
#include "sess/session.h"
#include "sess/sessproto.h"
#include "tests/support/sesssim.h"

#define SEC		UINT64_C(1000000000)
#define BURST		30		/* messages of MSGLEN */
#define MSGLEN		100
#define BIGLEN		3000		/* three fragments */

struct pm {
	struct sesssim	*sim;
	struct sess	*cs, *ss;	/* client and server session */
	unsigned int	 got;		/* at the client, in order */
	unsigned int	 gotbig;	/* messages of BIGLEN */
	unsigned int	 bad;
	unsigned int	 lost;
	size_t		 biggest;	/* largest datagram the server sent */
	char		 dir[32];	/* the pin file's, mkdtemp() */
	unsigned int	 s2c;		/* datagrams the server sent */
};

static void
srv_up(struct sess *s, void *arg)
{
	((struct pm *)arg)->ss = s;
}

static void
srv_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
}

static void
cli_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct pm	*p = arg;

	if (len == BIGLEN) {
		p->gotbig++;
		return;
	}
	if (len != MSGLEN || buf[0] != (uint8_t)p->got)
		p->bad++;
	p->got++;
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	((struct pm *)arg)->lost++;
}

static void
tap(void *arg, int dir, const uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	struct pm	*p = arg;

	if (dir != SESSSIM_S2C)
		return;
	p->s2c++;
	if (len > p->biggest)
		p->biggest = len;
}

static int
pm_up(void *arg)
{
	struct pm	*p = arg;

	return p->ss != NULL && p->cs != NULL && sess_is_up(p->cs);
}

/* A simulated pair on a path of mtu bytes each way (0: any), up and
 * settled: the probes answered or given up. */
static void
pm_open(struct pm *p, size_t mtu)
{
	struct impair_conf	 ic;
	struct sess_cb		 scb, ccb;
	struct sess_conf	 sc;
	char			 pins[64];

	memset(p, 0, sizeof *p);
	snprintf(p->dir, sizeof p->dir, "/tmp/sesspmtuXXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(pins, sizeof pins, "%s/known", p->dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = 8899;
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = SEC / 100;
	ic.dir[0].mtu = ic.dir[1].mtu = mtu;
	sess_conf_default(&sc);
	scb = (struct sess_cb){ srv_up, srv_msg, any_lost, p };
	ccb = (struct sess_cb){ NULL, cli_msg, any_lost, p };
	p->sim = sesssim_new(&ic, &sc, &scb, &ccb, NULL, NULL, pins);
	sesssim_autotrust(p->sim, 1);
	sesssim_tap(p->sim, tap, p);
	p->cs = sess_connect(sesssim_client(p->sim));
	assert_non_null(p->cs);
	assert_true(sesssim_run(p->sim, pm_up, p, 10 * SEC));
	/* Two tries of each size, one RTO (at most a second here) apart. */
	sesssim_run(p->sim, NULL, NULL, 10 * SEC);
}

/* From now on, direction dir: a delay of delay_ns, datagrams over mtu
 * dropped (0: none), or everything (blackhole). */
static void
pm_path(struct pm *p, int dir, uint64_t delay_ns, size_t mtu, int blackhole)
{
	struct impair_dir	d;

	memset(&d, 0, sizeof d);
	d.delay_ns = delay_ns;
	d.mtu = mtu;
	d.blackhole = blackhole;
	impair_set(sesssim_impair(p->sim), dir, &d);
}

/* The server sends BURST messages at once. */
static void
pm_burst(struct pm *p, unsigned int first)
{
	uint8_t		buf[MSGLEN];
	unsigned int	i;

	/* In one turn, as an application answering a request does. */
	sess_ep_hold(sesssim_server(p->sim));
	for (i = 0; i < BURST; i++) {
		memset(buf, 0, sizeof buf);
		buf[0] = (uint8_t)(first + i);
		assert_int_equal(sess_send(p->ss, buf, sizeof buf), 0);
	}
	sess_ep_release(sesssim_server(p->sim));
}

/* Every message of the burst arrived (or the session was lost). */
static int
pm_done(void *arg)
{
	struct pm	*p = arg;

	return p->lost > 0 || p->got >= BURST;
}

static void
pm_close(struct pm *p)
{
	char	path[128];

	sesssim_free(p->sim);
	snprintf(path, sizeof path, "%s/known", p->dir);
	unlink(path);
	rmdir(p->dir);
}

/* A path that carries 4,096 bytes: both ends raise to it, and a burst of
 * 30 messages of 100 bytes leaves in one datagram. */
static void
test_pmtu_loopback_like(void **state)
{
	struct pm		 p;
	const struct sess_stats	*ss;

	pm_open(&p, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	assert_int_equal(sess_dgram_max(p.cs), SP_MAX_DGRAM);
	ss = sess_ep_stats(sesssim_server(p.sim));
	assert_int_equal(ss->pmtu_raised, 1);
	assert_int_equal(ss->pmtu_probes, 1);
	p.s2c = 0;
	p.biggest = 0;
	pm_burst(&p, 0);
	assert_true(sesssim_run(p.sim, pm_done, &p, 30 * SEC));
	assert_int_equal(p.lost, 0);
	assert_int_equal(p.got, BURST);
	assert_int_equal(p.bad, 0);
	assert_true(p.biggest > SP_BASE_DGRAM);
	assert_int_equal(p.s2c, 1);
	pm_close(&p);
}

/* An Ethernet path: 4,096 is never answered, 1,452 is. */
static void
test_pmtu_ethernet(void **state)
{
	struct pm		 p;
	const struct sess_stats	*ss;

	pm_open(&p, 1472);
	assert_int_equal(sess_dgram_max(p.ss), 1452);
	ss = sess_ep_stats(sesssim_server(p.sim));
	assert_int_equal(ss->pmtu_probes, 3);	/* 4,096 twice, 1,452 */
	p.biggest = 0;
	pm_burst(&p, 0);
	assert_true(sesssim_run(p.sim, pm_done, &p, 30 * SEC));
	assert_int_equal(p.got, BURST);
	assert_int_equal(p.bad, 0);
	assert_true(p.biggest > SP_BASE_DGRAM && p.biggest <= 1452);
	pm_close(&p);
}

/* A path (or a peer) that takes only 1,200 bytes: the session stays
 * there after four probes, and nothing is lost. */
static void
test_pmtu_base_only(void **state)
{
	struct pm		 p;
	const struct sess_stats	*ss;

	pm_open(&p, SP_BASE_DGRAM);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	ss = sess_ep_stats(sesssim_server(p.sim));
	assert_int_equal(ss->pmtu_probes, 4);
	assert_int_equal(ss->pmtu_raised, 0);
	/* No more probes, however long the session lasts. */
	sesssim_run(p.sim, NULL, NULL, 60 * SEC);
	assert_int_equal(ss->pmtu_probes, 4);
	p.biggest = 0;
	pm_burst(&p, 0);
	assert_true(sesssim_run(p.sim, pm_done, &p, 30 * SEC));
	assert_int_equal(p.got, BURST);
	assert_int_equal(p.bad, 0);
	assert_true(p.biggest <= SP_BASE_DGRAM);
	pm_close(&p);
}

/* The path stops carrying 4,096 bytes after the probe: the burst is
 * delivered all the same, in datagrams of 1,200 after the fall back. */
static void
test_pmtu_black_hole(void **state)
{
	struct pm		 p;
	const struct sess_stats	*ss;
	uint64_t		 probes;

	pm_open(&p, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	pm_path(&p, SESSSIM_S2C, SEC / 100, SP_BASE_DGRAM, 0);
	pm_burst(&p, 0);
	assert_true(sesssim_run(p.sim, pm_done, &p, 60 * SEC));
	assert_int_equal(p.lost, 0);
	assert_int_equal(p.got, BURST);
	assert_int_equal(p.bad, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	ss = sess_ep_stats(sesssim_server(p.sim));
	assert_int_equal(ss->pmtu_fallbacks, 1);
	/* The ladder again after the raise timer, in vain while the hole
	 * lasts; once the path carries 4,096 again, the size comes back. */
	probes = ss->pmtu_probes;
	sesssim_run(p.sim, NULL, NULL, 15 * SEC);
	assert_int_equal(ss->pmtu_probes, probes + 4);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	pm_path(&p, SESSSIM_S2C, SEC / 100, 0, 0);
	sesssim_run(p.sim, NULL, NULL, 60 * SEC);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	assert_int_equal(ss->pmtu_fallbacks, 1);
	assert_int_equal(p.lost, 0);
	pm_close(&p);
}

static int
pm_gotbig(void *arg)
{
	struct pm	*p = arg;

	return p->lost > 0 || p->gotbig > 0;
}

/* A black hole that one message of three fragments meets: its tail
 * loss probes send the fragments again one by one in small datagrams,
 * which get through where the large one did not; that is evidence
 * enough, and the session falls back. */
static void
test_pmtu_black_hole_one_message(void **state)
{
	struct pm		 p;
	const struct sess_stats	*ss;
	static uint8_t		 big[BIGLEN];

	pm_open(&p, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	pm_path(&p, SESSSIM_S2C, SEC / 100, SP_BASE_DGRAM, 0);
	assert_int_equal(sess_send(p.ss, big, sizeof big), 0);
	assert_true(sesssim_run(p.sim, pm_gotbig, &p, 60 * SEC));
	assert_int_equal(p.lost, 0);
	assert_int_equal(p.gotbig, 1);
	ss = sess_ep_stats(sesssim_server(p.sim));
	assert_int_equal(ss->pmtu_fallbacks, 1);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	pm_close(&p);
}

/* A client that moves: 1,200 bytes to its new address until it is
 * proven, then a probe of the new path raises the size again. */
static void
test_pmtu_roam(void **state)
{
	struct pm		 p;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint8_t			 ping[1] = { 0 };

	pm_open(&p, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	sesssim_addr(&ss, &sslen, 77, 4242);
	sesssim_roam(p.sim, (struct sockaddr *)&ss, sslen);
	assert_int_equal(sess_send(p.cs, ping, sizeof ping), 0);
	sesssim_run(p.sim, NULL, NULL, SEC / 50);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	sesssim_run(p.sim, NULL, NULL, 10 * SEC);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	assert_int_equal(p.lost, 0);
	pm_close(&p);
}

/* ACKs held up (as under load): tail loss probes fire while large
 * datagrams are in flight, but their fragments are acknowledged late,
 * so the path keeps its size. */
static void
test_pmtu_late_acks(void **state)
{
	struct pm		 p;
	const struct sess_stats	*ss;
	unsigned int		 round;

	pm_open(&p, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	ss = sess_ep_stats(sesssim_server(p.sim));
	/* ACKs held far beyond the RTT learnt. */
	pm_path(&p, SESSSIM_C2S, SEC / 3, 0, 0);
	for (round = 0; round < 5; round++) {
		p.got = 0;
		pm_burst(&p, 0);
		assert_true(sesssim_run(p.sim, pm_done, &p, 60 * SEC));
		assert_int_equal(p.got, BURST);
	}
	assert_true(ss->tail_probes > 0);
	assert_int_equal(p.lost, 0);
	assert_int_equal(ss->pmtu_fallbacks, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	pm_close(&p);
}

/* A client that steps to an address it is never proven at and back:
 * the return to the last validated address needs no proof and brings
 * no probe (a peer flipping between addresses must not make the server
 * send large datagrams at will); it is sent 1,200 bytes from then on. */
static void
test_pmtu_roam_back(void **state)
{
	struct pm		 p;
	struct sockaddr_storage	 home, away;
	socklen_t		 homelen, awaylen;
	const struct sockaddr	*ca;
	const struct sess_stats	*ss;
	uint8_t			 ping[1] = { 0 };
	uint64_t		 probes, validated;

	pm_open(&p, 0);
	assert_int_equal(sess_dgram_max(p.ss), SP_MAX_DGRAM);
	ss = sess_ep_stats(sesssim_server(p.sim));
	probes = ss->pmtu_probes;
	validated = ss->paths_validated;
	ca = sesssim_client_addr(p.sim, &homelen);
	memcpy(&home, ca, homelen);
	sesssim_addr(&away, &awaylen, 78, 4343);
	/* Away, where nothing from the server arrives: never proven. */
	pm_path(&p, SESSSIM_S2C, 0, 0, 1);
	sesssim_roam(p.sim, (struct sockaddr *)&away, awaylen);
	assert_int_equal(sess_send(p.cs, ping, sizeof ping), 0);
	sesssim_run(p.sim, NULL, NULL, SEC);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	/* Home again. */
	pm_path(&p, SESSSIM_S2C, SEC / 100, 0, 0);
	sesssim_roam(p.sim, (struct sockaddr *)&home, homelen);
	assert_int_equal(sess_send(p.cs, ping, sizeof ping), 0);
	sesssim_run(p.sim, NULL, NULL, 10 * SEC);
	assert_int_equal(ss->paths_validated, validated);
	assert_int_equal(ss->pmtu_probes, probes);
	assert_int_equal(sess_dgram_max(p.ss), SP_BASE_DGRAM);
	assert_int_equal(p.lost, 0);
	pm_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pmtu_loopback_like),
		cmocka_unit_test(test_pmtu_ethernet),
		cmocka_unit_test(test_pmtu_base_only),
		cmocka_unit_test(test_pmtu_black_hole),
		cmocka_unit_test(test_pmtu_black_hole_one_message),
		cmocka_unit_test(test_pmtu_roam),
		cmocka_unit_test(test_pmtu_late_acks),
		cmocka_unit_test(test_pmtu_roam_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
