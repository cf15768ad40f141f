#!/bin/sh
# An operator gives a chatd that has served on SQLite alone a PostgreSQL
# log ([store] postgresql).  The log would lack every account and message
# made before it, and a node rebuilt from it would lose them, so chatd
# makes its whole store the log's first change before it serves.  The
# machine is then lost: on an empty state folder (the key kept) chatd is
# rebuilt from the log, and what was made before the log is all there
# (a long history too, which goes to PostgreSQL as several changes):
# the accounts log in with their passwords, the message queued for bob
# before the log arrives, once, and so does one sent after.  A standby
# whose store has accounts the log lacks is refused (exit 73): it would
# follow a log that is not its own.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

CHAT_STORE=sqlite
start_chatd d
register alice pa
register bob pb
befriend alice bob
chat alice send bob "before the log" >/dev/null 2>"$T/err" ||
    fail "send before the log: $(cat "$T/err")"
kill -TERM "$CHATD_PID"
wait "$CHATD_PID"
# And a long history: 40,000 messages of 1,000 bytes, bob's to alice,
# already delivered (40 MB: twice what one change may carry to
# PostgreSQL, so the store must go as several).
python3 - "$T/d.state/chatd.db" <<'PY' || fail "cannot add the history"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
a, b = (db.execute("SELECT id FROM users WHERE nick = ?", (n,)).fetchone()[0]
        for n in ("alice", "bob"))
db.executemany("INSERT INTO messages(sender, msgid, rcpt, t, text, q)"
               " VALUES (?, ?, ?, ?, ?, 0)",
               ((b, 10**9 + i, a, 1700000000000 + i, b"h" * 1000)
                for i in range(40000)))
db.commit()
PY
count_msgs() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM messages").fetchone()[0])' "$1"
}
before=$(count_msgs "$T/d.state/chatd.db")
cp -r "$T/d.state" "$T/standby.state"

pg_primary p
cat >"$T/pg.ini" <<EOF
[store]
postgresql = $(pg_conninfo p)
EOF
cat "$T/d.ini" "$T/pg.ini" >"$T/d2.ini"
mv "$T/d2.ini" "$T/d.ini"
# start_chatd_again N: chatd on d.ini and d.state, on the same port,
# waiting for its (N+1)th "ready" in d.log.
start_chatd_again() {
	"$BIN/chatd" -c "$T/d.ini" -l 127.0.0.1 -p "$CHATD_PORT" \
	    -D "$T/d.state" >>"$T/d.log" 2>&1 &
	CHATD_PID=$!
	PIDS="$PIDS $CHATD_PID"
	wait_for 10 more_lines "$T/d.log" "ready on port" "$1"
}
start_chatd_again 1
grep -q "are changes 1 to [0-9]* of the log chatd" "$T/d.log" ||
    fail "the store was not made the log's first change: $(tail -n 5 "$T/d.log")"
expect_eq "changes in the log" \
    "$(pg_sql p "SELECT min(n) FROM chatd_log WHERE node = 'chatd'")" 1
chat alice -t 60 send bob "after the log" >/dev/null 2>"$T/err" ||
    fail "send after the log: $(cat "$T/err")"
seeded=$(sed -n 's/.* are changes 1 to \([0-9]*\) of the log.*/\1/p' "$T/d.log")
[ "$seeded" -gt 10 ] || fail "the 40 MB store went as $seeded changes"

# The machine is lost; chatd is rebuilt from the log.
kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
mv "$T/d.state" "$T/lost.state"
mkdir -m 700 "$T/d.state"
cp "$T/lost.state/session.key" "$T/d.state/"
start_chatd_again 2
grep -q 'applied [0-9]* changes from PostgreSQL' "$T/d.log" ||
    fail "the store was not rebuilt: $(tail -n 5 "$T/d.log")"
expect_eq "messages after the rebuild" \
    "$(count_msgs "$T/d.state/chatd.db")" "$((before + 1))"
expect_rc "alice's password after the rebuild" 0 \
    chatp pa alice -t 10 status
chatp pb bob listen --count 2 --timeout 15 >"$T/got" 2>"$T/listen.err" ||
    fail "bob's listen: $(cat "$T/listen.err")"
expect_eq "bob got" "$(cut -f3 "$T/got" | tr '\n' ,)" \
    "before the log,after the log,"

# A standby on the old store (accounts the log lacks) is refused.
kill -TERM "$CHATD_PID"
wait "$CHATD_PID"
printf 'standby = yes\n' >>"$T/d.ini"
rc=0
timeout 20 "$BIN/chatd" -c "$T/d.ini" -l 127.0.0.1 -p 0 \
    -D "$T/standby.state" >"$T/standby.out" 2>&1 || rc=$?
expect_eq "standby's exit status" "$rc" 73
grep -q "hold different accounts" "$T/standby.out" ||
    fail "the standby gave no reason: $(cat "$T/standby.out")"
echo "ok: the store before the log is the log's first change; rebuilt whole"
