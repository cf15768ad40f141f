/* ui.c: drawing with ncursesw; see ui.h. */
#include <sys/ioctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "app.h"
#include "chat/chatproto.h"
#include "model.h"
#include "ui.h"
#include "width.h"
#include "base/xmalloc.h"

#define UI_PASTE_ON	"\033[?2004h"
#define UI_PASTE_OFF	"\033[?2004l"
#define UI_NARROW	40	/* below this the list and conversation take turns */

/* One message laid out for the conversation view. */
struct ui_item {
	char		*s;		/* time, nick, text and state, owned */
	size_t		 len;
	size_t		 tend;		/* end of the time */
	size_t		 nstart, nend;	/* the nickname */
	size_t		 sstart;	/* the state suffix, or len */
	int		 out;
	int		 event;		/* a group's event: drawn dim */
	int		 sep;		/* a day separator above it */
	char		 day[48];
	size_t		 rows;		/* text rows */
};

static const struct tuiconf	*ui_conf;
static int			 ui_colour;
static int			 ui_active;

/* Write a terminal control string straight out (bracketed paste). */
static void
ui_raw(const char *s)
{
	fflush(stdout);
	if (write(STDOUT_FILENO, s, strlen(s)) == -1)
		return;		/* nothing to be done about a lost terminal */
}

/* The attribute of an element, coloured or not. */
static attr_t
ui_attr(enum tuiconf_colour c)
{
	attr_t	mono[TUICONF_NCOLOURS] = { A_BOLD, A_BOLD, A_DIM, A_REVERSE,
		    A_BOLD, A_NORMAL, A_REVERSE };

	if (!ui_colour)
		return mono[c];
	if (c == TUICONF_C_STATUS && ui_conf->colour_num[c] == -1)
		return A_REVERSE;
	return COLOR_PAIR(c + 1) | (c == TUICONF_C_OWN ||
	    c == TUICONF_C_PEER ? A_BOLD : A_NORMAL);
}

/* Start curses. */
void
ui_init(const struct tuiconf *conf)
{
	const char	*nc = getenv("NO_COLOR");
	int		 i, fg, bg;

	ui_conf = conf;
	initscr();
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, FALSE);		/* keys.c reads the terminal */
	ui_colour = conf->colour && (nc == NULL || nc[0] == '\0') &&
	    has_colors();
	if (ui_colour) {
		start_color();
		use_default_colors();
		for (i = 0; i < TUICONF_NCOLOURS; i++) {
			fg = conf->colour_num[i];
			bg = -1;
			if (i == TUICONF_C_STATUS) {
				bg = fg;
				fg = COLOR_WHITE;
			}
			init_pair((short)(i + 1), (short)fg, (short)bg);
		}
	}
	ui_active = 1;
	ui_raw(UI_PASTE_ON);
}

/* Leave curses. */
void
ui_end(void)
{
	if (!ui_active)
		return;
	ui_active = 0;
	ui_raw(UI_PASTE_OFF);
	endwin();
	fflush(stdout);
}

/* Before Ctrl-Z stops us. */
void
ui_suspend(void)
{
	ui_raw(UI_PASTE_OFF);
	endwin();
	fflush(stdout);
}

/* After fg. */
void
ui_resume(void)
{
	ui_resize();
	ui_raw(UI_PASTE_ON);
}

