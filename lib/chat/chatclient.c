/*
 * chatclient.c: the chat client library (chatclient.h).
 *
 * One session endpoint and socket per connection attempt: a lost session
 * leaves its endpoint to be freed from the retry timer, never inside the
 * session's own callback.  The outbox is a FIFO of messages not yet
 * accepted; each is sent once per session, and all of them again after a
 * reconnect, so the server's (sender, message id) uniqueness turns every
 * resend into an ACCEPTED for the stored copy.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <sodium.h>

#include "base/addr.h"
#include "base/clock.h"
#include "chat/chatclient.h"
#include "chat/chatproto.h"
#include "base/log.h"
#include "chat/nick.h"
#include "sess/session.h"
#include "base/udp.h"
#include "base/wire.h"
#include "base/xmalloc.h"

#define SEEN_MAX	4096		/* incoming ids remembered */
#define PENDING_MAX	64		/* requests awaiting an answer */
#define GMARKS_MAX	16		/* groups marked delivered a turn */
#define BACKOFF_MIN	2.		/* seconds: the first reconnect's range */
#define BACKOFF_MAX	30.		/* seconds: the range stops doubling */
#define RESEND_DELAY	1.		/* after a busy or rate-limited send */
#define CONNECT_RTO_MS	250		/* first HELLO retry and first RTO */
#define CLIENT_RTO_MAX_MS 4000		/* RTO ceiling: a login or message
					 * lost twice still has a chance to
					 * get through before dead_ms */

enum cred_mode {
	CRED_NONE,
	CRED_REGISTER,
	CRED_PASSWORD,
	CRED_TOKEN,
};

struct obx {
	uint64_t	 id;
	char		*to;
	char		*text;
	size_t		 len;
	int		 sent;		/* on the current session */
	struct obx	*next;
};

struct pending {
	uint64_t	id;
	enum cp_type	type;
	char		*peer;		/* HISTORY: whose conversation */
};

struct chatclient {
	struct ev_loop		*loop;
	uint64_t		 deferrals;	/* chatclient_deferrals() */
	struct chatclient_conf	 conf;
	char			*server;
	char			*pinfile;
	char			*device;	/* this device's name, or NULL */
	struct chatclient_cb	 cb;
	struct addr		 addrs[CHATCLIENT_SERVERS_MAX];
	size_t			 naddrs;
	size_t			 cur;		/* the address in use */
	size_t			 round;		/* addresses that failed
						 * since the last login */
	struct sess_ep		*ep, *old_ep;
	struct sess		*s;
	int			 fd, old_fd;
	enum chatclient_state	 state;
	uint64_t		 last_msgid;	/* cp_msgid_next() */
	uint32_t		 msgid_tag;
	ev_timer		 retry;		/* connect, reconnect */
	ev_timer		 resend;	/* outbox after a busy answer */
	ev_timer		 kick;		/* outbox, from the loop */
	ev_prepare		 marker;	/* the turn's MARK delivered */
	uint64_t		 mark_sid;	/* the newest MESSAGE to mark */
	struct {
		char		 group[CP_NICK_WIRE + 1];
		uint64_t	 sid;		/* the newest GMESSAGE */
		uint64_t	 read;		/* the newest read */
	}			 gmarks[GMARKS_MAX];	/* and of groups */
	size_t			 ngmarks;
	unsigned int		 failures;	/* attempts since the last login */
	enum cred_mode		 mode;
	char			 nick[NICK_MAX_BYTES];
	char			*pw;		/* sodium_malloc'd */
	uint8_t			 token[CP_TOKEN_LEN];
	int			 have_token;
	int			 want_token;
	int			 gave_up;
	int			 paused;	/* the server said slow down */
	char			*account;	/* nick from WELCOME */
	uint64_t		 login_id;
	struct obx		*ob_head, *ob_tail;
	size_t			 nob;
	struct pending		 pend[PENDING_MAX];
	uint64_t		*seen;
	size_t			 seen_pos;
	uint8_t			 seenkey[crypto_shorthash_KEYBYTES];
	uint8_t			 buf[CP_MAX_MSG + 1];
};

static void	cc_connect(struct chatclient *);
static int	cc_next_address(struct chatclient *, const char *);
static void	cc_flush_mark(struct chatclient *);

/* A fresh request or message id: random, never 0. */
static uint64_t
cc_id(void)
{
	uint64_t	id;

	do {
		randombytes_buf(&id, sizeof id);
	} while (id == 0);
	return id;
}

static void
cc_set_state(struct chatclient *c, enum chatclient_state st, enum cp_err code,
    const char *why)
{
	c->state = st;
	if (c->cb.state != NULL)
		c->cb.state(c, st, code, why, c->cb.arg);
}

