/*
 * pgw.c: batches of statements committed in PostgreSQL, from the event
 * loop, through libpq's asynchronous API in pipeline mode (pgw.h).
 *
 * The batches wait in one queue, oldest first.  Those at its head have
 * been sent; each is its statements (each prepared the first time this
 * connection sees its text) and a sync point, and its results come back
 * in the order it was sent: a result and a NULL for each prepare and
 * each statement, then the sync's.  A statement that fails aborts the
 * rest of its batch, up to the sync, which rolls it back; the next batch
 * begins a transaction of its own.
 *
 * A batch is reported once, in order: at its sync, when the connection
 * breaks after it was sent, or when commit_timeout passes.  In the last
 * case its results may still come; they are read and dropped, as they
 * must be to reach the next batch's.  libpq 15 has no cancel that does
 * not block, so a commit that waits (a synchronous standby gone) is left
 * to wait: the batches behind it are reported as their own time runs
 * out, and all of them as they are confirmed once it returns.
 *
 * Host names in the conninfo are resolved by PQconnectStart(), which
 * may block for that; give addresses (hostaddr, or numeric hosts) where
 * a resolver could be slow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <libpq-fe.h>

#include "pgw.h"
#include "base/log.h"
#include "base/xmalloc.h"

#define PGW_PREPARED	128		/* statements prepared per connection */
#define PGW_RETRY_MIN	0.1		/* s, before connecting again */
#define PGW_RETRY_MAX	5.0
#define PGW_TICK	0.05		/* s, while batches wait */
#define PGW_CONNECT	5.0		/* s, for one connection attempt */

struct stmt {
	size_t		 sql;		/* offsets in the batch's buffer */
	int		 nparams;
	size_t		 param;		/* first of nparams in poff */
};

struct batch {
	struct batch	*next;
	uint64_t	 seq;
	ev_tstamp	 t_queued;
	int		 sent;
	int		 reported;
	int		 failed;	/* a statement failed */
	int		 expect_null;	/* a result came: a NULL follows */
	char		 why[200];
	char		*buf;		/* statements and parameters */
	size_t		 len, cap;
	struct stmt	*st;
	size_t		 nst, stcap;
	long		*poff;		/* parameter offsets; -1 NULL */
	size_t		 npoff, poffcap;
};

struct prep {
	char		*sql;		/* NULL: free */
	char		 name[24];
};

struct pgw {
	struct ev_loop	*loop;
	struct pgw_conf	 conf;
	char		*conninfo;
	pgw_done_fn	*done;
	void		*arg;
	PGconn		*conn;
	int		 up;		/* connected, in pipeline mode */
	int		 locking;	/* connected, taking the lock */
	int		 lock_ok;	/* its answer was true */
	int		 fenced;	/* another writer holds the lock */
	int		 want_write;
	ev_io		 io;
	ev_timer	 retry, tick, connecting;
	ev_timer	 kick;		/* send what pgw_commit() queued */
	int		 dealloc;	/* a batch failed: DEALLOCATE ALL first */
	double		 backoff;
	struct batch	*head, *tail;	/* queued; sent ones first */
	struct batch	*unsent;	/* first not sent */
	struct batch	*open;		/* being filled */
	size_t		 nbatches, bytes;
	uint64_t	 seq;
	int		 in_cb;		/* in done(): pgw_commit() only queues */
	unsigned int	 pcount;	/* for statement names */
	struct prep	 prep[PGW_PREPARED];
	char		 server[128];
	struct pgw_stats stats;
};

static void	pgw_connect(struct pgw *);
static void	pgw_lose(struct pgw *, const char *);
static void	pgw_send(struct pgw *);

static struct batch *
batch_new(void)
{
	return xcalloc(1, sizeof(struct batch));
}

static void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b->st);
	free(b->poff);
	free(b);
}

/* Copy n bytes (and a NUL) into b's buffer: their offset. */
static size_t
batch_put(struct batch *b, const char *s, size_t n)
{
	size_t	off = b->len;

	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1024;
		b->buf = xreallocarray(b->buf, b->cap, 1);
	}
	memcpy(b->buf + b->len, s, n);
	b->buf[b->len + n] = '\0';
	b->len += n + 1;
	return off;
}

