/* Unit tests for lib/base/conf.c: loading, validation and error messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/conf.h"

struct sample {
	int	port;
	int	on;
	char	name[8];
};

static const struct conf_key keys[] = {
	CONF_INT_KEY("main", "port", struct sample, port, 1, 65535),
	CONF_BOOL_KEY("main", "on", struct sample, on),
	CONF_STR_KEY("other", "name", struct sample, name),
	CONF_END
};

/* Write text to a temporary file and return its path. */
static const char *
write_file(const char *text)
{
	static char	path[64];
	FILE		*f;
	int		 fd;

	strcpy(path, "/tmp/conf-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load text; return the status and leave the message in err. */
static int
load(const char *text, struct sample *s, char *err, size_t errlen)
{
	const char	*path = write_file(text);
	int		 rc;

	memset(s, 0, sizeof *s);
	s->port = 7;
	rc = conf_load(path, 0, keys, s, err, errlen);
	unlink(path);
	return rc;
}

static void
test_good_file(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("[main]\nport = 9000\non = yes\n"
	    "[other]\nname = abc\n", &s, err, sizeof err), 0);
	assert_int_equal(s.port, 9000);
	assert_int_equal(s.on, 1);
	assert_string_equal(s.name, "abc");
}

static void
test_defaults_stand(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("; nothing but a comment\n", &s, err,
	    sizeof err), 0);
	assert_int_equal(s.port, 7);
}

static void
test_missing_file(void **state)
{
	struct sample	s = { 5, 0, "" };
	char		err[256];

	assert_int_equal(conf_load("/nonexistent/x.ini", 1, keys, &s, err,
	    sizeof err), 0);
	assert_int_equal(s.port, 5);
	assert_int_equal(conf_load("/nonexistent/x.ini", 0, keys, &s, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.ini"));
}

static void
test_out_of_range(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("[main]\nport = 70000\n", &s, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, ":main:port: \"70000\" is not an integer "
	    "from 1 to 65535"));
	assert_int_equal(load("[main]\nport = 12abc\n", &s, err, sizeof err),
	    -1);
	assert_int_equal(load("[main]\nport = \n", &s, err, sizeof err), -1);
}

static void
test_bad_bool(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("[main]\non = maybe\n", &s, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, ":main:on: \"maybe\" is not yes or no"));
	assert_int_equal(load("[main]\non = OFF\n", &s, err, sizeof err), 0);
	assert_int_equal(s.on, 0);
}

static void
test_unknown_key_and_section(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("[main]\nprot = 1\n", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, ":main:prot: unknown key"));
	assert_int_equal(load("[mian]\nport = 1\n", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, ":mian: unknown section"));
}

static void
test_string_too_long(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("[other]\nname = abcdefgh\n", &s, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, ":other:name: longer than 7 bytes"));
}

static void
test_case_insensitive(void **state)
{
	struct sample	s;
	char		err[256];

	assert_int_equal(load("[MAIN]\nPort = 10\n", &s, err, sizeof err), 0);
	assert_int_equal(s.port, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults_stand),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_bad_bool),
		cmocka_unit_test(test_unknown_key_and_section),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_case_insensitive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
