/*
 * session.h: secure, reliable datagram sessions over UDP (the transport
 * under chat).  docs/PROTOCOL.md (section 4) is the specification.
 *
 * An endpoint (struct sess_ep) owns one UDP socket and, on a server, every
 * session that arrives on it; on a client, the one session it opens.  A
 * session (struct sess) is named by connection ids, not addresses, so it
 * survives a client's change of address.  Messages of 1 to 65536 bytes
 * are delivered reliably, in order and exactly once, sealed with
 * XChaCha20-Poly1305, or AES-256-GCM where both ends have AES
 * instructions, under keys from an X25519 handshake.
 *
 * Everything runs in one thread on libev: the endpoint's I/O watcher and
 * one timer per session.  The application sees three callbacks: up,
 * message and lost.  A callback may send and may close sessions; it must
 * not free the endpoint.  Sessions are freed by the endpoint after their
 * lost callback returns, never inside it.
 *
 * For tests, fuzzing and benchmarks an endpoint can also run without a
 * loop: sess_ep_set_io() replaces the socket and the clock, the caller
 * feeds datagrams with sess_ep_input() and runs timers with
 * sess_ep_run().
 */
#ifndef SESSION_H
#define SESSION_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "sess/sessproto.h"

struct ev_loop;
struct sess;
struct sess_ep;

/* Tunables; sess_conf_default() fills in the values of the specification. */
struct sess_conf {
	uint32_t	rto_init_ms;	/* 1000: first RTO and HELLO retry */
	uint32_t	rto_min_ms;	/* 200: RTO floor */
	uint32_t	rto_max_ms;	/* 60000: RTO ceiling */
	uint32_t	ack_delay_ms;	/* 10: longest an ACK is held back */
	uint32_t	keepalive_ms;	/* 25000: idle time before a PING */
	uint32_t	dead_ms;	/* 90000: silence that kills a session */
	uint32_t	handshake_ms;	/* 30000: handshake gives up */
	uint32_t	rekey_ms;	/* 120000: key ratchet after this long */
	uint64_t	rekey_packets;	/* 2^20: or after this many packets */
	uint32_t	window;		/* 256: fragments in flight (<= 256) */
	uint32_t	max_dgram;	/* 4096 (SP_MAX_DGRAM): the largest
					 * datagram probed for; 1200 or less:
					 * never probe, send at most 1200 */
	size_t		max_queue;	/* 1 MiB: unacknowledged bytes queued */
	uint32_t	max_sessions;	/* 4096: sessions per server */
	int		seal;		/* 1; 0 only to measure AEAD cost */
	int		aes_gcm;	/* 1: AES-256-GCM when both ends have
					 * AES instructions; 0: XChaCha20 */
	/*
	 * A server's defences before sess_trust() (docs/PROTOCOL.md 4.5.3).
	 * A source is an IPv4 address or an IPv6 /64.  Untrusted sessions
	 * are those not yet given sess_trust(), half-open ones included;
	 * none of these limits touches a trusted session or a client.
	 */
	uint32_t	src_half;	/* 64: half-open sessions per source */
	uint32_t	src_untrusted;	/* 256: untrusted sessions per source */
	uint32_t	max_untrusted;	/* 2048: untrusted sessions in all */
	uint32_t	hello_rate;	/* 64: handshakes per second per source
					 * (rounded down to a power of two) */
	uint32_t	hello_burst;	/* 128: and in a burst (1 to 256) */
	uint32_t	untrusted_ms;	/* 30000: closed if not trusted by then */
	size_t		pretrust_mem;	/* 32 KiB: what an untrusted session
					 * may allocate for its messages */
	size_t		mem_budget;	/* 1 GiB: bytes all sessions may
					 * allocate (structures, windows,
					 * messages); 0: no limit */
};

/* Why a session ended, as passed to on_lost. */
enum sess_reason {
	SESS_CLOSED = 0,	/* closed here with sess_close() */
	SESS_PEER_CLOSED,	/* the peer closed it */
	SESS_TIMEOUT,		/* nothing authentic for dead_ms, or
				 * not trusted within untrusted_ms */
	SESS_HANDSHAKE_TIMEOUT,	/* no answer to HELLO within handshake_ms */
	SESS_KEY_CHANGED,	/* the server's key is not the pinned one */
	SESS_PROTOCOL,		/* the peer broke the protocol */
	SESS_EXHAUSTED,		/* packet counter exhausted */
	SESS_PEER_ELSEWHERE,	/* the peer closed it, asking to be
				 * tried elsewhere (sess_close_elsewhere) */
};

struct sess_cb {
	void	(*up)(struct sess *, void *arg);
	void	(*message)(struct sess *, const uint8_t *, size_t, void *arg);
	void	(*lost)(struct sess *, enum sess_reason, void *arg);
	void	*arg;
};

