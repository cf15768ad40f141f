/*
 * source.c: a server's accounting per source (docs/PROTOCOL.md 4.5.3).
 * A source is an IPv4 address or an IPv6 /64 (what one host, or one
 * customer of a provider, can easily vary within).  Every session that
 * has not been given sess_trust() counts against its source (and, while
 * half-open, against its source's half-open count) and against the
 * endpoint's untrusted total; handshakes per source are rate-limited
 * before any public-key work.  Trusted sessions are not counted here at
 * all, so a NAT with thousands of users who have logged in is never
 * refused.  It uses endpoint.c's address bytes and base's ratelimit.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/ratelimit.h"
#include "base/wire.h"
#include "base/xmalloc.h"
#include "sess/sessint.h"

#define SRC_RL_TABLE	4096	/* rate-limit entries (fixed memory) */

/* The source key of an address: IPv4 (mapped or not), or an IPv6 /64. */
static void
src_key(const struct sockaddr *sa, uint8_t key[16])
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &sin->sin_addr, 4);
		return;
	}
	sin6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		memcpy(key, &sin6->sin6_addr, 16);
	else
		memcpy(key, &sin6->sin6_addr, 8);
}

/* The chain of a source key. */
static size_t
src_hash(const struct sess_ep *ep, const uint8_t key[16])
{
	uint8_t	out[crypto_shorthash_BYTES];

	crypto_shorthash(out, key, 16, ep->hashkey);
	return (size_t)wire_get64(out) & ep->srcmask;
}

/* The entry of a source, or NULL. */
static struct sess_src *
src_find(const struct sess_ep *ep, const uint8_t key[16])
{
	struct sess_src	*e;

	for (e = ep->srctab[src_hash(ep, key)]; e != NULL; e = e->next)
		if (memcmp(e->key, key, 16) == 0)
			return e;
	return NULL;
}

/* Log2 of the interval between tokens for a rate per second. */
static int
src_interval(uint32_t rate)
{
	int	i = 0;

	while (i < 10 && (UINT32_C(2) << i) <= rate)
		i++;
	return -i;
}

/* Set up the tables of a server endpoint. */
void
src_init(struct sess_ep *ep)
{
	struct ratelimit_conf	rc;
	size_t			n = 64;

	while (n < ep->conf.max_untrusted && n < (1u << 20))
		n *= 2;
	ep->srctab = xcalloc(n, sizeof *ep->srctab);
	ep->srcmask = n - 1;
	memset(&rc, 0, sizeof rc);
	rc.enable = ep->conf.hello_rate > 0;
	rc.interval = src_interval(ep->conf.hello_rate);
	rc.burst = ep->conf.hello_burst < 1 ? 1 :
	    ep->conf.hello_burst > 256 ? 256 : (int)ep->conf.hello_burst;
	rc.leak = 0;
	rc.table_size = SRC_RL_TABLE;
	rc.ipv6_prefix = 64;
	ep->hello_rl = ratelimit_new(&rc);
}

/* Free what src_init() made (the entries went with their sessions). */
void
src_fini(struct sess_ep *ep)
{
	ratelimit_free(ep->hello_rl);
	free(ep->srctab);
}

/*
 * May a HELLO with a valid cookie from sa open a session?  The checks
 * cost no public-key work; the rate is charged only when every cap
 * allows, so a source at its cap does not spend tokens.
 */
int
src_admit(struct sess_ep *ep, const struct sockaddr *sa)
{
	const struct sess_conf	*c = &ep->conf;
	struct sess_src		*e;
	uint8_t			 key[16];
	size_t			 need;

	if (ep->st.sessions >= c->max_sessions) {
		ep->st.rx_refused++;
		return -1;
	}
	if (c->max_untrusted != 0 && ep->st.untrusted >= c->max_untrusted) {
		ep->st.rx_refused_untrusted++;
		return -1;
	}
	src_key(sa, key);
	if ((e = src_find(ep, key)) != NULL) {
		if (c->src_half != 0 && e->half >= c->src_half) {
			ep->st.rx_refused_src_half++;
			return -1;
		}
		if (c->src_untrusted != 0 && e->untrusted >= c->src_untrusted) {
			ep->st.rx_refused_src++;
			return -1;
		}
	}
	need = mem_cost(sizeof(struct sess)) + mem_cost(sizeof(struct sess_hs)) +
	    (e == NULL ? mem_cost(sizeof *e) : 0);
	if (c->mem_budget != 0 && ep->st.alloc + need > c->mem_budget) {
		ep->st.rx_refused_mem++;
		return -1;
	}
	if (ratelimit_check(ep->hello_rl, sa, ep->now) != RATELIMIT_PASS) {
		ep->st.rx_hello_limited++;
		return -1;
	}
	return 0;
}

/* Count a new half-open session against its source. */
void
src_attach(struct sess *s, const struct sockaddr *sa)
{
	struct sess_ep	*ep = s->ep;
	struct sess_src	*e;
	uint8_t		 key[16];
	size_t		 i;

	src_key(sa, key);
	if ((e = src_find(ep, key)) == NULL) {
		e = xcalloc(1, sizeof *e);
		memcpy(e->key, key, 16);
		i = src_hash(ep, key);
		e->next = ep->srctab[i];
		ep->srctab[i] = e;
		ep->st.alloc += mem_cost(sizeof *e);
	}
	e->half++;
	e->untrusted++;
	ep->st.untrusted++;
	s->src = e;
}

/* The session is no longer half-open. */
void
src_half_done(struct sess *s)
{
	if (s->src != NULL && s->state == S_HALF)
		s->src->half--;
}

/* The session is trusted or ends: it no longer counts (call before its
 * state changes from S_HALF, so the half-open count is right). */
void
src_detach(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	struct sess_src	*e = s->src, **pp;

	if (e == NULL)
		return;
	src_half_done(s);
	s->src = NULL;
	e->untrusted--;
	ep->st.untrusted--;
	if (e->untrusted > 0)
		return;
	for (pp = &ep->srctab[src_hash(ep, e->key)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	ep->st.alloc -= mem_cost(sizeof *e);
	free(e);
}

/* The application trusts the session's peer. */
void
sess_trust(struct sess *s)
{
	if (s->state == S_DEAD)
		return;
	src_detach(s);
	s->trusted = 1;
}

/* Has the session been trusted (always, on a client)? */
int
sess_trusted(const struct sess *s)
{
	return s->trusted;
}
