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

#define NET_REQ_MAX	32	/* requests remembered until answered */

/* A request whose answer must be told apart from others of its type. */
struct net_req {
	uint64_t		 id;		/* 0: a free slot */
	enum cp_type		 type;		/* CP_CONTACTS, CP_HISTORY,
						 * CP_GROUP */
	enum net_contacts_op	 op;
	enum cp_group_op	 gop;
	char			 peer[NICK_MAX_BYTES];	/* or group */
	char			 target[NICK_MAX_BYTES];
};

struct net {
	const struct net_events	*ev;
	void			*arg;
	struct chatclient	*cc;
	char			 server[256];
	char			 nick[NICK_MAX_BYTES];
	int			 with_token;	/* the login under way used one */
	uint64_t		 who_req;
	struct net_req		 req[NET_REQ_MAX];
};

/* Remember a request's kind until its answer (slot 0 is reused if full). */
static void
net_req_add(struct net *n, uint64_t id, enum cp_type type,
    enum net_contacts_op op, const char *peer)
{
	size_t	i, at = 0;

	for (i = 0; i < NET_REQ_MAX; i++)
		if (n->req[i].id == 0) {
			at = i;
			break;
		}
	n->req[at].id = id;
	n->req[at].type = type;
	n->req[at].op = op;
	snprintf(n->req[at].peer, sizeof n->req[at].peer, "%s",
	    peer != NULL ? peer : "");
	n->req[at].gop = CPG_LIST;
	n->req[at].target[0] = '\0';
}

/* Take the request id out of the table into r; 0 if it was not there. */
static int
net_req_take(struct net *n, uint64_t id, struct net_req *r)
{
	size_t	i;

	for (i = 0; i < NET_REQ_MAX; i++)
		if (n->req[i].id == id && id != 0) {
			*r = n->req[i];
			n->req[i].id = 0;
			return 1;
		}
	return 0;
}

/* What a contacts op is called in messages. */
static const char *
net_opname(enum net_contacts_op op)
{
	switch (op) {
	case NET_ACCEPT:	return "/accept";
	case NET_DECLINE:	return "/decline";
	case NET_BLOCK:		return "/block";
	case NET_UNBLOCK:	return "/unblock";
	case NET_REQUESTS:	return "requests";
	case NET_BLOCKED:	return "/blocked";
	default:		return "contacts";
	}
}

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
	char		 text[160], node[ADDR_STRLEN];
	double		 wait;
	size_t		 i, nn;

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
	/* Requests die with the session: their answers never come. */
	if (st != CHATCLIENT_READY)
		memset(n->req, 0, sizeof n->req);
	snprintf(text, sizeof text, "%s", why != NULL && why[0] != '\0' ? why :
	    code != CPE_NONE ? cp_strerror(code) : "");
	log_info("connection: %s%s%s", chatclient_statename(st),
	    text[0] != '\0' ? ": " : "", text);
	/* Never given up: say when the next attempt is. */
	if (st == CHATCLIENT_DISCONNECTED && n->ev->reconnect != NULL &&
	    (wait = chatclient_retry_in(cc)) >= 0)
		n->ev->reconnect(n->arg, (uint64_t)(wait * 1000));
	if (st == CHATCLIENT_READY && n->ev->node != NULL) {
		chatclient_address(cc, node, sizeof node, &i, &nn);
		log_info("logged in on %s (%zu of %zu)", node, i + 1, nn);
		n->ev->node(n->arg, node, i, nn);
	}
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
	struct net_req	 r;
	const char	*why = detail != NULL && detail[0] != '\0' ? detail :
			    cp_strerror(code);
	int		 known = net_req_take(n, id, &r);

	/* A server older than consent and history finds these malformed. */
	if (code == CPE_MALFORMED && (type == CP_SETTINGS ||
	    type == CP_HISTORY || (type == CP_CONTACTS && known &&
	    r.op >= NET_ACCEPT)))
		why = "the server needs an upgrade for this";
	if (code == CPE_MALFORMED && type == CP_GROUP)
		why = "the server needs an upgrade for groups";
	if (type == CP_SEND) {
		if (code != CPE_NONE)
			n->ev->refused(n->arg, id, why);
	} else if (type == CP_GROUP) {
		if (known)
			n->ev->group_result(n->arg, r.gop, r.peer, r.target,
			    code == CPE_NONE ? NULL : why);
	} else if (type == CP_HISTORY) {
		if (known)
			n->ev->history(n->arg, r.peer, NULL, 0, 0, why,
			    code == CPE_RATE_LIMITED || code == CPE_BUSY ||
			    code == CPE_INTERNAL ? 1 : code == CPE_DISABLED ||
			    code == CPE_MALFORMED ? -1 : 0);
	} else
		n->ev->result(n->arg, type == CP_PASSWD ? "/passwd" :
		    type == CP_CONTACTS ? net_opname(known ? r.op : NET_LIST) :
		    type == CP_WHO ? "/who" : type == CP_SETTINGS ?
		    "/settings" : cp_typename(type),
		    code == CPE_NONE ? NULL : why);
	n->ev->changed(n->arg);
}

