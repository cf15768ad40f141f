/*
 * tuiconf.h: chat-tui's settings, from etc/chat-tui.ini through conf.h.
 *
 * (Named tuiconf rather than config so that its functions never meet
 * timed's config_* when the unit tests link every program's modules.)
 * The file is $XDG_CONFIG_HOME/chat-tui/chat-tui.ini (~/.config without
 * XDG_CONFIG_HOME) if it exists, else SYSCONFDIR/udp-suite/chat-tui.ini;
 * with neither, the embedded defaults below, which etc/chat-tui.ini
 * documents key by key.
 */
#ifndef TUICONF_H
#define TUICONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* The actions a key can be bound to. */
enum tuiconf_action {
	TUICONF_NEXT,		/* next conversation */
	TUICONF_PREV,		/* previous conversation */
	TUICONF_UNREAD,		/* next conversation with unread messages */
	TUICONF_PGUP,		/* scroll the conversation up a page */
	TUICONF_PGDN,		/* and down */
	TUICONF_FOCUS,		/* between the contact list and the input */
	TUICONF_NEWLINE,	/* a new line in the message */
	TUICONF_REDRAW,		/* redraw the screen */
	TUICONF_NACTIONS
};

/* The colours of the screen's parts. */
enum tuiconf_colour {
	TUICONF_C_OWN,		/* own nickname */
	TUICONF_C_PEER,		/* the other's nickname */
	TUICONF_C_TIME,		/* timestamps and message states */
	TUICONF_C_STATUS,	/* the status bar's background */
	TUICONF_C_ONLINE,	/* presence marker */
	TUICONF_C_AWAY,
	TUICONF_C_MARKER,	/* "new messages below", day separators */
	TUICONF_NCOLOURS
};

struct tuiconf {
	char	server[256];
	char	nickname[129];
	int	colour;
	int	bell;
	int	list_width;
	int	paste_confirm_lines;
	int	history_max;
	int	typing;
	char	time_format[32];
	char	colours[TUICONF_NCOLOURS][16];
	char	keys[TUICONF_NACTIONS][24];
	/* Parsed from the above by tuiconf_load(). */
	int	colour_num[TUICONF_NCOLOURS];	/* curses colour, -1 default */
	int32_t	key[TUICONF_NACTIONS];
	int	key_mods[TUICONF_NACTIONS];
};

/* The embedded defaults. */
void		 tuiconf_defaults(struct tuiconf *);
/* The file to read when -c is not given (XDG, else the system one). */
const char	*tuiconf_path(char *buf, size_t len);
/* Load path over c and validate; 0, or -1 with "file:section:key: why" in err. */
int		 tuiconf_load(const char *path, int missing_ok,
		    struct tuiconf *c, char *err, size_t errlen);
/* Parse the bindings and colours of c (done by tuiconf_load); 0 or -1. */
int		 tuiconf_check(const char *path, struct tuiconf *c, char *err,
		    size_t errlen);
/* The name of an action, as in the [keys] section. */
const char	*tuiconf_action_name(enum tuiconf_action);

#endif
