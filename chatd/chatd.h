/*
 * chatd.h: the chat relay's configuration, counters and modules.
 *
 * main.c parses the command line and configuration, opens the socket and
 * owns the signals; config.c holds the keys and defaults; store.c keeps
 * the durable state (store.h); syncer.c makes its commits durable on a
 * thread; cursor.c follows how far the messages to an online user have
 * got; pwpool.c hashes and checks passwords on
 * worker threads; bucket.c is the per-session token bucket.  server.c
 * starts and stops the relay and dispatches each request by its command
 * table; the relay's other modules share server.h, and each has a header
 * of its own saying what it owns: user.c (who is online), client.c (a
 * session's client), outq.c (the out-queue and the group commit),
 * deliver.c (messages), receipt.c, presence.c, auth.c (accounts and
 * logins) and cmd.c (the other requests).
 */
#ifndef CHATD_H
#define CHATD_H

#include <stddef.h>
#include <stdint.h>

#include "base/metrics.h"
#include "base/ratelimit.h"

#define CHATD_DEFAULT_PORT	"8081"

struct chatd_conf {
	char	listen[256];
	int	port;
	char	state_dir[256];
	int	syslog;
	int	verbose;
	char	metrics[256];		/* ADDRESS:PORT of /metrics; "" off */
	int	max_sessions;
	int	keepalive_ms;
	int	dead_ms;
	/* [sessions] the session layer's limits on peers not logged in */
	int	half_open_per_addr;
	int	unauth_per_addr;
	int	max_unauth;
	int	hello_rate;
	int	hello_burst;
	int	login_timeout_ms;
	int	prelogin_kib;
	int	memory_mib;
	/* [accounts] */
	int	registration;		/* new accounts allowed */
	int	argon2_ops;		/* crypto_pwhash opslimit */
	int	argon2_mem_kib;		/* crypto_pwhash memlimit, KiB */
	int	auth_threads;
	int	auth_queue;		/* jobs waiting, at most */
	int	auth_queue_per_addr;	/* of them from one address */
	int	max_contacts;
	int	token_max_idle_days;	/* a device token unused this long
					 * expires */
	int	token_max_idle_s;	/* the same in seconds, if not 0 */
	int	register_per_day;	/* registrations per address a day;
					 * 0 no cap */
	int	nick_hold_days;		/* a deleted account's name is held */
	/* [store] */
	int	fsync;
	char	postgresql[512];	/* libpq conninfo: changes are
					 * committed there too (pglog.h) */
	char	log_name[64];		/* the store's log: one writer */
	int	standby;		/* follow the log until its writer
					 * goes, then take over */
	int	postgresql_timeout;	/* s: replies waiting longer on it
					 * are told to try again */
	int	retention_days;		/* undelivered messages wait so long */
	int	history_days;		/* delivered ones stay as history; 0
					 * none (store and forward only) */
	int	history_max;		/* messages kept per conversation; 0
					 * no cap */
	int	queue_max;		/* undelivered messages per recipient */
	/* [directory] */
	int	who;
	/* [limits] per session: tokens per second and burst */
	int	msg_rate, msg_burst;
	int	contact_rate, contact_burst;
	int	typing_rate, typing_burst;
	int	login_rate, login_burst;
	int	list_rate, list_burst;	/* WHO and CONTACTS lists */
	int	history_rate, history_burst;	/* HISTORY pages */
	int	group_msg_rate, group_msg_burst; /* SENDs to groups */
	/* [groups] */
	int	max_group_members;
	int	group_create_per_day;	/* per account; 0 no cap */
	int	invite_per_hour;	/* per account; 0 no cap */
	/* [limits] messages waiting (not yet marked delivered) from one
	 * sender for one recipient: a contact of the recipient's, anyone */
	int	pair_quota;
	int	stranger_quota;
	/* [limits] malformed or refused-before-login requests that close
	 * a session */
	int	malformed_max;
	/* [limits] failed password logins of one account: the first
	 * delay, doubling to the longest (ms); 0 no backoff */
	int	login_backoff_ms, login_backoff_max_ms;
	/* [limits] per address, lib/ratelimit: password logins (and
	 * registrations, password changes), device token logins, messages */
	struct ratelimit_conf	login_rl;
	struct ratelimit_conf	token_rl;
	struct ratelimit_conf	msg_rl;
	/* [cluster] the bus between nodes (bus.h); nats "" is a single
	 * node */
	char	nats[1024];		/* nats://HOST:PORT,... */
	char	node[64];		/* this node's name */
	char	role[16];		/* core (""), gateway */
	int	gateway;		/* role = gateway: no store, its
					 * sessions on the core (gateway.c) */
	int	heartbeat_ms;
	int	missed_beats;
};

