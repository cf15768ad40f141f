#!/bin/sh
# Many users behind one address (issue 8): right after chatd is killed
# and restarted, 16 listening clients and 16 one-shot sends from
# 127.0.0.1 all log in again with their device tokens; none is refused
# "rate limited".  And password guessing is slowed per account (a backoff
# after each wrong password) while another account from the same
# address still logs in.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

# Registering 18 accounts at once is more than the address's password
# allowance; here it is setting up, not the subject.
CHATD_CONF='[limits]
addr_login_burst = 64'
start_chatd d
i=1
while [ $i -le 16 ]; do
	register "u$i" p
	i=$((i + 1))
done
register victim right
register other po

n=$(logins d)
i=1
while [ $i -le 16 ]; do
	chat "u$i" listen --timeout 60 >"$T/l$i" 2>"$T/l$i.err" &
	eval "lp$i=\$!"
	i=$((i + 1))
done
wait_for 20 has_logins d $((n + 16))

kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
CHATD_CONF=''
CHATD_PORT_WANT=$CHATD_PORT start_chatd d
# Every listener logs in again, and 16 sends log in beside them.
i=1
while [ $i -le 16 ]; do
	chat "u$i" -t 30 send "u$(( i % 16 + 1 ))" "hello $i" \
	    >/dev/null 2>"$T/s$i.err" &
	eval "sp$i=\$!"
	i=$((i + 1))
done
i=1
while [ $i -le 16 ]; do
	eval "wait \$sp$i" || fail "send $i: $(cat "$T/s$i.err")"
	i=$((i + 1))
done
# The listeners notice the restart when the old session goes silent
# (chatclient's dead_ms) and log in again: 32 token logins in all.
wait_for 30 has_logins d 32
i=1
while [ $i -le 16 ]; do
	eval "kill -0 \$lp$i" 2>/dev/null ||
	    fail "listener $i ended: $(cat "$T/l$i.err")"
	i=$((i + 1))
done
drops=$(counters d | grep 'counters: dropped')
expect_match "logins limited" "$drops" " ratelimited 0 "
grep -q 'rate limited' "$T"/s*.err "$T"/l*.err &&
    fail "a client was told 'rate limited'"
i=1
while [ $i -le 16 ]; do
	eval "stop_bg \$lp$i"
	i=$((i + 1))
done

# Wrong passwords for victim: each one makes the next wait longer.
expect_rc "first wrong password" 77 chatp wrong victim -t 10 who
expect_rc "second wrong password" 77 chatp wrong victim -t 10 who
# Now victim's passwords wait 2 s: even the right one, tried at once.
expect_rc "right password in the backoff" 75 chatp right victim -t 1 who
expect_match "backoff" "$ERR" "wrong passwords for this account"
# Another account, same address, is not held up.
chatp po other -t 2 who >/dev/null || fail "another account's login"
counters d >/dev/null
acc=$(grep 'counters: accounts' "$T/d.log" | tail -n 1)
expect_match "backoff counted" "$acc" "backoff [1-9]"
# Once the wait is over the right password logs in (and clears it).
chatp right victim -t 10 who >/dev/null || fail "victim after the backoff"
echo ok
