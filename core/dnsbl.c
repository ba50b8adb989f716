/*
 * DNS blocklists and the abuse contact zone: the zone list, the meanings
 * of return codes, query names, and reading answers.  No I/O here.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsbl.h"
#include "xmalloc.h"

/* Maximum length of a zone list or a dnsbl_code line echoed in an error. */
#define DNSBL_ECHO_MAX	80

/* Characters that separate addresses in an abuse contact TXT string. */
#define DNSBL_ADDRESS_SEPARATORS	", \t"

struct dnsbl_list *
dnsbl_list_create(void)
{
	return xcalloc(1, sizeof(struct dnsbl_list));
}

static void
dnsbl_zones_clear(struct dnsbl_list *l)
{
	size_t	i;

	for (i = 0; i < l->nzones; i++) {
		free(l->zones[i]);
		l->zones[i] = NULL;
	}
	l->nzones = 0;
}

void
dnsbl_list_free(struct dnsbl_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	dnsbl_zones_clear(l);
	for (i = 0; i < l->nrules; i++) {
		free(l->rules[i].zone);
		free(l->rules[i].text);
	}
	free(l->rules);
	free(l);
}

const char *
dnsbl_zone_invalid(const char *zone)
{
	const char	*reason;
	size_t		 len;

	if ((reason = dns_name_invalid(zone)) != NULL)
		return reason;
	len = strlen(zone);
	if (zone[len - 1] == '.')
		len--;
	if (len > DNSBL_ZONE_MAX)
		return "zone longer than 189 characters, so an IPv6 query "
		    "name would not fit in 253";
	if (strchr(zone, '.') == NULL)
		return "zone without a dot";
	return NULL;
}

/* Copy zone[0..len-1] in lower case without a trailing dot. */
static char *
dnsbl_zone_normal(const char *zone, size_t len)
{
	char	*out;
	size_t	 i;

	if (len > 0 && zone[len - 1] == '.')
		len--;
	out = xstrndup(zone, len);
	for (i = 0; out[i] != '\0'; i++) {
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] += 'a' - 'A';
	}
	return out;
}

static char *
dnsbl_echo(const char *s, size_t len)
{
	char	*out;

	if (len > DNSBL_ECHO_MAX)
		len = DNSBL_ECHO_MAX;
	out = xstrndup(s, len);
	return out;
}

int
dnsbl_set_zones(struct dnsbl_list *l, const char *text, char **cause)
{
	char		*zones[DNSBL_ZONES_MAX], *word, *echo;
	const char	*p, *start, *reason;
	size_t		 n = 0, len, i;
	int		 dup;

	p = text;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		start = p;
		p += strcspn(p, " \t,");
		len = (size_t)(p - start);
		word = xstrndup(start, len);
		reason = strspn(word, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != len ?
		    "invalid character in name" : dnsbl_zone_invalid(word);
		if (reason != NULL) {
			echo = dnsbl_echo(word, len);
			xasprintf(cause, "invalid DNSBL zone \"%s\": %s", echo,
			    reason);
			free(echo);
			free(word);
			goto fail;
		}
		free(word);
		word = dnsbl_zone_normal(start, len);
		for (i = 0, dup = 0; i < n; i++)
			dup |= strcmp(zones[i], word) == 0;
		if (dup) {
			free(word);
			continue;
		}
		if (n == DNSBL_ZONES_MAX) {
			xasprintf(cause, "more than %d DNSBL zones",
			    DNSBL_ZONES_MAX);
			free(word);
			goto fail;
		}
		zones[n++] = word;
	}

	dnsbl_zones_clear(l);
	for (i = 0; i < n; i++)
		l->zones[i] = zones[i];
	l->nzones = n;
	return 0;

fail:
	for (i = 0; i < n; i++)
		free(zones[i]);
	return -1;
}

/* Parse an IPv4 return code into host byte order. */
static int
dnsbl_parse_code(const char *s, size_t len, uint32_t *out)
{
	char		text[INET_ADDRSTRLEN];
	struct in_addr	in;

	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, &in) != 1)
		return -1;
	*out = ntohl(in.s_addr);
	return 0;
}

