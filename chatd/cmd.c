/*
 * cmd.c: the handlers of SEND, MARK, CONTACTS, WHO, TYPING, AWAY and
 * SETTINGS, with the consent rules between users (docs/PROTOCOL.md 5.4), and
 * the rate classes they take from (cmd.h).  Uses user.c (who is online,
 * by nick), client.c, outq.c (every answer), deliver.c (a message relayed
 * before its commit), receipt.c (what a mark passes), presence.c, cursor.c,
 * quota.c (messages waiting per sender and recipient), bucket.c, lib's
 * rate limiter and the store.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "deliver.h"
#include "group.h"
#include "outq.h"
#include "presence.h"
#include "quota.h"
#include "receipt.h"
#include "server.h"
#include "store.h"
#include "sync.h"
#include "user.h"
#include "base/clock.h"
#include "base/ratelimit.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "chat/nick.h"
#include "sess/session.h"

#define ROSTER_MAX	60000		/* bytes of ROSTER entries */
#define HOLD_NS		(10ULL * 1000000000)	/* longest order hold */
#define SID_BLOCK	65536		/* server ids reserved at a time */

/* The session's bucket of a rate class, its rate and burst, and the
 * address limiter (or NULL); NULL for no limit. */
static struct bucket *
cmd_rate_class(struct client *c, enum cmd_rate rate, int *r, int *burst,
    struct ratelimit **rl)
{
	struct server		*srv = c->srv;
	const struct chatd_conf	*cf = &srv->conf;

	*rl = NULL;
	switch (rate) {
	case RATE_LOGIN:
		*r = cf->login_rate;
		*burst = cf->login_burst;
		*rl = srv->login_rl;
		return &c->login_b;
	case RATE_MSG:
		*r = cf->msg_rate;
		*burst = cf->msg_burst;
		*rl = srv->msg_rl;
		return &c->msg_b;
	case RATE_CONTACT:
		*r = cf->contact_rate;
		*burst = cf->contact_burst;
		return &c->contact_b;
	case RATE_TYPING:
		*r = cf->typing_rate;
		*burst = cf->typing_burst;
		return &c->typing_b;
	case RATE_LIST:
		*r = cf->list_rate;
		*burst = cf->list_burst;
		return &c->list_b;
	case RATE_HISTORY:
		*r = cf->history_rate;
		*burst = cf->history_burst;
		return &c->history_b;
	case RATE_GROUP:
		*r = cf->group_msg_rate;
		*burst = cf->group_msg_burst;
		return &c->group_b;
	case RATE_NONE:
		break;
	}
	return NULL;
}

/*
 * Is this session or its address over the limit of request m's rate
 * class?  Answers if so, when the command's row says it is answered.
 */
int
cmd_limited(struct client *c, const struct command *cmd,
    const struct cp_msg *m)
{
	const struct sockaddr	*sa;
	socklen_t		 salen;
	struct ratelimit	*rl;
	struct bucket		*b;
	uint64_t		 now = mono_ns();
	int			 rate = 0, burst = 0;

	if ((b = cmd_rate_class(c, cmd->rate, &rate, &burst, &rl)) == NULL)
		return 0;
	/* A device token login costs no Argon2 and guesses nothing: it
	 * takes from an allowance of its own, far larger, so that many
	 * users behind one address (a NAT) are not refused after a
	 * restart, and leaves the password one to password guesses. */
	if (m->type == CP_LOGIN && (m->flags & CPF_TOKEN))
		rl = c->srv->token_rl;
	if (bucket_take(b, rate, burst, now) && (rl == NULL ||
	    (sa = client_peer(c, &salen)) == NULL ||
	    ratelimit_check(rl, sa, now) == RATELIMIT_PASS))
		return 0;
	c->srv->stats.ratelimited++;
	if (cmd->answers)
		outq_error(c, m->id, m->type, CPE_RATE_LIMITED);
	return 1;
}

/*
 * SEND's rate: 1 if refused (answered).  Keep a conversation in order:
 * after a SEND refused for its rate, refuse those behind it until the
 * client resends that one.
 */
