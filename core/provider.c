/*
 * Providers and report recipients: the configured provider ranges and
 * recipient map, registered domains through libpsl, and the rules that
 * pick a recipient.
 *
 * libpsl is loaded once per process with psl_latest, which takes the
 * newer of its built-in list and the system's list (Debian's publicsuffix
 * package).  libpsl accepts any text ("a..b.com" gives "b.com", an IPv4
 * address gives its last two numbers), so every name is checked as a host
 * name before it is passed to libpsl.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "esc.h"
#include "provider.h"
#include "xmalloc.h"

/* Maximum length of a range list or key echoed in an error message. */
#define PROVIDER_ECHO_MAX	60

enum provider_key {
	PROVIDER_KEY_BLOCK,
	PROVIDER_KEY_DOMAIN,
	PROVIDER_KEY_NAME,
};

struct provider_block {
	int		family;
	uint8_t		bytes[16];	/* host bits cleared */
	unsigned int	prefix;
};

struct provider_range {
	struct provider_block	block;
	size_t			provider;	/* index into names */
};

struct provider_map {
	enum provider_key	kind;
	char			*key;		/* domain or name; NULL for blocks */
	struct provider_block	block;
	char			*address;
};

struct provider_table {
	char			**names;
	size_t			  nnames;
	struct provider_range	 *ranges;
	size_t			  nranges;
	struct provider_map	 *map;
	size_t			  nmap;
};

static psl_ctx_t	*provider_psl;
static int		 provider_psl_loaded;

static char	*provider_echo(const char *, size_t);
static int	 provider_block_parse(const char *text, size_t len,
		    struct provider_block *, char **cause);
static void	 provider_unmap(int *family, uint8_t *bytes);
static int	 provider_block_contains(const struct provider_block *,
		    const struct event_addr *);
static int	 provider_host_valid(const char *name, size_t len);
static int	 provider_name_valid(const char *name);

struct provider_table *
provider_table_create(void)
{
	return xcalloc(1, sizeof(struct provider_table));
}

void
provider_table_free(struct provider_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nnames; i++)
		free(t->names[i]);
	for (i = 0; i < t->nmap; i++) {
		free(t->map[i].key);
		free(t->map[i].address);
	}
	free(t->names);
	free(t->ranges);
	free(t->map);
	free(t);
}

/* The start of s escaped for an error message. */
static char *
provider_echo(const char *s, size_t len)
{
	char	*echo, *out;

	if (len <= PROVIDER_ECHO_MAX)
		return esc_display(s, len);
	echo = esc_display(s, PROVIDER_ECHO_MAX);
	xasprintf(&out, "%s...", echo);
	free(echo);
	return out;
}

/* Turn an IPv4-mapped IPv6 address into IPv4 in place. */
static void
provider_unmap(int *family, uint8_t *bytes)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };

	if (*family != AF_INET6 || memcmp(bytes, mapped, sizeof mapped) != 0)
		return;
	memmove(bytes, bytes + 12, 4);
	memset(bytes + 4, 0, 12);
	*family = AF_INET;
}

/* Parse "ADDR" or "ADDR/PREFIX" (len bytes of text) into b. */
static int
provider_block_parse(const char *text, size_t len, struct provider_block *b,
    char **cause)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end, *echo;
	unsigned long	 prefix;
	unsigned int	 max, i;

	memset(b, 0, sizeof *b);
	if (len == 0 || len >= sizeof buf)
		goto invalid;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, b->bytes) == 1) {
		b->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, b->bytes) == 1) {
		b->family = AF_INET6;
		max = 128;
	} else
		goto invalid;

	b->prefix = max;
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1]))
			goto invalid;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || prefix > max)
			goto invalid;
		b->prefix = (unsigned int)prefix;
	}
	if (b->family == AF_INET6 && b->prefix >= 96) {
		i = b->prefix;
		provider_unmap(&b->family, b->bytes);
		if (b->family == AF_INET)
			b->prefix = i - 96;
	}

	/* Clear the host bits. */
	max = b->family == AF_INET ? 32 : 128;
	for (i = b->prefix; i < max; i++)
		b->bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return 0;

