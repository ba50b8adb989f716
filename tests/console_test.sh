#!/bin/sh
# Drive the console in tmux for what tests/tui_test.sh does not cover.
# It loads a large log in slices (progress bar, keys during the load,
# exact final counts) and checks the status line counters.  It checks
# colours by verdict and status, with the monochrome and NO_COLOR
# fallbacks, and the column widths of UTF-8 and wide HELO names.  Then
# come tiny and resized terminals, mouse clicks and the wheel.  Every log
# is written here.  The resolver is a closed UDP port on
# 127.0.0.1, so each DNS query fails at once and no query leaves the host.
#
# Exits 0 when every check passes, 1 with a message naming the failed
# check, or 0 with a "skipped" message when tmux or python3 is missing.
set -u
cd "$(dirname "$0")/.."

# Maximum wait for the screen to show something, in tenths of a second.
WAIT_TENTHS=50
# Maximum wait for the paced load to end, in tenths of a second.
LOAD_TENTHS=300
# The large log: CLIENTS clients with LINES_EACH lines each, read at
# LOAD_RATE lines per second, so the load takes at least 4 seconds.
CLIENTS=1200
LINES_EACH=20
LOAD_RATE=6000
# Clients of the log read at full speed, two lines each.
MANY_CLIENTS=300000

test_name="console test"
. tests/tmux_lib.sh
require_tools tmux python3
require_program ./smtptriage
tmux_setup console_test
esc=$(printf '\033')

# A UDP port on 127.0.0.1 with nothing bound to it once python3 exits:
# queries to it are refused at once.
port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

# Start the console on the log $1 in a 160x45 pane; further arguments
# are put in front of the command as environment settings.
start() {
	log=$1
	shift
	rm -rf "$tmp/exit" "$tmp/state.db" "$tmp/whitelist" "$tmp/outbox"
	tmux -S "$sock" kill-server 2>/dev/null
	tmux_start "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color $* ./smtptriage \
--config /dev/null --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox --resolver 127.0.0.1:$port --dns-timeout 500 --dns-tries 1 $log; \
echo \$? >$tmp/exit"
}

# The pane with its attributes as escape sequences.
capture_attrs() {
	tmux -S "$sock" capture-pane -p -e >"$tmp/screen" 2>/dev/null
}

# Send a mouse event in the X10 encoding that the terminal description
# tmux-256color gives (kmous=\E[M): button code, column and line, each
# plus 32, and 1-based.  $1 is 0 for a press of the left button, 64 and 65
# for the wheel; $2 and $3 are the 0-based column and line.
mouse() {
	tmux -S "$sock" send-keys -H 1b 5b 4d \
	    "$(printf '%02x' $(($1 + 32)))" \
	    "$(printf '%02x' $(($2 + 33)))" \
	    "$(printf '%02x' $(($3 + 33)))"
}

quit() {
	keys q
	wait_exit "after q"
}

# --- Loading a large log in slices.
awk -v clients=$CLIENTS -v each=$LINES_EACH 'BEGIN {
	for (i = 0; i < clients * each; i++) {
		c = i % clients
		printf "2026-11-30 10:%02d:%02d H=(host%d.example.invalid) " \
		    "[10.2.%d.%d] Warning: HELO verification failed\n", \
		    (i / 60) % 60, i % 60, c, int(c / 250), c % 250
	}
}' >"$tmp/big.log"
lines=$((CLIENTS * LINES_EACH))

start "$tmp/big.log" SMTPTRIAGE_LOAD_RATE=$LOAD_RATE
wait_match "^ loading \[[#.]{20}\] [0-9]+%  [0-9.]+ [KM]iB of [0-9.]+ MiB, [0-9]+ lines, [0-9]+ clients, [0-9.]+ [KM]iB/s"

# Keys work while the load runs: the help opens and closes, m marks.
keys '?'
wait_for "smtptriage help"
keys Escape
wait_match "^ loading \["
keys m
wait_match "^ marked 10\.2\.[0-9]+\.[0-9]+ "
grep -qF "loaded " "$tmp/screen" &&
    fail "the load ended before the keys were tried; raise CLIENTS"

