#!/bin/sh
# chat-bench.sh: chatd's relay throughput, latency, CPU per message and
# memory per session, side by side with the ceiling (bench/echo, a bare
# recvmmsg/sendmmsg echo server driven by bench/loadgen) in the same run,
# in alternating rounds so that a noisy machine hurts both alike.
#
#   bench/chat-bench.sh             build if needed, run, print the table
#
# Environment: B (build folder, default build), ROUNDS (3), SECS (seconds
# per round, 5), PAIRS (sender/receiver pairs, 16), WINDOW (messages each
# sender keeps unaccepted, 128), SESSIONS (for memory, 10000; 0 skips it),
# ADDRS (source addresses, 16: the load generator's socket i binds
# 127.0.0.(1 + i % ADDRS), so chatd's per-address limits see 16 hosts),
# SOCKETS (16, at least ADDRS), MEM_SOCKETS (sockets for the memory
# measurement, 256: many source ports), HELLO_RATE (handshakes a second
# per address the load generator keeps to, 64: chatd's default
# hello_rate), IDLE (seconds the SESSIONS idle while chatd's CPU for
# keepalives is measured, 30; 0 skips it), FSYNC (yes), SRV_CPU (1) and
# GEN_CPU (0): the CPUs servers and load generators are pinned to with
# taskset (empty: not pinned).  CHATD (default $B/bin/chatd); BASE, if
# set, another chatd binary (an older build) measured beside it in the
# same rounds, by the same load generator, with the same private config
# (it holds only keys both know).  SCRAPE=yes: a second chatd, "scrape",
# the same but with metrics = 127.0.0.1:0, in the same rounds, scraped
# by curl every SCRAPE_EVERY seconds (1) while it is measured; the table
# then compares it with chatd, which serves no metrics.  PG=yes: a chatd
# "pg" on the same config with [store] postgresql, in the same rounds,
# against a PostgreSQL 15 primary and a synchronous standby this script
# starts on loopback (tests/lib/pg.sh; run as root, it runs them as the
# postgres user): replies wait for PostgreSQL's commit on two machines
# instead of chatd's own fdatasync; the table adds PostgreSQL's CPU (the
# primary's and the standby's processes) per message.  With PG=yes,
# STANDBYS (2; 0 for none) more chatd follow the pg chatd's log as
# standbys ([store] standby, its server key): the cluster of today, one
# machine of a store serving and the others following it to take over
# (docs/CLUSTER.md); the table adds each standby's CPU per message
# relayed by the pg chatd, which is what following costs a machine.
# GW=yes: three nodes serving at once (docs/CLUSTER.md, "Gateways") in
# the same rounds, "gw": a core on the same config and two gateways with
# its key, on a nats-server the script starts; the pairs' load is split
# between the gateways (two load generators at once, PAIRS/2 pairs
# each), the unloaded latency goes through the first.  The table adds
# the CPU per message of the core, each gateway and nats-server.
#
# chatd runs with durability on (fsync = yes: accepted means flushed to
# disk, all threads' CPU counted) and receipts on (every receiver marks
# the messages delivered and read, once per turn for the newest, as
# chatclient and chat-tui do, and the sender gets both receipts for each
# message).
# Throughput is bounded by the messages in flight (PAIRS x WINDOW) over
# the time to ACCEPTED, which is one or two disk flushes (a few ms under
# load): 2048 in flight, as from a few thousand busy users, is enough to
# saturate chatd's CPU here; WINDOW=32 shows the bound.  Latency
# "deliver" is from the sender's SEND to the receiver's MESSAGE; the echo
# round trip (p50 and p99) with one request in flight is printed beside
# it as the machine's floor: a relay is two hops, like a round trip.
# Between two unloaded messages chatd waits for its disk flush, and the
# CPUs idle; so the echo round trip is also measured with 300 us of
# idle before each request (loadgen -g).  On a private config: the
# per-session and per-address message and login rates off (msg_rate,
# login_rate, addr_enable: a bench sends far more per session and per
# address than a person), cheap Argon2 (argon2_ops 1, argon2_mem_kib 8)
# so the accounts bench/chat-bench registers cost little; the password
# work is not what is measured.  Every other limit is at its default:
# the [sessions] caps and hello_rate, memory_mib, pair_quota and
# stranger_quota, malformed_max, list_rate, register_per_day,
# auth_queue_per_addr.  The 2 x PAIRS accounts are registered once,
# each receiver and its sender made contacts of each other (the receiver
# asks, the sender accepts: so pair_quota, 500, holds, not
# stranger_quota, as between people who know each other),
# and every round logs in with their device tokens.
#
# The memory measurement registers SESSIONS accounts as an operator's
# bulk import would, on a config of its own (import.ini), then restarts
# chatd on mem.ini, which is the embedded defaults but for max_sessions
# (and cheap Argon2, unused: the sessions log in with device tokens, as
# clients do after a restart), and logs them all in from ADDRS addresses
# at HELLO_RATE handshakes a second each.
#
# Each client's sends of one turn, and chatd's answers, deliveries and
# receipts to one session after a commit, leave together in as few
# datagrams as fit, with the pending ACK; the datagrams chatd took in and
# sent per relayed message are printed (the echo: two per reply).  "ratio"
# is chat messages/s over echo replies/s.
#
# Beside IRC (IRC=yes, the default when ngircd and inspircd are
# installed: make bench-deps): ngircd and InspIRCd, each run as an
# unprivileged user from a private config on a free port, pinned like
# chatd, with flood control lifted (ngircd: MaxPenaltyTime 0 and no
# connection limits; InspIRCd: fakelag off, a command rate and
# penalty threshold out of reach, large send and receive queues), are
# driven by bench/irc-bench over loopback TCP in the same rounds:
#   1:1     PAIRS senders each keep WINDOW PRIVMSGs to a receiver of its
#           own not yet received, as chat-bench's pairs do with chatd
#           (whose window is on ACCEPTED);
#   group   MEMBERS (100) clients in one channel, one of them sending,
#           keeping GWINDOW (32) messages not yet at every other member;
#           against a second chatd, "group", whose group of MEMBERS
#           accounts (made once by chat-bench reg -g) is sent to by one
#           member keeping GWINDOW messages not yet accepted or not yet
#           at every member, the others marking delivered and read
#           (GMARK) once per turn, as chatclient and chat-tui do;
#           sealed, fsync on.
# Receivers of both kinds set TCP_QUICKACK after each read.  The
# figure compared is the server's CPU (every thread) per copy delivered,
# and the tables give the median over the rounds of each server's
# figure over ngircd's in the same round.  GROUP=no skips the group
# rounds; ONE=no skips the 1:1 rounds (the echo, chatd's 1:1 relay and
# the IRC servers' PRIVMSG pairs), leaving the group comparison.  With
# BASE set, a second group chatd, "gbase", runs the BASE binary on the
# same config and its own group of MEMBERS in the same rounds, and the
# group table compares the two.
#
# GROUPS_MEM (1000; 0 skips it): chatd's memory per group member.
# Two stores of GMEM_USERS (10000) accounts are written by
# bench/group-store.py into a schema chatd made, one with GROUPS_MEM
# groups of MEMBERS members; chatd starts on each in turn (3 times),
# and the growth of VmRSS a second after "ready" over the member rows
# it logs is the figure.
set -eu

