#!/bin/sh
# Run libFuzzer targets one after another, each for a set time, and print
# one summary line per target.  Called by "make fuzz" after the build.
#
# usage: sh fuzz/run.sh SECONDS TARGET...
#
# Each target reads its seeds from fuzz/corpus/NAME (never written) and
# keeps the inputs it finds in build/fuzz-corpus/NAME, so a later run
# continues from there.  A crash or failed check leaves the input in
# build/fuzz-crashes/NAME/ and makes the script exit 1; copy it into
# fuzz/corpus/NAME once it is fixed, so "make check" replays it.
# FUZZ_FLAGS adds libFuzzer options, for example "-fork=1 -ignore_crashes=1"
# to go on after a known crash.
# FUZZ_JOBS (default 1) runs that many fuzzing processes per target; with
# 1 the target runs as a single process, which is the same as
# -jobs=1 -workers=1 without libFuzzer's job supervisor.
set -u
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
	echo "usage: sh fuzz/run.sh SECONDS TARGET..." >&2
	exit 1
fi
seconds=$1
shift
jobs=${FUZZ_JOBS:-1}
failed=""

for name in "$@"; do
	bin=build/libfuzzer/fuzz-$name
	corpus=build/fuzz-corpus/$name
	crashes=build/fuzz-crashes/$name
	log=build/fuzz-logs/$name.log
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing; run \"make fuzz-build\"" >&2
		exit 1
	fi
	mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
	set -- -max_total_time="$seconds" -print_final_stats=1 \
	    -artifact_prefix="$crashes/"
	[ "$jobs" -gt 1 ] && set -- "$@" -jobs="$jobs" -workers="$jobs"
	[ -f "fuzz/$name.dict" ] && set -- "$@" -dict="fuzz/$name.dict"
	# shellcheck disable=SC2086
	[ -n "${FUZZ_FLAGS:-}" ] && set -- "$@" $FUZZ_FLAGS
	echo "=== fuzz $name for $seconds s (log: $log)"
	before=$(ls "$crashes" | wc -l)
	if [ "$jobs" -gt 1 ]; then
		# With -jobs libFuzzer writes fuzz-N.log files in the
		# current folder; run it inside the log folder.
		(cd "$(dirname "$log")" && "$OLDPWD/$bin" "$@" \
		    "$OLDPWD/$corpus" "$OLDPWD/fuzz/corpus/$name") >"$log" 2>&1
	else
		"$bin" "$@" "$corpus" "fuzz/corpus/$name" >"$log" 2>&1
	fi
	rc=$?
	# The last "#N DONE" or status line has executions and coverage.
	grep -E '^#[0-9]+' "$log" | tail -1
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log"
	# With -ignore_crashes libFuzzer exits 0 after a crash, so count
	# the saved inputs too.
	found=$(($(ls "$crashes" | wc -l) - before))
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		echo "fuzz: $name FAILED (exit $rc, $found new inputs in" \
		    "$crashes/); see $log"
		failed="$failed $name"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failed targets:$failed"
	exit 1
fi
echo "fuzz: all targets ran without a finding"
exit 0
