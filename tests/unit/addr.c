/* Unit tests for lib/base/addr.c: HOST[:PORT] parsing, lists of them,
 * and printing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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

/* Parse a list into out[0..max) and print each address into want. */
static int
list(const char *in, int max, char want[][ADDR_STRLEN])
{
	struct addr	a[32];
	char		err[256];
	int		n, i;

	assert_true(max <= 32);
	err[0] = '\0';
	n = addr_parse_list(in, "8081", a, max, err, sizeof err);
	if (n == -1) {
		assert_true(err[0] != '\0');
		return -1;
	}
	assert_true(n >= 1 && n <= max);
	for (i = 0; i < n; i++)
		addr_str((struct sockaddr *)&a[i].ss, want[i], ADDR_STRLEN);
	return n;
}

/* The error a list gives. */
static const char *
list_err(const char *in, int max)
{
	static char	err[256];
	struct addr	a[32];

	assert_int_equal(addr_parse_list(in, "8081", a, max, err, sizeof err),
	    -1);
	return err;
}

static void
test_list(void **state)
{
	char	got[32][ADDR_STRLEN];

	assert_int_equal(list("127.0.0.1:4001", 16, got), 1);
	assert_string_equal(got[0], "127.0.0.1:4001");
	/* Brackets, bare IPv6, the default port, blanks around items. */
	assert_int_equal(list("[::1]:4002,127.0.0.1, ::1 ,\t[::1]", 16, got),
	    4);
	assert_string_equal(got[0], "[::1]:4002");
	assert_string_equal(got[1], "127.0.0.1:8081");
	assert_string_equal(got[2], "[::1]:8081");
	assert_string_equal(got[3], "[::1]:8081");
	/* Sixteen fit, in order. */
	assert_int_equal(list("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,"
	    "127.0.0.1:4,127.0.0.1:5,127.0.0.1:6,127.0.0.1:7,127.0.0.1:8,"
	    "127.0.0.1:9,127.0.0.1:10,127.0.0.1:11,127.0.0.1:12,"
	    "127.0.0.1:13,127.0.0.1:14,127.0.0.1:15,127.0.0.1:16", 16, got),
	    16);
	assert_string_equal(got[15], "127.0.0.1:16");
}

/* A name stands for every address it resolves to, in the resolver's
 * order, but never takes the place an item after it needs. */
static void
test_list_name_expands(void **state)
{
	struct addr	one[16];
	char		got[32][ADDR_STRLEN], buf[ADDR_STRLEN], err[256];
	int		n, i;

	n = addr_resolve("localhost", "9", 0, one, 16, err, sizeof err);
	assert_true(n >= 1);
	assert_int_equal(list("localhost:9,127.0.0.1:7", 16, got), n + 1);
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], addr_str((struct sockaddr *)
		    &one[i].ss, buf, sizeof buf));
	assert_string_equal(got[n], "127.0.0.1:7");
	/* Room for two: the name keeps its first address only. */
	assert_int_equal(list("localhost:9,127.0.0.1:7", 2, got), 2);
	assert_string_equal(got[0], addr_str((struct sockaddr *)&one[0].ss,
	    buf, sizeof buf));
	assert_string_equal(got[1], "127.0.0.1:7");
}

static void
test_list_errors(void **state)
{
	char	item[400], many[400];
	int	i;

	assert_string_equal(list_err("", 16), "server 1 of the list is empty");
	assert_string_equal(list_err("127.0.0.1,", 16),
	    "server 2 of the list is empty");
	assert_string_equal(list_err(",127.0.0.1", 16),
	    "server 1 of the list is empty");
	assert_string_equal(list_err("127.0.0.1, ,[::1]", 16),
	    "server 2 of the list is empty");
	assert_string_equal(list_err("127.0.0.1,[::1", 16),
	    "server 2 of the list: \"[::1\": missing ']'");
	assert_string_equal(list_err("127.0.0.1:65536", 16),
	    "port \"65536\" is not a number from 0 to 65535");
	assert_string_equal(list_err("[::1],127.0.0.1:x!", 16),
	    "server 2 of the list: port \"x!\" is not a number or a service "
	    "name");
	/* Bounded: too many items, or an item too long to be an address. */
	many[0] = '\0';
	for (i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
		    "%s127.0.0.1:%d", i > 0 ? "," : "", i + 1);
	assert_string_equal(list_err(many, 16),
	    "17 servers in the list, at most 16");
	assert_string_equal(list_err("127.0.0.1,[::1]", 1),
	    "2 servers in the list, at most 1");
	memset(item, 'a', sizeof item - 1);
	item[sizeof item - 1] = '\0';
	assert_true(strstr(list_err(item, 16), "too long") != NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_resolve_and_print),
		cmocka_unit_test(test_wildcard_ipv6_first),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_name_expands),
		cmocka_unit_test(test_list_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
