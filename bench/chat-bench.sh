#!/bin/sh
# chat-bench.sh: chatd's relay throughput, latency, CPU per message and
# memory per session, side by side with the ceiling (bench/echo, a bare
# recvmmsg/sendmmsg echo server driven by bench/loadgen) in the same run,
# in alternating rounds so that a noisy machine hurts both alike.
#
#   bench/chat-bench.sh             build if needed, run, print the table
#
# Environment: B (build folder, default build), ROUNDS (3), SECS (seconds
# per round, 5), PAIRS (sender/receiver pairs, 16), WINDOW (messages each
# sender keeps unaccepted, 128), SESSIONS (for memory, 10000; 0 skips it),
# SOCKETS (4), FSYNC (yes), SRV_CPU (1) and GEN_CPU (0): the CPUs servers
# and load generators are pinned to with taskset (empty: not pinned).
#
# chatd runs with durability on (fsync = yes: accepted means flushed to
# disk, all threads' CPU counted) and receipts on (every receiver marks
# the messages delivered and read, once per turn for the newest, as
# chatclient and chat-tui do, and the sender gets both receipts for each
# message).
# Throughput is bounded by the messages in flight (PAIRS x WINDOW) over
# the time to ACCEPTED, which is one or two disk flushes (a few ms under
# load): 2048 in flight, as from a few thousand busy users, is enough to
# saturate chatd's CPU here; WINDOW=32 shows the bound.  Latency
# "deliver" is from the sender's SEND to the receiver's MESSAGE; the echo
# round trip (p50 and p99) with one request in flight is printed beside
# it as the machine's floor: a relay is two hops, like a round trip.
# Between two unloaded messages chatd waits for its disk flush, and the
# CPUs idle; so the echo round trip is also measured with 300 us of
# idle before each request (loadgen -g).  On a private config: rate
# limits off, cheap Argon2 (argon2_ops 1, argon2_mem_kib 8) so the
# accounts bench/chat-bench registers cost little; the password work is
# not what is measured.
#
# Each client's sends of one turn, and chatd's answers, deliveries and
# receipts to one session after a commit, leave together in as few
# datagrams as fit, with the pending ACK; the datagrams chatd took in and
# sent per relayed message are printed (the echo: two per reply).  "ratio"
# is chat messages/s over echo replies/s.
set -eu

cd "$(dirname "$0")/.."
B=${B:-build}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
PAIRS=${PAIRS:-16}
WINDOW=${WINDOW:-128}
SESSIONS=${SESSIONS:-10000}
SOCKETS=${SOCKETS:-4}
FSYNC=${FSYNC:-yes}
SRV_CPU=${SRV_CPU-1}
GEN_CPU=${GEN_CPU-0}
# An echo payload the size of a sealed chat SEND of 64 bytes of text.
PAYLOAD=$(printf '%0200d' 0 | sed 's/0/ab/g' | cut -c 1-240)

if ! make --no-print-directory -s B="$B" "$B/bin/chatd" \
    "$B/bench/chat-bench" "$B/bench/loadgen" "$B/bench/echo"; then
	echo "WARNING: build failed; benchmarking the binaries in $B" >&2
fi
for f in "$B/bin/chatd" "$B/bench/chat-bench" "$B/bench/loadgen" \
    "$B/bench/echo"; do
	[ -x "$f" ] || { echo "no $f" >&2; exit 1; }
done

. bench/lib.sh
bench_init chat-bench

stop() {
	kill -TERM "$(cat "$T/$1.pid")"
	while kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; do sleep 0.05; done
}

# kv KEY LINE: the value of KEY in a line of key=value pairs.
kv() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

printf '[chatd]\nmax_sessions = 100000\n[accounts]\nargon2_ops = 1\n'\
'argon2_mem_kib = 8\nauth_queue = 100000\n[limits]\nmsg_rate = 0\n'\
'login_rate = 0\naddr_enable = no\n[store]\nfsync = %s\n'\
'queue_max = 10000000\n' "$FSYNC" >"$T/chatd.ini"

