/* app.c: keys, commands and network events; see app.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "chat/chatproto.h"
#include "base/clock.h"
#include "base/log.h"
#include "width.h"
#include "base/xmalloc.h"

#define APP_TEXT_MAX		4096	/* bytes of a message, as chatd takes */
#define APP_TYPING_EVERY_MS	3000
/*
 * History from the server: a page of 50 per conversation at login, at
 * most 4 requests under way, and a bucket of 20 refilled at 8 a second,
 * under chatd's default history rate (10 a second, burst 30), so that an
 * account with many contacts is served without a refusal.  One that is
 * refused anyway (rate limited, busy) is asked again 2 s later.
 */
#define APP_HIST_PAGE		50
#define APP_HIST_INFLIGHT	4
#define APP_HIST_BURST		20.0
#define APP_HIST_RATE		8.0
#define APP_HIST_RETRY_MS	2000

const char *const app_help[] = {
	"chat-tui: pick a contact, type, press Enter.  Any key closes this.",
	"With no conversation open, the contact list is active:",
	"  Up/Down, Enter   move the highlight, open that conversation",
	"  letters          find a contact: Enter opens the best match",
	"  Enter, Delete    on a request (under Requests): accept, decline",
	"In a conversation: type, Enter sends; Esc goes back to the list.",
	"  Alt+Enter        new line (a paste is one message); Up/Down: lines sent",
	"  Tab              complete a nickname; else the list",
	"  Left/Right, Home/End, Ctrl-A/E/W/U/K/Y  move and edit",
	"Anywhere:",
	"  /                start a command (// sends a line starting /)",
	"  Alt+1..9, Ctrl-N/P, Alt+A  a conversation: by place, next/previous, unread",
	"  PageUp/PageDown  scroll; PageUp at the top fetches older messages",
	"  F1, /help: this; F2: a group's members; Ctrl-L redraw; Ctrl-C, /quit leave",
	"Commands: /query NICK (/open)  /close  /msg NICK TEXT  /who  /passwd",
	"  /add NICK  ask NICK to be a contact;  /del NICK  /away [TEXT]  /back",
	"  /accept NICK  /decline NICK  /block NICK  /unblock NICK  /blocked",
	"  /settings [visible|receipts|typing on|off]  /visible on|off",
	"Groups: /create #NAME  /query #NAME  /invite NICK  /kick NICK  /topic TEXT",
	"  /members  /mute  /unmute  /leave (asks: keep its history?) or --delete",
	"  /readers: who read your last;  owner: /admin /unadmin /owner NICK  /delete",
	"States: sending, accepted, delivered, read; in a group: read 2/3.",
	NULL
};

