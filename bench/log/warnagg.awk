# Baseline for the log parsing benchmark: count the warning lines of an
# Exim mainlog ("Warning: ") or a Postfix maillog ("warning: ") per client
# address and print "address count" lines.  The address is the first
# bracketed one, or else the last word (Postfix's "does not resolve to
# address X").  Run it with mawk: gawk is about 2.5 times slower.
/ [Ww]arning: / {
	if (match($0, /\[[0-9A-Fa-f.:]+\]/))
		ip = substr($0, RSTART + 1, RLENGTH - 2)
	else
		ip = $NF
	n[ip]++
}
END {
	for (ip in n)
		print ip, n[ip]
}