start echo "$B/bench/echo" -l 127.0.0.1 -p 0
start chatd "$B/bin/chatd" -c "$T/chatd.ini" -D "$T/state" \
    -l 127.0.0.1 -p 0
HZ=$(getconf CLK_TCK)

echo "chat-bench: $ROUNDS rounds x $SECS s; $PAIRS pairs, window $WINDOW," \
    "$SOCKETS sockets; fsync $FSYNC, receipts on"
if [ -n "$SRV_CPU" ]; then
	echo "pinned: servers on CPU $SRV_CPU, load generators on CPU $GEN_CPU"
else
	echo "not pinned: servers and load generators share $ncpu CPU(s)"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

: >"$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# echo: the ceiling
	pid=$(cat "$T/echo.pid")
	t0=$(ticks "$pid")
	out=$(gen "$B/bench/loadgen" -s "127.0.0.1:$(cat "$T/echo.port")" \
	    -m hex -x "$PAYLOAD" -d "$SECS" -w 128 -k "$SOCKETS")
	t1=$(ticks "$pid")
	rate=$(kv rate "$out")
	reps=$(kv replies "$out")
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$reps" \
	    'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')
	echo "echo $r $rate $cpu" >>"$T/results"
	printf '  round %d echo:  %9.0f replies/s, %5.2f us CPU/reply\n' \
	    "$r" "$rate" "$cpu"
	# echo, one request in flight: the machine's UDP round trip, the
	# floor under a relay's latency (two hops, sender to chatd to
	# receiver, cost about one round trip)
	out=$(gen "$B/bench/loadgen" -s "127.0.0.1:$(cat "$T/echo.port")" \
	    -m hex -x "$PAYLOAD" -d 2 -w 1 -k 1)
	echo "rtt $r $(kv rtt_p50_us "$out") $(kv rtt_p99_us "$out")" \
	    >>"$T/results"
	printf '  round %d echo:  round trip, one in flight: p50 %s us p99 %s' \
	    "$r" "$(kv rtt_p50_us "$out")" "$(kv rtt_p99_us "$out")"
	printf ' us\n'
	# the same with the machine idle 300 us before each request: a relay
	# with one message in flight idles like that while its disk flushes,
	# and on a virtual machine a CPU woken from idle answers late
	out=$(gen "$B/bench/loadgen" -s "127.0.0.1:$(cat "$T/echo.port")" \
	    -m hex -x "$PAYLOAD" -d 2 -w 1 -k 1 -g 300)
	echo "idle $r $(kv rtt_p50_us "$out") $(kv rtt_p99_us "$out")" \
	    >>"$T/results"
	printf '  round %d echo:  round trip after 300 us idle: p50 %s us' \
	    "$r" "$(kv rtt_p50_us "$out")"
	printf ' p99 %s us\n' "$(kv rtt_p99_us "$out")"
	# chatd under load
	out=$(gen "$B/bench/chat-bench" -s "127.0.0.1:$(cat "$T/chatd.port")" \
	    -P "$(cat "$T/chatd.pid")" -k "$SOCKETS" -n "$PAIRS" \
	    -w "$WINDOW" -d "$SECS" tput 2>>"$T/gen.log")
	echo "tput $r $(kv rate "$out") $(kv cpu_us "$out")" \
	    "$(kv p50_us "$out") $(kv p99_us "$out")" >>"$T/results"
	printf '  round %d chatd: %9.0f msgs/s,    %5.2f us CPU/msg, loaded' \
	    "$r" "$(kv rate "$out")" "$(kv cpu_us "$out")"
	printf ' p50 %s us p99 %s us (lost %s, errors %s)\n' \
	    "$(kv p50_us "$out")" "$(kv p99_us "$out")" "$(kv lost "$out")" \
	    "$(kv errors "$out")"
	printf '  round %d chatd: datagrams per relayed msg: in %s, out %s\n' \
	    "$r" "$(kv dg_in "$out")" "$(kv dg_out "$out")"
	# chatd unloaded: one message in flight
	out=$(gen "$B/bench/chat-bench" -s "127.0.0.1:$(cat "$T/chatd.port")" \
	    -P "$(cat "$T/chatd.pid")" -d "$SECS" lat 2>>"$T/gen.log")
	echo "lat $r $(kv p50_us "$out") $(kv p99_us "$out")" \
	    "$(kv acc_p50_us "$out") $(kv acc_p99_us "$out")" >>"$T/results"
	printf '  round %d chatd: unloaded send-to-deliver p50 %s us p99 %s' \
	    "$r" "$(kv p50_us "$out")" "$(kv p99_us "$out")"
	printf ' us; send-to-accepted p50 %s us p99 %s us\n' \
	    "$(kv acc_p50_us "$out")" "$(kv acc_p99_us "$out")"
	r=$((r + 1))
