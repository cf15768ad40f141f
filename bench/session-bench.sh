#!/bin/sh
# session-bench.sh: medians of several runs of session-bench: messages per
# second and CPU microseconds per message through one session pair on
# loopback: sealed (AES-256-GCM where the CPU has AES instructions),
# sealed with XChaCha20-Poly1305, unsealed (comparison only), and sealed
# at 5% loss.
#
#   bench/session-bench.sh [binary] [runs] [messages] [sizes...]
set -eu
bin=${1:-build/bench/session-bench}
runs=${2:-5}
n=${3:-200000}
shift $(( $# > 3 ? 3 : $# ))
sizes=${*:-100 1000}

[ -x "$bin" ] || { echo "session-bench.sh: $bin: build it first" >&2; exit 1; }

# The median of the numbers on standard input.
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One field (name=value) of every line on standard input.
field() {
	tr ' ' '\n' | sed -n "s/^$1=//p"
}

printf '%-9s %6s %8s %12s %14s %12s\n' mode size msgs msgs/s cpu_us/msg \
    retransmits
for size in $sizes; do
	for mode in sealed xchacha unsealed loss5; do
		out=$(i=0; while [ $i -lt "$runs" ]; do
			"$bin" -m "$mode" -n "$n" -s "$size" 2>/dev/null
			i=$((i + 1))
		done)
		rate=$(printf '%s\n' "$out" | field msgs_per_s | median)
		cpu=$(printf '%s\n' "$out" | field cpu_us_per_msg | median)
		rtx=$(printf '%s\n' "$out" | field retransmits | median)
		printf '%-9s %6s %8s %12.0f %14.3f %12s\n' "$mode" "$size" \
		    "$n" "$rate" "$cpu" "$rtx"
	done
done
echo "(medians of $runs runs; both ends in one process and one thread," \
    "so CPU per message counts sender and receiver)"
