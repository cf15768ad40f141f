#!/bin/sh
# timec --ntp asks a real NTP server, chronyd serving its clock on
# loopback ("local stratum 8", from a private chrony.conf), and prints the
# offset, delay, stratum and leap state; it does the same against timed.
# timec --daytime and --time read timed's Daytime and Time services.  The
# exit codes: 65 for an unsynchronised server, 69 when nobody answers,
# 75 for a RATE kiss-o'-death, 64 for a format with --ntp.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

command -v chronyd >/dev/null || { echo "skip: no chronyd"; exit 0; }
CHRONY_PORT=$(free_port)
# Nothing shared with another chronyd (another run of this test, say):
# no command port, no command socket in /run/chrony, files in $T.
cat >"$T/chrony.conf" <<EOF2
port $CHRONY_PORT
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
cmdport 0
bindcmdaddress /
pidfile $T/chronyd.pid
driftfile $T/chrony.drift
EOF2
# -x: never touch the system clock; -d: stay in the foreground.
chronyd -x -d -f "$T/chrony.conf" >"$T/chronyd.log" 2>&1 &
PIDS="$PIDS $!"

line=""
i=0
while [ $i -lt 20 ]; do
	line=$("$BIN/timec" --ntp -s "127.0.0.1:$CHRONY_PORT" -t 1 2>"$T/timec.err") &&
	    break
	i=$((i + 1))
done
expect_match "timec --ntp against chronyd" "$line" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}\.[0-9]{6} \([+-][0-9]{4}\) offset [+-]0\.[0-9]{6} delay 0\.[0-9]{6} 127\.0\.0\.1:$CHRONY_PORT s8 no-leap refid 127\.127\.1\.1$"

TIMED_CONF="[ratelimit]
interval = 4
burst = 2
leak = 0"
start_std_timed timed --local-stratum 9
line=$("$BIN/timec" --ntp -s "127.0.0.1:$NTP_PORT") || fail "timec --ntp against timed"
expect_match "timec --ntp against timed" "$line" ' offset [+-]0\.0[0-9]+ delay 0\.[0-9]+ .* s9 no-leap '
line=$("$BIN/timec" --daytime -s "127.0.0.1:$DAYTIME_PORT") || fail "timec --daytime"
expect_match "timec --daytime" "$line" '^[A-Z][a-z]+day, .*-UTC$'
line=$("$BIN/timec" --time -s "127.0.0.1:$TIME_PORT") || fail "timec --time"
expect_match "timec --time" "$line" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \([+-][0-9]{4}\) offset [+-][012] s$'

# The third NTP query, past the burst of 2, gets the RATE kiss-o'-death.
"$BIN/timec" --ntp -s "127.0.0.1:$NTP_PORT" >/dev/null || fail "second query"
"$BIN/timec" --ntp -s "127.0.0.1:$NTP_PORT" -t 2 >/dev/null 2>"$T/rate.err"
expect_eq "exit status when rate limited" "$?" 75
grep -q "RATE" "$T/rate.err" || fail "no RATE message: $(cat "$T/rate.err")"

"$BIN/timec" --ntp -s "127.0.0.1:$(free_port)" -t 1 >/dev/null 2>&1
expect_eq "exit status with no server" "$?" 69
"$BIN/timec" --ntp "%Y" >/dev/null 2>&1
expect_eq "exit status for --ntp with a format" "$?" 64

# timed's honest default: an unsynchronised kernel makes timec exit 65.
if ! kernel_synced; then
	TIMED_CONF=""
	start_std_timed honest
	"$BIN/timec" --ntp -s "127.0.0.1:$NTP_PORT" >"$T/honest.out" 2>"$T/honest.err"
	expect_eq "exit status for an unsynchronised server" "$?" 65
	grep -q " s16 unsync " "$T/honest.out" || fail "honest: $(cat "$T/honest.out")"
fi
exit 0
