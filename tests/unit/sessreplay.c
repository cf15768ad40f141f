/*
 * sessreplay.c: the replay window accepts each counter once, in any order
 * within 2048 of the newest, and refuses anything older.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "sess/sessreplay.h"

/* Check and mark, as the session does for an authentic packet. */
static int
accept_ctr(struct sessreplay *r, uint64_t c)
{
	if (sessreplay_check(r, c) == -1)
		return 0;
	sessreplay_mark(r, c);
	return 1;
}

static void
test_each_counter_once(void **state)
{
	struct sessreplay	r;
	uint64_t		c;

	sessreplay_init(&r);
	for (c = 0; c < 10000; c++)
		assert_true(accept_ctr(&r, c));
	for (c = 10000 - SESSREPLAY_BITS; c < 10000; c++)
		assert_false(accept_ctr(&r, c));
	assert_false(accept_ctr(&r, 0));
}

static void
test_window_is_2048(void **state)
{
	struct sessreplay	r;
	uint64_t		top, c;

	/* Wherever the newest counter falls in its word, every one of the
	 * 2048 below it that was never seen is still accepted. */
	for (top = 5000; top < 5000 + 64; top++) {
		sessreplay_init(&r);
		assert_true(accept_ctr(&r, top));
		for (c = top - SESSREPLAY_BITS; c < top; c++)
			assert_int_equal(sessreplay_check(&r, c), 0);
		/* Far older is refused. */
		assert_int_equal(sessreplay_check(&r, top - 3000), -1);
		assert_int_equal(sessreplay_check(&r, 0), -1);
	}
}

static void
test_reordered_and_jumps(void **state)
{
	struct sessreplay	r;
	uint64_t		c;

	sessreplay_init(&r);
	/* Evens first, then odds: all accepted once. */
	for (c = 0; c < 2000; c += 2)
		assert_true(accept_ctr(&r, c));
	for (c = 1; c < 2000; c += 2)
		assert_true(accept_ctr(&r, c));
	for (c = 0; c < 2000; c++)
		assert_false(accept_ctr(&r, c));
	/* A jump far ahead forgets the past but never lets it back in. */
	assert_true(accept_ctr(&r, UINT64_C(1) << 40));
	assert_false(accept_ctr(&r, 1999));
	assert_true(accept_ctr(&r, (UINT64_C(1) << 40) - 5));
	assert_false(accept_ctr(&r, (UINT64_C(1) << 40) - 5));
	/* The largest counters work. */
	assert_true(accept_ctr(&r, UINT64_MAX - 1));
	assert_true(accept_ctr(&r, UINT64_MAX));
	assert_false(accept_ctr(&r, UINT64_MAX));
	assert_true(accept_ctr(&r, UINT64_MAX - 100));
}

static void
test_check_does_not_mark(void **state)
{
	struct sessreplay	r;

	/* A forgery is checked but never marked: it cannot burn a counter
	 * or move the window. */
	sessreplay_init(&r);
	assert_true(accept_ctr(&r, 10));
	assert_int_equal(sessreplay_check(&r, 1000000), 0);
	assert_int_equal(sessreplay_check(&r, 11), 0);
	assert_true(accept_ctr(&r, 11));
	assert_true(sessreplay_newest(&r, 12));
	assert_false(sessreplay_newest(&r, 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_counter_once),
		cmocka_unit_test(test_window_is_2048),
		cmocka_unit_test(test_reordered_and_jumps),
		cmocka_unit_test(test_check_does_not_mark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
