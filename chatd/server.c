/*
 * server.c: the chat relay.  One session endpoint on one socket; each
 * session is a client, which after logging in belongs to a user (an
 * account that is online, with all its sessions).
 *
 * Durability: everything a request writes joins the store's open
 * transaction, and every answer that depends on a write is put on the
 * out-queue instead of being sent.  Just before libev blocks (an
 * ev_prepare watcher) the transaction is committed, unless a disk flush
 * is still running (then it grows until the flush returns); the
 * out-queue then waits in a batch until syncer.c has made that commit
 * durable (server_synced()), or, with fsync off, is sent at once.  So
 * "accepted" is only ever said about a message on disk, and a crash
 * loses nothing that was acknowledged.
 *
 * Delivery: a new message goes straight to each session of its recipient
 * as soon as it is stored, before the commit (its server id is covered
 * by a committed reservation), unless the session is catching up; a session catches up (after login,
 * or when its session queue was full) by reading the recipient's queue
 * from the store in order, so order is kept whichever path a message
 * takes.  A message leaves the queue when a client of the recipient sends
 * MARK delivered for it or a later one: marks move cursors (cursor.c),
 * and each message a cursor passes earns its sender a receipt.
 *
 * Clients are never freed inside a session callback: a lost client is
 * marked dead and freed after the next flush, or when its last password
 * job comes back.
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <sodium.h>

#include "chatd.h"
#include "chat/chatproto.h"
#include "base/log.h"
#include "chat/nick.h"
#include "base/ratelimit.h"
#include "sess/session.h"
#include "store.h"
#include "base/xmalloc.h"

#define PUMP_BATCH	64		/* messages read per store query */
#define PUMP_HIGH	(256 * 1024)	/* session bytes queued to stop at */
#define ROSTER_MAX	60000		/* bytes of ROSTER entries */
#define RECEIPTS_MAX	1000		/* old receipts sent at a login */
#define EXPIRE_EVERY	3600.		/* seconds between retention runs */
#define HOLD_NS		(10ULL * 1000000000)	/* longest order hold */
#define HELD_MAX	(4 * 1024 * 1024) /* answers held for a full session */
#define SID_BLOCK	65536		/* server ids reserved at a time */
#define TAIL_KEEP_MS	200		/* a message to an online user waits
					 * this long to be read before it
					 * joins the queue index */

struct user;

/* An answer that found its session's queue full, kept to send in order. */
struct held {
	struct held	*next;
	size_t		 len;
	uint8_t		 wire[];
};

struct client {
	struct server	*srv;
	struct sess	*s;		/* NULL once lost */
	struct user	*u;		/* NULL until logged in */
	struct client	*unext;		/* the user's sessions */
	struct client	*bnext;		/* catching up, or dead */
	struct client	*anext, *aprev;	/* every client */
	int		 dead;
	int		 refs;		/* password jobs in flight */
	int		 authing;
	int		 backlog;	/* on the catch-up list */
	int		 full;		/* the session's queue was full */
	uint64_t	 last_sid;	/* newest message sent to it */
	uint64_t	 held_id;	/* a SEND refused for its rate: later
					 * ones wait until it comes again */
	uint64_t	 held_until;	/* ns; the hold lapses then */
	struct held	*hhead, *htail;	/* answers waiting for room */
	size_t		 hbytes;
	struct bucket	 msg_b, contact_b, typing_b, login_b;
};

struct user {
	uint64_t	 id;
	char		*nick;		/* NFC */
	char		*key;		/* case-folded */
	int		 away;
	int		 moved;		/* on the list of cursors to write */
	struct cursor	*cur;		/* NULL until a message is sent to it */
	struct client	*clients;
	struct user	*id_next, *key_next;	/* hash chains */
	struct user	*onext, *oprev;		/* everyone online */
};

enum out_kind {
	OUT_CLIENT,		/* to one session */
	OUT_MESSAGE,		/* a new message to every session of uid */
	OUT_RECEIPT,		/* a receipt to every session of uid */
};

struct out {
	enum out_kind	 kind;
	struct client	*c;
	uint64_t	 uid;		/* recipient of the message or receipt */
	uint64_t	 sid;
	uint64_t	 sender;	/* MESSAGE: its sender and id */
	uint64_t	 msgid;
	uint64_t	 rcpt;		/* RECEIPT: who marked it */
	int		 state;
	uint64_t	 reqid;		/* for an error if the commit fails */
	uint8_t		 reqtype;
	const uint8_t	*wire;		/* in the server's obuf, at flush */
	size_t		 off, len;
};

/* Out-queue entries waiting for their commit to be durable. */
struct batch {
	struct batch	*next;
	uint64_t	 seq;		/* the commit */
	uint64_t	 sid_safe;	/* ids reserved by it */
	struct out	*q;
	size_t		 n, qcap;
	uint8_t		*buf;		/* the entries' wire bytes */
	size_t		 len, bufcap;
	size_t		 nlate;		/* MESSAGEs among them */
};

/* A password job with what is needed to finish the request. */
struct auth {
	struct pw_job	 job;		/* first: the pool hands this back */
	struct client	*c;
	uint64_t	 reqid;
	uint8_t		 type;
	uint8_t		 flags;
	uint64_t	 uid;
	char		 nick[NICK_MAX_BYTES];
	char		 key[NICK_MAX_BYTES];
};

struct server {
	struct ev_loop		*loop;
	struct sess_ep		*ep;
	struct store		*st;
	struct pwpool		*pw;
	struct ratelimit	*login_rl, *msg_rl;
	struct chatd_conf	 conf;
	struct chatd_stats	 stats;
	ev_prepare		 prepare;
	ev_timer		 expire;
	struct user		**by_id, **by_key;
	size_t			 nbuckets, nusers;
	struct user		*online;
	struct out		*outq;
	size_t			 nout, outcap;
	uint8_t			*obuf;		/* the out-queue's wire bytes */
	size_t			 olen, ocap;
	uint64_t		 next_sid;	/* server ids: the next one */
	uint64_t		 sid_reserved;	/* written in this transaction */
	uint64_t		 sid_safe;	/* committed: below it, a message
						 * may go out before its commit */
	int			 late;		/* a MESSAGE waits for the commit,
						 * so later ones must too */
	size_t			 late_waiting;	/* likewise, in batches */
	struct syncer		*sync;		/* NULL: commits are durable */
	uint64_t		 seq;		/* commits handed to it */
	struct batch		*bhead, *btail;	/* waiting for it */
	struct batch		*spare;		/* a released one, for reuse */
	uint64_t		*moved;		/* users whose cursors moved */
	size_t			 nmoved, movedcap;
	struct client		*backlog;	/* catching up */
	struct client		*dead;		/* to free */
	struct client		*all;
	uint8_t			 buf[CP_MAX_MSG];
};

/* Milliseconds since 1970 UTC. */
static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Monotonic nanoseconds, for the rate limits. */
static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* FNV-1a of a string, for the key hash. */
static size_t
hash_str(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return (size_t)h;
}

static size_t
hash_id(uint64_t id)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ULL >> 17);
}

/* Double the user tables. */
static void
users_grow(struct server *srv)
{
	struct user	**oi = srv->by_id, **ok = srv->by_key, *u, *n;
	size_t		  on = srv->nbuckets, i, h;

	srv->nbuckets = on * 2;
	srv->by_id = xcalloc(srv->nbuckets, sizeof *srv->by_id);
	srv->by_key = xcalloc(srv->nbuckets, sizeof *srv->by_key);
	for (i = 0; i < on; i++) {
		for (u = oi[i]; u != NULL; u = n) {
			n = u->id_next;
			h = hash_id(u->id) & (srv->nbuckets - 1);
			u->id_next = srv->by_id[h];
			srv->by_id[h] = u;
		}
		for (u = ok[i]; u != NULL; u = n) {
			n = u->key_next;
			h = hash_str(u->key) & (srv->nbuckets - 1);
			u->key_next = srv->by_key[h];
			srv->by_key[h] = u;
		}
	}
	free(oi);
	free(ok);
}

