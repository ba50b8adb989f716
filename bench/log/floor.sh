#!/bin/sh
# Lower bounds of list against the line count goal: see
# docs/performance.md, "Lower bounds, 2026-12-05".
#
#	sh bench/log/floor.sh [-r ROUNDS] LOG
#
# Runs four commands on LOG, ROUNDS times (default 8), in an order that
# is reversed every other round:
#   linecount  build/bench_linecount -t 2, the baseline of the goal;
#   list       ./smtptriage list --format json, two threads;
#   compact    build/floor/smtptriage with SMTPTRIAGE_FLOOR=compact:
#              the same reading and parsing, each event counted in one
#              64-byte record per client (bench/log/floor.c);
#   parse      the same build with SMTPTRIAGE_FLOOR=parse: reading and
#              parsing only, no event counted.
# Prints the median wall time of each with its range, the median CPU
# time and the peak resident memory.  Then it prints each command's rate
# as a share of the line count rate, where the goal requires at least
# 0.25, and the list time that the goal allows: four times the line
# count.  Before the rounds it checks that ./smtptriage lists some
# clients of LOG, and that build/floor/smtptriage without
# SMTPTRIAGE_FLOOR prints the same bytes.  Build the programs first:
#	make smtptriage build/floor/smtptriage build/bench_linecount
set -u
# LOG may be relative to the folder the script was started from.
start_dir=$PWD
cd "$(dirname "$0")/../.." || exit 1

usage() {
	echo "usage: floor.sh [-r rounds] log" >&2
	exit 2
}

# Check that $1, the number of rounds, is a whole number from 1 to 1000.
# Strings of five or more characters are rejected before they reach
# test(1), whose numbers overflow.
check_rounds() {
	case $1 in
	''|*[!0-9]*|?????*) ;;
	*) [ "$1" -ge 1 ] && [ "$1" -le 1000 ] && return 0 ;;
	esac
	echo "floor.sh: invalid rounds '$1': expected a number from 1 to" \
	    "1000" >&2
	exit 2
}

rounds=8
while getopts r: opt; do
	case $opt in
	r) check_rounds "$OPTARG"; rounds=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
log=$1
case $log in
/*) ;;
*) log=$start_dir/$log ;;
esac
if [ -d "$log" ]; then
	echo "floor.sh: $1 is a directory; give a log file" >&2
	exit 1
fi
if [ ! -f "$log" ] || [ ! -r "$log" ]; then
	echo "floor.sh: $1 is missing or not readable" >&2
	exit 1
fi
# The line count reads the bytes as they are, so a gzip file would give
# no baseline.
if [ "$(od -An -tx1 -N2 "$log" | tr -d ' ')" = 1f8b ]; then
	echo "floor.sh: $1 is gzip-compressed; give an uncompressed log" >&2
	exit 1
fi
for prog in smtptriage build/floor/smtptriage build/bench_linecount; do
	if [ ! -x "$prog" ]; then
		echo "floor.sh: $prog is missing; run: make smtptriage" \
		    "build/floor/smtptriage build/bench_linecount" >&2
		exit 1
	fi
done
if [ ! -x /usr/bin/time ]; then
	echo "floor.sh: /usr/bin/time is missing; install the time package" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-floor.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM

# Run one command of the list above and append "name wall-ms cpu-ms
# peak-KiB" to $dir/times; the output goes to $dir/out.
run_one() {
	name=$1
	case $name in
	linecount) set -- build/bench_linecount -t 2 "$log" ;;
	list) set -- env -u SMTPTRIAGE_FLOOR ./smtptriage ;;
	compact) set -- env SMTPTRIAGE_FLOOR=compact build/floor/smtptriage ;;
	parse) set -- env SMTPTRIAGE_FLOOR=parse build/floor/smtptriage ;;
	*) set -- env -u SMTPTRIAGE_FLOOR build/floor/smtptriage ;;
	esac
	if [ "$name" != linecount ]; then
		set -- "$@" list --format json --config /dev/null \
		    --state "$dir/state.db" --whitelist "$dir/whitelist" "$log"
	fi

	start=$(date +%s%N)
	SMTPTRIAGE_THREADS=2 /usr/bin/time -f "%U %S %M" -o "$dir/cpu" \
	    "$@" > "$dir/out" 2> "$dir/err"
	rc=$?
	end=$(date +%s%N)
	if [ $rc -ne 0 ]; then
		echo "floor.sh: $name failed (exit $rc):" >&2
		cat "$dir/err" >&2
		exit 1
	fi
	echo "$name $(( (end - start) / 1000000 )) $(awk \
	    '{ printf "%d %d", ($1 + $2) * 1000, $3 }' "$dir/cpu")" \
	    >> "$dir/times"
}

cat "$log" > /dev/null
run_one list < /dev/null
if [ ! -s "$dir/out" ]; then
	echo "floor.sh: ./smtptriage lists no clients in $1, so the bounds" \
	    "would measure nothing; use a log with suspect clients" >&2
	exit 1
fi
mv "$dir/out" "$dir/out.list"
run_one hooks < /dev/null
if ! cmp -s "$dir/out.list" "$dir/out"; then
	echo "floor.sh: build/floor/smtptriage without SMTPTRIAGE_FLOOR" \
	    "prints other bytes than ./smtptriage; rebuild both" >&2
	exit 1
fi
: > "$dir/times"

r=0
while [ $r -lt "$rounds" ]; do
	if [ $((r % 2)) -eq 0 ]; then
		order="linecount list compact parse"
	else
		order="parse compact list linecount"
	fi
	for name in $order; do
		run_one "$name" < /dev/null
	done
	r=$((r + 1))
done

echo "floor.sh: $log, rounds: $rounds, $(date -u '+%Y-%m-%d %H:%M UTC')," \
    "load $(cut -d' ' -f1 /proc/loadavg)"
awk '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1
	n[k]++
	wall[k, n[k]] = $2 + 0
	cpu[k, n[k]] = $3 + 0
	if ($4 + 0 > rss[k])
		rss[k] = $4 + 0
}
END {
	split("linecount list compact parse", names, " ")
		printf "%-10s %9s %16s %9s %9s %11s\n", "command", "wall", "range",
	    "CPU", "peak RSS", "rate share"
	for (i = 1; i <= 4; i++) {
		k = names[i]
		lo = hi = wall[k, 1]
		for (j = 1; j <= n[k]; j++) {
			w[j] = wall[k, j]
			c[j] = cpu[k, j]
			if (w[j] < lo)
				lo = w[j]
			if (w[j] > hi)
				hi = w[j]
		}
		m[k] = median(w, n[k])
		mc = median(c, n[k])
		share = k == "linecount" ? "" : sprintf("%.2f",
		    m["linecount"] / m[k])
		printf "%-10s %8.3fs %7.3f-%7.3fs %8.3fs %5d MiB %11s\n", k,
		    m[k] / 1000, lo / 1000, hi / 1000, mc / 1000,
		    rss[k] / 1024, share
	}
	printf "the line count goal (rate share at least 0.25) allows" \
	    " list %.3fs\n", 4 * m["linecount"] / 1000
}' "$dir/times"
