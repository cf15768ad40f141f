/*
 * chat-hostile.c: a hostile chat client, to test chatd's limits.  It opens
 * sessions with the public session API (one socket each, run through
 * sess_ep_set_io() so that it can choose what it reads) and misbehaves:
 *
 *   chat-hostile -s HOST:PORT [-n N] [-d SECONDS] [-A BYTES] garbage
 *       N sessions that never log in send 2-byte malformed chat messages
 *       as fast as their sessions take them, for SECONDS; a session that
 *       chatd closes is opened again.  They never read: every datagram
 *       from chatd of BYTES or more (one carrying a message: header, tag
 *       and a fragment) is dropped unread, so chatd's answers are never
 *       acknowledged; pure ACKs still get through.  -A 0 reads all.
 *   chat-hostile -s HOST:PORT -u NICK -p PASSWORD [-R] rawsend TO TEXT
 *       logs in (registers with -R) and sends one SEND of TEXT as given,
 *       past any check a client would make.
 *
 * One line of key=value pairs goes to stdout.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
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
#include "base/udp.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "sess/session.h"
#include "sess/sessproto.h"

#define CH_MAX		1024		/* sessions */
#define CH_BATCH	256		/* garbage messages per session a turn */
/* The smallest datagram that carries a message: header, tag, FRAG header
 * and the shortest answer chatd gives (ERROR with a short detail). */
#define CH_DATA_MIN	(SP_HDR_LEN + SP_TAG_LEN + SP_FRAG_HDR + 31)

struct ch_client {
	struct sess_ep	*ep;
	struct sess	*s;
	int		 fd;
	int		 up;
};

static struct {
	struct addr		 server;
	char			 pinfile[64];
	struct sess_conf	 sc;
	struct ch_client	 c[CH_MAX];
	unsigned int		 n;
	size_t			 drop_from;	/* drop DATA this long or more */
	const char		*mode;
	const char		*nick, *pw, *to, *text;
	int			 reg;
	/* what happened */
	uint64_t		 sent, sent_bytes, connects, ups, lost;
	uint64_t		 rx, rx_dropped;
	int			 welcome, done, err_code;
	uint64_t		 accepted_sid;
} ch;

static uint64_t
ch_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* sess_xmit_fn: one datagram on the client's own socket. */
static void
ch_xmit(void *arg, const uint8_t *buf, size_t len, const struct sockaddr *sa,
    socklen_t salen)
{
	struct ch_client	*c = arg;

	(void)sendto(c->fd, buf, len, MSG_DONTWAIT, sa, salen);
}

/* Encode m and send it on c's session. */
static int
ch_send(struct ch_client *c, const struct cp_msg *m)
{
	uint8_t	buf[CP_MAX_MSG];
	size_t	n;

	if ((n = cp_encode(buf, sizeof buf, m)) == 0)
		fatalx("cannot encode %s", cp_typename(m->type));
	return sess_send(c->s, buf, n);
}

static void
ch_up(struct sess *s, void *arg)
{
	struct ch_client	*c = arg;
	struct cp_msg		 m;

	c->up = 1;
	ch.ups++;
	if (strcmp(ch.mode, "rawsend") != 0)
		return;
	memset(&m, 0, sizeof m);
	m.type = ch.reg ? CP_REGISTER : CP_LOGIN;
	m.id = 1;
	m.nick.p = (const uint8_t *)ch.nick;
	m.nick.len = strlen(ch.nick);
	m.secret.p = (const uint8_t *)ch.pw;
	m.secret.len = strlen(ch.pw);
	ch_send(c, &m);
}

static void
ch_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct ch_client	*c = arg;
	struct cp_msg		 m;

	if (cp_decode(buf, len, &m) != CPE_NONE)
		return;
	switch (m.type) {
	case CP_WELCOME:
		ch.welcome = 1;
		memset(&m, 0, sizeof m);
		m.type = CP_SEND;
		m.id = 2;
		m.nick.p = (const uint8_t *)ch.to;
		m.nick.len = strlen(ch.to);
		m.text.p = (const uint8_t *)ch.text;
		m.text.len = strlen(ch.text);
		if (ch_send(c, &m) == -1)
			fatal("send");
		break;
	case CP_ERROR:
		ch.err_code = m.code;
		ch.done = 1;
		break;
	case CP_ACCEPTED:
		ch.accepted_sid = m.sid;
		ch.done = 1;
		break;
	default:
		break;
	}
}

static void
ch_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct ch_client	*c = arg;

	c->s = NULL;
	c->up = 0;
	ch.lost++;
}

/* Open (again) the session of client c. */
static void
ch_connect(struct ch_client *c)
{
	struct sess_cb	scb = { ch_up, ch_message, ch_lost, c };
	char		err[256];

	if (c->ep != NULL)
		sess_ep_free(c->ep);
	if (c->fd <= 0 && (c->fd = udp_client((struct sockaddr *)
	    &ch.server.ss, err, sizeof err)) == -1)
		fatalx("%s", err);
	if (sess_socket_dontfrag(c->fd) == -1)
		fatal("don't-fragment");
	c->ep = sess_client_new(NULL, -1, (struct sockaddr *)&ch.server.ss,
	    ch.server.len, "chat-hostile", ch.pinfile, &ch.sc, &scb);
	sess_ep_set_io(c->ep, ch_xmit, NULL, c);
	c->s = sess_connect(c->ep);
	c->up = 0;
	ch.connects++;
}

