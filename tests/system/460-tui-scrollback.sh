#!/bin/sh
# Scrollback: PageUp goes back through the local history; a message that
# arrives while reading further up does not move the view but shows a
# "new below" marker (and rings the bell); PageDown back to the end
# shows it, removes the marker and follows new messages again.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/tui.sh"

start_chatd c
register alice secret-a
register bob secret-b
# Contacts, so that bob's messages are not a request (which would add a
# Requests section to the list while alice reads).
chatp secret-a alice contacts add bob >/dev/null || fail "alice asks bob"
chatp secret-b bob accept alice >/dev/null || fail "bob accepts"
set --
i=1
while [ $i -le 60 ]; do
	if [ $((i % 2)) = 0 ]; then set -- "$@" "o old message $i"
	else set -- "$@" "i old message $i"; fi
	i=$((i + 1))
done
tui_seed_history a alice bob "$@"
tui_start a -n alice -s "127.0.0.1:$CHATD_PORT"
tui_wait a '^\[connected\] alice@'
tui_type a bob
tui_keys a Enter
tui_wait a 'old message 60 \(read\)'
tui_wait_not a 'old message 30 '

# Back a page: older messages, the newest out of view.
tui_keys a PageUp
tui_wait_not a 'old message 60 '
tui_wait a 'old message 30 '
tui_settle a | sed -n '1,20p' >"$T/reading.txt"

# A new message while reading: the view stays, the marker counts it.
chatp secret-b bob send alice "a new one while you read" >/dev/null 2>"$T/send.err" ||
    fail "chatc send: $(cat "$T/send.err")"
tui_wait a '1 new below \(PageDown\)'
tui_screen a | sed -n '1,20p' >"$T/still.txt"
diff "$T/reading.txt" "$T/still.txt" >&2 || fail "the view moved while reading"
tui_wait_not a 'a new one while you read'

# PageDown to the end: the message, no marker, following again.
tui_keys a PageDown PageDown PageDown PageDown
tui_wait a 'bob: a new one while you read$'
tui_wait_not a 'new below'
chatp secret-b bob send alice "and one more" >/dev/null 2>"$T/send.err" ||
    fail "chatc send: $(cat "$T/send.err")"
tui_wait a 'bob: and one more$'
tui_wait_not a 'new below'

# Back to the very start of the history.
i=0
while [ $i -lt 12 ]; do tui_keys a PageUp; i=$((i + 1)); done
tui_wait a 'bob: old message 1$'
tui_wait a '│-+ [A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} [0-9]{4} -+$'
exit 0
