/*
 * busmsg.c: encode and decode the payloads of the bus between chatd
 * nodes (busmsg.h has the layout).  Every payload is hostile: each length
 * is checked against what is there before a byte is read.
 */
#include <netinet/in.h>
#include <string.h>

#include "busmsg.h"
#include "base/wire.h"

#define BEAT_BODY	20		/* incarnation, sequence, interval */
#define BYE_BODY	8		/* incarnation */
#define USER_HDR	8		/* user id */

static int	busmsg_batch_check(const uint8_t *, size_t, const uint8_t *,
		    size_t);

/* Is len bytes of data what a SESS payload's op carries? */
static int
busmsg_sess_ok(enum bm_op op, const uint8_t *data, size_t len)
{
	switch (op) {
	case BMO_OPEN:
		return data != NULL && ((len == 7 && data[0] == 4) ||
		    (len == 19 && data[0] == 6));
	case BMO_MSG:
		return data != NULL && len >= 1 && len <= BM_DATA_MAX;
	case BMO_CLOSED:
	case BMO_CLOSE:
	case BMO_TRUST:
	case BMO_RESET:
	case BMO_CHECK:
		return len == 0;
	case BMO_ROOM:
		return data != NULL && len == BM_ROOM_LEN;
	}
	return 0;
}

