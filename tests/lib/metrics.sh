# tests/lib/metrics.sh: helpers for the metrics tests (8NN-*-metrics*.sh),
# sourced after tests/lib/common.sh.
#
# metrics_addr LOG: the address of the last "metrics on http://ADDR/metrics"
# line in LOG (a daemon with "metrics = 127.0.0.1:0" logs the port it got).
metrics_addr() {
	sed -n 's,.*metrics on http://\([^/]*\)/metrics$,\1,p' "$1" | tail -n 1
}

# scrape ADDR: GET http://ADDR/metrics into $T/scrape, failing the test
# unless it is answered 200 and promtool finds the text well-formed.
scrape() {
	curl -sS -f -m 10 -o "$T/scrape" "http://$1/metrics" 2>"$T/curl.err" ||
	    fail "scrape $1: $(cat "$T/curl.err")"
	promtool check metrics <"$T/scrape" >"$T/promtool.out" 2>&1 ||
	    fail "promtool check metrics: $(cat "$T/promtool.out")"
}

# metric NAME: the value of the sample NAME (with its labels, as in
# 'timed_requests_total{service="ntp"}') in the last scrape; fails the
# test if there is none.
metric() {
	mv_v=$(awk -v k="$1" '$1 == k { print $2 }' "$T/scrape")
	[ -n "$mv_v" ] || fail "no sample $1 in the scrape"
	echo "$mv_v"
}

# expect_ge WHAT GOT MIN: GOT (an integer) is at least MIN.
expect_ge() {
	[ "$2" -ge "$3" ] 2>/dev/null || fail "$1: got '$2', want at least $3"
}

# listening PID: the TCP ports PID listens on, one a line (none: empty).
listening() {
	ss -H -ltnp 2>/dev/null | awk -v p="pid=$1," 'index($0, p) {
	    n = split($4, a, ":"); print a[n] }'
}

# metric_is ADDR NAME VALUE: does a scrape of ADDR show NAME at VALUE?
# (For wait_for: a value that settles, as a queue that drains.)
metric_is() {
	scrape "$1"
	[ "$(metric "$2")" = "$3" ]
}