/* Take the terminal's new size. */
void
ui_resize(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* Redraw every cell next time. */
void
ui_invalidate(void)
{
	clearok(curscr, TRUE);
}

/*
 * Put one cluster at y, x taking w columns.  Curses gets the base
 * character with the zero-width ones that follow it (combining marks,
 * variation selectors); the rest of an emoji sequence (the second person
 * of a ZWJ family, a skin tone, the second half of a flag) is left out:
 * terminals disagree on how wide those are (tmux 3.3 draws a skin-toned
 * thumb four columns wide), and a row that stays where width.c put it
 * matters more than the finer glyph.
 */
static void
ui_cluster(int y, int x, const char *s, size_t n, int w, attr_t attr)
{
	wchar_t		 wc[CCHARW_MAX + 1];
	cchar_t		 cc;
	size_t		 off = 0, k = 0, used;
	int32_t		 cp;

	if (!width_printable(s, n)) {
		mvaddch(y, x, (chtype)'?' | attr);
		return;
	}
	while (off < n && k < CCHARW_MAX) {
		used = width_decode(s + off, n - off, &cp);
		if (cp < 0 || (k > 0 && wcwidth((wchar_t)cp) != 0))
			break;
		wc[k++] = (wchar_t)cp;
		off += used;
	}
	/* A joiner left dangling would join whatever is drawn next. */
	while (k > 1 && wc[k - 1] == 0x200d)
		k--;
	wc[k] = L'\0';
	if (setcchar(&cc, wc, attr, 0, NULL) == ERR ||
	    mvadd_wch(y, x, &cc) == ERR)
		mvaddch(y, x, (chtype)'?' | attr);
	if (w == 2 && wcwidth(wc[0]) == 1)
		mvaddch(y, x + 1, ' ' | attr);	/* VS16 or a flag */
}

/*
 * Draw s[0..n) at y from x up to column xmax (exclusive); attr_at says
 * which attribute each byte has (NULL: attr).  Returns the column after.
 */
static int
ui_text(int y, int x, int xmax, const char *s, size_t n, attr_t attr,
    const struct ui_item *it, size_t base)
{
	size_t	off = 0, k;
	int	w;
	attr_t	a;

	while (off < n && x < xmax) {
		k = width_cluster(s + off, n - off, &w);
		if (s[off] == '\n') {
			off += k;
			continue;
		}
		if (x + w > xmax)
			break;
		a = attr;
		if (it != NULL) {
			size_t	at = base + off;

			if (at < it->tend)
				a = ui_attr(TUICONF_C_TIME);
			else if (at >= it->nstart && at < it->nend)
				a = ui_attr(it->out ? TUICONF_C_OWN :
				    TUICONF_C_PEER);
			else if (at >= it->sstart)
				a = ui_attr(TUICONF_C_TIME);
		}
		ui_cluster(y, x, s + off, k, w, a);
		x += w;
		off += k;
	}
	return x;
}

/* Fill y from x to xmax with blanks in attr. */
static void
ui_fill(int y, int x, int xmax, attr_t attr)
{
	for (; x < xmax; x++)
		mvaddch(y, x, ' ' | attr);
}

/* The local calendar day of a time, as a number and as text. */
static long
ui_day(uint64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	if (buf != NULL)
		strftime(buf, len, "%a %d %b %Y", &tm);
	return (long)(tm.tm_year * 400 + tm.tm_yday);
}

/* Format a time with the configured strftime format (a user's choice, so not a literal). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
ui_time(const char *fmt, const struct tm *tm, char *buf, size_t len)
{
	if (strftime(buf, len, fmt, tm) == 0)
		buf[0] = '\0';
}
#pragma GCC diagnostic pop

/* Lay out the open conversation's messages for width cols. */
static struct ui_item *
ui_items(const struct app *a, size_t cols, size_t **heights)
{
	const struct model_conv	*c = a->model.open;
	const struct model_msg	*m;
	struct ui_item		*items, *it;
	char			 tbuf[64], st[64], *ev;
	const char		*nick;
	time_t			 t;
	struct tm		 tm;
	size_t			 i, n = c->nmsgs, tl, nl;
	long			 day, prev = -1;

	items = xcalloc(n + 1, sizeof *items);
	*heights = xcalloc(n + 1, sizeof **heights);
	for (i = 0; i < n; i++) {
		m = &c->msgs[i];
		it = &items[i];
		t = (time_t)(m->time_ms / 1000);
		localtime_r(&t, &tm);
		ui_time(a->conf->time_format, &tm, tbuf, sizeof tbuf);
		/* In a group, who wrote each; an event is a line of its own. */
		nick = m->out ? a->model.self : m->from != NULL ? m->from :
		    c->nick;
		app_state_text(m, st, sizeof st);
		tl = strlen(tbuf);
		nl = strlen(nick);
		if (m->event != 0) {
			ev = xmalloc(m->len + 2 * NICK_MAX_BYTES + 64);
			app_event_text(m, ev, m->len + 2 * NICK_MAX_BYTES + 64);
			xasprintf(&it->s, "%s %s", tbuf, ev);
			free(ev);
			nl = 0;
		} else if (m->out)
			xasprintf(&it->s, "%s %s: %s (%s)", tbuf, nick,
			    m->text, st);
		else
			xasprintf(&it->s, "%s %s: %s", tbuf, nick, m->text);
		it->len = strlen(it->s);
		it->tend = tl;
		it->nstart = tl + 1;
		it->nend = tl + 1 + nl;
		it->sstart = m->out && m->event == 0 ? tl + 3 + nl + m->len :
		    it->len;
		it->out = m->out;
		it->event = m->event != 0;
		day = ui_day(m->time_ms, it->day, sizeof it->day);
		it->sep = day != prev;
		prev = day;
		it->rows = width_wrap(it->s, it->len, cols, NULL, 0);
		(*heights)[i] = it->rows + (size_t)it->sep;
	}
	return items;
}

/* Free a layout. */
static void
ui_items_free(struct ui_item *items, size_t n, size_t *heights)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(items[i].s);
	free(items);
	free(heights);
}

