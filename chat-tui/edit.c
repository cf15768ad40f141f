/* edit.c: the line editor; see edit.h. */
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "width.h"
#include "base/xmalloc.h"

/* Make room for n more bytes and the NUL. */
static void
edit_reserve(struct edit *e, size_t n)
{
	size_t	want = e->len + n + 1;

	if (want <= e->cap)
		return;
	if (e->cap == 0)
		e->cap = 64;
	while (e->cap < want)
		e->cap *= 2;
	e->buf = xreallocarray(e->buf, e->cap, 1);
}

/* Prepare an empty editor keeping hist_max lines of history. */
void
edit_init(struct edit *e, size_t hist_max)
{
	memset(e, 0, sizeof *e);
	e->hist_max = hist_max;
	edit_reserve(e, 0);
	e->buf[0] = '\0';
}

/* Release everything the editor owns. */
void
edit_free(struct edit *e)
{
	size_t	i;

	for (i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->hist);
	free(e->buf);
	free(e->kill);
	free(e->draft);
	memset(e, 0, sizeof *e);
}

/* Put raw bytes (already clean) at the cursor. */
static void
edit_put(struct edit *e, const char *s, size_t n)
{
	edit_reserve(e, n);
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, s, n);
	e->len += n;
	e->cur += n;
}

/* Remove bytes [from, to), keeping them for yank if keep. */
static void
edit_cut(struct edit *e, size_t from, size_t to, int keep)
{
	if (to <= from)
		return;
	if (keep) {
		free(e->kill);
		e->kill = xstrndup(e->buf + from, to - from);
	}
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	e->cur = from;
}

/* Replace the text; the cursor goes to the end. */
void
edit_set(struct edit *e, const char *s)
{
	e->len = 0;
	e->cur = 0;
	e->buf[0] = '\0';
	edit_insert(e, s, strlen(s));
}

/* Insert text, cleaned of what a message cannot hold. */
void
edit_insert(struct edit *e, const char *s, size_t n)
{
	size_t	i = 0, k;
	int32_t	cp;

	while (i < n) {
		if (s[i] == '\r') {
			edit_put(e, "\n", 1);
			i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
			continue;
		}
		if (s[i] == '\t') {
			edit_put(e, "    ", 4);
			i++;
			continue;
		}
		k = width_decode(s + i, n - i, &cp);
		if (cp == '\n' || (cp >= 0x20 && cp != 0x7f &&
		    !(cp >= 0x80 && cp < 0xa0)))
			edit_put(e, s + i, k);
		i += k;
	}
}

/* Move one cluster left. */
void
edit_left(struct edit *e)
{
	e->cur = width_prev(e->buf, e->len, e->cur);
}

/* Move one cluster right. */
void
edit_right(struct edit *e)
{
	int	w;

	if (e->cur < e->len)
		e->cur += width_cluster(e->buf + e->cur, e->len - e->cur, &w);
}

/* Is the byte at i white space (a word separator)? */
static int
edit_space(const struct edit *e, size_t i)
{
	return e->buf[i] == ' ' || e->buf[i] == '\n';
}

/* The start of the word before the cursor. */
static size_t
edit_word_start(const struct edit *e)
{
	size_t	i = e->cur;

	while (i > 0 && edit_space(e, i - 1))
		i--;
	while (i > 0 && !edit_space(e, i - 1))
		i--;
	return i;
}

/* The end of the word after the cursor. */
static size_t
edit_word_end(const struct edit *e)
{
	size_t	i = e->cur;

	while (i < e->len && edit_space(e, i))
		i++;
	while (i < e->len && !edit_space(e, i))
		i++;
	return i;
}

/* Move to the start of the previous word (Alt-B, Ctrl-Left). */
void
edit_word_left(struct edit *e)
{
	e->cur = edit_word_start(e);
}

/* Move past the end of the next word (Alt-F, Ctrl-Right). */
void
edit_word_right(struct edit *e)
{
	e->cur = edit_word_end(e);
}

/* The start of the line holding byte offset at. */
static size_t
edit_bol(const struct edit *e, size_t at)
{
	while (at > 0 && e->buf[at - 1] != '\n')
		at--;
	return at;
}

/* The end of the line holding byte offset at. */
static size_t
edit_eol(const struct edit *e, size_t at)
{
	while (at < e->len && e->buf[at] != '\n')
		at++;
	return at;
}

/* Move to the start of the line. */
void
edit_home(struct edit *e)
{
	e->cur = edit_bol(e, e->cur);
}

/* Move to the end of the line. */
void
edit_end(struct edit *e)
{
	e->cur = edit_eol(e, e->cur);
}

/* Delete the cluster before the cursor. */
void
edit_backspace(struct edit *e)
{
	size_t	to = e->cur;

	edit_cut(e, width_prev(e->buf, e->len, to), to, 0);
}

/* Delete the cluster under the cursor. */
void
edit_delete(struct edit *e)
{
	int	w;

	if (e->cur < e->len)
		edit_cut(e, e->cur, e->cur + width_cluster(e->buf + e->cur,
		    e->len - e->cur, &w), 0);
}

/* Delete the word before the cursor. */
void
edit_kill_word(struct edit *e)
{
	edit_cut(e, edit_word_start(e), e->cur, 1);
}

