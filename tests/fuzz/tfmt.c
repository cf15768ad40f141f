/*
 * Fuzz target for timed/tfmt.c: any bytes as a strftime format.  The
 * output never exceeds the limit, and an accepted format never overruns.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "timed/timed.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tfmt_limits lim = { 256, 512, 32 };
	struct tm	tm;
	time_t		t = 1795626829;
	char		out[512];
	size_t		len, need, limit;

	if (size < 1)
		return 0;
	/* The first byte picks the reply limit, the rest is the format. */
	limit = (size_t)data[0] * 2;
	gmtime_r(&t, &tm);
	tm.tm_zone = "UTC";
	switch (tfmt_render(&lim, (const char *)data + 1, size - 1, &tm, t,
	    out, limit, &len, &need)) {
	case TFMT_OK:
		if (len > limit || len > sizeof out)
			abort();
		break;
	case TFMT_TOO_LONG:
		if (need != 0 && (need <= limit || need > lim.max_output))
			abort();
		break;
	case TFMT_BAD:
		break;
	}
	return 0;
}