/* Encode and send m on the session: 0, or -1 with errno. */
static int
cc_send(struct chatclient *c, const struct cp_msg *m)
{
	uint8_t	buf[CP_HDR_LEN + 8 + 2 + 256 + 2 + CP_TEXT_MAX + 64];
	size_t	n;

	if (c->s == NULL || !sess_is_up(c->s)) {
		errno = ENOTCONN;
		return -1;
	}
	if ((n = cp_encode(buf, sizeof buf, m)) == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	return sess_send(c->s, buf, n);
}

/* Send what is unsent in the outbox, in order, while the session takes it. */
static void
cc_flush_outbox(struct chatclient *c)
{
	struct obx	*o;
	struct cp_msg	 m;

	if (c->state != CHATCLIENT_READY || c->paused)
		return;
	for (o = c->ob_head; o != NULL; o = o->next) {
		if (o->sent)
			continue;
		memset(&m, 0, sizeof m);
		m.type = CP_SEND;
		m.id = o->id;
		m.nick.p = (const uint8_t *)o->to;
		m.nick.len = strlen(o->to);
		m.text.p = (const uint8_t *)o->text;
		m.text.len = o->len;
		if (cc_send(c, &m) == -1)
			break;
		o->sent = 1;
	}
}

/* Take message id out of the outbox; 1 if it was there. */
static int
cc_outbox_remove(struct chatclient *c, uint64_t id)
{
	struct obx	**pp, *o, *prev = NULL;

	/* Usually the head: answers come in order. */
	for (pp = &c->ob_head; (o = *pp) != NULL; prev = o, pp = &o->next) {
		if (o->id != id)
			continue;
		*pp = o->next;
		if (c->ob_tail == o)
			c->ob_tail = prev;
		c->nob--;
		return 1;
	}
	return 0;
}

/* Free an outbox entry after removal (found again by id). */
static void
cc_obx_free(struct obx *o)
{
	free(o->to);
	free(o->text);
	free(o);
}

/* Find an outbox entry by id. */
static struct obx *
cc_outbox_find(struct chatclient *c, uint64_t id)
{
	struct obx	*o;

	for (o = c->ob_head; o != NULL; o = o->next)
		if (o->id == id)
			return o;
	return NULL;
}

/* Remember a request's type until its answer comes. */
static void
cc_pending_add(struct chatclient *c, uint64_t id, enum cp_type type)
{
	size_t	i, oldest = 0;

	for (i = 0; i < PENDING_MAX; i++)
		if (c->pend[i].id == 0) {
			oldest = i;
			break;
		}
	free(c->pend[oldest].peer);
	c->pend[oldest].peer = NULL;
	c->pend[oldest].id = id;
	c->pend[oldest].type = type;
}

/* Remember the user a pending request names. */
static void
cc_pending_set_peer(struct chatclient *c, uint64_t id, const char *peer)
{
	size_t	i;

	for (i = 0; i < PENDING_MAX; i++)
		if (c->pend[i].id == id && id != 0) {
			free(c->pend[i].peer);
			c->pend[i].peer = xstrdup(peer);
		}
}

/* A copy of the user pending request id names (to free), or NULL. */
static char *
cc_pending_peer(struct chatclient *c, uint64_t id)
{
	size_t	i;

	for (i = 0; i < PENDING_MAX; i++)
		if (c->pend[i].id == id && id != 0 && c->pend[i].peer != NULL)
			return xstrdup(c->pend[i].peer);
	return NULL;
}

/* The type of the request id, forgetting it; 0 if unknown. */
static enum cp_type
cc_pending_take(struct chatclient *c, uint64_t id)
{
	enum cp_type	t;
	size_t		i;

	for (i = 0; i < PENDING_MAX; i++)
		if (c->pend[i].id == id && id != 0) {
			t = c->pend[i].type;
			c->pend[i].id = 0;
			free(c->pend[i].peer);
			c->pend[i].peer = NULL;
			return t;
		}
	return 0;
}

/* Send REGISTER or LOGIN with the credentials held. */
static void
cc_send_login(struct chatclient *c)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = c->mode == CRED_REGISTER ? CP_REGISTER : CP_LOGIN;
	m.id = c->login_id = cc_id();
	m.nick.p = (const uint8_t *)c->nick;
	m.nick.len = strlen(c->nick);
	if (c->mode == CRED_TOKEN) {
		m.flags = CPF_TOKEN;
		m.secret.p = c->token;
		m.secret.len = CP_TOKEN_LEN;
	} else {
		m.flags = c->want_token ? CPF_WANT_TOKEN : 0;
		m.secret.p = (const uint8_t *)c->pw;
		m.secret.len = strlen(c->pw);
		/* The new token's device (an older server reads no further
		 * than the secret, so it is only sent with a request). */
		if (c->want_token && c->device != NULL) {
			m.device.p = (const uint8_t *)c->device;
			m.device.len = strlen(c->device);
		}
	}
	if (c->conf.sync)
		m.flags |= CPF_SYNC;
	if (c->conf.send_only)
		m.flags |= CPF_SEND_ONLY;
	cc_set_state(c, CHATCLIENT_LOGGING_IN, CPE_NONE, "logging in");
	if (cc_send(c, &m) == -1)
		log_debug("chatclient: login: %s", strerror(errno));
}

/* Give up for good: close the session, report why. */
static void
cc_fail(struct chatclient *c, enum cp_err code, const char *why)
{
	c->gave_up = 1;
	ev_timer_stop(c->loop, &c->retry);
	ev_timer_stop(c->loop, &c->resend);
	ev_timer_stop(c->loop, &c->kick);
	ev_prepare_stop(c->loop, &c->marker);
	if (c->s != NULL) {
		sess_close(c->s);
		c->s = NULL;
	}
	cc_set_state(c, CHATCLIENT_FAILED, code, why);
}

double
chatclient_backoff(unsigned int failures, double u)
{
	double	range = BACKOFF_MIN;

	while (failures-- > 0 && range < BACKOFF_MAX)
		range *= 2;
	if (range > BACKOFF_MAX)
		range = BACKOFF_MAX;
	return range * u;
}

/*
 * Try again after a jittered backoff: connect, or log in again on the
 * session if it is still up.  Reported as DISCONNECTED with the reason,
 * once the timer is set (so chatclient_retry_in() tells when).
 */
static void
cc_retry_later(struct chatclient *c, enum cp_err code, const char *why)
{
	double	delay;

	ev_timer_stop(c->loop, &c->retry);
	delay = chatclient_backoff(c->failures, randombytes_uniform(1000000) /
	    1e6);
	if (c->failures < 32)
		c->failures++;
	ev_timer_set(&c->retry, delay, 0.);
	ev_timer_start(c->loop, &c->retry);
	log_debug("chatclient: %s; trying again in %.2f s", why, delay);
	cc_set_state(c, CHATCLIENT_DISCONNECTED, code, why);
}

static void
cc_on_welcome(struct chatclient *c, const struct cp_msg *m)
{
	struct obx	*o;

	free(c->account);
	c->account = xstrndup((const char *)m->nick.p, m->nick.len);
	if (m->secret.len == CP_TOKEN_LEN) {
		memcpy(c->token, m->secret.p, CP_TOKEN_LEN);
		c->have_token = 1;
	}
	/* Reconnects log in: with the token if there is one. */
	if (c->have_token)
		c->mode = CRED_TOKEN;
	else if (c->mode == CRED_REGISTER)
		c->mode = CRED_PASSWORD;
	c->want_token = 0;
	c->failures = 0;
	c->round = 0;
	c->paused = 0;
	ev_timer_stop(c->loop, &c->resend);
	for (o = c->ob_head; o != NULL; o = o->next)
		o->sent = 0;
	cc_set_state(c, CHATCLIENT_READY, CPE_NONE, "logged in");
	cc_flush_outbox(c);
}

