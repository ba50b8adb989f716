#!/bin/sh
# Crashes, concurrent writers and broken file systems.
#
#  1. SIGKILL at random points while the whitelist, the marks, the outbox
#     and the report history are written (build/crash_harness torture):
#     afterwards every file parses, the database passes
#     PRAGMA integrity_check, and each contains exactly the operations that
#     completed.  After a kill and one start, every history row has its
#     outbox file and every outbox file its row.  CRASH_ROUNDS sets the
#     number of kills (default 300).
#     A kill may leave a temporary whitelist file but never one in the
#     outbox.  The next start removes those older than 60 s, and only
#     those of its own naming in its own folders.  A run of "list" on
#     planted files checks that too.
#  2. Two writers and a reader on the same state at once: no lost update,
#     and every load in between succeeds.  CRASH_WRITES sets the number of
#     entries per writer (default 100).
#  3. File modes: state, whitelist and outbox files 0600, new folders 0700.
#  4. A config or whitelist file that other users can write is refused.
#  5. Unreadable log, whitelist and state files (run as nobody): a message
#     naming the file, exit status 2, and no file changed.
#  6. A full disk (a 512 KiB tmpfs; needs root): writes fail with a clear
#     message and the whitelist and database keep their contents.  The
#     database's messages are checked word for word: SQLite's text, and
#     errno's text after an I/O error.
#  7. A DNS server that answers garbage: "list --dns" still prints every
#     suspect, with ERROR or TIMEOUT results.
#  8. A vanished log during --follow and a truncated .gz file, when the
#     program supports them.
#  2b. Two "report --send" runs at once send each report once.
#  2c. Two consoles and a cron report run at once: one report sent, a
#      message naming the process each console waits for, no lost mark.
#
# Exits 0 when every check passed or was skipped with a message, 1 if one
# failed.
set -u
cd "$(dirname "$0")/.."

bin=./smtptriage
harness=./build/crash_harness
log=tests/fixtures/tui-mainlog
rounds=${CRASH_ROUNDS:-300}
writes=${CRASH_WRITES:-100}
# Maximum wait for a background program, in tenths of a second.
WAIT_TENTHS=100

tmp=""
mounted=""
responder_pid=""
sock=""
failures=0

say() {
	echo "crash_test: $*"
}

fail() {
	say "FAIL: $*"
	failures=$((failures + 1))
}

# Print a result line only when no check failed since the last mark.
mark=0
section() {
	mark=$failures
}
passed() {
	[ "$failures" -eq "$mark" ] && say "$*"
}

cleanup() {
	[ -n "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
	[ -n "$responder_pid" ] && kill "$responder_pid" 2>/dev/null
	[ -n "$mounted" ] && umount "$mounted" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

for f in "$bin" "$harness"; do
	if [ ! -x "$f" ]; then
		say "FAIL: $f is missing; run \"make check\""
		exit 1
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crash_test.XXXXXX") || exit 1

# list FILE... with private state in $tmp/run; output in $tmp/out, $tmp/err.
list() {
	"$bin" list --format json --config /dev/null --state "$tmp/run/state.db" \
	    --whitelist "$tmp/run/whitelist" --outbox "$tmp/run/outbox" "$@" \
	    >"$tmp/out" 2>"$tmp/err"
}

# mode FILE: its permission bits in octal.
mode() {
	stat -c %a "$1"
}

# --- 1. Kills at random points.
say "killing a writer $rounds times"
if "$harness" torture "$tmp/torture" "$rounds" 20000 >"$tmp/torture.out" \
    2>&1; then
	say "$(sed 's/^crash_harness: //' "$tmp/torture.out")"
else
	fail "state after a kill:"
	cat "$tmp/torture.out"
fi

# --- 1b. A start removes the temporary files that kills left: ours, older
# than TMPFILE_STALE_S (60 s), and only in the state and outbox folders.
section
mkdir -p "$tmp/run/outbox"
old=$(date -d '-2 minutes' '+%Y%m%d%H%M.%S')
for f in run/.whitelist.AbC123 run/outbox/.20261204T100000Z-192.0.2.1-00ff.eml.Xy7Zq2 \
    run/.whitelist.Young1 run/.whitelist.toolong12 run/.other.AbC123 \
    run/outbox/.notes.txt.Xy7Zq2 .whitelist.Elsew1; do
	: >"$tmp/$f"
	case $f in
	*Young1) ;;
	*) touch -t "$old" "$tmp/$f" ;;
	esac
