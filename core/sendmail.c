/*
 * Sendmail messages: the SMTP client a line names, the name Sendmail
 * verified, and the reason.  Sendmail writes the client after "relay=" and
 * at the start of some messages, as "name [ip]", as "name [ip] (may be
 * forged)" when the PTR name does not resolve back to the address, or as
 * "[ip]" when the address has no name.  It does not log the HELO.
 *
 * One line gives one reason, chosen in this order:
 * 1. the DNS texts of a rejection ("IP name possibly forged", "IP name
 *    lookup failed", "Fix reverse DNS for", "Cannot resolve PTR record");
 * 2. the family's own reason (auth_failed, no_mail, protocol_error,
 *    rate_limited);
 * 3. the client field: fcrdns_mismatch for "(may be forged)", no_rdns for
 *    "[ip]" without a name;
 * 4. any other permanent rejection as "rejected:<text>".
 *
 * Limits and choices:
 * - When "relay=" appears more than once, the last one with a valid client
 *   field counts: the user name of an AUTH failure comes before it and may
 *   hold a fake "relay=".  At most SM_RELAY_TRIES are tried.
 * - An ident user ("user@name [ip]") is dropped from the name.
 * - The name in "rejecting commands from name [ip]" is not taken as
 *   verified: Sendmail writes it there without the "(may be forged)" mark.
 */
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "reason.h"
#include "regexp.h"
#include "sendmail.h"
#include "xmalloc.h"

/* Maximum "relay=" places tried, from the last one back. */
#define SM_RELAY_TRIES		8

/* Texts of Sendmail's relay and DNS checks (its cf/m4/proto.m4). */
#define SM_FORGED		"IP name possibly forged"
#define SM_LOOKUP_FAILED	"IP name lookup failed"
#define SM_FIX_REVERSE		"Fix reverse DNS for"
#define SM_PTR_TEMPFAIL		"Cannot resolve PTR record"

enum sm_locate {
	SM_LAST_RELAY,		/* the last valid "relay=" of the line */
	SM_HERE,		/* right after the match */
};

enum sm_why {
	SM_NONE,		/* only the client field's reason */
	SM_FIXED,		/* the family's reason */
	SM_REJECT,		/* a check_* ruleset's ", reject=" text */
	SM_LEADING,		/* "<client> did not issue ..." and others */
};

struct sm_family {
	const char	*regex;		/* PCRE2, after the queue id */
	enum sm_locate	 locate;
	enum sm_why	 why;
	const char	*reason;	/* for SM_FIXED */
	int		 verified;	/* a name in the field is verified */
};

static const struct sm_family sm_families[] = {
	{ "ruleset=check_[A-Za-z_]{1,32}, ", SM_LAST_RELAY, SM_REJECT, NULL,
	    1 },
	{ "from=", SM_LAST_RELAY, SM_NONE, NULL, 1 },
	{ "AUTH failure \\([^)]{1,32}\\): ", SM_LAST_RELAY, SM_FIXED,
	    REASON_AUTH_FAILED, 1 },
	{ "(?:STARTTLS|AUTH)=server, (?=relay=)", SM_LAST_RELAY, SM_NONE,
	    NULL, 1 },
	{ "rejecting commands from ", SM_HERE, SM_FIXED, REASON_PROTOCOL_ERROR,
	    0 },
	{ "lost input channel from ", SM_HERE, SM_NONE, NULL, 1 },
	{ "timeout waiting for input from ", SM_HERE, SM_NONE, NULL, 1 },
	{ "(?=[^ \\[\\]]{0,255} ?\\[)", SM_HERE, SM_LEADING, NULL, 1 },
};
#define SM_NFAMILIES	(sizeof sm_families / sizeof sm_families[0])

/* Sendmail queue ids: 14 characters, more with pids over 6 digits. */
#define SM_QUEUE_ID	"(?:[0-9A-Za-z]{8,24}: )?"

/* The client field "name [ip] (may be forged)"; the name may be empty. */
#define SM_CLIENT_PATTERN						\
	"(?:(?<name>[^ \\[\\]]{0,255}) )?\\[(?<ip>[^ \\[\\]]{1,64})\\]"	\
	"(?<forged> \\(may be forged\\))?(?=[ ,:]|$)"

struct sendmail_parser {
	struct regexp_env	env;
	struct regexp		family;
	struct regexp		client;
	uint32_t		group_name;
	uint32_t		group_ip;
	uint32_t		group_forged;
};

/* A client field found in a line, as offsets into it. */
struct sm_client {
	size_t	name, name_len;
	size_t	ip, ip_len;
	int	forged;
	size_t	end;
};

