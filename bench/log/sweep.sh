#!/bin/sh
# Benchmark of the list command against the baselines for several
# numbers of distinct clients: see docs/performance.md.
#
#	sh bench/log/sweep.sh [-f FORMAT] [-r ROUNDS] [-s SIZE]
#	    [-S LINES] CLIENTS...
#
# For each CLIENTS count the script generates a log of SIZE (default 1G;
# k, M and G work) in FORMAT (exim, the default, or postfix) with that
# many distinct client addresses.  Its client lines come in SMTP
# sessions of LINES lines on average (default 1: no sessions, see
# bench/log/loggen.c, which warns when a log is too small to name every
# client).  The logs go to $BENCH_DIR (default /tmp/smtptriage-bench)
# and are kept for the next run with the same options.  The script reads
# each log once to put it into the page cache, then runs the two-thread
# line count, mawk's aggregation and "smtptriage list --format json" one
# after the other, ROUNDS times (default 5).  It prints the median wall
# time of each and the two ratios of the throughput goals: mawk / list
# (goal at least 2) and the list rate / the two-thread line count rate
# (goal at least 0.25).
# Build the three programs it runs first:
#	make smtptriage build/bench_loggen build/bench_linecount
set -u
cd "$(dirname "$0")/../.." || exit 1

usage() {
	echo "usage: sweep.sh [-f exim|postfix] [-r rounds] [-s size]" \
	    "[-S lines] clients..." >&2
	exit 2
}

# Check that $2, the value of $1, is a whole number from 1 to $3.  More
# than nine digits are rejected before they reach test(1), whose numbers
# overflow.
check_number() {
	case $2 in
	''|*[!0-9]*|??????????*) ;;
	*) [ "$2" -ge 1 ] && [ "$2" -le "$3" ] && return 0 ;;
	esac
	echo "sweep.sh: invalid $1 $2: expected a number from 1 to $3" >&2
	exit 2
}

# Check that $1 is a size that loggen reads: a number of bytes, or a
# number followed by k, M or G.
check_size() {
	digits=${1%[kKmMgG]}
	case $digits in
	''|0*|*[!0-9]*) ;;
	*) return 0 ;;
	esac
	echo "sweep.sh: invalid size $1: expected a number of bytes," \
	    "optionally followed by k, M or G" >&2
	exit 2
}

format=exim
rounds=5
size=1G
session=1
while getopts f:r:s:S: opt; do
	case $opt in
	f)
		case $OPTARG in
		exim|postfix) format=$OPTARG ;;
		*)
			echo "sweep.sh: invalid format $OPTARG: expected exim" \
			    "or postfix" >&2
			exit 2
			;;
		esac
		;;
	r) check_number rounds "$OPTARG" 1000; rounds=$OPTARG ;;
	s) check_size "$OPTARG"; size=$OPTARG ;;
	S) check_number "session lines" "$OPTARG" 1000; session=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
for n in "$@"; do
	check_number clients "$n" 100000000
done

bin=./smtptriage
gen=./build/bench_loggen
count=./build/bench_linecount
for f in "$bin" "$gen" "$count"; do
	if [ ! -x "$f" ]; then
		echo "sweep.sh: $f is missing; run make smtptriage" \
		    "build/bench_loggen build/bench_linecount" >&2
		exit 1
	fi
done
if ! command -v mawk >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
	echo "sweep.sh: mawk or /usr/bin/time is missing; install the" \
	    "mawk and time packages" >&2
	exit 1
fi

dir=${BENCH_DIR:-/tmp/smtptriage-bench}
mkdir -p "$dir" || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-sweep.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# Run a command once (run LABEL CMD...) and append "LABEL microseconds
# peak-KiB" to $work/times.
run() {
	label=$1
	shift
	start=$(date +%s%N)
	/usr/bin/time -f %M -o "$work/rss" "$@" > /dev/null 2> "$work/err"
	rc=$?
	end=$(date +%s%N)
	if [ $rc -ne 0 ]; then
		echo "sweep.sh: $label failed (exit $rc):" >&2
		cat "$work/err" >&2
		exit 1
	fi
	echo "$label $(( (end - start) / 1000 )) $(tail -n 1 "$work/rss")" \
	    >> "$work/times"
}

echo "sweep.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load" \
    "$(cut -d' ' -f1 /proc/loadavg), $format, size $size, session lines:" \
    "$session, rounds: $rounds"
printf "%9s %9s %9s %9s %11s %13s %9s\n" clients linecount mawk list \
    "mawk/list" "list/lc rate" "list RSS"
for n in "$@"; do
	# A log without sessions has the short name and no -S, as loggen's
	# default writes it.
	log="$dir/$format-c$n.log"
	stamp="-f $format -s $size -c $n"
	if [ "$session" -gt 1 ]; then
		log="$dir/$format-c$n-S$session.log"
		stamp="$stamp -S $session"
	fi
	if [ ! -f "$log" ] || [ ! -f "$log.options" ] ||
	    [ "$(cat "$log.options")" != "$stamp" ]; then
		echo "sweep.sh: generating $log ($stamp)" >&2
		# A log that was not finished must not pass for one that was.
		rm -f "$log.options"
		# shellcheck disable=SC2086 # the options are words
		"$gen" $stamp -o "$log.tmp" || exit 1
		mv "$log.tmp" "$log" || exit 1
		echo "$stamp" > "$log.options"
	fi
	cat "$log" > /dev/null
	rm -f "$work/times"
	i=0
	while [ $i -lt "$rounds" ]; do
		run linecount "$count" -t 2 "$log"
		run mawk env LC_ALL=C mawk -f bench/log/warnagg.awk "$log"
		run list "$bin" list --format json --config /dev/null \
		    --state "$work/state.db" --whitelist "$work/whitelist" \
		    "$log"
		i=$((i + 1))
	done
	awk -v n="$n" '
	function median(k,    a, m, i, j, t) {
		m = split(all[k], a, " ")
		for (i = 2; i <= m; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return (m % 2 ? a[(m + 1) / 2] : \
		    (a[m / 2] + a[m / 2 + 1]) / 2) / 1e6
	}
	{
		all[$1] = all[$1] " " $2
		if ($1 == "list" && $3 > rss)
			rss = $3
	}
	END {
		count_time = median("linecount")
		mawk_time = median("mawk")
		list_time = median("list")
		printf "%9d %8.3fs %8.3fs %8.3fs %11.2f %13.2f %5.0f MiB\n",
		    n, count_time, mawk_time, list_time, mawk_time / list_time,
		    count_time / list_time, rss / 1024
	}' "$work/times"
done
