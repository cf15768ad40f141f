/*
 * edit.h: the input line editor.
 *
 * A UTF-8 buffer with a cursor that always sits on a grapheme cluster
 * boundary, Emacs-style editing (as in readline: Ctrl-A/E, Ctrl-W, Ctrl-U,
 * Ctrl-K, Ctrl-Y), multi-line text (a newline is inserted, not sent), and
 * a history of sent lines that keeps the draft being typed.  It knows
 * nothing of keys or the screen: the caller maps keys to these calls and
 * asks edit_layout() where each row and the cursor go.
 */
#ifndef EDIT_H
#define EDIT_H

#include <stddef.h>

#include "width.h"

struct edit {
	char	*buf;		/* the text, NUL-terminated, owned */
	size_t	 len;
	size_t	 cap;
	size_t	 cur;		/* cursor, a byte offset on a cluster boundary */
	char	*kill;		/* the last deleted text, for edit_yank() */
	char	**hist;		/* sent lines, oldest first, owned */
	size_t	 nhist;
	size_t	 hist_max;
	size_t	 hpos;		/* == nhist while editing the draft */
	char	*draft;		/* the unsent text while browsing history */
};

void	edit_init(struct edit *, size_t hist_max);
void	edit_free(struct edit *);
/* Replace the text; the cursor goes to the end. */
void	edit_set(struct edit *, const char *);
/*
 * Insert text at the cursor: CR LF and CR become LF, a tab four spaces,
 * other control characters and invalid UTF-8 are dropped.
 */
void	edit_insert(struct edit *, const char *, size_t);
void	edit_left(struct edit *);
void	edit_right(struct edit *);
void	edit_word_left(struct edit *);
void	edit_word_right(struct edit *);
/* Start and end of the current line of a multi-line text. */
void	edit_home(struct edit *);
void	edit_end(struct edit *);
void	edit_backspace(struct edit *);
void	edit_delete(struct edit *);
/* Delete the word before the cursor (Ctrl-W). */
void	edit_kill_word(struct edit *);
/* Delete the word after the cursor (Alt-D). */
void	edit_kill_word_forward(struct edit *);
/* Delete from the start of the line to the cursor (Ctrl-U). */
void	edit_kill_start(struct edit *);
/* Delete from the cursor to the end of the line (Ctrl-K). */
void	edit_kill_end(struct edit *);
/* Insert the text deleted last (Ctrl-Y). */
void	edit_yank(struct edit *);
/*
 * Up and Down: move between the lines of a multi-line text, and past the
 * first or last line through the history.
 */
void	edit_up(struct edit *);
void	edit_down(struct edit *);
void	edit_history_prev(struct edit *);
void	edit_history_next(struct edit *);
/* Add a line to the history (not if empty or the same as the last). */
void	edit_history_add(struct edit *, const char *);
/* Take the text for sending: returns it (caller frees), clears the buffer, records it in the history. */
char	*edit_take(struct edit *);
/* Number of lines of the text (1 + newlines). */
size_t	edit_lines(const struct edit *);
/*
 * Lay the text out in rows of cols columns (width_wrap) and find the
 * cursor: *crow, *ccol is where the next character will go.  Returns the
 * number of rows needed, which counts a row for a cursor that has wrapped
 * past the last one.
 */
size_t	edit_layout(const struct edit *, size_t cols, struct width_line *rows,
	    size_t max, size_t *crow, size_t *ccol);

#endif
