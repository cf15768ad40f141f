/*
 * deliver.c: MESSAGEs to the recipients' sessions (deliver.h).  Uses
 * user.c and client.c (who is online, on which sessions), cursor.c (what
 * was sent) and the store (the queue a session catches up from).
 *
 * Delivery: a new message goes straight to each session of its recipient
 * as soon as it is stored, before the commit (its server id is covered
 * by a committed reservation), unless the session is catching up; a
 * session catches up (after login, or when its session queue was full)
 * by reading the recipient's queue from the store in order, so order is
 * kept whichever path a message takes.  A message leaves the queue when
 * a client of the recipient sends MARK delivered for it or a later one:
 * marks move cursors (cursor.c), and each message a cursor passes earns
 * its sender a receipt (receipt.c).
 */
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "deliver.h"
#include "group.h"
#include "outq.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "chat/chatproto.h"
#include "sess/session.h"

#define PUMP_BATCH	64		/* messages read per store query */
#define PUMP_HIGH	(256 * 1024)	/* session bytes queued to stop at */

struct pump {
	struct server	*srv;
	struct client	*c;
};

/* Send a new message to every session of its recipient that is current. */
void
deliver_message(struct server *srv, struct out *o)
{
	struct user	*u = user_by_id(srv, o->uid);
	struct client	*c;

	if (u == NULL)
		return;
	for (c = u->clients; c != NULL; c = c->unext) {
		if (c->backlog || c->send_only || o->sid <= c->last_sid)
			continue;
		if (client_send(c, o->wire, o->len) == -1) {
			client_catch_up(c);
			continue;
		}
		c->last_sid = o->sid;
		cursor_sent(user_cursor(srv, u), o->sid, o->sender, o->msgid);
		srv->stats.delivered++;
	}
}

/* Send one queued message to a catching-up client. */
static void
deliver_one(void *arg, const struct store_msg *sm)
{
	struct pump		*p = arg;
	struct client		*c = p->c;
	struct server		*srv = p->srv;
	struct store_user	 su;
	struct user		*u;
	struct cp_msg		 r;
	size_t			 n;

	if (c->full)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_MESSAGE;
	r.sid = sm->sid;
	r.id = sm->msgid;
	r.time = sm->time;
	if ((u = user_by_id(srv, sm->sender)) != NULL)
		r.nick.p = (const uint8_t *)u->nick;
	else if (store_user_by_id(srv->st, sm->sender, &su) == 1)
		r.nick.p = (const uint8_t *)su.nick;
	else
		r.nick.p = (const uint8_t *)"?";
	r.nick.len = strlen((const char *)r.nick.p);
	r.text.p = sm->text;
	r.text.len = sm->len;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	if (client_send(c, srv->buf, n) == -1) {
		c->full = 1;
		return;
	}
	c->last_sid = sm->sid;
	cursor_sent(user_cursor(srv, c->u), sm->sid, sm->sender, sm->msgid);
	srv->stats.delivered++;
}

/* Feed catching-up clients from the store while their sessions have room. */
void
deliver_backlog(struct server *srv)
{
	struct client	**pp = &srv->backlog, *c;
	struct pump	  p;
	int		  n;

	p.srv = srv;
	while ((c = *pp) != NULL) {
		/* The WELCOME and held answers first; messages wait
		 * behind them. */
		if (c->welcoming || client_unhold(c) == -1) {
			pp = &c->bnext;
			continue;
		}
		if (c->dead || !client_has_session(c) || c->u == NULL ||
		    c->send_only) {
			*pp = c->bnext;
			c->backlog = 0;
			if (c->dead)
				client_bury(c);
			continue;
		}
		p.c = c;
		c->full = 0;
		n = PUMP_BATCH;
		while (!c->full && n == PUMP_BATCH &&
		    client_queued(c) < PUMP_HIGH) {
			n = store_msg_pending(srv->st, c->u->id, c->last_sid,
			    srv->sid_safe, PUMP_BATCH, deliver_one, &p);
			if (n == -1)
				break;
		}
		/* Caught up with its messages, then with its groups'. */
		if (!c->full && n >= 0 && n < PUMP_BATCH &&
		    group_catch_up(c)) {
			*pp = c->bnext;		/* caught up */
			c->backlog = 0;
			continue;
		}
		pp = &c->bnext;
	}
}
