#!/bin/sh
# chatd's store stays small on disk while it runs, as an operator sees in
# its state folder: checkpoints copy the write-ahead log (chatd.db-wal)
# into the database file, so chatd.db itself soon holds the tables; and
# an idle moment between bursts of messages rewinds the log, so that it is
# written over from its start instead of growing with the traffic.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

# bob stays offline: every message is stored, none is ever delivered.
CHATD_CONF='[store]
queue_max = 10000
[limits]
pair_quota = 10000
stranger_quota = 10000'
start_chatd d
register alice pa
register bob pb
db=$T/d.state/chatd.db

# pages FILE: FILE's size in pages of 4 KiB.
pages() {
	echo $(( $(wc -c <"$1") / 4096 ))
}

# db_has_tables: every table and index has a page of its own in chatd.db.
db_has_tables() {
	[ "$(pages "$db")" -ge 8 ]
}

# burst N: alice sends bob 200 messages in one session.
burst() {
	seq 1 200 | sed "s/^/burst $1 message /" |
	    chat alice send bob --lines >/dev/null 2>"$T/send.err" ||
	    fail "burst $1: $(cat "$T/send.err")"
}

burst 1
wait_for 10 db_has_tables
[ -f "$db-wal" ] || fail "no write-ahead log beside chatd.db"

# After each burst chatd is left idle for a second: the idle moment is
# the behaviour under test (chatd rewinds the log only when it has
# nothing else to do, once its checkpointer, every 50 ms, has copied the
# whole log), so it is waited out, not polled for.
sleep 1
wal1=$(wc -c <"$db-wal")
for n in 2 3 4 5; do
	burst $n
	sleep 1
done
wal=$(wc -c <"$db-wal")
# Appended to, the log would hold all five bursts by now.
[ "$wal" -le $((2 * wal1)) ] ||
    fail "the log grew from $wal1 bytes after one burst to $wal after five"
echo "ok: chatd.db $(pages "$db") pages; log $wal1 bytes after one burst, $wal after five"
