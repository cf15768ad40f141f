#!/bin/sh
# The terminal is always given back: after /quit, Ctrl-C, SIGTERM and
# SIGHUP the tty settings are what they were, the alternate screen is
# left and the cursor shows; Ctrl-Z gives the terminal back while
# stopped, and after the continue the screen is drawn again.  No message
# ever lands on the screen: the log goes to $XDG_STATE_HOME.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/tui.sh"

# SIGTERM with a half-typed message.
tui_start a -n alex -s 127.0.0.1:1
tui_wait a '/add NICK: add one$'
tui_type a "unsent 狗哥"
tui_wait a '^> unsent 狗哥'
pid=$(tui_pid a)
kill -TERM "$pid"
expect_eq "exit status after SIGTERM" "$(tui_wait_exit a)" "exit 0"
tui_restored a
tui_wait_not a 'unsent'
grep -q "signal 15: quitting" "$T/a/state/chat-tui/chat-tui.log" ||
    fail "the log file does not say why chat-tui stopped"

# SIGHUP (the terminal went away) and Ctrl-C.
tui_start a -n alex -s 127.0.0.1:1
tui_wait a '/add NICK: add one$'
kill -HUP "$(tui_pid a)"
expect_eq "exit status after SIGHUP" "$(tui_wait_exit a)" "exit 0"
tui_restored a
tui_start a -n alex -s 127.0.0.1:1
tui_wait a '/add NICK: add one$'
tui_keys a C-c
expect_eq "exit status after Ctrl-C" "$(tui_wait_exit a)" "exit 0"
tui_restored a

# Ctrl-Z: stopped with the terminal as it was; then continued, redrawn.
tui_start a -n alex -s 127.0.0.1:1
tui_wait a '/add NICK: add one$'
pid=$(tui_pid a)
tty=$(tui_fmt a '#{pane_tty}')
tui_keys a C-z
stopped() {
	ps -o stat= -p "$pid" | grep -q T
}
poll "$TUI_WAIT" stopped || fail "Ctrl-Z did not stop chat-tui"
stty -a <"$tty" >"$T/stopped.stty"
cmp -s "$T/a.stty.before" "$T/stopped.stty" || {
	diff "$T/a.stty.before" "$T/stopped.stty" >&2
	fail "terminal not restored while stopped"
}
expect_eq "alternate screen left while stopped" "$(tui_fmt a '#{alternate_on}')" 0
kill -CONT "$pid"
tui_wait a '/add NICK: add one$'
tui_wait a 'alex@127\.0\.0\.1:1'
expect_eq "alternate screen again" "$(tui_fmt a '#{alternate_on}')" 1
tui_type a "/quit"
tui_keys a Enter
expect_eq "exit status after fg and /quit" "$(tui_wait_exit a)" "exit 0"
tui_restored a
if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' \
    "$T/a/state/chat-tui/chat-tui.log"; then
	cat "$T/a/state/chat-tui/chat-tui.log" >&2
	fail "sanitizer report in the log"
fi
exit 0
