#!/bin/sh
# bus-bench.sh: what the bus (chatd/bus.c, docs/CLUSTER.md) costs an idle
# chatd: a single node (no [cluster]) and two cluster nodes on one local
# nats-server, beating every HB ms and seeing each other, run side by
# side and all idle; ROUNDS rounds of SECS seconds, each process's CPU
# (every thread, from /proc/PID/task/*/schedstat, in nanoseconds: an
# idle chatd uses less than a clock tick a second) per second of wall
# time; the median over the rounds, the lowest and highest, and the
# cluster nodes' median over the single node's.  nats-server's CPU is
# printed too: it is shared by every node.
#
#   bench/bus-bench.sh          build if needed, run, print the figures
#
# Environment: B (build folder, default build), ROUNDS (5), SECS (20),
# HB (heartbeat_ms, 1000), CHATD (default $B/bin/chatd).  Nothing is
# pinned: the processes wait, they do not compete.
set -eu

cd "$(dirname "$0")/.."
B=${B:-build}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-20}
HB=${HB:-1000}
CHATD=${CHATD:-$B/bin/chatd}
SRV_CPU=""
GEN_CPU=""

if ! make --no-print-directory -s B="$B" "$B/bin/chatd"; then
	echo "WARNING: build failed; benchmarking the binaries in $B" >&2
fi
[ -x "$CHATD" ] || { echo "no $CHATD" >&2; exit 1; }
command -v nats-server >/dev/null ||
    { echo "no nats-server (make deps installs it)" >&2; exit 1; }
. bench/lib.sh
bench_init bus-bench

# cpu_ns PID: nanoseconds on a CPU, every thread of PID.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
	    awk '{ n += $1 } END { printf "%.0f\n", n }'
}

mkdir "$T/ports"
nats-server -a 127.0.0.1 -p -1 --ports_file_dir "$T/ports" \
    >"$T/nats.log" 2>&1 &
nats=$!
PIDS="$PIDS $nats"
i=0
until [ -s "$T/ports/nats-server_$nats.ports" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "nats-server did not start" >&2; exit 1; }
	sleep 0.05
done
url=$(sed -n 's,.*"\(nats://127\.0\.0\.1:[0-9]*\)".*,\1,p' \
    "$T/ports/nats-server_$nats.ports")

for n in single a b; do
	printf '[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8192\n' \
	    >"$T/$n.ini"
	[ "$n" = single ] || printf '[cluster]\nnats = %s\nnode = %s\nheartbeat_ms = %s\n' \
	    "$url" "$n" "$HB" >>"$T/$n.ini"
	start "$n" "$CHATD" -c "$T/$n.ini" -l 127.0.0.1 -p 0 -D "$T/$n.state"
done
i=0
until grep -q 'bus: peer b up' "$T/a.log" && grep -q 'bus: peer a up' "$T/b.log"; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "the nodes did not see each other" >&2; exit 1; }
	sleep 0.05
done
sleep 2		# past start-up

r=0
while [ $r -lt "$ROUNDS" ]; do
	t0=$(date +%s%N)
	for n in single a b; do eval "c0_$n=\$(cpu_ns \$(cat \$T/\$n.pid))"; done
	c0_nats=$(cpu_ns "$nats")
	sleep "$SECS"
	t1=$(date +%s%N)
	for n in single a b; do
		eval "c1=\$(cpu_ns \$(cat \$T/\$n.pid)) c0=\$c0_$n"
		# microseconds of CPU per second
		echo $(( (c1 - c0) * 1000000 / (t1 - t0) )) >>"$T/$n.us"
	done
	c1=$(cpu_ns "$nats")
	echo $(( (c1 - c0_nats) * 1000000 / (t1 - t0) )) >>"$T/nats.us"
	r=$((r + 1))
done

# med FILE: "median (lowest-highest)" of the numbers in FILE.
med() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
	    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf "%.0f (%d-%d)", m, v[1], v[NR] }'
}
cat "$T/a.us" "$T/b.us" >"$T/cluster.us"
echo "idle chatd, $ROUNDS rounds of $SECS s, heartbeat $HB ms:" \
    "CPU microseconds per second, median (lowest-highest)"
printf '  %-36s %s\n' "single node (no [cluster])" "$(med "$T/single.us")"
printf '  %-36s %s\n' "cluster node (2 nodes, both rounds)" "$(med "$T/cluster.us")"
printf '  %-36s %s\n' "nats-server (serving both)" "$(med "$T/nats.us")"
single=$(sort -n "$T/single.us" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
cluster=$(sort -n "$T/cluster.us" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
awk -v s="$single" -v c="$cluster" 'BEGIN {
    if (s > 0) printf "  cluster / single: %.1f\n", c / s
    printf "  the bus: %.0f us of CPU a second, %.3f%% of one CPU\n", c - s, (c - s) / 10000 }'
