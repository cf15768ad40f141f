/*
 * chatc: a scriptable command-line chat client on lib/chatclient.
 *
 *   chatc [-s HOST[:PORT]] -n NICK [-t SECONDS] COMMAND [ARGS]
 *
 * The password comes from $CHAT_PASSWORD, else a prompt on the terminal;
 * it is never written to disk.  A device stays logged in with a device
 * token instead (see token.c): a random 256-bit secret the server issues
 * at login and stores only as a hash, kept here in a file of mode 0600,
 * and revoked on the server by `passwd`.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <sodium.h>

#include "chatc.h"
#include "chat/chatclient.h"
#include "base/log.h"
#include "chat/nick.h"
#include "base/version.h"
#include "base/xmalloc.h"

enum cmd {
	CMD_REGISTER,
	CMD_SEND,
	CMD_LISTEN,
	CMD_CONTACTS,
	CMD_WHO,
	CMD_PASSWD,
	CMD_DEVICES,
	CMD_SETTINGS,
	CMD_HISTORY,
	CMD_DELETE,
	CMD_GROUP,
	CMD_STATUS,
};

struct chatc {
	struct ev_loop		*loop;
	struct chatclient	*cc;
	enum cmd		 cmd;
	const char		*server;
	const char		*nick;
	char			 key[NICK_MAX_BYTES];
	double			 timeout;
	int			 rc;		/* exit status once done */
	int			 done;
	int			 drain_ticks;
	enum cp_err		 last_code;	/* why the last attempt failed */
	char			 last_why[128];
	/* send */
	const char		*to;
	char			*text;
	int			 wait;		/* 0 accepted, 1 delivered, 2 read */
	int			 lines;		/* one message per stdin line */
	uint64_t		 msgid;
	uint64_t		 fixed_id;	/* --id */
	int			 outstanding;
	int			 failed_sends;
	uint64_t		*line_ids;	/* --lines: id of each line */
	char			**line_text;
	size_t			 nlines;
	/* listen */
	long			 count, got;
	int			 json;
	int			 events;
	char			 node[ADDR_STRLEN];	/* logged in on */
	/* contacts, requests, accept, decline, block, unblock, blocked */
	const char		*cmdname;	/* the command word, for errors */
	enum cp_contacts_op	 op;
	const char		*contact;
	/* settings, visible */
	unsigned int		 set_mask, set_values;
	/* devices */
	uint64_t		 revoke;	/* a device id, or 0 to list */
	/* history: pages as they come (newest first), each oldest first */
	const char		*with;
	long			 limit;
	uint64_t		 before;
	struct hpage {
		struct chatclient_hist	*v;
		size_t			 n;
		char			*text;
	}			*pages;
	size_t			 npages;
	long			 have;
	/* group */
	enum cp_group_op	 gop;
	const char		*group;
	const char		*gtarget;
	char			*gtext;
	uint64_t		 gsid;
	/* passwd, delete-account */
	char			*oldpw, *newpw;
	int			 save_token;
	ev_timer		 timer;
};

/*
 * Seconds a command keeps trying by default: long enough to ride out a
 * train's tunnel or a server's restart, short enough for a script.
 */
#define CHATC_TIMEOUT	60

static struct chatc	 ch;

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	fprintf(f,
"usage: chatc [-hVv] [-s HOST[:PORT][,...]] -n NICK [-t SECONDS] COMMAND "
"[ARGS]\n"
"\n"
"Commands:\n"
"  register                       create the account NICK\n"
"  status                         log in and print the server, the node\n"
"                                 (address) logged in on and the account\n"
"  send TO TEXT... [--wait|--read] [--id N]\n"
"                                 send a message; exit once accepted,\n"
"                                 delivered (--wait) or read (--read);\n"
"                                 --id resends message id N (no duplicate)\n"
"  send TO --lines                send each line of standard input,\n"
"                                 printing \"accepted<TAB>LINE\" for each\n"
"  listen [--count N] [--timeout S] [--json] [--events]\n"
"                                 print incoming messages (time, from, text\n"
"                                 tab-separated, or JSON); --events adds\n"
"                                 presence, typing, receipt, read,\n"
"                                 contacts and node (the address logged\n"
"                                 in on, at first and when it changes)\n"
"                                 lines; a message sent from another\n"
"                                 device shows as \"-> NICK\"\n"
"  contacts [add NICK | del NICK] list contacts (presence only of those who\n"
"                                 accepted), ask NICK to be a contact (or\n"
"                                 accept NICK's request), or remove one\n"
"  requests                       list who asked to be your contact\n"
"  accept NICK | decline NICK     answer NICK's contact request\n"
"  block NICK | unblock NICK      block (nothing of NICK reaches you, and\n"
"                                 you seem offline to NICK) or unblock\n"
"  blocked                        list the users you blocked\n"
"  who                            who is online, of those who chose to be\n"
"                                 listed (visible on)\n"
"  visible on|off                 be listed by who (off by default)\n"
"  settings [receipts on|off] [typing on|off]\n"
"                                 show or set what the server sends for\n"
"                                 you: read receipts, typing notices\n"
"  passwd                         change the password ($CHAT_NEW_PASSWORD\n"
"                                 or a prompt); revokes device tokens and\n"
"                                 signs every other session out\n"
"  devices [revoke ID]            list this account's devices (id, name,\n"
"                                 last seen, address, current/online), or\n"
"                                 revoke one: its token and sessions end\n"
"  history NICK [--limit N] [--before ID] [--json]\n"
"                                 the conversation with NICK kept by the\n"
"                                 server, oldest first (time, sender,\n"
"                                 text; the last N, default 50, before\n"
"                                 server message id ID)\n"
"  group create|delete|accept|decline|leave|members|mute|unmute NAME\n"
"  group invite|kick|admin|unadmin|owner NAME NICK\n"
"  group topic NAME TEXT...       group conversations (NAME: #name):\n"
"  group readers NAME ID          admins invite (a contact joins at once,\n"
"  group list                     anyone else accepts), kick and set the\n"
"                                 topic; the owner names admins, hands\n"
"                                 the group on or deletes it; members\n"
"                                 lists name, role and state; readers\n"
"                                 who read server message ID; list your\n"
"                                 groups and invitations with unread\n"
"                                 counts.  send '#name' TEXT sends to it\n"
"  delete-account                 delete this account and everything the\n"
"                                 server keeps of it (asks the password);\n"
"                                 the name stays reserved for a while\n"
"\n"
"  -s, --server HOST[:PORT][,HOST[:PORT]...]\n"
"                            server (default $CHAT_SERVER, else %s);\n"
"                            a list, or a name with several addresses,\n"
"                            is one service on several nodes: the next\n"
"                            is tried when the one in use stops answering\n"
"  -n, --nick NICK           your nickname\n"
"  -t, --timeout SECONDS     give up after this long (default %d; listen:\n"
"                            never, unless --timeout); until then a lost\n"
"                            connection, a busy or restarting server is\n"
"                            retried with backoff\n"
"\n"
"The password is read from $CHAT_PASSWORD, else from the terminal.  After\n"
"a login with the password, a device token in $XDG_CONFIG_HOME/udp-suite/\n"
"chatc-tokens (mode 0600) logs this device in without it.\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 invalid nickname or text, 67 unknown\n"
"user, device or group (or not a member), or no request from NICK, 69\n"
"server unreachable, 70 server failure, 73 nickname or group name taken,\n"
"75 try again later (rate limited, busy, queue full, a limit, not\n"
"delivered in time), 76 server key changed, 77 wrong password, not\n"
"allowed to your role in the group, revoked or expired token, signed out\n"
"(password changed, device revoked, account deleted) or account locked.\n",
	    CHATCLIENT_DEFAULT_SERVER, CHATC_TIMEOUT);
	exit(code);
}

