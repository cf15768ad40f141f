/* sesssim.c: one server and one client across the impairment layer. */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tests/support/impair.h"
#include "base/log.h"
#include "sess/session.h"
#include "tests/support/sesssim.h"
#include "base/xmalloc.h"

#define SENT_SLOTS	32
#define STUCK_LIMIT	100000	/* steps at one instant before giving up */

struct sent {
	struct sockaddr_storage	sa;
	socklen_t		len;
	uint64_t		bytes;
};

struct sesssim {
	struct impair		*im;
	struct sess_ep		*srv, *cli;
	uint64_t		 now;
	uint64_t		 srv_next, cli_next;
	struct sockaddr_storage	 srv_sa, cli_sa, cli_ext;
	socklen_t		 srv_len, cli_len, cli_extlen;
	struct sent		 sent[SENT_SLOTS];
	unsigned int		 nsent;
	sesssim_tap_fn		*tap;
	void			*taparg;
	unsigned int		 stuck;
	struct sess_cb		 scb;		/* the test's server callbacks */
	int			 autotrust;
};

/* The server's up: trusted at once (as chatd's login would), unless
 * the test asks otherwise, then the test's callback. */
static void
sesssim_srv_up(struct sess *s, void *arg)
{
	struct sesssim	*sim = arg;

	if (sim->autotrust)
		sess_trust(s);
	if (sim->scb.up != NULL)
		sim->scb.up(s, sim->scb.arg);
}

static void
sesssim_srv_msg(struct sess *s, const uint8_t *b, size_t n, void *arg)
{
	struct sesssim	*sim = arg;

	if (sim->scb.message != NULL)
		sim->scb.message(s, b, n, sim->scb.arg);
}

static void
sesssim_srv_lost(struct sess *s, enum sess_reason why, void *arg)
{
	struct sesssim	*sim = arg;

	if (sim->scb.lost != NULL)
		sim->scb.lost(s, why, sim->scb.arg);
}

/* Whether the server trusts each session as it comes up (default 1). */
void
sesssim_autotrust(struct sesssim *sim, int on)
{
	sim->autotrust = on;
}

/* Fill in 10.0.0.host:port. */
void
sesssim_addr(struct sockaddr_storage *ss, socklen_t *len, unsigned int host,
    unsigned int port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(0x0a000000u | (host & 0xffffff));
	*len = sizeof *sin;
}

