#!/bin/sh
# chatd serves its counters at /metrics when [chatd] metrics is set: a
# scrape taken after a conversation is valid Prometheus text (promtool),
# its counters moved as the conversation implies and agree with the ones
# SIGUSR1 logs, its histograms counted the sends, commits and
# handshakes.  Idle connections to the metrics port neither stop the relay
# nor stay open; SIGHUP turns the metrics off and on again.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"
. "$(dirname "$0")/../lib/metrics.sh"

CHATD_CONF='[chatd]
metrics = 127.0.0.1:0'
start_chatd d
addr=$(metrics_addr "$T/d.log")
[ -n "$addr" ] || fail "chatd logged no metrics address"
scrape "$addr"
expect_eq "accepted before any message" \
    "$(metric chatd_messages_accepted_total)" 0

register alice pa
register bob pb
befriend alice bob

# bob is offline: 3 messages wait for him.
chat alice send bob "one" >/dev/null || fail "send one"
chat alice send bob "two" >/dev/null || fail "send two"
chat alice send bob "three" >/dev/null || fail "send three"
scrape "$addr"
expect_eq "accepted" "$(metric chatd_messages_accepted_total)" 3
expect_eq "stored offline" "$(metric chatd_messages_stored_offline_total)" 3
expect_eq "waiting" "$(metric chatd_messages_waiting)" 3
expect_eq "registrations" "$(metric chatd_registrations_total)" 2

# bob comes online and reads them; then 10 more arrive while he listens.
n=$(logins d)
chat bob listen --count 13 --timeout 30 >"$T/got" &
lp=$!
wait_for 10 has_logins d $((n + 1))
scrape "$addr"
expect_ge "users online while bob listens" "$(metric chatd_users_online)" 1
expect_ge "sessions while bob listens" "$(metric chatd_sessions)" 1
i=1
while [ $i -le 10 ]; do echo "live $i"; i=$((i + 1)); done |
    chat alice send bob --lines >/dev/null || fail "send --lines"
wait $lp || fail "bob's listen failed"
expect_eq "messages bob got" "$(wc -l <"$T/got")" 13

# His client marks them delivered: nothing waits any more.
nothing_waits() {
	scrape "$addr"
	[ "$(metric chatd_messages_waiting)" = 0 ]
}
wait_for 10 nothing_waits
expect_eq "accepted" "$(metric chatd_messages_accepted_total)" 13
expect_ge "delivered" "$(metric chatd_messages_delivered_total)" 13
expect_ge "receipts" "$(metric chatd_receipts_total)" 1
expect_ge "logins" "$(metric chatd_logins_total)" 1
expect_ge "commits" "$(metric chatd_commits_total)" 1
expect_ge "datagrams in" "$(metric chatd_datagrams_received_total)" 13
expect_ge "store size" "$(metric chatd_store_size_bytes)" 4096
expect_eq "password workers" "$(metric chatd_password_workers)" 2
# Every accepted answer (and duplicate) went through the histogram, every
# session up through the handshake's, and the commits were timed.
sends=$(( $(metric chatd_messages_accepted_total) +
    $(metric chatd_messages_duplicate_total) ))
expect_eq "send histogram count" \
    "$(metric chatd_send_accepted_duration_seconds_count)" "$sends"
expect_eq "send histogram +Inf bucket" \
    "$(metric 'chatd_send_accepted_duration_seconds_bucket{le="+Inf"}')" \
    "$sends"
expect_eq "handshake histogram count" \
    "$(metric chatd_handshake_duration_seconds_count)" \
    "$(metric chatd_sessions_opened_total)"
expect_ge "commit histogram count" \
    "$(metric chatd_commit_duration_seconds_count)" 1

# The same numbers as SIGUSR1 logs.
acc=$(counters d | sed -n 's/.* accepted \([0-9]*\) .*/\1/p')
expect_eq "accepted in the log" "$acc" "$(metric chatd_messages_accepted_total)"

# Idle connections to the metrics port, more than one address may hold:
# the relay goes on, a scraper still gets through once they are closed
# (the server ends idle ones itself), and none stays open.
python3 - "$addr" >"$T/idle.out" 2>&1 <<'PY' &
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for i in range(6):
    s = socket.create_connection((host, int(port)))
    socks.append(s)
print("open", flush=True)
end = time.time() + 60
closed = 0
for s in socks:
    s.settimeout(max(0.1, end - time.time()))
    try:
        if s.recv(1) == b"":
            closed += 1
    except OSError:
        closed += 1
print("closed", closed, flush=True)
PY
ip=$!
wait_log "$T/idle.out" '^open'
chat alice send bob "while idle connections hang" >/dev/null ||
    fail "send with idle metrics connections"
wait $ip
expect_eq "idle connections closed by chatd" \
    "$(sed -n 's/^closed //p' "$T/idle.out")" 6
scrape "$addr"
expect_eq "accepted" "$(metric chatd_messages_accepted_total)" 14

# SIGHUP without the key: nothing listens; with it again: a new port,
# the same counters.
printf '[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8192\n' >"$T/d.ini"
kill -HUP "$CHATD_PID"
wait_log "$T/d.log" 'metrics off'
expect_eq "ports after metrics off" "$(listening "$CHATD_PID")" ""
curl -s -m 5 -o /dev/null "http://$addr/metrics" &&
    fail "metrics still answered after they were switched off"
printf '[chatd]\nmetrics = 127.0.0.1:0\n[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8192\n' >"$T/d.ini"
kill -HUP "$CHATD_PID"
poll 10 more_lines "$T/d.log" 'metrics on' 1 ||
    fail "metrics not back after SIGHUP"
addr=$(metrics_addr "$T/d.log")
scrape "$addr"
expect_eq "accepted after reload" "$(metric chatd_messages_accepted_total)" 14

# A bad value on reload is refused; the metrics stay where they were.
printf '[chatd]\nmetrics = 127.0.0.1\n' >"$T/d.ini"
kill -HUP "$CHATD_PID"
wait_log "$T/d.log" 'reload failed.*metrics'
scrape "$addr"

echo ok
