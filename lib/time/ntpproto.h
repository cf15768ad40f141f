/*
 * ntpproto.h: the NTP packet (RFC 5905, SNTP RFC 4330) and NTP time.
 *
 * This module owns the 48-byte NTP header, its extension fields and MAC
 * as far as a server must look at them (RFC 7822), and the conversion
 * between Unix time and NTP timestamps, including the NTP era rollover of
 * 2036-02-07.  docs/PROTOCOL.md (section 2) is the prose description.  All
 * integers are big-endian.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Root Delay (16.16 seconds)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Root Dispersion (16.16 seconds)                 |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Reference ID (IPv4 address or 4 ASCII bytes)         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                Reference Timestamp (32.32 seconds)            +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +           Origin Timestamp (the request's Transmit)           +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +           Receive Timestamp (request arrived, server)         +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +           Transmit Timestamp (packet left its sender)         +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  .      Extension fields (NTPv4 only, RFC 7822), optional        .
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  .      MAC: key id (32) + digest (128 or 160), optional         .
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * An extension field:
 *  +-------------------------------+-------------------------------+
 *  |          Field Type           |  Length (bytes, incl. header) |
 *  +-------------------------------+-------------------------------+
 *  .         Value (padded to a multiple of 4; 16 bytes or more)   .
 *  +---------------------------------------------------------------+
 *
 * A timestamp counts seconds since 1900-01-01 00:00 UTC modulo 2^32:
 * era 0 ends 2036-02-07 06:28:16 UTC, when the seconds wrap to 0 and era
 * 1 begins.  A timestamp alone does not say its era; a receiver picks
 * the era that puts it nearest a time it knows (ntpproto_to_timespec).
 */
#ifndef NTPPROTO_H
#define NTPPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NTP_PKT_LEN		48
#define NTP_UNIX_OFFSET		2208988800LL	/* 1900-01-01 to 1970-01-01 */
#define NTP_VERSION_MIN		1
#define NTP_VERSION		4
#define NTP_MAX_STRATUM		15		/* 16 is unsynchronised */
#define NTP_STRATUM_UNSYNC	16
#define NTP_EF_MIN_LEN		16		/* RFC 7822 */
#define NTP_MAC_MIN_LEN		20		/* key id + MD5 */
#define NTP_MAC_MAX_LEN		24		/* key id + SHA-1 */
#define NTP_NAK_LEN		4		/* crypto-NAK: a zero key id */

/* Offsets of the timestamps in the header. */
#define NTP_OFF_REF		16
#define NTP_OFF_ORG		24
#define NTP_OFF_REC		32
#define NTP_OFF_XMT		40

enum ntp_leap {
	NTP_LEAP_NONE = 0,
	NTP_LEAP_INSERT = 1,	/* last minute of the day has 61 seconds */
	NTP_LEAP_DELETE = 2,	/* last minute of the day has 59 seconds */
	NTP_LEAP_UNSYNC = 3,	/* clock not synchronised */
};

enum ntp_mode {
	NTP_MODE_RESERVED = 0,
	NTP_MODE_ACTIVE = 1,	/* symmetric active */
	NTP_MODE_PASSIVE = 2,	/* symmetric passive */
	NTP_MODE_CLIENT = 3,
	NTP_MODE_SERVER = 4,
	NTP_MODE_BROADCAST = 5,
	NTP_MODE_CONTROL = 6,	/* ntpq */
	NTP_MODE_PRIVATE = 7,	/* ntpdc, monlist */
};

/* What a server makes of a datagram (ntpproto_check_request). */
enum ntp_check {
	NTP_OK = 0,		/* a client request to answer */
	NTP_SHORT,		/* shorter than the header */
	NTP_BAD_VERSION,	/* version not 1 to 4 */
	NTP_BAD_MODE,		/* not a client request */
	NTP_BAD_EXT,		/* malformed extension fields or MAC */
	NTP_AUTH,		/* carries a MAC or crypto-NAK: no keys here */
};

/* A 64-bit timestamp: seconds since 1900 modulo 2^32, 2^-32 fractions. */
struct ntp_ts {
	uint32_t	sec;
	uint32_t	frac;
};

/* The header, decoded; root delay and dispersion stay in 16.16 form. */
struct ntp_packet {
	uint8_t		leap;
	uint8_t		version;
	uint8_t		mode;
	uint8_t		stratum;
	int8_t		poll;
	int8_t		precision;
	uint32_t	root_delay;
	uint32_t	root_disp;
	uint32_t	refid;
	struct ntp_ts	ref;
	struct ntp_ts	org;
	struct ntp_ts	rec;
	struct ntp_ts	xmt;
};

/* Decode the header of a datagram of len bytes; 0, or -1 if too short. */
int		ntpproto_decode(const uint8_t *buf, size_t len,
		    struct ntp_packet *);
/* Encode the 48-byte header into buf (cap bytes); NTP_PKT_LEN, or 0. */
size_t		ntpproto_encode(uint8_t *buf, size_t cap,
		    const struct ntp_packet *);
/*
 * May a server answer this datagram?  Checks the length, version and
 * mode, then walks the extension fields and MAC after the header.
 */
enum ntp_check	ntpproto_check_request(const uint8_t *buf, size_t len);
/* Short name of a check result, for logs. */
const char	*ntpproto_check_str(enum ntp_check);

/* Store or load a timestamp at p (8 bytes). */
void		ntpproto_put_ts(uint8_t *p, struct ntp_ts);
struct ntp_ts	ntpproto_get_ts(const uint8_t *p);

/* Unix time to an NTP timestamp (any era; the era is not on the wire). */
struct ntp_ts	ntpproto_from_timespec(const struct timespec *);
/*
 * An NTP timestamp to Unix time, in the era that puts it within 2^31
 * seconds of pivot (a Unix time the caller trusts, e.g. its own clock).
 */
void		ntpproto_to_timespec(struct ntp_ts, int64_t pivot,
		    struct timespec *);
/* Seconds from a to b (b - a), for timestamps less than 68 years apart. */
double		ntpproto_diff(struct ntp_ts a, struct ntp_ts b);

/* Seconds to and from the 16.16 short format (saturating). */
uint32_t	ntpproto_short_from(double seconds);
double		ntpproto_short_to(uint32_t);

/* A 4-character ASCII code ("RATE") as a reference id, and back. */
uint32_t	ntpproto_refid_code(const char *code);
/* Print a refid as a code (stratum 0 or 1) or an IPv4 address. */
const char	*ntpproto_refid_str(uint32_t refid, int stratum, char *buf,
		    size_t len);

#endif
