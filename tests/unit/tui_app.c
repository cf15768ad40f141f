/*
 * Unit tests for chat-tui/app.c: what a user sees in the model as they
 * press keys and the network reports, with no network and no terminal.
 * Keys go in as the bytes a terminal sends, through keys.c; the network
 * is a fake net behind struct net_ops that records what the app asks of
 * it and fires struct net_events at the app as chatd's answers would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "chat-tui/app.h"
#include "chat-tui/keys.h"
#include "chat-tui/model.h"
#include "chat-tui/net.h"
#include "chat-tui/tuiconf.h"
#include "chat-tui/width.h"

#define UP		"\033[A"
#define DOWN		"\033[B"
#define ENTER		"\r"
#define ESC		"\033"
#define TAB		"\t"
#define CTRL_N		"\016"
#define CTRL_P		"\020"
#define ALT_A		"\033a"
#define ALT_1		"\0331"
#define F1		"\033OP"
#define BACKSPACE	"\177"
#define CTRL_U		"\025"
#define DELETE		"\033[3~"
#define PAGEUP		"\033[5~"
#define F2		"\033OQ"
#define PASTE(s)	"\033[200~" s "\033[201~"

/* The fake: what the app asked of the network, and whom to report to. */
struct net {
	const struct net_events	*ev;
	void			*arg;
	int			 connected;	/* requests fail when 0 */
	int			 token;		/* a device token is kept */
	int			 logins;
	char			 login_nick[64];
	char			 login_password[64];	/* "" for none */
	int			 login_reg;
	int			 login_want_token;
	struct {
		uint64_t	 id;
		char		 to[64];
		char		 text[256];
	}			 sent[8];
	size_t			 nsent;
	uint64_t		 read_upto;
	int			 typing;
	char			 typing_to[64];
	int			 aways;
	int			 away;
	int			 contacts;
	enum net_contacts_op	 contacts_op;	/* the last one */
	char			 contacts_nick[64];
	enum net_contacts_op	 ops[32];	/* every one, in order */
	int			 settings;
	unsigned int		 settings_mask;
	unsigned int		 settings_values;
	int			 history;
	char			 history_nick[8][64];	/* in order */
	uint64_t		 history_before[8];
	int			 who;
	struct {
		enum cp_group_op op;
		char		 group[64];
		char		 target[64];
		char		 text[128];
		uint64_t	 sid;		/* CPG_READERS' message */
	}			 gops[16];	/* group requests, in order */
	int			 ngops;
	char			 gmark_group[64];
	uint64_t		 gmark_sid;
	int			 passwd;
	char			 passwd_old[64];
	char			 passwd_new[64];
};

/* One test's app, keyboard and fake net, with a history folder of its own. */
struct t {
	struct tuiconf		 conf;
	struct app		 app;
	struct keys		 keys;
	struct net		 net;
	char			 dir[64];
};

/* Record a login or registration. */
static int
fake_login(struct net *n, const char *nick, const char *password, int reg,
    int want_token, char *err, size_t errlen)
{
	n->logins++;
	snprintf(n->login_nick, sizeof n->login_nick, "%s", nick);
	snprintf(n->login_password, sizeof n->login_password, "%s",
	    password != NULL ? password : "");
	n->login_reg = reg;
	n->login_want_token = want_token;
	return 0;
}

/* Whether the test gave the fake a device token. */
static int
fake_has_token(struct net *n, const char *nick)
{
	return n->token;
}

/* Record a message handed to the network. */
static int
fake_send(struct net *n, uint64_t id, const char *nick, const char *text,
    size_t len, char *err, size_t errlen)
{
	if (n->nsent == sizeof n->sent / sizeof n->sent[0]) {
		snprintf(err, errlen, "fake outbox full");
		return -1;
	}
	n->sent[n->nsent].id = id;
	snprintf(n->sent[n->nsent].to, sizeof n->sent[0].to, "%s", nick);
	snprintf(n->sent[n->nsent].text, sizeof n->sent[0].text, "%.*s",
	    (int)len, text);
	n->nsent++;
	return 0;
}

/* Record a read mark. */
static void
fake_mark_read(struct net *n, uint64_t sid)
{
	n->read_upto = sid;
}

/* Record a typing notice to nick. */
static void
fake_typing(struct net *n, const char *nick)
{
	n->typing++;
	snprintf(n->typing_to, sizeof n->typing_to, "%s", nick);
}

/* Record away or back. */
static void
fake_away(struct net *n, int away)
{
	n->aways++;
	n->away = away;
}

/* Record a contact list request; -1 when not connected. */
static int
fake_contacts(struct net *n, enum net_contacts_op op, const char *nick)
{
	if (!n->connected)
		return -1;
	if (n->contacts < 32)
		n->ops[n->contacts] = op;
	n->contacts++;
	n->contacts_op = op;
	snprintf(n->contacts_nick, sizeof n->contacts_nick, "%s",
	    nick != NULL ? nick : "");
	return 0;
}

/* Record a /who; -1 when not connected. */
static int
fake_who(struct net *n)
{
	if (!n->connected)
		return -1;
	n->who++;
	return 0;
}

/* Record a password change; -1 when not connected. */
static int
fake_passwd(struct net *n, const char *old, const char *new_password)
{
	if (!n->connected)
		return -1;
	n->passwd++;
	snprintf(n->passwd_old, sizeof n->passwd_old, "%s", old);
	snprintf(n->passwd_new, sizeof n->passwd_new, "%s", new_password);
	return 0;
}

/* Record a settings request; -1 when not connected. */
static int
fake_settings(struct net *n, unsigned int mask, unsigned int values)
{
	if (!n->connected)
		return -1;
	n->settings++;
	n->settings_mask = mask;
	n->settings_values = values;
	return 0;
}

/* Record a history request; -1 when not connected. */
static int
fake_history(struct net *n, const char *nick, uint64_t before,
    unsigned int limit)
{
	if (!n->connected)
		return -1;
	if (n->history < 8) {
		snprintf(n->history_nick[n->history], sizeof n->history_nick[0],
		    "%s", nick);
		n->history_before[n->history] = before;
	}
	n->history++;
	return 0;
}

/* Record a group request; -1 when not connected. */
static int
fake_group(struct net *n, enum cp_group_op op, const char *group,
    const char *target, const char *text)
{
	if (!n->connected)
		return -1;
	if (n->ngops < 16) {
		n->gops[n->ngops].op = op;
		snprintf(n->gops[n->ngops].group, sizeof n->gops[0].group,
		    "%s", group != NULL ? group : "");
		snprintf(n->gops[n->ngops].target, sizeof n->gops[0].target,
		    "%s", target != NULL ? target : "");
		snprintf(n->gops[n->ngops].text, sizeof n->gops[0].text, "%s",
		    text != NULL ? text : "");
	}
	n->ngops++;
	return 0;
}

/* Record a readers request as the group request it is. */
static int
fake_greaders(struct net *n, const char *group, uint64_t sid)
{
	if (fake_group(n, CPG_READERS, group, NULL, NULL) == -1)
		return -1;
	if (n->ngops <= 16)
		n->gops[n->ngops - 1].sid = sid;
	return 0;
}

/* Record a group's read mark. */
static void
fake_gmark_read(struct net *n, const char *group, uint64_t sid)
{
	snprintf(n->gmark_group, sizeof n->gmark_group, "%s", group);
	n->gmark_sid = sid;
}

/* The last group request: it must be op on group (and target, text). */
static void
last_gop(struct t *t, enum cp_group_op op, const char *group,
    const char *target, const char *text)
{
	int	i = t->net.ngops - 1;

	assert_true(i >= 0 && i < 16);
	assert_int_equal(t->net.gops[i].op, op);
	assert_string_equal(t->net.gops[i].group, group);
	assert_string_equal(t->net.gops[i].target, target);
	assert_string_equal(t->net.gops[i].text, text);
}

/* Did the app ask for a contacts op (since the count was from)? */
static int
asked(const struct net *n, int from, enum net_contacts_op op)
{
	int	i;

	for (i = from; i < n->contacts && i < 32; i++)
		if (n->ops[i] == op)
			return 1;
	return 0;
}

static const struct net_ops fake_ops = {
	.login = fake_login,
	.has_token = fake_has_token,
	.send = fake_send,
	.mark_read = fake_mark_read,
	.typing = fake_typing,
	.away = fake_away,
	.contacts = fake_contacts,
	.who = fake_who,
	.passwd = fake_passwd,
	.settings = fake_settings,
	.history = fake_history,
	.group = fake_group,
	.gmark_read = fake_gmark_read,
	.greaders = fake_greaders,
};

/* Every report ends in changed(): the app must then redraw. */
static void
fake_changed(struct t *t)
{
	t->net.ev->changed(t->net.arg);
	assert_true(t->app.changed);
	t->app.changed = 0;
}

/* The connection goes to st; requests work once it is ready. */
static void
fake_conn(struct t *t, enum model_conn st, const char *why,
    int need_password, int unknown_user)
{
	t->net.connected = st == MODEL_CONN_READY;
	t->net.ev->conn(t->net.arg, st, why, need_password, unknown_user);
	fake_changed(t);
}

/* A message for us from nick, with the server's id sid. */
static void
fake_message(struct t *t, uint64_t sid, const char *from, const char *text)
{
	t->net.ev->message(t->net.arg, sid, 1000 * sid, from, text,
	    strlen(text));
	fake_changed(t);
}

/* The server stored our message id. */
static void
fake_accepted(struct t *t, uint64_t id)
{
	t->net.ev->accepted(t->net.arg, id, 0, 5000, MODEL_ACCEPTED);
	fake_changed(t);
}

/* Our message id was delivered or read. */
static void
fake_receipt(struct t *t, uint64_t id, enum model_state st)
{
	t->net.ev->receipt(t->net.arg, id, st);
	fake_changed(t);
}

/* The server refused our message id. */
static void
fake_refused(struct t *t, uint64_t id, const char *why)
{
	t->net.ev->refused(t->net.arg, id, why);
	fake_changed(t);
}

/* The contact list (who == 0) or the who directory. */
static void
fake_roster(struct t *t, int who, const char *const *nicks,
    const enum model_presence *p, size_t n)
{
	uint64_t	seen[8] = { 0 };

	t->net.ev->roster(t->net.arg, who ? NET_L_WHO : NET_L_CONTACTS, nicks,
	    p, seen, n);
	fake_changed(t);
}

/* Another list: requests or blocked users (all shown offline). */
static void
fake_list(struct t *t, enum net_list list, const char *const *nicks,
    size_t n)
{
	enum model_presence	p[8] = { MODEL_OFFLINE };
	uint64_t		seen[8] = { 0 };

	t->net.ev->roster(t->net.arg, list, nicks, p, seen, n);
	fake_changed(t);
}

