/* Unit tests for lib/time/timeproto.c: the time service's request and reply codec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "time/timeproto.h"

static void
test_request_round_trip(void **state)
{
	struct tp_request	r = { TP_VERSION, 0, 0x0102030405060708ULL,
	    "Asia/Shanghai", 13, "%H:%M", 5 }, d;
	uint8_t			buf[128];
	size_t			len;

	len = tp_request_encode(buf, sizeof buf, &r, 64);
	assert_int_equal(len, 64);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], TP_VERSION);
	assert_int_equal(buf[3], 13);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(buf[11], 0x08);
	assert_true(tp_is_extended(buf, len));
	assert_false(tp_is_reply(buf, len));
	assert_int_equal(tp_request_decode(buf, len, &d), TP_OK);
	assert_int_equal(d.nonce, r.nonce);
	assert_int_equal(d.zone_len, 13);
	assert_memory_equal(d.zone, "Asia/Shanghai", 13);
	assert_int_equal(d.format_len, 5);
	assert_memory_equal(d.format, "%H:%M", 5);
}

static void
test_request_no_padding(void **state)
{
	struct tp_request	r = { TP_VERSION, 0, 1, NULL, 0, "%Y", 2 }, d;
	uint8_t			buf[64];
	size_t			len;

	len = tp_request_encode(buf, sizeof buf, &r, 0);
	assert_int_equal(len, TP_REQ_HDRLEN + 2);
	assert_int_equal(tp_request_decode(buf, len, &d), TP_OK);
	assert_int_equal(d.zone_len, 0);
}

static void
test_request_malformed(void **state)
{
	struct tp_request	r = { TP_VERSION, 0, 7, "UTC", 3, "%Y", 2 }, d;
	uint8_t			buf[64];
	size_t			len, i;

	len = tp_request_encode(buf, sizeof buf, &r, 0);
	/* Every truncation is refused. */
	for (i = 0; i < len; i++)
		assert_int_equal(tp_request_decode(buf, i, &d), TP_BAD_REQUEST);
	/* A length field that points past the end. */
	buf[13] = 200;
	assert_int_equal(tp_request_decode(buf, len, &d), TP_BAD_REQUEST);
	buf[13] = 2;
	/* A zone longer than the protocol allows. */
	buf[3] = TP_ZONE_MAX + 1;
	assert_int_equal(tp_request_decode(buf, sizeof buf, &d),
	    TP_BAD_REQUEST);
	buf[3] = 3;
	/* Another version: the nonce is still read, for the reply. */
	buf[1] = 2;
	assert_int_equal(tp_request_decode(buf, len, &d), TP_BAD_VERSION);
	assert_int_equal(d.nonce, 7);
	/* Not the extended form. */
	buf[0] = '%';
	assert_int_equal(tp_request_decode(buf, len, &d), TP_BAD_REQUEST);
	assert_false(tp_is_extended(buf, len));
	assert_false(tp_is_extended(buf, 0));
}

static void
test_reply_round_trip(void **state)
{
	struct tp_reply	r = { TP_VERSION, TP_OK, 42, 1795626829, 5000, 0,
	    "2026", 4 }, d;
	uint8_t		buf[64];
	size_t		len;

	len = tp_reply_encode(buf, sizeof buf, &r);
	assert_int_equal(len, TP_REP_HDRLEN + 4);
	assert_true(tp_is_reply(buf, len));
	assert_int_equal(tp_reply_decode(buf, len, &d), TP_OK);
	assert_int_equal(d.version, TP_VERSION);
	assert_int_equal(d.nonce, 42);
	assert_int_equal(d.sec, 1795626829);
	assert_int_equal(d.nsec, 5000);
	assert_int_equal(d.text_len, 4);
	assert_memory_equal(d.text, "2026", 4);
	/* A reply is never a valid request. */
	assert_int_not_equal(tp_request_decode(buf, len, (void *)&d), TP_OK);
}

static void
test_reply_status_and_checks(void **state)
{
	struct tp_reply	r = { TP_VERSION, TP_TOO_LONG, 1, 0, 0, 300, NULL, 0 }, d;
	uint8_t		buf[64];
	size_t		len;

	len = tp_reply_encode(buf, sizeof buf, &r);
	assert_int_equal(len, TP_REP_HDRLEN);
	assert_int_equal(tp_reply_decode(buf, len, &d), TP_OK);
	assert_int_equal(d.status, TP_TOO_LONG);
	assert_int_equal(d.info, 300);
	/* Extra bytes after an error reply, a short one, bad nanoseconds. */
	assert_int_equal(tp_reply_decode(buf, len + 1, &d), TP_BAD_REQUEST);
	assert_int_equal(tp_reply_decode(buf, len - 1, &d), TP_BAD_REQUEST);
	buf[20] = 0xff;
	assert_int_equal(tp_reply_decode(buf, len, &d), TP_BAD_REQUEST);
}

static void
test_reply_limit(void **state)
{
	/* Three times the wire size of the request. */
	assert_int_equal(tp_reply_limit(0), 84);
	assert_int_equal(tp_reply_limit(14), 126);
	assert_string_equal(tp_status_str(TP_UNKNOWN_ZONE), "unknown time zone");
}

/* The nonce is found in a malformed or short request, never in a seed one. */
static void
test_request_nonce(void **state)
{
	uint8_t		buf[14] = { 0, 9, 0, 200, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint64_t	nonce = 0;

	assert_int_equal(tp_request_nonce(buf, 12, &nonce), 1);
	assert_int_equal(nonce, 0x0102030405060708ULL);
	nonce = 0;
	assert_int_equal(tp_request_nonce(buf, 11, &nonce), 0);
	assert_int_equal(nonce, 0);
	buf[0] = '%';
	assert_int_equal(tp_request_nonce(buf, 14, &nonce), 0);
	assert_int_equal(tp_request_nonce(buf, 0, &nonce), 0);
}

/* Text rendered in place after a header reads back as an ordinary reply. */
static void
test_reply_header_in_place(void **state)
{
	struct tp_reply	rep = { TP_VERSION, TP_OK, 42, 1795626829, 5, 0,
	    NULL, 0 }, d;
	uint8_t		buf[64];
	size_t		len;

	memcpy(buf + TP_REP_HDRLEN, "17:13", 5);
	len = tp_reply_encode_header(buf, sizeof buf, &rep, 5);
	assert_int_equal(len, TP_REP_HDRLEN + 5);
	assert_int_equal(tp_reply_decode(buf, len, &d), TP_OK);
	assert_int_equal(d.nonce, 42);
	assert_int_equal(d.sec, 1795626829);
	assert_int_equal(d.text_len, 5);
	assert_memory_equal(d.text, "17:13", 5);
	assert_int_equal(tp_reply_encode_header(buf, TP_REP_HDRLEN + 4, &rep,
	    5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_no_padding),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_status_and_checks),
		cmocka_unit_test(test_reply_limit),
		cmocka_unit_test(test_request_nonce),
		cmocka_unit_test(test_reply_header_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
