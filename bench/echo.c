/*
 * echo.c: a bare recvmmsg/sendmmsg UDP echo server, the ceiling a real
 * server is measured against.
 *
 * It does what timed's workers do with the socket, and nothing else: wait
 * for the socket to be readable, take a batch with recvmmsg (lib/base/udp.c),
 * copy every datagram into a reply batch and send it back to where it
 * came from with one sendmmsg.  No parsing, no
 * rate limiting, no counters on the hot path.  --workers threads share the
 * port with SO_REUSEPORT, like timed's.  "ready on port N" goes to stderr
 * once it is listening; SIGTERM and SIGINT stop it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/addr.h"
#include "base/log.h"
#include "base/udp.h"

#define ECHO_BUFSIZE	2048
#define ECHO_WORKERS	64

struct echo_worker {
	pthread_t	 thread;
	int		 fd;
	int		 batch;
};

static volatile sig_atomic_t	echo_quit;

static void
echo_signal(int sig)
{
	echo_quit = 1;
}

/* Echo every datagram on one socket until told to stop. */
static void *
echo_main(void *arg)
{
	struct echo_worker	*w = arg;
	struct udp_batch	*in, *out;
	struct pollfd		 pfd;
	uint8_t			*slot;
	size_t			 len;
	unsigned int		 i, failed = 0;
	int			 n;

	in = udp_batch_new((unsigned int)w->batch, ECHO_BUFSIZE, 0);
	out = udp_batch_new((unsigned int)w->batch, ECHO_BUFSIZE, 0);
	pfd.fd = w->fd;
	pfd.events = POLLIN;
	while (!echo_quit) {
		if ((n = udp_recv(w->fd, in)) == -1)
			fatal("recvmmsg");
		if (n == 0) {
			/* Short timeout: notice echo_quit without a pipe. */
			poll(&pfd, 1, 200);
			continue;
		}
		/* The same batch calls timed makes, minus the work between. */
		udp_reset(out);
		for (i = 0; i < (unsigned int)n; i++) {
			if (udp_truncated(in, i) || (slot = udp_slot(out)) == NULL)
				continue;
			len = udp_len(in, i);
			memcpy(slot, udp_data(in, i), len);
			udp_commit(out, len, udp_addr(in, i), udp_addrlen(in, i));
		}
		udp_send(w->fd, out, &failed);
	}
	udp_batch_free(in);
	udp_batch_free(out);
	return NULL;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen",	required_argument,	NULL, 'l' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "workers",	required_argument,	NULL, 'w' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct echo_worker	 w[ECHO_WORKERS];
	struct addr		 a;
	struct sigaction	 sa;
	const char		*host = "127.0.0.1", *port = "9001";
	char			 err[256];
	int			 ch, i, nworkers = 1, batch = 64;

	log_init(argv[0], LOG_TO_STDERR, 0);
	while ((ch = getopt_long(argc, argv, "l:p:w:b:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'l':
			host = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'w':
			nworkers = atoi(optarg);
			if (nworkers < 1 || nworkers > ECHO_WORKERS)
				fatalx("--workers: 1 to %d", ECHO_WORKERS);
			break;
		case 'b':
			batch = atoi(optarg);
			if (batch < 1 || batch > 1024)
				fatalx("--batch: 1 to 1024");
			break;
		case 'h':
			printf("usage: echo [-l ADDRESS] [-p PORT] [-w WORKERS] "
			    "[-b BATCH]\n");
			return 0;
		default:
			fprintf(stderr, "usage: echo [-l ADDRESS] [-p PORT] "
			    "[-w WORKERS] [-b BATCH]\n");
			return 2;
		}
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = echo_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (addr_resolve(host, port, 1, &a, 1, err, sizeof err) < 1)
		fatalx("%s: %s", host, err);
	for (i = 0; i < nworkers; i++) {
		w[i].batch = batch;
		w[i].fd = udp_bind((struct sockaddr *)&a.ss, a.len,
		    UDP_REUSEPORT, err, sizeof err);
		if (w[i].fd == -1)
			fatalx("%s", err);
		/* Port 0: the others join the port the first one got. */
		if (i == 0 && addr_port((struct sockaddr *)&a.ss) == 0) {
			a.len = sizeof a.ss;
			if (getsockname(w[0].fd, (struct sockaddr *)&a.ss,
			    &a.len) == -1)
				fatal("getsockname");
		}
	}
	for (i = 0; i < nworkers; i++)
		if (pthread_create(&w[i].thread, NULL, echo_main, &w[i]) != 0)
			fatalx("pthread_create failed");
	log_info("ready on port %u", addr_port((struct sockaddr *)&a.ss));
	for (i = 0; i < nworkers; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < nworkers; i++)
		close(w[i].fd);
	return 0;
}
