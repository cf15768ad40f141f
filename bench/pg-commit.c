/*
 * pg-commit: drives chatd's PostgreSQL writer (chatd/pgw.c) as the store
 * will: batches of INSERTs, a window of them in flight, each reported
 * committed or not.  For the cluster's tests (tests/system/9xx-pg-*.sh)
 * and for measuring commits a second and their latency.
 *
 *   pg-commit -d CONNINFO [-n BATCHES] [-s ROWS] [-w WINDOW]
 *             [-T SECONDS] [-t COMMIT_TIMEOUT] [-b FIRST_ID] [-q]
 *
 * Rows go into pgw_rows(id bigint primary key, batch bigint, t bigint),
 * created if missing.  Each batch's outcome is a line on stdout:
 * "SEQ<TAB>ok|fail<TAB>FIRST_ID<TAB>LAST_ID<TAB>MS<TAB>WHY", MS the time
 * from pgw_commit() to the report.  It stops after BATCHES (0: no limit),
 * or SECONDS (0: no limit), or on SIGTERM, once the batches in flight
 * are reported; -q prints only the summary on stderr: batches ok and
 * failed, batches a second, and the median and 99th percentile latency.
 * Exit status 0, or 1 if any batch failed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "chatd/pgw.h"
#include "base/log.h"
#include "base/xmalloc.h"

struct run {
	struct ev_loop	*loop;
	struct pgw	*w;
	uint64_t	 limit, rows, window, next_id;
	double		 secs;
	int		 quiet, stopping;
	uint64_t	 made, ok, failed;
	ev_tstamp	 t0;
	struct inflight {
		uint64_t	 seq, first, last;
		ev_tstamp	 t;
	}		*fl;
	size_t		 nfl;
	double		*lat;
	size_t		 nlat, latcap;
	ev_signal	 sigterm, sigint;
	ev_timer	 stop;
};

static void	commit_more(struct run *);

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
done_cb(void *arg, uint64_t seq, int ok, const char *why)
{
	struct run	*r = arg;
	size_t		 i;
	double		 ms = 0;
	uint64_t	 first = 0, last = 0;

	for (i = 0; i < r->nfl; i++)
		if (r->fl[i].seq == seq) {
			ms = (ev_time() - r->fl[i].t) * 1e3;
			first = r->fl[i].first;
			last = r->fl[i].last;
			r->fl[i] = r->fl[--r->nfl];
			break;
		}
	if (seq == 1)
		;	/* the table's creation: not counted */
	else if (ok) {
		r->ok++;
		if (r->nlat == r->latcap) {
			r->latcap = r->latcap ? r->latcap * 2 : 1024;
			r->lat = xreallocarray(r->lat, r->latcap,
			    sizeof *r->lat);
		}
		r->lat[r->nlat++] = ms;
	} else
		r->failed++;
	if (!r->quiet && seq != 1) {
		printf("%" PRIu64 "\t%s\t%" PRIu64 "\t%" PRIu64 "\t%.1f\t%s\n",
		    seq, ok ? "ok" : "fail", first, last, ms, why);
		fflush(stdout);
	}
	if (seq == 1 && !ok) {
		fprintf(stderr, "pg-commit: cannot create the table: %s\n",
		    why);
		exit(1);
	}
	commit_more(r);
}

/* Keep window batches in flight, until the limit or a stop. */
static void
commit_more(struct run *r)
{
	char		 id[24], b[24], t[24];
	const char	*p[3] = { id, b, t };
	uint64_t	 i, first, seq;

	while (!r->stopping && r->nfl < r->window &&
	    (r->limit == 0 || r->made < r->limit)) {
		first = r->next_id;
		snprintf(b, sizeof b, "%" PRIu64, r->made + 1);
		snprintf(t, sizeof t, "%.0f", ev_time() * 1e3);
		for (i = 0; i < r->rows; i++) {
			snprintf(id, sizeof id, "%" PRIu64, r->next_id + i);
			if (pgw_add(r->w, "INSERT INTO pgw_rows(id, batch, t)"
			    " VALUES ($1, $2, $3)", 3, p) == -1) {
				pgw_abort(r->w);
				return;
			}
		}
		if ((seq = pgw_commit(r->w)) == 0) {
			pgw_abort(r->w);
			return;
		}
		r->next_id += r->rows;
		r->made++;
		r->fl[r->nfl].seq = seq;
		r->fl[r->nfl].first = first;
		r->fl[r->nfl].last = first + r->rows - 1;
		r->fl[r->nfl].t = ev_time();
		r->nfl++;
	}
	if (r->nfl == 0 && (r->stopping || (r->limit != 0 &&
	    r->made >= r->limit)))
		ev_break(r->loop, EVBREAK_ALL);
}

