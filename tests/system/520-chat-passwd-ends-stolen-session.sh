#!/bin/sh
# A password change ends every other session of the account: a thief
# with a copy of the device token, listening, is signed out at once
# (issue 3), and the copied token no longer logs in.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

# The thief copies alice's token file (and pins) to a folder of its own,
# and keeps a second copy (chatc forgets a token the server refuses).
mkdir -p "$T/thief/udp-suite" "$T/thief2/udp-suite"
cp "$T/cfg/udp-suite/"* "$T/thief/udp-suite/"
cp "$T/cfg/udp-suite/"* "$T/thief2/udp-suite/"
thief() {
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/thief" "$BIN/chatc" \
	    -s "127.0.0.1:$CHATD_PORT" -n alice "$@"
}

n=$(logins d)
thief listen --timeout 30 >"$T/stolen" 2>"$T/thief.err" &
tp=$!
wait_for 10 has_logins d $((n + 1))
chat bob send alice "before" --wait || fail "send before"
wait_lines "$T/stolen" 1

NEWPW=pa2 chatp pa alice passwd >/dev/null || fail "passwd"
# The thief's listen ends at once, long before its timeout, and says so.
poll 5 sh -c "! kill -0 $tp 2>/dev/null" ||
    fail "the stolen session is still listening after passwd"
wait $tp
rc=$?
expect_eq "thief's listen exit" "$rc" 77
expect_match "thief's message" "$(cat "$T/thief.err")" "signed out"

# Nothing sent afterwards reaches it, and the copied token is refused.
chat bob send alice "after" || fail "send after"
expect_eq "thief saw" "$(cut -f3 "$T/stolen" | tr '\n' ' ')" "before "
expect_rc "stolen token after passwd" 77 env -u CHAT_PASSWORD \
    XDG_CONFIG_HOME="$T/thief2" "$BIN/chatc" -s "127.0.0.1:$CHATD_PORT" \
    -n alice who
expect_match "refused token" "$ERR" "revoked"

# The owner logs in with the new password.
chatp pa2 alice who >/dev/null || fail "login with the new password"
echo ok