static struct user *
user_by_id(struct server *srv, uint64_t id)
{
	struct user	*u;

	for (u = srv->by_id[hash_id(id) & (srv->nbuckets - 1)]; u != NULL;
	    u = u->id_next)
		if (u->id == id)
			return u;
	return NULL;
}

static struct user *
user_by_key(struct server *srv, const char *key)
{
	struct user	*u;

	for (u = srv->by_key[hash_str(key) & (srv->nbuckets - 1)]; u != NULL;
	    u = u->key_next)
		if (strcmp(u->key, key) == 0)
			return u;
	return NULL;
}

/* The online user id, added if it was offline. */
static struct user *
user_online(struct server *srv, uint64_t id, const char *nick,
    const char *key)
{
	struct user	*u;
	size_t		 h;

	if ((u = user_by_id(srv, id)) != NULL)
		return u;
	if (srv->nusers >= srv->nbuckets)
		users_grow(srv);
	u = xcalloc(1, sizeof *u);
	u->id = id;
	u->nick = xstrdup(nick);
	u->key = xstrdup(key);
	h = hash_id(id) & (srv->nbuckets - 1);
	u->id_next = srv->by_id[h];
	srv->by_id[h] = u;
	h = hash_str(key) & (srv->nbuckets - 1);
	u->key_next = srv->by_key[h];
	srv->by_key[h] = u;
	u->onext = srv->online;
	if (srv->online != NULL)
		srv->online->oprev = u;
	srv->online = u;
	srv->nusers++;
	return u;
}

/* Take an offline user out of the tables and free it. */
static void
user_gone(struct server *srv, struct user *u)
{
	struct user	**pp;

	for (pp = &srv->by_id[hash_id(u->id) & (srv->nbuckets - 1)]; *pp != u;
	    pp = &(*pp)->id_next)
		;
	*pp = u->id_next;
	for (pp = &srv->by_key[hash_str(u->key) & (srv->nbuckets - 1)];
	    *pp != u; pp = &(*pp)->key_next)
		;
	*pp = u->key_next;
	if (u->oprev != NULL)
		u->oprev->onext = u->onext;
	else
		srv->online = u->onext;
	if (u->onext != NULL)
		u->onext->oprev = u->oprev;
	srv->nusers--;
	cursor_free(u->cur);		/* writes what moved */
	free(u->nick);
	free(u->key);
	free(u);
}

/* The cursor of online user u, made at its first message. */
static struct cursor *
user_cursor(struct server *srv, struct user *u)
{
	if (u->cur == NULL)
		u->cur = cursor_new(srv->st, u->id);
	return u->cur;
}

/* Note that u's cursor moved, to be written before the next commit. */
static void
user_moved(struct server *srv, struct user *u)
{
	if (u->moved || u->cur == NULL || !cursor_dirty(u->cur))
		return;
	if (srv->nmoved == srv->movedcap) {
		srv->movedcap = srv->movedcap ? srv->movedcap * 2 : 64;
		srv->moved = xreallocarray(srv->moved, srv->movedcap,
		    sizeof *srv->moved);
	}
	srv->moved[srv->nmoved++] = u->id;
	u->moved = 1;
}

