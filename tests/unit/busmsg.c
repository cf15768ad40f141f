/* Unit tests for chatd/busmsg.c: the bus payloads, exact lengths, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "chatd/busmsg.h"

/* Every shorter prefix of buf (n bytes) and one byte more are malformed. */
static void
expect_exact(uint8_t *buf, size_t n)
{
	struct busmsg	d;
	size_t		i;

	for (i = 1; i < n; i++)
		assert_int_equal(busmsg_decode(buf, i, &d), BME_MALFORMED);
	assert_int_equal(busmsg_decode(buf, 0, &d), BME_MALFORMED);
	buf[n] = 0;
	assert_int_equal(busmsg_decode(buf, n + 1, &d), BME_MALFORMED);
}

static void
test_beat_roundtrip(void **state)
{
	struct busmsg	m, d;
	uint8_t		buf[128];
	size_t		n;

	memset(&m, 0, sizeof m);
	m.kind = BM_BEAT;
	strcpy(m.node, "node-1.eu_west");
	m.incarnation = 0x0102030405060708ULL;
	m.seq = 42;
	m.interval_ms = 1000;
	n = busmsg_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 8 + 14 + 20);
	assert_int_equal(busmsg_len(&m), n);
	assert_int_equal(buf[0], BM_VERSION);
	assert_int_equal(buf[1], BM_BEAT);
	assert_int_equal(buf[2], 14);		/* node length */
	assert_int_equal(buf[3], 0);		/* flags */
	assert_memory_equal(buf + 4, "\0\0\0\x14", 4);	/* body, big-endian */
	assert_memory_equal(buf + 8, "node-1.eu_west", 14);
	assert_int_equal(buf[22], 0x01);	/* incarnation, big-endian */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.kind, BM_BEAT);
	assert_string_equal(d.node, "node-1.eu_west");
	assert_true(d.incarnation == m.incarnation);
	assert_true(d.seq == 42);
	assert_int_equal(d.interval_ms, 1000);
	expect_exact(buf, n);
}

static void
test_bye_roundtrip(void **state)
{
	struct busmsg	m, d;
	uint8_t		buf[64];
	size_t		n;

	memset(&m, 0, sizeof m);
	m.kind = BM_BYE;
	strcpy(m.node, "b");
	m.incarnation = 7;
	n = busmsg_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 8 + 1 + 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.kind, BM_BYE);
	assert_string_equal(d.node, "b");
	assert_true(d.incarnation == 7);
	expect_exact(buf, n);
}

static void
test_user_roundtrip(void **state)
{
	static uint8_t	buf[BM_MAX + 1], data[BM_DATA_MAX + 1];
	struct busmsg	m, d;
	size_t		n;

	memset(&m, 0, sizeof m);
	m.kind = BM_USER;
	strcpy(m.node, "a");
	m.uid = 12345;
	m.data = (const uint8_t *)"hello";
	m.len = 5;
	n = busmsg_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 8 + 1 + 8 + 5);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.kind, BM_USER);
	assert_true(d.uid == 12345);
	assert_int_equal(d.len, 5);
	assert_memory_equal(d.data, "hello", 5);
	assert_ptr_equal(d.data, buf + 17);	/* into the buffer, no copy */
	expect_exact(buf, n);

	/* No data at all is a payload; the most there may be is one. */
	m.len = 0;
	m.data = NULL;
	n = busmsg_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 17);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.len, 0);
	memset(data, 'x', sizeof data);
	m.data = data;
	m.len = BM_DATA_MAX;
	n = busmsg_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 17 + BM_DATA_MAX);
	assert_true(n <= BM_MAX);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.len, BM_DATA_MAX);
	/* One byte more is refused both ways. */
	m.len = BM_DATA_MAX + 1;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	buf[7] += 1;			/* body length one more */
	assert_int_equal(busmsg_decode(buf, n + 1, &d), BME_MALFORMED);
	/* A buffer too small is refused, not overrun. */
	m.len = 5;
	assert_int_equal(busmsg_encode(buf, 21, &m), 0);
	assert_int_equal(busmsg_encode(buf, 22, &m), 22);
}

