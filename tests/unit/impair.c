/*
 * impair.c: the impairment layer does what it is configured to, and the
 * same seed always gives the same result.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/impair.h"

#define N	20000

static struct sockaddr_in	src = { .sin_family = AF_INET };

/* Send N numbered datagrams at once and pop them all; a fingerprint. */
static uint64_t
run(struct impair *im, int dir, uint64_t *count, unsigned int *misorder,
    unsigned int *damaged)
{
	struct impair_pkt	p;
	uint8_t			b[8];
	uint64_t		h = 1469598103934665603u;
	uint32_t		i, last = 0, v;
	size_t			j;

	for (i = 0; i < N; i++) {
		memset(b, 0, sizeof b);
		memcpy(b, &i, sizeof i);
		impair_submit(im, dir, i * 1000, b, sizeof b,
		    (struct sockaddr *)&src, sizeof src);
	}
	*count = 0;
	*misorder = *damaged = 0;
	while (impair_pop(im, UINT64_MAX, &p)) {
		memcpy(&v, p.data, sizeof v);
		if (p.data[4] | p.data[5] | p.data[6] | p.data[7] ||
		    v >= N) {
			(*damaged)++;
		} else {
			if (v < last)
				(*misorder)++;
			last = v;
		}
		for (j = 0; j < p.len; j++)
			h = (h ^ p.data[j]) * 1099511628211u;
		(*count)++;
	}
	return h;
}

static void
test_seeded_and_deterministic(void **state)
{
	struct impair_conf	c;
	struct impair		*a, *b;
	uint64_t		na, nb;
	unsigned int		mo, dm;

	memset(&c, 0, sizeof c);
	c.seed = 1234;
	c.dir[0] = (struct impair_dir){ .loss = 0.2, .dup = 0.05,
	    .reorder = 0.1, .corrupt = 0.01, .delay_ns = 5000,
	    .jitter_ns = 3000, .reorder_ns = 50000 };
	a = impair_new(&c);
	b = impair_new(&c);
	assert_true(run(a, 0, &na, &mo, &dm) == run(b, 0, &nb, &mo, &dm));
	assert_true(na == nb);
	impair_free(a);
	impair_free(b);
	c.seed = 1235;
	a = impair_new(&c);
	b = impair_new(&c);
	c.seed = 1234;
	impair_free(b);
	b = impair_new(&c);
	assert_true(run(a, 0, &na, &mo, &dm) != run(b, 0, &nb, &mo, &dm));
	impair_free(a);
	impair_free(b);
}

static void
test_rates(void **state)
{
	struct impair_conf		 c;
	struct impair			*im;
	const struct impair_stats	*st;
	uint64_t			 n;
	unsigned int			 mo, dm;

	memset(&c, 0, sizeof c);
	c.seed = 77;
	c.dir[1] = (struct impair_dir){ .loss = 0.2, .dup = 0.05,
	    .reorder = 0.1, .corrupt = 0.01, .delay_ns = 5000,
	    .reorder_ns = 50000 };
	im = impair_new(&c);
	run(im, 1, &n, &mo, &dm);
	st = impair_stats(im, 1);
	/* Within a few standard deviations of what was asked for. */
	assert_true(st->dropped > N * 0.18 && st->dropped < N * 0.22);
	assert_true(st->duplicated > N * 0.8 * 0.04 &&
	    st->duplicated < N * 0.8 * 0.06);
	assert_true(st->corrupted > 0 && dm > 0 && dm <= st->corrupted);
	assert_true(mo > 0);
	assert_int_equal(n, st->in - st->dropped + st->duplicated);
	assert_int_equal(st->out, n);
	/* Direction 0 was untouched. */
	assert_int_equal(impair_stats(im, 0)->in, 0);
	impair_free(im);
}

static void
test_fifo_without_reorder(void **state)
{
	struct impair_conf	c;
	struct impair		*im;
	uint64_t		n;
	unsigned int		mo, dm;

	/* Jitter alone never reorders: a link is first in, first out. */
	memset(&c, 0, sizeof c);
	c.seed = 3;
	c.dir[0] = (struct impair_dir){ .delay_ns = 1000,
	    .jitter_ns = 100000 };
	im = impair_new(&c);
	run(im, 0, &n, &mo, &dm);
	assert_int_equal(n, N);
	assert_int_equal(mo, 0);
	assert_int_equal(dm, 0);
	impair_free(im);
}

static void
test_delay_blackhole_rebind(void **state)
{
	struct impair_conf	 c;
	struct impair		*im;
	struct impair_pkt	 p;
	struct impair_dir	 d;
	struct sockaddr_in	 moved = { .sin_family = AF_INET,
				    .sin_port = 4242 };
	uint8_t			 b = 1;

	memset(&c, 0, sizeof c);
	c.dir[0].delay_ns = 100;
	im = impair_new(&c);
	impair_submit(im, 0, 1000, &b, 1, (struct sockaddr *)&src,
	    sizeof src);
	assert_int_equal(impair_next(im), 1100);
	assert_int_equal(impair_pop(im, 1099, &p), 0);
	assert_int_equal(impair_pop(im, 1100, &p), 1);
	assert_memory_equal(p.from, &src, sizeof src);
	/* An address change shows on later datagrams. */
	impair_rebind(im, 0, (struct sockaddr *)&moved, sizeof moved);
	impair_submit(im, 0, 2000, &b, 1, (struct sockaddr *)&src,
	    sizeof src);
	assert_int_equal(impair_pop(im, 5000, &p), 1);
	assert_memory_equal(p.from, &moved, sizeof moved);
	/* A black hole takes everything. */
	d = c.dir[0];
	d.blackhole = 1;
	impair_set(im, 0, &d);
	impair_submit(im, 0, 3000, &b, 1, (struct sockaddr *)&src,
	    sizeof src);
	assert_int_equal(impair_queued(im), 0);
	assert_true(impair_next(im) == UINT64_MAX);
	impair_free(im);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeded_and_deterministic),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_fifo_without_reorder),
		cmocka_unit_test(test_delay_blackhole_rebind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
