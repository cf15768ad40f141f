/*
 * group.h: group conversations (group.c; docs/PROTOCOL.md 5.7).
 *
 * Every group is held in memory with its members, each with a role, a
 * state (invited, joined), the server id it joined after (since) and its
 * delivered and read cursors, and written through to the store.  A
 * message to a group is stored once, in the server ids of 1:1 messages,
 * so one total order holds per group; it goes out after its commit to
 * every session of every member that joined before it (fan-out), and a
 * member's session that was away catches up from the member's delivered
 * cursor.  Member changes are events in the same order.  GMARK moves a
 * member's cursors; the sender of each of a group's recent messages is
 * told how many members have it and have read it (GRECEIPT).
 */
#ifndef GROUP_H
#define GROUP_H

#include <stddef.h>
#include <stdint.h>

struct client;
struct command;
struct cp_msg;
struct out;
struct server;

/* Load every group and member from the store: 0, or -1. */
int	group_init(struct server *);
void	group_fini(struct server *);
/* GROUP and GMARK. */
void	group_cmd(struct client *, const struct cp_msg *,
	    const struct command *);
void	group_gmark(struct client *, const struct cp_msg *,
	    const struct command *);
/* SEND to a "#name" (cmd_send(), its rate and text checked). */
void	group_send(struct client *, const struct cp_msg *);
/* HISTORY of a "#name" (history_cmd(), its rate checked). */
void	group_history(struct client *, const struct cp_msg *);
/* An OUT_GMESSAGE's commit is durable: send it to the members. */
void	group_deliver(struct server *, const struct out *);
/* Catch client c up on its user's groups: 1 done, 0 its session is
 * full (call again). */
int	group_catch_up(struct client *);
/* Tell senders how far their messages got, once per loop turn, from
 * the cursors in memory. */
void	group_flush(struct server *);
/* Write the cursors that moved since the last commit: just before it. */
void	group_save(struct server *);
/* Account uid is being deleted: it leaves every group. */
void	group_user_deleted(struct server *, uint64_t uid);
/* Forget group messages older than what the store keeps. */
void	group_expire(struct server *, uint64_t now);
/* Groups and member rows held, and their bytes. */
size_t	group_memory(const struct server *, size_t *groups, size_t *members);

#endif