cd "$(dirname "$0")/.."
B=${B:-build}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
PAIRS=${PAIRS:-16}
WINDOW=${WINDOW:-128}
SESSIONS=${SESSIONS:-10000}
ADDRS=${ADDRS:-16}
SOCKETS=${SOCKETS:-16}
[ "$SOCKETS" -ge "$ADDRS" ] || SOCKETS=$ADDRS
MEM_SOCKETS=${MEM_SOCKETS:-256}
HELLO_RATE=${HELLO_RATE:-64}
IDLE=${IDLE:-30}
FSYNC=${FSYNC:-yes}
CHATD=${CHATD:-$B/bin/chatd}
BASE=${BASE:-}
SCRAPE=${SCRAPE:-no}
SCRAPE_EVERY=${SCRAPE_EVERY:-1}
PG=${PG:-no}
GW=${GW:-no}
STANDBYS=${STANDBYS:-2}
SBS=""
IRC=${IRC:-}
GROUP=${GROUP:-yes}
ONE=${ONE:-yes}
MEMBERS=${MEMBERS:-100}
GWINDOW=${GWINDOW:-32}
GROUPS_MEM=${GROUPS_MEM:-1000}
GMEM_USERS=${GMEM_USERS:-10000}
SRV_CPU=${SRV_CPU-1}
GEN_CPU=${GEN_CPU-0}
# An echo payload the size of a sealed chat SEND of 64 bytes of text.
PAYLOAD=$(printf '%0200d' 0 | sed 's/0/ab/g' | cut -c 1-240)

if ! make --no-print-directory -s B="$B" "$B/bin/chatd" \
    "$B/bench/chat-bench" "$B/bench/loadgen" "$B/bench/echo" \
    "$B/bench/irc-bench"; then
	echo "WARNING: build failed; benchmarking the binaries in $B" >&2
fi
for f in "$CHATD" ${BASE:+"$BASE"} "$B/bench/chat-bench" \
    "$B/bench/loadgen" "$B/bench/echo" "$B/bench/irc-bench"; do
	[ -x "$f" ] || { echo "no $f" >&2; exit 1; }
done
if [ "$SCRAPE" = yes ] && ! command -v curl >/dev/null; then
	echo "SCRAPE=yes needs curl" >&2
	exit 1
fi

PATH=$PATH:/usr/sbin
if [ -z "$IRC" ]; then
	IRC=yes
	for p in ngircd inspircd; do
		if ! command -v "$p" >/dev/null; then
			echo "$p is not installed (make bench-deps): no IRC" \
			    "baselines" >&2
			IRC=no
		fi
	done
fi

. bench/lib.sh
bench_init chat-bench
# The IRC servers run as nobody and read their configs from here.
chmod 711 "$T"

stop() {
	kill -TERM "$(cat "$T/$1.pid")"
	while kill -0 "$(cat "$T/$1.pid")" 2>/dev/null; do sleep 0.05; done
}

# kv KEY LINE: the value of KEY in a line of key=value pairs.
kv() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# Only keys chatd had before its [sessions] and quota limits, so that an
# older BASE reads the same file; auth_queue was raised with them.
printf '[chatd]\nmax_sessions = 100000\n[accounts]\nargon2_ops = 1\n'\
'argon2_mem_kib = 8\nauth_queue = 100000\n[limits]\nmsg_rate = 0\n'\
'login_rate = 0\naddr_enable = no\n[store]\nfsync = %s\n'\
'queue_max = 10000000\n' "$FSYNC" >"$T/chatd.ini"
MAXS=$((SESSIONS + 1024))
[ "$MAXS" -ge 10000 ] || MAXS=10000
# The memory measurement: defaults, but room for SESSIONS (max_sessions
# is capacity, not a defence).
printf '[chatd]\nmax_sessions = %s\n[accounts]\nargon2_ops = 1\n'\
'argon2_mem_kib = 8\n[store]\nfsync = %s\n' "$MAXS" "$FSYNC" >"$T/mem.ini"
# Its accounts, made as an operator would for a bulk import of SESSIONS
# users from ADDRS addresses, and then switched back: register_per_day 0
# (20 a day per address is against one party making many accounts; an
# import makes SESSIONS / ADDRS each), addr_enable no (the password
# allowance, one a second per address), hello_rate and hello_burst at
# their highest and auth_queue_per_addr raised (the import's sessions
# arrive as fast as the importer sends, not as users do).
cp "$T/mem.ini" "$T/import.ini"
printf '[accounts]\nregister_per_day = 0\nauth_queue = 100000\n'\
'auth_queue_per_addr = 100000\n[sessions]\nhello_rate = 1024\n'\
'hello_burst = 256\n[limits]\naddr_enable = no\n' >>"$T/import.ini"

# The scraped chatd: the same, serving /metrics on a free port.
sed 's/^\[chatd\]$/[chatd]\nmetrics = 127.0.0.1:0/' "$T/chatd.ini" \
    >"$T/scrape.ini"

# The group chatd: the same, but with the group limits a bench meets
# lifted (its one sender sends far more than 20 messages a second; its
# owner invites MEMBERS at once), and the contact and list rates that
# group changes also take from.
cat "$T/chatd.ini" >"$T/group.ini"
printf '[limits]\ngroup_msg_rate = 0\ncontact_rate = 0\nlist_rate = 0\n'\
'[groups]\ninvite_per_hour = 0\ncreate_per_day = 0\nmax_members = %s\n' \
    "$((MEMBERS > 500 ? MEMBERS : 500))" >>"$T/group.ini"