/* An ERROR from the server. */
static void
cc_on_error(struct chatclient *c, const struct cp_msg *m)
{
	char		 detail[256];
	struct obx	*o;
	enum cp_type	 t;

	snprintf(detail, sizeof detail, "%.*s", (int)m->text.len,
	    (const char *)m->text.p);
	/* Signed out by the server: the password was changed, or this
	 * device revoked.  Final: the token is gone. */
	if (m->id == 0 && m->reqtype == 0 && m->code == CPE_BAD_TOKEN) {
		c->have_token = 0;
		cc_fail(c, CPE_BAD_TOKEN, m->text.len > 0 ? detail :
		    "signed out by the server");
		return;
	}
	/* Locked by the administrator: final too, but the token stays
	 * good for when the account is unlocked. */
	if (m->id == 0 && m->reqtype == 0 && m->code == CPE_LOCKED) {
		cc_fail(c, CPE_LOCKED, cp_strerror(CPE_LOCKED));
		return;
	}
	if (m->id != 0 && m->id == c->login_id) {
		c->login_id = 0;
		if (m->code == CPE_BAD_TOKEN && c->pw != NULL) {
			/* A revoked token: the password still works. */
			c->have_token = 0;
			c->mode = CRED_PASSWORD;
			cc_send_login(c);
			return;
		}
		/* Slow down, busy, a server in trouble: try again later, with
		 * a backoff that spreads a crowd out.  The rest are final. */
		if (m->code == CPE_RATE_LIMITED || m->code == CPE_BUSY ||
		    m->code == CPE_INTERNAL) {
			cc_retry_later(c, (enum cp_err)m->code,
			    m->text.len > 0 ? detail : cp_strerror(m->code));
			return;
		}
		/* The server's detail may say more than the code's text
		 * ("registrations from this address: ..."). */
		cc_fail(c, (enum cp_err)m->code, m->text.len > 0 ? detail :
		    cp_strerror(m->code));
		return;
	}
	if (m->reqtype == CP_SEND && (o = cc_outbox_find(c, m->id)) != NULL) {
		if (m->code == CPE_RATE_LIMITED || m->code == CPE_BUSY ||
		    m->code == CPE_INTERNAL) {
			/* Resend this one and all behind it, in order, after
			 * a pause; the server refuses those behind it until
			 * it sees this one again, so order holds. */
			c->deferrals++;
			for (; o != NULL; o = o->next)
				o->sent = 0;
			c->paused = 1;
			if (!ev_is_active(&c->resend))
				ev_timer_start(c->loop, &c->resend);
			return;
		}
		cc_outbox_remove(c, m->id);
		if (c->cb.result != NULL)
			c->cb.result(c, m->id, CP_SEND, (enum cp_err)m->code,
			    detail, c->cb.arg);
		cc_obx_free(o);
		return;
	}
	/*
	 * A refusal to retry, for a message no longer in the outbox: it
	 * answers an extra copy (sent again before an older refusal came
	 * back) of a message since accepted.  Nothing failed.
	 */
	if (m->reqtype == CP_SEND && (m->code == CPE_RATE_LIMITED ||
	    m->code == CPE_BUSY || m->code == CPE_INTERNAL))
		return;
	t = cc_pending_take(c, m->id);
	if (c->cb.result != NULL)
		c->cb.result(c, m->id, t != 0 ? t : (enum cp_type)m->reqtype,
		    (enum cp_err)m->code, detail, c->cb.arg);
}

/* Copy a wire string to buf + *off as a C string; where it went. */
static const char *
cc_strcopy(char *buf, size_t *off, const struct cp_str *s)
{
	char	*p = buf + *off;

	memcpy(p, s->p, s->len);
	p[s->len] = '\0';
	*off += s->len + 1;
	return p;
}

/* A ROSTER: hand its entries over as an array. */
static void
cc_on_roster(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_contact	*v;
	struct cp_str			 rest = m->entries;
	struct cp_entry			 e;
	char				*names;
	size_t				 n = 0, off = 0;

	cc_pending_take(c, m->id);
	v = xcalloc((size_t)m->count + 1, sizeof *v);
	names = xmalloc(m->entries.len + (size_t)m->count + 1);
	while (n < m->count && cp_entry_next(&rest, &e)) {
		v[n].nick = cc_strcopy(names, &off, &e.nick);
		v[n].presence = e.presence;
		v[n].last_seen_ms = e.last_seen;
		n++;
	}
	if (c->cb.roster != NULL)
		c->cb.roster(c, m->id, v, n, c->cb.arg);
	free(names);
	free(v);
}

/* A DEVICE_LIST: hand its entries over as an array. */
static void
cc_on_devices(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_device	*v;
	struct cp_str			 rest = m->entries;
	struct cp_device		 e;
	char				*s;
	size_t				 n = 0, off = 0;

	cc_pending_take(c, m->id);
	v = xcalloc((size_t)m->count + 1, sizeof *v);
	s = xmalloc(m->entries.len + 2 * (size_t)m->count + 1);
	while (n < m->count && cp_device_next(&rest, &e)) {
		v[n].id = e.id;
		v[n].last_seen_ms = e.last_seen;
		v[n].current = (e.flags & CPDF_CURRENT) != 0;
		v[n].online = (e.flags & CPDF_ONLINE) != 0;
		v[n].name = cc_strcopy(s, &off, &e.name);
		v[n].addr = cc_strcopy(s, &off, &e.addr);
		n++;
	}
	if (c->cb.devices != NULL)
		c->cb.devices(c, m->id, v, n, c->cb.arg);
	free(s);
	free(v);
}

/* A HISTORY_PAGE: hand its entries over as an array, with the peer
 * the request named. */
static void
cc_on_history(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_hist	*v;
	struct cp_str		 rest = m->entries;
	struct cp_hist		 h;
	char			*s, *peer;
	size_t			 n = 0, off = 0;

	peer = cc_pending_peer(c, m->id);
	cc_pending_take(c, m->id);
	v = xcalloc((size_t)m->count + 1, sizeof *v);
	s = xmalloc(m->entries.len + (size_t)m->count + 1);
	while (n < m->count && cp_hist_next(&rest, &h)) {
		v[n].sid = h.sid;
		v[n].msgid = h.msgid;
		v[n].time_ms = h.time;
		v[n].peer = peer != NULL ? peer : "";
		v[n].outgoing = (h.flags & CPHE_OUT) != 0;
		v[n].state = (h.flags & CPHE_READ) ? CPR_READ :
		    (h.flags & CPHE_DELIVERED) ? CPR_DELIVERED : CPR_ACCEPTED;
		v[n].read = !v[n].outgoing && (h.flags & CPHE_READ) != 0;
		v[n].len = h.text.len;
		v[n].text = cc_strcopy(s, &off, &h.text);
		n++;
	}
	if (c->cb.history != NULL)
		c->cb.history(c, m->id, peer != NULL ? peer : "", v, n,
		    (m->flags & CPH_MORE) != 0, c->cb.arg);
	free(peer);
	free(s);
	free(v);
}

/* Has the message with this key (bytes) been seen?  Remembers it if
 * not, among the last SEEN_MAX. */
static int
cc_seen_hash(struct chatclient *c, const uint8_t *in, size_t len)
{
	uint8_t		h[crypto_shorthash_BYTES];
	uint64_t	k;
	size_t		i;

	crypto_shorthash(h, in, len, c->seenkey);
	k = wire_get64(h);
	for (i = 0; i < SEEN_MAX; i++)
		if (c->seen[i] == k)
			return 1;
	c->seen[c->seen_pos] = k;
	c->seen_pos = (c->seen_pos + 1) % SEEN_MAX;
	return 0;
}

/* Has this group message been seen (by group, sender and id)? */
static int
cc_gseen(struct chatclient *c, const struct cp_msg *m)
{
	uint8_t		in[2 * CP_NICK_WIRE + 9];
	size_t		n = 0;

	memcpy(in, m->nick.p, m->nick.len);
	n += m->nick.len;
	in[n++] = 0;
	memcpy(in + n, m->target.p, m->target.len);
	n += m->target.len;
	wire_put64(in + n, m->id);
	return cc_seen_hash(c, in, n + 8);
}

/* Copy a decoded GMESSAGE or history entry's strings into g. */
static void
cc_gmsg_fill(struct chatclient_gmsg *g, char *buf, size_t *off,
    const struct cp_str *group, const struct cp_str *from,
    const struct cp_str *text)
{
	g->group = cc_strcopy(buf, off, group);
	g->from = cc_strcopy(buf, off, from);
	g->text = cc_strcopy(buf, off, text);
	g->len = text->len;
}

