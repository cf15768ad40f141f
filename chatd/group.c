/*
 * group.c: group conversations (group.h).  Uses user.c (who is online),
 * client.c, outq.c (answers, and the fan-out after the commit), cmd.c
 * (rates, server ids, names), sync.h-like notices of its own
 * (GROUP_CHANGED), and the store, which it writes through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "group.h"
#include "history.h"
#include "outq.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "chat/nick.h"
#include "sess/session.h"

#define GHASH		4096		/* buckets by key and by id */
#define GRECENT		8		/* a group's messages followed for
					 * receipts */
#define GINFO_MAX	60000		/* bytes of GROUP_INFO entries */
#define TOPIC_MAX	300		/* bytes of a topic */
#define PUMP_BATCH	64
#define PUMP_HIGH	(256 * 1024)
#define UNREAD_CAP	999		/* "999 or more": each a bounded walk */
#define DAY_MS		86400000ULL
#define HOUR_MS		3600000ULL
/* A member removed (or gone), in memory until its removal's event is
 * sent: it still gets what was stored before that, in the same commit. */
#define GM_LEAVING	4

struct gmember {
	uint64_t	uid;
	uint64_t	since;		/* gets what follows this id */
	uint64_t	delivered;
	uint64_t	read;		/* GM_LEAVING: its removal's id, the
					 * last it gets */
	uint8_t		role;		/* CPGM_ADMIN, CPGM_OWNER */
	uint8_t		state;		/* STORE_INVITED, STORE_JOINED,
					 * STORE_SHADOW, GM_LEAVING */
	uint8_t		muted;
	uint8_t		dirty;		/* cursors to write at the commit */
};

/* A recent message, and the counts its sender was last told. */
struct grecent {
	uint64_t	sid, sender, msgid;
	uint16_t	d, r, of;
};

struct group {
	uint64_t	 id;
	char		*key, *name, *topic;
	uint64_t	 last_sid;	/* newest stored */
	uint64_t	 released;	/* newest sent out (committed) */
	struct gmember	*m;
	size_t		 n, cap;
	struct grecent	 recent[GRECENT];
	size_t		 rpos;
	int		 dirty;		/* on the dirty list: receipts */
	int		 cdirty;	/* on the cdirty list: cursors */
	struct group	*knext, *inext, *dnext, *cnext;
};

/* The groups of one user (joined or invited). */
struct ugroups {
	uint64_t	 uid;
	struct group	**v;
	size_t		 n, cap;
	struct ugroups	*next;
};

struct groups {
	struct group	*by_key[GHASH], *by_id[GHASH];
	struct ugroups	*by_user[GHASH];
	struct group	*dirty;		/* cursors moved this turn */
	struct group	*cdirty;	/* cursors not yet written */
	size_t		 ngroups, nmembers;
};

static size_t
ghash(uint64_t x)
{
	return (size_t)((x * 0x9e3779b97f4a7c15ULL) >> 52) & (GHASH - 1);
}

static size_t
gkhash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return ghash(h);
}

static struct group *
group_by_key(struct server *srv, const char *key)
{
	struct group	*g;

	for (g = srv->groups->by_key[gkhash(key)]; g != NULL; g = g->knext)
		if (strcmp(g->key, key) == 0)
			return g;
	return NULL;
}

static struct group *
group_by_id(struct server *srv, uint64_t id)
{
	struct group	*g;

	for (g = srv->groups->by_id[ghash(id)]; g != NULL; g = g->inext)
		if (g->id == id)
			return g;
	return NULL;
}

static struct gmember *
gmember_of(struct group *g, uint64_t uid)
{
	size_t	i;

	for (i = 0; i < g->n; i++)
		if (g->m[i].uid == uid)
			return &g->m[i];
	return NULL;
}

static struct ugroups *
group_user(struct server *srv, uint64_t uid, int make)
{
	struct ugroups	**pp = &srv->groups->by_user[ghash(uid)], *u;

	for (u = *pp; u != NULL; u = u->next)
		if (u->uid == uid)
			return u;
	if (!make)
		return NULL;
	u = xcalloc(1, sizeof *u);
	u->uid = uid;
	u->next = *pp;
	*pp = u;
	return u;
}

static void
group_user_add(struct server *srv, uint64_t uid, struct group *g)
{
	struct ugroups	*u = group_user(srv, uid, 1);

	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 4;
		u->v = xreallocarray(u->v, u->cap, sizeof *u->v);
	}
	u->v[u->n++] = g;
}

static void
group_user_del(struct server *srv, uint64_t uid, struct group *g)
{
	struct ugroups	*u = group_user(srv, uid, 0);
	size_t		 i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n; i++)
		if (u->v[i] == g) {
			memmove(&u->v[i], &u->v[i + 1],
			    (u->n - i - 1) * sizeof *u->v);
			u->n--;
			return;
		}
}

static struct group *
group_new(struct server *srv, uint64_t id, const char *key, const char *name,
    const char *topic, uint64_t last_sid)
{
	struct groups	*gs = srv->groups;
	struct group	*g = xcalloc(1, sizeof *g);

	g->id = id;
	g->key = xstrdup(key);
	g->name = xstrdup(name);
	g->topic = xstrdup(topic != NULL ? topic : "");
	g->last_sid = g->released = last_sid;
	g->knext = gs->by_key[gkhash(key)];
	gs->by_key[gkhash(key)] = g;
	g->inext = gs->by_id[ghash(id)];
	gs->by_id[ghash(id)] = g;
	gs->ngroups++;
	return g;
}

/* Add a member row in memory. */
static struct gmember *
group_add_member(struct server *srv, struct group *g, uint64_t uid)
{
	struct gmember	*m;

	if ((m = gmember_of(g, uid)) != NULL)
		return m;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4;
		g->m = xreallocarray(g->m, g->cap, sizeof *g->m);
	}
	m = &g->m[g->n++];
	memset(m, 0, sizeof *m);
	m->uid = uid;
	group_user_add(srv, uid, g);
	srv->groups->nmembers++;
	return m;
}

