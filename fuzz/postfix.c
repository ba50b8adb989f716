/*
 * Fuzz target for the Postfix parser.  The input is a log.  Each line
 * without a NUL byte is split with syslog_parse, and a line whose tag
 * postfix_service classifies as a client-naming service (bare "smtpd" and
 * "postscreen" included, as journald shows them) goes to postfix_parse.
 * The events go into an aggregation, and the suspects are formatted as a
 * table, as JSON lines and as CSV.
 *
 * Checked beyond "no crash, no leak": the parser gives the same events
 * with and without its hand-written readers, every string of an event lies
 * inside its line and within its length limit, and a valid UTF-8 line
 * gives valid UTF-8 fields.  The formatted output contains no control
 * byte or invalid UTF-8, and one record per line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "postfix.h"
#include "syslog.h"
#include "fuzz.h"

/* 2026-11-30 10:00:00 UTC: the reference for dates without a year. */
#define FUZZ_REFERENCE	1796032800

static struct postfix_parser	*fuzz_parser;
static struct syslog_year	 fuzz_year;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*cause;

	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	if ((fuzz_parser = postfix_parser_create(&cause)) == NULL) {
		fprintf(stderr, "fuzz postfix: %s\n", cause);
		abort();
	}
	return 0;
}

static int
fuzz_postfix_line(void *arg, const char *line, size_t len, struct event *ev)
{
	struct syslog_msg	sm;
	struct event		pcre;
	int			r, rp;

	if (syslog_parse(line, len, &fuzz_year, SYSLOG_NO_TIME, &sm) == -1 ||
	    postfix_service(sm.tag, sm.tag_len, 1) != POSTFIX_CLIENTS)
		return 0;
	r = postfix_parse(arg, line, len, &sm, ev) == PARSE_CLIENT;
	postfix_parser_fast(arg, 0);
	rp = postfix_parse(arg, line, len, &sm, &pcre) == PARSE_CLIENT;
	postfix_parser_fast(arg, 1);
	fuzz_check_same_event(r, rp, ev, &pcre);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	syslog_year_init(&fuzz_year, FUZZ_REFERENCE);
	fuzz_parse_log(data, size, fuzz_postfix_line, fuzz_parser,
	    FUZZ_IN_LINE);
	return 0;
}
