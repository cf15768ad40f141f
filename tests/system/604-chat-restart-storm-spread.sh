#!/bin/sh
# No restart storm: 1,000 clients (chatclient's reconnect rule, modelled
# on a virtual clock by chat-bench storm) come back to a restarted chatd
# spread out, not all at once: after a kill -9 (each notices when its own
# keepalive goes unanswered) and after a stop that closes every session
# in the same instant (only the jitter spreads them), no 100 ms holds more
# than a fifth of them and they take more than one second.  Counts only:
# the clock is virtual, so the machine's speed does not enter.
. "$(dirname "$0")/../lib/common.sh"

bench="${BUILD:-$BIN/..}/bench/chat-bench"
for how in "-R 2" "-G -R 2" "-G -R 0"; do
	# shellcheck disable=SC2086
	"$bench" -N 1000 -S 604 $how storm >"$T/storm" ||
	    fail "chat-bench storm $how failed"
	cat "$T/storm"
	share=$(sed -n 's/.*max_100ms_share=\([0-9.]*\).*/\1/p' "$T/storm")
	[ -n "$share" ] || fail "storm $how: no max_100ms_share"
	clients=$(awk '$1 == "storm:" { n += $(NF - 1) } END { print n }' \
	    "$T/storm")
	expect_eq "storm $how: clients back" "$clients" 1000
	awk -v s="$share" 'BEGIN { exit !(s <= 0.2) }' ||
	    fail "storm $how: $share of the clients in one 100 ms"
	seconds=$(grep -c '^storm:' "$T/storm")
	[ "$seconds" -ge 2 ] ||
	    fail "storm $how: every client back within one second"
done
echo ok
