/*
 * chat-tui: the terminal chat client.
 *
 * Start-up in dependency order: locale, command line, configuration, the
 * log file, signals, the terminal, the app and its link to chatd; shut-
 * down in reverse.  The terminal is given back on every way out: a
 * normal quit, Ctrl-C, SIGTERM and SIGHUP (through the loop), exit() and
 * fatal() (atexit), and a crash (a handler that only does what is
 * async-signal-safe).  Ctrl-Z hands the terminal back before stopping
 * and takes it again after fg.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "keys.h"
#include "base/conf.h"
#include "base/log.h"
#include "net.h"
#include "tuiconf.h"
#include "ui.h"
#include "base/version.h"

#define MAIN_ESC_DELAY	0.05	/* seconds a lone Escape waits for more */

enum {
	OPT_CONFIGTEST = 256,
};

static struct tuiconf	 conf;
static struct app	 app;
static struct keys	 keys;
static struct termios	 main_termios;	/* the terminal as we found it */
static int		 main_have_termios;
static int		 main_stderr = -1;	/* the real stderr while curses runs */
static int		 main_dirty = 1;
static ev_io		 main_tty;
static ev_timer		 main_esc;
static ev_timer		 main_tick;
static ev_prepare	 main_prep;
static ev_signal	 main_sig[7];

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	char	defpath[256];

	fprintf(f,
"usage: chat-tui [-hV] [-s HOST[:PORT][,...]] [-n NICK] [-c FILE] "
"[--configtest]\n"
"Chat through chatd in the terminal: pick a contact, type, press Enter.\n"
"\n"
"  -s, --server HOST[:PORT][,HOST[:PORT]...]\n"
"                       the chat server (default: $CHAT_SERVER, else the\n"
"                       config's server, else localhost:8081); a list, or a\n"
"                       name with several addresses, is one service on\n"
"                       several nodes: the status bar shows the node in\n"
"                       use, and the next is tried when it stops answering\n"
"  -n, --nick NICK      your nickname (default: the config's; else asked)\n"
"  -c, --config FILE    configuration file (default\n"
"                       $XDG_CONFIG_HOME/chat-tui/chat-tui.ini if it exists,\n"
"                       else %s)\n"
"      --configtest     check the configuration and exit\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"The password comes from $CHAT_PASSWORD, else it is asked for once; the\n"
"server then gives this device a token.  Conversations are kept under\n"
"$XDG_DATA_HOME/chat-tui, the log in $XDG_STATE_HOME/chat-tui/chat-tui.log.\n"
"In the program, /help lists the keys and commands.\n",
	    conf_default_path("chat-tui", defpath, sizeof defpath));
	exit(code);
}