/* Report b, unless it was: ok, or failed with why. */
static void
pgw_report(struct pgw *w, struct batch *b, int ok, const char *why)
{
	if (b->reported)
		return;
	b->reported = 1;
	w->in_cb++;
	w->done(w->arg, b->seq, ok, ok ? "committed" : why != NULL && *why ?
	    why : "rolled back");
	w->in_cb--;
}

/* Take b, the head, off the queue. */
static void
pgw_pop(struct pgw *w)
{
	struct batch	*b = w->head;

	w->head = b->next;
	if (w->tail == b)
		w->tail = NULL;
	if (w->unsent == b)
		w->unsent = b->next;
	w->nbatches--;
	w->bytes -= b->len;
	batch_free(b);
}

static void
pgw_forget_prepared(struct pgw *w)
{
	size_t	i;

	for (i = 0; i < PGW_PREPARED; i++) {
		free(w->prep[i].sql);
		w->prep[i].sql = NULL;
	}
}

/*
 * Watch the connection's socket for events.  While connecting, libpq may
 * close its socket and open another (the next host, another address),
 * quite possibly under the same number, which the kernel's epoll set
 * then no longer holds: so the watcher is set afresh at every step.
 */
static void
pgw_watch(struct pgw *w, int events)
{
	int	fd = w->conn != NULL ? PQsocket(w->conn) : -1;

	if (ev_is_active(&w->io) && (!w->up || w->io.fd != fd ||
	    (w->io.events & (EV_READ | EV_WRITE)) != events))
		ev_io_stop(w->loop, &w->io);
	if (fd < 0 || events == 0)
		return;
	if (!ev_is_active(&w->io)) {
		ev_io_set(&w->io, fd, events);
		ev_io_start(w->loop, &w->io);
	}
}

/*
 * The time of the batches that wait: report those whose time ran out.
 * Unsent ones are only ever at the head (pgw_send() sends every batch
 * at once while connected), and are dropped, so that they never commit.
 */
static void
pgw_tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pgw	*w = t->data;
	struct batch	*b;
	ev_tstamp	 now = ev_now(loop);

	while ((b = w->head) != NULL && !b->sent &&
	    now - b->t_queued >= w->conf.commit_timeout) {
		w->stats.expired++;
		pgw_report(w, b, 0, w->up ? "the database is busy" :
		    "the database is unreachable");
		pgw_pop(w);
	}
	for (b = w->head; b != NULL && b->sent &&
	    now - b->t_queued >= w->conf.commit_timeout; b = b->next)
		if (!b->reported) {
			w->stats.unknown++;
			pgw_report(w, b, 0, "the commit was not confirmed "
			    "in time");
		}
	if (w->head == NULL)
		ev_timer_stop(loop, &w->tick);
	pgw_send(w);
}

/* One result of the head's batch. */
static int
pgw_result(struct pgw *w, PGresult *r)
{
	struct batch	*b;
	ExecStatusType	 st = PQresultStatus(r);

	/* The first sent batch whose results are still to come. */
	if ((b = w->head) == NULL || !b->sent) {
		log_warnx("pgw: a result with no batch in flight");
		return -1;
	}
	switch (st) {
	case PGRES_PIPELINE_SYNC:
		if (b->failed) {
			w->stats.failed++;
			/*
			 * Which of its prepares ran before the failure is
			 * not known: the next batch begins with DEALLOCATE
			 * ALL, and every statement is prepared again, so
			 * that none leaks in the server's session.
			 */
			pgw_forget_prepared(w);
			w->dealloc = 1;
			pgw_report(w, b, 0, b->why);
		} else {
			w->stats.committed++;
			pgw_report(w, b, 1, NULL);
		}
		pgw_pop(w);
		return 0;
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		break;
	case PGRES_PIPELINE_ABORTED:
		b->failed = 1;
		break;
	default:
		if (!b->failed) {
			const char *m = PQresultErrorField(r,
			    PG_DIAG_MESSAGE_PRIMARY);

			snprintf(b->why, sizeof b->why, "%s",
			    m != NULL ? m : PQresStatus(st));
		}
		b->failed = 1;
		break;
	}
	b->expect_null = 1;
	return 0;
}

