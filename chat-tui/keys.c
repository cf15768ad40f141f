/* keys.c: decoding terminal input into keys; see keys.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"
#include "width.h"
#include "base/xmalloc.h"

static const char	 keys_paste_end[] = "\033[201~";

/* Names of the special keys, for the config file and the help. */
static const struct {
	const char	*name;
	int32_t		 key;
} keys_names[] = {
	{ "Enter", KEYS_ENTER }, { "Tab", KEYS_TAB },
	{ "Backspace", KEYS_BACKSPACE }, { "Escape", KEYS_ESC },
	{ "Up", KEYS_UP }, { "Down", KEYS_DOWN }, { "Left", KEYS_LEFT },
	{ "Right", KEYS_RIGHT }, { "Home", KEYS_HOME }, { "End", KEYS_END },
	{ "Insert", KEYS_INSERT }, { "Delete", KEYS_DELETE },
	{ "PageUp", KEYS_PGUP }, { "PageDown", KEYS_PGDN },
	{ "Space", ' ' },
};

/* Start with nothing pending. */
void
keys_init(struct keys *k)
{
	memset(k, 0, sizeof *k);
}

/* Release the paste buffer. */
void
keys_free(struct keys *k)
{
	free(k->paste);
	memset(k, 0, sizeof *k);
}

/* Is a sequence incomplete? */
int
keys_pending(const struct keys *k)
{
	return k->npend > 0 && !k->in_paste;
}

/* A character key, with its UTF-8. */
static void
keys_char(struct keys_event *ev, const unsigned char *s, size_t n,
    int32_t cp)
{
	ev->key = cp;
	if (n >= sizeof ev->text)
		n = sizeof ev->text - 1;
	memcpy(ev->text, s, n);
	ev->text[n] = '\0';
}

/* The key for a single byte that is not part of a sequence. */
static void
keys_byte(struct keys_event *ev, unsigned char c)
{
	switch (c) {
	case '\r':
	case '\n':
		ev->key = KEYS_ENTER;
		break;
	case '\t':
		ev->key = KEYS_TAB;
		break;
	case 0x7f:
	case 0x08:
		ev->key = KEYS_BACKSPACE;
		break;
	case 0x1b:
		ev->key = KEYS_ESC;
		break;
	case 0:
		ev->key = ' ';
		ev->mods |= KEYS_CTRL;
		break;
	default:
		if (c < 0x20) {
			ev->key = 'a' + c - 1;
			ev->mods |= KEYS_CTRL;
		} else
			keys_char(ev, &c, 1, c);
		break;
	}
}

/* The key of a "CSI n ~" sequence. */
static int32_t
keys_tilde(long n)
{
	switch (n) {
	case 1: case 7:	return KEYS_HOME;
	case 4: case 8:	return KEYS_END;
	case 2:		return KEYS_INSERT;
	case 3:		return KEYS_DELETE;
	case 5:		return KEYS_PGUP;
	case 6:		return KEYS_PGDN;
	case 11: case 12: case 13: case 14: case 15:
		return KEYS_F1 + (int32_t)(n - 11);
	case 17: case 18: case 19: case 20: case 21:
		return KEYS_F1 + 5 + (int32_t)(n - 17);
	case 23: case 24:
		return KEYS_F1 + 10 + (int32_t)(n - 23);
	}
	return KEYS_NONE;
}

/* The key of a final letter of CSI or SS3. */
static int32_t
keys_letter(unsigned char c)
{
	switch (c) {
	case 'A':	return KEYS_UP;
	case 'B':	return KEYS_DOWN;
	case 'C':	return KEYS_RIGHT;
	case 'D':	return KEYS_LEFT;
	case 'H':	return KEYS_HOME;
	case 'F':	return KEYS_END;
	case 'P': case 'Q': case 'R': case 'S':
		return KEYS_F1 + (c - 'P');
	}
	return KEYS_NONE;
}

/*
 * Decode one key from s[0..n) (n > 0).  Returns the bytes it takes, or 0
 * if the bytes so far could still grow into a longer sequence.  A key
 * that means nothing here comes back as KEYS_NONE.
 */