/* Queue an out-queue entry; the wire bytes are copied. */
static struct out *
out_push(struct server *srv, enum out_kind kind, const uint8_t *wire,
    size_t len)
{
	struct out	*o;

	if (srv->nout == srv->outcap) {
		srv->outcap = srv->outcap ? srv->outcap * 2 : 256;
		srv->outq = xreallocarray(srv->outq, srv->outcap,
		    sizeof *srv->outq);
	}
	o = &srv->outq[srv->nout++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	if (srv->olen + len > srv->ocap) {
		while (srv->olen + len > srv->ocap)
			srv->ocap = srv->ocap ? srv->ocap * 2 : 65536;
		srv->obuf = xreallocarray(srv->obuf, srv->ocap, 1);
	}
	memcpy(srv->obuf + srv->olen, wire, len);
	o->off = srv->olen;
	o->len = len;
	srv->olen += len;
	return o;
}

/* Encode m and queue it for client c after the commit. */
static void
reply(struct client *c, const struct cp_msg *m, uint64_t reqid,
    uint8_t reqtype)
{
	struct server	*srv = c->srv;
	struct out	*o;
	size_t		 n;

	if ((n = cp_encode(srv->buf, sizeof srv->buf, m)) == 0) {
		log_warnx("cannot encode %s", cp_typename(m->type));
		return;
	}
	o = out_push(srv, OUT_CLIENT, srv->buf, n);
	o->c = c;
	c->refs++;
	o->reqid = reqid;
	o->reqtype = reqtype;
}

/* Answer a request with ERROR code (after the commit, in order). */
static void
reply_error(struct client *c, uint64_t reqid, uint8_t reqtype,
    enum cp_err code)
{
	struct cp_msg	m;
	const char	*d = cp_strerror(code);

	memset(&m, 0, sizeof m);
	m.type = CP_ERROR;
	m.id = reqid;
	m.code = (uint16_t)code;
	m.reqtype = reqtype;
	m.text.p = (const uint8_t *)d;
	m.text.len = strlen(d);
	reply(c, &m, 0, 0);
}

/* Send wire bytes on a session now; 0, or -1 if its queue is full. */
static int
client_send(struct client *c, const uint8_t *wire, size_t len)
{
	if (c->s == NULL || c->dead)
		return 0;
	if (sess_send(c->s, wire, len) == -1) {
		if (errno != ENOTCONN)
			c->srv->stats.send_failed++;
		return -1;
	}
	return 0;
}

/* Drop the answers held for c. */
static void
client_unhold_free(struct client *c)
{
	struct held	*h;

	while ((h = c->hhead) != NULL) {
		c->hhead = h->next;
		free(h);
	}
	c->htail = NULL;
	c->hbytes = 0;
}

/* Send the answers held for c, in order: 0 when none is left. */
static int
client_unhold(struct client *c)
{
	struct held	*h;

	if (c->s == NULL || c->dead) {
		client_unhold_free(c);
		return 0;
	}
	while ((h = c->hhead) != NULL) {
		if (sess_send(c->s, h->wire, h->len) == -1) {
			if (errno != ENOBUFS) {
				client_unhold_free(c);
				return 0;
			}
			return -1;
		}
		c->hhead = h->next;
		c->hbytes -= h->len;
		free(h);
	}
	c->htail = NULL;
	return 0;
}

static void	client_catch_up(struct client *);
static void	flush_message(struct server *, struct out *);

/*
 * Send an answer the client waits for (a reply, a receipt).  It is never
 * dropped: while the session's queue is full it is held, in order, and
 * sent as acknowledgements make room.  (Dropped, an ACCEPTED would leave
 * the message in the sender's outbox until its session was lost.)  A
 * client that lets HELD_MAX pile up is closed; it resends its outbox.
 */
static void
client_answer(struct client *c, const uint8_t *wire, size_t len)
{
	struct held	*h;

	if (c->s == NULL || c->dead)
		return;
	if (c->hhead == NULL) {
		if (sess_send(c->s, wire, len) == 0)
			return;
		if (errno != ENOBUFS)
			return;
	}
	c->srv->stats.send_failed++;
	if (c->hbytes + len > HELD_MAX) {
		log_debug("session %016llx: %zu bytes of answers unread; "
		    "closing it", (unsigned long long)sess_id(c->s),
		    c->hbytes);
		client_unhold_free(c);
		sess_close(c->s);
		return;
	}
	h = xmalloc(sizeof *h + len);
	h->next = NULL;
	h->len = len;
	memcpy(h->wire, wire, len);
	if (c->htail != NULL)
		c->htail->next = h;
	else
		c->hhead = h;
	c->htail = h;
	c->hbytes += len;
	client_catch_up(c);
}

/* Put a client on the catch-up list. */
static void
client_catch_up(struct client *c)
{
	if (c->backlog || c->dead)
		return;
	c->backlog = 1;
	c->bnext = c->srv->backlog;
	c->srv->backlog = c;
}

/* Send a notice now to every session of user u that is logged in. */
static void
user_send(struct user *u, const uint8_t *wire, size_t len)
{
	struct client	*c;

	for (c = u->clients; c != NULL; c = c->unext)
		client_send(c, wire, len);
}

struct presence_arg {
	struct server	*srv;
	const uint8_t	*wire;
	size_t		 len;
};

/* Tell one watcher, if online, about a presence change. */
static void
presence_watcher(void *arg, const struct store_user *su)
{
	struct presence_arg	*pa = arg;
	struct user		*w = user_by_id(pa->srv, su->id);

	if (w != NULL)
		user_send(w, pa->wire, pa->len);
}

/* Tell everyone who has u as a contact about its presence. */
static void
presence_notify(struct server *srv, struct user *u, enum cp_presence p,
    uint64_t last_seen)
{
	struct presence_arg	pa;
	struct cp_msg		m;
	uint8_t			wire[512];

	memset(&m, 0, sizeof m);
	m.type = CP_PRESENCE;
	m.nick.p = (const uint8_t *)u->nick;
	m.nick.len = strlen(u->nick);
	m.flags = (uint8_t)p;
	m.time = last_seen;
	pa.srv = srv;
	pa.wire = wire;
	if ((pa.len = cp_encode(wire, sizeof wire, &m)) == 0)
		return;
	store_watchers(srv->st, u->id, presence_watcher, &pa);
}

/* Detach a client from its user; the user goes offline with its last. */
static void
client_detach(struct client *c)
{
	struct server	*srv = c->srv;
	struct user	*u = c->u;
	struct client	**pp;
	uint64_t	 t;

	if (u == NULL)
		return;
	for (pp = &u->clients; *pp != NULL; pp = &(*pp)->unext)
		if (*pp == c) {
			*pp = c->unext;
			break;
		}
	c->u = NULL;
	if (u->clients != NULL)
		return;
	t = now_ms();
	store_user_seen(srv->st, u->id, t);
	presence_notify(srv, u, CPP_OFFLINE, t);
	user_gone(srv, u);
}

/* Conversations whose sender is owed receipts. */
struct owed {
	struct store_conv	*v;
	size_t			 n;
};

static void
owed_collect(void *arg, const struct store_conv *cv)
{
	struct owed	*ow = arg;

	if (ow->n < RECEIPTS_MAX)
		ow->v[ow->n++] = *cv;
}

/* Giving the owed receipts of one conversation and kind. */
struct owed_give {
	struct client		*c;
	const struct store_conv	*cv;
	int			 kind;
	uint64_t		 last;	/* newest message passed */
	int			 given;
};

static void
owed_pass(void *arg, const struct store_msg *m)
{
	struct owed_give	*g = arg;
	struct cp_msg		 r;

	g->last = m->sid;
	/* A message read since has its READ receipt instead. */
	if (g->kind == CPR_DELIVERED && m->sid <= g->cv->read)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_RECEIPT;
	r.flags = (uint8_t)g->kind;
	r.id = m->msgid;
	reply(g->c, &r, 0, 0);
	g->given++;
}

/*
 * Give user u's client c the receipts owed to u (its messages delivered
 * or read while it was away), at most RECEIPTS_MAX; the rest wait for the
 * next login.  What is given is recorded as told in the same write.
 */
static void
owed_receipts(struct client *c, struct user *u)
{
	struct server		*srv = c->srv;
	struct owed		 ow;
	struct owed_give	 g;
	struct store_conv	*cv;
	size_t			 i;
	int			 k, lim, budget = RECEIPTS_MAX;

	ow.v = xcalloc(RECEIPTS_MAX, sizeof *ow.v);
	ow.n = 0;
	if (store_owed(srv->st, u->id, owed_collect, &ow) == -1)
		ow.n = 0;
	for (i = 0; i < ow.n && budget > 0; i++) {
		cv = &ow.v[i];
		memset(&g, 0, sizeof g);
		g.c = c;
		g.cv = cv;
		g.kind = CPR_READ;
		if (cv->read > cv->told_read) {
			lim = budget;
			k = store_msg_range(srv->st, cv->rcpt, u->id,
			    cv->told_read, cv->read, lim, owed_pass, &g);
			if (k == -1)
				break;
			budget -= k;
			/* All of them, or as far as the budget went. */
			cv->told_read = k < lim ? cv->read : g.last;
		}
		g.kind = CPR_DELIVERED;
		if (budget > 0 && cv->delivered > cv->told_delivered) {
			lim = budget;
			k = store_msg_range(srv->st, cv->rcpt, u->id,
			    cv->told_delivered, cv->delivered, lim,
			    owed_pass, &g);
			if (k == -1)
				break;
			budget -= k;
			cv->told_delivered = k < lim ? cv->delivered : g.last;
		}
		srv->stats.receipts += (uint64_t)g.given;
		store_conv_put(srv->st, cv);
	}
	free(ow.v);
}

/* Log client c in as su: WELCOME, presence, queue and old receipts. */
static void
client_login(struct client *c, const struct store_user *su, const char *key,
    uint64_t reqid, uint8_t reqtype, int want_token)
{
	struct server		*srv = c->srv;
	struct cp_msg		 m;
	struct user		*u;
	uint8_t			 token[CP_TOKEN_LEN], th[STORE_TOKEN_HASHLEN];
	int			 first;

	memset(&m, 0, sizeof m);
	m.type = CP_WELCOME;
	m.id = reqid;
	m.nick.p = (const uint8_t *)su->nick;
	m.nick.len = strlen(su->nick);
	if (want_token) {
		randombytes_buf(token, sizeof token);
		crypto_generichash(th, sizeof th, token, sizeof token, NULL, 0);
		if (store_token_add(srv->st, su->id, th, now_ms()) == 0) {
			m.secret.p = token;
			m.secret.len = sizeof token;
		}
	}
	reply(c, &m, reqid, reqtype);
	sodium_memzero(token, sizeof token);
	srv->stats.logins++;
	u = user_online(srv, su->id, su->nick, key);
	first = u->clients == NULL;
	c->unext = u->clients;
	u->clients = c;
	c->u = u;
	c->last_sid = 0;
	client_catch_up(c);
	if (first)
		presence_notify(srv, u, CPP_ONLINE, 0);
	/* Receipts that came while the sender was away. */
	owed_receipts(c, u);
}

/* Is this session or its address over a limit?  Answers if so. */
static int
limited(struct client *c, struct bucket *b, int rate, int burst,
    struct ratelimit *rl, uint64_t reqid, uint8_t reqtype)
{
	const struct sockaddr	*sa;
	socklen_t		 salen;
	uint64_t		 now = now_ns();

	if (bucket_take(b, rate, burst, now) && (rl == NULL ||
	    (sa = sess_peer(c->s, &salen)) == NULL ||
	    ratelimit_check(rl, sa, now) == RATELIMIT_PASS))
		return 0;
	c->srv->stats.ratelimited++;
	if (reqtype != CP_TYPING)
		reply_error(c, reqid, reqtype, CPE_RATE_LIMITED);
	return 1;
}

/* Normalise a nick from the wire; NICK_OK or the error. */
static enum nick_err
wire_nick(const struct cp_str *s, char *display, char *key)
{
	return nick_normalize((const char *)s->p, s->len, display, key);
}

/* Find a user by key, online or in the store: 1, 0 unknown, -1 failure. */
static int
find_user(struct server *srv, const char *key, struct store_user *su)
{
	struct user	*u = user_by_key(srv, key);
	size_t		 n;

	if (u != NULL) {
		/* On every SEND: no printf. */
		su->id = u->id;
		n = strlen(u->nick);
		if (n >= sizeof su->nick)
			n = sizeof su->nick - 1;
		memcpy(su->nick, u->nick, n);
		su->nick[n] = '\0';
		su->hash[0] = '\0';
		su->last_seen = su->delivered = 0;
		return 1;
	}
	return store_user_get(srv->st, key, su);
}

/* REGISTER and LOGIN. */
static void
do_login(struct client *c, const struct cp_msg *m)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct auth		*a;
	uint8_t			 th[STORE_TOKEN_HASHLEN];
	char			 nick[NICK_MAX_BYTES], key[NICK_MAX_BYTES];
	int			 rc;

	if (c->u != NULL) {
		reply_error(c, m->id, m->type, CPE_ALREADY);
		return;
	}
	if (c->authing) {
		reply_error(c, m->id, m->type, CPE_BUSY);
		return;
	}
	if (limited(c, &c->login_b, srv->conf.login_rate,
	    srv->conf.login_burst, srv->login_rl, m->id, m->type))
		return;
	if (wire_nick(&m->nick, nick, key) != NICK_OK) {
		reply_error(c, m->id, m->type, CPE_NICK_INVALID);
		return;
	}
	if (m->type == CP_REGISTER && !srv->conf.registration) {
		reply_error(c, m->id, m->type, CPE_DISABLED);
		return;
	}
	/* A password has no NUL; a device token is any 32 bytes. */
	if (m->secret.len == 0 || m->secret.len >= sizeof a->job.pw ||
	    (!(m->type == CP_LOGIN && (m->flags & CPF_TOKEN)) &&
	    memchr(m->secret.p, '\0', m->secret.len) != NULL)) {
		reply_error(c, m->id, m->type, m->type == CP_REGISTER ?
		    CPE_BAD_PASSWORD : CPE_WRONG_PASSWORD);
		return;
	}
	rc = find_user(srv, key, &su);
	if (rc == -1) {
		reply_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	if (m->type == CP_REGISTER && rc == 1) {
		reply_error(c, m->id, m->type, CPE_NICK_TAKEN);
		return;
	}
	if (m->type == CP_LOGIN && rc == 0) {
		srv->stats.unknown_user++;
		reply_error(c, m->id, m->type, CPE_UNKNOWN_USER);
		return;
	}
	if (m->type == CP_LOGIN && (m->flags & CPF_TOKEN)) {
		if (m->secret.len == CP_TOKEN_LEN) {
			crypto_generichash(th, sizeof th, m->secret.p,
			    m->secret.len, NULL, 0);
			rc = store_token_check(srv->st, su.id, th);
		} else
			rc = 0;
		if (rc == 1) {
			client_login(c, &su, key, m->id, m->type,
			    m->flags & CPF_WANT_TOKEN);
			return;
		}
		srv->stats.login_failed++;
		reply_error(c, m->id, m->type, rc == 0 ? CPE_BAD_TOKEN :
		    CPE_INTERNAL);
		return;
	}
	if (m->type == CP_LOGIN && store_user_by_id(srv->st, su.id, &su) != 1) {
		reply_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->job.op = m->type == CP_REGISTER ? PW_HASH : PW_VERIFY;
	memcpy(a->job.pw, m->secret.p, m->secret.len);
	snprintf(a->job.hash, sizeof a->job.hash, "%s", su.hash);
	a->job.ctx = a;
	a->c = c;
	a->reqid = m->id;
	a->type = m->type;
	a->flags = m->flags;
	a->uid = su.id;
	strcpy(a->nick, m->type == CP_REGISTER ? nick : su.nick);
	strcpy(a->key, key);
	if (pwpool_submit(srv->pw, &a->job) == -1) {
		sodium_memzero(a, sizeof *a);
		free(a);
		srv->stats.busy++;
		reply_error(c, m->id, m->type, CPE_BUSY);
		return;
	}
	c->refs++;
	c->authing = 1;
}

/* PASSWD: check the old password and hash the new one, off the loop. */
static void
do_passwd(struct client *c, const struct cp_msg *m)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct auth		*a;

	if (c->authing) {
		reply_error(c, m->id, m->type, CPE_BUSY);
		return;
	}
	if (limited(c, &c->login_b, srv->conf.login_rate,
	    srv->conf.login_burst, srv->login_rl, m->id, m->type))
		return;
	if (m->secret2.len == 0 || m->secret2.len >= sizeof a->job.pw2 ||
	    memchr(m->secret2.p, '\0', m->secret2.len) != NULL) {
		reply_error(c, m->id, m->type, CPE_BAD_PASSWORD);
		return;
	}
	if (m->secret.len == 0 || m->secret.len >= sizeof a->job.pw) {
		reply_error(c, m->id, m->type, CPE_WRONG_PASSWORD);
		return;
	}
	if (store_user_by_id(srv->st, c->u->id, &su) != 1) {
		reply_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->job.op = PW_CHANGE;
	memcpy(a->job.pw, m->secret.p, m->secret.len);
	memcpy(a->job.pw2, m->secret2.p, m->secret2.len);
	snprintf(a->job.hash, sizeof a->job.hash, "%s", su.hash);
	a->job.ctx = a;
	a->c = c;
	a->reqid = m->id;
	a->type = m->type;
	a->uid = su.id;
	if (pwpool_submit(srv->pw, &a->job) == -1) {
		sodium_memzero(a, sizeof *a);
		free(a);
		srv->stats.busy++;
		reply_error(c, m->id, m->type, CPE_BUSY);
		return;
	}
	c->refs++;
	c->authing = 1;
}

/* A password job is back, in the loop. */
static void
auth_done(struct pw_job *j, void *arg)
{
	struct server		*srv = arg;
	struct auth		*a = j->ctx;
	struct client		*c = a->c;
	struct store_user	 su;
	struct cp_msg		 m;
	uint64_t		 id;
	int			 rc;

	c->refs--;
	c->authing = 0;
	if (c->dead || j->ok == -1) {
		if (!c->dead)
			reply_error(c, a->reqid, a->type, CPE_INTERNAL);
		goto done;
	}
	switch (a->type) {
	case CP_REGISTER:
		if (!j->ok) {
			reply_error(c, a->reqid, a->type, CPE_INTERNAL);
			break;
		}
		rc = store_user_add(srv->st, a->key, a->nick, j->hash, now_ms(),
		    &id);
		if (rc != 0) {
			reply_error(c, a->reqid, a->type, rc == 1 ?
			    CPE_NICK_TAKEN : CPE_INTERNAL);
			break;
		}
		srv->stats.registered++;
		memset(&su, 0, sizeof su);
		su.id = id;
		snprintf(su.nick, sizeof su.nick, "%s", a->nick);
		log_info("registered %s", a->nick);
		client_login(c, &su, a->key, a->reqid, a->type,
		    a->flags & CPF_WANT_TOKEN);
		break;
	case CP_LOGIN:
		if (!j->ok) {
			srv->stats.login_failed++;
			reply_error(c, a->reqid, a->type, CPE_WRONG_PASSWORD);
			break;
		}
		if (store_user_by_id(srv->st, a->uid, &su) != 1) {
			reply_error(c, a->reqid, a->type, CPE_INTERNAL);
			break;
		}
		client_login(c, &su, a->key, a->reqid, a->type,
		    a->flags & CPF_WANT_TOKEN);
		break;
	case CP_PASSWD:
		if (!j->ok) {
			reply_error(c, a->reqid, a->type, CPE_WRONG_PASSWORD);
			break;
		}
		if (store_user_set_hash(srv->st, a->uid, j->hash) == -1 ||
		    store_token_revoke(srv->st, a->uid) == -1) {
			reply_error(c, a->reqid, a->type, CPE_INTERNAL);
			break;
		}
		memset(&m, 0, sizeof m);
		m.type = CP_OK;
		m.id = a->reqid;
		reply(c, &m, a->reqid, a->type);
		break;
	}
done:
	sodium_memzero(a, sizeof *a);
	free(a);
}

/* SEND: validate, store, and queue ACCEPTED and the delivery. */
static void
do_send(struct client *c, const struct cp_msg *m)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct store_msg	 sm;
	struct cp_msg		 r;
	struct out		*o;
	struct user		*ru;
	char			 key[NICK_MAX_BYTES];
	size_t			 n;
	int			 rc;

	/* Keep a conversation in order: after a SEND refused for its rate,
	 * refuse those behind it until the client resends that one. */
	if (c->held_id != 0 && c->held_id != m->id &&
	    now_ns() < c->held_until) {
		srv->stats.ratelimited++;
		reply_error(c, m->id, m->type, CPE_RATE_LIMITED);
		return;
	}
	if (limited(c, &c->msg_b, srv->conf.msg_rate, srv->conf.msg_burst,
	    srv->msg_rl, m->id, m->type)) {
		c->held_id = m->id;
		c->held_until = now_ns() + HOLD_NS;
		return;
	}
	c->held_id = 0;
	if (m->text.len == 0 || m->text.len > CP_TEXT_MAX) {
		srv->stats.too_long++;
		reply_error(c, m->id, m->type, CPE_TOO_LONG);
		return;
	}
	if (!cp_utf8_ok(m->text.p, m->text.len)) {
		srv->stats.bad_utf8++;
		reply_error(c, m->id, m->type, CPE_BAD_UTF8);
		return;
	}
	if (wire_nick(&m->nick, NULL, key) != NICK_OK) {
		reply_error(c, m->id, m->type, CPE_NICK_INVALID);
		return;
	}
	if ((rc = find_user(srv, key, &su)) != 1) {
		if (rc == 0)
			srv->stats.unknown_user++;
		reply_error(c, m->id, m->type, rc == 0 ? CPE_UNKNOWN_USER :
		    CPE_INTERNAL);
		return;
	}
	ru = user_by_id(srv, su.id);
	/* Keep the reservation of server ids well ahead of their use. */
	if (srv->next_sid + SID_BLOCK / 2 >= srv->sid_reserved) {
		srv->sid_reserved = srv->next_sid + SID_BLOCK;
		store_sid_reserve(srv->st, srv->sid_reserved);
	}
	memset(&sm, 0, sizeof sm);
	sm.sid = srv->next_sid;
	sm.sender = c->u->id;
	sm.msgid = m->id;
	sm.rcpt = su.id;
	sm.time = now_ms();
	sm.text = m->text.p;
	sm.len = m->text.len;
	/* Relayed at once, so kept out of the queue index for now (the
	 * store's tail), unless the recipient is offline or behind. */
	sm.online = ru != NULL && ru->clients != NULL &&
	    !ru->clients->backlog;
	/* The bound applies to what waits undelivered; an online recipient
	 * drains it, so only look when it is offline or behind. */
	if (!sm.online &&
	    (rc = store_msg_queued(srv->st, su.id)) >= srv->conf.queue_max) {
		rc = store_msg_find(srv->st, &sm);
		if (rc != 1) {
			srv->stats.queue_full++;
			reply_error(c, m->id, m->type, rc == 0 ?
			    CPE_QUEUE_FULL : CPE_INTERNAL);
			return;
		}
	} else if ((rc = store_msg_add(srv->st, &sm)) == -1) {
		reply_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	} else if (rc == 0)
		srv->next_sid = sm.sid + 1;
	memset(&r, 0, sizeof r);
	r.type = CP_ACCEPTED;
	r.id = m->id;
	r.sid = sm.sid;
	r.time = sm.time;
	r.flags = (uint8_t)sm.state;
	reply(c, &r, m->id, m->type);
	if (rc == 1) {
		srv->stats.duplicates++;
		return;
	}
	srv->stats.accepted++;
	if (ru == NULL) {
		srv->stats.stored_offline++;
		return;
	}
	memset(&r, 0, sizeof r);
	r.type = CP_MESSAGE;
	r.sid = sm.sid;
	r.id = sm.msgid;
	r.time = sm.time;
	r.nick.p = (const uint8_t *)c->u->nick;
	r.nick.len = strlen(c->u->nick);
	r.text = m->text;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	/*
	 * Relay now, before the commit, unless the id is not covered by a
	 * committed reservation or an earlier MESSAGE waits.  If chatd dies
	 * before the commit the sender was not told ACCEPTED and resends;
	 * the recipient's client knows the copy by sender and message id.
	 */
	if (!srv->late && srv->late_waiting == 0 && sm.sid < srv->sid_safe) {
		struct out	now;

		memset(&now, 0, sizeof now);
		now.kind = OUT_MESSAGE;
		now.uid = su.id;
		now.sid = sm.sid;
		now.sender = sm.sender;
		now.msgid = sm.msgid;
		now.wire = srv->buf;
		now.len = n;
		flush_message(srv, &now);
		return;
	}
	srv->late = 1;
	o = out_push(srv, OUT_MESSAGE, srv->buf, n);
	o->uid = su.id;
	o->sid = sm.sid;
	o->sender = sm.sender;
	o->msgid = sm.msgid;
}

/* A message passed by a cursor: a receipt for its sender, if online. */
static void
mark_pass(void *arg, int kind, const struct store_msg *sm)
{
	struct server	*srv = arg;
	struct user	*su;
	struct cp_msg	 r;
	struct out	*o;
	size_t		 n;

	srv->stats.receipts++;
	if ((su = user_by_id(srv, sm->sender)) == NULL || su->clients == NULL)
		return;		/* owed: given at the sender's next login */
	memset(&r, 0, sizeof r);
	r.type = CP_RECEIPT;
	r.flags = (uint8_t)kind;
	r.id = sm->msgid;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	o = out_push(srv, OUT_RECEIPT, srv->buf, n);
	o->uid = sm->sender;
	o->rcpt = sm->rcpt;
	o->sid = sm->sid;
	o->state = kind;
}

/*
 * MARK: a recipient's client has every message to it up to sid
 * (delivered), or its user has seen the conversation of sid up to it
 * (read).  Receipts go out after the commit (flush_receipt).
 */
static void
do_mark(struct client *c, const struct cp_msg *m)
{
	struct server	*srv = c->srv;
	struct cursor	*cur;

	/* Nothing sent yet means nothing to mark. */
	if ((cur = c->u->cur) == NULL)
		return;
	if (m->flags == CPR_DELIVERED)
		cursor_delivered(cur, m->sid, mark_pass, srv);
	else
		cursor_read(cur, m->sid, mark_pass, srv);
	user_moved(srv, c->u);
}

struct roster {
	struct server	*srv;
	uint8_t		 buf[ROSTER_MAX];
	size_t		 len;
	uint16_t	 count;
};

/* Add one user to a roster with its presence. */
static void
roster_add(void *arg, const struct store_user *su)
{
	struct roster	*r = arg;
	struct user	*u = user_by_id(r->srv, su->id);
	struct cp_entry	 e;
	size_t		 n;

	e.nick.p = (const uint8_t *)su->nick;
	e.nick.len = strlen(su->nick);
	e.presence = u == NULL ? CPP_OFFLINE : u->away ? CPP_AWAY : CPP_ONLINE;
	e.last_seen = u == NULL ? su->last_seen : 0;
	if (r->count == UINT16_MAX || (n = cp_entry_encode(r->buf + r->len,
	    sizeof r->buf - r->len, &e)) == 0)
		return;
	r->len += n;
	r->count++;
}

/* Answer with a ROSTER built in r. */
static void
roster_reply(struct client *c, struct roster *r, uint64_t reqid,
    uint8_t reqtype)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_ROSTER;
	m.id = reqid;
	m.count = r->count;
	m.entries.p = r->buf;
	m.entries.len = r->len;
	reply(c, &m, reqid, reqtype);
}

