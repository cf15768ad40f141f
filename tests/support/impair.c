/* impair.c: the deterministic, seeded impairment layer. */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/impair.h"
#include "base/xmalloc.h"

/* A datagram in flight. */
struct ipkt {
	uint64_t		 due;
	uint64_t		 order;		/* ties go first in, first out */
	int			 dir;
	uint8_t			*data;
	size_t			 len;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
};

struct impair {
	struct impair_dir	 dir[IMPAIR_DIRS];
	struct impair_stats	 st[IMPAIR_DIRS];
	struct sockaddr_storage	 rebind[IMPAIR_DIRS];
	socklen_t		 rebindlen[IMPAIR_DIRS];
	uint64_t		 last_due[IMPAIR_DIRS];
	uint64_t		 state;
	uint64_t		 order;
	struct ipkt		*heap;		/* binary min-heap on due */
	size_t			 n, cap;
	uint8_t			*out;		/* last popped datagram */
	struct sockaddr_storage	 outfrom;
};

/* splitmix64: small, fast, and the same everywhere. */
uint64_t
impair_rand(struct impair *im)
{
	uint64_t	z = (im->state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* True with probability p. */
static int
impair_chance(struct impair *im, double p)
{
	if (p <= 0)
		return 0;
	return (double)(impair_rand(im) >> 11) * 0x1.0p-53 < p;
}

/* A new layer. */
struct impair *
impair_new(const struct impair_conf *c)
{
	struct impair	*im;
	int		 d;

	im = xcalloc(1, sizeof *im);
	im->state = c->seed;
	for (d = 0; d < IMPAIR_DIRS; d++)
		im->dir[d] = c->dir[d];
	return im;
}

/* Free the layer and whatever is still in flight. */
void
impair_free(struct impair *im)
{
	size_t	i;

	if (im == NULL)
		return;
	for (i = 0; i < im->n; i++)
		free(im->heap[i].data);
	free(im->heap);
	free(im->out);
	free(im);
}

/* Change one direction's behaviour. */
void
impair_set(struct impair *im, int dir, const struct impair_dir *d)
{
	im->dir[dir] = *d;
}

/* Is a due before b? */
static int
impair_before(const struct ipkt *a, const struct ipkt *b)
{
	return a->due < b->due || (a->due == b->due && a->order < b->order);
}

/* Add a packet to the heap. */
static void
impair_push(struct impair *im, struct ipkt *p)
{
	size_t		i, parent;
	struct ipkt	tmp;

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		im->heap = xreallocarray(im->heap, im->cap, sizeof *im->heap);
	}
	p->order = im->order++;
	i = im->n++;
	im->heap[i] = *p;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!impair_before(&im->heap[i], &im->heap[parent]))
			break;
		tmp = im->heap[i];
		im->heap[i] = im->heap[parent];
		im->heap[parent] = tmp;
		i = parent;
	}
}

/* Queue one copy of a datagram. */
static void
impair_enqueue(struct impair *im, int dir, uint64_t now, const uint8_t *buf,
    size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	const struct impair_dir	*d = &im->dir[dir];
	struct ipkt		 p;
	size_t			 bit;

	memset(&p, 0, sizeof p);
	p.dir = dir;
	p.due = now + d->delay_ns;
	if (d->jitter_ns > 0)
		p.due += impair_rand(im) % (d->jitter_ns + 1);
	/* A link is first in, first out whatever its jitter; only the
	 * datagrams picked for reordering overtake or are overtaken. */
	if (p.due < im->last_due[dir])
		p.due = im->last_due[dir];
	im->last_due[dir] = p.due;
	if (impair_chance(im, d->reorder)) {
		p.due += d->reorder_ns;
		im->st[dir].reordered++;
	}
	p.data = xmalloc(len > 0 ? len : 1);
	memcpy(p.data, buf, len);
	p.len = len;
	if (len > 0 && impair_chance(im, d->corrupt)) {
		bit = (size_t)(impair_rand(im) % (len * 8));
		p.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		im->st[dir].corrupted++;
	}
	if (im->rebindlen[dir] > 0) {
		memcpy(&p.from, &im->rebind[dir], im->rebindlen[dir]);
		p.fromlen = im->rebindlen[dir];
		im->st[dir].rebound++;
	} else {
		memcpy(&p.from, from, fromlen);
		p.fromlen = fromlen;
	}
	impair_push(im, &p);
}

/* Hand in a datagram. */
void
impair_submit(struct impair *im, int dir, uint64_t now, const uint8_t *buf,
    size_t len, const struct sockaddr *from, socklen_t fromlen)
{
	const struct impair_dir	*d = &im->dir[dir];

	if (fromlen > sizeof(struct sockaddr_storage))
		fromlen = sizeof(struct sockaddr_storage);
	im->st[dir].in++;
	if (d->blackhole || (d->mtu != 0 && len > d->mtu) ||
	    impair_chance(im, d->loss)) {
		im->st[dir].dropped++;
		return;
	}
	impair_enqueue(im, dir, now, buf, len, from, fromlen);
	if (impair_chance(im, d->dup)) {
		im->st[dir].duplicated++;
		impair_enqueue(im, dir, now, buf, len, from, fromlen);
	}
}

/* Datagrams in dir seem to come from sa from now on. */
void
impair_rebind(struct impair *im, int dir, const struct sockaddr *sa,
    socklen_t len)
{
	if (sa == NULL || len > sizeof im->rebind[dir]) {
		im->rebindlen[dir] = 0;
		return;
	}
	memcpy(&im->rebind[dir], sa, len);
	im->rebindlen[dir] = len;
}

/* When the next datagram is due. */
uint64_t
impair_next(const struct impair *im)
{
	return im->n > 0 ? im->heap[0].due : UINT64_MAX;
}

/* Datagrams queued. */
size_t
impair_queued(const struct impair *im)
{
	return im->n;
}

/* The next due datagram. */
int
impair_pop(struct impair *im, uint64_t now, struct impair_pkt *out)
{
	struct ipkt	top, tmp;
	size_t		i, l, r, m;

	if (im->n == 0 || im->heap[0].due > now)
		return 0;
	top = im->heap[0];
	im->heap[0] = im->heap[--im->n];
	for (i = 0;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < im->n && impair_before(&im->heap[l], &im->heap[m]))
			m = l;
		if (r < im->n && impair_before(&im->heap[r], &im->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = im->heap[i];
		im->heap[i] = im->heap[m];
		im->heap[m] = tmp;
		i = m;
	}
	free(im->out);
	im->out = top.data;
	im->outfrom = top.from;
	im->st[top.dir].out++;
	out->dir = top.dir;
	out->data = im->out;
	out->len = top.len;
	out->from = (const struct sockaddr *)&im->outfrom;
	out->fromlen = top.fromlen;
	return 1;
}

/* Counters of one direction. */
const struct impair_stats *
impair_stats(const struct impair *im, int dir)
{
	return &im->st[dir];
}
