/*
 * The parser front end: format names, detection, and one parser object per
 * input that routes each line to the parser of its format.
 *
 * Detection looks at one line at a time.  A line decides the format when
 * its syslog tag belongs to one MTA ("exim[", "postfix/...", "sm-mta[",
 * "sendmail[", or "smtpd[" with an OpenSMTPD message), or when it starts
 * with Exim's own timestamp and is no syslog line (Exim's mainlog and
 * rejectlog).  While no line has decided, parser_line also tries every
 * format on each line, and a line that names a client in exactly one
 * format decides it.
 */
#include <stdlib.h>
#include <string.h>

#include "exim.h"
#include "field.h"
#include "opensmtpd.h"
#include "parser.h"
#include "postfix.h"
#include "rules.h"
#include "sendmail.h"
#include "syslog.h"
#include "syslog_short.h"
#include "xmalloc.h"

/* Lines of a buffer that log_format_detect looks at. */
#define PARSER_DETECT_LINES	200

/*
 * parser_postfix has two callers, parser_dispatch and parser_postfix_line,
 * and GCC would stop inlining it into either, which costs both a call.
 */
#ifdef __GNUC__
#define PARSER_INLINE	static inline __attribute__((always_inline))
#else
#define PARSER_INLINE	static inline
#endif

struct parser {
	enum log_format		 format;	/* AUTO while undecided */
	int			 rules_only;	/* LOG_FORMAT_RULES */
	const struct reason_table *reasons;
	struct reason_table	*own_reasons;	/* when none was given */
	struct syslog_year	 year;

	struct exim_parser	*exim;
	struct exim_split	*split;
	struct postfix_parser	*postfix;
	struct sendmail_parser	*sendmail;
	struct opensmtpd_parser	*opensmtpd;
	struct rules_matcher	*rules;
	uint64_t		 split_parts;	/* see parser_split_parts */
};

static const char *parser_format_names[] = {
	"auto", "exim", "postfix", "sendmail", "opensmtpd", "rules"
};

const char *
log_format_name(enum log_format format)
{
	if ((size_t)format >= sizeof parser_format_names /
	    sizeof parser_format_names[0])
		return "auto";
	return parser_format_names[format];
}

int
log_format_parse(const char *name, enum log_format *format)
{
	size_t	i;

	for (i = 0; i < sizeof parser_format_names /
	    sizeof parser_format_names[0]; i++) {
		if (strcmp(name, parser_format_names[i]) == 0) {
			*format = (enum log_format)i;
			return 0;
		}
	}
	return -1;
}

/* Check whether a tag is Exim's: "exim" or "exim4" (Debian's name). */
static int
parser_exim_tag(const struct syslog_msg *sm)
{
	return syslog_tag_is(sm, "exim") || syslog_tag_is(sm, "exim4");
}

/*
 * Decide the format of one line from its shape alone, or return
 * LOG_FORMAT_AUTO.  yr is used for RFC 3164 times.
 */
static enum log_format
parser_detect_line(const char *line, size_t len, struct syslog_year *yr)
{
	struct syslog_msg	sm;
	struct ts		t;

	if (syslog_parse(line, len, yr, SYSLOG_NO_TIME, &sm) == 0) {
		if (parser_exim_tag(&sm))
			return LOG_FORMAT_EXIM;
		if (postfix_service(sm.tag, sm.tag_len, 0) != POSTFIX_NOT)
			return LOG_FORMAT_POSTFIX;
		if (sendmail_tag(sm.tag, sm.tag_len))
			return LOG_FORMAT_SENDMAIL;
		/* Postfix's smtpd shows as "smtpd" in some journal views. */
		if (syslog_tag_is(&sm, "smtpd") &&
		    opensmtpd_shape(line + sm.msg, len - sm.msg))
			return LOG_FORMAT_OPENSMTPD;
		if (sm.has_time)
			return LOG_FORMAT_AUTO;
	}
	if (ts_parse_exim(line, len, &t) > 0)
		return LOG_FORMAT_EXIM;
	return LOG_FORMAT_AUTO;
}

enum log_format
log_format_detect(const char *buf, size_t len)
{
	struct syslog_year	 yr;
	const char		*p = buf, *nl, *end = buf + len;
	enum log_format		 f;
	size_t			 n;
	int			 lines;

	syslog_year_init(&yr, 0);
	for (lines = 0; p < end && lines < PARSER_DETECT_LINES; lines++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;		/* only whole lines */
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if ((f = parser_detect_line(p, n, &yr)) != LOG_FORMAT_AUTO)
			return f;
		p = nl + 1;
	}
	return LOG_FORMAT_AUTO;
}