# freeport: a TCP port free on 127.0.0.1 now.
freeport() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# irc_start NAME COMMAND...: an IRC server (its config names the port in
# $T/NAME.port), as nobody if we are root, pinned to SRV_CPU; waits
# until it accepts connections.
irc_start() {
	name=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		set -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	fi
	if [ -n "$SRV_CPU" ]; then
		taskset -c "$SRV_CPU" "$@" >"$T/$name.log" 2>&1 &
	else
		"$@" >"$T/$name.log" 2>&1 &
	fi
	echo $! >"$T/$name.pid"
	PIDS="$PIDS $!"
	if ! "$B/bench/irc-bench" -s "127.0.0.1:$(cat "$T/$name.port")" wait ||
	    ! kill -0 "$(cat "$T/$name.pid")" 2>/dev/null; then
		echo "$name did not start:" >&2
		cat "$T/$name.log" >&2
		exit 1
	fi
}

# ngircd(8) and InspIRCd with flood control lifted (ngircd.conf(5):
# MaxPenaltyTime 0 turns penalties off; no limit on connections per
# address or channels per user; InspIRCd's connect class: no fake lag,
# thresholds out of reach, queues of 64 MiB).
IRC_NAMES=""
if [ "$IRC" = yes ]; then
	IRC_NAMES="ngircd inspircd"
	freeport >"$T/ngircd.port"
	freeport >"$T/inspircd.port"
	cat >"$T/ngircd.conf" <<EOF
[Global]
	Name = bench.irc
	Info = chat-bench
	Listen = 127.0.0.1
	Ports = $(cat "$T/ngircd.port")
	MotdPhrase = chat-bench
[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxNickLength = 30
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 600
[Options]
	DNS = no
	Ident = no
	PAM = no
EOF
	cat >"$T/inspircd.conf" <<EOF
<server name="bench.irc" description="chat-bench" network="bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="$(cat "$T/inspircd.port")" type="clients">
<connect name="bench" allow="*" timeout="60" pingfreq="600"
	threshold="1000000000" commandrate="1000000000" fakelag="no"
	hardsendq="67108864" softsendq="67108864" recvq="67108864"
	localmax="100000" globalmax="100000" maxconnwarn="off" limit="100000"
	resolvehostnames="no" useident="no">
<channels users="100" opers="100">
<dns timeout="1">
<performance softlimit="100000" somaxconn="1024" netbuffersize="65536"
	clonesonconnect="no" quietbursts="yes">
<limits maxnick="30">
EOF
	chmod 644 "$T/ngircd.conf" "$T/inspircd.conf"
	irc_start ngircd ngircd -n -f "$T/ngircd.conf"
	irc_start inspircd inspircd --config="$T/inspircd.conf" --nofork \
	    --nopid
fi

# chat-bench's arguments for a server; its clients spread over ADDRS.
cbargs() {
	echo "-s 127.0.0.1:$(cat "$T/$1.port") -P $(cat "$T/$1.pid") -a $ADDRS"
}

start echo "$B/bench/echo" -l 127.0.0.1 -p 0
NAMES=chatd
[ "$ONE" = yes ] || NAMES=""
start chatd "$CHATD" -c "$T/chatd.ini" -D "$T/state" -l 127.0.0.1 -p 0
if [ -n "$BASE" ] && [ "$ONE" = yes ]; then
	NAMES="chatd base"
	start base "$BASE" -c "$T/chatd.ini" -D "$T/bstate" -l 127.0.0.1 \
	    -p 0
fi
if [ "$PG" = yes ] && [ "$ONE" = yes ]; then
	fail() { echo "chat-bench: $*" >&2; exit 1; }
	. tests/lib/pg.sh
	pg_primary p
	pg_standby s1 p
	pg_sync_standbys p 'ANY 1 (s1)'
	i=0
	until pg_streaming p 1; do
		i=$((i + 1)); [ $i -lt 600 ] || fail "the standby does not stream"
		sleep 0.05
	done
	cat "$T/chatd.ini" >"$T/pg.ini"
	printf '[store]\npostgresql = %s\n' "$(pg_conninfo p)" >>"$T/pg.ini"
	NAMES="$NAMES pg"
	start pg "$CHATD" -c "$T/pg.ini" -D "$T/pgstate" -l 127.0.0.1 -p 0
	# The standbys: pg's key, the same log, following it.
	sb=0
	while [ "$sb" -lt "$STANDBYS" ]; do
		sb=$((sb + 1))
		mkdir -m 700 "$T/sb$sb.state"
		cp "$T/pgstate/session.key" "$T/sb$sb.state/"
		printf '[store]\nstandby = yes\n' | cat "$T/pg.ini" - \
		    >"$T/sb$sb.ini"
		"$CHATD" -c "$T/sb$sb.ini" -D "$T/sb$sb.state" -l 127.0.0.1 \
		    -p 0 >/dev/null 2>"$T/sb$sb.log" &
		echo $! >"$T/sb$sb.pid"
		PIDS="$PIDS $!"
		SBS="$SBS sb$sb"
		i=0
		until grep -q 'standby: following the log' "$T/sb$sb.log"; do
			i=$((i + 1))
			[ $i -lt 600 ] && kill -0 "$(cat "$T/sb$sb.pid")" ||
			    fail "standby $sb did not follow: $(cat "$T/sb$sb.log")"
			sleep 0.05
		done
	done
fi
if [ "$GW" = yes ] && [ "$ONE" = yes ]; then
	start_cluster "$CHATD" "$T/chatd.ini" gwcore gw gw2
	NAMES="$NAMES gw"
fi
if [ "$SCRAPE" = yes ] && [ "$ONE" = yes ]; then
	NAMES="$NAMES scrape"
	start scrape "$CHATD" -c "$T/scrape.ini" -D "$T/sstate" \
	    -l 127.0.0.1 -p 0
	METRICS=$(sed -n 's,.*metrics on http://\([^/]*\)/metrics$,\1,p' \
	    "$T/scrape.log")
fi
: >"$T/scrapes"
if [ "$GROUP" = yes ]; then
	start group "$CHATD" -c "$T/group.ini" -D "$T/gstate" -l 127.0.0.1 \
	    -p 0
	# shellcheck disable=SC2046
	gen "$B/bench/chat-bench" $(cbargs group) -k "$SOCKETS" \
	    -r "$HELLO_RATE" -N "$MEMBERS" -x g -t "$T/group.tok" -g reg \
	    >/dev/null 2>>"$T/gen.log" || { cat "$T/gen.log" >&2; exit 1; }
	GNAMES=group
	if [ -n "$BASE" ]; then
		GNAMES="group gbase"
		start gbase "$BASE" -c "$T/group.ini" -D "$T/gbstate" \
		    -l 127.0.0.1 -p 0
		# shellcheck disable=SC2046
		gen "$B/bench/chat-bench" $(cbargs gbase) -k "$SOCKETS" \
		    -r "$HELLO_RATE" -N "$MEMBERS" -x g -t "$T/gbase.tok" \
		    -g reg >/dev/null 2>>"$T/gen.log" ||
		    { cat "$T/gen.log" >&2; exit 1; }
	fi
fi

# scraper_start / scraper_stop: curl on the load generators' CPU fetching
# /metrics every SCRAPE_EVERY seconds; each scrape's size goes to
# $T/scrapes.
scraper_start() {
	(while :; do
		gen curl -s -o /dev/null -w '%{size_download}\n' \
		    "http://$METRICS/metrics" >>"$T/scrapes" || true
		sleep "$SCRAPE_EVERY"
	done) &
	SCRAPER=$!
}
scraper_stop() {
	kill -TERM "$SCRAPER"
	wait "$SCRAPER" 2>/dev/null || true
}
HZ=$(getconf CLK_TCK)
# The pairs' accounts (the latency pair is the first of them), at the
# defaults' pace, each receiver and its sender contacts of each other.
for n in $NAMES; do
	# shellcheck disable=SC2046
	gen "$B/bench/chat-bench" $(cbargs "$n") -k "$SOCKETS" \
	    -r "$HELLO_RATE" -N $((2 * PAIRS)) -x t -t "$T/$n.tok" -c reg \
	    >/dev/null 2>>"$T/gen.log" || { cat "$T/gen.log" >&2; exit 1; }
done
if [ "$GW" = yes ] && [ "$ONE" = yes ]; then
	# The second gateway's half of the pairs: accounts of their own.
	# shellcheck disable=SC2046
	gen "$B/bench/chat-bench" $(cbargs gw2) -k "$SOCKETS" \
	    -r "$HELLO_RATE" -N $((2 * (PAIRS / 2))) -x u -t "$T/gw2.tok" \
	    -c reg >/dev/null 2>>"$T/gen.log" || { cat "$T/gen.log" >&2; exit 1; }
fi

echo "chat-bench: $ROUNDS rounds x $SECS s; $PAIRS pairs, window $WINDOW," \
    "$SOCKETS sockets on $ADDRS addresses; fsync $FSYNC, receipts on"
[ -z "$BASE" ] || echo "base: $BASE (chatd: $CHATD)"
[ "$IRC" != yes ] || echo "beside: $(ngircd --version | head -n 1 |
    cut -d- -f1), $(inspircd --version 2>&1 | head -n 1)"
