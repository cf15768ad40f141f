/*
 * session_input.c: libFuzzer target for the whole receive path of a
 * session server and client.  The input is a series of datagrams, each
 * preceded by a two-byte length and a byte choosing the endpoint (bit 0)
 * and whether sealing is off (bit 1 of the first record).  A real
 * handshake runs first.  With sealing on, DATA packets from the fuzzer
 * fail authentication, as any datagram not from the peer must.  With
 * sealing off (the benchmark's comparison mode) the fuzzer's DATA packets
 * are taken as the peer's, their connection id patched to the live one,
 * so every frame decoder and the reliability state machine behind it see
 * arbitrary input.  Nothing may crash, leak or grow without bound, and
 * the server's replies to the fuzzer's address never exceed three times
 * what it sent.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/log.h"
#include "sess/session.h"
#include "tests/support/sesssim.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t	to_fuzzer;

static void
tap(void *arg, int dir, const uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	const struct sockaddr_storage	*f = arg;

	if (dir == SESSSIM_S2C && tolen == sizeof(struct sockaddr_in) &&
	    memcmp(to, f, tolen) == 0)
		to_fuzzer += len;
}

static struct sess	*srv_sess, *cli_sess;

static void
srv_up(struct sess *s, void *arg)
{
	srv_sess = s;
}

/* A session ended (perhaps by the fuzzer's CLOSE): forget it. */
static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	if (s == srv_sess)
		srv_sess = NULL;
	if (s == cli_sess)
		cli_sess = NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sockaddr_storage	 fz;
	static socklen_t		 fzlen;
	static uint8_t			 pk[32], sk[32];
	static char			 tmp[] = "/tmp/sessfuzzXXXXXX", pins[64];
	struct impair_conf		 ic;
	struct sess_conf		 sc;
	struct sess_cb			 scb, ccb;
	struct sesssim			*sim;
	uint8_t				 pkt[2048];
	uint64_t			 from_fuzzer = 0;
	size_t				 off = 0, n;
	int				 dir;

	if (pins[0] == '\0') {
		/* One server key and pin file for the whole run. */
		log_init("fuzz", LOG_TO_STDERR, 0);
		if (sodium_init() == -1 || mkdtemp(tmp) == NULL)
			abort();
		snprintf(pins, sizeof pins, "%s/known", tmp);
		crypto_kx_keypair(pk, sk);
	}
	memset(&ic, 0, sizeof ic);
	ic.dir[0].delay_ns = ic.dir[1].delay_ns = 1000000;
	sesssim_addr(&fz, &fzlen, 77, 7777);
	sess_conf_default(&sc);
	sc.seal = !(size >= 3 && (data[2] & 2));
	scb = (struct sess_cb){ srv_up, NULL, any_lost, NULL };
	ccb = (struct sess_cb){ NULL, NULL, any_lost, NULL };
	sim = sesssim_new(&ic, &sc, &scb, &ccb, pk, sk, pins);
	sesssim_tap(sim, tap, &fz);
	to_fuzzer = 0;
	srv_sess = NULL;
	cli_sess = sess_connect(sesssim_client(sim));
	sesssim_run(sim, NULL, NULL, UINT64_C(100000000));
	while (size - off >= 3) {
		n = (size_t)data[off] << 8 | data[off + 1];
		dir = data[off + 2] & 1;
		off += 3;
		if (n > size - off)
			n = size - off;
		if (n > sizeof pkt)
			n = sizeof pkt;
		memcpy(pkt, data + off, n);
		/* Unsealed: aim DATA at the live sessions. */
		if (!sc.seal && n >= 10 && pkt[0] == 4) {
			uint64_t id = dir == SESSSIM_C2S ?
			    (srv_sess != NULL ? sess_id(srv_sess) : 0) :
			    (cli_sess != NULL ? sess_id(cli_sess) : 0);
			int i;

			for (i = 0; i < 8; i++)
				pkt[2 + i] = (uint8_t)(id >> (56 - 8 * i));
		}
		if (dir == SESSSIM_C2S) {
			from_fuzzer += n;
			sesssim_inject(sim, dir, pkt, n,
			    (struct sockaddr *)&fz, fzlen);
		} else {
			socklen_t alen;
			const struct sockaddr *sa =
			    sesssim_server_addr(sim, &alen);

			sesssim_inject(sim, dir, pkt, n, sa, alen);
		}
		off += n;
	}
	sesssim_run(sim, NULL, NULL, UINT64_C(1000000000));
	srv_sess = cli_sess = NULL;
	if (to_fuzzer > 3 * from_fuzzer)
		abort();
	sesssim_free(sim);
	return 0;
}