static void
group_drop_member(struct server *srv, struct group *g, uint64_t uid)
{
	size_t	i;

	/* Kept in the order they came, so "longest in it" is first. */
	for (i = 0; i < g->n; i++)
		if (g->m[i].uid == uid) {
			memmove(&g->m[i], &g->m[i + 1],
			    (g->n - i - 1) * sizeof *g->m);
			g->n--;
			group_user_del(srv, uid, g);
			srv->groups->nmembers--;
			return;
		}
}

static void
group_unlink(struct server *srv, struct group *g)
{
	struct groups	*gs = srv->groups;
	struct group	**pp;

	for (pp = &gs->by_key[gkhash(g->key)]; *pp != g; pp = &(*pp)->knext)
		;
	*pp = g->knext;
	for (pp = &gs->by_id[ghash(g->id)]; *pp != g; pp = &(*pp)->inext)
		;
	*pp = g->inext;
	for (pp = &gs->dirty; *pp != NULL; pp = &(*pp)->dnext)
		if (*pp == g) {
			*pp = g->dnext;
			break;
		}
	for (pp = &gs->cdirty; *pp != NULL; pp = &(*pp)->cnext)
		if (*pp == g) {
			*pp = g->cnext;
			break;
		}
	while (g->n > 0)
		group_drop_member(srv, g, g->m[g->n - 1].uid);
	gs->ngroups--;
	free(g->key);
	free(g->name);
	free(g->topic);
	free(g->m);
	free(g);
}

static void
group_load_group(void *arg, const struct store_group *sg)
{
	group_new(arg, sg->id, sg->key, sg->name, sg->topic, sg->last_sid);
}

static void
group_load_member(void *arg, const struct store_member *sm)
{
	struct server	*srv = arg;
	struct group	*g = group_by_id(srv, sm->grp);
	struct gmember	*m;

	if (g == NULL)
		return;
	m = group_add_member(srv, g, sm->user);
	m->role = (uint8_t)sm->role;
	m->state = (uint8_t)sm->state;
	m->since = sm->since;
	m->delivered = sm->delivered;
	m->read = sm->read;
	m->muted = (uint8_t)sm->muted;
}

/* Loaded: each array to its size (they grew by doubling). */
static void
group_trim(struct server *srv)
{
	struct groups	*gs = srv->groups;
	struct group	*g;
	struct ugroups	*u;
	size_t		 i;

	for (i = 0; i < GHASH; i++) {
		for (g = gs->by_id[i]; g != NULL; g = g->inext)
			if (g->n > 0 && g->n < g->cap) {
				g->m = xreallocarray(g->m, g->n, sizeof *g->m);
				g->cap = g->n;
			}
		for (u = gs->by_user[i]; u != NULL; u = u->next)
			if (u->n > 0 && u->n < u->cap) {
				u->v = xreallocarray(u->v, u->n, sizeof *u->v);
				u->cap = u->n;
			}
	}
}

int
group_init(struct server *srv)
{
	srv->groups = xcalloc(1, sizeof *srv->groups);
	if (store_groups(srv->st, group_load_group, group_load_member,
	    srv) == -1)
		return -1;
	group_trim(srv);
	if (srv->groups->ngroups > 0)
		log_info("groups: %zu, with %zu member rows",
		    srv->groups->ngroups, srv->groups->nmembers);
	return 0;
}

void
group_fini(struct server *srv)
{
	struct groups	*gs = srv->groups;
	struct ugroups	*u, *next;
	size_t		 i;

	if (gs == NULL)
		return;
	for (i = 0; i < GHASH; i++)
		while (gs->by_key[i] != NULL)
			group_unlink(srv, gs->by_key[i]);
	for (i = 0; i < GHASH; i++)
		for (u = gs->by_user[i]; u != NULL; u = next) {
			next = u->next;
			free(u->v);
			free(u);
		}
	free(gs);
	srv->groups = NULL;
}

size_t
group_memory(const struct server *srv, size_t *groups, size_t *members)
{
	const struct groups	*gs = srv->groups;
	const struct group	*g;
	const struct ugroups	*u;
	size_t			 b = sizeof *gs, i;

	for (i = 0; i < GHASH; i++) {
		for (g = gs->by_id[i]; g != NULL; g = g->inext)
			b += sizeof *g + strlen(g->key) + strlen(g->name) +
			    strlen(g->topic) + 3 + g->cap * sizeof *g->m;
		for (u = gs->by_user[i]; u != NULL; u = u->next)
			b += sizeof *u + u->cap * sizeof *u->v;
	}
	*groups = gs->ngroups;
	*members = gs->nmembers;
	return b;
}

/* A user's nick (online or stored) into buf; "?" if gone. */
static const char *
group_nick(struct server *srv, uint64_t uid, char *buf, size_t len)
{
	struct store_user	 su;
	struct user		*u;

	if ((u = user_by_id(srv, uid)) != NULL)
		snprintf(buf, len, "%s", u->nick);
	else if (store_user_by_id(srv->st, uid, &su) == 1)
		snprintf(buf, len, "%s", su.nick);
	else
		snprintf(buf, len, "?");
	return buf;
}

/* "#name": the key of the group it names (make: a new name's rules,
 * with its display form and skeleton).  NICK_OK or why not. */
static enum nick_err
group_name(const struct cp_str *s, int make, char *name, char *key,
    char *skel)
{
	char		d[NICK_MAX_BYTES], k[NICK_MAX_BYTES];
	enum nick_err	e;

	if (s->len < 2 || s->p[0] != '#' || s->len > CP_NICK_WIRE)
		return s->len < 2 ? NICK_EMPTY : NICK_BAD_CHAR;
	e = make ? nick_normalize((const char *)s->p + 1, s->len - 1, d, k) :
	    nick_lookup((const char *)s->p + 1, s->len - 1, d, k);
	if (e != NICK_OK)
		return e;
	if (strlen(k) + 2 > NICK_MAX_BYTES || strlen(d) + 2 > NICK_MAX_BYTES)
		return NICK_TOO_LONG;
	key[0] = '#';
	memcpy(key + 1, k, strlen(k) + 1);
	if (name != NULL) {
		name[0] = '#';
		memcpy(name + 1, d, strlen(d) + 1);
	}
	if (skel != NULL) {
		skel[0] = '#';
		if (nick_skeleton(d, strlen(d), skel + 1,
		    NICK_SKELETON_MAX - 1) < 0)
			return NICK_BAD_CHAR;
	}
	return NICK_OK;
}

