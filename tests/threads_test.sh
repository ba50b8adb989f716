#!/bin/sh
# The list output must not depend on how many threads read the logs:
# generated Exim and Postfix logs are listed with SMTPTRIAGE_THREADS=1
# (one thread) and with 2 threads (each file read in parts), and the
# outputs are compared byte for byte.  Covers one file, output of more
# than two slices, rules alone, --since and --until, several files in time order
# (read in parts) and out of time order (read on one thread again), gzip
# files (inflated on a thread of their own) and a file whose first line
# is in another format.  At the end it checks the lower-bound build of
# bench/log/floor.sh (build/floor/smtptriage).
set -u
cd "$(dirname "$0")/.." || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/threads_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
gen=./build/bench_loggen

fail() {
	echo "threads test: $*" >&2
	failures=$((failures + 1))
}

if [ ! -x "$gen" ]; then
	echo "threads test: $gen is missing; run make build/bench_loggen" >&2
	exit 1
fi

# Compare the list output of one and of two threads: same NAME ARGS...
# Both must exit with $expect (0 unless a case sets it).
expect=0
config=/dev/null
same() {
	name=$1
	shift
	for t in 1 2; do
		SMTPTRIAGE_THREADS=$t ./smtptriage list --config "$config" \
		    --state "$tmp/state.db" --whitelist "$tmp/whitelist" "$@" \
		    >"$tmp/out.$t" 2>"$tmp/err.$t"
		echo $? >"$tmp/rc.$t"
	done
	if [ "$(cat "$tmp/rc.1")" != "$expect" ] ||
	    [ "$(cat "$tmp/rc.2")" != "$expect" ]; then
		fail "$name: exit status $(cat "$tmp/rc.1") with one thread," \
		    "$(cat "$tmp/rc.2") with two: $(cat "$tmp/err.2")"
		return
	fi
	if [ ! -s "$tmp/out.1" ]; then
		fail "$name: no output"
		return
	fi
	cmp -s "$tmp/out.1" "$tmp/out.2" ||
	    fail "$name: the outputs of one and two threads differ" \
	    "($(diff "$tmp/out.1" "$tmp/out.2" | head -n 4))"
	cmp -s "$tmp/err.1" "$tmp/err.2" ||
	    fail "$name: the messages of one and two threads differ"
}

# 1.5 MB each: several parts of at least 256 KiB per file.
"$gen" -f exim -s 1500k -c 3000 -w 20 -6 20 -l 5 -r 7 -o "$tmp/mainlog" &&
"$gen" -f postfix -s 1500k -c 3000 -w 20 -6 20 -l 5 -r 9 \
    -o "$tmp/maillog" || exit 1

same "exim json" --format json "$tmp/mainlog"
same "exim csv" --format csv "$tmp/mainlog"
same "postfix json" --format json "$tmp/maillog"
same "exim with rules alone" --format json --log-format bench/log/exim.rules \
    "$tmp/mainlog"
same "exim window" --format json --since 2026-11-01T00:40:00 \
    --until 2026-11-01T01:30:00 "$tmp/mainlog"
same "postfix window" --format json --since 2026-11-01T00:40:00 \
    --until 2026-11-01T01:30:00 "$tmp/maillog"

# Over 8,192 suspects: list writes slices of 4,096, and with two threads
# a second thread formats every other slice.
"$gen" -f exim -s 1500k -c 11000 -w 60 -r 11 -o "$tmp/many" || exit 1
same "exim, three output slices" --format json "$tmp/many"
[ "$(wc -l <"$tmp/out.2")" -gt 8192 ] ||
    fail "exim, three output slices: only $(wc -l <"$tmp/out.2") lines"
same "exim csv, three output slices" --format csv "$tmp/many"
[ "$(grep -c '^ip,' "$tmp/out.2")" -eq 1 ] ||
    fail "exim csv, three output slices: not one header line"

# Client lines in SMTP sessions, some of which cross the line where the
# parts meet.
"$gen" -f exim -s 1500k -c 1500 -S 4 -r 13 -o "$tmp/sessions" &&
"$gen" -f postfix -s 1500k -c 1500 -S 4 -r 15 -o "$tmp/psessions" ||
    exit 1
same "exim sessions" --format json "$tmp/sessions"
same "postfix sessions" --format json "$tmp/psessions"

