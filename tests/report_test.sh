#!/bin/sh
# The report and export commands end to end, with a real MTA: Debian's
# exim4-daemon-light with a private config (-C), its own spool in a
# temporary folder, and a router that appends every message to a mailbox
# file there.  Exim delivers at once (-odi) and listens on no socket, so
# nothing leaves the machine.  The test sends reports through that MTA's
# sendmail interface, reads them back from the mailbox, and checks the
# headers, the body, the history, the dedupe window, the daily cap, a
# failed send and its retry, the summary lines and the exit statuses.  It
# also checks the export formats and, in tmux, the console's pager and
# $EDITOR.
#
# Exits 0 when every check passes, 1 with a message naming the failed
# check.  Without /usr/sbin/exim4 the MTA checks are skipped with a
# message and the others still run.
set -u
cd "$(dirname "$0")/.."

# Maximum wait for the console's screen, in tenths of a second.
WAIT_TENTHS=50

# Load the screen helpers (capture, wait_for, keys).  The fail function
# below replaces the one in tmux_lib.sh, which also prints the screen.
test_name="report test"
. tests/tmux_lib.sh
require_program ./smtptriage

tmp=$(mktemp -d "${TMPDIR:-/tmp}/report_test.XXXXXX")
failures=0
trap 'tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "report test FAILED: $*" >&2
	failures=$((failures + 1))
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: got \"$2\", want \"$3\""
	fi
}

log=tests/fixtures/reports/mainlog
export TZ=UTC LC_ALL=C

# --- The MTA: a private Exim, or none.
exim=/usr/sbin/exim4
have_exim=0
if [ -x "$exim" ]; then
	have_exim=1
else
	echo "report test: $exim is missing, so the MTA checks are skipped" \
	    "(install exim4-daemon-light)"
fi
mkdir -p "$tmp/spool" "$tmp/mail"
if [ "$(id -u)" -eq 0 ]; then
	# Exim never delivers as root, so the mailbox is written by the
	# nobody user.
	exim_user=root
	deliver_user=nobody
	chown nobody "$tmp/mail"
	chmod 755 "$tmp"
else
	# Without root, Exim runs as the caller with -C.
	exim_user=$(id -un)
	deliver_user=$exim_user
fi
mbox=$tmp/mail/mbox

write_exim_conf() {	# FILE ACL-VERB
	cat >"$1" <<EOF
primary_hostname = mx.test.invalid
spool_directory = $tmp/spool
log_file_path = $tmp/spool/log/%slog
exim_user = $exim_user
exim_group = $(id -gn "$exim_user")
never_users =
trusted_users = $exim_user
local_from_check = false
keep_environment =
acl_not_smtp = acl_check_not_smtp
begin acl
acl_check_not_smtp:
  $2
begin routers
mailbox:
  driver = accept
  transport = mailbox_file
begin transports
mailbox_file:
  driver = appendfile
  file = $mbox
  user = $deliver_user
  mode = 0644
begin retry
* * F,1m,1m
EOF
}
write_exim_conf "$tmp/exim.conf" "accept"
write_exim_conf "$tmp/exim-deny.conf" "deny message = refused by the test"

# The config file: From, Reply-To, one provider with its recipient.
write_config() {	# FILE SENDMAIL-CONF [EXTRA LINE]
	cat >"$1" <<EOF
from = Abuse Desk <abuse@example.org>
reply_to = Abuse Replies <abuse-replies@example.org>
sendmail = $exim -C $2 -odi -oep -oi -t
provider "Example Hosting" = 203.0.113.0/24
recipient "Example Hosting" = abuse@hosting.example
${3:-}
EOF
	chmod 600 "$1"
}
write_config "$tmp/config" "$tmp/exim.conf"
write_config "$tmp/config-deny" "$tmp/exim-deny.conf"
write_config "$tmp/config-cap" "$tmp/exim.conf" "report_daily_cap = 1"
write_config "$tmp/config-xarf" "$tmp/exim.conf" "report_xarf = yes"

