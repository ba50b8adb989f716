/*
 * Fuzz target for the parser front end (parser_line) with every log
 * format.  The input is a log; when its first line is "#format=NAME" the
 * parser is created for that format (see log_format_parse), otherwise it
 * detects the format.  As the reader does, lines with a NUL byte or
 * invalid UTF-8 are left out.  The events go into an aggregation whose
 * suspects are formatted as a table, JSON lines and CSV.
 *
 * Checked beyond "no crash, no leak": the fields of an event stay within
 * their length limits and contain no NUL byte, a forced format is kept,
 * and exim_parse_mainlog agrees with parser_line on the lines it takes.
 * The formatted output contains no control byte and has one record per
 * line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "parser.h"
#include "reason.h"
#include "rules.h"
#include "fuzz.h"

/* 2026-11-30 10:00:00 UTC: the reference for dates without a year. */
#define FUZZ_REFERENCE	1796032800
#define FUZZ_FORMAT	"#format="

/* Rules for LOG_FORMAT_RULES: one with a fixed reason, one with a group. */
static const char fuzz_rules_text[] =
    "rule no_rdns ^(?<time>\\S+ \\S+) myd\\[\\d+\\]: no rDNS for "
    "(?<ip>[0-9a-fA-F.:]+)(?: helo=(?<helo>\\S+))?\n"
    "rule - ^\\S+ \\S+ myd\\[\\d+\\]: (?<reason>[^:]{1,40}): "
    "(?<rdns>\\S+)\\[(?<ip>[^]]+)\\]\n";

static struct reason_table	*fuzz_reasons;
static struct rules		*fuzz_rules;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*cause;

	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	fuzz_reasons = reason_table_create();
	if (reason_table_add(fuzz_reasons, "Sender rate", "rate_limited",
	    &cause) == -1 ||
	    (fuzz_rules = rules_parse("fuzz.rules", fuzz_rules_text,
	    sizeof fuzz_rules_text - 1, &cause)) == NULL) {
		fprintf(stderr, "fuzz parser: %s\n", cause);
		abort();
	}
	return 0;
}

/* Read "#format=NAME" from the first line, if it is one. */
static size_t
fuzz_format(const char *log, size_t size, enum log_format *format)
{
	const char	*nl;
	char		 name[16];
	size_t		 n, len = sizeof FUZZ_FORMAT - 1;

	*format = LOG_FORMAT_AUTO;
	if (size < len || memcmp(log, FUZZ_FORMAT, len) != 0 ||
	    (nl = memchr(log, '\n', size)) == NULL)
		return 0;
	n = (size_t)(nl - log) - len;
	if (n >= sizeof name)
		return 0;
	memcpy(name, log + len, n);
	name[n] = '\0';
	if (log_format_parse(name, format) == -1)
		*format = LOG_FORMAT_AUTO;
	return (size_t)(nl - log) + 1;
}

/*
 * Parse a line with parser_line and, when the Exim mainlog fast path
 * that the reader tries first takes it, check that both agree.
 */
static int
fuzz_parser_line(void *arg, const char *line, size_t len, struct event *ev)
{
	struct exim_parser	*ep = parser_exim_mainlog(arg);
	struct event		 mainlog;
	enum parse_result	 result, rm;

	if (ep != NULL && exim_parse_mainlog(ep, line, len, &mainlog, &rm)) {
		result = parser_line(arg, line, len, ev);
		FUZZ_CHECK(rm == result, "exim_parse_mainlog gave %d, "
		    "parser_line %d", (int)rm, (int)result);
		fuzz_check_same_event(result == PARSE_CLIENT,
		    rm == PARSE_CLIENT, ev, &mainlog);
		return result == PARSE_CLIENT;
	}
	return parser_line(arg, line, len, ev) == PARSE_CLIENT;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*log = (const char *)data;
	struct parser_options	 opts;
	struct parser		*p;
	char			*cause;
	size_t			 off;

	memset(&opts, 0, sizeof opts);
	off = fuzz_format(log, size, &opts.format);
	opts.reasons = fuzz_reasons;
	opts.rules = fuzz_rules;
	opts.reference = FUZZ_REFERENCE;
	if ((p = parser_create(&opts, &cause)) == NULL) {
		fprintf(stderr, "fuzz parser: %s\n", cause);
		abort();
	}
	fuzz_parse_log(data + off, size - off, fuzz_parser_line, p,
	    FUZZ_VALID_LINES);
	if (opts.format != LOG_FORMAT_AUTO)
		FUZZ_CHECK(parser_format(p) == opts.format,
		    "format %s became %s", log_format_name(opts.format),
		    log_format_name(parser_format(p)));
	parser_free(p);
	return 0;
}
