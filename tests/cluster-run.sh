#!/bin/sh
# tests/cluster-run.sh BUILD_DIR: what `make cluster-run` starts, in the
# foreground, on loopback, with everything in BUILD_DIR/cluster (made
# afresh each time): a PostgreSQL 15 primary and a synchronous standby,
# three NATS servers joined as one cluster, and chatd nodes of one
# service (one server key): chat1 is the core, serving with its store's
# log in PostgreSQL; chat2 is its standby, following the log to take
# over when chat1 dies; gw1 and gw2 are gateways, which hold clients'
# sessions and hand them to the core over the bus.  What this cluster
# is and is not today: docs/CLUSTER.md.  Ctrl-C stops it all.
#
# Ports (environment): PG_PORT (15432; the standby +1), NATS_PORT (14222,
# 14223, 14224; their routes 16222...), CHAT_PORT (18081 chat1, 18082
# chat2, 18083 gw1, 18084 gw2).
set -u
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
T=$top/$B/cluster
PIDS=""
PG_PORT=${PG_PORT:-15432}
NATS_PORT=${NATS_PORT:-14222}
CHAT_PORT=${CHAT_PORT:-18081}

fail() { echo "cluster-run: $*" >&2; exit 1; }
poll() {
	poll_end=$(( $(date +%s%3N) + $1 * 1000 )); shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$poll_end" ] || return 1
		sleep 0.1
	done
}
stop_all() {
	trap - EXIT INT TERM
	echo "cluster-run: stopping"
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	# The chatd behind each "| sed" (PIDS has the sed).
	pkill -TERM -f -- "-D $T/" 2>/dev/null
	for pg in s1 p; do
		[ -f "$T/pg/$pg/postmaster.pid" ] &&
		    pg_as "$PG_BIN/pg_ctl" -D "$T/pg/$pg" -m fast stop \
		    >/dev/null 2>&1
	done
	wait 2>/dev/null
	exit 0
}

rm -rf "$T"
mkdir -p "$T"
. tests/lib/pg.sh
trap stop_all EXIT INT TERM

# PostgreSQL: pg.sh picks free ports; this one is fixed for operators.
pg_port() {
	pp_n=$(cat "$T/pg-next-port" 2>/dev/null || echo "$PG_PORT")
	echo $((pp_n + 1)) >"$T/pg-next-port"
	echo "$pp_n"
}
pg_primary p
pg_standby s1 p
pg_sync_standbys p 'ANY 1 (s1)'
poll 30 pg_streaming p 1 || fail "the standby does not stream"
CONNINFO=$(pg_conninfo p s1)

# NATS: three servers, routed to each other.
command -v nats-server >/dev/null || fail "no nats-server (make deps)"
URLS="" ROUTES=""
for i in 0 1 2; do
	URLS="$URLS${URLS:+,}nats://127.0.0.1:$((NATS_PORT + i))"
	ROUTES="$ROUTES${ROUTES:+,}nats://127.0.0.1:$((NATS_PORT + 2000 + i))"
done
for i in 0 1 2; do
	nats-server -a 127.0.0.1 -p $((NATS_PORT + i)) --cluster_name chat \
	    --cluster "nats://127.0.0.1:$((NATS_PORT + 2000 + i))" \
	    --routes "$ROUTES" >"$T/nats$i.log" 2>&1 &
	PIDS="$PIDS $!"
done

# chatd: chat1 serves and makes the service's key; chat2 gets a copy of
# it and waits as a standby, gw1 and gw2 a copy to serve as gateways.
for i in 1 2; do
	mkdir -m 700 -p "$T/chat$i"
	cat >"$T/chat$i.ini" <<EOF
[store]
postgresql = $CONNINFO
log_name = chatd
standby = $([ "$i" = 1 ] && echo no || echo yes)
[cluster]
nats = $URLS
node = chat$i
EOF
done
B_BIN=$top/$B/bin
"$B_BIN/chatd" -c "$T/chat1.ini" -l 127.0.0.1 -p "$CHAT_PORT" \
    -D "$T/chat1" 2>&1 | sed -u 's/^/chat1 /' &
PIDS="$PIDS $!"
poll 20 test -f "$T/chat1/session.key" || fail "chat1 did not start"
cp "$T/chat1/session.key" "$T/chat2/"
"$B_BIN/chatd" -c "$T/chat2.ini" -l 127.0.0.1 -p $((CHAT_PORT + 1)) \
    -D "$T/chat2" 2>&1 | sed -u "s/^/chat2 /" &
PIDS="$PIDS $!"
for i in 1 2; do
	mkdir -m 700 -p "$T/gw$i"
	cp "$T/chat1/session.key" "$T/gw$i/"
	printf '[cluster]\nnats = %s\nnode = gw%s\nrole = gateway\n' \
	    "$URLS" "$i" >"$T/gw$i.ini"
	"$B_BIN/chatd" -c "$T/gw$i.ini" -l 127.0.0.1 \
	    -p $((CHAT_PORT + 1 + i)) -D "$T/gw$i" 2>&1 |
	    sed -u "s/^/gw$i /" &
	PIDS="$PIDS $!"
done
LIST="127.0.0.1:$((CHAT_PORT + 2)),127.0.0.1:$((CHAT_PORT + 3)),127.0.0.1:$CHAT_PORT,127.0.0.1:$((CHAT_PORT + 1))"
cat <<EOF
cluster-run: PostgreSQL 127.0.0.1:$(eval echo "\$PG_PORT_p") (standby :$(eval echo "\$PG_PORT_s1")), NATS $URLS
cluster-run: chat1 (the core) serves on $CHAT_PORT, chat2 is its standby ($((CHAT_PORT + 1))),
cluster-run: gateways gw1 on $((CHAT_PORT + 2)) and gw2 on $((CHAT_PORT + 3))
cluster-run: try   $B_BIN/chatc -s $LIST -n alice register
cluster-run: then  kill gw1 (pgrep -f gw1.ini) and watch the clients move on,
cluster-run: or    kill chat1 (pgrep -f chat1.ini) and watch chat2 take over
EOF
wait
