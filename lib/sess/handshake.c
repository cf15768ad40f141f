/*
 * handshake.c: a session from its first HELLO until it is up
 * (docs/PROTOCOL.md 4.3.2, 4.3.3 and 4.3.6): the server's stateless
 * cookies, new sessions and ACCEPT; the client's sess_connect(), HELLO,
 * pin check and ACCEPT check; the key derivation; hs_up(), which frees
 * the handshake's secrets.  It uses sesskey.h for pins, seal.c for the
 * AEAD offered, send.c for the client's first PING, timer.c for the
 * session's timer and endpoint.c for the tables, sending and turns.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <sodium.h>

#include "base/log.h"
#include "base/wire.h"
#include "base/xmalloc.h"
#include "sess/sesskey.h"
#include "sess/sessint.h"

/* Wipe and free the handshake state: the session is up, or ends. */
void
hs_free(struct sess *s)
{
	if (s->hs == NULL)
		return;
	s->ep->st.alloc -= mem_cost(sizeof *s->hs);
	sodium_memzero(s->hs, sizeof *s->hs);
	free(s->hs);
	s->hs = NULL;
}

/* Derive the session keys from both key exchanges and the transcript. */
static int
sess_derive(struct sess *s, int client, const uint8_t cepk[SP_PK_LEN],
    const uint8_t sepk[SP_PK_LEN], const uint8_t *my_sk,
    const uint8_t *my_pk, const uint8_t *their_pk, uint64_t ccid,
    uint64_t scid, uint8_t confirm[SP_KEY_LEN])
{
	uint8_t				 rx[32], tx[32], ee[32], master[32];
	uint8_t				 c2s[32], s2c[32], ids[16];
	crypto_generichash_state	 h;
	int				 rv = -1;

	if (client) {
		/* Static-ephemeral: our ephemeral, the server's static. */
		if (crypto_kx_client_session_keys(rx, tx, my_pk, my_sk,
		    s->hs->spk) != 0)
			goto out;
		if (crypto_scalarmult(ee, my_sk, sepk) != 0)
			goto out;
		memcpy(c2s, tx, 32);
		memcpy(s2c, rx, 32);
	} else {
		if (crypto_kx_server_session_keys(rx, tx, s->ep->pk, s->ep->sk,
		    cepk) != 0)
			goto out;
		if (crypto_scalarmult(ee, my_sk, their_pk) != 0)
			goto out;
		memcpy(c2s, rx, 32);
		memcpy(s2c, tx, 32);
	}
	wire_put64(ids, ccid);
	wire_put64(ids + 8, scid);
	crypto_generichash_init(&h, ee, sizeof ee, sizeof master);
	crypto_generichash_update(&h, (const uint8_t *)LABEL, sizeof LABEL - 1);
	crypto_generichash_update(&h, c2s, 32);
	crypto_generichash_update(&h, s2c, 32);
	crypto_generichash_update(&h, ids, sizeof ids);
	crypto_generichash_update(&h, cepk, SP_PK_LEN);
	crypto_generichash_update(&h, sepk, SP_PK_LEN);
	crypto_generichash_update(&h, s->hs->spk, SP_PK_LEN);
	crypto_generichash_final(&h, master, sizeof master);
	crypto_kdf_derive_from_key(client ? s->txk : s->rxk, SP_KEY_LEN, 1,
	    KDF_CTX, master);
	crypto_kdf_derive_from_key(client ? s->rxk : s->txk, SP_KEY_LEN, 2,
	    KDF_CTX, master);
	crypto_kdf_derive_from_key(confirm, SP_KEY_LEN, 3, KDF_CTX, master);
	rv = 0;
out:
	sodium_memzero(rx, sizeof rx);
	sodium_memzero(tx, sizeof tx);
	sodium_memzero(ee, sizeof ee);
	sodium_memzero(master, sizeof master);
	sodium_memzero(c2s, sizeof c2s);
	sodium_memzero(s2c, sizeof s2c);
	return rv;
}