done
list "$log" || fail "list with stale temporary files exited with $?"
left=$({ ls -A "$tmp/run"; ls -A "$tmp/run/outbox"; ls -A "$tmp"; } |
    grep '^\.' | sort | tr '\n' ' ')
[ "$left" = ".notes.txt.Xy7Zq2 .other.AbC123 .whitelist.Elsew1 .whitelist.Young1 .whitelist.toolong12 " ] ||
    fail "temporary files after a start: \"$left\""
passed "a start removes stale temporary files of its own and keeps others"

# --- 2. Two writers and a reader at once.
# All three start on a folder without state, so they also race to create
# the database.
mkdir -p "$tmp/shared"
"$harness" reader "$tmp/shared" "$tmp/stop" >"$tmp/reader.out" 2>&1 &
reader=$!
"$harness" writer "$tmp/shared" 1 "$writes" >"$tmp/w1.out" 2>&1 &
w1=$!
"$harness" writer "$tmp/shared" 2 "$writes" >"$tmp/w2.out" 2>&1 &
w2=$!
wait "$w1" || { fail "writer 1:"; cat "$tmp/w1.out"; }
wait "$w2" || { fail "writer 2:"; cat "$tmp/w2.out"; }
touch "$tmp/stop"
wait "$reader" || { fail "reader:"; cat "$tmp/reader.out"; }
if "$harness" verify "$tmp/shared" 1 2 "$writes" >"$tmp/verify.out" 2>&1
then
	say "two writers of $writes entries each and a reader: no lost" \
	    "update; $(sed 's/^crash_harness: //' "$tmp/reader.out")"
else
	fail "after two writers:"
	cat "$tmp/verify.out"
fi

# --- 2b. Two "report --send" runs at once must not send the same report
# twice.  The second waits for the send lock, prints that it waits, and
# then finds the first one's history row.
section
mkdir -p "$tmp/rep"
# Slow enough that the two runs overlap.
cat >"$tmp/rep/fake-sendmail" <<EOF
#!/usr/bin/perl
select(undef, undef, undef, 1);
open(my \$m, ">", "$tmp/rep/msg.\$\$") or die;
print \$m \$_ while <STDIN>;
exit 0;
EOF
chmod 755 "$tmp/rep/fake-sendmail"
for run in 1 2; do
	"$bin" report --all-suspects --send --no-dns \
	    --to abuse@example.net --from triage@example.org \
	    --sendmail "$tmp/rep/fake-sendmail" --config /dev/null \
	    --state "$tmp/rep/state.db" --whitelist "$tmp/rep/whitelist" \
	    --outbox "$tmp/rep/outbox" "$log" >"$tmp/rep/out.$run" 2>&1 &
done
wait
sent=$(ls "$tmp/rep" | grep -c '^msg\.')
[ "$sent" -eq 1 ] ||
    fail "two report runs at once sent $sent messages, not 1"
grep -q 'waiting for another smtptriage to finish sending (pid [0-9]*)' \
    "$tmp/rep/out.1" "$tmp/rep/out.2" ||
    fail "no run said that it waited for the other:" \
    "$(cat "$tmp/rep/out.1" "$tmp/rep/out.2")"
grep -q '1 message sent, 0 failed' "$tmp/rep/out.1" \
    "$tmp/rep/out.2" ||
    fail "no run reported the message as sent"
grep -q '0 messages sent, 0 failed, 0 written to the outbox; skipped 5 reported within 7 days' \
    "$tmp/rep/out.1" "$tmp/rep/out.2" ||
    fail "no run skipped the report as sent by the other"
[ "$(mode "$tmp/rep/state.db.send-lock")" = 600 ] ||
    fail "the send lock has mode $(mode "$tmp/rep/state.db.send-lock")"
passed "two report runs at once sent the report once"

# --- 2c. Two consoles and a cron "report" run on the same state at once.
# The cron run sends first, and the fake sendmail takes 2 s, so both
# consoles press y while the run holds the send lock.  Each console must
# show whom it waits for, then find the cron run's history row and send
# nothing.  Afterwards each console marks another suspect at the same
# time, and both marks must be in the database.
if command -v tmux >/dev/null 2>&1; then
	section
	con=$tmp/con
	mkdir -p "$con"
	cat >"$con/fake-sendmail" <<EOF
