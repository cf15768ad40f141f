/*
 * net.h: chat-tui's link to chatd, the one module that knows the chat
 * client library (chatclient.h).  A net owns its chatclient, the device
 * tokens kept on disk for this server, and the ids of the requests under
 * way whose answers need telling apart (which list a roster is, whose
 * history a page or a refusal is, which group request an answer is).
 *
 * It knows nothing of the app: it is driven through struct net_ops and
 * reports through struct net_events, both in the model's terms (model.h),
 * so the app (app.c) links and runs the same against a fake in the unit
 * tests as against chatd.  Whoever makes a net with net_new() owns it and
 * frees it with net_free(), after the app has stopped using it.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>

#include "chat/chatproto.h"
#include "model.h"

struct ev_loop;
struct net;

enum net_contacts_op {
	NET_LIST,
	NET_ADD,		/* ask to be a contact, or accept their request */
	NET_DEL,
	NET_ACCEPT,		/* a request */
	NET_DECLINE,
	NET_BLOCK,
	NET_UNBLOCK,
	NET_REQUESTS,		/* list who asked us */
	NET_BLOCKED,		/* list whom we blocked */
};

/* Which list a roster is: the op that asked for it decides (net.c). */
enum net_list {
	NET_L_CONTACTS,		/* LIST, ADD, DEL, ACCEPT */
	NET_L_WHO,
	NET_L_REQUESTS,		/* REQUESTS, DECLINE */
	NET_L_BLOCKED,		/* BLOCK, UNBLOCK, BLOCKED */
};

/* Lists changed on the server (lists_changed), as bits. */
#define NET_CH_CONTACTS		0x01
#define NET_CH_REQUESTS		0x02
#define NET_CH_BLOCKED		0x04

/* The account's privacy settings, as bits (settings). */
#define NET_SET_VISIBLE		0x01	/* listed by /who */
#define NET_SET_RECEIPTS	0x02	/* read receipts are sent */
#define NET_SET_TYPING		0x04	/* typing notices are sent */

/* A message of a conversation from the server's history, or a carbon. */
struct net_hist {
	const char	*peer;		/* the other user */
	uint64_t	 sid;		/* the server's id */
	uint64_t	 msgid;		/* the id its sender chose */
	uint64_t	 time_ms;
	int		 out;		/* sent by this account */
	enum model_state state;		/* out: accepted, delivered, read */
	int		 read;		/* in: read by this account */
	const char	*text;
	size_t		 len;
};

/* A group's message or event (GMESSAGE), or one of its history. */
struct net_gmsg {
	const char	*group;		/* "#name" */
	uint64_t	 sid;
	uint64_t	 msgid;		/* its sender's id (an event's: sid) */
	uint64_t	 time_ms;
	const char	*from;		/* the sender, or the event's actor */
	int		 event;		/* CPGE_*; CPGE_TEXT a message */
	const char	*text;		/* the message; the event's subject
					 * nick, or the new topic */
	size_t		 len;
};

/* A member of a group (flags CPGM_*), or in the answer to CPG_LIST one
 * of the account's groups (value: its unread messages). */
struct net_gentry {
	const char	*name;
	unsigned int	 flags;
	uint64_t	 value;
};

/*
 * What the net reports, each call followed by changed(); arg is the one
 * given to net_new().  None of them may free the net.
 */
