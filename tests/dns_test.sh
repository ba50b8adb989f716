#!/bin/sh
# Integration test of the live DNS re-check: start NSD on 127.0.0.1 and a
# free port with the zones in tests/dns/, run
#	smtptriage list --dns --format json --resolver 127.0.0.1:PORT
# on Exim log fixtures, and compare every "dns" object with the expected
# one.  Exits 0 when all runs match, 1 otherwise, and prints what differed.
#
# Run 1, tests/dns/mainlog against NSD (expected.jsonl):
#	192.0.2.10	PTR and A match; HELO = PTR name; HELO through a CNAME
#	192.0.2.20	PTR name resolves to another address; HELO too
#	192.0.2.30	PTR NXDOMAIN; HELO NXDOMAIN
#	198.51.100.40	PTR SERVFAIL; HELO resolves to the client
#	203.0.113.125	PTR and HELO both SERVFAIL (like Microsoft 365)
#	2001:db8::25	ip6.arpa PTR and AAAA; HELO [IPv6:2001:DB8::25]
#	192.0.2.60	two PTR names; HELO literals of the client and another
#	192.0.2.70	HELO REFUSED (a name outside every NSD zone)
#	192.0.2.80	PTR name NXDOMAIN; HELO without address records
#	192.0.2.90	PTR name with a space (not asked); HELO invalid
#	2001:db8::70	PTR and HELO with A and AAAA records
# Run 2, tests/dns/mainlog-silent with NSD stopped by SIGSTOP: its socket
# stays open and queries get no answer at all (expected-timeout.jsonl).
# Run 3, the same log once NSD has exited: nothing listens on the port,
# so c-ares gets "connection refused" (expected-error.jsonl).
#
# NSD (not unbound) serves everything: NSD answers SERVFAIL at once for a
# zone whose file is missing and REFUSED outside its zones.  unbound could
# drop single names to give timeouts, but Debian and Ubuntu ship an
# AppArmor profile for it that allows reading configuration only under
# /etc/unbound, so it may not start from a temporary folder.
set -u
cd "$(dirname "$0")/.."

bin=./smtptriage
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

cleanup() {
	stop_nsd
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

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

random_port() {
	od -An -N2 -tu2 /dev/urandom | awk '{ print 20000 + $1 % 40000 }'
}

# Start NSD on a random port, trying another one if the port is taken.
start_nsd() {
	attempt=0
	while [ "$attempt" -lt 5 ]; do
		attempt=$((attempt + 1))
		port=$(random_port)
		sed -e "s|@DIR@|$tmp|g" -e "s|@PORT@|$port|g" \
		    "$fixtures/nsd.conf.in" >"$tmp/nsd.conf"
		rm -f "$tmp/nsd.log" "$tmp/nsd.pid"
		# setsid: NSD forks a server and a transfer process, and
		# SIGSTOP must reach all of them through one process group.
		setsid nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
		started=$!
		i=0
		while [ "$i" -lt 50 ]; do
			grep -q 'nsd started' "$tmp/nsd.log" 2>/dev/null &&
			    break
			kill -0 "$started" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		if grep -q 'nsd started' "$tmp/nsd.log" 2>/dev/null; then
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
		kill -TERM "$started" 2>/dev/null
		wait "$started" 2>/dev/null
		say "NSD did not start on port $port; trying another port"
	done
	say "FAIL: NSD did not start. Its log:"
	cat "$tmp/nsd.log" "$tmp/nsd.out" 2>/dev/null
	return 1
}

# Keep ip and dns, with names, addresses and HELOs in a fixed order.
normalize() {
	jq -c -S '{ip, dns: (.dns
	    | .ptr.names |= sort
	    | .helo |= (map(.addrs |= sort) | sort_by(.name)))}' "$1" | sort
}

# run NAME LOG EXPECTED: list LOG with --dns and compare the dns objects.
run() {
	name=$1
	log=$2
	expected=$3
	out="$tmp/$name.jsonl"

	t0=$(date +%s%N)
	"$bin" list --dns --format json --resolver "127.0.0.1:$port" \
	    --dns-timeout "$dns_timeout" --state "$tmp/state.db" \
	    --whitelist "$tmp/whitelist" "$log" >"$out" 2>"$tmp/$name.err"
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

kill -STOP -"$nsd_pid"
run timeout "$fixtures/mainlog-silent" "$fixtures/expected-timeout.jsonl"

stop_nsd
run refused "$fixtures/mainlog-silent" "$fixtures/expected-error.jsonl"

if [ "$failed" -ne 0 ]; then
	say "$failed of 3 runs failed"
	exit 1
fi
say "all 3 runs passed"
exit 0
