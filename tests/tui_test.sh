#!/bin/sh
# Drive the real console in tmux on tests/fixtures/tui-mainlog.  The first
# run checks the list rows, moves, marks, whitelists, reports and quits.
# The second run finds the mark, the whitelist entry and the report kept.
# The resolver is a UDP socket on 127.0.0.1 that never replies, so DNS
# checks stay in flight and then time out after one try of 1000 ms.
# tests/dns_test.sh checks the DNS results themselves.
#
# Exits 0 when every check passes, 1 with a message naming the failed
# check, or 0 with a "skipped" message when tmux or perl is missing.
set -u
cd "$(dirname "$0")/.."

# Maximum wait for the screen to show something, in tenths of a second.
WAIT_TENTHS=50

test_name="tui test"
. tests/tmux_lib.sh
require_tools tmux perl
require_program ./smtptriage
tmux_setup tui_test
start_silent_dns

# No sendmail command: reports go to the outbox, addressed to report_to.
cat >"$tmp/config" <<EOF
from = triage@example.org
report_to = abuse@example.net
EOF

log=tests/fixtures/tui-mainlog
cmd="env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color ./smtptriage \
--config $tmp/config --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox --resolver 127.0.0.1:$port \
--dns-timeout 1000 --dns-tries 1 $log; \
echo \$? >$tmp/exit"

# The list rows as drawn at 160 columns: IP, HELO, rDNS, reasons, count
# and last seen; the status column starts at column 150.
title='IP              HELO                        RDNS REASONS                                                                      COUNT LAST SEEN        STATUS'
row_a='192.0.2.10      mail.example.invalid        -    helo_verify_failed,no_verified_rdns                                              4 2026-11-30 10:09'
row_b='198.51.100.20   dsl-20.example.net          -    fcrdns_mismatch,no_verified_rdns                                                 2 2026-11-30 10:06'
row_c='203.0.113.30    unknown-host                -    no_verified_rdns,helo_verify_failed,no_rdns                                      2 2026-11-30 10:02'
row_d='192.0.2.50      \x1B]0;pwned\x07\x1B[31mred -    helo_verify_failed,no_verified_rdns                                              1 2026-11-30 10:03'
row_e='2001:db8::40    v6.example                  -    no_verified_rdns,warning:Sender rate high                                        1 2026-11-30 10:05'

# --- First run: look, move, mark, whitelist, report, quit.
tmux_start "$cmd"
wait_for "192.0.2.10" || exit 1
capture
expect_line 2 "$title"
expect_line 3 "$(status_row "$row_a" new)"
expect_line 4 "$(status_row "$row_b" new)"
expect_line 5 "$(status_row "$row_c" new)"
expect_line 6 "$(status_row "$row_d" new)"
expect_line 7 "$(status_row "$row_e" new)"
expect_line 8 ""
grep -qF "1 bad line skipped (first: $log:10 invalid UTF-8)" "$tmp/screen" ||
    fail "the status line does not show the bad line"
title_now=$(tmux -S "$sock" display-message -p '#{pane_title}')
[ "$title_now" = pwned ] && fail "a logged HELO changed the pane title"

# SIGWINCH: a tiny terminal gets a note instead of the list, and the list
# comes back at full size.
tmux -S "$sock" resize-window -x 50 -y 10
wait_for "terminal too small: need 60x12, have 50x10"
tmux -S "$sock" resize-window -x 160 -y 45
wait_for "$(status_row "$row_a" new)"
capture
expect_line 2 "$title"
expect_line 7 "$(status_row "$row_e" new)"

# Idle, the console sleeps in poll: it uses less than a tenth of the CPU
# time over half a second (clock ticks are fields 14 and 15 of stat).
shell=$(tmux -S "$sock" display-message -p '#{pane_pid}')
pid=$(cat "/proc/$shell/task/$shell/children" 2>/dev/null | cut -d' ' -f1)
[ -n "$pid" ] || fail "cannot find the smtptriage process under $shell"
ticks() {
	awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0
}
before=$(ticks)
sleep 0.5
used=$(($(ticks) - before))
[ "$used" -le "$(($(getconf CLK_TCK) / 20))" ] ||
    fail "the idle console used $used clock ticks in half a second"

keys '?'
wait_for "smtptriage help"
keys Escape
wait_for "$(status_row "$row_a" new)"

keys j m
wait_for "$(status_row "$row_b" marked)"
expect_line 3 "$(status_row "$row_a" new)"

keys j w
wait_for "Whitelist: i IP 203.0.113.30, n 203.0.113.0/24; Esc cancels"
keys i
wait_for "Comment for 203.0.113.30: added by smtptriage "
keys Enter
wait_gone "203.0.113.30    unknown-host"
wait_for "whitelisted 203.0.113.30: 1 more suspect; W shows whitelisted clients"
expect_line 5 "$(status_row "$row_d" new)"
expect_line 6 "$(status_row "$row_e" new)"
expect_line 7 ""
grep -Eq '^203\.0\.113\.30 # added by smtptriage [0-9]{4}-[0-9]{2}-[0-9]{2}$' \
    "$tmp/whitelist" ||
    fail "the whitelist file has no commented entry for 203.0.113.30"

# The cursor now rests on 192.0.2.50, the row that moved up.  r starts
# its DNS check at once, and the report waits until the check times out.
keys r
wait_for "checking DNS of 192.0.2.50"
wait_for "Report about 192.0.2.50"
keys y
wait_for "written to $tmp/outbox/"
wait_for "$(status_row "$row_d" reported)"
set -- "$tmp"/outbox/*
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	fail "expected one report in the outbox, found: $*"
else
	report=$1
	for header in 'From: triage@example.org' 'To: abuse@example.net' \
	    'Subject: ' 'Date: ' 'Message-ID: <'; do
		grep -qF "$header" "$report" ||
		    fail "the report has no \"$header\" header"
	done
	grep -q '192\.0\.2\.50' "$report" ||
	    fail "the report does not name 192.0.2.50"
	if grep -q "$(printf '\033')" "$report"; then
		fail "the report holds a raw ESC byte"
	fi
fi

keys q
wait_exit "after q"

# --- Second run: the state is kept.
tmux_start "$cmd"
wait_for "192.0.2.10" || exit 1
capture
expect_line 3 "$(status_row "$row_a" new)"
expect_line 4 "$(status_row "$row_b" marked)"
expect_line 5 "$(status_row "$row_d" reported)"
expect_line 6 "$(status_row "$row_e" new)"
expect_line 7 ""
keys W
wait_for "203.0.113.30    unknown-host"
capture
expect_line 5 "$(status_row "$row_c" whitelisted)"

# Tags and groups: t tags the first row, ;m marks the tagged ones, g groups
# by provider.  send-keys takes ";" literally only with -l.
keys Home t
wait_for "tagged 192.0.2.10; 1 tagged"
wait_for "* 192.0.2.10      mail.example.invalid"
wait_for "6 clients, 1 tagged | sort: score  ? help"
keys -l ';m'
wait_for "marked 1 tagged suspect"
keys g
wait_for "grouped by provider: 4 groups"
wait_for "- example.invalid (unverified)  1 suspect, 1 marked, 1 tagged"
keys q
wait_exit "after q"

finish
