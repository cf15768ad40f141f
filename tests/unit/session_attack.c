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
	/* For the flooder: the last COOKIE and ACCEPTs sent to it. */
	struct sockaddr_storage flooder;
	socklen_t	 flen;
	uint8_t		 cookie[SP_MAC_LEN];
	int		 have_cookie;
	unsigned int	 accepts;
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
	if (dir == SESSSIM_S2C && w->flen == tolen &&
	    memcmp(&w->flooder, to, tolen) == 0) {
		struct sp_cookie	c;

		if (sp_cookie_decode(buf, len, &c) == 0) {
			memcpy(w->cookie, c.cookie, SP_MAC_LEN);
			w->have_cookie = 1;
		} else if (len == SP_ACCEPT_LEN && buf[0] == SP_T_ACCEPT)
			w->accepts++;
	}
}

static int
both_up(void *arg)
{
	struct world	*w = arg;

	return w->lost || (w->cli_up && w->srv_up);
}

/* A clean network, the tap on, and a session up if connect_now. */
static struct world *
world_make(const uint8_t *pk, const uint8_t *sk, const char *pins,
    int connect_now, const struct sess_conf *conf)
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
	w->sim = sesssim_new(&ic, conf, &scb, &ccb, pk, sk, pins);
	sesssim_tap(w->sim, tap, w);
	if (connect_now == 0)
		return w;
	w->cs = sess_connect(sesssim_client(w->sim));
	assert_non_null(w->cs);
	sesssim_run(w->sim, both_up, w, 60 * SEC);
	return w;
}

/* A clean network, a session up, the tap on. */
static struct world *
world_new(const uint8_t *pk, const uint8_t *sk, const char *pins)
{
	return world_make(pk, sk, pins, 1, NULL);
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
	/* What does not fit goes to the last validated address. */
	assert_true(st->tx_old_path > 0);

	/* The real client's next datagrams bring the session back to its
	 * validated address, and nothing was lost either way. */
	sesssim_run(w->sim, NULL, NULL, 10 * SEC);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) <=
	    3 * w->caplen[k]);
	cli = sesssim_client_addr(w->sim, &clen);
	peer = sess_peer(w->ss, &plen);
	assert_int_equal(plen, clen);
	assert_memory_equal(peer, cli, clen);
	assert_int_equal(st->paths_validated, 0);
	assert_true(sess_ep_stats(sesssim_server(w->sim))->roams >= 2);
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

/*
 * The flooder's HELLO from its address: without a cookie (fetching one
 * into w->cookie), or with the last one it fetched.
 */
static void
flood_hello(struct world *w, uint64_t ccid, const uint8_t epk[SP_PK_LEN],
    int with_cookie)
{
	struct sp_hello	h;
	uint8_t		buf[SP_HELLO_LEN];

	memset(&h, 0, sizeof h);
	h.ccid = ccid;
	memcpy(h.epk, epk, SP_PK_LEN);
	if (with_cookie) {
		h.flags = SP_HELLO_COOKIE;
		memcpy(h.cookie, w->cookie, SP_MAC_LEN);
	}
	w->have_cookie = 0;
	sesssim_inject(w->sim, SESSSIM_C2S, buf, sp_hello_encode(buf, &h),
	    (struct sockaddr *)&w->flooder, w->flen);
}

/* A fresh handshake from the flooder (its port varies): cookie, then
 * HELLO with it.  The ephemeral key is a real one. */
static void
flood_one(struct world *w, unsigned int i)
{
	uint8_t		epk[SP_PK_LEN], esk[SP_KEY_LEN];
	uint64_t	ccid;

	sesssim_addr(&w->flooder, &w->flen, 66, 1024 + i % 60000);
	crypto_kx_keypair(epk, esk);
	randombytes_buf(&ccid, sizeof ccid);
	flood_hello(w, ccid, epk, 0);
	assert_true(w->have_cookie);
	flood_hello(w, ccid, epk, 1);
}

/*
 * One host floods handshakes with valid cookies (issue: one host locked
 * everyone out).  Its half-open sessions stop at the per-source cap and
 * its handshakes at the per-source rate, each refusal counted; a client
 * on another address still gets in.
 */