/* Counters, logged on SIGUSR1 and at exit. */
struct chatd_stats {
	uint64_t	sessions;	/* up now */
	uint64_t	sessions_total;
	uint64_t	remote_sessions_total;	/* of them, on gateways */
	uint64_t	remote_unknown;	/* MSGs for sessions we do not have */
	uint64_t	remote_bad;	/* SESS payloads not a gateway's */
	uint64_t	registered;
	uint64_t	logins;
	uint64_t	login_failed;
	uint64_t	accepted;	/* messages stored */
	uint64_t	duplicates;	/* resends of a stored message */
	uint64_t	delivered;	/* MESSAGE sent to a session */
	uint64_t	stored_offline;	/* accepted while rcpt offline */
	uint64_t	queued_late;	/* to an online rcpt, still unread
					 * after TAIL_KEEP_MS: indexed */
	uint64_t	receipts;
	uint64_t	commits;
	uint64_t	commit_failed;
	/* dropped or refused, by reason */
	uint64_t	malformed;
	uint64_t	bad_version;
	uint64_t	not_logged_in;
	uint64_t	ratelimited;
	uint64_t	queue_full;
	uint64_t	quota;		/* over the pair or stranger quota */
	uint64_t	bad_utf8;
	uint64_t	control_char;	/* C0 control in a message's text */
	uint64_t	too_long;
	uint64_t	unknown_user;
	uint64_t	blocked;	/* SENDs dropped: the recipient blocked
					 * the sender */
	uint64_t	busy;
	uint64_t	send_failed;	/* session queue full */
	/* accounts: refused by reason, and sessions ended */
	uint64_t	rl_password;	/* password logins over the address's
					 * allowance */
	uint64_t	rl_token;	/* token logins over theirs */
	uint64_t	backoff;	/* password logins in an account's
					 * backoff after failures */
	uint64_t	register_cap;	/* over the address's daily cap */
	uint64_t	pool_share;	/* over the address's share of the
					 * password queue */
	uint64_t	token_expired;	/* tokens idle too long */
	uint64_t	signed_out;	/* sessions ended by a password
					 * change or a device revoked */
	/* history and sync */
	uint64_t	history_pages;	/* HISTORY answered */
	uint64_t	history_rows;	/* messages read for them */
	uint64_t	history_expired; /* delivered messages aged out */
	uint64_t	carbons;	/* SENT to other devices */
	uint64_t	deleted;	/* accounts deleted */
	/* groups */
	uint64_t	groups_created;
	uint64_t	group_accepted;	/* messages stored */
	uint64_t	group_delivered; /* GMESSAGE copies sent */
	uint64_t	group_events;	/* joins, leaves, topics ... */
	uint64_t	group_receipts;	/* GRECEIPT sent */
	/* sessions closed, by reason */
	uint64_t	closed_malformed; /* malformed_max bad requests */
	uint64_t	closed_unread;	/* answers unread: held too many */
	/* latencies, in seconds (export.c serves them) */
	struct metrics_hist commit_s;	/* a group commit, until durable */
	struct metrics_hist accept_s;	/* a SEND, until answered accepted */
	struct metrics_hist handshake_s; /* a session's handshake */
};

/* config.c */
void	config_defaults(struct chatd_conf *);
int	config_load(const char *path, int missing_ok, struct chatd_conf *,
	    char *err, size_t errlen);

/* bucket.c: a token bucket per session (rate per second, burst). */
struct bucket {
	uint64_t	last_ns;
	uint32_t	milli;		/* thousandths of a token */
};
/* Take one token at now_ns: 1, or 0 if empty.  rate 0 is no limit. */
int	bucket_take(struct bucket *, int rate, int burst, uint64_t now_ns);

/* pwpool.c: Argon2id off the event loop. */
enum pw_op {
	PW_HASH,		/* hash pw into hash */
	PW_VERIFY,		/* verify pw against hash */
	PW_CHANGE,		/* verify pw against hash, then hash pw2 */
};
struct pw_job {
	enum pw_op	 op;
	char		 pw[256];
	char		 pw2[256];
	char		 hash[128];	/* in for VERIFY/CHANGE, out for HASH/CHANGE */
	int		 ok;		/* result: verified, or hashed */
	void		*ctx;		/* the caller's */
	uint64_t	 src;		/* the source (address group) */
	int		 low;		/* a registration: after logins */
	/* called instead of the pool's done function, if not NULL */
	void		(*done)(struct pw_job *, void *arg);
	struct pw_job	*next;
};
struct pwpool;
struct ev_loop;
typedef void	 pw_done_fn(struct pw_job *, void *arg);
/*
 * A pool of threads and a queue of up to queue jobs waiting, at most
 * per_src of them from one source.  Logins and password changes are
 * taken before registrations (j->low), and registrations may fill at
 * most half the queue: a flood of registrations, or of anything from one
 * address, cannot keep the logins of existing accounts waiting.
 */
struct pwpool	*pwpool_new(struct ev_loop *, int threads, int queue,
		    int per_src, unsigned long long ops, size_t mem,
		    pw_done_fn *, void *arg);
