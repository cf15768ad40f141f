/*
 * session_cookie.c: libFuzzer target for sp_cookie_decode(): never reads out
 * of bounds, and whatever it accepts encodes back to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sess/sessproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_cookie	v;
	uint8_t		buf[SP_COOKIE_LEN];

	if (sp_cookie_decode(data, size, &v) == -1)
		return 0;
	if (size != SP_COOKIE_LEN || sp_cookie_encode(buf, &v) != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	return 0;
}
