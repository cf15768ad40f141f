/*
 * chatctl: the administrator's tool for a running chatd.
 *
 *   chatctl [-j] [-D STATEDIR] [-c FILE] [-t SECONDS] COMMAND [ARGS]
 *
 * It sends one request over chatd's control socket, STATEDIR/chatd.ctl
 * (lib/chat/ctlproto.h, docs/PROTOCOL.md section 6), prints the reply as
 * text, or with --json as one JSON object or array, and exits with a
 * status that says what happened (EXIT_* below).  The state directory
 * is -D, else chatd.ini's state_dir, else chatd's default.  Only chatd's
 * own user and root may use the socket.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include <jansson.h>

#include "base/conf.h"
#include "base/version.h"
#include "base/xmalloc.h"
#include "chat/ctlproto.h"

/* Exit statuses, as the manual page and --help give them. */
#define EXIT_OK		0
#define EXIT_FAILED	1	/* the command failed: unknown user... */
#define EXIT_USAGE	2
#define EXIT_UNREACHABLE 3	/* no chatd to talk to, or no sane reply */
#define EXIT_DENIED	4	/* permission denied */

#define TIMEOUT_S	30	/* default: a reset-password may wait for
				 * chatd's password queue */

/* The commands, and how many arguments each takes. */
static const struct {
	const char	*name;
	int		 min, max;
	const char	*args;
} commands[] = {
	{ "status",		0, 0, "" },
	{ "users",		0, 1, " [PATTERN]" },
	{ "user",		1, 1, " NICK" },
	{ "sessions",		0, 0, "" },
	{ "lock",		1, 1, " NICK" },
	{ "unlock",		1, 1, " NICK" },
	{ "kick",		1, 1, " NICK" },
	{ "reset-password",	1, 1, " NICK" },
	{ "reload",		0, 0, "" },
};
#define NCOMMANDS	(sizeof commands / sizeof commands[0])

static int	json_out;		/* --json */
static char	*confdir;		/* state_dir from chatd.ini, kept
					 * reachable until exit */

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	size_t	i;

	fprintf(f,
"usage: chatctl [-hjV] [-D STATEDIR] [-c FILE] [-t SECONDS] COMMAND [ARGS]\n"
"Administer a running chatd through its control socket, STATEDIR/%s.\n"
"\n"
"Commands:\n", CTL_SOCKET);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s%s\n", commands[i].name, commands[i].args);
	fprintf(f,
"\n"
"  -D, --state-dir DIR  chatd's state directory (default: state_dir in\n"
"                       chatd's configuration file, else %s)\n"
"  -c, --config FILE    chatd's configuration file (default %s)\n"
"  -j, --json           print the result as JSON\n"
"  -t, --timeout SECS   wait this long for chatd (default %d)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Exit status: 0 ok, 1 the command failed (unknown user...), 2 usage,\n"
"3 cannot reach chatd, 4 permission denied.\n",
	    CTL_DEFAULT_STATE_DIR, "SYSCONFDIR/udp-suite/chatd.ini", TIMEOUT_S);
	exit(code);
}

/*
 * Say why chatctl stops, on stderr, and with --json as an object on
 * stdout too (error is a ctlproto.h word or chatctl's own), then exit.
 */
static void __attribute__((noreturn, format(printf, 3, 4)))
die(int code, const char *error, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];
	json_t	*o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "chatctl: %s\n", msg);
	if (json_out) {
		o = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", error,
		    "message", msg);
		if (o != NULL) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
		}
	}
	exit(code);
}

/* chatd's state directory, from its configuration file; NULL if the
 * file is missing or does not say.  The string is the caller's. */
static char *
config_state_dir(const char *path, int given)
{
	dictionary	*d;
	const char	*v;
	char		*s = NULL;

	if (access(path, R_OK) == -1) {
		if (given)
			die(EXIT_USAGE, "usage", "%s: %s", path,
			    strerror(errno));
		return NULL;
	}
	if ((d = iniparser_load(path)) == NULL)
		die(EXIT_USAGE, "usage", "%s: cannot read it", path);
	if ((v = iniparser_getstring(d, "chatd:state_dir", NULL)) != NULL &&
	    v[0] != '\0')
		s = xstrdup(v);
	iniparser_freedict(d);
	return s;
}

