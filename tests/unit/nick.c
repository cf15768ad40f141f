/* Unit tests for lib/chat/nick.c: the nickname rules, NFC and case folding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <stdlib.h>
#include <utf8proc.h>

#include "chat/nick.h"

/* The result of nick_normalize() on a C string. */
static enum nick_err
check(const char *s, char *display, char *key)
{
	return nick_normalize(s, strlen(s), display, key);
}

static void
test_valid(void **state)
{
	char	d[NICK_MAX_BYTES], k[NICK_MAX_BYTES];

	assert_int_equal(check("狗哥alex", d, k), NICK_OK);
	assert_string_equal(d, "狗哥alex");
	assert_string_equal(k, "狗哥alex");
	assert_int_equal(check("a", d, k), NICK_OK);
	assert_int_equal(check("x-y_z.42", d, k), NICK_OK);
	/* 32 characters, many bytes each. */
	assert_int_equal(check("狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗狗"
	    "狗狗狗狗狗狗狗狗", d, k), NICK_OK);
}

static void
test_case_folding(void **state)
{
	char	k1[NICK_MAX_BYTES], k2[NICK_MAX_BYTES], d[NICK_MAX_BYTES];

	assert_int_equal(check("Alice", d, k1), NICK_OK);
	assert_string_equal(d, "Alice");	/* shown as registered */
	assert_int_equal(check("alice", NULL, k2), NICK_OK);
	assert_string_equal(k1, k2);
	assert_int_equal(check("ΣΊΣΥΦΟΣ", NULL, k1), NICK_OK);
	assert_int_equal(check("σίσυφος", NULL, k2), NICK_OK);
	assert_string_equal(k1, k2);
	/* Full case folding: ß folds to ss. */
	assert_int_equal(check("Straße", NULL, k1), NICK_OK);
	assert_int_equal(check("STRASSE", NULL, k2), NICK_OK);
	assert_string_equal(k1, k2);
}

static void
test_nfc(void **state)
{
	char	d[NICK_MAX_BYTES], k1[NICK_MAX_BYTES], k2[NICK_MAX_BYTES];

	/* e + combining acute is the same name as precomposed é. */
	assert_int_equal(check("caf\x65\xcc\x81", d, k1), NICK_OK);
	assert_string_equal(d, "caf\xc3\xa9");
	assert_int_equal(check("CAF\xc3\x89", NULL, k2), NICK_OK);
	assert_string_equal(k1, k2);
}

static void
test_invalid(void **state)
{
	assert_int_equal(check("", NULL, NULL), NICK_EMPTY);
	assert_int_equal(check("a b", NULL, NULL), NICK_BAD_CHAR);
	assert_int_equal(check("a\tb", NULL, NULL), NICK_BAD_CHAR);
	assert_int_equal(check("a\nb", NULL, NULL), NICK_BAD_CHAR);
	assert_int_equal(check("a\xc2\xa0" "b", NULL, NULL), NICK_BAD_CHAR);
	assert_int_equal(check("a\xe3\x80\x80" "b", NULL, NULL),
	    NICK_BAD_CHAR);				/* ideographic space */
	assert_int_equal(check("a\xe2\x80\x8b" "b", NULL, NULL),
	    NICK_BAD_CHAR);				/* zero-width space */
	assert_int_equal(check("\x7f", NULL, NULL), NICK_BAD_CHAR);
	assert_int_equal(check("abcdefghijklmnopqrstuvwxyz0123456", NULL,
	    NULL), NICK_TOO_LONG);
	assert_int_equal(check("\xff", NULL, NULL), NICK_BAD_UTF8);
	assert_int_equal(check("\xc3", NULL, NULL), NICK_BAD_UTF8);
	assert_int_equal(check("\xed\xa0\x80", NULL, NULL), NICK_BAD_UTF8);
	assert_int_equal(nick_normalize("a\0b", 3, NULL, NULL), NICK_BAD_CHAR);
	assert_non_null(nick_strerror(NICK_TOO_LONG));
}

/* Pure ASCII takes a short cut; it must agree with utf8proc. */
static void
test_ascii_agrees(void **state)
{
	char		 in[4], display[NICK_MAX_BYTES], key[NICK_MAX_BYTES];
	utf8proc_uint8_t *nfc, *folded;
	int		 c;

	for (c = 0x21; c <= 0x7e; c++) {
		in[0] = 'Q';
		in[1] = (char)c;
		in[2] = 'z';
		in[3] = '\0';
		assert_int_equal(nick_normalize(in, 3, display, key), NICK_OK);
		assert_true(utf8proc_map((const utf8proc_uint8_t *)in, 3, &nfc,
		    UTF8PROC_STABLE | UTF8PROC_COMPOSE) == 3);
		assert_true(utf8proc_map((const utf8proc_uint8_t *)in, 3,
		    &folded, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
		    UTF8PROC_CASEFOLD) == 3);
		assert_string_equal(display, (char *)nfc);
		assert_string_equal(key, (char *)folded);
		free(nfc);
		free(folded);
	}
	/* Space and DEL are still refused; 33 ASCII characters too long. */
	assert_int_equal(nick_normalize("a b", 3, display, key), NICK_BAD_CHAR);
	assert_int_equal(nick_normalize("a\x7f", 2, display, key),
	    NICK_BAD_CHAR);
	assert_int_equal(nick_normalize("abcdefghijklmnopqrstuvwxyzabcdefg",
	    33, display, key), NICK_TOO_LONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_ascii_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