/*
 * The turn's marks of group name (len bytes): its slot, made if new (a
 * group more than the turn holds: those so far are sent now), and the
 * marks are sent before the loop waits.
 */
static size_t
cc_gmark_slot(struct chatclient *c, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < c->ngmarks; i++)
		if (strlen(c->gmarks[i].group) == len &&
		    memcmp(c->gmarks[i].group, name, len) == 0)
			break;
	if (i == c->ngmarks && i == GMARKS_MAX) {
		cc_flush_mark(c);
		i = c->ngmarks;
	}
	if (i == c->ngmarks) {
		i = c->ngmarks++;
		memcpy(c->gmarks[i].group, name, len);
		c->gmarks[i].group[len] = '\0';
		c->gmarks[i].sid = c->gmarks[i].read = 0;
	}
	ev_prepare_start(c->loop, &c->marker);
	return i;
}

/* A group's message: shown once, marked delivered this turn. */
static void
cc_on_gmessage(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_gmsg	 g;
	char			*buf;
	size_t			 i, off = 0;

	if (c->conf.send_only)
		return;
	i = cc_gmark_slot(c, (const char *)m->nick.p, m->nick.len);
	if (m->sid > c->gmarks[i].sid)
		c->gmarks[i].sid = m->sid;
	if (cc_gseen(c, m) || c->cb.gmessage == NULL)
		return;
	memset(&g, 0, sizeof g);
	buf = xmalloc(m->nick.len + m->target.len + m->text.len + 3);
	g.sid = m->sid;
	g.msgid = m->id;
	g.time_ms = m->time;
	g.kind = (enum cp_group_event)m->value;
	cc_gmsg_fill(&g, buf, &off, &m->nick, &m->target, &m->text);
	c->cb.gmessage(c, &g, c->cb.arg);
	free(buf);
}

/* A GROUP_INFO: hand its entries over as an array. */
static void
cc_on_group_info(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_gentry	*v;
	struct cp_str			 rest = m->entries;
	struct cp_entry			 e;
	char				*s, *group, *topic;
	size_t				 n = 0, off = 0;

	cc_pending_take(c, m->id);
	v = xcalloc((size_t)m->count + 1, sizeof *v);
	s = xmalloc(m->entries.len + (size_t)m->count + m->nick.len +
	    m->text.len + 3);
	group = (char *)cc_strcopy(s, &off, &m->nick);
	topic = (char *)cc_strcopy(s, &off, &m->text);
	while (n < m->count && cp_gentry_next(&rest, &e)) {
		v[n].name = cc_strcopy(s, &off, &e.nick);
		v[n].flags = e.presence;
		v[n].value = e.last_seen;
		n++;
	}
	if (c->cb.group_info != NULL)
		c->cb.group_info(c, m->id, group, m->flags, topic, v, n,
		    c->cb.arg);
	free(s);
	free(v);
}

/* A GHISTORY_PAGE: the group's messages, oldest first. */
static void
cc_on_ghistory(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_gmsg	*v;
	struct cp_str		 rest = m->entries, grp;
	struct cp_ghist		 h;
	char			*s, *peer;
	size_t			 n = 0, off = 0;

	peer = cc_pending_peer(c, m->id);
	cc_pending_take(c, m->id);
	grp.p = (const uint8_t *)(peer != NULL ? peer : "");
	grp.len = strlen((const char *)grp.p);
	v = xcalloc((size_t)m->count + 1, sizeof *v);
	s = xmalloc(m->entries.len + (size_t)m->count * (grp.len + 3) + 1);
	while (n < m->count && cp_ghist_next(&rest, &h)) {
		v[n].sid = h.sid;
		v[n].msgid = h.msgid;
		v[n].time_ms = h.time;
		v[n].kind = (enum cp_group_event)h.kind;
		cc_gmsg_fill(&v[n], s, &off, &grp, &h.from, &h.text);
		n++;
	}
	if (c->cb.ghistory != NULL)
		c->cb.ghistory(c, m->id, (const char *)grp.p, v, n,
		    (m->flags & CPH_MORE) != 0, c->cb.arg);
	free(peer);
	free(s);
	free(v);
}

/* A carbon: a message this account sent on another device. */
static void
cc_on_sent(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_hist	h;
	char			peer[CP_NICK_WIRE + 1];
	char			*text;

	if (c->cb.sent == NULL)
		return;
	memcpy(peer, m->nick.p, m->nick.len);
	peer[m->nick.len] = '\0';
	text = xmalloc(m->text.len + 1);
	memcpy(text, m->text.p, m->text.len);
	text[m->text.len] = '\0';
	memset(&h, 0, sizeof h);
	h.sid = m->sid;
	h.msgid = m->id;
	h.time_ms = m->time;
	h.peer = peer;
	h.outgoing = 1;
	h.state = CPR_ACCEPTED;
	h.text = text;
	h.len = m->text.len;
	c->cb.sent(c, &h, c->cb.arg);
	free(text);
}

/*
 * Has this incoming message been seen?  Remembers it if not.  A message is
 * its sender and the id the sender chose: the same message can come again
 * under a new server id if the server crashed after passing it on and
 * before storing it, and the sender resent it.  The key is a SipHash
 * keyed per client, so no sender can aim a collision at another's.
 */
static int
cc_seen(struct chatclient *c, const struct cp_msg *m)
{
	uint8_t			 in[CP_NICK_WIRE + 8];

	memcpy(in, m->nick.p, m->nick.len);
	wire_put64(in + m->nick.len, m->id);
	return cc_seen_hash(c, in, m->nick.len + 8);
}

/*
 * MARK delivered is cumulative (every message up to sid): one per loop
 * turn, for the newest MESSAGE of the turn, sent before the loop waits.
 * A group's marks likewise, read ones too: one GMARK read, which marks
 * delivered as well, when what was read reaches the turn's newest.
 */
static void
cc_flush_mark(struct chatclient *c)
{
	struct cp_msg	r;
	size_t		i;

	ev_prepare_stop(c->loop, &c->marker);
	for (i = 0; i < c->ngmarks; i++) {
		memset(&r, 0, sizeof r);
		r.type = CP_GMARK;
		r.nick.p = (const uint8_t *)c->gmarks[i].group;
		r.nick.len = strlen(c->gmarks[i].group);
		if (c->gmarks[i].sid > c->gmarks[i].read) {
			r.flags = CPR_DELIVERED;
			r.sid = c->gmarks[i].sid;
			cc_send(c, &r);
		}
		if (c->gmarks[i].read != 0) {
			r.flags = CPR_READ;
			r.sid = c->gmarks[i].read;
			cc_send(c, &r);
		}
	}
	c->ngmarks = 0;
	if (c->mark_sid != 0) {
		memset(&r, 0, sizeof r);
		r.type = CP_MARK;
		r.flags = CPR_DELIVERED;
		r.sid = c->mark_sid;
		c->mark_sid = 0;
		cc_send(c, &r);
	}
	/* Now, with the turn's ACKs: a flusher started from inside the
	 * prepare phase would wait for the loop's next wakeup, and
	 * chatclient_free()'s CLOSE would go without them. */
	if (c->ep != NULL)
		sess_ep_flush(c->ep);
}

