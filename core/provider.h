/*
 * Providers and report recipients.  A suspect's provider is a configured
 * provider whose address ranges contain its IP.  Failing that, it is the
 * registered domain (found with libpsl) of its forward-confirmed rDNS
 * name, or else that of its HELO name, which is marked unverified because
 * the client chooses it.
 * The recipient of a report about it comes from the configured recipient
 * map, the abuse-contact DNS lookup, or abuse@ the verified domain
 * (RFC 2142).  A name the client chose never yields a recipient by itself:
 * it only yields a suggestion that the admin must confirm.
 */
#ifndef SMTPTRIAGE_PROVIDER_H
#define SMTPTRIAGE_PROVIDER_H

#include <stddef.h>

#include "agg.h"
#include "dns.h"
#include "event.h"

/* Maximum length of a configured provider name, in bytes of UTF-8. */
#define PROVIDER_NAME_MAX	64
/* Maximum length of a domain: a DNS name has at most 253 octets. */
#define PROVIDER_DOMAIN_MAX	253
/* Maximum length of a recipient address (RFC 5321 allows 254 in a path). */
#define PROVIDER_ADDRESS_MAX	254
/* Address ranges of all providers together, and recipient map entries. */
#define PROVIDER_RANGES_MAX	4096
#define PROVIDER_RECIPIENTS_MAX	4096

#define PROVIDER_NAME_SIZE	(PROVIDER_DOMAIN_MAX + 1)
#define PROVIDER_ADDRESS_SIZE	(PROVIDER_ADDRESS_MAX + 1)

/* The source of a provider's name. */
enum provider_source {
	PROVIDER_NONE = 0,	/* nothing known */
	PROVIDER_RANGE,		/* a configured provider's address range */
	PROVIDER_RDNS,		/* the forward-confirmed rDNS name's domain */
	PROVIDER_HELO,		/* the HELO name's domain: unverified */
};

struct provider_info {
	enum provider_source	source;
	char			name[PROVIDER_NAME_SIZE];	/* "" if none */
	/* Registered domain of the rDNS or HELO name, "" if none. */
	char			domain[PROVIDER_NAME_SIZE];
	int			domain_verified;	/* from a verified name */
};

/* The source of a recipient, in the order the sources are tried. */
enum provider_rcpt_source {
	RCPT_NONE = 0,
	RCPT_OVERRIDE,		/* report_to or --to: every report goes there */
	RCPT_MAP_CIDR,		/* recipient map, by address block */
	RCPT_MAP_PROVIDER,	/* recipient map, by provider name */
	RCPT_MAP_DOMAIN,	/* recipient map, by verified domain */
	RCPT_ABUSE_CONTACT,	/* the abuse-contact DNS lookup of the IP */
	RCPT_RFC2142,		/* abuse@ the verified domain */
	RCPT_ADMIN,		/* typed or confirmed by the admin */
};

struct provider_rcpt {
	enum provider_rcpt_source source;
	char			 address[PROVIDER_ADDRESS_SIZE];  /* "" if none */
	/*
	 * When address is "": an address derived from an unverified name
	 * (the HELO's domain), which the admin may confirm, or "".
	 */
	char			 suggestion[PROVIDER_ADDRESS_SIZE];
};

struct provider_table;

struct provider_table	*provider_table_create(void);
void			 provider_table_free(struct provider_table *);

/*
 * Add address ranges to the provider called name from text such as
 * "40.92.0.0/15, 40.107.0.0/16, 2a01:111:f400::/48" (a plain address is a
 * /32 or /128 block).  Adding to a name that exists appends to its ranges.
 * Returns 0, or -1 with *cause set (allocated).
 */
int	 provider_table_add(struct provider_table *, const char *name,
	     const char *ranges, char **cause);

/*
 * Add a recipient map entry.  key is an address or CIDR block, a domain,
 * or, when quoted is set, a provider name.  address must be a valid
 * recipient (see provider_address_valid).  Returns 0, or -1 with *cause.
 */
int	 provider_table_add_recipient(struct provider_table *, const char *key,
	     int quoted, const char *address, char **cause);

/*
 * Parse one config file line that starts with "provider" or "recipient":
 *	provider "NAME" = RANGE[, RANGE...]
 *	recipient "PROVIDER NAME" = ADDRESS
 *	recipient DOMAIN = ADDRESS
 *	recipient ADDRESS-OR-CIDR = ADDRESS
 * Inside quotes, \" stands for a quote and \\ for a backslash.  where
 * ("file:line") starts the error message.  Returns 0, or -1 with *cause.
 */
int	 provider_config_line(struct provider_table *, char *line,
	     const char *where, char **cause);

/* Number of configured providers, and the name of provider i. */
size_t		 provider_table_count(const struct provider_table *);
const char	*provider_table_name(const struct provider_table *, size_t i);
/*
 * The address ranges of the provider called name (ignoring ASCII case) as
 * CIDR blocks in normal form, in the order of the config file.  Returns an
 * allocated array of allocated strings (NULL when there are none) and
 * sets *n.
 */
char	**provider_table_ranges(const struct provider_table *,
	     const char *name, size_t *n);

/*
 * Write the registered domain of name (lower case, without a final dot)
 * into buf.  Returns 0, or -1 when name is not a valid host name or is
 * itself a public suffix.
 */
int	 provider_registered_domain(const char *name, char *buf, size_t size);

/*
 * Work out the provider of a client at addr.  rdns is its forward-
 * confirmed rDNS name or NULL; helo is a HELO name it used or NULL.
 * table may be NULL.
 */
void	 provider_identify(const struct provider_table *,
	     const struct event_addr *addr, const char *rdns,
	     const char *helo, struct provider_info *out);

/*
 * Work out the provider of a suspect.  The rDNS name is the one the MTA
 * logged, or else a PTR name that the DNS check r (may be NULL)
 * forward-confirmed.  The HELO name is its most frequent one that is not
 * an address literal.
 */
void	 provider_identify_client(const struct provider_table *,
	     const struct client *c, const struct dns_result *r,
	     struct provider_info *out);

/*
 * Find the recipient of a report about the client at addr with provider
 * p.  override (report_to or --to) wins when set.  Then come the recipient
 * map (most specific address block, provider name, domain), abuse_contact
 * (the DNS lookup's answer, or NULL), and abuse@ the domain when it is
 * verified.  Nothing is taken from an unverified name: out->suggestion
 * gets abuse@ that domain (or its map entry) instead.
 */
void	 provider_recipient(const struct provider_table *,
	     const struct event_addr *addr, const struct provider_info *p,
	     const char *override, const char *abuse_contact,
	     struct provider_rcpt *out);

/*
 * 1 if address is a plain addr-spec that may be a recipient: printable
 * ASCII without blanks, quotes, brackets, commas, semicolons, colons or
 * backslashes, one "@", a non-empty local part and a valid domain, at
 * most PROVIDER_ADDRESS_MAX bytes.
 */
int	 provider_address_valid(const char *address);

/* "configured range", "verified rDNS", "HELO, unverified" or "none". */
const char	*provider_source_name(enum provider_source);
/* Short description of a recipient's source, for the console and docs. */
const char	*provider_rcpt_source_name(enum provider_rcpt_source);

/* 1 if the provider's name or domain is name (ignoring ASCII case). */
int	 provider_matches(const struct provider_info *, const char *name);

#endif
