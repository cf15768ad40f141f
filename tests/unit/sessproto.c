/*
 * sessproto.c: session packets and frames survive encoding and decoding
 * unchanged, have their documented sizes, and every wrong length or field
 * is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sess/sessproto.h"

static void
test_handshake_roundtrip(void **state)
{
	struct sp_hello		h = { 0 }, h2;
	struct sp_cookie	c, c2;
	struct sp_accept	a, a2;
	uint8_t			buf[SP_MAX_DGRAM + 1];

	h.flags = SP_HELLO_COOKIE;
	h.ccid = UINT64_C(0x0102030405060708);
	memset(h.epk, 0xaa, sizeof h.epk);
	memset(h.cookie, 0x55, sizeof h.cookie);
	assert_int_equal(sp_hello_encode(buf, &h), 1200);
	assert_int_equal(sp_type(buf, 1200), SP_T_HELLO);
	assert_int_equal(sp_hello_decode(buf, 1200, &h2), 0);
	assert_int_equal(h2.ccid, h.ccid);
	assert_memory_equal(h2.epk, h.epk, 32);
	assert_memory_equal(h2.cookie, h.cookie, 16);
	/* Exactly 1200 bytes, zero padding, known flags. */
	assert_int_equal(sp_hello_decode(buf, 1199, &h2), -1);
	buf[1199] = 1;
	assert_int_equal(sp_hello_decode(buf, 1200, &h2), -1);
	buf[1199] = 0;
	buf[2] = 0x80;
	assert_int_equal(sp_hello_decode(buf, 1200, &h2), -1);
	/* The AES-256-GCM offer is a known flag, alone or with the cookie. */
	buf[2] = SP_HELLO_COOKIE | SP_HELLO_AESGCM;
	assert_int_equal(sp_hello_decode(buf, 1200, &h2), 0);
	assert_int_equal(h2.flags, SP_HELLO_COOKIE | SP_HELLO_AESGCM);
	h.flags = SP_HELLO_AESGCM;
	sp_hello_encode(buf, &h);
	assert_int_equal(buf[2], SP_HELLO_AESGCM);
	assert_memory_equal(buf + 44, (uint8_t[16]){ 0 }, 16);
	assert_int_equal(sp_hello_decode(buf, 1200, &h2), 0);
	assert_int_equal(h2.flags, SP_HELLO_AESGCM);
	buf[2] = SP_HELLO_COOKIE;
	buf[1] = 2;
	assert_int_equal(sp_type(buf, 1200), -1);

	c.ccid = 42;
	memset(c.cookie, 1, sizeof c.cookie);
	memset(c.spk, 2, sizeof c.spk);
	assert_int_equal(sp_cookie_encode(buf, &c), SP_COOKIE_LEN);
	assert_int_equal(sp_cookie_decode(buf, SP_COOKIE_LEN, &c2), 0);
	assert_memory_equal(&c2.ccid, &c.ccid, sizeof c.ccid);
	assert_memory_equal(c2.spk, c.spk, 32);
	assert_int_equal(sp_cookie_decode(buf, SP_COOKIE_LEN + 1, &c2), -1);

	a.flags = 0;
	a.ccid = 1;
	a.scid = UINT64_MAX;
	memset(a.epk, 3, sizeof a.epk);
	memset(a.tag, 4, sizeof a.tag);
	assert_int_equal(sp_accept_encode(buf, &a), SP_ACCEPT_LEN);
	assert_int_equal(sp_accept_decode(buf, SP_ACCEPT_LEN, &a2), 0);
	assert_true(a2.scid == UINT64_MAX && a2.ccid == 1);
	assert_memory_equal(a2.tag, a.tag, 16);
	assert_int_equal(a2.flags, 0);
	assert_int_equal(sp_accept_decode(buf, SP_ACCEPT_LEN - 1, &a2), -1);
	/* The choice of AES-256-GCM; no other flag. */
	a.flags = SP_ACCEPT_AESGCM;
	sp_accept_encode(buf, &a);
	assert_int_equal(buf[2], SP_ACCEPT_AESGCM);
	assert_int_equal(sp_accept_decode(buf, SP_ACCEPT_LEN, &a2), 0);
	assert_int_equal(a2.flags, SP_ACCEPT_AESGCM);
	buf[2] = 0x02;
	assert_int_equal(sp_accept_decode(buf, SP_ACCEPT_LEN, &a2), -1);
	/* Replies are far below three times a HELLO. */
	assert_true(3 * SP_COOKIE_LEN < SP_HELLO_LEN);
	assert_true(SP_ACCEPT_LEN < SP_HELLO_LEN);
}