/* CONTACTS: list, add, remove; answers with the whole list. */
static void
do_contacts(struct client *c, const struct cp_msg *m)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct roster		*r;
	char			 key[NICK_MAX_BYTES];
	int			 rc;

	if (m->flags != CPC_LIST) {
		if (limited(c, &c->contact_b, srv->conf.contact_rate,
		    srv->conf.contact_burst, NULL, m->id, m->type))
			return;
		if (wire_nick(&m->nick, NULL, key) != NICK_OK) {
			reply_error(c, m->id, m->type, CPE_NICK_INVALID);
			return;
		}
		if ((rc = find_user(srv, key, &su)) != 1) {
			reply_error(c, m->id, m->type, rc == 0 ?
			    CPE_UNKNOWN_USER : CPE_INTERNAL);
			return;
		}
		if (m->flags == CPC_ADD && store_contact_count(srv->st,
		    c->u->id) >= srv->conf.max_contacts) {
			reply_error(c, m->id, m->type, CPE_LIMIT);
			return;
		}
		rc = m->flags == CPC_ADD ? store_contact_add(srv->st, c->u->id,
		    su.id) : store_contact_del(srv->st, c->u->id, su.id);
		if (rc == -1) {
			reply_error(c, m->id, m->type, CPE_INTERNAL);
			return;
		}
	}
	r = xcalloc(1, sizeof *r);
	r->srv = srv;
	if (store_contacts(srv->st, c->u->id, roster_add, r) == -1)
		reply_error(c, m->id, m->type, CPE_INTERNAL);
	else
		roster_reply(c, r, m->id, m->type);
	free(r);
}

