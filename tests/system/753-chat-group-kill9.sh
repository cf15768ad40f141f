#!/bin/sh
# kill -9 of chatd in the middle of a burst of sends to a group, then a
# restart on the same port and state: every message the sender saw
# accepted reaches the members, none twice, in order; the sender's
# outbox resends the rest.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

CHATD_CONF='[limits]
group_msg_rate = 100000
group_msg_burst = 100000' start_chatd d
register alice pa
register bob pb
register carol pc
mkgroup alice '#k9' bob carol

n=300
i=1
while [ $i -le $n ]; do echo "burst $i"; i=$((i + 1)); done >"$T/want"
chat alice -t 40 send '#k9' --lines <"$T/want" >"$T/acc" 2>"$T/send.err" &
sp=$!
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

CHATD_CONF='[limits]
group_msg_rate = 100000
group_msg_burst = 100000' CHATD_PORT_WANT=$CHATD_PORT start_chatd d
wait $sp || fail "sender after the restart: $(cat "$T/send.err")"
expect_eq "all accepted in the end" "$(wc -l <"$T/acc")" "$n"

for who in bob carol; do
	chat "$who" -t 30 listen --count "$n" --timeout 30 >"$T/got" ||
	    fail "$who's listen failed"
	grep '	#k9/alice	' "$T/got" | cut -f3 >"$T/got.text"
	expect_eq "$who: count" "$(wc -l <"$T/got.text")" "$n"
	expect_eq "$who: duplicates" "$(sort "$T/got.text" | uniq -d | wc -l)" 0
	missing=$(sort "$T/acc.before" | comm -23 - "$(sort "$T/got.text" >"$T/s"; echo "$T/s")")
	expect_eq "$who: accepted before the kill and lost" "$missing" ""
	cmp -s "$T/want" "$T/got.text" || fail "$who: order changed"
done
expect_rc "history once" 0 chat alice history '#k9' --limit 100
expect_eq "history tail" "$(echo "$OUT" | tail -n 1 | cut -f3)" "burst $n"
echo "ok: $before of $n accepted before the kill"
