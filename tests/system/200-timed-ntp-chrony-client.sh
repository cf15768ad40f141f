#!/bin/sh
# chronyd, as a one-shot NTP client, accepts timed's NTP answers when
# timed serves its clock with --local-stratum; the reply is the 48-byte
# mode-4 packet RFC 5905 describes: the request's version, our transmit
# timestamp as origin, receive <= transmit, the configured stratum.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

start_std_timed timed --local-stratum 8

out=$(ntpq --port "$NTP_PORT")
expect_match "v4 reply" "$out" \
    '^len=48 li=0 vn=4 mode=4 stratum=8 .*refid=127\.127\.1\.1 org=ok rec-xmt=ok'
expect_match "offset" "$out" 'offset=[+-]0\.0'
expect_match "v3 reply" "$(ntpq --port "$NTP_PORT" --vn 3)" \
    '^len=48 li=0 vn=3 mode=4 stratum=8 '
expect_match "v1 reply" "$(ntpq --port "$NTP_PORT" --vn 1)" \
    '^len=48 li=0 vn=1 mode=4 '

timeout 30 chronyd -Q -t 10 -f /dev/null \
    "server 127.0.0.1 port $NTP_PORT iburst maxsamples 1" >"$T/chrony.log" 2>&1 ||
    fail "chronyd -Q failed: $(cat "$T/chrony.log")"
grep -q "System clock wrong by" "$T/chrony.log" ||
    fail "chronyd did not accept timed: $(cat "$T/chrony.log")"
c=$(counters timed "$TIMED_PID" ntp)
[ "$(count answered "$c")" -ge 4 ] || fail "ntp counters: $c"
exit 0
