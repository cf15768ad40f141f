/*
 * device.h: an account's devices (device.c): the DEVICES request, the
 * expiry of device tokens left idle, ending the sessions of a device or
 * of an account, and the address text and source key that the device
 * list, the registration cap and the password pool's fairness use.
 *
 * A device is a device token (store.h): the client that asked for it at
 * a login names it, and every session that logs in with it, or was given
 * it, remembers its id (client.token_id).  A device revoked, or every
 * device at a password change, ends those sessions at once: each is
 * logged out, gets an ERROR CPE_BAD_TOKEN with id 0, and its session is
 * closed once that is acknowledged (or after SIGNOUT_NS; a close
 * discards what is queued, so it cannot go with the notice).
 */
#ifndef DEVICE_H
#define DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "chat/chatproto.h"

struct client;
struct command;
struct cp_msg;
struct cp_str;
struct server;
struct user;

/* The timer that closes signed-out sessions; stopped at the end. */
void		 device_init(struct server *);
void		 device_fini(struct server *);
/* DEVICES: list the account's devices, or revoke one. */
void		 device_cmd(struct client *, const struct cp_msg *,
		    const struct command *);
/*
 * End the sessions of user u other than except's: those that logged in
 * with token id token (or were given it), or all of them (token 0).
 * why is the ERROR's detail.  Their number.
 */
int		 device_sign_out(struct server *, struct user *u,
		    struct client *except, uint64_t token, const char *why);
/* The same with ERROR code instead of CPE_BAD_TOKEN (CPE_LOCKED: the
 * account was locked; its client keeps its token).  except may be NULL;
 * u may be gone after, with its last client. */
int		 device_end_sessions(struct server *, struct user *u,
		    struct client *except, uint64_t token, enum cp_err code,
		    const char *why);
/* The oldest last use a token may have at now_ms and still log in. */
uint64_t	 device_idle_since(const struct server *, uint64_t now_ms);
/* Hourly: tokens idle too long and registrations older than a day go;
 * the tokens of sessions still up count as used now. */
void		 device_expire(struct server *, uint64_t now_ms);
/* A client's address as the limits group it, as text: "192.0.2.7",
 * "2001:db8:1:2::/64"; "" if unknown. */
void		 device_addr(const struct client *, char *buf, size_t len);
/* A source key for that group (the password pool's fairness). */
uint64_t	 device_src(const char *addr);
/* A device name from the wire, fit to store and show: UTF-8 without
 * control characters, else "". */
void		 device_name(const struct cp_str *, char *buf, size_t len);

#endif
