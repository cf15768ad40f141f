#!/bin/sh
# A writer's store that holds changes PostgreSQL never took, after a
# standby has taken over and written the log past them, is not the log's
# store any more.  A serves; PostgreSQL refuses its next change (a check
# constraint stands in for a fault), so a send to A is committed in A's
# store but told "try again"; A is killed.  B, a standby, takes over and
# accepts a message of its own, which numbers its change as A's was.
# When A comes back on its old state it must not serve a store without
# B's accepted message: it stops (exit 75) and says why.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

pg_primary p
CHATD_CONF="[store]
postgresql = $(pg_conninfo p)
postgresql_timeout = 2"
start_chatd a
A=$CHATD_PORT
A_PID=$CHATD_PID
register alice pa
register bob pb
befriend alice bob
expect_rc "send to A" 0 chat alice send bob "before"

start_standby b a
B=$STANDBY_PORT
B_PID=$STANDBY_PID

# PostgreSQL takes no change of A's from here: sends are committed in
# A's store and wait in its pglog_out.
top=$(pg_sql p "SELECT max(n) FROM chatd_log WHERE node = 'chatd'")
pg_sql p "ALTER TABLE chatd_log ADD CONSTRAINT fault CHECK (n <= $top)" ||
    fail "cannot add the constraint"
i=0
while [ "$i" -lt 3 ]; do
	i=$((i + 1))
	expect_rc "send $i to A, unconfirmed" 75 chat alice -t 6 send bob \
	    "try again $i"
done
kill -9 "$A_PID"
wait "$A_PID" 2>/dev/null
pg_sql p "ALTER TABLE chatd_log DROP CONSTRAINT fault" ||
    fail "cannot drop the constraint"

# B takes over and accepts a message.
wait_for 20 grep -q 'ready on port' "$T/b.log"
CHATD_PORT=$B expect_rc "send to B" 0 chatp pa alice send bob "accepted by B"
kill -TERM "$B_PID"
wait "$B_PID" 2>/dev/null

# A on its old state.
"$BIN/chatd" -c "$T/a.ini" -l 127.0.0.1 -p "$A" -D "$T/a.state" \
    >>"$T/a.log" 2>&1 &
A2=$!
PIDS="$PIDS $A2"
a_settled() {
	more_lines "$T/a.log" 'ready on port' 1 || ! kill -0 "$A2" 2>/dev/null
}
wait_for 20 a_settled
if kill -0 "$A2" 2>/dev/null; then
	CHATD_PORT=$A expect_rc "history on A" 0 chatp pb bob history alice \
	    --limit 100 --json
	history_texts "$T/hist"
	grep -qx 'accepted by B' "$T/hist" ||
	    fail "A serves a store without B's accepted message: $(tr '\n' '|' <"$T/hist")"
else
	rc=0
	wait "$A2" || rc=$?
	expect_eq "A's exit status on a store the log has passed" "$rc" 75
	grep -q 'stale' "$T/a.log" ||
	    fail "A did not say why: $(tail -n 3 "$T/a.log")"
fi
echo ok
