#!/bin/sh
# Memory stays bounded whatever clients do: 20 sessions that never log in
# and never read send 2-byte malformed chat messages as fast as they can
# (bench/chat-hostile garbage).  chatd's RSS stays under a ceiling, the
# garbage sessions are closed (and counted), and meanwhile a normal user
# still logs in and chats.  Prints the attack's rate, chatd's CPU and RSS.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

HOSTILE=${BUILD:-$BIN/..}/bench/chat-hostile
[ -x "$HOSTILE" ] || fail "no $HOSTILE (make all)"
SECS=${ATTACK_SECS:-6}
CEILING_KB=${CEILING_KB:-65536}	# growth allowed during the attack

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_chatd d
register alice pa
register bob pb
r0=$(rss "$CHATD_PID")
c0=$(cpu_ticks "$CHATD_PID")

"$HOSTILE" -s "127.0.0.1:$CHATD_PORT" -n 20 -d "$SECS" garbage \
    >"$T/attack" 2>"$T/attack.err" &
APID=$!
PIDS="$PIDS $APID"
sleep 1

# A user logs in and chats during the attack.
t0=$(date +%s%N)
expect_rc "send during the attack" 0 chatp pa alice send bob "still here"
t1=$(date +%s%N)
chat bob listen --count 1 --timeout 10 | cut -f3 >"$T/got"
expect_eq "delivered during the attack" "$(cat "$T/got")" "still here"

peak=0
while kill -0 "$APID" 2>/dev/null; do
	r=$(rss "$CHATD_PID")
	[ "$r" -gt "$peak" ] && peak=$r
	sleep 0.2
done
wait "$APID" || fail "chat-hostile failed: $(cat "$T/attack.err")"
c1=$(cpu_ticks "$CHATD_PID")
r1=$(rss "$CHATD_PID")
hz=$(getconf CLK_TCK)
attack=$(cat "$T/attack")
echo "attack: $attack"
echo "chatd: rss_before_kb=$r0 rss_peak_kb=$peak rss_after_kb=$r1" \
    "cpu_s=$(echo "$c0 $c1 $hz" | awk '{ printf "%.2f", ($2 - $1) / $3 }')" \
    "of ${SECS}s; login+send during it $(( (t1 - t0) / 1000000 )) ms"
[ $((peak - r0)) -le "$CEILING_KB" ] ||
    fail "RSS grew by $((peak - r0)) kB, over $CEILING_KB kB"
c=$(counters d)
expect_match "garbage sessions closed" "$c" "closed_malformed [1-9]"
kill -0 "$CHATD_PID" || fail "chatd died"
echo ok