static size_t
keys_one(const unsigned char *s, size_t n, struct keys_event *ev)
{
	long	p[4] = { 0, 0, 0, 0 };
	size_t	i, np = 0, used;
	int32_t	cp;

	memset(ev, 0, sizeof *ev);
	ev->key = KEYS_NONE;
	if (s[0] >= 0x80) {
		used = width_decode((const char *)s, n, &cp);
		if (cp < 0) {
			/* Incomplete, or a bad byte to skip. */
			if (n < 4 && (s[0] & 0xc0) == 0xc0) {
				for (i = 1; i < n; i++)
					if ((s[i] & 0xc0) != 0x80)
						return 1;
				return 0;
			}
			return 1;
		}
		keys_char(ev, s, used, cp);
		return used;
	}
	if (s[0] != 0x1b) {
		keys_byte(ev, s[0]);
		return 1;
	}
	if (n == 1)
		return 0;
	if (s[1] == '[' || s[1] == 'O') {
		for (i = 2; i < n; i++) {
			if (s[i] >= '0' && s[i] <= '9') {
				if (p[np] < 100000)
					p[np] = p[np] * 10 + (s[i] - '0');
			} else if (s[i] == ';') {
				if (np < 3)
					np++;
			} else if (s[i] >= 0x40 && s[i] <= 0x7e)
				break;
			else
				return i + 1;	/* not a key sequence */
		}
		if (i == n)
			return n >= 24 ? n : 0;
		if (s[i] == '~')
			ev->key = keys_tilde(p[0]);
		else if (s[i] == 'Z') {
			ev->key = KEYS_TAB;
			ev->mods |= KEYS_SHIFT;
		} else
			ev->key = keys_letter(s[i]);
		if (np >= 1 && p[1] >= 2)
			ev->mods |= (int)((p[1] - 1) & 7);
		if (s[1] == '[' && s[i] == '~' && p[0] == 200)
			ev->key = KEYS_PASTE;
		return i + 1;
	}
	/* Escape and a key: Alt and that key. */
	used = keys_one(s + 1, n - 1, ev);
	if (used == 0)
		return 0;
	ev->mods |= KEYS_ALT;
	return used + 1;
}

/* Add bytes to the paste under way, up to the limit. */
static void
keys_paste_add(struct keys *k, const char *s, size_t n)
{
	if (k->plen + n > KEYS_PASTE_MAX) {
		k->truncated = 1;
		n = KEYS_PASTE_MAX - k->plen;
	}
	if (k->plen + n + 1 > k->pcap) {
		k->pcap = k->pcap ? k->pcap : 256;
		while (k->pcap < k->plen + n + 1)
			k->pcap *= 2;
		k->paste = xreallocarray(k->paste, k->pcap, 1);
	}
	memcpy(k->paste + k->plen, s, n);
	k->plen += n;
	k->paste[k->plen] = '\0';
}

/*
 * Take pasted bytes until the end marker; returns how many of s were
 * used.  The marker may straddle two reads, so up to its length minus
 * one bytes of a possible start of it wait in pend.
 */
static size_t
keys_paste_feed(struct keys *k, const char *s, size_t n, keys_cb cb,
    void *arg)
{
	struct keys_event	 ev;
	size_t			 mlen = sizeof keys_paste_end - 1, i, j, m;

	for (i = 0; i < n; i++) {
		if (k->npend < mlen && s[i] == keys_paste_end[k->npend]) {
			k->pend[k->npend++] = (unsigned char)s[i];
			if (k->npend < mlen)
				continue;
			k->npend = 0;
			k->in_paste = 0;
			memset(&ev, 0, sizeof ev);
			ev.key = KEYS_PASTE;
			ev.paste = k->paste != NULL ? k->paste : "";
			ev.plen = k->plen;
			ev.truncated = k->truncated;
			cb(&ev, arg);
			k->plen = 0;
			k->truncated = 0;
			return i + 1;
		}
		if (k->npend > 0) {
			/* A false start: the held bytes were text after all. */
			m = k->npend;
			k->npend = 0;
			keys_paste_add(k, (const char *)k->pend, 1);
			for (j = 1; j < m; j++)
				keys_paste_feed(k, (const char *)k->pend + j, 1,
				    cb, arg);
			i--;
			continue;
		}
		keys_paste_add(k, s + i, 1);
	}
	return n;
}

