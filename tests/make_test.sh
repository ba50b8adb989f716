#!/bin/sh
# Make targets that promise to run something, not only to build it:
# "make -n" prints their commands without running them.
set -u
cd "$(dirname "$0")/.."

failures=0
out=$(make --no-print-directory -n fuzz-replay 2>&1)
if ! printf '%s\n' "$out" | grep -qx 'sh fuzz/replay.sh'; then
	echo "make test: \"make fuzz-replay\" does not run fuzz/replay.sh" >&2
	failures=$((failures + 1))
fi
out=$(make --no-print-directory -n fuzz-replay-build 2>&1)
if printf '%s\n' "$out" | grep -q 'replay\.sh'; then
	echo "make test: \"make fuzz-replay-build\" runs fuzz/replay.sh" >&2
	failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] && echo "make test: all passed"
[ "$failures" -eq 0 ]
