/*
 * chatproto.h: the chat protocol, carried as messages inside sessions
 * (session.h).  docs/PROTOCOL.md (section 5) is the prose specification; this
 * file and chatproto.c are the only places that know byte offsets.  All
 * integers are big-endian (lib/base/wire.h).
 *
 * Every chat message is one session message (reliable, ordered, sealed)
 * and starts with the same two bytes:
 *   0                   1
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *  +---------------+---------------+
 *  | version (2)   |    type       |   body ...
 *  +---------------+---------------+
 * A message whose version is not CP_VERSION is answered with ERROR
 * CPE_VERSION and otherwise ignored.  Bodies are sequences of these
 * fields, in the order listed for each type, and nothing after them:
 *   u8, u16, u64     unsigned integers
 *   s8               a length byte then that many bytes (0-255)
 *   s16              a 16-bit length then that many bytes (0-65535)
 * A message whose body is shorter or longer than its fields say is
 * malformed: it is counted and dropped (a request with a readable id gets
 * ERROR CPE_MALFORMED).
 *
 * Requests (client to server) carry a 64-bit id chosen by the client; the
 * answer (OK, ERROR, WELCOME, ACCEPTED, ROSTER) echoes it.  For SEND the id
 * is the message id: resending the same id never stores a second copy.
 *
 * REGISTER (1) and LOGIN (2):
 *  +---------------+---------------+---------------+---------------+
 *  |  version (2)  |   type 1|2    |            id (64 bits) ...   |
 *  +---------------+---------------+---------------+---------------+
 *  |                   ... id      |    flags      | nick length   |
 *  +---------------+---------------+---------------+---------------+
 *  | nick (UTF-8) ...              | secret length | secret ...    |
 *  +---------------+---------------+---------------+---------------+
 *  | device length | device name (UTF-8, optional) ...             |
 *  +---------------+---------------+---------------+---------------+
 *  flags: CPF_WANT_TOKEN asks for a device token in WELCOME; CPF_SYNC
 *  for the sync notices below; CPF_SEND_ONLY for no MESSAGE at all;
 *  CPF_TOKEN (LOGIN only) says the secret is a device token, not a
 *  password.  device (s8, 1-255 bytes) is optional: a message that ends
 *  after the secret has none (protocol 2 as first published); a present
 *  one is never empty.  It names the device a new token is for
 *  ("chatc on HOST"), shown by DEVICES.  Answer: WELCOME, or ERROR.
 *
 * PASSWD (3): id (u64), old password (s8), new password (s8).  Revokes
 *  every device token of the account.  Answer: OK, or ERROR.
 *
 * SEND (4): a text message to a nickname.
 *  +---------------+---------------+---------------+---------------+
 *  |  version (2)  |    type 4     |     message id (64 bits) ...  |
 *  +---------------+---------------+---------------+---------------+
 *  |               ... message id  |  to length    |  to ...       |
 *  +---------------+---------------+---------------+---------------+
 *  |       text length (16)        |  text (UTF-8, 1-4096 bytes)   |
 *  +---------------+---------------+---------------+---------------+
 *  Answer: ACCEPTED once the message is committed to disk, or ERROR.
 *
 * MARK (5): kind (u8: CPR_DELIVERED or CPR_READ), server message id
 *  (u64).  Cumulative: the recipient's client has every message to it up
 *  to this one (delivered), or its user has seen the conversation with
 *  this message's sender up to it (read).  No answer.
 *
 * CONTACTS (6): id (u64), op (u8: CPC_*), nick (s8, empty for the
 *  three lists).  ADD asks (or accepts a request from) nick; ACCEPT and
 *  DECLINE answer nick's request; BLOCK and UNBLOCK; LIST, REQUESTS and
 *  BLOCKED list.  Answer: ROSTER with the whole list the op concerns
 *  (contacts; requests for DECLINE and REQUESTS; blocked users for BLOCK,
 *  UNBLOCK and BLOCKED), or ERROR.  Only mutual contacts show presence.
 *
 * WHO (7): id (u64).  Answer: ROSTER of the online users who chose to be
 *  listed (CPS_VISIBLE), or ERROR CPE_DISABLED.
 *
 * TYPING (8): to (s8).  No answer; rate limited and never stored.
 *
 * AWAY (9): status (u8: CPP_ONLINE or CPP_AWAY).  No answer.
 *
 * DEVICES (10): id (u64), op (u8: CPD_LIST or CPD_REVOKE), device id
 *  (u64, 0 for CPD_LIST).  Answer: DEVICE_LIST (list), OK (revoked: the
 *  device's token is gone and its sessions ended), or ERROR
 *  (CPE_NO_DEVICE).
 *
 * SETTINGS (11): id (u64), mask (u8: CPS_* bits to set), values (u8: their
 *  new values, only bits of mask).  A mask of 0 sets nothing.  Answer:
 *  SETTINGS_ARE with all of them.
 *
 * HISTORY (12): id (u64), with (s8: the other user's nick), before (u64:
 *  a server message id, 0 for the newest), limit (u8, 1-255).  Answer:
 *  HISTORY_PAGE, or ERROR (CPE_DISABLED if the server keeps no history).
 *
 * DELETE_ACCOUNT (13): id (u64), password (s8).  Answer: OK, then every
 *  session of the account ends; or ERROR.
 *
 * GROUP (14): id (u64), op (u8: CPG_*), group (s8: "#name", empty for
 *  CPG_LIST), target (s8: a nick, or empty), server message id (u64:
 *  CPG_READERS' message, else 0), text (s16: CPG_TOPIC's topic, else
 *  empty).  Answer: GROUP_INFO (the group's members; for CPG_LIST the
 *  account's groups; for CPG_READERS the members who read that
 *  message), OK (CPG_DELETE, CPG_LEAVE, CPG_DECLINE), or ERROR.
 *
 * GMARK (15): kind (u8: CPR_DELIVERED or CPR_READ), group (s8), server
 *  message id (u64): cumulative, for that group's messages.  No answer.
 *
 * SEND to a "#name" sends to that group; GMESSAGE carries it.
 *
 * Answers and notices (server to client):
 *
 * OK (64): id (u64).
 *
 * ERROR (65):
 *  +---------------+---------------+---------------+---------------+
 *  |  version (2)  |   type 65     |     request id (64 bits) ...  |
 *  +---------------+---------------+---------------+---------------+
 *  |               ... request id  |      error code (16)          |
 *  +---------------+---------------+---------------+---------------+
 *  | request type  | detail length | detail (UTF-8 text) ...       |
 *  +---------------+---------------+---------------+---------------+
 *
 * WELCOME (66): id (u64), flags (u8, 0), nick (s8: the account's name as
 *  registered, NFC), token (s8: 0 or CP_TOKEN_LEN bytes).
 *
 * ACCEPTED (67): id (u64: the message id), server message id (u64), time
 *  (u64: milliseconds since 1970 UTC), state (u8: CPR_ACCEPTED,
 *  CPR_DELIVERED or CPR_READ: a resend learns how far it already got).
 *
 * MESSAGE (68): an incoming text message, with the id its sender chose
 *  (a client drops a second copy of the same sender and id: see 5.3).
 *  +---------------+---------------+---------------+---------------+
 *  |  version (2)  |   type 68     | server message id (64 bits).. |
 *  +---------------+---------------+---------------+---------------+
 *  |      ... server message id    | sender's message id (64) ...  |
 *  +---------------+---------------+---------------+---------------+
 *  |    ... sender's message id    |   time (64 bits, ms UTC) ...  |
 *  +---------------+---------------+---------------+---------------+
 *  |             ... time          | from length   | from ...      |
 *  +---------------+---------------+---------------+---------------+
 *  |       text length (16)        |  text ...                     |
 *  +---------------+---------------+---------------+---------------+
 *
 * RECEIPT (69): kind (u8: CPR_DELIVERED or CPR_READ), message id (u64:
 *  the sender's), to the sender of that message.
 *
 * ROSTER (70): id (u64), count (u16), then count entries of: nick (s8),
 *  presence (u8: CPP_*), last seen (u64, ms UTC; 0 unknown).
 *
 * PRESENCE (71): nick (s8), presence (u8), last seen (u64): a contact's
 *  presence changed.
 *
 * TYPING_FROM (72): from (s8): a user is typing to you.
 *
 * DEVICE_LIST (73): id (u64), count (u16), then count entries of:
 *  +---------------+---------------+---------------+---------------+
 *  |                 device id (64 bits) ...                       |
 *  +---------------+---------------+---------------+---------------+
 *  |                 ... device id                                 |
 *  +---------------+---------------+---------------+---------------+
 *  |    flags      |   last seen (64 bits, ms UTC) ...             |
 *  +---------------+---------------+---------------+---------------+
 *  |         ... last seen                         | name length   |
 *  +---------------+---------------+---------------+---------------+
 *  | name (UTF-8) ...              | addr length   | address ...   |
 *  +---------------+---------------+---------------+---------------+
 *  flags: CPDF_CURRENT (the token this session logged in with),
 *  CPDF_ONLINE (a session that logged in with it is up).  address: the
 *  last one it was used from, as text ("192.0.2.7", "2001:db8::/64").
 *
 * SETTINGS_ARE (74): id (u64), values (u8: CPS_* bits): the account's
 *  privacy settings, kept by the server for every device.
 *
 * HISTORY_PAGE (75): id (u64), flags (u8: CPH_MORE if older messages
 *  remain), count (u16), then count entries, oldest first, of:
 *  +---------------+---------------+---------------+---------------+
 *  |              server message id (64 bits) ...                  |
 *  +---------------+---------------+---------------+---------------+
 *  |              ... server message id                            |
 *  +---------------+---------------+---------------+---------------+
 *  |              sender's message id (64 bits) ...                |
 *  +---------------+---------------+---------------+---------------+
 *  |              ... sender's message id                          |
 *  +---------------+---------------+---------------+---------------+
 *  |              time (64 bits, ms UTC) ...                       |
 *  +---------------+---------------+---------------+---------------+
 *  |              ... time                                         |
 *  +---------------+---------------+---------------+---------------+
 *  |    flags      |       text length (16)        |  text ...     |
 *  +---------------+---------------+---------------+---------------+
 *  flags: CPHE_OUT (sent by this account), CPHE_DELIVERED and CPHE_READ
 *  (sent: how far the other user has got; received: CPHE_READ if this
 *  account has read it, on any device).
 *
 * The sync notices, sent only to sessions that logged in with CPF_SYNC:
 *
 * SENT (76): a message this account sent from another of its sessions
 *  (a carbon): server message id (u64), message id (u64), time (u64),
 *  to (s8), text (s16); laid out as MESSAGE.
 *
 * READ_UPTO (77): with (s8), server message id (u64): this account has
 *  read its conversation with that user up to that message, on another
 *  device.
 *
 * CONTACTS_CHANGED (78): lists (u8: CPL_* bits): a list of this
 *  account's changed (a request came, one was accepted, a contact or
 *  block was made on another device); the client asks for it again.
 *
 * GMESSAGE (79): server message id (u64), sender's message id (u64; an
 *  event's is its server id), time (u64), group (s8), from (s8), kind
 *  (u8: CPGE_*), text (s16: the message; an event's subject nick, or
 *  the new topic).
 *
 * GROUP_INFO (80): id (u64), group (s8; empty for CPG_LIST), flags (u8:
 *  the asker's CPGM_* in it), topic (s16), count (u16), then count
 *  entries of: name (s8: a member's nick, or for CPG_LIST a group's
 *  name), flags (u8: CPGM_*), value (u64: a member's read cursor, 0 if
 *  not shown; for CPG_LIST the account's unread messages in the group,
 *  up to 999).
 *
 * GRECEIPT (81): group (s8), message id (u64: the sender's), server
 *  message id (u64), counts (3 x u16: members it was delivered to, read
 *  by, and members it was sent to).
 *
 * GROUP_CHANGED (82): group (s8), what (u8: CPGC_*): ask GROUP again.
 *
 * GHISTORY_PAGE (83): HISTORY of a "#name": id (u64), flags (u8:
 *  CPH_MORE), count (u16), then entries of: server message id (u64),
 *  message id (u64), time (u64), kind (u8: CPGE_*), from (s8), text
 *  (s16).
 */
