/*
 * timed: the strftime time server.
 *
 * Start-up in dependency order: command line, logging, configuration,
 * time zones, sockets, workers, signals; shut-down in reverse.  The main
 * thread only handles signals: SIGTERM/SIGINT stop, SIGHUP reloads the
 * configuration, SIGUSR1 logs the counters.
 */
#include <sys/socket.h>

#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "log.h"
#include "timed.h"
#include "udp.h"
#include "version.h"

/* Settings from the command line, which win over the file on every load. */
struct timed_opts {
	const char	*config;
	int		 config_given;
	const char	*listen;
	int		 port;		/* -1: not given */
	int		 verbose;
};

static struct timed_opts	 opts = { NULL, 0, NULL, -1, 0 };
static struct timed_conf	 conf;
static struct worker		*workers[TIMED_MAX_WORKERS];
static int			 fds[TIMED_MAX_WORKERS];
static int			 nworkers;
static unsigned int		 bound_port;

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	fprintf(f,
"usage: timed [-hnVv] [-c FILE] [-l ADDRESS] [-p PORT]\n"
"Answer strftime time queries over UDP (default port %s).\n"
"\n"
"  -c, --config FILE    configuration file (default %s)\n"
"  -l, --listen ADDR    address to listen on; '*' is every address\n"
"  -p, --port PORT      UDP port; 0 picks a free one and logs it\n"
"  -n, --configtest     check the configuration and exit\n"
"  -v, --verbose        log more (repeat for more)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Signals: TERM/INT stop, HUP reloads the configuration, USR1 logs counters.\n"
"Exit status: 0 ok, 64 bad usage, 78 bad configuration, 1 failure.\n",
	    TIMED_DEFAULT_PORT, opts.config);
	exit(code);
}

/* Read the configuration file and apply the command line over it. */
static int
load_config(struct timed_conf *c, char *err, size_t errlen)
{
	config_defaults(c);
	if (config_load(opts.config, !opts.config_given, c, err, errlen) == -1)
		return -1;
	if (opts.listen != NULL) {
		if (strlen(opts.listen) >= sizeof c->listen) {
			snprintf(err, errlen, "-l: address too long");
			return -1;
		}
		strcpy(c->listen, opts.listen);
	}
	if (opts.port != -1)
		c->port = opts.port;
	if (opts.verbose > c->verbose)
		c->verbose = opts.verbose;
	return 0;
}

/* Log the counters, summed over the workers. */
static void
log_stats(const char *when, const struct timed_stats *st)
{
	log_info("%s: received %" PRIu64 " answered %" PRIu64 " seed %" PRIu64
	    " extended %" PRIu64 " malformed %" PRIu64 " truncated %" PRIu64
	    " too_long %" PRIu64 " bad_zone %" PRIu64 " ratelimited %" PRIu64
	    " refused %" PRIu64 " send_errors %" PRIu64, when, st->received,
	    st->answered, st->seed, st->extended, st->malformed, st->truncated,
	    st->too_long, st->bad_zone, st->ratelimited, st->refused,
	    st->send_errors);
}

/* Open one socket per worker on the configured address and port. */
static void
open_sockets(void)
{
	struct addr	a[8];
	char		err[256], port[8], buf[ADDR_STRLEN];
	int		n, i, j, fd = -1;

	snprintf(port, sizeof port, "%d", conf.port);
	if ((n = addr_parse(conf.listen, port, 1, a, 8, err, sizeof err)) == -1)
		fatalx("listen %s: %s", conf.listen, err);
	/* The first address that binds; the IPv6 wildcard is dual-stack. */
	for (i = 0; i < n; i++) {
		fd = udp_bind((struct sockaddr *)&a[i].ss, a[i].len,
		    UDP_REUSEPORT, err, sizeof err);
		if (fd != -1)
			break;
		log_warnx("%s: %s", addr_str((struct sockaddr *)&a[i].ss,
		    buf, sizeof buf), err);
	}
	if (fd == -1)
		fatalx("cannot listen on %s port %d", conf.listen, conf.port);
	fds[0] = fd;
	a[i].len = sizeof a[i].ss;
	if (getsockname(fd, (struct sockaddr *)&a[i].ss, &a[i].len) == -1)
		fatal("getsockname");
	bound_port = addr_port((struct sockaddr *)&a[i].ss);
	for (j = 1; j < conf.workers; j++) {
		fds[j] = udp_bind((struct sockaddr *)&a[i].ss, a[i].len,
		    UDP_REUSEPORT, err, sizeof err);
		if (fds[j] == -1)
			fatalx("worker %d: %s", j, err);
	}
	log_info("listening on %s with %d worker%s",
	    addr_str((struct sockaddr *)&a[i].ss, buf, sizeof buf),
	    conf.workers, conf.workers == 1 ? "" : "s");
}

