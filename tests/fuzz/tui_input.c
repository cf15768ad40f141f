/*
 * Fuzz target for chat-tui's input path: any bytes from the terminal go
 * through keys.c into the line editor (edit.c), which is laid out at a
 * few widths (width.c).  The cursor always stays inside the text and
 * between code points, the text stays valid UTF-8 free of control
 * characters other than newline, clusters tile it exactly, and no row is
 * ever wider than the screen (but for one wide cluster on a 1-column one).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "chat-tui/edit.h"
#include "chat-tui/keys.h"
#include "chat-tui/width.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Apply a key to the editor the way the input line does. */
static void
fuzz_key(const struct keys_event *ev, void *arg)
{
	struct edit	*e = arg;

	switch (ev->key) {
	case KEYS_PASTE:	edit_insert(e, ev->paste, ev->plen); break;
	case KEYS_LEFT:		edit_left(e); break;
	case KEYS_RIGHT:	edit_right(e); break;
	case KEYS_HOME:		edit_home(e); break;
	case KEYS_END:		edit_end(e); break;
	case KEYS_UP:		edit_up(e); break;
	case KEYS_DOWN:		edit_down(e); break;
	case KEYS_BACKSPACE:	edit_backspace(e); break;
	case KEYS_DELETE:	edit_delete(e); break;
	case KEYS_TAB:		edit_word_left(e); break;
	case KEYS_ESC:		edit_word_right(e); break;
	case KEYS_PGUP:		edit_kill_word(e); break;
	case KEYS_PGDN:		edit_kill_word_forward(e); break;
	case KEYS_INSERT:	edit_yank(e); break;
	case KEYS_F1:		edit_kill_start(e); break;
	case KEYS_F1 + 1:	edit_kill_end(e); break;
	case KEYS_ENTER:
		if (ev->mods & KEYS_ALT)
			edit_insert(e, "\n", 1);
		else
			free(edit_take(e));
		break;
	default:
		if (ev->key < KEYS_NONE)
			edit_insert(e, ev->text, strlen(ev->text));
		break;
	}
}

/* Check the editor's invariants at one width. */
static void
fuzz_check(const struct edit *e, size_t cols)
{
	struct width_line	rows[64];
	size_t			n, i, crow, ccol, off;
	int			w;

	if (e->cur > e->len || e->buf[e->len] != '\0')
		abort();
	if (utf8proc_decompose((const utf8proc_uint8_t *)e->buf,
	    (utf8proc_ssize_t)e->len, NULL, 0, 0) < 0)
		abort();
	for (i = 0; i < e->len; i++)
		if ((unsigned char)e->buf[i] < 0x20 && e->buf[i] != '\n')
			abort();
	/*
	 * The cursor is never inside a code point.  (It can be inside a
	 * cluster: text typed before a combining mark joins with it.)
	 */
	if (e->cur < e->len && ((unsigned char)e->buf[e->cur] & 0xc0) == 0x80)
		abort();
	for (off = 0; off < e->len; )
		off += width_cluster(e->buf + off, e->len - off, &w);
	if (off != e->len)
		abort();
	n = edit_layout(e, cols, rows, 64, &crow, &ccol);
	if (crow >= n || ccol >= cols)
		abort();
	for (i = 0; i < n && i < 64; i++)
		if (rows[i].cols > cols && rows[i].len > 0 &&
		    width_str(e->buf + rows[i].off, rows[i].len) > 2)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keys	k;
	struct edit	e;
	size_t		half = size / 2;

	keys_init(&k);
	edit_init(&e, 4);
	/* In two reads, so sequences split across them too. */
	keys_feed(&k, (const char *)data, half, fuzz_key, &e);
	keys_feed(&k, (const char *)data + half, size - half, fuzz_key, &e);
	keys_timeout(&k, fuzz_key, &e);
	fuzz_check(&e, 1);
	fuzz_check(&e, 7);
	fuzz_check(&e, 80);
	keys_free(&k);
	edit_free(&e);
	return 0;
}
