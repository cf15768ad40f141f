/* Unit tests for chat-tui/edit.c: the input line editor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat-tui/edit.h"

/* Type text at the cursor. */
static void
type(struct edit *e, const char *s)
{
	edit_insert(e, s, strlen(s));
}

static void
test_insert_and_move(void **state)
{
	struct edit	e;

	edit_init(&e, 10);
	type(&e, "hllo");
	edit_home(&e);
	edit_right(&e);
	type(&e, "e");
	assert_string_equal(e.buf, "hello");
	assert_int_equal(e.cur, 2);
	edit_end(&e);
	assert_int_equal(e.cur, 5);
	edit_right(&e);			/* at the end: stays */
	assert_int_equal(e.cur, 5);
	edit_free(&e);
}

static void
test_cursor_moves_by_cluster(void **state)
{
	struct edit	e;
	const char	*fam = "👨\u200d👩\u200d👧";

	edit_init(&e, 10);
	type(&e, "狗");
	type(&e, fam);
	type(&e, "e\u0301");
	edit_left(&e);			/* over é, both code points */
	assert_int_equal(e.cur, 3 + strlen(fam));
	edit_left(&e);			/* over the whole family */
	assert_int_equal(e.cur, 3);
	edit_backspace(&e);		/* deletes 狗, three bytes */
	assert_int_equal(e.cur, 0);
	edit_delete(&e);		/* deletes the family */
	assert_string_equal(e.buf, "e\u0301");
	edit_free(&e);
}

static void
test_words(void **state)
{
	struct edit	e;

	edit_init(&e, 10);
	type(&e, "one two  three");
	edit_word_left(&e);
	assert_int_equal(e.cur, 9);
	edit_word_left(&e);
	assert_int_equal(e.cur, 4);
	edit_word_right(&e);
	assert_int_equal(e.cur, 7);
	edit_end(&e);
	edit_kill_word(&e);
	assert_string_equal(e.buf, "one two  ");
	edit_kill_word(&e);
	assert_string_equal(e.buf, "one ");
	edit_yank(&e);
	assert_string_equal(e.buf, "one two  ");
	edit_home(&e);
	edit_kill_word_forward(&e);
	assert_string_equal(e.buf, " two  ");
	edit_free(&e);
}

static void
test_kill_line(void **state)
{
	struct edit	e;

	edit_init(&e, 10);
	type(&e, "first\nsecond line");
	edit_word_left(&e);
	edit_kill_start(&e);		/* only the current line */
	assert_string_equal(e.buf, "first\nline");
	edit_home(&e);
	edit_kill_end(&e);
	assert_string_equal(e.buf, "first\n");
	edit_free(&e);
}

static void
test_insert_cleans(void **state)
{
	struct edit	e;

	edit_init(&e, 10);
	type(&e, "a\r\nb\rc\td\x1b[31me\xff\x07");
	assert_string_equal(e.buf, "a\nb\nc    d[31me");
	edit_free(&e);
}

static void
test_multiline_up_down(void **state)
{
	struct edit	e;

	edit_init(&e, 10);
	type(&e, "abcdef\n狗哥x");
	assert_int_equal(edit_lines(&e), 2);
	edit_up(&e);			/* from column 5 to column 5 */
	assert_int_equal(e.cur, 5);
	edit_left(&e);
	edit_left(&e);			/* column 3 */
	edit_down(&e);			/* 3 falls inside 哥: before it */
	assert_int_equal(e.cur, 7 + 3);
	edit_free(&e);
}

static void
test_history_keeps_draft(void **state)
{
	struct edit	e;
	char		*s;

	edit_init(&e, 2);
	type(&e, "one");
	free(edit_take(&e));
	type(&e, "two");
	free(edit_take(&e));
	type(&e, "three");
	s = edit_take(&e);
	assert_string_equal(s, "three");
	free(s);
	assert_int_equal(e.nhist, 2);	/* the limit drops "one" */
	type(&e, "draft");
	edit_up(&e);
	assert_string_equal(e.buf, "three");
	edit_up(&e);
	assert_string_equal(e.buf, "two");
	edit_up(&e);			/* no older line */
	assert_string_equal(e.buf, "two");
	edit_down(&e);
	edit_down(&e);
	assert_string_equal(e.buf, "draft");
	free(edit_take(&e));
	type(&e, "draft");		/* the same line twice is kept once */
	free(edit_take(&e));
	assert_int_equal(e.nhist, 2);
	edit_free(&e);
}

static void
test_layout_cursor(void **state)
{
	struct edit		e;
	struct width_line	r[8];
	size_t			row, col, n;

	edit_init(&e, 10);
	type(&e, "狗哥alex");
	n = edit_layout(&e, 20, r, 8, &row, &col);
	assert_int_equal(n, 1);
	assert_int_equal(col, 8);	/* after two wide and four narrow */
	edit_home(&e);
	edit_right(&e);
	edit_layout(&e, 20, r, 8, &row, &col);
	assert_int_equal(col, 2);
	/* Exactly full: the cursor goes to a new, empty row. */
	edit_set(&e, "abcd");
	memset(r, 0xff, sizeof r);
	n = edit_layout(&e, 4, r, 8, &row, &col);
	assert_int_equal(n, 2);
	assert_int_equal(row, 1);
	assert_int_equal(col, 0);
	assert_int_equal(r[1].off, 4);
	assert_int_equal(r[1].len, 0);
	/* A wide character that does not fit moves to the next row. */
	edit_set(&e, "abc狗");
	n = edit_layout(&e, 4, r, 8, &row, &col);
	assert_int_equal(n, 2);
	assert_int_equal(row, 1);
	assert_int_equal(col, 2);
	/* After the space of a word wrap, the cursor is on the next row. */
	edit_set(&e, "hello world");
	edit_word_left(&e);
	edit_layout(&e, 8, r, 8, &row, &col);
	assert_int_equal(row, 1);
	assert_int_equal(col, 0);
	edit_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_move),
		cmocka_unit_test(test_cursor_moves_by_cluster),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_kill_line),
		cmocka_unit_test(test_insert_cleans),
		cmocka_unit_test(test_multiline_up_down),
		cmocka_unit_test(test_history_keeps_draft),
		cmocka_unit_test(test_layout_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
