#!/bin/sh
# Replay every fuzz target's corpus (fuzz/corpus/NAME) with the programs
# that "make fuzz-replay" builds, as a stage of "make check".  Exits 0 when
# every input ran without a failed check or a sanitizer report.
set -u
cd "$(dirname "$0")/.."

failed=0
for dir in fuzz/corpus/*/; do
	name=$(basename "$dir")
	bin=build/fuzz/replay-$name
	if [ ! -x "$bin" ]; then
		echo "fuzz replay: $bin is missing; run \"make fuzz-replay\"" >&2
		failed=1
		continue
	fi
	if ! "$bin" "$dir"; then
		echo "fuzz replay: FAILED on fuzz/corpus/$name" >&2
		failed=1
	fi
done
exit $failed
