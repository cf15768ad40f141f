#!/bin/sh
# Resizing chat-tui: down to 20x5 (and smaller still) and back, with a
# conversation open, wide characters and a long message to rewrap.  It
# never dies, every size draws a sensible screen, and back at 80x24 the
# screen is exactly what it was: no garbage left behind.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/tui.sh"

long="狗哥 😀 a message long enough to wrap on every small size, with 👍🏽 and 🇫🇷 and e\
́ too"
tui_seed_history a alex 狗哥alex "i 你好 alex 😀" "o $long"
tui_start a -n alex -s 127.0.0.1:1
tui_wait a '狗哥alex'
tui_keys a Enter
tui_wait a 'too \(read\)'
tui_type a "draft 你好"
tui_wait a '^> draft 你好'
tui_settle a >"$T/before.txt"
pid=$(tui_pid a)
[ -n "$pid" ] || fail "no chat-tui process"

# 20x5: the conversation, the input line and what Enter does still
# show; the status bar gives its room to that.
tui_resize a 20 5
tui_wait a '^Enter: send to 狗哥a'
tui_wait a '^> draft 你好'
tui_wait a '\(read\)'
expect_eq "cursor at 20x5" "$(tui_fmt a '#{cursor_x},#{cursor_y}')" "12,4"
# Tab shows the contact list in its place, keeping the draft aside;
# Tab again the conversation, with the draft.
tui_keys a Tab
tui_wait a '^  狗哥alex'
tui_wait a 'Enter: open 狗哥alex$'
tui_keys a Tab
tui_wait a '^> draft 你好'

# A burst of sizes, some too small for anything.  The pause between two
# is part of the burst, not a wait: chat-tui is meant to get each size
# while it may still be drawing the one before.
for size in "30 8" "19 4" "10 3" "5 2" "1 1" "3 10" "200 50" "21 5" "41 12"; do
	tui_resize a $size
	sleep 0.05
	kill -0 "$pid" 2>/dev/null || fail "chat-tui died at $size"
done
tui_resize a 5 2
tui_wait a 'chat-'
kill -0 "$pid" 2>/dev/null || fail "chat-tui died at 5x2"

tui_resize a 80 24
tui_wait_screen a "$T/before.txt"
expect_eq "cursor back at 80x24" "$(tui_fmt a '#{cursor_x},#{cursor_y}')" "12,23"

tui_keys a C-c
expect_eq "exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a
exit 0
