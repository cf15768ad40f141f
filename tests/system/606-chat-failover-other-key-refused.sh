#!/bin/sh
# Failover never trusts a stranger: the nodes of one service share its
# server key, pinned under the server list as given.  When a node of the
# list presents another key (here a second chatd with a key of its own),
# the client refuses it as it would refuse a changed key at one address:
# a running listen that fails over to it, and a new client whose first
# address is dead, both stop with "SERVER KEY CHANGED" (exit 76), and
# the pin stays the first key.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

start_chatd other
OTHER=$CHATD_PORT
start_chatd c
C_PID=$CHATD_PID
register bob pb
LIST="127.0.0.1:$CHATD_PORT,127.0.0.1:$OTHER"
pins="$T/cfg/udp-suite/known_servers"

# bob logs in on the first node: its key is pinned for the list.
env CHAT_PASSWORD=pb XDG_CONFIG_HOME="$T/cfg" "$BIN/chatc" -s "$LIST" \
    -n bob status >"$T/status" 2>"$T/status.err" ||
    fail "first login: $(cat "$T/status.err")"
expect_eq "on the first node" "$(sed -n 's/^node\t//p' "$T/status")" \
    "127.0.0.1:$CHATD_PORT	1/2"
key=$(grep -F "$LIST " "$pins") || fail "no pin for $LIST in $pins"
fpr=$(sed -n 's/.*server key \(b2:[^ ]*\).*/\1/p' "$T/c.log")
ofpr=$(sed -n 's/.*server key \(b2:[^ ]*\).*/\1/p' "$T/other.log")
[ -n "$fpr" ] && [ -n "$ofpr" ] && [ "$fpr" != "$ofpr" ] ||
    fail "the two chatd do not have two keys: '$fpr' '$ofpr'"

env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/cfg" "$BIN/chatc" -s "$LIST" \
    -n bob listen --events >"$T/got" 2>"$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_log "$T/got" "^node	127\.0\.0\.1:$CHATD_PORT\$"

# The first node dies: listen goes to the second and refuses its key.
kill -9 "$C_PID"
wait "$C_PID" 2>/dev/null
poll 60 sh -c "! kill -0 $LISTEN 2>/dev/null" ||
    fail "listen still runs after reaching a node with another key"
wait "$LISTEN"
expect_eq "listen's exit status" "$?" 76
grep -qF "SERVER KEY CHANGED for $LIST: pinned $fpr, offered $ofpr" \
    "$T/listen.err" || fail "listen's message: $(cat "$T/listen.err")"
grep -q "^node	127\.0\.0\.1:$OTHER\$" "$T/got" &&
    fail "listen says it is on the node with another key"

# A new client, its first address dead from the start: the same.
expect_rc "status via the other node" 76 env -u CHAT_PASSWORD \
    XDG_CONFIG_HOME="$T/cfg" "$BIN/chatc" -s "$LIST" -n bob status
expect_match "status' message" "$ERR" "SERVER KEY CHANGED for $LIST"
expect_eq "status printed nothing" "$OUT" ""
expect_eq "the pin is still the first key" "$(grep -F "$LIST " "$pins")" \
    "$key"
echo ok
