#!/bin/sh
# Privacy settings, kept by the server: with read receipts off, the
# server sends none for the user's reads (delivered receipts still go);
# settings show and change per account.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
befriend alice bob

expect_rc "defaults" 0 chat bob settings
expect_eq "defaults" "$(echo "$OUT" | tr '\t\n' ': ')" \
    "visible:off receipts:on typing:on "
expect_rc "receipts off" 0 chat bob settings receipts off typing off
expect_eq "set" "$(echo "$OUT" | tr '\t\n' ': ')" \
    "visible:off receipts:off typing:off "

# bob reads (chatc listen marks what it prints read): alice is told
# delivered, never read.
n=$(logins d)
chat alice listen --events --timeout 30 >"$T/ev" &
lp=$!
wait_for 10 has_logins d $((n + 1))
expect_rc "sent" 0 chat alice send bob "are you there"
chat bob listen --count 1 --timeout 10 >/dev/null || fail "bob reads"
wait_for 10 grep -Eq "receipt	[0-9]+	delivered" "$T/ev"
expect_rc "read wait" 75 chat alice -t 2 send bob "read this" --read
chat bob listen --count 1 --timeout 10 >/dev/null || fail "bob reads"
stop_bg "$lp"
! grep -Eq "^receipt	[0-9]+	read" "$T/ev" ||
    fail "a read receipt: $(cat "$T/ev")"

expect_rc "receipts on" 0 chat bob settings receipts on
chat bob listen --count 1 --timeout 20 >/dev/null &
bp=$!
expect_rc "read now" 0 chat alice -t 10 send bob "and now" --read
wait "$bp"
echo ok