/* The group m names and c's user's row in it (joined unless invited
 * is allowed): NULL, answered, if none. */
static struct group *
group_find(struct client *c, const struct cp_msg *m, int invited,
    struct gmember **me)
{
	char		 key[NICK_MAX_BYTES];
	struct group	*g;

	*me = NULL;
	if (group_name(&m->nick, 0, NULL, key, NULL) != NICK_OK ||
	    (g = group_by_key(c->srv, key)) == NULL ||
	    (*me = gmember_of(g, c->u->id)) == NULL ||
	    (*me)->state == STORE_SHADOW || (*me)->state == GM_LEAVING ||
	    ((*me)->state != STORE_JOINED && !invited)) {
		outq_error(c, m->id, m->type, CPE_NO_GROUP);
		return NULL;
	}
	return g;
}

/* Queue a GMESSAGE of g for its fan-out after the commit. */
static void
group_queue(struct server *srv, struct group *g, const struct store_gmsg *gm,
    const char *from, uint64_t skip_sess)
{
	struct cp_msg	 r;
	struct out	*o;
	size_t		 n;

	memset(&r, 0, sizeof r);
	r.type = CP_GMESSAGE;
	r.sid = gm->sid;
	r.id = gm->msgid != 0 ? gm->msgid : gm->sid;
	r.time = gm->time;
	r.nick.p = (const uint8_t *)g->name;
	r.nick.len = strlen(g->name);
	r.target.p = (const uint8_t *)from;
	r.target.len = strlen(from);
	r.value = (uint8_t)gm->kind;
	r.text.p = gm->text;
	r.text.len = gm->len;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	o = outq_push(srv, OUT_GMESSAGE, srv->buf, n);
	o->uid = g->id;
	o->sid = gm->sid;
	o->sender = gm->sender;
	o->rcpt = skip_sess;
}

/* Store an event of g by actor about text: its server id, or 0. */
static uint64_t
group_event(struct server *srv, struct group *g, uint64_t actor, int kind,
    const char *text)
{
	struct store_gmsg	gm;
	char			from[NICK_MAX_BYTES];

	memset(&gm, 0, sizeof gm);
	gm.sid = cmd_sid_next(srv);
	gm.grp = g->id;
	gm.sender = actor;
	gm.time = clock_wall_ms();
	gm.kind = kind;
	gm.text = (const uint8_t *)text;
	gm.len = strlen(text);
	if (store_gmsg_add(srv->st, &gm) != 0)
		return 0;
	srv->next_sid = gm.sid + 1;
	g->last_sid = gm.sid;
	srv->stats.group_events++;
	group_queue(srv, g, &gm, group_nick(srv, actor, from, sizeof from), 0);
	return gm.sid;
}

/* Tell every sync-or-not session of uid that g changed (what). */
static void
group_changed(struct server *srv, uint64_t uid, const char *name,
    unsigned int what)
{
	struct user	*u = user_by_id(srv, uid);
	struct client	*c;
	struct cp_msg	 r;

	if (u == NULL)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_GROUP_CHANGED;
	r.nick.p = (const uint8_t *)name;
	r.nick.len = strlen(name);
	r.flags = (uint8_t)what;
	for (c = u->clients; c != NULL; c = c->unext)
		if (!c->dead && !c->send_only)
			outq_reply(c, &r, 0, 0);
}

/* A member's flags as the wire shows them. */
static uint8_t
group_flags(const struct gmember *m)
{
	return (uint8_t)(m->role | (m->state != STORE_JOINED ?
	    CPGM_INVITED : 0) | (m->muted ? CPGM_MUTED : 0));
}

struct ginfo {
	uint8_t		buf[GINFO_MAX];
	size_t		len;
	uint16_t	count;
	int		full;
};

static void
ginfo_add(struct ginfo *gi, const char *name, uint8_t flags, uint64_t value)
{
	struct cp_entry	e;
	size_t		n;

	if (gi->full)
		return;
	e.nick.p = (const uint8_t *)name;
	e.nick.len = strlen(name);
	e.presence = flags;
	e.last_seen = value;
	if (gi->count == UINT16_MAX || (n = cp_gentry_encode(gi->buf +
	    gi->len, sizeof gi->buf - gi->len, &e)) == 0) {
		gi->full = 1;
		return;
	}
	gi->len += n;
	gi->count++;
}

static void
ginfo_reply(struct client *c, const struct cp_msg *m, struct ginfo *gi,
    const char *name, uint8_t flags, const char *topic)
{
	struct cp_msg	r;

	memset(&r, 0, sizeof r);
	r.type = CP_GROUP_INFO;
	r.id = m->id;
	r.nick.p = (const uint8_t *)name;
	r.nick.len = strlen(name);
	r.flags = flags;
	r.text.p = (const uint8_t *)topic;
	r.text.len = strlen(topic);
	r.count = gi->count;
	r.entries.p = gi->buf;
	r.entries.len = gi->len;
	outq_reply(c, &r, m->id, m->type);
}

/* Answer with g's members (sid: only those who read it). */
static void
group_members_reply(struct client *c, const struct cp_msg *m,
    struct group *g, const struct gmember *me, uint64_t sid)
{
	struct server	*srv = c->srv;
	struct ginfo	*gi = xcalloc(1, sizeof *gi);
	struct gmember	*x;
	struct user	*u;
	char		 nick[NICK_MAX_BYTES];
	uint8_t		 f;
	size_t		 i;

	for (i = 0; i < g->n; i++) {
		x = &g->m[i];
		if (x->state == GM_LEAVING)
			continue;
		if (sid != 0 && (x->state != STORE_JOINED || x->since >= sid ||
		    x->read < sid || x->uid == me->uid))
			continue;
		f = group_flags(x) & ~CPGM_MUTED;
		/* Presence only between contacts (docs/PROTOCOL.md 5.4). */
		if (x->uid != me->uid && (u = user_by_id(srv, x->uid)) != NULL &&
		    store_contact_has(srv->st, me->uid, x->uid) == 1)
			f |= CPGM_ONLINE;
		ginfo_add(gi, group_nick(srv, x->uid, nick, sizeof nick), f,
		    x->read);
	}
	ginfo_reply(c, m, gi, g->name, group_flags(me), g->topic);
	free(gi);
}

