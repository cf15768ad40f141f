/*
 * Fuzz target for lib/time/ntpproto.c: the server-side request check, the
 * header decoder and the timestamp conversions must accept any bytes
 * without reading past them, and whatever passes the check must decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "time/ntpproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntp_packet	p;
	struct timespec		t;
	uint8_t			out[NTP_PKT_LEN];
	enum ntp_check		c;
	char			buf[32];
	int64_t			pivot = 0;

	c = ntpproto_check_request(data, size);
	(void)ntpproto_check_str(c);
	if (ntpproto_decode(data, size, &p) == 0) {
		if (c == NTP_OK && (p.mode != 3 || p.version < 1 ||
		    p.version > 4))
			abort();
		if (ntpproto_encode(out, sizeof out, &p) != NTP_PKT_LEN ||
		    memcmp(out, data, NTP_PKT_LEN) != 0)
			abort();
		(void)ntpproto_refid_str(p.refid, p.stratum, buf, sizeof buf);
		memcpy(&pivot, data + 16, sizeof pivot);
		pivot %= (int64_t)1 << 40;
		ntpproto_to_timespec(p.xmt, pivot, &t);
		if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000L)
			abort();
		(void)ntpproto_diff(p.org, p.rec);
	} else if (c != NTP_SHORT) {
		abort();
	}
	return 0;
}
