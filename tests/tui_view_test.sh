#!/bin/sh
# Drive the console in tmux on tests/fixtures/tui-mainlog to check finding,
# ordering and acting on suspects.  The stage covers sort orders and
# reverse, the filter, search and quick filters, and what w offers and
# writes.  It also covers undo with the state kept over a restart, the
# whitelist screen, confirmation prompts before bulk actions with
# "confirm" on and off, and keys rebound in the config file.
# The resolver is a UDP socket on 127.0.0.1 that never replies.
#
# Exits 0 when every check passes, 1 with a message naming the failed
# check, or 0 with a "skipped" message when tmux, perl or sqlite3 is
# missing.
set -u
cd "$(dirname "$0")/.."

# Maximum wait for the screen to show something, in tenths of a second.
WAIT_TENTHS=50

test_name="tui view test"
. tests/tmux_lib.sh
require_tools tmux perl sqlite3
require_program ./smtptriage
tmux_setup tui_view_test
start_silent_dns

cat >"$tmp/config" <<EOF
from = triage@example.org
provider "Test Net" = 198.51.100.0/24, 2001:db8:ffff::/48
EOF
cat >"$tmp/config-keys" <<EOF
from = triage@example.org
confirm = no
key sort = o
key quit = Q
EOF

log=tests/fixtures/tui-mainlog

# Start the console with config file $1 in a detached 160x45 pane.
start() {
	tmux_start "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color ./smtptriage \
	    --config $1 --state $tmp/state.db --whitelist $tmp/whitelist \
	    --outbox $tmp/outbox --resolver 127.0.0.1:$port \
	    --dns-timeout 1000 --dns-tries 1 $log; echo \$? >$tmp/exit"
}