/* CPG_LIST: the user's groups and invitations, with unread counts. */
static void
group_list(struct client *c, const struct cp_msg *m)
{
	struct server	*srv = c->srv;
	struct ugroups	*u = group_user(srv, c->u->id, 0);
	struct ginfo	*gi = xcalloc(1, sizeof *gi);
	struct gmember	*me;
	size_t		 i;
	int		 n;

	for (i = 0; u != NULL && i < u->n; i++) {
		me = gmember_of(u->v[i], c->u->id);
		if (me->state == STORE_SHADOW || me->state == GM_LEAVING)
			continue;
		n = me->state != STORE_JOINED ? 0 : store_gunread(srv->st,
		    u->v[i]->id, me->read > me->since ? me->read : me->since,
		    c->u->id, UNREAD_CAP);
		ginfo_add(gi, u->v[i]->name, group_flags(me),
		    n > 0 ? (uint64_t)n : 0);
	}
	ginfo_reply(c, m, gi, "", 0, "");
	free(gi);
}

/* The new member joins g after an event: its since is just before. */
static int
group_join(struct server *srv, struct group *g, uint64_t uid, int role,
    uint64_t inviter, uint64_t actor)
{
	struct store_member	 sm;
	struct gmember		*m;
	char			 nick[NICK_MAX_BYTES];
	uint64_t		 sid;

	m = group_add_member(srv, g, uid);
	m->state = STORE_JOINED;
	m->role = (uint8_t)role;
	/* It gets its own join event, and all after. */
	m->since = m->delivered = m->read = cmd_sid_next(srv) - 1;
	if ((sid = group_event(srv, g, actor, CPGE_JOINED,
	    group_nick(srv, uid, nick, sizeof nick))) == 0)
		return -1;
	memset(&sm, 0, sizeof sm);
	sm.grp = g->id;
	sm.user = uid;
	sm.role = role;
	sm.state = STORE_JOINED;
	sm.since = m->since;
	sm.t = clock_wall_ms();
	return store_member_set(srv->st, &sm, inviter);
}

/* Write a member's role and state. */
static int
group_member_write(struct server *srv, struct group *g,
    const struct gmember *m)
{
	struct store_member	sm;

	memset(&sm, 0, sizeof sm);
	sm.grp = g->id;
	sm.user = m->uid;
	sm.role = m->role;
	sm.state = m->state;
	sm.since = m->since;
	sm.t = clock_wall_ms();
	return store_member_set(srv->st, &sm, 0);
}

/* Remove uid from g (kicked by actor, or left if actor is uid): the
 * event, which the member still gets, then nothing more. */
static int
group_remove(struct server *srv, struct group *g, uint64_t uid,
    uint64_t actor)
{
	struct gmember		*m = gmember_of(g, uid), *o;
	char			 nick[NICK_MAX_BYTES];
	size_t			 i;
	uint64_t		 sid;
	int			 joined, owner;

	if (m == NULL || m->state == GM_LEAVING)
		return 0;
	joined = m->state == STORE_JOINED;
	owner = (m->role & CPGM_OWNER) != 0;
	group_nick(srv, uid, nick, sizeof nick);
	if (store_member_del(srv->st, g->id, uid) == -1)
		return -1;
	if (!joined) {
		group_drop_member(srv, g, uid);
		return 0;
	}
	/* The last member out: the group goes. */
	for (i = 0, o = NULL; i < g->n; i++)
		if (g->m[i].state == STORE_JOINED && g->m[i].uid != uid &&
		    (o == NULL || (g->m[i].role & CPGM_ADMIN) >
		    (o->role & CPGM_ADMIN)))
			o = &g->m[i];
	if (o == NULL) {
		log_info("group %s: its last member left; deleted", g->name);
		for (i = 0; i < g->n; i++)
			group_changed(srv, g->m[i].uid, g->name, CPGC_DELETED);
		if (store_group_del(srv->st, g->id) == -1)
			return -1;
		group_unlink(srv, g);
		return 0;
	}
	/* It gets the event that removed it (and what came before it in
	 * the same commit), then nothing: see group_deliver(). */
	m->state = GM_LEAVING;
	m->role = 0;
	if ((sid = group_event(srv, g, actor, actor == uid ? CPGE_LEFT :
	    CPGE_REMOVED, nick)) == 0)
		return -1;
	if ((m = gmember_of(g, uid)) != NULL)
		m->read = sid;
	group_changed(srv, uid, g->name, CPGC_REMOVED);
	/* An owner who leaves hands the group on: an admin, else the
	 * member who joined first. */
	if (owner) {
		o->role = CPGM_OWNER | CPGM_ADMIN;
		if (group_event(srv, g, uid, CPGE_OWNER, group_nick(srv,
		    o->uid, nick, sizeof nick)) == 0 ||
		    group_member_write(srv, g, o) == -1)
			return -1;
	}
	return 0;
}

