#!/bin/sh
# kill -9 of chatd in the middle of a burst of sends, then a restart on
# the same port and state: every message the sender saw accepted is
# delivered, and none twice.  The sender's outbox resends what was not
# yet accepted once the server is back, so in the end all are there.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
# alice is bob's contact, so her 400 messages are within the pair quota.
expect_rc "bob adds alice" 0 chat bob contacts add alice

n=400
i=1
while [ $i -le $n ]; do echo "burst $i"; i=$((i + 1)); done >"$T/want"
chat alice -t 40 send bob --lines <"$T/want" >"$T/acc" 2>"$T/send.err" &
sp=$!
# Kill once some, but not all, have been accepted.
i=0
while [ $i -lt 400 ]; do
	[ -s "$T/acc" ] && [ "$(wc -l <"$T/acc")" -ge 20 ] && break
	sleep 0.01
	i=$((i + 1))
done
kill -KILL "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
before=$(wc -l <"$T/acc")
[ "$before" -lt "$n" ] || fail "the burst ended before the kill"
cut -f2 "$T/acc" >"$T/acc.before"

CHATD_PORT_WANT=$CHATD_PORT start_chatd d
wait $sp || fail "sender after the restart: $(cat "$T/send.err")"
expect_eq "all accepted in the end" "$(wc -l <"$T/acc")" "$n"

chat bob -t 20 listen --count "$n" --timeout 20 >"$T/got" ||
    fail "listen failed"
cut -f3 "$T/got" >"$T/got.text"
expect_eq "delivered count" "$(wc -l <"$T/got.text")" "$n"
expect_eq "no duplicates" "$(sort "$T/got.text" | uniq -d | wc -l)" 0
# Every message accepted before the kill is there.
missing=$(sort "$T/acc.before" | comm -23 - "$(sort "$T/got.text" >"$T/s"; echo "$T/s")")
expect_eq "accepted before the kill and lost" "$missing" ""
cmp -s "$T/want" "$T/got.text" || fail "order changed"
chat bob listen --timeout 1 >"$T/more"
expect_eq "nothing more" "$(wc -l <"$T/more")" 0
echo "ok: $before of $n accepted before the kill"
