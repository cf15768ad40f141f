/*
 * history-bench.c: what HISTORY costs chatd.  Two accounts, made
 * contacts of each other, fill one conversation with -n messages of 64
 * bytes (the sender keeps -w unaccepted; the receiver is online, so
 * every one is delivered); then the sender reads the conversation back
 * as a new device would: a fetch is -p pages of -l messages (10 of 100:
 * 1,000 messages), each page asked for once the one before it has come,
 * before the oldest message of the one before.  Fetch k starts k x 1,000
 * messages below the newest (wrapping), so the fetches cover the whole
 * conversation, deep pages as well as recent ones.  Every page is
 * checked: the messages expected, in order, with the flags of sent and
 * delivered messages.
 *
 *   history-bench -s HOST:PORT -P PID [-n messages] [-w window]
 *       [-l per page] [-p pages per fetch] [-f fetches per round]
 *       [-r rounds] [-x prefix]
 *
 * chatd (PID) must run with cheap Argon2 parameters and without the
 * message and history rates (msg_rate = 0, history_rate = 0, addr_enable
 * = no; pair_quota high): the bench measures the work of a page, not the
 * limits.  It
 * registers the accounts PREFIXa and PREFIXb, so its state folder starts
 * empty.  chatd's CPU (its CPU clock, every thread: cpu.h) is read
 * before and after each round of -f fetches.
 *
 * One line of key=value pairs goes to stdout: the fill's rate and
 * chatd's CPU per message relayed, then for each round the CPU per
 * 1,000 messages fetched ("cpu_ms_1000_rN") and the medians, lowest and
 * highest over the rounds, per 1,000 messages and per page, and the
 * median time a page took to come (the client's wall clock).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "cpu.h"
#include "chat/chatclient.h"
#include "chat/chatproto.h"

#define HB_PASSWORD	"history-bench"
#define HB_TEXT		64

enum hb_phase {
	HB_LOGIN,	/* registering both */
	HB_CONTACTS,	/* a asks b, b accepts */
	HB_FILL,	/* a sends n to b */
	HB_FETCH,	/* a pages through the conversation */
};

static struct {
	struct ev_loop		*loop;
	struct chatclient	*a, *b;
	char			 na[40], nb[40];
	enum hb_phase		 phase;
	int			 ready;
	pid_t			 pid;
	/* the fill */
	unsigned int		 n, window, sent, accepted, received;
	uint64_t		*sids;
	double			 t0, cpu0, fill_secs, fill_cpu;
	/* the fetches */
	unsigned int		 limit, pages, fetches, rounds;
	unsigned int		 round, fetch, page;
	unsigned int		 top;		/* the fetch's newest + 1 */
	double			 round_cpu0, page_t0;
	double			*round_cpu;	/* seconds per round */
	double			*page_secs;
	size_t			 npage_secs;
	int			 rc;
	ev_timer		 deadline;
} hb;

static double
hb_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* chatd's CPU, every thread, in seconds (cpu.h). */
static double
hb_cpu(void)
{
	double	s;

	if ((s = cpu_of(hb.pid)) < 0) {
		fprintf(stderr, "history-bench: cannot read chatd's CPU "
		    "clock: %s\n", strerror(errno));
		exit(1);
	}
	return s;
}