/* CPG_CREATE: a new group, owned by its creator, its first event. */
static void
group_create(struct client *c, const struct cp_msg *m)
{
	struct server		*srv = c->srv;
	struct store_member	 sm;
	struct group		*g;
	struct gmember		*me;
	char			 name[NICK_MAX_BYTES], key[NICK_MAX_BYTES];
	char			 skel[NICK_SKELETON_MAX];
	uint64_t		 id, now = clock_wall_ms();
	enum nick_err		 e;
	int			 rc;

	if ((e = group_name(&m->nick, 1, name, key, skel)) != NICK_OK) {
		outq_error_why(c, m->id, m->type, CPE_NICK_INVALID,
		    m->nick.len == 0 || m->nick.p[0] != '#' ?
		    "a group's name starts with #" : nick_strerror(e));
		return;
	}
	if (srv->conf.group_create_per_day > 0 &&
	    (rc = store_groups_created(srv->st, c->u->id, now - DAY_MS)) >=
	    srv->conf.group_create_per_day) {
		outq_error_why(c, m->id, m->type, rc < 0 ? CPE_INTERNAL :
		    CPE_LIMIT, rc < 0 ? NULL : "groups created today");
		return;
	}
	if ((rc = store_group_add(srv->st, key, name, skel, c->u->id, now,
	    &id)) != 0) {
		outq_error(c, m->id, m->type, rc == 1 ? CPE_NICK_TAKEN :
		    rc == 2 ? CPE_CONFUSABLE : CPE_INTERNAL);
		return;
	}
	g = group_new(srv, id, key, name, "", 0);
	me = group_add_member(srv, g, c->u->id);
	me->state = STORE_JOINED;
	me->role = CPGM_OWNER | CPGM_ADMIN;
	me->since = me->delivered = me->read = cmd_sid_next(srv) - 1;
	memset(&sm, 0, sizeof sm);
	sm.grp = id;
	sm.user = c->u->id;
	sm.role = me->role;
	sm.state = STORE_JOINED;
	sm.since = me->since;
	sm.t = now;
	if (store_member_set(srv->st, &sm, 0) == -1 ||
	    group_event(srv, g, c->u->id, CPGE_CREATED, name) == 0) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	store_gact(srv->st, c->u->id, 1, now);
	srv->stats.groups_created++;
	log_info("group %s created by %s", name, c->u->nick);
	group_members_reply(c, m, g, me, 0);
}

/*
 * CPG_INVITE: an admin asks target in.  A contact of the inviter joins
 * at once; anyone else is invited, and joins by accepting (the consent
 * rules of 5.4).  A target who blocked the inviter is answered as if
 * invited, and nothing happens.
 */
static enum cp_err
group_invite(struct client *c, const struct cp_msg *m, struct group *g,
    const struct store_user *su, const char **why)
{
	struct server		*srv = c->srv;
	struct store_member	 sm;
	struct store_rel	 rel;
	struct gmember		*t = gmember_of(g, su->id);
	uint64_t		 now = clock_wall_ms();
	int			 n;

	if (t != NULL)
		return CPE_NONE;
	if (g->n >= (size_t)srv->conf.max_group_members) {
		*why = "the group is full (max_group_members)";
		return CPE_LIMIT;
	}
	if (srv->conf.invite_per_hour > 0 && (n = store_invites(srv->st,
	    c->u->id, now - HOUR_MS)) >= srv->conf.invite_per_hour) {
		*why = n < 0 ? NULL : "invitations this hour";
		return n < 0 ? CPE_INTERNAL : CPE_LIMIT;
	}
	if (store_rel(srv->st, c->u->id, su->id, &rel) == -1 ||
	    store_gact(srv->st, c->u->id, 2, now) == -1)
		return CPE_INTERNAL;
	if (rel.mine == STORE_ACCEPTED && rel.theirs == STORE_ACCEPTED &&
	    !rel.blocked_by) {
		if (group_join(srv, g, su->id, 0, c->u->id, c->u->id) == -1)
			return CPE_INTERNAL;
		group_changed(srv, su->id, g->name, CPGC_INVITED);
		return CPE_NONE;
	}
	/* Someone who blocked the inviter is invited in the group's eyes
	 * only (a shadow): the inviter cannot tell, and it hears nothing. */
	t = group_add_member(srv, g, su->id);
	t->state = rel.blocked_by ? STORE_SHADOW : STORE_INVITED;
	memset(&sm, 0, sizeof sm);
	sm.grp = g->id;
	sm.user = su->id;
	sm.state = t->state;
	sm.t = now;
	if (store_member_set(srv->st, &sm, c->u->id) == -1)
		return CPE_INTERNAL;
	if (!rel.blocked_by)
		group_changed(srv, su->id, g->name, CPGC_INVITED);
	return CPE_NONE;
}

/* An op on a member (target) by c's user: why not, or CPE_NONE. */
static enum cp_err
group_target_op(struct client *c, const struct cp_msg *m, struct group *g,
    struct gmember *me, const char **why)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct gmember		*t;
	char			 key[NICK_MAX_BYTES], nick[NICK_MAX_BYTES];
	int			 rc, admin = (me->role & CPGM_ADMIN) != 0;
	int			 owner = (me->role & CPGM_OWNER) != 0;

	if (cmd_nick(srv, &m->target, key) != NICK_OK)
		return CPE_NICK_INVALID;
	if ((rc = user_find(srv, key, &su)) != 1)
		return rc == 0 ? CPE_UNKNOWN_USER : CPE_INTERNAL;
	if (m->flags == CPG_INVITE)
		return admin ? group_invite(c, m, g, &su, why) :
		    CPE_NOT_ALLOWED;
	if ((t = gmember_of(g, su.id)) == NULL)
		return CPE_UNKNOWN_USER;
	switch (m->flags) {
	case CPG_KICK:
		/* Admins remove members; only the owner removes admins. */
		if (!admin || t == me || (t->role & CPGM_OWNER) ||
		    ((t->role & CPGM_ADMIN) && !owner))
			return CPE_NOT_ALLOWED;
		return group_remove(srv, g, su.id, c->u->id) == -1 ?
		    CPE_INTERNAL : CPE_NONE;
	case CPG_ADMIN:
	case CPG_UNADMIN:
	case CPG_OWNER:
		if (!owner || t == me || t->state != STORE_JOINED)
			return CPE_NOT_ALLOWED;
		if (m->flags == CPG_OWNER) {
			t->role = CPGM_OWNER | CPGM_ADMIN;
			me->role = CPGM_ADMIN;
			if (group_member_write(srv, g, me) == -1)
				return CPE_INTERNAL;
		} else
			t->role = m->flags == CPG_ADMIN ? CPGM_ADMIN : 0;
		group_nick(srv, su.id, nick, sizeof nick);
		if (group_member_write(srv, g, t) == -1 ||
		    group_event(srv, g, c->u->id, m->flags == CPG_ADMIN ?
		    CPGE_ADMIN : m->flags == CPG_UNADMIN ? CPGE_UNADMIN :
		    CPGE_OWNER, nick) == 0)
			return CPE_INTERNAL;
		return CPE_NONE;
	}
	return CPE_MALFORMED;
}

