/*
 * auth.c: accounts (auth.h): REGISTER, LOGIN (by password or device
 * token) and PASSWD, the password jobs they hand to pwpool.c, and
 * logging a client in: WELCOME, presence, its queue and the receipts
 * owed to it.  Uses the store (accounts, tokens), user.c, client.c,
 * outq.c, presence.c, receipt.c, cmd.c (rate classes, nicks), device.c
 * (addresses, device names, ending sessions), backoff.c and libsodium.
 *
 * What limits a password guesser: the address's password allowance
 * (login_rl, cmd.c), the account's backoff after each wrong password
 * (backoff.c) and the pool's share per address (pwpool.c).  A token
 * login takes from its own, larger allowance and meets none of these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "backoff.h"
#include "bus.h"
#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "device.h"
#include "group.h"
#include "outq.h"
#include "presence.h"
#include "receipt.h"
#include "server.h"
#include "store.h"
#include "sync.h"
#include "user.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "chat/nick.h"

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
	char		 skel[NICK_SKELETON_MAX];	/* REGISTER */
	char		 addr[STORE_ADDR_TEXT];		/* grouped */
	char		 device[STORE_DEVICE_NAME];	/* its name */
};

/*
 * Log client c in as su: WELCOME, presence, queue and old receipts.
 * want_token: a new device token named device; else token is the one it
 * logged in with (0: a password).
 */
static void
auth_welcome(struct client *c, const struct store_user *su, const char *key,
    uint64_t reqid, uint8_t reqtype, int want_token, uint64_t token_id,
    const char *device)
{
	struct server		*srv = c->srv;
	struct cp_msg		 m;
	struct user		*u;
	uint8_t			 token[CP_TOKEN_LEN], th[STORE_TOKEN_HASHLEN];
	char			 addr[STORE_ADDR_TEXT];
	uint64_t		 now = clock_wall_ms();
	int			 first;

	memset(&m, 0, sizeof m);
	m.type = CP_WELCOME;
	m.id = reqid;
	m.nick.p = (const uint8_t *)su->nick;
	m.nick.len = strlen(su->nick);
	device_addr(c, addr, sizeof addr);
	c->token_id = token_id;
	if (want_token) {
		randombytes_buf(token, sizeof token);
		crypto_generichash(th, sizeof th, token, sizeof token, NULL, 0);
		if (store_token_add(srv->st, su->id, th, now, device, addr,
		    &c->token_id) == 0) {
			m.secret.p = token;
			m.secret.len = sizeof token;
		} else
			c->token_id = 0;
	} else if (token_id != 0)
		store_token_used(srv->st, token_id, now, addr);
	/* The WELCOME leaves after the commit; the messages waiting for
	 * this session, which are already durable, must not overtake it:
	 * a client knows whose they are only from the WELCOME (outq.c
	 * holds them). */
	outq_reply(c, &m, reqid, reqtype);
	sodium_memzero(token, sizeof token);
	srv->stats.logins++;
	u = user_online(srv, su->id, su->nick, key);
	first = u->clients == NULL;
	if (first)
		u->settings = su->settings;
	c->unext = u->clients;
	u->clients = c;
	c->u = u;
	bus_watch(srv->bus, u->id);	/* routed here while a session is */
	client_trust(c);	/* logged in: out of the pre-login limits */
	c->last_sid = 0;
	client_catch_up(c);
	if (first)
		presence_notify(srv, u, CPP_ONLINE, 0);
	/* Receipts that came while the sender was away. */
	receipt_owed(c, u);
}

/* A password job of op for request m of client c, on the stored hash. */
static struct auth *
auth_new(struct client *c, const struct cp_msg *m, enum pw_op op,
    const char *hash)
{
	struct auth	*a = xcalloc(1, sizeof *a);

	a->job.op = op;
	memcpy(a->job.pw, m->secret.p, m->secret.len);
	snprintf(a->job.hash, sizeof a->job.hash, "%s", hash);
	a->job.ctx = a;
	a->c = c;
	a->reqid = m->id;
	a->type = m->type;
	return a;
}

/* Hand a password job to the pool, or answer BUSY if it is full. */
static void
auth_submit(struct client *c, struct auth *a)
{
	struct server	*srv = c->srv;
	uint64_t	 reqid = a->reqid;
	uint8_t		 type = a->type;

	int		 rc;

	a->job.src = device_src(a->addr);
	a->job.low = a->type == CP_REGISTER;
	if ((rc = pwpool_submit(srv->pw, &a->job)) < 0) {
		sodium_memzero(a, sizeof *a);
		free(a);
		if (rc == -2)
			srv->stats.pool_share++;
		else
			srv->stats.busy++;
		outq_error(c, reqid, type, CPE_BUSY);
		return;
	}
	c->refs++;
	c->authing = 1;
}

