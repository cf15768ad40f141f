/*
 * app.h: chat-tui's behaviour, between the keys, the model and the net.
 *
 * Keys come in from keys.c as events and become edits, commands, list
 * moves and sends; events from the network come in as app_on_*() calls
 * and update the model and the history.  The screen is redrawn from the
 * app's state by ui.c after each batch of events.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>
#include <stdint.h>

#include "edit.h"
#include "history.h"
#include "keys.h"
#include "model.h"
#include "tuiconf.h"

struct net;

enum app_focus {
	APP_FOCUS_LIST,
	APP_FOCUS_INPUT,
};

/* What the input line is for, when not for a message. */
enum app_prompt {
	APP_PROMPT_NONE,
	APP_PROMPT_NICK,	/* our nickname */
	APP_PROMPT_PASSWORD,	/* to log in */
	APP_PROMPT_REGISTER,	/* y/n: register this nickname? */
	APP_PROMPT_PASSWD_OLD,	/* /passwd: the current password */
	APP_PROMPT_PASSWD_NEW,	/* /passwd: the new one */
	APP_PROMPT_CONFIRM,	/* y/n: send a very large message? */
};

struct app {
	struct model	 model;
	struct edit	 edit;
	struct history	 hist;
	const struct tuiconf *conf;
	struct net	*net;
	enum app_focus	 focus;
	char		 filter[128];	/* typed in the contact list */
	size_t		 sel;		/* the selected row of the filtered list */
	enum app_prompt	 prompt;
	char		 question[160];	/* the y/n prompts' text */
	struct edit	 secret;	/* password prompts: never echoed or kept */
	char		*pending;	/* a large message waiting for y/n */
	char		*old_password;	/* /passwd between its two prompts */
	char		*password;	/* held until the login succeeds */
	int		 password_env;	/* it came from $CHAT_PASSWORD */
	int		 help;		/* the help is shown instead of the conversation */
	int		 quit;
	int		 changed;	/* something to redraw (set by net.c) */
	int		 bell;		/* ring the bell at the next draw */
	int		 away;
	uint64_t	 typing_sent_ms;
	uint64_t	 last_msgid;	/* cp_msgid_next() */
	uint32_t	 msgid_tag;
	uint64_t	 now_ms;	/* the time the current batch of events happens */
};

void	app_init(struct app *, const struct tuiconf *);
void	app_free(struct app *);
/* Start: our nickname is known (or asked for), the history is read, logging in begins. */
void	app_start(struct app *, const char *nick);
/* A key. */
void	app_key(struct app *, const struct keys_event *);
/* The conversations in the list as shown (the filter applied); see model_filter. */
size_t	app_list(const struct app *, struct model_conv **, size_t max);
/* After drawing: received messages first..last of the open conversation are on the screen. */
void	app_seen(struct app *, size_t first, size_t last);
/* The help text, NULL-terminated lines. */
extern const char *const app_help[];

/* Events from the network (net.c). */
void	app_on_conn(struct app *, enum model_conn, const char *why,
	    int need_password, int unknown_user);
void	app_on_accepted(struct app *, uint64_t id, uint64_t time_ms,
	    enum model_state);
void	app_on_receipt(struct app *, uint64_t id, enum model_state);
void	app_on_refused(struct app *, uint64_t id, const char *why);
void	app_on_message(struct app *, uint64_t sid, uint64_t time_ms,
	    const char *from, const char *text, size_t len);
/* A contact list (who == 0) or the who directory. */
void	app_on_roster(struct app *, int who, const char *const *nicks,
	    const enum model_presence *, const uint64_t *last_seen, size_t n);
void	app_on_presence(struct app *, const char *nick, enum model_presence,
	    uint64_t last_seen_ms);
void	app_on_typing(struct app *, const char *from);
/* The outcome of a request other than a send: ok, or an error text. */
void	app_on_result(struct app *, const char *what, const char *error);

#endif
