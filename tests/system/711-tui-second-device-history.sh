#!/bin/sh
# History on every device: alice talks to bob from one chat-tui; a second
# chat-tui for alice, on a fresh device (no files, a typed password),
# shows the conversation at once, in order, each message once; and a
# message sent from the first device appears on the second as alice's
# (a carbon), once.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register bob secret-b
expect_rc "alice asks bob" 0 chatp secret-a alice contacts add bob
expect_rc "bob accepts" 0 chatp secret-b bob accept alice

# The first device: alice writes, bob answers.
TUI_PASSWORD=secret-a tui_start a1 -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a1 '^\[connected\] alice@'
tui_wait a1 '^  bob +│'
tui_keys a1 Enter
tui_type a1 "from the first device"
tui_keys a1 Enter
tui_wait a1 'alice: from the first device \((accepted|delivered|read)\)'
expect_rc "bob answers" 0 chatp secret-b bob send alice "bob's answer"
tui_wait a1 "bob: bob's answer\$"

# The second device starts empty and logs in with the password.
tui_fresh a2 password alice secret-a
tui_wait a2 '^  bob +│'
tui_keys a2 Enter
tui_wait a2 "bob: bob's answer\$"
tui_wait a2 'alice: from the first device \((accepted|delivered|read)\)'
tui_settle a2 >"$T/a2.screen"
expect_eq "the first message once" \
    "$(grep -c 'from the first device' "$T/a2.screen")" 1
expect_eq "the answer once" "$(grep -c "bob's answer" "$T/a2.screen")" 1
first=$(tui_row a2 'from the first device')
answer=$(tui_row a2 "bob's answer")
[ "$first" -lt "$answer" ] || fail "out of order: rows $first, $answer"

# A message from the first device shows on the second as alice's.
tui_type a1 "sent on one, seen on two"
tui_keys a1 Enter
tui_wait a2 'alice: sent on one, seen on two \((accepted|delivered|read)\)'
tui_settle a2 >"$T/a2.screen"
expect_eq "the carbon once" \
    "$(grep -c 'sent on one, seen on two' "$T/a2.screen")" 1

for d in a1 a2; do
	tui_keys $d C-c
	expect_eq "$d's chat-tui exit status" "$(tui_wait_exit $d)" "exit 0"
done
echo ok
