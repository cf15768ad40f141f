/*
 * server.c: the chat relay.  One session endpoint on one socket; each
 * session is a client, which after logging in belongs to a user (an
 * account that is online, with all its sessions).
 *
 * This file starts and stops the relay and dispatches each request by
 * the command table below.  The rest is in modules, each with a header
 * that says what it owns and how long it lives:
 *
 *	user.c		the registry of online users
 *	client.c	a session's client: its lifetime, its held answers
 *	outq.c		the out-queue and the group commit (durability)
 *	deliver.c	MESSAGEs to the recipients' sessions, and catch-up
 *	receipt.c	RECEIPTs to senders, at once or owed
 *	presence.c	PRESENCE to a user's watchers
 *	auth.c		REGISTER, LOGIN and PASSWD
 *	cmd.c		the other requests, and the rate classes
 *
 * server.h holds the state they share.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <ev.h>

#include "auth.h"
#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "deliver.h"
#include "outq.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "sess/session.h"

#define EXPIRE_EVERY	3600.		/* seconds between retention runs */

/*
 * The command table: what a client may ask, and the rules for each
 * request, stated here once.  login: refused (NOT_LOGGED_IN) before a
 * login.  answers: a refusal is answered with ERROR; MARK, TYPING and
 * AWAY are sent without waiting for an answer, so they never get one.
 * rate: the limits its handler takes a token from, at the point in its
 * checks where it should (cmd_limited()); CONTACTS takes one only to add
 * or remove.
 */
static const struct command commands[CP_OK] = {
	/* type		   handler	login	answers	rate */
	[CP_REGISTER] =	{ auth_login,	0,	1,	RATE_LOGIN },
	[CP_LOGIN] =	{ auth_login,	0,	1,	RATE_LOGIN },
	[CP_PASSWD] =	{ auth_passwd,	1,	1,	RATE_LOGIN },
	[CP_SEND] =	{ cmd_send,	1,	1,	RATE_MSG },
	[CP_MARK] =	{ cmd_mark,	1,	0,	RATE_NONE },
	[CP_CONTACTS] =	{ cmd_contacts,	1,	1,	RATE_CONTACT },
	[CP_WHO] =	{ cmd_who,	1,	1,	RATE_NONE },
	[CP_TYPING] =	{ cmd_typing,	1,	0,	RATE_TYPING },
	[CP_AWAY] =	{ cmd_away,	1,	0,	RATE_NONE },
};

/*
 * The row of a message type.  A request type this chatd does not know
 * (below CP_OK, from a newer client) has no handler but is answered, so
 * its client does not wait; the types of answers (CP_OK and up) have no
 * row: a client never sends them, and they are never answered.
 */
static const struct command *
server_command(uint8_t type)
{
	static const struct command	unknown = { NULL, 0, 1, RATE_NONE };

	if (type >= CP_OK)
		return NULL;
	return commands[type].fn != NULL ? &commands[type] : &unknown;
}

/* Refuse request m with ERROR code, if its row says it is answered. */
static void
server_refuse(struct client *c, const struct command *cmd,
    const struct cp_msg *m, enum cp_err code)
{
	if (cmd != NULL && cmd->answers)
		outq_error(c, m->id, m->type, code);
}

/* One chat message from a session: the table's rules, then its handler. */
static void
srv_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct server		*srv = arg;
	struct client		*c = sess_data(s);
	const struct command	*cmd;
	struct cp_msg		 m;
	enum cp_err		 e;

	if (c == NULL || c->dead)
		return;
	e = cp_decode(buf, len, &m);
	cmd = server_command(m.type);
	if (e != CPE_NONE) {
		if (e == CPE_VERSION)
			srv->stats.bad_version++;
		else
			srv->stats.malformed++;
		log_debug("session %016" PRIx64 ": %s %s message of %zu bytes",
		    sess_id(s), e == CPE_VERSION ? "wrong version" :
		    "malformed", cp_typename(m.type), len);
		server_refuse(c, cmd, &m, e);
		return;
	}
	if (cmd == NULL || cmd->fn == NULL) {
		srv->stats.malformed++;
		return;
	}
	if (cmd->login && c->u == NULL) {
		srv->stats.not_logged_in++;
		server_refuse(c, cmd, &m, CPE_NOT_LOGGED_IN);
		return;
	}
	cmd->fn(c, &m, cmd);
}

/* A session came up: a client for it. */
static void
srv_up(struct sess *s, void *arg)
{
	struct server	*srv = arg;

	sess_set_data(s, client_new(srv, s));
	srv->stats.sessions++;
	srv->stats.sessions_total++;
	log_debug("session %016" PRIx64 ": up, sealed with %s", sess_id(s),
	    sess_aead(s));
}

/* A session was lost: its client goes, after the next flush. */
static void
srv_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct server	*srv = arg;
	struct client	*c = sess_data(s);

	if (c == NULL)
		return;
	sess_set_data(s, NULL);
	client_lost(c);
	srv->stats.sessions--;
}

/*
 * Once per loop iteration: the cursors that moved, the group commit and
 * its release (outq.c), then the sessions catching up, then the dead.
 */
static void
server_flush(struct server *srv)
{
	user_flush_moved(srv);
	outq_commit(srv);
	sess_ep_hold(srv->ep);
	deliver_backlog(srv);
	sess_ep_release(srv->ep);
	client_reap(srv);
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

	n = store_expire(srv->st, clock_wall_ms() - keep);
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
	    outq_synced, srv, err, sizeof err)) == NULL)
		fatalx("store: %s", err);
	srv->conf = *conf;
	user_init(srv);
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

/* Everyone still online was last seen at t: every client is let go. */
static void
server_logout_all(struct server *srv, uint64_t t)
{
	struct user	*u;
	struct client	*c;

	while ((u = srv->online) != NULL) {
		store_user_seen(srv->st, u->id, t);
		while ((c = u->clients) != NULL) {
			u->clients = c->unext;
			c->u = NULL;
			if (c->s != NULL)
				sess_set_data(c->s, NULL);
			c->s = NULL;
			client_bury(c);
		}
		user_gone(srv, u);
	}
}

void
server_free(struct server *srv)
{
	uint64_t	t = clock_wall_ms();

	server_flush(srv);
	if (srv->sync != NULL)
		syncer_drain(srv->sync);
	pwpool_free(srv->pw);
	server_logout_all(srv, t);
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
	outq_fini(srv);
	user_fini(srv);
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
	    PRIu64 " bad_utf8 %" PRIu64 " control_char %" PRIu64 " too_long %"
	    PRIu64 " unknown_user %" PRIu64 " busy %" PRIu64 " send_failed %"
	    PRIu64, when, s->malformed, s->bad_version, s->not_logged_in,
	    s->ratelimited, s->queue_full, s->bad_utf8, s->control_char,
	    s->too_long, s->unknown_user, s->busy, s->send_failed);
	log_info("%s: datagrams in %" PRIu64 " out %" PRIu64 " malformed %"
	    PRIu64 " truncated %" PRIu64 " forged %" PRIu64 " replayed %" PRIu64
	    " unknown %" PRIu64 " refused %" PRIu64 " retransmits %" PRIu64,
	    when, ss->rx_datagrams, ss->tx_datagrams, ss->rx_malformed,
	    ss->rx_truncated, ss->rx_forged, ss->rx_replayed, ss->rx_unknown,
	    ss->rx_refused, ss->retransmits);
}