int
dnsbl_add_rule(struct dnsbl_list *l, const char *text, char **cause)
{
	struct dnsbl_rule	 rule;
	const char		*p, *zone, *codes, *dash, *kind, *reason;
	size_t			 zone_len, codes_len, kind_len, len, i;
	char			*echo, *z;

	memset(&rule, 0, sizeof rule);
	p = text + strspn(text, " \t");
	zone = p;
	zone_len = strcspn(p, " \t=");
	p += zone_len;
	p += strspn(p, " \t");
	codes = p;
	codes_len = strcspn(p, " \t=");
	p += codes_len;
	p += strspn(p, " \t");
	if (zone_len == 0 || codes_len == 0 || *p != '=') {
		echo = dnsbl_echo(text, strlen(text));
		xasprintf(cause, "expected \"dnsbl_code ZONE CODE[-CODE] = "
		    "listed|not_listed|error [TEXT]\", found \"dnsbl_code%s\"",
		    echo);
		free(echo);
		return -1;
	}
	p++;
	p += strspn(p, " \t");
	kind = p;
	kind_len = strcspn(p, " \t");
	p += kind_len;
	p += strspn(p, " \t");

	z = xstrndup(zone, zone_len);
	if (strspn(z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != zone_len)
		reason = "invalid character in name";
	else
		reason = dnsbl_zone_invalid(z);
	if (reason != NULL) {
		echo = dnsbl_echo(zone, zone_len);
		xasprintf(cause, "invalid DNSBL zone \"%s\": %s", echo, reason);
		free(echo);
		free(z);
		return -1;
	}
	free(z);

	dash = memchr(codes, '-', codes_len);
	if (dash == NULL) {
		if (dnsbl_parse_code(codes, codes_len, &rule.first) == -1)
			goto bad_code;
		rule.last = rule.first;
	} else if (dnsbl_parse_code(codes, (size_t)(dash - codes),
	    &rule.first) == -1 || dnsbl_parse_code(dash + 1,
	    codes_len - (size_t)(dash - codes) - 1, &rule.last) == -1 ||
	    rule.last < rule.first)
		goto bad_code;

	if (kind_len == 6 && strncmp(kind, "listed", 6) == 0)
		rule.kind = DNSBL_KIND_LISTED;
	else if (kind_len == 10 && strncmp(kind, "not_listed", 10) == 0)
		rule.kind = DNSBL_KIND_NOT_LISTED;
	else if (kind_len == 5 && strncmp(kind, "error", 5) == 0)
		rule.kind = DNSBL_KIND_ERROR;
	else {
		echo = dnsbl_echo(kind, kind_len);
		xasprintf(cause, "invalid return code meaning \"%s\": use "
		    "listed, not_listed or error", echo);
		free(echo);
		return -1;
	}

	len = strlen(p);
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len > DNSBL_TEXT_MAX) {
		xasprintf(cause, "return code text longer than %d characters",
		    DNSBL_TEXT_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e) {
			xasprintf(cause, "return code text must be printable "
			    "ASCII");
			return -1;
		}
	}
	if (l->nrules == DNSBL_RULES_MAX) {
		xasprintf(cause, "more than %d dnsbl_code lines",
		    DNSBL_RULES_MAX);
		return -1;
	}

	rule.zone = dnsbl_zone_normal(zone, zone_len);
	rule.text = len > 0 ? xstrndup(p, len) : NULL;
	l->rules = xreallocarray(l->rules, l->nrules + 1, sizeof *l->rules);
	l->rules[l->nrules++] = rule;
	return 0;

bad_code:
	echo = dnsbl_echo(codes, codes_len);
	xasprintf(cause, "invalid return code \"%s\": expected an IPv4 "
	    "address such as 127.0.0.2, or a range such as "
	    "127.0.0.2-127.0.0.11", echo);
	free(echo);
	return -1;
}

int
dnsbl_query_name(const struct event_addr *addr, const char *zone, char *buf,
    size_t len)
{
	char	reverse[DNS_REVERSE_NAME_MAX], *suffix;
	size_t	zone_len;
	int	n;

	if (dns_reverse_name(addr, reverse, sizeof reverse) == -1)
		return -1;
	/* Cut ".in-addr.arpa" or ".ip6.arpa" and put the zone there. */
	if ((suffix = strstr(reverse, ".in-addr.arpa")) == NULL &&
	    (suffix = strstr(reverse, ".ip6.arpa")) == NULL)
		return -1;
	*suffix = '\0';
	zone_len = strlen(zone);
	if (zone_len > 0 && zone[zone_len - 1] == '.')
		zone_len--;
	n = snprintf(buf, len, "%s.%.*s", reverse, (int)zone_len, zone);
	if (n < 0 || (size_t)n >= len || n > DNS_HOST_NAME_MAX)
		return -1;
	return 0;
}

