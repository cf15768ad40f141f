/*
 * seal.c: the cryptography of DATA packets: whether this endpoint may
 * seal with AES-256-GCM, the nonce of a packet counter, sealing, opening
 * (with the replay window and the receive key's ratchet) and one step of
 * a direction's key ratchet.  It uses libsodium and sessreplay.h, and no
 * other file of the layer.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "base/wire.h"
#include "sess/sessint.h"

/* One step of a direction's key ratchet. */
void
seal_ratchet(uint8_t out[SP_KEY_LEN], const uint8_t in[SP_KEY_LEN])
{
	uint8_t	tmp[SP_KEY_LEN];

	crypto_kdf_derive_from_key(tmp, SP_KEY_LEN, 1, RATCHET_CTX, in);
	memcpy(out, tmp, SP_KEY_LEN);
	sodium_memzero(tmp, sizeof tmp);
}

/* The 24-byte nonce of a packet counter. */
static void
sess_nonce(uint8_t n[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES],
    uint64_t ctr)
{
	memset(n, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	wire_put64(n + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES - 8, ctr);
}

/* May this endpoint seal with AES-256-GCM (docs/PROTOCOL.md 4.3.3)? */
int
seal_aesgcm(const struct sess_ep *ep)
{
	return ep->conf.aes_gcm && crypto_aead_aes256gcm_is_available();
}

/*
 * Seal plen bytes at plain after the clear header at pkt, with the AEAD
 * the handshake chose; the nonce is the counter, right-aligned in zeros
 * (24 bytes for XChaCha20-Poly1305, 12 for AES-256-GCM).
 */
size_t
seal_data(const struct sess *s, uint8_t *pkt, const uint8_t *plain,
    size_t plen, uint64_t ctr, const uint8_t *key)
{
	uint8_t			 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned long long	 clen;

	sess_nonce(nonce, ctr);
	if (s->aesgcm)
		crypto_aead_aes256gcm_encrypt(pkt + SP_HDR_LEN, &clen, plain,
		    plen, pkt, SP_HDR_LEN, NULL, nonce + sizeof nonce -
		    crypto_aead_aes256gcm_NPUBBYTES, key);
	else
		crypto_aead_xchacha20poly1305_ietf_encrypt(pkt + SP_HDR_LEN,
		    &clen, plain, plen, pkt, SP_HDR_LEN, NULL, nonce, key);
	return (size_t)clen;
}

/* Open a sealed DATA packet of len bytes: 0, or -1 if not authentic. */
static int
sess_unseal(const struct sess *s, uint8_t *plain, unsigned long long *plen,
    const uint8_t *pkt, size_t len, uint64_t ctr, const uint8_t *key)
{
	uint8_t	nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

	sess_nonce(nonce, ctr);
	if (s->aesgcm)
		return crypto_aead_aes256gcm_decrypt(plain, plen, NULL,
		    pkt + SP_HDR_LEN, len - SP_HDR_LEN, pkt, SP_HDR_LEN,
		    nonce + sizeof nonce - crypto_aead_aes256gcm_NPUBBYTES,
		    key) == 0 ? 0 : -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(plain, plen, NULL,
	    pkt + SP_HDR_LEN, len - SP_HDR_LEN, pkt, SP_HDR_LEN, nonce,
	    key) == 0 ? 0 : -1;
}

/* Choose the receive key for a packet's epoch byte; 0 or -1. */
static int
sess_rx_key(struct sess *s, uint8_t epoch, uint8_t key[SP_KEY_LEN],
    unsigned int *ahead)
{
	uint8_t		d = (uint8_t)(epoch - (uint8_t)s->rx_epoch);
	unsigned int	i;

	*ahead = 0;
	if (d == 0) {
		memcpy(key, s->rxk, SP_KEY_LEN);
		return 0;
	}
	if (d == 0xff) {
		if (!s->have_prev)
			return -1;
		memcpy(key, s->rxk_prev, SP_KEY_LEN);
		return 0;
	}
	if (d > REKEY_AHEAD)
		return -1;
	memcpy(key, s->rxk, SP_KEY_LEN);
	for (i = 0; i < d; i++)
		seal_ratchet(key, key);
	*ahead = d;
	return 0;
}

/* Open a DATA packet for session s; the plaintext length, or -1. */
int
seal_open(struct sess *s, const uint8_t *pkt, size_t len,
    const struct sp_hdr *h, uint8_t *plain)
{
	struct sess_ep		*ep = s->ep;
	uint8_t			 key[SP_KEY_LEN];
	unsigned long long	 plen;
	unsigned int		 ahead, i;

	if (sessreplay_check(&s->replay, h->counter) == -1) {
		ep->st.rx_replayed++;
		return -1;
	}
	if (sess_rx_key(s, h->epoch, key, &ahead) == -1) {
		ep->st.rx_forged++;
		return -1;
	}
	if (ep->conf.seal) {
		if (sess_unseal(s, plain, &plen, pkt, len, h->counter,
		    key) == -1) {
			sodium_memzero(key, sizeof key);
			ep->st.rx_forged++;
			return -1;
		}
	} else {
		plen = len - SP_HDR_LEN - SP_TAG_LEN;
		memcpy(plain, pkt + SP_HDR_LEN, plen);
	}
	if (ahead > 0) {
		/* The peer ratcheted: keep the key just before for stragglers. */
		memcpy(s->rxk_prev, s->rxk, SP_KEY_LEN);
		for (i = 1; i < ahead; i++)
			seal_ratchet(s->rxk_prev, s->rxk_prev);
		memcpy(s->rxk, key, SP_KEY_LEN);
		s->rx_epoch += ahead;
		s->have_prev = 1;
		s->rx_prev_until = ep->now + PREV_KEY_NS;
		ep->st.rekeys++;
	}
	sodium_memzero(key, sizeof key);
	return (int)plen;
}