# Wait until the IPs of the list rows (lines 3 to 7), joined by blanks,
# are $1.  A tagged row starts with "* ".
wait_rows() {
	i=0
	while [ $i -lt $WAIT_TENTHS ]; do
		capture
		got=$(sed -n '3,7p' "$tmp/screen" | sed 's/^\* //' | awk '
		    $1 ~ /^[0-9a-f.:]+$/ { printf "%s%s", sep, $1; sep = " " }')
		[ "$got" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "the rows are \"$got\", expected \"$1\""
	return 1
}

# Wait until file $1 contains exactly $2 (a printf format).
wait_file() {
	expect=$(printf "$2")
	i=0
	while [ $i -lt $WAIT_TENTHS ]; do
		[ "$(cat "$1" 2>/dev/null)" = "$expect" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1 holds
$(cat "$1" 2>/dev/null)
expected
$expect"
	return 1
}

a=192.0.2.10 b=198.51.100.20 c=203.0.113.30 d=192.0.2.50 e=2001:db8::40
today=$(date -u +%Y-%m-%d)

# --- First run: order, find, whitelist and undo.
start "$tmp/config"
wait_rows "$a $b $c $d $e" || exit 1
wait_for "| sort: score  ? help"

# Count ties (b and c, d and e) keep the score order.  Reversed, the list
# is the exact reverse.
keys s
wait_for "| sort: count  ? help"
wait_rows "$a $b $c $d $e"
keys S
wait_for "| sort: count, reversed  ? help"
wait_rows "$e $d $c $b $a"
keys S s
wait_for "| sort: last seen  ? help"
wait_rows "$a $b $e $d $c"
keys s
wait_for "| sort: IP  ? help"
wait_rows "$a $d $b $c $e"
keys s
wait_for "| sort: provider  ? help"
wait_rows "$a $b $e $c $d"
keys s
wait_for "| sort: score  ? help"

# The filter, an invalid pattern that keeps it, search, Esc.
keys / 'example\.net'
# The prompt and the header show a typed backslash once.
wait_for "Filter (PCRE2, empty: none): example\\.net"
keys Enter
wait_rows "$b"
wait_for "| sort: score | filter: /example\\.net/  ? help"
keys / C-u '(' Enter
wait_for "invalid pattern \"(\": offset 1: "
wait_for "; the filter is unchanged"
wait_rows "$b"
keys / C-u example Enter
wait_rows "$a $b $e"
keys Escape
wait_for "filters cleared; n and N still search"
wait_rows "$a $b $c $d $e"
keys Home n
wait_for " IP       $b  status new"
keys n
wait_for " IP       $e  status new"
keys n
wait_for " IP       $a  status new"
wait_for "search wrapped around"
keys N
wait_for " IP       $e  status new"

# Quick filters: a reason kind, then a status.
keys f
wait_for "Quick filter: n new, m marked, w whitelisted, r reported, h HELO, p PTR, d DNSBL, s SMTP, o other, a all; Esc cancels"
keys o
wait_rows "$e"
wait_for "| sort: score | only other reasons  ? help"
keys f a
wait_rows "$a $b $c $d $e"
keys Home j m f m
wait_rows "$b"
wait_for "| only marked  ? help"
keys Escape
wait_rows "$a $b $c $d $e"

# w on b offers its IP, /24 and the ranges of its configured provider.
keys Home j w
wait_for "Whitelist: i IP $b, n 198.51.100.0/24, p Test Net (2 ranges); Esc cancels"
keys p
wait_for "Comment for the 2 ranges of Test Net: added by smtptriage $today"
keys C-u 'test net' Enter
wait_rows "$a $c $d $e"
wait_file "$tmp/whitelist" '198.51.100.0/24 # test net\n2001:db8:ffff::/48 # test net'

# u undoes the whitelisting, then the mark.
keys u
wait_for "undone: the 2 ranges of Test Net; 1 more step to undo"
wait_rows "$a $b $c $d $e"
wait_file "$tmp/whitelist" ''
keys u
wait_for "undone: mark $b; 0 more steps to undo"
[ "$(sqlite3 "$tmp/state.db" 'SELECT count(*) FROM marks')" = 0 ] ||
    fail "the undone mark is still in the state database"

# Mark b again, whitelist a's /24 (a and d), whitelist c and undo that.
keys Home j m Home w n
wait_for "whitelist 192.0.2.0/24 (2 suspects)? y/n"
keys y Enter
wait_rows "$b $c $e"
wait_file "$tmp/whitelist" "192.0.2.0/24 # added by smtptriage $today"
keys j w i C-u keep Enter
wait_rows "$b $e"
keys u
wait_rows "$b $c $e"
wait_file "$tmp/whitelist" "192.0.2.0/24 # added by smtptriage $today"
keys q
wait_exit

# --- Second run: the state after undo is kept.
[ "$(sqlite3 "$tmp/state.db" 'SELECT ip FROM marks')" = "$b" ] ||
    fail "the state database does not hold exactly the mark of $b"
start "$tmp/config"
wait_rows "$b $c $e" || exit 1
capture
grep -q "^$b .* marked\$" "$tmp/screen" || fail "$b is not marked"
grep -q "^$c .* new\$" "$tmp/screen" || fail "$c is not new"

# A ; action on two suspects prompts for confirmation first.
keys Home t t
keys -l ';m'
wait_for "mark or unmark 2 tagged suspects? y/n"
keys n
wait_for "cancelled"
[ "$(sqlite3 "$tmp/state.db" 'SELECT count(*) FROM marks')" = 1 ] ||
    fail "n on the question changed the marks"

# The whitelist screen: add an entry with a comment, remove another.
keys L
wait_for "Whitelist $tmp/whitelist: 1 entry; a adds, d removes, u undoes, q returns"
wait_for " 192.0.2.0/24  added by smtptriage $today"
keys a '203.0.113.0/33' Enter
wait_for "invalid prefix length \"/33\" in \"203.0.113.0/33\""
keys a '203.0.113.0/24' Enter
wait_for "Comment for 203.0.113.0/24: added by smtptriage"
keys C-u lab Enter
wait_file "$tmp/whitelist" "192.0.2.0/24 # added by smtptriage $today\n203.0.113.0/24 # lab"
keys d
wait_for "remove whitelist entry 192.0.2.0/24? y/n"
keys y
wait_for "removed whitelist entry 192.0.2.0/24; u undoes it"
wait_file "$tmp/whitelist" '203.0.113.0/24 # lab'
# u on the whitelist screen undoes the removal, and d removes it again.
keys u
wait_for "undone: remove whitelist entry 192.0.2.0/24; 1 more step to undo"
wait_file "$tmp/whitelist" "203.0.113.0/24 # lab\n192.0.2.0/24 # added by smtptriage $today"
wait_for " 192.0.2.0/24    added by smtptriage $today"
keys End d
wait_for "remove whitelist entry 192.0.2.0/24? y/n"
keys y
wait_file "$tmp/whitelist" '203.0.113.0/24 # lab'
keys q
wait_rows "$a $b $d $e"
keys q
wait_exit

# --- Third run: confirm = no, and keys rebound in the config file.
start "$tmp/config-keys"
wait_rows "$a $b $d $e" || exit 1
keys o
wait_for "| sort: count  ? help"
keys s
wait_for "key s does nothing here; ? lists the keys"
keys '?'
wait_for "  o               sort by the next order: score, count, last seen, IP, provider [sort]"
wait_for "  Q               quit [quit]"
keys Escape
keys End k t t
keys -l ';m'
wait_for "marked 2 tagged suspects"
keys q
wait_for "key q does nothing here; ? lists the keys"
keys Q
wait_exit

# A key line naming no action stops the program before the console.
printf 'key sortt = o\n' >"$tmp/config-bad"
if ./smtptriage --config "$tmp/config-bad" --state "$tmp/state.db" \
    --whitelist "$tmp/whitelist" $log </dev/null >/dev/null 2>"$tmp/err"; then
	fail "an unknown action in a key line was accepted"
fi
grep -qF "$tmp/config-bad:1: unknown action \"sortt\" in a key line; smtptriage.conf(5) lists the actions" "$tmp/err" ||
    fail "no error for the unknown action: $(cat "$tmp/err")"

finish
