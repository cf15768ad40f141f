/*
 * session_shared.c: one message queued on several sessions as a shared
 * block (sess_send_buf(), a group's fan-out) arrives byte-identical on
 * each, across loss, whole or in many fragments; every session lets go
 * of the block exactly once, when its copy is acknowledged or when the
 * session ends before that, and the memory it was charged is given
 * back.  Each session is one simulated pair (tests/support/sesssim.h);
 * the block is shared across them.  Leaks and double frees show in the
 * sanitizer build.
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

#define SEC		UINT64_C(1000000000)
#define NPAIR		4
#define MAXMSG		12

/* One pair: the server session sends, the client checks what arrives. */
struct pair {
	struct sesssim	*sim;
	struct sess	*cs, *ss;
	char		 dir[32], pins[64];
	/* What the client should receive, in order, and what it did. */
	const uint8_t	*want[MAXMSG];
	size_t		 wantlen[MAXMSG];
	unsigned int	 nwant, got, bad, lost;
	uint64_t	 mem0, alloc0;	/* the server's, before sending */
};

static void
srv_up(struct sess *s, void *arg)
{
	((struct pair *)arg)->ss = s;
}

static void
cli_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct pair	*p = arg;

	if (p->got >= p->nwant || len != p->wantlen[p->got] ||
	    memcmp(buf, p->want[p->got], len) != 0)
		p->bad++;
	p->got++;
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	((struct pair *)arg)->lost++;
}

static int
pair_up(void *arg)
{
	struct pair	*p = arg;

	return p->ss != NULL && sess_is_up(p->cs) && sess_is_up(p->ss);
}

/* Everything arrived and the server holds nothing unacknowledged. */
static int
pair_settled(void *arg)
{
	struct pair	*p = arg;

	return p->got >= p->nwant && sess_queued(p->ss) == 0;
}

/*
 * Start pair p with loss (a fraction) each way, up and quiet, and note
 * the server's memory before anything is sent.
 */
