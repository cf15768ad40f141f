/*
 * timer.c: a session's timers: its next deadline, what runs when one
 * falls due (HELLO retries, handshake and dead-peer timeouts, RTO, tail
 * probe and reordering, the delayed ACK, the old receive key, freeing
 * idle windows), its libev timer, and sess_ep_run() for endpoints
 * without a loop.  It uses recovery.c, handshake.c and send.c for what
 * falls due and endpoint.c for turns and death.
 */
#include <stdint.h>
#include <stdlib.h>

#include <ev.h>
#include <sodium.h>

#include "sess/sessint.h"

/* The windows or the queue ring are allocated but hold nothing. */
static int
sess_trimmable(const struct sess *s)
{
	return (s->snd != NULL && s->snd_una == s->snd_nxt) ||
	    (s->rcv != NULL && s->rcv_held == 0) ||
	    (s->q != NULL && s->q_n == 0);
}

/*
 * Free the empty windows (and queue ring) of a session quiet for
 * TRIM_NS: 14 KiB of the 15 KiB a session takes, and most sessions of a
 * chat server are idle.
 */
static void
sess_trim(struct sess *s)
{
	if (s->snd != NULL && s->snd_una == s->snd_nxt) {
		mem_give(s, mem_cost(((size_t)s->snd_mask + 1) *
		    sizeof *s->snd));
		free(s->snd);
		s->snd = NULL;
	}
	if (s->q != NULL && s->q_n == 0) {
		mem_give(s, mem_cost(((size_t)s->q_mask + 1) * sizeof *s->q));
		free(s->q);
		s->q = NULL;
	}
	if (s->rcv != NULL && s->rcv_held == 0) {
		mem_give(s, mem_cost(SP_WINDOW * sizeof *s->rcv));
		free(s->rcv);
		s->rcv = NULL;
	}
}

/* The session's next deadline. */
static uint64_t
sess_deadline(const struct sess *s)
{
	const struct sess_conf	*c = &s->ep->conf;
	uint64_t		 d = NEVER, t;

#define SOONER(x)	do { t = (x); if (t < d) d = t; } while (0)
	switch (s->state) {
	case S_HELLO:
	case S_COOKIE:
		SOONER(s->hs_next);
		SOONER(s->hs->start + (uint64_t)c->handshake_ms * MS);
		break;
	case S_HALF:
		SOONER(s->hs->start + (uint64_t)c->handshake_ms * MS);
		break;
	case S_UP:
		if (!s->trusted && c->untrusted_ms != 0)
			SOONER(s->born + (uint64_t)c->untrusted_ms * MS);
		SOONER(s->last_rx + (uint64_t)c->dead_ms * MS);
		SOONER(s->last_tx + (uint64_t)c->keepalive_ms * MS);
		if (s->rto_deadline != 0)
			SOONER(s->rto_deadline);
		if (s->tlp_deadline != 0)
			SOONER(s->tlp_deadline);
		if (s->rack_deadline != 0)
			SOONER(s->rack_deadline);
		if (s->probe_deadline != 0)
			SOONER(s->probe_deadline);
		if (s->ack_pending > 0 && s->ack_deadline != 0)
			SOONER(s->ack_deadline);
		if (s->have_prev)
			SOONER(s->rx_prev_until);
		if (!s->confirmed)
			SOONER(s->hs_next);
		if (sess_trimmable(s))
			SOONER(s->last_rx + TRIM_NS);
		break;
	case S_DEAD:
		break;
	}
#undef SOONER
	return d;
}

/* Run the session's due timers. */
void
timer_tick(struct sess *s)
{
	struct sess_ep		*ep = s->ep;
	const struct sess_conf	*c = &ep->conf;
	uint64_t		 now = ep->now;

	switch (s->state) {
	case S_HELLO:
	case S_COOKIE:
		if (now >= s->hs->start + (uint64_t)c->handshake_ms * MS) {
			sess_die(s, SESS_HANDSHAKE_TIMEOUT);
			return;
		}
		if (now >= s->hs_next) {
			hs_send_hello(s);
			s->hs_next = now + s->hs_backoff;
			s->hs_backoff *= 2;
			if (s->hs_backoff > HELLO_MAX_NS)
				s->hs_backoff = HELLO_MAX_NS;
		}
		break;
	case S_HALF:
		if (now >= s->hs->start + (uint64_t)c->handshake_ms * MS)
			sess_die(s, SESS_HANDSHAKE_TIMEOUT);
		break;
	case S_UP:
		if (now >= s->last_rx + (uint64_t)c->dead_ms * MS) {
			sess_die(s, SESS_TIMEOUT);
			return;
		}
		if (!s->trusted && c->untrusted_ms != 0 &&
		    now >= s->born + (uint64_t)c->untrusted_ms * MS) {
			/* Not trusted in time (never logged in): close it,
			 * telling the peer, to free its place. */
			ep->st.untrusted_timeouts++;
			s->send_close = 1;
			send_flush(s);
			sess_die(s, SESS_TIMEOUT);
			return;
		}
		if (s->rack_deadline != 0 && now >= s->rack_deadline)
			recov_detect_loss(s);
		if (s->rto_deadline != 0 && now >= s->rto_deadline)
			recov_on_rto(s);
		else if (s->tlp_deadline != 0 && now >= s->tlp_deadline)
			recov_on_tlp(s);
		if (s->ack_pending > 0 && s->ack_deadline != 0 &&
		    now >= s->ack_deadline)
			s->ack_now = 1;
		pmtu_tick(s);
		if (s->have_prev && now >= s->rx_prev_until) {
			sodium_memzero(s->rxk_prev, sizeof s->rxk_prev);
			s->have_prev = 0;
		}
		if (sess_trimmable(s) && now >= s->last_rx + TRIM_NS)
			sess_trim(s);
		if (!s->confirmed && now >= s->hs_next) {
			uint8_t	ping[1];

			send_output(s, ping, sp_ping_encode(ping));
			s->hs_next = now + s->hs_backoff;
			s->hs_backoff *= 2;
			if (s->hs_backoff > HELLO_MAX_NS)
				s->hs_backoff = HELLO_MAX_NS;
			if (s->state != S_UP)
				return;
		}
		break;
	case S_DEAD:
		return;
	}
	sess_touch(s);
}

/* libev: a session's timer. */
void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sess	*s = w->data;
	struct sess_ep	*ep = s->ep;

	ep_enter(ep);
	timer_tick(s);
	ep_leave_late(ep);
}

/* Set the session's timer to its next deadline. */
void
timer_arm(struct sess *s)
{
	struct sess_ep	*ep = s->ep;

	s->deadline = sess_deadline(s);
	if (ep->loop == NULL)
		return;
	ev_timer_stop(ep->loop, &s->timer);
	if (s->deadline == NEVER)
		return;
	ev_timer_set(&s->timer, s->deadline > ep->now ?
	    (double)(s->deadline - ep->now) / 1e9 : 0., 0.);
	ev_timer_start(ep->loop, &s->timer);
}

/* Run every due timer (no-loop use); the next deadline. */
uint64_t
sess_ep_run(struct sess_ep *ep)
{
	struct sess	*s;
	uint64_t	 next = NEVER;

	ep_enter(ep);
	for (s = ep->all; s != NULL; s = s->all_next)
		if (s->state != S_DEAD && sess_deadline(s) <= ep->now)
			timer_tick(s);
	ep_leave(ep);
	for (s = ep->all; s != NULL; s = s->all_next)
		if (s->state != S_DEAD && s->deadline < next)
			next = s->deadline;
	return next;
}
