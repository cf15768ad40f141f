/* bucket.c: token buckets for per-session limits, in thousandths. */
#include <stdint.h>

#include "chatd.h"

int
bucket_take(struct bucket *b, int rate, int burst, uint64_t now_ns)
{
	uint64_t	full = (uint64_t)burst * 1000, add;

	if (rate <= 0)
		return 1;
	if (b->last_ns == 0) {
		b->milli = (uint32_t)full;
	} else if (now_ns > b->last_ns) {
		/* rate tokens a second is rate thousandths a millisecond. */
		add = (now_ns - b->last_ns) / 1000000 * (uint64_t)rate;
		b->milli = (uint32_t)(b->milli + add > full ? full :
		    b->milli + add);
		if (add == 0)
			now_ns = b->last_ns;	/* keep the fraction */
	}
	b->last_ns = now_ns;
	if (b->milli < 1000)
		return 0;
	b->milli -= 1000;
	return 1;
}
