/*
 * backoff.h: a per-account backoff after failed password logins
 * (backoff.c).  Each failure of an account doubles the time before its
 * next password may be tried, from a first delay to a longest; a success
 * clears it.  Token logins never meet it.  The table is a fixed number
 * of entries in 4-way sets: failures on many accounts evict the entries
 * whose wait ended longest ago, they never grow it.
 */
#ifndef BACKOFF_H
#define BACKOFF_H

#include <stdint.h>

struct backoff;

/* A table of about n entries (rounded up to a power of two, >= 4). */
struct backoff	*backoff_new(unsigned int n);
void		 backoff_free(struct backoff *);
/* Nanoseconds before account uid may try a password again; 0 now. */
uint64_t	 backoff_wait(struct backoff *, uint64_t uid, uint64_t now_ns);
/* A wrong password for uid at now: the next wait is first_ms, doubling
 * with each failure up to max_ms.  An account quiet for max_ms after its
 * wait ended starts again from first_ms. */
void		 backoff_fail(struct backoff *, uint64_t uid, uint64_t now_ns,
		    uint32_t first_ms, uint32_t max_ms);
/* The right password: uid starts afresh. */
void		 backoff_clear(struct backoff *, uint64_t uid);

#endif
