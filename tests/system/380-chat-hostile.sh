#!/bin/sh
# Hostile and invalid input: random and malformed datagrams are dropped and
# counted; invalid nicknames, invalid UTF-8 and oversized messages get a
# clear error and a non-zero exit; nothing queued before is lost.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
expect_rc "queued before" 0 chat alice send bob survivor

# Datagrams that are not the session protocol, of many sizes.
udp --port "$CHATD_PORT" --random 3000 --seed 7 >/dev/null
udp --port "$CHATD_PORT" --timeout 0.2 --hex 04 "" 0400000000000000000000 \
    "$(python3 -c 'print("04" * 1300)')" >/dev/null
kill -0 "$CHATD_PID" || fail "chatd died"

expect_rc "invalid recipient" 65 chat alice send "bad nick" hi
expect_match "invalid recipient message" "$ERR" "invalid nickname"
expect_rc "invalid sender" 65 chat "$(printf 'x\tz')" send bob hi
expect_rc "invalid UTF-8" 65 chat alice send bob "$(printf 'bad \377\376 text')"
expect_match "UTF-8 message" "$ERR" "not valid UTF-8"
big=$(head -c 4097 /dev/zero | tr '\0' 'x')
expect_rc "oversized" 65 chat alice send bob "$big"
expect_match "oversized message" "$ERR" "longer than 4096"
max=$(head -c 4096 /dev/zero | tr '\0' 'y')
expect_rc "4096 bytes is fine" 0 chat alice send bob "$max"

chat bob listen --count 2 --timeout 5 | cut -f3 >"$T/got"
expect_eq "survivor" "$(head -n 1 "$T/got")" "survivor"
expect_eq "largest" "$(tail -n 1 "$T/got" | wc -c)" 4097
c=$(counters d)
expect_match "datagrams counted as dropped" "$c" "malformed [1-9]|unknown [1-9]"
echo ok
