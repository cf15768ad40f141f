/*
 * Unit tests for chatd/store.c: accounts, tokens, contacts, the message
 * queue with duplicate ids, delivered and read cursors, owed receipts,
 * group commit, reopening, the queue index's tail, the upgrade of
 * version 1 and 2 stores, and that of a version 3 store whose accounts
 * look alike (nickname keys and skeletons); the archive (schema 7): the
 * upgrade of a version 6 store, history pages, expiry, the cap per
 * conversation, and deleting an account with its name held; the chains
 * of schema 9: messages removed from the middle of a conversation, and
 * history after a reopen and after a crash.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "chatd/store.h"

struct fx {
	char		 dir[64];
	struct store	*st;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);
	char		 err[256];

	strcpy(f->dir, "/tmp/chatstoreXXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_users(void **state)
{
	struct fx		*f = *state;
	struct store_user	 u;
	uint64_t		 a, b, tid, id;
	uint8_t			 th[STORE_TOKEN_HASHLEN] = { 1, 2, 3 };

	assert_int_equal(store_user_add(f->st, "alice", "Alice", NULL,
	    "h1", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "alice", "ALICE", NULL,
	    "h2", 2, &b), 1);
	assert_int_equal(store_user_add(f->st, "bob", "bob", NULL,
	    "h3", 3, &b), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_user_get(f->st, "alice", &u), 1);
	assert_int_equal(u.id, a);
	assert_string_equal(u.nick, "Alice");
	assert_string_equal(u.hash, "h1");
	assert_int_equal(store_user_get(f->st, "carol", &u), 0);
	assert_int_equal(store_user_set_hash(f->st, a, "h9"), 0);
	assert_int_equal(store_user_seen(f->st, a, 77), 0);
	assert_int_equal(store_user_by_id(f->st, a, &u), 1);
	assert_string_equal(u.hash, "h9");
	assert_int_equal(u.last_seen, 77);

	assert_int_equal(store_token_add(f->st, a, th, 5, "chatc on x",
	    "127.0.0.1", &tid), 0);
	assert_true(tid != 0);
	assert_int_equal(store_token_check(f->st, a, th, 5, &id), 1);
	assert_int_equal(id, tid);
	assert_int_equal(store_token_check(f->st, b, th, 0, &id), 0);
	assert_int_equal(store_token_revoke(f->st, a), 0);
	assert_int_equal(store_token_check(f->st, a, th, 0, &id), 0);
}

static int		ntokens;
static struct store_token last_token;

static void
count_token(void *arg, const struct store_token *t)
{
	ntokens++;
	last_token = *t;
}

/* Tokens: used, listed newest first, revoked one by one, expired. */
static void
test_tokens(void **state)
{
	struct fx	*f = *state;
	uint8_t		 th[STORE_TOKEN_HASHLEN], th2[STORE_TOKEN_HASHLEN];
	uint64_t	 a, b, t1, t2, id;

	memset(th, 1, sizeof th);
	memset(th2, 2, sizeof th2);
	assert_int_equal(store_user_add(f->st, "alice", "Alice", NULL,
	    "h1", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "bob", "bob", NULL,
	    "h3", 3, &b), 0);
	assert_int_equal(store_token_add(f->st, a, th, 100, "one", "10.0.0.1",
	    &t1), 0);
	assert_int_equal(store_token_add(f->st, a, th2, 200, "two", "10.0.0.2",
	    &t2), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_token_used(f->st, t1, 300, "10.0.0.9"), 0);
	ntokens = 0;
	assert_int_equal(store_tokens(f->st, a, count_token, NULL), 2);
	/* The oldest used last: t2, used at 200. */
	assert_int_equal(last_token.id, t2);
	assert_string_equal(last_token.name, "two");
	assert_int_equal(store_tokens(f->st, b, count_token, NULL), 0);
	/* Only the owner revokes, once. */
	assert_int_equal(store_token_revoke_one(f->st, b, t2), 0);
	assert_int_equal(store_token_revoke_one(f->st, a, t2), 1);
	assert_int_equal(store_token_revoke_one(f->st, a, t2), 0);
	assert_int_equal(store_token_check(f->st, a, th2, 0, &id), 0);
	/* Idle since before 301: refused as expired, and gone. */
	assert_int_equal(store_token_check(f->st, a, th, 301, &id), 2);
	assert_int_equal(store_token_check(f->st, a, th, 0, &id), 0);
	assert_int_equal(store_token_add(f->st, a, th, 400, "", "", &t1), 0);
	assert_int_equal(store_token_expire(f->st, 401), 1);
	assert_int_equal(store_token_check(f->st, a, th, 0, &id), 0);
	/* Registrations counted by address since a time. */
	assert_int_equal(store_reg_add(f->st, "10.0.0.1", 10), 0);
	assert_int_equal(store_reg_add(f->st, "10.0.0.1", 20), 0);
	assert_int_equal(store_reg_add(f->st, "10.0.0.2", 20), 0);
	assert_int_equal(store_reg_count(f->st, "10.0.0.1", 0), 2);
	assert_int_equal(store_reg_count(f->st, "10.0.0.1", 15), 1);
	assert_int_equal(store_reg_expire(f->st, 15), 0);
	assert_int_equal(store_reg_count(f->st, "10.0.0.1", 0), 1);
	assert_int_equal(store_commit(f->st), 0);
}

static int	ncontacts;

static void
count_user(void *arg, const struct store_user *u)
{
	ncontacts++;
}

static void
test_contacts(void **state)
{
	struct fx	*f = *state;
	uint64_t	 a, b, c;

	store_user_add(f->st, "a", "a", NULL, "h", 1, &a);
	store_user_add(f->st, "b", "b", NULL, "h", 1, &b);
	store_user_add(f->st, "c", "c", NULL, "h", 1, &c);
	assert_int_equal(store_contact_add(f->st, a, b), 0);
	assert_int_equal(store_contact_add(f->st, a, b), 0);
	assert_int_equal(store_contact_add(f->st, a, c), 0);
	assert_int_equal(store_contact_add(f->st, c, b), 0);
	assert_int_equal(store_contact_count(f->st, a), 2);
	ncontacts = 0;
	assert_int_equal(store_contacts(f->st, a, count_user, NULL), 2);
	assert_int_equal(ncontacts, 2);
	/* Presence goes only to mutual contacts: nobody watches b yet. */
	assert_int_equal(store_watchers(f->st, b, count_user, NULL), 0);
	assert_int_equal(store_contact_has(f->st, a, b), 0);
	assert_int_equal(store_contact_add(f->st, b, a), 0);
	assert_int_equal(store_watchers(f->st, b, count_user, NULL), 1);
	assert_int_equal(store_contact_has(f->st, a, b), 1);
	assert_int_equal(store_contact_has(f->st, b, a), 1);
	assert_int_equal(store_contact_del(f->st, a, b), 0);
	assert_int_equal(store_contact_count(f->st, a), 1);
	assert_int_equal(store_watchers(f->st, b, count_user, NULL), 0);
}

/* Requests, declines and blocks, and how two users stand. */
static void
test_consent(void **state)
{
	struct fx		*f = *state;
	struct store_rel	 r;
	struct store_user	 u;
	uint64_t		 a, b;

	store_user_add(f->st, "a", "a", NULL, "h", 1, &a);
	store_user_add(f->st, "b", "b", NULL, "h", 1, &b);
	assert_int_equal(store_user_by_id(f->st, a, &u), 1);
	assert_int_equal(u.settings, STORE_SET_DEFAULT);
	assert_int_equal(store_user_settings(f->st, a, STORE_SET_VISIBLE), 0);
	assert_int_equal(store_user_by_id(f->st, a, &u), 1);
	assert_int_equal(u.settings, STORE_SET_VISIBLE);
	assert_int_equal(store_contact_set(f->st, a, b, STORE_REQUESTED), 0);
	assert_int_equal(store_rel(f->st, a, b, &r), 0);
	assert_int_equal(r.mine, STORE_REQUESTED);
	assert_int_equal(r.theirs, STORE_NONE);
	assert_int_equal(r.blocked + r.blocked_by, 0);
	assert_int_equal(store_requests(f->st, b, count_user, NULL), 1);
	assert_int_equal(store_requests(f->st, a, count_user, NULL), 0);
	assert_int_equal(store_contact_set(f->st, a, b, STORE_DECLINED), 0);
	assert_int_equal(store_requests(f->st, b, count_user, NULL), 0);
	assert_int_equal(store_contact_set(f->st, a, b, STORE_REQUESTED), 0);
	assert_int_equal(store_block_add(f->st, b, a), 0);
	assert_int_equal(store_block_add(f->st, b, a), 0);
	assert_int_equal(store_requests(f->st, b, count_user, NULL), 0);
	assert_int_equal(store_blocks(f->st, b, count_user, NULL), 1);
	assert_int_equal(store_rel(f->st, a, b, &r), 0);
	assert_int_equal(r.blocked_by, 1);
	assert_int_equal(r.blocked, 0);
	assert_int_equal(store_block_del(f->st, b, a), 0);
	assert_int_equal(store_blocks(f->st, b, count_user, NULL), 0);
	assert_int_equal(store_contact_set(f->st, a, b, STORE_ACCEPTED), 0);
	assert_int_equal(store_contact_set(f->st, b, a, STORE_ACCEPTED), 0);
	assert_int_equal(store_contact_has(f->st, b, a), 1);
	assert_int_equal(store_commit(f->st), 0);
}

