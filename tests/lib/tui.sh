# tests/lib/tui.sh: drive chat-tui through tmux, for system tests.
# Source after common.sh.  Each chat-tui runs in its own session of a
# private tmux server (socket in $T), 80x24, with its own HOME and XDG
# folders under $T/NAME, a UTF-8 locale and TERM=tmux-256color.  Every
# wait polls the screen (common.sh's poll) until what the test checks
# next is there, or fails showing the screen.
TUI_SOCK="$T/tmux.sock"
TUI_WAIT=${TUI_WAIT:-15}

tui_cleanup() {
	tmux -S "$TUI_SOCK" kill-server 2>/dev/null
	cleanup
}
trap tui_cleanup EXIT

# tui_tmux ARGS...: the private tmux.
tui_tmux() {
	tmux -S "$TUI_SOCK" -f /dev/null "$@"
}

# tui_start NAME [ARGS...]: start chat-tui ARGS in session NAME.  A
# wrapper records the terminal's settings before and after it, and its
# exit status in $T/NAME.exit, then keeps the pane open.
tui_start() {
	name=$1; shift
	mkdir -p "$T/$name/data" "$T/$name/state" "$T/$name/config"
	{
		echo '#!/bin/sh'
		# Ctrl-C reaches the whole foreground group: the wrapper stays.
		echo "trap : INT QUIT"
		echo "stty -a >'$T/$name.stty.before'"
		printf '%s' "'$BIN/chat-tui'"
		for a in "$@"; do printf " '%s'" "$a"; done
		echo
		echo "echo \"exit \$?\" >'$T/$name.exit'"
		echo "stty -a >'$T/$name.stty.after'"
		echo 'exec sleep 3600'
	} >"$T/$name.run"
	rm -f "$T/$name.exit" "$T/$name.stty.before" "$T/$name.stty.after"
	tui_tmux kill-session -t "$name" 2>/dev/null
	tui_tmux new-session -d -s "$name" -x 80 -y 24 \
	    env HOME="$T/$name" XDG_DATA_HOME="$T/$name/data" \
	    XDG_STATE_HOME="$T/$name/state" XDG_CONFIG_HOME="$T/$name/config" \
	    LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color \
	    CHAT_PASSWORD="${TUI_PASSWORD-secret-$name}" \
	    ${TUI_ENV:-} sh "$T/$name.run" ||
	    fail "tmux did not start"
	tui_tmux set-option -t "$name" status off >/dev/null
	# The server stays when its last session is killed (for a restart
	# of chat-tui): else the next new-session may reach it as it exits.
	tui_tmux set-option -s exit-empty off
}

# tui_screen NAME: the screen as text.
tui_screen() {
	tui_tmux capture-pane -p -t "$1"
}

# tui_show NAME: the screen, framed, for a failure message.
tui_show() {
	echo "--- screen of $1:"
	tui_screen "$1" | sed 's/^/|/'
	echo "--- log:"
	tail -n 20 "$T/$1/state/chat-tui/chat-tui.log" 2>/dev/null
}

# tui_shows NAME REGEX: does a screen line match REGEX?
tui_shows() {
	tui_screen "$1" | grep -Eq -- "$2"
}

# tui_lacks NAME REGEX: does no screen line match REGEX?
tui_lacks() {
	! tui_shows "$1" "$2"
}

# tui_wait NAME REGEX [SECONDS]: until a screen line matches REGEX.
tui_wait() {
	poll "${3:-$TUI_WAIT}" tui_shows "$1" "$2" || {
		tui_show "$1" >&2
		fail "$1: nothing on the screen matches /$2/"
	}
}

# tui_wait_not NAME REGEX: until no screen line matches REGEX.
tui_wait_not() {
	poll "$TUI_WAIT" tui_lacks "$1" "$2" || {
		tui_show "$1" >&2
		fail "$1: /$2/ stays on the screen"
	}
}

# tui_same NAME FILE: is the screen what FILE holds?  Keeps it in
# $T/NAME.screen.
tui_same() {
	tui_screen "$1" >"$T/$1.screen"
	cmp -s "$T/$1.screen" "$2"
}

# tui_wait_screen NAME FILE: until the screen is exactly what FILE holds.
tui_wait_screen() {
	poll "$TUI_WAIT" tui_same "$1" "$2" || {
		diff "$2" "$T/$1.screen" >&2
		fail "$1: the screen is not as it was in $2"
	}
}

# tui_settled NAME: has the screen stayed the same since the last call?
tui_settled() {
	tui_screen "$1" >"$T/$1.now"
	cmp -s "$T/$1.now" "$T/$1.last" && return 0
	mv "$T/$1.now" "$T/$1.last"
	return 1
}

# tui_settle NAME: until chat-tui has drawn all it had to draw (the
# screen is the same twice in a row, 0.05 s apart); prints the screen.
tui_settle() {
	rm -f "$T/$1.last"
	poll "$TUI_WAIT" tui_settled "$1" || {
		tui_show "$1" >&2
		fail "$1: the screen keeps changing"
	}
	cat "$T/$1.last"
}

