#!/bin/sh
# Run every test stage of "make check" and print one summary line.  Each
# stage is a program or script that exits 0 on success.  A stage that
# cannot run here (the corpus test without ../shared/corpus/real, a console
# test without tmux) prints why and exits 77.  It is counted as skipped,
# not as passed, and does not fail the run.
set -u
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
skipped=0
failures=""
skips=""

# With SANITIZE=1 (make check SANITIZE=1) every program is built with
# AddressSanitizer and UBSan: stop at the first error, and count leaks.
# Check stops a unit test after 4 s by default.  The random-input tests
# take about a second alone, and several times that on a shared machine.
export CK_DEFAULT_TIMEOUT="${CK_DEFAULT_TIMEOUT:-20}"
if [ "${SANITIZE:-}" = 1 ]; then
	if ! nm smtptriage 2>/dev/null | grep -q __asan_init; then
		echo "run_all: SANITIZE=1 but ./smtptriage was built without" \
		    "sanitizers; run \"make clean\" first" >&2
		exit 1
	fi
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
	# Sanitized code runs several times slower: stretch Check's timeouts.
	export CK_TIMEOUT_MULTIPLIER="${CK_TIMEOUT_MULTIPLIER:-4}"
fi

stage() {
	name=$1
	shift
	echo "=== $name"
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		skips="$skips $name"
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
}

stage unit ./build/check_smtptriage
stage cli sh tests/cli_test.sh
stage corpus ./build/corpus_check ../shared/corpus/real
stage dns sh tests/dns_test.sh
stage tui sh tests/tui_test.sh
stage tui-view sh tests/tui_view_test.sh
stage console sh tests/console_test.sh
stage report sh tests/report_test.sh
stage follow sh tests/follow_test.sh
stage fuzz-replay sh fuzz/replay.sh
stage make sh tests/make_test.sh
stage inject sh tests/inject_test.sh
stage crash sh tests/crash_test.sh
stage limits sh tests/limits_test.sh
stage threads sh tests/threads_test.sh

echo
[ -n "$failures" ] && echo "failed stages:$failures"
if [ "$skipped" -eq 0 ]; then
	echo "stages: $passed passed, $failed failed"
else
	echo "stages: $passed passed, $failed failed, $skipped skipped:$skips"
fi
[ "$failed" -eq 0 ]