static int
cmd_send_limited(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	if (c->held_id != 0 && c->held_id != m->id &&
	    mono_ns() < c->held_until) {
		c->srv->stats.ratelimited++;
		outq_error(c, m->id, m->type, CPE_RATE_LIMITED);
		return 1;
	}
	if (cmd_limited(c, cmd, m)) {
		c->held_id = m->id;
		c->held_until = mono_ns() + HOLD_NS;
		return 1;
	}
	c->held_id = 0;
	return 0;
}

/* SEND's text: 0, or -1 if refused (answered). */
static int
cmd_send_text(struct client *c, const struct cp_msg *m)
{
	struct server	*srv = c->srv;
	enum cp_err	 e;

	if (m->text.len == 0 || m->text.len > CP_TEXT_MAX) {
		srv->stats.too_long++;
		outq_error(c, m->id, m->type, CPE_TOO_LONG);
		return -1;
	}
	switch ((e = cp_text_check(m->text.p, m->text.len))) {
	case CPE_NONE:
		break;
	case CPE_CONTROL:
		srv->stats.control_char++;
		outq_error(c, m->id, m->type, e);
		return -1;
	default:
		srv->stats.bad_utf8++;
		outq_error(c, m->id, m->type, e);
		return -1;
	}
	return 0;
}

/* SEND's recipient: 0 with su found, or -1 if refused (answered). */
static int
cmd_send_rcpt(struct client *c, const struct cp_msg *m, struct store_user *su)
{
	struct server	*srv = c->srv;
	char		 key[NICK_MAX_BYTES];
	int		 rc;

	if (cmd_nick(srv, &m->nick, key) != NICK_OK) {
		outq_error(c, m->id, m->type, CPE_NICK_INVALID);
		return -1;
	}
	if ((rc = user_find(srv, key, su)) != 1) {
		if (rc == 0)
			srv->stats.unknown_user++;
		outq_error(c, m->id, m->type, rc == 0 ? CPE_UNKNOWN_USER :
		    CPE_INTERNAL);
		return -1;
	}
	return 0;
}

/*
 * May c's user have one more message waiting for rcpt?  CPE_NONE, or why
 * not: the recipient's queue is full (queue_max from everyone), or the
 * sender's share of it is (pair_quota for one of the recipient's
 * contacts, stranger_quota for anyone else).  Waiting means stored and
 * not yet marked delivered, whether the recipient is online or not.
 * The counts are in memory (quota.c); whether the two are mutual
 * contacts is looked up only past the stranger quota, once per pair
 * while it waits.
 */
static enum cp_err
cmd_send_quota(struct client *c, uint64_t rcpt)
{
	struct server		*srv = c->srv;
	const struct chatd_conf	*cf = &srv->conf;
	uint64_t		 sender = c->u->id;
	uint32_t		 n = quota_pair(srv->quota, sender, rcpt);
	enum quota_contact	 k;
	int			 rc;

	if (quota_rcpt(srv->quota, rcpt) >= (uint32_t)cf->queue_max)
		return CPE_QUEUE_FULL;
	if (n < (uint32_t)cf->stranger_quota)
		return CPE_NONE;
	if (n >= (uint32_t)cf->pair_quota)
		return CPE_QUOTA;
	if ((k = quota_contact(srv->quota, sender, rcpt)) == QUOTA_UNKNOWN) {
		if ((rc = store_contact_has(srv->st, rcpt, sender)) == -1)
			return CPE_INTERNAL;
		k = rc ? QUOTA_CONTACT : QUOTA_STRANGER;
		quota_set_contact(srv->quota, sender, rcpt, k);
	}
	return k == QUOTA_CONTACT ? CPE_NONE : CPE_QUOTA;
}

/* The next server id, with its reservation kept well ahead of use. */
uint64_t
cmd_sid_next(struct server *srv)
{
	if (srv->next_sid + SID_BLOCK / 2 >= srv->sid_reserved) {
		srv->sid_reserved = srv->next_sid + SID_BLOCK;
		store_sid_reserve(srv->st, srv->sid_reserved);
	}
	return srv->next_sid;
}

/*
 * Make user a ask other, or accept other's request if there is one
 * (other has a row to a, in any state: it asked, or a declined it once
 * and now asks back): r is how they stand.  Asking or accepting someone
 * a blocked unblocks them.  0 done, or the error: CPE_LIMIT (a's list is
 * full), CPE_INTERNAL.
 */