/* CPG_TOPIC: an admin sets the topic (an event). */
static enum cp_err
group_topic(struct client *c, const struct cp_msg *m, struct group *g,
    struct gmember *me)
{
	struct server	*srv = c->srv;
	char		 topic[TOPIC_MAX + 1];
	enum cp_err	 e;

	if (!(me->role & CPGM_ADMIN))
		return CPE_NOT_ALLOWED;
	if (m->text.len > TOPIC_MAX)
		return CPE_TOO_LONG;
	if ((e = cp_text_check(m->text.p, m->text.len)) != CPE_NONE)
		return e;
	memcpy(topic, m->text.p, m->text.len);
	topic[m->text.len] = '\0';
	if (store_group_topic(srv->st, g->id, topic) == -1 ||
	    group_event(srv, g, c->u->id, CPGE_TOPIC, topic) == 0)
		return CPE_INTERNAL;
	free(g->topic);
	g->topic = xstrdup(topic);
	return CPE_NONE;
}

/* CPG_DELETE: the owner ends the group for everyone. */
static enum cp_err
group_delete(struct client *c, struct group *g, struct gmember *me)
{
	struct server	*srv = c->srv;
	size_t		 i;

	if (!(me->role & CPGM_OWNER))
		return CPE_NOT_ALLOWED;
	if (store_group_del(srv->st, g->id) == -1)
		return CPE_INTERNAL;
	/* Every member's sessions, the owner's other devices included. */
	for (i = 0; i < g->n; i++)
		group_changed(srv, g->m[i].uid, g->name, CPGC_DELETED);
	log_info("group %s deleted by %s", g->name, c->u->nick);
	group_unlink(srv, g);
	return CPE_NONE;
}

/* Answer OK. */
static void
group_ok(struct client *c, const struct cp_msg *m)
{
	struct cp_msg	r;

	memset(&r, 0, sizeof r);
	r.type = CP_OK;
	r.id = m->id;
	outq_reply(c, &r, m->id, m->type);
}

void
group_cmd(struct client *c, const struct cp_msg *m, const struct command *cmd)
{
	static const struct command	 change = { NULL, 1, 1, RATE_CONTACT };
	struct server			*srv = c->srv;
	struct group			*g;
	struct gmember			*me;
	const char			*why = NULL;
	enum cp_err			 e = CPE_NONE;

	if (cmd_limited(c, cmd, m))
		return;
	if (m->flags == CPG_LIST) {
		group_list(c, m);
		return;
	}
	/* Changes take from the contact changes' rate too. */
	if (m->flags != CPG_MEMBERS && m->flags != CPG_READERS &&
	    cmd_limited(c, &change, m))
		return;
	if (m->flags == CPG_CREATE) {
		group_create(c, m);
		return;
	}
	if ((g = group_find(c, m, m->flags == CPG_ACCEPT ||
	    m->flags == CPG_DECLINE, &me)) == NULL)
		return;
	switch (m->flags) {
	case CPG_ACCEPT:
		if (me->state == STORE_JOINED)
			break;
		if (group_join(srv, g, c->u->id, 0, 0, c->u->id) == -1)
			e = CPE_INTERNAL;
		break;
	case CPG_DECLINE:
		if (me->state != STORE_INVITED) {
			e = CPE_NO_REQUEST;
			break;
		}
		group_drop_member(srv, g, c->u->id);
		if (store_member_del(srv->st, g->id, c->u->id) == -1)
			e = CPE_INTERNAL;
		else
			group_ok(c, m);
		return;
	case CPG_LEAVE:
		if (group_remove(srv, g, c->u->id, c->u->id) == -1)
			outq_error(c, m->id, m->type, CPE_INTERNAL);
		else
			group_ok(c, m);
		return;
	case CPG_DELETE:
		if ((e = group_delete(c, g, me)) == CPE_NONE) {
			group_ok(c, m);
			return;
		}
		break;
	case CPG_MEMBERS:
		break;
	case CPG_READERS:
		if (m->sid == 0) {
			e = CPE_MALFORMED;
			break;
		}
		group_members_reply(c, m, g, me, m->sid);
		return;
	case CPG_TOPIC:
		e = group_topic(c, m, g, me);
		break;
	case CPG_MUTE:
	case CPG_UNMUTE:
		me->muted = m->flags == CPG_MUTE;
		if (store_member_mute(srv->st, g->id, c->u->id, me->muted) == -1)
			e = CPE_INTERNAL;
		break;
	default:
		e = group_target_op(c, m, g, me, &why);
		break;
	}
	if (e != CPE_NONE) {
		outq_error_why(c, m->id, m->type, e, why);
		return;
	}
	/* The group may be gone (its last member removed). */
	if ((g = group_find(c, m, 1, &me)) != NULL)
		group_members_reply(c, m, g, me, 0);
}

void
group_send(struct client *c, const struct cp_msg *m)
{
	static const struct command	 gsend = { NULL, 1, 1, RATE_GROUP };
	struct server			*srv = c->srv;
	struct store_gmsg		 gm;
	struct grecent			*rc;
	struct group			*g;
	struct gmember			*me;
	struct cp_msg			 r;
	size_t				 i;
	int				 dup;

	if ((g = group_find(c, m, 0, &me)) == NULL)
		return;
	if (cmd_limited(c, &gsend, m))
		return;
	memset(&gm, 0, sizeof gm);
	gm.sid = cmd_sid_next(srv);
	gm.grp = g->id;
	gm.sender = c->u->id;
	gm.msgid = m->id;
	gm.time = clock_wall_ms();
	gm.text = m->text.p;
	gm.len = m->text.len;
	if ((dup = store_gmsg_add(srv->st, &gm)) == -1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return;
	}
	memset(&r, 0, sizeof r);
	r.type = CP_ACCEPTED;
	r.id = m->id;
	r.sid = gm.sid;
	r.time = gm.time;
	outq_reply(c, &r, m->id, m->type);
	if (dup) {
		srv->stats.duplicates++;
		return;
	}
	srv->next_sid = gm.sid + 1;
	g->last_sid = gm.sid;
	srv->stats.group_accepted++;
	/* What one sends one has read: the sender's read cursor moves
	 * past it, so its unread count never walks its own messages.
	 * (Not its delivered cursor: its sessions may still be owed
	 * earlier messages, which catch-up sends from there.) */
	if (gm.sid > me->read)
		me->read = gm.sid;
	me->dirty = 1;
	if (!g->dirty) {
		g->dirty = 1;
		g->dnext = srv->groups->dirty;
		srv->groups->dirty = g;
	}
	/* Followed for receipts: of how many members is it? */
	rc = &g->recent[g->rpos++ % GRECENT];
	memset(rc, 0, sizeof *rc);
	rc->sid = gm.sid;
	rc->sender = gm.sender;
	rc->msgid = gm.msgid;
	for (i = 0; i < g->n; i++)
		if (g->m[i].state == STORE_JOINED && g->m[i].uid != gm.sender)
			rc->of++;
	group_queue(srv, g, &gm, c->u->nick, client_id(c));
}

