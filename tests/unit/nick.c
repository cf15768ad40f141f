/*
 * Unit tests for lib/chat/nick.c: the nickname rules, NFC display forms,
 * NFKC_Casefold keys, and the look-alikes of a security review: each is
 * refused, or has alice's key or skeleton.
 */
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
	assert_int_equal(check("Zoë", d, k), NICK_OK);
	assert_string_equal(d, "Zo\xc3\xab");
	assert_string_equal(k, "zo\xc3\xab");
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
	assert_int_equal(check("Женя", NULL, k1), NICK_OK);
	assert_int_equal(check("женя", NULL, k2), NICK_OK);
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
	    NICK_INVISIBLE);				/* zero-width space */
	assert_int_equal(check("\x7f", NULL, NULL), NICK_BAD_CHAR);
	assert_int_equal(check("abcdefghijklmnopqrstuvwxyz0123456", NULL,
	    NULL), NICK_TOO_LONG);
	assert_int_equal(check("\xff", NULL, NULL), NICK_BAD_UTF8);
	assert_int_equal(check("\xc3", NULL, NULL), NICK_BAD_UTF8);
	assert_int_equal(check("\xed\xa0\x80", NULL, NULL), NICK_BAD_UTF8);
	assert_int_equal(nick_normalize("a\0b", 3, NULL, NULL), NICK_BAD_CHAR);
	assert_non_null(nick_strerror(NICK_TOO_LONG));
}

/* Names that must stay valid, each its own account and look. */
static void
test_scripts_valid(void **state)
{
	static const char *names[] = {
		"alice", "狗哥alex", "Zoë", "Łukasz", "Женя",
		"Αλέξανδρος", "σίσυφος", "やまだ太郎", "ヤマダ", "さくら",
		"김민수", "alex김민수", "alexさくら", "alex狗ㄅ", "İlker", "ilker",
		"محمد", "१२३", "١٢٣", "x-y_z.42", "Straße", "🐶",
	};
	enum { N = sizeof names / sizeof names[0] };
	char	 d[NICK_MAX_BYTES], k[N][NICK_MAX_BYTES];
	char	 sk[N][NICK_SKELETON_MAX];
	size_t	 i, j;

	for (i = 0; i < N; i++) {
		assert_int_equal(check(names[i], d, k[i]), NICK_OK);
		/* Shown as typed: every name here is NFC already. */
		assert_string_equal(d, names[i]);
		assert_true(nick_skeleton(names[i], strlen(names[i]), sk[i],
		    sizeof sk[i]) > 0);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++) {
			assert_string_not_equal(k[i], k[j]);
			assert_string_not_equal(sk[i], sk[j]);
		}
}

/* The review's look-alikes of alice, and their kin. */
static void
test_lookalikes(void **state)
{
	char	key[NICK_MAX_BYTES], skel[NICK_SKELETON_MAX];
	char	k[NICK_MAX_BYTES], d[NICK_MAX_BYTES], s[NICK_SKELETON_MAX];

	assert_int_equal(check("alice", NULL, key), NICK_OK);
	assert_int_equal(nick_skeleton("alice", 5, skel, sizeof skel), 5);
	assert_string_equal(skel, "alice");

	/* Cyrillic а or е among Latin letters: refused, same skeleton. */
	assert_int_equal(check("\xd0\xb0lice", NULL, NULL), NICK_MIXED_SCRIPT);
	assert_int_equal(check("alic\xd0\xb5", NULL, NULL), NICK_MIXED_SCRIPT);
	assert_true(nick_skeleton("\xd0\xb0lice", 6, s, sizeof s) > 0);
	assert_string_equal(s, skel);
	assert_true(nick_skeleton("alic\xd0\xb5", 6, s, sizeof s) > 0);
	assert_string_equal(s, skel);
	/* Capital Cyrillic А folds to а, whose skeleton is a. */
	assert_true(nick_skeleton("\xd0\x90LICE", 6, s, sizeof s) > 0);
	assert_string_equal(s, skel);

	/* U+034F after alice: refused; the key drops it. */
	assert_int_equal(check("alice\xcd\x8f", NULL, NULL), NICK_INVISIBLE);
	assert_int_equal(nick_lookup("alice\xcd\x8f", 7, NULL, k), NICK_OK);
	assert_string_equal(k, key);

	/* Fullwidth ａ or Ａ: refused, and alice's key if looked up. */
	assert_int_equal(check("\xef\xbd\x81lice", NULL, NULL), NICK_COMPAT);
	assert_int_equal(check("\xef\xbc\xa1lice", NULL, NULL), NICK_COMPAT);
	assert_int_equal(nick_lookup("\xef\xbc\xa1lice", 7, d, k), NICK_OK);
	assert_string_equal(d, "\xef\xbc\xa1lice");
	assert_string_equal(k, key);
	assert_true(nick_skeleton("\xef\xbc\xa1lice", 7, s, sizeof s) > 0);
	assert_string_equal(s, skel);

	/* Dotless ı is Latin and valid, but has alice's skeleton. */
	assert_int_equal(check("al\xc4\xb1" "ce", NULL, k), NICK_OK);
	assert_string_not_equal(k, key);
	assert_true(nick_skeleton("al\xc4\xb1" "ce", 6, s, sizeof s) > 0);
	assert_string_equal(s, skel);
	/* So has the digit 1 for l. */
	assert_true(nick_skeleton("a1ice", 5, s, sizeof s) > 0);
	assert_string_equal(s, skel);

	/* U+3164 alone shows as nothing; nothing is left of its key. */
	assert_int_equal(check("\xe3\x85\xa4", NULL, NULL), NICK_INVISIBLE);
	assert_int_equal(nick_lookup("\xe3\x85\xa4", 3, NULL, k),
	    NICK_INVISIBLE);
	assert_int_equal(nick_skeleton("\xe3\x85\xa4", 3, s, sizeof s), -1);
}

