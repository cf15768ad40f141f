/*
 * sesskey.h: long-term keys of the session layer: the server's key pair
 * on disk and the client's pins of server keys (trust on first use, like
 * SSH's known_hosts).
 */
#ifndef SESSKEY_H
#define SESSKEY_H

#include <stddef.h>
#include <stdint.h>

#include "sess/sessproto.h"

#define SESSKEY_FILE	"session.key"
#define SESSKEY_PINS	"udp-suite/known_servers"
/* A key's printable fingerprint: "b2:" and 43 base64 characters. */
#define SESSKEY_FPRLEN	48

/*
 * The server's long-term key pair in dir/session.key (secret then public
 * key, 64 bytes, mode 0600), created on first use.  A key file that group
 * or others may read, of the wrong size, or whose halves do not match is
 * refused.  0, or -1 with a message in err.
 */
int	 sesskey_load(const char *dir, uint8_t pk[SP_PK_LEN],
	    uint8_t sk[SP_KEY_LEN], char *err, size_t errlen);

/*
 * The default pin file: $XDG_CONFIG_HOME/udp-suite/known_servers, or
 * ~/.config/udp-suite/known_servers.  0, or -1 if neither variable is set.
 */
int	 sesskey_pinfile(char *buf, size_t len);

/*
 * Check pk against the pin of name in pinfile (NULL: the default).  An
 * unknown name is pinned now (trust on first use).  0 if it matches or
 * was pinned; -1 if the key changed (the message in err names both
 * fingerprints) or the file cannot be used.
 */
int	 sesskey_pin_check(const char *pinfile, const char *name,
	    const uint8_t pk[SP_PK_LEN], char *err, size_t errlen);
/* The pinned key of name: 1 found, 0 none, -1 unreadable file. */
int	 sesskey_pin_lookup(const char *pinfile, const char *name,
	    uint8_t pk[SP_PK_LEN]);

/* A key's fingerprint, "b2:" and base64 of its BLAKE2b-256 hash. */
void	 sesskey_fingerprint(const uint8_t pk[SP_PK_LEN],
	    char buf[SESSKEY_FPRLEN]);

#endif
