/*
 * chatproto.c: encoding and decoding of chat messages.  Each type's body
 * is a list of fields (chatproto.h); one table drives both directions, so
 * the encoder and the decoder cannot disagree about a layout.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "chat/chatproto.h"
#include "base/wire.h"

enum cp_field {
	F_END = 0,
	F_ID,		/* u64 id */
	F_FLAGS,	/* u8 flags */
	F_CODE,		/* u16 code */
	F_REQ,		/* u8 reqtype */
	F_VALUE,	/* u8 value */
	F_SID,		/* u64 sid */
	F_TIME,		/* u64 time */
	F_NICK,		/* s8 nick */
	F_SECRET,	/* s8 secret */
	F_SECRET2,	/* s8 secret2 */
	F_TEXT,		/* s16 text */
	F_DETAIL,	/* s8 text */
	F_ENTRIES,	/* u16 count, then entries */
	F_DEVICES,	/* u16 count, then DEVICE_LIST entries */
	F_HISTS,	/* u16 count, then HISTORY_PAGE entries */
	F_TARGET,	/* s8 target */
	F_COUNTS,	/* 3 x u16 n */
	F_GENTRIES,	/* u16 count, then GROUP_INFO entries */
	F_GHISTS,	/* u16 count, then GHISTORY_PAGE entries */
	F_DEVICE,	/* s8 device, optional and last: absent or 1-255 */
};

#define MAXF	7

struct cp_layout {
	uint8_t		 type;
	const char	*name;
	uint8_t		 f[MAXF];
};

static const struct cp_layout layouts[] = {
	{ CP_REGISTER, "REGISTER", { F_ID, F_FLAGS, F_NICK, F_SECRET,
	    F_DEVICE } },
	{ CP_LOGIN, "LOGIN", { F_ID, F_FLAGS, F_NICK, F_SECRET, F_DEVICE } },
	{ CP_PASSWD, "PASSWD", { F_ID, F_SECRET, F_SECRET2 } },
	{ CP_SEND, "SEND", { F_ID, F_NICK, F_TEXT } },
	{ CP_MARK, "MARK", { F_FLAGS, F_SID } },
	{ CP_CONTACTS, "CONTACTS", { F_ID, F_FLAGS, F_NICK } },
	{ CP_WHO, "WHO", { F_ID } },
	{ CP_TYPING, "TYPING", { F_NICK } },
	{ CP_AWAY, "AWAY", { F_FLAGS } },
	{ CP_DEVICES, "DEVICES", { F_ID, F_FLAGS, F_SID } },
	{ CP_SETTINGS, "SETTINGS", { F_ID, F_FLAGS, F_VALUE } },
	{ CP_HISTORY, "HISTORY", { F_ID, F_NICK, F_SID, F_VALUE } },
	{ CP_DELETE_ACCOUNT, "DELETE_ACCOUNT", { F_ID, F_SECRET } },
	{ CP_GROUP, "GROUP", { F_ID, F_FLAGS, F_NICK, F_TARGET, F_SID,
	    F_TEXT } },
	{ CP_GMARK, "GMARK", { F_FLAGS, F_NICK, F_SID } },
	{ CP_OK, "OK", { F_ID } },
	{ CP_ERROR, "ERROR", { F_ID, F_CODE, F_REQ, F_DETAIL } },
	{ CP_WELCOME, "WELCOME", { F_ID, F_FLAGS, F_NICK, F_SECRET } },
	{ CP_ACCEPTED, "ACCEPTED", { F_ID, F_SID, F_TIME, F_FLAGS } },
	{ CP_MESSAGE, "MESSAGE", { F_SID, F_ID, F_TIME, F_NICK, F_TEXT } },
	{ CP_RECEIPT, "RECEIPT", { F_FLAGS, F_ID } },
	{ CP_ROSTER, "ROSTER", { F_ID, F_ENTRIES } },
	{ CP_PRESENCE, "PRESENCE", { F_NICK, F_FLAGS, F_TIME } },
	{ CP_TYPING_FROM, "TYPING_FROM", { F_NICK } },
	{ CP_DEVICE_LIST, "DEVICE_LIST", { F_ID, F_DEVICES } },
	{ CP_SETTINGS_ARE, "SETTINGS_ARE", { F_ID, F_FLAGS } },
	{ CP_HISTORY_PAGE, "HISTORY_PAGE", { F_ID, F_FLAGS, F_HISTS } },
	{ CP_SENT, "SENT", { F_SID, F_ID, F_TIME, F_NICK, F_TEXT } },
	{ CP_READ_UPTO, "READ_UPTO", { F_NICK, F_SID } },
	{ CP_CONTACTS_CHANGED, "CONTACTS_CHANGED", { F_FLAGS } },
	{ CP_GMESSAGE, "GMESSAGE", { F_SID, F_ID, F_TIME, F_NICK, F_TARGET,
	    F_VALUE, F_TEXT } },
	{ CP_GROUP_INFO, "GROUP_INFO", { F_ID, F_NICK, F_FLAGS, F_TEXT,
	    F_GENTRIES } },
	{ CP_GRECEIPT, "GRECEIPT", { F_NICK, F_ID, F_SID, F_COUNTS } },
	{ CP_GROUP_CHANGED, "GROUP_CHANGED", { F_NICK, F_FLAGS } },
	{ CP_GHISTORY_PAGE, "GHISTORY_PAGE", { F_ID, F_FLAGS, F_GHISTS } },
};