/* Set the status bar's notice. */
static void
app_notice(struct app *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
app_notice(struct app *a, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(a->model.notice, sizeof a->model.notice, fmt, ap);
	va_end(ap);
}

/* Set up with the configuration; nothing starts yet. */
void
app_init(struct app *a, const struct tuiconf *conf)
{
	memset(a, 0, sizeof *a);
	a->msgid_tag = randombytes_random();
	a->conf = conf;
	model_init(&a->model, (size_t)conf->history_max);
	edit_init(&a->edit, 200);
	edit_init(&a->secret, 0);
	a->focus = APP_FOCUS_LIST;
	snprintf(a->model.server, sizeof a->model.server, "%s",
	    conf->server);
}

/* Talk to the server through ops on net; NULL: there is none. */
void
app_set_net(struct app *a, const struct net_ops *ops, struct net *net)
{
	a->netops = ops;
	a->net = net;
}

/* Wipe and free a secret string. */
static void
app_wipe(char **s)
{
	if (*s != NULL) {
		sodium_memzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Empty the secret editor without leaving the text in memory. */
static void
app_secret_clear(struct app *a)
{
	sodium_memzero(a->secret.buf, a->secret.cap);
	a->secret.len = a->secret.cur = 0;
}

/* Free everything. */
void
app_free(struct app *a)
{
	app_secret_clear(a);
	app_wipe(&a->password);
	app_wipe(&a->old_password);
	free(a->pending);
	free(a->draft);
	edit_free(&a->secret);
	edit_free(&a->edit);
	model_free(&a->model);
}

/* Ask for something on the input line. */
static void
app_ask(struct app *a, enum app_prompt p)
{
	a->prompt = p;
	app_secret_clear(a);
}

/* Log in with what we have, or ask for a password. */
static void
app_login(struct app *a)
{
	const char	*env = getenv("CHAT_PASSWORD");
	char		 err[256];

	if (a->net == NULL)
		return;
	/*
	 * A password from the environment is there on every start, so no
	 * device token is asked for; one typed in is asked once a device.
	 */
	if (a->password == NULL && env != NULL && env[0] != '\0') {
		a->password = xstrdup(env);
		a->password_env = 1;
	}
	if (a->password == NULL &&
	    !a->netops->has_token(a->net, a->model.self)) {
		app_ask(a, APP_PROMPT_PASSWORD);
		return;
	}
	if (a->netops->login(a->net, a->model.self, a->password, 0,
	    !a->password_env, err, sizeof err) == -1)
		app_notice(a, "%s", err);
}

/* Our nickname is known: read the history and log in. */
static void
app_begin(struct app *a, const char *nick)
{
	char	err[512];

	model_key(nick, err, a->model.self);
	if (history_open(&a->hist, a->model.self, err, sizeof err) == -1)
		app_notice(a, "history off: %s", err);
	else
		history_load(&a->hist, &a->model);
	app_login(a);
}

/* Start with a nickname, or ask for one. */
void
app_start(struct app *a, const char *nick)
{
	if (nick == NULL || nick[0] == '\0') {
		app_ask(a, APP_PROMPT_NICK);
		return;
	}
	app_begin(a, nick);
}

/* The filter: what is typed while the list is active, unless a command. */
const char *
app_filter(const struct app *a)
{
	if (a->focus != APP_FOCUS_LIST || a->prompt != APP_PROMPT_NONE ||
	    a->edit.buf[0] == '/')
		return "";
	return a->edit.buf;
}

/* Is a conversation in the list?  Not a blocked user's, nor a declined request's. */
static int
app_listed(const struct model_conv *c)
{
	return !c->blocked && !(c->declined && !c->contact);
}

/* Is it in the Requests section?  A stranger's request, or an
 * invitation to a group. */
static int
app_is_request(const struct model_conv *c)
{
	if (c->group)
		return c->invited && !c->member;
	return c->request && !c->contact && app_listed(c);
}

/* Is it a group we are in, and so may write to and ask about? */
static int
app_in_group(const struct model_conv *c)
{
	return c != NULL && c->group && c->member;
}

/* Is the member list shown beside the open conversation? */
int
app_members_shown(const struct app *a)
{
	return a->members && a->model.open != NULL && a->model.open->group &&
	    !a->help;
}

/* The listed conversations matching filter, requests last; how many. */
static size_t
app_list_filter(const struct app *a, const char *filter,
    struct model_conv **out, size_t max)
{
	struct model_conv	**all;
	size_t			  n, i, k = 0, pass;

	n = model_filter(&a->model, filter, NULL, 0);
	if (n == 0)
		return 0;
	all = xreallocarray(NULL, n, sizeof *all);
	n = model_filter(&a->model, filter, all, n);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			if (!app_listed(all[i]) ||
			    app_is_request(all[i]) != (pass == 1))
				continue;
			if (k < max)
				out[k] = all[i];
			k++;
		}
	free(all);
	return k;
}

/* Is there a filter that matches no conversation? */
static int
app_nomatch(const struct app *a)
{
	const char	*f = app_filter(a);

	return f[0] != '\0' && app_list_filter(a, f, NULL, 0) == 0;
}

/* The conversations as listed: those matching, else all. */
size_t
app_list(const struct app *a, struct model_conv **out, size_t max)
{
	return app_list_filter(a, app_nomatch(a) ? "" : app_filter(a), out,
	    max);
}

/* Requests waiting for our answer. */
size_t
app_requests(const struct app *a)
{
	size_t	i, n = 0;

	for (i = 0; i < a->model.nconvs; i++)
		if (app_is_request(a->model.convs[i]))
			n++;
	return n;
}

/* Is an older page of the open conversation on its way? */
int
app_loading_older(const struct app *a)
{
	const struct model_conv	*c = a->model.open;

	return c != NULL && (c->hist_want == 2 ||
	    (c->hist_busy && c->hist_older));
}

/* The time of a conversation's newest message; 0 if none. */
static uint64_t
app_newest(const struct model_conv *c)
{
	return c->nmsgs > 0 ? c->msgs[c->nmsgs - 1].time_ms : 0;
}

/*
 * The highlighted conversation: the one picked with Up/Down; else for a
 * filter the first whose nickname starts with it, else the first that
 * contains it; else the one with the newest unread message, the open
 * one, the most recent, the first.  A filter that matches nothing
 * highlights only what Up/Down pick.
 */
struct model_conv *
app_current(const struct app *a)
{
	struct model_conv	**list, *c = NULL, *unread = NULL, *recent = NULL;
	const char		 *f = app_filter(a);
	char			  fkey[NICK_MAX_BYTES];
	size_t			  n = app_list(a, NULL, 0), i, flen;
	int			  nomatch = app_nomatch(a);

	if (n == 0)
		return NULL;
	list = xreallocarray(NULL, n, sizeof *list);
	n = app_list(a, list, n);
	for (i = 0; i < n; i++)
		if (list[i] == a->pick)
			c = a->pick;
	if (c == NULL && f[0] != '\0' && !nomatch) {
		model_key(f, fkey, NULL);
		flen = strlen(fkey);
		for (i = 0; i < n && c == NULL; i++)
			if (strncmp(list[i]->key, fkey, flen) == 0)
				c = list[i];
		if (c == NULL)
			c = list[0];
	}
	if (c == NULL && !nomatch) {
		for (i = 0; i < n; i++) {
			if (list[i]->unread > 0 && (unread == NULL ||
			    app_newest(list[i]) > app_newest(unread)))
				unread = list[i];
			if (list[i]->nmsgs > 0 && (recent == NULL ||
			    app_newest(list[i]) > app_newest(recent)))
				recent = list[i];
			if (list[i] == a->model.open)
				c = list[i];
		}
		if (unread != NULL)
			c = unread;
		else if (c == NULL)
			c = recent != NULL ? recent : list[0];
	}
	free(list);
	return c;
}

/* Open a conversation and put the cursor on the input line. */
static void
app_open(struct app *a, struct model_conv *c)
{
	model_open(&a->model, c);
	a->help = 0;
	a->pick = NULL;
	a->focus = APP_FOCUS_INPUT;
	/* The member list shown beside it is asked for again. */
	if (a->members && app_in_group(c) && a->net != NULL)
		a->netops->group(a->net, CPG_MEMBERS, c->nick, NULL, NULL);
	/* Text left by Esc comes back if nothing else was typed since. */
	if (a->draft != NULL && a->edit.len == 0) {
		edit_set(&a->edit, a->draft);
		free(a->draft);
		a->draft = NULL;
	}
}

/* Back to the contact list; what was typed in the conversation is kept. */
static void
app_to_list(struct app *a)
{
	if (a->edit.len > 0 && a->edit.buf[0] != '/') {
		free(a->draft);
		a->draft = xstrdup(a->edit.buf);
		edit_set(&a->edit, "");
		app_notice(a, "your text is kept for when a conversation opens");
	}
	a->focus = APP_FOCUS_LIST;
	a->pick = NULL;
}

/* Hand a message to the network, once per run. */
static void
app_queue(struct app *a, struct model_conv *c, struct model_msg *m)
{
	char	err[256];

	if (a->net == NULL || m->queued)
		return;
	if (a->netops->send(a->net, m->id, c->nick, m->text, m->len, err,
	    sizeof err) == -1) {
		model_fail(m, err);
		history_state(&a->hist, c, m);
		return;
	}
	m->queued = 1;
}

/* Send text to a conversation. */
static void
app_send_to(struct app *a, struct model_conv *c, const char *text)
{
	struct model_msg	*m;
	uint64_t		 id;

	id = cp_msgid_next(&a->last_msgid, a->msgid_tag, a->now_ms);
	m = model_add(&a->model, c, id, a->now_ms, 1, MODEL_SENDING, text,
	    strlen(text));
	history_msg(&a->hist, c, m);
	app_queue(a, c, m);
	scroll_end(&c->scroll);
}

/* Ask chatd for lists (NET_CH_* bits) again, with no notice. */
static void
app_refresh(struct app *a, unsigned int lists)
{
	if (a->net == NULL)
		return;
	if (lists & NET_CH_CONTACTS)
		a->netops->contacts(a->net, NET_LIST, NULL);
	if (lists & NET_CH_REQUESTS)
		a->netops->contacts(a->net, NET_REQUESTS, NULL);
	if (lists & NET_CH_BLOCKED)
		a->netops->contacts(a->net, NET_BLOCKED, NULL);
}

/*
 * A contact command for nick (NULL for a list): sent, and remembered so
 * that its answer (a roster) says what happened; 0, or -1 with a notice.
 */
static int
app_contacts_cmd(struct app *a, const char *cmd, enum net_contacts_op op,
    const char *nick)
{
	struct model_conv	*c;

	if (a->net == NULL || a->netops->contacts(a->net, op, nick) == -1) {
		app_notice(a, "/%s: not connected", cmd);
		return -1;
	}
	snprintf(a->asking, sizeof a->asking, "%s", nick != NULL ? nick : "");
	a->asking_op = op;
	c = nick != NULL ? model_conv(&a->model, nick, 0) : NULL;
	a->asking_request = c != NULL && c->request && !c->contact;
	return 0;
}

/* Accept a request; open the conversation if asked to. */
static void
app_accept(struct app *a, struct model_conv *c, int open)
{
	if (c->group) {
		if (a->net == NULL || a->netops->group(a->net, CPG_ACCEPT,
		    c->nick, NULL, NULL) == -1)
			app_notice(a, "/accept: not connected");
		else
			app_notice(a, "joining %s...", c->nick);
		return;
	}
	if (app_contacts_cmd(a, "accept", NET_ACCEPT, c->nick) == -1)
		return;
	if (open)
		app_open(a, c);
	app_notice(a, "accepting %s...", c->nick);
}

/* Decline a request: it leaves the list; the asker is not told. */
static void
app_decline(struct app *a, struct model_conv *c)
{
	if (c->group) {
		if (a->net == NULL || a->netops->group(a->net, CPG_DECLINE,
		    c->nick, NULL, NULL) == -1)
			app_notice(a, "/decline: not connected");
		else
			app_notice(a, "declining %s...", c->nick);
		return;
	}
	if (app_contacts_cmd(a, "decline", NET_DECLINE, c->nick) == 0)
		app_notice(a, "declining %s...", c->nick);
}

/* Is there room for a message of time t among those kept? */
static int
app_room(const struct app *a, const struct model_conv *c, uint64_t t)
{
	return c->nmsgs < a->model.max_msgs ||
	    (c->nmsgs > 0 && t >= c->msgs[0].time_ms);
}

/* The newest page of c's history is wanted, once per login. */
static void
app_hist_sync(struct app *a, struct model_conv *c)
{
	if (c->hist_gen == a->conn_gen)
		return;
	c->hist_gen = a->conn_gen;
	if (c->hist_want == 0)
		c->hist_want = 1;
}

/*
 * Send the history requests that are due, as the pacing allows: older
 * pages first (someone pressed PageUp and waits), then the newest pages.
 */
static void
app_hist_pump(struct app *a)
{
	struct model_conv	*c;
	uint64_t		 now = clock_wall_ms(), before;
	size_t			 i, busy = 0;
	int			 want;

	if (a->net == NULL || a->hist_off || a->model.conn != MODEL_CONN_READY)
		return;
	if (now > a->hist_fill_ms)
		a->hist_tokens += (double)(now - a->hist_fill_ms) *
		    APP_HIST_RATE / 1000.0;
	if (a->hist_tokens > APP_HIST_BURST)
		a->hist_tokens = APP_HIST_BURST;
	a->hist_fill_ms = now;
	for (i = 0; i < a->model.nconvs; i++)
		if (a->model.convs[i]->hist_busy)
			busy++;
	for (want = 2; want >= 1; want--)
		for (i = 0; i < a->model.nconvs; i++) {
			if (busy >= APP_HIST_INFLIGHT || a->hist_tokens < 1.0)
				return;
			c = a->model.convs[i];
			if (c->hist_want != want || c->hist_busy ||
			    now < c->hist_retry_ms)
				continue;
			before = want == 2 ? model_oldest_sid(c) : 0;
			if (a->netops->history(a->net, c->nick, before,
			    APP_HIST_PAGE) == -1)
				return;
			c->hist_busy = 1;
			c->hist_older = before != 0;
			c->hist_want = 0;
			a->hist_tokens -= 1.0;
			busy++;
		}
}

/* Once a second: what pacing held back. */
void
app_tick(struct app *a)
{
	if (a->glist_retry_ms != 0 && clock_wall_ms() >= a->glist_retry_ms &&
	    a->net != NULL && a->model.conn == MODEL_CONN_READY &&
	    a->netops->group(a->net, CPG_LIST, NULL, NULL, NULL) == 0)
		a->glist_retry_ms = 0;
	app_hist_pump(a);
}

/* PageUp at the top of the open conversation: the page before it. */
static void
app_older(struct app *a)
{
	struct model_conv	*c = a->model.open;

	if (c == NULL || a->net == NULL || a->hist_off)
		return;
	if (c->hist_begin) {
		app_notice(a, "no older messages on the server");
		return;
	}
	if (c->group && !c->member) {
		app_notice(a, "you are not in %s: the server keeps its history "
		    "for its members", c->nick);
		return;
	}
	if ((c->hist_busy && c->hist_older) || c->hist_want == 2)
		return;
	c->hist_want = 2;
	app_hist_pump(a);
}

/*
 * Merge a message from the server's history (or a carbon) into c, once:
 * a sent one is known by its sender's id (ours, if this device sent
 * it), a received one by the server's id and text.  Read flags give the
 * unread count.
 */
static void
app_hist_merge(struct app *a, struct model_conv *c, const struct net_hist *h)
{
	struct model_conv	*mc;
	struct model_msg	*m;
	int			 shown = c == a->model.open;

	if (h->out) {
		if ((m = model_find_sent(&a->model, h->msgid, &mc)) != NULL &&
		    mc == c) {
			if (m->sid == 0 && m->time_ms != h->time_ms)
				m = model_retime(c, m, h->time_ms);
			if (m->sid == 0) {
				m->sid = h->sid;
				history_sid(&a->hist, c, m);
			}
			if (model_advance(m, h->state))
				history_state(&a->hist, c, m);
			return;
		}
		if (!app_room(a, c, h->time_ms))
			return;
		m = model_add(&a->model, c, h->msgid, h->time_ms, 1, h->state,
		    h->text, h->len);
		m->sid = h->sid;
		m->queued = 1;
		history_msg(&a->hist, c, m);
		history_sid(&a->hist, c, m);
		return;
	}
	m = model_find_received(c, h->sid);
	if (m != NULL && m->len == h->len && memcmp(m->text, h->text,
	    h->len) == 0) {
		if (h->read && !m->read_sent) {
			m->read_sent = 1;
			history_state(&a->hist, c, m);
			if (!shown && c->unread > 0)
				c->unread--;
		} else if (!h->read && m->read_assumed) {
			/* Taken as read because it was on disk; it is not. */
			m->read_sent = 0;
			if (!shown)
				c->unread++;
		}
		m->read_assumed = 0;
		return;
	}
	if (!app_room(a, c, h->time_ms))
		return;
	m = model_add(&a->model, c, h->sid, h->time_ms, 0, MODEL_RECEIVED,
	    h->text, h->len);
	history_msg(&a->hist, c, m);
	if (h->read) {
		m->read_sent = 1;
		history_state(&a->hist, c, m);
		if (!shown && c->unread > 0)
			c->unread--;
	}
}

/* Is nick us? */
static int
app_is_self(const struct app *a, const char *nick)
{
	char	k1[NICK_MAX_BYTES], k2[NICK_MAX_BYTES];

	model_key(nick, k1, NULL);
	model_key(a->model.self, k2, NULL);
	return strcmp(k1, k2) == 0;
}

/* Ask for the open group's members, if they are shown. */
static void
app_members_refresh(struct app *a, struct model_conv *c)
{
	if (a->members && c == a->model.open && app_in_group(c) &&
	    a->net != NULL)
		a->netops->group(a->net, CPG_MEMBERS, c->nick, NULL, NULL);
}

/*
 * Merge a group's message or event into c, once: ours by our id (this
 * device's, or another's carbon), the rest by the server's id and text.
 * live: it arrives now (GMESSAGE), so it counts as unread unless the
 * group is muted, and an event changes what the group is (topic,
 * members, whether we are in it); else it is the group's history, whose
 * unread messages the server's group list has counted.  1 if it is new.
 */
static int
app_gmerge(struct app *a, struct model_conv *c, const struct net_gmsg *g,
    int live)
{
	struct model_conv	*mc;
	struct model_msg	*m;
	int			 own = app_is_self(a, g->from);
	int			 shown = c == a->model.open;

	if (own && g->event == CPGE_TEXT) {
		if ((m = model_find_sent(&a->model, g->msgid, &mc)) != NULL &&
		    mc == c) {
			if (m->sid == 0 && m->time_ms != g->time_ms)
				m = model_retime(c, m, g->time_ms);
			if (m->sid == 0) {
				m->sid = g->sid;
				history_sid(&a->hist, c, m);
			}
			if (model_advance(m, MODEL_ACCEPTED))
				history_state(&a->hist, c, m);
			return 0;
		}
		if (!app_room(a, c, g->time_ms))
			return 0;
		m = model_add(&a->model, c, g->msgid, g->time_ms, 1,
		    MODEL_ACCEPTED, g->text, g->len);
		m->sid = g->sid;
		m->queued = 1;
		m->from = xstrdup(g->from);
		history_msg(&a->hist, c, m);
		history_sid(&a->hist, c, m);
		return 1;
	}
	m = model_find_received(c, g->sid);
	if (m != NULL && m->len == g->len && memcmp(m->text, g->text,
	    g->len) == 0)
		return 0;
	if (!app_room(a, c, g->time_ms))
		return 0;
	m = model_add(&a->model, c, g->sid, g->time_ms, 0, MODEL_RECEIVED,
	    g->text, g->len);
	m->from = xstrdup(g->from);
	m->event = g->event;
	/* Only others' messages, arriving now, in a group not muted, are
	 * unread; model_add counted every message out of view. */
	if (!shown && c->unread > 0 && (!live || own ||
	    g->event != CPGE_TEXT || (c->gflags & CPGM_MUTED)))
		c->unread--;
	if (!live || own)
		m->read_sent = 1;
	history_msg(&a->hist, c, m);
	return 1;
}

/* What a group event arriving now changes: topic, members, us in it. */
static void
app_gevent(struct app *a, struct model_conv *c, const struct net_gmsg *g)
{
	int	me = app_is_self(a, g->text);

	switch (g->event) {
	case CPGE_TOPIC:
		model_set_topic(c, g->text);
		break;
	case CPGE_CREATED:
		if (app_is_self(a, g->from))
			c->member = 1;
		break;
	case CPGE_JOINED:
		if (me) {
			c->member = 1;
			c->invited = 0;
		}
		break;
	case CPGE_LEFT:
	case CPGE_REMOVED:
		if (me) {
			c->member = 0;
			model_set_members(c, NULL, 0);
		}
		break;
	case CPGE_OWNER:
	case CPGE_ADMIN:
	case CPGE_UNADMIN:
		/* Our own role is in the next answer about the group. */
		if (me && a->net != NULL)
			a->netops->group(a->net, CPG_MEMBERS, c->nick, NULL,
			    NULL);
		break;
	}
	if (g->event != CPGE_TEXT)
		app_members_refresh(a, c);
}

/* A group event as its line shows it. */
void
app_event_text(const struct model_msg *m, char *buf, size_t len)
{
	const char	*from = m->from != NULL ? m->from : "?";

	switch (m->event) {
	case CPGE_CREATED:
		snprintf(buf, len, "* %s created %s", from, m->text);
		break;
	case CPGE_JOINED:
		if (strcmp(from, m->text) == 0)
			snprintf(buf, len, "* %s joined", m->text);
		else
			snprintf(buf, len, "* %s joined (invited by %s)",
			    m->text, from);
		break;
	case CPGE_LEFT:
		snprintf(buf, len, "* %s left", m->text);
		break;
	case CPGE_REMOVED:
		snprintf(buf, len, "* %s removed %s", from, m->text);
		break;
	case CPGE_TOPIC:
		if (m->len == 0)
			snprintf(buf, len, "* %s cleared the topic", from);
		else
			snprintf(buf, len, "* %s set the topic: %s", from,
			    m->text);
		break;
	case CPGE_ADMIN:
		snprintf(buf, len, "* %s made %s an admin", from, m->text);
		break;
	case CPGE_UNADMIN:
		snprintf(buf, len, "* %s made %s a member again", from,
		    m->text);
		break;
	case CPGE_OWNER:
		snprintf(buf, len, "* %s handed the group to %s", from,
		    m->text);
		break;
	default:
		snprintf(buf, len, "* %s: %s", from, m->text);
		break;
	}
}

/* The state of a sent message as its line ends. */
void
app_state_text(const struct model_msg *m, char *buf, size_t len)
{
	if (m->state == MODEL_FAILED)
		snprintf(buf, len, "failed: %s", m->error != NULL ? m->error :
		    "refused");
	else if (m->g_of > 0 && m->g_read > 0)
		snprintf(buf, len, "read %u/%u", m->g_read, m->g_of);
	else if (m->g_of > 0 && m->g_delivered > 0)
		snprintf(buf, len, "delivered %u/%u", m->g_delivered, m->g_of);
	else
		snprintf(buf, len, "%s", model_statename(m->state));
}

/* Send text to the open conversation; with none, it stays in the input line. */
static void
app_send(struct app *a, const char *text)
{
	if (a->model.open == NULL) {
		if (a->edit.len == 0)
			edit_set(&a->edit, text);
		a->focus = APP_FOCUS_LIST;
		app_notice(a, "no conversation open: pick a contact "
		    "(Up/Down, Enter); your text stays");
		return;
	}
	if (a->model.open->group && !a->model.open->member) {
		if (a->edit.len == 0)
			edit_set(&a->edit, text);
		app_notice(a, "you are not in %s%s; your text stays",
		    a->model.open->nick, a->model.open->invited ?
		    " yet: /accept joins it" : "");
		return;
	}
	app_send_to(a, a->model.open, text);
}

/* Check and send, or ask first if it is very long. */
static void
app_submit(struct app *a, char *text)
{
	size_t	lines = 1, i, len = strlen(text);

	/* A paste usually ends in a newline that means nothing. */
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (len == 0) {
		free(text);
		return;
	}
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			lines++;
	if (len > APP_TEXT_MAX) {
		app_notice(a, "message too long: %zu bytes, at most %d", len,
		    APP_TEXT_MAX);
		edit_set(&a->edit, text);
		free(text);
		return;
	}
	if (lines > (size_t)a->conf->paste_confirm_lines) {
		free(a->pending);
		a->pending = text;
		app_ask(a, APP_PROMPT_CONFIRM);
		snprintf(a->question, sizeof a->question,
		    "send %zu lines as one message? (y/n) ", lines);
		return;
	}
	app_send(a, text);
	free(text);
}

/* The word of a command line after the command, trimmed. */
static const char *
app_arg(char *s)
{
	char	*e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	return s;
}

/* The commands that name a user and change a contact list. */
static const struct {
	const char		*name;
	enum net_contacts_op	 op;
	const char		*doing;		/* for the notice; NULL none */
} app_nick_cmds[] = {
	{ "add",	NET_ADD,	"asking" },
	{ "del",	NET_DEL,	NULL },
	{ "accept",	NET_ACCEPT,	"accepting" },
	{ "decline",	NET_DECLINE,	"declining" },
	{ "block",	NET_BLOCK,	"blocking" },
	{ "unblock",	NET_UNBLOCK,	"unblocking" },
};

/* The privacy settings, by name. */
static const struct {
	const char	*name;
	unsigned int	 bit;
} app_settings[] = {
	{ "visible",	NET_SET_VISIBLE },
	{ "receipts",	NET_SET_RECEIPTS },
	{ "typing",	NET_SET_TYPING },
};

/* /settings [NAME on|off], /visible on|off. */
static void
app_settings_cmd(struct app *a, const char *cmd, const char *arg)
{
	char		name[16] = "", val[8] = "", extra[2];
	unsigned int	mask = 0, values = 0;
	size_t		i;
	int		n;

	if (strcmp(cmd, "visible") == 0) {
		snprintf(name, sizeof name, "visible");
		n = sscanf(arg, "%7s %1s", val, extra) == 1 ? 2 : -1;
	} else if (*arg == '\0')
		n = 0;
	else
		n = sscanf(arg, "%15s %7s %1s", name, val, extra);
	if (n == 2) {
		for (i = 0; i < sizeof app_settings / sizeof app_settings[0];
		    i++)
			if (strcmp(name, app_settings[i].name) == 0)
				mask = app_settings[i].bit;
		if (strcmp(val, "on") == 0)
			values = mask;
		else if (strcmp(val, "off") != 0)
			mask = 0;
	}
	if (n != 0 && mask == 0) {
		app_notice(a, strcmp(cmd, "visible") == 0 ?
		    "usage: /visible on|off" :
		    "usage: /settings [visible|receipts|typing on|off]");
		return;
	}
	if (a->net == NULL || a->netops->settings(a->net, mask, values) == -1)
		app_notice(a, "/%s: not connected", cmd);
}

/* F2: the member list beside a group, on or off. */
static void
app_toggle_members(struct app *a)
{
	a->members = !a->members;
	if (!a->members)
		return;
	if (a->model.open == NULL || !a->model.open->group)
		app_notice(a, "F2 shows a group's members beside it: open a "
		    "group (/query #NAME)");
	else if (!a->model.open->member)
		app_notice(a, "you are not in %s", a->model.open->nick);
	else
		app_members_refresh(a, a->model.open);
}

/* The open group for a command about it; NULL with a notice. */
static struct model_conv *
app_open_group(struct app *a, const char *cmd)
{
	struct model_conv	*c = a->model.open;

	if (c == NULL || !c->group) {
		app_notice(a, "/%s: open a group first (/query #NAME)", cmd);
		return NULL;
	}
	if (!c->member) {
		app_notice(a, "/%s: you are not in %s", cmd, c->nick);
		return NULL;
	}
	return c;
}

/* Send a group request, or say it cannot go. */
static int
app_group_req(struct app *a, const char *cmd, enum cp_group_op op,
    const char *group, const char *target, const char *text)
{
	if (a->net == NULL || a->netops->group(a->net, op, group, target,
	    text) == -1) {
		app_notice(a, "/%s: not connected", cmd);
		return -1;
	}
	return 0;
}

/* Leave the group named in a->leaving (asked, or --delete/--keep). */
static void
app_leave(struct app *a, int delete)
{
	a->leave_delete = delete;
	if (app_group_req(a, "leave", CPG_LEAVE, a->leaving, NULL, NULL) == 0)
		app_notice(a, "leaving %s...", a->leaving);
	else
		a->leaving[0] = '\0';
}

/* /readers: ask who read our latest message in the open group. */
static void
app_readers(struct app *a)
{
	struct model_conv	*c;
	const struct model_msg	*m = NULL;
	size_t			 i;

	if ((c = app_open_group(a, "readers")) == NULL)
		return;
	for (i = c->nmsgs; i > 0; i--)
		if (c->msgs[i - 1].out) {
			m = &c->msgs[i - 1];
			break;
		}
	if (m == NULL) {
		app_notice(a, "/readers: you have sent nothing to %s",
		    c->nick);
		return;
	}
	/* Until the server has stored it, no one can have read it. */
	if (m->sid == 0) {
		app_notice(a, "/readers: your latest message to %s is not "
		    "stored yet", c->nick);
		return;
	}
	if (a->net == NULL ||
	    a->netops->greaders(a->net, c->nick, m->sid) == -1) {
		app_notice(a, "/readers: not connected");
		return;
	}
	a->readers_sid = m->sid;
}

/* The answer to /readers: who read our message a->readers_sid in c. */
static void
app_readers_text(struct app *a, const struct model_conv *c,
    const struct net_gentry *v, size_t n)
{
	char	*buf = a->model.notice, tail[64];
	size_t	 len = sizeof a->model.notice, off, i;
	int	 r;

	/* Of how many: the members it went to, as its receipts count. */
	tail[0] = '\0';
	for (i = 0; i < c->nmsgs; i++)
		if (c->msgs[i].out && c->msgs[i].sid == a->readers_sid &&
		    c->msgs[i].g_of > 0)
			snprintf(tail, sizeof tail, " (%zu of %u)", n,
			    c->msgs[i].g_of);
	if (n == 0) {
		app_notice(a, "no one has read your latest message in %s "
		    "yet%s", c->nick, tail);
		return;
	}
	off = (size_t)snprintf(buf, len, "read by");
	/* Names while they fit, then how many more, then the count. */
	for (i = 0; i < n; i++) {
		if (off + 2 + strlen(v[i].name) + sizeof " and 999 more" +
		    strlen(tail) > len)
			break;
		off += (size_t)snprintf(buf + off, len - off, "%s %s",
		    i > 0 ? "," : "", v[i].name);
	}
	if (i < n) {
		r = snprintf(buf + off, len - off, " and %zu more", n - i);
		off += r > 0 && (size_t)r < len - off ? (size_t)r : 0;
	}
	snprintf(buf + off, len - off, "%s", tail);
}

/* /owner, /delete: the owner's changes asked y/n first. */
static void
app_group_confirm(struct app *a, const struct model_conv *c,
    enum cp_group_op op)
{
	a->gasking = op;
	snprintf(a->gasking_group, sizeof a->gasking_group, "%s", c->nick);
	app_ask(a, APP_PROMPT_GROUP);
	if (op == CPG_OWNER)
		snprintf(a->question, sizeof a->question,
		    "hand %.60s to %.60s? you stay an admin (y/n) ", c->nick,
		    a->gtarget);
	else
		snprintf(a->question, sizeof a->question,
		    "delete %.60s for all its members? (y/n) ", c->nick);
}

/* The answer to app_group_confirm()'s question. */
static void
app_group_confirmed(struct app *a, int yes)
{
	a->prompt = APP_PROMPT_NONE;
	a->model.notice[0] = '\0';
	if (!yes)
		app_notice(a, a->gasking == CPG_OWNER ? "%s stays yours" :
		    "%s is not deleted", a->gasking_group);
	else if (a->gasking == CPG_OWNER) {
		if (app_group_req(a, "owner", CPG_OWNER, a->gasking_group,
		    a->gtarget, NULL) == 0)
			app_notice(a, "handing %s to %s...", a->gasking_group,
			    a->gtarget);
	} else if (app_group_req(a, "delete", CPG_DELETE, a->gasking_group,
	    NULL, NULL) == 0)
		app_notice(a, "deleting %s...", a->gasking_group);
	a->gasking_group[0] = '\0';
}

/* The group commands; 1 if cmd was one. */
static int
app_group_cmd(struct app *a, const char *cmd, const char *arg)
{
	struct model_conv	*c;
	char			 key[NICK_MAX_BYTES];
	/* On a member: "inviting bob...", "making bob an admin...";
	 * doing NULL: ask first. */
	static const struct {
		const char		*name;
		enum cp_group_op	 op;
		const char		*doing, *as;
	} nick_ops[] = {
		{ "invite",	CPG_INVITE,	"inviting",	"" },
		{ "kick",	CPG_KICK,	"removing",	"" },
		{ "admin",	CPG_ADMIN,	"making",	" an admin" },
		{ "unadmin",	CPG_UNADMIN,	"making",	" a member again" },
		{ "owner",	CPG_OWNER,	NULL,		"" },
	};
	static const struct {
		const char		*name;
		enum cp_group_op	 op;
		const char		*doing;
	} plain_ops[] = {
		{ "mute",	CPG_MUTE,	"muting" },
		{ "unmute",	CPG_UNMUTE,	"unmuting" },
	};
	size_t			 i;

	if (strcmp(cmd, "create") == 0) {
		if (*arg == '\0' || arg[0] != '#')
			app_notice(a, "usage: /create #NAME");
		else if (model_key(arg, key, NULL) == -1)
			app_notice(a, "/create: \"%s\" is not a group name (# "
			    "and a name as nicknames are)", arg);
		else if (app_group_req(a, cmd, CPG_CREATE, arg, NULL,
		    NULL) == 0)
			app_notice(a, "creating %s...", arg);
		return 1;
	}
	for (i = 0; i < sizeof nick_ops / sizeof nick_ops[0]; i++) {
		if (strcmp(cmd, nick_ops[i].name) != 0)
			continue;
		if ((c = app_open_group(a, cmd)) == NULL)
			return 1;
		if (*arg == '\0')
			app_notice(a, "usage: /%s NICK", cmd);
		else if (model_key(arg, key, NULL) == -1 || arg[0] == '#')
			app_notice(a, "/%s: \"%s\" is not a nickname", cmd,
			    arg);
		else if (nick_ops[i].doing == NULL) {
			snprintf(a->gtarget, sizeof a->gtarget, "%s", arg);
			app_group_confirm(a, c, nick_ops[i].op);
		} else if (app_group_req(a, cmd, nick_ops[i].op, c->nick, arg,
		    NULL) == 0) {
			snprintf(a->gtarget, sizeof a->gtarget, "%s", arg);
			app_notice(a, "%s %s%s...", nick_ops[i].doing, arg,
			    nick_ops[i].as);
		}
		return 1;
	}
	for (i = 0; i < sizeof plain_ops / sizeof plain_ops[0]; i++) {
		if (strcmp(cmd, plain_ops[i].name) != 0)
			continue;
		if ((c = app_open_group(a, cmd)) != NULL &&
		    app_group_req(a, cmd, plain_ops[i].op, c->nick, NULL,
		    NULL) == 0)
			app_notice(a, "%s %s...", plain_ops[i].doing, c->nick);
		return 1;
	}
	if (strcmp(cmd, "topic") == 0) {
		if ((c = app_open_group(a, cmd)) == NULL)
			return 1;
		if (*arg == '\0')
			app_notice(a, c->topic != NULL ? "topic of %s: %s" :
			    "%s has no topic: /topic TEXT sets one", c->nick,
			    c->topic);
		else if (app_group_req(a, cmd, CPG_TOPIC, c->nick, NULL,
		    arg) == 0)
			app_notice(a, "setting the topic of %s...", c->nick);
		return 1;
	}
	if (strcmp(cmd, "readers") == 0) {
		app_readers(a);
		return 1;
	}
	if (strcmp(cmd, "delete") == 0) {
		if ((c = app_open_group(a, cmd)) != NULL)
			app_group_confirm(a, c, CPG_DELETE);
		return 1;
	}
	if (strcmp(cmd, "members") == 0) {
		if ((c = app_open_group(a, cmd)) != NULL &&
		    app_group_req(a, cmd, CPG_MEMBERS, c->nick, NULL,
		    NULL) == 0) {
			a->members = 1;
			a->members_notice = 1;
		}
		return 1;
	}
	if (strcmp(cmd, "leave") == 0) {
		if ((c = app_open_group(a, cmd)) == NULL)
			return 1;
		snprintf(a->leaving, sizeof a->leaving, "%s", c->nick);
		if (strcmp(arg, "--delete") == 0)
			app_leave(a, 1);
		else if (strcmp(arg, "--keep") == 0)
			app_leave(a, 0);
		else if (*arg != '\0') {
			app_notice(a, "usage: /leave [--delete | --keep]");
			a->leaving[0] = '\0';
		} else {
			app_ask(a, APP_PROMPT_LEAVE);
			snprintf(a->question, sizeof a->question,
			    "leave %.60s and delete its messages here too? "
			    "(y/n, Esc: stay) ", c->nick);
		}
		return 1;
	}
	/* /accept #NAME, /decline #NAME: an invitation. */
	if ((strcmp(cmd, "accept") == 0 || strcmp(cmd, "decline") == 0) &&
	    arg[0] == '#') {
		if (model_key(arg, key, NULL) == -1) {
			app_notice(a, "/%s: \"%s\" is not a group name", cmd,
			    arg);
			return 1;
		}
		c = model_conv(&a->model, arg, 1);
		if (cmd[0] == 'a')
			app_accept(a, c, 1);
		else
			app_decline(a, c);
		return 1;
	}
	return 0;
}

/* Run a /command. */
static void
app_command(struct app *a, char *line)
{
	char		*cmd = line + 1, *rest, *text, key[NICK_MAX_BYTES];
	const char	*arg;
	size_t		 i;

	rest = cmd + strcspn(cmd, " ");
	if (*rest != '\0')
		*rest++ = '\0';
	arg = app_arg(rest);
	if (strcmp(cmd, "help") == 0) {
		a->help = 1;
	} else if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0) {
		a->quit = 1;
	} else if (strcmp(cmd, "blocked") == 0) {
		app_contacts_cmd(a, cmd, NET_BLOCKED, NULL);
	} else if (strcmp(cmd, "settings") == 0 ||
	    strcmp(cmd, "visible") == 0) {
		app_settings_cmd(a, cmd, arg);
	} else if (strcmp(cmd, "open") == 0 || strcmp(cmd, "query") == 0) {
		if (*arg == '\0')
			app_notice(a, "usage: /%s NICK", cmd);
		else if (model_key(arg, key, NULL) == -1)
			app_notice(a, "/%s: \"%s\" is not a nickname", cmd, arg);
		else
			app_open(a, model_conv(&a->model, arg, 1));
	} else if (strcmp(cmd, "msg") == 0) {
		text = (char *)arg + strcspn(arg, " ");
		if (*text != '\0')
			*text++ = '\0';
		while (*text == ' ')
			text++;
		if (*arg == '\0' || *text == '\0')
			app_notice(a, "usage: /msg NICK TEXT");
		else if (model_key(arg, key, NULL) == -1)
			app_notice(a, "/msg: \"%s\" is not a nickname", arg);
		else if (arg[0] == '#' &&
		    !app_in_group(model_conv(&a->model, arg, 0)))
			app_notice(a, "/msg: you are not in %s", arg);
		else {
			app_send_to(a, model_conv(&a->model, arg, 1), text);
			app_notice(a, "sent to %s", arg);
		}
	} else if (strcmp(cmd, "close") == 0) {
		if (a->model.open == NULL)
			app_notice(a, "no conversation is open");
		model_open(&a->model, NULL);
		a->focus = APP_FOCUS_LIST;
		a->pick = NULL;
	} else if (strcmp(cmd, "who") == 0) {
		if (a->net == NULL || a->netops->who(a->net) == -1)
			app_notice(a, "/who: not connected");
	} else if (strcmp(cmd, "away") == 0 || strcmp(cmd, "back") == 0) {
		a->away = cmd[0] == 'a';
		if (a->net != NULL)
			a->netops->away(a->net, a->away);
		app_notice(a, a->away ? "you are away%s%s" : "you are back%s%s",
		    *arg != '\0' && a->away ? ": " : "",
		    a->away ? arg : "");
	} else if (strcmp(cmd, "passwd") == 0) {
		app_ask(a, APP_PROMPT_PASSWD_OLD);
	} else if (app_group_cmd(a, cmd, arg)) {
		;
	} else {
		for (i = 0; i < sizeof app_nick_cmds / sizeof app_nick_cmds[0];
		    i++)
			if (strcmp(cmd, app_nick_cmds[i].name) == 0)
				break;
		if (i == sizeof app_nick_cmds / sizeof app_nick_cmds[0])
			app_notice(a, "unknown command /%s; /help lists them",
			    cmd);
		else if (*arg == '\0')
			app_notice(a, "usage: /%s NICK", cmd);
		else if (model_key(arg, key, NULL) == -1)
			app_notice(a, "/%s: \"%s\" is not a nickname", cmd, arg);
		else if (app_contacts_cmd(a, cmd, app_nick_cmds[i].op,
		    arg) == 0 && app_nick_cmds[i].doing != NULL)
			/* Listed once chatd says it knows the name. */
			app_notice(a, "%s %s...", app_nick_cmds[i].doing, arg);
	}
}

/* Enter on the input line. */
static void
app_enter(struct app *a)
{
	char	*text;

	if (a->edit.len == 0)
		return;
	text = edit_take(&a->edit);
	if (text[0] == '/' && text[1] != '/') {
		app_command(a, text);
		free(text);
		return;
	}
	if (text[0] == '/')
		memmove(text, text + 1, strlen(text));	/* "//" sends "/" */
	app_submit(a, text);
}

/* Complete the nickname before the cursor from the conversations. */
static int
app_complete(struct app *a)
{
	size_t	start = a->edit.cur, i, n = 0, plen;
	char	prefix[NICK_MAX_BYTES], key[NICK_MAX_BYTES];
	struct model_conv *found = NULL;

	while (start > 0 && a->edit.buf[start - 1] != ' ' &&
	    a->edit.buf[start - 1] != '\n')
		start--;
	plen = a->edit.cur - start;
	if (plen == 0 || plen >= sizeof prefix)
		return 0;
	memcpy(prefix, a->edit.buf + start, plen);
	prefix[plen] = '\0';
	if (prefix[0] == '/')
		return 0;
	model_key(prefix, key, NULL);
	plen = strlen(key);
	for (i = 0; i < a->model.nconvs; i++)
		if (strncmp(a->model.convs[i]->key, key, plen) == 0) {
			found = a->model.convs[i];
			n++;
		}
	if (n == 0)
		return 0;	/* not a nickname: Tab switches focus */
	if (n > 1) {
		app_notice(a, "%zu nicknames start with that", n);
		return 1;
	}
	/* Replace the whole word under the cursor with the nickname. */
	a->edit.cur = start;
	edit_kill_word_forward(&a->edit);
	edit_insert(&a->edit, found->nick, strlen(found->nick));
	edit_insert(&a->edit, " ", 1);
	return 1;
}

/* Move to the conversation before or after the open one. */
static void
app_cycle(struct app *a, int dir)
{
	struct model_conv	**list;
	size_t			  i, n = app_list_filter(a, "", NULL, 0);

	if (n == 0)
		return;
	list = xreallocarray(NULL, n, sizeof *list);
	n = app_list_filter(a, "", list, n);
	for (i = 0; i < n; i++)
		if (list[i] == a->model.open)
			break;
	if (i == n)
		i = dir > 0 ? n - 1 : 0;
	app_open(a, list[(i + n + (size_t)dir) % n]);
	free(list);
}

/* Keys that do the same wherever the focus is; 1 if handled. */
static int
app_global(struct app *a, const struct keys_event *ev)
{
	const struct tuiconf	*c = a->conf;
	struct model_conv	*conv;
	int			 i;

	for (i = 0; i < TUICONF_NACTIONS; i++)
		if (ev->key == c->key[i] && ev->mods == c->key_mods[i])
			break;
	if (ev->key >= '1' && ev->key <= '9' && ev->mods == KEYS_ALT) {
		struct model_conv	*list[9];

		if ((size_t)(ev->key - '1') < app_list_filter(a, "", list, 9))
			app_open(a, list[ev->key - '1']);
		return 1;
	}
	switch (i) {
	case TUICONF_NEXT:
		app_cycle(a, 1);
		return 1;
	case TUICONF_PREV:
		app_cycle(a, -1);
		return 1;
	case TUICONF_UNREAD:
		if ((conv = model_next_unread(&a->model, a->model.open)) != NULL)
			app_open(a, conv);
		else
			app_notice(a, "nothing unread");
		return 1;
	case TUICONF_PGUP:
	case TUICONF_PGDN:
		if (a->model.open == NULL)
			return 1;
		/* Past the top of what is held: older pages from chatd. */
		if ((a->page == NULL ? 1 : a->page(a, i == TUICONF_PGUP ?
		    -1 : 1)) && i == TUICONF_PGUP)
			app_older(a);
		return 1;
	case TUICONF_FOCUS:
		if (a->prompt != APP_PROMPT_NONE)
			return 1;
		/* In the list, only a command's nickname (a filter is one). */
		if ((a->focus == APP_FOCUS_INPUT || a->edit.buf[0] == '/') &&
		    app_complete(a))
			return 1;
		if (a->focus == APP_FOCUS_INPUT)
			app_to_list(a);
		else if (a->model.open != NULL)
			app_open(a, a->model.open);
		else
			app_notice(a, "no conversation open: Enter opens the "
			    "highlighted contact");
		return 1;
	}
	if (ev->key == KEYS_F1 && ev->mods == 0) {
		a->help = 1;
		return 1;
	}
	if (ev->key == KEYS_F1 + 1 && ev->mods == 0) {
		app_toggle_members(a);
		return 1;
	}
	return 0;
}

static void	app_input_key(struct app *, const struct keys_event *);

/* Up or Down in the list: move the highlight. */
static void
app_move(struct app *a, int dir)
{
	struct model_conv	**list, *cur = app_current(a);
	size_t			  n = app_list(a, NULL, 0), i;

	if (n == 0)
		return;
	list = xreallocarray(NULL, n, sizeof *list);
	n = app_list(a, list, n);
	for (i = 0; i < n && list[i] != cur; i++)
		;
	if (i == n)
		i = 0;		/* nothing highlighted: the first */
	else if (dir < 0 && i > 0)
		i--;
	else if (dir > 0 && i + 1 < n)
		i++;
	a->pick = list[i];
	free(list);
}

/* Enter in the list: a command, or open the highlighted conversation. */
static void
app_list_enter(struct app *a)
{
	struct model_conv	*c;
	int			 named;

	if (a->edit.buf[0] == '/' && a->edit.buf[1] != '/') {
		app_enter(a);
		return;
	}
	if ((c = app_current(a)) == NULL) {
		if (a->model.nconvs == 0)
			app_notice(a, "no contacts yet: /add NICK adds one%s",
			    a->edit.len > 0 ? "; your text stays" : "");
		else
			app_notice(a, "no contact matches that: Up/Down picks "
			    "one (your text stays), /add NICK adds one");
		return;
	}
	/* Text that found the contact was its name; other text is a message. */
	named = app_filter(a)[0] != '\0' && !app_nomatch(a);
	if (named)
		edit_set(&a->edit, "");
	if (app_is_request(c)) {
		app_accept(a, c, 1);
		return;
	}
	app_open(a, c);
	if (a->edit.len > 0)
		app_notice(a, "your text is kept: Enter sends it to %s",
		    c->nick);
}

/* Keys in the contact list; the rest edit the input line (the filter). */
static void
app_list_key(struct app *a, const struct keys_event *ev)
{
	struct model_conv	*c;
	size_t			 len = a->edit.len, cur = a->edit.cur;

	switch (ev->key) {
	case KEYS_DELETE:
		/* With nothing to delete, Delete declines a request. */
		if (a->edit.cur == a->edit.len &&
		    (c = app_current(a)) != NULL && app_is_request(c)) {
			app_decline(a, c);
			return;
		}
		break;
	case KEYS_UP:
		app_move(a, -1);
		return;
	case KEYS_DOWN:
		app_move(a, 1);
		return;
	case KEYS_ENTER:
		app_list_enter(a);
		return;
	case KEYS_ESC:
		return;
	}
	app_input_key(a, ev);
	if (a->edit.len != len || a->edit.cur != cur)
		a->pick = NULL;		/* a new filter: its best match */
}

/* Keys on the input line while it asks something. */
static void
app_prompt_key(struct app *a, const struct keys_event *ev)
{
	char	err[256], key[NICK_MAX_BYTES];
	int	yes;

	if (a->prompt == APP_PROMPT_REGISTER || a->prompt == APP_PROMPT_CONFIRM ||
	    a->prompt == APP_PROMPT_LEAVE || a->prompt == APP_PROMPT_GROUP) {
		if (ev->key != 'y' && ev->key != 'Y' && ev->key != 'n' &&
		    ev->key != 'N' && ev->key != KEYS_ESC)
			return;
		yes = ev->key == 'y' || ev->key == 'Y';
		if (a->prompt == APP_PROMPT_GROUP) {
			app_group_confirmed(a, yes);
			return;
		}
		if (a->prompt == APP_PROMPT_LEAVE) {
			a->prompt = APP_PROMPT_NONE;
			a->model.notice[0] = '\0';
			if (ev->key == KEYS_ESC)
				a->leaving[0] = '\0';
			else
				app_leave(a, yes);
			return;
		}
		if (a->prompt == APP_PROMPT_CONFIRM) {
			a->prompt = APP_PROMPT_NONE;
			if (yes)
				app_send(a, a->pending);
			else
				edit_set(&a->edit, a->pending);
			free(a->pending);
			a->pending = NULL;
			a->model.notice[0] = '\0';
			return;
		}
		a->prompt = APP_PROMPT_NONE;
		a->model.notice[0] = '\0';
		if (yes && a->password != NULL && !a->password_env) {
			app_ask(a, APP_PROMPT_PASSWORD_AGAIN);
			return;
		}
		if (yes && a->password != NULL && a->netops->login(a->net,
		    a->model.self, a->password, 1, !a->password_env, err,
		    sizeof err) == -1)
			app_notice(a, "%s", err);
		else if (!yes)
			app_ask(a, APP_PROMPT_PASSWORD);
		return;
	}
	switch (ev->key) {
	case KEYS_ENTER:
		break;
	case KEYS_BACKSPACE:
		edit_backspace(&a->secret);
		return;
	case KEYS_ESC:
		if (a->prompt == APP_PROMPT_PASSWD_OLD ||
		    a->prompt == APP_PROMPT_PASSWD_NEW) {
			a->prompt = APP_PROMPT_NONE;
			app_wipe(&a->old_password);
		}
		app_secret_clear(a);
		return;
	default:
		if (ev->key == 'u' && ev->mods == KEYS_CTRL)
			app_secret_clear(a);
		else if (ev->key < KEYS_NONE && ev->mods == 0)
			edit_insert(&a->secret, ev->text, strlen(ev->text));
		return;
	}
	if (a->secret.len == 0)
		return;
	switch (a->prompt) {
	case APP_PROMPT_NICK:
		if (model_key(a->secret.buf, key, NULL) == -1) {
			app_notice(a, "not a valid nickname");
			app_secret_clear(a);
			return;
		}
		a->prompt = APP_PROMPT_NONE;
		snprintf(err, sizeof err, "%s", a->secret.buf);
		app_secret_clear(a);
		app_begin(a, err);
		return;
	case APP_PROMPT_PASSWORD:
		app_wipe(&a->password);
		a->password = xstrdup(a->secret.buf);
		a->password_env = 0;
		app_secret_clear(a);
		a->prompt = APP_PROMPT_NONE;
		app_login(a);
		return;
	case APP_PROMPT_PASSWORD_AGAIN:
		a->prompt = APP_PROMPT_NONE;
		if (a->password == NULL ||
		    strcmp(a->password, a->secret.buf) != 0) {
			app_secret_clear(a);
			app_wipe(&a->password);
			app_notice(a, "the passwords differ: choose one again");
			app_ask(a, APP_PROMPT_PASSWORD);
			return;
		}
		app_secret_clear(a);
		if (a->net != NULL && a->netops->login(a->net, a->model.self,
		    a->password, 1, !a->password_env, err, sizeof err) == -1)
			app_notice(a, "%s", err);
		return;
	case APP_PROMPT_PASSWD_OLD:
		app_wipe(&a->old_password);
		a->old_password = xstrdup(a->secret.buf);
		app_ask(a, APP_PROMPT_PASSWD_NEW);
		return;
	case APP_PROMPT_PASSWD_NEW:
		if (a->net == NULL || a->netops->passwd(a->net,
		    a->old_password, a->secret.buf) == -1)
			app_notice(a, "/passwd: not connected");
		app_wipe(&a->old_password);
		app_secret_clear(a);
		a->prompt = APP_PROMPT_NONE;
		return;
	default:
		return;
	}
}

/* Tell the peer we are typing, now and then. */
static void
app_typing(struct app *a)
{
	if (!a->conf->typing || a->net == NULL || a->model.open == NULL ||
	    a->model.open->group || a->focus != APP_FOCUS_INPUT ||
	    a->edit.len == 0 || a->edit.buf[0] == '/' ||
	    a->now_ms - a->typing_sent_ms < APP_TYPING_EVERY_MS)
		return;
	a->typing_sent_ms = a->now_ms;
	a->netops->typing(a->net, a->model.open->nick);
}

/* Keys on the input line. */
static void
app_input_key(struct app *a, const struct keys_event *ev)
{
	int	ctrl = ev->mods == KEYS_CTRL, alt = ev->mods == KEYS_ALT;
	int	newline = ev->key == a->conf->key[TUICONF_NEWLINE] &&
		    ev->mods == a->conf->key_mods[TUICONF_NEWLINE];
	size_t	len = a->edit.len;

	if (newline) {
		edit_insert(&a->edit, "\n", 1);
		return;
	}
	switch (ev->key) {
	case KEYS_ENTER:
		app_enter(a);
		return;
	case KEYS_PASTE:
		edit_insert(&a->edit, ev->paste, ev->plen);
		if (ev->truncated)
			app_notice(a, "paste cut at %d bytes", KEYS_PASTE_MAX);
		break;
	case KEYS_LEFT:
		if (ev->mods & (KEYS_CTRL | KEYS_ALT))
			edit_word_left(&a->edit);
		else
			edit_left(&a->edit);
		return;
	case KEYS_RIGHT:
		if (ev->mods & (KEYS_CTRL | KEYS_ALT))
			edit_word_right(&a->edit);
		else
			edit_right(&a->edit);
		return;
	case KEYS_HOME:
		edit_home(&a->edit);
		return;
	case KEYS_END:
		edit_end(&a->edit);
		return;
	case KEYS_UP:
		edit_up(&a->edit);
		return;
	case KEYS_DOWN:
		edit_down(&a->edit);
		return;
	case KEYS_BACKSPACE:
		if (alt)
			edit_kill_word(&a->edit);
		else
			edit_backspace(&a->edit);
		break;
	case KEYS_DELETE:
		edit_delete(&a->edit);
		break;
	case KEYS_ESC:
		app_to_list(a);
		return;
	default:
		if (ctrl) {
			switch (ev->key) {
			case 'a': edit_home(&a->edit); return;
			case 'e': edit_end(&a->edit); return;
			case 'b': edit_left(&a->edit); return;
			case 'f': edit_right(&a->edit); return;
			case 'w': edit_kill_word(&a->edit); break;
			case 'u': edit_kill_start(&a->edit); break;
			case 'k': edit_kill_end(&a->edit); break;
			case 'y': edit_yank(&a->edit); break;
			case 'd':
				if (a->edit.len == 0)
					a->quit = 1;
				else
					edit_delete(&a->edit);
				break;
			}
		} else if (alt) {
			switch (ev->key) {
			case 'b': edit_word_left(&a->edit); return;
			case 'f': edit_word_right(&a->edit); return;
			case 'd': edit_kill_word_forward(&a->edit); break;
			}
		} else if (ev->key < KEYS_NONE && ev->mods == 0)
			edit_insert(&a->edit, ev->text, strlen(ev->text));
		break;
	}
	if (a->edit.len > len)
		app_typing(a);
}

/* Dispatch a key. */
void
app_key(struct app *a, const struct keys_event *ev)
{
	a->now_ms = clock_wall_ms();
	/* A notice stays until the next key. */
	if (a->prompt == APP_PROMPT_NONE)
		a->model.notice[0] = '\0';
	if (a->prompt != APP_PROMPT_NONE) {
		app_prompt_key(a, ev);
		return;
	}
	/* The help is an overlay that any key closes. */
	if (a->help) {
		a->help = 0;
		return;
	}
	if (app_global(a, ev))
		return;
	/*
	 * Esc typed just before a character arrives as Alt and it; where
	 * Alt means nothing for it, it is the two keys (Esc then "/" must
	 * start a command, not type "/"-less text).
	 */
	if (ev->mods == KEYS_ALT && ev->key > ' ' && ev->key < KEYS_NONE &&
	    ev->key != 'b' && ev->key != 'f' && ev->key != 'd') {
		struct keys_event	k = *ev;

		k.key = KEYS_ESC;
		k.mods = 0;
		k.text[0] = '\0';
		app_key(a, &k);
		k = *ev;
		k.mods = 0;
		app_key(a, &k);
		return;
	}
	if (a->model.open == NULL)
		a->focus = APP_FOCUS_LIST;
	if (a->focus == APP_FOCUS_LIST)
		app_list_key(a, ev);
	else
		app_input_key(a, ev);
}

/* What Enter will do, for the status bar. */
void
app_hint(const struct app *a, char *buf, size_t len)
{
	const struct model_conv	*c;
	size_t			 w;

	if (a->help) {
		snprintf(buf, len, "any key: close help");
		return;
	}
	switch (a->prompt) {
	case APP_PROMPT_NICK:
		snprintf(buf, len, "Enter: sign in as this");
		return;
	case APP_PROMPT_PASSWORD:
		snprintf(buf, len, "Enter: log in");
		return;
	case APP_PROMPT_PASSWORD_AGAIN:
		snprintf(buf, len, "Enter: register");
		return;
	case APP_PROMPT_PASSWD_OLD:
	case APP_PROMPT_PASSWD_NEW:
		snprintf(buf, len, "Enter: next; Esc: cancel");
		return;
	case APP_PROMPT_REGISTER:
	case APP_PROMPT_CONFIRM:
		snprintf(buf, len, "y: yes; n: no");
		return;
	case APP_PROMPT_LEAVE:
		snprintf(buf, len, "y: delete; n: keep; Esc: stay");
		return;
	case APP_PROMPT_GROUP:
		snprintf(buf, len, a->gasking == CPG_OWNER ?
		    "y: hand it on; n: keep it" : "y: delete it; n: keep it");
		return;
	case APP_PROMPT_NONE:
		break;
	}
	if (a->edit.buf[0] == '/' && a->edit.buf[1] != '/') {
		w = strcspn(a->edit.buf, " \n");
		snprintf(buf, len, "Enter: run %.*s", (int)(w > 20 ? 20 : w),
		    a->edit.buf);
		return;
	}
	if (a->focus == APP_FOCUS_INPUT && a->model.open != NULL) {
		snprintf(buf, len, "Enter: send to %s", a->model.open->nick);
		return;
	}
	if ((c = app_current(a)) != NULL && app_is_request(c) && c->group)
		snprintf(buf, len, "Enter: join %s; Del: decline", c->nick);
	else if (c != NULL && app_is_request(c))
		snprintf(buf, len, "Enter: accept %s; Del: decline", c->nick);
	else if (c != NULL)
		snprintf(buf, len, "Enter: open %s", c->nick);
	else if (a->model.nconvs == 0)
		snprintf(buf, len, "/add NICK: add one");
	else
		snprintf(buf, len, "Up/Down: pick one");
}

/* Send read receipts for what is on the screen. */
void
app_seen(struct app *a, size_t first, size_t last)
{
	struct model_conv	*c = a->model.open;
	size_t			 i;
	uint64_t		 newest = 0;

	if (c == NULL)
		return;
	for (i = first; i <= last && i < c->nmsgs; i++) {
		if (c->msgs[i].out || c->msgs[i].read_sent)
			continue;
		c->msgs[i].read_sent = 1;
		if (c->msgs[i].id > newest)
			newest = c->msgs[i].id;
		history_state(&a->hist, c, &c->msgs[i]);
	}
	/* A read mark covers the conversation up to it: one will do. */
	if (newest != 0 && a->net != NULL && c->group) {
		if (c->member)
			a->netops->gmark_read(a->net, c->nick, newest);
	} else if (newest != 0 && a->net != NULL)
		a->netops->mark_read(a->net, newest);
}

/* The connection changed. */
static void
app_on_conn(void *arg, enum model_conn st, const char *why,
    int need_password, int unknown_user)
{
	struct app	*a = arg;
	size_t		 i, j;

	a->now_ms = clock_wall_ms();
	a->model.conn = st;
	snprintf(a->model.conn_why, sizeof a->model.conn_why, "%s",
	    why != NULL ? why : "");
	if (st != MODEL_CONN_OFFLINE)
		a->model.retry_at_ms = 0;
	if (st != MODEL_CONN_READY)
		/* What was asked of the lost session is asked again. */
		for (i = 0; i < a->model.nconvs; i++) {
			if (a->model.convs[i]->hist_busy &&
			    a->model.convs[i]->hist_older)
				a->model.convs[i]->hist_want = 2;
			a->model.convs[i]->hist_busy = 0;
		}
	if (st == MODEL_CONN_READY) {
		app_wipe(&a->password);
		/* Each login syncs every conversation's newest page once. */
		a->conn_gen++;
		app_refresh(a, NET_CH_CONTACTS | NET_CH_REQUESTS |
		    NET_CH_BLOCKED);
		/* Our groups and invitations, with their unread counts. */
		a->netops->group(a->net, CPG_LIST, NULL, NULL, NULL);
		if (a->away)
			a->netops->away(a->net, 1);
		/* Messages left in the outbox by an earlier run. */
		for (i = 0; i < a->model.nconvs; i++)
			for (j = 0; j < a->model.convs[i]->nmsgs; j++)
				if (a->model.convs[i]->msgs[j].out &&
				    a->model.convs[i]->msgs[j].state ==
				    MODEL_SENDING)
					app_queue(a, a->model.convs[i],
					    &a->model.convs[i]->msgs[j]);
		return;
	}
	if (st != MODEL_CONN_FAILED)
		return;
	if (unknown_user && a->password != NULL) {
		app_ask(a, APP_PROMPT_REGISTER);
		snprintf(a->question, sizeof a->question,
		    "no account %.60s here: register it? (y/n) ", a->model.self);
		return;
	}
	if (need_password) {
		app_wipe(&a->password);
		app_notice(a, "%s", why != NULL ? why : "log in");
		app_ask(a, APP_PROMPT_PASSWORD);
	}
}

/* Logged in on a node: the status bar shows it, and a move is told. */
static void
app_on_node(void *arg, const char *addr, size_t i, size_t n)
{
	struct app	*a = arg;

	if (a->model.node[0] != '\0' && strcmp(a->model.node, addr) != 0)
		app_notice(a, "now on node %s (%zu of %zu), was %s", addr,
		    i + 1, n, a->model.node);
	snprintf(a->model.node, sizeof a->model.node, "%s", addr);
	a->model.node_i = i;
	a->model.nodes = n;
}

/* The next attempt to connect is in_ms from now: the status bar counts down. */
static void
app_on_reconnect(void *arg, uint64_t in_ms)
{
	struct app	*a = arg;

	a->now_ms = clock_wall_ms();
	a->model.retry_at_ms = a->now_ms + in_ms;
}

/* Find one of our messages and record its new state (and server id). */
static void
app_state(struct app *a, uint64_t id, uint64_t sid, enum model_state st,
    uint64_t time_ms)
{
	struct model_conv	*c;
	struct model_msg	*m = model_find_sent(&a->model, id, &c);

	if (m == NULL)
		return;
	/* The server's time orders the conversation on every device. */
	if (time_ms != 0 && m->state == MODEL_SENDING &&
	    time_ms != m->time_ms)
		m = model_retime(c, m, time_ms);
	if (sid != 0 && m->sid == 0) {
		m->sid = sid;
		history_sid(&a->hist, c, m);
	}
	if (model_advance(m, st))
		history_state(&a->hist, c, m);
	/* A reply to a request accepts it: this device is not told so. */
	if (sid != 0 && c->request && !c->contact)
		app_refresh(a, NET_CH_CONTACTS | NET_CH_REQUESTS);
}

/* The server has stored one of our messages. */
static void
app_on_accepted(void *arg, uint64_t id, uint64_t sid, uint64_t time_ms,
    enum model_state st)
{
	app_state(arg, id, sid, st, time_ms);
}

/* A delivered or read receipt. */
static void
app_on_receipt(void *arg, uint64_t id, enum model_state st)
{
	app_state(arg, id, 0, st, 0);
}

/* The server refused one of our messages. */
static void
app_on_refused(void *arg, uint64_t id, const char *why)
{
	struct app		*a = arg;
	struct model_conv	*c;
	struct model_msg	*m = model_find_sent(&a->model, id, &c);

	if (m == NULL)
		return;
	model_fail(m, why);
	history_state(&a->hist, c, m);
	app_notice(a, "message to %s refused: %s", c->nick, why);
}

/* A message arrived. */
static void
app_on_message(void *arg, uint64_t sid, uint64_t time_ms, const char *from,
    const char *text, size_t len)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, from, 1);
	struct model_msg	*m;

	a->now_ms = clock_wall_ms();
	/*
	 * The library hands each server id over once a run; across runs the
	 * history may already have it.  Ids alone are not trusted: a server
	 * whose store was reset numbers from 1 again.
	 */
	m = model_find_received(c, sid);
	if (m != NULL && m->len == len && memcmp(m->text, text, len) == 0)
		return;
	m = model_add(&a->model, c, sid, time_ms, 0, MODEL_RECEIVED, text, len);
	history_msg(&a->hist, c, m);
	c->typing_until_ms = 0;
	if (c != a->model.open || !c->scroll.follow)
		a->bell = a->conf->bell;
}

