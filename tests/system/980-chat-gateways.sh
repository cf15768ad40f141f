#!/bin/sh
# chatd on three nodes that serve at once (docs/CLUSTER.md, "Gateways"):
# a core c1 holding the store, and two gateways g1 and g2 ([cluster]
# role = gateway) with the service's key, on one NATS server.  alice
# is on the core itself, bob on g1, carol on g2.  Accounts are made and
# logged in through the gateways; a 1:1 message crosses from g2 to g1
# with its receipts; presence reaches users on other nodes; a group of
# the three carries messages in one order to all.  Then g1 is killed
# (-9) in the middle of a stream to bob: bob's client, given both
# gateways, moves to g2 on its own and gets every accepted message
# exactly once, in order, and the core forgets g1's sessions (bob is
# not left online twice).  A gateway with no core alive closes a new
# session at once; hostile SESS payloads published on NATS by hand are
# counted and dropped, never served.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/metrics.sh"
. "$TESTS/lib/nats.sh"

# The example configurations of a cluster are what chatd takes.
for f in core standby gateway; do
	"$BIN/chatd" -n -c "$TESTS/../etc/cluster/$f.ini" >/dev/null 2>"$T/err" ||
	    fail "etc/cluster/$f.ini: $(cat "$T/err")"
done

start_nats nats
CL="nats = $NATS_URL
heartbeat_ms = 200
missed_beats = 3"

CHATD_CONF="[chatd]
metrics = 127.0.0.1:0
[cluster]
$CL
node = c1"
start_chatd c1
C1_M=$(metrics_addr "$T/c1.log")
C1=$CHATD_PORT
C1_PID=$CHATD_PID

start_gateway g1 c1 "$CL"
start_gateway g2 c1 "$CL"

# on NODE_PORT NICK ARGS...: chatc as NICK on that node, with a config
# folder per nick (pins, device tokens).
on() {
	on_port=$1 on_nick=$2; shift 2
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/cfg-$on_nick" \
	    "$BIN/chatc" -s "127.0.0.1:$on_port" -n "$on_nick" "$@"
}
reg() {
	CHAT_PASSWORD=$3 XDG_CONFIG_HOME="$T/cfg-$2" "$BIN/chatc" \
	    -s "127.0.0.1:$1" -n "$2" register >/dev/null 2>"$T/err" ||
	    fail "register $2 on port $1: $(cat "$T/err")"
}
reg "$C1" alice pa
reg "$g1_PORT" bob pb
reg "$g2_PORT" carol pc
# core_says FIELD: the core's count of FIELD (its bus line) now.
core_says() {
	counters c1 >/dev/null
	grep 'counters: bus' "$T/c1.log" | tail -n 1 |
	    sed -n "s/.*[ (]$1 \([0-9]*\).*/\1/p"
}
CHATD_PID=$C1_PID
expect_ge "sessions the gateways handed the core" "$(core_says total)" 2
expect_rc "bob's status on g1" 0 on "$g1_PORT" bob status

# Contacts across the nodes: bob (g1) asks carol (g2), alice (core)
# asks both.
expect_rc "bob asks carol" 0 on "$g1_PORT" bob contacts add carol
expect_rc "carol accepts" 0 on "$g2_PORT" carol accept bob
expect_rc "alice asks bob" 0 on "$C1" alice contacts add bob
expect_rc "bob accepts" 0 on "$g1_PORT" bob accept alice
expect_rc "alice asks carol" 0 on "$C1" alice contacts add carol
expect_rc "carol accepts" 0 on "$g2_PORT" carol accept alice

# bob listens on g1; carol (g2) comes online and says something.
on "$g1_PORT" bob listen --events >"$T/bob.got" 2>"$T/bob.err" &
BL=$!
PIDS="$PIDS $BL"
wait_log "$T/bob.got" "^node	127\.0\.0\.1:$g1_PORT\$"
on "$g2_PORT" carol listen --events >"$T/carol.got" 2>"$T/carol.err" &
CLS=$!
PIDS="$PIDS $CLS"
wait_log "$T/carol.got" "^node	127\.0\.0\.1:$g2_PORT\$"
wait_log "$T/bob.got" "^presence	carol	online\$"
expect_rc "carol (g2) to bob (g1), waiting for delivery" 0 \
    on "$g2_PORT" carol send bob "hello from g2" --wait
