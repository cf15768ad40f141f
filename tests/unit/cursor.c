/*
 * Unit tests for chatd/cursor.c: cumulative delivered and read marks,
 * each message passed exactly once and in order, read cursors kept per
 * conversation, marks of what was never sent, the cursors and receipts
 * written to the store, messages read back from the store after a
 * restart or when the ring of unread messages overflows, however many
 * (they come back RANGE per query), and which messages are done with
 * (delivered and read) when the store's tail asks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chatd/chatd.h"
#include "chatd/store.h"
#include "chat/chatproto.h"

#define RING		4096	/* unread messages a cursor remembers */
#define RANGE		1000	/* messages it reads back per query */
#define NSENDERS	40	/* more conversations than a cursor caches */

/* A message to the recipient, as stored. */
struct msg {
	uint64_t	sid, sender, msgid;
};

/* One call of the cursor's callback. */
struct call {
	int		kind;
	uint64_t	sid, sender, msgid;
};

struct calls {
	struct call	*v;
	size_t		 n, cap;
};

struct fx {
	char		 dir[64];
	struct store	*st;
	uint64_t	 a, b, c;	/* senders a and c, recipient b */
	uint64_t	 next_msgid;
	struct calls	 log;
	struct cursor	*cur;		/* the test's, if any */
	void		*mem[4];	/* freed by teardown */
	int		 nmem;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);
	char		 err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/cursorXXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_user_add(f->st, "alice", "alice", NULL,
	    "h", 1, &f->a), 0);
	assert_int_equal(store_user_add(f->st, "bob", "bob", NULL,
	    "h", 1, &f->b), 0);
	assert_int_equal(store_user_add(f->st, "carol", "carol", NULL,
	    "h", 1, &f->c), 0);
	assert_int_equal(store_commit(f->st), 0);
	f->next_msgid = 1000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];
	int		 i;

	cursor_free(f->cur);
	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	for (i = 0; i < f->nmem; i++)
		free(f->mem[i]);
	free(f->log.v);
	free(f);
	return 0;
}

/* A cursor for uid, which teardown frees if the test fails. */
static struct cursor *
cursor_open(struct fx *f, uint64_t uid)
{
	assert_null(f->cur);
	f->cur = cursor_new(f->st, uid);
	assert_non_null(f->cur);
	return f->cur;
}

static void
cursor_close(struct fx *f)
{
	cursor_free(f->cur);
	f->cur = NULL;
}

/* n zeroed messages, freed by teardown. */
static struct msg *
msgs(struct fx *f, size_t n)
{
	struct msg	*m = calloc(n, sizeof *m);

	assert_non_null(m);
	assert_true(f->nmem < 4);
	f->mem[f->nmem++] = m;
	return m;
}

/* The cursor_fn: log every message passed. */
static void
record(void *arg, int kind, const struct store_msg *m)
{
	struct calls	*l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	l->v[l->n].kind = kind;
	l->v[l->n].sid = m->sid;
	l->v[l->n].sender = m->sender;
	l->v[l->n].msgid = m->msgid;
	l->n++;
}

/* Store a message from sender to rcpt. */
static struct msg
add(struct fx *f, uint64_t sender, uint64_t rcpt)
{
	struct store_msg	sm;
	struct msg		m;

	memset(&sm, 0, sizeof sm);
	sm.sender = sender;
	sm.rcpt = rcpt;
	sm.msgid = f->next_msgid++;
	sm.time = 1000;
	sm.text = (const uint8_t *)"hi";
	sm.len = 2;
	assert_int_equal(store_msg_add(f->st, &sm), 0);
	assert_true(sm.sid != 0);
	m.sid = sm.sid;
	m.sender = sender;
	m.msgid = sm.msgid;
	return m;
}

/* The message went to the recipient's sessions. */
static void
sent(struct cursor *cur, const struct msg *m)
{
	cursor_sent(cur, m->sid, m->sender, m->msgid);
}

/* Call i of the log passed message m as kind. */
static void
check_call(const struct calls *l, size_t i, int kind, const struct msg *m)
{
	assert_true(i < l->n);
	assert_int_equal(l->v[i].kind, kind);
	assert_int_equal(l->v[i].sid, m->sid);
	assert_int_equal(l->v[i].sender, m->sender);
	assert_int_equal(l->v[i].msgid, m->msgid);
}