#ifndef CHATPROTO_H
#define CHATPROTO_H

#include <stddef.h>
#include <stdint.h>

#define CP_VERSION	2
#define CP_HDR_LEN	2
#define CP_TEXT_MAX	4096		/* bytes of message text */
#define CP_NICK_WIRE	255		/* bytes of a nick on the wire */
#define CP_SECRET_MAX	255		/* bytes of a password on the wire */
#define CP_TOKEN_LEN	32		/* bytes of a device token */
/* The longest chat message a client or server ever builds. */
#define CP_MAX_MSG	65536

enum cp_type {
	CP_REGISTER = 1,
	CP_LOGIN = 2,
	CP_PASSWD = 3,
	CP_SEND = 4,
	CP_MARK = 5,
	CP_CONTACTS = 6,
	CP_WHO = 7,
	CP_TYPING = 8,
	CP_AWAY = 9,
	CP_DEVICES = 10,
	CP_SETTINGS = 11,
	CP_HISTORY = 12,
	CP_DELETE_ACCOUNT = 13,
	CP_GROUP = 14,
	CP_GMARK = 15,
	CP_OK = 64,
	CP_ERROR = 65,
	CP_WELCOME = 66,
	CP_ACCEPTED = 67,
	CP_MESSAGE = 68,
	CP_RECEIPT = 69,
	CP_ROSTER = 70,
	CP_PRESENCE = 71,
	CP_TYPING_FROM = 72,
	CP_DEVICE_LIST = 73,
	CP_SETTINGS_ARE = 74,
	CP_HISTORY_PAGE = 75,
	CP_SENT = 76,
	CP_READ_UPTO = 77,
	CP_CONTACTS_CHANGED = 78,
	CP_GMESSAGE = 79,
	CP_GROUP_INFO = 80,
	CP_GRECEIPT = 81,
	CP_GROUP_CHANGED = 82,
	CP_GHISTORY_PAGE = 83,
};

