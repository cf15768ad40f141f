/*
 * export.c: timed's metrics for Prometheus (timed.h, base/metrics.h).
 *
 * The metrics server runs on the main thread's loop, which otherwise
 * only waits for signals; the workers are never touched.  Each worker
 * publishes its counters once per batch into atomics (worker.c), and a
 * scrape sums them, as SIGUSR1 does: every counter SIGUSR1 logs, with
 * the service (strftime, ntp, daytime, time) and the reason as labels.
 *
 * No histogram: a request is answered within a batch in microseconds,
 * and timing each one would cost the workers more than the answer is
 * worth to anyone; the counters show the load and every refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timed.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/xmalloc.h"

struct export {
	struct worker		**workers;
	int			 nworkers;
	struct metrics_server	*ms;
};

/* One sample of a family labelled by service, and by reason if given. */
static void
export_sample(struct metrics_out *o, const char *name, const char *svc,
    const char *reason, uint64_t v)
{
	char	labels[96];

	if (reason != NULL)
		snprintf(labels, sizeof labels, "service=\"%s\",reason=\"%s\"",
		    svc, reason);
	else
		snprintf(labels, sizeof labels, "service=\"%s\"", svc);
	metrics_sample(o, name, labels, v);
}

/* One scrape. */
static void
export_fill(struct metrics_out *o, void *arg)
{
	struct export			*e = arg;
	struct timed_stats		 st;
	const struct timed_pstats	*p[] = { &st.ntp, &st.daytime,
					    &st.time };
	const char			*pname[] = { "ntp", "daytime", "time" };
	size_t				 i;
	int				 j;

	memset(&st, 0, sizeof st);
	for (j = 0; j < e->nworkers; j++)
		worker_stats(e->workers[j], &st);

	metrics_family(o, "timed_requests_total", "counter",
	    "Datagrams received, by service.");
	export_sample(o, "timed_requests_total", "strftime", NULL,
	    st.received);
	for (i = 0; i < 3; i++)
		export_sample(o, "timed_requests_total", pname[i], NULL,
		    p[i]->received);

	metrics_family(o, "timed_replies_total", "counter",
	    "Requests answered normally (with the time), by service.");
	export_sample(o, "timed_replies_total", "strftime", NULL,
	    st.answered);
	for (i = 0; i < 3; i++)
		export_sample(o, "timed_replies_total", pname[i], NULL,
		    p[i]->answered);

	metrics_family(o, "timed_strftime_requests_total", "counter",
	    "strftime requests by form: the seed protocol's bare format, or "
	    "the extended form with a nonce.");
	metrics_sample(o, "timed_strftime_requests_total", "form=\"seed\"",
	    st.seed);
	metrics_sample(o, "timed_strftime_requests_total",
	    "form=\"extended\"", st.extended);

	metrics_family(o, "timed_requests_rejected_total", "counter",
	    "Requests dropped, or answered with an error status, by service "
	    "and reason.");
	export_sample(o, "timed_requests_rejected_total", "strftime",
	    "malformed", st.malformed);
	export_sample(o, "timed_requests_rejected_total", "strftime",
	    "truncated", st.truncated);
	export_sample(o, "timed_requests_rejected_total", "strftime",
	    "too_long", st.too_long);
	export_sample(o, "timed_requests_rejected_total", "strftime",
	    "bad_zone", st.bad_zone);
	export_sample(o, "timed_requests_rejected_total", "strftime",
	    "ratelimited", st.ratelimited);
	export_sample(o, "timed_requests_rejected_total", "strftime",
	    "refused", st.refused);
	for (i = 0; i < 3; i++) {
		export_sample(o, "timed_requests_rejected_total", pname[i],
		    "malformed", p[i]->malformed);
		export_sample(o, "timed_requests_rejected_total", pname[i],
		    "truncated", p[i]->truncated);
		export_sample(o, "timed_requests_rejected_total", pname[i],
		    "ratelimited", p[i]->ratelimited);
		export_sample(o, "timed_requests_rejected_total", pname[i],
		    "refused", p[i]->refused);
	}
	export_sample(o, "timed_requests_rejected_total", "ntp", "ignored",
	    st.ntp.ignored);
	export_sample(o, "timed_requests_rejected_total", "ntp", "auth",
	    st.ntp.auth);

	metrics_counter(o, "timed_ntp_kod_sent_total",
	    "NTP RATE kiss-o'-death replies sent to clients over their rate.",
	    st.ntp.kod);

	metrics_family(o, "timed_send_errors_total", "counter",
	    "Replies the kernel would not send, by service.");
	export_sample(o, "timed_send_errors_total", "strftime", NULL,
	    st.send_errors);
	for (i = 0; i < 3; i++)
		export_sample(o, "timed_send_errors_total", pname[i], NULL,
		    p[i]->send_errors);

	metrics_gauge(o, "timed_workers",
	    "Worker threads answering requests.", (double)e->nworkers);
}

struct export *
export_new(struct ev_loop *loop, struct worker **workers, int nworkers,
    const char *where, char *err, size_t errlen)
{
	struct export	*e = xcalloc(1, sizeof *e);

	e->workers = workers;
	e->nworkers = nworkers;
	if ((e->ms = metrics_server_new(loop, where, export_fill, e, err,
	    errlen)) == NULL) {
		free(e);
		return NULL;
	}
	log_info("metrics on http://%s/metrics", metrics_server_addr(e->ms));
	return e;
}

void
export_free(struct export *e)
{
	if (e == NULL)
		return;
	metrics_server_free(e->ms);
	free(e);
}