/* Draw a line centred between x0 and x1 with dashes around it. */
static void
ui_banner(int y, int x0, int x1, const char *text, attr_t attr)
{
	size_t	tw = width_str(text, strlen(text)), span = (size_t)(x1 - x0);
	int	x;

	ui_fill(y, x0, x1, A_NORMAL);
	for (x = x0; x < x1; x++)
		mvaddch(y, x, '-' | (attr & ~A_REVERSE));
	if (tw + 2 <= span) {
		x = x0 + (int)((span - tw - 2) / 2);
		mvaddch(y, x, ' ' | attr);
		x = ui_text(y, x + 1, x1, text, strlen(text), attr, NULL, 0);
		if (x < x1)
			mvaddch(y, x, ' ' | attr);
	} else
		ui_text(y, x0, x1, text, strlen(text), attr, NULL, 0);
}

/* The layout of the screen. */
struct ui_geom {
	int	h, w;
	int	main_rows;	/* rows of the list and conversation */
	int	notice_y;	/* the notice's row above the status bar, or -1 */
	int	status_y;
	int	input_y, input_rows;
	int	list_w;		/* 0: no list; w: only the list */
	int	conv_x;		/* first column of the conversation */
	int	conv_y;		/* its first row: 1 under a group's header */
	int	members_w;	/* the member list at the right (F2), or 0 */
};

#define UI_MEMBERS_W	20	/* columns of the member list */

/* Work out where everything goes. */
static void
ui_geom(const struct app *a, struct ui_geom *g, size_t erows)
{
	int	maxin;

	g->h = LINES;
	g->w = COLS;
	maxin = g->h / 3;
	if (maxin < 1)
		maxin = 1;
	if (maxin > 8)
		maxin = 8;
	g->input_rows = (int)erows < maxin ? (int)erows : maxin;
	if (g->input_rows < 1)
		g->input_rows = 1;
	g->input_y = g->h - g->input_rows;
	g->status_y = g->input_y - 1;
	g->main_rows = g->status_y;
	/* A notice has a row of its own, so the status bar never hides it. */
	g->notice_y = -1;
	if (a->model.notice[0] != '\0' && g->main_rows > 1)
		g->notice_y = --g->main_rows;
	if (g->w >= 60)
		g->list_w = a->conf->list_width;
	else if (g->w >= UI_NARROW)
		g->list_w = g->w / 4 < 10 ? 10 : g->w / 4;
	else
		g->list_w = a->focus == APP_FOCUS_LIST ||
		    a->model.open == NULL ? g->w : 0;
	if (g->list_w > g->w)
		g->list_w = g->w;
	g->conv_x = g->list_w;
	/* A group's header, and its members if there is room for them. */
	g->conv_y = a->model.open != NULL && a->model.open->group &&
	    g->main_rows > 2 ? 1 : 0;
	g->members_w = app_members_shown(a) &&
	    g->w - g->conv_x >= UI_MEMBERS_W + 20 ? UI_MEMBERS_W : 0;
}