/* A contact came, went or is away. */
static void
fake_presence(struct t *t, const char *nick, enum model_presence p)
{
	t->net.ev->presence(t->net.arg, nick, p, 0);
	fake_changed(t);
}

/* Someone is typing to us. */
static void
fake_typing_to_us(struct t *t, const char *from)
{
	t->net.ev->typing(t->net.arg, from);
	fake_changed(t);
}

/* The outcome of a request. */
static void
fake_result(struct t *t, const char *what, const char *error)
{
	t->net.ev->result(t->net.arg, what, error);
	fake_changed(t);
}

/* The answer to a group request: up to 4 entries "name" with flags. */
static void
fake_group_info(struct t *t, enum cp_group_op op, const char *group,
    unsigned int flags, const char *topic, const char *const *names,
    const unsigned int *fl, const uint64_t *values, size_t n)
{
	struct net_gentry	e[4];
	size_t			i;

	for (i = 0; i < n && i < 4; i++) {
		e[i].name = names[i];
		e[i].flags = fl != NULL ? fl[i] : 0;
		e[i].value = values != NULL ? values[i] : 0;
	}
	t->net.ev->group_info(t->net.arg, op, group, flags, topic, e, n);
	fake_changed(t);
}

/* A group's message (event CPGE_TEXT) or event, with the server's id sid. */
static void
fake_gmessage(struct t *t, const char *group, uint64_t sid, uint64_t msgid,
    const char *from, int event, const char *text)
{
	struct net_gmsg	g;

	memset(&g, 0, sizeof g);
	g.group = group;
	g.sid = sid;
	g.msgid = msgid != 0 ? msgid : sid;
	g.time_ms = 1000 * sid;
	g.from = from;
	g.event = event;
	g.text = text;
	g.len = strlen(text);
	t->net.ev->gmessage(t->net.arg, &g);
	fake_changed(t);
}

/* A key from keys.c to the app, as main.c hands it over. */
static void
t_key(const struct keys_event *ev, void *arg)
{
	struct t	*t = arg;

	app_key(&t->app, ev);
}

/* Press keys: the bytes a terminal sends for them. */
static void
press(struct t *t, const char *bytes)
{
	keys_feed(&t->keys, bytes, strlen(bytes), t_key, t);
	if (keys_pending(&t->keys))
		keys_timeout(&t->keys, t_key, t);	/* a lone Escape */
}

/* The conversation with nick (it must exist). */
static struct model_conv *
conv(struct t *t, const char *nick)
{
	struct model_conv	*c = model_conv(&t->app.model, nick, 0);

	assert_non_null(c);
	return c;
}

/* The text of the last message in a conversation. */
static const char *
last_text(struct t *t, const char *nick)
{
	struct model_conv	*c = conv(t, nick);

	assert_true(c->nmsgs > 0);
	return c->msgs[c->nmsgs - 1].text;
}

/* The state of the last message in a conversation, as the screen words it. */
static const char *
last_state(struct t *t, const char *nick)
{
	struct model_conv	*c = conv(t, nick);

	assert_true(c->nmsgs > 0);
	return model_statename(c->msgs[c->nmsgs - 1].state);
}

/* A fresh app on the fake net, its history in a folder of its own. */
static int
setup(void **state)
{
	struct t	*t = calloc(1, sizeof *t);
	char		 err[256];

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof t->dir, "/tmp/tui-app-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	setenv("XDG_DATA_HOME", t->dir, 1);
	unsetenv("CHAT_PASSWORD");
	tuiconf_defaults(&t->conf);
	if (tuiconf_check("test", &t->conf, err, sizeof err) == -1)
		return -1;
	keys_init(&t->keys);
	app_init(&t->app, &t->conf);
	t->net.ev = &app_events;
	t->net.arg = &t->app;
	app_set_net(&t->app, &fake_ops, &t->net);
	*state = t;
	return 0;
}

/* Free the app and remove its history. */
static int
teardown(void **state)
{
	struct t	*t = *state;
	char		 cmd[100];

	app_free(&t->app);
	keys_free(&t->keys);
	snprintf(cmd, sizeof cmd, "rm -rf %s", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

/* Logged in as alice, connected, with bob (online) and carol as contacts. */
static void
connected(struct t *t)
{
	static const char *const		nicks[] = { "bob", "carol" };
	static const enum model_presence	p[] = { MODEL_ONLINE,
						    MODEL_OFFLINE };

	t->net.token = 1;
	app_start(&t->app, "alice");
	fake_conn(t, MODEL_CONN_CONNECTING, "", 0, 0);
	fake_conn(t, MODEL_CONN_LOGGING_IN, "", 0, 0);
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	fake_roster(t, 0, nicks, p, 2);
}

/* Connected, in #team (as its owner, with bob and carol) and invited
 * to #party; #quiet is muted; #team has 3 unread, #quiet 5. */
static void
in_groups(struct t *t)
{
	static const char *const	names[] = { "#team", "#quiet", "#party" };
	static const unsigned int	fl[] = { CPGM_OWNER | CPGM_ADMIN,
					    CPGM_MUTED, CPGM_INVITED };
	static const uint64_t		unread[] = { 3, 5, 0 };

	connected(t);
	fake_group_info(t, CPG_LIST, "", 0, "", names, fl, unread, 3);
}

/* Open #team, with its members told. */
static void
open_team(struct t *t)
{
	static const char *const	names[] = { "alice", "bob", "carol" };
	static const unsigned int	fl[] = { CPGM_OWNER | CPGM_ADMIN,
					    CPGM_ONLINE, 0 };

	press(t, "/query #team" ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "#team"));
	fake_group_info(t, CPG_MEMBERS, "#team", CPGM_OWNER | CPGM_ADMIN,
	    "lunch at 1", names, fl, NULL, 3);
}

static void
test_first_start_asks_nickname_then_password(void **state)
{
	struct t	*t = *state;

	app_start(&t->app, NULL);
	assert_int_equal(t->app.prompt, APP_PROMPT_NICK);
	press(t, "not valid!" ENTER);
	assert_string_equal(t->app.model.notice, "not a valid nickname");
	assert_int_equal(t->app.prompt, APP_PROMPT_NICK);
	press(t, "Alice" ENTER);
	assert_string_equal(t->app.model.self, "Alice");
	/* No device token: the password is asked for, never shown. */
	assert_int_equal(t->net.logins, 0);
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWORD);
	press(t, "sekrit");
	assert_int_equal(t->app.edit.len, 0);
	press(t, ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);	/* not the input */
	assert_int_equal(t->app.secret.len, 0);
	assert_int_equal(t->net.logins, 1);
	assert_string_equal(t->net.login_nick, "Alice");
	assert_string_equal(t->net.login_password, "sekrit");
	assert_false(t->net.login_reg);
	assert_true(t->net.login_want_token);	/* typed: keep a token */

	fake_conn(t, MODEL_CONN_CONNECTING, "", 0, 0);
	assert_int_equal(t->app.model.conn, MODEL_CONN_CONNECTING);
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	assert_int_equal(t->app.model.conn, MODEL_CONN_READY);
	assert_null(t->app.password);		/* not kept once in */
	/* The contact list, the requests and the blocked users are asked for. */
	assert_int_equal(t->net.contacts, 3);
	assert_true(asked(&t->net, 0, NET_LIST));
	assert_true(asked(&t->net, 0, NET_REQUESTS));
	assert_true(asked(&t->net, 0, NET_BLOCKED));
}

static void
test_device_token_logs_in_without_asking(void **state)
{
	struct t	*t = *state;

	t->net.token = 1;
	app_start(&t->app, "alice");
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	assert_int_equal(t->net.logins, 1);
	assert_string_equal(t->net.login_password, "");	/* the token */
}

static void
test_password_from_environment_wants_no_token(void **state)
{
	struct t	*t = *state;

	setenv("CHAT_PASSWORD", "from-env", 1);
	app_start(&t->app, "alice");
	unsetenv("CHAT_PASSWORD");
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.logins, 1);
	assert_string_equal(t->net.login_password, "from-env");
	assert_false(t->net.login_want_token);
}

static void
test_refused_password_asks_again(void **state)
{
	struct t	*t = *state;

	app_start(&t->app, "alice");
	press(t, "wrong" ENTER);
	assert_int_equal(t->net.logins, 1);
	fake_conn(t, MODEL_CONN_FAILED, "wrong password", 1, 0);
	assert_int_equal(t->app.model.conn, MODEL_CONN_FAILED);
	assert_string_equal(t->app.model.conn_why, "wrong password");
	assert_string_equal(t->app.model.notice, "wrong password");
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWORD);
	press(t, "right" ENTER);
	assert_int_equal(t->net.logins, 2);
	assert_string_equal(t->net.login_password, "right");
}

static void
test_unknown_account_offers_to_register(void **state)
{
	struct t	*t = *state;

	app_start(&t->app, "alice");
	press(t, "pw" ENTER);
	fake_conn(t, MODEL_CONN_FAILED, "no such user", 0, 1);
	assert_int_equal(t->app.prompt, APP_PROMPT_REGISTER);
	assert_string_equal(t->app.question,
	    "no account alice here: register it? (y/n) ");
	press(t, "x");				/* only y, n or Esc */
	assert_int_equal(t->app.prompt, APP_PROMPT_REGISTER);
	press(t, "y");
	/* A typed password is asked for twice before an account is made. */
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWORD_AGAIN);
	assert_int_equal(t->net.logins, 1);
	press(t, "pX" ENTER);
	assert_string_equal(t->app.model.notice,
	    "the passwords differ: choose one again");
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWORD);
	assert_int_equal(t->net.logins, 1);
	press(t, "pw" ENTER);
	assert_int_equal(t->net.logins, 2);
	assert_false(t->net.login_reg);
	fake_conn(t, MODEL_CONN_FAILED, "no such user", 0, 1);
	press(t, "y" "pw" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.logins, 3);
	assert_true(t->net.login_reg);
	assert_string_equal(t->net.login_password, "pw");
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);

	/* Saying no asks for a password for another try. */
	fake_conn(t, MODEL_CONN_FAILED, "no such user", 0, 1);
	press(t, "n");
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWORD);
}