[ "$GROUP" != yes ] || echo "group: $MEMBERS members, one sender," \
    "window $GWINDOW"
[ "$SCRAPE" != yes ] || echo "scrape: chatd with metrics on $METRICS," \
    "scraped every $SCRAPE_EVERY s while measured"
if [ -n "$SRV_CPU" ]; then
	echo "pinned: servers on CPU $SRV_CPU, load generators on CPU $GEN_CPU"
else
	echo "not pinned: servers and load generators share $ncpu CPU(s)"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# chat_round NAME: one round of chatd NAME, loaded then unloaded (the
# scraped one with its scraper running).
chat_round() {
	[ "$1" != scrape ] || scraper_start
	chat_round1 "$1"
	[ "$1" != scrape ] || scraper_stop
}
# pg_ticks: the CPU ticks of the PostgreSQL servers (each postmaster and
# its children: backends, WAL sender and receiver, writers).
pg_ticks() {
	pt=0
	for pm in $(pg_pid p) $(pg_pid s1); do
		for q in $pm $(ps -o pid= --ppid "$pm"); do
			pt=$((pt + $(ticks "$q" 2>/dev/null || echo 0)))
		done
	done
	echo "$pt"
}
chat_round1() {
	# chatd under load
	if [ "$1" = pg ]; then
		pg0=$(pg_ticks)
		for n in $SBS; do
			eval "${n}_0=\$(ticks \"\$(cat \"\$T/$n.pid\")\")"
		done
	fi
	if [ "$1" = gw ]; then
		# shellcheck disable=SC2046
		gen "$B/bench/chat-bench" $(cbargs gw2) -k "$SOCKETS" \
		    -r "$HELLO_RATE" -x u -t "$T/gw2.tok" -n $((PAIRS / 2)) \
		    -w "$WINDOW" -d "$SECS" tput >"$T/gw2.out" 2>>"$T/gen.log" &
		gwp=$!
		# The first generator counts every process of the cluster in
		# its window (-O); per message of both generators.
		out=$(gen "$B/bench/chat-bench" \
		    -s "127.0.0.1:$(cat "$T/gw.port")" \
		    -P "$(cat "$T/gwcore.pid")" -a "$ADDRS" \
		    -O "$(cat "$T/gwcore.pid"),$(cat "$T/gw.pid"),$(cat "$T/gw2.pid"),$(cat "$T/nats.pid")" \
		    -k "$SOCKETS" -r "$HELLO_RATE" -x t -t "$T/gw.tok" \
		    -n $((PAIRS - PAIRS / 2)) -w "$WINDOW" -d "$SECS" tput \
		    2>>"$T/gen.log")
		wait "$gwp" || true
		gwrate=$(awk -v a="$(kv rate "$out")" \
		    -v b="$(kv rate "$(cat "$T/gw2.out")")" \
		    'BEGIN { printf "%.0f", a + b }')
		gwline="gw.parts $r $(per_msg "$out" "$gwrate")"
		echo "$gwline" >>"$T/results"
		printf '  round %d gw    %s msgs/s; CPU us/msg: core %s, gateways %s and %s, nats %s, all %s\n' \
		    "$r" "$gwrate" $(echo "$gwline" | cut -d' ' -f3-)
		# The row of the table: the pairs of both, the core's CPU.
		out="rate=$gwrate cpu_us=$(echo "$gwline" | cut -d' ' -f3) p50_us=$(kv p50_us "$out") p99_us=$(kv p99_us "$out") lost=$(kv lost "$out") errors=$(kv errors "$out") dg_in=$(kv dg_in "$out") dg_out=$(kv dg_out "$out")"
	else
	# shellcheck disable=SC2046
	out=$(gen "$B/bench/chat-bench" $(cbargs "$1") -k "$SOCKETS" \
	    -r "$HELLO_RATE" -x t -t "$T/$1.tok" -n "$PAIRS" -w "$WINDOW" \
	    -d "$SECS" tput 2>>"$T/gen.log")
	fi
	if [ "$1" = pg ]; then
		pg1=$(pg_ticks)
		pgus=$(awk -v t=$((pg1 - pg0)) -v hz="$HZ" -v r="$(kv rate \
		    "$out")" -v s="$SECS" \
		    'BEGIN { printf "%.2f", (r > 0 ? t * 1e6 / hz / (r * s) : 0) }')
		echo "pg.pgcpu $r $pgus" >>"$T/results"
		printf '  round %d pg    PostgreSQL CPU %s us/msg\n' "$r" "$pgus"
		for n in $SBS; do
			t1=$(ticks "$(cat "$T/$n.pid")")
			t0=$(eval echo "\$${n}_0")
			sbus=$(awk -v t=$((t1 - t0)) -v hz="$HZ" \
			    -v r="$(kv rate "$out")" -v s="$SECS" \
			    'BEGIN { printf "%.2f", (r > 0 ? t * 1e6 / hz / (r * s) : 0) }')
			echo "pg.$n $r $sbus" >>"$T/results"
			printf '  round %d pg    standby %s CPU %s us/msg\n' \
			    "$r" "$n" "$sbus"
		done
	fi
	echo "$1.tput $r $(kv rate "$out") $(kv cpu_us "$out")" \
	    "$(kv p50_us "$out") $(kv p99_us "$out")" >>"$T/results"
	printf '  round %d %-5s %9.0f msgs/s,    %5.2f us CPU/msg, loaded' \
	    "$r" "$1" "$(kv rate "$out")" "$(kv cpu_us "$out")"
	printf ' p50 %s us p99 %s us (lost %s, errors %s)\n' \
	    "$(kv p50_us "$out")" "$(kv p99_us "$out")" "$(kv lost "$out")" \
	    "$(kv errors "$out")"
	printf '  round %d %-5s datagrams per relayed msg: in %s, out %s\n' \
	    "$r" "$1" "$(kv dg_in "$out")" "$(kv dg_out "$out")"
	# chatd unloaded: one message in flight
	# shellcheck disable=SC2046
	out=$(gen "$B/bench/chat-bench" $(cbargs "$1") -k "$SOCKETS" \
	    -x t -t "$T/$1.tok" -d "$SECS" lat 2>>"$T/gen.log")
	echo "$1.lat $r $(kv p50_us "$out") $(kv p99_us "$out")" \
	    "$(kv acc_p50_us "$out") $(kv acc_p99_us "$out")" >>"$T/results"
	printf '  round %d %-5s unloaded send-to-deliver p50 %s us p99 %s' \
	    "$r" "$1" "$(kv p50_us "$out")" "$(kv p99_us "$out")"
	printf ' us; send-to-accepted p50 %s us p99 %s us\n' \
	    "$(kv acc_p50_us "$out")" "$(kv acc_p99_us "$out")"
}