/* Decode what is pending; at the end of input only if final. */
static void
keys_drain(struct keys *k, keys_cb cb, void *arg, int final)
{
	struct keys_event	ev;
	size_t			used;

	while (k->npend > 0 && !k->in_paste) {
		used = keys_one(k->pend, k->npend, &ev);
		if (used == 0) {
			if (!final)
				return;
			/* Time is up: the first byte is a key on its own. */
			memset(&ev, 0, sizeof ev);
			keys_byte(&ev, k->pend[0]);
			if (k->pend[0] >= 0x80)
				ev.key = KEYS_NONE;
			used = 1;
		}
		memmove(k->pend, k->pend + used, k->npend - used);
		k->npend -= used;
		if (ev.key == KEYS_PASTE) {
			k->in_paste = 1;
			k->plen = 0;
			k->truncated = 0;
			if (k->npend > 0) {
				unsigned char	rest[sizeof k->pend];
				size_t		nrest = k->npend;

				memcpy(rest, k->pend, nrest);
				k->npend = 0;
				keys_paste_feed(k, (const char *)rest, nrest,
				    cb, arg);
			}
			continue;
		}
		if (ev.key != KEYS_NONE)
			cb(&ev, arg);
	}
}

/* Decode bytes as they arrive. */
void
keys_feed(struct keys *k, const char *s, size_t n, keys_cb cb, void *arg)
{
	size_t	used, room;

	while (n > 0) {
		if (k->in_paste) {
			used = keys_paste_feed(k, s, n, cb, arg);
			s += used;
			n -= used;
			continue;
		}
		room = sizeof k->pend - k->npend;
		used = n < room ? n : room;
		memcpy(k->pend + k->npend, s, used);
		k->npend += used;
		s += used;
		n -= used;
		keys_drain(k, cb, arg, 0);
		if (k->npend == sizeof k->pend)
			keys_drain(k, cb, arg, 1);
	}
}

/* Flush an incomplete sequence. */
void
keys_timeout(struct keys *k, keys_cb cb, void *arg)
{
	keys_drain(k, cb, arg, 1);
}

/* Parse a binding name. */
int
keys_parse(const char *s, int32_t *key, int *mods)
{
	size_t	i, n;
	int32_t	cp;

	*mods = 0;
	for (;;) {
		if ((s[0] == 'C' || s[0] == 'M' || s[0] == 'S') &&
		    s[1] == '-' && s[2] != '\0') {
			*mods |= s[0] == 'C' ? KEYS_CTRL : s[0] == 'M' ?
			    KEYS_ALT : KEYS_SHIFT;
			s += 2;
		} else
			break;
	}
	for (i = 0; i < sizeof keys_names / sizeof keys_names[0]; i++)
		if (strcasecmp(s, keys_names[i].name) == 0) {
			*key = keys_names[i].key;
			return 0;
		}
	if ((s[0] == 'F' || s[0] == 'f') && s[1] >= '1' && s[1] <= '9') {
		n = (size_t)atoi(s + 1);
		if (n >= 1 && n <= 12 && strspn(s + 1, "0123456789") ==
		    strlen(s + 1)) {
			*key = KEYS_F1 + (int32_t)n - 1;
			return 0;
		}
	}
	n = strlen(s);
	if (n == 0 || width_decode(s, n, &cp) != n || cp < 0x21)
		return -1;
	if ((*mods & KEYS_CTRL) && cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	*key = cp;
	return 0;
}

/* Name a key for the help and the config file. */
void
keys_name(int32_t key, int mods, char *buf, size_t len)
{
	char		 ch[8];
	const char	*name = NULL;
	size_t		 i;

	for (i = 0; i < sizeof keys_names / sizeof keys_names[0]; i++)
		if (keys_names[i].key == key)
			name = keys_names[i].name;
	if (name == NULL && key >= KEYS_F1 && key <= KEYS_F12) {
		snprintf(ch, sizeof ch, "F%d", (int)(key - KEYS_F1 + 1));
		name = ch;
	} else if (name == NULL) {
		/* Encode the code point as UTF-8. */
		unsigned int	c = (unsigned int)key;

		if (c < 0x80) {
			ch[0] = (char)c;
			ch[1] = '\0';
		} else if (c < 0x800) {
			ch[0] = (char)(0xc0 | (c >> 6));
			ch[1] = (char)(0x80 | (c & 0x3f));
			ch[2] = '\0';
		} else if (c < 0x10000) {
			ch[0] = (char)(0xe0 | (c >> 12));
			ch[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			ch[2] = (char)(0x80 | (c & 0x3f));
			ch[3] = '\0';
		} else {
			ch[0] = (char)(0xf0 | (c >> 18));
			ch[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			ch[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			ch[3] = (char)(0x80 | (c & 0x3f));
			ch[4] = '\0';
		}
		name = ch;
	}
	snprintf(buf, len, "%s%s%s%s", (mods & KEYS_CTRL) ? "C-" : "",
	    (mods & KEYS_ALT) ? "M-" : "", (mods & KEYS_SHIFT) ? "S-" : "",
	    name);
}
