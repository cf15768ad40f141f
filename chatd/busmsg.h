/*
 * busmsg.h: the payloads chatd nodes send each other over NATS (bus.c).
 * docs/CLUSTER.md ("The bus") is the prose specification; this file and
 * busmsg.c are the only places that know byte offsets.  All integers are
 * big-endian (lib/base/wire.h).
 *
 * Every payload is one NATS message: a fixed header, the name of the
 * node that sent it, and a body whose layout the kind fixes.
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |  version (1)  |     kind      |  node length  |     flags     |
 *  +---------------+---------------+---------------+---------------+
 *  |                      body length (32 bits)                    |
 *  +---------------+---------------+---------------+---------------+
 *  |  origin node (1-63 bytes of A-Z a-z 0-9 . _ -) ...            |
 *  +---------------+---------------+---------------+---------------+
 *  |  body (body length bytes) ...                                 |
 *  +---------------+---------------+---------------+---------------+
 * The payload is exactly 8 + node length + body length bytes.  A payload
 * of another version is counted and dropped (bad_version); one that is
 * shorter or longer than its lengths say, of an unknown kind, with a flag
 * its kind does not have (only a BEAT has one: BM_F_CORE), a node name
 * outside the set above, or a body not exactly as its kind says, is
 * counted and dropped (malformed).  Nothing is allocated from a length
 * read off the wire.
 *
 * BEAT (1), on subject chatd.beat every heartbeat_ms:
 *  +---------------+---------------+---------------+---------------+
 *  |                   incarnation (64 bits, not 0) ...            |
 *  +---------------+---------------+---------------+---------------+
 *  |                   sequence (64 bits) ...                      |
 *  +---------------+---------------+---------------+---------------+
 *  |     interval (ms, 32 bits, BM_BEAT_MIN_MS to BM_BEAT_MAX_MS)  |
 *  +---------------+---------------+---------------+---------------+
 *  The incarnation is drawn at random when the node starts: a beat with
 *  a new one is a node that restarted.  The interval is the sender's
 *  own, so each node judges the others by their own pace.  Flag
 *  BM_F_CORE (0x01): the sender is a core, the node that holds the
 *  store, to which gateways hand their sessions.
 *
 * BYE (2), on chatd.beat when a node stops: incarnation (u64, not 0).
 *
 * USER (3), on chatd.user.ID: user id (u64, not 0, the subject's ID),
 *  then 0 to BM_DATA_MAX bytes for that user's sessions on whichever
 *  nodes watch the subject.  What the bytes mean is the cluster's
 *  business, not the bus's.
 *
 * SESS (4), on chatd.node.NAME (NAME the receiver's node): a session on
 *  a gateway, between the gateway and the core (gateway.c, remote.c).
 *  +---------------+---------------+---------------+---------------+
 *  |          sender's incarnation (64 bits, not 0) ...            |
 *  +---------------+---------------+---------------+---------------+
 *  |       link sequence (64 bits, from 1, per receiver) ...       |
 *  +---------------+---------------+---------------+---------------+
 *  |            session id (64 bits, not 0) ...                    |
 *  +---------------+---------------+---------------+---------------+
 *  |      op       |  data (as the op says) ...                     |
 *  +---------------+---------------+---------------+---------------+
 *  The sequence numbers what one incarnation sends one receiver, so a
 *  receiver sees a lost payload as a gap.  The ops and their data:
 *   OPEN (1), gateway to core: a session came up (or, again, its client
 *     roamed); the client's address, family (4 or 6), port (16), then 4
 *     or 16 address bytes: 7 or 19.
 *   MSG (2), both ways: one chat message (1 to BM_DATA_MAX bytes).
 *   CLOSED (3), gateway to core: the session is gone; no data.
 *   CLOSE (4), core to gateway: close the session; no data.
 *   TRUST (5), core to gateway: it logged in (sess_trust()); no data.
 *   ROOM (6), gateway to core: bytes queued on the session (32) and
 *     bytes of MSGs received for it so far (64): 12 bytes.
 *   RESET (7), gateway to core: forget every session of this gateway
 *     (it lost track of them); the id is any, no data.
 *   CHECK (8), both ways, every beat on every link: no data, the id
 *     any; it is there to be counted, so that a lost payload shows as a
 *     gap within a beat even on a quiet link.
 *
 * BATCH (5), on chatd.node.NAME: the SESS payloads one node sends
 *  another in one turn of its loop, in order, as one NATS message: one
 *  or more entries, each a length (32 bits, BM_HDR + 1 to BM_MAX) and
 *  then a whole SESS payload of that length from the same node.  At most
 *  BM_BATCH_MAX bytes of body.  A batch is checked whole: one bad entry
 *  and it is malformed.
 */
