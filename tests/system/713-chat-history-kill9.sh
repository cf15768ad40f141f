#!/bin/sh
# History across a kill -9 in the middle of a burst and a restart: the
# conversation's pages hold every message the sender saw accepted, and
# in the end all of them, in order, exactly once, with what was said
# before the burst and after the restart in their places.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
befriend alice bob
for i in 1 2 3; do
	expect_rc "bob before" 0 chat bob send alice "before $i"
	echo "before $i"
done >"$T/want"

n=300
i=1
while [ $i -le $n ]; do echo "burst $i"; i=$((i + 1)); done >"$T/burst"
cat "$T/burst" >>"$T/want"
chat alice -t 40 send bob --lines <"$T/burst" >"$T/acc" 2>"$T/send.err" &
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

CHATD_PORT_WANT=$CHATD_PORT start_chatd d
# What was accepted before the kill is history at once.
expect_rc "history after the restart" 0 chat bob history alice \
    --limit 1000 --json
printf '%s\n' "$OUT" | python3 -c '
import json, sys
texts = [json.loads(l)["text"] for l in sys.stdin if l.strip()]
acc = [l.split("\t")[1].rstrip("\n") for l in open(sys.argv[1])][:int(sys.argv[2])]
assert texts[:3] == ["before 1", "before 2", "before 3"], texts[:3]
assert len(set(texts)) == len(texts), "twice"
missing = [t for t in acc if t not in texts]
assert not missing, missing
' "$T/acc" "$before" || fail "history after the restart: $OUT"
wait $sp || fail "sender after the restart: $(cat "$T/send.err")"
expect_eq "all accepted in the end" "$(wc -l <"$T/acc")" "$n"
expect_rc "bob after" 0 chat bob send alice "after"
echo after >>"$T/want"

# The whole conversation, either side, in pages of 100.
for who in alice bob; do
	peer=bob; [ $who = bob ] && peer=alice
	expect_rc "$who's history" 0 chat $who history $peer --limit 1000 \
	    --json
	printf '%s\n' "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
ids = [r["id"] for r in rows]
assert ids == sorted(ids) and len(set(ids)) == len(ids), "order"
for r in rows:
    print(r["text"])
' >"$T/got.$who" || fail "$who's history: $OUT"
	cmp -s "$T/want" "$T/got.$who" ||
	    fail "$who's history: $(diff "$T/want" "$T/got.$who" | head)"
done
echo "ok: $before of $n accepted before the kill"