/* The calls of kind in the log from call first on are exactly want. */
static void
check_kind(const struct calls *l, size_t first, int kind,
    const struct msg *want, size_t nwant)
{
	size_t	i, k = 0;

	for (i = first; i < l->n; i++) {
		if (l->v[i].kind != kind)
			continue;
		assert_true(k < nwant);
		check_call(l, i, kind, &want[k]);
		k++;
	}
	assert_int_equal(k, nwant);
}

/* The calls of kind in the log are the first of want, in order: how many. */
static size_t
check_prefix(const struct calls *l, int kind, const struct msg *want,
    size_t nwant)
{
	size_t	i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].kind != kind)
			continue;
		assert_true(k < nwant);
		check_call(l, i, kind, &want[k]);
		k++;
	}
	return k;
}

/* Write the cursor's moves and commit them. */
static void
flush(struct fx *f, struct cursor *cur)
{
	assert_int_equal(cursor_flush(cur), 0);
	assert_false(cursor_dirty(cur));
	assert_int_equal(store_commit(f->st), 0);
}

/* The conversation from sender to b, as stored. */
static struct store_conv
conv(struct fx *f, uint64_t sender)
{
	struct store_conv	cv;

	assert_true(store_conv_get(f->st, f->b, sender, &cv) >= 0);
	return cv;
}

static uint64_t
user_delivered(struct fx *f, uint64_t id)
{
	struct store_user	u;

	assert_int_equal(store_user_by_id(f->st, id, &u), 1);
	return u.delivered;
}

static struct store_conv	owed_v[8];
static int			owed_n;

static void
owed_collect(void *arg, const struct store_conv *cv)
{
	if (owed_n < 8)
		owed_v[owed_n] = *cv;
	owed_n++;
}

/* The conversations whose sender is owed receipts. */
static int
owed(struct fx *f, uint64_t sender)
{
	int	n;

	owed_n = 0;
	n = store_owed(f->st, sender, owed_collect, NULL);
	assert_int_equal(n, owed_n);
	return n;
}