/* GROUP operations. */
enum cp_group_op {
	CPG_LIST = 0,		/* the account's groups and invitations */
	CPG_CREATE = 1,
	CPG_DELETE = 2,		/* owner */
	CPG_INVITE = 3,		/* admins: target */
	CPG_ACCEPT = 4,		/* an invitation */
	CPG_DECLINE = 5,
	CPG_KICK = 6,		/* admins: target */
	CPG_LEAVE = 7,
	CPG_MEMBERS = 8,
	CPG_TOPIC = 9,		/* admins: text */
	CPG_ADMIN = 10,		/* owner: make target an admin */
	CPG_UNADMIN = 11,	/* owner */
	CPG_OWNER = 12,		/* owner: hand the group to target */
	CPG_MUTE = 13,		/* for this account only */
	CPG_UNMUTE = 14,
	CPG_READERS = 15,	/* who read message sid */
};
#define CPG_MAX		CPG_READERS

/* A member's (or, in CPG_LIST, the account's) flags. */
#define CPGM_ADMIN	0x01
#define CPGM_OWNER	0x02
#define CPGM_INVITED	0x04	/* invited, not yet joined */
#define CPGM_MUTED	0x08
#define CPGM_ONLINE	0x10	/* a contact of the asker, online */
#define CPGM_ALL	0x1f

