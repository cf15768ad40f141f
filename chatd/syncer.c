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
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "chatd.h"
#include "log.h"
#include "xmalloc.h"

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
syncer_new(struct ev_loop *loop, const char *path, syncer_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct syncer	*sy = xcalloc(1, sizeof *sy);
	int		 e;

	if ((sy->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(sy);
		return NULL;
	}
	sy->loop = loop;
	sy->fn = fn;
	sy->arg = arg;
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->cv, NULL);
	pthread_cond_init(&sy->idle, NULL);
	ev_async_init(&sy->async, syncer_async_cb);
	sy->async.data = sy;
	ev_async_start(loop, &sy->async);
	ev_unref(loop);		/* it alone does not keep the loop running */
	if ((e = pthread_create(&sy->thread, NULL, syncer_main, sy)) != 0) {
		snprintf(err, errlen, "sync thread: %s", strerror(e));
		ev_ref(loop);
		ev_async_stop(loop, &sy->async);
		close(sy->fd);
		free(sy);
		return NULL;
	}
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
	pthread_mutex_unlock(&sy->mu);
	pthread_join(sy->thread, NULL);
	ev_ref(sy->loop);
	ev_async_stop(sy->loop, &sy->async);
	close(sy->fd);
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
	pthread_cond_destroy(&sy->idle);
	free(sy);
}
