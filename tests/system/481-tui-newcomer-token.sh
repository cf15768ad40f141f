#!/bin/sh
# 480's first keys of a newcomer, with chat-tui starting on a stored
# device token (no password prompt): the same keys do the same things.
exec sh "$(dirname "$0")/480-tui-newcomer-password.sh" token