/* GMESSAGE kinds: a message, or an event of the group's history. */
enum cp_group_event {
	CPGE_TEXT = 0,
	CPGE_CREATED = 1,	/* from created it */
	CPGE_JOINED = 2,	/* text joined (invited by from) */
	CPGE_LEFT = 3,		/* from left */
	CPGE_REMOVED = 4,	/* from removed text */
	CPGE_TOPIC = 5,		/* from set the topic to text */
	CPGE_ADMIN = 6,		/* from made text an admin */
	CPGE_UNADMIN = 7,	/* from made text a member again */
	CPGE_OWNER = 8,		/* from handed the group to text */
};
#define CPGE_MAX	CPGE_OWNER

/* GROUP_CHANGED: what changed. */
#define CPGC_MEMBERS	0x01
#define CPGC_INVITED	0x02	/* you were invited */
#define CPGC_REMOVED	0x04	/* you are no longer a member */
#define CPGC_DELETED	0x08	/* the group is gone */
#define CPGC_ALL	0x0f

/* HISTORY_PAGE flags, and its entries' flags. */
#define CPH_MORE	0x01
#define CPHE_OUT	0x01
#define CPHE_DELIVERED	0x02
#define CPHE_READ	0x04
#define CPHE_ALL	0x07
/* The most entry bytes in one HISTORY_PAGE: one entry always fits. */
#define CP_HISTORY_BYTES 16384
#define CP_HIST_ENTRY_MIN 27		/* an entry's bytes besides its text */