static void
test_contact_list_and_presence(void **state)
{
	struct t		*t = *state;
	struct model_conv	*list[4];

	connected(t);
	assert_int_equal(app_list(&t->app, list, 4), 2);
	assert_string_equal(list[0]->nick, "bob");
	assert_string_equal(list[1]->nick, "carol");
	assert_true(list[0]->contact);
	assert_int_equal(list[0]->presence, MODEL_ONLINE);
	assert_int_equal(list[1]->presence, MODEL_OFFLINE);
	fake_presence(t, "carol", MODEL_AWAY);
	assert_int_equal(conv(t, "carol")->presence, MODEL_AWAY);
	fake_presence(t, "bob", MODEL_OFFLINE);
	assert_int_equal(conv(t, "bob")->presence, MODEL_OFFLINE);
	/* A new list replaces the old: carol is no longer a contact. */
	{
		static const char *const	  nicks[] = { "bob" };
		static const enum model_presence  p[] = { MODEL_ONLINE };

		fake_roster(t, 0, nicks, p, 1);
	}
	assert_true(conv(t, "bob")->contact);
	assert_false(conv(t, "carol")->contact);
}

static void
test_pick_a_contact_type_and_send(void **state)
{
	struct t	*t = *state;

	connected(t);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	press(t, DOWN ENTER);			/* the second: carol */
	assert_ptr_equal(t->app.model.open, conv(t, "carol"));
	assert_int_equal(t->app.focus, APP_FOCUS_INPUT);
	press(t, "hello carol");
	assert_string_equal(t->app.edit.buf, "hello carol");
	assert_int_equal(t->net.typing, 1);	/* once, not per key */
	assert_string_equal(t->net.typing_to, "carol");
	press(t, ENTER);
	assert_int_equal(t->app.edit.len, 0);
	assert_int_equal(conv(t, "carol")->nmsgs, 1);
	assert_true(conv(t, "carol")->msgs[0].out);
	assert_string_equal(last_text(t, "carol"), "hello carol");
	assert_string_equal(last_state(t, "carol"), "sending");
	assert_int_equal(model_outbox(&t->app.model), 1);
	assert_int_equal(t->net.nsent, 1);
	assert_string_equal(t->net.sent[0].to, "carol");
	assert_string_equal(t->net.sent[0].text, "hello carol");
	assert_int_equal(t->net.sent[0].id, conv(t, "carol")->msgs[0].id);

	fake_accepted(t, t->net.sent[0].id);
	assert_string_equal(last_state(t, "carol"), "accepted");
	assert_int_equal(model_outbox(&t->app.model), 0);
	fake_receipt(t, t->net.sent[0].id, MODEL_DELIVERED);
	assert_string_equal(last_state(t, "carol"), "delivered");
	fake_receipt(t, t->net.sent[0].id, MODEL_READ);
	assert_string_equal(last_state(t, "carol"), "read");
	fake_accepted(t, t->net.sent[0].id);	/* late: never back */
	assert_string_equal(last_state(t, "carol"), "read");

	/* Tab back to the list, up to bob, and a message to him. */
	press(t, TAB UP ENTER "hi bob" ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
	assert_string_equal(last_text(t, "bob"), "hi bob");
	assert_int_equal(conv(t, "carol")->nmsgs, 1);
	assert_int_equal(t->net.nsent, 2);
	assert_string_equal(t->net.sent[1].to, "bob");
	assert_true(t->net.sent[1].id != t->net.sent[0].id);
}

static void
test_text_before_a_conversation_stays(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, "lost words" ENTER);
	assert_string_equal(t->app.model.notice, "no contact matches that: "
	    "Up/Down picks one (your text stays), /add NICK adds one");
	assert_string_equal(t->app.edit.buf, "lost words");
	assert_null(t->app.model.open);
	assert_int_equal(t->net.nsent, 0);
	assert_int_equal(t->net.typing, 0);
	assert_int_equal(t->app.model.nconvs, 2);	/* no contact made */
	press(t, "x" BACKSPACE);		/* the notice stays until a key */
	assert_string_equal(t->app.model.notice, "");
	press(t, DOWN ENTER);			/* the first: bob */
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
	assert_string_equal(t->app.edit.buf, "lost words");
	assert_string_equal(t->app.model.notice,
	    "your text is kept: Enter sends it to bob");
	press(t, ENTER);
	assert_int_equal(t->net.nsent, 1);
	assert_string_equal(t->net.sent[0].to, "bob");
	assert_string_equal(t->net.sent[0].text, "lost words");
}

static void
test_incoming_messages_count_unread_until_opened(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, ENTER);			/* bob */
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
	t->app.bell = 0;
	fake_message(t, 1, "carol", "are you there?");
	fake_message(t, 2, "carol", "hello?");
	assert_int_equal(conv(t, "carol")->unread, 2);
	assert_string_equal(last_text(t, "carol"), "hello?");
	assert_true(t->app.bell);		/* not in view: ring */
	t->app.bell = 0;
	fake_message(t, 3, "bob", "hi alice");
	assert_int_equal(conv(t, "bob")->unread, 0);	/* in view */
	assert_false(t->app.bell);
	fake_message(t, 1, "dave", "a stranger");
	assert_int_equal(conv(t, "dave")->unread, 1);
	assert_false(conv(t, "dave")->contact);

	/* The same message again (from the history, a resend) is shown once. */
	fake_message(t, 2, "carol", "hello?");
	assert_int_equal(conv(t, "carol")->nmsgs, 2);

	/* On screen: a read mark for the newest one. */
	app_seen(&t->app, 0, conv(t, "bob")->nmsgs - 1);
	assert_int_equal(t->net.read_upto, 3);
	assert_true(conv(t, "bob")->msgs[0].read_sent);

	/* Alt+A goes to the next conversation with unread messages. */
	press(t, ALT_A);
	assert_ptr_equal(t->app.model.open, conv(t, "carol"));
	assert_int_equal(conv(t, "carol")->unread, 0);
	press(t, ALT_A);
	assert_ptr_equal(t->app.model.open, conv(t, "dave"));
	press(t, ALT_A);
	assert_ptr_equal(t->app.model.open, conv(t, "dave"));
	assert_string_equal(t->app.model.notice, "nothing unread");

	/* Ctrl-N, Ctrl-P and Alt+1 move between conversations. */
	press(t, CTRL_N);
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));	/* wraps */
	press(t, CTRL_P);
	assert_ptr_equal(t->app.model.open, conv(t, "dave"));
	press(t, CTRL_P);
	assert_ptr_equal(t->app.model.open, conv(t, "carol"));
	press(t, ALT_1);
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
}

static void
test_someone_typing_until_their_message(void **state)
{
	struct t	*t = *state;

	connected(t);
	assert_int_equal(conv(t, "bob")->typing_until_ms, 0);
	fake_typing_to_us(t, "bob");
	assert_true(conv(t, "bob")->typing_until_ms > 0);
	fake_message(t, 7, "bob", "done typing");
	assert_int_equal(conv(t, "bob")->typing_until_ms, 0);
}

static void
test_refused_message_says_why(void **state)
{
	struct t		*t = *state;
	struct model_conv	*c;

	connected(t);
	press(t, ENTER "not this" ENTER);
	fake_refused(t, t->net.sent[0].id, "recipient unknown");
	c = conv(t, "bob");
	assert_string_equal(last_state(t, "bob"), "failed");
	assert_string_equal(c->msgs[0].error, "recipient unknown");
	assert_string_equal(t->app.model.notice,
	    "message to bob refused: recipient unknown");
	assert_int_equal(model_outbox(&t->app.model), 0);
}

static void
test_typing_part_of_a_name_finds_it_and_never_adds(void **state)
{
	struct t		*t = *state;
	struct model_conv	*list[4];
	char			 hint[64];

	connected(t);
	press(t, "CA");
	assert_string_equal(app_filter(&t->app), "CA");
	assert_string_equal(t->app.edit.buf, "CA");	/* on the input line */
	assert_int_equal(app_list(&t->app, list, 4), 1);
	assert_string_equal(list[0]->nick, "carol");
	assert_ptr_equal(app_current(&t->app), conv(t, "carol"));
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "Enter: open carol");
	press(t, BACKSPACE);
	assert_string_equal(app_filter(&t->app), "C");
	press(t, CTRL_U);
	assert_int_equal(app_list(&t->app, list, 4), 2);
	press(t, "car" ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "carol"));
	assert_string_equal(t->app.edit.buf, "");	/* it was a name */
	assert_string_equal(app_filter(&t->app), "");

	/* A name that starts with the text wins over one that contains it. */
	fake_message(t, 1, "bocar", "hi");
	press(t, ESC);
	press(t, "car");
	assert_int_equal(app_list(&t->app, list, 4), 2);
	assert_string_equal(list[0]->nick, "bocar");
	assert_ptr_equal(app_current(&t->app), conv(t, "carol"));
	press(t, CTRL_U);

	/* A name nobody has: nothing is made of it, and the text stays. */
	press(t, "/add狗哥alex");		/* a command: no filter */
	assert_string_equal(app_filter(&t->app), "");
	press(t, CTRL_U "erin");
	assert_int_equal(app_list(&t->app, NULL, 0), 3);	/* all of them */
	assert_null(app_current(&t->app));
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "Up/Down: pick one");
	press(t, ENTER);
	assert_null(model_conv(&t->app.model, "erin", 0));
	assert_int_equal(t->app.model.nconvs, 3);
	assert_string_equal(t->app.edit.buf, "erin");
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
}

