#!/bin/sh
# Colours where the terminal has them; monochrome (reverse video, bold)
# with NO_COLOR set or "enable = no" in [colours].
. "$(dirname "$0")/../lib/common.sh"
. "$TESTS/lib/tui.sh"

# SGR colour codes (foreground or background, 8 or 256 colours) on screen?
has_colour() {
	tui_tmux capture-pane -e -p -t "$1" | grep -Eq "$(printf '\033')\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)(;[0-9;]*)?m"
}

tui_start a -n alex -s 127.0.0.1:1
tui_wait a 'alex@127\.0\.0\.1:1'
has_colour a || fail "no colours by default"

TUI_ENV="NO_COLOR=1" tui_start b -n alex -s 127.0.0.1:1
tui_wait b 'alex@127\.0\.0\.1:1'
has_colour b && fail "colours despite NO_COLOR"
tui_tmux capture-pane -e -p -t b | grep -q "$(printf '\033')\[7m" ||
    fail "no reverse-video status bar without colours"

printf '[colours]\nenable = no\n' >"$T/mono.ini"
tui_start c -n alex -s 127.0.0.1:1 -c "$T/mono.ini"
tui_wait c 'alex@127\.0\.0\.1:1'
has_colour c && fail "colours despite enable = no"
exit 0
