/* Unit tests for lib/chat/chatproto.c: round trips, exact lengths, versions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chat/chatproto.h"

#define S(x)	((struct cp_str){ (const uint8_t *)(x), sizeof(x) - 1 })

static void
test_send_roundtrip(void **state)
{
	struct cp_msg	m, d;
	uint8_t		buf[256];
	size_t		n;

	memset(&m, 0, sizeof m);
	m.type = CP_SEND;
	m.id = 0x0102030405060708ULL;
	m.nick = S("bob");
	m.text = S("hello\nworld");
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 2 + 8 + 1 + 3 + 2 + 11);
	assert_int_equal(buf[0], CP_VERSION);
	assert_int_equal(buf[1], CP_SEND);
	assert_int_equal(buf[2], 0x01);		/* big-endian id */
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.id, m.id);
	assert_int_equal(d.nick.len, 3);
	assert_memory_equal(d.nick.p, "bob", 3);
	assert_int_equal(d.text.len, 11);
	assert_memory_equal(d.text.p, "hello\nworld", 11);
	/* Every shorter prefix and one byte more are malformed. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cp_decode(buf, i, &d), CPE_MALFORMED);
	buf[n] = 0;
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);
	assert_int_equal(d.id, m.id);	/* the id survives for the error */
}

static void
test_every_type(void **state)
{
	static const uint8_t types[] = { CP_REGISTER, CP_LOGIN, CP_PASSWD,
	    CP_SEND, CP_MARK, CP_CONTACTS, CP_WHO, CP_TYPING, CP_AWAY, CP_OK,
	    CP_ERROR, CP_WELCOME, CP_ACCEPTED, CP_MESSAGE, CP_RECEIPT,
	    CP_ROSTER, CP_PRESENCE, CP_TYPING_FROM, CP_DEVICES,
	    CP_DEVICE_LIST, CP_HISTORY, CP_DELETE_ACCOUNT, CP_HISTORY_PAGE,
	    CP_SENT, CP_READ_UPTO, CP_CONTACTS_CHANGED };
	struct cp_msg	m, d;
	uint8_t		buf[1024], again[1024];
	size_t		i, n;

	for (i = 0; i < sizeof types; i++) {
		memset(&m, 0, sizeof m);
		m.type = types[i];
		m.id = 7;
		m.flags = 1;
		m.value = 1;		/* HISTORY: a limit of 0 is malformed */
		m.sid = 9;
		m.time = 11;
		m.code = CPE_UNKNOWN_USER;
		m.reqtype = CP_SEND;
		m.nick = S("nick");
		m.secret = S("");
		m.secret2 = S("new");
		m.text = S("text");
		n = cp_encode(buf, sizeof buf, &m);
		assert_true(n >= CP_HDR_LEN);
		assert_true(n <= cp_size(&m));
		assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
		assert_int_equal(d.type, m.type);
		assert_int_equal(cp_encode(again, sizeof again, &d), n);
		assert_memory_equal(buf, again, n);
		assert_string_not_equal(cp_typename(m.type), "?");
		/* Too small a buffer is refused, never overrun. */
		assert_int_equal(cp_encode(buf, n - 1, &m), 0);
	}
}

static void
test_version_and_type(void **state)
{
	uint8_t		buf[32];
	struct cp_msg	m, d;
	size_t		n;

	memset(&m, 0, sizeof m);
	m.type = CP_WHO;
	m.id = 42;
	n = cp_encode(buf, sizeof buf, &m);
	buf[0] = CP_VERSION + 1;
	assert_int_equal(cp_decode(buf, n, &d), CPE_VERSION);
	assert_int_equal(d.type, CP_WHO);
	assert_int_equal(d.id, 42);
	buf[0] = CP_VERSION;
	buf[1] = 200;
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, 0, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, 1, &d), CPE_MALFORMED);
}

