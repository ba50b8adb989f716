#!/bin/sh
# Hostile text in logs and in DNS answers must never reach a terminal, a
# mail header or a shell.  The test writes an Exim log whose HELO names
# and sender addresses contain terminal escape sequences: CSI, OSC title
# changes, screen's window-name sequence, and C1 controls as UTF-8 and as
# raw bytes.  They also contain raw and Exim-escaped CR/LF, NUL, invalid
# UTF-8 and bidirectional overrides.  NSD on 127.0.0.1 serves PTR names
# with the same bytes.  Then the test checks that:
#  - "list --dns --format json|csv|table" contains no raw control byte or
#    bidirectional override, and every record is one line;
#  - the console in tmux shows the names escaped, and the pane title, the
#    window name and the screen layout stay as they were;
#  - reports about every suspect, composed with "r" and "y" and piped to
#    a fake sendmail, hold no raw control byte, only the expected headers
#    and the configured recipient, and the fake sendmail gets "-oi -t";
#  - under strace, the console runs no program but the fake sendmail.
#
# Exits 0 when every check passes, 1 otherwise; skips with exit status 77
# and a message when tmux, nsd, jq, perl or setsid is missing.
set -u
cd "$(dirname "$0")/.."

bin=./smtptriage
# Maximum wait for the screen, in tenths of a second.
WAIT_TENTHS=80

# printf, not echo: dash's echo would turn a "\027" in a message into ESC.
say() {
	printf 'inject_test: %s\n' "$*"
}

# Load the screen helpers (capture, wait_for, keys, wait_exit) and the
# NSD helpers.  The fail function below replaces the one in tmux_lib.sh.
test_name=inject_test
. tests/tmux_lib.sh
. tests/nsd_lib.sh

for tool in tmux nsd jq perl setsid; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "skipped: $tool is not installed"
		exit 77
	fi
done
if [ ! -x "$bin" ]; then
	say "FAIL: $bin is missing; run make first"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/inject_test.XXXXXX") || exit 1
sock=$tmp/tmux.sock
nsd_pid=""
failures=0

cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null
	[ -n "$nsd_pid" ] && nsd_stop "$nsd_pid"
	[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	say "FAIL: $*"
	failures=$((failures + 1))
}

# --- The hostile log.  printf turns \ooo into bytes and \\ into one
# backslash, so "lf\\nBcc" is logged as the text lf\nBcc, the way Exim
# writes a newline that a client sent.
T='2026-11-30 10:00:0'
{
	printf '%s1 H=(\033]0;pwned\007) [192.0.2.10] Warning: HELO verification failed\n' "$T"
	printf '%s2 H=(\033]2;pwned2\033\\) [192.0.2.11] Warning: HELO verification failed\n' "$T"
	printf '%s3 H=(\033[2J\033[H\033[31mred) [192.0.2.12] Warning: HELO verification failed\n' "$T"
	printf '%s4 H=(\302\2332J\302\2350;c1title\302\234) [192.0.2.13] Warning: HELO verification failed\n' "$T"
	printf '%s5 H=(\033kwinname\033\\) [192.0.2.14] Warning: HELO verification failed\n' "$T"
	printf '%s6 H=(cr\rBcc: victim1@example.com) [192.0.2.15] Warning: HELO verification failed\n' "$T"
	printf '%s7 H=(lf\\nBcc: victim2@example.com) [192.0.2.16] Warning: HELO verification failed\n' "$T"
	printf '%s8 H=(mail.example) [192.0.2.17] F=<\033]0;sender\007a\rBcc: victim3@example.com@evil.example> rejected RCPT <x@example.org>: relay not permitted\n' "$T"
	printf '%s9 H=(\342\200\256moc.elpmaxe) [192.0.2.19] Warning: HELO verification failed\n' "$T"
	# Bad lines: raw C1 bytes, an overlong form, a NUL byte.
	printf '%s9 H=(\2332J\2350;rawc1\234) [192.0.2.20] Warning: HELO verification failed\n' "$T"
	printf '%s9 H=(\300\257etc) [192.0.2.21] Warning: HELO verification failed\n' "$T"
	printf '%s9 H=(nul\000byte) [192.0.2.22] Warning: HELO verification failed\n' "$T"
} >"$tmp/mainlog"

