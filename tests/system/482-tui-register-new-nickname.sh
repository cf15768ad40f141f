#!/bin/sh
# A first start with no -n and no configured nickname: chat-tui asks for
# the nickname, then the password; chatd has no such account, so it
# offers to register it and asks for the password a second time (a
# mismatch starts the password over).  The account works at once, from
# chat-tui and chatc alike: nothing needed chatc first.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
TUI_PASSWORD= tui_start a -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^nickname:'
tui_wait a 'Enter: sign in as this$'
tui_type a 新手alex
tui_wait a '^nickname: 新手alex$'
tui_keys a Enter
tui_wait a '^password:'
tui_type a pw-new1
tui_keys a Enter
tui_wait a '^no account 新手alex here: register it\? \(y/n\)'
tui_keys a y
tui_wait a '^password again:'
tui_type a pw-typo
tui_keys a Enter
tui_wait a 'the passwords differ'
tui_wait a '^password:'
tui_type a pw-new1
tui_keys a Enter
tui_wait a '^no account 新手alex here: register it\? \(y/n\)'
tui_keys a y
tui_wait a '^password again:'
tui_type a pw-new1
tui_wait a '^password again: \*{7}$'
tui_keys a Enter
tui_wait a '^\[connected\] 新手alex@'
tui_wait a '/add NICK: add one$'
expect_rc "the account exists" 0 chatp pw-new1 新手alex who
tui_screen a | grep -q 'pw-' && fail "a password is on the screen"

# The new account adds a contact and talks, from chat-tui alone.
register bob pw-b
tui_type a "/add bob"
tui_keys a Enter
tui_wait a '^\[connected\] 新手alex@[^|]*\| bob'
tui_type a "hello, I am new"
tui_keys a Enter
tui_wait a 'hello, I am new \((accepted|delivered|read)\)'
chatp pw-b bob listen --count 1 --timeout 15 >"$T/got" ||
    fail "bob received nothing"
grep -q 'hello, I am new$' "$T/got" || fail "bob got: $(cat "$T/got")"
tui_keys a C-c
expect_eq "exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a
exit 0
