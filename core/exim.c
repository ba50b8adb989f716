/*
 * Exim mainlog and rejectlog lines: the SMTP client a line names, with its
 * HELO, the reverse DNS name Exim forward-confirmed, and the reason the
 * line gives.
 *
 * A line is a prefix and a body.  The prefix is the timestamp, optionally
 * a syslog wrapper ("host exim[pid]: " with Exim's own timestamp after
 * it), "[pid]" and a message id.  One anchored PCRE2 pattern recognises
 * the body's family (arrival, "H=" reject or warning, "SMTP connection
 * from", ...) and the offset where its host field starts.  A second
 * pattern reads Exim's host field "name (helo) [ip]:port I=[local]:port
 * U=ident Ci=id".
 *
 * Limits and choices:
 * - HELO and rDNS names are cut to EVENT_NAME_MAX bytes and reason texts
 *   to REASON_ARG_MAX bytes, both on a UTF-8 character boundary.
 * - A HELO longer than EXIM_HELO_SCAN_MAX bytes is not recognised, and a
 *   family whose host field is searched for (arrivals, protocol errors)
 *   tries at most EXIM_HOST_TRIES places.
 * - The client address must pass inet_pton.  When it does not (the Exim
 *   test suite's "V4NET.0.0.13"), the line names no client.  An IPv4
 *   address mapped into IPv6 is stored as IPv4.
 * - The HELO ends at the first ") [address]" that is followed by a space,
 *   a colon, a ")" or the end of the line, so text after the host field
 *   (a rejection message, a recipient) can never move it.  A HELO that
 *   itself contains ") [address] " can, but Exim accepts such a HELO only
 *   from hosts in helo_accept_junk_hosts.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH	8
#include <pcre2.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "exim.h"
#include "exim_host.h"
#include "field.h"
#include "span.h"
#include "xmalloc.h"

/* Maximum places tried for a host field that has no fixed position. */
#define EXIM_HOST_TRIES		8
/* Maximum length of the host name in a syslog wrapper. */
#define EXIM_SYSLOG_HOST_MAX	255
/* Backtracking limit of one PCRE2 match, far above what the patterns need. */
#define EXIM_MATCH_LIMIT	1000000

/* Texts of Exim's reverse DNS checks of the client (its acl.c and host.c). */
#define EXIM_RDNS_DEFERRED	"host lookup deferred for reverse lookup check"
#define EXIM_RDNS_FAILED	"host lookup failed"
#define EXIM_RDNS_MISMATCH	"does not match any IP address"
/*
 * The start that EXIM_RDNS_DEFERRED and EXIM_RDNS_FAILED share, and the
 * offset of its 'k', a rarer byte in rejection texts than its 'h'.
 */
#define EXIM_RDNS_LOOKUP	"host lookup "
#define EXIM_RDNS_LOOKUP_KEY	8

/* Exim's text before a client address that has no reverse DNS name. */
#define EXIM_NO_RDNS_TEXT	"no host name found for IP address "

/* Position of a family's host field. */
enum exim_locate {
	LOCATE_NONE,		/* outbound delivery, so no client */
	LOCATE_HERE,		/* right after the family's match */
	LOCATE_NEXT_H,		/* at the first " H=" after the match */
	LOCATE_LAST_H,		/* at the last " H=" of the line */
	LOCATE_LAST_H_INPUT,	/* at the last " H=" before " next input=" */
	LOCATE_QUOTE_FROM,	/* at the first "\" from " after the match */
	LOCATE_SA_HOST,		/* at the first " (host=" after the match */
	LOCATE_IP_TEXT,		/* a bare address up to a space or the end */
};

/* Source of a family's reason. */
enum exim_why {
	WHY_NONE,		/* the line only shows the client */
	WHY_FIXED,		/* the family's reason */
	WHY_HOST_LINE,		/* from the text after the host field */
	WHY_CALL_DROPPED,	/* protocol_error on "dropped: too many ..." */
	WHY_REJECTED_FROM,	/* rejected, with the text up to the next ": " */
};

struct exim_family {
	const char		*regex;		/* PCRE2, anchored at the body */
	enum exim_locate	 locate;
	enum exim_why		 why;
	const char		*reason;	/* for WHY_FIXED */
	int			 check_outbound; /* may be "H=server [ip]: error" */
};

/*
 * Body families, tried in this order.  The index of an entry is the
 * (*MARK) name its alternative sets in the combined pattern.
 */
static const struct exim_family exim_families[] = {
	{ "(?: ?DS ?)?H=", LOCATE_HERE, WHY_HOST_LINE, NULL, 1 },
	{ "(?:<=|\\(=) ", LOCATE_NEXT_H, WHY_NONE, NULL, 0 },
	{ "(?:=>|->|>>|\\*>|\\*\\*|==) ", LOCATE_NONE, WHY_NONE, NULL, 0 },
	{ "F=", LOCATE_NEXT_H, WHY_HOST_LINE, NULL, 0 },
	{ "SMTP connection from ", LOCATE_HERE, WHY_NONE, NULL, 0 },
	{ "SMTP connection lost after final dot H=", LOCATE_HERE, WHY_NONE,
	    NULL, 0 },
	{ "no MAIL in SMTP connection from ", LOCATE_HERE, WHY_FIXED,
	    REASON_NO_MAIL, 0 },
	{ "SMTP call from ", LOCATE_HERE, WHY_CALL_DROPPED, NULL, 0 },
	{ "[^ ]{1,64} authenticator failed for (?:H=)?", LOCATE_HERE,
	    WHY_FIXED, REASON_AUTH_FAILED, 0 },
	{ "(?:temporarily )?rejected \"(?:EHLO|HELO) ", LOCATE_QUOTE_FROM,
	    WHY_FIXED, REASON_HELO_REJECTED, 0 },
	{ "rejected (?:EHLO|HELO|MAIL) from ", LOCATE_HERE, WHY_REJECTED_FROM,
	    NULL, 0 },
	{ EXIM_NO_RDNS_TEXT, LOCATE_IP_TEXT, WHY_FIXED, REASON_NO_RDNS, 0 },
	{ "no IP address found for host [^ ]{1,1024} "
	    "\\(during SMTP connection from ", LOCATE_HERE, WHY_NONE, NULL, 0 },
	{ "TLS error on connection from ", LOCATE_HERE, WHY_NONE, NULL, 0 },
	{ "SMTP (?:command|data) timeout [^\"]{0,64}?"
	    "on (?:TLS )?connection from ", LOCATE_HERE, WHY_NONE, NULL, 0 },
	{ "unexpected disconnection while reading SMTP command from ",
	    LOCATE_HERE, WHY_NONE, NULL, 0 },
	{ "SMTP (?:protocol|syntax) error in \"", LOCATE_LAST_H, WHY_FIXED,
	    REASON_PROTOCOL_ERROR, 0 },
	{ "SMTP protocol synchronization error \\([^)]{0,128}\\): "
	    "rejected connection from H=", LOCATE_HERE, WHY_FIXED,
	    REASON_PROTOCOL_ERROR, 0 },
	{ "SMTP protocol synchronization error \\([^)]{0,128}\\): "
	    "rejected \"", LOCATE_LAST_H_INPUT, WHY_FIXED,
	    REASON_PROTOCOL_ERROR, 0 },
	{ "SA: Action: ", LOCATE_SA_HOST, WHY_NONE, NULL, 0 },
};
#define EXIM_NFAMILIES	(sizeof exim_families / sizeof exim_families[0])
/* Families that exim_family recognises without PCRE2. */
#define EXIM_FAMILY_H		0
#define EXIM_FAMILY_ARRIVAL	1
#define EXIM_FAMILY_CONNECTION	4
#define EXIM_FAMILY_NO_RDNS	11

