#!/bin/sh
# chat-tui's screen, on its own (no server to reach): the contact list
# from the local history, a CJK nickname and emoji lined up in the list,
# the conversation and the input line, picking a contact by typing part
# of its name, a message typed while offline kept as "sending" in the
# outbox and on disk, the help, and Alt+Enter for a multi-line message.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/tui.sh"

tui_seed_history a alex 狗哥alex "i 你好 alex 😀 welcome" "o hi 狗哥 👍 thanks"
tui_seed_history a alex bob "i hello from bob"
tui_start a -n alex -s 127.0.0.1:1
tui_wait a 'alex@127\.0\.0\.1:1'
tui_wait a '狗哥alex'
tui_wait a '^  bob'
# The list is active: the status bar says what Enter does.
tui_wait a 'Enter: open (狗哥alex|bob)$'

# The list's border is in the same column on every row, CJK or not.
r1=$(tui_row a '狗哥alex')
r2=$(tui_row a '^  bob')
expect_eq "border after 狗哥alex" "$(tui_col a "$r1" │)" 19
expect_eq "border after bob" "$(tui_col a "$r2" │)" 19

# Pick it by typing part of the name: typed on the input line, it
# filters the list.
tui_type a "狗"
tui_wait a '^> 狗$'
tui_wait a 'Enter: open 狗哥alex$'
tui_wait_not a '^  bob'
tui_keys a Enter
tui_wait a '你好 alex 😀 welcome'
tui_wait a 'hi 狗哥 👍 thanks \(read\)'
tui_wait a '^>$'
tui_wait a 'Enter: send to 狗哥alex$'
r=$(tui_row a '你好 alex')
expect_eq "conversation column" "$(tui_col a "$r" 你好)" $((20 + 6 + 8 + 2))
r=$(tui_row a 'thanks \(read\)')
expect_eq "state after emoji" "$(tui_col a "$r" '(read)')" $((20 + 6 + 6 + 3 + 5 + 3 + 7))
tui_wait a '│-+ [A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} [0-9]{4} -+$'

# The cursor is where the next character goes, after wide ones too.
tui_type a "狗哥alex😀"
tui_wait a '^> 狗哥alex😀'
expect_eq "cursor after CJK and emoji" "$(tui_fmt a '#{cursor_x}')" 12
tui_keys a Home Right
poll 5 tui_cursor_at a 4
expect_eq "cursor after one wide character" "$(tui_fmt a '#{cursor_x}')" 4
tui_keys a C-k C-a C-k

# Offline, a message waits in the outbox, marked, and is kept on disk.
tui_type a "are you there?"
tui_keys a Enter
tui_wait a 'alex: are you there\? \(sending\)'
tui_wait a '1 queued'
grep -q 'are you there?' "$T/a/data/chat-tui/alex/"*.log ||
    fail "the outbox is not in the history"

# Alt+Enter makes a new line; Enter sends both lines as one message.
tui_type a "line one"
tui_keys a M-Enter
tui_type a "line two"
tui_wait a '^  line two'
tui_keys a Enter
tui_wait a 'alex: line one$'
tui_wait a '^ *│line two \(sending\)'
tui_wait a '2 queued'

# The help covers the screen until any key; F1 shows it too.
tui_type a "/help"
tui_keys a Enter
tui_wait a 'Commands:'
tui_wait a '/add NICK'
tui_wait a 'any key: close help$'
tui_keys a Escape
tui_wait_not a 'Commands:'
tui_wait a 'are you there'
tui_keys a F1
tui_wait a '/query NICK'
tui_keys a x
tui_wait_not a '/query NICK'
tui_wait a '^>$'

# Ctrl-N opens the next conversation.
tui_keys a C-n
tui_wait a 'hello from bob'
tui_keys a /quit Enter
expect_eq "exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a

# A restart shows the past, and the outbox is still there.
tui_start a -n alex -s 127.0.0.1:1
tui_wait a '2 queued'
exit 0
