/*
 * session.c: the session layer on real loopback sockets and libev: a
 * handshake and an echo of messages up to 64 KiB, a client that moves to
 * a new socket mid-session, a close seen by the peer; a coalescing
 * server whose answers come from another watcher of the same loop
 * iteration sends each in one datagram with its ACK; the server key file
 * and the client's pins of server keys.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>
#include <sodium.h>

#include "base/addr.h"
#include "base/log.h"
#include "sess/session.h"
#include "sess/sesskey.h"
#include "base/udp.h"

#define NECHO	60

struct lo {
	struct ev_loop		*loop;
	ev_timer		 guard;
	int			 sfd, cfd;
	struct sess_ep		*sep, *cep;
	struct sess		*cs, *ss;
	int			 cli_up, srv_up, srv_lost, cli_lost;
	enum sess_reason	 srv_why;
	unsigned int		 sent, echoed, bad;
	unsigned int		 want;
	char			 dir[32], pins[64];
	uint8_t			 pk[32], sk[32];
	/* Answering later (test_loopback_coalesce): what waits. */
	int			 later;
	ev_prepare		 answer;
	uint8_t			*held[NECHO];
	size_t			 heldlen[NECHO];
	unsigned int		 nheld;
};

/* Message i of the echo test (answering later: small ones). */
static size_t
echo_msg(const struct lo *l, unsigned int i, uint8_t *b)
{
	size_t	n, j;

	if (l->later)
		n = 1 + (i * 37) % 200;
	else
		n = i == 0 ? 65536 : 1 + (i * 977) % 5000;
	for (j = 0; j < n; j++)
		b[j] = (uint8_t)(i + j * 3);
	return n;
}

static void
guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	fail_msg("the loopback test hung");
}

static void
srv_up(struct sess *s, void *arg)
{
	struct lo	*l = arg;

	l->ss = s;
	l->srv_up++;
	sess_trust(s);		/* as chatd at login: no pre-login limits */
}

/* The server echoes every message, at once or, answering later, from
 * its prepare watcher, as chatd answers after its commit. */
static void
srv_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	struct lo	*l = arg;

	if (!l->later) {
		assert_int_equal(sess_send(s, b, n), 0);
		return;
	}
	assert_true(l->nheld < NECHO);
	l->held[l->nheld] = malloc(n);
	memcpy(l->held[l->nheld], b, n);
	l->heldlen[l->nheld++] = n;
}

static void
answer_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct lo	*l = w->data;
	unsigned int	 i;

	for (i = 0; i < l->nheld; i++) {
		assert_int_equal(sess_send(l->ss, l->held[i], l->heldlen[i]),
		    0);
		free(l->held[i]);
	}
	l->nheld = 0;
}

static void
srv_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct lo	*l = arg;

	l->srv_lost++;
	l->srv_why = why;
	ev_break(l->loop, EVBREAK_ALL);
}

/* Send the next messages that fit (answering later: one at a time). */
static void
cli_pump(struct lo *l)
{
	static uint8_t	b[65536];
	size_t		n;

	while (l->sent < l->want && (!l->later || l->sent == l->echoed)) {
		n = echo_msg(l, l->sent, b);
		if (sess_send(l->cs, b, n) == -1)
			break;
		l->sent++;
	}
}

static void
cli_up(struct sess *s, void *arg)
{
	struct lo	*l = arg;

	l->cli_up++;
	cli_pump(l);
}

static void
cli_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	static uint8_t	 want[65536];
	struct lo	*l = arg;

	if (n != echo_msg(l, l->echoed, want) || memcmp(b, want, n) != 0)
		l->bad++;
	l->echoed++;
	cli_pump(l);
	if (l->echoed == l->want)
		ev_break(l->loop, EVBREAK_ALL);
}

static void
cli_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct lo	*l = arg;

	l->cli_lost++;
	ev_break(l->loop, EVBREAK_ALL);
}

