# bench/lib.sh: what the benchmark scripts share, sourced after they set
# SRV_CPU and GEN_CPU.  bench_init NAME makes the temporary folder $T
# (removed on exit, with every server in $PIDS stopped) and clears the
# CPU pinning where taskset or a second CPU is missing.

# bench_init NAME: temporary folder, clean-up on exit, pinning check.
bench_init() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	PIDS=""
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	ncpu=$(getconf _NPROCESSORS_ONLN)
	if ! command -v taskset >/dev/null || [ "$ncpu" -lt 2 ]; then
		SRV_CPU=""
		GEN_CPU=""
	fi
}

bench_cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}

# gen COMMAND...: run a load generator's command pinned to GEN_CPU.
gen() {
	if [ -n "$GEN_CPU" ]; then taskset -c "$GEN_CPU" "$@"; else "$@"; fi
}

# start NAME COMMAND...: start a server pinned to SRV_CPU, wait up to 10 s
# for its "ready on port N", keep its pid and port in $T/NAME.pid and .port.
start() {
	name=$1
	shift
	: >"$T/$name.log"
	# A simple command in the background, so $! is the server itself
	# (taskset execs it).
	if [ -n "$SRV_CPU" ]; then
		taskset -c "$SRV_CPU" "$@" >/dev/null 2>"$T/$name.log" &
	else
		"$@" >/dev/null 2>"$T/$name.log" &
	fi
	echo $! >"$T/$name.pid"
	PIDS="$PIDS $!"
	i=0
	while ! grep -q 'ready on port' "$T/$name.log"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$(cat "$T/$name.pid")"; then
			echo "$name did not start:" >&2
			cat "$T/$name.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/$name.log" |
	    head -n 1 >"$T/$name.port"
}

# ticks PID: the CPU ticks (utime + stime, every thread) a process has used.
ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# start_cluster CHATD INI CORE GW...: three serving nodes (docs/CLUSTER.md,
# "Gateways") on a nats-server of their own (pid in $T/nats.pid): a core
# CORE on INI with a [cluster] section added, and gateways GW... with its
# key, INI's settings before [store] and role = gateway, each started
# (start(): $T/NAME.pid, $T/NAME.port) and seeing the core.
start_cluster() {
	sc_chatd=$1 sc_ini=$2 sc_core=$3
	shift 3
	command -v nats-server >/dev/null ||
	    { echo "no nats-server (make deps)" >&2; exit 1; }
	sc_np=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	if [ -n "$SRV_CPU" ]; then
		taskset -c "$SRV_CPU" nats-server -a 127.0.0.1 -p "$sc_np" \
		    >"$T/nats.log" 2>&1 &
	else
		nats-server -a 127.0.0.1 -p "$sc_np" >"$T/nats.log" 2>&1 &
	fi
	echo $! >"$T/nats.pid"
	PIDS="$PIDS $!"
	sc_cl="[cluster]\nnats = nats://127.0.0.1:$sc_np\n"
	{ cat "$sc_ini"; printf "$sc_cl"'node = %s\n' "$sc_core"; } \
	    >"$T/$sc_core.ini"
	start "$sc_core" "$sc_chatd" -c "$T/$sc_core.ini" -D "$T/$sc_core" \
	    -l 127.0.0.1 -p 0
	for sc_g in "$@"; do
		mkdir -m 700 "$T/$sc_g"
		cp "$T/$sc_core/session.key" "$T/$sc_g/"
		{ sed '/^\[store\]/,$d' "$sc_ini";
		    printf "$sc_cl"'node = %s\nrole = gateway\n' "$sc_g"; } \
		    >"$T/$sc_g.ini"
		start "$sc_g" "$sc_chatd" -c "$T/$sc_g.ini" -D "$T/$sc_g" \
		    -l 127.0.0.1 -p 0
		sc_i=0
		until grep -q "bus: peer $sc_core up" "$T/$sc_g.log"; do
			sc_i=$((sc_i + 1))
			[ $sc_i -lt 200 ] ||
			    { echo "$sc_g does not see $sc_core" >&2; exit 1; }
			sleep 0.05
		done
	done
}

# per_msg OUT RATE: from chat-bench's -O figures in OUT (others_cpu_s,
# window_s), each process's µs of CPU per message at RATE messages a
# second (of every generator), then their sum, space-separated.
per_msg() {
	echo "$1" | tr ' ' '\n' | sed -n 's/^others_cpu_s=//p' | tr ',' ' ' |
	    awk -v r="$2" -v w="$(echo "$1" | tr ' ' '\n' |
	    sed -n 's/^window_s=//p')" '{
		all = 0
		for (i = 1; i <= NF; i++) {
			v = (r > 0 && w > 0 ? $i * 1e6 / (r * w) : 0)
			all += v
			printf "%.2f ", v
		}
		printf "%.2f", all }'
}
