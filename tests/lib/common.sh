# tests/lib/common.sh: helpers for system tests, sourced by each
# tests/system/NNN-*.sh.  A test runs real programs from $BIN on loopback
# with ephemeral ports and private configs in its own temporary folder,
# and fails (exit 1) with a message at the first unmet expectation.  A
# test waits by polling for the condition it then checks (wait_for), never
# with a bare sleep, unless the time itself is the behaviour under test.
set -u
: "${BIN:?BIN must name the folder of the programs under test}"
TESTS=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/udp-suite-test.XXXXXX")
PIDS=""

# kill_tree PID: TERM a process and everything below it.
kill_tree() {
	for kt_c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$kt_c"; done
	kill -TERM "$1" 2>/dev/null
}

cleanup() {
	# With what runs below them: a helper function put in the
	# background (chat ... listen &) is a subshell whose chatc would
	# outlive it.
	for p in $PIDS $(pgrep -P $$ 2>/dev/null); do kill_tree "$p"; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
# Stopped by a signal (the runner's timeout sends TERM): clean up as well,
# or the daemons that left the process group (tmux) and $T would stay.
trap 'exit 143' TERM
trap 'exit 130' INT

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
	done
	exit 1
}

# poll SECONDS COMMAND...: run COMMAND (a function too) every 0.05 s until
# it succeeds (status 0), or until SECONDS (an integer) have passed
# (status 1).
poll() {
	poll_end=$(( $(date +%s%3N) + $1 * 1000 )); shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$poll_end" ] || return 1
		sleep 0.05
	done
}

# wait_for SECONDS COMMAND...: poll, and fail the test, naming COMMAND, if
# it has not succeeded within SECONDS.
wait_for() {
	wf_secs=$1
	poll "$@" || { shift; fail "not so after ${wf_secs} s: $*"; }
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_match WHAT GOT REGEX (extended)
expect_match() {
	printf '%s' "$2" | grep -Eq -- "$3" || fail "$1: '$2' does not match /$3/"
}

# start_timed NAME [ARGS...]: start timed on an ephemeral loopback port
# with the private config $T/NAME.ini (written from $TIMED_CONF, which by
# default switches rate limiting off), logging to $T/NAME.log; sets
# TIMED_PID and TIMED_PORT.  The standard protocols (NTP, Daytime, Time)
# are off unless ARGS turn them on, so tests never share their ports.
start_timed() {
	name=$1; shift
	printf '%s\n' "${TIMED_CONF:-[ratelimit]
enable = no}" >"$T/$name.ini"
	"$BIN/timed" -c "$T/$name.ini" -l 127.0.0.1 -p 0 --ntp-port 0 \
	    --daytime-port 0 --time-port 0 "$@" \
	    >"$T/$name.log" 2>&1 &
	TIMED_PID=$!
	PIDS="$PIDS $TIMED_PID"
	poll 10 started "$TIMED_PID" "$T/$name.log" 0 ||
	    fail "timed did not start"
	TIMED_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' \
	    "$T/$name.log" | tail -n 1)
}

# started PID LOG N: has the daemon PID said "ready on port" in LOG,
# which held N such lines before it began?  Fails the test if PID exited.
started() {
	more_lines "$2" "ready on port" "$3" && return 0
	kill -0 "$1" 2>/dev/null || fail "$(basename "$2" .log) exited at start"
	return 1
}

# count_lines FILE REGEX: how many lines of FILE match REGEX (extended).
count_lines() {
	cl_n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
	echo "${cl_n:-0}"
}

# more_lines FILE REGEX N: does FILE have more than N lines matching REGEX?
more_lines() {
	[ "$(count_lines "$1" "$2")" -gt "$3" ]
}

# wait_log FILE REGEX: wait up to 10 s for a line matching REGEX.
wait_log() {
	poll 10 more_lines "$1" "$2" 0 || fail "no line matching /$2/ in $1"
}

# udp HOST PORT [--ipv6] [--timeout S] [--hex] PAYLOAD...: send raw datagrams.
udp() {
	python3 "$TESTS/lib/udpc.py" "$@"
}
