/*
 * export.c: the relay's metrics for Prometheus (chatd.h, base/metrics.h).
 *
 * Every counter that SIGUSR1 logs (server_log_stats()), under
 * Prometheus' names, with the reasons of drops and refusals as labels;
 * gauges of what is there now; the latency histograms the relay keeps in
 * its stats.  Everything is read at the scrape, on the loop thread, from
 * the structures the relay keeps anyway: a scrape adds no work to
 * requests, and nothing here is locked.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>

#include "bus.h"
#include "chatd.h"
#include "group.h"
#include "pglog.h"
#include "quota.h"
#include "remote.h"
#include "server.h"
#include "store.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/xmalloc.h"
#include "sess/session.h"

struct export {
	struct server		*srv;
	struct metrics_server	*ms;
};

/* A labelled counter's samples: one per reason. */
struct export_reason {
	const char	*label;
	uint64_t	 v;
};

/* Write a counter family with one sample per reason. */
static void
export_reasons(struct metrics_out *o, const char *name, const char *help,
    const struct export_reason *r, size_t n)
{
	char	labels[64];
	size_t	i;

	metrics_family(o, name, "counter", help);
	for (i = 0; i < n; i++) {
		snprintf(labels, sizeof labels, "reason=\"%s\"", r[i].label);
		metrics_sample(o, name, labels, r[i].v);
	}
}

#define NREASONS(a)	(sizeof(a) / sizeof((a)[0]))

/* The database and its write-ahead log, in bytes. */
static uint64_t
export_store_bytes(struct store *st)
{
	struct stat	sb;
	char		wal[1024];
	uint64_t	n = 0;
	const char	*path = store_path(st);

	if (stat(path, &sb) == 0)
		n += (uint64_t)sb.st_size;
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += (uint64_t)sb.st_size;
	return n;
}

/* The bus's metrics, when [cluster] is set (bus.h). */
static void
export_bus(struct metrics_out *o, const struct bus_stats *bs)
{
	const struct bus_stats		 b = *bs;
	const struct export_reason	 dropped[] = {
		{ "out_full", b.out_full },
		{ "in_full", b.in_full },
		{ "offline", b.offline },
		{ "publish_failed", b.publish_failed },
		{ "too_long", b.too_long },
		{ "malformed", b.malformed },
		{ "bad_version", b.bad_version },
		{ "wrong_subject", b.wrong_subject },
		{ "own_name", b.own_name },
		{ "peers_full", b.peers_full },
	};
	const struct export_reason	 down[] = {
		{ "dead", b.peers_dead },
		{ "left", b.peers_left },
		{ "restarted", b.peers_restarted },
	};

	metrics_gauge(o, "chatd_bus_connected",
	    "1 while connected to a NATS server, else 0.",
	    (double)b.connected);
	metrics_gauge(o, "chatd_bus_peers", "Other nodes alive.",
	    (double)b.peers);
	metrics_gauge(o, "chatd_bus_watched_users",
	    "Users with a session here, whose subjects this node watches.",
	    (double)b.watched);
	metrics_counter(o, "chatd_bus_beats_sent_total",
	    "Heartbeats handed to NATS.", b.beats_sent);
	metrics_counter(o, "chatd_bus_beats_received_total",
	    "Heartbeats from other nodes.", b.beats_received);
	metrics_counter(o, "chatd_bus_published_total",
	    "Messages handed to NATS: payloads to users, and batches of "
	    "sessions' payloads.", b.published);
	metrics_counter(o, "chatd_bus_received_total",
	    "Payloads to users, and sessions' payloads, received from other "
	    "nodes.", b.received);
	metrics_counter(o, "chatd_bus_subscribes_total",
	    "User subjects subscribed.", b.subscribes);
	metrics_counter(o, "chatd_bus_unsubscribes_total",
	    "User subjects unsubscribed.", b.unsubscribes);
	metrics_counter(o, "chatd_bus_disconnects_total",
	    "Connections to NATS lost.", b.disconnects);
	metrics_counter(o, "chatd_bus_reconnects_total",
	    "Connections to NATS made again.", b.reconnects);
	metrics_counter(o, "chatd_bus_peers_up_total",
	    "Other nodes seen appearing.", b.peers_up);
	export_reasons(o, "chatd_bus_peers_down_total",
	    "Other nodes gone, by reason.", down, NREASONS(down));
	export_reasons(o, "chatd_bus_dropped_total",
	    "Bus payloads dropped, by reason.", dropped, NREASONS(dropped));
	metrics_counter(o, "chatd_bus_nats_errors_total",
	    "Asynchronous errors nats.c reported.", b.nats_errors);
	metrics_counter(o, "chatd_bus_subscribe_failed_total",
	    "Subscriptions nats.c refused.", b.sub_failed);
	metrics_counter(o, "chatd_bus_gaps_total",
	    "Session payloads found missing on a link: its sessions started "
	    "again.", b.gaps);
	metrics_counter(o, "chatd_bus_held_total",
	    "Messages to a gateway's session held for a full queue to NATS.",
	    b.out_held);
	metrics_counter(o, "chatd_bus_strangers_total",
	    "Session payloads from nodes not seen beating.", b.strangers);
}