# irc_round NAME MODE: one round of an IRC server, 1:1 (pairs) or the
# channel (chan).
irc_round() {
	if [ "$2" = pairs ]; then a="-n $PAIRS -w $WINDOW"; else
		a="-m $MEMBERS -w $GWINDOW"; fi
	# shellcheck disable=SC2086
	out=$(gen "$B/bench/irc-bench" -s "127.0.0.1:$(cat "$T/$1.port")" \
	    -P "$(cat "$T/$1.pid")" $a -d "$SECS" "$2" 2>>"$T/gen.log") ||
	    { tail -n 5 "$T/gen.log" >&2; exit 1; }
	echo "$1.$2 $r $(kv rate "$out") $(kv cpu_us "$out")" >>"$T/results"
	printf '  round %d %-8s %-5s %9.0f copies/s,  %5.2f us CPU/copy' \
	    "$r" "$1" "$2" "$(kv rate "$out")" "$(kv cpu_us "$out")"
	printf ' (lost %s, errors %s)\n' "$(kv lost "$out")" \
	    "$(kv errors "$out")"
}

# group_round NAME: one round of a group chatd (group, or gbase: BASE).
group_round() {
	# shellcheck disable=SC2046
	out=$(gen "$B/bench/chat-bench" $(cbargs "$1") -k "$SOCKETS" \
	    -r "$HELLO_RATE" -N "$MEMBERS" -x g -t "$T/$1.tok" \
	    -w "$GWINDOW" -d "$SECS" group 2>>"$T/gen.log") ||
	    { tail -n 5 "$T/gen.log" >&2; exit 1; }
	echo "$1.chan $r $(kv rate "$out") $(kv cpu_us "$out")" \
	    "$(kv p50_us "$out") $(kv p99_us "$out") $(kv dg_out "$out")" \
	    >>"$T/results"
	if [ "$1" = group ]; then gl=chatd; else gl=base; fi
	printf '  round %d %-8s %-5s %9.0f copies/s,  %5.2f us CPU/copy' \
	    "$r" "$gl" group "$(kv rate "$out")" "$(kv cpu_us "$out")"
	printf ' (%s copies a message, datagrams a copy %s out, %s in,' \
	    "$(kv copies_per_msg "$out")" "$(kv dg_out "$out")" \
	    "$(kv dg_in "$out")"
	printf ' lost %s, errors %s)\n' "$(kv lost "$out")" \
	    "$(kv errors "$out")"
}

# rev WORDS: the words in reverse order.
rev() {
	echo "$@" | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }'
}

# group_rounds: the group fan-out of this round, the first alternating.
group_rounds() {
	order=$IRC_NAMES
	[ "$GROUP" != yes ] || order="$GNAMES $order"
	[ $((r % 2)) -eq 1 ] || order=$(rev "$order")
	for n in $order; do
		case $n in
		group|gbase)	group_round "$n" ;;
		*)		irc_round "$n" chan ;;
		esac
	done
}

