/*
 * metrics.h: counters, gauges and histograms in the Prometheus text
 * exposition format (version 0.0.4), served over HTTP at /metrics.
 *
 * A daemon keeps its numbers where it always has; at each scrape the
 * metrics server calls the daemon's fill function, on the loop thread,
 * which writes every metric into a struct metrics_out with the writers
 * below.  The HTTP side is libmicrohttpd without a thread of its own:
 * its epoll descriptor is watched by an ev_io on the daemon's loop and
 * its timeouts are an ev_timer, so nothing is read under a lock and a
 * scrape costs the loop only the time to print the text.  Connections
 * are bounded in number, per address, in memory and in idle time, so a
 * slow or hostile scraper holds little for long.
 *
 * A histogram here counts seconds in fixed buckets (METRICS_BOUNDS, from
 * 100 us to 10 s): it is a plain struct, zero when empty, that a daemon
 * keeps next to its counters and fills with metrics_observe().
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_NBOUNDS	16

/* The upper bounds of the histograms' buckets, in seconds. */
extern const double	metrics_bounds[METRICS_NBOUNDS];

struct metrics_hist {
	uint64_t	bucket[METRICS_NBOUNDS + 1];	/* per bucket, not
							 * cumulative; the
							 * last is +Inf */
	uint64_t	count;
	double		sum;		/* seconds */
};

/* Count one observation of seconds (negative ones count as 0). */
void	metrics_observe(struct metrics_hist *, double seconds);

/* The text of one scrape, growing as it is written. */
struct metrics_out;

/*
 * A metric without labels: its HELP and TYPE lines and its value.  Names
 * follow Prometheus' conventions (prog_what_unit, _total for counters);
 * help is one line of plain text.
 */
void	metrics_counter(struct metrics_out *, const char *name,
	    const char *help, uint64_t);
void	metrics_gauge(struct metrics_out *, const char *name,
	    const char *help, double);
void	metrics_histogram(struct metrics_out *, const char *name,
	    const char *help, const struct metrics_hist *);

/*
 * A metric with labels: metrics_family() writes the HELP and TYPE lines
 * ("counter" or "gauge") once, then metrics_sample() one line per set of
 * labels, given as the text between the braces: service="ntp".
 */
void	metrics_family(struct metrics_out *, const char *name,
	    const char *type, const char *help);
void	metrics_sample(struct metrics_out *, const char *name,
	    const char *labels, uint64_t);

/* For tests: a buffer to write into, its text, and freeing it. */
struct metrics_out *metrics_out_new(void);
const char	*metrics_out_text(const struct metrics_out *, size_t *len);
void		 metrics_out_free(struct metrics_out *);

/*
 * Check an ADDRESS:PORT for the metrics server ("127.0.0.1:9100",
 * "[::1]:9100", "*:9100"; port 0 picks a free one): 0, or -1 with a
 * message in err.
 */
int	metrics_addr_check(const char *where, char *err, size_t errlen);

struct ev_loop;
struct metrics_server;
/* Write every metric; called on the loop thread for each scrape. */
typedef void	 metrics_fill_fn(struct metrics_out *, void *arg);

/*
 * Listen on where (ADDRESS:PORT) and serve GET /metrics from fill on
 * loop.  NULL, with a message in err, if it cannot.
 */
struct metrics_server *metrics_server_new(struct ev_loop *,
	    const char *where, metrics_fill_fn *, void *arg, char *err,
	    size_t errlen);
/* The address bound, as "127.0.0.1:9100" (the port chosen for 0). */
const char	*metrics_server_addr(const struct metrics_server *);
/* Close every connection and the listening socket; free. */
void		 metrics_server_free(struct metrics_server *);

#endif
