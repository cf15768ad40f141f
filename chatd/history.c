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

/* A page being built: entries come newest first and are encoded into
 * buf as they come; the answer lists them the other way round. */
struct page {
	uint64_t	 me;
	uint64_t	 delivered;	/* the peer has our messages up to */
	uint64_t	 peer_read;	/* the peer read ours up to */
	uint64_t	 my_read;	/* we read theirs up to */
	int		 limit;
	int		 n;		/* entries in buf */
	int		 rows;		/* rows read */
	int		 full;		/* one did not fit, or was past limit */
	size_t		 len;
	size_t		 off[HISTORY_LIMIT];
	uint8_t		 buf[CP_HISTORY_BYTES];
	uint8_t		 out[CP_HISTORY_BYTES];
};

static void
history_row(void *arg, const struct store_msg *sm)
{
	struct page	*p = arg;
	struct cp_hist	 h;
	size_t		 n;

	p->rows++;
	if (p->full)
		return;
	if (p->n == p->limit) {
		p->full = 1;
		return;
	}
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
	if ((n = cp_hist_encode(p->buf + p->len, sizeof p->buf - p->len,
	    &h)) == 0) {
		p->full = 1;
		return;
	}
	p->off[p->n++] = p->len;
	p->len += n;
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
	struct cp_msg		 r;
	char			 key[NICK_MAX_BYTES];
	size_t			 len, at;
	int			 rc, i;

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
	p->me = c->u->id;
	p->limit = m->value < HISTORY_LIMIT ? m->value : HISTORY_LIMIT;
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
	    p->limit + 1, history_row, p)) == -1)
		goto fail;
	for (i = p->n - 1, len = 0; i >= 0; i--) {
		at = i + 1 < p->n ? p->off[i + 1] : p->len;
		memcpy(p->out + len, p->buf + p->off[i], at - p->off[i]);
		len += at - p->off[i];
	}
	memset(&r, 0, sizeof r);
	r.type = CP_HISTORY_PAGE;
	r.id = m->id;
	r.flags = p->full || p->rows > p->n ? CPH_MORE : 0;
	r.count = (uint16_t)p->n;
	r.entries.p = p->out;
	r.entries.len = len;
	outq_reply(c, &r, m->id, m->type);
	srv->stats.history_pages++;
	srv->stats.history_rows += (uint64_t)p->rows;
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
	if (srv->conf.history_max > 0 &&
	    (k = store_history_trim(srv->st, srv->conf.history_max)) > 0)
		srv->stats.history_expired += (uint64_t)k;
	if (n > 0 || k > 0)
		log_info("history: %d delivered messages older than %d days "
		    "and %d over %d in a conversation removed", n > 0 ? n : 0,
		    srv->conf.history_days, k > 0 ? k : 0,
		    srv->conf.history_max);
}
