#!/bin/sh
# chatctl against a running chatd: status, users, user, sessions, kick
# and reload answer what a user of the chat sees; --json gives one JSON
# document for every command; errors have distinct exit statuses
# (1 failed, 2 usage, 3 no chatd) and say what is wrong.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc
ctl() { "$BIN/chatctl" -D "$T/d.state" "$@"; }

# The socket: in the state directory, mode 0600, chatd's owner.
expect_eq "socket mode" "$(stat -c '%a %U' "$T/d.state/chatd.ctl")" \
    "600 $(id -un)"

expect_rc "--version" 0 ctl --version
expect_match "--version" "$OUT" "^chatctl \(udp-suite\) "
expect_rc "--help" 0 ctl --help
expect_match "--help" "$OUT" "reset-password NICK"

# bob listens: one session, logged in.
n=$(logins d)
chat bob listen --timeout 60 >"$T/bob.out" 2>"$T/bob.err" &
bp=$!
wait_for 10 has_logins d $((n + 1))

expect_rc "status" 0 ctl status
expect_match "status version" "$OUT" "^version +0\."
expect_match "status accounts" "$OUT" "
accounts +3
"
expect_match "status logged in" "$OUT" "
logged_in +1
"
expect_match "status users online" "$OUT" "
users_online +1
"

# A message for carol, who is offline, waits.
chat alice send carol "hello carol" || fail "send to carol"
expect_rc "status queued" 0 ctl --json status
expect_eq "queued" "$(printf '%s' "$OUT" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["queued"])')" 1

expect_rc "users" 0 ctl users
expect_eq "users" "$(printf '%s\n' "$OUT" | cut -f1,2,3 | tr '\t\n' ', ')" \
    "alice,no,0 bob,yes,1 carol,no,0 "
expect_rc "users pattern" 0 ctl users 'B*'
expect_eq "users B*" "$(printf '%s\n' "$OUT" | cut -f1)" "bob"
expect_rc "users no match" 0 ctl users 'zz*'
expect_eq "users zz*" "$OUT" ""

expect_rc "user carol" 0 ctl user carol
expect_match "user carol queued" "$OUT" "
queued +1
"
expect_match "user carol locked" "$OUT" "
locked +no
"
expect_match "user carol device" "$OUT" "devices:
[0-9]+	chatc on "
expect_rc "user Bob (any case)" 0 ctl user Bob
expect_match "user bob online" "$OUT" "
online +yes
sessions +1
"

expect_rc "sessions" 0 ctl sessions
expect_match "sessions" "$OUT" "^[0-9a-f]{16}	bob	127\.0\.0\.1:[0-9]+	20[0-9-]+T[0-9:]+Z	chatc on "

# Every command's --json is one JSON document.
for c in status users "user alice" sessions reload "lock carol" \
    "unlock carol"; do
	# shellcheck disable=SC2086
	expect_rc "--json $c" 0 ctl --json $c
	printf '%s' "$OUT" | python3 -m json.tool >/dev/null ||
	    fail "--json $c: not JSON: $OUT"
done
expect_rc "--json reset-password" 0 ctl --json reset-password carol
printf '%s' "$OUT" | python3 -c 'import json,sys
d = json.load(sys.stdin)
assert d["nick"] == "carol" and len(d["password"]) == 16, d' ||
    fail "reset-password --json: $OUT"
expect_rc "--json users is an array" 0 ctl --json users
expect_eq "--json users" "$(printf '%s' "$OUT" | python3 -c \
    'import json,sys; print(" ".join(u["nick"] + ":" + str(u["online"]) for u in json.load(sys.stdin)))')" \
    "alice:False bob:True carol:False"

# reload is SIGHUP's: chatd logs it.
expect_rc "reload" 0 ctl reload
expect_eq "reload says" "$OUT" "configuration reloaded"
wait_log "$T/d.log" "configuration reloaded from"

# kick ends bob's session at once, and bob must log in again: a copy of
# his device token (chatc forgets the one it has) no longer works.
mkdir -p "$T/copy/udp-suite"
cp "$T/cfg/udp-suite/"* "$T/copy/udp-suite/"
expect_rc "kick" 0 ctl kick bob
expect_eq "kick says" "$OUT" "bob signed out, device tokens revoked (1 session ended)"
poll 5 sh -c "! kill -0 $bp 2>/dev/null" ||
    fail "bob's listen is still running after kick"
wait $bp
expect_eq "bob's listen exit" "$?" 77
expect_match "bob's listen says" "$(cat "$T/bob.err")" "signed out by the administrator"
expect_rc "bob's token after kick" 77 env -u CHAT_PASSWORD \
    XDG_CONFIG_HOME="$T/copy" "$BIN/chatc" -s "127.0.0.1:$CHATD_PORT" -n bob who
expect_match "bob's token refused" "$ERR" "revoked"
chatp pb bob who >/dev/null || fail "bob's password after kick"

# Errors: unknown user (1), usage (2), no chatd (3); --json says so too.
expect_rc "unknown user" 1 ctl user nosuchuser
expect_eq "unknown user says" "$ERR" "chatctl: no account nosuchuser"
expect_rc "unknown user lock" 1 ctl lock nosuchuser
expect_rc "unknown user --json" 1 ctl --json user nosuchuser
expect_eq "unknown user --json" "$(printf '%s' "$OUT" | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["error"])')" "unknown-user"
expect_rc "no command" 2 ctl
expect_rc "unknown command" 2 ctl frobnicate
expect_match "unknown command says" "$ERR" "unknown command frobnicate"
expect_rc "missing argument" 2 ctl lock
expect_match "missing argument says" "$ERR" "usage: chatctl lock NICK"
expect_rc "extra argument" 2 ctl status now
expect_rc "no chatd here" 3 ctl -D "$T/nowhere" status
expect_match "no chatd says" "$ERR" "no control socket $T/nowhere/chatd.ctl"
expect_rc "no chatd --json" 3 ctl --json -D "$T/nowhere" status
printf '%s' "$OUT" | python3 -m json.tool >/dev/null ||
    fail "--json error is not JSON: $OUT"

# chatd stopped: the socket goes with it.
kill -TERM "$CHATD_PID"
wait "$CHATD_PID"
[ ! -e "$T/d.state/chatd.ctl" ] || fail "the socket outlived chatd"
expect_rc "chatd stopped" 3 ctl status
echo ok