/* The session is up: tell the application. */
void
hs_up(struct sess *s)
{
	struct sess_ep	*ep = s->ep;

	src_half_done(s);
	if (s->hs->sends == 1)
		recov_rtt_seed(s, ep->now - s->hs->sent);
	s->state = S_UP;
	s->was_up = 1;
	pmtu_start(s);
	s->last_rx = ep->now;
	s->tx_epoch_t = ep->now;
	ep->st.sessions_up++;
	if (ep->server) {
		/* The client's packet proved it holds the keys; an immediate
		 * ACK tells it that we have them too. */
		s->confirmed = 1;
		s->ack_now = 1;
	} else {
		/* Until the server is heard from, PING it with backoff. */
		s->hs_backoff = (uint64_t)ep->conf.rto_init_ms * MS;
		s->hs_next = ep->now + s->hs_backoff;
	}
	hs_free(s);		/* with the ephemeral secret */
	if (ep->cb.up != NULL)
		ep->cb.up(s, ep->cb.arg);
}

/* Rotate the cookie secrets into the current time bucket. */
static void
ep_cookie_rotate(struct sess_ep *ep)
{
	uint64_t	b = ep->now / COOKIE_BUCKET;

	if (ep->have_secret && b == ep->bucket)
		return;
	if (ep->have_secret && b == ep->bucket + 1)
		memcpy(ep->secret[1], ep->secret[0], 32);
	else
		randombytes_buf(ep->secret[1], 32);
	randombytes_buf(ep->secret[0], 32);
	ep->bucket = b;
	ep->have_secret = 1;
}

/*
 * The cookie of a HELLO from an address under secret i (0 now, 1 the
 * bucket before): bound, as QUIC's Retry token is, to the client's
 * connection id and ephemeral key as well as to the address, so that
 * one cookie opens one handshake, not any number.
 */
static void
ep_cookie(struct sess_ep *ep, int i, const struct sp_hello *h,
    const struct sockaddr *sa, uint8_t out[SP_MAC_LEN])
{
	uint8_t	msg[8 + 8 + SP_PK_LEN + 23];
	size_t	n;

	wire_put64(msg, ep->bucket - (uint64_t)i);
	wire_put64(msg + 8, h->ccid);
	memcpy(msg + 16, h->epk, SP_PK_LEN);
	n = ep_addr_bytes(sa, msg + 16 + SP_PK_LEN);
	crypto_generichash(out, SP_MAC_LEN, msg, 16 + SP_PK_LEN + n,
	    ep->secret[i], 32);
}

