/*
 * udp-proxy.c: a lossy path on loopback, for tests and measurements.
 *
 *   udp-proxy [-p PORT] [-S SEED] [-l LOSS] [-d DUP] [-r REORDER]
 *             [-D DELAY_MS] [-J JITTER_MS] [-R REORDER_MS] SERVER_PORT
 *
 * It listens on 127.0.0.1:PORT (0, the default: an ephemeral port) and
 * forwards every datagram to 127.0.0.1:SERVER_PORT and the answers back,
 * through tests/support/impair.c: seeded loss, duplication and
 * reordering (probabilities in [0, 1], the same both ways), with a small
 * delay so that reordering has something to overtake.  Each client
 * source address gets its own upstream socket, all bound to 127.0.0.1,
 * so to the server every client seems to be behind one address, as
 * behind a NAT.  The upstream sockets are never connected: a server
 * that restarts on the same port is reached again at once.
 *
 * SIGUSR1 rebinds: every client gets a new upstream socket, on the next
 * loopback address (127.0.0.2, then .3, ...), as when a NAT maps a flow
 * anew or a client moves to another network; the proxy says "rebound
 * to ADDRESS" on standard output.
 *
 * "ready on port N" goes to standard output once it listens; at SIGTERM
 * or SIGINT it prints what the impairment did each way and exits.  With
 * $PROXY_TRACE naming a file, every datagram read ("in") and forwarded
 * ("out") is written there: monotonic seconds, direction, the client's
 * port and the length, to see where a flow stalled.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "tests/support/impair.h"

#define PROXY_FLOWS	4096		/* client addresses at most */
#define PROXY_BUF	65536
#define MS_NS		UINT64_C(1000000)

enum {
	DIR_UP,		/* client to server */
	DIR_DOWN,	/* server to client */
};

/* One client address and the upstream socket it is seen through. */
struct flow {
	struct sockaddr_in	 client;
	int			 fd;
};

static volatile sig_atomic_t	 proxy_quit, proxy_rebind;
static uint32_t			 upstream = INADDR_LOOPBACK;
static struct flow		*flows;
static size_t			 nflows;
static FILE			*trace;

static void
proxy_signal(int sig)
{
	if (sig == SIGUSR1)
		proxy_rebind = 1;
	else
		proxy_quit = 1;
}

/* Monotonic nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A UDP socket bound to addr (host order) and port (0: any). */
static int
proxy_socket_on(uint32_t addr, uint16_t port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		fatal("bind %08x:%u", addr, port);
	return fd;
}

/* A loopback UDP socket bound to port (0: any). */
static int
proxy_socket(uint16_t port)
{
	return proxy_socket_on(INADDR_LOOPBACK, port);
}

/* The flow of a client address, made if new; NULL when full. */
static struct flow *
proxy_flow(const struct sockaddr_in *from)
{
	size_t	i;

	for (i = 0; i < nflows; i++)
		if (flows[i].client.sin_port == from->sin_port &&
		    flows[i].client.sin_addr.s_addr == from->sin_addr.s_addr)
			return &flows[i];
	if (nflows == PROXY_FLOWS)
		return NULL;
	flows[nflows].client = *from;
	flows[nflows].fd = proxy_socket_on(upstream, 0);
	return &flows[nflows++];
}

/* Parse a probability; exits if it is not one. */
static double
proxy_prob(const char *s)
{
	char	*end;
	double	 p = strtod(s, &end);

	if (*end != '\0' || p < 0 || p > 1)
		fatalx("%s: not a probability in [0, 1]", s);
	return p;
}

/* Parse a number of milliseconds; exits if it is not one. */
static uint64_t
proxy_ms(const char *s)
{
	char		*end;
	unsigned long	 v = strtoul(s, &end, 10);

	if (*end != '\0' || v > 60000)
		fatalx("%s: not a number of milliseconds (0 to 60000)", s);
	return (uint64_t)v * MS_NS;
}

/* Read every datagram waiting on fd into the impairment layer. */
static void
proxy_read(struct impair *im, int fd, int dir, const struct flow *f)
{
	uint8_t			 buf[PROXY_BUF];
	struct sockaddr_in	 from;
	socklen_t		 fromlen;
	struct flow		*nf;
	ssize_t			 n;

	for (;;) {
		fromlen = sizeof from;
		n = recvfrom(fd, buf, sizeof buf, MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			/* ECONNREFUSED and the like: the server is away. */
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue;
		}
		if ((size_t)n > sizeof buf || fromlen != sizeof from)
			continue;
		if (dir == DIR_UP) {
			if ((nf = proxy_flow(&from)) == NULL)
				continue;
			f = nf;
		}
		if (trace != NULL)
			fprintf(trace, "%.6f in %s %u %zd\n", now_ns() / 1e9,
			    dir == DIR_UP ? "up" : "down",
			    (unsigned)ntohs(f->client.sin_port), n);
		/* Either way the flow is named by its client's address. */
		impair_submit(im, dir, now_ns(), buf, (size_t)n,
		    (const struct sockaddr *)&f->client, sizeof f->client);
	}
}