/* Read what the server sent, and every result complete in it. */
static void
pgw_read(struct pgw *w)
{
	PGresult	*r;

	if (!PQconsumeInput(w->conn)) {
		pgw_lose(w, PQerrorMessage(w->conn));
		return;
	}
	while (w->head != NULL && w->head->sent && !PQisBusy(w->conn)) {
		if ((r = PQgetResult(w->conn)) == NULL) {
			/* The end of one statement's results. */
			if (!w->head->expect_null)
				break;
			w->head->expect_null = 0;
			continue;
		}
		if (pgw_result(w, r) == -1) {
			PQclear(r);
			pgw_lose(w, "out of step with the server");
			return;
		}
		PQclear(r);
	}
	if (PQstatus(w->conn) == CONNECTION_BAD) {
		pgw_lose(w, PQerrorMessage(w->conn));
		return;
	}
	/* Batches committed by the callbacks above. */
	pgw_send(w);
}

/* Push buffered output; watch for writability while some is left. */
static void
pgw_flush(struct pgw *w)
{
	int	rc;

	if ((rc = PQflush(w->conn)) == -1) {
		pgw_lose(w, PQerrorMessage(w->conn));
		return;
	}
	w->want_write = rc == 1;
	pgw_watch(w, EV_READ | (w->want_write ? EV_WRITE : 0));
}

/* The lock's answer: then the pipeline, or fenced. */
static void
pgw_lock_read(struct pgw *w, int revents)
{
	PGresult	*r;

	if (revents & EV_WRITE) {
		int	rc = PQflush(w->conn);

		if (rc == -1) {
			pgw_lose(w, PQerrorMessage(w->conn));
			return;
		}
		if (rc == 0)
			pgw_watch(w, EV_READ);
	}
	if (!(revents & EV_READ))
		return;
	if (!PQconsumeInput(w->conn)) {
		pgw_lose(w, PQerrorMessage(w->conn));
		return;
	}
	while (!PQisBusy(w->conn)) {
		if ((r = PQgetResult(w->conn)) == NULL) {
			/* The answer is complete. */
			if (!w->lock_ok) {
				log_warnx("pgw: another writer holds lock %lld "
				    "on %s:%s: fenced", (long long)
				    w->conf.lock_key, PQhost(w->conn),
				    PQport(w->conn));
				w->fenced = 1;
				pgw_lose(w, "fenced");
				if (w->conf.fenced != NULL)
					w->conf.fenced(w->arg);
				return;
			}
			w->locking = 0;
			if (PQenterPipelineMode(w->conn) != 1) {
				pgw_lose(w, PQerrorMessage(w->conn));
				return;
			}
			w->up = 1;
			w->backoff = 0;
			w->stats.connects++;
			ev_timer_stop(w->loop, &w->connecting);
			snprintf(w->server, sizeof w->server, "%s:%s",
			    PQhost(w->conn), PQport(w->conn));
			log_info("pgw: connected to %s, holding lock %lld",
			    w->server, (long long)w->conf.lock_key);
			pgw_send(w);
			return;
		}
		if (PQresultStatus(r) == PGRES_TUPLES_OK &&
		    PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0)
			w->lock_ok = 1;
		else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			char	msg[200];

			snprintf(msg, sizeof msg, "%s",
			    PQresultErrorMessage(r));
			PQclear(r);
			pgw_lose(w, msg);
			return;
		}
		PQclear(r);
	}
}

static void
pgw_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct pgw		*w = io->data;
	PostgresPollingStatusType pr;

	if (w->locking) {
		pgw_lock_read(w, revents);
		return;
	}
	if (!w->up) {
		pr = PQconnectPoll(w->conn);
		switch (pr) {
		case PGRES_POLLING_READING:
			pgw_watch(w, EV_READ);
			return;
		case PGRES_POLLING_WRITING:
			pgw_watch(w, EV_WRITE);
			return;
		case PGRES_POLLING_OK:
			break;
		default:
			pgw_lose(w, PQerrorMessage(w->conn));
			return;
		}
		if (w->conf.lock && !w->locking) {
			char		 key[24];
			const char	*p[1] = { key };

			snprintf(key, sizeof key, "%lld",
			    (long long)w->conf.lock_key);
			if (PQsetnonblocking(w->conn, 1) != 0 ||
			    !PQsendQueryParams(w->conn, "SELECT "
			    "pg_try_advisory_lock($1::bigint)", 1, NULL, p,
			    NULL, NULL, 0)) {
				pgw_lose(w, PQerrorMessage(w->conn));
				return;
			}
			w->locking = 1;
			w->lock_ok = 0;
			pgw_flush(w);
			return;
		}
		if (PQsetnonblocking(w->conn, 1) != 0 ||
		    !PQenterPipelineMode(w->conn)) {
			pgw_lose(w, PQerrorMessage(w->conn));
			return;
		}
		w->up = 1;
		w->backoff = 0;
		ev_timer_stop(w->loop, &w->connecting);
		w->stats.connects++;
		snprintf(w->server, sizeof w->server, "%s:%s",
		    PQhost(w->conn), PQport(w->conn));
		log_info("pgw: connected to %s", w->server);
		pgw_send(w);
		return;
	}
	if (revents & EV_READ) {
		pgw_read(w);
		if (w->conn == NULL || !w->up)
			return;
	}
	pgw_flush(w);
}