# --- NSD with hostile PTR names.  In a zone file \DDD is the octet DDD.
cat >"$tmp/2.0.192.in-addr.arpa.zone" <<'EOF'
$TTL 300
@	IN SOA	ns.example. hostmaster.example. 1 3600 600 86400 300
@	IN NS	ns.example.
10	IN PTR	\027]0\;ptrpwned\007.example.
11	IN PTR	\027]2\;ptr2\027\\.example.
12	IN PTR	\027[2J\027[H\027[31m.example.
13	IN PTR	\194\1552J\194\1570\;c1\194\156.example.
14	IN PTR	\027kwinptr\027\\.example.
15	IN PTR	line\013\010Bcc:\032victim4@example.com.example.
16	IN PTR	nul\000byte.example.
17	IN PTR	\255\254\192\175.example.
19	IN PTR	\226\128\174lpmaxe.example.
EOF
cat >"$tmp/nsd.conf.in" <<'EOF'
server:
	ip-address: 127.0.0.1
	port: @PORT@
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "@DIR@"
	zonelistfile: "@DIR@/zone.list"
	database: ""
	pidfile: "@DIR@/nsd.pid"
	logfile: "@DIR@/nsd.log"
	xfrdfile: "@DIR@/xfrd.state"
	xfrdir: "@DIR@"
	server-count: 1
	verbosity: 1
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "2.0.192.in-addr.arpa"
	zonefile: "2.0.192.in-addr.arpa.zone"
EOF

start_nsd() {
	attempt=0
	while [ "$attempt" -lt 5 ]; do
		attempt=$((attempt + 1))
		port=$(random_port)
		sed -e "s|@DIR@|$tmp|g" -e "s|@PORT@|$port|g" \
		    "$tmp/nsd.conf.in" >"$tmp/nsd.conf"
		if nsd_try_start 50 setsid; then
			nsd_pid=$(cat "$tmp/nsd.pid")
			return 0
		fi
	done
	say "FAIL: NSD did not start:"
	cat "$tmp/nsd.log" "$tmp/nsd.out" 2>/dev/null
	return 1
}
start_nsd || exit 1

# The fake sendmail: Perl, so that it starts no other program.  It keeps
# its arguments (one per line) and its input, numbered per call.
cat >"$tmp/fake-sendmail" <<EOF
#!/usr/bin/perl
my \$dir = "$tmp/sent";
mkdir \$dir;
my \$n = 0;
\$n++ while -e "\$dir/argv.\$n";
open(my \$a, ">", "\$dir/argv.\$n") or die;
print \$a "\$_\n" for @ARGV;
close(\$a);
open(my \$m, ">", "\$dir/msg.\$n") or die;
binmode(STDIN);
print \$m \$_ while <STDIN>;
close(\$m);
exit 0;
EOF
chmod 755 "$tmp/fake-sendmail"
cat >"$tmp/config" <<EOF
from = triage@example.org
report_to = abuse@example.net
sendmail = $tmp/fake-sendmail -oi -t
EOF
chmod 600 "$tmp/config"

opts="--config $tmp/config --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox --resolver 127.0.0.1:$port --dns-timeout 500"

# Print the offsets of forbidden bytes in a file: C0 controls but LF, DEL,
# C1 controls as raw bytes or as UTF-8, and invalid UTF-8.  With -b, also
# the bidirectional overrides and isolates.
forbidden() {
	perl -e '
		my $bidi = $ARGV[0] eq "-b" ? shift : "";
		local $/;
		open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!\n";
		binmode($f);
		my $s = <$f>;
		while ($s =~ /([\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f])/g) {
			printf "byte 0x%s at %d\n", unpack("H*", $1), pos($s) - 1;
		}
		printf "bidirectional control at %d\n", pos($s) - 3
		    while $bidi && $s =~ /\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]/g;
		utf8::decode($s) or print "invalid UTF-8\n";
	' -- "$@"
}

# --- 1. list in every format.
for format in json csv table; do
	# shellcheck disable=SC2086
	"$bin" list --dns --format "$format" $opts "$tmp/mainlog" \
	    >"$tmp/list.$format" 2>"$tmp/list.err"
	rc=$?
	# The bad lines make the exit status 0 still: they are skipped.
	if [ "$rc" -ne 0 ]; then
		fail "list --format $format exited with $rc:"
		cat "$tmp/list.err"
		continue
	fi
	problems=$(forbidden -b "$tmp/list.$format")
	[ -z "$problems" ] || fail "list --format $format: $problems"
	problems=$(forbidden -b "$tmp/list.err")
	[ -z "$problems" ] || fail "list messages on stderr: $problems"
done
lines=$(wc -l <"$tmp/list.json")
[ "$lines" -eq 9 ] || fail "list --format json printed $lines lines, not 9"
jq -e . "$tmp/list.json" >/dev/null 2>&1 ||
    fail "list --format json is not valid JSON lines"
[ "$(wc -l <"$tmp/list.csv")" -eq 10 ] ||
    fail "list --format csv printed $(wc -l <"$tmp/list.csv") lines, not 10"
[ "$(wc -l <"$tmp/list.table")" -eq 10 ] ||
    fail "list --format table printed $(wc -l <"$tmp/list.table") lines, not 10"
ptr=$(jq -r 'select(.ip == "192.0.2.10") | .dns.ptr.names[0]' \
    "$tmp/list.json")
[ "$ptr" = '\027]0;ptrpwned\007.example' ] ||
    fail "the PTR name of 192.0.2.10 is \"$ptr\", not its escaped form"
bad=$(grep -c 'bad line skipped' "$tmp/list.err")
[ "$bad" -eq 3 ] || fail "$bad bad lines reported, not 3"
say "list --format json, csv and table hold no raw control byte"

# --- 2. The console, and 3. reports through the fake sendmail.
cat >"$tmp/tmux.conf" <<'EOF'
set-option -g status off
set-option -g allow-rename on
set-option -g set-titles off
EOF
rm -f "$tmp/state.db" "$tmp/whitelist"
strace=""
if command -v strace >/dev/null 2>&1; then
	# LeakSanitizer cannot run under ptrace.
	strace="env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -s 512 \
-e trace=execve -o $tmp/strace.out"
else
	say "strace is missing: the check for started programs is skipped"
fi
# The pane title is set before the console starts, so that any change
# it makes shows.
tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x 160 -y 45 \
    -n fixedname "printf '\\033]2;fixedtitle\\033\\\\'; \
env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color $strace \
$bin $opts $tmp/mainlog; echo \$? >$tmp/exit" || {
	say "FAIL: tmux could not start"
	exit 1
}

check_titles() {
	title=$(tmux -S "$sock" display-message -p '#{pane_title}')
	name=$(tmux -S "$sock" display-message -p '#{window_name}')
	[ "$title" = fixedtitle ] || fail "$1: the pane title is \"$title\""
	[ "$name" = fixedname ] || fail "$1: the window name is \"$name\""
}

console_failures=$failures
wait_for "192.0.2.10" || exit 1
wait_for "3 bad lines skipped"
capture
head=$(sed -n 2p "$tmp/screen")
case $head in
IP*HELO*) ;;
*) fail "the list header is not on line 2: \"$head\"" ;;
esac
# Each hostile HELO shows as visible escapes on its own row.
for escaped in '\x1B]0;pwned\x07' '\x1B[2J\x1B[H\x1B[31mred' \
    '\x9B2J\x9D0;c1title\x9C' 'cr\rBcc: victim1@example.com' '\\nBcc: victim2' \
    '\u202Emoc.elpmaxe'; do
	grep -qF -- "$escaped" "$tmp/screen" ||
	    fail "the screen does not show $escaped"
