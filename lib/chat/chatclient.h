/*
 * chatclient.h: the chat client library shared by chatc and chat-tui.
 *
 * A chatclient owns one session (session.h) to a chatd, on the caller's
 * libev loop, and everything the chat protocol (chatproto.h) needs on top
 * of it: logging in (and again after every reconnect), an outbox of
 * messages with client-chosen ids that is resent until the server has
 * accepted each one, delivered-receipts for incoming messages, contacts,
 * presence, the who directory and typing notices.
 *
 * Life cycle: chatclient_new(), then chatclient_register() or one of the
 * chatclient_login*() calls (which remember the credentials and start
 * connecting), then requests; chatclient_free() at the end.  Everything
 * is reported through the callbacks in struct chatclient_cb, all called
 * from the loop, never from inside a chatclient_*() call.  A callback may
 * call any chatclient_*() function except chatclient_free(); to stop from
 * a callback, call ev_break() and free the client after ev_run() returns.
 *
 * Connection: the client never gives up on its own.  A lost session, a
 * server that does not answer (restarting, unreachable), and a login
 * refused with "rate limited", "busy" or "internal error" all lead to
 * the same: wait (chatclient_backoff(): a random time up to 2 s, the
 * range doubling with each failure up to 30 s, so a crowd of clients
 * spreads out), reconnect unless the session is still up, log in again
 * (with the device token if the server issued one, else with the
 * password it keeps in locked memory) and resend the outbox in order.
 * Only conf.reconnect 0, a server whose key does not match the pinned one
 * (sesskey.h), or a final refusal (wrong password, revoked token, no such
 * account) end in CHATCLIENT_FAILED; how long to keep trying is the
 * application's to decide.  HELLOs and the login are first retried after
 * 250 ms, doubling (HELLOs up to 2 s, data up to 4 s), to suit lossy
 * paths.
 *
 * Failover: the server may be a list, "a:8081,b:8081,[2001:db8::1]", and
 * a name that resolves to several addresses counts as all of them, in
 * the resolver's order (addr_parse_list(), at most CHATCLIENT_SERVERS_MAX
 * addresses).  The client starts on the first.  When the one in use stops
 * answering (a live session silent for dead_ms, or no answer to the
 * handshake within dead_ms) it goes at once to the next, wrapping round,
 * and only after every address has failed since the last login does it
 * wait the backoff above.  Wherever it lands it logs in again as after a
 * reconnect: the server gives what is not yet delivered (from its cursor,
 * each message once: the client ignores a server id it has seen) and the
 * outbox is resent, deduplicated by its message ids.  Every address is
 * the same service: it must present the same server key, pinned under
 * the server string as given, so another key from any of them ends in
 * CHATCLIENT_FAILED as it would from one.  Other losses (closed by the
 * server, a busy refusal) stay on the address in use.
 *
 * Strings passed in are copied; strings passed to callbacks are valid only
 * during the call.  Texts are UTF-8, NUL-terminated on the way out (a
 * message text cannot contain NUL).
 */
#ifndef CHATCLIENT_H
#define CHATCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "chat/chatproto.h"

struct ev_loop;
struct chatclient;

#define CHATCLIENT_DEFAULT_SERVER	"localhost:8081"
#define CHATCLIENT_DEFAULT_PORT		"8081"
#define CHATCLIENT_SERVERS_MAX		16	/* addresses in a server list */

enum chatclient_state {
	CHATCLIENT_CONNECTING,	/* handshake under way */
	CHATCLIENT_LOGGING_IN,	/* session up, login or register sent */
	CHATCLIENT_READY,	/* logged in: requests and messages flow */
	CHATCLIENT_DISCONNECTED,/* session lost; reconnecting if enabled */
	CHATCLIENT_FAILED,	/* given up for good; the reason is given */
};

struct chatclient_conf {
	const char	*server;	/* HOST[:PORT], or several separated by
					 * commas; NULL: localhost:8081 */
	const char	*pinfile;	/* server key pins; NULL: default */
	int		 reconnect;	/* reconnect after a loss (default 1) */
	const char	*device;	/* this device's name, given with a
					 * request for a device token ("chatc
					 * on HOST"); NULL none */
	uint32_t	 keepalive_ms;	/* idle PING interval (default 1500) */
	uint32_t	 dead_ms;	/* silence that ends the session, so a
					 * restarted server is noticed (9000:
					 * six PINGs, so that even at 20% loss
					 * each way a live session survives) */
	int		 sync;		/* ask for the sync notices (CPF_SYNC):
					 * the sent, read_upto and
					 * contacts_changed callbacks */
	int		 send_only;	/* take no messages (CPF_SEND_ONLY):
					 * a program that would not show them
					 * must not have them marked
					 * delivered */
};

