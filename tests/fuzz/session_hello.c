/*
 * session_hello.c: libFuzzer target for sp_hello_decode(): never reads out
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
	struct sp_hello	v;
	uint8_t		buf[SP_HELLO_LEN];

	if (sp_hello_decode(data, size, &v) == -1)
		return 0;
	if (size != SP_HELLO_LEN || sp_hello_encode(buf, &v) != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	return 0;
}
