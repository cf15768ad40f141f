/*
 * history.h: conversations kept on disk.
 *
 * One append-only file per peer under
 * $XDG_DATA_HOME/chat-tui/SELF/PEER.log (~/.local/share without
 * XDG_DATA_HOME), so a restart shows the recent past and messages that
 * were still in the outbox are sent again with their ids.  Lines are
 * tab-separated records: "N nick" names the peer, "M id time dir state
 * text" is a message (the text with \\, \t and \n escaped), "S id dir
 * state" a later change of its state and "I id o sid time" the server's
 * id and time of a sent message (so that the server's history, which
 * names it, is merged without a duplicate, in the server's order).
 * A group's file is named by its key with the # escaped (%23team.log)
 * and its messages are "G id time dir state from event text" records:
 * who wrote each, and the event (CPGE_*, 0 a message) it is.
 * Ids are hexadecimal.  A line that does not parse is skipped, so a
 * file cut short by a crash loses at most that line, and an older
 * chat-tui skips the records it does not know.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <limits.h>
#include <stddef.h>

#include "model.h"

struct history {
	char	dir[PATH_MAX];	/* empty: history off */
};

/* The folder for self's conversations, made if missing; 0 or -1 with err. */
int	history_open(struct history *, const char *self, char *err, size_t);
/* Read every conversation into the model; returns how many were read. */
size_t	history_load(struct history *, struct model *);
/* Append a new message. */
void	history_msg(struct history *, const struct model_conv *,
	    const struct model_msg *);
/* Append the server's id of a sent message, once known. */
void	history_sid(struct history *, const struct model_conv *,
	    const struct model_msg *);
/* Append a change of a message's state. */
void	history_state(struct history *, const struct model_conv *,
	    const struct model_msg *);

/* Delete a conversation's file (a group left, its history not kept). */
void	history_forget(struct history *, const struct model_conv *);

#endif
