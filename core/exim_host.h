/*
 * Exim's host field "name (helo) [ip]:port", read by hand on the shapes
 * that busy logs repeat, with the PCRE2 pattern in exim.c for the rest.
 * Internal to the Exim parser.
 */
#ifndef SMTPTRIAGE_EXIM_HOST_H
#define SMTPTRIAGE_EXIM_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Maximum lengths in the host field, as EXIM_HOST_PATTERN has them. */
#define EXIM_HOST_NAME_MAX	1024
#define EXIM_HOST_IP_MAX	64
#define EXIM_HOST_PORT_DIGITS	5
/* Maximum HELO length scanned for: Exim's SMTP_CMD_BUFFER_SIZE. */
#define EXIM_HELO_SCAN_MAX	16384

/* A host field found in a line, as offsets into it. */
struct exim_host {
	size_t	name, name_len;		/* name_len 0: no verified name */
	size_t	helo, helo_len;
	int	has_helo;
	size_t	ip, ip_len;
	size_t	end;			/* first byte after the field */
	int	has_ipv4;		/* ipv4 holds the address read */
	uint8_t	ipv4[4];		/* network order */
};

enum exim_host_scan {
	EXIM_HOST_FOUND,	/* *h is set */
	EXIM_HOST_NONE,		/* the pattern cannot match at start */
	EXIM_HOST_UNSURE,	/* a rarer shape: use the PCRE2 pattern */
};

/*
 * Read the host field at line + start on the common shapes, with the
 * result that EXIM_HOST_PATTERN would give.  Returns EXIM_HOST_UNSURE
 * where that would need the pattern's backtracking.  These cases are an
 * ident, an interface or a connection id after the address, a HELO whose
 * first ") [" does not lead to a valid field, and fields over their
 * limits.  start must be at most len.
 */
enum exim_host_scan	exim_host_scan(const char *line, size_t len,
			    size_t start, struct exim_host *h);

/*
 * Convert an IPv6 address made only of hex digits and colons, such as
 * "2001:db8::1", with the result of glibc's inet_pton(AF_INET6) on it.
 * Returns 1 when it is valid, 0 when it is invalid, and -1 when s holds
 * another byte before its first error (the '.' of an embedded IPv4
 * address, a NUL), which the caller leaves to inet_pton.
 */
int			exim_host_ipv6(const char *s, size_t len,
			    uint8_t out[16]);

#endif
