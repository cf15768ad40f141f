#!/bin/sh
# The cluster store's writer (chatd/pgw.c, driven by bench/pg-commit as
# the store drives it) against real PostgreSQL servers on loopback: a
# primary with two standbys, synchronous_standby_names 'ANY 1 (s1, s2)'.
# A batch is reported committed only once a standby has it: with one
# standby killed the other takes its place; with both gone every batch
# is reported failed ("try again"), none committed; once a standby is
# back, commits go on.  Then the primary is killed and a standby
# promoted: the writer finds the new primary through its multi-host
# conninfo, and every batch ever reported committed is on it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/pg.sh"

PGC=$BIN/../bench/pg-commit
[ -x "$PGC" ] || fail "no $PGC"

pg_primary p
pg_standby s1 p
pg_standby s2 p
pg_sync_standbys p 'ANY 1 (s1, s2)'
wait_for 30 pg_streaming p 2
CI=$(pg_conninfo p s2)

# commits FILE ARGS...: run pg-commit, its report lines into FILE.
commits() {
	cf=$1; shift
	"$PGC" -d "$CI" "$@" >"$cf" 2>"$cf.err"
}
oks() { grep -c '	ok	' "$1"; }
fails() { grep -c '	fail	' "$1"; }

# A server that takes the connection and never answers (a machine gone
# silent) heads the list: the writer gives up on it and tries the next.
SP=$(pg_port)
python3 -c 'import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", '"$SP"'))
s.listen(8)
c = []
while True:
    c.append(s.accept())' &
PIDS="$PIDS $!"
wait_for 5 sh -c "ss -tln | grep -q ':$SP '"
"$PGC" -d "host=127.0.0.1,127.0.0.1 port=$SP,$PG_PORT_p user=postgres dbname=postgres target_session_attrs=read-write" \
    -n 5 -s 1 -w 1 -b 900001 -t 15 >"$T/silent" 2>"$T/silent.err" ||
    fail "past a silent server: $(cat "$T/silent.err")"
expect_eq "batches past a silent server" "$(grep -c '	ok	' "$T/silent")" 5
grep -q 'no answer from the database in time' "$T/silent.err" ||
    fail "the silent server was not given up: $(cat "$T/silent.err")"
pg_sql p 'DELETE FROM pgw_rows' >/dev/null

# Both standbys up: everything commits.
commits "$T/a" -n 50 -s 10 -w 4 -b 1 || fail "with two standbys: $(cat "$T/a.err") $(grep fail "$T/a" | head -3)"
expect_eq "batches committed" "$(oks "$T/a")" 50
expect_eq "rows" "$(pg_sql p 'SELECT count(*) FROM pgw_rows')" 500

# One standby killed: the other is enough.
kill -9 "$(pg_pid s1)"
commits "$T/b" -n 20 -s 10 -w 4 -b 10001 -t 10 ||
    fail "with one standby: $(grep fail "$T/b" | head -3)"
expect_eq "batches with one standby" "$(oks "$T/b")" 20

# Both gone: nothing is reported committed, each batch says why.
kill -9 "$(pg_pid s2)"
commits "$T/c" -n 3 -s 10 -w 3 -b 20001 -t 2 &&
    fail "committed with no standby: $(cat "$T/c")"
expect_eq "batches reported committed with no standby" "$(oks "$T/c")" 0
expect_eq "batches reported failed" "$(fails "$T/c")" 3
# Each with its reason: an outcome not known (the commit may yet happen).
[ "$(grep -Ec 'not confirmed in time|broke before the commit was confirmed' \
    "$T/c")" = 3 ] || fail "no reason given: $(cat "$T/c"; tail -n 5 "$T/pg/p.log")"

# s2 back: commits go on (those left waiting complete too).
pg_start s2
wait_for 30 pg_streaming p 1
commits "$T/d" -n 20 -s 10 -w 4 -b 30001 -t 10 ||
    fail "after s2 came back: $(grep fail "$T/d" | head -3)"
expect_eq "batches after s2 came back" "$(oks "$T/d")" 20

# A stream through the primary's death and s2's promotion.
commits "$T/e" -T 12 -s 10 -w 4 -b 40001 -t 3 &
cpid=$!
PIDS="$PIDS $cpid"
wait_for 10 sh -c "grep -q '	ok	' '$T/e'"
kill -9 "$(pg_pid p)"
pg_as "$PG_BIN/pg_ctl" -D "$T/pg/s2" -w promote >/dev/null ||
    fail "promote s2"
# Its only standby is dead: an operator lets it commit alone.
pg_sync_standbys s2 ''
wait "$cpid"
grep -q '	ok	' "$T/e" || fail "nothing committed in the stream"
tail -n 3 "$T/e" | grep -q '	ok	' ||
    fail "commits did not resume on the new primary: $(tail -n 5 "$T/e"; cat "$T/e.err")"
grep -q 'connected to 127.0.0.1:'"$PG_PORT_s2" "$T/e.err" ||
    fail "the writer did not move to s2: $(cat "$T/e.err")"

# Every batch ever reported committed is on the new primary, whole.
cat "$T/a" "$T/b" "$T/d" "$T/e" |
    awk -F'\t' '$2 == "ok" { for (i = $3; i <= $4; i++) print i }' >"$T/ids"
got=$({ echo "CREATE TEMP TABLE want(id bigint PRIMARY KEY);"
	echo "COPY want FROM STDIN;"; cat "$T/ids"; echo '\.'
	echo "SELECT count(*) FROM want JOIN pgw_rows USING (id);"; } |
    psql -X -q -At -h 127.0.0.1 -p "$PG_PORT_s2" -U postgres -d postgres)
expect_eq "rows of committed batches on the new primary" "$got" \
    "$(wc -l <"$T/ids")"
echo ok
