#!/bin/sh
# chatd with [store] postgresql: every change it commits is also in
# PostgreSQL (primary and a synchronous standby) before anyone is told,
# so when its machine is lost, a chatd started on an empty state folder
# (with the service's key, as an operator restores it) rebuilds the
# store from PostgreSQL: the accounts log in, the device tokens work,
# every message that was accepted and not yet delivered arrives, once,
# in order, and the conversation's history is whole.  With no standby, a send is not accepted: the sender
# is told to try again (exit 75), and the metrics show the changes
# waiting; once a standby is back it goes through.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/metrics.sh"

pg_pair
CHATD_CONF="[chatd]
metrics = 127.0.0.1:0
[store]
postgresql = $(pg_conninfo p)
postgresql_timeout = 3"
start_chatd d
register alice pa
register bob pb
befriend alice bob
i=1
while [ $i -le 30 ]; do echo "kept $i"; i=$((i + 1)); done >"$T/want"
chat alice send bob --lines <"$T/want" >"$T/acc" 2>"$T/err" ||
    fail "send: $(cat "$T/err")"
expect_eq "accepted" "$(wc -l <"$T/acc")" 30
n=$(pg_sql p "SELECT count(*) FROM chatd_log WHERE node = 'chatd'")
[ "$n" -gt 0 ] || fail "nothing in PostgreSQL's log"
# The metrics say so: connected, nothing waiting, the log's position.
# (A change of the last moment, a receipt, may still be on its way.)
wait_for 10 metric_is "$(metrics_addr "$T/d.log")" chatd_pg_changes_waiting 0
expect_eq "chatd_pg_connected" "$(metric chatd_pg_connected)" 1
expect_eq "chatd_pg_stalled" "$(metric chatd_pg_stalled)" 0
expect_ge "chatd_pg_log_position" "$(metric chatd_pg_log_position)" "$n"
expect_ge "batches committed" \
    "$(metric 'chatd_pg_batches_total{result="committed"}')" "$n"

# The machine is lost, and chatd is rebuilt from PostgreSQL.
rebuild_chatd d
chat bob listen --count 30 --timeout 15 >"$T/got" 2>"$T/listen.err" ||
    fail "listen after the rebuild: $(cat "$T/listen.err")"
cut -f3 "$T/got" >"$T/got.text"
cmp -s "$T/want" "$T/got.text" || fail "after the rebuild: $(cat "$T/got.text")"
chat bob listen --timeout 1 >"$T/again"
expect_eq "delivered again" "$(wc -l <"$T/again")" 0
# The conversation's history is whole too, in order, once.
history_is() {
	expect_rc "history" 0 chat bob history alice --limit 100 --json
	history_texts "$T/hist"
	cmp -s "$1" "$T/hist" || fail "history: $(cat "$T/hist")"
}
history_is "$T/want"

# No standby: the send waits, then is refused as "try again"; it is
# committed here, and waits in pglog_out for PostgreSQL.
# One message accepted and waiting for bob, then the standby goes.
chat alice send bob "queued" >/dev/null 2>"$T/err" ||
    fail "send before the standby went: $(cat "$T/err")"
kill -9 "$(pg_pid s1)"
expect_rc "send with no standby" 75 chat alice -t 8 send bob "waits"
# An operator sees it: still connected, PostgreSQL not confirming, changes
# waiting.
# (The batch's own timeout may end a tick after the answer's.)
wait_for 10 metric_is "$(metrics_addr "$T/d.log")" chatd_pg_stalled 1
expect_eq "chatd_pg_connected, no standby" "$(metric chatd_pg_connected)" 1
expect_ge "chatd_pg_changes_waiting, no standby" \
    "$(metric chatd_pg_changes_waiting)" 1
expect_ge "batches not confirmed" \
    "$(metric 'chatd_pg_batches_total{result="unknown"}')" 1
# A new device's login (its token a write) cannot commit either: it is
# refused, and the session it came on is given nothing meanwhile.
env CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/newdev" "$BIN/chatc" \
    -s "127.0.0.1:$CHATD_PORT" -n bob listen --count 1 --timeout 6 \
    >"$T/newdev.out" 2>"$T/newdev.err" && fail "a login with no standby"
[ -s "$T/newdev.out" ] && fail "given a message unlogged: $(cat "$T/newdev.out")"
grep -q WELCOME "$T/newdev.err" &&
    fail "a message before (or without) a WELCOME: $(cat "$T/newdev.err")"
# chatd dies with it unconfirmed; the standby comes back; the restarted
# chatd sends it again.
kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
pg_start s1
wait_for 30 pg_streaming p 1
CHATD_PORT_WANT=$CHATD_PORT start_chatd d
grep -q 'sending [0-9]* changes again' "$T/d.log" ||
    fail "nothing sent again: $(tail -n 5 "$T/d.log")"
chat alice send bob "after the standby" >/dev/null 2>"$T/err" ||
    fail "send after the standby came back: $(cat "$T/err")"
# PostgreSQL has both: the machine is lost again, and bob still gets
# them, once, in order.
rebuild_chatd d
chat bob listen --count 3 --timeout 15 >"$T/last" 2>"$T/listen.err" ||
    fail "listen after the second rebuild: $(cat "$T/listen.err")"
expect_eq "after the second rebuild" "$(cut -f3 "$T/last" | tr '\n' '|')" \
    "queued|waits|after the standby|"
chat bob listen --timeout 1 >"$T/again"
expect_eq "delivered again" "$(wc -l <"$T/again")" 0
printf 'queued\nwaits\nafter the standby\n' >>"$T/want"
history_is "$T/want"
echo ok
