/*
 * history.h: the archive (history.c).  The message store is the
 * archive: a delivered message stays history_days (store.h, schema 7),
 * and HISTORY reads a conversation back a page at a time, newest pages
 * first, each oldest first, at most limit messages and
 * CP_HISTORY_BYTES of them.  Each page is one walk of an index that
 * reads at most one row more than it returns.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>

struct client;
struct command;
struct cp_msg;
struct server;

#define HISTORY_LIMIT	100		/* messages per page, at most */

void	history_cmd(struct client *, const struct cp_msg *,
	    const struct command *);
/* Age delivered messages out, and cap each conversation (the expiry
 * timer). */
void	history_expire(struct server *, uint64_t now);

#endif
