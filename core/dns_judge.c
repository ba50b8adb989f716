/*
 * The rules of the DNS checks, without any I/O: rcode and verdict names,
 * host name and address literal syntax, reverse names, and the verdict
 * table that docs/dns-checks.md writes down.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>
#include <strings.h>

#include "dns.h"

/* Maximum length of the text between the brackets of an address literal. */
#define DNS_LITERAL_MAX	(sizeof "IPv6:" - 1 + INET6_ADDRSTRLEN)

static const uint8_t dns_v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

const char *
dns_rcode_name(enum dns_rcode rcode)
{
	switch (rcode) {
	case DNS_RCODE_NONE:
		return "NONE";
	case DNS_RCODE_NOERROR:
		return "NOERROR";
	case DNS_RCODE_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_RCODE_SERVFAIL:
		return "SERVFAIL";
	case DNS_RCODE_REFUSED:
		return "REFUSED";
	case DNS_RCODE_TIMEOUT:
		return "TIMEOUT";
	case DNS_RCODE_ERROR:
		return "ERROR";
	case DNS_RCODE_INVALID:
		return "INVALID";
	}
	return "ERROR";
}

const char *
dns_verdict_name(enum dns_verdict verdict)
{
	switch (verdict) {
	case DNS_VERDICT_NONE:
		return "pending";
	case DNS_VERDICT_PASS:
		return "pass";
	case DNS_VERDICT_FAIL:
		return "fail";
	case DNS_VERDICT_INDETERMINATE:
		return "indeterminate";
	}
	return "pending";
}

int
dns_rcode_temporary(enum dns_rcode rcode)
{
	return rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED ||
	    rcode == DNS_RCODE_TIMEOUT || rcode == DNS_RCODE_ERROR;
}

/* Turn ::ffff:a.b.c.d into a.b.c.d, and copy any other address as it is. */
static void
dns_addr_unmap(const struct event_addr *in, struct event_addr *out)
{
	*out = *in;
	if (in->family == AF_INET6 && memcmp(in->bytes, dns_v4mapped_prefix,
	    sizeof dns_v4mapped_prefix) == 0) {
		memset(out, 0, sizeof *out);
		out->family = AF_INET;
		memcpy(out->bytes, in->bytes + 12, 4);
	}
}

int
dns_addr_equal(const struct event_addr *a, const struct event_addr *b)
{
	struct event_addr	ua, ub;

	dns_addr_unmap(a, &ua);
	dns_addr_unmap(b, &ub);
	if (ua.family != ub.family)
		return 0;
	if (ua.family == AF_INET)
		return memcmp(ua.bytes, ub.bytes, 4) == 0;
	if (ua.family == AF_INET6)
		return memcmp(ua.bytes, ub.bytes, 16) == 0;
	return 0;
}

int
dns_literal_parse(const char *helo, struct event_addr *addr)
{
	char	 text[DNS_LITERAL_MAX + 1];
	size_t	 len;
	int	 family = AF_INET;
	char	*p;

	if (helo[0] != '[')
		return 0;
	len = strlen(helo);
	if (len < 3 || helo[len - 1] != ']' || len - 2 > DNS_LITERAL_MAX)
		return -1;
	memcpy(text, helo + 1, len - 2);
	text[len - 2] = '\0';

	p = text;
	if (strncasecmp(p, "IPv6:", 5) == 0) {
		family = AF_INET6;
		p += 5;
	} else if (strncasecmp(p, "IPv4:", 5) == 0)
		p += 5;
	else if (strchr(p, ':') != NULL)
		family = AF_INET6;	/* untagged IPv6, seen in practice */

	memset(addr, 0, sizeof *addr);
	if (inet_pton(family, p, addr->bytes) != 1)
		return -1;
	addr->family = family;
	return 1;
}

static int
dns_label_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/*
 * Return 0 if inet_pton cannot take name[0..len-1] as an IPv4 or IPv6
 * address, because it contains a character other than a hex digit, a
 * colon or a dot.  Most host names have one, and the scan costs less than two
 * calls of inet_pton.
 */
