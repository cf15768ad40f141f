#!/bin/sh
# chat-tui on a service of two nodes (one chatd behind two proxies, "-s
# P1,P2"): the status bar names the node it is on; when that node dies
# (kill -9 of proxy 1) it moves to the other by itself, says so in a
# line ("now on node ..."), and the status bar names the new node.  A
# message typed while it moves goes out once: bob gets both, in order.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register bob pb
befriend alice bob secret-a pb
chat bob listen >"$T/got" 2>"$T/listen.err" &
PIDS="$PIDS $!"
start_proxy p1
P1=$PROXY_PORT
P1_PID=$PROXY_PID
start_proxy p2
P2=$PROXY_PORT

tui_start a -n alice -s "127.0.0.1:$P1,127.0.0.1:$P2"
tui_wait a "^\[connected\] alice@127\.0\.0\.1:$P1 \(node 1/2\)"
tui_lacks a 'now on node' || fail "a move told before any move"
tui_type a "/open bob"
tui_keys a Enter
tui_type a "before the move"
tui_keys a Enter
tui_wait a 'before the move \((accepted|delivered|read)\)'

kill -9 "$P1_PID"
wait "$P1_PID" 2>/dev/null
tui_type a "during the move"
tui_keys a Enter
tui_wait a "now on node 127\.0\.0\.1:$P2 \(2 of 2\), was 127\.0\.0\.1:$P1" 60
tui_wait a "^\[connected\] alice@127\.0\.0\.1:$P2 \(node 2/2\)"
tui_wait a 'during the move \((accepted|delivered|read)\)' 20

poll 20 more_lines "$T/got" '' 1 ||
    fail "bob has $(wc -l <"$T/got") of 2: $(cat "$T/listen.err")"
printf 'before the move\nduring the move\n' >"$T/want"
cut -f3 "$T/got" >"$T/texts"
cmp -s "$T/want" "$T/texts" ||
    fail "bob's messages: $(diff "$T/want" "$T/texts")"
echo ok
