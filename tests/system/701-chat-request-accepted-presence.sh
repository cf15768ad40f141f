#!/bin/sh
# A request accepted: both are contacts of each other, and presence
# starts at once: the asker, listening, sees the accepter online, and
# each one's list shows the other's presence.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

expect_rc "alice asks bob" 0 chat alice contacts add bob
n=$(logins d)
chat alice listen --events --timeout 30 >"$T/ev" &
lp=$!
wait_for 10 has_logins d $((n + 1))
expect_rc "bob accepts" 0 chat bob accept alice
expect_match "alice shown online to bob" "$OUT" "^alice	online	-$"
wait_for 10 grep -q "presence	bob	online" "$T/ev"
# bob went offline when his chatc ended: alice is told that too.
wait_for 10 grep -q "presence	bob	offline" "$T/ev"
stop_bg "$lp"
expect_rc "alice's list" 0 chat alice contacts
expect_match "bob a contact, last seen" "$OUT" "^bob	offline	[0-9]{4}-"
expect_rc "nothing left to accept" 67 chat bob accept alice
expect_match "no request" "$ERR" "no contact request"
expect_rc "bob's requests" 0 chat bob requests
expect_eq "no requests left" "$OUT" ""
echo ok
