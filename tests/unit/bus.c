/*
 * Unit tests for chatd/bus.c against a real NATS server, which each test
 * starts on a free loopback port in a temporary folder (and fails if
 * nats-server is not installed): two buses on one loop see each other
 * appear and leave; a payload published to a user reaches the node that
 * watches that user, with watches counted per session and stopping at the
 * last; hostile payloads are counted and dropped; a server killed and
 * restarted is survived, the watches with it.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>
#include <nats/nats.h>

#include "chatd/bus.h"

#define WAIT_S		15.		/* the longest any condition may take */

extern char	**environ;

struct got {
	char		 up[8][BM_NODE_MAX + 1];
	int		 nup;
	char		 down[8][BM_NODE_MAX + 1];
	enum bus_down	 why[8];
	int		 ndown;
	int		 connected, disconnected, reconnected;
	/* USER payloads, in order: uid, origin, data. */
	uint64_t	 uid[64];
	char		 origin[64][BM_NODE_MAX + 1];
	char		 data[64][64];
	int		 nuser;
	/* SESS payloads: how many, gaps, and whether the ids came in
	 * order (each one more than the last). */
	uint64_t	 nsess, last_sid, gaps;
	int		 out_of_order;
};

struct fixture {
	char		 dir[64];
	pid_t		 nats;
	int		 port;
	struct ev_loop	*loop;
	struct got	 a, b;
};

static void
on_user(void *arg, uint64_t uid, const char *origin, const uint8_t *data,
    size_t len)
{
	struct got	*g = arg;

	if (g->nuser == 64)
		return;
	g->uid[g->nuser] = uid;
	snprintf(g->origin[g->nuser], sizeof g->origin[0], "%s", origin);
	snprintf(g->data[g->nuser], sizeof g->data[0], "%.*s", (int)len,
	    (const char *)data);
	g->nuser++;
}

static void
on_sess(void *arg, const struct busmsg *m)
{
	struct got	*g = arg;

	if (m->sid != g->last_sid + 1)
		g->out_of_order = 1;
	g->last_sid = m->sid;
	g->nsess++;
}

static void
on_gap(void *arg, const char *node)
{
	struct got	*g = arg;

	g->gaps++;
}

static void
on_up(void *arg, const char *node)
{
	struct got	*g = arg;

	if (g->nup < 8)
		snprintf(g->up[g->nup++], sizeof g->up[0], "%s", node);
}

static void
on_down(void *arg, const char *node, enum bus_down why)
{
	struct got	*g = arg;

	if (g->ndown < 8) {
		g->why[g->ndown] = why;
		snprintf(g->down[g->ndown++], sizeof g->down[0], "%s", node);
	}
}

static void
on_state(void *arg, enum bus_state st, const char *url)
{
	struct got	*g = arg;

	if (st == BUS_CONNECTED)
		g->connected++;
	else if (st == BUS_DISCONNECTED)
		g->disconnected++;
	else
		g->reconnected++;
}

