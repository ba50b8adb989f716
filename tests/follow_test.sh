#!/bin/sh
# Drive the real console in tmux with --follow on a log in a temporary
# folder, and change the log under it.  The steps append lines (a new
# client shows up while the cursor stays on its client), rotate by rename
# and create, truncate in place (copytruncate), remove the file (a
# message, and the list stays) and create it again.  After each step the
# list rows are compared exactly.  The resolver is a UDP socket on 127.0.0.1 that never
# replies, so no DNS query leaves the machine.
#
# Exits 0 when every check passes, 1 with a message naming the failed
# check, or 0 with a "skipped" message when tmux or perl is missing.
# SMTPTRIAGE names the binary to test (default ./smtptriage).
set -u
cd "$(dirname "$0")/.."

# Maximum wait for the screen to show something, in tenths of a second.
# The console polls the log every 500 ms.
WAIT_TENTHS=50
bin=${SMTPTRIAGE:-./smtptriage}

test_name="follow test"
. tests/tmux_lib.sh
require_tools tmux perl
require_program "$bin"
tmux_setup follow_test
# PIPE too: a reader of the output that stops early must not leave tmux.
trap 'exit 1' PIPE
start_silent_dns

log=$tmp/mainlog
cp tests/fixtures/sources/follow-mainlog "$log"
: >"$tmp/config"
cmd="env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color $bin --follow \
--config $tmp/config --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox --resolver 127.0.0.1:$port $log; \
echo \$? >$tmp/exit"

# Expect the list rows $1... from screen line 3 on, then an empty line.
expect_rows() {
	n=3
	for r in "$@"; do
		expect_line $n "$(status_row "$r" new)"
		n=$((n + 1))
	done
	expect_line $n ""
}

# Append Exim log lines to file $1.
log_lines() {
	f=$1
	shift
	printf '%s\n' "$@" >>"$f"
}

warn() {
	echo "2026-11-30 $1 H=($2) [$3] Warning: $4"
}

# The list rows as drawn at 160 columns: IP, HELO, rDNS, reasons, count
# and last seen; the status column starts at column 150.
row_a='192.0.2.10      mail.example.invalid -    helo_verify_failed,no_verified_rdns                                                     3 2026-11-30 10:04'
row_b='198.51.100.20   dsl-20.example.net   -    fcrdns_mismatch,no_verified_rdns                                                        1 2026-11-30 10:00'
row_c='203.0.113.5     c.example            -    helo_verify_failed,no_verified_rdns                                                     4 2026-11-30 10:06'
row_d='192.0.2.200     d.example            -    helo_verify_failed,no_verified_rdns                                                     2 2026-11-30 10:07'
row_e='2001:db8::5     e.example            -    fcrdns_mismatch,no_verified_rdns                                                        1 2026-11-30 10:08'
row_f='198.51.100.77   f.example            -    helo_verify_failed,no_verified_rdns                                                     1 2026-11-30 10:09'

hv="HELO verification failed"
fr="Forward/Reverse DNS mismatch"

tmux_start "$cmd"
wait_for "192.0.2.10" || exit 1
capture
expect_rows "$row_a" "$row_b"

# The cursor goes to 198.51.100.20 and must stay on it.
keys j
wait_for " IP       198.51.100.20  status new"

# --- Appended lines: a new client with the highest score.
log_lines "$log" "$(warn 10:06:00 c.example 203.0.113.5 "$hv")" \
    "$(warn 10:06:01 c.example 203.0.113.5 "$hv")" \
    "$(warn 10:06:02 c.example 203.0.113.5 "$hv")" \
    "$(warn 10:06:03 c.example 203.0.113.5 "$hv")"
wait_for "203.0.113.5" || exit 1
capture
expect_rows "$row_c" "$row_a" "$row_b"
grep -qF " IP       198.51.100.20  status new" "$tmp/screen" ||
    fail "the cursor left 198.51.100.20 when the list changed"
grep -qF "3 suspects, 0 whitelisted hidden, 4 clients" "$tmp/screen" ||
    fail "the header does not count 3 suspects and 4 clients"

# --- New evidence of the selected client shows in its detail pane.
log_lines "$log" "$(warn 10:06:10 dsl-20.example.net 198.51.100.20 "$fr")"
wait_for "10:06:10 H=(dsl-20.example.net) [198.51.100.20] Warning: $fr" ||
    exit 1
row_b='198.51.100.20   dsl-20.example.net   -    fcrdns_mismatch,no_verified_rdns                                                        2 2026-11-30 10:06'

# --- Rotation by rename and create: a line still goes to the old file.
mv "$log" "$log.1"
log_lines "$log.1" "$(warn 10:06:30 mail.example.invalid 192.0.2.10 "$hv")"
log_lines "$log" "$(warn 10:07:00 d.example 192.0.2.200 "$hv")" \
    "$(warn 10:07:05 d.example 192.0.2.200 "$hv")"
row_a='192.0.2.10      mail.example.invalid -    helo_verify_failed,no_verified_rdns                                                     4 2026-11-30 10:06'
wait_for "192.0.2.200" || exit 1
wait_for "$row_a"
capture
# 192.0.2.10 now ties with 203.0.113.5 in score and count: the lower
# address goes first.
expect_rows "$row_a" "$row_c" "$row_d" "$row_b"
grep -qF "$log.1, $log" "$tmp/screen" ||
    fail "the header does not name $log.1 and $log"
# The evidence line is read back from the file under its new name.
grep -qF "mainlog.1:3  2026-11-30 10:00:04 H=(dsl-20.example.net)" \
    "$tmp/screen" || fail "the evidence of 198.51.100.20 is not shown"

# --- copytruncate: the file shrinks and gets a shorter line.
: >"$log"
log_lines "$log" "$(warn 10:08:00 e.example 2001:db8::5 "$fr")"
wait_for "2001:db8::5" || exit 1
capture
expect_rows "$row_a" "$row_c" "$row_d" "$row_b" "$row_e"

# --- The file vanishes: a message, and the list stays.
rm "$log"
wait_for "$log: No such file or directory; the lines read so far stay"
capture
expect_rows "$row_a" "$row_c" "$row_d" "$row_b" "$row_e"

# --- It comes back and is read from its start.
log_lines "$log" "$(warn 10:09:00 f.example 198.51.100.77 "$hv")"
wait_for "$log is back; reading it from the start"
wait_for "198.51.100.77" || exit 1
capture
expect_rows "$row_a" "$row_c" "$row_d" "$row_b" "$row_f" "$row_e"
grep -qF " IP       198.51.100.20  status new" "$tmp/screen" ||
    fail "the cursor left 198.51.100.20"

# --- Removed and back once more: the header names the removed data once.
rm "$log"
wait_for "$log: No such file or directory; the lines read so far stay"
log_lines "$log" "$(warn 10:10:00 g.example 198.51.100.78 "$hv")"
wait_for "198.51.100.78" || exit 1
tmux -S "$sock" resize-window -x 400 -y 45
wait_for "$log (removed), $log " || exit 1
capture
removed=$(sed -n 1p "$tmp/screen" | grep -oF "$log (removed)" | wc -l)
[ "$removed" -eq 1 ] ||
    fail "the header names \"$log (removed)\" $removed times, expected once"

keys q
wait_exit "after q"

finish