/* Send the batches not sent yet. */
static void
pgw_send(struct pgw *w)
{
	struct batch	*b;
	const char	*vals[64], **v;
	size_t		 i, j, k;
	char		 name[24];

	if (!w->up || w->in_cb || w->unsent == NULL)
		return;
	for (b = w->unsent; b != NULL; b = b->next) {
		if (w->dealloc) {
			if (!PQsendQueryParams(w->conn, "DEALLOCATE ALL", 0,
			    NULL, NULL, NULL, NULL, 0)) {
				pgw_lose(w, PQerrorMessage(w->conn));
				return;
			}
			w->dealloc = 0;
		}
		for (i = 0; i < b->nst; i++) {
			struct stmt	*s = &b->st[i];
			const char	*sql = b->buf + s->sql;
			int		 slot = -1, free_slot = -1;

			for (k = 0; k < PGW_PREPARED; k++) {
				if (w->prep[k].sql == NULL) {
					if (free_slot == -1)
						free_slot = (int)k;
				} else if (strcmp(w->prep[k].sql, sql) == 0) {
					slot = (int)k;
					break;
				}
			}
			v = (size_t)s->nparams <= sizeof vals / sizeof vals[0] ?
			    vals : xcalloc((size_t)s->nparams, sizeof *v);
			for (j = 0; j < (size_t)s->nparams; j++)
				v[j] = b->poff[s->param + j] < 0 ? NULL :
				    b->buf + b->poff[s->param + j];
			if (slot == -1 && free_slot != -1) {
				struct prep *p = &w->prep[free_slot];

				snprintf(p->name, sizeof p->name, "pgw%u",
				    ++w->pcount);
				if (!PQsendPrepare(w->conn, p->name, sql,
				    s->nparams, NULL))
					goto lost;
				p->sql = xstrdup(sql);
				slot = free_slot;
			}
			if (slot != -1) {
				snprintf(name, sizeof name, "%s",
				    w->prep[slot].name);
				if (!PQsendQueryPrepared(w->conn, name,
				    s->nparams, v, NULL, NULL, 0))
					goto lost;
			} else if (!PQsendQueryParams(w->conn, sql,
			    s->nparams, NULL, v, NULL, NULL, 0))
				goto lost;
			if (v != vals)
				free(v);
			continue;
lost:
			if (v != vals)
				free(v);
			pgw_lose(w, PQerrorMessage(w->conn));
			return;
		}
		if (!PQpipelineSync(w->conn)) {
			pgw_lose(w, PQerrorMessage(w->conn));
			return;
		}
		b->sent = 1;
		w->stats.statements += b->nst;
	}
	w->unsent = NULL;
	pgw_flush(w);
}

static void
pgw_kick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	pgw_send(t->data);
}

static void
pgw_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	pgw_connect(t->data);
}

/*
 * The connection is gone (or was never made): what was sent has an
 * unknown outcome and is reported so; what was not waits for the next
 * connection, or for its time to run out.
 */