/* The contact list. */
static void
ui_list(const struct app *a, const struct ui_geom *g)
{
	struct model_conv	**list, **rows, *cur = app_current(a);
	const struct model_conv	*c;
	size_t			  n, nr = 0, i, first = 0, sel = 0;
	int			  y, xmax = g->list_w < g->w ? g->list_w - 1 :
				    g->w, x, uw, head;
	char			  unread[24];
	attr_t			  attr, mark;
	chtype			  m;

	if (g->list_w == 0 || g->main_rows <= 0)
		return;
	if (xmax < g->w)
		for (y = 0; y < g->main_rows; y++)
			mvaddch(y, xmax, ACS_VLINE);
	n = app_list(a, NULL, 0);
	list = xreallocarray(NULL, n + 1, sizeof *list);
	n = app_list(a, list, n);
	if (n == 0) {
		ui_text(0, 0, xmax, "(no contacts yet: /add NICK)", 28, A_DIM,
		    NULL, 0);
		free(list);
		return;
	}
	/* The rows: the contacts, then a "Requests" heading (NULL) and them. */
	rows = xreallocarray(NULL, n + 1, sizeof *rows);
	for (i = 0, head = 0; i < n; i++) {
		if (list[i]->request && !list[i]->contact && !head) {
			rows[nr++] = NULL;
			head = 1;
		}
		if (list[i] == cur)
			sel = nr;
		rows[nr++] = list[i];
	}
	if (sel >= (size_t)g->main_rows)
		first = sel - (size_t)g->main_rows + 1;
	for (i = first, y = 0; i < nr && y < g->main_rows; i++, y++) {
		if ((c = rows[i]) == NULL) {
			ui_text(y, 0, xmax, "Requests", 8,
			    ui_attr(TUICONF_C_MARKER) | A_BOLD, NULL, 0);
			continue;
		}
		attr = A_NORMAL;
		if (c == cur && a->focus == APP_FOCUS_LIST)
			attr = A_REVERSE;
		else if (c == a->model.open)
			attr = A_BOLD;
		ui_fill(y, 0, xmax, attr);
		switch (c->presence) {
		case MODEL_ONLINE:
			m = '+';
			mark = ui_attr(TUICONF_C_ONLINE);
			break;
		case MODEL_AWAY:
			m = '~';
			mark = ui_attr(TUICONF_C_AWAY);
			break;
		default:
			m = ' ';
			mark = A_NORMAL;
			break;
		}
		mvaddch(y, 0, m | mark | attr);
		unread[0] = '\0';
		if (c->unread > 0)
			snprintf(unread, sizeof unread, " %zu", c->unread);
		uw = (int)strlen(unread);
		if (2 + uw > xmax)
			uw = 0;
		x = ui_text(y, 2, xmax - uw, c->nick, strlen(c->nick), attr,
		    NULL, 0);
		(void)x;
		if (uw > 0)
			ui_text(y, xmax - uw, xmax, unread, (size_t)uw,
			    attr | A_BOLD, NULL, 0);
	}
	free(rows);
	free(list);
}

/*
 * With no conversation open and a request highlighted: who asks, what
 * they wrote, and what the keys do.
 */
static void
ui_request(const struct app *a, const struct ui_geom *g,
    const struct model_conv *c)
{
	struct width_line	 wl[8];
	char			*s;
	size_t			 cols = (size_t)(g->w - g->conv_x), i, nr, r;
	int			 y = 0;

	if (c->group) {
		xasprintf(&s, "You are invited to %s.  Enter joins it; Delete "
		    "declines; /query %s looks first.", c->nick, c->nick);
		nr = width_wrap(s, strlen(s), cols, wl, 8);
		for (r = 0; r < nr && r < 8 && y < g->main_rows; r++)
			ui_text(y++, g->conv_x, g->w, s + wl[r].off, wl[r].len,
			    A_BOLD, NULL, 0);
		free(s);
		return;
	}
	xasprintf(&s, "%s asks to be your contact (you share presence "
	    "once you accept).", c->nick);
	nr = width_wrap(s, strlen(s), cols, wl, 8);
	for (r = 0; r < nr && r < 8 && y < g->main_rows; r++)
		ui_text(y++, g->conv_x, g->w, s + wl[r].off, wl[r].len,
		    A_BOLD, NULL, 0);
	free(s);
	/* Their last few messages, one row each. */
	i = c->nmsgs > 3 ? c->nmsgs - 3 : 0;
	for (; i < c->nmsgs && y < g->main_rows; i++) {
		if (c->msgs[i].out)
			continue;
		xasprintf(&s, "%s: %s", c->nick, c->msgs[i].text);
		ui_text(y++, g->conv_x, g->w, s, strcspn(s, "\n"), A_NORMAL,
		    NULL, 0);
		free(s);
	}
	xasprintf(&s, "Enter accepts; Delete declines (they are not told); "
	    "/block %s stops them; /query %s reads without answering.",
	    c->nick, c->nick);
	nr = width_wrap(s, strlen(s), cols, wl, 8);
	for (r = 0, y++; r < nr && r < 8 && y < g->main_rows; r++)
		ui_text(y++, g->conv_x, g->w, s + wl[r].off, wl[r].len,
		    A_DIM, NULL, 0);
	free(s);
}

