/*
 * presence.c: PRESENCE notices to the watchers of a user (presence.h),
 * who are its mutual contacts (store_watchers()).
 * Uses the store (who watches whom), user.c (who is online) and the
 * chat protocol's encoder.
 */
#include <string.h>

#include "chatd.h"
#include "presence.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "chat/chatproto.h"

struct presence_arg {
	struct server	*srv;
	const uint8_t	*wire;
	size_t		 len;
};

/* Tell one watcher, if online, about a presence change. */
static void
presence_watcher(void *arg, const struct store_user *su)
{
	struct presence_arg	*pa = arg;
	struct user		*w = user_by_id(pa->srv, su->id);

	if (w != NULL)
		user_send(w, pa->wire, pa->len);
}

/* A PRESENCE notice of u (p, last_seen) into wire: its length or 0. */
static size_t
presence_encode(struct user *u, enum cp_presence p, uint64_t last_seen,
    uint8_t *wire, size_t cap)
{
	struct cp_msg	m;

	memset(&m, 0, sizeof m);
	m.type = CP_PRESENCE;
	m.nick.p = (const uint8_t *)u->nick;
	m.nick.len = strlen(u->nick);
	m.flags = (uint8_t)p;
	m.time = last_seen;
	return cp_encode(wire, cap, &m);
}

void
presence_tell(struct server *srv, struct user *u, struct user *to,
    int shown)
{
	uint8_t		wire[512];
	size_t		n;

	if (u == NULL || to == NULL)
		return;
	n = presence_encode(u, !shown ? CPP_OFFLINE : u->away ? CPP_AWAY :
	    CPP_ONLINE, 0, wire, sizeof wire);
	if (n != 0)
		user_send(to, wire, n);
}

/* Tell everyone who has u as a contact about its presence. */
void
presence_notify(struct server *srv, struct user *u, enum cp_presence p,
    uint64_t last_seen)
{
	struct presence_arg	pa;
	uint8_t			wire[512];

	pa.srv = srv;
	pa.wire = wire;
	if ((pa.len = presence_encode(u, p, last_seen, wire,
	    sizeof wire)) == 0)
		return;
	store_watchers(srv->st, u->id, presence_watcher, &pa);
}
