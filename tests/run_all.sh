#!/bin/sh
# Run every test stage of "make check" and print one summary line.  Each
# stage is a program or script that exits 0 on success.  A stage that
# cannot run here (for example the corpus test without ../shared) says so
# itself and exits 0.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=""

stage() {
	name=$1
	shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
}

stage unit ./build/check_smtptriage
stage corpus ./build/corpus_check ../shared/corpus/real
stage dns sh tests/dns_test.sh
stage tui sh tests/tui_test.sh

echo
[ -n "$failures" ] && echo "failed stages:$failures"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
