/*
 * outq.c: the out-queue and the group commit (outq.h): what waits for a
 * commit, the commit itself, the batches that wait for syncer.c to make
 * it durable, and their release.  Uses the store and syncer.c, and to
 * release: client.c (answers), deliver.c (late messages) and receipt.c.
 *
 * Durability: everything a request writes joins the store's open
 * transaction, and every answer that depends on a write is put on the
 * out-queue instead of being sent.  Just before libev blocks (an
 * ev_prepare watcher) the transaction is committed, unless a disk flush
 * is still running (then it grows until the flush returns); the
 * out-queue then waits in a batch until syncer.c has made that commit
 * durable (outq_synced()), or, with fsync off, is sent at once.  So
 * "accepted" is only ever said about a message on disk, and a crash
 * loses nothing that was acknowledged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "ctl.h"
#include "deliver.h"
#include "group.h"
#include "outq.h"
#include "pglog.h"
#include "receipt.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "sess/session.h"

#define TAIL_KEEP_MS	200		/* a message to an online user waits
					 * this long to be read before it
					 * joins the queue index */

/* Out-queue entries waiting for their commit to be durable. */
struct batch {
	struct batch	*next;
	uint64_t	 seq;		/* the commit */
	uint64_t	 sid_safe;	/* ids reserved by it */
	struct out	*q;
	size_t		 n, qcap;
	uint8_t		*buf;		/* the entries' wire bytes */
	size_t		 len, bufcap;
	size_t		 nlate;		/* MESSAGEs among them */
	uint64_t	 t_ns;		/* when the commit began (mono_ns()) */
};

