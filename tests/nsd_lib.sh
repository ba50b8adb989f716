# Shared helpers of the scripts that serve test zones with NSD on
# 127.0.0.1 (tests/dns_test.sh, tests/inject_test.sh, bench/dns/run.sh).
# Source this POSIX sh file from the repository root.  The functions
# use the scripts' temporary folder $tmp and share the loop counter i.

# Print a random port number from 20000 to 59999.
random_port() {
	od -An -N2 -tu2 /dev/urandom | awk '{ print 20000 + $1 % 40000 }'
}

# Start NSD with $tmp/nsd.conf in foreground mode (-d) as a background
# job, with the words after $1 as a command prefix (for example setsid),
# and set $nsd_started to the job's process ID.  Wait up to $1 tenths of
# a second for "nsd started" in $tmp/nsd.log, and return 0 once it is
# there.  When NSD exits first or the time runs out, stop the job and
# return 1.
nsd_try_start() {
	tenths=$1
	shift
	rm -f "$tmp/nsd.log" "$tmp/nsd.pid"
	"$@" nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
	nsd_started=$!
	i=0
	while [ "$i" -lt "$tenths" ]; do
		grep -q 'nsd started' "$tmp/nsd.log" 2>/dev/null && return 0
		kill -0 "$nsd_started" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'nsd started' "$tmp/nsd.log" 2>/dev/null && return 0
	kill -TERM "$nsd_started" 2>/dev/null
	wait "$nsd_started" 2>/dev/null
	return 1
}

# Send SIGTERM to the process $1 and wait up to 5 seconds for it to end.
nsd_stop() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
