/*
 * session_handshake.c: the handshake completes on bad networks (loss,
 * corruption, duplication of any of its packets), gives up cleanly when
 * the server is unreachable, and a half-open server session whose client
 * vanished is freed without ever being reported up.
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
#include <sodium.h>

#include "tests/support/impair.h"
#include "base/log.h"
#include "sess/session.h"
#include "sess/sessproto.h"
#include "tests/support/sesssim.h"

#define SEC	UINT64_C(1000000000)

struct hs {
	struct sess		*cs, *ss;
	int			 cli_up, srv_up, cli_lost, srv_lost;
	enum sess_reason	 cli_why;
	int			 cli_got, srv_got;
};

static void
srv_up(struct sess *s, void *arg)
{
	struct hs	*h = arg;

	h->ss = s;
	h->srv_up++;
	assert_int_equal(sess_send(s, "hello client", 12), 0);
}

static void
cli_up(struct sess *s, void *arg)
{
	struct hs	*h = arg;

	h->cli_up++;
	assert_int_equal(sess_send(s, "hello server", 12), 0);
}

static void
srv_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	((struct hs *)arg)->srv_got++;
}

static void
cli_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	((struct hs *)arg)->cli_got++;
}

static void
srv_lost(struct sess *s, enum sess_reason why, void *arg)
{
	((struct hs *)arg)->srv_lost++;
}

static void
cli_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct hs	*h = arg;

	h->cli_lost++;
	h->cli_why = why;
}

static int
exchanged(void *arg)
{
	struct hs	*h = arg;

	return h->cli_lost || (h->srv_got == 1 && h->cli_got == 1);
}

/* A fresh pair across the given impairment, connecting. */
static struct sesssim *
pair(struct hs *h, const struct impair_conf *ic, char *dir, char *pins,
    size_t pinslen)
{
	struct sess_cb	scb, ccb;
	struct sesssim	*sim;

	memset(h, 0, sizeof *h);
	scb = (struct sess_cb){ srv_up, srv_msg, srv_lost, h };
	ccb = (struct sess_cb){ cli_up, cli_msg, cli_lost, h };
	snprintf(pins, pinslen, "%s/known", dir);
	sim = sesssim_new(ic, NULL, &scb, &ccb, NULL, NULL, pins);
	h->cs = sess_connect(sesssim_client(sim));
	assert_non_null(h->cs);
	return sim;
}

static void
test_handshake_survives_bad_network(void **state)
{
	struct impair_conf	 ic;
	struct sesssim		*sim;
	struct hs		 h;
	char			 dir[] = "/tmp/sesshsXXXXXX", pins[64];
	unsigned int		 seed;
	int			 d;

	assert_non_null(mkdtemp(dir));
	for (seed = 1; seed <= 200; seed++) {
		memset(&ic, 0, sizeof ic);
		ic.seed = seed;
		for (d = 0; d < IMPAIR_DIRS; d++) {
			ic.dir[d].loss = 0.2;
			ic.dir[d].dup = 0.05;
			ic.dir[d].corrupt = 0.05;
			ic.dir[d].reorder = 0.1;
			ic.dir[d].reorder_ns = SEC / 10;
			ic.dir[d].delay_ns = SEC / 20;
		}
		sim = pair(&h, &ic, dir, pins, sizeof pins);
		assert_true(sesssim_run(sim, exchanged, &h, 600 * SEC));
		if (h.cli_lost)
			fail_msg("seed %u: handshake failed (reason %d)", seed,
			    h.cli_why);
		assert_int_equal(h.cli_up, 1);
		assert_int_equal(h.srv_up, 1);
		assert_int_equal(h.srv_got, 1);
		assert_int_equal(h.cli_got, 1);
		assert_int_equal(sess_ep_stats(sesssim_server(sim))->sessions,
		    1);
		sesssim_free(sim);
		/* Each server has a new key: start each pin file afresh. */
		unlink(pins);
	}
	rmdir(dir);
}