/*
 * Create the parser of format f unless it exists.  Returns 0, or -1 with
 * *cause set (allocated) when its patterns do not compile.
 */
static int
parser_load(struct parser *p, enum log_format f, char **cause)
{
	switch (f) {
	case LOG_FORMAT_EXIM:
		if (p->exim != NULL)
			return 0;
		if ((p->exim = exim_parser_create(p->reasons, cause)) == NULL)
			return -1;
		p->split = exim_split_create();
		return 0;
	case LOG_FORMAT_POSTFIX:
		if (p->postfix == NULL &&
		    (p->postfix = postfix_parser_create(cause)) == NULL)
			return -1;
		return 0;
	case LOG_FORMAT_SENDMAIL:
		if (p->sendmail == NULL &&
		    (p->sendmail = sendmail_parser_create(cause)) == NULL)
			return -1;
		return 0;
	case LOG_FORMAT_OPENSMTPD:
		if (p->opensmtpd == NULL)
			p->opensmtpd = opensmtpd_parser_create();
		return 0;
	case LOG_FORMAT_AUTO:
	case LOG_FORMAT_RULES:
		break;
	}
	return 0;
}

struct parser *
parser_create(const struct parser_options *opts, char **cause)
{
	struct parser	*p;

	p = xcalloc(1, sizeof *p);
	p->format = opts->format;
	if (opts->format == LOG_FORMAT_RULES) {
		if (opts->rules == NULL) {
			xasprintf(cause, "the rules format needs a rules file");
			free(p);
			return NULL;
		}
		p->rules_only = 1;
	}
	p->reasons = opts->reasons;
	if (p->reasons == NULL)
		p->reasons = p->own_reasons = reason_table_create();
	syslog_year_init(&p->year, opts->reference);
	if (opts->rules != NULL)
		p->rules = rules_matcher_create(opts->rules);
	if (p->rules_only)
		return p;

	/*
	 * While the format is undetected, each format's parser is made when
	 * a line first needs it (parser_dispatch), so that a log of one
	 * format does not compile the patterns of the others.  The patterns
	 * are fixed, and the tests compile each of them.
	 */
	if (p->format != LOG_FORMAT_AUTO &&
	    parser_load(p, p->format, cause) == -1) {
		parser_free(p);
		return NULL;
	}
	return p;
}

void
parser_free(struct parser *p)
{
	if (p == NULL)
		return;
	exim_parser_free(p->exim);
	exim_split_free(p->split);
	postfix_parser_free(p->postfix);
	sendmail_parser_free(p->sendmail);
	opensmtpd_parser_free(p->opensmtpd);
	rules_matcher_free(p->rules);
	reason_table_free(p->own_reasons);
	free(p);
}

enum log_format
parser_format(const struct parser *p)
{
	if (p->rules_only)
		return LOG_FORMAT_RULES;
	return p->format;
}

/*
 * Bytes of a line that can come before a syslog tag: a priority, a time,
 * a facility and a host name, each with its space (see syslog_parse).
 */
#define PARSER_TAG_OFFSET_MAX	(8 + 64 + 34 + SYSLOG_HOST_MAX + 1)

/*
 * Check cheaply whether a line may have the syslog tag "exim" or "exim4":
 * the tag must start within the first PARSER_TAG_OFFSET_MAX bytes.  Most
 * lines of a mainlog do not contain "exim" there at all.  The search
 * looks for the rare 'x' with memchr and checks the bytes around it,
 * which costs a fraction of what memmem spends on a 4-byte needle.
 */
static int
parser_may_be_exim_syslog(const char *line, size_t len)
{
	const char	*x, *end;

	if (len > PARSER_TAG_OFFSET_MAX + 4)
		len = PARSER_TAG_OFFSET_MAX + 4;
	if (len < 4)
		return 0;
	end = line + len - 2;	/* an 'x' at end or later has no "im" after */
	for (x = line + 1; x < end; x++) {
		if ((x = memchr(x, 'x', (size_t)(end - x))) == NULL)
			return 0;
		if (x[-1] == 'e' && x[1] == 'i' && x[2] == 'm')
			return 1;
	}
	return 0;
}

/* Offset of the first word after an Exim timestamp without fraction or zone. */
#define PARSER_STAMP_END	20

static int
parser_starts_exim(const char *s, size_t len)
{
	return len >= 4 && memcmp(s, "exim", 4) == 0;
}

