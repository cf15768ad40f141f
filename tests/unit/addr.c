/* Unit tests for lib/base/addr.c: HOST[:PORT] parsing and printing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/addr.h"

/* Split in and compare with the expected host and port. */
static void
split_ok(const char *in, const char *host, const char *port)
{
	char	h[ADDR_HOSTMAX], p[ADDR_PORTMAX], err[256];

	assert_int_equal(addr_split(in, "9000", h, sizeof h, p, sizeof p, err,
	    sizeof err), 0);
	assert_string_equal(h, host);
	assert_string_equal(p, port);
}

/* Split in and expect an error. */
static void
split_bad(const char *in)
{
	char	h[ADDR_HOSTMAX], p[ADDR_PORTMAX], err[256];

	assert_int_equal(addr_split(in, "9000", h, sizeof h, p, sizeof p, err,
	    sizeof err), -1);
	assert_true(err[0] != '\0');
}

static void
test_split(void **state)
{
	split_ok("localhost", "localhost", "9000");
	split_ok("localhost:8081", "localhost", "8081");
	split_ok("127.0.0.1:1", "127.0.0.1", "1");
	split_ok("[::1]:9000", "::1", "9000");
	split_ok("[::1]", "::1", "9000");
	split_ok("::1", "::1", "9000");
	split_ok("fe80::1:2", "fe80::1:2", "9000");
	split_ok(":123", "", "123");
	split_ok("*", "*", "9000");
	split_ok("example.org:ntp", "example.org", "ntp");
}

static void
test_split_errors(void **state)
{
	split_bad("[::1");
	split_bad("[::1]x");
	split_bad("host:");
	split_bad("host:65536");
	split_bad("host:-1");
	split_bad("host:12x");
}

static void
test_resolve_and_print(void **state)
{
	struct addr	a[4];
	char		buf[ADDR_STRLEN], err[256];

	assert_int_equal(addr_parse("127.0.0.1:9000", "1", 0, a, 4, err,
	    sizeof err), 1);
	assert_string_equal(addr_str((struct sockaddr *)&a[0].ss, buf,
	    sizeof buf), "127.0.0.1:9000");
	assert_int_equal(addr_port((struct sockaddr *)&a[0].ss), 9000);
	assert_int_equal(addr_parse("[::1]:53", "1", 0, a, 4, err,
	    sizeof err), 1);
	assert_string_equal(addr_str((struct sockaddr *)&a[0].ss, buf,
	    sizeof buf), "[::1]:53");
}

static void
test_wildcard_ipv6_first(void **state)
{
	struct addr	a[4];
	char		err[256];
	int		n;

	n = addr_parse("*", "9000", 1, a, 4, err, sizeof err);
	assert_true(n >= 1);
	if (n == 2) {
		assert_int_equal(a[0].ss.ss_family, AF_INET6);
		assert_int_equal(a[1].ss.ss_family, AF_INET);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_resolve_and_print),
		cmocka_unit_test(test_wildcard_ipv6_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
