/*
 * endpoint.c: the endpoint: its socket and libev watchers, the server's
 * hash tables, turns (ep_enter() to ep_leave(), and hold and release)
 * that flush the sessions touched and set their timers once, the end of
 * a session (sess_die()) and the freeing of it later, the constructors,
 * sess_ep_free() and the small accessors.  It calls send.c to flush,
 * timer.c to arm timers, recv.c with each datagram and handshake.c to
 * free handshake state.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <sodium.h>

#include "base/addr.h"
#include "base/log.h"
#include "base/udp.h"
#include "base/wire.h"
#include "base/xmalloc.h"
#include "sess/sessint.h"

/* Fill in the values of the specification. */
void
sess_conf_default(struct sess_conf *c)
{
	memset(c, 0, sizeof *c);
	c->rto_init_ms = 1000;
	c->rto_min_ms = 200;
	c->rto_max_ms = 60000;
	c->ack_delay_ms = 10;
	c->keepalive_ms = 25000;
	c->dead_ms = 90000;
	c->handshake_ms = 30000;
	c->rekey_ms = 120000;
	c->rekey_packets = UINT64_C(1) << 20;
	c->window = SP_WINDOW;
	c->max_dgram = SP_MAX_DGRAM;
	c->max_queue = 1 << 20;
	c->max_sessions = 4096;
	c->seal = 1;
	c->aes_gcm = 1;
	c->src_half = 64;
	c->src_untrusted = 256;
	c->max_untrusted = 2048;
	c->hello_rate = 64;
	c->hello_burst = 128;
	c->untrusted_ms = 30000;
	c->pretrust_mem = 32 * 1024;
	c->mem_budget = (size_t)1 << 30;
}

/* Send the datagrams a turn has batched up. */
static void
ep_send_batch(struct sess_ep *ep)
{
	unsigned int	failed = 0;

	udp_send(ep->fd, ep->txb, &failed);
	ep->st.tx_failed += failed;
}

/* Send one datagram from the endpoint. */
void
ep_send(struct sess_ep *ep, const uint8_t *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	ep->st.tx_datagrams++;
	ep->st.tx_bytes += len;
	if (ep->xmit != NULL) {
		ep->xmit(ep->ioarg, buf, len, sa, salen);
		return;
	}
	/* Inside a turn, datagrams wait for one sendmmsg at its end. */
	if (ep->txb != NULL && ep->depth > 0) {
		if (udp_slot(ep->txb) == NULL)
			ep_send_batch(ep);
		memcpy(udp_slot(ep->txb), buf, len);
		udp_commit(ep->txb, len, sa, salen);
		return;
	}
	if (sendto(ep->fd, buf, len, 0, sa, salen) == -1)
		ep->st.tx_failed++;
}

/* Hash a connection id into the server's tables (keyed: ids are chosen
 * by clients). */
size_t
ep_hash(const struct sess_ep *ep, uint64_t id)
{
	uint8_t	in[8], out[crypto_shorthash_BYTES];

	wire_put64(in, id);
	crypto_shorthash(out, in, sizeof in, ep->hashkey);
	return (size_t)wire_get64(out) & ep->tabmask;
}

/* Put the bytes of an address (family, port, address, IPv6 scope) into
 * buf; their length, 7 or 23. */
size_t
ep_addr_bytes(const struct sockaddr *sa, uint8_t buf[23])
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		buf[0] = 4;
		memcpy(buf + 1, &sin->sin_port, 2);
		memcpy(buf + 3, &sin->sin_addr, 4);
		return 7;
	}
	sin6 = (const struct sockaddr_in6 *)sa;
	buf[0] = 6;
	memcpy(buf + 1, &sin6->sin6_port, 2);
	memcpy(buf + 3, &sin6->sin6_addr, 16);
	wire_put32(buf + 19, sin6->sin6_scope_id);
	return 23;
}

/* The tab_r chain of a client's connection id from an address: both are
 * the key, so that no one elsewhere can reach another's handshake. */
