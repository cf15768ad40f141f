/* config.c: chatd's configuration keys, defaults and validation. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "base/metrics.h"
#include "bus.h"
#include "busmsg.h"
#include "chatd.h"
#include "sess/session.h"

#define K	struct chatd_conf

static const struct conf_key config_keys[] = {
	CONF_STR_KEY("chatd", "listen", K, listen),
	CONF_INT_KEY("chatd", "port", K, port, 0, 65535),
	CONF_STR_KEY("chatd", "state_dir", K, state_dir),
	CONF_BOOL_KEY("chatd", "syslog", K, syslog),
	CONF_INT_KEY("chatd", "verbose", K, verbose, 0, 2),
	CONF_STR_KEY("chatd", "metrics", K, metrics),
	CONF_INT_KEY("chatd", "max_sessions", K, max_sessions, 1, 1000000),
	CONF_INT_KEY("chatd", "keepalive_ms", K, keepalive_ms, 100, 3600000),
	CONF_INT_KEY("chatd", "dead_ms", K, dead_ms, 1000, 3600000),
	CONF_INT_KEY("sessions", "half_open_per_addr", K, half_open_per_addr,
	    1, 1000000),
	CONF_INT_KEY("sessions", "unauth_per_addr", K, unauth_per_addr, 1,
	    1000000),
	CONF_INT_KEY("sessions", "max_unauth", K, max_unauth, 1, 1000000),
	CONF_INT_KEY("sessions", "hello_rate", K, hello_rate, 1, 1024),
	CONF_INT_KEY("sessions", "hello_burst", K, hello_burst, 1, 256),
	CONF_INT_KEY("sessions", "login_timeout_ms", K, login_timeout_ms,
	    1000, 3600000),
	CONF_INT_KEY("sessions", "prelogin_kib", K, prelogin_kib, 4, 1024),
	CONF_INT_KEY("sessions", "memory_mib", K, memory_mib, 0, 1048576),
	CONF_BOOL_KEY("accounts", "registration", K, registration),
	CONF_INT_KEY("accounts", "argon2_ops", K, argon2_ops, 1, 100),
	CONF_INT_KEY("accounts", "argon2_mem_kib", K, argon2_mem_kib, 8,
	    4 * 1024 * 1024),
	CONF_INT_KEY("accounts", "auth_threads", K, auth_threads, 1, 64),
	CONF_INT_KEY("accounts", "auth_queue", K, auth_queue, 1, 100000),
	CONF_INT_KEY("accounts", "auth_queue_per_addr", K, auth_queue_per_addr,
	    1, 100000),
	CONF_INT_KEY("accounts", "max_contacts", K, max_contacts, 0, 100000),
	CONF_INT_KEY("accounts", "token_max_idle_days", K, token_max_idle_days,
	    1, 36500),
	CONF_INT_KEY("accounts", "token_max_idle_s", K, token_max_idle_s, 0,
	    2000000000),
	CONF_INT_KEY("accounts", "register_per_day", K, register_per_day, 0,
	    1000000),
	CONF_INT_KEY("accounts", "nick_hold_days", K, nick_hold_days, 0,
	    36500),
	CONF_BOOL_KEY("store", "fsync", K, fsync),
	CONF_STR_KEY("store", "postgresql", K, postgresql),
	CONF_BOOL_KEY("store", "standby", K, standby),
	CONF_STR_KEY("store", "log_name", K, log_name),
	CONF_INT_KEY("store", "postgresql_timeout", K, postgresql_timeout, 1,
	    3600),
	CONF_INT_KEY("store", "retention_days", K, retention_days, 1, 36500),
	CONF_INT_KEY("store", "history_days", K, history_days, 0, 36500),
	CONF_INT_KEY("store", "history_max", K, history_max, 0, 100000000),
	CONF_INT_KEY("store", "queue_max", K, queue_max, 1, 10000000),
	CONF_BOOL_KEY("directory", "who", K, who),
	CONF_INT_KEY("limits", "msg_rate", K, msg_rate, 0, 10000000),
	CONF_INT_KEY("limits", "msg_burst", K, msg_burst, 1, 10000000),
	CONF_INT_KEY("limits", "contact_rate", K, contact_rate, 0, 1000000),
	CONF_INT_KEY("limits", "contact_burst", K, contact_burst, 1, 1000000),
	CONF_INT_KEY("limits", "typing_rate", K, typing_rate, 0, 1000000),
	CONF_INT_KEY("limits", "typing_burst", K, typing_burst, 1, 1000000),
	CONF_INT_KEY("limits", "login_rate", K, login_rate, 0, 1000000),
	CONF_INT_KEY("limits", "login_burst", K, login_burst, 1, 1000000),
	CONF_INT_KEY("limits", "list_rate", K, list_rate, 0, 1000000),
	CONF_INT_KEY("limits", "list_burst", K, list_burst, 1, 1000000),
	CONF_INT_KEY("limits", "history_rate", K, history_rate, 0, 1000000),
	CONF_INT_KEY("limits", "history_burst", K, history_burst, 1, 1000000),
	CONF_INT_KEY("limits", "group_msg_rate", K, group_msg_rate, 0, 1000000),
	CONF_INT_KEY("limits", "group_msg_burst", K, group_msg_burst, 1,
	    1000000),
	CONF_INT_KEY("groups", "max_members", K, max_group_members, 2, 65535),
	CONF_INT_KEY("groups", "create_per_day", K, group_create_per_day, 0,
	    1000000),
	CONF_INT_KEY("groups", "invite_per_hour", K, invite_per_hour, 0,
	    1000000),
	CONF_INT_KEY("limits", "pair_quota", K, pair_quota, 1, 10000000),
	CONF_INT_KEY("limits", "stranger_quota", K, stranger_quota, 1,
	    10000000),
	CONF_INT_KEY("limits", "malformed_max", K, malformed_max, 1, 1000000),
	CONF_BOOL_KEY("limits", "addr_enable", K, login_rl.enable),
	CONF_INT_KEY("limits", "addr_login_interval", K, login_rl.interval,
	    -10, 12),
	CONF_INT_KEY("limits", "addr_login_burst", K, login_rl.burst, 1, 256),
	CONF_INT_KEY("limits", "addr_token_interval", K, token_rl.interval,
	    -10, 12),
	CONF_INT_KEY("limits", "addr_token_burst", K, token_rl.burst, 1, 256),
	CONF_INT_KEY("limits", "login_backoff_ms", K, login_backoff_ms, 0,
	    3600000),
	CONF_INT_KEY("limits", "login_backoff_max_ms", K, login_backoff_max_ms,
	    0, 86400000),
	CONF_INT_KEY("limits", "addr_msg_interval", K, msg_rl.interval, -10,
	    12),
	CONF_INT_KEY("limits", "addr_msg_burst", K, msg_rl.burst, 1, 256),
	CONF_INT_KEY("limits", "addr_table_size", K, login_rl.table_size, 16,
	    1 << 22),
	CONF_STR_KEY("cluster", "nats", K, nats),
	CONF_STR_KEY("cluster", "node", K, node),
	CONF_STR_KEY("cluster", "role", K, role),
	CONF_INT_KEY("cluster", "heartbeat_ms", K, heartbeat_ms,
	    BM_BEAT_MIN_MS, BM_BEAT_MAX_MS),
	CONF_INT_KEY("cluster", "missed_beats", K, missed_beats, 2, 100),
	CONF_END
};

/* The embedded defaults; etc/chatd.ini documents each of them. */
void
config_defaults(struct chatd_conf *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->listen, "*");
	c->port = 8081;
	strcpy(c->state_dir, "/var/lib/chatd");
	c->max_sessions = 10000;
	c->keepalive_ms = 25000;
	c->dead_ms = 90000;
	c->half_open_per_addr = 64;
	c->unauth_per_addr = 256;
	c->max_unauth = 2048;
	c->hello_rate = 64;
	c->hello_burst = 128;
	c->login_timeout_ms = 30000;
	c->prelogin_kib = 32;
	c->memory_mib = 1024;
	c->registration = 1;
	c->argon2_ops = 2;		/* crypto_pwhash_OPSLIMIT_INTERACTIVE */
	c->argon2_mem_kib = 65536;	/* crypto_pwhash_MEMLIMIT_INTERACTIVE */
	c->auth_threads = 2;
	c->auth_queue = 64;
	c->auth_queue_per_addr = 8;
	c->max_contacts = 1000;
	c->token_max_idle_days = 90;
	c->register_per_day = 20;
	c->fsync = 1;
	c->postgresql_timeout = 10;
	snprintf(c->log_name, sizeof c->log_name, "chatd");
	c->retention_days = 30;
	c->history_days = 30;
	c->history_max = 10000;
	c->nick_hold_days = 30;
	c->history_rate = 10;
	c->history_burst = 30;
	c->group_msg_rate = 20;
	c->group_msg_burst = 50;
	c->max_group_members = 500;
	c->group_create_per_day = 10;
	c->invite_per_hour = 100;
	c->queue_max = 1000;
	c->who = 1;
	c->msg_rate = 50;
	c->msg_burst = 200;
	c->contact_rate = 2;
	c->contact_burst = 20;
	c->typing_rate = 1;
	c->typing_burst = 3;
	c->login_rate = 1;
	c->login_burst = 5;
	c->list_rate = 1;
	c->list_burst = 10;
	c->pair_quota = 500;
	c->stranger_quota = 3;
	c->malformed_max = 8;
	c->login_rl.enable = 1;
	c->login_rl.interval = 0;	/* a login a second per address */
	c->login_rl.burst = 16;
	c->login_rl.leak = 0;
	c->login_rl.table_size = 8192;
	c->login_rl.ipv6_prefix = 64;
	c->token_rl.interval = -8;	/* 256 token logins a second */
	c->token_rl.burst = 256;
	c->login_backoff_ms = 1000;
	c->login_backoff_max_ms = 300000;
	c->msg_rl.interval = -9;	/* 512 messages a second per address */
	c->msg_rl.burst = 256;
	c->heartbeat_ms = 1000;
	c->missed_beats = 3;
}