static enum cp_err
cmd_befriend(struct server *srv, struct user *a, uint64_t other,
    const struct store_rel *r)
{
	if (r->blocked && store_block_del(srv->st, a->id, other) == -1)
		return CPE_INTERNAL;
	if (r->theirs != STORE_NONE) {
		if ((r->mine != STORE_ACCEPTED && store_contact_set(srv->st,
		    a->id, other, STORE_ACCEPTED) == -1) ||
		    (r->theirs != STORE_ACCEPTED && store_contact_set(srv->st,
		    other, a->id, STORE_ACCEPTED) == -1))
			return CPE_INTERNAL;
		if (r->mine == STORE_ACCEPTED && r->theirs == STORE_ACCEPTED)
			return CPE_NONE;
		/* Contacts now: each may have more waiting for the other. */
		quota_set_contact(srv->quota, other, a->id, QUOTA_CONTACT);
		quota_set_contact(srv->quota, a->id, other, QUOTA_CONTACT);
		presence_tell(srv, a, user_by_id(srv, other), 1);
		presence_tell(srv, user_by_id(srv, other), a, 1);
		sync_contacts(srv, other, NULL, CPL_CONTACTS | CPL_REQUESTS);
		return CPE_NONE;
	}
	if (r->mine != STORE_NONE)
		return CPE_NONE;
	if (store_contact_count(srv->st, a->id) >= srv->conf.max_contacts)
		return CPE_LIMIT;
	if (store_contact_set(srv->st, a->id, other, STORE_REQUESTED) == -1)
		return CPE_INTERNAL;
	/* A request the other user will see (not if it blocked a). */
	if (!r->blocked_by)
		sync_contacts(srv, other, NULL, CPL_REQUESTS);
	return CPE_NONE;
}

/*
 * Consent on SEND to su: 1 if the recipient blocked the sender (the
 * message is then answered as accepted and dropped), 0 to go on, -1 if
 * refused (answered).  A message to a user who is not a mutual contact
 * is also a contact request, and one to a user who asked the sender (a
 * reply) accepts that request (cmd_befriend()).  A pair of contacts
 * with messages waiting is known from the quota table, with no look-up.
 */
static int
cmd_send_consent(struct client *c, const struct cp_msg *m,
    const struct store_user *su)
{
	struct server	*srv = c->srv;
	struct store_rel r;
	enum cp_err	 e;

	if (quota_contact(srv->quota, c->u->id, su->id) == QUOTA_CONTACT)
		return 0;
	if (store_rel(srv->st, c->u->id, su->id, &r) == -1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return -1;
	}
	if (r.blocked_by)
		return 1;
	if (r.mine == STORE_ACCEPTED && r.theirs == STORE_ACCEPTED)
		return 0;
	if ((e = cmd_befriend(srv, c->u, su->id, &r)) != CPE_NONE) {
		outq_error(c, m->id, m->type, e);
		return -1;
	}
	if (r.mine == STORE_NONE || r.theirs != STORE_NONE)
		sync_contacts(srv, c->u->id, c, CPL_CONTACTS | CPL_REQUESTS);
	return 0;
}

/*
 * SEND m to a user who blocked the sender: answered ACCEPTED as usual,
 * under a server id of its own, and never stored or delivered, so that
 * the sender cannot tell (as if the recipient never came online).
 */
static void
cmd_send_dropped(struct client *c, const struct cp_msg *m)
{
	struct server	*srv = c->srv;
	struct cp_msg	 r;

	memset(&r, 0, sizeof r);
	r.type = CP_ACCEPTED;
	r.id = m->id;
	r.sid = cmd_sid_next(srv);
	srv->next_sid++;
	r.time = clock_wall_ms();
	r.flags = CPR_ACCEPTED;
	srv->stats.blocked++;
	outq_reply(c, &r, m->id, m->type);
}

/*
 * Store SEND m to su (online as ru, or NULL) as sm: 0 stored, 1 a resend
 * of a stored one (sm is that), or -1 if refused (answered).
 */
