/*
 * Fuzz target for the OpenSMTPD parser.  The input is a log, read by a
 * new parser each time because the session table links its lines.  Each
 * line without a NUL byte is split with syslog_parse, and a line with the
 * tag "smtpd" or OpenSMTPD's message shape (see opensmtpd_shape) goes to
 * opensmtpd_parse.  The events go into an aggregation, and the suspects
 * are formatted as a table, as JSON lines and as CSV.
 *
 * Checked beyond "no crash, no leak": every string of an event is within
 * its length limit and contains no NUL byte.  (A HELO may come from the
 * session table, not the line.)  The table never has more than
 * OPENSMTPD_SESSIONS_MAX live sessions.  The formatted output contains no
 * control byte or invalid UTF-8, and one record per line.
 */
#include <stdlib.h>

#include "opensmtpd.h"
#include "syslog.h"
#include "fuzz.h"

/* 2026-11-30 10:00:00 UTC: the reference for dates without a year. */
#define FUZZ_REFERENCE	1796032800

static struct syslog_year	fuzz_year;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	return 0;
}

static int
fuzz_opensmtpd_line(void *arg, const char *line, size_t len,
    struct event *ev)
{
	struct opensmtpd_parser	*p = arg;
	struct syslog_msg	 sm;
	int			 client;

	if (syslog_parse(line, len, &fuzz_year, SYSLOG_NO_TIME, &sm) == -1 ||
	    (!syslog_tag_is(&sm, "smtpd") &&
	    !opensmtpd_shape(line + sm.msg, len - sm.msg)))
		return 0;
	client = opensmtpd_parse(p, line, len, &sm, ev) == PARSE_CLIENT;
	FUZZ_CHECK(opensmtpd_sessions(p) <= OPENSMTPD_SESSIONS_MAX,
	    "%zu live sessions", opensmtpd_sessions(p));
	return client;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opensmtpd_parser	*p;

	syslog_year_init(&fuzz_year, FUZZ_REFERENCE);
	p = opensmtpd_parser_create();
	fuzz_parse_log(data, size, fuzz_opensmtpd_line, p, 0);
	opensmtpd_parser_free(p);
	return 0;
}