/* A group's header line: its name and topic, or what is missing. */
static void
ui_header(const struct app *a, const struct ui_geom *g,
    const struct model_conv *c, int xe)
{
	char	*s;

	if (!c->member)
		xasprintf(&s, "%s: you are not in it%s", c->nick, c->invited ?
		    " (invited: /accept joins)" : "");
	else if (c->topic != NULL)
		xasprintf(&s, "%s: %s", c->nick, c->topic);
	else
		xasprintf(&s, "%s (no topic; F2 members; /help)", c->nick);
	ui_fill(0, g->conv_x, xe, ui_attr(TUICONF_C_MARKER) | A_BOLD);
	ui_text(0, g->conv_x, xe, s, strcspn(s, "\n"),
	    ui_attr(TUICONF_C_MARKER) | A_BOLD, NULL, 0);
	free(s);
}

/* The member list (F2) at the right of the conversation, from xe. */
static void
ui_members(const struct ui_geom *g, const struct model_conv *c, int xe)
{
	char		head[32];
	const char	*role;
	size_t		i;
	int		y, rw;

	for (y = 0; y < g->main_rows; y++)
		mvaddch(y, xe, ACS_VLINE);
	snprintf(head, sizeof head, "Members (%zu)", c->nmembers);
	ui_text(0, xe + 1, g->w, head, strlen(head),
	    ui_attr(TUICONF_C_MARKER) | A_BOLD, NULL, 0);
	for (i = 0, y = 1; i < c->nmembers && y < g->main_rows; i++, y++) {
		if (c->members[i].flags & CPGM_ONLINE)
			mvaddch(y, xe + 1, '+' | ui_attr(TUICONF_C_ONLINE));
		role = c->members[i].flags & CPGM_OWNER ? "owner" :
		    c->members[i].flags & CPGM_ADMIN ? "admin" :
		    c->members[i].flags & CPGM_INVITED ? "invited" : "";
		rw = (int)strlen(role);
		ui_text(y, xe + 3, g->w - (rw > 0 ? rw + 1 : 0),
		    c->members[i].nick, strlen(c->members[i].nick), A_NORMAL,
		    NULL, 0);
		if (rw > 0)
			ui_text(y, g->w - rw, g->w, role, (size_t)rw, A_DIM,
			    NULL, 0);
	}
}

