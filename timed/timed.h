/*
 * timed.h: the time daemon's configuration, counters and modules.
 *
 * main.c parses the command line and configuration and owns the signal
 * loop; worker.c runs one thread per worker, each with its own socket on
 * the shared port (SO_REUSEPORT) and its own libev loop; tfmt.c checks and
 * renders strftime formats with bounded cost; zone.c turns IANA zone names
 * into UTC offsets without touching TZ outside one lock.
 */
#ifndef TIMED_H
#define TIMED_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "base/ratelimit.h"

#define TIMED_DEFAULT_PORT	"9000"
#define TIMED_MAX_WORKERS	64

/* The services a worker answers, each on its own port. */
enum timed_service {
	SVC_STRFTIME,		/* the strftime protocol (timeproto.h) */
	SVC_NTP,		/* RFC 5905 NTP / RFC 4330 SNTP server */
	SVC_DAYTIME,		/* RFC 867 over UDP */
	SVC_TIME,		/* RFC 868 over UDP */
	SVC_COUNT
};

struct timed_conf {
	char	listen[256];		/* address; "*" is every address */
	int	port;
	int	workers;
	int	batch;			/* datagrams per recvmmsg/sendmmsg */
	int	max_format;		/* bytes */
	int	max_output;		/* bytes */
	int	max_conversions;
	int	syslog;
	int	verbose;
	char	metrics[256];		/* ADDRESS:PORT of /metrics; "" off */
	char	zoneinfo[256];		/* the zoneinfo database */
	struct ratelimit_conf rl;
	int	ntp_port;		/* 0: service off */
	int	daytime_port;
	int	time_port;
	int	ntp_stratum;		/* announced when the kernel is synced */
	char	ntp_refid[16];		/* "" (derived), a.b.c.d or ASCII code */
	int	local_stratum;		/* 0 off; else serve as synced at N */
};

/* Counters of one standard protocol (NTP, Daytime, Time). */
struct timed_pstats {
	uint64_t	received;
	uint64_t	answered;
	uint64_t	malformed;	/* short, bad version, bad fields */
	uint64_t	ignored;	/* NTP: not a client request */
	uint64_t	auth;		/* NTP: MAC or crypto-NAK (no keys) */
	uint64_t	truncated;
	uint64_t	ratelimited;
	uint64_t	kod;		/* NTP: RATE kiss-o'-death sent */
	uint64_t	refused;	/* from a port we never answer */
	uint64_t	send_errors;
};

/* Counters, one set per worker, summed for reports. */
struct timed_stats {
	uint64_t	received;
	uint64_t	answered;
	uint64_t	seed;		/* requests in the seed form */
	uint64_t	extended;	/* requests in the extended form */
	uint64_t	malformed;
	uint64_t	truncated;
	uint64_t	too_long;
	uint64_t	bad_zone;
	uint64_t	ratelimited;
	uint64_t	refused;	/* replies, or from ports we never answer */
	uint64_t	send_errors;
	struct timed_pstats ntp, daytime, time;	/* all uint64_t, too */
};

/* config.c */
void	config_defaults(struct timed_conf *);
int	config_load(const char *path, int missing_ok, struct timed_conf *,
	    char *err, size_t errlen);

/* tfmt.c: rendering results. */
enum tfmt_result {
	TFMT_OK,
	TFMT_BAD,		/* not a format we accept */
	TFMT_TOO_LONG,		/* output longer than the limit */
};

struct tfmt_limits {
	size_t	max_format;
	size_t	max_output;
	int	max_conversions;
};

/*
 * Render fmt (fmt_len bytes, not terminated) for the broken-down time tm
 * and the instant t, into out (at most limit bytes, limit <= max_output).
 * On TFMT_TOO_LONG, *needed is the full output length if it is at most
 * max_output, else 0.  On TFMT_OK, *out_len is the length.
 */
enum tfmt_result tfmt_render(const struct tfmt_limits *, const char *fmt,
	    size_t fmt_len, const struct tm *tm, time_t t, char *out,
	    size_t limit, size_t *out_len, size_t *needed);

