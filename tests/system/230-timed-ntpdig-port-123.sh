#!/bin/sh
# ntpsec's SNTP client (ntpdig) only speaks to port 123: run timed there
# inside a private network namespace (as root, no other NTP server can
# be in the way) and check that ntpdig takes its answer.
. "$(dirname "$0")/../lib/common.sh"

command -v ntpdig >/dev/null || { echo "skip: no ntpdig"; exit 0; }
unshare -n true 2>/dev/null || { echo "skip: no network namespaces"; exit 0; }

timeout 30 unshare -n sh -c '
	ip link set lo up
	"$1" -l 127.0.0.1 -p 0 --ntp-port 123 --daytime-port 0 --time-port 0 \
	    --local-stratum 5 >"$2/timed.log" 2>&1 & pid=$!
	i=0; while ! grep -q "ready on port" "$2/timed.log"; do
		sleep 0.05; i=$((i + 1)); [ $i -lt 100 ] || exit 1; done
	ntpdig -t 2 127.0.0.1 >"$2/ntpdig.out" 2>&1; echo "rc=$?" >>"$2/ntpdig.out"
	kill $pid; wait' sh "$BIN/timed" "$T" || fail "could not run timed in a namespace"
grep -q "rc=0" "$T/ntpdig.out" || fail "ntpdig: $(cat "$T/ntpdig.out")"
grep -Eq '[+-][0-9]+\.[0-9]+ \+/- [0-9.]+ .*127\.0\.0\.1 s5 no-leap' "$T/ntpdig.out" ||
    fail "ntpdig output: $(cat "$T/ntpdig.out")"
grep -q "ntp listening on 127.0.0.1:123" "$T/timed.log" || fail "not on port 123"
exit 0