/*
 * Exim's host field, as built by host_build_sender_fullhost and
 * host_and_ident in its host.c.  The HELO is matched lazily (see the file
 * comment for why).
 */
#define EXIM_HOST_PATTERN						\
	"(?:(?<name>[^ ()\\[\\]]{1,1024}) (?=[(\\[]))?"			\
	"(?:\\((?<helo>.{0,%d}?)\\) )?"					\
	"\\[(?<ip>[^ \\[\\]]{1,64})\\]"					\
	"(?::[0-9]{1,5})?"						\
	"(?: I=\\[[^ \\]]{0,64}\\](?::\\w{1,16})?)?"			\
	"(?: U=[^ ]{1,256}?)?"						\
	"(?: Ci=[^ ]{1,64}?)?"						\
	"(?=[ :)]|$)"

struct exim_pattern {
	pcre2_code		*code;
	pcre2_match_data	*md;
	int			 jit;
};

struct exim_parser {
	const struct reason_table	*rt;
	pcre2_general_context		*gctx;
	pcre2_compile_context		*cctx;
	pcre2_match_context		*mctx;
	struct exim_pattern		 family;
	struct exim_pattern		 host;
	uint32_t			 group_name;
	uint32_t			 group_helo;
	uint32_t			 group_ip;
	int				 fast;	/* hand-written paths first */
};

static void *
exim_pcre_malloc(PCRE2_SIZE size, void *data)
{
	(void)data;
	return xmalloc(size);
}

static void
exim_pcre_free(void *p, void *data)
{
	(void)data;
	free(p);
}

static int
exim_compile(struct exim_parser *ep, struct exim_pattern *pat,
    const char *name, const char *regex, uint32_t options, char **cause)
{
	PCRE2_UCHAR	msg[256];
	PCRE2_SIZE	erroff;
	int		errcode;

	pat->code = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED,
	    options, &errcode, &erroff, ep->cctx);
	if (pat->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof msg);
		xasprintf(cause, "cannot compile the Exim %s pattern at offset "
		    "%zu: %s", name, (size_t)erroff, (char *)msg);
		return -1;
	}
	/* Without JIT support, or memory for it, the interpreter runs. */
	pat->jit = pcre2_jit_compile(pat->code, PCRE2_JIT_COMPLETE) == 0;
	pat->md = pcre2_match_data_create_from_pattern(pat->code, ep->gctx);
	return 0;
}

static void
exim_pattern_free(struct exim_pattern *pat)
{
	pcre2_match_data_free(pat->md);
	pcre2_code_free(pat->code);
}

/* Join the family regexes into one alternation that marks its branch. */
static char *
exim_family_regex(void)
{
	char	*regex, *next;
	size_t	 i;

	regex = xstrdup("");
	for (i = 0; i < EXIM_NFAMILIES; i++) {
		xasprintf(&next, "%s%s(?:%s)(*:%zu)", regex, i == 0 ? "" : "|",
		    exim_families[i].regex, i);
		free(regex);
		regex = next;
	}
	return regex;
}

struct exim_parser *
exim_parser_create(const struct reason_table *rt, char **cause)
{
	struct exim_parser	*ep;
	char			*regex;
	int			 rc;

	ep = xcalloc(1, sizeof *ep);
	ep->rt = rt;
	ep->fast = 1;
	ep->gctx = pcre2_general_context_create(exim_pcre_malloc,
	    exim_pcre_free, NULL);
	ep->cctx = pcre2_compile_context_create(ep->gctx);
	ep->mctx = pcre2_match_context_create(ep->gctx);
	pcre2_set_match_limit(ep->mctx, EXIM_MATCH_LIMIT);

	regex = exim_family_regex();
	rc = exim_compile(ep, &ep->family, "line family", regex,
	    PCRE2_ANCHORED | PCRE2_NO_AUTO_CAPTURE | PCRE2_DOTALL, cause);
	free(regex);
	if (rc == -1)
		goto fail;

	xasprintf(&regex, EXIM_HOST_PATTERN, EXIM_HELO_SCAN_MAX);
	rc = exim_compile(ep, &ep->host, "host field", regex,
	    PCRE2_ANCHORED | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, cause);
	free(regex);
	if (rc == -1)
		goto fail;
	ep->group_name = (uint32_t)pcre2_substring_number_from_name(
	    ep->host.code, (PCRE2_SPTR)"name");
	ep->group_helo = (uint32_t)pcre2_substring_number_from_name(
	    ep->host.code, (PCRE2_SPTR)"helo");
	ep->group_ip = (uint32_t)pcre2_substring_number_from_name(
	    ep->host.code, (PCRE2_SPTR)"ip");
	return ep;

fail:
	exim_parser_free(ep);
	return NULL;
}

void
exim_parser_fast(struct exim_parser *ep, int on)
{
	ep->fast = on;
}

void
exim_parser_free(struct exim_parser *ep)
{
	if (ep == NULL)
		return;
	if (ep->family.code != NULL)
		exim_pattern_free(&ep->family);
	if (ep->host.code != NULL)
		exim_pattern_free(&ep->host);
	pcre2_match_context_free(ep->mctx);
	pcre2_compile_context_free(ep->cctx);
	pcre2_general_context_free(ep->gctx);
	free(ep);
}

/* Match an anchored pattern at offset start.  Returns 1 on a match. */
static int
exim_match(const struct exim_parser *ep, const struct exim_pattern *pat,
    const char *line, size_t len, size_t start)
{
	int	rc;

	if (pat->jit)
		rc = pcre2_jit_match(pat->code, (PCRE2_SPTR)line, len, start,
		    0, pat->md, ep->mctx);
	else
		rc = pcre2_match(pat->code, (PCRE2_SPTR)line, len, start, 0,
		    pat->md, ep->mctx);
	return rc > 0;
}

