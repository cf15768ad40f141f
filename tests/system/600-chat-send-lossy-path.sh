#!/bin/sh
# chatc send rides out a lossy path: 200 runs through a proxy losing 20%
# of datagrams each way (and duplicating 5%, reordering 10%), each doing a
# handshake, a login and a send with the default timeout; at least 199
# succeed.  Outcomes are counted; how long each took is not checked.
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/chat.sh"

# Loss is what is measured here, not the limits on logins or on messages
# waiting for one recipient.
CHATD_CONF='[limits]
addr_enable = no
login_rate = 100000
login_burst = 100000
stranger_quota = 100000
pair_quota = 100000
[store]
queue_max = 100000' start_chatd c
register alice pa
register bob pb
# Contacts: the stranger quota (3 waiting) is not what is tested here.
befriend alice bob
start_proxy p -S 600 -l 0.2 -d 0.05 -r 0.1

# One login through the proxy pins the key and keeps a device token; each
# run starts from a copy of that folder, so no two write one file.
QPW=pa chatq cfg0 alice who >/dev/null 2>"$T/first.err" ||
    fail "first login through the proxy: $(cat "$T/first.err")"
mkdir -p "$T/runs"
cat >"$T/one.sh" <<EOS
i=\$1
cp -R "$T/cfg0" "$T/runs/\$i"
env -u CHAT_PASSWORD XDG_CONFIG_HOME="$T/runs/\$i" "$BIN/chatc" \
    -s "127.0.0.1:$PROXY_PORT" -n alice send bob "lossy \$i" \
    >/dev/null 2>"$T/runs/\$i.err"
echo "\$?" >"$T/runs/\$i.rc"
EOS
seq 1 200 | xargs -P 20 -n 1 sh "$T/one.sh"

ok=$(cat "$T"/runs/*.rc | grep -c '^0$')
cat "$T"/runs/*.rc | sort | uniq -c | sed 's/^/exit status counts: /'
[ "$ok" -ge 199 ] || fail "$ok of 200 sends succeeded; errors: $(cat \
    "$T"/runs/*.err | grep -v pinned | sort | uniq -c)"

# What was accepted is there for bob, once each.  A run that gave up may
# still have been accepted (its answer was what got lost), so bob has
# from $ok to 200 messages, and never one twice.
chat bob listen --timeout 10 --count 200 | cut -f3 | sort >"$T/got"
got=$(wc -l <"$T/got")
[ "$got" -ge "$ok" ] && [ "$got" -le 200 ] ||
    fail "bob has $got messages, want $ok to 200"
expect_eq "distinct messages" "$(sort -u "$T/got" | wc -l)" "$got"
for f in "$T"/runs/*.rc; do
	[ "$(cat "$f")" = 0 ] || continue
	i=$(basename "$f" .rc)
	grep -qx "lossy $i" "$T/got" || fail "accepted message $i not delivered"
done
echo ok
