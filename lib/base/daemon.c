/* daemon.c: shared start-up and signal handling for the daemons. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/daemon.h"
#include "base/log.h"

/* TERM or INT: leave the loop; main() shuts down in order. */
static void
daemon_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_info("signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

void
daemon_signals_start(struct ev_loop *loop, struct daemon_signals *s,
    daemon_signal_fn *reload, daemon_signal_fn *report)
{
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&s->term, daemon_stop_cb, SIGTERM);
	ev_signal_init(&s->intr, daemon_stop_cb, SIGINT);
	ev_signal_init(&s->hup, reload, SIGHUP);
	ev_signal_init(&s->usr1, report, SIGUSR1);
	ev_signal_start(loop, &s->term);
	ev_signal_start(loop, &s->intr);
	ev_signal_start(loop, &s->hup);
	ev_signal_start(loop, &s->usr1);
}

void
daemon_configtest_ok(const char *prog, const char *path)
{
	fprintf(stderr, "%s: configuration OK (%s)\n", prog,
	    access(path, F_OK) == 0 ? path : "embedded defaults");
	exit(0);
}

void
daemon_log_setup(const char *argv0, int use_syslog, int verbose)
{
	if (use_syslog)
		log_init(argv0, LOG_TO_SYSLOG, verbose);
	else
		log_setverbose(verbose);
}
