/* sessreplay.c: the sliding replay window. */
#include <stdint.h>
#include <string.h>

#include "sess/sessreplay.h"

#define WORDS	(SESSREPLAY_BITS / 64 + 1)

/* An empty window. */
void
sessreplay_init(struct sessreplay *r)
{
	memset(r, 0, sizeof *r);
}

/* 0 if counter is new and inside the window, -1 if seen or too old. */
int
sessreplay_check(const struct sessreplay *r, uint64_t c)
{
	if (!r->any || c > r->top)
		return 0;
	/* Words top/64 - WORDS + 1 .. top/64 are remembered. */
	if (r->top / 64 - c / 64 >= WORDS)
		return -1;
	if (r->bits[(c / 64) % WORDS] & (UINT64_C(1) << (c % 64)))
		return -1;
	return 0;
}

/* Would counter be the highest yet? */
int
sessreplay_newest(const struct sessreplay *r, uint64_t c)
{
	return !r->any || c > r->top;
}

/* Record counter, sliding the window forward when it is the newest. */
void
sessreplay_mark(struct sessreplay *r, uint64_t c)
{
	uint64_t	w;

	if (!r->any || (c > r->top && c / 64 - r->top / 64 >= WORDS)) {
		memset(r->bits, 0, sizeof r->bits);
		r->top = c;
		r->any = 1;
	} else if (c > r->top) {
		/* Clear the words the window slides onto. */
		for (w = r->top / 64 + 1; w <= c / 64; w++)
			r->bits[w % WORDS] = 0;
		r->top = c;
	}
	r->bits[(c / 64) % WORDS] |= UINT64_C(1) << (c % 64);
}
