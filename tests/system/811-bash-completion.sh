#!/bin/sh
# Bash completion: every program has a file in etc/completion/ that
# registers a function for it; completing `PROG --` offers every long
# option of PROG --help, `chatc ` (and after its options) every command
# its --help lists, and the arguments of chatc's commands and of file
# options complete as a user expects.
. "$(dirname "$0")/../lib/common.sh"

top=$(cd "$TESTS/.." && pwd)
command -v bash >/dev/null || fail "bash is not installed"

# complete PROG WORD...: the completions bash offers for the command line
# PROG WORD... (the last word is the one being completed), one a line,
# from etc/completion/PROG, calling the function it registered.
complete_words() {
	bash -c '
		. "$1" || exit 1
		fn=$(complete -p "$2" 2>/dev/null |
		    sed -n "s/.* -F \([^ ]*\) .*/\1/p")
		[ -n "$fn" ] || { echo "no function for $2" >&2; exit 1; }
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' sh "$top/etc/completion/$1" "$@"
}

# offers WHAT WANT...: each word WANT is among the completions in $OUT.
offers() {
	what=$1; shift
	for w in "$@"; do
		printf '%s\n' "$OUT" | grep -qxF -- "$w" ||
		    fail "$what: '$w' not offered (offered: $(echo $OUT))"
	done
}

n=0
for prog in "$BIN"/*; do
	[ -x "$prog" ] || continue
	p=$(basename "$prog")
	[ -f "$top/etc/completion/$p" ] || fail "$p: no etc/completion/$p"
	OUT=$(complete_words "$p" "$p" --) || fail "$p: completion failed"
	# The long options of the option list (lines "  -x, --long" or
	# "      --long"), not those of chatc's commands.
	longs=$("$prog" --help 2>&1 | grep -E '^ {2,6}(-[[:alpha:]], )?--' |
	    grep -oE -- '--[[:alpha:]][[:alnum:]-]*' | sort -u)
	[ -n "$longs" ] || fail "$p: no long options in --help"
	# shellcheck disable=SC2086
	offers "$p --" $longs
	printf '%s\n' "$OUT" | grep -qv -- '^--' &&
	    fail "$p --: offers what is not a long option: $(echo $OUT)"
	n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n programs in $BIN"

# chatc's commands, as its --help lists them (first column, less what is
# in brackets; each alternative after " | " is a command too).
cmds=$("$BIN/chatc" --help | sed -n '/^Commands:/,/^$/p' |
    grep -E '^  [a-z]' | cut -c1-33 | sed -E 's/\[[^]]*\]//g' |
    sed 's/ | /\n/g' | awk '{ print $1 }' | sort -u)
[ "$(echo "$cmds" | wc -l)" -ge 10 ] || fail "chatc --help: commands not found"
OUT=$(complete_words chatc chatc "")
# shellcheck disable=SC2086
offers "chatc " $cmds
printf '%s\n' "$OUT" | grep -q -- '^-' && fail "chatc : offers options"
OUT=$(complete_words chatc chatc -s localhost:8081 -n alice "")
# shellcheck disable=SC2086
offers "chatc -s localhost:8081 -n alice " $cmds
OUT=$(complete_words chatc chatc -n alice bl)
expect_eq "chatc -n alice bl" "$(echo $OUT)" "block blocked"
OUT=$(complete_words chatc chatc -n alice contacts "")
expect_eq "chatc -n alice contacts" "$(echo $OUT)" "add del"
OUT=$(complete_words chatc chatc -n alice settings receipts "")
expect_eq "chatc settings receipts" "$(echo $OUT)" "on off"
OUT=$(complete_words chatc chatc -n alice settings receipts off "")
expect_eq "chatc settings receipts off" "$(echo $OUT)" "receipts typing"
OUT=$(complete_words chatc chatc -n alice send bob hello --)
offers "chatc send bob hello --" --wait --read --id --lines
OUT=$(complete_words chatc chatc -n alice listen --)
offers "chatc listen --" --count --timeout --json --events
OUT=$(complete_words chatc chatc -n "")
expect_eq "chatc -n (a nickname)" "$OUT" ""

# chatctl's commands, and a nickname from chatctl users (none here:
# no chatd answers, so nothing is offered, and nothing fails).
OUT=$(complete_words chatctl chatctl "")
offers "chatctl " status users user sessions lock unlock kick \
    reset-password reload
OUT=$(complete_words chatctl chatctl -D "$T" re)
expect_eq "chatctl -D DIR re" "$(echo $(printf "%s\n" $OUT | sort))" "reload reset-password"
OUT=$(complete_words chatctl chatctl -D "$T/none" lock "")
expect_eq "chatctl lock (no chatd)" "$OUT" ""

# File and folder arguments.
mkdir "$T/conf.d"
: >"$T/mine.ini"
: >"$T/conf.ini"
OUT=$(cd "$T" && complete_words timed timed -c mi)
expect_eq "timed -c mi" "$OUT" "mine.ini"
OUT=$(cd "$T" && complete_words chatd chatd -D co)	# folders only
expect_eq "chatd -D co" "$OUT" "conf.d"
OUT=$(cd "$T" && complete_words chat-tui chat-tui --config mi)
expect_eq "chat-tui --config mi" "$OUT" "mine.ini"

echo "ok: $n programs, $(echo "$cmds" | wc -l) chatc commands"
