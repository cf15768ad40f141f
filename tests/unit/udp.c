/*
 * udp.c: a send batch with UDP segmentation offload (UDP_GSO) delivers
 * the datagrams it was given, each whole and apart, in order, to the
 * address it was queued for: runs of equal datagrams to one peer ending
 * in a shorter one, runs broken by another peer or by a longer one, and
 * a run longer than one GSO message holds.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/udp.h"

#define BUFSZ	1200
#define NDG	120

/* Datagram i of the test: its length and bytes, and its receiver. */
static size_t
dg_len(unsigned int i)
{
	if (i < 40)
		return 1200;			/* one long run */
	if (i < 60)
		return i % 5 == 4 ? 700 : 1000;	/* runs of 4, a short end */
	if (i < 80)
		return 100 + i;			/* each longer: no run */
	return 1 + (i * 131) % BUFSZ;
}

static int
dg_to(unsigned int i)
{
	return i >= 100 ? (int)(i % 2) : (i / 30) % 2;
}

static void
dg_fill(unsigned int i, uint8_t *b)
{
	size_t	j, n = dg_len(i);

	for (j = 0; j < n; j++)
		b[j] = (uint8_t)(i * 7 + j);
}

/* A socket on 127.0.0.1 and an ephemeral port, and its address. */
static int
lo_sock(struct sockaddr_in *sin)
{
	socklen_t	len = sizeof *sin;
	char		err[128];
	int		fd;

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = udp_bind((struct sockaddr *)sin, sizeof *sin, 0, err, sizeof err);
	assert_true(fd >= 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

static void
test_gso_batch(void **state)
{
	struct udp_batch	*tx, *rx;
	struct sockaddr_in	 to[2];
	struct pollfd		 pfd;
	unsigned int		 i, failed = 0, want[2], got[2] = { 0, 0 };
	uint8_t			 b[BUFSZ];
	int			 r[2], s, k, n;

	r[0] = lo_sock(&to[0]);
	r[1] = lo_sock(&to[1]);
	s = lo_sock(&(struct sockaddr_in){ 0 });
	tx = udp_batch_new(NDG, BUFSZ, UDP_GSO);
	rx = udp_batch_new(NDG, BUFSZ, 0);
	for (i = 0; i < NDG; i++) {
		assert_non_null(udp_slot(tx));
		dg_fill(i, udp_slot(tx));
		udp_commit(tx, dg_len(i), (struct sockaddr *)&to[dg_to(i)],
		    sizeof to[0]);
	}
	assert_int_equal(udp_send(s, tx, &failed), NDG);
	assert_int_equal(failed, 0);
	/* Each receiver: its datagrams, in the order queued. */
	for (k = 0; k < 2; k++) {
		want[k] = 0;
		for (i = 0; i < NDG; i++)
			want[k] += dg_to(i) == k;
		i = 0;
		while (got[k] < want[k]) {
			pfd.fd = r[k];
			pfd.events = POLLIN;
			assert_int_equal(poll(&pfd, 1, 5000), 1);
			n = udp_recv(r[k], rx);
			assert_true(n > 0);
			for (int j = 0; j < n; j++, got[k]++, i++) {
				while (dg_to(i) != k)
					i++;
				assert_false(udp_truncated(rx, (unsigned)j));
				assert_int_equal(udp_len(rx, (unsigned)j),
				    dg_len(i));
				dg_fill(i, b);
				assert_memory_equal(udp_data(rx, (unsigned)j),
				    b, dg_len(i));
			}
		}
		/* And nothing more. */
		assert_int_equal(udp_recv(r[k], rx), 0);
	}
	udp_batch_free(tx);
	udp_batch_free(rx);
	close(r[0]);
	close(r[1]);
	close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gso_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
