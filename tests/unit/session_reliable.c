/*
 * session_reliable.c: 10,000 messages of mixed sizes each way across 20%
 * loss in each direction, 5% duplication, reordering and 1% corruption
 * arrive exactly once, in order and byte-identical.  The network and the
 * clock are simulated (tests/support/sesssim.h), so the test takes seconds, not the
 * virtual minutes it covers, and is the same on every run.  And an ACK
 * the path loses is made good by the next data the other way; the
 * handshake's round trip lets the first message's loss be probed early.
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
#include "base/log.h"
#include "sess/session.h"
#include "tests/support/sesssim.h"

#define NMSG		10000
#define SEC		UINT64_C(1000000000)

/* One direction's traffic: what was sent and what arrived. */
struct flow {
	unsigned int	sent;		/* messages queued */
	unsigned int	got;		/* messages delivered */
	unsigned int	bad;		/* delivered out of order or damaged */
	uint64_t	bytes;
};

struct reliable {
	struct sesssim	*sim;
	struct sess	*cs, *ss;	/* client and server session */
	struct flow	 up, down;	/* client to server, server to client */
	int		 lost;
};

/* The length of message i: a mix from 1 byte to 64 KiB. */
static size_t
msg_len(unsigned int i)
{
	uint64_t	h = (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15);

	h ^= h >> 29;
	if (i == 0)
		return 1;
	if (i == 1)
		return 65536;
	if (i % 97 == 0)
		return 1 + h % 65536;		/* about 1% up to 64 KiB */
	if (i % 11 == 0)
		return 1 + h % 4096;
	return 1 + h % 300;
}

/* Byte j of message i in direction d. */
static uint8_t
msg_byte(int d, unsigned int i, size_t j)
{
	return (uint8_t)(i * 31 + j * 7 + (j >> 8) + (unsigned int)d * 101);
}

/* Fill buf with message i of direction d. */
static size_t
msg_make(int d, unsigned int i, uint8_t *buf)
{
	size_t	n = msg_len(i), j;

	for (j = 0; j < n; j++)
		buf[j] = msg_byte(d, i, j);
	return n;
}

/* Check a delivered message against the next one expected. */
static void
flow_check(struct flow *f, int d, const uint8_t *buf, size_t len)
{
	size_t	j;

	if (f->got >= NMSG || len != msg_len(f->got)) {
		f->bad++;
		f->got++;
		return;
	}
	for (j = 0; j < len; j++)
		if (buf[j] != msg_byte(d, f->got, j)) {
			f->bad++;
			break;
		}
	f->bytes += len;
	f->got++;
}

static void
srv_up(struct sess *s, void *arg)
{
	((struct reliable *)arg)->ss = s;
}

static void
srv_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	flow_check(&((struct reliable *)arg)->up, 0, buf, len);
}

static void
cli_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	flow_check(&((struct reliable *)arg)->down, 1, buf, len);
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	((struct reliable *)arg)->lost++;
}

/* Queue as many messages as the session takes. */
static void
flow_pump(struct flow *f, int d, struct sess *s)
{
	static uint8_t	buf[65536];
	size_t		n;

	while (s != NULL && sess_is_up(s) && f->sent < NMSG) {
		n = msg_make(d, f->sent, buf);
		if (sess_send(s, buf, n) == -1)
			break;
		f->sent++;
	}
}

/* Keep both directions fed; done when everything arrived. */
static int
reliable_done(void *arg)
{
	struct reliable	*r = arg;

	if (r->lost)
		return 1;
	flow_pump(&r->up, 0, r->cs);
	flow_pump(&r->down, 1, r->ss);
	return r->up.got >= NMSG && r->down.got >= NMSG;
}