/*
 * Check exactly, and cheaper than parser_may_be_exim_syslog, whether a
 * line that starts like "2026-11-30 10:00:00 word" cannot have the syslog
 * tag "exim".  syslog_parse reads such a line's time with ts_parse_exim,
 * since neither an RFC 3164 nor an RFC 3339 time has a space at offset 10.
 * It then takes the tag from the first word after the time or, after a
 * host name, from the second.  When the time is invalid, the tag would
 * start with a digit.  A fraction, a zone offset or a "<facility.level>"
 * after the time shifts the words, so those lines return 0 and get the
 * general test.
 */
static int
parser_exim_mainlog_untagged(const char *line, size_t len)
{
	const char	*word = line + PARSER_STAMP_END, *space;
	size_t		 rest;

	if (len <= PARSER_STAMP_END || line[0] < '0' || line[0] > '9' ||
	    line[4] != '-' || line[7] != '-' || line[10] != ' ' ||
	    line[13] != ':' || line[16] != ':' || line[19] != ' ' ||
	    word[0] == '+' || word[0] == '-' || word[0] == '<')
		return 0;
	rest = len - PARSER_STAMP_END;
	if (parser_starts_exim(word, rest))
		return 0;
	space = memchr(word, ' ', rest < SYSLOG_HOST_MAX + 1 ? rest :
	    SYSLOG_HOST_MAX + 1);
	if (space == NULL)
		return 1;
	return !parser_starts_exim(space + 1, len - (size_t)(space + 1 - line));
}

/*
 * An Exim line: its own mainlog format, or a syslog record with the tag
 * "exim", whose split parts are put together first.
 */
static enum parse_result
parser_exim(struct parser *p, const char *line, size_t len, struct event *ev)
{
	struct syslog_msg	 sm;
	const char		*msg;
	size_t			 mlen;

	if (parser_exim_mainlog_untagged(line, len) ||
	    !parser_may_be_exim_syslog(line, len) ||
	    syslog_parse(line, len, &p->year, SYSLOG_NO_TIME, &sm) == -1 ||
	    !parser_exim_tag(&sm))
		return exim_parse_line(p->exim, line, len, ev);
	msg = line + sm.msg;
	mlen = len - sm.msg;
	switch (exim_split_feed(p->split, sm.has_pid ? sm.pid : 0, msg, mlen,
	    &msg, &mlen)) {
	case EXIM_SPLIT_PENDING:
		p->split_parts++;
		field_event_clear(ev);
		return PARSE_SKIP;
	case EXIM_SPLIT_DONE:
		p->split_parts++;
		break;
	case EXIM_SPLIT_WHOLE:
		break;
	}
	return exim_parse_message(p->exim, msg, mlen,
	    sm.has_time ? &sm.time : NULL, ev);
}

/* The kind of a tag for syslog_parse_short: its enum postfix_service. */
static int
parser_postfix_kind(const char *tag, size_t len)
{
	return (int)postfix_service(tag, len, 1);
}

/*
 * Most lines of a Postfix log come from services that name no client
 * (cleanup, qmgr, local), so their message is not read once their tag
 * is classified.  The "[pid]: " still decides whether such a line is a
 * syslog line at all.
 */
PARSER_INLINE enum parse_result
parser_postfix(struct parser *p, const char *line, size_t len,
    struct event *ev)
{
	struct syslog_msg	sm;
	enum postfix_service	service;
	int			head;

	/*
	 * postfix_parse reads no pid, so no line needs it.  A line whose
	 * "[pid]: " is invalid is not a syslog line, whatever its tag.
	 */
	head = syslog_parse_short_inline(line, len, &p->year,
	    parser_postfix_kind, &sm);
	if (head == 1)
		service = (enum postfix_service)sm.tag_kind;
	else if (head == -1 ||
	    syslog_parse(line, len, &p->year, SYSLOG_NO_TIME, &sm) == -1)
		service = POSTFIX_NOT;
	else
		service = postfix_service(sm.tag, sm.tag_len, 1);

	switch (service) {
	case POSTFIX_NOT:
		field_event_clear(ev);
		return PARSE_UNKNOWN;
	case POSTFIX_OTHER:
		field_event_clear(ev);
		return PARSE_SKIP;
	case POSTFIX_CLIENTS:
		break;
	}
	/* postfix_parse sets every field of ev. */
	return postfix_parse(p->postfix, line, len, &sm, ev);
}

static enum parse_result
parser_sendmail(struct parser *p, const char *line, size_t len,
    struct event *ev)
{
	struct syslog_msg	sm;

