/*
 * chat-bench.c: a load generator for chatd.  Many simulated chat clients,
 * each a session endpoint of its own run through sess_ep_set_io(), share
 * a few connected UDP sockets: datagrams go out with sendmmsg and come in
 * with recvmmsg, routed to their endpoint by the client's connection id.
 * Every client registers its own account (chatd should run with cheap
 * Argon2 parameters; the password work is not what is measured), so chatd
 * must start with an empty state folder; or, with -L or -t, logs in to
 * accounts an earlier "reg" made.
 *
 *   chat-bench -s HOST:PORT -P PID [options] tput|lat|reg|mem|group
 *
 * -O PID,... (up to 8): tput and lat also print the CPU seconds each of
 * those processes spent in the measured window, and the window's length
 * (others_cpu_s=, window_s=), and mem the growth of each one's resident
 * memory a session (others_bytes_per_session=), for the processes of a
 * cluster beside the one -P names.
 * -a N spreads the sockets (-k, up to CB_SOCKS_MAX) over N source
 * addresses: socket i binds 127.0.0.(1 + i % N), so that chatd's
 * per-address limits see N hosts (or NATs), not one.  -r R paces new
 * sessions to R handshakes a second per address (chatd's [sessions]
 * hello_rate; 0: not paced), as honest clients that are refused would
 * end up doing by backing off.  -t FILE: "reg" asks for a device token
 * per account and writes them there, one per line; the other modes log
 * in with them (CPF_TOKEN: no Argon2, the token allowance per address),
 * as clients do after a restart.  -c: "reg" makes every receiver (odd
 * index i) and its sender (i - 1) contacts of each other (the receiver
 * asks, then the sender accepts by asking back), so that tput's senders
 * are held to pair_quota, not stranger_quota, as between people who
 * know each other.  A LOGIN or REGISTER refused as busy (14) or rate
 * limited (9) is retried a second later, as chatclient does.
 *
 * tput  -n N senders each keep -w messages not yet accepted to
 *       a receiver of their own, which marks the messages delivered and
 *       read (receipts on) as chatclient and chat-tui do: one MARK of
 *       each kind per turn, for the newest message (marks are
 *       cumulative; each message still earns its sender both receipts).
 *       Over -d seconds (after -W seconds):
 *       messages relayed per second (delivered to a receiver), chatd's
 *       CPU per relayed message (PID's CPU clock, cpu.h), and the send to
 *       deliver latency percentiles under that load.
 * lat   one pair, one message in flight: send to deliver and send to
 *       ACCEPTED latency, p50 and p99, over -d seconds.
 * reg   -N N clients register accounts PREFIXu0.. (-x PREFIX) and leave.
 *       With -g, the first then creates the group #PREFIXg and invites
 *       every other, and each accepts (a bench's config lifts the
 *       invitation and group change rates).
 * group -N N members of the group #PREFIXg (reg -g made it) log in; the
 *       first sends to the group, keeping -w messages not yet accepted
 *       or not yet at every other member, who mark what a turn brought
 *       delivered and read (GMARK) as chatclient and chat-tui do.  Over
 *       -d seconds: copies delivered a second, chatd's CPU per copy
 *       delivered, the send to deliver latency of the copies.
 * mem   -N N sessions log in to those accounts and stay idle: chatd's
 *       VmRSS grown, divided by N, is the memory per online session
 *       (restart chatd after reg, so none of it is reused free memory).
 *
 *   chat-bench storm [-J] [-N clients] [-R seconds] [-l loss] [-C logins/s]
 *
 * storm models -N clients (1000) on a virtual clock coming back to a
 * chatd killed and restarted -R seconds later, with chatclient's
 * reconnect rule (see cb_storm); -J takes the jitter out, to compare.
 *
 * One line of key=value pairs goes to stdout.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cpu.h"
#include "base/addr.h"
#include "chat/chatclient.h"
#include "chat/chatproto.h"
#include "base/log.h"
#include "sess/session.h"
#include "sess/sessproto.h"
#include "base/udp.h"
#include "base/xmalloc.h"

#define CB_SOCKS_MAX	1024
#define CB_ADDRS_MAX	254
#define CB_BATCH	64
#define CB_HASH		65536
#define CB_TEXT		64		/* bytes of message text */
#define CB_LAT_MAX	(1 << 22)	/* latency samples kept */
#define SEC		1000000000ULL

enum cb_role { CB_IDLE, CB_SENDER, CB_RECEIVER };

struct cb_client {
	struct sess_ep		*ep;
	struct sess		*s;
	struct cb_sock		*sock;
	struct cb_client	*hnext;		/* connection id hash chain */
	uint64_t		 cid;
	uint64_t		 deadline;	/* next timer, ns */
	int			 dirty;		/* run timers after input */
	int			 held;		/* output held for the turn */
	int			 welcome;	/* logged in */
	int			 lost;
	int			 roster;	/* reg -c: contact added */
	uint64_t		 retry_at;	/* resend LOGIN/REGISTER */
	enum cb_role		 role;
	unsigned int		 index, peer;
	unsigned int		 inflight;	/* sent, not accepted */
	uint64_t		 next_id;	/* the last message id */
	uint32_t		 tag;		/* of its message ids */
	uint64_t		 lat_sent;	/* lat mode: send time */
	uint64_t		 mark_sid;	/* newest MESSAGE of the turn */
	uint64_t		 sent, got;	/* group: this run's messages */
};

struct cb_sock {
	int			 fd;
	unsigned int		 ntx;
	struct mmsghdr		 tx[CB_BATCH];
	struct iovec		 txv[CB_BATCH];
	struct sockaddr_storage	 txaddr[CB_BATCH];
	uint8_t			 txbuf[CB_BATCH][SP_MAX_DGRAM];
};

struct cb_lat {
	uint64_t	*v;
	size_t		 n;
};

static struct {
	struct addr		 server;
	char			 server_str[ADDR_STRLEN];
	int			 pid;
	int			 others[8];	/* -O: more processes whose CPU
						 * the window counts */
	int			 nothers;
	unsigned int		 pairs, window, sessions, nsocks, naddrs;
	unsigned int		 pace;		/* handshakes/s per address */
	int			 login, contacts;
	int			 group;		/* reg -g, or group mode */
	char			 gname[32];	/* "#PREFIXg" */
	uint64_t		 ginfo, gerrors; /* reg -g: answers */
	uint64_t		 t_start;	/* group: sends after it count */
	const char		*tokfile;
	uint8_t			(*tokens)[32];	/* by client index */
	unsigned int		 ntokens;
	double			 duration, warmup, idle;
	const char		*mode;
	char			 prefix[16];
	char			 pinfile[256];
	struct sess_conf	 sc;
	struct cb_sock		*socks;
	struct cb_client	**all;
	unsigned int		 nclients;
	struct cb_client	*hash[CB_HASH];
	unsigned int		 dirty_n;
	struct cb_client	**dirty;
	/* Counters. */
	uint64_t		 welcomed, lost, errors, accepted;
	uint64_t		 retries, rostered;
	uint64_t		 delivered, receipts, tx_dropped;
	uint64_t		 dg_tx, dg_rx;	/* chatd's in and out */
	int			 measuring, sending;
	struct cb_lat		 deliver, accept;
} cb;

