#!/bin/sh
# Start a private NSD on 127.0.0.1 that answers for the suspects of a log,
# so the console shows real DNS answers without asking any server outside
# this machine.  Sourced by scripts/run.sh (make run) and
# scripts/screenshots.sh.
#
# Before sourcing, set: log (the Exim log), tmp (a private folder, removed
# by the caller), state (the smtptriage options that keep state in tmp),
# WAIT_TENTHS (how long to wait for NSD, in tenths of a second).  Sets
# port (NSD's UDP and TCP port), nsd_pid (kill it when done) and
# demo_opts, which the caller passes to smtptriage so that the abuse
# contact lookup uses the private zone abuse.isp.test.
# Needs nsd and perl.

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
# Kinds 0 and 1 also get the abuse contact abuse@isp.test in the zone
# abuse.isp.test.  For the others that lookup returns NXDOMAIN.
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
	my %zones = ("isp.test" => $soa, "abuse.isp.test" => $soa);
	my %seen;
	for my $i (0 .. $#ips) {
		my $ip = $ips[$i];
		my $rev = reverse_name($ip);
		my $kind = $i % 4;
		my $other = $ip =~ /:/ ? "2001:db8:ffff::1" : "192.0.2.254";
		if ($kind <= 1) {
			(my $key = $rev) =~ s/\.(in-addr|ip6)\.arpa$//;
			$zones{"abuse.isp.test"} .=
			    "$key.abuse.isp.test. IN TXT \"abuse\@isp.test\"\n";
		}
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

demo_opts="--abuse-zone abuse.isp.test"

nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
i=0
until grep -q "nsd started" "$tmp/nsd.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge $WAIT_TENTHS ] || ! kill -0 "$nsd_pid" 2>/dev/null; then
		echo "smtptriage: the demo nsd did not start:" >&2
		cat "$tmp/nsd.out" "$tmp/nsd.log" >&2 2>/dev/null
		exit 1
	fi
	sleep 0.1
done

