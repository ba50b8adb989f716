/*
 * Fuzz target for the Sendmail parser.  The input is a log.  Each line
 * without a NUL byte is split with syslog_parse, and a line with one of
 * Sendmail's tags (see sendmail_tag) goes to sendmail_parse.  The events
 * go into an aggregation, and the suspects are formatted as a table, as
 * JSON lines and as CSV.
 *
 * Checked beyond "no crash, no leak": every string of an event lies
 * inside its line and within its length limit, and a valid UTF-8 line
 * gives valid UTF-8 fields.  The formatted output contains no control
 * byte or invalid UTF-8, and one record per line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sendmail.h"
#include "syslog.h"
#include "fuzz.h"

/* 2026-11-30 10:00:00 UTC: the reference for dates without a year. */
#define FUZZ_REFERENCE	1796032800

static struct sendmail_parser	*fuzz_parser;
static struct syslog_year	 fuzz_year;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*cause;

	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	if ((fuzz_parser = sendmail_parser_create(&cause)) == NULL) {
		fprintf(stderr, "fuzz sendmail: %s\n", cause);
		abort();
	}
	return 0;
}

static int
fuzz_sendmail_line(void *arg, const char *line, size_t len, struct event *ev)
{
	struct syslog_msg	sm;

	if (syslog_parse(line, len, &fuzz_year, SYSLOG_NO_TIME, &sm) == -1 ||
	    !sendmail_tag(sm.tag, sm.tag_len))
		return 0;
	return sendmail_parse(arg, line, len, &sm, ev) == PARSE_CLIENT;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	syslog_year_init(&fuzz_year, FUZZ_REFERENCE);
	fuzz_parse_log(data, size, fuzz_sendmail_line, fuzz_parser,
	    FUZZ_IN_LINE);
	return 0;
}
