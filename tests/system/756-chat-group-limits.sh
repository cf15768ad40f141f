#!/bin/sh
# The limits on groups, with clear errors: creations per account a day,
# invitations per account an hour; and a nickname may not look like a
# group's name.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

CHATD_CONF='[groups]
create_per_day = 2
invite_per_hour = 2' start_chatd d
register alice pa
for u in b1 b2 b3; do register "$u" "p$u"; done

expect_rc "first" 0 chat alice group create '#one'
expect_rc "second" 0 chat alice group create '#two'
expect_rc "third" 75 chat alice group create '#three'
expect_match "third" "$ERR" "groups created today"
expect_rc "taken" 73 chat b1 group create '#ONE'
expect_rc "b1's" 0 chat b1 group create '#time'
expect_rc "look-alike" 73 chat b2 group create "$(printf '#t\304\261me')"
expect_match "look-alike" "$ERR" "looks like an existing name"
expect_rc "no #" 64 chat alice group create one

expect_rc "invite 1" 0 chat alice group invite '#one' b1
expect_rc "invite 2" 0 chat alice group invite '#one' b2
expect_rc "invite 3" 75 chat alice group invite '#one' b3
expect_match "invite 3" "$ERR" "invitations this hour"

# Deleting and removing do not give the allowance back.
expect_rc "b2's first" 0 chat b2 group create '#d1'
expect_rc "deleted" 0 chat b2 group delete '#d1'
expect_rc "b2's second" 0 chat b2 group create '#d2'
expect_rc "deleted" 0 chat b2 group delete '#d2'
expect_rc "b2's third" 75 chat b2 group create '#d3'
expect_rc "b1's own" 0 chat b1 group create '#own'
for k in 1 2; do
	expect_rc "invite b3, $k" 0 chat b1 group invite '#own' b3
	expect_rc "kick b3, $k" 0 chat b1 group kick '#own' b3
done
expect_rc "invite b3 a third time" 75 chat b1 group invite '#own' b3

expect_rc "a nick like a group" 65 chatp px '#nick' register
expect_match "a nick like a group" "$ERR" "starts with #"
echo ok