wait_log "$T/bob.got" "	carol	hello from g2\$"
# Read receipts back across the nodes: bob marks it read as his listen
# prints it (receipts on by default); carol's listen sees the receipt.
id=$(sed -n 's/^receipt	\([0-9]*\)	delivered$/\1/p' "$T/carol.got" | head -n 1)
expect_rc "carol to bob, until read" 0 \
    on "$g2_PORT" carol -t 20 send bob "read me" --read
# From the core's own socket to a gateway's user, and back.
expect_rc "alice (core) to carol (g2)" 0 \
    on "$C1" alice send carol "from the core" --wait
wait_log "$T/carol.got" "	alice	from the core\$"

# A group of the three, one order for all.
expect_rc "create #trio" 0 on "$g1_PORT" bob group create '#trio'
expect_rc "invite carol" 0 on "$g1_PORT" bob group invite '#trio' carol
expect_rc "invite alice" 0 on "$g1_PORT" bob group invite '#trio' alice
expect_rc "alice (core) to #trio" 0 on "$C1" alice send '#trio' "g one"
expect_rc "carol (g2) to #trio" 0 on "$g2_PORT" carol send '#trio' "g two"
expect_rc "bob (g1) to #trio" 0 on "$g1_PORT" bob send '#trio' "g three"
wait_log "$T/bob.got" "#trio/bob	g three\$"
wait_log "$T/carol.got" "#trio/bob	g three\$"
grep '#trio/' "$T/bob.got" | cut -f2- >"$T/bob.trio"
grep '#trio/' "$T/carol.got" | cut -f2- >"$T/carol.trio"
cmp -s "$T/bob.trio" "$T/carol.trio" ||
    fail "bob and carol saw #trio in different orders: $(cat "$T/bob.trio") / $(cat "$T/carol.trio")"
expect_eq "#trio messages bob saw" "$(grep -c 'g one\|g two\|g three' "$T/bob.trio")" 3
stop_bg "$BL"
stop_bg "$CLS"

# carol roams behind g2: a second device of hers listens through a
# proxy, which moves her flow to another address (a NAT that maps it
# anew, or another network).  The session follows her, and the core
# learns where she is from g2: chatctl's session list says 127.0.0.2.
CHATD_PORT=$g2_PORT
start_proxy px
env CHAT_PASSWORD=pc XDG_CONFIG_HOME="$T/cfg-carol-px" "$BIN/chatc" \
    -s "127.0.0.1:$PROXY_PORT" -n carol listen >"$T/px.got" 2>"$T/px.err" &
PX=$!
PIDS="$PIDS $PX"
expect_rc "alice to carol, before the move" 0 \
    on "$C1" alice send carol "before the move" --wait
wait_log "$T/px.got" "	alice	before the move\$"
kill -USR1 "$PROXY_PID"
wait_log "$T/px.log" "rebound to 127.0.0.2"
expect_rc "alice to carol, after the move" 0 \
    on "$C1" alice send carol "after the move"
wait_log "$T/px.got" "	alice	after the move\$"
# Her listen marks it delivered, through the new address: g2 tells c1.
wait_for 10 sh -c "'$BIN/chatctl' -D '$T/c1.state' sessions |
    grep -q '127\.0\.0\.2:'"
stop_bg "$PX"

# g1 dies in the middle of a stream to bob, who has both gateways.
LIST="127.0.0.1:$g1_PORT,127.0.0.1:$g2_PORT"
fo() {
	fo_nick=$1; shift
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/fo-$fo_nick" \
	    "$BIN/chatc" -s "$LIST" -n "$fo_nick" "$@"
}
CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/fo-bob" "$BIN/chatc" -s "$LIST" \
    -n bob status >/dev/null 2>"$T/err" || fail "bob: $(cat "$T/err")"
fo bob listen --events >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_log "$T/got" "^node	127\.0\.0\.1:$g1_PORT\$"
: >"$T/want"
i=0
while [ "$i" -lt 10 ]; do
	i=$((i + 1))
	on "$C1" alice send bob "stream $i" 2>>"$T/send.err" ||
	    fail "send $i: $(tail -n 1 "$T/send.err")"
	echo "stream $i" >>"$T/want"
done
wait_for 10 more_lines "$T/got" '	alice	stream ' 9
kill -9 "$g1_PID"
wait "$g1_PID" 2>/dev/null
: >"$T/lines"
while [ "$i" -lt 30 ]; do
	i=$((i + 1))
	echo "stream $i" >>"$T/lines"
