/*
 * sessint.h: the internals the files of the session layer share: its
 * constants, its structures and the functions one file calls in another.
 * Only the .c files of lib/sess/ include it; nothing outside lib/sess/
 * may (the layer's interface is session.h).
 *
 * The files, from the bottom up.  Each is the prefix of the names it
 * gives the others here (ep_ is endpoint.c's), but for sess_die(),
 * sess_touch() and sess_monotonic(), which keep their names:
 *   seal.c       the AEAD, nonces, sealing and opening DATA, key ratchet
 *   recovery.c   RTT and RTO, tail probes, loss detection, congestion
 *   send.c       message queue, fragments, DATA packets, sess_send, close
 *   handshake.c  HELLO, COOKIE, ACCEPT, keys, sess_connect, going up
 *   recv.c       sess_ep_input, DATA frames, reassembly and delivery
 *   timer.c      deadlines, what runs when one falls due, sess_ep_run
 *   source.c     a server's accounting per source: untrusted sessions
 *                and handshake rate, sess_trust
 *   endpoint.c   socket, tables, turns, death and reaping, new and free
 *
 * Who owns what, and for how long:
 * - struct sess_ep is the application's, from sess_server_new() or
 *   sess_client_new() to sess_ep_free().  It owns its watchers and
 *   batches (not the socket), the server's hash tables and every
 *   session, on three lists: all (alive or dead), pend (touched in this
 *   turn) and dead (waiting to be freed).
 * - struct sess is its endpoint's, from a validated HELLO (server) or
 *   sess_connect() (client).  sess_die() takes it out of the tables,
 *   calls lost and puts it on the dead list; it is freed at the end of
 *   the turn without a loop, or by the reaper (an idle watcher) with
 *   one: never inside one of its own callbacks.
 * - struct sess_hs, the handshake's secrets, comes with the session and
 *   is wiped and freed when the session comes up (hs_up()) or is freed.
 * - struct sess_buf: a message's bytes in one block with a reference
 *   count, from sess_buf_new() (or sess_send(), which makes one).  The
 *   application holds a reference until sess_buf_unref(); a session's
 *   queue holds one for each message queued (the ring q), and a
 *   fragment that is the whole message takes over the queue's, until it
 *   is acknowledged or the session freed; a piece of a longer message is
 *   a copy in a block of its own.  The last reference frees it.
 * - The queue ring q: allocated for the first message, doubles as
 *   needed and is freed like snd.
 * - struct sfrag: a slot of the send window snd, which is allocated for
 *   the first fragment, doubles as needed and is freed when it is empty
 *   and the session has been quiet for TRIM_NS; a fragment's data lives
 *   until it is acknowledged.
 * - struct rfrag: a slot of the receive window rcv (SP_WINDOW slots,
 *   allocated for the first fragment that cannot be delivered straight
 *   from its packet, freed like snd); its data lives until delivered,
 *   rmsg (one message being reassembled) until the message is.
 * - struct sess_src: one per source (IPv4 address, IPv6 /64) with
 *   untrusted sessions, the endpoint's, freed with its last one.
 * - struct sess_path: the last validated address while a new one is
 *   being validated, the session's, freed once that is settled.
 * - Memory: every allocation for a session is counted in its alloc (all
 *   but its structure and handshake state) and in the endpoint's
 *   st.alloc (everything), at mem_cost() of its size; mem_budget and
 *   pretrust_mem are checked against them before growing.
 * - A turn, from ep_enter() to the outermost ep_leave(), fixes ep->now;
 *   the sessions touched in it are flushed and their timers set once,
 *   at its end.
 */
#ifndef SESSINT_H
#define SESSINT_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <ev.h>
#include <sodium.h>

#include "sess/session.h"
#include "sess/sessproto.h"
#include "sess/sessreplay.h"

struct ratelimit;
struct udp_batch;

#define MS		UINT64_C(1000000)	/* nanoseconds */
#define ACK_HOLD_NS	MS		/* coalescing: an ACK asked for at
					 * once waits this long for data */
