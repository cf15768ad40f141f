/*
 * chatd: the chat relay.
 *
 * Start-up in dependency order: command line, logging, configuration,
 * state directory and key, store, socket, the bus to the other nodes
 * if [cluster] is set (cluster.c), server, control socket (ctl.c),
 * signals; shut-down in reverse, but for the control socket, which
 * stays until the server has released its replies.  SIGTERM/SIGINT
 * stop after a last commit, SIGHUP (or chatctl reload) reloads the
 * configuration, SIGUSR1 logs the counters.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sodium.h>

#include "base/addr.h"
#include "bus.h"
#include "chatd.h"
#include "ctl.h"
#include "gateway.h"
#include "base/conf.h"
#include "base/daemon.h"
#include "base/log.h"
#include "sess/sesskey.h"
#include "pglog.h"
#include "store.h"
#include "base/udp.h"
#include "base/version.h"

#define SOCK_BUF	(4 * 1024 * 1024)	/* bytes asked for each way */

/* Settings from the command line, which win over the file on every load. */
struct chatd_opts {
	const char	*config;
	int		 config_given;
	const char	*listen;
	int		 port;		/* -1: not given */
	const char	*state_dir;
	int		 verbose;
};

static struct chatd_opts	 opts = { NULL, 0, NULL, -1, NULL, 0 };
static struct chatd_conf	 conf;
static struct server		*server;
static struct export		*export;	/* NULL: metrics off */
static struct bus		*bus;		/* NULL: a single node */
static struct gateway		*gateway;	/* role = gateway */

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	fprintf(f,
"usage: chatd [-hnVv] [-c FILE] [-l ADDRESS] [-p PORT] [-D STATEDIR]\n"
"Relay chat messages between registered nicknames over secure UDP\n"
"sessions (default port %s).\n"
"\n"
"  -c, --config FILE    configuration file (default %s)\n"
"  -l, --listen ADDR    address to listen on; '*' is every address\n"
"  -p, --port PORT      UDP port; 0 picks a free one and logs it\n"
"  -D, --state-dir DIR  keys and the message store (default %s)\n"
"  -n, --configtest     check the configuration and exit\n"
"  -v, --verbose        log more (repeat for more)\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Signals: TERM/INT stop, HUP reloads the configuration, USR1 logs counters.\n"
"Exit status: 0 ok, 64 bad usage, 69 PostgreSQL unreachable at the start,\n"
"73 state directory or store unusable, 75 replaced by a standby (another\n"
"chatd writes the log), 78 bad configuration, 1 other failure.\n",
	    CHATD_DEFAULT_PORT, opts.config, conf.state_dir);
	exit(code);
}

/* Read the configuration file and apply the command line over it. */
static int
load_config(struct chatd_conf *c, char *err, size_t errlen)
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
	if (opts.state_dir != NULL) {
		if (strlen(opts.state_dir) >= sizeof c->state_dir) {
			snprintf(err, errlen, "-D: path too long");
			return -1;
		}
		strcpy(c->state_dir, opts.state_dir);
	}
	if (opts.port != -1)
		c->port = opts.port;
	if (opts.verbose > c->verbose)
		c->verbose = opts.verbose;
	return 0;
}

/* Bind the configured address and port; the socket and the port bound. */
static int
open_socket(unsigned int *port_out)
{
	struct addr	a[8];
	char		err[256], port[8], buf[ADDR_STRLEN];
	int		n, i, fd = -1, bufsz;

	snprintf(port, sizeof port, "%d", conf.port);
	if ((n = addr_parse(conf.listen, port, 1, a, 8, err, sizeof err)) == -1)
		fatalx("listen %s: %s", conf.listen, err);
	for (i = 0; i < n; i++) {
		fd = udp_bind((struct sockaddr *)&a[i].ss, a[i].len, 0, err,
		    sizeof err);
		if (fd != -1)
			break;
		log_warnx("%s: %s", addr_str((struct sockaddr *)&a[i].ss, buf,
		    sizeof buf), err);
	}
	if (fd == -1)
		fatalx("cannot listen on %s port %d", conf.listen, conf.port);
	/*
	 * The loop stops to commit (a write to the log) and, now and then,
	 * works through a long burst: datagrams arrive meanwhile, and one
	 * the kernel drops costs a retransmission timeout.  Ask for large buffers (the
	 * kernel caps them at net.core.rmem_max and wmem_max).
	 */
	bufsz = SOCK_BUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof bufsz) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof bufsz) == -1)
		log_warn("socket buffers");
	a[i].len = sizeof a[i].ss;
	if (getsockname(fd, (struct sockaddr *)&a[i].ss, &a[i].len) == -1)
		fatal("getsockname");
	*port_out = addr_port((struct sockaddr *)&a[i].ss);
	log_info("listening on %s", addr_str((struct sockaddr *)&a[i].ss, buf,
	    sizeof buf));
	return fd;
}