size_t
ep_hash_remote(const struct sess_ep *ep, uint64_t id,
    const struct sockaddr *sa)
{
	uint8_t	in[8 + 23], out[crypto_shorthash_BYTES];
	size_t	n;

	wire_put64(in, id);
	n = ep_addr_bytes(sa, in + 8);
	crypto_shorthash(out, in, 8 + n, ep->hashkey);
	return (size_t)wire_get64(out) & ep->tabmask;
}

/* The session whose local connection id is id. */
struct sess *
ep_find_local(const struct sess_ep *ep, uint64_t id)
{
	struct sess	*s;

	if (!ep->server)
		return ep->client != NULL && ep->client->lcid == id ?
		    ep->client : NULL;
	for (s = ep->tab_l[ep_hash(ep, id)]; s != NULL; s = s->next_l)
		if (s->lcid == id)
			return s;
	return NULL;
}

/* The server session opened by the client connection id id from sa. */
struct sess *
ep_find_remote(const struct sess_ep *ep, uint64_t id,
    const struct sockaddr *sa, socklen_t salen)
{
	struct sess	*s;

	for (s = ep->tab_r[ep_hash_remote(ep, id, sa)]; s != NULL;
	    s = s->next_r)
		if (s->rcid == id && s->peerlen == salen &&
		    memcmp(&s->peer, sa, salen) == 0)
			return s;
	return NULL;
}

/* Remove s from the server's hash tables. */
static void
ep_unhash(struct sess_ep *ep, struct sess *s)
{
	struct sess	**pp;

	if (!ep->server)
		return;
	for (pp = &ep->tab_l[ep_hash(ep, s->lcid)]; *pp != NULL;
	    pp = &(*pp)->next_l)
		if (*pp == s) {
			*pp = s->next_l;
			break;
		}
	for (pp = &ep->tab_r[s->ridx]; *pp != NULL;
	    pp = &(*pp)->next_r)
		if (*pp == s) {
			*pp = s->next_r;
			break;
		}
}

/* Free a dead session's memory. */
static void
sess_free(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	struct sess_buf	*b;
	unsigned int	 i;

	/* Drop the references the queue and the fragments hold. */
	for (i = 0; i < s->q_n; i++) {
		b = s->q[(s->q_head + i) & s->q_mask];
		ep->st.mem -= b->len - (i == 0 ? s->q_off : 0);
		buf_unref(b);
	}
	free(s->q);
	for (i = 0; s->snd != NULL && i <= s->snd_mask; i++) {
		if (s->snd[i].buf != NULL) {
			ep->st.mem -= s->snd[i].len;
			buf_unref(s->snd[i].buf);
		}
	}
	for (i = 0; i < SP_WINDOW; i++) {
		if (s->rcv != NULL && s->rcv[i].data != NULL) {
			ep->st.mem -= s->rcv[i].len;
			free(s->rcv[i].data);
		}
	}
	free(s->snd);
	free(s->rcv);
	if (s->rmsg != NULL) {
		ep->st.mem -= s->rmsg_len;
		free(s->rmsg);
	}
	if (s->all_prev != NULL)
		s->all_prev->all_next = s->all_next;
	else
		ep->all = s->all_next;
	if (s->all_next != NULL)
		s->all_next->all_prev = s->all_prev;
	if (ep->client == s)
		ep->client = NULL;
	hs_free(s);
	free(s->oldpath);
	ep->st.alloc -= s->alloc + mem_cost(sizeof *s);
	sodium_memzero(s, sizeof *s);
	free(s);
}

/* Free every dead session. */
static void
ep_reap(struct sess_ep *ep)
{
	struct sess	*s;

	while ((s = ep->dead) != NULL) {
		ep->dead = s->dead_next;
		sess_free(s);
	}
}

/* libev: free dead sessions outside any of their callbacks. */
static void
ep_reaper_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct sess_ep	*ep = w->data;

	ev_idle_stop(loop, w);
	ep_reap(ep);
}

/*
 * libev, before the loop blocks: flush the sessions sent to outside any
 * turn, each once.  At the lowest priority, so that what the
 * application's own prepare watchers send (chatd's group commit) leaves
 * with it.
 */
