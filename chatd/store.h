/*
 * store.h: chatd's durable state behind a narrow interface: accounts,
 * device tokens, contact lists, the message queue and archive, and
 * groups.  The embedded
 * backend is SQLite in WAL mode (store.c); another backend only has to
 * provide these functions.
 *
 * Group commit: every write joins one open transaction, begun by the
 * first write after a commit (in LOG mode, by the commit itself, so that
 * the next write does not wait for the locks); store_commit() ends it if
 * anything was written.  chatd commits at
 * most once per event-loop iteration and tells anyone about what was
 * written only once the commit is durable (enum store_sync), so
 * "accepted" means on disk.  Functions return -1 on a
 * storage failure, having logged it; the transaction is then rolled back
 * at the next commit.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "chat/nick.h"

#define STORE_FILE	"chatd.db"
#define STORE_HASHLEN	128		/* >= crypto_pwhash_STRBYTES */
#define STORE_TOKEN_HASHLEN 32

struct store;

struct store_user {
	uint64_t	id;
	char		nick[NICK_MAX_BYTES];	/* NFC, as registered */
	char		hash[STORE_HASHLEN];	/* crypto_pwhash_str() */
	uint64_t	last_seen;		/* ms UTC; 0 never */
	uint64_t	delivered;		/* cursor: see store_conv */
	int		settings;		/* STORE_SET_* bits */
	int		locked;			/* by an administrator: no login */
	/* store_contacts() only: user's row's state (STORE_REQUESTED...),
	 * and whether the contact accepted user too. */
	int		state;
	int		mutual;
};

/* An account's privacy settings (users.settings), and their defaults. */
#define STORE_SET_VISIBLE	0x01	/* listed by WHO */
#define STORE_SET_RECEIPTS	0x02	/* its read marks earn receipts */
#define STORE_SET_TYPING	0x04	/* its typing notices are passed */
#define STORE_SET_DEFAULT	(STORE_SET_RECEIPTS | STORE_SET_TYPING)

struct store_msg {
	uint64_t	 sid;		/* server message id, increasing */
	uint64_t	 sender;	/* user ids */
	uint64_t	 rcpt;
	uint64_t	 msgid;		/* the sender's id */
	uint64_t	 time;		/* ms UTC when accepted */
	int		 state;		/* enum cp_receipt, found ones */
	int		 online;	/* store_msg_add(): the recipient is
					 * online (see store_age()) */
	const uint8_t	*text;
	size_t		 len;
};

/*
 * How a commit is made durable.  NONE: it survives a crash of chatd, not
 * of the machine.  FULL: store_commit() returns once it would survive
 * power loss.  LOG: as NONE, and the caller makes commits durable itself
 * by syncing the log file before it says so, and checkpoints it (both
 * in syncer.c), so that the loop never waits for the disk.
 */
enum store_sync {
	STORE_SYNC_NONE = 0,
	STORE_SYNC_FULL = 1,
	STORE_SYNC_LOG = 2,
};

/* Open or create dir/chatd.db.  NULL with a message in err. */
struct store	*store_open(const char *dir, enum store_sync, char *err,
		    size_t errlen);
/* The database file (its write-ahead log is this with "-wal"). */
const char	*store_path(const struct store *);
/* Commit anything pending and close. */
void		 store_close(struct store *);
/* Commit the open transaction, if any: 0, or -1 (rolled back). */
int		 store_commit(struct store *);
/*
 * fn(arg) runs inside every commit, just before it, and may write (a
 * failure, -1, rolls the commit back): the cluster's change log
 * (pglog.c).  store_db() is the database, for it and nothing else.
 */
struct sqlite3;
void		 store_set_precommit(struct store *, int (*fn)(void *),
		    void *arg);
struct sqlite3	*store_db(struct store *);
/* The integer a one-row query returns, or -1 (none, or a failure). */
long long	 store_int(struct store *, const char *q);
/* Is a transaction open (are there uncommitted writes)? */
int		 store_dirty(const struct store *);
/*
 * The log held pages pages when a checkpoint last copied all of it (-1:
 * unknown).  If nothing was committed since, and the transaction begun
 * ahead is still empty, it is begun again, from the database alone, so
 * that the next commit rewinds the log: a log kept short is rewritten in
 * place, on pages already mapped.
 */
void		 store_backfilled(struct store *, int pages);
/*
 * Does it hold writes someone will be told about (accounts, tokens,
 * contacts, messages, id reservations), which must be durable first?
 * The rest is bookkeeping (cursors, last seen, expiry): lost to a power
 * failure, it only means messages and receipts are given again.
 */
