/*
 * Unit tests for chatd/store.c: accounts, tokens, contacts, the message
 * queue with duplicate ids, receipts, group commit and reopening.
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

static void
test_messages(void **state)
{
	struct fx		*f = *state;
	struct store_msg	 m, r;
	char			 err[256];
	uint64_t		 first = 0;
	int			 i;

	for (i = 0; i < 5; i++) {
		memset(&m, 0, sizeof m);
		m.sender = 1;
		m.rcpt = 2;
		m.msgid = 100 + (uint64_t)i;
		m.time = 1000;
		m.text = (const uint8_t *)"hi";
		m.len = 2;
		assert_int_equal(store_msg_add(f->st, &m), 0);
		if (i == 0)
			first = m.sid;
	}
	/* The same sender and id again is a duplicate of the first. */
	m.msgid = 100;
	m.time = 2000;
	assert_int_equal(store_msg_add(f->st, &m), 1);
	assert_int_equal(m.sid, first);
	assert_int_equal(m.time, 1000);
	assert_int_equal(store_msg_queued(f->st, 2), 5);
	nseen = 0;
	assert_int_equal(store_msg_pending(f->st, 2, 0, 3, collect, NULL), 3);
	assert_true(seen[0] < seen[1] && seen[1] < seen[2]);
	assert_int_equal(store_msg_pending(f->st, 2, seen[2], 10, collect,
	    NULL), 2);
	/* Delivered leaves the queue; the sender has a receipt to get. */
	assert_int_equal(store_msg_mark(f->st, first, 2, 1, 0, &r), 1);
	assert_int_equal(r.sender, 1);
	assert_int_equal(r.msgid, 100);
	assert_int_equal(store_msg_mark(f->st, first, 2, 1, 0, &r), 0);
	assert_int_equal(store_msg_mark(f->st, first, 3, 2, 0, &r), 0);
	assert_int_equal(store_msg_queued(f->st, 2), 4);
	nseen = 0;
	assert_int_equal(store_receipts(f->st, 1, 10, collect, NULL), 1);
	assert_int_equal(store_receipt_sent(f->st, first, 1), 0);
	assert_int_equal(store_receipts(f->st, 1, 10, collect, NULL), 0);
	/* Read, told at once (the sender is online); then owed again when
	 * it could not be sent after all. */
	assert_int_equal(store_msg_mark(f->st, first, 2, 2, 1, &r), 1);
	assert_int_equal(r.sender, 1);
	assert_int_equal(store_receipts(f->st, 1, 10, collect, NULL), 0);
	assert_int_equal(store_receipt_untold(f->st, first, 2), 0);
	assert_int_equal(store_receipts(f->st, 1, 10, collect, NULL), 1);
	assert_int_equal(store_receipt_sent(f->st, first, 2), 0);
	assert_int_equal(store_receipts(f->st, 1, 10, collect, NULL), 0);

	/* Committed writes survive a reopen; uncommitted ones do not. */
	assert_int_equal(store_commit(f->st), 0);
	m.msgid = 999;
	assert_int_equal(store_msg_add(f->st, &m), 0);
	assert_true(store_dirty(f->st));
	store_close(f->st);	/* commits */
	f->st = store_open(f->dir, 1, err, sizeof err);
	assert_non_null(f->st);
	assert_int_equal(store_msg_queued(f->st, 2), 5);
	assert_int_equal(store_expire(f->st, 1500), 6);
	assert_int_equal(store_msg_queued(f->st, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
