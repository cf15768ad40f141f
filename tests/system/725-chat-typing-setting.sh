#!/bin/sh
# The typing setting is the account's, kept by the server: with it off,
# the server drops the user's typing notices whatever the client sends;
# on again, they pass.  (chat-tui types; bob's chatc listen --events
# shows "typing<TAB>alice".)
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd d
register alice secret-a
register bob pb
befriend alice bob secret-a pb

n=$(logins d)
chat bob listen --events --timeout 60 >"$T/ev" &
lp=$!
wait_for 10 has_logins d $((n + 1))
tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@'
tui_type a "/query bob"
tui_keys a Enter
tui_wait a '\| bob \(online\)'

tui_type a "hel"
wait_for 10 grep -q "^typing	alice$" "$T/ev"

expect_rc "typing off" 0 chatp secret-a alice settings typing off
expect_match "typing off" "$OUT" "^typing	off$"
# chat-tui sends a notice at most every few seconds while one types:
# type for longer than that, and see none arrive.
before=$(grep -c "^typing	" "$T/ev")
for k in 1 2 3 4 5 6 7; do
	tui_type a "lo"
	sleep 1
done
expect_eq "typing notices with the setting off" \
    "$(grep -c "^typing	" "$T/ev")" "$before"

expect_rc "typing on" 0 chatp secret-a alice settings typing on
for k in 1 2 3 4 5 6 7 8 9 10; do
	tui_type a "x"
	grep -c "^typing	" "$T/ev" | grep -qv "^$before$" && break
	sleep 1
done
[ "$(grep -c "^typing	" "$T/ev")" -gt "$before" ] ||
    fail "no typing notice once on again: $(cat "$T/ev")"
stop_bg "$lp"
echo ok
