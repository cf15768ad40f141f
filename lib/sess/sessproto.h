/*
 * sessproto.h: the wire format of the secure datagram session layer (the
 * transport under chat).  docs/PROTOCOL.md (section 4) is the prose
 * specification; this file and sessproto.c are the only places that know
 * byte offsets.  All integers are big-endian (lib/base/wire.h).
 *
 * Every datagram starts with a type byte.  Three handshake packets travel
 * in the clear (their secrets are public keys and MACs); every other
 * datagram is a DATA packet whose payload is sealed with
 * XChaCha20-Poly1305, or AES-256-GCM if the handshake chose it, the
 * 18-byte clear header being the associated data.
 *
 * HELLO (client to server), always exactly SP_HELLO_LEN (1200) bytes so
 * the COOKIE and ACCEPT answers are far smaller than what caused them:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |   type (1)    |  version (1)  |     flags     |  reserved (0) |
 *  +---------------+---------------+---------------+---------------+
 *  |              client connection id (64 bits)                   |
 *  +                                                               +
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |            client ephemeral X25519 public key (32 bytes)      |
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *  |      cookie (16 bytes; zero unless flags has SP_HELLO_COOKIE)  |
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *  |                 zero padding to 1200 bytes                    |
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *
 * COOKIE (server to client, 60 bytes), the stateless address check:
 *  +---------------+---------------+---------------+---------------+
 *  |   type (2)    |  version (1)  |  reserved (0) |  reserved (0) |
 *  +---------------+---------------+---------------+---------------+
 *  |          client connection id (64 bits, echoed)               |
 *  +                                                               +
 *  +---------------------------------------------------------------+
 *  |                     cookie (16 bytes)                         |
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *  |          server long-term X25519 public key (32 bytes)        |
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *
 * HELLO flags: SP_HELLO_COOKIE, SP_HELLO_AESGCM (AES-256-GCM offered).
 *
 * ACCEPT (server to client, 68 bytes), sent once the cookie is valid:
 *  +---------------+---------------+---------------+---------------+
 *  |   type (3)    |  version (1)  |     flags     |  reserved (0) |
 *  +---------------+---------------+---------------+---------------+
 *  |          client connection id (64 bits, echoed)               |
 *  +                                                               +
 *  +---------------------------------------------------------------+
 *  |               server connection id (64 bits)                  |
 *  +                                                               +
 *  +---------------------------------------------------------------+
 *  |            server ephemeral X25519 public key (32 bytes)      |
 *  ~                                                               ~
 *  +---------------------------------------------------------------+
 *  |   confirmation tag (16 bytes: Poly1305 over bytes 0-51 under  |
 *  ~   the confirmation key; proves the server holds its keys)     ~
 *  +---------------------------------------------------------------+
 *
 * DATA (either direction, 34 to 1200 bytes, or up to SP_MAX_DGRAM on a
 * path probed for it: pmtu.c):
 *  +---------------+---------------+---------------+---------------+
 *  |   type (4)    |  key epoch    |                               |
 *  +---------------+---------------+                               +
 *  |        destination connection id (64 bits, the receiver's)    |
 *  +                               +-------------------------------+
 *  |                               |                               |
 *  +-------------------------------+                               +
 *  |                  packet counter (64 bits)                     |
 *  +                               +-------------------------------+
 *  |                               |  sealed frames ...            |
 *  +-------------------------------+                               ~
 *  ~                      ... Poly1305 tag (16 bytes)              |
 *  +---------------------------------------------------------------+
 * ACCEPT flags: SP_ACCEPT_AESGCM (DATA sealed with AES-256-GCM).
 * The nonce is the counter after zero bytes, 16 of them for XChaCha20
 * (24 bytes), 4 for AES-256-GCM (12 bytes); the key epoch is the low 8
 * bits of the sender's key ratchet step.
 *
 * Frames inside a DATA payload, back to back:
 *   ACK    (0x01): type, next expected seq (32), block count n (8, at most
 *                  SP_MAX_SACK), n x { first seq (32), end seq (32,
 *                  exclusive) } of fragments held beyond the gap.
 *   FRAG   (0x02): type, flags (FIRST 0x01, LAST 0x02), seq (32), message
 *                  total length (32), fragment length (16), bytes.
 *   PING   (0x03): type only; a keepalive.
 *   CLOSE  (0x04): type, reason (8).
 *   CHALLENGE (0x05): type, 8 random bytes: prove you receive here.
 *   RESPONSE  (0x06): type, the 8 bytes of a CHALLENGE, echoed.
 *   ACKNOW (0x07): type only; acknowledge this datagram at once.
 *   PAD    (0x00): type only; padding.
 */
#ifndef SESSPROTO_H
#define SESSPROTO_H

#include <stddef.h>
#include <stdint.h>

#define SP_VERSION	1
/*
 * Datagram sizes.  Every peer receives SP_BASE_DGRAM and every session
 * sends at most that until a probe of a larger size (a CHALLENGE padded
 * to it) is answered; SP_MAX_DGRAM is the largest this implementation
 * receives or probes for (pmtu.c).  IP never fragments them: the socket
 * sets don't-fragment.
 */
