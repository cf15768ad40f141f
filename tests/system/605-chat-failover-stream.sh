#!/bin/sh
# Client failover: one chatd behind two proxies stands for a service of
# two nodes, and the clients are given both ("-s P1,P2").  A stream of
# messages flows from alice to bob's listen; proxy 1 is killed (-9) in
# the middle of it, while a send is under way.  bob's listen moves to
# the second address on its own and prints every accepted message
# exactly once, in order, and says where it now is ("node" event); a
# client started after the kill (the first address dead from the start)
# lands on the second one, as chatc status shows.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd c
register alice pa
register bob pb
befriend alice bob
start_proxy p1
P1=$PROXY_PORT
P1_PID=$PROXY_PID
start_proxy p2
P2=$PROXY_PORT
LIST="127.0.0.1:$P1,127.0.0.1:$P2"

# fo CONFIG NICK ARGS...: chatc with the list and its own config folder,
# with $CHAT_PASSWORD only if $FPW is set (else the device token).
fo() {
	fo_cfg=$1 fo_nick=$2; shift 2
	if [ -n "${FPW:-}" ]; then
		env CHAT_PASSWORD="$FPW" XDG_CONFIG_HOME="$T/$fo_cfg" \
		    "$BIN/chatc" -s "$LIST" -n "$fo_nick" "$@"
	else
		env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/$fo_cfg" \
		    "$BIN/chatc" -s "$LIST" -n "$fo_nick" "$@"
	fi
}

# A login with the password under the list's name gives a device token
# (and a key pin) for it.
FPW=pa fo a alice status >"$T/status" 2>"$T/status.err" ||
    fail "alice's first login: $(cat "$T/status.err")"
expect_eq "alice starts on the first address" \
    "$(sed -n 's/^node\t//p' "$T/status")" "127.0.0.1:$P1	1/2"
FPW=pb fo b bob status >/dev/null 2>"$T/status.err" ||
    fail "bob's first login: $(cat "$T/status.err")"

fo b bob listen --events >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_log "$T/got" "^node	127\.0\.0\.1:$P1\$"

: >"$T/want"
i=0
while [ "$i" -lt 20 ]; do
	i=$((i + 1))
	fo a alice send bob "message $i" 2>>"$T/send.err" ||
	    fail "send $i: $(tail -n 1 "$T/send.err")"
	echo "message $i" >>"$T/want"
done
wait_for 10 more_lines "$T/got" '^[0-9-]*T[0-9:]*Z	alice	' 19

# Mid-stream: a send is started, and the first node dies under it.
i=$((i + 1))
fo a alice send bob "message $i" 2>>"$T/send.err" &
sender=$!
kill -9 "$P1_PID"
wait "$P1_PID" 2>/dev/null
wait "$sender" || fail "send $i, as node 1 died: $(tail -n 1 "$T/send.err")"
echo "message $i" >>"$T/want"

# The first address is dead from the start for what follows: the rest of
# the stream goes out from one chatc (--lines), which finds the second.
: >"$T/lines"
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	echo "message $i" >>"$T/lines"
done
fo a alice send bob --lines <"$T/lines" >"$T/accepted" 2>>"$T/send.err" ||
    fail "send --lines: $(tail -n 1 "$T/send.err")"
cat "$T/lines" >>"$T/want"
expect_eq "lines accepted" "$(count_lines "$T/accepted" '^accepted	')" 19

# bob moved to the second address by himself, and has every message once,
# in order.
wait_for 60 more_lines "$T/got" '^[0-9-]*T[0-9:]*Z	alice	' 39
wait_log "$T/got" "^node	127\.0\.0\.1:$P2\$"
kill -0 "$LISTEN" 2>/dev/null || fail "listen exited: $(cat "$T/listen.err")"
grep '^[0-9-]*T[0-9:]*Z	alice	' "$T/got" | cut -f3 >"$T/texts"
cmp -s "$T/want" "$T/texts" ||
    fail "printed differs from sent: $(diff "$T/want" "$T/texts" | head)"
expect_eq "node lines" "$(grep '^node	' "$T/got" | cut -f2 | tr '\n' ' ')" \
    "127.0.0.1:$P1 127.0.0.1:$P2 "

# A new client, with the first address dead from the start, is on the
# second; the same key there raised no alarm (the pin is the service's).
fo a alice status >"$T/status" 2>"$T/status.err" ||
    fail "status with node 1 dead: $(cat "$T/status.err")"
expect_eq "alice now on the second address" \
    "$(sed -n 's/^node\t//p' "$T/status")" "127.0.0.1:$P2	2/2"
expect_eq "status: the server as given" \
    "$(sed -n 's/^server\t//p' "$T/status")" "$LIST"
expect_eq "status: the account" "$(sed -n 's/^nick\t//p' "$T/status")" alice
grep -i "key" "$T/status.err" "$T/send.err" "$T/listen.err" &&
    fail "a key warning on reaching the other address"
echo ok