: >"$T/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	[ "$ONE" = yes ] || { group_rounds; r=$((r + 1)); continue; }
	# echo: the ceiling
	pid=$(cat "$T/echo.pid")
	t0=$(ticks "$pid")
	out=$(gen "$B/bench/loadgen" -s "127.0.0.1:$(cat "$T/echo.port")" \
	    -m hex -x "$PAYLOAD" -d "$SECS" -w 128 -k "$SOCKETS")
	t1=$(ticks "$pid")
	rate=$(kv rate "$out")
	reps=$(kv replies "$out")
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$reps" \
	    'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')
	echo "echo $r $rate $cpu" >>"$T/results"
	printf '  round %d echo:  %9.0f replies/s, %5.2f us CPU/reply\n' \
	    "$r" "$rate" "$cpu"
	# echo, one request in flight: the machine's UDP round trip, the
	# floor under a relay's latency (two hops, sender to chatd to
	# receiver, cost about one round trip)
	out=$(gen "$B/bench/loadgen" -s "127.0.0.1:$(cat "$T/echo.port")" \
	    -m hex -x "$PAYLOAD" -d 2 -w 1 -k 1)
	echo "rtt $r $(kv rtt_p50_us "$out") $(kv rtt_p99_us "$out")" \
	    >>"$T/results"
	printf '  round %d echo:  round trip, one in flight: p50 %s us p99 %s' \
	    "$r" "$(kv rtt_p50_us "$out")" "$(kv rtt_p99_us "$out")"
	printf ' us\n'
	# the same with the machine idle 300 us before each request: a relay
	# with one message in flight idles like that while its disk flushes,
	# and on a virtual machine a CPU woken from idle answers late
	out=$(gen "$B/bench/loadgen" -s "127.0.0.1:$(cat "$T/echo.port")" \
	    -m hex -x "$PAYLOAD" -d 2 -w 1 -k 1 -g 300)
	echo "idle $r $(kv rtt_p50_us "$out") $(kv rtt_p99_us "$out")" \
	    >>"$T/results"
	printf '  round %d echo:  round trip after 300 us idle: p50 %s us' \
	    "$r" "$(kv rtt_p50_us "$out")"
	printf ' p99 %s us\n' "$(kv rtt_p99_us "$out")"
	# chatd (and BASE), in turn: the first one alternates
	if [ $((r % 2)) -eq 1 ]; then order=$NAMES; else
		order=$(echo "$NAMES" | awk '{ for (i = NF; i > 0; i--)
		    printf "%s ", $i }'); fi
	for n in $order; do
		chat_round "$n"
	done
	# the IRC servers' 1:1 relay, then the group fan-out, each with
	# the first alternating
	order=$IRC_NAMES
	[ $((r % 2)) -eq 1 ] || order=$(rev "$order")
	for n in $order; do
		irc_round "$n" pairs
	done
	group_rounds
	r=$((r + 1))
done

# What one scrape costs chatd: 2000 back to back, a connection each.
scrape_us=""
if [ "$SCRAPE" = yes ]; then
	pid=$(cat "$T/scrape.pid")
	t0=$(ticks "$pid")
	gen python3 -c 'import http.client, sys
h, p = sys.argv[1].rsplit(":", 1)
for i in range(2000):
    c = http.client.HTTPConnection(h, int(p), timeout=10)
    c.request("GET", "/metrics")
    c.getresponse().read()
    c.close()' "$METRICS"
	t1=$(ticks "$pid")
	scrape_us=$(awk -v t=$((t1 - t0)) -v hz="$HZ" \
	    'BEGIN { printf "%.0f", t * 1e6 / hz / 2000 }')
fi

mem=""
kcpu=""
if [ "$SESSIONS" -gt 0 ]; then
	# Accounts first (the bulk import), then a restarted chatd on the
	# defaults whose growth is sessions.  SIGUSR1 logs chatd's counters
	# (refusals by cause) to $T/chatd.log, shown if the logins fail.
	stop chatd
	case " $NAMES " in *" base "*) stop base ;; esac
	case " $NAMES " in *" pg "*) stop pg ;; esac
	case " $NAMES " in *" scrape "*) stop scrape ;; esac
	case " $NAMES " in *" gw "*) stop gw; stop gw2; stop gwcore ;; esac
	start chatd "$CHATD" -c "$T/import.ini" -D "$T/mstate" \
	    -l 127.0.0.1 -p 0
	# shellcheck disable=SC2046
	out=$(gen "$B/bench/chat-bench" $(cbargs chatd) -k "$MEM_SOCKETS" \
	    -N "$SESSIONS" -x m -t "$T/m.tok" reg 2>>"$T/gen.log") ||
	    { tail -n 5 "$T/gen.log" >&2; exit 1; }
	echo "  memory: registered $SESSIONS accounts in $(kv secs "$out") s"
	stop chatd
	start chatd "$CHATD" -c "$T/mem.ini" -D "$T/mstate" \
	    -l 127.0.0.1 -p 0
	# shellcheck disable=SC2046
	if ! out=$(gen "$B/bench/chat-bench" $(cbargs chatd) \
	    -k "$MEM_SOCKETS" -r "$HELLO_RATE" -I "$IDLE" -N "$SESSIONS" \
	    -x m -t "$T/m.tok" mem 2>>"$T/gen.log"); then
		kill -USR1 "$(cat "$T/chatd.pid")"
		sleep 0.5
		tail -n 5 "$T/gen.log" >&2
		tail -n 20 "$T/chatd.log" >&2
		exit 1
	fi
	kill -USR1 "$(cat "$T/chatd.pid")"
	mem=$(kv bytes_per_session "$out")
	kcpu=$(kv idle_cpu_ms_per_s "$out")
	echo "  memory: $SESSIONS sessions from $MEM_SOCKETS sockets on" \
	    "$ADDRS addresses, logged in (device tokens) in" \
	    "$(kv login_secs "$out") s (retries $(kv retries "$out")," \
	    "errors $(kv errors "$out"), lost $(kv lost "$out"))"
	echo "  memory: VmRSS $(kv rss_before "$out") ->" \
	    "$(kv rss_after "$out") bytes: $mem bytes per session"
	if [ "$IDLE" != 0 ]; then
		echo "  keepalives: $IDLE s idle: chatd $kcpu ms CPU a second," \
		    "$(kv idle_dg_in_per_s "$out") datagrams in and" \
		    "$(kv idle_dg_out_per_s "$out") out a second; VmRSS then" \
		    "$(kv rss_after_idle "$out")"
	fi
	sleep 0.3
	grep -i 'refused\|sessions' "$T/chatd.log" | tail -n 3 | sed 's/^/  chatd: /'
fi

