/*
 * syncer.c: makes commits durable off the event loop.
 *
 * The store commits with synchronous=NORMAL: a commit writes its pages to
 * the write-ahead log and returns, which is enough to survive chatd being
 * killed, not the machine losing power.  What chatd says is durable
 * (ACCEPTED) must survive both, so after a commit it asks the syncer
 * thread to fdatasync() the log file (through a descriptor of its own:
 * the call flushes the file, whichever descriptor names it).  The loop
 * goes on taking requests meanwhile; one fdatasync() covers every commit
 * made before it began, so while one runs the next requests pile up and
 * share the next one (group commit).  When it returns, the loop is woken
 * (ev_async) and told which commits are now durable.
 *
 * A second thread, on a database connection of its own, copies the log
 * into the database (a passive checkpoint) every CKPT_MS, which SQLite
 * would otherwise do inside a commit, on the loop, every thousand pages.
 * The log is only rewound (written again from its start) by a write
 * transaction begun after a checkpoint copied all of it.  When one has,
 * this thread wakes the loop, which, if idle, begins its transaction
 * again (store_backfilled()).  A passive checkpoint never waits for the
 * writer, so under steady load it never quite catches up: there the
 * store finishes the copy itself once the log has grown past
 * STORE_WAL_MAX (store_commit()).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <sqlite3.h>

#include "chatd.h"
#include "base/log.h"
#include "base/xmalloc.h"

#define CKPT_MS		50

struct syncer {
	struct ev_loop	*loop;
	ev_async	 async;
	syncer_fn	*fn;
	void		*arg;
	int		 fd;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a request, or stop */
	pthread_cond_t	 idle;		/* a sync finished */
	uint64_t	 want;		/* highest commit to make durable */
	uint64_t	 done;		/* highest made durable */
	uint64_t	 told;		/* highest reported to the loop */
	int		 failed;	/* an fdatasync() failed (errno) */
	int		 stop;
	sqlite3		*db;		/* the checkpointer's */
	int		 backfilled;	/* syncer_backfilled() */
	pthread_t	 ckpt;
	pthread_cond_t	 ckcv;		/* stop */
};

