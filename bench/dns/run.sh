#!/bin/sh
# DNS benchmark: see docs/performance.md.  Run it with "make bench" (the
# Makefile builds ./smtptriage and build/bench_dns first), or as
#	sh bench/dns/run.sh [COUNT [ROUNDS [KEYS]]]
#
# 1. NSD starts on 127.0.0.1 and a free port with zones for COUNT
#    addresses from 198.18.0.0 (RFC 2544's benchmark range): a PTR record
#    h-C-D.bench.test for 198.18.C.D, and its A record.
# 2. build/bench_dns checks every address ROUNDS times with smtptriage's
#    engine and with a bare c-ares loop, 64 queries in flight in both,
#    alternating, and prints queries per second and the ratio of the
#    medians.  With BENCH_CALLGRIND=1 in the environment, valgrind's
#    callgrind then counts the instructions of one run of the engine's
#    bulk loop and one of the bare loop, and the script prints them per
#    query.
# 3. The console runs in tmux on an Exim log naming the COUNT addresses,
#    with at most 1000 queries in flight.  A starts a bulk re-check of
#    every suspect, and while it runs the script sends KEYS cursor moves
#    (j, k, j, ...) and times each from tmux send-keys until
#    capture-pane shows the next suspect in the detail pane.  The same
#    is timed first with no DNS traffic, which gives the cost of tmux and
#    of the polling alone.  The console also times its own loop passes
#    (SMTPTRIAGE_LOOP_STATS): a key waits at most for the rest of the
#    pass it arrives in and the pass that handles it.
set -u
cd "$(dirname "$0")/../.."

count=${1:-10000}
rounds=${2:-21}
keys=${3:-40}
bin=./smtptriage
bench=./build/bench_dns
tmp=""
nsd_pid=""

say() {
	echo "bench dns: $*"
}

cleanup() {
	[ -n "$tmp" ] && [ -S "$tmp/tmux.sock" ] &&
	    tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null
	[ -n "$nsd_pid" ] && nsd_stop "$nsd_pid"
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
. tests/nsd_lib.sh

for tool in nsd tmux mawk; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "$tool not found; run \"make deps\" (mawk: apt-get install mawk)"
		exit 1
	fi
done
if [ ! -x "$bin" ] || [ ! -x "$bench" ]; then
	say "$bin or $bench missing; run \"make bench\""
	exit 1
fi
if [ "$count" -lt 1 ] || [ "$count" -gt 65536 ]; then
	say "COUNT must be from 1 to 65536"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-bench.XXXXXX") || exit 1

# Zones and the log.  mawk, because gawk is much slower here.
mawk -v n="$count" -v dir="$tmp" 'BEGIN {
	soa = "@ SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300"
	rev = dir "/18.198.in-addr.arpa.zone"
	fwd = dir "/bench.test.zone"
	logfile = dir "/mainlog"
	print "$ORIGIN 18.198.in-addr.arpa.\n$TTL 300\n" soa "\n@ NS ns.bench.test." > rev
	print "$ORIGIN bench.test.\n$TTL 300\n" soa "\n@ NS ns.bench.test.\nns A 127.0.0.1" > fwd
	for (i = 0; i < n; i++) {
		c = int(i / 256); d = i % 256
		printf "%d.%d PTR h-%d-%d.bench.test.\n", d, c, c, d > rev
		printf "h-%d-%d A 198.18.%d.%d\n", c, d, c, d > fwd
		printf "2026-01-01 00:00:00 H=(h-%d-%d.bench.test) [198.18.%d.%d]:25 Warning: HELO verification failed\n", c, d, c, d > logfile
	}
}'

start_nsd() {
	attempt=0
	while [ "$attempt" -lt 5 ]; do
		attempt=$((attempt + 1))
		port=$(random_port)
		cat >"$tmp/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1
	port: $port
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$tmp"
	zonelistfile: "$tmp/zone.list"
	database: ""
	pidfile: "$tmp/nsd.pid"
	logfile: "$tmp/nsd.log"
	xfrdfile: "$tmp/xfrd.state"
	xfrdir: "$tmp"
	server-count: 1
	verbosity: 1
	hide-version: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "bench.test"
	zonefile: "bench.test.zone"
zone:
	name: "18.198.in-addr.arpa"
	zonefile: "18.198.in-addr.arpa.zone"
EOF
		if nsd_try_start 100; then
			nsd_pid=$nsd_started
			return 0
		fi
	done
	say "NSD did not start:"
	cat "$tmp/nsd.log" "$tmp/nsd.out" 2>/dev/null
	return 1
}

start_nsd || exit 1
say "NSD on 127.0.0.1:$port with $count addresses"
say "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(date -u +%Y-%m-%dT%H:%MZ)"

# Part 1: throughput.
"$bench" "127.0.0.1:$port" 198.18.0.0 "$count" 64 "$rounds" |
    while read -r line; do say "$line"; done