static int
cmd_send_store(struct client *c, const struct cp_msg *m,
    const struct store_user *su, const struct user *ru, struct store_msg *sm)
{
	struct server	*srv = c->srv;
	enum cp_err	 e;
	int		 rc;

	memset(sm, 0, sizeof *sm);
	sm->sid = cmd_sid_next(srv);
	sm->sender = c->u->id;
	sm->msgid = m->id;
	sm->rcpt = su->id;
	sm->time = clock_wall_ms();
	sm->text = m->text.p;
	sm->len = m->text.len;
	/* Relayed at once, so kept out of the queue index for now (the
	 * store's tail), unless the recipient is offline or behind. */
	sm->online = ru != NULL && ru->clients != NULL &&
	    !ru->clients->backlog;
	/* Over a bound, only a resend of a stored message is answered
	 * (with its ACCEPTED); a new one is refused. */
	if ((e = cmd_send_quota(c, su->id)) != CPE_NONE) {
		rc = store_msg_find(srv->st, sm);
		if (rc != 1) {
			if (e == CPE_QUEUE_FULL)
				srv->stats.queue_full++;
			else if (e == CPE_QUOTA)
				srv->stats.quota++;
			outq_error(c, m->id, m->type, rc == 0 ? e :
			    CPE_INTERNAL);
			return -1;
		}
	} else if ((rc = store_msg_add(srv->st, sm)) == -1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return -1;
	} else if (rc == 0) {
		srv->next_sid = sm->sid + 1;
		quota_add(srv->quota, sm->sender, sm->rcpt, 1);
	}
	return rc;
}

/* Relay stored message sm, sent as m, to its online recipient. */
static void
cmd_send_relay(struct client *c, const struct cp_msg *m,
    const struct store_msg *sm)
{
	struct server	*srv = c->srv;
	struct cp_msg	 r;
	struct out	*o;
	size_t		 n;

	memset(&r, 0, sizeof r);
	r.type = CP_MESSAGE;
	r.sid = sm->sid;
	r.id = sm->msgid;
	r.time = sm->time;
	r.nick.p = (const uint8_t *)c->u->nick;
	r.nick.len = strlen(c->u->nick);
	r.text = m->text;
	if ((n = cp_encode(srv->buf, sizeof srv->buf, &r)) == 0)
		return;
	/*
	 * Relay now, before the commit, unless the id is not covered by a
	 * committed reservation or an earlier MESSAGE waits.  If chatd dies
	 * before the commit the sender was not told ACCEPTED and resends;
	 * the recipient's client knows the copy by sender and message id.
	 */
	if (!srv->late && srv->late_waiting == 0 && sm->sid < srv->sid_safe) {
		struct out	now;

		memset(&now, 0, sizeof now);
		now.kind = OUT_MESSAGE;
		now.uid = sm->rcpt;
		now.sid = sm->sid;
		now.sender = sm->sender;
		now.msgid = sm->msgid;
		now.wire = srv->buf;
		now.len = n;
		deliver_message(srv, &now);
		return;
	}
	srv->late = 1;
	o = outq_push(srv, OUT_MESSAGE, srv->buf, n);
	o->uid = sm->rcpt;
	o->sid = sm->sid;
	o->sender = sm->sender;
	o->msgid = sm->msgid;
}

/* SEND: validate, store, and queue ACCEPTED and the delivery. */
void
cmd_send(struct client *c, const struct cp_msg *m, const struct command *cmd)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct store_msg	 sm;
	struct cp_msg		 r;
	struct user		*ru;
	int			 rc;

	if (cmd_send_limited(c, m, cmd) || cmd_send_text(c, m) == -1)
		return;
	/* "#name": a group (group.c). */
	if (m->nick.len > 0 && m->nick.p[0] == '#') {
		group_send(c, m);
		return;
	}
	if (cmd_send_rcpt(c, m, &su) == -1)
		return;
	if ((rc = cmd_send_consent(c, m, &su)) != 0) {
		if (rc == 1)
			cmd_send_dropped(c, m);
		return;
	}
	ru = user_by_id(srv, su.id);
	if ((rc = cmd_send_store(c, m, &su, ru, &sm)) == -1)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_ACCEPTED;
	r.id = m->id;
	r.sid = sm.sid;
	r.time = sm.time;
	r.flags = (uint8_t)sm.state;
	outq_reply(c, &r, m->id, m->type);
	if (rc == 1) {
		srv->stats.duplicates++;
		return;
	}
	srv->stats.accepted++;
	sync_sent(c, &sm, su.nick, &m->text);
	if (ru == NULL) {
		srv->stats.stored_offline++;
		return;
	}
	cmd_send_relay(c, m, &sm);
}

