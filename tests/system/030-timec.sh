#!/bin/sh
# timec against a real timed: formats compared with date(1), the default
# format, time zones, errors with their exit codes, long formats that need
# a padded request, the timeout when nothing answers, and IPv6.
. "$(dirname "$0")/../lib/common.sh"

start_timed timed
S=127.0.0.1:$TIMED_PORT

expect_eq "timec %Y-%m-%d" "$("$BIN/timec" -s "$S" "%Y-%m-%d")" "$(date +%Y-%m-%d)"
expect_eq "timec %Y" "$("$BIN/timec" -s "$S" "%Y")" "$(date +%Y)"
expect_eq "timec %j (day of year)" "$("$BIN/timec" -s "$S" "%j")" "$(date +%j)"
expect_match "default format" "$("$BIN/timec" -s "$S")" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
expect_eq "TIMEC_SERVER" "$(TIMEC_SERVER=$S "$BIN/timec" %Y)" "$(date +%Y)"

# %s: seconds since the epoch, within a second or two of ours.
s=$("$BIN/timec" -s "$S" "%s")
d=$(( s - $(date +%s) ))
[ "$d" -ge -2 ] && [ "$d" -le 2 ] || fail "%s is $s, date says $(date +%s)"

# Time zones: the server's answer matches date(1) in that zone.
for z in Asia/Shanghai America/New_York UTC Asia/Kathmandu; do
	got=$("$BIN/timec" -s "$S" -z "$z" "%Y-%m-%d %H:%M %Z %z")
	want=$(TZ=$z date "+%Y-%m-%d %H:%M %Z %z")
	expect_eq "zone $z" "$got" "$want"
done

# Refusals: one line on stderr, exit 65.
for bad in "-z Mars/Olympus_Mons %H" "-z ../../etc/passwd %H" \
    "-z /etc/localtime %H" "%Q" "%" "%1000000Y" "%Ey%"; do
	# shellcheck disable=SC2086
	"$BIN/timec" -s "$S" $bad >"$T/out" 2>"$T/err"
	expect_eq "exit status for '$bad'" "$?" 65
	expect_eq "stdout for '$bad'" "$(cat "$T/out")" ""
	expect_eq "stderr lines for '$bad'" "$(wc -l <"$T/err")" 1
done
grep -q "unknown time zone" "$T/err" || true

# A long output needs a padded request: timec asks again with padding.
long=""
i=0
while [ $i -lt 16 ]; do long="$long%F %T|"; i=$((i + 1)); done
want=$(date "+$long" | cut -c1-10)
got=$("$BIN/timec" -s "$S" "$long")
expect_eq "long output length" "${#got}" 320
expect_eq "long output start" "$(echo "$got" | cut -c1-10)" "$want"

# Nothing listening: retransmissions, then exit 69 after the timeout.
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s)
"$BIN/timec" -s "127.0.0.1:$port" -t 1 2>"$T/err"
expect_eq "exit status with no server" "$?" 69
grep -q "no answer" "$T/err" || fail "timeout message: $(cat "$T/err")"
[ $(( $(date +%s) - start )) -le 4 ] || fail "timec took too long to give up"

# Bad usage: exit 64.
"$BIN/timec" -t abc 2>/dev/null
expect_eq "exit status for -t abc" "$?" 64
"$BIN/timec" a b 2>/dev/null
expect_eq "exit status for two formats" "$?" 64
"$BIN/timec" -s "[::1" 2>/dev/null
expect_eq "exit status for a bad address" "$?" 64
"$BIN/timec" -s "no-such-host.invalid" 2>/dev/null
expect_eq "exit status for an unknown host" "$?" 68
"$BIN/timec" --help | grep -q "Exit status" || fail "--help"
"$BIN/timec" --version | grep -q "^timec " || fail "--version"

# IPv6, if loopback has it.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1",0))' 2>/dev/null; then
	"$BIN/timed" -l ::1 -p 0 >"$T/v6.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_log "$T/v6.log" "ready on port"
	p6=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/v6.log")
	expect_eq "timec over IPv6" "$("$BIN/timec" -s "[::1]:$p6" %Y)" "$(date +%Y)"
	expect_eq "raw IPv6" "$(udp --host ::1 --port "$p6" %Y)" "$(date +%Y)"
else
	echo "skip: no IPv6 loopback"
fi
exit 0
