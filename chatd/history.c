/*
 * history.c: HISTORY pages and the archive's expiry (history.h).  Uses
 * user.c (a peer by name), outq.c (the answer) and the store.
 */
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "cmd.h"
#include "group.h"
#include "history.h"
#include "outq.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "chat/chatproto.h"
#include "chat/nick.h"

#define DAY_MS		86400000ULL

void
hpage_init(struct hpage *p, unsigned int limit)
{
	p->limit = limit < HISTORY_LIMIT ? (int)limit : HISTORY_LIMIT;
}

int
hpage_room(struct hpage *p)
{
	p->rows++;
	if (p->full)
		return 0;
	if (p->n == p->limit) {
		p->full = 1;
		return 0;
	}
	return 1;
}

void
hpage_added(struct hpage *p, size_t n)
{
	if (n == 0) {
		p->full = 1;
		return;
	}
	p->off[p->n++] = p->len;
	p->len += n;
}

void
hpage_reply(struct client *c, const struct cp_msg *m, struct hpage *p,
    uint8_t type)
{
	struct cp_msg	r;
	size_t		len, at;
	int		i;

	for (i = p->n - 1, len = 0; i >= 0; i--) {
		at = i + 1 < p->n ? p->off[i + 1] : p->len;
		memcpy(p->out + len, p->buf + p->off[i], at - p->off[i]);
		len += at - p->off[i];
	}
	memset(&r, 0, sizeof r);
	r.type = type;
	r.id = m->id;
	/* One row more than fits says whether there are older ones. */
	r.flags = p->full || p->rows > p->n ? CPH_MORE : 0;
	r.count = (uint16_t)p->n;
	r.entries.p = p->out;
	r.entries.len = len;
	outq_reply(c, &r, m->id, m->type);
	c->srv->stats.history_pages++;
	c->srv->stats.history_rows += (uint64_t)p->rows;
}

/* A 1:1 page, with the cursors that give each entry's flags. */
struct page {
	struct hpage	 h;
	uint64_t	 me;
	uint64_t	 delivered;	/* the peer has our messages up to */
	uint64_t	 peer_read;	/* the peer read ours up to */
	uint64_t	 my_read;	/* we read theirs up to */
};

static void
history_row(void *arg, const struct store_msg *sm)
{
	struct page	*p = arg;
	struct cp_hist	 h;

	if (!hpage_room(&p->h))
		return;
	memset(&h, 0, sizeof h);
	h.sid = sm->sid;
	h.msgid = sm->msgid;
	h.time = sm->time;
	h.text.p = sm->text;
	h.text.len = sm->len;
	if (sm->sender == p->me) {
		h.flags = CPHE_OUT;
		if (sm->sid <= p->delivered || sm->sid <= p->peer_read)
			h.flags |= CPHE_DELIVERED;
		if (sm->sid <= p->peer_read)
			h.flags |= CPHE_READ;
	} else if (sm->sid <= p->my_read)
		h.flags = CPHE_DELIVERED | CPHE_READ;
	else
		h.flags = CPHE_DELIVERED;
	hpage_added(&p->h, cp_hist_encode(hpage_at(&p->h), hpage_left(&p->h),
	    &h));
}

/*
 * HISTORY: a page of the conversation with a user, before a server id.
 * Only what the store holds for this pair is shown, so a blocked user's
 * dropped messages are never there, and a name that exists tells no
 * more than SEND to it does.
 */
void
history_cmd(struct client *c, const struct cp_msg *m,
    const struct command *cmd)
{
	struct server		*srv = c->srv;
	struct store_user	 su;
	struct store_conv	 cv;
	struct page		*p;
	char			 key[NICK_MAX_BYTES];
	int			 rc;

	if (cmd_limited(c, cmd, m))
		return;
	/* A group's history: what its members have (group.c). */
	if (m->nick.len > 0 && m->nick.p[0] == '#') {
		group_history(c, m);
		return;
	}
	if (srv->conf.history_days == 0) {
		outq_error(c, m->id, m->type, CPE_DISABLED);
		return;
	}
	if (cmd_nick(srv, &m->nick, key) != NICK_OK) {
		outq_error(c, m->id, m->type, CPE_NICK_INVALID);
		return;
	}
	if ((rc = user_find(srv, key, &su)) != 1) {
		outq_error(c, m->id, m->type, rc == 0 ? CPE_UNKNOWN_USER :
		    CPE_INTERNAL);
		return;
	}
	/* Cursors written by this loop turn's marks first. */
	user_flush_moved(srv);
	p = xcalloc(1, sizeof *p);
	hpage_init(&p->h, m->value);
	p->me = c->u->id;
	p->delivered = su.delivered;
	if (store_conv_get(srv->st, su.id, c->u->id, &cv) == -1)
		goto fail;
	if (cv.delivered > p->delivered)
		p->delivered = cv.delivered;
	p->peer_read = cv.read;
	if (store_conv_get(srv->st, c->u->id, su.id, &cv) == -1)
		goto fail;
	p->my_read = cv.read;
	/* One row more than fits says whether there are older ones. */
	if ((rc = store_history(srv->st, c->u->id, su.id, m->sid,
	    p->h.limit + 1, history_row, p)) == -1)
		goto fail;
	hpage_reply(c, m, &p->h, CP_HISTORY_PAGE);
	free(p);
	return;
fail:
	outq_error(c, m->id, m->type, CPE_INTERNAL);
	free(p);
}

void
history_expire(struct server *srv, uint64_t now)
{
	uint64_t	keep = (uint64_t)srv->conf.history_days * DAY_MS;
	int		n, k = 0;

	/* Delivered cursors as they stand. */
	user_flush_moved(srv);
	if ((n = store_history_expire(srv->st, now > keep ? now - keep : 0,
	    now)) > 0)
		srv->stats.history_expired += (uint64_t)n;
	/* Only conversations with messages since the last pass can have
	 * grown past the cap (the first pass: since chatd started). */
	if (srv->hist_trimmed == 0)
		srv->hist_trimmed = store_sid_start(srv->st);
	if (srv->conf.history_max > 0 && (k = store_history_trim(srv->st,
	    srv->conf.history_max, &srv->hist_trimmed)) > 0)
		srv->stats.history_expired += (uint64_t)k;
	if (n > 0 || k > 0)
		log_info("history: %d delivered messages older than %d days "
		    "and %d over %d in a conversation removed", n > 0 ? n : 0,
		    srv->conf.history_days, k > 0 ? k : 0,
		    srv->conf.history_max);
}
