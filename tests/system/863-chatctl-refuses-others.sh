#!/bin/sh
# Only chatd's own user and root may use its control socket.  The file's
# mode (0600) refuses anyone else; and if it is opened to all (chmod
# 0666), chatd itself refuses the peer by its credentials (SO_PEERCRED)
# and logs it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

[ "$(id -u)" = 0 ] || { echo "skip: needs root to run as nobody"; exit 0; }
id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 0; }
start_chatd d
register alice pa
sock=$T/d.state/chatd.ctl
as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    "$BIN/chatctl" -D "$T/d.state" "$@"
}
# nobody may reach the folder (not read it): only the socket's mode is
# in the way.
chmod 0711 "$T" "$T/d.state"
chmod 0755 "$BIN/chatctl" 2>/dev/null

expect_rc "nobody, socket 0600" 4 as_nobody status
expect_match "nobody is told" "$ERR" "permission denied: $sock"
expect_rc "nobody, socket 0600, --json" 4 as_nobody --json lock alice
printf '%s' "$OUT" | python3 -m json.tool >/dev/null ||
    fail "--json refusal is not JSON: $OUT"

# The socket opened to everyone: chatd refuses by the peer's uid.
chmod 0666 "$sock"
expect_rc "nobody, socket 0666" 4 as_nobody lock alice
expect_match "chatd's refusal" "$ERR" "permission denied: uid $(id -u nobody) may not administer chatd"
wait_log "$T/d.log" "control: refused uid $(id -u nobody) pid [0-9]+: neither chatd's user"
expect_rc "alice is not locked" 0 "$BIN/chatctl" -D "$T/d.state" user alice
expect_match "not locked" "$OUT" "
locked +no
"
chat alice who >/dev/null || fail "alice cannot log in after the refused lock"
# Root still may.
expect_rc "root" 0 "$BIN/chatctl" -D "$T/d.state" status
echo ok