# The same logs cut in two at a line boundary, as a rotation leaves them.
lines=$(wc -l <"$tmp/mainlog")
head -n $((lines / 2)) "$tmp/mainlog" >"$tmp/mainlog.1"
tail -n +$((lines / 2 + 1)) "$tmp/mainlog" >"$tmp/mainlog.0"
lines=$(wc -l <"$tmp/maillog")
head -n $((lines / 2)) "$tmp/maillog" >"$tmp/maillog.1"
tail -n +$((lines / 2 + 1)) "$tmp/maillog" >"$tmp/maillog.0"
same "exim two files" --format json "$tmp/mainlog.1" "$tmp/mainlog.0"
same "exim two files, window" --format json --since \
    2026-11-01T00:40:00 --until 2026-11-01T01:30:00 \
    "$tmp/mainlog.1" "$tmp/mainlog.0"
same "exim two files, newer first" --format json "$tmp/mainlog.0" \
    "$tmp/mainlog.1"
same "postfix two files" --format json "$tmp/maillog.1" "$tmp/maillog.0"
same "exim and postfix" --format json "$tmp/mainlog" "$tmp/maillog"

# Gzip files are inflated on a thread of their own with two threads.
gzip -c "$tmp/mainlog" >"$tmp/mainlog.gz"
gzip -c "$tmp/maillog.1" >"$tmp/maillog.1.gz"
same "exim gzip" --format json "$tmp/mainlog.gz"
same "postfix gzip and plain" --format json "$tmp/maillog.1.gz" \
    "$tmp/maillog.0"
head -c 200000 "$tmp/mainlog.gz" >"$tmp/cut.gz"
expect=2
same "truncated gzip" --format json "$tmp/cut.gz"
grep -q "truncated gzip data" "$tmp/err.2" ||
    fail "truncated gzip: no message about it: $(cat "$tmp/err.2")"
expect=0

# Two threads must give the one-thread output when the first line is
# not Exim's and some lines are bad.
{ echo "Nov  1 00:00:00 mx1 dovecot[1]: imap-login: Login: user=<u>"
  printf '2026-11-01 00:00:00 H=(bad\001) [10.9.9.9] Warning: x\000y\n'
  cat "$tmp/mainlog"; } >"$tmp/mixed"
same "undecided first line" --format json "$tmp/mixed"

# A full client table keeps the clients that come first in the log.  A
# run on two threads must then read the log again on one thread and print
# the same list as a run on one thread.
echo "max_clients = 500" >"$tmp/small.conf"
config=$tmp/small.conf
same "exim, table full" --format csv "$tmp/mainlog"
grep -q "events skipped: the client table is full at 500 clients" \
    "$tmp/err.2" ||
    fail "exim, table full: no message about it: $(cat "$tmp/err.2")"
config=/dev/null

# The build of bench/log/floor.sh.  Without SMTPTRIAGE_FLOOR it must
# print what ./smtptriage prints.  Its two lower bounds must read the
# whole log (so report its last line, which is bad), count nothing in the
# agg, and with SMTPTRIAGE_FLOOR_STATS=1 report the same events and
# names.  The compact bound must keep one record for each of the log's
# 3,000 clients on one thread and send every event through the ring.
floor=./build/floor/smtptriage
cp "$tmp/mainlog" "$tmp/floorlog"
printf '2026-11-01 23:59:59 H=(x\377) [10.9.9.9] Warning: x\n' \
    >>"$tmp/floorlog"
last=$(wc -l <"$tmp/floorlog")
bad="smtptriage: $tmp/floorlog:$last: bad line skipped: invalid UTF-8"

# Run the floor build as floor_run NAME MODE THREADS; MODE none leaves
# SMTPTRIAGE_FLOOR unset.
floor_run() {
	name=$1
	threads=$3
	if [ "$2" = none ]; then
		set -- env -u SMTPTRIAGE_FLOOR
	else
		set -- env SMTPTRIAGE_FLOOR="$2" SMTPTRIAGE_FLOOR_STATS=1
	fi
	SMTPTRIAGE_THREADS=$threads "$@" "$floor" list --format json \
	    --config /dev/null --state "$tmp/state.db" \
	    --whitelist "$tmp/whitelist" "$tmp/floorlog" \
	    >"$tmp/floor.$name" 2>"$tmp/floor-err.$name"
	echo $? >"$tmp/floor-rc.$name"
}

