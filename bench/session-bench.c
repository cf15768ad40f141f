/*
 * session-bench.c: messages per second and CPU time per message through
 * one session pair on loopback (both ends in this process, one thread,
 * one libev loop), sealed (AES-256-GCM where the CPU has AES
 * instructions), sealed with XChaCha20-Poly1305, or, for comparison
 * only, unsealed, and with a seeded 5% loss in each direction.  One run per invocation; one line of
 * results.  bench/session-bench.sh runs it several times and reports the
 * medians.
 *
 *   session-bench [-m sealed|xchacha|unsealed|loss5] [-n messages]
 *       [-s bytes]
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <sodium.h>

#include "tests/support/impair.h"
#include "base/log.h"
#include "sess/session.h"
#include "base/udp.h"

struct bench {
	struct ev_loop	*loop;
	struct sess	*cs;
	unsigned long	 n, sent, got;
	size_t		 size;
	uint8_t		*buf;
	int		 lost;
};

/* A lossy path: a seeded coin, then the real socket. */
struct lossy {
	struct impair	*im;
	int		 fd;
	double		 loss;
	unsigned long	 dropped;
};

static struct lossy	lossy[2];

static void
lossy_xmit(void *arg, const uint8_t *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	struct lossy	*l = arg;

	if ((double)(impair_rand(l->im) >> 11) * 0x1.0p-53 < l->loss) {
		l->dropped++;
		return;
	}
	(void)sendto(l->fd, buf, len, 0, sa, salen);
}

static void
pump(struct bench *b)
{
	while (b->cs != NULL && sess_is_up(b->cs) && b->sent < b->n) {
		memcpy(b->buf, &b->sent, sizeof b->sent);
		if (sess_send(b->cs, b->buf, b->size) == -1)
			break;
		b->sent++;
	}
}

static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	pump(w->data);
}

static void
srv_msg(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct bench	*b = arg;

	if (len != b->size)
		fatalx("wrong length");
	if (++b->got == b->n)
		ev_break(b->loop, EVBREAK_ALL);
}

/* The server trusts its peer at once, as chatd does at login. */
static void
srv_up(struct sess *s, void *arg)
{
	sess_trust(s);
}

static void
any_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct bench	*b = arg;

	b->lost = 1;
	ev_break(b->loop, EVBREAK_ALL);
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char *argv[])
{
	struct bench		 b;
	struct sess_conf	 sc;
	struct sess_cb		 scb;
	struct sockaddr_in	 sin;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	struct impair_conf	 ic;
	struct sess_ep		*sep, *cep;
	const char		*mode = "sealed";
	char			 err[256], dir[] = "/tmp/sessbenchXXXXXX";
	char			 pins[64];
	uint8_t			 pk[32], sk[32];
	ev_prepare		 prep;
	double			 t0, c0, t, c;
	int			 ch, sfd, cfd;

	memset(&b, 0, sizeof b);
	b.n = 200000;
	b.size = 100;
	while ((ch = getopt(argc, argv, "m:n:s:")) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			b.n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			b.size = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: session-bench [-m sealed|"
			    "xchacha|unsealed|loss5] [-n messages] [-s bytes]"
			    "\n");
			return 2;
		}
	}
	if (b.size < sizeof b.sent || b.size > SP_MSG_MAX || b.n == 0)
		fatalx("bad size or count");
	log_init("session-bench", LOG_TO_STDERR, 0);
	if (sodium_init() == -1)
		fatalx("sodium_init");
	crypto_kx_keypair(pk, sk);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(pins, sizeof pins, "%s/known", dir);
	b.buf = calloc(1, b.size);
	b.loop = ev_default_loop(0);

	sess_conf_default(&sc);
	if (strcmp(mode, "unsealed") == 0)
		sc.seal = 0;
	else if (strcmp(mode, "xchacha") == 0)
		sc.aes_gcm = 0;
	else if (strcmp(mode, "sealed") != 0 && strcmp(mode, "loss5") != 0)
		fatalx("unknown mode %s", mode);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((sfd = udp_bind((struct sockaddr *)&sin, sizeof sin, 0, err,
	    sizeof err)) == -1)
		fatalx("%s", err);
	getsockname(sfd, (struct sockaddr *)&ss, &len);
	if ((cfd = udp_client((struct sockaddr *)&ss, err, sizeof err)) == -1)
		fatalx("%s", err);
	scb = (struct sess_cb){ srv_up, srv_msg, any_lost, &b };
	sep = sess_server_new(b.loop, sfd, pk, sk, &sc, &scb);
	scb = (struct sess_cb){ NULL, NULL, any_lost, &b };
	cep = sess_client_new(b.loop, cfd, (struct sockaddr *)&ss, len,
	    "bench", pins, &sc, &scb);
	if (strcmp(mode, "loss5") == 0) {
		memset(&ic, 0, sizeof ic);
		ic.seed = 42;
		lossy[0] = (struct lossy){ impair_new(&ic), cfd, 0.05, 0 };
		ic.seed = 43;
		lossy[1] = (struct lossy){ impair_new(&ic), sfd, 0.05, 0 };
		sess_ep_set_io(cep, lossy_xmit, NULL, &lossy[0]);
		sess_ep_set_io(sep, lossy_xmit, NULL, &lossy[1]);
	}
	ev_prepare_init(&prep, prepare_cb);
	prep.data = &b;
	ev_prepare_start(b.loop, &prep);

	t0 = now_s();
	c0 = cpu_s();
	b.cs = sess_connect(cep);
	ev_run(b.loop, 0);
	t = now_s() - t0;
	c = cpu_s() - c0;
	if (b.lost || b.got != b.n)
		fatalx("session lost after %lu messages", b.got);
	printf("mode=%s size=%zu msgs=%lu secs=%.3f msgs_per_s=%.0f "
	    "cpu_us_per_msg=%.3f retransmits=%llu timeouts=%llu\n", mode, b.size, b.n, t,
	    (double)b.n / t, c * 1e6 / (double)b.n,
	    (unsigned long long)sess_ep_stats(cep)->retransmits,
	    (unsigned long long)sess_ep_stats(cep)->timeouts);
	ev_prepare_stop(b.loop, &prep);
	sess_ep_free(cep);
	sess_ep_free(sep);
	impair_free(lossy[0].im);
	impair_free(lossy[1].im);
	close(sfd);
	close(cfd);
	unlink(pins);
	rmdir(dir);
	free(b.buf);
	return 0;
}
