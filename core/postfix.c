/*
 * Postfix smtpd, postscreen, tlsproxy and dnsblog messages: the SMTP client
 * a line names, its HELO from "helo=<...>", the name Postfix verified
 * (anything but "unknown" in "name[ip]"), and the reason.
 *
 * One anchored PCRE2 pattern recognises the message's family after an
 * optional queue id, and its match ends where the client field starts.  A
 * second pattern reads the client field "name[ip]:port".  docs/formats.md
 * lists the families with their reasons.
 *
 * Limits and choices:
 * - Names and HELOs are cut to EVENT_NAME_MAX bytes, reason texts to
 *   REASON_ARG_MAX bytes, on a UTF-8 character boundary.
 * - The HELO is the text after the last " helo=<" up to the last '>' of
 *   the line.  Postfix writes helo=<> last, so a sender or recipient that
 *   holds " helo=<" cannot move it; a HELO that holds it can only make the
 *   parser keep a shorter part of itself.
 * - The reason texts of a rejection are looked for before the first
 *   "; from=<", "; to=<", "; proto=" or "; helo=<", so an envelope address
 *   cannot add one.
 */
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "postfix.h"
#include "postfix_fast_line.h"
#include "reason.h"
#include "regexp.h"
#include "xmalloc.h"

/* Texts of Postfix's restrictions (its smtpd_check.c). */
#define PF_NO_REVERSE		"cannot find your reverse hostname"
#define PF_NO_HOSTNAME		"cannot find your hostname"
#define PF_HELO_NOT_FOUND	"Helo command rejected: Host not found"
#define PF_HELO_NON_FQDN	"need fully-qualified hostname"
#define PF_HELO_INVALID		"Helo command rejected: Invalid name"
#define PF_HELO_INVALID_IP	"Helo command rejected: invalid ip address"
#define PF_DNSBL		" blocked using "

/* Position of a family's client field. */
enum pf_locate {
	PF_CLIENT,		/* "name[ip]:port" right after the match */
	PF_IP_COLON,		/* a bare address up to ": " or the end */
	PF_IP_SPACE,		/* a bare address up to a space or the end */
};

/* Source of a family's reason. */
enum pf_why {
	PF_NONE,		/* the line only shows the client */
	PF_FIXED,		/* the family's reason */
	PF_REJECT,		/* a rejection: classify the reply, take HELO */
	PF_ACTION,		/* another access action: take HELO only */
	PF_WARNING,		/* "warning: name[ip]: ...": SASL, headers */
	PF_RESOLVE,		/* "hostname X does not resolve to address" */
	PF_OLD_VERIFY,		/* the Postfix 2.8 and older texts */
};

struct pf_family {
	const char	*regex;		/* PCRE2, after the queue id */
	enum pf_locate	 locate;
	enum pf_why	 why;
	const char	*reason;	/* for PF_FIXED */
};

/*
 * Message families, tried in this order.  The index of an entry is the
 * (*MARK) name its alternative sets in the combined pattern.
 */
