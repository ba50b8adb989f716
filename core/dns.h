/*
 * The DNS engine: one c-ares channel driven by the caller's poll(2) loop,
 * and per-client checks (PTR, forward-confirmed rDNS, HELO) built on it.
 */
#ifndef SMTPTRIAGE_DNS_H
#define SMTPTRIAGE_DNS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "event.h"

struct dnsbl_list;

/* Outcome of one query, kept apart exactly as the server answered. */
enum dns_rcode {
	DNS_RCODE_NONE = 0,	/* not asked, or still pending */
	DNS_RCODE_NOERROR,	/* includes NOERROR with no data */
	DNS_RCODE_NXDOMAIN,
	DNS_RCODE_SERVFAIL,
	DNS_RCODE_REFUSED,
	DNS_RCODE_TIMEOUT,
	DNS_RCODE_ERROR,	/* any other failure: FORMERR, bad reply, ... */
	DNS_RCODE_INVALID,	/* the name is not valid, so it was not asked */
};

enum dns_verdict {
	DNS_VERDICT_NONE = 0,	/* still pending */
	DNS_VERDICT_PASS,
	DNS_VERDICT_FAIL,
	DNS_VERDICT_INDETERMINATE,	/* a temporary failure decided it */
};

/* "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "TIMEOUT", "ERROR", ... */
const char	*dns_rcode_name(enum dns_rcode);
/* "pass", "fail", "indeterminate", or "pending". */
const char	*dns_verdict_name(enum dns_verdict);
/* 1 for SERVFAIL, REFUSED, TIMEOUT and ERROR. */
int		 dns_rcode_temporary(enum dns_rcode);

/* Limits on what one check keeps; more answers than this are dropped. */
#define DNS_NAMES_MAX	16
#define DNS_ADDRS_MAX	32
#define DNS_HELOS_MAX	8
/* DNSBL zones asked per check, and return codes kept per zone. */
#define DNS_DNSBL_MAX	16
#define DNS_CODES_MAX	8
/* Abuse contact addresses kept, and TXT records read per answer. */
#define DNS_ABUSE_MAX	8
#define DNS_TXT_MAX	8
/* Maximum length of the text of one TXT record, as escaped. */
#define DNS_TXT_TEXT_MAX	1024

/*
 * Maximum length of a name's text.  A DNS name has at most 255 octets on
 * the wire, and dns_answer_parse writes each unusual octet as "\DDD".
 */
#define DNS_NAME_TEXT_MAX	1024
/* Maximum length of a host name that is queried, without the final dot. */
#define DNS_HOST_NAME_MAX	253
#define DNS_LABEL_MAX		63
/* "f.e.d.....ip6.arpa" is 72 characters. */
#define DNS_REVERSE_NAME_MAX	80
/* CNAME records followed from the question name to the answer. */
#define DNS_CNAME_MAX		8

/* Only the first count entries of addrs are set. */
struct dns_addrlist {
	enum dns_rcode		rcode_a;
	enum dns_rcode		rcode_aaaa;
	size_t			count;
	struct event_addr	addrs[DNS_ADDRS_MAX];
};

struct dns_ptrname {
	char			*name;		/* as answered; may be hostile */
	const char		*invalid;	/* why the name was not asked */
	struct dns_addrlist	 forward;	/* its A and AAAA */
	int			 confirmed;	/* forward contains the client */
};

struct dns_helo {
	char			*name;		/* as logged; may be hostile */
	int			 literal;	/* "[1.2.3.4]" or "[IPv6:...]" */
	const char		*invalid;	/* why the name was not asked */
	enum dns_rcode		 rcode;		/* A/AAAA combined, see docs */
	struct dns_addrlist	 forward;
	enum dns_verdict	 verified;
};

/* Whether a DNSBL zone lists the client; see dnsbl_judge. */
enum dns_listed {
	DNS_LISTED_PENDING = 0,	/* not answered yet */
	DNS_LISTED_YES,
	DNS_LISTED_NO,
	DNS_LISTED_UNKNOWN,	/* an error answer or an error return code */
};

/* The answer of one DNSBL zone about the client. */
struct dns_dnsbl {
	char			*zone;
	enum dns_rcode		 rcode;
	enum dns_listed		 listed;
	size_t			 ncodes;
	struct event_addr	 codes[DNS_CODES_MAX];	/* the A records */
};

/* The abuse contact of the client's network, from a TXT lookup. */
struct dns_abuse {
	enum dns_rcode		 rcode;		/* NONE: no zone is set */
	char			*zone;
	size_t			 naddresses;
	char			*addresses[DNS_ABUSE_MAX];
};

