#!/bin/sh
# The system call filters in the systemd units (etc/*.service.in) allow
# every call timed and chatd make: each runs under strace, as an
# unprivileged user as under the unit's DynamicUser=, through the work the
# unit lets it do (timed: worker threads, every protocol, time zones,
# SIGHUP, SIGUSR1, a metrics scrape, SIGTERM; chatd: registrations,
# logins, a message stored and delivered with fsync, SIGHUP, SIGUSR1, a
# metrics scrape, SIGTERM), and every call seen
# must be in the set the unit's SystemCallFilter= lines leave, as
# systemd-analyze expands their groups.  A call outside it would make the
# service fail under systemd (EPERM, SystemCallErrorNumber=).
#
# The units run the plain build; a sanitizer's runtime makes calls of its
# own, so the test runs once, with the plain build.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"

case ${BUILD:-$BIN/..} in
*/san) echo "skip: the units run the plain build; run with the plain build"
	exit 0 ;;
esac
command -v strace >/dev/null || fail "no strace (make deps installs it)"
command -v systemd-analyze >/dev/null ||
    { echo "skip: no systemd-analyze to expand the filters"; exit 0; }
[ "$(id -u)" = 0 ] ||
    { echo "skip: running as another user needs root"; exit 0; }
top=$(cd "$TESTS/.." && pwd)
REAL=$BIN
user=nobody

# group_calls NAME: the system calls in a systemd group (@name, nested
# groups expanded) or the call NAME itself, one a line.
group_calls() {
	case $1 in
	@*) systemd-analyze syscall-filter "$1" | sed '1d; s/^ *//; /^#/d; /^$/d' |
		while read -r gc; do group_calls "$gc"; done ;;
	*) echo "$1" ;;
	esac
}

# unit_allows UNIT: the calls UNIT's SystemCallFilter= lines allow, in
# systemd's order: the first line is an allow list, a later line adds to
# it or, with ~, takes away from it.
unit_allows() {
	: >"$T/allow"
	first=1
	sed -n 's/^SystemCallFilter=//p' "$1" >"$T/filter"
	[ -s "$T/filter" ] || fail "$1 has no SystemCallFilter="
	while read -r line; do
		deny=0
		case $line in "~"*) deny=1; line=${line#"~"} ;; esac
		[ $first = 1 ] && [ $deny = 1 ] &&
		    fail "$1: the first SystemCallFilter= is a deny list"
		first=0
		for g in $line; do group_calls "$g"; done | sort -u >"$T/items"
		if [ $deny = 1 ]; then
			comm -23 "$T/allow" "$T/items" >"$T/allow.new"
		else
			sort -u "$T/allow" "$T/items" >"$T/allow.new"
		fi
		mv "$T/allow.new" "$T/allow"
	done <"$T/filter"
	cat "$T/allow"
}

# scrape NAME: fetch the metrics the daemon logged in $T/NAME.log it serves.
scrape() {
	url=$(sed -n 's/.*metrics on \(http:[^ ]*\).*/\1/p' "$T/$1.log" |
	    tail -n 1)
	[ -n "$url" ] || fail "$1 logged no metrics address"
	curl -sf "$url" >"$T/$1.metrics" || fail "$1: no scrape from $url"
	grep -q "^${1}_" "$T/$1.metrics" || fail "$1: no ${1}_ metric in the scrape"
}

# The daemons run from $T as $user, each under strace -D (strace is a
# grandchild, so the daemon keeps the pid the helpers signal); the
# clients run as they are.
chmod 711 "$T"
mkdir "$T/bin" "$T/real" "$T/trace"
chmod 755 "$T/bin" "$T/real"
chmod 1777 "$T/trace"
for p in timed chatd; do
	cp "$REAL/$p" "$T/real/$p"
	cat >"$T/bin/$p" <<EOF
#!/bin/sh
exec setpriv --reuid=$user --regid=nogroup --clear-groups --inh-caps=-all \\
    strace -D -f -qq -o "$T/trace/$p.\$\$" "$T/real/$p" "\$@"
EOF
done
for p in timec chatc; do ln -s "$REAL/$p" "$T/bin/$p"; done
chmod 755 "$T"/bin/*
BIN=$T/bin
. "$TESTS/lib/chat.sh"

# timed: two workers, every protocol, a time zone, reload, counters, stop.
TIMED_CONF="[timed]
workers = 2
metrics = 127.0.0.1:0
[ratelimit]
enable = no"
start_std_timed timed
expect_match "seed query" "$("$BIN/timec" -s "127.0.0.1:$TIMED_PORT" -z Asia/Shanghai '%H:%M %Z')" \
    '^[0-9]{2}:[0-9]{2} CST$'
"$BIN/timec" --ntp -s "127.0.0.1:$NTP_PORT" >"$T/ntp.out" 2>&1
case $? in 0|65) ;; *) fail "timec --ntp: $(cat "$T/ntp.out")" ;; esac
"$BIN/timec" --daytime -s "127.0.0.1:$DAYTIME_PORT" >/dev/null ||
    fail "timec --daytime"
"$BIN/timec" --time -s "127.0.0.1:$TIME_PORT" >/dev/null || fail "timec --time"
kill -HUP "$TIMED_PID"
wait_log "$T/timed.log" "reload"
kill -USR1 "$TIMED_PID"
wait_log "$T/timed.log" "counters"
scrape timed
kill -TERM "$TIMED_PID"
wait "$TIMED_PID" || fail "timed exited $? on SIGTERM"

# chatd: its state directory belongs to the service's user, as systemd's
# StateDirectory= makes it.
mkdir "$T/chatd.state"
chown "$user" "$T/chatd.state"
CHATD_CONF="[chatd]
metrics = 127.0.0.1:0"
start_chatd chatd
register alice pw-alice-1
register bob pw-bob-12
chat alice send bob "hello from the sandbox" >/dev/null 2>"$T/send.err" ||
    fail "send: $(cat "$T/send.err")"
out=$(chat bob listen --count 1 --timeout 10 2>"$T/listen.err") ||
    fail "listen: $(cat "$T/listen.err")"
expect_match "bob's message" "$out" "hello from the sandbox"
kill -HUP "$CHATD_PID"
wait_log "$T/chatd.log" "reload"
kill -USR1 "$CHATD_PID"
wait_log "$T/chatd.log" "counters"
scrape chatd
kill -TERM "$CHATD_PID"
wait "$CHATD_PID" || fail "chatd exited $? on SIGTERM"

for p in timed chatd; do
	unit_allows "$top/etc/$p.service.in" >"$T/$p.allowed"
	grep -q '^clone3$' "$T/$p.allowed" || fail "$p: filter expansion failed"
	ls "$T/trace/$p".* >/dev/null 2>&1 || fail "$p: no strace output"
	cat "$T/trace/$p".* |
	    sed -nE 's/^[0-9]+ +(<\.\.\. )?([a-z0-9_]+)(\(| resumed).*/\2/p' |
	    sort -u >"$T/$p.used"
	grep -h 'killed by' "$T/trace/$p".* && fail "$p was killed"
	outside=$(comm -23 "$T/$p.used" "$T/$p.allowed" | tr '\n' ' ')
	[ -z "$outside" ] ||
	    fail "$p made calls its unit's SystemCallFilter= denies: $outside"
	echo "$p: $(wc -l <"$T/$p.used") distinct calls, all in the" \
	    "$(wc -l <"$T/$p.allowed") its unit allows"
done
echo ok
