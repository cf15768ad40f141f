/*
 * session_attack.c: what an attacker's datagrams achieve against the
 * session layer: replayed, forged and truncated datagrams are dropped and
 * counted without disturbing the session; a changed server key is
 * refused; an off-path spoofer never gets the server to send more than
 * three times what it sent, nor to keep any state for it.
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
#include <sodium.h>

#include "tests/support/impair.h"
#include "base/log.h"
#include "sess/session.h"
#include "sess/sesskey.h"
#include "sess/sessproto.h"
#include "tests/support/sesssim.h"

#define SEC		UINT64_C(1000000000)
#define MAXCAP		4096

struct world {
	struct sesssim	*sim;
	struct sess	*cs, *ss;
	int		 cli_up, srv_up, lost;
	enum sess_reason why;
	unsigned int	 srv_msgs, cli_msgs;
	/* Datagrams the client sent, as captured by an on-path observer. */
	uint8_t		*cap[MAXCAP];
	size_t		 caplen[MAXCAP];
	unsigned int	 ncap;
	/* For the spoofer: the size of the last injected request. */
	size_t		 req;
	unsigned int	 over3x;
	char		 dir[32], pins[64];
};

static void
srv_up(struct sess *s, void *arg)
{
	struct world	*w = arg;

	w->ss = s;
	w->srv_up++;
}

static void
cli_up(struct sess *s, void *arg)
{
	((struct world *)arg)->cli_up++;
}

static void
srv_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	((struct world *)arg)->srv_msgs++;
}

static void
cli_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	((struct world *)arg)->cli_msgs++;
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct world	*w = arg;

	w->lost++;
	w->why = why;
}

/* The on-path tap: keep copies of the client's datagrams; check that
 * every server reply to the spoofer is within three times its request. */
static void
tap(void *arg, int dir, const uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	struct world	*w = arg;

	if (dir == SESSSIM_C2S && w->ncap < MAXCAP) {
		w->cap[w->ncap] = malloc(len);
		memcpy(w->cap[w->ncap], buf, len);
		w->caplen[w->ncap++] = len;
	}
	if (dir == SESSSIM_S2C && w->req > 0 && len > 3 * w->req)
		w->over3x++;
}

static int
both_up(void *arg)
{
	struct world	*w = arg;

	return w->lost || (w->cli_up && w->srv_up);
}

/* A clean network, a session up, the tap on. */
static struct world *
world_new(const uint8_t *pk, const uint8_t *sk, const char *pins)
{
	struct world		*w;
	struct impair_conf	 ic;
	struct sess_cb		 scb, ccb;

	w = calloc(1, sizeof *w);
	if (pins == NULL) {
		strcpy(w->dir, "/tmp/sessatkXXXXXX");
		assert_non_null(mkdtemp(w->dir));
		snprintf(w->pins, sizeof w->pins, "%s/known", w->dir);
		pins = w->pins;
	}
	memset(&ic, 0, sizeof ic);
	ic.seed = 7;
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = SEC / 100;
	scb = (struct sess_cb){ srv_up, srv_msg, any_lost, w };
	ccb = (struct sess_cb){ cli_up, cli_msg, any_lost, w };
	w->sim = sesssim_new(&ic, NULL, &scb, &ccb, pk, sk, pins);
	sesssim_tap(w->sim, tap, w);
	w->cs = sess_connect(sesssim_client(w->sim));
	assert_non_null(w->cs);
	sesssim_run(w->sim, both_up, w, 60 * SEC);
	return w;
}

static void
world_free(struct world *w)
{
	unsigned int	i;

	sesssim_free(w->sim);
	for (i = 0; i < w->ncap; i++)
		free(w->cap[i]);
	if (w->pins[0] != '\0') {
		unlink(w->pins);
		rmdir(w->dir);
	}
	free(w);
}

/* Index of the last captured DATA datagram. */
static unsigned int
last_data(const struct world *w)
{
	unsigned int	i = w->ncap;

	while (i-- > 0)
		if (w->caplen[i] > 0 && w->cap[i][0] == SP_T_DATA)
			return i;
	fail();
	return 0;
}

