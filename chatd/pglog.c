/*
 * pglog.c: the store's changes, committed in PostgreSQL before anyone is
 * told about them (pglog.h).
 *
 * Change n is the changeset of one store commit (sqlite3session), kept
 * in the local table pglog_out from that commit until PostgreSQL has it
 * and a later commit deletes it, and meta's pglog_n says the store holds
 * every change up to n.  In PostgreSQL:
 *
 *   chatd_log(node text, n bigint, at timestamptz, changeset bytea,
 *             PRIMARY KEY (node, n))
 *
 * written with ON CONFLICT DO NOTHING, so that sending a change again
 * (its first commit's outcome unknown, or chatd restarted with it still
 * in pglog_out) is harmless.  Changes are sent as they are committed,
 * several in flight (pgw.c pipelines them); "confirmed" is the highest n
 * with every change up to it committed in PostgreSQL, and the replies
 * of an outq batch (at most one waits at a time: outq.c) go once it
 * covers the changes made before them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SQLITE_ENABLE_SESSION
#define SQLITE_ENABLE_PREUPDATE_HOOK
#include <sqlite3.h>
#include <ev.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "chatd.h"
#include "pglog.h"
#include "store.h"
#include "pgw.h"
#include "base/log.h"
#include "base/xmalloc.h"

/* The last change the store holds (meta, 0 if none). */
#define PGLOG_N	"SELECT ifnull(max(value), 0) FROM meta WHERE key = 'pglog_n'"
#define PGLOG_TICK	0.1	/* s: the waiting replies' clock */
#define PGLOG_RETRY_MAX	5.0	/* s: the longest pause before a resend */
#define PGLOG_CHUNK	512	/* changes a query, applying the log */
#define PGLOG_SEED_ROWS	2000	/* rows a change, seeding the log */

static const char pg_schema[] =
	"CREATE TABLE IF NOT EXISTS chatd_log ("
	"  node text NOT NULL,"
	"  n bigint NOT NULL,"
	"  at timestamptz NOT NULL DEFAULT now(),"
	"  changeset bytea NOT NULL,"
	"  PRIMARY KEY (node, n))";
/*
 * The log has no gaps: change n commits only where n - 1 is already in
 * the log (1 / 0 fails the batch otherwise), so that a change that failed
 * while the next one committed cannot leave a hole a standby would step
 * over.  Pipelined batches run in order, so a change sent right behind
 * its predecessor finds it.
 */
static const char pg_after[] =
	"SELECT 1 / (SELECT count(*) FROM chatd_log WHERE node = $1"
	" AND n = $2::bigint - 1)::int";
static const char pg_insert[] =
	"INSERT INTO chatd_log(node, n, changeset) VALUES ($1, $2, $3)"
	" ON CONFLICT DO NOTHING";

/*
 * A change not yet confirmed.  Its bytes are held only until pgw has
 * them (pgw copies what it sends): to send it again, they are read back
 * from pglog_out, so that while PostgreSQL is away the memory held is 32
 * bytes a change, not the changes themselves.
 */
struct change {
	uint64_t	 n;
	uint64_t	 pgseq;		/* its pgw batch; 0: to send */
	int		 done;
	char		*hex;		/* "\x..." for bytea's text input */
};

struct pglog {
	struct ev_loop	*loop;
	struct store	*st;
	sqlite3		*db;
	sqlite3_session	*sess;
	struct pgw	*w;
	char		*node;
	double		 timeout;
	pglog_fn	*fn;
	void		*arg;
	uint64_t	 n;		/* the last change committed */
	uint64_t	 confirmed;	/* PostgreSQL has every one up to it */
	uint64_t	 cleaned;	/* pglog_out rows deleted up to it */
	uint64_t	 missing;	/* said missing from pglog_out */
	struct change	*q;		/* committed, not confirmed, in order */
	size_t		 nq, qcap;
	struct change	 cur;		/* recorded, its commit pending */
	int		 have_cur;
	int		 closing;	/* pglog_free(): no more sends */
	int		 stalled;	/* said that PostgreSQL does not confirm */
	double		 retry_s;	/* the pause before resending */
	ev_tstamp	 retry_at;
	int		 waiting;	/* an outq batch waits */
	uint64_t	 wait_seq, wait_n;
	ev_tstamp	 wait_t;
	ev_timer	 tick;
};

static char *
hexify(const void *p, size_t len)
{
	char	*s = xmalloc(2 * len + 3);

	s[0] = '\\';
	s[1] = 'x';
	sodium_bin2hex(s + 2, 2 * len + 1, p, len);
	return s;
}