/* Load path over the current values; 0, or -1 with err set. */
int
config_load(const char *path, int missing_ok, struct chatd_conf *c,
    char *err, size_t errlen)
{
	char	e[256];

	if (conf_load(path, missing_ok, config_keys, c, err, errlen) == -1)
		return -1;
	if (c->listen[0] == '\0') {
		snprintf(err, errlen, "%s:chatd:listen: empty address", path);
		return -1;
	}
	if (c->state_dir[0] == '\0') {
		snprintf(err, errlen, "%s:chatd:state_dir: empty path", path);
		return -1;
	}
	if (c->metrics[0] != '\0' && metrics_addr_check(c->metrics, e,
	    sizeof e) == -1) {
		snprintf(err, errlen, "%s:chatd:metrics: %s", path, e);
		return -1;
	}
	if (c->dead_ms <= c->keepalive_ms) {
		snprintf(err, errlen, "%s:chatd:dead_ms: must be longer than "
		    "keepalive_ms (%d)", path, c->keepalive_ms);
		return -1;
	}
	if (c->nats[0] != '\0' && bus_servers_check(c->nats, e,
	    sizeof e) == -1) {
		snprintf(err, errlen, "%s:cluster:nats: %s", path, e);
		return -1;
	}
	if (c->nats[0] != '\0' && c->node[0] == '\0') {
		snprintf(err, errlen, "%s:cluster:node: needed with nats",
		    path);
		return -1;
	}
	if (c->log_name[0] == '\0') {
		snprintf(err, errlen, "%s:store:log_name: empty", path);
		return -1;
	}
	if (c->node[0] != '\0' && c->nats[0] == '\0') {
		snprintf(err, errlen, "%s:cluster:node: without nats (no "
		    "cluster)", path);
		return -1;
	}
	if (c->node[0] != '\0' && !busmsg_node_ok(c->node,
	    strlen(c->node))) {
		snprintf(err, errlen, "%s:cluster:node: '%s': not 1-%d of "
		    "A-Z a-z 0-9 . _ -, no dot first, last or twice", path,
		    c->node, BM_NODE_MAX);
		return -1;
	}
	if (c->role[0] == '\0' || strcmp(c->role, "core") == 0)
		c->gateway = 0;
	else if (strcmp(c->role, "gateway") == 0)
		c->gateway = 1;
	else {
		snprintf(err, errlen, "%s:cluster:role: '%s': not core or "
		    "gateway", path, c->role);
		return -1;
	}
	if (c->role[0] != '\0' && c->nats[0] == '\0') {
		snprintf(err, errlen, "%s:cluster:role: without nats (no "
		    "cluster)", path);
		return -1;
	}
	if (c->gateway && (c->postgresql[0] != '\0' || c->standby)) {
		snprintf(err, errlen, "%s:cluster:role: a gateway has no "
		    "store: no [store] postgresql or standby", path);
		return -1;
	}
	/* The message and token limiters share the table settings of the
	 * login one. */
	c->token_rl.enable = c->login_rl.enable;
	c->token_rl.leak = 0;
	c->token_rl.table_size = c->login_rl.table_size;
	c->token_rl.ipv6_prefix = c->login_rl.ipv6_prefix;
	c->msg_rl.enable = c->login_rl.enable;
	c->msg_rl.leak = 0;
	c->msg_rl.table_size = c->login_rl.table_size;
	c->msg_rl.ipv6_prefix = c->login_rl.ipv6_prefix;
	return 0;
}

/* The session layer's settings in conf (chatd and its gateways alike). */
void
chatd_sess_conf(const struct chatd_conf *conf, struct sess_conf *sc)
{
	sess_conf_default(sc);
	sc->max_sessions = (uint32_t)conf->max_sessions;
	sc->keepalive_ms = (uint32_t)conf->keepalive_ms;
	sc->dead_ms = (uint32_t)conf->dead_ms;
	sc->src_half = (uint32_t)conf->half_open_per_addr;
	sc->src_untrusted = (uint32_t)conf->unauth_per_addr;
	sc->max_untrusted = (uint32_t)conf->max_unauth;
	sc->hello_rate = (uint32_t)conf->hello_rate;
	sc->hello_burst = (uint32_t)conf->hello_burst;
	sc->untrusted_ms = (uint32_t)conf->login_timeout_ms;
	sc->pretrust_mem = (size_t)conf->prelogin_kib * 1024;
	sc->mem_budget = (size_t)conf->memory_mib << 20;
}
