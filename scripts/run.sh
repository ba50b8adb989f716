#!/bin/sh
# make run: open the console on the bundled sample log, with its state in
# a private folder.  A private NSD on 127.0.0.1 serves zones for the
# sample's suspects, so the demo shows passing, failing and SERVFAIL checks
# and sends no DNS query off this machine.
set -eu
cd "$(dirname "$0")/.."

WAIT_TENTHS=100
log=sample/mainlog
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtptriage-run.XXXXXX")
nsd_pid=""
cleanup() {
	if [ -n "$nsd_pid" ]; then
		kill "$nsd_pid" 2>/dev/null || true
		wait "$nsd_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

: >"$tmp/config"
state="--config $tmp/config --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox"

# shellcheck source=scripts/demo_dns.sh
. scripts/demo_dns.sh

# shellcheck disable=SC2086
./smtptriage $state $demo_opts --resolver "127.0.0.1:$port" "$log"
