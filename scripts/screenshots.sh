#!/bin/sh
# Make screenshots/console.png (list and detail pane with live DNS results)
# and screenshots/help.png from the real console.
#
# The console runs in a 160x45 tmux pane on sample/mainlog (or on the
# tests' fixture log while the sample is missing).  Its resolver is an NSD
# on 127.0.0.1 with zones this script writes for the suspects in that log,
# so the detail pane shows real answers: a PTR that does not confirm, one
# that does, SERVFAIL, NOERROR without data and REFUSED.  The pane is
# captured with its colours (tmux capture-pane -e), turned into HTML by
# aha and rendered to PNG by headless Chromium.
#
# Needs tmux, nsd, perl, aha and chromium (Debian: apt-get install tmux
# nsd aha chromium); make check does not.
set -eu
cd "$(dirname "$0")/.."

COLS=160
LINES=45
# Rendered size in pixels: 14px DejaVu Sans Mono is 8.43px wide and the
# lines are 17px apart, plus the page margin.
WIDTH=1366
HEIGHT=782
# Maximum wait for the console or NSD, in tenths of a second.
WAIT_TENTHS=100

for tool in tmux nsd perl aha chromium; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "screenshots: $tool is missing; install it with" >&2
		echo "  apt-get install tmux nsd perl aha chromium" >&2
		exit 1
	fi
done
[ -x ./smtptriage ] || make smtptriage

log=sample/mainlog
if [ ! -f "$log" ]; then
	log=tests/fixtures/tui-mainlog
	echo "screenshots: sample/mainlog is missing; using $log"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/screenshots.XXXXXX")
