#!/bin/sh
# Flood limits: a session over its message rate gets "rate limited" and its
# client resends later, so nothing is lost; logins from one address beyond
# the burst are refused with a clear error; a full offline queue refuses
# with a clear error and keeps what it holds.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

# A key in the wrong section is a configuration error naming it.
printf '[accounts]\nqueue_max = 5\n' >"$T/bad.ini"
"$BIN/chatd" -n -c "$T/bad.ini" 2>"$T/cfgerr" && fail "misplaced key accepted"
expect_match "config error names the key" "$(cat "$T/cfgerr")" \
    "bad.ini:accounts:queue_max"

CHATD_CONF='[store]
queue_max = 10
[limits]
msg_rate = 4
msg_burst = 4
addr_login_burst = 6
addr_login_interval = 8' start_chatd d2
register alice pa
register bob pb
befriend alice bob

# 10 messages at 4 a second with a burst of 4: some are refused at first,
# and the client's resends get every one in, in order.
i=1
while [ $i -le 10 ]; do echo "m $i"; i=$((i + 1)); done >"$T/want"
chat alice -t 20 send bob --lines <"$T/want" >"$T/acc" 2>"$T/err" ||
    fail "flooding sender: $(cat "$T/err")"
expect_eq "all accepted" "$(wc -l <"$T/acc")" 10
expect_match "rate limited counted" "$(counters d2)" "ratelimited [1-9]"

# bob's queue holds 10: the next message is refused, clearly.
expect_rc "queue full" 75 chat alice send bob one too many
expect_match "queue full message" "$ERR" "queue is full"
chat bob listen --count 10 --timeout 5 | cut -f3 >"$T/got"
cmp -s "$T/want" "$T/got" || fail "queue lost messages: $(cat "$T/got")"

# Password logins from this address: 2 registrations, then 4 more, then
# refused.  (The token logins above take from an allowance of their own.)
chatp pa alice who >/dev/null 2>&1
chatp pa alice who >/dev/null 2>&1
chatp pa alice who >/dev/null 2>&1
chatp pa alice who >/dev/null 2>&1
expect_rc "login over the address limit" 75 chatp pa alice -t 3 who
expect_match "rate limited message" "$ERR" "rate limited"
echo ok
