#!/bin/sh
# Registration and logins: success, a Unicode nickname, case-insensitive
# names, and a clear message and exit status for every error.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d

expect_rc "register alice" 0 chatp "pw-a" alice register
expect_eq "register output" "$OUT" "registered alice"
expect_rc "register a Unicode nick" 0 chatp "pw-g" 狗哥alex register
expect_eq "Unicode nick" "$OUT" "registered 狗哥alex"

expect_rc "Alice is alice" 73 chatp "x" Alice register
expect_match "taken message" "$ERR" "nickname already taken"
expect_eq "one line" "$(wc -l <"$T/err")" 1

expect_rc "white space" 65 chatp "x" "bad nick" register
expect_match "invalid message" "$ERR" "invalid nickname"
expect_rc "33 characters" 65 chatp x \
    abcdefghijklmnopqrstuvwxyz0123456 register
expect_rc "control character" 65 chatp x \
    "$(printf 'a\001b')" register
expect_rc "empty password" 65 chatp "" carol register

expect_rc "wrong password" 77 chatp "nope" alice who
expect_match "wrong password message" "$ERR" "wrong password"
expect_rc "unknown user" 67 chatp "x" nobody who
expect_match "unknown user message" "$ERR" "unknown user"

# The right password, in any case of the name; a device token after that.
expect_rc "login as ALICE" 0 chatp "pw-a" ALICE visible on
expect_match "alice now listed by who" "$OUT" "visible	on"
expect_rc "who" 0 chatp "pw-a" alice who
expect_match "who lists alice" "$OUT" "alice"
expect_rc "token login" 0 chat alice who
tokens="$T/cfg/udp-suite/chatc-tokens"
expect_eq "token file mode" "$(stat -c %a "$tokens")" 600
grep -q pw-a "$tokens" && fail "the password is in the token file"

# passwd revokes the token; the new password works, the old does not.
NEWPW=pw-b
expect_rc "passwd" 0 chatp pw-a alice passwd
NEWPW=
expect_rc "old password" 77 chatp "pw-a" alice who
expect_rc "new password" 0 chatp "pw-b" alice who

# Registration switched off by the config.
kill -TERM "$CHATD_PID"; wait "$CHATD_PID"
CHATD_CONF='registration = no' start_chatd d2
expect_rc "registration disabled" 77 chatp "x" dave register
expect_match "disabled message" "$ERR" "disabled"

# No server at all.
kill -TERM "$CHATD_PID"; wait "$CHATD_PID"
expect_rc "no server" 69 chatp "x" alice -t 1 who
expect_match "unreachable message" "$ERR" "no answer"
echo ok
