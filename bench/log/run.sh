#!/bin/sh
# Log parsing benchmark: see docs/performance.md.  Run it with
# "make bench-log" (the Makefile builds ./smtptriage, build/bench_loggen,
# build/bench_linecount and build/bench_latency first), or as
#	sh bench/log/run.sh [SIZE [ROUNDS [CLIENTS]]]
#
# SIZE is the size of each generated log (default 1G; k, M and G work),
# ROUNDS the runs of each command (default 5) and CLIENTS the distinct
# client addresses of the memory run (default 1000000).  The logs go to
# $BENCH_DIR (default /tmp/smtptriage-bench) and are kept for the next
# run with the same SIZE.
#
# After the line with the date and the machine, it prints the memory
# latency that build/bench_latency measures with two threads, when that
# tool is built.
#
# For the Exim mainlog and the Postfix maillog the script reads the file
# once to put it into the page cache, then runs every command ROUNDS
# times, one after the other in each round.  It prints the median wall
# time, the minimum and maximum, and the ratios that docs/performance.md
# states goals for.  After each ratio of two medians it prints the
# lowest and highest ratio of the same two commands within one round.
# The memory run reads one Exim mainlog with CLIENTS distinct clients
# and prints the peak resident set size.
set -u
cd "$(dirname "$0")/../.." || exit 1

size=${1:-1G}
rounds=${2:-5}
clients=${3:-1000000}
dir=${BENCH_DIR:-/tmp/smtptriage-bench}
bin=./smtptriage
gen=./build/bench_loggen
count=./build/bench_linecount

say() {
	echo "bench log: $*"
}

for tool in mawk perl gzip zcat grep /usr/bin/time; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "$tool is missing; install it (mawk, perl, gzip, grep, time)"
		exit 1
	fi
done
for f in "$bin" "$gen" "$count"; do
	if [ ! -x "$f" ]; then
		say "$f is missing; run make bench-log"
		exit 1
	fi
done
mkdir -p "$dir/state" || exit 1
times="$dir/times"
rm -f "$times"

# Generate $1 (format $2, extra loggen options after) unless a file made
# with the same options is there.
generate() {
	out=$1
	shift
	stamp="$*"
	if [ -f "$out" ] && [ -f "$out.options" ] &&
	    [ "$(cat "$out.options")" = "$stamp" ]; then
		return 0
	fi
	say "generating $out ($stamp)"
	"$gen" "$@" -o "$out" || exit 1
	rm -f "$out.gz"
	echo "$stamp" > "$out.options"
}

# Run a command once: run LABEL FORMAT CMD...; appends "FORMAT LABEL
# seconds peak-KiB" to $times.  Standard output goes to $dir/out.
run() {
	label=$1
	format=$2
	shift 2
	start=$(date +%s%N)
	/usr/bin/time -f %M -o "$dir/rss" "$@" > "$dir/out" 2> "$dir/err"
	rc=$?
	end=$(date +%s%N)
	if [ $rc -ne 0 ]; then
		say "$label failed (exit $rc):"
		cat "$dir/err"
		exit 1
	fi
	echo "$format $label $(( (end - start) / 1000 )) $(tail -n 1 \
	    "$dir/rss")" >> "$times"
}

# The list command with a private state, as a script that time can run.
list="$dir/list.sh"
cat > "$list" <<LIST
#!/bin/sh
exec "$PWD/$bin" list --format json --config /dev/null \\
    --state "$dir/state/state.db" --whitelist "$dir/state/whitelist" "\$@"
LIST

bench_format() {
	format=$1
	log="$dir/$format.log"
	generate "$log" -f "$format" -s "$size"
	if [ ! -f "$log.gz" ]; then
		say "compressing $log"
		gzip -c "$log" > "$log.gz.tmp" && mv "$log.gz.tmp" "$log.gz"
	fi
	cat "$log" "$log.gz" > /dev/null
	i=0
	while [ $i -lt "$rounds" ]; do
		run linecount-1 "$format" "$count" -t 1 "$log"
		run linecount-2 "$format" "$count" -t 2 "$log"
		run grep-c "$format" env LC_ALL=C grep -c ' [Ww]arning: ' "$log"
		run mawk "$format" env LC_ALL=C mawk -f bench/log/warnagg.awk \
		    "$log"
		run perl "$format" perl bench/log/warnagg.pl "$log"
		run list "$format" sh "$list" "$log"
		run list-1-thread "$format" env SMTPTRIAGE_THREADS=1 sh "$list" \
		    "$log"
		run list-forced "$format" sh "$list" --log-format "$format" "$log"
		if [ "$format" = exim ]; then
			run list-rules "$format" sh "$list" --log-format \
			    bench/log/exim.rules "$log"
		fi
		run zcat "$format" zcat "$log.gz"
		run list-gz "$format" sh "$list" "$log.gz"
		i=$((i + 1))
	done
}