/* What a mark passes: the conversation a read mark moved. */
struct mark {
	struct server	*srv;
	uint64_t	 rcpt;
	uint64_t	 peer;
};

/* A message passed by a mark: a receipt, and, once delivered, it no
 * longer waits (quota.c). */
static void
cmd_mark_pass(void *arg, int kind, const struct store_msg *sm)
{
	struct mark	*k = arg;

	if (kind == CPR_DELIVERED)
		quota_done(k->srv->quota, sm->sender, k->rcpt);
	else
		k->peer = sm->sender;
	receipt_pass(k->srv, kind, sm);
}

/*
 * MARK: a recipient's client has every message to it up to sid
 * (delivered), or its user has seen the conversation of sid up to it
 * (read; delivered, if its user sends no read receipts).  Receipts go
 * out after the commit (receipt_flush).
 */
void
cmd_mark(struct client *c, const struct cp_msg *m, const struct command *cmd)
{
	struct server	*srv = c->srv;
	struct cursor	*cur;
	struct mark	 k = { srv, c->u->id, 0 };
	struct store_msg sm;

	/* Nothing sent yet means nothing to mark. */
	if ((cur = c->u->cur) == NULL)
		return;
	/*
	 * A user who sends no read receipts: its read marks only say
	 * delivered, so no receipt is ever owed for them either; its
	 * other devices are still told it read the conversation.
	 */
	if (m->flags == CPR_DELIVERED ||
	    !(c->u->settings & STORE_SET_RECEIPTS)) {
		cursor_delivered(cur, m->sid, cmd_mark_pass, &k);
		if (m->flags == CPR_READ && store_msg_get(srv->st, m->sid,
		    c->u->id, &sm) == 1)
			k.peer = sm.sender;
	} else
		cursor_read(cur, m->sid, cmd_mark_pass, &k);
	user_moved(srv, c->u);
	if (m->flags == CPR_READ && k.peer != 0)
		sync_read(srv, c->u, c, k.peer, m->sid);
}

struct roster {
	struct server	*srv;
	uint8_t		 buf[ROSTER_MAX];
	size_t		 len;
	uint16_t	 count;
	int		 full;		/* an entry did not fit */
	int		 who;		/* WHO: every entry shows presence */
};

/* Add one user to a roster with its presence, if it is a mutual contact
 * or listed by WHO, else as offline and never seen; once one does not
 * fit, the roster is full and takes no more. */
static void
cmd_roster_add(void *arg, const struct store_user *su)
{
	struct roster	*r = arg;
	struct user	*u;
	struct cp_entry	 e;
	size_t		 n;

	if (r->full)
		return;
	u = r->who || su->mutual ? user_by_id(r->srv, su->id) : NULL;
	e.nick.p = (const uint8_t *)su->nick;
	e.nick.len = strlen(su->nick);
	e.presence = u == NULL ? CPP_OFFLINE : u->away ? CPP_AWAY : CPP_ONLINE;
	e.last_seen = u == NULL && (r->who || su->mutual) ? su->last_seen : 0;
	if (r->count == UINT16_MAX || (n = cp_entry_encode(r->buf + r->len,
	    sizeof r->buf - r->len, &e)) == 0) {
		r->full = 1;
		return;
	}
	r->len += n;
	r->count++;
}

/* Answer with a ROSTER built in r. */
static void
cmd_roster_reply(struct client *c, struct roster *r, uint64_t reqid,
    uint8_t reqtype)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_ROSTER;
	m.id = reqid;
	m.count = r->count;
	m.entries.p = r->buf;
	m.entries.len = r->len;
	outq_reply(c, &m, reqid, reqtype);
}

/*
 * Two users are no longer contacts: each sees the other go offline,
 * and each may have fewer messages waiting for the other.
 */
static void
cmd_unfriend(struct server *srv, struct user *a, uint64_t other)
{
	struct user	*o = user_by_id(srv, other);

	quota_set_contact(srv->quota, other, a->id, QUOTA_STRANGER);
	quota_set_contact(srv->quota, a->id, other, QUOTA_STRANGER);
	presence_tell(srv, a, o, 0);
	presence_tell(srv, o, a, 0);
}

