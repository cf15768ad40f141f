#!/bin/sh
# chat-tui through a restart of chatd: once the session is lost the status
# bar counts down to the next attempt ("reconnecting in N s"), a message
# typed meanwhile waits in the outbox and goes out once chatd is back, and
# the conversation is whole: bob gets every message once, in order.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register bob pb
chat bob listen >"$T/got" 2>"$T/listen.err" &
PIDS="$PIDS $!"
tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@'
tui_type a "/open bob"
tui_keys a Enter
tui_type a "before the restart"
tui_keys a Enter
tui_wait a 'before the restart \((accepted|delivered|read)\)'

# chatd goes away for long enough that the countdown shows.
kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
tui_type a "while it is down"
tui_keys a Enter
tui_wait a 'while it is down \(sending\)'
tui_wait a '^\[disconnected\] alice@[^ ]* \| reconnecting in [0-9]+ s' 60

CHATD_PORT_WANT=$CHATD_PORT start_chatd c
tui_wait a '^\[connected\] alice@' 60
tui_wait a 'while it is down \((accepted|delivered|read)\)' 20
tui_type a "after the restart"
tui_keys a Enter
tui_wait a 'after the restart \((accepted|delivered|read)\)'

# bob has all three, once each, in order.
poll 20 more_lines "$T/got" '' 2 ||
    fail "bob has $(wc -l <"$T/got") of 3: $(cat "$T/listen.err")"
printf 'before the restart\nwhile it is down\nafter the restart\n' \
    >"$T/want"
cut -f3 "$T/got" >"$T/texts"
cmp -s "$T/want" "$T/texts" ||
    fail "bob's messages: $(diff "$T/want" "$T/texts")"
exit 0
