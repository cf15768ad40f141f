/*
 * pglog.h: the store's changes, committed in PostgreSQL before anyone is
 * told about them (pglog.c; docs/CLUSTER.md, "The store on PostgreSQL").
 *
 * With [store] postgresql set, every commit of the SQLite store also
 * records its changes (SQLite's session extension: the rows inserted,
 * updated and deleted, as a changeset) in a local table, pglog_out, in
 * the same transaction; after the commit they are sent to PostgreSQL's
 * chatd_log, keyed by the log's name ([store] log_name: the machines
 * of one store share it) and the change's number, through
 * pgw.c.  Replies wait for PostgreSQL's commit, not for the local disk,
 * as they wait for the syncer's fdatasync() otherwise: so "accepted"
 * means on the PostgreSQL primary and, with a synchronous standby, on a
 * second machine.  A change commits only behind its predecessor, so the
 * log has no gaps; one PostgreSQL did not confirm is sent again, in
 * order, after a pause that doubles while nothing is confirmed (the
 * log's key makes that harmless); the replies waiting on it get "try
 * again" after commit_timeout.  A chatd
 * that starts with a store older than the log (its machine was replaced,
 * its disk lost) first applies the changes it lacks, and sends again the
 * ones its pglog_out still holds.
 *
 * Not in the log: the tables without a primary key (registrations and
 * gacts, the daily caps' counts), which a restored store starts without.
 */
#ifndef PGLOG_H
#define PGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "pgw.h"

struct ev_loop;
struct pglog;
struct store;

/* Called when the replies of outq batch seq may go (ok 1), or should be
 * told to try again (ok 0); ok -1: fenced (pglog_open()). */
typedef void	 pglog_fn(void *arg, uint64_t seq, int ok);

/*
 * Before serving (blocking): make the log's table in PostgreSQL if it is
 * missing, and bring the store up to the log, applying the changes of
 * node it lacks: how many (the store must then be opened again, its
 * ids and keys read afresh), or -1 with a message in err.  -2: the
 * store is stale, another chatd having written the log since this one
 * stopped with changes the log never took; it can neither serve nor
 * follow, and is rebuilt from the log on an empty state directory.  -3:
 * the store holds accounts the log lacks (another node's): refused, not
 * half-logged.  A store that served before it had a log, the log of node
 * empty, becomes the log's first change instead (0 applied).
 */
long long	 pglog_restore(struct store *, const char *conninfo,
		    const char *node, char *err, size_t errlen);
/*
 * A standby ([store] standby): follow node's log, applying its changes
 * as they come, until no chatd holds its writer's lock (it died, or
 * stopped), then return (the changes applied: the store must be opened
 * again) for this chatd to take over.  -1 with a message in err, or if
 * stop() says so (a signal); -2 and -3 as for pglog_restore() (a standby's
 * store with accounts its log lacks is -3, never the log's first change).
 */
long long	 pglog_follow(struct store *, const char *conninfo,
		    const char *node, int (*stop)(void), char *err,
		    size_t errlen);
/*
 * Start recording and sending.  The connection holds the advisory lock
 * of node's log: fn(arg, 0, -1) says another chatd has it (fenced), and
 * this one must stop.  NULL with a message in err.
 */
struct pglog	*pglog_open(struct ev_loop *, struct store *,
		    const char *conninfo, const char *node,
		    double commit_timeout, pglog_fn *, void *arg,
		    char *err, size_t errlen);
void		 pglog_free(struct pglog *);
/*
 * Around store_commit(): pglog_precommit() runs inside the transaction
 * (store_set_precommit()), pglog_committed() after it, with its result.
 */
int		 pglog_precommit(void *pglog);
void		 pglog_committed(struct pglog *, int ok);
/* Outq batch seq holds replies to what is committed so far. */
void		 pglog_request(struct pglog *, uint64_t seq);
/* Changes not yet confirmed by PostgreSQL. */
size_t		 pglog_pending(const struct pglog *);
/*
 * Before serving: run the loop until the writer holds the log's lock in
 * PostgreSQL (0), or for seconds (-1).  Another writer holding it fences
 * this one (the callback, ok -1) first: so no two chatd serve one log.
 */
int		 pglog_wait_writer(struct pglog *, double seconds);
/* Wait (running the loop) until nothing is pending, or seconds pass. */
void		 pglog_drain(struct pglog *, double seconds);
const char	*pglog_server(const struct pglog *);

/* What the metrics show of the log (export.c). */
struct pglog_stats {
	uint64_t	 n;		/* the last change committed here */
	uint64_t	 confirmed;	/* PostgreSQL has every one up to it */
	int		 connected;	/* the writer is up, holding the lock */
	int		 stalled;	/* PostgreSQL does not confirm */
	struct pgw_stats w;		/* its writer's batches, connections */
};
void		 pglog_stats(const struct pglog *, struct pglog_stats *);

#endif