/* Every default-ignorable code point is refused, and hidden marks. */
static void
test_invisible(void **state)
{
	static const char *names[] = {
		"a\xcd\x8f" "b",		/* U+034F combining grapheme joiner */
		"a\xe3\x85\xa4" "b",	/* U+3164 Hangul filler */
		"a\xef\xbe\xa0" "b",	/* U+FFA0 halfwidth Hangul filler */
		"\xe1\x85\x9f" "a",	/* U+115F Hangul choseong filler */
		"a\xe2\x80\x8b" "b",	/* U+200B zero-width space */
		"a\xe2\x80\x8c" "b",	/* U+200C zero-width non-joiner */
		"a\xe2\x80\x8d" "b",	/* U+200D zero-width joiner */
		"a\xe2\x81\xa0" "b",	/* U+2060 word joiner */
		"a\xc2\xad" "b",		/* U+00AD soft hyphen */
		"\xe2\x9d\xa4\xef\xb8\x8f",	/* U+FE0F after a heart */
		"\xe8\xbe\xbb\xf3\xa0\x84\x80",	/* U+E0100 after a kanji */
		"ali\xcc\x87" "ce",	/* a dot over i, hidden */
		"e\xcc\x81\xcc\x81",	/* one accent twice */
	};
	size_t	i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(check(names[i], NULL, NULL), NICK_INVISIBLE);
	}
	/* The visible forms of the last ones stay valid. */
	assert_int_equal(check("\xe2\x9d\xa4", NULL, NULL), NICK_OK);
	assert_int_equal(check("\xc3\xa9", NULL, NULL), NICK_OK);
}

/* Latin mixes only with Han, kana, Bopomofo and Hangul (UTS #39 5.2). */
static void
test_mixed_scripts(void **state)
{
	assert_int_equal(check("p\xd0\xb0ypal", NULL, NULL), NICK_MIXED_SCRIPT);
	assert_int_equal(check("\xce\x94" "elta", NULL, NULL),
	    NICK_MIXED_SCRIPT);				/* Greek Δ */
	assert_int_equal(check("raj_\xe0\xa4\xb0\xe0\xa4\xbe\xe0\xa4\x9c",
	    NULL, NULL), NICK_MIXED_SCRIPT);		/* Devanagari */
	assert_int_equal(check("\xd0\xb6\xce\xb1", NULL, NULL),
	    NICK_MIXED_SCRIPT);				/* ж and α */
	/* Digits of two number systems in one name. */
	assert_int_equal(check("\xd9\xa1" "2", NULL, NULL), NICK_MIXED_DIGITS);
	assert_int_equal(check("\xd9\xa1\xd9\xa2", NULL, NULL), NICK_OK);
}

/* Keys are NFKC: compatibility forms meet their plain letters. */
static void
test_nfkc_key(void **state)
{
	char	k[NICK_MAX_BYTES];

	/* Black-letter H, superscript two, the ligature fi. */
	assert_int_equal(check("\xe2\x84\x8c" "ello", NULL, NULL),
	    NICK_COMPAT);
	assert_int_equal(nick_lookup("\xe2\x84\x8c" "ello", 7, NULL, k),
	    NICK_OK);
	assert_string_equal(k, "hello");
	assert_int_equal(check("x\xc2\xb2", NULL, NULL), NICK_COMPAT);
	assert_int_equal(nick_lookup("x\xc2\xb2", 3, NULL, k), NICK_OK);
	assert_string_equal(k, "x2");
	assert_int_equal(check("\xef\xac\x81" "sh", NULL, NULL), NICK_COMPAT);
	assert_int_equal(nick_lookup("\xef\xac\x81" "sh", 5, NULL, k),
	    NICK_OK);
	assert_string_equal(k, "fish");
	/* Halfwidth katakana meets the fullwidth form. */
	assert_int_equal(check("\xef\xbd\xb6", NULL, NULL), NICK_COMPAT);
	assert_int_equal(nick_lookup("\xef\xbd\xb6", 3, NULL, k), NICK_OK);
	assert_string_equal(k, "\xe3\x82\xab");
}