static const struct pf_family pf_families[] = {
	{ "(?:reject|reject_warning|milter-reject): [A-Z][A-Z-]{0,31} from ",
	    PF_CLIENT, PF_REJECT, NULL },
	{ "(?:discard|hold|filter|redirect|bcc|warn|milter-hold|"
	    "milter-discard): [A-Z][A-Z-]{0,31} from ", PF_CLIENT, PF_ACTION,
	    NULL },
	{ "connect from ", PF_CLIENT, PF_NONE, NULL },
	{ "disconnect from ", PF_CLIENT, PF_NONE, NULL },
	{ "client=", PF_CLIENT, PF_NONE, NULL },
	{ "(?:lost connection|timeout) after [^ ]{1,32}"
	    "(?: \\([^)]{0,64}\\))? from ", PF_CLIENT, PF_NONE, NULL },
	{ "too many errors after [^ ]{1,32}(?: \\([^)]{0,64}\\))? from ",
	    PF_CLIENT, PF_FIXED, REASON_PROTOCOL_ERROR },
	{ "bare <LF> received after [^ ]{1,32} from ", PF_CLIENT, PF_FIXED,
	    REASON_PROTOCOL_ERROR },
	{ "improper command pipelining after [^ ]{1,32} from ", PF_CLIENT,
	    PF_FIXED, REASON_PROTOCOL_ERROR },
	{ "warning: non-SMTP command from ", PF_CLIENT, PF_FIXED,
	    REASON_PROTOCOL_ERROR },
	{ "warning: Illegal address syntax from ", PF_CLIENT, PF_FIXED,
	    REASON_PROTOCOL_ERROR },
	{ "warning: [A-Za-z ]{1,48} limit exceeded: [0-9]{1,10} from ",
	    PF_CLIENT, PF_FIXED, REASON_RATE_LIMITED },
	{ "warning: hostname [^ ]{1,255} does not resolve to address ",
	    PF_IP_COLON, PF_RESOLVE, NULL },
	{ "warning: (?:smtpd_peer_init: )?(?=[0-9A-Fa-f.:]{2,45}: "
	    "(?:hostname [^ ]{1,255} verification failed|address not listed "
	    "for hostname ))", PF_IP_COLON, PF_OLD_VERIFY, NULL },
	{ "warning: (?=[^ \\[\\]]{1,255}\\[)", PF_CLIENT, PF_WARNING, NULL },
	{ "(?:(?:Anonymous|Untrusted|Trusted|Verified) )?TLS connection "
	    "established from ", PF_CLIENT, PF_NONE, NULL },
	{ "SSL_accept error from ", PF_CLIENT, PF_NONE, NULL },
	/* postscreen, and tlsproxy's CONNECT and DISCONNECT. */
	{ "CONNECT from ", PF_CLIENT, PF_NONE, NULL },
	{ "(?:PASS NEW|PASS OLD|WHITELISTED|ALLOWLISTED|WHITELIST VETO|"
	    "ALLOWLIST VETO|DISCONNECT) ", PF_CLIENT, PF_NONE, NULL },
	{ "(?:BLACKLISTED|DENYLISTED) ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_DENYLISTED },
	{ "PREGREET [0-9]{1,10} after [0-9.]{1,16} from ", PF_CLIENT,
	    PF_FIXED, REASON_POSTSCREEN_PREGREET },
	{ "DNSBL rank [0-9]{1,10} for ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_DNSBL },
	{ "HANGUP after [0-9.]{1,16} from ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_HANGUP },
	{ "COMMAND PIPELINING from ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_PIPELINING },
	{ "NON-SMTP COMMAND from ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_NON_SMTP },
	{ "BARE NEWLINE from ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_BARE_NEWLINE },
	{ "COMMAND (?:TIME|COUNT|LENGTH) LIMIT from ", PF_CLIENT, PF_FIXED,
	    REASON_POSTSCREEN_COMMAND_LIMIT },
	/* dnsblog: "addr 192.0.2.1 listed by domain zen.example as ...". */
	{ "addr (?=[0-9A-Fa-f.:]{2,45} listed by domain )", PF_IP_SPACE,
	    PF_NONE, NULL },
};
#define PF_NFAMILIES	(sizeof pf_families / sizeof pf_families[0])

/*
 * Queue ids: NOQUEUE, short ids of upper-case hex digits, and long ids
 * (enable_long_queue_ids) of digits and consonants.
 */
#define PF_QUEUE_ID							\
	"(?:(?:NOQUEUE|[0-9A-F]{5,15}|"					\
	"[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,24}): )?"

/* The client field "name[ip]:port"; postscreen writes "[ip]:port". */
#define PF_CLIENT_PATTERN						\
	"(?<name>[^ \\[\\]]{0,255})\\[(?<ip>[^ \\[\\]]{1,64})\\]"	\
	"(?::[0-9A-Za-z]{1,16})?(?=[:,; ]|$)"

struct postfix_parser {
	struct regexp_env	env;
	struct regexp		family;
	struct regexp		client;
	uint32_t		group_name;
	uint32_t		group_ip;
	int			fast;	/* hand-written paths first */
};

/*
 * Check whether a tag of len bytes is service, as the last component of a
 * path or, with bare set, alone.  No service has a '/', so a match after
 * a '/' is the last component.
 */
static inline int
pf_service_is(const char *tag, size_t len, const char *service, size_t n,
    int bare)
{
	if (len > n && tag[len - n - 1] == '/')
		return memcmp(tag + len - n, service, n) == 0;
	return bare && len == n && memcmp(tag, service, n) == 0;
}

enum postfix_service
postfix_service(const char *tag, size_t len, int bare)
{
	int	clients;

	/* The last byte selects the only service the tag can end with. */
	switch (len > 0 ? tag[len - 1] : '\0') {
	case 'd':
		clients = pf_service_is(tag, len, "smtpd", 5, bare);
		break;
	case 'n':
		clients = pf_service_is(tag, len, "postscreen", 10, bare);
		break;
	case 'y':
		clients = pf_service_is(tag, len, "tlsproxy", 8, bare);
		break;
	case 'g':
		clients = pf_service_is(tag, len, "dnsblog", 7, bare);
		break;
	default:
		clients = 0;
		break;
	}
	if (clients)
		return POSTFIX_CLIENTS;
	if (len >= 7 && memcmp(tag, "postfix", 7) == 0)
		return POSTFIX_OTHER;
	return POSTFIX_NOT;
}

/* Join the family regexes into one alternation that marks its branch. */
static char *
pf_family_regex(void)
{
	char	*regex, *next;
	size_t	 i;

	regex = xstrdup(PF_QUEUE_ID "(?:");
	for (i = 0; i < PF_NFAMILIES; i++) {
		xasprintf(&next, "%s%s(?:%s)(*:%zu)", regex, i == 0 ? "" : "|",
		    pf_families[i].regex, i);
		free(regex);
		regex = next;
	}
	xasprintf(&next, "%s)", regex);
	free(regex);
	return next;
}

struct postfix_parser *
postfix_parser_create(char **cause)
{
	struct postfix_parser	*pp;
	char			*regex, *why;
	int			 rc;

	pp = xcalloc(1, sizeof *pp);
	pp->fast = 1;
	regexp_env_init(&pp->env);
	regex = pf_family_regex();
	rc = regexp_compile(&pp->env, &pp->family, regex,
	    PCRE2_ANCHORED | PCRE2_NO_AUTO_CAPTURE | PCRE2_DOTALL, &why);
	free(regex);
	if (rc == -1) {
		xasprintf(cause, "cannot compile the Postfix line family "
		    "pattern at %s", why);
		free(why);
		goto fail;
	}
	if (regexp_compile(&pp->env, &pp->client, PF_CLIENT_PATTERN,
	    PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY, &why) == -1) {
		xasprintf(cause, "cannot compile the Postfix client pattern "
		    "at %s", why);
		free(why);
		goto fail;
	}
	pp->group_name = regexp_group_number(&pp->client, "name");
	pp->group_ip = regexp_group_number(&pp->client, "ip");
	return pp;

fail:
	postfix_parser_free(pp);
	return NULL;
}

void
postfix_parser_fast(struct postfix_parser *pp, int on)
{
	pp->fast = on;
}

void
postfix_parser_free(struct postfix_parser *pp)
{
	if (pp == NULL)
		return;
	if (pp->family.code != NULL)
		regexp_free(&pp->family);
	if (pp->client.code != NULL)
		regexp_free(&pp->client);
	regexp_env_free(&pp->env);
	free(pp);
}

/* Check cheaply, before any PCRE2 match, whether a message may name one. */
static int
pf_may_name_client(const char *m, size_t mlen)
{
	if (memchr(m, '[', mlen) != NULL)
		return 1;
	return field_starts(m, mlen, "warning: ") ||
	    field_starts(m, mlen, "addr ");
}

/* Match the client field at offset start. */
static int
pf_client_at(const struct postfix_parser *pp, const char *line, size_t len,
    size_t start, struct pf_client *c)
{
	size_t	s, e;

	if (pp->fast && pf_fast_client(line, len, start, c) == PF_FAST_FOUND)
		return 1;
	if (!regexp_match(&pp->env, &pp->client, line, len, start))
		return 0;
	memset(c, 0, sizeof *c);
	if (regexp_group(&pp->client, pp->group_name, &s, &e)) {
		c->name = s;
		c->name_len = e - s;
	}
	if (!regexp_group(&pp->client, pp->group_ip, &s, &e))
		return 0;
	c->ip = s;
	c->ip_len = e - s;
	c->end = regexp_end(&pp->client);
	return 1;
}

/* Find the client of a family whose match ends at mend. */
static int
pf_locate(const struct postfix_parser *pp, const struct pf_family *def,
    const char *line, size_t len, size_t mend, struct pf_client *c)
{
	const char	*q;

	switch (def->locate) {
	case PF_CLIENT:
		return pf_client_at(pp, line, len, mend, c);
	case PF_IP_COLON:
	case PF_IP_SPACE:
		memset(c, 0, sizeof *c);
		c->ip = mend;
		q = def->locate == PF_IP_COLON ?
		    field_find(line, mend, len, ": ") :
		    memchr(line + mend, ' ', len - mend);
		c->end = q != NULL ? (size_t)(q - line) : len;
		c->ip_len = c->end - mend;
		return c->ip_len > 0;
	}
	return 0;
}

/*
 * Check whether s[0, len) contains needle.  The replies are short, so
 * memchr on the first byte and memcmp cost less than memmem's setup.
 */
static inline int
pf_has(const char *s, size_t len, const char *needle)
{
	const char	*q, *end;
	size_t		 nlen = strlen(needle);

	if (s == NULL || len < nlen)
		return 0;
	end = s + len - nlen + 1;	/* one past the last possible start */
	for (; s < end; s = q + 1) {
		if ((q = memchr(s, needle[0], (size_t)(end - s))) == NULL)
			return 0;
		if (memcmp(q, needle, nlen) == 0)
			return 1;
	}
	return 0;
}

/*
 * Check whether s[0, len) contains PF_NO_REVERSE or PF_NO_HOSTNAME, with
 * one search for the words that both start with.
 */
static int
pf_has_no_rdns(const char *s, size_t len)
{
	static const char	prefix[] = "cannot find your ";
	static const char	reverse[] = "reverse hostname";
	static const char	hostname[] = "hostname";
	const char		*q, *p = s, *stop = s + len, *end;
	size_t			 n = sizeof prefix - 1, shortest, rest;

	shortest = n + sizeof hostname - 1;
	if (len < shortest)
		return 0;
	end = stop - shortest + 1;	/* one past the last possible start */
	for (; p < end; p = q + 1) {
		if ((q = memchr(p, prefix[0], (size_t)(end - p))) == NULL)
			return 0;
		if (memcmp(q, prefix, n) != 0)
			continue;
		rest = (size_t)(stop - q) - n;
		if (memcmp(q + n, hostname, sizeof hostname - 1) == 0 ||
		    (rest >= sizeof reverse - 1 &&
		    memcmp(q + n, reverse, sizeof reverse - 1) == 0))
			return 1;
	}
	return 0;
}

/* Check whether a resolver error text reports a temporary failure. */
static int
pf_temporary(const char *s, size_t len)
{
	return pf_has(s, len, "emporary failure") ||
	    pf_has(s, len, "try again");
}

/*
 * Set the HELO from the last " helo=<...>" at or after from.  The search
 * goes back from one '<' to the one before, which is rarer in a line
 * than the space that field_rfind would look for.
 */
static void
pf_helo(const char *line, size_t len, size_t from, struct event *ev)
{
	static const char	 key[] = " helo=";
	const size_t		 n = sizeof key - 1;
	const char		*lt, *end;
	size_t			 start, last = len;

	for (;;) {
		if (last < from + n + 1 ||
		    (lt = memrchr(line + from + n, '<', last - from - n)) == NULL)
			return;
		if (memcmp(lt - n, key, n) == 0)
			break;
		last = (size_t)(lt - line);
	}
	start = (size_t)(lt - line) + 1;
	if ((end = memrchr(line + start, '>', len - start)) == NULL)
		return;
	field_set_helo(ev, line + start, (size_t)(end - line) - start);
}

/* The length of the reply before the first key=value field of Postfix. */
static size_t
pf_reply_len(const char *s, size_t len)
{
	const char	*q, *p = s, *end = s + len;
	size_t		 rest;

	/* The first ';' that one of them follows. */
	while ((q = memchr(p, ';', (size_t)(end - p))) != NULL) {
		rest = (size_t)(end - q - 1);
		if (field_starts(q + 1, rest, " from=<") ||
		    field_starts(q + 1, rest, " to=<") ||
		    field_starts(q + 1, rest, " proto=") ||
		    field_starts(q + 1, rest, " helo=<"))
			return (size_t)(q - s);
		p = q + 1;
	}
	return len;
}

/*
 * Set the reason of a rejection from its reply s: the restriction texts
 * first, whatever the reply code, then any other permanent rejection as
 * "rejected:<text>".  A temporary one with another text (greylisting, for
 * example) gives no reason, as in the Exim parser.
 */
static void
pf_why_reject(const char *s, size_t len, struct event *ev)
{
	const char	*text;
	size_t		 text_len;
	int		 code;

	if (!field_starts(s, len, ": "))
		return;
	s += 2;
	len = pf_reply_len(s + 0, len - 2);
	if (pf_has_no_rdns(s, len))
		ev->reason = REASON_NO_RDNS;
	else if (pf_has(s, len, PF_HELO_NOT_FOUND))
		ev->reason = REASON_HELO_UNKNOWN;
	else if (pf_has(s, len, PF_HELO_NON_FQDN))
		ev->reason = REASON_HELO_NON_FQDN;
	else if (pf_has(s, len, PF_HELO_INVALID) ||
	    pf_has(s, len, PF_HELO_INVALID_IP))
		ev->reason = REASON_HELO_INVALID;
	else if (pf_has(s, len, PF_DNSBL))
		ev->reason = REASON_DNSBL;
	if (ev->reason != NULL)
		return;

	text = field_reply_text(s, len, &code, &text_len);
	if (code == 4)
		return;
	/* postscreen turning clients away because this server is busy. */
	if ((text_len == strlen("all server ports busy") &&
	    memcmp(text, "all server ports busy", text_len) == 0) ||
	    (text_len == strlen("all screening ports busy") &&
	    memcmp(text, "all screening ports busy", text_len) == 0))
		return;
	field_set_reason(ev, REASON_REJECTED, text, text_len);
}

/*
 * Check whether " authentication failed" follows the mechanism of
 * ": SASL <mechanism> authentication failed", where Postfix writes it.
 * Otherwise pf_has must search the rest.
 */
static int
pf_sasl_failed_at_mechanism(const char *s, size_t len)
{
	static const char	 failed[] = " authentication failed";
	const char		*sp;
	size_t			 word = sizeof ": SASL " - 1;

	if ((sp = memchr(s + word, ' ', len - word)) == NULL)
		return 0;
	return field_starts(sp, len - (size_t)(sp - s), failed);
}

/* Set the reason of "warning: name[ip]: <text>". */
static void
pf_why_warning(const char *s, size_t len, struct event *ev)
{
	if (field_starts(s, len, ": SASL ") &&
	    (pf_sasl_failed_at_mechanism(s, len) ||
	    pf_has(s, len, " authentication failed"))) {
		/* A failure of the SASL server, not of the client. */
		if (!pf_has(s, len, "Connection lost to authentication server"))
			ev->reason = REASON_AUTH_FAILED;
	} else if (field_starts(s, len,
	    " sent message header instead of SMTP command"))
		ev->reason = REASON_PROTOCOL_ERROR;
}

/* Set the reason of "... does not resolve to address <ip>[: <error>]". */
static void
pf_why_resolve(const char *s, size_t len, struct event *ev)
{
	if (len == 0)
		ev->reason = REASON_FCRDNS_MISMATCH;
	else if (pf_temporary(s, len))
		ev->reason = REASON_RDNS_TEMPFAIL;
	else
		ev->reason = REASON_PTR_NAME_UNRESOLVED;
}

/*
 * Set the reason of the Postfix 2.8 texts "<ip>: hostname X verification
 * failed: <error>", read like "does not resolve", and "<ip>: address not
 * listed for hostname X", read like a mismatch.
 */
static void
pf_why_old_verify(const char *s, size_t len, struct event *ev)
{
	if (field_starts(s, len, ": address not listed for hostname "))
		ev->reason = REASON_FCRDNS_MISMATCH;
	else if (pf_temporary(s, len))
		ev->reason = REASON_RDNS_TEMPFAIL;
	else
		ev->reason = REASON_PTR_NAME_UNRESOLVED;
}

static void
pf_why(const struct pf_family *def, const char *line, size_t len,
    const struct pf_client *c, struct event *ev)
{
	const char	*s = line + c->end;
	size_t		 n = len - c->end;

	switch (def->why) {
	case PF_NONE:
		break;
	case PF_FIXED:
		ev->reason = def->reason;
		break;
	case PF_REJECT:
		pf_why_reject(s, n, ev);
		pf_helo(line, len, c->end, ev);
		break;
	case PF_ACTION:
		pf_helo(line, len, c->end, ev);
		break;
	case PF_WARNING:
		pf_why_warning(s, n, ev);
		break;
	case PF_RESOLVE:
		pf_why_resolve(s, n, ev);
		break;
	case PF_OLD_VERIFY:
		pf_why_old_verify(s, n, ev);
		break;
	}
}

/*
 * Find the family and the client of the message at line + msg, with the
 * hand-written readers first.  Returns 0 when the message names none.
 */
static inline int
pf_find(const struct postfix_parser *pp, const char *line, size_t len,
    size_t msg, const struct pf_family **def, struct pf_client *c)
{
	long	mark;
	size_t	family;

	if (pp->fast) {
		switch (pf_fast_line_at(line, len, msg, &family, c)) {
		case PF_FAST_FOUND:
			*def = &pf_families[family];
			return 1;
		case PF_FAST_FAMILY:
			*def = &pf_families[family];
			return pf_locate(pp, *def, line, len, c->end, c);
		case PF_FAST_UNSURE:
			break;
		}
	}

	/*
	 * The families that the fast reader finds name a client in brackets
	 * or start with "warning: ", so the check only spares PCRE2.
	 */
	if (!pf_may_name_client(line + msg, len - msg))
		return 0;
	if (!regexp_match(&pp->env, &pp->family, line, len, msg))
		return 0;
	mark = regexp_mark(&pp->family);
	if (mark < 0 || (size_t)mark >= PF_NFAMILIES)
		return 0;
	*def = &pf_families[mark];
	return pf_locate(pp, *def, line, len, regexp_end(&pp->family), c);
}

enum parse_result
postfix_parse(struct postfix_parser *pp, const char *line, size_t len,
    const struct syslog_msg *sm, struct event *ev)
{
	const struct pf_family	*def;
	struct pf_client	 c;

	field_event_clear(ev);
	ev->time = sm->time;
	ev->has_time = sm->has_time;
	if (!pf_find(pp, line, len, sm->msg, &def, &c))
		return PARSE_SKIP;
	if (c.has_v4) {
		ev->addr.family = AF_INET;
		memcpy(ev->addr.bytes, c.v4, sizeof c.v4);
	} else if (field_addr(line + c.ip, c.ip_len, &ev->addr) == -1)
		return PARSE_SKIP;
	if (c.name_len > 0 && !(c.name_len == 7 &&
	    memcmp(line + c.name, "unknown", 7) == 0))
		field_set_rdns(ev, line + c.name, c.name_len);
	pf_why(def, line, len, &c, ev);
	return PARSE_CLIENT;
}
