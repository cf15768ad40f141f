#!/bin/sh
# timed-bench.sh: requests per second and server CPU per reply of timed's
# strftime service, side by side with the ceiling (bench/echo, a bare
# recvmmsg/sendmmsg echo server) and the seed's Python time server, all
# driven by the same load generator (bench/loadgen) with the same
# parameters, in alternating rounds so a noisy machine hurts them alike.
#
#   bench/timed-bench.sh            build if needed, run, print the table
#
# Environment: B (build folder, default build), ROUNDS (5), SECS (seconds
# per round, 5), WINDOW (requests in flight, 128), SOCKETS (loadgen
# sockets, 4), SRV_CPU (1) and GEN_CPU (0): the CPUs the servers and the
# load generator are pinned to with taskset (set either empty to not pin).
#
# Cases, each a fresh server started once and kept for every round:
#   timed-w1     timed, workers = 1, seed form, COMMON format
#   timed-w2     timed, workers = 2, seed form, COMMON format
#   echo         bench/echo, 1 thread: the ceiling
#   python       bench/seed-time-server.py (stdout to /dev/null)
#   timed-worst  timed, workers = 1, seed form, WORST format
#   timed-ext    timed, workers = 1, extended form, COMMON format, a zone
# timed runs on a private config with rate limiting off.
#
# CPU per reply is the server's utime + stime (all threads, from
# /proc/PID/stat) over the round, divided by the replies the round got.
# Loopback delivery runs in the sender's system call, so part of each
# request's kernel cost lands on the load generator: the figure is the
# server's own share, the same for every case.
set -eu

cd "$(dirname "$0")/.."
B=${B:-build}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
WINDOW=${WINDOW:-128}
SOCKETS=${SOCKETS:-4}
SRV_CPU=${SRV_CPU-1}
GEN_CPU=${GEN_CPU-0}
COMMON='%Y-%m-%d %H:%M:%S'
ZONE=Asia/Shanghai
CASES="timed-w1 timed-w2 echo python timed-worst timed-ext"

# The worst format timed accepts in the seed form: every one of the 32
# conversions it allows is a composite one (%c, %r, %x: strftime runs a
# sub-format for each) or one it must compute (%s, %Z), and literal text
# makes the request long enough that the 477-byte reply stays within
# three times its wire size (3 x (136 + 28) = 492) and max_output (512).
rep() { i=0; while [ $i -lt "$2" ]; do printf '%s' "$1"; i=$((i + 1)); done; }
WORST="$(rep %c 8)$(rep %r 8)$(rep %x 14)%s%Z The quick brown fox jumps \
over the lazy dog while the clock ticks on..."

if ! make --no-print-directory -s B="$B" "$B/bin/timed" \
    "$B/bench/loadgen" "$B/bench/echo"; then
	for f in "$B/bin/timed" "$B/bench/loadgen" "$B/bench/echo"; do
		[ -x "$f" ] || { echo "build failed, no $f" >&2; exit 1; }
	done
	echo "WARNING: build failed; benchmarking the binaries already" \
	    "in $B" >&2
fi
LOADGEN=$B/bench/loadgen

. bench/lib.sh
bench_init timed-bench

# load CASE SECONDS [-v]: run the load generator for a case; its output.
load() {
	c=$1
	d=$2
	shift 2
	case $c in
	timed-w1|timed-ext|timed-worst)	s=timed1 ;;
	timed-w2)	s=timed2 ;;
	*)		s=$c ;;
	esac
	port=$(cat "$T/$s.port")
	case $c in
	timed-worst)	set -- "$@" -f "$WORST" ;;
	timed-ext)	set -- "$@" -m ext -z "$ZONE" -f "$COMMON" ;;
	*)		set -- "$@" -f "$COMMON" ;;
	esac
	gen "$LOADGEN" -s "127.0.0.1:$port" -d "$d" -w "$WINDOW" \
	    -k "$SOCKETS" "$@"
}

# round CASE N: one measured round, appended to $T/results as
# "case round rate replies lost ticks gen-cpu-seconds".
round() {
	c=$1
	case $c in
	timed-w2)	s=timed2 ;;
	timed-*)	s=timed1 ;;
	*)		s=$c ;;
	esac
	pid=$(cat "$T/$s.pid")
	t0=$(ticks "$pid")
	out=$(load "$c" "$SECS")
	t1=$(ticks "$pid")
	echo "$out" | awk -v c="$c" -v r="$2" -v t=$((t1 - t0)) '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s %d %s %s %s %d %s\n", c, r, v["rate"], v["replies"],
		    v["lost"], t, v["cpu"] }' >>"$T/results"
	tail -n 1 "$T/results" | awk -v hz="$HZ" -v secs="$SECS" '{
		f = "  %-12s round %d: %8.0f replies/s, lost %s, "
		f = f "%.2f us CPU/reply, CPU server %3.0f%% loadgen %3.0f%%\n"
		printf f, $1, $2, $3, $5, ($4 > 0 ? $6 * 1e6 / hz / $4 : 0),
		    $6 * 100 / hz / secs, $7 * 100 / secs }'
}

