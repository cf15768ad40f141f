#!/bin/sh
# timed serves its counters at /metrics when [timed] metrics is set:
# after timec queries of each service a scrape is valid Prometheus text
# (promtool), the counters of every worker are summed, and they agree
# with the ones SIGUSR1 logs.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"
. "$TESTS/lib/metrics.sh"

TIMED_CONF='[timed]
workers = 2
metrics = 127.0.0.1:0
[ratelimit]
enable = no'
start_std_timed t --local-stratum 9
addr=$(metrics_addr "$T/t.log")
[ -n "$addr" ] || fail "timed logged no metrics address"
scrape "$addr"
expect_eq "workers" "$(metric timed_workers)" 2
expect_eq "strftime requests before any" \
    "$(metric 'timed_requests_total{service="strftime"}')" 0

i=0
while [ $i -lt 8 ]; do
	"$BIN/timec" -s "127.0.0.1:$TIMED_PORT" "%Y" >/dev/null ||
	    fail "timec query $i"
	i=$((i + 1))
done
"$BIN/timec" -s "127.0.0.1:$TIMED_PORT" -z Nowhere/Atlantis "%H" \
    >/dev/null 2>&1
expect_eq "timec exit status for an unknown zone" "$?" 65
"$BIN/timec" --ntp -s "127.0.0.1:$NTP_PORT" >/dev/null || fail "timec --ntp"
"$BIN/timec" --daytime -s "127.0.0.1:$DAYTIME_PORT" >/dev/null ||
    fail "timec --daytime"
"$BIN/timec" --time -s "127.0.0.1:$TIME_PORT" >/dev/null || fail "timec --time"

scrape "$addr"
expect_ge "strftime requests" \
    "$(metric 'timed_requests_total{service="strftime"}')" 9
expect_ge "strftime replies" \
    "$(metric 'timed_replies_total{service="strftime"}')" 8
expect_ge "extended form" \
    "$(metric 'timed_strftime_requests_total{form="extended"}')" 9
expect_ge "unknown zone" \
    "$(metric 'timed_requests_rejected_total{service="strftime",reason="bad_zone"}')" 1
expect_ge "ntp replies" "$(metric 'timed_replies_total{service="ntp"}')" 1
expect_ge "daytime replies" \
    "$(metric 'timed_replies_total{service="daytime"}')" 1
expect_ge "time replies" "$(metric 'timed_replies_total{service="time"}')" 1

# The same sums as SIGUSR1 logs.
n=$(count_lines "$T/t.log" 'counters: received')
kill -USR1 "$TIMED_PID"
poll 10 more_lines "$T/t.log" 'counters: received' "$n" || fail "no counters"
line=$(grep 'counters: received' "$T/t.log" | tail -n 1)
expect_eq "received in the log" "$(count received "$line")" \
    "$(metric 'timed_requests_total{service="strftime"}')"
expect_eq "answered in the log" "$(count answered "$line")" \
    "$(metric 'timed_replies_total{service="strftime"}')"
line=$(counters t "$TIMED_PID" ntp)
expect_eq "ntp answered in the log" "$(count answered "$line")" \
    "$(metric 'timed_replies_total{service="ntp"}')"

# SIGHUP without the key switches the metrics off.
printf '[timed]\nworkers = 2\n[ratelimit]\nenable = no\n' >"$T/t.ini"
kill -HUP "$TIMED_PID"
wait_log "$T/t.log" 'metrics off'
expect_eq "ports after metrics off" "$(listening "$TIMED_PID")" ""

echo ok
