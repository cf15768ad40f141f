#!/bin/sh
# A newcomer gets a message from a stranger: chat-tui shows "1 request"
# in the status bar and the stranger under Requests, with what they
# wrote; the keys a newcomer presses (Down to it, Enter) accept it, the
# stranger becomes a contact (presence flows: chatc as the stranger sees
# carol online), and the message is there in the conversation.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register carol secret-carol
register dave secret-dave

tui_start carol -n carol -s "127.0.0.1:$CHATD_PORT"
tui_wait carol '^\[connected\] carol@127\.0\.0\.1'
tui_wait carol 'No contacts yet'

expect_rc "dave writes to carol" 0 \
    chatp secret-dave dave send carol "hi carol, dave from the climbing gym"
tui_wait carol '^\[connected\] carol@[^|]*\| 1 request'
tui_wait carol '^Requests +│'
tui_wait carol '^  dave +1│'
# The highlighted request says who asks, what they wrote, and the keys.
tui_wait carol 'dave asks to be your contact'
tui_wait carol 'dave: hi carol, dave from the climbing gym'
tui_wait carol 'Enter: accept dave; Del: decline$'
expect_rc "dave's contacts before" 0 chatp secret-dave dave contacts
expect_match "carol hidden from dave before" "$OUT" "^carol	offline	-$"

tui_keys carol Down
tui_keys carol Enter
tui_wait carol 'dave is a contact now'
tui_wait carol 'dave: hi carol, dave from the climbing gym$'
tui_wait carol '\| dave \((online|offline)'
tui_wait_not carol 'request'
tui_wait_not carol '^Requests'
# Presence flows both ways now: dave sees carol online.
expect_rc "dave's contacts after" 0 chatp secret-dave dave contacts
expect_match "carol online to dave" "$OUT" "^carol	online	"

tui_keys carol C-c
expect_eq "carol's chat-tui exit status" "$(tui_wait_exit carol)" "exit 0"
tui_restored carol
echo ok
