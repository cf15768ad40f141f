/*
 * cursor.c: how far the messages to one online user have got.
 *
 * The store keeps cursors, not a state per message (store.h): the user's
 * delivered cursor, and per conversation a read cursor and how far the
 * sender has been told.  A MARK moves a cursor; every message it passes
 * earns its sender a receipt.  Finding those messages must not cost a
 * query per message, so the cursor remembers, in order, the messages it
 * has sent to the user's sessions and that are not yet read (the ring):
 * it holds every such message with a server id in (from, top].  Older
 * ones (sent by an earlier chatd, or pushed out of a full ring) are read
 * back from the store.  Cursor moves are kept here and written to the
 * store by cursor_flush(), once per commit.
 */
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "chat/chatproto.h"
#include "store.h"
#include "base/xmalloc.h"

#define RING_MIN	16
#define RING_MAX	4096		/* unread messages remembered */
#define CONVS_MAX	32		/* conversations cached */
#define RANGE_MAX	1000		/* messages read back per query */

/* A message sent and not yet read; sender 0 once read. */
struct ring_ent {
	uint64_t	sid, sender, msgid;
};

struct conv {
	struct store_conv	cv;
	int			dirty;
};

struct cursor {
	struct store	*st;
	uint64_t	 uid;
	uint64_t	 delivered;
	int		 ddirty;	/* delivered moved since the flush */
	uint64_t	 from, top;	/* the ring's span */
	struct ring_ent	*ring;
	size_t		 lo, n, cap;	/* live entries are ring[lo..n) */
	struct conv	 convs[CONVS_MAX];
	size_t		 nconvs, evict;
};

struct cursor *
cursor_new(struct store *st, uint64_t uid)
{
	struct cursor		*c = xcalloc(1, sizeof *c);
	struct store_user	 su;

	c->st = st;
	c->uid = uid;
	if (store_user_by_id(st, uid, &su) == 1)
		c->delivered = su.delivered;
	c->from = c->top = c->delivered;
	return c;
}

void
cursor_free(struct cursor *c)
{
	if (c == NULL)
		return;
	cursor_flush(c);
	free(c->ring);
	free(c);
}

int
cursor_dirty(const struct cursor *c)
{
	size_t	i;

	if (c->ddirty)
		return 1;
	for (i = 0; i < c->nconvs; i++)
		if (c->convs[i].dirty)
			return 1;
	return 0;
}

int
cursor_flush(struct cursor *c)
{
	size_t	i;
	int	rc = 0;

	if (c->ddirty && store_user_delivered(c->st, c->uid,
	    c->delivered) == -1)
		rc = -1;
	c->ddirty = 0;
	for (i = 0; i < c->nconvs; i++) {
		if (!c->convs[i].dirty)
			continue;
		if (store_conv_put(c->st, &c->convs[i].cv) == -1)
			rc = -1;
		c->convs[i].dirty = 0;
	}
	return rc;
}

/* The cached conversation with sender, loaded if need be. */
static struct store_conv *
cursor_conv(struct cursor *c, uint64_t sender, int dirty)
{
	struct conv	*v;
	size_t		 i;

	for (i = 0; i < c->nconvs; i++)
		if (c->convs[i].cv.sender == sender) {
			v = &c->convs[i];
			goto found;
		}
	if (c->nconvs < CONVS_MAX)
		v = &c->convs[c->nconvs++];
	else {
		/* Full: write one back and take its place. */
		v = &c->convs[c->evict++ % CONVS_MAX];
		if (v->dirty)
			store_conv_put(c->st, &v->cv);
	}
	v->dirty = 0;
	if (store_conv_get(c->st, c->uid, sender, &v->cv) == -1) {
		memset(&v->cv, 0, sizeof v->cv);
		v->cv.rcpt = c->uid;
		v->cv.sender = sender;
	}
found:
	v->dirty |= dirty;
	return &v->cv;
}

uint64_t
cursor_top(const struct cursor *c)
{
	return c->top;
}

void
cursor_sent(struct cursor *c, uint64_t sid, uint64_t sender, uint64_t msgid)
{
	size_t	i, j;

	if (sid <= c->top)
		return;
	c->top = sid;
	if (c->n == c->cap) {
		/* Squeeze out what was read, then grow, then forget the
		 * oldest (the store still has it). */
		for (i = c->lo, j = 0; i < c->n; i++)
			if (c->ring[i].sender != 0)
				c->ring[j++] = c->ring[i];
		c->lo = 0;
		c->n = j;
		if (c->n == c->cap && c->cap < RING_MAX) {
			c->cap = c->cap ? c->cap * 2 : RING_MIN;
			c->ring = xreallocarray(c->ring, c->cap,
			    sizeof *c->ring);
		} else if (c->n == c->cap) {
			c->from = c->ring[0].sid;
			memmove(c->ring, c->ring + 1,
			    (c->n - 1) * sizeof *c->ring);
			c->n--;
		}
	}
	c->ring[c->n].sid = sid;
	c->ring[c->n].sender = sender;
	c->ring[c->n].msgid = msgid;
	c->n++;
}

