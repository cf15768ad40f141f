#!/bin/sh
# The bus between chatd nodes (docs/CLUSTER.md, "The bus"), on a NATS
# server the test starts: two chatd with [cluster] see each other
# appear; a user's sessions on a node make it watch that user's subject
# on NATS, counted per session, until the last goes; kill -9 of
# nats-server leaves both working as single nodes, and once it is back on
# its port they reconnect by themselves, with their watches, and beat
# again; kill -9 of a node is noticed as dead by the other after its
# missed beats; SIGTERM says goodbye.  A chatd without [cluster] never
# opens a connection to NATS.  Without nats-server the test fails.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/metrics.sh"
. "$TESTS/lib/nats.sh"

start_nats nats
port=$NATS_PORT

# node NAME: start chatd NAME as cluster node NAME; sets NAME_PID,
# NAME_PORT and NAME_M (its metrics address).
node() {
	CHATD_CONF="[chatd]
metrics = 127.0.0.1:0
[cluster]
nats = $NATS_URL
node = $1
heartbeat_ms = 200
missed_beats = 3"
	start_chatd "$1"
	eval "$1_PID=\$CHATD_PID $1_PORT=\$CHATD_PORT"
	eval "$1_M=\$(metrics_addr \"\$T/$1.log\")"
}

# bus NODE SAMPLE: the value of SAMPLE in a scrape of NODE now.
bus() {
	eval "scrape \"\$$1_M\""
	metric "$2"
}

# is NODE SAMPLE VALUE: does SAMPLE of NODE read VALUE now?
is() {
	[ "$(bus "$1" "$2")" = "$3" ]
}

# is_more NODE SAMPLE MIN: does SAMPLE of NODE read MIN or more now?
is_more() {
	[ "$(bus "$1" "$2")" -ge "$3" ]
}

# subs_of NAME: the subjects the server has for node NAME, on one line.
subs_of() {
	nats_subs | awk -v n="chatd_$1" '$1 == n { print $2 }' | sort | tr '\n' ' '
}

# watches NAME SUBJECTS: are those (sorted, space-separated, with a
# space after the last) NAME's subscriptions on the server now?
watches() {
	[ "$(subs_of "$1")" = "$2" ]
}

node a
node b
wait_log "$T/a.log" "bus: connected to $NATS_URL"
wait_log "$T/a.log" "bus: peer b up"
wait_log "$T/b.log" "bus: peer a up"
wait_for 10 is a chatd_bus_peers 1
expect_eq "a connected" "$(bus a chatd_bus_connected)" 1
expect_eq "b's peers" "$(bus b chatd_bus_peers)" 1
wait_for 10 watches a "chatd.beat chatd.node.a "

# A chatd without [cluster]: up beside them, and nothing of it on NATS.
CHATD_CONF='[chatd]
metrics = 127.0.0.1:0'
start_chatd single
single_PID=$CHATD_PID
single_M=$(metrics_addr "$T/single.log")

# alice's sessions on a: a watches chatd.user.ID on NATS while she has
# one, and a second session coming and going changes nothing there.
CHATD_PORT=$a_PORT CHATD_PID=$a_PID
register alice pa
register bob pb
befriend alice bob
wait_for 10 is a chatd_bus_watched_users 0
subs=$(bus a chatd_bus_subscribes_total)
unsubs=$(bus a chatd_bus_unsubscribes_total)
expect_eq "subscribes and unsubscribes of those sessions" "$subs" "$unsubs"
n=$(logins a)
chat alice listen --count 2 --timeout 120 >"$T/alice.got" &
alice=$!
wait_for 10 has_logins a $((n + 1))
wait_for 10 is a chatd_bus_watched_users 1
wait_for 10 is a chatd_bus_subscribes_total $((subs + 1))
user=$(subs_of a | tr ' ' '\n' | grep '^chatd\.user\.[0-9]*$')
[ -n "$user" ] || fail "a has no user subject on NATS: $(cat "$T/subs")"
expect_eq "a's subjects" "$(subs_of a)" "chatd.beat chatd.node.a $user "
expect_eq "b's subjects" "$(subs_of b)" "chatd.beat chatd.node.b "
n=$(logins a)
chat alice listen --timeout 1 >/dev/null || fail "alice's second session"
expect_ge "logins" "$(logins a)" $((n + 1))
expect_eq "unsubscribed after a second session" \
    "$(bus a chatd_bus_unsubscribes_total)" "$unsubs"
