#!/bin/sh
# One account logged in from several places: each session gets every
# message.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

n=$(logins d)
chat bob listen --count 3 --timeout 15 >"$T/one" &
p1=$!
chat bob listen --count 3 --timeout 15 >"$T/two" &
p2=$!
chatp pb bob listen --count 3 --timeout 15 >"$T/three" &
p3=$!
wait_for 10 has_logins d $((n + 3))
chat alice send bob a || fail "send a"
chat alice send bob b || fail "send b"
chat alice send bob c --wait || fail "send c"
wait $p1 || fail "first session"
wait $p2 || fail "second session"
wait $p3 || fail "third session"
for f in one two three; do
	expect_eq "session $f" "$(cut -f3 "$T/$f" | tr '\n' ' ')" "a b c "
done
echo ok