/* An incoming message. */
struct chatclient_msg {
	uint64_t	 sid;		/* the server's message id */
	uint64_t	 time_ms;	/* when the server accepted it, UTC */
	const char	*from;		/* the sender's nickname */
	const char	*text;		/* UTF-8, NUL-terminated */
	size_t		 len;		/* bytes of text */
};

/* A message of a conversation, from HISTORY or a carbon (SENT). */
struct chatclient_hist {
	uint64_t	 sid;		/* the server's message id */
	uint64_t	 msgid;		/* its sender's id for it */
	uint64_t	 time_ms;	/* when the server accepted it, UTC */
	const char	*peer;		/* the other user of the conversation */
	int		 outgoing;	/* sent by this account */
	enum cp_receipt	 state;		/* outgoing: how far it has got */
	int		 read;		/* incoming: read by this account */
	const char	*text;		/* UTF-8, NUL-terminated */
	size_t		 len;
};
/* A group's message or event (GMESSAGE), or one of its history. */
struct chatclient_gmsg {
	uint64_t	 sid;
	uint64_t	 msgid;		/* the sender's id (an event's: sid) */
	uint64_t	 time_ms;
	const char	*group;		/* "#name" */
	const char	*from;		/* sender, or the event's actor */
	enum cp_group_event kind;	/* CPGE_TEXT, or an event */
	const char	*text;		/* the message; the event's subject
					 * nick, or the new topic */
	size_t		 len;
};
/* A member of a group (flags CPGM_*, value its read cursor), or one of
 * the account's groups (CPG_LIST: value its unread messages). */
struct chatclient_gentry {
	const char	*name;
	unsigned int	 flags;
	uint64_t	 value;
};
/* A contact or online user, with presence. */
struct chatclient_contact {
	const char	*nick;
	enum cp_presence presence;
	uint64_t	 last_seen_ms;	/* 0 unknown; else UTC */
};

/* One of the account's devices (device tokens), for chatclient_devices(). */
struct chatclient_device {
	uint64_t	 id;		/* for chatclient_device_revoke() */
	const char	*name;		/* as its client named it; may be "" */
	uint64_t	 last_seen_ms;	/* its last login, UTC */
	const char	*addr;		/* where from ("192.0.2.7") */
	int		 current;	/* the token this session used */
	int		 online;	/* a session with it is up */
};