/*
 * A reload that changes the metrics address: stop the old server (the
 * new one may want its port), start the new one.  If it cannot start,
 * the old address is tried again and kept in c.
 */
static void
reload_metrics(struct ev_loop *loop, struct chatd_conf *c)
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
	if ((export = export_new(loop, server, c, err, sizeof err)) != NULL)
		return;
	log_warnx("reload: metrics %s: %s; keeping %s", c->metrics, err,
	    conf.metrics[0] != '\0' ? conf.metrics : "them off");
	strcpy(c->metrics, conf.metrics);
	if (conf.metrics[0] != '\0' && (export = export_new(loop, server,
	    &conf, err, sizeof err)) == NULL) {
		log_warnx("metrics %s: %s; metrics off", conf.metrics, err);
		c->metrics[0] = '\0';
	}
}

/* Reload, keeping what needs a restart (SIGHUP, chatctl reload): 0, or
 * -1 with why in err, the old configuration kept. */
static int
reload(char *err, size_t errlen)
{
	struct chatd_conf	c;

	if (load_config(&c, err, errlen) == -1) {
		log_warnx("reload failed, keeping the old configuration: %s",
		    err);
		return -1;
	}
	if (strcmp(c.listen, conf.listen) != 0 || c.port != conf.port ||
	    strcmp(c.state_dir, conf.state_dir) != 0 ||
	    c.max_sessions != conf.max_sessions || c.fsync != conf.fsync ||
	    c.auth_threads != conf.auth_threads ||
	    c.keepalive_ms != conf.keepalive_ms || c.dead_ms != conf.dead_ms ||
	    strcmp(c.nats, conf.nats) != 0 || strcmp(c.node, conf.node) != 0 ||
	    c.heartbeat_ms != conf.heartbeat_ms ||
	    c.missed_beats != conf.missed_beats ||
	    strcmp(c.role, conf.role) != 0)
		log_warnx("reload: listen, port, state_dir, max_sessions, "
		    "fsync, auth_threads, session timers and [cluster] change "
		    "only on restart");
	strcpy(c.listen, conf.listen);
	strcpy(c.state_dir, conf.state_dir);
	c.port = conf.port;
	c.max_sessions = conf.max_sessions;
	c.fsync = conf.fsync;
	c.auth_threads = conf.auth_threads;
	c.keepalive_ms = conf.keepalive_ms;
	c.dead_ms = conf.dead_ms;
	strcpy(c.nats, conf.nats);
	strcpy(c.node, conf.node);
	c.heartbeat_ms = conf.heartbeat_ms;
	c.missed_beats = conf.missed_beats;
	strcpy(c.role, conf.role);
	c.gateway = conf.gateway;
	if (gateway != NULL) {
		/* A gateway has its session settings and the log's level. */
		conf = c;
		log_setverbose(conf.verbose);
		log_info("configuration reloaded from %s", opts.config);
		return 0;
	}
	reload_metrics(EV_DEFAULT, &c);
	conf = c;
	log_setverbose(conf.verbose);
	server_reconfigure(server, &conf);
	log_info("configuration reloaded from %s", opts.config);
	return 0;
}

static void
sig_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char	err[512];

	reload(err, sizeof err);
}

static void
sig_usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	if (gateway != NULL)
		gateway_log_stats(gateway, "counters");
	else
		server_log_stats(server, "counters");
}

/*
 * A gateway: sessions, the bus, signals; no store, no control socket,
 * no metrics.  SIGTERM closes its sessions and says goodbye to the core.
 */
static int
run_gateway(const uint8_t *pk, uint8_t *sk)
{
	struct ev_loop		*loop;
	struct daemon_signals	 sigs;
	unsigned int		 port;
	int			 fd;

	fd = open_socket(&port);
	loop = ev_default_loop(EVFLAG_AUTO);
	bus = cluster_start(loop, &conf);
	gateway = gateway_new(loop, fd, pk, sk, &conf, bus);
	cluster_set_gateway(gateway);
	sodium_memzero(sk, SP_KEY_LEN);
	daemon_signals_start(loop, &sigs, sig_hup_cb, sig_usr1_cb);
	log_info("chatd %s gateway ready on port %u", SUITE_VERSION, port);

	ev_run(loop, 0);

	gateway_log_stats(gateway, "exiting");
	gateway_free(gateway);
	cluster_set_gateway(NULL);
	bus_free(bus);		/* the core forgets our sessions */
	close(fd);
	ev_loop_destroy(loop);
	return 0;
}

/* A standby stops following on SIGTERM or SIGINT (before the loop). */
static volatile sig_atomic_t standby_signalled;