done
check_titles "after drawing the list"
# The first row is 192.0.2.10; its detail shows the PTR name, escaped.
wait_for '\\027]0;ptrpwned\\007.example'

# Visit every row, letting DNS answer, and report each suspect.
row=0
while [ "$row" -lt 9 ]; do
	sleep 0.3
	keys r
	wait_for "Report about" || break
	keys y
	wait_for "sent" || break
	check_titles "after the report on row $((row + 1))"
	capture
	problems=$(forbidden "$tmp/screen")
	[ -z "$problems" ] || fail "row $((row + 1)) screen: $problems"
	keys j
	row=$((row + 1))
done
keys q
wait_exit "after q"
[ "$failures" -eq "$console_failures" ] &&
    say "the console shows every name escaped; pane title, window name" \
    "and layout unchanged"

# --- 3. The reports.
sent=$(ls "$tmp/sent" 2>/dev/null | grep -c '^msg\.')
[ "$sent" -eq 9 ] || fail "the fake sendmail got $sent reports, not 9"
for m in "$tmp"/sent/msg.*; do
	[ -f "$m" ] || continue
	n=${m##*.}
	args=$(tr '\n' ' ' <"$tmp/sent/argv.$n")
	[ "$args" = "-oi -t " ] || fail "sendmail call $n got arguments: $args"
	problems=$(forbidden -b "$m")
	[ -z "$problems" ] || fail "report $n: $problems"
	# The header: the lines up to the first empty one.
	sed '/^$/q' "$m" >"$tmp/header"
	unknown=$(grep -vE '^(From|To|Subject|Date|Message-ID|MIME-Version|Content-Type|Content-Transfer-Encoding|Content-Disposition|X-[A-Za-z-]+): |^[ \t]+[^ \t]|^$' \
	    "$tmp/header")
	[ -z "$unknown" ] || fail "report $n has unexpected header lines: $unknown"
	to=$(grep -ciE '^(To|Cc|Bcc|Resent-[A-Za-z]+):' "$tmp/header")
	[ "$to" -eq 1 ] || fail "report $n has $to recipient headers"
	grep -qx 'To: abuse@example.net' "$tmp/header" ||
	    fail "report $n is not addressed to abuse@example.net"
	grep -qi 'victim' "$tmp/header" &&
	    fail "report $n has a victim address in its header"
done
say "9 reports: only the expected headers and recipient, no raw control byte"

# --- 4. Programs started.
if [ -n "$strace" ]; then
	# One line per execve: the program itself, then the fake sendmail.
	others=$(grep 'execve(' "$tmp/strace.out" |
	    grep -v "execve(\"$tmp/fake-sendmail\"" |
	    grep -v 'execve("[^"]*smtptriage"' || true)
	[ -z "$others" ] || fail "the console started other programs: $others"
	calls=$(grep -c "execve(\"$tmp/fake-sendmail\", \[\"$tmp/fake-sendmail\", \"-oi\", \"-t\"\]" \
	    "$tmp/strace.out")
	[ "$calls" -eq 9 ] ||
	    fail "$calls execve calls of the fake sendmail, not 9"
	say "the console ran only itself and the fake sendmail, never a shell"
fi

if [ "$failures" -ne 0 ]; then
	say "$failures check(s) failed"
	exit 1
fi
say "all checks passed"
exit 0
