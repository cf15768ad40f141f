# tests/lib/chat.sh: helpers for the chat system tests (3NN-chat-*.sh),
# sourced after tests/lib/common.sh.
#
# start_chatd NAME [ARGS...]: start chatd on a loopback port (or
# $CHATD_PORT_WANT, to restart on the same one) with the private config
# $T/NAME.ini (cheap Argon2 parameters so tests stay fast, plus
# $CHATD_CONF), state in $T/NAME.state, log in $T/NAME.log; sets CHATD_PID
# and CHATD_PORT.  The port is a random one below the kernel's ephemeral
# range (20000-31999), tried again if taken: a test that restarts chatd
# on it then never finds it taken by some client's socket (clients take
# ephemeral ports), as a port chosen by the kernel could be.
#
# With CHAT_STORE=postgresql (tests/run.sh runs the chat tests that way
# too), every chatd also commits to a PostgreSQL log (the cluster's
# store, docs/CLUSTER.md), on a primary of the test's own, each chatd
# NAME under its own log name: the same test, the second store mode.
#
# With CHAT_CLUSTER=gateway (tests/run.sh runs the chat tests that way
# too), NAME is a core on a NATS server of the test's own, and a gateway
# NAME-gw with its key ([cluster] role = gateway, docs/CLUSTER.md) serves
# the clients: CHATD_PORT is the gateway's, CHATD_PID the core's.  A
# restart (CHATD_PORT_WANT) restarts the core, elsewhere, behind the
# same gateway, which waits to see it: what a client sees of a restart.
start_chatd() {
	if [ "${CHAT_CLUSTER:-}" = gateway ]; then
		start_cluster_chatd "$@"
		return
	fi
	start_chatd_node "$@"
}

start_cluster_chatd() {
	scc_name=$1; shift
	if [ -z "${CLUSTER_NATS:-}" ]; then
		. "$TESTS/lib/nats.sh"
		start_nats cluster-nats
		CLUSTER_NATS=$NATS_URL
	fi
	scc_conf=${CHATD_CONF:-}
	scc_cl="[cluster]
nats = $CLUSTER_NATS
heartbeat_ms = 200
missed_beats = 3"
	scc_gwlog=$T/$scc_name-gw.log
	scc_seen=$(count_lines "$scc_gwlog" "bus: peer $scc_name up")
	CHATD_CONF="$scc_conf
$scc_cl
node = $scc_name"
	CHATD_PORT_WANT='' start_chatd_node "$scc_name" "$@"
	CHATD_CONF=$scc_conf
	if [ -n "${CHATD_PORT_WANT:-}" ] && [ -f "$T/$scc_name-gw.pid" ] &&
	    kill -0 "$(cat "$T/$scc_name-gw.pid")" 2>/dev/null; then
		CHATD_PORT=$CHATD_PORT_WANT
	else
		mkdir -p -m 700 "$T/$scc_name-gw.state"
		cp "$T/$scc_name.state/session.key" "$T/$scc_name-gw.state/"
		printf '%s
%s
node = %s-gw
role = gateway
' "$scc_conf" \
		    "$scc_cl" "$scc_name" >"$T/$scc_name-gw.ini"
		# The port the clients know, or one the kernel picks.
		scc_port=${CHATD_PORT_WANT:-0}
		scc_ready=$(count_lines "$scc_gwlog" "gateway ready on port")
		"$BIN/chatd" -c "$T/$scc_name-gw.ini" -l 127.0.0.1 \
		    -p "$scc_port" -D "$T/$scc_name-gw.state" \
		    >>"$scc_gwlog" 2>&1 &
		echo $! >"$T/$scc_name-gw.pid"
		PIDS="$PIDS $!"
		poll 10 more_lines "$scc_gwlog" "gateway ready on port" \
		    "$scc_ready" || fail "gateway $scc_name-gw did not start"
		CHATD_PORT=$(gateway_port "$scc_gwlog")
	fi
	poll 10 more_lines "$scc_gwlog" "bus: peer $scc_name up" \
	    "$scc_seen" || fail "the gateway did not see core $scc_name"
}

