#!/bin/sh
# A group of three, one member offline: the others talk, and the member
# who was away gets every message, in order, once, when it comes back;
# the members online got each as it was sent.  The sender sees how many
# have it.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc
mkgroup alice '#team' bob carol

n=$(logins d)
chat bob listen --timeout 60 >"$T/bob" 2>"$T/bob.err" &
bp=$!
wait_for 10 has_logins d $((n + 1))
# carol is offline.
i=1
while [ $i -le 20 ]; do
	if [ $((i % 2)) = 1 ]; then
		chat alice send '#team' "m$i" >/dev/null || fail "send m$i"
	else
		chat bob send '#team' "m$i" >/dev/null || fail "send m$i"
	fi
	i=$((i + 1))
done
wait_for 10 grep -q "	#team/alice	m19" "$T/bob"
stop_bg "$bp"
expect_eq "bob live (alice's ten)" "$(grep -c '#team/alice	m' "$T/bob")" 10

# carol comes back: all twenty, in order, once, then nothing.
expect_rc "carol catches up" 0 chat carol listen --count 20 --timeout 20
expect_eq "carol's messages" "$(echo "$OUT" | grep '#team/' | cut -f3 | tr '\n' ,)" \
    "m1,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12,m13,m14,m15,m16,m17,m18,m19,m20,"
expect_rc "nothing more" 0 chat carol listen --timeout 2
expect_eq "nothing more" "$(echo "$OUT" | grep -c '#team/')" 0

# Receipts: alice waits until both others have her next message.
expect_rc "delivered to all" 0 chat alice -t 20 send '#team' "last" --wait &
wp=$!
chat bob listen --count 1 --timeout 20 >/dev/null || fail "bob reads last"
chat carol listen --count 1 --timeout 20 >/dev/null || fail "carol reads last"
wait "$wp" || fail "alice's --wait did not see it delivered to all"
echo ok
