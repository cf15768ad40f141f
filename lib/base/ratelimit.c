/*
 * ratelimit.c: token buckets per source address in a fixed table.
 *
 * Each bucket is kept as a "theoretical arrival time" (the generic cell
 * rate algorithm): one 64-bit number per entry instead of a token count
 * and a timestamp.  A request at time now passes if tat - now is within
 * (burst - 1) * T, and then pushes tat forward by T.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/ratelimit.h"
#include "base/xmalloc.h"

#define RL_WAYS		4

struct rl_entry {
	uint8_t		key[16];
	uint64_t	tat;		/* theoretical arrival time, ns */
	uint64_t	notified;	/* last limited notice, ns */
	uint8_t		used;
};

struct ratelimit {
	struct ratelimit_conf	conf;
	uint64_t		T;		/* ns per token */
	uint64_t		tolerance;	/* (burst - 1) * T */
	uint64_t		global_T;	/* ns per global token */
	uint64_t		global_tat;
	size_t			nsets;		/* power of two */
	struct rl_entry		*table;
	uint8_t			hashkey[crypto_shorthash_KEYBYTES];
	uint32_t		rng;
};

struct ratelimit *
ratelimit_new(const struct ratelimit_conf *conf)
{
	struct ratelimit	*rl;
	size_t			 n = RL_WAYS;

	rl = xcalloc(1, sizeof *rl);
	rl->conf = *conf;
	if (conf->interval >= 0)
		rl->T = 1000000000ULL << conf->interval;
	else
		rl->T = 1000000000ULL >> -conf->interval;
	rl->tolerance = (uint64_t)(conf->burst > 0 ? conf->burst - 1 : 0) * rl->T;
	rl->global_T = conf->global_rate > 0 ?
	    1000000000ULL / (uint64_t)conf->global_rate : 0;
	while (n < (size_t)conf->table_size)
		n <<= 1;
	rl->nsets = n / RL_WAYS;
	rl->table = xcalloc(n, sizeof *rl->table);
	if (sodium_init() == -1)
		abort();
	randombytes_buf(rl->hashkey, sizeof rl->hashkey);
	rl->rng = randombytes_random() | 1;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->table);
	free(rl);
}

/* The table key of an address: IPv4, or an IPv6 prefix; -1 if neither. */
static int
ratelimit_key(const struct ratelimit *rl, const struct sockaddr *sa,
    uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;
		const uint8_t	*a = sin6->sin6_addr.s6_addr;
		int		 bits = rl->conf.ipv6_prefix, i;

		/* An IPv4-mapped address is limited as the IPv4 one. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			bits = 128;
		for (i = 0; i < 16 && bits > 0; i++, bits -= 8)
			key[i] = bits >= 8 ? a[i] :
			    (uint8_t)(a[i] & (0xff << (8 - bits)));
		return 0;
	}
	return -1;
}

/* A cheap pseudo-random bit source for the leak (xorshift32). */
static uint32_t
ratelimit_random(struct ratelimit *rl)
{
	uint32_t	x = rl->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rl->rng = x;
}

/* A limited request: leak it through now and then, notify at most once per T. */
static enum ratelimit_verdict
ratelimit_limited(struct ratelimit *rl, struct rl_entry *e, uint64_t now)
{
	if (rl->conf.leak > 0 &&
	    (ratelimit_random(rl) & ((1u << rl->conf.leak) - 1)) == 0)
		return RATELIMIT_PASS;
	if (e != NULL && (e->notified == 0 || now - e->notified >= rl->T)) {
		e->notified = now;
		return RATELIMIT_NOTIFY;
	}
	return RATELIMIT_DROP;
}

enum ratelimit_verdict
ratelimit_check(struct ratelimit *rl, const struct sockaddr *sa, uint64_t now)
{
	uint8_t		 key[16], h[crypto_shorthash_BYTES];
	struct rl_entry	*set, *e = NULL, *victim;
	uint64_t	 tat, idx;
	int		 i;

	if (!rl->conf.enable)
		return RATELIMIT_PASS;
	if (ratelimit_key(rl, sa, key) == -1)
		return RATELIMIT_DROP;

	crypto_shorthash(h, key, sizeof key, rl->hashkey);
	memcpy(&idx, h, sizeof idx);
	set = &rl->table[(idx & (rl->nsets - 1)) * RL_WAYS];
	victim = &set[0];
	for (i = 0; i < RL_WAYS; i++) {
		if (set[i].used && memcmp(set[i].key, key, 16) == 0) {
			e = &set[i];
			break;
		}
		/* Evict an empty entry, else the one idle the longest. */
		if (!set[i].used || (victim->used && set[i].tat < victim->tat))
			victim = &set[i];
	}
	if (e == NULL) {
		e = victim;
		memcpy(e->key, key, 16);
		e->used = 1;
		e->tat = 0;
		e->notified = 0;
	}

	tat = e->tat > now ? e->tat : now;
	if (tat - now > rl->tolerance)
		return ratelimit_limited(rl, e, now);
	if (rl->global_T > 0) {
		uint64_t gtat = rl->global_tat > now ? rl->global_tat : now;

		if (gtat - now > rl->global_T * 64)
			return ratelimit_limited(rl, NULL, now);
		rl->global_tat = gtat + rl->global_T;
	}
	e->tat = tat + rl->T;
	return RATELIMIT_PASS;
}