/* WHO: everyone online, if the directory is on. */
static void
do_who(struct client *c, const struct cp_msg *m)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct roster		*r;
	struct user		*u;

	if (!srv->conf.who) {
		reply_error(c, m->id, m->type, CPE_DISABLED);
		return;
	}
	r = xcalloc(1, sizeof *r);
	r->srv = srv;
	memset(&su, 0, sizeof su);
	for (u = srv->online; u != NULL; u = u->onext) {
		su.id = u->id;
		snprintf(su.nick, sizeof su.nick, "%s", u->nick);
		roster_add(r, &su);
	}
	roster_reply(c, r, m->id, m->type);
	free(r);
}

/* TYPING: pass it on to the recipient's sessions, if online. */
static void
do_typing(struct client *c, const struct cp_msg *m)
{
	struct server	*srv = c->srv;
	struct user	*u;
	struct cp_msg	 r;
	char		 key[NICK_MAX_BYTES];
	uint8_t		 wire[512];
	size_t		 n;

	if (limited(c, &c->typing_b, srv->conf.typing_rate,
	    srv->conf.typing_burst, NULL, 0, m->type))
		return;
	if (wire_nick(&m->nick, NULL, key) != NICK_OK ||
	    (u = user_by_key(srv, key)) == NULL)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_TYPING_FROM;
	r.nick.p = (const uint8_t *)c->u->nick;
	r.nick.len = strlen(c->u->nick);
	if ((n = cp_encode(wire, sizeof wire, &r)) != 0)
		user_send(u, wire, n);
}

