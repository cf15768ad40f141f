/*
 * recv.c: the receive path: sess_ep_input() hands each datagram to the
 * handshake or to ep_on_data(), which opens a DATA packet, follows a
 * roaming client and processes the frames; fragments wait in the receive
 * window and whole messages go to the application in order.  It uses
 * seal.c to open, recovery.c for ACK frames, handshake.c for the
 * handshake packets and endpoint.c for the tables and turns.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/addr.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "sess/sessint.h"

/* Deliver in-order fragments; -1 if the peer broke the framing. */
static int
sess_deliver(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	struct rfrag	*r;

	if (s->rcv == NULL)
		return 0;
	while ((r = &s->rcv[s->rcv_nxt % SP_WINDOW])->have) {
		if (r->flags & SP_FRAG_FIRST) {
			if (s->rmsg != NULL)
				return -1;
			s->rmsg = xmalloc(r->total);
			mem_take(s, mem_cost(r->total));
			s->rmsg_len = r->total;
			s->rmsg_off = 0;
			ep->st.mem += r->total;
		} else if (s->rmsg == NULL)
			return -1;
		if (r->total != s->rmsg_len ||
		    r->len > s->rmsg_len - s->rmsg_off)
			return -1;
		memcpy(s->rmsg + s->rmsg_off, r->data, r->len);
		s->rmsg_off += r->len;
		ep->st.mem -= r->len;
		mem_give(s, mem_cost(r->len));
		free(r->data);
		r->data = NULL;
		r->have = 0;
		s->rcv_held--;
		s->rcv_nxt++;
		if (r->flags & SP_FRAG_LAST) {
			uint8_t	*msg = s->rmsg;
			size_t	 len = s->rmsg_len;

			if (s->rmsg_off != len)
				return -1;
			s->rmsg = NULL;
			if (ep->cb.message != NULL)
				ep->cb.message(s, msg, len, ep->cb.arg);
			ep->st.mem -= len;
			mem_give(s, mem_cost(len));
			free(msg);
			if (s->state != S_UP)
				return 0;
		} else if (s->rmsg_off == s->rmsg_len)
			return -1;
	}
	return 0;
}

/*
 * An ACK is due at once (ACKNOW, or a second fragment).  Coalescing, it
 * may wait ACK_HOLD_NS for data going the same way to ride on (the next
 * commit release of a server), never longer: the peer's tail loss probe
 * waits at least twice that.  A sign of loss (out of order, a duplicate)
 * is still answered at once.
 */
static void
recv_ack_soon(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	uint64_t	 t = ep->now + ACK_HOLD_NS;

	if (!ep->coalesce || s->ack_pending == 0) {
		s->ack_now = 1;
		return;
	}
	if (s->ack_deadline == 0 || t < s->ack_deadline)
		s->ack_deadline = t;
}

