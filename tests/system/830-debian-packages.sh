#!/bin/sh
# The Debian packages: `dpkg-buildpackage -us -uc -b` builds them from a
# copy of the tree as it is (committed or not), lintian finds no error,
# and `dpkg -i` installs them on this machine: their configuration files
# are conffiles, the units are enabled the Debian way, every program
# answers --version with the package's version, and the installed timed
# and chatd, started by hand (there is no systemd here to start them) on
# the installed configuration, serve the installed timec and chatc.
# `dpkg --purge` then leaves nothing behind: no file of theirs, no
# /etc/udp-suite, no enabled unit, no chatd state.
#
# Installing is system-wide, so the install-to-purge part holds a lock
# (two copies of the suite on one machine take turns), and the test
# leaves alone a machine where any of the packages, or any file they
# would install, is already there.  It builds its own packages, so it
# runs once, with the plain build.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/ntp.sh"
. "$TESTS/lib/chat.sh"

case ${BUILD:-$BIN/..} in
*/san) echo "skip: builds its own packages; run with the plain build"
	exit 0 ;;
esac
command -v dpkg-buildpackage >/dev/null ||
    { echo "skip: no dpkg-buildpackage"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "skip: installing packages needs root"; exit 0; }
top=$(cd "$TESTS/.." && pwd)
git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "skip: not a git checkout, so no list of the tree's files"; exit 0; }
PKGS="udp-time-server udp-time-client udp-chat-server udp-chat-client"

# The tree's files as they are now: tracked and new, not ignored ones
# (build/, an earlier in-tree package build), not deleted ones.
(cd "$top" && git ls-files -co --exclude-standard |
    while IFS= read -r f; do
	if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
    done) >"$T/files"
mkdir "$T/src"
(cd "$top" && tar -cf - -T "$T/files") | (cd "$T/src" && tar -xf -) ||
    fail "copying the tree"

