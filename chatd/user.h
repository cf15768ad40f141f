/*
 * user.h: the registry of online users (user.c).
 *
 * A user is an account that is online, with all its sessions: it is made
 * by user_online() when its first client logs in and freed by user_gone()
 * when its last one goes, so a struct user is valid while one of its
 * clients is logged in.  The registry owns the users, their hash tables
 * by id and by key, the list of everyone online, each user's cursor
 * (cursor.c) and the list of users whose cursors moved since the flush.
 */
#ifndef USER_H
#define USER_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct store_user;

struct user {
	uint64_t	 id;
	char		*nick;		/* NFC */
	char		*key;		/* case-folded */
	int		 away;
	int		 settings;	/* STORE_SET_*, read at its first login */
	int		 moved;		/* on the list of cursors to write */
	struct cursor	*cur;		/* NULL until a message is sent to it */
	struct client	*clients;
	struct user	*id_next, *key_next;	/* hash chains */
	struct user	*onext, *oprev;		/* everyone online */
};

/* The bucket of id in the table by id (before the mask). */
static inline size_t
user_id_hash(uint64_t id)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ULL >> 17);
}

/* The online user id, or NULL. */
static inline struct user *
user_by_id(struct server *srv, uint64_t id)
{
	struct user	*u;

	for (u = srv->by_id[user_id_hash(id) & (srv->nbuckets - 1)];
	    u != NULL; u = u->id_next)
		if (u->id == id)
			return u;
	return NULL;
}

/* The cursor of online user u, made at its first message. */
static inline struct cursor *
user_cursor(struct server *srv, struct user *u)
{
	if (u->cur == NULL)
		u->cur = cursor_new(srv->st, u->id);
	return u->cur;
}

/* Empty tables, and their end (after every user is gone). */
void		 user_init(struct server *);
void		 user_fini(struct server *);
/* The online user with case-folded nick key, or NULL. */
struct user	*user_by_key(struct server *, const char *key);
struct user	*user_online(struct server *, uint64_t id, const char *nick,
		    const char *key);
void		 user_gone(struct server *, struct user *);
void		 user_moved(struct server *, struct user *);
/* Write the cursors that moved: they join the open transaction. */
void		 user_flush_moved(struct server *);
/* May the recipient of sid still need it?  A store_need_fn; arg: srv. */
int		 user_needs(void *arg, uint64_t rcpt, uint64_t sid);
void		 user_send(struct user *, const uint8_t *wire, size_t len);
int		 user_find(struct server *, const char *key,
		    struct store_user *);

#endif
