#!/bin/sh
# gateway-bench.sh: what serving through gateways costs (docs/CLUSTER.md,
# "Gateways"), beside one chatd, in the same alternating rounds.
#   one      a single chatd (SQLite, fsync on), as in chat-bench.sh;
#   cluster  a core (the same store and settings) and two gateways with
#            its key, on a NATS server of the script's own; PAIRS/2
#            sender/receiver pairs of chat-bench on each gateway.
# Each pair keeps WINDOW messages not yet received (chat-bench's tput
# mode: sealed, durable, receipts on).  Figures per round: relayed
# messages a second, and the CPU per relayed message of each process
# (from /proc, every thread, in chat-bench's measured window: -O for the
# cluster's processes): chatd alone; the core, each gateway and
# nats-server, and their sum.  The tables give medians over ROUNDS
# rounds of SECS seconds (defaults 5 and 5), and the cluster's figures
# over one chatd's in the same round.  Servers are pinned to CPU 1, the
# load generators to CPU 0, as in chat-bench.sh.  This machine has two
# CPUs, so this shows cost, not scaling.
# MEM_SESSIONS=N (0, the default: skipped): then N accounts on each,
# logged in and idle, and the growth of resident memory a session: of
# chatd, and of the gateway and the core (sessions through gw1).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${B:-build}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-5}
PAIRS=${PAIRS:-16}
MEM_SESSIONS=${MEM_SESSIONS:-0}
WINDOW=${WINDOW:-128}
SRV_CPU=${SRV_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
. bench/lib.sh
bench_init gateway-bench
# kv KEY LINE: the value of KEY in a line of key=value pairs.
kv() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
HALF=$((PAIRS / 2))

# (The registration and handshake limits lifted too, for MEM_SESSIONS's
# bulk accounts, before [store]: the gateways take what precedes it.)
printf '[chatd]\nmax_sessions = 100000\n[accounts]\nargon2_ops = 1\n'\
'argon2_mem_kib = 8\nauth_queue = 100000\nregister_per_day = 0\n'\
'auth_queue_per_addr = 100000\n[sessions]\nhello_rate = 1024\n'\
'hello_burst = 256\n[limits]\nmsg_rate = 0\n'\
'login_rate = 0\naddr_enable = no\n[store]\nfsync = yes\n'\
'queue_max = 10000000\n' >"$T/chatd.ini"
start one "$B/bin/chatd" -c "$T/chatd.ini" -D "$T/one" -l 127.0.0.1 -p 0
start_cluster "$B/bin/chatd" "$T/chatd.ini" core gw1 gw2

# cb NAME PREFIX ARGS...: chat-bench against server NAME.
cb() {
	cb_n=$1 cb_x=$2; shift 2
	gen "$B/bench/chat-bench" -s "127.0.0.1:$(cat "$T/$cb_n.port")" \
	    -P "$(cat "$T/$cb_n.pid")" -a 16 -k 16 -r 64 -x "$cb_x" \
	    -t "$T/$cb_n-$cb_x.tok" "$@" 2>>"$T/gen.log"
}
cb one t -N $((2 * PAIRS)) -c reg >/dev/null
cb gw1 a -N $((2 * HALF)) -c reg >/dev/null
cb gw2 b -N $((2 * HALF)) -c reg >/dev/null

: >"$T/results"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	order="one cluster"
	[ $((r % 2)) = 0 ] && order="cluster one"
	for k in $order; do
		if [ "$k" = one ]; then
			out=$(cb one t -n "$PAIRS" -w "$WINDOW" -d "$SECS" tput)
			rate=$(kv rate "$out")
			c=$(kv cpu_us "$out")
			echo "one $r $rate $c" >>"$T/results"
			printf '  round %d one      %8s msgs/s  chatd %s us/msg\n' \
			    "$r" "$rate" "$c"
			continue
		fi
		cb gw1 a -n "$HALF" -w "$WINDOW" -d "$SECS" \
		    -O "$(cat "$T/core.pid"),$(cat "$T/gw1.pid"),$(cat "$T/gw2.pid"),$(cat "$T/nats.pid")" \
		    tput >"$T/outa" &
		pa=$!
		cb gw2 b -n "$HALF" -w "$WINDOW" -d "$SECS" tput >"$T/outb"
		wait "$pa"
		rate=$(awk -v a="$(kv rate "$(cat "$T/outa")")" \
		    -v b="$(kv rate "$(cat "$T/outb")")" \
		    'BEGIN { printf "%.0f", a + b }')
		# Every process's CPU in the first generator's window, per
		# message of both.
		line="cluster $r $rate $(per_msg "$(cat "$T/outa")" "$rate")"
		echo "$line" >>"$T/results"
		set -- $line
		printf '  round %d cluster  %8s msgs/s  core %s, gw1 %s, gw2 %s, nats %s, all %s us/msg\n' \
		    "$r" "$3" "$4" "$5" "$6" "$7" "$8"
	done
done

# med FIELD WHO: the median of column FIELD of WHO's rows.
med() {
	awk -v f="$1" -v w="$2" '$1 == w { print $f }' "$T/results" | sort -g |
	    awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ratio FIELD_C FIELD_O: the median over rounds of cluster's field over one's.
ratio() {
	awk -v c="$1" -v o="$2" '$1 == "one" { one[$2] = $o } $1 == "cluster" { cl[$2] = $c }
	    END { for (r in cl) if (one[r] > 0) print cl[r] / one[r] }' "$T/results" |
	    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo
echo "gateway-bench: $ROUNDS rounds x $SECS s, $PAIRS pairs (cluster: $HALF on each gateway), window $WINDOW"
printf '  one chatd:  %s msgs/s, chatd %s us/msg\n' "$(med 3 one)" "$(med 4 one)"
printf '  core + 2 gateways + NATS: %s msgs/s (%s of one chatd),\n' \
    "$(med 3 cluster)" "$(ratio 3 3)"
printf '    us/msg: core %s, gw1 %s, gw2 %s, nats-server %s, all %s (%s of one chatd)\n' \
    "$(med 4 cluster)" "$(med 5 cluster)" "$(med 6 cluster)" \
    "$(med 7 cluster)" "$(med 8 cluster)" "$(ratio 8 4)"
printf '    the core over one chatd, CPU per msg: %s (per-round median)\n' \
    "$(ratio 4 4)"
# restart NAME: stop server NAME and start it again as it was (on a
# new port): what the accounts' registration allocated is gone.
restart() {
	kill -TERM "$(cat "$T/$1.pid")"
	while kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; do sleep 0.05; done
	start "$1" "$B/bin/chatd" -c "$T/$1.ini" -D "$T/$1" -l 127.0.0.1 -p 0
}
if [ "$MEM_SESSIONS" -gt 0 ]; then
	cp "$T/chatd.ini" "$T/one.ini"
	cb one m -N "$MEM_SESSIONS" -k 256 -r 1024 reg >/dev/null
	cb gw1 n -N "$MEM_SESSIONS" -k 256 -r 1024 reg >/dev/null
	restart one
	restart core
	restart gw1
	i=0
	until grep -q 'bus: peer core up' "$T/gw1.log"; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "gw1 does not see the core" >&2; exit 1; }
		sleep 0.05
	done
	out=$(cb one m -N "$MEM_SESSIONS" -k 256 -r 1024 -I 0 mem)
	printf '  memory, %s sessions: one chatd %s bytes a session\n' \
	    "$MEM_SESSIONS" "$(kv bytes_per_session "$out")"
	out=$(cb gw1 n -N "$MEM_SESSIONS" -k 256 -r 1024 -I 0 \
	    -O "$(cat "$T/core.pid")" mem)
	printf '  memory, %s sessions through gw1: the gateway %s, the core %s bytes a session\n' \
	    "$MEM_SESSIONS" "$(kv bytes_per_session "$out")" \
	    "$(kv others_bytes_per_session "$out")"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