/* One of our messages is stored. */
static void
net_accepted_cb(struct chatclient *cc, uint64_t msgid, uint64_t sid,
    uint64_t time_ms, enum cp_receipt state, void *arg)
{
	struct net	*n = arg;

	n->ev->accepted(n->arg, msgid, sid, time_ms, net_state(state));
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
	struct net_req		  r;
	enum net_list		  list = NET_L_CONTACTS;

	for (i = 0; i < count; i++) {
		nicks[i] = c[i].nick;
		p[i] = net_presence(c[i].presence);
		seen[i] = c[i].last_seen_ms;
	}
	if (id != 0 && id == n->who_req)
		list = NET_L_WHO;
	else if (net_req_take(n, id, &r)) {
		switch (r.op) {
		case NET_REQUESTS:
		case NET_DECLINE:
			list = NET_L_REQUESTS;
			break;
		case NET_BLOCK:
		case NET_UNBLOCK:
		case NET_BLOCKED:
			list = NET_L_BLOCKED;
			break;
		default:
			break;
		}
	}
	n->ev->roster(n->arg, list, nicks, p, seen, count);
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

/* The account's settings. */
static void
net_settings_cb(struct chatclient *cc, uint64_t id, unsigned int values,
    void *arg)
{
	struct net	*n = arg;
	unsigned int	 v = 0;

	if (values & CPS_VISIBLE)
		v |= NET_SET_VISIBLE;
	if (values & CPS_RECEIPTS)
		v |= NET_SET_RECEIPTS;
	if (values & CPS_TYPING)
		v |= NET_SET_TYPING;
	n->ev->settings(n->arg, v);
	n->ev->changed(n->arg);
}

/* A history entry or carbon in the model's terms. */
static void
net_hist(const struct chatclient_hist *h, const char *peer,
    struct net_hist *o)
{
	memset(o, 0, sizeof *o);
	o->peer = peer;
	o->sid = h->sid;
	o->msgid = h->msgid;
	o->time_ms = h->time_ms;
	o->out = h->outgoing;
	o->state = h->outgoing ? net_state(h->state) : MODEL_RECEIVED;
	o->read = h->read;
	o->text = h->text;
	o->len = h->len;
}

/* A page of a conversation. */
static void
net_history_cb(struct chatclient *cc, uint64_t id, const char *peer,
    const struct chatclient_hist *v, size_t count, int more, void *arg)
{
	struct net	*n = arg;
	struct net_hist	*h = xcalloc(count + 1, sizeof *h);
	struct net_req	 r;
	size_t		 i;

	/* The peer as the app asked for it, so that it finds its own. */
	if (net_req_take(n, id, &r))
		peer = r.peer;
	for (i = 0; i < count; i++)
		net_hist(&v[i], peer, &h[i]);
	n->ev->history(n->arg, peer, h, count, more, NULL, 0);
	free(h);
	n->ev->changed(n->arg);
}

/* A message this account sent from another device. */
static void
net_sent_cb(struct chatclient *cc, const struct chatclient_hist *v, void *arg)
{
	struct net	*n = arg;
	struct net_hist	 h;

	net_hist(v, v->peer, &h);
	n->ev->sent(n->arg, &h);
	n->ev->changed(n->arg);
}

/* A conversation was read on another device. */
static void
net_read_upto_cb(struct chatclient *cc, const char *peer, uint64_t sid,
    void *arg)
{
	struct net	*n = arg;

	n->ev->read_upto(n->arg, peer, sid);
	n->ev->changed(n->arg);
}

/* Lists changed on the server. */
static void
net_contacts_changed_cb(struct chatclient *cc, unsigned int lists, void *arg)
{
	struct net	*n = arg;
	unsigned int	 l = 0;

	if (lists & CPL_CONTACTS)
		l |= NET_CH_CONTACTS;
	if (lists & CPL_REQUESTS)
		l |= NET_CH_REQUESTS;
	if (lists & CPL_BLOCKED)
		l |= NET_CH_BLOCKED;
	n->ev->lists_changed(n->arg, l);
	n->ev->changed(n->arg);
}

/* A group's message in the app's terms. */
static void
net_gmsg(const struct chatclient_gmsg *g, struct net_gmsg *o)
{
	memset(o, 0, sizeof *o);
	o->group = g->group;
	o->sid = g->sid;
	o->msgid = g->msgid;
	o->time_ms = g->time_ms;
	o->from = g->from;
	o->event = (int)g->kind;
	o->text = g->text;
	o->len = g->len;
}

/* A group's message or event. */
static void
net_gmessage_cb(struct chatclient *cc, const struct chatclient_gmsg *g,
    void *arg)
{
	struct net	*n = arg;
	struct net_gmsg	 o;

	net_gmsg(g, &o);
	n->ev->gmessage(n->arg, &o);
	n->ev->changed(n->arg);
}

/* A page of a group's history. */
static void
net_ghistory_cb(struct chatclient *cc, uint64_t id, const char *group,
    const struct chatclient_gmsg *v, size_t count, int more, void *arg)
{
	struct net	*n = arg;
	struct net_gmsg	*o = xcalloc(count + 1, sizeof *o);
	struct net_req	 r;
	size_t		 i;

	if (net_req_take(n, id, &r))
		group = r.peer;
	for (i = 0; i < count; i++) {
		net_gmsg(&v[i], &o[i]);
		o[i].group = group;
	}
	n->ev->ghistory(n->arg, group, o, count, more);
	free(o);
	n->ev->changed(n->arg);
}

/* The answer to a group request: a group's members, or our groups. */
static void
net_group_info_cb(struct chatclient *cc, uint64_t id, const char *group,
    unsigned int flags, const char *topic, const struct chatclient_gentry *v,
    size_t count, void *arg)
{
	struct net		*n = arg;
	struct net_gentry	*e = xcalloc(count + 1, sizeof *e);
	struct net_req		 r;
	enum cp_group_op	 op = group[0] == '\0' ? CPG_LIST : CPG_MEMBERS;
	size_t			 i;

	if (net_req_take(n, id, &r) && r.type == CP_GROUP)
		op = r.gop;
	for (i = 0; i < count; i++) {
		e[i].name = v[i].name;
		e[i].flags = v[i].flags;
		e[i].value = v[i].value;
	}
	n->ev->group_info(n->arg, op, group, flags, topic, e, count);
	free(e);
	n->ev->changed(n->arg);
}

/* How far a message we sent to a group got. */
static void
net_greceipt_cb(struct chatclient *cc, const char *group, uint64_t msgid,
    unsigned int delivered, unsigned int read, unsigned int of, void *arg)
{
	struct net	*n = arg;

	n->ev->greceipt(n->arg, group, msgid, delivered, read, of);
	n->ev->changed(n->arg);
}

/* A group changed for us. */
static void
net_group_changed_cb(struct chatclient *cc, const char *group,
    unsigned int what, void *arg)
{
	struct net	*n = arg;

	n->ev->group_changed(n->arg, group, what);
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
	/* Carbons, reads and list changes from the account's other devices. */
	conf.sync = 1;
	memset(&cb, 0, sizeof cb);
	cb.state = net_state_cb;
	cb.result = net_result_cb;
	cb.accepted = net_accepted_cb;
	cb.receipt = net_receipt_cb;
	cb.message = net_message_cb;
	cb.roster = net_roster_cb;
	cb.presence = net_presence_cb;
	cb.typing = net_typing_cb;
	cb.settings = net_settings_cb;
	cb.history = net_history_cb;
	cb.sent = net_sent_cb;
	cb.read_upto = net_read_upto_cb;
	cb.contacts_changed = net_contacts_changed_cb;
	cb.gmessage = net_gmessage_cb;
	cb.ghistory = net_ghistory_cb;
	cb.group_info = net_group_info_cb;
	cb.greceipt = net_greceipt_cb;
	cb.group_changed = net_group_changed_cb;
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

/* Contacts, requests and blocks. */
static int
net_contacts(struct net *n, enum net_contacts_op op, const char *nick)
{
	enum cp_contacts_op	o = CPC_LIST;
	uint64_t		id;

	switch (op) {
	case NET_LIST:		o = CPC_LIST; break;
	case NET_ADD:		o = CPC_ADD; break;
	case NET_DEL:		o = CPC_DEL; break;
	case NET_ACCEPT:	o = CPC_ACCEPT; break;
	case NET_DECLINE:	o = CPC_DECLINE; break;
	case NET_BLOCK:		o = CPC_BLOCK; break;
	case NET_UNBLOCK:	o = CPC_UNBLOCK; break;
	case NET_REQUESTS:	o = CPC_REQUESTS; break;
	case NET_BLOCKED:	o = CPC_BLOCKED; break;
	}
	if (o == CPC_LIST || o == CPC_REQUESTS || o == CPC_BLOCKED)
		nick = NULL;
	if ((id = chatclient_contacts(n->cc, o, nick)) == 0)
		return -1;
	net_req_add(n, id, CP_CONTACTS, op, nick);
	return 0;
}

/* Read or change the account's settings. */
static int
net_settings(struct net *n, unsigned int mask, unsigned int values)
{
	unsigned int	m = 0, v = 0;

	if (mask & NET_SET_VISIBLE)
		m |= CPS_VISIBLE;
	if (mask & NET_SET_RECEIPTS)
		m |= CPS_RECEIPTS;
	if (mask & NET_SET_TYPING)
		m |= CPS_TYPING;
	if (values & NET_SET_VISIBLE)
		v |= CPS_VISIBLE;
	if (values & NET_SET_RECEIPTS)
		v |= CPS_RECEIPTS;
	if (values & NET_SET_TYPING)
		v |= CPS_TYPING;
	return chatclient_settings(n->cc, m, v & m) == 0 ? -1 : 0;
}

/* Ask for a page of the conversation with nick. */
static int
net_history(struct net *n, const char *nick, uint64_t before,
    unsigned int limit)
{
	uint64_t	id;

	if ((id = chatclient_history(n->cc, nick, before, limit)) == 0)
		return -1;
	net_req_add(n, id, CP_HISTORY, NET_LIST, nick);
	return 0;
}

/* A group request (sid: CPG_READERS' message, else 0). */
static int
net_group_sid(struct net *n, enum cp_group_op op, const char *group,
    const char *target, uint64_t sid, const char *text)
{
	uint64_t	id;
	size_t		i;

	if ((id = chatclient_group(n->cc, op, group, target, sid,
	    text)) == 0)
		return -1;
	net_req_add(n, id, CP_GROUP, NET_LIST, group);
	for (i = 0; i < NET_REQ_MAX; i++)
		if (n->req[i].id == id) {
			n->req[i].gop = op;
			snprintf(n->req[i].target, sizeof n->req[i].target,
			    "%s", target != NULL ? target : "");
		}
	return 0;
}

/* A group request. */
static int
net_group(struct net *n, enum cp_group_op op, const char *group,
    const char *target, const char *text)
{
	return net_group_sid(n, op, group, target, 0, text);
}

/* Who in group has read our message sid. */
static int
net_greaders(struct net *n, const char *group, uint64_t sid)
{
	return net_group_sid(n, CPG_READERS, group, NULL, sid, NULL);
}

/* Tell a group's senders we have read it up to sid. */
static void
net_gmark_read(struct net *n, const char *group, uint64_t sid)
{
	if (chatclient_gmark_read(n->cc, group, sid) == -1)
		log_debug("mark %s read %llu: %s", group,
		    (unsigned long long)sid, strerror(errno));
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
	.settings = net_settings,
	.history = net_history,
	.group = net_group,
	.gmark_read = net_gmark_read,
	.greaders = net_greaders,
};
