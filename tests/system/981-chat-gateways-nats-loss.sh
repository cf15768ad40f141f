#!/bin/sh
# Gateways through the loss of NATS (docs/CLUSTER.md, "Gateways"): three
# NATS servers routed as one cluster; a core c1 and two gateways g1, g2
# with its key, each given all three servers.  bob listens through g1
# (his list: g1, g2, c1), alice sends him a stream from the core.
#  - The NATS server g1 is connected to is killed (-9): g1 closes its
#    sessions and reconnects to another server; bob's client reconnects
#    and resumes, and gets every accepted message once, in order.
#  - All of NATS is stopped: the gateways close their sessions and turn
#    new ones away (no core to hand them to), bob's client reaches the
#    core itself, and alice's messages still commit and reach him.
#  - NATS comes back on its ports: the gateways reconnect, see the core
#    again, and serve: carol, on g2 only, reaches bob.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/nats.sh"

# Three NATS servers, routed: ports of their own, picked free.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
ROUTES="" URLS=""
for i in 0 1 2; do
	eval "NP$i=$(free_port) RP$i=$(free_port)"
	eval "URLS=\"\$URLS\${URLS:+,}nats://127.0.0.1:\$NP$i\""
	eval "ROUTES=\"\$ROUTES\${ROUTES:+,}nats://127.0.0.1:\$RP$i\""
done
# nats_start I: start server I on its ports; sets NATS_PID_I.
nats_start() {
	eval "ns_p=\$NP$1 ns_r=\$RP$1"
	nats-server -a 127.0.0.1 -p "$ns_p" --cluster_name t \
	    --cluster "nats://127.0.0.1:$ns_r" --routes "$ROUTES" \
	    >>"$T/nats$1.log" 2>&1 &
	eval "NATS_PID_$1=$!"
	PIDS="$PIDS $!"
}
for i in 0 1 2; do nats_start "$i"; done
# Routed: each server says so once it has its routes.
for i in 0 1 2; do
	wait_for 20 grep -q 'Route connection created\|route connection created' \
	    "$T/nats$i.log"
done
CL="nats = $URLS
heartbeat_ms = 200
missed_beats = 3"
CHATD_CONF="[cluster]
$CL
node = c1"
start_chatd c1
C1=$CHATD_PORT
C1_PID=$CHATD_PID
start_gateway g1 c1 "$CL"
start_gateway g2 c1 "$CL"
G1=$g1_PORT G2=$g2_PORT

LIST="127.0.0.1:$G1,127.0.0.1:$G2,127.0.0.1:$C1"
as() {
	as_nick=$1 as_list=$2; shift 2
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/cfg-$as_nick" \
	    "$BIN/chatc" -s "$as_list" -n "$as_nick" "$@"
}
for u in alice:pa:127.0.0.1:$C1 bob:pb:$LIST carol:pc:127.0.0.1:$G2; do
	n=${u%%:*} r=${u#*:}
	pw=${r%%:*} l=${r#*:}
	CHAT_PASSWORD=$pw XDG_CONFIG_HOME="$T/cfg-$n" "$BIN/chatc" -s "$l" \
	    -n "$n" register >/dev/null 2>"$T/err" ||
	    fail "register $n: $(cat "$T/err")"
done
expect_rc "alice asks bob" 0 as alice "127.0.0.1:$C1" contacts add bob
expect_rc "bob accepts" 0 as bob "$LIST" accept alice
expect_rc "carol asks bob" 0 as carol "127.0.0.1:$G2" contacts add bob
expect_rc "bob accepts" 0 as bob "$LIST" accept carol

as bob "$LIST" listen --events >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_log "$T/got" "^node	127\.0\.0\.1:$G1\$"
: >"$T/want"
i=0
send_some() {
	ss_to=$(( i + $1 ))
	while [ "$i" -lt "$ss_to" ]; do
		i=$((i + 1))
		as alice "127.0.0.1:$C1" -t 60 send bob "stream $i" \
		    2>>"$T/send.err" || fail "send $i: $(tail -n 1 "$T/send.err")"
		echo "stream $i" >>"$T/want"
	done
}
received() {
	more_lines "$T/got" '	alice	stream ' $(( $1 - 1 ))
}
send_some 5
wait_for 10 received 5

# 1. The NATS server g1 is on dies.
url=$(sed -n 's/.*bus: connected to \(nats:[^ ]*\).*/\1/p' "$T/g1.log" | tail -n 1)
victim=""
for k in 0 1 2; do
	eval "[ \"nats://127.0.0.1:\$NP$k\" = \"$url\" ] && victim=$k"
done
[ -n "$victim" ] || fail "g1 is on no server of ours: $url"
eval "kill -9 \$NATS_PID_$victim"
wait_log "$T/g1.log" "bus: reconnected to"
send_some 10
wait_for 60 received 15
cmp -s "$T/want" "$(grep '	alice	stream ' "$T/got" | cut -f3 >"$T/got.text"; echo "$T/got.text")" ||
    fail "after a NATS server's death, not every message once, in order: $(cat "$T/got.text")"

# 2. All of NATS stops: bob's client ends up on the core itself.
for k in 0 1 2; do
	eval "kill -9 \$NATS_PID_$k 2>/dev/null"
done
wait_log "$T/g1.log" "bus: disconnected from NATS"
wait_log "$T/c1.log" "bus: disconnected from NATS"
send_some 10
wait_for 60 received 25
grep -q "^node	127\.0\.0\.1:$C1\$" "$T/got" ||
    fail "bob did not move to the core: $(grep '^node' "$T/got")"
grep '	alice	stream ' "$T/got" | cut -f3 >"$T/got.text"
cmp -s "$T/want" "$T/got.text" ||
    fail "without NATS, not every message once, in order: $(cat "$T/got.text")"
# A gateway with no bus turns a session away at once.
expect_rc "carol on g2 without NATS" 69 as carol "127.0.0.1:$G2" -t 3 status

# 3. NATS comes back: the gateways serve again.
for k in 0 1 2; do nats_start "$k"; done
wait_log "$T/g2.log" "bus: reconnected to"
wait_for 20 grep -q 'gateway: sessions go to core c1' "$T/g2.log"
poll 20 sh -c "env -u CHAT_PASSWORD XDG_CONFIG_HOME='$T/cfg-carol' \
    '$BIN/chatc' -s 127.0.0.1:$G2 -n carol -t 3 status >/dev/null 2>&1" ||
    fail "g2 does not serve after NATS came back: $(tail -n 5 "$T/g2.log")"
expect_rc "carol (g2) to bob after NATS came back" 0 \
    as carol "127.0.0.1:$G2" send bob "back again" --wait
wait_log "$T/got" "	carol	back again\$"
echo ok
