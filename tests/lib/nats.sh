# tests/lib/nats.sh: a NATS server for the cluster tests (9NN-*.sh),
# sourced after tests/lib/common.sh.  nats-server is in DEPS_PKGS: a
# test that needs it fails, never skips, when it is not installed.
#
# start_nats NAME [PORT]: start nats-server on 127.0.0.1, on PORT (to
# restart it where the nodes expect it) or a free port it picks, with
# its HTTP monitoring on another free port, logging to $T/NAME.log; sets
# NATS_PID, NATS_PORT, NATS_URL and NATS_MON (the monitoring address).
start_nats() {
	sn_name=$1
	command -v nats-server >/dev/null ||
	    fail "nats-server is not installed (make deps installs it)"
	mkdir -p "$T/$sn_name.ports"
	nats-server -a 127.0.0.1 -p "${2:--1}" -m -1 \
	    --ports_file_dir "$T/$sn_name.ports" >>"$T/$sn_name.log" 2>&1 &
	NATS_PID=$!
	PIDS="$PIDS $NATS_PID"
	sn_file=$T/$sn_name.ports/nats-server_$NATS_PID.ports
	poll 10 nats_up "$NATS_PID" "$sn_file" || fail "nats-server did not start"
	NATS_PORT=$(sed -n 's,.*"nats://127\.0\.0\.1:\([0-9]*\)".*,\1,p' \
	    "$sn_file")
	NATS_MON=$(sed -n 's,.*"http://\(127\.0\.0\.1:[0-9]*\)".*,\1,p' \
	    "$sn_file")
	[ -n "$NATS_PORT" ] && [ -n "$NATS_MON" ] ||
	    fail "no ports in $sn_file: $(cat "$sn_file")"
	NATS_URL=nats://127.0.0.1:$NATS_PORT
}

# nats_up PID FILE: has nats-server PID written its ports FILE?  Fails
# the test if it exited.
nats_up() {
	[ -s "$2" ] && grep -q '"monitoring"' "$2" && return 0
	kill -0 "$1" 2>/dev/null || fail "nats-server exited at start: $(tail -n 5 "$T/$sn_name.log")"
	return 1
}

# nats_subs: the server's clients and their subscriptions, as it sees
# them now, one "NAME SUBJECT" a line (a client with none: "NAME -"),
# from its monitoring port (/connz); into $T/subs too.
nats_subs() {
	curl -sS -f -m 10 -o "$T/connz" "http://$NATS_MON/connz?subs=1" \
	    2>"$T/curl.err" || fail "connz: $(cat "$T/curl.err")"
	python3 -c '
import json, sys
for c in json.load(open(sys.argv[1])).get("connections") or []:
    name = c.get("name", "").replace(" ", "_") or "?"
    for s in c.get("subscriptions_list") or ["-"]:
        print(name, s)' "$T/connz" >"$T/subs" || fail "connz: not JSON"
	cat "$T/subs"
}