/* A new server session for a validated client. */
static struct sess *
ep_new_server_sess(struct sess_ep *ep, const struct sp_hello *h,
    const struct sockaddr *sa, socklen_t salen)
{
	struct sess	*s;
	struct sp_accept a;
	uint8_t		 confirm[SP_KEY_LEN];
	uint8_t		 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned long long tlen;
	size_t		 i;

	s = xcalloc(1, sizeof *s);
	s->hs = xcalloc(1, sizeof *s->hs);
	s->ep = ep;
	ep->st.alloc += mem_cost(sizeof *s) + mem_cost(sizeof *s->hs);
	s->state = S_HALF;
	s->rcid = h->ccid;
	do {
		randombytes_buf(&s->lcid, sizeof s->lcid);
	} while (s->lcid == 0 || ep_find_local(ep, s->lcid) != NULL);
	memcpy(&s->peer, sa, salen);
	s->peerlen = salen;
	s->path_ok = 1;		/* the cookie proved this address */
	s->dgram = SP_BASE_DGRAM;
	memcpy(s->hs->spk, ep->pk, SP_PK_LEN);
	/* The client's, to recognise its retries. */
	memcpy(s->hs->epk, h->epk, SP_PK_LEN);
	crypto_kx_keypair(a.epk, s->hs->esk);
	if (sess_derive(s, 0, h->epk, a.epk, s->hs->esk, a.epk, h->epk,
	    h->ccid, s->lcid, confirm) == -1) {
		hs_free(s);
		ep->st.alloc -= mem_cost(sizeof *s);
		sodium_memzero(s, sizeof *s);
		free(s);
		return NULL;
	}
	sodium_memzero(s->hs->esk, sizeof s->hs->esk);
	/* AES-256-GCM if the client offers it and this end has it. */
	s->aesgcm = (h->flags & SP_HELLO_AESGCM) && seal_aesgcm(ep);
	a.flags = s->aesgcm ? SP_ACCEPT_AESGCM : 0;
	a.ccid = h->ccid;
	a.scid = s->lcid;
	memset(a.tag, 0, sizeof a.tag);
	sp_accept_encode(s->hs->accept, &a);
	memset(nonce, 0, sizeof nonce);
	crypto_aead_xchacha20poly1305_ietf_encrypt(s->hs->accept +
	    SP_ACCEPT_AD, &tlen, NULL, 0, s->hs->accept, SP_ACCEPT_AD, NULL,
	    nonce, confirm);
	sodium_memzero(confirm, sizeof confirm);
	sessreplay_init(&s->replay);
	s->cwnd = CWND_INIT;
	s->ssthresh = ep->conf.window;
	s->rto = (uint64_t)ep->conf.rto_init_ms * MS;
	s->hs->start = ep->now;
	s->born = ep->now;
	s->last_tx = ep->now;
	if (ep->loop != NULL) {
		ev_timer_init(&s->timer, timer_cb, 0., 0.);
		s->timer.data = s;
	}
	i = ep_hash(ep, s->lcid);
	s->next_l = ep->tab_l[i];
	ep->tab_l[i] = s;
	s->ridx = (uint32_t)ep_hash_remote(ep, s->rcid, sa);
	s->next_r = ep->tab_r[s->ridx];
	ep->tab_r[s->ridx] = s;
	src_attach(s, sa);
	s->all_next = ep->all;
	if (ep->all != NULL)
		ep->all->all_prev = s;
	ep->all = s;
	ep->st.sessions++;
	return s;
}

/* Server: a HELLO.  Replies stay far below three times its size. */
void
hs_on_hello(struct sess_ep *ep, const uint8_t *pkt, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	struct sp_hello	 h;
	struct sp_cookie c;
	struct sess	*s;
	uint8_t		 buf[SP_COOKIE_LEN], mac[SP_MAC_LEN];
	int		 valid = 0;

	if (!ep->server || sp_hello_decode(pkt, len, &h) == -1 ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		ep->st.rx_malformed++;
		return;
	}
	ep_cookie_rotate(ep);
	if (h.flags & SP_HELLO_COOKIE) {
		ep_cookie(ep, 0, &h, sa, mac);
		valid = sodium_memcmp(mac, h.cookie, SP_MAC_LEN) == 0;
		if (!valid) {
			ep_cookie(ep, 1, &h, sa, mac);
			valid = sodium_memcmp(mac, h.cookie, SP_MAC_LEN) == 0;
		}
		if (!valid)
			ep->st.rx_bad_cookie++;
	}
	if (!valid) {
		/* Stateless: the client must prove it receives here. */
		c.ccid = h.ccid;
		ep_cookie(ep, 0, &h, sa, c.cookie);
		memcpy(c.spk, ep->pk, SP_PK_LEN);
		ep_send(ep, buf, sp_cookie_encode(buf, &c), sa, salen);
		return;
	}
	/* The same id from another address is another handshake. */
	if ((s = ep_find_remote(ep, h.ccid, sa, salen)) != NULL) {
		if (s->state != S_HALF) {
			ep->st.rx_refused++;
			return;
		}
		/* A retry: the ACCEPT was lost.  Same answer, no new state. */
		if (sodium_memcmp(s->hs->epk, h.epk, SP_PK_LEN) == 0) {
			ep_send(ep, s->hs->accept, SP_ACCEPT_LEN, sa, salen);
			s->hs->sends++;
			return;
		}
		/* A different key under that id: the earlier HELLO was
		 * damaged.  The newer, validated one replaces it. */
		sess_die(s, SESS_PROTOCOL);
	}
	/* The caps and the rate, before any public-key work. */
	if (src_admit(ep, sa) == -1)
		return;
	if ((s = ep_new_server_sess(ep, &h, sa, salen)) == NULL) {
		ep->st.rx_malformed++;
		return;
	}
	ep_send(ep, s->hs->accept, SP_ACCEPT_LEN, sa, salen);
	s->hs->sent = ep->now;
	s->hs->sends = 1;
	sess_touch(s);
}