# tui_keys NAME KEYS...: tmux key names (Enter, Tab, C-c, PageUp...).
tui_keys() {
	n=$1; shift
	tui_tmux send-keys -t "$n" "$@"
}

# tui_type NAME TEXT: type TEXT literally.
tui_type() {
	tui_tmux send-keys -t "$1" -l -- "$2"
}

# tui_resize NAME COLS ROWS
tui_resize() {
	tui_tmux resize-window -t "$1" -x "$2" -y "$3"
}

# tui_pid NAME: the pid of chat-tui in NAME (the wrapper's child).
tui_pid() {
	sh_pid=$(tui_tmux display-message -p -t "$1" '#{pane_pid}')
	pgrep -P "$sh_pid" -x chat-tui | head -n 1
}

# tui_fmt NAME FORMAT: a tmux format of the pane (#{cursor_x}, ...).
tui_fmt() {
	tui_tmux display-message -p -t "$1" "$2"
}

# tui_cursor_at NAME X: is the cursor in column X (keys that only move
# it change nothing else on the screen to wait for)?
tui_cursor_at() {
	[ "$(tui_fmt "$1" '#{cursor_x}')" = "$2" ]
}

# tui_wait_exit NAME: until chat-tui has exited; prints its status line.
tui_wait_exit() {
	poll "$TUI_WAIT" tui_exited "$1" || {
		tui_show "$1" >&2
		fail "$1: chat-tui did not exit"
	}
	cat "$T/$1.exit"
}

# tui_exited NAME: has the wrapper recorded chat-tui's exit (its status,
# then the terminal's settings after it)?
tui_exited() {
	[ -s "$T/$1.exit" ] && [ -s "$T/$1.stty.after" ]
}

# tui_restored NAME: the terminal is as chat-tui found it.
tui_restored() {
	cmp -s "$T/$1.stty.before" "$T/$1.stty.after" || {
		diff "$T/$1.stty.before" "$T/$1.stty.after" >&2
		fail "$1: terminal settings not restored"
	}
	expect_eq "$1: alternate screen left" "$(tui_fmt "$1" '#{alternate_on}')" 0
	expect_eq "$1: cursor visible" "$(tui_fmt "$1" '#{cursor_flag}')" 1
}

# tui_col NAME ROW TEXT: the display column where TEXT starts on screen
# row ROW (0-based), counting East Asian wide characters as two.
tui_col() {
	tui_screen "$1" | sed -n "$(( $2 + 1 ))p" | python3 -c '
import sys, unicodedata
line = sys.stdin.read().rstrip("\n")
i = line.find(sys.argv[1])
if i < 0:
    print(-1)
else:
    print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
              for c in line[:i]))' "$3"
}

# tui_row NAME REGEX: the first screen row (0-based) matching REGEX, or -1.
tui_row() {
	r=$(tui_screen "$1" | grep -En -- "$2" | head -n 1 | cut -d: -f1)
	[ -n "$r" ] && echo $(( r - 1 )) || echo -1
}

# tui_seed_history NAME SELF PEER LINES...: write a conversation file as
# chat-tui keeps them (see chat-tui/history.h); each LINE is
# "o|i TEXT" and the messages are a minute apart, a day ago.
tui_seed_history() {
	name=$1; self=$2; peer=$3; shift 3
	d="$T/$name/data/chat-tui/$self"
	mkdir -p "$d"
	t=$(( ($(date +%s) - 86400) * 1000 ))
	id=1
	{
		printf 'N\t%s\n' "$peer"
		for l in "$@"; do
			dir=${l%% *}; text=${l#* }
			st=received; [ "$dir" = o ] && st=read
			printf 'M\t%x\t%s\t%s\t%s\t%s\n' "$id" "$t" "$dir" "$st" "$text"
			t=$(( t + 60000 )); id=$(( id + 1 ))
		done
	} >"$d/$peer.log"
}

# tui_fresh NAME MODE NICK PASSWORD: (re)start chat-tui as NICK against
# the current chatd ($CHATD_PORT) as a newcomer starts it, and wait until
# it is connected: MODE "password" with no device token kept, so the
# password is typed at its prompt; "token" with the device token an
# earlier typed login left (it must not ask).  A chat-tui already in NAME
# is left with Ctrl-C first, so its history is on disk.
tui_fresh() {
	n=$1; mode=$2; nick=$3; pw=$4
	if [ -s "$T/$n.run" ] && ! tui_exited "$n"; then
		tui_keys "$n" C-c
		tui_wait_exit "$n" >/dev/null
	fi
	case $mode in
	password)
		rm -rf "$T/$n/state/chat-tui/tokens" ;;
	token)
		[ -n "$(ls "$T/$n/state/chat-tui/tokens" 2>/dev/null)" ] ||
		    fail "$n: no device token kept" ;;
	esac
	TUI_PASSWORD= tui_start "$n" -n "$nick" -s "127.0.0.1:$CHATD_PORT"
	if [ "$mode" = password ]; then
		tui_wait "$n" '^password:'
		tui_type "$n" "$pw"
		tui_keys "$n" Enter
	fi
	tui_wait "$n" "^\\[connected\\] $nick@"
	tui_lacks "$n" '^password:' || fail "$n: asks for the password"
}
