#!/bin/sh
# A store made by the chatd of schema 8 (the archive found through the
# messages_conv index; made by tests/data/make-store-v8.sh) is upgraded
# in place to schema 9 (each conversation a chain of its messages): every
# message is still there and in its conversation's history, in order,
# once, page by page; what was waiting is delivered as before; new
# messages join the conversations, and all of it holds across a restart.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

mkdir -p "$T/u.state"
python3 - "$TESTS/data/store-v8.sql" "$T/u.state/chatd.db" <<'PY' ||
import sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.executescript(open(sys.argv[1]).read())
db.close()
PY
    fail "cannot load the version 8 store"

start_chatd u
grep -q "upgrading the schema from version 8 to 9" "$T/u.log" ||
    fail "no upgrade logged: $(cat "$T/u.log")"
v=$(python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute("pragma user_version").fetchone()[0], d.execute("select count(*) from messages").fetchone()[0])' "$T/u.state/chatd.db")
expect_eq "schema version, messages" "$v" "9 30"

# bob and alice's conversation as it was: alice's 20 with bob's 5 after
# every 4th, oldest first.
want_ab() {
	i=1
	while [ $i -le 20 ]; do
		echo "a2b $i"
		[ $((i % 4)) = 0 ] && echo "b2a $((i / 4))"
		i=$((i + 1))
	done
}
want_ab >"$T/want"

# history NICK PASSWORD PEER FILE: the whole conversation, fetched in
# pages of 7 each before the last one's oldest, oldest first, in FILE
# (text, then the JSON flags); every id once.
history() {
	: >"$T/pages"
	before=
	while :; do
		expect_rc "$1's history page" 0 chatp "$2" "$1" history "$3" \
		    --limit 7 ${before:+--before "$before"} --json
		[ -n "$OUT" ] || break
		printf '%s\n' "$OUT" | cat - "$T/pages" >"$T/pages.new"
		mv "$T/pages.new" "$T/pages"
		before=$(printf '%s\n' "$OUT" | head -1 | python3 -c \
		    'import json,sys; print(json.loads(sys.stdin.readline())["id"])')
	done
	python3 - "$T/pages" >"$4" <<'PY' || fail "$1's pages: $(cat "$T/pages")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = [r["id"] for r in rows]
assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
for r in rows:
    print("%s\t%s\t%s" % (r["text"], bool(r.get("read")), bool(r.get("sent"))))
PY
}

history bob pb alice "$T/bob"
expect_eq "bob's history" "$(cut -f1 "$T/bob")" "$(cat "$T/want")"
# He had read alice's first 12; his own are marked sent.
expect_eq "read" "$(grep '^a2b' "$T/bob" | cut -f2 | uniq -c | tr -s ' ')" \
    "$(printf ' 12 True\n 8 False')"
expect_eq "sent" "$(grep '^b2a' "$T/bob" | cut -f3 | sort -u)" "True"
history alice pa dave "$T/dave"
expect_eq "alice and dave" "$(cut -f1 "$T/dave" | tr '\n' ,)" "a2d 1,a2d 2,a2d 3,"

# What was waiting still comes, in order, exactly once.
expect_rc "bob's queue" 0 chatp pb bob listen --count 8 --timeout 20
expect_eq "bob's queue" "$(echo "$OUT" | cut -f3 | tr '\n' ',')" \
    "a2b 13,a2b 14,a2b 15,a2b 16,a2b 17,a2b 18,a2b 19,a2b 20,"
expect_rc "alice's queue" 0 chatp pa alice listen --count 7 --timeout 20
expect_eq "alice's queue" "$(echo "$OUT" | cut -f2,3 | tr '\t\n' ':,')" \
    "bob:b2a 1,bob:b2a 2,bob:b2a 3,bob:b2a 4,bob:b2a 5,carol:c2a 1,carol:c2a 2,"

# New messages join the old conversation, and a restart keeps it whole.
expect_rc "alice sends" 0 chatp pa alice send bob "after 1"
expect_rc "bob answers" 0 chatp pb bob send alice "after 2"
printf 'after 1\nafter 2\n' >>"$T/want"
history alice pa bob "$T/alice"
expect_eq "alice's history" "$(cut -f1 "$T/alice")" "$(cat "$T/want")"
kill -TERM "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
CHATD_PORT_WANT=$CHATD_PORT start_chatd u
history bob pb alice "$T/bob2"
expect_eq "after a restart" "$(cut -f1 "$T/bob2")" "$(cat "$T/want")"
echo ok