/*
 * May client c try REGISTER or LOGIN m now, with that nick and secret?
 * 0 with the nick's key (and a new name's display form), or -1 if
 * refused (answered).  A new name meets nick_normalize()'s rules, and
 * the ERROR says which it breaks; an account is named as
 * store_user_key() finds it.
 */
static int
auth_login_ok(struct client *c, const struct cp_msg *m,
    const struct command *cmd, char *nick, char *key)
{
	struct server	*srv = c->srv;
	struct auth	*a;
	enum nick_err	 e;

	if (c->u != NULL) {
		outq_error(c, m->id, m->type, CPE_ALREADY);
		return -1;
	}
	if (c->authing) {
		outq_error(c, m->id, m->type, CPE_BUSY);
		return -1;
	}
	if (cmd_limited(c, cmd, m)) {
		if (m->type == CP_LOGIN && (m->flags & CPF_TOKEN))
			srv->stats.rl_token++;
		else
			srv->stats.rl_password++;
		return -1;
	}
	if (m->type == CP_REGISTER) {
		e = nick_normalize((const char *)m->nick.p, m->nick.len, nick,
		    key);
		if (e != NICK_OK) {
			outq_error_why(c, m->id, m->type, CPE_NICK_INVALID,
			    nick_strerror(e));
			return -1;
		}
	} else if (cmd_nick(srv, &m->nick, key) != NICK_OK) {
		outq_error(c, m->id, m->type, CPE_NICK_INVALID);
		return -1;
	}
	if (m->type == CP_REGISTER && !srv->conf.registration) {
		outq_error(c, m->id, m->type, CPE_DISABLED);
		return -1;
	}
	/* A password has no NUL; a device token is any 32 bytes. */
	if (m->secret.len == 0 || m->secret.len >= sizeof a->job.pw ||
	    (!(m->type == CP_LOGIN && (m->flags & CPF_TOKEN)) &&
	    memchr(m->secret.p, '\0', m->secret.len) != NULL)) {
		outq_error(c, m->id, m->type, m->type == CP_REGISTER ?
		    CPE_BAD_PASSWORD : CPE_WRONG_PASSWORD);
		return -1;
	}
	return 0;
}

/* LOGIN of su with a device token: no password job. */
static void
auth_token(struct client *c, const struct cp_msg *m,
    const struct store_user *su, const char *key)
{
	struct server	*srv = c->srv;
	uint8_t		 th[STORE_TOKEN_HASHLEN];
	char		 device[STORE_DEVICE_NAME];
	uint64_t	 id = 0;
	int		 rc;

	if (m->secret.len == CP_TOKEN_LEN) {
		crypto_generichash(th, sizeof th, m->secret.p,
		    m->secret.len, NULL, 0);
		rc = store_token_check(srv->st, su->id, th,
		    device_idle_since(srv, clock_wall_ms()), &id);
	} else
		rc = 0;
	if (rc == 1) {
		device_name(&m->device, device, sizeof device);
		auth_welcome(c, su, key, m->id, m->type,
		    m->flags & CPF_WANT_TOKEN, id, device);
		return;
	}
	if (rc == 2)
		srv->stats.token_expired++;
	srv->stats.login_failed++;
	outq_error(c, m->id, m->type, rc >= 0 ? CPE_BAD_TOKEN :
	    CPE_INTERNAL);
}

/*
 * Is account uid in its backoff after wrong passwords?  Refused if so
 * (answered), before any Argon2 is spent on it.
 */
static int
auth_backoff(struct client *c, const struct cp_msg *m, uint64_t uid)
{
	struct server	*srv = c->srv;
	uint64_t	 wait = backoff_wait(srv->backoff, uid, mono_ns());
	char		 why[96];

	if (wait == 0)
		return 0;
	srv->stats.backoff++;
	snprintf(why, sizeof why, "wrong passwords for this account: try "
	    "again in %llu s", (unsigned long long)(wait / 1000000000 + 1));
	outq_error_why(c, m->id, m->type, CPE_RATE_LIMITED, why);
	return 1;
}