static void
test_reliable_impaired(void **state)
{
	struct reliable		 r;
	struct impair_conf	 ic;
	struct sess_cb		 scb, ccb;
	struct sess_conf	 sc;
	const struct sess_stats	*ss, *cs;
	char			 dir[] = "/tmp/sessrelXXXXXX", pins[64];
	int			 d;

	memset(&r, 0, sizeof r);
	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/known", dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = 20260101;
	for (d = 0; d < IMPAIR_DIRS; d++) {
		ic.dir[d].loss = 0.20;
		ic.dir[d].dup = 0.05;
		ic.dir[d].reorder = 0.10;
		ic.dir[d].reorder_ns = SEC / 20;
		ic.dir[d].corrupt = 0.01;
		ic.dir[d].delay_ns = SEC / 50;
		ic.dir[d].jitter_ns = SEC / 200;
	}
	sess_conf_default(&sc);
	/* Exercise the key ratchet many times over. */
	sc.rekey_packets = 5000;
	scb = (struct sess_cb){ srv_up, srv_msg, any_lost, &r };
	ccb = (struct sess_cb){ NULL, cli_msg, any_lost, &r };
	r.sim = sesssim_new(&ic, &sc, &scb, &ccb, NULL, NULL, pins);
	r.cs = sess_connect(sesssim_client(r.sim));
	assert_non_null(r.cs);

	/* Bounded (virtual) time: an hour is far more than needed. */
	assert_true(sesssim_run(r.sim, reliable_done, &r, 3600 * SEC));
	assert_int_equal(r.lost, 0);
	assert_int_equal(r.up.got, NMSG);
	assert_int_equal(r.up.bad, 0);
	assert_int_equal(r.down.got, NMSG);
	assert_int_equal(r.down.bad, 0);

	/* Exactly once: nothing more turns up once the line settles. */
	sesssim_run(r.sim, NULL, NULL, 30 * SEC);
	assert_int_equal(r.up.got, NMSG);
	assert_int_equal(r.down.got, NMSG);
	assert_int_equal(r.lost, 0);

	/* The impairments really happened and were survived. */
	ss = sess_ep_stats(sesssim_server(r.sim));
	cs = sess_ep_stats(sesssim_client(r.sim));
	assert_true(impair_stats(sesssim_impair(r.sim), 0)->dropped > 0);
	assert_true(impair_stats(sesssim_impair(r.sim), 1)->corrupted > 0);
	assert_true(ss->rx_forged > 0 && cs->rx_forged > 0);
	assert_true(ss->rx_replayed + ss->rx_dup_frags > 0);
	assert_true(ss->retransmits > 0 && cs->retransmits > 0);
	assert_true(ss->rekeys > 0 && cs->rekeys > 0);
	assert_int_equal(sess_queued(r.cs), 0);
	assert_int_equal(sess_queued(r.ss), 0);
	fprintf(stderr, "# virtual time %.1f s; up %llu bytes, down %llu; "
	    "timeouts %llu+%llu, fast %llu+%llu, retransmits %llu+%llu, forged %llu+%llu, rekeys %llu+%llu\n",
	    (double)sesssim_now(r.sim) / 1e9,
	    (unsigned long long)r.up.bytes, (unsigned long long)r.down.bytes,
	    (unsigned long long)cs->timeouts, (unsigned long long)ss->timeouts,
	    (unsigned long long)cs->fast_retransmits, (unsigned long long)ss->fast_retransmits,
	    (unsigned long long)cs->retransmits,
	    (unsigned long long)ss->retransmits,
	    (unsigned long long)cs->rx_forged,
	    (unsigned long long)ss->rx_forged,
	    (unsigned long long)cs->rekeys, (unsigned long long)ss->rekeys);
	sesssim_free(r.sim);
	unlink(pins);
	rmdir(dir);
}

/*
 * A simulated server and client on a clean path of delay_ns each way,
 * with the pins in a new folder dir (a mkdtemp template), for the tests
 * below; sim_done() removes it.
 */