static const char *const errtext[CPE_MAX] = {
	[CPE_NONE] = "ok",
	[CPE_MALFORMED] = "malformed request",
	[CPE_VERSION] = "unsupported protocol version",
	[CPE_NOT_LOGGED_IN] = "not logged in",
	[CPE_NICK_INVALID] = "invalid nickname",
	[CPE_NICK_TAKEN] = "nickname already taken",
	[CPE_UNKNOWN_USER] = "unknown user",
	[CPE_WRONG_PASSWORD] = "wrong password",
	[CPE_BAD_TOKEN] = "device token unknown or revoked",
	[CPE_RATE_LIMITED] = "rate limited, slow down",
	[CPE_QUEUE_FULL] = "recipient's queue is full",
	[CPE_BAD_UTF8] = "text is not valid UTF-8",
	[CPE_TOO_LONG] = "message empty or longer than 4096 bytes",
	[CPE_DISABLED] = "disabled on this server",
	[CPE_BUSY] = "server busy, try again",
	[CPE_INTERNAL] = "server storage failure",
	[CPE_ALREADY] = "already logged in",
	[CPE_BAD_PASSWORD] = "password empty or too long",
	[CPE_LIMIT] = "limit reached (too many contacts, or registrations)",
	[CPE_CONTROL] = "text holds a control character (not tab or newline)",
	[CPE_CONFUSABLE] = "looks like an existing name",
	[CPE_QUOTA] =
	    "too many of your messages are waiting for this recipient",
	[CPE_NO_DEVICE] = "no such device",
	[CPE_NO_REQUEST] = "no contact request from that user",
	[CPE_LOCKED] = "account locked by the administrator",
	[CPE_NO_GROUP] = "no such group, or not a member of it",
	[CPE_NOT_ALLOWED] = "not allowed to members of your role",
};

