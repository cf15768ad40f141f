#!/bin/sh
# A session catching up on a long backlog in one group still gets, in
# order and once, every message sent meanwhile to another of its groups
# (the live copies skip a session that is catching up, so the catch-up
# must look at every group again until all are current).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register alice pa
register bob pb
mkgroup alice '#a' bob
chat alice group create '#b' >/dev/null || fail "create #b"
chat alice group invite '#b' bob >/dev/null || fail "invite to #b"
chat alice send '#b' first >/dev/null || fail "send first"
kill -TERM "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
# 3,000 messages of 4 KB waiting for bob in #b, written straight into
# the store (as many senders would have).
python3 - "$T/d.state/chatd.db" <<'PY' || fail "cannot fill the store"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
a = db.execute("SELECT id FROM users WHERE key = 'alice'").fetchone()[0]
g = db.execute("SELECT id FROM groups WHERE key = '#b'").fetchone()[0]
top = db.execute("SELECT max(id) FROM gmessages").fetchone()[0]
now = int(time.time() * 1000)
db.executemany("INSERT INTO gmessages(id, grp, sender, msgid, t, kind, text)"
    " VALUES (?, ?, ?, ?, ?, 0, ?)", [(top + x, g, a, 900000000 + x, now,
    ("b%d-" % x).encode() + b"x" * 3900) for x in range(1, 3001)])
db.execute("UPDATE meta SET value = value + 200000 WHERE key = 'sid_reserved'")
db.commit()
PY
CHATD_PORT_WANT=$CHATD_PORT start_chatd d

chat bob -v listen --timeout 90 >"$T/bob.log" 2>"$T/bob.err.log" &
bp=$!
i=1
while [ $i -le 30 ]; do
	chat alice send '#a' "live$i" >/dev/null || fail "send live$i"
	i=$((i + 1))
done
chat alice send '#a' "after" >/dev/null || fail "send after"
# On a failure, chatd's counters join its log (shown with the others).
poll 80 grep -q "#a/alice	after" "$T/bob.log" &&
    poll 20 sh -c "[ \$(grep -c '#b/' '$T/bob.log') -ge 3001 ]" || {
	kill -USR1 "$CHATD_PID"
	sleep 0.5
	fail "bob has #b: $(grep -c '#b/' "$T/bob.log"), #a: $(grep -c '#a/' "$T/bob.log")"
}
stop_bg "$bp"
expect_eq "#a, live, in order, once" \
    "$(grep '	#a/alice	' "$T/bob.log" | cut -f3 | tr '\n' ' ')" \
    "live1 live2 live3 live4 live5 live6 live7 live8 live9 live10 live11 live12 live13 live14 live15 live16 live17 live18 live19 live20 live21 live22 live23 live24 live25 live26 live27 live28 live29 live30 after "
expect_eq "#b, once" "$(grep '	#b/alice	' "$T/bob.log" | cut -f3 | sort | uniq -d | wc -l)" 0
echo ok
