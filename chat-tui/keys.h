/*
 * keys.h: the terminal's input bytes as keys.
 *
 * chat-tui reads the terminal itself rather than through curses so that
 * it sees bracketed paste (a pasted block arrives as one KEYS_PASTE, not
 * as keystrokes that would send it line by line), Alt as an Escape
 * prefix, and xterm's modified keys, the same way in every terminal.
 * Feed bytes as they come; a lone Escape is only known to be one once
 * no more bytes follow, so the caller calls keys_timeout() after a short
 * wait whenever keys_pending() says a sequence is incomplete.
 */
#ifndef KEYS_H
#define KEYS_H

#include <stddef.h>
#include <stdint.h>

/* Keys that are not characters; characters are their code point. */
enum {
	KEYS_NONE = 0x110000,
	KEYS_ENTER,
	KEYS_TAB,
	KEYS_BACKSPACE,
	KEYS_ESC,
	KEYS_UP,
	KEYS_DOWN,
	KEYS_LEFT,
	KEYS_RIGHT,
	KEYS_HOME,
	KEYS_END,
	KEYS_INSERT,
	KEYS_DELETE,
	KEYS_PGUP,
	KEYS_PGDN,
	KEYS_F1,	/* F1..F12 follow in order */
	KEYS_F12 = KEYS_F1 + 11,
	KEYS_PASTE,	/* text in paste, plen */
};

/* Modifiers. */
#define KEYS_SHIFT	0x1
#define KEYS_ALT	0x2
#define KEYS_CTRL	0x4

#define KEYS_PASTE_MAX	(1024 * 1024)

struct keys_event {
	int32_t		 key;	/* a code point or KEYS_* */
	int		 mods;
	char		 text[8];	/* the UTF-8 of a character key */
	const char	*paste;		/* KEYS_PASTE: valid during the callback */
	size_t		 plen;
	int		 truncated;	/* the paste was longer than KEYS_PASTE_MAX */
};

typedef void (*keys_cb)(const struct keys_event *, void *);

struct keys {
	unsigned char	 pend[32];	/* an incomplete sequence */
	size_t		 npend;
	int		 in_paste;
	char		*paste;
	size_t		 plen;
	size_t		 pcap;
	int		 truncated;
};

void	keys_init(struct keys *);
void	keys_free(struct keys *);
/* Decode bytes, calling cb for each key. */
void	keys_feed(struct keys *, const char *, size_t, keys_cb, void *);
/* Is an incomplete sequence waiting for more bytes? */
int	keys_pending(const struct keys *);
/* No more bytes came: what is pending is keys as it stands (a lone Escape). */
void	keys_timeout(struct keys *, keys_cb, void *);
/*
 * Parse a binding name as the config file writes it: "C-n", "M-a",
 * "M-Enter", "PageUp", "F2", "Tab", a single character.  0 or -1.
 */
int	keys_parse(const char *, int32_t *key, int *mods);
/* Write a key's name, the inverse of keys_parse(). */
void	keys_name(int32_t key, int mods, char *buf, size_t len);

#endif