/* A list of nicknames into the notice, after a head. */
static void
app_notice_list(struct app *a, const char *head, const char *const *nicks,
    size_t n)
{
	size_t	i, off;

	off = (size_t)snprintf(a->model.notice, sizeof a->model.notice,
	    "%s (%zu):", head, n);
	for (i = 0; i < n && off < sizeof a->model.notice; i++)
		off += (size_t)snprintf(a->model.notice + off,
		    sizeof a->model.notice - off, " %s", nicks[i]);
}

/*
 * The answer to the contact command under way, if this list is it:
 * say what happened.  chatd answers each with a whole list, not with
 * the entry, so the entry's presence in it is the outcome.
 */
static void
app_answered(struct app *a, enum net_list list, const char *const *nicks,
    size_t n)
{
	struct model_conv	*c = a->asking[0] != '\0' ?
				    model_conv(&a->model, a->asking, 0) : NULL;
	const char		*nick = c != NULL ? c->nick : a->asking;

	switch (a->asking_op) {
	case NET_ADD:
	case NET_ACCEPT:
		if (list != NET_L_CONTACTS || c == NULL || !c->contact)
			return;
		if (a->asking_op == NET_ADD && !a->asking_request)
			app_notice(a, "asked %s to be a contact; presence "
			    "shows once they accept", nick);
		else {
			app_notice(a, "%s is a contact now", nick);
			/* This device is not told the requests changed. */
			app_refresh(a, NET_CH_REQUESTS);
		}
		/* chatd answers an /add it took with the list: open it. */
		if (a->asking_op == NET_ADD && a->prompt == APP_PROMPT_NONE)
			app_open(a, c);
		break;
	case NET_DECLINE:
		if (list != NET_L_REQUESTS)
			return;
		if (c != NULL)
			c->declined = 1;
		app_notice(a, "declined %s (they are not told)", nick);
		break;
	case NET_BLOCK:
		if (list != NET_L_BLOCKED)
			return;
		app_notice(a, "blocked %s: nothing of theirs comes through, "
		    "and you look offline to them", nick);
		/* Blocking ended the contact and hides the request. */
		app_refresh(a, NET_CH_CONTACTS | NET_CH_REQUESTS);
		break;
	case NET_UNBLOCK:
		if (list != NET_L_BLOCKED)
			return;
		app_notice(a, "unblocked %s", nick);
		app_refresh(a, NET_CH_REQUESTS);
		break;
	case NET_BLOCKED:
		if (list != NET_L_BLOCKED)
			return;
		if (n == 0)
			app_notice(a, "nobody is blocked");
		else
			app_notice_list(a, "blocked", nicks, n);
		break;
	default:
		return;
	}
	a->asking[0] = '\0';
	a->asking_op = NET_LIST;
	a->asking_request = 0;
}