/* AWAY: a user's presence set by one of its clients. */
static void
do_away(struct client *c, const struct cp_msg *m)
{
	struct user	*u = c->u;
	int		 away = m->flags == CPP_AWAY;

	if (u->away == away)
		return;
	u->away = away;
	presence_notify(c->srv, u, away ? CPP_AWAY : CPP_ONLINE, 0);
}

/* One chat message from a session. */
static void
srv_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct server	*srv = arg;
	struct client	*c = sess_data(s);
	struct cp_msg	 m;
	enum cp_err	 e;

	if (c == NULL || c->dead)
		return;
	if ((e = cp_decode(buf, len, &m)) != CPE_NONE) {
		if (e == CPE_VERSION)
			srv->stats.bad_version++;
		else
			srv->stats.malformed++;
		log_debug("session %016" PRIx64 ": %s %s message of %zu bytes",
		    sess_id(s), e == CPE_VERSION ? "wrong version" :
		    "malformed", cp_typename(m.type), len);
		if (m.type != CP_MARK && m.type != CP_TYPING &&
		    m.type != CP_AWAY && m.type < CP_OK)
			reply_error(c, m.id, m.type, e);
		return;
	}
	if (m.type >= CP_OK) {
		srv->stats.malformed++;
		return;
	}
	if (c->u == NULL && m.type != CP_REGISTER && m.type != CP_LOGIN) {
		srv->stats.not_logged_in++;
		if (m.type != CP_MARK && m.type != CP_TYPING &&
		    m.type != CP_AWAY)
			reply_error(c, m.id, m.type, CPE_NOT_LOGGED_IN);
		return;
	}
	switch (m.type) {
	case CP_REGISTER:
	case CP_LOGIN:
		do_login(c, &m);
		break;
	case CP_PASSWD:
		do_passwd(c, &m);
		break;
	case CP_SEND:
		do_send(c, &m);
		break;
	case CP_MARK:
		do_mark(c, &m);
		break;
	case CP_CONTACTS:
		do_contacts(c, &m);
		break;
	case CP_WHO:
		do_who(c, &m);
		break;
	case CP_TYPING:
		do_typing(c, &m);
		break;
	case CP_AWAY:
		do_away(c, &m);
		break;
	}
}

static void
srv_up(struct sess *s, void *arg)
{
	struct server	*srv = arg;
	struct client	*c = xcalloc(1, sizeof *c);

	c->srv = srv;
	c->s = s;
	c->anext = srv->all;
	if (srv->all != NULL)
		srv->all->aprev = c;
	srv->all = c;
	sess_set_data(s, c);
	srv->stats.sessions++;
	srv->stats.sessions_total++;
	log_debug("session %016" PRIx64 ": up, sealed with %s", sess_id(s),
	    sess_aead(s));
}

static void
srv_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct server	*srv = arg;
	struct client	*c = sess_data(s);

	if (c == NULL)
		return;
	sess_set_data(s, NULL);
	c->s = NULL;
	client_detach(c);
	c->dead = 1;
	if (!c->backlog) {
		c->bnext = srv->dead;
		srv->dead = c;
	}
	srv->stats.sessions--;
}

/* Free a client that nothing refers to any more. */
static void
client_free(struct server *srv, struct client *c)
{
	client_unhold_free(c);
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else
		srv->all = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	free(c);
}

/* Send a new message to every session of its recipient that is current. */
static void
flush_message(struct server *srv, struct out *o)
{
	struct user	*u = user_by_id(srv, o->uid);
	struct client	*c;

	if (u == NULL)
		return;
	for (c = u->clients; c != NULL; c = c->unext) {
		if (c->backlog || o->sid <= c->last_sid)
			continue;
		if (client_send(c, o->wire, o->len) == -1) {
			client_catch_up(c);
			continue;
		}
		c->last_sid = o->sid;
		cursor_sent(user_cursor(srv, u), o->sid, o->sender, o->msgid);
		srv->stats.delivered++;
	}
}

/*
 * Send a receipt to every session of the sender, if still online, and
 * record it as told (in the next commit: a crash before it only means
 * the receipt is given again).
 */
static void
flush_receipt(struct server *srv, struct out *o)
{
	struct user		*u = user_by_id(srv, o->uid), *r;
	struct client		*c;
	struct store_conv	 cv;

	if (u == NULL || u->clients == NULL)
		return;		/* gone since the mark: owed */
	for (c = u->clients; c != NULL; c = c->unext)
		client_answer(c, o->wire, o->len);
	if ((r = user_by_id(srv, o->rcpt)) != NULL && r->cur != NULL) {
		cursor_told(r->cur, o->uid, o->state, o->sid);
		user_moved(srv, r);
		return;
	}
	memset(&cv, 0, sizeof cv);
	cv.rcpt = o->rcpt;
	cv.sender = o->uid;
	cv.told_delivered = o->sid;
	if (o->state == CPR_READ)
		cv.told_read = o->sid;
	store_conv_put(srv->st, &cv);
}

