/*
 * user.c: the registry of online users (user.h): the hash tables by id
 * and by key, the list of everyone online, and the users whose cursors
 * moved.  Uses the store (to look up users who are offline), cursor.c,
 * and client.c to send to a user's sessions.
 */
#include <stdlib.h>
#include <string.h>

#include "chatd.h"
#include "client.h"
#include "server.h"
#include "store.h"
#include "user.h"
#include "base/xmalloc.h"

/* FNV-1a of a string, for the key hash. */
static size_t
user_key_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return (size_t)h;
}

/* Double the user tables. */
static void
user_grow(struct server *srv)
{
	struct user	**oi = srv->by_id, **ok = srv->by_key, *u, *n;
	size_t		  on = srv->nbuckets, i, h;

	srv->nbuckets = on * 2;
	srv->by_id = xcalloc(srv->nbuckets, sizeof *srv->by_id);
	srv->by_key = xcalloc(srv->nbuckets, sizeof *srv->by_key);
	for (i = 0; i < on; i++) {
		for (u = oi[i]; u != NULL; u = n) {
			n = u->id_next;
			h = user_id_hash(u->id) & (srv->nbuckets - 1);
			u->id_next = srv->by_id[h];
			srv->by_id[h] = u;
		}
		for (u = ok[i]; u != NULL; u = n) {
			n = u->key_next;
			h = user_key_hash(u->key) & (srv->nbuckets - 1);
			u->key_next = srv->by_key[h];
			srv->by_key[h] = u;
		}
	}
	free(oi);
	free(ok);
}

/* Empty user tables. */
void
user_init(struct server *srv)
{
	srv->nbuckets = 1024;
	srv->by_id = xcalloc(srv->nbuckets, sizeof *srv->by_id);
	srv->by_key = xcalloc(srv->nbuckets, sizeof *srv->by_key);
}

/* Free the tables, once every user is gone. */
void
user_fini(struct server *srv)
{
	free(srv->moved);
	free(srv->by_id);
	free(srv->by_key);
}

/* The online user with case-folded nick key, or NULL. */
struct user *
user_by_key(struct server *srv, const char *key)
{
	struct user	*u;

	for (u = srv->by_key[user_key_hash(key) & (srv->nbuckets - 1)];
	    u != NULL; u = u->key_next)
		if (strcmp(u->key, key) == 0)
			return u;
	return NULL;
}

/* The online user id, added if it was offline. */
struct user *
user_online(struct server *srv, uint64_t id, const char *nick,
    const char *key)
{
	struct user	*u;
	size_t		 h;

	if ((u = user_by_id(srv, id)) != NULL)
		return u;
	if (srv->nusers >= srv->nbuckets)
		user_grow(srv);
	u = xcalloc(1, sizeof *u);
	u->id = id;
	u->nick = xstrdup(nick);
	u->key = xstrdup(key);
	h = user_id_hash(id) & (srv->nbuckets - 1);
	u->id_next = srv->by_id[h];
	srv->by_id[h] = u;
	h = user_key_hash(key) & (srv->nbuckets - 1);
	u->key_next = srv->by_key[h];
	srv->by_key[h] = u;
	u->onext = srv->online;
	if (srv->online != NULL)
		srv->online->oprev = u;
	srv->online = u;
	srv->nusers++;
	return u;
}

/* Take an offline user out of the tables and free it. */
void
user_gone(struct server *srv, struct user *u)
{
	struct user	**pp;

	for (pp = &srv->by_id[user_id_hash(u->id) & (srv->nbuckets - 1)];
	    *pp != u; pp = &(*pp)->id_next)
		;
	*pp = u->id_next;
	for (pp = &srv->by_key[user_key_hash(u->key) & (srv->nbuckets - 1)];
	    *pp != u; pp = &(*pp)->key_next)
		;
	*pp = u->key_next;
	if (u->oprev != NULL)
		u->oprev->onext = u->onext;
	else
		srv->online = u->onext;
	if (u->onext != NULL)
		u->onext->oprev = u->oprev;
	srv->nusers--;
	cursor_free(u->cur);		/* writes what moved */
	free(u->nick);
	free(u->key);
	free(u);
}

/* Note that u's cursor moved, to be written before the next commit. */
void
user_moved(struct server *srv, struct user *u)
{
	if (u->moved || u->cur == NULL || !cursor_dirty(u->cur))
		return;
	if (srv->nmoved == srv->movedcap) {
		srv->movedcap = srv->movedcap ? srv->movedcap * 2 : 64;
		srv->moved = xreallocarray(srv->moved, srv->movedcap,
		    sizeof *srv->moved);
	}
	srv->moved[srv->nmoved++] = u->id;
	u->moved = 1;
}

/* Cursors moved by marks join the transaction. */
void
user_flush_moved(struct server *srv)
{
	struct user	*u;
	size_t		 i;

	for (i = 0; i < srv->nmoved; i++) {
		if ((u = user_by_id(srv, srv->moved[i])) == NULL)
			continue;	/* written when it went */
		u->moved = 0;
		if (u->cur != NULL)
			cursor_flush(u->cur);
	}
	srv->nmoved = 0;
}

/* May the recipient of sid still need it (store_age())? */
int
user_needs(void *arg, uint64_t rcpt, uint64_t sid)
{
	struct user	*u = user_by_id(arg, rcpt);

	return u == NULL || u->cur == NULL || !cursor_done(u->cur, sid);
}

/* Send a notice now to every session of user u that is logged in. */
void
user_send(struct user *u, const uint8_t *wire, size_t len)
{
	struct client	*c;

	for (c = u->clients; c != NULL; c = c->unext)
		client_send(c, wire, len);
}

/* Find a user by key, online or in the store: 1, 0 unknown, -1 failure. */
int
user_find(struct server *srv, const char *key, struct store_user *su)
{
	struct user	*u = user_by_key(srv, key);
	size_t		 n;

	if (u != NULL) {
		/* On every SEND: no printf. */
		su->id = u->id;
		n = strlen(u->nick);
		if (n >= sizeof su->nick)
			n = sizeof su->nick - 1;
		memcpy(su->nick, u->nick, n);
		su->nick[n] = '\0';
		su->hash[0] = '\0';
		su->last_seen = su->delivered = 0;
		return 1;
	}
	return store_user_get(srv->st, key, su);
}