/* A list: contacts, the who directory, requests or blocked users. */
static void
app_on_roster(void *arg, enum net_list list, const char *const *nicks,
    const enum model_presence *p, const uint64_t *seen, size_t n)
{
	struct app		*a = arg;
	struct model_conv	*c;
	size_t			 i;

	if (list == NET_L_WHO) {
		app_notice_list(a, "online", nicks, n);
		return;
	}
	/* The list replaces what the last one said. */
	for (i = 0; i < a->model.nconvs; i++) {
		c = a->model.convs[i];
		if (list == NET_L_CONTACTS)
			c->contact = 0;
		else if (list == NET_L_REQUESTS)
			c->request = 0;
		else
			c->blocked = 0;
	}
	for (i = 0; i < n; i++) {
		c = model_conv(&a->model, nicks[i], 1);
		if (list == NET_L_CONTACTS) {
			c->contact = 1;
			c->declined = 0;
			c->presence = p[i];
			c->last_seen_ms = seen[i];
			app_hist_sync(a, c);
		} else if (list == NET_L_REQUESTS) {
			c->request = 1;
			app_hist_sync(a, c);
		} else
			c->blocked = 1;
	}
	app_answered(a, list, nicks, n);
	app_hist_pump(a);
}

/* A contact's presence changed. */
static void
app_on_presence(void *arg, const char *nick, enum model_presence p,
    uint64_t last_seen_ms)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, nick, 1);

	c->presence = p;
	c->last_seen_ms = last_seen_ms;
}