enum dnsbl_kind
dnsbl_code_kind(const struct dnsbl_list *l, const char *zone,
    const struct event_addr *code, const char **text)
{
	const struct dnsbl_rule	*r;
	uint32_t		 v;
	size_t			 i;

	*text = NULL;
	if (code->family != AF_INET)
		return DNSBL_KIND_ERROR;
	v = (uint32_t)code->bytes[0] << 24 | (uint32_t)code->bytes[1] << 16 |
	    (uint32_t)code->bytes[2] << 8 | code->bytes[3];
	for (i = l != NULL ? l->nrules : 0; i > 0; i--) {
		r = &l->rules[i - 1];
		if (v >= r->first && v <= r->last &&
		    dns_name_equal(r->zone, zone)) {
			*text = r->text;
			return r->kind;
		}
	}
	return code->bytes[0] == 127 ? DNSBL_KIND_LISTED : DNSBL_KIND_ERROR;
}

enum dns_listed
dnsbl_judge(const struct dnsbl_list *l, const char *zone,
    enum dns_rcode rcode, const struct event_addr *codes, size_t ncodes)
{
	const char	*text;
	size_t		 i;
	int		 error = 0;

	if (rcode == DNS_RCODE_NONE)
		return DNS_LISTED_PENDING;
	for (i = 0; i < ncodes; i++) {
		switch (dnsbl_code_kind(l, zone, &codes[i], &text)) {
		case DNSBL_KIND_LISTED:
			return DNS_LISTED_YES;
		case DNSBL_KIND_ERROR:
			error = 1;
			break;
		case DNSBL_KIND_NOT_LISTED:
			break;
		}
	}
	if (error)
		return DNS_LISTED_UNKNOWN;
	if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN)
		return DNS_LISTED_NO;
	return DNS_LISTED_UNKNOWN;
}

/* Check one candidate mail address: local@host.name, printable ASCII. */
static int
dnsbl_address_valid(const char *s, size_t len)
{
	static const char	 specials[] = "<>()[]\\,;:\"@";
	const char		*at;
	char			 domain[DNS_HOST_NAME_MAX + 1];
	size_t			 i, local_len, domain_len;

	if (len < 3 || len > DNSBL_ADDRESS_MAX)
		return 0;
	if ((at = memchr(s, '@', len)) == NULL)
		return 0;
	local_len = (size_t)(at - s);
	domain_len = len - local_len - 1;
	if (local_len == 0 || domain_len == 0 ||
	    domain_len > DNS_HOST_NAME_MAX)
		return 0;
	for (i = 0; i < local_len; i++) {
		if (s[i] <= ' ' || s[i] > '~' || strchr(specials, s[i]) != NULL)
			return 0;
	}
	memcpy(domain, at + 1, domain_len);
	domain[domain_len] = '\0';
	if (dns_name_invalid(domain) != NULL || strchr(domain, '.') == NULL)
		return 0;
	return 1;
}

size_t
dnsbl_abuse_addresses(char *const *txt, size_t ntxt, char **out, size_t max)
{
	const char	*p, *start;
	size_t		 n = 0, i, k, len;
	int		 dup;

	for (i = 0; i < ntxt && n < max; i++) {
		p = txt[i];
		for (;;) {
			p += strspn(p, DNSBL_ADDRESS_SEPARATORS);
			if (*p == '\0' || n == max)
				break;
			start = p;
			p += strcspn(p, DNSBL_ADDRESS_SEPARATORS);
			len = (size_t)(p - start);
			if (!dnsbl_address_valid(start, len))
				continue;
			for (k = 0, dup = 0; k < n; k++)
				dup |= strlen(out[k]) == len &&
				    strncasecmp(out[k], start, len) == 0;
			if (!dup)
				out[n++] = xstrndup(start, len);
		}
	}
	return n;
}