expect_eq "still watched" "$(bus a chatd_bus_watched_users)" 1
wait_for 10 watches a "chatd.beat chatd.node.a $user "

# NATS dies: both nodes say so and go on as single nodes (a message
# between two users of a is accepted and delivered), then NATS comes
# back on its port and both reconnect by themselves, a with alice's
# subject, and the beats resume.
kill -9 "$NATS_PID"
wait "$NATS_PID" 2>/dev/null
wait_log "$T/a.log" "bus: disconnected from NATS"
wait_log "$T/b.log" "bus: disconnected from NATS"
expect_eq "a connected, NATS dead" "$(bus a chatd_bus_connected)" 0
chat bob send alice "while NATS is away" --wait >/dev/null ||
    fail "a single node no more without NATS"
wait_for 10 grep -q "while NATS is away" "$T/alice.got"
start_nats nats "$port"
wait_log "$T/a.log" "bus: reconnected to nats://127.0.0.1:$port"
wait_log "$T/b.log" "bus: reconnected to nats://127.0.0.1:$port"
wait_for 10 is a chatd_bus_connected 1
expect_eq "a's reconnections" "$(bus a chatd_bus_reconnects_total)" 1
wait_for 10 watches a "chatd.beat chatd.node.a $user "
beats=$(bus a chatd_bus_beats_received_total)
wait_for 10 is_more a chatd_bus_beats_received_total $((beats + 2))
wait_for 10 is a chatd_bus_peers 1
wait_for 10 is b chatd_bus_peers 1

# alice's last session goes (her listener ends at a second message): a
# unsubscribes.
chat bob send alice "the last" >/dev/null || fail "send the last"
wait "$alice" || fail "alice's listener: exit $?"
wait_for 10 is a chatd_bus_watched_users 0
wait_for 10 watches a "chatd.beat chatd.node.a "
expect_ge "unsubscribes" "$(bus a chatd_bus_unsubscribes_total)" \
    $((unsubs + 1))

# b is killed: a counts it dead once its beats are missed.
dead=$(bus a 'chatd_bus_peers_down_total{reason="dead"}')
n=$(count_lines "$T/a.log" "bus: peer b dead: missed 3 beats")
kill -9 "$b_PID"
wait "$b_PID" 2>/dev/null
wait_for 10 more_lines "$T/a.log" "bus: peer b dead: missed 3 beats" "$n"
expect_eq "a's peers" "$(bus a chatd_bus_peers)" 0
expect_eq "dead peers" \
    "$(bus a 'chatd_bus_peers_down_total{reason="dead"}')" $((dead + 1))

# b again, then SIGTERM: it says goodbye, and a has it leave at once.
n=$(count_lines "$T/a.log" "bus: peer b up")
node b
wait_for 10 more_lines "$T/a.log" "bus: peer b up" "$n"
wait_for 10 is a chatd_bus_peers 1
kill -TERM "$b_PID"
wait "$b_PID"
rc=$?
expect_eq "b's exit status" "$rc" 0
wait_log "$T/a.log" "bus: peer b left"
grep -q "exiting: bus connected 1" "$T/b.log" ||
    fail "b logged no bus counters at exit"

# The single node: not a client of NATS, no bus in its log or metrics,
# no TCP connection at all (it only listens, for its metrics).
nats_subs >/dev/null
expect_eq "NATS clients" "$(awk '{ print $1 }' "$T/subs" | sort -u | tr '\n' ' ')" \
    "chatd_a "
conns=$(ss -H -tanp 2>/dev/null | grep "pid=$single_PID," | grep -v LISTEN)
[ -z "$conns" ] || fail "a single node has TCP connections: $conns"
grep -q "bus:" "$T/single.log" && fail "a single node logged the bus"
scrape "$single_M"
grep -q '^chatd_bus_' "$T/scrape" && fail "a single node has bus metrics"
echo ok
