#!/bin/sh
# chat-tui's command line: --help, --version, --configtest on embedded
# defaults and on files, errors that name file:section:key, exit codes,
# and a clear refusal without a terminal.
. "$(dirname "$0")/../lib/common.sh"

"$BIN/chat-tui" --help >"$T/help.out" || fail "--help exit status"
for opt in -s -n -c --configtest; do
	grep -q -- "$opt" "$T/help.out" || fail "--help does not list $opt"
done
"$BIN/chat-tui" -V | grep -Eq '^chat-tui .* [0-9]+\.[0-9]+' || fail "--version"

HOME=$T XDG_CONFIG_HOME=$T/none "$BIN/chat-tui" --configtest 2>"$T/ct.out" ||
    fail "--configtest on embedded defaults"
grep -q "configuration OK" "$T/ct.out" || fail "--configtest says nothing"
"$BIN/chat-tui" --configtest -c etc/chat-tui.ini 2>/dev/null ||
    fail "--configtest on etc/chat-tui.ini"

# The XDG file is read when there is no -c.
mkdir -p "$T/xdg/chat-tui"
printf '[keys]\nnext_unread = F13\n' >"$T/xdg/chat-tui/chat-tui.ini"
XDG_CONFIG_HOME=$T/xdg "$BIN/chat-tui" --configtest 2>"$T/xdg.out"
expect_eq "exit status for a bad XDG file" "$?" 78
grep -q "chat-tui.ini:keys:next_unread: \"F13\" is not a key" "$T/xdg.out" ||
    fail "bad key message: $(cat "$T/xdg.out")"

printf '[keys]\nnext_conversation = Tab\n' >"$T/dup.ini"
"$BIN/chat-tui" --configtest -c "$T/dup.ini" 2>"$T/dup.out"
expect_eq "exit status for a key bound twice" "$?" 78
grep -q "dup.ini:keys:switch_focus: \"Tab\" is already bound to next_conversation" \
    "$T/dup.out" || fail "double binding message: $(cat "$T/dup.out")"

printf '[colours]\nown = mauve\n' >"$T/col.ini"
"$BIN/chat-tui" --configtest -c "$T/col.ini" 2>"$T/col.out"
expect_eq "exit status for a bad colour" "$?" 78
grep -q "col.ini:colours:own: \"mauve\" is not" "$T/col.out" || fail "colour message"

printf '[chat-tui]\nnickname = two words\n' >"$T/nick.ini"
"$BIN/chat-tui" --configtest -c "$T/nick.ini" 2>"$T/nick.out"
expect_eq "exit status for a bad nickname" "$?" 78
grep -q "nick.ini:chat-tui:nickname:" "$T/nick.out" || fail "nickname message"

printf '[chat-tui]\nbel = no\n' >"$T/unknown.ini"
"$BIN/chat-tui" --configtest -c "$T/unknown.ini" 2>"$T/unknown.out"
expect_eq "exit status for an unknown key" "$?" 78
grep -q "unknown.ini:chat-tui:bel: unknown key" "$T/unknown.out" || fail "unknown key message"

"$BIN/chat-tui" --configtest -c "$T/missing.ini" 2>/dev/null
expect_eq "exit status for a missing -c file" "$?" 78
"$BIN/chat-tui" --configtest -n 'bad nick' 2>/dev/null
expect_eq "exit status for a bad -n" "$?" 64
"$BIN/chat-tui" --no-such-option 2>/dev/null
expect_eq "exit status for a bad option" "$?" 64

# Without a terminal: one clear line, and nothing else happens.
"$BIN/chat-tui" -n alex </dev/null >"$T/notty.out" 2>&1
expect_eq "exit status without a terminal" "$?" 64
grep -q "needs a terminal" "$T/notty.out" || fail "no-terminal message"
exit 0
