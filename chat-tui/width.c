/* width.c: grapheme clusters and display widths with utf8proc. */
#include <string.h>

#include <utf8proc.h>

#include "width.h"

#define WIDTH_VS16	0xFE0F
#define WIDTH_RI_FIRST	0x1F1E6
#define WIDTH_RI_LAST	0x1F1FF

/* Decode one code point; an invalid or truncated sequence is one bad byte. */
size_t
width_decode(const char *s, size_t len, int32_t *cp)
{
	utf8proc_int32_t	c;
	utf8proc_ssize_t	n;

	n = utf8proc_iterate((const utf8proc_uint8_t *)s,
	    len > 4 ? 4 : (utf8proc_ssize_t)len, &c);
	if (n <= 0) {
		*cp = -1;
		return 1;
	}
	*cp = c;
	return (size_t)n;
}

/*
 * Is cp a code point shown as a control picture rather than itself?  C0
 * and C1 controls, surrogates and unassigned code points, and the
 * bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069): a terminal that does bidi would let a message reorder
 * what is drawn after it, so they are never sent to the terminal raw.
 */
static int
width_is_control(int32_t cp)
{
	utf8proc_category_t	cat;

	if (cp < 0 || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 1;
	cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CS ||
	    cat == UTF8PROC_CATEGORY_CN;
}

/* Find the cluster at s and its width. */
size_t
width_cluster(const char *s, size_t len, int *cols)
{
	utf8proc_int32_t	state = 0;
	int32_t			first, prev, cp;
	size_t			off, n;
	int			w, vs16 = 0, ri = 0;

	if (len == 0) {
		*cols = 0;
		return 0;
	}
	off = width_decode(s, len, &first);
	if (first == '\n') {
		*cols = 0;
		return off;
	}
	if (width_is_control(first)) {
		/* One column for a replacement mark, never a cluster. */
		*cols = 1;
		return off;
	}
	if (first >= WIDTH_RI_FIRST && first <= WIDTH_RI_LAST)
		ri = 1;
	prev = first;
	while (off < len) {
		n = width_decode(s + off, len - off, &cp);
		if (cp < 0 || cp == '\n' ||
		    utf8proc_grapheme_break_stateful(prev, cp, &state))
			break;
		if (cp == WIDTH_VS16)
			vs16 = 1;
		if (cp >= WIDTH_RI_FIRST && cp <= WIDTH_RI_LAST)
			ri++;
		prev = cp;
		off += n;
	}
	w = utf8proc_charwidth(first);
	if (w == 0)
		w = 1;		/* a lone combining mark still takes a cell */
	if (vs16 || ri == 2)
		w = 2;		/* emoji presentation; a flag */
	if (w > 2)
		w = 2;
	*cols = w;
	return off;
}

/* Is the cluster s[0..len) drawn as it is (not as a replacement)? */
int
width_printable(const char *s, size_t len)
{
	int32_t	cp;

	if (len == 0)
		return 0;
	width_decode(s, len, &cp);
	return !width_is_control(cp);
}

/* Sum the widths of the clusters of s. */
size_t
width_str(const char *s, size_t len)
{
	size_t	off = 0, total = 0;
	int	w;

	while (off < len) {
		off += width_cluster(s + off, len - off, &w);
		total += (size_t)w;
	}
	return total;
}

/* Take whole clusters while they fit in cols. */
size_t
width_fit(const char *s, size_t len, size_t cols, size_t *used)
{
	size_t	off = 0, n, total = 0;
	int	w;

	while (off < len) {
		n = width_cluster(s + off, len - off, &w);
		if (s[off] == '\n' || total + (size_t)w > cols)
			break;
		total += (size_t)w;
		off += n;
	}
	if (used != NULL)
		*used = total;
	return off;
}

/*
 * Walk clusters from the start of the line holding off: clusters depend
 * on what precedes them, so walking backwards would need the same rules
 * in reverse.  Lines are short enough for this to be cheap.
 */
size_t
width_prev(const char *s, size_t len, size_t off)
{
	size_t	line = off, pos, last = 0, n;
	int	w;

	if (off == 0)
		return 0;
	if (off > len)
		off = len;
	line = off;
	while (line > 0 && s[line - 1] != '\n')
		line--;
	if (line == off)
		return off - 1;		/* just after a newline: step over it */
	pos = last = line;
	while (pos < off) {
		last = pos;
		n = width_cluster(s + pos, len - pos, &w);
		pos += n;
	}
	return last;
}

/* Record one row if there is room for it. */
static void
width_row(struct width_line *rows, size_t max, size_t i, size_t off,
    size_t len, size_t cols)
{
	if (i < max) {
		rows[i].off = off;
		rows[i].len = len;
		rows[i].cols = cols;
	}
}

/* Break text into rows; see width.h. */
size_t
width_wrap(const char *s, size_t len, size_t cols,
    struct width_line *rows, size_t max)
{
	size_t	nrows = 0, start = 0, off, used, n, brk, brkcols;
	int	w;

	if (cols == 0)
		cols = 1;
	for (;;) {
		off = start;
		used = 0;
		brk = 0;
		brkcols = 0;
		while (off < len && s[off] != '\n') {
			n = width_cluster(s + off, len - off, &w);
			if (used + (size_t)w > cols)
				break;
			used += (size_t)w;
			off += n;
			if (s[off - 1] == ' ') {
				brk = off;
				brkcols = used;
			}
		}
		if (off >= len || s[off] == '\n') {
			width_row(rows, max, nrows++, start, off - start, used);
			if (off >= len)
				break;
			start = off + 1;	/* a newline ends the row */
			continue;
		}
		/* The row is full: break after the last space if there was one. */
		if (brk > start) {
			off = brk;
			used = brkcols;
		} else if (off == start) {
			/* Narrower than one cluster: take it anyway. */
			off += width_cluster(s + off, len - off, &w);
			used = (size_t)w;
		}
		width_row(rows, max, nrows++, start, off - start, used);
		start = off;
		if (start >= len)
			break;
	}
	return nrows;
}
