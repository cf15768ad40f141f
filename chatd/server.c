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
 *	device.c	DEVICES, device tokens' expiry, ending sessions
 *	cmd.c		the other requests, and the rate classes
 *	quota.c		messages waiting, per sender and recipient
 *
 * server.h holds the state they share.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sysexits.h>

#include <ev.h>

#include "auth.h"
#include "backoff.h"
#include "bus.h"
#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "deliver.h"
#include "device.h"
#include "group.h"
#include "history.h"
#include "outq.h"
#include "quota.h"
#include "pglog.h"
#include "remote.h"
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
#define BACKOFF_ENTRIES	4096		/* accounts in password backoff */

/*
 * The command table: what a client may ask, and the rules for each
 * request, stated here once.  login: refused (NOT_LOGGED_IN) before a
 * login.  answers: a refusal is answered with ERROR; MARK, TYPING and
 * AWAY are sent without waiting for an answer, so they never get one.
 * rate: the limits its handler takes a token from, at the point in its
 * checks where it should (cmd_limited()); CONTACTS to add or remove
 * also takes one of RATE_CONTACT.
 *
 * A request that is malformed, or that needs a login before one, is a
 * strike: malformed_max of them close the session.  Before a login only
 * the first is answered, so that a session that never reads cannot make
 * chatd queue answers for it (server_strike()).
 */
static const struct command commands[CP_OK] = {
	/* type		   handler	login	answers	rate */
	[CP_REGISTER] =	{ auth_login,	0,	1,	RATE_LOGIN },
	[CP_LOGIN] =	{ auth_login,	0,	1,	RATE_LOGIN },
	[CP_PASSWD] =	{ auth_passwd,	1,	1,	RATE_LOGIN },
	[CP_SEND] =	{ cmd_send,	1,	1,	RATE_MSG },
	[CP_MARK] =	{ cmd_mark,	1,	0,	RATE_NONE },
	[CP_CONTACTS] =	{ cmd_contacts,	1,	1,	RATE_LIST },
	[CP_WHO] =	{ cmd_who,	1,	1,	RATE_LIST },
	[CP_TYPING] =	{ cmd_typing,	1,	0,	RATE_TYPING },
	[CP_AWAY] =	{ cmd_away,	1,	0,	RATE_NONE },
	[CP_DEVICES] =	{ device_cmd,	1,	1,	RATE_LIST },
	[CP_SETTINGS] =	{ cmd_settings,	1,	1,	RATE_LIST },
	[CP_HISTORY] =	{ history_cmd,	1,	1,	RATE_HISTORY },
	[CP_DELETE_ACCOUNT] = { auth_delete, 1,	1,	RATE_LOGIN },
	[CP_GROUP] =	{ group_cmd,	1,	1,	RATE_LIST },
	[CP_GMARK] =	{ group_gmark,	1,	0,	RATE_NONE },
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

/*
 * Request m was malformed, or needs a login: count a strike against c,
 * close its session at malformed_max, else refuse m with code.  Before a
 * login only the first strike is answered (it tells a client of another
 * protocol version what is wrong); later ones are dropped: answers to a
 * session that has not logged in must not pile up.
 */
static void
server_strike(struct server *srv, struct client *c,
    const struct command *cmd, const struct cp_msg *m, enum cp_err code)
{
	if (++c->strikes >= srv->conf.malformed_max) {
		srv->stats.closed_malformed++;
		log_debug("session %016" PRIx64 ": %d malformed or refused "
		    "requests; closing it", client_id(c), c->strikes);
		c->closing = 1;
		client_close(c);
		return;
	}
	if (c->u == NULL && c->strikes > 1)
		return;
	server_refuse(c, cmd, m, code);
}

/* One chat message from a session: the table's rules, then its handler. */
static void
srv_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	server_request(arg, sess_data(s), buf, len);
}