static int
dns_may_be_address(const char *name, size_t len)
{
	size_t	i;
	char	ch;

	for (i = 0; i < len; i++) {
		ch = name[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		    (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.'))
			return 0;
	}
	return 1;
}

const char *
dns_name_invalid(const char *name)
{
	unsigned char	addr[16];
	char		copy[DNS_HOST_NAME_MAX + 1];
	size_t		len, i, label;

	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty name";
	if (len > DNS_HOST_NAME_MAX)
		return "name longer than 253 characters";

	if (dns_may_be_address(name, len)) {
		memcpy(copy, name, len);
		copy[len] = '\0';
		if (inet_pton(AF_INET, copy, addr) == 1)
			return "IPv4 address without brackets";
		if (inet_pton(AF_INET6, copy, addr) == 1)
			return "IPv6 address without brackets";
	}

	label = 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return "empty label";
			label = 0;
			continue;
		}
		if (!dns_label_char((unsigned char)name[i]))
			return "invalid character in name";
		if (++label > DNS_LABEL_MAX)
			return "label longer than 63 characters";
	}
	if (label == 0)
		return "empty label";
	return NULL;
}

int
dns_name_equal(const char *a, const char *b)
{
	size_t	la, lb;

	la = strlen(a);
	lb = strlen(b);
	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * Write the in-addr.arpa name of the IPv4 address bytes[0..3] into buf,
 * as snprintf with "%u.%u.%u.%u.in-addr.arpa" would: cut to len - 1
 * characters and -1 returned if it does not fit.  snprintf took more
 * than half of the instructions of dns_check_begin (callgrind on
 * bench/dns).
 */
static int
dns_reverse_name4(const uint8_t *bytes, char *buf, size_t len)
{
	static const char	 suffix[] = "in-addr.arpa";
	char			 text[sizeof "255.255.255.255." - 1 +
				    sizeof suffix];
	size_t			 t = 0;
	int			 i;
	unsigned int		 v;

	for (i = 3; i >= 0; i--) {
		v = bytes[i];
		if (v >= 100)
			text[t++] = (char)('0' + v / 100);
		if (v >= 10)
			text[t++] = (char)('0' + v / 10 % 10);
		text[t++] = (char)('0' + v % 10);
		text[t++] = '.';
	}
	memcpy(text + t, suffix, sizeof suffix);
	t += sizeof suffix - 1;
	if (len == 0)
		return -1;
	if (t >= len) {
		memcpy(buf, text, len - 1);
		buf[len - 1] = '\0';
		return -1;
	}
	memcpy(buf, text, t + 1);
	return 0;
}

int
dns_reverse_name(const struct event_addr *addr, char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	struct event_addr	 a;
	size_t			 off = 0;
	int			 i;

	dns_addr_unmap(addr, &a);
	if (a.family == AF_INET)
		return dns_reverse_name4(a.bytes, buf, len);
	if (a.family != AF_INET6 || len < sizeof "ip6.arpa" + 64)
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[off++] = hex[a.bytes[i] & 0xf];
		buf[off++] = '.';
		buf[off++] = hex[a.bytes[i] >> 4];
		buf[off++] = '.';
	}
	memcpy(buf + off, "ip6.arpa", sizeof "ip6.arpa");
	return 0;
}

enum dns_rcode
dns_helo_rcode(const struct dns_addrlist *f)
{
	if (f->rcode_a == DNS_RCODE_INVALID || f->rcode_aaaa ==
	    DNS_RCODE_INVALID)
		return DNS_RCODE_INVALID;
	if (f->rcode_a == DNS_RCODE_NOERROR ||
	    f->rcode_aaaa == DNS_RCODE_NOERROR)
		return DNS_RCODE_NOERROR;
	if (f->rcode_a == DNS_RCODE_NONE || f->rcode_aaaa == DNS_RCODE_NONE)
		return DNS_RCODE_NONE;
	if (dns_rcode_temporary(f->rcode_a))
		return f->rcode_a;
	if (dns_rcode_temporary(f->rcode_aaaa))
		return f->rcode_aaaa;
	return DNS_RCODE_NXDOMAIN;
}

