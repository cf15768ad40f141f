/*
 * app.h: chat-tui's behaviour, between the keys, the model and the net.
 *
 * The app owns the model, the input line and the prompts' secrets, the
 * history on disk, and which conversation and list row are chosen.
 * Keys come in from keys.c as events and become edits, commands, list
 * moves and sends; events from the network come in through app_events
 * and update the model and the history.  It asks things of the network
 * only through the struct net_ops it is given (net.h), and does not own
 * the net: whoever made it frees it.  So it runs without a network or a
 * terminal, and tests drive it with a fake net and keys.  The screen is
 * redrawn from the app's state by ui.c after each batch of events.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>
#include <stdint.h>

#include "edit.h"
#include "history.h"
#include "keys.h"
#include "model.h"
#include "net.h"
#include "tuiconf.h"

enum app_focus {
	APP_FOCUS_LIST,
	APP_FOCUS_INPUT,
};

/* What the input line is for, when not for a message. */
enum app_prompt {
	APP_PROMPT_NONE,
	APP_PROMPT_NICK,	/* our nickname */
	APP_PROMPT_PASSWORD,	/* to log in */
	APP_PROMPT_PASSWORD_AGAIN, /* to register: the same password again */
	APP_PROMPT_REGISTER,	/* y/n: register this nickname? */
	APP_PROMPT_PASSWD_OLD,	/* /passwd: the current password */
	APP_PROMPT_PASSWD_NEW,	/* /passwd: the new one */
	APP_PROMPT_CONFIRM,	/* y/n: send a very large message? */
	APP_PROMPT_LEAVE,	/* y/n: delete a group's history on leaving? */
	APP_PROMPT_GROUP,	/* y/n: /owner or /delete (gasking) */
};

struct app {
	struct model	 model;
	struct edit	 edit;
	struct history	 hist;
	const struct tuiconf *conf;
	const struct net_ops *netops;
	struct net	*net;		/* NULL: no server (see app_set_net) */
	/*
	 * LIST whenever no conversation is open: the input line's text then
	 * filters the list (unless it is a /command), Up and Down move the
	 * highlight and Enter opens it.  INPUT: the open conversation.
	 */
	enum app_focus	 focus;
	struct model_conv *pick;	/* highlighted by Up/Down; NULL: app_current() chooses */
	char		*draft;		/* text left in a conversation by Esc, for the next one */
	/* A contact command waiting for chatd's answer, for its notice. */
	char		 asking[NICK_MAX_BYTES];
	enum net_contacts_op asking_op;
	int		 asking_request;	/* /add of someone who asked us */
	enum app_prompt	 prompt;
	char		 question[160];	/* the y/n prompts' text */
	struct edit	 secret;	/* password prompts: never echoed or kept */
	char		*pending;	/* a large message waiting for y/n */
	char		*old_password;	/* /passwd between its two prompts */
	char		*password;	/* held until the login succeeds */
	int		 password_env;	/* it came from $CHAT_PASSWORD */
	int		 help;		/* the help is shown instead of the conversation */
	int		 members;	/* F2: a group's members beside it */
	int		 members_notice; /* /members: list them in the notice */
	char		 gtarget[NICK_MAX_BYTES]; /* /invite, /kick, /admin,
					 * /unadmin, /owner: whom */
	/* /owner, /delete waiting for y/n: the op, and on which group. */
	enum cp_group_op gasking;
	char		 gasking_group[NICK_MAX_BYTES];
	uint64_t	 readers_sid;	/* /readers: of our message sid */
	uint64_t	 glist_retry_ms;	/* the group list refused for
					 * now: asked again then (0 none) */
	/* /leave: the group, and whether to delete its history here. */
	char		 leaving[NICK_MAX_BYTES];
	int		 leave_delete;
	int		 quit;
	int		 changed;	/* something to redraw (network events) */
	int		 bell;		/* ring the bell at the next draw */
	int		 away;
	uint64_t	 typing_sent_ms;
	uint64_t	 last_msgid;	/* cp_msgid_next() */
	uint32_t	 msgid_tag;
	uint64_t	 now_ms;	/* the time the current batch of events happens */
	/*
	 * The server's history: fetched for every contact and request at
	 * each login, paced by a token bucket under the server's rate.
	 */
	unsigned int	 conn_gen;	/* logins so far */
	int		 hist_off;	/* the server keeps none */
	double		 hist_tokens;
	uint64_t	 hist_fill_ms;
	/*
	 * Scroll the open conversation a page (dir -1 up, 1 down) and say
	 * whether its first row is now in view; NULL: the screen holds it
	 * all (main.c sets ui_page).
	 */
	int		(*page)(struct app *, int dir);
};

void	app_init(struct app *, const struct tuiconf *);
void	app_free(struct app *);
/* Talk to the server through ops on net, or to none if net is NULL. */
void	app_set_net(struct app *, const struct net_ops *, struct net *);
/* Start: our nickname is known (or asked for), the history is read, logging in begins. */
void	app_start(struct app *, const char *nick);
/* A key. */
void	app_key(struct app *, const struct keys_event *);
/*
 * The conversations in the list as shown: those the filter matches, or
 * all of them when it matches none (see model_filter); blocked users
 * and declined requests are left out, and requests come last (the
 * Requests section).
 */
size_t	app_list(const struct app *, struct model_conv **, size_t max);
/* The filter: the input line's text while the list is active, else "". */
const char *app_filter(const struct app *);
/* The highlighted conversation, the one Enter opens from the list; may be NULL. */
struct model_conv *app_current(const struct app *);
/* What Enter (or the key that answers) will do now, for the status bar. */
void	app_hint(const struct app *, char *buf, size_t len);
/* Once a second: history requests held back by pacing go out. */
void	app_tick(struct app *);
/* Requests waiting for an answer from us (the Requests section). */
size_t	app_requests(const struct app *);
/* Is the older history of the open conversation being fetched? */
int	app_loading_older(const struct app *);
/* After drawing: received messages first..last of the open conversation are on the screen. */
void	app_seen(struct app *, size_t first, size_t last);
/* A group event as its line shows it ("* bob joined (invited by alice)"). */
void	app_event_text(const struct model_msg *, char *buf, size_t len);
/* The state of a sent message as its line ends: "accepted", "read",
 * for a group's "delivered 1/3", "read 2/3". */
void	app_state_text(const struct model_msg *, char *buf, size_t len);
/* Is the member list shown beside the open conversation? */
int	app_members_shown(const struct app *);
/* The help text, NULL-terminated lines. */
extern const char *const app_help[];

/*
 * What the app does on the network's events: give it to net_new() with
 * the app as the argument.
 */
extern const struct net_events app_events;

#endif