/* The layout of type, or NULL. */
static const struct cp_layout *
cp_layout(unsigned int type)
{
	size_t	i;

	for (i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}

/* Check a decoded entry list: exactly count well-formed entries. */
static int
cp_entries_ok(const uint8_t *p, size_t len, unsigned int count)
{
	size_t	n;

	while (count-- > 0) {
		if (len < 1 || len < 1 + (size_t)p[0] + 9)
			return -1;
		n = 1 + (size_t)p[0] + 9;
		if (p[n - 9] > CPP_AWAY)
			return -1;
		p += n;
		len -= n;
	}
	return len == 0 ? 0 : -1;
}

/* Check a decoded device list: exactly count well-formed entries. */
static int
cp_devices_ok(const uint8_t *p, size_t len, unsigned int count)
{
	struct cp_str		rest = { p, len };
	struct cp_device	d;

	while (count-- > 0)
		if (!cp_device_next(&rest, &d))
			return -1;
	return rest.len == 0 ? 0 : -1;
}

/* Check a decoded history page: exactly count well-formed entries. */
static int
cp_hists_ok(const uint8_t *p, size_t len, unsigned int count)
{
	struct cp_str	rest = { p, len };
	struct cp_hist	h;

	while (count-- > 0)
		if (!cp_hist_next(&rest, &h) || (h.flags & ~CPHE_ALL) != 0)
			return -1;
	return rest.len == 0 ? 0 : -1;
}

/* Check decoded group entries or group history: count well-formed. */
static int
cp_gentries_ok(const uint8_t *p, size_t len, unsigned int count)
{
	struct cp_str	rest = { p, len };
	struct cp_entry	e;

	while (count-- > 0)
		if (!cp_gentry_next(&rest, &e) || (e.presence & ~CPGM_ALL) != 0)
			return -1;
	return rest.len == 0 ? 0 : -1;
}

static int
cp_ghists_ok(const uint8_t *p, size_t len, unsigned int count)
{
	struct cp_str	rest = { p, len };
	struct cp_ghist	h;

	while (count-- > 0)
		if (!cp_ghist_next(&rest, &h) || h.kind > CPGE_MAX)
			return -1;
	return rest.len == 0 ? 0 : -1;
}

/* Are the enumerated fields of a decoded message in range? */
static int
cp_values_ok(const struct cp_msg *m)
{
	switch (m->type) {
	case CP_MARK:
	case CP_RECEIPT:
		return m->flags == CPR_DELIVERED || m->flags == CPR_READ;
	case CP_CONTACTS:
		return m->flags <= CPC_BLOCKED;
	case CP_SETTINGS:
		return (m->flags & ~CPS_ALL) == 0 &&
		    (m->value & ~m->flags) == 0;
	case CP_SETTINGS_ARE:
		return (m->flags & ~CPS_ALL) == 0;
	case CP_DEVICES:
		return m->flags <= CPD_REVOKE;
	case CP_HISTORY:
		return m->value > 0;
	case CP_HISTORY_PAGE:
		return (m->flags & ~CPH_MORE) == 0;
	case CP_CONTACTS_CHANGED:
		return (m->flags & ~CPL_ALL) == 0;
	case CP_GROUP:
		return m->flags <= CPG_MAX;
	case CP_GMARK:
		return (m->flags == CPR_DELIVERED || m->flags == CPR_READ) &&
		    m->nick.len > 0;
	case CP_GMESSAGE:
		return m->value <= CPGE_MAX;
	case CP_GROUP_INFO:
		return (m->flags & ~CPGM_ALL) == 0;
	case CP_GROUP_CHANGED:
		return (m->flags & ~CPGC_ALL) == 0;
	case CP_GHISTORY_PAGE:
		return (m->flags & ~CPH_MORE) == 0;
	case CP_AWAY:
		return m->flags == CPP_ONLINE || m->flags == CPP_AWAY;
	case CP_PRESENCE:
		return m->flags <= CPP_AWAY;
	case CP_ACCEPTED:
		return m->flags <= CPR_READ;
	case CP_WELCOME:
		return m->secret.len == 0 || m->secret.len == CP_TOKEN_LEN;
	default:
		return 1;
	}
}

enum cp_err
cp_decode(const uint8_t *buf, size_t len, struct cp_msg *m)
{
	const struct cp_layout	*l;
	struct cp_str		*s;
	size_t			 off = CP_HDR_LEN, n;
	int			 i;

	memset(m, 0, sizeof *m);
	if (len < CP_HDR_LEN)
		return CPE_MALFORMED;
	m->type = buf[1];
	l = cp_layout(m->type);
	if (l != NULL && l->f[0] == F_ID && len >= CP_HDR_LEN + 8)
		m->id = wire_get64(buf + CP_HDR_LEN);
	if (buf[0] != CP_VERSION)
		return CPE_VERSION;
	if (l == NULL)
		return CPE_MALFORMED;
	for (i = 0; i < MAXF && l->f[i] != F_END; i++) {
		switch (l->f[i]) {
		case F_ID:
		case F_SID:
		case F_TIME:
			if (len - off < 8)
				return CPE_MALFORMED;
			if (l->f[i] == F_ID)
				m->id = wire_get64(buf + off);
			else if (l->f[i] == F_SID)
				m->sid = wire_get64(buf + off);
			else
				m->time = wire_get64(buf + off);
			off += 8;
			break;
		case F_FLAGS:
		case F_REQ:
		case F_VALUE:
			if (len - off < 1)
				return CPE_MALFORMED;
			if (l->f[i] == F_FLAGS)
				m->flags = buf[off];
			else if (l->f[i] == F_REQ)
				m->reqtype = buf[off];
			else
				m->value = buf[off];
			off++;
			break;
		case F_CODE:
			if (len - off < 2)
				return CPE_MALFORMED;
			m->code = wire_get16(buf + off);
			off += 2;
			break;
		case F_NICK:
		case F_SECRET:
		case F_SECRET2:
		case F_DETAIL:
		case F_TARGET:
			s = l->f[i] == F_NICK ? &m->nick : l->f[i] == F_SECRET ?
			    &m->secret : l->f[i] == F_SECRET2 ? &m->secret2 :
			    l->f[i] == F_TARGET ? &m->target : &m->text;
			if (len - off < 1 || len - off - 1 < buf[off])
				return CPE_MALFORMED;
			s->len = buf[off];
			s->p = buf + off + 1;
			off += 1 + s->len;
			break;
		case F_TEXT:
			if (len - off < 2)
				return CPE_MALFORMED;
			n = wire_get16(buf + off);
			if (len - off - 2 < n)
				return CPE_MALFORMED;
			m->text.len = n;
			m->text.p = buf + off + 2;
			off += 2 + n;
			break;
		case F_COUNTS:
			if (len - off < 6)
				return CPE_MALFORMED;
			m->n[0] = wire_get16(buf + off);
			m->n[1] = wire_get16(buf + off + 2);
			m->n[2] = wire_get16(buf + off + 4);
			off += 6;
			break;
		case F_ENTRIES:
		case F_DEVICES:
		case F_HISTS:
		case F_GENTRIES:
		case F_GHISTS:
			/* A count, then that many entries to the end. */
			if (len - off < 2)
				return CPE_MALFORMED;
			m->count = wire_get16(buf + off);
			off += 2;
			m->entries.p = buf + off;
			m->entries.len = len - off;
			if ((l->f[i] == F_ENTRIES ? cp_entries_ok :
			    l->f[i] == F_DEVICES ? cp_devices_ok :
			    l->f[i] == F_HISTS ? cp_hists_ok :
			    l->f[i] == F_GENTRIES ? cp_gentries_ok :
			    cp_ghists_ok)(buf + off, len - off, m->count) == -1)
				return CPE_MALFORMED;
			off = len;
			break;
		case F_DEVICE:
			/* Absent, or 1 to 255 bytes: so it encodes back the
			 * same. */
			if (off == len)
				break;
			if (buf[off] == 0 || len - off - 1 < buf[off])
				return CPE_MALFORMED;
			m->device.len = buf[off];
			m->device.p = buf + off + 1;
			off += 1 + m->device.len;
			break;
		}
	}
	if (off != len || !cp_values_ok(m))
		return CPE_MALFORMED;
	return CPE_NONE;
}

/* Write an s8 field; the new offset or 0 if it does not fit. */
static size_t
cp_put_s8(uint8_t *buf, size_t cap, size_t off, const struct cp_str *s)
{
	if (s->len > 255 || cap - off < 1 + s->len)
		return 0;
	buf[off] = (uint8_t)s->len;
	if (s->len > 0)
		memcpy(buf + off + 1, s->p, s->len);
	return off + 1 + s->len;
}

size_t
cp_encode(uint8_t *buf, size_t cap, const struct cp_msg *m)
{
	const struct cp_layout	*l = cp_layout(m->type);
	const struct cp_str	*s;
	size_t			 off = CP_HDR_LEN;
	int			 i;

	if (l == NULL || cap < CP_HDR_LEN)
		return 0;
	buf[0] = CP_VERSION;
	buf[1] = m->type;
	for (i = 0; i < MAXF && l->f[i] != F_END; i++) {
		switch (l->f[i]) {
		case F_ID:
		case F_SID:
		case F_TIME:
			if (cap - off < 8)
				return 0;
			wire_put64(buf + off, l->f[i] == F_ID ? m->id :
			    l->f[i] == F_SID ? m->sid : m->time);
			off += 8;
			break;
		case F_FLAGS:
		case F_REQ:
		case F_VALUE:
			if (cap - off < 1)
				return 0;
			buf[off++] = l->f[i] == F_FLAGS ? m->flags :
			    l->f[i] == F_REQ ? m->reqtype : m->value;
			break;
		case F_CODE:
			if (cap - off < 2)
				return 0;
			wire_put16(buf + off, m->code);
			off += 2;
			break;
		case F_NICK:
		case F_SECRET:
		case F_SECRET2:
		case F_DETAIL:
		case F_TARGET:
			s = l->f[i] == F_NICK ? &m->nick : l->f[i] == F_SECRET ?
			    &m->secret : l->f[i] == F_SECRET2 ? &m->secret2 :
			    l->f[i] == F_TARGET ? &m->target : &m->text;
			if ((off = cp_put_s8(buf, cap, off, s)) == 0)
				return 0;
			break;
		case F_COUNTS:
			if (cap - off < 6)
				return 0;
			wire_put16(buf + off, m->n[0]);
			wire_put16(buf + off + 2, m->n[1]);
			wire_put16(buf + off + 4, m->n[2]);
			off += 6;
			break;
		case F_TEXT:
			if (m->text.len > 65535 || cap - off < 2 + m->text.len)
				return 0;
			wire_put16(buf + off, (uint16_t)m->text.len);
			if (m->text.len > 0)
				memcpy(buf + off + 2, m->text.p, m->text.len);
			off += 2 + m->text.len;
			break;
		case F_DEVICE:
			if (m->device.len > 0 &&
			    (off = cp_put_s8(buf, cap, off, &m->device)) == 0)
				return 0;
			break;
		case F_ENTRIES:
		case F_DEVICES:
		case F_HISTS:
		case F_GENTRIES:
		case F_GHISTS:
			if (cap - off < 2 + m->entries.len)
				return 0;
			wire_put16(buf + off, m->count);
			if (m->entries.len > 0)
				memcpy(buf + off + 2, m->entries.p,
				    m->entries.len);
			off += 2 + m->entries.len;
			break;
		}
	}
	return off;
}

size_t
cp_size(const struct cp_msg *m)
{
	/* Every field at its largest is far below this; the exact size
	 * only matters for the variable parts. */
	return CP_HDR_LEN + 8 + 8 + 8 + 1 + 1 + 1 + 2 + 5 * 256 + 6 + 2 +
	    m->text.len + 2 + m->entries.len;
}

size_t
cp_entry_encode(uint8_t *buf, size_t cap, const struct cp_entry *e)
{
	size_t	n = 1 + e->nick.len + 9;

	if (e->nick.len > 255 || cap < n)
		return 0;
	buf[0] = (uint8_t)e->nick.len;
	memcpy(buf + 1, e->nick.p, e->nick.len);
	buf[1 + e->nick.len] = e->presence;
	wire_put64(buf + 2 + e->nick.len, e->last_seen);
	return n;
}

int
cp_entry_next(struct cp_str *rest, struct cp_entry *e)
{
	size_t	n;

	if (rest->len < 1 || rest->len < 1 + (size_t)rest->p[0] + 9)
		return 0;
	n = rest->p[0];
	e->nick.p = rest->p + 1;
	e->nick.len = n;
	e->presence = rest->p[1 + n];
	e->last_seen = wire_get64(rest->p + 2 + n);
	rest->p += 1 + n + 9;
	rest->len -= 1 + n + 9;
	return 1;
}

size_t
cp_device_encode(uint8_t *buf, size_t cap, const struct cp_device *d)
{
	size_t	n = 8 + 1 + 8 + 1 + d->name.len + 1 + d->addr.len;

	if (d->name.len > 255 || d->addr.len > 255 || cap < n)
		return 0;
	wire_put64(buf, d->id);
	buf[8] = d->flags;
	wire_put64(buf + 9, d->last_seen);
	buf[17] = (uint8_t)d->name.len;
	if (d->name.len > 0)
		memcpy(buf + 18, d->name.p, d->name.len);
	buf[18 + d->name.len] = (uint8_t)d->addr.len;
	if (d->addr.len > 0)
		memcpy(buf + 19 + d->name.len, d->addr.p, d->addr.len);
	return n;
}

int
cp_device_next(struct cp_str *rest, struct cp_device *d)
{
	const uint8_t	*p = rest->p;
	size_t		 len = rest->len, nl, al;

	if (len < 18 || len - 18 < (nl = p[17]) + 1 ||
	    len - 19 - nl < (al = p[18 + nl]))
		return 0;
	d->id = wire_get64(p);
	d->flags = p[8];
	d->last_seen = wire_get64(p + 9);
	d->name.p = p + 18;
	d->name.len = nl;
	d->addr.p = p + 19 + nl;
	d->addr.len = al;
	rest->p += 19 + nl + al;
	rest->len -= 19 + nl + al;
	return 1;
}

size_t
cp_hist_encode(uint8_t *buf, size_t cap, const struct cp_hist *h)
{
	size_t	n = CP_HIST_ENTRY_MIN + h->text.len;

	if (h->text.len > 65535 || cap < n)
		return 0;
	wire_put64(buf, h->sid);
	wire_put64(buf + 8, h->msgid);
	wire_put64(buf + 16, h->time);
	buf[24] = h->flags;
	wire_put16(buf + 25, (uint16_t)h->text.len);
	if (h->text.len > 0)
		memcpy(buf + CP_HIST_ENTRY_MIN, h->text.p, h->text.len);
	return n;
}

int
cp_hist_next(struct cp_str *rest, struct cp_hist *h)
{
	const uint8_t	*p = rest->p;
	size_t		 len = rest->len, tl;

	if (len < CP_HIST_ENTRY_MIN ||
	    len - CP_HIST_ENTRY_MIN < (tl = wire_get16(p + 25)))
		return 0;
	h->sid = wire_get64(p);
	h->msgid = wire_get64(p + 8);
	h->time = wire_get64(p + 16);
	h->flags = p[24];
	h->text.p = p + CP_HIST_ENTRY_MIN;
	h->text.len = tl;
	rest->p += CP_HIST_ENTRY_MIN + tl;
	rest->len -= CP_HIST_ENTRY_MIN + tl;
	return 1;
}

size_t
cp_gentry_encode(uint8_t *buf, size_t cap, const struct cp_entry *e)
{
	return cp_entry_encode(buf, cap, e);
}

int
cp_gentry_next(struct cp_str *rest, struct cp_entry *e)
{
	return cp_entry_next(rest, e);
}

size_t
cp_ghist_encode(uint8_t *buf, size_t cap, const struct cp_ghist *h)
{
	size_t	n = 25 + 1 + h->from.len + 2 + h->text.len;

	if (h->from.len > 255 || h->text.len > 65535 || cap < n)
		return 0;
	wire_put64(buf, h->sid);
	wire_put64(buf + 8, h->msgid);
	wire_put64(buf + 16, h->time);
	buf[24] = h->kind;
	buf[25] = (uint8_t)h->from.len;
	if (h->from.len > 0)
		memcpy(buf + 26, h->from.p, h->from.len);
	wire_put16(buf + 26 + h->from.len, (uint16_t)h->text.len);
	if (h->text.len > 0)
		memcpy(buf + 28 + h->from.len, h->text.p, h->text.len);
	return n;
}

int
cp_ghist_next(struct cp_str *rest, struct cp_ghist *h)
{
	const uint8_t	*p = rest->p;
	size_t		 len = rest->len, fl, tl;

	if (len < 28 || len - 28 < (fl = p[25]) ||
	    len - 28 - fl < (tl = wire_get16(p + 26 + fl)))
		return 0;
	h->sid = wire_get64(p);
	h->msgid = wire_get64(p + 8);
	h->time = wire_get64(p + 16);
	h->kind = p[24];
	h->from.p = p + 26;
	h->from.len = fl;
	h->text.p = p + 28 + fl;
	h->text.len = tl;
	rest->p += 28 + fl + tl;
	rest->len -= 28 + fl + tl;
	return 1;
}

const char *
cp_strerror(unsigned int code)
{
	if (code >= CPE_MAX || errtext[code] == NULL)
		return "unknown error";
	return errtext[code];
}

const char *
cp_typename(unsigned int type)
{
	const struct cp_layout	*l = cp_layout(type);

	return l == NULL ? "?" : l->name;
}

int
cp_utf8_ok(const uint8_t *p, size_t len)
{
	utf8proc_int32_t	c;
	utf8proc_ssize_t	n;
	uint64_t		w;

	while (len > 0) {
		/* Printable ASCII eight bytes at a time: no byte with its
		 * high bit set, and none zero. */
		if (len >= 8) {
			memcpy(&w, p, 8);
			if (((w & 0x8080808080808080ULL) |
			    ((w - 0x0101010101010101ULL) & ~w &
			    0x8080808080808080ULL)) == 0) {
				p += 8;
				len -= 8;
				continue;
			}
		}
		n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &c);
		if (n <= 0 || c == 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

enum cp_err
cp_text_check(const uint8_t *p, size_t len)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	high = 0x8080808080808080ULL;
	utf8proc_int32_t c;
	utf8proc_ssize_t n;
	uint64_t	w, x;

	while (len > 0) {
		/* Printable ASCII eight bytes at a time: no byte with its
		 * high bit set, none below 0x20 and none equal to 0x7f (the
		 * usual has-less and has-zero word tests). */
		if (len >= 8) {
			memcpy(&w, p, 8);
			x = w ^ (ones * 0x7f);
			if (((w & high) | ((w - ones * 0x20) & ~w & high) |
			    ((x - ones) & ~x & high)) == 0) {
				p += 8;
				len -= 8;
				continue;
			}
		}
		n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &c);
		if (n <= 0 || c == 0)
			return CPE_BAD_UTF8;
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			return CPE_CONTROL;
		p += n;
		len -= (size_t)n;
	}
	return CPE_NONE;
}

uint64_t
cp_msgid_next(uint64_t *last, uint32_t tag, uint64_t now_ms)
{
	uint64_t	base, id;

	base = (uint64_t)(tag & CP_MSGID_TAGMASK) << CP_MSGID_SEQBITS;
	id = now_ms << CP_MSGID_MSSHIFT | base;
	if (id > *last)
		goto done;
	/* The clock gives no larger id: the next of this millisecond's
	 * sequence, if it has one left and is ours; else the next
	 * millisecond's first.  Either way the tag stays, so ids of two
	 * clients with different tags never meet, and a client sending
	 * hundreds a second does not run ahead of the clock. */
	id = *last + 1;
	if ((id & CP_MSGID_SEQMASK) == 0 ||
	    (id & ~CP_MSGID_SEQMASK & ((UINT64_C(1) << CP_MSGID_MSSHIFT) - 1))
	    != base)
		id = ((*last >> CP_MSGID_MSSHIFT) + 1) << CP_MSGID_MSSHIFT |
		    base;
done:
	*last = id;
	return id;
}
