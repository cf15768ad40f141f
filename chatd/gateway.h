/*
 * gateway.h: chatd as a gateway ([cluster] role = gateway, gateway.c): it
 * holds clients' sealed sessions, and hands the chat messages they carry
 * to the core over the bus, which answers the same way (remote.h is the
 * core's side).  A gateway has no store: any gateway serves any user,
 * and one that dies costs its clients a reconnection, not a message.
 */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stdint.h>

struct bus;
struct busmsg;
struct chatd_conf;
struct ev_loop;
struct gateway;

struct gateway	*gateway_new(struct ev_loop *, int fd, const uint8_t *pk,
		    const uint8_t *sk, const struct chatd_conf *,
		    struct bus *);
/* A SESS payload from the core. */
void		 gateway_in(struct gateway *, const struct busmsg *);
/* Node is gone (NULL: this gateway lost NATS): if it is our core, close
 * every session; their clients reach a node again and resume. */
void		 gateway_drop(struct gateway *, const char *node);
/* A payload from node was lost: the same, and the core is told RESET. */
void		 gateway_gap(struct gateway *, const char *node);
/* Back on NATS: the core forgets what it had of us (RESET). */
void		 gateway_reconnected(struct gateway *);
/* Once a beat: CHECK on the link to the core if it has sessions. */
void		 gateway_check(struct gateway *);
void		 gateway_log_stats(struct gateway *, const char *when);
/* Close every session, free. */
void		 gateway_free(struct gateway *);

#endif