/*
 * A CONTACTS change to su, r how they stand: CPE_NONE done, or why not.
 * DEL ends the contact on both sides and leaves a request from the other
 * standing; BLOCK removes the blocker's row only, so that the blocked
 * user's list still shows the blocker, offline; DECLINE keeps the
 * request, marked, so that its sender sees no change.
 */
static enum cp_err
cmd_contacts_op(struct server *srv, struct user *a, uint8_t op,
    const struct store_user *su, const struct store_rel *r)
{
	int	mutual = r->mine == STORE_ACCEPTED &&
		    r->theirs == STORE_ACCEPTED;

	switch (op) {
	case CPC_ADD:
		return cmd_befriend(srv, a, su->id, r);
	case CPC_ACCEPT:
		if (r->blocked || (r->theirs != STORE_REQUESTED &&
		    r->theirs != STORE_DECLINED))
			return CPE_NO_REQUEST;
		return cmd_befriend(srv, a, su->id, r);
	case CPC_DECLINE:
		if (r->blocked || (r->theirs != STORE_REQUESTED &&
		    r->theirs != STORE_DECLINED))
			return CPE_NO_REQUEST;
		return store_contact_set(srv->st, su->id, a->id,
		    STORE_DECLINED) == -1 ? CPE_INTERNAL : CPE_NONE;
	case CPC_DEL:
		if (store_contact_del(srv->st, a->id, su->id) == -1 ||
		    (r->theirs == STORE_ACCEPTED && store_contact_del(srv->st,
		    su->id, a->id) == -1))
			return CPE_INTERNAL;
		if (!r->blocked_by && r->mine != STORE_NONE)
			sync_contacts(srv, su->id, NULL, mutual ?
			    CPL_CONTACTS : CPL_REQUESTS);
		break;
	case CPC_BLOCK:
		if (store_block_add(srv->st, a->id, su->id) == -1 ||
		    store_contact_del(srv->st, a->id, su->id) == -1)
			return CPE_INTERNAL;
		break;
	case CPC_UNBLOCK:
		return store_block_del(srv->st, a->id, su->id) == -1 ?
		    CPE_INTERNAL : CPE_NONE;
	}
	if (mutual)
		cmd_unfriend(srv, a, su->id);
	return CPE_NONE;
}

/* A CONTACTS change: 0 done, or -1 if refused (answered). */
static int
cmd_contacts_change(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	static const struct command	 change = { NULL, 1, 1, RATE_CONTACT };
	struct server			*srv = c->srv;
	struct store_user		 su;
	struct store_rel		 r;
	char				 key[NICK_MAX_BYTES];
	enum cp_err			 e;
	int				 rc;

	if (cmd_limited(c, &change, m))
		return -1;
	if (cmd_nick(srv, &m->nick, key) != NICK_OK) {
		outq_error(c, m->id, m->type, CPE_NICK_INVALID);
		return -1;
	}
	if ((rc = user_find(srv, key, &su)) != 1) {
		outq_error(c, m->id, m->type, rc == 0 ?
		    CPE_UNKNOWN_USER : CPE_INTERNAL);
		return -1;
	}
	if (su.id == c->u->id && m->flags != CPC_DEL &&
	    m->flags != CPC_UNBLOCK) {
		outq_error(c, m->id, m->type, m->flags == CPC_ADD ||
		    m->flags == CPC_BLOCK ? CPE_UNKNOWN_USER : CPE_NO_REQUEST);
		return -1;
	}
	if (store_rel(srv->st, c->u->id, su.id, &r) == -1) {
		outq_error(c, m->id, m->type, CPE_INTERNAL);
		return -1;
	}
	if ((e = cmd_contacts_op(srv, c->u, m->flags, &su, &r)) != CPE_NONE) {
		outq_error(c, m->id, m->type, e);
		return -1;
	}
	/* The account's other devices ask for their lists again. */
	sync_contacts(srv, c->u->id, c, CPL_ALL);
	return 0;
}

/*
 * CONTACTS: a change, then the list it concerns: contacts (with the
 * presence of mutual ones), requests to this user, or blocked users.
 * Each takes a token of its row's rate (lists), and a change one of the
 * contact changes' too.
 */
