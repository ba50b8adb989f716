#!/bin/sh
# Make the PNGs in screenshots/ from the real console: console.png (list
# and detail pane with live DNS results), grouped.png (the list grouped by
# provider), report.png (an abuse report in the preview) and help.png.
#
# The console runs in a 160x45 tmux pane on sample/mainlog (or on the
# tests' fixture log while the sample is missing).  Its resolver is an NSD
# on 127.0.0.1 with zones this script writes for the suspects in that log,
# so the detail pane shows real answers: a PTR that does not confirm, one
# that does, SERVFAIL, NOERROR without data and REFUSED.  The pane is
# captured with its colours (tmux capture-pane -e), turned into HTML by
# aha and rendered to PNG by headless Chromium.
#
# Needs tmux, nsd, perl, aha and chromium (Debian: apt-get install tmux
# nsd aha chromium); make check does not.
set -eu
cd "$(dirname "$0")/.."

COLS=160
LINES=45
# Rendered size in pixels: 14px DejaVu Sans Mono is 8.43px wide and the
# lines are 17px apart, plus the page margin.
WIDTH=1366
HEIGHT=782
# Maximum wait for the console or NSD, in tenths of a second.
WAIT_TENTHS=100

for tool in tmux nsd perl aha chromium; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "screenshots: $tool is missing; install it with" >&2
		echo "  apt-get install tmux nsd perl aha chromium" >&2
		exit 1
	fi
done
[ -x ./smtptriage ] || make smtptriage

log=sample/mainlog
if [ ! -f "$log" ]; then
	log=tests/fixtures/tui-mainlog
	echo "screenshots: sample/mainlog is missing; using $log"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/screenshots.XXXXXX")
sock=$tmp/tmux.sock
nsd_pid=""
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
	if [ -n "$nsd_pid" ]; then
		kill "$nsd_pid" 2>/dev/null || true
		wait "$nsd_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Private state, so the pictures never show or touch the user's own.
: >"$tmp/config"
state="--config $tmp/config --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox"

# shellcheck source=scripts/demo_dns.sh
. scripts/demo_dns.sh

# Wait until the pane shows the fixed string $1.
wait_for() {
	i=0
	until tmux -S "$sock" capture-pane -p | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ $i -ge $WAIT_TENTHS ]; then
			echo "screenshots: the console never showed \"$1\"" >&2
			tmux -S "$sock" capture-pane -p >&2
			exit 1
		fi
		sleep 0.1
	done
}

esc=$(printf '\033')

# Capture the pane with colours and render it to the PNG $1.
shoot() {
	# tmux writes the default colours (SGR 39 and 49) after a reset, where
	# they change nothing, but aha takes them to end reverse video (SGR 7).
	# So they are dropped there.
	tmux -S "$sock" capture-pane -p -e -N |
	    sed "s/\($esc\[0[0-9;]*m\)$esc\[39m$esc\[49m/\1/g" >"$tmp/pane"
	# DejaVu Sans Mono draws "_" below the background of an inline span, so
	# in a reverse-video row it was black on black.  The padding stretches
	# that background down over it.
	aha --black --title smtptriage <"$tmp/pane" |
	    sed 's|</head>|<style>body { margin: 8px; } pre { font-family: "DejaVu Sans Mono", monospace; font-size: 14px; line-height: 17px; margin: 0; } pre span { padding-bottom: 2px; }</style></head>|' \
	    >"$tmp/pane.html"
	chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --no-first-run \
	    --hide-scrollbars --screenshot="$tmp/shot.png" \
	    --window-size="$WIDTH,$HEIGHT" "file://$tmp/pane.html" \
	    >"$tmp/chromium.out" 2>&1 || {
		echo "screenshots: chromium failed:" >&2
		cat "$tmp/chromium.out" >&2
		exit 1
	}
	mkdir -p screenshots
	cp "$tmp/shot.png" "$1"
	echo "screenshots: wrote $1"
}

# No status bar, so the pane is the whole window.
echo "set-option -g status off" >"$tmp/tmux.conf"
tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x $COLS -y $LINES \
    "env TERM=tmux-256color LC_ALL=C.UTF-8 ./smtptriage $state $demo_opts \
--resolver 127.0.0.1:$port $log"

# Mark the second suspect for a status colour.  The demo zone has no abuse
# contact for the fourth, so its report goes to the outbox and it stays
# new.  Then go back to the first and wait for its DNS result.
first=$(sed -n 1p "$tmp/ips")
wait_for "$first"
tmux -S "$sock" send-keys j m j j r
wait_for "y sends"
tmux -S "$sock" send-keys y
wait_for "written to"
tmux -S "$sock" send-keys Home
wait_for "checked 2"
shoot screenshots/console.png

tmux -S "$sock" send-keys g
wait_for "grouped by provider"
shoot screenshots/grouped.png
tmux -S "$sock" send-keys g
wait_for "not grouped"

# The preview of a report about the first suspect; Esc cancels it.
tmux -S "$sock" send-keys Home r
wait_for "y sends"
shoot screenshots/report.png
tmux -S "$sock" send-keys Escape
wait_for "$first"

tmux -S "$sock" send-keys '?'
wait_for "smtptriage help"
shoot screenshots/help.png

tmux -S "$sock" send-keys Escape q
