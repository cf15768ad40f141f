/* nick.c: nickname validation, NFC normalisation and case-folded keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "chat/nick.h"

/* Is c allowed in a nickname? */
static int
nick_char_ok(utf8proc_int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_CC:	/* control */
	case UTF8PROC_CATEGORY_CF:	/* format: invisible joiners, BOM */
	case UTF8PROC_CATEGORY_CS:	/* surrogate */
	case UTF8PROC_CATEGORY_CO:	/* private use */
	case UTF8PROC_CATEGORY_CN:	/* unassigned */
	case UTF8PROC_CATEGORY_ZS:	/* space */
	case UTF8PROC_CATEGORY_ZL:	/* line separator */
	case UTF8PROC_CATEGORY_ZP:	/* paragraph separator */
		return 0;
	default:
		return 1;
	}
}

/* Map in with options into out (NICK_MAX_BYTES); NICK_OK or an error. */
static enum nick_err
nick_map(const uint8_t *in, size_t len, int opts, char *out)
{
	utf8proc_uint8_t	*res = NULL;
	utf8proc_ssize_t	 n;

	n = utf8proc_map(in, (utf8proc_ssize_t)len, &res,
	    (utf8proc_option_t)(opts | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
	    UTF8PROC_REJECTNA));
	if (n < 0)
		return n == UTF8PROC_ERROR_NOTASSIGNED ? NICK_BAD_CHAR :
		    NICK_BAD_UTF8;
	if ((size_t)n >= NICK_MAX_BYTES) {
		free(res);
		return NICK_TOO_LONG;
	}
	memcpy(out, res, (size_t)n + 1);
	free(res);
	return NICK_OK;
}

/*
 * The common case without utf8proc: printable ASCII other than space is
 * valid, already NFC, and case-folds to its lower case.  1 if it applied.
 */
static int
nick_ascii(const char *in, size_t len, char *display, char *key)
{
	size_t	i;

	if (len > NICK_MAX_CHARS)
		return 0;
	for (i = 0; i < len; i++)
		if (in[i] < 0x21 || in[i] > 0x7e)
			return 0;
	if (display != NULL) {
		memcpy(display, in, len);
		display[len] = '\0';
	}
	if (key != NULL) {
		for (i = 0; i < len; i++)
			key[i] = in[i] >= 'A' && in[i] <= 'Z' ?
			    (char)(in[i] - 'A' + 'a') : in[i];
		key[len] = '\0';
	}
	return 1;
}

enum nick_err
nick_normalize(const char *in, size_t len, char *display, char *key)
{
	char			 nfc[NICK_MAX_BYTES], folded[NICK_MAX_BYTES];
	const uint8_t		*p;
	utf8proc_int32_t	 c;
	utf8proc_ssize_t	 n;
	size_t			 left, chars = 0;
	enum nick_err		 e;

	if (len == 0)
		return NICK_EMPTY;
	if (nick_ascii(in, len, display, key))
		return NICK_OK;
	/* Bound the work before normalising: at most 32 characters of at
	 * most 4 bytes, plus combining marks that NFC may fold away. */
	if (len > NICK_MAX_CHARS * 4 * 2)
		return NICK_TOO_LONG;
	if (memchr(in, '\0', len) != NULL)
		return NICK_BAD_CHAR;
	if ((e = nick_map((const uint8_t *)in, len, 0, nfc)) != NICK_OK)
		return e;
	p = (const uint8_t *)nfc;
	left = strlen(nfc);
	while (left > 0) {
		n = utf8proc_iterate(p, (utf8proc_ssize_t)left, &c);
		if (n <= 0)
			return NICK_BAD_UTF8;
		if (!nick_char_ok(c))
			return NICK_BAD_CHAR;
		if (++chars > NICK_MAX_CHARS)
			return NICK_TOO_LONG;
		p += n;
		left -= (size_t)n;
	}
	if (chars == 0)
		return NICK_EMPTY;
	if ((e = nick_map((const uint8_t *)nfc, strlen(nfc), UTF8PROC_CASEFOLD,
	    folded)) != NICK_OK)
		return e;
	if (display != NULL)
		strcpy(display, nfc);
	if (key != NULL)
		strcpy(key, folded);
	return NICK_OK;
}

const char *
nick_strerror(enum nick_err e)
{
	switch (e) {
	case NICK_OK:
		return "valid";
	case NICK_EMPTY:
		return "empty";
	case NICK_TOO_LONG:
		return "longer than 32 characters";
	case NICK_BAD_UTF8:
		return "not valid UTF-8";
	case NICK_BAD_CHAR:
		return "contains a control, white-space or unassigned "
		    "character";
	}
	return "invalid";
}
