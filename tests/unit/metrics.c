/* Unit tests for lib/base/metrics.c: the text format and the histograms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/metrics.h"

/* A counter and a gauge: HELP, TYPE and the value, exactly. */
static void
test_counter_and_gauge(void **state)
{
	struct metrics_out	*o = metrics_out_new();

	metrics_counter(o, "x_done_total", "Things done.", 18446744073709551615ULL);
	metrics_gauge(o, "x_size_bytes", "Size.", 4096);
	metrics_gauge(o, "x_ratio", "A ratio.", 0.1);
	assert_string_equal(metrics_out_text(o, NULL),
	    "# HELP x_done_total Things done.\n"
	    "# TYPE x_done_total counter\n"
	    "x_done_total 18446744073709551615\n"
	    "# HELP x_size_bytes Size.\n"
	    "# TYPE x_size_bytes gauge\n"
	    "x_size_bytes 4096\n"
	    "# HELP x_ratio A ratio.\n"
	    "# TYPE x_ratio gauge\n"
	    "x_ratio 0.1\n");
	metrics_out_free(o);
}

/* HELP text escapes backslash and newline, as the format requires. */
static void
test_help_escaped(void **state)
{
	struct metrics_out	*o = metrics_out_new();

	metrics_family(o, "x_total", "counter", "a\\b\nc");
	metrics_sample(o, "x_total", "reason=\"r\"", 3);
	assert_string_equal(metrics_out_text(o, NULL),
	    "# HELP x_total a\\\\b\\nc\n"
	    "# TYPE x_total counter\n"
	    "x_total{reason=\"r\"} 3\n");
	metrics_out_free(o);
}

/* Buckets are cumulative, bounds inclusive, +Inf is the count. */
static void
test_histogram(void **state)
{
	struct metrics_hist	 h;
	struct metrics_out	*o = metrics_out_new();
	const char		*t;

	memset(&h, 0, sizeof h);
	metrics_observe(&h, 0.0001);	/* on the first bound: in it */
	metrics_observe(&h, 0.003);	/* in le=0.005 */
	metrics_observe(&h, 0.003);
	metrics_observe(&h, 60);	/* past the last bound */
	metrics_observe(&h, -1);	/* a clock step: counted as 0 */
	metrics_histogram(o, "x_seconds", "Latency.", &h);
	t = metrics_out_text(o, NULL);
	assert_non_null(strstr(t, "# TYPE x_seconds histogram\n"));
	assert_non_null(strstr(t, "x_seconds_bucket{le=\"0.0001\"} 2\n"));
	assert_non_null(strstr(t, "x_seconds_bucket{le=\"0.0025\"} 2\n"));
	assert_non_null(strstr(t, "x_seconds_bucket{le=\"0.005\"} 4\n"));
	assert_non_null(strstr(t, "x_seconds_bucket{le=\"10\"} 4\n"));
	assert_non_null(strstr(t, "x_seconds_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(t, "x_seconds_sum 60.0061\n"));
	assert_non_null(strstr(t, "x_seconds_count 5\n"));
	metrics_out_free(o);
}

/* The text grows past its first buffer intact. */
static void
test_grows(void **state)
{
	struct metrics_out	*o = metrics_out_new();
	char			 name[32];
	size_t			 len;
	int			 i;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "x_%d_total", i);
		metrics_counter(o, name, "A counter among many.", (uint64_t)i);
	}
	metrics_out_text(o, &len);
	assert_true(len > 100000);
	assert_non_null(strstr(metrics_out_text(o, NULL),
	    "\nx_1999_total 1999\n"));
	metrics_out_free(o);
}

/* ADDRESS:PORT, with the port required. */
static void
test_addr_check(void **state)
{
	char	err[256];

	assert_int_equal(metrics_addr_check("127.0.0.1:9100", err,
	    sizeof err), 0);
	assert_int_equal(metrics_addr_check("[::1]:0", err, sizeof err), 0);
	assert_int_equal(metrics_addr_check("*:9100", err, sizeof err), 0);
	assert_int_equal(metrics_addr_check("127.0.0.1", err, sizeof err), -1);
	assert_non_null(strstr(err, "no port"));
	assert_int_equal(metrics_addr_check(":9100", err, sizeof err), -1);
	assert_non_null(strstr(err, "no address"));
	assert_int_equal(metrics_addr_check("127.0.0.1:65536", err,
	    sizeof err), -1);
	assert_int_equal(metrics_addr_check("[::1", err, sizeof err), -1);
	assert_non_null(strstr(err, "missing"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_and_gauge),
		cmocka_unit_test(test_help_escaped),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_grows),
		cmocka_unit_test(test_addr_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
