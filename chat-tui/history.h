/*
 * history.h: conversations kept on disk.
 *
 * One append-only file per peer under
 * $XDG_DATA_HOME/chat-tui/SELF/PEER.log (~/.local/share without
 * XDG_DATA_HOME), so a restart shows the recent past and messages that
 * were still in the outbox are sent again with their ids.  Lines are
 * tab-separated records: "N nick" names the peer, "M id time dir state
 * text" is a message (the text with \\, \t and \n escaped) and "S id dir
 * state" a later change of its state.  A line that does not parse is
 * skipped, so a file cut short by a crash loses at most that line.
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
/* Append a change of a message's state. */
void	history_state(struct history *, const struct model_conv *,
	    const struct model_msg *);

#endif
