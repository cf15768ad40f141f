/* Unit tests for chat-tui/keys.c: terminal bytes into keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chat-tui/keys.h"

struct got {
	struct keys_event	ev[16];
	char			paste[256];
	size_t			n;
};

/* Record each key. */
static void
collect(const struct keys_event *ev, void *arg)
{
	struct got	*g = arg;

	if (g->n < 16)
		g->ev[g->n] = *ev;
	if (ev->key == KEYS_PASTE && ev->plen < sizeof g->paste) {
		memcpy(g->paste, ev->paste, ev->plen);
		g->paste[ev->plen] = '\0';
	}
	g->n++;
}

/* Feed a string, byte by byte if split. */
static void
feed(struct keys *k, struct got *g, const char *s, int split)
{
	size_t	i, n = strlen(s);

	if (!split) {
		keys_feed(k, s, n, collect, g);
		return;
	}
	for (i = 0; i < n; i++)
		keys_feed(k, s + i, 1, collect, g);
}

static void
test_text_and_controls(void **state)
{
	struct keys	k;
	struct got	g = { .n = 0 };

	keys_init(&k);
	feed(&k, &g, "a狗\r\x7f\x17\t", 1);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.ev[0].key, 'a');
	assert_int_equal(g.ev[1].key, 0x72d7);
	assert_string_equal(g.ev[1].text, "狗");
	assert_int_equal(g.ev[2].key, KEYS_ENTER);
	assert_int_equal(g.ev[3].key, KEYS_BACKSPACE);
	assert_int_equal(g.ev[4].key, 'w');
	assert_int_equal(g.ev[4].mods, KEYS_CTRL);
	assert_int_equal(g.ev[5].key, KEYS_TAB);
	keys_free(&k);
}

static void
test_sequences(void **state)
{
	struct keys	k;
	struct got	g = { .n = 0 };

	keys_init(&k);
	feed(&k, &g, "\033[A\033OB\033[1~\033[4~\033[5~\033[6~\033[3~"
	    "\033[1;5C\033[Z", 1);
	assert_int_equal(g.n, 9);
	assert_int_equal(g.ev[0].key, KEYS_UP);
	assert_int_equal(g.ev[1].key, KEYS_DOWN);
	assert_int_equal(g.ev[2].key, KEYS_HOME);
	assert_int_equal(g.ev[3].key, KEYS_END);
	assert_int_equal(g.ev[4].key, KEYS_PGUP);
	assert_int_equal(g.ev[5].key, KEYS_PGDN);
	assert_int_equal(g.ev[6].key, KEYS_DELETE);
	assert_int_equal(g.ev[7].key, KEYS_RIGHT);
	assert_int_equal(g.ev[7].mods, KEYS_CTRL);
	assert_int_equal(g.ev[8].key, KEYS_TAB);
	assert_int_equal(g.ev[8].mods, KEYS_SHIFT);
	keys_free(&k);
}

static void
test_alt_and_lone_escape(void **state)
{
	struct keys	k;
	struct got	g = { .n = 0 };

	keys_init(&k);
	feed(&k, &g, "\033a\033\r\0331", 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ev[0].key, 'a');
	assert_int_equal(g.ev[0].mods, KEYS_ALT);
	assert_int_equal(g.ev[1].key, KEYS_ENTER);
	assert_int_equal(g.ev[1].mods, KEYS_ALT);
	assert_int_equal(g.ev[2].key, '1');
	feed(&k, &g, "\033", 0);
	assert_int_equal(g.n, 3);
	assert_true(keys_pending(&k));
	keys_timeout(&k, collect, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.ev[3].key, KEYS_ESC);
	assert_false(keys_pending(&k));
	keys_free(&k);
}

static void
test_bracketed_paste_is_one_event(void **state)
{
	struct keys	k;
	struct got	g = { .n = 0 };

	keys_init(&k);
	/* Split byte by byte, with a false start of the end marker inside. */
	feed(&k, &g, "x\033[200~line 1\r\nline \033[2 2\033[201~y", 1);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ev[0].key, 'x');
	assert_int_equal(g.ev[1].key, KEYS_PASTE);
	assert_string_equal(g.paste, "line 1\r\nline \033[2 2");
	assert_int_equal(g.ev[2].key, 'y');
	/* The same in one read. */
	g.n = 0;
	feed(&k, &g, "\033[200~a\nb\033[201~", 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.paste, "a\nb");
	keys_free(&k);
}

static void
test_binding_names(void **state)
{
	int32_t	key;
	int	mods;
	char	buf[32];

	assert_int_equal(keys_parse("C-n", &key, &mods), 0);
	assert_int_equal(key, 'n');
	assert_int_equal(mods, KEYS_CTRL);
	assert_int_equal(keys_parse("M-Enter", &key, &mods), 0);
	assert_int_equal(key, KEYS_ENTER);
	assert_int_equal(mods, KEYS_ALT);
	assert_int_equal(keys_parse("PageUp", &key, &mods), 0);
	assert_int_equal(key, KEYS_PGUP);
	assert_int_equal(keys_parse("F12", &key, &mods), 0);
	assert_int_equal(key, KEYS_F12);
	assert_int_equal(keys_parse("C-", &key, &mods), -1);
	assert_int_equal(keys_parse("F13", &key, &mods), -1);
	assert_int_equal(keys_parse("ab", &key, &mods), -1);
	keys_name('a', KEYS_ALT, buf, sizeof buf);
	assert_string_equal(buf, "M-a");
	keys_name(KEYS_PGDN, 0, buf, sizeof buf);
	assert_string_equal(buf, "PageDown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_controls),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_alt_and_lone_escape),
		cmocka_unit_test(test_bracketed_paste_is_one_event),
		cmocka_unit_test(test_binding_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
