/* Unit tests for lib/time/ntpproto.c: the NTP header codec and NTP time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "time/ntpproto.h"

/* A 48-byte client request with the given version and mode. */
static void
make_request(uint8_t *buf, int version, int mode)
{
	memset(buf, 0, NTP_PKT_LEN);
	buf[0] = (uint8_t)(version << 3 | mode);
	buf[40] = 0xe9;
	buf[47] = 0x01;
}

static void
test_header_round_trip(void **state)
{
	struct ntp_packet	p, d;
	uint8_t			buf[NTP_PKT_LEN];

	memset(&p, 0, sizeof p);
	p.leap = NTP_LEAP_INSERT;
	p.version = 3;
	p.mode = NTP_MODE_SERVER;
	p.stratum = 2;
	p.poll = 6;
	p.precision = -24;
	p.root_delay = 0x00010000;
	p.root_disp = 0x00000100;
	p.refid = 0xc0000201;
	p.ref.sec = 1;
	p.org.sec = 0xe9000000;
	p.org.frac = 0x80000000;
	p.rec.sec = 3;
	p.xmt.frac = 4;
	assert_int_equal(ntpproto_encode(buf, sizeof buf, &p), NTP_PKT_LEN);
	assert_int_equal(buf[0], 0x40 | 3 << 3 | 4);
	assert_int_equal(buf[3], 0xe8);
	assert_int_equal(buf[24], 0xe9);
	assert_int_equal(ntpproto_decode(buf, sizeof buf, &d), 0);
	assert_memory_equal(&p, &d, sizeof p);
	assert_int_equal(ntpproto_encode(buf, NTP_PKT_LEN - 1, &p), 0);
	assert_int_equal(ntpproto_decode(buf, NTP_PKT_LEN - 1, &d), -1);
}

static void
test_check_versions_and_modes(void **state)
{
	uint8_t	buf[NTP_PKT_LEN];
	int	v, m;

	for (v = 0; v < 8; v++) {
		for (m = 0; m < 8; m++) {
			make_request(buf, v, m);
			if (v < 1 || v > 4)
				assert_int_equal(ntpproto_check_request(buf,
				    sizeof buf), NTP_BAD_VERSION);
			else if (m != NTP_MODE_CLIENT)
				assert_int_equal(ntpproto_check_request(buf,
				    sizeof buf), NTP_BAD_MODE);
			else
				assert_int_equal(ntpproto_check_request(buf,
				    sizeof buf), NTP_OK);
		}
	}
	assert_int_equal(ntpproto_check_request(buf, 0), NTP_SHORT);
	assert_int_equal(ntpproto_check_request(buf, 47), NTP_SHORT);
}

static void
test_check_trailers(void **state)
{
	uint8_t	buf[256];

	memset(buf, 0, sizeof buf);
	make_request(buf, 4, NTP_MODE_CLIENT);
	/* One extension field of 32 bytes, then one of 28 (no MAC). */
	buf[48] = 0x01; buf[50] = 0; buf[51] = 32;
	assert_int_equal(ntpproto_check_request(buf, 80), NTP_OK);
	buf[80] = 0x02; buf[83] = 28;
	assert_int_equal(ntpproto_check_request(buf, 108), NTP_OK);
	/* The same followed by a 20- or 24-byte MAC. */
	assert_int_equal(ntpproto_check_request(buf, 128), NTP_AUTH);
	assert_int_equal(ntpproto_check_request(buf, 132), NTP_AUTH);
	/* A MAC or crypto-NAK right after the header. */
	assert_int_equal(ntpproto_check_request(buf, 48 + 20), NTP_AUTH);
	assert_int_equal(ntpproto_check_request(buf, 48 + 24), NTP_AUTH);
	assert_int_equal(ntpproto_check_request(buf, 48 + 4), NTP_AUTH);
	/* Odd lengths, fields that overrun, are short or unaligned. */
	assert_int_equal(ntpproto_check_request(buf, 51), NTP_BAD_EXT);
	assert_int_equal(ntpproto_check_request(buf, 79), NTP_BAD_EXT);
	buf[51] = 200;
	assert_int_equal(ntpproto_check_request(buf, 80), NTP_BAD_EXT);
	buf[51] = 12;
	assert_int_equal(ntpproto_check_request(buf, 80), NTP_BAD_EXT);
	buf[51] = 30;
	assert_int_equal(ntpproto_check_request(buf, 80), NTP_BAD_EXT);
	buf[51] = 0;
	assert_int_equal(ntpproto_check_request(buf, 80), NTP_BAD_EXT);
	/* NTPv3 has no extension fields, only a MAC. */
	buf[51] = 32;
	buf[0] = 3 << 3 | NTP_MODE_CLIENT;
	assert_int_equal(ntpproto_check_request(buf, 80), NTP_BAD_EXT);
	assert_int_equal(ntpproto_check_request(buf, 68), NTP_AUTH);
}

