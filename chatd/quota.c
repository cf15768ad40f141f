/*
 * quota.c: the messages waiting per (sender, recipient) and per
 * recipient (quota.h), in one open-addressing hash table.  A recipient's
 * total is the entry with sender 0 (user ids start at 1).  An entry goes
 * when its count drops to 0, by backward shift, so the table never holds
 * more than the pairs with something waiting, and no tombstones.
 */
#include <stdlib.h>
#include <string.h>

#include "quota.h"
#include "store.h"
#include "base/xmalloc.h"

#define QUOTA_MIN	64		/* slots at first; a power of 2 */

struct quota_ent {
	uint64_t	sender, rcpt;	/* rcpt 0: a free slot */
	uint32_t	n;
	int		contact;	/* enum quota_contact */
};

struct quota {
	struct quota_ent	*t;
	size_t			 mask;	/* slots - 1 */
	size_t			 used;
	uint64_t		 waiting;	/* messages, all pairs */
};

/* The slot (sender, rcpt) hashes to. */
static size_t
quota_home(const struct quota *q, uint64_t sender, uint64_t rcpt)
{
	uint64_t	h = (sender * 0x9e3779b97f4a7c15ULL) ^ rcpt;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (size_t)h & q->mask;
}

/* The slot where (sender, rcpt) lives, or the free slot it would take. */
static size_t
quota_slot(const struct quota *q, uint64_t sender, uint64_t rcpt)
{
	size_t	i;

	for (i = quota_home(q, sender, rcpt); q->t[i].rcpt != 0;
	    i = (i + 1) & q->mask)
		if (q->t[i].rcpt == rcpt && q->t[i].sender == sender)
			break;
	return i;
}

struct quota *
quota_new(void)
{
	struct quota	*q = xcalloc(1, sizeof *q);

	q->mask = QUOTA_MIN - 1;
	q->t = xcalloc(QUOTA_MIN, sizeof *q->t);
	return q;
}

void
quota_free(struct quota *q)
{
	if (q == NULL)
		return;
	free(q->t);
	free(q);
}

/* Double the table (kept at most half full). */
static void
quota_grow(struct quota *q)
{
	struct quota_ent	*old = q->t;
	size_t			 n = q->mask + 1, i, j;

	q->t = xcalloc(n * 2, sizeof *q->t);
	q->mask = n * 2 - 1;
	for (i = 0; i < n; i++) {
		if (old[i].rcpt == 0)
			continue;
		j = quota_slot(q, old[i].sender, old[i].rcpt);
		q->t[j] = old[i];
	}
	free(old);
}

/*
 * Remove the entry in slot i: each later entry of the run that may live
 * in the hole (its home is not between the hole and itself) moves back.
 */
static void
quota_del(struct quota *q, size_t i)
{
	size_t	j = i, k;

	q->used--;
	for (;;) {
		q->t[i].rcpt = 0;
		for (;;) {
			j = (j + 1) & q->mask;
			if (q->t[j].rcpt == 0)
				return;
			k = quota_home(q, q->t[j].sender, q->t[j].rcpt);
			if (i <= j ? (k <= i || k > j) : (k <= i && k > j))
				break;
		}
		q->t[i] = q->t[j];
		i = j;
	}
}

/* The entry of (sender, rcpt), made with a count of 0 if need be. */
static struct quota_ent *
quota_get(struct quota *q, uint64_t sender, uint64_t rcpt)
{
	size_t	i;

	if ((q->used + 1) * 2 > q->mask + 1)
		quota_grow(q);
	i = quota_slot(q, sender, rcpt);
	if (q->t[i].rcpt == 0) {
		q->t[i].sender = sender;
		q->t[i].rcpt = rcpt;
		q->t[i].n = 0;
		q->t[i].contact = QUOTA_UNKNOWN;
		q->used++;
	}
	return &q->t[i];
}

/* The entry of (sender, rcpt), or NULL. */
static const struct quota_ent *
quota_find(const struct quota *q, uint64_t sender, uint64_t rcpt)
{
	size_t	i = quota_slot(q, sender, rcpt);

	return q->t[i].rcpt != 0 ? &q->t[i] : NULL;
}

uint32_t
quota_pair(const struct quota *q, uint64_t sender, uint64_t rcpt)
{
	const struct quota_ent	*e = quota_find(q, sender, rcpt);

	return e != NULL ? e->n : 0;
}

uint32_t
quota_rcpt(const struct quota *q, uint64_t rcpt)
{
	return quota_pair(q, 0, rcpt);
}

void
quota_add(struct quota *q, uint64_t sender, uint64_t rcpt, uint32_t n)
{
	if (rcpt == 0 || sender == 0 || n == 0)
		return;
	quota_get(q, sender, rcpt)->n += n;
	quota_get(q, 0, rcpt)->n += n;
	q->waiting += n;
}

/* One message less for (sender, rcpt); the entry goes at 0.  Was there
 * one to take? */
static int
quota_dec(struct quota *q, uint64_t sender, uint64_t rcpt)
{
	size_t	i = quota_slot(q, sender, rcpt);

	if (q->t[i].rcpt == 0)
		return 0;
	if (q->t[i].n > 1)
		q->t[i].n--;
	else
		quota_del(q, i);
	return 1;
}

void
quota_done(struct quota *q, uint64_t sender, uint64_t rcpt)
{
	if (rcpt == 0 || sender == 0)
		return;
	quota_dec(q, sender, rcpt);
	if (quota_dec(q, 0, rcpt))
		q->waiting--;
}

enum quota_contact
quota_contact(const struct quota *q, uint64_t sender, uint64_t rcpt)
{
	const struct quota_ent	*e = quota_find(q, sender, rcpt);

	return e != NULL ? e->contact : QUOTA_UNKNOWN;
}

void
quota_set_contact(struct quota *q, uint64_t sender, uint64_t rcpt,
    enum quota_contact c)
{
	size_t	i = quota_slot(q, sender, rcpt);

	if (q->t[i].rcpt != 0)
		q->t[i].contact = c;
}

size_t
quota_pairs(const struct quota *q)
{
	return q->used;
}

uint64_t
quota_waiting(const struct quota *q)
{
	return q->waiting;
}

/* One row of the store's waiting messages. */
static void
quota_load_one(void *arg, uint64_t sender, uint64_t rcpt, uint32_t n)
{
	quota_add(arg, sender, rcpt, n);
}

int
quota_load(struct quota *q, struct store *st)
{
	free(q->t);
	q->mask = QUOTA_MIN - 1;
	q->t = xcalloc(QUOTA_MIN, sizeof *q->t);
	q->used = 0;
	q->waiting = 0;
	return store_msg_waiting(st, quota_load_one, q);
}