# Part 1b: instructions per query, which repeat where rates do not.
# callgrind_run LOOP prints the instructions of one run and its queries.
callgrind_run() {
	valgrind --tool=callgrind --collect-atstart=no \
	    --callgrind-out-file="$tmp/callgrind.$1" "$bench" \
	    "127.0.0.1:$port" 198.18.0.0 "$count" 64 1 "$1" \
	    >"$tmp/callgrind.$1.out" 2>"$tmp/callgrind.$1.err" || return 1
	ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' \
	    "$tmp/callgrind.$1.err")
	queries=$(mawk -v loop="$1" '$1 == loop { print $2; exit }' \
	    "$tmp/callgrind.$1.out")
	[ -n "$ir" ] && [ -n "$queries" ] && echo "$ir $queries"
}

if [ -n "${BENCH_CALLGRIND:-}" ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		say "valgrind not found (apt-get install valgrind): no" \
		    "instruction counts"
	elif ! bulk_ir=$(callgrind_run bulk) || ! bare_ir=$(callgrind_run bare)
	then
		say "callgrind failed:"
		cat "$tmp"/callgrind.*.err
	else
		echo "$bulk_ir $bare_ir" | mawk '{
		    printf "bench dns: callgrind instructions per query: " \
		    "bulk %.0f, bare %.0f; bare/bulk %.3f\n", $1 / $2,
		    $3 / $4, ($3 / $4) / ($1 / $2) }'
	fi
fi

# Part 2: key response time in the console.
ms_now() {
	echo $(($(date +%s%N) / 1000000))
}

capture() {
	tmux -S "$tmp/tmux.sock" capture-pane -p >"$tmp/screen" 2>/dev/null
}

# wait_for TEXT SECONDS: poll the screen without a pause.
wait_for() {
	deadline=$(($(ms_now) + $2 * 1000))
	while [ "$(ms_now)" -lt "$deadline" ]; do
		capture
		grep -qF -- "$1" "$tmp/screen" && return 0
	done
	return 1
}

# The IP in the detail pane.
selected() {
	sed -n 's/^ IP       \([0-9.]*\) .*/\1/p' "$tmp/screen" | head -1
}

# time_keys N LABEL: send N cursor moves, each once the last one showed,
# and print the slowest and the median response in milliseconds.
time_keys() {
	: >"$tmp/times"
	: >"$tmp/inflight"
	n=0
	key=j
	while [ "$n" -lt "$1" ]; do
		capture
		before=$(selected)
		sed -n 's/.*DNS queries: \([0-9]*\) queued or in flight.*/\1/p' \
		    "$tmp/screen" >>"$tmp/inflight"
		t0=$(ms_now)
		tmux -S "$tmp/tmux.sock" send-keys "$key"
		while :; do
			capture
			now=$(selected)
			[ -n "$now" ] && [ "$now" != "$before" ] && break
			if [ $(($(ms_now) - t0)) -gt 5000 ]; then
				say "no response to key $key after 5 s"
				break
			fi
		done
		echo $(($(ms_now) - t0)) >>"$tmp/times"
		[ "$key" = j ] && key=k || key=j
		n=$((n + 1))
	done
	sort -n "$tmp/times" | mawk -v label="$2" -v out="$tmp/inflight" '
	    { v[NR] = $1 }
	    END {
		while ((getline x < out) > 0)
			if (x + 0 > most) most = x + 0
		printf "%s: %d keys, median %d ms, slowest %d ms, " \
		    "most queries in flight seen %d\n", label, NR,
		    v[int((NR + 1) / 2)], v[NR], most
	    }'
}

echo "set-option -g status off" >"$tmp/tmux.conf"
tmux -S "$tmp/tmux.sock" -f "$tmp/tmux.conf" new-session -d -x 200 -y 50 \
    "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color \
    SMTPTRIAGE_LOOP_STATS=$tmp/loop $bin --config /dev/null \
    --resolver 127.0.0.1:$port --dns-max-inflight 1000 --dnsbl '' \
    --abuse-zone '' --state $tmp/state.db --whitelist $tmp/whitelist \
    $tmp/mainlog" || exit 1
if ! wait_for "DNS queries: 0 queued or in flight" 30; then
	say "the console did not start"
	exit 1
fi
sleep 1
say "$(time_keys "$keys" "keys without DNS traffic")"

# A prompts for confirmation before it re-checks more than one suspect,
# so send y to confirm.
tmux -S "$tmp/tmux.sock" send-keys A
wait_for "y/n" 10 && tmux -S "$tmp/tmux.sock" send-keys y
wait_for "re-checking listed" 10 || say "the bulk re-check did not start"
say "$(time_keys "$keys" "keys during the bulk re-check")"
capture
if grep -qF "re-checking listed" "$tmp/screen"; then
	say "the bulk re-check ran during every key"
else
	say "NOTE: the bulk re-check ended before the last key; see the" \
	    "most queries in flight above"
fi
wait_for "re-checked $count listed suspects in" 120 &&
    say "console: $(grep -o "re-checked $count listed suspects in [0-9.]* s" \
    "$tmp/screen")"
tmux -S "$tmp/tmux.sock" send-keys q
i=0
while [ ! -s "$tmp/loop" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
# "idle|bulk PASSES P50_MS P99_MS LONGEST_MS", from tui/ui_dns.c.
while read -r kind passes p50 p99 longest; do
	say "loop passes ($kind): $passes, median under $p50 ms," \
	    "99% under $p99 ms, longest $longest ms"
done <"$tmp/loop"
exit 0