#define NEVER		UINT64_MAX
#define COOKIE_BUCKET	(60000 * MS)	/* cookie secret lifetime */
#define PREV_KEY_NS	(10000 * MS)	/* old receive key kept this long */
#define HELLO_MAX_NS	(2000 * MS)	/* HELLO retry backoff ceiling */
#define REKEY_AHEAD	8		/* receive epochs we may skip */
#define COUNTER_LIMIT	(UINT64_C(1) << 62) /* then the session ends */
#define RECV_BATCH	32
#define RECV_ROUNDS	64		/* batches read in one turn at most */
#define SEND_BATCH	64		/* datagrams per sendmmsg */
#define TRIM_NS		(1000 * MS)	/* idle time before windows go */
#define SND_INIT	2		/* send window slots at first (it doubles) */
#define Q_INIT		4		/* queue ring slots at first (it doubles) */
#define TLP_MAX		2		/* probes before the RTO */
#define CWND_INIT	32		/* fragments */
#define CWND_MIN	4
#define TLP_MIN_NS	(2 * MS)
#define KDF_CTX		"sessionk"
#define RATCHET_CTX	"sessrkey"
#define LABEL		"udp-suite session v1"

enum sess_state {
	S_HELLO,	/* client: HELLO sent, waiting for COOKIE */
	S_COOKIE,	/* client: HELLO with cookie sent, waiting for ACCEPT */
	S_HALF,		/* server: ACCEPT sent, waiting for the first packet */
	S_UP,
	S_DEAD,
};

enum frag_state {
	F_EMPTY,
	F_INFLIGHT,
	F_ACKED,
};

/* A fragment sent and not yet cumulatively acknowledged. */
struct sfrag {
	struct sess_buf	*buf;		/* a reference: its bytes, len of them */
	uint64_t	 sent;		/* time of last transmission */
	uint64_t	 xno;		/* transmission number of last send */
	uint32_t	 total;
	uint16_t	 len;
	uint8_t		 flags;
	uint8_t		 state;
	uint8_t		 lost;		/* to be retransmitted */
	uint8_t		 nxmit;		/* transmissions so far */
	uint8_t		 big;		/* last sent in a datagram over
					 * SP_BASE_DGRAM (pmtu.c) */
	uint8_t		 shrunk;	/* sent large, then again small */
};

/* A fragment received ahead of the next one expected. */
struct rfrag {
	uint8_t		*data;
	uint32_t	 total;
	uint16_t	 len;
	uint8_t		 flags;
	uint8_t		 have;
};

/*
 * A message's bytes, one block shared by every session it is queued on
 * and its one-fragment sends (session.h's struct sess_buf).
 */
struct sess_buf {
	size_t		 len;
	unsigned int	 refs;
	uint8_t		 bytes[];
};

/*
 * What only the handshake needs: allocated with the session, freed (its
 * secrets wiped) when the session comes up, so that an established one,
 * which is what a server holds by the thousand, does not carry it.
 */
struct sess_hs {
	uint64_t		 start;		/* handshake_ms counts from here */
	int			 have_spk, pinned;
	int			 offered_n;
	uint8_t			 epk[SP_PK_LEN], esk[SP_KEY_LEN];
	uint8_t			 spk[SP_PK_LEN];
	uint8_t			 offered[SP_PK_LEN];	/* a key not pinned */
	uint8_t			 cookie[SP_MAC_LEN];
	uint8_t			 accept[SP_ACCEPT_LEN];
	/* Our last HELLO (client, this stage) or ACCEPT (server) and how
	 * often it went: sent once, its answer is the first RTT sample. */
	uint64_t		 sent;
	int			 sends;
};

/* A source with untrusted sessions: IPv4 address or IPv6 /64. */
struct sess_src {
	struct sess_src		*next;
	uint8_t			 key[16];
	uint32_t		 half;		/* S_HALF sessions */
	uint32_t		 untrusted;	/* not trusted, half included */
};

/* The last validated address, kept while a new one is challenged. */
struct sess_path {
	struct sockaddr_storage	 sa;
	socklen_t		 len;
};

/*
 * The fields are ordered so that the structure has no holes (a server
 * holds one per client); the flags and other small counters are bytes.
 */