static void
cc_marker_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	cc_flush_mark(w->data);
}

static void
cc_on_message(struct chatclient *c, const struct cp_msg *m)
{
	struct chatclient_msg	 msg;
	char			 from[CP_NICK_WIRE + 1];
	int			 dup;

	/* An older server sends them anyway: not shown, so not marked. */
	if (c->conf.send_only)
		return;
	dup = cc_seen(c, m);
	/* Acknowledged (marked delivered) even if a repeat, this turn. */
	if (m->sid > c->mark_sid)
		c->mark_sid = m->sid;
	ev_prepare_start(c->loop, &c->marker);
	if (dup || c->cb.message == NULL)
		return;
	memcpy(from, m->nick.p, m->nick.len);
	from[m->nick.len] = '\0';
	memcpy(c->buf, m->text.p, m->text.len);
	c->buf[m->text.len] = '\0';
	msg.sid = m->sid;
	msg.time_ms = m->time;
	msg.from = from;
	msg.text = (const char *)c->buf;
	msg.len = m->text.len;
	c->cb.message(c, &msg, c->cb.arg);
}

/*
 * A message before the login's WELCOME breaks docs/PROTOCOL.md (5.2):
 * taken all the same, whose it is being clear from the login, but said,
 * so that a server that does it is noticed.
 */
static void
cc_early(const struct chatclient *c, const struct cp_msg *m)
{
	if (c->state != CHATCLIENT_READY)
		log_warnx("chatclient: %s before the login's WELCOME (a server "
		    "fault)", cp_typename(m->type));
}

/* One chat message from the server. */
static void
cc_sess_message(struct sess *s, const uint8_t *buf, size_t len, void *arg)
{
	struct chatclient		*c = arg;
	struct chatclient_contact	 ct;
	struct obx			*o;
	struct cp_msg			 m;
	enum cp_type			 t;
	char				 nick[CP_NICK_WIRE + 1];

	if (s != c->s)
		return;
	if (cp_decode(buf, len, &m) != CPE_NONE) {
		log_debug("chatclient: malformed %s message from the server",
		    cp_typename(m.type));
		return;
	}
	switch (m.type) {
	case CP_WELCOME:
		if (m.id == c->login_id)
			cc_on_welcome(c, &m);
		break;
	case CP_ERROR:
		cc_on_error(c, &m);
		break;
	case CP_OK:
		t = cc_pending_take(c, m.id);
		if (c->cb.result != NULL)
			c->cb.result(c, m.id, t, CPE_NONE, "ok", c->cb.arg);
		/* Deleted: nothing to log in to any more. */
		if (t == CP_DELETE_ACCOUNT) {
			c->have_token = 0;
			cc_fail(c, CPE_UNKNOWN_USER, "the account was deleted");
		}
		break;
	case CP_ACCEPTED:
		if ((o = cc_outbox_find(c, m.id)) == NULL)
			break;
		cc_outbox_remove(c, m.id);
		cc_obx_free(o);
		if (c->cb.accepted != NULL)
			c->cb.accepted(c, m.id, m.sid, m.time,
			    (enum cp_receipt)m.flags, c->cb.arg);
		cc_flush_outbox(c);
		break;
	case CP_MESSAGE:
		cc_early(c, &m);
		cc_on_message(c, &m);
		break;
	case CP_RECEIPT:
		if (c->cb.receipt != NULL)
			c->cb.receipt(c, m.id, (enum cp_receipt)m.flags,
			    c->cb.arg);
		break;
	case CP_ROSTER:
		cc_on_roster(c, &m);
		break;
	case CP_DEVICE_LIST:
		cc_on_devices(c, &m);
		break;
	case CP_SETTINGS_ARE:
		cc_pending_take(c, m.id);
		if (c->cb.settings != NULL)
			c->cb.settings(c, m.id, m.flags, c->cb.arg);
		break;
	case CP_HISTORY_PAGE:
		cc_on_history(c, &m);
		break;
	case CP_SENT:
		cc_on_sent(c, &m);
		break;
	case CP_READ_UPTO:
		memcpy(nick, m.nick.p, m.nick.len);
		nick[m.nick.len] = '\0';
		if (c->cb.read_upto != NULL)
			c->cb.read_upto(c, nick, m.sid, c->cb.arg);
		break;
	case CP_CONTACTS_CHANGED:
		if (c->cb.contacts_changed != NULL)
			c->cb.contacts_changed(c, m.flags, c->cb.arg);
		break;
	case CP_GMESSAGE:
		cc_early(c, &m);
		cc_on_gmessage(c, &m);
		break;
	case CP_GROUP_INFO:
		cc_on_group_info(c, &m);
		break;
	case CP_GHISTORY_PAGE:
		cc_on_ghistory(c, &m);
		break;
	case CP_GRECEIPT:
	case CP_GROUP_CHANGED:
		memcpy(nick, m.nick.p, m.nick.len);
		nick[m.nick.len] = '\0';
		if (m.type == CP_GRECEIPT && c->cb.greceipt != NULL)
			c->cb.greceipt(c, nick, m.id, m.n[0], m.n[1], m.n[2],
			    c->cb.arg);
		else if (m.type == CP_GROUP_CHANGED &&
		    c->cb.group_changed != NULL)
			c->cb.group_changed(c, nick, m.flags, c->cb.arg);
		break;
	case CP_PRESENCE:
	case CP_TYPING_FROM:
		memcpy(nick, m.nick.p, m.nick.len);
		nick[m.nick.len] = '\0';
		if (m.type == CP_TYPING_FROM) {
			if (c->cb.typing != NULL)
				c->cb.typing(c, nick, c->cb.arg);
			break;
		}
		ct.nick = nick;
		ct.presence = (enum cp_presence)m.flags;
		ct.last_seen_ms = m.time;
		if (c->cb.presence != NULL)
			c->cb.presence(c, &ct, c->cb.arg);
		break;
	default:
		break;
	}
}

static void
cc_sess_up(struct sess *s, void *arg)
{
	struct chatclient	*c = arg;

	if (s == c->s)
		cc_send_login(c);
}

static const char *
cc_reason(enum sess_reason why)
{
	switch (why) {
	case SESS_CLOSED:
		return "closed";
	case SESS_PEER_CLOSED:
		return "closed by the server";
	case SESS_TIMEOUT:
		return "server not responding";
	case SESS_HANDSHAKE_TIMEOUT:
		return "no answer from the server";
	case SESS_KEY_CHANGED:
		return "the server's key does not match the pinned key";
	case SESS_PROTOCOL:
		return "protocol error";
	case SESS_EXHAUSTED:
		return "session exhausted";
	case SESS_PEER_ELSEWHERE:
		return "the server cannot serve now; another of the service's "
		    "addresses is tried";
	}
	return "lost";
}

