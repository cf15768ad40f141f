#!/bin/sh
# Signing in as a nickname that has no account offers to register it;
# "y" creates it and logs in.  A wrong password asks for the password
# again, typed on a masked prompt, and the device then keeps a token
# (mode 0600) instead of the password.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
TUI_PASSWORD=pw-new tui_start a -n 新人 -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^no account 新人 here: register it\? \(y/n\)'
tui_keys a y
tui_wait a '^\[connected\] 新人@'
expect_rc "the account exists" 0 chatp pw-new 新人 who
tui_keys a C-c
tui_wait_exit a >/dev/null

# A wrong password: asked again, and the typed one is never shown.
TUI_PASSWORD=wrong tui_start a -n 新人 -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^password:'
tui_wait a 'wrong password'
tui_type a pw-new
tui_wait a '^password: \*{6}$'
tui_keys a Enter
tui_wait a '^\[connected\] 新人@'
tui_screen a | grep -q 'pw-new' && fail "the password is on the screen"
tui_keys a C-c
tui_wait_exit a >/dev/null
grep -rq 'pw-new' "$T/a" && fail "the password is written in chat-tui's files"
[ -n "$(ls "$T/a/state/chat-tui/tokens")" ] || fail "no device token kept"
[ "$(stat -c %a "$T/a/state/chat-tui/tokens/"*)" = 600 ] || fail "token file mode"
exit 0
