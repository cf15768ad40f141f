/*
 * session_roam.c: a client whose address changes in mid-transfer (a NAT
 * rebinding, Wi-Fi to mobile) keeps its session: nothing is lost either
 * way, and the server follows the newest authenticated address.
 */
#include <sys/socket.h>

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
#define NMSG	600

struct roam {
	struct sesssim	*sim;
	struct sess	*cs, *ss;
	unsigned int	 up_sent, up_got, down_sent, down_got, bad;
	int		 lost;
	unsigned int	 stop_at;	/* pause when up_got reaches this */
};

static void
srv_up(struct sess *s, void *arg)
{
	((struct roam *)arg)->ss = s;
}

/* Messages carry their index; check order and contents. */
static void
check(struct roam *r, unsigned int *got, const uint8_t *b, size_t n)
{
	unsigned int	i;

	if (n != 1 + *got % 2000 || b[0] != (uint8_t)*got)
		r->bad++;
	for (i = 1; i < n; i++)
		if (b[i] != (uint8_t)(*got + i))
			r->bad++;
	(*got)++;
}

static void
srv_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	struct roam	*r = arg;

	check(r, &r->up_got, b, n);
}

static void
cli_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	struct roam	*r = arg;

	check(r, &r->down_got, b, n);
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	((struct roam *)arg)->lost++;
}

static void
pump(struct sess *s, unsigned int *sent)
{
	uint8_t		b[2000];
	size_t		n, i;

	while (s != NULL && *sent < NMSG) {
		n = 1 + *sent % 2000;
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)(*sent + i);
		if (sess_send(s, b, n) == -1)
			break;
		(*sent)++;
	}
}

static int
roam_done(void *arg)
{
	struct roam	*r = arg;

	pump(r->cs, &r->up_sent);
	pump(r->ss, &r->down_sent);
	return r->lost || r->up_got >= r->stop_at;
}

static void
test_roaming_client_keeps_session(void **state)
{
	struct roam		 r;
	struct impair_conf	 ic;
	struct sess_cb		 scb, ccb;
	struct sockaddr_storage	 moved, old;
	socklen_t		 movedlen, oldlen, plen;
	const struct sockaddr	*peer;
	const struct sess_stats	*st;
	uint64_t		 to_old;
	char			 dir[] = "/tmp/sessroamXXXXXX", pins[64];
	int			 d;

	memset(&r, 0, sizeof r);
	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/known", dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = 99;
	for (d = 0; d < IMPAIR_DIRS; d++) {
		ic.dir[d].loss = 0.05;
		ic.dir[d].delay_ns = SEC / 40;
		ic.dir[d].jitter_ns = SEC / 500;
	}
	scb = (struct sess_cb){ srv_up, srv_msg, any_lost, &r };
	ccb = (struct sess_cb){ NULL, cli_msg, any_lost, &r };
	r.sim = sesssim_new(&ic, NULL, &scb, &ccb, NULL, NULL, pins);
	r.cs = sess_connect(sesssim_client(r.sim));
	st = sess_ep_stats(sesssim_server(r.sim));

	/* Half the traffic from the first address. */
	r.stop_at = NMSG / 2;
	assert_true(sesssim_run(r.sim, roam_done, &r, 600 * SEC));
	assert_int_equal(r.lost, 0);
	memcpy(&old, sesssim_client_addr(r.sim, &oldlen), sizeof old);
	peer = sess_peer(r.ss, &plen);
	assert_memory_equal(peer, &old, oldlen);

	/* The client moves; the rest of the traffic must still arrive. */
	sesssim_addr(&moved, &movedlen, 3, 50000);
	sesssim_roam(r.sim, (struct sockaddr *)&moved, movedlen);
	r.stop_at = NMSG;
	assert_true(sesssim_run(r.sim, roam_done, &r, 600 * SEC));
	while (r.down_got < NMSG && !r.lost)
		assert_true(sesssim_step(r.sim));
	assert_int_equal(r.lost, 0);
	assert_int_equal(r.up_got, NMSG);
	assert_int_equal(r.down_got, NMSG);
	assert_int_equal(r.bad, 0);

	/* The server follows the new address and leaves the old one. */
	peer = sess_peer(r.ss, &plen);
	assert_int_equal(plen, movedlen);
	assert_memory_equal(peer, &moved, movedlen);
	assert_true(st->roams >= 1);
	assert_true(st->paths_validated >= 1);
	to_old = sesssim_sent_to(r.sim, (struct sockaddr *)&old);
	assert_int_equal(sess_send(r.ss, "after", 5), 0);
	sesssim_run(r.sim, NULL, NULL, 5 * SEC);
	assert_int_equal(sesssim_sent_to(r.sim, (struct sockaddr *)&old),
	    to_old);
	assert_int_equal(r.down_got, NMSG + 1);
	assert_true(sess_is_up(r.cs) && sess_is_up(r.ss));
	sesssim_free(r.sim);
	unlink(pins);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roaming_client_keeps_session),
	};

	log_init("session_roam", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