# chatd's memory per group member: the same accounts without groups and
# with them, chatd started on each in turn.
if [ "$GROUPS_MEM" -gt 0 ]; then
	mkdir "$T/gm0"
	start gm0 "$CHATD" -c "$T/mem.ini" -D "$T/gm0" -l 127.0.0.1 -p 0
	stop gm0
	python3 bench/group-store.py "$T/gm0/chatd.db" users "$GMEM_USERS"
	cp -R "$T/gm0" "$T/gm1"
	python3 bench/group-store.py "$T/gm1/chatd.db" groups "$GROUPS_MEM" \
	    "$MEMBERS" "$GMEM_USERS"
	# (not i: start() counts with it)
	for gi in 1 2 3; do
		for d in gm0 gm1; do
			start "$d" "$CHATD" -c "$T/mem.ini" -D "$T/$d" \
			    -l 127.0.0.1 -p 0
			sleep 1
			echo "$d $gi $(awk '/^VmRSS:/ { print $2 }' \
			    "/proc/$(cat "$T/$d.pid")/status")" >>"$T/results"
			stop "$d"
		done
	done
	grows=$(sed -n 's/.*groups: [0-9]*, with \([0-9]*\) member rows.*/\1/p' \
	    "$T/gm1.log")
	if [ -z "$grows" ]; then
		echo "chatd did not load the groups:" >&2
		cat "$T/gm1.log" >&2
		exit 1
	fi
	echo "  group memory: $GMEM_USERS accounts, $GROUPS_MEM groups of" \
	    "$MEMBERS: chatd loaded $grows member rows; VmRSS (kB) without" \
	    "groups $(awk '$1 == "gm0" { printf "%s ", $3 }' "$T/results")," \
	    "with $(awk '$1 == "gm1" { printf "%s ", $3 }' "$T/results")"
fi

# Medians over the rounds.
med() {
	awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$T/results" |
	    sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# paired A B FIELD: the median over the rounds of A's FIELD over B's in
# the same round (steadier than a ratio of medians on a busy machine).
paired() {
	awk -v a="$1" -v b="$2" -v f="$3" '$1 == a { x[$2] = $f }
	    $1 == b { y[$2] = $f } END { for (r in x) if (y[r] > 0)
	    print x[r] / y[r] }' "$T/results" | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# spread A B FIELD: the lowest and highest of those per-round ratios.
spread() {
	awk -v a="$1" -v b="$2" -v f="$3" '$1 == a { x[$2] = $f }
	    $1 == b { y[$2] = $f } END { for (r in x) if (y[r] > 0)
	    print x[r] / y[r] }' "$T/results" | sort -g | awk 'NR == 1 {
	    lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'
}
if [ "$ONE" = yes ]; then
echo_rate=$(med echo 3)
echo_cpu=$(med echo 4)
chat_rate=$(med chatd.tput 3)
chat_cpu=$(med chatd.tput 4)
echo
echo "medians of $ROUNDS rounds           chatd      echo (ceiling)  ratio   target"
awk -v cr="$chat_rate" -v er="$echo_rate" -v cc="$chat_cpu" \
    -v ec="$echo_cpu" -v lp50="$(med chatd.tput 5)" -v lp99="$(med chatd.tput 6)" \
    -v up50="$(med chatd.lat 3)" -v up99="$(med chatd.lat 4)" \
    -v ap50="$(med chatd.lat 5)" -v ap99="$(med chatd.lat 6)" -v rtt50="$(med rtt 3)" -v rtt99="$(med rtt 4)" \
    -v idle50="$(med idle 3)" -v idle99="$(med idle 4)" \
    -v mem="$mem" -v kcpu="$kcpu" \
    -v n="$SESSIONS" 'BEGIN {
	printf "  relayed msgs/s (echo: replies/s) %9.0f  %9.0f       %5.3f   >= 200000\n", cr, er, (er > 0 ? cr / er : 0)
	printf "  server CPU us per msg (reply)    %9.2f  %9.2f       %5.1fx  <= 2.5\n", cc, ec, (ec > 0 ? cc / ec : 0)
	printf "  unloaded deliver p50 / p99 us    %9.1f / %.1f                   p99 < 100\n", up50, up99
	printf "  echo round trip p50 / p99 us     %9.1f / %.1f\n", rtt50, rtt99
	printf "  same, after 300 us idle          %9.1f / %.1f\n", idle50, idle99
	printf "  unloaded accepted p50 / p99 us   %9.1f / %.1f\n", ap50, ap99
	printf "  loaded deliver p50 / p99 us      %9.1f / %.1f\n", lp50, lp99
	if (mem != "")
		printf "  bytes per session at %d        %9.0f                           <= 2048\n", n, mem
	if (kcpu != "")
		printf "  idle keepalives, ms CPU a second %9.2f\n", kcpu
}'
if [ -n "$BASE" ]; then
	awk -v cr="$chat_rate" -v cc="$chat_cpu" -v er="$echo_rate" \
	    -v ec="$echo_cpu" -v br="$(med base.tput 3)" \
	    -v bc="$(med base.tput 4)" -v bl="$(med base.lat 4)" \
	    -v cl="$(med chatd.lat 4)" 'BEGIN {
	printf "\nmedians of the same rounds         chatd       base   chatd/base  base/echo\n"
	printf "  relayed msgs/s                   %9.0f  %9.0f       %5.3f      %5.3f\n", cr, br, (br > 0 ? cr / br : 0), (er > 0 ? br / er : 0)
	printf "  server CPU us per msg            %9.2f  %9.2f       %5.3f      %5.2fx\n", cc, bc, (bc > 0 ? cc / bc : 0), (ec > 0 ? bc / ec : 0)
	printf "  unloaded deliver p99 us          %9.1f  %9.1f\n", cl, bl
}'
fi
if [ "$PG" = yes ]; then
	awk -v cr="$chat_rate" -v cc="$chat_cpu" -v pr="$(med pg.tput 3)" \
	    -v pc="$(med pg.tput 4)" -v pp="$(med pg.pgcpu 3)" \
	    -v ca5="$(med chatd.lat 5)" -v ca6="$(med chatd.lat 6)" \
	    -v pa5="$(med pg.lat 5)" -v pa6="$(med pg.lat 6)" \
	    -v rr="$(paired pg.tput chatd.tput 3)" \
	    -v rc="$(paired pg.tput chatd.tput 4)" 'BEGIN {
	printf "\nmedians of the same rounds         chatd         pg      pg/chatd\n"
	printf "  (chatd: SQLite, fdatasync; pg: the same, and PostgreSQL with a synchronous standby)\n"
	printf "  relayed msgs/s                   %9.0f  %9.0f       %5.3f\n", cr, pr, (cr > 0 ? pr / cr : 0)
	printf "  chatd CPU us per msg             %9.2f  %9.2f       %5.3f\n", cc, pc, (cc > 0 ? pc / cc : 0)
	printf "  PostgreSQL CPU us per msg                   %9.2f\n", pp
	printf "  unloaded send-to-accepted p50 us %9.1f  %9.1f\n", ca5, pa5
	printf "  unloaded send-to-accepted p99 us %9.1f  %9.1f\n", ca6, pa6
	printf "  median of the per-round ratios: msgs/s %5.3f, chatd CPU/msg %5.3f\n", rr, rc
}'
	for n in $SBS; do
		printf '  standby %s following pg, CPU us per msg %9.2f\n' "$n" \
		    "$(med "pg.$n" 3)"
	done