/* Check whether s[0, len) starts with the string literal text. */
#define EXIM_TEXT_AT(s, len, text)					\
	((len) >= sizeof(text) - 1 && memcmp((s), (text), sizeof(text) - 1) == 0)

static int
exim_starts(const char *s, size_t len, const char *prefix)
{
	size_t	n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static int
exim_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
exim_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Count the leading bytes of s that are ASCII letters or digits. */
static size_t
exim_alnum_run(const char *s, size_t len)
{
	size_t		n = 0;
	unsigned	c;

	/* c | 0x20 lies in 'a'-'z' only for the letters of either case. */
	for (; n < len; n++) {
		c = (unsigned char)s[n];
		if (c - '0' >= 10 && (c | 0x20) - 'a' >= 26)
			break;
	}
	return n;
}

/* Shorten len to at most max bytes without splitting a UTF-8 sequence. */
static size_t
exim_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * Find the first " H=" in s[from, to), or return NULL, by its '=': in an
 * arrival line the first '=' after "<= sender" is mostly that of " H=".
 */
static const char *
exim_find_h(const char *s, size_t from, size_t to)
{
	size_t	at;

	for (at = from + 2; at < to; at++) {
		at += span_until4(s + at, to - at, "====");
		if (at == to)
			return NULL;
		if (s[at - 2] == ' ' && s[at - 1] == 'H')
			return s + at - 2;
	}
	return NULL;
}

/*
 * Find the first occurrence of needle in s[from, to), or return NULL.
 * With fast set, " H=" is searched for by exim_find_h.
 */
static const char *
exim_find(const char *s, size_t from, size_t to, const char *needle,
    int fast)
{
	if (from >= to)
		return NULL;
	if (fast && needle[0] == ' ' && needle[1] == 'H' && needle[2] == '=' &&
	    needle[3] == '\0')
		return exim_find_h(s, from, to);
	return field_memmem(s + from, to - from, needle, strlen(needle));
}

/* Find the last occurrence of needle within s[from, to), or return NULL. */
static const char *
exim_rfind(const char *s, size_t from, size_t to, const char *needle)
{
	size_t		 nlen = strlen(needle), last;
	const char	*q;

	if (to < from + nlen)
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

/* Measure a "Jun 29 16:04:19" syslog time (day padded with a space or 0). */
static size_t
exim_syslog_stamp(const char *s, size_t len)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOct"
				    "NovDec";
	size_t			 i, n;

	if (len < 15)
		return 0;
	for (i = 0; i < 12; i++)
		if (memcmp(s, months + 3 * i, 3) == 0)
			break;
	if (i == 12 || s[3] != ' ')
		return 0;
	n = 4;
	if (s[n] == ' ')
		n++;
	if (!exim_digit(s[n]))
		return 0;
	n++;
	if (exim_digit(s[n]))
		n++;
	if (len < n + 9 || s[n] != ' ')
		return 0;
	n++;
	if (!exim_digit(s[n]) || !exim_digit(s[n + 1]) || s[n + 2] != ':' ||
	    !exim_digit(s[n + 3]) || !exim_digit(s[n + 4]) || s[n + 5] != ':' ||
	    !exim_digit(s[n + 6]) || !exim_digit(s[n + 7]))
		return 0;
	return n + 8;
}

/* Measure a "host exim[pid]: " syslog tag (also "exim4", pid optional). */
static size_t
exim_syslog_tag(const char *s, size_t len)
{
	const char	*sp;
	size_t		 n, digits;

	sp = memchr(s, ' ', len < EXIM_SYSLOG_HOST_MAX + 1 ? len :
	    EXIM_SYSLOG_HOST_MAX + 1);
	if (sp == NULL || sp == s)
		return 0;
	n = (size_t)(sp - s) + 1;
	if (!exim_starts(s + n, len - n, "exim"))
		return 0;
	n += 4;
	if (n < len && s[n] == '4')
		n++;
	if (n < len && s[n] == '[') {
		for (digits = 0; n + 1 + digits < len &&
		    exim_digit(s[n + 1 + digits]); digits++)
			;
		if (digits == 0 || digits > 10 || n + 1 + digits >= len ||
		    s[n + 1 + digits] != ']')
			return 0;
		n += digits + 2;
	}
	if (!exim_starts(s + n, len - n, ": "))
		return 0;
	return n + 2;
}

/* Measure the "[1234] " that log_selector +pid writes, or return 0. */
static size_t
exim_pid_len(const char *s, size_t len)
{
	size_t	n = 1;

	if (len < 4 || s[0] != '[')
		return 0;
	while (n < len && n <= 10 && exim_digit(s[n]))
		n++;
	if (n == 1 || n + 1 >= len || s[n] != ']' || s[n + 1] != ' ')
		return 0;
	return n + 2;
}

/*
 * Measure a message id and its space: "1ahr79-0006jK-G9 " (6-6-2) or, since
 * Exim 4.97, "1rDnxq-00000000Ofs-1SXn " (6-11-4).  Returns 0 if absent.
 */
static size_t
exim_msgid_len(const char *s, size_t len)
{
	size_t	a, b, c;

	a = exim_alnum_run(s, len);
	if (a != 6 || a >= len || s[a] != '-')
		return 0;
	b = exim_alnum_run(s + a + 1, len - a - 1);
	if ((b != 6 && b != 11) || a + 1 + b >= len || s[a + 1 + b] != '-')
		return 0;
	c = exim_alnum_run(s + a + b + 2, len - a - b - 2);
	if (c != (b == 6 ? 2u : 4u) || a + b + c + 2 >= len ||
	    s[a + b + c + 2] != ' ')
		return 0;
	return a + b + c + 3;
}

/* Bytes of 0x01 and 0x80 in a 64-bit word. */
#define EXIM_ONES	0x0101010101010101ULL
#define EXIM_HIGHS	0x8080808080808080ULL

/*
 * Set the top bit of each byte of w that is at least c, for bytes below
 * 0x80: with the top bit set first, the subtraction cannot borrow from
 * the next byte.
 */
static uint64_t
exim_bytes_at_least(uint64_t w, unsigned char c)
{
	return ((w | EXIM_HIGHS) - EXIM_ONES * c) & EXIM_HIGHS;
}

/*
 * Check that the 8 bytes at s are ASCII letters or digits where pattern
 * has a nonzero byte.  A byte array and memcpy give the mask the byte
 * order of the load on any machine.
 */
static inline int
exim_alnum8(const unsigned char *s, const unsigned char pattern[8])
{
	uint64_t	w, lower, mask, digit, letter;

	memcpy(&w, s, 8);
	memcpy(&mask, pattern, 8);
	mask &= EXIM_HIGHS;
	lower = w | (EXIM_ONES * 0x20);
	digit = exim_bytes_at_least(w, '0') & ~exim_bytes_at_least(w, '9' + 1);
	letter = exim_bytes_at_least(lower, 'a') &
	    ~exim_bytes_at_least(lower, 'z' + 1);
	return ((digit | letter) & ~w & mask) == mask;
}

/*
 * Measure a message id as exim_msgid_len does, by testing the bytes at
 * the fixed positions of the two shapes instead of counting runs.  The
 * byte after a run must be '-' or ' ', which is no letter or digit, so
 * both ways accept the same ids.
 */
static size_t
exim_msgid_fixed(const char *s, size_t len)
{
	static const unsigned char	 first[8] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 0x80
	};
	static const unsigned char	 short_second[8] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0, 0x80, 0x80
	};
	static const unsigned char	 all[8] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80
	};
	static const unsigned char	 long_third[8] = {
		0x80, 0x80, 0, 0x80, 0x80, 0x80, 0x80, 0
	};
	const unsigned char		*u = (const unsigned char *)s;

	/* Shape 6-6-2 is 17 bytes with its space, and 6-11-4 is 24. */
	if (len < 17 || u[6] != '-' || !exim_alnum8(u, first))
		return 0;
	if (u[13] == '-')
		return u[16] == ' ' && exim_alnum8(u + 8, short_second) ?
		    17 : 0;
	if (len < 24 || u[18] != '-' || u[23] != ' ' ||
	    !exim_alnum8(u + 8, all) || !exim_alnum8(u + 16, long_third))
		return 0;
	return 24;
}

