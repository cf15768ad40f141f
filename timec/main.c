/*
 * timec: ask a timed server for the time in a strftime format.
 *
 * The request is the extended form (lib/time/timeproto.h): a random nonce that
 * the reply must echo, an optional zone, and padding so that the server
 * may send the output (a reply is never more than three times the
 * request).  UDP loses datagrams, so the request is repeated with
 * exponential backoff until a reply with our nonce arrives or the timeout
 * passes.  The socket is connected, so only the server's address can
 * answer, and its source port is a random one chosen by the kernel.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/addr.h"
#include "base/conf.h"
#include "timec.h"
#include "time/timeproto.h"
#include "base/udp.h"
#include "base/version.h"

#define TIMEC_DEFAULT_SERVER	"localhost"
#define TIMEC_DEFAULT_PORT	"9000"
#define TIMEC_MIN_REQUEST	64	/* pad to this: ~250 bytes of output */
#define TIMEC_MAX_REQUEST	1400
#define TIMEC_FIRST_WAIT_MS	250
#define TIMEC_NTP_PORT		"9123"	/* timed's defaults; 123, 13, 37 */
#define TIMEC_DAYTIME_PORT	"9013"	/* are the standard ports */
#define TIMEC_TIME_PORT		"9037"

/* Long options without a short form. */
enum {
	OPT_NTP = 256,
	OPT_DAYTIME,
	OPT_TIME,
};

static int	verbose;

static void __attribute__((noreturn))
usage(FILE *f, int code)
{
	fprintf(f,
"usage: timec [-hVv] [-s HOST[:PORT]] [-z ZONE] [-t SECONDS] [FORMAT]\n"
"       timec --ntp | --daytime | --time [-v] [-s HOST[:PORT]] [-t SECONDS]\n"
"Print the time from a timed server in a strftime(3) FORMAT\n"
"(default \"%s\"), or ask any server of a standard time protocol.\n"
"\n"
"  -s, --server HOST[:PORT]  server (default $TIMEC_SERVER, else %s:%s)\n"
"  -z, --zone ZONE           IANA time zone, e.g. Asia/Shanghai\n"
"  -t, --timeout SECONDS     give up after this long (default 5)\n"
"      --ntp                 ask an NTP server (default port " TIMEC_NTP_PORT
", the\n"
"                            standard one is 123) and print, like sntp, its\n"
"                            time, the offset and round-trip delay in\n"
"                            seconds, its stratum, leap state and refid\n"
"      --daytime             ask an RFC 867 Daytime server (default port "
TIMEC_DAYTIME_PORT ")\n"
"      --time                ask an RFC 868 Time server (default port "
TIMEC_TIME_PORT ")\n"
"  -v, --verbose             say what is sent and received\n"
"  -h, --help                show this help\n"
"  -V, --version             show the version\n"
"\n"
"Exit status: 0 ok, 64 bad usage, 65 the server refused the request\n"
"(bad format, output too long, unknown zone), 68 unknown host,\n"
"69 no answer before the timeout, 75 rate limited (try later; for NTP,\n"
"a RATE kiss-o'-death).  With --ntp also: 65 the server's clock is not\n"
"synchronised (leap 3 or stratum 16), 76 another kiss-o'-death or a bogus\n"
"reply, 77 access denied (kiss-o'-death DENY or RSTR).\n",
	    TP_DEFAULT_FORMAT, TIMEC_DEFAULT_SERVER, TIMEC_DEFAULT_PORT);
	exit(code);
}

