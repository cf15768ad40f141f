#!/bin/sh
# A standby that started after the writer's last change, and saw none
# while it followed, takes over with every account it applied at its
# start: A serves and goes quiet, B starts as a standby (applying A's
# changes then), A is killed, B takes over; a send through B is
# accepted and delivered, and B's history has A's messages and its own.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

pg_primary p
CHATD_CONF="[store]
postgresql = $(pg_conninfo p)"
start_chatd a
A_PID=$CHATD_PID
register alice pa
register bob pb
befriend alice bob
expect_rc "send to A" 0 chatp pa alice send bob "through A"

start_standby b a
B=$STANDBY_PORT
B_PID=$STANDBY_PID

kill -9 "$A_PID"
wait "$A_PID" 2>/dev/null
wait_for 20 grep -q 'ready on port' "$T/b.log"
CHATD_PORT=$B
expect_rc "send to B" 0 chatp pa alice -t 20 send bob "through B"
expect_rc "bob's listen on B" 0 chatp pb bob listen --count 2 --timeout 15
printf '%s\n' "$OUT" | cut -f3 >"$T/got"
printf 'through A\nthrough B\n' >"$T/want"
cmp -s "$T/want" "$T/got" || fail "bob got: $(tr '\n' '|' <"$T/got")"
expect_rc "history on B" 0 chatp pb bob history alice --limit 10 --json
history_texts "$T/hist"
cmp -s "$T/want" "$T/hist" || fail "history on B: $(tr '\n' '|' <"$T/hist")"
echo ok