struct chatclient_cb {
	/*
	 * The connection changed state.  For CHATCLIENT_FAILED and
	 * CHATCLIENT_DISCONNECTED, code is the chat error that caused it
	 * (e.g. CPE_WRONG_PASSWORD) or CPE_NONE, and why is one line.
	 */
	void	(*state)(struct chatclient *, enum chatclient_state,
		    enum cp_err code, const char *why, void *arg);
	/*
	 * The answer to a request: id is what the request call returned
	 * (for a send, the message id), type the request's (CP_SEND, ...),
	 * code CPE_NONE for success.  A failed send leaves the outbox.
	 */
	void	(*result)(struct chatclient *, uint64_t id, enum cp_type type,
		    enum cp_err code, const char *detail, void *arg);
	/* A sent message is durably stored (state: how far it has got). */
	void	(*accepted)(struct chatclient *, uint64_t msgid, uint64_t sid,
		    uint64_t time_ms, enum cp_receipt state, void *arg);
	/* A sent message was delivered to, or read by, its recipient. */
	void	(*receipt)(struct chatclient *, uint64_t msgid,
		    enum cp_receipt kind, void *arg);
	/* A message arrived (each sender's message id at most once per
	 * client, among the last 4096). */
	void	(*message)(struct chatclient *, const struct chatclient_msg *,
		    void *arg);
	/* The answer to chatclient_contacts() or chatclient_who(). */
	void	(*roster)(struct chatclient *, uint64_t id,
		    const struct chatclient_contact *, size_t n, void *arg);
	/* A contact's presence changed. */
	void	(*presence)(struct chatclient *,
		    const struct chatclient_contact *, void *arg);
	/* Someone is typing a message to us. */
	void	(*typing)(struct chatclient *, const char *from, void *arg);
	void	*arg;
	/* The answer to chatclient_devices() (after arg, so that older
	 * positional initialisers still fit). */
	void	(*devices)(struct chatclient *, uint64_t id,
		    const struct chatclient_device *, size_t n, void *arg);
	/* The answer to chatclient_settings(): every CPS_* bit. */
	void	(*settings)(struct chatclient *, uint64_t id,
		    unsigned int values, void *arg);
	/* The answer to chatclient_history(): n messages, oldest first;
	 * more says older ones remain (ask again before v[0].sid). */
	void	(*history)(struct chatclient *, uint64_t id, const char *peer,
		    const struct chatclient_hist *v, size_t n, int more,
		    void *arg);
	/* Sync notices (conf.sync): a message this account sent from
	 * another device; the conversation with peer was read up to sid
	 * on another device; lists (CPL_*) changed: ask for them again. */
	void	(*sent)(struct chatclient *, const struct chatclient_hist *,
		    void *arg);
	void	(*read_upto)(struct chatclient *, const char *peer,
		    uint64_t sid, void *arg);
	void	(*contacts_changed)(struct chatclient *, unsigned int lists,
		    void *arg);
	/* Groups: a message or event (each once; delivered is marked as
	 * for messages); the answer to chatclient_group() (group "" and
	 * the account's groups for CPG_LIST, else the members); how far a
	 * message this account sent to a group got; a group changed for
	 * this account (CPGC_*: invited, removed, deleted); a page of a
	 * group's history, oldest first. */
	void	(*gmessage)(struct chatclient *,
		    const struct chatclient_gmsg *, void *arg);
	void	(*group_info)(struct chatclient *, uint64_t id,
		    const char *group, unsigned int flags, const char *topic,
		    const struct chatclient_gentry *v, size_t n, void *arg);
	void	(*greceipt)(struct chatclient *, const char *group,
		    uint64_t msgid, unsigned int delivered, unsigned int read,
		    unsigned int of, void *arg);
	void	(*group_changed)(struct chatclient *, const char *group,
		    unsigned int what, void *arg);
	void	(*ghistory)(struct chatclient *, uint64_t id,
		    const char *group, const struct chatclient_gmsg *v,
		    size_t n, int more, void *arg);
};

/* Fill conf with the defaults. */
void		 chatclient_conf_default(struct chatclient_conf *);
/*
 * A client on loop; nothing is sent until a login or register call.  NULL
 * with a message in err if the server address does not resolve.
 */
struct chatclient *chatclient_new(struct ev_loop *,
		    const struct chatclient_conf *, const struct chatclient_cb *,
		    char *err, size_t errlen);
/* Close the session (telling the server) and free everything. */
void		 chatclient_free(struct chatclient *);

/*
 * Log in as nick with a password, asking for a device token if
 * want_token.  0, or -1 with errno EINVAL if the nickname is invalid
 * (nick.h) or the password empty or over CP_SECRET_MAX bytes.  The
 * outcome comes as state(READY) or state(FAILED, code).
 */
int		 chatclient_login(struct chatclient *, const char *nick,
		    const char *password, int want_token);
/* Log in with a device token of CP_TOKEN_LEN bytes. */
int		 chatclient_login_token(struct chatclient *, const char *nick,
		    const uint8_t token[CP_TOKEN_LEN]);
/* Create the account nick, then stay logged in as it. */
int		 chatclient_register(struct chatclient *, const char *nick,
		    const char *password, int want_token);
/* The device token the server issued at the last login: 1, or 0 none. */
int		 chatclient_token(const struct chatclient *,
		    uint8_t token[CP_TOKEN_LEN]);
/* The account's nickname as registered (NFC), once READY; else NULL. */
const char	*chatclient_nick(const struct chatclient *);
enum chatclient_state chatclient_state(const struct chatclient *);
/* Seconds until the next attempt to connect or log in, or -1 if none is
 * waiting. */
double		 chatclient_retry_in(const struct chatclient *);
/*
 * The address in use, or the one being tried, printed into buf (at least
 * ADDR_STRLEN bytes: "192.0.2.7:8081", "[2001:db8::7]:8081"); its place
 * in the server's address list (from 0) in *i and the list's length in
 * *n, each if not NULL.  It moves on when the address in use fails (before
 * the state callback reports DISCONNECTED), so on READY it is the address
 * logged in on.
 */