/* The open conversation, or the help, or a hint. */
static void
ui_conv(struct app *a, const struct ui_geom *g)
{
	struct model_conv	*c = a->model.open, *cur;
	struct ui_item		*items;
	struct width_line	*rows;
	struct scroll_pos	 p;
	size_t			*h, cols, height, nr, r, i, first = 0, last = 0;
	int			 x0 = g->conv_x, y, marker, shown = 0;
	char			 buf[96];
	const char		*hint = a->model.nconvs == 0 ?
				    "No contacts yet: type /add and a "
				    "nickname, then Enter.  F1 or /help lists "
				    "the keys." :
				    "Enter opens the highlighted contact; "
				    "Up/Down move; type part of a name to find "
				    "one; / starts a command.  F1 or /help "
				    "lists the keys.";

	int			 xe = g->w - g->members_w, y0 = g->conv_y;

	if (x0 >= g->w || g->main_rows <= 0)
		return;
	cols = (size_t)(xe - x0);
	if (c == NULL && (cur = app_current(a)) != NULL &&
	    ((cur->request && !cur->contact) || (cur->group &&
	    cur->invited && !cur->member)) && a->focus == APP_FOCUS_LIST) {
		ui_request(a, g, cur);
		return;
	}
	if (c == NULL) {
		struct width_line	hr[16];

		nr = width_wrap(hint, strlen(hint), cols, hr, 16);
		for (r = 0; r < nr && r < 16 && (int)r < g->main_rows; r++)
			ui_text((int)r, x0, g->w, hint + hr[r].off, hr[r].len,
			    A_DIM, NULL, 0);
		return;
	}
	if (y0 > 0)
		ui_header(a, g, c, xe);
	if (g->members_w > 0)
		ui_members(g, c, xe);
	items = ui_items(a, cols, &h);
	marker = scroll_marker(&c->scroll) && g->main_rows - y0 > 1;
	height = (size_t)(g->main_rows - y0 - marker);
	p = scroll_top(&c->scroll, h, c->nmsgs, height);
	y = 0;
	for (i = p.item; i < c->nmsgs && y < (int)height; i++) {
		struct ui_item	*it = &items[i];

		r = p.item == i ? p.row : 0;
		if (it->sep) {
			if (r == 0) {
				ui_banner(y0 + y++, x0, xe, it->day,
				    ui_attr(TUICONF_C_MARKER));
				if (y >= (int)height) {
					if (!shown)
						first = i;
					last = i;
					shown = 1;
					break;
				}
			} else
				r--;
		}
		rows = xreallocarray(NULL, it->rows, sizeof *rows);
		width_wrap(it->s, it->len, cols, rows, it->rows);
		for (; r < it->rows && y < (int)height; r++, y++)
			ui_text(y0 + y, x0, xe, it->s + rows[r].off,
			    rows[r].len, it->event ? A_DIM : A_NORMAL, it,
			    rows[r].off);
		free(rows);
		if (!shown)
			first = i;
		last = i;
		shown = 1;
	}
	if (marker) {
		snprintf(buf, sizeof buf, "%zu new below (PageDown)",
		    c->scroll.unseen);
		ui_banner(g->main_rows - 1, x0, xe, buf,
		    ui_attr(TUICONF_C_MARKER));
	}
	/* PageUp ran past what is held: older messages are on their way. */
	if (app_loading_older(a))
		ui_banner(y0, x0, xe, "loading older messages\xe2\x80\xa6",
		    ui_attr(TUICONF_C_MARKER));
	ui_items_free(items, c->nmsgs, h);
	/* Messages on screen have been read, if this is the latest. */
	if (shown && c->scroll.follow)
		app_seen(a, first, last);
	else if (shown)
		app_seen(a, first, last > first ? last - 1 : first);
}

/* The help, over the list and the conversation. */
static void
ui_help(const struct ui_geom *g)
{
	int	y;

	for (y = 0; app_help[y] != NULL && y < g->main_rows; y++)
		ui_text(y, 0, g->w, app_help[y], strlen(app_help[y]),
		    A_NORMAL, NULL, 0);
}