static void
test_enum_ranges(void **state)
{
	uint8_t		buf[64];
	struct cp_msg	m, d;
	size_t		n;

	memset(&m, 0, sizeof m);
	m.type = CP_MARK;
	m.flags = CPR_ACCEPTED;		/* not a receipt kind */
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	m.type = CP_CONTACTS;
	m.flags = CPC_BLOCKED + 1;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	m.flags = CPC_BLOCKED;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	/* SETTINGS: values only within the mask, the mask only known bits. */
	m.type = CP_SETTINGS;
	m.flags = CPS_VISIBLE | CPS_TYPING;
	m.value = CPS_TYPING;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, CP_HDR_LEN + 8 + 1 + 1);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.flags, CPS_VISIBLE | CPS_TYPING);
	assert_int_equal(d.value, CPS_TYPING);
	m.value = CPS_RECEIPTS;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	m.flags = 0x08;
	m.value = 0;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	m.type = CP_SETTINGS_ARE;
	m.flags = CPS_ALL;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.flags, CPS_ALL);
	m.flags = 0;
	m.type = CP_WELCOME;
	m.flags = 0;
	m.secret = S("short");		/* a token is 0 or 32 bytes */
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
}

static void
test_roster(void **state)
{
	uint8_t		ent[256], buf[512];
	struct cp_entry	e;
	struct cp_msg	m, d;
	struct cp_str	rest;
	size_t		n, off = 0;

	e.nick = S("alice");
	e.presence = CPP_ONLINE;
	e.last_seen = 0;
	off += cp_entry_encode(ent + off, sizeof ent - off, &e);
	e.nick = S("狗哥");
	e.presence = CPP_OFFLINE;
	e.last_seen = 1234567890123ULL;
	off += cp_entry_encode(ent + off, sizeof ent - off, &e);
	memset(&m, 0, sizeof m);
	m.type = CP_ROSTER;
	m.id = 5;
	m.count = 2;
	m.entries.p = ent;
	m.entries.len = off;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.count, 2);
	rest = d.entries;
	assert_true(cp_entry_next(&rest, &e));
	assert_memory_equal(e.nick.p, "alice", 5);
	assert_int_equal(e.presence, CPP_ONLINE);
	assert_true(cp_entry_next(&rest, &e));
	assert_int_equal(e.last_seen, 1234567890123ULL);
	assert_false(cp_entry_next(&rest, &e));
	/* A count that disagrees with the entries is malformed. */
	buf[10] = 3;
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	buf[10] = 1;
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
}

/* LOGIN's device name is optional and last: old clients omit it. */
static void
test_login_device(void **state)
{
	uint8_t		buf[256];
	struct cp_msg	m, d;
	size_t		n, old;

	memset(&m, 0, sizeof m);
	m.type = CP_LOGIN;
	m.id = 3;
	m.flags = CPF_WANT_TOKEN;
	m.nick = S("alice");
	m.secret = S("pw");
	old = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(old, 2 + 8 + 1 + 6 + 3);
	assert_int_equal(cp_decode(buf, old, &d), CPE_NONE);
	assert_int_equal(d.device.len, 0);
	m.device = S("chatc on box");
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, old + 1 + 12);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.device.len, 12);
	assert_memory_equal(d.device.p, "chatc on box", 12);
	assert_memory_equal(d.secret.p, "pw", 2);
	/* A present but empty name, or a short one, is malformed. */
	buf[old] = 0;
	assert_int_equal(cp_decode(buf, old + 1, &d), CPE_MALFORMED);
	buf[old] = 12;
	assert_int_equal(cp_decode(buf, n - 1, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);
}

