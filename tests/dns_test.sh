#!/bin/sh
# Integration test of the live DNS re-check: start NSD on 127.0.0.1 and a
# free port with the zones in tests/dns/, run
#	smtptriage list --dns --format json --resolver 127.0.0.1:PORT
#	    --dnsbl bl.test,servfail-bl.test --abuse-zone abuse.test
# on Exim log fixtures, and compare every "dns", "dnsbl" and
# "abuse_contact" object with the expected one.  Exits 0 when all runs
# match, 1 otherwise, and prints what differed.
#
# Run 1, tests/dns/mainlog against NSD (expected.jsonl):
#	192.0.2.10	PTR and A match; HELO = PTR name; HELO through a CNAME;
#			an abuse contact
#	192.0.2.20	PTR name resolves to another address; HELO too; listed
#			with two codes; abuse contacts from four TXT records
#	192.0.2.30	PTR NXDOMAIN; HELO NXDOMAIN; DNSBL error code
#	198.51.100.40	PTR SERVFAIL; HELO resolves to the client
#	203.0.113.125	PTR and HELO both SERVFAIL (like Microsoft 365)
#	2001:db8::25	ip6.arpa PTR and AAAA; HELO [IPv6:2001:DB8::25];
#			listed and an abuse contact by reversed nibbles
#	192.0.2.60	two PTR names; HELO literals of the client and another;
#			a DNSBL code that the config marks as no listing
#	192.0.2.70	HELO REFUSED (a name outside every NSD zone)
#	192.0.2.80	PTR name NXDOMAIN; HELO without address records
#	192.0.2.90	PTR name with a space (not asked); HELO invalid
#	2001:db8::70	PTR and HELO with A and AAAA records
#	192.0.2.110	PTR name and HELO reach the address through 2 CNAMEs
#	192.0.2.120	PTR behind a CNAME (RFC 2317); HELO in a CNAME loop
#	192.0.2.130	16 long PTR names: the UDP answer is truncated and the
#			names arrive over TCP
# Every client also asks servfail-bl.test, which answers SERVFAIL.
# Before run 2, tests/dns/mainlog-refused names two clients outside every
# NSD zone, so both PTR queries get REFUSED (expected-refused.jsonl).
# That run and runs 2 and 3 also check the warning on standard error.
# Run 2, tests/dns/mainlog-silent with NSD stopped by SIGSTOP: its socket
# stays open and queries get no answer at all (expected-timeout.jsonl).
# Run 3, the same log once NSD has exited: nothing listens on the port,
# so c-ares gets "connection refused" (expected-error.jsonl).
# Then "list --history" reads what the three runs stored in the state
# database and compares the problems found (expected-history.jsonl).
# Between runs 1 and 2 the console runs in tmux against NSD: A re-checks
# every suspect in the background, and the detail pane of 192.0.2.20
# must show its DNSBL, abuse contact and history lines, and that of
# 192.0.2.10 its provider from the live check (skipped without tmux).
#
# NSD (not unbound) serves everything: NSD answers SERVFAIL at once for a
# zone whose file is missing and REFUSED outside its zones.  unbound could
# drop single names to give timeouts, but Debian and Ubuntu ship an
# AppArmor profile for it that allows reading configuration only under
# /etc/unbound, so it may not start from a temporary folder.
set -u
cd "$(dirname "$0")/.."

bin=${SMTPTRIAGE_BIN:-./smtptriage}
fixtures=tests/dns
# Milliseconds per try.  With two tries a silent server takes 3 times this.
dns_timeout=200

tmp=""
nsd_pid=""
port=""
failed=0

say() {
	echo "dns_test: $*"
}

# Stop our tmux server and our NSD.
stop_tmux() {
	[ -n "$tmp" ] && [ -S "$tmp/tmux.sock" ] &&
	    tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null
	return 0
}

# Stop our NSD: its main process leads a process group of its own.
stop_nsd() {
	[ -n "$nsd_pid" ] || return 0
	kill -CONT -"$nsd_pid" 2>/dev/null
	kill -TERM -"$nsd_pid" 2>/dev/null
	i=0
	while kill -0 "$nsd_pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$nsd_pid" 2>/dev/null; then
		say "NSD (process group $nsd_pid) did not stop; killing it"
		kill -KILL -"$nsd_pid" 2>/dev/null
	fi
	nsd_pid=""
}