/* zone.c */
struct zone_info {
	long		gmtoff;
	int		isdst;
	char		abbr[16];
	time_t		valid_until;
};

struct zone_cache;

/* Fix TZ once for the process (glibc otherwise re-reads /etc/localtime). */
void	zone_init(const char *zoneinfo_dir);
/* Is name a safe zone name (no path tricks)? */
int	zone_name_ok(const char *name, size_t len);
struct zone_cache *zone_cache_new(void);
void	zone_cache_free(struct zone_cache *);
/*
 * Look up a zone (name NULL: the local zone) for instant t; 0, or -1 if the
 * zoneinfo database has no such zone.  Results are cached per worker.
 */
int	zone_lookup(struct zone_cache *, const char *name, size_t len,
	    time_t t, struct zone_info *);
/* Broken-down time for t in zone z, with tm_zone pointing into z. */
void	zone_localtime(const struct zone_info *z, time_t t, struct tm *);

/*
 * ports.c: the source ports no service of timed ever answers: port 0 and
 * timed's own ports, all four of them, so that a request forged from one
 * of our services cannot start a loop between two of them (the
 * echo/chargen loop).  The strftime, Daytime and Time services also
 * refuse every privileged port (below 1024); NTP cannot, since NTP
 * clients may send from port 123.
 */
struct timed_ports {
	int	port[SVC_COUNT];	/* 0: that service is off */
};
void	ports_set(struct timed_ports *, const struct timed_conf *);
/* Is a datagram from this source port never answered? */
int	ports_refused(const struct timed_ports *, unsigned int port,
	    int privileged_ok);

/* ntp.c: the NTP server, one per worker. */
struct ntp_server;
struct udp_batch;
struct sockaddr;
struct ntp_server *ntp_new(const struct timed_conf *, unsigned int batch);
void	ntp_free(struct ntp_server *);
/* Take a new configuration (stratum, refid, rate limits) into use. */
void	ntp_configure(struct ntp_server *, const struct timed_conf *);
/*
 * Answer one datagram received at rx (the kernel's time): queue a 48-byte
 * reply in out, or drop it.  The reply's transmit time is left for
 * ntp_stamp().  mono is CLOCK_MONOTONIC in ns for rate limiting.
 */
void	ntp_handle(struct ntp_server *, struct udp_batch *out,
	    const uint8_t *req, size_t len, const struct sockaddr *sa,
	    unsigned int salen, const struct timespec *rx, uint64_t mono,
	    struct timed_pstats *);
/* Write the transmit time into the replies queued, just before sending. */
void	ntp_stamp(struct ntp_server *);

/* legacy.c: RFC 867 Daytime and RFC 868 Time, one per service per worker. */
struct legacy;
struct legacy *legacy_new(enum timed_service, const struct timed_conf *);
void	legacy_free(struct legacy *);
void	legacy_configure(struct legacy *, const struct timed_conf *);
/* Answer one datagram, or drop it, counting in the stats. */
void	legacy_handle(struct legacy *, struct udp_batch *out,
	    const uint8_t *req, size_t len, const struct sockaddr *sa,
	    unsigned int salen, const struct timespec *rx, uint64_t mono,
	    struct timed_pstats *);

/* worker.c */
struct worker;
/* fds[SVC_*]: the worker's socket for each service, -1 when it is off. */
struct worker *worker_start(int id, const int fds[SVC_COUNT],
	    const struct timed_conf *);
/* Ask a worker to adopt a new configuration (from SIGHUP). */
void	worker_reconfigure(struct worker *, const struct timed_conf *);
/* Stop a worker, wait for it and free it, adding its counters to st. */
void	worker_stop(struct worker *, struct timed_stats *st);
/* Add a running worker's counters to st. */
void	worker_stats(struct worker *, struct timed_stats *st);

/* export.c: the counters, summed over the workers, served at /metrics
 * (base/metrics.h) from the main thread's loop. */
struct ev_loop;
struct export;
/* Serve the metrics of workers[0..n-1] on where; NULL, with err, if it
 * cannot. */
struct export *export_new(struct ev_loop *, struct worker **workers,
	    int nworkers, const char *where, char *err, size_t errlen);
void	export_free(struct export *);

#endif
