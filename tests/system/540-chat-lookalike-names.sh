#!/bin/sh
# Look-alike and invisible nicknames: with alice registered, every name
# that looks like hers is refused with a reason and an exit status, names
# in one script (or Han with Latin) still register, alice still logs in in
# any case, and a message to her name in fullwidth letters reaches her
# (it is her key: NFKC with case folding; only new names must avoid
# variant forms).  What is refused stays refused after a restart.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

CYR_A=$(printf '\320\260')		# Cyrillic а
CYR_E=$(printf '\320\265')		# Cyrillic е
CYR_S=$(printf '\321\201')		# Cyrillic с
CGJ=$(printf '\315\217')		# U+034F, invisible
FW_A=$(printf '\357\275\201')		# fullwidth ａ
DOTLESS_I=$(printf '\304\261')		# ı
HF=$(printf '\343\205\244')		# U+3164, shows as a blank

start_chatd d
register alice pw-a
register ace pw-c

# refused WHAT NAME STATUS REASON: register NAME is refused with STATUS
# and a message that says why.
refused() {
	expect_rc "$1" "$3" chatp x "$2" register
	expect_match "$1: why" "$ERR" "$4"
	expect_eq "$1: one line" "$(wc -l <"$T/err")" 1
}
refused "Cyrillic a" "${CYR_A}lice" 65 "mixes scripts"
refused "Cyrillic e" "alic${CYR_E}" 65 "mixes scripts"
refused "U+034F" "alice${CGJ}" 65 "invisible character"
refused "fullwidth" "${FW_A}lice" 65 "fullwidth"
refused "U+3164 alone" "$HF" 65 "invisible character"
# These two pass the rules for a name and meet chatd's skeletons.
refused "dotless i" "al${DOTLESS_I}ce" 73 "looks like an existing name"
refused "all Cyrillic" "${CYR_A}${CYR_S}${CYR_E}" 73 \
    "looks like an existing name"
refused "taken" "ALICE" 73 "nickname already taken"

# One script, or Han with Latin: fine.
for n in 狗哥alex Zoë Женя; do
	expect_rc "register $n" 0 chatp "pw-$n" "$n" register
	expect_eq "$n registered" "$OUT" "registered $n"
done

# alice logs in by her name in any case, and only the valid names were
# registered.
expect_rc "login as Alice" 0 chatp pw-a Alice who
expect_rc "login as ALICE" 0 chatp pw-a ALICE who
expect_eq "registered" "$(grep -c ': registered ' "$T/d.log")" 5

# Her name in fullwidth letters names her account.
expect_rc "send to fullwidth alice" 0 chat 狗哥alex send "${FW_A}lice" \
    "hi, wide"
chat alice listen --count 1 --timeout 5 >"$T/got" || fail "listen failed"
expect_eq "from" "$(cut -f2 "$T/got")" "狗哥alex"
expect_eq "text" "$(cut -f3 "$T/got")" "hi, wide"
expect_rc "login as fullwidth alice" 0 chatp pw-a "${FW_A}lice" who

# After a restart the skeletons are still there, and nothing is redone.
kill -TERM "$CHATD_PID"; wait "$CHATD_PID"
CHATD_PORT_WANT=$CHATD_PORT start_chatd d
refused "dotless i after restart" "al${DOTLESS_I}ce" 73 \
    "looks like an existing name"
expect_eq "no look-alikes logged" "$(grep -c 'look alike' "$T/d.log")" 0
echo ok