static void
ep_flusher_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct sess_ep	*ep = w->data;

	ev_prepare_stop(loop, w);
	ep_enter(ep);
	ep_leave(ep);
}

/* Leave: flush touched sessions, set their timers, free the dead. */
void
ep_leave(struct sess_ep *ep)
{
	struct sess	*s;

	if (ep->depth > 1) {
		ep->depth--;
		return;
	}
	/*
	 * The application's callbacks may have run for longer than dead_ms
	 * (a client working through a backlog): a peer heard in this turn
	 * was heard at its end, or the dead timer, run before the datagrams
	 * waiting in the socket, would end a session that is talking.
	 */
	ep->now = ep_clock(ep);
	while ((s = ep->pend) != NULL) {
		ep->pend = s->pend_next;
		s->pending = 0;
		if (s->heard) {
			s->heard = 0;
			s->last_rx = ep->now;
		}
		if (s->state == S_UP)
			send_flush(s);
		if (s->state != S_DEAD)
			timer_arm(s);
	}
	if (ep->txb != NULL)
		ep_send_batch(ep);
	ep->depth = 0;
	if (ep->dead != NULL) {
		if (ep->loop != NULL)
			ev_idle_start(ep->loop, &ep->reaper);
		else
			ep_reap(ep);
	}
}

/*
 * Leave a turn of the loop's own (input, a session's timer).  Coalescing,
 * what the turn made the sessions owe (ACKs, answers) waits for the rest
 * of this loop iteration's output to them, and leaves with it at the next
 * release, sess_ep_flush() or the flusher, which runs before the loop
 * blocks (with the datagrams the turn queued itself: handshake answers).
 * Nothing waits longer than the iteration, and the session timers that
 * fall due together send in one sendmmsg, not one each.
 */
void
ep_leave_late(struct sess_ep *ep)
{
	if (ep->coalesce && ep->depth == 1) {
		ep->depth = 0;
		ev_prepare_start(ep->loop, &ep->flusher);
		return;
	}
	ep_leave(ep);
}

/* Input turns leave their output for the end of the loop iteration. */
void
sess_ep_coalesce(struct sess_ep *ep, int on)
{
	ep->coalesce = on && ep->loop != NULL;
}

/* Send what waits, unless inside a hold (whose release will). */
void
sess_ep_flush(struct sess_ep *ep)
{
	if (ep->depth > 0)
		return;
	ep_enter(ep);
	ep_leave(ep);
}

/* Hold the endpoint's output until the matching release. */
void
sess_ep_hold(struct sess_ep *ep)
{
	ep_enter(ep);
}

/* End a hold: the outermost flushes every session sent to meanwhile. */
void
sess_ep_release(struct sess_ep *ep)
{
	ep_leave(ep);
}

/* End a session: callback, out of the tables, freed at a safe point. */
void
sess_die(struct sess *s, enum sess_reason why)
{
	struct sess_ep	*ep = s->ep;
	struct sess	**pp;
	int		 tell;

	if (s->state == S_DEAD)
		return;
	tell = s->was_up || !ep->server;
	src_detach(s);
	s->state = S_DEAD;
	s->reason = why;
	if (ep->loop != NULL)
		ev_timer_stop(ep->loop, &s->timer);
	ep_unhash(ep, s);
	ep->st.sessions--;
	if (s->was_up)
		ep->st.sessions_lost++;
	if (s->pending) {
		for (pp = &ep->pend; *pp != NULL; pp = &(*pp)->pend_next)
			if (*pp == s) {
				*pp = s->pend_next;
				break;
			}
		s->pending = 0;
	}
	s->dead_next = ep->dead;
	ep->dead = s;
	if (tell && ep->cb.lost != NULL) {
		ep->depth++;
		ep->cb.lost(s, why, ep->cb.arg);
		ep->depth--;
	}
}