static void
pgw_lose(struct pgw *w, const char *why)
{
	char	 msg[256];

	snprintf(msg, sizeof msg, "%s", why != NULL && *why ? why :
	    "connection lost");
	msg[strcspn(msg, "\n")] = '\0';
	if (w->up)
		log_warnx("pgw: lost %s: %s", w->server, msg);
	else
		log_warnx("pgw: cannot connect: %s", msg);
	w->stats.losses++;
	ev_timer_stop(w->loop, &w->connecting);
	if (ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	if (w->conn != NULL)
		PQfinish(w->conn);
	w->conn = NULL;
	w->up = 0;
	w->locking = 0;
	w->dealloc = 0;
	w->server[0] = '\0';
	pgw_forget_prepared(w);
	while (w->head != NULL && w->head->sent) {
		if (!w->head->reported)
			w->stats.unknown++;
		pgw_report(w, w->head, 0, "the connection to the database "
		    "broke before the commit was confirmed");
		pgw_pop(w);
	}
	w->unsent = w->head;
	if (w->fenced)
		return;
	w->backoff = w->backoff == 0 ? PGW_RETRY_MIN :
	    w->backoff * 2 > PGW_RETRY_MAX ? PGW_RETRY_MAX : w->backoff * 2;
	ev_timer_set(&w->retry, w->backoff, 0.);
	ev_timer_start(w->loop, &w->retry);
}

/* Quote a conninfo value. */
static void
pgw_quote(char **out, size_t *len, size_t *cap, const char *key,
    const char *val)
{
	size_t	need = strlen(key) + 2 * strlen(val) + 6;

	if (*len + need > *cap) {
		while (*len + need > *cap)
			*cap = *cap ? *cap * 2 : 256;
		*out = xreallocarray(*out, *cap, 1);
	}
	*len += (size_t)sprintf(*out + *len, "%s%s='", *len ? " " : "", key);
	for (; *val != '\0'; val++) {
		if (*val == '\'' || *val == '\\')
			(*out)[(*len)++] = '\\';
		(*out)[(*len)++] = *val;
	}
	(*out)[(*len)++] = '\'';
	(*out)[*len] = '\0';
}

/* "a,b,c" as "b,c,a" (new string). */
static char *
pgw_rotate_list(const char *v)
{
	const char	*comma = strchr(v, ',');
	char		*r;

	if (comma == NULL)
		return xstrdup(v);
	xasprintf(&r, "%s,%.*s", comma + 1, (int)(comma - v), v);
	return r;
}

/*
 * The next attempt begins with the second server of the list: libpq
 * moves to the next host only when one refuses, and a machine that died
 * without a word leaves its attempt waiting, so a timed-out attempt
 * would otherwise never reach the others.
 */
static void
pgw_rotate(struct pgw *w)
{
	PQconninfoOption	*opts, *o;
	char			*out = NULL, *v;
	size_t			 len = 0, cap = 0;

	if ((opts = PQconninfoParse(w->conninfo, NULL)) == NULL)
		return;
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0 ||
		    strcmp(o->keyword, "hostaddr") == 0 ||
		    strcmp(o->keyword, "port") == 0) {
			v = pgw_rotate_list(o->val);
			pgw_quote(&out, &len, &cap, o->keyword, v);
			free(v);
		} else
			pgw_quote(&out, &len, &cap, o->keyword, o->val);
	}
	PQconninfoFree(opts);
	if (out != NULL) {
		free(w->conninfo);
		w->conninfo = out;
	}
}

static void
pgw_connecting_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pgw	*w = t->data;

	if (w->up || w->conn == NULL)
		return;
	pgw_lose(w, "no answer from the database in time");
	pgw_rotate(w);
}

static void
pgw_connect(struct pgw *w)
{
	ev_timer_set(&w->connecting, PGW_CONNECT, 0.);
	ev_timer_start(w->loop, &w->connecting);
	if ((w->conn = PQconnectStart(w->conninfo)) == NULL) {
		pgw_lose(w, "out of memory");
		return;
	}
	if (PQstatus(w->conn) == CONNECTION_BAD) {
		pgw_lose(w, PQerrorMessage(w->conn));
		return;
	}
	/* As if PQconnectPoll() had said PGRES_POLLING_WRITING. */
	pgw_watch(w, EV_WRITE);
}

