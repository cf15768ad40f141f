/* Unit tests for chat-tui/scroll.c: the scrollback model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chat-tui/scroll.h"

/* Absolute top row of the view, for assertions. */
static size_t
top(const struct scroll *s, const size_t *h, size_t n, size_t height)
{
	struct scroll_pos	p = scroll_top(s, h, n, height);
	size_t			i, t = 0;

	for (i = 0; i < p.item; i++)
		t += h[i];
	return t + p.row;
}

static void
test_follows_the_end(void **state)
{
	struct scroll	s;
	size_t		h[20], i;

	scroll_init(&s);
	for (i = 0; i < 20; i++)
		h[i] = 1;
	assert_int_equal(top(&s, h, 3, 10), 0);	/* everything fits */
	assert_int_equal(top(&s, h, 20, 10), 10);
	scroll_appended(&s, 1);
	assert_false(scroll_marker(&s));
}

static void
test_page_up_holds_while_messages_arrive(void **state)
{
	struct scroll	s;
	size_t		h[40], i, t;

	scroll_init(&s);
	for (i = 0; i < 40; i++)
		h[i] = 2;
	/* 30 items of 2 rows in a window of 10: the end is row 50. */
	scroll_up(&s, h, 30, 10, 9);
	t = top(&s, h, 30, 10);
	assert_int_equal(t, 41);
	/* Ten more arrive: the view does not move, the marker counts them. */
	for (i = 30; i < 40; i++)
		scroll_appended(&s, 1);
	assert_int_equal(top(&s, h, 40, 10), t);
	assert_true(scroll_marker(&s));
	assert_int_equal(s.unseen, 10);
	/* Paging down to the end follows again and clears the marker. */
	scroll_down(&s, h, 40, 10, 9);
	assert_int_equal(top(&s, h, 40, 10), 50);
	assert_true(scroll_marker(&s));
	scroll_down(&s, h, 40, 10, 19);
	assert_int_equal(top(&s, h, 40, 10), 69);
	assert_false(s.follow);
	scroll_down(&s, h, 40, 10, 9);
	assert_true(s.follow);
	assert_false(scroll_marker(&s));
	assert_int_equal(top(&s, h, 40, 10), 70);
}

static void
test_anchor_survives_rewrap(void **state)
{
	struct scroll		s;
	struct scroll_pos	p;
	size_t			h[10], i;

	scroll_init(&s);
	for (i = 0; i < 10; i++)
		h[i] = 3;
	scroll_up(&s, h, 10, 5, 13);	/* top at row 12: item 4, row 0 */
	p = scroll_top(&s, h, 10, 5);
	assert_int_equal(p.item, 4);
	assert_int_equal(p.row, 0);
	/* Narrower: every item now takes 6 rows; item 4 stays on top. */
	for (i = 0; i < 10; i++)
		h[i] = 6;
	p = scroll_top(&s, h, 10, 5);
	assert_int_equal(p.item, 4);
	assert_int_equal(p.row, 0);
	/* Taller than the content below the anchor: clamped to the end. */
	p = scroll_top(&s, h, 10, 58);
	assert_int_equal(top(&s, h, 10, 58), 2);
	(void)p;
}

static void
test_home_and_limits(void **state)
{
	struct scroll	s;
	size_t		h[5] = { 1, 1, 1, 1, 1 };

	scroll_init(&s);
	scroll_up(&s, h, 5, 10, 3);	/* fits: nothing to scroll */
	assert_true(s.follow);
	scroll_up(&s, h, 5, 2, 100);	/* past the top: clamped */
	assert_int_equal(top(&s, h, 5, 2), 0);
	scroll_end(&s);
	scroll_home(&s, h, 5, 2);
	assert_false(s.follow);
	assert_int_equal(top(&s, h, 5, 2), 0);
	scroll_dropped(&s, 2);		/* items trimmed from the start */
	assert_int_equal(s.item, 0);
}

static void
test_dropped_keeps_item(void **state)
{
	struct scroll	s;
	size_t		h[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

	scroll_init(&s);
	scroll_up(&s, h, 10, 3, 4);	/* top at row 3 */
	assert_int_equal(s.item, 3);
	scroll_dropped(&s, 1);
	assert_int_equal(s.item, 2);	/* still the same message */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follows_the_end),
		cmocka_unit_test(test_page_up_holds_while_messages_arrive),
		cmocka_unit_test(test_anchor_survives_rewrap),
		cmocka_unit_test(test_home_and_limits),
		cmocka_unit_test(test_dropped_keeps_item),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
