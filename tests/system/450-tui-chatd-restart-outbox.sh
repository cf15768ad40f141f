#!/bin/sh
# chatd goes away in the middle of a conversation: chat-tui shows the
# lost connection in its status bar, messages typed meanwhile wait in the
# outbox marked "sending", even through a restart of chat-tui itself
# (they are in its history), and once chatd is back each one is
# delivered exactly once, in order, and read.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register bob secret-b
tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_start b -n bob -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@'
tui_wait b '^\[connected\] bob@'
tui_type a "/add bob"
tui_keys a Enter
tui_type b "/add alice"
tui_keys b Enter
tui_wait a '^\[connected\] alice@[^|]*\| bob'
tui_wait b '^\[connected\] bob@[^|]*\| alice'
tui_type a "before the restart"
tui_keys a Enter
tui_wait b 'alice: before the restart$'
tui_wait a 'before the restart \(read\)'

# chatd dies; both see it.
kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
tui_wait a '^\[(disconnected|connecting|logging in)\] alice@' 20
tui_wait b '^\[(disconnected|connecting|logging in)\] bob@' 20

# Typed while it is down: kept, marked, counted.
tui_type a "while down 1"
tui_keys a Enter
tui_type a "while down 2 狗哥 😀"
tui_keys a Enter
tui_type b "from bob while down"
tui_keys b Enter
tui_wait a 'alice: while down 1 \(sending\)'
tui_wait a 'alice: while down 2 狗哥 😀 \(sending\)'
tui_wait a '\| 2 queued'
tui_wait b 'from bob while down \(sending\)'

# alice's chat-tui restarts meanwhile: the outbox is still there.
tui_type a "/quit"
tui_keys a Enter
expect_eq "alice's exit status" "$(tui_wait_exit a)" "exit 0"
tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a '\| 2 queued'
tui_type a "bob"
tui_keys a Enter
tui_wait a 'while down 2 狗哥 😀 \(sending\)'

# chatd is back on the same port with the same store.
CHATD_PORT_WANT=$CHATD_PORT start_chatd c
tui_wait a '^\[connected\] alice@' 40
tui_wait b '^\[connected\] bob@' 40
tui_wait b 'alice: while down 2 狗哥 😀$' 20
tui_wait a 'while down 1 \(read\)' 20
tui_wait a 'while down 2 狗哥 😀 \(read\)' 20
tui_wait_not a 'queued'
tui_wait a 'bob: from bob while down$' 20
tui_wait b 'from bob while down \(read\)' 20

# Exactly once each, in order.
tui_screen b >"$T/b.screen"
expect_eq "copies of message 1" "$(grep -c 'while down 1' "$T/b.screen")" 1
expect_eq "copies of message 2" "$(grep -c 'while down 2' "$T/b.screen")" 1
r1=$(tui_row b 'while down 1')
r2=$(tui_row b 'while down 2')
[ "$r1" -lt "$r2" ] || fail "order: message 1 on row $r1, message 2 on row $r2"
exit 0