/* The status bar. */
static void
ui_status(const struct app *a, const struct ui_geom *g)
{
	const struct model_conv	*c = a->model.open;
	const char		*st = "offline";
	char			 buf[1024], hint[128];
	size_t			 off = 0, q = model_outbox(&a->model), nreq;
	int			 hw;
	attr_t			 attr = ui_attr(TUICONF_C_STATUS);
	struct timespec		 ts;
	uint64_t		 now;

	if (g->status_y < 0)
		return;
	switch (a->model.conn) {
	case MODEL_CONN_OFFLINE:	st = "disconnected"; break;
	case MODEL_CONN_CONNECTING:	st = "connecting"; break;
	case MODEL_CONN_LOGGING_IN:	st = "logging in"; break;
	case MODEL_CONN_READY:		st = "connected"; break;
	case MODEL_CONN_FAILED:		st = "failed"; break;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	/* A service of several nodes: the one logged in on, not the list. */
	if (a->model.nodes > 1)
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    "[%s] %s@%s (node %zu/%zu)", st, a->model.self[0] != '\0' ?
		    a->model.self : "?", a->model.node, a->model.node_i + 1,
		    a->model.nodes);
	else
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    "[%s] %s@%s", st, a->model.self[0] != '\0' ?
		    a->model.self : "?", a->model.server);
	if ((nreq = app_requests(a)) > 0 && off < sizeof buf)
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    " | %zu request%s", nreq, nreq == 1 ? "" : "s");
	/* Counted down by the once-a-second redraw; first, so
	 * that a narrow screen shows it. */
	if (a->model.conn == MODEL_CONN_OFFLINE && a->model.retry_at_ms > now &&
	    off < sizeof buf)
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    " | reconnecting in %llu s", (unsigned long long)
		    ((a->model.retry_at_ms - now + 999) / 1000));
	if (c != NULL && off < sizeof buf) {
		char	seen[64] = "";

		if (c->presence == MODEL_OFFLINE && c->last_seen_ms != 0) {
			time_t		t = (time_t)(c->last_seen_ms / 1000);
			struct tm	tm;

			localtime_r(&t, &tm);
			strftime(seen, sizeof seen, ", seen %d %b %H:%M", &tm);
		}
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    " | %s%s%s%s%s", c->nick,
		    c->presence == MODEL_ONLINE ? " (online" :
		    c->presence == MODEL_AWAY ? " (away" :
		    c->presence == MODEL_OFFLINE ? " (offline" : "", seen,
		    c->presence == MODEL_UNKNOWN ? "" : ")",
		    c->typing_until_ms > now ? " typing..." : "");
	}
	if (q > 0 && off < sizeof buf)
		off += (size_t)snprintf(buf + off, sizeof buf - off,
		    " | %zu queued", q);
	if (a->model.notice[0] != '\0' && g->notice_y < 0 && off < sizeof buf)
		off += (size_t)snprintf(buf + off, sizeof buf - off, " | %s",
		    a->model.notice);
	if (a->model.conn != MODEL_CONN_READY && a->model.conn_why[0] != '\0' &&
	    strcmp(a->model.conn_why, st) != 0 && off < sizeof buf)
		off += (size_t)snprintf(buf + off, sizeof buf - off, " | %s",
		    a->model.conn_why);
	if (off >= sizeof buf)
		off = sizeof buf - 1;
	/* What Enter does, on the right: it wins over the rest if narrow. */
	app_hint(a, hint, sizeof hint);
	hw = (int)width_str(hint, strlen(hint));
	if (hw > g->w)
		hw = g->w;
	ui_fill(g->status_y, 0, g->w, attr);
	/* A stump of the rest would say nothing: all of it, or none. */
	if (g->w - hw - 1 >= 12)
		ui_text(g->status_y, 0, g->w - hw - 1, buf, off, attr, NULL,
		    0);
	ui_text(g->status_y, g->w - hw, g->w, hint, strlen(hint),
	    attr | A_BOLD, NULL, 0);
}

/* The input line, and where the cursor goes. */
static void
ui_input(const struct app *a, const struct ui_geom *g, int *cy, int *cx)
{
	struct width_line	*rows;
	const char		*prompt = "> ";
	char			 stars[64];
	size_t			 pw, cols, n, crow, ccol, first = 0, r, i;

	switch (a->prompt) {
	case APP_PROMPT_NICK:		prompt = "nickname: "; break;
	case APP_PROMPT_PASSWORD:	prompt = "password: "; break;
	case APP_PROMPT_PASSWORD_AGAIN:	prompt = "password again: "; break;
	case APP_PROMPT_PASSWD_OLD:	prompt = "old password: "; break;
	case APP_PROMPT_PASSWD_NEW:	prompt = "new password: "; break;
	case APP_PROMPT_REGISTER:
	case APP_PROMPT_CONFIRM:
	case APP_PROMPT_LEAVE:
	case APP_PROMPT_GROUP:		prompt = a->question; break;
	case APP_PROMPT_NONE:
		break;
	}
	pw = width_str(prompt, strlen(prompt));
	if ((int)pw >= g->w)
		pw = (size_t)(g->w > 1 ? g->w - 1 : 0);
	for (r = 0; (int)r < g->input_rows; r++)
		ui_fill(g->input_y + (int)r, 0, g->w, A_NORMAL);
	ui_text(g->input_y, 0, (int)pw, prompt, strlen(prompt), A_BOLD, NULL, 0);
	*cy = g->input_y;
	*cx = (int)pw;
	cols = (size_t)g->w - pw;
	if (cols == 0)
		return;
	if (a->prompt == APP_PROMPT_REGISTER || a->prompt == APP_PROMPT_CONFIRM ||
	    a->prompt == APP_PROMPT_LEAVE || a->prompt == APP_PROMPT_GROUP)
		return;
	if (a->prompt != APP_PROMPT_NONE) {
		/* A secret shows as stars; a nickname as itself. */
		if (a->prompt == APP_PROMPT_NICK) {
			*cx = ui_text(g->input_y, (int)pw, g->w, a->secret.buf,
			    a->secret.len, A_NORMAL, NULL, 0);
			return;
		}
		n = width_str(a->secret.buf, a->secret.len);
		if (n >= sizeof stars)
			n = sizeof stars - 1;
		memset(stars, '*', n);
		*cx = ui_text(g->input_y, (int)pw, g->w, stars, n, A_NORMAL,
		    NULL, 0);
		return;
	}
	n = edit_layout(&a->edit, cols, NULL, 0, &crow, &ccol);
	rows = xreallocarray(NULL, n, sizeof *rows);
	edit_layout(&a->edit, cols, rows, n, &crow, &ccol);
	if (crow >= (size_t)g->input_rows)
		first = crow - (size_t)g->input_rows + 1;
	for (i = 0, r = first; (int)i < g->input_rows && r < n; i++, r++)
		ui_text(g->input_y + (int)i, (int)pw, g->w,
		    a->edit.buf + rows[r].off, rows[r].len, A_NORMAL, NULL, 0);
	free(rows);
	*cy = g->input_y + (int)(crow - first);
	*cx = (int)(pw + ccol);
	if (*cx >= g->w)
		*cx = g->w - 1;
}