struct net_events {
	/*
	 * The connection's state, with why ("" or a reason);
	 * need_password: the password or the device token was refused;
	 * unknown_user: there is no such account.
	 */
	void	(*conn)(void *arg, enum model_conn, const char *why,
		    int need_password, int unknown_user);
	/*
	 * The next attempt to connect (or log in) is in_ms from now; called
	 * before conn() reports the state that waits for it.
	 */
	void	(*reconnect)(void *arg, uint64_t in_ms);
	/*
	 * Logged in on the node addr ("192.0.2.7:8081"), number i (from 0)
	 * of the n addresses the server names; called before conn()
	 * reports the login.
	 */
	void	(*node)(void *arg, const char *addr, size_t i, size_t n);
	/* The server has stored our message id as sid. */
	void	(*accepted)(void *arg, uint64_t id, uint64_t sid,
		    uint64_t time_ms, enum model_state);
	/* Our message id is delivered or read. */
	void	(*receipt)(void *arg, uint64_t id, enum model_state);
	/* The server refused our message id. */
	void	(*refused)(void *arg, uint64_t id, const char *why);
	/* A message for us, sid being the server's id. */
	void	(*message)(void *arg, uint64_t sid, uint64_t time_ms,
		    const char *from, const char *text, size_t len);
	/* A list: contacts, the who directory, requests, blocked users. */
	void	(*roster)(void *arg, enum net_list, const char *const *nicks,
		    const enum model_presence *, const uint64_t *last_seen,
		    size_t n);
	/* A contact came, went or is away. */
	void	(*presence)(void *arg, const char *nick, enum model_presence,
		    uint64_t last_seen_ms);
	/* Someone is typing to us. */
	void	(*typing)(void *arg, const char *from);
	/* The outcome of a request other than a send; error NULL: done. */
	void	(*result)(void *arg, const char *what, const char *error);
	/* The account's settings (NET_SET_* bits). */
	void	(*settings)(void *arg, unsigned int values);
	/*
	 * A page of the conversation with peer, oldest first, more if
	 * older messages remain; or, with error set, why there is none:
	 * later 1, ask again in a while (rate limited, busy); -1, the
	 * server keeps no history (or is too old to); 0, not this one.
	 */
	void	(*history)(void *arg, const char *peer,
		    const struct net_hist *, size_t n, int more,
		    const char *error, int later);
	/* A message this account sent from another device. */
	void	(*sent)(void *arg, const struct net_hist *);
	/* The conversation with peer was read up to sid elsewhere. */
	void	(*read_upto)(void *arg, const char *peer, uint64_t sid);
	/* Lists (NET_CH_*) changed on the server: ask for them again. */
	void	(*lists_changed)(void *arg, unsigned int lists);
	/* Groups (chatproto.h's CPG_*, CPGM_*, CPGE_*, CPGC_*): a message
	 * or event; a page of a group's history, oldest first; the answer
	 * to the group request op (group "" and the account's groups for
	 * CPG_LIST, else the group's members, our flags and its topic);
	 * a request's refusal, or error NULL its OK (leave, decline);
	 * how far a message we sent to a group got; a group changed for
	 * us (invited, removed, deleted): ask for the list again. */
	void	(*gmessage)(void *arg, const struct net_gmsg *);
	void	(*ghistory)(void *arg, const char *group,
		    const struct net_gmsg *, size_t n, int more);
	void	(*group_info)(void *arg, enum cp_group_op op,
		    const char *group, unsigned int flags, const char *topic,
		    const struct net_gentry *, size_t n);
	void	(*group_result)(void *arg, enum cp_group_op op,
		    const char *group, const char *target, const char *error);
	void	(*greceipt)(void *arg, const char *group, uint64_t msgid,
		    unsigned int delivered, unsigned int read, unsigned int of);
	void	(*group_changed)(void *arg, const char *group,
		    unsigned int what);
	/* After each of the above: something to show has changed. */
	void	(*changed)(void *arg);
};

/*
 * What can be asked of a net.  The app calls through this rather than
 * the functions themselves so that a test can hand it a fake: the
 * chat-tui archive the tests link holds net.c, so a second set of net_*
 * functions could not replace it at link time.
 */
struct net_ops {
	/*
	 * Log in (or register, if reg) as nick; password NULL logs in
	 * with the device token kept for nick if there is one.  want_token
	 * asks the server for a token to keep for the next time.  0, or -1
	 * with err.
	 */
	int	(*login)(struct net *, const char *nick, const char *password,
		    int reg, int want_token, char *err, size_t errlen);
	/* Is there a device token for nick (no password needed)? */
	int	(*has_token)(struct net *, const char *nick);
	/* Queue a message with our id; 0, or -1 with err. */
	int	(*send)(struct net *, uint64_t id, const char *nick,
		    const char *text, size_t len, char *err, size_t errlen);
	/* Tell the sender we have read up to the server's id sid. */
	void	(*mark_read)(struct net *, uint64_t sid);
	/* We are typing to nick. */
	void	(*typing)(struct net *, const char *nick);
	/* Away or back. */
	void	(*away)(struct net *, int away);
	/*
	 * Requests answered by events roster or result; 0, or -1 when not
	 * connected.
	 */
	int	(*contacts)(struct net *, enum net_contacts_op,
		    const char *nick);
	int	(*who)(struct net *);
	int	(*passwd)(struct net *, const char *old,
		    const char *new_password);
	/* Set the NET_SET_* bits of mask to values (0 0: read them). */
	int	(*settings)(struct net *, unsigned int mask,
		    unsigned int values);
	/* Up to limit messages with nick before the server's id before
	 * (0: the newest); answered by the history event. */
	int	(*history)(struct net *, const char *nick, uint64_t before,
		    unsigned int limit);
	/* A group request: group "#name" (NULL for CPG_LIST), target a
	 * nick (invite, kick, admin, unadmin, owner), text (topic); NULL
	 * where unused.  Answered by group_info or group_result. */
	int	(*group)(struct net *, enum cp_group_op, const char *group,
		    const char *target, const char *text);
	/* Tell a group's senders we have read it up to sid. */
	void	(*gmark_read)(struct net *, const char *group, uint64_t sid);
	/* Who in group has read our message sid (CPG_READERS): answered
	 * by group_info with those members, or group_result. */
	int	(*greaders)(struct net *, const char *group, uint64_t sid);
};

/* The operations of a net made by net_new(). */
extern const struct net_ops net_chatd_ops;

/*
 * A link to server (HOST[:PORT], or several separated by commas: the
 * nodes of one service, chatclient.h) that reports to ev with arg (ev must
 * outlive it); NULL with err if the server does not resolve.
 */
struct net	*net_new(struct ev_loop *, const struct net_events *ev,
		    void *arg, const char *server, char *err, size_t errlen);
void		 net_free(struct net *);
/* Before exiting: wait up to seconds for the server to acknowledge what was sent. */
void		 net_flush(struct net *, struct ev_loop *, double seconds);

#endif
