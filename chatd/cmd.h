/*
 * cmd.h: the handlers of requests (cmd.c; accounts in auth.h) and the
 * row of the command table, which is server.c's.
 *
 * server.c decodes a request, looks its type up in the table and applies
 * the rules the row states (a login it needs, whether a refusal is
 * answered) before the handler runs, once.  A handler answers through
 * the out-queue (outq_reply(), outq_error()); it takes from its rate
 * class with cmd_limited(), at the point in its checks where it should.
 * The request and what it points into live for the call only.
 */
#ifndef CMD_H
#define CMD_H

#include <stdint.h>

#include "server.h"
#include "store.h"
#include "chat/chatproto.h"
#include "chat/nick.h"

struct client;
struct command;

/* The limits a request takes a token from: the session's token bucket
 * (chatd_conf's rate and burst) and, for two, the address's limiter. */
enum cmd_rate {
	RATE_NONE,
	RATE_LOGIN,		/* login_rate, login_burst; login_rl */
	RATE_MSG,		/* msg_rate, msg_burst; msg_rl */
	RATE_CONTACT,		/* contact_rate, contact_burst */
	RATE_TYPING,		/* typing_rate, typing_burst */
	RATE_LIST,		/* list_rate, list_burst */
	RATE_HISTORY,		/* history_rate, history_burst */
	RATE_GROUP,		/* group_msg_rate, group_msg_burst */
};

typedef void	 cmd_fn(struct client *, const struct cp_msg *,
		    const struct command *);

/* One row of the command table. */
struct command {
	cmd_fn		*fn;
	int		 login;		/* only once logged in */
	int		 answers;	/* a refusal is answered with ERROR */
	enum cmd_rate	 rate;
};

/*
 * The key of the account a request names (to log in, a recipient, a
 * contact): store_user_key(), never a new name's rules.  NICK_OK or the
 * error.
 */
static inline enum nick_err
cmd_nick(struct server *srv, const struct cp_str *s, char *key)
{
	return store_user_key(srv->st, (const char *)s->p, s->len, key);
}

int	cmd_limited(struct client *, const struct command *,
	    const struct cp_msg *);
/* The next server id (reserving a block ahead when needed); the caller
 * sets srv->next_sid past it once it is used. */
uint64_t cmd_sid_next(struct server *);
void	cmd_send(struct client *, const struct cp_msg *,
	    const struct command *);
void	cmd_mark(struct client *, const struct cp_msg *,
	    const struct command *);
void	cmd_contacts(struct client *, const struct cp_msg *,
	    const struct command *);
void	cmd_who(struct client *, const struct cp_msg *,
	    const struct command *);
void	cmd_typing(struct client *, const struct cp_msg *,
	    const struct command *);
void	cmd_away(struct client *, const struct cp_msg *,
	    const struct command *);
void	cmd_settings(struct client *, const struct cp_msg *,
	    const struct command *);

#endif
