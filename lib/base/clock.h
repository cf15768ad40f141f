/*
 * clock.h: the two clocks every program reads, named for what they are.
 *
 * clock_wall_ms() is the civil time (CLOCK_REALTIME): for what is stored,
 * sent or shown (message ids, timestamps).  It can jump.  clock_mono_ms()
 * never goes back (CLOCK_MONOTONIC): for deadlines, timeouts and
 * intervals.  A name ending in _ms elsewhere says which of the two it is.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since 1970-01-01 UTC. */
static inline uint64_t
clock_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds on the monotonic clock (from an unspecified start). */
static inline uint64_t
clock_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
