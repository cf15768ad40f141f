/*
 * send.c: the send path: the queue of messages (sess_send()), cutting
 * them into the send window, packing an ACK, fragments and path frames
 * into DATA packets (send_flush()), sealing and sending one
 * (send_output()), and sess_close().  It uses seal.c to seal, recovery.c
 * to start the retransmission timer and endpoint.c to send and for turns.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "base/xmalloc.h"
#include "sess/sessint.h"

/* Seal plain frames into a DATA packet and send it to the peer. */
void
send_output(struct sess *s, const uint8_t *plain, size_t plen)
{
	struct sess_ep		*ep = s->ep;
	uint8_t			 pkt[SP_MAX_DGRAM], chal[SP_MAX_PLAIN];
	const struct sockaddr	*to = (const struct sockaddr *)&s->peer;
	socklen_t		 tolen = s->peerlen;
	size_t			 clen, dlen;
	struct sp_hdr		 h;

	if (s->tx_ctr >= COUNTER_LIMIT) {
		sess_die(s, SESS_EXHAUSTED);
		return;
	}
	if (s->tx_epoch_pkts >= ep->conf.rekey_packets ||
	    ep->now - s->tx_epoch_t >= (uint64_t)ep->conf.rekey_ms * MS) {
		seal_ratchet(s->txk, s->txk);
		s->tx_epoch++;
		s->tx_epoch_pkts = 0;
		s->tx_epoch_t = ep->now;
		ep->st.rekeys++;
	}
	s->last_tx = ep->now;
	if (!s->path_ok) {
		/*
		 * A new address, not yet proven: what goes there carries the
		 * challenge and stays within three times what came from
		 * there; what does not fit goes to the last validated
		 * address (never with the challenge, whose echo must prove
		 * the new one), or, with none, counts as lost.
		 */
		dlen = SP_HDR_LEN + plen + SP_PATH_FRAME + SP_TAG_LEN;
		if (plen + SP_PATH_FRAME <= (size_t)s->dgram - SP_HDR_LEN -
		    SP_TAG_LEN &&
		    s->path_tx + dlen <= 3 * s->path_rx) {
			memcpy(chal, plain, plen);
			plen += sp_path_encode(chal + plen, SP_F_CHALLENGE,
			    s->chal);
			plain = chal;
			s->path_tx += dlen;
		} else if (s->oldpath != NULL) {
			to = (const struct sockaddr *)&s->oldpath->sa;
			tolen = s->oldpath->len;
			ep->st.tx_old_path++;
		} else {
			ep->st.tx_unvalidated++;
			return;		/* as if lost: retransmission follows */
		}
	}
	h.epoch = (uint8_t)s->tx_epoch;
	h.dcid = s->rcid;
	h.counter = s->tx_ctr++;
	s->tx_epoch_pkts++;
	sp_hdr_encode(pkt, &h);
	if (ep->conf.seal)
		clen = seal_data(s, pkt, plain, plen, h.counter, s->txk);
	else {
		memcpy(pkt + SP_HDR_LEN, plain, plen);
		memset(pkt + SP_HDR_LEN + plen, 0, SP_TAG_LEN);
		clen = plen + SP_TAG_LEN;
	}
	ep_send(ep, pkt, SP_HDR_LEN + clen, to, tolen);
}

/* Build the ACK frame for what we hold. */
static void
sess_build_ack(struct sess *s, struct sp_ack *a)
{
	uint32_t	d;
	int		in = 0;

	a->next = s->rcv_nxt;
	a->nsack = 0;
	for (d = 1; s->rcv_held > 0 && d < SP_WINDOW; d++) {
		if (s->rcv[(s->rcv_nxt + d) % SP_WINDOW].have) {
			if (!in) {
				if (a->nsack == SP_MAX_SACK)
					break;
				a->sack[a->nsack].start = s->rcv_nxt + d;
				in = 1;
			}
			a->sack[a->nsack].end = s->rcv_nxt + d + 1;
		} else if (in) {
			a->nsack++;
			in = 0;
		}
	}
	if (in)
		a->nsack++;
	s->ack_pending = 0;
	s->ack_now = 0;
	s->ack_deadline = 0;
}

