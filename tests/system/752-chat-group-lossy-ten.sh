#!/bin/sh
# A group of ten through a path that loses 20% of datagrams each way,
# duplicates 5% and reorders 10%: every member listening gets every
# message of the group exactly once and in order.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

CHATD_CONF='[limits]
addr_enable = no
login_rate = 100000
login_burst = 100000
group_msg_rate = 1000
group_msg_burst = 1000' start_chatd c
register alice pa
members=""
for k in 1 2 3 4 5 6 7 8 9; do
	register "m$k" "p$k"
	members="$members m$k"
done
# shellcheck disable=SC2086
mkgroup alice '#ten' $members
start_proxy p -S 752 -l 0.2 -d 0.05 -r 0.1

n=$(logins c)
lps=""
for k in 1 2 3 4 5 6 7 8 9; do
	QPW="p$k" chatq "cfg$k" "m$k" listen --count 30 --timeout 150 \
	    >"$T/got$k" 2>"$T/err$k" &
	lps="$lps $!"
done
PIDS="$PIDS $lps"
wait_for 60 has_logins c $((n + 9))

i=1
while [ $i -le 30 ]; do echo "g$i"; i=$((i + 1)); done >"$T/want"
QPW=pa chatq cfg0 alice -t 120 send '#ten' --lines <"$T/want" >"$T/acc" \
    2>"$T/send.err" || fail "alice's sends: $(cat "$T/send.err")"
expect_eq "accepted" "$(wc -l <"$T/acc")" 30

for k in 1 2 3 4 5 6 7 8 9; do
	set -- $lps
	shift $((k - 1))
	wait "$1" || fail "m$k's listen: $(tail -n 3 "$T/err$k")"
	grep '	#ten/alice	' "$T/got$k" | cut -f3 >"$T/text$k"
	cmp -s "$T/want" "$T/text$k" ||
	    fail "m$k got, in order: $(tr '\n' , <"$T/text$k")"
done
echo "ok: 9 members, 30 messages each, in order, once"
