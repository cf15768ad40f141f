#!/bin/sh
# A device token left unused for token_max_idle expires; one in use
# stays (issue 3).  token_max_idle_s = 2 stands for the 90 days.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

CHATD_CONF='token_max_idle_s = 2'
start_chatd d
register alice pa
register bob pb
# alice uses her token every second: it never idles 2 s.
for i in 1 2 3 4; do
	sleep 1
	chat alice who >/dev/null || fail "token in use refused after ${i} s"
done
# bob's has been idle since registering, 4 s ago.
expect_rc "idle token" 77 chat bob who
expect_match "idle token" "$ERR" "expired"
counters d >/dev/null
expect_match "counted" "$(grep 'counters: accounts' "$T/d.log" | tail -n 1)" \
    "token_expired 1 "
# The password still works and gives a new token.
chatp pb bob who >/dev/null || fail "bob's password login"
chat bob who >/dev/null || fail "bob's new token"
echo ok
