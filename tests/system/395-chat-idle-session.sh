#!/bin/sh
# An idle client stays connected: chatd keeps its default keepalive
# (25 s) while the client library gives up after 6 s of silence, yet a
# listening chatc sits idle for 9 s without losing its session, because a
# PING is answered at once (the session layer's keepalive contract).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register bob pw-bob
chatp pw-bob bob -v listen --timeout 9 --events >"$T/listen.out" 2>"$T/listen.err"
if grep -q "disconnected" "$T/listen.err"; then
	fail "idle session dropped: $(cat "$T/listen.err")"
fi
line=$(counters d | grep "sessions")
# One session to register, one to listen: no reconnections.
expect_match "sessions" "$line" "\(total 2\)"
exit 0
