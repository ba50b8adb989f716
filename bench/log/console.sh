#!/bin/sh
# Console loading benchmark: see docs/performance.md, "Console loading".
# "make bench-log" runs it after bench/log/run.sh, or run it as
#	sh bench/log/console.sh [SIZE [ROUNDS]]
#
# SIZE is the size of the generated Exim mainlog (default 1G), ROUNDS the
# runs (default 3).  The log is the one of bench/log/run.sh, in
# $BENCH_DIR (default /tmp/smtptriage-bench), generated when missing.
#
# Each round times "smtptriage list --format json" on the log, then
# starts the console on it in tmux with a private socket and polls the
# pane.  The first screen is the first capture that shows a client row.
# The load is complete when the status line shows the "loaded" message.
# A second console run times keys: while the load runs, the script opens
# and closes the help with "?", again and again, and times each key until
# the pane shows the change.  Escape would wait 25 ms more for the rest of
# an escape sequence.  That time includes tmux and
# capture-pane, a few ms.  The console also times its own loop passes
# (SMTPTRIAGE_LOOP_STATS), and a key waits at most about two of the
# longest passes.
set -u
cd "$(dirname "$0")/../.."

size=${1:-1G}
rounds=${2:-3}
dir=${BENCH_DIR:-/tmp/smtptriage-bench}
bin=./smtptriage
gen=./build/bench_loggen
# Maximum wait for the first screen and for the load, in seconds.
FIRST_MAX=10
LOAD_MAX=120
# Pause between two captures while waiting for the load to end, in
# seconds: the end is timed to within this.
LOAD_POLL=0.02

say() {
	echo "bench console: $*"
}

for tool in tmux python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "$tool is missing; install it"
		exit 1
	fi
done
for f in "$bin" "$gen"; do
	if [ ! -x "$f" ]; then
		say "$f is missing; run make bench-log"
		exit 1
	fi
done
mkdir -p "$dir" || exit 1
log=$dir/exim.log
stamp="-f exim -s $size"
if [ ! -f "$log" ] || [ "$(cat "$log.options" 2>/dev/null)" != "$stamp" ]
then
	say "generating $log ($stamp)"
	"$gen" -f exim -s "$size" -o "$log" || exit 1
	rm -f "$log.gz"
	echo "$stamp" > "$log.options"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_console.XXXXXX") || exit 1
sock=$tmp/tmux.sock
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
echo "set-option -g status off" > "$tmp/tmux.conf"

# A UDP port with nothing bound to it: DNS queries fail at once.
port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
opts="--config /dev/null --state $tmp/state.db --whitelist $tmp/whitelist"

now_us() {
	echo $(( $(date +%s%N) / 1000 ))
}

capture() {
	tmux -S "$sock" capture-pane -p > "$tmp/screen" 2>/dev/null
}

# Poll until the pane matches the extended regular expression $1, at
# most $2 seconds, sleeping $3 seconds (default none) between captures.
# Returns 1 on a timeout.
wait_screen() {
	limit=$(( $(now_us) + $2 * 1000000 ))
	while [ "$(now_us)" -lt $limit ]; do
		capture
		grep -qE -- "$1" "$tmp/screen" && return 0
		[ -n "${3:-}" ] && sleep "$3"
	done
	return 1
}

# Poll until the pane no longer matches $1, at most $2 seconds.
wait_gone() {
	limit=$(( $(now_us) + $2 * 1000000 ))
	while [ "$(now_us)" -lt $limit ]; do
		capture
		grep -qE -- "$1" "$tmp/screen" || return 0
	done
	return 1
}

row='^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]*:[0-9a-f:]+) '
results=$tmp/results
: > "$results"
cat "$log" > /dev/null
say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' \
    -f1-3 /proc/loadavg), $log ($(stat -c %s "$log") bytes), $rounds rounds"

# Start the console on the log in a fresh pane.
start_console() {
	rm -f "$tmp/state.db" "$tmp/whitelist" "$tmp/loop" "$tmp/exit"
	tmux -S "$sock" kill-server 2>/dev/null
	tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x 160 -y 45 \
	    "env TZ=UTC LC_ALL=C.UTF-8 TERM=tmux-256color \
SMTPTRIAGE_LOOP_STATS=$tmp/loop $bin $opts --resolver 127.0.0.1:$port \
--dns-timeout 500 --dns-tries 1 $log; echo \$? > $tmp/exit" || exit 1
}

