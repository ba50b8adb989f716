/*
 * Abuse reports: the message text, the outbox folder and the sendmail
 * pipe.
 *
 * Only text this program controls reaches a header: the client address
 * (an inet_ntop string), reason names checked against [a-z0-9_], the
 * configured From and To with any byte outside printable ASCII replaced,
 * and the host name checked as a DNS name.  Text from logs and DNS answers
 * goes into the body through esc_display, so it cannot hold a line end or
 * a control byte, and each body line is cut to stay under the 998-octet
 * limit of RFC 5322.
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
#include "reason.h"
#include "report.h"
#include "store.h"
#include "ts.h"
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
/* Header lines are folded before this column (RFC 5322 section 2.1.1). */
#define REPORT_FOLD_COLUMN	78
/* Lists of addresses are wrapped before this column. */
#define REPORT_WRAP_COLUMN	72
/* Maximum number of reason names in the Subject; the rest are counted. */
#define REPORT_SUBJECT_REASONS	3
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
	{ REASON_NO_VERIFIED_RDNS, REPORT_ADVICE_FCRDNS },
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
 * Append "name: value", folded so that lines stay within
 * REPORT_FOLD_COLUMN where the value allows it.  Folds go only after a
 * comma or before "(", so "+2 more" stays on one line.  value must be
 * header-safe.
 */
