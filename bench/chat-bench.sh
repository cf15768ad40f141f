#!/bin/sh
# bench/chat-bench.sh [N]: a first, coarse chat relay benchmark (not a
# test).  One chatc sends N messages with `send --lines` to a chatc that
# listens; chatd runs with durability on (fsync) and receipts on.  Reports
# relayed messages per second end to end and chatd's CPU per relayed
# message from /proc.  The full load generator (bench/chat-bench.c, many
# sessions multiplexed over a few sockets, latency percentiles, memory per
# session) is not written yet.
set -u
N=${1:-20000}
BIN=${BIN:-build/chat/bin}
T=$(mktemp -d /tmp/chat-bench.XXXXXX)
trap 'kill $DP 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
printf '[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8192\n[limits]\nmsg_rate = 0\naddr_enable = no\n[store]\nfsync = %s\nqueue_max = 10000000\n' \
    "${FSYNC:-yes}" >"$T/c.ini"
"$BIN/chatd" -c "$T/c.ini" -D "$T/st" -l 127.0.0.1 -p 0 >"$T/d.log" 2>&1 &
DP=$!
sleep 0.5
P=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/d.log")
export XDG_CONFIG_HOME="$T/cfg"
C="$BIN/chatc -s 127.0.0.1:$P"
CHAT_PASSWORD=a $C -n alice register >/dev/null
CHAT_PASSWORD=b $C -n bob register >/dev/null
i=0; while [ $i -lt "$N" ]; do echo "message $i"; i=$((i + 1)); done >"$T/in"
$C -n bob listen --count "$N" --timeout 300 >"$T/out" &
LP=$!
sleep 0.5
ticks() { awk '{print $14 + $15}' "/proc/$DP/stat"; }
c0=$(ticks); t0=$(date +%s.%N)
$C -n alice -t 300 send bob --lines <"$T/in" >/dev/null
wait $LP
t1=$(date +%s.%N); c1=$(ticks)
got=$(wc -l <"$T/out")
hz=$(getconf CLK_TCK)
awk -v n="$got" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v hz="$hz" \
    -v fs="${FSYNC:-yes}" 'BEGIN {
	d = t1 - t0; cpu = (c1 - c0) / hz;
	printf "relayed %d messages in %.2f s: %.0f msgs/s; chatd CPU %.2f s = %.1f us per message (fsync %s)\n",
	    n, d, n / d, cpu, cpu * 1e6 / n, fs }'
kill -USR1 $DP; sleep 0.2; grep counters "$T/d.log" | head -1