static void
cc_sess_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct chatclient	*c = arg;
	struct obx		*o;

	if (s != c->s)
		return;
	c->s = NULL;
	c->login_id = 0;
	/* Not marked: the next session's login gives them again. */
	c->mark_sid = 0;
	for (o = c->ob_head; o != NULL; o = o->next)
		o->sent = 0;
	/* The endpoint is freed from the retry timer, not in here. */
	c->old_ep = c->ep;
	c->old_fd = c->fd;
	c->ep = NULL;
	c->fd = -1;
	if (c->gave_up)
		return;
	if (why == SESS_KEY_CHANGED || !c->conf.reconnect) {
		cc_fail(c, CPE_NONE, cc_reason(why));
		ev_timer_set(&c->retry, 0., 0.);
		ev_timer_start(c->loop, &c->retry);	/* to free the ep */
		return;
	}
	/* An address that stopped answering: the next one at once, and
	 * the backoff only after a whole round of them. */
	if ((why == SESS_TIMEOUT || why == SESS_HANDSHAKE_TIMEOUT ||
	    why == SESS_PEER_ELSEWHERE) && cc_next_address(c,
	    cc_reason(why))) {
		ev_timer_stop(c->loop, &c->retry);
		ev_timer_set(&c->retry, 0., 0.);
		ev_timer_start(c->loop, &c->retry);
		cc_set_state(c, CHATCLIENT_DISCONNECTED, CPE_NONE,
		    cc_reason(why));
		return;
	}
	/* A login already waiting to be retried connects when it is due. */
	if (ev_is_active(&c->retry)) {
		cc_set_state(c, CHATCLIENT_DISCONNECTED, CPE_NONE,
		    cc_reason(why));
		return;
	}
	cc_retry_later(c, CPE_NONE, cc_reason(why));
}

/*
 * Leave the address in use for the next one of the list, after it failed
 * for why: 1 if there is one not yet tried in this round, 0 once all of
 * them have failed since the last login (then the round starts again).
 */
static int
cc_next_address(struct chatclient *c, const char *why)
{
	char	from[ADDR_STRLEN], to[ADDR_STRLEN];

	if (c->naddrs < 2)
		return 0;
	addr_str((struct sockaddr *)&c->addrs[c->cur].ss, from, sizeof from);
	c->cur = (c->cur + 1) % c->naddrs;
	addr_str((struct sockaddr *)&c->addrs[c->cur].ss, to, sizeof to);
	log_debug("chatclient: %s: %s; next %s", from, why, to);
	if (++c->round < c->naddrs)
		return 1;
	c->round = 0;
	return 0;
}

/* Free the endpoint of a lost session. */
static void
cc_reap(struct chatclient *c)
{
	if (c->old_ep != NULL) {
		sess_ep_free(c->old_ep);
		c->old_ep = NULL;
	}
	if (c->old_fd != -1) {
		close(c->old_fd);
		c->old_fd = -1;
	}
}

/* Open a socket and an endpoint and start the handshake. */
static void
cc_connect(struct chatclient *c)
{
	struct sess_conf	sc;
	struct sess_cb		cb = { cc_sess_up, cc_sess_message,
				    cc_sess_lost, c };
	char			err[256];

	cc_reap(c);
	if ((c->fd = udp_client((struct sockaddr *)&c->addrs[c->cur].ss, err,
	    sizeof err)) == -1) {
		/* No socket of this family here: another address may do. */
		if (cc_next_address(c, err)) {
			ev_timer_set(&c->retry, 0., 0.);
			ev_timer_start(c->loop, &c->retry);
			return;
		}
		cc_fail(c, CPE_NONE, err);
		return;
	}
	sess_conf_default(&sc);
	/* A short first retry: on a lossy path a lost HELLO or login costs
	 * a quarter of a second, not a whole one (the backoff doubles). */
	sc.rto_init_ms = CONNECT_RTO_MS;
	sc.rto_max_ms = CLIENT_RTO_MAX_MS;
	sc.keepalive_ms = c->conf.keepalive_ms;
	sc.dead_ms = c->conf.dead_ms;
	if (sc.handshake_ms > c->conf.dead_ms * 2)
		sc.handshake_ms = c->conf.dead_ms * 2;
	/* With other addresses to go to, a silent one is left as soon as
	 * a live session would have been given up. */
	if (c->naddrs > 1)
		sc.handshake_ms = c->conf.dead_ms;
	/* The pin is the service's (the server as given), whichever of its
	 * addresses answers. */
	c->ep = sess_client_new(c->loop, c->fd,
	    (struct sockaddr *)&c->addrs[c->cur].ss, c->addrs[c->cur].len,
	    c->server, c->pinfile, &sc, &cb);
	/*
	 * The ACKs of what a turn received wait for the turn's marks,
	 * which cc_flush_mark() sends with them: one datagram back to the
	 * server where there were two.
	 */
	if (c->ep != NULL)
		sess_ep_coalesce(c->ep, 1);
	cc_set_state(c, CHATCLIENT_CONNECTING, CPE_NONE, "connecting");
	c->s = sess_connect(c->ep);
}

static void
cc_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct chatclient	*c = w->data;

	if (c->gave_up) {
		cc_reap(c);
		return;
	}
	if (c->s != NULL && sess_is_up(c->s)) {
		cc_send_login(c);
		return;
	}
	cc_connect(c);
}

static void
cc_resend_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct chatclient	*c = w->data;

	if (w == &c->resend)
		c->paused = 0;
	cc_flush_outbox(c);
}

void
chatclient_conf_default(struct chatclient_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->server = CHATCLIENT_DEFAULT_SERVER;
	conf->reconnect = 1;
	conf->keepalive_ms = 1500;
	conf->dead_ms = 9000;
}

struct chatclient *
chatclient_new(struct ev_loop *loop, const struct chatclient_conf *conf,
    const struct chatclient_cb *cb, char *err, size_t errlen)
{
	struct chatclient	*c;
	struct chatclient_conf	 def;
	int			 n;

	if (conf == NULL) {
		chatclient_conf_default(&def);
		conf = &def;
	}
	c = xcalloc(1, sizeof *c);
	c->conf = *conf;
	c->msgid_tag = randombytes_random();
	c->server = xstrdup(conf->server != NULL ? conf->server :
	    CHATCLIENT_DEFAULT_SERVER);
	c->pinfile = conf->pinfile != NULL ? xstrdup(conf->pinfile) : NULL;
	c->device = conf->device != NULL && conf->device[0] != '\0' ?
	    xstrndup(conf->device, CP_NICK_WIRE) : NULL;
	c->conf.device = NULL;
	if (c->conf.keepalive_ms == 0)
		c->conf.keepalive_ms = 1500;
	if (c->conf.dead_ms <= c->conf.keepalive_ms)
		c->conf.dead_ms = c->conf.keepalive_ms * 3;
	if ((n = addr_parse_list(c->server, CHATCLIENT_DEFAULT_PORT, c->addrs,
	    CHATCLIENT_SERVERS_MAX, err, errlen)) < 1) {
		free(c->server);
		free(c->pinfile);
		free(c->device);
		free(c);
		return NULL;
	}
	c->naddrs = (size_t)n;
	c->loop = loop;
	if (cb != NULL)
		c->cb = *cb;
	c->fd = c->old_fd = -1;
	c->seen = xcalloc(SEEN_MAX, sizeof *c->seen);
	if (sodium_init() == -1)
		fatalx("libsodium cannot start");
	crypto_shorthash_keygen(c->seenkey);
	ev_timer_init(&c->retry, cc_retry_cb, 0., 0.);
	c->retry.data = c;
	ev_timer_init(&c->resend, cc_resend_cb, RESEND_DELAY, 0.);
	c->resend.data = c;
	ev_timer_init(&c->kick, cc_resend_cb, 0., 0.);
	c->kick.data = c;
	ev_prepare_init(&c->marker, cc_marker_cb);
	c->marker.data = c;
	c->state = CHATCLIENT_DISCONNECTED;
	return c;
}