/* The request size that lets the server send out_len bytes of text. */
static size_t
pad_for(size_t out_len)
{
	size_t	need = TP_REP_HDRLEN + out_len;

	need = (need + TP_AMPLIFICATION - 1) / TP_AMPLIFICATION;
	return need > TP_WIRE_OVERHEAD ? need - TP_WIRE_OVERHEAD : 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "server",	required_argument,	NULL, 's' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "ntp",	no_argument,		NULL, OPT_NTP },
		{ "daytime",	no_argument,		NULL, OPT_DAYTIME },
		{ "time",	no_argument,		NULL, OPT_TIME },
		{ NULL, 0, NULL, 0 }
	};
	const char		*server, *zone = NULL, *fmt = "";
	struct addr		 a[8];
	struct tp_request	 req;
	struct tp_reply		 rep;
	struct pollfd		 pfd;
	uint8_t			 out[TIMEC_MAX_REQUEST], in[2048];
	char			 err[512], host[ADDR_HOSTMAX], port[ADDR_PORTMAX];
	char			 buf[ADDR_STRLEN];
	double			 timeout = 5;
	long long		 deadline, next, t;
	size_t			 len, pad = TIMEC_MIN_REQUEST;
	ssize_t			 r;
	int			 ch, fd, n, wait_ms = TIMEC_FIRST_WAIT_MS;
	int			 refused = 0, regrown = 0, proto = -1;
	int			 server_given = 0;
	const char		*defport = TIMEC_DEFAULT_PORT;
	char			*end;

	if ((server = getenv("TIMEC_SERVER")) == NULL || server[0] == '\0')
		server = TIMEC_DEFAULT_SERVER;
	while ((ch = getopt_long(argc, argv, "s:z:t:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			server_given = 1;
			break;
		case 'z':
			zone = optarg;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end != '\0' || !(timeout > 0 && timeout <= 3600)) {
				fprintf(stderr, "timec: -t %s: not a number of "
				    "seconds from 0 to 3600\n", optarg);
				exit(EX_USAGE);
			}
			break;
		case 'v':
			verbose++;
			break;
		case OPT_NTP:
		case OPT_DAYTIME:
		case OPT_TIME:
			if (proto != -1)
				usage(stderr, EX_USAGE);
			proto = ch == OPT_NTP ? QUERY_NTP : ch == OPT_DAYTIME ?
			    QUERY_DAYTIME : QUERY_TIME;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("timec (%s) %s\n", SUITE_NAME, SUITE_VERSION);
			exit(0);
		default:
			usage(stderr, EX_USAGE);
		}
	}
	if (argc - optind > 1)
		usage(stderr, EX_USAGE);
	if (proto != -1) {
		/* The standard protocols: no format, no zone, no TIMEC_SERVER. */
		if (optind < argc || zone != NULL)
			usage(stderr, EX_USAGE);
		if (!server_given)
			server = TIMEC_DEFAULT_SERVER;
		defport = proto == QUERY_NTP ? TIMEC_NTP_PORT :
		    proto == QUERY_DAYTIME ? TIMEC_DAYTIME_PORT :
		    TIMEC_TIME_PORT;
	}
	if (optind < argc)
		fmt = argv[optind];
	if (zone != NULL && strlen(zone) > TP_ZONE_MAX) {
		fprintf(stderr, "timec: zone name longer than %d bytes\n",
		    TP_ZONE_MAX);
		exit(EX_USAGE);
	}
	if (strlen(fmt) > TIMEC_MAX_REQUEST - TP_REQ_HDRLEN - TP_ZONE_MAX) {
		fprintf(stderr, "timec: format too long\n");
		exit(EX_USAGE);
	}

	if (addr_split(server, defport, host, sizeof host, port,
	    sizeof port, err, sizeof err) == -1) {
		fprintf(stderr, "timec: %s\n", err);
		exit(EX_USAGE);
	}
	if (host[0] == '\0')
		strcpy(host, TIMEC_DEFAULT_SERVER);
	if ((n = addr_resolve(host, port, 0, a, 8, err, sizeof err)) == -1) {
		fprintf(stderr, "timec: %s\n", err);
		exit(EX_NOHOST);
	}
	if ((fd = udp_client((struct sockaddr *)&a[0].ss, err,
	    sizeof err)) == -1) {
		fprintf(stderr, "timec: %s\n", err);
		exit(EX_OSERR);
	}
	if (connect(fd, (struct sockaddr *)&a[0].ss, a[0].len) == -1) {
		fprintf(stderr, "timec: %s: %s\n", addr_str((struct sockaddr *)
		    &a[0].ss, buf, sizeof buf), strerror(errno));
		exit(EX_UNAVAILABLE);
	}
	if (sodium_init() == -1) {
		fprintf(stderr, "timec: libsodium failed to start\n");
		exit(EX_SOFTWARE);
	}
	if (proto != -1)
		return query_run((enum query_proto)proto, fd, timeout, verbose,
		    addr_str((struct sockaddr *)&a[0].ss, buf, sizeof buf));

	memset(&req, 0, sizeof req);
	req.version = TP_VERSION;
	req.nonce = ((uint64_t)randombytes_random() << 32) |
	    randombytes_random();
	req.zone = zone;
	req.zone_len = zone ? strlen(zone) : 0;
	req.format = fmt;
	req.format_len = strlen(fmt);

	deadline = (long long)clock_mono_ms() + (long long)(timeout * 1000);
	next = 0;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		t = (long long)clock_mono_ms();
		if (t >= deadline)
			break;
		if (t >= next) {
			len = tp_request_encode(out, sizeof out, &req, pad);
			if (len == 0) {
				fprintf(stderr, "timec: request too long\n");
				exit(EX_USAGE);
			}
			if (send(fd, out, len, 0) == -1 && errno == ECONNREFUSED)
				refused = 1;
			if (verbose)
				fprintf(stderr, "timec: sent %zu bytes to %s\n",
				    len, addr_str((struct sockaddr *)&a[0].ss,
				    buf, sizeof buf));
			next = t + wait_ms;
			if (wait_ms < 2000)
				wait_ms *= 2;
		}
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)((next < deadline ? next : deadline) -
		    t)) <= 0)
			continue;
		r = recv(fd, in, sizeof in, MSG_TRUNC);
		if (r == -1) {
			if (errno == ECONNREFUSED)
				refused = 1;
			continue;
		}
		if ((size_t)r > sizeof in ||
		    tp_reply_decode(in, (size_t)r, &rep) != TP_OK ||
		    rep.nonce != req.nonce) {
			if (verbose)
				fprintf(stderr, "timec: ignored a %zd-byte "
				    "datagram\n", r);
			continue;
		}
		refused = 0;
		switch (rep.status) {
		case TP_OK:
			fwrite(rep.text, 1, rep.text_len, stdout);
			putchar('\n');
			return fflush(stdout) == 0 ? 0 : EX_IOERR;
		case TP_TOO_LONG:
			/* Pad so the server may send it, once. */
			if (rep.info > 0 && !regrown &&
			    pad_for(rep.info) <= TIMEC_MAX_REQUEST) {
				regrown = 1;
				pad = pad_for(rep.info);
				next = 0;
				continue;
			}
			fprintf(stderr, "timec: server: output too long\n");
			return EX_DATAERR;
		case TP_RATE_LIMITED:
			fprintf(stderr, "timec: server: rate limited, try "
			    "again later\n");
			return EX_TEMPFAIL;
		case TP_BAD_VERSION:
			fprintf(stderr, "timec: server speaks protocol version "
			    "%u, not %u\n", rep.version, TP_VERSION);
			return EX_PROTOCOL;
		default:
			fprintf(stderr, "timec: server: %s\n",
			    tp_status_str(rep.status));
			return EX_DATAERR;
		}
	}
	fprintf(stderr, "timec: no answer from %s within %g s%s\n",
	    addr_str((struct sockaddr *)&a[0].ss, buf, sizeof buf), timeout,
	    refused ? " (connection refused: is timed running?)" : "");
	return EX_UNAVAILABLE;
}
