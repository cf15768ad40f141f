/*
 * ctl.c: the control socket (ctl.h).  Uses the store (accounts), user.c
 * (who is online), device.c (ending sessions), pwpool.c (hashing a new
 * password), outq.c (replies that wait for their commit), backoff.c,
 * quota.c and jansson for the JSON of requests and replies.
 *
 * Everything runs on the loop and never blocks it: the sockets are
 * non-blocking, a request is at most CTL_REQUEST_MAX bytes, at most
 * CTL_CONNS connections are served at once (others wait in the listen
 * backlog, then in connect), each has CTL_TIMEOUT to send its request and take its
 * reply, and a listing stops at CTL_LIST_MAX rows ("more": true).  The
 * store is the loop's own, so the queries here are the bounded ones of
 * store.h.
 *
 * Who may ask: the socket file has mode 0600 and chatd's owner, and
 * each connection's peer credentials (SO_PEERCRED) are checked again, in
 * case the file's mode was changed: a uid that is neither chatd's nor
 * root's is refused ("denied") and logged.  Every action (lock, unlock,
 * kick, reset-password, reload) is logged with the peer's uid and pid;
 * queries are logged at debug level.
 *
 * A reply that reports a write (a lock, a new password, tokens revoked)
 * goes on the out-queue, so that it is sent only once its commit is
 * durable, as a client's answers are (outq.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>
#include <sodium.h>

#include "backoff.h"
#include "chatd.h"
#include "client.h"
#include "ctl.h"
#include "device.h"
#include "outq.h"
#include "quota.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/clock.h"
#include "base/addr.h"
#include "base/log.h"
#include "base/version.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "chat/ctlproto.h"
#include "sess/session.h"

#define CTL_CONNS	4		/* served at once */
#define CTL_TIMEOUT	10.		/* seconds to ask, and to take the
					 * reply */
#define CTL_LIST_MAX	1000		/* rows of a listing */
#define CTL_ARGS_MAX	4		/* strings in a request */
#define CTL_PW_LEN	16		/* characters of a new password */

/* A new password's alphabet: no 0/O, 1/l/I, so it can be read out. */
static const char	pw_alphabet[] =
			    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
			    "23456789";

enum conn_state {
	CONN_READ,		/* reading the request */
	CONN_WORK,		/* its reply waits for a commit or a job */
	CONN_WRITE,		/* writing the reply */
	CONN_DEAD,		/* closed; freed once refs is 0 */
};

struct ctl_conn {
	struct ctl	*ctl;
	struct ctl_conn	*next;
	int		 fd;
	enum conn_state	 state;
	int		 refs;		/* out-queue entries, password jobs */
	int		 denied;	/* the peer may not administer */
	unsigned int	 uid;		/* the peer, from SO_PEERCRED */
	int		 pid;
	char		 what[96];	/* the request, for the log */
	ev_io		 io;
	ev_timer	 timer;
	char		 in[CTL_REQUEST_MAX];
	size_t		 inlen;
	char		*out;		/* the reply line */
	size_t		 outlen, outoff;
};

struct ctl {
	struct ev_loop	*loop;
	struct server	*srv;
	ctl_reload_fn	*reload;
	int		 fd;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint64_t	 started;	/* ms UTC */
	ev_io		 accept;
	ev_prepare	 reap;
	struct ctl_conn	*conns;
	int		 nconns;	/* not dead */
};

/* reset-password's job: the pool hands the job back first. */
struct ctl_pw {
	struct pw_job	 job;
	struct ctl_conn	*conn;
	uint64_t	 uid;
	char		 nick[NICK_MAX_BYTES];
	char		 pw[CTL_PW_LEN + 1];	/* the pool wipes the job's */
};

/* One command: its name, how many arguments, is it an action. */
struct ctl_cmd {
	const char	*name;
	int		 min, max;
	int		 action;	/* changes something: logged at info */
	void		(*fn)(struct ctl_conn *, const char **argv);
};

static void	ctl_status(struct ctl_conn *, const char **);
static void	ctl_users(struct ctl_conn *, const char **);
static void	ctl_user(struct ctl_conn *, const char **);
static void	ctl_sessions(struct ctl_conn *, const char **);
static void	ctl_lock(struct ctl_conn *, const char **);
static void	ctl_unlock(struct ctl_conn *, const char **);
static void	ctl_kick(struct ctl_conn *, const char **);
static void	ctl_reset(struct ctl_conn *, const char **);
static void	ctl_reload(struct ctl_conn *, const char **);