/* Queue a job (taken over): 0; -1 when the queue (or its half for
 * registrations) is full; -2 when j->src has its share waiting. */
int		 pwpool_submit(struct pwpool *, struct pw_job *);
/* A new bound per source (on reload). */
void		 pwpool_set_share(struct pwpool *, int per_src);
/* Stop the threads; jobs not yet done are finished with ok = -1. */
void		 pwpool_free(struct pwpool *);
void		 pwpool_set_cost(struct pwpool *, unsigned long long ops,
		    size_t mem);

/* cursor.c: how far the messages to one online user have got. */
struct cursor;
struct store;
struct store_msg;
/* A message passed by a cursor (kind CPR_DELIVERED or CPR_READ). */
typedef void	 cursor_fn(void *arg, int kind, const struct store_msg *);
/* The cursor of user uid, starting where the store left it. */
struct cursor	*cursor_new(struct store *, uint64_t uid);
/* Write what moved, then free. */
void		 cursor_free(struct cursor *);
/* A message went to one of the user's sessions. */
void		 cursor_sent(struct cursor *, uint64_t sid, uint64_t sender,
		    uint64_t msgid);
/* The newest message sent to the user's sessions. */
uint64_t	 cursor_top(const struct cursor *);
/* Has message sid to this user been delivered and read?  (0: not known.) */
int		 cursor_done(const struct cursor *, uint64_t sid);
/*
 * MARK delivered upto (everything up to it) and MARK read sid (the
 * conversation of sid up to it): fn is called for every message passed.
 * 0, or -1 if some receipts could not be given now (they are owed).
 */
int		 cursor_delivered(struct cursor *, uint64_t upto, cursor_fn *,
		    void *arg);
int		 cursor_read(struct cursor *, uint64_t sid, cursor_fn *,
		    void *arg);
/* The sender of a message to this user was handed its receipt. */
void		 cursor_told(struct cursor *, uint64_t sender, int kind,
		    uint64_t sid);
/* Has anything moved since the last flush?  Write it to the store. */
int		 cursor_dirty(const struct cursor *);
int		 cursor_flush(struct cursor *);

/* syncer.c: fdatasync() and checkpoints of the store's log, on threads. */
struct syncer;
/* Commits up to seq are durable (ok), or could not be made so (!ok). */
typedef void	 syncer_fn(void *arg, uint64_t seq, int ok);
/* A syncer for the database at dbpath; fn is called from the loop. */
struct syncer	*syncer_new(struct ev_loop *, const char *dbpath, syncer_fn *,
		    void *arg, char *err, size_t errlen);
/* Make commits up to seq durable (they are written already). */
void		 syncer_request(struct syncer *, uint64_t seq);
/* Wait until every request is done and reported. */
void		 syncer_drain(struct syncer *);
/* The log's size in pages when the last checkpoint copied all of it
 * into the database, or -1 if it did not. */
int		 syncer_backfilled(struct syncer *);
/* Drain, stop the thread, free. */
void		 syncer_free(struct syncer *);

/* config.c: the session layer's settings of [chatd] and [sessions]. */
struct sess_conf;
void		 chatd_sess_conf(const struct chatd_conf *, struct sess_conf *);

/* cluster.c: what chatd does with the bus today (bus.h). */
struct bus;
struct server;
/* Start the bus of conf's [cluster], logging what it sees; exits if it
 * cannot start.  Only when conf->nats is set. */
struct bus	*cluster_start(struct ev_loop *, const struct chatd_conf *);
/* Who the bus's sessions are for: a core's server, or a gateway. */
struct gateway;
void		 cluster_set_server(struct server *);
void		 cluster_set_gateway(struct gateway *);

/* server.c */
struct server	*server_new(struct ev_loop *, int fd, const uint8_t *pk,
		    const uint8_t *sk, struct store *, const struct chatd_conf *);
/* The bus (NULL: a single node), for the watches of users online. */
void		 server_set_bus(struct server *, struct bus *);
/* One chat message from c's session (a gateway's too: remote.c). */
struct client;
void		 server_request(struct server *, struct client *,
		    const uint8_t *, size_t);
/* Take a reloaded configuration (limits, directory, costs) into use. */
void		 server_reconfigure(struct server *, const struct chatd_conf *);
/* Commit and flush, close every session, free. */
void		 server_free(struct server *);
void		 server_stats(struct server *, struct chatd_stats *);
void		 server_log_stats(struct server *, const char *when);
struct sess_stats;
void		 server_log_sess(const char *when, const struct sess_stats *);

/* export.c: the relay's metrics, served at /metrics (base/metrics.h). */
struct export;
/* Serve srv's metrics on conf->metrics; NULL, with err, if it cannot. */
struct export	*export_new(struct ev_loop *, struct server *,
		    const struct chatd_conf *, char *err, size_t errlen);
void		 export_free(struct export *);

#endif