/* SIGTERM, SIGINT: stop the loop; main() shuts down in order. */
static void
sig_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_info("signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/* SIGHUP: reload the configuration, keeping what needs a restart. */
static void
sig_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct timed_conf	c;
	char			err[512];
	int			i;

	if (load_config(&c, err, sizeof err) == -1) {
		log_warnx("reload failed, keeping the old configuration: %s",
		    err);
		return;
	}
	if (strcmp(c.listen, conf.listen) != 0 || c.port != conf.port ||
	    c.workers != conf.workers || c.batch != conf.batch)
		log_warnx("reload: listen, port, workers and batch change only "
		    "on restart");
	strcpy(c.listen, conf.listen);
	c.port = conf.port;
	c.workers = conf.workers;
	c.batch = conf.batch;
	conf = c;
	log_setverbose(conf.verbose);
	for (i = 0; i < nworkers; i++)
		worker_reconfigure(workers[i], &conf);
	log_info("configuration reloaded from %s", opts.config);
}

/* SIGUSR1: log the counters. */
static void
sig_usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct timed_stats	st;
	int			i;

	memset(&st, 0, sizeof st);
	for (i = 0; i < nworkers; i++)
		worker_stats(workers[i], &st);
	log_stats("counters", &st);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "listen",	required_argument,	NULL, 'l' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "configtest",	no_argument,		NULL, 'n' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char		 defpath[512];
	struct ev_loop		*loop;
	ev_signal		 sig_term, sig_int, sig_hup, sig_usr1;
	struct timed_stats	 st;
	sigset_t		 set;
	char			 err[512];
	long			 l;
	int			 ch, test = 0, i;

	opts.config = conf_default_path("timed", defpath, sizeof defpath);
	while ((ch = getopt_long(argc, argv, "c:l:p:nvhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			opts.config = optarg;
			opts.config_given = 1;
			break;
		case 'l':
			opts.listen = optarg;
			break;
		case 'p':
			if (conf_parse_int(optarg, 0, 65535, &l) == -1) {
				fprintf(stderr, "timed: -p %s: not a port "
				    "number\n", optarg);
				exit(EX_USAGE);
			}
			opts.port = (int)l;
			break;
		case 'n':
			test = 1;
			break;
		case 'v':
			opts.verbose++;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("timed (%s) %s\n", SUITE_NAME, SUITE_VERSION);
			exit(0);
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);

	log_init(argv[0], LOG_TO_STDERR, opts.verbose);
	if (load_config(&conf, err, sizeof err) == -1) {
		log_warnx("%s", err);
		exit(EX_CONFIG);
	}
	if (test) {
		fprintf(stderr, "timed: configuration OK (%s)\n",
		    access(opts.config, F_OK) == 0 ? opts.config :
		    "embedded defaults");
		exit(0);
	}
	if (conf.syslog)
		log_init(argv[0], LOG_TO_SYSLOG, conf.verbose);
	else
		log_setverbose(conf.verbose);

	zone_init(conf.zoneinfo);
	open_sockets();

	/* Workers inherit a mask that keeps our signals for this thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	nworkers = conf.workers;
	for (i = 0; i < nworkers; i++)
		workers[i] = worker_start(i, fds[i], &conf);

	loop = ev_default_loop(EVFLAG_AUTO);
	ev_signal_init(&sig_term, sig_stop_cb, SIGTERM);
	ev_signal_init(&sig_int, sig_stop_cb, SIGINT);
	ev_signal_init(&sig_hup, sig_hup_cb, SIGHUP);
	ev_signal_init(&sig_usr1, sig_usr1_cb, SIGUSR1);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_hup);
	ev_signal_start(loop, &sig_usr1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	log_info("timed %s ready on port %u", SUITE_VERSION, bound_port);

	ev_run(loop, 0);

	memset(&st, 0, sizeof st);
	for (i = nworkers - 1; i >= 0; i--) {
		worker_stop(workers[i], &st);
		close(fds[i]);
	}
	log_stats("exiting", &st);
	ev_loop_destroy(loop);
	return 0;
}