wait_for "loaded $lines lines, $CLIENTS clients, $CLIENTS suspects in " \
    $LOAD_TENTHS
wait_for "$CLIENTS suspects, 0 whitelisted hidden, $CLIENTS clients | sort: score  ? help"
keys j
wait_for "$CLIENTS suspects, 0 tagged, 1 marked, 0 whitelisted, 0 reported  DNS queries: 0 queued or in flight"
quit

# Compare the first $3 rows of the list on the screen with the first
# suspects of the list output $2 (JSON lines): the address and the event
# count.  $1 names the case.
expect_rows() {
	n=1
	while [ $n -le "$3" ]; do
		ip=$(sed -n "${n}p" "$2" | sed 's/^{"ip":"\([^"]*\)".*/\1/')
		events=$(sed -n "${n}p" "$2" | sed 's/.*"events":\([0-9]*\).*/\1/')
		sed -n "$((n + 2))p" "$tmp/screen" |
		    grep -qE "^$ip .* $events 20[0-9-]+ [0-9:]+ +new\$" ||
		    fail "$1: row $n is not $ip with $events events"
		n=$((n + 1))
	done
}

# --- A log with many distinct clients, read at full speed: the list
# refresh must neither freeze the progress bar nor hold keys back until
# the load ends.  Each client has two lines, so that the load lasts long
# enough to see both.
awk -v clients=$MANY_CLIENTS 'BEGIN {
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < clients; i++)
			printf "2026-11-30 1%d:%02d:%02d " \
			    "H=(h%d.example.invalid) [10.%d.%d.%d] " \
			    "Warning: HELO verification failed\n", pass,
			    (i / 60) % 60, i % 60, i, int(i / 65536),
			    int(i / 256) % 256, i % 256
}' >"$tmp/many.log"
start "$tmp/many.log" SMTPTRIAGE_THREADS=2
# Fail when the progress line of the captured screen counts more clients
# than lines: every client counted must have a line counted, also while
# a part is half merged.
check_counts() {
	counts=$(sed -n 's/^ loading .*, \([0-9]*\) lines, \([0-9]*\) clients, .*/\1 \2/p' \
	    "$tmp/screen")
	if [ -n "$counts" ] && [ "${counts% *}" -lt "${counts#* }" ]; then
		fail "the status line counts more clients than lines: $counts"
		return 1
	fi
	return 0
}

# Collect the percentages that the bar shows, until two differ or the
# load ends.
: >"$tmp/percents"
i=0
while [ $i -lt $LOAD_TENTHS ]; do
	capture
	sed -n 's/^ loading \[[#.]*\] \([0-9]*\)%.*/\1/p' "$tmp/screen" \
	    >>"$tmp/percents"
	check_counts || break
	[ "$(sort -u "$tmp/percents" | wc -l)" -ge 2 ] && break
	grep -qF "loaded $((MANY_CLIENTS * 2)) lines" "$tmp/screen" && break
	sleep 0.1
	i=$((i + 1))
done
npercents=$(sort -u "$tmp/percents" | wc -l)
[ "$npercents" -ge 2 ] ||
    fail "the progress bar showed $npercents percentages, expected 2 or more"
keys '?'
wait_for "smtptriage help"
keys Escape
wait_for "DNS queries: "
grep -qE "^ loading \[" "$tmp/screen" ||
    fail "? was answered only after the load of $MANY_CLIENTS clients ended"
i=0
while [ $i -lt $LOAD_TENTHS ]; do
	capture
	check_counts || break
	grep -qF "loaded $((MANY_CLIENTS * 2)) lines" "$tmp/screen" && break
	sleep 0.1
	i=$((i + 1))
done
wait_for "loaded $((MANY_CLIENTS * 2)) lines, $MANY_CLIENTS clients, $MANY_CLIENTS suspects in " \
    $LOAD_TENTHS
# The list refreshed in steps ends as list orders it: two events each, so
# by address.
wait_for " $MANY_CLIENTS suspects, 0 whitelisted hidden, $MANY_CLIENTS clients "
./smtptriage list --format json --config /dev/null --state "$tmp/list.db" \
    --whitelist "$tmp/list.wl" "$tmp/many.log" >"$tmp/many.json" ||
    fail "list of the log with many clients failed"