/* Counters of one endpoint; every dropped datagram lands in one of them. */
struct sess_stats {
	uint64_t	rx_datagrams;
	uint64_t	rx_malformed;	/* bad type, length or field */
	uint64_t	rx_truncated;	/* longer than SP_MAX_DGRAM */
	uint64_t	rx_forged;	/* failed authentication */
	uint64_t	rx_replayed;	/* counter already seen or too old */
	uint64_t	rx_unknown;	/* no session with that connection id */
	uint64_t	rx_bad_cookie;	/* HELLO with a wrong or stale cookie */
	uint64_t	rx_refused;	/* HELLO over max_sessions */
	uint64_t	rx_refused_untrusted; /* HELLO over max_untrusted */
	uint64_t	rx_refused_src_half; /* HELLO over src_half */
	uint64_t	rx_refused_src;	/* HELLO over src_untrusted */
	uint64_t	rx_hello_limited; /* HELLO over hello_rate */
	uint64_t	rx_refused_mem;	/* HELLO over mem_budget */
	uint64_t	rx_mem_dropped;	/* fragment dropped: memory */
	uint64_t	rx_out_of_window; /* fragment beyond the window */
	uint64_t	rx_dup_frags;	/* fragment already received */
	uint64_t	tx_datagrams;
	uint64_t	pmtu_probes;	/* datagram size probes sent */
	uint64_t	pmtu_raised;	/* sessions whose size a probe raised */
	uint64_t	pmtu_fallbacks;	/* back to 1200 bytes after a loss */
	uint64_t	tx_bytes;
	uint64_t	tx_failed;	/* refused by the kernel (counted only) */
	uint64_t	retransmits;
	uint64_t	fast_retransmits;
	uint64_t	timeouts;	/* RTO expiries */
	uint64_t	tail_probes;	/* tail loss probes sent */
	uint64_t	rekeys;		/* key ratchet steps, both directions */
	uint64_t	roams;		/* peer address changes followed */
	uint64_t	paths_validated; /* new addresses proven by echo */
	uint64_t	tx_unvalidated;	/* held back: 3x limit, new address */
	uint64_t	tx_old_path;	/* sent to the last validated address
					 * instead (3x limit reached) */
	uint64_t	tx_mem_refused;	/* sess_send ENOBUFS: memory */
	uint64_t	untrusted_timeouts; /* closed: no sess_trust in time */
	uint64_t	sack_slots;	/* fragments ACK ranges made us visit */
	uint64_t	sessions_up;
	uint64_t	sessions_lost;
	uint64_t	sessions;	/* alive now */
	uint64_t	mem;		/* bytes of message data held now */
	uint64_t	alloc;		/* bytes allocated now (mem_budget) */
	uint64_t	untrusted;	/* server sessions not trusted now */
};

void		 sess_conf_default(struct sess_conf *);

/*
 * A server on the bound socket fd with its long-term key pair.  loop may
 * be NULL for sess_ep_set_io() use.  conf may be NULL for the defaults.
 */
struct sess_ep	*sess_server_new(struct ev_loop *, int fd,
		    const uint8_t pk[SP_PK_LEN], const uint8_t sk[SP_KEY_LEN],
		    const struct sess_conf *, const struct sess_cb *);

/*
 * A client endpoint on fd that opens one session to server.  The server's
 * key is checked against the pin file (see sess_pin_check()) under the
 * name server_name (NULL: the printed address); pinfile NULL means the
 * default file.  A changed key ends the session with SESS_KEY_CHANGED.
 */
struct sess_ep	*sess_client_new(struct ev_loop *, int fd,
		    const struct sockaddr *server, socklen_t,
		    const char *server_name, const char *pinfile,
		    const struct sess_conf *, const struct sess_cb *);
/* Start the handshake; the session, whose up or lost callback follows. */
struct sess	*sess_connect(struct sess_ep *);

/* Close every session quietly and free the endpoint (not its socket). */
void		 sess_ep_free(struct sess_ep *);
const struct sess_stats *sess_ep_stats(const struct sess_ep *);
/* The largest datagram s now sends: 1200 bytes until a probe of its
 * path and peer answered for more (docs/PROTOCOL.md 4.4.5). */
size_t		 sess_dgram_max(const struct sess *);
/*
 * Set don't-fragment on a UDP socket without taking the kernel's path
 * MTU (IP_PMTUDISC_PROBE): 0, or -1 with errno.  An endpoint does it to
 * its own socket; one that sends through a hook (sess_ep_set_io) probes
 * for larger datagrams (docs/PROTOCOL.md 4.4.5), so the hook's sockets
 * must be set so too.
 */
int		 sess_socket_dontfrag(int fd);
/* Use a new socket (a client's roaming); the old one is the caller's. */
void		 sess_ep_set_fd(struct sess_ep *, int fd);

