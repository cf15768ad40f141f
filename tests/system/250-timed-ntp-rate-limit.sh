#!/bin/sh
# A flood of NTP requests from one source is rate limited: after the
# burst, only one request in 2^leak is answered, and the source is told
# once (per interval) with a RATE kiss-o'-death: stratum 0, refid "RATE".
# Daytime and Time are limited likewise (with no notice: there is none in
# those protocols).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

TIMED_CONF="[ratelimit]
interval = 4
burst = 8
leak = 2"
start_std_timed timed --local-stratum 8

out=$(ntpq --port "$NTP_PORT" --flood 200)
replies=$(printf '%s' "$out" | sed -n 's/.*replies=\([0-9]*\).*/\1/p')
kod=$(printf '%s' "$out" | sed -n 's/.*kod=\([0-9]*\).*/\1/p')
[ "$replies" -ge 8 ] && [ "$replies" -lt 120 ] || fail "flood: $out"
expect_eq "RATE kiss-o'-death packets in one interval" "$kod" 1

c=$(counters timed "$TIMED_PID" ntp)
expect_eq "kod counter" "$(count kod "$c")" 1
[ "$(count ratelimited "$c")" -ge 100 ] || fail "ntp counters: $c"

# Daytime: 50 requests, most of them unanswered.
n=$(udp --port "$DAYTIME_PORT" --timeout 0.2 $(seq 1 50) | grep -c UTC)
[ "$n" -ge 8 ] && [ "$n" -lt 40 ] || fail "daytime answered $n of 50"
c=$(counters timed "$TIMED_PID" daytime)
[ "$(count ratelimited "$c")" -ge 10 ] || fail "daytime counters: $c"
exit 0
