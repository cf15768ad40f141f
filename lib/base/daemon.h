/*
 * daemon.h: the start-up and signal conventions every daemon shares.
 *
 * SIGTERM and SIGINT stop the loop (main then shuts down in reverse order
 * of start-up), SIGHUP and SIGUSR1 call the daemon's reload and report
 * functions.  The watchers live in a struct the caller owns.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <ev.h>

struct daemon_signals {
	ev_signal	term, intr, hup, usr1;
};

typedef void	daemon_signal_fn(struct ev_loop *, ev_signal *, int);

/* Watch TERM/INT (stop), HUP (reload) and USR1 (report) on loop. */
void	daemon_signals_start(struct ev_loop *, struct daemon_signals *,
	    daemon_signal_fn *reload, daemon_signal_fn *report);
/* For -n: say the configuration is good (naming its source) and exit 0. */
void	daemon_configtest_ok(const char *prog, const char *path)
	    __attribute__((noreturn));
/* Log to syslog if asked, else keep stderr, at the configured verbosity. */
void	daemon_log_setup(const char *argv0, int use_syslog, int verbose);

#endif
