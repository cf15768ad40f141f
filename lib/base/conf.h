/*
 * conf.h: INI configuration into plain structs.
 *
 * A program describes its keys in a table (section, key, type, where the
 * value goes in its struct, and the allowed range).  conf_load() fills the
 * struct from a file with iniparser, validates every key and refuses
 * unknown sections and keys, so a typo is an error instead of a silent
 * default.  Errors read "file:section:key: what is wrong".  Strings are
 * copied into fixed arrays in the struct: nothing points into iniparser's
 * dictionary after it is freed.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>

enum conf_type {
	CONF_INT,		/* int, within [min, max] */
	CONF_BOOL,		/* int 0/1: yes/no, true/false, on/off, 1/0 */
	CONF_STR,		/* char[size], shorter than size */
};

struct conf_key {
	const char	*section;
	const char	*key;
	enum conf_type	 type;
	size_t		 offset;	/* offsetof() into the target struct */
	long		 min, max;	/* CONF_INT range */
	size_t		 size;		/* CONF_STR buffer size */
};

#define CONF_INT_KEY(s, k, T, f, lo, hi) \
	{ s, k, CONF_INT, offsetof(T, f), lo, hi, 0 }
#define CONF_BOOL_KEY(s, k, T, f) \
	{ s, k, CONF_BOOL, offsetof(T, f), 0, 1, 0 }
#define CONF_STR_KEY(s, k, T, f) \
	{ s, k, CONF_STR, offsetof(T, f), 0, 0, sizeof(((T *)0)->f) }
#define CONF_END	{ NULL, NULL, CONF_INT, 0, 0, 0, 0 }

/* The default path of a program's config file, "SYSCONFDIR/udp-suite/NAME.ini". */
const char	*conf_default_path(const char *name, char *buf, size_t len);

/*
 * Read path into out, which the caller has filled with defaults.  Returns 0,
 * or -1 with a message in err.  If missing_ok and the file does not exist,
 * the defaults stand and 0 is returned.
 */
int		 conf_load(const char *path, int missing_ok,
		    const struct conf_key *keys, void *out,
		    char *err, size_t errlen);

/* Parse an integer with a range check; 0 or -1. */
int		 conf_parse_int(const char *s, long min, long max, long *out);
/* Parse a boolean word; 0 or -1. */
int		 conf_parse_bool(const char *s, int *out);

#endif
