#!/bin/sh
# Signals: SIGHUP reloads the configuration (a smaller max_output takes
# effect), a broken file on reload is reported and the old configuration
# kept; SIGUSR1 logs counters; SIGTERM and SIGINT stop cleanly with exit 0.
. "$(dirname "$0")/../lib/common.sh"

start_timed timed
P=$TIMED_PORT
expect_match "before reload" "$(udp --port $P --ext %Y-%m-%d)" '^status=0 info=10 '

printf '[ratelimit]\nenable = no\n[limits]\nmax_output = 4\n' >"$T/timed.ini"
kill -HUP "$TIMED_PID"
wait_log "$T/timed.log" "configuration reloaded"
expect_eq "after reload" "$(udp --port $P --ext %Y-%m-%d)" "status=2 info=0 text="
expect_eq "after reload, short" "$(udp --port $P --ext %Y)" "status=0 info=4 text=$(date +%Y)"

printf '[limits]\nmax_output = lots\n' >"$T/timed.ini"
kill -HUP "$TIMED_PID"
wait_log "$T/timed.log" "reload failed"
grep -q 'timed.ini:limits:max_output: "lots"' "$T/timed.log" || fail "reload error message"
expect_eq "old config kept" "$(udp --port $P --ext %Y)" "status=0 info=4 text=$(date +%Y)"

kill -USR1 "$TIMED_PID"
wait_log "$T/timed.log" "counters: received [0-9]+ answered"
kill -TERM "$TIMED_PID"
wait "$TIMED_PID"
expect_eq "exit status after SIGTERM" "$?" 0
grep -q "signal 15: stopping" "$T/timed.log" || fail "no stop message"

start_timed second
kill -INT "$TIMED_PID"
wait "$TIMED_PID"
expect_eq "exit status after SIGINT" "$?" 0
exit 0
