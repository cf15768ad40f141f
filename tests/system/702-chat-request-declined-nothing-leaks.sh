#!/bin/sh
# A request declined: nothing of it reaches the asker, whose view is the
# same as before (a request, offline, never seen) however often it asks,
# and whose messages are still taken as from a stranger; the request
# leaves the decliner's list and does not come back.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

expect_rc "alice asks bob" 0 chat alice contacts add bob
before=$OUT
n=$(logins d)
chat bob listen --timeout 30 >/dev/null &
bp=$!
wait_for 10 has_logins d $((n + 1))
expect_rc "bob declines" 0 chat bob decline alice
expect_eq "the request is gone" "$OUT" ""
expect_rc "alice's list" 0 chat alice contacts
expect_eq "alice sees no change" "$OUT" "$before"
expect_rc "alice asks again" 0 chat alice contacts add bob
expect_eq "still no change" "$OUT" "$before"
expect_rc "bob's requests" 0 chat bob requests
expect_eq "the request does not come back" "$OUT" ""
expect_rc "alice may still write" 0 chat alice send bob hello
expect_rc "decline again" 0 chat bob decline alice
expect_rc "decline nobody" 67 chat bob decline bob
stop_bg "$bp"
# bob changes his mind: asking alice back makes them contacts.
expect_rc "bob asks alice" 0 chat bob contacts add alice
expect_match "contacts now" "$OUT" "^alice	offline	[0-9]{4}-"
echo ok