static void
test_devices(void **state)
{
	uint8_t			ent[512], buf[1024];
	struct cp_device	e;
	struct cp_msg		m, d;
	struct cp_str		rest;
	size_t			n, off = 0;

	memset(&m, 0, sizeof m);
	m.type = CP_DEVICES;
	m.id = 9;
	m.flags = CPD_REVOKE;
	m.sid = 77;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 2 + 8 + 1 + 8);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.sid, 77);
	assert_int_equal(d.flags, CPD_REVOKE);
	buf[10] = 2;			/* no such op */
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);

	memset(&e, 0, sizeof e);
	e.id = 1;
	e.flags = CPDF_CURRENT | CPDF_ONLINE;
	e.last_seen = 1234567890123ULL;
	e.name = S("chatc on box");
	e.addr = S("127.0.0.1");
	off += cp_device_encode(ent + off, sizeof ent - off, &e);
	assert_int_equal(off, 8 + 1 + 8 + 1 + 12 + 1 + 9);
	e.id = 2;
	e.flags = 0;
	e.name = S("");
	e.addr = S("2001:db8::/64");
	off += cp_device_encode(ent + off, sizeof ent - off, &e);
	assert_int_equal(cp_device_encode(ent, 10, &e), 0);
	memset(&m, 0, sizeof m);
	m.type = CP_DEVICE_LIST;
	m.id = 9;
	m.count = 2;
	m.entries.p = ent;
	m.entries.len = off;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.count, 2);
	rest = d.entries;
	assert_true(cp_device_next(&rest, &e));
	assert_int_equal(e.id, 1);
	assert_int_equal(e.flags, CPDF_CURRENT | CPDF_ONLINE);
	assert_int_equal(e.last_seen, 1234567890123ULL);
	assert_memory_equal(e.name.p, "chatc on box", 12);
	assert_memory_equal(e.addr.p, "127.0.0.1", 9);
	assert_true(cp_device_next(&rest, &e));
	assert_int_equal(e.id, 2);
	assert_int_equal(e.name.len, 0);
	assert_memory_equal(e.addr.p, "2001:db8::/64", 13);
	assert_false(cp_device_next(&rest, &e));
	/* A count that disagrees with the entries, or a cut entry. */
	buf[11] = 3;
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	buf[11] = 2;
	assert_int_equal(cp_decode(buf, n - 1, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_string_equal(cp_strerror(CPE_NO_DEVICE), "no such device");
}

/* HISTORY: limit 1 to 255, 0 is malformed; DELETE_ACCOUNT. */
static void
test_history_request(void **state)
{
	uint8_t		buf[128];
	struct cp_msg	m, d;
	size_t		n, i;

	memset(&m, 0, sizeof m);
	m.type = CP_HISTORY;
	m.id = 0x1122334455667788ULL;
	m.nick = S("狗哥alex");
	m.sid = 0x0102030405060708ULL;
	m.value = 255;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 2 + 8 + 1 + 10 + 8 + 1);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.id, m.id);
	assert_int_equal(d.nick.len, 10);
	assert_memory_equal(d.nick.p, "狗哥alex", 10);
	assert_int_equal(d.sid, m.sid);
	assert_int_equal(d.value, 255);
	assert_string_equal(cp_typename(CP_HISTORY), "HISTORY");
	for (i = 0; i < n; i++)
		assert_int_equal(cp_decode(buf, i, &d), CPE_MALFORMED);
	buf[n] = 1;
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);
	/* before 0 is "from the newest"; limit 1 is the least. */
	m.sid = 0;
	m.value = 1;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.sid, 0);
	assert_int_equal(d.value, 1);
	/* limit 0 asks for nothing: malformed, with the id for the error. */
	buf[n - 1] = 0;
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	assert_int_equal(d.type, CP_HISTORY);
	assert_int_equal(d.id, m.id);

	memset(&m, 0, sizeof m);
	m.type = CP_DELETE_ACCOUNT;
	m.id = 99;
	m.secret = S("s3cret");
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 2 + 8 + 1 + 6);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.id, 99);
	assert_int_equal(d.secret.len, 6);
	assert_memory_equal(d.secret.p, "s3cret", 6);
	assert_string_equal(cp_typename(CP_DELETE_ACCOUNT), "DELETE_ACCOUNT");
	for (i = 0; i < n; i++)
		assert_int_equal(cp_decode(buf, i, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);
	/* A password length past the end. */
	buf[10] = 7;
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	assert_int_equal(d.id, 99);
}

/* Encode a HISTORY_PAGE of count entries (ent, len) into buf. */
static size_t
hist_page(uint8_t *buf, size_t cap, uint8_t flags, uint16_t count,
    const uint8_t *ent, size_t len)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_HISTORY_PAGE;
	m.id = 12;
	m.flags = flags;
	m.count = count;
	m.entries.p = ent;
	m.entries.len = len;
	return cp_encode(buf, cap, &m);
}