/* Send a message the server never receives; the index of its datagram. */
static unsigned int
undelivered(struct world *w, const uint8_t *msg, size_t len)
{
	struct impair_dir	 gone, clear;

	memset(&gone, 0, sizeof gone);
	gone.blackhole = 1;
	memset(&clear, 0, sizeof clear);
	clear.delay_ns = SEC / 100;
	impair_set(sesssim_impair(w->sim), SESSSIM_C2S, &gone);
	assert_int_equal(sess_send(w->cs, msg, len), 0);
	sesssim_run(w->sim, NULL, NULL, SEC / 1000);
	impair_set(sesssim_impair(w->sim), SESSSIM_C2S, &clear);
	return last_data(w);
}

/* Deliver a datagram to the server as if from the client. */
static void
to_server(struct world *w, const uint8_t *buf, size_t len)
{
	socklen_t		 alen;
	const struct sockaddr	*a = sesssim_client_addr(w->sim, &alen);

	sesssim_inject(w->sim, SESSSIM_C2S, buf, len, a, alen);
}

static void
test_replay_rejected(void **state)
{
	struct world		*w = world_new(NULL, NULL, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	uint64_t		 before;
	unsigned int		 i, first;
	uint8_t			 msg[100];

	assert_int_equal(w->lost, 0);
	memset(msg, 'm', sizeof msg);
	assert_int_equal(sess_send(w->cs, msg, sizeof msg), 0);
	sesssim_run(w->sim, NULL, NULL, SEC);
	assert_int_equal(w->srv_msgs, 1);
	first = last_data(w);

	/* The same datagram again: dropped, counted, not delivered twice. */
	before = st->rx_replayed;
	to_server(w, w->cap[first], w->caplen[first]);
	to_server(w, w->cap[first], w->caplen[first]);
	assert_int_equal(st->rx_replayed, before + 2);
	sesssim_run(w->sim, NULL, NULL, SEC);
	assert_int_equal(w->srv_msgs, 1);

	/* Push the window 3000 packets on; the old one is now too old. */
	for (i = 0; i < 3000; i++) {
		msg[0] = (uint8_t)i;
		assert_int_equal(sess_send(w->cs, msg, 1), 0);
		sesssim_run(w->sim, NULL, NULL, SEC / 100);
	}
	sesssim_run(w->sim, NULL, NULL, 2 * SEC);
	assert_int_equal(w->srv_msgs, 3001);
	before = st->rx_replayed;
	to_server(w, w->cap[first], w->caplen[first]);
	assert_int_equal(st->rx_replayed, before + 1);
	/* And a recent one, inside the window, also counted as replayed. */
	to_server(w, w->cap[last_data(w)], w->caplen[last_data(w)]);
	assert_int_equal(st->rx_replayed, before + 2);
	sesssim_run(w->sim, NULL, NULL, SEC);
	assert_int_equal(w->srv_msgs, 3001);
	assert_int_equal(w->lost, 0);
	assert_true(sess_is_up(w->cs));
	world_free(w);
}

static void
test_forged_rejected(void **state)
{
	struct world		*w = world_new(NULL, NULL, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	uint8_t			 buf[SP_MAX_DGRAM], msg[50];
	uint64_t		 forged, replayed, unknown;
	unsigned int		 i, k;
	size_t			 len;

	memset(msg, 'f', sizeof msg);
	k = undelivered(w, msg, sizeof msg);
	len = w->caplen[k];
	forged = st->rx_forged;
	replayed = st->rx_replayed;
	unknown = st->rx_unknown;

	/* Every single-bit change past the connection id fails to open:
	 * the clear header is associated data, the rest is sealed. */
	for (i = 10 * 8; i < len * 8; i++) {
		memcpy(buf, w->cap[k], len);
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		to_server(w, buf, len);
	}
	/* (A flipped counter bit may name a counter already seen: then it
	 * is counted as a replay.) */
	assert_int_equal(st->rx_forged + st->rx_replayed,
	    forged + replayed + (len - 10) * 8);
	/* A change to the connection id finds no session. */
	memcpy(buf, w->cap[k], len);
	buf[5] ^= 0x40;
	to_server(w, buf, len);
	assert_int_equal(st->rx_unknown, unknown + 1);
	/* Random bytes under the right connection id: forged. */
	for (i = 0; i < 100; i++) {
		memcpy(buf, w->cap[k], SP_HDR_LEN);
		randombytes_buf(buf + 10, 8 + 16 + i);
		to_server(w, buf, SP_HDR_LEN + 16 + i);
	}
	assert_int_equal(st->rx_forged + st->rx_replayed,
	    forged + replayed + (len - 10) * 8 + 100);
	assert_int_equal(w->srv_msgs, 0);

	/* None of that moved the replay window: the real one still opens. */
	forged = st->rx_forged;
	to_server(w, w->cap[k], len);
	assert_int_equal(st->rx_forged, forged);
	assert_int_equal(w->srv_msgs, 1);

	/* The session still works afterwards. */
	assert_int_equal(sess_send(w->cs, msg, sizeof msg), 0);
	sesssim_run(w->sim, NULL, NULL, SEC);
	assert_int_equal(w->srv_msgs, 2);
	assert_int_equal(w->lost, 0);
	world_free(w);
}

static void
test_truncated_rejected(void **state)
{
	struct world		*w = world_new(NULL, NULL, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	uint8_t			 buf[SP_MAX_DGRAM + 100], msg[600];
	uint64_t		 dropped;
	unsigned int		 k, i;
	size_t			 n;

	memset(msg, 't', sizeof msg);
	k = undelivered(w, msg, sizeof msg);

	/* Every shorter prefix of a real datagram is dropped and counted. */
	dropped = st->rx_forged + st->rx_malformed;
	for (n = 0; n < w->caplen[k]; n++)
		to_server(w, w->cap[k], n);
	assert_int_equal(st->rx_forged + st->rx_malformed,
	    dropped + w->caplen[k]);
	assert_int_equal(w->srv_msgs, 0);

	/* Longer than any datagram may be: truncated by the kernel. */
	memset(buf, 0, sizeof buf);
	memcpy(buf, w->cap[k], w->caplen[k]);
	to_server(w, buf, SP_MAX_DGRAM + 1);
	assert_int_equal(st->rx_truncated, 1);

	/* Handshake packets one byte short or long are malformed. */
	dropped = st->rx_malformed;
	for (i = 0; i < w->ncap; i++)
		if (w->cap[i][0] == SP_T_HELLO) {
			to_server(w, w->cap[i], w->caplen[i] - 1);
			break;
		}
	assert_int_equal(st->rx_malformed, dropped + 1);
	/* The message itself gets through by retransmission. */
	sesssim_run(w->sim, NULL, NULL, 5 * SEC);
	assert_int_equal(w->srv_msgs, 1);
	assert_int_equal(w->lost, 0);
	world_free(w);
}

static void
test_spoofer_no_amplification(void **state)
{
	struct world		*w = world_new(NULL, NULL, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	struct sockaddr_storage	 victim;
	socklen_t		 vlen;
	struct sp_hello		 h;
	uint8_t			 buf[SP_MAX_DGRAM];
	uint64_t		 sent = 0, sessions = st->sessions;
	unsigned int		 i;
	size_t			 n;

	/* The spoofer forges the victim's address and never sees replies. */
	sesssim_addr(&victim, &vlen, 66, 5555);
#define SPOOF(b, len)	do {						\
		w->req = (len);						\
		sent += (len);						\
		sesssim_inject(w->sim, SESSSIM_C2S, (b), (len),		\
		    (struct sockaddr *)&victim, vlen);			\
	} while (0)
	/* HELLOs without a cookie: only a small COOKIE comes back. */
	for (i = 0; i < 500; i++) {
		memset(&h, 0, sizeof h);
		randombytes_buf(&h.ccid, sizeof h.ccid);
		randombytes_buf(h.epk, sizeof h.epk);
		n = sp_hello_encode(buf, &h);
		SPOOF(buf, n);
	}
	/* HELLOs with guessed cookies. */
	for (i = 0; i < 500; i++) {
		h.flags = SP_HELLO_COOKIE;
		randombytes_buf(h.cookie, sizeof h.cookie);
		n = sp_hello_encode(buf, &h);
		SPOOF(buf, n);
	}
	/* The real client's HELLO with its cookie, from the wrong address. */
	for (i = 0; i < w->ncap; i++)
		if (w->cap[i][0] == SP_T_HELLO && w->cap[i][2] != 0)
			SPOOF(w->cap[i], w->caplen[i]);
	/* Short junk of every size and type, and copies of real data. */
	for (i = 0; i < 2000; i++) {
		n = 1 + i % SP_MAX_DGRAM;
		randombytes_buf(buf, n);
		buf[0] = (uint8_t)(i % 6);
		buf[1] = SP_VERSION;
		SPOOF(buf, n);
	}
	for (i = 0; i < w->ncap; i++)
		if (w->cap[i][0] == SP_T_DATA)
			SPOOF(w->cap[i], w->caplen[i]);
	w->req = 0;
	sesssim_run(w->sim, NULL, NULL, 5 * SEC);

	assert_int_equal(w->over3x, 0);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) > 0);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) <=
	    3 * sent);
	/* No state for an address that never proved itself. */
	assert_int_equal(st->sessions, sessions);
	assert_true(st->rx_bad_cookie >= 500);
	assert_int_equal(w->lost, 0);
	assert_true(sess_is_up(w->cs));
	world_free(w);
}

