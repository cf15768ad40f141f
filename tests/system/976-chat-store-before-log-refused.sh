#!/bin/sh
# An operator gives a chatd that has been serving on SQLite alone a
# PostgreSQL log ([store] postgresql).  The log would lack every account
# made before it, and a node rebuilt from it would lose them, so chatd
# refuses to start (exit 73, the store unusable as it is) and says why,
# writing nothing to the log.  Started on an empty state folder it serves,
# logging from its first account.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

CHAT_STORE=sqlite
start_chatd d
register alice pa
kill -TERM "$CHATD_PID"
wait "$CHATD_PID"

pg_primary p
cat >>"$T/d.ini" <<EOF
[store]
postgresql = $(pg_conninfo p)
EOF
rc=0
# (Were it to serve, timeout ends it: 124.)
timeout 20 "$BIN/chatd" -c "$T/d.ini" -l 127.0.0.1 -p 0 -D "$T/d.state" \
    >"$T/refused.out" 2>&1 || rc=$?
expect_eq "exit status" "$rc" 73
grep -q "accounts made before it had a PostgreSQL log" "$T/refused.out" ||
    fail "no reason given: $(cat "$T/refused.out")"
expect_eq "changes in the log" \
    "$(pg_sql p "SELECT count(*) FROM chatd_log")" 0

# On an empty state folder (the key kept), it serves and logs.
mv "$T/d.state" "$T/old.state"
mkdir -m 700 "$T/d.state"
cp "$T/old.state/session.key" "$T/d.state/"
"$BIN/chatd" -c "$T/d.ini" -l 127.0.0.1 -p 0 -D "$T/d.state" \
    >"$T/d2.log" 2>&1 &
CHATD_PID=$!
PIDS="$PIDS $CHATD_PID"
wait_for 10 grep -q "ready on port" "$T/d2.log"
CHATD_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/d2.log")
register alice pa
n=$(pg_sql p "SELECT count(*) FROM chatd_log WHERE node = 'chatd'")
[ "$n" -gt 0 ] || fail "the new store's account is not in the log"
echo "ok: refused with exit 73; an empty state folder serves and logs"
