#!/bin/sh
# chatctl lock: a locked account's live session ends at once, and it
# cannot log in again, by token or by password, with an error that says
# it is locked; unlock lets it in again with the same device token.
# chatd logs each action with who asked.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
ctl() { "$BIN/chatctl" -D "$T/d.state" "$@"; }

n=$(logins d)
chat alice listen --timeout 60 >"$T/alice.out" 2>"$T/alice.err" &
lp=$!
wait_for 10 has_logins d $((n + 1))
chat bob send alice "before" --wait || fail "send before"
wait_lines "$T/alice.out" 1

expect_rc "lock" 0 ctl lock alice
expect_eq "lock says" "$OUT" "alice locked (1 session ended)"
# The listening session ends, long before its timeout, and says why.
poll 5 sh -c "! kill -0 $lp 2>/dev/null" ||
    fail "alice's listen is still running after the lock"
wait $lp
expect_eq "alice's listen exit" "$?" 77
expect_match "alice's listen says" "$(cat "$T/alice.err")" \
    "account locked by the administrator"

# No login of any kind while locked; messages still wait for her.
expect_rc "token login while locked" 77 chat alice who
expect_match "token login error" "$ERR" "account locked by the administrator"
expect_rc "password login while locked" 77 env XDG_CONFIG_HOME="$T/other" \
    CHAT_PASSWORD=pa "$BIN/chatc" -s "127.0.0.1:$CHATD_PORT" -n alice who
expect_match "password login error" "$ERR" "account locked by the administrator"
chat bob send alice "while locked" || fail "send while locked"
expect_rc "user shows the lock" 0 ctl user alice
expect_match "user locked" "$OUT" "
locked +yes
"
expect_rc "lock again" 0 ctl lock alice
expect_eq "lock again says" "$OUT" "alice was already locked"

expect_rc "unlock" 0 ctl unlock alice
expect_eq "unlock says" "$OUT" "alice unlocked"
# The device token still logs her in, and what waited arrives.
chat alice listen --count 1 --timeout 20 >"$T/after" 2>"$T/after.err" ||
    fail "listen after unlock: $(cat "$T/after.err")"
expect_eq "after unlock" "$(cut -f3 "$T/after")" "while locked"

# Each action in chatd's log, with the peer's uid and pid.
wait_log "$T/d.log" "control: uid $(id -u) pid [0-9]+: lock alice: alice locked, 1 session ended"
wait_log "$T/d.log" "control: uid $(id -u) pid [0-9]+: unlock alice: alice unlocked"
echo ok