HZ=$(getconf CLK_TCK)
printf '[timed]\nworkers = 1\n[ratelimit]\nenable = no\n' >"$T/timed1.ini"
printf '[timed]\nworkers = 2\n[ratelimit]\nenable = no\n' >"$T/timed2.ini"
start timed1 "$B/bin/timed" -c "$T/timed1.ini" -l 127.0.0.1 -p 0
start timed2 "$B/bin/timed" -c "$T/timed2.ini" -l 127.0.0.1 -p 0
start echo "$B/bench/echo" -l 127.0.0.1 -p 0
start python python3 bench/seed-time-server.py 0

echo "timed-bench: $ROUNDS rounds x $SECS s per case; loadgen: window" \
    "$WINDOW, $SOCKETS sockets, 1 thread"
if [ -n "$SRV_CPU" ]; then
	echo "pinned: servers on CPU $SRV_CPU, load generator on CPU" \
	    "$GEN_CPU (taskset; $ncpu CPUs online; timed-w2's two workers" \
	    "share CPU $SRV_CPU)"
else
	echo "not pinned: servers and load generator share $ncpu CPU(s)"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other processes" \
    "share these CPUs; see the note at the end)"
echo "common format: '$COMMON'"
echo "worst format (${#WORST} bytes): '$WORST'"
echo "python: bench/seed-time-server.py, its per-request print() to /dev/null"

# Check every case answers correctly, and warm the servers up.
for c in $CASES; do
	out=$(load "$c" 1 -v 2>"$T/sample")
	if echo "$out" | grep -q ' replies=0 ' ||
	    ! echo "$out" | grep -q ' bad=0 '; then
		echo "$c: no good replies: $out" >&2
		cat "$T/sample" >&2
		exit 1
	fi
	echo "  $c: $(sed 's/^loadgen: //' "$T/sample" | cut -c 1-100)"
done

: >"$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	# Odd rounds run the cases forwards, even ones backwards.
	order=$CASES
	[ $((r % 2)) -eq 0 ] && order=$(echo "$CASES" | tr ' ' '\n' | tac)
	for c in $order; do
		round "$c" "$r"
	done
	r=$((r + 1))
done

# Medians per case, then the ratios.
awk -v hz="$HZ" -v secs="$SECS" -v cases="$CASES" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	n[$1]++
	rate[$1, n[$1]] = $3
	us[$1, n[$1]] = $4 > 0 ? $6 * 1e6 / hz / $4 : 0
	lost[$1, n[$1]] = $4 + $5 > 0 ? $5 * 100 / ($4 + $5) : 0
	util[$1, n[$1]] = $6 * 100 / hz / secs
	gen[$1, n[$1]] = $7 * 100 / secs
}
END {
	nc = split(cases, cs, " ")
	printf "\n%-13s %10s %13s %7s %11s %12s\n", "case (median)",
	    "replies/s", "us CPU/reply", "lost %", "server CPU", "loadgen CPU"
	for (k = 1; k <= nc; k++) {
		c = cs[k]
		for (i = 1; i <= n[c]; i++) {
			a1[i] = rate[c, i]; a2[i] = us[c, i]
			a3[i] = lost[c, i]; a4[i] = util[c, i]
			a5[i] = gen[c, i]
		}
		R[c] = median(a1, n[c]); U[c] = median(a2, n[c])
		printf "%-13s %10.0f %13.2f %7.3f %10.0f%% %11.0f%%\n", c,
		    R[c], U[c], median(a3, n[c]), median(a4, n[c]),
		    median(a5, n[c])
	}
	printf "\nratios of medians                  replies/s   CPU/reply\n"
	printf "timed-w1 / echo (ceiling)        %11.2f %11.2f\n",
	    R["timed-w1"] / R["echo"], U["timed-w1"] / U["echo"]
	printf "timed-w2 / echo (ceiling)        %11.2f %11.2f\n",
	    R["timed-w2"] / R["echo"], U["timed-w2"] / U["echo"]
	printf "timed-w1 / python                %11.2f %11.2f\n",
	    R["timed-w1"] / R["python"], U["timed-w1"] / U["python"]
	printf "timed-worst / timed-w1 (common)  %11.2f %11.2f\n",
	    R["timed-worst"] / R["timed-w1"], U["timed-worst"] / U["timed-w1"]
	printf "timed-ext / timed-w1             %11.2f %11.2f\n",
	    R["timed-ext"] / R["timed-w1"], U["timed-ext"] / U["timed-w1"]
}' "$T/results"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU columns are percent of one CPU over a round.  When neither the"
echo "server nor the load generator is near 100%, the rest of their CPUs"
echo "went to other processes or to waiting: replies/s then measures what"
echo "the machine had to spare, and CPU per reply is the figure to compare."