static void
test_commands(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, "/who" ENTER);
	assert_int_equal(t->net.who, 1);
	{
		static const char *const		nicks[] = { "alice",
							    "bob" };
		static const enum model_presence	p[] = { MODEL_ONLINE,
							    MODEL_ONLINE };

		fake_roster(t, 1, nicks, p, 2);
	}
	assert_string_equal(t->app.model.notice, "online (2): alice bob");
	assert_null(model_conv(&t->app.model, "alice", 0));	/* not a contact */

	press(t, "/away  lunch " ENTER);
	assert_true(t->net.away);
	assert_string_equal(t->app.model.notice, "you are away: lunch");
	press(t, "/back" ENTER);
	assert_false(t->net.away);
	assert_string_equal(t->app.model.notice, "you are back");

	press(t, "/add dave" ENTER);
	assert_int_equal(t->net.contacts_op, NET_ADD);
	assert_string_equal(t->net.contacts_nick, "dave");
	/* Listed and opened only once chatd has taken it. */
	assert_null(model_conv(&t->app.model, "dave", 0));
	assert_string_equal(t->app.model.notice, "asking dave...");
	{
		static const char *const		nicks[] = { "bob",
							    "carol", "dave" };
		static const enum model_presence	p[] = { MODEL_ONLINE,
							    MODEL_OFFLINE, MODEL_OFFLINE };

		fake_roster(t, 0, nicks, p, 3);
	}
	assert_ptr_equal(t->app.model.open, conv(t, "dave"));
	/* A request: chatd lists dave at once, offline until dave accepts. */
	assert_string_equal(t->app.model.notice, "asked dave to be a contact; "
	    "presence shows once they accept");
	/* A nickname chatd does not know is refused and never listed. */
	press(t, "/add zed" ENTER);
	fake_result(t, "contacts", "unknown user");
	assert_string_equal(t->app.model.notice,
	    "/add zed refused: unknown user; not added");
	assert_null(model_conv(&t->app.model, "zed", 0));
	assert_ptr_equal(t->app.model.open, conv(t, "dave"));
	press(t, "/add no way" ENTER);
	assert_string_equal(t->app.model.notice,
	    "/add: \"no way\" is not a nickname");
	press(t, "/del carol" ENTER);
	assert_int_equal(t->net.contacts_op, NET_DEL);
	assert_string_equal(t->net.contacts_nick, "carol");
	fake_result(t, "contacts", "no such contact");
	assert_string_equal(t->app.model.notice, "contacts: no such contact");
	press(t, "/add" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /add NICK");

	press(t, "/open erin" ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "erin"));
	press(t, "/frobnicate" ENTER);
	assert_string_equal(t->app.model.notice,
	    "unknown command /frobnicate; /help lists them");

	press(t, "/help" ENTER);
	assert_true(t->app.help);
	press(t, ESC);
	assert_false(t->app.help);
	/* F1 too; any key closes it, and goes nowhere else. */
	press(t, F1);
	assert_true(t->app.help);
	press(t, "q");
	assert_false(t->app.help);
	assert_int_equal(t->app.edit.len, 0);

	/* "//" at the start sends the line with one slash. */
	press(t, "//help is a command" ENTER);
	assert_string_equal(last_text(t, "erin"), "/help is a command");
	assert_int_equal(t->net.nsent, 1);

	press(t, "/quit" ENTER);
	assert_true(t->app.quit);
}

static void
test_commands_when_not_connected(void **state)
{
	struct t	*t = *state;

	connected(t);
	fake_conn(t, MODEL_CONN_OFFLINE, "server gone", 0, 0);
	assert_int_equal(t->app.model.conn, MODEL_CONN_OFFLINE);
	assert_string_equal(t->app.model.conn_why, "server gone");
	press(t, "/who" ENTER);
	assert_string_equal(t->app.model.notice, "/who: not connected");
	press(t, "/add dave" ENTER);
	assert_string_equal(t->app.model.notice, "/add: not connected");
	assert_null(model_conv(&t->app.model, "dave", 0));

	/* Away while offline is told again once back. */
	press(t, "/away" ENTER);
	t->net.away = 0;
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	assert_true(t->net.away);
}

static void
test_long_paste_asks_first(void **state)
{
	struct t	*t = *state;
	char		 paste[512] = PASTE("");
	char		*p = paste + strlen("\033[200~");
	int		 i;

	connected(t);
	press(t, ENTER);			/* bob */
	for (i = 0; i < 25; i++)
		p += sprintf(p, "line %d\n", i);
	strcpy(p, "\033[201~");
	press(t, paste);
	assert_int_equal(t->net.nsent, 0);	/* a paste is not sent by itself */
	press(t, ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_CONFIRM);
	assert_string_equal(t->app.question,
	    "send 25 lines as one message? (y/n) ");
	press(t, "n");
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.nsent, 0);
	assert_int_equal(strncmp(t->app.edit.buf, "line 0\nline 1\n", 14), 0);
	press(t, ENTER "y");
	assert_int_equal(t->net.nsent, 1);
	assert_int_equal(strncmp(last_text(t, "bob"), "line 0\n", 7), 0);
	assert_int_equal(strlen(last_text(t, "bob")),
	    strlen(t->net.sent[0].text));
	assert_int_equal(t->app.edit.len, 0);

	/* A short paste with Alt+Enter lines goes at once. */
	press(t, "one\033\rtwo" ENTER);
	assert_string_equal(last_text(t, "bob"), "one\ntwo");
}

static void
test_passwd_asks_old_and_new(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, "/passwd" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWD_OLD);
	press(t, "old-pw" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_PASSWD_NEW);
	press(t, "new-pw" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.passwd, 1);
	assert_string_equal(t->net.passwd_old, "old-pw");
	assert_string_equal(t->net.passwd_new, "new-pw");
	assert_null(t->app.old_password);
	assert_int_equal(t->app.edit.len, 0);	/* never in the input line */
	fake_result(t, "/passwd", NULL);
	assert_string_equal(t->app.model.notice, "/passwd: done");

	/* Esc gives up. */
	press(t, "/passwd" ENTER "abc" ESC);
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.passwd, 1);
}

static void
test_tab_completes_a_nickname(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, ENTER "ask CA" TAB);
	assert_string_equal(t->app.edit.buf, "ask carol ");
	assert_int_equal(t->app.focus, APP_FOCUS_INPUT);
	fake_message(t, 1, "carla", "hi");
	press(t, "or ca" TAB);
	assert_string_equal(t->app.model.notice, "2 nicknames start with that");
	assert_string_equal(t->app.edit.buf, "ask carol or ca");
	press(t, " " TAB);			/* no word: Tab to the list */
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
}

static void
test_outbox_is_sent_again_after_a_restart(void **state)
{
	struct t	*t = *state;
	uint64_t	 id;

	connected(t);
	press(t, ENTER "kept for later" ENTER);
	id = t->net.sent[0].id;
	/* Quit before the server accepted it; start again. */
	app_free(&t->app);
	memset(&t->net, 0, sizeof t->net);
	t->net.ev = &app_events;
	t->net.arg = &t->app;
	app_init(&t->app, &t->conf);
	app_set_net(&t->app, &fake_ops, &t->net);
	t->net.token = 1;
	app_start(&t->app, "alice");
	assert_string_equal(last_text(t, "bob"), "kept for later");
	assert_string_equal(last_state(t, "bob"), "sending");
	assert_int_equal(t->net.nsent, 0);
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	assert_int_equal(t->net.nsent, 1);
	assert_int_equal(t->net.sent[0].id, id);	/* the same id */
	assert_string_equal(t->net.sent[0].text, "kept for later");
	fake_conn(t, MODEL_CONN_OFFLINE, "", 0, 0);
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	assert_int_equal(t->net.nsent, 1);		/* once a run */
}

static void
test_no_server_at_all(void **state)
{
	struct t	*t = *state;

	app_set_net(&t->app, NULL, NULL);
	app_start(&t->app, "alice");
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	press(t, "/open bob" ENTER "hello" ENTER);
	assert_string_equal(last_text(t, "bob"), "hello");
	assert_string_equal(last_state(t, "bob"), "sending");
	press(t, "/who" ENTER);
	assert_string_equal(t->app.model.notice, "/who: not connected");
}

/* Logged in on another node of the server: the move is told, once. */
static void
test_node_change_is_told(void **state)
{
	struct t	*t = *state;

	connected(t);
	t->net.ev->node(t->net.arg, "127.0.0.1:4001", 0, 2);
	fake_changed(t);
	assert_string_equal(t->app.model.node, "127.0.0.1:4001");
	assert_int_equal(t->app.model.nodes, 2);
	/* The first node is no move. */
	assert_string_equal(t->app.model.notice, "");
	fake_conn(t, MODEL_CONN_OFFLINE, "server not responding", 0, 0);
	t->net.ev->node(t->net.arg, "[::1]:4002", 1, 2);
	fake_changed(t);
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	assert_string_equal(t->app.model.node, "[::1]:4002");
	assert_int_equal(t->app.model.node_i, 1);
	assert_string_equal(t->app.model.notice,
	    "now on node [::1]:4002 (2 of 2), was 127.0.0.1:4001");
	/* Back on the same node after a reconnect: nothing new to tell. */
	t->app.model.notice[0] = '\0';
	t->net.ev->node(t->net.arg, "[::1]:4002", 1, 2);
	fake_changed(t);
	assert_string_equal(t->app.model.notice, "");
}

/* The same focus model after a password prompt as with a device token. */
static void
t_after_start(struct t *t, int token)
{
	static const char *const		nicks[] = { "bob", "carol" };
	static const enum model_presence	p[] = { MODEL_ONLINE,
						    MODEL_OFFLINE };

	t->net.token = token;
	app_start(&t->app, "alice");
	if (!token) {
		assert_int_equal(t->app.prompt, APP_PROMPT_PASSWORD);
		press(t, "pw" ENTER);
	}
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	fake_conn(t, MODEL_CONN_READY, "", 0, 0);
	fake_roster(t, 0, nicks, p, 2);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	assert_ptr_equal(app_current(&t->app), conv(t, "bob"));
}

/* Enter, Down Enter, part of a name, /add: each start-up the same. */
static void
t_first_keys(struct t *t, int token)
{
	char	hint[64];

	t_after_start(t, token);
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "Enter: open bob");
	press(t, ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "Enter: send to bob");
	press(t, ESC);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	press(t, "/close" ENTER);
	assert_null(t->app.model.open);
	press(t, DOWN ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "carol"));
	press(t, ESC);
	press(t, "/close" ENTER "aro" ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "carol"));
	press(t, "/close" ENTER "/add 狗哥alex" ENTER);
	assert_string_equal(t->net.contacts_nick, "狗哥alex");
	assert_null(model_conv(&t->app.model, "/add狗哥alex", 0));
	assert_null(model_conv(&t->app.model, "/add 狗哥alex", 0));
	assert_int_equal(t->app.model.nconvs, 2);
}

static void
test_first_keys_after_a_password_prompt(void **state)
{
	t_first_keys(*state, 0);
}

static void
test_first_keys_with_a_device_token(void **state)
{
	t_first_keys(*state, 1);
}

static void
test_highlight_newest_unread_else_most_recent(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, DOWN ENTER "hi carol" ENTER "/close" ENTER);
	assert_ptr_equal(app_current(&t->app), conv(t, "carol"));	/* recent */
	fake_message(t, 1, "dave", "older");
	fake_message(t, 2, "bob", "newer");
	assert_ptr_equal(app_current(&t->app), conv(t, "bob"));	/* unread */
	press(t, ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
	press(t, "/close" ENTER);
	assert_ptr_equal(app_current(&t->app), conv(t, "dave"));
}

