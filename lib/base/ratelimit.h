/*
 * ratelimit.h: per-source-address rate limiting, after chrony's ratelimit.
 *
 * Each source address (IPv6 addresses grouped by prefix) has a token
 * bucket in a fixed-size, 4-way set-associative table: replies earn one
 * token every 2^interval seconds up to burst tokens.  A source without a
 * token is limited; one limited request in 2^leak is let through anyway,
 * so a victim whose address is spoofed by a flooder is never wholly shut
 * out.  A limited source is told so (a "rate limited" status or an NTP
 * RATE kiss-o'-death) at most once per 2^interval seconds.  A global
 * bucket bounds the replies per second over all sources.  Memory is fixed
 * at creation: a flood from many addresses evicts the idlest entries, it
 * never grows the table.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <sys/socket.h>

#include <stdint.h>

struct ratelimit_conf {
	int	enable;		/* 0: every request passes */
	int	interval;	/* log2 seconds per token, -10 to 12 */
	int	burst;		/* bucket depth, 1 to 256 */
	int	leak;		/* pass 1 in 2^leak limited; 0 passes none */
	int	table_size;	/* entries, rounded up to a power of two */
	int	ipv6_prefix;	/* IPv6 addresses grouped by /prefix */
	int	global_rate;	/* replies per second, all sources; 0: off */
};

enum ratelimit_verdict {
	RATELIMIT_PASS,		/* answer normally */
	RATELIMIT_NOTIFY,	/* limited: answer with a limited notice */
	RATELIMIT_DROP,		/* limited: no answer */
};

struct ratelimit;

struct ratelimit *ratelimit_new(const struct ratelimit_conf *);
void		 ratelimit_free(struct ratelimit *);
/* Account one request from sa at now_ns (a monotonic clock, nanoseconds). */
enum ratelimit_verdict ratelimit_check(struct ratelimit *,
		    const struct sockaddr *sa, uint64_t now_ns);

#endif
