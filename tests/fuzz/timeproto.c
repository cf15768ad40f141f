/*
 * Fuzz target for lib/time/timeproto.c: any bytes through the request and
 * reply decoders; whatever decodes must re-encode to a datagram that
 * decodes the same, and every pointer must stay inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "time/timeproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_request	req, req2;
	struct tp_reply		rep, rep2;
	uint8_t			buf[70000];
	size_t			len;

	if (tp_request_decode(data, size, &req) == TP_OK) {
		if (req.zone < (const char *)data ||
		    req.format + req.format_len > (const char *)data + size)
			abort();
		len = tp_request_encode(buf, sizeof buf, &req, 0);
		if (len == 0 || tp_request_decode(buf, len, &req2) != TP_OK ||
		    req2.nonce != req.nonce ||
		    req2.format_len != req.format_len ||
		    memcmp(req2.format, req.format, req.format_len) != 0)
			abort();
	}
	if (tp_reply_decode(data, size, &rep) == TP_OK) {
		if (rep.text_len > 0 && rep.text + rep.text_len !=
		    (const char *)data + size)
			abort();
		len = tp_reply_encode(buf, sizeof buf, &rep);
		if (len != size || tp_reply_decode(buf, len, &rep2) != TP_OK ||
		    rep2.nonce != rep.nonce || rep2.info != rep.info)
			abort();
	}
	(void)tp_is_reply(data, size);
	return 0;
}