void
cmd_contacts(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server	*srv = c->srv;
	struct roster	*r;
	int		 rc;

	if (cmd_limited(c, cmd, m))
		return;
	if (m->flags != CPC_LIST && m->flags != CPC_REQUESTS &&
	    m->flags != CPC_BLOCKED && cmd_contacts_change(c, m, cmd) == -1)
		return;
	r = xcalloc(1, sizeof *r);
	r->srv = srv;
	switch (m->flags) {
	case CPC_DECLINE:
	case CPC_REQUESTS:
		rc = store_requests(srv->st, c->u->id, cmd_roster_add, r);
		break;
	case CPC_BLOCK:
	case CPC_UNBLOCK:
	case CPC_BLOCKED:
		rc = store_blocks(srv->st, c->u->id, cmd_roster_add, r);
		break;
	default:
		rc = store_contacts(srv->st, c->u->id, cmd_roster_add, r);
		break;
	}
	if (rc == -1)
		outq_error(c, m->id, m->type, CPE_INTERNAL);
	else
		cmd_roster_reply(c, r, m->id, m->type);
	free(r);
}

/*
 * WHO: everyone online who chose to be listed (STORE_SET_VISIBLE) and
 * has not blocked the asker, as many as fit in one ROSTER, if the
 * directory is on.
 */
void
cmd_who(struct client *c, const struct cp_msg *m, const struct command *cmd)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct store_rel	 rel;
	struct roster		*r;
	struct user		*u;

	if (!srv->conf.who) {
		outq_error(c, m->id, m->type, CPE_DISABLED);
		return;
	}
	if (cmd_limited(c, cmd, m))
		return;
	r = xcalloc(1, sizeof *r);
	r->srv = srv;
	r->who = 1;
	memset(&su, 0, sizeof su);
	for (u = srv->online; u != NULL && !r->full; u = u->onext) {
		if (!(u->settings & STORE_SET_VISIBLE) || (u != c->u &&
		    (store_rel(srv->st, c->u->id, u->id, &rel) == -1 ||
		    rel.blocked_by)))
			continue;
		su.id = u->id;
		snprintf(su.nick, sizeof su.nick, "%s", u->nick);
		cmd_roster_add(r, &su);
	}
	cmd_roster_reply(c, r, m->id, m->type);
	free(r);
}

/*
 * TYPING: pass it on to the recipient's sessions, if it is online and a
 * mutual contact, and the sender sends typing notices; else drop it.
 */
void
cmd_typing(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server	*srv = c->srv;
	struct user	*u;
	struct cp_msg	 r;
	char		 key[NICK_MAX_BYTES];
	uint8_t		 wire[512];
	size_t		 n;

	if (cmd_limited(c, cmd, m) || !(c->u->settings & STORE_SET_TYPING))
		return;
	if (cmd_nick(srv, &m->nick, key) != NICK_OK ||
	    (u = user_by_key(srv, key)) == NULL ||
	    store_contact_has(srv->st, c->u->id, u->id) != 1)
		return;
	memset(&r, 0, sizeof r);
	r.type = CP_TYPING_FROM;
	r.nick.p = (const uint8_t *)c->u->nick;
	r.nick.len = strlen(c->u->nick);
	if ((n = cp_encode(wire, sizeof wire, &r)) != 0)
		user_send(u, wire, n);
}

/* AWAY: a user's presence set by one of its clients. */
void
cmd_away(struct client *c, const struct cp_msg *m, const struct command *cmd)
{
	struct user	*u = c->u;
	int		 away = m->flags == CPP_AWAY;

	if (u->away == away)
		return;
	u->away = away;
	presence_notify(c->srv, u, away ? CPP_AWAY : CPP_ONLINE, 0);
}

/*
 * SETTINGS: set the bits of mask to value, kept with the account so
 * that every device of it follows them; answer them all.
 */
void
cmd_settings(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server	*srv = c->srv;
	struct user	*u = c->u;
	struct cp_msg	 r;
	int		 v;

	if (cmd_limited(c, cmd, m))
		return;
	v = (u->settings & ~m->flags) | m->value;
	if (v != u->settings) {
		if (store_user_settings(srv->st, u->id, v) == -1) {
			outq_error(c, m->id, m->type, CPE_INTERNAL);
			return;
		}
		u->settings = v;
	}
	memset(&r, 0, sizeof r);
	r.type = CP_SETTINGS_ARE;
	r.id = m->id;
	r.flags = (uint8_t)(v & CPS_ALL);
	outq_reply(c, &r, m->id, m->type);
}