int		 store_critical(const struct store *);

/*
 * Add an account with its key, nick and skeleton (nick.h; NULL: none):
 * 0, 1 if the key is taken, 2 if the skeleton is (it looks like another
 * account), -1 on failure.
 */
int		 store_user_add(struct store *, const char *key,
		    const char *nick, const char *skeleton, const char *hash,
		    uint64_t now, uint64_t *id);
/* Has an account this skeleton?  1, 0, -1 failure. */
int		 store_user_skeleton(struct store *, const char *skeleton);
/*
 * Keys and skeletons are made from each account's nick with the Unicode
 * data of nick_data_version(); store_open() makes them again when that
 * changes, oldest account first.  An account whose key is then another's
 * (or none) keeps working under a fallback key, "\1" and its name's key
 * under the rules before (nick_oldkey()): it logs in by its exact old
 * name.  Its skeleton stays NULL, as does that of an account that looks
 * like an older one.  Each case is logged.
 *
 * store_user_key() writes the key of the account a client names (to log
 * in, a recipient, a contact; NICK_MAX_BYTES) under nick_lookup()'s
 * rules, never a new name's, so that accounts registered under older
 * rules stay reachable: a fallback key first, by the exact old name,
 * else nick_lookup()'s.  The fallback keys are in memory, and with none
 * it costs what nick_lookup() does: it is on every SEND.  NICK_OK or why
 * the name is invalid.
 */
enum nick_err	 store_user_key(const struct store *, const char *name,
		    size_t len, char *key);
/* Find an account by key or by id: 1 found, 0 not, -1 failure. */
int		 store_user_get(struct store *, const char *key,
		    struct store_user *);
int		 store_user_by_id(struct store *, uint64_t id,
		    struct store_user *);
int		 store_user_set_hash(struct store *, uint64_t id,
		    const char *hash);
int		 store_user_seen(struct store *, uint64_t id, uint64_t t);

/*
 * Administration (ctl.c, for chatctl): rare requests, each preparing its
 * statement anew, so that they cost nothing when unused.  An account as
 * chatctl lists it, its accounts that match a glob(7) pattern (ASCII
 * letters in either case; "*" every account), in key order, at most
 * limit of them: their number, or -1; an account's creation time (1,
 * 0 no such account, -1); how many accounts there are (-1 failure); and
 * the administrator's lock (store_user.locked): a locked account cannot
 * log in (auth.c).  store_user_lock(): 1 done, 0 no such account, -1.
 */
struct store_account {
	uint64_t	id;
	char		nick[NICK_MAX_BYTES];
	uint64_t	created;		/* ms UTC */
	uint64_t	last_seen;		/* ms UTC; 0 never */
	int		locked;
};
typedef void	 store_account_fn(void *arg, const struct store_account *);
int		 store_accounts(struct store *, const char *pattern,
		    int limit, store_account_fn *, void *arg);
int		 store_user_created(struct store *, uint64_t id,
		    uint64_t *created);
long long	 store_user_count(struct store *);
int		 store_user_lock(struct store *, uint64_t id, int locked);

/*
 * Device tokens, stored as BLAKE2b hashes of the token, each with an id,
 * the name of its device, when it was last used (ms UTC) and from which
 * address (text).  An account keeps its STORE_TOKENS_MAX most recently
 * used; adding one more drops the least recently used.
 */
#define STORE_TOKENS_MAX	100
#define STORE_DEVICE_NAME	256	/* bytes with the NUL */
#define STORE_ADDR_TEXT		64	/* bytes with the NUL */
struct store_token {
	uint64_t	id;
	uint64_t	last_used;
	char		name[STORE_DEVICE_NAME];
	char		addr[STORE_ADDR_TEXT];
};
/* Add a token used now from addr (name may be ""); 0 with *id, or -1. */
int		 store_token_add(struct store *, uint64_t user,
		    const uint8_t hash[STORE_TOKEN_HASHLEN], uint64_t now,
		    const char *name, const char *addr, uint64_t *id);
/*
 * Does the token hash belong to user?  1 with its *id; 2 if it does but
 * was last used before idle_since (it is revoked now: expired); 0 if
 * not; -1 on failure.
 */
int		 store_token_check(struct store *, uint64_t user,
		    const uint8_t hash[STORE_TOKEN_HASHLEN], uint64_t idle_since,
		    uint64_t *id);
/* Token id was used at now (from addr, unless NULL). */
int		 store_token_used(struct store *, uint64_t id, uint64_t now,
		    const char *addr);