# DNS_TEST_KEEP=1 keeps the temporary folder with the outputs.
cleanup() {
	stop_tmux
	stop_nsd
	if [ -n "${DNS_TEST_KEEP:-}" ] && [ -n "$tmp" ]; then
		say "outputs kept in $tmp"
	elif [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
. tests/nsd_lib.sh

for tool in nsd jq setsid od; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "FAIL: $tool not found; run \"make deps\""
		exit 1
	fi
done
if [ ! -x "$bin" ]; then
	say "FAIL: $bin not built; run \"make smtptriage\""
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-dns.XXXXXX") || exit 1
cp "$fixtures"/*.zone "$tmp"/
# The meanings of two return codes of bl.test.  smtptriage rejects a
# config file that others may write, hence the mode.
cat >"$tmp/config" <<EOF
dnsbl_code bl.test 127.255.255.0-127.255.255.255 = error query refused
dnsbl_code bl.test 127.0.0.3 = not_listed test entry
EOF
chmod 600 "$tmp/config"

# Start NSD on a random port, trying another one if the port is taken.
start_nsd() {
	attempt=0
	while [ "$attempt" -lt 5 ]; do
		attempt=$((attempt + 1))
		port=$(random_port)
		sed -e "s|@DIR@|$tmp|g" -e "s|@PORT@|$port|g" \
		    "$fixtures/nsd.conf.in" >"$tmp/nsd.conf"
		# setsid: NSD forks a server and a transfer process, and
		# SIGSTOP must reach all of them through one process group.
		if nsd_try_start 50 setsid; then
			nsd_pid=$(cat "$tmp/nsd.pid")
			# Field 5 of /proc/PID/stat, counted after the
			# command name in parentheses, is the process group.
			pgid=$(sed 's/.*) //' "/proc/$nsd_pid/stat" |
			    awk '{ print $3 }')
			if [ "$pgid" != "$nsd_pid" ]; then
				say "FAIL: NSD $nsd_pid does not lead" \
				    "its process group ($pgid)"
				kill -TERM "$nsd_pid" 2>/dev/null
				nsd_pid=""
				return 1
			fi
			return 0
		fi
		say "NSD did not start on port $port; trying another port"
	done
	say "FAIL: NSD did not start. Its log:"
	cat "$tmp/nsd.log" "$tmp/nsd.out" 2>/dev/null
	return 1
}

# Keep ip, dns, dnsbl and abuse_contact, with names, addresses and
# HELOs in a fixed order.
normalize() {
	jq -c -S '{ip, dns: (.dns
	    | .ptr.names |= sort
	    | .helo |= (map(.addrs |= sort) | sort_by(.name))),
	    dnsbl: (.dnsbl | map(.codes |= sort)),
	    abuse_contact: (.abuse_contact | .addresses |= sort)}' "$1" | sort
}

# run NAME LOG EXPECTED [STDERR]: list LOG with --dns, compare the dns
# objects with EXPECTED, and standard error with STDERR (default: empty).
run() {
	name=$1
	log=$2
	expected=$3
	want_err=${4:-}
	out="$tmp/$name.jsonl"

	t0=$(date +%s%N)
	"$bin" list --dns --format json --resolver "127.0.0.1:$port" \
	    --dns-timeout "$dns_timeout" --config "$tmp/config" \
	    --dnsbl bl.test,servfail-bl.test --abuse-zone abuse.test \
	    --state "$tmp/state.db" --whitelist "$tmp/whitelist" "$log" \
	    >"$out" 2>"$tmp/$name.err"
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))

	if [ "$rc" -ne 0 ]; then
		say "FAIL $name: smtptriage list exited with $rc:"
		cat "$tmp/$name.err"
		failed=$((failed + 1))
		return
	fi
	if ! normalize "$out" >"$tmp/$name.got" 2>"$tmp/$name.jq"; then
		say "FAIL $name: the output is not JSON lines:"
		cat "$tmp/$name.jq" "$out"
		failed=$((failed + 1))
		return
	fi

	if [ "$(cat "$tmp/$name.err")" != "$want_err" ]; then
		say "FAIL $name: standard error is"
		cat "$tmp/$name.err"
		say "expected"
		printf '%s\n' "$want_err"
		failed=$((failed + 1))
		return
	fi
	normalize "$expected" >"$tmp/$name.want"
	if diff -u "$tmp/$name.want" "$tmp/$name.got" >"$tmp/$name.diff"; then
		say "ok $name ($(wc -l <"$tmp/$name.want") clients, $ms ms)"
	else
		say "FAIL $name: dns objects differ (- expected, + got):"
		cat "$tmp/$name.diff"
		failed=$((failed + 1))
	fi
}

start_nsd || exit 1
say "NSD running on 127.0.0.1:$port"

run answers "$fixtures/mainlog" "$fixtures/expected.jsonl"

# console_wait TEXT: wait up to 5 s for TEXT on the console's screen.
console_wait() {
	i=0
	while [ "$i" -lt 50 ]; do
		tmux -S "$tmp/tmux.sock" capture-pane -p >"$tmp/screen" \
		    2>/dev/null && grep -qF -- "$1" "$tmp/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	say "FAIL console: waited for \"$1\"; the screen:"
	cat "$tmp/screen"
	return 1
}

# Move from the top of the console's list down until the suspect $1 is
# selected.
console_select() {
	tmux -S "$tmp/tmux.sock" send-keys Home
	sleep 0.2
	tmux -S "$tmp/tmux.sock" capture-pane -p >"$tmp/screen"
	n=0
	while ! grep -qF "IP       $1 " "$tmp/screen" && [ "$n" -lt 14 ]; do
		tmux -S "$tmp/tmux.sock" send-keys j
		sleep 0.2
		tmux -S "$tmp/tmux.sock" capture-pane -p >"$tmp/screen"
		n=$((n + 1))
	done
}

# The console: A re-checks every listed suspect after its question, then
# the detail pane of 192.0.2.20 shows the result that the bulk re-check
# stored.
console() {
	if ! command -v tmux >/dev/null 2>&1; then
		say "skip console: tmux not found"
		return 0
	fi

	echo "set-option -g status off" >"$tmp/tmux.conf"
	tmux -S "$tmp/tmux.sock" -f "$tmp/tmux.conf" new-session -d \
	    -x 200 -y 50 "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color \
	    $bin --config $tmp/config --resolver 127.0.0.1:$port \
	    --dns-timeout $dns_timeout --dnsbl bl.test,servfail-bl.test \
	    --abuse-zone abuse.test --state $tmp/console.db \
	    --whitelist $tmp/whitelist $fixtures/mainlog; \
	    echo \$? >$tmp/console.exit" || {
		say "FAIL console: tmux could not start"
		return 1
	}
	console_wait "queued or in flight" || return 1

	tmux -S "$tmp/tmux.sock" send-keys A
	console_wait "re-check the DNS of 14 listed suspects? y/n" || return 1
	tmux -S "$tmp/tmux.sock" send-keys y
	console_wait "re-checked 14 listed suspects in" || return 1

	console_select 192.0.2.20

	console_wait "DNSBL  bl.test  listed: 127.0.0.2, 127.0.0.4" ||
	    return 1
	console_wait "DNSBL  servfail-bl.test  unknown (SERVFAIL)" ||
	    return 1
	console_wait "Abuse  abuse@a.test, noc@b.test, split@c.test in" \
	    || return 1
	# The bulk check's result is kept and still fresh, so selecting the
	# suspect shows it and starts no second check.
	console_wait "History FCrDNS fail since today, 1 check" || return 1
	# The bulk re-check asked past the cache (A forces fresh queries).
	if grep -qF "answers from the cache" "$tmp/screen"; then
		say "FAIL console: the bulk result was replaced by a check" \
		    "from the cache; the screen:"
		cat "$tmp/screen"
		return 1
	fi

	# Only the live check confirms its PTR name, so the provider label
	# names the live check as the source.
	console_select 192.0.2.10
	console_wait "provider good.test (rDNS confirmed live)" ||
	    return 1

	tmux -S "$tmp/tmux.sock" send-keys q
	i=0
	while [ ! -s "$tmp/console.exit" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(cat "$tmp/console.exit" 2>/dev/null)" != 0 ]; then
		say "FAIL console: smtptriage did not exit 0 after q"
		return 1
	fi
	say "ok console"
}

console || failed=$((failed + 1))
stop_tmux

# Print the warning of list --dns when no PTR query got a usable response:
# silent_warn SUSPECTS TIMEOUTS REFUSED ERRORS.
silent_warn() {
	printf 'smtptriage: warning: the resolver gave no usable answer to the PTR lookup of %s (timed out: %s, REFUSED: %s, other errors such as a closed port: %s); every FCrDNS verdict is indeterminate; check --resolver or the config key resolver' \
	    "$1" "$2" "$3" "$4"
}

# NSD has no zone for 10.0.0.0/8 and 172.16.0.0/12, so it rejects both PTR
# queries with REFUSED, as a server without recursion does.
run refused-all "$fixtures/mainlog-refused" \
    "$fixtures/expected-refused.jsonl" \
    "$(silent_warn "any of the 2 suspects" 0 2 0)"

kill -STOP -"$nsd_pid"
run timeout "$fixtures/mainlog-silent" "$fixtures/expected-timeout.jsonl" \
    "$(silent_warn "1 suspect" 1 0 0)"

stop_nsd
run refused "$fixtures/mainlog-silent" "$fixtures/expected-error.jsonl" \
    "$(silent_warn "1 suspect" 0 0 1)"

# The problems that runs 1 to 3 stored in the state database.
"$bin" list --history --format json --config "$tmp/config" \
    --state "$tmp/state.db" --whitelist "$tmp/whitelist" \
    "$fixtures/mainlog" "$fixtures/mainlog-silent" >"$tmp/history.jsonl" \
    2>"$tmp/history.err"
rc=$?
jq -c -S '{ip, problems: [.dns_history[].problem]}' "$tmp/history.jsonl" |
    sort >"$tmp/history.got"
jq -c -S . "$fixtures/expected-history.jsonl" | sort >"$tmp/history.want"
if [ "$rc" -ne 0 ]; then
	say "FAIL history: smtptriage list --history exited with $rc:"
	cat "$tmp/history.err"
	failed=$((failed + 1))
elif diff -u "$tmp/history.want" "$tmp/history.got" >"$tmp/history.diff"
then
	say "ok history ($(wc -l <"$tmp/history.want") clients)"
else
	say "FAIL history: problems differ (- expected, + got):"
	cat "$tmp/history.diff"
	failed=$((failed + 1))
fi

if [ "$failed" -ne 0 ]; then
	say "$failed of 6 runs failed"
	exit 1
fi
say "all 6 runs passed"
exit 0
