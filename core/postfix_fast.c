/*
 * Hand-written readers for the commonest Postfix smtpd messages.  Each
 * follows its PCRE2 pattern in postfix.c step by step and gives up with
 * PF_FAST_UNSURE wherever that pattern could backtrack to another
 * result, so the parser gets what PCRE2 would give.  tests/check_postfix.c
 * compares the two.
 */
#include <string.h>

#include "postfix_fast.h"

/* Length limits of a short queue id of PF_QUEUE_ID, in hex digits. */
#define PF_QUEUE_ID_MIN		5
#define PF_QUEUE_ID_MAX		15
/* Maximum length of the verb in "reject: VERB from ". */
#define PF_VERB_MAX		32

static int
pf_fast_starts(const char *s, size_t len, const char *prefix, size_t n)
{
	return len >= n && memcmp(s, prefix, n) == 0;
}

static int
pf_fast_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

enum pf_fast
pf_fast_family(const char *line, size_t len, size_t msg, size_t *family,
    size_t *mend)
{
	const char	*m = line + msg;
	size_t		 n = len - msg, id, verb;

	/* No queue id starts with "co" or "di": none has a lower-case vowel. */
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

	/* The queue id: "NOQUEUE" or the longest run of upper-case hex. */
	if (pf_fast_starts(m, n, "NOQUEUE: ", 9))
		id = 9;
	else {
		for (id = 0; id < n && id <= PF_QUEUE_ID_MAX &&
		    pf_fast_upper_hex(m[id]); id++)
			;
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

/* Bytes that end a name or an address of the client field. */
static const unsigned char pf_fast_field_end[256] = {
	[' '] = 1, ['['] = 1, [']'] = 1
};

static int
pf_fast_field_byte(char c)
{
	return !pf_fast_field_end[(unsigned char)c];
}

static int
pf_fast_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

enum pf_fast
pf_fast_client(const char *line, size_t len, size_t start,
    struct pf_client *c)
{
	size_t	p = start, ip, port;

	memset(c, 0, sizeof *c);
	while (p < len && p - start <= PF_CLIENT_NAME_MAX &&
	    pf_fast_field_byte(line[p]))
		p++;
	if (p - start > PF_CLIENT_NAME_MAX || p >= len || line[p] != '[')
		return PF_FAST_UNSURE;
	c->name = start;
	c->name_len = p - start;

	ip = ++p;
	while (p < len && p - ip <= PF_CLIENT_IP_MAX &&
	    pf_fast_field_byte(line[p]))
		p++;
	if (p == ip || p - ip > PF_CLIENT_IP_MAX || p >= len ||
	    line[p] != ']')
		return PF_FAST_UNSURE;
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
