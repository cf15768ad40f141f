#!/bin/sh
# An account's devices are listed with their names, and one revoked:
# that device's session ends and its token is refused, the other device
# keeps working (issue 3).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
# A second device: its own folder, a password login that asks a token.
chat2() {
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/cfg2" "$BIN/chatc" \
	    -s "127.0.0.1:$CHATD_PORT" -n alice "$@"
}
env CHAT_PASSWORD=pa XDG_CONFIG_HOME="$T/cfg2" "$BIN/chatc" \
    -s "127.0.0.1:$CHATD_PORT" -n alice who >/dev/null ||
    fail "second device's login"

expect_rc "devices" 0 chat alice devices
expect_eq "devices listed" "$(printf '%s\n' "$OUT" | wc -l)" 2
host=$(hostname)
expect_match "device names" "$OUT" "	chatc on $host	"
expect_match "this device marked" "$OUT" "	current\$"
# The other device is the one not marked current.
other=$(printf '%s\n' "$OUT" | awk -F '\t' '$5 != "current" { print $1 }')
expect_match "other device's id" "$other" '^[0-9]+$'
expect_match "address shown" "$OUT" "	127\\.0\\.0\\.1	"

n=$(logins d)
chat2 listen --timeout 30 >"$T/two" 2>"$T/two.err" &
lp=$!
wait_for 10 has_logins d $((n + 1))
expect_rc "devices, with one online" 0 chat alice devices
expect_match "other device online" "$OUT" "^$other	.*	online\$"

expect_rc "revoke" 0 chat alice devices revoke "$other"
poll 5 sh -c "! kill -0 $lp 2>/dev/null" ||
    fail "the revoked device is still listening"
wait $lp
expect_eq "revoked device's listen exit" "$?" 77
expect_match "revoked device's message" "$(cat "$T/two.err")" \
    "this device was revoked"
expect_rc "revoked token" 64 chat2 who
# This device still works, and lists one device.
expect_rc "devices after revoke" 0 chat alice devices
expect_eq "devices left" "$(printf '%s\n' "$OUT" | wc -l)" 1
chat alice send bob "still here" || fail "the other device's send"
expect_rc "revoke again" 67 chat alice devices revoke "$other"
expect_match "revoke again" "$ERR" "no such device"
echo ok