static void
test_handshake_gives_up(void **state)
{
	struct impair_conf	 ic;
	struct sesssim		*sim;
	struct hs		 h;
	struct sess_conf	 sc;
	char			 dir[] = "/tmp/sesshsXXXXXX", pins[64];

	assert_non_null(mkdtemp(dir));
	sess_conf_default(&sc);
	memset(&ic, 0, sizeof ic);
	ic.dir[SESSSIM_C2S].blackhole = 1;
	sim = pair(&h, &ic, dir, pins, sizeof pins);
	sesssim_run(sim, NULL, NULL, 600 * SEC);
	assert_int_equal(h.cli_lost, 1);
	assert_int_equal(h.cli_why, SESS_HANDSHAKE_TIMEOUT);
	assert_true(sesssim_now(sim) >= (uint64_t)sc.handshake_ms * 1000000);
	assert_int_equal(h.cli_up, 0);
	assert_int_equal(sess_ep_stats(sesssim_client(sim))->sessions, 0);
	sesssim_free(sim);
	unlink(pins);
	rmdir(dir);
}

/* Lose every server datagram from the first ACCEPT on. */
static void
drop_accepts(void *arg, int dir, const uint8_t *b, size_t n,
    const struct sockaddr *to, socklen_t tolen)
{
	struct impair_dir	gone = { .blackhole = 1 };

	if (dir == SESSSIM_S2C && n > 0 && b[0] == SP_T_ACCEPT)
		impair_set(arg, SESSSIM_S2C, &gone);
}

static int
srv_has_session(void *arg)
{
	return sess_ep_stats(arg)->sessions > 0;
}

static void
test_half_open_freed(void **state)
{
	struct impair_conf	 ic;
	struct sesssim		*sim;
	struct hs		 h;
	const struct sess_stats	*st;
	char			 dir[] = "/tmp/sesshsXXXXXX", pins[64];

	/* The server's ACCEPTs never arrive: it holds a half-open session
	 * (the address was validated by the cookie) until it expires. */
	assert_non_null(mkdtemp(dir));
	memset(&ic, 0, sizeof ic);
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = SEC / 100;
	sim = pair(&h, &ic, dir, pins, sizeof pins);
	sesssim_tap(sim, drop_accepts, sesssim_impair(sim));
	st = sess_ep_stats(sesssim_server(sim));
	assert_true(sesssim_run(sim, srv_has_session, sesssim_server(sim),
	    10 * SEC));
	/* Then everything ends by itself, on both sides. */
	while (sesssim_step(sim))
		;
	assert_int_equal(st->sessions, 0);
	assert_int_equal(st->sessions_up, 0);
	assert_int_equal(h.srv_up, 0);
	assert_int_equal(h.srv_lost, 0);
	assert_int_equal(h.cli_lost, 1);
	assert_int_equal(h.cli_why, SESS_HANDSHAKE_TIMEOUT);
	sesssim_free(sim);
	unlink(pins);
	rmdir(dir);
}

/*
 * The AEAD: AES-256-GCM only when both ends allow it (and the CPU has AES
 * instructions), else XChaCha20-Poly1305; either way both ends agree and
 * messages pass.
 */
static void
test_aead_negotiated(void **state)
{
	struct impair_conf	 ic;
	struct sess_conf	 sc, cc;
	struct sess_cb		 scb, ccb;
	struct sesssim		*sim;
	struct hs		 h;
	char			 dir[] = "/tmp/sesshsXXXXXX", pins[64];
	const char		*want;
	int			 srv, cli;

	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/known", dir);
	for (srv = 0; srv < 2; srv++)
		for (cli = 0; cli < 2; cli++) {
			memset(&h, 0, sizeof h);
			sess_conf_default(&sc);
			sess_conf_default(&cc);
			sc.aes_gcm = srv;
			cc.aes_gcm = cli;
			scb = (struct sess_cb){ srv_up, srv_msg, srv_lost, &h };
			ccb = (struct sess_cb){ cli_up, cli_msg, cli_lost, &h };
			memset(&ic, 0, sizeof ic);
			sim = sesssim_new2(&ic, &sc, &cc, &scb, &ccb, NULL,
			    NULL, pins);
			h.cs = sess_connect(sesssim_client(sim));
			assert_non_null(h.cs);
			assert_true(sesssim_run(sim, exchanged, &h,
			    10 * SEC));
			assert_int_equal(h.cli_lost, 0);
			want = srv && cli && crypto_aead_aes256gcm_is_available()
			    ? "AES-256-GCM" : "XChaCha20-Poly1305";
			assert_string_equal(sess_aead(h.cs), want);
			assert_string_equal(sess_aead(h.ss), want);
			sesssim_free(sim);
			unlink(pins);
		}
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_survives_bad_network),
		cmocka_unit_test(test_handshake_gives_up),
		cmocka_unit_test(test_half_open_freed),
		cmocka_unit_test(test_aead_negotiated),
	};

	log_init("session_handshake", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