/* Connect to the control socket at path, or exit saying why not. */
static int
ctl_connect(const char *path, const char *dir, int timeout)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { timeout, 0 };
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		die(EXIT_UNREACHABLE, "unreachable", "%s: path too long for a "
		    "socket", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(EXIT_UNREACHABLE, "unreachable", "socket: %s",
		    strerror(errno));
	/* Bounds connect (a full backlog), send and recv alike. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
		die(EXIT_UNREACHABLE, "unreachable", "setsockopt: %s",
		    strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
		die(EXIT_UNREACHABLE, "unreachable", "cannot reach chatd: no "
		    "control socket %s (is chatd running with state directory "
		    "%s?)", path, dir);
	case ECONNREFUSED:
		die(EXIT_UNREACHABLE, "unreachable", "cannot reach chatd: "
		    "nothing listens on %s (chatd is not running)", path);
	case EACCES:
	case EPERM:
		die(EXIT_DENIED, CTL_E_DENIED, "permission denied: %s (run "
		    "chatctl as chatd's user or as root)", path);
	case EAGAIN:
	case EINPROGRESS:
		die(EXIT_UNREACHABLE, "unreachable", "cannot reach chatd: %s "
		    "accepts no connection (chatd is busy or stopped)", path);
	default:
		die(EXIT_UNREACHABLE, "unreachable", "cannot reach chatd: "
		    "%s: %s", path, strerror(errno));
	}
}

/* Send the request line and read the reply, a JSON object. */
static json_t *
ctl_exchange(int fd, const char *path, int argc, char **argv, int timeout)
{
	json_t		*req = json_array(), *rep;
	json_error_t	 jerr;
	char		*line, *buf;
	size_t		 len, off = 0, cap = 4096;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < argc; i++)
		if (json_array_append_new(req, json_string(argv[i])) == -1)
			die(EXIT_USAGE, "usage", "argument %d is not UTF-8",
			    i + 1);
	if ((line = json_dumps(req, JSON_COMPACT)) == NULL)
		die(EXIT_USAGE, "usage", "cannot encode the request");
	json_decref(req);
	len = strlen(line);
	if (len + 1 > CTL_REQUEST_MAX)
		die(EXIT_USAGE, "usage", "request longer than %d bytes",
		    CTL_REQUEST_MAX);
	line = xreallocarray(line, len + 2, 1);
	line[len++] = '\n';
	while (off < len) {
		if ((n = send(fd, line + off, len - off, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			free(line);
			die(EXIT_UNREACHABLE, "unreachable", "%s: %s", path,
			    errno == EAGAIN ? "chatd did not take the request"
			    : strerror(errno));
		}
		off += (size_t)n;
	}
	free(line);
	/* The reply ends where chatd closes the connection. */
	buf = xmalloc(cap);
	off = 0;
	for (;;) {
		if (off == cap) {
			if (cap >= CTL_REPLY_MAX) {
				free(buf);
				die(EXIT_UNREACHABLE, "unreachable", "chatd's "
				    "reply is longer than %d bytes",
				    CTL_REPLY_MAX);
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = recv(fd, buf + off, cap - off, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			free(buf);
		if (n == -1 && errno == EAGAIN)
			die(EXIT_UNREACHABLE, "unreachable", "chatd did not "
			    "answer within %d s", timeout);
		if (n == -1)
			die(EXIT_UNREACHABLE, "unreachable", "%s: %s", path,
			    strerror(errno));
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (off == 0) {
		free(buf);
		die(EXIT_UNREACHABLE, "unreachable", "chatd closed the "
		    "connection without a reply");
	}
	rep = json_loadb(buf, off, 0, &jerr);
	free(buf);
	if (rep == NULL || !json_is_object(rep)) {
		json_decref(rep);
		die(EXIT_UNREACHABLE, "unreachable", "chatd's reply is not a "
		    "JSON object%s%s", rep == NULL ? ": " : "",
		    rep == NULL ? jerr.text : "");
	}
	return rep;
}

/*
 * Print text from chatd (a nick, a device name) so that it cannot drive
 * the terminal: C0 and C1 controls and bidirectional overrides come out
 * escaped, as chatc shows them.
 */
static void
put_text(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else if (*p == '\\')
			fputs("\\\\", stdout);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			printf("\\u%04x", p[1]);
			p++;
		} else if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa &&
		    p[2] <= 0xae) || (p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9))) {
			printf("\\u%04x", 0x2000 | (p[1] & 0x3f) << 6 |
			    (p[2] & 0x3f));
			p += 2;
		} else
			putchar(*p);
	}
}

/* A member of o as text: a string (escaped), a number, "-" for null. */
static void
put_member(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (json_is_string(v))
		put_text(json_string_value(v));
	else if (json_is_integer(v))
		printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_true(v))
		fputs("yes", stdout);
	else if (json_is_false(v))
		fputs("no", stdout);
	else
		putchar('-');
}

/* A line "name  value" for each key of o, in order; objects nested. */
static void
put_fields(json_t *o, const char *prefix)
{
	const char	*key;
	json_t		*v;
	char		 name[64];

	json_object_foreach(o, key, v) {
		snprintf(name, sizeof name, "%s%s", prefix, key);
		if (json_is_object(v)) {
			snprintf(name, sizeof name, "%s%s.", prefix, key);
			put_fields(v, name);
			continue;
		}
		if (json_is_array(v))
			continue;
		printf("%-20s ", name);
		put_member(o, key);
		putchar('\n');
	}
}

/* Each object of array a as one line of tab-separated keys. */
static void
put_rows(json_t *a, const char *const *keys)
{
	json_t	*o;
	size_t	 i, k;

	json_array_foreach(a, i, o) {
		for (k = 0; keys[k] != NULL; k++) {
			if (k > 0)
				putchar('\t');
			put_member(o, keys[k]);
		}
		putchar('\n');
	}
}

