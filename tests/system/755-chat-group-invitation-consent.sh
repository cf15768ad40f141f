#!/bin/sh
# Invitations follow the consent rules: a contact of the inviter joins at
# once; a stranger is only invited, sees the invitation, gets nothing of
# the group until it accepts, and may decline; a user who blocked the
# inviter is never invited at all.  Only admins invite; a full group
# (max_members) refuses one more with a clear error.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

CHATD_CONF='[groups]
max_members = 5' start_chatd d
register alice pa
register bob pb
register carol pc
register dave pd
register erin pe
register frank pf
mkgroup alice '#c' bob

expect_rc "bob (member) invites" 77 chat bob group invite '#c' carol
expect_match "bob (member) invites" "$ERR" "not allowed"
expect_rc "stranger carol" 0 chat alice group invite '#c' carol
expect_eq "carol invited" "$(echo "$OUT" | grep '^carol' | cut -f3)" "invited"
expect_rc "carol's list" 0 chat carol group list
expect_eq "carol's list" "$OUT" "#c	invited	0"
chat alice send '#c' "not for carol yet" >/dev/null || fail send
expect_rc "carol cannot read yet" 67 chat carol history '#c'
expect_rc "carol cannot send yet" 67 chat carol send '#c' "hello?"
expect_rc "carol accepts" 0 chat carol group accept '#c'
chat alice send '#c' "welcome carol" >/dev/null || fail send
expect_rc "carol gets" 0 chat carol listen --count 1 --timeout 10
expect_match "carol gets" "$OUT" "welcome carol"
! echo "$OUT" | grep -q "not for carol yet" || fail "carol got what came before she joined"

# dave blocked alice: to the group he is invited like anyone (alice
# cannot tell), and he hears nothing of it.
expect_rc "dave blocks" 0 chat dave block alice
expect_rc "invite dave" 0 chat alice group invite '#c' dave
expect_eq "dave shown invited" "$(echo "$OUT" | grep '^dave' | cut -f3)" "invited"
expect_rc "dave's list" 0 chat dave group list
expect_eq "dave's list" "$OUT" ""
expect_rc "dave cannot accept" 67 chat dave group accept '#c'
expect_rc "erin invited" 0 chat alice group invite '#c' erin
expect_rc "erin declines" 0 chat erin group decline '#c'
expect_rc "erin's list" 0 chat erin group list
expect_eq "erin's list" "$OUT" ""

# Five now (alice, bob, carol, dave as far as anyone knows, erin
# invited again): full.
expect_rc "erin again" 0 chat alice group invite '#c' erin
expect_rc "frank: full" 75 chat alice group invite '#c' frank
expect_match "full" "$ERR" "the group is full"
echo ok
