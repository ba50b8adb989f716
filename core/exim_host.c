/*
 * A hand-written reader of Exim's host field for the shapes that make up
 * nearly every line of a busy mainlog:
 *
 *	[ip]:port   (helo) [ip]:port   name [ip]:port   name (helo) [ip]:port
 *
 * It follows EXIM_HOST_PATTERN in exim.c step by step and stops with
 * EXIM_HOST_UNSURE wherever the pattern could backtrack to another
 * result, so either way the parser gets what PCRE2 would give.
 * tests/check_exim.c compares the two on crafted fields.
 */
#include <string.h>

#include "exim_host.h"
#include "field.h"
#include "span.h"

/* For the steps of exim_host_scan, which runs once per client line. */
#define EXIM_HOST_INLINE	static inline __attribute__((always_inline))

/* Bytes that cannot be part of a verified name. */
static const unsigned char exim_host_not_name[256] = {
	[' '] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1
};

static int
exim_host_name_byte(char c)
{
	return !exim_host_not_name[(unsigned char)c];
}

/*
 * Measure the bytes of s[0, limit) before the first byte that cannot be
 * part of a verified name.
 */
static size_t
exim_host_name_len(const char *s, size_t limit)
{
	return span_until5(s, limit, " ()[]");
}

static int
exim_host_digit(char c)
{
	return (unsigned)((unsigned char)c - '0') <= 9;
}

/* The end of a field that starts at start and may be max bytes long. */
static size_t
exim_host_limit(size_t len, size_t start, size_t max)
{
	return len - start > max ? start + max + 1 : len;
}

/*
 * Count the digits at the start of s[0, room), but at most one more than
 * a port may have, which is enough to reject it.  Where 8 bytes remain,
 * one 64-bit word tests them all.  A byte is a digit when it XOR '0' is
 * below 10.  Adding 0x76 to its low 7 bits then sets the high bit of
 * every other byte, and the sum never carries into the next byte.
 */
EXIM_HOST_INLINE size_t
exim_host_port_digits(const char *s, size_t room)
{
	size_t		n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t	w, other;

	if (room >= 8) {
		memcpy(&w, s, sizeof w);
		w ^= 0x3030303030303030ULL;
		other = (((w & 0x7f7f7f7f7f7f7f7fULL) + 0x7676767676767676ULL) |
		    w) & 0x8080808080808080ULL;
		if (other == 0)
			return EXIM_HOST_PORT_DIGITS + 1;
		n = (size_t)__builtin_ctzll(other) / 8;
		return n > EXIM_HOST_PORT_DIGITS ? EXIM_HOST_PORT_DIGITS + 1 :
		    n;
	}
#endif
	if (room > EXIM_HOST_PORT_DIGITS + 1)
		room = EXIM_HOST_PORT_DIGITS + 1;
	for (n = 0; n < room && exim_host_digit(s[n]); n++)
		;
	return n;
}

/*
 * Read one part of a dotted IPv4 address at *u, which has 1 to 3 digits,
 * no leading zero and a value of at most 255.  Moves *u past it and
 * returns 0, or returns -1.
 */
EXIM_HOST_INLINE int
exim_host_octet(const unsigned char **u, uint8_t *out)
{
	const unsigned char	*p = *u;
	unsigned		 value, digit;

	if ((value = (unsigned)p[0] - '0') > 9)
		return -1;
	if ((digit = (unsigned)p[1] - '0') > 9) {
		*out = (uint8_t)value;
		*u = p + 1;
		return 0;
	}
	if (value == 0)
		return -1;
	value = value * 10 + digit;
	if ((digit = (unsigned)p[2] - '0') > 9) {
		*out = (uint8_t)value;
		*u = p + 2;
		return 0;
	}
	value = value * 10 + digit;
	if (value > 255)
		return -1;
	*u = p + 3;
	*out = (uint8_t)value;
	return 0;
}

/*
 * Read a dotted IPv4 address that a ']' ends within s[0, n), by the rules
 * of glibc's inet_pton: four parts of 1 to 3 digits, no leading zero,
 * each at most 255.  Returns its length without the ']', or 0 for any
 * other text and when n is below 16.
 */
EXIM_HOST_INLINE size_t
exim_host_ipv4(const char *s, size_t n, uint8_t out[4])
{
	const unsigned char	*u = (const unsigned char *)s;

	/*
	 * The longest address and its ']' take 16 bytes, and no read below
	 * goes past the byte where that ']' would be.
	 */
	if (n < 16)
		return 0;
	if (exim_host_octet(&u, &out[0]) == -1 || *u++ != '.' ||
	    exim_host_octet(&u, &out[1]) == -1 || *u++ != '.' ||
	    exim_host_octet(&u, &out[2]) == -1 || *u++ != '.' ||
	    exim_host_octet(&u, &out[3]) == -1 || *u != ']')
		return 0;
	return (size_t)(u - (const unsigned char *)s);
}