static uint64_t
cb_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static void
cb_lat_add(struct cb_lat *l, uint64_t ns)
{
	if (l->v == NULL)
		l->v = xcalloc(CB_LAT_MAX, sizeof *l->v);
	if (l->n < CB_LAT_MAX)
		l->v[l->n++] = ns;
}

static int
cb_u64cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of l, in microseconds. */
static double
cb_lat_q(struct cb_lat *l, double q)
{
	size_t	i;

	if (l->n == 0)
		return 0;
	qsort(l->v, l->n, sizeof *l->v, cb_u64cmp);
	i = (size_t)(q * (double)(l->n - 1));
	return (double)l->v[i] / 1e3;
}

/* Send what a socket has batched up. */
static void
cb_sock_flush(struct cb_sock *k)
{
	unsigned int	off = 0;
	int		n;

	while (off < k->ntx) {
		n = sendmmsg(k->fd, k->tx + off, k->ntx - off, 0);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			cb.tx_dropped += k->ntx - off;
			break;
		}
		off += (unsigned int)n;
		cb.dg_tx += (unsigned int)n;
	}
	k->ntx = 0;
}

/* sess_ep_set_io: a datagram from a client, batched on its socket. */
static void
cb_xmit(void *arg, const uint8_t *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	struct cb_client	*c = arg;
	struct cb_sock		*k = c->sock;

	if (k->ntx == CB_BATCH)
		cb_sock_flush(k);
	memcpy(k->txbuf[k->ntx], buf, len);
	k->txv[k->ntx].iov_base = k->txbuf[k->ntx];
	k->txv[k->ntx].iov_len = len;
	memset(&k->tx[k->ntx].msg_hdr, 0, sizeof k->tx[k->ntx].msg_hdr);
	k->tx[k->ntx].msg_hdr.msg_iov = &k->txv[k->ntx];
	k->tx[k->ntx].msg_hdr.msg_iovlen = 1;
	/* A copy: sa may be gone (a session closed) before the batch is
	 * sent. */
	memcpy(&k->txaddr[k->ntx], sa, salen);
	k->tx[k->ntx].msg_hdr.msg_name = &k->txaddr[k->ntx];
	k->tx[k->ntx].msg_hdr.msg_namelen = salen;
	k->ntx++;
}

static void
cb_dirty(struct cb_client *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		cb.dirty[cb.dirty_n++] = c;
	}
}

/* Encode m and send it on c's session. */
static int
cb_send(struct cb_client *c, const struct cp_msg *m)
{
	uint8_t	buf[CB_TEXT + 512];
	size_t	n;

	if ((n = cp_encode(buf, sizeof buf, m)) == 0)
		fatalx("cannot encode %s", cp_typename(m->type));
	return sess_send(c->s, buf, n);
}

static void
cb_nick(const struct cb_client *c, unsigned int i, char *buf, size_t len)
{
	(void)c;
	snprintf(buf, len, "%su%u", cb.prefix, i);
}

/* Send one text message from a sender to its receiver. */
static int
cb_send_text(struct cb_client *c)
{
	struct cp_msg	m;
	char		to[32], text[CB_TEXT + 1];
	uint64_t	t = cb_now();

	if (cb.group)
		snprintf(to, sizeof to, "%s", cb.gname);
	else
		cb_nick(c, c->peer, to, sizeof to);
	/* The send time rides in the text, padded to CB_TEXT bytes. */
	snprintf(text, sizeof text, "%020llu %0*d", (unsigned long long)t,
	    CB_TEXT - 21, 0);
	memset(&m, 0, sizeof m);
	m.type = CP_SEND;
	{
		struct timespec	ts;

		/* Ids as chatclient makes them (cp_msgid_next()). */
		clock_gettime(CLOCK_REALTIME, &ts);
		m.id = cp_msgid_next(&c->next_id, c->tag,
		    (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000);
	}
	m.nick.p = (const uint8_t *)to;
	m.nick.len = strlen(to);
	m.text.p = (const uint8_t *)text;
	m.text.len = CB_TEXT;
	if (cb_send(c, &m) == -1)
		return -1;
	c->inflight++;
	c->sent++;
	c->lat_sent = t;
	return 0;
}

static void
cb_up(struct sess *s, void *arg)
{
	struct cb_client	*c = arg;
	struct cp_msg		 m;
	char			 nick[32];

	(void)s;
	cb_nick(c, c->index, nick, sizeof nick);
	memset(&m, 0, sizeof m);
	m.type = cb.login ? CP_LOGIN : CP_REGISTER;
	m.id = 1;
	m.nick.p = (const uint8_t *)nick;
	m.nick.len = strlen(nick);
	m.secret.p = (const uint8_t *)"benchpw";
	m.secret.len = 7;
	if (!cb.login && cb.tokfile != NULL)
		m.flags = CPF_WANT_TOKEN;
	else if (cb.login && cb.tokens != NULL) {
		m.flags = CPF_TOKEN;
		m.secret.p = cb.tokens[c->index];
		m.secret.len = 32;
	}
	cb_send(c, &m);
}

/* reg -c: a client adds its partner (receiver i, sender i - 1). */
static void
cb_add_contact(struct cb_client *c)
{
	struct cp_msg	m;
	char		nick[32];

	cb_nick(c, c->index ^ 1, nick, sizeof nick);
	memset(&m, 0, sizeof m);
	m.type = CP_CONTACTS;
	m.id = 2;
	m.flags = 1;		/* add */
	m.nick.p = (const uint8_t *)nick;
	m.nick.len = strlen(nick);
	cb_send(c, &m);
}

static void
cb_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct cb_client	*c = arg;
	struct cp_msg		 m;
	uint64_t		 t, now;

	if (cp_decode(buf, len, &m) != CPE_NONE)
		return;
	switch (m.type) {
	case CP_WELCOME:
		c->welcome = 1;
		cb.welcomed++;
		if (cb.tokens != NULL && !cb.login) {
			if (m.secret.len != 32)
				fatalx("WELCOME without a device token");
			memcpy(cb.tokens[c->index], m.secret.p, 32);
		}
		break;
	case CP_ROSTER:
		if (m.id == 2 && !c->roster) {
			c->roster = 1;
			cb.rostered++;
		}
		break;
	case CP_GROUP_INFO:
	case CP_OK:
		if (m.id >= 3)
			cb.ginfo++;
		break;
	case CP_GMESSAGE:
		/* This run's messages (the send time in the text is after
		 * it began), not those caught up from earlier runs. */
		if (m.value == CPGE_TEXT && m.text.len >= 20) {
			char	tb[21];

			now = cb_now();
			memcpy(tb, m.text.p, 20);
			tb[20] = '\0';
			t = strtoull(tb, NULL, 10);
			if (t >= cb.t_start && t <= now) {
				c->got++;
				if (cb.measuring) {
					cb.delivered++;
					cb_lat_add(&cb.deliver, now - t);
				}
			}
		}
		if (m.sid > c->mark_sid)
			c->mark_sid = m.sid;
		break;
	case CP_GRECEIPT:
		if (cb.measuring)
			cb.receipts++;
		break;
	case CP_ERROR:
		if (m.reqtype == CP_GROUP)
			cb.gerrors++;
		if ((m.reqtype == CP_LOGIN || m.reqtype == CP_REGISTER) &&
		    (m.code == 9 || m.code == 14)) {
			/* Busy or rate limited: again in a second. */
			c->retry_at = cb_now() + SEC;
			cb.retries++;
			break;
		}
		cb.errors++;
		if (cb.errors <= 5)
			log_warnx("error %u to request type %u: %.*s", m.code,
			    m.reqtype, (int)m.text.len, m.text.p);
		if (m.reqtype == CP_SEND && c->inflight > 0)
			c->inflight--;
		break;
	case CP_ACCEPTED:
		if (c->inflight > 0)
			c->inflight--;
		if (cb.measuring) {
			cb.accepted++;
			cb_lat_add(&cb.accept, cb_now() - c->lat_sent);
		}
		break;
	case CP_MESSAGE:
		now = cb_now();
		if (m.text.len >= 20) {
			char	tb[21];

			memcpy(tb, m.text.p, 20);
			tb[20] = '\0';
			t = strtoull(tb, NULL, 10);
			if (cb.measuring && t <= now) {
				cb.delivered++;
				cb_lat_add(&cb.deliver, now - t);
			}
		}
		/* Receipts on: marked at the end of the turn (cb_mark()). */
		if (m.sid > c->mark_sid)
			c->mark_sid = m.sid;
		break;
	case CP_RECEIPT:
		if (cb.measuring)
			cb.receipts++;
		break;
	default:
		break;
	}
}

