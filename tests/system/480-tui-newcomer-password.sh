#!/bin/sh
# The first keys a newcomer tries, right after typing the password at the
# prompt (481 runs the same with a stored device token): Enter at once
# opens the highlighted contact; Down then Enter opens the next; part of
# a name then Enter opens that one; /add NICK at once adds the contact
# (nothing named after the command), and a name chatd does not know is
# refused and never listed; text typed before any conversation is open
# stays on the input line until a contact is picked, then goes.  Each
# time the reply typed next reaches the other side.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

mode=${1:-password}
start_chatd c
register alice pw-a
register bob pw-b
register 狗哥alex pw-c
register carol pw-d
chatp pw-a alice contacts add bob >/dev/null || fail "add bob"
chatp pw-a alice contacts add 狗哥alex >/dev/null || fail "add 狗哥alex"

# got NICK PASSWORD TEXT: NICK's next message (read with chatc) is TEXT.
got() {
	chatp "$2" "$1" -t 20 listen --count 1 --timeout 15 >"$T/got" 2>&1 ||
	    fail "$1 received nothing: $(cat "$T/got")"
	grep -q "$3\$" "$T/got" || fail "$1 got '$(cat "$T/got")', not '$3'"
}

# fresh: chat-tui as alice, started the way this test is about.
fresh() {
	tui_fresh a "$mode" alice pw-a
	tui_wait a '^  bob'
}

if [ "$mode" = token ]; then
	tui_fresh a password alice pw-a		# leaves the token
fi

# Enter right away: the highlighted contact (bob, the first) opens.
fresh
tui_wait a 'Enter: open bob$'
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| bob'
tui_wait a 'Enter: send to bob$'
tui_type a "hi bob, first try"
tui_keys a Enter
tui_wait a 'alice: hi bob, first try \((accepted|delivered|read)\)'
got bob pw-b 'hi bob, first try'

# Down then Enter: from bob (the most recent) to the next, 狗哥alex.
fresh
tui_wait a 'Enter: open bob$'
tui_keys a Down
tui_wait a 'Enter: open 狗哥alex$'
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| 狗哥alex'
tui_type a "你好 狗哥"
tui_keys a Enter
tui_wait a 'alice: 你好 狗哥 \((accepted|delivered|read)\)'
got 狗哥alex pw-c '你好 狗哥'

# Part of a name then Enter: that one; the name is not left as text.
fresh
tui_type a ale
tui_wait a 'Enter: open 狗哥alex$'
tui_wait_not a '^  bob'
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| 狗哥alex'
tui_wait a '^>$'
tui_type a "found you"
tui_keys a Enter
tui_wait a 'alice: found you \((accepted|delivered|read)\)'
got 狗哥alex pw-c 'found you'

# /add right away: carol is added and opened; no contact is named after
# the command.  A nickname chatd does not know is refused, never listed.
fresh
tui_type a "/add carol"
tui_wait a 'Enter: run /add$'
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| carol'
tui_wait a '^  carol'
tui_type a "/add nobody"
tui_keys a Enter
tui_wait a 'add nobody refused: unknown user'
tui_lacks a '^[ +~] (/add|nobody)' || { tui_show a; fail "a listed name"; }
chatp pw-a alice contacts >"$T/contacts" || fail "contacts"
grep -q carol "$T/contacts" || fail "carol is not a contact"
grep -Eq 'add|nobody' "$T/contacts" && fail "contacts: $(cat "$T/contacts")"
tui_type a "welcome carol"
tui_keys a Enter
got carol pw-d 'welcome carol'

# Text typed before any conversation is open stays there, with a hint,
# until a contact is picked; then Enter sends it.
fresh
tui_type a "early words"
tui_keys a Enter
tui_wait a 'no contact matches that'
tui_wait a '^> early words$'
tui_keys a Down
tui_wait a 'Enter: open bob$'
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| bob'
tui_wait a '^> early words$'
tui_keys a Enter
tui_wait a 'alice: early words \((accepted|delivered|read)\)'
got bob pw-b 'early words'

tui_keys a C-c
expect_eq "exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a
exit 0