/*
 * HISTORY_PAGE: entries round trip in order; unknown flag bits (page or
 * entry), a cut entry, a count that disagrees are malformed; an empty
 * page and one of CP_HISTORY_BYTES of entries are fine.
 */
static void
test_history_page(void **state)
{
	static uint8_t	ent[CP_HISTORY_BYTES], buf[CP_HISTORY_BYTES + 64];
	static uint8_t	text[CP_TEXT_MAX];
	struct cp_hist	h;
	struct cp_msg	d;
	struct cp_str	rest;
	size_t		n, off = 0, e1, e2;
	int		k;

	memset(&h, 0, sizeof h);
	h.sid = 1001;
	h.msgid = 0xfedcba9876543210ULL;
	h.time = 1795626829000ULL;
	h.flags = CPHE_OUT | CPHE_DELIVERED | CPHE_READ;
	h.text = S("你好 bob 👋");
	e1 = cp_hist_encode(ent, sizeof ent, &h);
	assert_int_equal(e1, CP_HIST_ENTRY_MIN + h.text.len);
	assert_int_equal(cp_hist_encode(ent, e1 - 1, &h), 0);
	off = e1;
	h.sid = 1002;
	h.msgid = 5;
	h.flags = CPHE_DELIVERED;
	h.text = S("");
	e2 = cp_hist_encode(ent + off, sizeof ent - off, &h);
	assert_int_equal(e2, CP_HIST_ENTRY_MIN);
	off += e2;

	n = hist_page(buf, sizeof buf, CPH_MORE, 2, ent, off);
	assert_int_equal(n, 2 + 8 + 1 + 2 + off);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.id, 12);
	assert_int_equal(d.flags, CPH_MORE);
	assert_int_equal(d.count, 2);
	rest = d.entries;
	assert_true(cp_hist_next(&rest, &h));
	assert_int_equal(h.sid, 1001);
	assert_int_equal(h.msgid, 0xfedcba9876543210ULL);
	assert_int_equal(h.time, 1795626829000ULL);
	assert_int_equal(h.flags, CPHE_ALL);
	assert_int_equal(h.text.len, strlen("你好 bob 👋"));
	assert_memory_equal(h.text.p, "你好 bob 👋", h.text.len);
	assert_true(cp_hist_next(&rest, &h));
	assert_int_equal(h.sid, 1002);
	assert_int_equal(h.flags, CPHE_DELIVERED);
	assert_int_equal(h.text.len, 0);
	assert_false(cp_hist_next(&rest, &h));
	assert_int_equal(rest.len, 0);
	for (k = 0; k < (int)n; k++)
		assert_int_equal(cp_decode(buf, (size_t)k, &d), CPE_MALFORMED);
	buf[n] = 0;
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);

	/* A count that disagrees, either way. */
	n = hist_page(buf, sizeof buf, 0, 3, ent, off);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	assert_int_equal(d.id, 12);
	n = hist_page(buf, sizeof buf, 0, 1, ent, off);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	/* An entry cut short: its text, or its fixed part. */
	n = hist_page(buf, sizeof buf, 0, 1, ent, e1 - 1);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	n = hist_page(buf, sizeof buf, 0, 1, ent, CP_HIST_ENTRY_MIN - 1);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	rest.p = ent;
	rest.len = e1 - 1;
	assert_false(cp_hist_next(&rest, &h));
	assert_int_equal(rest.len, e1 - 1);	/* nothing taken */
	/* A text length past the page's end, with the count right. */
	ent[e1 + 25] = 0;
	ent[e1 + 26] = 1;
	n = hist_page(buf, sizeof buf, 0, 2, ent, off);
	assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	ent[e1 + 26] = 0;
	n = hist_page(buf, sizeof buf, 0, 2, ent, off);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	/* Unknown flag bits: an entry's, or the page's. */
	for (k = 3; k < 8; k++) {
		ent[e1 + 24] = (uint8_t)(CPHE_DELIVERED | 1 << k);
		n = hist_page(buf, sizeof buf, 0, 2, ent, off);
		assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	}
	ent[e1 + 24] = CPHE_DELIVERED;
	for (k = 1; k < 8; k++) {
		n = hist_page(buf, sizeof buf, (uint8_t)(1 << k), 2, ent, off);
		assert_int_equal(cp_decode(buf, n, &d), CPE_MALFORMED);
	}

	/* An empty page: no entries, no more. */
	n = hist_page(buf, sizeof buf, 0, 0, ent, 0);
	assert_int_equal(n, 2 + 8 + 1 + 2);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.count, 0);
	assert_int_equal(d.entries.len, 0);
	rest = d.entries;
	assert_false(cp_hist_next(&rest, &h));

	/* A page of exactly CP_HISTORY_BYTES: three of the largest texts
	 * and one entry that takes the rest. */
	memset(text, 'x', sizeof text);
	off = 0;
	for (k = 0; k < 3; k++) {
		h.sid = 2000 + (uint64_t)k;
		h.flags = CPHE_OUT;
		h.text.p = text;
		h.text.len = CP_TEXT_MAX;
		off += cp_hist_encode(ent + off, sizeof ent - off, &h);
	}
	h.sid = 2003;
	h.text.len = CP_HISTORY_BYTES - off - CP_HIST_ENTRY_MIN;
	assert_true(h.text.len <= CP_TEXT_MAX);
	off += cp_hist_encode(ent + off, sizeof ent - off, &h);
	assert_int_equal(off, CP_HISTORY_BYTES);
	assert_int_equal(cp_hist_encode(ent, 0, &h), 0);
	n = hist_page(buf, sizeof buf, CPH_MORE, 4, ent, off);
	assert_int_equal(n, 2 + 8 + 1 + 2 + CP_HISTORY_BYTES);
	assert_int_equal(hist_page(buf, n - 1, CPH_MORE, 4, ent, off), 0);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.count, 4);
	rest = d.entries;
	for (k = 0; k < 4; k++) {
		assert_true(cp_hist_next(&rest, &h));
		assert_int_equal(h.sid, 2000 + (uint64_t)k);
		assert_int_equal(h.text.len, k < 3 ? CP_TEXT_MAX :
		    CP_HISTORY_BYTES - 3 * (CP_HIST_ENTRY_MIN + CP_TEXT_MAX) -
		    CP_HIST_ENTRY_MIN);
	}
	assert_int_equal(rest.len, 0);
}