static void
cb_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct cb_client	*c = arg;

	(void)s;
	(void)why;
	c->lost = 1;
	c->s = NULL;
	cb.lost++;
}

/* A client endpoint on socket k; the handshake starts at once. */
static struct cb_client *
cb_client_new(unsigned int index, enum cb_role role, struct cb_sock *k)
{
	struct cb_client	*c = xcalloc(1, sizeof *c);
	struct sess_cb		 scb = { cb_up, cb_message, cb_lost, c };

	c->index = index;
	c->role = role;
	c->sock = k;
	c->tag = randombytes_random();
	c->ep = sess_client_new(NULL, -1, (struct sockaddr *)&cb.server.ss,
	    cb.server.len, "chat-bench", cb.pinfile, &cb.sc, &scb);
	sess_ep_set_io(c->ep, cb_xmit, NULL, c);
	c->s = sess_connect(c->ep);
	c->cid = sess_id(c->s);
	c->hnext = cb.hash[c->cid % CB_HASH];
	cb.hash[c->cid % CB_HASH] = c;
	cb_dirty(c);
	return c;
}

/* The connection id a datagram from the server is for; 0 if none. */
static uint64_t
cb_route(const uint8_t *buf, size_t len)
{
	struct sp_cookie	ck;
	struct sp_accept	ac;
	struct sp_hdr		h;

	switch (sp_type(buf, len)) {
	case SP_T_COOKIE:
		return sp_cookie_decode(buf, len, &ck) == 0 ? ck.ccid : 0;
	case SP_T_ACCEPT:
		return sp_accept_decode(buf, len, &ac) == 0 ? ac.ccid : 0;
	case SP_T_DATA:
		return sp_hdr_decode(buf, len, &h) == 0 ? h.dcid : 0;
	default:
		return 0;
	}
}