static void
test_query_msg_close_and_esc(void **state)
{
	struct t			*t = *state;
	static const char *const	 nicks[] = { "bob", "狗哥alex" };
	static const enum model_presence p[] = { MODEL_ONLINE, MODEL_ONLINE };

	connected(t);
	fake_roster(t, 0, nicks, p, 2);
	press(t, "/query 狗" TAB);
	assert_string_equal(t->app.edit.buf, "/query 狗哥alex ");
	press(t, ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "狗哥alex"));
	press(t, "/msg bob 你好 bob" ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "狗哥alex"));
	assert_string_equal(t->net.sent[0].to, "bob");
	assert_string_equal(t->net.sent[0].text, "你好 bob");
	assert_string_equal(t->app.model.notice, "sent to bob");
	press(t, "/msg bob" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /msg NICK TEXT");

	/* Esc to the list keeps a half-typed line for the next conversation. */
	press(t, "half a");
	press(t, ESC);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	assert_string_equal(t->app.edit.buf, "");
	assert_string_equal(app_filter(&t->app), "");
	assert_ptr_equal(app_current(&t->app), conv(t, "狗哥alex"));
	press(t, UP UP ENTER);
	assert_ptr_equal(t->app.model.open, conv(t, "bob"));
	assert_string_equal(t->app.edit.buf, "half a");
	/* Esc and "/" at once (a terminal sends Alt+/): both keys. */
	press(t, CTRL_U ESC "/close" ENTER);
	assert_null(t->app.model.open);
	assert_int_equal(t->net.nsent, 1);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	press(t, "/close" ENTER);
	assert_string_equal(t->app.model.notice, "no conversation is open");
	press(t, "/open" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /open NICK");
}

/* Lists changed on the server (NET_CH_* bits). */
static void
fake_lists_changed(struct t *t, unsigned int lists)
{
	t->net.ev->lists_changed(t->net.arg, lists);
	fake_changed(t);
}

/* A history entry of the conversation with peer. */
static struct net_hist
hist(const char *peer, uint64_t sid, uint64_t msgid, int out,
    enum model_state st, int read, const char *text)
{
	struct net_hist	h;

	memset(&h, 0, sizeof h);
	h.peer = peer;
	h.sid = sid;
	h.msgid = msgid;
	h.time_ms = 1000 * sid;
	h.out = out;
	h.state = out ? st : MODEL_RECEIVED;
	h.read = read;
	h.text = text;
	h.len = strlen(text);
	return h;
}

/* A page of history for peer. */
static void
fake_history_page(struct t *t, const char *peer, const struct net_hist *v,
    size_t n, int more)
{
	t->net.ev->history(t->net.arg, peer, v, n, more, NULL, 0);
	fake_changed(t);
}

/* The texts of a conversation, joined by "|". */
static const char *
texts(struct t *t, const char *nick)
{
	static char		 buf[512];
	struct model_conv	*c = conv(t, nick);
	size_t			 i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < c->nmsgs && off < sizeof buf; i++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s",
		    i > 0 ? "|" : "", c->msgs[i].text);
	return buf;
}

static void
test_request_shows_under_requests_and_enter_accepts(void **state)
{
	struct t			*t = *state;
	struct model_conv		*list[4];
	static const char *const	 req[] = { "aaron" };
	static const char *const	 nicks[] = { "aaron", "bob", "carol" };
	static const enum model_presence p[] = { MODEL_ONLINE, MODEL_ONLINE,
					    MODEL_OFFLINE };
	char				 hint[64];
	int				 from;

	connected(t);
	/* A stranger writes; chatd then says the requests changed. */
	fake_message(t, 5, "aaron", "hi, it's aaron from the bike club");
	from = t->net.contacts;
	fake_lists_changed(t, NET_CH_REQUESTS);
	assert_true(asked(&t->net, from, NET_REQUESTS));
	assert_int_equal(app_requests(&t->app), 0);
	fake_list(t, NET_L_REQUESTS, req, 1);
	assert_int_equal(app_requests(&t->app), 1);
	/* Below the contacts, though "aaron" sorts first. */
	assert_int_equal(app_list(&t->app, list, 4), 3);
	assert_string_equal(list[0]->nick, "bob");
	assert_string_equal(list[1]->nick, "carol");
	assert_string_equal(list[2]->nick, "aaron");
	assert_string_equal(last_text(t, "aaron"),
	    "hi, it's aaron from the bike club");
	/* The newcomer's keys: down to it, Enter. */
	press(t, UP UP);
	assert_ptr_equal(app_current(&t->app), conv(t, "bob"));
	press(t, DOWN DOWN);
	assert_ptr_equal(app_current(&t->app), conv(t, "aaron"));
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "Enter: accept aaron; Del: decline");
	press(t, ENTER);
	assert_int_equal(t->net.contacts_op, NET_ACCEPT);
	assert_string_equal(t->net.contacts_nick, "aaron");
	assert_ptr_equal(t->app.model.open, conv(t, "aaron"));
	assert_string_equal(t->app.model.notice, "accepting aaron...");
	/* chatd answers with the contact list: aaron is in it, online. */
	from = t->net.contacts;
	fake_roster(t, 0, nicks, p, 3);
	assert_true(conv(t, "aaron")->contact);
	assert_int_equal(conv(t, "aaron")->presence, MODEL_ONLINE);
	assert_int_equal(app_requests(&t->app), 0);
	assert_string_equal(t->app.model.notice, "aaron is a contact now");
	assert_true(asked(&t->net, from, NET_REQUESTS));
	assert_int_equal(app_list(&t->app, list, 4), 3);
	assert_string_equal(list[0]->nick, "aaron");

	/* /accept NICK does the same without Enter. */
	press(t, "/accept zoe" ENTER);
	assert_int_equal(t->net.contacts_op, NET_ACCEPT);
	assert_string_equal(t->net.contacts_nick, "zoe");
	fake_result(t, "/accept", "no contact request");
	assert_string_equal(t->app.model.notice,
	    "/accept zoe: no contact request");
}

static void
test_decline_a_request(void **state)
{
	struct t			*t = *state;
	static const char *const	 req[] = { "eve", "frank" };
	static const char *const	 left[] = { "frank" };
	char				 hint[64];

	connected(t);
	fake_message(t, 3, "frank", "hello?");
	fake_message(t, 4, "eve", "buy my stuff");
	fake_list(t, NET_L_REQUESTS, req, 2);
	assert_int_equal(app_requests(&t->app), 2);
	assert_ptr_equal(app_current(&t->app), conv(t, "eve"));	/* newest */
	/* Delete on a highlighted request declines it. */
	press(t, DELETE);
	assert_int_equal(t->net.contacts_op, NET_DECLINE);
	assert_string_equal(t->net.contacts_nick, "eve");
	assert_null(t->app.model.open);
	fake_list(t, NET_L_REQUESTS, left, 1);
	assert_string_equal(t->app.model.notice,
	    "declined eve (they are not told)");
	assert_int_equal(app_requests(&t->app), 1);
	assert_int_equal(app_list(&t->app, NULL, 0), 3);	/* eve is gone */
	/* /decline NICK too. */
	press(t, "/decline frank" ENTER);
	assert_int_equal(t->net.contacts_op, NET_DECLINE);
	assert_string_equal(t->net.contacts_nick, "frank");
	fake_list(t, NET_L_REQUESTS, NULL, 0);
	assert_int_equal(app_requests(&t->app), 0);
	assert_int_equal(app_list(&t->app, NULL, 0), 2);
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "Enter: open bob");
}

