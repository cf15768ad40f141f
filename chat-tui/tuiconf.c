/* tuiconf.c: chat-tui's configuration keys, defaults and checks. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/conf.h"
#include "keys.h"
#include "chat/nick.h"
#include "tuiconf.h"

static const char	*tuiconf_actions[TUICONF_NACTIONS] = {
	"next_conversation", "previous_conversation", "next_unread",
	"page_up", "page_down", "switch_focus", "newline", "redraw",
};

static const char	*tuiconf_colour_keys[TUICONF_NCOLOURS] = {
	"own", "peer", "time", "status", "online", "away", "marker",
};

static const char	*tuiconf_colour_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

#define K(s, k, f)	CONF_STR_KEY(s, k, struct tuiconf, f)
static const struct conf_key tuiconf_keys[] = {
	K("chat-tui", "server", server),
	K("chat-tui", "nickname", nickname),
	CONF_BOOL_KEY("chat-tui", "bell", struct tuiconf, bell),
	CONF_BOOL_KEY("chat-tui", "typing", struct tuiconf, typing),
	CONF_INT_KEY("chat-tui", "list_width", struct tuiconf, list_width,
	    8, 40),
	CONF_INT_KEY("chat-tui", "paste_confirm_lines", struct tuiconf,
	    paste_confirm_lines, 1, 100000),
	CONF_INT_KEY("chat-tui", "history", struct tuiconf, history_max,
	    10, 100000),
	K("chat-tui", "time_format", time_format),
	CONF_BOOL_KEY("colours", "enable", struct tuiconf, colour),
	K("colours", "own", colours[TUICONF_C_OWN]),
	K("colours", "peer", colours[TUICONF_C_PEER]),
	K("colours", "time", colours[TUICONF_C_TIME]),
	K("colours", "status", colours[TUICONF_C_STATUS]),
	K("colours", "online", colours[TUICONF_C_ONLINE]),
	K("colours", "away", colours[TUICONF_C_AWAY]),
	K("colours", "marker", colours[TUICONF_C_MARKER]),
	K("keys", "next_conversation", keys[TUICONF_NEXT]),
	K("keys", "previous_conversation", keys[TUICONF_PREV]),
	K("keys", "next_unread", keys[TUICONF_UNREAD]),
	K("keys", "page_up", keys[TUICONF_PGUP]),
	K("keys", "page_down", keys[TUICONF_PGDN]),
	K("keys", "switch_focus", keys[TUICONF_FOCUS]),
	K("keys", "newline", keys[TUICONF_NEWLINE]),
	K("keys", "redraw", keys[TUICONF_REDRAW]),
	CONF_END
};
#undef K

/* The embedded defaults; etc/chat-tui.ini documents each of them. */
void
tuiconf_defaults(struct tuiconf *c)
{
	static const char *const keys[TUICONF_NACTIONS] = {
		"C-n", "C-p", "M-a", "PageUp", "PageDown", "Tab", "M-Enter",
		"C-l",
	};
	static const char *const colours[TUICONF_NCOLOURS] = {
		"cyan", "yellow", "default", "blue", "green", "yellow",
		"magenta",
	};
	size_t	i;

	memset(c, 0, sizeof *c);
	strcpy(c->server, "localhost:8081");
	c->colour = 1;
	c->bell = 1;
	c->typing = 1;
	c->list_width = 20;
	c->paste_confirm_lines = 20;
	c->history_max = 5000;
	strcpy(c->time_format, "%H:%M");
	for (i = 0; i < TUICONF_NACTIONS; i++)
		strcpy(c->keys[i], keys[i]);
	for (i = 0; i < TUICONF_NCOLOURS; i++)
		strcpy(c->colours[i], colours[i]);
}

/* $XDG_CONFIG_HOME/chat-tui/chat-tui.ini if it exists, else the system file. */
const char *
tuiconf_path(char *buf, size_t len)
{
	const char	*x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int		 n = -1;

	if (x != NULL && x[0] == '/')
		n = snprintf(buf, len, "%s/chat-tui/chat-tui.ini", x);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, len, "%s/.config/chat-tui/chat-tui.ini",
		    home);
	if (n > 0 && (size_t)n < len && access(buf, F_OK) == 0)
		return buf;
	return conf_default_path("chat-tui", buf, len);
}

/* A colour name as a curses colour number (-1 for the default). */
static int
tuiconf_colour(const char *s, int *out)
{
	size_t	i;

	if (strcasecmp(s, "default") == 0) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < sizeof tuiconf_colour_names /
	    sizeof tuiconf_colour_names[0]; i++)
		if (strcasecmp(s, tuiconf_colour_names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

/* Parse bindings and colours, and check what conf.h cannot. */
int
tuiconf_check(const char *path, struct tuiconf *c, char *err, size_t errlen)
{
	size_t	i, j;

	for (i = 0; i < TUICONF_NACTIONS; i++) {
		if (keys_parse(c->keys[i], &c->key[i], &c->key_mods[i]) == -1) {
			snprintf(err, errlen, "%s:keys:%s: \"%s\" is not a key "
			    "(C-x, M-x, F1..F12, PageUp, Tab, M-Enter, ...)",
			    path, tuiconf_actions[i], c->keys[i]);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (c->key[j] == c->key[i] &&
			    c->key_mods[j] == c->key_mods[i]) {
				snprintf(err, errlen, "%s:keys:%s: \"%s\" is "
				    "already bound to %s", path,
				    tuiconf_actions[i], c->keys[i],
				    tuiconf_actions[j]);
				return -1;
			}
	}
	for (i = 0; i < TUICONF_NCOLOURS; i++)
		if (tuiconf_colour(c->colours[i], &c->colour_num[i]) == -1) {
			snprintf(err, errlen, "%s:colours:%s: \"%s\" is not "
			    "default, black, red, green, yellow, blue, "
			    "magenta, cyan or white", path,
			    tuiconf_colour_keys[i], c->colours[i]);
			return -1;
		}
	if (c->nickname[0] != '\0') {
		enum nick_err	e = nick_lookup(c->nickname,
			    strlen(c->nickname), NULL, NULL);

		if (e != NICK_OK) {
			snprintf(err, errlen, "%s:chat-tui:nickname: \"%s\" %s",
			    path, c->nickname, nick_strerror(e));
			return -1;
		}
	}
	if (c->server[0] == '\0') {
		snprintf(err, errlen, "%s:chat-tui:server: empty", path);
		return -1;
	}
	if (c->time_format[0] == '\0') {
		snprintf(err, errlen, "%s:chat-tui:time_format: empty", path);
		return -1;
	}
	return 0;
}

/* Load and validate. */
int
tuiconf_load(const char *path, int missing_ok, struct tuiconf *c,
    char *err, size_t errlen)
{
	if (conf_load(path, missing_ok, tuiconf_keys, c, err, errlen) == -1)
		return -1;
	return tuiconf_check(path, c, err, errlen);
}

/* The config name of an action. */
const char *
tuiconf_action_name(enum tuiconf_action a)
{
	return a < TUICONF_NACTIONS ? tuiconf_actions[a] : "?";
}