/* Someone is typing to us: show it for a few seconds. */
static void
app_on_typing(void *arg, const char *from)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, from, 1);

	c->typing_until_ms = clock_wall_ms() + 5000;
}

/* A request's outcome. */
static void
app_on_result(void *arg, const char *what, const char *error)
{
	struct app	*a = arg;

	if (error != NULL && a->asking_op == NET_ADD &&
	    strcmp(what, "contacts") == 0) {
		app_notice(a, "/add %s refused: %s; not added", a->asking,
		    error);
		a->asking_op = NET_LIST;
	} else if (error != NULL && a->asking_op != NET_LIST &&
	    a->asking[0] != '\0' && what[0] == '/') {
		app_notice(a, "%s %s: %s", what, a->asking, error);
		a->asking_op = NET_LIST;
	} else if (error != NULL)
		app_notice(a, "%s: %s", what, error);
	else
		app_notice(a, "%s: done", what);
}

/* The account's settings, as /settings shows them. */
static void
app_on_settings(void *arg, unsigned int v)
{
	struct app	*a = arg;

	app_notice(a, "settings: visible %s, receipts %s, typing %s "
	    "(/settings NAME on|off)",
	    v & NET_SET_VISIBLE ? "on" : "off",
	    v & NET_SET_RECEIPTS ? "on" : "off",
	    v & NET_SET_TYPING ? "on" : "off");
}