sock=$tmp/tmux.sock
nsd_pid=""
cleanup() {
	tmux -S "$sock" kill-server 2>/dev/null || true
	if [ -n "$nsd_pid" ]; then
		kill "$nsd_pid" 2>/dev/null || true
		wait "$nsd_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Private state, so the pictures never show or touch the user's own.
: >"$tmp/config"
state="--config $tmp/config --state $tmp/state.db --whitelist $tmp/whitelist \
--outbox $tmp/outbox"

# The suspects in score order, then every (IP, HELO) pair of the log.
# shellcheck disable=SC2086
./smtptriage list --format csv $state "$log" | sed 1d | cut -d, -f1 \
    >"$tmp/ips"
sed -n 's/.*H=(\([A-Za-z0-9.-]*\)) \[\([0-9A-Fa-f.:]*\)\].*/\2 \1/p' "$log" |
    sort -u >"$tmp/helos"

# A free UDP port on 127.0.0.1 for NSD.
port=$(perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Proto => "udp",
	    LocalAddr => "127.0.0.1", LocalPort => 0) or die "socket: $!\n";
	print $s->sockport, "\n";')

# Write nsd.conf and the zones.  Suspect number i (from 0, in score order)
# gets, by i modulo 4:
#   0  a PTR to a name whose address is another host's, and HELO names
#      that resolve elsewhere: FCrDNS and HELO fail;
#   1  a PTR to a name that resolves back to it, and HELO names that
#      resolve to it: both pass;
#   2  zones without a zone file, which NSD answers with SERVFAIL: both
#      indeterminate;
#   3  a reverse zone with no PTR record (NOERROR, no data), and HELO names
#      outside every zone (REFUSED).
perl -MSocket=inet_pton,AF_INET,AF_INET6 -e '
	my ($tmp, $port) = @ARGV;
	my (@ips, %helos);
	open my $in, "<", "$tmp/ips" or die "$tmp/ips: $!\n";
	chomp(@ips = <$in>);
	open $in, "<", "$tmp/helos" or die "$tmp/helos: $!\n";
	while (<$in>) {
		my ($ip, $helo) = split;
		push @{$helos{$ip}}, lc $helo;
	}

	sub reverse_name {
		my $ip = shift;
		if ($ip =~ /:/) {
			my $hex = unpack "H32", inet_pton(AF_INET6, $ip);
			return join(".", reverse split //, $hex) . ".ip6.arpa";
		}
		return join(".", reverse split /\./, $ip) . ".in-addr.arpa";
	}
	sub addr_record {
		my ($name, $ip) = @_;
		return "$name. IN " . ($ip =~ /:/ ? "AAAA" : "A") . " $ip\n";
	}

	my $soa = "\$TTL 300\n\@ IN SOA ns.isp.test. hostmaster.isp.test. " .
	    "1 3600 600 86400 300\n\@ IN NS ns.isp.test.\n";
	my %zones = ("isp.test" => $soa);
	my %seen;
	for my $i (0 .. $#ips) {
		my $ip = $ips[$i];
		my $rev = reverse_name($ip);
		my $kind = $i % 4;
		my $other = $ip =~ /:/ ? "2001:db8:ffff::1" : "192.0.2.254";
		if ($kind == 0) {
			$zones{$rev} = $soa . "\@ IN PTR dyn-$i.pool.isp.test.\n";
			$zones{"isp.test"} .=
			    addr_record("dyn-$i.pool.isp.test", $other);
		} elsif ($kind == 1) {
			$zones{$rev} = $soa . "\@ IN PTR mail-$i.isp.test.\n";
			$zones{"isp.test"} .=
			    addr_record("mail-$i.isp.test", $ip);
		} elsif ($kind == 2) {
			$zones{$rev} = undef;
		} else {
			$zones{$rev} = $soa;
		}
		for my $helo (@{$helos{$ip} || []}) {
			next if $seen{$helo}++ || $kind == 3;
			$zones{$helo} = $kind == 2 ? undef : $soa .
			    addr_record("$helo", $kind == 0 ? $other : $ip);
		}
	}

	open my $conf, ">", "$tmp/nsd.conf" or die "$tmp/nsd.conf: $!\n";
	print $conf "server:\n\tip-address: 127.0.0.1\n\tport: $port\n",
	    "\tusername: \"\"\n\tchroot: \"\"\n\tzonesdir: \"$tmp\"\n",
	    "\tpidfile: \"$tmp/nsd.pid\"\n",
	    "\tzonelistfile: \"$tmp/zone.list\"\n",
	    "\txfrdfile: \"$tmp/xfrd.state\"\n\txfrdir: \"$tmp\"\n",
	    "\tdatabase: \"\"\n\tlogfile: \"$tmp/nsd.log\"\n",
	    "\trrl-ratelimit: 0\n\trrl-whitelist-ratelimit: 0\n",
	    "remote-control:\n\tcontrol-enable: no\n";
	my $n = 0;
	for my $zone (sort keys %zones) {
		my $file = "$tmp/zone-" . $n++;
		if (defined $zones{$zone}) {
			open my $z, ">", $file or die "$file: $!\n";
			print $z $zones{$zone};
			close $z;
		}
		print $conf "zone:\n\tname: \"$zone\"\n\tzonefile: \"$file\"\n";
	}
' "$tmp" "$port"

nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
i=0
until grep -q "nsd started" "$tmp/nsd.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge $WAIT_TENTHS ] || ! kill -0 "$nsd_pid" 2>/dev/null; then
		echo "screenshots: nsd did not start:" >&2
		cat "$tmp/nsd.out" "$tmp/nsd.log" >&2 2>/dev/null
		exit 1
	fi
	sleep 0.1
done

# Wait until the pane shows the fixed string $1.
wait_for() {
	i=0
	until tmux -S "$sock" capture-pane -p | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ $i -ge $WAIT_TENTHS ]; then
			echo "screenshots: the console never showed \"$1\"" >&2
			tmux -S "$sock" capture-pane -p >&2
			exit 1
		fi
		sleep 0.1
	done
}

esc=$(printf '\033')

# Capture the pane with colours and render it to the PNG $1.
shoot() {
	# tmux writes the default colours (SGR 39 and 49) after a reset, where
	# they change nothing, but aha takes them to end reverse video (SGR 7).
	# So they are dropped there.
	tmux -S "$sock" capture-pane -p -e -N |
	    sed "s/\($esc\[0[0-9;]*m\)$esc\[39m$esc\[49m/\1/g" >"$tmp/pane"
	aha --black --title smtptriage <"$tmp/pane" |
	    sed 's|</head>|<style>body { margin: 8px; } pre { font-family: "DejaVu Sans Mono", monospace; font-size: 14px; line-height: 17px; margin: 0; }</style></head>|' \
	    >"$tmp/pane.html"
	chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --no-first-run \
	    --hide-scrollbars --screenshot="$tmp/shot.png" \
	    --window-size="$WIDTH,$HEIGHT" "file://$tmp/pane.html" \
	    >"$tmp/chromium.out" 2>&1 || {
		echo "screenshots: chromium failed:" >&2
		cat "$tmp/chromium.out" >&2
		exit 1
	}
	mkdir -p screenshots
	cp "$tmp/shot.png" "$1"
	echo "screenshots: wrote $1"
}

# No status bar, so the pane is the whole window.
echo "set-option -g status off" >"$tmp/tmux.conf"
tmux -S "$sock" -f "$tmp/tmux.conf" new-session -d -x $COLS -y $LINES \
    "env TERM=tmux-256color LC_ALL=C.UTF-8 ./smtptriage $state \
--resolver 127.0.0.1:$port $log"

# Give the rows some status colours: mark the second suspect and report
# the fourth, then go back to the first and wait for its DNS result.
first=$(sed -n 1p "$tmp/ips")
wait_for "$first"
tmux -S "$sock" send-keys j m j j r
wait_for "y sends"
tmux -S "$sock" send-keys y
wait_for "written to"
tmux -S "$sock" send-keys Home
wait_for "checked 2"
shoot screenshots/console.png

tmux -S "$sock" send-keys '?'
wait_for "smtptriage help"
shoot screenshots/help.png

tmux -S "$sock" send-keys Escape q