/* Change c's bytes, read back from pglog_out: 0, or -1. */
static int
pglog_load(struct pglog *pl, struct change *c)
{
	sqlite3_stmt	*s;
	int		 rc = -1;

	if (c->hex != NULL)
		return 0;
	if (sqlite3_prepare_v2(pl->db, "SELECT changeset FROM pglog_out"
	    " WHERE n = ?", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)c->n);
	if (sqlite3_step(s) == SQLITE_ROW) {
		c->hex = hexify(sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0));
		rc = 0;
	}
	sqlite3_finalize(s);
	/* Once: the tick asks again and again, and nothing mends it. */
	if (rc == -1 && pl->missing != c->n) {
		pl->missing = c->n;
		log_warnx("pglog: change %" PRIu64 " is missing from "
		    "pglog_out: the log cannot go past it", c->n);
	}
	return rc;
}

/* Send change c (again): 0, or -1 if the writer's queue is full. */
static int
pglog_send(struct pglog *pl, struct change *c)
{
	char		 n[24];
	const char	*p[3] = { pl->node, n, NULL };
	int		 rc = 0;

	if (pglog_load(pl, c) == -1)
		return -1;
	p[2] = c->hex;
	snprintf(n, sizeof n, "%" PRIu64, c->n);
	if ((c->n > 1 && pgw_add(pl->w, pg_after, 2, p) == -1) ||
	    pgw_add(pl->w, pg_insert, 3, p) == -1 ||
	    (c->pgseq = pgw_commit(pl->w)) == 0) {
		pgw_abort(pl->w);
		c->pgseq = 0;		/* the tick tries again */
		rc = -1;
	}
	free(c->hex);
	c->hex = NULL;
	return rc;
}

/* Send again, in order, the changes not in flight; stop at a refusal. */
static void
pglog_resend(struct pglog *pl)
{
	size_t	i;

	for (i = 0; i < pl->nq && !pl->closing; i++)
		if (pl->q[i].pgseq == 0 && !pl->q[i].done &&
		    pglog_send(pl, &pl->q[i]) == -1)
			break;
}

/* Let the waiting batch go if the changes before it are all confirmed. */
static void
pglog_release(struct pglog *pl)
{
	if (pl->waiting && pl->confirmed >= pl->wait_n) {
		pl->waiting = 0;
		pl->fn(pl->arg, pl->wait_seq, 1);
	}
}

static void
pglog_done(void *arg, uint64_t pgseq, int ok, const char *why)
{
	struct pglog	*pl = arg;
	size_t		 i, k;

	for (i = 0; i < pl->nq; i++)
		if (pl->q[i].pgseq == pgseq)
			break;
	if (i == pl->nq || pl->closing)
		return;
	if (!ok) {
		if (!pl->stalled)
			log_warnx("pglog: change %" PRIu64 " not confirmed "
			    "(%s); sending it again, and what follows, until "
			    "it is", pl->q[i].n, why);
		/* The tick sends it again, after a pause that doubles
		 * while nothing is confirmed. */
		pl->stalled = 1;
		pl->q[i].pgseq = 0;
		if (pl->retry_s == 0)
			pl->retry_s = PGLOG_TICK;
		else if ((pl->retry_s *= 2) > PGLOG_RETRY_MAX)
			pl->retry_s = PGLOG_RETRY_MAX;
		pl->retry_at = ev_now(pl->loop) + pl->retry_s;
		return;
	}
	if (pl->stalled && i == 0) {
		log_info("pglog: PostgreSQL confirms again (%s)",
		    pgw_server(pl->w));
		pl->stalled = 0;
		pl->retry_s = 0;
		/* What failed behind it follows it now, in order. */
		pglog_resend(pl);
	}
	pl->q[i].done = 1;
	for (k = 0; k < pl->nq && pl->q[k].done; k++) {
		pl->confirmed = pl->q[k].n;
		free(pl->q[k].hex);
	}
	if (k > 0) {
		memmove(pl->q, pl->q + k, (pl->nq - k) * sizeof *pl->q);
		pl->nq -= k;
	}
	pglog_release(pl);
}

