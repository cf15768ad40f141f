/* Unit tests for chat-tui/model.c and chat-tui/history.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chat-tui/history.h"
#include "chat-tui/model.h"

static void
test_conversations_by_key(void **state)
{
	struct model		 m;
	struct model_conv	*a, *b, *list[4];

	model_init(&m, 10);
	a = model_conv(&m, "Alice", 1);
	assert_non_null(a);
	assert_ptr_equal(model_conv(&m, "ALICE", 0), a);	/* case folded */
	assert_string_equal(a->nick, "Alice");
	b = model_conv(&m, "狗哥alex", 1);
	assert_ptr_not_equal(a, b);
	assert_null(model_conv(&m, "bob", 0));
	assert_int_equal(model_filter(&m, "GE", list, 4), 0);
	assert_int_equal(model_filter(&m, "哥A", list, 4), 1);
	assert_ptr_equal(list[0], b);
	assert_int_equal(model_filter(&m, "", list, 4), 2);
	model_free(&m);
}

static void
test_states_only_advance(void **state)
{
	struct model		 m;
	struct model_conv	*c, *found;
	struct model_msg	*msg;

	model_init(&m, 10);
	c = model_conv(&m, "bob", 1);
	msg = model_add(&m, c, 42, 1000, 1, MODEL_SENDING, "hi", 2);
	assert_int_equal(model_outbox(&m), 1);
	assert_true(model_advance(msg, MODEL_DELIVERED));
	assert_false(model_advance(msg, MODEL_ACCEPTED));	/* late, ignored */
	assert_int_equal(msg->state, MODEL_DELIVERED);
	assert_true(model_advance(msg, MODEL_READ));
	assert_int_equal(model_outbox(&m), 0);
	assert_ptr_equal(model_find_sent(&m, 42, &found), msg);
	assert_ptr_equal(found, c);
	model_free(&m);
}

static void
test_unread_and_limit(void **state)
{
	struct model		 m;
	struct model_conv	*a, *b;
	char			 t[16];
	int			 i;

	model_init(&m, 3);
	a = model_conv(&m, "a", 1);
	b = model_conv(&m, "b", 1);
	model_open(&m, a);
	for (i = 0; i < 5; i++) {
		snprintf(t, sizeof t, "m%d", i);
		model_add(&m, a, (uint64_t)i + 1, (uint64_t)i, 0,
		    MODEL_RECEIVED, t, strlen(t));
		model_add(&m, b, (uint64_t)i + 1, (uint64_t)i, 0,
		    MODEL_RECEIVED, t, strlen(t));
	}
	assert_int_equal(a->unread, 0);		/* in view */
	assert_int_equal(b->unread, 5);
	assert_int_equal(b->nmsgs, 3);		/* the oldest went */
	assert_string_equal(b->msgs[0].text, "m2");
	assert_ptr_equal(model_next_unread(&m, a), b);
	model_open(&m, b);
	assert_int_equal(b->unread, 0);
	assert_null(model_next_unread(&m, b));
	/* A late message goes where its time puts it. */
	model_add(&m, b, 99, 3, 0, MODEL_RECEIVED, "late", 4);
	assert_string_equal(b->msgs[1].text, "late");
	model_free(&m);
}

static void
test_history_round_trip(void **state)
{
	struct model		 m, m2;
	struct model_conv	*c;
	struct model_msg	*msg;
	struct history		 h;
	char			 dir[] = "/tmp/tui-model-XXXXXX", err[256], cmd[300];
	const char		*text = "two\tlines\nwith a \\ backslash 😀";

	assert_non_null(mkdtemp(dir));
	setenv("XDG_DATA_HOME", dir, 1);
	assert_int_equal(history_open(&h, "Me", err, sizeof err), 0);
	model_init(&m, 100);
	c = model_conv(&m, "狗哥alex", 1);
	msg = model_add(&m, c, 0xabcdef, 5000, 1, MODEL_SENDING, text,
	    strlen(text));
	history_msg(&h, c, msg);
	msg = model_add(&m, c, 7, 6000, 1, MODEL_SENDING, "second", 6);
	history_msg(&h, c, msg);
	model_advance(msg, MODEL_DELIVERED);
	history_state(&h, c, msg);
	msg = model_add(&m, c, 3, 7000, 0, MODEL_RECEIVED, "from them", 9);
	history_msg(&h, c, msg);
	model_free(&m);

	model_init(&m2, 100);
	assert_int_equal(history_load(&h, &m2), 1);
	c = model_conv(&m2, "狗哥ALEX", 0);
	assert_non_null(c);
	assert_string_equal(c->nick, "狗哥alex");
	assert_int_equal(c->nmsgs, 3);
	assert_string_equal(c->msgs[0].text, text);
	assert_int_equal(c->msgs[0].state, MODEL_SENDING);	/* still to send */
	assert_int_equal(c->msgs[0].id, 0xabcdef);
	assert_int_equal(c->msgs[1].state, MODEL_DELIVERED);
	assert_false(c->msgs[2].out);
	assert_int_equal(c->unread, 0);		/* history is not news */
	assert_int_equal(model_outbox(&m2), 1);
	model_free(&m2);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversations_by_key),
		cmocka_unit_test(test_states_only_advance),
		cmocka_unit_test(test_unread_and_limit),
		cmocka_unit_test(test_history_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
