/*
 * Abuse reports: the message text, the outbox folder, the sendmail pipe
 * and retries.
 *
 * Only text this program controls reaches a header: client addresses
 * (inet_ntop strings), reason names checked against [a-z0-9_], the
 * configured mailboxes parsed by mail_mailbox_parse, provider names
 * through esc_display, and the host name checked as a DNS name.
 * report_compose cannot fail, so it copies an invalid mailbox with every
 * byte outside printable ASCII replaced.  Text from logs and DNS answers
 * goes into the body through esc_display, so it cannot contain a line end
 * or a control byte.  Quoted texts are cut, and any body line still
 * longer than the 998 octets of RFC 5322 is split.
 */
#include <sys/random.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "esc.h"
#include "mail.h"
#include "outbox_intent.h"
#include "provider.h"
#include "reason.h"
#include "report.h"
#include "sendlock.h"
#include "store.h"
#include "template.h"
#include "ts.h"
#include "xarf.h"
#include "xmalloc.h"

/* Maximum body line length in RFC 5322 section 2.1.1, without CRLF. */
#define REPORT_LINE_MAX		998
/* Maximum length of a quoted log or DNS text, leaving room for a prefix. */
#define REPORT_QUOTE_MAX	900
/*
 * Maximum length of the fixed text that this file writes around one quoted
 * text on a line, such as '  HELO "' and '": A/AAAA SERVFAIL; ...'.
 */
#define REPORT_AROUND_MAX	92
/* Maximum length of a DNS engine's "invalid name" reason that is shown. */
#define REPORT_INVALID_MAX	36
_Static_assert(REPORT_QUOTE_MAX + sizeof " [cut]" - 1 + REPORT_AROUND_MAX <=
    REPORT_LINE_MAX, "a quoted text and its surroundings must fit a line");
/* Lists of addresses are wrapped before this column. */
#define REPORT_WRAP_COLUMN	72
/* Maximum number of reason names and IPs in the Subject; more are counted. */
#define REPORT_SUBJECT_REASONS	3
#define REPORT_SUBJECT_IPS	3
/* Maximum length of the Subject text, far below the 998 of a line. */
#define REPORT_SUBJECT_MAX	900
/* Maximum length of a log-derived name in a template's inline placeholder. */
#define REPORT_INLINE_MAX	200
/* Maximum length of a reason name, as in reason.h. */
#define REPORT_REASON_NAME_MAX	64
#define REPORT_NAME_SIZE	(REPORT_REASON_NAME_MAX + 1)
/* Sendmail output kept for the error message. */
#define REPORT_OUTPUT_MAX	1024
/*
 * How long sendmail may run.  A local sendmail queues a message in well
 * under a second, so one that takes a minute is stuck and is killed.
 */
#define REPORT_SENDMAIL_TIMEOUT_MS	60000
/* Largest outbox file that a retry reads back. */
#define REPORT_RETRY_MAX	(64 * 1024 * 1024)
/* Attempts to find an unused outbox file name. */
#define REPORT_OUTBOX_TRIES	8