/* Revoke every token of user. */
int		 store_token_revoke(struct store *, uint64_t user);
/* Revoke user's token id: 1 done, 0 no such token of user's, -1. */
int		 store_token_revoke_one(struct store *, uint64_t user,
		    uint64_t id);
typedef void	 store_token_fn(void *arg, const struct store_token *);
/* User's tokens, most recently used first; their number or -1. */
int		 store_tokens(struct store *, uint64_t user, store_token_fn *,
		    void *arg);
/* Revoke every token last used before idle_since; how many, or -1. */
int		 store_token_expire(struct store *, uint64_t idle_since);

/*
 * Registrations by address (text, grouped as the rate limits group
 * addresses), for a daily cap: how many since a time, add one, forget
 * those before a time.
 */
int		 store_reg_count(struct store *, const char *addr,
		    uint64_t since);
int		 store_reg_add(struct store *, const char *addr, uint64_t now);
int		 store_reg_expire(struct store *, uint64_t before);

/*
 * Contacts.  A row (user, contact) has a state: STORE_REQUESTED (user
 * asked contact), STORE_ACCEPTED, STORE_DECLINED (contact declined user's
 * request; user is not told).  Two users are contacts when each has
 * accepted the other; only then is presence passed (store_watchers()),
 * and store_contact_has() true.  store_contact_add() adds an accepted row
 * (0 added or present); store_contact_set() sets a row's state.
 */
enum store_contact_state {
	STORE_NONE = 0,
	STORE_REQUESTED = 1,
	STORE_ACCEPTED = 2,
	STORE_DECLINED = 3,
};
/* How two users stand: each one's row's state, and blocks either way. */
struct store_rel {
	int	mine;		/* user's row to other, STORE_NONE if none */
	int	theirs;		/* other's row to user */
	int	blocked;	/* user blocked other */
	int	blocked_by;	/* other blocked user */
};
int		 store_contact_set(struct store *, uint64_t user,
		    uint64_t contact, int state);
int		 store_rel(struct store *, uint64_t user, uint64_t other,
		    struct store_rel *);
int		 store_contact_add(struct store *, uint64_t user,
		    uint64_t contact);
int		 store_contact_del(struct store *, uint64_t user,
		    uint64_t contact);
int		 store_contact_count(struct store *, uint64_t user);
/* Are user and contact contacts of each other: 1, 0, -1. */
int		 store_contact_has(struct store *, uint64_t user,
		    uint64_t contact);
typedef void	 store_user_fn(void *arg, const struct store_user *);
int		 store_contacts(struct store *, uint64_t user, store_user_fn *,
		    void *arg);
/* Every user who has user as a contact, mutually (id only). */
int		 store_watchers(struct store *, uint64_t user, store_user_fn *,
		    void *arg);
/* The users who asked user and are not blocked by it (id, nick). */
int		 store_requests(struct store *, uint64_t user, store_user_fn *,
		    void *arg);
/* Blocks: add (0 added or present), remove, list (id, nick). */
int		 store_block_add(struct store *, uint64_t user,
		    uint64_t blocked);
int		 store_block_del(struct store *, uint64_t user,
		    uint64_t blocked);
int		 store_blocks(struct store *, uint64_t user, store_user_fn *,
		    void *arg);
/* Set an account's privacy settings (STORE_SET_* bits). */
int		 store_user_settings(struct store *, uint64_t id, int settings);

/*
 * How far messages have got is kept as cursors, never per message: every
 * message to a user with a server id up to the user's delivered cursor
 * (store_user.delivered) has reached one of its clients, and every
 * message of a conversation (sender to rcpt) up to its read cursor has
 * been seen.  told_delivered and told_read are how far the sender has
 * been sent receipts; between them and the cursors, receipts are owed.
 * Cursors only move forward.
 */
struct store_conv {
	uint64_t	rcpt, sender;
	uint64_t	delivered;	/* highest of the conversation delivered */
	uint64_t	read;
	uint64_t	told_delivered;
	uint64_t	told_read;
};

/*
 * Server message ids.  chatd hands them out itself, and may show one to a
 * recipient before its message is committed; so that a crash never makes
 * it hand out the same id for another message, every id used is below a
 * reservation committed earlier.  store_sid_start() is the first id free
 * since the store was opened (above every message and every reservation);
 * store_sid_reserve() records, in the open transaction, that ids below
 * upto may be in use.
 */
uint64_t	 store_sid_start(const struct store *);
int		 store_sid_reserve(struct store *, uint64_t upto);

