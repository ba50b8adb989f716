/*
 * Reason names and the table that maps a site's own Exim "warn" ACL texts
 * ("H=... Warning: <text>") to them.
 */
#ifndef SMTPTRIAGE_REASON_H
#define SMTPTRIAGE_REASON_H

#include <stddef.h>

#define REASON_HELO_VERIFY_FAILED	"helo_verify_failed"
#define REASON_FCRDNS_MISMATCH		"fcrdns_mismatch"
#define REASON_NO_RDNS			"no_rdns"
#define REASON_RDNS_TEMPFAIL		"rdns_tempfail"
#define REASON_HELO_REJECTED		"helo_rejected"
#define REASON_NO_VERIFIED_RDNS		"no_verified_rdns"
#define REASON_WARNING			"warning"	/* "warning:<text>" */
/* Rejections and failures other than DNS and HELO checks. */
#define REASON_REJECTED			"rejected"	/* "rejected:<text>" */
#define REASON_SENDER_VERIFY_FAILED	"sender_verify_failed"
#define REASON_AUTH_FAILED		"auth_failed"
#define REASON_PROTOCOL_ERROR		"protocol_error"
#define REASON_NO_MAIL			"no_mail"
/* The PTR name of the client does not resolve at all (Postfix). */
#define REASON_PTR_NAME_UNRESOLVED	"ptr_name_unresolved"
/* Postfix HELO restrictions and DNS blocklists. */
#define REASON_HELO_UNKNOWN		"helo_unknown"
#define REASON_HELO_NON_FQDN		"helo_non_fqdn"
#define REASON_HELO_INVALID		"helo_invalid"
#define REASON_DNSBL			"dnsbl"
/* Postfix postscreen's verdicts. */
#define REASON_POSTSCREEN_PREGREET	"postscreen_pregreet"
#define REASON_POSTSCREEN_DNSBL		"postscreen_dnsbl"
#define REASON_POSTSCREEN_HANGUP	"postscreen_hangup"
#define REASON_POSTSCREEN_PIPELINING	"postscreen_pipelining"
#define REASON_POSTSCREEN_NON_SMTP	"postscreen_non_smtp"
#define REASON_POSTSCREEN_BARE_NEWLINE	"postscreen_bare_newline"
#define REASON_POSTSCREEN_COMMAND_LIMIT	"postscreen_command_limit"
#define REASON_POSTSCREEN_DENYLISTED	"postscreen_denylisted"
/* A connection or request rate limit of the MTA (Postfix, Sendmail). */
#define REASON_RATE_LIMITED		"rate_limited"

/* Maximum length of a warning text in a reason key; longer texts are cut. */
#define REASON_ARG_MAX	200

struct reason_table;

/* Create a table holding the built-in mappings. */
struct reason_table	*reason_table_create(void);
void			 reason_table_free(struct reason_table *);

/*
 * Map warning texts that start with text to reason.  A later entry for the
 * same text replaces the earlier one.  Returns 0, or -1 with *cause set
 * (allocated) when reason is not a valid name: lower-case letters, digits
 * and '_' only, at most 64 characters.
 */
int	 reason_table_add(struct reason_table *, const char *text,
	     const char *reason, char **cause);

/*
 * Look up a warning text.  Returns the reason name of the longest entry the
 * text starts with, or NULL when none matches.
 */
const char *reason_table_lookup(const struct reason_table *, const char *text,
	     size_t len);

/* Weight of a reason key in the suspect score; see docs/usage.md. */
int	 reason_weight(const char *key);

/* Kinds of reasons, for the console's quick filters. */
enum reason_kind {
	REASON_KIND_HELO,	/* the HELO name failed a check */
	REASON_KIND_PTR,	/* the rDNS (PTR) name is missing or wrong */
	REASON_KIND_DNSBL,	/* a DNS blocklist lists the IP */
	REASON_KIND_SMTP,	/* the client broke the SMTP protocol */
	REASON_KIND_OTHER,	/* everything else, site warnings included */
};
#define REASON_KINDS	5

/* Kind of a reason key; keys with an argument ("rejected:...") are other. */
enum reason_kind reason_kind(const char *key);
/* Short name of a kind: "HELO", "PTR", "DNSBL", "SMTP" or "other". */
const char	*reason_kind_name(enum reason_kind);

#endif
