/*
 * recovery.c: loss recovery and congestion control of the send window:
 * RTT and RTO (RFC 6298), the tail loss probe, RACK-like fast
 * retransmit, the congestion window, and what an ACK frame releases.  It
 * marks fragments lost and sets deadlines; send.c resends and timer.c
 * calls back when a deadline falls due.  It uses no other file of the
 * layer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sess/sessint.h"

/* Wrap-aware sequence comparison. */
static int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/*
 * Arm the tail loss probe (RFC 8985, section 7; QUIC's PTO): if nothing
 * is heard for 2 SRTT + max(4 RTTVAR, 1 ms), at least 2 ms, the oldest
 * missing fragment is resent, once or twice before the RTO, with its
 * backoff, is needed.  (The last datagram of a flight asks for an
 * immediate ACK, so the peer's ACK delay does not enter; a coalescing
 * peer holds it at most ACK_HOLD_NS, 1 ms, which the RTT samples
 * include.)
 */
void
recov_tlp_arm(struct sess *s)
{
	uint64_t	pto;

	s->tlp_deadline = 0;
	if (!s->have_rtt || s->tlp_count >= TLP_MAX ||
	    s->snd_una == s->snd_nxt)
		return;
	pto = 2 * s->srtt + (4 * s->rttvar > MS ? 4 * s->rttvar : MS);
	if (pto < TLP_MIN_NS)
		pto = TLP_MIN_NS;
	if (s->ep->now + pto < s->rto_deadline)
		s->tlp_deadline = s->ep->now + pto;
}

/* RTO = SRTT + max(G, 4 * RTTVAR), within the floor and the ceiling. */
static void
sess_rto_compute(struct sess *s)
{
	const struct sess_conf	*c = &s->ep->conf;
	uint64_t		 k;

	k = 4 * s->rttvar;
	if (k < MS)		/* clock granularity G: 1 ms */
		k = MS;
	s->rto = s->srtt + k;
	if (s->rto < (uint64_t)c->rto_min_ms * MS)
		s->rto = (uint64_t)c->rto_min_ms * MS;
	if (s->rto > (uint64_t)c->rto_max_ms * MS)
		s->rto = (uint64_t)c->rto_max_ms * MS;
}

/* Take an RTT sample (RFC 6298, section 2). */
static void
sess_rtt_sample(struct sess *s, uint64_t r)
{
	uint64_t	d;

	if (!s->have_rtt) {
		s->srtt = r;
		s->rttvar = r / 2;
		s->have_rtt = 1;
	} else {
		d = s->srtt > r ? s->srtt - r : r - s->srtt;
		s->rttvar = (3 * s->rttvar + d) / 4;
		s->srtt = (7 * s->srtt + r) / 8;
	}
	sess_rto_compute(s);
}

/*
 * The handshake's round trip, when its packet went once: the first
 * sample, so that the first data already has a tail loss probe and an
 * RTO that a timeout's backoff returns to (without a sample, Karn's rule
 * keeps the backoff until a fragment is acknowledged on its first
 * transmission, which on a lossy path can take many doublings).
 */
void
recov_rtt_seed(struct sess *s, uint64_t r)
{
	if (!s->have_rtt)
		sess_rtt_sample(s, r);
}

/* Congestion control: one more fragment arrived. */
static void
sess_cc_acked(struct sess *s)
{
	if (s->cwnd < s->ssthresh) {
		s->cwnd++;			/* slow start */
	} else if (++s->cwnd_acc >= s->cwnd) {
		s->cwnd_acc = 0;		/* one per window */
		s->cwnd++;
	}
	if (s->cwnd > s->ep->conf.window)
		s->cwnd = s->ep->conf.window;
}

/* Congestion control: a loss; cut to 7/10 (as CUBIC), once a window. */
static void
sess_cc_loss(struct sess *s, const struct sfrag *f, int timeout)
{
	if (!timeout && f->xno <= s->recover_xno)
		return;
	s->ssthresh = s->cwnd * 7 / 10;
	if (s->ssthresh < CWND_MIN)
		s->ssthresh = CWND_MIN;
	s->cwnd = timeout ? CWND_MIN : s->ssthresh;
	s->cwnd_acc = 0;
	s->recover_xno = s->xno_next;
}

/* Mark an in-flight fragment lost, to be sent again. */
static void
sess_mark_lost(struct sess *s, struct sfrag *f)
{
	f->lost = 1;
	s->nlost++;
	s->pipe--;
}

/* A fragment was acknowledged: release its bytes. */
static void
sess_frag_acked(struct sess *s, struct sfrag *f, uint64_t *sample_sent)
{
	if (f->nxmit == 1 && f->sent > *sample_sent)
		*sample_sent = f->sent;
	if (f->xno > s->xno_acked)
		s->xno_acked = f->xno;
	if (f->lost) {
		f->lost = 0;
		s->nlost--;
	} else
		s->pipe--;
	sess_cc_acked(s);
	s->queued -= f->len;
	s->ep->st.mem -= f->len;
	mem_give(s, frag_cost(f));
	buf_unref(f->buf);
	f->buf = NULL;
	f->state = F_ACKED;
}