static void *
syncer_main(void *arg)
{
	struct syncer	*sy = arg;
	uint64_t	 k;
	int		 rc;

	pthread_mutex_lock(&sy->mu);
	for (;;) {
		while (sy->want == sy->done && !sy->stop)
			pthread_cond_wait(&sy->cv, &sy->mu);
		if (sy->want == sy->done)
			break;			/* stopping, nothing owed */
		k = sy->want;
		pthread_mutex_unlock(&sy->mu);
		rc = fdatasync(sy->fd) == -1 ? errno : 0;
		pthread_mutex_lock(&sy->mu);
		if (rc != 0 && sy->failed == 0)
			sy->failed = rc;
		sy->done = k;
		pthread_cond_broadcast(&sy->idle);
		ev_async_send(sy->loop, &sy->async);
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

static void *
syncer_ckpt_main(void *arg)
{
	struct syncer	*sy = arg;
	struct timespec	 ts;
	int		 rc, log, done, prev;

	pthread_mutex_lock(&sy->mu);
	while (!sy->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += CKPT_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sy->ckcv, &sy->mu, &ts);
		if (sy->stop)
			break;
		pthread_mutex_unlock(&sy->mu);
		rc = sqlite3_wal_checkpoint_v2(sy->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warnx("store: checkpoint: %s",
			    sqlite3_errmsg(sy->db));
		pthread_mutex_lock(&sy->mu);
		prev = sy->backfilled;
		sy->backfilled = rc == SQLITE_OK && log > 0 && done == log ?
		    log : -1;
		/* Wake the loop: if idle, it may rewind the log now. */
		if (sy->backfilled > 0 && sy->backfilled != prev)
			ev_async_send(sy->loop, &sy->async);
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

/* Tell the loop what became durable since it last heard. */
static void
syncer_report(struct syncer *sy)
{
	uint64_t	done;
	int		failed;

	pthread_mutex_lock(&sy->mu);
	done = sy->done;
	failed = sy->failed;
	sy->failed = 0;
	pthread_mutex_unlock(&sy->mu);
	if (failed != 0)
		log_warnx("store: cannot make the log durable: %s",
		    strerror(failed));
	if (done == sy->told)
		return;
	sy->told = done;
	sy->fn(sy->arg, done, failed == 0);
}

static void
syncer_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	syncer_report(w->data);
}

struct syncer *
syncer_new(struct ev_loop *loop, const char *dbpath, syncer_fn *fn,
    void *arg, char *err, size_t errlen)
{
	struct syncer	*sy = xcalloc(1, sizeof *sy);
	char		*wal;
	int		 e;

	xasprintf(&wal, "%s-wal", dbpath);
	if ((sy->fd = open(wal, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", wal, strerror(errno));
		free(wal);
		free(sy);
		return NULL;
	}
	free(wal);
	/*
	 * A connection learns that the database is in WAL mode, and opens
	 * the log, at its first read: until then a checkpoint does nothing
	 * (and says so only by a log size of -1).
	 */
	if (sqlite3_open_v2(dbpath, &sy->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(sy->db, 1000) != SQLITE_OK ||
	    sqlite3_exec(sy->db, "SELECT count(*) FROM sqlite_master", NULL,
	    NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", dbpath, sy->db != NULL ?
		    sqlite3_errmsg(sy->db) : "cannot open");
		sqlite3_close(sy->db);
		close(sy->fd);
		free(sy);
		return NULL;
	}
	sy->backfilled = -1;
	sy->loop = loop;
	sy->fn = fn;
	sy->arg = arg;
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->cv, NULL);
	pthread_cond_init(&sy->idle, NULL);
	pthread_cond_init(&sy->ckcv, NULL);
	ev_async_init(&sy->async, syncer_async_cb);
	sy->async.data = sy;
	ev_async_start(loop, &sy->async);
	ev_unref(loop);		/* it alone does not keep the loop running */
	if ((e = pthread_create(&sy->thread, NULL, syncer_main, sy)) != 0) {
		snprintf(err, errlen, "sync thread: %s", strerror(e));
		ev_ref(loop);
		ev_async_stop(loop, &sy->async);
		sqlite3_close(sy->db);
		close(sy->fd);
		free(sy);
		return NULL;
	}
	if ((e = pthread_create(&sy->ckpt, NULL, syncer_ckpt_main, sy)) != 0)
		fatalx("checkpoint thread: %s", strerror(e));
	return sy;
}

void
syncer_request(struct syncer *sy, uint64_t seq)
{
	pthread_mutex_lock(&sy->mu);
	if (seq > sy->want) {
		sy->want = seq;
		pthread_cond_signal(&sy->cv);
	}
	pthread_mutex_unlock(&sy->mu);
}

int
syncer_backfilled(struct syncer *sy)
{
	int	n;

	pthread_mutex_lock(&sy->mu);
	n = sy->backfilled;
	pthread_mutex_unlock(&sy->mu);
	return n;
}

void
syncer_drain(struct syncer *sy)
{
	pthread_mutex_lock(&sy->mu);
	while (sy->done != sy->want)
		pthread_cond_wait(&sy->idle, &sy->mu);
	pthread_mutex_unlock(&sy->mu);
	syncer_report(sy);
}

void
syncer_free(struct syncer *sy)
{
	if (sy == NULL)
		return;
	syncer_drain(sy);
	pthread_mutex_lock(&sy->mu);
	sy->stop = 1;
	pthread_cond_signal(&sy->cv);
	pthread_cond_signal(&sy->ckcv);
	pthread_mutex_unlock(&sy->mu);
	pthread_join(sy->thread, NULL);
	pthread_join(sy->ckpt, NULL);
	sqlite3_close(sy->db);
	ev_ref(sy->loop);
	ev_async_stop(sy->loop, &sy->async);
	close(sy->fd);
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
	pthread_cond_destroy(&sy->idle);
	pthread_cond_destroy(&sy->ckcv);
	free(sy);
}