/*
 * The result of one check.  Only the first nptr, nhelo and ndnsbl entries
 * of the arrays are set; the engine leaves the rest uninitialised, so
 * read no further.
 */
struct dns_result {
	enum dns_rcode		ptr_rcode;
	size_t			nptr;
	/* PTR names of the answer left out beyond DNS_NAMES_MAX; see judge. */
	size_t			ptr_dropped;
	enum dns_verdict	fcrdns;
	size_t			nhelo;
	int			done;		/* every query has finished */
	time_t			checked_at;	/* wall clock when done */
	size_t			ndnsbl;
	struct dns_abuse	abuse;

	/*
	 * Answers used, how many of them came from the cache, and the age
	 * in seconds of the oldest cached one when the check finished.
	 */
	size_t			nanswers;
	size_t			ncached;
	int64_t			cache_age_s;

	/* The arrays come last: see the comment above. */
	struct dns_ptrname	ptr[DNS_NAMES_MAX];
	struct dns_helo		helo[DNS_HELOS_MAX];
	struct dns_dnsbl	dnsbl[DNS_DNSBL_MAX];
};

/* A number of 0 or less takes the default. */
struct dns_config {
	const char	*servers;	/* "HOST[:PORT][,...]", NULL: resolv.conf */
	int		 timeout_ms;	/* per try; default 2000 */
	int		 tries;		/* default 2 */
	int		 max_inflight;	/* default 64 */
	int		 qps;		/* queries sent per second; default none */

	/*
	 * DNSBL zones and their return codes (NULL: none), and the abuse
	 * contact zone (NULL or "": no lookup).  Both must outlive the
	 * engine.
	 */
	const struct dnsbl_list *dnsbl;
	const char	*abuse_zone;

	/*
	 * Answers kept in the cache: 0 takes DNS_CACHE_MAX_DEFAULT, and a
	 * negative number turns the cache off.
	 */
	int		 cache_max;
	/*
	 * Monotonic clock in milliseconds for the cache and the rate limit;
	 * NULL: CLOCK_MONOTONIC.  Tests set their own.
	 */
	int64_t		(*clock_ms)(void *arg);
	void		*clock_arg;
};

#define DNS_TIMEOUT_MS_DEFAULT		2000
#define DNS_TRIES_DEFAULT		2
#define DNS_MAX_INFLIGHT_DEFAULT	64
#define DNS_CACHE_MAX_DEFAULT		100000
/* Answers are kept at most this long, whatever their TTL says. */
#define DNS_CACHE_TTL_MAX_S		3600

struct dns;
struct dns_check;

typedef void (*dns_check_cb)(struct dns_check *, void *arg);

/* Returns NULL with *cause set (allocated) on failure. */
struct dns	*dns_create(const struct dns_config *, char **cause);
/* Cancels every check still running, without calling their callbacks. */
void		 dns_free(struct dns *);

/*
 * Poll integration.  dns_pollfds fills up to max entries and returns how
 * many it used; dns_timeout returns the milliseconds until dns_process must
 * run even without socket activity (at most max_ms, -1 if idle); and
 * dns_process handles the revents of the entries dns_pollfds filled, then
 * any timeouts.  Callbacks run from inside dns_process.
 */
size_t		 dns_pollfds(struct dns *, struct pollfd *fds, size_t max);
int		 dns_timeout(struct dns *, int max_ms);
void		 dns_process(struct dns *, const struct pollfd *fds, size_t n);
/* Queries sent and not answered yet, plus queries waiting for a slot. */
size_t		 dns_inflight(struct dns *);

/* Counters since dns_create, for the benchmark and the tests. */
struct dns_stats {
	uint64_t	sent;		/* queries handed to c-ares */
	uint64_t	answered;	/* of those, answered or failed */
	uint64_t	cache_hits;	/* lookups answered from the cache */
	uint64_t	joined;		/* lookups that waited for a query out */
	size_t		cached;		/* answers in the cache now */
};
void		 dns_get_stats(struct dns *, struct dns_stats *);
/* Run the engine until no query is in flight (for the headless commands). */
void		 dns_run(struct dns *);

/*
 * Start checking one client: PTR of addr, A and AAAA of every PTR name and
 * of every HELO name (address literals are compared, not asked).  An
 * engine with lists also asks A of addr in every DNSBL zone and TXT of
 * addr in the abuse contact zone.  The
 * helos are copied, each up to DNS_NAME_TEXT_MAX bytes, and after the
 * first DNS_HELOS_MAX the rest are ignored.
 * done (which may be NULL) runs once, from dns_process, when all queries
 * have finished; it may free the check.  Never returns NULL.
 */