/* Queue an out-queue entry; the wire bytes are copied. */
struct out *
outq_push(struct server *srv, enum out_kind kind, const uint8_t *wire,
    size_t len)
{
	struct out	*o;

	if (srv->nout == srv->outcap) {
		srv->outcap = srv->outcap ? srv->outcap * 2 : 256;
		srv->outq = xreallocarray(srv->outq, srv->outcap,
		    sizeof *srv->outq);
	}
	o = &srv->outq[srv->nout++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	if (srv->olen + len > srv->ocap) {
		while (srv->olen + len > srv->ocap)
			srv->ocap = srv->ocap ? srv->ocap * 2 : 65536;
		srv->obuf = xreallocarray(srv->obuf, srv->ocap, 1);
	}
	memcpy(srv->obuf + srv->olen, wire, len);
	o->off = srv->olen;
	o->len = len;
	srv->olen += len;
	return o;
}

/* Encode m and queue it for client c after the commit. */
void
outq_reply(struct client *c, const struct cp_msg *m, uint64_t reqid,
    uint8_t reqtype)
{
	struct server	*srv = c->srv;
	struct out	*o;
	size_t		 n;

	if ((n = cp_encode(srv->buf, sizeof srv->buf, m)) == 0) {
		log_warnx("cannot encode %s", cp_typename(m->type));
		return;
	}
	o = outq_push(srv, OUT_CLIENT, srv->buf, n);
	o->c = c;
	c->refs++;
	o->reqid = reqid;
	o->reqtype = reqtype;
	/* A SEND is answered as the request arrives, in this turn of the
	 * loop: from here to its release is the wait for durability. */
	if (m->type == CP_ACCEPTED)
		o->t_ns = mono_ns();
	/* Nothing is delivered to c before it (deliver.c). */
	if ((o->welcome = m->type == CP_WELCOME))
		c->welcoming = 1;
}

/* Answer a request with ERROR code (after the commit, in order). */
void
outq_error(struct client *c, uint64_t reqid, uint8_t reqtype,
    enum cp_err code)
{
	outq_error_why(c, reqid, reqtype, code, NULL);
}

void
outq_error_why(struct client *c, uint64_t reqid, uint8_t reqtype,
    enum cp_err code, const char *why)
{
	struct cp_msg	m;
	const char	*d = cp_strerror(code);
	char		 buf[160];

	if (why != NULL) {
		snprintf(buf, sizeof buf, "%s: %s", d, why);
		d = buf;
	}
	memset(&m, 0, sizeof m);
	m.type = CP_ERROR;
	m.id = reqid;
	m.code = (uint16_t)code;
	m.reqtype = reqtype;
	m.text.p = (const uint8_t *)d;
	m.text.len = strlen(d);
	outq_reply(c, &m, 0, 0);
}

/*
 * Send out-queue entries: answers, late messages and receipts, or, when
 * what they depend on was not stored (!ok), an ERROR for each request.
 */
static void
outq_release(struct server *srv, struct out *q, size_t n,
    const uint8_t *buf, int ok)
{
	struct out	*o;
	struct cp_msg	 m;
	size_t		 i;
	uint64_t	 now = 0;
	uint8_t		 wire[64];

	for (i = 0; i < n; i++) {
		o = &q[i];
		o->wire = buf + o->off;
		switch (o->kind) {
		case OUT_CLIENT:
			if (ok && o->t_ns != 0) {
				if (now == 0)
					now = mono_ns();
				metrics_observe(&srv->stats.accept_s,
				    (double)(now - o->t_ns) / 1e9);
			}
			/* Messages were held behind the WELCOME (auth.c).
			 * An ERROR instead means the client is not logged in:
			 * nor is its session here, so nothing is delivered to
			 * it before it logs in again. */
			if (o->welcome) {
				o->c->welcoming = 0;
				if (!ok && o->c->u != NULL)
					client_logout(o->c);
			}
			if (ok)
				client_answer(o->c, o->wire, o->len);
			else if (o->reqid != 0) {
				memset(&m, 0, sizeof m);
				m.type = CP_ERROR;
				m.id = o->reqid;
				m.code = srv->fail_code != 0 ?
				    (uint8_t)srv->fail_code : CPE_INTERNAL;
				m.reqtype = o->reqtype;
				client_answer(o->c, wire, cp_encode(wire,
				    sizeof wire, &m));
			}
			o->c->refs--;
			break;
		case OUT_MESSAGE:
			if (ok)
				deliver_message(srv, o);
			break;
		case OUT_RECEIPT:
			if (ok)
				receipt_flush(srv, o);
			break;
		case OUT_GMESSAGE:
			if (ok)
				group_deliver(srv, o);
			break;
		case OUT_CTL:
			ctl_released(o->ctl, o->wire, o->len, ok);
			break;
		}
	}
}

/* Late MESSAGEs among n entries. */
static size_t
outq_late(const struct out *q, size_t n)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++)
		k += q[i].kind == OUT_MESSAGE;
	return k;
}

/* Move the out-queue to a new batch that waits for commit seq, which
 * began at t_ns. */
static void
outq_batch(struct server *srv, uint64_t seq, uint64_t t_ns)
{
	struct batch	*b = xcalloc(1, sizeof *b);

	b->seq = seq;
	b->t_ns = t_ns;
	b->sid_safe = srv->sid_reserved;
	b->q = srv->outq;
	b->n = srv->nout;
	b->qcap = srv->outcap;
	b->buf = srv->obuf;
	b->len = srv->olen;
	b->bufcap = srv->ocap;
	b->nlate = outq_late(b->q, b->n);
	srv->late_waiting += b->nlate;
	if (srv->btail != NULL)
		srv->btail->next = b;
	else
		srv->bhead = b;
	srv->btail = b;
	/* The next out-queue takes the arrays of a released batch. */
	srv->nout = srv->olen = 0;
	if ((b = srv->spare) != NULL) {
		srv->spare = NULL;
		srv->outq = b->q;
		srv->outcap = b->qcap;
		srv->obuf = b->buf;
		srv->ocap = b->bufcap;
		free(b);
	} else {
		srv->outq = NULL;
		srv->outcap = 0;
		srv->obuf = NULL;
		srv->ocap = 0;
	}
}

