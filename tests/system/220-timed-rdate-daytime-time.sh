#!/bin/sh
# rdate reads the time from timed over SNTP (-n) and over RFC 868 Time
# on UDP (-u), and it agrees with the local clock; an RFC 867 Daytime
# request (any datagram, an empty one too) gets one line of UTC text.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

start_std_timed timed --local-stratum 4

# within 2 s of now: "date -d" of rdate's output against "date +%s"
near_now() {
	got=$(date -d "$2" +%s 2>/dev/null) || fail "$1: not a date: '$2'"
	d=$((got - $(date +%s)))
	[ "$d" -ge -2 ] && [ "$d" -le 2 ] || fail "$1: '$2' is ${d}s off"
}

out=$(timeout 10 rdate -n -p -o "$NTP_PORT" 127.0.0.1 2>&1) ||
    fail "rdate -n: $out"
near_now "rdate -n (SNTP)" "$(printf "%s\n" "$out" | tail -n 1)"

out=$(timeout 10 rdate -u -p -o "$TIME_PORT" 127.0.0.1 2>&1) ||
    fail "rdate -u: $out"
near_now "rdate -u (RFC 868)" "$(printf "%s\n" "$out" | tail -n 1)"

out=$(udp --port "$DAYTIME_PORT" "" "any text at all")
line1=$(printf '%s\n' "$out" | sed -n 1p | tr -d '\r')
expect_match "daytime" "$line1" \
    '^[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-UTC$'
near_now "daytime" "$(printf '%s' "$line1" | sed 's/-UTC$/ UTC/')"
expect_eq "daytime replies, each one CRLF line" \
    "$(printf '%s\n' "$out" | grep -c -- '-UTC.$')" 2

# Time: 4 bytes, seconds since 1900.
hex=$(udp --hex --port "$TIME_PORT" "")
expect_match "time reply" "$hex" '^[0-9a-f]{8}$'
d=$(( $(printf '%d' "0x$hex") - 2208988800 - $(date +%s) ))
[ "$d" -ge -2 ] && [ "$d" -le 2 ] || fail "RFC 868 time is ${d}s off"

c=$(counters timed "$TIMED_PID" daytime)
expect_eq "daytime answered" "$(count answered "$c")" 2
c=$(counters timed "$TIMED_PID" time)
expect_eq "time answered" "$(count answered "$c")" 2
exit 0
