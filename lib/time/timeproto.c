/* timeproto.c: encoding and decoding of the time service's datagrams. */
#include <string.h>

#include "time/timeproto.h"
#include "base/wire.h"

int
tp_is_extended(const uint8_t *buf, size_t len)
{
	return len > 0 && buf[0] == 0;
}

int
tp_is_reply(const uint8_t *buf, size_t len)
{
	return len > 1 && buf[0] == 0 && (buf[1] & TP_REPLY_BIT) != 0;
}

enum tp_status
tp_request_decode(const uint8_t *buf, size_t len, struct tp_request *req)
{
	size_t	zlen, flen;

	memset(req, 0, sizeof *req);
	if (len < TP_REQ_HDRLEN || buf[0] != 0)
		return TP_BAD_REQUEST;
	req->version = buf[1];
	req->flags = buf[2];
	req->nonce = wire_get64(buf + 4);
	if (req->version != TP_VERSION)
		return TP_BAD_VERSION;
	zlen = buf[3];
	flen = wire_get16(buf + 12);
	if (zlen > TP_ZONE_MAX || TP_REQ_HDRLEN + zlen + flen > len)
		return TP_BAD_REQUEST;
	req->zone = (const char *)buf + TP_REQ_HDRLEN;
	req->zone_len = zlen;
	req->format = req->zone + zlen;
	req->format_len = flen;
	return TP_OK;
}

size_t
tp_request_encode(uint8_t *buf, size_t cap, const struct tp_request *req,
    size_t pad_to)
{
	size_t	len = TP_REQ_HDRLEN + req->zone_len + req->format_len;

	if (req->zone_len > TP_ZONE_MAX || req->format_len > 0xffff)
		return 0;
	if (len < pad_to)
		len = pad_to;
	if (len > cap)
		return 0;
	memset(buf, 0, len);
	buf[1] = req->version;
	buf[2] = req->flags;
	buf[3] = (uint8_t)req->zone_len;
	wire_put64(buf + 4, req->nonce);
	wire_put16(buf + 12, (uint16_t)req->format_len);
	if (req->zone_len > 0)
		memcpy(buf + TP_REQ_HDRLEN, req->zone, req->zone_len);
	if (req->format_len > 0)
		memcpy(buf + TP_REQ_HDRLEN + req->zone_len, req->format,
		    req->format_len);
	return len;
}

int
tp_request_nonce(const uint8_t *buf, size_t len, uint64_t *nonce)
{
	/* The nonce is bytes 4 to 11 of the header. */
	if (!tp_is_extended(buf, len) || len < 12)
		return 0;
	*nonce = wire_get64(buf + 4);
	return 1;
}

size_t
tp_reply_encode_header(uint8_t *buf, size_t cap, const struct tp_reply *rep,
    size_t text_len)
{
	size_t	len = TP_REP_HDRLEN + text_len;

	if (len > cap || text_len > 0xffff)
		return 0;
	buf[0] = 0;
	buf[1] = rep->version | TP_REPLY_BIT;
	buf[2] = rep->status;
	buf[3] = 0;
	wire_put64(buf + 4, rep->nonce);
	wire_put64(buf + 12, (uint64_t)rep->sec);
	wire_put32(buf + 20, rep->nsec);
	wire_put16(buf + 24, rep->status == TP_OK ?
	    (uint16_t)text_len : rep->info);
	return len;
}

size_t
tp_reply_encode(uint8_t *buf, size_t cap, const struct tp_reply *rep)
{
	size_t	len;

	if ((len = tp_reply_encode_header(buf, cap, rep, rep->text_len)) == 0)
		return 0;
	if (rep->text_len > 0)
		memcpy(buf + TP_REP_HDRLEN, rep->text, rep->text_len);
	return len;
}

enum tp_status
tp_reply_decode(const uint8_t *buf, size_t len, struct tp_reply *rep)
{
	memset(rep, 0, sizeof *rep);
	if (len < TP_REP_HDRLEN || buf[0] != 0 || buf[3] != 0)
		return TP_BAD_REQUEST;
	if ((buf[1] & TP_REPLY_BIT) == 0)
		return TP_BAD_REQUEST;
	rep->version = buf[1] & (uint8_t)~TP_REPLY_BIT;
	rep->status = buf[2];
	rep->nonce = wire_get64(buf + 4);
	rep->sec = (int64_t)wire_get64(buf + 12);
	rep->nsec = wire_get32(buf + 20);
	rep->info = wire_get16(buf + 24);
	if (rep->nsec >= 1000000000u)
		return TP_BAD_REQUEST;
	if (rep->status == TP_OK) {
		if ((size_t)TP_REP_HDRLEN + rep->info != len)
			return TP_BAD_REQUEST;
		rep->text = (const char *)buf + TP_REP_HDRLEN;
		rep->text_len = rep->info;
	} else if (len != TP_REP_HDRLEN)
		return TP_BAD_REQUEST;
	return TP_OK;
}

size_t
tp_reply_limit(size_t req_len)
{
	return TP_AMPLIFICATION * (req_len + TP_WIRE_OVERHEAD);
}

const char *
tp_status_str(unsigned int status)
{
	switch (status) {
	case TP_OK:
		return "ok";
	case TP_BAD_REQUEST:
		return "bad request";
	case TP_TOO_LONG:
		return "output too long";
	case TP_UNKNOWN_ZONE:
		return "unknown time zone";
	case TP_RATE_LIMITED:
		return "rate limited";
	case TP_BAD_VERSION:
		return "unsupported protocol version";
	}
	return "unknown status";
}
