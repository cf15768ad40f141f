#!/bin/sh
# A blocked user gets nothing through and cannot tell it is blocked: its
# messages are accepted as ever and never delivered, its request seems
# made and never reaches the blocker, and the blocker seems offline (in
# its list, and by who even though the blocker chose to be listed).
# Blocking a contact ends the contact.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register mallory pm
befriend bob mallory
befriend bob alice
expect_rc "bob visible" 0 chat bob visible on

expect_rc "bob blocks mallory" 0 chat bob block mallory
expect_eq "blocked list" "$OUT" "mallory"
expect_rc "bob's list" 0 chat bob contacts
expect_eq "the contact ended" "$(echo "$OUT" | cut -f1)" "alice"

n=$(logins d)
chat bob listen --events --timeout 30 >"$T/got" &
bp=$!
wait_for 10 has_logins d $((n + 1))

# What mallory sees of bob (online now) is what alice would see of an
# offline user.
expect_rc "mallory writes" 0 chat mallory send bob "let me in"
expect_rc "mallory resends" 0 chat mallory send bob "let me in" --id 7
expect_rc "mallory asks" 0 chat mallory contacts add bob
expect_eq "bob seems offline" "$OUT" "bob	offline	-"
expect_rc "mallory's who" 0 chat mallory who
expect_eq "bob not listed to mallory" "$OUT" ""
expect_rc "alice's who" 0 chat alice who
expect_match "bob listed to alice" "$OUT" "^bob	online"
expect_rc "a message from alice" 0 chat alice send bob "from alice"
wait_for 10 grep -q "from alice" "$T/got"
stop_bg "$bp"
! grep -q "mallory" "$T/got" || fail "bob got mallory's: $(cat "$T/got")"
expect_rc "bob's requests" 0 chat bob requests
expect_eq "no request from mallory" "$OUT" ""
expect_match "counted" "$(counters d)" " blocked 2 "

expect_rc "bob unblocks mallory" 0 chat bob unblock mallory
expect_eq "none blocked" "$OUT" ""
expect_rc "bob's blocked" 0 chat bob blocked
expect_eq "still none" "$OUT" ""
echo ok