const char	*chatclient_address(const struct chatclient *, char *buf,
		    size_t len, size_t *i, size_t *n);
/*
 * The reconnect delay after failures attempts in a row, for u uniform in
 * [0, 1): u times a range of 2 s doubling with each failure up to 30 s
 * ("full jitter").  Exposed for simulations of many clients.
 */
double		 chatclient_backoff(unsigned int failures, double u);

/*
 * Queue a message of len bytes to nick and return its message id (never
 * 0), or 0 with errno: EINVAL (invalid nickname), EILSEQ (not UTF-8),
 * EBADMSG (a control character other than tab and newline: see
 * cp_text_check), EMSGSIZE (empty or over CP_TEXT_MAX bytes).  Sent when READY, resent
 * after reconnects until accepted or refused; order is kept.
 */
uint64_t	 chatclient_send(struct chatclient *, const char *nick,
		    const char *text, size_t len);
/* The same with a caller-chosen id (e.g. kept across restarts). */
int		 chatclient_send_id(struct chatclient *, uint64_t msgid,
		    const char *nick, const char *text, size_t len);
/* Messages queued and not yet accepted or refused. */
size_t		 chatclient_outbox(const struct chatclient *);
/*
 * How often the server asked for a message to be sent again later (busy,
 * rate limited, or unable to store it now); the client does so itself.
 */
uint64_t	 chatclient_deferrals(const struct chatclient *);
/*
 * Bytes sent on the session and not yet acknowledged by the server (e.g.
 * read marks; the delivered mark, one per loop turn, counts from the
 * MESSAGE on); a program about to exit waits for 0, running its loop.
 */
size_t		 chatclient_unacked(const struct chatclient *);
/* Tell the sender of sid that its message has been read. */
int		 chatclient_mark_read(struct chatclient *, uint64_t sid);

/*
 * Requests that need READY; each returns its id (never 0), answered by
 * the roster or result callback, or 0 with errno ENOTCONN (not READY) or
 * EINVAL (bad argument).
 */
uint64_t	 chatclient_contacts(struct chatclient *, enum cp_contacts_op,
		    const char *nick);		/* nick NULL for the lists */
/* Set the CPS_* bits of mask to values (mask 0: only read them). */
uint64_t	 chatclient_settings(struct chatclient *, unsigned int mask,
		    unsigned int values);
uint64_t	 chatclient_who(struct chatclient *);
/* The account's devices (the devices callback), or revoke one: its
 * token and sessions end (the result callback, CP_DEVICES). */
uint64_t	 chatclient_devices(struct chatclient *);
uint64_t	 chatclient_device_revoke(struct chatclient *, uint64_t device);
uint64_t	 chatclient_passwd(struct chatclient *, const char *old,
		    const char *new_password);
/*
 * A page of the conversation with nick: up to limit (1-255; the server
 * gives at most 100) messages before server id before (0: the newest).
 * Answered by the history callback, or result with CPE_DISABLED when the
 * server keeps no history.
 */
uint64_t	 chatclient_history(struct chatclient *, const char *nick,
		    uint64_t before, unsigned int limit);
/*
 * A group request (docs/PROTOCOL.md 5.7): group "#name" (NULL for
 * CPG_LIST), target a nick (invite, kick, admin, unadmin, owner), sid
 * (readers), text (topic); NULL where unused.  Answered by group_info,
 * or result (OK for delete, leave, decline; or the error).
 */
uint64_t	 chatclient_group(struct chatclient *, enum cp_group_op,
		    const char *group, const char *target, uint64_t sid,
		    const char *text);
/* Tell a group's senders that this account read it up to sid. */
int		 chatclient_gmark_read(struct chatclient *, const char *group,
		    uint64_t sid);
/* Delete the account (the password again): result CP_DELETE_ACCOUNT;
 * then the server ends the session, and the client stays logged out. */
uint64_t	 chatclient_delete_account(struct chatclient *,
		    const char *password);
/* Notices without an answer: 0 or -1 with errno. */
int		 chatclient_typing(struct chatclient *, const char *nick);
int		 chatclient_away(struct chatclient *, int away);

/* A one-line English description of a state, for messages. */
const char	*chatclient_statename(enum chatclient_state);

#endif
