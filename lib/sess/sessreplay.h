/*
 * sessreplay.h: the sliding replay window of the session layer.  It
 * remembers the highest packet counter accepted and which of the
 * counters below it were seen: at least the SESSREPLAY_BITS counters
 * below it (the window slides a 64-bit word at a time, so up to 63 more);
 * anything older is refused.  Check before decrypting, mark only after the
 * packet authenticated, so forgeries cannot move the window.
 */
#ifndef SESSREPLAY_H
#define SESSREPLAY_H

#include <stdint.h>

#define SESSREPLAY_BITS	2048

struct sessreplay {
	uint64_t	top;		/* highest counter marked */
	int		any;		/* has anything been marked */
	/* One word more than the window, so a whole word can slide out. */
	uint64_t	bits[SESSREPLAY_BITS / 64 + 1];
};

void	sessreplay_init(struct sessreplay *);
/* 0 if counter is new and inside the window, -1 if seen or too old. */
int	sessreplay_check(const struct sessreplay *, uint64_t counter);
/* Record counter (checked first), sliding the window forward. */
void	sessreplay_mark(struct sessreplay *, uint64_t counter);
/* Would counter be the highest yet? */
int	sessreplay_newest(const struct sessreplay *, uint64_t counter);

#endif
