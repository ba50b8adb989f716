/*
 * Hand-written readers for the commonest Postfix smtpd messages.  Each
 * follows its PCRE2 pattern in postfix.c step by step and gives up with
 * PF_FAST_UNSURE wherever that pattern could backtrack to another
 * result, so the parser gets what PCRE2 would give.  tests/check_postfix.c
 * compares the two.  They are inline functions, so that the parser in
 * postfix.c runs them without a call, and postfix_fast.h declares the
 * out-of-line entries.  Internal to the Postfix parser.
 */
#ifndef SMTPTRIAGE_POSTFIX_FAST_LINE_H
#define SMTPTRIAGE_POSTFIX_FAST_LINE_H

#include <stdint.h>
#include <string.h>

#include "field.h"
#include "postfix_fast.h"
#include "span.h"

#ifdef __GNUC__
#define PF_FAST_INLINE	static inline __attribute__((always_inline))
#else
#define PF_FAST_INLINE	static inline
#endif

/* Length limits of a short queue id of PF_QUEUE_ID, in hex digits. */
#define PF_QUEUE_ID_MIN		5
#define PF_QUEUE_ID_MAX		15
/* Maximum length of the verb in "reject: VERB from ". */
#define PF_VERB_MAX		32
/* Maximum lengths of "warning: <words> limit exceeded" and "hostname X". */
#define PF_LIMIT_WORDS_MAX	48
#define PF_HOSTNAME_MAX		255

/*
 * Check whether s[0, len) starts with the n bytes of prefix.  A prefix of
 * 8 to 16 bytes is compared as two words that may overlap, because GCC 12
 * at -O2 called memcmp for some of these lengths.
 */
static inline int
pf_fast_starts(const char *s, size_t len, const char *prefix, size_t n)
{
	uint64_t	a, b, c, d;

	if (len < n)
		return 0;
	if (n < 8 || n > 16)
		return memcmp(s, prefix, n) == 0;
	memcpy(&a, s, 8);
	memcpy(&b, prefix, 8);
	memcpy(&c, s + (n - 8), 8);
	memcpy(&d, prefix + (n - 8), 8);
	return ((a ^ b) | (c ^ d)) == 0;
}

static inline int
pf_fast_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * Mark the bytes of the little-endian word x that are not upper-case hex
 * digits, with the top bit of each such byte.  Each byte is compared
 * with the ends of '0'-'9' and 'A'-'F' by adding to its low 7 bits so
 * that the top bit carries the result, and bytes of 0x80 and up are
 * marked on their own.
 */
static inline uint64_t
pf_fast_not_hex(uint64_t x)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	const uint64_t	top = 0x8080808080808080ULL;
	uint64_t	y = x & ~top, digit, letter;

	digit = (y + (0x80 - '0') * ones) & ~(y + (0x80 - '9' - 1) * ones);
	letter = (y + (0x80 - 'A') * ones) & ~(y + (0x80 - 'F' - 1) * ones);
	return (~(digit | letter) | x) & top;
}
#endif

/*
 * Measure the run of upper-case hex digits at m, counting at most
 * PF_QUEUE_ID_MAX + 1 of them.
 */
static inline size_t
pf_fast_hex_run(const char *m, size_t n)
{
	size_t		id;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t	x, bad;

	if (n >= 16) {
		memcpy(&x, m, 8);
		if ((bad = pf_fast_not_hex(x)) != 0)
			return (size_t)__builtin_ctzll(bad) / 8;
		memcpy(&x, m + 8, 8);
		if ((bad = pf_fast_not_hex(x)) != 0)
			return 8 + (size_t)__builtin_ctzll(bad) / 8;
		return 16;
	}
#endif
	for (id = 0; id < n && id <= PF_QUEUE_ID_MAX &&
	    pf_fast_upper_hex(m[id]); id++)
		;
	return id;
}

/* Bytes that end a name or an address of the client field. */
static const char pf_fast_field_end[4] = { ' ', '[', ']', ']' };

/* Measure the field at line + start, at most max + 1 bytes of it. */
static inline size_t
pf_fast_field(const char *line, size_t len, size_t start, size_t max)
{
	return span_until4(line + start, len - start < max + 1 ?
	    len - start : max + 1, pf_fast_field_end);
}

