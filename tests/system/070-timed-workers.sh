#!/bin/sh
# workers = 2: two threads share the port through SO_REUSEPORT; requests
# from many source ports are all answered, and the counters are summed.
. "$(dirname "$0")/../lib/common.sh"

TIMED_CONF='[timed]
workers = 2
[ratelimit]
enable = no' start_timed timed
wait_log "$T/timed.log" "with 2 workers"
i=0
while [ $i -lt 20 ]; do
	"$BIN/timec" -s "127.0.0.1:$TIMED_PORT" %Y >>"$T/years" || fail "timec $i"
	i=$((i + 1))
done
expect_eq "answers" "$(grep -c "^$(date +%Y)$" "$T/years")" 20
kill -TERM "$TIMED_PID"
wait "$TIMED_PID"
line=$(grep "exiting: received" "$T/timed.log")
expect_match "summed counters" "$line" "answered (2[0-9]|[3-9][0-9])"
exit 0