/* Is name (len bytes) a node name? */
int
busmsg_node_ok(const char *name, size_t len)
{
	size_t	i;
	char	c;

	if (len == 0 || len > BM_NODE_MAX)
		return 0;
	/* It ends a NATS subject (chatd.node.NAME), whose tokens, between
	 * dots, are never empty. */
	if (name[0] == '.' || name[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-') || (c == '.' && name[i - 1] == '.'))
			return 0;
	}
	return 1;
}

/* The body length of m, or (size_t)-1 if m is not valid. */
static size_t
busmsg_body_len(const struct busmsg *m)
{
	switch (m->kind) {
	case BM_BEAT:
		if (m->incarnation == 0 || m->interval_ms < BM_BEAT_MIN_MS ||
		    m->interval_ms > BM_BEAT_MAX_MS)
			return (size_t)-1;
		return BEAT_BODY;
	case BM_BYE:
		if (m->incarnation == 0)
			return (size_t)-1;
		return BYE_BODY;
	case BM_USER:
		if (m->uid == 0 || m->len > BM_DATA_MAX ||
		    (m->len > 0 && m->data == NULL))
			return (size_t)-1;
		return USER_HDR + m->len;
	case BM_SESS:
		if (m->incarnation == 0 || m->seq == 0 || m->sid == 0 ||
		    !busmsg_sess_ok(m->op, m->data, m->len))
			return (size_t)-1;
		return BM_SESS_HDR + m->len;
	case BM_BATCH:		/* built by busmsg_batch_*() */
		break;
	}
	return (size_t)-1;
}

/*
 * Are the blen bytes at p a BATCH body from the node named (nlen bytes):
 * 1 or more entries, each a length and a valid SESS payload from it,
 * exactly?  0 or -1.
 */
static int
busmsg_batch_check(const uint8_t *node, size_t nlen, const uint8_t *p,
    size_t blen)
{
	struct busmsg	e;
	size_t		off = 0, elen;

	if (blen == 0 || blen > BM_BATCH_MAX)
		return -1;
	while (off < blen) {
		if (blen - off < 4)
			return -1;
		elen = wire_get32(p + off);
		off += 4;
		/* A SESS, looked at before it is decoded: a BATCH inside
		 * would decode its entries in turn, as deep as its bytes go. */
		if (elen < BM_HDR || elen > BM_MAX || elen > blen - off ||
		    p[off + 1] != BM_SESS)
			return -1;
		if (busmsg_decode(p + off, elen, &e) != BME_NONE ||
		    e.kind != BM_SESS || strlen(e.node) != nlen ||
		    memcmp(e.node, node, nlen) != 0)
			return -1;
		off += elen;
	}
	return 0;
}

int
busmsg_batch_next(const struct busmsg *b, size_t *off, struct busmsg *m)
{
	size_t	elen;

	if (*off + 4 > b->len)
		return 0;
	elen = wire_get32(b->data + *off);
	*off += 4;
	if (busmsg_decode(b->data + *off, elen, m) != BME_NONE)
		return 0;	/* cannot be: checked whole */
	*off += elen;
	return 1;
}

size_t
busmsg_batch_start(uint8_t *buf, size_t cap, const char *node)
{
	size_t	nlen = strlen(node);

	if (!busmsg_node_ok(node, nlen) || cap < BM_HDR + nlen)
		return 0;
	buf[0] = BM_VERSION;
	buf[1] = BM_BATCH;
	buf[2] = (uint8_t)nlen;
	buf[3] = 0;
	wire_put32(buf + 4, 0);
	memcpy(buf + BM_HDR, node, nlen);
	return BM_HDR + nlen;
}

size_t
busmsg_batch_add(uint8_t *buf, size_t cap, size_t len, const uint8_t *sess,
    size_t sesslen)
{
	size_t	nlen = buf[2];

	if (sesslen < BM_HDR || sess[1] != BM_SESS || sess[2] != nlen ||
	    memcmp(sess + BM_HDR, buf + BM_HDR, nlen) != 0 ||
	    len + 4 + sesslen > cap ||
	    len + 4 + sesslen - BM_HDR - nlen > BM_BATCH_MAX)
		return 0;
	wire_put32(buf + len, (uint32_t)sesslen);
	memcpy(buf + len + 4, sess, sesslen);
	return len + 4 + sesslen;
}

size_t
busmsg_batch_end(uint8_t *buf, size_t len)
{
	wire_put32(buf + 4, (uint32_t)(len - BM_HDR - buf[2]));
	return len;
}

size_t
busmsg_len(const struct busmsg *m)
{
	size_t	nlen = strnlen(m->node, sizeof m->node), blen;

	if (!busmsg_node_ok(m->node, nlen) ||
	    (m->flags != 0 && (m->kind != BM_BEAT || m->flags != BM_F_CORE)) ||
	    (blen = busmsg_body_len(m)) == (size_t)-1)
		return 0;
	return BM_HDR + nlen + blen;
}

size_t
busmsg_encode(uint8_t *buf, size_t cap, const struct busmsg *m)
{
	size_t	 n = busmsg_len(m), nlen;
	uint8_t	*p;

	if (n == 0 || n > cap)
		return 0;
	nlen = strlen(m->node);
	buf[0] = BM_VERSION;
	buf[1] = (uint8_t)m->kind;
	buf[2] = (uint8_t)nlen;
	buf[3] = m->flags;
	wire_put32(buf + 4, (uint32_t)(n - BM_HDR - nlen));
	memcpy(buf + BM_HDR, m->node, nlen);
	p = buf + BM_HDR + nlen;
	switch (m->kind) {
	case BM_BEAT:
		wire_put64(p, m->incarnation);
		wire_put64(p + 8, m->seq);
		wire_put32(p + 16, m->interval_ms);
		break;
	case BM_BYE:
		wire_put64(p, m->incarnation);
		break;
	case BM_USER:
		wire_put64(p, m->uid);
		if (m->len > 0)
			memcpy(p + USER_HDR, m->data, m->len);
		break;
	case BM_SESS:
		wire_put64(p, m->incarnation);
		wire_put64(p + 8, m->seq);
		wire_put64(p + 16, m->sid);
		p[24] = (uint8_t)m->op;
		if (m->len > 0)
			memcpy(p + BM_SESS_HDR, m->data, m->len);
		break;
	case BM_BATCH:
		break;
	}
	return n;
}

enum bm_err
busmsg_decode(const uint8_t *buf, size_t len, struct busmsg *m)
{
	const uint8_t	*p;
	size_t		 nlen, blen;

	memset(m, 0, sizeof *m);
	if (len < BM_HDR)
		return len > 0 && buf[0] != BM_VERSION ? BME_VERSION :
		    BME_MALFORMED;
	if (buf[0] != BM_VERSION)
		return BME_VERSION;
	nlen = buf[2];
	blen = wire_get32(buf + 4);
	/* Exact length, compared without an overflow: blen may be 4 GB. */
	if (len - BM_HDR < nlen || len - BM_HDR - nlen != blen)
		return BME_MALFORMED;
	if (buf[3] != 0 && (buf[1] != BM_BEAT || buf[3] != BM_F_CORE))
		return BME_MALFORMED;
	if (!busmsg_node_ok((const char *)buf + BM_HDR, nlen))
		return BME_MALFORMED;
	p = buf + BM_HDR + nlen;
	switch (buf[1]) {
	case BM_BEAT:
		if (blen != BEAT_BODY)
			return BME_MALFORMED;
		m->incarnation = wire_get64(p);
		m->seq = wire_get64(p + 8);
		m->interval_ms = wire_get32(p + 16);
		if (m->incarnation == 0 || m->interval_ms < BM_BEAT_MIN_MS ||
		    m->interval_ms > BM_BEAT_MAX_MS)
			return BME_MALFORMED;
		break;
	case BM_BYE:
		if (blen != BYE_BODY)
			return BME_MALFORMED;
		if ((m->incarnation = wire_get64(p)) == 0)
			return BME_MALFORMED;
		break;
	case BM_USER:
		if (blen < USER_HDR || blen - USER_HDR > BM_DATA_MAX)
			return BME_MALFORMED;
		if ((m->uid = wire_get64(p)) == 0)
			return BME_MALFORMED;
		m->data = p + USER_HDR;
		m->len = blen - USER_HDR;
		break;
	case BM_BATCH:
		if (busmsg_batch_check(buf + BM_HDR, nlen, p, blen) == -1)
			return BME_MALFORMED;
		m->data = p;
		m->len = blen;
		break;
	case BM_SESS:
		if (blen < BM_SESS_HDR || blen - BM_SESS_HDR > BM_DATA_MAX)
			return BME_MALFORMED;
		m->incarnation = wire_get64(p);
		m->seq = wire_get64(p + 8);
		m->sid = wire_get64(p + 16);
		m->op = (enum bm_op)p[24];
		m->data = p + BM_SESS_HDR;
		m->len = blen - BM_SESS_HDR;
		if (m->incarnation == 0 || m->seq == 0 || m->sid == 0 ||
		    !busmsg_sess_ok(m->op, m->data, m->len))
			return BME_MALFORMED;
		break;
	default:
		return BME_MALFORMED;
	}
	m->kind = (enum bm_kind)buf[1];
	m->flags = buf[3];
	memcpy(m->node, buf + BM_HDR, nlen);
	m->node[nlen] = '\0';
	return BME_NONE;
}

size_t
busmsg_open_encode(uint8_t buf[BM_OPEN_MAX], const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		buf[0] = 4;
		memcpy(buf + 1, &sin->sin_port, 2);
		memcpy(buf + 3, &sin->sin_addr, 4);
		return 7;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		buf[0] = 6;
		memcpy(buf + 1, &sin6->sin6_port, 2);
		memcpy(buf + 3, &sin6->sin6_addr, 16);
		return 19;
	}
	return 0;
}

socklen_t
busmsg_open_decode(const uint8_t *p, size_t len, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (p[0] == 4 && len == 7) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_port, p + 1, 2);
		memcpy(&sin->sin_addr, p + 3, 4);
		return sizeof *sin;
	}
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_port, p + 1, 2);
	memcpy(&sin6->sin6_addr, p + 3, 16);
	return sizeof *sin6;
}

void
busmsg_room_encode(uint8_t buf[BM_ROOM_LEN], uint32_t queued,
    uint64_t received)
{
	wire_put32(buf, queued);
	wire_put64(buf + 4, received);
}

void
busmsg_room_decode(const uint8_t buf[BM_ROOM_LEN], uint32_t *queued,
    uint64_t *received)
{
	*queued = wire_get32(buf);
	*received = wire_get64(buf + 4);
}