/* The PostgreSQL log ([store] postgresql; docs/CLUSTER.md). */
static void
export_pglog(struct metrics_out *o, const struct pglog_stats *p)
{
	const struct export_reason	 batches[] = {
		{ "committed", p->w.committed },
		{ "failed", p->w.failed },
		{ "unknown", p->w.unknown },
		{ "expired", p->w.expired },
	};
	char				 labels[64];
	size_t				 i;

	metrics_gauge(o, "chatd_pg_connected",
	    "1 while the log's writer is connected to PostgreSQL and holds "
	    "the log's lock, else 0.", (double)p->connected);
	metrics_gauge(o, "chatd_pg_stalled",
	    "1 while PostgreSQL does not confirm the oldest waiting change, "
	    "else 0.", (double)p->stalled);
	metrics_gauge(o, "chatd_pg_log_position",
	    "The number of the last change committed here.", (double)p->n);
	metrics_gauge(o, "chatd_pg_changes_waiting",
	    "Changes committed here that PostgreSQL has not confirmed.",
	    (double)(p->n > p->confirmed ? p->n - p->confirmed : 0));
	metrics_family(o, "chatd_pg_batches_total", "counter",
	    "Batches of changes sent to PostgreSQL, by result.");
	for (i = 0; i < NREASONS(batches); i++) {
		snprintf(labels, sizeof labels, "result=\"%s\"",
		    batches[i].label);
		metrics_sample(o, "chatd_pg_batches_total", labels,
		    batches[i].v);
	}
	metrics_counter(o, "chatd_pg_connects_total",
	    "Connections to PostgreSQL made.", p->w.connects);
	metrics_counter(o, "chatd_pg_connection_losses_total",
	    "Connections to PostgreSQL lost or refused.", p->w.losses);
}

