#!/bin/sh
# Messages to an offline user wait in the store and arrive in order when
# it comes online; messages to an online user arrive at once, in order,
# multi-line and Unicode text intact.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
befriend alice bob

# bob is offline: 30 messages are stored.
i=1
while [ $i -le 30 ]; do echo "offline $i"; i=$((i + 1)); done >"$T/want"
chat alice send bob --lines <"$T/want" >"$T/acc" 2>"$T/err" ||
    fail "send --lines: $(cat "$T/err")"
expect_eq "accepted count" "$(wc -l <"$T/acc")" 30
chat bob listen --count 30 --timeout 10 >"$T/got" || fail "listen failed"
cut -f3 "$T/got" >"$T/got.text"
cmp -s "$T/want" "$T/got.text" || fail "offline order: $(cat "$T/got.text")"
cut -f2 "$T/got" | sort -u >"$T/from"
expect_eq "sender" "$(cat "$T/from")" "alice"
expect_match "time field" "$(head -n 1 "$T/got" | cut -f1)" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'

# Delivered messages are not delivered again.
chat bob listen --timeout 1 >"$T/again"
expect_eq "nothing left" "$(wc -l <"$T/again")" 0

# bob is online: messages arrive while he listens, in order.
n=$(logins d)
chat bob listen --count 21 --timeout 15 >"$T/live" &
lp=$!
wait_for 10 has_logins d $((n + 1))
chat alice send bob "line one
line two, 狗哥 ✓" || fail "multi-line send"
i=1
while [ $i -le 20 ]; do echo "online $i"; i=$((i + 1)); done >"$T/want2"
chat alice send bob --lines <"$T/want2" >/dev/null || fail "online burst"
wait $lp || fail "online listen failed"
expect_eq "multi-line text" "$(head -n 1 "$T/live" | cut -f3)" \
    'line one\nline two, 狗哥 ✓'
tail -n 20 "$T/live" | cut -f3 >"$T/got2"
cmp -s "$T/want2" "$T/got2" || fail "online order: $(cat "$T/got2")"

# JSON output.
chat alice send bob 'say "hi"	tab' || fail "send for json"
out=$(chat bob listen --count 1 --timeout 5 --json)
expect_match "json" "$out" \
    '^\{"time":"[0-9T:Z-]+","id":[0-9]+,"from":"alice","text":"say \\"hi\\"\\ttab"\}$'

echo ok