struct dns_check *dns_check_start(struct dns *, const struct event_addr *addr,
		    const char *const *helos, size_t nhelos, dns_check_cb done,
		    void *arg);

/* Flags of dns_check_begin. */
#define DNS_CHECK_FRESH		0x01	/* ask the servers, not the cache */
#define DNS_CHECK_URGENT	0x02	/* queue before other checks' queries */

/*
 * dns_check_start with flags.  Without DNS_CHECK_FRESH an answer still
 * in the cache (within its TTL) is used without a query.  Either way a
 * query that is already out for the same name and type is not sent
 * twice: the check waits for its answer.
 */
struct dns_check *dns_check_begin(struct dns *, const struct event_addr *addr,
		    const char *const *helos, size_t nhelos, int flags,
		    dns_check_cb done, void *arg);
uint64_t	 dns_check_id(const struct dns_check *);
const struct dns_result *dns_check_result(const struct dns_check *);
/* Cancel a running check (its callback never runs) or free a finished one. */
void		 dns_check_free(struct dns_check *);

/*
 * Work out the verdicts of r from its answers (fcrdns, each helo's
 * verified), for the client address addr.  Pure: used by the engine and by
 * unit tests with a fake result.
 */
void		 dns_result_judge(struct dns_result *r,
		    const struct event_addr *addr);

/*
 * Helpers of the engine, exported for the unit tests and for callers that
 * want the same rules.
 */

/* Return 1 if a and b are the same address: ::ffff:a.b.c.d is a.b.c.d. */
int		 dns_addr_equal(const struct event_addr *a,
		    const struct event_addr *b);

/*
 * Parse a HELO address literal: "[192.0.2.1]", "[IPv6:2001:db8::1]" (the
 * tag in any case), "[IPv4:192.0.2.1]" or "[2001:db8::1]".  Returns 1 and
 * fills addr for a literal, 0 if helo does not start with "[", and -1 for
 * a malformed literal.
 */
int		 dns_literal_parse(const char *helo, struct event_addr *addr);

/*
 * Return NULL if name (one trailing dot allowed) is a host name that may
 * be queried, or else a static string with the reason it may not.
 */
const char	*dns_name_invalid(const char *name);

/* Compare two names ignoring ASCII case and one trailing dot. */
int		 dns_name_equal(const char *a, const char *b);

/*
 * Write the in-addr.arpa or ip6.arpa name of addr into buf.  Returns 0, or
 * -1 if the family is unknown or len is too small.
 */
int		 dns_reverse_name(const struct event_addr *addr, char *buf,
		    size_t len);

/* The HELO rcode shown for the A and AAAA answers of f (see the docs). */
enum dns_rcode	 dns_helo_rcode(const struct dns_addrlist *f);

/* Record types asked by the engine and read by dns_answer_parse. */
#define DNS_TYPE_A	1
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_SOA	6
#define DNS_TYPE_PTR	12
#define DNS_TYPE_TXT	16
#define DNS_TYPE_AAAA	28

/*
 * Contents of one DNS answer message: the rcode, and the PTR names, the
 * addresses or the TXT texts of the question name (after CNAME records).
 */
struct dns_answer {
	enum dns_rcode		rcode;
	size_t			nnames;
	char			*names[DNS_NAMES_MAX];	/* allocated */
	/*
	 * Names left out because names was full.  A name repeated among
	 * them is counted each time, so only 0 or not 0 is exact.
	 */
	size_t			names_dropped;
	size_t			naddrs;
	struct event_addr	addrs[DNS_ADDRS_MAX];
	size_t			ntxt;
	char			*txt[DNS_TXT_MAX];	/* allocated */
	/*
	 * Seconds the answer may be cached: the lowest TTL of the answer
	 * records, or for NXDOMAIN and an empty NOERROR the SOA's negative
	 * TTL (RFC 2308).  -1 when it may not be cached.
	 */
	int64_t			ttl;
};

/*
 * Parse the answer message buf[0..len-1] to a query of type (DNS_TYPE_A,
 * DNS_TYPE_AAAA, DNS_TYPE_PTR or DNS_TYPE_TXT).  Names are written in
 * master-file form: any octet outside '!' to '~', and a dot or backslash
 * inside a label, becomes "\DDD" or "\." or "\\".  The character strings
 * of one TXT record are joined, with any octet outside ' ' to '~' written
 * as "\DDD" and a backslash as "\\".  Returns 0, or -1 with ans->rcode set
 * to DNS_RCODE_ERROR if the message is malformed.  Free the names and
 * texts with dns_answer_clear.
 */
int		 dns_answer_parse(const unsigned char *buf, size_t len,
		    int type, struct dns_answer *ans);
void		 dns_answer_clear(struct dns_answer *ans);

#endif