# run STATE CONFIG ARGS...: the report command; output in $tmp/out and
# $tmp/err, exit status in $rc.
run() {
	state=$1
	config=$2
	shift 2
	./smtptriage report --config "$config" --state "$tmp/$state.db" \
	    --whitelist "$tmp/whitelist" --outbox "$tmp/outbox-$state" \
	    "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

count_outbox() {	# STATE
	find "$tmp/outbox-$1" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '
}

count_mail() {
	if [ -f "$mbox" ]; then
		grep -c '^From ' "$mbox"
	else
		echo 0
	fi
}

# The summary line of the report command.
summary() {	# WORD SELECTED SENT FAILED OUTBOX WINDOW CAP NORCPT WL
	s1=s
	[ "$2" -eq 1 ] && s1=
	s3=s
	[ "$3" -eq 1 ] && s3=
	echo "$1: $2 suspect$s1 selected; $3 message$s3 sent, $4 failed, $5" \
	    "written to the outbox; skipped $6 reported within 7 days, $7" \
	    "over the daily cap, $8 without a verified recipient, $9" \
	    "whitelisted, 0 waiting in the outbox for --retry"
}

# The summary line of report --retry.
retry_summary() {	# SENT FAILED ALREADY-SENT DROPPED
	echo "report --retry: $1 sent, $2 failed, $3 already sent by another" \
	    "smtptriage, $4 dropped as reported since"
}

# --- Dry run (the default): every message goes to the outbox only.
run dry "$tmp/config" --all-suspects --no-dns "$log"
expect_eq "dry run exit status" "$rc" 0
expect_eq "dry run summary" "$(cat "$tmp/out")" \
    "$(summary "report (dry run)" 6 0 0 3 0 0 1 0)"
expect_eq "dry run outbox files" "$(count_outbox dry)" 3
expect_eq "dry run history rows" \
    "$(sqlite3 "$tmp/dry.db" 'SELECT count(*) FROM reports')" 0
grep -q 'bad line skipped: NUL byte' "$tmp/err" ||
    fail "the log line with a NUL byte was not reported as bad"

# Every message in the outbox: no header from a log, no raw control byte.
for f in "$tmp"/outbox-dry/*.eml; do
	sed '/^$/q' "$f" | grep -q '^Bcc:' &&
	    fail "$f has a Bcc header from the log"
	if tr -d '\033\000' <"$f" | cmp -s - "$f"; then :; else
		fail "$f holds a raw ESC or NUL byte"
	fi
done
hosting=$(grep -l '^To: abuse@hosting.example$' "$tmp"/outbox-dry/*.eml)
[ -n "$hosting" ] || fail "no dry-run report to abuse@hosting.example"
grep -q 'H=(evil\\x1B\[2J.example) \[203.0.113.81\] Warning: HELO verification failed\\r$' \
    $hosting || fail "the hostile log line is not quoted escaped"

# --- Usage errors and an unreadable input.
run usage "$tmp/config" --send --dry-run "$log"
expect_eq "--send with --dry-run exit status" "$rc" 1
run usage "$tmp/config" --marked --all-suspects "$log"
expect_eq "--marked with --all-suspects exit status" "$rc" 1
run usage "$tmp/config" --from 'a@example.org
Bcc: x@example.org' "$log"
expect_eq "--from with a line break exit status" "$rc" 1
run usage "$tmp/config" --send "$tmp/no-such-log"
expect_eq "missing log exit status" "$rc" 2

# --- Marked only (the default selection), with DNS against a closed port.
run marked "$tmp/config" --resolver 127.0.0.1:1 --abuse-zone '' \
    --dns-timeout 100 --dns-tries 1 "$log"
expect_eq "no marks exit status" "$rc" 0
expect_eq "no marks summary" "$(cat "$tmp/out")" \
    "$(summary "report (dry run)" 0 0 0 0 0 0 0 0)"
sqlite3 "$tmp/marked.db" \
    "INSERT INTO marks (ip, time) VALUES ('192.0.2.61', 1), ('2001:db8::63', 1)"
run marked "$tmp/config" --resolver 127.0.0.1:1 --abuse-zone '' \
    --dns-timeout 100 --dns-tries 1 "$log"
expect_eq "marked summary" "$(cat "$tmp/out")" \
    "$(summary "report (dry run)" 2 0 0 2 0 0 0 0)"
grep -q '^DNS check at ' "$tmp"/outbox-marked/*.eml ||
    fail "the reports have no DNS check section"
grep -q '^  PTR of 192.0.2.61: ' "$tmp"/outbox-marked/*.eml ||
    fail "the reports show no PTR rcode"

# --- --since and --provider narrow the selection.
run since "$tmp/config" --all-suspects --no-dns --since 2026-11-30T10:12 \
    "$log"
expect_eq "--since summary" "$(cat "$tmp/out")" \
    "$(summary "report (dry run)" 3 0 0 2 0 0 0 0)"
run provider "$tmp/config" --all-suspects --no-dns \
    --provider 'example hosting' "$log"
expect_eq "--provider summary" "$(cat "$tmp/out")" \
    "$(summary "report (dry run)" 2 0 0 1 0 0 0 0)"

# --- A fake sendmail: each message in its own file in fake-sent, or exit
# 75 while fake-fails exists, after a second while fake-slow exists.
mkdir -p "$tmp/fake-sent"
cat >"$tmp/fake-sendmail" <<EOF
#!/bin/sh
[ -e "$tmp/fake-slow" ] && sleep 1
if [ -e "$tmp/fake-fails" ]; then
	cat >/dev/null
	exit 75
fi
cat >"\$(mktemp "$tmp/fake-sent/XXXXXX")"
EOF
chmod 700 "$tmp/fake-sendmail"
cat >"$tmp/config-fake" <<EOF
from = Abuse Desk <abuse@example.org>
sendmail = $tmp/fake-sendmail
provider "Example Hosting" = 203.0.113.0/24
recipient "Example Hosting" = abuse@hosting.example
EOF
chmod 600 "$tmp/config-fake"
count_fake() {
	find "$tmp/fake-sent" -type f | wc -l | tr -d ' '
}
# The number before WORDS in the summary line in $tmp/out.
count_in_summary() {	# WORDS
	sed -n "s/.* \([0-9][0-9]*\) $1.*/\1/p" "$tmp/out"
}
# Wait until another process holds the flock on file $1.
wait_locked() {
	i=0
	while flock -n "$1" true 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# --- Two failing cron runs: the second composes no new report while the
# failed one waits in the outbox, and one retry sends each report once.
touch "$tmp/fake-fails"
run dup "$tmp/config-fake" --all-suspects --no-dns --send "$log"
expect_eq "first failing run exit status" "$rc" 3
first_outbox=$(count_outbox dup)
expect_eq "first failing run outbox files" "$first_outbox" \
    "$(count_in_summary failed)"
waiting=$(sqlite3 "$tmp/dup.db" 'SELECT count(DISTINCT ip) FROM reports')
run dup "$tmp/config-fake" --all-suspects --no-dns --send "$log"
expect_eq "second failing run exit status" "$rc" 0
expect_eq "second failing run waiting count" \
    "$(count_in_summary "waiting in the outbox for --retry")" "$waiting"
expect_eq "second failing run messages" \
    "$(count_in_summary "messages sent")" 0
expect_eq "second failing run outbox files" "$(count_outbox dup)" \
    "$first_outbox"
rm "$tmp/fake-fails"
run dup "$tmp/config-fake" --retry
expect_eq "retry after two failing runs exit status" "$rc" 0
expect_eq "retry after two failing runs summary" "$(cat "$tmp/out")" \
    "$(retry_summary $first_outbox 0 0 0)"
expect_eq "messages sent by the retry" "$(count_fake)" "$first_outbox"
expect_eq "outbox after the retry" "$(count_outbox dup)" 0

# --- Three retries at once: each report goes out once, and the runs that
# find it sent by another count it so, and exit 0.
rm -f "$tmp"/fake-sent/*
touch "$tmp/fake-fails"
run conc "$tmp/config-fake" --all-suspects --no-dns --send "$log"
rm "$tmp/fake-fails"
failed_reports=$(count_outbox conc)
touch "$tmp/fake-slow"
for n in 1 2 3; do
	./smtptriage report --config "$tmp/config-fake" \
	    --state "$tmp/conc.db" --whitelist "$tmp/whitelist" \
	    --outbox "$tmp/outbox-conc" --retry >"$tmp/conc$n.out" \
	    2>"$tmp/conc$n.err" &
	eval "pid$n=\$!"
	# The first run holds the send lock before the others start.
	[ $n -eq 1 ] && wait_locked "$tmp/conc.db.send-lock"
done
total=0
for n in 1 2 3; do
	eval "wait \$pid$n"
	expect_eq "concurrent retry $n exit status" "$?" 0
	line=$(cat "$tmp/conc$n.out")
	sent=$(echo "$line" |
	    sed -n 's/^report --retry: \([0-9]*\) sent, .*/\1/p')
	already=$(echo "$line" |
	    sed -n 's/.* \([0-9]*\) already sent by another smtptriage.*/\1/p')
	case $line in
	*", 0 failed, "*) ;;
	*) fail "concurrent retry $n: $line" ;;
	esac
	expect_eq "concurrent retry $n: sent and already sent" \
	    "$((sent + already))" "$failed_reports"
	total=$((total + sent))