int
sendmail_tag(const char *tag, size_t len)
{
	static const char	*tags[] = {
		"sendmail", "sm-mta", "sm-acceptingconnections", "sm-msp-queue"
	};
	size_t			 i;

	for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (len == strlen(tags[i]) && memcmp(tag, tags[i], len) == 0)
			return 1;
	return 0;
}

static char *
sm_family_regex(void)
{
	char	*regex, *next;
	size_t	 i;

	regex = xstrdup(SM_QUEUE_ID "(?:");
	for (i = 0; i < SM_NFAMILIES; i++) {
		xasprintf(&next, "%s%s(?:%s)(*:%zu)", regex, i == 0 ? "" : "|",
		    sm_families[i].regex, i);
		free(regex);
		regex = next;
	}
	xasprintf(&next, "%s)", regex);
	free(regex);
	return next;
}

struct sendmail_parser *
sendmail_parser_create(char **cause)
{
	struct sendmail_parser	*sp;
	char			*regex, *why;
	int			 rc;

	sp = xcalloc(1, sizeof *sp);
	regexp_env_init(&sp->env);
	regex = sm_family_regex();
	rc = regexp_compile(&sp->env, &sp->family, regex,
	    PCRE2_ANCHORED | PCRE2_NO_AUTO_CAPTURE | PCRE2_DOTALL, &why);
	free(regex);
	if (rc == -1) {
		xasprintf(cause, "cannot compile the Sendmail line family "
		    "pattern at %s", why);
		free(why);
		goto fail;
	}
	if (regexp_compile(&sp->env, &sp->client, SM_CLIENT_PATTERN,
	    PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY, &why) == -1) {
		xasprintf(cause, "cannot compile the Sendmail client pattern "
		    "at %s", why);
		free(why);
		goto fail;
	}
	sp->group_name = regexp_group_number(&sp->client, "name");
	sp->group_ip = regexp_group_number(&sp->client, "ip");
	sp->group_forged = regexp_group_number(&sp->client, "forged");
	return sp;

fail:
	sendmail_parser_free(sp);
	return NULL;
}

void
sendmail_parser_free(struct sendmail_parser *sp)
{
	if (sp == NULL)
		return;
	if (sp->family.code != NULL)
		regexp_free(&sp->family);
	if (sp->client.code != NULL)
		regexp_free(&sp->client);
	regexp_env_free(&sp->env);
	free(sp);
}

static int
sm_client_at(const struct sendmail_parser *sp, const char *line, size_t len,
    size_t start, struct sm_client *c)
{
	size_t	s, e;

	if (!regexp_match(&sp->env, &sp->client, line, len, start))
		return 0;
	memset(c, 0, sizeof *c);
	if (regexp_group(&sp->client, sp->group_name, &s, &e)) {
		c->name = s;
		c->name_len = e - s;
	}
	if (!regexp_group(&sp->client, sp->group_ip, &s, &e))
		return 0;
	c->ip = s;
	c->ip_len = e - s;
	c->forged = regexp_group(&sp->client, sp->group_forged, &s, &e);
	c->end = regexp_end(&sp->client);
	return 1;
}

/* Find the last "relay=" in [from, len) followed by a valid client field. */
static int
sm_last_relay(const struct sendmail_parser *sp, const char *line, size_t len,
    size_t from, struct sm_client *c)
{
	const char	*q;
	size_t		 to = len, at;
	int		 tries;

	for (tries = 0; tries < SM_RELAY_TRIES; tries++) {
		if ((q = field_rfind(line, from, to, "relay=")) == NULL)
			return 0;
		at = (size_t)(q - line);
		if ((at == from || line[at - 1] == ' ') &&
		    sm_client_at(sp, line, len, at + strlen("relay="), c) &&
		    (c->end == len || line[c->end] == ','))
			return 1;
		if (at == from)
			return 0;
		to = at + strlen("relay=") - 1;
	}
	return 0;
}

/* Set the reason of a reject text when it is one of the DNS texts. */
static int
sm_dns_text(const char *s, size_t len, struct event *ev)
{
	if (memmem(s, len, SM_FORGED, strlen(SM_FORGED)) != NULL)
		ev->reason = REASON_FCRDNS_MISMATCH;
	else if (memmem(s, len, SM_LOOKUP_FAILED,
	    strlen(SM_LOOKUP_FAILED)) != NULL ||
	    memmem(s, len, SM_FIX_REVERSE, strlen(SM_FIX_REVERSE)) != NULL)
		ev->reason = REASON_NO_RDNS;
	else if (memmem(s, len, SM_PTR_TEMPFAIL,
	    strlen(SM_PTR_TEMPFAIL)) != NULL)
		ev->reason = REASON_RDNS_TEMPFAIL;
	return ev->reason != NULL;
}