/* The result of command cmd as text. */
static void
put_result(const char *cmd, json_t *r)
{
	static const char *const users[] = { "nick", "online", "sessions",
	    "last_seen", "created", "locked", NULL };
	static const char *const sessions[] = { "id", "nick", "address",
	    "since", "device", "datagram", NULL };
	static const char *const devices[] = { "id", "name", "last_used",
	    "address", "online", NULL };
	const char	*nick = json_string_value(json_object_get(r, "nick"));
	json_int_t	 n = json_integer_value(json_object_get(r,
			    "sessions_ended"));

	if (strcmp(cmd, "status") == 0)
		put_fields(r, "");
	else if (strcmp(cmd, "users") == 0)
		put_rows(r, users);
	else if (strcmp(cmd, "sessions") == 0)
		put_rows(r, sessions);
	else if (strcmp(cmd, "user") == 0) {
		put_fields(r, "");
		if (json_array_size(json_object_get(r, "devices")) > 0) {
			printf("devices:\n");
			put_rows(json_object_get(r, "devices"), devices);
		}
	} else if (strcmp(cmd, "reset-password") == 0)
		printf("%s\n", json_string_value(json_object_get(r,
		    "password")));
	else if (strcmp(cmd, "reload") == 0)
		printf("configuration reloaded\n");
	else if (nick != NULL) {
		put_text(nick);
		if (strcmp(cmd, "kick") == 0)
			printf(" signed out, device tokens revoked");
		else
			printf(" %s%s", json_is_true(json_object_get(r,
			    "was_locked")) == json_is_true(json_object_get(r,
			    "locked")) ? "was already " : "", json_is_true(
			    json_object_get(r, "locked")) ? "locked" :
			    "unlocked");
		if (n > 0)
			printf(" (%" JSON_INTEGER_FORMAT " session%s ended)",
			    n, n == 1 ? "" : "s");
		putchar('\n');
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "state-dir",	required_argument,	NULL, 'D' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char	 defconf[512];
	const char	*config, *dir = NULL, *error, *msg;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		 word[32], why[512];
	json_t		*rep, *result;
	long		 l;
	size_t		 i;
	int		 ch, nargs, timeout = TIMEOUT_S, given = 0, fd;

	config = conf_default_path("chatd", defconf, sizeof defconf);
	while ((ch = getopt_long(argc, argv, "+D:c:jt:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D':
			dir = optarg;
			break;
		case 'c':
			config = optarg;
			given = 1;
			break;
		case 'j':
			json_out = 1;
			break;
		case 't':
			if (conf_parse_int(optarg, 1, 3600, &l) == -1) {
				fprintf(stderr, "chatctl: -t %s: not a number "
				    "of seconds from 1 to 3600\n", optarg);
				exit(EXIT_USAGE);
			}
			timeout = (int)l;
			break;
		case 'h':
			usage(stdout, EXIT_OK);
		case 'V':
			printf("chatctl (%s) %s\n", SUITE_NAME, SUITE_VERSION);
			exit(EXIT_OK);
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(stderr, EXIT_USAGE);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == NCOMMANDS)
		die(EXIT_USAGE, "usage", "unknown command %s (chatctl --help "
		    "lists them)", argv[0]);
	nargs = argc - 1;
	if (nargs < commands[i].min || nargs > commands[i].max)
		die(EXIT_USAGE, "usage", "usage: chatctl %s%s",
		    commands[i].name, commands[i].args);

	if (dir == NULL && (confdir = config_state_dir(config, given)) != NULL)
		dir = confdir;
	if (dir == NULL)
		dir = CTL_DEFAULT_STATE_DIR;
	if (ctl_socket_path(dir, path, sizeof path) == -1)
		die(EXIT_UNREACHABLE, "unreachable", "%s/%s: path too long for "
		    "a socket", dir, CTL_SOCKET);
	fd = ctl_connect(path, dir, timeout);
	rep = ctl_exchange(fd, path, argc, argv, timeout);
	close(fd);

	if (!json_is_true(json_object_get(rep, "ok"))) {
		error = json_string_value(json_object_get(rep, "error"));
		msg = json_string_value(json_object_get(rep, "message"));
		snprintf(word, sizeof word, "%s", error != NULL ? error :
		    CTL_E_FAILED);
		snprintf(why, sizeof why, "%s", msg != NULL ? msg : word);
		json_decref(rep);
		free(confdir);
		die(strcmp(word, CTL_E_USAGE) == 0 ? EXIT_USAGE :
		    strcmp(word, CTL_E_DENIED) == 0 ? EXIT_DENIED : EXIT_FAILED,
		    word, "%s", why);
	}
	result = json_object_get(rep, "result");
	if (json_out) {
		json_dumpf(result, stdout, JSON_INDENT(2));
		putchar('\n');
	} else
		put_result(argv[0], result);
	if (json_is_true(json_object_get(rep, "more")))
		fprintf(stderr, "chatctl: the listing stops at chatd's bound; "
		    "a PATTERN narrows it\n");
	json_decref(rep);
	free(confdir);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}