struct pump {
	struct server	*srv;
	struct client	*c;
};

/* Send one queued message to a catching-up client. */
static void
pump_one(void *arg, const struct store_msg *sm)
{
	struct pump		*p = arg;
	struct client		*c = p->c;
	struct server		*srv = p->srv;
	struct store_user	 su;
	struct user		*u;
	struct cp_msg		 r;
	size_t			 n;

	if (c->full)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_MESSAGE;
	r.sid = sm->sid;
	r.id = sm->msgid;
	r.time = sm->time;
	if ((u = user_by_id(srv, sm->sender)) != NULL)
		r.nick.p = (const uint8_t *)u->nick;
	else if (store_user_by_id(srv->st, sm->sender, &su) == 1)
		r.nick.p = (const uint8_t *)su.nick;
	else
		r.nick.p = (const uint8_t *)"?";
	r.nick.len = strlen((const char *)r.nick.p);
	r.text.p = sm->text;
	r.text.len = sm->len;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	if (client_send(c, srv->buf, n) == -1) {
		c->full = 1;
		return;
	}
	c->last_sid = sm->sid;
	cursor_sent(user_cursor(srv, c->u), sm->sid, sm->sender, sm->msgid);
	srv->stats.delivered++;
}

/* Feed catching-up clients from the store while their sessions have room. */
static void
pump_all(struct server *srv)
{
	struct client	**pp = &srv->backlog, *c;
	struct pump	  p;
	int		  n;

	p.srv = srv;
	while ((c = *pp) != NULL) {
		/* Held answers first; messages wait behind them. */
		if (client_unhold(c) == -1) {
			pp = &c->bnext;
			continue;
		}
		if (c->dead || c->s == NULL || c->u == NULL) {
			*pp = c->bnext;
			c->backlog = 0;
			if (c->dead) {
				c->bnext = srv->dead;
				srv->dead = c;
			}
			continue;
		}
		p.c = c;
		c->full = 0;
		n = PUMP_BATCH;
		while (!c->full && n == PUMP_BATCH &&
		    sess_queued(c->s) < PUMP_HIGH) {
			n = store_msg_pending(srv->st, c->u->id, c->last_sid,
			    srv->sid_safe, PUMP_BATCH, pump_one, &p);
			if (n == -1)
				break;
		}
		if (!c->full && n >= 0 && n < PUMP_BATCH) {
			*pp = c->bnext;		/* caught up */
			c->backlog = 0;
			continue;
		}
		pp = &c->bnext;
	}
}

/*
 * Send out-queue entries: answers, late messages and receipts, or, when
 * what they depend on was not stored (!ok), an ERROR for each request.
 */
static void
server_release(struct server *srv, struct out *q, size_t n,
    const uint8_t *buf, int ok)
{
	struct out	*o;
	struct cp_msg	 m;
	size_t		 i;
	uint8_t		 wire[64];

	for (i = 0; i < n; i++) {
		o = &q[i];
		o->wire = buf + o->off;
		switch (o->kind) {
		case OUT_CLIENT:
			if (ok)
				client_answer(o->c, o->wire, o->len);
			else if (o->reqid != 0) {
				memset(&m, 0, sizeof m);
				m.type = CP_ERROR;
				m.id = o->reqid;
				m.code = CPE_INTERNAL;
				m.reqtype = o->reqtype;
				client_answer(o->c, wire, cp_encode(wire,
				    sizeof wire, &m));
			}
			o->c->refs--;
			break;
		case OUT_MESSAGE:
			if (ok)
				flush_message(srv, o);
			break;
		case OUT_RECEIPT:
			if (ok)
				flush_receipt(srv, o);
			break;
		}
	}
}

/* Late MESSAGEs among n entries. */
static size_t
out_late(const struct out *q, size_t n)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++)
		k += q[i].kind == OUT_MESSAGE;
	return k;
}

/* Move the out-queue to a new batch that waits for commit seq. */
static void
batch_push(struct server *srv, uint64_t seq)
{
	struct batch	*b = xcalloc(1, sizeof *b);

	b->seq = seq;
	b->sid_safe = srv->sid_reserved;
	b->q = srv->outq;
	b->n = srv->nout;
	b->qcap = srv->outcap;
	b->buf = srv->obuf;
	b->len = srv->olen;
	b->bufcap = srv->ocap;
	b->nlate = out_late(b->q, b->n);
	srv->late_waiting += b->nlate;
	if (srv->btail != NULL)
		srv->btail->next = b;
	else
		srv->bhead = b;
	srv->btail = b;
	/* The next out-queue takes the arrays of a released batch. */
	srv->nout = srv->olen = 0;
	if ((b = srv->spare) != NULL) {
		srv->spare = NULL;
		srv->outq = b->q;
		srv->outcap = b->qcap;
		srv->obuf = b->buf;
		srv->ocap = b->bufcap;
		free(b);
	} else {
		srv->outq = NULL;
		srv->outcap = 0;
		srv->obuf = NULL;
		srv->ocap = 0;
	}
}

/* Commits up to seq are durable (or failed to be): release their batches. */
static void
server_synced(void *arg, uint64_t seq, int ok)
{
	struct server	*srv = arg;
	struct batch	*b;

	sess_ep_hold(srv->ep);
	while ((b = srv->bhead) != NULL && b->seq <= seq) {
		if ((srv->bhead = b->next) == NULL)
			srv->btail = NULL;
		if (ok && b->sid_safe > srv->sid_safe)
			srv->sid_safe = b->sid_safe;
		if (!ok) {
			srv->stats.commit_failed++;
			srv->sid_reserved = srv->sid_safe;
		}
		srv->late_waiting -= b->nlate;
		server_release(srv, b->q, b->n, b->buf, ok);
		if (srv->spare == NULL) {
			srv->spare = b;
			continue;
		}
		free(b->q);
		free(b->buf);
		free(b);
	}
	sess_ep_release(srv->ep);
}

/* May the recipient of sid still need it (store_age())? */
static int
msg_needed(void *arg, uint64_t rcpt, uint64_t sid)
{
	struct user	*u = user_by_id(arg, rcpt);

	return u == NULL || u->cur == NULL || !cursor_done(u->cur, sid);
}

/*
 * Commit, then send everything that waited for the commit: at once, or,
 * when the syncer makes commits durable, once it has (server_synced()).
 */
static void
server_flush(struct server *srv)
{
	struct client	**pp, *c;
	size_t		 i;
	struct user	*u;
	int		 ok = 1, wrote = 0, critical, n;

	/* Cursors moved by marks join the transaction. */
	for (i = 0; i < srv->nmoved; i++) {
		if ((u = user_by_id(srv, srv->moved[i])) == NULL)
			continue;	/* written when it went */
		u->moved = 0;
		if (u->cur != NULL)
			cursor_flush(u->cur);
	}
	srv->nmoved = 0;
	if (srv->sync != NULL)
		store_backfilled(srv->st, syncer_backfilled(srv->sync));
	/* Messages read by now never join the queue index. */
	if ((n = store_age(srv->st, now_ms(), TAIL_KEEP_MS, msg_needed,
	    srv)) > 0)
		srv->stats.queued_late += (uint64_t)n;
	/*
	 * While a sync runs, the transaction stays open and grows: it is
	 * committed when the sync returns, so that each commit, and each
	 * log page written, covers as many messages as one sync does.
	 * (Messages are relayed before either.)
	 */
	if (srv->sync != NULL && srv->bhead != NULL)
		goto out;
	critical = store_critical(srv->st);
	if (store_dirty(srv->st)) {
		srv->stats.commits++;
		wrote = 1;
		if (store_commit(srv->st) == -1) {
			srv->stats.commit_failed++;
			ok = 0;
			/* Not reserved after all: write it again. */
			srv->sid_reserved = srv->sid_safe;
		} else if (srv->sync == NULL)
			srv->sid_safe = srv->sid_reserved;
	}
	srv->late = 0;
	/* What the out-queue and the catch-up send to one session leaves
	 * together, with its pending ACK, at the release. */
	sess_ep_hold(srv->ep);
	if (wrote && ok && critical && srv->sync != NULL) {
		batch_push(srv, ++srv->seq);
		syncer_request(srv->sync, srv->seq);
	} else {
		server_release(srv, srv->outq, srv->nout, srv->obuf, ok);
		srv->nout = 0;
		srv->olen = 0;
	}
	sess_ep_release(srv->ep);
out:
	sess_ep_hold(srv->ep);
	pump_all(srv);
	sess_ep_release(srv->ep);
	/* Free the dead that nothing refers to any more. */
	for (pp = &srv->dead; (c = *pp) != NULL;) {
		if (c->refs > 0) {
			pp = &c->bnext;
			continue;
		}
		*pp = c->bnext;
		client_free(srv, c);
	}
}

