/*
 * Fuzz target for the parser front end (parser_line) with every log
 * format.  The input is a log; when its first line is "#format=NAME" the
 * parser is created for that format (see log_format_parse), otherwise it
 * detects the format.  As the reader does, lines with a NUL byte or
 * invalid UTF-8 are left out.  The events go into an aggregation whose
 * suspects are formatted as a table, JSON lines and CSV.
 *
 * Checked beyond "no crash, no leak": the fields of an event stay within
 * their length limits and contain no NUL byte, and a forced format is
 * kept.  The formatted output contains no control byte and has one record
 * per line.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "event.h"
#include "logread.h"
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

static void
fuzz_check_field(const char *what, const char *s, size_t n, size_t max)
{
	if (s == NULL)
		return;
	FUZZ_CHECK(n > 0, "empty %s", what);
	FUZZ_CHECK(n <= max, "%s is %zu bytes, over %zu", what, n, max);
	FUZZ_CHECK(memchr(s, '\0', n) == NULL, "%s holds a NUL byte", what);
}

static void
fuzz_check_event(const struct event *ev)
{
	FUZZ_CHECK(ev->addr.family == AF_INET || ev->addr.family == AF_INET6,
	    "address family %d", ev->addr.family);
	fuzz_check_field("HELO", ev->helo, ev->helo_len, EVENT_NAME_MAX);
	fuzz_check_field("rDNS name", ev->rdns, ev->rdns_len, EVENT_NAME_MAX);
	if (ev->reason_arg != NULL) {
		FUZZ_CHECK(ev->reason != NULL, "reason text without a reason");
		FUZZ_CHECK(ev->reason_arg_len <= REASON_ARG_MAX,
		    "reason text of %zu bytes", ev->reason_arg_len);
		FUZZ_CHECK(memchr(ev->reason_arg, '\0', ev->reason_arg_len) ==
		    NULL, "reason text holds a NUL byte");
	}
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		 *log = (const char *)data, *line, *nl;
	struct parser_options	  opts;
	struct parser		 *p;
	struct agg		 *agg;
	struct client		**suspects;
	struct event		  ev;
	char			 *cause;
	size_t			  off, len, n;
	uint64_t		  lineno = 0;
	uint32_t		  file;

	memset(&opts, 0, sizeof opts);
	off = fuzz_format(log, size, &opts.format);
	opts.reasons = fuzz_reasons;
	opts.rules = fuzz_rules;
	opts.reference = FUZZ_REFERENCE;
	if ((p = parser_create(&opts, &cause)) == NULL) {
		fprintf(stderr, "fuzz parser: %s\n", cause);
		abort();
	}

	agg = agg_create();
	file = agg_add_file(agg, "fuzz.log");
	while (off < size) {
		line = log + off;
		nl = memchr(line, '\n', size - off);
		len = nl != NULL ? (size_t)(nl - line) : size - off;
		lineno++;
		n = len;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		memset(&ev, 0, sizeof ev);
		if (logread_check_line(line, n) == NULL &&
		    parser_line(p, line, n, &ev) == PARSE_CLIENT) {
			fuzz_check_event(&ev);
			agg_add(agg, &ev, file, off, lineno);
		}
		off += len + 1;
	}
	if (opts.format != LOG_FORMAT_AUTO)
		FUZZ_CHECK(parser_format(p) == opts.format,
		    "format %s became %s", log_format_name(opts.format),
		    log_format_name(parser_format(p)));
	parser_free(p);

	agg_finish(agg);
	suspects = agg_suspects(agg, &n);
	fuzz_check_suspects(suspects, n);
	agg_free(agg);
	return 0;
}
