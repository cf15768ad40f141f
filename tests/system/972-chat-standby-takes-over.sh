#!/bin/sh
# Two chatd machines for one service: A serves, writing its store's
# changes to PostgreSQL (with a synchronous standby); B is a standby
# ([store] standby) with A's server key, following the log.  Clients are
# given both ("-s A,B").  A stream of messages flows from alice to bob's
# listen; A is killed (-9) in the middle of it.  B takes over, the
# clients move to it on their own, and bob's listen prints every
# accepted message exactly once, in order.  When A comes back it finds
# B writing the log and stops (fenced, exit 75) instead of serving a
# second, diverging copy.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

pg_pair
CHATD_CONF="[store]
postgresql = $(pg_conninfo p)"
start_chatd a
A=$CHATD_PORT
A_PID=$CHATD_PID
register alice pa
register bob pb
befriend alice bob

# B: the same config, standby, A's key, a port of its own.
start_standby b a
B=$STANDBY_PORT
B_PID=$STANDBY_PID
grep -q 'ready on port' "$T/b.log" && fail "the standby serves: $(cat "$T/b.log")"

LIST="127.0.0.1:$A,127.0.0.1:$B"
fo() {
	fo_nick=$1; shift
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/fo-$fo_nick" \
	    "$BIN/chatc" -s "$LIST" -n "$fo_nick" "$@"
}
# First logins under the list's name: device tokens and a key pin.
CHAT_PASSWORD=pa XDG_CONFIG_HOME="$T/fo-alice" "$BIN/chatc" -s "$LIST" \
    -n alice status >/dev/null 2>"$T/err" || fail "alice: $(cat "$T/err")"
CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/fo-bob" "$BIN/chatc" -s "$LIST" \
    -n bob status >/dev/null 2>"$T/err" || fail "bob: $(cat "$T/err")"

fo bob listen --events >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_log "$T/got" "^node	127\.0\.0\.1:$A\$"

: >"$T/want"
i=0
while [ "$i" -lt 15 ]; do
	i=$((i + 1))
	fo alice send bob "message $i" 2>>"$T/send.err" ||
	    fail "send $i: $(tail -n 1 "$T/send.err")"
	echo "message $i" >>"$T/want"
done
wait_for 10 more_lines "$T/got" '	alice	message ' 14
# B follows quietly: what it applies while following is said once a
# minute, not at every look at the log (five times a second).
[ "$(count_lines "$T/b.log" 'pglog: applied')" -le 1 ] ||
    fail "the standby logs every change: $(grep -c applied "$T/b.log") lines"

# A dies while a send is under way; B takes over.
i=$((i + 1))
fo alice -t 60 send bob "message $i" 2>>"$T/send.err" &
sender=$!
kill -9 "$A_PID"
wait "$A_PID" 2>/dev/null
wait_for 20 grep -q 'taking over' "$T/b.log"
wait_for 20 grep -q 'ready on port' "$T/b.log"
wait "$sender" || fail "send $i, as A died: $(tail -n 1 "$T/send.err")"
echo "message $i" >>"$T/want"

# The rest of the stream, through B.
: >"$T/lines"
while [ "$i" -lt 30 ]; do
	i=$((i + 1))
	echo "message $i" >>"$T/lines"
done
fo alice -t 60 send bob --lines <"$T/lines" >"$T/accepted" \
    2>>"$T/send.err" || fail "send --lines: $(tail -n 1 "$T/send.err")"
cat "$T/lines" >>"$T/want"
wait_for 60 more_lines "$T/got" '	alice	message ' 29
grep -q "^node	127\.0\.0\.1:$B\$" "$T/got" ||
    fail "bob's listen did not move to B: $(grep '^node' "$T/got")"
grep '	alice	message ' "$T/got" | cut -f3 >"$T/got.text"
cmp -s "$T/want" "$T/got.text" ||
    fail "not every message once, in order: $(cat "$T/got.text")"
# B's history of the conversation is whole, A's part of it included.
expect_rc "history on B" 0 fo bob history alice --limit 100 --json
history_texts "$T/hist"
cmp -s "$T/want" "$T/hist" || fail "history on B: $(cat "$T/hist")"

# A comes back on its old state: B holds the log, so A stops.
"$BIN/chatd" -c "$T/a.ini" -l 127.0.0.1 -p "$A" -D "$T/a.state" \
    >>"$T/a.log" 2>&1 &
A2=$!
PIDS="$PIDS $A2"
rc=0
wait "$A2" || rc=$?
expect_eq "A's exit status when B writes the log" "$rc" 75
grep -q 'fenced' "$T/a.log" || fail "A did not say why: $(tail -n 3 "$T/a.log")"
echo ok