/* Read everything waiting on socket k and feed it to its clients. */
static void
cb_sock_input(struct cb_sock *k)
{
	static uint8_t		 rx[CB_BATCH][SP_MAX_DGRAM + 1];
	struct mmsghdr		 msg[CB_BATCH];
	struct iovec		 iov[CB_BATCH];
	struct cb_client	*c;
	uint64_t		 cid;
	int			 i, n;

	for (;;) {
		for (i = 0; i < CB_BATCH; i++) {
			iov[i].iov_base = rx[i];
			iov[i].iov_len = sizeof rx[i];
			memset(&msg[i].msg_hdr, 0, sizeof msg[i].msg_hdr);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(k->fd, msg, CB_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		cb.dg_rx += (unsigned int)n;
		for (i = 0; i < n; i++) {
			if ((cid = cb_route(rx[i], msg[i].msg_len)) == 0)
				continue;
			for (c = cb.hash[cid % CB_HASH]; c != NULL;
			    c = c->hnext)
				if (c->cid == cid)
					break;
			if (c == NULL || c->s == NULL)
				continue;
			/* Its ACKs wait for the turn's marks, as with
			 * chatclient's coalescing endpoint. */
			if (!c->held) {
				sess_ep_hold(c->ep);
				c->held = 1;
			}
			sess_ep_input(c->ep, rx[i], msg[i].msg_len,
			    (struct sockaddr *)&cb.server.ss, cb.server.len);
			cb_dirty(c);
		}
		if (n < CB_BATCH)
			return;
	}
}

/*
 * Receivers mark what the turn brought delivered and read, as a client
 * does: chatclient marks delivered once per loop turn, and chat-tui,
 * showing the conversation, marks read the newest message on screen.
 * In a group, chatclient sends the two as one GMARK read (which marks
 * delivered too) when the read reaches the turn's newest, as here.
 */
static void
cb_mark(struct cb_client *c)
{
	struct cp_msg	r;

	if (c->mark_sid == 0 || c->s == NULL)
		return;
	memset(&r, 0, sizeof r);
	r.type = cb.group ? CP_GMARK : CP_MARK;
	r.flags = CPR_DELIVERED;
	r.sid = c->mark_sid;
	sess_ep_hold(c->ep);
	if (cb.group) {
		r.nick.p = (const uint8_t *)cb.gname;
		r.nick.len = strlen(cb.gname);
	} else
		cb_send(c, &r);
	r.flags = CPR_READ;
	cb_send(c, &r);
	sess_ep_release(c->ep);
	c->mark_sid = 0;
}

/*
 * group: the first member keeps its window of messages not yet accepted
 * or not yet at every other member (the fan-out paces the sender, as
 * the receivers pace an IRC server in bench/irc-bench).
 */
static void
cb_gpump(void)
{
	struct cb_client	*c = cb.all[0];
	uint64_t		 least = UINT64_MAX, out;
	unsigned int		 i;

	if (!c->welcome || c->s == NULL)
		return;
	for (i = 1; i < cb.nclients; i++)
		if (cb.all[i]->s != NULL && cb.all[i]->got < least)
			least = cb.all[i]->got;
	if (least == UINT64_MAX)
		return;
	sess_ep_hold(c->ep);
	for (;;) {
		out = c->sent - (least < c->sent ? least : c->sent);
		if (out < c->inflight)
			out = c->inflight;
		if (out >= cb.window || cb_send_text(c) == -1)
			break;
	}
	sess_ep_release(c->ep);
	cb_dirty(c);
}

/* Senders top their window up. */
static void
cb_pump(void)
{
	struct cb_client	*c;
	unsigned int		 i;

	if (!cb.sending)
		return;
	if (cb.group) {
		cb_gpump();
		return;
	}
	for (i = 0; i < cb.nclients; i++) {
		c = cb.all[i];
		if (c->role != CB_SENDER || !c->welcome || c->s == NULL)
			continue;
		/* A client's sends of one turn leave together, as from a
		 * loop: not one datagram each. */
		sess_ep_hold(c->ep);
		while (c->inflight < cb.window)
			if (cb_send_text(c) == -1)
				break;
		sess_ep_release(c->ep);
		cb_dirty(c);
	}
}

/* One turn: input, timers of the clients touched or due, output. */
static void
cb_turn(int wait_ms)
{
	static struct pollfd	 pfd[CB_SOCKS_MAX];
	struct cb_client	*c;
	uint64_t		 now, every;
	unsigned int		 i;
	static uint64_t		 last_scan;

	for (i = 0; i < cb.nsocks; i++) {
		pfd[i].fd = cb.socks[i].fd;
		pfd[i].events = POLLIN;
	}
	if (poll(pfd, cb.nsocks, wait_ms) > 0)
		for (i = 0; i < cb.nsocks; i++)
			if (pfd[i].revents & POLLIN)
				cb_sock_input(&cb.socks[i]);
	cb_pump();
	now = cb_now();
	/* Timers every ms; every 10 ms with 100,000 idle clients. */
	every = SEC / 1000 * (1 + cb.nclients / 10000);
	if (now - last_scan >= every) {
		last_scan = now;
		for (i = 0; i < cb.nclients; i++) {
			c = cb.all[i];
			if (c->s != NULL && c->retry_at != 0 &&
			    c->retry_at <= now && !c->welcome) {
				c->retry_at = 0;
				cb_up(c->s, c);
				cb_dirty(c);
			}
			if (c->s != NULL && c->deadline <= now)
				cb_dirty(c);
		}
	}
	for (i = 0; i < cb.dirty_n; i++) {
		c = cb.dirty[i];
		cb_mark(c);
		if (c->held) {
			c->held = 0;
			sess_ep_release(c->ep);
		}
		c->dirty = 0;
		c->deadline = c->s != NULL ? sess_ep_run(c->ep) : UINT64_MAX;
	}
	cb.dirty_n = 0;
	for (i = 0; i < cb.nsocks; i++)
		cb_sock_flush(&cb.socks[i]);
}

/* Turn until want clients are logged in; fatal after 120 s. */
static void
cb_wait_welcome(uint64_t want)
{
	uint64_t	end = cb_now() + 120 * SEC;

	while (cb.welcomed < want) {
		if (cb_now() > end)
			fatalx("only %llu of %llu clients logged in (%llu "
			    "lost, %llu errors)", (unsigned long long)cb.welcomed,
			    (unsigned long long)want,
			    (unsigned long long)cb.lost,
			    (unsigned long long)cb.errors);
		cb_turn(1);
	}
}

static void
cb_run_for(double secs)
{
	uint64_t	end = cb_now() + (uint64_t)(secs * 1e9);

	while (cb_now() < end)
		cb_turn(1);
}


/* chatd's CPU, in seconds (cpu.h). */
static double
cb_cpu(void)
{
	return cpu_of(cb.pid);
}

/* Process pid's resident memory in bytes. */
static uint64_t
cb_rss_of(int pid)
{
	char			 path[64], line[256];
	FILE			*f;
	unsigned long long	 kb = 0;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* chatd's resident memory in bytes. */
static uint64_t
cb_rss(void)
{
	return cb_rss_of(cb.pid);
}

static void
cb_add(struct cb_client *c)
{
	cb.all[cb.nclients++] = c;
}

/* Client i's socket: i % nsocks, so spread over the addresses alike. */
static struct cb_sock *
cb_sock_of(unsigned int i)
{
	return &cb.socks[i % cb.nsocks];
}

/*
 * -r: before client i's handshake, wait until its address may have
 * another: i / naddrs handshakes per address so far, at pace a second.
 */
static void
cb_pace(unsigned int i, uint64_t t0)
{
	uint64_t	due;

	if (cb.pace == 0)
		return;
	due = t0 + (uint64_t)(i / cb.naddrs) * SEC / cb.pace;
	while (cb_now() < due)
		cb_turn(1);
}

/* reg -t: the tokens, one per line in hex, by client index. */
static void
cb_tokens_save(unsigned int n)
{
	char	hex[65];
	FILE	*f;
	unsigned int i;

	if ((f = fopen(cb.tokfile, "w")) == NULL)
		fatal("%s", cb.tokfile);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", sodium_bin2hex(hex, sizeof hex,
		    cb.tokens[i], 32));
	if (fclose(f) != 0)
		fatal("%s", cb.tokfile);
}

static void
cb_tokens_load(unsigned int n)
{
	char	line[128];
	FILE	*f;
	size_t	len;

	if ((f = fopen(cb.tokfile, "r")) == NULL)
		fatal("%s", cb.tokfile);
	while (cb.ntokens < n && fgets(line, sizeof line, f) != NULL) {
		if (sodium_hex2bin(cb.tokens[cb.ntokens], 32, line,
		    strcspn(line, "\n"), NULL, &len, NULL) != 0 || len != 32)
			fatalx("%s: bad token on line %u", cb.tokfile,
			    cb.ntokens + 1);
		cb.ntokens++;
	}
	fclose(f);
	if (cb.ntokens < n)
		fatalx("%s: %u tokens for %u clients", cb.tokfile, cb.ntokens,
		    n);
}

/* Close every session and let the closes go out: a session left open
 * would still be sent copies in the next run, until it timed out. */
static void
cb_close_all(void)
{
	unsigned int	i;

	cb.sending = 0;
	for (i = 0; i < cb.nclients; i++)
		if (cb.all[i]->s != NULL)
			sess_close(cb.all[i]->s);
	cb_run_for(0.3);
}

static void
cb_mode_traffic(unsigned int pairs, unsigned int window, int lat)
{
	unsigned int	i;
	double		c0, c1, o0[8], o1[8];
	uint64_t	t0, t1, d0, tx0, rx0;

	cb.window = window;
	t0 = cb_now();
	for (i = 0; i < 2 * pairs; i++) {
		cb_pace(i, t0);
		cb_add(cb_client_new(i, i % 2 == 0 ? CB_SENDER : CB_RECEIVER,
		    cb_sock_of(i)));
		cb.all[i]->peer = i ^ 1;
		if (i % 256 == 255)
			cb_turn(0);
	}
	cb_wait_welcome(2 * pairs);
	cb.sending = 1;
	cb_run_for(cb.warmup);
	cb.measuring = 1;
	for (i = 0; i < (unsigned int)cb.nothers; i++)
		o0[i] = cpu_of(cb.others[i]);
	c0 = cb_cpu();
	t0 = cb_now();
	d0 = cb.delivered;
	tx0 = cb.dg_tx;
	rx0 = cb.dg_rx;
	cb_run_for(cb.duration);
	c1 = cb_cpu();
	for (i = 0; i < (unsigned int)cb.nothers; i++)
		o1[i] = cpu_of(cb.others[i]);
	t1 = cb_now();
	cb.measuring = 0;
	/* -O: each other process's CPU seconds in the window, and the
	 * window's length, for a script that adds several generators. */
	if (cb.nothers > 0) {
		printf("window_s=%.3f others_cpu_s=", (double)(t1 - t0) / 1e9);
		for (i = 0; i < (unsigned int)cb.nothers; i++)
			printf("%s%.3f", i > 0 ? "," : "", o1[i] - o0[i]);
		printf(" ");
	}
	printf("mode=%s pairs=%u window=%u rate=%.0f delivered=%llu "
	    "accepted=%llu receipts=%llu cpu_us=%.2f p50_us=%.1f "
	    "p99_us=%.1f acc_p50_us=%.1f acc_p99_us=%.1f lost=%llu "
	    "errors=%llu txdrop=%llu dg_in=%.2f dg_out=%.2f retries=%llu\n",
	    lat ? "lat" : "tput", pairs, window,
	    (double)(cb.delivered - d0) / ((double)(t1 - t0) / 1e9),
	    (unsigned long long)cb.delivered,
	    (unsigned long long)cb.accepted,
	    (unsigned long long)cb.receipts,
	    cb.delivered > 0 ? (c1 - c0) * 1e6 / (double)cb.delivered : 0,
	    cb_lat_q(&cb.deliver, 0.5), cb_lat_q(&cb.deliver, 0.99),
	    cb_lat_q(&cb.accept, 0.5), cb_lat_q(&cb.accept, 0.99),
	    (unsigned long long)cb.lost, (unsigned long long)cb.errors,
	    (unsigned long long)cb.tx_dropped,
	    cb.delivered > d0 ?
	    (double)(cb.dg_tx - tx0) / (double)(cb.delivered - d0) : 0,
	    cb.delivered > d0 ?
	    (double)(cb.dg_rx - rx0) / (double)(cb.delivered - d0) : 0,
	    (unsigned long long)cb.retries);
	cb_close_all();
}

/* reg -c: clients of index parity odd add their partners; wait for
 * want contacts added in all. */
static void
cb_contacts_phase(unsigned int n, unsigned int odd, unsigned int want)
{
	unsigned int	i;
	uint64_t	end;

	for (i = odd; i < n; i += 2)
		cb_add_contact(cb.all[i]);
	for (i = odd; i < n; i += 2)
		cb_dirty(cb.all[i]);
	end = cb_now() + 60 * SEC;
	while (cb.rostered < want && cb_now() < end)
		cb_turn(1);
	if (cb.rostered < want)
		fatalx("only %llu of %u contacts added",
		    (unsigned long long)cb.rostered, want);
}

/* reg -g: a GROUP request from c (op on the group, target a nick). */
static void
cb_group_req(struct cb_client *c, uint8_t op, uint64_t id, const char *target)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_GROUP;
	m.id = id;
	m.flags = op;
	m.nick.p = (const uint8_t *)cb.gname;
	m.nick.len = strlen(cb.gname);
	if (target != NULL) {
		m.target.p = (const uint8_t *)target;
		m.target.len = strlen(target);
	}
	cb_send(c, &m);
	cb_dirty(c);
}