/* Send what the impairment layer has due. */
static void
proxy_write(struct impair *im, int lfd, const struct sockaddr_in *server)
{
	struct impair_pkt	 p;
	struct flow		*f;

	while (impair_pop(im, now_ns(), &p)) {
		if ((f = proxy_flow((const struct sockaddr_in *)p.from)) ==
		    NULL)
			continue;
		if (trace != NULL)
			fprintf(trace, "%.6f out %s %u %zu\n", now_ns() / 1e9,
			    p.dir == DIR_UP ? "up" : "down",
			    (unsigned)ntohs(f->client.sin_port), p.len);
		/* Failures (the server down, buffers full) are losses. */
		if (p.dir == DIR_UP)
			(void)sendto(f->fd, p.data, p.len, 0,
			    (const struct sockaddr *)server, sizeof *server);
		else
			(void)sendto(lfd, p.data, p.len, 0,
			    (const struct sockaddr *)&f->client,
			    sizeof f->client);
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: udp-proxy [-p PORT] [-S SEED] [-l LOSS] "
	    "[-d DUP] [-r REORDER] [-D DELAY_MS] [-J JITTER_MS] "
	    "[-R REORDER_MS] SERVER_PORT\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct impair_conf		 conf;
	struct impair			*im;
	struct sockaddr_in		 server, sin;
	const struct impair_stats	*st;
	struct pollfd			*pfd;
	struct sigaction		 sa;
	socklen_t			 slen = sizeof sin;
	uint64_t			 next, now;
	unsigned long			 port = 0, sport;
	size_t				 i, n;
	char				*end;
	int				 c, d, lfd, timeout;

	log_init("udp-proxy", LOG_TO_STDERR, 0);
	if (getenv("PROXY_TRACE") != NULL &&
	    (trace = fopen(getenv("PROXY_TRACE"), "w")) != NULL)
		setvbuf(trace, NULL, _IOLBF, 0);
	memset(&conf, 0, sizeof conf);
	conf.seed = 1;
	for (d = 0; d < IMPAIR_DIRS; d++) {
		conf.dir[d].delay_ns = 1 * MS_NS;
		conf.dir[d].reorder_ns = 5 * MS_NS;
	}
	while ((c = getopt(argc, argv, "p:S:l:d:r:D:J:R:")) != -1) {
		for (d = 0; d < IMPAIR_DIRS; d++)
			switch (c) {
			case 'l': conf.dir[d].loss = proxy_prob(optarg); break;
			case 'd': conf.dir[d].dup = proxy_prob(optarg); break;
			case 'r':
				conf.dir[d].reorder = proxy_prob(optarg);
				break;
			case 'D': conf.dir[d].delay_ns = proxy_ms(optarg); break;
			case 'J':
				conf.dir[d].jitter_ns = proxy_ms(optarg);
				break;
			case 'R':
				conf.dir[d].reorder_ns = proxy_ms(optarg);
				break;
			}
		switch (c) {
		case 'p':
			port = strtoul(optarg, &end, 10);
			if (*end != '\0' || port > 65535)
				usage();
			break;
		case 'S':
			conf.seed = strtoull(optarg, &end, 10);
			if (*end != '\0')
				usage();
			break;
		case 'l': case 'd': case 'r': case 'D': case 'J': case 'R':
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	sport = strtoul(argv[optind], &end, 10);
	if (*end != '\0' || sport == 0 || sport > 65535)
		usage();
	memset(&server, 0, sizeof server);
	server.sin_family = AF_INET;
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	server.sin_port = htons((uint16_t)sport);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = proxy_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = proxy_socket((uint16_t)port);
	if (getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		fatal("getsockname");
	flows = xcalloc(PROXY_FLOWS, sizeof *flows);
	pfd = xcalloc(PROXY_FLOWS + 1, sizeof *pfd);
	im = impair_new(&conf);
	printf("udp-proxy: ready on port %u, to port %lu\n",
	    ntohs(sin.sin_port), sport);
	fflush(stdout);

	while (!proxy_quit) {
		if (proxy_rebind) {
			proxy_rebind = 0;
			upstream++;
			for (i = 0; i < nflows; i++) {
				close(flows[i].fd);
				flows[i].fd = proxy_socket_on(upstream, 0);
			}
			printf("udp-proxy: rebound to 127.0.0.%u\n",
			    (unsigned)(upstream & 0xff));
			fflush(stdout);
		}
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nflows; i++) {
			pfd[i + 1].fd = flows[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		n = nflows;
		next = impair_next(im);
		now = now_ns();
		timeout = next == UINT64_MAX ? 1000 : next <= now ? 0 :
		    (int)((next - now + MS_NS - 1) / MS_NS);
		if (timeout > 1000)
			timeout = 1000;
		if (poll(pfd, n + 1, timeout) == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[0].revents != 0)
			proxy_read(im, lfd, DIR_UP, NULL);
		for (i = 0; i < n; i++)
			if (pfd[i + 1].revents != 0)
				proxy_read(im, flows[i].fd, DIR_DOWN,
				    &flows[i]);
		proxy_write(im, lfd, &server);
	}

	printf("udp-proxy: %zu clients\n", nflows);
	for (d = 0; d < IMPAIR_DIRS; d++) {
		st = impair_stats(im, d);
		printf("udp-proxy: %s: in %llu dropped %llu duplicated %llu "
		    "reordered %llu out %llu\n", d == DIR_UP ? "up" : "down",
		    (unsigned long long)st->in,
		    (unsigned long long)st->dropped,
		    (unsigned long long)st->duplicated,
		    (unsigned long long)st->reordered,
		    (unsigned long long)st->out);
	}
	fflush(stdout);
	impair_free(im);
	for (i = 0; i < nflows; i++)
		close(flows[i].fd);
	free(flows);
	free(pfd);
	close(lfd);
	return 0;
}