# start_chatd_node NAME [ARGS...]: start_chatd, one chatd.
start_chatd_node() {
	name=$1; shift
	printf '[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8192\n%s\n' \
	    "${CHATD_CONF:-}" >"$T/$name.ini"
	if [ "${CHAT_STORE:-sqlite}" = postgresql ]; then
		if [ -z "${PG_PORT_store:-}" ]; then
			. "$TESTS/lib/pg.sh"
			pg_primary store
		fi
		printf '[store]\npostgresql = host=127.0.0.1 port=%s user=postgres dbname=postgres\nlog_name = %s\n' \
		    "$PG_PORT_store" "$name" >>"$T/$name.ini"
	fi
	sc_try=0
	while :; do
		if [ -n "${CHATD_PORT_WANT:-}" ]; then
			sc_port=$CHATD_PORT_WANT
		else
			sc_port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000 ))
		fi
		sc_ready=$(count_lines "$T/$name.log" "ready on port")
		sc_busy=$(count_lines "$T/$name.log" "Address already in use")
		"$BIN/chatd" -c "$T/$name.ini" -l 127.0.0.1 -p "$sc_port" \
		    -D "$T/$name.state" "$@" >>"$T/$name.log" 2>&1 &
		CHATD_PID=$!
		sc_dead=0
		poll 10 chatd_up "$CHATD_PID" "$T/$name.log" "$sc_ready" ||
		    fail "chatd did not start"
		[ "$sc_dead" = 0 ] && break
		sc_try=$((sc_try + 1))
		if [ "$sc_try" -lt 20 ] && more_lines "$T/$name.log" \
		    "Address already in use" "$sc_busy"; then
			# Taken: another port, or (a restart) the same a little
			# later.
			[ -n "${CHATD_PORT_WANT:-}" ] && sleep 0.25
			continue
		fi
		fail "$name exited at start"
	done
	PIDS="$PIDS $CHATD_PID"
	CHATD_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' \
	    "$T/$name.log" | tail -n 1)
}

# chatd_up PID LOG N: has chatd PID said "ready on port" in LOG (which
# held N such lines before)?  Also true, with sc_dead=1, if it exited.
chatd_up() {
	more_lines "$2" "ready on port" "$3" && return 0
	kill -0 "$1" 2>/dev/null && return 1
	sc_dead=1
	return 0
}

# chat NICK ARGS...: run chatc as NICK against the current chatd with no
# password in the environment (so a device token or nothing), with a
# private config folder (pins, device tokens) per test.
chat() {
	nick=$1; shift
	env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/cfg" "$BIN/chatc" \
	    -s "127.0.0.1:$CHATD_PORT" -n "$nick" "$@"
}

# chatp PASSWORD NICK ARGS...: the same with $CHAT_PASSWORD set (and
# $CHAT_NEW_PASSWORD from $NEWPW, for passwd).
chatp() {
	pw=$1; nick=$2; shift 2
	env CHAT_PASSWORD="$pw" CHAT_NEW_PASSWORD="${NEWPW:-}" \
	    XDG_CONFIG_HOME="$T/cfg" "$BIN/chatc" -s "127.0.0.1:$CHATD_PORT" \
	    -n "$nick" "$@"
}

# register NICK PASSWORD: create an account, failing the test if refused.
register() {
	chatp "$2" "$1" register >/dev/null 2>"$T/register.err" ||
	    fail "register $1: $(cat "$T/register.err")"
}