expect_rows "many clients" "$tmp/many.json" 10
quit

# The same log on the console's own thread, in slices: keys work while
# it loads, and the list ends as list orders it.
start "$tmp/many.log" SMTPTRIAGE_THREADS=1
wait_match "^ loading \[[#.]{20}\] [0-9]+%"
keys '?'
wait_for "smtptriage help"
keys Escape
wait_for "DNS queries: "
grep -qE "^ loading \[" "$tmp/screen" ||
    fail "slices: ? was answered only after the load ended"
wait_for "loaded $((MANY_CLIENTS * 2)) lines, $MANY_CLIENTS clients, $MANY_CLIENTS suspects in " \
    $LOAD_TENTHS
wait_for " $MANY_CLIENTS suspects, 0 whitelisted hidden, $MANY_CLIENTS clients "
expect_rows "slices" "$tmp/many.json" 10
quit

# --- Loading a generated mainlog in parts on two threads.  The merges are
# paced, so rows show while the load runs.  The end must be what list
# prints: the counts, and the first rows with their event counts.
./build/bench_loggen -f exim -s 3M -c 2000 -o "$tmp/gen.log" ||
    fail "bench_loggen could not write the generated log"
gen_lines=$(wc -l <"$tmp/gen.log")
./smtptriage list --format json --config /dev/null --state "$tmp/list.db" \
    --whitelist "$tmp/list.wl" "$tmp/gen.log" >"$tmp/gen.json" ||
    fail "list of the generated log failed"
gen_suspects=$(wc -l <"$tmp/gen.json")

# Compare the console's end with list's output; $1 names the case.
expect_list_rows() {
	wait_for "loaded $gen_lines lines, " $LOAD_TENTHS || return
	wait_match "^ loaded $gen_lines lines, [0-9]+ clients, \
$gen_suspects suspects in "
	wait_match " $gen_suspects suspects, 0 whitelisted hidden, [0-9]+ clients "
	expect_rows "$1" "$tmp/gen.json" 10
}

start "$tmp/gen.log" SMTPTRIAGE_THREADS=2 SMTPTRIAGE_LOAD_RATE=8000
wait_match "^ loading \[[#.]{20}\] [0-9]+%"
wait_match "^10\.[0-9]+\.[0-9]+\.[0-9]+ "
grep -qE "^ loading \[" "$tmp/screen" ||
    fail "parts: no row was shown while the load ran"
expect_list_rows "parts"
quit

# A client whose first line has no reason and whose last line has one.
# The refreshes of the paced load copy its first line as its evidence,
# and the line with a reason must replace that copy, as in list.
{
	echo "2026-11-01 00:00:00 aaaaaa-bbbbbb-cc <= a@example.org \
H=(plain.example) [192.0.2.77]:25 P=esmtp S=100 id=p@example.org"
	cat "$tmp/gen.log"
	echo "2026-12-01 00:00:00 H=(bad.helo.example) [192.0.2.77]:25 \
Warning: HELO verification failed"
} >"$tmp/plain.log"
start "$tmp/plain.log" SMTPTRIAGE_THREADS=2 SMTPTRIAGE_LOAD_RATE=8000
wait_match "^ loading \[[#.]{20}\] [0-9]+%"
wait_for "loaded $((gen_lines + 2)) lines, " $LOAD_TENTHS
keys /
keys '192\.0\.2\.77' Enter
wait_for "Evidence 1 of 1 lines"
grep -qE "^ +$((gen_lines + 2))  2026-12-01 00:00:00 H=\(bad\.helo" \
    "$tmp/screen" ||
    fail "plain first: the evidence is not the line with a reason"
quit

# A client table too small for the log: the parts cannot be merged, and
# the console reads the log again on one thread, as list does.
echo "max_clients = 300" >"$tmp/full.conf"
./smtptriage list --format json --config "$tmp/full.conf" \
    --state "$tmp/list.db" --whitelist "$tmp/list.wl" "$tmp/gen.log" \
    >"$tmp/gen.json" 2>/dev/null