/* The command table: every rule about commands is stated here. */
static const struct ctl_cmd	ctl_cmds[] = {
	/* name		   args	   action handler */
	{ "status",	   0, 0,	0, ctl_status },
	{ "users",	   0, 1,	0, ctl_users },
	{ "user",	   1, 1,	0, ctl_user },
	{ "sessions",	   0, 0,	0, ctl_sessions },
	{ "lock",	   1, 1,	1, ctl_lock },
	{ "unlock",	   1, 1,	1, ctl_unlock },
	{ "kick",	   1, 1,	1, ctl_kick },
	{ "reset-password", 1, 1,	1, ctl_reset },
	{ "reload",	   0, 0,	1, ctl_reload },
};

/* Close a connection: it is freed at the reap, once refs is 0. */
static void
conn_close(struct ctl_conn *cc)
{
	struct ctl	*ctl = cc->ctl;

	if (cc->state == CONN_DEAD)
		return;
	cc->state = CONN_DEAD;
	ctl->nconns--;
	ev_io_stop(ctl->loop, &cc->io);
	ev_timer_stop(ctl->loop, &cc->timer);
	ev_io_start(ctl->loop, &ctl->accept);	/* there is room again */
	close(cc->fd);
	cc->fd = -1;
	if (cc->out != NULL)		/* it may hold a password */
		sodium_memzero(cc->out, cc->outlen);
	free(cc->out);
	cc->out = NULL;
	ev_prepare_start(ctl->loop, &ctl->reap);
}

/* Write what is left of the reply; close once it is all out. */
static void
conn_write(struct ctl_conn *cc)
{
	ssize_t	n;

	while (cc->outoff < cc->outlen) {
		n = send(cc->fd, cc->out + cc->outoff, cc->outlen - cc->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			log_debug("control: pid %d: %s", cc->pid,
			    strerror(errno));
			break;
		}
		cc->outoff += (size_t)n;
	}
	conn_close(cc);
}

/* Send line (taken over; it ends in a newline) as the reply. */
static void
conn_send(struct ctl_conn *cc, char *line, size_t len)
{
	struct ctl	*ctl = cc->ctl;

	if (cc->state == CONN_DEAD) {
		free(line);
		return;
	}
	if (cc->out != NULL)
		sodium_memzero(cc->out, cc->outlen);
	free(cc->out);
	cc->out = line;
	cc->outlen = len;
	cc->outoff = 0;
	cc->state = CONN_WRITE;
	ev_io_stop(ctl->loop, &cc->io);
	ev_io_set(&cc->io, cc->fd, EV_WRITE);
	ev_io_start(ctl->loop, &cc->io);
	ev_timer_again(ctl->loop, &cc->timer);
	conn_write(cc);
}

/* The reply line for a JSON object (taken over), with its length. */
static char *
reply_line(json_t *o, size_t *len)
{
	char	*s, *line;

	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		fatalx("control: cannot encode a reply");
	*len = strlen(s) + 1;
	line = xmalloc(*len + 1);
	memcpy(line, s, *len - 1);
	line[*len - 1] = '\n';
	line[*len] = '\0';
	free(s);
	return line;
}

/* A successful reply carrying result (taken over); more: a listing
 * stopped at its bound. */
static json_t *
reply_ok(json_t *result, int more)
{
	json_t	*o = json_object();

	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "result", result);
	if (more)
		json_object_set_new(o, "more", json_true());
	return o;
}

/* Reply result now. */
static void
conn_ok(struct ctl_conn *cc, json_t *result, int more)
{
	size_t	 len;
	char	*line = reply_line(reply_ok(result, more), &len);

	conn_send(cc, line, len);
}

static json_t	*jstr(const char *);

/* Reply an error: one of ctlproto.h's words and a message for people. */
static void
conn_error(struct ctl_conn *cc, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
conn_error(struct ctl_conn *cc, const char *error, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256], *line;
	json_t	*o = json_object();
	size_t	 len;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", json_string(error));
	json_object_set_new(o, "message", jstr(msg));
	line = reply_line(o, &len);
	conn_send(cc, line, len);
}

/*
 * Reply result once the open transaction's commit is durable, on the
 * out-queue (outq.h); an action's outcome is logged then too.
 */
static void
conn_ok_committed(struct ctl_conn *cc, json_t *result)
{
	struct out	*o;
	size_t		 len;
	char		*line = reply_line(reply_ok(result, 0), &len);

	o = outq_push(cc->ctl->srv, OUT_CTL, (const uint8_t *)line, len);
	o->ctl = cc;
	cc->refs++;
	cc->state = CONN_WORK;
	sodium_memzero(line, len);	/* it may hold a password */
	free(line);
}

