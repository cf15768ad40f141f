#!/bin/sh
# Without --local-stratum, timed tells the truth about the clock: when the
# kernel calls it unsynchronised (as on a machine no NTP daemon steers),
# replies carry leap 3 and stratum 16, and a real client (chronyd) refuses
# to use them.  On a synchronised machine they carry leap 0-2 and the
# configured stratum (here 3) and refid.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

TIMED_CONF="[ntp]
stratum = 3
refid = 192.0.2.1"
start_std_timed timed
out=$(ntpq --port "$NTP_PORT")
if kernel_synced; then
	expect_match "synchronised kernel" "$out" \
	    '^len=48 li=[012] vn=4 mode=4 stratum=3 .*refid=192\.0\.2\.1 org=ok'
	echo "note: the kernel clock is synchronised here; checked that case"
	exit 0
fi
expect_match "unsynchronised kernel" "$out" \
    '^len=48 li=3 vn=4 mode=4 stratum=16 .*org=ok rec-xmt=ok'

timeout 20 chronyd -Q -t 3 -f /dev/null \
    "server 127.0.0.1 port $NTP_PORT iburst maxsamples 1" >"$T/chrony.log" 2>&1
grep -q "System clock wrong by" "$T/chrony.log" &&
    fail "chronyd used an unsynchronised server: $(cat "$T/chrony.log")"
c=$(counters timed "$TIMED_PID" ntp)
[ "$(count answered "$c")" -ge 2 ] || fail "chronyd got no answers: $c"
exit 0
