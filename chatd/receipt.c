/*
 * receipt.c: RECEIPTs to the senders of messages (receipt.h): earned by
 * a mark, sent after its commit, or owed and given at the next login.
 * Uses user.c and client.c (is the sender online), cursor.c (what it
 * was told), outq.c and the store (conversation cursors, messages).
 */
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "outq.h"
#include "receipt.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"

#define RECEIPTS_MAX	1000		/* old receipts sent at a login */

/* A message passed by a cursor: a receipt for its sender, if online. */
void
receipt_pass(void *arg, int kind, const struct store_msg *sm)
{
	struct server	*srv = arg;
	struct user	*su;
	struct cp_msg	 r;
	struct out	*o;
	size_t		 n;

	srv->stats.receipts++;
	if ((su = user_by_id(srv, sm->sender)) == NULL || su->clients == NULL)
		return;		/* owed: given at the sender's next login */
	memset(&r, 0, sizeof r);
	r.type = CP_RECEIPT;
	r.flags = (uint8_t)kind;
	r.id = sm->msgid;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	o = outq_push(srv, OUT_RECEIPT, srv->buf, n);
	o->uid = sm->sender;
	o->rcpt = sm->rcpt;
	o->sid = sm->sid;
	o->state = kind;
}

/*
 * Send a receipt to every session of the sender, if still online, and
 * record it as told (in the next commit: a crash before it only means
 * the receipt is given again).
 */
void
receipt_flush(struct server *srv, struct out *o)
{
	struct user		*u = user_by_id(srv, o->uid), *r;
	struct client		*c;
	struct store_conv	 cv;

	if (u == NULL || u->clients == NULL)
		return;		/* gone since the mark: owed */
	for (c = u->clients; c != NULL; c = c->unext)
		client_answer(c, o->wire, o->len);
	if ((r = user_by_id(srv, o->rcpt)) != NULL && r->cur != NULL) {
		cursor_told(r->cur, o->uid, o->state, o->sid);
		user_moved(srv, r);
		return;
	}
	memset(&cv, 0, sizeof cv);
	cv.rcpt = o->rcpt;
	cv.sender = o->uid;
	cv.told_delivered = o->sid;
	if (o->state == CPR_READ)
		cv.told_read = o->sid;
	store_conv_put(srv->st, &cv);
}

/* Conversations whose sender is owed receipts. */
struct owed {
	struct store_conv	*v;
	size_t			 n;
};

/* Collect one conversation whose sender is owed receipts. */
static void
receipt_owed_collect(void *arg, const struct store_conv *cv)
{
	struct owed	*ow = arg;

	if (ow->n < RECEIPTS_MAX)
		ow->v[ow->n++] = *cv;
}

/* Giving the owed receipts of one conversation and kind. */
struct owed_give {
	struct client		*c;
	const struct store_conv	*cv;
	int			 kind;
	uint64_t		 last;	/* newest message passed */
	int			 given;
};

/* Give the receipt owed for one message. */
static void
receipt_owed_pass(void *arg, const struct store_msg *m)
{
	struct owed_give	*g = arg;
	struct cp_msg		 r;

	g->last = m->sid;
	/* A message read since has its READ receipt instead. */
	if (g->kind == CPR_DELIVERED && m->sid <= g->cv->read)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_RECEIPT;
	r.flags = (uint8_t)g->kind;
	r.id = m->msgid;
	outq_reply(g->c, &r, 0, 0);
	g->given++;
}

/*
 * Give user u's client c the receipts owed to u (its messages delivered
 * or read while it was away), at most RECEIPTS_MAX; the rest wait for the
 * next login.  What is given is recorded as told in the same write.
 */
void
receipt_owed(struct client *c, struct user *u)
{
	struct server		*srv = c->srv;
	struct owed		 ow;
	struct owed_give	 g;
	struct store_conv	*cv;
	size_t			 i;
	int			 k, lim, budget = RECEIPTS_MAX;

	ow.v = xcalloc(RECEIPTS_MAX, sizeof *ow.v);
	ow.n = 0;
	if (store_owed(srv->st, u->id, receipt_owed_collect, &ow) == -1)
		ow.n = 0;
	for (i = 0; i < ow.n && budget > 0; i++) {
		cv = &ow.v[i];
		memset(&g, 0, sizeof g);
		g.c = c;
		g.cv = cv;
		g.kind = CPR_READ;
		if (cv->read > cv->told_read) {
			lim = budget;
			k = store_msg_range(srv->st, cv->rcpt, u->id,
			    cv->told_read, cv->read, lim, receipt_owed_pass,
			    &g);
			if (k == -1)
				break;
			budget -= k;
			/* All of them, or as far as the budget went. */
			cv->told_read = k < lim ? cv->read : g.last;
		}
		g.kind = CPR_DELIVERED;
		if (budget > 0 && cv->delivered > cv->told_delivered) {
			lim = budget;
			k = store_msg_range(srv->st, cv->rcpt, u->id,
			    cv->told_delivered, cv->delivered, lim,
			    receipt_owed_pass, &g);
			if (k == -1)
				break;
			budget -= k;
			cv->told_delivered = k < lim ? cv->delivered : g.last;
		}
		srv->stats.receipts += (uint64_t)g.given;
		store_conv_put(srv->st, cv);
	}
	free(ow.v);
}