static void
test_unix_to_ntp(void **state)
{
	struct timespec	t = { 0, 500000000 };
	struct ntp_ts	ts;

	ts = ntpproto_from_timespec(&t);
	assert_int_equal(ts.sec, 2208988800U);
	assert_int_equal(ts.frac, 0x80000000U);
	/* The last second of era 0 and the first of era 1. */
	t.tv_sec = 2085978495;
	t.tv_nsec = 0;
	assert_int_equal(ntpproto_from_timespec(&t).sec, 0xffffffffU);
	t.tv_sec = 2085978496;
	assert_int_equal(ntpproto_from_timespec(&t).sec, 0);
	t.tv_sec = 2085978496 + 1000;
	assert_int_equal(ntpproto_from_timespec(&t).sec, 1000);
	/* Before 1970 (era 0 still). */
	t.tv_sec = -2208988800LL;
	assert_int_equal(ntpproto_from_timespec(&t).sec, 0);
}

static void
test_ntp_to_unix_eras(void **state)
{
	struct ntp_ts	ts;
	struct timespec	t;
	int64_t		now = 1795000000;	/* 2026-11-18 */
	int64_t		after = 2085978496 + 86400;	/* a day into era 1 */

	/* Today's timestamps read back as today. */
	ts.sec = (uint32_t)(now + NTP_UNIX_OFFSET);
	ts.frac = 0x40000000;
	ntpproto_to_timespec(ts, now, &t);
	assert_int_equal(t.tv_sec, now);
	assert_int_equal(t.tv_nsec, 250000000);
	/* A small era-1 timestamp, read in 2036, is after the rollover. */
	ts.sec = 86400;
	ts.frac = 0;
	ntpproto_to_timespec(ts, after, &t);
	assert_int_equal(t.tv_sec, after);
	ntpproto_to_timespec(ts, 2085978496 - 3600, &t);
	assert_int_equal(t.tv_sec, after);
	/* An era-0 timestamp read just after the rollover stays in era 0. */
	ts.sec = 0xffffff00U;
	ntpproto_to_timespec(ts, 2085978496 + 10, &t);
	assert_int_equal(t.tv_sec, 2085978496 - 256);
	/* Round trip across the rollover, with nanoseconds. */
	t.tv_sec = 2085978495;
	t.tv_nsec = 999999999;
	ts = ntpproto_from_timespec(&t);
	ntpproto_to_timespec(ts, 2085978496 + 5, &t);
	assert_int_equal(t.tv_sec, 2085978495);
	assert_true(t.tv_nsec >= 999999998);
}

static void
test_diff_across_rollover(void **state)
{
	struct ntp_ts	a = { 0xffffffffU, 0x80000000U }, b = { 0, 0x80000000U };

	assert_true(ntpproto_diff(a, b) > 0.999 && ntpproto_diff(a, b) < 1.001);
	assert_true(ntpproto_diff(b, a) < -0.999 && ntpproto_diff(b, a) > -1.001);
}

static void
test_short_format_and_refid(void **state)
{
	char	buf[32];

	assert_int_equal(ntpproto_short_from(1.0), 0x10000);
	assert_int_equal(ntpproto_short_from(-1.0), 0);
	assert_int_equal(ntpproto_short_from(1e9), 0xffffffffU);
	assert_true(ntpproto_short_to(0x8000) == 0.5);
	assert_int_equal(ntpproto_refid_code("RATE"), 0x52415445);
	assert_int_equal(ntpproto_refid_code("GPS"), 0x47505300);
	assert_string_equal(ntpproto_refid_str(0x52415445, 0, buf, sizeof buf),
	    "RATE");
	assert_string_equal(ntpproto_refid_str(0x47505300, 1, buf, sizeof buf),
	    "GPS");
	assert_string_equal(ntpproto_refid_str(0x7f7f0101, 8, buf, sizeof buf),
	    "127.127.1.1");
	assert_string_equal(ntpproto_refid_str(0x52415445, 0, buf, 3), "RA");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_check_versions_and_modes),
		cmocka_unit_test(test_check_trailers),
		cmocka_unit_test(test_unix_to_ntp),
		cmocka_unit_test(test_ntp_to_unix_eras),
		cmocka_unit_test(test_diff_across_rollover),
		cmocka_unit_test(test_short_format_and_refid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
