#!/bin/sh
# Compare builds of smtptriage side by side: see docs/performance.md.
#
#	sh bench/log/ab.sh [-r ROUNDS] [-t THREADS] [-f FORMAT] LOG BINARY...
#
# Runs "BINARY list --format json" on LOG for each BINARY in turn, and
# that ROUNDS times (default 8), with SMTPTRIAGE_THREADS=THREADS
# (default 2, at most 16) and a private state.  With -f, every build
# gets "--log-format FORMAT": a format name such as exim, or a rules
# file such as bench/log/exim.rules.  Every other round runs the builds
# in reverse order, so that no build always follows the same one.
#
# Prints for each binary the median wall time with the whole range and
# the median CPU time (user and system).  For each binary after the
# first it also prints in how many rounds its run was faster than the
# first binary's run of the same round, in wall and in CPU time.  A tie
# does not count.  Fails when a binary prints other bytes than the first
# one, or other bytes in two of its own runs.  Builds to compare are
# usually copies of ./smtptriage made before and after a change.
set -u

usage() {
	echo "usage: ab.sh [-r rounds] [-t threads] [-f format] log" \
	    "binary..." >&2
	exit 2
}

# Check that $2, the value of option $1, is a whole number from 1 to $3.
check_number() {
	case $2 in
	''|*[!0-9]*) ;;
	*) [ "$2" -ge 1 ] && [ "$2" -le "$3" ] && return 0 ;;
	esac
	echo "ab.sh: invalid $1 $2: expected a number from 1 to $3" >&2
	exit 2
}

rounds=8
threads=2
format=
while getopts r:t:f: opt; do
	case $opt in
	r) check_number rounds "$OPTARG" 1000; rounds=$OPTARG ;;
	t) check_number threads "$OPTARG" 16; threads=$OPTARG ;;
	f)
		if [ -z "$OPTARG" ]; then
			echo "ab.sh: -f needs a format name or a rules file" >&2
			exit 2
		fi
		format=$OPTARG
		;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
log=$1
shift
if [ ! -r "$log" ]; then
	echo "ab.sh: $log is missing or not readable" >&2
	exit 1
fi
for build in "$@"; do
	if [ ! -f "$build" ] || [ ! -x "$build" ]; then
		echo "ab.sh: $build is missing or not executable" >&2
		exit 1
	fi
done
if [ ! -x /usr/bin/time ]; then
	echo "ab.sh: /usr/bin/time is missing; install the time package" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-ab.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM
cat "$log" > /dev/null

# Run build $2 (number $1) once and append "$1 wall-ms cpu-ms" to
# $dir/times.  A name without a slash runs from the current folder, not
# from PATH, because that is the file the checks above tested.
run_one() {
	k=$1
	build=$2
	case $build in
	*/*) bin=$build ;;
	*) bin=./$build ;;
	esac
	# From here on, "$@" is the --log-format option of -f, or empty.
	if [ -n "$format" ]; then
		set -- --log-format "$format"
	else
		set --
	fi

	start=$(date +%s%N)
	SMTPTRIAGE_THREADS=$threads /usr/bin/time -f "%U %S" -o "$dir/cpu" \
	    "$bin" list --format json "$@" --config /dev/null \
	    --state "$dir/state.db" --whitelist "$dir/whitelist" "$log" \
	    > "$dir/out" 2> "$dir/err"
	rc=$?
	end=$(date +%s%N)

	if [ $rc -ne 0 ]; then
		echo "ab.sh: $build failed (exit $rc):" >&2
		cat "$dir/err" >&2
		exit 1
	fi

	if [ ! -f "$dir/out.$k" ]; then
		mv "$dir/out" "$dir/out.$k"
		if [ "$k" -gt 0 ] && ! cmp -s "$dir/out.0" "$dir/out.$k"; then
			echo "ab.sh: the output of $build differs from that of" \
			    "the first build" >&2
			exit 1
		fi
	elif ! cmp -s "$dir/out" "$dir/out.$k"; then
		echo "ab.sh: the output of $build differs between two of its" \
		    "runs" >&2
		exit 1
	fi

	# time prints CPU seconds with two decimals.  The sum is rounded,
	# because "%d" would make 0.01 + 0.06 into 69 ms but 0.07 into 70.
	echo "$k $(( (end - start) / 1000000 )) $(awk \
	    '{ printf "%.0f", ($1 + $2) * 1000 }' "$dir/cpu")" >> "$dir/times"
}

# Write the builds as "number file" lines to $dir/order, and the same
# lines in reverse order to $dir/reverse.
i=0
for build in "$@"; do
	echo "$i $build"
	i=$((i + 1))
done > "$dir/order"
awk '{ line[NR] = $0 } END { for (i = NR; i >= 1; i--) print line[i] }' \
    "$dir/order" > "$dir/reverse"

r=0
while [ $r -lt "$rounds" ]; do
	if [ $((r % 2)) -eq 0 ]; then
		list=$dir/order
	else
		list=$dir/reverse
	fi
	while read -r k build; do
		run_one "$k" "$build" < /dev/null
	done < "$list"
	r=$((r + 1))
done

rounds_text="$rounds rounds"
[ "$rounds" -eq 1 ] && rounds_text="1 round"
echo "ab.sh: $log${format:+, --log-format $format}," \
    "SMTPTRIAGE_THREADS=$threads, $rounds_text, $(date -u \
    '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
faster_head=
[ $# -ge 2 ] && faster_head="   rounds faster than the first build"
printf "%-40s %11s %17s %11s%s\n" build "median wall" "range" \
    "median CPU" "$faster_head"
i=0
for build in "$@"; do
	awk -v k=$i -v name="$build" '
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == 0 { first_wall[++nfirst] = $2 + 0; first_cpu[nfirst] = $3 + 0 }
	$1 == k { w[++n] = $2 + 0; c[n] = $3 + 0 }
	END {
		# Each round runs every build once, so the r-th runs of two
		# builds ran in the same round.
		for (r = 1; r <= n; r++) {
			if (w[r] < first_wall[r])
				wall_wins++
			if (c[r] < first_cpu[r])
				cpu_wins++
		}
		faster = ""
		if (k > 0)
			faster = sprintf("   wall %d, CPU %d of %d",
			    wall_wins, cpu_wins, n)
		mid = median(w, n)
		range = sprintf("%.3f-%.3f s", w[1] / 1000, w[n] / 1000)
		printf "%-40s %9.3f s %17s %9.2f s%s\n", name, mid / 1000,
		    range, median(c, n) / 1000, faster
	}' "$dir/times"
	i=$((i + 1))
done
