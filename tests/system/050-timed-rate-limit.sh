#!/bin/sh
# Per-source rate limiting: a burst is answered, then the source is told
# "rate limited" once and further requests are dropped; timec reports it
# with exit 75; after the interval the source is answered again.
. "$(dirname "$0")/../lib/common.sh"

TIMED_CONF='[ratelimit]
enable = yes
interval = 3
burst = 4
leak = 0' start_timed timed
P=$TIMED_PORT
FIRST=$TIMED_PID

out=$(udp --port $P --timeout 0.3 --ext %Y %Y %Y %Y %Y %Y %Y %Y)
ok=$(echo "$out" | grep -c '^status=0 ')
limited=$(echo "$out" | grep -c '^status=4 ')
silent=$(echo "$out" | grep -c '^TIMEOUT')
expect_eq "answered in the burst" "$ok" 4
expect_eq "rate-limited notices" "$limited" 1
expect_eq "dropped after the notice" "$silent" 3

# Seed form beyond the limit: silence.
expect_eq "seed when limited" "$(udp --port $P --timeout 0.3 %Y)" TIMEOUT

# timec is told, says so on one line and exits 75 (EX_TEMPFAIL).
TIMED_CONF='[ratelimit]
interval = 4
burst = 1
leak = 0' start_timed one
expect_eq "first request" "$(udp --port "$TIMED_PORT" %Y)" "$(date +%Y)"
"$BIN/timec" -s "127.0.0.1:$TIMED_PORT" -t 2 %Y >"$T/out" 2>"$T/err"
expect_eq "timec exit status when limited" "$?" 75
expect_eq "timec message" "$(cat "$T/err")" "timec: server: rate limited, try again later"

# After 2^interval seconds per token the source is answered again.
TIMED_CONF='[ratelimit]
interval = 0
burst = 2
leak = 0' start_timed refill
out=$(udp --port "$TIMED_PORT" --timeout 0.3 --ext %Y %Y %Y)
expect_eq "burst of 2" "$(echo "$out" | grep -c '^status=0 ')" 2
# answered: is a seed request from here answered (a limited one is not)?
answered() {
	[ "$(udp --port "$TIMED_PORT" --timeout 0.3 %Y)" = "$(date +%Y)" ]
}
wait_for 5 answered

kill -USR1 "$FIRST"
wait_log "$T/timed.log" "counters: received"
line=$(grep "counters: received" "$T/timed.log" | tail -n 1)
n=$(echo "$line" | sed 's/.* ratelimited \([0-9]*\).*/\1/')
[ "$n" -ge 4 ] || fail "ratelimited counter: $line"
exit 0
