/*
 * ctlproto.h: chatd's control protocol, between chatctl and a running
 * chatd (docs/PROTOCOL.md, section 6).  The wire is text over a UNIX
 * stream socket in chatd's state directory, so this header holds only
 * what both ends must agree on: where the socket is, how long a request
 * may be, and the words that name an error.
 *
 * One connection carries one exchange: the client writes one request
 * line, a JSON array of strings (the command and its arguments) ending in
 * a newline, and reads one reply line, a JSON object, after which chatd
 * closes the connection:
 *
 *	-> ["lock","bob"]\n
 *	<- {"ok":true,"result":{"nick":"bob","locked":true,"sessions":1}}\n
 *	<- {"ok":false,"error":"unknown-user","message":"no account bob"}\n
 *
 * A reply may carry "more": true when a listing stopped at its bound.
 */
#ifndef CTLPROTO_H
#define CTLPROTO_H

#include <stddef.h>

#define CTL_SOCKET		"chatd.ctl"	/* in the state directory */
#define CTL_DEFAULT_STATE_DIR	"/var/lib/chatd" /* chatd's default */
#define CTL_REQUEST_MAX		4096	/* bytes of a request line, with
					 * its newline */
#define CTL_REPLY_MAX		(4 << 20) /* bytes a client reads at most */

/* The error words of a reply ("error"), and what each means. */
#define CTL_E_USAGE		"usage"		/* unknown command, bad arguments */
#define CTL_E_UNKNOWN_USER	"unknown-user"	/* no such account */
#define CTL_E_DENIED		"denied"	/* the peer may not administer */
#define CTL_E_BUSY		"busy"		/* try again later */
#define CTL_E_FAILED		"failed"	/* the command failed (storage,
						 * a bad configuration) */

/* Write dir/CTL_SOCKET into buf of len bytes, which should be a
 * sockaddr_un's sun_path: 0, or -1 if it does not fit. */
int	ctl_socket_path(const char *dir, char *buf, size_t len);

#endif