static void
pglog_tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pglog	*pl = t->data;

	if (ev_now(loop) >= pl->retry_at)
		pglog_resend(pl);
	pglog_release(pl);
	if (pl->waiting && ev_now(loop) - pl->wait_t >= pl->timeout) {
		pl->waiting = 0;
		log_warnx("pglog: PostgreSQL (%s) has not confirmed for %.0f s:"
		    " the replies waiting are told to try again",
		    *pgw_server(pl->w) ? pgw_server(pl->w) : "unreachable",
		    pl->timeout);
		pl->fn(pl->arg, pl->wait_seq, 0);
	}
}

/* The advisory lock that makes one chatd the writer of node's log. */
static int64_t
pglog_lock_key(const char *node)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const char	*p;

	for (p = "chatd_log:"; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (p = node; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return (int64_t)(h >> 1);
}

static void
pglog_fenced(void *arg)
{
	struct pglog	*pl = arg;

	pl->fn(pl->arg, 0, -1);
}

/* Not logged: the log's own queue, and the conversations' heads (a
 * cache of the messages, made again where the log is applied). */
static int
pglog_filter(void *arg, const char *table)
{
	return strcmp(table, "pglog_out") != 0 && strcmp(table, "heads") != 0;
}

static int
pglog_record(struct pglog *pl)
{
	if (pl->sess != NULL)
		sqlite3session_delete(pl->sess);
	pl->sess = NULL;
	if (sqlite3session_create(pl->db, "main", &pl->sess) != SQLITE_OK)
		return -1;
	sqlite3session_table_filter(pl->sess, pglog_filter, pl);
	return sqlite3session_attach(pl->sess, NULL) == SQLITE_OK ? 0 : -1;
}

static int
pglog_exec(sqlite3 *db, const char *q, sqlite3_int64 a, const void *blob,
    int len)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (blob != NULL)
		sqlite3_bind_blob(s, 2, blob, len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

int
pglog_precommit(void *arg)
{
	struct pglog	*pl = arg;
	void		*buf = NULL;
	int		 len = 0;
	uint64_t	 n = pl->n + 1;

	if (pl->confirmed > pl->cleaned) {
		if (pglog_exec(pl->db, "DELETE FROM pglog_out WHERE n <= ?",
		    (sqlite3_int64)pl->confirmed, NULL, 0) == -1)
			goto fail;
		pl->cleaned = pl->confirmed;
	}
	if (pl->sess == NULL || sqlite3session_isempty(pl->sess))
		return 0;
	if (pglog_exec(pl->db, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('pglog_n', ?)", (sqlite3_int64)n, NULL, 0) == -1 ||
	    sqlite3session_changeset(pl->sess, &len, &buf) != SQLITE_OK ||
	    pglog_exec(pl->db, "INSERT INTO pglog_out(n, changeset)"
	    " VALUES (?, ?)", (sqlite3_int64)n, buf, len) == -1)
		goto fail;
	pl->cur.n = n;
	pl->cur.pgseq = 0;
	pl->cur.done = 0;
	pl->cur.hex = hexify(buf, (size_t)len);
	pl->have_cur = 1;
	sqlite3_free(buf);
	/* The next commit's changes, from here. */
	if (pglog_record(pl) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("pglog: cannot record the changes: %s",
	    sqlite3_errmsg(pl->db));
	sqlite3_free(buf);
	return -1;
}

void
pglog_committed(struct pglog *pl, int ok)
{
	if (!pl->have_cur)
		return;
	pl->have_cur = 0;
	if (!ok) {
		/* Rolled back with the commit, pglog_out's row too. */
		free(pl->cur.hex);
		pglog_record(pl);
		return;
	}
	pl->n = pl->cur.n;
	if (pl->nq == pl->qcap) {
		pl->qcap = pl->qcap ? pl->qcap * 2 : 64;
		pl->q = xreallocarray(pl->q, pl->qcap, sizeof *pl->q);
	}
	pl->q[pl->nq++] = pl->cur;
	/* Behind changes that wait to be sent again, it waits its turn
	 * (its bytes in pglog_out). */
	if (!pl->stalled && (pl->nq == 1 || pl->q[pl->nq - 2].pgseq != 0))
		pglog_send(pl, &pl->q[pl->nq - 1]);
	else {
		free(pl->q[pl->nq - 1].hex);
		pl->q[pl->nq - 1].hex = NULL;
	}
	if (!ev_is_active(&pl->tick))
		ev_timer_again(pl->loop, &pl->tick);
}

void
pglog_request(struct pglog *pl, uint64_t seq)
{
	pl->waiting = 1;
	pl->wait_seq = seq;
	pl->wait_n = pl->n;
	pl->wait_t = ev_now(pl->loop);
	/* Confirmed already: at the next tick, not inside the commit. */
	if (!ev_is_active(&pl->tick))
		ev_timer_again(pl->loop, &pl->tick);
}

/* The conflicts of a change applied to a store: the log's rows win. */
static int
pglog_conflict(void *arg, int why, sqlite3_changeset_iter *it)
{
	if (why == SQLITE_CHANGESET_DATA || why == SQLITE_CHANGESET_CONFLICT)
		return SQLITE_CHANGESET_REPLACE;
	return SQLITE_CHANGESET_OMIT;
}

/*
 * Is the store still the log's?  Its pglog_out holds the changes it
 * committed that PostgreSQL had not confirmed.  If the log has another
 * change under one of their numbers, or has gone past those it lacks,
 * another chatd wrote the log after this one stopped (a standby took
 * over): the store holds changes no other has, and lacks some of the
 * log's, which catching up from its number would skip.  0 yes, -2 no
 * (err says which change), -1 failure.
 */
static int
pglog_check_out(PGconn *pg, sqlite3 *db, const char *node, char *err,
    size_t errlen)
{
	sqlite3_stmt	*s;
	PGresult	*r;
	char		 lo[24], hi[24];
	const char	*p[3] = { node, lo, hi };
	long long	 min, max, count, i, n, found;
	int		 rc = 0, same;

	if (sqlite3_prepare_v2(db, "SELECT min(n), max(n), count(*) FROM"
	    " pglog_out", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		snprintf(err, errlen, "cannot read the store: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	min = sqlite3_column_int64(s, 0);
	max = sqlite3_column_int64(s, 1);
	count = sqlite3_column_int64(s, 2);
	sqlite3_finalize(s);
	if (count == 0)
		return 0;
	snprintf(lo, sizeof lo, "%lld", min);
	snprintf(hi, sizeof hi, "%lld", max);
	r = PQexecParams(pg, "SELECT n::text, changeset FROM chatd_log WHERE"
	    " node = $1 AND n >= $2 AND n <= $3 ORDER BY n", 3, NULL, p, NULL,
	    NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "reading the log: %s", PQerrorMessage(pg));
		PQclear(r);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT changeset FROM pglog_out WHERE"
	    " n = ?", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the store: %s",
		    sqlite3_errmsg(db));
		PQclear(r);
		return -1;
	}
	found = PQntuples(r);
	for (i = 0; i < found && rc == 0; i++) {
		n = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, n);
		same = sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_bytes(s, 0) == PQgetlength(r, (int)i, 1) &&
		    memcmp(sqlite3_column_blob(s, 0), PQgetvalue(r, (int)i, 1),
		    (size_t)PQgetlength(r, (int)i, 1)) == 0;
		if (!same) {
			snprintf(err, errlen, "stale store: its change %lld is "
			    "not the one in the log %s (another chatd has "
			    "written the log since)", n, node);
			rc = -2;
		}
	}
	sqlite3_finalize(s);
	PQclear(r);
	if (rc != 0 || found == count)
		return rc;
	/* Some were never in the log: the log must not have gone on. */
	p[1] = hi;
	r = PQexecParams(pg, "SELECT 1 FROM chatd_log WHERE node = $1 AND"
	    " n > $2 LIMIT 1", 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "reading the log: %s", PQerrorMessage(pg));
		rc = -1;
	} else if (PQntuples(r) > 0) {
		snprintf(err, errlen, "stale store: it holds changes %lld to "
		    "%lld that the log %s lacks, and another chatd has "
		    "written the log past them", min, max, node);
		rc = -2;
	}
	PQclear(r);
	return rc;
}

static void
pglog_strv_free(char **v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * A store that served before it had a PostgreSQL log: its whole content
 * becomes the log's first changes, so that a node rebuilt from the log
 * has every account made before.  Each change is a slice of one table,
 * PGLOG_SEED_ROWS rows copied into an empty copy of the table in an
 * attached in-memory database (pgseed) with a session recording the
 * inserts, and sets pglog_n to its number: bounded, so that each goes
 * to PostgreSQL as any change does (pgw takes at most its max_bytes a
 * batch), and a rebuild applies them in order.  All in one transaction
 * with their rows in pglog_out, from where pglog_open() sends them.
 * Tables without a primary key are left out, as from every change
 * (CLUSTER.md).  0, or -1 with a message in err.
 */
static int
pglog_seed(sqlite3 *db, const char *node, char *err, size_t errlen)
{
	sqlite3_session	*sess = NULL;
	sqlite3_stmt	*s = NULL;
	char		*msg = NULL, *q, **tab = NULL;
	void		*buf = NULL;
	int		 len = 0, ntab = 0, i, rc, rows;
	long long	 n = 0, off, bytes = 0;

	if (sqlite3_exec(db, "ATTACH ':memory:' AS pgseed", NULL, NULL,
	    &msg) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* meta first: every change sets pglog_n in its copy, which stays
	 * to the end. */
	if (sqlite3_prepare_v2(db, "SELECT name, sql FROM main.sqlite_schema"
	    " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	    " AND name NOT IN ('pglog_out', 'heads')"
	    " ORDER BY name <> 'meta'", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	/* The tables first (name, then "x (...)" of "CREATE TABLE x
	 * (...)"), the schema read to its end before pgseed's changes. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char	*name = (const char *)sqlite3_column_text(s, 0);
		const char	*sql = (const char *)sqlite3_column_text(s, 1);

		if (name == NULL || sql == NULL ||
		    strncmp(sql, "CREATE TABLE ", 13) != 0)
			continue;
		tab = xreallocarray(tab, (size_t)ntab + 2, sizeof *tab);
		tab[ntab++] = xstrdup(name);
		tab[ntab++] = xstrdup(sql + 13);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE)
		goto fail;
	if (ntab == 0 || strcmp(tab[0], "meta") != 0) {
		msg = sqlite3_mprintf("the store has no meta table");
		goto fail;
	}
	for (i = 0; i < ntab; i += 2) {
		q = sqlite3_mprintf("CREATE TABLE pgseed.%s", tab[i + 1]);
		rc = sqlite3_exec(db, q, NULL, NULL, &msg);
		sqlite3_free(q);
		if (rc != SQLITE_OK)
			goto fail;
		for (off = 0;; off += PGLOG_SEED_ROWS) {
			if (sqlite3session_create(db, "pgseed", &sess) !=
			    SQLITE_OK ||
			    sqlite3session_attach(sess, tab[i]) != SQLITE_OK ||
			    sqlite3session_attach(sess, "meta") != SQLITE_OK)
				goto fail;
			/* Always the same order: a table no one writes
			 * meanwhile, scanned the same way each time. */
			q = sqlite3_mprintf("INSERT INTO pgseed.\"%w\" SELECT *"
			    " FROM main.\"%w\" LIMIT %d OFFSET %lld", tab[i],
			    tab[i], PGLOG_SEED_ROWS, off);
			rc = sqlite3_exec(db, q, NULL, NULL, &msg);
			sqlite3_free(q);
			if (rc != SQLITE_OK)
				goto fail;
			rows = sqlite3_changes(db);
			if (rows == 0 || sqlite3session_isempty(sess)) {
				/* Done, or a table the session ignores. */
				sqlite3session_delete(sess);
				sess = NULL;
				break;
			}
			/* This change's number, in its own copy of meta. */
			n++;
			q = sqlite3_mprintf("INSERT OR REPLACE INTO pgseed.meta"
			    "(key, value) VALUES ('pglog_n', %lld)", n);
			rc = sqlite3_exec(db, q, NULL, NULL, &msg);
			sqlite3_free(q);
			if (rc != SQLITE_OK ||
			    sqlite3session_changeset(sess, &len, &buf) !=
			    SQLITE_OK ||
			    pglog_exec(db, "INSERT INTO pglog_out(n, changeset)"
			    " VALUES (?, ?)", n, buf, len) == -1)
				goto fail;
			bytes += len;
			sqlite3_free(buf);
			buf = NULL;
			sqlite3session_delete(sess);
			sess = NULL;
			/* Unrecorded: the slice goes, the copy stays small. */
			q = sqlite3_mprintf("DELETE FROM pgseed.\"%w\";"
			    " DELETE FROM pgseed.meta WHERE key = 'pglog_n'",
			    tab[i]);
			rc = sqlite3_exec(db, q, NULL, NULL, &msg);
			sqlite3_free(q);
			if (rc != SQLITE_OK)
				goto fail;
			if (rows < PGLOG_SEED_ROWS)
				break;
		}
		/* meta's copy stays for the pglog_n rows of the rest. */
		if (strcmp(tab[i], "meta") != 0) {
			q = sqlite3_mprintf("DROP TABLE pgseed.\"%w\"", tab[i]);
			rc = sqlite3_exec(db, q, NULL, NULL, &msg);
			sqlite3_free(q);
			if (rc != SQLITE_OK)
				goto fail;
		}
	}
	if (pglog_exec(db, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('pglog_n', ?)", n, NULL, 0) == -1 ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	pglog_strv_free(tab, ntab);
	sqlite3_exec(db, "DETACH pgseed", NULL, NULL, NULL);
	log_info("pglog: the store served before it had a PostgreSQL log: "
	    "its %d tables (%lld bytes) are changes 1 to %lld of the log %s",
	    ntab / 2, bytes, n, node);
	return 0;
fail:
	snprintf(err, errlen, "cannot make the store the log's first "
	    "changes: %s", msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_finalize(s);
	if (sess != NULL)
		sqlite3session_delete(sess);
	sqlite3_free(buf);
	pglog_strv_free(tab, ntab);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(db, "DETACH pgseed", NULL, NULL, NULL);
	return -1;
}

/* The bigint in column col of row i of a binary result. */
static uint64_t
pglog_bigint(PGresult *r, int i, int col)
{
	const unsigned char	*b = (const unsigned char *)PQgetvalue(r, i,
				    col);
	uint64_t		 v = 0;
	int			 k;

	for (k = 0; k < 8 && PQgetlength(r, i, col) == 8; k++)
		v = v << 8 | b[k];
	return v;
}

/*
 * Bring the store at dbpath up to the log: apply, in order, every change
 * of node after the store's pglog_n, PGLOG_CHUNK a query and a
 * transaction (each change sets pglog_n, so a rebuild killed between two
 * goes on from where it was, and a long log is never read whole).  The
 * number applied, or -1 with a message in err (-2: the store is stale,
 * pglog_check_out(); -3: it holds accounts the log lacks).
 */
#define CATCH_SEED	0x01	/* a store that served before its log seeds it */
#define CATCH_QUIET	0x02	/* following: the caller says what was applied */

static long long
pglog_catch_up(PGconn *pg, struct store *st, const char *node, int flags,
    char *err, size_t errlen)
{
	sqlite3		*db = store_db(st);
	PGresult	*r;
	char		 from[24], chunk[24];
	const char	*p[3] = { node, from, chunk };
	long long	 local, i, n, total = 0;
	uint64_t	 last = 0;
	int		 rc;

	if ((rc = pglog_check_out(pg, db, node, err, errlen)) != 0)
		return rc;
	if ((local = store_int(st, PGLOG_N)) < 0) {
		snprintf(err, errlen, "cannot read the store: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	snprintf(from, sizeof from, "%lld", local);
	snprintf(chunk, sizeof chunk, "%d", PGLOG_CHUNK);
	for (;;) {
		r = PQexecParams(pg, "SELECT n, changeset FROM chatd_log"
		    " WHERE node = $1 AND n > $2 ORDER BY n LIMIT $3", 3, NULL,
		    p, NULL, NULL, 1);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(err, errlen, "reading the log: %s",
			    PQerrorMessage(pg));
			PQclear(r);
			return -1;
		}
		n = PQntuples(r);
		if (total == 0 && local == 0 &&
		    store_int(st, "SELECT count(*) FROM users") > 0) {
			/* Accounts the log never had: rebuilt from it, a
			 * node would lose them.  A writer makes them its
			 * log's first changes; otherwise the store is not
			 * half-logged. */
			PQclear(r);
			if (n == 0 && (flags & CATCH_SEED))
				return pglog_seed(db, node, err, errlen) ==
				    -1 ? -1 : 0;
			if (n == 0)
				snprintf(err, errlen, "the store holds "
				    "accounts made before it had a PostgreSQL"
				    " log, which node %s's log lacks: start "
				    "from an empty state directory", node);
			else
				snprintf(err, errlen, "the store and "
				    "PostgreSQL's log of node %s hold "
				    "different accounts: start from an empty "
				    "state directory, or give this node "
				    "another name", node);
			return -3;
		}
		if (n == 0) {
			PQclear(r);
			break;
		}
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL) != SQLITE_OK)
			goto fail;
		for (i = 0; i < n; i++)
			if (sqlite3changeset_apply(db,
			    PQgetlength(r, (int)i, 1), PQgetvalue(r, (int)i, 1),
			    NULL, pglog_conflict, NULL) != SQLITE_OK)
				goto fail;
		/* The heads are not in the log: the store makes them again
		 * when next opened (store.c, schema 9). */
		if (sqlite3_exec(db, "DELETE FROM meta WHERE key = "
		    "'heads_upto'", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		last = pglog_bigint(r, (int)n - 1, 0);
		PQclear(r);
		total += n;
		if (n < PGLOG_CHUNK)
			break;
		snprintf(from, sizeof from, "%" PRIu64, last);
	}
	if (total > 0 && !(flags & CATCH_QUIET))
		log_info("pglog: applied %lld changes from PostgreSQL (up to "
		    "%" PRIu64 ")", total, last);
	return total;
fail:
	snprintf(err, errlen, "applying the log: %s", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	PQclear(r);
	return -1;
}

/* libpq's notices ("already exists, skipping") are not for the log. */
static void
pglog_quiet(void *arg, const char *message)
{
}

/* A connection for the start, and the log's table made if missing. */
static PGconn *
pglog_connect(const char *conninfo, char *err, size_t errlen)
{
	PGconn		*pg = PQconnectdb(conninfo);
	PGresult	*r;

	if (PQstatus(pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(pg, pglog_quiet, NULL);
		r = PQexec(pg, pg_schema);
		if (PQresultStatus(r) == PGRES_COMMAND_OK) {
			PQclear(r);
			return pg;
		}
		PQclear(r);
	}
	snprintf(err, errlen, "PostgreSQL: %s", PQerrorMessage(pg));
	err[strcspn(err, "\n")] = '\0';
	PQfinish(pg);
	return NULL;
}

long long
pglog_restore(struct store *st, const char *conninfo, const char *node,
    char *err, size_t errlen)
{
	sqlite3		*db = store_db(st);
	PGconn		*pg;
	long long	 n;

	if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS pglog_out ("
	    "  n INTEGER PRIMARY KEY,"
	    "  changeset BLOB NOT NULL)", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "store: %s", sqlite3_errmsg(db));
		return -1;
	}
	if ((pg = pglog_connect(conninfo, err, errlen)) == NULL)
		return -1;
	n = pglog_catch_up(pg, st, node, CATCH_SEED, err, errlen);
	PQfinish(pg);
	return n;
}

/* Is node's log without a writer now?  1 yes, 0 no, -1 failure. */
static int
pglog_free_now(PGconn *pg, const char *node)
{
	PGresult	*r;
	char		 key[24];
	const char	*p[1] = { key };
	int		 got;

	snprintf(key, sizeof key, "%lld", (long long)pglog_lock_key(node));
	r = PQexecParams(pg, "SELECT pg_try_advisory_lock($1::bigint)", 1,
	    NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return -1;
	}
	got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (got) {
		/* Only a look: the writer takes it for itself (pgw.c). */
		r = PQexecParams(pg, "SELECT pg_advisory_unlock($1::bigint)",
		    1, NULL, p, NULL, NULL, 0);
		PQclear(r);
	}
	return got;
}

long long
pglog_follow(struct store *st, const char *conninfo, const char *node,
    int (*stop)(void), char *err, size_t errlen)
{
	PGconn		*pg = NULL;
	long long	 n, total = 0, minute = 0;
	time_t		 minute_t = time(NULL);
	int		 said = 0, f;

	/* What the start applies counts too: the store, opened before it,
	 * must be opened again even if nothing comes while following. */
	if ((total = pglog_restore(st, conninfo, node, err, errlen)) < 0)
		return total;
	log_info("standby: following the log %s in PostgreSQL", node);
	while (!stop()) {
		if (pg == NULL && (pg = pglog_connect(conninfo, err,
		    errlen)) == NULL) {
			if (!said++)
				log_warnx("standby: %s; trying again", err);
			sleep(1);
			continue;
		}
		if ((n = pglog_catch_up(pg, st, node, CATCH_QUIET, err,
		    errlen)) < 0 || (f = pglog_free_now(pg, node)) < 0) {
			if (n == -1 && PQstatus(pg) != CONNECTION_OK) {
				PQfinish(pg);
				pg = NULL;
				continue;
			}
			PQfinish(pg);
			return n < -1 ? n : -1;
		}
		said = 0;
		total += n;
		/* What it applies is said once a minute, not every look. */
		minute += n;
		if (time(NULL) - minute_t >= 60) {
			if (minute > 0)
				log_info("standby: applied %lld changes of the "
				    "log %s in the last minute (up to %lld)",
				    minute, node, store_int(st, PGLOG_N));
			minute = 0;
			minute_t = time(NULL);
		}
		if (f) {
			/* What came between the last look and the lock. */
			if ((n = pglog_catch_up(pg, st, node, CATCH_QUIET, err,
			    errlen)) < 0) {
				PQfinish(pg);
				return n;
			}
			total += n;
			log_info("standby: the log %s has no writer: "
			    "taking over (%lld changes applied)", node, total);
			PQfinish(pg);
			return total;
		}
		usleep(200000);
	}
	if (pg != NULL)
		PQfinish(pg);
	snprintf(err, errlen, "stopped while a standby");
	return -1;
}

struct pglog *
pglog_open(struct ev_loop *loop, struct store *st, const char *conninfo,
    const char *node, double commit_timeout, pglog_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct pglog	*pl;
	struct pgw_conf	 wc;
	sqlite3_stmt	*s;

	pl = xcalloc(1, sizeof *pl);
	pl->loop = loop;
	pl->st = st;
	pl->db = store_db(st);
	pl->node = xstrdup(node);
	pl->timeout = commit_timeout;
	pl->fn = fn;
	pl->arg = arg;
	pl->n = (uint64_t)store_int(st, PGLOG_N);
	ev_timer_init(&pl->tick, pglog_tick_cb, PGLOG_TICK, PGLOG_TICK);
	pl->tick.data = pl;
	memset(&wc, 0, sizeof wc);
	wc.conninfo = conninfo;
	wc.commit_timeout = commit_timeout;
	wc.lock = 1;
	wc.lock_key = pglog_lock_key(node);
	wc.fenced = pglog_fenced;
	pl->w = pgw_new(loop, &wc, pglog_done, pl);
	/* What the last run may not have got into the log: again. */
	if (sqlite3_prepare_v2(pl->db, "SELECT n FROM pglog_out ORDER BY n",
	    -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			struct change	c;

			/* Its bytes are read when it is sent. */
			memset(&c, 0, sizeof c);
			c.n = (uint64_t)sqlite3_column_int64(s, 0);
			if (pl->nq == pl->qcap) {
				pl->qcap = pl->qcap ? pl->qcap * 2 : 64;
				pl->q = xreallocarray(pl->q, pl->qcap,
				    sizeof *pl->q);
			}
			pl->q[pl->nq++] = c;
		}
		sqlite3_finalize(s);
	}
	/*
	 * Everything below the first change still in pglog_out is in the
	 * log, so a reply that waits on no new change (a login, a read)
	 * goes at once, not when the next change happens to be confirmed.
	 */
	pl->confirmed = pl->nq > 0 ? pl->q[0].n - 1 : pl->n;
	pl->cleaned = pl->confirmed;
	pglog_resend(pl);
	if (pl->nq > 0) {
		log_info("pglog: sending %zu changes again", pl->nq);
		ev_timer_again(loop, &pl->tick);
	}
	if (pglog_record(pl) == -1) {
		snprintf(err, errlen, "store: cannot record changes: %s",
		    sqlite3_errmsg(pl->db));
		pglog_free(pl);
		return NULL;
	}
	store_set_precommit(st, pglog_precommit, pl);
	return pl;
}

void
pglog_free(struct pglog *pl)
{
	size_t	i;

	if (pl == NULL)
		return;
	pl->closing = 1;
	if (pl->st != NULL)
		store_set_precommit(pl->st, NULL, NULL);
	if (pl->sess != NULL)
		sqlite3session_delete(pl->sess);
	pgw_free(pl->w);
	ev_timer_stop(pl->loop, &pl->tick);
	for (i = 0; i < pl->nq; i++)
		free(pl->q[i].hex);
	if (pl->have_cur)
		free(pl->cur.hex);
	free(pl->q);
	free(pl->node);
	free(pl);
}

size_t
pglog_pending(const struct pglog *pl)
{
	return pl->nq;
}

int
pglog_wait_writer(struct pglog *pl, double seconds)
{
	ev_tstamp	end = ev_time() + seconds;

	while (!pgw_up(pl->w) && ev_time() < end)
		ev_run(pl->loop, EVRUN_ONCE);
	return pgw_up(pl->w) ? 0 : -1;
}

void
pglog_drain(struct pglog *pl, double seconds)
{
	ev_tstamp	end = ev_time() + seconds;

	while (pl->nq > 0 && ev_time() < end)
		ev_run(pl->loop, EVRUN_ONCE);
}

const char *
pglog_server(const struct pglog *pl)
{
	return pgw_server(pl->w);
}

void
pglog_stats(const struct pglog *pl, struct pglog_stats *ps)
{
	ps->n = pl->n;
	ps->confirmed = pl->confirmed;
	ps->connected = pgw_up(pl->w);
	ps->stalled = pl->stalled;
	ps->w = *pgw_stats(pl->w);
}
