/*
 * Unit tests for chatd/store.c: accounts, tokens, contacts, the message
 * queue with duplicate ids, delivered and read cursors, owed receipts,
 * group commit, reopening, the queue index's tail and the upgrade of
 * version 1 and 2 stores.
 */
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
	uint64_t		 a, b;
	uint8_t			 th[STORE_TOKEN_HASHLEN] = { 1, 2, 3 };

	assert_int_equal(store_user_add(f->st, "alice", "Alice", "h1", 1, &a),
	    0);
	assert_int_equal(store_user_add(f->st, "alice", "ALICE", "h2", 2, &b),
	    1);
	assert_int_equal(store_user_add(f->st, "bob", "bob", "h3", 3, &b), 0);
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

	assert_int_equal(store_token_add(f->st, a, th, 5), 0);
	assert_int_equal(store_token_check(f->st, a, th), 1);
	assert_int_equal(store_token_check(f->st, b, th), 0);
	assert_int_equal(store_token_revoke(f->st, a), 0);
	assert_int_equal(store_token_check(f->st, a, th), 0);
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

	store_user_add(f->st, "a", "a", "h", 1, &a);
	store_user_add(f->st, "b", "b", "h", 1, &b);
	store_user_add(f->st, "c", "c", "h", 1, &c);
	assert_int_equal(store_contact_add(f->st, a, b), 0);
	assert_int_equal(store_contact_add(f->st, a, b), 0);
	assert_int_equal(store_contact_add(f->st, a, c), 0);
	assert_int_equal(store_contact_add(f->st, c, b), 0);
	assert_int_equal(store_contact_count(f->st, a), 2);
	ncontacts = 0;
	assert_int_equal(store_contacts(f->st, a, count_user, NULL), 2);
	assert_int_equal(ncontacts, 2);
	assert_int_equal(store_watchers(f->st, b, count_user, NULL), 2);
	assert_int_equal(store_contact_del(f->st, a, b), 0);
	assert_int_equal(store_contact_count(f->st, a), 1);
	assert_int_equal(store_watchers(f->st, b, count_user, NULL), 1);
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

	assert_int_equal(store_user_add(f->st, "a", "a", "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", "h", 1, &b), 0);
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
	assert_int_equal(store_expire(f->st, 1500), 6);
	assert_int_equal(store_msg_queued(f->st, b), 0);
	/* Only what is older than the limit goes. */
	first = five(f->st, a, b);
	/* An id chosen by the caller is used as it is. */
	m.sid = first + 50;
	m.msgid = 1000;
	m.time = 3000;
	assert_int_equal(store_msg_add(f->st, &m), 0);
	assert_int_equal(m.sid, first + 50);
	assert_int_equal(store_expire(f->st, 2000), 5);
	assert_int_equal(store_expire(f->st, 2000), 0);
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

	assert_int_equal(store_user_add(f->st, "a", "a", "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", "h", 1, &b), 0);
	assert_int_equal(store_user_add(f->st, "c", "c", "h", 1, &c), 0);
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

	assert_int_equal(store_user_add(f->st, "a", "a", "h", 1, &a), 0);
	assert_int_equal(store_user_add(f->st, "b", "b", "h", 1, &b), 0);
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
	assert_int_equal(store_user_add(f->st, "a", "a", "h", 1, &a), 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_chains, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_reopen, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