void
group_deliver(struct server *srv, const struct out *o)
{
	struct group	*g = group_by_id(srv, o->uid);
	struct gmember	*m;
	struct client	*c;
	struct user	*u;
	struct sess_buf	*b = NULL;
	size_t		 i;

	if (g == NULL)
		return;
	if (o->sid > g->released)
		g->released = o->sid;
	/* One block of the message for every member's session, each of
	 * which holds a reference until its copy is acknowledged. */
	for (i = 0; i < g->n; i++) {
		m = &g->m[i];
		if ((m->state != STORE_JOINED && (m->state != GM_LEAVING ||
		    o->sid > m->read)) || m->since >= o->sid ||
		    (u = user_by_id(srv, m->uid)) == NULL)
			continue;
		for (c = u->clients; c != NULL; c = c->unext) {
			if (c->dead || c->send_only || c->backlog ||
			    !client_has_session(c) || (o->rcpt != 0 &&
			    client_id(c) == o->rcpt))
				continue;
			if (b == NULL && c->s != NULL)
				b = sess_buf_new(o->wire, o->len);
			if (client_send_buf(c, b, o->wire, o->len) == -1) {
				client_catch_up(c);
				continue;
			}
			srv->stats.group_delivered++;
		}
	}
	if (b != NULL)
		sess_buf_unref(b);
	/* Those whose removal this was are members no more. */
	for (i = 0; i < g->n; i++)
		if (g->m[i].state == GM_LEAVING && g->m[i].read <= o->sid)
			group_drop_member(srv, g, g->m[i--].uid);
}

/* Catching up: one stored group message to a client. */
struct gpump {
	struct server	*srv;
	struct client	*c;
	struct group	*g;
	uint64_t	 last;		/* the newest sent */
	int		 full;
};

/* How far group gid was sent to c in this catch-up (0: not yet); with
 * set, record sid. */
static uint64_t
group_sent(struct client *c, uint64_t gid, uint64_t set)
{
	size_t	i;

	for (i = 0; i < c->ngsent; i++)
		if (c->gsent[i].gid == gid) {
			if (set > c->gsent[i].sid)
				c->gsent[i].sid = set;
			return c->gsent[i].sid;
		}
	if (set == 0)
		return 0;
	if (c->ngsent == c->gsentcap) {
		c->gsentcap = c->gsentcap ? c->gsentcap * 2 : 8;
		c->gsent = xreallocarray(c->gsent, c->gsentcap,
		    sizeof *c->gsent);
	}
	c->gsent[c->ngsent].gid = gid;
	c->gsent[c->ngsent++].sid = set;
	return set;
}

static void
group_pump_one(void *arg, const struct store_gmsg *gm)
{
	struct gpump	*p = arg;
	struct cp_msg	 r;
	char		 from[NICK_MAX_BYTES];
	size_t		 n;

	if (p->full)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_GMESSAGE;
	r.sid = gm->sid;
	r.id = gm->msgid;
	r.time = gm->time;
	r.nick.p = (const uint8_t *)p->g->name;
	r.nick.len = strlen(p->g->name);
	group_nick(p->srv, gm->sender, from, sizeof from);
	r.target.p = (const uint8_t *)from;
	r.target.len = strlen(from);
	r.value = (uint8_t)gm->kind;
	r.text.p = gm->text;
	r.text.len = gm->len;
	if ((n = cp_encode(p->srv->buf, sizeof p->srv->buf, &r)) == 0)
		return;
	if (client_send(p->c, p->srv->buf, n) == -1) {
		p->full = 1;
		return;
	}
	p->last = gm->sid;
	p->srv->stats.group_delivered++;
}

int
group_catch_up(struct client *c)
{
	struct server	*srv = c->srv;
	struct ugroups	*u;
	struct gmember	*m;
	struct gpump	 p;
	uint64_t	 from, sent;
	size_t		 i;
	int		 n;

	/*
	 * Every group, every time: the live fan-out skips a session that
	 * is catching up, so a group already pumped may have more by now.
	 * Caught up when a pass finds every group sent up to what it has
	 * released; the progress is by group id, so groups joined or left
	 * meanwhile change nothing.
	 */
	if (c->u != NULL && !c->send_only &&
	    (u = group_user(srv, c->u->id, 0)) != NULL) {
		p.srv = srv;
		p.c = c;
		p.full = 0;
		for (i = 0; i < u->n; i++) {
			p.g = u->v[i];
			m = gmember_of(p.g, c->u->id);
			if (m == NULL || m->state != STORE_JOINED)
				continue;
			from = m->delivered > m->since ? m->delivered :
			    m->since;
			if ((sent = group_sent(c, p.g->id, 0)) > from)
				from = sent;
			while (from < p.g->released) {
				if (client_queued(c) >= PUMP_HIGH)
					return 0;
				p.last = from;
				n = store_gmsg_range(srv->st, p.g->id, from,
				    p.g->released, PUMP_BATCH, group_pump_one,
				    &p);
				group_sent(c, p.g->id, p.last);
				if (p.full || n < 0)
					return 0;
				if (n < PUMP_BATCH)
					break;
				from = p.last;
			}
		}
	}
	c->ngsent = 0;
	return 1;
}

