#!/bin/sh
# Hostile sizes: a file of random bytes and a log with a 10 MiB line must
# load with bounded memory, and every rejected line must be counted.
#
#  1. Random bytes: 1 GiB (LIMITS_RANDOM_MIB sets another size).  "list"
#     exits 0 and reports as many bad lines as Perl counts (lines with a
#     NUL byte, invalid UTF-8 or more than LOGREAD_LINE_MAX bytes).  Its
#     peak memory exceeds that of a 1 MiB file by less than
#     LIMITS_GROWTH_KB.
#  2. A log with a 10 MiB line between normal lines: the line is reported
#     as too long with its line number, the clients around it load, and
#     the peak memory stays within LIMITS_GROWTH_KB of a small log.
#  3. More distinct clients than max_clients (set low in a config file,
#     because a million clients would make the test slow): the first ones
#     load, and standard error gives the exact count of skipped events.
#
# Peak memory is the maximum resident set size from /usr/bin/time.  Exits
# 0 when every check passes, 1 otherwise; skips (exit 0) when
# /usr/bin/time or perl is missing.
set -u
cd "$(dirname "$0")/.."

bin=./smtptriage
# Allowed growth of the peak memory over a small input, in KiB.  The
# reader keeps one read buffer and the start of one line, so a few MiB
# would do; the margin leaves room for the allocator.
LIMITS_GROWTH_KB=${LIMITS_GROWTH_KB:-32768}

say() {
	printf 'limits_test: %s\n' "$*"
}

for tool in /usr/bin/time perl; do
	if [ ! -x "$tool" ] && ! command -v "$tool" >/dev/null 2>&1; then
		say "skipped: $tool is not installed"
		exit 0
	fi
done
if [ ! -x "$bin" ]; then
	say "FAIL: $bin is missing; run make first"
	exit 1
fi
line_max=$(sed -n 's/^#define LOGREAD_LINE_MAX[^(]*(\([0-9]*\) \* \([0-9]*\)).*/\1 \2/p' \
    core/logread.h | awk '{ print $1 * $2 }')
if [ -z "$line_max" ]; then
	say "FAIL: cannot read LOGREAD_LINE_MAX from core/logread.h"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/limits_test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
failures=0

fail() {
	say "FAIL: $*"
	failures=$((failures + 1))
}

# run FILE: list FILE; sets rc and kb (peak resident memory in KiB).
run() {
	/usr/bin/time -f %M -o "$tmp/time" "$bin" list --format json \
	    --config /dev/null --state "$tmp/state.db" \
	    --whitelist "$tmp/whitelist" "$1" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	kb=$(tail -1 "$tmp/time")
}

# The number of bad lines that "list" reported: those it names, plus the
# "N more bad lines skipped" count.
reported_bad() {
	named=$(grep -c 'bad line skipped' "$tmp/err")
	more=$(sed -n 's/.* \([0-9][0-9]*\) more bad lines skipped.*/\1/p' \
	    "$tmp/err")
	echo $((named + ${more:-0}))
}

# The number of lines of FILE that the reader must reject.  Well-formed
# UTF-8 follows the table of RFC 3629, section 4: noncharacters such as
# U+FFFE are valid there, though Perl's strict "UTF-8" decoder rejects
# them, so the pattern is written out here.
expected_bad() {
	perl -e '
		my ($max, $bad) = (shift, 0);
		my $utf8 = qr/^(?:[\x00-\x7F]|[\xC2-\xDF][\x80-\xBF]|
		    \xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|
		    \xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|
		    [\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2})*$/x;
		open(my $f, "<:raw", $ARGV[0]) or die "$ARGV[0]: $!\n";
		while (my $l = <$f>) {
			chomp $l;
			$l =~ s/\r$//;
			$bad++ if length($l) > $max || index($l, "\0") >= 0 ||
			    $l !~ $utf8;
		}
		print "$bad\n";
	' "$line_max" "$1"
}

# --- 1. Random bytes: 1 GiB, about 10 s here; LIMITS_RANDOM_MIB sets
# another size for a quick run by hand.
size_mb=${LIMITS_RANDOM_MIB:-1024}
head -c 1048576 /dev/urandom >"$tmp/small"
run "$tmp/small"
base_kb=$kb
head -c $((size_mb * 1048576)) /dev/urandom >"$tmp/random"
run "$tmp/random"
if [ "$rc" -ne 0 ]; then
	fail "list on $size_mb MiB of random bytes exited with $rc:"
	tail -5 "$tmp/err"