void
chatclient_free(struct chatclient *c)
{
	struct obx	*o;
	size_t		 i;

	if (c == NULL)
		return;
	ev_timer_stop(c->loop, &c->retry);
	ev_timer_stop(c->loop, &c->resend);
	ev_timer_stop(c->loop, &c->kick);
	cc_flush_mark(c);
	c->gave_up = 1;
	if (c->s != NULL)
		sess_close(c->s);
	if (c->ep != NULL) {
		/* Let the CLOSE out before the endpoint goes. */
		sess_ep_free(c->ep);
		close(c->fd);
	}
	cc_reap(c);
	while ((o = c->ob_head) != NULL) {
		c->ob_head = o->next;
		cc_obx_free(o);
	}
	if (c->pw != NULL)
		sodium_free(c->pw);
	sodium_memzero(c->token, sizeof c->token);
	free(c->account);
	free(c->seen);
	free(c->device);
	free(c->server);
	free(c->pinfile);
	for (i = 0; i < PENDING_MAX; i++)
		free(c->pend[i].peer);
	free(c);
}

/* Keep credentials and start connecting. */
static int
cc_credentials(struct chatclient *c, enum cred_mode mode, const char *nick,
    const char *pw, const uint8_t *token, int want_token)
{
	size_t	n;

	/* A new name must meet today's rules; an existing account is
	 * found by the rules it was registered under (nick_lookup). */
	if ((mode == CRED_REGISTER ? nick_normalize(nick, strlen(nick),
	    c->nick, NULL) : nick_lookup(nick, strlen(nick), c->nick, NULL)) !=
	    NICK_OK) {
		errno = EINVAL;
		return -1;
	}
	if (pw != NULL) {
		n = strlen(pw);
		if (n == 0 || n > CP_SECRET_MAX) {
			errno = EINVAL;
			return -1;
		}
		if (c->pw != NULL)
			sodium_free(c->pw);
		c->pw = sodium_malloc(n + 1);
		if (c->pw == NULL)
			fatalx("sodium_malloc failed");
		memcpy(c->pw, pw, n + 1);
	}
	if (token != NULL) {
		memcpy(c->token, token, CP_TOKEN_LEN);
		c->have_token = 1;
	}
	c->mode = mode;
	c->want_token = want_token;
	c->gave_up = 0;
	if (c->s != NULL && sess_is_up(c->s)) {
		cc_send_login(c);
		return 0;
	}
	if (c->ep == NULL && !ev_is_active(&c->retry)) {
		ev_timer_set(&c->retry, 0., 0.);
		ev_timer_start(c->loop, &c->retry);
	}
	return 0;
}

int
chatclient_login(struct chatclient *c, const char *nick, const char *pw,
    int want_token)
{
	return cc_credentials(c, CRED_PASSWORD, nick, pw, NULL, want_token);
}

int
chatclient_login_token(struct chatclient *c, const char *nick,
    const uint8_t token[CP_TOKEN_LEN])
{
	return cc_credentials(c, CRED_TOKEN, nick, NULL, token, 0);
}

int
chatclient_register(struct chatclient *c, const char *nick, const char *pw,
    int want_token)
{
	return cc_credentials(c, CRED_REGISTER, nick, pw, NULL, want_token);
}

int
chatclient_token(const struct chatclient *c, uint8_t token[CP_TOKEN_LEN])
{
	if (!c->have_token)
		return 0;
	memcpy(token, c->token, CP_TOKEN_LEN);
	return 1;
}

const char *
chatclient_nick(const struct chatclient *c)
{
	return c->state == CHATCLIENT_READY ? c->account : NULL;
}

enum chatclient_state
chatclient_state(const struct chatclient *c)
{
	return c->state;
}

const char *
chatclient_address(const struct chatclient *c, char *buf, size_t len,
    size_t *i, size_t *n)
{
	if (i != NULL)
		*i = c->cur;
	if (n != NULL)
		*n = c->naddrs;
	return addr_str((const struct sockaddr *)&c->addrs[c->cur].ss, buf,
	    len);
}

double
chatclient_retry_in(const struct chatclient *c)
{
	if (c->gave_up || !ev_is_active(&c->retry))
		return -1;
	return ev_timer_remaining(c->loop, (ev_timer *)&c->retry);
}

int
chatclient_send_id(struct chatclient *c, uint64_t id, const char *nick,
    const char *text, size_t len)
{
	struct obx	*o;
	char		 disp[NICK_MAX_BYTES];

	/* A group is "#" and a name. */
	if (id == 0 || (nick[0] == '#' ? nick_lookup(nick + 1,
	    strlen(nick + 1), disp + 1, NULL) : nick_lookup(nick,
	    strlen(nick), disp, NULL)) != NICK_OK) {
		errno = EINVAL;
		return -1;
	}
	if (nick[0] == '#')
		disp[0] = '#';
	if (len == 0 || len > CP_TEXT_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	switch (cp_text_check((const uint8_t *)text, len)) {
	case CPE_NONE:
		break;
	case CPE_CONTROL:
		errno = EBADMSG;
		return -1;
	default:
		errno = EILSEQ;
		return -1;
	}
	o = xcalloc(1, sizeof *o);
	o->id = id;
	o->to = xstrdup(disp);
	o->text = xmalloc(len);
	memcpy(o->text, text, len);
	o->len = len;
	if (c->ob_tail != NULL)
		c->ob_tail->next = o;
	else
		c->ob_head = o;
	c->ob_tail = o;
	c->nob++;
	/* Sent from the loop, not from inside this call. */
	if (c->state == CHATCLIENT_READY)
		ev_timer_start(c->loop, &c->kick);
	return 0;
}

uint64_t
chatclient_send(struct chatclient *c, const char *nick, const char *text,
    size_t len)
{
	uint64_t	id;

	id = cp_msgid_next(&c->last_msgid, c->msgid_tag, clock_wall_ms());
	return chatclient_send_id(c, id, nick, text, len) == 0 ? id : 0;
}

size_t
chatclient_outbox(const struct chatclient *c)
{
	return c->nob;
}

uint64_t
chatclient_deferrals(const struct chatclient *c)
{
	return c->deferrals;
}

size_t
chatclient_unacked(const struct chatclient *c)
{
	/* A MARK delivered waiting for the end of the turn counts. */
	return (c->s != NULL ? sess_queued(c->s) : 0) +
	    ((c->mark_sid != 0 || c->ngmarks > 0) && c->s != NULL);
}

int
chatclient_mark_read(struct chatclient *c, uint64_t sid)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_MARK;
	m.flags = CPR_READ;
	m.sid = sid;
	return cc_send(c, &m);
}