/* A page of a conversation from the server, or why there is none. */
static void
app_on_history(void *arg, const char *peer, const struct net_hist *v,
    size_t n, int more, const char *error, int later)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, peer, 0);
	size_t			 i;
	int			 older;

	a->now_ms = clock_wall_ms();
	if (c == NULL && error == NULL)
		c = model_conv(&a->model, peer, 1);
	if (c == NULL) {
		app_hist_pump(a);
		return;
	}
	older = c->hist_busy && c->hist_older;
	c->hist_busy = 0;
	c->hist_older = 0;
	if (error != NULL) {
		if (later > 0) {
			if (c->hist_want == 0)
				c->hist_want = older ? 2 : 1;
			c->hist_retry_ms = a->now_ms + APP_HIST_RETRY_MS;
		} else {
			if (later < 0)
				a->hist_off = 1;
			if (older || c->hist_want == 2)
				app_notice(a, "older messages of %s: %s",
				    c->nick, error);
			c->hist_want = 0;
		}
		app_hist_pump(a);
		return;
	}
	for (i = 0; i < n; i++)
		app_hist_merge(a, c, &v[i]);
	c->hist_begin = !more;
	if (c->hist_begin && c->hist_want == 2)
		c->hist_want = 0;
	app_hist_pump(a);
}

