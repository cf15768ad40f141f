#!/bin/sh
# chatd through the death of its PostgreSQL primary (the issue's test 6,
# end to end; and its test 5 on the way).  chatd commits to a primary p
# with two synchronous standbys (ANY 1 (s1, s2)), its conninfo naming p
# and s1.  alice sends bob a stream of messages, one chatc each, while
# bob listens; s2 is killed (-9) after the seventh, and after the
# fifteenth p is killed too and s1 promoted.  chatd finds the new primary
# through the multi-host conninfo on its own, and every send is
# accepted (the one in flight waits; postgresql_timeout is long).  bob
# gets every message once, in order; and nothing accepted was lost: a
# chatd rebuilt from the new primary alone, on an empty state folder,
# has the whole conversation.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"
. "$TESTS/lib/pg.sh"
. "$TESTS/lib/metrics.sh"

pg_primary p
pg_standby s1 p
pg_standby s2 p
pg_sync_standbys p 'ANY 1 (s1, s2)'
wait_for 30 pg_streaming p 2
CHATD_CONF="[chatd]
metrics = 127.0.0.1:0
[store]
postgresql = $(pg_conninfo p s1)
postgresql_timeout = 60"
start_chatd d
register alice pa
register bob pb
befriend alice bob
grep -q "pgw: connected to 127.0.0.1:$PG_PORT_p" "$T/d.log" ||
    fail "chatd did not start on p: $(grep pgw "$T/d.log")"

chat bob listen --count 40 --timeout 120 >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"

# The stream: forty sends, each told "accepted" (exit 0) or the test
# fails; p dies after the fifteenth.
: >"$T/want"
i=0
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	# A standby dies first: the other one is enough (the issue's
	# test 5), and the sends go on being accepted.
	[ "$i" = 8 ] && kill -9 "$(pg_pid s2)"
	if [ "$i" = 16 ]; then
		chat alice -t 90 send bob "message $i" >/dev/null \
		    2>>"$T/send.err" &
		sender=$!
		kill -9 "$(pg_pid p)"
		pg_as "$PG_BIN/pg_ctl" -D "$T/pg/s1" -w promote >/dev/null ||
		    fail "promote s1"
		# s2 is gone; an operator lets s1 commit alone until a new
		# standby follows it.
		pg_sync_standbys s1 ''
		wait "$sender" || fail "send $i, across the failover: $(tail -n 2 "$T/send.err")"
	else
		chat alice -t 90 send bob "message $i" >/dev/null \
		    2>>"$T/send.err" ||
		    fail "send $i: $(tail -n 2 "$T/send.err")"
	fi
	echo "message $i" >>"$T/want"
done
wait "$LISTEN" || fail "bob's listen: $(cat "$T/listen.err")"
cut -f3 "$T/got" >"$T/got.text"
cmp -s "$T/want" "$T/got.text" ||
    fail "not every message once, in order: $(cat "$T/got.text")"
grep -q "pgw: lost 127.0.0.1:$PG_PORT_p" "$T/d.log" ||
    fail "chatd did not see p go: $(grep pgw "$T/d.log")"
grep -q "pgw: connected to 127.0.0.1:$PG_PORT_s1" "$T/d.log" ||
    fail "chatd did not move to s1: $(grep pgw "$T/d.log")"
# The metrics tell an operator the same: a connection lost, a second
# made, connected, nothing waiting.
# (A change of the last moment, a receipt, may still be on its way.)
wait_for 10 metric_is "$(metrics_addr "$T/d.log")" chatd_pg_changes_waiting 0
expect_eq "chatd_pg_connected" "$(metric chatd_pg_connected)" 1
expect_ge "chatd_pg_connects_total" "$(metric chatd_pg_connects_total)" 2
expect_ge "chatd_pg_connection_losses_total" \
    "$(metric chatd_pg_connection_losses_total)" 1

# Nothing accepted was lost: the machine is lost too, and a chatd
# rebuilt from the new primary's log has all forty, once, in order.
# (Its first answers do not wait for a change to be confirmed: with
# nothing new to write, a login and a history page go at once, where
# they once waited postgresql_timeout, 60 s, for the next change.)
rebuild_chatd d
expect_rc "history after the rebuild" 0 chat bob -t 20 history alice --limit 100 --json
history_texts "$T/hist"
cmp -s "$T/want" "$T/hist" || fail "history after the rebuild: $(cat "$T/hist")"
echo ok