/* One chat message from c's session, here or on a gateway (remote.c). */
void
server_request(struct server *srv, struct client *c, const uint8_t *buf,
    size_t len)
{
	const struct command	*cmd;
	struct cp_msg		 m;
	enum cp_err		 e;

	if (c == NULL || c->dead || c->closing)
		return;
	/*
	 * Stopping: the replies that wait are released, nothing new is
	 * taken (the password pool may be gone; a change made now would
	 * only lengthen the drain).  The client, unanswered, tries again.
	 */
	if (srv->stopping)
		return;
	e = cp_decode(buf, len, &m);
	cmd = server_command(m.type);
	if (e != CPE_NONE) {
		if (e == CPE_VERSION)
			srv->stats.bad_version++;
		else
			srv->stats.malformed++;
		log_debug("session %016" PRIx64 ": %s %s message of %zu bytes",
		    client_id(c), e == CPE_VERSION ? "wrong version" :
		    "malformed", cp_typename(m.type), len);
		server_strike(srv, c, cmd, &m, e);
		return;
	}
	if (cmd == NULL || cmd->fn == NULL) {
		srv->stats.malformed++;
		server_strike(srv, c, NULL, &m, CPE_MALFORMED);
		return;
	}
	if (cmd->login && c->u == NULL) {
		srv->stats.not_logged_in++;
		server_strike(srv, c, cmd, &m, CPE_NOT_LOGGED_IN);
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
	metrics_observe(&srv->stats.handshake_s, (double)sess_age_ns(s) / 1e9);
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
 * Once per loop iteration: what this iteration's requests and releases
 * sent (coalesced, sess_ep_coalesce()), the cursors that moved, the
 * group commit and its release (outq.c), then the sessions catching
 * up, then the dead.
 */
static void
server_flush(struct server *srv)
{
	/* First: a relayed message never waits for the commit. */
	sess_ep_flush(srv->ep);
	user_flush_moved(srv);
	group_flush(srv);
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

/*
 * Messages were removed (retention, an account deleted): count what
 * waits again, from the cursors as they stand and with every message in
 * the queue index.
 */
void
server_recount(struct server *srv)
{
	int	n;

	user_flush_moved(srv);
	if ((n = store_age(srv->st, UINT64_MAX, 0, user_needs, srv)) > 0)
		srv->stats.queued_late += (uint64_t)n;
	if (quota_load(srv->quota, srv->st) == -1)
		log_warnx("store: cannot count the messages waiting");
}

/* Forget undelivered messages older than the retention and delivered
 * ones older than the history (history.c); tokens idle too long and
 * registrations older than a day (device.c). */
static void
expire_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server	*srv = w->data;
	uint64_t	 keep = (uint64_t)srv->conf.retention_days * 86400000;
	uint64_t	 now = clock_wall_ms();
	int		 n;

	device_expire(srv, now);
	history_expire(srv, now);
	group_expire(srv, now);
	n = store_expire(srv->st, now - keep);
	if (n <= 0)
		return;
	log_info("retention: %d messages older than %d days removed",
	    n, srv->conf.retention_days);
	server_recount(srv);
}

/*
 * PostgreSQL has the changes batch seq's replies wait for (ok), or has
 * not confirmed them in time: they are told to try again, and the
 * changes go on being sent.
 */
static void
server_pg_done(void *arg, uint64_t seq, int ok)
{
	struct server	*srv = arg;

	if (ok == -1) {
		log_warnx("store: another chatd now writes this node's log "
		    "in PostgreSQL: stopping (fenced)");
		exit(EX_TEMPFAIL);
	}
	srv->fail_code = CPE_BUSY;
	outq_synced(srv, seq, ok);
	srv->fail_code = 0;
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
	if (conf->postgresql[0] != '\0' && (srv->pglog = pglog_open(loop, st,
	    conf->postgresql, conf->log_name, conf->postgresql_timeout,
	    server_pg_done, srv, err, sizeof err)) == NULL)
		fatalx("store: %s", err);
	/* Nothing is served before this chatd is the log's one writer. */
	if (srv->pglog != NULL && pglog_wait_writer(srv->pglog,
	    conf->postgresql_timeout) == -1) {
		log_warnx("store: PostgreSQL did not make this chatd the "
		    "writer of the log %s within %d s", conf->log_name,
		    conf->postgresql_timeout);
		exit(EX_UNAVAILABLE);
	}
	srv->conf = *conf;
	user_init(srv);
	srv->login_rl = ratelimit_new(&conf->login_rl);
	srv->msg_rl = ratelimit_new(&conf->msg_rl);
	srv->token_rl = ratelimit_new(&conf->token_rl);
	srv->backoff = backoff_new(BACKOFF_ENTRIES);
	device_init(srv);
	srv->quota = quota_new();
	if (quota_load(srv->quota, st) == -1)
		fatalx("store: cannot count the messages waiting");
	if (group_init(srv) == -1)
		fatalx("store: cannot load the groups");
	srv->pw = pwpool_new(loop, conf->auth_threads, conf->auth_queue,
	    conf->auth_queue_per_addr, (unsigned long long)conf->argon2_ops,
	    (size_t)conf->argon2_mem_kib * 1024, auth_done, srv);
	chatd_sess_conf(conf, &sc);
	srv->ep = sess_server_new(loop, fd, pk, sk, &sc, &cb);
	/* What a batch of requests makes chatd send a member waits for the
	 * commit release of the same iteration: one datagram, not two. */
	sess_ep_coalesce(srv->ep, 1);
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
server_set_bus(struct server *srv, struct bus *bus)
{
	srv->bus = bus;
}

void
server_reconfigure(struct server *srv, const struct chatd_conf *conf)
{
	ratelimit_free(srv->login_rl);
	ratelimit_free(srv->msg_rl);
	ratelimit_free(srv->token_rl);
	srv->login_rl = ratelimit_new(&conf->login_rl);
	srv->msg_rl = ratelimit_new(&conf->msg_rl);
	srv->token_rl = ratelimit_new(&conf->token_rl);
	pwpool_set_cost(srv->pw, (unsigned long long)conf->argon2_ops,
	    (size_t)conf->argon2_mem_kib * 1024);
	pwpool_set_share(srv->pw, conf->auth_queue_per_addr);
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
			bus_unwatch(srv->bus, u->id);
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

	/* pglog_drain() runs the loop: datagrams still come in. */
	srv->stopping = 1;
	server_flush(srv);
	if (srv->sync != NULL)
		syncer_drain(srv->sync);
	if (srv->pglog != NULL)
		pglog_drain(srv->pglog, srv->conf.postgresql_timeout);
	pwpool_free(srv->pw);
	srv->pw = NULL;
	remote_free_all(srv);	/* the gateways' sessions: logged out */
	server_logout_all(srv, t);
	server_flush(srv);
	syncer_free(srv->sync);		/* drains: every answer is out */
	srv->sync = NULL;
	if (srv->pglog != NULL) {
		pglog_drain(srv->pglog, srv->conf.postgresql_timeout);
		if (pglog_pending(srv->pglog) > 0)
			log_warnx("pglog: %zu changes not confirmed by "
			    "PostgreSQL: they are sent at the next start",
			    pglog_pending(srv->pglog));
		pglog_free(srv->pglog);
		srv->pglog = NULL;
	}
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
	ratelimit_free(srv->token_rl);
	backoff_free(srv->backoff);
	device_fini(srv);
	quota_free(srv->quota);
	outq_fini(srv);
	group_fini(srv);
	user_fini(srv);
	free(srv);
}

void
server_stats(struct server *srv, struct chatd_stats *st)
{
	*st = srv->stats;
}

/* The bus's counters, if there is one. */
static void
server_log_bus(struct server *srv, const char *when)
{
	struct bus_stats	b;

	if (srv->bus == NULL)
		return;
	bus_stats(srv->bus, &b);
	log_info("%s: bus connected %d peers %zu watched %zu beats_sent %"
	    PRIu64 " beats_received %" PRIu64 " published %" PRIu64
	    " received %" PRIu64 " disconnects %" PRIu64 " reconnects %"
	    PRIu64 " peers_up %" PRIu64 " peers_dead %" PRIu64 " peers_left %"
	    PRIu64 " dropped out_full %" PRIu64 " in_full %" PRIu64
	    " offline %" PRIu64 " malformed %" PRIu64 " bad_version %" PRIu64
	    " wrong_subject %" PRIu64 " gaps %" PRIu64 " held %" PRIu64
	    " strangers %" PRIu64 "; gateways' sessions "
	    "%zu (total %" PRIu64 ") unknown %" PRIu64 " refused %" PRIu64,
	    when, b.connected, b.peers, b.watched,
	    b.beats_sent, b.beats_received, b.published, b.received,
	    b.disconnects, b.reconnects, b.peers_up, b.peers_dead,
	    b.peers_left, b.out_full, b.in_full, b.offline, b.malformed,
	    b.bad_version, b.wrong_subject, b.gaps, b.out_held, b.strangers,
	    remote_count(srv),
	    srv->stats.remote_sessions_total, srv->stats.remote_unknown,
	    srv->stats.remote_bad);
}

void
server_log_stats(struct server *srv, const char *when)
{
	const struct chatd_stats	*s = &srv->stats;
	const struct sess_stats		*ss = sess_ep_stats(srv->ep);

	server_log_bus(srv, when);	/* first: tests read the last three */
	log_info("%s: accounts limited password_addr %" PRIu64 " token_addr %"
	    PRIu64 " backoff %" PRIu64 " register_cap %" PRIu64
	    " pool_share %" PRIu64 " token_expired %" PRIu64 " signed_out %"
	    PRIu64, when, s->rl_password, s->rl_token, s->backoff,
	    s->register_cap, s->pool_share, s->token_expired, s->signed_out);
	log_info("%s: history pages %" PRIu64 " rows %" PRIu64 " expired %"
	    PRIu64 " carbons %" PRIu64 " accounts_deleted %" PRIu64, when,
	    s->history_pages, s->history_rows, s->history_expired, s->carbons,
	    s->deleted);
	log_info("%s: groups created %" PRIu64 " accepted %" PRIu64
	    " copies %" PRIu64 " events %" PRIu64 " receipts %" PRIu64, when,
	    s->groups_created, s->group_accepted, s->group_delivered,
	    s->group_events, s->group_receipts);
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
	    PRIu64 " quota %" PRIu64 " bad_utf8 %" PRIu64 " control_char %"
	    PRIu64 " too_long %" PRIu64 " unknown_user %" PRIu64 " busy %"
	    PRIu64 " send_failed %" PRIu64 " closed_malformed %" PRIu64
	    " closed_unread %" PRIu64 " blocked %" PRIu64 " waiting_pairs %zu",
	    when, s->malformed, s->bad_version, s->not_logged_in,
	    s->ratelimited, s->queue_full, s->quota, s->bad_utf8,
	    s->control_char, s->too_long, s->unknown_user, s->busy,
	    s->send_failed, s->closed_malformed, s->closed_unread, s->blocked,
	    quota_pairs(srv->quota));
	server_log_sess(when, ss);
}

/* The session layer's counters: one line, the same on a gateway. */
void
server_log_sess(const char *when, const struct sess_stats *ss)
{
	log_info("%s: datagrams in %" PRIu64 " out %" PRIu64 " malformed %"
	    PRIu64 " truncated %" PRIu64 " forged %" PRIu64 " replayed %" PRIu64
	    " unknown %" PRIu64 " refused %" PRIu64 " retransmits %" PRIu64
	    " refused_unauth %" PRIu64 " refused_half_per_addr %" PRIu64
	    " refused_unauth_per_addr %" PRIu64 " hello_limited %" PRIu64
	    " refused_mem %" PRIu64 " mem_dropped %" PRIu64 " send_mem_refused %"
	    PRIu64 " login_timeouts %" PRIu64 " unvalidated %" PRIu64
	    " old_path %" PRIu64 " unauth %" PRIu64 " alloc %" PRIu64
	    " size_probes %" PRIu64 " size_raised %" PRIu64
	    " size_fallbacks %" PRIu64,
	    when, ss->rx_datagrams, ss->tx_datagrams, ss->rx_malformed,
	    ss->rx_truncated, ss->rx_forged, ss->rx_replayed, ss->rx_unknown,
	    ss->rx_refused, ss->retransmits, ss->rx_refused_untrusted,
	    ss->rx_refused_src_half, ss->rx_refused_src, ss->rx_hello_limited,
	    ss->rx_refused_mem, ss->rx_mem_dropped, ss->tx_mem_refused,
	    ss->untrusted_timeouts, ss->tx_unvalidated, ss->tx_old_path,
	    ss->untrusted, ss->alloc, ss->pmtu_probes, ss->pmtu_raised,
	    ss->pmtu_fallbacks);
}
