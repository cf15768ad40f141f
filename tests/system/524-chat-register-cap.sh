#!/bin/sh
# Registrations from one address are capped per day (issue 9), across a
# restart; logins are not.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

CHATD_CONF='register_per_day = 3'
start_chatd d
register u1 p
register u2 p
register u3 p
expect_rc "fourth registration" 75 chatp p u4 register
expect_match "fourth registration" "$ERR" "registered its accounts for today"
# Still capped after a restart: the day's registrations are stored.
kill -9 "$CHATD_PID"
wait "$CHATD_PID" 2>/dev/null
CHATD_PORT_WANT=$CHATD_PORT start_chatd d
expect_rc "after a restart" 75 chatp p u5 register
chatp p u1 who >/dev/null || fail "a login of an existing account"
counters d >/dev/null
expect_match "counted" "$(grep 'counters: accounts' "$T/d.log" | tail -n 1)" \
    "register_cap 1 "
echo ok