/* Put one fragment's frame at p and account its transmission. */
static size_t
sess_put_frag(struct sess *s, uint8_t *p, uint32_t seq)
{
	struct sfrag	*f = &s->snd[seq & s->snd_mask];
	struct sp_frag	 fr;

	fr.flags = f->flags;
	fr.seq = seq;
	fr.total = f->total;
	fr.len = f->len;
	fr.data = f->buf->bytes;
	if (f->nxmit > 0)
		s->ep->st.retransmits++;
	if (f->nxmit < UINT8_MAX)
		f->nxmit++;
	f->sent = s->ep->now;
	f->xno = ++s->xno_next;
	if (f->lost) {
		f->lost = 0;
		s->nlost--;
	}
	s->pipe++;
	recov_rto_start(s);
	return sp_frag_encode(p, &fr);
}

/*
 * Make room in the send window for one more fragment: it starts small
 * (most sessions have a message or two in flight) and doubles up to
 * SP_WINDOW, the fragments in flight keeping their sequence numbers.
 */
static void
sess_snd_grow(struct sess *s)
{
	struct sfrag	*n;
	uint32_t	 mask, seq;

	mask = s->snd == NULL ? SND_INIT - 1 : s->snd_mask * 2 + 1;
	n = xcalloc((size_t)mask + 1, sizeof *n);
	mem_take(s, mem_cost(((size_t)mask + 1) * sizeof *n));
	for (seq = s->snd_una; s->snd != NULL && seq != s->snd_nxt; seq++)
		n[seq & mask] = s->snd[seq & s->snd_mask];
	if (s->snd != NULL)
		mem_give(s, mem_cost(((size_t)s->snd_mask + 1) * sizeof *n));
	free(s->snd);
	s->snd = n;
	s->snd_mask = mask;
}

/*
 * Cut the next fragment of the queue into the window, at most max bytes:
 * 0, -1 when the queue is empty or the window full, -2 when no worthwhile
 * piece fits in max.
 */
static int
sess_new_frag(struct sess *s, size_t max)
{
	struct sess_buf	*b;
	struct sfrag	*f;
	size_t		 n;

	if (s->q_n == 0 || s->snd_nxt - s->snd_una >= s->ep->conf.window ||
	    s->pipe >= s->cwnd)
		return -1;
	b = s->q[s->q_head & s->q_mask];
	n = b->len - s->q_off;
	if (n > SP_FRAG_MAX)
		n = SP_FRAG_MAX;
	if (n > max) {
		if (max < 256)
			return -2;
		n = max;
	}
	if (s->snd == NULL || s->snd_nxt - s->snd_una > s->snd_mask)
		sess_snd_grow(s);
	f = &s->snd[s->snd_nxt & s->snd_mask];
	/*
	 * The whole message in one fragment takes over the queue's
	 * reference to its block, and its charge.  A piece of a longer
	 * message is a copy in a block of its own, charged as such: were it
	 * a reference, the session could hold a 64 KiB block by one piece
	 * unacknowledged while charged for that piece alone.  The queue's
	 * reference and charge go with the last piece.
	 */
	if (s->q_off == 0 && n == b->len)
		f->buf = b;
	else {
		f->buf = sess_buf_new(b->bytes + s->q_off, n);
		mem_take(s, BUF_COST(n));
	}
	f->len = (uint16_t)n;
	f->total = (uint32_t)b->len;
	f->flags = (s->q_off == 0 ? SP_FRAG_FIRST : 0);
	f->state = F_INFLIGHT;
	f->lost = 0;
	f->nxmit = 0;
	f->big = 0;
	f->shrunk = 0;
	s->q_off += n;
	if (s->q_off == b->len) {
		f->flags |= SP_FRAG_LAST;
		s->q_head++;
		s->q_n--;
		s->q_off = 0;
		if (n != b->len) {
			mem_give(s, BUF_COST(b->len));
			buf_unref(b);
		}
	}
	return 0;
}

/*
 * Send everything due, packed into as few datagrams as possible: an ACK
 * first, then retransmissions in sequence order, then new fragments while
 * the window allows; a PING if the line has been quiet for keepalive_ms.
 */
