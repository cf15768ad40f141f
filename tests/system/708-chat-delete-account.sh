#!/bin/sh
# Deleting an account: the wrong password changes nothing; the right one
# removes the account and everything the server kept of it (tokens,
# contacts either way, messages either way, cursors), signs its other
# sessions out, and holds the name (and names that look like it), so
# nobody can take it at once.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd d
register alice pa
register bob pb
register carol pc
befriend alice bob
# alice owns a group with bob (a contact already) and carol in it.
chat alice group create '#club' >/dev/null || fail "create"
chat alice group invite '#club' bob >/dev/null || fail "invite bob"
befriend alice carol
chat alice group invite '#club' carol >/dev/null || fail "invite carol"
chat alice send bob "a to b" >/dev/null || fail send
chat bob send alice "b to a" >/dev/null || fail send
chat carol send alice "c to a" >/dev/null || fail send
expect_rc "bob sees alice" 0 chat bob contacts
expect_match "bob sees alice" "$OUT" "^alice	"

# alice's other device listens; it is signed out by the deletion.
n=$(logins d)
chat alice listen --timeout 60 >/dev/null 2>"$T/listen.err" &
lp=$!
wait_for 10 has_logins d $((n + 1))

expect_rc "wrong password" 77 chatp nope alice delete-account
expect_rc "still there" 0 chat bob history alice
expect_match "still there" "$OUT" "a to b"

expect_rc "deleted" 0 chatp pa alice delete-account
expect_eq "deleted" "$OUT" "account alice deleted"
wait "$lp"
expect_eq "listen signed out" "$?" 77
expect_match "listen signed out" "$(cat "$T/listen.err")" "account was deleted"

# Gone for everyone.
expect_rc "login" 67 chatp pa alice contacts
expect_rc "bob's contacts" 0 chat bob contacts
expect_eq "bob's contacts" "$OUT" ""
expect_rc "bob's history" 67 chat bob history alice
expect_rc "send to alice" 67 chat bob send alice "are you there"
# She left her group, which went to the member longest in it.
expect_rc "the group" 0 chat bob group members '#club'
expect_eq "the group" "$(echo "$OUT" | cut -f1,2 | tr '\t\n' ':,')" \
    "bob:owner,carol:member,"
expect_rc "the group's history" 0 chat carol history '#club'
expect_match "the group's history" "$OUT" "\* alice left"
expect_match "the group's history" "$OUT" "handed the group to bob"
v=$(python3 -c '
import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
q = lambda s: d.execute(s).fetchone()[0]
print(q("select count(*) from users where key = \"alice\""),
      q("select count(*) from messages where sender = 1 or rcpt = 1"),
      q("select count(*) from contacts where user = 1 or contact = 1"),
      q("select count(*) from tokens where user = 1"),
      q("select count(*) from convs where rcpt = 1 or sender = 1"),
      q("select count(*) from held where key = \"alice\""))
' "$T/d.state/chatd.db")
expect_eq "rows of alice's left (users messages contacts tokens convs held)" \
    "$v" "0 0 0 0 0 1"

# The name is held, and so is a look-alike (dotless ı).
expect_rc "register alice" 73 chatp new alice register
expect_match "held" "$ERR" "held after the account was deleted"
expect_rc "register look-alike" 73 chatp new "$(printf 'al\304\261ce')" register
expect_match "held look-alike" "$ERR" "held after the account was deleted"
# Other names are free as ever.
expect_rc "register dave" 0 chatp pd dave register
# An id is never used twice: the newest account deleted, the next one
# to register gets a new id, and none of what was kept by the old id.
expect_rc "register zed" 0 chatp pz zed register
zid=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select id from users where key = \"zed\"").fetchone()[0])' "$T/d.state/chatd.db")
expect_rc "zed deleted" 0 chatp pz zed delete-account
expect_rc "register yan" 0 chatp py yan register
yid=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select id from users where key = \"yan\"").fetchone()[0])' "$T/d.state/chatd.db")
[ "$yid" -gt "$zid" ] || fail "yan got id $yid, zed had $zid"
echo ok
