#!/bin/sh
# Two chatd started on one log (an operator's slip, or an old machine
# coming back while its replacement serves): the one that is not the
# log's writer stops (exit 75) before it serves anyone.  It never says
# "ready", and a client that tries it gets no answer, while the writer
# serves on.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

pg_primary p
CHATD_CONF="[store]
postgresql = $(pg_conninfo p)"
start_chatd a
register alice pa
register bob pb
befriend alice bob

# The second: the same log and key, its own (empty) state folder, so it
# first rebuilds the store from the log, as a replacement machine would.
mkdir -m 700 "$T/b.state"
cp "$T/a.state/session.key" "$T/b.state/"
rc=0
timeout 30 "$BIN/chatd" -c "$T/a.ini" -l 127.0.0.1 -p 0 -D "$T/b.state" \
    >"$T/b.out" 2>&1 || rc=$?
expect_eq "the second chatd's exit status" "$rc" 75
grep -q "fenced" "$T/b.out" || fail "no reason given: $(cat "$T/b.out")"
if grep -q "ready on port" "$T/b.out"; then
	fail "the second chatd served before it stopped: $(cat "$T/b.out")"
fi

# The writer serves on.
chat alice send bob "still here" >/dev/null 2>"$T/err" ||
    fail "send to the writer: $(cat "$T/err")"
chat bob listen --count 1 --timeout 10 >"$T/got" 2>"$T/err" ||
    fail "bob's listen: $(cat "$T/err")"
expect_eq "bob got" "$(cut -f3 "$T/got")" "still here"
echo "ok: a second writer stops (75) without serving; the writer serves on"