static void
send_flush_data(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	uint8_t		 plain[SP_MAX_PLAIN];
	size_t		 max = (size_t)s->dgram - SP_HDR_LEN - SP_TAG_LEN;
	struct sp_ack	 ack;
	struct sfrag	*f;
	size_t		 used, room, reserve;
	uint32_t	 seq, put[SP_MAX_PLAIN / (SP_FRAG_HDR + 1) + 1];
	int		 want_ack, pending, data, more, r, sent = 0;
	int		 frags, i, big;

	if (s->state != S_UP)
		return;
	if (s->send_close) {
		send_output(s, plain, sp_close_encode(plain,
		    s->close_reason));
		return;
	}
	do {
		used = 0;
		more = 0;
		/* Room for path frames, which go last. */
		reserve = 1 + (!s->path_ok ? SP_PATH_FRAME : 0) +
		    (s->resp_pending ? SP_PATH_FRAME : 0);
		frags = 0;
		want_ack = s->ack_now ||
		    (s->ack_pending > 0 && s->ack_deadline <= ep->now);
		/*
		 * Data carries the acknowledgement: pending, in every
		 * datagram; else in the first of a flush, so that an ACK
		 * the path lost is repaired by the next data going this
		 * way, not by the peer's retransmission timer (which a
		 * late ACK's RTT sample then lengthens).
		 */
		pending = want_ack || s->ack_pending > 0;
		data = s->nlost > 0 || (s->q_n > 0 &&
		    s->snd_nxt - s->snd_una < ep->conf.window &&
		    s->pipe < s->cwnd);
		if (want_ack || (data && (s->ack_pending > 0 || sent == 0))) {
			sess_build_ack(s, &ack);
			used += sp_ack_encode(plain, &ack);
		}
		for (seq = s->snd_una; s->nlost > 0 && seq != s->snd_nxt;
		    seq++) {
			f = &s->snd[seq & s->snd_mask];
			if (f->state != F_INFLIGHT || !f->lost)
				continue;
			/* Within the congestion window, but always one
			 * (unless a pending ACK takes this datagram). */
			if (s->pipe >= s->cwnd && (frags > 0 || sent > 0 ||
			    (used > 0 && pending)))
				break;
			if (used + reserve + SP_FRAG_HDR + f->len >
			    max) {
				more = 1;
				break;
			}
			used += sess_put_frag(s, plain + used, seq);
			put[frags++] = seq;
		}
		while (!more) {
			if (used + reserve + SP_FRAG_HDR >= max) {
				more = s->q_n > 0;
				break;
			}
			room = max - used - reserve - SP_FRAG_HDR;
			if ((r = sess_new_frag(s, room)) == -1)
				break;
			if (r == -2) {
				more = 1;
				break;
			}
			put[frags++] = s->snd_nxt;
			used += sess_put_frag(s, plain + used, s->snd_nxt++);
		}
		/*
		 * When this is the last we can send for now (window full or
		 * nothing left), ask for an ACK at once rather than after the
		 * ACK delay: the sender would otherwise sit idle.
		 */
		if (frags > 0 && (s->pipe >= s->cwnd ||
		    (s->q_n == 0 && s->nlost == 0)))
			used += sp_acknow_encode(plain + used);
		if (used == 0 && !s->resp_pending && ep->now - s->last_tx >=
		    (uint64_t)ep->conf.keepalive_ms * MS)
			used += sp_ping_encode(plain);
		if (used == 0 && !s->resp_pending)
			return;
		if (s->resp_pending) {
			used += sp_path_encode(plain + used, SP_F_RESPONSE,
			    s->resp);
			s->resp_pending = 0;
		}
		send_output(s, plain, used);
		sent++;
		/* Which fragments rode in a datagram over the base size: their
		 * acknowledgement shows the path carries it (pmtu.c). */
		big = SP_HDR_LEN + used + SP_TAG_LEN > SP_BASE_DGRAM;
		for (i = 0; i < frags; i++) {
			f = &s->snd[put[i] & s->snd_mask];
			if (f->big && !big)
				f->shrunk = 1;	/* large, now again small */
			f->big = (uint8_t)big;
		}
	} while (more && s->state == S_UP);
}

/* Send what the session owes its peer, then a datagram size probe if
 * one is due (pmtu.c). */
void
send_flush(struct sess *s)
{
	if (s->state != S_UP)
		return;
	send_flush_data(s);
	if (s->probe_due && s->state == S_UP)
		pmtu_send(s);
}

