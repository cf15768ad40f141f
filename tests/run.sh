#!/bin/sh
# tests/run.sh BUILD_DIR...: run the whole suite against each build folder
# (unit tests, then system tests with BIN=BUILD_DIR/bin), then a short run
# of every fuzz target if build/fuzz/bin exists.  Each test has a timeout.
# Logs go to build/test-logs/; a failure prints the end of its log.  The
# last line is the totals, "N passed, N failed"; the exit status is 1 if
# anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=build/test-logs
mkdir -p "$logs"
pass=0
fail=0
failed=""
FUZZ_SMOKE=${FUZZ_SMOKE:-5}
TEST_TIMEOUT=${TEST_TIMEOUT:-180}

# run NAME LOG COMMAND...: run one test with a timeout and record it.
run() {
	name=$1; log=$2; shift 2
	start=$(date +%s)
	timeout -k 5 "$TEST_TIMEOUT" "$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-50s %3ss\n' "$name" "$secs"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		printf 'FAIL  %-50s %3ss (exit %s, log %s)\n' "$name" "$secs" "$rc" "$log"
		tail -n 25 "$log" | sed 's/^/    | /'
	fi
}

for b in "$@"; do
	tag=$(basename "$b")
	mkdir -p "$logs/$tag"
	for t in "$b"/tests/unit/*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		run "$tag/unit/$n" "$logs/$tag/unit-$n.log" "$t"
	done
	for t in tests/system/*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		run "$tag/system/$n" "$logs/$tag/system-$n.log" \
		    env BIN="$top/$b/bin" BUILD="$top/$b" sh "$t"
	done
done

if [ -d build/fuzz/bin ]; then
	for t in build/fuzz/bin/*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		mkdir -p "build/fuzz/corpus/$n"
		seeds=""
		[ -d "tests/fuzz/seeds/$n" ] && seeds="tests/fuzz/seeds/$n"
		run "fuzz/$n" "$logs/fuzz-$n.log" "$t" \
		    -max_total_time="$FUZZ_SMOKE" "build/fuzz/corpus/$n" $seeds
	done
fi

[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
