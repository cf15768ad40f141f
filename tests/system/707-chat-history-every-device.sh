#!/bin/sh
# History on every device: a device that never saw a conversation (a new
# one, or a reinstall: no token, no local state) gets it from the server,
# in order, exactly once, with the account's read state; a message sent
# on one device shows on the other as sent; read on one device is read on
# the others.  Pages are bounded: --limit and --before walk back.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register alice pa
register bob pb
befriend alice bob

# A second device of bob's: its own config folder (pins, token).
bob2() {
	env CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/cfg2" "$BIN/chatc" \
	    -s "127.0.0.1:$CHATD_PORT" -n bob "$@"
}

i=1
while [ $i -le 30 ]; do
	chat alice send bob "a $i" >/dev/null || fail "send a $i"
	i=$((i + 1))
done
# bob's first device reads all 30 and answers twice.
chat bob listen --count 30 --timeout 20 >/dev/null || fail "bob reads"
chat bob send alice "b 1" >/dev/null || fail "send b 1"
chat bob send alice "b 2" >/dev/null || fail "send b 2"

# The new device: everything, oldest first, once, read on the first.
expect_rc "history" 0 bob2 history alice --limit 1000 --json
echo "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
want = ["a %d" % i for i in range(1, 31)] + ["b 1", "b 2"]
assert [r["text"] for r in rows] == want, [r["text"] for r in rows]
ids = [r["id"] for r in rows]
assert ids == sorted(set(ids)), ids
assert all(r["from"] == "alice" and r["read"] for r in rows[:30]), rows[:30]
assert all(r["from"] == "bob" and r["sent"] for r in rows[30:]), rows[30:]
' || fail "bob's second device: $OUT"

# Paging: the last 5, then the 5 before the oldest of those.
expect_rc "last 5" 0 bob2 history alice --limit 5
expect_eq "last 5" "$(echo "$OUT" | cut -f3 | tr '\n' ,)" "a 28,a 29,a 30,b 1,b 2,"
expect_rc "ids" 0 bob2 history alice --limit 5 --json
oldest=$(echo "$OUT" | head -n 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
expect_rc "5 before" 0 bob2 history alice --limit 5 --before "$oldest"
expect_eq "5 before" "$(echo "$OUT" | cut -f3 | tr '\n' ,)" "a 23,a 24,a 25,a 26,a 27,"
expect_rc "unknown user" 67 bob2 history nobody-here
expect_rc "bad limit" 64 bob2 history alice --limit 0

# A carbon: bob's second device listens while the first sends.
n=$(logins d)
bob2 listen --json --timeout 30 >"$T/b2" 2>"$T/b2.err" &
lp=$!
wait_for 10 has_logins d $((n + 1))
chat bob send alice "from the phone" >/dev/null || fail "send from device 1"
wait_for 10 grep -q "from the phone" "$T/b2"
grep "from the phone" "$T/b2" | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
assert r["from"] == "bob" and r["to"] == "alice" and r["sent"], r
' || fail "carbon: $(cat "$T/b2")"
stop_bg "$lp"

# Read state is the account's: a new message is unread on a device that
# did not see it, until another device reads it.
chat alice send bob "read me" >/dev/null || fail "send read me"
expect_rc "unread" 0 bob2 history alice --limit 1 --json
expect_match "unread" "$OUT" '"text":"read me","read":false'
chat bob listen --count 1 --timeout 10 >/dev/null || fail "device 1 reads"
wait_for 10 sh -c "env CHAT_PASSWORD=pb XDG_CONFIG_HOME='$T/cfg2' '$BIN/chatc' -s 127.0.0.1:$CHATD_PORT -n bob history alice --limit 1 --json | grep -q '\"read\":true'"
echo ok
