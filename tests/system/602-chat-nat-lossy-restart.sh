#!/bin/sh
# 16 clients behind one address (the proxy: to chatd they all come from
# 127.0.0.1), on a lossy path, across a kill -9 restart of chatd: 8 listen
# throughout, 8 send to them before the restart and while chatd is down.
# Every message is accepted, and each listener prints every message for
# it exactly once, in order.  The clients meet chatd's limits on logins
# from one address as they are, and wait them out.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd c
n=8
i=1
while [ $i -le $n ]; do
	register "s$i" "ps$i"
	register "r$i" "pr$i"
	befriend "s$i" "r$i"
	i=$((i + 1))
done
start_proxy p -S 602 -l 0.2 -d 0.05 -r 0.1

# The listeners: a device token each (a login with the password through
# the proxy), then listen without a timeout.
i=1
while [ $i -le $n ]; do
	QPW="pr$i" chatq "r$i" "r$i" who >/dev/null 2>"$T/r$i.err" ||
	    fail "r$i's first login: $(cat "$T/r$i.err")"
	chatq "r$i" "r$i" listen >"$T/got$i" 2>"$T/listen$i.err" &
	eval "L$i=\$!"
	PIDS="$PIDS $!"
	i=$((i + 1))
done

# sender i sends 5 lines to listener i, all 8 at once.
send_batch() {
	i=1
	while [ $i -le $n ]; do
		seq "$1" "$2" | sed "s/^/s$i line /" >"$T/batch$i"
		cat "$T/batch$i" >>"$T/want$i"
		QPW="ps$i" chatq "s$i" "s$i" send "r$i" --lines <"$T/batch$i" \
		    >"$T/acc$i.$1" 2>"$T/send$i.err" &
		eval "S$i=\$!"
		i=$((i + 1))
	done
}

# wait_batch FIRST: every sender of the batch starting at FIRST finished
# with every line accepted.
wait_batch() {
	i=1
	while [ $i -le $n ]; do
		eval "wait \$S$i" || fail "sender s$i: $(cat "$T/send$i.err")"
		expect_eq "lines of s$i accepted" \
		    "$(wc -l <"$T/acc$i.$1")" 5
		i=$((i + 1))
	done
}

send_batch 1 5
wait_batch 1

# chatd dies; more is sent while it is down; it comes back.
kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
send_batch 6 10
CHATD_PORT_WANT=$CHATD_PORT start_chatd c
wait_batch 6

# Each listener prints its 10 messages, once each, in order, and runs on.
i=1
while [ $i -le $n ]; do
	poll 60 more_lines "$T/got$i" '' 9 ||
	    fail "r$i printed $(wc -l <"$T/got$i") of 10: \
$(cat "$T/listen$i.err")"
	cut -f3 "$T/got$i" >"$T/texts$i"
	cmp -s "$T/want$i" "$T/texts$i" ||
	    fail "r$i: $(diff "$T/want$i" "$T/texts$i" | head)"
	eval "kill -0 \$L$i" 2>/dev/null ||
	    fail "r$i's listen exited: $(cat "$T/listen$i.err")"
	i=$((i + 1))
done
echo ok
