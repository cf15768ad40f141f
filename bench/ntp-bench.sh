#!/bin/sh
# ntp-bench.sh: NTP requests per second and server CPU per reply of
# timed's NTP service and of chronyd serving NTP on loopback, side by
# side, driven by the same load generator (bench/loadgen -m ntp: 48-byte
# NTPv4 client requests) with the same parameters, in alternating rounds
# so a noisy machine hurts both alike.  Prints every round, then the
# medians and the ratios timed / chronyd.
#
#   bench/ntp-bench.sh              build if needed, run, print the table
#
# Environment: B (build folder, default build), ROUNDS (5), SECS (seconds
# per round, 5), WINDOW (requests in flight, 128), SOCKETS (loadgen
# sockets, 4), SRV_CPU (1) and GEN_CPU (0): the CPUs the servers and the
# load generator are pinned to with taskset (set either empty to not pin).
#
# Cases, each a server started once and kept for every round:
#   timed      timed, workers = 1, --local-stratum 8, rate limiting off
#   timed-w2   timed, workers = 2 (both pinned to SRV_CPU as well)
#   chronyd    chronyd -x -d, "local stratum 8", allow 127.0.0.1, no
#              ratelimit directive (chrony's NTP default: not limited)
# Both serve good time (stratum 8, leap 0), so both do the full work.
#
# CPU per reply is the server's utime + stime (all threads, from
# /proc/PID/stat) over the round, divided by the replies the round got.
set -eu

cd "$(dirname "$0")/.."
B=${B:-build}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
WINDOW=${WINDOW:-128}
SOCKETS=${SOCKETS:-4}
SRV_CPU=${SRV_CPU-1}
GEN_CPU=${GEN_CPU-0}
CASES="timed timed-w2 chronyd"

command -v chronyd >/dev/null || { echo "ntp-bench: needs chronyd" >&2; exit 1; }
make --no-print-directory -s B="$B" "$B/bin/timed" "$B/bench/loadgen" ||
    { echo "ntp-bench: build failed" >&2; exit 1; }
LOADGEN=$B/bench/loadgen

. bench/lib.sh
bench_init ntp-bench

# pin CPU COMMAND...: run COMMAND on CPU, or anywhere if CPU is empty.
pin() {
	cpu=$1
	shift
	if [ -n "$cpu" ]; then exec taskset -c "$cpu" "$@"; else exec "$@"; fi
}

# A UDP port on 127.0.0.1 that is free right now.
free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start NAME PORT COMMAND...: start a server pinned to SRV_CPU.
start() {
	name=$1
	port=$2
	shift 2
	(pin "$SRV_CPU" "$@") >/dev/null 2>"$T/$name.log" &
	echo $! >"$T/$name.srvpid"
	echo "$port" >"$T/$name.port"
	PIDS="$PIDS $!"
}

# pid_of NAME: the server's own pid (the subshell execs it).
pid_of() {
	cat "$T/$1.srvpid"
}

# load NAME SECONDS [ARGS]: the load generator against a server.
load() {
	n=$1
	d=$2
	shift 2
	(pin "$GEN_CPU" "$LOADGEN" -m ntp -s "127.0.0.1:$(cat "$T/$n.port")" \
	    -d "$d" -w "$WINDOW" -k "$SOCKETS" "$@")
}

HZ=$(getconf CLK_TCK)
for w in 1 2; do
	printf '[timed]\nworkers = %d\n[ratelimit]\nenable = no\n' "$w" \
	    >"$T/timed$w.ini"
done
p=$(free_port)
start timed "$p" "$B/bin/timed" -c "$T/timed1.ini" -l 127.0.0.1 -p 0 \
    --ntp-port "$p" --daytime-port 0 --time-port 0 --local-stratum 8
p=$(free_port)
start timed-w2 "$p" "$B/bin/timed" -c "$T/timed2.ini" -l 127.0.0.1 -p 0 \
    --ntp-port "$p" --daytime-port 0 --time-port 0 --local-stratum 8
