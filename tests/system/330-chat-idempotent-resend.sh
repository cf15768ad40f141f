#!/bin/sh
# Resending a message with the same client-chosen id never makes a second
# copy: the server answers "accepted" for the stored one.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

expect_rc "first send" 0 chat alice send bob --id 4242 hello once
expect_rc "resend" 0 chat alice send bob --id 4242 hello once
expect_rc "resend again" 0 chat alice send bob --id 4242 hello once
expect_rc "another id" 0 chat alice send bob --id 4243 hello twice
chat bob listen --timeout 2 >"$T/got"
expect_eq "copies" "$(cut -f3 "$T/got" | tr '\n' '|')" "hello once|hello twice|"
# Resending after delivery still makes no copy, and reports delivery.
expect_rc "resend after delivery" 0 chat alice -t 2 send bob --id 4242 hello once --wait
chat bob listen --timeout 1 >"$T/got2"
expect_eq "no copy after delivery" "$(wc -l <"$T/got2")" 0
counters d >"$T/c"
expect_match "duplicates counted" "$(cat "$T/c")" "duplicates 3"
echo ok