struct pgw *
pgw_new(struct ev_loop *loop, const struct pgw_conf *conf, pgw_done_fn *done,
    void *arg)
{
	struct pgw	*w = xcalloc(1, sizeof *w);

	w->loop = loop;
	w->conf = *conf;
	if (w->conf.commit_timeout <= 0)
		w->conf.commit_timeout = 10;
	if (w->conf.max_batches == 0)
		w->conf.max_batches = 1024;
	if (w->conf.max_bytes == 0)
		w->conf.max_bytes = 64 << 20;
	w->conninfo = xstrdup(conf->conninfo);
	w->conf.conninfo = w->conninfo;
	w->done = done;
	w->arg = arg;
	ev_init(&w->io, pgw_io_cb);
	w->io.data = w;
	ev_init(&w->retry, pgw_retry_cb);
	w->retry.data = w;
	ev_init(&w->connecting, pgw_connecting_cb);
	w->connecting.data = w;
	ev_timer_init(&w->kick, pgw_kick_cb, 0., 0.);
	w->kick.data = w;
	ev_timer_init(&w->tick, pgw_tick_cb, PGW_TICK, PGW_TICK);
	w->tick.data = w;
	pgw_connect(w);
	return w;
}

void
pgw_free(struct pgw *w)
{
	if (w == NULL)
		return;
	while (w->head != NULL) {
		pgw_report(w, w->head, 0, "shutting down");
		pgw_pop(w);
	}
	batch_free(w->open);
	if (ev_is_active(&w->io))
		ev_io_stop(w->loop, &w->io);
	ev_timer_stop(w->loop, &w->retry);
	ev_timer_stop(w->loop, &w->tick);
	ev_timer_stop(w->loop, &w->connecting);
	ev_timer_stop(w->loop, &w->kick);
	if (w->conn != NULL)
		PQfinish(w->conn);
	pgw_forget_prepared(w);
	free(w->conninfo);
	free(w);
}

int
pgw_add(struct pgw *w, const char *sql, int nparams, const char *const *params)
{
	struct batch	*b;
	struct stmt	*s;
	size_t		 need, i;

	if (nparams < 0 || nparams > 65535)
		return -1;
	need = strlen(sql) + 1;
	for (i = 0; i < (size_t)nparams; i++)
		if (params[i] != NULL)
			need += strlen(params[i]) + 1;
	if ((b = w->open) == NULL)
		b = w->open = batch_new();
	if (w->bytes + b->len + need > w->conf.max_bytes)
		return -1;
	if (b->nst == b->stcap) {
		b->stcap = b->stcap ? b->stcap * 2 : 8;
		b->st = xreallocarray(b->st, b->stcap, sizeof *b->st);
	}
	if (b->npoff + (size_t)nparams > b->poffcap) {
		while (b->npoff + (size_t)nparams > b->poffcap)
			b->poffcap = b->poffcap ? b->poffcap * 2 : 16;
		b->poff = xreallocarray(b->poff, b->poffcap, sizeof *b->poff);
	}
	s = &b->st[b->nst++];
	s->sql = batch_put(b, sql, strlen(sql));
	s->nparams = nparams;
	s->param = b->npoff;
	for (i = 0; i < (size_t)nparams; i++)
		b->poff[b->npoff++] = params[i] == NULL ? -1 :
		    (long)batch_put(b, params[i], strlen(params[i]));
	return 0;
}

void
pgw_abort(struct pgw *w)
{
	batch_free(w->open);
	w->open = NULL;
}

uint64_t
pgw_commit(struct pgw *w)
{
	struct batch	*b = w->open;

	if (b == NULL || b->nst == 0 || w->nbatches >= w->conf.max_batches)
		return 0;
	w->open = NULL;
	b->seq = ++w->seq;
	b->t_queued = ev_now(w->loop);
	if (w->tail != NULL)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	if (w->unsent == NULL)
		w->unsent = b;
	w->nbatches++;
	w->bytes += b->len;
	if (!ev_is_active(&w->tick))
		ev_timer_again(w->loop, &w->tick);
	/*
	 * Sent from the loop, not from here: a send may find the
	 * connection broken and report (and free) batches, which the
	 * caller, holding this one's number only once this returns,
	 * could not match.
	 */
	if (!ev_is_active(&w->kick))
		ev_timer_start(w->loop, &w->kick);
	return w->seq;
}

int
pgw_up(const struct pgw *w)
{
	return w->up;
}

size_t
pgw_pending(const struct pgw *w)
{
	return w->nbatches;
}

const char *
pgw_server(const struct pgw *w)
{
	return w->server;
}

const struct pgw_stats *
pgw_stats(const struct pgw *w)
{
	return &w->stats;
}