static struct sesssim *
sim_pair(char *dir, char *pins, size_t pinslen, uint64_t delay_ns,
    const struct sess_cb *scb, const struct sess_cb *ccb)
{
	struct impair_conf	ic;
	struct sess_conf	sc;

	assert_non_null(mkdtemp(dir));
	snprintf(pins, pinslen, "%s/known", dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = 1;
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = delay_ns;
	sess_conf_default(&sc);
	return sesssim_new(&ic, &sc, scb, ccb, NULL, NULL, pins);
}

static void
sim_done(struct sesssim *sim, const char *dir, const char *pins)
{
	sesssim_free(sim);
	unlink(pins);
	rmdir(dir);
}

/*
 * A lost ACK is repaired by the next data going the same way.  The
 * client sends a request; the server's ACK of it is lost; the server then
 * answers.  The answer must acknowledge the request, or the client holds
 * it until its retransmission timer (whose backoff, and the late RTT
 * sample the ACK finally gives, slow everything after it: a lossy group
 * member once waited minutes).
 */
struct lostack {
	struct sesssim	*sim;
	struct sess	*cs, *ss;
	int		 got_req, ack_lost, answered, got_answer;
	size_t		 queued_at_answer;
};

static void
la_srv_up(struct sess *s, void *arg)
{
	((struct lostack *)arg)->ss = s;
}

static void
la_srv_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct lostack		*la = arg;
	struct impair_dir	 gone = { .blackhole = 1 };

	/* What the server sends next (its ACK) is lost. */
	if (len == 5 && memcmp(buf, "hello", 5) == 0 && !la->got_req) {
		la->got_req = 1;
		impair_set(sesssim_impair(la->sim), SESSSIM_S2C, &gone);
	}
}

static void
la_tap(void *arg, int dir, const uint8_t *b, size_t n,
    const struct sockaddr *to, socklen_t tolen)
{
	struct lostack	*la = arg;

	if (dir == SESSSIM_S2C && la->got_req && !la->answered)
		la->ack_lost++;
}

static void
la_cli_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct lostack	*la = arg;

	if (len == 6 && memcmp(buf, "answer", 6) == 0) {
		la->got_answer = 1;
		la->queued_at_answer = sess_queued(s);
	}
}

static int
la_step(void *arg)
{
	struct lostack		*la = arg;
	struct impair_dir	 clear = { 0 };

	if (la->ack_lost > 0 && !la->answered) {
		/* The ACK went (and was lost): the path mends, the
		 * server answers. */
		impair_set(sesssim_impair(la->sim), SESSSIM_S2C, &clear);
		assert_int_equal(sess_send(la->ss,
		    (const uint8_t *)"answer", 6), 0);
		sess_ep_flush(sesssim_server(la->sim));
		la->answered = 1;
	}
	return la->got_answer;
}

static int
la_up(void *arg)
{
	struct lostack	*la = arg;

	return la->ss != NULL && sess_is_up(la->cs);
}

static void
test_lost_ack_repaired_by_data(void **state)
{
	struct lostack		 la;
	struct sess_cb		 scb, ccb;
	uint64_t		 t0;
	char			 dir[] = "/tmp/sesslaXXXXXX", pins[64];

	memset(&la, 0, sizeof la);
	scb = (struct sess_cb){ la_srv_up, la_srv_msg, NULL, &la };
	ccb = (struct sess_cb){ NULL, la_cli_msg, NULL, &la };
	la.sim = sim_pair(dir, pins, sizeof pins, SEC / 10000, &scb, &ccb);
	sesssim_tap(la.sim, la_tap, &la);
	la.cs = sess_connect(sesssim_client(la.sim));
	assert_non_null(la.cs);
	assert_true(sesssim_run(la.sim, la_up, &la, 10 * SEC));

	t0 = sesssim_now(la.sim);
	assert_int_equal(sess_send(la.cs, (const uint8_t *)"hello", 5), 0);
	sess_ep_flush(sesssim_client(la.sim));
	assert_true(sesssim_run(la.sim, la_step, &la, 10 * SEC));
	assert_true(la.ack_lost > 0);
	/* The answer acknowledged the request: nothing left to resend,
	 * and no timer was needed. */
	assert_int_equal(la.queued_at_answer, 0);
	assert_int_equal(sess_ep_stats(sesssim_client(la.sim))->retransmits,
	    0);
	assert_true(sesssim_now(la.sim) - t0 < SEC / 100);
	sim_done(la.sim, dir, pins);
}