/* Skeletons: UTS #39 confusables, taken of the key. */
static void
test_skeleton(void **state)
{
	char	a[NICK_SKELETON_MAX], b[NICK_SKELETON_MAX], big[4 * 32 + 1];
	size_t	i;
	int	n;

	/* rn and m are confusables (confusables.txt: m -> rn). */
	assert_int_equal(nick_skeleton("rn", 2, a, sizeof a), 2);
	assert_int_equal(nick_skeleton("m", 1, b, sizeof b), 2);
	assert_string_equal(a, b);
	assert_int_equal(nick_skeleton("RN", 2, b, sizeof b), 2);
	assert_string_equal(a, b);
	/* A whole-script look-alike: Cyrillic асе is Latin ace. */
	assert_int_equal(check("\xd0\xb0\xd1\x81\xd0\xb5", NULL, NULL),
	    NICK_OK);
	assert_true(nick_skeleton("\xd0\xb0\xd1\x81\xd0\xb5", 6, a,
	    sizeof a) > 0);
	assert_int_equal(nick_skeleton("ace", 3, b, sizeof b), 3);
	assert_string_equal(a, b);
	/* Not confusables: 4 and a are not in confusables.txt. */
	assert_int_equal(nick_skeleton("paypal", 6, a, sizeof a), 6);
	assert_string_equal(a, "paypal");
	/* Display, key and typed forms give one skeleton. */
	assert_true(nick_skeleton("caf\x65\xcc\x81", 6, a, sizeof a) > 0);
	assert_true(nick_skeleton("CAF\xc3\x89", 5, b, sizeof b) > 0);
	assert_string_equal(a, b);
	/* Refused names have none; nor has a name that does not fit. */
	assert_int_equal(nick_skeleton("a b", 3, a, sizeof a), -1);
	assert_int_equal(nick_skeleton("", 0, a, sizeof a), -1);
	assert_int_equal(nick_skeleton("alice", 5, a, 5), -1);
	assert_int_equal(nick_skeleton("alice", 5, a, 6), 5);
	/* 32 Hangul syllables: a skeleton longer than NICK_MAX_BYTES. */
	for (i = 0; i < 32; i++)
		memcpy(big + 3 * i, "\xea\xbd\xa6", 3);	/* U+AF66 */
	big[96] = '\0';
	assert_int_equal(nick_normalize(big, 96, NULL, NULL), NICK_OK);
	n = nick_skeleton(big, 96, a, sizeof a);
	assert_true(n >= NICK_MAX_BYTES && n < NICK_SKELETON_MAX);
	assert_int_equal(nick_skeleton(big, 96, a, NICK_MAX_BYTES), -1);
}

/* Accounts registered under the old rules are still found. */
static void
test_lookup_and_oldkey(void **state)
{
	char	k[NICK_MAX_BYTES];

	assert_int_equal(nick_lookup("\xd0\xb0lice", 6, NULL, k), NICK_OK);
	assert_string_equal(k, "\xd0\xb0lice");
	assert_int_equal(nick_lookup("ALICE", 5, NULL, k), NICK_OK);
	assert_string_equal(k, "alice");
	/* The old rules still hold. */
	assert_int_equal(nick_lookup("a b", 3, NULL, k), NICK_BAD_CHAR);
	assert_int_equal(nick_lookup("a\xe2\x80\x8b" "b", 5, NULL, k),
	    NICK_BAD_CHAR);
	assert_int_equal(nick_lookup("", 0, NULL, k), NICK_EMPTY);
	/* The old key: NFC and case folding, nothing dropped. */
	assert_int_equal(nick_oldkey("ALICE", 5, k), NICK_OK);
	assert_string_equal(k, "alice");
	assert_int_equal(nick_oldkey("\xef\xbc\xa1lice", 7, k), NICK_OK);
	assert_string_equal(k, "\xef\xbd\x81lice");
	assert_int_equal(nick_oldkey("alice\xcd\x8f", 7, k), NICK_OK);
	assert_string_equal(k, "alice\xcd\x8f");
	assert_int_equal(nick_oldkey("\xe3\x85\xa4", 3, k), NICK_OK);
	assert_string_equal(k, "\xe3\x85\xa4");
	assert_int_equal(nick_oldkey("a b", 3, k), NICK_BAD_CHAR);
}

/* Every error has its own reason. */
static void
test_strerror(void **state)
{
	int	e, f;

	for (e = NICK_OK; e <= NICK_CONFUSABLE; e++) {
		assert_string_not_equal(nick_strerror((enum nick_err)e),
		    "invalid");
		for (f = NICK_OK; f < e; f++)
			assert_string_not_equal(
			    nick_strerror((enum nick_err)e),
			    nick_strerror((enum nick_err)f));
	}
	assert_non_null(strstr(nick_strerror(NICK_MIXED_SCRIPT), "Cyrillic"));
	assert_non_null(strstr(nick_data_version(), "ICU "));
	assert_non_null(strstr(nick_data_version(), "utf8proc "));
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
		    UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE) == 3);
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
		cmocka_unit_test(test_scripts_valid),
		cmocka_unit_test(test_lookalikes),
		cmocka_unit_test(test_invisible),
		cmocka_unit_test(test_mixed_scripts),
		cmocka_unit_test(test_nfkc_key),
		cmocka_unit_test(test_skeleton),
		cmocka_unit_test(test_lookup_and_oldkey),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