static void
test_header(void **state)
{
	struct sp_hdr	h = { 7, UINT64_C(0xdeadbeefcafef00d), 123456789 }, h2;
	uint8_t		buf[SP_MAX_DGRAM + 1];

	memset(buf, 0, sizeof buf);
	assert_int_equal(sp_hdr_encode(buf, &h), SP_HDR_LEN);
	assert_int_equal(sp_hdr_decode(buf, SP_HDR_LEN + SP_TAG_LEN, &h2), 0);
	assert_true(h2.epoch == 7 && h2.dcid == h.dcid &&
	    h2.counter == h.counter);
	/* Room for the tag, and never over the datagram ceiling. */
	assert_int_equal(sp_hdr_decode(buf, SP_HDR_LEN + SP_TAG_LEN - 1,
	    &h2), -1);
	assert_int_equal(sp_hdr_decode(buf, SP_MAX_DGRAM + 1, &h2), -1);
}

static void
test_frames(void **state)
{
	uint8_t			 buf[SP_MAX_PLAIN], data[SP_FRAG_MAX];
	struct sp_ack		 a;
	struct sp_frag		 f;
	struct sp_frameval	 fv;
	size_t			 n = 0, off = 0;
	unsigned int		 i;

	a.next = 100;
	a.nsack = SP_MAX_SACK;
	for (i = 0; i < SP_MAX_SACK; i++) {
		a.sack[i].start = 102 + 3 * i;
		a.sack[i].end = 103 + 3 * i;
	}
	n += sp_ack_encode(buf + n, &a);
	assert_int_equal(n, SP_ACK_MAX);
	memset(data, 0x5a, sizeof data);
	f.flags = SP_FRAG_FIRST;
	f.seq = 100;
	f.total = 65536;
	f.len = SP_FRAG_MAX;
	f.data = data;
	n += sp_frag_encode(buf + n, &f);
	n += sp_ping_encode(buf + n);
	n += sp_acknow_encode(buf + n);
	n += sp_close_encode(buf + n, 9);
	/* The largest ACK and fragment fit one datagram together. */
	assert_true(n <= SP_MAX_PLAIN);

	assert_int_equal(sp_frame_next(buf, n, &off, &fv), 1);
	assert_int_equal(fv.type, SP_F_ACK);
	assert_int_equal(fv.ack.nsack, SP_MAX_SACK);
	assert_int_equal(fv.ack.sack[15].end, 103 + 45);
	assert_int_equal(sp_frame_next(buf, n, &off, &fv), 1);
	assert_int_equal(fv.type, SP_F_FRAG);
	assert_int_equal(fv.frag.total, 65536);
	assert_memory_equal(fv.frag.data, data, SP_FRAG_MAX);
	assert_int_equal(sp_frame_next(buf, n, &off, &fv), 1);
	assert_int_equal(fv.type, SP_F_PING);
	assert_int_equal(sp_frame_next(buf, n, &off, &fv), 1);
	assert_int_equal(fv.type, SP_F_ACKNOW);
	assert_int_equal(sp_frame_next(buf, n, &off, &fv), 1);
	assert_int_equal(fv.type, SP_F_CLOSE);
	assert_int_equal(fv.reason, 9);
	assert_int_equal(sp_frame_next(buf, n, &off, &fv), 0);

	/* Every truncation of the fragment frame is refused. */
	for (i = 1; i < SP_FRAG_HDR + SP_FRAG_MAX; i++) {
		off = SP_ACK_MAX;
		assert_int_equal(sp_frame_next(buf, SP_ACK_MAX + i, &off,
		    &fv), -1);
	}
	/* Bad fields: empty or oversized fragments, lengths over the total,
	 * unknown flags and frame types, empty or huge SACK blocks. */
	off = 0;
	f.len = 0;
	sp_frag_encode(buf, &f);
	assert_int_equal(sp_frame_next(buf, SP_FRAG_HDR, &off, &fv), -1);
	f.len = 10;
	f.total = 5;
	off = 0;
	sp_frag_encode(buf, &f);
	assert_int_equal(sp_frame_next(buf, SP_FRAG_HDR + 10, &off, &fv), -1);
	f.total = SP_MSG_MAX + 1;
	off = 0;
	sp_frag_encode(buf, &f);
	assert_int_equal(sp_frame_next(buf, SP_FRAG_HDR + 10, &off, &fv), -1);
	f.total = 10;
	f.flags = 0x04;
	off = 0;
	sp_frag_encode(buf, &f);
	assert_int_equal(sp_frame_next(buf, SP_FRAG_HDR + 10, &off, &fv), -1);
	buf[0] = 0x77;
	off = 0;
	assert_int_equal(sp_frame_next(buf, 1, &off, &fv), -1);
	a.nsack = 1;
	a.sack[0].start = a.sack[0].end = 5;
	off = 0;
	assert_int_equal(sp_frame_next(buf, sp_ack_encode(buf, &a), &off,
	    &fv), -1);
	a.sack[0].end = 5 + SP_WINDOW + 1;
	off = 0;
	assert_int_equal(sp_frame_next(buf, sp_ack_encode(buf, &a), &off,
	    &fv), -1);
	a.nsack = SP_MAX_SACK + 1;
	off = 0;
	assert_int_equal(sp_frame_next(buf, 6, &off, &fv), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_roundtrip),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