/* A server on 127.0.0.1, an ephemeral port, and a client for it. */
static struct lo *
lo_new(void)
{
	struct lo		*l;
	struct sockaddr_in	 sin;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	struct sess_cb		 scb, ccb;
	char			 err[256];

	l = calloc(1, sizeof *l);
	strcpy(l->dir, "/tmp/sessloXXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->pins, sizeof l->pins, "%s/known", l->dir);
	assert_int_equal(sesskey_load(l->dir, l->pk, l->sk, err, sizeof err),
	    0);
	l->loop = ev_loop_new(EVFLAG_AUTO);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->sfd = udp_bind((struct sockaddr *)&sin, sizeof sin, 0, err,
	    sizeof err);
	assert_true(l->sfd >= 0);
	assert_int_equal(getsockname(l->sfd, (struct sockaddr *)&ss, &len), 0);
	l->cfd = udp_client((struct sockaddr *)&ss, err, sizeof err);
	assert_true(l->cfd >= 0);
	scb = (struct sess_cb){ srv_up, srv_msg, srv_lost, l };
	ccb = (struct sess_cb){ cli_up, cli_msg, cli_lost, l };
	l->sep = sess_server_new(l->loop, l->sfd, l->pk, l->sk, NULL, &scb);
	l->cep = sess_client_new(l->loop, l->cfd, (struct sockaddr *)&ss,
	    len, NULL, l->pins, NULL, &ccb);
	ev_timer_init(&l->guard, guard_cb, 60., 0.);
	ev_timer_start(l->loop, &l->guard);
	return l;
}

static void
lo_free(struct lo *l)
{
	char	path[96];

	sess_ep_free(l->cep);
	sess_ep_free(l->sep);
	ev_timer_stop(l->loop, &l->guard);
	ev_loop_destroy(l->loop);
	close(l->sfd);
	close(l->cfd);
	unlink(l->pins);
	snprintf(path, sizeof path, "%s/%s", l->dir, SESSKEY_FILE);
	unlink(path);
	rmdir(l->dir);
	free(l);
}

static void
test_loopback_echo(void **state)
{
	struct lo	*l = lo_new();

	l->want = NECHO;
	l->cs = sess_connect(l->cep);
	ev_run(l->loop, 0);
	assert_int_equal(l->cli_up, 1);
	assert_int_equal(l->srv_up, 1);
	assert_int_equal(l->echoed, NECHO);
	assert_int_equal(l->bad, 0);
	assert_int_equal(l->cli_lost + l->srv_lost, 0);
	assert_int_equal(sess_ep_stats(l->sep)->rx_forged, 0);
	lo_free(l);
}

/*
 * One small request at a time, each answered from a prepare watcher
 * after the turn that read it.  Without coalescing the server sends
 * two datagrams a request: the ACK its ACKNOW asks for, at the end of
 * the turn, then the answer.  Coalescing, the ACK rides on the answer:
 * one datagram a request (a tail loss probe, should the machine stall
 * the client for milliseconds, is a retransmission and counted apart).
 * Every answer arrives, once and in order, either way.
 */
static void
run_later(int coalesce, uint64_t *tx, uint64_t *rexmit)
{
	struct lo		*l = lo_new();
	const struct sess_stats	*st = sess_ep_stats(l->sep);
	uint64_t		 tx0, re0;

	l->later = 1;
	ev_prepare_init(&l->answer, answer_cb);
	l->answer.data = l;
	ev_prepare_start(l->loop, &l->answer);
	sess_ep_coalesce(l->sep, coalesce);
	l->want = 2;
	l->cs = sess_connect(l->cep);
	ev_run(l->loop, 0);
	assert_int_equal(l->echoed, 2);
	/* From here on, only requests and answers. */
	tx0 = st->tx_datagrams;
	re0 = st->retransmits;
	l->want = NECHO;
	cli_pump(l);
	ev_run(l->loop, 0);
	assert_int_equal(l->echoed, NECHO);
	assert_int_equal(l->bad, 0);
	assert_int_equal(l->cli_lost + l->srv_lost, 0);
	*tx = st->tx_datagrams - tx0;
	*rexmit = st->retransmits - re0;
	ev_prepare_stop(l->loop, &l->answer);
	lo_free(l);
}

static void
test_loopback_coalesce(void **state)
{
	uint64_t	tx, rexmit, n = NECHO - 2;

	run_later(0, &tx, &rexmit);
	assert_true(tx >= 2 * n);
	run_later(1, &tx, &rexmit);
	assert_true(tx >= n);
	assert_true(tx <= n + rexmit);
}

static void
test_loopback_roam(void **state)
{
	struct lo		*l = lo_new();
	struct sockaddr_storage	 ss, mine;
	socklen_t		 len = sizeof ss, mlen = sizeof mine, plen;
	const struct sockaddr	*peer;
	char			 err[256];
	int			 nfd;

	l->want = 10;
	l->cs = sess_connect(l->cep);
	ev_run(l->loop, 0);
	assert_int_equal(l->echoed, 10);

	/* Move the client to a new socket (a new port), as after a NAT
	 * rebinding; the old socket is gone. */
	assert_int_equal(getsockname(l->sfd, (struct sockaddr *)&ss, &len), 0);
	nfd = udp_client((struct sockaddr *)&ss, err, sizeof err);
	assert_true(nfd >= 0);
	sess_ep_set_fd(l->cep, nfd);
	close(l->cfd);
	l->cfd = nfd;
	l->want = 20;
	cli_pump(l);
	ev_run(l->loop, 0);
	assert_int_equal(l->echoed, 20);
	assert_int_equal(l->bad, 0);
	assert_int_equal(l->cli_lost + l->srv_lost, 0);

	/* The server now talks to the new port. */
	assert_int_equal(getsockname(nfd, (struct sockaddr *)&mine, &mlen), 0);
	peer = sess_peer(l->ss, &plen);
	assert_int_equal(addr_port(peer), addr_port((struct sockaddr *)&mine));
	assert_true(sess_ep_stats(l->sep)->roams >= 1);
	lo_free(l);
}

static void
test_loopback_close(void **state)
{
	struct lo	*l = lo_new();

	l->want = 3;
	l->cs = sess_connect(l->cep);
	ev_run(l->loop, 0);
	assert_int_equal(l->echoed, 3);
	sess_close(l->cs);
	assert_int_equal(l->cli_lost, 1);
	ev_run(l->loop, 0);
	assert_int_equal(l->srv_lost, 1);
	assert_int_equal(l->srv_why, SESS_PEER_CLOSED);
	assert_int_equal(sess_ep_stats(l->sep)->sessions, 0);
	lo_free(l);
}

static void
test_key_file(void **state)
{
	char		 dir[] = "/tmp/sesskfXXXXXX", path[64], err[256];
	uint8_t		 pk[32], sk[32], pk2[32], sk2[32];
	struct stat	 st;
	FILE		*f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, SESSKEY_FILE);
	/* Created on first start, mode 0600, 64 bytes. */
	assert_int_equal(sesskey_load(dir, pk, sk, err, sizeof err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 64);
	/* The same pair on the next start. */
	assert_int_equal(sesskey_load(dir, pk2, sk2, err, sizeof err), 0);
	assert_memory_equal(pk, pk2, 32);
	assert_memory_equal(sk, sk2, 32);
	/* Readable by others: refused. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(sesskey_load(dir, pk2, sk2, err, sizeof err), -1);
	assert_non_null(strstr(err, "0600"));
	/*
	 * Damaged: refused.  Flip every bit of one public-key byte; a
	 * write to the secret half could be masked by clamping.
	 */
	assert_int_equal(chmod(path, 0600), 0);
	f = fopen(path, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, 40, SEEK_SET), 0);
	fputc(pk[8] ^ 0xff, f);
	fclose(f);
	assert_int_equal(sesskey_load(dir, pk2, sk2, err, sizeof err), -1);
	unlink(path);
	rmdir(dir);
}