done
on "$C1" alice -t 60 send bob --lines <"$T/lines" >"$T/accepted" \
    2>>"$T/send.err" || fail "send --lines: $(tail -n 1 "$T/send.err")"
cat "$T/lines" >>"$T/want"
wait_for 60 more_lines "$T/got" '	alice	stream ' 29
grep -q "^node	127\.0\.0\.1:$g2_PORT\$" "$T/got" ||
    fail "bob's listen did not move to g2: $(grep '^node' "$T/got")"
grep '	alice	stream ' "$T/got" | cut -f3 >"$T/got.text"
cmp -s "$T/want" "$T/got.text" ||
    fail "not every message once, in order: $(cat "$T/got.text")"
# The core saw g1 die and dropped its sessions: bob is online once.
wait_log "$T/c1.log" "bus: peer g1 dead"
wait_log "$T/c1.log" "sessions of g1 gone"

# Hostile payloads on the bus: a SESS for g2 from a made-up core, and
# for c1: garbage, a MSG from a node that does not beat, and, under a
# gateway's name, a MSG for a session it has never seen (answered with
# CLOSE, nothing served), an op only a core sends, and a batch with
# another node's payload inside.
python3 - "$NATS_PORT" <<'PY' || fail "could not publish by hand"
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.recv(4096)
def sess(node, inc, seq, sid, op, data):
    body = struct.pack(">QQQB", inc, seq, sid, op) + data
    return bytes([1, 4, len(node), 0]) + struct.pack(">I", len(body)) + node + body
def pub(subj, payload):
    s.sendall(b"PUB %s %d\r\n" % (subj, len(payload)) + payload + b"\r\n")
s.sendall(b'CONNECT {"verbose":false}\r\n')
pub(b"chatd.node.g2", sess(b"evil", 9, 1, 77, 2, b"\x02\x04hi"))
pub(b"chatd.node.c1", b"\x01\x04\x03\x00\xff\xff\xff\xffevil")
pub(b"chatd.node.c1", sess(b"evil", 9, 1, 77, 2, b"\x02\x07"))
pub(b"chatd.node.c1", sess(b"g2", 9, 1, 77, 2, b"\x02\x07"))
pub(b"chatd.node.c1", sess(b"g2", 9, 2, 77, 4, b""))
# A BATCH (kind 5) under g2's name whose entry is another node's: the
# whole batch is malformed.
e = sess(b"evil", 9, 3, 77, 3, b"")
pub(b"chatd.node.c1", bytes([1, 5, 2, 0]) + struct.pack(">I", 4 + len(e)) +
    b"g2" + struct.pack(">I", len(e)) + e)
s.sendall(b"PING\r\n")
s.recv(4096)
PY
# The core still serves, and counted each.
expect_rc "carol to alice after the junk" 0 on "$g2_PORT" carol send alice "still here"
expect_ge "the core's malformed bus payloads" "$(core_says malformed)" 2
expect_ge "payloads from a node that does not beat" "$(core_says strangers)" 1
expect_ge "MSGs for sessions the core never had" "$(core_says unknown)" 1
expect_ge "payloads of a core's kind sent to the core" "$(core_says refused)" 1
# The same at /metrics, beside the gateways' sessions it holds.
scrape "$C1_M"
expect_ge "chatd_bus_strangers_total" "$(metric chatd_bus_strangers_total)" 1
expect_ge "chatd_gateway_sessions_total" \
    "$(metric chatd_gateway_sessions_total)" 2
expect_eq "chatd_bus_gaps_total" "$(metric chatd_bus_gaps_total)" 0

# No core: a gateway closes new sessions at once (the client moves on).
kill -TERM "$C1_PID"
wait "$C1_PID" 2>/dev/null
wait_log "$T/g2.log" "bus: peer c1 left"
expect_rc "carol with no core" 69 on "$g2_PORT" carol -t 3 status
kill -USR1 "$g2_PID"
wait_log "$T/g2.log" "closed at once for want of a core"
grep 'stats (counters)' "$T/g2.log" | tail -n 1 |
    grep -q ' [1-9][0-9]* closed at once for want of a core' ||
    fail "g2 did not count the sessions it had no core for: $(grep stats "$T/g2.log" | tail -n 1)"
echo ok