done
rm "$tmp/fake-slow"
expect_eq "concurrent retries: reports sent" "$total" "$failed_reports"
expect_eq "concurrent retries: messages" "$(count_fake)" "$failed_reports"

# --- A report of one suspect sent while a cron run waits for the lock:
# the run drops only that suspect and sends the message for the others.
rm -f "$tmp"/fake-sent/*
: >"$tmp/held.db.send-lock"
flock "$tmp/held.db.send-lock" \
    sh -c "while [ ! -e '$tmp/go' ]; do sleep 0.05; done" &
holder=$!
wait_locked "$tmp/held.db.send-lock"
./smtptriage report --config "$tmp/config-fake" --state "$tmp/held.db" \
    --whitelist "$tmp/whitelist" --outbox "$tmp/outbox-held" \
    --all-suspects --no-dns --send "$log" >"$tmp/out" 2>"$tmp/err" &
cron=$!
i=0
while ! grep -q 'waiting for another smtptriage' "$tmp/err" &&
    [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
sqlite3 "$tmp/held.db" "INSERT INTO reports (ip, recipient, message_id,
    method, path, exit_status, time) VALUES ('203.0.113.80',
    'abuse@hosting.example', '<meanwhile@test>', 'sendmail', NULL, 0,
    strftime('%s', 'now'))"
touch "$tmp/go"
wait "$cron"
expect_eq "run that waited exit status" "$?" 0
wait "$holder"
expect_eq "run that waited: reported meanwhile" \
    "$(count_in_summary "reported within")" 1
hosting=$(grep -l '^To: abuse@hosting.example$' "$tmp"/fake-sent/*)
if [ -z "$hosting" ]; then
	fail "run that waited: nothing was sent to abuse@hosting.example"
else
	grep -q '^Subject: .*203\.0\.113\.81' $hosting ||
	    fail "run that waited: 203.0.113.81 was not sent"
	grep -q '203\.0\.113\.80' $hosting &&
	    fail "run that waited: 203.0.113.80 was sent again"
fi

if [ "$have_exim" -eq 1 ]; then
	# --- Send through Exim and read the messages back.
	run sent "$tmp/config" --all-suspects --no-dns --send "$log"
	expect_eq "send exit status" "$rc" 0
	expect_eq "send summary" "$(cat "$tmp/out")" \
	    "$(summary report 6 3 0 0 0 0 1 0)"
	expect_eq "messages in the mailbox" "$(count_mail)" 3
	expect_eq "outbox after sending" "$(count_outbox sent)" 0
	for header in 'From: Abuse Desk <abuse@example.org>' \
	    'Reply-To: Abuse Replies <abuse-replies@example.org>' \
	    'To: abuse@example.net' 'To: abuse@example.com' \
	    'To: abuse@hosting.example' 'Auto-Submitted: auto-generated' \
	    'Content-Type: text/plain; charset=utf-8' \
	    'Subject: Abuse report: 192.0.2.61, 192.0.2.62 (helo_verify_failed)' \
	    'Subject: Abuse report: 2001:db8::63 (fcrdns_mismatch)'; do
		grep -qxF "$header" "$mbox" ||
		    fail "the mailbox has no \"$header\" line"
	done
	grep -qx '=== Client 2 of 2: 192.0.2.62 ===' "$mbox" ||
	    fail "the example.net report does not list 192.0.2.62"
	grep -q '^Bcc:' "$mbox" && fail "a Bcc line reached the mailbox"
	grep -q '^To:.*victim' "$mbox" &&
	    fail "a recipient came from an unverified HELO name"
	if tr -d '\033' <"$mbox" | cmp -s - "$mbox"; then :; else
		fail "the mailbox holds a raw ESC byte"
	fi
	# The Message-IDs in the mailbox are those in the history.
	sqlite3 "$tmp/sent.db" \
	    'SELECT DISTINCT message_id FROM reports ORDER BY 1' >"$tmp/ids"
	grep -i '^Message-ID: ' "$mbox" | sed 's/^[^:]*: //' | sort \
	    >"$tmp/mbox-ids"
	cmp -s "$tmp/ids" "$tmp/mbox-ids" ||
	    fail "Message-IDs in the mailbox differ from the history"
	expect_eq "history rows" "$(sqlite3 "$tmp/sent.db" \
	    "SELECT count(*) FROM reports WHERE exit_status = 0 AND
	    method = 'sendmail'")" 5

	# --- The same run again: the dedupe window keeps every report back.
	run sent "$tmp/config" --all-suspects --no-dns --send "$log"
	expect_eq "dedupe exit status" "$rc" 0
	expect_eq "dedupe summary" "$(cat "$tmp/out")" \
	    "$(summary report 6 0 0 0 5 0 1 0)"
	expect_eq "mailbox after the dedupe run" "$(count_mail)" 3

	# --- --force passes the window; a cap of one a day still holds.
	run sent "$tmp/config-cap" --all-suspects --no-dns --send --force \
	    "$log"
	expect_eq "daily cap exit status" "$rc" 0
	expect_eq "daily cap summary" "$(cat "$tmp/out")" \
	    "$(summary report 6 0 0 0 0 5 1 0)"
	expect_eq "mailbox after the cap run" "$(count_mail)" 3

	# --- --to sends every report to one address for review.
	run review "$tmp/config" --all-suspects --no-dns --send \
	    --to 'Review <review@example.org>' "$log"
	expect_eq "--to summary" "$(cat "$tmp/out")" \
	    "$(summary report 6 1 0 0 0 0 0 0)"
	grep -qxF 'To: Review <review@example.org>' "$mbox" ||
	    fail "the --to report is not addressed to review@example.org"

	# --- A failed send stays in the outbox; --retry sends it later.
	run retry "$tmp/config-deny" --all-suspects --no-dns --send "$log"
	expect_eq "failed send exit status" "$rc" 3
	expect_eq "failed send summary" "$(cat "$tmp/out")" \
	    "$(summary report 6 0 3 0 0 0 1 0)"
	# Without root, Exim also says that it gave up its privileges.
	grep -q 'failed (/usr/sbin/exim4 exited with status 1: .*refused by the test); the report is in ' \
	    "$tmp/err" || fail "the failed send's message is missing: $(cat "$tmp/err")"
	expect_eq "outbox after the failed send" "$(count_outbox retry)" 3
	mails=$(count_mail)
	run retry "$tmp/config-deny" --retry
	expect_eq "retry that fails again exit status" "$rc" 3
	expect_eq "retry that fails again summary" "$(cat "$tmp/out")" \
	    "$(retry_summary 0 3 0 0)"
	run retry "$tmp/config" --retry
	expect_eq "retry exit status" "$rc" 0
	expect_eq "retry summary" "$(cat "$tmp/out")" \
	    "$(retry_summary 3 0 0 0)"
	expect_eq "outbox after the retry" "$(count_outbox retry)" 0
	expect_eq "mailbox after the retry" "$(count_mail)" $((mails + 3))
	run retry "$tmp/config" --all-suspects --no-dns --send "$log"
	expect_eq "after retry, dedupe summary" "$(cat "$tmp/out")" \
	    "$(summary report 6 0 0 0 5 0 1 0)"

	# --- X-ARF: one JSON part per client, readable after base64.
	: >"$mbox"
	run xarf "$tmp/config-xarf" --all-suspects --no-dns --send \
	    --provider 'Example Hosting' "$log"
	expect_eq "xarf summary" "$(cat "$tmp/out")" \
	    "$(summary report 2 1 0 0 0 0 0 0)"
	grep -q '^Content-Type: multipart/mixed; boundary="=_smtptriage_' \
	    "$mbox" || fail "the X-ARF report is not multipart/mixed"
	expect_eq "X-ARF parts" "$(grep -c \
	    '^Content-Type: application/json; name="xarf-203.0.113.8[01].json"$' \
	    "$mbox")" 2
	awk '/^Content-Transfer-Encoding: base64$/ { b = 1; next }
	    b && /^$/ { next } b && /^--/ { exit } b { print }' "$mbox" |
	    base64 -d 2>/dev/null >"$tmp/xarf.json"
	grep -q '"xarf_version": "4.0.0"' "$tmp/xarf.json" ||
	    fail "the first X-ARF part does not decode to XARF JSON"
	grep -q '"source_identifier": "203.0.113.8[01]"' "$tmp/xarf.json" ||
	    fail "the X-ARF part names no source_identifier"
fi

# --- export: marked clients and whitelist entries.
cat >"$tmp/whitelist" <<'EOF'
# partners
198.51.100.0/24
2001:db8:10::/48
192.0.2.99
*.partner.example
mx?.example.org
EOF
chmod 600 "$tmp/whitelist"
./smtptriage list --config /dev/null --state "$tmp/export.db" \
    --whitelist "$tmp/whitelist" "$log" >/dev/null 2>&1
sqlite3 "$tmp/export.db" "INSERT INTO marks (ip, time) VALUES
    ('192.0.2.61', 1), ('2001:db8::63', 1), ('198.51.100.70', 1)"
export_run() {	# FORMAT LIST
	./smtptriage export --config /dev/null --state "$tmp/export.db" \
	    --whitelist "$tmp/whitelist" --format "$1" --"$2" \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
export_run exim marked
expect_eq "export exim exit status" "$rc" 0
expect_eq "export exim marked" "$(cat "$tmp/out")" \
"# Marked clients, written by smtptriage export
192.0.2.61
2001:db8::63"
expect_eq "export left-out note" "$(cat "$tmp/err")" \
    "smtptriage: left out 1 marked address that the whitelist matches"
export_run postfix marked
expect_eq "export postfix marked" "$(cat "$tmp/out")" \
"# Marked clients, written by smtptriage export
192.0.2.61/32 REJECT client marked as a suspect by smtptriage
2001:db8::63/128 REJECT client marked as a suspect by smtptriage"
export_run postfix whitelisted
expect_eq "export postfix whitelisted" "$(cat "$tmp/out")" \
"# Whitelisted clients, written by smtptriage export
198.51.100.0/24 OK
2001:db8:10::/48 OK
192.0.2.99/32 OK
# *.partner.example: a name, which a cidr table cannot hold
# mx?.example.org: a name, which a cidr table cannot hold"
export_run exim whitelisted
expect_eq "export exim whitelisted" "$(cat "$tmp/out")" \
"# Whitelisted clients, written by smtptriage export
198.51.100.0/24
2001:db8:10::/48
192.0.2.99
*.partner.example
^mx.\\.example\\.org\$"
export_run csv marked
expect_eq "export csv marked" "$(cat "$tmp/out")" \
"entry,list
192.0.2.61,marked
2001:db8::63,marked"

# The Postfix table: each line a comment or "ADDRESS/PREFIX ACTION", with
# an address inet_pton accepts and a prefix within its family.
for l in marked whitelisted; do
	export_run postfix "$l"
	grep -v '^#' "$tmp/out" | while read -r net action rest; do
		addr=${net%/*}
		prefix=${net#*/}
		case $addr in
		*:*) max=128 ;;
		*) max=32 ;;
		esac
		if ! perl -MSocket=inet_pton,AF_INET,AF_INET6 -e '
		    exit !defined(inet_pton($ARGV[1] == 128 ? AF_INET6 :
		    AF_INET, $ARGV[0]))' "$addr" "$max" 2>/dev/null; then
			echo "bad address $addr"
		fi
		case $prefix in
		''|*[!0-9]*) echo "bad prefix in $net" ;;
		*) [ "$prefix" -le "$max" ] || echo "prefix too long in $net" ;;
		esac
		case $action in
		OK|REJECT) ;;
		*) echo "bad action $action" ;;
		esac
	done >"$tmp/bad"
	[ -s "$tmp/bad" ] && fail "postfix table ($l): $(cat "$tmp/bad")"
	if command -v postmap >/dev/null 2>&1; then
		cp "$tmp/out" "$tmp/table.cidr"
		postmap -q 192.0.2.61 "cidr:$tmp/table.cidr" >/dev/null ||
		    [ "$l" = whitelisted ] ||
		    fail "postmap does not find 192.0.2.61 in the marked table"
	fi