static void
test_redirect_bounded(void **state)
{
	struct world		*w = world_new(NULL, NULL, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	struct sockaddr_storage	 victim;
	socklen_t		 vlen, clen, plen;
	const struct sockaddr	*cli, *peer;
	uint8_t			 msg[3000];
	unsigned int		 k, i;

	/*
	 * An on-path attacker copies a client datagram and races it to the
	 * server from a victim's address.  It is authentic and newest, so
	 * the server moves there, but until the victim echoes a challenge
	 * (it cannot) the server sends it at most three times what came
	 * from that address.
	 */
	memset(msg, 'r', sizeof msg);
	k = undelivered(w, msg, sizeof msg);
	sesssim_addr(&victim, &vlen, 66, 6666);
	sesssim_inject(w->sim, SESSSIM_C2S, w->cap[k], w->caplen[k],
	    (struct sockaddr *)&victim, vlen);
	/* The server has much to say: it may not all go to the victim. */
	for (i = 0; i < 10; i++)
		assert_int_equal(sess_send(w->ss, msg, sizeof msg), 0);
	assert_int_equal(st->roams, 1);
	peer = sess_peer(w->ss, &plen);
	assert_memory_equal(peer, &victim, vlen);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) > 0);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) <=
	    3 * w->caplen[k]);
	assert_true(st->tx_unvalidated > 0);

	/* The real client's next datagrams bring the session back to it,
	 * the new path is validated, and nothing was lost either way. */
	sesssim_run(w->sim, NULL, NULL, 10 * SEC);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) <=
	    3 * w->caplen[k]);
	cli = sesssim_client_addr(w->sim, &clen);
	peer = sess_peer(w->ss, &plen);
	assert_int_equal(plen, clen);
	assert_memory_equal(peer, cli, clen);
	assert_true(st->paths_validated >= 1);
	assert_int_equal(w->srv_msgs, 1);
	assert_int_equal(w->cli_msgs, 10);
	assert_int_equal(w->lost, 0);
	world_free(w);
}

