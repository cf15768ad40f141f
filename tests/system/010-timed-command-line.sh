#!/bin/sh
# timed's command line: --help, --version, the config test on embedded
# defaults and on files, errors that name file:section:key, exit codes.
. "$(dirname "$0")/../lib/common.sh"

"$BIN/timed" --help >"$T/help.out" || fail "--help exit status"
grep -q -- "--configtest" "$T/help.out" || fail "--help does not list -n"
"$BIN/timed" --version | grep -Eq '^timed .* [0-9]+\.[0-9]+' || fail "--version"

"$BIN/timed" -n 2>"$T/n.out" || fail "-n on embedded defaults"
grep -q "configuration OK" "$T/n.out" || fail "-n says nothing"

cat >"$T/good.ini" <<INI
[timed]
port = 9124
workers = 2
[ratelimit]
interval = 3
burst = 8
INI
"$BIN/timed" -n -c "$T/good.ini" 2>/dev/null || fail "-n on a good file"
"$BIN/timed" -n -c etc/timed.ini 2>/dev/null || fail "-n on etc/timed.ini"

printf '[timed]\nworkers = 0\n' >"$T/bad1.ini"
"$BIN/timed" -n -c "$T/bad1.ini" 2>"$T/bad1.out"
expect_eq "exit status for a bad value" "$?" 78
grep -q "bad1.ini:timed:workers: \"0\" is not an integer from 1 to" "$T/bad1.out" ||
    fail "bad value message: $(cat "$T/bad1.out")"

printf '[timed]\nwrokers = 2\n' >"$T/bad2.ini"
"$BIN/timed" -n -c "$T/bad2.ini" 2>"$T/bad2.out"
expect_eq "exit status for an unknown key" "$?" 78
grep -q "bad2.ini:timed:wrokers: unknown key" "$T/bad2.out" || fail "unknown key message"

printf '[timde]\nport = 1\n' >"$T/bad3.ini"
"$BIN/timed" -n -c "$T/bad3.ini" 2>"$T/bad3.out"
expect_eq "exit status for an unknown section" "$?" 78
grep -q "bad3.ini:timde: unknown section" "$T/bad3.out" || fail "unknown section message"

"$BIN/timed" -n -c "$T/missing.ini" 2>"$T/missing.out"
expect_eq "exit status for a missing -c file" "$?" 78

"$BIN/timed" --no-such-option 2>/dev/null
expect_eq "exit status for a bad option" "$?" 64
"$BIN/timed" -p 70000 2>/dev/null
expect_eq "exit status for a bad port" "$?" 64
exit 0