static void
pair_start(struct pair *p, unsigned int seed, double loss, size_t max_queue)
{
	struct impair_conf	 ic;
	struct sess_conf	 sc;
	struct sess_cb		 scb, ccb;
	const struct sess_stats	*st;

	memset(p, 0, sizeof *p);
	snprintf(p->dir, sizeof p->dir, "/tmp/sessshXXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->pins, sizeof p->pins, "%s/known", p->dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = seed;
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = SEC / 100;
	ic.dir[0].loss = ic.dir[1].loss = loss;
	sess_conf_default(&sc);
	if (max_queue != 0)
		sc.max_queue = max_queue;
	scb = (struct sess_cb){ srv_up, NULL, any_lost, p };
	ccb = (struct sess_cb){ NULL, cli_msg, any_lost, p };
	p->sim = sesssim_new(&ic, &sc, &scb, &ccb, NULL, NULL, p->pins);
	p->cs = sess_connect(sesssim_client(p->sim));
	assert_non_null(p->cs);
	assert_true(sesssim_run(p->sim, pair_up, p, 60 * SEC));
	sesssim_run(p->sim, NULL, NULL, SEC / 2);
	st = sess_ep_stats(sesssim_server(p->sim));
	p->mem0 = st->mem;
	p->alloc0 = st->alloc;
}

/* Expect the message buf of len next on p's client. */
static void
pair_expect(struct pair *p, const uint8_t *buf, size_t len)
{
	assert_true(p->nwant < MAXMSG);
	p->want[p->nwant] = buf;
	p->wantlen[p->nwant++] = len;
}

/* Run p until all arrived and were acknowledged; check what arrived. */
static void
pair_finish(struct pair *p)
{
	const struct sess_stats	*st;

	sess_ep_flush(sesssim_server(p->sim));
	assert_true(sesssim_run(p->sim, pair_settled, p, 600 * SEC));
	assert_int_equal(p->got, p->nwant);
	assert_int_equal(p->bad, 0);
	assert_int_equal(p->lost, 0);
	/* The memory the messages were charged is all given back. */
	st = sess_ep_stats(sesssim_server(p->sim));
	assert_int_equal(st->mem, p->mem0);
	assert_true(st->alloc <= p->alloc0 + 8192);
}

static void
pair_done(struct pair *p)
{
	sesssim_free(p->sim);
	unlink(p->pins);
	rmdir(p->dir);
}

/* Message bytes: a pattern that differs with the seed. */
static void
fill(uint8_t *buf, size_t len, unsigned int seed)
{
	size_t	j;

	for (j = 0; j < len; j++)
		buf[j] = (uint8_t)(j * 13 + (j >> 8) + seed * 101);
}

/*
 * A group message's shape: one block of about 110 bytes for four
 * sessions, two of them lossy, between messages of their own; each
 * session lets go of it as its copy is acknowledged, and the last one
 * frees a block whose creator has already let go.
 */
static void
test_shared_fanout(void **state)
{
	struct pair	 p[NPAIR];
	struct sess_buf	*kept, *given;
	uint8_t		 a[110], b[97], own[NPAIR][40];
	unsigned int	 i;

	fill(a, sizeof a, 1);
	fill(b, sizeof b, 2);
	for (i = 0; i < NPAIR; i++)
		pair_start(&p[i], 100 + i, i % 2 ? 0.25 : 0, 0);
	kept = sess_buf_new(a, sizeof a);
	given = sess_buf_new(b, sizeof b);
	assert_int_equal(sess_buf_refs(kept), 1);
	for (i = 0; i < NPAIR; i++) {
		fill(own[i], sizeof own[i], 10 + i);
		assert_int_equal(sess_send_buf(p[i].ss, kept), 0);
		assert_int_equal(sess_send(p[i].ss, own[i], sizeof own[i]), 0);
		assert_int_equal(sess_send_buf(p[i].ss, given), 0);
		pair_expect(&p[i], a, sizeof a);
		pair_expect(&p[i], own[i], sizeof own[i]);
		pair_expect(&p[i], b, sizeof b);
		/* Queued, each session is charged the whole message. */
		assert_int_equal(sess_queued(p[i].ss),
		    sizeof a + sizeof b + sizeof own[i]);
	}
	assert_int_equal(sess_buf_refs(kept), 1 + NPAIR);
	assert_int_equal(sess_buf_refs(given), 1 + NPAIR);
	sess_buf_unref(given);
	for (i = 0; i < NPAIR; i++) {
		pair_finish(&p[i]);
		/* This session's reference is gone, and only it. */
		assert_int_equal(sess_buf_refs(kept), NPAIR - i);
	}
	sess_buf_unref(kept);
	for (i = 0; i < NPAIR; i++)
		pair_done(&p[i]);
}

/*
 * Messages longer than a fragment, shared: 5,000 bytes and the largest,
 * 64 KiB, over three sessions, one of them lossy, arrive whole on each.
 */
static void
test_shared_fragments(void **state)
{
	static uint8_t	 big[65536];
	struct pair	 p[3];
	struct sess_buf	*b5, *b64;
	uint8_t		 mid[5000];
	unsigned int	 i;

	fill(mid, sizeof mid, 3);
	fill(big, sizeof big, 4);
	for (i = 0; i < 3; i++)
		pair_start(&p[i], 200 + i, i == 1 ? 0.2 : 0, 0);
	b5 = sess_buf_new(mid, sizeof mid);
	b64 = sess_buf_new(big, sizeof big);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sess_send_buf(p[i].ss, b5), 0);
		assert_int_equal(sess_send_buf(p[i].ss, b64), 0);
		assert_int_equal(sess_send_buf(p[i].ss, b5), 0);
		pair_expect(&p[i], mid, sizeof mid);
		pair_expect(&p[i], big, sizeof big);
		pair_expect(&p[i], mid, sizeof mid);
	}
	for (i = 0; i < 3; i++)
		pair_finish(&p[i]);
	assert_int_equal(sess_buf_refs(b5), 1);
	assert_int_equal(sess_buf_refs(b64), 1);
	sess_buf_unref(b5);
	sess_buf_unref(b64);
	for (i = 0; i < 3; i++)
		pair_done(&p[i]);
}

/*
 * Sessions that end with the block still queued and in flight (the
 * path is cut off) let go of it exactly once: one
 * closed, one lost to silence, one freed with its endpoint.
 */
