/*
 * remote.h: on a core, the sessions that gateways hold (remote.c).  A
 * gateway (gateway.c) terminates a client's sealed session and hands the
 * chat messages it carries to the core over the bus (SESS payloads,
 * busmsg.h); the core makes a client for it as for a session of its own,
 * and everything the client is sent goes back the same way.  client.h
 * asks here whenever a client's session is a remote one (c->r).
 */
#ifndef REMOTE_H
#define REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct busmsg;
struct client;
struct rsess;
struct server;

/* A SESS payload from a gateway. */
void		 remote_in(struct server *, const struct busmsg *);
/* Every session of node (NULL: of every gateway) is gone: the gateway
 * died, left, said RESET, or a payload of its link was lost (tell: the
 * gateway is sent CLOSE for each, as it may still have them). */
void		 remote_drop(struct server *, const char *node, int tell);
/* Once a beat: CHECK on each link with sessions (busmsg.h). */
void		 remote_check(struct server *);
/* Send one chat message: 0, or -1 with errno (ENOBUFS: the gateway's
 * queue for it is full, as far as we know; try later). */
int		 remote_send(struct client *, const uint8_t *, size_t);
/* Bytes the gateway holds for the client, as last told plus since. */
size_t		 remote_queued(const struct client *);
void		 remote_close(struct client *);
void		 remote_trust(struct client *);
uint64_t	 remote_id(const struct client *);
const struct sockaddr *remote_peer(const struct client *, socklen_t *);
/* Sessions on gateways now. */
size_t		 remote_count(const struct server *);
/* At chatd's end. */
void		 remote_free_all(struct server *);

#endif
