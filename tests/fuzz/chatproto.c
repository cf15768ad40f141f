/*
 * chatproto.c: libFuzzer target for every decoder in lib/chat/chatproto.c
 * (cp_decode, cp_entry_next, cp_device_next, cp_hist_next, cp_utf8_ok,
 * cp_text_check) and
 * lib/chat/nick.c: never reads out
 * of bounds; an accepted message encodes back to the same bytes; a name
 * nick_normalize() accepts is found by nick_lookup() under the same key, its
 * key is its own key, and it has a skeleton that fits NICK_SKELETON_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat/chatproto.h"
#include "chat/nick.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The nickname functions on any bytes; abort if they disagree. */
static void
fuzz_nick(const uint8_t *data, size_t size)
{
	static char	sk[NICK_SKELETON_MAX], sk2[NICK_SKELETON_MAX];
	char		d[NICK_MAX_BYTES], k[NICK_MAX_BYTES];
	char		d2[NICK_MAX_BYTES], k2[NICK_MAX_BYTES];
	int		n;

	(void)nick_oldkey((const char *)data, size, k);
	(void)nick_skeleton((const char *)data, size, sk, 8);
	n = nick_skeleton((const char *)data, size, sk, sizeof sk);
	if (n >= 0 && strlen(sk) != (size_t)n)
		abort();
	if (nick_lookup((const char *)data, size, d2, k2) == NICK_OK &&
	    (strlen(d2) == 0 || strlen(k2) == 0))
		abort();
	if (nick_normalize((const char *)data, size, d, k) != NICK_OK)
		return;
	if (strlen(d) == 0 || strlen(k) == 0 || n <= 0)
		abort();
	if (nick_lookup((const char *)data, size, d2, k2) != NICK_OK ||
	    strcmp(d, d2) != 0 || strcmp(k, k2) != 0)
		abort();
	/* A key is its own key and has the name's skeleton. */
	if (nick_lookup(k, strlen(k), NULL, k2) == NICK_OK) {
		if (strcmp(k, k2) != 0 ||
		    nick_skeleton(k, strlen(k), sk2, sizeof sk2) != n ||
		    strcmp(sk, sk2) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	buf[CP_MAX_MSG + 1024];
	struct cp_msg	m;
	struct cp_entry	e;
	struct cp_device dv;
	struct cp_hist	h;
	struct cp_str	rest;
	unsigned int	n = 0;

	/* Text accepted as a message is always valid UTF-8. */
	if (cp_text_check(data, size) == CPE_NONE && !cp_utf8_ok(data, size))
		abort();
	fuzz_nick(data, size);
	if (cp_decode(data, size, &m) != CPE_NONE)
		return 0;
	if (cp_encode(buf, sizeof buf, &m) != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	if (m.type == CP_ROSTER) {
		rest = m.entries;
		while (cp_entry_next(&rest, &e))
			n++;
		if (n != m.count || rest.len != 0)
			abort();
	}
	if (m.type == CP_DEVICE_LIST) {
		rest = m.entries;
		while (cp_device_next(&rest, &dv)) {
			if (cp_device_encode(buf, sizeof buf, &dv) !=
			    19 + dv.name.len + dv.addr.len ||
			    memcmp(buf, dv.name.p - 18, 18) != 0)
				abort();
			n++;
		}
		if (n != m.count || rest.len != 0)
			abort();
	}
	/* A page's entries: count of them, each of known flags, each
	 * encoding back to its own bytes, and never more than a page. */
	if (m.type == CP_HISTORY_PAGE) {
		rest = m.entries;
		while (cp_hist_next(&rest, &h)) {
			if ((h.flags & ~CPHE_ALL) != 0 ||
			    cp_hist_encode(buf, sizeof buf, &h) !=
			    CP_HIST_ENTRY_MIN + h.text.len ||
			    memcmp(buf, h.text.p - CP_HIST_ENTRY_MIN,
			    CP_HIST_ENTRY_MIN + h.text.len) != 0)
				abort();
			n++;
		}
		if (n != m.count || rest.len != 0)
			abort();
	}
	if (m.type == CP_HISTORY && m.value == 0)
		abort();
	if ((m.type == CP_LOGIN || m.type == CP_REGISTER) &&
	    m.device.len == 0 && m.device.p != NULL)
		abort();
	return 0;
}