say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' \
    -f1-3 /proc/loadavg), size $size, $rounds rounds"
# The mean load time of one random cache line, two threads at once, for
# buffers of these sizes per thread, 4,000,000 loads each.  Where it jumps is the cache that
# the client tables outgrow.  docs/performance.md describes the tool in
# the "Method" part of "Log parsing".
if [ -x ./build/bench_latency ]; then
	latency=$(./build/bench_latency -t 2 -n 4000000 2 8 16 32 128)
	rc=$?
	measured=$(echo "$latency" | awk 'NR > 2 && NF == 3 {
		printf "%s%s MiB %.0f ns", sep, $1, $2; sep = ", " }')
	if [ $rc -eq 0 ]; then
		say "memory latency, mean of 2 threads: $measured"
	elif [ -z "$measured" ]; then
		say "memory latency: build/bench_latency failed (exit $rc)" \
		    "before measuring any size"
	else
		say "memory latency: build/bench_latency failed (exit $rc)" \
		    "after measuring $measured"
	fi
fi
bench_format exim
bench_format postfix

mem="$dir/exim-clients.log"
generate "$mem" -f exim -s "$size" -c "$clients"
cat "$mem" > /dev/null
run list-memory memory sh "$list" "$mem"

# Medians, ranges and ratios from $times.
awk -v size="$(stat -c %s "$dir/exim.log")" -v clients="$clients" '
function median(k,    n, i, j, t, a) {
	n = split(all[k], a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	lo[k] = a[1]; hi[k] = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# Print the ratio of the medians of the commands top and bottom on the
# log name, then the lowest and highest ratio of their runs within one
# round.
function ratio(name, text, top, bottom, goal,    r, x, low, high) {
	top = name " " top
	bottom = name " " bottom
	for (r = 1; r <= runs[top] && r <= runs[bottom]; r++) {
		x = run_time[top, r] / run_time[bottom, r]
		if (r == 1 || x < low)
			low = x
		if (r == 1 || x > high)
			high = x
	}
	printf "%s: %s %.2f, by round %.2f-%.2f%s\n", name, text,
	    m[top] / m[bottom], low, high, goal
}
{
	k = $1 " " $2
	all[k] = all[k] " " $3
	run_time[k, ++runs[k]] = $3
	rss[k] = $4 > rss[k] ? $4 : rss[k]
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
}
END {
	printf "%-8s %-14s %9s %19s %9s %10s\n", "log", "command", "median",
	    "min-max", "MB/s", "peak RSS"
	for (i = 1; i <= n; i++) {
		k = order[i]
		m[k] = median(k) / 1e6
		split(k, p, " ")
		range = sprintf("%.3f-%.3fs", lo[k] / 1e6, hi[k] / 1e6)
		printf "%-8s %-14s %8.3fs %19s %9.0f %7.0f MiB\n", p[1],
		    p[2], m[k], range, size / m[k] / 1e6, rss[k] / 1024
	}
	print ""
	split("exim postfix", fs, " ")
	for (i = 1; i <= 2; i++) {
		f = fs[i]
		ratio(f, "mawk / list", "mawk", "list", " (goal >= 2)")
		ratio(f, "list rate / 2-thread line count rate", "linecount-2",
		    "list", " (goal >= 0.25)")
		ratio(f, "list of .gz / zcat", "list-gz", "zcat",
		    " (goal <= 1.2)")
		ratio(f, "detection, list / list --log-format", "list",
		    "list-forced", " (goal <= 1.5)")
		ratio(f, "list with 1 thread / list", "list-1-thread", "list",
		    "")
	}
	ratio("exim", "rules / built-in parser", "list-rules", "list-forced",
	    " (goal <= 1.5)")
	limit = 64 * 1024 + clients
	peak = rss["memory list-memory"]
	fmt = "memory: peak RSS %.0f MiB with %d clients, limit %.0f MiB"
	fmt = fmt " (64 MiB + 1 KiB per client): %s\n"
	printf fmt, peak / 1024, clients, limit / 1024,
	    peak < limit ? "met" : "not met"
}' "$times"