/* CONTACTS_CHANGED lists. */
#define CPL_CONTACTS	0x01
#define CPL_REQUESTS	0x02
#define CPL_BLOCKED	0x04
#define CPL_ALL		0x07

/* REGISTER/LOGIN flags. */
#define CPF_WANT_TOKEN	0x01
#define CPF_TOKEN	0x02
#define CPF_SYNC	0x04	/* send this session SENT, READ_UPTO and
				 * CONTACTS_CHANGED */
#define CPF_SEND_ONLY	0x08	/* send this session no MESSAGE: it would
				 * not show them (a one-shot command) */

/* Receipt kinds and message states. */
enum cp_receipt {
	CPR_ACCEPTED = 0,
	CPR_DELIVERED = 1,
	CPR_READ = 2,
};

/* CONTACTS operations. */
enum cp_contacts_op {
	CPC_LIST = 0,
	CPC_ADD = 1,
	CPC_DEL = 2,
	CPC_ACCEPT = 3,
	CPC_DECLINE = 4,
	CPC_BLOCK = 5,
	CPC_UNBLOCK = 6,
	CPC_REQUESTS = 7,
	CPC_BLOCKED = 8,
};

/* SETTINGS bits: listed by WHO; read marks earn receipts; typing passed. */
#define CPS_VISIBLE	0x01
#define CPS_RECEIPTS	0x02
#define CPS_TYPING	0x04
#define CPS_ALL		0x07

/* DEVICES operations, and DEVICE_LIST entry flags. */
enum cp_devices_op {
	CPD_LIST = 0,
	CPD_REVOKE = 1,
};
#define CPDF_CURRENT	0x01
#define CPDF_ONLINE	0x02

/* Presence. */
enum cp_presence {
	CPP_OFFLINE = 0,
	CPP_ONLINE = 1,
	CPP_AWAY = 2,
};

