/*
 * sync.c: the sync notices to an account's other sessions (sync.h).
 * Uses user.c (who is online), client.c (which sessions asked for
 * them), outq.c (sent after the commit) and the store (a peer's name).
 */
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "outq.h"
#include "server.h"
#include "store.h"
#include "sync.h"
#include "user.h"
#include "chat/chatproto.h"

/* Queue m to every sync session of u but skip. */
static void
sync_push(struct user *u, struct client *skip, const struct cp_msg *m)
{
	struct client	*c;

	for (c = u->clients; c != NULL; c = c->unext)
		if (c != skip && c->sync && !c->dead)
			outq_reply(c, m, 0, 0);
}

/* Has u a sync session other than skip? */
static int
sync_wanted(const struct user *u, const struct client *skip)
{
	const struct client	*c;

	for (c = u->clients; c != NULL; c = c->unext)
		if (c != skip && c->sync && !c->dead)
			return 1;
	return 0;
}

void
sync_sent(struct client *c, const struct store_msg *sm, const char *to,
    const struct cp_str *text)
{
	struct cp_msg	m;

	if (c->u == NULL || !sync_wanted(c->u, c))
		return;
	memset(&m, 0, sizeof m);
	m.type = CP_SENT;
	m.sid = sm->sid;
	m.id = sm->msgid;
	m.time = sm->time;
	m.nick.p = (const uint8_t *)to;
	m.nick.len = strlen(to);
	m.text = *text;
	sync_push(c->u, c, &m);
	c->srv->stats.carbons++;
}

void
sync_read(struct server *srv, struct user *u, struct client *c,
    uint64_t peer, uint64_t sid)
{
	struct store_user	 su;
	struct user		*pu;
	struct cp_msg		 m;

	if (!sync_wanted(u, c))
		return;
	memset(&m, 0, sizeof m);
	m.type = CP_READ_UPTO;
	m.sid = sid;
	if ((pu = user_by_id(srv, peer)) != NULL)
		m.nick.p = (const uint8_t *)pu->nick;
	else if (store_user_by_id(srv->st, peer, &su) == 1)
		m.nick.p = (const uint8_t *)su.nick;
	else
		return;
	m.nick.len = strlen((const char *)m.nick.p);
	sync_push(u, c, &m);
}

void
sync_contacts(struct server *srv, uint64_t uid, struct client *c,
    unsigned int lists)
{
	struct user	*u = user_by_id(srv, uid);
	struct cp_msg	 m;

	if (u == NULL || lists == 0)
		return;
	memset(&m, 0, sizeof m);
	m.type = CP_CONTACTS_CHANGED;
	m.flags = (uint8_t)lists;
	sync_push(u, c, &m);
}
