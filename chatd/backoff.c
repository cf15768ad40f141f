/* backoff.c: the per-account backoff after failed password logins. */
#include <stdint.h>
#include <stdlib.h>

#include "backoff.h"
#include "base/xmalloc.h"

#define WAYS	4

struct backoff_ent {
	uint64_t	uid;		/* 0: empty */
	uint64_t	until_ns;	/* no password before this */
	uint64_t	wait_ns;	/* the last wait given */
};

struct backoff {
	struct backoff_ent	*ent;
	uint64_t		 mask;	/* sets - 1 */
};

struct backoff *
backoff_new(unsigned int n)
{
	struct backoff	*b = xcalloc(1, sizeof *b);
	uint64_t	 sets = 1;

	while (sets * WAYS < n)
		sets <<= 1;
	b->ent = xcalloc(sets * WAYS, sizeof *b->ent);
	b->mask = sets - 1;
	return b;
}

void
backoff_free(struct backoff *b)
{
	if (b == NULL)
		return;
	free(b->ent);
	free(b);
}

/* The first entry of uid's set. */
static struct backoff_ent *
backoff_set(struct backoff *b, uint64_t uid)
{
	return &b->ent[((uid * 0x9e3779b97f4a7c15ULL) >> 20 & b->mask) * WAYS];
}

/* uid's entry, or NULL. */
static struct backoff_ent *
backoff_find(struct backoff *b, uint64_t uid)
{
	struct backoff_ent	*e = backoff_set(b, uid);
	int			 i;

	for (i = 0; i < WAYS; i++)
		if (e[i].uid == uid)
			return &e[i];
	return NULL;
}

uint64_t
backoff_wait(struct backoff *b, uint64_t uid, uint64_t now_ns)
{
	struct backoff_ent	*e = backoff_find(b, uid);

	return e != NULL && e->until_ns > now_ns ? e->until_ns - now_ns : 0;
}

void
backoff_fail(struct backoff *b, uint64_t uid, uint64_t now_ns,
    uint32_t first_ms, uint32_t max_ms)
{
	struct backoff_ent	*e, *set;
	uint64_t		 first = (uint64_t)first_ms * 1000000;
	uint64_t		 max = (uint64_t)max_ms * 1000000;
	int			 i;

	if (first == 0 || uid == 0)
		return;
	if (max < first)
		max = first;
	if ((e = backoff_find(b, uid)) == NULL) {
		/* An empty way, else the one whose wait ended first. */
		set = backoff_set(b, uid);
		e = &set[0];
		for (i = 0; i < WAYS; i++) {
			if (set[i].uid == 0) {
				e = &set[i];
				break;
			}
			if (set[i].until_ns < e->until_ns)
				e = &set[i];
		}
		e->uid = uid;
		e->wait_ns = 0;
	} else if (e->until_ns + max < now_ns)
		e->wait_ns = 0;
	e->wait_ns = e->wait_ns == 0 ? first : e->wait_ns * 2;
	if (e->wait_ns > max)
		e->wait_ns = max;
	e->until_ns = now_ns + e->wait_ns;
}

void
backoff_clear(struct backoff *b, uint64_t uid)
{
	struct backoff_ent	*e = backoff_find(b, uid);

	if (e != NULL)
		e->uid = 0;
}
