/*
 * store.h: chatd's durable state behind a narrow interface: accounts,
 * device tokens, contact lists and the message queue.  The embedded
 * backend is SQLite in WAL mode (store.c); another backend only has to
 * provide these functions.
 *
 * Group commit: every write joins one open transaction, begun by the
 * first write after a commit; store_commit() ends it.  chatd commits once
 * per event-loop iteration and only then tells anyone about what was
 * written, so "accepted" means committed.  Functions return -1 on a
 * storage failure, having logged it; the transaction is then rolled back
 * at the next commit.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "nick.h"

#define STORE_FILE	"chatd.db"
#define STORE_HASHLEN	128		/* >= crypto_pwhash_STRBYTES */
#define STORE_TOKEN_HASHLEN 32

struct store;

struct store_user {
	uint64_t	id;
	char		nick[NICK_MAX_BYTES];	/* NFC, as registered */
	char		hash[STORE_HASHLEN];	/* crypto_pwhash_str() */
	uint64_t	last_seen;		/* ms UTC; 0 never */
};

struct store_msg {
	uint64_t	 sid;		/* server message id, increasing */
	uint64_t	 sender;	/* user ids */
	uint64_t	 rcpt;
	uint64_t	 msgid;		/* the sender's id */
	uint64_t	 time;		/* ms UTC when accepted */
	int		 state;		/* enum cp_receipt */
	const uint8_t	*text;
	size_t		 len;
};

/*
 * Open or create dir/chatd.db; fsync: 1 makes every commit survive power
 * loss (synchronous=FULL), 0 only a crash of chatd (NORMAL).  NULL with
 * a message in err.
 */
struct store	*store_open(const char *dir, int fsync, char *err,
		    size_t errlen);
/* Commit anything pending and close. */
void		 store_close(struct store *);
/* Commit the open transaction, if any: 0, or -1 (rolled back). */
int		 store_commit(struct store *);
/* Is a transaction open (are there uncommitted writes)? */
int		 store_dirty(const struct store *);

/* Add an account: 0, 1 if the key is taken, -1 on failure. */
int		 store_user_add(struct store *, const char *key,
		    const char *nick, const char *hash, uint64_t now,
		    uint64_t *id);
/* Find an account by key or by id: 1 found, 0 not, -1 failure. */
int		 store_user_get(struct store *, const char *key,
		    struct store_user *);
int		 store_user_by_id(struct store *, uint64_t id,
		    struct store_user *);
int		 store_user_set_hash(struct store *, uint64_t id,
		    const char *hash);
int		 store_user_seen(struct store *, uint64_t id, uint64_t t);

/* Device tokens, stored as BLAKE2b hashes of the token. */
int		 store_token_add(struct store *, uint64_t user,
		    const uint8_t hash[STORE_TOKEN_HASHLEN], uint64_t now);
/* 1 if the token hash belongs to user, 0 if not, -1 failure. */
int		 store_token_check(struct store *, uint64_t user,
		    const uint8_t hash[STORE_TOKEN_HASHLEN]);
int		 store_token_revoke(struct store *, uint64_t user);

/* Contacts: add (0 added or present), remove, count, list, watchers. */
int		 store_contact_add(struct store *, uint64_t user,
		    uint64_t contact);
int		 store_contact_del(struct store *, uint64_t user,
		    uint64_t contact);
int		 store_contact_count(struct store *, uint64_t user);
typedef void	 store_user_fn(void *arg, const struct store_user *);
int		 store_contacts(struct store *, uint64_t user, store_user_fn *,
		    void *arg);
/* Every user whose contact list holds user (id only is filled in). */
int		 store_watchers(struct store *, uint64_t user, store_user_fn *,
		    void *arg);

/*
 * Store a message unless (sender, msgid) is already stored: 0 stored
 * (m->sid, m->time set), 1 a duplicate (m->sid, m->time, m->state of the
 * stored copy), -1 failure.
 */
int		 store_msg_add(struct store *, struct store_msg *m);
/* Look up (m->sender, m->msgid): 1 found (sid, time, state), 0, -1. */
int		 store_msg_find(struct store *, struct store_msg *m);
/* Messages waiting for rcpt (state accepted); -1 failure. */
int		 store_msg_queued(struct store *, uint64_t rcpt);
typedef void	 store_msg_fn(void *arg, const struct store_msg *);
/* Up to limit queued messages for rcpt with sid > after, in order. */
int		 store_msg_pending(struct store *, uint64_t rcpt, uint64_t after,
		    int limit, store_msg_fn *, void *arg);
/*
 * Raise the state of message sid, addressed to rcpt, to state: 1 raised
 * (m gets sender, msgid), 0 no such message or already there, -1 failure.
 * told: the sender is online and gets the receipt after this commit, so
 * it is recorded as notified in the same write (undo with
 * store_receipt_untold() if the receipt cannot go out after all).
 */
int		 store_msg_mark(struct store *, uint64_t sid, uint64_t rcpt,
		    int state, int told, struct store_msg *m);
/* Receipts sender has not been told about (state > notified). */
int		 store_receipts(struct store *, uint64_t sender, int limit,
		    store_msg_fn *, void *arg);
int		 store_receipt_sent(struct store *, uint64_t sid, int state);
/* The receipt for state was recorded as told but not sent: it is owed. */
int		 store_receipt_untold(struct store *, uint64_t sid, int state);
/* Forget messages accepted before t; the number removed or -1. */
int		 store_expire(struct store *, uint64_t t);

#endif