/* A valid beat in buf; its length. */
static size_t
beat(uint8_t *buf, size_t cap)
{
	struct busmsg	m;

	memset(&m, 0, sizeof m);
	m.kind = BM_BEAT;
	strcpy(m.node, "abc");
	m.incarnation = 1;
	m.interval_ms = 500;
	return busmsg_encode(buf, cap, &m);
}

/* A SESS payload: op and data as given, the rest valid; its length. */
static size_t
sess(uint8_t *buf, size_t cap, enum bm_op op, const void *data, size_t len)
{
	struct busmsg	m;

	memset(&m, 0, sizeof m);
	m.kind = BM_SESS;
	strcpy(m.node, "gw1");
	m.incarnation = 7;
	m.seq = 1;
	m.sid = 0xfedcba9876543210ULL;
	m.op = op;
	m.data = data;
	m.len = len;
	return busmsg_encode(buf, cap, &m);
}

static void
test_sess(void **state)
{
	static uint8_t	buf[BM_MAX + 1], big[BM_DATA_MAX + 1];
	const uint8_t	v4[7] = { 4, 0x1f, 0x91, 127, 0, 0, 1 };
	uint8_t		v6[19] = { 6, 0x1f, 0x91 }, room[12] = { 0 };
	struct busmsg	d, m;
	size_t		n;

	/* OPEN with an IPv4 address: the layout, byte by byte. */
	n = sess(buf, sizeof buf, BMO_OPEN, v4, sizeof v4);
	assert_int_equal(n, 8 + 3 + 25 + 7);
	assert_int_equal(buf[1], BM_SESS);
	assert_int_equal(buf[3], 0);
	assert_memory_equal(buf + 4, "\0\0\0\x20", 4);	/* 25 + 7 */
	assert_int_equal(buf[8 + 3 + 7], 7);	/* incarnation's low byte */
	assert_int_equal(buf[8 + 3 + 15], 1);	/* sequence's */
	assert_int_equal(buf[8 + 3 + 16], 0xfe);	/* the id, big-endian */
	assert_int_equal(buf[8 + 3 + 24], BMO_OPEN);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.kind, BM_SESS);
	assert_true(d.sid == 0xfedcba9876543210ULL);
	assert_true(d.incarnation == 7 && d.seq == 1);
	assert_int_equal(d.op, BMO_OPEN);
	assert_int_equal(d.len, 7);
	assert_memory_equal(d.data, v4, 7);
	expect_exact(buf, n);
	/* IPv6; a family that does not match its length is refused. */
	assert_int_not_equal(sess(buf, sizeof buf, BMO_OPEN, v6, 19), 0);
	v6[0] = 4;
	assert_int_equal(sess(buf, sizeof buf, BMO_OPEN, v6, 19), 0);
	n = sess(buf, sizeof buf, BMO_OPEN, v4, sizeof v4);
	buf[8 + 3 + 25] = 6;		/* 7 bytes that say IPv6 */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	/* MSG: 1 to BM_DATA_MAX bytes, and the largest fits BM_MAX. */
	assert_int_equal(sess(buf, sizeof buf, BMO_MSG, big, 0), 0);
	n = sess(buf, sizeof buf, BMO_MSG, big, BM_DATA_MAX);
	assert_int_equal(n, 8 + 3 + 25 + BM_DATA_MAX);
	assert_true(n <= BM_MAX);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.len, BM_DATA_MAX);
	assert_int_equal(sess(buf, sizeof buf, BMO_MSG, big, BM_DATA_MAX + 1),
	    0);
	/* One byte more than BM_DATA_MAX, by the lengths. */
	buf[n] = 0;
	buf[7]++;
	assert_int_equal(busmsg_decode(buf, n + 1, &d), BME_MALFORMED);
	/* CLOSED, CLOSE and TRUST carry nothing; ROOM 12 bytes. */
	assert_int_not_equal(sess(buf, sizeof buf, BMO_CLOSED, NULL, 0), 0);
	assert_int_not_equal(sess(buf, sizeof buf, BMO_CLOSE, NULL, 0), 0);
	assert_int_not_equal(sess(buf, sizeof buf, BMO_TRUST, NULL, 0), 0);
	assert_int_not_equal(sess(buf, sizeof buf, BMO_RESET, NULL, 0), 0);
	assert_int_not_equal(sess(buf, sizeof buf, BMO_CHECK, NULL, 0), 0);
	assert_int_equal(sess(buf, sizeof buf, BMO_CHECK, room, 1), 0);
	assert_int_equal(sess(buf, sizeof buf, BMO_TRUST, room, 1), 0);
	assert_int_equal(sess(buf, sizeof buf, BMO_ROOM, room, 11), 0);
	n = sess(buf, sizeof buf, BMO_ROOM, room, 12);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	/* Unknown ops, a zero id, incarnation or sequence, and a flag. */
	for (buf[8 + 3 + 24] = 0; ; buf[8 + 3 + 24] = BMO_MAX + 1) {
		assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
		if (buf[8 + 3 + 24] != 0)
			break;
	}
	n = sess(buf, sizeof buf, BMO_CLOSE, NULL, 0);
	buf[8 + 3 + 23] = 0, buf[8 + 3 + 16] = 0;
	memset(buf + 8 + 3 + 16, 0, 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = sess(buf, sizeof buf, BMO_CLOSE, NULL, 0);
	memset(buf + 8 + 3, 0, 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = sess(buf, sizeof buf, BMO_CLOSE, NULL, 0);
	memset(buf + 8 + 3 + 8, 0, 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = sess(buf, sizeof buf, BMO_CLOSE, NULL, 0);
	buf[3] = BM_F_CORE;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	memset(&m, 0, sizeof m);
	m.kind = BM_SESS;
	strcpy(m.node, "gw1");
	m.incarnation = m.seq = m.sid = 1;
	m.op = BMO_CLOSE;
	m.flags = BM_F_CORE;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
}

/* OPEN's address and ROOM's counts, both ways. */
static void
test_open_room_data(void **state)
{
	struct sockaddr_storage	 ss, back;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	uint8_t			 a[BM_OPEN_MAX], room[BM_ROOM_LEN], buf[128];
	struct busmsg		 d;
	uint32_t		 q;
	uint64_t		 rcv;
	size_t			 n;

	memset(&ss, 0, sizeof ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8081);
	sin->sin_addr.s_addr = htonl(0x7f000002);
	assert_int_equal(busmsg_open_encode(a, (struct sockaddr *)&ss), 7);
	assert_memory_equal(a, "\x04\x1f\x91\x7f\x00\x00\x02", 7);
	n = sess(buf, sizeof buf, BMO_OPEN, a, 7);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(busmsg_open_decode(d.data, d.len, &back),
	    sizeof *sin);
	assert_memory_equal(&back, &ss, sizeof *sin);
	memset(&ss, 0, sizeof ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(443);
	sin6->sin6_addr.s6_addr[0] = 0x20;
	sin6->sin6_addr.s6_addr[15] = 1;
	assert_int_equal(busmsg_open_encode(a, (struct sockaddr *)&ss), 19);
	n = sess(buf, sizeof buf, BMO_OPEN, a, 19);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(busmsg_open_decode(d.data, d.len, &back),
	    sizeof *sin6);
	assert_memory_equal(&back, &ss, sizeof *sin6);
	ss.ss_family = AF_UNIX;
	assert_int_equal(busmsg_open_encode(a, (struct sockaddr *)&ss), 0);
	busmsg_room_encode(room, 0x01020304, 0x0102030405060708ULL);
	assert_memory_equal(room, "\x01\x02\x03\x04\x01\x02\x03\x04"
	    "\x05\x06\x07\x08", BM_ROOM_LEN);
	busmsg_room_decode(room, &q, &rcv);
	assert_int_equal(q, 0x01020304);
	assert_true(rcv == 0x0102030405060708ULL);
}

static void
test_batch(void **state)
{
	static uint8_t	buf[BM_HDR + BM_NODE_MAX + BM_BATCH_MAX + 64];
	static uint8_t	one[BM_MAX], big[BM_DATA_MAX];
	struct busmsg	d, e;
	size_t		n, k, off = 0;
	int		i;

	/* Three SESS payloads of gw1, in order. */
	n = busmsg_batch_start(buf, sizeof buf, "gw1");
	assert_int_equal(n, 8 + 3);
	k = sess(one, sizeof one, BMO_CLOSE, NULL, 0);
	assert_int_equal(n = busmsg_batch_add(buf, sizeof buf, n, one, k),
	    8 + 3 + 4 + k);
	k = sess(one, sizeof one, BMO_MSG, "hello", 5);
	n = busmsg_batch_add(buf, sizeof buf, n, one, k);
	k = sess(one, sizeof one, BMO_TRUST, NULL, 0);
	n = busmsg_batch_add(buf, sizeof buf, n, one, k);
	n = busmsg_batch_end(buf, n);
	assert_int_equal(buf[1], BM_BATCH);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.kind, BM_BATCH);
	assert_string_equal(d.node, "gw1");
	for (i = 0; busmsg_batch_next(&d, &off, &e); i++) {
		assert_int_equal(e.kind, BM_SESS);
		assert_int_equal(e.op, i == 0 ? BMO_CLOSE : i == 1 ? BMO_MSG :
		    BMO_TRUST);
	}
	assert_int_equal(i, 3);
	expect_exact(buf, n);
	/* An entry from another node, or not a SESS, is refused when
	 * added, and makes a batch malformed when decoded. */
	n = busmsg_batch_start(buf, sizeof buf, "gw2");
	k = sess(one, sizeof one, BMO_CLOSE, NULL, 0);
	assert_int_equal(busmsg_batch_add(buf, sizeof buf, n, one, k), 0);
	n = busmsg_batch_start(buf, sizeof buf, "gw1");
	n = busmsg_batch_add(buf, sizeof buf, n, one, k);
	n = busmsg_batch_end(buf, n);
	buf[8 + 3 + 4 + 8] = 'x';		/* the entry's node: gw1 -> xw1 */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[8 + 3 + 4 + 8] = 'g';
	buf[8 + 3 + 4 + 1] = BM_BATCH;	/* a batch inside: refused unread */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[8 + 3 + 4 + 1] = BM_SESS;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	/* An empty batch, and an entry length past the end or too short. */
	n = busmsg_batch_end(buf, busmsg_batch_start(buf, sizeof buf, "gw1"));
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = busmsg_batch_start(buf, sizeof buf, "gw1");
	n = busmsg_batch_end(buf, busmsg_batch_add(buf, sizeof buf, n, one, k));
	buf[8 + 3 + 3]++;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[8 + 3 + 3] = 7;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	/* No more than BM_BATCH_MAX of body: the largest MSGs fill it. */
	n = busmsg_batch_start(buf, sizeof buf, "gw1");
	k = sess(one, sizeof one, BMO_MSG, big, sizeof big);
	for (i = 0; (off = busmsg_batch_add(buf, sizeof buf, n, one, k)) != 0;
	    i++)
		n = off;
	assert_int_equal(i, BM_BATCH_MAX / (4 + k));
	n = busmsg_batch_end(buf, n);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
}

static void
test_hostile_header(void **state)
{
	uint8_t		buf[128];
	struct busmsg	d;
	size_t		n;

	n = beat(buf, sizeof buf);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	buf[0] = 2;			/* another version */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_VERSION);
	assert_int_equal(busmsg_decode(buf, 1, &d), BME_VERSION);
	buf[0] = 0;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_VERSION);
	n = beat(buf, sizeof buf);
	buf[3] = BM_F_CORE;		/* the one flag a beat has */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	assert_int_equal(d.flags, BM_F_CORE);
	buf[3] = 2;			/* a flag no kind has */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[3] = 3;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = beat(buf, sizeof buf);
	buf[1] = 0;			/* kinds 0 and 6 do not exist */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[1] = 6;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[1] = BM_SESS;		/* nor is a beat's body a session's */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[1] = BM_BYE;		/* a beat's body is not a goodbye's */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	/* Lengths that point past the end, or that wrap. */
	n = beat(buf, sizeof buf);
	buf[4] = buf[5] = buf[6] = buf[7] = 0xff;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = beat(buf, sizeof buf);
	buf[2] = 0xff;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[2] = 0;			/* no node name */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	/* A node name with a byte outside the set. */
	n = beat(buf, sizeof buf);
	buf[9] = '\n';
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[9] = 0;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[9] = 0xc3;
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
}