/* The slots the queue ring needs for one more message (0: it has room). */
static uint32_t
sess_q_grow_to(const struct sess *s)
{
	if (s->q == NULL)
		return Q_INIT;
	if (s->q_n > s->q_mask)
		return (s->q_mask + 1) * 2;
	return 0;
}

/* May a message of len be queued on s?  0, or -1 with errno. */
static int
sess_can_queue(struct sess *s, size_t len)
{
	struct sess_ep	*ep = s->ep;
	uint32_t	 grow;

	if (len == 0 || len > SP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (s->state != S_UP || s->send_close) {
		errno = ENOTCONN;
		return -1;
	}
	if (s->queued + len > ep->conf.max_queue) {
		errno = ENOBUFS;
		return -1;
	}
	/* The budget, and a small share for a peer not yet trusted. */
	grow = sess_q_grow_to(s);
	if (mem_over(s, BUF_COST(len) + (grow == 0 ? 0 :
	    mem_cost((size_t)grow * sizeof *s->q)))) {
		ep->st.tx_mem_refused++;
		errno = ENOBUFS;
		return -1;
	}
	return 0;
}

/* Put b, whose reference the queue takes, at the end of the queue. */
static void
sess_queue(struct sess *s, struct sess_buf *b)
{
	struct sess_ep	 *ep = s->ep;
	struct sess_buf	**n;
	uint32_t	  grow, i;

	if ((grow = sess_q_grow_to(s)) != 0) {
		/* The ring doubles, its waiting messages keeping their order. */
		n = xcalloc(grow, sizeof *n);
		mem_take(s, mem_cost((size_t)grow * sizeof *n));
		for (i = 0; i < s->q_n; i++)
			n[i] = s->q[(s->q_head + i) & s->q_mask];
		if (s->q != NULL)
			mem_give(s, mem_cost(((size_t)s->q_mask + 1) *
			    sizeof *n));
		free(s->q);
		s->q = n;
		s->q_mask = grow - 1;
		s->q_head = 0;
	}
	s->q[(s->q_head + s->q_n++) & s->q_mask] = b;
	mem_take(s, BUF_COST(b->len));
	s->queued += b->len;
	ep->st.mem += b->len;
	if (ep->depth == 0 && ep->loop != NULL) {
		/* Outside a turn: sent before the loop next blocks, with
		 * whatever else this iteration queues for the session. */
		sess_touch(s);
		ev_prepare_start(ep->loop, &ep->flusher);
		return;
	}
	ep_enter(ep);
	sess_touch(s);
	ep_leave(ep);
}

/* Queue a copy of a message. */
int
sess_send(struct sess *s, const void *buf, size_t len)
{
	if (sess_can_queue(s, len) == -1)
		return -1;
	sess_queue(s, sess_buf_new(buf, len));
	return 0;
}

/* Queue a reference to a shared message. */
int
sess_send_buf(struct sess *s, struct sess_buf *b)
{
	if (sess_can_queue(s, b->len) == -1)
		return -1;
	b->refs++;
	sess_queue(s, b);
	return 0;
}

/* A message's bytes in a block of their own, with one reference. */
struct sess_buf *
sess_buf_new(const void *buf, size_t len)
{
	struct sess_buf	*b;

	b = xmalloc(BUF_BLOCK(len));
	b->len = len;
	b->refs = 1;
	memcpy(b->bytes, buf, len);
	return b;
}

/* Drop the caller's reference. */
void
sess_buf_unref(struct sess_buf *b)
{
	buf_unref(b);
}

/* How many hold b: the caller, queues and fragments. */
unsigned int
sess_buf_refs(const struct sess_buf *b)
{
	return b->refs;
}

void
sess_close_elsewhere(struct sess *s)
{
	s->close_reason = SP_CLOSE_ELSEWHERE;
	sess_close(s);
}

/* Close a session: a CLOSE to the peer, then lost(SESS_CLOSED). */
void
sess_close(struct sess *s)
{
	struct sess_ep	*ep = s->ep;

	if (s->state == S_DEAD)
		return;
	ep_enter(ep);
	if (s->state == S_UP) {
		s->send_close = 1;
		send_flush(s);
	}
	sess_die(s, SESS_CLOSED);
	ep_leave(ep);
}
