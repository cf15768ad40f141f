#!/bin/sh
# tests/run.sh BUILD_DIR...: run the whole suite against each build folder
# (unit tests, and system tests with BIN=BUILD_DIR/bin), the layer check
# (tests/check-layers.sh) once, the chat tests that matter to it once more
# with chatd on PostgreSQL and once more through a gateway (against the
# first build), and a short run of
# every fuzz target if build/fuzz/bin exists.
#
# Tests run $TEST_JOBS at a time (default: one per CPU and one more, since
# most of a system test's time is spent waiting on loss, timers and
# restarts, not computing; more than that starves the lossy-path tests,
# whose clients then meet their own timeouts), longest first, so
# that the last ones to finish are short: by the seconds each took in the
# last run (build/test-logs/times), else by the list of slow tests below.
# Each has a timeout ($TEST_TIMEOUT seconds) and a log in build/test-logs/.
# A line says PASS or FAIL as each test ends; a failure prints the end of
# its log.  The last line is the totals, "N passed, N failed"; the exit
# status is 1 if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=build/test-logs
mkdir -p "$logs"
FUZZ_SMOKE=${FUZZ_SMOKE:-5}
TEST_TIMEOUT=${TEST_TIMEOUT:-180}
TEST_JOBS=${TEST_JOBS:-$(( $(nproc 2>/dev/null || echo 1) + 1 ))}
case $TEST_JOBS in
''|*[!0-9]*|0) echo "run.sh: TEST_JOBS=$TEST_JOBS: not a count" >&2; exit 2 ;;
esac
tab=$(printf '\t')

# Before a first run has timed them: the tests that took 4 s or more
# (the slower of the plain and the sanitizer build, on 2 CPUs).  Any
# other test counts as 1 s, a fuzz target as its FUZZ_SMOKE seconds.
slow="65	system/601-chat-listen-lossy-restart
35	system/602-chat-nat-lossy-restart
26	system/830-debian-packages
25	system/600-chat-send-lossy-path
22	system/390-chat-sender-backpressure
10	system/603-tui-reconnect-countdown
9	system/395-chat-idle-session
9	system/450-tui-chatd-restart-outbox
8	system/820-install-layout-units
8	system/360-chat-kill9
8	system/250-timed-ntp-rate-limit
7	system/040-timed-hostile-input
5	system/240-timed-ntp-hostile
5	system/315-chat-store-wal-bounded
4	system/210-timed-ntp-honest-default
4	system/260-timec-ntp-daytime-time
4	system/330-chat-idempotent-resend
4	system/440-tui-chat-two-users"

run=$(mktemp -d "${TMPDIR:-/tmp}/run-tests.XXXXXX") || exit 1
trap 'rm -rf "$run"' EXIT

# add KEY NAME LOG KIND BUILD FILE: queue one test.  KEY names it across
# builds (for the list above), NAME in the report; KIND says how to run
# FILE (unit, system, layers, fuzz); "-" stands for an empty field.
seq=0
add() {
	seq=$((seq + 1))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$seq" "$@" >>"$run/list"
}

