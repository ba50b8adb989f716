/*
 * DNS blocklists (RFC 5782) and the abuse contact zone, without any I/O:
 * the zone list, the meaning of each return code, the names to query, and
 * reading the answers.  The DNS engine (dns.c) sends the queries.
 */
#ifndef SMTPTRIAGE_DNSBL_H
#define SMTPTRIAGE_DNSBL_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "event.h"

/* Maximum number of DNSBL zones asked about each client. */
#define DNSBL_ZONES_MAX		DNS_DNSBL_MAX
/* Maximum number of dnsbl_code lines. */
#define DNSBL_RULES_MAX		256
/* Maximum length of the text of a dnsbl_code line. */
#define DNSBL_TEXT_MAX		200
/*
 * Maximum length of a zone name.  An IPv6 query name puts 32 nibbles and
 * 32 dots in front of the zone, and the whole name must fit in 253
 * characters.
 */
#define DNSBL_ZONE_MAX		(DNS_HOST_NAME_MAX - 64)

/* The zone that maps an IP address to the abuse contact of its network. */
#define DNSBL_ABUSE_ZONE_DEFAULT "abuse-contacts.abusix.zone"

/* The meaning of a return code. */
enum dnsbl_kind {
	DNSBL_KIND_LISTED,	/* the address is on the list */
	DNSBL_KIND_NOT_LISTED,	/* an answer that is not a listing */
	DNSBL_KIND_ERROR,	/* the list reports a problem with the query */
};

/* One "dnsbl_code" line: the codes first..last of zone mean kind. */
struct dnsbl_rule {
	char		*zone;
	uint32_t	 first;		/* IPv4 address in host byte order */
	uint32_t	 last;
	enum dnsbl_kind	 kind;
	char		*text;		/* printable ASCII, or NULL */
};

/* The zones to ask, and the meanings of their return codes. */
struct dnsbl_list {
	char			*zones[DNSBL_ZONES_MAX];
	size_t			 nzones;
	struct dnsbl_rule	*rules;
	size_t			 nrules;
};

struct dnsbl_list *dnsbl_list_create(void);
void		 dnsbl_list_free(struct dnsbl_list *);

/*
 * Replace the zone list with the zones of text, separated by commas and
 * optional blanks ("zen.spamhaus.org, bl.spamcop.net").  An empty text
 * leaves no zone.  Zones are kept in lower case without a trailing dot,
 * and a zone named twice is kept once.  Returns 0, or -1 with *cause set
 * and the list unchanged.
 */
int		 dnsbl_set_zones(struct dnsbl_list *, const char *text,
		    char **cause);

/*
 * Add the meaning of return codes from the text after the keyword of a
 * config line
 *	dnsbl_code ZONE CODE[-CODE] = listed|not_listed|error [TEXT]
 * for example "zen.spamhaus.org 127.0.0.10-127.0.0.11 = listed PBL".
 * Returns 0, or -1 with *cause set.
 */
int		 dnsbl_add_rule(struct dnsbl_list *, const char *text,
		    char **cause);

/*
 * Return NULL if zone may be used as a DNSBL or abuse contact zone, or
 * else a static string with the reason it may not.
 */
const char	*dnsbl_zone_invalid(const char *zone);

/*
 * Write the name to query for addr in zone: the reversed octets of an
 * IPv4 address ("2.0.0.127.zone") or the reversed nibbles of an IPv6
 * address, as for in-addr.arpa and ip6.arpa.  An IPv4-mapped IPv6 address
 * counts as IPv4.  Returns 0, or -1 if the family is unknown or the name
 * does not fit in len bytes or in 253 characters.
 */
int		 dnsbl_query_name(const struct event_addr *addr,
		    const char *zone, char *buf, size_t len);

/*
 * The meaning of return code code in zone: the last dnsbl_code line of
 * that zone whose range contains it, or else listed for 127.0.0.0/8 and
 * error for any other address (RFC 5782 puts every listing in 127/8).
 * *text gets the line's text or NULL.
 */
enum dnsbl_kind	 dnsbl_code_kind(const struct dnsbl_list *, const char *zone,
		    const struct event_addr *code, const char **text);

/*
 * Decide whether one zone lists the client, from the rcode and the
 * return codes of its answer:
 *	some code means listed			DNS_LISTED_YES
 *	else some code means error		DNS_LISTED_UNKNOWN
 *	else NOERROR (codes that are not listings, or none) or NXDOMAIN
 *						DNS_LISTED_NO
 *	else (SERVFAIL, REFUSED, TIMEOUT, ...)	DNS_LISTED_UNKNOWN
 */
enum dns_listed	 dnsbl_judge(const struct dnsbl_list *, const char *zone,
		    enum dns_rcode rcode, const struct event_addr *codes,
		    size_t ncodes);

/* Maximum length of an abuse contact address. */
#define DNSBL_ADDRESS_MAX	254

/*
 * Read mail addresses from the TXT strings of an abuse contact answer.
 * Each string may hold several addresses separated by commas or blanks.
 * Only addresses of the form local@domain, with printable ASCII and a
 * domain that is a host name, are kept, each once (ignoring case), up to
 * max.  Returns how many were stored in out (allocated strings).
 */
size_t		 dnsbl_abuse_addresses(char *const *txt, size_t ntxt,
		    char **out, size_t max);

#endif
