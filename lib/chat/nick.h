/*
 * nick.h: chat nicknames.  A nickname is UTF-8 text of 1 to NICK_MAX_CHARS
 * code points with no control, format, private-use, unassigned or
 * white-space characters.  It is shown in Unicode NFC and compared by its
 * key: NFC with Unicode case folding (utf8proc), so "Alice" and "alice"
 * are one account and "狗哥alex" is a valid name.
 */
#ifndef NICK_H
#define NICK_H

#include <stddef.h>

#define NICK_MAX_CHARS	32
/* Bytes of a normalised nickname or key, with room for the NUL. */
#define NICK_MAX_BYTES	(NICK_MAX_CHARS * 4 * 3 + 1)

enum nick_err {
	NICK_OK = 0,
	NICK_EMPTY,		/* no characters */
	NICK_TOO_LONG,		/* over NICK_MAX_CHARS code points */
	NICK_BAD_UTF8,		/* not valid UTF-8 */
	NICK_BAD_CHAR,		/* control, white space, unassigned, ... */
};

/*
 * Check the len bytes at in and write its NFC display form to display and
 * its comparison key to key (each NICK_MAX_BYTES long, NUL-terminated;
 * either may be NULL).  NICK_OK or why the name is refused.
 */
enum nick_err	 nick_normalize(const char *in, size_t len, char *display,
		    char *key);
/* A short English reason for an error, e.g. "contains white space". */
const char	*nick_strerror(enum nick_err);

#endif
