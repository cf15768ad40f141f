/*
 * irc-bench.c: a load generator for IRC servers (ngircd, InspIRCd), the
 * baselines bench/chat-bench.sh measures chatd beside.  Many IRC clients
 * over loopback TCP in one thread; each registers (NICK, USER) and, in
 * chan mode, joins one channel.  Receivers set TCP_QUICKACK after every
 * read, so that the kernel's delayed ACKs do not pace the server.
 *
 *   irc-bench -s HOST:PORT -P PID [options] pairs|chan|wait
 *
 * pairs  -n N senders each keep -w messages (PRIVMSG to a nick of its
 *        own receiver) not yet received by it: the 1:1 relay.
 * chan   -m M clients join one channel; the first sends PRIVMSGs to it,
 *        keeping -w messages not yet received by every other member:
 *        the fan-out, M - 1 copies of each message.
 * wait   connect until the server accepts, for up to 10 s (exit 1 if
 *        it never does).
 *
 * Over -d seconds after -W seconds of warm-up: copies delivered a second
 * and the server's CPU (PID's CPU clock, every thread: cpu.h) per copy
 * delivered.  The text of each message is 64 bytes, as bench/chat-bench
 * sends.  One line of key=value pairs goes to stdout.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"
#include "base/addr.h"
#include "base/log.h"
#include "base/xmalloc.h"

#define IB_RBUF		65536
#define IB_WBUF		(1 << 20)
#define IB_TEXT		64		/* bytes of message text */
#define IB_CHAN		"#bench"
#define SEC		1000000000ULL

struct ib_client {
	int		 fd;
	int		 sender;
	int		 welcome, joined, dead;
	unsigned int	 index, peer;
	uint64_t	 sent, got;
	char		 rbuf[IB_RBUF];
	size_t		 rlen;
	char		*wbuf;
	size_t		 wlen;
};

static struct {
	struct addr		 server;
	int			 pid, chan;
	unsigned int		 n, nconn, window;	/* nconn: connected */
	double			 duration, warmup;
	char			 prefix[16];
	struct ib_client	*c;
	struct pollfd		*pfd;
	uint64_t		 welcomed, joined, delivered, errors, lost;
	int			 measuring, sending, quitting;
} ib;

static uint64_t
ib_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}


/* Queue a line (with its CRLF) for c. */
static void
ib_queue(struct ib_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
ib_queue(struct ib_client *c, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(c->wbuf + c->wlen, IB_WBUF - c->wlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= IB_WBUF - c->wlen)
		fatalx("client %u: output buffer full", c->index);
	c->wlen += (size_t)n;
}

static void
ib_dead(struct ib_client *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (ib.quitting)
		return;
	ib.lost++;
	if (ib.lost <= 3)
		log_warnx("client %u: %s", c->index, why);
}

/* Write what c has queued, as far as the socket takes it. */
static void
ib_flush(struct ib_client *c)
{
	ssize_t	n;

	while (c->wlen > 0 && !c->dead) {
		n = write(c->fd, c->wbuf, c->wlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				ib_dead(c, strerror(errno));
			return;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - (size_t)n);
		c->wlen -= (size_t)n;
	}
}

static void
ib_nick(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s%u", ib.prefix, i);
}

/* One line from the server to c (no CRLF). */
static void
ib_line(struct ib_client *c, char *line)
{
	char	*cmd = line, *sp;

	if (*cmd == ':' && (cmd = strchr(line, ' ')) != NULL)
		cmd++;
	if (cmd == NULL)
		return;
	if (strncmp(cmd, "PRIVMSG ", 8) == 0) {
		c->got++;
		if (ib.measuring)
			ib.delivered++;
		return;
	}
	if (strncmp(cmd, "PING ", 5) == 0) {
		ib_queue(c, "PONG %s\r\n", cmd + 5);
		return;
	}
	if (strncmp(cmd, "001 ", 4) == 0 && !c->welcome) {
		c->welcome = 1;
		ib.welcomed++;
		if (ib.chan)
			ib_queue(c, "JOIN %s\r\n", IB_CHAN);
		return;
	}
	if (strncmp(cmd, "366 ", 4) == 0 && !c->joined) {
		c->joined = 1;
		ib.joined++;
		return;
	}
	/* 422: no message of the day, which is no error; nor is the
	 * ERROR that answers QUIT. */
	if (ib.quitting)
		return;
	if (strncmp(cmd, "ERROR ", 6) == 0 || (cmd[0] == '4' &&
	    (sp = strchr(cmd, ' ')) != NULL && sp - cmd == 3 &&
	    strncmp(cmd, "422 ", 4) != 0)) {
		ib.errors++;
		if (ib.errors <= 5)
			log_warnx("client %u: %s", c->index, line);
	}
}

/* Read what c has; every whole line to ib_line(). */
static void
ib_input(struct ib_client *c)
{
	char	*p, *e;
	ssize_t	 n;
	int	 one = 1;

	for (;;) {
		n = read(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			ib_dead(c, n == 0 ? "closed by the server" :
			    strerror(errno));
			return;
		}
		if (!c->sender)
			setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
			    sizeof one);
		c->rlen += (size_t)n;
		for (p = c->rbuf; (e = memchr(p, '\n', c->rlen - (size_t)(p -
		    c->rbuf))) != NULL; p = e + 1) {
			*e = '\0';
			if (e > p && e[-1] == '\r')
				e[-1] = '\0';
			ib_line(c, p);
		}
		c->rlen -= (size_t)(p - c->rbuf);
		memmove(c->rbuf, p, c->rlen);
		if (c->rlen == sizeof c->rbuf)
			fatalx("client %u: a line longer than %d bytes",
			    c->index, IB_RBUF);
	}
}