/* Stop the loop with exit status 1 and a message. */
static void
hb_fail(const char *what, const char *detail)
{
	if (hb.rc != 0)
		return;		/* the first failure says it */
	fprintf(stderr, "history-bench: %s%s%s\n", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	hb.rc = 1;
	ev_break(hb.loop, EVBREAK_ALL);
}

/* Send a's next message to b. */
static void
hb_send_one(void)
{
	char	text[HB_TEXT + 1];

	if (snprintf(text, sizeof text, "history-bench message %010u %-31s",
	    hb.sent, "of a conversation long enough") != HB_TEXT) {
		hb_fail("send", "text not 64 bytes");
		return;
	}
	if (chatclient_send(hb.a, hb.nb, text, HB_TEXT) == 0) {
		hb_fail("send", strerror(errno));
		return;
	}
	hb.sent++;
}

/* Ask for the current page of the current fetch. */
static void
hb_ask_page(void)
{
	unsigned int	below = hb.top - hb.page * hb.limit;
	uint64_t	before = below == hb.n ? 0 : hb.sids[below];

	hb.page_t0 = hb_now();
	if (chatclient_history(hb.a, hb.nb, before, hb.limit) == 0)
		hb_fail("history", strerror(errno));
}

/* The next fetch (and round), or the end. */
static void
hb_next_fetch(void)
{
	unsigned int	off;

	if (hb.fetch == hb.fetches) {
		hb.round_cpu[hb.round] = hb_cpu() - hb.round_cpu0;
		hb.round++;
		hb.fetch = 0;
		if (hb.round == hb.rounds) {
			ev_break(hb.loop, EVBREAK_ALL);
			return;
		}
	}
	if (hb.fetch == 0)
		hb.round_cpu0 = hb_cpu();
	off = (hb.round * hb.fetches + hb.fetch) * hb.limit * hb.pages;
	off %= hb.n - hb.limit * hb.pages + 1;
	hb.top = hb.n - off;
	hb.page = 0;
	hb.fetch++;
	hb_ask_page();
}

static int
ucmp(const void *x, const void *y)
{
	uint64_t	a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static void
hb_settled(struct ev_loop *loop, ev_timer *w, int revents)
{
	hb.phase = HB_FETCH;
	hb_next_fetch();
}

/* The fill is done: fetch once b's last delivered mark (sent at the end
 * of its loop turn) has surely reached chatd. */
static void
hb_start_fetching(void)
{
	static ev_timer	settle;

	hb.fill_secs = hb_now() - hb.t0;
	hb.fill_cpu = hb_cpu() - hb.cpu0;
	/* In the order of the conversation, whatever the order of the
	 * ACCEPTED answers. */
	qsort(hb.sids, hb.n, sizeof *hb.sids, ucmp);
	ev_timer_init(&settle, hb_settled, 0.5, 0.);
	ev_timer_start(hb.loop, &settle);
}

static void
hb_state(struct chatclient *cc, enum chatclient_state s, enum cp_err code,
    const char *why, void *arg)
{
	if (s == CHATCLIENT_FAILED || (s == CHATCLIENT_DISCONNECTED &&
	    hb.phase != HB_LOGIN)) {
		hb_fail(cc == hb.a ? hb.na : hb.nb, why);
		return;
	}
	if (s != CHATCLIENT_READY || hb.phase != HB_LOGIN || ++hb.ready < 2)
		return;
	hb.phase = HB_CONTACTS;
	if (chatclient_contacts(hb.a, CPC_ADD, hb.nb) == 0)
		hb_fail("contacts add", strerror(errno));
}

static void
hb_result(struct chatclient *cc, uint64_t id, enum cp_type type,
    enum cp_err code, const char *detail, void *arg)
{
	if (code != CPE_NONE)
		hb_fail(cp_typename(type), detail != NULL && *detail != '\0' ?
		    detail : cp_strerror(code));
}

static void
hb_roster(struct chatclient *cc, uint64_t id,
    const struct chatclient_contact *v, size_t n, void *arg)
{
	unsigned int	i;

	if (hb.phase != HB_CONTACTS)
		return;
	if (cc == hb.a) {
		/* b accepts by asking back. */
		if (chatclient_contacts(hb.b, CPC_ADD, hb.na) == 0)
			hb_fail("contacts accept", strerror(errno));
		return;
	}
	hb.phase = HB_FILL;
	hb.t0 = hb_now();
	hb.cpu0 = hb_cpu();
	for (i = 0; i < hb.window && hb.sent < hb.n; i++)
		hb_send_one();
}

static void
hb_accepted(struct chatclient *cc, uint64_t msgid, uint64_t sid,
    uint64_t time_ms, enum cp_receipt state, void *arg)
{
	if (hb.phase != HB_FILL || hb.accepted == hb.n)
		return;
	hb.sids[hb.accepted++] = sid;
	if (hb.sent < hb.n)
		hb_send_one();
	if (hb.accepted == hb.n && hb.received == hb.n)
		hb_start_fetching();
}

static void
hb_message(struct chatclient *cc, const struct chatclient_msg *m, void *arg)
{
	if (cc != hb.b || hb.phase != HB_FILL)
		return;
	if (++hb.received == hb.n && hb.accepted == hb.n)
		hb_start_fetching();
}

static void
hb_history(struct chatclient *cc, uint64_t id, const char *peer,
    const struct chatclient_hist *v, size_t n, int more, void *arg)
{
	unsigned int	first, i;
	char		why[128];

	if (hb.phase != HB_FETCH)
		return;
	hb.page_secs[hb.npage_secs++] = hb_now() - hb.page_t0;
	/* This page: the limit messages below top - page x limit. */
	first = hb.top - (hb.page + 1) * hb.limit;
	if (n != hb.limit || more != (first > 0)) {
		snprintf(why, sizeof why, "page %u of fetch %u: %zu messages, "
		    "more %d; expected %u, more %d", hb.page, hb.fetch, n, more,
		    hb.limit, first > 0);
		hb_fail("history", why);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i].sid != hb.sids[first + i] || !v[i].outgoing ||
		    v[i].state < CPR_DELIVERED || v[i].len != HB_TEXT) {
			snprintf(why, sizeof why, "page %u of fetch %u, entry "
			    "%u: server id %llu, expected %llu", hb.page,
			    hb.fetch, i, (unsigned long long)v[i].sid,
			    (unsigned long long)hb.sids[first + i]);
			hb_fail("history", why);
			return;
		}
	}
	if (++hb.page < hb.pages)
		hb_ask_page();
	else
		hb_next_fetch();
}

static void
hb_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	hb_fail("timed out", hb.phase == HB_LOGIN ? "logging in" :
	    hb.phase == HB_CONTACTS ? "making contacts" : hb.phase == HB_FILL ?
	    "filling" : "fetching");
}