static int
dns_addrlist_has(const struct dns_addrlist *f, const struct event_addr *addr)
{
	size_t	i;

	for (i = 0; i < f->count && i < DNS_ADDRS_MAX; i++) {
		if (dns_addr_equal(&f->addrs[i], addr))
			return 1;
	}
	return 0;
}

/* The rcode of the forward query that can hold the client's address. */
static enum dns_rcode
dns_family_rcode(const struct dns_addrlist *f, int family)
{
	return family == AF_INET ? f->rcode_a : f->rcode_aaaa;
}

static enum dns_verdict
dns_judge_fcrdns(struct dns_result *r, const struct event_addr *client)
{
	struct dns_ptrname	*p;
	enum dns_rcode		 rc;
	size_t			 i;
	int			 pass = 0, pending = 0, temporary = 0;

	for (i = 0; i < r->nptr && i < DNS_NAMES_MAX; i++) {
		p = &r->ptr[i];
		p->confirmed = dns_addrlist_has(&p->forward, client);
		if (p->confirmed) {
			pass = 1;
			continue;
		}
		if (p->invalid != NULL)
			continue;
		rc = dns_family_rcode(&p->forward, client->family);
		if (rc == DNS_RCODE_NONE)
			pending = 1;
		else if (dns_rcode_temporary(rc))
			temporary = 1;
	}

	if (pass)
		return DNS_VERDICT_PASS;
	if (r->ptr_rcode == DNS_RCODE_NONE || pending)
		return DNS_VERDICT_NONE;
	/* A name that was not kept might have confirmed the address. */
	if (dns_rcode_temporary(r->ptr_rcode) || temporary ||
	    r->ptr_dropped > 0)
		return DNS_VERDICT_INDETERMINATE;
	return DNS_VERDICT_FAIL;
}

static enum dns_verdict
dns_judge_helo(const struct dns_result *r, const struct dns_helo *h,
    const struct event_addr *client)
{
	const struct dns_ptrname	*p;
	struct event_addr		 literal;
	enum dns_rcode			 rc;
	size_t				 i;
	int				 pending = 0;

	if (h->literal) {
		if (dns_literal_parse(h->name, &literal) == 1 &&
		    dns_addr_equal(&literal, client))
			return DNS_VERDICT_PASS;
		return DNS_VERDICT_FAIL;
	}
	if (h->invalid != NULL)
		return DNS_VERDICT_FAIL;

	if (r->ptr_rcode == DNS_RCODE_NONE)
		pending = 1;
	for (i = 0; i < r->nptr && i < DNS_NAMES_MAX; i++) {
		p = &r->ptr[i];
		if (!dns_name_equal(p->name, h->name))
			continue;
		if (p->confirmed)
			return DNS_VERDICT_PASS;
		if (p->invalid == NULL && dns_family_rcode(&p->forward,
		    client->family) == DNS_RCODE_NONE)
			pending = 1;
	}
	if (dns_addrlist_has(&h->forward, client))
		return DNS_VERDICT_PASS;

	rc = dns_family_rcode(&h->forward, client->family);
	if (rc == DNS_RCODE_NONE || pending)
		return DNS_VERDICT_NONE;
	if (dns_rcode_temporary(rc))
		return DNS_VERDICT_INDETERMINATE;
	return DNS_VERDICT_FAIL;
}

void
dns_result_judge(struct dns_result *r, const struct event_addr *addr)
{
	struct event_addr	client;
	size_t			i;

	dns_addr_unmap(addr, &client);
	if (client.family != AF_INET && client.family != AF_INET6) {
		r->fcrdns = DNS_VERDICT_FAIL;
		for (i = 0; i < r->nhelo && i < DNS_HELOS_MAX; i++)
			r->helo[i].verified = DNS_VERDICT_FAIL;
		return;
	}

	r->fcrdns = dns_judge_fcrdns(r, &client);
	for (i = 0; i < r->nhelo && i < DNS_HELOS_MAX; i++)
		r->helo[i].verified = dns_judge_helo(r, &r->helo[i], &client);
}
