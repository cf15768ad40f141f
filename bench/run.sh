#!/bin/sh
# bench/run.sh: run every benchmark script in bench/ (the target of
# `make bench`).  Each script builds what it needs, runs its baselines side
# by side with our server, and prints medians and ratios.  Environment
# variables such as ROUNDS and SECS are passed through to the scripts.
set -u
cd "$(dirname "$0")/.." || exit 1
rc=0
for s in bench/*-bench.sh; do
	[ -f "$s" ] || continue
	echo "=== $s"
	sh "$s" || rc=1
done
exit $rc