(cd "$T/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" \
    dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 ||
    fail "dpkg-buildpackage: $(tail -n 15 "$T/build.log")"
ver=$(dpkg-parsechangelog -l "$T/src/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
debs=""
for p in $PKGS; do
	f=$T/${p}_${ver}_$arch.deb
	[ -f "$f" ] || fail "no $f: $(ls "$T")"
	debs="$debs $f"
	dpkg-deb -c "$f" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' \
	    >>"$T/pkgfiles"
done
echo "built$(for p in $PKGS; do printf ' %s' "$p"; done) $ver," \
    "$(wc -l <"$T/pkgfiles") files"

# lintian's status is 0 unless it finds an error (or cannot run).
lintian "$T/udp-suite_${ver}_$arch.changes" >"$T/lintian.log" 2>&1 ||
    fail "lintian: $(grep -v '^N:' "$T/lintian.log" | head -n 20)"
echo "lintian: $(grep -c '^E:' "$T/lintian.log") errors," \
    "$(grep -c '^W:' "$T/lintian.log") warnings"
grep '^W:' "$T/lintian.log" | sed 's/^/  /'

# From here on the machine's package database is shared: take turns.
lockdir=/run/lock
[ -d "$lockdir" ] || lockdir=/tmp
exec 8>"$lockdir/udp-suite-packages.lock"
flock -w 120 8 || fail "another run held $lockdir/udp-suite-packages.lock for 120 s"
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -Eq 'installed|config-files|unpacked'; then
		echo "skip: $p is on this machine already; not touching it"
		exit 0
	fi
done
for f in $(cat "$T/pkgfiles") /etc/udp-suite /var/lib/chatd; do
	if [ -e "$f" ]; then
		echo "skip: $f exists, and the packages would replace or" \
		    "purge it; not touching it"
		exit 0
	fi
done

# Purged however the test ends, once it has begun to install.
installed=0
purge_all() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=""
	[ $installed = 1 ] && dpkg --purge $PKGS >>"$T/purge.log" 2>&1
	installed=0
}
trap 'purge_all; cleanup' EXIT

installed=1
# shellcheck disable=SC2086
dpkg -i $debs >"$T/install.log" 2>&1 ||
    fail "dpkg -i: $(tail -n 15 "$T/install.log")"
for p in $PKGS; do
	expect_eq "$p status" "$(dpkg-query -W -f='${Status}' "$p")" \
	    "install ok installed"
done
for c in udp-time-server:timed udp-chat-server:chatd udp-chat-client:chat-tui; do
	dpkg-query -W -f='${Conffiles}\n' "${c%%:*}" |
	    grep -q "^ /etc/udp-suite/${c#*:}.ini " ||
	    fail "${c%%:*}: /etc/udp-suite/${c#*:}.ini is not a conffile"
done
wants=/etc/systemd/system/multi-user.target.wants
for u in timed chatd; do
	expect_eq "$u.service enabled" "$(readlink "$wants/$u.service")" \
	    "/lib/systemd/system/$u.service"
done

for p in /usr/sbin/timed /usr/sbin/chatd /usr/bin/timec /usr/bin/chatc \
    /usr/bin/chat-tui; do
	expect_eq "$p --version" "$("$p" --version 2>&1)" \
	    "$(basename "$p") (udp-suite) $ver"
done
for p in timed chatd; do
	expect_eq "$p -n" "$("/usr/sbin/$p" -n 2>&1)" \
	    "$p: configuration OK (/etc/udp-suite/$p.ini)"
done

# The installed timed on its installed configuration, the standard
# protocols moved to free ports; the installed timec asks it.
ntp=$(free_port)
/usr/sbin/timed -l 127.0.0.1 -p 0 --ntp-port "$ntp" --daytime-port 0 \
    --time-port 0 >"$T/timed.log" 2>&1 &
TIMED_PID=$!
PIDS="$PIDS $TIMED_PID"
poll 10 started "$TIMED_PID" "$T/timed.log" 0 || fail "timed did not start"
port=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/timed.log")
expect_eq "timec -z UTC %Z" \
    "$(/usr/bin/timec -s "127.0.0.1:$port" -z UTC '%Z' 2>&1)" "UTC"
out=$(/usr/bin/timec --ntp -s "127.0.0.1:$ntp" 2>&1)
case $? in 0|65) ;; *) fail "timec --ntp: $out" ;; esac
expect_match "timec --ntp" "$out" "127\.0\.0\.1:$ntp"
echo "installed timec asked installed timed: $out"

# The installed chatd in its default state directory (the one the
# unit's StateDirectory= makes), the installed chatc registers.
/usr/sbin/chatd -l 127.0.0.1 -p 0 >"$T/chatd.log" 2>&1 &
CHATD_PID=$!
PIDS="$PIDS $CHATD_PID"
poll 20 started "$CHATD_PID" "$T/chatd.log" 0 || fail "chatd did not start"
CHATD_PORT=$(sed -n 's/.*ready on port \([0-9]*\).*/\1/p' "$T/chatd.log")
[ -f /var/lib/chatd/session.key ] || fail "no /var/lib/chatd/session.key"
env CHAT_PASSWORD=pw-installed-1 XDG_CONFIG_HOME="$T/cfg" /usr/bin/chatc \
    -s "127.0.0.1:$CHATD_PORT" -n alice register >"$T/reg.out" 2>&1 ||
    fail "installed chatc register: $(cat "$T/reg.out")"
wait_log "$T/chatd.log" "registered alice"

purge_all
[ -s "$T/purge.log" ] || fail "dpkg --purge printed nothing"
grep -i 'error' "$T/purge.log" && fail "dpkg --purge: $(cat "$T/purge.log")"
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $st in ''|*not-installed) ;; *) fail "$p after purge: $st" ;; esac
done
left=""
for f in $(cat "$T/pkgfiles") /etc/udp-suite /var/lib/chatd \
    /var/lib/private/chatd "$wants/timed.service" "$wants/chatd.service" \
    /var/lib/systemd/deb-systemd-helper-enabled/timed.service \
    /var/lib/systemd/deb-systemd-helper-enabled/chatd.service; do
	if [ -e "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
done
[ -z "$left" ] || fail "left after dpkg --purge:$left"
echo "purged: none of their $(wc -l <"$T/pkgfiles") files is left"
echo ok