static void
test_hello_flood_capped(void **state)
{
	struct world		*w = world_make(NULL, NULL, NULL, 0, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	struct sess_conf	 d;
	unsigned int		 i;

	sess_conf_default(&d);
	for (i = 0; i < 5000; i++)
		flood_one(w, i);
	assert_true(w->accepts <= d.src_half);
	assert_true(st->sessions <= d.src_half);
	assert_true(st->rx_refused_src_half + st->rx_hello_limited +
	    st->rx_refused_src >= 5000 - d.src_half);
	/* A second source, meanwhile, completes its handshake. */
	w->cs = sess_connect(sesssim_client(w->sim));
	sesssim_run(w->sim, both_up, w, 10 * SEC);
	assert_int_equal(w->cli_up, 1);
	assert_int_equal(w->srv_up, 1);
	assert_int_equal(w->lost, 0);
	/* Half-open sessions end after handshake_ms; the cap frees. */
	sesssim_run(w->sim, NULL, NULL, 31 * SEC);
	assert_int_equal(st->untrusted, 0);
	assert_int_equal(st->sessions, 1);
	world_free(w);
}

/* A cookie opens only the handshake it was given for: the same id and
 * key from the same address (as QUIC's Retry token is bound). */
static void
test_cookie_bound_to_id_and_key(void **state)
{
	struct world		*w = world_make(NULL, NULL, NULL, 0, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	uint8_t			 epk[SP_PK_LEN], esk[SP_KEY_LEN];
	uint8_t			 epk2[SP_PK_LEN], cookie[SP_MAC_LEN];
	uint64_t		 bad;

	sesssim_addr(&w->flooder, &w->flen, 66, 7777);
	crypto_kx_keypair(epk, esk);
	crypto_kx_keypair(epk2, esk);
	flood_hello(w, 42, epk, 0);
	assert_true(w->have_cookie);
	memcpy(cookie, w->cookie, sizeof cookie);
	bad = st->rx_bad_cookie;
	/* Another connection id with that cookie. */
	flood_hello(w, 43, epk, 1);
	/* Another key with it. */
	memcpy(w->cookie, cookie, sizeof cookie);
	flood_hello(w, 42, epk2, 1);
	assert_int_equal(st->rx_bad_cookie, bad + 2);
	assert_int_equal(w->accepts, 0);
	assert_int_equal(st->sessions, 0);
	/* The one it was made for. */
	memcpy(w->cookie, cookie, sizeof cookie);
	flood_hello(w, 42, epk, 1);
	assert_int_equal(w->accepts, 1);
	assert_int_equal(st->sessions, 1);
	world_free(w);
}

/* A half-open session is found by the client's id and address: the same
 * id from elsewhere (an injector that saw it) cannot replace it. */
static void
test_half_open_keyed_by_address(void **state)
{
	struct world		*w = world_make(NULL, NULL, NULL, 0, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	uint8_t			 epk[SP_PK_LEN], epk2[SP_PK_LEN];
	uint8_t			 esk[SP_KEY_LEN];

	crypto_kx_keypair(epk, esk);
	crypto_kx_keypair(epk2, esk);
	sesssim_addr(&w->flooder, &w->flen, 67, 1111);	/* the victim */
	flood_hello(w, 99, epk, 0);
	flood_hello(w, 99, epk, 1);
	assert_int_equal(w->accepts, 1);
	sesssim_addr(&w->flooder, &w->flen, 68, 2222);	/* the injector */
	flood_hello(w, 99, epk2, 0);
	flood_hello(w, 99, epk2, 1);
	assert_int_equal(st->sessions, 2);
	/* The victim's retry still gets its own ACCEPT. */
	sesssim_addr(&w->flooder, &w->flen, 67, 1111);
	flood_hello(w, 99, epk, 0);
	flood_hello(w, 99, epk, 1);
	assert_int_equal(w->accepts, 3);
	assert_int_equal(st->sessions, 2);
	world_free(w);
}

static int
lost_once(void *arg)
{
	return ((struct world *)arg)->lost > 0;
}

/* A session the application never trusts (never logs in) is closed
 * after untrusted_ms, the peer told; a trusted one stays. */
static void
test_untrusted_closed(void **state)
{
	struct world		*w = world_make(NULL, NULL, NULL, 0, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));

	sesssim_autotrust(w->sim, 0);
	w->cs = sess_connect(sesssim_client(w->sim));
	sesssim_run(w->sim, both_up, w, 10 * SEC);
	assert_int_equal(w->srv_up, 1);
	assert_false(sess_trusted(w->ss));
	assert_int_equal(st->untrusted, 1);
	sesssim_run(w->sim, lost_once, w, 20 * SEC);
	assert_int_equal(w->lost, 0);
	sesssim_run(w->sim, NULL, NULL, 15 * SEC);
	assert_int_equal(st->untrusted_timeouts, 1);
	assert_int_equal(st->sessions, 0);
	assert_int_equal(st->untrusted, 0);
	assert_int_equal(w->lost, 2);		/* both ends told */
	world_free(w);

	w = world_new(NULL, NULL, NULL);	/* trusted when up */
	st = sess_ep_stats(sesssim_server(w->sim));
	assert_true(sess_trusted(w->ss));
	assert_int_equal(st->untrusted, 0);
	sesssim_run(w->sim, NULL, NULL, 200 * SEC);
	assert_int_equal(w->lost, 0);
	assert_int_equal(st->untrusted_timeouts, 0);
	assert_true(sess_is_up(w->cs));
	world_free(w);
}

/*
 * Issue 7: an on-path attacker holds back a few of the client's
 * datagrams, races the newest to the server from a victim's address V,
 * then lets the older ones through from the client's real address.  Only
 * what came from V pays for what is sent to V; V never validates; the
 * client keeps being served on its old, validated address.
 */
static void
test_redirect_older_packets_earn_nothing(void **state)
{
	struct world		*w = world_new(NULL, NULL, NULL);
	const struct sess_stats	*st = sess_ep_stats(sesssim_server(w->sim));
	struct impair_dir	 gone, clear;
	struct sockaddr_storage	 victim;
	socklen_t		 vlen;
	uint8_t			 msg[3000];
	unsigned int		 first, last, i;

	memset(msg, 'q', sizeof msg);
	memset(&gone, 0, sizeof gone);
	gone.blackhole = 1;
	memset(&clear, 0, sizeof clear);
	clear.delay_ns = SEC / 100;
	first = w->ncap;
	impair_set(sesssim_impair(w->sim), SESSSIM_C2S, &gone);
	for (i = 0; i < 5; i++)
		assert_int_equal(sess_send(w->cs, msg, sizeof msg), 0);
	sesssim_run(w->sim, NULL, NULL, SEC / 1000);
	last = last_data(w);
	assert_true(last > first + 4);
	sesssim_addr(&victim, &vlen, 66, 6666);
	sesssim_inject(w->sim, SESSSIM_C2S, w->cap[last], w->caplen[last],
	    (struct sockaddr *)&victim, vlen);
	for (i = first; i < last; i++)
		if (w->cap[i][0] == SP_T_DATA)
			to_server(w, w->cap[i], w->caplen[i]);
	for (i = 0; i < 10; i++)
		assert_int_equal(sess_send(w->ss, msg, sizeof msg), 0);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) <=
	    3 * w->caplen[last]);
	assert_int_equal(st->paths_validated, 0);
	/* Let the network run: the client is served, V never more. */
	impair_set(sesssim_impair(w->sim), SESSSIM_C2S, &clear);
	sesssim_run(w->sim, NULL, NULL, 10 * SEC);
	assert_true(sesssim_sent_to(w->sim, (struct sockaddr *)&victim) <=
	    3 * w->caplen[last]);
	assert_int_equal(st->paths_validated, 0);
	assert_int_equal(w->cli_msgs, 10);
	assert_int_equal(w->lost, 0);
	world_free(w);
}