/* A new cursor starts at the user's stored delivered cursor. */
static void
test_start(void **state)
{
	struct fx	*f = *state;
	struct cursor	*cur;
	struct msg	 m[3];
	int		 i;

	for (i = 0; i < 3; i++)
		m[i] = add(f, f->a, f->b);
	assert_int_equal(store_user_delivered(f->st, f->b, m[1].sid), 0);
	assert_int_equal(store_commit(f->st), 0);

	cur = cursor_open(f, f->b);
	assert_int_equal(cursor_top(cur), m[1].sid);
	assert_false(cursor_dirty(cur));
	/* Below the cursor: already delivered, nothing to send or mark. */
	sent(cur, &m[0]);
	sent(cur, &m[1]);
	assert_int_equal(cursor_top(cur), m[1].sid);
	assert_int_equal(cursor_delivered(cur, m[1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 0);
	assert_false(cursor_dirty(cur));
	sent(cur, &m[2]);
	assert_int_equal(cursor_top(cur), m[2].sid);
	assert_int_equal(cursor_delivered(cur, m[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 1);
	check_call(&f->log, 0, CPR_DELIVERED, &m[2]);
	assert_true(cursor_dirty(cur));
	cursor_close(f);	/* writes what moved */
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(user_delivered(f, f->b), m[2].sid);

	/* A user with no messages yet starts at 0. */
	cur = cursor_open(f, f->a);
	assert_int_equal(cursor_top(cur), 0);
	assert_int_equal(cursor_delivered(cur, m[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 1);
	cursor_close(f);
}

/* MARK delivered is cumulative, clamped to what was sent, and passes
 * every message exactly once. */
static void
test_delivered(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		 m[6];
	size_t			 n;
	int			 i;

	for (i = 0; i < 5; i++) {
		m[i] = add(f, f->a, f->b);
		(void)add(f, f->a, f->c);	/* another recipient's */
	}
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);

	/* Nothing sent yet: nothing to mark. */
	assert_int_equal(cursor_delivered(cur, m[4].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 0);
	assert_int_equal(cursor_top(cur), 0);

	for (i = 0; i < 5; i++) {
		sent(cur, &m[i]);
		sent(cur, &m[i]);	/* a second session */
		assert_int_equal(cursor_top(cur), m[i].sid);
	}
	assert_int_equal(cursor_delivered(cur, m[1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 2);
	check_call(&f->log, 0, CPR_DELIVERED, &m[0]);
	check_call(&f->log, 1, CPR_DELIVERED, &m[1]);
	/* The same mark again, or a lower one, passes nothing. */
	assert_int_equal(cursor_delivered(cur, m[1].sid, record, &f->log), 0);
	assert_int_equal(cursor_delivered(cur, m[0].sid, record, &f->log), 0);
	assert_int_equal(cursor_delivered(cur, 0, record, &f->log), 0);
	assert_int_equal(f->log.n, 2);
	/* Overlapping ranges: only the new part. */
	assert_int_equal(cursor_delivered(cur, m[3].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 4);
	check_call(&f->log, 2, CPR_DELIVERED, &m[2]);
	check_call(&f->log, 3, CPR_DELIVERED, &m[3]);
	/* Above the newest sent: up to it, and no further. */
	assert_int_equal(cursor_delivered(cur, UINT64_MAX, record, &f->log),
	    0);
	assert_int_equal(f->log.n, 5);
	check_call(&f->log, 4, CPR_DELIVERED, &m[4]);
	assert_int_equal(cursor_delivered(cur, UINT64_MAX, record, &f->log),
	    0);
	assert_int_equal(f->log.n, 5);
	/* The clamped mark did not cover a message sent after it. */
	m[5] = add(f, f->a, f->b);
	sent(cur, &m[5]);
	assert_int_equal(cursor_delivered(cur, m[5].sid, record, &f->log), 0);
	n = f->log.n;
	assert_int_equal(n, 6);
	check_call(&f->log, 5, CPR_DELIVERED, &m[5]);
	check_kind(&f->log, 0, CPR_DELIVERED, m, 6);
	check_kind(&f->log, 0, CPR_READ, NULL, 0);

	/* Nothing reaches the store before the flush. */
	assert_true(cursor_dirty(cur));
	assert_int_equal(user_delivered(f, f->b), 0);
	flush(f, cur);
	assert_int_equal(user_delivered(f, f->b), m[5].sid);
	assert_int_equal(store_msg_queued(f->st, f->b), 0);
	assert_int_equal(store_msg_queued(f->st, f->c), 5);
	cv = conv(f, f->a);
	assert_int_equal(cv.delivered, m[5].sid);
	assert_int_equal(cv.read, 0);
	assert_int_equal(cv.told_delivered, 0);
	cursor_close(f);
	assert_int_equal(f->log.n, n);
}

/* MARK read moves one conversation's cursor, delivering on the way. */
static void
test_read(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		 a[3], c[3], all[6], other, unsent;
	size_t			 n;
	int			 i;

	other = add(f, f->b, f->a);	/* from the user, not to it */
	for (i = 0; i < 3; i++) {
		all[2 * i] = a[i] = add(f, f->a, f->b);
		all[2 * i + 1] = c[i] = add(f, f->c, f->b);
	}
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < 6; i++)
		sent(cur, &all[i]);

	/* Read a1: delivered a0 c0 a1 first, then a's conversation only. */
	assert_int_equal(cursor_read(cur, a[1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 5);
	check_call(&f->log, 0, CPR_DELIVERED, &a[0]);
	check_call(&f->log, 1, CPR_DELIVERED, &c[0]);
	check_call(&f->log, 2, CPR_DELIVERED, &a[1]);
	check_call(&f->log, 3, CPR_READ, &a[0]);
	check_call(&f->log, 4, CPR_READ, &a[1]);
	/* Already read: nothing. */
	assert_int_equal(cursor_read(cur, a[1].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, a[0].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 5);
	/* c's read cursor is its own: c0 is still unread. */
	assert_int_equal(cursor_read(cur, c[0].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 6);
	check_call(&f->log, 5, CPR_READ, &c[0]);
	/* Read c2: delivers c1 a2 c2, reads c1 c2 but not a2. */
	assert_int_equal(cursor_read(cur, c[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 11);
	check_call(&f->log, 6, CPR_DELIVERED, &c[1]);
	check_call(&f->log, 7, CPR_DELIVERED, &a[2]);
	check_call(&f->log, 8, CPR_DELIVERED, &c[2]);
	check_call(&f->log, 9, CPR_READ, &c[1]);
	check_call(&f->log, 10, CPR_READ, &c[2]);
	assert_int_equal(cursor_read(cur, c[1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 11);
	assert_int_equal(cursor_read(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 12);
	check_call(&f->log, 11, CPR_READ, &a[2]);

	/* Never sent to this user: nothing, and nothing delivered. */
	unsent = add(f, f->a, f->b);
	assert_int_equal(cursor_read(cur, unsent.sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, UINT64_MAX, record, &f->log), 0);
	assert_int_equal(cursor_delivered(cur, unsent.sid, record, &f->log),
	    0);
	assert_int_equal(cursor_read(cur, other.sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, 0, record, &f->log), 0);
	assert_int_equal(cursor_top(cur), c[2].sid);
	n = f->log.n;
	assert_int_equal(n, 12);
	check_kind(&f->log, 0, CPR_DELIVERED, all, 6);

	flush(f, cur);
	assert_int_equal(user_delivered(f, f->b), c[2].sid);
	cv = conv(f, f->a);
	assert_int_equal(cv.delivered, a[2].sid);
	assert_int_equal(cv.read, a[2].sid);
	cv = conv(f, f->c);
	assert_int_equal(cv.delivered, c[2].sid);
	assert_int_equal(cv.read, c[2].sid);
	assert_int_equal(store_conv_get(f->st, f->a, f->b, &cv), 0);
	cursor_close(f);
}

/* Receipts handed over are recorded as told; the rest are owed. */
static void
test_told(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		 a[3], c;
	int			 i;

	for (i = 0; i < 3; i++)
		a[i] = add(f, f->a, f->b);
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < 3; i++)
		sent(cur, &a[i]);
	assert_int_equal(cursor_read(cur, a[1].sid, record, &f->log), 0);
	assert_int_equal(cursor_delivered(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 5);
	flush(f, cur);
	assert_int_equal(owed(f, f->a), 1);
	assert_int_equal(owed_v[0].rcpt, f->b);
	assert_int_equal(owed_v[0].delivered, a[2].sid);
	assert_int_equal(owed_v[0].read, a[1].sid);
	assert_int_equal(owed_v[0].told_delivered, 0);
	assert_int_equal(owed_v[0].told_read, 0);
	assert_int_equal(owed(f, f->c), 0);
	assert_int_equal(owed(f, f->b), 0);

	/* Delivered receipts given: the read ones are still owed. */
	cursor_told(cur, f->a, CPR_DELIVERED, a[2].sid);
	assert_true(cursor_dirty(cur));
	flush(f, cur);
	cv = conv(f, f->a);
	assert_int_equal(cv.told_delivered, a[2].sid);
	assert_int_equal(cv.told_read, 0);
	assert_int_equal(owed(f, f->a), 1);
	/* A read receipt counts as delivered too; told never goes back. */
	cursor_told(cur, f->a, CPR_READ, a[1].sid);
	cursor_told(cur, f->a, CPR_DELIVERED, a[0].sid);
	flush(f, cur);
	cv = conv(f, f->a);
	assert_int_equal(cv.told_delivered, a[2].sid);
	assert_int_equal(cv.told_read, a[1].sid);
	assert_int_equal(owed(f, f->a), 0);
	/* A new read is owed until told. */
	assert_int_equal(cursor_read(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 6);
	check_call(&f->log, 5, CPR_READ, &a[2]);
	flush(f, cur);
	assert_int_equal(owed(f, f->a), 1);
	assert_int_equal(owed_v[0].read, a[2].sid);
	cursor_told(cur, f->a, CPR_READ, a[2].sid);
	flush(f, cur);
	assert_int_equal(owed(f, f->a), 0);
	cv = conv(f, f->a);
	assert_int_equal(cv.told_delivered, a[2].sid);
	assert_int_equal(cv.told_read, a[2].sid);

	/* A read receipt alone settles the delivered one as well. */
	c = add(f, f->c, f->b);
	sent(cur, &c);
	assert_int_equal(cursor_read(cur, c.sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 8);
	check_call(&f->log, 6, CPR_DELIVERED, &c);
	check_call(&f->log, 7, CPR_READ, &c);
	flush(f, cur);
	assert_int_equal(owed(f, f->c), 1);
	cursor_told(cur, f->c, CPR_READ, c.sid);
	flush(f, cur);
	cv = conv(f, f->c);
	assert_int_equal(cv.told_delivered, c.sid);
	assert_int_equal(cv.told_read, c.sid);
	assert_int_equal(owed(f, f->c), 0);
	assert_int_equal(owed(f, f->a), 0);
	cursor_close(f);
}

/* After a restart, reading what an earlier cursor delivered finds the
 * messages in the store. */
static void
test_restart_read(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		 a[3], c[3], all[6], other;
	size_t			 n;
	int			 i;

	other = add(f, f->b, f->a);
	for (i = 0; i < 3; i++) {
		all[2 * i] = a[i] = add(f, f->a, f->b);
		all[2 * i + 1] = c[i] = add(f, f->c, f->b);
	}
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < 6; i++)
		sent(cur, &all[i]);
	assert_int_equal(cursor_delivered(cur, c[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 6);
	check_kind(&f->log, 0, CPR_DELIVERED, all, 6);
	cursor_close(f);
	assert_int_equal(store_commit(f->st), 0);

	cur = cursor_open(f, f->b);
	assert_int_equal(cursor_top(cur), c[2].sid);
	n = f->log.n;
	/* Already delivered: only read receipts, a's only. */
	assert_int_equal(cursor_read(cur, a[1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, n + 2);
	check_call(&f->log, n, CPR_READ, &a[0]);
	check_call(&f->log, n + 1, CPR_READ, &a[1]);
	assert_int_equal(cursor_read(cur, a[1].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, a[0].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, other.sid, record, &f->log), 0);
	assert_int_equal(cursor_delivered(cur, c[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, n + 2);
	assert_int_equal(cursor_read(cur, c[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, n + 5);
	check_call(&f->log, n + 2, CPR_READ, &c[0]);
	check_call(&f->log, n + 3, CPR_READ, &c[1]);
	check_call(&f->log, n + 4, CPR_READ, &c[2]);
	assert_int_equal(cursor_read(cur, c[0].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, n + 6);
	check_call(&f->log, n + 5, CPR_READ, &a[2]);
	check_kind(&f->log, n, CPR_DELIVERED, NULL, 0);
	flush(f, cur);
	assert_int_equal(conv(f, f->a).read, a[2].sid);
	assert_int_equal(conv(f, f->c).read, c[2].sid);
	cursor_close(f);

	/* And after another restart, nothing is passed twice. */
	cur = cursor_open(f, f->b);
	assert_int_equal(cursor_read(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, c[1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, n + 6);
	cursor_close(f);
	cv = conv(f, f->a);
	assert_int_equal(cv.delivered, a[2].sid);
}

/* A read after a restart passes old messages from the store, then the
 * new ones from the ring, in order. */
static void
test_restart_mixed(void **state)
{
	struct fx	*f = *state;
	struct cursor	*cur;
	struct msg	 a[5];
	size_t		 n;
	int		 i;

	for (i = 0; i < 3; i++)
		a[i] = add(f, f->a, f->b);
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < 3; i++)
		sent(cur, &a[i]);
	assert_int_equal(cursor_delivered(cur, a[2].sid, record, &f->log), 0);
	cursor_close(f);
	assert_int_equal(store_commit(f->st), 0);
	n = f->log.n;
	assert_int_equal(n, 3);

	for (i = 3; i < 5; i++)
		a[i] = add(f, f->a, f->b);
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	sent(cur, &a[3]);
	sent(cur, &a[4]);
	assert_int_equal(cursor_read(cur, a[4].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, n + 7);
	check_call(&f->log, n, CPR_DELIVERED, &a[3]);
	check_call(&f->log, n + 1, CPR_DELIVERED, &a[4]);
	for (i = 0; i < 5; i++)
		check_call(&f->log, n + 2 + (size_t)i, CPR_READ, &a[i]);
	check_kind(&f->log, 0, CPR_DELIVERED, a, 5);
	flush(f, cur);
	assert_int_equal(user_delivered(f, f->b), a[4].sid);
	assert_int_equal(conv(f, f->a).read, a[4].sid);
	cursor_close(f);
}

/* Messages an earlier cursor sent but that were never marked must be
 * sent again (the server's catch-up) before they can be marked. */
static void
test_restart_unmarked(void **state)
{
	struct fx	*f = *state;
	struct cursor	*cur;
	struct msg	 a[5];
	int		 i;

	for (i = 0; i < 5; i++)
		a[i] = add(f, f->a, f->b);
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < 5; i++)
		sent(cur, &a[i]);
	assert_false(cursor_dirty(cur));
	flush(f, cur);
	cursor_close(f);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(user_delivered(f, f->b), 0);

	cur = cursor_open(f, f->b);
	assert_int_equal(cursor_top(cur), 0);
	assert_int_equal(cursor_delivered(cur, a[4].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 0);
	assert_false(cursor_dirty(cur));
	/* Catch-up sends them again. */
	for (i = 0; i < 5; i++)
		sent(cur, &a[i]);
	assert_int_equal(cursor_read(cur, a[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 6);
	check_kind(&f->log, 0, CPR_DELIVERED, a, 3);
	check_kind(&f->log, 0, CPR_READ, a, 3);
	assert_int_equal(cursor_delivered(cur, a[4].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 8);
	check_kind(&f->log, 0, CPR_DELIVERED, a, 5);
	flush(f, cur);
	assert_int_equal(user_delivered(f, f->b), a[4].sid);
	assert_int_equal(conv(f, f->a).read, a[2].sid);
	cursor_close(f);
}

/* n messages to b, from a only, or from a and c in turn. */
static struct msg *
many(struct fx *f, size_t n, int both)
{
	struct msg	*m = msgs(f, n);
	size_t		 i;

	for (i = 0; i < n; i++)
		m[i] = add(f, both && i % 2 ? f->c : f->a, f->b);
	assert_int_equal(store_commit(f->st), 0);
	return m;
}

/* More unread messages than the ring holds: the oldest come back from
 * the store, each passed once and in order. */
static void
test_ring_overflow(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		*m;
	size_t			 i, n = RING + 904;

	m = many(f, n, 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < n; i++)
		sent(cur, &m[i]);
	assert_int_equal(cursor_top(cur), m[n - 1].sid);
	assert_int_equal(cursor_delivered(cur, m[n - 1].sid, record, &f->log),
	    0);
	assert_int_equal(f->log.n, n);
	check_kind(&f->log, 0, CPR_DELIVERED, m, n);
	assert_int_equal(cursor_read(cur, m[n - 1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 2 * n);
	check_kind(&f->log, 0, CPR_READ, m, n);
	/* All read, the oldest ones too. */
	assert_int_equal(cursor_read(cur, m[n - 1].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, m[0].sid, record, &f->log), 0);
	assert_int_equal(cursor_read(cur, m[n / 2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 2 * n);
	flush(f, cur);
	cv = conv(f, f->a);
	assert_int_equal(cv.delivered, m[n - 1].sid);
	assert_int_equal(cv.read, m[n - 1].sid);
	cursor_close(f);
}

/* Overflow with two conversations, nothing marked: a read delivers
 * everything and reads one conversation, from the store and the ring. */
static void
test_ring_overflow_two(void **state)
{
	struct fx	*f = *state;
	struct cursor	*cur;
	struct msg	*m, *from_a, *from_c;
	size_t		 i, n = RING + 904, na = 0, nc = 0, before;

	m = many(f, n, 1);
	from_a = msgs(f, n);
	from_c = msgs(f, n);
	for (i = 0; i < n; i++) {
		if (m[i].sender == f->a)
			from_a[na++] = m[i];
		else
			from_c[nc++] = m[i];
	}
	cur = cursor_open(f, f->b);
	for (i = 0; i < n; i++)
		sent(cur, &m[i]);
	/* The last of a's is the one before the last message. */
	assert_int_equal(from_a[na - 1].sid, m[n - 2].sid);
	assert_int_equal(cursor_read(cur, from_a[na - 1].sid, record,
	    &f->log), 0);
	assert_int_equal(f->log.n, n - 1 + na);
	check_kind(&f->log, 0, CPR_DELIVERED, m, n - 1);
	check_kind(&f->log, 0, CPR_READ, from_a, na);
	/* An old message of c's, forgotten by the ring. */
	before = f->log.n;
	assert_int_equal(cursor_read(cur, from_c[10].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, before + 11);
	check_kind(&f->log, before, CPR_READ, from_c, 11);
	assert_int_equal(cursor_read(cur, from_c[nc - 1].sid, record,
	    &f->log), 0);
	assert_int_equal(f->log.n, n + na + nc);
	check_kind(&f->log, 0, CPR_DELIVERED, m, n);
	check_kind(&f->log, before, CPR_READ, from_c, nc);
	flush(f, cur);
	assert_int_equal(conv(f, f->a).read, from_a[na - 1].sid);
	assert_int_equal(conv(f, f->c).read, from_c[nc - 1].sid);
	assert_int_equal(conv(f, f->c).delivered, from_c[nc - 1].sid);
	cursor_close(f);
}

/* More than RANGE messages come back from the store, RANGE per query:
 * every one is passed, once, in order. */
static void
test_range_read(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		*m;
	size_t			 i, n = RANGE + 500;

	m = many(f, n, 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < n; i++)
		sent(cur, &m[i]);
	assert_int_equal(cursor_delivered(cur, m[n - 1].sid, record, &f->log),
	    0);
	assert_int_equal(f->log.n, n);
	cursor_close(f);
	assert_int_equal(store_commit(f->st), 0);

	cur = cursor_open(f, f->b);
	assert_int_equal(cursor_read(cur, m[n - 1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 2 * n);
	check_kind(&f->log, 0, CPR_READ, m, n);
	/* Told about the first RANGE only: the rest stay owed. */
	for (i = 0; i < RANGE; i++)
		cursor_told(cur, f->a, CPR_READ, m[i].sid);
	assert_int_equal(cursor_read(cur, m[n - 1].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 2 * n);
	flush(f, cur);
	cv = conv(f, f->a);
	assert_int_equal(cv.read, m[n - 1].sid);
	assert_int_equal(cv.told_read, m[RANGE - 1].sid);
	assert_int_equal(owed(f, f->a), 1);
	assert_int_equal(owed_v[0].read, m[n - 1].sid);
	cursor_close(f);
}

/*
 * A delivered mark over more undelivered messages than the ring holds
 * plus RANGE: every one is passed, those the ring forgot from the store,
 * and the conversation's delivered cursor reaches the mark.
 */
static void
test_range_delivered(void **state)
{
	struct fx	*f = *state;
	struct cursor	*cur;
	struct msg	*m;
	size_t		 i, n = RING + RANGE + 904;
	int		 rc;

	m = many(f, n, 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < n; i++)
		sent(cur, &m[i]);
	rc = cursor_delivered(cur, m[n - 1].sid, record, &f->log);
	assert_int_equal(rc, 0);
	assert_int_equal(check_prefix(&f->log, CPR_DELIVERED, m, n),
	    f->log.n);
	assert_int_equal(f->log.n, n);
	flush(f, cur);
	assert_int_equal(user_delivered(f, f->b), m[n - 1].sid);
	assert_int_equal(conv(f, f->a).delivered, m[n - 1].sid);
	cursor_close(f);
}

/*
 * The same with a read mark: it implies delivered up to its message, and
 * passes every message both ways.
 */
static void
test_range_read_undelivered(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		*m;
	size_t			 i, nd, nr, n = RING + RANGE + 904;
	int			 rc;

	m = many(f, n, 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < n; i++)
		sent(cur, &m[i]);
	rc = cursor_read(cur, m[n - 1].sid, record, &f->log);
	assert_int_equal(rc, 0);
	nd = check_prefix(&f->log, CPR_DELIVERED, m, n);
	nr = check_prefix(&f->log, CPR_READ, m, n);
	assert_int_equal(nd + nr, f->log.n);
	assert_true(nd == n && nr == n);
	flush(f, cur);
	assert_int_equal(user_delivered(f, f->b), m[n - 1].sid);
	cv = conv(f, f->a);
	assert_int_equal(cv.read, m[n - 1].sid);
	assert_int_equal(cv.delivered, m[n - 1].sid);
	cursor_close(f);
}

/*
 * Exactly RANGE messages forgotten by the ring: a full batch from the
 * store, then the ring's, all passed.
 */
static void
test_range_exact(void **state)
{
	struct fx	*f = *state;
	struct cursor	*cur;
	struct msg	*m;
	size_t		 i, n = RING + RANGE;

	m = many(f, n, 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < n; i++)
		sent(cur, &m[i]);
	assert_int_equal(cursor_delivered(cur, m[n - 1].sid, record, &f->log),
	    0);
	assert_int_equal(f->log.n, n);
	check_kind(&f->log, 0, CPR_DELIVERED, m, n);
	cursor_close(f);
}

/* More conversations than the cursor caches: none loses its cursors. */
static void
test_many_senders(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur;
	struct store_conv	 cv;
	struct msg		 m[2 * NSENDERS];
	uint64_t		 id[NSENDERS];
	char			 key[16];
	int			 i;

	for (i = 0; i < NSENDERS; i++) {
		snprintf(key, sizeof key, "s%02d", i);
		assert_int_equal(store_user_add(f->st, key, key, NULL, "h", 1,
		    &id[i]), 0);
	}
	for (i = 0; i < 2 * NSENDERS; i++)
		m[i] = add(f, id[i % NSENDERS], f->b);
	assert_int_equal(store_commit(f->st), 0);
	cur = cursor_open(f, f->b);
	for (i = 0; i < 2 * NSENDERS; i++)
		sent(cur, &m[i]);
	assert_int_equal(cursor_delivered(cur, m[2 * NSENDERS - 1].sid,
	    record, &f->log), 0);
	check_kind(&f->log, 0, CPR_DELIVERED, m, 2 * NSENDERS);
	/* Read each conversation's first message, newest sender first. */
	for (i = NSENDERS - 1; i >= 0; i--) {
		assert_int_equal(cursor_read(cur, m[i].sid, record, &f->log),
		    0);
		check_call(&f->log, f->log.n - 1, CPR_READ, &m[i]);
		cursor_told(cur, id[i], CPR_DELIVERED, m[i + NSENDERS].sid);
		cursor_told(cur, id[i], CPR_READ, m[i].sid);
	}
	assert_int_equal(f->log.n, 3 * NSENDERS);
	flush(f, cur);
	for (i = 0; i < NSENDERS; i++) {
		cv = conv(f, id[i]);
		assert_int_equal(cv.delivered, m[i + NSENDERS].sid);
		assert_int_equal(cv.read, m[i].sid);
		assert_int_equal(cv.told_delivered, m[i + NSENDERS].sid);
		assert_int_equal(cv.told_read, m[i].sid);
		assert_int_equal(owed(f, id[i]), 0);
	}
	/* The second messages: read, each passed once. */
	for (i = 0; i < NSENDERS; i++)
		assert_int_equal(cursor_read(cur, m[i + NSENDERS].sid, record,
		    &f->log), 0);
	assert_int_equal(f->log.n, 4 * NSENDERS);
	check_kind(&f->log, 3 * NSENDERS, CPR_READ, m + NSENDERS, NSENDERS);
	flush(f, cur);
	for (i = 0; i < NSENDERS; i++) {
		assert_int_equal(conv(f, id[i]).read, m[i + NSENDERS].sid);
		assert_int_equal(owed(f, id[i]), 1);
	}
	cursor_close(f);
}

/* store_age()'s question, answered by the cursor. */
static int
need_cur(void *arg, uint64_t rcpt, uint64_t sid)
{
	return !cursor_done(arg, sid);
}

/*
 * A message is done with once delivered and read.  Messages to an online
 * recipient join the store's queue index only if not done with when the
 * tail lets them go; one that joined is still read back after a restart.
 */
static void
test_done(void **state)
{
	struct fx		*f = *state;
	struct cursor		*cur = cursor_open(f, f->b);
	struct store_msg	 sm;
	struct msg		 m[3];
	int			 i;

	for (i = 0; i < 3; i++) {
		memset(&sm, 0, sizeof sm);
		sm.sender = f->a;
		sm.rcpt = f->b;
		sm.msgid = f->next_msgid++;
		sm.time = 1000;
		sm.text = (const uint8_t *)"hi";
		sm.len = 2;
		sm.online = 1;
		assert_int_equal(store_msg_add(f->st, &sm), 0);
		m[i].sid = sm.sid;
		m[i].sender = f->a;
		m[i].msgid = sm.msgid;
		sent(cur, &m[i]);
	}
	assert_false(cursor_done(cur, m[0].sid));
	assert_int_equal(cursor_delivered(cur, m[2].sid, record, &f->log), 0);
	assert_false(cursor_done(cur, m[0].sid));
	assert_int_equal(cursor_read(cur, m[1].sid, record, &f->log), 0);
	assert_true(cursor_done(cur, m[0].sid));
	assert_true(cursor_done(cur, m[1].sid));
	assert_false(cursor_done(cur, m[2].sid));
	assert_false(cursor_done(cur, m[2].sid + 1));
	/* Only the unread one joins the queue index. */
	assert_int_equal(store_age(f->st, 5000, 100, need_cur, cur), 1);
	cursor_close(f);
	assert_int_equal(store_commit(f->st), 0);
	/* After a restart, reading it finds it in the store. */
	cur = cursor_open(f, f->b);
	f->log.n = 0;
	assert_int_equal(cursor_read(cur, m[2].sid, record, &f->log), 0);
	assert_int_equal(f->log.n, 1);
	check_call(&f->log, 0, CPR_READ, &m[2]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_told, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_mixed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_unmarked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ring_overflow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ring_overflow_two, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_delivered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_read_undelivered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_many_senders, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