/*
 * The handshake's round trip is the first RTT sample: a first message
 * whose datagram is lost is resent by the tail loss probe, a few round
 * trips later, not by the initial 1 s RTO (or its doublings, if the
 * resends are lost too).  Virtual time, so the figure is exact.
 */
struct firstloss {
	struct sesssim	*sim;
	struct sess	*cs;
	int		 drop, dropped;
	uint64_t	 got_at;
};

static void
fl_tap(void *arg, int dir, const uint8_t *b, size_t n,
    const struct sockaddr *to, socklen_t tolen)
{
	struct firstloss	*fl = arg;
	struct impair_dir	 gone = { .blackhole = 1 };
	struct impair_dir	 clear = { .delay_ns = SEC / 100 };

	if (dir != SESSSIM_C2S)
		return;
	if (fl->drop && !fl->dropped) {
		impair_set(sesssim_impair(fl->sim), SESSSIM_C2S, &gone);
		fl->dropped = 1;
	} else if (fl->dropped)
		impair_set(sesssim_impair(fl->sim), SESSSIM_C2S, &clear);
}

static void
fl_srv_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct firstloss	*fl = arg;

	if (fl->got_at == 0)
		fl->got_at = sesssim_now(fl->sim);
}

static int
fl_got(void *arg)
{
	return ((struct firstloss *)arg)->got_at != 0;
}

static int
fl_up(void *arg)
{
	struct firstloss	*fl = arg;

	return sess_is_up(fl->cs) &&
	    sess_ep_stats(sesssim_server(fl->sim))->sessions_up > 0;
}

static void
test_first_loss_probed(void **state)
{
	struct firstloss	 fl;
	struct sess_cb		 scb, ccb;
	uint64_t		 t0;
	char			 dir[] = "/tmp/sessflXXXXXX", pins[64];

	memset(&fl, 0, sizeof fl);
	scb = (struct sess_cb){ NULL, fl_srv_msg, NULL, &fl };
	ccb = (struct sess_cb){ NULL, NULL, NULL, &fl };
	/* 10 ms each way. */
	fl.sim = sim_pair(dir, pins, sizeof pins, SEC / 100, &scb, &ccb);
	sesssim_tap(fl.sim, fl_tap, &fl);
	fl.cs = sess_connect(sesssim_client(fl.sim));
	assert_non_null(fl.cs);
	assert_true(sesssim_run(fl.sim, fl_up, &fl, 10 * SEC));
	/* Settle: the client's confirming PING and the server's ACK. */
	sesssim_run(fl.sim, NULL, NULL, SEC / 10);

	fl.drop = 1;
	t0 = sesssim_now(fl.sim);
	assert_int_equal(sess_send(fl.cs, (const uint8_t *)"first", 5), 0);
	sess_ep_flush(sesssim_client(fl.sim));
	assert_true(sesssim_run(fl.sim, fl_got, &fl, 10 * SEC));
	assert_int_equal(fl.dropped, 1);
	/* A probe after 2 SRTT + 4 RTTVAR of the 20 ms round trip (about
	 * 80 ms) and the 10 ms to arrive; not the 1 s RTO. */
	assert_true(fl.got_at - t0 < SEC / 5);
	sim_done(fl.sim, dir, pins);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reliable_impaired),
		cmocka_unit_test(test_lost_ack_repaired_by_data),
		cmocka_unit_test(test_first_loss_probed),
	};

	log_init("session_reliable", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