/* Finishing: stop once nothing is unacknowledged, or after a second. */
static void
drain_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (chatclient_unacked(ch.cc) == 0 || ++ch.drain_ticks > 100)
		ev_break(loop, EVBREAK_ALL);
}

/* Print one line of error and finish with status rc. */
static void
finish(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
finish(int rc, const char *fmt, ...)
{
	va_list	ap;

	if (ch.done)
		return;
	if (fmt != NULL) {
		fprintf(stderr, "chatc: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	ch.rc = rc;
	ch.done = 1;
	/* Let receipts and acknowledgements reach the server first. */
	ev_timer_stop(ch.loop, &ch.timer);
	ev_timer_init(&ch.timer, drain_cb, 0., 0.01);
	ev_timer_start(ch.loop, &ch.timer);
}

/* The exit status for a chat error code. */
static int
err_status(enum cp_err e)
{
	switch (e) {
	case CPE_NONE:
		return 0;
	case CPE_NICK_INVALID:
	case CPE_BAD_UTF8:
	case CPE_CONTROL:
	case CPE_TOO_LONG:
	case CPE_BAD_PASSWORD:
		return EX_DATAERR;
	case CPE_UNKNOWN_USER:
	case CPE_NO_DEVICE:
	case CPE_NO_REQUEST:
	case CPE_NO_GROUP:
		return EX_NOUSER;
	case CPE_NICK_TAKEN:
	case CPE_CONFUSABLE:
		return EX_CANTCREAT;
	case CPE_WRONG_PASSWORD:
	case CPE_NOT_ALLOWED:
	case CPE_BAD_TOKEN:
	case CPE_LOCKED:
	case CPE_DISABLED:
	case CPE_NOT_LOGGED_IN:
		return EX_NOPERM;
	case CPE_RATE_LIMITED:
	case CPE_QUEUE_FULL:
	case CPE_QUOTA:
	case CPE_BUSY:
	case CPE_LIMIT:
		return EX_TEMPFAIL;
	case CPE_VERSION:
	case CPE_MALFORMED:
	case CPE_ALREADY:
		return EX_PROTOCOL;
	default:
		return EX_SOFTWARE;
	}
}

/* Format ms since 1970 as ISO 8601 UTC. */
static void
fmt_time(uint64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * The code point of a bidirectional control (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) or a C1 control (U+0080-U+009F) that
 * starts at s, with its length in *len; 0 if s starts anything else.
 * These reorder or drive what a terminal shows, so they are never
 * printed raw: a message could otherwise forge what seems to be another
 * sender's line.
 */
static unsigned int
unsafe_code_point(const unsigned char *s, size_t *len)
{
	unsigned int	cp;

	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
		*len = 2;
		return s[1];
	}
	if (s[0] == 0xd8 && s[1] == 0x9c) {
		*len = 2;
		return 0x061c;
	}
	if (s[0] != 0xe2 || s[1] == '\0' || s[2] == '\0')
		return 0;
	cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	if (cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069)) {
		*len = 3;
		return cp;
	}
	return 0;
}

/*
 * Print s so that it cannot drive the terminal, as one field of a
 * tab-separated line (json 0) or as a JSON string's contents (json 1).
 * Tab, newline and backslash are escaped in both (fields are separated
 * by tabs, records by newlines); every other C0 control and DEL become
 * \e, \r or \xNN (in JSON \u00NN); C1 and bidirectional controls become
 * \uNNNN.
 */
static void
put_escaped(const char *str, int json)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned int		 cp;
	size_t			 n;

	for (; *s != '\0'; s++) {
		if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\r')
			fputs("\\r", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '"' && json)
			fputs("\\\"", stdout);
		else if (*s < 0x20 || *s == 0x7f) {
			if (json)
				printf("\\u%04x", *s);
			else if (*s == 0x1b)
				fputs("\\e", stdout);
			else
				printf("\\x%02x", *s);
		} else if ((cp = unsafe_code_point(s, &n)) != 0) {
			printf("\\u%04x", cp);
			s += n - 1;
		} else
			putchar(*s);
	}
}

/* Print s as one field of a tab-separated line, harmless to a terminal. */
static void
put_field(const char *s)
{
	put_escaped(s, 0);
}

/* Print s as a JSON string, harmless to a terminal. */
static void
put_json(const char *s)
{
	putchar('"');
	put_escaped(s, 1);
	putchar('"');
}

static const char *
presence_name(enum cp_presence p)
{
	return p == CPP_ONLINE ? "online" : p == CPP_AWAY ? "away" : "offline";
}

/* Logged in: do the command. */
static void
run_command(void)
{
	const char	*p, *nl;
	uint64_t	 id;
	char		 node[ADDR_STRLEN];
	size_t		 i, n;

	switch (ch.cmd) {
	case CMD_REGISTER:
		printf("registered %s\n", chatclient_nick(ch.cc));
		finish(0, NULL);
		break;
	case CMD_STATUS:
		chatclient_address(ch.cc, node, sizeof node, &i, &n);
		fputs("server\t", stdout);
		put_field(ch.server);
		printf("\nnode\t%s\t%zu/%zu\nnick\t", node, i + 1, n);
		put_field(chatclient_nick(ch.cc));
		putchar('\n');
		finish(0, NULL);
		break;
	case CMD_SEND:
		if (ch.msgid != 0 || ch.outstanding > 0)
			break;		/* a reconnect: the outbox resends */
		if (!ch.lines) {
			if (ch.fixed_id != 0)
				ch.msgid = chatclient_send_id(ch.cc,
				    ch.fixed_id, ch.to, ch.text,
				    strlen(ch.text)) == 0 ? ch.fixed_id : 0;
			else
				ch.msgid = chatclient_send(ch.cc, ch.to,
				    ch.text, strlen(ch.text));
			if (ch.msgid == 0)
				finish(EX_DATAERR, "send to %s: %s", ch.to,
				    errno == EINVAL ? "invalid nickname" :
				    errno == EILSEQ ? "text is not valid UTF-8" :
				    errno == EBADMSG ? "text holds a control "
				    "character (only tab and newline may be "
				    "sent)" :
				    "message empty or longer than 4096 bytes");
			else
				ch.outstanding = 1;
			break;
		}
		ch.line_ids = xcalloc(strlen(ch.text) + 1, sizeof *ch.line_ids);
		ch.line_text = xcalloc(strlen(ch.text) + 1,
		    sizeof *ch.line_text);
		for (p = ch.text; *p != '\0'; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				nl = p + strlen(p);
			if (nl == p)
				continue;
			ch.line_text[ch.nlines] = (char *)p;
			if ((id = chatclient_send(ch.cc, ch.to, p,
			    (size_t)(nl - p))) == 0) {
				finish(EX_DATAERR, "send to %s: line %.*s "
				    "refused", ch.to, (int)(nl - p), p);
				return;
			}
			ch.line_ids[ch.nlines++] = id;
			ch.outstanding++;
			if (*nl == '\0')
				break;
			*(char *)nl = '\0';
		}
		ch.msgid = 1;
		if (ch.outstanding == 0)
			finish(0, NULL);
		break;
	case CMD_LISTEN:
		if (ch.events)
			chatclient_contacts(ch.cc, CPC_LIST, NULL);
		break;
	case CMD_CONTACTS:
		if (chatclient_contacts(ch.cc, ch.op, ch.contact) == 0)
			finish(EX_DATAERR, "%s: invalid nickname", ch.cmdname);
		break;
	case CMD_SETTINGS:
		chatclient_settings(ch.cc, ch.set_mask, ch.set_values);
		break;
	case CMD_WHO:
		chatclient_who(ch.cc);
		break;
	case CMD_DEVICES:
		if (ch.revoke != 0)
			chatclient_device_revoke(ch.cc, ch.revoke);
		else
			chatclient_devices(ch.cc);
		break;
	case CMD_HISTORY:
		if (ch.npages == 0 && chatclient_history(ch.cc, ch.with,
		    ch.before, (unsigned int)(ch.limit < 100 ? ch.limit :
		    100)) == 0)
			finish(EX_DATAERR, "history: invalid nickname");
		break;
	case CMD_DELETE:
		chatclient_delete_account(ch.cc, ch.oldpw);
		break;
	case CMD_GROUP:
		if (chatclient_group(ch.cc, ch.gop, ch.group, ch.gtarget,
		    ch.gsid, ch.gtext) == 0)
			finish(EX_DATAERR, "group: invalid name");
		break;
	case CMD_PASSWD:
		if ((id = chatclient_passwd(ch.cc, ch.oldpw, ch.newpw)) == 0)
			finish(EX_DATAERR, "passwd: new password empty or "
			    "longer than 255 bytes");
		break;
	}
}

/* Logged in: say where, if that is news. */
static void
show_node(struct chatclient *cc)
{
	char	node[ADDR_STRLEN];

	chatclient_address(cc, node, sizeof node, NULL, NULL);
	log_debug("logged in on %s", node);
	if (strcmp(node, ch.node) == 0)
		return;
	snprintf(ch.node, sizeof ch.node, "%s", node);
	if (ch.cmd != CMD_LISTEN || !ch.events)
		return;
	printf(ch.json ? "{\"event\":\"node\",\"address\":\"%s\"}\n" :
	    "node\t%s\n", node);
	fflush(stdout);
}

static void
cb_state(struct chatclient *cc, enum chatclient_state st, enum cp_err code,
    const char *why, void *arg)
{
	uint8_t	token[CP_TOKEN_LEN];

	switch (st) {
	case CHATCLIENT_READY:
		ch.last_code = CPE_NONE;
		show_node(cc);
		if (ch.save_token && chatclient_token(cc, token) == 1) {
			token_save(ch.server, ch.key, token);
			sodium_memzero(token, sizeof token);
		}
		ch.save_token = 0;
		run_command();
		break;
	case CHATCLIENT_FAILED:
		if (code == CPE_BAD_TOKEN) {
			token_forget(ch.server, ch.key);
			finish(EX_NOPERM, "%s: %s; log in with the password",
			    ch.nick, strncmp(why, "signed out", 10) == 0 ? why :
			    "this device's token was revoked or has expired");
		} else if (code != CPE_NONE)
			finish(err_status(code), "%s: %s", ch.nick, why);
		else
			finish(strstr(why, "key") != NULL ? EX_PROTOCOL :
			    EX_UNAVAILABLE, "%s: %s", ch.server, why);
		break;
	case CHATCLIENT_DISCONNECTED:
		/* Retried until the timeout, which then reports the last
		 * refusal (a lost session says less). */
		if (code != CPE_NONE) {
			ch.last_code = code;
			snprintf(ch.last_why, sizeof ch.last_why, "%s", why);
		}
		log_debug("disconnected: %s", why);
		break;
	default:
		break;
	}
}

static void
cb_result(struct chatclient *cc, uint64_t id, enum cp_type type,
    enum cp_err code, const char *detail, void *arg)
{
	if (type == CP_SEND) {
		if (ch.lines) {
			/* One refused line does not stop the others. */
			fprintf(stderr, "chatc: send to %s: %s\n", ch.to,
			    detail);
			ch.failed_sends = err_status(code);
			if (--ch.outstanding == 0)
				finish(ch.failed_sends, NULL);
			return;
		}
		finish(err_status(code), "send to %s: %s", ch.to, detail);
		return;
	}
	/* A server older than this chatc does not know the request. */
	if (code == CPE_MALFORMED && (type == CP_SETTINGS ||
	    type == CP_HISTORY || type == CP_DELETE_ACCOUNT ||
	    type == CP_GROUP ||
	    (type == CP_CONTACTS && ch.op > CPC_DEL))) {
		finish(EX_PROTOCOL, "%s: the server does not know this "
		    "request: upgrade chatd", ch.cmdname);
		return;
	}
	if (code != CPE_NONE) {
		finish(err_status(code), "%s: %s", type == CP_PASSWD ?
		    "passwd" : type == CP_WHO ? "who" : type == CP_CONTACTS ||
		    type == CP_SETTINGS || type == CP_HISTORY ||
		    type == CP_DELETE_ACCOUNT || type == CP_GROUP ? ch.cmdname :
		    type ==
		    CP_DEVICES ? "devices" : "request", detail);
		return;
	}
	if (type == CP_GROUP) {
		finish(0, NULL);
		return;
	}
	if (type == CP_DELETE_ACCOUNT) {
		token_forget(ch.server, ch.key);
		printf("account %s deleted\n", ch.nick);
		finish(0, NULL);
		return;
	}
	if (type == CP_DEVICES) {
		printf("device %" PRIu64 " revoked\n", ch.revoke);
		finish(0, NULL);
		return;
	}
	if (type == CP_PASSWD) {
		token_forget(ch.server, ch.key);
		printf("password changed; device tokens revoked\n");
		finish(0, NULL);
	}
}

static void
cb_accepted(struct chatclient *cc, uint64_t msgid, uint64_t sid,
    uint64_t time_ms, enum cp_receipt state, void *arg)
{
	size_t	i;

	if (ch.lines) {
		for (i = 0; i < ch.nlines; i++)
			if (ch.line_ids[i] == msgid) {
				fputs("accepted\t", stdout);
				put_field(ch.line_text[i]);
				putchar('\n');
			}
		fflush(stdout);
		if (--ch.outstanding == 0)
			finish(ch.failed_sends, NULL);
		return;
	}
	if (msgid != ch.msgid)
		return;
	if ((int)state >= ch.wait)
		finish(0, NULL);
}

static void
cb_receipt(struct chatclient *cc, uint64_t msgid, enum cp_receipt kind,
    void *arg)
{
	if (ch.cmd == CMD_LISTEN && ch.events) {
		printf(ch.json ? "{\"event\":\"receipt\",\"id\":\"%" PRIu64
		    "\",\"kind\":\"%s\"}\n" : "receipt\t%" PRIu64 "\t%s\n",
		    msgid, kind == CPR_READ ? "read" : "delivered");
		fflush(stdout);
	}
	if (ch.cmd == CMD_SEND && !ch.lines && msgid == ch.msgid &&
	    (int)kind >= ch.wait)
		finish(0, NULL);
}

static void
cb_message(struct chatclient *cc, const struct chatclient_msg *m, void *arg)
{
	char	t[32];

	/* Done (--count reached): the rest of a burst is not shown, so
	 * it is not marked read either. */
	if (ch.cmd != CMD_LISTEN || ch.done)
		return;
	fmt_time(m->time_ms, t, sizeof t);
	if (ch.json) {
		printf("{\"time\":\"%s\",\"id\":%" PRIu64 ",\"from\":", t,
		    m->sid);
		put_json(m->from);
		fputs(",\"text\":", stdout);
		put_json(m->text);
		fputs("}\n", stdout);
	} else {
		printf("%s\t", t);
		put_field(m->from);
		putchar('\t');
		put_field(m->text);
		putchar('\n');
	}
	fflush(stdout);
	/* Printed is shown: tell the sender it was read. */
	chatclient_mark_read(cc, m->sid);
	if (ch.count > 0 && ++ch.got >= ch.count)
		finish(0, NULL);
}

/*
 * This account's name: as registered once the login is answered, else
 * as given.  (A catching-up session's first messages can come before
 * its WELCOME, which waits for the login's commit.)
 */
static const char *
me_nick(const struct chatclient *cc)
{
	const char	*n = chatclient_nick(cc);

	return n != NULL ? n : ch.nick;
}

/* One message of a conversation, as listen and history print them. */
static void
put_hist(const struct chatclient_hist *h, const char *me)
{
	char	t[32];

	fmt_time(h->time_ms, t, sizeof t);
	if (ch.json) {
		printf("{\"time\":\"%s\",\"id\":%" PRIu64 ",\"from\":", t,
		    h->sid);
		put_json(h->outgoing ? me : h->peer);
		fputs(",\"to\":", stdout);
		put_json(h->outgoing ? h->peer : me);
		fputs(",\"text\":", stdout);
		put_json(h->text);
		if (h->outgoing)
			printf(",\"sent\":true,\"state\":\"%s\"}\n",
			    h->state == CPR_READ ? "read" : h->state ==
			    CPR_DELIVERED ? "delivered" : "accepted");
		else
			printf(",\"read\":%s}\n", h->read ? "true" : "false");
		return;
	}
	printf("%s\t", t);
	if (h->outgoing && ch.cmd == CMD_LISTEN) {
		fputs("-> ", stdout);
		put_field(h->peer);
	} else
		put_field(h->outgoing ? me : h->peer);
	putchar('\t');
	put_field(h->text);
	putchar('\n');
}

/* A message this account sent from another device (listen). */
static void
cb_sent(struct chatclient *cc, const struct chatclient_hist *h, void *arg)
{
	if (ch.cmd != CMD_LISTEN)
		return;
	put_hist(h, me_nick(cc));
	fflush(stdout);
}

static void
cb_read_upto(struct chatclient *cc, const char *peer, uint64_t sid,
    void *arg)
{
	if (ch.cmd != CMD_LISTEN || !ch.events)
		return;
	if (ch.json) {
		fputs("{\"event\":\"read\",\"nick\":", stdout);
		put_json(peer);
		printf(",\"upto\":%" PRIu64 "}\n", sid);
	} else {
		fputs("read\t", stdout);
		put_field(peer);
		printf("\t%" PRIu64 "\n", sid);
	}
	fflush(stdout);
}

static void
cb_contacts_changed(struct chatclient *cc, unsigned int lists, void *arg)
{
	if (ch.cmd != CMD_LISTEN || !ch.events)
		return;
	printf(ch.json ? "{\"event\":\"contacts\",\"lists\":\"%s%s%s\"}\n" :
	    "contacts\t%s%s%s\n", lists & CPL_CONTACTS ? "c" : "",
	    lists & CPL_REQUESTS ? "r" : "", lists & CPL_BLOCKED ? "b" : "");
	fflush(stdout);
}

/* The name of a group event. */
static const char *
gevent_name(enum cp_group_event k)
{
	static const char *const names[] = { "message", "created", "joined",
	    "left", "removed", "topic", "admin", "unadmin", "owner" };

	return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* One group message or event, as listen and history print them. */
static void
put_gmsg(const struct chatclient_gmsg *g)
{
	char	t[32];

	fmt_time(g->time_ms, t, sizeof t);
	if (ch.json) {
		printf("{\"time\":\"%s\",\"id\":%" PRIu64 ",\"group\":", t,
		    g->sid);
		put_json(g->group);
		fputs(",\"from\":", stdout);
		put_json(g->from);
		fputs(",\"text\":", stdout);
		put_json(g->text);
		if (g->kind != CPGE_TEXT)
			printf(",\"event\":\"%s\"", gevent_name(g->kind));
		fputs("}\n", stdout);
		return;
	}
	printf("%s\t", t);
	put_field(g->group);
	if (g->kind == CPGE_TEXT) {
		putchar('/');
		put_field(g->from);
		putchar('\t');
		put_field(g->text);
	} else {
		/* "* alice removed carol", "* bob joined" ... */
		fputs("\t* ", stdout);
		switch (g->kind) {
		case CPGE_JOINED:
		case CPGE_LEFT:
			put_field(g->text);
			fputs(g->kind == CPGE_LEFT ? " left" : " joined", stdout);
			if (g->kind == CPGE_JOINED &&
			    strcmp(g->from, g->text) != 0) {
				fputs(" (invited by ", stdout);
				put_field(g->from);
				putchar(')');
			}
			break;
		case CPGE_TOPIC:
			put_field(g->from);
			fputs(" set the topic: ", stdout);
			put_field(g->text);
			break;
		default:
			put_field(g->from);
			printf(" %s ", g->kind == CPGE_CREATED ? "created" :
			    g->kind == CPGE_REMOVED ? "removed" : g->kind ==
			    CPGE_ADMIN ? "made an admin:" : g->kind ==
			    CPGE_UNADMIN ? "made a member again:" :
			    "handed the group to");
			put_field(g->text);
			break;
		}
	}
	putchar('\n');
}

static void
cb_gmessage(struct chatclient *cc, const struct chatclient_gmsg *g,
    void *arg)
{
	if (ch.cmd != CMD_LISTEN || ch.done)
		return;
	put_gmsg(g);
	fflush(stdout);
	/* Printed is read. */
	chatclient_gmark_read(cc, g->group, g->sid);
	if (g->kind == CPGE_TEXT && strcmp(g->from, me_nick(cc)) != 0 &&
	    ch.count > 0 && ++ch.got >= ch.count)
		finish(0, NULL);
}

static void
cb_group_info(struct chatclient *cc, uint64_t id, const char *group,
    unsigned int flags, const char *topic, const struct chatclient_gentry *v,
    size_t n, void *arg)
{
	size_t	i;

	if (ch.cmd != CMD_GROUP)
		return;
	if (ch.gop == CPG_LIST) {
		for (i = 0; i < n; i++) {
			put_field(v[i].name);
			printf("\t%s\t%" PRIu64 "\n", v[i].flags & CPGM_INVITED ?
			    "invited" : v[i].flags & CPGM_OWNER ? "owner" :
			    v[i].flags & CPGM_ADMIN ? "admin" : "member",
			    v[i].value);
		}
		finish(0, NULL);
		return;
	}
	if (ch.gop == CPG_MEMBERS && topic[0] != '\0') {
		fputs("topic\t", stdout);
		put_field(topic);
		putchar('\n');
	}
	/* Every change is answered with the members as they are now. */
	for (i = 0; i < n; i++) {
		put_field(v[i].name);
		printf("\t%s\t%s%s\n", v[i].flags & CPGM_OWNER ? "owner" :
		    v[i].flags & CPGM_ADMIN ? "admin" : "member",
		    v[i].flags & CPGM_INVITED ? "invited" : "joined",
		    v[i].flags & CPGM_ONLINE ? "\tonline" : "");
	}
	finish(0, NULL);
}

static void
cb_greceipt(struct chatclient *cc, const char *group, uint64_t msgid,
    unsigned int d, unsigned int r, unsigned int of, void *arg)
{
	if (ch.cmd == CMD_LISTEN && ch.events) {
		fputs("greceipt\t", stdout);
		put_field(group);
		printf("\t%" PRIu64 "\t%u\t%u\t%u\n", msgid, d, r, of);
		fflush(stdout);
	}
	if (ch.cmd == CMD_SEND && !ch.lines && msgid == ch.msgid &&
	    ((ch.wait == CPR_DELIVERED && d >= of) ||
	    (ch.wait == CPR_READ && r >= of)))
		finish(0, NULL);
}

static void
cb_group_changed(struct chatclient *cc, const char *group, unsigned int what,
    void *arg)
{
	if (ch.cmd != CMD_LISTEN || !ch.events)
		return;
	fputs("group\t", stdout);
	put_field(group);
	printf("\t%s\n", what & CPGC_DELETED ? "deleted" : what &
	    CPGC_REMOVED ? "removed" : what & CPGC_INVITED ? "invited" :
	    "changed");
	fflush(stdout);
}

/* A page of a group's history (as cb_history, for groups). */
static void
cb_ghistory(struct chatclient *cc, uint64_t id, const char *group,
    const struct chatclient_gmsg *v, size_t n, int more, void *arg)
{
	size_t	i = (long)n > ch.limit ? n - (size_t)ch.limit : 0;

	if (ch.cmd != CMD_HISTORY)
		return;
	for (; i < n; i++)
		put_gmsg(&v[i]);
	finish(0, NULL);
}

/*
 * A page of history: kept until the whole of what was asked for is
 * here, then printed oldest first.  Pages come newest first.
 */
static void
cb_history(struct chatclient *cc, uint64_t id, const char *peer,
    const struct chatclient_hist *v, size_t n, int more, void *arg)
{
	struct hpage	*pg;
	size_t		 i, j, len = 0, off = 0;
	long		 want = ch.limit - ch.have;

	if (ch.cmd != CMD_HISTORY)
		return;
	/* The newest want of this page. */
	i = (long)n > want ? n - (size_t)want : 0;
	ch.pages = xreallocarray(ch.pages, ch.npages + 1, sizeof *ch.pages);
	pg = &ch.pages[ch.npages++];
	pg->n = n - i;
	pg->v = xcalloc(pg->n + 1, sizeof *pg->v);
	for (j = i; j < n; j++)
		len += v[j].len + strlen(v[j].peer) + 2;
	pg->text = xmalloc(len + 1);
	for (j = i; j < n; j++) {
		pg->v[j - i] = v[j];
		pg->v[j - i].text = memcpy(pg->text + off, v[j].text,
		    v[j].len + 1);
		off += v[j].len + 1;
		pg->v[j - i].peer = strcpy(pg->text + off, v[j].peer);
		off += strlen(v[j].peer) + 1;
	}
	ch.have += (long)pg->n;
	if (more && ch.have < ch.limit && n > 0) {
		want = ch.limit - ch.have;
		chatclient_history(cc, ch.with, v[0].sid,
		    (unsigned int)(want < 100 ? want : 100));
		return;
	}
	for (i = ch.npages; i-- > 0;)
		for (j = 0; j < ch.pages[i].n; j++)
			put_hist(&ch.pages[i].v[j], me_nick(cc));
	for (i = 0; i < ch.npages; i++) {
		free(ch.pages[i].v);
		free(ch.pages[i].text);
	}
	free(ch.pages);
	ch.pages = NULL;
	finish(0, NULL);
}

static void
cb_roster(struct chatclient *cc, uint64_t id,
    const struct chatclient_contact *v, size_t n, void *arg)
{
	char	t[32];
	size_t	i;

	if (ch.cmd == CMD_LISTEN)
		return;
	for (i = 0; i < n; i++) {
		/* Requests and blocked users: names only, never presence. */
		if (ch.cmd == CMD_CONTACTS && ch.op != CPC_LIST &&
		    ch.op != CPC_ADD && ch.op != CPC_DEL &&
		    ch.op != CPC_ACCEPT) {
			put_field(v[i].nick);
			putchar('\n');
			continue;
		}
		if (ch.cmd == CMD_WHO) {
			put_field(v[i].nick);
			printf("\t%s\n", presence_name(v[i].presence));
			continue;
		}
		if (v[i].last_seen_ms != 0)
			fmt_time(v[i].last_seen_ms, t, sizeof t);
		else
			strcpy(t, "-");
		put_field(v[i].nick);
		printf("\t%s\t%s\n", presence_name(v[i].presence),
		    v[i].presence == CPP_OFFLINE ? t : "-");
	}
	finish(0, NULL);
}

/* The account's settings, one per line: name, on or off. */
static void
cb_settings(struct chatclient *cc, uint64_t id, unsigned int v, void *arg)
{
	printf("visible\t%s\n", v & CPS_VISIBLE ? "on" : "off");
	printf("receipts\t%s\n", v & CPS_RECEIPTS ? "on" : "off");
	printf("typing\t%s\n", v & CPS_TYPING ? "on" : "off");
	finish(0, NULL);
}

/* The account's devices: id, name, last seen, address, state. */
static void
cb_devices(struct chatclient *cc, uint64_t id,
    const struct chatclient_device *v, size_t n, void *arg)
{
	char	t[32];
	size_t	i;

	for (i = 0; i < n; i++) {
		if (v[i].last_seen_ms != 0)
			fmt_time(v[i].last_seen_ms, t, sizeof t);
		else
			strcpy(t, "-");
		printf("%" PRIu64 "\t", v[i].id);
		put_field(v[i].name[0] != '\0' ? v[i].name : "-");
		printf("\t%s\t", t);
		put_field(v[i].addr[0] != '\0' ? v[i].addr : "-");
		printf("\t%s\n", v[i].current ? "current" : v[i].online ?
		    "online" : "-");
	}
	finish(0, NULL);
}

static void
cb_presence(struct chatclient *cc, const struct chatclient_contact *p,
    void *arg)
{
	if (ch.cmd != CMD_LISTEN || !ch.events)
		return;
	if (ch.json) {
		fputs("{\"event\":\"presence\",\"nick\":", stdout);
		put_json(p->nick);
		printf(",\"presence\":\"%s\"}\n", presence_name(p->presence));
	} else {
		fputs("presence\t", stdout);
		put_field(p->nick);
		printf("\t%s\n", presence_name(p->presence));
	}
	fflush(stdout);
}

static void
cb_typing(struct chatclient *cc, const char *from, void *arg)
{
	if (ch.cmd != CMD_LISTEN || !ch.events)
		return;
	if (ch.json) {
		fputs("{\"event\":\"typing\",\"nick\":", stdout);
		put_json(from);
		fputs("}\n", stdout);
	} else {
		fputs("typing\t", stdout);
		put_field(from);
		putchar('\n');
	}
	fflush(stdout);
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	enum chatclient_state	st = chatclient_state(ch.cc);

	if (ch.cmd == CMD_LISTEN && st == CHATCLIENT_READY) {
		finish(0, NULL);
		return;
	}
	if (st != CHATCLIENT_READY && ch.last_code != CPE_NONE)
		finish(err_status(ch.last_code), "%s: %s (still, after %g s)",
		    ch.nick, ch.last_why, ch.timeout);
	else if (st != CHATCLIENT_READY)
		finish(EX_UNAVAILABLE, "%s: no answer from the server within "
		    "%g s", ch.server, ch.timeout);
	else if (ch.cmd == CMD_SEND && ch.msgid != 0 && ch.outstanding > 0 &&
	    chatclient_outbox(ch.cc) == 0)
		finish(EX_TEMPFAIL, "send to %s: accepted, but not %s within "
		    "%g s", ch.to, ch.wait == 2 ? "read" : "delivered",
		    ch.timeout);
	else if (ch.cmd == CMD_SEND && chatclient_outbox(ch.cc) > 0 &&
	    chatclient_deferrals(ch.cc) > 0)
		finish(EX_TEMPFAIL, "send to %s: not accepted within %g s: "
		    "the server asked to try again later", ch.to, ch.timeout);
	else
		finish(EX_UNAVAILABLE, "%s: no answer within %g s", ch.server,
		    ch.timeout);
}

/* Read a password from the terminal without echo; NULL if impossible. */
static char *
prompt_password(const char *prompt)
{
	struct termios	 old, raw;
	char		 buf[512];
	FILE		*tty;
	char		*r;
	size_t		 n;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return NULL;
	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == -1) {
		fclose(tty);
		return NULL;
	}
	raw = old;
	raw.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &raw);
	r = fgets(buf, sizeof buf, tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (r == NULL)
		return NULL;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	r = xstrdup(buf);
	sodium_memzero(buf, sizeof buf);
	return r;
}

/* The password from the environment or the terminal; exits if none. */
static char *
get_password(const char *env, const char *prompt)
{
	const char	*e = getenv(env);
	char		*p;

	if (e != NULL)
		return xstrdup(e);
	if ((p = prompt_password(prompt)) == NULL) {
		fprintf(stderr, "chatc: no password: set $%s or run on a "
		    "terminal\n", env);
		exit(EX_USAGE);
	}
	return p;
}

/* Read all of standard input (for --lines); exits on failure. */
static char *
read_stdin(void)
{
	size_t	 cap = 4096, len = 0;
	char	*b = xmalloc(cap);
	ssize_t	 n;

	while ((n = read(0, b + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2)
			b = xreallocarray(b, cap *= 2, 1);
	}
	b[len] = '\0';
	return b;
}

/* Parse the command and its arguments. */
/* "on" or "off" for bit: sets or clears it in *values; 0 if neither. */
static int
on_off(const char *word, unsigned int bit, unsigned int *values)
{
	if (strcmp(word, "on") == 0)
		*values |= bit;
	else if (strcmp(word, "off") == 0)
		*values &= ~bit;
	else
		return 0;
	return 1;
}

/* The consent commands (a CONTACTS op each): 1 if argv is one. */
static int
contacts_command(int argc, char *argv[])
{
	static const struct {
		const char		*name;
		enum cp_contacts_op	 op;
		int			 nick;
	} cmds[] = {
		{ "requests",	CPC_REQUESTS,	0 },
		{ "accept",	CPC_ACCEPT,	1 },
		{ "decline",	CPC_DECLINE,	1 },
		{ "block",	CPC_BLOCK,	1 },
		{ "unblock",	CPC_UNBLOCK,	1 },
		{ "blocked",	CPC_BLOCKED,	0 },
	};
	size_t	i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (argc != 1 + cmds[i].nick)
			usage(stderr, EX_USAGE);
		ch.cmd = CMD_CONTACTS;
		ch.cmdname = cmds[i].name;
		ch.op = cmds[i].op;
		ch.contact = cmds[i].nick ? argv[1] : NULL;
		return 1;
	}
	return 0;
}

/* group OP [NAME [NICK | TEXT... | ID]] */
static void
group_command(int argc, char *argv[])
{
	static const struct {
		const char		*name;
		enum cp_group_op	 op;
		int			 args;	/* after NAME: 1 nick, 2 text,
						 * 3 id, -1 no NAME */
	} ops[] = {
		{ "list", CPG_LIST, -1 }, { "create", CPG_CREATE, 0 },
		{ "delete", CPG_DELETE, 0 }, { "invite", CPG_INVITE, 1 },
		{ "accept", CPG_ACCEPT, 0 }, { "decline", CPG_DECLINE, 0 },
		{ "kick", CPG_KICK, 1 }, { "leave", CPG_LEAVE, 0 },
		{ "members", CPG_MEMBERS, 0 }, { "topic", CPG_TOPIC, 2 },
		{ "admin", CPG_ADMIN, 1 }, { "unadmin", CPG_UNADMIN, 1 },
		{ "owner", CPG_OWNER, 1 }, { "mute", CPG_MUTE, 0 },
		{ "unmute", CPG_UNMUTE, 0 }, { "readers", CPG_READERS, 3 },
	};
	size_t	i, len = 0;
	int	k;
	char	*end;

	ch.cmd = CMD_GROUP;
	if (argc < 2)
		usage(stderr, EX_USAGE);
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(argv[1], ops[i].name) == 0)
			break;
	if (i == sizeof ops / sizeof ops[0])
		usage(stderr, EX_USAGE);
	ch.gop = ops[i].op;
	if (ops[i].args == -1) {
		if (argc != 2)
			usage(stderr, EX_USAGE);
		return;
	}
	if (argc < 3 || (ops[i].args == 0 && argc != 3) ||
	    ((ops[i].args == 1 || ops[i].args == 3) && argc != 4) ||
	    (ops[i].args == 2 && argc < 4))
		usage(stderr, EX_USAGE);
	ch.group = argv[2];
	if (ch.group[0] != '#') {
		fprintf(stderr, "chatc: group: %s: a group's name starts "
		    "with # (quote it from the shell: '#%s')\n", ch.group,
		    ch.group);
		exit(EX_USAGE);
	}
	if (ops[i].args == 1)
		ch.gtarget = argv[3];
	else if (ops[i].args == 3) {
		ch.gsid = strtoull(argv[3], &end, 10);
		if (*end != '\0' || ch.gsid == 0)
			usage(stderr, EX_USAGE);
	} else if (ops[i].args == 2) {
		for (k = 3; k < argc; k++)
			len += strlen(argv[k]) + 1;
		ch.gtext = xcalloc(1, len);
		for (k = 3; k < argc; k++) {
			if (k > 3)
				strcat(ch.gtext, " ");
			strcat(ch.gtext, argv[k]);
		}
	}
}

