#!/bin/sh
# history-bench.sh: what reading history costs chatd (bench/history-bench):
# one conversation of MSGS messages, then ROUNDS rounds of FETCHES
# fetches of 1,000 messages each (10 HISTORY pages of 100, one page in
# flight, as a new device pages back), from the newest and from deep in
# the conversation; chatd's CPU per 1,000 messages fetched and per page,
# the median over the rounds with the lowest and highest.  The fill's
# CPU per message relayed is printed too, but the fill is short and
# unpaced: bench/chat-bench.sh measures the relay.
#
#   bench/history-bench.sh          build if needed, run, print the figures
#
# Environment: B (build folder, default build), MSGS (20000), ROUNDS (7),
# FETCHES (fetches per round, 1000: a round of about 0.5 s of chatd
# CPU), FSYNC (yes), CHATD (default
# $B/bin/chatd), SRV_CPU (1) and GEN_CPU (0): the CPUs chatd and the
# client are pinned to (empty: not pinned).  chatd runs on a private
# config: cheap Argon2, and no message or history rate (msg_rate and
# history_rate 0, addr_enable no: the bench measures a page's work, not
# the limits that space a real client's pages; pair_quota at its
# highest, for a receiver that falls behind on a busy machine), no cap
# per conversation (history_max 0, so the MSGS messages all stay).
set -eu

cd "$(dirname "$0")/.."
B=${B:-build}
MSGS=${MSGS:-20000}
ROUNDS=${ROUNDS:-7}
FETCHES=${FETCHES:-1000}
FSYNC=${FSYNC:-yes}
CHATD=${CHATD:-$B/bin/chatd}
SRV_CPU=${SRV_CPU-1}
GEN_CPU=${GEN_CPU-0}

if ! make --no-print-directory -s B="$B" "$B/bin/chatd" \
    "$B/bench/history-bench"; then
	echo "WARNING: build failed; benchmarking the binaries in $B" >&2
fi
for f in "$CHATD" "$B/bench/history-bench"; do
	[ -x "$f" ] || { echo "no $f" >&2; exit 1; }
done

. bench/lib.sh
bench_init history-bench
# The client pins the server's key in a known_servers of its own.
XDG_CONFIG_HOME=$T
export XDG_CONFIG_HOME

printf '[accounts]\nargon2_ops = 1\nargon2_mem_kib = 8\n[limits]\n'\
'msg_rate = 0\nhistory_rate = 0\naddr_enable = no\npair_quota = 10000000\n[store]\nfsync = %s\nhistory_max = 0\n'\
'queue_max = 10000000\n' "$FSYNC" >"$T/chatd.ini"
start chatd "$CHATD" -c "$T/chatd.ini" -D "$T/state" -l 127.0.0.1 -p 0

echo "history-bench: $MSGS messages of 64 bytes in one conversation;" \
    "$ROUNDS rounds of $FETCHES fetches of 10 pages of 100; fsync $FSYNC"
if [ -n "$SRV_CPU" ]; then
	echo "pinned: chatd on CPU $SRV_CPU, the client on CPU $GEN_CPU"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$(gen "$B/bench/history-bench" -s "127.0.0.1:$(cat "$T/chatd.port")" \
    -P "$(cat "$T/chatd.pid")" -n "$MSGS" -f "$FETCHES" -r "$ROUNDS") ||
    { tail -n 20 "$T/chatd.log" >&2; exit 1; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# kv KEY: the value of KEY in the bench's line.
kv() {
	echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
echo "  fill: $(kv messages) messages in $(kv fill_secs) s" \
    "($(kv fill_rate) a second, one sender), chatd $(kv fill_cpu_us_per_msg)" \
    "us CPU per message relayed"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "  round $r: chatd $(kv "cpu_ms_1000_r$r") ms CPU per 1,000" \
	    "messages fetched"
	r=$((r + 1))
done
echo
echo "median of $ROUNDS rounds (lowest - highest)"
echo "  chatd CPU per 1,000 messages fetched  $(kv cpu_ms_1000) ms" \
    "($(kv cpu_ms_1000_min) - $(kv cpu_ms_1000_max))"
echo "  chatd CPU per page of 100             $(kv cpu_us_page) us" \
    "($(kv cpu_us_page_min) - $(kv cpu_us_page_max))"
echo "  per message fetched                   $(kv cpu_us_msg) us"
echo "  a page's round trip, client's clock   $(kv page_wall_p50_us) us p50"
