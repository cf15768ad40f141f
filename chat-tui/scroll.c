/* scroll.c: the scrollback model; see scroll.h. */
#include <string.h>

#include "scroll.h"

/* Start at the end, following it. */
void
scroll_init(struct scroll *s)
{
	memset(s, 0, sizeof *s);
	s->follow = 1;
}

/* Count messages that arrive while the reader is further up. */
void
scroll_appended(struct scroll *s, size_t counted)
{
	if (!s->follow)
		s->unseen += counted;
}

/* Keep the anchor on the same item when one comes in above it. */
void
scroll_inserted(struct scroll *s, size_t at)
{
	if (!s->follow && at <= s->item)
		s->item++;
}

/* Keep the anchor on the same item when items go from the start. */
void
scroll_dropped(struct scroll *s, size_t n)
{
	if (s->follow)
		return;
	if (s->item >= n)
		s->item -= n;
	else {
		s->item = 0;
		s->row = 0;
	}
}

/* Total rows of all items. */
static size_t
scroll_total(const size_t *h, size_t n)
{
	size_t	i, t = 0;

	for (i = 0; i < n; i++)
		t += h[i];
	return t;
}

/* The absolute row of a position. */
static size_t
scroll_abs(const size_t *h, size_t n, size_t item, size_t row)
{
	size_t	i, t = 0;

	for (i = 0; i < item && i < n; i++)
		t += h[i];
	if (item < n)
		t += row < h[item] ? row : (h[item] > 0 ? h[item] - 1 : 0);
	return t;
}

/* The position of an absolute row. */
static struct scroll_pos
scroll_at(const size_t *h, size_t n, size_t abs)
{
	struct scroll_pos	p = { 0, 0 };
	size_t			i;

	for (i = 0; i < n; i++) {
		if (abs < h[i]) {
			p.item = i;
			p.row = abs;
			return p;
		}
		abs -= h[i];
	}
	p.item = n;
	return p;
}

/* The highest top row: the one that shows the end at the bottom. */
static size_t
scroll_max_top(const size_t *h, size_t n, size_t height)
{
	size_t	t = scroll_total(h, n);

	return t > height ? t - height : 0;
}

/* Where the view starts. */
struct scroll_pos
scroll_top(const struct scroll *s, const size_t *h, size_t n, size_t height)
{
	size_t	top, max = scroll_max_top(h, n, height);

	if (s->follow)
		top = max;
	else {
		top = scroll_abs(h, n, s->item, s->row);
		if (top > max)
			top = max;
	}
	return scroll_at(h, n, top);
}

/* Anchor the view at an absolute row, or follow if that is the end. */
static void
scroll_set(struct scroll *s, const size_t *h, size_t n, size_t height,
    size_t top)
{
	struct scroll_pos	p;
	size_t			max = scroll_max_top(h, n, height);

	if (top >= max) {
		scroll_end(s);
		return;
	}
	p = scroll_at(h, n, top);
	s->follow = 0;
	s->item = p.item;
	s->row = p.row;
}

/* Scroll towards the start. */
void
scroll_up(struct scroll *s, const size_t *h, size_t n, size_t height,
    size_t rows)
{
	struct scroll_pos	p = scroll_top(s, h, n, height);
	size_t			top = scroll_abs(h, n, p.item, p.row);
	size_t			max = scroll_max_top(h, n, height);

	if (max == 0)
		return;		/* everything fits: nothing to scroll */
	top = top > rows ? top - rows : 0;
	s->follow = 0;
	p = scroll_at(h, n, top);
	s->item = p.item;
	s->row = p.row;
}

/* Scroll towards the end; reaching it resumes following. */
void
scroll_down(struct scroll *s, const size_t *h, size_t n, size_t height,
    size_t rows)
{
	struct scroll_pos	p;

	if (s->follow)
		return;
	p = scroll_top(s, h, n, height);
	scroll_set(s, h, n, height, scroll_abs(h, n, p.item, p.row) + rows);
}

/* Follow the end again; everything below has been seen. */
void
scroll_end(struct scroll *s)
{
	s->follow = 1;
	s->item = 0;
	s->row = 0;
	s->unseen = 0;
}

/* Go to the very first row. */
void
scroll_home(struct scroll *s, const size_t *h, size_t n, size_t height)
{
	scroll_set(s, h, n, height, 0);
}

/* The marker shows while anchored with something new below. */
int
scroll_marker(const struct scroll *s)
{
	return !s->follow && s->unseen > 0;
}
