/*
 * device.c: an account's devices (device.h).  Uses the store (tokens,
 * registrations), user.c (the account's sessions), client.c, outq.c and
 * the session layer (closing a session).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "device.h"
#include "outq.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "sess/session.h"

#define DAY_MS		86400000ULL
#define LIST_MAX	60000		/* bytes of DEVICE_LIST entries */
#define SIGNOUT_NS	2000000000ULL	/* longest wait for the notice */
#define SIGNOUT_EVERY	0.05		/* seconds between looks */

/* What a device list is built in. */
struct device_list {
	struct client	*c;
	uint8_t		*buf;
	size_t		 len;
	uint16_t	 count;
};

uint64_t
device_idle_since(const struct server *srv, uint64_t now)
{
	uint64_t	idle = srv->conf.token_max_idle_s > 0 ?
			    (uint64_t)srv->conf.token_max_idle_s * 1000 :
			    (uint64_t)srv->conf.token_max_idle_days * DAY_MS;

	return now > idle ? now - idle : 0;
}

void
device_addr(const struct client *c, char *buf, size_t len)
{
	const struct sockaddr		*sa;
	const struct sockaddr_in6	*s6;
	struct in6_addr			 a;
	socklen_t			 salen;
	char				 t[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if ((sa = client_peer(c, &salen)) == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, t, sizeof t);
		snprintf(buf, len, "%s", t);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], t, sizeof t);
		snprintf(buf, len, "%s", t);
		return;
	}
	/* As the rate limits see it: one /64 is one user's. */
	a = s6->sin6_addr;
	memset(&a.s6_addr[8], 0, 8);
	inet_ntop(AF_INET6, &a, t, sizeof t);
	snprintf(buf, len, "%s/%d", t, 64);
}

uint64_t
device_src(const char *addr)
{
	uint64_t	h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *addr != '\0'; addr++)
		h = (h ^ (uint8_t)*addr) * 0x100000001b3ULL;
	return h;
}

void
device_name(const struct cp_str *s, char *buf, size_t len)
{
	buf[0] = '\0';
	if (s->len == 0 || s->len >= len ||
	    cp_text_check(s->p, s->len) != CPE_NONE ||
	    memchr(s->p, '\t', s->len) != NULL ||
	    memchr(s->p, '\n', s->len) != NULL)
		return;
	memcpy(buf, s->p, s->len);
	buf[s->len] = '\0';
}

/* Close the sessions of signed-out clients that have their notice. */
static void
device_signout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server	*srv = w->data;
	struct client	*c, *next;
	uint64_t	 now = mono_ns();
	int		 left = 0;

	for (c = srv->all; c != NULL; c = next) {
		next = c->anext;
		if (c->signout_ns == 0 || c->dead || !client_has_session(c))
			continue;
		if (client_queued(c) > 0 && now < c->signout_ns) {
			left++;
			continue;
		}
		c->signout_ns = 0;
		client_close(c);
	}
	if (left == 0)
		ev_timer_stop(loop, w);
}

void
device_init(struct server *srv)
{
	ev_timer_init(&srv->signout, device_signout_cb, SIGNOUT_EVERY,
	    SIGNOUT_EVERY);
	srv->signout.data = srv;
}

void
device_fini(struct server *srv)
{
	ev_timer_stop(srv->loop, &srv->signout);
}

/* Log client c out, tell it why (ERROR code), close its session soon. */
static void
device_end(struct client *c, enum cp_err code, const char *why)
{
	struct server	*srv = c->srv;
	struct cp_msg	 m;
	size_t		 n;

	memset(&m, 0, sizeof m);
	m.type = CP_ERROR;
	m.code = (uint16_t)code;
	m.text.p = (const uint8_t *)why;
	m.text.len = strlen(why);
	/* Sent now, ahead of the close: it waits for no commit, since
	 * it only tells the session what is already true for it. */
	client_logout(c);
	c->token_id = 0;
	srv->stats.signed_out++;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &m)) == 0 ||
	    client_send(c, srv->buf, n) == -1) {
		client_close(c);
		return;
	}
	c->signout_ns = mono_ns() + SIGNOUT_NS;
	if (!ev_is_active(&srv->signout))
		ev_timer_start(srv->loop, &srv->signout);
}

