/*
 * Helpers that the log format parsers share: client addresses, names cut
 * to their limits without splitting a UTF-8 character, byte searches and
 * the reason fields of an event.
 */
#ifndef SMTPTRIAGE_FIELD_H
#define SMTPTRIAGE_FIELD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

/* The IPv4 readers below run once per client line, so they are inlined. */
#ifdef __GNUC__
#define FIELD_INLINE	static inline __attribute__((always_inline))
#else
#define FIELD_INLINE	static inline
#endif

/*
 * Convert an address as inet_pton does.  A leading "IPv6:" (any case, as
 * Sendmail and OpenSMTPD write it) is skipped, and an IPv4 address mapped
 * into IPv6 ("::ffff:192.0.2.1") is stored as IPv4.  Returns 0, or -1 if
 * s is not a valid address.
 */
int		 field_addr(const char *s, size_t len, struct event_addr *);

/*
 * Convert a dotted-quad IPv4 address as glibc's inet_pton(AF_INET) does:
 * four decimal parts of 0 to 255 without leading zeros, and a NUL byte
 * ends s early.  It is the parsers' fast path, about ten times cheaper
 * than inet_pton with its copy to a C string.  Returns 0 and sets
 * out[0..3], or -1 (out unchanged).
 */
int		 field_ipv4(const char *s, size_t len, uint8_t out[4]);

/*
 * Read a dotted-quad IPv4 address at the start of s[0, len): four parts
 * of 1 to 3 digits, no leading zero, each at most 255.  Returns the bytes
 * used with the parts in out[0..3], or 0 with out partly written.  A
 * fourth digit fails, because only a dot may follow the first three parts
 * and the caller checks what follows the last one.
 */
FIELD_INLINE size_t
field_ipv4_scan(const char *s, size_t len, uint8_t out[4])
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 p = 0;
	unsigned		 part, v, d;

	for (part = 0;; part++) {
		if (p >= len || (v = (unsigned)u[p] - '0') > 9)
			return 0;
		p++;
		if (p < len && (d = (unsigned)u[p] - '0') <= 9) {
			if (v == 0)
				return 0;
			v = v * 10 + d;
			p++;
			if (p < len && (d = (unsigned)u[p] - '0') <= 9) {
				v = v * 10 + d;
				p++;
				if (v > 255)
					return 0;
			}
		}
		out[part] = (uint8_t)v;
		if (part == 3)
			return p;
		if (p >= len || u[p] != '.')
			return 0;
		p++;
	}
}

/* Bytes that field_ipv4_scan_padded may read. */
#define FIELD_IPV4_READ		16

/*
 * Read a dotted-quad IPv4 address as field_ipv4_scan does, when at least
 * FIELD_IPV4_READ bytes can be read at s.  A part starts at most at
 * offset 12, so the reads stay below offset 15.  It needs no length
 * checks, so it runs fewer instructions.
 */
FIELD_INLINE size_t
field_ipv4_scan_padded(const char *s, uint8_t out[4])
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 p = 0;
	unsigned		 part, v, d;

	for (part = 0; part < 4; part++) {
		if ((v = (unsigned)u[p] - '0') > 9)
			return 0;
		if ((d = (unsigned)u[p + 1] - '0') > 9)
			p += 1;
		else if (v == 0)
			return 0;
		else if ((v = v * 10 + d, d = (unsigned)u[p + 2] - '0') > 9)
			p += 2;
		else if ((v = v * 10 + d) > 255)
			return 0;
		else
			p += 3;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (u[p] != '.')
				return 0;
			p++;
		}
	}
	return p;
}

/*
 * Read a dotted-quad IPv4 address at line + off as field_ipv4_scan does
 * on line[off, len).  Near the end of a line of at least FIELD_IPV4_READ
 * bytes, the last FIELD_IPV4_READ bytes are copied before NUL padding,
 * which stops the scan where the end of the line would.
 */
