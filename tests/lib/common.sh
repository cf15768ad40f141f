# tests/lib/common.sh: helpers for system tests, sourced by each
# tests/system/NNN-*.sh.  A test runs real programs from $BIN on loopback
# with ephemeral ports and private configs in its own temporary folder,
# and fails (exit 1) with a message at the first unmet expectation.
set -u
: "${BIN:?BIN must name the folder of the programs under test}"
TESTS=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/udp-suite-test.XXXXXX")
PIDS=""

cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; } >&2
	done
	exit 1
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
	TIMED_PORT=""
	i=0
	while [ $i -lt 100 ]; do
		TIMED_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' \
		    "$T/$name.log" | head -n 1)
		[ -n "$TIMED_PORT" ] && return 0
		kill -0 "$TIMED_PID" 2>/dev/null || fail "timed exited at start"
		sleep 0.05
		i=$((i + 1))
	done
	fail "timed did not start"
}

# wait_log FILE REGEX: wait up to 5 s for a line matching REGEX.
wait_log() {
	i=0
	while [ $i -lt 100 ]; do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	fail "no line matching /$2/ in $1"
}

# udp HOST PORT [--ipv6] [--timeout S] [--hex] PAYLOAD...: send raw datagrams.
udp() {
	python3 "$TESTS/lib/udpc.py" "$@"
}