struct sess {
	struct sess_ep		*ep;
	struct sess		*next_l, *next_r;	/* hash chains */
	struct sess		*all_next, *all_prev;
	struct sess		*pend_next;
	struct sess		*dead_next;
	void			*data;
	struct sess_hs		*hs;		/* until the session is up */
	struct sess_src		*src;		/* server, until trusted */
	struct sess_path	*oldpath;	/* until path_ok */
	size_t			 alloc;		/* bytes allocated for it */
	uint64_t		 born;		/* untrusted_ms counts from here */
	ev_timer		 timer;
	uint64_t		 deadline;
	enum sess_state		 state;
	enum sess_reason	 reason;
	uint8_t			 pending;
	uint8_t			 was_up;
	uint8_t			 confirmed;	/* the peer has our keys */
	uint8_t			 heard;		/* authentic data this turn */
	uint8_t			 send_close;
	uint8_t			 close_reason;	/* SP_CLOSE_* */
	uint8_t			 have_prev;	/* rxk_prev is kept */
	uint8_t			 have_rtt;
	uint8_t			 aesgcm;	/* DATA sealed with AES-GCM */
	uint8_t			 tlp_count;	/* at most TLP_MAX */
	uint8_t			 trusted;	/* sess_trust() or a client */
	uint32_t		 ridx;		/* its tab_r chain */

	uint64_t		 lcid;		/* ours: peers send to it */
	uint64_t		 rcid;		/* theirs */

	/* Client, up but not yet confirmed: PING with this backoff. */
	uint64_t		 hs_next, hs_backoff;

	struct sockaddr_storage	 peer;
	/*
	 * Path validation after an address change (as in QUIC): until the
	 * peer echoes our challenge from its new address, we send there at
	 * most three times what we received from it.
	 */
	uint64_t		 path_rx, path_tx;
	socklen_t		 peerlen;
	uint8_t			 path_ok;
	uint8_t			 resp_pending;
	uint8_t			 chal[SP_PATH_LEN];
	uint8_t			 resp[SP_PATH_LEN];	/* to echo */

	/* Datagram size (pmtu.c): the largest we send, and a probe out. */
	uint16_t		 dgram;		/* SP_BASE_DGRAM until probed */
	uint16_t		 probe_size;	/* of the probe out, or 0 */
	uint8_t			 probe_step;	/* its place in the ladder */
	uint8_t			 probe_tries;	/* of this size so far */
	uint8_t			 probe_due;	/* send one at the next flush */
	uint8_t			 big_losses;	/* loss events since a fragment
						 * sent large was acknowledged */
	uint8_t			 falls;		/* back to the base, times */
	uint8_t			 probe_chal[SP_PATH_LEN];

	/*
	 * Keys: one ratchet per direction.  Of an epoch only the low byte
	 * is ever used (it is the header's epoch byte), so it is a byte.
	 */
	uint8_t			 tx_epoch, rx_epoch;
	uint8_t			 txk[SP_KEY_LEN];
	uint8_t			 rxk[SP_KEY_LEN], rxk_prev[SP_KEY_LEN];
	uint64_t		 tx_ctr, tx_epoch_pkts, tx_epoch_t;
	uint64_t		 rx_prev_until;
	struct sessreplay	 replay;

	uint64_t		 last_rx, last_tx;

	/* RTT (RFC 6298), nanoseconds. */
	uint64_t		 srtt, rttvar, rto, rto_deadline;
	uint64_t		 probe_deadline;	/* pmtu.c: the probe out
						 * is lost if no answer by */
	uint64_t		 tlp_deadline;	/* tail loss probe */
	uint64_t		 rack_deadline;	/* reordering allowance ends */

	/* Sending: the queue, a ring of q_mask + 1 references of which
	 * q_n, from q_head, wait to be cut (q_off bytes of the first are). */
	struct sess_buf		**q;
	uint32_t		 q_mask, q_head, q_n, q_off;
	size_t			 queued;	/* unacknowledged bytes */
	struct sfrag		*snd;		/* snd_mask + 1, while in use */
	uint32_t		 snd_mask;
	uint32_t		 snd_una, snd_nxt;
	unsigned int		 nlost;
	uint64_t		 xno_next, xno_acked;
	/* Congestion control (NewReno-like AIMD, in fragments). */
	unsigned int		 pipe;		/* in flight, not lost */
	unsigned int		 cwnd, ssthresh, cwnd_acc;
	uint64_t		 recover_xno;	/* one reduction per window */

