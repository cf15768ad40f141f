/*
 * session_input.c: libFuzzer target for the whole receive path of a
 * session server and client.  The input is a series of datagrams, each
 * preceded by a two-byte length and a byte choosing the endpoint; a real
 * handshake runs first so that DATA packets reach an established session
 * (they fail authentication, as any datagram not from the peer must).
 * Nothing may crash, leak or grow without bound, and the server's replies
 * to the fuzzer's address never exceed three times what it sent.
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

#include "log.h"
#include "session.h"
#include "sesssim.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sockaddr_storage	 fz;
	static socklen_t		 fzlen;
	static uint8_t			 pk[32], sk[32];
	static char			 tmp[] = "/tmp/sessfuzzXXXXXX", pins[64];
	struct impair_conf		 ic;
	struct sesssim			*sim;
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
	sim = sesssim_new(&ic, NULL, NULL, NULL, pk, sk, pins);
	sesssim_tap(sim, tap, &fz);
	to_fuzzer = 0;
	sess_connect(sesssim_client(sim));
	sesssim_run(sim, NULL, NULL, UINT64_C(100000000));
	while (size - off >= 3) {
		n = (size_t)data[off] << 8 | data[off + 1];
		dir = data[off + 2] & 1;
		off += 3;
		if (n > size - off)
			n = size - off;
		if (dir == SESSSIM_C2S) {
			from_fuzzer += n;
			sesssim_inject(sim, dir, data + off, n,
			    (struct sockaddr *)&fz, fzlen);
		} else {
			socklen_t alen;
			const struct sockaddr *sa =
			    sesssim_server_addr(sim, &alen);

			sesssim_inject(sim, dir, data + off, n, sa, alen);
		}
		off += n;
	}
	sesssim_run(sim, NULL, NULL, UINT64_C(1000000000));
	if (to_fuzzer > 3 * from_fuzzer)
		abort();
	sesssim_free(sim);
	return 0;
}