/* Table with 1 for the bytes of [A-Za-z ], which keeps the loop below short. */
static const unsigned char pf_fast_letter_or_space[256] = {
	[' '] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/*
 * Check whether "[A-Za-z ]{1,48} limit exceeded: " may match at w.  The
 * run of letters and spaces of a match ends with " limit exceeded" right
 * before the colon, so the longest such run at w must end there.
 */
static inline int
pf_fast_may_be_limit(const char *w, size_t n)
{
	static const char	tail[] = " limit exceeded";
	size_t			run, tail_len = sizeof tail - 1;

	for (run = 0; run < n && run <= PF_LIMIT_WORDS_MAX + tail_len &&
	    pf_fast_letter_or_space[(unsigned char)w[run]]; run++)
		;
	return run < n && w[run] == ':' && run > tail_len &&
	    run <= PF_LIMIT_WORDS_MAX + tail_len &&
	    memcmp(w + run - tail_len, tail, tail_len) == 0;
}

/*
 * Recognise "warning: " messages, with w after that prefix.  The families
 * before "warning: name[" (non-SMTP command, illegal address, limit
 * exceeded, hostname, Postfix 2.8 verification) all need a space before
 * any bracket.  So when the first space or bracket at w is a '[', only
 * "warning: name[" can match.  Of the others, only "does not resolve"
 * starts with "hostname ", unless the words of "limit exceeded" do.
 */
static inline enum pf_fast
pf_fast_warning(const char *line, size_t len, size_t w, size_t *family,
    size_t *mend)
{
	static const char	resolve[] = " does not resolve to address ";
	static const char	space[4] = { ' ', ' ', ' ', ' ' };
	const char		*m = line + w;
	size_t			 n = len - w, k;

	if (pf_fast_starts(m, n, "hostname ", 9)) {
		if (pf_fast_may_be_limit(m, n))
			return PF_FAST_UNSURE;
		k = span_until4(m + 9, n - 9 < PF_HOSTNAME_MAX + 1 ? n - 9 :
		    PF_HOSTNAME_MAX + 1, space);
		if (k == 0 || k > PF_HOSTNAME_MAX ||
		    !pf_fast_starts(m + 9 + k, n - 9 - k, resolve,
		    sizeof resolve - 1))
			return PF_FAST_UNSURE;
		*family = PF_FAMILY_RESOLVE;
		*mend = w + 9 + k + sizeof resolve - 1;
		return PF_FAST_FOUND;
	}
	k = pf_fast_field(line, len, w, PF_CLIENT_NAME_MAX);
	if (k == 0 || k > PF_CLIENT_NAME_MAX || k >= n || m[k] != '[')
		return PF_FAST_UNSURE;
	*family = PF_FAMILY_WARNING;
	*mend = w;
	return PF_FAST_FOUND;
}

/* The body of pf_fast_family, inlined into pf_fast_line_at. */
PF_FAST_INLINE enum pf_fast
pf_fast_family_at(const char *line, size_t len, size_t msg, size_t *family,
    size_t *mend)
{
	const char	*m = line + msg;
	size_t		 n = len - msg, id, verb;

	/*
	 * No queue id starts with "co" or "di", because none has a lower-case
	 * vowel.
	 */
	if (pf_fast_starts(m, n, "connect from ", 13)) {
		*family = PF_FAMILY_CONNECT;
		*mend = msg + 13;
		return PF_FAST_FOUND;
	}
	if (pf_fast_starts(m, n, "disconnect from ", 16)) {
		*family = PF_FAMILY_DISCONNECT;
		*mend = msg + 16;
		return PF_FAST_FOUND;
	}

	/* No queue id has the vowels of "warning". */
	if (pf_fast_starts(m, n, "warning: ", 9))
		return pf_fast_warning(line, len, msg + 9, family, mend);

	/* The queue id: "NOQUEUE" or the longest run of upper-case hex. */
	if (pf_fast_starts(m, n, "NOQUEUE: ", 9))
		id = 9;
	else {
		id = pf_fast_hex_run(m, n);
		if (id < PF_QUEUE_ID_MIN || id > PF_QUEUE_ID_MAX ||
		    !pf_fast_starts(m + id, n - id, ": ", 2))
			return PF_FAST_UNSURE;
		id += 2;
	}
	m += id;
	n -= id;

	if (pf_fast_starts(m, n, "client=", 7)) {
		*family = PF_FAMILY_QUEUE_CLIENT;
		*mend = msg + id + 7;
		return PF_FAST_FOUND;
	}
	if (!pf_fast_starts(m, n, "reject: ", 8) || n < 9 || m[8] < 'A' ||
	    m[8] > 'Z')
		return PF_FAST_UNSURE;
	for (verb = 1; 8 + verb < n && verb <= PF_VERB_MAX &&
	    ((m[8 + verb] >= 'A' && m[8 + verb] <= 'Z') || m[8 + verb] == '-');
	    verb++)
		;
	if (verb > PF_VERB_MAX ||
	    !pf_fast_starts(m + 8 + verb, n - 8 - verb, " from ", 6))
		return PF_FAST_UNSURE;
	*family = PF_FAMILY_REJECT;
	*mend = msg + id + 8 + verb + 6;
	return PF_FAST_FOUND;
}

static inline int
pf_fast_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* The body of pf_fast_client, inlined into pf_fast_line_at. */
PF_FAST_INLINE enum pf_fast
pf_fast_client_at(const char *line, size_t len, size_t start,
    struct pf_client *c)
{
	size_t	p = start, ip, port, used;

	/* Many clients have no verified name, and "unknown" has no end byte. */
	if (len - start >= 8 && memcmp(line + start, "unknown[", 8) == 0)
		p += 7;
	else
		p += pf_fast_field(line, len, start, PF_CLIENT_NAME_MAX);
	if (p - start > PF_CLIENT_NAME_MAX || p >= len || line[p] != '[')
		return PF_FAST_UNSURE;
	c->name = start;
	c->name_len = p - start;

	/*
	 * Digits and dots are not end bytes of the field, so a dotted quad
	 * followed by ']' is the whole address, and field_addr would read
	 * it as the same IPv4 address.
	 */
	ip = ++p;
	used = field_ipv4_scan_at(line, len, ip, c->v4);
	if (used > 0 && ip + used < len && line[ip + used] == ']') {
		c->has_v4 = 1;
		p += used;
	} else {
		c->has_v4 = 0;
		p += pf_fast_field(line, len, ip, PF_CLIENT_IP_MAX);
		if (p == ip || p - ip > PF_CLIENT_IP_MAX || p >= len ||
		    line[p] != ']')
			return PF_FAST_UNSURE;
	}
	c->ip = ip;
	c->ip_len = p - ip;
	p++;

	if (p < len && line[p] == ':') {
		for (port = 0; p + 1 + port < len &&
		    port <= PF_CLIENT_PORT_MAX &&
		    pf_fast_alnum(line[p + 1 + port]); port++)
			;
		if (port > PF_CLIENT_PORT_MAX)
			return PF_FAST_UNSURE;
		if (port > 0)
			p += 1 + port;
	}
	if (p < len && line[p] != ':' && line[p] != ',' && line[p] != ';' &&
	    line[p] != ' ')
		return PF_FAST_UNSURE;
	c->end = p;
	return PF_FAST_FOUND;
}

/*
 * Read the address of "does not resolve to address <ip>[: <error>]" at
 * line + start when it is a dotted quad followed by ": " or the end.
 * The address of that family ends at the first ": ", and no ':' can
 * come before that one.
 */
static inline enum pf_fast
pf_fast_resolve_ip(const char *line, size_t len, size_t start,
    struct pf_client *c)
{
	size_t	used, end;

	used = field_ipv4_scan_at(line, len, start, c->v4);
	end = start + used;
	if (used == 0 || (end < len && (line[end] != ':' || end + 1 == len ||
	    line[end + 1] != ' ')))
		return PF_FAST_UNSURE;
	c->name = 0;
	c->name_len = 0;
	c->ip = start;
	c->ip_len = used;
	c->end = end;
	c->has_v4 = 1;
	return PF_FAST_FOUND;
}

/* The body of pf_fast_line, inlined into postfix_parse. */
PF_FAST_INLINE enum pf_fast
pf_fast_line_at(const char *line, size_t len, size_t msg, size_t *family,
    struct pf_client *c)
{
	size_t	mend;

	if (pf_fast_family_at(line, len, msg, family, &mend) != PF_FAST_FOUND)
		return PF_FAST_UNSURE;
	if (*family == PF_FAMILY_RESOLVE) {
		if (pf_fast_resolve_ip(line, len, mend, c) == PF_FAST_FOUND)
			return PF_FAST_FOUND;
	} else if (pf_fast_client_at(line, len, mend, c) == PF_FAST_FOUND)
		return PF_FAST_FOUND;
	c->end = mend;
	return PF_FAST_FAMILY;
}

#endif
