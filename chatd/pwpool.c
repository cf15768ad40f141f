/*
 * pwpool.c: password hashing off the event loop.  Argon2id takes tens of
 * milliseconds and tens of MiB by design; doing it in the loop would stall
 * every relayed message.  A few threads take jobs from a bounded queue
 * and put results on a done list; an ev_async wakes the loop, which calls
 * the done function for each.  A full queue is refused at once, so a
 * flood of logins costs a refusal, not memory or latency.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <sodium.h>

#include "chatd.h"
#include "base/log.h"
#include "base/xmalloc.h"

struct pwpool {
	struct ev_loop		*loop;
	ev_async		 async;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		*threads;
	int			 nthreads;
	int			 max_queue;
	int			 per_src;	/* waiting from one source */
	int			 queued;	/* waiting or running */
	int			 nlow;		/* registrations waiting */
	int			 stop;
	unsigned long long	 ops;
	size_t			 mem;
	struct pw_job		*head, *tail;	/* waiting: logins */
	struct pw_job		*lhead, *ltail;	/* waiting: registrations */
	struct pw_job		*done;		/* finished, any order */
	pw_done_fn		*fn;
	void			*arg;
};

/* Do one job's hashing. */
static void
pwpool_run(struct pw_job *j, unsigned long long ops, size_t mem)
{
	char	hash[crypto_pwhash_STRBYTES];

	switch (j->op) {
	case PW_HASH:
		j->ok = crypto_pwhash_str(hash, j->pw, strlen(j->pw), ops,
		    mem) == 0;
		break;
	case PW_VERIFY:
		j->ok = crypto_pwhash_str_verify(j->hash, j->pw,
		    strlen(j->pw)) == 0;
		break;
	case PW_CHANGE:
		j->ok = crypto_pwhash_str_verify(j->hash, j->pw,
		    strlen(j->pw)) == 0;
		if (j->ok)
			j->ok = crypto_pwhash_str(hash, j->pw2,
			    strlen(j->pw2), ops, mem) == 0 ? 1 : -1;
		break;
	}
	if (j->ok == 1 && j->op != PW_VERIFY) {
		memcpy(j->hash, hash, sizeof hash);
		j->hash[sizeof j->hash - 1] = '\0';
	}
	sodium_memzero(j->pw, sizeof j->pw);
	sodium_memzero(j->pw2, sizeof j->pw2);
}

/* A worker thread: take, hash, hand back. */
static void *
pwpool_thread(void *arg)
{
	struct pwpool		*p = arg;
	struct pw_job		*j;
	unsigned long long	 ops;
	size_t			 mem;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->head == NULL && p->lhead == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		/* Logins of existing accounts first. */
		if ((j = p->head) != NULL) {
			if ((p->head = j->next) == NULL)
				p->tail = NULL;
		} else {
			j = p->lhead;
			if ((p->lhead = j->next) == NULL)
				p->ltail = NULL;
			p->nlow--;
		}
		ops = p->ops;
		mem = p->mem;
		pthread_mutex_unlock(&p->mu);
		pwpool_run(j, ops, mem);
		pthread_mutex_lock(&p->mu);
		p->queued--;
		j->next = p->done;
		p->done = j;
		ev_async_send(p->loop, &p->async);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* In the loop: hand every finished job to the done function. */
static void
pwpool_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct pwpool	*p = w->data;
	struct pw_job	*list, *j, *rev = NULL;

	pthread_mutex_lock(&p->mu);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	/* Oldest first. */
	while ((j = list) != NULL) {
		list = j->next;
		j->next = rev;
		rev = j;
	}
	while ((j = rev) != NULL) {
		rev = j->next;
		(j->done != NULL ? j->done : p->fn)(j, p->arg);
	}
}

struct pwpool *
pwpool_new(struct ev_loop *loop, int threads, int queue, int per_src,
    unsigned long long ops, size_t mem, pw_done_fn *fn, void *arg)
{
	struct pwpool	*p = xcalloc(1, sizeof *p);
	int		 i;

	p->loop = loop;
	p->nthreads = threads;
	p->max_queue = queue;
	p->per_src = per_src;
	p->ops = ops;
	p->mem = mem;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	ev_async_init(&p->async, pwpool_async_cb);
	p->async.data = p;
	ev_async_start(loop, &p->async);
	ev_unref(loop);		/* an idle pool does not keep the loop alive */
	p->threads = xcalloc((size_t)threads, sizeof *p->threads);
	for (i = 0; i < threads; i++)
		if (pthread_create(&p->threads[i], NULL, pwpool_thread, p) != 0)
			fatalx("cannot start a password thread");
	return p;
}

/* Jobs of source src waiting on list l. */
static int
pwpool_count(const struct pw_job *l, uint64_t src)
{
	int	n = 0;

	for (; l != NULL; l = l->next)
		n += l->src == src;
	return n;
}

int
pwpool_submit(struct pwpool *p, struct pw_job *j)
{
	struct pw_job	**head, **tail;

	pthread_mutex_lock(&p->mu);
	/* The queue is short (auth_queue): counting is cheap. */
	if (p->queued >= p->max_queue + p->nthreads ||
	    (j->low && p->nlow >= (p->max_queue + 1) / 2)) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	if (pwpool_count(p->head, j->src) + pwpool_count(p->lhead, j->src) >=
	    p->per_src) {
		pthread_mutex_unlock(&p->mu);
		return -2;
	}
	p->queued++;
	head = j->low ? &p->lhead : &p->head;
	tail = j->low ? &p->ltail : &p->tail;
	p->nlow += j->low != 0;
	j->next = NULL;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void
pwpool_set_cost(struct pwpool *p, unsigned long long ops, size_t mem)
{
	pthread_mutex_lock(&p->mu);
	p->ops = ops;
	p->mem = mem;
	pthread_mutex_unlock(&p->mu);
}

void
pwpool_set_share(struct pwpool *p, int per_src)
{
	pthread_mutex_lock(&p->mu);
	p->per_src = per_src;
	pthread_mutex_unlock(&p->mu);
}

void
pwpool_free(struct pwpool *p)
{
	struct pw_job	*j;
	int		 i;

	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	/* Finished jobs first, then those never started. */
	pwpool_async_cb(p->loop, &p->async, 0);
	if (p->tail != NULL)
		p->tail->next = p->lhead;
	else
		p->head = p->lhead;
	while ((j = p->head) != NULL) {
		p->head = j->next;
		sodium_memzero(j->pw, sizeof j->pw);
		sodium_memzero(j->pw2, sizeof j->pw2);
		j->ok = -1;
		(j->done != NULL ? j->done : p->fn)(j, p->arg);
	}
	ev_ref(p->loop);
	ev_async_stop(p->loop, &p->async);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}
