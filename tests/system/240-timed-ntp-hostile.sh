#!/bin/sh
# What is not a well-formed NTP client request gets no answer at all and
# does no harm: short and empty datagrams, versions 0 and 5-7, modes 0-2
# and 4-7 (replies, broadcasts, ntpq's control and ntpdc's private mode,
# the monlist amplifier), malformed extension fields, MACs (timed holds no
# keys).  A request with a well-formed extension field gets the plain
# 48-byte reply, never more than it sent.  timed still answers afterwards
# and its counters saw every case.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

start_std_timed timed --local-stratum 8

# none ARGS...: send a request that must get no reply.  Each waits its
# 0.3 s for one in the background, all at once; no_replies checks them.
nones=0
none_pids=""
none() {
	nones=$((nones + 1))
	printf '%s\n' "$*" >"$T/none.$nones.args"
	ntpq --port "$NTP_PORT" --timeout 0.3 "$@" >"$T/none.$nones.out" 2>&1 &
	none_pids="$none_pids $!"
}

# no_replies: every request sent by none got no reply.
no_replies() {
	# shellcheck disable=SC2086
	wait $none_pids
	i=1
	while [ $i -le $nones ]; do
		expect_eq "no reply to $(cat "$T/none.$i.args")" \
		    "$(cat "$T/none.$i.out")" TIMEOUT
		i=$((i + 1))
	done
}
# Short: 0, 1 and 47 bytes (ntpq.py sends the raw hex).
none --hex ""
none --hex "23"
none --hex "$(printf '23%092d' 0)"
# Versions 0, 5, 6, 7.
for v in 0 5 6 7; do none --vn "$v"; done
# Modes other than client.
for m in 0 1 2 4 5 6 7; do none --mode "$m"; done
# ntpq's "readvar" (mode 6, 12 bytes) and ntpdc's monlist (mode 7).
none --hex "160100010000000000000000"
none --hex "$(printf '1700032a%0384d' 0)"
# Malformed trailers: 3 bytes, an extension field too long, too short,
# not a multiple of 4; a trailer after an NTPv3 header.
none --trailer "000000"
none --trailer "$(printf '01040040%056d' 0)"
none --trailer "$(printf '0104000c%032d' 0)"
none --trailer "$(printf '01040012%056d' 0)"
none --vn 3 --trailer "$(printf '01040020%056d' 0)"
# MACs (MD5, SHA-1) and a crypto-NAK: no keys here, no answer.
none --trailer "00000001$(printf '%032d' 0)"
none --trailer "00000001$(printf '%040d' 0)"
none --trailer "00000000"
no_replies

# A well-formed 32-byte extension field: answered with 48 bytes.
out=$(ntpq --port "$NTP_PORT" --trailer "$(printf '01040020%056d' 0)")
expect_match "request with an extension field" "$out" '^len=48 li=0 vn=4 mode=4 '

# Random garbage, then a normal request still works.
udp --port "$NTP_PORT" --random 500 >/dev/null
kill -0 "$TIMED_PID" || fail "timed died"
expect_match "still answering" "$(ntpq --port "$NTP_PORT")" '^len=48 .*org=ok'

c=$(counters timed "$TIMED_PID" ntp)
[ "$(count malformed "$c")" -ge 12 ] || fail "malformed not counted: $c"
[ "$(count ignored "$c")" -ge 9 ] || fail "wrong modes not counted: $c"
[ "$(count auth "$c")" -ge 3 ] || fail "MACs not counted: $c"
exit 0