/* One scrape. */
static void
export_fill(struct metrics_out *o, void *arg)
{
	struct export			*e = arg;
	struct server			*srv = e->srv;
	const struct chatd_stats	*s = &srv->stats;
	const struct sess_stats		*ss = sess_ep_stats(srv->ep);
	size_t				 ngroups, nmembers, gbytes;
	struct bus_stats		 bs;
	struct pglog_stats		 ps;
	const struct export_reason	 dropped[] = {
		{ "malformed", s->malformed },
		{ "bad_version", s->bad_version },
		{ "not_logged_in", s->not_logged_in },
		{ "ratelimited", s->ratelimited },
		{ "queue_full", s->queue_full },
		{ "quota", s->quota },
		{ "bad_utf8", s->bad_utf8 },
		{ "control_char", s->control_char },
		{ "too_long", s->too_long },
		{ "unknown_user", s->unknown_user },
		{ "blocked", s->blocked },
		{ "busy", s->busy },
	};
	const struct export_reason	 limited[] = {
		{ "password_addr", s->rl_password },
		{ "token_addr", s->rl_token },
		{ "backoff", s->backoff },
		{ "register_cap", s->register_cap },
		{ "pool_share", s->pool_share },
	};
	const struct export_reason	 closed[] = {
		{ "malformed", s->closed_malformed },
		{ "unread", s->closed_unread },
		{ "signed_out", s->signed_out },
		{ "login_timeout", ss->untrusted_timeouts },
	};
	const struct export_reason	 rx_dropped[] = {
		{ "malformed", ss->rx_malformed },
		{ "truncated", ss->rx_truncated },
		{ "forged", ss->rx_forged },
		{ "replayed", ss->rx_replayed },
		{ "unknown", ss->rx_unknown },
		{ "memory", ss->rx_mem_dropped },
	};
	const struct export_reason	 refused[] = {
		{ "max_sessions", ss->rx_refused },
		{ "max_unauth", ss->rx_refused_untrusted },
		{ "half_open_per_addr", ss->rx_refused_src_half },
		{ "unauth_per_addr", ss->rx_refused_src },
		{ "hello_rate", ss->rx_hello_limited },
		{ "memory", ss->rx_refused_mem },
	};
	const struct export_reason	 tx_held[] = {
		{ "unvalidated", ss->tx_unvalidated },
		{ "old_path", ss->tx_old_path },
		{ "memory", ss->tx_mem_refused },
	};

	/* Accounts and messages. */
	metrics_counter(o, "chatd_registrations_total",
	    "Accounts registered.", s->registered);
	metrics_counter(o, "chatd_logins_total",
	    "Logins that succeeded, by password or device token.", s->logins);
	metrics_counter(o, "chatd_logins_failed_total",
	    "Logins refused: wrong password, unknown, revoked or expired "
	    "token.", s->login_failed);
	export_reasons(o, "chatd_logins_limited_total",
	    "Logins and registrations refused by a limit, by reason.",
	    limited, NREASONS(limited));
	metrics_counter(o, "chatd_device_tokens_expired_total",
	    "Device tokens that expired unused.", s->token_expired);
	metrics_counter(o, "chatd_messages_accepted_total",
	    "Messages stored and answered as accepted.", s->accepted);
	metrics_counter(o, "chatd_messages_duplicate_total",
	    "Resends of a message already stored.", s->duplicates);
	metrics_counter(o, "chatd_messages_delivered_total",
	    "Messages sent to a recipient's session.", s->delivered);
	metrics_counter(o, "chatd_messages_stored_offline_total",
	    "Messages accepted while their recipient was offline.",
	    s->stored_offline);
	metrics_counter(o, "chatd_messages_queued_late_total",
	    "Messages to an online recipient still unread after 200 ms, "
	    "indexed in the queue.", s->queued_late);
	metrics_counter(o, "chatd_receipts_total",
	    "Delivered and read receipts handed to senders.", s->receipts);
	export_reasons(o, "chatd_requests_dropped_total",
	    "Requests refused or dropped, by reason.", dropped,
	    NREASONS(dropped));
	metrics_counter(o, "chatd_answers_send_failed_total",
	    "Answers that did not fit a session's queue.", s->send_failed);
	metrics_counter(o, "chatd_history_pages_total",
	    "HISTORY requests answered.", s->history_pages);
	metrics_counter(o, "chatd_history_messages_read_total",
	    "Messages read from the store for HISTORY answers.",
	    s->history_rows);
	metrics_counter(o, "chatd_history_expired_total",
	    "Delivered messages aged out of the history.", s->history_expired);
	metrics_counter(o, "chatd_carbons_total",
	    "Copies of sent messages to the sender's other devices.",
	    s->carbons);
	metrics_counter(o, "chatd_accounts_deleted_total",
	    "Accounts deleted by their owners.", s->deleted);
	metrics_counter(o, "chatd_groups_created_total",
	    "Groups created.", s->groups_created);
	metrics_counter(o, "chatd_group_messages_accepted_total",
	    "Messages to groups stored (once each).", s->group_accepted);
	metrics_counter(o, "chatd_group_copies_sent_total",
	    "Copies of group messages and events sent to members' sessions.",
	    s->group_delivered);
	metrics_counter(o, "chatd_group_events_total",
	    "Group events stored: creations, joins, leaves, removals, "
	    "topics, roles.", s->group_events);
	metrics_counter(o, "chatd_group_receipts_total",
	    "Delivered and read counts sent to senders of group messages.",
	    s->group_receipts);
	metrics_counter(o, "chatd_commits_total",
	    "Store transactions committed.", s->commits);
	metrics_counter(o, "chatd_commits_failed_total",
	    "Store transactions that failed to commit or to be made durable.",
	    s->commit_failed);

	/* Sessions and datagrams. */
	metrics_counter(o, "chatd_sessions_opened_total",
	    "Sessions that completed a handshake.", s->sessions_total);
	export_reasons(o, "chatd_sessions_closed_total",
	    "Sessions closed by chatd, by reason.", closed, NREASONS(closed));
	export_reasons(o, "chatd_handshakes_refused_total",
	    "HELLOs refused by a session limit, by reason.", refused,
	    NREASONS(refused));
	metrics_counter(o, "chatd_datagrams_received_total",
	    "Datagrams received.", ss->rx_datagrams);
	metrics_counter(o, "chatd_datagrams_sent_total",
	    "Datagrams sent.", ss->tx_datagrams);
	metrics_counter(o, "chatd_sent_bytes_total",
	    "Bytes of datagrams sent.", ss->tx_bytes);
	export_reasons(o, "chatd_datagrams_dropped_total",
	    "Datagrams and fragments dropped on receipt, by reason.",
	    rx_dropped, NREASONS(rx_dropped));
	export_reasons(o, "chatd_sends_held_total",
	    "Datagrams not sent to a peer's newest address, or messages "
	    "refused for memory, by reason.", tx_held, NREASONS(tx_held));
	metrics_counter(o, "chatd_retransmits_total",
	    "Fragments sent again.", ss->retransmits);
	metrics_counter(o, "chatd_roams_total",
	    "Peer address changes followed.", ss->roams);
	metrics_counter(o, "chatd_datagram_size_probes_total",
	    "Probes for datagrams over 1200 bytes (docs/PROTOCOL.md 4.4.5).",
	    ss->pmtu_probes);
	metrics_counter(o, "chatd_datagram_size_raised_total",
	    "Sessions a probe raised over 1200 bytes.", ss->pmtu_raised);
	metrics_counter(o, "chatd_datagram_size_fallbacks_total",
	    "Sessions back to 1200 bytes after a loss.", ss->pmtu_fallbacks);

	/* What there is now. */
	metrics_gauge(o, "chatd_sessions", "Sessions up.",
	    (double)s->sessions);
	metrics_gauge(o, "chatd_sessions_unauthenticated",
	    "Sessions not logged in.", (double)ss->untrusted);
	metrics_gauge(o, "chatd_users_online",
	    "Accounts with a session logged in.", (double)srv->nusers);
	metrics_gauge(o, "chatd_messages_waiting",
	    "Messages stored and not yet marked delivered.",
	    (double)quota_waiting(srv->quota));
	metrics_gauge(o, "chatd_waiting_pairs",
	    "Sender and recipient pairs with messages waiting.",
	    (double)quota_pairs(srv->quota));
	metrics_gauge(o, "chatd_store_size_bytes",
	    "Size of the message store: the database and its log.",
	    (double)export_store_bytes(srv->st));
	metrics_gauge(o, "chatd_session_memory_bytes",
	    "Memory held by the session layer (its memory_mib budget).",
	    (double)ss->alloc);
	metrics_gauge(o, "chatd_password_workers",
	    "Threads hashing and checking passwords.",
	    (double)srv->conf.auth_threads);
	gbytes = group_memory(srv, &ngroups, &nmembers);
	metrics_gauge(o, "chatd_groups", "Groups.", (double)ngroups);
	metrics_gauge(o, "chatd_group_members",
	    "Members of groups, invited ones included.", (double)nmembers);
	metrics_gauge(o, "chatd_group_memory_bytes",
	    "Memory holding the groups and their members.", (double)gbytes);

	if (srv->bus != NULL) {
		bus_stats(srv->bus, &bs);
		export_bus(o, &bs);
		metrics_gauge(o, "chatd_gateway_sessions",
		    "Sessions held by gateways, for this core.",
		    (double)remote_count(srv));
		metrics_counter(o, "chatd_gateway_sessions_total",
		    "Sessions gateways have handed this core.",
		    s->remote_sessions_total);
	}
	if (srv->pglog != NULL) {
		pglog_stats(srv->pglog, &ps);
		export_pglog(o, &ps);
	}

	/* How long things take. */
	metrics_histogram(o, "chatd_commit_duration_seconds",
	    "Group commits that answers wait for: from the commit until it "
	    "is durable.", &s->commit_s);
	metrics_histogram(o, "chatd_send_accepted_duration_seconds",
	    "SEND requests: from their arrival until the accepted answer "
	    "leaves.", &s->accept_s);
	metrics_histogram(o, "chatd_handshake_duration_seconds",
	    "Session handshakes: from the HELLO that makes the session "
	    "until it is up.", &s->handshake_s);
}

struct export *
export_new(struct ev_loop *loop, struct server *srv,
    const struct chatd_conf *conf, char *err, size_t errlen)
{
	struct export	*e = xcalloc(1, sizeof *e);

	e->srv = srv;
	if ((e->ms = metrics_server_new(loop, conf->metrics, export_fill, e,
	    err, errlen)) == NULL) {
		free(e);
		return NULL;
	}
	log_info("metrics on http://%s/metrics",
	    metrics_server_addr(e->ms));
	return e;
}

void
export_free(struct export *e)
{
	if (e == NULL)
		return;
	metrics_server_free(e->ms);
	free(e);
}
