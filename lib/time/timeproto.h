/*
 * timeproto.h: the wire format of the strftime time service (timed, port
 * 9000/udp).  docs/PROTOCOL.md is the prose specification.
 *
 * Seed form: the datagram's bytes are a UTF-8 strftime(3) format; the reply
 * is the formatted local time, bare.  An empty datagram means "%Y-%m-%d %X".
 *
 * Extended form, marked by a leading zero byte (which the seed form would
 * read as an empty format, so no seed client sends one).  All integers are
 * big-endian.
 *
 * Request:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |   marker (0)  |  version (1)  |   flags (0)   |  zone length  |
 *  +---------------+---------------+---------------+---------------+
 *  |                                                               |
 *  +                     nonce (64 bits, echoed)                   +
 *  |                                                               |
 *  +---------------+---------------+-------------------------------+
 *  |         format length         |  zone (IANA name, no NUL) ... |
 *  +-------------------------------+-------------------------------+
 *  |  format (UTF-8 strftime) ...  |  padding (zero bytes) ...     |
 *  +-------------------------------+-------------------------------+
 *
 * Reply:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |   marker (0)  |   0x80 | 1    |    status     |  reserved (0) |
 *  +---------------+---------------+---------------+---------------+
 *  |                     nonce (64 bits, echoed)                   |
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |              seconds since 1970-01-01 UTC (signed 64)         |
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       nanoseconds (32)                        |
 *  +-------------------------------+-------------------------------+
 *  |     info (see below)          |  text (UTF-8) ...             |
 *  +-------------------------------+-------------------------------+
 *
 * A reply's second byte is the version with the high bit set, so a reply
 * can never be taken for a request: a server drops any datagram whose
 * second byte has that bit (two servers cannot be made to answer each
 * other's replies for ever).
 *
 * info is the text length for TP_OK; for TP_TOO_LONG it is the output
 * length the format needs (0 if more than the server will ever send), so
 * the client can pad its request and ask again; otherwise 0.
 *
 * No reply is larger than three times the request's wire size (payload
 * plus 28 bytes of IPv4 and UDP headers): see tp_reply_limit().
 */
#ifndef TIMEPROTO_H
#define TIMEPROTO_H

#include <stddef.h>
#include <stdint.h>

#define TP_VERSION		1
#define TP_REPLY_BIT		0x80	/* set in a reply's version byte */
#define TP_REQ_HDRLEN		14
#define TP_REP_HDRLEN		26
#define TP_ZONE_MAX		64
#define TP_DEFAULT_FORMAT	"%Y-%m-%d %X"
#define TP_WIRE_OVERHEAD	28	/* IPv4 + UDP headers */
#define TP_AMPLIFICATION	3

enum tp_status {
	TP_OK = 0,
	TP_BAD_REQUEST = 1,	/* malformed, invalid UTF-8, bad format */
	TP_TOO_LONG = 2,	/* output exceeds what may be sent */
	TP_UNKNOWN_ZONE = 3,	/* not a zone in the zoneinfo database */
	TP_RATE_LIMITED = 4,	/* slow down */
	TP_BAD_VERSION = 5,	/* version unknown; reply carries ours */
};

struct tp_request {
	uint8_t		 version;
	uint8_t		 flags;
	uint64_t	 nonce;
	const char	*zone;		/* points into the datagram */
	size_t		 zone_len;
	const char	*format;	/* points into the datagram */
	size_t		 format_len;
};

struct tp_reply {
	uint8_t		 version;
	uint8_t		 status;
	uint64_t	 nonce;
	int64_t		 sec;
	uint32_t	 nsec;
	uint16_t	 info;
	const char	*text;		/* points into the datagram */
	size_t		 text_len;
};

/* Is this datagram in the extended form? */
int		 tp_is_extended(const uint8_t *buf, size_t len);
/* Is this datagram an extended-form reply (never to be answered)? */
int		 tp_is_reply(const uint8_t *buf, size_t len);
/*
 * Decode an extended request.  Returns TP_OK, TP_BAD_VERSION (req->nonce
 * is valid, nothing else) or TP_BAD_REQUEST (nothing is valid).
 */
enum tp_status	 tp_request_decode(const uint8_t *buf, size_t len,
		    struct tp_request *req);
/* Encode a request padded to at least pad_to bytes; its length or 0. */
size_t		 tp_request_encode(uint8_t *buf, size_t cap,
		    const struct tp_request *req, size_t pad_to);
/*
 * The nonce of a datagram in the extended form, if it is long enough to
 * carry one (even when the rest is malformed, so an error reply can echo
 * it): 1 and *nonce set, or 0.
 */
int		 tp_request_nonce(const uint8_t *buf, size_t len,
		    uint64_t *nonce);
/* Encode a reply (text may be NULL with text_len 0); its length or 0. */
size_t		 tp_reply_encode(uint8_t *buf, size_t cap,
		    const struct tp_reply *rep);
/*
 * Encode the header of a reply whose text_len bytes of text the caller
 * has already written at buf + TP_REP_HDRLEN (so the text is rendered in
 * place, not copied); rep->text is ignored.  Its whole length or 0.
 */
size_t		 tp_reply_encode_header(uint8_t *buf, size_t cap,
		    const struct tp_reply *rep, size_t text_len);
/* Decode a reply; TP_OK or TP_BAD_REQUEST if it is malformed. */
enum tp_status	 tp_reply_decode(const uint8_t *buf, size_t len,
		    struct tp_reply *rep);
/* The largest reply payload allowed for a request of req_len bytes. */
size_t		 tp_reply_limit(size_t req_len);
/* A status as a short English phrase. */
const char	*tp_status_str(unsigned int status);

#endif