invalid:
	echo = provider_echo(text, len);
	xasprintf(cause, "invalid address or CIDR block \"%s\"", echo);
	free(echo);
	return -1;
}

static int
provider_block_contains(const struct provider_block *b,
    const struct event_addr *addr)
{
	uint8_t		bytes[16];
	int		family = addr->family;
	unsigned int	full, rest;

	memcpy(bytes, addr->bytes, sizeof bytes);
	provider_unmap(&family, bytes);
	if (family != b->family)
		return 0;
	full = b->prefix / 8;
	rest = b->prefix % 8;
	if (memcmp(bytes, b->bytes, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return (bytes[full] & (uint8_t)(0xff00u >> rest)) == b->bytes[full];
}

/*
 * 1 if name[0..len-1] is a host name: labels of letters, digits and "-"
 * that do not start or end with "-", and a last label that is not all
 * digits.  A final dot is not allowed here.
 */
static int
provider_host_valid(const char *name, size_t len)
{
	size_t	i, start = 0, label;
	int	alpha = 0;

	if (len == 0 || len > PROVIDER_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			if (!isalnum((unsigned char)name[i]) && name[i] != '-')
				return 0;
			if ((unsigned char)name[i] >= 0x80)
				return 0;
			continue;
		}
		label = i - start;
		if (label == 0 || label > DNS_LABEL_MAX ||
		    name[start] == '-' || name[i - 1] == '-')
			return 0;
		alpha = strspn(name + start, "0123456789") < label;
		start = i + 1;
	}
	return alpha;
}

/* A configured provider name: 1 to PROVIDER_NAME_MAX bytes, no controls. */
static int
provider_name_valid(const char *name)
{
	size_t	i, len = strlen(name);

	if (len == 0 || len > PROVIDER_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	}
	return 1;
}

int
provider_table_add(struct provider_table *t, const char *name,
    const char *ranges, char **cause)
{
	struct provider_block	 b;
	const char		*p, *end;
	size_t			 index, len, added = 0;

	if (!provider_name_valid(name)) {
		xasprintf(cause, "invalid provider name: use 1 to %d "
		    "characters without control characters", PROVIDER_NAME_MAX);
		return -1;
	}
	for (index = 0; index < t->nnames; index++) {
		if (strcmp(t->names[index], name) == 0)
			break;
	}

	for (p = ranges; *p != '\0'; p = end) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		end = p + len;
		if (provider_block_parse(p, len, &b, cause) == -1)
			return -1;
		if (t->nranges == PROVIDER_RANGES_MAX) {
			xasprintf(cause, "more than %d provider address ranges",
			    PROVIDER_RANGES_MAX);
			return -1;
		}
		t->ranges = xreallocarray(t->ranges, t->nranges + 1,
		    sizeof *t->ranges);
		t->ranges[t->nranges].block = b;
		t->ranges[t->nranges].provider = index;
		t->nranges++;
		added++;
	}
	if (added == 0) {
		xasprintf(cause, "provider \"%s\" has no address ranges", name);
		return -1;
	}
	if (index == t->nnames) {
		t->names = xreallocarray(t->names, t->nnames + 1,
		    sizeof *t->names);
		t->names[t->nnames++] = xstrdup(name);
	}
	return 0;
}