static uint64_t	seen[16];
static int	nseen;

static void
collect(void *arg, const struct store_msg *m)
{
	seen[nseen++] = m->sid;
}

static int	nconvs;

static void
count_conv(void *arg, const struct store_conv *cv)
{
	nconvs++;
}

/* Five messages from a to b; the server id of the first. */
static uint64_t
five(struct store *st, uint64_t a, uint64_t b)
{
	struct store_msg	m;
	uint64_t		first = 0;
	int			i;

	for (i = 0; i < 5; i++) {
		memset(&m, 0, sizeof m);
		m.sender = a;
		m.rcpt = b;
		m.msgid = 100 + (uint64_t)i;
		m.time = 1000;
		m.text = (const uint8_t *)"hi";
		m.len = 2;
		assert_int_equal(store_msg_add(st, &m), 0);
		if (i == 0)
			first = m.sid;
	}
	return first;
}

static void
test_messages(void **state)
{
	struct fx		*f = *state;
	struct store_msg	 m;
	struct store_conv	 cv;
	struct store_user	 u;
	char			 err[256];
	uint64_t		 a, b, first;

	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", NULL, "h", 1, &b), 0);
	first = five(f->st, a, b);
	/* The same sender and id again is a duplicate of the first. */
	memset(&m, 0, sizeof m);
	m.sender = a;
	m.rcpt = b;
	m.msgid = 100;
	m.time = 2000;
	m.text = (const uint8_t *)"hi";
	m.len = 2;
	assert_int_equal(store_msg_add(f->st, &m), 1);
	assert_int_equal(m.sid, first);
	assert_int_equal(m.time, 1000);
	assert_int_equal(m.state, 0);
	assert_int_equal(store_msg_queued(f->st, b), 5);
	nseen = 0;
	assert_int_equal(store_msg_pending(f->st, b, 0, UINT64_MAX, 3,
	    collect, NULL), 3);
	assert_true(seen[0] < seen[1] && seen[1] < seen[2]);
	/* Not at or past before. */
	assert_int_equal(store_msg_pending(f->st, b, 0, seen[2], 10,
	    collect, NULL), 2);
	assert_int_equal(store_msg_pending(f->st, b, seen[2], UINT64_MAX, 10,
	    collect, NULL), 2);
	/* Ranges, with and without the sender, and their limit. */
	nseen = 0;
	assert_int_equal(store_msg_range(f->st, b, 0, first, first + 10, 10,
	    collect, NULL), 4);
	assert_int_equal(store_msg_range(f->st, b, a, 0, first + 10, 2,
	    collect, NULL), 2);
	assert_int_equal(store_msg_range(f->st, b, b, 0, first + 10, 10,
	    collect, NULL), 0);
	assert_int_equal(store_msg_get(f->st, first, b, &m), 1);
	assert_int_equal(m.sender, a);
	assert_int_equal(m.msgid, 100);
	assert_int_equal(store_msg_get(f->st, first, a, &m), 0);

	/* The delivered cursor empties the queue up to it. */
	assert_int_equal(store_user_delivered(f->st, b, first + 1), 0);
	assert_int_equal(store_user_delivered(f->st, b, first), 0);
	assert_int_equal(store_user_by_id(f->st, b, &u), 1);
	assert_int_equal(u.delivered, first + 1);
	assert_int_equal(store_msg_queued(f->st, b), 3);
	assert_int_equal(store_msg_pending(f->st, b, 0, UINT64_MAX, 10, collect,
	    NULL), 3);
	/* A resend learns how far its message got. */
	m.sender = a;
	m.msgid = 100;
	assert_int_equal(store_msg_find(f->st, &m), 1);
	assert_int_equal(m.state, 1);
	assert_int_equal(m.rcpt, b);

	/* Conversation cursors only move forward; owed receipts. */
	assert_int_equal(store_conv_get(f->st, b, a, &cv), 0);
	assert_int_equal(cv.read, 0);
	cv.delivered = first + 1;
	cv.read = first;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	cv.read = 0;
	cv.delivered = 0;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	assert_int_equal(store_conv_get(f->st, b, a, &cv), 1);
	assert_int_equal(cv.read, first);
	assert_int_equal(cv.delivered, first + 1);
	assert_int_equal(store_msg_find(f->st, &m), 1);
	assert_int_equal(m.state, 2);
	nconvs = 0;
	assert_int_equal(store_owed(f->st, a, count_conv, NULL), 1);
	cv.told_read = first;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	assert_int_equal(store_owed(f->st, a, count_conv, NULL), 1);
	cv.told_delivered = first + 1;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	assert_int_equal(store_owed(f->st, a, count_conv, NULL), 0);
	assert_int_equal(store_owed(f->st, b, count_conv, NULL), 0);

	/* Committed writes survive a reopen; uncommitted ones do not. */
	assert_int_equal(store_commit(f->st), 0);
	m.sid = 0;
	m.msgid = 999;
	m.text = (const uint8_t *)"later";
	m.len = 5;
	assert_int_equal(store_msg_add(f->st, &m), 0);
	assert_true(store_dirty(f->st));
	/* Reserved server ids are never handed out again. */
	assert_int_equal(store_sid_start(f->st), 1);	/* when opened */
	assert_int_equal(store_sid_reserve(f->st, first + 1000), 0);
	store_close(f->st);	/* commits */
	f->st = store_open(f->dir, 1, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_sid_start(f->st), first + 1000);
	assert_int_equal(store_msg_queued(f->st, b), 4);
	/* Retention takes the undelivered ones; the two b's client has
	 * are history, which goes by its own days. */
	assert_int_equal(store_expire(f->st, 1500), 4);
	assert_int_equal(store_msg_queued(f->st, b), 0);
	assert_int_equal(store_history_expire(f->st, 1500, 1500), 2);
	/* Only what is older than the limit goes. */
	first = five(f->st, a, b);
	/* An id chosen by the caller is used as it is. */
	m.sid = first + 50;
	m.msgid = 1000;
	m.time = 3000;
	assert_int_equal(store_msg_add(f->st, &m), 0);
	assert_int_equal(m.sid, first + 50);
	/* The emptied table gave ids from 1 again (sid 0 here), so b's
	 * delivered cursor (2) covers two: they stay, as history. */
	assert_int_equal(store_expire(f->st, 2000), 3);
	assert_int_equal(store_expire(f->st, 2000), 0);
	assert_int_equal(store_history_expire(f->st, 2000, 2000), 2);
	assert_int_equal(store_msg_get(f->st, m.sid, b, &m), 1);
	assert_int_equal(store_msg_get(f->st, first, b, &m), 0);
}

/* Replace the fixture's store with one made by sql (an older schema). */
static void
old_store(struct fx *f, const char *sql)
{
	char	path[128];
	sqlite3	*db;

	store_close(f->st);
	f->st = NULL;
	snprintf(path, sizeof path, "%s/%s", f->dir, STORE_FILE);
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A version 1 store (a state per message) is upgraded to cursors. */
static void
test_upgrade(void **state)
{
	struct fx		*f = *state;
	struct store_conv	 cv;
	struct store_user	 u;
	char			 err[256];

	old_store(f,
	    "CREATE TABLE users (id INTEGER PRIMARY KEY, key TEXT NOT NULL"
	    " UNIQUE, nick TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER"
	    " NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0);"
	    "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " sender INTEGER NOT NULL, msgid INTEGER NOT NULL, rcpt INTEGER"
	    " NOT NULL, t INTEGER NOT NULL, text BLOB NOT NULL, state INTEGER"
	    " NOT NULL DEFAULT 0, notified INTEGER NOT NULL DEFAULT 0,"
	    " UNIQUE (sender, msgid));"
	    "CREATE INDEX messages_queue ON messages(rcpt, id) WHERE state = 0;"
	    "INSERT INTO users VALUES (1, 'a', 'a', 'h', 1, 0),"
	    " (2, 'b', 'b', 'h', 1, 0);"
	    "INSERT INTO messages(sender, msgid, rcpt, t, text, state, notified)"
	    " VALUES (1, 10, 2, 1, 'x', 2, 1), (1, 11, 2, 1, 'x', 1, 1),"
	    " (1, 12, 2, 1, 'x', 0, 0);");
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_user_by_id(f->st, 2, &u), 1);
	assert_int_equal(u.delivered, 2);
	assert_int_equal(store_msg_queued(f->st, 2), 1);
	assert_int_equal(store_conv_get(f->st, 2, 1, &cv), 1);
	assert_int_equal(cv.read, 1);
	assert_int_equal(cv.told_delivered, 2);
	assert_int_equal(cv.told_read, 0);
	/* New messages go in beside the old columns. */
	assert_int_equal(five(f->st, 2, 1) > 3, 1);
	assert_int_equal(store_commit(f->st), 0);
	/* Opened again: already up to date. */
	store_close(f->st);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_msg_queued(f->st, 1), 5);
}

/* Odd server ids are still needed, even ones were read. */
static int
need_odd(void *arg, uint64_t rcpt, uint64_t sid)
{
	int	*calls = arg;

	(*calls)++;
	return sid & 1;
}

static int
need_none(void *arg, uint64_t rcpt, uint64_t sid)
{
	return 0;
}

/* Add n messages from a to b, to an online b, at times t, t+1, ... */
static void
online(struct store *st, uint64_t a, uint64_t b, int n, uint64_t t,
    uint64_t msgid)
{
	struct store_msg	m;
	int			i;

	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof m);
		m.sender = a;
		m.rcpt = b;
		m.msgid = msgid + (uint64_t)i;
		m.time = t + (uint64_t)i;
		m.text = (const uint8_t *)"tail";
		m.len = 4;
		m.online = 1;
		assert_int_equal(store_msg_add(st, &m), 0);
	}
}