static void
test_hostile_bodies(void **state)
{
	uint8_t		buf[128];
	struct busmsg	m, d;
	size_t		n;

	/* A beat with incarnation 0, or an interval out of range. */
	n = beat(buf, sizeof buf);
	memset(buf + 11, 0, 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	n = beat(buf, sizeof buf);
	memcpy(buf + n - 4, "\0\0\0\x63", 4);		/* 99 ms */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	memcpy(buf + n - 4, "\0\0\0\x64", 4);		/* 100 ms */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_NONE);
	memcpy(buf + n - 4, "\0\0\xea\x61", 4);		/* 60001 ms */
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	/* A user payload for user 0, or with less than a user id. */
	memset(&m, 0, sizeof m);
	m.kind = BM_USER;
	strcpy(m.node, "a");
	m.uid = 1;
	n = busmsg_encode(buf, sizeof buf, &m);
	memset(buf + 9, 0, 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
	buf[7] = 7;
	assert_int_equal(busmsg_decode(buf, n - 1, &d), BME_MALFORMED);
	/* A goodbye with incarnation 0. */
	m.kind = BM_BYE;
	m.incarnation = 0;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	m.incarnation = 9;
	n = busmsg_encode(buf, sizeof buf, &m);
	memset(buf + 9, 0, 8);
	assert_int_equal(busmsg_decode(buf, n, &d), BME_MALFORMED);
}

static void
test_encode_refuses_invalid(void **state)
{
	uint8_t		buf[128];
	struct busmsg	m;

	memset(&m, 0, sizeof m);
	m.kind = BM_BEAT;
	m.incarnation = 1;
	m.interval_ms = 1000;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0); /* no node */
	strcpy(m.node, "a b");
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	strcpy(m.node, "ok");
	m.interval_ms = 99;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	m.interval_ms = 100;
	assert_int_not_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	m.kind = (enum bm_kind)9;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	m.kind = BM_USER;
	m.uid = 0;
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
	/* A node name of 64 bytes fills the array with no NUL. */
	memset(m.node, 'n', sizeof m.node);
	m.kind = BM_BYE;
	assert_int_equal(busmsg_len(&m), 0);
	assert_int_equal(busmsg_encode(buf, sizeof buf, &m), 0);
}