/*
 * Fast retransmit, in the manner of RACK (RFC 8985): a fragment is lost
 * when one sent at least three transmissions after it has arrived and it
 * has been out for 5/4 of the smoothed RTT (the quarter allows for
 * reordering).  One that qualifies but is not yet old enough sets the
 * reordering timer, which runs this again.
 */
void
recov_detect_loss(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	struct sfrag	*f;
	uint64_t	 reo = s->srtt + s->srtt / 4;
	uint32_t	 seq;
	int		 big = 0;

	s->rack_deadline = 0;
	for (seq = s->snd_una; seq != s->snd_nxt; seq++) {
		f = &s->snd[seq & s->snd_mask];
		if (f->state != F_INFLIGHT || f->lost ||
		    f->xno + 3 > s->xno_acked)
			continue;
		if (ep->now - f->sent >= reo) {
			sess_mark_lost(s, f);
			sess_cc_loss(s, f, 0);
			ep->st.fast_retransmits++;
			big |= f->big;
		} else if (s->rack_deadline == 0 ||
		    f->sent + reo < s->rack_deadline)
			s->rack_deadline = f->sent + reo;
	}
	/* Later datagrams got through and a large one did not. */
	if (big)
		pmtu_on_loss(s);
}

/* Process an ACK frame. */
int
recov_on_ack(struct sess *s, const struct sp_ack *a)
{
	struct sess_ep	*ep = s->ep;
	uint64_t	 sample_sent = 0;
	uint32_t	 seq, lo, hi, end;
	unsigned int	 i;
	int		 progress = 0, big = 0, shrunk = 0;
	struct sfrag	*f;

	if (seq_lt(s->snd_nxt, a->next))
		return -1;		/* acknowledges what we never sent */
	while (seq_lt(s->snd_una, a->next)) {
		f = &s->snd[s->snd_una & s->snd_mask];
		if (f->state == F_INFLIGHT) {
			big |= f->big;
			shrunk |= f->shrunk && !f->big;
			sess_frag_acked(s, f, &sample_sent);
			progress = 1;
		}
		f->state = F_EMPTY;
		s->snd_una++;
	}
	/*
	 * Each range is clipped to what is in flight and to above the
	 * ranges before it, so that however wide and overlapping the
	 * peer's ranges, an ACK visits each fragment in flight at most
	 * once: its cost is what we sent, not what it claims.
	 */
	lo = s->snd_una;
	for (i = 0; i < a->nsack; i++) {
		seq = a->sack[i].start;
		end = a->sack[i].end;
		if (seq_lt(seq, lo))
			seq = lo;
		hi = seq_lt(end, s->snd_nxt) ? end : s->snd_nxt;
		if (!seq_lt(seq, hi))
			continue;
		ep->st.sack_slots += hi - seq;
		lo = hi;
		for (; seq != hi; seq++) {
			f = &s->snd[seq & s->snd_mask];
			if (f->state == F_INFLIGHT) {
				big |= f->big;
				shrunk |= f->shrunk && !f->big;
				sess_frag_acked(s, f, &sample_sent);
				progress = 1;
			}
		}
	}
	if (!progress)
		return 0;
	if (sample_sent != 0)
		sess_rtt_sample(s, ep->now - sample_sent);
	else if (s->have_rtt)
		sess_rto_compute(s);	/* progress ends any backoff */
	pmtu_on_ack(s, big, shrunk);
	recov_detect_loss(s);
	s->rto_deadline = s->snd_una == s->snd_nxt ? 0 : ep->now + s->rto;
	s->tlp_count = 0;
	recov_tlp_arm(s);
	return 0;
}

/* The retransmission timer expired: back off, resend what is missing. */
void
recov_on_rto(struct sess *s)
{
	struct sess_ep	*ep = s->ep;
	uint32_t	 seq;
	struct sfrag	*f;

	ep->st.timeouts++;
	sess_cc_loss(s, NULL, 1);
	pmtu_on_loss(s);
	s->rto *= 2;
	if (s->rto > (uint64_t)ep->conf.rto_max_ms * MS)
		s->rto = (uint64_t)ep->conf.rto_max_ms * MS;
	for (seq = s->snd_una; seq != s->snd_nxt; seq++) {
		f = &s->snd[seq & s->snd_mask];
		if (f->state == F_INFLIGHT && !f->lost)
			sess_mark_lost(s, f);
	}
	s->rto_deadline = 0;
	s->tlp_deadline = 0;
	s->rack_deadline = 0;
	if (s->snd_una != s->snd_nxt)
		s->rto_deadline = ep->now + s->rto;
}

/* The tail loss probe fired: resend the oldest fragment still missing. */
void
recov_on_tlp(struct sess *s)
{
	uint32_t	 seq;
	struct sfrag	*f;

	s->tlp_deadline = 0;
	s->tlp_count++;
	for (seq = s->snd_una; seq != s->snd_nxt; seq++) {
		f = &s->snd[seq & s->snd_mask];
		if (f->state == F_INFLIGHT) {
			if (!f->lost) {
				sess_mark_lost(s, f);
				s->ep->st.tail_probes++;
			}
			break;
		}
	}
	recov_tlp_arm(s);
}