static const char *const report_days[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const report_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* Advice that depends only on the reasons in the log. */
#define REPORT_ADVICE_HELO \
	"- The HELO name did not verify: it neither matched a\n" \
	"  forward-confirmed PTR name nor resolved to the address.\n" \
	"  Use the host's name, with A/AAAA and PTR records that match.\n"
#define REPORT_ADVICE_FCRDNS \
	"- The PTR name of the address does not resolve back to it.\n" \
	"  Give the PTR name an A or AAAA record that holds the address.\n"
#define REPORT_ADVICE_NO_RDNS \
	"- The address has no PTR record.  Add one that names the host.\n"
#define REPORT_ADVICE_TEMPFAIL \
	"- The PTR lookup of the address failed temporarily.  Check the\n" \
	"  DNS servers of the reverse zone.\n"

static const struct {
	const char	*reason;
	const char	*text;
} report_reason_advice[] = {
	{ REASON_HELO_VERIFY_FAILED, REPORT_ADVICE_HELO },
	{ REASON_HELO_REJECTED, REPORT_ADVICE_HELO },
	{ REASON_FCRDNS_MISMATCH, REPORT_ADVICE_FCRDNS },
	{ REASON_PTR_NAME_UNRESOLVED, REPORT_ADVICE_FCRDNS },
	{ REASON_NO_RDNS, REPORT_ADVICE_NO_RDNS },
	{ REASON_RDNS_TEMPFAIL, REPORT_ADVICE_TEMPFAIL },
};
#define REPORT_NADVICE \
	(sizeof report_reason_advice / sizeof report_reason_advice[0])

/* Short meaning of each reason, for the findings list. */
static const struct {
	const char	*reason;
	const char	*meaning;
} report_reason_meaning[] = {
	{ REASON_HELO_VERIFY_FAILED, "the HELO name did not verify" },
	{ REASON_HELO_REJECTED, "the HELO was rejected as not matching the "
	    "host" },
	{ REASON_FCRDNS_MISMATCH, "the PTR name does not resolve back to the "
	    "address" },
	{ REASON_NO_RDNS, "the address has no PTR record" },
	{ REASON_RDNS_TEMPFAIL, "the PTR lookup failed temporarily" },
	{ REASON_NO_VERIFIED_RDNS, "no forward-confirmed PTR name" },
};

static void	report_reason_lines(struct esc_buf *, const struct client *,
		    const char *indent);

/* Copy s for a header: any byte outside printable ASCII becomes '?'. */
static char *
report_header_safe(const char *s)
{
	char	*out;
	size_t	 i;

	out = xstrdup(s);
	for (i = 0; out[i] != '\0'; i++) {
		if (out[i] < 0x20 || out[i] > 0x7e)
			out[i] = '?';
	}
	return out;
}

/* The host name for Message-IDs if it is a valid DNS name, else localhost. */
static const char *
report_host(const char *host)
{
	size_t	i, len;

	if (host == NULL)
		return "localhost";
	len = strlen(host);
	if (len == 0 || len > 253 || host[0] == '.' || host[0] == '-')
		return "localhost";
	for (i = 0; i < len; i++) {
		if (!((host[i] >= 'a' && host[i] <= 'z') ||
		    (host[i] >= 'A' && host[i] <= 'Z') ||
		    (host[i] >= '0' && host[i] <= '9') ||
		    host[i] == '-' || host[i] == '.'))
			return "localhost";
	}
	return host;
}

/* Write t as an RFC 5322 date in local time, in English whatever the locale. */
static void
report_date(time_t t, char *buf, size_t size)
{
	struct tm	tm;
	long		off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    report_days[tm.tm_wday], tm.tm_mday, report_months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* Write t as ISO 8601 in local time with its offset. */
static void
report_iso(time_t t, char *buf, size_t size)
{
	struct tm	tm;
	long		off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
}

/*
 * Write the reason name of key (the part before ':') into name when it is
 * a valid name, else "other".
 */
static void
report_reason_name(const char *key, char *name, size_t size)
{
	size_t	len;

	len = strcspn(key, ":");
	if (len == 0 || len > REPORT_REASON_NAME_MAX || len >= size ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") < len) {
		snprintf(name, size, "other");
		return;
	}
	memcpy(name, key, len);
	name[len] = '\0';
}

/*
 * Length of the longest start of the escaped string s that fits in max
 * bytes without splitting an escape such as "\x1B" or a UTF-8 character.
 */
static size_t
report_cut_len(const char *s, size_t max)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;

	while (u[i] != '\0') {
		if (u[i] == '\\' && u[i + 1] == 'x')
			n = 4;		/* \xNN */
		else if (u[i] == '\\' && u[i + 1] == 'u')
			n = 6;		/* \uNNNN */
		else if (u[i] == '\\')
			n = 2;		/* \\, \n, \r, \t */
		else if (u[i] < 0x80)
			n = 1;
		else if (u[i] >= 0xf0)
			n = 4;
		else if (u[i] >= 0xe0)
			n = 3;
		else
			n = 2;
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

/*
 * Append prefix, raw text escaped for display (cut at REPORT_QUOTE_MAX
 * bytes), and suffix.  Returns 1 if the text was cut.
 */
static int
report_quote(struct esc_buf *b, const char *prefix, const char *raw,
    size_t rawlen, const char *suffix)
{
	char	*escaped;
	size_t	 len, cut;

	escaped = esc_display(raw, rawlen);
	len = strlen(escaped);
	cut = report_cut_len(escaped, REPORT_QUOTE_MAX);
	esc_buf_add(b, prefix, strlen(prefix));
	esc_buf_add(b, escaped, cut);
	if (cut < len)
		esc_buf_add(b, " [cut]", 6);
	esc_buf_add(b, suffix, strlen(suffix));
	free(escaped);
	return cut < len;
}

/* Append a list of addresses after label, wrapped with indent. */
static void
report_addrs(struct esc_buf *b, const char *indent, const char *label,
    const struct dns_addrlist *l)
{
	char	text[INET6_ADDRSTRLEN];
	size_t	i, col, len, n = 0;

	esc_buf_printf(b, "%s%s", indent, label);
	col = strlen(indent) + strlen(label);
	for (i = 0; i < l->count && i < DNS_ADDRS_MAX; i++) {
		if (inet_ntop(l->addrs[i].family, l->addrs[i].bytes, text,
		    sizeof text) == NULL)
			continue;
		len = strlen(text);
		if (n > 0 && col + 2 + len > REPORT_WRAP_COLUMN) {
			esc_buf_printf(b, ",\n%s  %s", indent, text);
			col = strlen(indent) + 2 + len;
		} else {
			esc_buf_printf(b, "%s%s", n == 0 ? " " : ", ", text);
			col += (n == 0 ? 1 : 2) + len;
		}
		n++;
	}
	if (n == 0)
		esc_buf_add(b, " none", 5);
	esc_buf_add(b, "\n", 1);
}

static const char *
report_rcode(enum dns_rcode rcode)
{
	if (rcode == DNS_RCODE_NONE)
		return "not asked";
	return dns_rcode_name(rcode);
}

/* The rcode that decided a name's forward lookup: a failure beats NOERROR. */
static enum dns_rcode
report_forward_rcode(const struct dns_addrlist *l)
{
	if (l->rcode_a == DNS_RCODE_NOERROR || l->rcode_a == DNS_RCODE_NONE)
		return l->rcode_aaaa == DNS_RCODE_NONE ? l->rcode_a :
		    l->rcode_aaaa;
	return l->rcode_a;
}

/*
 * SERVFAIL, REFUSED, TIMEOUT and ERROR may come from our resolver or the
 * path to the zone, so the text asks the sender to check instead of
 * stating a fault.
 */
#define REPORT_UNCHECKED_FORMAT \
	" could not be checked\n" \
	"  (%s from our resolver).  This may be a fault on our side;\n" \
	"  if the lookup fails for you as well, check the DNS servers of\n" \
	"  its zone.\n"

#define REPORT_FIX_PTR \
	"  Give it an A or AAAA record that holds the address, or change\n" \
	"  the PTR record.\n"

/* Append what the sender should fix, judged from the DNS check. */
static size_t
report_advice_dns(struct esc_buf *b, const struct dns_result *r,
    const char *ip)
{
	const struct dns_ptrname	*p;
	const struct dns_helo		*h;
	enum dns_rcode			 rc;
	size_t				 i, n = 0;
	char				*tail;

	if (dns_rcode_temporary(r->ptr_rcode)) {
		esc_buf_printf(b, "- The PTR record of %s" REPORT_UNCHECKED_FORMAT,
		    ip, report_rcode(r->ptr_rcode));
		n++;
	} else if (r->ptr_rcode == DNS_RCODE_NXDOMAIN ||
	    (r->ptr_rcode == DNS_RCODE_NOERROR && r->nptr == 0)) {
		esc_buf_printf(b, "- %s has no PTR record (%s).\n"
		    "  Add one that names the host.\n", ip,
		    report_rcode(r->ptr_rcode));
		n++;
	}
	for (i = 0; i < r->nptr && i < DNS_NAMES_MAX &&
	    r->fcrdns != DNS_VERDICT_PASS; i++) {
		p = &r->ptr[i];
		if (p->name == NULL || p->confirmed)
			continue;
		rc = report_forward_rcode(&p->forward);
		if (dns_rcode_temporary(rc))
			xasprintf(&tail, "\"" REPORT_UNCHECKED_FORMAT,
			    report_rcode(rc));
		else if (p->forward.count > 0)
			xasprintf(&tail, "\" resolves, but not to %s.\n"
			    "%s", ip, REPORT_FIX_PTR);
		else if (rc == DNS_RCODE_NXDOMAIN)
			xasprintf(&tail, "\" does not resolve "
			    "(NXDOMAIN).\n%s", REPORT_FIX_PTR);
		else
			xasprintf(&tail, "\" has no A or AAAA record "
			    "(%s).\n%s", report_rcode(rc), REPORT_FIX_PTR);
		report_quote(b, dns_rcode_temporary(rc) ?
		    "- The address lookup of PTR name \"" : "- PTR name \"",
		    p->name, strlen(p->name), tail);
		free(tail);
		n++;
	}
	for (i = 0; i < r->nhelo && i < DNS_HELOS_MAX; i++) {
		h = &r->helo[i];
		if (h->name == NULL || (h->verified != DNS_VERDICT_FAIL &&
		    h->verified != DNS_VERDICT_INDETERMINATE))
			continue;
		if (h->invalid != NULL)
			xasprintf(&tail, "\" is not a valid host name (%.*s).\n"
			    "  Use the host's fully qualified name.\n",
			    REPORT_INVALID_MAX, h->invalid);
		else if (h->literal)
			xasprintf(&tail, "\" is an address literal that is "
			    "not %s.\n", ip);
		else if (dns_rcode_temporary(h->rcode))
			xasprintf(&tail, "\"" REPORT_UNCHECKED_FORMAT,
			    report_rcode(h->rcode));
		else if (h->rcode == DNS_RCODE_NXDOMAIN)
			xasprintf(&tail, "\" does not resolve (NXDOMAIN).\n"
			    "  Use a name with an A or AAAA record that holds "
			    "%s.\n", ip);
		else if (h->forward.count == 0)
			xasprintf(&tail, "\" has no A or AAAA record (%s).\n"
			    "  Use a name with an A or AAAA record that holds "
			    "%s.\n", report_rcode(h->rcode), ip);
		else
			xasprintf(&tail, "\" resolves, but not to %s.\n"
			    "  Use a name with an A or AAAA record that holds "
			    "the address.\n", ip);
		report_quote(b, "- HELO name \"", h->name, strlen(h->name),
		    tail);
		free(tail);
		n++;
	}
	for (i = 0; i < r->ndnsbl && i < DNS_DNSBL_MAX; i++) {
		if (r->dnsbl[i].zone == NULL ||
		    r->dnsbl[i].listed != DNS_LISTED_YES)
			continue;
		xasprintf(&tail, "- %s is listed in the DNSBL ", ip);
		report_quote(b, tail, r->dnsbl[i].zone,
		    strlen(r->dnsbl[i].zone), ".\n  Find out why with the "
		    "list's lookup page, fix the cause, and\n  ask the list "
		    "to remove the address.\n");
		free(tail);
		n++;
	}
	return n;
}

/*
 * Append what the sender should fix, judged from the log's reasons.  Two
 * reasons with the same advice give it once.
 */
static size_t
report_advice_reasons(struct esc_buf *b, const struct client *c)
{
	const char	*given[REPORT_NADVICE];
	char		 name[REPORT_NAME_SIZE];
	size_t		 i, j, k, n = 0;

	for (i = 0; i < c->nreasons; i++) {
		report_reason_name(c->reasons[i].name, name, sizeof name);
		for (j = 0; j < REPORT_NADVICE; j++) {
			if (strcmp(report_reason_advice[j].reason, name) == 0)
				break;
		}
		if (j == REPORT_NADVICE)
			continue;
		for (k = 0; k < n; k++) {
			if (given[k] == report_reason_advice[j].text)
				break;
		}
		if (k < n)
			continue;
		given[n++] = report_reason_advice[j].text;
		esc_buf_printf(b, "%s", report_reason_advice[j].text);
	}
	return n;
}

static void
report_section_fix(struct esc_buf *b, const struct report_item *in,
    const char *ip)
{
	size_t	n;

	esc_buf_printf(b, "What to fix\n");
	if (in->dns != NULL && in->dns->done) {
		n = report_advice_dns(b, in->dns, ip);
		if (n == 0 && in->client->nreasons > 0) {
			esc_buf_printf(b, "- The DNS check below found no "
			    "problem, so the DNS may have been\n  fixed since "
			    "our server logged these findings:\n");
			report_reason_lines(b, in->client, "    ");
		} else if (n == 0)
			esc_buf_printf(b, "- The DNS check below found no "
			    "problem, and our log records no\n  finding; see "
			    "the log lines below.\n");
	} else {
		n = report_advice_reasons(b, in->client);
		if (n == 0)
			esc_buf_printf(b, "- See the findings below.\n");
	}
	esc_buf_add(b, "\n", 1);
}

static void
report_time(struct esc_buf *b, const char *label, const struct ts *t)
{
	char	buf[TS_ISO_MAX];

	if (t->utc == 0) {
		esc_buf_printf(b, "%sunknown\n", label);
		return;
	}
	ts_format_iso(t, buf, sizeof buf);
	esc_buf_printf(b, "%s%s\n", label, buf);
}

/*
 * Append what a finished live check found about the PTR names, for a
 * client whose log had no verified name.
 */
static void
report_live_rdns(struct esc_buf *b, const struct dns_result *r)
{
	size_t	i;

	if (r == NULL || !r->done)
		return;
	for (i = 0; i < r->nptr && i < DNS_NAMES_MAX; i++) {
		if (r->ptr[i].name != NULL && r->ptr[i].confirmed) {
			report_quote(b, "                live check: PTR \"",
			    r->ptr[i].name, strlen(r->ptr[i].name),
			    "\" confirms\n");
			return;
		}
	}
	esc_buf_printf(b, "                live check: no PTR name "
	    "confirms (%s)\n", dns_verdict_name(r->fcrdns));
}

static void
report_section_client(struct esc_buf *b, const struct report_item *item,
    const char *ip)
{
	const struct client		*c = item->client;
	const struct provider_info	*p = item->provider;
	char				*count, *tail;
	size_t				 i;

	esc_buf_printf(b, "Client\n");
	esc_buf_printf(b, "  Address:      %s\n", ip);
	if (p != NULL && p->name[0] != '\0') {
		xasprintf(&tail, " (%s)\n", p->source == PROVIDER_RANGE ?
		    "configured address range" : p->source != PROVIDER_RDNS ?
		    "domain of the HELO name, not verified" : c->rdns != NULL ?
		    "domain of the verified reverse DNS name" :
		    "domain of the reverse DNS name that the live check "
		    "confirmed");
		report_quote(b, "  Provider:     ", p->name, strlen(p->name),
		    tail);
		free(tail);
	}
	if (c->rdns != NULL)
		report_quote(b, "  Reverse DNS:  ", c->rdns, strlen(c->rdns),
		    " (forward-confirmed by our server)\n");
	else {
		esc_buf_printf(b, "  Reverse DNS:  in the log: no verified "
		    "name\n");
		report_live_rdns(b, item->dns);
	}
	for (i = 0; i < c->nhelos; i++) {
		xasprintf(&count, " (%llu time%s)\n",
		    (unsigned long long)c->helos[i].count,
		    c->helos[i].count == 1 ? "" : "s");
		report_quote(b, i == 0 ? "  HELO names:   \"" :
		    "                \"", c->helos[i].name,
		    strlen(c->helos[i].name), "\"");
		esc_buf_add(b, count, strlen(count));
		free(count);
	}
	if (c->nhelos == 0)
		esc_buf_printf(b, "  HELO names:   none logged\n");
	if (c->helo_other > 0)
		esc_buf_printf(b, "                other names (%llu time%s)\n",
		    (unsigned long long)c->helo_other,
		    c->helo_other == 1 ? "" : "s");
	report_time(b, "  First seen:   ", &c->first);
	report_time(b, "  Last seen:    ", &c->last);
	esc_buf_printf(b, "  Log lines:    %llu\n\n",
	    (unsigned long long)c->events);
}

/* Append one line per reason of c, each starting with indent. */
static void
report_reason_lines(struct esc_buf *b, const struct client *c,
    const char *indent)
{
	const char	*key, *meaning;
	char		 name[REPORT_NAME_SIZE], *prefix;
	size_t		 i, j;

	for (i = 0; i < c->nreasons; i++) {
		key = c->reasons[i].name;
		report_reason_name(key, name, sizeof name);
		xasprintf(&prefix, "%s%s (%llu line%s): ", indent, name,
		    (unsigned long long)c->reasons[i].count,
		    c->reasons[i].count == 1 ? "" : "s");
		if (key[strcspn(key, ":")] == ':') {
			key += strcspn(key, ":") + 1;
			esc_buf_add(b, prefix, strlen(prefix));
			report_quote(b, "\"", key, strlen(key), "\"\n");
			free(prefix);
			continue;
		}
		meaning = "see the log lines below";
		for (j = 0; j < sizeof report_reason_meaning /
		    sizeof report_reason_meaning[0]; j++) {
			if (strcmp(report_reason_meaning[j].reason, name) == 0)
				meaning = report_reason_meaning[j].meaning;
		}
		esc_buf_printf(b, "%s%s\n", prefix, meaning);
		free(prefix);
	}
}

static void
report_section_findings(struct esc_buf *b, const struct client *c)
{
	esc_buf_printf(b, "Findings in our log\n");
	report_reason_lines(b, c, "  ");
	if (c->nreasons == 0)
		esc_buf_printf(b, "  none\n");
	esc_buf_add(b, "\n", 1);
}

/* Append the line "  DNSBL <zone>: <state> (<rcode>: <codes>)" of z. */
static void
report_dnsbl_line(struct esc_buf *b, const struct dns_dnsbl *z)
{
	const char	*state;
	char		 code[INET6_ADDRSTRLEN];
	size_t		 i;

	if (z->zone == NULL)
		return;
	switch (z->listed) {
	case DNS_LISTED_YES:
		state = "listed";
		break;
	case DNS_LISTED_NO:
		state = "not listed";
		break;
	case DNS_LISTED_UNKNOWN:
		state = "could not be checked";
		break;
	default:
		state = "no answer yet";
		break;
	}
	report_quote(b, "  DNSBL ", z->zone, strlen(z->zone), ": ");
	esc_buf_printf(b, "%s (%s", state, report_rcode(z->rcode));
	for (i = 0; i < z->ncodes && i < DNS_CODES_MAX; i++) {
		if (inet_ntop(z->codes[i].family, z->codes[i].bytes, code,
		    sizeof code) == NULL)
			continue;
		esc_buf_printf(b, "%s%s", i == 0 ? ": " : ", ", code);
	}
	esc_buf_add(b, ")\n", 2);
}

static void
report_section_dns(struct esc_buf *b, const struct dns_result *r,
    const char *ip)
{
	const struct dns_ptrname	*p;
	const struct dns_helo		*h;
	char				 when[64], *tail;
	size_t				 i;

	if (r == NULL) {
		esc_buf_printf(b, "DNS check\n  Not run.\n\n");
		return;
	}
	if (r->done && r->checked_at != 0) {
		report_iso(r->checked_at, when, sizeof when);
		esc_buf_printf(b, "DNS check at %s\n", when);
	} else
		esc_buf_printf(b, "DNS check (not finished; results so far)\n");

	esc_buf_printf(b, "  PTR of %s: %s\n", ip, report_rcode(r->ptr_rcode));
	for (i = 0; i < r->nptr && i < DNS_NAMES_MAX; i++) {
		p = &r->ptr[i];
		if (p->name == NULL)
			continue;
		xasprintf(&tail, "\": A %s, AAAA %s; %s\n",
		    report_rcode(p->forward.rcode_a),
		    report_rcode(p->forward.rcode_aaaa),
		    p->confirmed ? "holds the address" :
		    "does not hold the address");
		report_quote(b, "    name \"", p->name, strlen(p->name), tail);
		free(tail);
		if (p->forward.count > 0)
			report_addrs(b, "      ", "addresses:", &p->forward);
	}
	esc_buf_printf(b, "  Forward-confirmed reverse DNS: %s\n",
	    dns_verdict_name(r->fcrdns));

	for (i = 0; i < r->nhelo && i < DNS_HELOS_MAX; i++) {
		h = &r->helo[i];
		if (h->name == NULL)
			continue;
		if (h->invalid != NULL)
			xasprintf(&tail, "\": not looked up (%.*s); "
			    "verification: %s\n", REPORT_INVALID_MAX,
			    h->invalid, dns_verdict_name(h->verified));
		else if (h->literal)
			xasprintf(&tail, "\": address literal; "
			    "verification: %s\n",
			    dns_verdict_name(h->verified));
		else
			xasprintf(&tail, "\": A/AAAA %s; verification: %s\n",
			    report_rcode(h->rcode),
			    dns_verdict_name(h->verified));
		report_quote(b, "  HELO \"", h->name, strlen(h->name), tail);
		free(tail);
		if (h->forward.count > 0)
			report_addrs(b, "    ", "addresses:", &h->forward);
	}
	for (i = 0; i < r->ndnsbl && i < DNS_DNSBL_MAX; i++)
		report_dnsbl_line(b, &r->dnsbl[i]);
	esc_buf_add(b, "\n", 1);
}

static void
report_section_evidence(struct esc_buf *b, const struct report_item *in)
{
	size_t	i;
	int	cut = 0;

	if (in->nevidence == 0) {
		esc_buf_printf(b, "Log lines\n  None could be read back.\n\n");
		return;
	}
	esc_buf_printf(b, "Log lines (%zu of the %llu that name this client)\n",
	    in->nevidence, (unsigned long long)in->client->events);
	for (i = 0; i < in->nevidence; i++) {
		if (in->evidence[i] == NULL)
			continue;
		cut |= report_quote(b, "  ", in->evidence[i],
		    strlen(in->evidence[i]), "\n");
	}
	if (cut)
		esc_buf_printf(b, "Lines that end in [cut] were longer than %d "
		    "bytes and are shortened.\n", REPORT_QUOTE_MAX);
	esc_buf_add(b, "\n", 1);
}

/* Return 64 random bits, or bits from the time and pid if that fails. */
static uint64_t
report_random(void)
{
	static uint64_t	counter;
	uint64_t	v;

	if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v &&
	    v != 0)
		return v;
	v = (uint64_t)time(NULL) << 32 ^ (uint64_t)getpid() << 16 ^ ++counter;
	return v != 0 ? v : 1;
}

/* State of one composition, for the template callback. */
struct report_state {
	const struct report_message	*m;
	char				(*ips)[INET6_ADDRSTRLEN];
	const char			*host;
	char				 date[64];
};

/*
 * Append the distinct reason names of items[from..to-1], at most
 * REPORT_SUBJECT_REASONS, then "+N more".  "none" when there is none.
 */
static void
report_reasons_text(struct esc_buf *b, const struct report_item *items,
    size_t from, size_t to)
{
	char	names[REPORT_SUBJECT_REASONS][REPORT_NAME_SIZE];
	char	name[REPORT_NAME_SIZE];
	char	(*seen)[REPORT_NAME_SIZE] = NULL;
	size_t	i, j, k, nnames = 0, nseen = 0, more = 0;

	for (i = from; i < to; i++) {
		for (k = 0; k < items[i].client->nreasons; k++) {
			report_reason_name(items[i].client->reasons[k].name,
			    name, sizeof name);
			for (j = 0; j < nseen; j++) {
				if (strcmp(seen[j], name) == 0)
					break;
			}
			if (j < nseen)
				continue;	/* as warning:a after warning:b */
			seen = xreallocarray(seen, nseen + 1, sizeof *seen);
			memcpy(seen[nseen++], name, sizeof name);
			if (nnames == REPORT_SUBJECT_REASONS)
				more++;
			else
				memcpy(names[nnames++], name, sizeof name);
		}
	}
	free(seen);
	for (i = 0; i < nnames; i++)
		esc_buf_printf(b, "%s%s", i == 0 ? "" : ", ", names[i]);
	if (more > 0)
		esc_buf_printf(b, ", +%zu more", more);
	if (nnames == 0)
		esc_buf_lit(b, "none");
}

/* Append the provider of items[from..to-1]: one name, or a summary. */
static void
report_provider_text(struct esc_buf *b, const struct report_item *items,
    size_t from, size_t to)
{
	const char	*name = NULL, *p;
	char		*shown;
	size_t		 i;

	for (i = from; i < to; i++) {
		p = items[i].provider != NULL ? items[i].provider->name : "";
		if (name == NULL)
			name = p;
		else if (strcmp(name, p) != 0) {
			esc_buf_lit(b, "several providers");
			return;
		}
	}
	if (name == NULL || *name == '\0') {
		esc_buf_lit(b, "unknown provider");
		return;
	}
	shown = esc_display(name, strlen(name));
	esc_buf_add(b, shown, strlen(shown));
	free(shown);
}

/* Append a log-derived name escaped and cut to REPORT_INLINE_MAX bytes. */
static void
report_inline(struct esc_buf *b, const char *raw)
{
	char	*escaped;
	size_t	 cut;

	if (raw == NULL) {
		esc_buf_lit(b, "none");
		return;
	}
	escaped = esc_display(raw, strlen(raw));
	cut = report_cut_len(escaped, REPORT_INLINE_MAX);
	esc_buf_add(b, escaped, cut);
	if (cut < strlen(escaped))
		esc_buf_lit(b, " [cut]");
	free(escaped);
}

static void
report_time_value(struct esc_buf *b, const struct ts *t)
{
	char	buf[TS_ISO_MAX];

	if (t->utc == 0) {
		esc_buf_lit(b, "unknown");
		return;
	}
	ts_format_iso(t, buf, sizeof buf);
	esc_buf_add(b, buf, strlen(buf));
}

/* Values of the placeholders that apply to the whole message. */
static void
report_message_value(struct esc_buf *out, const char *name,
    struct report_state *st)
{
	const struct report_message	*m = st->m;
	char				*shown;
	size_t				 i;

	if (strcmp(name, "clients") == 0) {
		if (m->nitems == 1)
			esc_buf_printf(out, "the SMTP client %s", st->ips[0]);
		else
			esc_buf_printf(out, "%zu SMTP clients", m->nitems);
	} else if (strcmp(name, "count") == 0)
		esc_buf_printf(out, "%zu", m->nitems);
	else if (strcmp(name, "ips") == 0) {
		for (i = 0; i < m->nitems && i < REPORT_SUBJECT_IPS; i++)
			esc_buf_printf(out, "%s%s", i == 0 ? "" : ", ",
			    st->ips[i]);
		if (m->nitems > REPORT_SUBJECT_IPS)
			esc_buf_printf(out, ", +%zu more",
			    m->nitems - REPORT_SUBJECT_IPS);
	} else if (strcmp(name, "reasons") == 0)
		report_reasons_text(out, m->items, 0, m->nitems);
	else if (strcmp(name, "provider") == 0)
		report_provider_text(out, m->items, 0, m->nitems);
	else if (strcmp(name, "from") == 0) {
		shown = esc_display(m->from != NULL ? m->from : "",
		    m->from != NULL ? strlen(m->from) : 0);
		esc_buf_add(out, shown, strlen(shown));
		free(shown);
	} else if (strcmp(name, "hostname") == 0)
		esc_buf_add(out, st->host, strlen(st->host));
	else if (strcmp(name, "date") == 0)
		esc_buf_add(out, st->date, strlen(st->date));
}

/* The template callback: the value of placeholder name for item. */
static void
report_value(struct esc_buf *out, const char *name, size_t item, void *arg)
{
	struct report_state		*st = arg;
	const struct report_item	*it;
	const struct client		*c;
	const char			*ip;

	if (item == TEMPLATE_MESSAGE) {
		report_message_value(out, name, st);
		return;
	}
	it = &st->m->items[item];
	c = it->client;
	ip = st->ips[item];
	if (strcmp(name, "heading") == 0) {
		if (st->m->nitems > 1)
			esc_buf_printf(out, "=== Client %zu of %zu: %s ===\n\n",
			    item + 1, st->m->nitems, ip);
	} else if (strcmp(name, "fix") == 0)
		report_section_fix(out, it, ip);
	else if (strcmp(name, "client") == 0)
		report_section_client(out, it, ip);
	else if (strcmp(name, "findings") == 0)
		report_section_findings(out, c);
	else if (strcmp(name, "dns") == 0)
		report_section_dns(out, it->dns, ip);
	else if (strcmp(name, "evidence") == 0)
		report_section_evidence(out, it);
	else if (strcmp(name, "ip") == 0)
		esc_buf_add(out, ip, strlen(ip));
	else if (strcmp(name, "index") == 0)
		esc_buf_printf(out, "%zu", item + 1);
	else if (strcmp(name, "provider") == 0)
		report_provider_text(out, st->m->items, item, item + 1);
	else if (strcmp(name, "reasons") == 0)
		report_reasons_text(out, st->m->items, item, item + 1);
	else if (strcmp(name, "rdns") == 0)
		report_inline(out, c->rdns);
	else if (strcmp(name, "helo") == 0)
		report_inline(out, c->nhelos > 0 ? c->helos[0].name : NULL);
	else if (strcmp(name, "first_seen") == 0)
		report_time_value(out, &c->first);
	else if (strcmp(name, "last_seen") == 0)
		report_time_value(out, &c->last);
	else if (strcmp(name, "events") == 0)
		esc_buf_printf(out, "%llu", (unsigned long long)c->events);
	else
		report_message_value(out, name, st);
}

/*
 * Format the mailbox text for a header into *out.  An invalid one is an
 * error, or with lenient set (report_compose) is copied with every byte
 * outside printable ASCII replaced.
 */
static int
report_mailbox(const char *what, const char *text, int lenient, char **out,
    char **address, char **cause)
{
	char	*display, *addr, *error;

	if (mail_mailbox_parse(text, &display, &addr, &error) == -1) {
		if (!lenient) {
			xasprintf(cause, "invalid %s \"%.80s\": %s", what, text,
			    error);
			free(error);
			return -1;
		}
		free(error);
		*out = report_header_safe(text);
		if (address != NULL)
			*address = xstrdup(*out);
		return 0;
	}
	*out = mail_mailbox_format(display, addr);
	if (address != NULL)
		*address = addr;
	else
		free(addr);
	free(display);
	return 0;
}

/* Append the X-ARF report about item as a base64 application/json part. */
static void
report_xarf_part(struct esc_buf *b, const struct report_message *m,
    size_t item, const char *ip, const char *from_address,
    const char *boundary)
{
	const struct report_item	*it = &m->items[item];
	struct xarf_input		 x;
	struct esc_buf			 log = { NULL, 0, 0 };
	struct esc_buf			 dns = { NULL, 0, 0 };
	struct esc_buf			 json = { NULL, 0, 0 };
	char				*display = NULL, *addr = NULL, *error;
	char				 label[INET6_ADDRSTRLEN], *p;
	const char			*domain;
	size_t				 i;

	memset(&x, 0, sizeof x);
	if (m->from == NULL || mail_mailbox_parse(m->from, &display, &addr,
	    &error) == -1) {
		if (m->from != NULL)
			free(error);
		addr = xstrdup(from_address);
		display = NULL;
	}
	domain = strchr(addr, '@') != NULL ? strchr(addr, '@') + 1 : addr;
	x.client = it->client;
	x.org = display != NULL ? display : domain;
	x.contact = addr;
	x.domain = domain;
	x.now = m->now;
	x.seed = m->nonce != 0 ? m->nonce + item + 1 : 0;

	esc_buf_add(&log, "", 0);
	for (i = 0; i < it->nevidence; i++) {
		if (it->evidence[i] != NULL)
			report_quote(&log, "", it->evidence[i],
			    strlen(it->evidence[i]), "\n");
	}
	x.log_text = log.len > 0 ? log.data : NULL;
	if (it->dns != NULL) {
		report_section_dns(&dns, it->dns, ip);
		x.dns_text = dns.data;
	}
	xarf_json(&json, &x);

	snprintf(label, sizeof label, "%s", ip);
	for (p = label; *p != '\0'; p++) {
		if (*p == ':')
			*p = '_';
	}
	esc_buf_printf(b, "--%s\n"
	    "Content-Type: application/json; name=\"xarf-%s.json\"\n"
	    "Content-Disposition: attachment; filename=\"xarf-%s.json\"\n"
	    "Content-Transfer-Encoding: base64\n\n", boundary, label, label);
	xarf_base64(b, json.data, json.len, 76);
	esc_buf_free(&json);
	esc_buf_free(&log);
	esc_buf_free(&dns);
	free(display);
	free(addr);
}

/* Compose m; see report_compose_message.  lenient: see report_mailbox. */
static int
report_build(const struct report_message *m, int lenient, char **msg,
    char **message_id, char **cause)
{
	const struct template	*t;
	struct report_state	 st;
	struct esc_buf		 b = { NULL, 0, 0 };
	struct esc_buf		 body = { NULL, 0, 0 };
	struct esc_buf		 subject = { NULL, 0, 0 };
	struct esc_buf		 wrapped = { NULL, 0, 0 };
	struct tm		 tm;
	const char		*subject_line;
	char			 stamp[32], boundary[64];
	char			*from = NULL, *from_address = NULL;
	char			*reply_to = NULL, *to = NULL;
	uint64_t		 nonce;
	size_t			 i, cut;
	int			 tries;

	*msg = *message_id = NULL;
	memset(&st, 0, sizeof st);
	st.m = m;
	st.host = report_host(m->hostname);
	st.ips = xcalloc(m->nitems + 1, sizeof *st.ips);
	for (i = 0; i < m->nitems; i++) {
		if (inet_ntop(m->items[i].client->addr.family,
		    m->items[i].client->addr.bytes, st.ips[i],
		    sizeof st.ips[i]) == NULL)
			snprintf(st.ips[i], sizeof st.ips[i], "unknown");
	}

	if (report_mailbox("From", m->from != NULL ? m->from :
	    "root@localhost", lenient, &from, &from_address, cause) == -1 ||
	    (m->reply_to != NULL && report_mailbox("Reply-To", m->reply_to,
	    lenient, &reply_to, NULL, cause) == -1) ||
	    (m->to != NULL && report_mailbox("To", m->to, lenient, &to, NULL,
	    cause) == -1)) {
		free(from);
		free(from_address);
		free(reply_to);
		free(st.ips);
		return -1;
	}

	nonce = m->nonce != 0 ? m->nonce : report_random();
	gmtime_r(&m->now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	xasprintf(message_id, "<%s.%016llx.smtptriage@%s>", stamp,
	    (unsigned long long)nonce, st.host);
	report_date(m->now, st.date, sizeof st.date);

	t = m->template != NULL ? m->template : template_default();
	subject_line = template_subject(t);
	if (subject_line == NULL)
		subject_line = template_subject(template_default());
	template_expand_line(subject_line, report_value, &st, &subject);
	cut = report_cut_len(subject.data, REPORT_SUBJECT_MAX);
	subject.data[cut] = '\0';
	template_expand_body(t, m->nitems, report_value, &st, &body);
	mail_wrap_lines(&wrapped, body.data, REPORT_LINE_MAX);

	esc_buf_add(&b, "", 0);
	mail_header(&b, "Date", st.date);
	mail_header(&b, "From", from);
	if (reply_to != NULL)
		mail_header(&b, "Reply-To", reply_to);
	if (to != NULL)
		mail_header(&b, "To", to);
	mail_header_text(&b, "Subject", subject.data);
	mail_header(&b, "Message-ID", *message_id);
	if (m->auto_submitted)
		mail_header(&b, "Auto-Submitted", "auto-generated");
	esc_buf_lit(&b, "MIME-Version: 1.0\n");
	if (!m->xarf) {
		esc_buf_lit(&b, "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n");
		esc_buf_add(&b, wrapped.data, wrapped.len);
	} else {
		/* A boundary that the text does not contain (RFC 2046 5.1.1). */
		snprintf(boundary, sizeof boundary, "=_smtptriage_%016llx",
		    (unsigned long long)nonce);
		for (tries = 1; strstr(wrapped.data, boundary) != NULL;
		    tries++)
			snprintf(boundary, sizeof boundary,
			    "=_smtptriage_%016llx_%d",
			    (unsigned long long)nonce, tries);
		/*
		 * RFC 2045 section 6.4: a multipart entity is 7bit, 8bit or
		 * binary, and 8bit when a part is, as the text part is.
		 */
		esc_buf_printf(&b, "Content-Type: multipart/mixed; "
		    "boundary=\"%s\"\n"
		    "Content-Transfer-Encoding: 8bit\n\n"
		    "This is a MIME message: the report as text, and an X-ARF "
		    "v4\nreport in JSON for each client.\n\n"
		    "--%s\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n", boundary, boundary);
		esc_buf_add(&b, wrapped.data, wrapped.len);
		for (i = 0; i < m->nitems; i++)
			report_xarf_part(&b, m, i, st.ips[i], from_address,
			    boundary);
		esc_buf_printf(&b, "--%s--\n", boundary);
	}

	*msg = b.data;
	esc_buf_free(&body);
	esc_buf_free(&subject);
	esc_buf_free(&wrapped);
	free(from);
	free(from_address);
	free(reply_to);
	free(to);
	free(st.ips);
	return 0;
}

int
report_compose_message(const struct report_message *m, char **msg,
    char **message_id, char **cause)
{
	if (m->nitems == 0) {
		xasprintf(cause, "a report needs at least one client");
		return -1;
	}
	return report_build(m, 0, msg, message_id, cause);
}

char *
report_compose(const struct report_input *in, char **message_id)
{
	struct report_message	m;
	struct report_item	item;
	char			*msg, *cause = NULL;

	memset(&item, 0, sizeof item);
	item.client = in->client;
	item.dns = in->dns;
	item.evidence = in->evidence;
	item.nevidence = in->nevidence;
	memset(&m, 0, sizeof m);
	m.items = &item;
	m.nitems = 1;
	m.from = in->from;
	m.to = in->to;
	m.hostname = in->hostname;
	m.now = in->now;
	m.nonce = in->nonce;
	/* Lenient: an invalid mailbox is cleaned instead of failing the build. */
	report_build(&m, 1, &msg, message_id, &cause);
	free(cause);
	return msg;
}

/* A new outbox file name in dir from the time, label and a nonce. */
static char *
report_outbox_name(const char *dir, const char *label)
{
	struct tm	 tm;
	time_t		 now;
	char		 stamp[32], *path;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	xasprintf(&path, "%s/%s-%s%s%016llx.eml", dir, stamp,
	    label != NULL ? label : "", label != NULL ? "-" : "",
	    (unsigned long long)report_random());
	return path;
}

/* Write msg as a new file in dir named by report_outbox_name. */
static int
report_outbox(const char *dir, const char *label, const char *msg,
    char **path, char **cause)
{
	char		*error = NULL;
	int		 i;

	*path = NULL;
	if (config_make_dir(dir, cause) == -1)
		return -1;
	for (i = 0; i < REPORT_OUTBOX_TRIES; i++) {
		free(*path);
		free(error);
		error = NULL;
		*path = report_outbox_name(dir, label);
		if (config_write_atomic(*path, msg, strlen(msg), 0600, 0,
		    &error) == 0)
			return 0;
		/* Another report took the name: try a new nonce. */
		if (access(*path, F_OK) != 0)
			break;
	}
	*cause = error;
	free(*path);
	*path = NULL;
	return -1;
}

/*
 * Keep msg in the outbox as report_outbox does, and record r about ips and
 * rcpts with the file's path, so that after a kill and the next start
 * either the file and its rows exist or neither does.  The steps, each
 * committed alone: the link intent, the rows, the file (written unnamed
 * and linked when whole), the end of the intent; see outbox_intent.h.
 * Sets r->path to *path.
 */
static int
report_outbox_recorded(const char *dir, const char *label, const char *msg,
    struct store *store, struct store_report *r, const char *const *ips,
    size_t nips, const char *const *rcpts, size_t nrcpts, char **path,
    char **cause)
{
	char	*error = NULL, *ignored = NULL;
	int	 i, lockfd, name_taken, rc = -1;

	*path = NULL;
	if (config_make_dir(dir, cause) == -1)
		return -1;
	if ((lockfd = outbox_intent_lock(dir, cause)) == -1)
		return -1;
	for (i = 0; i < REPORT_OUTBOX_TRIES; i++) {
		free(*path);
		free(error);
		error = NULL;
		*path = report_outbox_name(dir, label);
		r->path = *path;
		if (outbox_intent_begin(store, OUTBOX_INTENT_LINK, *path,
		    r->message_id, &error) == -1)
			break;
		if (store_add_report_rcpts(store, r, ips, nips, rcpts, nrcpts,
		    &error) == -1) {
			if (outbox_intent_end(store, *path, &ignored) == -1)
				free(ignored);
			break;
		}
		if (config_write_atomic(*path, msg, strlen(msg), 0600, 0,
		    &error) == 0) {
			/* A failed end leaves an intent that a start drops. */
			if (outbox_intent_end(store, *path, &ignored) == -1)
				free(ignored);
			rc = 0;
			break;
		}
		/* Another report took the name: try a new nonce. */
		name_taken = access(*path, F_OK) == 0;
		if (outbox_intent_undo(store, *path, r->message_id,
		    &ignored) == -1)
			free(ignored);
		if (!name_taken)
			break;
	}
	outbox_intent_unlock(lockfd);
	if (rc == -1) {
		*cause = error;
		free(*path);
		*path = NULL;
		r->path = NULL;
	}
	return rc;
}

int
report_write_outbox(const char *dir, const char *msg, char **path,
    char **cause)
{
	return report_outbox(dir, NULL, msg, path, cause);
}

static int64_t
report_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * In the child: put the message pipe on stdin and the output pipe on
 * stdout and stderr, keep errfd (close-on-exec) for reporting a failed
 * execve, close everything else, and run argv[0].  Only system calls here,
 * since the parent's allocator state is undefined after fork.
 */
static void
report_child(char *const *argv, int in, int out, int errfd)
{
	static const int	 reset[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM,
				    SIGHUP, SIGCHLD, SIGWINCH };
	sigset_t		 none;
	size_t			 i;
	int			 e;

	/* Move the pipes above 10 so that no dup2 below overwrites one. */
	if ((in = fcntl(in, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (out = fcntl(out, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (e = fcntl(errfd, F_DUPFD_CLOEXEC, 10)) == -1)
		goto fail;
	errfd = e;
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1 || dup3(errfd, 3, O_CLOEXEC) == -1)
		goto fail;
	errfd = 3;
	closefrom(4);

	/* Ignored signals and the blocked mask survive execve: reset them. */
	for (i = 0; i < sizeof reset / sizeof reset[0]; i++)
		signal(reset[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	execve(argv[0], argv, environ);
fail:
	e = errno;
	while (write(errfd, &e, sizeof e) == -1 && errno == EINTR)
		;
	_exit(127);
}

/* Keep up to REPORT_OUTPUT_MAX bytes of the command's output. */
static int
report_read_output(int fd, struct esc_buf *output)
{
	char	buf[512];
	ssize_t	n;
	size_t	keep;

	n = read(fd, buf, sizeof buf);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	keep = output->len < REPORT_OUTPUT_MAX ?
	    REPORT_OUTPUT_MAX - output->len : 0;
	if (keep > (size_t)n)
		keep = (size_t)n;
	if (keep > 0)
		esc_buf_add(output, buf, keep);
	return 0;
}

/*
 * Write msg to the command's stdin and collect its output at the same
 * time, so that a command that writes much before it reads cannot block
 * us.  Stops at the deadline, and closes both pipes.
 */
static void
report_feed(int wfd, int rfd, const char *msg, struct esc_buf *output,
    int64_t deadline)
{
	struct pollfd	pfd[2];
	size_t		off = 0, len = strlen(msg);
	ssize_t		n;
	int64_t		left;
	nfds_t		nfds;
	int		wi, ri;

	if (len == 0) {
		close(wfd);
		wfd = -1;
	}
	while (wfd != -1 || rfd != -1) {
		if ((left = deadline - report_now_ms()) <= 0)
			break;
		nfds = 0;
		wi = ri = -1;
		if (wfd != -1) {
			pfd[nfds].fd = wfd;
			pfd[nfds].events = POLLOUT;
			wi = (int)nfds++;
		}
		if (rfd != -1) {
			pfd[nfds].fd = rfd;
			pfd[nfds].events = POLLIN;
			ri = (int)nfds++;
		}
		if (poll(pfd, nfds, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (wi != -1 && pfd[wi].revents != 0) {
			n = write(wfd, msg + off, len - off);
			if (n > 0)
				off += (size_t)n;
			/*
			 * EPIPE: the command exited or closed stdin early,
			 * and its exit status decides whether that failed.
			 */
			if (off == len || (n == -1 && errno != EINTR &&
			    errno != EAGAIN)) {
				close(wfd);
				wfd = -1;
			}
		}
		if (ri != -1 && pfd[ri].revents != 0 &&
		    report_read_output(rfd, output) == -1) {
			close(rfd);
			rfd = -1;
		}
	}
	if (wfd != -1)
		close(wfd);
	if (rfd != -1)
		close(rfd);
}

/* Wait for pid until deadline, then kill it.  Returns its wait status. */
static int
report_wait(pid_t pid, int64_t deadline, int *timed_out)
{
	pid_t	r;
	int	status;

	*timed_out = 0;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r == -1 && errno != EINTR)
			return -1;
		if (report_now_ms() >= deadline) {
			*timed_out = 1;
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			return status;
		}
		poll(NULL, 0, 10);
	}
}

/*
 * Run argv with msg on its stdin and its output collected.  On -1,
 * *exit_status is 127 when the command could not be started and 128 plus
 * the signal number when it was killed, as a shell reports them.
 */
static int
report_run(char *const *argv, const char *msg, int *exit_status,
    struct esc_buf *output, char **cause)
{
	struct sigaction	 ign, old;
	int			 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int			 errp[2] = { -1, -1 };
	int			 err, status, timed_out;
	int64_t			 deadline;
	ssize_t			 n;
	pid_t			 pid;

	*exit_status = 127;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0') {
		xasprintf(cause, "empty sendmail command");
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(errp, O_CLOEXEC) == -1) {
		xasprintf(cause, "cannot create a pipe: %s", strerror(errno));
		goto fail;
	}
	deadline = report_now_ms() + REPORT_SENDMAIL_TIMEOUT_MS;
	if ((pid = fork()) == -1) {
		xasprintf(cause, "cannot start %s: %s", argv[0],
		    strerror(errno));
		goto fail;
	}
	if (pid == 0)
		report_child(argv, in[0], out[1], errp[1]);
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	in[0] = out[1] = errp[1] = -1;

	/* The pipe closes at execve; an errno on it means execve failed. */
	while ((n = read(errp[0], &err, sizeof err)) == -1 && errno == EINTR)
		;
	close(errp[0]);
	errp[0] = -1;
	if (n == (ssize_t)sizeof err) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		xasprintf(cause, "could not execute %s: %s", argv[0],
		    strerror(err));
		goto fail;
	}

	/* A write to a closed pipe must give EPIPE, not kill us. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
	report_feed(in[1], out[0], msg, output, deadline);
	in[1] = out[0] = -1;
	sigaction(SIGPIPE, &old, NULL);

	status = report_wait(pid, deadline, &timed_out);
	if (timed_out) {
		*exit_status = 128 + SIGKILL;
		xasprintf(cause, "%s did not finish within %d seconds and was "
		    "killed", argv[0], REPORT_SENDMAIL_TIMEOUT_MS / 1000);
		return -1;
	}
	if (status == -1) {
		xasprintf(cause, "cannot wait for %s: %s", argv[0],
		    strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		*exit_status = 128 + WTERMSIG(status);
		xasprintf(cause, "%s was killed by signal %d (%s)", argv[0],
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	*exit_status = WEXITSTATUS(status);
	return 0;

fail:
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	if (errp[0] != -1)
		close(errp[0]);
	if (errp[1] != -1)
		close(errp[1]);
	return -1;
}

int
report_sendmail(char *const *argv, const char *msg, int *exit_status,
    char **cause)
{
	struct esc_buf	output = { NULL, 0, 0 };
	int		rc;

	rc = report_run(argv, msg, exit_status, &output, cause);
	esc_buf_free(&output);
	return rc;
}

const char *
report_recipient(const struct config *cfg)
{
	return cfg->report_to;
}

/* Pipe msg to cfg->sendmail; sets out and returns 1 if it was sent. */
static int
report_send(const struct config *cfg, const char *msg,
    struct report_outcome *out)
{
	struct esc_buf	  output = { NULL, 0, 0 };
	char		**argv, *error = NULL, *escaped;
	int		  status = 127;

	if ((argv = report_sendmail_argv(cfg->sendmail, &error)) == NULL) {
		xasprintf(&out->detail, "sendmail command: %s", error);
		free(error);
		out->exit_status = status;
		return 0;
	}
	if (report_run(argv, msg, &status, &output, &error) == -1) {
		out->detail = error;
		out->exit_status = status;
	} else if (status != 0) {
		out->exit_status = status;
		/* Drop the final line end so the detail reads as one line. */
		while (output.len > 0 && (output.data[output.len - 1] == '\n' ||
		    output.data[output.len - 1] == '\r'))
			output.len--;
		if (output.len > 0) {
			escaped = esc_display(output.data, output.len);
			xasprintf(&out->detail, "%s exited with status %d: %s",
			    argv[0], status, escaped);
			free(escaped);
		} else
			xasprintf(&out->detail, "%s exited with status %d",
			    argv[0], status);
	} else
		out->sent = 1;
	config_free_argv(argv);
	esc_buf_free(&output);
	return out->sent;
}

char **
report_sendmail_argv(const char *cmd, char **cause)
{
	char	**argv;

	if ((argv = config_split_argv(cmd, cause)) == NULL)
		return NULL;
	if (argv[1] == NULL) {
		argv = xreallocarray(argv, 4, sizeof *argv);
		argv[1] = xstrdup("-oi");
		argv[2] = xstrdup("-t");
		argv[3] = NULL;
	}
	return argv;
}

/*
 * The outbox file label for a report about ips: the first address, with
 * ":" as "_", and "-and-N-more" for the others.  Returns -1 if an entry
 * is not an address, since the label goes into a file name.
 */
static int
report_label(const char *const *ips, size_t nips, char *label, size_t size,
    char **cause)
{
	unsigned char	 bytes[16];
	char		*p;
	size_t		 i;

	for (i = 0; i < nips; i++) {
		if (inet_pton(AF_INET, ips[i], bytes) != 1 &&
		    inet_pton(AF_INET6, ips[i], bytes) != 1) {
			xasprintf(cause, "invalid IP address \"%.64s\"", ips[i]);
			return -1;
		}
	}
	if (nips == 0) {
		xasprintf(cause, "a report needs at least one client");
		return -1;
	}
	if (nips == 1)
		snprintf(label, size, "%s", ips[0]);
	else
		snprintf(label, size, "%s-and-%zu-more", ips[0], nips - 1);
	for (p = label; *p != '\0'; p++) {
		if (*p == ':')
			*p = '_';
	}
	return 0;
}

int
report_deliver_ips(const struct config *cfg, struct store *store,
    const char *const *ips, size_t nips, const char *to, const char *msg,
    const char *message_id, struct report_outcome *out, char **cause)
{
	memset(out, 0, sizeof *out);
	return report_deliver_to(cfg, store, ips, nips, to, &to, 1, msg,
	    message_id, out, cause);
}

int
report_deliver_to(const struct config *cfg, struct store *store,
    const char *const *ips, size_t nips, const char *to,
    const char *const *rcpts, size_t nrcpts, const char *msg,
    const char *message_id, struct report_outcome *out, char **cause)
{
	struct store_report	 r;
	char			 label[INET6_ADDRSTRLEN + 32], *error;
	int			 rc;

	memset(&r, 0, sizeof r);
	r.recipient = to;
	r.message_id = message_id;
	r.time = time(NULL);
	if (report_label(ips, nips, label, sizeof label, cause) == -1)
		return -1;

	if (cfg->dry_run)
		out->dry_run = 1;
	else if (cfg->sendmail != NULL && to != NULL) {
		r.method = "sendmail";
		if (report_send(cfg, msg, out))
			goto record;
	} else
		r.method = "outbox";
	/* A dry run keeps the file out of the history. */
	if (out->dry_run || store == NULL)
		rc = report_outbox(cfg->outbox, label, msg, &out->path, &error);
	else {
		r.exit_status = out->exit_status;
		rc = report_outbox_recorded(cfg->outbox, label, msg, store, &r,
		    ips, nips, rcpts, nrcpts, &out->path, &error);
	}
	if (rc == -1) {
		if (out->detail != NULL)
			xasprintf(cause, "sending failed (%s), and the message "
			    "could not be kept: %s", out->detail, error);
		else
			*cause = xstrdup(error);
		free(error);
		return -1;
	}
	return 0;

record:
	r.path = out->path;
	r.exit_status = out->exit_status;
	if (store != NULL && store_add_report_rcpts(store, &r, ips, nips,
	    rcpts, nrcpts, &error) == -1) {
		xasprintf(cause, "the report was sent, but recording it "
		    "failed: %s", error);
		free(error);
		return -1;
	}
	return 0;
}

int
report_deliver(const struct config *cfg, struct store *store, const char *ip,
    const char *to, const char *msg, const char *message_id,
    struct report_outcome *out, char **cause)
{
	return report_deliver_ips(cfg, store, &ip, 1, to, msg, message_id, out,
	    cause);
}

/* Rows of one failed report, collected by report_retry. */
struct report_failed {
	const char	 *message_id;
	char		**ips;
	size_t		  nips;
	char		 *recipient;
	char		 *path;
	/* Every recipient of its rows: To, and Cc and Bcc after an edit. */
	char		**rcpts;
	size_t		  nrcpts;
	int64_t		  written;	/* time of its first row */
	int		  sent;		/* it has a row with exit status 0 */
	int		  rows;		/* rows with its Message-ID */
};

/* Collect the distinct recipients of the rows of one Message-ID. */
static void
report_failed_rcpt(const struct store_report *r, void *arg)
{
	struct report_failed	*f = arg;
	size_t			 i;

	if (strcmp(r->message_id, f->message_id) != 0)
		return;
	if (f->rows++ == 0 || r->time < f->written)
		f->written = r->time;
	if (r->exit_status == 0)
		f->sent = 1;
	if (r->recipient == NULL)
		return;
	for (i = 0; i < f->nrcpts; i++) {
		if (strcasecmp(f->rcpts[i], r->recipient) == 0)
			return;
	}
	f->rcpts = xreallocarray(f->rcpts, f->nrcpts + 1, sizeof *f->rcpts);
	f->rcpts[f->nrcpts++] = xstrdup(r->recipient);
}

static void
report_failed_row(const struct store_report *r, void *arg)
{
	struct report_failed	*f = arg;

	if (strcmp(r->message_id, f->message_id) != 0 || r->path == NULL)
		return;
	f->ips = xreallocarray(f->ips, f->nips + 1, sizeof *f->ips);
	f->ips[f->nips++] = xstrdup(r->ip);
	if (f->path == NULL) {
		f->path = xstrdup(r->path);
		f->recipient = r->recipient != NULL ? xstrdup(r->recipient) :
		    NULL;
	}
}

/*
 * Check whether message_id has failed rows not sent since.  Returns 1 if
 * so, 0 if not, or -1 with *cause.
 */
static int
report_failed_seen(struct store *store, const char *message_id,
    char **cause)
{
	struct report_failed	f;
	size_t			i;

	memset(&f, 0, sizeof f);
	f.message_id = message_id;
	if (store_each_failed(store, report_failed_row, &f, cause) == -1)
		return -1;
	for (i = 0; i < f.nips; i++)
		free(f.ips[i]);
	free(f.ips);
	free(f.recipient);
	free(f.path);
	return f.nips > 0;
}

/*
 * Record the intent to remove the outbox file path of the sent report
 * message_id, under the outbox folder's lock (*lockfd), so that a start
 * removes the file if a kill comes before the unlink.  A failure only
 * risks a file that stays, so it is not reported.
 */
static void
report_retry_intent(struct store *store, const char *path,
    const char *message_id, int *lockfd)
{
	const char	*slash;
	char		*dir, *error = NULL;

	if ((slash = strrchr(path, '/')) == NULL)
		dir = xstrdup(".");
	else
		dir = xstrndup(path, slash == path ? 1 :
		    (size_t)(slash - path));
	*lockfd = outbox_intent_lock(dir, &error);
	free(dir);
	if (*lockfd == -1 || outbox_intent_begin(store, OUTBOX_INTENT_REMOVE,
	    path, message_id, &error) == -1)
		free(error);
}

/*
 * Classify a report message_id that has no failed row waiting.  Sets
 * out->skipped to REPORT_SKIP_SENT or REPORT_SKIP_SUPERSEDED when another
 * process sent or dropped it and returns 0, or returns -1 with *cause
 * when no report has that Message-ID.
 */
static int
report_retry_gone(struct store *store, const char *message_id,
    struct report_outcome *out, char **cause)
{
	struct report_failed	f;
	size_t			i;

	memset(&f, 0, sizeof f);
	f.message_id = message_id;
	if (store_each_report_row(store, NULL, report_failed_rcpt, &f,
	    cause) == -1)
		return -1;
	for (i = 0; i < f.nrcpts; i++)
		free(f.rcpts[i]);
	free(f.rcpts);
	if (f.sent) {
		out->skipped = REPORT_SKIP_SENT;
		xasprintf(&out->skip_reason, "report %.200s was sent by "
		    "another smtptriage meanwhile", message_id);
		return 0;
	}
	if (f.rows > 0) {
		out->skipped = REPORT_SKIP_SUPERSEDED;
		xasprintf(&out->skip_reason, "report %.200s was dropped by "
		    "another smtptriage meanwhile", message_id);
		return 0;
	}
	xasprintf(cause, "no failed report has Message-ID %.200s",
	    message_id);
	return -1;
}

/*
 * Drop the failed report f under the send lock, because one of its IPs
 * was reported to one of its recipients since it was written: its rows
 * lose their path and its file goes, under a remove intent.
 */
static int
report_retry_drop(struct store *store, const struct report_failed *f,
    int *lockfd, char **cause)
{
	char	*error;

	report_retry_intent(store, f->path, f->message_id, lockfd);
	if (store_drop_failed(store, f->message_id, cause) == -1)
		return -1;
	unlink(f->path);
	if (outbox_intent_end(store, f->path, &error) == -1)
		free(error);
	return 0;
}

/*
 * Check the failed report f against the dedupe window of each of its
 * recipients, counting only reports sent since f was written.
 */
static int
report_retry_superseded(const struct config *cfg, struct store *store,
    const struct report_failed *f, struct report_outcome *out, char **cause)
{
	const char *const	*rcpts = (const char *const *)f->rcpts;
	size_t			 nrcpts = f->nrcpts, k;

	if (nrcpts == 0) {
		rcpts = (const char *const *)&f->recipient;
		nrcpts = 1;
	}
	for (k = 0; k < nrcpts && out->skipped == REPORT_SKIP_NONE; k++) {
		if (rcpts[k] != NULL && report_guard_window(cfg, store,
		    (const char *const *)f->ips, f->nips, rcpts[k],
		    f->written - 1, REPORT_SKIP_SUPERSEDED, out, cause) == -1)
			return -1;
	}
	return 0;
}

int
report_retry(const struct config *cfg, struct store *store,
    const char *message_id, struct report_outcome *out, char **cause)
{
	struct report_guard	g;

	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = REPORT_LOCK_WAIT_MS;
	return report_retry_checked(cfg, store, message_id, &g, out, cause);
}

int
report_retry_checked(const struct config *cfg, struct store *store,
    const char *message_id, const struct report_guard *g,
    struct report_outcome *out, char **cause)
{
	struct report_failed	 f;
	struct store_report	 r;
	struct sendlock		 lock;
	char			*msg = NULL, *error, *path;
	size_t			 len, i;
	int			 rc = -1, seen, lockfd = -1;

	memset(out, 0, sizeof *out);
	memset(&f, 0, sizeof f);
	f.message_id = message_id;
	lock.fd = -1;
	if (cfg->dry_run) {
		xasprintf(cause, "dry run is on, so nothing is sent");
		return -1;
	}
	if (cfg->sendmail == NULL) {
		xasprintf(cause, "no sendmail command is set");
		return -1;
	}
	/*
	 * Check before the lock too, so a Message-ID without failed rows
	 * (unknown, sent or dropped) returns without waiting for the lock.
	 */
	if ((seen = report_failed_seen(store, message_id, cause)) == -1)
		return -1;
	if (seen == 0)
		return report_retry_gone(store, message_id, out, cause);
	path = sendlock_path(store_path(store));
	if (report_lock(path, g, &lock, out, cause) != 0) {
		free(path);
		return out->skipped == REPORT_SKIP_BUSY ? 0 : -1;
	}
	free(path);

	/* Read again under the lock: another retry may have sent it. */
	if (store_each_failed(store, report_failed_row, &f, cause) == -1)
		goto out;
	if (f.nips == 0) {
		rc = report_retry_gone(store, message_id, out, cause);
		goto out;
	}
	if (store_each_report_row(store, NULL, report_failed_rcpt, &f,
	    cause) == -1)
		goto out;
	if (report_retry_superseded(cfg, store, &f, out, cause) == -1)
		goto out;
	if (out->skipped != REPORT_SKIP_NONE) {
		rc = report_retry_drop(store, &f, &lockfd, cause);
		goto out;
	}
	if (config_read_file(f.path, REPORT_RETRY_MAX, 1, &msg, &len,
	    cause) == -1)
		goto out;
	if (msg == NULL) {
		xasprintf(cause, "the report file %s is gone", f.path);
		goto out;
	}

	report_send(cfg, msg, out);
	if (out->sent)
		report_retry_intent(store, f.path, message_id, &lockfd);
	memset(&r, 0, sizeof r);
	r.recipient = f.recipient;
	r.message_id = message_id;
	r.method = "sendmail";
	r.exit_status = out->exit_status;
	r.time = time(NULL);
	r.path = out->sent ? NULL : f.path;
	if (store_add_report_rcpts(store, &r, (const char *const *)f.ips,
	    f.nips, f.nrcpts > 0 ? (const char *const *)f.rcpts : &r.recipient,
	    f.nrcpts > 0 ? f.nrcpts : 1, &error) == -1) {
		xasprintf(cause, "the report was %s, but recording it failed: "
		    "%s", out->sent ? "sent" : "not sent", error);
		free(error);
		goto out;
	}
	if (out->sent) {
		unlink(f.path);
		if (outbox_intent_end(store, f.path, &error) == -1)
			free(error);
	} else
		out->path = xstrdup(f.path);
	rc = 0;

out:
	outbox_intent_unlock(lockfd);
	sendlock_release(&lock);
	for (i = 0; i < f.nips; i++)
		free(f.ips[i]);
	free(f.ips);
	for (i = 0; i < f.nrcpts; i++)
		free(f.rcpts[i]);
	free(f.rcpts);
	free(f.recipient);
	free(f.path);
	free(msg);
	return rc;
}

void
report_outcome_free(struct report_outcome *out)
{
	free(out->path);
	free(out->detail);
	free(out->skip_reason);
	out->path = out->detail = out->skip_reason = NULL;
}
