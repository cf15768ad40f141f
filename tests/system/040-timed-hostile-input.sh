#!/bin/sh
# Hostile datagrams: invalid UTF-8, over-long and amplification-bait
# requests get the right status (extended form) or no reply (seed form),
# never a reply more than three times the request, never a crash; 10,000
# random datagrams later timed still answers, and the counters add up.
. "$(dirname "$0")/../lib/common.sh"

start_timed timed
P=$TIMED_PORT

# Seed form: invalid UTF-8, a NUL, an unknown conversion: no reply.
expect_eq "seed invalid UTF-8" "$(udp --port $P --timeout 0.3 --hex ff25)" TIMEOUT
expect_eq "seed bad conversion" "$(udp --port $P --timeout 0.3 %Q)" TIMEOUT
# Seed form amplification bait: 10 bytes asking for 5 x 24 = 120 > 3 x 38.
expect_eq "seed bait" "$(udp --port $P --timeout 0.3 %c%c%c%c%c)" TIMEOUT
# ... and just within the bound it is answered (4 x 24 = 96 <= 3 x 36).
expect_match "seed within bound" "$(udp --port $P %c%c%c%c)" '^[A-Z][a-z]{2} '

# Extended form: statuses.  udpc checks the nonce and the 3x bound.
r=$(udp --port $P --ext "%Y")
expect_eq "ext ok" "$r" "status=0 info=4 text=$(date +%Y)"
expect_eq "ext invalid UTF-8" "$(udp --port $P --ext --hex 25c3)" "status=1 info=0 text="
expect_eq "ext bad conversion" "$(udp --port $P --ext %Q)" "status=1 info=0 text="
expect_eq "ext too many conversions" \
    "$(udp --port $P --ext --pad 400 "$(printf '%%%%%.0s' $(seq 40))")" "status=1 info=0 text="
expect_eq "ext huge width" "$(udp --port $P --ext %1000000Y)" "status=2 info=0 text="
# 144 bytes of output for a 26-byte request (3 x 54 - 26 = 136 may be
# sent): refused, with the size needed; padded to 40 bytes, answered.
expect_eq "ext bait" "$(udp --port $P --ext %c%c%c%c%c%c)" "status=2 info=144 text="
r=$(udp --port $P --ext --pad 40 %c%c%c%c%c%c)
expect_match "ext bait padded" "$r" '^status=0 info=144 '
expect_eq "ext unknown zone" "$(udp --port $P --ext --zone Nowhere/City %H)" "status=3 info=0 text="
expect_eq "ext path zone" "$(udp --port $P --ext --zone ../../../etc/passwd %H)" "status=3 info=0 text="
expect_eq "ext version 9" "$(udp --port $P --ext --version 9 %H)" "status=5 info=0 text="
# A reply sent back to the server is never answered (no ping-pong).
expect_eq "reply as request" \
    "$(udp --port $P --timeout 0.3 --hex 0081000000000000000000000000000000000000000000000000)" TIMEOUT
# Shorter than a header, or a header claiming more bytes than there are.
expect_eq "ext short" "$(udp --port $P --hex --decode 000100000123456789abcdef)" \
    "status=1 info=0 text="
expect_eq "ext too short for a nonce" "$(udp --port $P --hex --timeout 0.3 0001)" TIMEOUT
expect_eq "ext lying length" \
    "$(udp --port $P --hex --decode 000100000123456789abcdefffff2559)" \
    "status=1 info=0 text="

# A datagram larger than timed's buffer is truncated, counted, dropped.
big=$(python3 -c 'print("%Y" * 1500)')
expect_eq "truncated" "$(udp --port $P --timeout 0.3 "$big")" TIMEOUT

# 10,000 random datagrams; afterwards timed still answers correctly.
udp --port $P --random 10000 --seed 7 >"$T/random.out" || fail "random flood"
kill -0 "$TIMED_PID" || fail "timed died under random datagrams"
expect_eq "after the flood" "$(udp --port $P %Y)" "$(date +%Y)"

kill -USR1 "$TIMED_PID"
wait_log "$T/timed.log" "counters: received"
line=$(grep "counters: received" "$T/timed.log" | tail -n 1)
trunc=$(echo "$line" | sed 's/.* truncated \([0-9]*\).*/\1/')
[ "$trunc" -ge 1 ] || fail "no truncated datagram counted: $line"
received=$(echo "$line" | sed 's/.* received \([0-9]*\).*/\1/')
# The kernel may drop some of a flood before timed sees it.
[ "$received" -ge 5000 ] || fail "received counter $received: $line"
kill -TERM "$TIMED_PID"
wait "$TIMED_PID"
expect_eq "exit status after SIGTERM" "$?" 0
grep -q "exiting: received" "$T/timed.log" || fail "no final counters"
exit 0