static void
test_pins(void **state)
{
	char	 dir[] = "/tmp/sesspinXXXXXX", pins[64], err[512];
	char	 f1[SESSKEY_FPRLEN], f2[SESSKEY_FPRLEN];
	uint8_t	 k1[32], k2[32], got[32];

	assert_non_null(mkdtemp(dir));
	snprintf(pins, sizeof pins, "%s/known", dir);
	randombytes_buf(k1, 32);
	randombytes_buf(k2, 32);
	/* Trust on first use, then the same key passes. */
	assert_int_equal(sesskey_pin_check(pins, "chat:9100", k1, err,
	    sizeof err), 0);
	assert_int_equal(sesskey_pin_check(pins, "chat:9100", k1, err,
	    sizeof err), 0);
	/* Another server is pinned separately. */
	assert_int_equal(sesskey_pin_check(pins, "other:9100", k2, err,
	    sizeof err), 0);
	/* A changed key is refused, naming both fingerprints. */
	assert_int_equal(sesskey_pin_check(pins, "chat:9100", k2, err,
	    sizeof err), -1);
	sesskey_fingerprint(k1, f1);
	sesskey_fingerprint(k2, f2);
	assert_non_null(strstr(err, f1));
	assert_non_null(strstr(err, f2));
	assert_int_equal(sesskey_pin_lookup(pins, "chat:9100", got), 1);
	assert_memory_equal(got, k1, 32);
	/* The default file lives under $XDG_CONFIG_HOME. */
	setenv("XDG_CONFIG_HOME", dir, 1);
	assert_int_equal(sesskey_pinfile(err, sizeof err), 0);
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, SESSKEY_PINS));
	unlink(pins);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_echo),
		cmocka_unit_test(test_loopback_coalesce),
		cmocka_unit_test(test_loopback_roam),
		cmocka_unit_test(test_loopback_close),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_pins),
	};

	log_init("session", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
