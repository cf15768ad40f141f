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

#include <stddef.h>
#include <stdint.h>

#include "chat/chatproto.h"

struct client;
struct command;
struct cp_msg;
struct server;

#define HISTORY_LIMIT	100		/* messages per page, at most */

/*
 * A page being built, for 1:1 and group history alike: entries come
 * newest first and are encoded into buf as they come; the answer lists
 * them the other way round.  hpage_room() before each entry (it counts
 * the row; 0: the page is full, skip it), hpage_added() after encoding
 * it at hpage_at() in hpage_left() bytes (0 bytes: it did not fit).
 */
struct hpage {
	int		 limit;
	int		 n;		/* entries in buf */
	int		 rows;		/* rows read */
	int		 full;		/* one did not fit, or was past limit */
	size_t		 len;
	size_t		 off[HISTORY_LIMIT];
	uint8_t		 buf[CP_HISTORY_BYTES];
	uint8_t		 out[CP_HISTORY_BYTES];
};
void	 hpage_init(struct hpage *, unsigned int limit);
int	 hpage_room(struct hpage *);
static inline uint8_t *
hpage_at(struct hpage *p)
{
	return p->buf + p->len;
}
static inline size_t
hpage_left(const struct hpage *p)
{
	return sizeof p->buf - p->len;
}
void	 hpage_added(struct hpage *, size_t n);
/* Answer request m with the page as type (HISTORY_PAGE, GHISTORY_PAGE). */
void	 hpage_reply(struct client *, const struct cp_msg *m, struct hpage *,
	    uint8_t type);

void	history_cmd(struct client *, const struct cp_msg *,
	    const struct command *);
/* Age delivered messages out, and cap each conversation (the expiry
 * timer). */
void	history_expire(struct server *, uint64_t now);

#endif
