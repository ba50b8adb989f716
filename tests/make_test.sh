#!/bin/sh
# Make targets and test programs that promise to run something, not only
# to build it or to pass.  "make -n" prints the targets' commands without
# running them.  A suite name that matches nothing must fail, and a
# missing corpus must exit 77 (skipped), not 0.
set -u
cd "$(dirname "$0")/.." || exit 1

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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/make_test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect WHAT STATUS TEXT FILE: check that the command WHAT exited with
# STATUS (in $rc) and that FILE contains exactly TEXT.
expect() {
	if [ "$rc" -ne "$2" ] || [ "$(cat "$4")" != "$3" ]; then
		echo "make test: $1 gave status $rc and \"$(cat "$4")\"" >&2
		failures=$((failures + 1))
	fi
}

CK_RUN_SUITE=no_such_suite ./build/check_smtptriage >"$tmp/out" 2>"$tmp/err"
rc=$?
expect "CK_RUN_SUITE=no_such_suite" 1 \
    "check_smtptriage: no test ran; CK_RUN_SUITE=no_such_suite matches no test" \
    "$tmp/err"
CK_RUN_SUITE=esc ./build/check_smtptriage >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || ! grep -q 'Checks: [1-9][0-9]*, Failures: 0' "$tmp/out"
then
	echo "make test: CK_RUN_SUITE=esc gave status $rc:" >&2
	cat "$tmp/out" >&2
	failures=$((failures + 1))
fi
./build/corpus_check "$tmp/no-corpus" >"$tmp/out" 2>&1
rc=$?
expect "corpus_check without a corpus" 77 \
    "corpus: $tmp/no-corpus not found, skipped" "$tmp/out"
[ "$failures" -eq 0 ] && echo "make test: all passed"
[ "$failures" -eq 0 ]
