/*
 * pmtu.c: datagrams larger than SP_BASE_DGRAM where the path and the peer
 * take them (packetization-layer path MTU discovery, RFC 8899, in its
 * simplest form).
 *
 * A session sends datagrams of at most SP_BASE_DGRAM (1,200 bytes), which
 * every peer receives and almost every path carries.  Once it is up, its
 * address validated and (on a server) trusted, it sends a probe: a DATA
 * packet of the ladder's first size holding a CHALLENGE and PAD frames.
 * The peer answers every CHALLENGE with a RESPONSE; the answer to the
 * probe's proves that a datagram of that size crossed the path and that
 * the peer took it, so from then on the session packs its frames into
 * datagrams of that size.  A probe the path or the peer drops (a peer
 * that receives only 1,200 bytes counts it as truncated and never
 * answers) is tried PROBE_TRIES times, one RTO apart, then the next size
 * down; when none is answered the session stays at SP_BASE_DGRAM.
 *
 * The socket sets don't-fragment without taking the kernel's path MTU
 * (IP_PMTUDISC_PROBE), so a probe larger than the first link is refused
 * at once and one larger than a later link is dropped, never sent in IP
 * fragments.  A path that later stops carrying the size (a black hole:
 * BIG_LOSSES losses of large datagrams, by RTO, because later ones were
 * acknowledged, or because a small copy got through where the large one
 * did not, with none of their fragments acknowledged between) falls back
 * to SP_BASE_DGRAM and probes the ladder again after a raise timer
 * (pmtu_raise_later()).  An address change starts again from
 * SP_BASE_DGRAM, and probes the new address once its peer has echoed
 * the path challenge there (not on a return to the last validated
 * address, which needs no proof and gets no probe).  Fragments are cut
 * to at most SP_FRAG_MAX bytes whatever the size, so any of them can be
 * sent again in a datagram of SP_BASE_DGRAM.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include <sodium.h>

#include "sess/sessint.h"

#define PROBE_TRIES	2
#define PROBE_ETHER	1452	/* 1500 less IPv6 and UDP headers */
#define BIG_LOSSES	2	/* losses of large datagrams with none of
				 * their fragments acknowledged between */
#define RAISE_NS	(10000 * MS)	/* after a fall back, probe again */
#define RAISE_MAX_NS	(600000 * MS)

static void	pmtu_raise_later(struct sess *);

/* The size of ladder step i for the endpoint, or 0 past its end. */
static uint16_t
pmtu_step_size(const struct sess_ep *ep, unsigned int i)
{
	if (i == 0)
		return ep->probe_max;
	if (i == 1 && ep->probe_max > PROBE_ETHER)
		return PROBE_ETHER;
	return 0;
}

int
sess_socket_dontfrag(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	int			v4 = IP_PMTUDISC_PROBE, v6 = IPV6_PMTUDISC_PROBE;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6,
		    sizeof v6) == -1)
			return -1;
		/* IPv4 through a dual-stack socket: best effort. */
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4,
		    sizeof v4);
		return 0;
	}
	if (ss.ss_family != AF_INET)
		return -1;
	return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof v4);
}

/* A session on a new (or newly validated) path: from the base up. */
void
pmtu_start(struct sess *s)
{
	s->dgram = SP_BASE_DGRAM;
	s->probe_size = 0;
	s->probe_step = 0;
	s->probe_tries = 0;
	s->probe_deadline = 0;
	s->big_losses = 0;
	s->falls = 0;
	s->probe_due = s->ep->probe_max > SP_BASE_DGRAM;
}

/* Send the probe that is due, if the session may. */
void
pmtu_send(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	uint8_t		 plain[SP_MAX_PLAIN];
	size_t		 len, size;

	if (!s->probe_due || s->state != S_UP || !s->path_ok ||
	    !s->confirmed || !s->trusted || s->send_close)
		return;
	if ((size = pmtu_step_size(ep, s->probe_step)) == 0) {
		s->probe_due = 0;
		return;
	}
	s->probe_due = 0;
	s->probe_size = (uint16_t)size;
	s->probe_tries++;
	randombytes_buf(s->probe_chal, sizeof s->probe_chal);
	len = sp_path_encode(plain, SP_F_CHALLENGE, s->probe_chal);
	/* PAD frames (zero bytes) to the size probed. */
	memset(plain + len, 0, size - SP_HDR_LEN - SP_TAG_LEN - len);
	s->probe_deadline = ep->now + s->rto;
	ep->st.pmtu_probes++;
	send_output(s, plain, size - SP_HDR_LEN - SP_TAG_LEN);
}

