/*
 * model.h: what chat-tui shows, fed by events.
 *
 * Conversations (one per peer, whether or not on the contact list) with
 * their messages and each sent message's state, presence, unread counts
 * and typing notices, the connection state, and which conversation is
 * open.  The network layer (net.c), the history on disk and the tests
 * all feed it the same way; the screen (ui.c) only reads it.  Nothing
 * here knows about sockets or curses.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "chat/nick.h"
#include "scroll.h"

enum model_presence {
	MODEL_OFFLINE,
	MODEL_ONLINE,
	MODEL_AWAY,
	MODEL_UNKNOWN,
};

/* A message's state; a sent one only ever moves forward. */
enum model_state {
	MODEL_SENDING,		/* in the outbox, not yet accepted */
	MODEL_ACCEPTED,		/* stored by the server */
	MODEL_DELIVERED,	/* the recipient's client has it */
	MODEL_READ,		/* the recipient has seen it */
	MODEL_FAILED,		/* refused by the server; see error */
	MODEL_RECEIVED,		/* an incoming message */
};

enum model_conn {
	MODEL_CONN_OFFLINE,	/* not connected; reconnecting */
	MODEL_CONN_CONNECTING,
	MODEL_CONN_LOGGING_IN,
	MODEL_CONN_READY,
	MODEL_CONN_FAILED,	/* given up; see conn_why */
};

struct model_msg {
	uint64_t	 id;		/* sent: our message id (the sending
					 * device's); received: the server's */
	uint64_t	 sid;		/* the server's id; 0 not yet known */
	uint64_t	 time_ms;	/* UTC */
	int		 out;		/* sent by us */
	enum model_state state;
	int		 read_sent;	/* received: read here or elsewhere */
	int		 read_assumed;	/* received: taken as read only because
					 * it came from the file on disk */
	int		 queued;	/* sent: handed to the network this run */
	char		*text;		/* owned, NUL-terminated */
	size_t		 len;
	char		*error;		/* MODEL_FAILED: why (owned) */
	/* Groups: who wrote it (owned; NULL in a 1:1 conversation), an
	 * event of the group's history (CPGE_*, 0 a message), and for one
	 * we sent, how many members it reached and read, of how many. */
	char		*from;
	int		 event;
	unsigned int	 g_delivered, g_read, g_of;
};

/* A member of a group, as its member list shows it. */
struct model_member {
	char		 nick[NICK_MAX_BYTES];
	unsigned int	 flags;		/* CPGM_* (chatproto.h) */
};

struct model_conv {
	char		 nick[NICK_MAX_BYTES];	/* as displayed */
	char		 key[NICK_MAX_BYTES];	/* for comparing */
	int		 contact;	/* on the server's contact list */
	int		 request;	/* asked us to be a contact */
	int		 blocked;	/* blocked by us */
	int		 declined;	/* we declined its request this run */
	enum model_presence presence;
	uint64_t	 last_seen_ms;
	size_t		 unread;
	uint64_t	 typing_until_ms;	/* a typing notice shows until then */
	/* A group ("#name"): whether we are in it or invited, our CPGM_*
	 * flags in it (role, muted), its topic and members as last told. */
	int		 group;
	int		 member;
	int		 invited;
	unsigned int	 gflags;
	char		*topic;		/* owned; NULL none */
	struct model_member *members;
	size_t		 nmembers;
	/* Fetching the server's history of the conversation (app.c). */
	int		 hist_want;	/* a page to ask for: 1 the newest,
					 * 2 the one before the oldest held */
	int		 hist_busy;	/* a request is under way */
	int		 hist_older;	/* and it is for an older page */
	int		 hist_begin;	/* the server has nothing older */
	unsigned int	 hist_gen;	/* the connection it was last synced on */
	uint64_t	 hist_retry_ms;	/* refused for now: not before then */
	struct model_msg *msgs;
	size_t		 nmsgs;
	size_t		 capmsgs;
	struct scroll	 scroll;
};

struct model {
	struct model_conv **convs;	/* sorted by key */
	size_t		 nconvs;
	char		 self[NICK_MAX_BYTES];
	char		 server[256];
	char		 node[64];	/* the address logged in on; "" none */
	size_t		 node_i;	/* its place among the server's */
	size_t		 nodes;		/* addresses (0: not known yet) */
	enum model_conn	 conn;
	char		 conn_why[128];
	uint64_t	 retry_at_ms;	/* UTC of the next attempt; 0: none */
	char		 notice[256];	/* a one-line message for the status bar */
	struct model_conv *open;	/* the conversation in view, or NULL */
	size_t		 max_msgs;	/* per conversation kept in memory */
};

void	model_init(struct model *, size_t max_msgs);
void	model_free(struct model *);
/*
 * The key of a nickname (nick.h), or of a group's "#name" (a # and a
 * nickname), or a copy of it if it is not valid; 0 or -1 if invalid.
 */
int	model_key(const char *nick, char *key, char *display);
/* The conversation with nick; created if create, else NULL when there is none. */
struct model_conv *model_conv(struct model *, const char *nick, int create);
/* Add a message at its place in time order; returns it (valid until the next add). */
struct model_msg *model_add(struct model *, struct model_conv *, uint64_t id,
	    uint64_t time_ms, int out, enum model_state, const char *text,
	    size_t len);
/* Give a message another time, moving it to its place; returns it. */
struct model_msg *model_retime(struct model_conv *, struct model_msg *,
	    uint64_t time_ms);
/* Set a conversation's topic (NULL or "" none) and members. */
void	model_set_topic(struct model_conv *, const char *topic);
void	model_set_members(struct model_conv *, const struct model_member *,
	    size_t n);
/* Forget a conversation and its messages (a group left for good). */
void	model_remove(struct model *, struct model_conv *);
/* Find a sent message by our id. */
struct model_msg *model_find_sent(struct model *, uint64_t id,
	    struct model_conv **);
/* Find a received message by the server's id in a conversation. */
struct model_msg *model_find_received(struct model_conv *, uint64_t sid);
/* The smallest server id of a conversation's messages; 0 if none known. */
uint64_t model_oldest_sid(const struct model_conv *);
/* Move a sent message's state forward (never back); 1 if it changed. */
int	model_advance(struct model_msg *, enum model_state);
/* Mark a sent message refused with a reason. */
void	model_fail(struct model_msg *, const char *why);
/* Open a conversation (NULL: none); its unread count goes to 0. */
void	model_open(struct model *, struct model_conv *);
/*
 * The conversations whose nickname contains filter (compared by key),
 * in list order, into out[0..max); returns how many there are.
 */
size_t	model_filter(const struct model *, const char *filter,
	    struct model_conv **out, size_t max);
/* The next conversation after cur with unread messages, or NULL. */
struct model_conv *model_next_unread(const struct model *,
	    const struct model_conv *cur);
/* Sent messages not yet accepted, in all conversations. */
size_t	model_outbox(const struct model *);
/* A short word for a state: "sending", "accepted", ... */
const char *model_statename(enum model_state);

#endif
