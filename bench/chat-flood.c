/*
 * chat-flood: a handshake flooder for testing chatd's defences (issue:
 * one host locks everyone out).  From one address it starts as many
 * session handshakes as it can: a HELLO without a cookie, and for every
 * COOKIE that comes back a HELLO with it (each cookie is bound to its
 * connection id and key, so each handshake needs its own).  It never
 * completes a handshake.  At the end it prints what it sent and got.
 *
 *   chat-flood -s HOST:PORT [-b ADDRESS] [-t SECONDS]
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/addr.h"
#include "base/log.h"
#include "sess/sessproto.h"

#define RING	4096		/* handshakes remembered by connection id */

struct pending {
	uint64_t	ccid;
	uint8_t		epk[SP_PK_LEN];
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: chat-flood -s HOST:PORT [-b ADDRESS] "
	    "[-t SECONDS]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static struct pending	 ring[RING];
	struct sockaddr_storage	 srv;
	struct addr		 a;
	struct sockaddr_in	 me;
	socklen_t		 slen;
	struct sp_hello		 h;
	struct sp_cookie	 c;
	struct pollfd		 pfd;
	uint8_t			 buf[SP_MAX_DGRAM + 1];
	const char		*server = NULL, *bind_to = "127.0.0.2";
	double			 secs = 5, t0, t;
	uint64_t		 hellos = 0, cookies = 0, accepts = 0;
	uint64_t		 with_cookie = 0, next = 0;
	ssize_t			 n;
	int			 ch, fd, i;
	char			 err[256];

	while ((ch = getopt(argc, argv, "b:s:t:")) != -1) {
		switch (ch) {
		case 'b':
			bind_to = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (server == NULL || secs <= 0)
		usage();
	log_init("chat-flood", LOG_TO_STDERR, 0);
	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");
	if (addr_parse(server, "8081", 0, &a, 1, err, sizeof err) < 1)
		fatalx("%s", err);
	memcpy(&srv, &a.ss, a.len);
	slen = a.len;
	if ((fd = socket(srv.ss_family, SOCK_DGRAM, 0)) == -1)
		fatal("socket");
	memset(&me, 0, sizeof me);
	me.sin_family = AF_INET;
	if (inet_pton(AF_INET, bind_to, &me.sin_addr) != 1)
		fatalx("%s: not an IPv4 address", bind_to);
	if (srv.ss_family == AF_INET &&
	    bind(fd, (struct sockaddr *)&me, sizeof me) == -1)
		fatal("bind %s", bind_to);
	pfd.fd = fd;
	pfd.events = POLLIN;
	t0 = now_s();
	while ((t = now_s()) - t0 < secs) {
		/* A few fresh handshakes, then whatever came back. */
		for (i = 0; i < 8; i++) {
			struct pending	*p = &ring[next++ % RING];

			memset(&h, 0, sizeof h);
			randombytes_buf(&p->ccid, sizeof p->ccid);
			randombytes_buf(p->epk, sizeof p->epk);
			h.ccid = p->ccid;
			memcpy(h.epk, p->epk, SP_PK_LEN);
			sp_hello_encode(buf, &h);
			if (sendto(fd, buf, SP_HELLO_LEN, 0,
			    (struct sockaddr *)&srv, slen) == SP_HELLO_LEN)
				hellos++;
		}
		while (poll(&pfd, 1, 0) > 0) {
			if ((n = recv(fd, buf, sizeof buf, 0)) <= 0)
				break;
			if (sp_cookie_decode(buf, (size_t)n, &c) == 0) {
				cookies++;
				for (i = 0; i < RING; i++)
					if (ring[i].ccid == c.ccid)
						break;
				if (i == RING)
					continue;
				memset(&h, 0, sizeof h);
				h.flags = SP_HELLO_COOKIE;
				h.ccid = c.ccid;
				memcpy(h.epk, ring[i].epk, SP_PK_LEN);
				memcpy(h.cookie, c.cookie, SP_MAC_LEN);
				sp_hello_encode(buf, &h);
				if (sendto(fd, buf, SP_HELLO_LEN, 0,
				    (struct sockaddr *)&srv, slen) ==
				    SP_HELLO_LEN) {
					hellos++;
					with_cookie++;
				}
			} else if (n == SP_ACCEPT_LEN && buf[0] == SP_T_ACCEPT)
				accepts++;
		}
	}
	t = now_s() - t0;
	printf("flood: %.1f s, %llu HELLOs (%.0f/s), %llu with a cookie, "
	    "%llu COOKIEs and %llu ACCEPTs back\n", t,
	    (unsigned long long)hellos, (double)hellos / t,
	    (unsigned long long)with_cookie, (unsigned long long)cookies,
	    (unsigned long long)accepts);
	close(fd);
	return 0;
}
