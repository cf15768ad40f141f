/* Unit tests for lib/base/ratelimit.c: bursts, refill, notices, leak, eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "base/ratelimit.h"

#define SEC	1000000000ULL

static struct sockaddr_in
v4(const char *ip, unsigned port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static struct sockaddr_in6
v6(const char *ip)
{
	struct sockaddr_in6	sin6;

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	return sin6;
}

static struct ratelimit_conf
conf(int interval, int burst, int leak)
{
	struct ratelimit_conf	c = { 1, interval, burst, leak, 64, 64, 0 };

	return c;
}

static void
test_burst_then_limited(void **state)
{
	struct ratelimit_conf	 c = conf(0, 4, 0);
	struct ratelimit	*rl = ratelimit_new(&c);
	struct sockaddr_in	 a = v4("192.0.2.1", 5000);
	uint64_t		 t = 100 * SEC;
	int			 i;

	for (i = 0; i < 4; i++)
		assert_int_equal(ratelimit_check(rl, (void *)&a, t),
		    RATELIMIT_PASS);
	assert_int_equal(ratelimit_check(rl, (void *)&a, t), RATELIMIT_NOTIFY);
	assert_int_equal(ratelimit_check(rl, (void *)&a, t), RATELIMIT_DROP);
	assert_int_equal(ratelimit_check(rl, (void *)&a, t + SEC / 2),
	    RATELIMIT_DROP);
	/* One token a second. */
	assert_int_equal(ratelimit_check(rl, (void *)&a, t + SEC),
	    RATELIMIT_PASS);
	assert_int_equal(ratelimit_check(rl, (void *)&a, t + SEC),
	    RATELIMIT_NOTIFY);
	ratelimit_free(rl);
}

static void
test_sources_independent(void **state)
{
	struct ratelimit_conf	 c = conf(2, 1, 0);
	struct ratelimit	*rl = ratelimit_new(&c);
	struct sockaddr_in	 a = v4("192.0.2.1", 1), b = v4("192.0.2.2", 1);
	struct sockaddr_in	 a2 = v4("192.0.2.1", 2);

	assert_int_equal(ratelimit_check(rl, (void *)&a, SEC), RATELIMIT_PASS);
	assert_int_equal(ratelimit_check(rl, (void *)&b, SEC), RATELIMIT_PASS);
	/* Same address, other port: the same source. */
	assert_int_equal(ratelimit_check(rl, (void *)&a2, SEC),
	    RATELIMIT_NOTIFY);
	ratelimit_free(rl);
}

static void
test_ipv6_prefix(void **state)
{
	struct ratelimit_conf	 c = conf(3, 1, 0);
	struct ratelimit	*rl = ratelimit_new(&c);
	struct sockaddr_in6	 a = v6("2001:db8:1:2::1"), b = v6("2001:db8:1:2::ffff");
	struct sockaddr_in6	 other = v6("2001:db8:1:3::1");

	assert_int_equal(ratelimit_check(rl, (void *)&a, SEC), RATELIMIT_PASS);
	/* Same /64: limited together. */
	assert_int_equal(ratelimit_check(rl, (void *)&b, SEC),
	    RATELIMIT_NOTIFY);
	assert_int_equal(ratelimit_check(rl, (void *)&other, SEC),
	    RATELIMIT_PASS);
	ratelimit_free(rl);
}

static void
test_leak(void **state)
{
	struct ratelimit_conf	 c = conf(10, 1, 2);
	struct ratelimit	*rl = ratelimit_new(&c);
	struct sockaddr_in	 a = v4("192.0.2.9", 1);
	int			 i, passed = 0;

	assert_int_equal(ratelimit_check(rl, (void *)&a, SEC), RATELIMIT_PASS);
	for (i = 0; i < 4000; i++)
		if (ratelimit_check(rl, (void *)&a, SEC) == RATELIMIT_PASS)
			passed++;
	/* About one in four of the limited requests leaks through. */
	assert_true(passed > 800 && passed < 1200);
	ratelimit_free(rl);
}

static void
test_disabled(void **state)
{
	struct ratelimit_conf	 c = conf(10, 1, 0);
	struct ratelimit	*rl;
	struct sockaddr_in	 a = v4("192.0.2.1", 1);
	int			 i;

	c.enable = 0;
	rl = ratelimit_new(&c);
	for (i = 0; i < 100; i++)
		assert_int_equal(ratelimit_check(rl, (void *)&a, SEC),
		    RATELIMIT_PASS);
	ratelimit_free(rl);
}

static void
test_flood_of_sources_is_bounded(void **state)
{
	struct ratelimit_conf	 c = conf(0, 2, 0);
	struct ratelimit	*rl = ratelimit_new(&c);
	struct sockaddr_in	 a;
	char			 ip[32];
	int			 i;

	/* 100,000 sources through a 64-entry table: nothing grows, and a
	 * source seen again long after is treated as new (full bucket). */
	for (i = 0; i < 100000; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		a = v4(ip, 1);
		assert_int_equal(ratelimit_check(rl, (void *)&a, SEC),
		    RATELIMIT_PASS);
	}
	a = v4("10.0.0.0", 1);
	assert_int_equal(ratelimit_check(rl, (void *)&a, 10 * SEC),
	    RATELIMIT_PASS);
	ratelimit_free(rl);
}

static void
test_global_rate(void **state)
{
	struct ratelimit_conf	 c = conf(0, 256, 0);
	struct ratelimit	*rl;
	struct sockaddr_in	 a;
	char			 ip[32];
	int			 i, passed = 0;

	c.global_rate = 100;
	rl = ratelimit_new(&c);
	for (i = 0; i < 1000; i++) {
		snprintf(ip, sizeof ip, "10.0.%d.%d", i >> 8, i & 255);
		a = v4(ip, 1);
		if (ratelimit_check(rl, (void *)&a, SEC) == RATELIMIT_PASS)
			passed++;
	}
	/* A burst of 64 global tokens, then nothing in the same instant. */
	assert_in_range(passed, 60, 70);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_limited),
		cmocka_unit_test(test_sources_independent),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_leak),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_flood_of_sources_is_bounded),
		cmocka_unit_test(test_global_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
