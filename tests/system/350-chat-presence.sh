#!/bin/sh
# Contacts and presence: add (a request), accept, list with presence,
# remove; a contact going online and offline reaches a listening user;
# who lists who is online and chose to be listed, and can be switched
# off.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc

expect_rc "add unknown" 67 chat alice contacts add nobody
expect_rc "add invalid" 65 chat alice contacts add "a b"
expect_rc "add bob" 0 chat alice contacts add BOB
expect_match "a request shows no presence" "$OUT" "^bob	offline	-$"
expect_rc "bob accepts" 0 chat bob accept alice
expect_match "bob's list after accepting" "$OUT" "^alice	offline	[0-9]{4}-"
expect_rc "list after accept" 0 chat alice contacts
expect_match "bob's presence shown" "$OUT" "^bob	offline	[0-9]{4}-"
expect_rc "add carol" 0 chat alice contacts add carol
expect_eq "two contacts" "$(echo "$OUT" | cut -f1 | tr '\n' ' ')" "bob carol "
expect_rc "carol accepts" 0 chat carol accept alice

# alice listens for events; bob comes (for a second) and goes.
n=$(logins d)
chat alice listen --events --timeout 30 >"$T/ev" &
lp=$!
wait_for 10 has_logins d $((n + 1))
chat bob listen --timeout 1 >/dev/null
wait_for 10 grep -q "presence	bob	offline" "$T/ev"
stop_bg "$lp"
expect_match "bob online" "$(cat "$T/ev")" "presence	bob	online"
expect_match "bob offline" "$(cat "$T/ev")" "presence	bob	offline"

# While bob listens, the list and who (bob chose to be listed) show him
# online.
expect_rc "bob visible" 0 chat bob visible on
n=$(logins d)
chat bob listen --timeout 30 >/dev/null &
bp=$!
wait_for 10 has_logins d $((n + 1))
expect_rc "list" 0 chat alice contacts
expect_match "bob online in list" "$OUT" "bob	online	-"
expect_match "carol offline in list" "$OUT" "carol	offline	[0-9]{4}-"
expect_rc "who" 0 chat carol who
expect_match "who bob" "$OUT" "bob	online"
stop_bg "$bp"

expect_rc "del carol" 0 chat alice contacts del carol
expect_eq "one contact" "$(echo "$OUT" | cut -f1)" "bob"

kill -TERM "$CHATD_PID"; wait "$CHATD_PID"
CHATD_PORT_WANT=$CHATD_PORT CHATD_CONF='[directory]
who = no' start_chatd d
expect_rc "who disabled" 77 chat alice who
expect_match "who disabled message" "$ERR" "disabled"
echo ok
