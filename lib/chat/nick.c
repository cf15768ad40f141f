/*
 * nick.c: nickname validation, NFC display forms, NFKC_Casefold keys and
 * UTS #39 confusable skeletons.  utf8proc does the normalisation; ICU's
 * spoof checker holds the confusables and script data.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/uversion.h>
#include <utf8proc.h>

#include "base/log.h"
#include "chat/nick.h"

/*
 * The key is NFKC_Casefold, made by utf8proc (the options of its
 * utf8proc_NFKC_Casefold()) rather than by ICU's NFKC_Casefold normaliser:
 * the two agree on every assigned code point, and utf8proc already makes
 * the NFC form and says which characters are assigned, so the display
 * form and the key come from one set of Unicode tables, in UTF-8, with no
 * conversion to UTF-16 and back.
 */
#define NICK_KEY_OPTS	(UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

/* Which rules a name is checked against. */
enum nick_rules {
	NICK_RULES_LOOKUP,	/* an account that exists */
	NICK_RULES_REGISTER,	/* a new account */
};

static pthread_once_t	 nick_once = PTHREAD_ONCE_INIT;
static USpoofChecker	*nick_sc;
static char		 nick_version[128];

/* Close the spoof checker at exit. */
static void
nick_spoof_close(void)
{
	uspoof_close(nick_sc);
	nick_sc = NULL;
}

/*
 * Open the spoof checker, once.  The checks a new name must pass:
 * invisible and hidden marks (a doubled accent, a dot over i), digits of
 * one number system, and the "highly restrictive" level of UTS #39 5.2:
 * one script, or Latin with Han and Bopomofo, with Han, Hiragana and
 * Katakana, or with Han and Hangul.  "Moderately restrictive" would add
 * Latin with any one other script but Cyrillic, Greek and Cherokee, and
 * ICU applies it without limiting the other script to the recommended
 * ones, so it would let in Latin with Armenian (օ, ս, հ look like o, u,
 * h); a nickname gains little from those mixes, and single-script names
 * in every script stay valid.
 */
static void
nick_spoof_open(void)
{
	UErrorCode	st = U_ZERO_ERROR;
	UVersionInfo	icu, uni;
	char		icus[U_MAX_VERSION_STRING_LENGTH];
	char		unis[U_MAX_VERSION_STRING_LENGTH];

	nick_sc = uspoof_open(&st);
	if (U_FAILURE(st))
		fatalx("nick: cannot open ICU's spoof checker: %s",
		    u_errorName(st));
	uspoof_setChecks(nick_sc, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
	    USPOOF_MIXED_NUMBERS | USPOOF_HIDDEN_OVERLAY, &st);
	uspoof_setRestrictionLevel(nick_sc, USPOOF_HIGHLY_RESTRICTIVE);
	if (U_FAILURE(st))
		fatalx("nick: cannot set ICU's spoof checks: %s",
		    u_errorName(st));
	if (atexit(nick_spoof_close) != 0)
		fatalx("nick: atexit failed");
	u_getVersion(icu);
	u_versionToString(icu, icus);
	u_getUnicodeVersion(uni);
	u_versionToString(uni, unis);
	snprintf(nick_version, sizeof nick_version,
	    "utf8proc %s (Unicode %s), ICU %s (Unicode %s)", utf8proc_version(),
	    utf8proc_unicode_version(), icus, unis);
}

/* The spoof checker, opened on first use. */
static const USpoofChecker *
nick_spoof(void)
{
	if (pthread_once(&nick_once, nick_spoof_open) != 0)
		fatalx("nick: pthread_once failed");
	return nick_sc;
}

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
nick_map(const char *in, size_t len, int opts, char *out)
{
	utf8proc_uint8_t	*res = NULL;
	utf8proc_ssize_t	 n;

	n = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)len,
	    &res, (utf8proc_option_t)(opts | UTF8PROC_STABLE |
	    UTF8PROC_COMPOSE | UTF8PROC_REJECTNA));
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
 * valid under every rule, already NFC and NFKC, and its key is its lower
 * case.  1 if it applied.
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

/*
 * Write the NFC form of the len bytes at in (not empty) to nfc and check
 * each of its characters under rules.  NICK_OK or why not.
 */
static enum nick_err
nick_nfc(const char *in, size_t len, enum nick_rules rules, char *nfc)
{
	const uint8_t		*p;
	utf8proc_int32_t	 c;
	utf8proc_ssize_t	 n;
	size_t			 left, chars = 0;
	enum nick_err		 e;

	/* Bound the work before normalising: at most 32 characters of at
	 * most 4 bytes, plus combining marks that NFC may fold away. */
	if (len > NICK_MAX_CHARS * 4 * 2)
		return NICK_TOO_LONG;
	if (memchr(in, '\0', len) != NULL)
		return NICK_BAD_CHAR;
	if ((e = nick_map(in, len, 0, nfc)) != NICK_OK)
		return e;
	p = (const uint8_t *)nfc;
	left = strlen(nfc);
	while (left > 0) {
		n = utf8proc_iterate(p, (utf8proc_ssize_t)left, &c);
		if (n <= 0)
			return NICK_BAD_UTF8;
		/* U+034F, U+3164, U+200B, joiners, variation selectors... */
		if (rules == NICK_RULES_REGISTER &&
		    utf8proc_get_property(c)->ignorable)
			return NICK_INVISIBLE;
		if (!nick_char_ok(c))
			return NICK_BAD_CHAR;
		if (++chars > NICK_MAX_CHARS)
			return NICK_TOO_LONG;
		p += n;
		left -= (size_t)n;
	}
	return chars == 0 ? NICK_EMPTY : NICK_OK;
}