static void
test_shared_teardown(void **state)
{
	static uint8_t	 big[65536];
	struct pair	 p[3];
	struct sess_buf	*b;
	struct impair_dir gone;
	unsigned int	 i, k;

	fill(big, sizeof big, 5);
	for (i = 0; i < 3; i++)
		pair_start(&p[i], 300 + i, 0, 0);
	b = sess_buf_new(big, sizeof big);
	for (i = 0; i < 3; i++) {
		/* From now on the path is gone both ways. */
		memset(&gone, 0, sizeof gone);
		gone.blackhole = 1;
		impair_set(sesssim_impair(p[i].sim), SESSSIM_C2S, &gone);
		impair_set(sesssim_impair(p[i].sim), SESSSIM_S2C, &gone);
		for (k = 0; k < 4; k++)
			assert_int_equal(sess_send_buf(p[i].ss, b), 0);
	}
	/* Fragments go out and are lost: some queued, some in flight. */
	for (i = 0; i < 3; i++) {
		sess_ep_flush(sesssim_server(p[i].sim));
		sesssim_run(p[i].sim, NULL, NULL, SEC / 10);
		assert_true(sess_queued(p[i].ss) == 4 * sizeof big);
	}
	/* Queued, not yet cut to its last piece: each piece is a copy. */
	assert_true(sess_buf_refs(b) > 1);

	/* Closed by the application. */
	sess_close(p[0].ss);
	sesssim_run(p[0].sim, NULL, NULL, SEC / 10);
	assert_int_equal(sess_ep_stats(sesssim_server(p[0].sim))->mem,
	    p[0].mem0);
	/* Lost: the dead time passes without a word from the client. */
	sesssim_run(p[1].sim, NULL, NULL, 200 * SEC);
	assert_true(p[1].lost > 0);
	assert_int_equal(sess_ep_stats(sesssim_server(p[1].sim))->mem,
	    p[1].mem0);
	/* Both gone: only the third session and the creator hold it. */
	assert_true(sess_buf_refs(b) > 1);
	pair_done(&p[0]);
	pair_done(&p[1]);
	/* The creator lets go first; the endpoint's end frees the block. */
	sess_buf_unref(b);
	pair_done(&p[2]);
}

/*
 * A piece of a longer message does not hold the message's block: it is
 * a copy, charged as one, so a session whose peer leaves one piece
 * unacknowledged holds (and is charged for) that piece, not the whole
 * block.  Five pieces of a 5,000-byte message cut and lost on a dead
 * path: the queue has let go of the block, only its creator holds it,
 * and the session is charged for every byte it still holds.
 */
static void
test_shared_pieces_are_copies(void **state)
{
	static uint8_t		 msg[5000];
	struct pair		 p;
	struct sess_buf		*b;
	struct impair_dir	 gone;
	const struct sess_stats	*st;

	fill(msg, sizeof msg, 7);
	pair_start(&p, 500, 0, 0);
	memset(&gone, 0, sizeof gone);
	gone.blackhole = 1;
	impair_set(sesssim_impair(p.sim), SESSSIM_C2S, &gone);
	impair_set(sesssim_impair(p.sim), SESSSIM_S2C, &gone);
	b = sess_buf_new(msg, sizeof msg);
	assert_int_equal(sess_send_buf(p.ss, b), 0);
	sess_ep_flush(sesssim_server(p.sim));
	sesssim_run(p.sim, NULL, NULL, SEC / 10);
	assert_int_equal(sess_queued(p.ss), sizeof msg);
	assert_int_equal(sess_buf_refs(b), 1);
	sess_buf_unref(b);
	st = sess_ep_stats(sesssim_server(p.sim));
	assert_true(st->alloc - p.alloc0 >= sizeof msg);
	pair_done(&p);
}

/*
 * Shared or not, a message counts in full against each session's queue
 * limit: max_queue of ten messages takes ten references, and the
 * eleventh is refused with ENOBUFS, taking none.
 */
static void
test_shared_queue_limit(void **state)
{
	struct pair	 p;
	struct sess_buf	*b;
	uint8_t		 msg[500];
	unsigned int	 n;

	fill(msg, sizeof msg, 6);
	pair_start(&p, 400, 0, 10 * sizeof msg);
	b = sess_buf_new(msg, sizeof msg);
	for (n = 0; n < 10; n++)
		assert_int_equal(sess_send_buf(p.ss, b), 0);
	errno = 0;
	assert_int_equal(sess_send_buf(p.ss, b), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(sess_buf_refs(b), 11);
	for (n = 0; n < 10; n++)
		pair_expect(&p, msg, sizeof msg);
	sess_buf_unref(b);
	pair_finish(&p);
	pair_done(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_fanout),
		cmocka_unit_test(test_shared_fragments),
		cmocka_unit_test(test_shared_pieces_are_copies),
		cmocka_unit_test(test_shared_teardown),
		cmocka_unit_test(test_shared_queue_limit),
	};

	log_init("session_shared", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