int
provider_table_add_recipient(struct provider_table *t, const char *key,
    int quoted, const char *address, char **cause)
{
	struct provider_map	 m;
	char			*echo;
	size_t			 len, i;

	memset(&m, 0, sizeof m);
	if (!provider_address_valid(address)) {
		echo = provider_echo(address, strlen(address));
		xasprintf(cause, "invalid recipient address \"%s\": expected "
		    "one plain address such as abuse@example.net", echo);
		free(echo);
		return -1;
	}
	len = strlen(key);
	if (quoted) {
		if (!provider_name_valid(key)) {
			xasprintf(cause, "invalid provider name: use 1 to %d "
			    "characters without control characters",
			    PROVIDER_NAME_MAX);
			return -1;
		}
		m.kind = PROVIDER_KEY_NAME;
		m.key = xstrdup(key);
	} else if (strspn(key, "0123456789abcdefABCDEF.:/") == len &&
	    (strchr(key, ':') != NULL || strchr(key, '/') != NULL ||
	    strspn(key, "0123456789.") == len)) {
		if (provider_block_parse(key, len, &m.block, cause) == -1)
			return -1;
		m.kind = PROVIDER_KEY_BLOCK;
	} else {
		if (len > 0 && key[len - 1] == '.')
			len--;
		if (!provider_host_valid(key, len)) {
			echo = provider_echo(key, strlen(key));
			xasprintf(cause, "invalid recipient key \"%s\": expected "
			    "an address, a CIDR block, a domain, or a provider "
			    "name in double quotes", echo);
			free(echo);
			return -1;
		}
		m.kind = PROVIDER_KEY_DOMAIN;
		m.key = xstrndup(key, len);
		for (i = 0; i < len; i++)
			m.key[i] = (char)tolower((unsigned char)m.key[i]);
	}
	if (t->nmap == PROVIDER_RECIPIENTS_MAX) {
		xasprintf(cause, "more than %d recipient map entries",
		    PROVIDER_RECIPIENTS_MAX);
		free(m.key);
		return -1;
	}
	m.address = xstrdup(address);
	t->map = xreallocarray(t->map, t->nmap + 1, sizeof *t->map);
	t->map[t->nmap++] = m;
	return 0;
}

/*
 * Read a quoted string at *p (after the opening quote) in place: \" and
 * \\ are unescaped.  Returns the string and moves *p past the closing
 * quote, or NULL if the quote is not closed or an escape is invalid.
 */
static char *
provider_unquote(char **p)
{
	char	*in = *p, *out = *p, *start = *p;

	for (;;) {
		if (*in == '\0')
			return NULL;
		if (*in == '"')
			break;
		if (*in == '\\') {
			if (in[1] != '"' && in[1] != '\\')
				return NULL;
			in++;
		}
		*out++ = *in++;
	}
	*out = '\0';
	*p = in + 1;
	return start;
}

int
provider_config_line(struct provider_table *t, char *line, const char *where,
    char **cause)
{
	char	*p, *key, *key_end = NULL, *value, *end, *error = NULL;
	int	 recipient, quoted = 0, rc;

	recipient = strncmp(line, "recipient", 9) == 0;
	p = line + (recipient ? 9 : 8);
	p += strspn(p, " \t");
	if (*p == '"') {
		p++;
		if ((key = provider_unquote(&p)) == NULL) {
			xasprintf(cause, "%s: missing closing quote, or an "
			    "escape other than \\\" and \\\\", where);
			return -1;
		}
		quoted = 1;
	} else {
		key = p;
		p += strcspn(p, " \t=");
		key_end = p;
	}
	if (!recipient && !quoted) {
		xasprintf(cause, "%s: expected a quoted provider name after "
		    "\"provider\"", where);
		return -1;
	}
	p += strspn(p, " \t");
	if (*p != '=' || (!quoted && key == key_end)) {
		xasprintf(cause, "%s: expected %s = %s", where,
		    recipient ? "recipient KEY" : "provider \"NAME\"",
		    recipient ? "ADDRESS" : "RANGE, RANGE...");
		return -1;
	}
	value = p + 1 + strspn(p + 1, " \t");
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	/* Only now, since key_end may be where the "=" was. */
	if (key_end != NULL)
		*key_end = '\0';

	if (recipient)
		rc = provider_table_add_recipient(t, key, quoted, value, &error);
	else
		rc = provider_table_add(t, key, value, &error);
	if (rc == -1) {
		xasprintf(cause, "%s: %s", where, error);
		free(error);
	}
	return rc;
}

size_t
provider_table_count(const struct provider_table *t)
{
	return t != NULL ? t->nnames : 0;
}

const char *
provider_table_name(const struct provider_table *t, size_t i)
{
	return i < t->nnames ? t->names[i] : NULL;
}

char **
provider_table_ranges(const struct provider_table *t, const char *name,
    size_t *n)
{
	const struct provider_range	 *r;
	char				**out = NULL, text[INET6_ADDRSTRLEN];
	size_t				  i;

	*n = 0;
	if (t == NULL)
		return NULL;
	for (i = 0; i < t->nranges; i++) {
		r = &t->ranges[i];
		if (strcasecmp(t->names[r->provider], name) != 0)
			continue;
		inet_ntop(r->block.family, r->block.bytes, text, sizeof text);
		out = xreallocarray(out, *n + 1, sizeof *out);
		xasprintf(&out[(*n)++], "%s/%u", text, r->block.prefix);
	}
	return out;
}

