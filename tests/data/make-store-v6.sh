#!/bin/sh
# make-store-v6.sh OLD_BIN: make tests/data/store-v6.sql, the store a
# chatd of schema version 6 (commit d64f9d3, the last before the
# archive) leaves after a known conversation, dumped as SQL.  Test 709
# loads it and opens it with today's chatd.  Run from the top of the tree
# with OLD_BIN the bin folder of that build:
#   git worktree add /tmp/v6 d64f9d3 && make -C /tmp/v6 build/bin/chatd \
#     build/bin/chatc && sh tests/data/make-store-v6.sh /tmp/v6/build/bin
# The conversation: alice and bob are contacts; alice sent bob 20
# messages ("a2b 1" ...), of which bob read the first 12 and the rest
# wait; bob sent alice 5 ("b2a 1" ...), all waiting; carol, a stranger,
# sent alice 2 ("c2a 1", "c2a 2"), a request.  Passwords: pa, pb, pc.
set -u
OLD=$1
BIN=$PWD/build/bin
. tests/lib/common.sh
# The old chatd, with today's chatc (whose one-shot commands take no
# messages, so only bob's listen marks any delivered).
mkdir -p "$T/bin"
ln -s "$(cd "$OLD" && pwd)/chatd" "$T/bin/chatd"
ln -s "$PWD/build/bin/chatc" "$T/bin/chatc"
BIN=$T/bin
. tests/lib/chat.sh
start_chatd v6
register alice pa
register bob pb
register carol pc
befriend alice bob
i=1; while [ $i -le 12 ]; do chat alice send bob "a2b $i" >/dev/null; i=$((i + 1)); done
chat bob listen --count 12 --timeout 20 >/dev/null
while [ $i -le 20 ]; do chat alice send bob "a2b $i" >/dev/null; i=$((i + 1)); done
i=1; while [ $i -le 5 ]; do chat bob send alice "b2a $i" >/dev/null; i=$((i + 1)); done
chat carol send alice "c2a 1" >/dev/null
chat carol send alice "c2a 2" >/dev/null
kill -TERM "$CHATD_PID"; wait "$CHATD_PID" || true
python3 - "$T/v6.state/chatd.db" >tests/data/store-v6.sql <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print("PRAGMA user_version = %d;" % db.execute("PRAGMA user_version").fetchone()[0])
for line in db.iterdump():
    print(line)
PY
echo "wrote tests/data/store-v6.sql"