static void
standby_sig(int sig)
{
	standby_signalled = 1;
}

static int
standby_stop(void)
{
	return standby_signalled;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "listen",	required_argument,	NULL, 'l' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "state-dir",	required_argument,	NULL, 'D' },
		{ "configtest",	no_argument,		NULL, 'n' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char		 defpath[512];
	struct ev_loop		*loop;
	struct daemon_signals	 sigs;
	struct store		*st;
	struct ctl		*ctl;
	uint8_t			 pk[SP_PK_LEN], sk[SP_KEY_LEN];
	char			 err[512], fpr[SESSKEY_FPRLEN];
	unsigned int		 port;
	long			 l;
	int			 ch, test = 0, fd;

	config_defaults(&conf);
	opts.config = conf_default_path("chatd", defpath, sizeof defpath);
	while ((ch = getopt_long(argc, argv, "c:l:p:D:nvhV", longopts,
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
				fprintf(stderr, "chatd: -p %s: not a port "
				    "number\n", optarg);
				exit(EX_USAGE);
			}
			opts.port = (int)l;
			break;
		case 'D':
			opts.state_dir = optarg;
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
			printf("chatd (%s) %s\n", SUITE_NAME, SUITE_VERSION);
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
		daemon_configtest_ok("chatd", opts.config);
	daemon_log_setup(argv[0], conf.syslog, conf.verbose);
	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");

	if (mkdir(conf.state_dir, 0700) == -1 && errno != EEXIST) {
		log_warn("state directory %s", conf.state_dir);
		exit(EX_CANTCREAT);
	}
	if (sesskey_load(conf.state_dir, pk, sk, err, sizeof err) == -1) {
		log_warnx("%s", err);
		exit(EX_CANTCREAT);
	}
	sesskey_fingerprint(pk, fpr);
	log_info("server key %s", fpr);
	if (conf.gateway)
		return run_gateway(pk, sk);
	/* With PostgreSQL, a commit is durable once it has it (pglog.h). */
	if (conf.postgresql[0] != '\0')
		conf.fsync = 0;
	if ((st = store_open(conf.state_dir, conf.fsync ? STORE_SYNC_LOG :
	    STORE_SYNC_NONE, err, sizeof err)) == NULL) {
		log_warnx("store: %s", err);
		exit(EX_CANTCREAT);
	}
	if (conf.postgresql[0] != '\0') {
		long long	n;
		struct sigaction sa, oterm, oint;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = standby_sig;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, &oterm);
		sigaction(SIGINT, &sa, &oint);

		if ((n = conf.standby ? pglog_follow(st, conf.postgresql,
		    conf.log_name, standby_stop,
		    err, sizeof err) : pglog_restore(st, conf.postgresql,
		    conf.log_name, err,
		    sizeof err)) < 0) {
			if (standby_signalled) {
				log_info("standby: stopped");
				exit(0);
			}
			log_warnx("store: %s", err);
			if (n == -2) {
				log_warnx("store: fenced: start on an empty "
				    "state directory (with the key) to rebuild "
				    "the store from the log");
				exit(EX_TEMPFAIL);
			}
			/* The store is not the log's: the operator decides. */
			if (n == -3)
				exit(EX_CANTCREAT);
			exit(EX_UNAVAILABLE);
		}
		sigaction(SIGTERM, &oterm, NULL);
		sigaction(SIGINT, &oint, NULL);
		/* Its ids, keys and queue are read again. */
		if (n > 0) {
			store_close(st);
			if ((st = store_open(conf.state_dir, STORE_SYNC_NONE,
			    err, sizeof err)) == NULL) {
				log_warnx("store: %s", err);
				exit(EX_CANTCREAT);
			}
		}
	}
	fd = open_socket(&port);

	loop = ev_default_loop(EVFLAG_AUTO);
	if (conf.nats[0] != '\0')
		bus = cluster_start(loop, &conf);
	server = server_new(loop, fd, pk, sk, st, &conf);
	server_set_bus(server, bus);
	cluster_set_server(server);
	sodium_memzero(sk, sizeof sk);
	if (conf.metrics[0] != '\0' && (export = export_new(loop, server,
	    &conf, err, sizeof err)) == NULL)
		fatalx("metrics: %s", err);
	ctl = ctl_new(loop, server, conf.state_dir, reload);
	daemon_signals_start(loop, &sigs, sig_hup_cb, sig_usr1_cb);
	log_info("chatd %s ready on port %u", SUITE_VERSION, port);

	ev_run(loop, 0);

	server_log_stats(server, "exiting");
	export_free(export);
	server_free(server);
	cluster_set_server(NULL);
	bus_free(bus);		/* says goodbye to the other nodes */
	ctl_free(ctl);
	store_close(st);
	close(fd);
	ev_loop_destroy(loop);
	return 0;
}
