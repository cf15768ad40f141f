#!/bin/sh
# Receipts: send exits once accepted; --wait once delivered to a session
# of the recipient; --read once the recipient has shown it.  A receipt for
# a message delivered while its sender was away reaches it at its next
# login.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

# Accepted with bob offline; --wait cannot finish and says why.
expect_rc "accepted" 0 chat alice send bob first
expect_rc "not delivered" 75 chat alice -t 1 send bob second --wait
expect_match "not delivered message" "$ERR" "accepted, but not delivered"

# bob online: --wait and --read succeed.
chat bob listen --count 4 --timeout 15 >"$T/got" &
lp=$!
expect_rc "delivered" 0 chat alice -t 10 send bob third --wait
expect_rc "read" 0 chat alice -t 10 send bob fourth --read
wait $lp || fail "listen failed"
expect_eq "bob got all" "$(cut -f3 "$T/got" | tr '\n' ' ')" \
    "first second third fourth "

# A receipt that comes while alice is away reaches her next login.
expect_rc "fifth" 0 chat alice send bob fifth
chat bob listen --count 1 --timeout 5 >/dev/null || fail "bob reads fifth"
chat alice listen --events --timeout 30 >"$T/ev" &
lp=$!
poll 10 grep -Eq "receipt	[0-9]+	read" "$T/ev"
stop_bg "$lp"
expect_match "read receipt at login" "$(cat "$T/ev")" "receipt	[0-9]+	read"
echo ok
