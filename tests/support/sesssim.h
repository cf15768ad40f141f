/*
 * sesssim.h: an in-process network of one session server and one client
 * across the impairment layer, on a virtual clock.  Tests, fuzz targets
 * and benchmarks use it to run thousands of round trips in milliseconds,
 * deterministically: the clock jumps straight to the next event (a
 * datagram due or a session timer), so nothing waits for real time.
 *
 * The server is at 10.0.0.1:9000 and the client at 10.0.0.2:40000 (or
 * wherever sesssim_roam() moves it).  Direction SESSSIM_C2S of the
 * impairment layer carries client datagrams, SESSSIM_S2C server ones; the
 * server's datagrams reach the client only when addressed to its current
 * address.
 */
#ifndef SESSSIM_H
#define SESSSIM_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "tests/support/impair.h"
#include "sess/session.h"

#define SESSSIM_C2S	0
#define SESSSIM_S2C	1

struct sesssim;

/* Watches every datagram an endpoint sends (before impairment). */
typedef void	sesssim_tap_fn(void *arg, int dir, const uint8_t *, size_t,
		    const struct sockaddr *to, socklen_t);

/*
 * A server and a client endpoint (no session yet: sess_connect() the
 * client).  pk/sk NULL: a fresh server key pair.  pinfile is the client's.
 */
struct sesssim	*sesssim_new(const struct impair_conf *,
		    const struct sess_conf *, const struct sess_cb *server_cb,
		    const struct sess_cb *client_cb, const uint8_t *pk,
		    const uint8_t *sk, const char *pinfile);
/* The same with a configuration for each end (cc: the client's). */
struct sesssim	*sesssim_new2(const struct impair_conf *,
		    const struct sess_conf *sc, const struct sess_conf *cc,
		    const struct sess_cb *server_cb,
		    const struct sess_cb *client_cb, const uint8_t *pk,
		    const uint8_t *sk, const char *pinfile);
void		 sesssim_free(struct sesssim *);
/*
 * Whether the server's application trusts each session as it comes up
 * (sess_trust(), as chatd does at login): 1 by default, so that tests
 * of the transport are not subject to the limits on untrusted peers.
 */
void		 sesssim_autotrust(struct sesssim *, int);
struct sess_ep	*sesssim_server(struct sesssim *);
struct sess_ep	*sesssim_client(struct sesssim *);
struct impair	*sesssim_impair(struct sesssim *);
uint64_t	 sesssim_now(const struct sesssim *);
void		 sesssim_tap(struct sesssim *, sesssim_tap_fn *, void *);

/* Advance to the next event and process it: 1, or 0 if nothing is left. */
int		 sesssim_step(struct sesssim *);
/*
 * Step until done(arg) is true (1) or for_ns of virtual time pass or
 * nothing is left to do (0).  done may be NULL.
 */
int		 sesssim_run(struct sesssim *, int (*done)(void *), void *arg,
		    uint64_t for_ns);

/* Deliver a datagram straight to the server (SESSSIM_C2S) or client. */
void		 sesssim_inject(struct sesssim *, int dir, const uint8_t *,
		    size_t, const struct sockaddr *from, socklen_t);
/* Move the client to a new address (the server sees it change). */
void		 sesssim_roam(struct sesssim *, const struct sockaddr *,
		    socklen_t);
const struct sockaddr *sesssim_client_addr(const struct sesssim *,
		    socklen_t *);
const struct sockaddr *sesssim_server_addr(const struct sesssim *,
		    socklen_t *);
/* Bytes the server has sent to sa. */
uint64_t	 sesssim_sent_to(const struct sesssim *,
		    const struct sockaddr *);

/* Fill sin with 10.0.0.host:port. */
void		 sesssim_addr(struct sockaddr_storage *, socklen_t *,
		    unsigned int host, unsigned int port);

#endif