static void
report_header(struct esc_buf *b, const char *name, const char *value)
{
	const char	*p, *q;
	size_t		 col, start, len;

	esc_buf_printf(b, "%s:", name);
	col = start = strlen(name) + 1;
	p = value + strspn(value, " ");
	while (*p != '\0') {
		for (q = p + 1; *q != '\0'; q++) {
			if (*q == ' ' && (q[-1] == ',' || q[1] == '('))
				break;
		}
		len = (size_t)(q - p);
		if (col > start && col + 1 + len > REPORT_FOLD_COLUMN) {
			esc_buf_add(b, "\n", 1);
			col = 0;
		}
		esc_buf_add(b, " ", 1);
		esc_buf_add(b, p, len);
		col += 1 + len;
		p = q + strspn(q, " ");
	}
	esc_buf_add(b, "\n", 1);
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

/* The Subject value: "Abuse report: IP (reason, reason, +N more)". */
static char *
report_subject(const struct client *c)
{
	struct esc_buf	 b = { NULL, 0, 0 };
	char		 names[REPORT_SUBJECT_REASONS][REPORT_NAME_SIZE];
	char		 name[REPORT_NAME_SIZE], earlier[REPORT_NAME_SIZE];
	char		 ip[INET6_ADDRSTRLEN];
	size_t		 i, j, nnames = 0, more = 0;

	/* The address is printed again from its bytes, not from a string. */
	if (inet_ntop(c->addr.family, c->addr.bytes, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "unknown");
	esc_buf_printf(&b, "Abuse report: %s", ip);
	for (i = 0; i < c->nreasons; i++) {
		report_reason_name(c->reasons[i].name, name, sizeof name);
		for (j = 0; j < i; j++) {
			report_reason_name(c->reasons[j].name, earlier,
			    sizeof earlier);
			if (strcmp(earlier, name) == 0)
				break;
		}
		if (j < i)
			continue;	/* as warning:a after warning:b */
		if (nnames == REPORT_SUBJECT_REASONS)
			more++;
		else
			snprintf(names[nnames++], sizeof names[0], "%s", name);
	}
	for (i = 0; i < nnames; i++)
		esc_buf_printf(&b, "%s%s", i == 0 ? " (" : ", ", names[i]);
	if (more > 0)
		esc_buf_printf(&b, ", +%zu more", more);
	if (nnames > 0)
		esc_buf_add(&b, ")", 1);
	return b.data;
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
		esc_buf_printf(b, "- The PTR lookup of %s answers %s.\n"
		    "  Fix the DNS servers of the reverse zone.\n", ip,
		    report_rcode(r->ptr_rcode));
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
			xasprintf(&tail, "\" fails (%s).\n  Fix the DNS "
			    "servers of its zone.\n", report_rcode(rc));
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
			xasprintf(&tail, "\" cannot be looked up (%s).\n"
			    "  Fix the DNS servers of its zone.\n",
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
report_section_fix(struct esc_buf *b, const struct report_input *in,
    const char *ip)
{
	size_t	n;

	esc_buf_printf(b, "What to fix\n");
	if (in->dns != NULL && in->dns->done) {
		n = report_advice_dns(b, in->dns, ip);
		if (n == 0)
			esc_buf_printf(b, "- The DNS check below found no "
			    "problem, so the problems in the\n  log may "
			    "have been fixed since.\n");
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

static void
report_section_client(struct esc_buf *b, const struct client *c,
    const char *ip)
{
	char	*count;
	size_t	 i;

	esc_buf_printf(b, "Client\n");
	esc_buf_printf(b, "  Address:      %s\n", ip);
	if (c->rdns != NULL)
		report_quote(b, "  Reverse DNS:  ", c->rdns, strlen(c->rdns),
		    " (forward-confirmed by our server)\n");
	else
		esc_buf_printf(b, "  Reverse DNS:  none forward-confirmed\n");
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

static void
report_section_findings(struct esc_buf *b, const struct client *c)
{
	const char	*key, *meaning;
	char		 name[REPORT_NAME_SIZE], *prefix;
	size_t		 i, j;

	esc_buf_printf(b, "Findings in our log\n");
	for (i = 0; i < c->nreasons; i++) {
		key = c->reasons[i].name;
		report_reason_name(key, name, sizeof name);
		xasprintf(&prefix, "  %s (%llu line%s): ", name,
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
	if (c->nreasons == 0)
		esc_buf_printf(b, "  none\n");
	esc_buf_add(b, "\n", 1);
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
	esc_buf_add(b, "\n", 1);
}

static void
report_section_evidence(struct esc_buf *b, const struct report_input *in)
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

char *
report_compose(const struct report_input *in, char **message_id)
{
	const struct client	*c = in->client;
	struct esc_buf		 b = { NULL, 0, 0 };
	struct tm		 tm;
	char			 date[64], stamp[32], ip[INET6_ADDRSTRLEN];
	char			*from, *to, *subject;
	const char		*host;

	if (inet_ntop(c->addr.family, c->addr.bytes, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "unknown");
	host = report_host(in->hostname);
	gmtime_r(&in->now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	xasprintf(message_id, "<%s.%016llx.smtptriage@%s>", stamp,
	    (unsigned long long)(in->nonce != 0 ? in->nonce :
	    report_random()), host);

	report_date(in->now, date, sizeof date);
	from = report_header_safe(in->from != NULL ? in->from :
	    "root@localhost");
	subject = report_subject(c);
	esc_buf_add(&b, "", 0);
	report_header(&b, "Date", date);
	report_header(&b, "From", from);
	if (in->to != NULL) {
		to = report_header_safe(in->to);
		report_header(&b, "To", to);
		free(to);
	}
	report_header(&b, "Subject", subject);
	report_header(&b, "Message-ID", *message_id);
	esc_buf_printf(&b, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n");
	free(from);
	free(subject);

	esc_buf_printf(&b, "This report is about the SMTP client %s.\n"
	    "It connected to our mail server and failed its checks of the\n"
	    "client's identity (HELO name and reverse DNS).  Please have the\n"
	    "sender fix the problems below.  Text from our logs and from DNS\n"
	    "answers is quoted with control characters and invalid UTF-8\n"
	    "shown as escapes such as \\x1B.\n\n", ip);
	report_section_fix(&b, in, ip);
	report_section_client(&b, c, ip);
	report_section_findings(&b, c);
	report_section_dns(&b, in->dns, ip);
	report_section_evidence(&b, in);
	esc_buf_printf(&b, "-- \nComposed by smtptriage on %s.\n", host);
	return b.data;
}

/* Write msg as a new file in dir named after the time, label and a nonce. */
static int
report_outbox(const char *dir, const char *label, const char *msg,
    char **path, char **cause)
{
	struct tm	 tm;
	time_t		 now;
	char		 stamp[32], *error = NULL;
	int		 i;

	*path = NULL;
	if (config_make_dir(dir, cause) == -1)
		return -1;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < REPORT_OUTBOX_TRIES; i++) {
		free(*path);
		free(error);
		error = NULL;
		xasprintf(path, "%s/%s-%s%s%016llx.eml", dir, stamp,
		    label != NULL ? label : "", label != NULL ? "-" : "",
		    (unsigned long long)report_random());
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

	if ((argv = config_split_argv(cfg->sendmail, &error)) == NULL) {
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

int
report_deliver(const struct config *cfg, struct store *store, const char *ip,
    const char *to, const char *msg, const char *message_id,
    struct report_outcome *out, char **cause)
{
	struct store_report	 r;
	unsigned char		 bytes[16];
	char			 label[INET6_ADDRSTRLEN], *error, *p;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	r.ip = ip;
	r.recipient = to;
	r.message_id = message_id;
	r.time = time(NULL);

	/* ip names the outbox file, so only an address may go there. */
	if (inet_pton(AF_INET, ip, bytes) != 1 &&
	    inet_pton(AF_INET6, ip, bytes) != 1) {
		xasprintf(cause, "invalid IP address \"%.64s\"", ip);
		return -1;
	}
	snprintf(label, sizeof label, "%s", ip);
	for (p = label; *p != '\0'; p++) {
		if (*p == ':')
			*p = '_';
	}

	if (cfg->sendmail != NULL && to != NULL) {
		r.method = "sendmail";
		if (report_send(cfg, msg, out))
			goto record;
	} else
		r.method = "outbox";
	if (report_outbox(cfg->outbox, label, msg, &out->path, &error) == -1) {
		if (out->detail != NULL)
			xasprintf(cause, "sending failed (%s), and the message "
			    "could not be kept: %s", out->detail, error);
		else
			*cause = xstrdup(error);
		free(error);
		return -1;
	}

record:
	r.path = out->path;
	r.exit_status = out->exit_status;
	if (store != NULL && store_add_report(store, &r, &error) == -1) {
		xasprintf(cause, "the report was %s, but recording it failed: "
		    "%s", out->sent ? "sent" : "written to the outbox", error);
		free(error);
		return -1;
	}
	return 0;
}

void
report_outcome_free(struct report_outcome *out)
{
	free(out->path);
	free(out->detail);
	out->path = out->detail = NULL;
}