/* Turn until want GROUP requests are answered; fatal on an error. */
static void
cb_wait_ginfo(uint64_t want, const char *what)
{
	uint64_t	end = cb_now() + 60 * SEC;

	while (cb.ginfo + cb.gerrors < want && cb_now() < end)
		cb_turn(1);
	if (cb.gerrors > 0 || cb.ginfo < want)
		fatalx("%s: %llu of %llu answered, %llu errors", what,
		    (unsigned long long)cb.ginfo, (unsigned long long)want,
		    (unsigned long long)cb.gerrors);
}

/* reg -g: client 0 creates the group, invites the others, who accept. */
static void
cb_group_setup(unsigned int n)
{
	char		nick[32];
	unsigned int	i;

	cb_group_req(cb.all[0], CPG_CREATE, 3, NULL);
	cb_wait_ginfo(1, "create");
	for (i = 1; i < n; i++) {
		cb_nick(cb.all[i], i, nick, sizeof nick);
		cb_group_req(cb.all[0], CPG_INVITE, 1000 + i, nick);
	}
	cb_wait_ginfo(n, "invite");
	for (i = 1; i < n; i++)
		cb_group_req(cb.all[i], CPG_ACCEPT, 4, NULL);
	cb_wait_ginfo(2 * (uint64_t)n - 1, "accept");
}

/*
 * group: n members log in; the first sends to the group, the others
 * receive and mark.  Every copy delivered counts.
 */