	field_event_clear(ev);
	if (syslog_parse(line, len, &p->year, SYSLOG_NO_TIME, &sm) == -1 ||
	    !sendmail_tag(sm.tag, sm.tag_len))
		return PARSE_UNKNOWN;
	return sendmail_parse(p->sendmail, line, len, &sm, ev);
}

static enum parse_result
parser_opensmtpd(struct parser *p, const char *line, size_t len,
    struct event *ev)
{
	struct syslog_msg	sm;

	field_event_clear(ev);
	if (syslog_parse(line, len, &p->year, SYSLOG_NO_TIME, &sm) == -1)
		return PARSE_UNKNOWN;
	if (!syslog_tag_is(&sm, "smtpd") &&
	    !opensmtpd_shape(line + sm.msg, len - sm.msg))
		return PARSE_UNKNOWN;
	return opensmtpd_parse(p->opensmtpd, line, len, &sm, ev);
}

static enum parse_result
parser_dispatch(struct parser *p, enum log_format f, const char *line,
    size_t len, struct event *ev)
{
	char	*cause = NULL;

	/*
	 * NOTE: a format whose parser cannot be made here leaves its lines
	 * unknown without a message.  Only a broken built-in pattern does so.
	 */
	if (parser_load(p, f, &cause) == -1) {
		free(cause);
		field_event_clear(ev);
		return PARSE_UNKNOWN;
	}
	switch (f) {
	case LOG_FORMAT_EXIM:
		return parser_exim(p, line, len, ev);
	case LOG_FORMAT_POSTFIX:
		return parser_postfix(p, line, len, ev);
	case LOG_FORMAT_SENDMAIL:
		return parser_sendmail(p, line, len, ev);
	case LOG_FORMAT_OPENSMTPD:
		return parser_opensmtpd(p, line, len, ev);
	case LOG_FORMAT_AUTO:
	case LOG_FORMAT_RULES:
		break;
	}
	field_event_clear(ev);
	return PARSE_UNKNOWN;
}

/*
 * Parse a line while the format is undecided: by its shape if that
 * decides, or else with every format, deciding when exactly one of them
 * finds a client.  With several, the first one's event is returned.
 * Parsing a syslog time twice leaves the year inference as once.
 */
static enum parse_result
parser_auto(struct parser *p, const char *line, size_t len, struct event *ev)
{
	static const enum log_format	 order[] = {
		LOG_FORMAT_EXIM, LOG_FORMAT_POSTFIX, LOG_FORMAT_SENDMAIL,
		LOG_FORMAT_OPENSMTPD
	};
	struct event			 tried;
	enum parse_result		 r, best = PARSE_UNKNOWN;
	enum log_format			 f, found = LOG_FORMAT_AUTO;
	size_t				 i;
	int				 clients = 0;

	if ((f = parser_detect_line(line, len, &p->year)) != LOG_FORMAT_AUTO) {
		p->format = f;
		return parser_dispatch(p, f, line, len, ev);
	}
	field_event_clear(ev);
	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		r = parser_dispatch(p, order[i], line, len, &tried);
		if (r == PARSE_CLIENT) {
			if (clients++ == 0) {
				*ev = tried;
				found = order[i];
			}
		} else if (r == PARSE_SKIP)
			best = PARSE_SKIP;
	}
	if (clients == 1)
		p->format = found;
	if (clients > 0)
		return PARSE_CLIENT;
	field_event_clear(ev);
	return best;
}

enum parse_result
parser_line(struct parser *p, const char *line, size_t len, struct event *ev)
{
	enum parse_result	r;

	if (p->rules != NULL) {
		r = rules_parse_line(p->rules, p->reasons, &p->year, line, len,
		    ev);
		if (r == PARSE_CLIENT || p->rules_only)
			return r;
	}
	if (p->format == LOG_FORMAT_AUTO)
		return parser_auto(p, line, len, ev);
	return parser_dispatch(p, p->format, line, len, ev);
}

struct exim_parser *
parser_exim_mainlog(const struct parser *p)
{
	if (p->rules != NULL || p->rules_only || p->format != LOG_FORMAT_EXIM)
		return NULL;
	return p->exim;
}

int
parser_postfix_only(const struct parser *p)
{
	return p->rules == NULL && !p->rules_only &&
	    p->format == LOG_FORMAT_POSTFIX;
}

enum parse_result
parser_postfix_line(struct parser *p, const char *line, size_t len,
    struct event *ev)
{
	return parser_postfix(p, line, len, ev);
}

const struct syslog_year *
parser_year(const struct parser *p)
{
	return &p->year;
}

uint64_t
parser_split_parts(const struct parser *p)
{
	return p->split_parts;
}