/* A message this account sent from another device: shown as ours, once. */
static void
app_on_sent(void *arg, const struct net_hist *h)
{
	struct app	*a = arg;

	a->now_ms = clock_wall_ms();
	app_hist_merge(a, model_conv(&a->model, h->peer, 1), h);
}

/* The conversation with peer was read up to sid on another device. */
static void
app_on_read_upto(void *arg, const char *peer, uint64_t sid)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, peer, 0);
	struct model_msg	*m;
	size_t			 j, newer = 0;

	if (c == NULL)
		return;
	for (j = 0; j < c->nmsgs; j++) {
		m = &c->msgs[j];
		if (m->out)
			continue;
		if (m->sid > sid) {
			if (!m->read_sent)
				newer++;
			continue;
		}
		if (!m->read_sent) {
			m->read_sent = 1;
			history_state(&a->hist, c, m);
		}
		m->read_assumed = 0;
	}
	/* Unread messages are the newest: those past sid stay unread. */
	if (c->unread > newer)
		c->unread = newer;
}

/* Lists changed on the server (a request came, another device acted). */
static void
app_on_lists_changed(void *arg, unsigned int lists)
{
	app_refresh(arg, lists);
}

/* A group's message or event, now. */
static void
app_on_gmessage(void *arg, const struct net_gmsg *g)
{
	struct app		*a = arg;
	struct model_conv	*c;
	char			 key[NICK_MAX_BYTES];

	a->now_ms = clock_wall_ms();
	if (model_key(g->group, key, NULL) == -1 || key[0] != '#')
		return;
	c = model_conv(&a->model, g->group, 1);
	if (app_gmerge(a, c, g, 1) && g->event == CPGE_TEXT &&
	    !app_is_self(a, g->from) && !(c->gflags & CPGM_MUTED) &&
	    (c != a->model.open || !c->scroll.follow))
		a->bell = a->conf->bell;
	app_gevent(a, c, g);
}