void
ctl_released(struct ctl_conn *cc, const uint8_t *wire, size_t len, int ok)
{
	char	*line;

	cc->refs--;
	/* A reply may hold a one-time password: not left in the
	 * out-queue's buffer, which is reused. */
	if (cc->state == CONN_DEAD) {
		sodium_memzero((uint8_t *)wire, len);
		return;
	}
	if (!ok) {
		sodium_memzero((uint8_t *)wire, len);
		log_warnx("control: uid %u pid %d: %s: the store failed",
		    cc->uid, cc->pid, cc->what);
		conn_error(cc, CTL_E_FAILED, "the store could not commit it; "
		    "nothing was changed");
		return;
	}
	line = xmalloc(len + 1);
	memcpy(line, wire, len);
	line[len] = '\0';
	sodium_memzero((uint8_t *)wire, len);
	conn_send(cc, line, len);
}

/* A JSON string of UTF-8 text (a nick, a device name); "?" if it is
 * not UTF-8, which the store never holds. */
static json_t *
jstr(const char *s)
{
	json_t	*j = json_string(s);

	return j != NULL ? j : json_string("?");
}

/* A time (ms UTC) as ISO 8601 text, or null for 0 (never). */
static json_t *
jtime(uint64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		buf[32];

	if (ms == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/*
 * The account nick names, as a client would name it (store_user_key()):
 * 1 found, or 0 having replied (unknown user, or the store failed).
 */
static int
ctl_account(struct ctl_conn *cc, const char *nick, struct store_user *su)
{
	struct store	*st = cc->ctl->srv->st;
	char		 key[NICK_MAX_BYTES];
	int		 rc;

	if (store_user_key(st, nick, strlen(nick), key) != NICK_OK) {
		conn_error(cc, CTL_E_UNKNOWN_USER, "no account %s (not a valid "
		    "nickname)", nick);
		return 0;
	}
	if ((rc = store_user_get(st, key, su)) == 1)
		return 1;
	if (rc == 0)
		conn_error(cc, CTL_E_UNKNOWN_USER, "no account %s", nick);
	else
		conn_error(cc, CTL_E_FAILED, "the store failed; see chatd's "
		    "log");
	return 0;
}

/* The number of sessions online user u has (0 if u is NULL). */
static int
user_sessions(const struct user *u)
{
	const struct client	*c;
	int			 n = 0;

	if (u == NULL)
		return 0;
	for (c = u->clients; c != NULL; c = c->unext)
		if (!c->dead)
			n++;
	return n;
}

/* The size of a file, 0 if it is not there. */
static uint64_t
file_size(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static void
ctl_status(struct ctl_conn *cc, const char **argv)
{
	struct server		*srv = cc->ctl->srv;
	const struct chatd_stats *s = &srv->stats;
	const struct user	*u;
	json_t			*r = json_object(), *k = json_object();
	char			 wal[1024];
	uint64_t		 now = clock_wall_ms(), logged_in = 0;
	long long		 accounts;

	for (u = srv->online; u != NULL; u = u->onext)
		logged_in += (uint64_t)user_sessions(u);
	accounts = store_user_count(srv->st);
	snprintf(wal, sizeof wal, "%s-wal", store_path(srv->st));
	json_object_set_new(r, "version", json_string(SUITE_VERSION));
	json_object_set_new(r, "pid", json_integer(getpid()));
	json_object_set_new(r, "started", jtime(cc->ctl->started));
	json_object_set_new(r, "uptime_s", json_integer((json_int_t)
	    (now > cc->ctl->started ? (now - cc->ctl->started) / 1000 : 0)));
	json_object_set_new(r, "sessions", json_integer((json_int_t)
	    s->sessions));
	json_object_set_new(r, "logged_in", json_integer((json_int_t)
	    logged_in));
	json_object_set_new(r, "users_online", json_integer((json_int_t)
	    srv->nusers));
	json_object_set_new(r, "accounts", accounts >= 0 ?
	    json_integer(accounts) : json_null());
	json_object_set_new(r, "queued", json_integer((json_int_t)
	    quota_waiting(srv->quota)));
	json_object_set_new(r, "store_bytes", json_integer((json_int_t)
	    (file_size(store_path(srv->st)) + file_size(wal))));
	json_object_set_new(k, "registered", json_integer((json_int_t)
	    s->registered));
	json_object_set_new(k, "logins", json_integer((json_int_t)s->logins));
	json_object_set_new(k, "login_failed", json_integer((json_int_t)
	    s->login_failed));
	json_object_set_new(k, "accepted", json_integer((json_int_t)
	    s->accepted));
	json_object_set_new(k, "delivered", json_integer((json_int_t)
	    s->delivered));
	json_object_set_new(k, "signed_out", json_integer((json_int_t)
	    s->signed_out));
	json_object_set_new(k, "commits", json_integer((json_int_t)
	    s->commits));
	json_object_set_new(k, "commit_failed", json_integer((json_int_t)
	    s->commit_failed));
	json_object_set_new(r, "counters", k);
	conn_ok(cc, r, 0);
}

/* What a listing of accounts is built in. */
struct ctl_list {
	struct server	*srv;
	json_t		*a;
};

/* One account of users' listing. */
static void
ctl_users_one(void *arg, const struct store_account *sa)
{
	struct ctl_list	*l = arg;
	struct user	*u = user_by_id(l->srv, sa->id);
	json_t		*o = json_object();

	json_object_set_new(o, "nick", jstr(sa->nick));
	json_object_set_new(o, "online", json_boolean(u != NULL));
	json_object_set_new(o, "sessions", json_integer(user_sessions(u)));
	json_object_set_new(o, "last_seen", jtime(sa->last_seen));
	json_object_set_new(o, "created", jtime(sa->created));
	json_object_set_new(o, "locked", json_boolean(sa->locked));
	json_array_append_new(l->a, o);
}

static void
ctl_users(struct ctl_conn *cc, const char **argv)
{
	struct ctl_list	 l;
	int		 n;

	l.srv = cc->ctl->srv;
	l.a = json_array();
	/* One more than shown says whether there are more. */
	n = store_accounts(l.srv->st, argv[0] != NULL ? argv[0] : "*",
	    CTL_LIST_MAX + 1, ctl_users_one, &l);
	if (n == -1) {
		json_decref(l.a);
		conn_error(cc, CTL_E_FAILED, "the store failed; see chatd's "
		    "log");
		return;
	}
	if (n > CTL_LIST_MAX)
		json_array_remove(l.a, CTL_LIST_MAX);
	conn_ok(cc, l.a, n > CTL_LIST_MAX);
}

/* What user's device list is built in. */
struct ctl_devices {
	json_t		*a;
	struct user	*u;
};

/* One device (token) of user's listing. */
static void
ctl_device_one(void *arg, const struct store_token *t)
{
	struct ctl_devices	*d = arg;
	struct client		*c;
	json_t			*o = json_object();
	int			 online = 0;

	if (d->u != NULL)
		for (c = d->u->clients; c != NULL; c = c->unext)
			if (!c->dead && c->token_id == t->id)
				online = 1;
	json_object_set_new(o, "id", json_integer((json_int_t)t->id));
	json_object_set_new(o, "name", jstr(t->name));
	json_object_set_new(o, "last_used", jtime(t->last_used));
	json_object_set_new(o, "address", jstr(t->addr));
	json_object_set_new(o, "online", json_boolean(online));
	json_array_append_new(d->a, o);
}

static void
ctl_user(struct ctl_conn *cc, const char **argv)
{
	struct server		*srv = cc->ctl->srv;
	struct store_user	 su;
	struct ctl_devices	 d;
	uint64_t		 created = 0;
	json_t			*r;
	int			 contacts;

	if (!ctl_account(cc, argv[0], &su))
		return;
	d.a = json_array();
	d.u = user_by_id(srv, su.id);
	if (store_user_created(srv->st, su.id, &created) == -1 ||
	    store_tokens(srv->st, su.id, ctl_device_one, &d) == -1 ||
	    (contacts = store_contact_count(srv->st, su.id)) == -1) {
		json_decref(d.a);
		conn_error(cc, CTL_E_FAILED, "the store failed; see chatd's "
		    "log");
		return;
	}
	r = json_object();
	json_object_set_new(r, "nick", jstr(su.nick));
	json_object_set_new(r, "id", json_integer((json_int_t)su.id));
	json_object_set_new(r, "created", jtime(created));
	json_object_set_new(r, "last_seen", jtime(su.last_seen));
	json_object_set_new(r, "online", json_boolean(d.u != NULL));
	json_object_set_new(r, "sessions", json_integer(user_sessions(d.u)));
	json_object_set_new(r, "locked", json_boolean(su.locked));
	json_object_set_new(r, "queued", json_integer((json_int_t)
	    quota_rcpt(srv->quota, su.id)));
	json_object_set_new(r, "contacts", json_integer(contacts));
	json_object_set_new(r, "devices", d.a);
	conn_ok(cc, r, 0);
}

/* The name of token id of user uid, into name: a device lookup per
 * account listed, not per session. */
struct ctl_name {
	uint64_t	 id;
	char		*name;
	size_t		 len;
};

static void
ctl_name_one(void *arg, const struct store_token *t)
{
	struct ctl_name	*n = arg;

	if (t->id == n->id)
		snprintf(n->name, n->len, "%s", t->name);
}

static void
ctl_sessions(struct ctl_conn *cc, const char **argv)
{
	struct server		*srv = cc->ctl->srv;
	const struct sockaddr	*sa;
	struct client		*c;
	struct ctl_name		 nm;
	socklen_t		 salen;
	json_t			*a = json_array(), *o;
	char			 addr[ADDR_STRLEN], id[20];
	char			 device[STORE_DEVICE_NAME];
	int			 n = 0, more = 0;

	for (c = srv->all; c != NULL; c = c->anext) {
		if (c->dead || !client_has_session(c))
			continue;
		if (n == CTL_LIST_MAX) {
			more = 1;
			break;
		}
		n++;
		o = json_object();
		snprintf(id, sizeof id, "%016llx",
		    (unsigned long long)client_id(c));
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "nick", c->u != NULL ?
		    jstr(c->u->nick) : json_null());
		if ((sa = client_peer(c, &salen)) != NULL)
			addr_str(sa, addr, sizeof addr);
		else
			snprintf(addr, sizeof addr, "-");
		json_object_set_new(o, "address", json_string(addr));
		json_object_set_new(o, "since", jtime(c->since));
		device[0] = '\0';
		if (c->u != NULL && c->token_id != 0) {
			nm.id = c->token_id;
			nm.name = device;
			nm.len = sizeof device;
			store_tokens(srv->st, c->u->id, ctl_name_one, &nm);
		}
		json_object_set_new(o, "device", c->token_id != 0 ?
		    jstr(device) : json_null());
		/* The largest datagram it is sent (a gateway's: unknown). */
		json_object_set_new(o, "datagram", c->s != NULL ?
		    json_integer((json_int_t)sess_dgram_max(c->s)) :
		    json_null());
		json_array_append_new(a, o);
	}
	conn_ok(cc, a, more);
}

/* The outcome of an action, in the log. */
static void
ctl_did(struct ctl_conn *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
ctl_did(struct ctl_conn *cc, const char *fmt, ...)
{
	va_list	ap;
	char	buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_info("control: uid %u pid %d: %s: %s", cc->uid, cc->pid, cc->what,
	    buf);
}

/* lock and unlock. */
static void
ctl_set_lock(struct ctl_conn *cc, const char *nick, int lock)
{
	struct server		*srv = cc->ctl->srv;
	struct store_user	 su;
	struct user		*u;
	json_t			*r;
	int			 n = 0;

	if (!ctl_account(cc, nick, &su))
		return;
	if (store_user_lock(srv->st, su.id, lock) != 1) {
		conn_error(cc, CTL_E_FAILED, "the store failed; see chatd's "
		    "log");
		return;
	}
	if (lock && (u = user_by_id(srv, su.id)) != NULL)
		n = device_end_sessions(srv, u, NULL, 0, CPE_LOCKED,
		    cp_strerror(CPE_LOCKED));
	ctl_did(cc, "%s %s%s, %d session%s ended", su.nick,
	    lock ? "locked" : "unlocked", su.locked == lock ? " already" : "",
	    n, n == 1 ? "" : "s");
	r = json_object();
	json_object_set_new(r, "nick", jstr(su.nick));
	json_object_set_new(r, "locked", json_boolean(lock));
	json_object_set_new(r, "was_locked", json_boolean(su.locked));
	json_object_set_new(r, "sessions_ended", json_integer(n));
	conn_ok_committed(cc, r);
}

static void
ctl_lock(struct ctl_conn *cc, const char **argv)
{
	ctl_set_lock(cc, argv[0], 1);
}

static void
ctl_unlock(struct ctl_conn *cc, const char **argv)
{
	ctl_set_lock(cc, argv[0], 0);
}

/*
 * kick: sign the account out everywhere.  Its sessions end as a password
 * change ends them (its clients are told, and forget their tokens), and
 * its device tokens are revoked to match; its password logs it in again.
 */
static void
ctl_kick(struct ctl_conn *cc, const char **argv)
{
	struct server		*srv = cc->ctl->srv;
	struct store_user	 su;
	struct user		*u;
	json_t			*r;
	int			 n = 0;

	if (!ctl_account(cc, argv[0], &su))
		return;
	if (store_token_revoke(srv->st, su.id) == -1) {
		conn_error(cc, CTL_E_FAILED, "the store failed; see chatd's "
		    "log");
		return;
	}
	if ((u = user_by_id(srv, su.id)) != NULL)
		n = device_sign_out(srv, u, NULL, 0,
		    "signed out by the administrator");
	ctl_did(cc, "%s signed out, %d session%s ended, device tokens "
	    "revoked", su.nick, n, n == 1 ? "" : "s");
	r = json_object();
	json_object_set_new(r, "nick", jstr(su.nick));
	json_object_set_new(r, "sessions_ended", json_integer(n));
	conn_ok_committed(cc, r);
}

/* reset-password's new password is hashed, in the loop. */
static void
ctl_reset_done(struct pw_job *j, void *arg)
{
	struct ctl_pw		*p = j->ctx;
	struct ctl_conn		*cc = p->conn;
	struct server		*srv = arg;
	struct store_user	 su;
	struct user		*u;
	json_t			*r;
	int			 n = 0;

	cc->refs--;
	if (cc->state == CONN_DEAD)
		goto done;
	if (j->ok != 1) {
		conn_error(cc, CTL_E_FAILED, j->ok == -1 ? "chatd is stopping" :
		    "hashing the password failed; see chatd's log");
		goto done;
	}
	/* The account may have gone meanwhile. */
	if (store_user_by_id(srv->st, p->uid, &su) != 1) {
		conn_error(cc, CTL_E_UNKNOWN_USER, "no account %s", p->nick);
		goto done;
	}
	if (store_user_set_hash(srv->st, p->uid, j->hash) == -1 ||
	    store_token_revoke(srv->st, p->uid) == -1) {
		conn_error(cc, CTL_E_FAILED, "the store failed; see chatd's "
		    "log");
		goto done;
	}
	backoff_clear(srv->backoff, p->uid);
	if ((u = user_by_id(srv, p->uid)) != NULL)
		n = device_sign_out(srv, u, NULL, 0, "signed out: the "
		    "administrator reset the account's password");
	ctl_did(cc, "%s has a new password, %d session%s ended, device "
	    "tokens revoked", su.nick, n, n == 1 ? "" : "s");
	r = json_object();
	json_object_set_new(r, "nick", jstr(su.nick));
	json_object_set_new(r, "password", json_string(p->pw));
	json_object_set_new(r, "sessions_ended", json_integer(n));
	conn_ok_committed(cc, r);
done:
	sodium_memzero(p, sizeof *p);
	free(p);
}

/* reset-password: a random password, hashed on the password pool. */
static void
ctl_reset(struct ctl_conn *cc, const char **argv)
{
	struct server		*srv = cc->ctl->srv;
	struct store_user	 su;
	struct ctl_pw		*p;
	int			 i;

	if (srv->pw == NULL) {
		conn_error(cc, CTL_E_BUSY, "chatd is stopping");
		return;
	}
	if (!ctl_account(cc, argv[0], &su))
		return;
	p = xcalloc(1, sizeof *p);
	for (i = 0; i < CTL_PW_LEN; i++)
		p->pw[i] = pw_alphabet[randombytes_uniform(
		    sizeof pw_alphabet - 1)];
	memcpy(p->job.pw, p->pw, sizeof p->pw);
	p->job.op = PW_HASH;
	p->job.ctx = p;
	p->job.done = ctl_reset_done;
	p->conn = cc;
	p->uid = su.id;
	snprintf(p->nick, sizeof p->nick, "%s", su.nick);
	if (pwpool_submit(srv->pw, &p->job) < 0) {
		sodium_memzero(p, sizeof *p);
		free(p);
		conn_error(cc, CTL_E_BUSY, "chatd's password queue is full; "
		    "try again");
		return;
	}
	cc->refs++;
	cc->state = CONN_WORK;
}

static void
ctl_reload(struct ctl_conn *cc, const char **argv)
{
	char	err[512];

	if (cc->ctl->reload(err, sizeof err) == -1) {
		ctl_did(cc, "failed, the old configuration kept");
		conn_error(cc, CTL_E_FAILED, "reload failed, the old "
		    "configuration kept: %s", err);
		return;
	}
	ctl_did(cc, "configuration reloaded");
	conn_ok(cc, json_object(), 0);
}

/* The request line (NUL-terminated, without its newline): run it. */
static void
conn_request(struct ctl_conn *cc, const char *line, size_t len)
{
	const struct ctl_cmd	*cmd = NULL;
	const char		*argv[CTL_ARGS_MAX + 1];
	json_error_t		 jerr;
	json_t			*req, *v;
	size_t			 i, n, off;

	/* Refused once its request is read: a close with the request
	 * unread would reset the connection before the peer reads why. */
	if (cc->denied) {
		log_warnx("control: refused uid %u pid %d: neither chatd's "
		    "user (uid %u) nor root", cc->uid, cc->pid,
		    (unsigned int)geteuid());
		conn_error(cc, CTL_E_DENIED, "permission denied: uid %u may "
		    "not administer chatd (only uid %u and root may)", cc->uid,
		    (unsigned int)geteuid());
		return;
	}

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL || !json_is_array(req) ||
	    (n = json_array_size(req)) == 0 || n > CTL_ARGS_MAX) {
		log_debug("control: pid %d: malformed request", cc->pid);
		json_decref(req);
		conn_error(cc, CTL_E_USAGE, "malformed request: a JSON array "
		    "of 1 to %d strings was expected", CTL_ARGS_MAX);
		return;
	}
	for (i = 0; i < n; i++) {
		v = json_array_get(req, i);
		if (!json_is_string(v)) {
			json_decref(req);
			conn_error(cc, CTL_E_USAGE, "malformed request: "
			    "argument %zu is not a string", i);
			return;
		}
		argv[i] = json_string_value(v);
	}
	argv[n] = NULL;
	/* The request as the log shows it: command and arguments. */
	for (i = 0, off = 0; i < n && off < sizeof cc->what; i++)
		off += (size_t)snprintf(cc->what + off, sizeof cc->what - off,
		    "%s%s", i > 0 ? " " : "", argv[i]);
	for (i = 0; i < sizeof ctl_cmds / sizeof ctl_cmds[0]; i++)
		if (strcmp(argv[0], ctl_cmds[i].name) == 0)
			cmd = &ctl_cmds[i];
	if (cmd == NULL) {
		conn_error(cc, CTL_E_USAGE, "unknown command %s", argv[0]);
	} else if ((int)n - 1 < cmd->min || (int)n - 1 > cmd->max) {
		conn_error(cc, CTL_E_USAGE, "%s takes %s", cmd->name,
		    cmd->max == 0 ? "no argument" : cmd->min == 0 ?
		    "at most one argument" : "one argument");
	} else {
		if (cmd->action)
			log_info("control: uid %u pid %d: %s", cc->uid,
			    cc->pid, cc->what);
		else
			log_debug("control: uid %u pid %d: %s", cc->uid,
			    cc->pid, cc->what);
		cmd->fn(cc, argv + 1);
	}
	json_decref(req);
}

/* Read the request: a line of at most CTL_REQUEST_MAX bytes. */
static void
conn_read(struct ctl_conn *cc)
{
	char	*nl;
	ssize_t	 n;

	for (;;) {
		n = recv(cc->fd, cc->in + cc->inlen, sizeof cc->in -
		    cc->inlen, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {		/* gone before asking */
			conn_close(cc);
			return;
		}
		cc->inlen += (size_t)n;
		if ((nl = memchr(cc->in, '\n', cc->inlen)) != NULL) {
			*nl = '\0';
			ev_io_stop(cc->ctl->loop, &cc->io);
			ev_timer_stop(cc->ctl->loop, &cc->timer);
			conn_request(cc, cc->in, (size_t)(nl - cc->in));
			return;
		}
		if (cc->inlen == sizeof cc->in) {
			conn_error(cc, CTL_E_USAGE, "request longer than %d "
			    "bytes", CTL_REQUEST_MAX);
			return;
		}
	}
}

static void
conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_conn	*cc = w->data;

	if (cc->state == CONN_READ)
		conn_read(cc);
	else if (cc->state == CONN_WRITE)
		conn_write(cc);
}

static void
conn_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_conn	*cc = w->data;

	log_warnx("control: uid %u pid %d: timed out %s", cc->uid, cc->pid,
	    cc->state == CONN_READ ? "before its request" :
	    "taking its reply");
	conn_close(cc);
}

/* Free the closed connections nothing refers to any more. */
static void
ctl_reap_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct ctl	*ctl = w->data;
	struct ctl_conn	**pp, *cc;
	int		 left = 0;

	for (pp = &ctl->conns; (cc = *pp) != NULL;) {
		if (cc->state != CONN_DEAD || cc->refs > 0) {
			left += cc->state == CONN_DEAD;
			pp = &cc->next;
			continue;
		}
		*pp = cc->next;
		free(cc);
	}
	if (left == 0)
		ev_prepare_stop(loop, w);
}

