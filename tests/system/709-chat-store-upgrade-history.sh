#!/bin/sh
# A store made by the chatd before the archive (schema 6, made by
# tests/data/make-store-v6.sh) is upgraded in place: every message is
# still there and is history at once, in order, with its read state; the
# ones still waiting are delivered as before; the request stands.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

mkdir -p "$T/u.state"
python3 - "$TESTS/data/store-v6.sql" "$T/u.state/chatd.db" <<'PY' ||
import sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.executescript(open(sys.argv[1]).read())
db.close()
PY
    fail "cannot load the version 6 store"

start_chatd u
grep -q "upgrading the schema from version 6 to 9" "$T/u.log" ||
    fail "no upgrade logged: $(cat "$T/u.log")"
v=$(python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute("pragma user_version").fetchone()[0], d.execute("select count(*) from messages").fetchone()[0])' "$T/u.state/chatd.db")
expect_eq "schema version, messages" "$v" "9 27"

# bob's history: his 20 from alice and his 5 to her, in order, once; he
# had read the first 12.
expect_rc "bob's history" 0 chatp pb bob history alice --limit 100 --json
echo "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
texts = [r["text"] for r in rows]
want = ["a2b %d" % i for i in range(1, 21)] + ["b2a %d" % i for i in range(1, 6)]
assert texts == want, texts
ids = [r["id"] for r in rows]
assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
read = [r.get("read") for r in rows[:20]]
assert read == [True] * 12 + [False] * 8, read
assert all(r.get("sent") for r in rows[20:]), rows[20:]
' || fail "bob's history: $OUT"

# What was waiting still comes, in order, exactly once.
expect_rc "bob's queue" 0 chatp pb bob listen --count 8 --timeout 20
expect_eq "bob's queue" "$(echo "$OUT" | cut -f3 | tr '\n' ',')" \
    "a2b 13,a2b 14,a2b 15,a2b 16,a2b 17,a2b 18,a2b 19,a2b 20,"
expect_rc "alice's queue" 0 chatp pa alice listen --count 7 --timeout 20
expect_eq "alice's queue" "$(echo "$OUT" | cut -f2,3 | tr '\t\n' ':,')" \
    "bob:b2a 1,bob:b2a 2,bob:b2a 3,bob:b2a 4,bob:b2a 5,carol:c2a 1,carol:c2a 2,"
expect_rc "carol's request" 0 chatp pa alice requests
expect_eq "carol's request" "$OUT" "carol"

# Now read by bob: his history says so, seen from a device of his own.
expect_rc "read now" 0 chatp pb bob history alice --limit 8 --json
echo "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
want = ["a2b 18", "a2b 19", "a2b 20"] + ["b2a %d" % i for i in range(1, 6)]
assert [r["text"] for r in rows] == want, rows
assert [r.get("read") for r in rows[:3]] == [True] * 3, rows
' || fail "read after listen: $OUT"
echo ok
