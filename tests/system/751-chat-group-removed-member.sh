#!/bin/sh
# A member removed mid-conversation gets the event that removed it and
# nothing after; what it had stays with it; it cannot send or read the
# group any more.  Leaving is the same.  Member changes are events of the
# group's history, in order.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc
mkgroup alice '#ops' bob carol

chat alice send '#ops' "before" >/dev/null || fail "send before"
n=$(logins d)
chat carol listen --events --timeout 60 >"$T/carol" 2>&1 &
cp=$!
wait_for 10 has_logins d $((n + 1))
wait_for 10 grep -q "#ops/alice	before" "$T/carol"
expect_rc "kick" 0 chat alice group kick '#ops' carol
expect_eq "members after" "$(echo "$OUT" | cut -f1 | tr '\n' ,)" "alice,bob,"
wait_for 10 grep -q "	\* alice removed carol" "$T/carol"
chat alice send '#ops' "after 1" >/dev/null || fail "send after 1"
chat bob send '#ops' "after 2" >/dev/null || fail "send after 2"
expect_rc "bob has both" 0 chat bob listen --count 3 --timeout 10
expect_match "bob has both" "$OUT" "after 2"
stop_bg "$cp"
! grep -q "after" "$T/carol" || fail "carol got a message after her removal: $(cat "$T/carol")"
grep -q "^group	#ops	removed" "$T/carol" || fail "no removal notice: $(cat "$T/carol")"

expect_rc "carol sends" 67 chat carol send '#ops' "let me in"
expect_match "carol sends" "$ERR" "no such group, or not a member"
expect_rc "carol's history" 67 chat carol history '#ops'
expect_rc "carol's list" 0 chat carol group list
expect_eq "carol's list" "$OUT" ""

# bob leaves; the history shows it all, in order.
expect_rc "bob leaves" 0 chat bob group leave '#ops'
expect_rc "history" 0 chat alice history '#ops' --limit 100
expect_eq "events and messages" "$(echo "$OUT" | cut -f3 | tr '\n' '|')" \
    "* alice created #ops|* bob joined (invited by alice)|* carol joined (invited by alice)|before|* alice removed carol|after 1|after 2|* bob left|"
echo ok