/*
 * Find the family reason of a line that starts with the client field:
 * "<client> did not issue MAIL/EXPN/VRFY/ETRN during connection to ...",
 * "<client>: possible SMTP attack: ..." and "<client>: EXPN x [rejected]",
 * which gives "rejected:EXPN" with the command as logged in *arg.  Sets
 * *known to 0 for any other text after the field.
 */
static const char *
sm_leading(const char *s, size_t len, int *known, const char **arg)
{
	static const char	*probes[] = { "EXPN ", "VRFY ", "expn ",
				    "vrfy " };
	size_t			 i;

	*known = 1;
	*arg = NULL;
	if (field_starts(s, len,
	    " did not issue MAIL/EXPN/VRFY/ETRN during connection to "))
		return REASON_NO_MAIL;
	if (field_starts(s, len, ": possible SMTP attack: "))
		return REASON_PROTOCOL_ERROR;
	if (len >= 2 + 5 + 11 && memcmp(s, ": ", 2) == 0 &&
	    memcmp(s + len - 11, " [rejected]", 11) == 0) {
		for (i = 0; i < sizeof probes / sizeof probes[0]; i++) {
			if (field_starts(s + 2, len - 2, probes[i])) {
				*arg = s + 2;
				return REASON_REJECTED;
			}
		}
	}
	*known = 0;
	return NULL;
}

/*
 * Check a reject text of a check_* ruleset for the rate limits of
 * Sendmail's ratecontrol and conncontrol features.
 */
static int
sm_rate_limited(const char *s, size_t len)
{
	return memmem(s, len, "rate limit exceeded", 19) != NULL ||
	    memmem(s, len, "Too many open connections", 25) != NULL;
}

enum parse_result
sendmail_parse(struct sendmail_parser *sp, const char *line, size_t len,
    const struct syslog_msg *sm, struct event *ev)
{
	const struct sm_family	*def;
	struct sm_client	 c;
	const char		*fixed = NULL, *arg = NULL, *q, *text = NULL;
	size_t			 mend, text_len = 0, at;
	long			 mark;
	int			 known, code = 0;

	memset(ev, 0, sizeof *ev);
	ev->time = sm->time;
	ev->has_time = sm->has_time;
	if (memchr(line + sm->msg, '[', len - sm->msg) == NULL)
		return PARSE_SKIP;
	if (!regexp_match(&sp->env, &sp->family, line, len, sm->msg))
		return PARSE_SKIP;
	mark = regexp_mark(&sp->family);
	if (mark < 0 || (size_t)mark >= SM_NFAMILIES)
		return PARSE_SKIP;
	def = &sm_families[mark];
	mend = regexp_end(&sp->family);

	if (def->locate == SM_LAST_RELAY) {
		if (!sm_last_relay(sp, line, len, mend, &c))
			return PARSE_SKIP;
	} else if (!sm_client_at(sp, line, len, mend, &c))
		return PARSE_SKIP;
	if (def->why == SM_LEADING) {
		fixed = sm_leading(line + c.end, len - c.end, &known, &arg);
		if (!known)
			return PARSE_SKIP;
	} else if (def->why == SM_FIXED)
		fixed = def->reason;
	if (field_addr(line + c.ip, c.ip_len, &ev->addr) == -1)
		return PARSE_SKIP;

	if (def->verified && c.name_len > 0 && !c.forged) {
		/*
		 * Drop an ident user ("user@name [ip]") by keeping only the
		 * text after the last '@'.  A loop finds the '@' because
		 * memrchr makes GCC 12 warn of a null argument under
		 * -fsanitize.
		 */
		at = c.name_len;
		while (at > 0 && line[c.name + at - 1] != '@')
			at--;
		field_set_rdns(ev, line + c.name + at, c.name_len - at);
	}

	if (def->why == SM_REJECT &&
	    (q = field_find(line, c.end, len, ", reject=")) != NULL) {
		q += strlen(", reject=");
		text = field_reply_text(q, len - (size_t)(q - line), &code,
		    &text_len);
		if (sm_dns_text(q, len - (size_t)(q - line), ev))
			return PARSE_CLIENT;
		if (sm_rate_limited(text, text_len))
			fixed = REASON_RATE_LIMITED;
	}
	if (fixed != NULL) {
		/* The EXPN or VRFY of sm_leading has 4 letters. */
		field_set_reason(ev, fixed, arg, arg != NULL ? 4 : 0);
		return PARSE_CLIENT;
	}
	if (c.forged)
		ev->reason = REASON_FCRDNS_MISMATCH;
	else if (c.name_len == 0)
		ev->reason = REASON_NO_RDNS;
	else if (text != NULL && code != 4)
		field_set_reason(ev, REASON_REJECTED, text, text_len);
	return PARSE_CLIENT;
}