	/* Receiving. */
	struct rfrag		*rcv;		/* SP_WINDOW, while in use */
	unsigned int		 rcv_held;	/* entries with have set */
	uint32_t		 rcv_nxt;
	uint8_t			*rmsg;
	size_t			 rmsg_len, rmsg_off;
	uint64_t		 ack_deadline;
	unsigned int		 ack_pending;
	uint8_t			 ack_now;
};

struct sess_ep {
	struct ev_loop		*loop;
	int			 fd;
	ev_io			 io;
	ev_idle			 reaper;
	ev_prepare		 flusher;	/* sends queued between turns */
	struct udp_batch	*batch;
	struct udp_batch	*txb;		/* sent at the end of a turn */
	int			 server;
	struct sess_conf	 conf;
	struct sess_cb		 cb;
	struct sess_stats	 st;

	sess_xmit_fn		*xmit;
	sess_clock_fn		*clock;
	void			*ioarg;
	uint64_t		 now;
	int			 depth;
	int			 coalesce;	/* sess_ep_coalesce() */
	uint16_t		 probe_max;	/* largest size probed, or 0 */

	/* Server. */
	uint8_t			 pk[SP_PK_LEN], sk[SP_KEY_LEN];
	uint8_t			 secret[2][32];
	uint64_t		 bucket;
	int			 have_secret;
	uint8_t			 hashkey[crypto_shorthash_KEYBYTES];
	struct sess		**tab_l, **tab_r;
	size_t			 tabmask;
	struct sess_src		**srctab;	/* sources with untrusted */
	size_t			 srcmask;
	struct ratelimit	*hello_rl;	/* handshakes per source */

	/* Client. */
	struct sess		*client;
	struct sockaddr_storage	 server_sa;
	socklen_t		 server_len;
	char			*server_name, *pinfile;

	struct sess		*all;
	struct sess		*pend;
	struct sess		*dead;
};

/* pmtu.c: probing a path for datagrams larger than SP_BASE_DGRAM. */
void		 pmtu_start(struct sess *s);
void		 pmtu_send(struct sess *s);
int		 pmtu_on_response(struct sess *s,
		    const uint8_t path[SP_PATH_LEN]);
void		 pmtu_tick(struct sess *s);
void		 pmtu_on_loss(struct sess *s);
void		 pmtu_on_ack(struct sess *s, int big, int shrunk);

/* endpoint.c: datagrams out, the tables, turns, the end of a session. */
void		 ep_send(struct sess_ep *ep, const uint8_t *buf, size_t len,
		    const struct sockaddr *sa, socklen_t salen);
size_t		 ep_hash(const struct sess_ep *ep, uint64_t id);
size_t		 ep_addr_bytes(const struct sockaddr *sa, uint8_t buf[23]);
size_t		 ep_hash_remote(const struct sess_ep *ep, uint64_t id,
		    const struct sockaddr *sa);
struct sess	*ep_find_local(const struct sess_ep *ep, uint64_t id);
struct sess	*ep_find_remote(const struct sess_ep *ep, uint64_t id,
		    const struct sockaddr *sa, socklen_t salen);
void		 ep_leave(struct sess_ep *ep);
void		 ep_leave_late(struct sess_ep *ep);
void		 sess_die(struct sess *s, enum sess_reason why);

/* seal.c: the AEAD, sealing and opening DATA, the key ratchet. */
void		 seal_ratchet(uint8_t out[SP_KEY_LEN],
		    const uint8_t in[SP_KEY_LEN]);
int		 seal_aesgcm(const struct sess_ep *ep);
size_t		 seal_data(const struct sess *s, uint8_t *pkt,
		    const uint8_t *plain, size_t plen, uint64_t ctr,
		    const uint8_t *key);
int		 seal_open(struct sess *s, const uint8_t *pkt, size_t len,
		    const struct sp_hdr *h, uint8_t *plain);

/* recovery.c: loss recovery and congestion control. */
void		 recov_tlp_arm(struct sess *s);
void		 recov_detect_loss(struct sess *s);
int		 recov_on_ack(struct sess *s, const struct sp_ack *a);
void		 recov_on_rto(struct sess *s);
void		 recov_rtt_seed(struct sess *s, uint64_t r);
void		 recov_on_tlp(struct sess *s);

/* send.c: packing and sending DATA packets. */
void		 send_output(struct sess *s, const uint8_t *plain,
		    size_t plen);
void		 send_flush(struct sess *s);

