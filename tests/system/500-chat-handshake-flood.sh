#!/bin/sh
# While one address (127.0.0.2) floods chatd with handshakes, each with a
# fresh cookie, a user on another (127.0.0.1) registers, logs in and
# chats with normal latency; chatd counts the refused handshakes by
# reason.  Prints the flood rate, chatd's CPU and RSS during it and the
# user's times, for the README.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

FLOOD=${BUILD:-$BIN/..}/bench/chat-flood
[ -x "$FLOOD" ] || fail "no $FLOOD (make all builds the benchmarks)"

ms() { date +%s%3N; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

start_chatd d
register bob pb
register dave pd

# The same steps without a flood, for comparison.
t=$(ms); register carol pc; reg0=$(( $(ms) - t ))
t=$(ms); chatp pc carol send dave "calm" >/dev/null || fail "calm send"
send0=$(( $(ms) - t ))

hz=$(getconf CLK_TCK)
c0=$(cpu_ticks "$CHATD_PID")
"$FLOOD" -s "127.0.0.1:$CHATD_PORT" -b 127.0.0.2 -t 6 >"$T/flood.out" 2>&1 &
fp=$!
PIDS="$PIDS $fp"
sleep 1			# the flood is under way (the time is the behaviour)

# bob listens; alice registers, logs in and sends: all during the flood.
n=$(logins d)
chat bob listen --count 1 --timeout 10 >"$T/got" &
lp=$!
wait_for 10 has_logins d $((n + 1))
t=$(ms); register alice pa; reg=$(( $(ms) - t ))
t=$(ms)
chatp pa alice send bob "through the flood" >/dev/null 2>"$T/err" ||
    fail "send during the flood: $(cat "$T/err")"
send=$(( $(ms) - t ))
wait $lp || fail "bob got nothing"
expect_eq "message" "$(cut -f3 "$T/got")" "through the flood"
rss=$(rss_kib "$CHATD_PID")
kill -0 "$fp" 2>/dev/null || fail "the flood ended before the user was done"
wait "$fp"
c1=$(cpu_ticks "$CHATD_PID")

cnt=$(counters d | tail -n 1)
num() { printf '%s\n' "$cnt" | sed -n "s/.* $1 \([0-9]*\).*/\1/p"; }
half=$(num refused_half_per_addr)
lim=$(num hello_limited)
[ $((half + lim)) -gt 0 ] || fail "no handshake refused: $cnt"
[ "$reg" -lt $((reg0 + 2000)) ] ||
    fail "registering took $reg ms in the flood, $reg0 ms without"
[ "$send" -lt $((send0 + 2000)) ] ||
    fail "sending took $send ms in the flood, $send0 ms without"

echo "$(cat "$T/flood.out")"
echo "chatd during the flood: cpu $(( (c1 - c0) * 1000 / hz )) ms in about 6 s," \
    "rss $((rss / 1024)) MiB"
echo "refused: half_open_per_addr $half, hello_limited $lim," \
    "unauth_per_addr $(num refused_unauth_per_addr), max_unauth $(num refused_unauth)"
echo "user on 127.0.0.1: register $reg ms (calm $reg0 ms)," \
    "login + send $send ms (calm $send0 ms)"
echo ok