/* Rows the input line wants. */
static size_t
ui_input_rows(const struct app *a)
{
	struct width_line	rows[1];
	size_t			crow, ccol;

	if (a->prompt != APP_PROMPT_NONE || COLS <= 3)
		return 1;
	return edit_layout(&a->edit, (size_t)COLS - 2, rows, 0, &crow, &ccol);
}

/* Draw everything. */
void
ui_draw(struct app *a)
{
	struct ui_geom	g;
	int		cy = 0, cx = 0;
	const char	*small = "chat-tui: terminal too small";

	erase();
	if (LINES < 3 || COLS < 10) {
		ui_text(0, 0, COLS, small, strlen(small), A_NORMAL, NULL, 0);
		move(0, 0);
		refresh();
		return;
	}
	ui_geom(a, &g, ui_input_rows(a));
	if (a->help)
		ui_help(&g);
	else {
		ui_list(a, &g);
		if (g.conv_x < g.w)
			ui_conv(a, &g);
	}
	if (g.notice_y >= 0)
		ui_text(g.notice_y, 0, g.w, a->model.notice,
		    strlen(a->model.notice), A_BOLD, NULL, 0);
	ui_status(a, &g);
	ui_input(a, &g, &cy, &cx);
	if (a->bell) {
		beep();
		a->bell = 0;
	}
	move(cy, cx);
	curs_set(1);
	refresh();
}

/* Page the open conversation with the current geometry; 1 if its top is in view. */
int
ui_page(struct app *a, int dir)
{
	struct model_conv	*c = a->model.open;
	struct ui_geom		 g;
	struct ui_item		*items;
	struct scroll_pos	 p;
	size_t			*h, height, page;

	if (c == NULL || LINES < 3 || COLS < 10)
		return 0;
	ui_geom(a, &g, ui_input_rows(a));
	if (g.conv_x >= g.w || g.main_rows < 1)
		return 0;
	items = ui_items(a, (size_t)(g.w - g.members_w - g.conv_x), &h);
	if (g.main_rows - g.conv_y < 1) {
		ui_items_free(items, c->nmsgs, h);
		return 0;
	}
	height = (size_t)(g.main_rows - g.conv_y);
	if (!c->scroll.follow && height > 1)
		height--;	/* the marker row */
	page = height > 1 ? height - 1 : 1;
	if (dir < 0)
		scroll_up(&c->scroll, h, c->nmsgs, height, page);
	else
		scroll_down(&c->scroll, h, c->nmsgs, height, page);
	p = scroll_top(&c->scroll, h, c->nmsgs, height);
	ui_items_free(items, c->nmsgs, h);
	return p.item == 0 && p.row == 0;
}
