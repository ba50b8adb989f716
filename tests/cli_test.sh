#!/bin/sh
# Command-line contract of smtptriage: exit statuses, option errors and
# --rules on top of a built-in format.  Runs the real binary on fixtures
# written here; no DNS query is made.
set -u
cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "cli test: $*" >&2
	failures=$((failures + 1))
}

st="--config /dev/null --state $tmp/state.db --whitelist $tmp/whitelist"

# Run smtptriage with the state options; keep stdout, stderr and status.
run() {
	# shellcheck disable=SC2086
	./smtptriage "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}

expect_rc() {
	[ "$(cat "$tmp/rc")" = "$1" ] ||
	    fail "$2: exit status $(cat "$tmp/rc"), expected $1"
}

expect_err() {
	grep -qF -- "$1" "$tmp/err" ||
	    fail "$2: stderr lacks \"$1\": $(cat "$tmp/err")"
}

cat >"$tmp/mail.log" <<'LOG'
Nov 30 10:00:00 mx postfix/smtpd[100]: connect from mail.example.com[192.0.2.5]
Nov 30 10:00:01 mx postfix/smtpd[100]: NOQUEUE: reject: RCPT from mail.example.com[192.0.2.5]: 550 5.7.23 <a@b.example>: Recipient address rejected: SPF fail; from=<x@y.example> to=<a@b.example> proto=ESMTP helo=<mail.example.com>
LOG
cat >"$tmp/site.rules" <<'RULES'
# A site's own policy text, counted under its own reason.
rule policy_spf_fail ^\S+ +\d+ [\d:]+ \S+ postfix/smtpd\[\d+\]: \S+: reject: RCPT from [^\[]+\[(?<ip>[0-9A-Fa-f.:]+)\]: 550 5\.7\.23 .*SPF fail
RULES

# --- --rules adds a reason the Postfix parser alone would not give.
run list --format json $st "$tmp/mail.log"
expect_rc 0 "plain list"
grep -qF '"reasons":{"rejected:Recipient address rejected: SPF fail":1}' \
    "$tmp/out" || fail "plain list: unexpected reasons: $(cat "$tmp/out")"
run list --format json $st --rules "$tmp/site.rules" "$tmp/mail.log"
expect_rc 0 "--rules"
grep -qF '"reasons":{"policy_spf_fail":1}' "$tmp/out" ||
    fail "--rules: unexpected reasons: $(cat "$tmp/out")"
grep -qF '"rdns":"mail.example.com"' "$tmp/out" ||
    fail "--rules: the Postfix connect line no longer gives the rDNS name"

# --- Usage errors: exit status 1 and a message naming the value.
run list $st --log-format postfx "$tmp/mail.log"
expect_rc 1 "misspelt --log-format"
expect_err '"postfx" is neither exim, postfix, sendmail nor opensmtpd' \
    "misspelt --log-format"
run list $st --rules "$tmp/missing.rules" "$tmp/mail.log"
expect_rc 1 "missing --rules file"
run list $st --bogus "$tmp/mail.log"
expect_rc 1 "unknown option"
expect_err "smtptriage: unknown option --bogus" "unknown option"
run list $st --format "$tmp/mail.log"
expect_rc 1 "option without its value"
run list $st --dns-timeout 5 "$tmp/mail.log"
expect_rc 1 "--dns-timeout below 10"
expect_err "from 10 to 60000" "--dns-timeout below 10"
run list $st --resolver not-an-address "$tmp/mail.log"
expect_rc 1 "--resolver with a name"
expect_err "smtptriage: DNS:" "--resolver with a name"

# --- An unreadable input: exit status 2, the readable one still listed.
run list --format json $st "$tmp/mail.log" "$tmp/missing.log"
expect_rc 2 "missing log file"
expect_err "missing.log" "missing log file"
grep -qF '"ip":"192.0.2.5"' "$tmp/out" ||
    fail "missing log file: the readable log was not listed"

if [ "$failures" -ne 0 ]; then
	echo "cli test: $failures checks failed" >&2
	exit 1
fi
echo "cli test passed"