static void
stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run	*r = w->data;

	r->stopping = 1;
	commit_more(r);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct run	*r = w->data;

	r->stopping = 1;
	commit_more(r);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pg-commit -d CONNINFO [-n BATCHES] [-s ROWS] "
	    "[-w WINDOW] [-T SECONDS]\n"
	    "                 [-t COMMIT_TIMEOUT] [-b FIRST_ID] [-q]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct run	 r;
	struct pgw_conf	 conf;
	const char	*create = "CREATE TABLE IF NOT EXISTS pgw_rows ("
	    "id bigint PRIMARY KEY, batch bigint NOT NULL, t bigint NOT NULL)";
	double		 el;
	int		 ch;

	memset(&r, 0, sizeof r);
	memset(&conf, 0, sizeof conf);
	r.rows = 10;
	r.window = 4;
	r.next_id = 1;
	conf.commit_timeout = 5;
	while ((ch = getopt(argc, argv, "b:d:n:qs:T:t:w:")) != -1) {
		switch (ch) {
		case 'b': r.next_id = strtoull(optarg, NULL, 10); break;
		case 'd': conf.conninfo = optarg; break;
		case 'n': r.limit = strtoull(optarg, NULL, 10); break;
		case 'q': r.quiet = 1; break;
		case 's': r.rows = strtoull(optarg, NULL, 10); break;
		case 'T': r.secs = atof(optarg); break;
		case 't': conf.commit_timeout = atof(optarg); break;
		case 'w': r.window = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (conf.conninfo == NULL || r.rows == 0 || r.window == 0 ||
	    r.window > 100000 || r.next_id == 0)
		usage();
	log_init("pg-commit", LOG_TO_STDERR, 0);
	r.loop = EV_DEFAULT;
	r.fl = xcalloc(r.window + 1, sizeof *r.fl);
	r.w = pgw_new(r.loop, &conf, done_cb, &r);
	if (pgw_add(r.w, create, 0, NULL) == -1 || pgw_commit(r.w) != 1)
		usage();
	r.fl[0].seq = 1;
	r.fl[0].t = ev_time();
	r.nfl = 1;
	ev_signal_init(&r.sigterm, signal_cb, SIGTERM);
	r.sigterm.data = &r;
	ev_signal_start(r.loop, &r.sigterm);
	ev_signal_init(&r.sigint, signal_cb, SIGINT);
	r.sigint.data = &r;
	ev_signal_start(r.loop, &r.sigint);
	if (r.secs > 0) {
		ev_timer_init(&r.stop, stop_cb, r.secs, 0.);
		r.stop.data = &r;
		ev_timer_start(r.loop, &r.stop);
	}
	r.t0 = ev_time();
	ev_run(r.loop, 0);
	el = ev_time() - r.t0;
	qsort(r.lat, r.nlat, sizeof *r.lat, cmp_double);
	fprintf(stderr, "pg-commit: %" PRIu64 " ok, %" PRIu64 " failed, "
	    "%.0f batches/s, %.0f rows/s, latency p50 %.2f ms p99 %.2f ms\n",
	    r.ok, r.failed, r.ok / el, r.ok * r.rows / el,
	    r.nlat ? r.lat[r.nlat / 2] : 0,
	    r.nlat ? r.lat[r.nlat * 99 / 100] : 0);
	pgw_free(r.w);
	free(r.fl);
	free(r.lat);
	return r.failed ? 1 : 0;
}