static void
test_block_unblock_and_list_blocked(void **state)
{
	struct t			*t = *state;
	static const char *const	 blocked[] = { "bob" };
	static const char *const	 nicks[] = { "carol" };
	static const enum model_presence p[] = { MODEL_OFFLINE };
	int				 from;

	connected(t);
	press(t, "/block bob" ENTER);
	assert_int_equal(t->net.contacts_op, NET_BLOCK);
	assert_string_equal(t->net.contacts_nick, "bob");
	assert_string_equal(t->app.model.notice, "blocking bob...");
	from = t->net.contacts;
	fake_list(t, NET_L_BLOCKED, blocked, 1);
	assert_string_equal(t->app.model.notice, "blocked bob: nothing of "
	    "theirs comes through, and you look offline to them");
	/* Blocking ended the contact: the lists are asked for again. */
	assert_true(asked(&t->net, from, NET_LIST));
	fake_roster(t, 0, nicks, p, 1);
	assert_true(conv(t, "bob")->blocked);
	assert_int_equal(app_list(&t->app, NULL, 0), 1);	/* only carol */

	press(t, "/blocked" ENTER);
	assert_int_equal(t->net.contacts_op, NET_BLOCKED);
	fake_list(t, NET_L_BLOCKED, blocked, 1);
	assert_string_equal(t->app.model.notice, "blocked (1): bob");

	press(t, "/unblock bob" ENTER);
	assert_int_equal(t->net.contacts_op, NET_UNBLOCK);
	assert_string_equal(t->net.contacts_nick, "bob");
	fake_list(t, NET_L_BLOCKED, NULL, 0);
	assert_string_equal(t->app.model.notice, "unblocked bob");
	assert_false(conv(t, "bob")->blocked);
	press(t, "/blocked" ENTER);
	fake_list(t, NET_L_BLOCKED, NULL, 0);
	assert_string_equal(t->app.model.notice, "nobody is blocked");
	press(t, "/block" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /block NICK");
}

static void
test_settings_shown_and_changed(void **state)
{
	struct t	*t = *state;

	connected(t);
	press(t, "/settings" ENTER);
	assert_int_equal(t->net.settings, 1);
	assert_int_equal(t->net.settings_mask, 0);
	t->net.ev->settings(t->net.arg, NET_SET_RECEIPTS | NET_SET_TYPING);
	fake_changed(t);
	assert_string_equal(t->app.model.notice, "settings: visible off, "
	    "receipts on, typing on (/settings NAME on|off)");
	press(t, "/settings receipts off" ENTER);
	assert_int_equal(t->net.settings_mask, NET_SET_RECEIPTS);
	assert_int_equal(t->net.settings_values, 0);
	press(t, "/settings typing on" ENTER);
	assert_int_equal(t->net.settings_mask, NET_SET_TYPING);
	assert_int_equal(t->net.settings_values, NET_SET_TYPING);
	press(t, "/visible on" ENTER);
	assert_int_equal(t->net.settings_mask, NET_SET_VISIBLE);
	assert_int_equal(t->net.settings_values, NET_SET_VISIBLE);
	assert_int_equal(t->net.settings, 4);
	press(t, "/settings loud on" ENTER);
	assert_string_equal(t->app.model.notice,
	    "usage: /settings [visible|receipts|typing on|off]");
	press(t, "/visible maybe" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /visible on|off");
	assert_int_equal(t->net.settings, 4);
}

static void
test_carbon_shows_as_mine_once(void **state)
{
	struct t		*t = *state;
	struct net_hist		 h = hist("bob", 10, 777, 1, MODEL_ACCEPTED, 0,
				    "sent from my phone");
	struct model_conv	*c;

	connected(t);
	t->net.ev->sent(t->net.arg, &h);
	fake_changed(t);
	c = conv(t, "bob");
	assert_int_equal(c->nmsgs, 1);
	assert_true(c->msgs[0].out);
	assert_string_equal(c->msgs[0].text, "sent from my phone");
	assert_int_equal(c->msgs[0].time_ms, 10000);
	assert_string_equal(last_state(t, "bob"), "accepted");
	assert_int_equal(c->unread, 0);
	assert_int_equal(t->net.nsent, 0);		/* never sent from here */
	/* Again (a repeat), or in the history page: still once. */
	t->net.ev->sent(t->net.arg, &h);
	fake_changed(t);
	h.state = MODEL_READ;
	fake_history_page(t, "bob", &h, 1, 0);
	assert_int_equal(c->nmsgs, 1);
	assert_string_equal(last_state(t, "bob"), "read");
}

static void
test_read_elsewhere_clears_unread(void **state)
{
	struct t	*t = *state;

	connected(t);
	fake_message(t, 1, "carol", "one");
	fake_message(t, 2, "carol", "two");
	fake_message(t, 3, "carol", "three");
	assert_int_equal(conv(t, "carol")->unread, 3);
	t->net.ev->read_upto(t->net.arg, "carol", 2);
	fake_changed(t);
	assert_int_equal(conv(t, "carol")->unread, 1);
	assert_true(conv(t, "carol")->msgs[1].read_sent);
	assert_false(conv(t, "carol")->msgs[2].read_sent);
	t->net.ev->read_upto(t->net.arg, "carol", 3);
	fake_changed(t);
	assert_int_equal(conv(t, "carol")->unread, 0);
	assert_null(model_next_unread(&t->app.model, NULL));
}

static void
test_history_merges_once_in_order(void **state)
{
	struct t		*t = *state;
	struct net_hist		 page[5];
	struct model_conv	*c;
	uint64_t		 mine;
	int			 i, bob = 0;

	connected(t);
	/* At login the newest page of each contact is asked for. */
	assert_int_equal(t->net.history, 2);
	for (i = 0; i < 2; i++) {
		if (strcmp(t->net.history_nick[i], "bob") == 0)
			bob = 1;
		assert_int_equal(t->net.history_before[i], 0);
	}
	assert_true(bob);
	/* Held here already: one received, one sent (accepted as sid 6). */
	fake_message(t, 5, "bob", "five");
	press(t, "/msg bob mine" ENTER);
	mine = t->net.sent[0].id;
	t->net.ev->accepted(t->net.arg, mine, 6, 6000, MODEL_ACCEPTED);
	fake_changed(t);
	c = conv(t, "bob");
	assert_int_equal(c->unread, 1);
	page[0] = hist("bob", 3, 31, 0, 0, 1, "three");
	page[1] = hist("bob", 4, 41, 1, MODEL_READ, 0, "four, from my laptop");
	page[2] = hist("bob", 5, 51, 0, 0, 0, "five");
	page[3] = hist("bob", 6, mine, 1, MODEL_DELIVERED, 0, "mine");
	page[4] = hist("bob", 7, 71, 0, 0, 0, "seven");
	fake_history_page(t, "bob", page, 5, 1);
	assert_string_equal(texts(t, "bob"),
	    "three|four, from my laptop|five|mine|seven");
	assert_true(c->msgs[1].out);
	assert_string_equal(model_statename(c->msgs[3].state), "delivered");
	assert_int_equal(c->unread, 2);		/* five and seven, unread */
	/* The same page again (after a reconnect): nothing twice. */
	fake_history_page(t, "bob", page, 5, 1);
	assert_int_equal(c->nmsgs, 5);
	assert_int_equal(c->unread, 2);

	/* Restarted, the file on disk and the page still make each once. */
	app_free(&t->app);
	memset(&t->net, 0, sizeof t->net);
	t->net.ev = &app_events;
	t->net.arg = &t->app;
	app_init(&t->app, &t->conf);
	app_set_net(&t->app, &fake_ops, &t->net);
	connected(t);
	fake_history_page(t, "bob", page, 5, 1);
	assert_string_equal(texts(t, "bob"),
	    "three|four, from my laptop|five|mine|seven");
	/* Unread per the server, though the file took them as read. */
	assert_int_equal(conv(t, "bob")->unread, 2);
}

static void
test_pageup_at_the_top_fetches_older(void **state)
{
	struct t		*t = *state;
	struct net_hist		 page[2], older[2];
	struct model_conv	*c;

	connected(t);
	page[0] = hist("bob", 30, 1, 0, 0, 1, "thirty");
	page[1] = hist("bob", 31, 2, 0, 0, 1, "thirty-one");
	fake_history_page(t, "bob", page, 2, 1);
	press(t, "/open bob" ENTER);
	c = conv(t, "bob");
	assert_int_equal(t->net.history, 2);
	assert_false(app_loading_older(&t->app));
	press(t, PAGEUP);
	assert_int_equal(t->net.history, 3);
	assert_string_equal(t->net.history_nick[2], "bob");
	assert_int_equal(t->net.history_before[2], 30);
	assert_true(app_loading_older(&t->app));
	press(t, PAGEUP);			/* one at a time */
	assert_int_equal(t->net.history, 3);
	older[0] = hist("bob", 12, 3, 0, 0, 1, "twelve");
	older[1] = hist("bob", 20, 4, 1, MODEL_READ, 0, "twenty");
	fake_history_page(t, "bob", older, 2, 0);
	assert_false(app_loading_older(&t->app));
	assert_string_equal(texts(t, "bob"),
	    "twelve|twenty|thirty|thirty-one");
	assert_int_equal(c->unread, 0);
	/* Nothing older on the server: no more asking. */
	press(t, PAGEUP);
	assert_int_equal(t->net.history, 3);
	assert_string_equal(t->app.model.notice,
	    "no older messages on the server");
}


static void
test_groups_listed_with_unread_and_invitations(void **state)
{
	struct t		*t = *state;
	struct model_conv	*list[8];
	size_t			 n, i;
	int			 asked_list = 0, hist_team = 0, hist_party = 0;

	connected(t);
	/* At login the account's groups are asked for. */
	for (i = 0; i < (size_t)t->net.ngops; i++)
		if (t->net.gops[i].op == CPG_LIST)
			asked_list = 1;
	assert_true(asked_list);
	in_groups(t);
	assert_true(conv(t, "#team")->group);
	assert_true(conv(t, "#team")->member);
	assert_int_equal(conv(t, "#team")->unread, 3);
	/* Muted: no unread count. */
	assert_int_equal(conv(t, "#quiet")->unread, 0);
	/* The invitation is a request, listed last, and Enter joins. */
	assert_int_equal(app_requests(&t->app), 1);
	n = app_list(&t->app, list, 8);
	assert_int_equal(n, 5);
	assert_string_equal(list[n - 1]->nick, "#party");
	for (i = 0; i < n; i++)
		if (strcmp(list[i]->nick, "#team") == 0)
			break;
	assert_true(i < n);
	/* The newest page of every group we are in, not of invitations. */
	for (i = 0; i < (size_t)t->net.history && i < 8; i++) {
		hist_team += strcmp(t->net.history_nick[i], "#team") == 0;
		hist_party += strcmp(t->net.history_nick[i], "#party") == 0;
	}
	assert_int_equal(hist_team, 1);
	assert_int_equal(hist_party, 0);
	t->app.pick = conv(t, "#party");
	press(t, ENTER);
	last_gop(t, CPG_ACCEPT, "#party", "", "");
	fake_group_info(t, CPG_ACCEPT, "#party", 0, "", NULL, NULL, NULL, 0);
	assert_ptr_equal(t->app.model.open, conv(t, "#party"));
	assert_int_equal(app_requests(&t->app), 0);
	assert_string_equal(t->app.model.notice, "you joined #party");
}

static void
test_group_commands_send_their_ops(void **state)
{
	struct t	*t = *state;

	connected(t);
	/* Outside a group, the group's commands say what is missing. */
	press(t, "/invite bob" ENTER);
	assert_int_equal(t->net.ngops, 1);	/* only the login's list */
	assert_string_equal(t->app.model.notice,
	    "/invite: open a group first (/query #NAME)");
	press(t, "/create team" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /create #NAME");
	press(t, "/create #team" ENTER);
	last_gop(t, CPG_CREATE, "#team", "", "");
	fake_group_info(t, CPG_CREATE, "#team", CPGM_OWNER | CPGM_ADMIN, "",
	    (const char *const[]){ "alice" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN }, NULL, 1);
	assert_ptr_equal(t->app.model.open, conv(t, "#team"));
	assert_int_equal(t->app.focus, APP_FOCUS_INPUT);
	press(t, "/invite bob" ENTER);
	last_gop(t, CPG_INVITE, "#team", "bob", "");
	fake_group_info(t, CPG_INVITE, "#team", CPGM_OWNER | CPGM_ADMIN, "",
	    (const char *const[]){ "alice", "bob" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN, 0 }, NULL, 2);
	assert_string_equal(t->app.model.notice, "bob is in #team");
	press(t, "/invite dave" ENTER);
	last_gop(t, CPG_INVITE, "#team", "dave", "");
	fake_group_info(t, CPG_INVITE, "#team", CPGM_OWNER | CPGM_ADMIN, "",
	    (const char *const[]){ "alice", "bob", "dave" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN, 0,
	    CPGM_INVITED }, NULL, 3);
	assert_string_equal(t->app.model.notice,
	    "invited dave to #team: they join once they accept");
	press(t, "/kick bob" ENTER);
	last_gop(t, CPG_KICK, "#team", "bob", "");
	press(t, "/topic lunch at 1, not 12" ENTER);
	last_gop(t, CPG_TOPIC, "#team", "", "lunch at 1, not 12");
	press(t, "/mute" ENTER);
	last_gop(t, CPG_MUTE, "#team", "", "");
	press(t, "/unmute" ENTER);
	last_gop(t, CPG_UNMUTE, "#team", "", "");
	/* A refusal says which and why. */
	t->net.ev->group_result(t->net.arg, CPG_KICK, "#team", "bob",
	    "not allowed");
	fake_changed(t);
	assert_string_equal(t->app.model.notice, "/kick bob: not allowed");
	/* A group list refused (rate limited) is asked again later,
	 * without a notice over what the user did. */
	t->net.ev->group_result(t->net.arg, CPG_LIST, "", "",
	    "rate limited, slow down");
	fake_changed(t);
	assert_string_equal(t->app.model.notice, "/kick bob: not allowed");
	assert_true(t->app.glist_retry_ms != 0);
	/* Messages typed in the open group go to it. */
	press(t, "hello all" ENTER);
	assert_int_equal(t->net.nsent, 1);
	assert_string_equal(t->net.sent[0].to, "#team");
	assert_string_equal(t->net.sent[0].text, "hello all");
}

static void
test_leave_asks_whether_to_delete(void **state)
{
	struct t	*t = *state;
	int		 n;

	in_groups(t);
	open_team(t);
	fake_gmessage(t, "#team", 20, 0, "bob", CPGE_TEXT, "see you");
	/* Esc: stay. */
	n = t->net.ngops;
	press(t, "/leave" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_LEAVE);
	press(t, ESC);
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.ngops, n);
	/* n: leave, keep the messages. */
	press(t, "/leave" ENTER "n");
	last_gop(t, CPG_LEAVE, "#team", "", "");
	t->net.ev->group_result(t->net.arg, CPG_LEAVE, "#team", "", NULL);
	fake_changed(t);
	assert_false(conv(t, "#team")->member);
	assert_string_equal(last_text(t, "#team"), "see you");
	assert_string_equal(t->app.model.notice,
	    "you left #team; its messages stay here");
	/* Writing there now says so, and keeps the text. */
	press(t, "anyone?" ENTER);
	assert_int_equal(t->net.nsent, 0);
	assert_string_equal(t->app.edit.buf, "anyone?");
	press(t, "\025");

	/* --delete: gone from the list and from the disk. */
	press(t, "/query #quiet" ENTER);
	fake_gmessage(t, "#quiet", 30, 0, "bob", CPGE_TEXT, "shh");
	press(t, "/leave --delete" ENTER);
	last_gop(t, CPG_LEAVE, "#quiet", "", "");
	t->net.ev->group_result(t->net.arg, CPG_LEAVE, "#quiet", "", NULL);
	fake_changed(t);
	assert_null(model_conv(&t->app.model, "#quiet", 0));
	assert_null(t->app.model.open);
	assert_string_equal(t->app.model.notice,
	    "you left #quiet; its messages are deleted here");
	/* A restart reads back #team, not #quiet. */
	app_free(&t->app);
	app_init(&t->app, &t->conf);
	app_set_net(&t->app, &fake_ops, &t->net);
	app_start(&t->app, "alice");
	assert_string_equal(last_text(t, "#team"), "see you");
	assert_string_equal(conv(t, "#team")->msgs[0].from, "bob");
	assert_null(model_conv(&t->app.model, "#quiet", 0));
}

static void
test_f2_toggles_the_member_list(void **state)
{
	struct t		*t = *state;
	struct model_conv	*c;
	int			 n;

	in_groups(t);
	/* Not in a group: F2 says what it is for. */
	press(t, "/query bob" ENTER);
	press(t, F2);
	assert_false(app_members_shown(&t->app));
	press(t, F2);
	press(t, "/query #team" ENTER);
	assert_false(app_members_shown(&t->app));
	n = t->net.ngops;
	press(t, F2);
	assert_true(app_members_shown(&t->app));
	last_gop(t, CPG_MEMBERS, "#team", "", "");
	assert_int_equal(t->net.ngops, n + 1);
	fake_group_info(t, CPG_MEMBERS, "#team", CPGM_OWNER | CPGM_ADMIN,
	    "lunch at 1", (const char *const[]){ "alice", "bob", "carol" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN, CPGM_ONLINE |
	    CPGM_ADMIN, 0 }, NULL, 3);
	c = conv(t, "#team");
	assert_int_equal(c->nmembers, 3);
	assert_string_equal(c->members[1].nick, "bob");
	assert_true(c->members[1].flags & CPGM_ONLINE);
	assert_string_equal(c->topic, "lunch at 1");
	/* Someone joins while it is shown: it is asked for again. */
	fake_gmessage(t, "#team", 40, 0, "alice", CPGE_JOINED, "dave");
	last_gop(t, CPG_MEMBERS, "#team", "", "");
	press(t, F2);
	assert_false(app_members_shown(&t->app));
	/* /members lists them in the notice too. */
	press(t, "/members" ENTER);
	last_gop(t, CPG_MEMBERS, "#team", "", "");
	assert_true(app_members_shown(&t->app));
	fake_group_info(t, CPG_MEMBERS, "#team", CPGM_OWNER | CPGM_ADMIN,
	    "", (const char *const[]){ "alice", "bob" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN, 0 }, NULL, 2);
	assert_string_equal(t->app.model.notice,
	    "members of #team (2): alice (owner) bob");
	assert_null(c->topic);
}

static void
test_group_messages_and_events(void **state)
{
	struct t		*t = *state;
	struct model_conv	*c;
	char			 line[128];

	in_groups(t);
	c = conv(t, "#team");
	fake_gmessage(t, "#team", 10, 0, "bob", CPGE_TEXT, "pizza?");
	assert_string_equal(last_text(t, "#team"), "pizza?");
	assert_string_equal(c->msgs[c->nmsgs - 1].from, "bob");
	assert_int_equal(c->unread, 4);
	assert_true(t->app.bell);
	t->app.bell = 0;
	/* Once, however often it comes. */
	fake_gmessage(t, "#team", 10, 0, "bob", CPGE_TEXT, "pizza?");
	assert_int_equal(c->nmsgs, 1);
	/* Events are lines of their own, not unread, no bell. */
	fake_gmessage(t, "#team", 11, 0, "alice", CPGE_JOINED, "dave");
	app_event_text(&c->msgs[c->nmsgs - 1], line, sizeof line);
	assert_string_equal(line, "* dave joined (invited by alice)");
	fake_gmessage(t, "#team", 12, 0, "bob", CPGE_TOPIC, "pizza at 1");
	app_event_text(&c->msgs[c->nmsgs - 1], line, sizeof line);
	assert_string_equal(line, "* bob set the topic: pizza at 1");
	assert_string_equal(c->topic, "pizza at 1");
	fake_gmessage(t, "#team", 13, 0, "alice", CPGE_REMOVED, "carol");
	app_event_text(&c->msgs[c->nmsgs - 1], line, sizeof line);
	assert_string_equal(line, "* alice removed carol");
	fake_gmessage(t, "#team", 14, 0, "dave", CPGE_LEFT, "dave");
	app_event_text(&c->msgs[c->nmsgs - 1], line, sizeof line);
	assert_string_equal(line, "* dave left");
	assert_int_equal(c->unread, 4);
	assert_false(t->app.bell);
	/* Opened: all read, marked up to the newest shown. */
	press(t, "/query #team" ENTER);
	assert_int_equal(c->unread, 0);
	app_seen(&t->app, 0, c->nmsgs - 1);
	assert_string_equal(t->net.gmark_group, "#team");
	assert_int_equal(t->net.gmark_sid, 14);
	/* Removed: no longer in it. */
	fake_gmessage(t, "#team", 15, 0, "bob", CPGE_REMOVED, "alice");
	assert_false(c->member);
}

static void
test_muted_group_counts_nothing(void **state)
{
	struct t	*t = *state;

	in_groups(t);
	fake_gmessage(t, "#quiet", 10, 0, "bob", CPGE_TEXT, "psst");
	assert_string_equal(last_text(t, "#quiet"), "psst");
	assert_int_equal(conv(t, "#quiet")->unread, 0);
	assert_false(t->app.bell);
	assert_null(model_next_unread(&t->app.model, conv(t, "#team")));
}

static void
test_group_receipts_count_readers(void **state)
{
	struct t		*t = *state;
	struct model_conv	*c;
	struct model_msg	*m;
	char			 st[64];
	uint64_t		 id;

	in_groups(t);
	open_team(t);
	press(t, "lunch?" ENTER);
	assert_string_equal(t->net.sent[0].to, "#team");
	id = t->net.sent[0].id;
	t->net.ev->accepted(t->net.arg, id, 50, 50000, MODEL_ACCEPTED);
	fake_changed(t);
	c = conv(t, "#team");
	m = &c->msgs[c->nmsgs - 1];
	app_state_text(m, st, sizeof st);
	assert_string_equal(st, "accepted");
	t->net.ev->greceipt(t->net.arg, "#team", id, 1, 0, 2);
	fake_changed(t);
	app_state_text(m, st, sizeof st);
	assert_string_equal(st, "delivered 1/2");
	t->net.ev->greceipt(t->net.arg, "#team", id, 2, 1, 2);
	fake_changed(t);
	app_state_text(m, st, sizeof st);
	assert_string_equal(st, "read 1/2");
	t->net.ev->greceipt(t->net.arg, "#team", id, 2, 2, 2);
	fake_changed(t);
	app_state_text(m, st, sizeof st);
	assert_string_equal(st, "read 2/2");
	assert_string_equal(last_state(t, "#team"), "read");
	/* Our own message coming back (another device, or catch-up) is
	 * the same message. */
	fake_gmessage(t, "#team", 50, id, "alice", CPGE_TEXT, "lunch?");
	assert_int_equal(c->nmsgs, 1);
}

static void
test_group_history_merges_once(void **state)
{
	struct t		*t = *state;
	struct model_conv	*c;
	struct net_gmsg		 v[3];
	const char		*texts[] = { "first", "second", "mine" };
	size_t			 i;

	in_groups(t);
	fake_gmessage(t, "#team", 11, 0, "bob", CPGE_TEXT, "second");
	for (i = 0; i < 3; i++) {
		memset(&v[i], 0, sizeof v[i]);
		v[i].group = "#team";
		v[i].sid = 10 + i;
		v[i].msgid = i == 2 ? 999 : 10 + i;
		v[i].time_ms = 1000 * (10 + i);
		v[i].from = i == 2 ? "alice" : "bob";
		v[i].text = texts[i];
		v[i].len = strlen(texts[i]);
	}
	t->net.ev->ghistory(t->net.arg, "#team", v, 3, 1);
	fake_changed(t);
	c = conv(t, "#team");
	assert_int_equal(c->nmsgs, 3);
	assert_string_equal(c->msgs[0].text, "first");
	assert_string_equal(c->msgs[1].text, "second");
	assert_true(c->msgs[2].out);
	/* History is not news: the server's count stands. */
	assert_int_equal(c->unread, 4);
	t->net.ev->ghistory(t->net.arg, "#team", v, 3, 0);
	fake_changed(t);
	assert_int_equal(c->nmsgs, 3);
	/* PageUp at the top asks for the page before the oldest. */
	press(t, "/query #team" ENTER);
	press(t, PAGEUP);
	assert_true(c->hist_begin);
	assert_string_equal(t->app.model.notice,
	    "no older messages on the server");
}

static void
test_readers_of_our_latest_group_message(void **state)
{
	struct t		*t = *state;
	struct model_conv	*c;
	struct net_gentry	 many[40];
	char			 names[40][32];
	uint64_t		 id;
	int			 n;
	size_t			 i;

	in_groups(t);
	press(t, "/readers" ENTER);
	assert_string_equal(t->app.model.notice,
	    "/readers: open a group first (/query #NAME)");
	open_team(t);
	c = conv(t, "#team");
	/* Others' messages are not ours to ask about. */
	fake_gmessage(t, "#team", 40, 0, "bob", CPGE_TEXT, "lunch?");
	n = t->net.ngops;
	press(t, "/readers" ENTER);
	assert_int_equal(t->net.ngops, n);
	assert_string_equal(t->app.model.notice,
	    "/readers: you have sent nothing to #team");
	press(t, "yes, at 1" ENTER);
	id = t->net.sent[0].id;
	press(t, "/readers" ENTER);
	assert_int_equal(t->net.ngops, n);
	assert_string_equal(t->app.model.notice,
	    "/readers: your latest message to #team is not stored yet");
	t->net.ev->accepted(t->net.arg, id, 50, 50000, MODEL_ACCEPTED);
	fake_changed(t);
	t->net.ev->greceipt(t->net.arg, "#team", id, 2, 1, 2);
	fake_changed(t);
	/* Asked by its server id; the answer names the readers. */
	press(t, "/readers" ENTER);
	last_gop(t, CPG_READERS, "#team", "", "");
	assert_int_equal(t->net.gops[t->net.ngops - 1].sid, 50);
	fake_group_info(t, CPG_READERS, "#team", CPGM_OWNER | CPGM_ADMIN,
	    "lunch at 1", (const char *const[]){ "carol" }, NULL, NULL, 1);
	assert_string_equal(t->app.model.notice, "read by carol (1 of 2)");
	/* The readers are not the members. */
	assert_int_equal(c->nmembers, 3);
	press(t, "/readers" ENTER);
	fake_group_info(t, CPG_READERS, "#team", CPGM_OWNER | CPGM_ADMIN,
	    "lunch at 1", (const char *const[]){ "bob", "carol" }, NULL, NULL,
	    2);
	assert_string_equal(t->app.model.notice,
	    "read by bob, carol (2 of 2)");
	press(t, "/readers" ENTER);
	fake_group_info(t, CPG_READERS, "#team", CPGM_OWNER | CPGM_ADMIN,
	    "lunch at 1", NULL, NULL, NULL, 0);
	assert_string_equal(t->app.model.notice,
	    "no one has read your latest message in #team yet (0 of 2)");
	/* A refusal says why. */
	press(t, "/readers" ENTER);
	t->net.ev->group_result(t->net.arg, CPG_READERS, "#team", "",
	    "rate limited, slow down");
	fake_changed(t);
	assert_string_equal(t->app.model.notice,
	    "/readers #team: rate limited, slow down");
	/* More readers than the status line holds: the rest are counted. */
	t->net.ev->greceipt(t->net.arg, "#team", id, 40, 40, 40);
	fake_changed(t);
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "reader%02zu", i);
		many[i].name = names[i];
		many[i].flags = 0;
		many[i].value = 0;
	}
	press(t, "/readers" ENTER);
	t->net.ev->group_info(t->net.arg, CPG_READERS, "#team", 0, "",
	    many, 40);
	fake_changed(t);
	assert_true(strncmp(t->app.model.notice, "read by reader00, "
	    "reader01, ", 28) == 0);
	assert_non_null(strstr(t->app.model.notice, " more (40 of 40)"));
	assert_null(strstr(t->app.model.notice, "reader39"));
}

