/* Unit tests for chat-tui/width.c: cluster widths and wrapping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chat-tui/width.h"

/* The width of a NUL-terminated string. */
static size_t
w(const char *s)
{
	return width_str(s, strlen(s));
}

/* The number of clusters in s. */
static size_t
clusters(const char *s)
{
	size_t	off = 0, n = 0, len = strlen(s);
	int	cols;

	while (off < len) {
		off += width_cluster(s + off, len - off, &cols);
		n++;
	}
	return n;
}

static void
test_ascii_and_cjk(void **state)
{
	assert_int_equal(w(""), 0);
	assert_int_equal(w("alex"), 4);
	assert_int_equal(w("狗哥alex"), 8);		/* two wide, four narrow */
	assert_int_equal(w("日本語"), 6);
	assert_int_equal(w("ｱｲ"), 2);			/* half-width katakana */
}

static void
test_emoji(void **state)
{
	assert_int_equal(w("😀"), 2);
	assert_int_equal(clusters("😀😀"), 2);
	/* ZWJ family: one cluster, two columns. */
	assert_int_equal(clusters("👨\u200d👩\u200d👧"), 1);
	assert_int_equal(w("👨\u200d👩\u200d👧"), 2);
	/* Skin tone modifier joins its base. */
	assert_int_equal(clusters("👍🏽"), 1);
	assert_int_equal(w("👍🏽"), 2);
	/* VS16 asks for emoji presentation: two columns; bare, one. */
	assert_int_equal(w("\u2764"), 1);
	assert_int_equal(w("\u2764\ufe0f"), 2);
	assert_int_equal(clusters("\u2764\ufe0f"), 1);
	/* A flag is a pair of regional indicators. */
	assert_int_equal(clusters("🇫🇷🇩🇪"), 2);
	assert_int_equal(w("🇫🇷"), 2);
}

static void
test_combining(void **state)
{
	assert_int_equal(clusters("e\u0301"), 1);		/* é decomposed */
	assert_int_equal(w("e\u0301te\u0301"), 3);
	assert_int_equal(w("\u0301"), 1);		/* a lone mark still takes a cell */
}

static void
test_invalid_and_control(void **state)
{
	int	cols;

	assert_int_equal(w("a\xff" "b"), 3);
	assert_int_equal(width_cluster("\xe7\x8b", 2, &cols), 1);	/* truncated */
	assert_int_equal(cols, 1);
	assert_int_equal(w("a\x1b" "b"), 3);
	assert_false(width_printable("\x1b", 1));
	assert_false(width_printable("\xc2\x9b", 2));		/* C1 CSI */
	assert_false(width_printable("\xe2\x80\xae", 3));	/* RLO */
	assert_false(width_printable("\xe2\x81\xa6", 3));	/* LRI */
	assert_int_equal(w("abc\xe2\x80\xae" "gnp"), 7);
	assert_true(width_printable("狗", 3));
	assert_int_equal(w("a\nb"), 2);
}

static void
test_fit_never_splits(void **state)
{
	size_t	used, n;

	n = width_fit("狗哥alex", strlen("狗哥alex"), 3, &used);
	assert_int_equal(n, 3);		/* 狗 fits, 哥 would need column 4 */
	assert_int_equal(used, 2);
	n = width_fit("👨\u200d👩\u200d👧x", strlen("👨\u200d👩\u200d👧x"), 1, &used);
	assert_int_equal(n, 0);
	assert_int_equal(used, 0);
}

static void
test_prev(void **state)
{
	const char	*s = "a👨\u200d👩\u200d👧b";
	size_t		 len = strlen(s);

	assert_int_equal(width_prev(s, len, len), len - 1);
	assert_int_equal(width_prev(s, len, len - 1), 1);
	assert_int_equal(width_prev(s, len, 1), 0);
	assert_int_equal(width_prev("a\nb", 3, 2), 1);
}

static void
test_wrap_words(void **state)
{
	struct width_line	r[8];
	const char		*s = "hello brave new world";

	assert_int_equal(width_wrap(s, strlen(s), 12, r, 8), 2);
	assert_int_equal(r[0].off, 0);
	assert_int_equal(r[0].len, 12);		/* "hello brave " */
	assert_int_equal(r[1].off, 12);
	assert_int_equal(r[1].cols, 9);
}

static void
test_wrap_wide_never_overflows(void **state)
{
	struct width_line	r[16];
	const char		*s = "狗哥狗哥狗";
	size_t			 n, i;

	/* Five wide clusters in rows of 3 columns: one per row. */
	n = width_wrap(s, strlen(s), 3, r, 16);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++)
		assert_true(r[i].cols <= 3);
	/* A row narrower than a cluster still makes progress. */
	n = width_wrap(s, strlen(s), 1, r, 16);
	assert_int_equal(n, 5);
}

static void
test_wrap_newlines(void **state)
{
	struct width_line	r[8];

	assert_int_equal(width_wrap("", 0, 10, r, 8), 1);
	assert_int_equal(r[0].len, 0);
	assert_int_equal(width_wrap("a\n\nb\n", 5, 10, r, 8), 4);
	assert_int_equal(r[1].len, 0);
	assert_int_equal(r[2].off, 3);
	assert_int_equal(r[3].len, 0);
	/* Counting without storing. */
	assert_int_equal(width_wrap("abcdefgh", 8, 3, NULL, 0), 3);
}

static void
test_wrap_emoji_sequence_intact(void **state)
{
	struct width_line	r[8];
	const char		*s = "ab👨\u200d👩\u200d👧cd";
	size_t			 n;

	n = width_wrap(s, strlen(s), 3, r, 8);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].len, 2);		/* the family does not fit after ab */
	assert_int_equal(r[1].cols, 3);		/* family + c */
	assert_int_equal(r[2].cols, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_cjk),
		cmocka_unit_test(test_emoji),
		cmocka_unit_test(test_combining),
		cmocka_unit_test(test_invalid_and_control),
		cmocka_unit_test(test_fit_never_splits),
		cmocka_unit_test(test_prev),
		cmocka_unit_test(test_wrap_words),
		cmocka_unit_test(test_wrap_wide_never_overflows),
		cmocka_unit_test(test_wrap_newlines),
		cmocka_unit_test(test_wrap_emoji_sequence_intact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
