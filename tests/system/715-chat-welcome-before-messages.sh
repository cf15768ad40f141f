#!/bin/sh
# A device that logs in with its password (and is given a device token,
# so its WELCOME waits for the commit) is told who it is before it is
# given the messages, 1:1 and group, that waited for the account: a
# client that trusted the protocol's order would otherwise take them as
# nobody's.  chatclient says so on stderr if a message comes first.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/chat.sh"

start_chatd d
register alice pa
register bob pb
mkgroup alice '#den' bob

i=1
while [ $i -le 20 ]; do echo "waiting $i"; i=$((i + 1)); done >"$T/want"
chat alice send bob --lines <"$T/want" >/dev/null 2>"$T/err" ||
    fail "send: $(cat "$T/err")"
chat alice send '#den' "to the den" >/dev/null 2>"$T/err" ||
    fail "group send: $(cat "$T/err")"

# A new device: no token, so the password, and a token is issued.
rm -f "$T/cfg/udp-suite/chatc-tokens"
CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/cfg" "$BIN/chatc" \
    -s "127.0.0.1:$CHATD_PORT" -n bob listen --count 22 --timeout 10 \
    >"$T/got" 2>"$T/listen.err" || fail "listen: $(cat "$T/listen.err")"
grep -F "WELCOME" "$T/listen.err" &&
    fail "a message came before the WELCOME: $(cat "$T/listen.err")"
grep -v '	#den' "$T/got" | cut -f3 >"$T/got.text"
cmp -s "$T/want" "$T/got.text" || fail "order: $(cat "$T/got.text")"
expect_eq "group message" "$(grep -c '#den/alice	to the den' "$T/got")" 1
[ -s "$T/cfg/udp-suite/chatc-tokens" ] || fail "no token was stored"
echo ok
