/* Helpers that the log format parsers share. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "field.h"
#include "reason.h"

/* Check for "IPv6:" in any case, as strncasecmp compares ASCII letters. */
static inline int
field_ipv6_prefix(const char *s)
{
	return (s[0] | 0x20) == 'i' && (s[1] | 0x20) == 'p' &&
	    (s[2] | 0x20) == 'v' && s[3] == '6' && s[4] == ':';
}

/* The value of each hex digit plus one, and 0 for any other byte. */
static const unsigned char field_hex_plus1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
	['E'] = 15, ['F'] = 16,
};

/*
 * Read the hex digit at p, if p is before end, into the low nibble of
 * *value.  Returns 1, or 0 when there is no digit there.
 */
static inline int
field_hex_digit(const unsigned char *p, const unsigned char *end,
    unsigned *value)
{
	unsigned	d;

	if (p == end || (d = field_hex_plus1[*p]) == 0)
		return 0;
	*value = *value << 4 | (d - 1);
	return 1;
}

int
field_ipv6(const char *s, size_t len, uint8_t out[16])
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*end = p + len;
	uint8_t			 groups[16];
	size_t			 n = 0, gap = 0, after;
	unsigned		 value, digits;
	int			 has_gap = 0;

	if (len == 0)
		return 0;
	/* A leading ':' must start a "::". */
	if (p[0] == ':') {
		if (len < 2 || p[1] != ':')
			return 0;
		p++;
	}

	/*
	 * Each turn reads a group of 1 to 4 hex digits and the ':' after it,
	 * or the second ':' of a "::".  The bytes are read in order, so the
	 * first error or other byte decides between 0 and -1.
	 */
	while (p != end) {
		value = 0;
		if (!field_hex_digit(p, end, &value)) {
			if (*p != ':')
				return -1;
			/* A second "::" is invalid. */
			if (has_gap)
				return 0;
			has_gap = 1;
			gap = n;
			p++;
			continue;
		}
		p++;
		for (digits = 1; digits < 4 &&
		    field_hex_digit(p, end, &value); digits++)
			p++;
		if (digits == 4 && p != end && field_hex_plus1[*p] != 0)
			return 0;	/* a fifth digit */
		if (p != end && *p != ':')
			return -1;
		/* A group may not end the address with a single ':'. */
		if (n == sizeof groups || (p != end && p + 1 == end))
			return 0;
		groups[n++] = (uint8_t)(value >> 8);
		groups[n++] = (uint8_t)value;
		if (p != end)
			p++;
	}
	if (!has_gap) {
		if (n != sizeof groups)
			return 0;
		memcpy(out, groups, sizeof groups);
		return 1;
	}
	/* The "::" stands for at least one group of zeros. */
	if (n == sizeof groups)
		return 0;
	after = n - gap;
	memset(out, 0, sizeof groups);
	memcpy(out, groups, gap);
	memcpy(out + sizeof groups - after, groups + gap, after);
	return 1;
}

/*
 * Convert an IPv6 address of fewer than INET6_ADDRSTRLEN bytes, leaving
 * to inet_pton only the texts with bytes other than hex digits and colons.
 */
static int
field_addr6(const char *s, size_t len, struct event_addr *addr)
{
	static const uint8_t	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 buf[INET6_ADDRSTRLEN];
	int			 rc;

	if ((rc = field_ipv6(s, len, addr->bytes)) == 0)
		return -1;
	if (rc == -1) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, addr->bytes) != 1)
			return -1;
	}
	addr->family = AF_INET6;
	if (memcmp(addr->bytes, mapped, sizeof mapped) == 0) {
		memmove(addr->bytes, addr->bytes + 12, 4);
		memset(addr->bytes + 4, 0, 12);
		addr->family = AF_INET;
	}
	return 0;
}

int
field_addr(const char *s, size_t len, struct event_addr *addr)
{
	uint8_t	v4[4];
	size_t	used;

	if (len > 5 && field_ipv6_prefix(s)) {
		s += 5;
		len -= 5;
	}
	if (len == 0 || len >= INET6_ADDRSTRLEN)
		return -1;
	memset(addr, 0, sizeof *addr);

	/*
	 * An address without a ':' is IPv4 or invalid.  The IPv4 digits and
	 * dots hold no ':', and a NUL byte ends the text for inet_pton, but
	 * a ':' after that NUL still sends the whole to the IPv6 reader.
	 */
	used = field_ipv4_scan(s, len, v4);
	if (used > 0 && (used == len || (s[used] == '\0' &&
	    memchr(s + used, ':', len - used) == NULL))) {
		memcpy(addr->bytes, v4, sizeof v4);
		addr->family = AF_INET;
		return 0;
	}
	if (memchr(s, ':', len) == NULL)
		return -1;
	return field_addr6(s, len, addr);
}

