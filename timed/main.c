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

#include "base/addr.h"
#include "base/conf.h"
#include "base/daemon.h"
#include "base/log.h"
#include "timed.h"
#include "base/udp.h"
#include "base/version.h"

/* Long options without a short form. */
enum {
	OPT_NTP_PORT = 256,
	OPT_DAYTIME_PORT,
	OPT_TIME_PORT,
	OPT_LOCAL_STRATUM,
};

/* Settings from the command line, which win over the file on every load. */
struct timed_opts {
	const char	*config;
	int		 config_given;
	const char	*listen;
	int		 port;		/* -1: not given */
	int		 verbose;
	int		 svc_port[SVC_COUNT];	/* -1: not given */
	int		 local_stratum;		/* -1: not given */
};

static struct timed_opts	 opts = { NULL, 0, NULL, -1, 0,
				    { -1, -1, -1, -1 }, -1 };
static const char		*svc_names[SVC_COUNT] = {
	"strftime", "ntp", "daytime", "time"
};
static struct timed_conf	 conf;
static struct worker		*workers[TIMED_MAX_WORKERS];
static int			 fds[TIMED_MAX_WORKERS][SVC_COUNT];
static int			 nworkers;
static unsigned int		 bound_port;
static struct export		*export;	/* NULL: metrics off */

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	fprintf(f,
"usage: timed [-hnVv] [-c FILE] [-l ADDRESS] [-p PORT] [--ntp-port N]\n"
"             [--daytime-port N] [--time-port N] [--local-stratum N]\n"
"Answer strftime time queries over UDP (default port %s).\n"
"\n"
"  -c, --config FILE    configuration file (default %s)\n"
"  -l, --listen ADDR    address to listen on; '*' is every address\n"
"  -p, --port PORT      UDP port; 0 picks a free one and logs it\n"
"      --ntp-port N     NTP (RFC 5905) port, default 9123; 0 is off\n"
"      --daytime-port N Daytime (RFC 867) port, default 9013; 0 is off\n"
"      --time-port N    Time (RFC 868) port, default 9037; 0 is off\n"
"      --local-stratum N  serve the local clock over NTP as synchronised\n"
"                       at stratum N (1-15) whatever the kernel says\n"
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

/*
 * Two services on one port would share it silently (SO_REUSEPORT), each
 * getting some of the other's datagrams: refuse that.
 */
static int
check_ports(const struct timed_conf *c, char *err, size_t errlen)
{
	int	port[SVC_COUNT], i, j;

	port[SVC_STRFTIME] = c->port;
	port[SVC_NTP] = c->ntp_port;
	port[SVC_DAYTIME] = c->daytime_port;
	port[SVC_TIME] = c->time_port;
	for (i = 0; i < SVC_COUNT; i++)
		for (j = i + 1; j < SVC_COUNT; j++)
			if (port[i] != 0 && port[i] == port[j]) {
				snprintf(err, errlen, "%s and %s both on port "
				    "%d", svc_names[i], svc_names[j], port[i]);
				return -1;
			}
	return 0;
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
	if (opts.svc_port[SVC_NTP] != -1)
		c->ntp_port = opts.svc_port[SVC_NTP];
	if (opts.svc_port[SVC_DAYTIME] != -1)
		c->daytime_port = opts.svc_port[SVC_DAYTIME];
	if (opts.svc_port[SVC_TIME] != -1)
		c->time_port = opts.svc_port[SVC_TIME];
	if (opts.local_stratum != -1)
		c->local_stratum = opts.local_stratum;
	if (opts.verbose > c->verbose)
		c->verbose = opts.verbose;
	return check_ports(c, err, errlen);
}

/* Log one standard protocol's counters. */
static void
log_pstats(const char *when, const char *name, const struct timed_pstats *p)
{
	log_info("%s %s: received %" PRIu64 " answered %" PRIu64
	    " malformed %" PRIu64 " ignored %" PRIu64 " auth %" PRIu64
	    " truncated %" PRIu64 " ratelimited %" PRIu64 " kod %" PRIu64
	    " refused %" PRIu64 " send_errors %" PRIu64, when, name,
	    p->received, p->answered, p->malformed, p->ignored, p->auth,
	    p->truncated, p->ratelimited, p->kod, p->refused, p->send_errors);
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
	log_pstats(when, "ntp", &st->ntp);
	log_pstats(when, "daytime", &st->daytime);
	log_pstats(when, "time", &st->time);
}

/*
 * Open one socket per worker for a standard protocol on port, at the
 * address the strftime service bound; port 0 leaves the service off.
 */
static void
open_service(enum timed_service svc, int port, const struct addr *where)
{
	struct addr	a = *where;
	char		err[256], buf[ADDR_STRLEN];
	int		j;

	for (j = 0; j < conf.workers; j++)
		fds[j][svc] = -1;
	if (port == 0)
		return;
	if (a.ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a.ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&a.ss)->sin_port = htons((uint16_t)port);
	for (j = 0; j < conf.workers; j++) {
		fds[j][svc] = udp_bind((struct sockaddr *)&a.ss, a.len,
		    UDP_REUSEPORT | UDP_TIMESTAMP, err, sizeof err);
		if (fds[j][svc] == -1)
			fatalx("%s port %d: %s%s", svc_names[svc], port, err,
			    port < 1024 ? " (ports below 1024 need root or "
			    "CAP_NET_BIND_SERVICE)" : "");
	}
	log_info("%s listening on %s", svc_names[svc],
	    addr_str((struct sockaddr *)&a.ss, buf, sizeof buf));
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
	fds[0][SVC_STRFTIME] = fd;
	a[i].len = sizeof a[i].ss;
	if (getsockname(fd, (struct sockaddr *)&a[i].ss, &a[i].len) == -1)
		fatal("getsockname");
	bound_port = addr_port((struct sockaddr *)&a[i].ss);
	for (j = 1; j < conf.workers; j++) {
		fds[j][SVC_STRFTIME] = udp_bind((struct sockaddr *)&a[i].ss,
		    a[i].len, UDP_REUSEPORT, err, sizeof err);
		if (fds[j][SVC_STRFTIME] == -1)
			fatalx("worker %d: %s", j, err);
	}
	log_info("listening on %s with %d worker%s",
	    addr_str((struct sockaddr *)&a[i].ss, buf, sizeof buf),
	    conf.workers, conf.workers == 1 ? "" : "s");
	open_service(SVC_NTP, conf.ntp_port, &a[i]);
	open_service(SVC_DAYTIME, conf.daytime_port, &a[i]);
	open_service(SVC_TIME, conf.time_port, &a[i]);
}

/*
 * A reload that changes the metrics address: stop the old server (the
 * new one may want its port), start the new one.  If it cannot start,
 * the old address is tried again and kept in c.
 */
static void
reload_metrics(struct ev_loop *loop, struct timed_conf *c)
{
	char	err[512];

	if (strcmp(c->metrics, conf.metrics) == 0)
		return;
	export_free(export);
	export = NULL;
	if (c->metrics[0] == '\0') {
		log_info("metrics off");
		return;
	}
	if ((export = export_new(loop, workers, nworkers, c->metrics, err,
	    sizeof err)) != NULL)
		return;
	log_warnx("reload: metrics %s: %s; keeping %s", c->metrics, err,
	    conf.metrics[0] != '\0' ? conf.metrics : "them off");
	strcpy(c->metrics, conf.metrics);
	if (conf.metrics[0] != '\0' && (export = export_new(loop, workers,
	    nworkers, conf.metrics, err, sizeof err)) == NULL) {
		log_warnx("metrics %s: %s; metrics off", conf.metrics, err);
		c->metrics[0] = '\0';
	}
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
	    c.workers != conf.workers || c.batch != conf.batch ||
	    c.ntp_port != conf.ntp_port || c.daytime_port !=
	    conf.daytime_port || c.time_port != conf.time_port)
		log_warnx("reload: listen, ports, workers and batch change "
		    "only on restart");
	strcpy(c.listen, conf.listen);
	c.port = conf.port;
	c.workers = conf.workers;
	c.batch = conf.batch;
	c.ntp_port = conf.ntp_port;
	c.daytime_port = conf.daytime_port;
	c.time_port = conf.time_port;
	reload_metrics(loop, &c);
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
		{ "ntp-port",	required_argument,	NULL, OPT_NTP_PORT },
		{ "daytime-port", required_argument,	NULL, OPT_DAYTIME_PORT },
		{ "time-port",	required_argument,	NULL, OPT_TIME_PORT },
		{ "local-stratum", required_argument,	NULL, OPT_LOCAL_STRATUM },
		{ NULL, 0, NULL, 0 }
	};
	static char		 defpath[512];
	struct ev_loop		*loop;
	struct daemon_signals	 sigs;
	struct timed_stats	 st;
	sigset_t		 set;
	char			 err[512];
	long			 l;
	int			 ch, test = 0, i, j;

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
		case OPT_NTP_PORT:
		case OPT_DAYTIME_PORT:
		case OPT_TIME_PORT:
			if (conf_parse_int(optarg, 0, 65535, &l) == -1) {
				fprintf(stderr, "timed: %s %s: not a port "
				    "number\n", argv[optind - 1], optarg);
				exit(EX_USAGE);
			}
			opts.svc_port[ch == OPT_NTP_PORT ? SVC_NTP :
			    ch == OPT_DAYTIME_PORT ? SVC_DAYTIME : SVC_TIME] =
			    (int)l;
			break;
		case OPT_LOCAL_STRATUM:
			if (conf_parse_int(optarg, 1, 15, &l) == -1) {
				fprintf(stderr, "timed: --local-stratum %s: not "
				    "a stratum from 1 to 15\n", optarg);
				exit(EX_USAGE);
			}
			opts.local_stratum = (int)l;
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
	if (test)
		daemon_configtest_ok("timed", opts.config);
	daemon_log_setup(argv[0], conf.syslog, conf.verbose);

	zone_init(conf.zoneinfo);
	open_sockets();

	/* Workers inherit a mask that keeps our signals for this thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	nworkers = conf.workers;
	for (i = 0; i < nworkers; i++)
		workers[i] = worker_start(i, fds[i], &conf);

	loop = ev_default_loop(EVFLAG_AUTO);
	if (conf.metrics[0] != '\0' && (export = export_new(loop, workers,
	    nworkers, conf.metrics, err, sizeof err)) == NULL)
		fatalx("metrics: %s", err);
	daemon_signals_start(loop, &sigs, sig_hup_cb, sig_usr1_cb);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	log_info("timed %s ready on port %u", SUITE_VERSION, bound_port);

	ev_run(loop, 0);

	export_free(export);
	memset(&st, 0, sizeof st);
	for (i = nworkers - 1; i >= 0; i--) {
		worker_stop(workers[i], &st);
		for (j = 0; j < SVC_COUNT; j++)
			if (fds[i][j] != -1)
				close(fds[i][j]);
	}
	log_stats("exiting", &st);
	ev_loop_destroy(loop);
	return 0;
}