static void
test_owner_commands_and_their_questions(void **state)
{
	struct t	*t = *state;
	char		 hint[128];
	int		 n;

	in_groups(t);
	open_team(t);
	press(t, "/admin bob" ENTER);
	last_gop(t, CPG_ADMIN, "#team", "bob", "");
	assert_string_equal(t->app.model.notice, "making bob an admin...");
	fake_group_info(t, CPG_ADMIN, "#team", CPGM_OWNER | CPGM_ADMIN, "",
	    (const char *const[]){ "alice", "bob", "carol" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN, CPGM_ADMIN, 0 },
	    NULL, 3);
	assert_string_equal(t->app.model.notice, "bob is an admin of #team");
	assert_int_equal(conv(t, "#team")->members[1].flags, CPGM_ADMIN);
	press(t, "/unadmin bob" ENTER);
	last_gop(t, CPG_UNADMIN, "#team", "bob", "");
	assert_string_equal(t->app.model.notice,
	    "making bob a member again...");
	fake_group_info(t, CPG_UNADMIN, "#team", CPGM_OWNER | CPGM_ADMIN, "",
	    (const char *const[]){ "alice", "bob", "carol" },
	    (const unsigned int[]){ CPGM_OWNER | CPGM_ADMIN, 0, 0 }, NULL, 3);
	assert_string_equal(t->app.model.notice,
	    "bob is a member of #team again");
	press(t, "/admin" ENTER);
	assert_string_equal(t->app.model.notice, "usage: /admin NICK");
	/* chatd's refusal, as it words it. */
	press(t, "/unadmin carol" ENTER);
	t->net.ev->group_result(t->net.arg, CPG_UNADMIN, "#team", "carol",
	    "not allowed to members of your role");
	fake_changed(t);
	assert_string_equal(t->app.model.notice,
	    "/unadmin carol: not allowed to members of your role");

	/* /owner asks first; n keeps the group, and nothing is sent. */
	n = t->net.ngops;
	press(t, "/owner bob" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_GROUP);
	assert_string_equal(t->app.question,
	    "hand #team to bob? you stay an admin (y/n) ");
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "y: hand it on; n: keep it");
	press(t, "x");		/* only y, n and Esc answer */
	assert_int_equal(t->app.prompt, APP_PROMPT_GROUP);
	press(t, "n");
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	assert_int_equal(t->net.ngops, n);
	assert_string_equal(t->app.model.notice, "#team stays yours");
	press(t, "/owner bob" ENTER "y");
	assert_int_equal(t->net.ngops, n + 1);
	last_gop(t, CPG_OWNER, "#team", "bob", "");
	assert_string_equal(t->app.model.notice, "handing #team to bob...");
	fake_group_info(t, CPG_OWNER, "#team", CPGM_ADMIN, "",
	    (const char *const[]){ "alice", "bob", "carol" },
	    (const unsigned int[]){ CPGM_ADMIN, CPGM_OWNER | CPGM_ADMIN, 0 },
	    NULL, 3);
	assert_string_equal(t->app.model.notice,
	    "bob is the owner of #team now; you are an admin");
	assert_int_equal(conv(t, "#team")->gflags, CPGM_ADMIN);

	/* /delete asks too; Esc and n send nothing. */
	fake_gmessage(t, "#team", 60, 0, "bob", CPGE_TEXT, "thanks");
	n = t->net.ngops;
	press(t, "/delete" ENTER);
	assert_int_equal(t->app.prompt, APP_PROMPT_GROUP);
	assert_string_equal(t->app.question,
	    "delete #team for all its members? (y/n) ");
	app_hint(&t->app, hint, sizeof hint);
	assert_string_equal(hint, "y: delete it; n: keep it");
	press(t, ESC);
	assert_int_equal(t->app.prompt, APP_PROMPT_NONE);
	press(t, "/delete" ENTER "n");
	assert_int_equal(t->net.ngops, n);
	assert_string_equal(t->app.model.notice, "#team is not deleted");
	/* No longer the owner: chatd says no, and the group stays. */
	press(t, "/delete" ENTER "y");
	last_gop(t, CPG_DELETE, "#team", "", "");
	t->net.ev->group_result(t->net.arg, CPG_DELETE, "#team", "",
	    "not allowed to members of your role");
	fake_changed(t);
	assert_string_equal(t->app.model.notice,
	    "/delete #team: not allowed to members of your role");
	assert_true(conv(t, "#team")->member);
	/* The owner's delete: gone from the list and from the disk. */
	press(t, "/delete" ENTER "y");
	last_gop(t, CPG_DELETE, "#team", "", "");
	t->net.ev->group_result(t->net.arg, CPG_DELETE, "#team", "", NULL);
	fake_changed(t);
	assert_null(model_conv(&t->app.model, "#team", 0));
	assert_null(t->app.model.open);
	assert_int_equal(t->app.focus, APP_FOCUS_LIST);
	assert_string_equal(t->app.model.notice,
	    "#team is deleted, for all its members");
	app_free(&t->app);
	app_init(&t->app, &t->conf);
	app_set_net(&t->app, &fake_ops, &t->net);
	app_start(&t->app, "alice");
	assert_null(model_conv(&t->app.model, "#team", 0));
}

