/*
 * session_hdr.c: libFuzzer target for sp_hdr_decode() and sp_type():
 * never reads out of bounds; an accepted header encodes back the same.
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
	struct sp_hdr	h;
	uint8_t		buf[SP_HDR_LEN];

	(void)sp_type(data, size);
	if (sp_hdr_decode(data, size, &h) == -1)
		return 0;
	if (size < SP_HDR_LEN + SP_TAG_LEN || size > SP_MAX_DGRAM)
		abort();
	sp_hdr_encode(buf, &h);
	if (memcmp(buf, data, SP_HDR_LEN) != 0)
		abort();
	return 0;
}
