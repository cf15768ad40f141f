#!/bin/sh
# Bracketed paste: a pasted block of several lines is one message in the
# input line (its newlines do not send it), Enter sends it whole, and a
# very large paste asks before it is sent; "n" gives the text back.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/tui.sh"

tui_start a -n alex -s 127.0.0.1:1
tui_wait a '/add NICK: add one$'
tui_type a "/query bob"
tui_keys a Enter
tui_wait a 'Enter: send to bob$'

# tmux wraps the buffer in the paste brackets chat-tui asked for.
printf 'first pasted line\nsecond pasted line\nthird' >"$T/paste3"
tui_tmux load-buffer -b p3 "$T/paste3"
tui_tmux paste-buffer -p -b p3 -t a
tui_wait a '^  third$'
tui_wait a '^> first pasted line$'
tui_wait_not a 'first pasted line \(sending\)'
tui_keys a Enter
tui_wait a 'alex: first pasted line$'
tui_wait a '│second pasted line$'
tui_wait a '│third \(sending\)$'
tui_wait a '\| 1 queued'

# 30 lines: over paste_confirm_lines (20), so a question first.
i=1
while [ $i -le 30 ]; do echo "row $i"; i=$((i + 1)); done >"$T/paste30"
tui_tmux load-buffer -b p30 "$T/paste30"
tui_tmux paste-buffer -p -b p30 -t a
tui_keys a Enter
tui_wait a '^send 30 lines as one message\? \(y/n\)'
tui_keys a n
tui_wait_not a 'send 30 lines'
tui_wait a '\| 1 queued'
tui_keys a Enter
tui_wait a '^send 30 lines as one message\? \(y/n\)'
tui_keys a y
tui_wait a '\| 2 queued'
tui_wait a '│row 30 \(sending\)$'

# Over the 4 KiB a message may hold: refused, and the text stays.
python3 -c 'print("x" * 4200, end="")' >"$T/big"
tui_tmux load-buffer -b big "$T/big"
tui_tmux paste-buffer -p -b big -t a
tui_keys a Enter
tui_wait a 'message too long: 4200 bytes'
tui_wait a '^> xxxxxxxx'
tui_wait a '\| 2 queued'
exit 0