/* A message from sender c to its peer, or to the channel. */
static void
ib_send(struct ib_client *c)
{
	char	to[32];

	if (ib.chan)
		snprintf(to, sizeof to, "%s", IB_CHAN);
	else
		ib_nick(c->peer, to, sizeof to);
	/* The send time, padded to IB_TEXT bytes. */
	ib_queue(c, "PRIVMSG %s :%020llu %0*d\r\n", to,
	    (unsigned long long)ib_now(), IB_TEXT - 21, 0);
	c->sent++;
}

/* Senders top their window up: messages not yet at every receiver. */
static void
ib_pump(void)
{
	struct ib_client	*c;
	uint64_t		 least;
	unsigned int		 i;

	if (!ib.sending)
		return;
	if (ib.chan) {
		c = &ib.c[0];
		least = UINT64_MAX;
		for (i = 1; i < ib.n; i++)
			if (!ib.c[i].dead && ib.c[i].got < least)
				least = ib.c[i].got;
		while (least != UINT64_MAX && c->sent - least < ib.window)
			ib_send(c);
		return;
	}
	for (i = 0; i < ib.n; i += 2) {
		c = &ib.c[i];
		while (c->sent - ib.c[c->peer].got < ib.window)
			ib_send(c);
	}
}

/* One turn: poll, input, the senders, output. */
static void
ib_turn(int wait_ms)
{
	unsigned int	i;

	for (i = 0; i < ib.n; i++) {
		ib.pfd[i].fd = ib.c[i].dead || i >= ib.nconn ? -1 : ib.c[i].fd;
		ib.pfd[i].events = POLLIN | (ib.c[i].wlen > 0 ? POLLOUT : 0);
	}
	if (poll(ib.pfd, ib.n, wait_ms) > 0)
		for (i = 0; i < ib.n; i++)
			if (ib.pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				ib_input(&ib.c[i]);
	ib_pump();
	for (i = 0; i < ib.nconn; i++)
		ib_flush(&ib.c[i]);
}

static void
ib_run_for(double secs)
{
	uint64_t	end = ib_now() + (uint64_t)(secs * 1e9);

	while (ib_now() < end)
		ib_turn(1);
}

/* A connected non-blocking TCP socket to the server, or -1. */
static int
ib_connect(void)
{
	int	fd, one = 1;

	if ((fd = socket(ib.server.ss.ss_family, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&ib.server.ss, ib.server.len) ==
	    -1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Turn until every client is registered (and joined); fatal after 60 s. */
static void
ib_wait(void)
{
	uint64_t	end = ib_now() + 60 * SEC;

	while (ib.welcomed < ib.n || (ib.chan && ib.joined < ib.n)) {
		if (ib_now() > end || ib.lost > 0)
			fatalx("only %llu of %u clients registered, %llu "
			    "joined (%llu lost, %llu errors)",
			    (unsigned long long)ib.welcomed, ib.n,
			    (unsigned long long)ib.joined,
			    (unsigned long long)ib.lost,
			    (unsigned long long)ib.errors);
		ib_turn(1);
	}
}

/* Is every message sent received? */
static int
ib_drained(void)
{
	unsigned int	i;

	for (i = 0; i < ib.n; i++)
		if (ib.c[i].sender && !ib.c[i].dead &&
		    ib.c[i].sent != (ib.chan ? ib.c[1].got :
		    ib.c[ib.c[i].peer].got))
			return 0;
	for (i = 1; ib.chan && i < ib.n; i++)
		if (!ib.c[i].dead && ib.c[i].got != ib.c[0].sent)
			return 0;
	return 1;
}

/*
 * Leave as a client does: every message sent received, then QUIT and
 * the server's close awaited.  A server left to answer messages from
 * clients gone (ngircd, with penalties off) can spend seconds on write
 * errors, in the next measurement.
 */
static void
ib_quit(void)
{
	uint64_t	end = ib_now() + 5 * SEC;
	unsigned int	i, open;

	ib.sending = 0;
	while (!ib_drained() && ib_now() < end)
		ib_turn(1);
	ib.quitting = 1;
	for (i = 0; i < ib.n; i++)
		if (!ib.c[i].dead)
			ib_queue(&ib.c[i], "QUIT\r\n");
	end = ib_now() + 5 * SEC;
	do {
		ib_turn(1);
		for (i = open = 0; i < ib.n; i++)
			open += !ib.c[i].dead;
	} while (open > 0 && ib_now() < end);
}

static void
ib_run(void)
{
	struct ib_client	*c;
	char			 nick[32];
	unsigned int		 i;
	double			 c0, c1;
	uint64_t		 t0, t1;

	ib.c = xcalloc(ib.n, sizeof *ib.c);
	ib.pfd = xcalloc(ib.n, sizeof *ib.pfd);
	for (i = 0; i < ib.n; i++) {
		c = &ib.c[i];
		c->index = i;
		c->sender = ib.chan ? i == 0 : i % 2 == 0;
		c->peer = i ^ 1;
		c->wbuf = xmalloc(IB_WBUF);
		if ((c->fd = ib_connect()) == -1)
			fatal("connect");
		ib.nconn++;
		ib_nick(i, nick, sizeof nick);
		ib_queue(c, "NICK %s\r\nUSER %s 0 * :irc-bench\r\n", nick,
		    nick);
		ib_flush(c);
		/* A few at a time: servers throttle bursts of connections. */
		if (i % 16 == 15)
			ib_turn(0);
	}
	ib_wait();
	ib.sending = 1;
	ib_run_for(ib.warmup);
	ib.measuring = 1;
	c0 = cpu_of(ib.pid);
	t0 = ib_now();
	ib_run_for(ib.duration);
	c1 = cpu_of(ib.pid);
	t1 = ib_now();
	ib.measuring = 0;
	printf("mode=%s clients=%u window=%u rate=%.0f delivered=%llu "
	    "cpu_us=%.2f lost=%llu errors=%llu\n", ib.chan ? "chan" : "pairs",
	    ib.n, ib.window,
	    (double)ib.delivered / ((double)(t1 - t0) / 1e9),
	    (unsigned long long)ib.delivered,
	    ib.delivered > 0 ? (c1 - c0) * 1e6 / (double)ib.delivered : 0,
	    (unsigned long long)ib.lost, (unsigned long long)ib.errors);
	ib_quit();
	for (i = 0; i < ib.n; i++) {
		close(ib.c[i].fd);
		free(ib.c[i].wbuf);
	}
	free(ib.c);
	free(ib.pfd);
}

static void
usage(void)
{
	fprintf(stderr, "usage: irc-bench -s HOST:PORT [-P pid] [-n pairs] "
	    "[-m members] [-w window] [-d seconds] [-W warmup] "
	    "[-x nick-prefix] pairs|chan|wait\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char		err[256];
	unsigned int	pairs = 16, members = 100;
	uint64_t	end;
	int		ch, fd, have = 0;

	ib.window = 128;
	ib.duration = 5;
	ib.warmup = 1;
	snprintf(ib.prefix, sizeof ib.prefix, "i%x", (unsigned)getpid() &
	    0xffff);
	while ((ch = getopt(argc, argv, "s:P:n:m:w:d:W:x:")) != -1) {
		switch (ch) {
		case 's':
			if (addr_parse(optarg, "6667", 0, &ib.server, 1, err,
			    sizeof err) < 1)
				fatalx("%s", err);
			have = 1;
			break;
		case 'P':
			ib.pid = atoi(optarg);
			break;
		case 'n':
			pairs = (unsigned int)atoi(optarg);
			break;
		case 'm':
			members = (unsigned int)atoi(optarg);
			break;
		case 'w':
			ib.window = (unsigned int)atoi(optarg);
			break;
		case 'd':
			ib.duration = atof(optarg);
			break;
		case 'W':
			ib.warmup = atof(optarg);
			break;
		case 'x':
			snprintf(ib.prefix, sizeof ib.prefix, "%s", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || !have)
		usage();
	log_init("irc-bench", LOG_TO_STDERR, 0);
	if (strcmp(argv[optind], "wait") == 0) {
		for (end = ib_now() + 10 * SEC; ib_now() < end;
		    usleep(50000))
			if ((fd = ib_connect()) != -1) {
				close(fd);
				return 0;
			}
		return 1;
	}
	if (ib.pid <= 0 || ib.window == 0)
		usage();
	if (strcmp(argv[optind], "pairs") == 0) {
		if (pairs < 1 || pairs > 10000)
			usage();
		ib.n = 2 * pairs;
	} else if (strcmp(argv[optind], "chan") == 0) {
		if (members < 2 || members > 10000)
			usage();
		ib.n = members;
		ib.chan = 1;
	} else
		usage();
	ib_run();
	return 0;
}