/* A wrong password (ok 0) or the right one for account uid. */
static void
auth_tried(struct server *srv, uint64_t uid, int ok)
{
	if (ok)
		backoff_clear(srv->backoff, uid);
	else
		backoff_fail(srv->backoff, uid, mono_ns(),
		    (uint32_t)srv->conf.login_backoff_ms,
		    (uint32_t)srv->conf.login_backoff_max_ms);
}

/* Has addr registered its day's accounts?  Refused if so (answered). */
static int
auth_capped(struct client *c, const struct cp_msg *m, const char *addr)
{
	struct server	*srv = c->srv;
	uint64_t	 now = clock_wall_ms();
	int		 n;

	if (srv->conf.register_per_day == 0 || addr[0] == '\0')
		return 0;
	if ((n = store_reg_count(srv->st, addr, now > 86400000 ?
	    now - 86400000 : 0)) == -1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return 1;
	}
	if (n < srv->conf.register_per_day)
		return 0;
	/* A limit, not a rate: retrying within the day is no use. */
	srv->stats.register_cap++;
	outq_error_why(c, m->id, m->type, CPE_LIMIT,
	    "this address has registered its accounts for today");
	return 1;
}

/* REGISTER and LOGIN. */
void
auth_login(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct auth		*a;
	char			 nick[NICK_MAX_BYTES], key[NICK_MAX_BYTES];
	char			 skel[NICK_SKELETON_MAX];
	char			 addr[STORE_ADDR_TEXT];
	int			 rc;

	if (auth_login_ok(c, m, cmd, nick, key) == -1)
		return;
	c->sync = (m->flags & CPF_SYNC) != 0;
	c->send_only = (m->flags & CPF_SEND_ONLY) != 0;
	/* A new nick finds no one: REGISTER's job gets an empty hash. */
	memset(&su, 0, sizeof su);
	rc = user_find(srv, key, &su);
	if (rc == -1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	if (m->type == CP_REGISTER && rc == 1) {
		outq_error(c, m->id, m->type, CPE_NICK_TAKEN);
		return;
	}
	/* A new name that looks like an account's (UTS #39 skeleton). */
	if (m->type == CP_REGISTER) {
		if (nick_skeleton(nick, strlen(nick), skel, sizeof skel) < 0) {
			outq_error(c, m->id, m->type, CPE_NICK_INVALID);
			return;
		}
		if ((rc = store_user_skeleton(srv->st, skel)) != 0) {
			outq_error(c, m->id, m->type, rc == 1 ?
			    CPE_CONFUSABLE : CPE_INTERNAL);
			return;
		}
		/* A deleted account's name, held for a while. */
		if ((rc = store_held(srv->st, key, skel, clock_wall_ms())) != 0) {
			outq_error_why(c, m->id, m->type, rc == 1 ?
			    CPE_NICK_TAKEN : rc == 2 ? CPE_CONFUSABLE :
			    CPE_INTERNAL, rc > 0 ? "held after the account "
			    "was deleted" : NULL);
			return;
		}
	}
	if (m->type == CP_LOGIN && rc == 0) {
		srv->stats.unknown_user++;
		outq_error(c, m->id, m->type, CPE_UNKNOWN_USER);
		return;
	}
	/* Locked by the administrator (ctl.c): no login by password or
	 * token, and no Argon2 spent on it.  (An online account is not
	 * locked: the lock ends its sessions.) */
	if (m->type == CP_LOGIN && su.locked) {
		srv->stats.login_failed++;
		outq_error(c, m->id, m->type, CPE_LOCKED);
		return;
	}
	if (m->type == CP_LOGIN && (m->flags & CPF_TOKEN)) {
		auth_token(c, m, &su, key);
		return;
	}
	if (m->type == CP_LOGIN && auth_backoff(c, m, su.id))
		return;
	device_addr(c, addr, sizeof addr);
	if (m->type == CP_REGISTER && auth_capped(c, m, addr))
		return;
	if (m->type == CP_LOGIN && store_user_by_id(srv->st, su.id, &su) != 1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	a = auth_new(c, m, m->type == CP_REGISTER ? PW_HASH : PW_VERIFY,
	    su.hash);
	a->flags = m->flags;
	a->uid = su.id;
	strcpy(a->nick, m->type == CP_REGISTER ? nick : su.nick);
	strcpy(a->key, key);
	if (m->type == CP_REGISTER)
		strcpy(a->skel, skel);
	strcpy(a->addr, addr);
	device_name(&m->device, a->device, sizeof a->device);
	auth_submit(c, a);
}

/*
 * PASSWD and DELETE_ACCOUNT check the account's password on a worker
 * (op): first the limits, the backoff and the passwords' lengths.
 */
static void
auth_recheck(struct client *c, const struct cp_msg *m,
    const struct command *cmd, enum pw_op op)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct auth		*a;

	if (c->authing) {
		outq_error(c, m->id, m->type, CPE_BUSY);
		return;
	}
	if (cmd_limited(c, cmd, m)) {
		srv->stats.rl_password++;
		return;
	}
	if (auth_backoff(c, m, c->u->id))
		return;
	if (op == PW_CHANGE && (m->secret2.len == 0 ||
	    m->secret2.len >= sizeof a->job.pw2 ||
	    memchr(m->secret2.p, '\0', m->secret2.len) != NULL)) {
		outq_error(c, m->id, m->type, CPE_BAD_PASSWORD);
		return;
	}
	if (m->secret.len == 0 || m->secret.len >= sizeof a->job.pw) {
		outq_error(c, m->id, m->type, CPE_WRONG_PASSWORD);
		return;
	}
	if (store_user_by_id(srv->st, c->u->id, &su) != 1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	a = auth_new(c, m, op, su.hash);
	if (op == PW_CHANGE)
		memcpy(a->job.pw2, m->secret2.p, m->secret2.len);
	a->uid = su.id;
	device_addr(c, a->addr, sizeof a->addr);
	auth_submit(c, a);
}

/* PASSWD: the old password checked and the new one hashed, on a worker. */
void
auth_passwd(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	auth_recheck(c, m, cmd, PW_CHANGE);
}

/* DELETE_ACCOUNT: check the password on a worker, as PASSWD does. */
void
auth_delete(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	auth_recheck(c, m, cmd, PW_VERIFY);
}

/* The deleted account's contacts, gathered before its rows go. */
struct gone {
	uint64_t	*ids;
	size_t		 n, cap;
};

static void
auth_deleted_watcher(void *arg, const struct store_user *w)
{
	struct gone	*g = arg;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->ids = xreallocarray(g->ids, g->cap, sizeof *g->ids);
	}
	g->ids[g->n++] = w->id;
}

/*
 * DELETE_ACCOUNT's password is checked: contacts see the account go
 * offline, everything of it goes in the open transaction, its other
 * sessions are signed out at once and this one is logged out; its OK
 * comes after the commit, on a session that stays up but logged out.
 */
static void
auth_done_delete(struct server *srv, struct auth *a)
{
	struct client	*c = a->c;
	struct user	*u = c->u;
	struct cp_msg	 m;
	struct gone	 gone;
	char		 nick[NICK_MAX_BYTES];
	uint64_t	 now = clock_wall_ms();
	size_t		 i;

	if (!a->job.ok) {
		auth_tried(srv, a->uid, 0);
		outq_error(c, a->reqid, a->type, CPE_WRONG_PASSWORD);
		return;
	}
	auth_tried(srv, a->uid, 1);
	if (u == NULL || u->id != a->uid) {
		outq_error(c, a->reqid, a->type, CPE_NOT_LOGGED_IN);
		return;
	}
	snprintf(nick, sizeof nick, "%s", u->nick);
	/* Its contacts first (their rows go with it); told only once
	 * everything of it is gone from the store. */
	memset(&gone, 0, sizeof gone);
	store_watchers(srv->st, u->id, auth_deleted_watcher, &gone);
	group_user_deleted(srv, u->id);
	user_flush_moved(srv);
	if (store_user_delete(srv->st, a->uid, now +
	    (uint64_t)srv->conf.nick_hold_days * 86400000) != 1) {
		free(gone.ids);
		outq_error(c, a->reqid, a->type, CPE_INTERNAL);
		return;
	}
	for (i = 0; i < gone.n; i++) {
		presence_tell(srv, u, user_by_id(srv, gone.ids[i]), 0);
		sync_contacts(srv, gone.ids[i], NULL, CPL_CONTACTS);
	}
	free(gone.ids);
	device_sign_out(srv, u, c, 0, "signed out: the account was deleted");
	client_logout(c);
	c->token_id = 0;
	server_recount(srv);
	srv->stats.deleted++;
	log_info("%s: account deleted; the name is held %d days", nick,
	    srv->conf.nick_hold_days);
	memset(&m, 0, sizeof m);
	m.type = CP_OK;
	m.id = a->reqid;
	outq_reply(c, &m, a->reqid, a->type);
}

/* REGISTER's password is hashed: add the account and log in. */
static void
auth_done_register(struct server *srv, struct auth *a)
{
	struct client		*c = a->c;
	struct store_user	 su;
	uint64_t		 id;
	int			 rc;

	if (!a->job.ok) {
		outq_error(c, a->reqid, a->type, CPE_INTERNAL);
		return;
	}
	/* Checked before hashing, but another REGISTER may have come. */
	rc = store_user_add(srv->st, a->key, a->nick, a->skel, a->job.hash,
	    clock_wall_ms(), &id);
	if (rc != 0) {
		outq_error(c, a->reqid, a->type, rc == 1 ? CPE_NICK_TAKEN :
		    rc == 2 ? CPE_CONFUSABLE : CPE_INTERNAL);
		return;
	}
	srv->stats.registered++;
	if (a->addr[0] != '\0')
		store_reg_add(srv->st, a->addr, clock_wall_ms());
	memset(&su, 0, sizeof su);
	su.id = id;
	su.settings = STORE_SET_DEFAULT;
	snprintf(su.nick, sizeof su.nick, "%s", a->nick);
	log_info("registered %s", a->nick);
	auth_welcome(c, &su, a->key, a->reqid, a->type,
	    a->flags & CPF_WANT_TOKEN, 0, a->device);
}

/* LOGIN's password is checked: log in, or refuse. */
static void
auth_done_login(struct server *srv, struct auth *a)
{
	struct client		*c = a->c;
	struct store_user	 su;

	if (store_user_by_id(srv->st, a->uid, &su) != 1) {
		outq_error(c, a->reqid, a->type, CPE_INTERNAL);
		return;
	}
	/* A password changed while this one was checked is not let in. */
	if (!a->job.ok || strcmp(su.hash, a->job.hash) != 0) {
		auth_tried(srv, a->uid, 0);
		srv->stats.login_failed++;
		outq_error(c, a->reqid, a->type, CPE_WRONG_PASSWORD);
		return;
	}
	auth_tried(srv, a->uid, 1);
	if (su.locked) {		/* while the password was checked */
		srv->stats.login_failed++;
		outq_error(c, a->reqid, a->type, CPE_LOCKED);
		return;
	}
	auth_welcome(c, &su, a->key, a->reqid, a->type,
	    a->flags & CPF_WANT_TOKEN, 0, a->device);
}

/* PASSWD's old password is checked and the new one hashed: store it. */
static void
auth_done_passwd(struct server *srv, struct auth *a)
{
	struct client	*c = a->c;
	struct cp_msg	 m;

	if (!a->job.ok) {
		auth_tried(srv, a->uid, 0);
		outq_error(c, a->reqid, a->type, CPE_WRONG_PASSWORD);
		return;
	}
	auth_tried(srv, a->uid, 1);
	/* The session may have been logged out (its account deleted)
	 * while the password was checked. */
	if (c->u == NULL || c->u->id != a->uid) {
		outq_error(c, a->reqid, a->type, CPE_NOT_LOGGED_IN);
		return;
	}
	if (store_user_set_hash(srv->st, a->uid, a->job.hash) == -1 ||
	    store_token_revoke(srv->st, a->uid) == -1) {
		outq_error(c, a->reqid, a->type, CPE_INTERNAL);
		return;
	}
	/* Whoever held a token, or the old password, is out now. */
	c->token_id = 0;
	if (c->u != NULL)
		device_sign_out(srv, c->u, c, 0,
		    "signed out: the account's password was changed");
	memset(&m, 0, sizeof m);
	m.type = CP_OK;
	m.id = a->reqid;
	outq_reply(c, &m, a->reqid, a->type);
}

/* A password job is back, in the loop. */
void
auth_done(struct pw_job *j, void *arg)
{
	struct server	*srv = arg;
	struct auth	*a = j->ctx;
	struct client	*c = a->c;

	c->refs--;
	c->authing = 0;
	if (c->dead || j->ok == -1) {
		if (!c->dead)
			outq_error(c, a->reqid, a->type, CPE_INTERNAL);
	} else {
		switch (a->type) {
		case CP_REGISTER:
			auth_done_register(srv, a);
			break;
		case CP_LOGIN:
			auth_done_login(srv, a);
			break;
		case CP_PASSWD:
			auth_done_passwd(srv, a);
			break;
		case CP_DELETE_ACCOUNT:
			auth_done_delete(srv, a);
			break;
		}
	}
	sodium_memzero(a, sizeof *a);
	free(a);
}