int
provider_registered_domain(const char *name, char *buf, size_t size)
{
	char		 lower[PROVIDER_DOMAIN_MAX + 1];
	const char	*domain;
	size_t		 len, i;

	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (!provider_host_valid(name, len))
		return -1;
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[len] = '\0';

	if (!provider_psl_loaded) {
		provider_psl_loaded = 1;
		provider_psl = psl_latest(NULL);
	}
	domain = psl_registrable_domain(provider_psl != NULL ? provider_psl :
	    psl_builtin(), lower);
	if (domain == NULL || strlen(domain) >= size)
		return -1;
	memcpy(buf, domain, strlen(domain) + 1);
	return 0;
}

void
provider_identify(const struct provider_table *t,
    const struct event_addr *addr, const char *rdns, const char *helo,
    struct provider_info *out)
{
	const struct provider_range	*r, *best = NULL;
	size_t				 i;

	memset(out, 0, sizeof *out);
	if (rdns != NULL && provider_registered_domain(rdns, out->domain,
	    sizeof out->domain) == 0)
		out->domain_verified = 1;
	else if (helo != NULL && provider_registered_domain(helo, out->domain,
	    sizeof out->domain) == 0)
		out->domain_verified = 0;
	else
		out->domain[0] = '\0';

	/* The most specific range wins; among equals, the first defined. */
	for (i = 0; t != NULL && i < t->nranges; i++) {
		r = &t->ranges[i];
		if (provider_block_contains(&r->block, addr) &&
		    (best == NULL || r->block.prefix > best->block.prefix))
			best = r;
	}
	if (best != NULL) {
		out->source = PROVIDER_RANGE;
		snprintf(out->name, sizeof out->name, "%s",
		    t->names[best->provider]);
	} else if (out->domain[0] != '\0') {
		out->source = out->domain_verified ? PROVIDER_RDNS :
		    PROVIDER_HELO;
		snprintf(out->name, sizeof out->name, "%s", out->domain);
	}
}

void
provider_identify_client(const struct provider_table *t,
    const struct client *c, const struct dns_result *r,
    struct provider_info *out)
{
	struct event_addr	 lit;
	const char		*rdns = c->rdns, *helo = NULL;
	size_t			 i;

	for (i = 0; rdns == NULL && r != NULL && i < r->nptr &&
	    i < DNS_NAMES_MAX; i++) {
		if (r->ptr[i].confirmed && r->ptr[i].name != NULL)
			rdns = r->ptr[i].name;
	}
	for (i = 0; helo == NULL && i < c->nhelos; i++) {
		if (c->helos[i].name != NULL &&
		    dns_literal_parse(c->helos[i].name, &lit) == 0)
			helo = c->helos[i].name;
	}
	provider_identify(t, &c->addr, rdns, helo, out);
}

/*
 * Write "abuse@domain" into buf.  Returns -1 with buf empty when the
 * address would be longer than PROVIDER_ADDRESS_MAX.
 */