gen_suspects=$(wc -l <"$tmp/gen.json")
[ "$gen_suspects" -gt 0 ] && [ "$gen_suspects" -le 300 ] ||
    fail "list with max_clients 300 printed $gen_suspects suspects"
start "--config $tmp/full.conf $tmp/gen.log" SMTPTRIAGE_THREADS=2 \
    SMTPTRIAGE_LOAD_RATE=8000
expect_list_rows "full table"
quit

# --- Widths, status counters and colours on a small log.
printf '%s\n' \
    '2026-11-30 10:00:01 H=(b\303\274cher.example) [192.0.2.1] Warning: HELO verification failed' \
    '2026-11-30 10:00:02 H=(\344\276\213\343\201\210.example) [192.0.2.2] Warning: HELO verification failed' \
    '2026-11-30 10:00:03 H=(plain.example) [192.0.2.3] Warning: HELO verification failed' \
    '2026-11-30 10:00:04 H=(plain.example) [192.0.2.3] Warning: HELO verification failed' \
    '2026-11-30 10:00:05 H=(\033[31mred) [192.0.2.4] Warning: Sender rate high' |
    while IFS= read -r line; do printf "$line\\n"; done >"$tmp/small.log"

title='IP              HELO           RDNS REASONS                                                                                   COUNT LAST SEEN        STATUS'
row_plain='192.0.2.3       plain.example  -    helo_verify_failed,no_verified_rdns                                                           2 2026-11-30 10:00'
row_idn='192.0.2.1       bücher.example -    helo_verify_failed,no_verified_rdns                                                           1 2026-11-30 10:00'
row_wide='192.0.2.2       例え.example   -    helo_verify_failed,no_verified_rdns                                                           1 2026-11-30 10:00'
row_esc='192.0.2.4       \x1B[31mred    -    no_verified_rdns,warning:Sender rate high                                                     1 2026-11-30 10:00'

# A list row with its status.  The rows above end at the same column,
# counted in display cells, so the status follows after one blank.
row() {
	printf '%s %s' "$1" "$2"
}

start "$tmp/small.log"
wait_for "192.0.2.3"
capture
expect_line 2 "$title"
expect_line 3 "$(row "$row_plain" new)"
expect_line 4 "$(row "$row_idn" new)"
expect_line 5 "$(row "$row_wide" new)"
expect_line 6 "$(row "$row_esc" new)"

keys m
wait_for "$(row "$row_plain" marked)"
wait_for "4 suspects, 0 tagged, 1 marked, 0 whitelisted, 0 reported  DNS queries: 0 queued or in flight"
wait_for "FCrDNS indeterminate"
capture_attrs
grep -qF "${esc}[1m${esc}[33mmarked" "$tmp/screen" ||
    fail "the marked status is not bold yellow"
grep -qF "FCrDNS ${esc}[0m${esc}[33m${esc}[49mindeterminate" "$tmp/screen" ||
    fail "the indeterminate verdict is not yellow"

# The wide HELO is not a valid host name: its check fails, in bold red.
keys j j
wait_for " IP       192.0.2.2  status new"
wait_for "not asked: invalid character in name  fail"
capture_attrs
grep -qF "invalid character in name  ${esc}[1m${esc}[31mfail" "$tmp/screen" ||
    fail "the failed HELO check is not bold red"

# Report 192.0.2.1 to the outbox, addressed so that it counts as
# reported, and whitelist 192.0.2.4, then show the whitelisted clients, so
# each status has a row.
report_and_whitelist() {
	keys k r
	wait_for "y sends"
	keys t
	wait_for "To ("
	keys abuse@example.net Enter
	wait_for "addressed to abuse@example.net"
	keys y
	wait_for "$(row "$row_idn" reported)"
	keys j j w
	wait_for "Whitelist: i IP 192.0.2.4"
	keys i
	wait_for "Comment for 192.0.2.4: "
	keys Enter
	wait_for "whitelisted 192.0.2.4"
	keys W
	wait_for "$(row "$row_esc" whitelisted)"
	capture_attrs
}
report_and_whitelist
grep -qE "${esc}\[35m(${esc}\[[0-9;]*m)*reported" "$tmp/screen" ||
    fail "the reported status is not magenta"
