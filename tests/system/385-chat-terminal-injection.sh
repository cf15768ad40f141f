#!/bin/sh
# Message text cannot drive the reader's terminal: control characters
# other than tab and newline are refused with a clear error, and the C1
# and bidirectional controls that are allowed in text come out of
# `chatc listen` escaped, in plain and in JSON output, never raw.  The
# token file is written without following a link left in its place.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb

# The attack from the review: erase the line, move up, retitle, forge.
esc=$(printf 'hi\033[2K\033[1A\033]0;owned\007\nalice\tyou are hacked')
expect_rc "escape sequence refused" 65 chat alice send bob "$esc"
expect_match "escape refused message" "$ERR" "control character"
expect_rc "carriage return refused" 65 chat alice send bob "$(printf 'a\rb')"

# A hostile client that skips chatc's own check gets error 19 from chatd,
# and nothing reaches bob.
HOSTILE=${BUILD:-$BIN/..}/bench/chat-hostile
[ -x "$HOSTILE" ] || fail "no $HOSTILE"
out=$("$HOSTILE" -s "127.0.0.1:$CHATD_PORT" -u alice -p pa rawsend bob "$esc")
expect_match "raw escape refused by chatd" "$out" "welcome=1 accepted=0 error=19"
c=$(counters d)
expect_match "refusal counted" "$c" "control_char 1"

# C1 CSI (U+009B) and a right-to-left override (U+202E) are text, shown
# escaped; tab and newline are allowed and escaped as before.
c1=$(printf 'x\302\2332Ky')
rlo=$(printf 'abc\342\200\256gnp.exe')
expect_rc "C1 accepted" 0 chat alice send bob "$c1"
expect_rc "bidi accepted" 0 chat alice send bob "$rlo"
expect_rc "tab and newline accepted" 0 chat alice send bob "$(printf 'a\tb\nc')"

chat bob listen --count 3 --timeout 5 >"$T/plain" || fail "listen failed"
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/plain" &&
    fail "a raw control character reached the terminal"
grep -q "$(printf '\302\233')" "$T/plain" && fail "raw C1 CSI printed"
grep -q "$(printf '\342\200\256')" "$T/plain" && fail "raw RLO printed"
expect_eq "C1 shown" "$(sed -n 1p "$T/plain" | cut -f3)" 'x\u009b2Ky'
expect_eq "bidi shown" "$(sed -n 2p "$T/plain" | cut -f3)" 'abc\u202egnp.exe'
expect_eq "tab, newline shown" "$(sed -n 3p "$T/plain" | cut -f3)" 'a\tb\nc'

# The same through --json: valid JSON, same text once decoded, no raw C1
# or bidi bytes on the terminal.
expect_rc "C1 again" 0 chat alice send bob "$c1"
expect_rc "bidi again" 0 chat alice send bob "$rlo"
chat bob listen --json --count 2 --timeout 5 >"$T/json" ||
    fail "listen --json failed"
grep -q "$(printf '\302\233')" "$T/json" && fail "raw C1 CSI in JSON"
grep -q "$(printf '\342\200\256')" "$T/json" && fail "raw RLO in JSON"
python3 - "$T/json" <<'PY' || fail "JSON output does not decode to the text sent"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [l["text"] for l in lines] == ["x\u009b2Ky", "abc\u202egnp.exe"], lines
PY

# A link planted where the token file goes is not followed.
echo victim >"$T/victim"
tokens="$T/cfg/udp-suite/chatc-tokens"
rm -f "$tokens"
ln -s "$T/victim" "$tokens"
chatp pa alice who >/dev/null 2>&1
expect_eq "victim untouched" "$(cat "$T/victim")" victim
[ ! -L "$tokens" ] && grep -q victim "$tokens" &&
    fail "the token file was read through the link"
echo ok