/* Each ACK range is clipped to what is in flight: 8 ACKs of 16 ranges
 * 256 wide visit at most the fragments sent, and acknowledge just
 * those the ranges name.  (Needs cleartext DATA: seal = 0.) */
static void
test_wide_sack_costs_in_flight(void **state)
{
	struct world		 w0, *w = &w0;
	struct impair_conf	 ic;
	struct sess_conf	 c;
	struct sess_cb		 scb, ccb;
	struct impair_dir	 gone;
	const struct sess_stats	*st;
	struct sp_hdr		 h;
	struct sp_ack		 a;
	uint8_t			 pkt[SP_MAX_DGRAM];
	size_t			 n, q;
	unsigned int		 i, j;

	memset(w, 0, sizeof *w);
	strcpy(w->dir, "/tmp/sessatkXXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->pins, sizeof w->pins, "%.40s/known", w->dir);
	memset(&ic, 0, sizeof ic);
	ic.seed = 3;
	sess_conf_default(&c);
	c.seal = 0;
	scb = (struct sess_cb){ srv_up, srv_msg, any_lost, w };
	ccb = (struct sess_cb){ cli_up, cli_msg, any_lost, w };
	w->sim = sesssim_new(&ic, &c, &scb, &ccb, NULL, NULL, w->pins);
	st = sess_ep_stats(sesssim_server(w->sim));
	w->cs = sess_connect(sesssim_client(w->sim));
	sesssim_run(w->sim, both_up, w, 10 * SEC);
	assert_int_equal(w->srv_up, 1);
	/* Two one-fragment messages in flight (seq 0 and 1), never heard. */
	memset(&gone, 0, sizeof gone);
	gone.blackhole = 1;
	impair_set(sesssim_impair(w->sim), SESSSIM_S2C, &gone);
	assert_int_equal(sess_send(w->ss, "one", 3), 0);
	assert_int_equal(sess_send(w->ss, "two!", 4), 0);
	sesssim_run(w->sim, NULL, NULL, SEC / 1000);
	q = sess_queued(w->ss);
	assert_int_equal(q, 7);
	/* 8 ACKs: next 0, ranges [1, 257), [257, 513), ... */
	memset(&a, 0, sizeof a);
	a.next = 0;
	a.nsack = SP_MAX_SACK;
	for (j = 0; j < SP_MAX_SACK; j++) {
		a.sack[j].start = 1 + 256 * j;
		a.sack[j].end = 1 + 256 * (j + 1);
	}
	h.epoch = 0;
	h.dcid = sess_id(w->ss);
	h.counter = 1000000;
	n = sp_hdr_encode(pkt, &h);
	for (i = 0; i < 8; i++)
		n += sp_ack_encode(pkt + n, &a);
	memset(pkt + n, 0, SP_TAG_LEN);
	n += SP_TAG_LEN;
	to_server(w, pkt, n);
	assert_int_equal(w->lost, 0);
	assert_true(st->sack_slots <= 8 * 2);	/* not 8 x 4096 */
	/* The right one acknowledged: "two!" (seq 1), not "one". */
	assert_int_equal(sess_queued(w->ss), 3);
	sesssim_free(w->sim);
	unlink(w->pins);
	rmdir(w->dir);
}

/*
 * Memory: a session not trusted gets a small queue, and all sessions
 * share a budget in allocated bytes; at either limit sess_send refuses
 * (ENOBUFS, counted) and the layer's allocation stays within it.
 */
static void
test_memory_budget_refuses(void **state)
{
	struct sess_conf	 d;
	struct world		*w;
	const struct sess_stats	*st;
	struct impair_dir	 gone;
	uint8_t			 msg[3000];
	unsigned int		 n;
	uint64_t		 refused;

	sess_conf_default(&d);
	d.mem_budget = 256 * 1024;
	w = world_make(NULL, NULL, NULL, 0, &d);
	st = sess_ep_stats(sesssim_server(w->sim));
	memset(msg, 'm', sizeof msg);
	memset(&gone, 0, sizeof gone);
	gone.blackhole = 1;
	/* Untrusted: small answers to a peer that never acknowledges. */
	sesssim_autotrust(w->sim, 0);
	w->cs = sess_connect(sesssim_client(w->sim));
	sesssim_run(w->sim, both_up, w, 10 * SEC);
	impair_set(sesssim_impair(w->sim), SESSSIM_S2C, &gone);
	for (n = 0; n < 100000; n++)
		if (sess_send(w->ss, "ERROR 7 bad", 11) == -1)
			break;
	assert_true(n < 100000);
	assert_true(st->tx_mem_refused > 0);
	assert_true(st->alloc < 4096 + 2 * d.pretrust_mem);
	/* Trusted now: the budget, not the queue limit, stops it. */
	sess_trust(w->ss);
	refused = st->tx_mem_refused;
	for (n = 0; n < 1000; n++) {
		sesssim_run(w->sim, NULL, NULL, SEC / 1000);
		if (sess_send(w->ss, msg, sizeof msg) == -1)
			break;
	}
	assert_true(n < 100);			/* max_queue would allow 349 */
	assert_int_equal(st->tx_mem_refused, refused + 1);
	assert_true(st->alloc <= d.mem_budget);
	/* What a 3000-byte message did not fit in may still hold a new
	 * session: spend the rest in small answers. */
	for (n = 0; n < 1000; n++)
		if (sess_send(w->ss, "x", 1) == -1)
			break;
	assert_true(n < 1000);
	assert_int_equal(st->tx_mem_refused, refused + 2);
	assert_true(st->alloc <= d.mem_budget);
	/* And no new session while the budget is spent. */
	flood_one(w, 1);
	assert_int_equal(w->accepts, 0);
	assert_true(st->rx_refused_mem > 0);
	world_free(w);
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
		cmocka_unit_test(test_hello_flood_capped),
		cmocka_unit_test(test_cookie_bound_to_id_and_key),
		cmocka_unit_test(test_half_open_keyed_by_address),
		cmocka_unit_test(test_untrusted_closed),
		cmocka_unit_test(test_redirect_older_packets_earn_nothing),
		cmocka_unit_test(test_wide_sack_costs_in_flight),
		cmocka_unit_test(test_memory_budget_refuses),
	};

	log_init("session_attack", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
