#!/bin/sh
# The seed protocol: a datagram holding a strftime format gets the local
# time in it; an empty one gets "%Y-%m-%d %X".  The seed tutorial's own
# Python client works unchanged against timed on port 9000 (run in a
# private network namespace, where port 9000 is surely free).
. "$(dirname "$0")/../lib/common.sh"

start_timed timed
out=$(udp --port "$TIMED_PORT" "%Y-%m-%d" "" "%H:%M" "%Y年%m月%d日")
day=$(echo "$out" | sed -n 1p)
expect_eq "%Y-%m-%d" "$day" "$(date +%Y-%m-%d)"
expect_match "empty datagram" "$(echo "$out" | sed -n 2p)" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
expect_match "%H:%M" "$(echo "$out" | sed -n 3p)" '^[0-9]{2}:[0-9]{2}$'
expect_eq "UTF-8 format" "$(echo "$out" | sed -n 4p)" "$(date +%Y年%m月%d日)"

# The seed's client, unchanged, if this machine can make a namespace.
if unshare -n true 2>/dev/null; then
	unshare -n sh -c '
		ip link set lo up
		"$1" -l 127.0.0.1 2>"$2/ns.log" & pid=$!
		i=0; while ! grep -q "ready on port" "$2/ns.log"; do
			sleep 0.05; i=$((i + 1)); [ $i -lt 100 ] || exit 1; done
		printf "%%Y-%%m-%%d\n%%H\n" | python3 "$3/system/seed/ntp_client.py" \
		    >"$2/seed.out" 2>"$2/seed.err"
		kill $pid; wait' sh "$BIN/timed" "$T" "$TESTS" ||
	    fail "could not run timed in a namespace"
	grep -q "$(date +%Y-%m-%d)" "$T/seed.out" ||
	    fail "seed client: $(cat "$T/seed.out" "$T/seed.err")"
	grep -Eq '^[^0-9]*[0-9]{2}$' "$T/seed.out" ||
	    fail "seed client %H: $(cat "$T/seed.out")"
else
	echo "skip: no network namespaces here; seed client not run"
fi
exit 0