static void
test_changed_key_refused(void **state)
{
	struct world	*w;
	uint8_t		 pk1[32], sk1[32], pk2[32], sk2[32], pin[32];
	char		 dir[] = "/tmp/sesskeyXXXXXX", pins[64];

	assert_int_not_equal(sodium_init(), -1);
	crypto_kx_keypair(pk1, sk1);
	crypto_kx_keypair(pk2, sk2);
	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/sub/known", dir);

	/* First use pins the key. */
	w = world_new(pk1, sk1, pins);
	assert_int_equal(w->cli_up, 1);
	world_free(w);
	assert_int_equal(sesskey_pin_lookup(pins, "sim-server", pin), 1);
	assert_memory_equal(pin, pk1, 32);

	/* The same key again is accepted. */
	w = world_new(pk1, sk1, pins);
	assert_int_equal(w->cli_up, 1);
	world_free(w);

	/* A different key under that name is refused and the pin stays. */
	w = world_new(pk2, sk2, pins);
	assert_int_equal(w->cli_up, 0);
	assert_int_equal(w->lost, 1);
	assert_int_equal(w->why, SESS_KEY_CHANGED);
	assert_int_equal(w->srv_up, 0);
	world_free(w);
	assert_int_equal(sesskey_pin_lookup(pins, "sim-server", pin), 1);
	assert_memory_equal(pin, pk1, 32);
	unlink(pins);
	snprintf(pins, sizeof pins, "%s/sub", dir);
	rmdir(pins);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_rejected),
		cmocka_unit_test(test_forged_rejected),
		cmocka_unit_test(test_truncated_rejected),
		cmocka_unit_test(test_spoofer_no_amplification),
		cmocka_unit_test(test_redirect_bounded),
		cmocka_unit_test(test_changed_key_refused),
	};

	log_init("session_attack", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
