/*
 * chatc.h: the command-line client's own modules.  token.c keeps device
 * tokens: one line per server and account in
 * $XDG_CONFIG_HOME/udp-suite/chatc-tokens (else ~/.config/...), mode
 * 0600, "SERVER<TAB>NICKKEY<TAB>HEXTOKEN".  The password is never stored.
 */
#ifndef CHATC_H
#define CHATC_H

#include <stdint.h>

#include "chat/chatproto.h"

/* The token of key at server: 1 found, 0 none. */
int	token_load(const char *server, const char *key,
	    uint8_t token[CP_TOKEN_LEN]);
/* Save (replacing) the token; 0, or -1 with a warning printed. */
int	token_save(const char *server, const char *key,
	    const uint8_t token[CP_TOKEN_LEN]);
/* Forget the token of key at server. */
void	token_forget(const char *server, const char *key);

#endif