/* Client: send the HELLO, with the cookie once we have one. */
void
hs_send_hello(struct sess *s)
{
	struct sp_hello	h;
	uint8_t		buf[SP_HELLO_LEN];

	memset(&h, 0, sizeof h);
	h.ccid = s->lcid;
	memcpy(h.epk, s->hs->epk, SP_PK_LEN);
	if (seal_aesgcm(s->ep))
		h.flags |= SP_HELLO_AESGCM;
	if (s->state == S_COOKIE) {
		h.flags |= SP_HELLO_COOKIE;
		memcpy(h.cookie, s->hs->cookie, SP_MAC_LEN);
	}
	ep_send(s->ep, buf, sp_hello_encode(buf, &h),
	    (struct sockaddr *)&s->peer, s->peerlen);
	s->last_tx = s->ep->now;
	s->hs->sent = s->ep->now;
	s->hs->sends++;
}

/* Client: a COOKIE; check the offered key against the pin. */
void
hs_on_cookie(struct sess_ep *ep, const uint8_t *pkt, size_t len)
{
	struct sp_cookie c;
	struct sess	*s = ep->client;
	char		 fold[SESSKEY_FPRLEN], fnew[SESSKEY_FPRLEN];

	if (ep->server || sp_cookie_decode(pkt, len, &c) == -1) {
		ep->st.rx_malformed++;
		return;
	}
	if (s == NULL || c.ccid != s->lcid ||
	    (s->state != S_HELLO && s->state != S_COOKIE)) {
		ep->st.rx_unknown++;
		return;
	}
	if (s->hs->pinned && sodium_memcmp(s->hs->spk, c.spk, SP_PK_LEN) != 0) {
		/*
		 * A COOKIE is not authenticated and may be damaged: ask
		 * again, and refuse only when the same other key is offered
		 * twice running.
		 */
		if (!s->hs->offered_n ||
		    sodium_memcmp(s->hs->offered, c.spk, SP_PK_LEN) != 0) {
			memcpy(s->hs->offered, c.spk, SP_PK_LEN);
			s->hs->offered_n = 1;
			s->state = S_HELLO;
			hs_send_hello(s);
			s->hs_next = ep->now + s->hs_backoff;
			sess_touch(s);
			return;
		}
		sesskey_fingerprint(s->hs->spk, fold);
		sesskey_fingerprint(c.spk, fnew);
		log_warnx("SERVER KEY CHANGED for %s: pinned %s, offered %s; "
		    "refusing (if the change is expected, remove the line for "
		    "%s from the known servers file)", ep->server_name, fold,
		    fnew, ep->server_name);
		sess_die(s, SESS_KEY_CHANGED);
		return;
	}
	if (!s->hs->pinned)
		memcpy(s->hs->spk, c.spk, SP_PK_LEN);
	s->hs->offered_n = 0;
	s->hs->have_spk = 1;
	memcpy(s->hs->cookie, c.cookie, SP_MAC_LEN);
	/* A new stage, its own round trip (a second COOKIE makes it
	 * ambiguous). */
	if (s->state != S_COOKIE)
		s->hs->sends = 0;
	s->state = S_COOKIE;
	hs_send_hello(s);
	/* Progress: the next step starts its own backoff afresh. */
	s->hs_backoff = (uint64_t)ep->conf.rto_init_ms * MS;
	s->hs_next = ep->now + s->hs_backoff;
	sess_touch(s);
}