/*
 * The rules for a new name beyond its characters, on its NFC form: it is
 * its own NFKC (so what is shown is what is compared, up to case), and
 * ICU's spoof checks pass.
 */
static enum nick_err
nick_register_ok(const char *nfc)
{
	char		nfkc[NICK_MAX_BYTES];
	UErrorCode	st = U_ZERO_ERROR;
	size_t		len = strlen(nfc);
	int32_t		r;
	enum nick_err	e;

	if ((e = nick_map(nfc, len, UTF8PROC_COMPAT, nfkc)) != NICK_OK)
		return e;
	if (strcmp(nfkc, nfc) != 0)
		return NICK_COMPAT;
	r = uspoof_check2UTF8(nick_spoof(), nfc, (int32_t)len, NULL, &st);
	if (U_FAILURE(st))
		fatalx("nick: ICU spoof check: %s", u_errorName(st));
	if (r & (USPOOF_INVISIBLE | USPOOF_HIDDEN_OVERLAY))
		return NICK_INVISIBLE;
	if (r & USPOOF_RESTRICTION_LEVEL)
		return NICK_MIXED_SCRIPT;
	if (r & USPOOF_MIXED_NUMBERS)
		return NICK_MIXED_DIGITS;
	return NICK_OK;
}

/* nick_normalize() and nick_lookup(), under rules. */
static enum nick_err
nick_check(const char *in, size_t len, enum nick_rules rules, char *display,
    char *key)
{
	char		nfc[NICK_MAX_BYTES], folded[NICK_MAX_BYTES];
	enum nick_err	e;

	if (len == 0)
		return NICK_EMPTY;
	/* "#name" names a group (chatd): no new nick may look like one. */
	if (rules == NICK_RULES_REGISTER && in[0] == '#')
		return NICK_GROUP_PREFIX;
	if (nick_ascii(in, len, display, key))
		return NICK_OK;
	if ((e = nick_nfc(in, len, rules, nfc)) != NICK_OK)
		return e;
	if ((e = nick_map(nfc, strlen(nfc), NICK_KEY_OPTS, folded)) !=
	    NICK_OK)
		return e;
	if (folded[0] == '\0')
		return NICK_INVISIBLE;
	if (rules == NICK_RULES_REGISTER && (e = nick_register_ok(nfc)) !=
	    NICK_OK)
		return e;
	if (display != NULL)
		strcpy(display, nfc);
	if (key != NULL)
		strcpy(key, folded);
	return NICK_OK;
}

enum nick_err
nick_normalize(const char *in, size_t len, char *display, char *key)
{
	return nick_check(in, len, NICK_RULES_REGISTER, display, key);
}

enum nick_err
nick_lookup(const char *in, size_t len, char *display, char *key)
{
	return nick_check(in, len, NICK_RULES_LOOKUP, display, key);
}

enum nick_err
nick_oldkey(const char *in, size_t len, char *key)
{
	char		nfc[NICK_MAX_BYTES];
	enum nick_err	e;

	if (len == 0)
		return NICK_EMPTY;
	if (nick_ascii(in, len, NULL, key))
		return NICK_OK;
	if ((e = nick_nfc(in, len, NICK_RULES_LOOKUP, nfc)) != NICK_OK)
		return e;
	return nick_map(nfc, strlen(nfc), UTF8PROC_CASEFOLD, key);
}

/*
 * The skeleton is taken of the key, not of the name as shown: an account
 * has one skeleton whatever case it was typed in, and case folding first
 * is what makes "АLICE" (Cyrillic А) meet "alice".  The cost: a capital
 * I, whose skeleton is l, is compared as i, so "Iarry" does not meet
 * "larry".
 */
int
nick_skeleton(const char *in, size_t len, char *out, size_t cap)
{
	char		key[NICK_MAX_BYTES];
	UErrorCode	st = U_ZERO_ERROR;
	int32_t		n;

	if (nick_lookup(in, len, NULL, key) != NICK_OK || cap == 0)
		return -1;
	n = uspoof_getSkeletonUTF8(nick_spoof(), 0, key, (int32_t)strlen(key),
	    out, cap > INT32_MAX ? INT32_MAX : (int32_t)cap, &st);
	if (st == U_BUFFER_OVERFLOW_ERROR || (size_t)n >= cap)
		return -1;
	if (U_FAILURE(st))
		fatalx("nick: ICU skeleton: %s", u_errorName(st));
	return n;
}

const char *
nick_data_version(void)
{
	(void)nick_spoof();
	return nick_version;
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
	case NICK_INVISIBLE:
		return "contains an invisible character";
	case NICK_COMPAT:
		return "contains a variant form such as a fullwidth or "
		    "superscript letter; type the plain letter";
	case NICK_MIXED_SCRIPT:
		return "mixes scripts that look alike (e.g. Latin with "
		    "Cyrillic)";
	case NICK_MIXED_DIGITS:
		return "mixes digits of different number systems";
	case NICK_CONFUSABLE:
		return "looks like an existing name";
	case NICK_GROUP_PREFIX:
		return "starts with #, which marks a group's name";
	}
	return "invalid";
}