p=$(free_port)
cat >"$T/chrony.conf" <<EOF
port $p
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
cmdport 0
pidfile $T/chronyd.pid
driftfile $T/chrony.drift
EOF
start chronyd "$p" chronyd -x -d -f "$T/chrony.conf"

echo "ntp-bench: $ROUNDS rounds x $SECS s per case; loadgen -m ntp: window" \
    "$WINDOW, $SOCKETS sockets, 1 thread"
if [ -n "$SRV_CPU" ]; then
	echo "pinned: servers on CPU $SRV_CPU, load generator on CPU $GEN_CPU" \
	    "($ncpu CPUs online)"
else
	echo "not pinned: servers and load generator share $ncpu CPU(s)"
fi
echo "chronyd: $(chronyd -v | head -n 1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Every case must answer well-formed server replies; this warms them up.
for c in $CASES; do
	i=0
	while :; do
		out=$(load "$c" 1 -v 2>"$T/sample") || true
		if echo "$out" | grep -q ' bad=0 ' &&
		    ! echo "$out" | grep -q ' replies=0 '; then
			break
		fi
		i=$((i + 1))
		if [ $i -ge 10 ]; then
			echo "$c: no good replies: $out" >&2
			cat "$T/sample" "$T/$c.log" >&2
			exit 1
		fi
		sleep 0.5
	done
	echo "  $c answers: $(sed 's/^loadgen: //' "$T/sample" | head -n 1 |
	    cut -c 1-100)"
done

: >"$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	order=$CASES
	[ $((r % 2)) -eq 0 ] && order=$(echo "$CASES" | tr ' ' '\n' | tac)
	for c in $order; do
		pid=$(pid_of "$c")
		t0=$(ticks "$pid")
		out=$(load "$c" "$SECS")
		t1=$(ticks "$pid")
		echo "$out" | awk -v c="$c" -v r="$r" -v t=$((t1 - t0)) '{
			for (i = 1; i <= NF; i++) {
				split($i, kv, "="); v[kv[1]] = kv[2] }
			printf "%s %d %s %s %s %d %s\n", c, r, v["rate"],
			    v["replies"], v["lost"], t, v["cpu"] }' >>"$T/results"
		tail -n 1 "$T/results" | awk -v hz="$HZ" -v secs="$SECS" '{
			printf "  %-9s round %d: %8.0f replies/s, lost %s, " \
			    "%.2f us CPU/reply, server CPU %3.0f%%, loadgen " \
			    "%3.0f%%\n", $1, $2, $3, $5,
			    ($4 > 0 ? $6 * 1e6 / hz / $4 : 0),
			    $6 * 100 / hz / secs, $7 * 100 / secs }'
	done
	r=$((r + 1))
done

# median CASE rate|cpu: the median of a per-round figure.
median() {
	awk -v c="$1" -v what="$2" -v hz="$HZ" '$1 == c {
		if (what == "rate") print $3;
		else print ($4 > 0 ? $6 * 1e6 / hz / $4 : 0) }' "$T/results" |
	    sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "medians over $ROUNDS rounds:"
printf '  %-9s %12s %14s\n' case "replies/s" "us CPU/reply"
for c in $CASES; do
	printf '  %-9s %12.0f %14.2f\n' "$c" "$(median "$c" rate)" \
	    "$(median "$c" cpu)"
done
cr=$(median chronyd rate)
cc=$(median chronyd cpu)
echo "ratios to chronyd (rate: higher is better; CPU/reply: lower is better):"
for c in timed timed-w2; do
	awk -v c="$c" -v r="$(median "$c" rate)" -v u="$(median "$c" cpu)" \
	    -v cr="$cr" -v cc="$cc" 'BEGIN {
		printf "  %-9s rate x%.2f, CPU/reply x%.2f\n", c,
		    (cr > 0 ? r / cr : 0), (cc > 0 ? u / cc : 0) }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