/* Process a FRAG frame. */
static int
sess_on_frag(struct sess *s, const struct sp_frag *fr)
{
	struct sess_ep	*ep = s->ep;
	struct rfrag	*r;
	uint32_t	 d = fr->seq - s->rcv_nxt;
	size_t		 need;

	if (d >= UINT32_C(0x80000000)) {
		ep->st.rx_dup_frags++;
		s->ack_now = 1;
		return 0;
	}
	if (d >= SP_WINDOW) {
		ep->st.rx_out_of_window++;
		s->ack_now = 1;
		return 0;
	}
	if (++s->ack_pending >= 2)
		recv_ack_soon(s);
	else if (s->ack_deadline == 0)
		s->ack_deadline = ep->now + (uint64_t)ep->conf.ack_delay_ms * MS;
	/* The common case, the next fragment and a whole message: deliver
	 * it from the packet, with no copy and no window. */
	if (d == 0 && s->rmsg == NULL && fr->len == fr->total &&
	    (fr->flags & (SP_FRAG_FIRST | SP_FRAG_LAST)) ==
	    (SP_FRAG_FIRST | SP_FRAG_LAST)) {
		s->rcv_nxt++;
		if (ep->cb.message != NULL)
			ep->cb.message(s, fr->data, fr->len, ep->cb.arg);
		if (s->state != S_UP)
			return 0;
		return sess_deliver(s);
	}
	/*
	 * What holding it would allocate: its bytes, the window if this is
	 * the first held, the message if this starts one (reassembled when
	 * it is next in order).  Over the budget, or over an untrusted
	 * peer's share, it is dropped unacknowledged: the peer resends it.
	 */
	need = mem_cost(fr->len) + (s->rcv == NULL ?
	    mem_cost(SP_WINDOW * sizeof *s->rcv) : 0) +
	    ((fr->flags & SP_FRAG_FIRST) ? mem_cost(fr->total) : 0);
	if (mem_over(s, need)) {
		ep->st.rx_mem_dropped++;
		return 0;
	}
	if (s->rcv == NULL) {
		s->rcv = xcalloc(SP_WINDOW, sizeof *s->rcv);
		mem_take(s, mem_cost(SP_WINDOW * sizeof *s->rcv));
	}
	r = &s->rcv[fr->seq % SP_WINDOW];
	if (r->have) {
		ep->st.rx_dup_frags++;
		s->ack_now = 1;
		return 0;
	}
	if (d != 0)
		s->ack_now = 1;		/* out of order: tell at once */
	r->data = xmalloc(fr->len);
	mem_take(s, mem_cost(fr->len));
	memcpy(r->data, fr->data, fr->len);
	r->len = fr->len;
	r->total = fr->total;
	r->flags = fr->flags;
	r->have = 1;
	s->rcv_held++;
	ep->st.mem += fr->len;
	return sess_deliver(s);
}

/* The address now validated (echo, or back to the validated one). */
static void
sess_path_settle(struct sess *s)
{
	s->path_ok = 1;
	if (s->oldpath != NULL) {
		mem_give(s, mem_cost(sizeof *s->oldpath));
		free(s->oldpath);
		s->oldpath = NULL;
	}
}

/*
 * Follow the newest authentic packet to a new address, as mosh does,
 * and validate it as QUIC does (RFC 9000, 8.2 and 9): a challenge in
 * what is sent there, at most three times the bytes received from there
 * until it is echoed, and the last validated address kept for what
 * does not fit.  A return to that address needs no new proof.
 */
static void
sess_roam(struct sess *s, const struct sockaddr *sa, socklen_t salen,
    size_t len)
{
	struct sess_ep	*ep = s->ep;
	char		 a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (s->state == S_UP)
		log_debug("session %016llx moved from %s to %s",
		    (unsigned long long)s->lcid,
		    addr_str((struct sockaddr *)&s->peer, a, sizeof a),
		    addr_str(sa, b, sizeof b));
	ep->st.roams++;
	if (s->path_ok) {
		if (s->oldpath == NULL) {
			s->oldpath = xmalloc(sizeof *s->oldpath);
			mem_take(s, mem_cost(sizeof *s->oldpath));
		}
		memcpy(&s->oldpath->sa, &s->peer, s->peerlen);
		s->oldpath->len = s->peerlen;
	}
	memcpy(&s->peer, sa, salen);
	s->peerlen = salen;
	/* A new path: the base size, probed only once proven (pmtu.c). */
	pmtu_start(s);
	s->probe_due = 0;
	if (s->oldpath != NULL && s->oldpath->len == salen &&
	    memcmp(&s->oldpath->sa, sa, salen) == 0) {
		sess_path_settle(s);
		return;
	}
	s->path_ok = 0;
	s->path_rx = len;
	s->path_tx = 0;
	randombytes_buf(s->chal, sizeof s->chal);
	s->ack_now = 1;			/* challenge at once */
}

