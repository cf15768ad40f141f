/*
 * scroll.h: the scrollback model of a conversation view.
 *
 * The view shows a window of height rows over items (messages, day
 * separators) whose heights in rows the caller computes for the current
 * width.  Either it follows the end (new items scroll into view) or it
 * is anchored to the row at its top, given as an item and a row within
 * it, so that new items, a resize and a rewrap never move what is being
 * read.  Items that arrive below while anchored are counted for the "new
 * messages below" marker.  Pure arithmetic: no screen, no messages.
 */
#ifndef SCROLL_H
#define SCROLL_H

#include <stddef.h>

struct scroll {
	int	follow;		/* pinned to the end */
	size_t	item;		/* when anchored: the item at the top */
	size_t	row;		/* and the row within it */
	size_t	unseen;		/* items added below while anchored */
};

/* The first row to draw: item index and row within it. */
struct scroll_pos {
	size_t	item;
	size_t	row;
};

void	scroll_init(struct scroll *);
/* Items were appended at the end (n of them, of which `counted` are messages). */
void	scroll_appended(struct scroll *, size_t counted);
/* An item was inserted at index at, above the end (older history). */
void	scroll_inserted(struct scroll *, size_t at);
/* Items were removed from the start (history trimmed). */
void	scroll_dropped(struct scroll *, size_t n);
/* Where the view starts, for items of heights h[0..n) in a window of height rows. */
struct scroll_pos scroll_top(const struct scroll *, const size_t *h, size_t n,
	    size_t height);
/* Move the view up or down by rows (a page is height - 1). */
void	scroll_up(struct scroll *, const size_t *h, size_t n, size_t height,
	    size_t rows);
void	scroll_down(struct scroll *, const size_t *h, size_t n, size_t height,
	    size_t rows);
/* Jump to the end and follow it. */
void	scroll_end(struct scroll *);
/* Jump to the start. */
void	scroll_home(struct scroll *, const size_t *h, size_t n, size_t height);
/* Is the "new messages below" marker due? */
int	scroll_marker(const struct scroll *);

#endif