quit_console() {
	tmux -S "$sock" send-keys q
	limit=$(( $(now_us) + 10000000 ))
	while [ ! -s "$tmp/exit" ] && [ "$(now_us)" -lt $limit ]; do
		sleep 0.05
	done
}

i=0
while [ $i -lt "$rounds" ]; do
	i=$((i + 1))
	rm -f "$tmp/state.db"
	start=$(now_us)
	$bin list --format json $opts "$log" > /dev/null || {
		say "list failed"
		exit 1
	}
	list_us=$(( $(now_us) - start ))

	# First run, without keys: the "loaded" message stays until a key.
	start=$(now_us)
	start_console
	if ! wait_screen "$row" $FIRST_MAX; then
		say "no client row within $FIRST_MAX s"
		cat "$tmp/screen"
		exit 1
	fi
	first_us=$(( $(now_us) - start ))
	# Polling without a pause would take a CPU from the console.
	if ! wait_screen "loaded [0-9]+ lines" $LOAD_MAX $LOAD_POLL; then
		say "the load did not end within $LOAD_MAX s"
		cat "$tmp/screen"
		exit 1
	fi
	load_us=$(( $(now_us) - start ))
	said=$(grep -oE "loaded [0-9]+ lines, [0-9]+ clients, [0-9]+ \
suspects in [0-9.]+ s" "$tmp/screen")
	quit_console

	# Second run: open and close the help while the load runs.
	start=$(now_us)
	start_console
	wait_screen "$row" $FIRST_MAX || exit 1
	keys_us=""
	while [ $(( $(now_us) - start )) -lt $((LOAD_MAX * 1000000)) ]; do
		capture
		grep -qE '^ loading ' "$tmp/screen" || break
		t=$(now_us)
		tmux -S "$sock" send-keys '?'
		wait_screen "smtptriage help" 5 || break
		keys_us="$keys_us $(( $(now_us) - t ))"
		t=$(now_us)
		tmux -S "$sock" send-keys '?'
		wait_gone "smtptriage help" 5 || break
		keys_us="$keys_us $(( $(now_us) - t ))"
	done
	quit_console
	pass=$(awk '$1 == "idle" { print $5 }' "$tmp/loop" 2>/dev/null)
	echo "$list_us $first_us $load_us ${pass:-?} $keys_us" >> "$results"
	say "round $i (load $(cut -d" " -f1 /proc/loadavg)): list $list_us us, first screen $first_us us, loaded \
$load_us us ($said), longest pass ${pass:-?} ms, keys (us):$keys_us"
done

awk '
function median(s,    n, i, j, t, a) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	lo = a[1]; hi = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	list = list " " $1; first = first " " $2; load = load " " $3
	ratio = ratio " " $3 / $1
	if ($4 + 0 > pass) pass = $4 + 0
	for (i = 5; i <= NF; i++) {
		keys = keys " " $i
		if ($i + 0 > kmax) kmax = $i + 0
	}
}
END {
	m = median(list)
	printf "list:          median %.3f s, %.3f-%.3f s\n", m / 1e6,
	    lo / 1e6, hi / 1e6
	m = median(first)
	printf "first screen:  median %.3f s, %.3f-%.3f s (goal <= 0.2 s)\n",
	    m / 1e6, lo / 1e6, hi / 1e6
	m = median(load)
	printf "load complete: median %.3f s, %.3f-%.3f s\n", m / 1e6,
	    lo / 1e6, hi / 1e6
	m = median(ratio)
	printf "load / list:   median %.2f, %.2f-%.2f (goal <= 1.5)\n", m,
	    lo, hi
	if (keys != "") {
		m = median(keys)
		n = split(keys, a, " ")
		printf "keys:          %d timed, median %.0f ms, max %.0f ms " \
		    "(goal <= 50 ms)\n", n, m / 1e3, kmax / 1e3
	}
	printf "longest loop pass: %.1f ms\n", pass
}' "$results"