static void
test_node_names(void **state)
{
	char	name[80];

	assert_true(busmsg_node_ok("a", 1));
	assert_true(busmsg_node_ok("Node-1.zone_2", 13));
	assert_false(busmsg_node_ok("", 0));
	assert_false(busmsg_node_ok("a b", 3));
	assert_false(busmsg_node_ok("a/b", 3));
	assert_false(busmsg_node_ok("a*", 2));
	assert_false(busmsg_node_ok("caf\xc3\xa9", 5));
	/* Not an empty token of a subject: no dot first, last or twice. */
	assert_false(busmsg_node_ok(".a", 2));
	assert_false(busmsg_node_ok("a.", 2));
	assert_false(busmsg_node_ok("a..b", 4));
	assert_false(busmsg_node_ok(".", 1));
	assert_true(busmsg_node_ok("a.b.c", 5));
	memset(name, 'x', sizeof name);
	assert_true(busmsg_node_ok(name, BM_NODE_MAX));
	assert_false(busmsg_node_ok(name, BM_NODE_MAX + 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beat_roundtrip),
		cmocka_unit_test(test_bye_roundtrip),
		cmocka_unit_test(test_user_roundtrip),
		cmocka_unit_test(test_sess),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_open_room_data),
		cmocka_unit_test(test_hostile_header),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_encode_refuses_invalid),
		cmocka_unit_test(test_node_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
