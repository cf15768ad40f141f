#!/bin/sh
# irssi's and WeeChat's commands with a CJK nickname, between two
# chat-tuis: /query 狗<Tab> completes and opens the conversation; /msg
# sends without switching (to 狗哥alex from alice, to alice from 狗哥alex);
# /close goes back to the list.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice pw-a
register 狗哥alex pw-b
register bob pw-c
befriend alice 狗哥alex pw-a pw-b
befriend alice bob pw-a pw-c

TUI_PASSWORD=pw-a tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
TUI_PASSWORD=pw-b tui_start b -n 狗哥alex -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@'
tui_wait b '^\[connected\] 狗哥alex@'
tui_wait a '^\+ 狗哥alex'

# /query with completion.
tui_type a "/query 狗"
tui_keys a Tab
tui_wait a '^> /query 狗哥alex ?$'
tui_wait a 'Enter: run /query$'
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| 狗哥alex \(online\)'
tui_type a "你好 狗哥"
tui_keys a Enter
# 狗哥alex has no conversation open: alice (a contact, online) is
# highlighted, unread.
tui_wait b '^\+ alice +1│'
tui_wait b 'Enter: open alice$'

# /msg from 狗哥alex: sent, and still no conversation open.
tui_type b "/msg alice 收到 👍"
tui_keys b Enter
tui_wait b 'sent to alice'
tui_wait a '狗哥alex: 收到 👍$'
tui_lacks b '^\[connected\] 狗哥alex@[^|]*\| alice' ||
    fail "/msg opened the conversation"
tui_wait b 'Enter: open alice$'
tui_keys b Enter
tui_wait b 'alice: 你好 狗哥$'
tui_wait b '狗哥alex: 收到 👍 \((accepted|delivered|read)\)'

# /msg from alice to bob while 狗哥alex's conversation stays open.
tui_type a "/msg bob 早上好 bob"
tui_keys a Enter
tui_wait a 'sent to bob'
tui_wait a '^\[connected\] alice@[^|]*\| 狗哥alex'
chatp pw-c bob listen --count 1 --timeout 15 >"$T/got" ||
    fail "bob received nothing"
grep -q '早上好 bob$' "$T/got" || fail "bob got: $(cat "$T/got")"

# /open is /query; /close goes back to the list.
tui_type a "/open bob"
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| bob'
tui_wait a '早上好 bob \((accepted|delivered|read)\)'
tui_type a "/close"
tui_keys a Enter
tui_wait_not a '^\[connected\] alice@[^|]*\| bob'
tui_wait a 'Enter: open [^ ]+$'

tui_keys a C-c
tui_wait_exit a >/dev/null
tui_keys b C-c
tui_wait_exit b >/dev/null
tui_restored a
exit 0
