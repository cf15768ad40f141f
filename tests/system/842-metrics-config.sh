#!/bin/sh
# The metrics are off by default: chatd and timed listen on no TCP port.
# A bad "metrics =" value is a configuration error (-n exits 78 naming
# file:section:metrics), and a port already taken stops the start with a
# message that says so.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/metrics.sh"

start_chatd d
expect_eq "chatd's TCP ports by default" "$(listening "$CHATD_PID")" ""
grep -q 'metrics on' "$T/d.log" && fail "chatd served metrics by default"
start_timed t
expect_eq "timed's TCP ports by default" "$(listening "$TIMED_PID")" ""
grep -q 'metrics on' "$T/t.log" && fail "timed served metrics by default"

# configtest PROG SECTION VALUE WANT_RC [REGEX]: PROG -n on a file whose
# SECTION sets metrics = VALUE exits WANT_RC, saying REGEX.
configtest() {
	printf '[%s]\nmetrics = %s\n' "$2" "$3" >"$T/bad.ini"
	"$BIN/$1" -n -c "$T/bad.ini" >"$T/ct.out" 2>&1
	rc=$?
	[ "$rc" = "$4" ] ||
	    fail "$1 -n with metrics = $3: exit $rc, want $4: $(cat "$T/ct.out")"
	[ -z "${5:-}" ] || grep -Eq -- "$5" "$T/ct.out" ||
	    fail "$1 -n with metrics = $3: '$(cat "$T/ct.out")' does not match /$5/"
}
for p in chatd timed; do
	configtest $p $p 127.0.0.1:9100 0
	configtest $p $p '[::1]:9100' 0
	configtest $p $p '*:9100' 0
	configtest $p $p 127.0.0.1 78 "bad.ini:$p:metrics: .*no port"
	configtest $p $p 127.0.0.1:99999 78 "bad.ini:$p:metrics: .*65535"
	configtest $p $p :9100 78 "bad.ini:$p:metrics: .*no address"
	configtest $p $p '[::1:9100' 78 "bad.ini:$p:metrics: .*missing"
done

# A port that another program holds: the daemon does not start.
python3 - >"$T/holder.out" 2>&1 <<'PY' &
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print("port", s.getsockname()[1], flush=True)
time.sleep(60)
PY
PIDS="$PIDS $!"
wait_log "$T/holder.out" '^port'
port=$(sed -n 's/^port //p' "$T/holder.out")
printf '[chatd]\nmetrics = 127.0.0.1:%s\n' "$port" >"$T/taken.ini"
"$BIN/chatd" -c "$T/taken.ini" -l 127.0.0.1 -p 0 -D "$T/taken.state" \
    >"$T/taken.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "chatd started with its metrics port taken"
grep -q "metrics: 127.0.0.1:$port: Address already in use" "$T/taken.log" ||
    fail "chatd's message for a taken port: $(cat "$T/taken.log")"
printf '[timed]\nmetrics = 127.0.0.1:%s\n' "$port" >"$T/taken.ini"
"$BIN/timed" -c "$T/taken.ini" -l 127.0.0.1 -p 0 --ntp-port 0 \
    --daytime-port 0 --time-port 0 >"$T/taken.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "timed started with its metrics port taken"
grep -q "metrics: 127.0.0.1:$port: Address already in use" "$T/taken.log" ||
    fail "timed's message for a taken port: $(cat "$T/taken.log")"

echo ok