for b in "$@"; do
	tag=$(basename "$b")
	mkdir -p "$logs/$tag"
	for t in "$b"/tests/unit/*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		add "unit/$n" "$tag/unit/$n" "$logs/$tag/unit-$n.log" unit "$b" "$t"
	done
	for t in tests/system/*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		add "system/$n" "$tag/system/$n" "$logs/$tag/system-$n.log" \
		    system "$b" "$t"
	done
done
add check-layers check-layers "$logs/check-layers.log" layers - \
    tests/check-layers.sh

# The second store mode: the chat tests of relaying, hostile clients,
# contacts and groups again, against the first build, with every chatd
# committing to a PostgreSQL log (CHAT_STORE=postgresql, tests/lib/chat.sh;
# docs/CLUSTER.md).  Not 315, a test of the SQLite syncer's own log
# file.  (709 and 712 upgrade stores made by older versions, which then
# become their log's first change.)
pg_tests="310 320 330 360 380 385 500 523 540 550 551 700 701 702 703 704
705 706 707 708 709 712 713 715 725 750 751 752 753 754 755 756 757"
# (Without PostgreSQL they fail, as the cluster's tests do: it is in the
# packages `make deps` installs.)
# The same tests through a gateway (CHAT_CLUSTER=gateway,
# tests/lib/chat.sh; docs/CLUSTER.md, "Gateways"): the clients on a
# gateway, the store on a core behind it, NATS between; the session
# layer's counters the tests read are the gateway's.  521 too: a
# device's address is the one the gateway tells the core.
gw_tests="310 320 330 360 380 385 500 521 523 540 550 551 700 701 702 703
704 705 706 707 708 709 712 713 715 725 750 751 752 753 754 755 756 757"
# add_mode MODE TESTS BUILD: the system tests numbered TESTS once more
# against BUILD, in MODE (pg or gw), as MODE/system/NAME.
add_mode() {
	am_tag=$(basename "$3")
	for k in $2; do
		for t in tests/system/"$k"-*.sh; do
			[ -f "$t" ] || continue
			n=$(basename "$t" .sh)
			add "$1/system/$n" "$am_tag/$1/system/$n" \
			    "$logs/$am_tag/$1-system-$n.log" "${1}system" "$3" "$t"
		done
	done
}
if [ $# -gt 0 ]; then
	add_mode pg "$pg_tests" "$1"
	add_mode gw "$gw_tests" "$1"
fi
if [ -d build/fuzz/bin ]; then
	for t in build/fuzz/bin/*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		mkdir -p "build/fuzz/corpus/$n"
		add "fuzz/$n" "fuzz/$n" "$logs/fuzz-$n.log" fuzz - "$t"
	done
fi
[ -f "$run/list" ] || { echo "0 passed, 0 failed"; exit 0; }

# The queue, longest first: "SECONDS SEQ NAME LOG KIND BUILD FILE".
printf '%s\n' "$slow" >"$run/slow"
touch "$logs/times"
awk -F '\t' -v OFS='\t' -v fuzz="$FUZZ_SMOKE" '
	FILENAME == ARGV[1] { last[$2] = $1; next }
	FILENAME == ARGV[2] { slow[$2] = $1; next }
	{
		if ($3 in last) s = last[$3]
		else if ($2 in slow) s = slow[$2]
		else if ($5 == "fuzz") s = fuzz
		else s = 1
		print s, $1, $3, $4, $5, $6, $7
	}' "$logs/times" "$run/slow" "$run/list" |
    sort -t "$tab" -k1,1nr -k2,2n >"$run/queue"

# job SEQ NAME LOG COMMAND...: run one test with a timeout, in a slot the
# caller took; keep its result and time, print its report in one piece,
# and give the slot back.
job() {
	id=$1; name=$2; log=$3; shift 3
	start=$(date +%s)
	timeout -k 5 "$TEST_TIMEOUT" "$@" </dev/null >"$log" 2>&1 9>&- &
	echo $! >"$run/$id.pid"
	wait $!
	rc=$?
	rm -f "$run/$id.pid"
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		printf '%s\t%s\n' "$secs" "$name" >"$run/$id.pass"
		printf 'PASS  %-50s %3ss\n' "$name" "$secs" >"$run/$id.out"
	else
		echo "$name" >"$run/$id.fail"
		{
			printf 'FAIL  %-50s %3ss (exit %s, log %s)\n' \
			    "$name" "$secs" "$rc" "$log"
			tail -n 25 "$log" | sed 's/^/    | /'
		} >"$run/$id.out"
	fi
	cat "$run/$id.out"
	echo >&9
}

# Stopped by a signal: stop the running tests too (each timeout passes
# the signal on to its test's process group).
stop() {
	for f in "$run"/*.pid; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	wait
	exit 130
}
trap stop INT TERM

# A slot is a line in a FIFO: take one before starting a test; the test
# gives it back when it ends.
mkfifo "$run/slots" || exit 1
exec 9<>"$run/slots"
i=0
while [ $i -lt "$TEST_JOBS" ]; do echo >&9; i=$((i + 1)); done
while IFS=$tab read -r est id name log kind b t; do
	read -r slot <&9 || break
	case $kind in
	unit)
		job "$id" "$name" "$log" "$t" & ;;
	layers)
		job "$id" "$name" "$log" sh "$t" & ;;
	system)
		case $b in /*) ;; *) b=$top/$b ;; esac
		job "$id" "$name" "$log" env BIN="$b/bin" BUILD="$b" \
		    sh "$t" & ;;
	pgsystem|gwsystem)
		case $b in /*) ;; *) b=$top/$b ;; esac
		if [ "$kind" = pgsystem ]; then mode=CHAT_STORE=postgresql
		else mode=CHAT_CLUSTER=gateway; fi
		job "$id" "$name" "$log" env BIN="$b/bin" BUILD="$b" "$mode" \
		    sh "$t" & ;;
	fuzz)
		n=$(basename "$t")
		seeds=""
		[ -d "tests/fuzz/seeds/$n" ] && seeds="tests/fuzz/seeds/$n"
		# shellcheck disable=SC2086
		job "$id" "$name" "$log" "$t" -max_total_time="$FUZZ_SMOKE" \
		    "build/fuzz/corpus/$n" $seeds & ;;
	esac
done <"$run/queue"
wait
exec 9>&-

# Keep the times of the tests that passed, for the next run's order.
cat "$run"/*.pass 2>/dev/null | cat "$logs/times" - |
    awk -F '\t' '{ t[$2] = $1 } END { for (n in t) print t[n] "\t" n }' |
    sort -t "$tab" -k2 >"$logs/times.$$" && mv "$logs/times.$$" "$logs/times"

pass=$(cat "$run"/*.pass 2>/dev/null | wc -l)
fail=$(cat "$run"/*.fail 2>/dev/null | wc -l)
[ "$fail" -gt 0 ] &&
    echo "failed:$(sort "$run"/*.fail | sed 's/^/ /' | tr -d '\n')"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