/* Commits up to seq are durable (or failed to be): release their batches. */
void
outq_synced(void *arg, uint64_t seq, int ok)
{
	struct server	*srv = arg;
	struct batch	*b;
	uint64_t	 now = mono_ns();

	sess_ep_hold(srv->ep);
	while ((b = srv->bhead) != NULL && b->seq <= seq) {
		if ((srv->bhead = b->next) == NULL)
			srv->btail = NULL;
		if (ok)
			metrics_observe(&srv->stats.commit_s,
			    (double)(now - b->t_ns) / 1e9);
		if (ok && b->sid_safe > srv->sid_safe)
			srv->sid_safe = b->sid_safe;
		if (!ok) {
			srv->stats.commit_failed++;
			srv->sid_reserved = srv->sid_safe;
		}
		srv->late_waiting -= b->nlate;
		outq_release(srv, b->q, b->n, b->buf, ok);
		if (srv->spare == NULL) {
			srv->spare = b;
			continue;
		}
		free(b->q);
		free(b->buf);
		free(b);
	}
	sess_ep_release(srv->ep);
}

/*
 * Commit, then send everything that waited for the commit: at once, or,
 * when the syncer makes commits durable, once it has (outq_synced()).
 */
void
outq_commit(struct server *srv)
{
	uint64_t t0 = 0;
	int	 ok = 1, wrote = 0, critical, n;

	if (srv->sync != NULL)
		store_backfilled(srv->st, syncer_backfilled(srv->sync));
	/* Messages read by now never join the queue index. */
	if ((n = store_age(srv->st, clock_wall_ms(), TAIL_KEEP_MS,
	    user_needs, srv)) > 0)
		srv->stats.queued_late += (uint64_t)n;
	/*
	 * While a sync runs, the transaction stays open and grows: it is
	 * committed when the sync returns, so that each commit, and each
	 * log page written, covers as many messages as one sync does.
	 * (Messages are relayed before either.)
	 */
	if ((srv->sync != NULL || srv->pglog != NULL) && srv->bhead != NULL)
		return;
	group_save(srv);
	critical = store_critical(srv->st);
	if (store_dirty(srv->st)) {
		srv->stats.commits++;
		wrote = 1;
		t0 = mono_ns();
		ok = store_commit(srv->st) == 0;
		if (srv->pglog != NULL)
			pglog_committed(srv->pglog, ok);
		if (!ok) {
			srv->stats.commit_failed++;
			/* Not reserved after all: write it again. */
			srv->sid_reserved = srv->sid_safe;
		} else if (srv->sync == NULL && srv->pglog == NULL) {
			srv->sid_safe = srv->sid_reserved;
			metrics_observe(&srv->stats.commit_s,
			    (double)(mono_ns() - t0) / 1e9);
		}
	}
	srv->late = 0;
	/* What the out-queue and the catch-up send to one session leaves
	 * together, with its pending ACK, at the release. */
	sess_ep_hold(srv->ep);
	if (wrote && ok && critical && (srv->sync != NULL ||
	    srv->pglog != NULL)) {
		outq_batch(srv, ++srv->seq, t0);
		if (srv->sync != NULL)
			syncer_request(srv->sync, srv->seq);
		else
			pglog_request(srv->pglog, srv->seq);
	} else {
		outq_release(srv, srv->outq, srv->nout, srv->obuf, ok);
		srv->nout = 0;
		srv->olen = 0;
	}
	sess_ep_release(srv->ep);
}

/* Free the out-queue's arrays and the spare batch. */
void
outq_fini(struct server *srv)
{
	free(srv->outq);
	free(srv->obuf);
	if (srv->spare != NULL) {
		free(srv->spare->q);
		free(srv->spare->buf);
		free(srv->spare);
	}
}