done
./smtptriage export --config /dev/null --format yaml >/dev/null 2>&1
expect_eq "export with an unknown format exit status" "$?" 1
./smtptriage export --config /dev/null --format exim "$log" >/dev/null 2>&1
expect_eq "export with a log file exit status" "$?" 1

# --- The console in tmux: r opens the pager, e runs $EDITOR (a script
# that edits one line), y writes the edited report to the outbox.
if command -v tmux >/dev/null 2>&1; then
	sock=$tmp/tmux.sock
	printf '#!/bin/sh\nsed -i "s/^What to fix\\$/What to fix (checked in tmux)/" "$1"\n' \
	    >"$tmp/editor"
	chmod 700 "$tmp/editor"
	echo "set-option -g status off" >"$tmp/tmux.conf"
	tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x 160 -y 45 \
	    "env TERM=tmux-256color EDITOR=$tmp/editor ./smtptriage \
	    --config $tmp/config --state $tmp/console.db \
	    --whitelist $tmp/whitelist --outbox $tmp/outbox-console \
	    --resolver 127.0.0.1:1 --abuse-zone '' --dry-run $log; \
	    echo \$? >$tmp/console-exit" || fail "tmux could not start"
	if wait_for "192.0.2.61"; then
		keys r
		wait_for "Report about" && keys e
		wait_for "report edited; y sends it as it is now" && keys y
		wait_for "dry run: written to $tmp/outbox-console/" && keys q
		i=0
		while [ ! -s "$tmp/console-exit" ] && [ $i -lt "$WAIT_TENTHS" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		expect_eq "console exit status" \
		    "$(cat "$tmp/console-exit" 2>/dev/null)" 0
		grep -qx 'What to fix (checked in tmux)' \
		    "$tmp"/outbox-console/*.eml 2>/dev/null ||
		    fail "the console did not write the edited report"
	fi
	tmux -S "$sock" kill-server 2>/dev/null
else
	echo "report test: tmux is missing, so the console check is skipped"
fi

if [ "$failures" -gt 0 ]; then
	echo "report test: $failures check(s) failed" >&2
	exit 1
fi
echo "report test: all checks passed"