#ifdef __SSE2__
/*
 * Bits of the 16 bytes at s that are ASCII letters or digits.  Bytes over
 * 0x7f are negative in the signed compares, so they match neither range.
 */
static inline unsigned
exim_alnum16(const char *s)
{
	__m128i	v, lower, digit, letter;

	v = _mm_loadu_si128((const __m128i *)(const void *)s);
	lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
	digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
	    _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
	    _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, letter));
}

/*
 * Measure a message id as exim_msgid_fixed does, with one 16-byte load
 * for the 6-6-2 shape and a second one for 6-11-4.  Bit i of a mask is
 * byte i of its load, and the second load starts at byte 8.
 */
static inline size_t
exim_msgid_vector(const char *s, size_t len)
{
	unsigned	first;

	if (len < 17 || s[6] != '-')
		return 0;
	first = exim_alnum16(s);
	if (s[13] == '-')
		return s[16] == ' ' && (first & 0xdfbf) == 0xdfbf ? 17 : 0;
	if (len < 24 || s[18] != '-' || s[23] != ' ' ||
	    (first & 0xffbf) != 0xffbf)
		return 0;
	return (exim_alnum16(s + 8) & 0x7b00) == 0x7b00 ? 24 : 0;
}
#else
#define exim_msgid_vector	exim_msgid_fixed
#endif

size_t
exim_msgid_measure(enum exim_msgid_way way, const char *s, size_t len)
{
	switch (way) {
	case EXIM_MSGID_RUNS:
		return exim_msgid_len(s, len);
	case EXIM_MSGID_FIXED:
		return exim_msgid_fixed(s, len);
	case EXIM_MSGID_VECTOR:
		break;
	}
	return exim_msgid_vector(s, len);
}

/* Parse an Exim timestamp at line + *off into ev and skip it and a space. */
static int
exim_stamp(const char *line, size_t len, size_t *off, struct event *ev)
{
	struct ts	t;
	size_t		n;

	n = ts_parse_exim(line + *off, len - *off, &t);
	if (n == 0)
		return 0;
	ev->time = t;
	ev->has_time = 1;
	*off += n;
	if (*off < len)
		(*off)++;
	return 1;
}

/*
 * Find the body of a line: skip the timestamp, a syslog wrapper, "[pid]"
 * and a message id.  Returns -1 when the line has no timestamp.  A syslog
 * line without a year and without Exim's timestamp inside still has a
 * body, but no time (has_time 0).
 */
static int
exim_prefix(const struct exim_parser *ep, const char *line, size_t len,
    struct event *ev, size_t *body)
{
	size_t	off = 0, n, msgid = 0;
	int	syslog_stamp = 0, tagged;

	if (!exim_stamp(line, len, &off, ev)) {
		n = exim_syslog_stamp(line, len);
		if (n > 0 && n < len && line[n] == ' ') {
			syslog_stamp = 1;
			off = n + 1;
		}
	}

	/*
	 * A message id has no space before its own, so when one comes first,
	 * a syslog tag can only follow it.  That settles most mainlog lines
	 * without the search in exim_syslog_tag.
	 */
	if (ep->fast)
		msgid = exim_msgid_fixed(line + off, len - off);
	if (msgid > 0 && !EXIM_TEXT_AT(line + off + msgid,
	    len - off - msgid, "exim"))
		tagged = 0;
	else
		tagged = (n = exim_syslog_tag(line + off, len - off)) > 0;
	if (tagged) {
		off += n;
		exim_stamp(line, len, &off, ev);
		msgid = 0;
	} else if (syslog_stamp)
		return -1;		/* some other program's line */
	if (!ev->has_time && !syslog_stamp)
		return -1;

	/* A message id starts with a letter or digit, "[pid]" with '['. */
	if (msgid == 0) {
		off += exim_pid_len(line + off, len - off);
		if (ep->fast)
			msgid = exim_msgid_fixed(line + off, len - off);
		else
			msgid = exim_msgid_len(line + off, len - off);
	}
	*body = off + msgid;
	return 0;
}

/* Check whether a body starts with a delivery's "=>", "->", "**", ... */
static inline int
exim_delivery(const char *b, size_t blen)
{
	return blen >= 3 && b[2] == ' ' &&
	    ((b[0] == '=' && (b[1] == '>' || b[1] == '=')) ||
	    (b[0] == '-' && b[1] == '>') || (b[0] == '*' &&
	    (b[1] == '*' || b[1] == '>')) || (b[0] == '>' && b[1] == '>'));
}

/* Check cheaply, before any PCRE2 match, whether a body may name a client. */
static int
exim_may_name_client(const char *b, size_t blen)
{
	if (exim_delivery(b, blen))
		return 0;
	if (memchr(b, '[', blen) != NULL)
		return 1;
	return exim_starts(b, blen, EXIM_NO_RDNS_TEXT);
}