/*
 * Read "[ip]" and an optional ":port" at p, then check what follows as
 * the pattern's closing lookahead does.  A dotted IPv4 address is
 * converted on the way, so the parser need not read it again.
 */
EXIM_HOST_INLINE enum exim_host_scan
exim_host_tail(const char *line, size_t len, size_t p, struct exim_host *h)
{
	size_t	ip, n, digits, limit;

	if (p >= len || line[p] != '[')
		return EXIM_HOST_NONE;
	ip = ++p;
	/* The scan stops one byte over the maximum, which the test rejects. */
	limit = exim_host_limit(len, ip, EXIM_HOST_IP_MAX);
	if ((n = exim_host_ipv4(line + ip, limit - ip, h->ipv4)) > 0) {
		h->has_ipv4 = 1;
		p += n;
	} else
		p += span_until4(line + p, limit - p, "[] ]");
	if (p == ip || p - ip > EXIM_HOST_IP_MAX || p >= len ||
	    line[p] != ']')
		return EXIM_HOST_UNSURE;
	h->ip = ip;
	h->ip_len = p - ip;
	p++;

	/* A port of more than 5 digits would make the pattern backtrack. */
	if (p < len && line[p] == ':') {
		digits = exim_host_port_digits(line + p + 1, len - p - 1);
		if (digits > EXIM_HOST_PORT_DIGITS)
			return EXIM_HOST_UNSURE;
		if (digits > 0)
			p += 1 + digits;
	}

	/* The optional " I=[", " U=" and " Ci=" fields are left to PCRE2. */
	if (p < len && line[p] == ' ') {
		if (p + 3 < len && ((line[p + 1] == 'I' &&
		    line[p + 2] == '=') || (line[p + 1] == 'U' &&
		    line[p + 2] == '=') || (line[p + 1] == 'C' &&
		    line[p + 2] == 'i' && line[p + 3] == '=')))
			return EXIM_HOST_UNSURE;
	} else if (p < len && line[p] != ':' && line[p] != ')')
		return EXIM_HOST_UNSURE;
	h->end = p;
	return EXIM_HOST_FOUND;
}

/*
 * Find the first ") [" in [s, end), as field_memmem would, with a plain
 * search for ')' because HELOs seldom contain one.
 */
static const char *
exim_host_helo_end(const char *s, const char *end)
{
	const char	*q;
	size_t		 n;

	for (q = s; end - q >= 3; q++) {
		n = (size_t)(end - q) - 2;
		if ((q = memchr(q, ')', n)) == NULL)
			return NULL;
		if (q[1] == ' ' && q[2] == '[')
			return q;
	}
	return NULL;
}

enum exim_host_scan
exim_host_scan(const char *line, size_t len, size_t start,
    struct exim_host *h)
{
	const char	*q;
	size_t		 p = start, helo, limit;

	memset(h, 0, sizeof *h);
	if (p >= len)
		return EXIM_HOST_UNSURE;

	/* A verified name runs to a space that "(" or "[" follows. */
	if (exim_host_name_byte(line[p])) {
		limit = exim_host_limit(len, start, EXIM_HOST_NAME_MAX);
		p += exim_host_name_len(line + p, limit - p);
		if (p - start > EXIM_HOST_NAME_MAX)
			return EXIM_HOST_UNSURE;
		if (p + 1 >= len || line[p] != ' ' ||
		    (line[p + 1] != '(' && line[p + 1] != '['))
			return EXIM_HOST_NONE;
		h->name = start;
		h->name_len = p - start;
		p++;
	}
	if (line[p] == '[')
		return exim_host_tail(line, len, p, h);
	if (line[p] != '(')
		return EXIM_HOST_NONE;

	/*
	 * The HELO is lazy: it ends at the first ") [" if the rest matches
	 * there.  Otherwise PCRE2 would go on to later ones.
	 */
	helo = p + 1;
	if ((q = exim_host_helo_end(line + helo, line + len)) == NULL)
		return EXIM_HOST_NONE;
	if ((size_t)(q - line) - helo > EXIM_HELO_SCAN_MAX)
		return EXIM_HOST_UNSURE;
	h->has_helo = 1;
	h->helo = helo;
	h->helo_len = (size_t)(q - line) - helo;
	if (exim_host_tail(line, len, (size_t)(q - line) + 2, h) !=
	    EXIM_HOST_FOUND)
		return EXIM_HOST_UNSURE;
	return EXIM_HOST_FOUND;
}

int
exim_host_ipv6(const char *s, size_t len, uint8_t out[16])
{
	return field_ipv6(s, len, out);
}