/* libev: datagrams are waiting on the socket. */
static void
ep_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sess_ep	*ep = w->data;
	unsigned int	 i, n;
	int		 rounds, got;

	/* One turn for the whole batch: ACKs and data go out once, after
	 * everything that arrived together has been taken in.  The turn
	 * may be long (2048 datagrams): an application that commits once
	 * per loop iteration (chatd) gets that many per commit. */
	ep_enter(ep);
	for (rounds = 0; rounds < RECV_ROUNDS; rounds++) {
		if ((got = udp_recv(ep->fd, ep->batch)) <= 0)
			break;
		n = udp_count(ep->batch);
		for (i = 0; i < n; i++) {
			if (udp_truncated(ep->batch, i)) {
				ep->st.rx_datagrams++;
				ep->st.rx_truncated++;
				continue;
			}
			sess_ep_input(ep, udp_data(ep->batch, i),
			    udp_len(ep->batch, i), udp_addr(ep->batch, i),
			    udp_addrlen(ep->batch, i));
		}
		if (got < RECV_BATCH)
			break;
	}
	ep_leave_late(ep);
}

/* The largest size the endpoint probes for: none unless its socket
 * takes don't-fragment (or it sends through a hook, whose sockets are
 * the hook's to set: sess_socket_dontfrag()). */
static void
ep_probe_max(struct sess_ep *ep)
{
	uint32_t	m = ep->conf.max_dgram;

	if (m > SP_MAX_DGRAM)
		m = SP_MAX_DGRAM;
	ep->probe_max = 0;
	if (m > SP_BASE_DGRAM && (ep->xmit != NULL || (ep->fd >= 0 &&
	    sess_socket_dontfrag(ep->fd) == 0)))
		ep->probe_max = (uint16_t)m;
}

/* Common parts of a new endpoint. */
static struct sess_ep *
ep_new(struct ev_loop *loop, int fd, const struct sess_conf *conf,
    const struct sess_cb *cb)
{
	struct sess_ep	*ep;

	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");
	ep = xcalloc(1, sizeof *ep);
	ep->loop = loop;
	ep->fd = fd;
	if (conf != NULL)
		ep->conf = *conf;
	else
		sess_conf_default(&ep->conf);
	if (ep->conf.window == 0 || ep->conf.window > SP_WINDOW)
		ep->conf.window = SP_WINDOW;
	if (cb != NULL)
		ep->cb = *cb;
	ep_probe_max(ep);
	if (loop != NULL) {
		ep->batch = udp_batch_new(RECV_BATCH, SP_MAX_DGRAM, 0);
		ep->txb = udp_batch_new(SEND_BATCH, SP_MAX_DGRAM, UDP_GSO);
		ev_io_init(&ep->io, ep_io_cb, fd, EV_READ);
		ep->io.data = ep;
		ev_io_start(loop, &ep->io);
		ev_idle_init(&ep->reaper, ep_reaper_cb);
		ep->reaper.data = ep;
		ev_prepare_init(&ep->flusher, ep_flusher_cb);
		ev_set_priority(&ep->flusher, EV_MINPRI);
		ep->flusher.data = ep;
	}
	return ep;
}

/* A server endpoint. */
struct sess_ep *
sess_server_new(struct ev_loop *loop, int fd, const uint8_t pk[SP_PK_LEN],
    const uint8_t sk[SP_KEY_LEN], const struct sess_conf *conf,
    const struct sess_cb *cb)
{
	struct sess_ep	*ep;
	size_t		 n = 64;

	ep = ep_new(loop, fd, conf, cb);
	ep->server = 1;
	memcpy(ep->pk, pk, SP_PK_LEN);
	memcpy(ep->sk, sk, SP_KEY_LEN);
	while (n < ep->conf.max_sessions && n < (1u << 20))
		n *= 2;
	ep->tab_l = xcalloc(n, sizeof *ep->tab_l);
	ep->tab_r = xcalloc(n, sizeof *ep->tab_r);
	ep->tabmask = n - 1;
	crypto_shorthash_keygen(ep->hashkey);
	src_init(ep);
	return ep;
}

