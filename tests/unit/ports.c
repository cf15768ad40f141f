/* Unit tests for timed/ports.c: the one list of ports timed never answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timed/timed.h"

/* Every service refuses all four of timed's ports and port 0. */
static void
test_own_ports(void **state)
{
	struct timed_conf	c;
	struct timed_ports	p;
	unsigned int		own[] = { 9000, 9123, 9013, 9037 };
	size_t			i;

	memset(&c, 0, sizeof c);
	c.port = 9000;
	c.ntp_port = 9123;
	c.daytime_port = 9013;
	c.time_port = 9037;
	ports_set(&p, &c);
	for (i = 0; i < sizeof own / sizeof own[0]; i++) {
		assert_true(ports_refused(&p, own[i], 0));
		assert_true(ports_refused(&p, own[i], 1));
	}
	assert_true(ports_refused(&p, 0, 1));
	assert_false(ports_refused(&p, 40000, 0));
	assert_false(ports_refused(&p, 9001, 1));
}

/* Privileged ports: refused unless the service allows them (NTP). */
static void
test_privileged(void **state)
{
	struct timed_conf	c;
	struct timed_ports	p;

	memset(&c, 0, sizeof c);
	c.port = 9000;
	ports_set(&p, &c);
	assert_true(ports_refused(&p, 123, 0));
	assert_false(ports_refused(&p, 123, 1));
	assert_true(ports_refused(&p, 1023, 0));
	assert_false(ports_refused(&p, 1024, 0));
}

/* A service that is off (port 0) does not refuse anything extra. */
static void
test_service_off(void **state)
{
	struct timed_conf	c;
	struct timed_ports	p;

	memset(&c, 0, sizeof c);
	c.port = 9000;
	c.ntp_port = 0;
	ports_set(&p, &c);
	assert_false(ports_refused(&p, 9123, 0));
	assert_true(ports_refused(&p, 9000, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_ports),
		cmocka_unit_test(test_privileged),
		cmocka_unit_test(test_service_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
