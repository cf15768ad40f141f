#!/bin/sh
# A group in chat-tui, against a real chatd: alice creates #lunch,
# invites bob and carol (her contacts, so they are in at once), they
# write with chatc and read what she writes; she sees who has read it
# ("read 2/2"), the member list beside the conversation (F2) and the
# topic in its header, then leaves, keeping the messages.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register bob secret-bob
register carol secret-carol
befriend alice bob secret-a secret-bob
befriend alice carol secret-a secret-carol

tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@127\.0\.0\.1'

tui_type a "/create #lunch"
tui_keys a Enter
tui_wait a 'created #lunch: /invite NICK asks people in'
tui_wait a '^\[connected\] alice@[^|]*\| #lunch'
tui_wait a '\* alice created #lunch'
tui_type a "/invite bob"
tui_keys a Enter
tui_wait a 'bob is in #lunch'
tui_wait a '\* bob joined \(invited by alice\)'
tui_type a "/invite carol"
tui_keys a Enter
tui_wait a '\* carol joined \(invited by alice\)'
tui_type a "/topic pizza at 1"
tui_keys a Enter
tui_wait a '│#lunch: pizza at 1'
tui_wait a '\* alice set the topic: pizza at 1'

# bob and carol listen with chatc; alice writes.
n=$(logins c)
chatp secret-bob bob listen --count 1 >"$T/bob.out" 2>"$T/bob.err" &
BOBL=$!
chatp secret-carol carol listen --count 1 >"$T/carol.out" 2>"$T/carol.err" &
CAROLL=$!
PIDS="$PIDS $BOBL $CAROLL"
poll 10 has_logins c $((n + 2)) || fail "the listeners did not log in"
tui_type a "who is in?"
tui_keys a Enter
# Each listener has shown it, and so read it: read by both.
tui_wait a 'alice: who is in\? \(read 2/2\)'
grep -q '#lunch/alice	who is in?$' "$T/bob.out" ||
    fail "bob did not see it: $(cat "$T/bob.out")"

# bob answers with chatc: in alice's group, as "bob: ...".
expect_rc "bob writes to #lunch" 0 chatp secret-bob bob send '#lunch' "me, and carol"
tui_wait a 'bob: me, and carol$'
expect_rc "carol writes to #lunch" 0 chatp secret-carol carol send '#lunch' "yes 🍕"
tui_wait a 'carol: yes 🍕$'
expect_rc "listeners end" 0 wait "$BOBL"
expect_rc "listeners end" 0 wait "$CAROLL"

# F2: the members beside the conversation, with their roles, and the
# contacts online marked (bob listens again); again: gone.
n=$(logins c)
chatp secret-bob bob listen >"$T/bob2.out" 2>&1 &
BOBL=$!
PIDS="$PIDS $BOBL"
poll 10 has_logins c $((n + 1)) || fail "bob did not log in"
tui_keys a F2
tui_wait a '│Members \(3\)'
tui_wait a '│  alice +owner$'
tui_wait a '│\+ bob *$'
tui_wait a '│  carol *$'
tui_keys a F2
tui_wait_not a 'Members \('

# The list shows the group; bob's new message counts there while
# alice looks at another conversation.
tui_type a "/query bob"
tui_keys a Enter
expect_rc "bob writes again" 0 chatp secret-bob bob send '#lunch' "see you"
tui_wait a '^  #lunch +1│'
tui_keys a M-a
tui_wait a 'bob: see you$'

# /leave asks whether to delete the messages here; n keeps them.
tui_type a "/leave"
tui_keys a Enter
tui_wait a '^leave #lunch and delete its messages here too\?'
tui_type a n
tui_wait a 'you left #lunch; its messages stay here'
tui_wait a '│#lunch: you are not in it'
expect_rc "bob's history of #lunch" 0 chatp secret-bob bob history '#lunch'
expect_match "alice left, for bob" "$OUT" '\* alice left'
expect_match "bob is the owner now" "$OUT" '\* alice handed the group to '

stop_bg "$BOBL"
tui_keys a C-c
expect_eq "alice's chat-tui exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a
echo ok
