/* sessproto.c: encoding and decoding of session packets and frames. */
#include <stdint.h>
#include <string.h>

#include "sess/sessproto.h"
#include "base/wire.h"

/* The packet type of a datagram, or -1 if it is empty or its version bad. */
int
sp_type(const uint8_t *p, size_t len)
{
	if (len < 2)
		return -1;
	switch (p[0]) {
	case SP_T_HELLO:
	case SP_T_COOKIE:
	case SP_T_ACCEPT:
		if (p[1] != SP_VERSION)
			return -1;
		return p[0];
	case SP_T_DATA:
		return p[0];
	default:
		return -1;
	}
}

/* Write a HELLO, padded to its fixed length. */
size_t
sp_hello_encode(uint8_t buf[SP_HELLO_LEN], const struct sp_hello *h)
{
	memset(buf, 0, SP_HELLO_LEN);
	buf[0] = SP_T_HELLO;
	buf[1] = SP_VERSION;
	buf[2] = h->flags & (SP_HELLO_COOKIE | SP_HELLO_AESGCM);
	wire_put64(buf + 4, h->ccid);
	memcpy(buf + 12, h->epk, SP_PK_LEN);
	if (h->flags & SP_HELLO_COOKIE)
		memcpy(buf + 44, h->cookie, SP_MAC_LEN);
	return SP_HELLO_LEN;
}

/* Read a HELLO: exact length, known flags, zero reserved and padding. */
int
sp_hello_decode(const uint8_t *p, size_t len, struct sp_hello *h)
{
	size_t	i;

	if (len != SP_HELLO_LEN || p[0] != SP_T_HELLO || p[1] != SP_VERSION)
		return -1;
	if ((p[2] & ~(SP_HELLO_COOKIE | SP_HELLO_AESGCM)) != 0 || p[3] != 0)
		return -1;
	for (i = 60; i < SP_HELLO_LEN; i++)
		if (p[i] != 0)
			return -1;
	h->flags = p[2];
	h->ccid = wire_get64(p + 4);
	memcpy(h->epk, p + 12, SP_PK_LEN);
	memcpy(h->cookie, p + 44, SP_MAC_LEN);
	if (!(h->flags & SP_HELLO_COOKIE)) {
		for (i = 0; i < SP_MAC_LEN; i++)
			if (h->cookie[i] != 0)
				return -1;
	}
	return 0;
}

/* Write a COOKIE. */
size_t
sp_cookie_encode(uint8_t buf[SP_COOKIE_LEN], const struct sp_cookie *c)
{
	buf[0] = SP_T_COOKIE;
	buf[1] = SP_VERSION;
	buf[2] = buf[3] = 0;
	wire_put64(buf + 4, c->ccid);
	memcpy(buf + 12, c->cookie, SP_MAC_LEN);
	memcpy(buf + 28, c->spk, SP_PK_LEN);
	return SP_COOKIE_LEN;
}

/* Read a COOKIE. */
int
sp_cookie_decode(const uint8_t *p, size_t len, struct sp_cookie *c)
{
	if (len != SP_COOKIE_LEN || p[0] != SP_T_COOKIE ||
	    p[1] != SP_VERSION || p[2] != 0 || p[3] != 0)
		return -1;
	c->ccid = wire_get64(p + 4);
	memcpy(c->cookie, p + 12, SP_MAC_LEN);
	memcpy(c->spk, p + 28, SP_PK_LEN);
	return 0;
}

/* Write an ACCEPT; the tag must already be in a. */
size_t
sp_accept_encode(uint8_t buf[SP_ACCEPT_LEN], const struct sp_accept *a)
{
	buf[0] = SP_T_ACCEPT;
	buf[1] = SP_VERSION;
	buf[2] = a->flags & SP_ACCEPT_AESGCM;
	buf[3] = 0;
	wire_put64(buf + 4, a->ccid);
	wire_put64(buf + 12, a->scid);
	memcpy(buf + 20, a->epk, SP_PK_LEN);
	memcpy(buf + SP_ACCEPT_AD, a->tag, SP_TAG_LEN);
	return SP_ACCEPT_LEN;
}

/* Read an ACCEPT (the tag is checked by the caller, who has the key). */
int
sp_accept_decode(const uint8_t *p, size_t len, struct sp_accept *a)
{
	if (len != SP_ACCEPT_LEN || p[0] != SP_T_ACCEPT ||
	    p[1] != SP_VERSION || (p[2] & ~SP_ACCEPT_AESGCM) != 0 || p[3] != 0)
		return -1;
	a->flags = p[2];
	a->ccid = wire_get64(p + 4);
	a->scid = wire_get64(p + 12);
	memcpy(a->epk, p + 20, SP_PK_LEN);
	memcpy(a->tag, p + SP_ACCEPT_AD, SP_TAG_LEN);
	return 0;
}

/* Write a DATA header. */
size_t
sp_hdr_encode(uint8_t buf[SP_HDR_LEN], const struct sp_hdr *h)
{
	buf[0] = SP_T_DATA;
	buf[1] = h->epoch;
	wire_put64(buf + 2, h->dcid);
	wire_put64(buf + 10, h->counter);
	return SP_HDR_LEN;
}

