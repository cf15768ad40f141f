#!/bin/sh
# The manual pages are clean and tell the truth: every page built from
# docs/man/*.scd passes `man --warnings` with no warning and lexgrog finds
# its NAME; every program has a page and every etc/*.ini a .ini(5) page;
# and, so that a page cannot rot silently, every option, command,
# environment variable and exit status that a program's --help names is
# in its page's OPTIONS, COMMANDS, ENVIRONMENT and EXIT STATUS sections,
# and every key of etc/NAME.ini is in its [section] of NAME.ini(5).
. "$(dirname "$0")/../lib/common.sh"

top=$(cd "$TESTS/.." && pwd)
MAN=${BUILD:-$BIN/..}/man
[ -d "$MAN" ] || fail "no $MAN: make builds the pages when scdoc is installed (make deps)"

# render PAGE: the page as plain text, on long lines, never hyphenated.
render() {
	MANWIDTH=250 LC_ALL=C.UTF-8 man --nh --nj -l "$1" 2>/dev/null
}

# section TEXTFILE NAME: the lines of the section NAME (a heading at the
# left margin) up to the next heading.
section() {
	awk -v s="$2" '/^[A-Z]/ { on = ($0 == s); next } on' "$1"
}

# has WORD FILE: is WORD in FILE, not as part of a longer option or name?
has() {
	grep -Eq -- "(^|[^[:alnum:]_-])$1([^[:alnum:]_-]|\$)" "$2"
}

pages=0 opts=0 envs=0 exits=0 cmds=0 keys=0
for src in "$top"/docs/man/*.scd; do
	name=$(basename "$src" .scd)
	page=$MAN/$name
	[ -f "$page" ] || fail "$name: not built from $src (is scdoc installed?)"
	warn=$(LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "$name: man --warnings: $warn"
	lex=$(lexgrog "$page") || fail "$name: lexgrog finds no NAME: $lex"
	expect_match "$name: lexgrog" "$lex" ": \"${name%.*} - .+\"$"
	render "$page" >"$T/$name.txt"
	for s in NAME SYNOPSIS DESCRIPTION EXAMPLES "SEE ALSO"; do
		grep -qx "$s" "$T/$name.txt" || fail "$name: no $s section"
	done
	pages=$((pages + 1))
done

# Every program has a page in section 1 or 8, with what --help names.
for prog in "$BIN"/*; do
	[ -x "$prog" ] || continue
	p=$(basename "$prog")
	txt=$(ls "$T/$p.1.txt" "$T/$p.8.txt" 2>/dev/null | head -n 1)
	[ -n "$txt" ] || fail "$p: no manual page docs/man/$p.1.scd or $p.8.scd"
	for s in OPTIONS "EXIT STATUS"; do
		grep -qx "$s" "$txt" || fail "$p: no $s section"
	done
	"$prog" --help >"$T/$p.help" 2>&1 || fail "$p --help failed"
	section "$txt" OPTIONS >"$T/$p.opts"
	section "$txt" COMMANDS >>"$T/$p.opts"
	section "$txt" ENVIRONMENT >"$T/$p.env"
	section "$txt" "EXIT STATUS" >"$T/$p.exit"

	# Options: -x, --long, and the letters of a cluster such as -hnVv.
	for o in $(tr -s ' \t[]|(),;:/"' '\n' <"$T/$p.help" |
	    grep -E '^--?[[:alpha:]][[:alnum:]-]*$' |
	    sed -E '/^-[[:alpha:]]{2,}$/{s/^-//; s/./-&\n/g}' | sort -u); do
		has "$o" "$T/$p.opts" || fail "$p: $o is in --help but not in" \
		    "the OPTIONS or COMMANDS of its page"
		opts=$((opts + 1))
	done
	# Environment variables.
	for e in $(grep -oE '\$[A-Z_]+' "$T/$p.help" | tr -d '$' | sort -u); do
		has "$e" "$T/$p.env" || fail "$p: \$$e is in --help but not" \
		    "in the ENVIRONMENT of its page"
		envs=$((envs + 1))
	done
	# Exit statuses: "Exit status: 0 ok, 64 bad usage, ..." to the end.
	for n in $(sed -n '/^Exit status:/,$p' "$T/$p.help" | tr '\n' ' ' |
	    grep -oE '(^|[:,] )[0-9]+ [a-z]' | grep -oE '[0-9]+' | sort -u); do
		grep -Eq "^ +([0-9]+, )*$n(,|\$)" "$T/$p.exit" ||
		    fail "$p: exit status $n is in --help but not in the" \
		    "EXIT STATUS of its page"
		exits=$((exits + 1))
	done
	# Commands: the first column of the help's Commands list, less what
	# is in brackets; each alternative after " | " is a command too.
	for c in $(sed -n '/^Commands:/,/^$/p' "$T/$p.help" |
	    grep -E '^  [a-z]' | cut -c1-33 | sed -E 's/\[[^]]*\]//g' |
	    sed 's/ | /\n/g' | awk '{ print $1 }' | sort -u); do
		section "$txt" COMMANDS |
		    grep -Eq "^ {7}([^ ].*[ ,])?$c( |,|\$)" ||
		    fail "$p: command $c is in --help but has no entry in" \
		    "the COMMANDS of its page"
		cmds=$((cmds + 1))
	done
done

# Every etc/NAME.ini has a NAME.ini(5) page listing each key in its
# section ("   [section]" subheadings, "key = default" entries).
for ini in "$top"/etc/*.ini; do
	n=$(basename "$ini")
	txt=$T/$n.5.txt
	[ -f "$txt" ] || fail "$n: no manual page docs/man/$n.5.scd"
	nkeys=0
	while read -r sec key; do
		awk -v h="   [$sec]" '$0 == h { on = 1; next }
		    /^[A-Z]/ || /^   \[/ { on = 0 } on' "$txt" >"$T/sec"
		[ -s "$T/sec" ] || fail "$n: section [$sec] not in $n(5)"
		grep -Eq "(^|[^[:alnum:]_])$key =( |\$)" "$T/sec" ||
		    fail "$n: [$sec] $key is not in $n(5)"
		nkeys=$((nkeys + 1))
	done <<-KEYS
	$(awk '/^\[/ { s = substr($0, 2, index($0, "]") - 2); next }
	    /^[a-z0-9_]+[ \t]*=/ { sub(/[ \t]*=.*/, ""); print s, $0 }' "$ini")
	KEYS
	# The program's own key table (PROGRAM/*.c) is the truth as well.
	prog=${n%.ini}
	while read -r sec key; do
		awk -v h="   [$sec]" '$0 == h { on = 1; next }
		    /^[A-Z]/ || /^   \[/ { on = 0 } on' "$txt" >"$T/sec"
		grep -Eq "(^|[^[:alnum:]_])$key =( |\$)" "$T/sec" ||
		    fail "$n: [$sec] $key is in $prog/'s keys but not in $n(5)"
		nkeys=$((nkeys + 1))
	done <<-KEYS
	$(cat "$top/$prog"/*.c | grep -oE '(_KEY|K)\("[a-z-]+", "[a-z0-9_]+"' |
	    sed -E 's/.*\("([^"]*)", "([^"]*)"/\1 \2/')
	KEYS
	[ "$nkeys" -gt 0 ] || fail "$n: no keys read"
	keys=$((keys + nkeys))
done

echo "ok: $pages pages; $opts options, $cmds commands, $envs environment" \
    "variables, $exits exit statuses, $keys configuration keys checked"
