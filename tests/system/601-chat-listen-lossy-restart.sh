#!/bin/sh
# chatc listen rides out a lossy path and a restart of chatd: for 60 s of
# 20% loss each way, with chatd killed (-9) half way and started again
# 12 s later, every message accepted is printed exactly once, in order,
# and listen (without --timeout) is still running at the end.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd c
register alice pa
register bob pb
# Contacts: the stranger quota (3 waiting) is not what is tested here.
befriend alice bob
start_proxy p -S 601 -l 0.2 -d 0.05 -r 0.1

QPW=pb chatq bob bob who >/dev/null 2>"$T/first.err" ||
    fail "bob's first login through the proxy: $(cat "$T/first.err")"
chatq bob bob listen >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"

# alice sends one message at a time for 60 s, through the proxy too; half
# way through, chatd dies and comes back 12 s later on the same port and
# store.
QPW=pa chatq alice alice who >/dev/null 2>&1
start=$(date +%s)
restarted=0
i=0
: >"$T/want"
while [ $(( $(date +%s) - start )) -lt 60 ]; do
	i=$((i + 1))
	if chatq alice alice send bob "message $i" 2>>"$T/send.err"; then
		echo "message $i" >>"$T/want"
	else
		fail "send $i: $(tail -n 1 "$T/send.err")"
	fi
	if [ "$restarted" = 0 ] && [ $(( $(date +%s) - start )) -ge 25 ]; then
		# A slow restart: the next message is sent while chatd is
		# down for 12 s, longer than chatc's old default timeout.
		kill -9 "$CHATD_PID"
		wait "$CHATD_PID" 2>/dev/null
		i=$((i + 1))
		chatq alice alice send bob "message $i" 2>>"$T/send.err" &
		sender=$!
		sleep 12
		CHATD_PORT_WANT=$CHATD_PORT start_chatd c
		wait "$sender" ||
		    fail "send $i, while chatd was down: $(tail -n 1 \
		    "$T/send.err")"
		echo "message $i" >>"$T/want"
		restarted=1
	fi
done
n=$(wc -l <"$T/want")
echo "$n messages sent across the restart"

# All of them arrive, once each, in order; listen still runs.
poll 60 more_lines "$T/got" '' $((n - 1)) ||
    fail "listen printed $(wc -l <"$T/got") of $n: $(cat "$T/listen.err")"
kill -0 "$LISTEN" 2>/dev/null || fail "listen exited: $(cat "$T/listen.err")"
cut -f3 "$T/got" >"$T/texts"
cmp -s "$T/want" "$T/texts" ||
    fail "printed differs from sent: $(diff "$T/want" "$T/texts" | head)"
echo ok
