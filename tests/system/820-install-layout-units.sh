#!/bin/sh
# `make install PREFIX=/usr DESTDIR=...` puts exactly the files the README
# lists (section Installing) where it says, with the installed paths
# filled in: the programs' default configuration folder is /etc, and the
# units start the installed programs.  systemd-analyze, reading the
# installed units where systemd looks for them, rates each at an exposure
# of 2.0 or under ("SAFE").
#
# PREFIX=/usr changes the configuration folder compiled into the
# programs, so they are built anew into $T (the programs alone, a few
# seconds), never into the build folder other tests are running from.
# That build is plain whichever build the suite is testing, so the test
# runs once, with the plain build.
. "$(dirname "$0")/../lib/common.sh"

case ${BUILD:-$BIN/..} in
*/san) echo "skip: installs a plain build of its own; run with the plain build"
	exit 0 ;;
esac
top=$(cd "$TESTS/.." && pwd)
root=$T/root

make -C "$top" -j"$(nproc)" B="$T/build" PREFIX=/usr DESTDIR="$root" \
    install >"$T/make.log" 2>&1 || fail "make install: $(tail -n 5 "$T/make.log")"

# The README's list, and what was installed.
awk '/^<!-- installed files, PREFIX=\/usr/ { on = 1; next }
    on && /^```/ { if (++fence == 2) exit; next }
    fence == 1 { print }' "$top/README.md" | sort >"$T/want"
[ -s "$T/want" ] || fail "no list of installed files in README.md"
(cd "$root" && find . ! -type d | sed 's/^\.//') | sort >"$T/got"
missing=$(comm -23 "$T/want" "$T/got" | tr '\n' ' ')
extra=$(comm -13 "$T/want" "$T/got" | tr '\n' ' ')
[ -z "$missing" ] || fail "the README lists, make install did not install: $missing"
[ -z "$extra" ] || fail "make install installed, the README does not list: $extra"
echo "installed the $(wc -l <"$T/want") files the README lists"

for f in $(cat "$T/want"); do
	case $f in
	*/bin/*|*/sbin/*) want=755 ;;
	*) want=644 ;;
	esac
	expect_eq "mode of $f" "$(stat -c %a "$root$f")" "$want"
done

# The programs look for their configuration in /etc/udp-suite.
for p in sbin/timed sbin/chatd bin/chat-tui; do
	"$root/usr/$p" -h 2>&1 | grep -q '/etc/udp-suite/' ||
	    fail "$p -h does not name /etc/udp-suite: $("$root/usr/$p" -h 2>&1)"
done

# The units: no placeholder left, ExecStart= runs the installed program.
for u in timed chatd; do
	f=$root/usr/lib/systemd/system/$u.service
	grep -n '@[A-Z]*@' "$f" && fail "$u.service: a placeholder is left"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$f")
	expect_eq "$u.service ExecStart" "$exe" "/usr/sbin/$u"
	[ -x "$root$exe" ] || fail "$u.service: $exe is not installed"
done
grep -q '^StateDirectory=chatd$' "$root/usr/lib/systemd/system/chatd.service" ||
    fail "chatd.service has no StateDirectory=chatd"
grep -q '^ExecStart=.* -D /var/lib/chatd$' \
    "$root/usr/lib/systemd/system/chatd.service" ||
    fail "chatd.service does not run chatd in /var/lib/chatd"

if ! command -v systemd-analyze >/dev/null; then
	echo "skip: no systemd-analyze; unit exposure not rated"
	echo ok
	exit 0
fi
for u in timed chatd; do
	systemd-analyze security --offline=yes --root="$root" "$u.service" \
	    >"$T/$u.security" 2>&1 || fail "systemd-analyze security $u.service:
$(tail -n 5 "$T/$u.security")"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	    "$T/$u.security")
	[ -n "$score" ] || fail "$u.service: no exposure level in
$(tail -n 5 "$T/$u.security")"
	echo "$u.service: exposure $score"
	awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
	    fail "$u.service: exposure $score, over 2.0:
$(grep '✗' "$T/$u.security")"
done
echo ok