done

mem=""
if [ "$SESSIONS" -gt 0 ]; then
	# Accounts first, then a restarted chatd whose growth is sessions.
	stop chatd
	start chatd "$B/bin/chatd" -c "$T/chatd.ini" -D "$T/mstate" \
	    -l 127.0.0.1 -p 0
	gen "$B/bench/chat-bench" -s "127.0.0.1:$(cat "$T/chatd.port")" \
	    -P "$(cat "$T/chatd.pid")" -N "$SESSIONS" -x m reg \
	    >/dev/null 2>>"$T/gen.log"
	stop chatd
	start chatd "$B/bin/chatd" -c "$T/chatd.ini" -D "$T/mstate" \
	    -l 127.0.0.1 -p 0
	out=$(gen "$B/bench/chat-bench" -s "127.0.0.1:$(cat "$T/chatd.port")" \
	    -P "$(cat "$T/chatd.pid")" -N "$SESSIONS" -x m mem \
	    2>>"$T/gen.log")
	mem=$(kv bytes_per_session "$out")
	echo "  memory: $SESSIONS sessions, VmRSS $(kv rss_before "$out") ->" \
	    "$(kv rss_after "$out") bytes: $mem bytes per session"
fi

# Medians over the rounds.
med() {
	awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$T/results" |
	    sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo_rate=$(med echo 3)
echo_cpu=$(med echo 4)
chat_rate=$(med tput 3)
chat_cpu=$(med tput 4)
echo
echo "medians of $ROUNDS rounds           chatd      echo (ceiling)  ratio   target"
awk -v cr="$chat_rate" -v er="$echo_rate" -v cc="$chat_cpu" \
    -v ec="$echo_cpu" -v lp50="$(med tput 5)" -v lp99="$(med tput 6)" \
    -v up50="$(med lat 3)" -v up99="$(med lat 4)" -v ap50="$(med lat 5)" \
    -v ap99="$(med lat 6)" -v rtt50="$(med rtt 3)" -v rtt99="$(med rtt 4)" \
    -v idle50="$(med idle 3)" -v idle99="$(med idle 4)" \
    -v mem="$mem" \
    -v n="$SESSIONS" 'BEGIN {
	printf "  relayed msgs/s (echo: replies/s) %9.0f  %9.0f       %5.3f   >= 200000\n", cr, er, (er > 0 ? cr / er : 0)
	printf "  server CPU us per msg (reply)    %9.2f  %9.2f       %5.1fx  <= 2.5\n", cc, ec, (ec > 0 ? cc / ec : 0)
	printf "  unloaded deliver p50 / p99 us    %9.1f / %.1f                   p99 < 100\n", up50, up99
	printf "  echo round trip p50 / p99 us     %9.1f / %.1f\n", rtt50, rtt99
	printf "  same, after 300 us idle          %9.1f / %.1f\n", idle50, idle99
	printf "  unloaded accepted p50 / p99 us   %9.1f / %.1f\n", ap50, ap99
	printf "  loaded deliver p50 / p99 us      %9.1f / %.1f\n", lp50, lp99
	if (mem != "")
		printf "  bytes per session at %d        %9.0f                           <= 2048\n", n, mem
}'