/* handshake.c: HELLO, COOKIE and ACCEPT, and the session going up. */
void		 hs_free(struct sess *s);
void		 hs_up(struct sess *s);
void		 hs_on_hello(struct sess_ep *ep, const uint8_t *pkt,
		    size_t len, const struct sockaddr *sa, socklen_t salen);
void		 hs_send_hello(struct sess *s);
void		 hs_on_cookie(struct sess_ep *ep, const uint8_t *pkt,
		    size_t len);
void		 hs_on_accept(struct sess_ep *ep, const uint8_t *pkt,
		    size_t len);

/* source.c: per-source accounting of a server's untrusted sessions. */
void		 src_init(struct sess_ep *ep);
void		 src_fini(struct sess_ep *ep);
/* Why a validated HELLO from sa may not open a session: 0 if it may,
 * else the counter of the refusal (already incremented). */
int		 src_admit(struct sess_ep *ep, const struct sockaddr *sa);
void		 src_attach(struct sess *s, const struct sockaddr *sa);
void		 src_half_done(struct sess *s);
void		 src_detach(struct sess *s);

/* timer.c: a session's timer. */
void		 timer_tick(struct sess *s);
void		 timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
void		 timer_arm(struct sess *s);

/*
 * Helpers on the hot paths, small and used in more than one file: static
 * inline here so that they still inline where they are called.
 */

/*
 * What malloc takes for n bytes (glibc: an 8-byte header, 16-byte
 * granules, 32 bytes at least): the unit of mem_budget.
 */
static inline size_t
mem_cost(size_t n)
{
	n = (n + 8 + 15) & ~(size_t)15;
	return n < 32 ? 32 : n;
}

/* Count n bytes allocated for s. */
static inline void
mem_take(struct sess *s, size_t n)
{
	s->alloc += n;
	s->ep->st.alloc += n;
}

/* Count n bytes of s freed. */
static inline void
mem_give(struct sess *s, size_t n)
{
	s->alloc -= n;
	s->ep->st.alloc -= n;
}

/* Would n more bytes for s exceed the budget or its pre-trust share? */
static inline int
mem_over(const struct sess *s, size_t n)
{
	const struct sess_ep	*ep = s->ep;

	if (ep->conf.mem_budget != 0 && ep->st.alloc + n > ep->conf.mem_budget)
		return 1;
	return !s->trusted && s->alloc + n > ep->conf.pretrust_mem;
}

/* The bytes a message of len takes: its sess_buf. */
#define BUF_BLOCK(len)	(offsetof(struct sess_buf, bytes) + (len))

/*
 * What a message queued costs a session: its whole block, although the
 * block may be shared with other sessions (a group's fan-out).  Each
 * session is charged in full as if it held a copy of its own, which is
 * conservative: max_queue, pretrust_mem and mem_budget bound the memory
 * a session could hold if it were the only one still holding it.
 */
#define BUF_COST(len)	mem_cost(BUF_BLOCK(len))

/* What a sent fragment costs: its block (the message's, or its piece's). */
static inline size_t
frag_cost(const struct sfrag *f)
{
	return BUF_COST(f->len);
}

/* Drop a reference to b; the last frees it. */
static inline void
buf_unref(struct sess_buf *b)
{
	if (--b->refs == 0)
		free(b);
}

/* The monotonic clock in nanoseconds. */
static inline uint64_t
sess_monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The endpoint's notion of now. */
static inline uint64_t
ep_clock(struct sess_ep *ep)
{
	if (ep->clock != NULL)
		return ep->clock(ep->ioarg);
	return sess_monotonic();
}

/* Remember that s needs flushing and its timer set once we unwind. */
static inline void
sess_touch(struct sess *s)
{
	if (s->pending || s->state == S_DEAD)
		return;
	s->pending = 1;
	s->pend_next = s->ep->pend;
	s->ep->pend = s;
}

/* Enter the endpoint from outside: fix the time for this turn. */
static inline void
ep_enter(struct sess_ep *ep)
{
	if (ep->depth++ == 0)
		ep->now = ep_clock(ep);
}

/* Start the retransmission timer if it is not running. */
static inline void
recov_rto_start(struct sess *s)
{
	if (s->rto_deadline == 0) {
		s->rto_deadline = s->ep->now + s->rto;
		recov_tlp_arm(s);
	}
}

#endif