/* Read a DATA header; len is the whole datagram (room for a tag needed). */
int
sp_hdr_decode(const uint8_t *p, size_t len, struct sp_hdr *h)
{
	if (len < SP_HDR_LEN + SP_TAG_LEN || len > SP_MAX_DGRAM ||
	    p[0] != SP_T_DATA)
		return -1;
	h->epoch = p[1];
	h->dcid = wire_get64(p + 2);
	h->counter = wire_get64(p + 10);
	return 0;
}

/* The encoded length of an ACK frame. */
size_t
sp_ack_len(const struct sp_ack *a)
{
	return 6 + 8 * (size_t)a->nsack;
}

/* Append an ACK frame. */
size_t
sp_ack_encode(uint8_t *p, const struct sp_ack *a)
{
	unsigned int	i;

	p[0] = SP_F_ACK;
	wire_put32(p + 1, a->next);
	p[5] = (uint8_t)a->nsack;
	for (i = 0; i < a->nsack; i++) {
		wire_put32(p + 6 + 8 * i, a->sack[i].start);
		wire_put32(p + 10 + 8 * i, a->sack[i].end);
	}
	return sp_ack_len(a);
}

/* Append a FRAG frame and its bytes. */
size_t
sp_frag_encode(uint8_t *p, const struct sp_frag *f)
{
	p[0] = SP_F_FRAG;
	p[1] = f->flags;
	wire_put32(p + 2, f->seq);
	wire_put32(p + 6, f->total);
	wire_put16(p + 10, f->len);
	memcpy(p + SP_FRAG_HDR, f->data, f->len);
	return SP_FRAG_HDR + (size_t)f->len;
}

/* Append a PING frame. */
size_t
sp_ping_encode(uint8_t *p)
{
	p[0] = SP_F_PING;
	return 1;
}

/* Append an ACKNOW frame. */
size_t
sp_acknow_encode(uint8_t *p)
{
	p[0] = SP_F_ACKNOW;
	return 1;
}

/* Append a CLOSE frame. */
size_t
sp_close_encode(uint8_t *p, uint8_t reason)
{
	p[0] = SP_F_CLOSE;
	p[1] = reason;
	return 2;
}

/* Append a CHALLENGE or RESPONSE frame. */
size_t
sp_path_encode(uint8_t *p, enum sp_frame type,
    const uint8_t data[SP_PATH_LEN])
{
	p[0] = (uint8_t)type;
	memcpy(p + 1, data, SP_PATH_LEN);
	return SP_PATH_FRAME;
}

/* Decode one ACK frame's body at p, rest bytes available. */
static int
sp_ack_decode(const uint8_t *p, size_t rest, struct sp_ack *a, size_t *used)
{
	unsigned int	i;

	if (rest < 6)
		return -1;
	a->next = wire_get32(p + 1);
	a->nsack = p[5];
	if (a->nsack > SP_MAX_SACK || rest < 6 + 8 * (size_t)a->nsack)
		return -1;
	for (i = 0; i < a->nsack; i++) {
		a->sack[i].start = wire_get32(p + 6 + 8 * i);
		a->sack[i].end = wire_get32(p + 10 + 8 * i);
		/* A block is non-empty and no wider than the window. */
		if (a->sack[i].end - a->sack[i].start - 1 >= SP_WINDOW)
			return -1;
	}
	*used = 6 + 8 * (size_t)a->nsack;
	return 0;
}

/* Decode one FRAG frame at p. */
static int
sp_frag_decode(const uint8_t *p, size_t rest, struct sp_frag *f,
    size_t *used)
{
	if (rest < SP_FRAG_HDR)
		return -1;
	f->flags = p[1];
	f->seq = wire_get32(p + 2);
	f->total = wire_get32(p + 6);
	f->len = wire_get16(p + 10);
	if ((f->flags & ~(SP_FRAG_FIRST | SP_FRAG_LAST)) != 0)
		return -1;
	if (f->len == 0 || f->len > SP_FRAG_MAX ||
	    rest < SP_FRAG_HDR + (size_t)f->len)
		return -1;
	if (f->total == 0 || f->total > SP_MSG_MAX || f->len > f->total)
		return -1;
	f->data = p + SP_FRAG_HDR;
	*used = SP_FRAG_HDR + (size_t)f->len;
	return 0;
}

/* Decode the frame at *off and advance: 1 frame, 0 end, -1 malformed. */
int
sp_frame_next(const uint8_t *buf, size_t len, size_t *off,
    struct sp_frameval *fv)
{
	const uint8_t	*p;
	size_t		 rest, used = 1;

	if (*off >= len)
		return 0;
	p = buf + *off;
	rest = len - *off;
	fv->type = (enum sp_frame)p[0];
	switch (p[0]) {
	case SP_F_PAD:
	case SP_F_PING:
	case SP_F_ACKNOW:
		break;
	case SP_F_ACK:
		if (sp_ack_decode(p, rest, &fv->ack, &used) == -1)
			return -1;
		break;
	case SP_F_FRAG:
		if (sp_frag_decode(p, rest, &fv->frag, &used) == -1)
			return -1;
		break;
	case SP_F_CLOSE:
		if (rest < 2)
			return -1;
		fv->reason = p[1];
		used = 2;
		break;
	case SP_F_CHALLENGE:
	case SP_F_RESPONSE:
		if (rest < SP_PATH_FRAME)
			return -1;
		memcpy(fv->path, p + 1, SP_PATH_LEN);
		used = SP_PATH_FRAME;
		break;
	default:
		return -1;
	}
	*off += used;
	return 1;
}