# Check that run NAME exited 0 with no output and the bad line's message,
# and print the numbers of its statistics line: events, names, records
# and prefetches.  Prints "failed" after a failure.
floor_stats() {
	if [ "$(cat "$tmp/floor-rc.$1")" != 0 ] || [ -s "$tmp/floor.$1" ] ||
	    [ "$(head -n 1 "$tmp/floor-err.$1")" != "$bad" ] ||
	    [ "$(wc -l <"$tmp/floor-err.$1")" -ne 2 ]; then
		echo "failed"
		return
	fi
	sed -n 's/^smtptriage: SMTPTRIAGE_FLOOR=[a-z]*: \([0-9]*\) events,'\
' \([0-9]*\) names, \([0-9]*\) records, \([0-9]*\) prefetches$'\
'/\1 \2 \3 \4/p' "$tmp/floor-err.$1"
}

# Fail unless run NAME printed the statistics EXPECTED.
floor_expect() {
	got=$(floor_stats "$1")
	[ "$got" = "$2" ] ||
	    fail "floor build, $1: statistics \"$got\", expected \"$2\":" \
	    "exit status $(cat "$tmp/floor-rc.$1"), $(wc -c \
	    <"$tmp/floor.$1") bytes of output, messages:" \
	    "$(head -c 300 "$tmp/floor-err.$1")"
}

if [ ! -x "$floor" ]; then
	fail "$floor is missing; run make build/floor/smtptriage"
else
	SMTPTRIAGE_THREADS=2 ./smtptriage list --format json --config /dev/null \
	    --state "$tmp/state.db" --whitelist "$tmp/whitelist" \
	    "$tmp/floorlog" >"$tmp/floor.main" 2>/dev/null
	for t in 1 2; do
		floor_run none-$t none $t
		if [ "$(cat "$tmp/floor-rc.none-$t")" != 0 ] ||
		    [ ! -s "$tmp/floor.none-$t" ] ||
		    [ "$(cat "$tmp/floor-err.none-$t")" != "$bad" ] ||
		    ! cmp -s "$tmp/floor.none-$t" "$tmp/floor.main"; then
			fail "floor build, $t threads, without" \
			    "SMTPTRIAGE_FLOOR: other output than ./smtptriage"
		fi
		floor_run parse-$t parse $t
		floor_run compact-$t compact $t
	done

	# The lines that name a client (the three shapes of bench_loggen's
	# Exim lines), without the bad line: the events that list counts.
	events=$(grep -c -E \
	    ' (H=|SMTP connection from |no host name found for IP address )' \
	    "$tmp/mainlog")
	# The HELO, rDNS and reason texts that parse found, which compact
	# must hash.
	got=$(floor_stats parse-1)
	names=${got#* }
	names=${names%% *}
	case $names in
	''|*[!0-9]*) names=0 ;;
	esac
	[ "$names" -gt "$events" ] ||
	    fail "floor build, parse-1: statistics \"$got\": expected more" \
	    "names than the $events events"
	floor_expect parse-1 "$events $names 0 0"
	floor_expect parse-2 "$events $names 0 0"
	floor_expect compact-1 "$events $names 3000 $events"
	# Each of the two parts keeps a record of every client in it.
	got=$(floor_stats compact-2)
	records=${got#* * }
	records=${records% *}
	case $got in
	"$events $names "*" $events")
		if [ "$records" -lt 3000 ] || [ "$records" -gt 6000 ]; then
			fail "floor build, compact-2: $records records," \
			    "expected 3000 to 6000"
		fi
		;;
	*)
		fail "floor build, compact-2: statistics \"$got\", expected" \
		    "\"$events $names RECORDS $events\""
		;;
	esac

	SMTPTRIAGE_FLOOR=bogus "$floor" --version >"$tmp/floor.bogus" \
	    2>"$tmp/floor-err.bogus"
	rc=$?
	if [ $rc != 1 ] || [ -s "$tmp/floor.bogus" ] ||
	    [ "$(cat "$tmp/floor-err.bogus")" != "smtptriage: invalid\
 SMTPTRIAGE_FLOOR value 'bogus': expected parse or compact, or leave it\
 unset" ]; then
		fail "floor build, SMTPTRIAGE_FLOOR=bogus: exit status $rc:" \
		    "$(cat "$tmp/floor-err.bogus")"
	fi
fi

[ "$failures" -eq 0 ] || exit 1
echo "threads test: all passed"
