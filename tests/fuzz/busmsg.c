/*
 * busmsg.c: libFuzzer target for chatd/busmsg.c, the decoder of the
 * payloads chatd nodes send each other over NATS: never reads out of
 * bounds; a payload it accepts has a node name in the allowed set, its
 * data within the buffer and within BM_DATA_MAX, and encodes back to the
 * same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chatd/busmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	buf[BM_MAX];
	struct busmsg	m;

	if (busmsg_decode(data, size, &m) != BME_NONE)
		return 0;
	if (!busmsg_node_ok(m.node, strlen(m.node)))
		abort();
	if (m.kind == BM_USER && (m.len > BM_DATA_MAX || m.uid == 0 ||
	    m.data < data || m.data + m.len != data + size))
		abort();
	if (m.kind == BM_SESS && (m.len > BM_DATA_MAX || m.sid == 0 ||
	    m.seq == 0 || m.op < BMO_OPEN || m.op > BMO_MAX ||
	    (m.len > 0 && (m.data < data || m.data + m.len != data + size))))
		abort();
	if (m.flags != 0 && (m.kind != BM_BEAT || m.flags != BM_F_CORE))
		abort();
	if (m.kind == BM_BATCH) {
		/* Its entries, each a SESS from its node, build it again. */
		static uint8_t	 out[BM_HDR + BM_NODE_MAX + BM_BATCH_MAX];
		static uint8_t	 one[BM_MAX];
		struct busmsg	 e;
		size_t		 off = 0, n, k;

		n = busmsg_batch_start(out, sizeof out, m.node);
		while (busmsg_batch_next(&m, &off, &e)) {
			if (e.kind != BM_SESS || strcmp(e.node, m.node) != 0 ||
			    (k = busmsg_encode(one, sizeof one, &e)) == 0 ||
			    (n = busmsg_batch_add(out, sizeof out, n, one,
			    k)) == 0)
				abort();
		}
		if (off != m.len || busmsg_batch_end(out, n) != size ||
		    memcmp(out, data, size) != 0)
			abort();
		return 0;
	}
	if (busmsg_len(&m) != size ||
	    busmsg_encode(buf, sizeof buf, &m) != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	return 0;
}
