/*
 * auth.h: accounts (auth.c): REGISTER, LOGIN and PASSWD, whose password
 * work runs on pwpool.c's threads, and logging a client in.  A request's
 * password job lives from its handler to auth_done(), holding a
 * reference to its client (c->refs) so that a client lost meanwhile is
 * not freed under it.
 */
#ifndef AUTH_H
#define AUTH_H

struct client;
struct command;
struct cp_msg;
struct pw_job;

/* REGISTER and LOGIN. */
void	auth_login(struct client *, const struct cp_msg *,
	    const struct command *);
/* PASSWD. */
void	auth_passwd(struct client *, const struct cp_msg *,
	    const struct command *);
/* DELETE_ACCOUNT: the password is checked, then everything of the
 * account goes and its name is held (nick_hold_days). */
void	auth_delete(struct client *, const struct cp_msg *,
	    const struct command *);
/* A pw_done_fn (arg: the server): a password job is back, in the loop. */
void	auth_done(struct pw_job *, void *arg);

#endif