/* A new connection from peer uid, pid: served, or refused. */
static void
ctl_conn_new(struct ctl *ctl, int fd, const struct ucred *cred)
{
	struct ctl_conn	*cc = xcalloc(1, sizeof *cc);

	cc->ctl = ctl;
	cc->fd = fd;
	cc->uid = (unsigned int)cred->uid;
	cc->pid = (int)cred->pid;
	cc->state = CONN_READ;
	cc->next = ctl->conns;
	ctl->conns = cc;
	ctl->nconns++;
	ev_io_init(&cc->io, conn_io_cb, fd, EV_READ);
	cc->io.data = cc;
	ev_timer_init(&cc->timer, conn_timer_cb, CTL_TIMEOUT, CTL_TIMEOUT);
	cc->timer.data = cc;
	ev_timer_again(ctl->loop, &cc->timer);
	cc->denied = cred->uid != geteuid() && cred->uid != 0;
	ev_io_start(ctl->loop, &cc->io);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl	*ctl = w->data;
	struct ucred	 cred;
	socklen_t	 len;
	int		 fd;

	/*
	 * With CTL_CONNS served, the next wait in the listen backlog (as
	 * many again), and beyond it a client's connect waits, until its
	 * own timeout.
	 */
	while (ctl->nconns < CTL_CONNS && (fd = accept4(ctl->fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == -1) {
			log_warn("control: SO_PEERCRED");
			close(fd);
			continue;
		}
		ctl_conn_new(ctl, fd, &cred);
	}
	if (ctl->nconns >= CTL_CONNS) {
		ev_io_stop(loop, &ctl->accept);
		return;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
	    errno != ECONNABORTED)
		log_warn("control: accept");
}

struct ctl *
ctl_new(struct ev_loop *loop, struct server *srv, const char *state_dir,
    ctl_reload_fn *reload)
{
	struct ctl		*ctl;
	struct sockaddr_un	 sun;
	mode_t			 mask;
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (ctl_socket_path(state_dir, sun.sun_path, sizeof sun.sun_path) ==
	    -1) {
		log_warnx("control: %s/%s: path too long for a socket; "
		    "chatctl cannot reach this chatd", state_dir, CTL_SOCKET);
		return NULL;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return NULL;
	}
	/*
	 * A socket file left by a chatd that died is removed; one that
	 * answers belongs to a chatd still running on this directory.
	 */
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
		log_warnx("control: %s answers: another chatd uses this state "
		    "directory; no control socket", sun.sun_path);
		close(fd);
		return NULL;
	}
	close(fd);
	if (unlink(sun.sun_path) == -1 && errno != ENOENT)
		log_warn("control: remove %s", sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control: socket");
		return NULL;
	}
	/* Made 0600 as it is bound: never open to others, even briefly. */
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(mask);
		log_warn("control: bind %s", sun.sun_path);
		close(fd);
		return NULL;
	}
	umask(mask);
	if (listen(fd, CTL_CONNS) == -1) {
		log_warn("control: listen %s", sun.sun_path);
		unlink(sun.sun_path);
		close(fd);
		return NULL;
	}
	ctl = xcalloc(1, sizeof *ctl);
	ctl->loop = loop;
	ctl->srv = srv;
	ctl->reload = reload;
	ctl->fd = fd;
	ctl->started = clock_wall_ms();
	snprintf(ctl->path, sizeof ctl->path, "%s", sun.sun_path);
	ev_io_init(&ctl->accept, ctl_accept_cb, fd, EV_READ);
	ctl->accept.data = ctl;
	ev_io_start(loop, &ctl->accept);
	ev_prepare_init(&ctl->reap, ctl_reap_cb);
	ctl->reap.data = ctl;
	log_info("control socket %s", ctl->path);
	return ctl;
}

void
ctl_free(struct ctl *ctl)
{
	struct ctl_conn	*cc;

	if (ctl == NULL)
		return;
	/* server_free() released every reply and job (ctl.h). */
	while ((cc = ctl->conns) != NULL) {
		ctl->conns = cc->next;
		conn_close(cc);
		free(cc);
	}
	ev_prepare_stop(ctl->loop, &ctl->reap);
	ev_io_stop(ctl->loop, &ctl->accept);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}