static int
dcmp(const void *x, const void *y)
{
	double	a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* The median of n values (sorted in place). */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
usage(void)
{
	fprintf(stderr, "usage: history-bench -s HOST:PORT -P PID "
	    "[-n messages] [-w window] [-l per page] [-p pages per fetch] "
	    "[-f fetches per round] [-r rounds] [-x prefix]\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct chatclient_conf	 conf;
	struct chatclient_cb	 cb;
	const char		*server = NULL, *prefix = "hb";
	double			*per1000, msgs, lo, hi, med;
	char			 err[256];
	unsigned int		 r;
	int			 ch;

	hb.n = 20000;
	hb.window = 256;
	hb.limit = 100;
	hb.pages = 10;
	hb.fetches = 1000;
	hb.rounds = 7;
	while ((ch = getopt(argc, argv, "s:P:n:w:l:p:f:r:x:")) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'P': hb.pid = (pid_t)atoi(optarg); break;
		case 'n': hb.n = (unsigned int)atoi(optarg); break;
		case 'w': hb.window = (unsigned int)atoi(optarg); break;
		case 'l': hb.limit = (unsigned int)atoi(optarg); break;
		case 'p': hb.pages = (unsigned int)atoi(optarg); break;
		case 'f': hb.fetches = (unsigned int)atoi(optarg); break;
		case 'r': hb.rounds = (unsigned int)atoi(optarg); break;
		case 'x': prefix = optarg; break;
		default: usage();
		}
	}
	if (server == NULL || hb.pid <= 0 || hb.window == 0 ||
	    hb.limit == 0 || hb.limit > 100 || hb.pages == 0 ||
	    hb.fetches == 0 || hb.rounds == 0 || strlen(prefix) > 30 ||
	    hb.n < hb.limit * hb.pages)
		usage();
	snprintf(hb.na, sizeof hb.na, "%sa", prefix);
	snprintf(hb.nb, sizeof hb.nb, "%sb", prefix);
	hb.sids = calloc(hb.n, sizeof *hb.sids);
	hb.round_cpu = calloc(hb.rounds, sizeof *hb.round_cpu);
	hb.page_secs = calloc((size_t)hb.rounds * hb.fetches * hb.pages,
	    sizeof *hb.page_secs);
	per1000 = calloc(hb.rounds, sizeof *per1000);
	if (hb.sids == NULL || hb.round_cpu == NULL || hb.page_secs == NULL ||
	    per1000 == NULL) {
		fprintf(stderr, "history-bench: out of memory\n");
		return 1;
	}

	hb.loop = ev_default_loop(EVFLAG_AUTO);
	chatclient_conf_default(&conf);
	conf.server = server;
	conf.reconnect = 0;
	memset(&cb, 0, sizeof cb);
	cb.state = hb_state;
	cb.result = hb_result;
	cb.roster = hb_roster;
	cb.accepted = hb_accepted;
	cb.message = hb_message;
	cb.history = hb_history;
	if ((hb.a = chatclient_new(hb.loop, &conf, &cb, err, sizeof err)) ==
	    NULL || (hb.b = chatclient_new(hb.loop, &conf, &cb, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "history-bench: %s: %s\n", server, err);
		return 1;
	}
	if (chatclient_register(hb.a, hb.na, HB_PASSWORD, 0) == -1 ||
	    chatclient_register(hb.b, hb.nb, HB_PASSWORD, 0) == -1) {
		fprintf(stderr, "history-bench: bad prefix %s\n", prefix);
		return 64;
	}
	ev_timer_init(&hb.deadline, hb_deadline, 600., 0.);
	ev_timer_start(hb.loop, &hb.deadline);
	ev_run(hb.loop, 0);
	chatclient_free(hb.a);
	chatclient_free(hb.b);
	if (hb.rc != 0)
		return hb.rc;

	/* Per round: CPU per 1,000 messages fetched. */
	msgs = (double)hb.fetches * hb.pages * hb.limit;
	printf("messages=%u fill_secs=%.2f fill_rate=%.0f fill_cpu_us_per_msg="
	    "%.2f rounds=%u fetches_per_round=%u pages_per_fetch=%u "
	    "per_page=%u", hb.n, hb.fill_secs, hb.n / hb.fill_secs,
	    hb.fill_cpu * 1e6 / hb.n, hb.rounds, hb.fetches, hb.pages,
	    hb.limit);
	for (r = 0; r < hb.rounds; r++) {
		per1000[r] = hb.round_cpu[r] * 1e3 * 1000 / msgs;
		printf(" cpu_ms_1000_r%u=%.3f", r + 1, per1000[r]);
	}
	med = median(per1000, hb.rounds);
	lo = per1000[0];
	hi = per1000[hb.rounds - 1];
	printf(" cpu_ms_1000=%.3f cpu_ms_1000_min=%.3f cpu_ms_1000_max=%.3f"
	    " cpu_us_page=%.1f cpu_us_page_min=%.1f cpu_us_page_max=%.1f"
	    " cpu_us_msg=%.3f page_wall_p50_us=%.0f\n", med, lo, hi,
	    med * 1e3 * hb.limit / 1000, lo * 1e3 * hb.limit / 1000,
	    hi * 1e3 * hb.limit / 1000, med, median(hb.page_secs,
	    hb.npage_secs) * 1e6);
	return 0;
}