/* A RESPONSE: 1 if it answers the probe out (the size is now used). */
int
pmtu_on_response(struct sess *s, const uint8_t path[SP_PATH_LEN])
{
	if (s->probe_size == 0 ||
	    sodium_memcmp(path, s->probe_chal, SP_PATH_LEN) != 0)
		return 0;
	if (s->probe_size > s->dgram) {
		s->dgram = s->probe_size;
		s->ep->st.pmtu_raised++;
	}
	s->probe_size = 0;
	s->probe_deadline = 0;
	s->probe_due = 0;
	s->probe_step = UINT8_MAX;	/* the largest that works: done */
	return 1;
}

/*
 * The deadline: the probe out is lost (again, or a size down), or,
 * with none out, the raise timer after a fall back (the ladder again).
 */
void
pmtu_tick(struct sess *s)
{
	if (s->probe_deadline == 0 || s->ep->now < s->probe_deadline)
		return;
	s->probe_deadline = 0;
	if (s->probe_size != 0) {
		s->probe_size = 0;
		if (s->probe_tries >= PROBE_TRIES) {
			s->probe_step++;
			s->probe_tries = 0;
		}
	}
	s->probe_due = pmtu_step_size(s->ep, s->probe_step) != 0;
	/* A ladder that failed after a fall back: again, later.  (One
	 * that failed from the start, a path or peer of 1200, is not
	 * tried again.) */
	if (!s->probe_due && s->falls > 0)
		pmtu_raise_later(s);
}

/*
 * The ladder again after a wait: RAISE_NS after the first fall back,
 * twice as long after each one (or each ladder that failed after one)
 * up to RAISE_MAX_NS, as RFC 8899's raise timer.  A fall back that a
 * random loss caused is so undone by the next probe; a real black hole
 * costs a probe of the ladder a little more rarely each time.
 */
static void
pmtu_raise_later(struct sess *s)
{
	uint64_t	wait = RAISE_NS;
	unsigned int	i;

	for (i = 0; i < s->falls && wait < RAISE_MAX_NS; i++)
		wait *= 2;
	if (wait > RAISE_MAX_NS)
		wait = RAISE_MAX_NS;
	if (s->falls < UINT8_MAX)
		s->falls++;
	s->probe_size = 0;
	s->probe_step = 0;
	s->probe_tries = 0;
	s->probe_due = 0;
	s->probe_deadline = s->ep->now + wait;
}

/* Evidence against the size: one more loss that large datagrams were
 * part of; after BIG_LOSSES of them with no fragment sent large
 * acknowledged in between, back to the base. */
static void
pmtu_count(struct sess *s)
{
	if (s->dgram <= SP_BASE_DGRAM || ++s->big_losses < BIG_LOSSES)
		return;
	s->dgram = SP_BASE_DGRAM;
	s->big_losses = 0;
	s->ep->st.pmtu_fallbacks++;
	pmtu_raise_later(s);
}

/*
 * A loss that large datagrams were part of: an RTO with fragments sent
 * large in flight, or fragments sent large declared lost because later
 * ones were acknowledged.  (A tail loss probe does not count: under
 * load they fire for ACKs that are only late.)
 */
void
pmtu_on_loss(struct sess *s)
{
	uint32_t	seq;
	int		big = 0;

	if (s->dgram <= SP_BASE_DGRAM)
		return;
	for (seq = s->snd_una; seq != s->snd_nxt && !big; seq++)
		big = s->snd[seq & s->snd_mask].state == F_INFLIGHT &&
		    s->snd[seq & s->snd_mask].big;
	if (big)
		pmtu_count(s);
}

/*
 * An ACK: if it acknowledges a fragment last sent large, large
 * datagrams get through and the count starts again; if it acknowledges
 * none of those but one that went large and was sent again small (a
 * tail loss probe's, say), the small copy got through where the large
 * one did not.
 */
void
pmtu_on_ack(struct sess *s, int big, int shrunk)
{
	if (big)
		s->big_losses = 0;
	else if (shrunk)
		pmtu_count(s);
}

size_t
sess_dgram_max(const struct sess *s)
{
	return s->dgram;
}