static void
cb_mode_group(unsigned int n, unsigned int window)
{
	unsigned int	i;
	double		c0, c1;
	uint64_t	t0, t1, d0, a0, tx0, rx0;

	cb.window = window;
	cb.t_start = cb_now();
	t0 = cb_now();
	for (i = 0; i < n; i++) {
		cb_pace(i, t0);
		cb_add(cb_client_new(i, i == 0 ? CB_SENDER : CB_RECEIVER,
		    cb_sock_of(i)));
		if (i % 256 == 255)
			cb_turn(0);
	}
	cb_wait_welcome(n);
	cb.sending = 1;
	cb_run_for(cb.warmup);
	cb.measuring = 1;
	c0 = cb_cpu();
	t0 = cb_now();
	d0 = cb.delivered;
	a0 = cb.accepted;
	tx0 = cb.dg_tx;
	rx0 = cb.dg_rx;
	cb_run_for(cb.duration);
	c1 = cb_cpu();
	t1 = cb_now();
	cb.measuring = 0;
	printf("mode=group members=%u window=%u rate=%.0f delivered=%llu "
	    "accepted=%llu copies_per_msg=%.1f receipts=%llu cpu_us=%.2f "
	    "p50_us=%.1f p99_us=%.1f lost=%llu errors=%llu txdrop=%llu "
	    "dg_in=%.3f dg_out=%.3f retries=%llu\n", n, window,
	    (double)(cb.delivered - d0) / ((double)(t1 - t0) / 1e9),
	    (unsigned long long)(cb.delivered - d0),
	    (unsigned long long)(cb.accepted - a0),
	    cb.accepted > a0 ? (double)(cb.delivered - d0) /
	    (double)(cb.accepted - a0) : 0,
	    (unsigned long long)cb.receipts,
	    cb.delivered > d0 ? (c1 - c0) * 1e6 / (double)(cb.delivered - d0) :
	    0, cb_lat_q(&cb.deliver, 0.5), cb_lat_q(&cb.deliver, 0.99),
	    (unsigned long long)cb.lost, (unsigned long long)cb.errors,
	    (unsigned long long)cb.tx_dropped,
	    cb.delivered > d0 ?
	    (double)(cb.dg_tx - tx0) / (double)(cb.delivered - d0) : 0,
	    cb.delivered > d0 ?
	    (double)(cb.dg_rx - rx0) / (double)(cb.delivered - d0) : 0,
	    (unsigned long long)cb.retries);
	cb_close_all();
}

/*
 * reg: create n accounts and leave.  mem: log n sessions in to them and
 * stay; chatd should have been restarted in between, so that its memory
 * before holds no freed session memory for the second wave to reuse.
 */
static void
cb_mode_mem(unsigned int n, int login)
{
	unsigned int	i;
	uint64_t	r0, r1, r2, t0, t1, tx0, rx0, o0[8], o1[8];
	double		c0, c1, login_secs;
	int		j;

	r0 = cb_rss();
	for (j = 0; j < cb.nothers; j++)
		o0[j] = cb_rss_of(cb.others[j]);
	t0 = cb_now();
	for (i = 0; i < n; i++) {
		cb_pace(i, t0);
		cb_add(cb_client_new(i, CB_IDLE, cb_sock_of(i)));
		if (i % 128 == 127)
			cb_wait_welcome(i + 1 > 256 ? i + 1 - 256 : 0);
	}
	cb_wait_welcome(n);
	t1 = cb_now();
	login_secs = (double)(t1 - t0) / 1e9;
	if (!login) {
		/* Receivers ask, then senders accept by asking back. */
		for (i = 1; cb.contacts && i <= 2; i++)
			cb_contacts_phase(n, i % 2, n / 2 * i);
		if (cb.group)
			cb_group_setup(n);
		if (cb.tokens != NULL)
			cb_tokens_save(n);
		for (i = 0; i < n; i++)
			if (cb.all[i]->s != NULL)
				sess_close(cb.all[i]->s);
		cb_run_for(0.5);
		printf("mode=reg sessions=%u secs=%.1f contacts=%llu "
		    "errors=%llu retries=%llu\n", n, login_secs,
		    (unsigned long long)cb.rostered,
		    (unsigned long long)cb.errors,
		    (unsigned long long)cb.retries);
		return;
	}
	cb_run_for(2.0);
	r1 = cb_rss();
	/* -O: the others' growth a session too (a gateway's core). */
	if (cb.nothers > 0) {
		for (j = 0; j < cb.nothers; j++)
			o1[j] = cb_rss_of(cb.others[j]);
		printf("others_bytes_per_session=");
		for (j = 0; j < cb.nothers; j++)
			printf("%s%.0f", j > 0 ? "," : "",
			    ((double)o1[j] - (double)o0[j]) / n);
		printf(" ");
	}
	/* Idle: chatd's CPU for keepalives (and its timers) alone. */
	c0 = cb_cpu();
	tx0 = cb.dg_tx;
	rx0 = cb.dg_rx;
	t0 = cb_now();
	if (cb.idle > 0)
		cb_run_for(cb.idle);
	c1 = cb_cpu();
	t1 = cb_now();
	r2 = cb_rss();
	printf("mode=mem sessions=%u login_secs=%.1f rss_before=%llu "
	    "rss_after=%llu bytes_per_session=%.0f idle_secs=%.1f "
	    "idle_cpu_ms_per_s=%.2f idle_dg_in_per_s=%.0f "
	    "idle_dg_out_per_s=%.0f rss_after_idle=%llu lost=%llu "
	    "errors=%llu retries=%llu\n", n,
	    login_secs,
	    (unsigned long long)r0, (unsigned long long)r1,
	    ((double)r1 - (double)r0) / n, (double)(t1 - t0) / 1e9,
	    t1 > t0 ? (c1 - c0) * 1e3 / ((double)(t1 - t0) / 1e9) : 0,
	    t1 > t0 ? (double)(cb.dg_tx - tx0) / ((double)(t1 - t0) / 1e9) : 0,
	    t1 > t0 ? (double)(cb.dg_rx - rx0) / ((double)(t1 - t0) / 1e9) : 0,
	    (unsigned long long)r2, (unsigned long long)cb.lost,
	    (unsigned long long)cb.errors, (unsigned long long)cb.retries);
}

/*
 * storm: a model of many chat clients on a virtual clock, to see how they
 * come back after chatd is killed and restarted.  Each client is idle and
 * UP, its keepalive at a random phase, so it last heard the server up to
 * keepalive_ms before the kill; it takes the session for dead dead_ms
 * after that, then follows chatclient's own rule: chatclient_backoff()
 * before each attempt, HELLOs at 250 ms doubling to 2 s until the
 * handshake gives up (twice dead_ms), the login retried from 250 ms
 * doubling to 4 s (the session taken for dead after dead_ms without
 * an answer), and a login the server turns away (over -C logins a second)
 * retried after the backoff.  The server is back -R seconds after the
 * kill.  -G: a graceful stop instead, every session closed at once (as
 * a network outage that ends for all at the same moment); -J: the
 * jitter taken out (the largest delay of the range), to compare.  Datagrams are lost with probability -l each way; round trips
 * take no time.  It prints when the clients were logged in again, as a
 * histogram of 1 s buckets and the largest share of any 100 ms bucket.
 */
