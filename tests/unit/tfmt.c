/* Unit tests for timed/tfmt.c: strftime with bounded cost. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "timed/timed.h"

static const struct tfmt_limits lim = { 256, 512, 32 };

/* 2026-11-25 17:13:49 UTC. */
static const time_t T0 = 1795626829;

/* Render fmt at T0 in UTC with an output limit; the result code. */
static enum tfmt_result
render(const char *fmt, size_t limit, char *out, size_t *len, size_t *need)
{
	struct tm	tm;

	gmtime_r(&T0, &tm);
	tm.tm_zone = "UTC";
	return tfmt_render(&lim, fmt, strlen(fmt), &tm, T0, out, limit, len,
	    need);
}

static void
test_common_formats(void **state)
{
	char	out[600];
	size_t	len, need;

	assert_int_equal(render("%Y-%m-%d %X", 512, out, &len, &need), TFMT_OK);
	assert_int_equal(len, 19);
	assert_memory_equal(out, "2026-11-25 17:13:49", 19);
	assert_int_equal(render("%s", 512, out, &len, &need), TFMT_OK);
	assert_memory_equal(out, "1795626829", len);
	assert_int_equal(render("%Z %z", 512, out, &len, &need), TFMT_OK);
	assert_memory_equal(out, "UTC +0000", len);
	assert_int_equal(render("%Y年%m月", 512, out, &len, &need), TFMT_OK);
	assert_memory_equal(out, "2026年11月", len);
	assert_int_equal(render("%-d/%_5s|%012s", 512, out, &len, &need),
	    TFMT_OK);
	assert_memory_equal(out, "25/1795626829|001795626829", len);
}

static void
test_empty_output_is_not_overflow(void **state)
{
	char	out[16];
	size_t	len, need;

	/* %p is empty in some locales; literal-free formats can be empty. */
	assert_int_equal(render("", 512, out, &len, &need), TFMT_OK);
	assert_int_equal(len, 0);
}

static void
test_refused_formats(void **state)
{
	char	out[600], many[200];
	size_t	len, need;
	int	i;

	assert_int_equal(render("%Q", 512, out, &len, &need), TFMT_BAD);
	assert_int_equal(render("abc%", 512, out, &len, &need), TFMT_BAD);
	assert_int_equal(render("%E", 512, out, &len, &need), TFMT_BAD);
	assert_int_equal(render("\xff\xfe", 512, out, &len, &need), TFMT_BAD);
	assert_int_equal(render("\xc3", 512, out, &len, &need), TFMT_BAD);
	many[0] = '\0';
	for (i = 0; i < 33; i++)
		strcat(many, "%Y");
	assert_int_equal(render(many, 512, out, &len, &need), TFMT_BAD);
}

static void
test_embedded_nul_refused(void **state)
{
	struct tm	tm;
	char		out[64];
	size_t		len, need;

	gmtime_r(&T0, &tm);
	assert_int_equal(tfmt_render(&lim, "%Y\0%m", 5, &tm, T0, out, 64,
	    &len, &need), TFMT_BAD);
}

static void
test_widths_bounded(void **state)
{
	char	out[600];
	size_t	len, need;

	assert_int_equal(render("%1000000Y", 512, out, &len, &need),
	    TFMT_TOO_LONG);
	assert_int_equal(need, 0);
	assert_int_equal(render("%99999999999999999999Y", 512, out, &len,
	    &need), TFMT_TOO_LONG);
	assert_int_equal(render("%500Y", 512, out, &len, &need), TFMT_OK);
	assert_int_equal(len, 500);
}

static void
test_limit_and_needed(void **state)
{
	char	out[600];
	size_t	len, need;

	/* 24 bytes of %c cannot go in 20; the server says it needs 24. */
	assert_int_equal(render("%c", 20, out, &len, &need), TFMT_TOO_LONG);
	assert_int_equal(need, 24);
	assert_int_equal(render("%c", 24, out, &len, &need), TFMT_OK);
	assert_int_equal(len, 24);
	/* More than max_output: nothing is needed that could be sent. */
	assert_int_equal(render("%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c",
	    512, out, &len, &need), TFMT_TOO_LONG);
	assert_int_equal(need, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_formats),
		cmocka_unit_test(test_empty_output_is_not_overflow),
		cmocka_unit_test(test_refused_formats),
		cmocka_unit_test(test_embedded_nul_refused),
		cmocka_unit_test(test_widths_bounded),
		cmocka_unit_test(test_limit_and_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