#ifndef BUSMSG_H
#define BUSMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define BM_VERSION	1
#define BM_HDR		8		/* the fixed header */
#define BM_NODE_MAX	63		/* bytes of a node name */
#define BM_DATA_MAX	65536		/* bytes of a USER payload's data */
#define BM_BEAT_MIN_MS	100
#define BM_BEAT_MAX_MS	60000
#define BM_F_CORE	0x01		/* BEAT: the sender holds the store */
#define BM_SESS_HDR	25		/* incarnation, sequence, id, op */
#define BM_OPEN_MAX	19		/* an OPEN's data, IPv6 */
#define BM_ROOM_LEN	12		/* a ROOM's data */
/* The longest payload there is. */
#define BM_MAX		(BM_HDR + BM_NODE_MAX + BM_SESS_HDR + BM_DATA_MAX)

enum bm_kind {
	BM_BEAT = 1,
	BM_BYE = 2,
	BM_USER = 3,
	BM_SESS = 4,
	BM_BATCH = 5,
};
#define BM_BATCH_MAX	(512 * 1024)	/* bytes of a BATCH's body */

enum bm_op {
	BMO_OPEN = 1,
	BMO_MSG = 2,
	BMO_CLOSED = 3,
	BMO_CLOSE = 4,
	BMO_TRUST = 5,
	BMO_ROOM = 6,
	BMO_RESET = 7,
	BMO_CHECK = 8,
};
#define BMO_MAX		BMO_CHECK

enum bm_err {
	BME_NONE = 0,
	BME_VERSION,		/* another version: bad_version */
	BME_MALFORMED,		/* anything else wrong */
};

struct busmsg {
	enum bm_kind	 kind;
	uint8_t		 flags;		/* BEAT: BM_F_CORE */
	char		 node[BM_NODE_MAX + 1];	/* origin, NUL-terminated */
	uint64_t	 incarnation;	/* BEAT, BYE, SESS */
	uint64_t	 seq;		/* BEAT, SESS */
	uint32_t	 interval_ms;	/* BEAT */
	uint64_t	 uid;		/* USER */
	uint64_t	 sid;		/* SESS */
	enum bm_op	 op;		/* SESS */
	const uint8_t	*data;		/* USER, SESS, BATCH (its entries): into
					 * the decoded buffer */
	size_t		 len;
};

/* Is name (len bytes) a node name: 1-63 of A-Z a-z 0-9 . _ -, no dot
 * first, last or twice (it ends a NATS subject)? */
int		 busmsg_node_ok(const char *name, size_t len);
/*
 * Decode buf (len bytes, hostile) into m: BME_NONE, or why not.  m->data
 * points into buf.
 */
enum bm_err	 busmsg_decode(const uint8_t *buf, size_t len,
		    struct busmsg *m);
/* Encode m into buf: its length, or 0 if it does not fit or m is not a
 * payload busmsg_decode() would accept. */
size_t		 busmsg_encode(uint8_t *buf, size_t cap, const struct busmsg *m);
/* The encoded length of m (0 if it is not valid).  Not for a BATCH,
 * which is built by busmsg_batch_*(). */
size_t		 busmsg_len(const struct busmsg *m);
/*
 * The next SESS payload of a decoded BATCH b: *off (0 at first) moves
 * past it.  1 with it in m, 0 after the last.  busmsg_decode() has
 * checked every entry, so there is no error.
 */
int		 busmsg_batch_next(const struct busmsg *b, size_t *off,
		    struct busmsg *m);
/*
 * Build a BATCH in buf (cap bytes) from node: start it (its length so
 * far, or 0 if cap is too small), add an encoded SESS payload (the new
 * length, or 0 if it does not fit or is not a SESS from node), and end
 * it (fills in the header; the payload's length).
 */
size_t		 busmsg_batch_start(uint8_t *buf, size_t cap,
		    const char *node);
size_t		 busmsg_batch_add(uint8_t *buf, size_t cap, size_t len,
		    const uint8_t *sess, size_t sesslen);
size_t		 busmsg_batch_end(uint8_t *buf, size_t len);
/* An OPEN's data from a client's address: its length (7 or 19), or 0
 * for a family it cannot carry. */
size_t		 busmsg_open_encode(uint8_t buf[BM_OPEN_MAX],
		    const struct sockaddr *);
/* The address of an OPEN's data (checked by busmsg_decode()) into ss;
 * its length. */
socklen_t	 busmsg_open_decode(const uint8_t *, size_t,
		    struct sockaddr_storage *ss);
/* A ROOM's data: bytes queued, bytes of MSGs received so far. */
void		 busmsg_room_encode(uint8_t buf[BM_ROOM_LEN], uint32_t queued,
		    uint64_t received);
void		 busmsg_room_decode(const uint8_t buf[BM_ROOM_LEN],
		    uint32_t *queued, uint64_t *received);

#endif