int
field_ipv4(const char *s, size_t len, uint8_t out[4])
{
	uint8_t	tmp[4];
	size_t	used;

	/* A NUL byte ends the text, as it ends inet_pton's C string. */
	used = field_ipv4_scan(s, len, tmp);
	if (used == 0 || (used < len && s[used] != '\0'))
		return -1;
	memcpy(out, tmp, sizeof tmp);
	return 0;
}

size_t
field_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static int
field_common_byte(char c)
{
	return c == ' ' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

const char *
field_memmem(const char *s, size_t len, const char *needle, size_t nlen)
{
	const char	*q, *p, *end, *start;
	size_t		 k, i;

	if (nlen == 0 || nlen > FIELD_FIND_SHORT)
		return memmem(s, len, needle, nlen);
	if (len < nlen)
		return NULL;
	for (k = 0; k < nlen && field_common_byte(needle[k]); k++)
		;
	if (k == nlen)
		k = 0;

	/* needle[k] of a match lies in [s + k, s + len - nlen + k]. */
	p = s + k;
	end = s + len - nlen + k + 1;
	while (p < end) {
		if ((q = memchr(p, needle[k], (size_t)(end - p))) == NULL)
			return NULL;
		/* A loop, because a call to memcmp costs more on 2 to 16 bytes. */
		start = q - k;
		for (i = 0; i < nlen && start[i] == needle[i]; i++)
			;
		if (i == nlen)
			return start;
		p = q + 1;
	}
	return NULL;
}

const char *
field_find(const char *s, size_t from, size_t to, const char *needle)
{
	if (from >= to)
		return NULL;
	return field_memmem(s + from, to - from, needle, strlen(needle));
}

const char *
field_rfind(const char *s, size_t from, size_t to, const char *needle)
{
	size_t		 nlen = strlen(needle), last;
	const char	*q;

	if (nlen == 0 || to < from + nlen)
		return NULL;
	last = to - nlen;		/* last possible start */
	for (;;) {
		q = memrchr(s + from, needle[0], last - from + 1);
		if (q == NULL)
			return NULL;
		if (memcmp(q, needle, nlen) == 0)
			return q;
		if ((size_t)(q - s) == from)
			return NULL;
		last = (size_t)(q - s) - 1;
	}
}

void
field_set_reason(struct event *ev, const char *reason, const char *arg,
    size_t len)
{
	ev->reason = reason;
	ev->reason_arg = NULL;
	ev->reason_arg_len = 0;
	if (arg != NULL && len > 0) {
		ev->reason_arg = arg;
		ev->reason_arg_len = field_cut(arg, len, REASON_ARG_MAX);
	}
}

static int
field_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Measure an enhanced status code "5.7.1" and its space, or return 0. */
static size_t
field_enhanced_code(const char *s, size_t len)
{
	size_t	n = 0, part, digits;

	for (part = 0; part < 3; part++) {
		for (digits = 0; n < len && digits < 3 && field_digit(s[n]);
		    digits++)
			n++;
		if (digits == 0 || (part == 0 && digits != 1))
			return 0;
		if (part < 2) {
			if (n >= len || s[n] != '.')
				return 0;
			n++;
		}
	}
	if (n < len && s[n] != ' ')
		return 0;
	return n < len ? n + 1 : n;
}

const char *
field_reply_text(const char *s, size_t len, int *code, size_t *text_len)
{
	const char	*p = s, *end, *semi;
	size_t		 n, rest = len;

	*code = 0;
	if (rest >= 4 && field_digit(p[0]) && field_digit(p[1]) &&
	    field_digit(p[2]) && p[3] == ' ') {
		*code = p[0] - '0';
		p += 4;
		rest -= 4;
	} else if (rest == 3 && field_digit(p[0]) && field_digit(p[1]) &&
	    field_digit(p[2])) {
		*code = p[0] - '0';
		p += 3;
		rest = 0;
	}
	if ((n = field_enhanced_code(p, rest)) > 0) {
		if (*code == 0)
			*code = p[0] - '0';
		p += n;
		rest -= n;
	}
	/* Postfix: "<object>: text"; Sendmail: "<object>... text". */
	if (rest > 0 && p[0] == '<' && (end = memchr(p, '>', rest)) != NULL) {
		n = (size_t)(end - p) + 1;
		if (n + 2 <= rest && memcmp(end + 1, ": ", 2) == 0)
			n += 2;
		else if (n + 4 <= rest && memcmp(end + 1, "... ", 4) == 0)
			n += 4;
		else
			n = 0;
		p += n;
		rest -= n;
	} else if (rest >= 2 && p[0] == ':' && p[1] == ' ') {
		/* An object that was logged empty ("450 4.7.1 : text"). */
		p += 2;
		rest -= 2;
	}
	if ((semi = memchr(p, ';', rest)) != NULL)
		rest = (size_t)(semi - p);
	while (rest > 0 && p[rest - 1] == ' ')
		rest--;
	*text_len = rest;
	return p;
}
