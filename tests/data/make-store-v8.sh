#!/bin/sh
# make-store-v8.sh OLD_BIN: make tests/data/store-v8.sql, the store a
# chatd of schema version 8 (commit 77bdb51, the last with the
# messages_conv index) leaves after a known conversation, dumped as SQL.
# Test 712 loads it and opens it with today's chatd.  Run from the top
# of the tree with OLD_BIN the bin folder of that build:
#   git worktree add /tmp/v8 77bdb51 && make -C /tmp/v8 build/bin/chatd \
#     && sh tests/data/make-store-v8.sh /tmp/v8/build/bin
# The conversation: alice and bob are contacts; alice sent bob 20
# messages ("a2b 1" ...), of which bob read the first 12 and the rest
# wait; between them bob answered 5 ("b2a 1" ... after a2b 4, 8, 12,
# 16, 20), all waiting; carol, a stranger, sent alice 2 ("c2a 1",
# "c2a 2"), a request; dave and alice are contacts, and alice sent him
# 3 ("a2d 1" ...), which he has.  Passwords: pa, pb, pc, pd.
set -u
OLD=$1
BIN=$PWD/build/bin
. tests/lib/common.sh
mkdir -p "$T/bin"
ln -s "$(cd "$OLD" && pwd)/chatd" "$T/bin/chatd"
ln -s "$PWD/build/bin/chatc" "$T/bin/chatc"
BIN=$T/bin
. tests/lib/chat.sh
start_chatd v8
register alice pa
register bob pb
register carol pc
register dave pd
befriend alice bob
befriend alice dave
i=1; while [ $i -le 12 ]; do
	chat alice send bob "a2b $i" >/dev/null
	[ $((i % 4)) = 0 ] && chat bob send alice "b2a $((i / 4))" >/dev/null
	i=$((i + 1))
done
chat bob listen --count 12 --timeout 20 >/dev/null
while [ $i -le 20 ]; do
	chat alice send bob "a2b $i" >/dev/null
	[ $((i % 4)) = 0 ] && chat bob send alice "b2a $((i / 4))" >/dev/null
	i=$((i + 1))
done
i=1; while [ $i -le 3 ]; do chat alice send dave "a2d $i" >/dev/null; i=$((i + 1)); done
chat dave listen --count 3 --timeout 20 >/dev/null
chat carol send alice "c2a 1" >/dev/null
chat carol send alice "c2a 2" >/dev/null
kill -TERM "$CHATD_PID"; wait "$CHATD_PID" || true
python3 - "$T/v8.state/chatd.db" >tests/data/store-v8.sql <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print("PRAGMA user_version = %d;" % db.execute("PRAGMA user_version").fetchone()[0])
for line in db.iterdump():
    print(line)
PY
echo "wrote tests/data/store-v8.sql"