/* The help fits an 80x24 terminal: 22 rows above the status bar and the
 * input line, none wider than 80 columns. */
static void
test_help_fits_80x24(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; app_help[i] != NULL; i++)
		assert_true(width_str(app_help[i], strlen(app_help[i])) <= 80);
	assert_true(i <= 24 - 2);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_first_start_asks_nickname_then_password),
		T(test_device_token_logs_in_without_asking),
		T(test_password_from_environment_wants_no_token),
		T(test_refused_password_asks_again),
		T(test_unknown_account_offers_to_register),
		T(test_contact_list_and_presence),
		T(test_pick_a_contact_type_and_send),
		T(test_text_before_a_conversation_stays),
		T(test_incoming_messages_count_unread_until_opened),
		T(test_someone_typing_until_their_message),
		T(test_refused_message_says_why),
		T(test_typing_part_of_a_name_finds_it_and_never_adds),
		T(test_commands),
		T(test_commands_when_not_connected),
		T(test_long_paste_asks_first),
		T(test_passwd_asks_old_and_new),
		T(test_tab_completes_a_nickname),
		T(test_outbox_is_sent_again_after_a_restart),
		T(test_no_server_at_all),
		T(test_node_change_is_told),
		T(test_first_keys_after_a_password_prompt),
		T(test_first_keys_with_a_device_token),
		T(test_highlight_newest_unread_else_most_recent),
		T(test_query_msg_close_and_esc),
		T(test_request_shows_under_requests_and_enter_accepts),
		T(test_decline_a_request),
		T(test_block_unblock_and_list_blocked),
		T(test_settings_shown_and_changed),
		T(test_carbon_shows_as_mine_once),
		T(test_read_elsewhere_clears_unread),
		T(test_history_merges_once_in_order),
		T(test_pageup_at_the_top_fetches_older),
		T(test_groups_listed_with_unread_and_invitations),
		T(test_group_commands_send_their_ops),
		T(test_leave_asks_whether_to_delete),
		T(test_f2_toggles_the_member_list),
		T(test_group_messages_and_events),
		T(test_muted_group_counts_nothing),
		T(test_group_receipts_count_readers),
		T(test_group_history_merges_once),
		T(test_readers_of_our_latest_group_message),
		T(test_owner_commands_and_their_questions),
		T(test_help_fits_80x24),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