/* Match the host field at offset start with EXIM_HOST_PATTERN. */
static int
exim_host_match(const struct exim_parser *ep, const char *line, size_t len,
    size_t start, struct exim_host *h)
{
	PCRE2_SIZE	*ov;

	if (!exim_match(ep, &ep->host, line, len, start))
		return 0;
	ov = pcre2_get_ovector_pointer(ep->host.md);

	memset(h, 0, sizeof *h);
	if (ov[2 * ep->group_name] != PCRE2_UNSET) {
		h->name = ov[2 * ep->group_name];
		h->name_len = ov[2 * ep->group_name + 1] - h->name;
	}
	if (ov[2 * ep->group_helo] != PCRE2_UNSET) {
		h->has_helo = 1;
		h->helo = ov[2 * ep->group_helo];
		h->helo_len = ov[2 * ep->group_helo + 1] - h->helo;
	}
	h->ip = ov[2 * ep->group_ip];
	h->ip_len = ov[2 * ep->group_ip + 1] - h->ip;
	h->end = ov[1];
	return 1;
}

/*
 * Read the host field at offset start, by hand on the common shapes.  It
 * is inline so that the common case costs no call of its own.
 */
static inline int
exim_host_at(const struct exim_parser *ep, const char *line, size_t len,
    size_t start, struct exim_host *h)
{
	if (start > len)
		return 0;
	if (ep->fast) {
		switch (exim_host_scan(line, len, start, h)) {
		case EXIM_HOST_FOUND:
			return 1;
		case EXIM_HOST_NONE:
			return 0;
		case EXIM_HOST_UNSURE:
			break;
		}
	}
	return exim_host_match(ep, line, len, start, h);
}

/*
 * Try the host field at each occurrence of needle in [from, to), first to
 * last or last to first, at most EXIM_HOST_TRIES of them.
 */
static int
exim_host_search(const struct exim_parser *ep, const char *line, size_t len,
    size_t from, size_t to, const char *needle, int backward,
    struct exim_host *h)
{
	const char	*q;
	size_t		 nlen = strlen(needle), at;
	int		 tries;

	for (tries = 0; tries < EXIM_HOST_TRIES; tries++) {
		q = backward ? exim_rfind(line, from, to, needle) :
		    exim_find(line, from, to, needle, ep->fast);
		if (q == NULL)
			return 0;
		at = (size_t)(q - line);
		if (exim_host_at(ep, line, len, at + nlen, h))
			return 1;
		if (backward)
			to = at + nlen - 1;
		else
			from = at + 1;
	}
	return 0;
}

/*
 * Read the host field after the first space at or after from when "H="
 * follows that space, as in "<= sender H=name ...".  That space starts
 * the first " H=" of the rest of the line, so a field read there is the
 * one exim_host_search finds first.  Returns 0 when the field is not
 * there, and the caller then searches the whole line.
 */
static int
exim_host_after_word(const struct exim_parser *ep, const char *line,
    size_t len, size_t from, struct exim_host *h)
{
	size_t	at;

	if (from >= len)
		return 0;
	at = from + span_until4(line + from, len - from, "    ");
	if (len - at < 3 || line[at + 1] != 'H' || line[at + 2] != '=')
		return 0;
	return exim_host_at(ep, line, len, at + 3, h);
}

/* Find the host field of a body whose family is def and match ends at mend. */
static int
exim_locate(const struct exim_parser *ep, const struct exim_family *def,
    const char *line, size_t len, size_t mend, struct exim_host *h)
{
	const char	*q;
	size_t		 to = len;

	switch (def->locate) {
	case LOCATE_HERE:
		return exim_host_at(ep, line, len, mend, h);
	case LOCATE_NEXT_H:
		if (ep->fast && exim_host_after_word(ep, line, len, mend, h))
			return 1;
		return exim_host_search(ep, line, len, mend, len, " H=", 0, h);
	case LOCATE_LAST_H_INPUT:
		/* The client's early input comes last and may hold " H=". */
		if ((q = exim_rfind(line, mend, len, " next input=\"")) != NULL)
			to = (size_t)(q - line);
		/* FALLTHROUGH */
	case LOCATE_LAST_H:
		return exim_host_search(ep, line, len, mend, to, " H=", 1, h);
	case LOCATE_QUOTE_FROM:
		return exim_host_search(ep, line, len, mend, len, "\" from ", 0,
		    h);
	case LOCATE_SA_HOST:
		return exim_host_search(ep, line, len, mend, len, " (host=", 0,
		    h);
	case LOCATE_IP_TEXT:
		memset(h, 0, sizeof *h);
		h->ip = mend;
		q = memchr(line + mend, ' ', len - mend);
		h->end = q != NULL ? (size_t)(q - line) : len;
		h->ip_len = h->end - mend;
		return h->ip_len > 0;
	case LOCATE_NONE:
		break;
	}
	return 0;
}

/*
 * Convert an address as inet_pton does.  With fast set, an IPv6 address
 * of hex groups alone skips the copy for inet_pton.  Returns 0, or -1 if
 * it is invalid.
 */
