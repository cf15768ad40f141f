/*
 * impair.h: a deterministic, seeded network impairment layer for tests
 * and benchmarks.  This machine's kernel has no netem, so the harness sits
 * in user space: datagrams handed to impair_submit() come out of
 * impair_pop() later, lost, duplicated, reordered, delayed, corrupted or
 * from a changed source address, as configured for their direction.
 * The same seed and the same calls give the same result, byte for byte.
 * Time is whatever nanosecond clock the caller uses.
 */
#ifndef IMPAIR_H
#define IMPAIR_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define IMPAIR_DIRS	2	/* e.g. 0: client to server, 1: back */

/* What happens to datagrams in one direction; probabilities in [0, 1]. */
struct impair_dir {
	double		loss;		/* dropped */
	double		dup;		/* delivered twice */
	double		reorder;	/* held back by reorder_ns more */
	double		corrupt;	/* one random bit flipped */
	uint64_t	delay_ns;	/* base one-way delay */
	uint64_t	jitter_ns;	/* plus uniform 0..jitter_ns */
	uint64_t	reorder_ns;
	int		blackhole;	/* drop everything (a peer gone) */
	size_t		mtu;		/* drop longer datagrams (0: none) */
};

struct impair_conf {
	uint64_t		seed;
	struct impair_dir	dir[IMPAIR_DIRS];
};

/* A datagram coming out; data stays valid until the next impair_pop(). */
struct impair_pkt {
	int			 dir;
	const uint8_t		*data;
	size_t			 len;
	const struct sockaddr	*from;
	socklen_t		 fromlen;
};

struct impair_stats {
	uint64_t	in;
	uint64_t	dropped;
	uint64_t	duplicated;
	uint64_t	reordered;
	uint64_t	corrupted;
	uint64_t	rebound;	/* delivered from a changed address */
	uint64_t	out;
};

struct impair;

struct impair	*impair_new(const struct impair_conf *);
void		 impair_free(struct impair *);
/* Change one direction's behaviour from now on. */
void		 impair_set(struct impair *, int dir, const struct impair_dir *);
/* Hand in a datagram sent at now from the address from. */
void		 impair_submit(struct impair *, int dir, uint64_t now,
		    const uint8_t *, size_t, const struct sockaddr *from,
		    socklen_t);
/*
 * An address change (a NAT rebinding, a move from Wi-Fi to mobile):
 * datagrams submitted in dir from now on seem to come from sa.  NULL
 * restores their real source.
 */
void		 impair_rebind(struct impair *, int dir,
		    const struct sockaddr *sa, socklen_t);
/* When the next datagram is due, or UINT64_MAX when none is queued. */
uint64_t	 impair_next(const struct impair *);
/* The next datagram due at or before now: 1, or 0 when none is due. */
int		 impair_pop(struct impair *, uint64_t now, struct impair_pkt *);
/* Datagrams queued. */
size_t		 impair_queued(const struct impair *);
const struct impair_stats *impair_stats(const struct impair *, int dir);
/* The layer's pseudo-random generator (splitmix64), for seeded tests. */
uint64_t	 impair_rand(struct impair *);

#endif