/*
 * A message to an online user joins the queue index only if it is still
 * needed when it leaves the tail; a lookup of the recipient first puts
 * its tail in the index.
 */
static void
test_tail(void **state)
{
	struct fx	*f = *state;
	uint64_t	 a, b, c;
	int		 calls = 0, odd, i;

	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", NULL, "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", NULL, "h", 1, &c), 0);
	online(f->st, a, b, 6, 1000, 1);
	online(f->st, a, c, 2, 1006, 100);
	/* Nothing is old enough yet. */
	assert_int_equal(store_age(f->st, 1001, 100, need_odd, &calls), 0);
	assert_int_equal(calls, 0);
	/* The first four are judged: the odd ones join the index. */
	assert_int_equal(store_age(f->st, 1103, 100, need_odd, &calls), 2);
	assert_int_equal(calls, 4);
	/* A lookup of b puts the rest of b's tail in the index. */
	nseen = 0;
	assert_int_equal(store_msg_range(f->st, b, 0, 0, INT64_MAX, 100,
	    collect, NULL), 4);
	odd = 0;
	for (i = 0; i < nseen; i++)
		odd += seen[i] & 1;
	assert_int_equal(odd, 3);
	/* b's entries are no longer judged; c's are, and not needed. */
	calls = 0;
	assert_int_equal(store_age(f->st, 1200, 100, need_odd, &calls), 1);
	assert_int_equal(calls, 2);
	online(f->st, a, c, 2, 1300, 200);
	assert_int_equal(store_age(f->st, 1500, 100, need_none, NULL), 0);
	assert_int_equal(store_msg_queued(f->st, c), 1);
	/* Read in time, judged before the lookup: never in the index. */
	calls = 0;
	online(f->st, a, b, 4, 2000, 10);
	assert_int_equal(store_age(f->st, 2103, 100, need_odd, &calls), 2);
	assert_int_equal(calls, 4);
	nseen = 0;
	assert_int_equal(store_msg_range(f->st, b, 0, 0, INT64_MAX, 100,
	    collect, NULL), 6);
	for (i = 0; i < nseen; i++)
		assert_true(i < 4 || (seen[i] & 1));
	assert_int_equal(store_commit(f->st), 0);
}

static int
need_all(void *arg, uint64_t rcpt, uint64_t sid)
{
	return 1;
}

#define CHAIN_RCPTS	6000		/* more than the tail's chains */

/*
 * Recipients share the tail's chains; the ring grows and wraps while
 * lookups take entries out of the middle of chains and aging takes them
 * from the front: whatever the order, every message to a recipient is
 * in the index when it is looked up.
 */
static void
test_tail_chains(void **state)
{
	struct fx		*f = *state;
	static int		 sent[CHAIN_RCPTS + 1];
	struct store_msg	 m;
	uint64_t		 t = 1000, id = 1, rcpt;
	uint32_t		 x = 12345;
	int			 i;

	memset(sent, 0, sizeof sent);
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		rcpt = 1 + (x >> 8) % CHAIN_RCPTS;
		memset(&m, 0, sizeof m);
		m.sender = 1;
		m.rcpt = rcpt;
		m.msgid = id++;
		m.time = t++;
		m.text = (const uint8_t *)"chain";
		m.len = 5;
		m.online = 1;
		assert_int_equal(store_msg_add(f->st, &m), 0);
		sent[rcpt]++;
		if (i % 7 == 0) {
			x = x * 1103515245 + 12345;
			rcpt = 1 + (x >> 8) % CHAIN_RCPTS;
			assert_int_equal(store_msg_queued(f->st, rcpt),
			    sent[rcpt]);
		}
		/* The tail keeps the last 1500 to 2500: it wraps, and
		 * grows to 4096 entries with its oldest not at 0. */
		if (i % 1000 == 999)
			assert_true(store_age(f->st, t, 1500, need_all,
			    NULL) >= 0);
		if (i % 3000 == 2999)
			for (rcpt = 1; rcpt <= CHAIN_RCPTS; rcpt++)
				assert_int_equal(store_msg_queued(f->st,
				    rcpt), sent[rcpt]);
	}
	assert_int_equal(store_commit(f->st), 0);
}

/*
 * The tail is in memory only: after a crash (or any reopening) every
 * message not judged joins the index; ones judged stay out.
 */
static void
test_tail_reopen(void **state)
{
	struct fx	*f = *state;
	char		 err[256];
	uint64_t	 a, b;

	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", NULL, "h", 1, &b), 0);
	online(f->st, a, b, 3, 1000, 1);
	assert_int_equal(store_age(f->st, 1500, 100, need_none, NULL), 0);
	online(f->st, a, b, 4, 2000, 10);
	assert_int_equal(store_commit(f->st), 0);
	store_close(f->st);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_msg_queued(f->st, b), 4);
	/* Server ids go on above the old ones. */
	assert_true(store_sid_start(f->st) > 7);
}

/* A version 2 store (AUTOINCREMENT, no q) is rebuilt. */
static void
test_upgrade2(void **state)
{
	struct fx		*f = *state;
	struct store_msg	 m;
	char			 err[256];

	old_store(f,
	    "CREATE TABLE users (id INTEGER PRIMARY KEY, key TEXT NOT NULL"
	    " UNIQUE, nick TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER"
	    " NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0,"
	    " delivered INTEGER NOT NULL DEFAULT 0);"
	    "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " sender INTEGER NOT NULL, msgid INTEGER NOT NULL, rcpt INTEGER"
	    " NOT NULL, t INTEGER NOT NULL, text BLOB NOT NULL,"
	    " UNIQUE (sender, msgid));"
	    "CREATE INDEX messages_rcpt ON messages(rcpt, id);"
	    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
	    " WITHOUT ROWID;"
	    "INSERT INTO meta VALUES ('sid_reserved', 70000);"
	    "INSERT INTO users VALUES (1, 'a', 'a', 'h', 1, 0, 1),"
	    " (2, 'b', 'b', 'h', 1, 0, 0);"
	    "INSERT INTO messages(sender, msgid, rcpt, t, text)"
	    " VALUES (2, 10, 1, 1, 'x'), (1, 11, 2, 1, 'y'),"
	    " (1, 12, 2, 1, 'z');"
	    "PRAGMA user_version = 2;");
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_msg_queued(f->st, 1), 0);
	assert_int_equal(store_msg_queued(f->st, 2), 2);
	assert_int_equal(store_sid_start(f->st), 70000);
	memset(&m, 0, sizeof m);
	m.sender = 1;
	m.msgid = 12;
	m.rcpt = 2;
	m.text = (const uint8_t *)"z";
	m.len = 1;
	m.sid = 70000;
	assert_int_equal(store_msg_add(f->st, &m), 1);
	assert_int_equal(m.sid, 3);
	assert_int_equal(store_commit(f->st), 0);
}

/* The tables of a version 3 store, before nickname skeletons. */
#define V3_SCHEMA							\
	"CREATE TABLE users (id INTEGER PRIMARY KEY, key TEXT NOT NULL"	\
	" UNIQUE, nick TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER"	\
	" NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0, delivered"	\
	" INTEGER NOT NULL DEFAULT 0);"					\
	"CREATE TABLE tokens (hash BLOB PRIMARY KEY, user INTEGER NOT NULL,"	\
	" created INTEGER NOT NULL);"					\
	"CREATE INDEX tokens_user ON tokens(user);"			\
	"CREATE TABLE contacts (user INTEGER NOT NULL, contact INTEGER NOT"	\
	" NULL, PRIMARY KEY (user, contact)) WITHOUT ROWID;"		\
	"CREATE INDEX contacts_rev ON contacts(contact);"		\
	"CREATE TABLE messages (id INTEGER PRIMARY KEY, sender INTEGER NOT"	\
	" NULL, msgid INTEGER NOT NULL, rcpt INTEGER NOT NULL, t INTEGER"	\
	" NOT NULL, text BLOB NOT NULL, q INTEGER NOT NULL DEFAULT 1);"	\
	"CREATE UNIQUE INDEX messages_dedupe ON messages(msgid, sender);"	\
	"CREATE INDEX messages_queue ON messages(rcpt, id) WHERE q;"	\
	"CREATE TABLE convs (rcpt INTEGER NOT NULL, sender INTEGER NOT NULL,"	\
	" delivered INTEGER NOT NULL DEFAULT 0, read INTEGER NOT NULL"	\
	" DEFAULT 0, told_delivered INTEGER NOT NULL DEFAULT 0, told_read"	\
	" INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (rcpt, sender))"	\
	" WITHOUT ROWID;"						\
	"CREATE INDEX convs_sender ON convs(sender);"			\
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"	\
	" WITHOUT ROWID;"						\
	"PRAGMA user_version = 3;"

/* Names as UTF-8 (escapes, so that each look-alike is plain to see). */
#define CYR_A		"\xd0\xb0"		/* Cyrillic а */
#define FW_A		"\xef\xbd\x81"		/* fullwidth ａ */
#define FW_B		"\xef\xbd\x82"		/* fullwidth ｂ */
#define CGJ		"\xcd\x8f"		/* U+034F, invisible */
#define HF		"\xe3\x85\xa4"		/* U+3164, shows as a blank */
#define DOTLESS_I	"\xc4\xb1"		/* ı */