/* The ring entry for sid, or NULL. */
static struct ring_ent *
cursor_find(const struct cursor *c, uint64_t sid)
{
	size_t	lo = c->lo, hi = c->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->ring[mid].sid == sid)
			return &c->ring[mid];
		if (c->ring[mid].sid < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
cursor_done(const struct cursor *c, uint64_t sid)
{
	const struct ring_ent	*e;

	if (sid > c->delivered)
		return 0;
	if ((e = cursor_find(c, sid)) != NULL)
		return e->sender == 0;
	/* In the ring's span but not in it: read, and squeezed out. */
	return sid > c->from && sid <= c->top;
}

struct walk {
	struct cursor	*c;
	int		 kind;		/* CPR_DELIVERED or CPR_READ */
	cursor_fn	*fn;
	void		*arg;
	uint64_t	 last;		/* the newest message passed */
};

/* One message passed by a cursor: its sender gets a receipt. */
static void
cursor_pass(void *arg, const struct store_msg *m)
{
	struct walk		*w = arg;
	struct store_conv	*cv;

	w->last = m->sid;
	if (w->kind == CPR_DELIVERED) {
		cv = cursor_conv(w->c, m->sender, 1);
		if (cv->delivered < m->sid)
			cv->delivered = m->sid;
	}
	w->fn(w->arg, w->kind, m);
}

/*
 * Pass every message to the user (from sender, unless 0) with after < sid
 * <= upto, in order: those older than the ring from the store, RANGE_MAX
 * at a time; read ones leave the ring when kill is set.  -1 if the store
 * failed (the receipts not given are owed: given at the sender's next
 * login).
 */
static int
cursor_walk(struct cursor *c, uint64_t sender, uint64_t after, uint64_t upto,
    int kill, struct walk *w)
{
	struct store_msg	 m;
	uint64_t		 lim = upto < c->from ? upto : c->from;
	size_t			 i;
	int			 k;

	while (after < lim) {
		w->last = lim;
		k = store_msg_range(c->st, c->uid, sender, after, lim,
		    RANGE_MAX, cursor_pass, w);
		if (k == -1)
			return -1;
		if (k < RANGE_MAX)
			break;
		after = w->last;
	}
	memset(&m, 0, sizeof m);
	m.rcpt = c->uid;
	for (i = c->lo; i < c->n; i++) {
		struct ring_ent	*e = &c->ring[i];

		if (e->sid <= after || e->sender == 0)
			continue;
		if (e->sid > upto)
			break;
		if (sender != 0 && e->sender != sender)
			continue;
		m.sid = e->sid;
		m.sender = e->sender;
		m.msgid = e->msgid;
		cursor_pass(w, &m);
		if (kill)
			e->sender = 0;
	}
	while (c->lo < c->n && c->ring[c->lo].sender == 0)
		c->lo++;
	return 0;
}

int
cursor_delivered(struct cursor *c, uint64_t upto, cursor_fn *fn, void *arg)
{
	struct walk	w = { c, CPR_DELIVERED, fn, arg, 0 };
	int		rc;

	if (upto > c->top)
		upto = c->top;
	if (upto <= c->delivered)
		return 0;
	rc = cursor_walk(c, 0, c->delivered, upto, 0, &w);
	c->delivered = upto;
	c->ddirty = 1;
	return rc;
}

int
cursor_read(struct cursor *c, uint64_t sid, cursor_fn *fn, void *arg)
{
	struct walk		 w = { c, CPR_READ, fn, arg, 0 };
	struct store_conv	*cv;
	struct store_msg	 m;
	struct ring_ent		*e;
	uint64_t		 sender;
	int			 rc;

	if (sid > c->top)
		return 0;		/* never sent to this user */
	if ((e = cursor_find(c, sid)) != NULL)
		sender = e->sender;
	else if (sid > c->from)
		return 0;		/* in the ring's span: read, or not
					 * addressed to this user */
	else if ((rc = store_msg_get(c->st, sid, c->uid, &m)) == 1)
		sender = m.sender;
	else
		return rc;
	if (sender == 0)
		return 0;
	/* Seen implies delivered. */
	if (sid > c->delivered && cursor_delivered(c, sid, fn, arg) == -1)
		return -1;
	cv = cursor_conv(c, sender, 0);
	if (sid <= cv->read)
		return 0;
	rc = cursor_walk(c, sender, cv->read, sid, 1, &w);
	cv = cursor_conv(c, sender, 1);
	cv->read = sid;
	return rc;
}

void
cursor_told(struct cursor *c, uint64_t sender, int kind, uint64_t sid)
{
	struct store_conv	*cv = cursor_conv(c, sender, 1);

	if (kind == CPR_READ && cv->told_read < sid)
		cv->told_read = sid;
	if (cv->told_delivered < sid)
		cv->told_delivered = sid;
}
