#!/bin/sh
# Per-pair quota: a stranger stops at stranger_quota, a contact at
# pair_quota, others unaffected; offline and online-not-reading alike; the
# quota frees up when the recipient reads.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

CHATD_CONF='[limits]
msg_rate = 0
stranger_quota = 5
pair_quota = 12' start_chatd d
register alice pa
register bob pb
register mallory pm
befriend bob alice pb pa

lines() { i=1; while [ $i -le "$1" ]; do echo "m $i"; i=$((i + 1)); done; }
# bob offline: mallory (a stranger) gets 5 in, then error 21.
lines 5 | chat mallory -t 10 send bob --lines >/dev/null 2>&1 ||
    fail "stranger's first 5 refused"
expect_rc "stranger over quota" 75 chat mallory send bob one more
expect_match "quota message" "$ERR" "too many of your messages"
# alice (a contact) is not affected, and stops at 12.
lines 12 | chat alice -t 10 send bob --lines >/dev/null 2>&1 ||
    fail "contact's 12 refused"
expect_rc "contact over quota" 75 chat alice send bob thirteen
expect_match "counted" "$(counters d)" "quota 2 "
# bob reads: both may send again.
chat bob listen --count 17 --timeout 10 >/dev/null || fail "listen"
expect_rc "stranger after read" 0 chat mallory send bob again
expect_rc "contact after read" 0 chat alice send bob again
echo ok
