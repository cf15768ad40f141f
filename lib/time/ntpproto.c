/* ntpproto.c: the NTP header, extension-field walk and NTP time. */
#include <stdio.h>
#include <string.h>

#include "time/ntpproto.h"
#include "base/wire.h"

int
ntpproto_decode(const uint8_t *buf, size_t len, struct ntp_packet *p)
{
	if (len < NTP_PKT_LEN)
		return -1;
	p->leap = buf[0] >> 6;
	p->version = (buf[0] >> 3) & 7;
	p->mode = buf[0] & 7;
	p->stratum = buf[1];
	p->poll = (int8_t)buf[2];
	p->precision = (int8_t)buf[3];
	p->root_delay = wire_get32(buf + 4);
	p->root_disp = wire_get32(buf + 8);
	p->refid = wire_get32(buf + 12);
	p->ref = ntpproto_get_ts(buf + NTP_OFF_REF);
	p->org = ntpproto_get_ts(buf + NTP_OFF_ORG);
	p->rec = ntpproto_get_ts(buf + NTP_OFF_REC);
	p->xmt = ntpproto_get_ts(buf + NTP_OFF_XMT);
	return 0;
}

size_t
ntpproto_encode(uint8_t *buf, size_t cap, const struct ntp_packet *p)
{
	if (cap < NTP_PKT_LEN)
		return 0;
	buf[0] = (uint8_t)((p->leap & 3) << 6 | (p->version & 7) << 3 |
	    (p->mode & 7));
	buf[1] = p->stratum;
	buf[2] = (uint8_t)p->poll;
	buf[3] = (uint8_t)p->precision;
	wire_put32(buf + 4, p->root_delay);
	wire_put32(buf + 8, p->root_disp);
	wire_put32(buf + 12, p->refid);
	ntpproto_put_ts(buf + NTP_OFF_REF, p->ref);
	ntpproto_put_ts(buf + NTP_OFF_ORG, p->org);
	ntpproto_put_ts(buf + NTP_OFF_REC, p->rec);
	ntpproto_put_ts(buf + NTP_OFF_XMT, p->xmt);
	return NTP_PKT_LEN;
}

/*
 * Walk what follows the header.  A trailer of 4 bytes is a crypto-NAK, one
 * of 20 or 24 bytes a MAC (RFC 7822 keeps extension fields out of that
 * size range at the end of a packet); anything else must be whole
 * extension fields (NTPv4 only), each at least 16 bytes and a multiple of
 * 4, possibly followed by a MAC.
 */
enum ntp_check
ntpproto_check_request(const uint8_t *buf, size_t len)
{
	size_t	off, rest, eflen;
	int	version, mode;

	if (len < NTP_PKT_LEN)
		return NTP_SHORT;
	version = (buf[0] >> 3) & 7;
	mode = buf[0] & 7;
	if (version < NTP_VERSION_MIN || version > NTP_VERSION)
		return NTP_BAD_VERSION;
	if (mode != NTP_MODE_CLIENT)
		return NTP_BAD_MODE;
	off = NTP_PKT_LEN;
	while (off < len) {
		rest = len - off;
		if (rest == NTP_NAK_LEN || rest == NTP_MAC_MIN_LEN ||
		    rest == NTP_MAC_MAX_LEN)
			return NTP_AUTH;
		if (version != 4 || rest < NTP_EF_MIN_LEN)
			return NTP_BAD_EXT;
		eflen = wire_get16(buf + off + 2);
		if (eflen < NTP_EF_MIN_LEN || eflen % 4 != 0 || eflen > rest)
			return NTP_BAD_EXT;
		off += eflen;
	}
	return NTP_OK;
}

const char *
ntpproto_check_str(enum ntp_check c)
{
	switch (c) {
	case NTP_OK:
		return "ok";
	case NTP_SHORT:
		return "shorter than 48 bytes";
	case NTP_BAD_VERSION:
		return "unknown version";
	case NTP_BAD_MODE:
		return "not a client request";
	case NTP_BAD_EXT:
		return "malformed extension fields";
	case NTP_AUTH:
		return "authenticated (no keys configured)";
	}
	return "?";
}

void
ntpproto_put_ts(uint8_t *p, struct ntp_ts ts)
{
	wire_put32(p, ts.sec);
	wire_put32(p + 4, ts.frac);
}

struct ntp_ts
ntpproto_get_ts(const uint8_t *p)
{
	struct ntp_ts	ts;

	ts.sec = wire_get32(p);
	ts.frac = wire_get32(p + 4);
	return ts;
}

struct ntp_ts
ntpproto_from_timespec(const struct timespec *t)
{
	struct ntp_ts	ts;
	uint64_t	ns = (uint64_t)t->tv_nsec;

	/* Modulo 2^32 through unsigned arithmetic: the era is dropped. */
	ts.sec = (uint32_t)((uint64_t)(int64_t)t->tv_sec +
	    (uint64_t)NTP_UNIX_OFFSET);
	if (ns >= 1000000000ULL)
		ns = 999999999ULL;
	ts.frac = (uint32_t)((ns << 32) / 1000000000ULL);
	return ts;
}

void
ntpproto_to_timespec(struct ntp_ts ts, int64_t pivot, struct timespec *t)
{
	uint64_t	pivot_ntp = (uint64_t)pivot + (uint64_t)NTP_UNIX_OFFSET;
	int32_t		d;

	/* The signed distance modulo 2^32 picks the nearest era. */
	d = (int32_t)(ts.sec - (uint32_t)pivot_ntp);
	t->tv_sec = (time_t)(pivot + d);
	t->tv_nsec = (long)(((uint64_t)ts.frac * 1000000000ULL) >> 32);
}

double
ntpproto_diff(struct ntp_ts a, struct ntp_ts b)
{
	int32_t	ds = (int32_t)(b.sec - a.sec);

	return (double)ds + ((double)b.frac - (double)a.frac) / 4294967296.0;
}

uint32_t
ntpproto_short_from(double s)
{
	if (!(s > 0))
		return 0;
	if (s >= 65535.0)
		return 0xffffffffU;
	return (uint32_t)(s * 65536.0 + 0.5);
}

double
ntpproto_short_to(uint32_t v)
{
	return (double)v / 65536.0;
}

uint32_t
ntpproto_refid_code(const char *code)
{
	uint8_t	b[4] = { 0, 0, 0, 0 };
	size_t	i;

	for (i = 0; i < 4 && code[i] != '\0'; i++)
		b[i] = (uint8_t)code[i];
	return wire_get32(b);
}

const char *
ntpproto_refid_str(uint32_t refid, int stratum, char *buf, size_t len)
{
	uint8_t	b[4];
	size_t	i, n = 0;

	wire_put32(b, refid);
	if (stratum <= 1) {
		for (i = 0; i < 4 && b[i] != 0 && n + 1 < len; i++)
			buf[n++] = (b[i] >= 0x20 && b[i] < 0x7f) ?
			    (char)b[i] : '?';
		if (len > 0)
			buf[n < len ? n : len - 1] = '\0';
		return buf;
	}
	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}