/* A page of a group's history. */
static void
app_on_ghistory(void *arg, const char *group, const struct net_gmsg *v,
    size_t n, int more)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, group, 0);
	size_t			 i;

	a->now_ms = clock_wall_ms();
	if (c == NULL || !c->group) {
		app_hist_pump(a);
		return;
	}
	c->hist_busy = 0;
	c->hist_older = 0;
	for (i = 0; i < n; i++)
		app_gmerge(a, c, &v[i], 0);
	c->hist_begin = !more;
	if (c->hist_begin && c->hist_want == 2)
		c->hist_want = 0;
	app_hist_pump(a);
}

/* The account's groups and invitations: they replace what we knew. */
static void
app_group_list(struct app *a, const struct net_gentry *v, size_t n)
{
	struct model_conv	*c;
	char			 key[NICK_MAX_BYTES];
	size_t			 i;

	for (i = 0; i < a->model.nconvs; i++)
		if (a->model.convs[i]->group) {
			a->model.convs[i]->member = 0;
			a->model.convs[i]->invited = 0;
		}
	for (i = 0; i < n; i++) {
		if (model_key(v[i].name, key, NULL) == -1 || key[0] != '#')
			continue;
		c = model_conv(&a->model, v[i].name, 1);
		c->gflags = v[i].flags;
		if (v[i].flags & CPGM_INVITED) {
			c->invited = 1;
			continue;
		}
		c->member = 1;
		/* The server counts what we have not read, on any device. */
		if (c != a->model.open)
			c->unread = (c->gflags & CPGM_MUTED) ? 0 :
			    (size_t)v[i].value;
		app_hist_sync(a, c);
	}
	app_hist_pump(a);
}

/* A list of members for the notice. */
static void
app_members_text(struct app *a, const struct model_conv *c)
{
	size_t	i, off;

	off = (size_t)snprintf(a->model.notice, sizeof a->model.notice,
	    "members of %s (%zu):", c->nick, c->nmembers);
	for (i = 0; i < c->nmembers && off < sizeof a->model.notice; i++)
		off += (size_t)snprintf(a->model.notice + off,
		    sizeof a->model.notice - off, " %s%s", c->members[i].nick,
		    c->members[i].flags & CPGM_OWNER ? " (owner)" :
		    c->members[i].flags & CPGM_ADMIN ? " (admin)" :
		    c->members[i].flags & CPGM_INVITED ? " (invited)" : "");
}

/* The answer to a group request: our groups, or one group as it is now. */
static void
app_on_group_info(void *arg, enum cp_group_op op, const char *group,
    unsigned int flags, const char *topic, const struct net_gentry *v,
    size_t n)
{
	struct app		*a = arg;
	struct model_conv	*c;
	struct model_member	*mm;
	char			 key[NICK_MAX_BYTES], tkey[NICK_MAX_BYTES];
	size_t			 i;
	int			 invited = 0;

	if (op == CPG_LIST || group[0] == '\0') {
		app_group_list(a, v, n);
		return;
	}
	if (model_key(group, key, NULL) == -1 || key[0] != '#')
		return;
	/* The readers of a message, not the members. */
	if (op == CPG_READERS) {
		if ((c = model_conv(&a->model, group, 0)) != NULL &&
		    a->readers_sid != 0)
			app_readers_text(a, c, v, n);
		a->readers_sid = 0;
		return;
	}
	c = model_conv(&a->model, group, 1);
	c->gflags = flags;
	c->member = !(flags & CPGM_INVITED);
	c->invited = !c->member;
	model_set_topic(c, topic);
	mm = xcalloc(n + 1, sizeof *mm);
	for (i = 0; i < n; i++) {
		snprintf(mm[i].nick, sizeof mm[i].nick, "%s", v[i].name);
		mm[i].flags = v[i].flags;
	}
	model_set_members(c, mm, n);
	free(mm);
	if (flags & CPGM_MUTED)
		c->unread = 0;
	switch (op) {
	case CPG_CREATE:
		app_open(a, c);
		app_notice(a, "created %s: /invite NICK asks people in", c->nick);
		break;
	case CPG_ACCEPT:
		app_open(a, c);
		app_notice(a, "you joined %s", c->nick);
		app_hist_sync(a, c);
		app_hist_pump(a);
		break;
	case CPG_INVITE:
		/* A contact joins at once; anyone else has to accept. */
		model_key(a->gtarget, tkey, NULL);
		for (i = 0; i < n; i++) {
			model_key(v[i].name, key, NULL);
			if (strcmp(key, tkey) == 0)
				invited = (v[i].flags & CPGM_INVITED) != 0;
		}
		if (invited)
			app_notice(a, "invited %s to %s: they join once they "
			    "accept", a->gtarget, c->nick);
		else
			app_notice(a, "%s is in %s", a->gtarget, c->nick);
		break;
	case CPG_KICK:
		app_notice(a, "removed %s from %s", a->gtarget, c->nick);
		break;
	case CPG_ADMIN:
		app_notice(a, "%s is an admin of %s", a->gtarget, c->nick);
		break;
	case CPG_UNADMIN:
		app_notice(a, "%s is a member of %s again", a->gtarget,
		    c->nick);
		break;
	case CPG_OWNER:
		app_notice(a, "%s is the owner of %s now; you are an admin",
		    a->gtarget, c->nick);
		break;
	case CPG_TOPIC:
		app_notice(a, "topic of %s set", c->nick);
		break;
	case CPG_MUTE:
		app_notice(a, "%s muted: no bell, no unread count", c->nick);
		break;
	case CPG_UNMUTE:
		app_notice(a, "%s unmuted", c->nick);
		break;
	case CPG_MEMBERS:
		if (a->members_notice)
			app_members_text(a, c);
		a->members_notice = 0;
		break;
	default:
		break;
	}
}

/* Forget group c here: from the list, the screen and the disk. */
static void
app_group_forget(struct app *a, struct model_conv *c)
{
	history_forget(&a->hist, c);
	if (a->pick == c)
		a->pick = NULL;
	if (a->model.open == c)
		a->focus = APP_FOCUS_LIST;
	model_remove(&a->model, c);
}

/* A group request refused, or one answered with OK (leave, decline,
 * delete). */
static void
app_on_group_result(void *arg, enum cp_group_op op, const char *group,
    const char *target, const char *error)
{
	struct app		*a = arg;
	struct model_conv	*c = group != NULL && group[0] != '\0' ?
				    model_conv(&a->model, group, 0) : NULL;
	static const char *const names[] = { "list", "create", "delete",
	    "invite", "accept", "decline", "kick", "leave", "members",
	    "topic", "admin", "unadmin", "owner", "mute", "unmute",
	    "readers" };
	const char		*name = (size_t)op < sizeof names /
				    sizeof names[0] ? names[op] : "group";

	if (error != NULL) {
		if (op == CPG_LEAVE)
			a->leaving[0] = '\0';
		if (op == CPG_READERS)
			a->readers_sid = 0;
		/* Asked in the background (login, a change): asked again
		 * in a while, with no notice over what the user did. */
		if (op == CPG_LIST) {
			a->glist_retry_ms = clock_wall_ms() + APP_HIST_RETRY_MS;
			return;
		}
		if (op == CPG_MEMBERS && !a->members_notice)
			return;
		if (op == CPG_MEMBERS)
			a->members_notice = 0;
		app_notice(a, "/%s %s: %s", name, target != NULL &&
		    target[0] != '\0' ? target : group, error);
		return;
	}
	if (c == NULL)
		return;
	if (op == CPG_DECLINE) {
		c->invited = 0;
		app_notice(a, "declined %s", c->nick);
		if (c->nmsgs == 0) {
			if (a->pick == c)
				a->pick = NULL;
			model_remove(&a->model, c);
		}
		return;
	}
	/* A group we deleted goes from the list and the disk, as with
	 * /leave --delete: there is nothing left in it to read or write. */
	if (op == CPG_DELETE) {
		app_notice(a, "%s is deleted, for all its members", c->nick);
		app_group_forget(a, c);
		return;
	}
	if (op != CPG_LEAVE)
		return;
	c->member = 0;
	model_set_members(c, NULL, 0);
	if (a->leave_delete && strcmp(a->leaving, group) == 0) {
		app_notice(a, "you left %s; its messages are deleted here",
		    c->nick);
		app_group_forget(a, c);
	} else
		app_notice(a, "you left %s; its messages stay here", c->nick);
	a->leaving[0] = '\0';
}

/* How far a message we sent to a group got. */
static void
app_on_greceipt(void *arg, const char *group, uint64_t msgid,
    unsigned int delivered, unsigned int read, unsigned int of)
{
	struct app		*a = arg;
	struct model_conv	*c;
	struct model_msg	*m = model_find_sent(&a->model, msgid, &c);

	if (m == NULL || !c->group)
		return;
	m->g_delivered = delivered;
	m->g_read = read;
	m->g_of = of;
	/* Everyone has it, or has read it: the state a restart shows. */
	if (of > 0 && model_advance(m, read >= of ? MODEL_READ :
	    delivered >= of ? MODEL_DELIVERED : MODEL_ACCEPTED))
		history_state(&a->hist, c, m);
}

/* A group changed for us: invited, added, removed, or it is gone. */
static void
app_on_group_changed(void *arg, const char *group, unsigned int what)
{
	struct app		*a = arg;
	struct model_conv	*c = model_conv(&a->model, group, 0);

	if (c != NULL && (what & (CPGC_REMOVED | CPGC_DELETED))) {
		c->member = 0;
		c->invited = 0;
		model_set_members(c, NULL, 0);
		app_notice(a, what & CPGC_DELETED ? "%s was deleted" :
		    "you are no longer in %s", c->nick);
	}
	if (a->net != NULL)
		a->netops->group(a->net, CPG_LIST, NULL, NULL, NULL);
}

/* After a network event: the screen is redrawn before the loop waits. */
static void
app_on_changed(void *arg)
{
	struct app	*a = arg;

	a->changed = 1;
}

/* The app's answers to what a net reports. */
const struct net_events app_events = {
	.conn = app_on_conn,
	.reconnect = app_on_reconnect,
	.node = app_on_node,
	.accepted = app_on_accepted,
	.receipt = app_on_receipt,
	.refused = app_on_refused,
	.message = app_on_message,
	.roster = app_on_roster,
	.presence = app_on_presence,
	.typing = app_on_typing,
	.result = app_on_result,
	.settings = app_on_settings,
	.history = app_on_history,
	.sent = app_on_sent,
	.read_upto = app_on_read_upto,
	.lists_changed = app_on_lists_changed,
	.gmessage = app_on_gmessage,
	.ghistory = app_on_ghistory,
	.group_info = app_on_group_info,
	.group_result = app_on_group_result,
	.greceipt = app_on_greceipt,
	.group_changed = app_on_group_changed,
	.changed = app_on_changed,
};