grep -qE "${esc}\[32m(${esc}\[[0-9;]*m)*whitelisted" "$tmp/screen" ||
    fail "the whitelisted status is not green"

quit

# Monochrome and NO_COLOR: attributes only, never a colour.
for mode in mono no_color; do
	if [ $mode = mono ]; then
		start "$tmp/small.log" TERM=xterm-mono
	else
		start "$tmp/small.log" NO_COLOR=1
	fi
	wait_for "192.0.2.3"
	keys m
	wait_for "$(row "$row_plain" marked)"
	wait_for "FCrDNS indeterminate"
	capture_attrs
	grep -qF "${esc}[1mmarked" "$tmp/screen" ||
	    fail "$mode: the marked status is not bold"
	grep -qE "FCrDNS ${esc}\[0;4m(${esc}\[[0-9;]*m)*indeterminate" \
	    "$tmp/screen" ||
	    fail "$mode: the indeterminate verdict is not underlined"
	grep -qE "${esc}\[([0-9;]*;)?(3[0-7]|9[0-7]|38)[;m]" "$tmp/screen" &&
	    fail "$mode: the screen has a foreground colour"
	keys j j
	wait_for " IP       192.0.2.2  status new"
	report_and_whitelist
	grep -qE "${esc}\[([0-9;]*;)?4m(${esc}\[[0-9;]*m)*reported" \
	    "$tmp/screen" || fail "$mode: the reported status is not underlined"
	# xterm-mono has no dim capability, so only NO_COLOR shows it dim.
	if [ $mode = no_color ] && ! grep -qE \
	    "${esc}\[([0-9;]*;)?2m(${esc}\[[0-9;]*m)*whitelisted" \
	    "$tmp/screen"; then
		fail "$mode: the whitelisted status is not dim"
	fi
	grep -qE "${esc}\[([0-9;]*;)?(3[0-7]|9[0-7]|38)[;m]" "$tmp/screen" &&
	    fail "$mode: the screen has a foreground colour"
	quit
done

# --- Tiny terminals and resizing, through SIGWINCH.
start "$tmp/small.log"
wait_for "192.0.2.3"
tmux -S "$sock" resize-window -x 59 -y 24
wait_for "terminal too small: need 60x12, have 59x24"
# Too narrow for one line: the needed size comes first.
tmux -S "$sock" resize-window -x 30 -y 8
wait_for "have 30x8"
capture
expect_line 3 "          need 60x12"
expect_line 4 "          have 30x8"
expect_line 5 "      terminal too small"
tmux -S "$sock" resize-window -x 20 -y 2
wait_for "have 20x2"
capture
expect_line 1 "     need 60x12"
expect_line 2 "     have 20x2"
# At the minimum size the detail pane ends in a count of the lines that
# did not fit, drawn over a blank line.
tmux -S "$sock" resize-window -x 60 -y 12
wait_match "^ … [0-9]+ more lines\$"
# The header drops the counts that do not fit, but keeps the sort order.
capture
sed -n 1p "$tmp/screen" | grep -qE '… sort: score  \? help *$' ||
    fail "the 60-column header does not end with the sort order"
tmux -S "$sock" resize-window -x 80 -y 24
wait_for "192.0.2.3       plain.examp…"
capture
expect_line 2 "IP              HELO         RDNS REASONS                      COUNT STATUS"
expect_line 3 "192.0.2.3       plain.examp… -    helo_verify_failed,no_ver…       2 new"
expect_line 5 "192.0.2.2       例え.example -    helo_verify_failed,no_ver…       1 new"
tmux -S "$sock" resize-window -x 160 -y 45
wait_for "$(row "$row_plain" new)"

# --- The mouse: a click selects a row, the wheel moves three rows.
mouse 0 20 3
wait_for " IP       192.0.2.1  status new"
mouse 65 20 4
wait_for " IP       192.0.2.4  status new"
mouse 64 20 4
wait_for " IP       192.0.2.3  status new"
# A click on the column titles changes nothing.
mouse 0 20 1
sleep 0.2
wait_for " IP       192.0.2.3  status new"
quit

finish
