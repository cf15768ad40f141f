/*
 * server.h: the relay's state, shared by the modules it is made of.
 *
 * One struct server lives from server_new() to server_free().  Each group
 * of fields below is written by the module named above it (server.c
 * unless another is named); other modules may read it.  buf is scratch
 * for encoding one message, valid until the next call that may encode.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "chatd.h"
#include "chat/chatproto.h"

struct batch;
struct client;
struct out;
struct user;

struct server {
	struct ev_loop		*loop;
	struct sess_ep		*ep;
	struct store		*st;
	struct pwpool		*pw;
	struct ratelimit	*login_rl, *msg_rl;
	struct ratelimit	*token_rl;	/* device token logins */
	struct backoff		*backoff;	/* auth.c: failed passwords */
	ev_timer		 signout;	/* device.c: sessions to close */
	struct quota		*quota;		/* cmd.c: messages waiting */
	struct groups		*groups;	/* group.c */
	struct bus		*bus;		/* main.c: NULL, a single node;
						 * auth.c and client.c watch the
						 * users online (bus.h) */
	uint64_t		 hist_trimmed;	/* history.c: capped up to */
	struct chatd_conf	 conf;
	struct chatd_stats	 stats;		/* every module counts */
	ev_prepare		 prepare;
	ev_timer		 expire;
	/* user.c: the online users */
	struct user		**by_id, **by_key;
	size_t			 nbuckets, nusers;
	struct user		*online;
	/* outq.c: the out-queue and the group commit; cmd_send() takes
	 * server ids (next_sid, sid_reserved) and sets late */
	struct out		*outq;
	size_t			 nout, outcap;
	uint8_t			*obuf;		/* the out-queue's wire bytes */
	size_t			 olen, ocap;
	uint64_t		 next_sid;	/* server ids: the next one */
	uint64_t		 sid_reserved;	/* written in this transaction */
	uint64_t		 sid_safe;	/* committed: below it, a message
						 * may go out before its commit */
	int			 late;		/* a MESSAGE waits for the commit,
						 * so later ones must too */
	size_t			 late_waiting;	/* likewise, in batches */
	struct syncer		*sync;		/* NULL: commits are durable */
	struct pglog		*pglog;		/* [store] postgresql: replies
						 * wait for it (pglog.h) */
	int			 stopping;	/* server_free(): the requests
						 * that come while it drains
						 * are dropped */
	int			 fail_code;	/* a failed batch's error
						 * (enum cp_err; 0: INTERNAL) */
	uint64_t		 seq;		/* commits handed to it */
	struct batch		*bhead, *btail;	/* waiting for it */
	struct batch		*spare;		/* a released one, for reuse */
	/* user.c */
	uint64_t		*moved;		/* users whose cursors moved */
	size_t			 nmoved, movedcap;
	/* client.c */
	struct client		*backlog;	/* catching up */
	struct client		*dead;		/* to free */
	struct client		*all;
	/* remote.c: the sessions on gateways, by gateway and id */
	struct rsess		**rt;
	size_t			 rt_nb, rt_n;
	/* any module: scratch for one encoded message */
	uint8_t			 buf[CP_MAX_MSG];
};

/* Messages were removed: count again what waits (quota.c). */
void	server_recount(struct server *);

/* Monotonic nanoseconds, for the rate limits.  (Message times and last
 * seen are the wall clock, clock_wall_ms() of base/clock.h.) */
static inline uint64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

#endif