/* Error codes in ERROR; cp_strerror() gives each one's text. */
enum cp_err {
	CPE_NONE = 0,
	CPE_MALFORMED = 1,	/* the request could not be decoded */
	CPE_VERSION = 2,	/* unsupported protocol version */
	CPE_NOT_LOGGED_IN = 3,	/* log in first */
	CPE_NICK_INVALID = 4,	/* nickname breaks the rules (nick.h) */
	CPE_NICK_TAKEN = 5,	/* nickname already registered */
	CPE_UNKNOWN_USER = 6,	/* no such nickname */
	CPE_WRONG_PASSWORD = 7,	/* password does not match */
	CPE_BAD_TOKEN = 8,	/* device token unknown or revoked */
	CPE_RATE_LIMITED = 9,	/* too many requests: slow down */
	CPE_QUEUE_FULL = 10,	/* the recipient's offline queue is full */
	CPE_BAD_UTF8 = 11,	/* text is not valid UTF-8 */
	CPE_TOO_LONG = 12,	/* text over CP_TEXT_MAX bytes, or empty */
	CPE_DISABLED = 13,	/* switched off by the server's config */
	CPE_BUSY = 14,		/* the server is overloaded: retry later */
	CPE_INTERNAL = 15,	/* the server failed (storage) */
	CPE_ALREADY = 16,	/* this session is already logged in */
	CPE_BAD_PASSWORD = 17,	/* a new password that is empty or too long */
	CPE_LIMIT = 18,		/* a limit, not a rate: too many contacts;
				 * an address's registrations for the day */
	CPE_CONTROL = 19,	/* text holds a control character */
	CPE_QUOTA = 21,		/* too many of the sender's messages wait
				 * for this recipient */
	CPE_CONFUSABLE = 20,	/* REGISTER: looks like an existing name */
	/* 21 is reserved (CPE_QUOTA). */
	CPE_NO_DEVICE = 22,	/* DEVICES: no such device of the account */
	CPE_NO_REQUEST = 23,	/* CONTACTS: no request from that user */
	CPE_LOCKED = 24,	/* LOGIN: the account is locked by the
				 * administrator (chatctl lock); also the
				 * notice, id 0, that ends its sessions */
	CPE_NO_GROUP = 25,	/* no such group, or not a member of it */
	CPE_NOT_ALLOWED = 26,	/* the member's role does not allow it */
	CPE_MAX
};

/* Bytes borrowed from a decoded buffer (not NUL-terminated). */
struct cp_str {
	const uint8_t	*p;
	size_t		 len;
};

/*
 * One decoded or to-be-encoded chat message.  Which fields a type uses is
 * listed above; the rest are zero.  Decoded strings point into the buffer.
 */
struct cp_msg {
	uint8_t		type;
	uint64_t	id;		/* request or message id */
	uint8_t		flags;		/* flags, kind, op, state, presence,
					 * SETTINGS mask */
	uint8_t		value;		/* SETTINGS: values */
	uint16_t	code;		/* ERROR: enum cp_err */
	uint8_t		reqtype;	/* ERROR: the request's type */
	uint64_t	sid;		/* server message id */
	uint64_t	time;		/* ms since 1970; last seen */
	struct cp_str	nick;		/* nick, to, from */
	struct cp_str	secret;		/* password, old password, token */
	struct cp_str	secret2;	/* PASSWD: new password */
	struct cp_str	text;		/* SEND, MESSAGE text; ERROR detail */
	uint16_t	count;		/* ROSTER, DEVICE_LIST, HISTORY_PAGE
					 * entries */
	struct cp_str	entries;	/* ROSTER, DEVICE_LIST, HISTORY_PAGE:
					 * encoded */
	struct cp_str	device;		/* REGISTER, LOGIN: device name,
					 * optional (len 0: absent) */
	struct cp_str	target;		/* GROUP: target nick; GMESSAGE,
					 * GHISTORY entries: from */
	uint16_t	n[3];		/* GRECEIPT: delivered, read, of */
};

/* One GHISTORY_PAGE entry. */
struct cp_ghist {
	uint64_t	sid;
	uint64_t	msgid;
	uint64_t	time;
	uint8_t		kind;		/* CPGE_* */
	struct cp_str	from;
	struct cp_str	text;
};

/* One ROSTER entry. */
struct cp_entry {
	struct cp_str	nick;
	uint8_t		presence;
	uint64_t	last_seen;
};

/*
 * Decode len bytes at buf.  CPE_NONE, CPE_VERSION (m->type and, when it
 * is readable, m->id are set so the answer can name the request) or
 * CPE_MALFORMED (likewise).  Never reads outside buf.
 */
