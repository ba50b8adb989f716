#!/usr/bin/perl
# Baseline for the log parsing benchmark: the Perl version of warnagg.awk.
# Counts the warning lines per client address and prints "address count".
use strict;
use warnings;

my %n;
while (my $line = <>) {
	next unless $line =~ / [Ww]arning: /;
	if ($line =~ /\[([0-9A-Fa-f.:]+)\]/) {
		$n{$1}++;
	} elsif ($line =~ /(\S+)\s*$/) {
		$n{$1}++;
	}
}
while (my ($ip, $count) = each %n) {
	print "$ip $count\n";
}
