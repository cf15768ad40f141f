#!/bin/sh
# Read counts: the sender of a group message learns how many members
# have it and have read it, out of how many; readers lists who read it;
# a member whose receipts are off counts as delivered, never as read.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc
register dave pd
mkgroup alice '#rc' bob carol dave
expect_rc "dave: receipts off" 0 chat dave settings receipts off

n=$(logins d)
chat alice listen --events --timeout 60 >"$T/ev" 2>&1 &
lp=$!
wait_for 10 has_logins d $((n + 1))
expect_rc "send" 0 chat alice send '#rc' "read me"
id=$(chat alice history '#rc' --json --limit 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# bob and dave read it (listen prints, so reads); carol does not.
chat bob listen --count 1 --timeout 10 >/dev/null || fail "bob"
chat dave listen --count 1 --timeout 10 >/dev/null || fail "dave"
wait_for 10 grep -Eq "^greceipt	#rc	[0-9]+	2	1	3$" "$T/ev"
! grep -Eq "^greceipt	#rc	[0-9]+	[0-9]	2	" "$T/ev" ||
    fail "dave's read was counted: $(cat "$T/ev")"
expect_rc "readers" 0 chat alice group readers '#rc' "$id"
expect_eq "readers" "$(echo "$OUT" | cut -f1)" "bob"
# carol reads: 3 have it, 2 read.
chat carol listen --count 1 --timeout 10 >/dev/null || fail "carol"
wait_for 10 grep -Eq "^greceipt	#rc	[0-9]+	3	2	3$" "$T/ev"
expect_rc "readers" 0 chat alice group readers '#rc' "$id"
expect_eq "readers" "$(echo "$OUT" | cut -f1 | sort | tr '\n' ,)" "bob,carol,"
stop_bg "$lp"
echo ok