else
	got=$(reported_bad)
	want=$(expected_bad "$tmp/random")
	[ "$got" -eq "$want" ] ||
	    fail "$got bad lines reported in random bytes, expected $want"
	[ $((kb - base_kb)) -lt "$LIMITS_GROWTH_KB" ] ||
	    fail "peak memory $kb KiB on $size_mb MiB, $base_kb KiB on 1 MiB"
	[ "$failures" -eq 0 ] && say "$size_mb MiB of random bytes: $got bad" \
	    "lines counted; peak memory $kb KiB ($base_kb KiB for 1 MiB)"
fi
rm -f "$tmp/random"

# --- 2. A 10 MiB line.
T='2026-11-30 10:00:0'
{
	printf '%s1 H=(before.example) [192.0.2.1] Warning: HELO verification failed\n' "$T"
	printf '%s2 H=(' "$T"
	head -c 10485760 /dev/zero | tr '\0' a
	printf ') [192.0.2.2] Warning: HELO verification failed\n'
	printf '%s3 H=(after.example) [192.0.2.3] Warning: HELO verification failed\n' "$T"
} >"$tmp/longline"
head -1 "$tmp/longline" >"$tmp/short"
run "$tmp/short"
base_kb=$kb
before=$failures
run "$tmp/longline"
if [ "$rc" -ne 0 ]; then
	fail "list on a log with a 10 MiB line exited with $rc:"
	tail -5 "$tmp/err"
else
	grep -q "$tmp/longline:2: bad line skipped: line too long" "$tmp/err" ||
	    fail "the 10 MiB line is not reported as line 2: $(cat "$tmp/err")"
	[ "$(reported_bad)" -eq 1 ] ||
	    fail "$(reported_bad) bad lines reported, expected 1"
	ips=$(jq -r .ip "$tmp/out" 2>/dev/null | sort | tr '\n' ' ')
	[ "$ips" = "192.0.2.1 192.0.2.3 " ] ||
	    fail "clients around the long line: \"$ips\""
	[ $((kb - base_kb)) -lt "$LIMITS_GROWTH_KB" ] ||
	    fail "peak memory $kb KiB with a 10 MiB line, $base_kb KiB without"
	[ "$failures" -eq "$before" ] && say "a 10 MiB line: rejected as" \
	    "line 2, the lines around it loaded; peak memory $kb KiB" \
	    "($base_kb KiB without it)"
fi

# --- 3. A full client table.
printf 'max_clients = 3\n' >"$tmp/clients.conf"
chmod 600 "$tmp/clients.conf"
i=1
while [ "$i" -le 6 ]; do
	printf '%s%d no host name found for IP address 192.0.2.%d\n' "$T" "$i" \
	    "$i"
	i=$((i + 1))
done >"$tmp/clients"
# The first client again: it is in the table, so its event counts.
printf '%s7 no host name found for IP address 192.0.2.1\n' "$T" \
    >>"$tmp/clients"
before=$failures
"$bin" list --format json --config "$tmp/clients.conf" \
    --state "$tmp/state.db" --whitelist "$tmp/whitelist" "$tmp/clients" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || fail "list with a full client table exited with $rc"
want='smtptriage: 3 events skipped: the client table is full at 3 clients (config key max_clients)'
grep -qxF "$want" "$tmp/err" ||
    fail "no skipped-event count on standard error: $(cat "$tmp/err")"
ips=$(jq -r '.ip + " " + (.events | tostring)' "$tmp/out" 2>/dev/null |
    sort | tr '\n' ',')
[ "$ips" = "192.0.2.1 2,192.0.2.2 1,192.0.2.3 1," ] ||
    fail "clients of a full table: \"$ips\""
[ "$failures" -eq "$before" ] && say "a full client table: 3 clients" \
    "kept, 3 events of 3 further clients counted as skipped"

if [ "$failures" -ne 0 ]; then
	say "$failures check(s) failed"
	exit 1
fi
say "all checks passed"
exit 0