/* Client: an ACCEPT; verify the server's proof and go up. */
void
hs_on_accept(struct sess_ep *ep, const uint8_t *pkt, size_t len)
{
	struct sp_accept a;
	struct sess	*s = ep->client;
	uint8_t		 confirm[SP_KEY_LEN];
	uint8_t		 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	char		 err[512];
	uint8_t		 ping[1];
	int		 ok;

	if (ep->server || sp_accept_decode(pkt, len, &a) == -1) {
		ep->st.rx_malformed++;
		return;
	}
	if (s == NULL || a.ccid != s->lcid || s->state != S_COOKIE) {
		ep->st.rx_unknown++;
		return;
	}
	/* The server may only choose what was offered. */
	if ((a.flags & SP_ACCEPT_AESGCM) && !seal_aesgcm(ep)) {
		ep->st.rx_malformed++;
		return;
	}
	if (sess_derive(s, 1, s->hs->epk, a.epk, s->hs->esk, s->hs->epk, NULL,
	    s->lcid, a.scid, confirm) == -1) {
		ep->st.rx_forged++;
		return;
	}
	memset(nonce, 0, sizeof nonce);
	ok = crypto_aead_xchacha20poly1305_ietf_decrypt(NULL, NULL, NULL,
	    pkt + SP_ACCEPT_AD, SP_TAG_LEN, pkt, SP_ACCEPT_AD, nonce,
	    confirm) == 0;
	sodium_memzero(confirm, sizeof confirm);
	if (!ok) {
		ep->st.rx_forged++;
		/* Perhaps the unpinned key came damaged: fetch it again. */
		if (!s->hs->pinned)
			s->state = S_HELLO;
		return;
	}
	if (!s->hs->pinned) {
		if (sesskey_pin_check(ep->pinfile, ep->server_name, s->hs->spk,
		    err, sizeof err) == -1) {
			log_warnx("%s", err);
			sess_die(s, SESS_KEY_CHANGED);
			return;
		}
		s->hs->pinned = 1;
	}
	s->rcid = a.scid;
	s->aesgcm = (a.flags & SP_ACCEPT_AESGCM) != 0;
	sess_touch(s);
	hs_up(s);
	if (s->state == S_UP) {
		/* Confirm the keys to the server at once. */
		send_output(s, ping, sp_ping_encode(ping));
	}
}

/* Start the handshake to the client endpoint's server. */
struct sess *
sess_connect(struct sess_ep *ep)
{
	struct sess	*s;

	if (ep->server || ep->client != NULL)
		return NULL;
	ep_enter(ep);
	s = xcalloc(1, sizeof *s);
	s->hs = xcalloc(1, sizeof *s->hs);
	s->ep = ep;
	ep->st.alloc += mem_cost(sizeof *s) + mem_cost(sizeof *s->hs);
	s->trusted = 1;		/* a client's limits are the server's */
	s->state = S_HELLO;
	do {
		randombytes_buf(&s->lcid, sizeof s->lcid);
	} while (s->lcid == 0);
	memcpy(&s->peer, &ep->server_sa, ep->server_len);
	s->peerlen = ep->server_len;
	s->path_ok = 1;		/* a client never follows the server */
	s->dgram = SP_BASE_DGRAM;
	crypto_kx_keypair(s->hs->epk, s->hs->esk);
	switch (sesskey_pin_lookup(ep->pinfile, ep->server_name, s->hs->spk)) {
	case 1:
		s->hs->have_spk = s->hs->pinned = 1;
		break;
	case -1:
		log_warnx("known servers file unreadable; the key of %s will "
		    "not be checked against a pin", ep->server_name);
		break;
	}
	sessreplay_init(&s->replay);
	s->cwnd = CWND_INIT;
	s->ssthresh = ep->conf.window;
	s->rto = (uint64_t)ep->conf.rto_init_ms * MS;
	s->hs->start = ep->now;
	s->hs_next = ep->now;
	s->hs_backoff = (uint64_t)ep->conf.rto_init_ms * MS;
	s->last_tx = ep->now;
	if (ep->loop != NULL) {
		ev_timer_init(&s->timer, timer_cb, 0., 0.);
		s->timer.data = s;
	}
	ep->client = s;
	s->all_next = ep->all;
	if (ep->all != NULL)
		ep->all->all_prev = s;
	ep->all = s;
	ep->st.sessions++;
	timer_tick(s);
	ep_leave(ep);
	return s;
}
