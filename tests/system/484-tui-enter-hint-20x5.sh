#!/bin/sh
# What Enter will do is always on the screen, at 80x24 and at 20x5: in
# the list, in a conversation, while typing a command, in the help.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice pw-a
register bob pw-b
chatp pw-a alice contacts add bob >/dev/null || fail "add bob"
TUI_PASSWORD=pw-a tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@'
tui_wait a 'Enter: open bob$'
tui_resize a 20 5
tui_wait a '^ *Enter: open bob$'
tui_wait a '^  bob'
tui_keys a Enter
tui_wait a '^ *Enter: send to bob$'
tui_type a "/he"
tui_wait a '^ *Enter: run /he$'
tui_keys a C-u F1
tui_wait a '^ *any key: close help$'
tui_keys a Escape
tui_wait a '^ *Enter: send to bob$'
tui_type a "small hello"
tui_keys a Enter
tui_wait a 'hello \((accepted|delivered|read)\)'
chatp pw-b bob listen --count 1 --timeout 15 >"$T/got" ||
    fail "bob received nothing"
grep -q 'small hello$' "$T/got" || fail "bob got: $(cat "$T/got")"
tui_keys a Escape
tui_wait a '^ *Enter: open bob$'
tui_resize a 80 24
tui_wait a '^\[connected\] alice@[^|]*\| bob.* Enter: open bob$'
tui_keys a C-c
expect_eq "exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a
exit 0
