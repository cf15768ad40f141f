#!/bin/sh
# The core dies behind a gateway (docs/CLUSTER.md, "Gateways"): core a
# serves with its store's log in PostgreSQL (a primary and a synchronous
# standby); b is a standby of it ([store] standby) with a's key, and a
# gateway g1 with the same key fronts them on NATS.  alice and bob know
# only g1.  A stream flows from alice to bob; a is killed (-9) in the
# middle of it.  b takes over and beats as the core; g1 closes its
# sessions when a is dead and hands the new ones to b; bob's listen,
# still on g1, gets every accepted message exactly once, in order.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"
. "$TESTS/lib/nats.sh"

pg_pair
start_nats nats
CL="nats = $NATS_URL
heartbeat_ms = 200
missed_beats = 3"
CHATD_CONF="[store]
postgresql = $(pg_conninfo p)
[cluster]
$CL
node = a"
start_chatd a
A_PID=$CHATD_PID
# ([store] last: start_standby adds its standby line.)
CHATD_CONF="[cluster]
$CL
node = b
[store]
postgresql = $(pg_conninfo p)"
start_standby b a
B_PID=$STANDBY_PID
start_gateway g1 a "$CL"
G1=$g1_PORT

gw() {
	gw_nick=$1; shift
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/cfg-$gw_nick" \
	    "$BIN/chatc" -s "127.0.0.1:$G1" -n "$gw_nick" "$@"
}
for u in alice:pa bob:pb; do
	CHAT_PASSWORD=${u#*:} XDG_CONFIG_HOME="$T/cfg-${u%%:*}" \
	    "$BIN/chatc" -s "127.0.0.1:$G1" -n "${u%%:*}" register \
	    >/dev/null 2>"$T/err" || fail "register ${u%%:*}: $(cat "$T/err")"
done
expect_rc "alice asks bob" 0 gw alice contacts add bob
expect_rc "bob accepts" 0 gw bob accept alice

gw bob listen --events >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_log "$T/got" "^node	127\.0\.0\.1:$G1\$"
: >"$T/want"
i=0
while [ "$i" -lt 10 ]; do
	i=$((i + 1))
	gw alice send bob "message $i" 2>>"$T/send.err" ||
	    fail "send $i: $(tail -n 1 "$T/send.err")"
	echo "message $i" >>"$T/want"
done
wait_for 10 more_lines "$T/got" '	alice	message ' 9

# a dies with a send under way; b takes over, g1 follows it.
i=$((i + 1))
gw alice -t 60 send bob "message $i" 2>>"$T/send.err" &
sender=$!
kill -9 "$A_PID"
wait "$A_PID" 2>/dev/null
wait_for 20 grep -q 'taking over' "$T/b.log"
wait_for 20 grep -q 'ready on port' "$T/b.log"
wait_log "$T/g1.log" "gateway: core a gone"
wait "$sender" || fail "send $i, as a died: $(tail -n 1 "$T/send.err")"
echo "message $i" >>"$T/want"
: >"$T/lines"
while [ "$i" -lt 25 ]; do
	i=$((i + 1))
	echo "message $i" >>"$T/lines"
done
gw alice -t 60 send bob --lines <"$T/lines" >"$T/accepted" \
    2>>"$T/send.err" || fail "send --lines: $(tail -n 1 "$T/send.err")"
cat "$T/lines" >>"$T/want"
wait_for 60 more_lines "$T/got" '	alice	message ' 24
grep -q 'gateway: sessions go to core b' "$T/g1.log" ||
    fail "g1 did not hand its sessions to b: $(tail -n 5 "$T/g1.log")"
grep '	alice	message ' "$T/got" | cut -f3 >"$T/got.text"
cmp -s "$T/want" "$T/got.text" ||
    fail "not every message once, in order: $(cat "$T/got.text")"
# bob never left g1: one address all along.
expect_eq "bob's nodes" "$(grep -c '^node' "$T/got")" 1
echo ok
