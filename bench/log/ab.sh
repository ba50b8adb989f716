#!/bin/sh
# Compare builds of smtptriage side by side: see docs/performance.md.
#
#	sh bench/log/ab.sh [-r ROUNDS] [-t THREADS] LOG BINARY...
#
# Runs "BINARY list --format json" on LOG for each BINARY in turn, and
# that ROUNDS times (default 8), with SMTPTRIAGE_THREADS=THREADS
# (default 2) and a private state.  Prints for each binary the median
# wall time with the whole range and the median CPU time (user and
# system), and checks that every binary printed the same bytes as the
# first one.  Builds to compare are usually copies of ./smtptriage made
# before and after a change.
set -u

rounds=8
threads=2
while getopts r:t: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) threads=$OPTARG ;;
	*) echo "usage: ab.sh [-r rounds] [-t threads] log binary..." >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
	echo "usage: ab.sh [-r rounds] [-t threads] log binary..." >&2
	exit 2
fi
log=$1
shift
if [ ! -r "$log" ]; then
	echo "ab.sh: $log is missing or not readable" >&2
	exit 1
fi
for b in "$@"; do
	if [ ! -x "$b" ]; then
		echo "ab.sh: $b is missing or not executable" >&2
		exit 1
	fi
done
if [ ! -x /usr/bin/time ]; then
	echo "ab.sh: /usr/bin/time is missing; install the time package" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-ab.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
cat "$log" > /dev/null

# Run binary $2 once and append "$1 wall-ms cpu-ms" to $dir/times.
run_one() {
	start=$(date +%s%N)
	SMTPTRIAGE_THREADS=$threads /usr/bin/time -f "%U %S" -o "$dir/cpu" \
	    "$2" list --format json --config /dev/null \
	    --state "$dir/state.db" --whitelist "$dir/whitelist" "$log" \
	    > "$dir/out" 2> "$dir/err"
	rc=$?
	end=$(date +%s%N)
	if [ $rc -ne 0 ]; then
		echo "ab.sh: $2 failed (exit $rc):" >&2
		cat "$dir/err" >&2
		exit 1
	fi
	if [ ! -f "$dir/out.$1" ]; then
		mv "$dir/out" "$dir/out.$1"
	elif ! cmp -s "$dir/out" "$dir/out.$1"; then
		echo "ab.sh: the output of $2 differs between two of its runs" >&2
		exit 1
	fi
	echo "$1 $(( (end - start) / 1000000 )) $(awk \
	    '{ printf "%d", ($1 + $2) * 1000 }' "$dir/cpu")" >> "$dir/times"
}

r=0
while [ $r -lt "$rounds" ]; do
	i=0
	for b in "$@"; do
		run_one $i "$b"
		i=$((i + 1))
	done
	r=$((r + 1))
done

same=1
i=0
for b in "$@"; do
	if [ $i -gt 0 ] && ! cmp -s "$dir/out.0" "$dir/out.$i"; then
		echo "ab.sh: the output of $b differs from that of $1" >&2
		same=0
	fi
	i=$((i + 1))
done

echo "ab.sh: $log, $threads threads, $rounds rounds, $(date -u \
    '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
printf "%-40s %9s %19s %9s\n" binary "wall" "min-max" "CPU"
i=0
for b in "$@"; do
	awk -v k=$i -v name="$b" '
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == k { w[++n] = $2 + 0; c[n] = $3 + 0 }
	END {
		mw = median(w, n)
		printf "%-40s %8.3fs %8.3f-%8.3fs %8.3fs\n", name, mw / 1000,
		    w[1] / 1000, w[n] / 1000, median(c, n) / 1000
	}' "$dir/times"
	i=$((i + 1))
done
[ $same -eq 1 ]