/* Send a request that needs READY and remember its type. */
static uint64_t
cc_request(struct chatclient *c, struct cp_msg *m)
{
	if (c->state != CHATCLIENT_READY) {
		errno = ENOTCONN;
		return 0;
	}
	m->id = cc_id();
	if (cc_send(c, m) == -1)
		return 0;
	cc_pending_add(c, m->id, (enum cp_type)m->type);
	return m->id;
}

uint64_t
chatclient_contacts(struct chatclient *c, enum cp_contacts_op op,
    const char *nick)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_CONTACTS;
	m.flags = (uint8_t)op;
	if (op != CPC_LIST && op != CPC_REQUESTS && op != CPC_BLOCKED) {
		if (nick == NULL || strlen(nick) > CP_NICK_WIRE) {
			errno = EINVAL;
			return 0;
		}
		m.nick.p = (const uint8_t *)nick;
		m.nick.len = strlen(nick);
	}
	return cc_request(c, &m);
}

uint64_t
chatclient_settings(struct chatclient *c, unsigned int mask,
    unsigned int values)
{
	struct cp_msg	m;

	if ((mask & ~CPS_ALL) != 0 || (values & ~mask) != 0) {
		errno = EINVAL;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_SETTINGS;
	m.flags = (uint8_t)mask;
	m.value = (uint8_t)values;
	return cc_request(c, &m);
}

uint64_t
chatclient_devices(struct chatclient *c)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_DEVICES;
	m.flags = CPD_LIST;
	return cc_request(c, &m);
}

uint64_t
chatclient_device_revoke(struct chatclient *c, uint64_t device)
{
	struct cp_msg	m;

	if (device == 0) {
		errno = EINVAL;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_DEVICES;
	m.flags = CPD_REVOKE;
	m.sid = device;
	return cc_request(c, &m);
}

uint64_t
chatclient_who(struct chatclient *c)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_WHO;
	return cc_request(c, &m);
}

uint64_t
chatclient_passwd(struct chatclient *c, const char *old, const char *pw)
{
	struct cp_msg	m;
	size_t		n;
	uint64_t	id;

	if (strlen(old) > CP_SECRET_MAX || (n = strlen(pw)) == 0 ||
	    n > CP_SECRET_MAX) {
		errno = EINVAL;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_PASSWD;
	m.secret.p = (const uint8_t *)old;
	m.secret.len = strlen(old);
	m.secret2.p = (const uint8_t *)pw;
	m.secret2.len = n;
	if ((id = cc_request(c, &m)) != 0) {
		/* Reconnects use the new password; tokens are revoked. */
		if (c->pw != NULL)
			sodium_free(c->pw);
		c->pw = sodium_malloc(n + 1);
		if (c->pw == NULL)
			fatalx("sodium_malloc failed");
		memcpy(c->pw, pw, n + 1);
		c->have_token = 0;
		c->mode = CRED_PASSWORD;
	}
	return id;
}

uint64_t
chatclient_history(struct chatclient *c, const char *nick, uint64_t before,
    unsigned int limit)
{
	struct cp_msg	m;
	uint64_t	id;

	if (nick == NULL || *nick == '\0' || strlen(nick) > CP_NICK_WIRE ||
	    limit == 0 || limit > 255) {
		errno = EINVAL;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_HISTORY;
	m.nick.p = (const uint8_t *)nick;
	m.nick.len = strlen(nick);
	m.sid = before;
	m.value = (uint8_t)limit;
	if ((id = cc_request(c, &m)) != 0)
		cc_pending_set_peer(c, id, nick);
	return id;
}

uint64_t
chatclient_group(struct chatclient *c, enum cp_group_op op, const char *group,
    const char *target, uint64_t sid, const char *text)
{
	struct cp_msg	m;

	if ((op != CPG_LIST && (group == NULL || group[0] != '#' ||
	    strlen(group) > CP_NICK_WIRE)) || (target != NULL &&
	    strlen(target) > CP_NICK_WIRE) || (text != NULL &&
	    strlen(text) > CP_TEXT_MAX) || op > CPG_MAX) {
		errno = EINVAL;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_GROUP;
	m.flags = (uint8_t)op;
	if (group != NULL && op != CPG_LIST) {
		m.nick.p = (const uint8_t *)group;
		m.nick.len = strlen(group);
	}
	if (target != NULL) {
		m.target.p = (const uint8_t *)target;
		m.target.len = strlen(target);
	}
	m.sid = sid;
	if (text != NULL) {
		m.text.p = (const uint8_t *)text;
		m.text.len = strlen(text);
	}
	return cc_request(c, &m);
}

int
chatclient_gmark_read(struct chatclient *c, const char *group, uint64_t sid)
{
	size_t	i;

	if (group == NULL || group[0] != '#' || strlen(group) > CP_NICK_WIRE ||
	    sid == 0) {
		errno = EINVAL;
		return -1;
	}
	if (c->state != CHATCLIENT_READY) {
		errno = ENOTCONN;
		return -1;
	}
	/* Sent with the turn's marks: one for all read in this turn. */
	i = cc_gmark_slot(c, group, strlen(group));
	if (sid > c->gmarks[i].read)
		c->gmarks[i].read = sid;
	/* Called from the application's own prepare watcher (chat-tui
	 * draws, then marks what it showed), the marker just started
	 * would wait for the next wakeup: run it in this one. */
	ev_feed_event(c->loop, &c->marker, EV_PREPARE);
	return 0;
}

uint64_t
chatclient_delete_account(struct chatclient *c, const char *password)
{
	struct cp_msg	m;

	if (password == NULL || *password == '\0' ||
	    strlen(password) > CP_SECRET_MAX) {
		errno = EINVAL;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_DELETE_ACCOUNT;
	m.secret.p = (const uint8_t *)password;
	m.secret.len = strlen(password);
	return cc_request(c, &m);
}

int
chatclient_typing(struct chatclient *c, const char *nick)
{
	struct cp_msg	m;

	if (strlen(nick) > CP_NICK_WIRE) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_TYPING;
	m.nick.p = (const uint8_t *)nick;
	m.nick.len = strlen(nick);
	return cc_send(c, &m);
}

int
chatclient_away(struct chatclient *c, int away)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_AWAY;
	m.flags = away ? CPP_AWAY : CPP_ONLINE;
	return cc_send(c, &m);
}

const char *
chatclient_statename(enum chatclient_state st)
{
	switch (st) {
	case CHATCLIENT_CONNECTING:
		return "connecting";
	case CHATCLIENT_LOGGING_IN:
		return "logging in";
	case CHATCLIENT_READY:
		return "ready";
	case CHATCLIENT_DISCONNECTED:
		return "disconnected";
	case CHATCLIENT_FAILED:
		return "failed";
	}
	return "?";
}
