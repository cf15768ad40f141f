/*
 * quota.h: how many messages wait for each recipient, per sender and in
 * all (quota.c).  A message waits from its store until the recipient's
 * delivered cursor passes it (a MARK delivered or read); so the counts
 * hold whether the recipient is offline, online and reading, or online
 * and not reading.  cmd.c checks them on every SEND, in O(1): a sender
 * may have pair_quota waiting for a recipient it is a mutual contact of,
 * stranger_quota otherwise, and a recipient queue_max from everyone.
 *
 * The table lives in memory from quota_new() to quota_free(), owned by
 * the server; it is filled from the store at start (quota_load()) and
 * again after the store forgot messages (retention).  Each pair also
 * caches whether the sender is one of the recipient's contacts, looked
 * up only when the sender nears the stranger quota, and set whenever
 * two users become or stop being contacts (cmd.c).
 */
#ifndef QUOTA_H
#define QUOTA_H

#include <stdint.h>

struct quota;
struct store;

/* A pair's contact flag: not looked up yet, a stranger, a contact. */
enum quota_contact {
	QUOTA_UNKNOWN = -1,
	QUOTA_STRANGER = 0,
	QUOTA_CONTACT = 1,
};

struct quota	*quota_new(void);
void		 quota_free(struct quota *);
/* Empty the table and count every waiting message in the store: 0 or -1. */
int		 quota_load(struct quota *, struct store *);
/* Messages waiting from sender for rcpt, and for rcpt from anyone. */
uint32_t	 quota_pair(const struct quota *, uint64_t sender, uint64_t rcpt);
uint32_t	 quota_rcpt(const struct quota *, uint64_t rcpt);
/* A message from sender to rcpt was stored, or was passed as delivered. */
void		 quota_add(struct quota *, uint64_t sender, uint64_t rcpt,
		    uint32_t n);
void		 quota_done(struct quota *, uint64_t sender, uint64_t rcpt);
/* The pair's cached contact flag, and setting it (if the pair waits). */
enum quota_contact quota_contact(const struct quota *, uint64_t sender,
		    uint64_t rcpt);
void		 quota_set_contact(struct quota *, uint64_t sender,
		    uint64_t rcpt, enum quota_contact);
/* Pairs in the table (for the counters). */
size_t		 quota_pairs(const struct quota *);
/* Messages waiting, for every recipient (for the metrics). */
uint64_t	 quota_waiting(const struct quota *);

#endif
