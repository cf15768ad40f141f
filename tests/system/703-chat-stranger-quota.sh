#!/bin/sh
# A stranger's messages come as a contact request, three at most waiting:
# the fourth is refused ("too many ... waiting", exit 75).  Accepting the
# request makes the sender a contact, with the contacts' quota.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register mallory pm
register bob pb

for i in 1 2 3; do
	expect_rc "stranger's message $i" 0 chat mallory send bob "hi $i"
done
expect_rc "stranger's 4th" 75 chat mallory send bob "hi 4"
expect_match "quota message" "$ERR" "too many of your messages"
expect_rc "bob's requests" 0 chat bob requests
expect_eq "the messages asked" "$OUT" "mallory"
expect_rc "bob accepts" 0 chat bob accept mallory
expect_rc "a contact's 4th" 0 chat mallory send bob "hi 4"
# Nothing was lost on the way: all four, in order.
chat bob listen --count 4 --timeout 10 >"$T/got" || fail "bob listens"
expect_eq "bob got all four" "$(cut -f3 "$T/got" | tr '\n' ,)" \
    "hi 1,hi 2,hi 3,hi 4,"
echo ok