#define SP_BASE_DGRAM	1200
#define SP_MAX_DGRAM	4096
#define SP_HELLO_LEN	SP_BASE_DGRAM
#define SP_COOKIE_LEN	60
#define SP_ACCEPT_LEN	68
#define SP_HDR_LEN	18
#define SP_TAG_LEN	16
#define SP_KEY_LEN	32
#define SP_PK_LEN	32
#define SP_MAC_LEN	16
#define SP_MAX_PLAIN	(SP_MAX_DGRAM - SP_HDR_LEN - SP_TAG_LEN)
#define SP_MAX_SACK	16
#define SP_ACK_MAX	(6 + 8 * SP_MAX_SACK)
#define SP_FRAG_HDR	12
#define SP_FRAG_MAX	1000	/* payload bytes in one fragment */
#define SP_MSG_MAX	65536	/* largest message */
#define SP_WINDOW	256	/* fragments in flight, both directions */
#define SP_ACCEPT_AD	52	/* ACCEPT bytes covered by the tag */
#define SP_PATH_LEN	8	/* CHALLENGE and RESPONSE data */
#define SP_PATH_FRAME	(1 + SP_PATH_LEN)

#define SP_HELLO_COOKIE	0x01
#define SP_HELLO_AESGCM	0x02	/* the client can seal with AES-256-GCM */
#define SP_ACCEPT_AESGCM 0x01	/* DATA is sealed with AES-256-GCM */

#define SP_FRAG_FIRST	0x01
#define SP_FRAG_LAST	0x02

enum sp_type {
	SP_T_HELLO = 1,
	SP_T_COOKIE = 2,
	SP_T_ACCEPT = 3,
	SP_T_DATA = 4,
};

enum sp_frame {
	SP_F_PAD = 0,
	SP_F_ACK = 1,
	SP_F_FRAG = 2,
	SP_F_PING = 3,
	SP_F_CLOSE = 4,	/* reason: SP_CLOSE_* */
	SP_F_CHALLENGE = 5,
	SP_F_RESPONSE = 6,
	SP_F_ACKNOW = 7,
};

/* A CLOSE's reason; any other value is taken as SP_CLOSE_NONE. */
#define SP_CLOSE_NONE		0
#define SP_CLOSE_ELSEWHERE	1	/* try another address of the service */

struct sp_hello {
	uint8_t		flags;
	uint64_t	ccid;
	uint8_t		epk[SP_PK_LEN];
	uint8_t		cookie[SP_MAC_LEN];
};

struct sp_cookie {
	uint64_t	ccid;
	uint8_t		cookie[SP_MAC_LEN];
	uint8_t		spk[SP_PK_LEN];
};

struct sp_accept {
	uint8_t		flags;
	uint64_t	ccid;
	uint64_t	scid;
	uint8_t		epk[SP_PK_LEN];
	uint8_t		tag[SP_TAG_LEN];
};

struct sp_hdr {
	uint8_t		epoch;
	uint64_t	dcid;
	uint64_t	counter;
};

struct sp_sack {
	uint32_t	start;
	uint32_t	end;
};

struct sp_ack {
	uint32_t	next;
	unsigned int	nsack;
	struct sp_sack	sack[SP_MAX_SACK];
};

struct sp_frag {
	uint8_t		 flags;
	uint32_t	 seq;
	uint32_t	 total;
	uint16_t	 len;
	const uint8_t	*data;
};

/* One decoded frame; which member is valid depends on type. */
struct sp_frameval {
	enum sp_frame	type;
	uint8_t		reason;
	uint8_t		path[SP_PATH_LEN];
	struct sp_ack	ack;
	struct sp_frag	frag;
};

/* The packet type of a datagram, or -1 if it is empty or its version bad. */
int	 sp_type(const uint8_t *, size_t);

/* Encoders write exactly their packet's length into buf and return it. */
size_t	 sp_hello_encode(uint8_t buf[SP_HELLO_LEN], const struct sp_hello *);
size_t	 sp_cookie_encode(uint8_t buf[SP_COOKIE_LEN], const struct sp_cookie *);
size_t	 sp_accept_encode(uint8_t buf[SP_ACCEPT_LEN], const struct sp_accept *);
size_t	 sp_hdr_encode(uint8_t buf[SP_HDR_LEN], const struct sp_hdr *);

/* Decoders check the exact length and every field: 0, or -1 to drop. */
int	 sp_hello_decode(const uint8_t *, size_t, struct sp_hello *);
int	 sp_cookie_decode(const uint8_t *, size_t, struct sp_cookie *);
int	 sp_accept_decode(const uint8_t *, size_t, struct sp_accept *);
int	 sp_hdr_decode(const uint8_t *, size_t, struct sp_hdr *);

/* Frame encoders append at p (room checked by the caller); return length. */
size_t	 sp_ack_len(const struct sp_ack *);
size_t	 sp_ack_encode(uint8_t *p, const struct sp_ack *);
size_t	 sp_frag_encode(uint8_t *p, const struct sp_frag *);
size_t	 sp_ping_encode(uint8_t *p);
size_t	 sp_acknow_encode(uint8_t *p);
size_t	 sp_close_encode(uint8_t *p, uint8_t reason);
/* Append a CHALLENGE or RESPONSE (type) with its 8 bytes. */
size_t	 sp_path_encode(uint8_t *p, enum sp_frame type,
	    const uint8_t data[SP_PATH_LEN]);

/*
 * Decode the frame at *off in a decrypted payload and advance *off.
 * Returns 1 with a frame, 0 at the end, -1 if malformed (drop the rest).
 * A FRAG's data points into buf.
 */
int	 sp_frame_next(const uint8_t *buf, size_t len, size_t *off,
	    struct sp_frameval *);

#endif
