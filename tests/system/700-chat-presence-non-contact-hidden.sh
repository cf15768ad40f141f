#!/bin/sh
# Presence of a user who is not a mutual contact is never visible, by any
# command: not in the asker's contact list (a request shows "offline",
# never seen), not by who (the user did not choose to be listed), not as
# a presence event, and a request names its sender only.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

expect_rc "alice asks bob" 0 chat alice contacts add bob
expect_eq "a request, no presence" "$OUT" "bob	offline	-"

# alice listens for events; bob comes online and stays.
n=$(logins d)
chat alice listen --events --timeout 30 >"$T/ev" &
lp=$!
wait_for 10 has_logins d $((n + 1))
chat bob listen --timeout 30 >/dev/null &
bp=$!
wait_for 10 has_logins d $((n + 2))

expect_rc "alice's list" 0 chat alice contacts
expect_eq "bob still not shown online" "$OUT" "bob	offline	-"
expect_rc "who" 0 chat alice who
expect_eq "who lists nobody" "$OUT" ""
expect_rc "bob's requests" 0 chat bob requests
expect_eq "names only" "$OUT" "alice"
expect_rc "bob's list" 0 chat bob contacts
expect_eq "bob has no contacts" "$OUT" ""
stop_bg "$bp"
stop_bg "$lp"
expect_lacks() { ! grep -q "$2" "$1" || fail "$3: $(cat "$1")"; }
expect_lacks "$T/ev" "presence	bob" "alice saw bob's presence"
echo ok