void
group_gmark(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server	*srv = c->srv;
	struct group	*g;
	struct gmember	*me;
	char		 key[NICK_MAX_BYTES];
	uint64_t	 sid;

	if (group_name(&m->nick, 0, NULL, key, NULL) != NICK_OK ||
	    (g = group_by_key(srv, key)) == NULL ||
	    (me = gmember_of(g, c->u->id)) == NULL ||
	    me->state != STORE_JOINED)
		return;
	/* Nothing past what was sent out. */
	sid = m->sid < g->released ? m->sid : g->released;
	if (sid > me->delivered) {
		me->delivered = sid;
		me->dirty = 1;
	}
	/* A user who sends no read receipts is never counted as reading. */
	if (m->flags == CPR_READ && (c->u->settings & STORE_SET_RECEIPTS) &&
	    sid > me->read) {
		me->read = sid;
		me->dirty = 1;
	}
	if (me->dirty && !g->dirty) {
		g->dirty = 1;
		g->dnext = srv->groups->dirty;
		srv->groups->dirty = g;
	}
}

/* Tell the sender of a recent message how far it got, if that moved. */
static void
group_receipt(struct server *srv, struct group *g, struct grecent *rc)
{
	struct user	*u;
	struct client	*c;
	struct cp_msg	 r;
	struct gmember	*m;
	uint16_t	 d = 0, rd = 0;
	size_t		 i;

	for (i = 0; i < g->n; i++) {
		m = &g->m[i];
		if (m->state != STORE_JOINED || m->uid == rc->sender ||
		    m->since >= rc->sid)
			continue;
		d += m->delivered >= rc->sid;
		rd += m->read >= rc->sid;
	}
	if (d == rc->d && rd == rc->r)
		return;
	rc->d = d;
	rc->r = rd;
	if ((u = user_by_id(srv, rc->sender)) == NULL)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_GRECEIPT;
	r.nick.p = (const uint8_t *)g->name;
	r.nick.len = strlen(g->name);
	r.id = rc->msgid;
	r.sid = rc->sid;
	r.n[0] = d;
	r.n[1] = rd;
	r.n[2] = rc->of;
	/* To every session, a one-shot send waiting for it included,
	 * once the cursors it reports are committed (as for 1:1). */
	for (c = u->clients; c != NULL; c = c->unext)
		if (!c->dead)
			outq_reply(c, &r, 0, 0);
	srv->stats.group_receipts++;
}

void
group_flush(struct server *srv)
{
	struct group	*g;
	size_t		 i;

	while ((g = srv->groups->dirty) != NULL) {
		srv->groups->dirty = g->dnext;
		g->dirty = 0;
		if (!g->cdirty) {
			g->cdirty = 1;
			g->cnext = srv->groups->cdirty;
			srv->groups->cdirty = g;
		}
		for (i = 0; i < GRECENT; i++)
			if (g->recent[i].sid != 0)
				group_receipt(srv, g, &g->recent[i]);
	}
}

/*
 * The cursors are written here, into the transaction about to be
 * committed, not once per loop turn: while a disk flush runs the
 * transaction stays open for several turns, and a member who marks in
 * each of them would otherwise have its row rewritten each time.  The
 * receipts they report wait in the out-queue for this same commit.
 */
void
group_save(struct server *srv)
{
	struct group	*g;
	struct gmember	*m;
	size_t		 i;

	while ((g = srv->groups->cdirty) != NULL) {
		srv->groups->cdirty = g->cnext;
		g->cdirty = 0;
		for (i = 0; i < g->n; i++) {
			m = &g->m[i];
			if (!m->dirty)
				continue;
			m->dirty = 0;
			store_member_cursor(srv->st, g->id, m->uid,
			    m->delivered, m->read);
		}
	}
}

/* A page of a group's history, as history.c builds 1:1 pages. */
struct gpage {
	struct hpage	 h;
	struct server	*srv;
};

static void
group_history_row(void *arg, const struct store_gmsg *gm)
{
	struct gpage	*p = arg;
	struct cp_ghist	 h;
	char		 from[NICK_MAX_BYTES];

	if (!hpage_room(&p->h))
		return;
	h.sid = gm->sid;
	h.msgid = gm->msgid;
	h.time = gm->time;
	h.kind = (uint8_t)gm->kind;
	group_nick(p->srv, gm->sender, from, sizeof from);
	h.from.p = (const uint8_t *)from;
	h.from.len = strlen(from);
	h.text.p = gm->text;
	h.text.len = gm->len;
	hpage_added(&p->h, cp_ghist_encode(hpage_at(&p->h),
	    hpage_left(&p->h), &h));
}

void
group_history(struct client *c, const struct cp_msg *m)
{
	struct server	*srv = c->srv;
	struct group	*g;
	struct gmember	*me;
	struct gpage	*p;

	if ((g = group_find(c, m, 0, &me)) == NULL)
		return;
	p = xcalloc(1, sizeof *p);
	p->srv = srv;
	hpage_init(&p->h, m->value);
	if (store_ghistory(srv->st, g->id, me->since, m->sid, p->h.limit + 1,
	    group_history_row, p) == -1)
		outq_error(c, m->id, m->type, CPE_INTERNAL);
	else
		hpage_reply(c, m, &p->h, CP_GHISTORY_PAGE);
	free(p);
}

void
group_user_deleted(struct server *srv, uint64_t uid)
{
	struct ugroups	*u = group_user(srv, uid, 0);
	struct group	*g;
	uint64_t	*ids;
	size_t		 i, n;

	/* By id: leaving a group may end it, and its list with it. */
	if (u == NULL || u->n == 0)
		return;
	n = u->n;
	ids = xcalloc(n, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = u->v[i]->id;
	for (i = 0; i < n; i++)
		if ((g = group_by_id(srv, ids[i])) != NULL &&
		    group_remove(srv, g, uid, uid) == -1)
			break;
	free(ids);
}

void
group_expire(struct server *srv, uint64_t now)
{
	int		days = srv->conf.history_days > srv->conf.retention_days ?
			    srv->conf.history_days : srv->conf.retention_days;
	uint64_t	keep = (uint64_t)days * DAY_MS;
	int		n;

	store_gact_expire(srv->st, now > DAY_MS ? now - DAY_MS : 0);
	if ((n = store_gmsg_expire(srv->st, now > keep ? now - keep : 0)) > 0)
		log_info("groups: %d messages older than %d days removed", n,
		    days);
}
