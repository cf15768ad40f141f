/* conf.c: table-driven INI loading and validation with iniparser. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<iniparser/iniparser.h>)
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif
#else
#include <iniparser.h>
#endif

#include "base/conf.h"
#include "paths.h"		/* SYSCONFDIR, written by the Makefile */

/* iniparser reports syntax errors through a printf-like callback. */
static char	conf_syntax_err[256];

static int	conf_errback(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* Keep iniparser's message for conf_load() to report. */
static int
conf_errback(const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;
	int	 r;

	va_start(ap, fmt);
	r = vsnprintf(conf_syntax_err, sizeof conf_syntax_err, fmt, ap);
	va_end(ap);
	n = strlen(conf_syntax_err);
	while (n > 0 && (conf_syntax_err[n - 1] == '\n' ||
	    conf_syntax_err[n - 1] == '\r'))
		conf_syntax_err[--n] = '\0';
	return r;
}

const char *
conf_default_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/udp-suite/%s.ini", SYSCONFDIR, name);
	return buf;
}

int
conf_parse_int(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
conf_parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Find the table entry for "section:key" (iniparser lowercases both). */
static const struct conf_key *
conf_find(const struct conf_key *keys, const char *section, const char *key)
{
	for (; keys->section != NULL; keys++) {
		if (strcasecmp(keys->section, section) == 0 &&
		    strcasecmp(keys->key, key) == 0)
			return keys;
	}
	return NULL;
}

/* Is section one the table knows? */
static int
conf_known_section(const struct conf_key *keys, const char *section)
{
	for (; keys->section != NULL; keys++)
		if (strcasecmp(keys->section, section) == 0)
			return 1;
	return 0;
}

/* Store one value into the struct; -1 with err set if it is invalid. */
static int
conf_set(const char *path, const struct conf_key *k, const char *val,
    void *out, char *err, size_t errlen)
{
	char	*dst = (char *)out + k->offset;
	long	 l;
	int	 b;

	switch (k->type) {
	case CONF_INT:
		if (conf_parse_int(val, k->min, k->max, &l) == -1) {
			snprintf(err, errlen, "%s:%s:%s: \"%s\" is not an "
			    "integer from %ld to %ld", path, k->section,
			    k->key, val, k->min, k->max);
			return -1;
		}
		*(int *)(void *)dst = (int)l;
		return 0;
	case CONF_BOOL:
		if (conf_parse_bool(val, &b) == -1) {
			snprintf(err, errlen, "%s:%s:%s: \"%s\" is not yes or "
			    "no", path, k->section, k->key, val);
			return -1;
		}
		*(int *)(void *)dst = b;
		return 0;
	case CONF_STR:
		if (strlen(val) >= k->size) {
			snprintf(err, errlen, "%s:%s:%s: longer than %zu bytes",
			    path, k->section, k->key, k->size - 1);
			return -1;
		}
		memcpy(dst, val, strlen(val) + 1);
		return 0;
	}
	return -1;
}

int
conf_load(const char *path, int missing_ok, const struct conf_key *keys,
    void *out, char *err, size_t errlen)
{
	dictionary	 *d;
	const char	**names = NULL;
	const char	 *sec, *full, *key, *val;
	const struct conf_key *k;
	int		  nsec, nkeys, i, j, rc = -1;

	if (access(path, F_OK) == -1) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	conf_syntax_err[0] = '\0';
	iniparser_set_error_callback(conf_errback);
	d = iniparser_load(path);
	if (d == NULL || conf_syntax_err[0] != '\0') {
		if (conf_syntax_err[0] != '\0')
			snprintf(err, errlen, "%s: %s", path, conf_syntax_err);
		else
			snprintf(err, errlen, "%s: cannot be read", path);
		goto out;
	}
	nsec = iniparser_getnsec(d);
	for (i = 0; i < nsec; i++) {
		sec = iniparser_getsecname(d, i);
		if (!conf_known_section(keys, sec)) {
			snprintf(err, errlen, "%s:%s: unknown section", path,
			    sec);
			goto out;
		}
		nkeys = iniparser_getsecnkeys(d, sec);
		if (nkeys <= 0)
			continue;
		names = calloc((size_t)nkeys, sizeof *names);
		if (names == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		iniparser_getseckeys(d, sec, names);
		for (j = 0; j < nkeys; j++) {
			full = names[j];
			key = strchr(full, ':');
			key = key != NULL ? key + 1 : full;
			if ((k = conf_find(keys, sec, key)) == NULL) {
				snprintf(err, errlen, "%s:%s:%s: unknown key",
				    path, sec, key);
				goto out;
			}
			val = iniparser_getstring(d, full, "");
			if (conf_set(path, k, val, out, err, errlen) == -1)
				goto out;
		}
		free(names);
		names = NULL;
	}
	rc = 0;
out:
	free(names);
	if (d != NULL)
		iniparser_freedict(d);
	iniparser_set_error_callback(NULL);
	return rc;
}