int
device_sign_out(struct server *srv, struct user *u, struct client *except,
    uint64_t token, const char *why)
{
	return device_end_sessions(srv, u, except, token, CPE_BAD_TOKEN, why);
}

int
device_end_sessions(struct server *srv, struct user *u,
    struct client *except, uint64_t token, enum cp_err code, const char *why)
{
	struct client	*c, **v;
	char		 nick[NICK_MAX_BYTES];
	size_t		 n = 0, i;

	/* Closing a session detaches its client from u: collect first. */
	for (c = u->clients; c != NULL; c = c->unext)
		n++;
	v = xcalloc(n + 1, sizeof *v);
	n = 0;
	for (c = u->clients; c != NULL; c = c->unext)
		if (c != except && !c->dead && client_has_session(c) &&
		    (token == 0 || c->token_id == token))
			v[n++] = c;
	/* u goes with its last client (with except NULL, in this loop:
	 * it is not used after). */
	snprintf(nick, sizeof nick, "%s", u->nick);
	for (i = 0; i < n; i++) {
		log_info("%s: session %016llx: %s", nick,
		    (unsigned long long)client_id(v[i]), why);
		device_end(v[i], code, why);
	}
	free(v);
	return (int)n;
}

/* One token into the list, while it fits. */
static void
device_list_one(void *arg, const struct store_token *t)
{
	struct device_list	*l = arg;
	struct cp_device	 d;
	struct client		*o;
	size_t			 n;

	memset(&d, 0, sizeof d);
	d.id = t->id;
	d.last_seen = t->last_used;
	d.name.p = (const uint8_t *)t->name;
	d.name.len = strlen(t->name);
	d.addr.p = (const uint8_t *)t->addr;
	d.addr.len = strlen(t->addr);
	if (t->id == l->c->token_id)
		d.flags |= CPDF_CURRENT;
	for (o = l->c->u->clients; o != NULL; o = o->unext)
		if (o->token_id == t->id && !o->dead)
			d.flags |= CPDF_ONLINE;
	if (l->count == UINT16_MAX || (n = cp_device_encode(l->buf + l->len,
	    LIST_MAX - l->len, &d)) == 0)
		return;
	l->len += n;
	l->count++;
}

void
device_cmd(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server		*srv = c->srv;
	struct device_list	 l;
	struct cp_msg		 r;
	int			 rc;

	if (cmd_limited(c, cmd, m))
		return;
	if (m->flags == CPD_REVOKE) {
		if ((rc = store_token_revoke_one(srv->st, c->u->id,
		    m->sid)) != 1) {
			outq_error(c, m->id, m->type, rc == 0 ?
			    CPE_NO_DEVICE : CPE_INTERNAL);
			return;
		}
		/* This session, if it is that device's, stays: it asked. */
		device_sign_out(srv, c->u, c, m->sid,
		    "signed out: this device was revoked");
		if (c->token_id == m->sid)
			c->token_id = 0;
		memset(&r, 0, sizeof r);
		r.type = CP_OK;
		r.id = m->id;
		outq_reply(c, &r, m->id, m->type);
		return;
	}
	memset(&l, 0, sizeof l);
	l.c = c;
	l.buf = xmalloc(LIST_MAX);
	if (store_tokens(srv->st, c->u->id, device_list_one, &l) == -1) {
		free(l.buf);
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	memset(&r, 0, sizeof r);
	r.type = CP_DEVICE_LIST;
	r.id = m->id;
	r.count = l.count;
	r.entries.p = l.buf;
	r.entries.len = l.len;
	outq_reply(c, &r, m->id, m->type);
	free(l.buf);
}

void
device_expire(struct server *srv, uint64_t now)
{
	struct user	*u;
	struct client	*c;
	int		 n;

	/* A session up for days uses its token all along. */
	for (u = srv->online; u != NULL; u = u->onext)
		for (c = u->clients; c != NULL; c = c->unext)
			if (c->token_id != 0)
				store_token_used(srv->st, c->token_id, now,
				    NULL);
	if ((n = store_token_expire(srv->st, device_idle_since(srv,
	    now))) > 0) {
		srv->stats.token_expired += (uint64_t)n;
		log_info("tokens: %d device tokens idle for too long revoked",
		    n);
	}
	store_reg_expire(srv->st, now > DAY_MS ? now - DAY_MS : 0);
}