FIELD_INLINE size_t
field_ipv4_scan_at(const char *line, size_t len, size_t off, uint8_t out[4])
{
	char	tail[2 * FIELD_IPV4_READ];

	if (len - off >= FIELD_IPV4_READ)
		return field_ipv4_scan_padded(line + off, out);
	if (len < FIELD_IPV4_READ)
		return field_ipv4_scan(line + off, len - off, out);
	memcpy(tail, line + len - FIELD_IPV4_READ, FIELD_IPV4_READ);
	memset(tail + FIELD_IPV4_READ, 0, FIELD_IPV4_READ);
	return field_ipv4_scan_padded(tail + FIELD_IPV4_READ - (len - off),
	    out);
}

/*
 * Convert an IPv6 address made only of hex digits and colons, such as
 * "2001:db8::1", to the bytes that glibc's inet_pton(AF_INET6) gives.
 * Returns 1 when it is valid, 0 when it is invalid, and -1 when s contains
 * another byte before its first error (the '.' of an embedded IPv4
 * address, a NUL), which the caller leaves to inet_pton.
 */
int		 field_ipv6(const char *s, size_t len, uint8_t out[16]);

/* Shorten len to at most max bytes without splitting a UTF-8 sequence. */
size_t		 field_cut(const char *s, size_t len, size_t max);

/*
 * Check whether s[0, len) starts with prefix.  Inline, so that the
 * compiler folds the length of a literal prefix and compares in place.
 */
static inline int
field_starts(const char *s, size_t len, const char *prefix)
{
	size_t	n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/*
 * Find the first needle in s[0, len) as memmem does, but with memchr on
 * the needle's first byte that is neither a letter, a digit nor a space
 * (usually rare in a log line), or on its first byte.  Needles of more
 * than FIELD_FIND_SHORT bytes go to memmem.
 */
#define FIELD_FIND_SHORT	16
const char	*field_memmem(const char *s, size_t len, const char *needle,
		    size_t nlen);

/* Find the first or last needle in s[from, to), or return NULL. */
const char	*field_find(const char *s, size_t from, size_t to,
		    const char *needle);
const char	*field_rfind(const char *s, size_t from, size_t to,
		    const char *needle);

/*
 * Clear an event.  Two memsets of fixed sizes compile to 16-byte stores,
 * where one memset of the whole event becomes a "rep stos" that runs
 * more instructions (GCC 12 at -O2 on x86-64).
 */
#define FIELD_EVENT_SPLIT	64
_Static_assert(sizeof(struct event) >= FIELD_EVENT_SPLIT,
    "field_event_clear splits struct event at FIELD_EVENT_SPLIT");
static inline void
field_event_clear(struct event *ev)
{
	memset(ev, 0, FIELD_EVENT_SPLIT);
	memset((char *)ev + FIELD_EVENT_SPLIT, 0,
	    sizeof *ev - FIELD_EVENT_SPLIT);
}

/* Return the length of a name of len bytes at s once field_cut cuts it. */
static inline size_t
field_name_len(const char *s, size_t len)
{
	return len <= EVENT_NAME_MAX ? len : field_cut(s, len, EVENT_NAME_MAX);
}

/*
 * Set the HELO or rDNS name of ev, cut to EVENT_NAME_MAX.  A len of 0
 * leaves the name as it was.  Inline, because each client line sets one
 * or both.
 */
static inline void
field_set_helo(struct event *ev, const char *s, size_t len)
{
	if (len > 0) {
		ev->helo = s;
		ev->helo_len = field_name_len(s, len);
	}
}

static inline void
field_set_rdns(struct event *ev, const char *s, size_t len)
{
	if (len > 0) {
		ev->rdns = s;
		ev->rdns_len = field_name_len(s, len);
	}
}

/*
 * Set the reason of ev and, when len > 0, its text (the key becomes
 * "<reason>:<text>"), cut to REASON_ARG_MAX.
 */
void		 field_set_reason(struct event *, const char *reason,
		    const char *arg, size_t len);

/*
 * Find the text of an SMTP reply "550 5.7.1 <object>: text; more" at s:
 * skip the reply code and the enhanced status code when present, then an
 * object in angle brackets followed by ": " (Postfix) or "... "
 * (Sendmail), and stop at the first ';' with trailing spaces dropped.
 * Sets *code to the reply class (4 or 5, from the reply code or else the
 * enhanced code; 0 when neither is there) and returns the start of the
 * text, whose length goes to *text_len.
 */
const char	*field_reply_text(const char *s, size_t len, int *code,
		    size_t *text_len);

#endif
