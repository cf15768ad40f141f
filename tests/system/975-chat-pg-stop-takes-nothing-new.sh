#!/bin/sh
# chatd stopping (SIGTERM) while PostgreSQL does not confirm waits for
# it (up to postgresql_timeout, twice) with its loop running, so
# datagrams keep coming in.  What comes then is not taken: password
# logins sent all through the stop get no WELCOME, and chatd, once its
# time is up, exits 0 (it used to hand them to the password pool it had
# already freed: the sanitizer build aborted).
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"

pg_pair
CHATD_CONF="[store]
postgresql = $(pg_conninfo p)
postgresql_timeout = 2"
start_chatd d
register alice pa
register bob pb
# No standby: commits wait, and the stop has something to wait for.
kill -9 "$(pg_pid s1)"
expect_rc "send with no standby" 75 chat alice -t 5 send bob "waits"

kill -TERM "$CHATD_PID"
i=0
while kill -0 "$CHATD_PID" 2>/dev/null; do
	i=$((i + 1))
	mkdir -p "$T/login$i/udp-suite"
	cp "$T/cfg/udp-suite/known_servers" "$T/login$i/udp-suite/"
	CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/login$i" "$BIN/chatc" \
	    -s "127.0.0.1:$CHATD_PORT" -n bob -t 1 status \
	    >"$T/login$i.out" 2>&1 &
	PIDS="$PIDS $!"
	sleep 0.2
done
rc=0
wait "$CHATD_PID" || rc=$?
expect_eq "chatd's exit status after a stop with logins coming in" "$rc" 0
[ "$i" -ge 2 ] || fail "chatd stopped before any login came"
grep -l '^nick	bob' "$T"/login*.out &&
    fail "a login was welcomed after SIGTERM"
echo ok