static int
exim_addr(const char *s, size_t len, struct event_addr *addr, int fast)
{
	static const uint8_t	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 buf[INET6_ADDRSTRLEN];
	int			 rc = -1;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memset(addr, 0, sizeof *addr);
	/* Text of only hex digits and colons cannot be an IPv4 address. */
	if (fast && (rc = exim_host_ipv6(s, len, addr->bytes)) == 0)
		return -1;
	/* An IPv4 address has no ':', so trying it first changes nothing. */
	if (rc == -1) {
		if (field_ipv4(s, len, addr->bytes) == 0) {
			addr->family = AF_INET;
			return 0;
		}
		if (memchr(s, ':', len) == NULL)
			return -1;
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

/*
 * Check whether the text after a body-leading host field shows an outbound
 * delivery: "H=server [ip]: SMTP error ..." or an error that starts with a
 * capital ("Connection refused", "Network Error").  Inbound lines go on
 * with lower-case words ("rejected"), fields ("F=", "X=") or "Warning:".
 */
static int
exim_outbound_tail(const char *s, size_t len)
{
	size_t	n;

	if (len == 0)
		return 0;
	if (s[0] == ':')
		return 1;
	if (len < 2 || s[0] != ' ' || !exim_upper(s[1]))
		return 0;
	if (exim_starts(s, len, " Warning: "))
		return 0;
	for (n = 1; n < len && n <= 8 && (exim_upper(s[n]) ||
	    exim_digit(s[n])); n++)
		;
	return n >= len || s[n] != '=';
}

/*
 * Skip fields such as " X=TLS1.3:..." " CV=no" " F=<sender>" " P=esmtp"
 * that sit between the host field and the verb of a reject line.
 */
static size_t
exim_skip_fields(const char *s, size_t len)
{
	const char	*q;
	size_t		 off = 0, n;
	int		 fields;

	for (fields = 0; fields < 32; fields++) {
		n = off + 1;
		if (n >= len || s[off] != ' ' || !exim_upper(s[n]))
			break;
		while (n < len && n - off <= 8 && (exim_upper(s[n]) ||
		    exim_digit(s[n])))
			n++;
		if (n >= len || s[n] != '=')
			break;
		n++;
		if (n < len && (s[n] == '<' || s[n] == '"')) {
			q = memchr(s + n + 1, s[n] == '<' ? '>' : '"',
			    len - n - 1);
			if (q == NULL)
				break;
			n = (size_t)(q - s) + 1;
		}
		q = memchr(s + n, ' ', len - n);
		off = q != NULL ? (size_t)(q - s) : len;
	}
	return off;
}

static void
exim_set_arg(struct event *ev, const char *reason, const char *arg,
    size_t len)
{
	ev->reason = reason;
	if (arg != NULL && len > 0) {
		ev->reason_arg = arg;
		ev->reason_arg_len = exim_cut(arg, len, REASON_ARG_MAX);
	}
}

/*
 * Find which of Exim's reverse lookup texts s contains, searching once
 * for their shared start instead of once for each text.
 */
static void
exim_rdns_texts(const char *s, size_t len, int *deferred, int *failed)
{
	const char	*q, *start, *p, *end = s + len;

	*deferred = *failed = 0;
	if (len < sizeof EXIM_RDNS_LOOKUP - 1)
		return;
	for (p = s + EXIM_RDNS_LOOKUP_KEY; p < end &&
	    (q = memchr(p, 'k', (size_t)(end - p))) != NULL; p = q + 1) {
		start = q - EXIM_RDNS_LOOKUP_KEY;
		if (!EXIM_TEXT_AT(start, (size_t)(end - start),
		    EXIM_RDNS_LOOKUP))
			continue;
		if (EXIM_TEXT_AT(start, (size_t)(end - start),
		    EXIM_RDNS_DEFERRED)) {
			*deferred = 1;
			return;
		}
		if (EXIM_TEXT_AT(start, (size_t)(end - start),
		    EXIM_RDNS_FAILED))
			*failed = 1;
	}
}

/* Set the reason of a site's warn ACL text or of Exim's skipped warn. */
static void
exim_why_warning(const struct exim_parser *ep, const char *text, size_t len,
    struct event *ev)
{
	const char	*reason;
	int		 deferred, failed;

	if ((reason = reason_table_lookup(ep->rt, text, len)) != NULL) {
		ev->reason = reason;
		return;
	}
	exim_rdns_texts(text, len, &deferred, &failed);
	if (deferred)
		ev->reason = REASON_RDNS_TEMPFAIL;
	else
		exim_set_arg(ev, REASON_WARNING, text, len);
}

/*
 * Find what exim_rdns_texts finds and the first ": " of a rejection text
 * in one pass, which tests 16 bytes at a time for a 'k' or a ':'.
 */
static void
exim_reject_scan(const char *s, size_t len, int *deferred, int *failed,
    const char **colon)
{
	size_t	i = 0, start;

	*deferred = *failed = 0;
	*colon = NULL;
	for (; (i += span_until4(s + i, len - i, "k:k:")) < len; i++) {
		if (s[i] == ':') {
			if (*colon == NULL && i + 1 < len && s[i + 1] == ' ')
				*colon = s + i;
			continue;
		}
		if (i < EXIM_RDNS_LOOKUP_KEY)
			continue;
		start = i - EXIM_RDNS_LOOKUP_KEY;
		if (!EXIM_TEXT_AT(s + start, len - start, EXIM_RDNS_LOOKUP))
			continue;
		if (EXIM_TEXT_AT(s + start, len - start, EXIM_RDNS_DEFERRED)) {
			*deferred = 1;
			return;
		}
		if (EXIM_TEXT_AT(s + start, len - start, EXIM_RDNS_FAILED))
			*failed = 1;
	}
}

/*
 * Set the reason of a rejection: Exim's reverse lookup texts first, then
 * any permanent rejection with the text after its first ": ".  A temporary
 * rejection with another text (greylisting, rate limits) gives no reason.
 * With fast set, one pass finds the texts and the ": ".
 */
static void
exim_why_reject(const char *text, size_t len, int permanent, int fast,
    struct event *ev)
{
	const char	*colon = NULL;
	int		 deferred, failed;

	if (fast)
		exim_reject_scan(text, len, &deferred, &failed, &colon);
	else
		exim_rdns_texts(text, len, &deferred, &failed);
	if (deferred) {
		ev->reason = REASON_RDNS_TEMPFAIL;
		return;
	}
	if (failed) {
		if (memmem(text, len, EXIM_RDNS_MISMATCH,
		    strlen(EXIM_RDNS_MISMATCH)) != NULL)
			ev->reason = REASON_FCRDNS_MISMATCH;
		else
			ev->reason = REASON_NO_RDNS;
		return;
	}
	if (!permanent)
		return;
	ev->reason = REASON_REJECTED;
	if (!fast)
		colon = field_memmem(text, len, ": ", 2);
	if (colon != NULL) {
		colon += 2;
		exim_set_arg(ev, REASON_REJECTED, colon,
		    len - (size_t)(colon - text));
	}
}

/* Verbs after the host field and its fields in "H=" and "F=" lines. */
#define EXIM_VERB_WARNING	" Warning: "
#define EXIM_VERB_REJECTED	" rejected "
#define EXIM_VERB_DROPPED	" dropped by "
#define EXIM_VERB_TEMPORARILY	" temporarily rejected "
#define EXIM_VERB_VERIFY	" sender verify fail for "

/* Set the reason from the text after the host field of "H=" or "F=" lines. */
static void
exim_why_host_line(const struct exim_parser *ep, const char *s, size_t len,
    struct event *ev)
{
	size_t	off;

	off = exim_skip_fields(s, len);
	s += off;
	len -= off;
	/* The verbs differ in their second byte, so it picks the one to test. */
	if (len < 2 || s[0] != ' ')
		return;
	switch (s[1]) {
	case 'W':
		off = sizeof EXIM_VERB_WARNING - 1;
		if (EXIM_TEXT_AT(s, len, EXIM_VERB_WARNING))
			exim_why_warning(ep, s + off, len - off, ev);
		break;
	case 'r':
		off = sizeof EXIM_VERB_REJECTED - 1;
		if (EXIM_TEXT_AT(s, len, EXIM_VERB_REJECTED))
			exim_why_reject(s + off, len - off, 1, ep->fast,
			    ev);
		break;
	case 'd':
		off = sizeof EXIM_VERB_DROPPED - 1;
		if (EXIM_TEXT_AT(s, len, EXIM_VERB_DROPPED))
			exim_why_reject(s + off, len - off, 1, ep->fast,
			    ev);
		break;
	case 't':
		off = sizeof EXIM_VERB_TEMPORARILY - 1;
		if (EXIM_TEXT_AT(s, len, EXIM_VERB_TEMPORARILY))
			exim_why_reject(s + off, len - off, 0, ep->fast,
			    ev);
		break;
	case 's':
		if (EXIM_TEXT_AT(s, len, EXIM_VERB_VERIFY))
			ev->reason = REASON_SENDER_VERIFY_FAILED;
		break;
	}
}

/* Set the reason of "rejected HELO from [ip]: syntactically invalid ...". */
static void
exim_why_rejected_from(const char *s, size_t len, struct event *ev)
{
	const char	*end;

	ev->reason = REASON_REJECTED;
	if (!exim_starts(s, len, ": "))
		return;
	s += 2;
	len -= 2;
	if ((end = field_memmem(s, len, ": ", 2)) != NULL)
		len = (size_t)(end - s);
	exim_set_arg(ev, REASON_REJECTED, s, len);
}

static void
exim_why(const struct exim_parser *ep, const struct exim_family *def,
    const char *s, size_t len, struct event *ev)
{
	static const char	*too_many[] = {
		"dropped: too many syntax or protocol errors",
		"dropped: too many unrecognized commands",
		"dropped: too many nonmail commands",
	};
	size_t			 i;

	switch (def->why) {
	case WHY_NONE:
		break;
	case WHY_FIXED:
		ev->reason = def->reason;
		break;
	case WHY_HOST_LINE:
		exim_why_host_line(ep, s, len, ev);
		break;
	case WHY_CALL_DROPPED:
		for (i = 0; i < sizeof too_many / sizeof too_many[0]; i++)
			if (memmem(s, len, too_many[i],
			    strlen(too_many[i])) != NULL)
				ev->reason = REASON_PROTOCOL_ERROR;
		break;
	case WHY_REJECTED_FROM:
		exim_why_rejected_from(s, len, ev);
		break;
	}
}

/*
 * Recognise the commonest bodies, which start with the whole text of a
 * family that no family before it can match.  Returns NULL for other
 * bodies and when the fast paths are off.
 */
static const struct exim_family *
exim_family_fast(const struct exim_parser *ep, const char *line, size_t len,
    size_t body, size_t *mend)
{
	const char	*b = line + body;
	size_t		 blen = len - body;

	if (!ep->fast)
		return NULL;
	if (EXIM_TEXT_AT(b, blen, "H=")) {
		*mend = body + 2;
		return &exim_families[EXIM_FAMILY_H];
	}
	if (EXIM_TEXT_AT(b, blen, "<= ") || EXIM_TEXT_AT(b, blen, "(= ")) {
		*mend = body + 3;
		return &exim_families[EXIM_FAMILY_ARRIVAL];
	}
	if (EXIM_TEXT_AT(b, blen, "SMTP connection from ")) {
		*mend = body + 21;
		return &exim_families[EXIM_FAMILY_CONNECTION];
	}
	if (EXIM_TEXT_AT(b, blen, EXIM_NO_RDNS_TEXT)) {
		*mend = body + sizeof EXIM_NO_RDNS_TEXT - 1;
		return &exim_families[EXIM_FAMILY_NO_RDNS];
	}
	return NULL;
}

/* Find the family of the body at offset body and where its match ends. */
static const struct exim_family *
exim_family(const struct exim_parser *ep, const char *line, size_t len,
    size_t body, size_t *mend)
{
	PCRE2_SPTR	 mark;
	char		*end;
	unsigned long	 i;

	if (!exim_match(ep, &ep->family, line, len, body))
		return NULL;
	if ((mark = pcre2_get_mark(ep->family.md)) == NULL)
		return NULL;
	i = strtoul((const char *)mark, &end, 10);
	if (*end != '\0' || i >= EXIM_NFAMILIES)
		return NULL;
	*mend = pcre2_get_ovector_pointer(ep->family.md)[1];
	return &exim_families[i];
}

/* Parse the body of a line, which starts at offset body. */
static enum parse_result
exim_parse_body(struct exim_parser *ep, const char *line, size_t len,
    size_t body, struct event *ev)
{
	const struct exim_family	*def;
	struct exim_host		 h;
	size_t				 mend;

	/*
	 * exim_family_fast recognises the commonest families without a
	 * search.  The last of them has no "[", and the others need one
	 * that exim_locate finds anyway.
	 */
	if ((def = exim_family_fast(ep, line, len, body, &mend)) == NULL) {
		if (!exim_may_name_client(line + body, len - body))
			return PARSE_SKIP;
		if ((def = exim_family(ep, line, len, body, &mend)) == NULL)
			return PARSE_SKIP;
	}
	if (!exim_locate(ep, def, line, len, mend, &h))
		return PARSE_SKIP;
	if (def->check_outbound &&
	    exim_outbound_tail(line + h.end, len - h.end))
		return PARSE_SKIP;
	if (h.has_ipv4) {
		memset(&ev->addr, 0, sizeof ev->addr);
		ev->addr.family = AF_INET;
		memcpy(ev->addr.bytes, h.ipv4, sizeof h.ipv4);
	} else if (exim_addr(line + h.ip, h.ip_len, &ev->addr, ep->fast) == -1)
		return PARSE_SKIP;

	/* sa-exim writes "host=NULL" when Exim has no verified name. */
	if (h.name_len > 0 && !(def->locate == LOCATE_SA_HOST &&
	    h.name_len == 4 && memcmp(line + h.name, "NULL", 4) == 0)) {
		ev->rdns = line + h.name;
		ev->rdns_len = exim_cut(ev->rdns, h.name_len, EVENT_NAME_MAX);
	}
	if (h.has_helo && h.helo_len > 0) {
		ev->helo = line + h.helo;
		ev->helo_len = exim_cut(ev->helo, h.helo_len, EVENT_NAME_MAX);
	}
	exim_why(ep, def, line + h.end, len - h.end, ev);
	return PARSE_CLIENT;
}

enum parse_result
exim_parse_line(struct exim_parser *ep, const char *line, size_t len,
    struct event *ev)
{
	size_t	body;

	memset(ev, 0, sizeof *ev);
	if (exim_prefix(ep, line, len, ev, &body) == -1)
		return PARSE_UNKNOWN;
	return exim_parse_body(ep, line, len, body, ev);
}

/* Offset of the first word after a plain "YYYY-MM-DD HH:MM:SS " time. */
#define EXIM_MAINLOG_WORD	20
/* Maximum bytes searched for the space after a syslog host name. */
#define EXIM_MAINLOG_HOST_SCAN	(EXIM_SYSLOG_HOST_MAX + 1)

/* Length of the "YYYY-MM-DD HH:MM" that the lines of one minute share. */
#define EXIM_MINUTE_LEN	16

/*
 * The minute of the last plain mainlog time that ts_parse_exim accepted
 * in the calling thread, with the UTC time of its second 00 and the
 * ts_local_generation it was read in.
 */
struct exim_minute {
	char		prefix[EXIM_MINUTE_LEN];
	int64_t		utc0;
	unsigned	generation;
	int		valid;
};

static _Thread_local struct exim_minute exim_minute;

/*
 * Read the plain local time at the start of a line that passed
 * exim_mainlog_shape, as ts_parse_exim does.  Within a minute that it
 * accepted only the seconds change, and ts_parse_exim also treats a local
 * time as linear within the hour.  Returns 1, or 0 for an invalid time.
 */
static inline int
exim_mainlog_time(const char *line, size_t len, struct ts *t)
{
	struct exim_minute	*m = &exim_minute;
	char			 tens = line[17], ones = line[18];

	if (tens < '0' || tens > '5' || ones < '0' || ones > '9')
		return ts_parse_exim(line, len, t) == EXIM_MAINLOG_WORD - 1;
	if (m->valid && memcmp(line, m->prefix, EXIM_MINUTE_LEN) == 0 &&
	    m->generation == ts_cache_generation) {
		t->utc = m->utc0 + (tens - '0') * 10 + (ones - '0');
		t->msec = 0;
		t->offset = 0;
		t->has_offset = 0;
		return 1;
	}
	if (ts_parse_exim(line, len, t) != EXIM_MAINLOG_WORD - 1)
		return 0;
	memcpy(m->prefix, line, EXIM_MINUTE_LEN);
	m->utc0 = t->utc - (tens - '0') * 10 - (ones - '0');
	m->generation = ts_cache_generation;
	m->valid = 1;
	return 1;
}

/*
 * Read the time of a line of the minute that exim_mainlog_time accepted
 * last.  That minute's text passed exim_mainlog_shape, so only the bytes
 * from offset 16 on are left to test for the shape.  Returns 0 for a
 * line of another minute or shape, which exim_mainlog_shape and
 * exim_mainlog_time then read.
 */
static inline int
exim_mainlog_same_minute(const char *line, size_t len, struct ts *t)
{
	const struct exim_minute	*m = &exim_minute;
	unsigned			 tens, ones;
	char				 w;

	if (len <= EXIM_MAINLOG_WORD || !m->valid ||
	    memcmp(line, m->prefix, EXIM_MINUTE_LEN) != 0 ||
	    line[16] != ':' || line[19] != ' ' ||
	    m->generation != ts_cache_generation)
		return 0;
	tens = (unsigned char)line[17] - (unsigned)'0';
	ones = (unsigned char)line[18] - (unsigned)'0';
	w = line[EXIM_MAINLOG_WORD];
	if (tens > 5 || ones > 9 || w == '+' || w == '-' || w == '<')
		return 0;
	t->utc = m->utc0 + (int64_t)(tens * 10 + ones);
	t->msec = 0;
	t->offset = 0;
	t->has_offset = 0;
	return 1;
}

/*
 * Check the separators of a plain mainlog time at the start of a line of
 * more than EXIM_MAINLOG_WORD bytes, and that no fraction, zone offset or
 * syslog priority follows it.
 */
static int
exim_mainlog_shape(const char *line, size_t len)
{
	char	w;

	if (len <= EXIM_MAINLOG_WORD || !exim_digit(line[0]) ||
	    line[4] != '-' || line[7] != '-' || line[10] != ' ' ||
	    line[13] != ':' || line[16] != ':' || line[19] != ' ')
		return 0;
	w = line[EXIM_MAINLOG_WORD];
	return w != '+' && w != '-' && w != '<';
}

/*
 * Check whether a body can be skipped without a search: a delivery
 * ("=>", "->", "**", ...), or a "Completed" or queue run line, which no
 * family's pattern can match.
 */
static int
exim_body_skips(const char *b, size_t blen)
{
	if (exim_delivery(b, blen))
		return 1;
	if (blen == sizeof "Completed" - 1 &&
	    memcmp(b, "Completed", blen) == 0)
		return 1;
	return EXIM_TEXT_AT(b, blen, "Start queue run: ") ||
	    EXIM_TEXT_AT(b, blen, "End queue run: ");
}

int
exim_parse_mainlog(struct exim_parser *ep, const char *line, size_t len,
    struct event *ev, enum parse_result *result)
{
	const char	*word = line + EXIM_MAINLOG_WORD, *space;
	struct ts	 t;
	size_t		 rest = len - EXIM_MAINLOG_WORD, body, msgid, n;

	if (!ep->fast)
		return 0;
	/*
	 * An invalid time makes the line unknown, as in the general path.
	 * Reading the time first lets the cached minute replace most of
	 * the shape check.
	 */
	if (!exim_mainlog_same_minute(line, len, &t) &&
	    (!exim_mainlog_shape(line, len) ||
	    !exim_mainlog_time(line, len, &t)))
		return 0;
	if (EXIM_TEXT_AT(word, rest, "exim"))
		return 0;

	/*
	 * A syslog tag "exim" could only be the second word.  After a
	 * message id that word starts right after it, and otherwise after
	 * the first space, which a "[pid]" would move.
	 */
	msgid = exim_msgid_vector(word, rest);
	if (msgid > 0)
		space = word + msgid - 1;
	else {
		if (word[0] == '[')
			return 0;
		/* The first word is short, so an inline scan beats memchr. */
		n = span_until4(word, rest < EXIM_MAINLOG_HOST_SCAN ? rest :
		    EXIM_MAINLOG_HOST_SCAN, "    ");
		space = n < rest && n < EXIM_MAINLOG_HOST_SCAN ? word + n :
		    NULL;
	}
	if (space != NULL && EXIM_TEXT_AT(space + 1,
	    len - (size_t)(space + 1 - line), "exim"))
		return 0;

	body = EXIM_MAINLOG_WORD + msgid;
	if (exim_body_skips(line + body, len - body)) {
		*result = PARSE_SKIP;
		return 1;
	}
	/*
	 * exim_parse_body sets the address of every client line, so only
	 * the fields that it may leave alone are cleared.
	 */
	ev->time = t;
	ev->has_time = 1;
	ev->helo = NULL;
	ev->helo_len = 0;
	ev->rdns = NULL;
	ev->rdns_len = 0;
	ev->reason = NULL;
	ev->reason_arg = NULL;
	ev->reason_arg_len = 0;
	*result = exim_parse_body(ep, line, len, body, ev);
	return 1;
}

enum parse_result
exim_parse_message(struct exim_parser *ep, const char *msg, size_t len,
    const struct ts *time, struct event *ev)
{
	size_t	off = 0;

	memset(ev, 0, sizeof *ev);
	if (time != NULL) {
		ev->time = *time;
		ev->has_time = 1;
	}
	exim_stamp(msg, len, &off, ev);
	off += exim_pid_len(msg + off, len - off);
	if (ep->fast)
		off += exim_msgid_fixed(msg + off, len - off);
	else
		off += exim_msgid_len(msg + off, len - off);
	return exim_parse_body(ep, msg, len, off, ev);
}
