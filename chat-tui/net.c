/*
 * net.c: the link to chatd through the chat client library; see net.h.
 *
 * Device tokens: after the first login with a typed password (one from
 * $CHAT_PASSWORD is there every time and needs none) the server gives
 * this device a token, kept in $XDG_STATE_HOME/chat-tui/tokens/ (one
 * file of CP_TOKEN_LEN bytes, mode 0600, per server and account, named
 * by a hash of the two), so later starts log in without a password.  A
 * token the server no longer knows is forgotten and the password asked
 * for again.  The password itself is never written anywhere.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <sodium.h>

#include "chat/chatclient.h"
#include "chat/nick.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "model.h"
#include "net.h"

struct net {
	const struct net_events	*ev;
	void			*arg;
	struct chatclient	*cc;
	char			 server[256];
	char			 nick[NICK_MAX_BYTES];
	int			 with_token;	/* the login under way used one */
	uint64_t		 who_req;
};

/* The token file of nick at server; -1 if there is no folder for it. */
static int
net_token_path(const char *server, const char *nick, char *buf, size_t len,
    int make)
{
	const char	*x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char		 key[NICK_MAX_BYTES], dir[2048], *p, hex[65];
	unsigned char	 h[32];
	crypto_generichash_state st;
	int		 n;

	if (x != NULL && x[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/chat-tui/tokens", x);
	else if (home != NULL && home[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/.local/state/chat-tui/tokens",
		    home);
	else
		return -1;
	if (n < 0 || (size_t)n >= sizeof dir)
		return -1;
	if (make) {
		for (p = dir + 1; *p != '\0'; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			return -1;
	}
	model_key(nick, key, NULL);
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)server,
	    strlen(server) + 1);
	crypto_generichash_update(&st, (const unsigned char *)key,
	    strlen(key));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	n = snprintf(buf, len, "%s/%s", dir, hex);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Read the token of nick at server: 1, or 0 if there is none. */
static int
net_token_load(const char *server, const char *nick,
    uint8_t token[CP_TOKEN_LEN])
{
	char	path[2200];
	int	fd;
	ssize_t	n;

	if (net_token_path(server, nick, path, sizeof path, 0) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, token, CP_TOKEN_LEN);
	close(fd);
	return n == CP_TOKEN_LEN;
}

/* Keep the token the server issued. */
static void
net_token_save(const char *server, const char *nick,
    const uint8_t token[CP_TOKEN_LEN])
{
	char	path[2200], tmp[2300];
	int	fd;

	if (net_token_path(server, nick, path, sizeof path, 1) == -1)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("%s", tmp);
		return;
	}
	if (write(fd, token, CP_TOKEN_LEN) != CP_TOKEN_LEN || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, path) == -1) {
		log_warn("%s", path);
		unlink(tmp);
	}
}

/* Forget a token the server no longer takes. */
static void
net_token_forget(const char *server, const char *nick)
{
	char	path[2200];

	if (net_token_path(server, nick, path, sizeof path, 0) == 0)
		unlink(path);
}

/* A receipt kind as a model state. */
static enum model_state
net_state(enum cp_receipt r)
{
	switch (r) {
	case CPR_DELIVERED:	return MODEL_DELIVERED;
	case CPR_READ:		return MODEL_READ;
	default:		return MODEL_ACCEPTED;
	}
}

/* A presence as the model's. */
static enum model_presence
net_presence(enum cp_presence p)
{
	switch (p) {
	case CPP_ONLINE:	return MODEL_ONLINE;
	case CPP_AWAY:		return MODEL_AWAY;
	default:		return MODEL_OFFLINE;
	}
}

/* The connection changed state. */
static void
net_state_cb(struct chatclient *cc, enum chatclient_state st,
    enum cp_err code, const char *why, void *arg)
{
	struct net	*n = arg;
	uint8_t		 token[CP_TOKEN_LEN];
	enum model_conn	 m = MODEL_CONN_OFFLINE;
	char		 text[160];
	double		 wait;

	switch (st) {
	case CHATCLIENT_CONNECTING:	m = MODEL_CONN_CONNECTING; break;
	case CHATCLIENT_LOGGING_IN:	m = MODEL_CONN_LOGGING_IN; break;
	case CHATCLIENT_READY:		m = MODEL_CONN_READY; break;
	case CHATCLIENT_DISCONNECTED:	m = MODEL_CONN_OFFLINE; break;
	case CHATCLIENT_FAILED:		m = MODEL_CONN_FAILED; break;
	}
	if (st == CHATCLIENT_READY && chatclient_token(cc, token)) {
		net_token_save(n->server, n->nick, token);
		sodium_memzero(token, sizeof token);
	}
	if (code == CPE_BAD_TOKEN)
		net_token_forget(n->server, n->nick);
	snprintf(text, sizeof text, "%s", why != NULL && why[0] != '\0' ? why :
	    code != CPE_NONE ? cp_strerror(code) : "");
	log_info("connection: %s%s%s", chatclient_statename(st),
	    text[0] != '\0' ? ": " : "", text);
	/* Never given up: say when the next attempt is. */
	if (st == CHATCLIENT_DISCONNECTED && n->ev->reconnect != NULL &&
	    (wait = chatclient_retry_in(cc)) >= 0)
		n->ev->reconnect(n->arg, (uint64_t)(wait * 1000));
	n->ev->conn(n->arg, m, text, code == CPE_WRONG_PASSWORD ||
	    code == CPE_BAD_TOKEN, code == CPE_UNKNOWN_USER);
	n->ev->changed(n->arg);
}

/* The answer to a request. */
static void
net_result_cb(struct chatclient *cc, uint64_t id, enum cp_type type,
    enum cp_err code, const char *detail, void *arg)
{
	struct net	*n = arg;
	const char	*why = detail != NULL && detail[0] != '\0' ? detail :
			    cp_strerror(code);

	if (type == CP_SEND) {
		if (code != CPE_NONE)
			n->ev->refused(n->arg, id, why);
	} else
		n->ev->result(n->arg, type == CP_PASSWD ? "/passwd" :
		    type == CP_CONTACTS ? "contacts" : type == CP_WHO ? "/who" :
		    cp_typename(type), code == CPE_NONE ? NULL : why);
	n->ev->changed(n->arg);
}

/* One of our messages is stored. */
static void
net_accepted_cb(struct chatclient *cc, uint64_t msgid, uint64_t sid,
    uint64_t time_ms, enum cp_receipt state, void *arg)
{
	struct net	*n = arg;

	n->ev->accepted(n->arg, msgid, time_ms, net_state(state));
	n->ev->changed(n->arg);
}

/* Delivered or read. */
static void
net_receipt_cb(struct chatclient *cc, uint64_t msgid, enum cp_receipt kind,
    void *arg)
{
	struct net	*n = arg;

	n->ev->receipt(n->arg, msgid, net_state(kind));
	n->ev->changed(n->arg);
}

/* A message for us. */
static void
net_message_cb(struct chatclient *cc, const struct chatclient_msg *m,
    void *arg)
{
	struct net	*n = arg;

	n->ev->message(n->arg, m->sid, m->time_ms, m->from, m->text, m->len);
	n->ev->changed(n->arg);
}

/* The contact list or the who directory. */
static void
net_roster_cb(struct chatclient *cc, uint64_t id,
    const struct chatclient_contact *c, size_t count, void *arg)
{
	struct net		 *n = arg;
	const char		**nicks = xcalloc(count + 1, sizeof *nicks);
	enum model_presence	 *p = xcalloc(count + 1, sizeof *p);
	uint64_t		 *seen = xcalloc(count + 1, sizeof *seen);
	size_t			  i;

	for (i = 0; i < count; i++) {
		nicks[i] = c[i].nick;
		p[i] = net_presence(c[i].presence);
		seen[i] = c[i].last_seen_ms;
	}
	n->ev->roster(n->arg, id != 0 && id == n->who_req, nicks, p, seen,
	    count);
	free(nicks);
	free(p);
	free(seen);
	n->ev->changed(n->arg);
}

/* A contact came, went or is away. */
static void
net_presence_cb(struct chatclient *cc, const struct chatclient_contact *c,
    void *arg)
{
	struct net	*n = arg;

	n->ev->presence(n->arg, c->nick, net_presence(c->presence),
	    c->last_seen_ms);
	n->ev->changed(n->arg);
}

/* Someone is typing to us. */
static void
net_typing_cb(struct chatclient *cc, const char *from, void *arg)
{
	struct net	*n = arg;

	n->ev->typing(n->arg, from);
	n->ev->changed(n->arg);
}

/* A client for server on loop, reporting to ev. */
struct net *
net_new(struct ev_loop *loop, const struct net_events *ev, void *arg,
    const char *server, char *err, size_t errlen)
{
	struct chatclient_conf	conf;
	struct chatclient_cb	cb;
	struct net		*n = xcalloc(1, sizeof *n);
	char			 host[256], device[80];

	n->ev = ev;
	n->arg = arg;
	snprintf(n->server, sizeof n->server, "%s", server);
	chatclient_conf_default(&conf);
	conf.server = server;
	/* The name the account's device list shows for this one. */
	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(device, sizeof device, "chat-tui on %.64s", host);
	conf.device = device;
	memset(&cb, 0, sizeof cb);
	cb.state = net_state_cb;
	cb.result = net_result_cb;
	cb.accepted = net_accepted_cb;
	cb.receipt = net_receipt_cb;
	cb.message = net_message_cb;
	cb.roster = net_roster_cb;
	cb.presence = net_presence_cb;
	cb.typing = net_typing_cb;
	cb.arg = n;
	if ((n->cc = chatclient_new(loop, &conf, &cb, err, errlen)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

/* Close the session and free. */
void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	chatclient_free(n->cc);
	free(n);
}

/* Wait up to seconds for what was sent (receipts) to be acknowledged. */
void
net_flush(struct net *n, struct ev_loop *loop, double seconds)
{
	ev_tstamp	end = ev_now(loop) + seconds;
	ev_timer	t;

	if (n == NULL || chatclient_state(n->cc) != CHATCLIENT_READY)
		return;
	ev_timer_init(&t, NULL, 0.05, 0.05);
	while (chatclient_unacked(n->cc) > 0 && ev_now(loop) < end) {
		/* A timer so that the loop wakes even if nothing arrives. */
		ev_timer_stop(loop, &t);
		ev_timer_set(&t, 0.05, 0.);
		ev_timer_start(loop, &t);
		ev_run(loop, EVRUN_ONCE);
	}
	ev_timer_stop(loop, &t);
}

/* Log in or register. */
static int
net_login(struct net *n, const char *nick, const char *password, int reg,
    int want_token, char *err, size_t errlen)
{
	uint8_t	token[CP_TOKEN_LEN];
	int	rc;

	snprintf(n->nick, sizeof n->nick, "%s", nick);
	n->with_token = 0;
	if (reg)
		rc = chatclient_register(n->cc, nick, password, want_token);
	else if (password != NULL)
		rc = chatclient_login(n->cc, nick, password, want_token);
	else if (net_token_load(n->server, nick, token)) {
		n->with_token = 1;
		rc = chatclient_login_token(n->cc, nick, token);
		sodium_memzero(token, sizeof token);
	} else {
		snprintf(err, errlen, "no password and no device token");
		return -1;
	}
	log_info("%s as %s with %s", reg ? "registering" : "logging in", nick,
	    n->with_token ? "the device token" : "a password");
	if (rc == -1) {
		snprintf(err, errlen, "cannot log in: the nickname is invalid "
		    "or the password empty or too long");
		return -1;
	}
	return 0;
}

/* Is there a device token for nick at this server? */
static int
net_has_token(struct net *n, const char *nick)
{
	uint8_t	token[CP_TOKEN_LEN];
	int	found = net_token_load(n->server, nick, token);

	sodium_memzero(token, sizeof token);
	return found;
}

/* Queue a message with our id. */
static int
net_send(struct net *n, uint64_t id, const char *nick, const char *text,
    size_t len, char *err, size_t errlen)
{
	if (chatclient_send_id(n->cc, id, nick, text, len) == 0)
		return 0;
	switch (errno) {
	case EINVAL:
		snprintf(err, errlen, "not a valid nickname");
		break;
	case EILSEQ:
		snprintf(err, errlen, "not valid UTF-8");
		break;
	case EBADMSG:
		snprintf(err, errlen, "holds a control character (only tab "
		    "and newline may be sent)");
		break;
	case EMSGSIZE:
		snprintf(err, errlen, "empty or over %d bytes", CP_TEXT_MAX);
		break;
	default:
		snprintf(err, errlen, "%s", strerror(errno));
		break;
	}
	return -1;
}

/* Tell the sender we have read sid. */
static void
net_mark_read(struct net *n, uint64_t sid)
{
	if (chatclient_mark_read(n->cc, sid) == -1)
		log_debug("mark read %llu: %s", (unsigned long long)sid,
		    strerror(errno));
}

/* We are typing to nick. */
static void
net_typing(struct net *n, const char *nick)
{
	chatclient_typing(n->cc, nick);
}

/* Away or back. */
static void
net_away(struct net *n, int away)
{
	chatclient_away(n->cc, away);
}

/* Contacts: list, add, remove. */
static int
net_contacts(struct net *n, enum net_contacts_op op, const char *nick)
{
	enum cp_contacts_op	o = op == NET_ADD ? CPC_ADD : op == NET_DEL ?
				    CPC_DEL : CPC_LIST;

	return chatclient_contacts(n->cc, o, o == CPC_LIST ? NULL : nick) ==
	    0 ? -1 : 0;
}

/* Who is online. */
static int
net_who(struct net *n)
{
	n->who_req = chatclient_who(n->cc);
	return n->who_req == 0 ? -1 : 0;
}

/* Change the password. */
static int
net_passwd(struct net *n, const char *old, const char *new_password)
{
	return chatclient_passwd(n->cc, old, new_password) == 0 ? -1 : 0;
}

/* What the app may ask of a net made by net_new(). */
const struct net_ops net_chatd_ops = {
	.login = net_login,
	.has_token = net_has_token,
	.send = net_send,
	.mark_read = net_mark_read,
	.typing = net_typing,
	.away = net_away,
	.contacts = net_contacts,
	.who = net_who,
	.passwd = net_passwd,
};
