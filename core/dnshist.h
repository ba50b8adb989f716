/*
 * The history of DNS checks, kept in the state database: one row per
 * finished check with its time and outcome, so that the console can show
 * how long a problem has lasted ("PTR SERVFAIL since 2026-11-28, 4
 * checks") or since when it is fixed.
 */
#ifndef SMTPTRIAGE_DNSHIST_H
#define SMTPTRIAGE_DNSHIST_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "store.h"

/* Rows kept per IP address; adding one more deletes the oldest. */
#define DNSHIST_KEEP		100
/* Maximum lengths of the text fields, with the terminating NUL. */
#define DNSHIST_LISTED_MAX	512
#define DNSHIST_PROBLEM_MAX	(DNSHIST_LISTED_MAX + 32)
#define DNSHIST_SUMMARY_MAX	(DNSHIST_PROBLEM_MAX + 64)

/*
 * The listed field of a check in which no DNSBL zone gave an answer
 * (none is configured, or every zone failed).  Rows written before this
 * value existed hold "" there, as a check that found no listing does.
 */
#define DNSHIST_NOT_ASKED	"-"

/* The outcome of one check. */
struct dnshist_entry {
	int64_t			time;		/* seconds since the epoch */
	enum dns_rcode		ptr;
	enum dns_verdict	fcrdns;
	enum dns_verdict	helo;		/* NONE: no HELO name checked */
	/* Listing zones, comma-separated, or DNSHIST_NOT_ASKED. */
	char			listed[DNSHIST_LISTED_MAX];
	char			problem[DNSHIST_PROBLEM_MAX];	/* "": none */
};

/* The history of one client, oldest first. */
struct dnshist_list {
	struct dnshist_entry	*entries;	/* allocated */
	size_t			 n;
};

struct dnshist;

/*
 * Use the state database of store for the history, creating the table
 * dns_history when it is missing.  Returns NULL with *cause set.
 */
struct dnshist	*dnshist_open(struct store *, char **cause);
void		 dnshist_close(struct dnshist *);

/*
 * Sum up a finished result at time t:
 *	helo	the worst verdict of the HELO names: fail, then
 *		indeterminate, then pass
 *	listed	the DNSBL zones that list the client, comma-separated,
 *		or DNSHIST_NOT_ASKED when no zone answered listed or not
 *	problem	the first that applies: "PTR <rcode>" when the PTR rcode is
 *		not NOERROR, "no PTR record", "FCrDNS <verdict>",
 *		"HELO <verdict>" unless they pass, "listed in <zones>", or ""
 */
void		 dnshist_outcome(const struct dns_result *, int64_t t,
		    struct dnshist_entry *);

/*
 * Add the outcomes entries[0..n-1] of the clients ips[0..n-1] in one
 * transaction.  Returns 0, or -1 with *cause set and nothing added.
 */
int		 dnshist_add(struct dnshist *, const char *const *ips,
		    const struct dnshist_entry *entries, size_t n,
		    char **cause);

/*
 * Read the history of ip, oldest first, at most DNSHIST_KEEP entries,
 * into an allocated array.  Returns 0 (with *n possibly 0), or -1 with
 * *cause set.
 */
int		 dnshist_get(struct dnshist *, const char *ip,
		    struct dnshist_entry **entries, size_t *n, char **cause);

/*
 * Describe the latest run of equal problems in entries[0..n-1] (oldest
 * first) as of now, into buf:
 *	"PTR SERVFAIL since 2026-11-28, 4 checks"
 *	"fixed since yesterday (was FCrDNS fail)"
 *	"no problem since today, 2 checks"
 * Dates are local: "today", "yesterday" or YYYY-MM-DD.  With no entries
 * buf is "".  A check without DNSBL answers and without another problem
 * is left out after a "listed in" problem, because it cannot show that
 * the listing ended.
 */
void		 dnshist_summary(const struct dnshist_entry *entries, size_t n,
		    int64_t now, char *buf, size_t len);

/* Parse the names that dns_rcode_name and dns_verdict_name return. */
enum dns_rcode	 dnshist_rcode_parse(const char *);
enum dns_verdict dnshist_verdict_parse(const char *);

#endif