/* A client endpoint for one server. */
struct sess_ep *
sess_client_new(struct ev_loop *loop, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *name, const char *pinfile,
    const struct sess_conf *conf, const struct sess_cb *cb)
{
	struct sess_ep	*ep;
	char		 buf[ADDR_STRLEN];

	if (salen > sizeof ep->server_sa)
		fatalx("%s: address too long", __func__);
	ep = ep_new(loop, fd, conf, cb);
	memcpy(&ep->server_sa, sa, salen);
	ep->server_len = salen;
	ep->server_name = xstrdup(name != NULL ? name :
	    addr_str(sa, buf, sizeof buf));
	ep->pinfile = pinfile != NULL ? xstrdup(pinfile) : NULL;
	return ep;
}

/* Close every session quietly and free the endpoint. */
void
sess_ep_free(struct sess_ep *ep)
{
	struct sess	*s;

	if (ep == NULL)
		return;
	while ((s = ep->all) != NULL) {
		if (ep->loop != NULL)
			ev_timer_stop(ep->loop, &s->timer);
		if (s->state != S_DEAD) {
			ep_unhash(ep, s);
			src_detach(s);
			ep->st.sessions--;
		}
		sess_free(s);
	}
	ep->dead = NULL;
	if (ep->loop != NULL) {
		ev_io_stop(ep->loop, &ep->io);
		ev_idle_stop(ep->loop, &ep->reaper);
		ev_prepare_stop(ep->loop, &ep->flusher);
		udp_batch_free(ep->batch);
		udp_batch_free(ep->txb);
	}
	free(ep->tab_l);
	free(ep->tab_r);
	if (ep->server)
		src_fini(ep);
	free(ep->server_name);
	free(ep->pinfile);
	sodium_memzero(ep, sizeof *ep);
	free(ep);
}

/* The endpoint's counters. */
const struct sess_stats *
sess_ep_stats(const struct sess_ep *ep)
{
	return &ep->st;
}

/* Move to a new socket. */
void
sess_ep_set_fd(struct sess_ep *ep, int fd)
{
	struct sess	*s;

	ep->fd = fd;
	ep_probe_max(ep);
	/* Another socket, maybe another network: from the base again. */
	for (s = ep->all; s != NULL; s = s->all_next)
		pmtu_start(s);
	if (ep->loop != NULL) {
		ev_io_stop(ep->loop, &ep->io);
		ev_io_set(&ep->io, fd, EV_READ);
		ev_io_start(ep->loop, &ep->io);
	}
}

/* Replace socket and clock. */
void
sess_ep_set_io(struct sess_ep *ep, sess_xmit_fn *xmit, sess_clock_fn *clk,
    void *arg)
{
	ep->xmit = xmit;
	ep->clock = clk;
	ep->ioarg = arg;
	ep_probe_max(ep);
}

/* Is the session up? */
int
sess_is_up(const struct sess *s)
{
	return s->state == S_UP;
}

/* Bytes queued and not yet acknowledged. */
size_t
sess_queued(const struct sess *s)
{
	return s->queued;
}

/* The peer's current address. */
const struct sockaddr *
sess_peer(const struct sess *s, socklen_t *len)
{
	if (len != NULL)
		*len = s->peerlen;
	return (const struct sockaddr *)&s->peer;
}

/* The name of the AEAD sealing the session's DATA. */
const char *
sess_aead(const struct sess *s)
{
	return s->aesgcm ? "AES-256-GCM" : "XChaCha20-Poly1305";
}

/* Time since the session was made on a server. */
uint64_t
sess_age_ns(const struct sess *s)
{
	return s->ep->now - s->born;
}

/* The session's own connection id. */
uint64_t
sess_id(const struct sess *s)
{
	return s->lcid;
}

/* Attach application data. */
void
sess_set_data(struct sess *s, void *p)
{
	s->data = p;
}

/* The application data. */
void *
sess_data(const struct sess *s)
{
	return s->data;
}

/* The session's endpoint. */
struct sess_ep *
sess_ep(const struct sess *s)
{
	return s->ep;
}
