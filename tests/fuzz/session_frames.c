/*
 * session_frames.c: libFuzzer target for sp_frame_next(), the decoder of
 * a decrypted DATA payload: it never reads out of bounds, always makes
 * progress, and every frame it returns is within the documented limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sess/sessproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_frameval	fv;
	size_t			off = 0, before;
	unsigned int		i;
	int			r;

	for (;;) {
		before = off;
		if ((r = sp_frame_next(data, size, &off, &fv)) != 1)
			break;
		if (off <= before || off > size)
			abort();
		if (fv.type == SP_F_ACK) {
			if (fv.ack.nsack > SP_MAX_SACK)
				abort();
			for (i = 0; i < fv.ack.nsack; i++)
				if (fv.ack.sack[i].end - fv.ack.sack[i].start
				    - 1 >= SP_WINDOW)
					abort();
		}
		if (fv.type == SP_F_FRAG && (fv.frag.len == 0 ||
		    fv.frag.len > SP_FRAG_MAX || fv.frag.len > fv.frag.total ||
		    fv.frag.total > SP_MSG_MAX ||
		    fv.frag.data + fv.frag.len > data + size))
			abort();
	}
	if (r == 0 && off != size)
		abort();
	return 0;
}
