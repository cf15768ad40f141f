#!/bin/sh
# who lists only the online users who chose to be listed (visible on),
# which is off by default, and kept with the account for every device.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc

n=$(logins d)
chat bob listen --timeout 30 >/dev/null &
bp=$!
chat carol listen --timeout 30 >/dev/null &
cp=$!
wait_for 10 has_logins d $((n + 2))
expect_rc "who" 0 chat alice who
expect_eq "nobody listed by default" "$OUT" ""
expect_rc "carol opts in" 0 chat carol visible on
expect_match "visible" "$OUT" "^visible	on$"
expect_rc "who" 0 chat alice who
expect_eq "carol listed" "$OUT" "carol	online"
expect_rc "carol's settings" 0 chatp pc carol settings
expect_match "kept for the account" "$OUT" "^visible	on$"
expect_rc "carol opts out" 0 chat carol visible off
expect_rc "who" 0 chat alice who
expect_eq "nobody listed" "$OUT" ""
stop_bg "$bp"
stop_bg "$cp"
expect_rc "bad value" 64 chat carol visible maybe
echo ok
