#!/bin/sh
# timed-instr.sh: instructions timed's worker spends per answered request
# (user space only, counted by valgrind's callgrind, so the figure does
# not move with the machine's load), for the seed and the extended form;
# with BASE set, the same for the timed binary BASE names, side by side.
#
#   bench/timed-instr.sh                     this build (B, default build)
#   BASE=/old/build/bin/timed bench/timed-instr.sh
#
# The kernel's UDP path, most of timed's CPU, is not counted: this is for
# comparing two versions of timed's own code, not for absolute cost.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
BASE=${BASE:-}
SECS=${SECS:-3}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }
make --no-print-directory -s B="$B" "$B/bin/timed" "$B/bench/loadgen"
T=$(mktemp -d "${TMPDIR:-/tmp}/timed-instr.XXXXXX")
trap 'rm -rf "$T"' EXIT
printf '[timed]\nworkers = 1\n[ratelimit]\nenable = no\n' >"$T/timed.ini"

# one TIMED TAG MODE: print TAG, answered requests and Ir per request.
one() {
	valgrind --tool=callgrind --callgrind-out-file="$T/$2.out" \
	    --toggle-collect=worker_read_cb "$1" -c "$T/timed.ini" \
	    -l 127.0.0.1 -p 0 --ntp-port 0 --daytime-port 0 --time-port 0 \
	    >"$T/$2.log" 2>&1 &
	pid=$!
	port=""
	i=0
	while [ -z "$port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		port=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/$2.log")
		i=$((i + 1))
	done
	[ -n "$port" ] || { echo "$2: timed did not start" >&2; exit 1; }
	if [ "$3" = ext ]; then
		"$B/bench/loadgen" -s "127.0.0.1:$port" -m ext \
		    -f '%Y-%m-%d %H:%M:%S' -z Asia/Shanghai -d "$SECS" -w 16 \
		    >/dev/null
	else
		"$B/bench/loadgen" -s "127.0.0.1:$port" -m seed \
		    -f '%Y-%m-%d %H:%M:%S' -d "$SECS" -w 16 >/dev/null
	fi
	kill -TERM "$pid"
	wait "$pid" || true
	ans=$(sed -n 's/.*exiting: received [0-9]* answered \([0-9]*\).*/\1/p' \
	    "$T/$2.log")
	ir=$(callgrind_annotate "$T/$2.out" 2>/dev/null |
	    sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	printf '%-12s %-5s %9s requests %8s instructions each\n' "$2" "$3" \
	    "$ans" "$((ir / ans))"
}

for mode in seed ext; do
	one "$B/bin/timed" "this" "$mode"
	[ -n "$BASE" ] && one "$BASE" "base" "$mode"
done