#define ST_KEEPALIVE	1.5		/* chatclient_conf_default() */
#define ST_DEAD		9.0
#define ST_HANDSHAKE	(2 * ST_DEAD)
#define ST_RTO0		0.25		/* chatclient's first HELLO retry */
#define ST_HELLO_MAX	2.0		/* the session layer's ceiling */
#define ST_RTO_MAX	4.0		/* chatclient's RTO ceiling */

enum st_phase { ST_WAIT, ST_HELLO, ST_COOKIE, ST_LOGIN, ST_DONE };

struct st_client {
	enum st_phase	 phase;
	double		 next;		/* when it next acts */
	double		 hs_start;	/* the handshake began */
	double		 rto;		/* the current retry interval */
	double		 heard;		/* the server last answered */
	unsigned int	 failures;	/* chatclient's count */
	double		 done;		/* logged in again */
};

static uint64_t	st_rng = 1;

/* splitmix64, uniform in [0, 1). */
static double
st_uniform(void)
{
	uint64_t	z = (st_rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

/* Wait chatclient's backoff, then connect. */
static void
st_retry_later(struct st_client *c, double now, int jitter)
{
	c->next = now + chatclient_backoff(c->failures, jitter ?
	    st_uniform() : 0.999999);
	if (c->failures < 32)
		c->failures++;
	c->phase = ST_WAIT;
}

static int
cb_storm(int argc, char *argv[])
{
	struct st_client	*v;
	unsigned int		 n = 1000, i, left, *hist, nb, b, big100 = 0;
	unsigned int		 *h100, served = 0;
	double			 restart = 2, loss = 0, cap = 0, now, rt, first,
				 last, window_start = 0, sum = 0;
	int			 ch, jitter = 1, graceful = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "N:R:l:C:S:JG")) != -1) {
		switch (ch) {
		case 'N': n = (unsigned int)atoi(optarg); break;
		case 'R': restart = atof(optarg); break;
		case 'l': loss = atof(optarg); break;
		case 'C': cap = atof(optarg); break;
		case 'S': st_rng = strtoull(optarg, NULL, 10); break;
		case 'J': jitter = 0; break;
		case 'G': graceful = 1; break;
		default:
			fprintf(stderr, "usage: chat-bench storm [-GJ] [-N clients] "
			    "[-R restart-seconds] [-l loss] [-C logins/s] "
			    "[-S seed]\n");
			return 2;
		}
	}
	if (n == 0 || restart < 0 || loss < 0 || loss >= 1 || cap < 0)
		fatalx("storm: bad arguments");
	if (restart == 0)
		restart = 1e-9;		/* back before anyone tries */
	v = xcalloc(n, sizeof *v);
	rt = (1 - loss) * (1 - loss);	/* a round trip gets through */
	for (i = 0; i < n; i++) {
		/* Killed at 0: dead dead_ms after the last ACK heard; or
		 * stopped at 0, closing every session at once. */
		now = graceful ? 0 : ST_DEAD - st_uniform() * ST_KEEPALIVE;
		st_retry_later(&v[i], now, jitter);
		v[i].failures = 1;
	}
	for (left = n; left > 0; left--) {
		/* The client acting soonest; each acts until it is done. */
		for (;;) {
			struct st_client *c = NULL;

			for (i = 0; i < n; i++)
				if (v[i].phase != ST_DONE &&
				    (c == NULL || v[i].next < c->next))
					c = &v[i];
			now = c->next;
			if (c->phase == ST_WAIT) {
				c->phase = ST_HELLO;
				c->hs_start = now;
				c->rto = ST_RTO0;
				c->next = now;
				continue;
			}
			if ((c->phase == ST_HELLO || c->phase == ST_COOKIE) &&
			    now >= c->hs_start + ST_HANDSHAKE) {
				st_retry_later(c, now, jitter);
				continue;
			}
			if (c->phase == ST_LOGIN && now >= c->heard + ST_DEAD) {
				st_retry_later(c, now, jitter);
				continue;
			}
			if (now < restart || st_uniform() >= rt) {
				/* No answer: retry with the backoff. */
				c->next = now + c->rto;
				c->rto *= 2;
				if (c->rto > (c->phase == ST_LOGIN ?
				    ST_RTO_MAX : ST_HELLO_MAX))
					c->rto = c->phase == ST_LOGIN ?
					    ST_RTO_MAX : ST_HELLO_MAX;
				continue;
			}
			c->heard = now;
			if (c->phase != ST_LOGIN) {
				/* COOKIE, then ACCEPT: each step afresh. */
				c->phase = c->phase == ST_HELLO ? ST_COOKIE :
				    ST_LOGIN;
				c->rto = ST_RTO0;
				continue;
			}
			/* A login: within the server's rate, or busy. */
			if (cap > 0) {
				if (now >= window_start + 1) {
					window_start = now - fmod(now -
					    window_start, 1.0);
					served = 0;
				}
				if (served >= cap) {
					st_retry_later(c, now, jitter);
					c->phase = ST_LOGIN;
					c->rto = ST_RTO0;
					continue;
				}
				served++;
			}
			c->phase = ST_DONE;
			c->done = now;
			break;
		}
	}
	first = last = v[0].done;
	for (i = 0; i < n; i++) {
		if (v[i].done < first)
			first = v[i].done;
		if (v[i].done > last)
			last = v[i].done;
		sum += v[i].done;
	}
	nb = (unsigned int)(last - restart) + 1;
	hist = xcalloc(nb + 1, sizeof *hist);
	h100 = xcalloc(10 * (size_t)nb + 10, sizeof *h100);
	for (i = 0; i < n; i++) {
		b = (unsigned int)(v[i].done - restart);
		hist[b < nb ? b : nb]++;
		b = (unsigned int)((v[i].done - restart) * 10);
		if (++h100[b] > big100)
			big100 = h100[b];
	}
	printf("mode=storm clients=%u restart_s=%.1f loss=%.2f cap=%.0f "
	    "jitter=%d graceful=%d first_s=%.2f mean_s=%.2f last_s=%.2f "
	    "max_100ms_share=%.3f\n", n, restart, loss, cap, jitter,
	    graceful, first,
	    sum / n, last, (double)big100 / n);
	for (b = 0; b < nb; b++)
		if (hist[b] > 0)
			printf("storm: %5.1f..%5.1f s after the restart: %4u "
			    "clients\n", (double)b, (double)b + 1, hist[b]);
	free(h100);
	free(hist);
	free(v);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: chat-bench -s HOST:PORT -P PID [-n pairs] "
	    "[-w window] [-N sessions] [-d seconds] [-W warmup] [-k sockets] "
	    "[-a addresses] [-r hellos/s/address] [-t tokenfile] [-c] [-L] "
	    "[-I idle-seconds] [-x nick-prefix] [-g] tput|lat|reg|mem|group\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char		err[256], dir[] = "/tmp/chat-benchXXXXXX";
	struct rlimit	rl;
	unsigned int	i, n;
	int		ch, bufsz;

	/* A model on a virtual clock: no server, no sockets. */
	if (argc > 1 && strcmp(argv[argc - 1], "storm") == 0)
		return cb_storm(argc - 1, argv);
	cb.pairs = 16;
	cb.window = 32;
	cb.sessions = 10000;
	cb.duration = 5;
	cb.warmup = 1;
	cb.nsocks = 4;
	cb.naddrs = 0;
	while ((ch = getopt(argc, argv, "s:P:O:n:w:N:d:W:k:x:a:r:t:cgLI:")) !=
	    -1) {
		switch (ch) {
		case 'a':
			cb.naddrs = (unsigned int)atoi(optarg);
			if (cb.naddrs < 1 || cb.naddrs > CB_ADDRS_MAX)
				usage();
			break;
		case 'r':
			cb.pace = (unsigned int)atoi(optarg);
			break;
		case 't':
			cb.tokfile = optarg;
			break;
		case 'c':
			cb.contacts = 1;
			break;
		case 'g':
			cb.group = 1;
			break;
		case 'L':
			cb.login = 1;
			break;
		case 'I':
			cb.idle = atof(optarg);
			break;
		case 'x':
			snprintf(cb.prefix, sizeof cb.prefix, "%s", optarg);
			break;
		case 's':
			if (addr_parse(optarg, "8081", 0, &cb.server, 1, err,
			    sizeof err) < 1)
				fatalx("%s", err);
			snprintf(cb.server_str, sizeof cb.server_str, "%s",
			    optarg);
			break;
		case 'P':
			cb.pid = atoi(optarg);
			break;
		case 'O': {
			char	*tok, *save = NULL;

			for (tok = strtok_r(optarg, ",", &save); tok != NULL &&
			    cb.nothers < 8; tok = strtok_r(NULL, ",", &save))
				cb.others[cb.nothers++] = atoi(tok);
			break;
		}
		case 'n':
			cb.pairs = (unsigned int)atoi(optarg);
			break;
		case 'w':
			cb.window = (unsigned int)atoi(optarg);
			break;
		case 'N':
			cb.sessions = (unsigned int)atoi(optarg);
			break;
		case 'd':
			cb.duration = atof(optarg);
			break;
		case 'W':
			cb.warmup = atof(optarg);
			break;
		case 'k':
			cb.nsocks = (unsigned int)atoi(optarg);
			if (cb.nsocks < 1 || cb.nsocks > CB_SOCKS_MAX)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || cb.server_str[0] == '\0' || cb.pid <= 0)
		usage();
	cb.mode = argv[optind];
	if (strcmp(cb.mode, "group") == 0)
		cb.group = 1;
	if (strcmp(cb.mode, "mem") == 0 || (cb.tokfile != NULL &&
	    strcmp(cb.mode, "reg") != 0))
		cb.login = 1;
	if (strcmp(cb.mode, "reg") == 0)
		cb.login = 0;
	log_init("chat-bench", LOG_TO_STDERR, 0);
	if (sodium_init() == -1)
		fatalx("libsodium");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(cb.pinfile, sizeof cb.pinfile, "%s/known", dir);
	if (cb.prefix[0] == '\0')
		snprintf(cb.prefix, sizeof cb.prefix, "b%x",
		    (unsigned)getpid());
	snprintf(cb.gname, sizeof cb.gname, "#%sg", cb.prefix);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sess_conf_default(&cb.sc);
	cb.sc.max_queue = 8 << 20;
	if (cb.naddrs > 0 && cb.server.ss.ss_family != AF_INET)
		fatalx("-a needs an IPv4 server address (127.0.0.1)");
	cb.socks = xcalloc(cb.nsocks, sizeof *cb.socks);
	for (i = 0; i < cb.nsocks; i++) {
		if ((cb.socks[i].fd = udp_client((struct sockaddr *)
		    &cb.server.ss, err, sizeof err)) == -1)
			fatalx("%s", err);
		/* Its sessions probe for larger datagrams, as a client's. */
		if (sess_socket_dontfrag(cb.socks[i].fd) == -1)
			fatal("don't-fragment");
		if (cb.naddrs > 0) {
			struct sockaddr_in	sin;

			/* 127.0.0.0/8 is all loopback on Linux. */
			memset(&sin, 0, sizeof sin);
			sin.sin_family = AF_INET;
			sin.sin_addr.s_addr = htonl(0x7f000001 +
			    i % cb.naddrs);
			if (bind(cb.socks[i].fd, (struct sockaddr *)&sin,
			    sizeof sin) == -1)
				fatal("bind 127.0.0.%u", 1 + i % cb.naddrs);
		}
		bufsz = 8 << 20;
		setsockopt(cb.socks[i].fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
		    sizeof bufsz);
		setsockopt(cb.socks[i].fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz,
		    sizeof bufsz);
	}
	if (cb.naddrs == 0)
		cb.naddrs = 1;
	if (cb.tokfile != NULL) {
		n = strcmp(cb.mode, "mem") == 0 || strcmp(cb.mode, "reg") == 0 ||
		    cb.group ?
		    cb.sessions : strcmp(cb.mode, "lat") == 0 ? 2 :
		    2 * cb.pairs;
		cb.tokens = xcalloc(n, sizeof *cb.tokens);
		if (cb.login)
			cb_tokens_load(n);
	}
	if (cb.group && strcmp(cb.mode, "group") == 0) {
		if (cb.sessions < 2)
			usage();
		cb.all = xcalloc(cb.sessions, sizeof *cb.all);
		cb.dirty = xcalloc(cb.sessions, sizeof *cb.dirty);
		cb_mode_group(cb.sessions, cb.window);
	} else if (strcmp(cb.mode, "mem") == 0 ||
	    strcmp(cb.mode, "reg") == 0) {
		cb.all = xcalloc(cb.sessions, sizeof *cb.all);
		cb.dirty = xcalloc(cb.sessions, sizeof *cb.dirty);
		cb_mode_mem(cb.sessions, strcmp(cb.mode, "mem") == 0);
	} else if (strcmp(cb.mode, "tput") == 0 ||
	    strcmp(cb.mode, "lat") == 0) {
		if (strcmp(cb.mode, "lat") == 0) {
			cb.pairs = 1;
			cb.window = 1;
		}
		cb.all = xcalloc(2 * cb.pairs, sizeof *cb.all);
		cb.dirty = xcalloc(2 * cb.pairs, sizeof *cb.dirty);
		cb_mode_traffic(cb.pairs, cb.window,
		    strcmp(cb.mode, "lat") == 0);
	} else
		usage();
	unlink(cb.pinfile);
	rmdir(dir);
	return 0;
}
