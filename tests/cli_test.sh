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
# With no readable input, list prints no empty table.
run list $st "$tmp/missing.log"
expect_rc 2 "only a missing log file"
expect_err "missing.log" "only a missing log file"
[ -s "$tmp/out" ] &&
    fail "only a missing log file: stdout has $(cat "$tmp/out")"

# --- make install: the binary and both man pages, at exact paths and modes.
if ! make --no-print-directory -s install DESTDIR="$tmp/root" PREFIX=/usr \
    >"$tmp/install.out" 2>&1; then
	fail "make install failed: $(cat "$tmp/install.out")"
fi
(cd "$tmp/root" && find . -type f -printf '%m %p\n' | sort) \
    >"$tmp/installed"
printf '%s\n' '644 ./usr/share/man/man1/smtptriage.1' \
    '644 ./usr/share/man/man5/smtptriage.conf.5' \
    '755 ./usr/bin/smtptriage' | sort >"$tmp/expected"
cmp -s "$tmp/installed" "$tmp/expected" ||
    fail "make install wrote $(cat "$tmp/installed")"
make --no-print-directory -s uninstall DESTDIR="$tmp/root" PREFIX=/usr \
    >"$tmp/install.out" 2>&1 || fail "make uninstall failed"
left=$(cd "$tmp/root" && find . -type f)
[ -z "$left" ] || fail "make uninstall left $left"

# The man pages render without a warning from groff, mandoc and man.
for page in docs/smtptriage.1 docs/smtptriage.conf.5; do
	if command -v groff >/dev/null 2>&1; then
		groff -mandoc -ww -z -Tutf8 "$page" >"$tmp/render" 2>&1
		[ -s "$tmp/render" ] &&
		    fail "groff warns about $page: $(cat "$tmp/render")"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -Tlint -Wwarning "$page" >"$tmp/render" 2>&1 ||
		    fail "mandoc warns about $page: $(cat "$tmp/render")"
	fi
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man -l "$page" 2>"$tmp/render" >"$tmp/page"
		[ -s "$tmp/render" ] &&
		    fail "man warns about $page: $(cat "$tmp/render")"
		grep -q "^NAME" "$tmp/page" ||
		    fail "man -l $page shows no NAME section"
	fi
done

# Every option of --help is in smtptriage(1), and every key of the config
# file documentation is in smtptriage.conf(5).
./smtptriage --help | grep -o -- '--[a-z][a-z-]*' | sort -u >"$tmp/options"
while read -r option; do
	name=${option#--}
	grep -qF "Fl \-$(echo "$name" | sed 's/-/\\-/g')" docs/smtptriage.1 ||
	    fail "smtptriage.1 lacks $option"
done <"$tmp/options"
sed -n '/^### Keys/,/^#/s/^| `\([a-z_]*\)[ `].*/\1/p' docs/configuration.md |
    sort -u >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" -ge 20 ] ||
    fail "found only $(wc -l <"$tmp/keys") config keys in configuration.md"
while read -r key; do
	grep -q "^\.It Ic $key " docs/smtptriage.conf.5 ||
	    fail "smtptriage.conf.5 lacks the key $key"
done <"$tmp/keys"

# Every action of the console's key table is in smtptriage.conf(5) and in
# configuration.md, with the same default keys in both.
sed -n 's/^	{ "\([a-z-]*\)", { \("[^}]*"\) }.*/\1 \2/p' tui/ui_keymap.c |
    tr -d '"' >"$tmp/actions"
[ "$(wc -l <"$tmp/actions")" -ge 30 ] ||
    fail "found only $(wc -l <"$tmp/actions") actions in tui/ui_keymap.c"
while read -r action keys; do
	page_keys=$(echo "$keys" | sed 's/;/\\\&;/; s/?/\\\&?/; s/, / , Ic /g')
	grep -qxF ".It Cm $action Pq Ic $page_keys" docs/smtptriage.conf.5 ||
	    fail "smtptriage.conf.5 lacks the action $action with keys $keys"
	md_keys=$(echo "$keys" | sed 's/\([^ ,][^,]*\)/`\1`/g')
	grep -qF "| \`$action\` | $md_keys |" docs/configuration.md ||
	    fail "configuration.md lacks the action $action with keys $keys"
done <"$tmp/actions"

if [ "$failures" -ne 0 ]; then
	echo "cli test: $failures checks failed" >&2
	exit 1
fi
echo "cli test passed"
