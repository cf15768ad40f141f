#!/bin/sh
# A sender whose answers pile up faster than it reads them (100,000
# messages queued at once, fsync off so chatd answers at full speed) gets
# every "accepted" on its first session: chatd holds answers that find the
# session's queue full instead of dropping them, and a client busy for
# seconds with its backlog is not declared dead while the server talks.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

N=100000
CHATD_CONF='[limits]
msg_rate = 0
addr_enable = no
pair_quota = 10000000
stranger_quota = 10000000
[store]
fsync = no
queue_max = 10000000'
start_chatd d
register alice pa
register bob pb
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) print "message " i }' >"$T/in"
n=$(logins d)
chat bob listen --count $N --timeout 240 >"$T/got" 2>"$T/listen.err" &
LP=$!
PIDS="$PIDS $LP"
wait_for 10 has_logins d $((n + 1))
chat alice -v -t 240 send bob --lines <"$T/in" >"$T/sent" 2>"$T/send.err"
rc=$?
[ "$rc" = 0 ] || fail "send: exit $rc: $(grep -v 'debug' "$T/send.err" | tail -n 3)"
expect_eq "accepted" "$(grep -c '^accepted' "$T/sent")" $N
expect_eq "sessions of the sender" \
    "$(grep -c 'disconnected' "$T/send.err")" 0
wait $LP
expect_eq "delivered" "$(wc -l <"$T/got")" $N
expect_eq "in order" "$(cut -f3 "$T/got" | md5sum)" "$(md5sum <"$T/in")"
counters d >"$T/c"
expect_match "no resends" "$(cat "$T/c")" "duplicates 0"
echo ok
