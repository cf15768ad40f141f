/*
 * nick.h: chat nicknames.  A nickname is UTF-8 text of 1 to NICK_MAX_CHARS
 * code points with no control, format, private-use, unassigned or
 * white-space characters.  It is shown in Unicode NFC and compared by its
 * key: NFKC with Unicode case folding and default-ignorable code points
 * removed (NFKC_Casefold, utf8proc), so "Alice", "alice" and fullwidth
 * "ａlice" are one account and "狗哥alex" is a valid name.
 *
 * A new name must also pass the registration rules of nick_normalize():
 * nothing invisible, no compatibility characters, no mix of scripts that
 * look alike (UTS #39 restriction levels, ICU's spoof checker).  Names
 * registered under older rules are still found by nick_lookup().  Two
 * accounts whose nick_skeleton() is equal look alike (UTS #39
 * confusables); the store keeps the skeleton under a unique index.
 */
#ifndef NICK_H
#define NICK_H

#include <stddef.h>

#define NICK_MAX_CHARS	32
/* Bytes of a normalised nickname or key, with room for the NUL. */
#define NICK_MAX_BYTES	(NICK_MAX_CHARS * 4 * 3 + 1)
/*
 * Bytes of a skeleton, with room for the NUL: enough for every name
 * nick_normalize() accepts (at most 30 bytes per character with ICU 72).
 */
#define NICK_SKELETON_MAX	(NICK_MAX_BYTES * 3)

enum nick_err {
	NICK_OK = 0,
	NICK_EMPTY,		/* no characters */
	NICK_TOO_LONG,		/* over NICK_MAX_CHARS code points */
	NICK_BAD_UTF8,		/* not valid UTF-8 */
	NICK_BAD_CHAR,		/* control, white space, unassigned, ... */
	NICK_INVISIBLE,		/* default-ignorable, hidden or doubled mark */
	NICK_COMPAT,		/* fullwidth, ligature, superscript, ... */
	NICK_MIXED_SCRIPT,	/* e.g. Latin with Cyrillic */
	NICK_MIXED_DIGITS,	/* digits of two number systems */
	NICK_CONFUSABLE,	/* same skeleton as an existing name (chatd) */
	NICK_GROUP_PREFIX,	/* a new nick starting with '#', a group's
				 * mark */
};

/*
 * Check the len bytes at in against the rules for registering a new name
 * and write its NFC display form to display and its key to key (each
 * NICK_MAX_BYTES long, NUL-terminated; either may be NULL).  NICK_OK or
 * why the name is refused.
 */
enum nick_err	 nick_normalize(const char *in, size_t len, char *display,
		    char *key);
/*
 * The same for naming an account that exists (login, a recipient): only
 * the rules names were registered under before (valid UTF-8, length,
 * nothing in NICK_BAD_CHAR), so old accounts stay reachable; the key is
 * the same as nick_normalize() gives.  NICK_INVISIBLE if nothing is left
 * of the key.
 */
enum nick_err	 nick_lookup(const char *in, size_t len, char *display,
		    char *key);
/*
 * The key of stores written before keys were NFKC: NFC with case folding,
 * under nick_lookup()'s rules.  For upgrading a store and for finding an
 * account whose new key another account already had.
 */
enum nick_err	 nick_oldkey(const char *in, size_t len, char *key);
/*
 * Write the UTS #39 confusable skeleton of a name to out (cap bytes,
 * NUL-terminated; NICK_SKELETON_MAX is enough).  in is a name as typed
 * or its display form (a key gives the same skeleton, unless case folding
 * made it too long to be a name): the skeleton is taken of its key, so
 * "alice", "Alice", "аlice" (Cyrillic а) and "alıce" give the same one.
 * The length of the skeleton, or -1 if nick_lookup() refuses the name or
 * cap is too small (refuse the name then).  Skeletons may change with the
 * ICU version: see nick_data_version().
 */
int		 nick_skeleton(const char *in, size_t len, char *out,
		    size_t cap);
/*
 * The Unicode data keys and skeletons are made with, e.g. "utf8proc
 * 2.8.0 (Unicode 15.0.0), ICU 72.1 (Unicode 15.0)": keep it beside stored
 * keys and skeletons and recompute them when it changes.
 */
const char	*nick_data_version(void);
/* A short English reason for an error, e.g. "contains white space". */
const char	*nick_strerror(enum nick_err);

#endif
