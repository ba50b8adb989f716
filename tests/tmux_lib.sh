# Shared helpers of the tests that drive the console in tmux
# (tui_test.sh, tui_view_test.sh, follow_test.sh, console_test.sh,
# inject_test.sh and report_test.sh).  Source this POSIX sh file from the
# repository root after setting:
#	test_name	the stage name that starts every message ("tui test")
#	WAIT_TENTHS	maximum wait for the screen, in tenths of a second
# Sourcing only defines functions.  tmux_setup creates the temporary
# folder $tmp and the tmux socket $sock, and sets the cleanup trap.  The
# helpers share the loop counter i with the sourcing script, and set tries
# and got (expect_line).

# Exit 77, which tests/run_all.sh counts as skipped, with a message when
# one of the named tools is missing.
require_tools() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "$test_name skipped: $tool is not installed"
			exit 77
		fi
	done
}

# Exit 1 when the program $1 has not been built.
require_program() {
	if [ ! -x "$1" ]; then
		echo "$test_name: $1 is missing; run make first" >&2
		exit 1
	fi
}

# Kill our tmux server and silent DNS socket, and remove $tmp.
tmux_cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null
	[ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null
	rm -rf "$tmp"
}

# Create $tmp (named after $1), the socket path $sock and a tmux config
# without a status bar, so that a pane is the whole window.
tmux_setup() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	sock=$tmp/tmux.sock
	silent_pid=""
	failures=0
	trap tmux_cleanup EXIT
	trap 'exit 1' INT TERM HUP
	echo "set-option -g status off" >"$tmp/tmux.conf"
}

# Count a failed check, and print its message and the last screen.
fail() {
	echo "$test_name FAILED: $*" >&2
	echo "--- screen:" >&2
	cat "$tmp/screen" >&2 2>/dev/null
	echo "---" >&2
	failures=$((failures + 1))
}

# Print the summary line and exit 1 when a check failed, else 0.
finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$test_name: $failures check(s) failed" >&2
		exit 1
	fi
	echo "$test_name passed"
	exit 0
}

# Start a UDP socket on 127.0.0.1 that receives queries and never
# replies, and set $port to its port.  Perl prints the port, then sleeps
# until the cleanup kills it.
start_silent_dns() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Proto => "udp",
		    LocalAddr => "127.0.0.1", LocalPort => 0)
		    or die "socket: $!\n";
		$| = 1;
		print $s->sockport, "\n";
		sleep 600;' >"$tmp/port" &
	silent_pid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt "$WAIT_TENTHS" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cat "$tmp/port")
	if [ -z "$port" ]; then
		echo "$test_name: the silent DNS socket did not start" >&2
		exit 1
	fi
}

# Run the shell command $1 in a detached 160x45 pane.  It removes
# $tmp/exit first, so that the file shows when this run has ended.
# The server of the previous run exits after its last pane closes.  A new
# session that reaches it in that moment fails with "server exited
# unexpectedly", so the start is tried up to five times.
tmux_start() {
	rm -f "$tmp/exit"
	tries=1
	until tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d \
	    -x 160 -y 45 "$1"; do
		if [ $tries -ge 5 ]; then
			echo "$test_name: tmux could not start" >&2
			exit 1
		fi
		tries=$((tries + 1))
		sleep 0.2
	done
}

capture() {
	tmux -S "$sock" capture-pane -p >"$tmp/screen" 2>/dev/null
}

# Capture the screen until "grep -q $1 -- $2" finds a line, for at most
# $3 tenths of a second (default WAIT_TENTHS).  Returns 1 on a timeout.
screen_wait() {
	i=0
	while [ $i -lt "${3:-$WAIT_TENTHS}" ]; do
		capture
		grep -q "$1" -- "$2" "$tmp/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Wait until the screen contains the fixed string $1, for at most $2
# tenths of a second (default WAIT_TENTHS).
wait_for() {
	screen_wait -F "$1" "${2:-}" && return 0
	fail "waited for \"$1\""
	return 1
}

# Wait until the screen no longer contains the fixed string $1.
wait_gone() {
	i=0
	while [ $i -lt "$WAIT_TENTHS" ]; do
		capture
		grep -qF -- "$1" "$tmp/screen" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "\"$1\" stayed on the screen"
	return 1
}

# Wait until the screen matches the extended regular expression $1.
wait_match() {
	screen_wait -E "$1" && return 0
	fail "waited for a match of /$1/"
	return 1
}

# Compare screen line $1 (1 = top), trailing blanks removed, with $2.
# A capture on a busy machine can catch a half-drawn screen, so a line
# that differs is captured again every 0.1 s for up to a second.
expect_line() {
	tries=0
	while :; do
		got=$(sed -n "${1}p" "$tmp/screen" | sed 's/ *$//')
		if [ "$got" = "$2" ] || [ "$tries" -ge 10 ]; then
			break
		fi
		sleep 0.1
		capture
		tries=$((tries + 1))
	done
	if [ "$got" != "$2" ]; then
		fail "line $1 is
  \"$got\"
expected
  \"$2\""
	fi
}

# Print a list row at 160 columns: the row $1 padded to column 150,
# where the status $2 starts.
status_row() {
	printf '%-149s%s' "$1" "$2"
}

# Wait for the program in the pane to exit, and fail unless its status
# is 0.  $1, if given, ends the message ("after q").
wait_exit() {
	i=0
	while [ ! -s "$tmp/exit" ] && [ $i -lt "$WAIT_TENTHS" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$tmp/exit" ]; then
		fail "smtptriage did not exit${1:+ $1}"
	elif [ "$(cat "$tmp/exit")" != 0 ]; then
		fail "smtptriage exited with status $(cat "$tmp/exit")"
	fi
}

keys() {
	tmux -S "$sock" send-keys "$@"
}