/* Open f's store again with stderr (the log) in f->dir/log; its text. */
static char *
open_logged(struct fx *f)
{
	static char	 text[8192];
	char		 err[256], path[128];
	FILE		*fp;
	size_t		 n;
	int		 saved, fd;

	snprintf(path, sizeof path, "%s/log", f->dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	f->st = store_open(f->dir, 0, err, sizeof err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_non_null(f->st);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(text, 1, sizeof text - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

/* The account a client names as typed: 1 found (u), 0 not. */
static int
named(struct store *st, const char *typed, struct store_user *u)
{
	char	key[NICK_MAX_BYTES];

	if (store_user_key(st, typed, strlen(typed), key) != NICK_OK)
		return 0;
	return store_user_get(st, key, u);
}

/* Does an account look like nick (has its skeleton)?  1 or 0. */
static int
looks_taken(struct store *st, const char *nick)
{
	char	skel[NICK_SKELETON_MAX];

	assert_true(nick_skeleton(nick, strlen(nick), skel, sizeof skel) > 0);
	return store_user_skeleton(st, skel);
}

/*
 * A version 3 store holding accounts that look alike (registered under
 * the older rules): upgraded, every one of them still logs in, each
 * collision is logged, skeletons are stored under a unique index, and
 * the oldest account keeps a key or skeleton that two now share.
 */
static void
test_upgrade_lookalikes(void **state)
{
	struct fx		*f = *state;
	struct store_user	 u;
	char			 skel[NICK_SKELETON_MAX], path[128];
	const char		*log;
	uint64_t		 id;
	sqlite3			*db;

	old_store(f, V3_SCHEMA
	    "INSERT INTO users(id, key, nick, hash, created) VALUES"
	    " (1, 'alice', 'alice', 'h', 1),"
	    " (2, '" CYR_A "lice', '" CYR_A "lice', 'h', 2),"
	    " (3, '" FW_A "lice', '" FW_A "lice', 'h', 3),"
	    " (4, 'alice" CGJ "', 'alice" CGJ "', 'h', 4),"
	    " (5, '" HF "', '" HF "', 'h', 5),"
	    " (6, 'al" DOTLESS_I "ce', 'al" DOTLESS_I "ce', 'h', 6),"
	    " (7, '" FW_B "ob', '" FW_B "ob', 'h', 7),"
	    " (8, 'bob', 'Bob', 'h', 8),"
	    " (9, 'carol', 'Carol', 'h', 9);"
	    "INSERT INTO contacts VALUES (1, 8), (8, 1), (1, 9);");
	log = open_logged(f);
	assert_non_null(strstr(log, "upgrading the schema from version 3"));
	assert_non_null(strstr(log, FW_A "lice (id 3) has the key of alice;"
	    " it logs in by its exact old name"));
	assert_non_null(strstr(log, "alice" CGJ " (id 4) has the key of alice;"
	    " it logs in by its exact old name"));
	assert_non_null(strstr(log, HF " (id 5) has no key"));
	assert_non_null(strstr(log, "Bob (id 8) has the key of " FW_B "ob;"));
	assert_non_null(strstr(log, "alice and " CYR_A "lice look alike;"
	    " both kept"));
	assert_non_null(strstr(log, "alice and al" DOTLESS_I "ce look alike;"
	    " both kept"));
	assert_non_null(strstr(log, FW_B "ob and Bob look alike; both kept"));
	assert_null(strstr(log, "Carol"));

	/* Each is found by its exact old name, the oldest by the rest. */
	assert_int_equal(named(f->st, "alice", &u), 1);
	assert_int_equal(u.id, 1);
	assert_int_equal(named(f->st, "ALICE", &u), 1);
	assert_int_equal(u.id, 1);
	assert_int_equal(named(f->st, CYR_A "lice", &u), 1);
	assert_int_equal(u.id, 2);
	assert_int_equal(named(f->st, FW_A "lice", &u), 1);
	assert_int_equal(u.id, 3);
	assert_string_equal(u.nick, FW_A "lice");
	assert_int_equal(named(f->st, "alice" CGJ, &u), 1);
	assert_int_equal(u.id, 4);
	assert_int_equal(named(f->st, HF, &u), 1);
	assert_int_equal(u.id, 5);
	assert_int_equal(named(f->st, "al" DOTLESS_I "ce", &u), 1);
	assert_int_equal(u.id, 6);
	assert_int_equal(named(f->st, FW_B "OB", &u), 1);	/* ｂob: older */
	assert_int_equal(u.id, 7);
	assert_int_equal(named(f->st, "BOB", &u), 1);		/* Bob, exact */
	assert_int_equal(u.id, 8);
	assert_int_equal(named(f->st, "carol", &u), 1);
	assert_int_equal(u.id, 9);
	/* Version 6: a mutual pair is accepted, one alone a request. */
	assert_int_equal(u.settings, STORE_SET_DEFAULT);
	assert_int_equal(store_contact_has(f->st, 1, 8), 1);
	assert_int_equal(store_contact_has(f->st, 1, 9), 0);
	assert_int_equal(store_requests(f->st, 9, count_user, NULL), 1);

	/* The skeletons of the oldest of each look: new names meet them. */
	assert_int_equal(looks_taken(f->st, "AL" DOTLESS_I "CE"), 1);
	assert_int_equal(looks_taken(f->st, "bob"), 1);
	assert_int_equal(looks_taken(f->st, "caro1"), 1);
	assert_int_equal(looks_taken(f->st, "dave"), 0);
	/* Adding: a skeleton taken, a key taken, neither. */
	assert_true(nick_skeleton("Alice", 5, skel, sizeof skel) > 0);
	assert_int_equal(store_user_add(f->st, "alice2", "x", skel, "h", 10,
	    &id), 2);
	assert_int_equal(store_user_add(f->st, "bob", "x", NULL, "h", 10, &id),
	    1);
	assert_true(nick_skeleton("dave", 4, skel, sizeof skel) > 0);
	assert_int_equal(store_user_add(f->st, "dave", "dave", skel, "h", 10,
	    &id), 0);
	assert_int_equal(looks_taken(f->st, "DAVE"), 1);
	assert_int_equal(store_commit(f->st), 0);
	store_close(f->st);
	f->st = NULL;

	/* The index is unique and NULL stays allowed, seen from SQL. */
	snprintf(path, sizeof path, "%s/%s", f->dir, STORE_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "SELECT 1 FROM users WHERE id = 1"
	    " AND skeleton IS NOT NULL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO users(key, nick, hash,"
	    " created, skeleton) SELECT 'x1', 'x1', 'h', 1, skeleton FROM users"
	    " WHERE id = 1", NULL, NULL, NULL), SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO users(key, nick, hash,"
	    " created) VALUES ('x1', 'x1', 'h', 1), ('x2', 'x2', 'h', 1);"
	    "DELETE FROM users WHERE key IN ('x1', 'x2');", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	/* Opened again with the same Unicode data: nothing is made again;
	 * with other data, all is, the same way. */
	log = open_logged(f);
	assert_null(strstr(log, "making nickname keys"));
	assert_int_equal(named(f->st, "Alice" CGJ, &u), 1);
	assert_int_equal(u.id, 4);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = 'ICU 1'"
	    " WHERE key = 'nick_data'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
	log = open_logged(f);
	assert_non_null(strstr(log, "making nickname keys"));
	assert_non_null(strstr(log, FW_A "lice (id 3) has the key of alice;"));
	assert_int_equal(named(f->st, FW_A "lice", &u), 1);
	assert_int_equal(u.id, 3);
	assert_int_equal(named(f->st, "alice", &u), 1);
	assert_int_equal(u.id, 1);
	assert_int_equal(looks_taken(f->st, "dave"), 1);
}

/*
 * In LOG mode the next transaction is begun at each commit, so that the
 * next message does not wait for the locks: it is not dirty until
 * something is written, and what was committed is visible to others.
 */
static void
test_ahead(void **state)
{
	struct fx		*f = *state;
	struct store_user	 u;
	char			 err[256], path[128];
	uint64_t		 a;
	sqlite3			*db;
	sqlite3_stmt		*s;

	store_close(f->st);
	f->st = store_open(f->dir, STORE_SYNC_LOG, err, sizeof err);
	assert_non_null(f->st);
	assert_false(store_dirty(f->st));
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_user_by_id(f->st, 1, &u), 0);
	assert_false(store_dirty(f->st));
	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_true(store_dirty(f->st));
	assert_true(store_critical(f->st));
	assert_int_equal(store_commit(f->st), 0);
	assert_false(store_dirty(f->st));
	snprintf(path, sizeof path, "%s/%s", f->dir, STORE_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	    "SELECT nick FROM users WHERE id = 1", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "a");
	sqlite3_finalize(s);
	sqlite3_close(db);
	/* Closed with nothing written: nothing lost, opened again. */
	store_close(f->st);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_user_get(f->st, "a", &u), 1);
}

/* What store_history() gave, in the order it gave it. */
struct hseen {
	uint64_t	sid, sender, rcpt, msgid, time;
	char		text[16];
};
static struct hseen	hs[64];
static int		nhs;

static void
hcollect(void *arg, const struct store_msg *m)
{
	struct hseen	*h = &hs[nhs++];

	assert_true(nhs <= (int)(sizeof hs / sizeof hs[0]));
	h->sid = m->sid;
	h->sender = m->sender;
	h->rcpt = m->rcpt;
	h->msgid = m->msgid;
	h->time = m->time;
	assert_true(m->len < sizeof h->text);
	memcpy(h->text, m->text, m->len);
	h->text[m->len] = '\0';
}

/* store_history() into hs, checking the count it returns. */
static int
history(struct store *st, uint64_t user, uint64_t peer, uint64_t before,
    int limit)
{
	int	n;

	nhs = 0;
	n = store_history(st, user, peer, before, limit, hcollect, NULL);
	assert_int_equal(n, nhs);
	return n;
}

/* One message from a to b at time t with text; its server id. */
static uint64_t
msg1(struct store *st, uint64_t a, uint64_t b, uint64_t msgid, uint64_t t,
    const char *text)
{
	struct store_msg	m;

	memset(&m, 0, sizeof m);
	m.sender = a;
	m.rcpt = b;
	m.msgid = msgid;
	m.time = t;
	m.text = (const uint8_t *)text;
	m.len = strlen(text);
	assert_int_equal(store_msg_add(st, &m), 0);
	return m.sid;
}

/* The tables of a version 6 store (before the archive), as that chatd
 * made them. */
#define V6_SCHEMA							\
	"CREATE TABLE users (id INTEGER PRIMARY KEY, key TEXT NOT NULL"	\
	" UNIQUE, nick TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER"	\
	" NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0, delivered"	\
	" INTEGER NOT NULL DEFAULT 0, skeleton TEXT, settings INTEGER NOT"	\
	" NULL DEFAULT 6);"						\
	"CREATE UNIQUE INDEX users_skeleton ON users(skeleton);"	\
	"CREATE TABLE tokens (id INTEGER PRIMARY KEY, hash BLOB NOT NULL"	\
	" UNIQUE, user INTEGER NOT NULL, created INTEGER NOT NULL,"	\
	" last_used INTEGER NOT NULL, name TEXT NOT NULL DEFAULT '',"	\
	" addr TEXT NOT NULL DEFAULT '');"				\
	"CREATE INDEX tokens_user ON tokens(user);"			\
	"CREATE TABLE registrations (addr TEXT NOT NULL, t INTEGER NOT"	\
	" NULL);"							\
	"CREATE INDEX registrations_addr ON registrations(addr, t);"	\
	"CREATE TABLE contacts (user INTEGER NOT NULL, contact INTEGER NOT"	\
	" NULL, state INTEGER NOT NULL DEFAULT 2, PRIMARY KEY (user,"	\
	" contact)) WITHOUT ROWID;"					\
	"CREATE INDEX contacts_rev ON contacts(contact);"		\
	"CREATE TABLE blocks (user INTEGER NOT NULL, blocked INTEGER NOT"	\
	" NULL, PRIMARY KEY (user, blocked)) WITHOUT ROWID;"		\
	"CREATE TABLE messages (id INTEGER PRIMARY KEY, sender INTEGER NOT"	\
	" NULL, msgid INTEGER NOT NULL, rcpt INTEGER NOT NULL, t INTEGER"	\
	" NOT NULL, text BLOB NOT NULL, q INTEGER NOT NULL DEFAULT 1);"	\
	"CREATE UNIQUE INDEX messages_dedupe ON messages(msgid, sender);"	\
	"CREATE INDEX messages_queue ON messages(rcpt, id) WHERE q;"	\
	"CREATE TABLE convs (rcpt INTEGER NOT NULL, sender INTEGER NOT NULL,"	\
	" delivered INTEGER NOT NULL DEFAULT 0, read INTEGER NOT NULL"	\
	" DEFAULT 0, told_delivered INTEGER NOT NULL DEFAULT 0, told_read"	\
	" INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (rcpt, sender))"	\
	" WITHOUT ROWID;"						\
	"CREATE INDEX convs_sender ON convs(sender);"			\
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"	\
	" WITHOUT ROWID;"						\
	"PRAGMA user_version = 6;"

/* An integer from a query on f's database file, through its own
 * connection. */
static long long
peek(struct fx *f, const char *q)
{
	char		 path[128];
	sqlite3		*db;
	sqlite3_stmt	*s;
	long long	 v;

	snprintf(path, sizeof path, "%s/%s", f->dir, STORE_FILE);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/*
 * A version 6 store, with delivered and undelivered messages (some of
 * them read in time, never in the queue index), cursors, contacts and a
 * block, opened by this chatd: its version (7 or later), every message
 * is history at once, both ways and in order, the queues are what they
 * were, and no account is locked.
 */
static void
test_upgrade6(void **state)
{
	struct fx		*f = *state;
	struct store_conv	 cv;
	struct store_user	 u;
	struct store_rel	 r;
	uint8_t			 th[STORE_TOKEN_HASHLEN];
	uint64_t		 id, i;
	long long		 version;
	char			 err[256];
	static const uint64_t	 ab[] = { 7, 6, 5, 3, 2, 1 };

	/* The version this chatd makes (7, the archive, or later). */
	version = peek(f, "PRAGMA user_version");
	assert_true(version >= 7);
	/* a (1) has b's messages to 5, b (2) a's to 4, c (3) none. */
	old_store(f, V6_SCHEMA
	    "INSERT INTO users(id, key, nick, hash, created, delivered,"
	    " skeleton, settings) VALUES (1, 'a', 'A', 'h', 1, 5, 'sa', 6),"
	    " (2, 'b', 'b', 'h', 1, 4, 'sb', 7), (3, 'c', 'c', 'h', 1, 0,"
	    " 'sc', 6), (4, 'd', 'd', 'h', 1, 0, 'sd', 6);"
	    "INSERT INTO tokens(hash, user, created, last_used, name)"
	    " VALUES (x'0101010101010101010101010101010101010101010101010101"
	    "010101010101', 1, 1, 1, 'old phone');"
	    "INSERT INTO contacts VALUES (1, 2, 2), (2, 1, 2), (3, 1, 1);"
	    "INSERT INTO blocks VALUES (3, 4);"
	    "INSERT INTO messages VALUES"
	    " (1, 1, 101, 2, 1000, 'ab1', 0),"
	    " (2, 2, 201, 1, 1001, 'ba2', 1),"
	    " (3, 1, 102, 2, 1002, 'ab3', 1),"
	    " (4, 1, 103, 3, 1003, 'ac4', 1),"
	    " (5, 2, 202, 1, 1004, 'ba5', 1),"
	    " (6, 1, 104, 2, 1005, 'ab6', 1),"
	    " (7, 2, 203, 1, 1006, 'ba7', 1),"
	    " (8, 3, 301, 1, 1007, 'ca8', 1),"
	    " (9, 1, 105, 2, 1008, 'ab9', 0);"
	    "INSERT INTO convs VALUES (2, 1, 3, 3, 3, 1), (1, 2, 5, 2, 5, 2);"
	    "INSERT INTO meta VALUES ('sid_reserved', 100),"
	    " ('queue_from', 100);");
	/* Message 9 (a to b) was read within 200 ms: past b's cursor, but
	 * never in the queue, as chatd 6 left it. */
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(peek(f, "PRAGMA user_version"), version);
	assert_int_equal(peek(f, "SELECT count(*) FROM messages"), 9);
	/* Version 9: chains instead of an index (the pairs a-b, c-a). */
	assert_int_equal(peek(f, "SELECT count(*) FROM sqlite_master WHERE"
	    " type = 'index' AND name = 'messages_conv'"), 0);
	assert_int_equal(peek(f, "SELECT count(*) FROM heads"), 2);

	/* Every message between a and b, newest first, either way asked. */
	assert_int_equal(history(f->st, 1, 2, 0, 100), 7);
	assert_int_equal(hs[0].sid, 9);
	for (i = 0; i < 6; i++)
		assert_int_equal(hs[i + 1].sid, ab[i]);
	assert_int_equal(hs[0].sender, 1);
	assert_int_equal(hs[0].rcpt, 2);
	assert_int_equal(hs[0].msgid, 105);
	assert_int_equal(hs[0].time, 1008);
	assert_string_equal(hs[0].text, "ab9");
	assert_int_equal(hs[1].sender, 2);
	assert_int_equal(hs[1].rcpt, 1);
	assert_string_equal(hs[1].text, "ba7");
	assert_string_equal(hs[6].text, "ab1");
	assert_int_equal(history(f->st, 2, 1, 0, 100), 7);
	assert_int_equal(hs[0].sid, 9);
	for (i = 0; i < 6; i++)
		assert_int_equal(hs[i + 1].sid, ab[i]);
	assert_int_equal(history(f->st, 3, 1, 0, 100), 2);
	assert_int_equal(hs[0].sid, 8);
	assert_int_equal(hs[1].sid, 4);
	assert_int_equal(history(f->st, 1, 3, 0, 100), 2);
	assert_int_equal(history(f->st, 2, 3, 0, 100), 0);
	assert_int_equal(history(f->st, 4, 1, 0, 100), 0);

	/* The queues as they were: b waits for 6 (9 was read), a for 7
	 * and 8, c for 4. */
	assert_int_equal(store_msg_queued(f->st, 2), 1);
	assert_int_equal(store_msg_queued(f->st, 1), 2);
	assert_int_equal(store_msg_queued(f->st, 3), 1);
	assert_int_equal(store_msg_queued(f->st, 4), 0);
	/* Cursors, accounts, tokens, contacts, blocks: untouched. */
	assert_int_equal(store_conv_get(f->st, 2, 1, &cv), 1);
	assert_int_equal(cv.delivered, 3);
	assert_int_equal(cv.read, 3);
	assert_int_equal(cv.told_read, 1);
	assert_int_equal(store_conv_get(f->st, 1, 2, &cv), 1);
	assert_int_equal(cv.read, 2);
	for (i = 1; i <= 4; i++) {
		assert_int_equal(store_user_by_id(f->st, i, &u), 1);
		assert_int_equal(u.locked, 0);
	}
	assert_int_equal(store_user_get(f->st, "b", &u), 1);
	assert_int_equal(u.delivered, 4);
	assert_int_equal(u.settings, 7);
	assert_int_equal(u.locked, 0);
	memset(th, 1, sizeof th);
	assert_int_equal(store_token_check(f->st, 1, th, 0, &id), 1);
	assert_int_equal(store_contact_has(f->st, 1, 2), 1);
	assert_int_equal(store_rel(f->st, 1, 3, &r), 0);
	assert_int_equal(r.theirs, STORE_REQUESTED);
	assert_int_equal(store_rel(f->st, 3, 4, &r), 0);
	assert_int_equal(r.blocked, 1);
	assert_true(store_sid_start(f->st) >= 100);
	assert_int_equal(store_held(f->st, "a", "sa", 0), 0);

	/* A new message joins the history after the old ones. */
	id = msg1(f->st, 2, 1, 204, 2000, "new");
	assert_int_equal(history(f->st, 1, 2, 0, 2), 2);
	assert_int_equal(hs[0].sid, id);
	assert_int_equal(hs[1].sid, 9);
	assert_int_equal(store_commit(f->st), 0);
	/* Opened again: nothing to upgrade, nothing lost. */
	store_close(f->st);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(history(f->st, 1, 2, 0, 100), 8);
	assert_int_equal(store_msg_queued(f->st, 1), 3);
}

/*
 * History pages: newest first, at most limit, strictly below before,
 * the same whichever side asks, never another conversation's.
 */
static void
test_history_paging(void **state)
{
	struct fx	*f = *state;
	uint64_t	 a, b, c, d, sids[30], before;
	char		 text[16];
	int		 i, k, page;

	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", NULL, "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", NULL, "h", 1, &c), 0);
	assert_int_equal(store_user_add(f->st, "d", "d", NULL, "h", 1, &d), 0);
	/* 30 between a and b, either way, among a's with c and b's with
	 * d. */
	for (i = 0; i < 30; i++) {
		snprintf(text, sizeof text, "ab%d", i);
		sids[i] = i % 3 == 1 ? msg1(f->st, b, a, 500 + (uint64_t)i,
		    1000 + (uint64_t)i, text) : msg1(f->st, a, b,
		    100 + (uint64_t)i, 1000 + (uint64_t)i, text);
		if (i % 4 == 0)
			msg1(f->st, c, a, 100 + (uint64_t)i, 1000 + (uint64_t)i,
			    "ca");
		if (i % 5 == 0)
			msg1(f->st, b, d, 800 + (uint64_t)i,
			    1000 + (uint64_t)i, "bd");
	}
	assert_int_equal(store_commit(f->st), 0);

	/* Pages of 7 from the newest, each before the last one's oldest:
	 * 7, 7, 7, 7, 2, then nothing. */
	before = 0;
	k = 29;
	for (page = 0; page < 6; page++) {
		assert_int_equal(history(f->st, page % 2 ? b : a,
		    page % 2 ? a : b, before, 7), page < 4 ? 7 : page == 4 ?
		    2 : 0);
		for (i = 0; i < nhs; i++, k--) {
			assert_int_equal(hs[i].sid, sids[k]);
			snprintf(text, sizeof text, "ab%d", k);
			assert_string_equal(hs[i].text, text);
			if (k % 3 == 1) {
				assert_int_equal(hs[i].sender, b);
				assert_int_equal(hs[i].rcpt, a);
				assert_int_equal(hs[i].msgid, 500 + (uint64_t)k);
			} else {
				assert_int_equal(hs[i].sender, a);
				assert_int_equal(hs[i].rcpt, b);
				assert_int_equal(hs[i].msgid, 100 + (uint64_t)k);
			}
			assert_int_equal(hs[i].time, 1000 + (uint64_t)k);
		}
		if (nhs > 0)
			before = hs[nhs - 1].sid;
	}
	assert_int_equal(k, -1);
	/* Everything in one page when the limit allows. */
	assert_int_equal(history(f->st, b, a, 0, 64), 30);
	assert_int_equal(hs[0].sid, sids[29]);
	assert_int_equal(hs[29].sid, sids[0]);
	/* before is exclusive, and need not be a message of the pair. */
	assert_int_equal(history(f->st, a, b, sids[10], 64), 10);
	assert_int_equal(hs[0].sid, sids[9]);
	assert_int_equal(history(f->st, a, b, sids[10] + 1, 1), 1);
	assert_int_equal(hs[0].sid, sids[10]);
	assert_int_equal(history(f->st, a, b, sids[0], 64), 0);
	assert_int_equal(history(f->st, a, b, 1, 64), 0);
	assert_int_equal(history(f->st, a, b, UINT64_MAX, 1), 1);
	assert_int_equal(hs[0].sid, sids[29]);
	/* The other conversations are theirs alone. */
	assert_int_equal(history(f->st, a, c, 0, 64), 8);
	for (i = 0; i < nhs; i++)
		assert_string_equal(hs[i].text, "ca");
	assert_int_equal(history(f->st, d, b, 0, 64), 6);
	/* Pairs with no messages, and oneself. */
	assert_int_equal(history(f->st, c, d, 0, 64), 0);
	assert_int_equal(history(f->st, b, c, 0, 64), 0);
	assert_int_equal(history(f->st, a, a, 0, 64), 0);
	assert_int_equal(history(f->st, a, 9999, 0, 64), 0);
}

/*
 * Expiry: delivered messages accepted before t go, undelivered ones
 * stay whatever their age; names held until before now are let go.
 */
static void
test_history_expire(void **state)
{
	struct fx		*f = *state;
	struct store_msg	 m;
	uint64_t		 a, b, c, x, ab[5], ba[2], late[2];
	int			 i;

	assert_int_equal(store_user_add(f->st, "a", "a", "sa", "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", "sb", "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", "sc", "h", 1, &c), 0);
	assert_int_equal(store_user_add(f->st, "x", "x", "sx", "h", 1, &x), 0);
	for (i = 0; i < 5; i++)
		ab[i] = msg1(f->st, a, b, 100 + (uint64_t)i, 1000 + (uint64_t)i,
		    "old");
	ba[0] = msg1(f->st, b, a, 200, 1005, "old");
	ba[1] = msg1(f->st, b, a, 201, 1006, "old");
	late[0] = msg1(f->st, a, b, 300, 5000, "new");
	late[1] = msg1(f->st, c, a, 301, 5001, "new");
	/* b has a's first three; a has all of b's and c's. */
	assert_int_equal(store_user_delivered(f->st, b, ab[2]), 0);
	assert_int_equal(store_user_delivered(f->st, a, late[1]), 0);
	/* c's name held until 3000 and x's until 9000. */
	assert_int_equal(store_user_delete(f->st, c, 3000), 1);
	assert_int_equal(store_user_delete(f->st, x, 9000), 1);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(history(f->st, a, b, 0, 64), 8);

	/* Before 3000: a's three delivered to b and b's two go; a's two
	 * undelivered and the new one stay. */
	assert_int_equal(store_history_expire(f->st, 3000, 2000), 5);
	assert_int_equal(history(f->st, a, b, 0, 64), 3);
	assert_int_equal(hs[0].sid, late[0]);
	assert_int_equal(hs[1].sid, ab[4]);
	assert_int_equal(hs[2].sid, ab[3]);
	assert_int_equal(store_msg_get(f->st, ba[1], a, &m), 0);
	assert_int_equal(store_msg_get(f->st, ab[2], b, &m), 0);
	assert_int_equal(store_msg_get(f->st, ab[3], b, &m), 1);
	assert_int_equal(store_msg_queued(f->st, b), 3);
	/* Undelivered, however old: nothing more goes. */
	assert_int_equal(store_history_expire(f->st, 1000000, 2000), 0);
	assert_int_equal(history(f->st, a, b, 0, 64), 3);
	assert_int_equal(store_msg_queued(f->st, b), 3);
	/* Delivered now, they go when old enough: ab[3], ab[4] before
	 * 4000, the new one only past 5000. */
	assert_int_equal(store_user_delivered(f->st, b, late[0]), 0);
	assert_int_equal(store_history_expire(f->st, 4000, 2000), 2);
	assert_int_equal(history(f->st, a, b, 0, 64), 1);
	assert_int_equal(store_history_expire(f->st, 5000, 2000), 0);
	assert_int_equal(store_history_expire(f->st, 5001, 2000), 1);
	assert_int_equal(history(f->st, a, b, 0, 64), 0);

	/* Held names: c's until 3000, x's until 9000.  At 2000 both are
	 * held; expiring at 3000 lets c's go (asked about an earlier
	 * time, it is no longer there), x's stays. */
	assert_int_equal(store_held(f->st, "c", "sc", 2000), 1);
	assert_int_equal(store_held(f->st, "c", "sc", 3000), 0);
	assert_int_equal(store_held(f->st, "x", "sx", 3000), 1);
	assert_int_equal(store_history_expire(f->st, 0, 3000), 0);
	assert_int_equal(store_held(f->st, "c", "sc", 2000), 0);
	assert_int_equal(store_held(f->st, "zz", "sc", 2000), 0);
	assert_int_equal(store_held(f->st, "x", "sx", 2000), 1);
	assert_int_equal(store_held(f->st, "zz", "sx", 2000), 2);
	assert_int_equal(store_history_expire(f->st, 0, 9000), 0);
	assert_int_equal(store_held(f->st, "x", "sx", 2000), 0);
	assert_int_equal(store_commit(f->st), 0);
}

/*
 * The cap: a conversation over max keeps its newest max messages and
 * any that are not delivered yet; others are not touched.
 */
static void
test_history_trim(void **state)
{
	struct fx	*f = *state;
	uint64_t	 a, b, c, ab[10], ba[5], after;
	int		 i;

	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", NULL, "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", NULL, "h", 1, &c), 0);
	/* 10 from a to b, then b's 5 answers: the newest 5 are b's. */
	for (i = 0; i < 10; i++) {
		ab[i] = msg1(f->st, a, b, 100 + (uint64_t)i, 1000 + (uint64_t)i,
		    "ab");
		if (i < 3)
			msg1(f->st, a, c, 200 + (uint64_t)i, 1000 + (uint64_t)i,
			    "ac");
	}
	for (i = 0; i < 5; i++)
		ba[i] = msg1(f->st, b, a, 300 + (uint64_t)i, 2000 + (uint64_t)i,
		    "ba");
	/* b has a's first six; a has all of b's; c has nothing. */
	assert_int_equal(store_user_delivered(f->st, b, ab[5]), 0);
	assert_int_equal(store_user_delivered(f->st, a, ba[4]), 0);
	assert_int_equal(store_commit(f->st), 0);

	/* Over 5: a's six delivered go; its four undelivered stay beside
	 * the newest five.  a and c (3, none delivered) are under it. */
	assert_int_equal(store_history_trim(f->st, 5, (after = 0, &after)), 6);
	assert_int_equal(after, ba[4]);
	assert_int_equal(history(f->st, a, b, 0, 64), 9);
	for (i = 0; i < 5; i++)
		assert_int_equal(hs[i].sid, ba[4 - i]);
	for (i = 0; i < 4; i++)
		assert_int_equal(hs[5 + i].sid, ab[9 - i]);
	assert_int_equal(store_msg_queued(f->st, b), 4);
	assert_int_equal(history(f->st, a, c, 0, 64), 3);
	assert_int_equal(store_history_trim(f->st, 5, (after = 0, &after)), 0);
	/* Delivered now: down to the newest five, once a pass looks at
	 * the conversation (one that starts past its messages does not). */
	assert_int_equal(store_user_delivered(f->st, b, ab[9]), 0);
	after = ba[4];
	assert_int_equal(store_history_trim(f->st, 5, &after), 0);
	assert_int_equal(store_history_trim(f->st, 5, (after = 0, &after)), 4);
	assert_int_equal(history(f->st, b, a, 0, 64), 5);
	assert_int_equal(hs[4].sid, ba[0]);
	/* A cap of 2 reaches a and c's undelivered three: none goes. */
	assert_int_equal(store_history_trim(f->st, 2, (after = 0, &after)), 3);
	assert_int_equal(history(f->st, a, b, 0, 64), 2);
	assert_int_equal(hs[0].sid, ba[4]);
	assert_int_equal(hs[1].sid, ba[3]);
	assert_int_equal(history(f->st, a, c, 0, 64), 3);
	assert_int_equal(store_commit(f->st), 0);
}

/*
 * Pages of one message from the newest down, each before the last:
 * exactly the sids want (newest first), once each, then nothing.
 */
static void
pages_of_one(struct store *st, uint64_t a, uint64_t b, const uint64_t *want,
    int n)
{
	uint64_t	before = 0;
	int		i;

	for (i = 0; i < n; i++) {
		assert_int_equal(history(st, a, b, before, 1), 1);
		assert_int_equal(hs[0].sid, want[i]);
		before = hs[0].sid;
	}
	assert_int_equal(history(st, a, b, before, 1), 0);
	assert_int_equal(history(st, b, a, 0, 64), n);
	for (i = 0; i < n; i++)
		assert_int_equal(hs[i].sid, want[i]);
}

/*
 * Messages removed from the middle of a conversation leave the rest of
 * it whole: the cap keeps undelivered messages older than delivered
 * ones it removes, and retention (shorter than the history here)
 * removes undelivered messages between delivered ones that stay.
 */
static void
test_history_gaps(void **state)
{
	struct fx	*f = *state;
	uint64_t	 a, b, c, d, cd[6], ab[5], late, w[6];
	char		 err[256];

	assert_int_equal(store_user_add(f->st, "a", "a", NULL, "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", NULL, "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", NULL, "h", 1, &c), 0);
	assert_int_equal(store_user_add(f->st, "d", "d", NULL, "h", 1, &d), 0);
	/* a and b: b has a's (delivered), a has none of b's. */
	ab[0] = msg1(f->st, a, b, 20, 1000, "a1");
	ab[1] = msg1(f->st, b, a, 21, 1001, "b2");
	ab[2] = msg1(f->st, a, b, 22, 1002, "a3");
	ab[3] = msg1(f->st, b, a, 23, 1003, "b4");
	ab[4] = msg1(f->st, b, a, 24, 1004, "b5");
	late = msg1(f->st, a, b, 25, 9000, "a6");
	assert_int_equal(store_user_delivered(f->st, b, ab[2]), 0);
	assert_int_equal(store_commit(f->st), 0);
	/* Retention before 3000: b's three, undelivered, go; a's stay as
	 * history, and the newest is still linked to them. */
	assert_int_equal(store_expire(f->st, 3000), 3);
	assert_int_equal(store_msg_queued(f->st, a), 0);
	w[0] = late, w[1] = ab[2], w[2] = ab[0];
	pages_of_one(f->st, a, b, w, 3);
	assert_int_equal(store_expire(f->st, 3000), 0);
	pages_of_one(f->st, b, a, w, 3);
	/* A new message heads it, and it all survives a reopen. */
	w[0] = msg1(f->st, b, a, 26, 9001, "b7");
	w[1] = late, w[2] = ab[2], w[3] = ab[0];
	store_close(f->st);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	pages_of_one(f->st, a, b, w, 4);
	/* History's own days: a's old two go (and the tombstone with
	 * them), so nothing is left before a6. */
	assert_int_equal(store_history_expire(f->st, 3000, 3000), 2);
	pages_of_one(f->st, a, b, w, 2);
	assert_int_equal(history(f->st, a, b, ab[2], 64), 0);
	/* c's to d wait (d has nothing), d's to c are delivered. */
	cd[0] = msg1(f->st, c, d, 10, 1000, "c1");
	cd[1] = msg1(f->st, d, c, 11, 1001, "d2");
	cd[2] = msg1(f->st, c, d, 12, 1002, "c3");
	cd[3] = msg1(f->st, d, c, 13, 1003, "d4");
	cd[4] = msg1(f->st, d, c, 14, 1004, "d5");
	cd[5] = msg1(f->st, d, c, 15, 1005, "d6");
	assert_int_equal(store_user_delivered(f->st, c, cd[5]), 0);
	assert_int_equal(store_commit(f->st), 0);
	/* A cap of 2: d4 and d2 go, c3 and c1 stay, still in the pages. */
	assert_int_equal(store_history_trim(f->st, 2, (late = 0, &late)), 2);
	w[0] = cd[5], w[1] = cd[4], w[2] = cd[2], w[3] = cd[0];
	pages_of_one(f->st, c, d, w, 4);
	/* A before that is no longer a message of theirs. */
	assert_int_equal(history(f->st, c, d, cd[3], 64), 2);
	assert_int_equal(hs[0].sid, cd[2]);
	assert_int_equal(store_history_trim(f->st, 2, (late = 0, &late)), 0);
	pages_of_one(f->st, d, c, w, 4);
	assert_int_equal(store_commit(f->st), 0);
}

/* Copy file name of folder src into folder dst, if it is there. */
static void
copy_file(const char *src, const char *dst, const char *name)
{
	char	a[192], b[192], buf[65536];
	ssize_t	n;
	int	in, out;

	snprintf(a, sizeof a, "%s/%s", src, name);
	snprintf(b, sizeof b, "%s/%s", dst, name);
	if ((in = open(a, O_RDONLY)) == -1)
		return;
	assert_true((out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/*
 * History after a crash: the files as a kill -9 leaves them, 20,000
 * messages over three conversations after the heads last written (the
 * newest only in memory then), opened by a new store; and the files a
 * clean close leaves.  Either way every message of each conversation
 * is in its pages, newest first, once, and a new message heads it.
 */
static void
test_history_crash(void **state)
{
	struct fx	*f = *state, copy;
	struct store	*st;
	uint64_t	 u[4], lo[3], hi[3], last[3], before, sid;
	char		 err[256], cmd[160];
	int		 i, k, pass, n[3] = { 0 }, got;

	for (i = 0; i < 4; i++) {
		snprintf(err, sizeof err, "u%d", i);
		assert_int_equal(store_user_add(f->st, err, err, NULL, "h", 1,
		    &u[i]), 0);
	}
	lo[0] = u[0], hi[0] = u[1];
	lo[1] = u[0], hi[1] = u[2];
	lo[2] = u[1], hi[2] = u[3];
	for (i = 0; i < 20000; i++) {
		k = i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : 2;
		last[k] = i % 2 ? msg1(f->st, lo[k], hi[k], 1000 + (uint64_t)i,
		    1000, "m") : msg1(f->st, hi[k], lo[k], 1000 + (uint64_t)i,
		    1000, "m");
		n[k]++;
		if (i % 500 == 499)
			assert_int_equal(store_commit(f->st), 0);
	}
	assert_int_equal(store_commit(f->st), 0);
	memset(&copy, 0, sizeof copy);
	strcpy(copy.dir, "/tmp/chatstoreXXXXXX");
	assert_non_null(mkdtemp(copy.dir));
	copy_file(f->dir, copy.dir, STORE_FILE);
	copy_file(f->dir, copy.dir, STORE_FILE "-wal");
	/* The crash's heads are behind its messages. */
	assert_true(peek(&copy, "SELECT value FROM meta WHERE key ="
	    " 'heads_upto'") < peek(&copy, "SELECT max(id) FROM messages"));
	store_close(f->st);
	f->st = NULL;

	for (pass = 0; pass < 2; pass++) {
		st = store_open(pass ? copy.dir : f->dir, 0, err, sizeof err);
		assert_non_null(st);
		for (k = 0; k < 3; k++) {
			before = 0;
			got = 0;
			while (history(st, lo[k], hi[k], before, 50) > 0) {
				for (i = 0; i < nhs; i++) {
					assert_true(before == 0 ||
					    hs[i].sid < before);
					assert_true(got > 0 || i > 0 ||
					    hs[i].sid == last[k]);
					assert_true((hs[i].sender == lo[k] &&
					    hs[i].rcpt == hi[k]) ||
					    (hs[i].sender == hi[k] &&
					    hs[i].rcpt == lo[k]));
					before = hs[i].sid;
				}
				got += nhs;
			}
			assert_int_equal(got, n[k]);
		}
		sid = msg1(st, lo[0], hi[0], 99999, 2000, "new");
		assert_int_equal(history(st, hi[0], lo[0], 0, 2), 2);
		assert_int_equal(hs[0].sid, sid);
		assert_int_equal(hs[1].sid, last[0]);
		store_close(st);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", copy.dir);
	assert_int_equal(system(cmd), 0);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
}

static int	nusers;

static void
count_users(void *arg, const struct store_user *u)
{
	uint64_t	*gone = arg;

	assert_int_not_equal(u->id, *gone);
	nusers++;
}

/*
 * Deleting an account takes everything of it and nothing of anyone
 * else's; its key and skeleton are held until the time given.
 */
static void
test_user_delete(void **state)
{
	struct fx		*f = *state;
	struct store_user	 u;
	struct store_conv	 cv;
	struct store_rel	 r;
	struct store_msg	 m;
	uint8_t			 tha[STORE_TOKEN_HASHLEN];
	uint8_t			 thb[STORE_TOKEN_HASHLEN];
	uint64_t		 a, b, c, d, id, ab, ca, bc, a2;
	char			 err[256];

	memset(tha, 0xa, sizeof tha);
	memset(thb, 0xb, sizeof thb);
	assert_int_equal(store_user_add(f->st, "a", "A", "sa", "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", "sb", "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", "sc", "h", 1, &c), 0);
	assert_int_equal(store_user_add(f->st, "d", "d", NULL, "h", 1, &d), 0);
	assert_int_equal(store_token_add(f->st, a, tha, 5, "a's", "", &id), 0);
	assert_int_equal(store_token_add(f->st, b, thb, 5, "b's", "", &id), 0);
	/* a and b contacts; c asked a; b and c contacts; a blocked d, d
	 * blocked a, d blocked c. */
	assert_int_equal(store_contact_add(f->st, a, b), 0);
	assert_int_equal(store_contact_add(f->st, b, a), 0);
	assert_int_equal(store_contact_set(f->st, c, a, STORE_REQUESTED), 0);
	assert_int_equal(store_contact_add(f->st, b, c), 0);
	assert_int_equal(store_contact_add(f->st, c, b), 0);
	assert_int_equal(store_block_add(f->st, a, d), 0);
	assert_int_equal(store_block_add(f->st, d, a), 0);
	assert_int_equal(store_block_add(f->st, d, c), 0);
	/* Messages either way, with cursors; b's with c. */
	ab = msg1(f->st, a, b, 100, 1000, "ab");
	msg1(f->st, b, a, 200, 1001, "ba");
	ca = msg1(f->st, c, a, 300, 1002, "ca");
	bc = msg1(f->st, b, c, 201, 1003, "bc");
	msg1(f->st, c, b, 301, 1004, "cb");
	memset(&cv, 0, sizeof cv);
	cv.rcpt = b;
	cv.sender = a;
	cv.delivered = cv.read = ab;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	cv.rcpt = a;
	cv.sender = c;
	cv.delivered = cv.read = ca;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	cv.rcpt = c;
	cv.sender = b;
	cv.delivered = cv.read = bc;
	assert_int_equal(store_conv_put(f->st, &cv), 0);
	/* One more to an online b, still in the tail (not yet in the
	 * queue index) when a goes. */
	online(f->st, a, b, 1, 1005, 101);
	assert_int_equal(store_commit(f->st), 0);

	assert_int_equal(store_user_delete(f->st, a, 5000), 1);
	assert_int_equal(store_user_delete(f->st, a, 5000), 0);
	assert_int_equal(store_user_delete(f->st, 9999, 5000), 0);
	assert_int_equal(store_commit(f->st), 0);

	/* Nothing of a's. */
	assert_int_equal(store_user_by_id(f->st, a, &u), 0);
	assert_int_equal(store_user_get(f->st, "a", &u), 0);
	assert_int_equal(store_token_check(f->st, a, tha, 0, &id), 0);
	assert_int_equal(store_rel(f->st, b, a, &r), 0);
	assert_true(r.mine == STORE_NONE && r.theirs == STORE_NONE &&
	    !r.blocked && !r.blocked_by);
	assert_int_equal(store_rel(f->st, c, a, &r), 0);
	assert_int_equal(r.mine, STORE_NONE);
	assert_int_equal(store_rel(f->st, d, a, &r), 0);
	assert_true(!r.blocked && !r.blocked_by);
	assert_int_equal(store_conv_get(f->st, b, a, &cv), 0);
	assert_int_equal(store_conv_get(f->st, a, c, &cv), 0);
	assert_int_equal(history(f->st, b, a, 0, 64), 0);
	assert_int_equal(history(f->st, c, a, 0, 64), 0);
	assert_int_equal(history(f->st, a, b, 0, 64), 0);
	assert_int_equal(store_msg_get(f->st, ab, b, &m), 0);
	memset(&m, 0, sizeof m);
	m.sender = a;
	m.msgid = 100;
	assert_int_equal(store_msg_find(f->st, &m), 0);
	assert_int_equal(store_msg_queued(f->st, b), 1);	/* c's */
	assert_int_equal(peek(f, "SELECT count(*) FROM messages"), 2);

	/* Everyone else's as it was. */
	assert_int_equal(store_user_by_id(f->st, b, &u), 1);
	assert_int_equal(store_token_check(f->st, b, thb, 0, &id), 1);
	nusers = 0;
	assert_int_equal(store_contacts(f->st, b, count_users, &a), 1);
	assert_int_equal(store_contact_has(f->st, b, c), 1);
	nusers = 0;
	assert_int_equal(store_requests(f->st, a, count_users, &a), 0);
	assert_int_equal(store_blocks(f->st, d, count_users, &a), 1);
	assert_int_equal(store_rel(f->st, d, c, &r), 0);
	assert_int_equal(r.blocked, 1);
	assert_int_equal(store_conv_get(f->st, c, b, &cv), 1);
	assert_int_equal(cv.read, bc);
	assert_int_equal(history(f->st, b, c, 0, 64), 2);
	assert_int_equal(store_msg_queued(f->st, c), 1);

	/* Held until 5000: its key (1), its skeleton (2); then free. */
	assert_int_equal(store_held(f->st, "a", "sa", 4999), 1);
	assert_int_equal(store_held(f->st, "a", NULL, 4999), 1);
	assert_int_equal(store_held(f->st, "a2", "sa", 4999), 2);
	assert_int_equal(store_held(f->st, "b", "sb", 4999), 0);
	assert_int_equal(store_held(f->st, "a", "sa", 5000), 0);
	assert_int_equal(store_user_add(f->st, "a", "a", "sz", "h", 4999,
	    &a2), 1);
	assert_int_equal(store_user_add(f->st, "a2", "a2", "sa", "h", 4999,
	    &a2), 2);
	assert_int_equal(store_user_add(f->st, "a2", "a2", NULL, "h", 4999,
	    &a2), 0);
	/* The hold survives a restart. */
	store_close(f->st);
	f->st = store_open(f->dir, 0, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_held(f->st, "a", "sa", 4999), 1);
	/* Its conversations' heads went too (b and c's stayed). */
	snprintf(err, sizeof err, "SELECT count(*) FROM heads WHERE"
	    " lo = %llu OR hi = %llu", (unsigned long long)a,
	    (unsigned long long)a);
	assert_int_equal(peek(f, err), 0);
	assert_int_equal(peek(f, "SELECT count(*) FROM heads"), 1);
	assert_int_equal(store_user_add(f->st, "a", "A", "sa", "h", 5000,
	    &id), 0);
	assert_true(id != a);
	assert_int_equal(history(f->st, id, b, 0, 64), 0);
	assert_int_equal(store_commit(f->st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_lookalikes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_chains, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_paging, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_expire, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_trim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_user_delete, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_gaps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_history_crash, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