/*
 * Store a message, with server id m->sid (0: the next free one), unless
 * (sender, msgid) is already stored: 0 stored (m->sid, m->time set), 1 a
 * duplicate (m->sid, m->time, m->rcpt and
 * m->state of the stored copy), -1 failure.
 */
int		 store_msg_add(struct store *, struct store_msg *m);
/* Look up (m->sender, m->msgid): 1 found (sid, time, rcpt, state), 0, -1. */
int		 store_msg_find(struct store *, struct store_msg *m);
/* Messages to rcpt past its delivered cursor; -1 failure. */
int		 store_msg_queued(struct store *, uint64_t rcpt);
/*
 * Every (sender, rcpt) with messages past rcpt's delivered cursor, and
 * how many: 0, or -1.  Counts those in the queue index only: age the
 * whole tail first (store_age() with keep 0) unless none is in it.
 */
typedef void	 store_waiting_fn(void *arg, uint64_t sender, uint64_t rcpt,
		    uint32_t n);
int		 store_msg_waiting(struct store *, store_waiting_fn *,
		    void *arg);
typedef void	 store_msg_fn(void *arg, const struct store_msg *);
/*
 * Up to limit messages to rcpt past both after and its delivered cursor
 * and below before, in order, with their text.
 */
int		 store_msg_pending(struct store *, uint64_t rcpt, uint64_t after,
		    uint64_t before, int limit, store_msg_fn *, void *arg);
/* Message sid if it is addressed to rcpt: 1 (sender, msgid), 0, -1. */
int		 store_msg_get(struct store *, uint64_t sid, uint64_t rcpt,
		    struct store_msg *m);
/*
 * Up to limit messages to rcpt (from sender, unless 0) with after < sid
 * <= upto, in order, without their text (sid, sender, msgid).
 */
int		 store_msg_range(struct store *, uint64_t rcpt, uint64_t sender,
		    uint64_t after, uint64_t upto, int limit, store_msg_fn *,
		    void *arg);
/* A conversation's cursors: 1 found, 0 none yet (all zero), -1. */
int		 store_conv_get(struct store *, uint64_t rcpt, uint64_t sender,
		    struct store_conv *);
/* Raise a conversation's cursors to at least cv's. */
int		 store_conv_put(struct store *, const struct store_conv *cv);
typedef void	 store_conv_fn(void *arg, const struct store_conv *);
/* The conversations whose sender is owed receipts. */
int		 store_owed(struct store *, uint64_t sender, store_conv_fn *,
		    void *arg);
/* Raise user id's delivered cursor to sid. */
int		 store_user_delivered(struct store *, uint64_t id,
		    uint64_t sid);
/*
 * The queue index.  Messages to rcpt past its cursors are found through
 * an index that a message added with m->online set does not join at
 * once: it waits in memory (the tail) until it is keep ms old.  Then
 * store_age() asks fn whether rcpt may still need it (not yet delivered
 * and read, or not known): if so, it joins the index; else it never
 * does.  Looking up rcpt's messages first puts its waiting ones in the
 * index; a crash, or a failed commit, puts in every one not judged.
 * store_age() returns the number that joined, or -1.
 */
typedef int	 store_need_fn(void *arg, uint64_t rcpt, uint64_t sid);
int		 store_age(struct store *, uint64_t now, uint64_t keep,
		    store_need_fn *, void *arg);
/* Forget undelivered messages accepted before t (delivered ones are
 * history: store_history_expire()); the number removed or -1.  A
 * conversation's older messages that stay are still found from its
 * newer ones (store.c: store_prune()). */
int		 store_expire(struct store *, uint64_t t);

/*
 * History (schema 7): the message table is the archive.  Up to limit
 * messages between user and peer, either way, with server ids below
 * before (0: any), newest first, with their text (m->rcpt set).  The
 * number, or -1.  Since schema 9 a walk of the conversation's chain,
 * message to message, from its newest or from before: it reads at most
 * limit rows and a few removed messages' tombstones.  A before that is
 * not a message of theirs is looked for among the conversation's 1,024
 * newest, then among the 4,096 ids below it; not found, the answer is
 * none.
 */
int		 store_history(struct store *, uint64_t user, uint64_t peer,
		    uint64_t before, int limit, store_msg_fn *, void *arg);
/* Forget delivered messages accepted before t, and names held until
 * before now: the number of messages removed, or -1. */
int		 store_history_expire(struct store *, uint64_t t,
		    uint64_t now);