/* Start nats-server on port (0: a free one, learnt from its ports file). */
static void
nats_start(struct fixture *f, int port)
{
	char		 portarg[16], path[256], buf[256], *p;
	char		*argv[] = { "nats-server", "-a", "127.0.0.1", "-p",
			    portarg, "--ports_file_dir", f->dir, NULL };
	posix_spawn_file_actions_t fa;
	FILE		*fp;
	int		 i, rc;

	snprintf(portarg, sizeof portarg, "%d", port != 0 ? port : -1);
	snprintf(path, sizeof path, "%s/nats.log", f->dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, path,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawnp(&f->nats, "nats-server", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		fail_msg("cannot start nats-server (make deps installs it): %s",
		    strerror(rc));
	snprintf(path, sizeof path, "%s/nats-server_%d.ports", f->dir,
	    (int)f->nats);
	for (i = 0; i < 200; i++) {
		if ((fp = fopen(path, "r")) != NULL) {
			buf[0] = '\0';
			if (fgets(buf, sizeof buf, fp) == NULL)
				buf[0] = '\0';
			fclose(fp);
			if ((p = strstr(buf, "127.0.0.1:")) != NULL) {
				f->port = atoi(p + 10);
				return;
			}
		}
		usleep(50000);
	}
	fail_msg("nats-server wrote no %s", path);
}

static void
nats_kill(struct fixture *f, int sig)
{
	int	st;
	char	path[256];

	if (f->nats <= 0)
		return;
	kill(f->nats, sig);
	waitpid(f->nats, &st, 0);
	snprintf(path, sizeof path, "%s/nats-server_%d.ports", f->dir,
	    (int)f->nats);
	unlink(path);
	f->nats = 0;
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/bus-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->loop = EV_DEFAULT;
	nats_start(f, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 path[256];

	nats_kill(f, SIGTERM);
	snprintf(path, sizeof path, "%s/nats.log", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A bus named node on f's server, reporting into g. */
static struct bus *
bus_on(struct fixture *f, const char *node, struct got *g)
{
	struct bus_conf	 c;
	struct bus_cb	 cb = { .user = on_user, .peer_up = on_up,
	    .peer_down = on_down, .state = on_state, .sess = on_sess,
	    .gap = on_gap, .arg = g };
	struct bus	*b;
	char		 err[256];

	memset(&c, 0, sizeof c);
	snprintf(c.servers, sizeof c.servers, "nats://127.0.0.1:%d", f->port);
	snprintf(c.node, sizeof c.node, "%s", node);
	c.heartbeat_ms = 100;
	c.missed_beats = 3;
	b = bus_new(f->loop, &c, &cb, err, sizeof err);
	if (b == NULL)
		fail_msg("bus_new: %s", err);
	return b;
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Run the loop until cond(arg) holds; fail the test after WAIT_S. */
#define RUN_UNTIL(f, cond) do {						\
	ev_timer	 tick_;						\
	ev_tstamp	 end_ = ev_time() + WAIT_S;			\
	ev_timer_init(&tick_, tick_cb, 0.01, 0.01);			\
	ev_timer_start((f)->loop, &tick_);				\
	while (!(cond) && ev_time() < end_)				\
		ev_run((f)->loop, EVRUN_ONCE);				\
	ev_timer_stop((f)->loop, &tick_);				\
	if (!(cond))							\
		fail_msg("not so after %.0f s: %s", WAIT_S, #cond);	\
} while (0)

/* Run the loop for a moment (to let a publish go, not to wait for it). */
static void
spin(struct fixture *f, double secs)
{
	ev_timer	tick;
	ev_tstamp	end = ev_time() + secs;

	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(f->loop, &tick);
	while (ev_time() < end)
		ev_run(f->loop, EVRUN_ONCE);
	ev_timer_stop(f->loop, &tick);
}

/*
 * Publish text to uid from b until g has a payload more than it had: a
 * new subscription reaches the server some time after bus_watch(), and
 * what is published before is lost, as the bus allows.
 */
static void
publish_until_seen(struct fixture *f, struct bus *b, uint64_t uid,
    const char *text, struct got *g)
{
	int	had = g->nuser, i;

	for (i = 0; i < 150 && g->nuser == had; i++) {
		assert_int_equal(bus_publish_user(b, uid,
		    (const uint8_t *)text, strlen(text)), 0);
		spin(f, 0.1);
	}
	assert_true(g->nuser > had);
}

/* The user payloads of g after index from, as "uid:origin:data;...". */
static void
payloads(const struct got *g, int from, char *out, size_t len)
{
	int	i;
	size_t	n = 0;

	out[0] = '\0';
	for (i = from; i < g->nuser && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%llu:%s:%s;",
		    (unsigned long long)g->uid[i], g->origin[i], g->data[i]);
}

/*
 * One turn's SESS payloads to a node leave as BATCHes: far more than
 * one batch holds (3 MB of MSGs, from a node whose name is one byte, so
 * that a batch's bound is its own and not the longest name's) all
 * arrive, in order, with no gap; what the queue to NATS has no room for
 * is refused before it takes a number (ENOBUFS), never lost.
 */
static void
test_sess_batches(void **state)
{
	struct fixture	*f = *state;
	struct bus	*a = bus_on(f, "a", &f->a), *b = bus_on(f, "b", &f->b);
	static uint8_t	 msg[3000];
	struct bus_stats st;
	uint64_t	 sid = 0, n;
	int		 i, refused = 0;

	RUN_UNTIL(f, f->a.nup == 1 && f->b.nup == 1);
	memset(msg, 'm', sizeof msg);
	/*
	 * A batch filled to 30 bytes short of its bound, then a 40-byte
	 * entry: it must start the next batch.  (An entry is 4 bytes of
	 * length, 8 of header, the name "a", 25 of SESS and the data.)
	 */
	for (i = 0; i < 174; i++)
		assert_int_equal(bus_publish_sess(a, "b", ++sid, BMO_MSG, msg,
		    3000 - 38), 0);
	assert_int_equal(bus_publish_sess(a, "b", ++sid, BMO_MSG, msg,
	    (BM_BATCH_MAX - 30) - 174 * 3000 - 38), 0);
	assert_int_equal(bus_publish_sess(a, "b", ++sid, BMO_MSG, msg, 2), 0);
	assert_int_equal(bus_publish_sess(a, "b", ++sid, BMO_MSG, msg, 2), 0);
	RUN_UNTIL(f, f->b.nsess == sid);
	assert_int_equal(f->b.gaps, 0);
	/* Then 3 MB of them, in one turn while there is room. */
	for (i = 0; i < 1000; i++) {
		if (bus_publish_sess(a, "b", sid + 1, BMO_MSG, msg,
		    sizeof msg - (size_t)(i % 97)) == -1) {
			assert_int_equal(errno, ENOBUFS);
			refused++;
			spin(f, 0.05);	/* room comes as NATS takes it */
			i--;
			continue;
		}
		sid++;
	}
	n = sid;
	RUN_UNTIL(f, f->b.nsess == n);
	assert_false(f->b.out_of_order);
	assert_int_equal(f->b.gaps, 0);
	bus_stats(a, &st);
	assert_int_equal(st.too_long, 0);
	assert_int_equal(st.out_full, 0);
	assert_int_equal(st.out_held, (uint64_t)refused);
	bus_free(b);
	bus_free(a);
}

static void
test_peers_appear_and_leave(void **state)
{
	struct fixture	*f = *state;
	struct bus	*a = bus_on(f, "a", &f->a), *b = bus_on(f, "b", &f->b);
	struct bus_stats st;

	RUN_UNTIL(f, f->a.nup == 1 && f->b.nup == 1);
	assert_string_equal(f->a.up[0], "b");
	assert_string_equal(f->b.up[0], "a");
	assert_int_equal(f->a.connected, 1);
	bus_stats(a, &st);
	assert_int_equal(st.connected, 1);
	assert_int_equal(st.peers, 1);
	/* A clean stop says goodbye: b is gone at once, not dead. */
	bus_free(b);
	RUN_UNTIL(f, f->a.ndown == 1);
	assert_string_equal(f->a.down[0], "b");
	assert_int_equal(f->a.why[0], BUS_DOWN_LEFT);
	bus_stats(a, &st);
	assert_int_equal(st.peers, 0);
	assert_int_equal(st.peers_left, 1);
	assert_int_equal(st.peers_dead, 0);
	/* The same name again is a peer again. */
	b = bus_on(f, "b", &f->b);
	RUN_UNTIL(f, f->a.nup == 2);
	assert_string_equal(f->a.up[1], "b");
	bus_free(b);
	bus_free(a);
}

static void
test_user_watch_counts_sessions(void **state)
{
	struct fixture	*f = *state;
	struct bus	*a = bus_on(f, "a", &f->a), *b = bus_on(f, "b", &f->b);
	struct bus_stats st;
	char		 s[512];
	int		 n;

	/* Two sessions of user 42 on a. */
	bus_watch(a, 42);
	bus_watch(a, 42);
	assert_int_equal(bus_watching(a, 42), 2);
	publish_until_seen(f, b, 42, "hello", &f->a);
	payloads(&f->a, 0, s, sizeof s);
	assert_string_equal(s, "42:b:hello;");
	assert_int_equal(f->b.nuser, 0);	/* b watches nobody */

	/* One session goes: still watched. */
	bus_unwatch(a, 42);
	assert_int_equal(bus_watching(a, 42), 1);
	n = f->a.nuser;
	assert_int_equal(bus_publish_user(b, 42, (const uint8_t *)"still", 5),
	    0);
	RUN_UNTIL(f, f->a.nuser == n + 1);
	payloads(&f->a, n, s, sizeof s);
	assert_string_equal(s, "42:b:still;");

	/*
	 * The last goes: nothing more for 42.  To know the server has the
	 * unsubscribe, a watches 43 after it (one connection, in order) and
	 * waits for a payload on 43; then b sends to 42 and to 43, in order,
	 * and only the one to 43 may arrive.
	 */
	bus_unwatch(a, 42);
	assert_int_equal(bus_watching(a, 42), 0);
	bus_watch(a, 43);
	n = f->a.nuser;
	publish_until_seen(f, b, 43, "ready", &f->a);
	n = f->a.nuser;
	assert_int_equal(bus_publish_user(b, 42, (const uint8_t *)"gone", 4),
	    0);
	assert_int_equal(bus_publish_user(b, 43, (const uint8_t *)"marker",
	    6), 0);
	RUN_UNTIL(f, f->a.nuser == n + 1);
	payloads(&f->a, n, s, sizeof s);
	assert_string_equal(s, "43:b:marker;");
	bus_stats(a, &st);
	assert_int_equal(st.watched, 1);
	assert_true(st.subscribes == 2 && st.unsubscribes == 1);
	assert_true(st.received == (uint64_t)f->a.nuser);

	/* Too long for the wire format: refused and counted. */
	{
		static uint8_t	big[BM_DATA_MAX + 1];

		assert_int_equal(bus_publish_user(b, 43, big, sizeof big), -1);
		bus_stats(b, &st);
		assert_int_equal(st.too_long, 1);
	}
	bus_free(b);
	bus_free(a);
}

static void
test_hostile_payloads_dropped(void **state)
{
	struct fixture		*f = *state;
	struct bus		*a = bus_on(f, "a", &f->a);
	natsConnection		*nc = NULL;
	struct bus_stats	 st;
	struct busmsg		 m;
	uint8_t			 buf[256];
	char			 url[64], s[256];
	size_t			 n;
	int			 had;

	RUN_UNTIL(f, f->a.connected == 1);
	bus_watch(a, 42);
	snprintf(url, sizeof url, "nats://127.0.0.1:%d", f->port);
	assert_int_equal(natsConnection_ConnectTo(&nc, url), NATS_OK);

	/* A valid payload, sent until the subscription is there. */
	memset(&m, 0, sizeof m);
	m.kind = BM_USER;
	strcpy(m.node, "x");
	m.uid = 42;
	m.data = (const uint8_t *)"ok";
	m.len = 2;
	n = busmsg_encode(buf, sizeof buf, &m);
	had = f->a.nuser;
	while (f->a.nuser == had) {
		assert_int_equal(natsConnection_Publish(nc, "chatd.user.42",
		    buf, (int)n), NATS_OK);
		natsConnection_Flush(nc);
		spin(f, 0.05);
	}

	/* Garbage, a truncation, another version, and a payload for 43 on
	 * 42's subject; then a marker. */
	natsConnection_Publish(nc, "chatd.user.42", "\001garbage", 8);
	natsConnection_Publish(nc, "chatd.user.42", buf, (int)n - 1);
	natsConnection_Publish(nc, "chatd.beat", "", 0);
	buf[0] = 9;
	natsConnection_Publish(nc, "chatd.user.42", buf, (int)n);
	buf[0] = BM_VERSION;
	m.uid = 43;
	n = busmsg_encode(buf, sizeof buf, &m);
	natsConnection_Publish(nc, "chatd.user.42", buf, (int)n);
	/* A beat on a user's subject is not a beat either. */
	memset(&m, 0, sizeof m);
	m.kind = BM_BEAT;
	strcpy(m.node, "x");
	m.incarnation = 1;
	m.interval_ms = 1000;
	n = busmsg_encode(buf, sizeof buf, &m);
	natsConnection_Publish(nc, "chatd.user.42", buf, (int)n);
	memset(&m, 0, sizeof m);
	m.kind = BM_USER;
	strcpy(m.node, "x");
	m.uid = 42;
	m.data = (const uint8_t *)"marker";
	m.len = 6;
	n = busmsg_encode(buf, sizeof buf, &m);
	had = f->a.nuser;
	natsConnection_Publish(nc, "chatd.user.42", buf, (int)n);
	natsConnection_Flush(nc);
	RUN_UNTIL(f, f->a.nuser == had + 1);
	payloads(&f->a, had, s, sizeof s);
	assert_string_equal(s, "42:x:marker;");
	bus_stats(a, &st);
	assert_int_equal(st.malformed, 3);
	assert_int_equal(st.bad_version, 1);
	assert_int_equal(st.wrong_subject, 2);
	assert_int_equal(f->a.nup, 0);		/* no beat got through */
	natsConnection_Destroy(nc);
	bus_free(a);
}

static void
test_nats_killed_and_restarted(void **state)
{
	struct fixture	*f = *state;
	struct bus	*a = bus_on(f, "a", &f->a), *b = bus_on(f, "b", &f->b);
	struct bus_stats st;
	uint64_t	 beats;
	int		 port = f->port, i;

	bus_watch(a, 7);
	publish_until_seen(f, b, 7, "before", &f->a);
	RUN_UNTIL(f, f->a.nup == 1 && f->b.nup == 1);

	nats_kill(f, SIGKILL);
	RUN_UNTIL(f, f->a.disconnected == 1 && f->b.disconnected == 1);
	bus_stats(a, &st);
	assert_int_equal(st.connected, 0);
	/* Published while NATS is away: dropped and counted, not queued. */
	assert_int_equal(bus_publish_user(b, 7, (const uint8_t *)"lost", 4),
	    0);
	RUN_UNTIL(f, (bus_stats(b, &st), st.offline > 0));

	nats_start(f, port);
	RUN_UNTIL(f, f->a.reconnected == 1 && f->b.reconnected == 1);
	/* The watch came back with the connection, and the beats go on. */
	publish_until_seen(f, b, 7, "after", &f->a);
	assert_string_equal(f->a.data[f->a.nuser - 1], "after");
	for (i = 0; i < f->a.nuser; i++)
		assert_string_not_equal(f->a.data[i], "lost");
	bus_stats(a, &st);
	beats = st.beats_received;
	RUN_UNTIL(f, (bus_stats(a, &st), st.beats_received >= beats + 3));
	assert_int_equal(st.connected, 1);
	assert_int_equal(st.disconnects, 1);
	assert_int_equal(st.reconnects, 1);
	bus_free(b);
	bus_free(a);
}

static void
test_null_bus_is_a_single_node(void **state)
{
	bus_watch(NULL, 1);
	bus_unwatch(NULL, 1);
	assert_int_equal(bus_watching(NULL, 1), 0);
	assert_int_equal(bus_publish_user(NULL, 1, (const uint8_t *)"x", 1),
	    -1);
	bus_free(NULL);
}

static void
test_servers_check(void **state)
{
	char	err[256];

	assert_int_equal(bus_servers_check("nats://127.0.0.1:4222", err,
	    sizeof err), 0);
	assert_int_equal(bus_servers_check("nats://a:1, nats://b:2,nats://c",
	    err, sizeof err), 0);
	assert_int_equal(bus_servers_check("nats://[::1]:4222", err,
	    sizeof err), 0);
	assert_int_equal(bus_servers_check("nats://u:p@h:4222", err,
	    sizeof err), 0);
	assert_int_equal(bus_servers_check("", err, sizeof err), -1);
	assert_int_equal(bus_servers_check("nats://a:1,", err, sizeof err),
	    -1);
	assert_int_equal(bus_servers_check("tls://a:1", err, sizeof err), -1);
	assert_int_equal(bus_servers_check("nats://", err, sizeof err), -1);
	assert_int_equal(bus_servers_check("nats://a:0", err, sizeof err), -1);
	assert_int_equal(bus_servers_check("nats://a:65536", err, sizeof err),
	    -1);
	assert_int_equal(bus_servers_check("nats://a b:1", err, sizeof err),
	    -1);
	assert_int_equal(bus_servers_check("nats://a:1,nats://a:1,nats://a:1,"
	    "nats://a:1,nats://a:1,nats://a:1,nats://a:1,nats://a:1,"
	    "nats://a:1,nats://a:1,nats://a:1,nats://a:1,nats://a:1,"
	    "nats://a:1,nats://a:1,nats://a:1,nats://a:1", err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "more than 16"));
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_bus_is_a_single_node),
		cmocka_unit_test(test_servers_check),
		cmocka_unit_test_setup_teardown(test_sess_batches, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peers_appear_and_leave,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_user_watch_counts_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_payloads_dropped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_nats_killed_and_restarted, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1)			/* one test, by name (a glob) */
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
