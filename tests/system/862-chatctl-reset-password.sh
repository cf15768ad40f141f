#!/bin/sh
# chatctl reset-password prints a new random password: it logs in, the
# old one no longer does, the account's live session is signed out and
# its device tokens are revoked.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice old-password
ctl() { "$BIN/chatctl" -D "$T/d.state" "$@"; }

n=$(logins d)
chat alice listen --timeout 60 >/dev/null 2>"$T/alice.err" &
lp=$!
wait_for 10 has_logins d $((n + 1))

expect_rc "reset-password" 0 ctl reset-password alice
pw=$OUT
expect_match "the new password" "$pw" "^[A-Za-z2-9]{16}$"
poll 5 sh -c "! kill -0 $lp 2>/dev/null" ||
    fail "alice's session is still up after reset-password"
wait $lp
expect_eq "alice's listen exit" "$?" 77
expect_match "alice's listen says" "$(cat "$T/alice.err")" \
    "administrator reset the account's password"

login() {	# login CONFIG PASSWORD: chatc who with that password only
	env XDG_CONFIG_HOME="$T/$1" CHAT_PASSWORD="$2" "$BIN/chatc" \
	    -s "127.0.0.1:$CHATD_PORT" -n alice who
}
expect_rc "old password" 77 login c1 old-password
expect_match "old password refused" "$ERR" "wrong password"
expect_rc "new password" 0 login c2 "$pw"

# Two resets give two different passwords; only the last works.
expect_rc "reset again" 0 ctl reset-password alice
[ "$OUT" != "$pw" ] || fail "the same password twice"
expect_rc "the first new password" 77 login c3 "$pw"
wait_log "$T/d.log" "control: uid $(id -u) pid [0-9]+: reset-password alice: alice has a new password"
echo ok