enum cp_err	 cp_decode(const uint8_t *buf, size_t len, struct cp_msg *m);
/* Encode m into buf (cap bytes); the length, or 0 if it does not fit. */
size_t		 cp_encode(uint8_t *buf, size_t cap, const struct cp_msg *m);
/* The encoded size of m, to size a buffer. */
size_t		 cp_size(const struct cp_msg *m);

/* One DEVICE_LIST entry. */
struct cp_device {
	uint64_t	id;
	uint8_t		flags;		/* CPDF_* */
	uint64_t	last_seen;
	struct cp_str	name;
	struct cp_str	addr;
};

/* One HISTORY_PAGE entry. */
struct cp_hist {
	uint64_t	sid;
	uint64_t	msgid;
	uint64_t	time;
	uint8_t		flags;		/* CPHE_* */
	struct cp_str	text;
};

/* Append one ROSTER entry at buf (cap bytes); its length or 0. */
size_t		 cp_entry_encode(uint8_t *buf, size_t cap,
		    const struct cp_entry *);
/* Take the next entry from a decoded ROSTER; 1, or 0 at the end. */
int		 cp_entry_next(struct cp_str *rest, struct cp_entry *);
/* The same for DEVICE_LIST entries. */
size_t		 cp_device_encode(uint8_t *buf, size_t cap,
		    const struct cp_device *);
int		 cp_device_next(struct cp_str *rest, struct cp_device *);
/* The same for HISTORY_PAGE entries. */
size_t		 cp_hist_encode(uint8_t *buf, size_t cap,
		    const struct cp_hist *);
int		 cp_hist_next(struct cp_str *rest, struct cp_hist *);
/* The same for GHISTORY_PAGE entries, and GROUP_INFO entries (as
 * cp_entry, with presence holding the CPGM_* flags). */
size_t		 cp_ghist_encode(uint8_t *buf, size_t cap,
		    const struct cp_ghist *);
int		 cp_ghist_next(struct cp_str *rest, struct cp_ghist *);
size_t		 cp_gentry_encode(uint8_t *buf, size_t cap,
		    const struct cp_entry *);
int		 cp_gentry_next(struct cp_str *rest, struct cp_entry *);

/* The fixed English text of an error code. */
const char	*cp_strerror(unsigned int code);
/* The name of a message type ("SEND"), or "?" */
const char	*cp_typename(unsigned int type);
/* Is the buffer valid UTF-8 with no NUL bytes? */
int		 cp_utf8_ok(const uint8_t *, size_t);
/*
 * May the buffer be a message's text?  CPE_NONE; CPE_BAD_UTF8 if it is not
 * UTF-8 or holds a NUL; CPE_CONTROL if it holds a C0 control other than
 * tab and newline, or DEL (they would drive the reader's terminal).
 */
enum cp_err	 cp_text_check(const uint8_t *, size_t);
/*
 * The next message id of a client (docs/PROTOCOL.md, 5.3), greater than
 * *last (so never 0), which it updates: the time in ms, shifted left by
 * CP_MSGID_MSSHIFT, ORed with CP_MSGID_TAGBITS bits of tag (random per
 * client) above CP_MSGID_SEQBITS bits of sequence (0 in each new
 * millisecond).  Ids that grow with time keep the server's duplicate
 * index appending.
 */
#define CP_MSGID_SEQBITS 8
#define CP_MSGID_TAGBITS 12
#define CP_MSGID_MSSHIFT (CP_MSGID_TAGBITS + CP_MSGID_SEQBITS)
#define CP_MSGID_SEQMASK ((UINT64_C(1) << CP_MSGID_SEQBITS) - 1)
#define CP_MSGID_TAGMASK ((1U << CP_MSGID_TAGBITS) - 1)
uint64_t	 cp_msgid_next(uint64_t *last, uint32_t tag, uint64_t now_ms);

#endif