/* SENT, READ_UPTO and CONTACTS_CHANGED. */
static void
test_sync_notices(void **state)
{
	uint8_t		buf[256];
	struct cp_msg	m, d;
	size_t		n, i;
	unsigned int	b;

	/* SENT: laid out as MESSAGE, the recipient where the sender was. */
	memset(&m, 0, sizeof m);
	m.type = CP_SENT;
	m.sid = 77;
	m.id = 0x0a0b0c0d0e0f1011ULL;
	m.time = 1795626829000ULL;
	m.nick = S("bob");
	m.text = S("carbon copy");
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 2 + 8 + 8 + 8 + 1 + 3 + 2 + 11);
	assert_int_equal(buf[1], CP_SENT);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_int_equal(d.sid, 77);
	assert_int_equal(d.id, m.id);
	assert_int_equal(d.time, m.time);
	assert_memory_equal(d.nick.p, "bob", 3);
	assert_memory_equal(d.text.p, "carbon copy", 11);
	/* The same bytes as a MESSAGE from bob, but for the type. */
	{
		uint8_t	msg[256];

		m.type = CP_MESSAGE;
		assert_int_equal(cp_encode(msg, sizeof msg, &m), n);
		assert_memory_equal(msg + 2, buf + 2, n - 2);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(cp_decode(buf, i, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);

	memset(&m, 0, sizeof m);
	m.type = CP_READ_UPTO;
	m.nick = S("alice");
	m.sid = 0x8000000000000001ULL;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(n, 2 + 1 + 5 + 8);
	assert_int_equal(cp_decode(buf, n, &d), CPE_NONE);
	assert_memory_equal(d.nick.p, "alice", 5);
	assert_int_equal(d.sid, m.sid);
	for (i = 0; i < n; i++)
		assert_int_equal(cp_decode(buf, i, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, n + 1, &d), CPE_MALFORMED);

	/* Every combination of the three lists; any other bit is not. */
	memset(&m, 0, sizeof m);
	m.type = CP_CONTACTS_CHANGED;
	for (b = 0; b < 256; b++) {
		m.flags = (uint8_t)b;
		n = cp_encode(buf, sizeof buf, &m);
		assert_int_equal(n, 3);
		assert_int_equal(cp_decode(buf, n, &d),
		    (b & ~CPL_ALL) == 0 ? CPE_NONE : CPE_MALFORMED);
		if ((b & ~CPL_ALL) == 0)
			assert_int_equal(d.flags, b);
	}
	m.flags = CPL_CONTACTS | CPL_BLOCKED;
	n = cp_encode(buf, sizeof buf, &m);
	assert_int_equal(cp_decode(buf, 2, &d), CPE_MALFORMED);
	assert_int_equal(cp_decode(buf, 4, &d), CPE_MALFORMED);
	assert_string_equal(cp_typename(CP_SENT), "SENT");
	assert_string_equal(cp_typename(CP_READ_UPTO), "READ_UPTO");
	assert_string_equal(cp_typename(CP_CONTACTS_CHANGED),
	    "CONTACTS_CHANGED");
}

static void
test_utf8(void **state)
{
	assert_true(cp_utf8_ok((const uint8_t *)"héllo 狗\n", 11));
	assert_false(cp_utf8_ok((const uint8_t *)"\xff", 1));
	assert_false(cp_utf8_ok((const uint8_t *)"a\0b", 3));
	assert_false(cp_utf8_ok((const uint8_t *)"\xed\xa0\x80", 3));
	assert_false(cp_utf8_ok((const uint8_t *)"\xc3", 1));
	/* The eight-bytes-at-a-time path: a NUL, a stray continuation
	 * byte or a cut sequence anywhere in a long ASCII text; a character
	 * across an eight-byte boundary. */
	{
		uint8_t	t[40];
		size_t	i;

		memset(t, 'a', sizeof t);
		assert_true(cp_utf8_ok(t, sizeof t));
		for (i = 0; i < sizeof t; i++) {
			t[i] = 0;
			assert_false(cp_utf8_ok(t, sizeof t));
			t[i] = 0x80;
			assert_false(cp_utf8_ok(t, sizeof t));
			t[i] = 0x7f;
			assert_true(cp_utf8_ok(t, sizeof t));
			t[i] = 'a';
		}
		for (i = 0; i + 1 < sizeof t; i++) {
			t[i] = 0xc3;
			t[i + 1] = 0xa9;
			assert_true(cp_utf8_ok(t, sizeof t));
			assert_false(cp_utf8_ok(t, i + 1));
			t[i] = t[i + 1] = 'a';
		}
	}
	assert_string_equal(cp_strerror(CPE_NICK_TAKEN),
	    "nickname already taken");
	assert_string_equal(cp_strerror(9999), "unknown error");
}

/* Message ids grow with time, keep the client's tag, and never repeat. */
static void
test_msgid(void **state)
{
	uint64_t	last = 0, a, b, c, d, e, prev;
	uint64_t	other = 0, o;
	int		i;

	/* 1000 ms, tag 0x345 (of 0x12345: its low 12 bits), sequence 0. */
	a = cp_msgid_next(&last, 0x12345, 1000);
	assert_int_equal(a, (UINT64_C(1000) << 20) | 0x345 << 8);
	assert_int_equal(last, a);
	/* The same millisecond: the next in its sequence, same tag. */
	b = cp_msgid_next(&last, 0x12345, 1000);
	assert_int_equal(b, a + 1);
	/* A clock stepped back: still larger, same tag. */
	c = cp_msgid_next(&last, 0x12345, 5);
	assert_int_equal(c, a + 2);
	/* A sequence used up goes on in the next millisecond, sequence 0:
	 * a client sending 256 in one millisecond is one ahead. */
	prev = c;
	for (i = 3; i < 256; i++) {
		d = cp_msgid_next(&last, 0x12345, 1000);
		assert_int_equal(d, prev + 1);
		prev = d;
	}
	d = cp_msgid_next(&last, 0x12345, 1000);
	assert_int_equal(d, (UINT64_C(1001) << 20) | 0x345 << 8);
	e = cp_msgid_next(&last, 0x12345, 2000);
	assert_int_equal(e, (UINT64_C(2000) << 20) | 0x345 << 8);
	/* A previous id of another tag (a client whose tag changed): the
	 * next millisecond with its own tag, not the other's sequence. */
	last = (UINT64_C(3000) << 20) | 0x346 << 8 | 7;
	assert_int_equal(cp_msgid_next(&last, 0x345, 3000),
	    (UINT64_C(3001) << 20) | 0x345 << 8);
	/* Two clients with different tags never meet, however fast. */
	last = 0;
	for (i = 0; i < 2000; i++) {
		prev = last;
		d = cp_msgid_next(&last, 0x345, 7000 + (uint64_t)i / 1000);
		o = cp_msgid_next(&other, 0x344, 7000 + (uint64_t)i / 1000);
		assert_true(d > prev);
		assert_int_not_equal(d, o);
		assert_int_equal((d >> 8) & 0xfff, 0x345);
		assert_int_equal((o >> 8) & 0xfff, 0x344);
	}
	/* 2000 ids over 2 ms: 8 ms used, not 2000. */
	assert_true(last >> 20 <= 7001 + 8);
	/* Never 0: tag 0 at time 0 is 0, so the next one. */
	last = 0;
	assert_int_equal(cp_msgid_next(&last, 0xfffff000, 0), 1);
}

/* Message text: tab and newline pass, every other C0 control and DEL do
 * not, wherever they fall in a long text; C1 and bidi controls pass (the
 * clients escape them); bad UTF-8 is still bad UTF-8. */
static void
test_text_controls(void **state)
{
	const char	*esc = "\x1b[2K\x1b[1A\x1b]0;owned\x07 alice: hi";
	uint8_t		 t[40];
	unsigned int	 b;
	size_t		 i;

	assert_int_equal(cp_text_check((const uint8_t *)"a\tb\nc", 5),
	    CPE_NONE);
	assert_int_equal(cp_text_check((const uint8_t *)esc, strlen(esc)),
	    CPE_CONTROL);
	assert_int_equal(cp_text_check((const uint8_t *)"a\rb", 3),
	    CPE_CONTROL);
	assert_int_equal(cp_text_check((const uint8_t *)"\xc2\x9b" "2K", 4),
	    CPE_NONE);
	assert_int_equal(cp_text_check((const uint8_t *)"\xe2\x80\xae" "x", 4),
	    CPE_NONE);
	assert_int_equal(cp_text_check((const uint8_t *)"a\0b", 3),
	    CPE_BAD_UTF8);
	assert_int_equal(cp_text_check((const uint8_t *)"\xff", 1),
	    CPE_BAD_UTF8);
	memset(t, 'a', sizeof t);
	assert_int_equal(cp_text_check(t, sizeof t), CPE_NONE);
	for (i = 0; i < sizeof t; i++) {
		for (b = 1; b < 0x20; b++) {
			t[i] = (uint8_t)b;
			assert_int_equal(cp_text_check(t, sizeof t),
			    b == '\t' || b == '\n' ? CPE_NONE : CPE_CONTROL);
		}
		t[i] = 0x7f;
		assert_int_equal(cp_text_check(t, sizeof t), CPE_CONTROL);
		t[i] = ' ';
		assert_int_equal(cp_text_check(t, sizeof t), CPE_NONE);
		t[i] = '~';
		assert_int_equal(cp_text_check(t, sizeof t), CPE_NONE);
		t[i] = 'a';
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_roundtrip),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_version_and_type),
		cmocka_unit_test(test_enum_ranges),
		cmocka_unit_test(test_roster),
		cmocka_unit_test(test_login_device),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_history_request),
		cmocka_unit_test(test_history_page),
		cmocka_unit_test(test_sync_notices),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_text_controls),
		cmocka_unit_test(test_msgid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