static void
parse_command(int argc, char *argv[])
{
	const char	*c;
	size_t		 len = 0;
	char		*end;
	unsigned int	 bit;
	int		 i;

	if (argc < 1)
		usage(stderr, EX_USAGE);
	c = argv[0];
	ch.cmdname = c;
	if (strcmp(c, "register") == 0 && argc == 1)
		ch.cmd = CMD_REGISTER;
	else if (strcmp(c, "status") == 0 && argc == 1)
		ch.cmd = CMD_STATUS;
	else if (strcmp(c, "who") == 0 && argc == 1)
		ch.cmd = CMD_WHO;
	else if (strcmp(c, "passwd") == 0 && argc == 1)
		ch.cmd = CMD_PASSWD;
	else if (strcmp(c, "devices") == 0 && (argc == 1 ||
	    (argc == 3 && strcmp(argv[1], "revoke") == 0))) {
		ch.cmd = CMD_DEVICES;
		if (argc == 3) {
			ch.revoke = strtoull(argv[2], &end, 10);
			if (*end != '\0' || ch.revoke == 0)
				usage(stderr, EX_USAGE);
		}
	}
	else if (contacts_command(argc, argv))
		;
	else if (strcmp(c, "delete-account") == 0 && argc == 1)
		ch.cmd = CMD_DELETE;
	else if (strcmp(c, "group") == 0)
		group_command(argc, argv);
	else if (strcmp(c, "history") == 0 && argc >= 2) {
		ch.cmd = CMD_HISTORY;
		ch.with = argv[1];
		ch.limit = 50;
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				ch.json = 1;
			else if (strcmp(argv[i], "--limit") == 0 &&
			    i + 1 < argc) {
				ch.limit = strtol(argv[++i], &end, 10);
				if (*end != '\0' || ch.limit < 1 ||
				    ch.limit > 100000)
					usage(stderr, EX_USAGE);
			} else if (strcmp(argv[i], "--before") == 0 &&
			    i + 1 < argc) {
				ch.before = strtoull(argv[++i], &end, 10);
				if (*end != '\0' || ch.before == 0)
					usage(stderr, EX_USAGE);
			} else
				usage(stderr, EX_USAGE);
		}
	}
	else if (strcmp(c, "visible") == 0 && argc == 2) {
		ch.cmd = CMD_SETTINGS;
		ch.cmdname = c;
		ch.set_mask = CPS_VISIBLE;
		if (!on_off(argv[1], CPS_VISIBLE, &ch.set_values))
			usage(stderr, EX_USAGE);
	} else if (strcmp(c, "settings") == 0 && argc % 2 == 1) {
		ch.cmd = CMD_SETTINGS;
		ch.cmdname = c;
		for (i = 1; i < argc; i += 2) {
			bit = strcmp(argv[i], "receipts") == 0 ? CPS_RECEIPTS :
			    strcmp(argv[i], "typing") == 0 ? CPS_TYPING : 0;
			if (bit == 0 || !on_off(argv[i + 1], bit,
			    &ch.set_values))
				usage(stderr, EX_USAGE);
			ch.set_mask |= bit;
		}
	} else if (strcmp(c, "contacts") == 0) {
		ch.cmd = CMD_CONTACTS;
		ch.cmdname = c;
		ch.op = CPC_LIST;
		if (argc == 3 && strcmp(argv[1], "add") == 0)
			ch.op = CPC_ADD;
		else if (argc == 3 && strcmp(argv[1], "del") == 0)
			ch.op = CPC_DEL;
		else if (argc != 1)
			usage(stderr, EX_USAGE);
		ch.contact = argc == 3 ? argv[2] : NULL;
	} else if (strcmp(c, "send") == 0) {
		ch.cmd = CMD_SEND;
		if (argc < 3)
			usage(stderr, EX_USAGE);
		ch.to = argv[1];
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--wait") == 0)
				ch.wait = CPR_DELIVERED;
			else if (strcmp(argv[i], "--read") == 0)
				ch.wait = CPR_READ;
			else if (strcmp(argv[i], "--lines") == 0)
				ch.lines = 1;
			else if (strcmp(argv[i], "--id") == 0 &&
			    i + 1 < argc) {
				ch.fixed_id = strtoull(argv[++i], &end, 10);
				if (*end != '\0' || ch.fixed_id == 0)
					usage(stderr, EX_USAGE);
			} else
				len += strlen(argv[i]) + 1;
		}
		if (ch.lines) {
			if (len != 0 || ch.wait || ch.fixed_id)
				usage(stderr, EX_USAGE);
			ch.text = read_stdin();
			return;
		}
		if (len == 0)
			usage(stderr, EX_USAGE);
		ch.text = xcalloc(1, len);
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--wait") == 0 ||
			    strcmp(argv[i], "--read") == 0)
				continue;
			if (strcmp(argv[i], "--id") == 0) {
				i++;
				continue;
			}
			if (ch.text[0] != '\0')
				strcat(ch.text, " ");
			strcat(ch.text, argv[i]);
		}
	} else if (strcmp(c, "listen") == 0) {
		ch.cmd = CMD_LISTEN;
		ch.timeout = 0;
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				ch.json = 1;
			else if (strcmp(argv[i], "--events") == 0)
				ch.events = 1;
			else if (strcmp(argv[i], "--count") == 0 &&
			    i + 1 < argc) {
				ch.count = strtol(argv[++i], &end, 10);
				if (*end != '\0' || ch.count < 1)
					usage(stderr, EX_USAGE);
			} else if (strcmp(argv[i], "--timeout") == 0 &&
			    i + 1 < argc) {
				ch.timeout = strtod(argv[++i], &end);
				if (*end != '\0' || ch.timeout <= 0)
					usage(stderr, EX_USAGE);
			} else
				usage(stderr, EX_USAGE);
		}
	} else
		usage(stderr, EX_USAGE);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "nick",	required_argument,	NULL, 'n' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct chatclient_conf	 conf;
	enum nick_err		 ne;
	struct chatclient_cb	 cb = { cb_state, cb_result, cb_accepted,
				    cb_receipt, cb_message, cb_roster,
				    cb_presence, cb_typing, NULL,
				    cb_devices, cb_settings, cb_history,
				    cb_sent, cb_read_upto,
				    cb_contacts_changed, cb_gmessage,
				    cb_group_info, cb_greceipt,
				    cb_group_changed, cb_ghistory };
	uint8_t			 token[CP_TOKEN_LEN];
	char			 err[256], *pw = NULL, *again;
	char			 host[256], device[80];
	double			 timeout = CHATC_TIMEOUT;
	int			 c, verbose = 0, have_token;
	char			*end;

	ch.server = getenv("CHAT_SERVER");
	while ((c = getopt_long(argc, argv, "+s:n:t:vhV", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 's':
			ch.server = optarg;
			break;
		case 'n':
			ch.nick = optarg;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end != '\0' || timeout <= 0)
				usage(stderr, EX_USAGE);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("chatc (%s) %s\n", SUITE_NAME, SUITE_VERSION);
			exit(0);
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (ch.server == NULL || ch.server[0] == '\0')
		ch.server = CHATCLIENT_DEFAULT_SERVER;
	if (ch.nick == NULL) {
		fprintf(stderr, "chatc: -n NICK is required\n");
		exit(EX_USAGE);
	}
	ch.timeout = timeout;
	parse_command(argc - optind, argv + optind);
	log_init("chatc", LOG_TO_STDERR, verbose);
	if (sodium_init() == -1) {
		fprintf(stderr, "chatc: libsodium failed to initialise\n");
		exit(EX_SOFTWARE);
	}
	/* A new name must meet today's rules; an existing one is found by
	 * the rules it was registered under. */
	if ((ne = ch.cmd == CMD_REGISTER ?
	    nick_normalize(ch.nick, strlen(ch.nick), NULL, ch.key) :
	    nick_lookup(ch.nick, strlen(ch.nick), NULL, ch.key)) != NICK_OK) {
		fprintf(stderr, "chatc: %s: invalid nickname (%s)\n", ch.nick,
		    nick_strerror(ne));
		exit(EX_DATAERR);
	}

	/* Credentials: the password if given, else this device's token. */
	have_token = token_load(ch.server, ch.key, token) == 1;
	if (ch.cmd == CMD_REGISTER || ch.cmd == CMD_PASSWD ||
	    ch.cmd == CMD_DELETE ||
	    getenv("CHAT_PASSWORD") != NULL || !have_token)
		pw = get_password("CHAT_PASSWORD", ch.cmd == CMD_PASSWD ?
		    "Current password: " : "Password: ");
	if (ch.cmd == CMD_REGISTER && getenv("CHAT_PASSWORD") == NULL) {
		again = get_password("CHAT_PASSWORD", "Again: ");
		if (strcmp(again, pw) != 0) {
			fprintf(stderr, "chatc: the passwords differ\n");
			exit(EX_USAGE);
		}
		free(again);
	}
	if (ch.cmd == CMD_DELETE)
		ch.oldpw = pw;
	if (ch.cmd == CMD_PASSWD) {
		ch.oldpw = pw;
		ch.newpw = get_password("CHAT_NEW_PASSWORD", "New password: ");
		if (getenv("CHAT_NEW_PASSWORD") == NULL) {
			again = get_password("CHAT_NEW_PASSWORD", "Again: ");
			if (strcmp(again, ch.newpw) != 0) {
				fprintf(stderr, "chatc: the passwords "
				    "differ\n");
				exit(EX_USAGE);
			}
			free(again);
		}
	}

	ch.loop = ev_default_loop(EVFLAG_AUTO);
	chatclient_conf_default(&conf);
	conf.server = ch.server;
	if (gethostname(host, sizeof host) == -1)
		strcpy(host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(device, sizeof device, "chatc on %.64s", host);
	conf.device = device;
	/* listen shows what this account does on its other devices. */
	conf.sync = ch.cmd == CMD_LISTEN;
	/* Only listen shows messages: the others must not take them. */
	conf.send_only = ch.cmd != CMD_LISTEN;
	/* A one-shot command waits for the server through restarts. */
	if ((ch.cc = chatclient_new(ch.loop, &conf, &cb, err, sizeof err)) ==
	    NULL) {
		fprintf(stderr, "chatc: %s: %s\n", ch.server, err);
		exit(EX_USAGE);
	}
	ch.save_token = ch.cmd != CMD_PASSWD && ch.cmd != CMD_DELETE;
	if (ch.cmd == CMD_REGISTER)
		c = chatclient_register(ch.cc, ch.nick, pw, 1);
	else if (pw != NULL)
		c = chatclient_login(ch.cc, ch.nick, pw, ch.save_token);
	else
		c = chatclient_login_token(ch.cc, ch.nick, token);
	sodium_memzero(token, sizeof token);
	if (c == -1) {
		fprintf(stderr, "chatc: password empty or longer than 255 "
		    "bytes\n");
		exit(EX_DATAERR);
	}
	if (ch.timeout > 0) {
		ev_timer_init(&ch.timer, timeout_cb, ch.timeout, 0.);
		ev_timer_start(ch.loop, &ch.timer);
	}
	ev_run(ch.loop, 0);

	chatclient_free(ch.cc);
	if (pw != NULL) {
		sodium_memzero(pw, strlen(pw));
		free(pw);
	}
	if (ch.newpw != NULL) {
		sodium_memzero(ch.newpw, strlen(ch.newpw));
		free(ch.newpw);
	}
	free(ch.text);
	free(ch.gtext);
	free(ch.line_ids);
	free(ch.line_text);
	ev_timer_stop(ch.loop, &ch.timer);
	ev_loop_destroy(ch.loop);
	return ch.rc;
}
