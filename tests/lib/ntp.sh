# tests/lib/ntp.sh: helpers for the standard time protocol tests
# (tests/system/2NN-*.sh), sourced after common.sh.

# free_port: print a UDP port on 127.0.0.1 that is free right now.
free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_std_timed NAME [ARGS...]: start timed as start_timed does, with
# NTP, Daytime and Time on free ports: NTP_PORT, DAYTIME_PORT, TIME_PORT.
start_std_timed() {
	n=$1; shift
	# Three distinct ports: the kernel may hand a port just freed out
	# again at once.
	NTP_PORT=$(free_port)
	DAYTIME_PORT=$(free_port)
	while [ "$DAYTIME_PORT" = "$NTP_PORT" ]; do DAYTIME_PORT=$(free_port); done
	TIME_PORT=$(free_port)
	while [ "$TIME_PORT" = "$NTP_PORT" ] || [ "$TIME_PORT" = "$DAYTIME_PORT" ]
	do
		TIME_PORT=$(free_port)
	done
	start_timed "$n" --ntp-port "$NTP_PORT" --daytime-port "$DAYTIME_PORT" \
	    --time-port "$TIME_PORT" "$@"
}

# ntpq ARGS...: the raw NTP client (tests/lib/ntpq.py).
ntpq() {
	python3 "$TESTS/lib/ntpq.py" "$@"
}

# counters NAME PID PROTO: ask timed for its counters and print PROTO's line.
counters() {
	ct_n=$(count_lines "$T/$1.log" "counters $3:")
	kill -USR1 "$2"
	poll 10 more_lines "$T/$1.log" "counters $3:" "$ct_n" ||
	    fail "no counters"
	grep "counters $3:" "$T/$1.log" | tail -n 1
}

# count FIELD LINE: the number after FIELD in a counters line.
count() {
	printf '%s\n' "$2" | sed -n "s/.* $1 \([0-9]*\).*/\1/p"
}

# kernel_synced: does the kernel call its clock synchronised (adjtimex
# returns neither -1 nor TIME_ERROR, and STA_UNSYNC is clear)?
kernel_synced() {
	python3 -c 'import ctypes, sys
buf = ctypes.create_string_buffer(512)   # struct timex, modes = 0: read
r = ctypes.CDLL(None).adjtimex(buf)
status = int.from_bytes(buf.raw[40:44], "little")   # x86_64/arm64 layout
sys.exit(0 if r not in (-1, 5) and not status & 0x40 else 1)'
}
