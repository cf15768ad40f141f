/*
 * net.c: the link to chatd, for now without one.
 *
 * lib/chatclient.c is not in the tree yet, so this stand-in keeps
 * chat-tui working offline: messages wait in the outbox (and in the
 * history, to be sent by a later run), requests say that there is no
 * connection.  It is replaced by the chatclient version when the library
 * lands; the interface (net.h) stays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "net.h"
#include "xmalloc.h"

struct net {
	struct app	*app;
};

/* A link that never connects. */
struct net *
net_new(struct ev_loop *loop, struct app *a, const char *server, char *err,
    size_t errlen)
{
	struct net	*n = xcalloc(1, sizeof *n);

	n->app = a;
	app_on_conn(a, MODEL_CONN_OFFLINE, "no chat client library in this "
	    "build", 0, 0);
	return n;
}

/* Free the link. */
void
net_free(struct net *n)
{
	free(n);
}

/* Logging in waits for the library. */
int
net_login(struct net *n, const char *nick, const char *password, int reg,
    char *err, size_t errlen)
{
	return 0;
}

/* No device tokens without the library. */
int
net_has_token(const char *nick)
{
	return 0;
}

/* Accept a message into the outbox; it stays there. */
int
net_send(struct net *n, uint64_t id, const char *nick, const char *text,
    size_t len, char *err, size_t errlen)
{
	return 0;
}

/* Nothing to tell anyone. */
void
net_mark_read(struct net *n, uint64_t sid)
{
}

/* Nothing to tell anyone. */
void
net_typing(struct net *n, const char *nick)
{
}

/* Nothing to tell anyone. */
void
net_away(struct net *n, int away)
{
}

/* Not connected. */
int
net_contacts(struct net *n, enum net_contacts_op op, const char *nick)
{
	return -1;
}

/* Not connected. */
int
net_who(struct net *n)
{
	return -1;
}

/* Not connected. */
int
net_passwd(struct net *n, const char *old, const char *new_password)
{
	return -1;
}