/* Put the terminal back from a crash: only async-signal-safe calls. */
static void
main_crash(int sig)
{
	static const char	reset[] = "\033[?2004l\033[?1049l\033[?25h"
				    "\033[0m\r\n";

	if (write(STDOUT_FILENO, reset, sizeof reset - 1) == -1) {
		/* Nothing more can be done for the terminal. */
	}
	if (main_have_termios)
		tcsetattr(STDIN_FILENO, TCSANOW, &main_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* atexit: whatever way the program ends, the terminal is restored. */
static void
main_restore(void)
{
	ui_end();
	if (main_have_termios)
		tcsetattr(STDIN_FILENO, TCSANOW, &main_termios);
	if (main_stderr != -1) {
		dup2(main_stderr, STDERR_FILENO);
		close(main_stderr);
		main_stderr = -1;
	}
}

/*
 * Send stderr, and so lib/base/log.c and the sanitizers, to a file while
 * curses owns the screen: $XDG_STATE_HOME/chat-tui/chat-tui.log, or
 * nowhere if that cannot be made.
 */
static void
main_logfile(void)
{
	const char	*x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char		 dir[4096], path[4200];
	int		 fd = -1, n = -1;

	if (x != NULL && x[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/chat-tui", x);
	else if (home != NULL && home[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/.local/state/chat-tui",
		    home);
	if (n > 0 && (size_t)n < sizeof dir) {
		char	*p;

		for (p = dir + 1; *p != '\0'; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		mkdir(dir, 0700);
		snprintf(path, sizeof path, "%s/chat-tui.log", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
	}
	if (fd == -1)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	main_stderr = dup(STDERR_FILENO);
	if (fd != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

/* Hand a decoded key to the app, or to the screen for what needs it. */
static void
main_key(const struct keys_event *ev, void *arg)
{
	const struct tuiconf	*c = &conf;

	if (ev->key == c->key[TUICONF_REDRAW] &&
	    ev->mods == c->key_mods[TUICONF_REDRAW]) {
		ui_invalidate();
		return;
	}
	app_key(&app, ev);
}

/* The terminal has bytes. */
static void
main_tty_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	char	buf[4096];
	ssize_t	n;

	n = read(STDIN_FILENO, buf, sizeof buf);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The terminal has gone. */
		app.quit = 1;
		return;
	}
	ev_timer_stop(loop, &main_esc);
	keys_feed(&keys, buf, (size_t)n, main_key, NULL);
	if (keys_pending(&keys)) {
		ev_timer_set(&main_esc, MAIN_ESC_DELAY, 0.);
		ev_timer_start(loop, &main_esc);
	}
	main_dirty = 1;
}

/* A lone Escape, or the start of a sequence that never finished. */
static void
main_esc_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	keys_timeout(&keys, main_key, NULL);
	main_dirty = 1;
}

/* Once a second: typing notices expire, the clock moves on, history
 * requests held back by pacing go out. */
static void
main_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	app_tick(&app);
	main_dirty = 1;
}

/* Before the loop waits: draw what changed, or stop. */
static void
main_prep_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	if (app.quit) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	if (main_dirty || app.changed) {
		ui_draw(&app);
		main_dirty = 0;
		app.changed = 0;
	}
}

/* Signals, in the loop. */
static void
main_sig_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	switch (w->signum) {
	case SIGWINCH:
		ui_resize();
		break;
	case SIGTSTP:
		/* Give the terminal back, stop, and take it again on fg. */
		ui_suspend();
		kill(getpid(), SIGSTOP);
		ui_resume();
		break;
	case SIGCONT:
		ui_resize();
		break;
	default:
		log_info("signal %d: quitting", w->signum);
		app.quit = 1;
		break;
	}
	main_dirty = 1;
}

/* Make sure text is read and written as UTF-8. */
static void
main_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0 &&
	    setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "server",	required_argument, NULL, 's' },
		{ "nick",	required_argument, NULL, 'n' },
		{ "config",	required_argument, NULL, 'c' },
		{ "configtest",	no_argument,	   NULL, OPT_CONFIGTEST },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH,
				    SIGTSTP, SIGCONT, SIGQUIT };
	static const int	 crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
				    SIGABRT };
	struct ev_loop		*loop;
	struct net		*net;
	const char		*server = NULL, *nick = NULL, *cfile = NULL;
	const char		*env;
	char			 pathbuf[4096], err[512];
	int			 ch, configtest = 0;
	size_t			 i;

	main_locale();
	log_init(argv[0], LOG_TO_STDERR, 0);
	while ((ch = getopt_long(argc, argv, "s:n:c:hV", longopts, NULL)) != -1)
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'n':
			nick = optarg;
			break;
		case 'c':
			cfile = optarg;
			break;
		case OPT_CONFIGTEST:
			configtest = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("chat-tui (%s) %s\n", SUITE_NAME, SUITE_VERSION);
			return 0;
		default:
			usage(stderr, EX_USAGE);
		}
	if (optind != argc)
		usage(stderr, EX_USAGE);

	tuiconf_defaults(&conf);
	if (cfile == NULL)
		cfile = tuiconf_path(pathbuf, sizeof pathbuf);
	if (tuiconf_load(cfile, cfile == pathbuf, &conf, err,
	    sizeof err) == -1) {
		fprintf(stderr, "chat-tui: %s\n", err);
		return EX_CONFIG;
	}
	if (server == NULL && (env = getenv("CHAT_SERVER")) != NULL &&
	    env[0] != '\0')
		server = env;
	if (server != NULL)
		snprintf(conf.server, sizeof conf.server, "%s", server);
	if (nick != NULL) {
		snprintf(conf.nickname, sizeof conf.nickname, "%s", nick);
		if (tuiconf_check("-n", &conf, err, sizeof err) == -1) {
			fprintf(stderr, "chat-tui: %s\n", err);
			return EX_USAGE;
		}
	}
	if (configtest) {
		fprintf(stderr, "chat-tui: %s: configuration OK\n", cfile);
		return 0;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "chat-tui: needs a terminal\n");
		return EX_USAGE;
	}

	if (sodium_init() < 0) {
		fprintf(stderr, "chat-tui: libsodium does not start\n");
		return EX_SOFTWARE;
	}
	if (tcgetattr(STDIN_FILENO, &main_termios) == 0)
		main_have_termios = 1;
	atexit(main_restore);
	for (i = 0; i < sizeof crash / sizeof crash[0]; i++)
		signal(crash[i], main_crash);
	main_logfile();
	log_info("starting, server %s", conf.server);

	/* Signals first, so that curses leaves them to the loop. */
	loop = EV_DEFAULT;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		ev_signal_init(&main_sig[i], main_sig_cb, sigs[i]);
		ev_signal_start(loop, &main_sig[i]);
	}
	ui_init(&conf);
	keys_init(&keys);
	app_init(&app, &conf);
	net = net_new(loop, &app_events, &app, conf.server, err, sizeof err);
	if (net == NULL)
		snprintf(app.model.conn_why, sizeof app.model.conn_why, "%.120s",
		    err);
	app_set_net(&app, &net_chatd_ops, net);
	app.page = ui_page;	/* paging needs the screen's height */
	app_start(&app, conf.nickname);

	ev_io_init(&main_tty, main_tty_cb, STDIN_FILENO, EV_READ);
	ev_io_start(loop, &main_tty);
	ev_init(&main_esc, main_esc_cb);
	ev_timer_init(&main_tick, main_tick_cb, 1., 1.);
	ev_timer_start(loop, &main_tick);
	ev_prepare_init(&main_prep, main_prep_cb);
	ev_prepare_start(loop, &main_prep);

	ev_run(loop, 0);

	log_info("stopping");
	if (net != NULL) {
		/* Read receipts just sent should reach the server. */
		net_flush(net, loop, 1.0);
		app_set_net(&app, NULL, NULL);
		net_free(net);
	}
	ui_end();
	app_free(&app);
	keys_free(&keys);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		ev_signal_stop(loop, &main_sig[i]);
	main_restore();
	return 0;
}