fi
fi
if [ "$GW" = yes ] && [ "$ONE" = yes ]; then
	awk -v cr="$chat_rate" -v cc="$chat_cpu" -v gr="$(med gw.tput 3)" \
	    -v gc="$(med gw.parts 3)" -v g1="$(med gw.parts 4)" \
	    -v g2="$(med gw.parts 5)" -v gn="$(med gw.parts 6)" \
	    -v ga="$(med gw.parts 7)" \
	    -v ca5="$(med chatd.lat 5)" -v ca6="$(med chatd.lat 6)" \
	    -v ga5="$(med gw.lat 5)" -v ga6="$(med gw.lat 6)" \
	    -v rr="$(paired gw.tput chatd.tput 3)" \
	    -v rc="$(paired gw.tput chatd.tput 4)" 'BEGIN {
	printf "\nmedians of the same rounds         chatd   3 nodes   3 nodes/chatd\n"
	printf "  (3 nodes: a core on the same config, two gateways, nats-server; the pairs split between the gateways)\n"
	printf "  relayed msgs/s                   %9.0f  %9.0f       %5.3f\n", cr, gr, (cr > 0 ? gr / cr : 0)
	printf "  CPU us per msg: chatd / the core %9.2f  %9.2f       %5.3f\n", cc, gc, (cc > 0 ? gc / cc : 0)
	printf "  CPU us per msg: gateways, nats              %5.2f + %.2f, %.2f\n", g1, g2, gn
	printf "  CPU us per msg: all                         %9.2f       %5.3f\n", ga, (cc > 0 ? ga / cc : 0)
	printf "  unloaded send-to-accepted p50 us %9.1f  %9.1f\n", ca5, ga5
	printf "  unloaded send-to-accepted p99 us %9.1f  %9.1f\n", ca6, ga6
	printf "  median of the per-round ratios: msgs/s %5.3f, core CPU/msg over chatd %5.3f\n", rr, rc
}'
fi
if [ "$SCRAPE" = yes ] && [ "$ONE" = yes ]; then
	awk -v cr="$chat_rate" -v cc="$chat_cpu" -v sr="$(med scrape.tput 3)" \
	    -v sc="$(med scrape.tput 4)" -v cl="$(med chatd.lat 4)" \
	    -v sl="$(med scrape.lat 4)" -v ca="$(med chatd.lat 6)" \
	    -v sa="$(med scrape.lat 6)" -v cp="$(med chatd.tput 6)" \
	    -v sp="$(med scrape.tput 6)" \
	    -v n="$(wc -l <"$T/scrapes")" -v bytes="$(sort -n "$T/scrapes" |
	    tail -n 1)" -v pr="$(paired scrape.tput chatd.tput 4)" \
	    -v us="$scrape_us" 'BEGIN {
	printf "\nmedians of the same rounds         chatd     scraped  scraped/chatd\n"
	printf "  relayed msgs/s                   %9.0f  %9.0f       %5.3f\n", cr, sr, (cr > 0 ? sr / cr : 0)
	printf "  server CPU us per msg            %9.2f  %9.2f       %5.3f\n", cc, sc, (cc > 0 ? sc / cc : 0)
	printf "  loaded deliver p99 us            %9.1f  %9.1f\n", cp, sp
	printf "  unloaded deliver p99 us          %9.1f  %9.1f\n", cl, sl
	printf "  unloaded accepted p99 us         %9.1f  %9.1f\n", ca, sa
	printf "  CPU per msg, median of the per-round ratios         %5.3f\n", pr
	printf "  (%d scrapes of up to %d bytes)\n", n, bytes
	printf "  chatd CPU per scrape, 2000 back to back: %d us\n", us
}'
fi
if [ "$IRC" = yes ] && [ "$ONE" = yes ]; then
	echo
	echo "1:1 relay, medians of $ROUNDS rounds   msgs/s  us CPU/msg   CPU/msg over ngircd's (rounds)"
	for k in chatd.tput ngircd.pairs inspircd.pairs echo; do
		printf '  %-30s %9.0f  %9.2f     %5.2f (%s)\n' "$k" \
		    "$(med "$k" 3)" "$(med "$k" 4)" \
		    "$(paired "$k" ngircd.pairs 4)" \
		    "$(spread "$k" ngircd.pairs 4)"
	done
	echo "  (chatd sealed, durable, receipts on; echo: per reply)"
fi
if [ "$GROUP" = yes ]; then
	echo
	echo "group of $MEMBERS, window $GWINDOW        copies/s  us CPU/copy  CPU/copy over ngircd's (rounds)"
	for k in $GNAMES ${IRC_NAMES:+ngircd inspircd}; do
		k=$k.chan
		printf '  %-30s %9.0f  %9.2f     %5.2f (%s)\n' "$k" \
		    "$(med "$k" 3)" "$(med "$k" 4)" \
		    "$(paired "$k" ngircd.chan 4)" \
		    "$(spread "$k" ngircd.chan 4)"
	done
	echo "  (chatd: sealed, durable, a turn marked read (one GMARK);" \
	    "$(med group.chan 7) datagrams out a copy; copy latency p50" \
	    "$(med group.chan 5) us, p99 $(med group.chan 6) us)"
	if [ -n "$BASE" ]; then
		echo "  chatd over base, CPU/copy: $(paired group.chan \
		    gbase.chan 4) ($(spread group.chan gbase.chan 4));" \
		    "base $(med gbase.chan 7) datagrams out a copy"
	fi
fi
if [ "$GROUPS_MEM" -gt 0 ]; then
	echo
	echo "chatd bytes per group member at $GROUPS_MEM groups of $MEMBERS" \
	    "($GMEM_USERS accounts): $(awk -v n="$grows" '$1 == "gm0" { x[$2] = $3 }
	    $1 == "gm1" { y[$2] = $3 } END { for (r in x)
	    print (y[r] - x[r]) * 1024 / n }' "$T/results" | sort -g |
	    awk '{ v[NR] = $1 } END { printf "%.0f (median of %d; %.0f-%.0f)",
	    v[int((NR + 1) / 2)], NR, v[1], v[NR] }')"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