static int
provider_abuse_address(const char *domain, char buf[PROVIDER_ADDRESS_SIZE])
{
	int	n;

	n = snprintf(buf, PROVIDER_ADDRESS_SIZE, "abuse@%s", domain);
	if (n < 0 || n > PROVIDER_ADDRESS_MAX) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* Set out's address from a map entry, or its suggestion if unverified. */
static void
provider_take(struct provider_rcpt *out, enum provider_rcpt_source source,
    const char *address, int verified)
{
	if (verified) {
		out->source = source;
		snprintf(out->address, sizeof out->address, "%s", address);
	} else if (out->suggestion[0] == '\0')
		snprintf(out->suggestion, sizeof out->suggestion, "%s",
		    address);
}

void
provider_recipient(const struct provider_table *t,
    const struct event_addr *addr, const struct provider_info *p,
    const char *override, const char *abuse_contact,
    struct provider_rcpt *out)
{
	const struct provider_map	*m, *best = NULL;
	size_t				 i;
	int				 name_verified;

	memset(out, 0, sizeof *out);
	if (override != NULL) {
		out->source = RCPT_OVERRIDE;
		snprintf(out->address, sizeof out->address, "%s", override);
		return;
	}

	for (i = 0; t != NULL && i < t->nmap; i++) {
		m = &t->map[i];
		if (m->kind == PROVIDER_KEY_BLOCK &&
		    provider_block_contains(&m->block, addr) &&
		    (best == NULL || m->block.prefix > best->block.prefix))
			best = m;
	}
	if (best != NULL) {
		provider_take(out, RCPT_MAP_CIDR, best->address, 1);
		return;
	}

	name_verified = p->source == PROVIDER_RANGE || p->source ==
	    PROVIDER_RDNS;
	for (i = 0; t != NULL && p->name[0] != '\0' && i < t->nmap; i++) {
		m = &t->map[i];
		if (m->kind == PROVIDER_KEY_NAME &&
		    strcasecmp(m->key, p->name) == 0) {
			provider_take(out, RCPT_MAP_PROVIDER, m->address,
			    name_verified);
			if (out->address[0] != '\0')
				return;
			break;
		}
	}
	for (i = 0; t != NULL && p->domain[0] != '\0' && i < t->nmap; i++) {
		m = &t->map[i];
		if (m->kind == PROVIDER_KEY_DOMAIN &&
		    strcmp(m->key, p->domain) == 0) {
			provider_take(out, RCPT_MAP_DOMAIN, m->address,
			    p->domain_verified);
			if (out->address[0] != '\0')
				return;
			break;
		}
	}

	/* The DNS lookup is keyed by the IP, which the client cannot fake. */
	if (abuse_contact != NULL && provider_address_valid(abuse_contact)) {
		out->source = RCPT_ABUSE_CONTACT;
		snprintf(out->address, sizeof out->address, "%s",
		    abuse_contact);
		return;
	}

	if (p->domain[0] != '\0' && p->domain_verified &&
	    provider_abuse_address(p->domain, out->address) == 0) {
		out->source = RCPT_RFC2142;
		return;
	}
	if (p->domain[0] != '\0' && out->suggestion[0] == '\0')
		provider_abuse_address(p->domain, out->suggestion);
}

int
provider_address_valid(const char *address)
{
	const char	*at;
	size_t		 len, i;

	len = strlen(address);
	if (len == 0 || len > PROVIDER_ADDRESS_MAX)
		return 0;
	if ((at = strchr(address, '@')) == NULL || at == address ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; i < (size_t)(at - address); i++) {
		if (address[i] <= ' ' || address[i] >= 0x7f ||
		    strchr("\"(),:;<>[\\]", address[i]) != NULL)
			return 0;
	}
	if (address[0] == '.' || at[-1] == '.' || strstr(address, "..") !=
	    NULL)
		return 0;
	return provider_host_valid(at + 1, strlen(at + 1));
}

const char *
provider_source_name(enum provider_source source)
{
	switch (source) {
	case PROVIDER_RANGE:
		return "configured range";
	case PROVIDER_RDNS:
		return "verified rDNS";
	case PROVIDER_HELO:
		return "HELO, unverified";
	case PROVIDER_NONE:
		break;
	}
	return "none";
}

const char *
provider_rcpt_source_name(enum provider_rcpt_source source)
{
	switch (source) {
	case RCPT_OVERRIDE:
		return "report_to";
	case RCPT_MAP_CIDR:
		return "recipient map, address block";
	case RCPT_MAP_PROVIDER:
		return "recipient map, provider";
	case RCPT_MAP_DOMAIN:
		return "recipient map, domain";
	case RCPT_ABUSE_CONTACT:
		return "abuse-contact lookup";
	case RCPT_RFC2142:
		return "abuse@ the verified domain";
	case RCPT_ADMIN:
		return "typed by the admin";
	case RCPT_NONE:
		break;
	}
	return "none";
}

int
provider_matches(const struct provider_info *p, const char *name)
{
	return (p->name[0] != '\0' && strcasecmp(p->name, name) == 0) ||
	    (p->domain[0] != '\0' && strcasecmp(p->domain, name) == 0);
}