/* Read what waits on c's socket; in garbage mode, never what chatd says. */
static void
ch_input(struct ch_client *c)
{
	uint8_t	buf[SP_MAX_DGRAM + 1];
	ssize_t	n;

	while ((n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
		ch.rx++;
		if (ch.drop_from > 0 && sp_type(buf, (size_t)n) == SP_T_DATA &&
		    (size_t)n >= ch.drop_from) {
			ch.rx_dropped++;
			continue;
		}
		sess_ep_input(c->ep, buf, (size_t)n,
		    (struct sockaddr *)&ch.server.ss, ch.server.len);
	}
}

/* One turn: send, wait up to 1 ms for datagrams, read them, run timers. */
static void
ch_turn(int garbage)
{
	static const uint8_t	 junk[2] = { CP_VERSION, CP_SEND };
	struct pollfd		 pfd[CH_MAX];
	struct ch_client	*c;
	unsigned int		 i, k;

	for (i = 0; i < ch.n; i++) {
		c = &ch.c[i];
		if (c->s == NULL) {
			if (garbage)
				ch_connect(c);
			continue;
		}
		if (!garbage || !c->up)
			continue;
		sess_ep_hold(c->ep);
		for (k = 0; k < CH_BATCH && c->s != NULL; k++) {
			if (sess_send(c->s, junk, sizeof junk) == -1)
				break;
			ch.sent++;
			ch.sent_bytes += sizeof junk;
		}
		sess_ep_release(c->ep);
	}
	for (i = 0; i < ch.n; i++) {
		pfd[i].fd = ch.c[i].fd;
		pfd[i].events = POLLIN;
	}
	if (poll(pfd, ch.n, 1) > 0)
		for (i = 0; i < ch.n; i++)
			if (pfd[i].revents & POLLIN)
				ch_input(&ch.c[i]);
	for (i = 0; i < ch.n; i++)
		if (ch.c[i].ep != NULL)
			sess_ep_run(ch.c[i].ep);
}

static void
usage(void)
{
	fprintf(stderr, "usage: chat-hostile -s HOST:PORT [-n sessions] "
	    "[-d seconds] [-A bytes] garbage\n"
	    "       chat-hostile -s HOST:PORT -u NICK -p PASSWORD [-R] "
	    "rawsend TO TEXT\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char		err[256], dir[] = "/tmp/chat-hostileXXXXXX";
	double		secs = 5;
	uint64_t	t0, end;
	int		ch_opt, have_server = 0;

	ch.n = 20;
	ch.drop_from = CH_DATA_MIN;
	while ((ch_opt = getopt(argc, argv, "s:n:d:A:u:p:R")) != -1) {
		switch (ch_opt) {
		case 's':
			if (addr_parse(optarg, "8081", 0, &ch.server, 1, err,
			    sizeof err) < 1)
				fatalx("%s", err);
			have_server = 1;
			break;
		case 'n':
			ch.n = (unsigned int)atoi(optarg);
			if (ch.n < 1 || ch.n > CH_MAX)
				usage();
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'A':
			ch.drop_from = (size_t)atoi(optarg);
			break;
		case 'u':
			ch.nick = optarg;
			break;
		case 'p':
			ch.pw = optarg;
			break;
		case 'R':
			ch.reg = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || !have_server)
		usage();
	ch.mode = argv[0];
	log_init("chat-hostile", LOG_TO_STDERR, 0);
	if (sodium_init() == -1)
		fatalx("libsodium");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(ch.pinfile, sizeof ch.pinfile, "%s/known", dir);
	sess_conf_default(&ch.sc);
	t0 = ch_now();
	if (strcmp(ch.mode, "garbage") == 0 && argc == 1) {
		unsigned int	i;

		for (i = 0; i < ch.n; i++)
			ch_connect(&ch.c[i]);
		end = t0 + (uint64_t)(secs * 1e9);
		while (ch_now() < end)
			ch_turn(1);
		secs = (double)(ch_now() - t0) / 1e9;
		printf("mode=garbage sessions=%u secs=%.1f sent=%llu "
		    "bytes=%llu rate=%.0f connects=%llu ups=%llu lost=%llu "
		    "rx=%llu rx_dropped=%llu\n", ch.n, secs,
		    (unsigned long long)ch.sent,
		    (unsigned long long)ch.sent_bytes, (double)ch.sent / secs,
		    (unsigned long long)ch.connects,
		    (unsigned long long)ch.ups, (unsigned long long)ch.lost,
		    (unsigned long long)ch.rx,
		    (unsigned long long)ch.rx_dropped);
	} else if (strcmp(ch.mode, "rawsend") == 0 && argc == 3 &&
	    ch.nick != NULL && ch.pw != NULL) {
		ch.to = argv[1];
		ch.text = argv[2];
		ch.n = 1;
		ch.drop_from = 0;
		ch_connect(&ch.c[0]);
		end = t0 + (uint64_t)(secs * 1e9);
		while (!ch.done && ch.c[0].s != NULL && ch_now() < end)
			ch_turn(0);
		printf("mode=rawsend welcome=%d accepted=%d error=%d\n",
		    ch.welcome, ch.accepted_sid != 0, ch.err_code);
	} else
		usage();
	unlink(ch.pinfile);
	rmdir(dir);
	return 0;
}