/* Process a DATA packet. */
static void
ep_on_data(struct sess_ep *ep, const uint8_t *pkt, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	uint8_t			 plain[SP_MAX_DGRAM];
	struct sp_frameval	 fv;
	struct sp_hdr		 h;
	struct sess		*s;
	size_t			 off = 0;
	int			 plen, newest, r = 0;

	if (sp_hdr_decode(pkt, len, &h) == -1) {
		ep->st.rx_malformed++;
		return;
	}
	if ((s = ep_find_local(ep, h.dcid)) == NULL ||
	    (s->state != S_UP && s->state != S_HALF)) {
		ep->st.rx_unknown++;
		return;
	}
	newest = sessreplay_newest(&s->replay, h.counter);
	if ((plen = seal_open(s, pkt, len, &h, plain)) == -1)
		return;
	sessreplay_mark(&s->replay, h.counter);
	sess_touch(s);
	s->last_rx = ep->now;
	s->heard = 1;
	s->confirmed = 1;
	/*
	 * Follow the newest authentic address of a client.  Only what
	 * arrives from the address being validated earns it a budget:
	 * older packets from elsewhere (the real client, behind a racing
	 * copy) must not pay for what is sent to a third party.
	 */
	if (ep->server && (salen != s->peerlen ||
	    memcmp(sa, &s->peer, salen) != 0)) {
		if (newest)
			sess_roam(s, sa, salen, len);
	} else if (!s->path_ok)
		s->path_rx += len;
	if (s->state == S_HALF) {
		/* The ACCEPT's round trip is the client's first DATA (sent on
		 * the ACCEPT's arrival); a later one (a PING after that was
		 * lost, data sent later) measures the client's timer. */
		if (h.counter != 0)
			s->hs->sends = 0;
		hs_up(s);
	}
	while (s->state == S_UP &&
	    (r = sp_frame_next(plain, (size_t)plen, &off, &fv)) == 1) {
		switch (fv.type) {
		case SP_F_ACK:
			if (recov_on_ack(s, &fv.ack) == -1) {
				sess_die(s, SESS_PROTOCOL);
				return;
			}
			break;
		case SP_F_FRAG:
			if (sess_on_frag(s, &fv.frag) == -1) {
				sess_die(s, SESS_PROTOCOL);
				return;
			}
			break;
		case SP_F_CLOSE:
			sess_die(s, fv.reason == SP_CLOSE_ELSEWHERE ?
			    SESS_PEER_ELSEWHERE : SESS_PEER_CLOSED);
			return;
		case SP_F_CHALLENGE:
			memcpy(s->resp, fv.path, SP_PATH_LEN);
			s->resp_pending = 1;
			s->ack_now = 1;
			break;
		case SP_F_RESPONSE:
			if (pmtu_on_response(s, fv.path))
				break;
			if (!s->path_ok && sodium_memcmp(fv.path, s->chal,
			    SP_PATH_LEN) == 0) {
				sess_path_settle(s);
				pmtu_start(s);	/* probe the proven path */
				ep->st.paths_validated++;
			}
			break;
		case SP_F_ACKNOW:
			recv_ack_soon(s);
			break;
		case SP_F_PING:
			/*
			 * A PING is answered at once with an ACK (which is
			 * never answered), so a peer whose keepalive or dead
			 * timer is shorter than ours still hears from us.
			 */
			s->ack_now = 1;
			break;
		case SP_F_PAD:
			break;
		}
	}
	if (r == -1) {
		ep->st.rx_malformed++;
		sess_die(s, SESS_PROTOCOL);
	}
}

/* Process one received datagram. */
void
sess_ep_input(struct sess_ep *ep, const uint8_t *pkt, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	ep_enter(ep);
	ep->st.rx_datagrams++;
	if (len > SP_MAX_DGRAM) {
		ep->st.rx_truncated++;
	} else if (salen > sizeof(struct sockaddr_storage)) {
		ep->st.rx_malformed++;
	} else {
		switch (sp_type(pkt, len)) {
		case SP_T_HELLO:
			hs_on_hello(ep, pkt, len, sa, salen);
			break;
		case SP_T_COOKIE:
			hs_on_cookie(ep, pkt, len);
			break;
		case SP_T_ACCEPT:
			hs_on_accept(ep, pkt, len);
			break;
		case SP_T_DATA:
			ep_on_data(ep, pkt, len, sa, salen);
			break;
		default:
			ep->st.rx_malformed++;
			break;
		}
	}
	ep_leave(ep);
}
