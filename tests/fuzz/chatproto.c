/*
 * chatproto.c: libFuzzer target for every decoder in lib/chat/chatproto.c
 * (cp_decode, cp_entry_next, cp_utf8_ok) and lib/chat/nick.c: never reads out
 * of bounds; an accepted message encodes back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat/chatproto.h"
#include "chat/nick.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	buf[CP_MAX_MSG + 1024];
	struct cp_msg	m;
	struct cp_entry	e;
	struct cp_str	rest;
	unsigned int	n = 0;
	char		d[NICK_MAX_BYTES], k[NICK_MAX_BYTES];

	(void)cp_utf8_ok(data, size);
	if (nick_normalize((const char *)data, size, d, k) == NICK_OK &&
	    (strlen(d) == 0 || strlen(k) == 0))
		abort();
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
	return 0;
}