/* Replace socket and clock: xmit sends one datagram, now is nanoseconds. */
typedef void	 sess_xmit_fn(void *arg, const uint8_t *, size_t,
		    const struct sockaddr *, socklen_t);
typedef uint64_t sess_clock_fn(void *arg);
void		 sess_ep_set_io(struct sess_ep *, sess_xmit_fn *,
		    sess_clock_fn *, void *arg);
/* Process one received datagram from sa. */
void		 sess_ep_input(struct sess_ep *, const uint8_t *, size_t,
		    const struct sockaddr *, socklen_t);
/* Run every timer due now; returns the next deadline (UINT64_MAX: none). */
uint64_t	 sess_ep_run(struct sess_ep *);

/*
 * Hold output: between sess_ep_hold() and sess_ep_release() sess_send()
 * only queues, and at the release each session sent to is flushed once,
 * so what a turn of the application queued for one peer (answers,
 * deliveries, the pending ACK) leaves in as few datagrams as possible,
 * all in one sendmmsg.  Holds nest; the outermost release flushes.
 */
void		 sess_ep_hold(struct sess_ep *);
void		 sess_ep_release(struct sess_ep *);
/*
 * Coalesce (an endpoint with a loop): what a batch of received datagrams
 * makes the sessions send (ACKs, the application's answers) is not sent
 * at the end of that turn but with everything else the loop iteration
 * sends them: at the next release, at sess_ep_flush(), or just before
 * the loop blocks, whichever comes first.  A server whose answers and
 * deliveries come from several watchers in one iteration (chatd's
 * commit releases) then sends each peer one datagram where it sent
 * two.  sess_ep_flush() sends what waits now (inside a hold: nothing,
 * the release will).
 */
void		 sess_ep_coalesce(struct sess_ep *, int);
void		 sess_ep_flush(struct sess_ep *);

/*
 * Queue a message of 1 to SP_MSG_MAX bytes.  0, or -1 with errno:
 * EMSGSIZE (size), ENOBUFS (max_queue would be exceeded: try again after
 * acknowledgements), ENOTCONN (not up or closing).  It is sent at the end
 * of the current turn or hold; outside both, on an endpoint with a loop,
 * just before the loop next blocks; without a loop, at once.
 */
int		 sess_send(struct sess *, const void *, size_t);
/*
 * One message for many sessions (a group's fan-out) without a copy for
 * each: sess_buf_new() copies the bytes once into a block whose one
 * reference is the caller's; sess_send_buf() queues the block on a
 * session as sess_send() would queue a copy (same results and errors)
 * and the session holds a reference to it until the message is
 * acknowledged or the session is freed; sess_buf_unref() drops the
 * caller's.  The last reference frees the block.  Each session is
 * charged for the whole block, as for a copy.
 */
struct sess_buf;
struct sess_buf	*sess_buf_new(const void *, size_t);
void		 sess_buf_unref(struct sess_buf *);
int		 sess_send_buf(struct sess *, struct sess_buf *);
/* How many hold it: its caller, queues and fragments in flight. */
unsigned int	 sess_buf_refs(const struct sess_buf *);
/*
 * Server: the application trusts the session's peer (it has logged in):
 * the session is no longer counted against the limits on untrusted
 * sessions, pretrust_mem no longer bounds it and untrusted_ms no longer
 * ends it.  Until then a server session that has not been trusted
 * within untrusted_ms is closed (lost with SESS_TIMEOUT).  Does nothing
 * on a client, whose session is always trusted.
 */
void		 sess_trust(struct sess *);
int		 sess_trusted(const struct sess *);
/* Close: tell the peer, then lost(SESS_CLOSED) and free at a safe point. */
void		 sess_close(struct sess *);
/* The same, telling the peer that this node cannot serve it now and that
 * another address of the service should be tried (CLOSE reason 1). */
void		 sess_close_elsewhere(struct sess *);
int		 sess_is_up(const struct sess *);
/* Bytes queued and not yet acknowledged. */
size_t		 sess_queued(const struct sess *);
const struct sockaddr *sess_peer(const struct sess *, socklen_t *);
uint64_t	 sess_id(const struct sess *);
/* The AEAD sealing the session's DATA: "AES-256-GCM" or
 * "XChaCha20-Poly1305" (chosen in the handshake, known once up). */
const char	*sess_aead(const struct sess *);
/* On a server, nanoseconds since the HELLO that made the session (by the
 * endpoint's clock): in the up callback, how long the handshake took. */
uint64_t	 sess_age_ns(const struct sess *);
void		 sess_set_data(struct sess *, void *);
void		*sess_data(const struct sess *);
struct sess_ep	*sess_ep(const struct sess *);

#endif
