#!/bin/sh
# Two people chat through a real chatd with chat-tui: each adds the
# other, picks the conversation, and sees the other's text; the sender
# sees its message go from accepted to delivered to read.  The CJK
# nickname 狗哥alex and emoji line up in the contact list and the
# conversation, and the other's presence shows in the list.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register 狗哥alex secret-b

tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_start b -n 狗哥alex -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@127\.0\.0\.1'
tui_wait b '^\[connected\] 狗哥alex@127\.0\.0\.1'

# Each adds the other, right away (the list is active, / starts a
# command); /add opens the conversation once chatd has taken it.
tui_type a "/add 狗哥alex"
tui_keys a Enter
tui_wait a '^\[connected\] alice@[^|]*\| 狗哥alex'
tui_type b "/add alice"
tui_keys b Enter
tui_wait b '\| alice \(online\)'
tui_wait a '^\+ 狗哥alex'
tui_wait a '\| 狗哥alex \(online\)'

# alice writes; 狗哥alex's client has it (delivered) and shows it.
tui_type a "hello 狗哥 😀 how are you?"
tui_keys a Enter
tui_wait a 'alice: hello 狗哥 😀 how are you\? \((accepted|delivered|read)\)'
tui_wait b 'alice: hello 狗哥 😀 how are you\?$'
# 狗哥alex has the conversation open and at the end: it is read.
tui_wait a 'how are you\? \(read\)'

# The reply, with emoji; alice sees it and the receipts come back.
tui_type b "你好 alice 👍 fine"
tui_keys b Enter
tui_wait a '狗哥alex: 你好 alice 👍 fine$'
tui_wait b '你好 alice 👍 fine \(read\)'

# Columns: the list border, and the text after the CJK nickname.
r=$(tui_row a '^\+ 狗哥alex')
expect_eq "list border on alice's screen" "$(tui_col a "$r" │)" 19
r=$(tui_row a '狗哥alex: 你好')
expect_eq "text after the CJK nickname" "$(tui_col a "$r" 你好)" \
    $((20 + 6 + 8 + 2))
r=$(tui_row b 'alice: hello')
expect_eq "text on 狗哥alex's screen" "$(tui_col b "$r" hello)" \
    $((20 + 6 + 7))
r=$(tui_row b 'how are you')
expect_eq "text after the emoji" "$(tui_col b "$r" how)" \
    $((20 + 6 + 7 + 6 + 5 + 3))

# A message to a conversation not in view: unread count and marker.
tui_type b "/open bob"
tui_keys b Enter
tui_type a "are you there?"
tui_keys a Enter
tui_wait b '^\+ alice +1│'
tui_keys b M-a
tui_wait b 'alice: are you there\?$'
tui_wait a 'are you there\? \(read\)'

tui_type a /quit
tui_keys a Enter
expect_eq "alice's chat-tui exit status" "$(tui_wait_exit a)" "exit 0"
tui_restored a
tui_keys b C-c
expect_eq "狗哥alex's chat-tui exit status" "$(tui_wait_exit b)" "exit 0"
tui_restored b
exit 0