# stop_bg PID: end "chat ... &" (PID, the shell around it) and its chatc
# once the test has seen what it waited for.
stop_bg() {
	pkill -TERM -P "$1"
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# expect_rc WHAT WANT COMMAND...: run COMMAND, check its exit status, keep
# its stderr in $ERR.
expect_rc() {
	what=$1; want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	ERR=$(cat "$T/err")
	OUT=$(cat "$T/out")
	[ "$rc" = "$want" ] || fail "$what: exit $rc, want $want (stderr: $ERR)"
}

# wait_lines FILE N: wait up to 10 s for FILE to have N lines.
wait_lines() {
	poll 10 more_lines "$1" '' $(( $2 - 1 )) ||
	    fail "$1: fewer than $2 lines: $(cat "$1" 2>/dev/null)"
}

# counters NAME: ask chatd for its counters and print the report (three
# lines, "counters: datagrams" the last; behind a gateway, that line is
# the gateway's).
counters() {
	ct_n=$(count_lines "$T/$1.log" 'counters: datagrams')
	kill -USR1 "$CHATD_PID"
	poll 10 more_lines "$T/$1.log" 'counters: datagrams' "$ct_n" ||
	    fail "chatd logged no counters"
	if [ "${CHAT_CLUSTER:-}" = gateway ]; then
		# The sessions are the gateway's: its session layer's line.
		ct_n=$(count_lines "$T/$1-gw.log" 'counters: datagrams')
		kill -USR1 "$(cat "$T/$1-gw.pid")"
		poll 10 more_lines "$T/$1-gw.log" 'counters: datagrams' \
		    "$ct_n" || fail "the gateway logged no counters"
		grep 'counters:' "$T/$1.log" | tail -n 3 | head -n 2
		grep 'counters: datagrams' "$T/$1-gw.log" | tail -n 1
		return
	fi
	grep 'counters:' "$T/$1.log" | tail -n 3
}

# logins NAME: how many logins chatd has counted.
logins() {
	counters "$1" | sed -n 's/.* logins \([0-9]*\) .*/\1/p'
}

# has_logins NAME N: has chatd counted N logins (or more)?  A session
# started in the background is online once its login is counted.
has_logins() {
	[ "$(logins "$1")" -ge "$2" ]
}

# start_proxy NAME [OPTIONS...]: put bench/udp-proxy (seeded loss,
# duplication, reordering: its OPTIONS) in front of the current chatd,
# output in $T/NAME.log; sets PROXY_PID and PROXY_PORT.  Every client
# through it reaches chatd from 127.0.0.1, as behind a NAT, and it keeps
# forwarding to the same port across a restart of chatd.
start_proxy() {
	name=$1; shift
	"${BUILD:-$BIN/..}/bench/udp-proxy" "$@" "$CHATD_PORT" \
	    >"$T/$name.log" 2>&1 &
	PROXY_PID=$!
	PIDS="$PIDS $PROXY_PID"
	poll 10 started "$PROXY_PID" "$T/$name.log" 0 ||
	    fail "udp-proxy did not start"
	PROXY_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' \
	    "$T/$name.log")
}

# chatq CONFIG NICK ARGS...: chatc as NICK through the proxy, with its
# own config folder $T/CONFIG (pins, device token) and $CHAT_PASSWORD
# only if $QPW is set.
chatq() {
	cfg=$1; nick=$2; shift 2
	if [ -n "${QPW:-}" ]; then
		env CHAT_PASSWORD="$QPW" XDG_CONFIG_HOME="$T/$cfg" \
		    "$BIN/chatc" -s "127.0.0.1:$PROXY_PORT" -n "$nick" "$@"
	else
		env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/$cfg" \
		    "$BIN/chatc" -s "127.0.0.1:$PROXY_PORT" -n "$nick" "$@"
	fi
}

# befriend A B [PASSWORD_A PASSWORD_B]: make A and B contacts of each
# other (A asks, B accepts), so that presence, typing and the contacts'
# message quota flow between them; with the passwords if given, else
# with the device tokens their registration saved.
befriend() {
	if [ $# -ge 4 ]; then
		chatp "$3" "$1" contacts add "$2" >/dev/null 2>"$T/befriend.err" &&
		    chatp "$4" "$2" accept "$1" >/dev/null 2>>"$T/befriend.err"
	else
		chat "$1" contacts add "$2" >/dev/null 2>"$T/befriend.err" &&
		    chat "$2" accept "$1" >/dev/null 2>>"$T/befriend.err"
	fi || fail "befriend $1 $2: $(cat "$T/befriend.err")"
}

# mkgroup OWNER '#NAME' MEMBER...: OWNER (registered, with a token)
# creates the group and adds each member, made a contact first so that
# it joins at once.
mkgroup() {
	mg_owner=$1 mg_name=$2; shift 2
	chat "$mg_owner" group create "$mg_name" >/dev/null 2>"$T/mkgroup.err" ||
	    fail "create $mg_name: $(cat "$T/mkgroup.err")"
	for mg_m in "$@"; do
		befriend "$mg_owner" "$mg_m"
		chat "$mg_owner" group invite "$mg_name" "$mg_m" >/dev/null \
		    2>"$T/mkgroup.err" ||
		    fail "invite $mg_m: $(cat "$T/mkgroup.err")"
	done
}

# history_texts FILE: from `chatc history --json` lines in $OUT, the
# texts into FILE, oldest first; fails unless the ids rise, each once.
history_texts() {
	printf '%s\n' "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
ids = [r["id"] for r in rows]
assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
for r in rows:
    print(r["text"])
' >"$1" || fail "history out of order or repeated: $OUT"
}

# rebuild_chatd NAME: the machine of chatd NAME (started by start_chatd,
# CHATD_PID) is lost: it is killed (-9) and nothing of its state is left
# but its server key, which an operator keeps like a certificate.  chatd
# is started again on the same port on an empty state folder with that
# key, and rebuilds its store from PostgreSQL's log before it serves;
# fails unless it says so.
rebuild_chatd() {
	kill -9 "$CHATD_PID"
	wait "$CHATD_PID" 2>/dev/null
	[ -f "$T/$1.key" ] || cp "$T/$1.state/session.key" "$T/$1.key"
	rm -rf "$T/$1.state"
	mkdir -m 700 "$T/$1.state"
	cp "$T/$1.key" "$T/$1.state/session.key"
	CHATD_PORT_WANT=$CHATD_PORT start_chatd "$1"
	grep -q 'applied [0-9]* changes from PostgreSQL' "$T/$1.log" ||
	    fail "the store was not rebuilt: $(tail -n 5 "$T/$1.log")"
}

# start_standby NAME FROM: a chatd standby ([store] standby, with
# $CHATD_CONF) holding the server key of chatd FROM, on a port of its
# own, once it follows the log; sets STANDBY_PID and STANDBY_PORT.
start_standby() {
	printf '[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8192\n%s\nstandby = yes\n' \
	    "${CHATD_CONF:-}" >"$T/$1.ini"
	mkdir -m 700 "$T/$1.state"
	cp "$T/$2.state/session.key" "$T/$1.state/"
	STANDBY_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000 ))
	[ "$STANDBY_PORT" != "$CHATD_PORT" ] ||
	    STANDBY_PORT=$((STANDBY_PORT + 1))
	"$BIN/chatd" -c "$T/$1.ini" -l 127.0.0.1 -p "$STANDBY_PORT" \
	    -D "$T/$1.state" >"$T/$1.log" 2>&1 &
	STANDBY_PID=$!
	PIDS="$PIDS $STANDBY_PID"
	wait_log "$T/$1.log" "standby: following the log"
}

# start_gateway NAME CORE CLUSTER: a gateway NAME ([cluster] role =
# gateway, with the lines CLUSTER of that section) holding chatd CORE's
# key, on a port of its own, once it sees CORE on the bus; sets NAME_PID
# and NAME_PORT.
start_gateway() {
	mkdir -m 700 "$T/$1.state"
	cp "$T/$2.state/session.key" "$T/$1.state/"
	printf '[cluster]\n%s\nnode = %s\nrole = gateway\n' "$3" "$1" \
	    >"$T/$1.ini"
	"$BIN/chatd" -c "$T/$1.ini" -l 127.0.0.1 -p 0 \
	    -D "$T/$1.state" >"$T/$1.log" 2>&1 &
	eval "$1_PID=$!"
	PIDS="$PIDS $!"
	wait_log "$T/$1.log" "gateway ready on port"
	eval "$1_PORT=$(gateway_port "$T/$1.log")"
	wait_log "$T/$1.log" "bus: peer $2 up"
}

# gateway_port LOG: the port the gateway that logs to LOG last said it
# is ready on (it listens where the kernel put it: -p 0).
gateway_port() {
	sed -n 's/.*gateway ready on port \([0-9]*\).*/\1/p' "$1" | tail -n 1
}
