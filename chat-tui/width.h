/*
 * width.h: display widths of UTF-8 text, by grapheme cluster.
 *
 * Everything that puts text on the screen (the contact list, the
 * conversation, the input line) measures it here, so the three agree on
 * where each character lands.  Clusters and widths come from utf8proc
 * (UAX #29 boundaries, East Asian Width and emoji presentation); an
 * emoji ZWJ sequence, a flag or a character with VS16 is one cluster two
 * columns wide.  Invalid UTF-8 is one column per bad byte, never an error.
 */
#ifndef WIDTH_H
#define WIDTH_H

#include <stddef.h>
#include <stdint.h>

/* One row of wrapped text: bytes [off, off + len) taking cols columns. */
struct width_line {
	size_t	off;
	size_t	len;
	size_t	cols;
};

/* Decode the code point at s (len > 0); returns its byte length, *cp = -1 if invalid. */
size_t	width_decode(const char *s, size_t len, int32_t *cp);
/* The byte length of the grapheme cluster at s (len > 0); *cols its width (0-2). */
size_t	width_cluster(const char *s, size_t len, int *cols);
/* The display width of s[0..len); a newline counts 0. */
size_t	width_str(const char *s, size_t len);
/* How many bytes of s fit in cols columns without splitting a cluster; *used their width. */
size_t	width_fit(const char *s, size_t len, size_t cols, size_t *used);
/* The start of the cluster before byte offset off (0 if none). */
size_t	width_prev(const char *s, size_t len, size_t off);
/*
 * Wrap s into rows of at most cols columns (cols >= 1): a newline always
 * breaks, a long line breaks after the last space that fits, or between
 * clusters when a word is wider than the row.  Fills up to max rows and
 * returns how many there are in all (at least 1, even for "").
 */
size_t	width_wrap(const char *s, size_t len, size_t cols,
	    struct width_line *rows, size_t max);
/* Is this cluster printable as it is?  Control characters and invalid bytes are not. */
int	width_printable(const char *s, size_t len);

#endif
