#!/bin/sh
# chatd sends a client datagrams over 1,200 bytes only once a probe has
# shown that the path and the client take them (docs/PROTOCOL.md 4.4.5),
# through the real kernel, in a network namespace of the test's own:
# on loopback (MTU 65536) a listening client's session rises to 4096
# bytes; when the link shrinks to 1500, five messages of 3000 bytes
# (three fragments each, which chatd packs into one datagram the kernel
# now refuses) still arrive whole, once each and in order, and that
# session falls back to 1200; a session opened on the 1500-byte link
# settles on 1452.
unshare -n true 2>/dev/null || { echo "skip: no network namespaces"; exit 0; }
if [ -z "${IN_NETNS:-}" ]; then
	IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"
. "$(dirname "$0")/../lib/metrics.sh"

ip link set lo up || fail "no loopback in the namespace"
ctl() { "$BIN/chatctl" -D "$T/d.state" "$@"; }
# The datagram column of NICK's row in chatctl sessions.
dgram_of() {
	ctl sessions | awk -F '\t' -v n="$1" '$2 == n { print $NF }'
}

CHATD_CONF='[chatd]
metrics = 127.0.0.1:0'
start_chatd d
addr=$(metrics_addr "$T/d.log")
[ -n "$addr" ] || fail "chatd logged no metrics address"
register alice pa
register bob pb
befriend alice bob

# Loopback: alice's listening session is probed and rises to 4096.
n=$(logins d)
chat alice listen --count 5 --timeout 60 >"$T/got" &
lp=$!
wait_for 10 has_logins d $((n + 1))
dgram_is() { [ "$(dgram_of "$1")" = "$2" ]; }
poll 20 dgram_is alice 4096 ||
    fail "alice's datagram size on loopback: $(dgram_of alice), want 4096"
scrape "$addr"
expect_ge "sessions raised" "$(metric chatd_datagram_size_raised_total)" 1

# The link shrinks: a message of 3000 bytes no longer fits a datagram.
ip link set lo mtu 1500 || fail "cannot set the MTU"
text=$(printf '%03000d' 0)
i=1
while [ $i -le 5 ]; do echo "$i $text"; i=$((i + 1)); done |
    chat bob send alice --lines >/dev/null || fail "send --lines"
wait $lp || fail "alice's listen failed"
expect_eq "messages alice got" "$(wc -l <"$T/got")" 5
expect_eq "each once, in order" \
    "$(cut -f3 "$T/got" | cut -d' ' -f1 | tr '\n' ' ')" "1 2 3 4 5 "
expect_eq "each whole" "$(cut -f3 "$T/got" | awk '{ print length($2) }' |
    sort -u)" 3000
scrape "$addr"
expect_ge "fallbacks" "$(metric chatd_datagram_size_fallbacks_total)" 1

# A session opened on the 1500-byte link: 4096 is refused, 1452 answered.
n=$(logins d)
chat bob listen --count 1 --timeout 60 >/dev/null &
bp=$!
wait_for 10 has_logins d $((n + 1))
poll 20 dgram_is bob 1452 ||
    fail "bob's datagram size at MTU 1500: $(dgram_of bob), want 1452"
kill "$bp" 2>/dev/null
wait "$bp" 2>/dev/null
exit 0