/* Keep at most max messages per conversation, forgetting the oldest
 * delivered ones, in the conversations with messages after *after
 * (raised to the newest): the number removed, or -1.  A walk of each
 * one's chain to its end. */
int		 store_history_trim(struct store *, int max, uint64_t *after);
/*
 * Delete account id and everything of it: tokens, contact rows and
 * blocks either way, its messages either way and their cursors.  Its
 * key and skeleton are held until hold_until, so that store_user_add()
 * refuses them.  1 deleted, 0 no such account, -1.
 */
int		 store_user_delete(struct store *, uint64_t id,
		    uint64_t hold_until);
/* Is a name held at now: 1 its key, 2 its skeleton, 0 no, -1. */
int		 store_held(struct store *, const char *key,
		    const char *skeleton, uint64_t now);

/*
 * Groups (schema 8).  A group's messages and events are stored once, in
 * the server id space of messages; each member has a row with its role
 * (CPGM_ADMIN, CPGM_OWNER bits), state (STORE_INVITED, STORE_JOINED),
 * since (it gets the group's messages after that id) and cursors.
 * chatd holds every group in memory (group.c) and writes through.
 */
#define STORE_INVITED	1
#define STORE_JOINED	2
#define STORE_SHADOW	3	/* invited by a user it blocked: shown to
				 * the group as invited, never to it */
struct store_group {
	uint64_t	 id;
	const char	*key, *name, *topic;
	uint64_t	 last_sid;	/* its newest message or event */
};
struct store_member {
	uint64_t	grp, user;
	int		role, state, muted;
	uint64_t	since, delivered, read;
	uint64_t	t;		/* when invited or joined, ms UTC */
};
struct store_gmsg {
	uint64_t	 sid, grp, sender, msgid, time;
	int		 kind;		/* CPGE_* */
	const uint8_t	*text;
	size_t		 len;
};
typedef void	 store_group_fn(void *arg, const struct store_group *);
typedef void	 store_member_fn(void *arg, const struct store_member *);
typedef void	 store_gmsg_fn(void *arg, const struct store_gmsg *);
/* Add a group: 0 (id), 1 key taken, 2 skeleton taken, -1. */
int		 store_group_add(struct store *, const char *key,
		    const char *name, const char *skeleton, uint64_t creator,
		    uint64_t now, uint64_t *id);
/* Delete a group, its members and its messages. */
int		 store_group_del(struct store *, uint64_t id);
int		 store_group_topic(struct store *, uint64_t id,
		    const char *topic);
/* Every group, then every member row (by group, oldest first). */
int		 store_groups(struct store *, store_group_fn *,
		    store_member_fn *, void *arg);
/* Add or update a member row (cursors start at since, and only rise). */
int		 store_member_set(struct store *, const struct store_member *,
		    uint64_t inviter);
int		 store_member_del(struct store *, uint64_t grp, uint64_t user);
int		 store_member_cursor(struct store *, uint64_t grp,
		    uint64_t user, uint64_t delivered, uint64_t read);
int		 store_member_mute(struct store *, uint64_t grp, uint64_t user,
		    int muted);
/*
 * Store a group message or event with server id m->sid (a message's
 * (sender, msgid) unique; an event's msgid is 0, stored as its sid): 0
 * stored, 1 a resend (m->sid, m->time, m->grp of the stored copy), -1.
 */
int		 store_gmsg_add(struct store *, struct store_gmsg *m);
/* Up to limit of grp's messages with after < sid <= upto, in order. */
int		 store_gmsg_range(struct store *, uint64_t grp, uint64_t after,
		    uint64_t upto, int limit, store_gmsg_fn *, void *arg);
/* Up to limit of grp's messages with since < sid < before (0: any),
 * newest first. */
int		 store_ghistory(struct store *, uint64_t grp, uint64_t since,
		    uint64_t before, int limit, store_gmsg_fn *, void *arg);
/* Log a creation (kind 1) or an invitation (2) by user, for the caps;
 * forget those before a time; count them since a time. */
int		 store_gact(struct store *, uint64_t user, int kind,
		    uint64_t now);
int		 store_gact_expire(struct store *, uint64_t before);
int		 store_groups_created(struct store *, uint64_t creator,
		    uint64_t since);
int		 store_invites(struct store *, uint64_t inviter, uint64_t since);
/* Messages of grp not sent by me among the first cap after a cursor. */
int		 store_gunread(struct store *, uint64_t grp, uint64_t after,
		    uint64_t me, int cap);
/* Forget group messages accepted before t: how many, or -1. */
int		 store_gmsg_expire(struct store *, uint64_t t);

#endif