/* Before the loop blocks: the group commit. */
static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	server_flush(w->data);
}

/* Forget messages older than the retention. */
static void
expire_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server	*srv = w->data;
	uint64_t	 keep = (uint64_t)srv->conf.retention_days * 86400000;
	int		 n;

	n = store_expire(srv->st, now_ms() - keep);
	if (n > 0)
		log_info("retention: %d messages older than %d days removed",
		    n, srv->conf.retention_days);
}

struct server *
server_new(struct ev_loop *loop, int fd, const uint8_t *pk, const uint8_t *sk,
    struct store *st, const struct chatd_conf *conf)
{
	struct server	*srv = xcalloc(1, sizeof *srv);
	struct sess_conf sc;
	struct sess_cb	 cb = { srv_up, srv_message, srv_lost, srv };
	char		 err[256];

	srv->loop = loop;
	srv->st = st;
	srv->next_sid = srv->sid_reserved = srv->sid_safe =
	    store_sid_start(st);
	if (conf->fsync && (srv->sync = syncer_new(loop, store_path(st),
	    server_synced, srv, err, sizeof err)) == NULL)
		fatalx("store: %s", err);
	srv->conf = *conf;
	srv->nbuckets = 1024;
	srv->by_id = xcalloc(srv->nbuckets, sizeof *srv->by_id);
	srv->by_key = xcalloc(srv->nbuckets, sizeof *srv->by_key);
	srv->login_rl = ratelimit_new(&conf->login_rl);
	srv->msg_rl = ratelimit_new(&conf->msg_rl);
	srv->pw = pwpool_new(loop, conf->auth_threads, conf->auth_queue,
	    (unsigned long long)conf->argon2_ops,
	    (size_t)conf->argon2_mem_kib * 1024, auth_done, srv);
	sess_conf_default(&sc);
	sc.max_sessions = (uint32_t)conf->max_sessions;
	sc.keepalive_ms = (uint32_t)conf->keepalive_ms;
	sc.dead_ms = (uint32_t)conf->dead_ms;
	srv->ep = sess_server_new(loop, fd, pk, sk, &sc, &cb);
	ev_prepare_init(&srv->prepare, prepare_cb);
	srv->prepare.data = srv;
	ev_prepare_start(loop, &srv->prepare);
	ev_timer_init(&srv->expire, expire_cb, 0., EXPIRE_EVERY);
	srv->expire.data = srv;
	ev_timer_start(loop, &srv->expire);
	ev_unref(loop);
	return srv;
}

void
server_reconfigure(struct server *srv, const struct chatd_conf *conf)
{
	ratelimit_free(srv->login_rl);
	ratelimit_free(srv->msg_rl);
	srv->login_rl = ratelimit_new(&conf->login_rl);
	srv->msg_rl = ratelimit_new(&conf->msg_rl);
	pwpool_set_cost(srv->pw, (unsigned long long)conf->argon2_ops,
	    (size_t)conf->argon2_mem_kib * 1024);
	srv->conf = *conf;
}

void
server_free(struct server *srv)
{
	struct user	*u;
	struct client	*c;
	uint64_t	 t = now_ms();

	server_flush(srv);
	if (srv->sync != NULL)
		syncer_drain(srv->sync);
	pwpool_free(srv->pw);
	/* Everyone still online was last seen now. */
	while ((u = srv->online) != NULL) {
		store_user_seen(srv->st, u->id, t);
		while ((c = u->clients) != NULL) {
			u->clients = c->unext;
			c->u = NULL;
			if (c->s != NULL)
				sess_set_data(c->s, NULL);
			c->s = NULL;
			c->dead = 1;
			if (!c->backlog) {
				c->bnext = srv->dead;
				srv->dead = c;
			}
		}
		user_gone(srv, u);
	}
	server_flush(srv);
	syncer_free(srv->sync);		/* drains: every answer is out */
	srv->sync = NULL;
	/* Sessions that never logged in still own a client; the endpoint
	 * frees sessions without callbacks. */
	sess_ep_free(srv->ep);
	while (srv->all != NULL)
		client_free(srv, srv->all);
	ev_ref(srv->loop);
	ev_timer_stop(srv->loop, &srv->expire);
	ev_prepare_stop(srv->loop, &srv->prepare);
	ratelimit_free(srv->login_rl);
	ratelimit_free(srv->msg_rl);
	free(srv->outq);
	free(srv->obuf);
	if (srv->spare != NULL) {
		free(srv->spare->q);
		free(srv->spare->buf);
		free(srv->spare);
	}
	free(srv->moved);
	free(srv->by_id);
	free(srv->by_key);
	free(srv);
}

void
server_stats(struct server *srv, struct chatd_stats *st)
{
	*st = srv->stats;
}

void
server_log_stats(struct server *srv, const char *when)
{
	const struct chatd_stats	*s = &srv->stats;
	const struct sess_stats		*ss = sess_ep_stats(srv->ep);

	log_info("%s: sessions %" PRIu64 " (total %" PRIu64 ") registered %"
	    PRIu64 " logins %" PRIu64 " login_failed %" PRIu64 " accepted %"
	    PRIu64 " duplicates %" PRIu64 " delivered %" PRIu64
	    " stored_offline %" PRIu64 " queued_late %" PRIu64 " receipts %"
	    PRIu64 " commits %" PRIu64 " commit_failed %" PRIu64, when,
	    s->sessions, s->sessions_total, s->registered, s->logins,
	    s->login_failed, s->accepted, s->duplicates, s->delivered,
	    s->stored_offline, s->queued_late, s->receipts, s->commits,
	    s->commit_failed);
	log_info("%s: dropped malformed %" PRIu64 " bad_version %" PRIu64
	    " not_logged_in %" PRIu64 " ratelimited %" PRIu64 " queue_full %"
	    PRIu64 " bad_utf8 %" PRIu64 " too_long %" PRIu64 " unknown_user %"
	    PRIu64 " busy %" PRIu64 " send_failed %" PRIu64, when,
	    s->malformed, s->bad_version, s->not_logged_in, s->ratelimited,
	    s->queue_full, s->bad_utf8, s->too_long, s->unknown_user, s->busy,
	    s->send_failed);
	log_info("%s: datagrams in %" PRIu64 " out %" PRIu64 " malformed %"
	    PRIu64 " truncated %" PRIu64 " forged %" PRIu64 " replayed %" PRIu64
	    " unknown %" PRIu64 " refused %" PRIu64 " retransmits %" PRIu64,
	    when, ss->rx_datagrams, ss->tx_datagrams, ss->rx_malformed,
	    ss->rx_truncated, ss->rx_forged, ss->rx_replayed, ss->rx_unknown,
	    ss->rx_refused, ss->retransmits);
}
