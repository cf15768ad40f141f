/*
 * pgw.h: transactions to PostgreSQL from the event loop (pgw.c), the
 * write path of the cluster's store (docs/CLUSTER.md).
 *
 * A batch is a list of statements that commit together or not at all,
 * as one group commit of the store does.  pgw_add() appends a statement
 * with its parameters (text) to the open batch; pgw_commit() closes it.
 * Batches leave in order on one connection in libpq's pipeline mode, as
 * fast as the server takes them, without waiting for the ones before to
 * commit; each ends at a pipeline sync point, which commits it.  The
 * done callback then says, on the loop and in order, whether it did:
 *
 *   ok 1	committed: with synchronous_commit = on and a synchronous
 *		standby, flushed on two machines;
 *   ok 0	not committed (a statement failed: the batch rolled back,
 *		why is the server's message), or never sent (its time ran
 *		out while the server was unreachable), or unknown (the
 *		connection broke, or the commit was not confirmed within
 *		commit_timeout, after it was sent: it may yet commit).
 *
 * So ok 0 means "try again", and what is written must be idempotent
 * under a retry (the store keys messages by sender and client id).
 * Nothing here blocks: the connection is made with PQconnectStart() and
 * polled from an ev_io, every write is non-blocking, and a lost
 * connection is made again with backoff.  A multi-host conninfo with
 * target_session_attrs=read-write finds the primary after a failover.
 */
#ifndef PGW_H
#define PGW_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct pgw;

typedef void	 pgw_done_fn(void *arg, uint64_t seq, int ok, const char *why);

struct pgw_conf {
	const char	*conninfo;	/* libpq's: key=value or a URI */
	double		 commit_timeout; /* s: a batch not confirmed by then
					 * is reported failed (0: 10) */
	size_t		 max_batches;	/* queued and in flight (0: 1024) */
	size_t		 max_bytes;	/* of statements queued (0: 64 MiB) */
	/*
	 * Fencing: with lock set, every connection first takes the session
	 * advisory lock lock_key, and sends nothing before it has it.  If
	 * another session holds it, fenced() is called and no batch is
	 * ever sent again: another writer has taken over.
	 */
	int		 lock;
	int64_t		 lock_key;
	void		(*fenced)(void *arg);
};

struct pgw_stats {
	uint64_t	 committed;	/* batches */
	uint64_t	 failed;	/* rolled back by the server */
	uint64_t	 unknown;	/* outcome lost with the connection, or
					 * not confirmed in time */
	uint64_t	 expired;	/* never sent: the time ran out */
	uint64_t	 statements;
	uint64_t	 connects;	/* connections made */
	uint64_t	 losses;	/* connections lost or refused */
};

/* Start connecting.  done is called once for every batch, committed or
 * not. */
struct pgw	*pgw_new(struct ev_loop *, const struct pgw_conf *,
		    pgw_done_fn *done, void *arg);
/* Close the connection; batches not yet reported are reported failed. */
void		 pgw_free(struct pgw *);
/*
 * Append a statement with nparams text parameters (NULL: SQL NULL) to
 * the open batch: 0, or -1 if it would pass max_bytes (the batch is then
 * still open, and may be committed or dropped with pgw_abort()).
 */
int		 pgw_add(struct pgw *, const char *sql, int nparams,
		    const char *const *params);
/* Drop the open batch's statements. */
void		 pgw_abort(struct pgw *);
/*
 * Close the open batch: its sequence number (1, 2, ...: every later
 * batch has a higher one), or 0 if it is empty or max_batches are
 * queued (it stays open: the caller answers "busy").
 */
uint64_t	 pgw_commit(struct pgw *);
/* Is the connection up, and the server the primary? */
int		 pgw_up(const struct pgw *);
/* Batches queued or in flight. */
size_t		 pgw_pending(const struct pgw *);
/* The server's host and port ("" while down), for logs and status. */
const char	*pgw_server(const struct pgw *);
const struct pgw_stats *pgw_stats(const struct pgw *);

#endif