/* Are two addresses the same? */
static int
sesssim_same(const struct sockaddr *a, socklen_t alen,
    const struct sockaddr *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* The virtual clock. */
static uint64_t
sesssim_clock(void *arg)
{
	return ((struct sesssim *)arg)->now;
}

/* The server sends: account it, and route it if it is for the client. */
static void
sesssim_srv_xmit(void *arg, const uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	struct sesssim	*sim = arg;
	unsigned int	 i;

	if (sim->tap != NULL)
		sim->tap(sim->taparg, SESSSIM_S2C, buf, len, to, tolen);
	for (i = 0; i < sim->nsent; i++)
		if (sesssim_same((struct sockaddr *)&sim->sent[i].sa,
		    sim->sent[i].len, to, tolen))
			break;
	if (i == sim->nsent && i < SENT_SLOTS &&
	    tolen <= sizeof sim->sent[i].sa) {
		memcpy(&sim->sent[i].sa, to, tolen);
		sim->sent[i].len = tolen;
		sim->nsent++;
	}
	if (i < sim->nsent)
		sim->sent[i].bytes += len;
	if (sesssim_same(to, tolen, (struct sockaddr *)&sim->cli_ext,
	    sim->cli_extlen))
		impair_submit(sim->im, SESSSIM_S2C, sim->now, buf, len,
		    (struct sockaddr *)&sim->srv_sa, sim->srv_len);
}

/* The client sends: always towards the server. */
static void
sesssim_cli_xmit(void *arg, const uint8_t *buf, size_t len,
    const struct sockaddr *to, socklen_t tolen)
{
	struct sesssim	*sim = arg;

	if (sim->tap != NULL)
		sim->tap(sim->taparg, SESSSIM_C2S, buf, len, to, tolen);
	if (sesssim_same(to, tolen, (struct sockaddr *)&sim->srv_sa,
	    sim->srv_len))
		impair_submit(sim->im, SESSSIM_C2S, sim->now, buf, len,
		    (struct sockaddr *)&sim->cli_sa, sim->cli_len);
}

/* A server and a client across an impairment layer. */
struct sesssim *
sesssim_new(const struct impair_conf *ic, const struct sess_conf *sc,
    const struct sess_cb *scb, const struct sess_cb *ccb, const uint8_t *pk,
    const uint8_t *sk, const char *pinfile)
{
	return sesssim_new2(ic, sc, sc, scb, ccb, pk, sk, pinfile);
}

/* The same with a configuration for each end. */
struct sesssim *
sesssim_new2(const struct impair_conf *ic, const struct sess_conf *sc,
    const struct sess_conf *cc, const struct sess_cb *scb,
    const struct sess_cb *ccb, const uint8_t *pk, const uint8_t *sk,
    const char *pinfile)
{
	struct sesssim	*sim;
	struct sess_cb	 wrap;
	uint8_t		 gpk[SP_PK_LEN], gsk[SP_KEY_LEN];

	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");
	sim = xcalloc(1, sizeof *sim);
	sim->im = impair_new(ic);
	sim->autotrust = 1;
	if (scb != NULL)
		sim->scb = *scb;
	wrap = (struct sess_cb){ sesssim_srv_up, sesssim_srv_msg,
	    sesssim_srv_lost, sim };
	sesssim_addr(&sim->srv_sa, &sim->srv_len, 1, 9000);
	sesssim_addr(&sim->cli_sa, &sim->cli_len, 2, 40000);
	sim->cli_ext = sim->cli_sa;
	sim->cli_extlen = sim->cli_len;
	if (pk == NULL || sk == NULL) {
		crypto_kx_keypair(gpk, gsk);
		pk = gpk;
		sk = gsk;
	}
	sim->srv = sess_server_new(NULL, -1, pk, sk, sc, &wrap);
	sess_ep_set_io(sim->srv, sesssim_srv_xmit, sesssim_clock, sim);
	sim->cli = sess_client_new(NULL, -1, (struct sockaddr *)&sim->srv_sa,
	    sim->srv_len, "sim-server", pinfile, cc, ccb);
	sess_ep_set_io(sim->cli, sesssim_cli_xmit, sesssim_clock, sim);
	sodium_memzero(gsk, sizeof gsk);
	sim->srv_next = sim->cli_next = 0;
	return sim;
}

/* Free both endpoints and the layer. */
void
sesssim_free(struct sesssim *sim)
{
	if (sim == NULL)
		return;
	sess_ep_free(sim->cli);
	sess_ep_free(sim->srv);
	impair_free(sim->im);
	free(sim);
}

struct sess_ep *
sesssim_server(struct sesssim *sim)
{
	return sim->srv;
}

struct sess_ep *
sesssim_client(struct sesssim *sim)
{
	return sim->cli;
}

struct impair *
sesssim_impair(struct sesssim *sim)
{
	return sim->im;
}

uint64_t
sesssim_now(const struct sesssim *sim)
{
	return sim->now;
}

/* Watch every datagram sent. */
void
sesssim_tap(struct sesssim *sim, sesssim_tap_fn *fn, void *arg)
{
	sim->tap = fn;
	sim->taparg = arg;
}

/* Run both endpoints' due timers and note their next deadlines. */
static void
sesssim_timers(struct sesssim *sim)
{
	sim->srv_next = sess_ep_run(sim->srv);
	sim->cli_next = sess_ep_run(sim->cli);
}

/* Advance to the next event and process it. */
int
sesssim_step(struct sesssim *sim)
{
	struct impair_pkt	p;
	uint64_t		t;

	sesssim_timers(sim);
	t = impair_next(sim->im);
	if (sim->srv_next < t)
		t = sim->srv_next;
	if (sim->cli_next < t)
		t = sim->cli_next;
	if (t == UINT64_MAX)
		return 0;
	if (t > sim->now) {
		sim->now = t;
		sim->stuck = 0;
	} else if (++sim->stuck > STUCK_LIMIT)
		fatalx("%s: no progress at t=%llu", __func__,
		    (unsigned long long)sim->now);
	while (impair_pop(sim->im, sim->now, &p))
		sess_ep_input(p.dir == SESSSIM_C2S ? sim->srv : sim->cli,
		    p.data, p.len, p.from, p.fromlen);
	sesssim_timers(sim);
	return 1;
}

/* Step until done, time runs out, or nothing is left. */
int
sesssim_run(struct sesssim *sim, int (*done)(void *), void *arg,
    uint64_t for_ns)
{
	uint64_t	end = sim->now + for_ns;

	for (;;) {
		if (done != NULL && done(arg))
			return 1;
		sesssim_timers(sim);
		if (impair_next(sim->im) > end && sim->srv_next > end &&
		    sim->cli_next > end) {
			sim->now = end;
			sesssim_timers(sim);
			return done != NULL && done(arg);
		}
		if (!sesssim_step(sim))
			return 0;
	}
}

/* Deliver a datagram now, bypassing the layer. */
void
sesssim_inject(struct sesssim *sim, int dir, const uint8_t *buf, size_t len,
    const struct sockaddr *from, socklen_t fromlen)
{
	sess_ep_input(dir == SESSSIM_C2S ? sim->srv : sim->cli, buf, len,
	    from, fromlen);
}

/* Move the client. */
void
sesssim_roam(struct sesssim *sim, const struct sockaddr *sa, socklen_t len)
{
	if (len > sizeof sim->cli_ext)
		return;
	memcpy(&sim->cli_ext, sa, len);
	sim->cli_extlen = len;
	impair_rebind(sim->im, SESSSIM_C2S, sa, len);
}

const struct sockaddr *
sesssim_client_addr(const struct sesssim *sim, socklen_t *len)
{
	*len = sim->cli_extlen;
	return (const struct sockaddr *)&sim->cli_ext;
}

const struct sockaddr *
sesssim_server_addr(const struct sesssim *sim, socklen_t *len)
{
	*len = sim->srv_len;
	return (const struct sockaddr *)&sim->srv_sa;
}

/* Bytes the server has sent to sa. */
uint64_t
sesssim_sent_to(const struct sesssim *sim, const struct sockaddr *sa)
{
	unsigned int	i;
	socklen_t	len = sa->sa_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6);

	for (i = 0; i < sim->nsent; i++)
		if (sesssim_same((struct sockaddr *)&sim->sent[i].sa,
		    sim->sent[i].len, sa, len))
			return sim->sent[i].bytes;
	return 0;
}