/* Delete the word after the cursor. */
void
edit_kill_word_forward(struct edit *e)
{
	edit_cut(e, e->cur, edit_word_end(e), 1);
}

/* Delete to the start of the line. */
void
edit_kill_start(struct edit *e)
{
	edit_cut(e, edit_bol(e, e->cur), e->cur, 1);
}

/* Delete to the end of the line. */
void
edit_kill_end(struct edit *e)
{
	edit_cut(e, e->cur, edit_eol(e, e->cur), 1);
}

/* Insert the last deleted text. */
void
edit_yank(struct edit *e)
{
	if (e->kill != NULL)
		edit_put(e, e->kill, strlen(e->kill));
}

/* Move to the same column of the line starting at bol (display columns). */
static void
edit_goto_col(struct edit *e, size_t bol, size_t col)
{
	size_t	eol = edit_eol(e, bol);

	e->cur = bol + width_fit(e->buf + bol, eol - bol, col, NULL);
}

/* Move up a line, or back in the history from the first line. */
void
edit_up(struct edit *e)
{
	size_t	bol = edit_bol(e, e->cur), col;

	if (bol == 0) {
		edit_history_prev(e);
		return;
	}
	col = width_str(e->buf + bol, e->cur - bol);
	edit_goto_col(e, edit_bol(e, bol - 1), col);
}

/* Move down a line, or forward in the history from the last line. */
void
edit_down(struct edit *e)
{
	size_t	bol = edit_bol(e, e->cur), eol = edit_eol(e, e->cur), col;

	if (eol == e->len) {
		edit_history_next(e);
		return;
	}
	col = width_str(e->buf + bol, e->cur - bol);
	edit_goto_col(e, eol + 1, col);
}

/* Show an older line of the history, keeping the draft. */
void
edit_history_prev(struct edit *e)
{
	if (e->hpos == 0)
		return;
	if (e->hpos == e->nhist) {
		free(e->draft);
		e->draft = xstrdup(e->buf);
	}
	e->hpos--;
	edit_set(e, e->hist[e->hpos]);
}

/* Show a newer line of the history, or the draft after the newest. */
void
edit_history_next(struct edit *e)
{
	if (e->hpos >= e->nhist)
		return;
	e->hpos++;
	if (e->hpos == e->nhist) {
		edit_set(e, e->draft != NULL ? e->draft : "");
		free(e->draft);
		e->draft = NULL;
	} else
		edit_set(e, e->hist[e->hpos]);
}

/* Record a sent line. */
void
edit_history_add(struct edit *e, const char *s)
{
	if (*s == '\0' || e->hist_max == 0)
		return;
	if (e->nhist > 0 && strcmp(e->hist[e->nhist - 1], s) == 0) {
		e->hpos = e->nhist;
		return;
	}
	if (e->nhist == e->hist_max) {
		free(e->hist[0]);
		memmove(e->hist, e->hist + 1, (e->nhist - 1) * sizeof *e->hist);
		e->nhist--;
	}
	e->hist = xreallocarray(e->hist, e->nhist + 1, sizeof *e->hist);
	e->hist[e->nhist++] = xstrdup(s);
	e->hpos = e->nhist;
}

/* Take the text out for sending. */
char *
edit_take(struct edit *e)
{
	char	*s = xstrdup(e->buf);

	edit_history_add(e, s);
	e->hpos = e->nhist;
	free(e->draft);
	e->draft = NULL;
	e->len = 0;
	e->cur = 0;
	e->buf[0] = '\0';
	return s;
}

/* Count the lines of the text. */
size_t
edit_lines(const struct edit *e)
{
	size_t	i, n = 1;

	for (i = 0; i < e->len; i++)
		if (e->buf[i] == '\n')
			n++;
	return n;
}

/* Lay out the text and place the cursor; see edit.h. */
size_t
edit_layout(const struct edit *e, size_t cols, struct width_line *rows,
    size_t max, size_t *crow, size_t *ccol)
{
	struct width_line	*all;
	size_t			 n, i;

	if (cols == 0)
		cols = 1;
	n = width_wrap(e->buf, e->len, cols, NULL, 0);
	all = xreallocarray(NULL, n, sizeof *all);
	width_wrap(e->buf, e->len, cols, all, n);
	*crow = n - 1;
	*ccol = all[n - 1].cols;
	for (i = 0; i < n; i++) {
		if (e->cur < all[i].off || e->cur > all[i].off + all[i].len)
			continue;
		if (e->cur == all[i].off + all[i].len && i + 1 < n &&
		    all[i + 1].off == e->cur)
			continue;	/* a soft wrap: the next row's start */
		*crow = i;
		*ccol = width_str(e->buf + all[i].off, e->cur - all[i].off);
		break;
	}
	if (*ccol >= cols) {
		/*
		 * At the end of a full row the next character starts a new
		 * one; before a newline there is no such row, so the cursor
		 * stays on the last column.
		 */
		if (*crow == n - 1) {
			(*crow)++;
			*ccol = 0;
		} else
			*ccol = cols - 1;
	}
	for (i = 0; i < n && i < max; i++)
		rows[i] = all[i];
	free(all);
	if (*crow < n)
		return n;
	/* The cursor's row is a new, empty one at the end of the text. */
	if (n < max) {
		rows[n].off = e->len;
		rows[n].len = 0;
		rows[n].cols = 0;
	}
	return n + 1;
}