#!/usr/bin/perl
open(my \$s, ">", "$con/started.\$\$") or die;
close(\$s);
select(undef, undef, undef, 2);
open(my \$m, ">", "$con/msg.\$\$") or die;
print \$m \$_ while <STDIN>;
exit 0;
EOF
	chmod 755 "$con/fake-sendmail"
	opts="--config /dev/null --state $con/state.db"
	opts="$opts --whitelist $con/whitelist --outbox $con/outbox"
	opts="$opts --to abuse@example.net --from triage@example.org"
	opts="$opts --sendmail $con/fake-sendmail"
	sock=$tmp/tmux.sock
	echo "set-option -g status off" >"$tmp/tmux.conf"
	for name in A B; do
		tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -s "$name" \
		    -x 160 -y 45 "env TZ=UTC TERM=tmux-256color $bin $opts \
		    --resolver 127.0.0.1:9 --dns-timeout 300 --dns-tries 1 \
		    $log; echo \$? >$con/exit.$name"
	done

	# pane_has NAME PATTERN: wait until the console NAME shows PATTERN.
	# After a failure in this section it fails at once.
	pane_has() {
		[ "$failures" -eq "$mark" ] || return 1
		i=0
		while [ "$i" -lt "$WAIT_TENTHS" ]; do
			tmux -S "$sock" capture-pane -p -t "$1" \
			    >"$con/screen.$1" 2>/dev/null
			grep -q -- "$2" "$con/screen.$1" && return 0
			sleep 0.1
			i=$((i + 1))
		done
		fail "console $1 did not show \"$2\":"
		cat "$con/screen.$1"
		return 1
	}
	keys() {
		tmux -S "$sock" send-keys -t "$1" "$2"
	}

	pane_has A 192.0.2.10 && pane_has B 192.0.2.10
	keys A r
	keys B r
	pane_has A "To: abuse@example.net" && pane_has B "To: abuse@example.net"

	# shellcheck disable=SC2086
	"$bin" report --all-suspects --send --no-dns $opts "$log" \
	    >"$con/cron.out" 2>"$con/cron.err" &
	cron=$!
	i=0
	while ! ls "$con" | grep -q '^started\.' && [ "$i" -lt "$WAIT_TENTHS" ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	keys A y
	keys B y
	pane_has A "waiting for another smtptriage to finish sending (pid $cron)"
	pane_has B "waiting for another smtptriage to finish sending (pid $cron)"
	wait "$cron" || fail "the cron report run failed: $(cat "$con/cron.err")"
	pane_has A "not sent: .* was reported to abuse@example.net at "
	pane_has B "not sent: .* was reported to abuse@example.net at "
	grep -q '; 1 message sent, 0 failed' "$con/cron.out" ||
	    fail "the cron run did not send its report: $(cat "$con/cron.out")"

	# Two marks at once, one per console, on different suspects.
	keys A j
	keys B j
	keys B j
	keys A m
	keys B m
	pane_has A "marked " && pane_has B "marked "
	keys A q
	keys B q
	i=0
	while { [ ! -s "$con/exit.A" ] || [ ! -s "$con/exit.B" ]; } &&
	    [ "$i" -lt "$WAIT_TENTHS" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tmux -S "$sock" kill-server 2>/dev/null
	sock=""

	sent=$(ls "$con" | grep -c '^msg\.')
	[ "$sent" -eq 1 ] ||
	    fail "two consoles and a cron run sent $sent messages, not 1"
	rows=$(sqlite3 "$con/state.db" \
	    'SELECT count(*), count(DISTINCT message_id) FROM reports')
	[ "$rows" = "5|1" ] ||
	    fail "report history: $rows, expected 5 rows of one message"
	marks=$(sqlite3 "$con/state.db" 'SELECT count(*) FROM marks')
	[ "$marks" = 2 ] || fail "marks after two consoles: $marks, not 2"
	passed "two consoles and a cron report run at once: one report" \
	    "sent, both consoles said whom they waited for, no mark lost"
else
	say "two consoles and a cron run skipped: tmux is not installed"
fi

# --- 3. File modes.
section
for f in "$tmp/torture/whitelist" "$tmp/torture/state.db" \
    "$tmp/torture/state.db-wal" "$tmp/torture/state.db-shm" \
    "$tmp/torture/outbox"/*; do
	[ -e "$f" ] || continue
	[ "$(mode "$f")" = 600 ] || fail "$f has mode $(mode "$f"), not 600"
done
[ "$(mode "$tmp/torture/outbox")" = 700 ] ||
    fail "the outbox folder has mode $(mode "$tmp/torture/outbox")"
# A state path in folders that do not exist yet.
"$bin" list --config /dev/null --state "$tmp/new/state/dir/state.db" \
    --whitelist "$tmp/new/config/whitelist" "$log" >/dev/null 2>&1
for d in "$tmp/new/state" "$tmp/new/state/dir"; do
	[ -d "$d" ] && [ "$(mode "$d")" = 700 ] ||
	    fail "new folder $d is missing or not mode 700"
done
[ "$(mode "$tmp/new/state/dir/state.db")" = 600 ] ||
    fail "a new state database is not mode 600"
passed "state, whitelist and outbox files are created with mode 0600"

# --- 4. Files that other users can write are refused.
section
mkdir -p "$tmp/run"
printf 'from = triage@example.org\n' >"$tmp/config"
chmod 664 "$tmp/config"
if "$bin" list --config "$tmp/config" --state "$tmp/run/state.db" \
    --whitelist "$tmp/run/whitelist" "$log" >/dev/null 2>"$tmp/err"; then
	fail "a group-writable config file was accepted"
elif ! grep -q "can be written by other users" "$tmp/err"; then
	fail "unclear message for a group-writable config file:"
	cat "$tmp/err"
fi
printf '192.0.2.10\n' >"$tmp/run/whitelist"
chmod 646 "$tmp/run/whitelist"
if list "$log"; then
	fail "a world-writable whitelist was accepted"
elif ! grep -q "can be written by other users" "$tmp/err"; then
	fail "unclear message for a world-writable whitelist:"
	cat "$tmp/err"
fi
chmod 600 "$tmp/run/whitelist"
if [ "$(id -u)" -eq 0 ]; then
	chown 65534 "$tmp/run/whitelist"
	if list "$log"; then
		fail "a whitelist owned by another user was accepted"
	elif ! grep -q "owned by uid 65534" "$tmp/err"; then
		fail "unclear message for a whitelist of another user:"
		cat "$tmp/err"
	fi
	chown 0 "$tmp/run/whitelist"
fi
passed "config and whitelist files that others can change are refused"

# --- 5. Unreadable files.  Root reads every file, so run as nobody.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	section
	chmod 755 "$tmp"
	mkdir -p "$tmp/nobody"
	cp "$log" "$tmp/nobody/log"
	printf '192.0.2.10\n' >"$tmp/nobody/whitelist"
	chown -R 65534:65534 "$tmp/nobody"
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    env HOME="$tmp/nobody" "$bin" list --format json \
		    --config /dev/null --state "$tmp/nobody/state.db" \
		    --whitelist "$tmp/nobody/whitelist" "$@" \
		    >"$tmp/out" 2>"$tmp/err"
	}
	as_nobody "$tmp/nobody/log" ||
	    fail "list as nobody failed: $(cat "$tmp/err")"
	sum_before=$(cat "$tmp/nobody/whitelist" "$tmp/nobody/state.db" |
	    cksum)

	# unreadable WHAT FILE PATTERN: FILE made unreadable must fail with
	# exit status 2 and a message matching PATTERN.
	unreadable() {
		chmod 000 "$2"
		as_nobody "$tmp/nobody/log"
		rc=$?
		chmod 600 "$2"
		if [ "$rc" -ne 2 ]; then
			fail "unreadable $1: exit status $rc, not 2"
		elif ! grep -q "$3" "$tmp/err"; then
			fail "unclear message for an unreadable $1:"
			cat "$tmp/err"
		fi
	}
	unreadable log "$tmp/nobody/log" "$tmp/nobody/log: Permission denied"
	unreadable whitelist "$tmp/nobody/whitelist" \
	    "cannot open $tmp/nobody/whitelist: Permission denied"
	unreadable "state database" "$tmp/nobody/state.db" "$tmp/nobody/state.db"
	[ "$(cat "$tmp/nobody/whitelist" "$tmp/nobody/state.db" | cksum)" = \
	    "$sum_before" ] || fail "an unreadable file run changed the state"
	# A log that is a folder, as root.
	if list "$tmp"; then
		fail "a folder given as a log was accepted"
	elif ! grep -qi "$tmp: is a directory" "$tmp/err"; then
		fail "unclear message for a folder given as a log:"
		cat "$tmp/err"
	fi
	passed "unreadable files give a message naming the file and exit 2"
else
	say "unreadable files skipped: needs root and setpriv"
fi

# --- 6. A full disk.
full=$tmp/full
mkdir -p "$full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=512k,mode=0700 tmpfs \
    "$full" 2>/dev/null; then
	mounted=$full
	section
	"$harness" wl-add "$full/whitelist" 192.0.2.1 &&
	    "$harness" mark "$full/state.db" 192.0.2.1 ||
	    fail "cannot prepare the small file system"
	cp "$full/whitelist" "$tmp/whitelist.before"
	if "$harness" fill-then-mark "$full/state.db" 192.0.2.2 \
	    "$full/fill" 2>"$tmp/err"; then
		fail "a mark on a full disk succeeded"
	elif [ "$(cat "$tmp/err")" != "error: state database $full/state.db: COMMIT: database or disk is full" ]
	then
		fail "unclear message for a mark on a full disk:"
		cat "$tmp/err"
	fi
	# A failed transaction may give space back: fill it again.
	cat /dev/zero >>"$full/fill" 2>/dev/null
	if "$harness" wl-add "$full/whitelist" 192.0.2.2 2>"$tmp/err"; then
		fail "a whitelist change on a full disk succeeded"
	elif ! grep -q "No space left on device" "$tmp/err"; then
		fail "unclear message for a whitelist change on a full disk:"
		cat "$tmp/err"
	fi
	cat /dev/zero >>"$full/fill" 2>/dev/null
	if "$harness" outbox "$full/outbox" 2>"$tmp/err"; then
		fail "an outbox report on a full disk succeeded"
	elif ! grep -q "No space left on device" "$tmp/err"; then
		fail "unclear message for an outbox report on a full disk:"
		cat "$tmp/err"
	fi
	cmp -s "$full/whitelist" "$tmp/whitelist.before" ||
	    fail "the whitelist changed on a full disk"
	ls -A "$full" | grep -q '^\.whitelist\.' &&
	    fail "a temporary whitelist file was left on a full disk"
	[ -z "$(ls "$full/outbox" 2>/dev/null)" ] ||
	    fail "a partial report was left in the outbox"
	rm -f "$full/fill"
	integrity=$(sqlite3 "$full/state.db" 'PRAGMA integrity_check')
	marks=$(sqlite3 "$full/state.db" 'SELECT ip FROM marks')
	[ "$integrity" = ok ] || fail "integrity_check after a full disk: $integrity"
	[ "$marks" = 192.0.2.1 ] ||
	    fail "marks after a full disk: \"$marks\", expected 192.0.2.1"
	# With 16 KiB free, a new database fails with SQLite's bare "disk I/O
	# error", whose reason only errno has.
	cat /dev/zero >"$full/fill" 2>/dev/null
	truncate -s -16K "$full/fill"
	if "$harness" mark "$full/new.db" 192.0.2.3 2>"$tmp/err"; then
		fail "a new database on a nearly full disk succeeded"
	elif [ "$(cat "$tmp/err")" != "error: state database $full/new.db: BEGIN IMMEDIATE: disk I/O error: No space left on device" ]
	then
		fail "an I/O error on a full disk does not say why:"
		cat "$tmp/err"
	fi
	rm -f "$full/fill"
	umount "$full" && mounted=""
	passed "a full disk gives \"No space left on device\" or \"database or" \
	    "disk is full\" and keeps the old state"
else
	say "full disk skipped: mounting a tmpfs needs root"
fi

# --- 7. A DNS server that answers garbage.  For each query it sends, in
# turn: random bytes with the query's id, a header claiming answers that
# are not there, a name that points at itself, a reply with the TC bit
# (c-ares then tries TCP, where nothing listens), and an rcode of 15.
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Proto => "udp",
	    LocalAddr => "127.0.0.1", LocalPort => 0) or die "socket: $!\n";
	$| = 1;
	print $s->sockport, "\n";
	my $n = 0;
	while (1) {
		my $q;
		defined($s->recv($q, 4096)) or next;
		length($q) >= 12 or next;
		my $id = substr($q, 0, 2);
		my $k = $n++ % 5;
		my $r;
		if ($k == 0) {
			$r = $id . join("", map { chr(int(rand(256))) }
			    1 .. int(rand(200)));
		} elsif ($k == 1) {
			$r = $id . pack("nnnnn", 0x8180, 1, 65535, 0, 0) .
			    substr($q, 12);
		} elsif ($k == 2) {
			$r = $id . pack("nnnnn", 0x8180, 1, 1, 0, 0) .
			    substr($q, 12) . pack("nnnNnn", 0xc00c, 12, 1,
			    60, 2, 0xc028);
		} elsif ($k == 3) {
			$r = $id . pack("nnnnn", 0x8380, 1, 0, 0, 0) .
			    substr($q, 12);
		} else {
			$r = $id . pack("nnnnn", 0x818f, 1, 0, 0, 0) .
			    substr($q, 12);
		}
		$s->send($r);
	}' >"$tmp/port" &
responder_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ "$i" -lt "$WAIT_TENTHS" ]; do
	sleep 0.1
	i=$((i + 1))
done
port=$(cat "$tmp/port")
rm -rf "$tmp/run" && mkdir -p "$tmp/run"
if [ -z "$port" ]; then
	fail "the garbage DNS responder did not start"
elif ! list --dns --resolver "127.0.0.1:$port" --dns-timeout 200 "$log"; then
	fail "list --dns against garbage answers failed:"
	cat "$tmp/err"
else
	suspects=$(wc -l <"$tmp/out")
	bad=$(jq -r '.dns.ptr.rcode, .dns.helo[].rcode' "$tmp/out" |
	    grep -cvE '^(NOERROR|NXDOMAIN|SERVFAIL|REFUSED|TIMEOUT|ERROR|INVALID|null)$')
	if [ "$suspects" -ne 5 ]; then
		fail "list --dns printed $suspects suspects, expected 5"
	elif [ "$bad" -ne 0 ]; then
		fail "unknown rcodes in the output: $(cat "$tmp/out")"
	else
		say "garbage DNS answers: 5 suspects listed, rcodes" \
		    "$(jq -r '.dns.ptr.rcode' "$tmp/out" | sort -u | paste -sd ' ' -)"
	fi
fi
kill "$responder_pid" 2>/dev/null
responder_pid=""

# --- 8. Truncated .gz, vanished log during --follow.
gzip -c "$log" >"$tmp/log.gz"
if list "$tmp/log.gz" && [ "$(wc -l <"$tmp/out")" -gt 0 ]; then
	size=$(stat -c %s "$tmp/log.gz")
	head -c $((size / 2)) "$tmp/log.gz" >"$tmp/cut.gz"
	list "$tmp/cut.gz"
	rc=$?
	if [ "$rc" -ne 2 ]; then
		fail "a truncated .gz gave exit status $rc, not 2"
	elif ! grep -q "$tmp/cut.gz" "$tmp/err"; then
		fail "the message for a truncated .gz does not name the file:"
		cat "$tmp/err"
	else
		say "a truncated .gz: $(head -1 "$tmp/err")"
	fi
else
	say "truncated .gz skipped: this build does not read .gz files"
fi

if "$bin" --help 2>&1 | grep -q -- '--follow' && command -v tmux \
    >/dev/null 2>&1; then
	sock=$tmp/tmux.sock
	cp "$log" "$tmp/follow.log"
	echo "set-option -g status off" >"$tmp/tmux.conf"
	rm -rf "$tmp/run" && mkdir -p "$tmp/run"
	tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x 160 -y 45 \
	    "env TERM=tmux-256color $bin --follow --config /dev/null \
	    --state $tmp/run/state.db --whitelist $tmp/run/whitelist \
	    --resolver 127.0.0.1:9 $tmp/follow.log; echo \$? >$tmp/exit"
	wait_screen() {
		i=0
		while [ "$i" -lt "$WAIT_TENTHS" ]; do
			tmux -S "$sock" capture-pane -p >"$tmp/screen" \
			    2>/dev/null
			grep -q "$1" "$tmp/screen" && return 0
			sleep 0.1
			i=$((i + 1))
		done
		return 1
	}
	if ! wait_screen 192.0.2.10; then
		fail "the console with --follow did not show the list"
	else
		rm "$tmp/follow.log"
		sleep 1
		tmux -S "$sock" capture-pane -p >"$tmp/screen"
		if [ -s "$tmp/exit" ]; then
			fail "the console exited when its log vanished"
		elif ! grep -q 192.0.2.10 "$tmp/screen"; then
			fail "the list is gone after the log vanished"
		else
			say "a vanished log during --follow keeps the console" \
			    "and its list"
		fi
		tmux -S "$sock" send-keys q
	fi
	tmux -S "$sock" kill-server 2>/dev/null
	sock=""
else
	say "vanished log during --follow skipped: no --follow in this" \
	    "build, or tmux is not installed"
fi

if [ "$failures" -ne 0 ]; then
	say "$failures check(s) failed"
	exit 1
fi
say "all checks passed"
exit 0
