/*
 * Fuzz target for the Exim line parser and what consumes its events.  The
 * input is a log.  Each line without a NUL byte (the reader drops those)
 * is parsed with exim_parse_line.  The events go into an aggregation, and
 * the suspects are formatted as a table, as JSON lines and as CSV.
 *
 * Checked beyond "no crash, no leak": the parser gives the same events
 * with and without its hand-written readers and exim_parse_mainlog, every string of an event lies
 * inside its line and within its length limit, a valid UTF-8 line gives
 * valid UTF-8 fields, and the formatted output holds no control byte or
 * invalid UTF-8 and one record per line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exim.h"
#include "reason.h"
#include "fuzz.h"

static struct reason_table	*fuzz_reasons;
static struct exim_parser	*fuzz_parser;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*cause;

	(void)argc;
	(void)argv;
	fuzz_reasons = reason_table_create();
	/* A site's own warning texts, as a config file would add them. */
	if (reason_table_add(fuzz_reasons, "Sender rate", "rate_limited",
	    &cause) == -1 ||
	    (fuzz_parser = exim_parser_create(fuzz_reasons, &cause)) == NULL) {
		fprintf(stderr, "fuzz exim: %s\n", cause);
		abort();
	}
	return 0;
}

static int
fuzz_exim_line(void *arg, const char *line, size_t len, struct event *ev)
{
	struct event		pcre, mainlog;
	enum parse_result	result, rm;
	int			r, rp;

	result = exim_parse_line(arg, line, len, ev);
	r = result == PARSE_CLIENT;
	exim_parser_fast(arg, 0);
	rp = exim_parse_line(arg, line, len, &pcre) == PARSE_CLIENT;
	exim_parser_fast(arg, 1);
	fuzz_check_same_event(r, rp, ev, &pcre);
	if (exim_parse_mainlog(arg, line, len, &mainlog, &rm)) {
		FUZZ_CHECK(rm == result, "exim_parse_mainlog gave %d, "
		    "exim_parse_line %d", (int)rm, (int)result);
		fuzz_check_same_event(r, rm == PARSE_CLIENT, ev, &mainlog);
	}
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse_log(data, size, fuzz_exim_line, fuzz_parser, FUZZ_IN_LINE);
	return 0;
}
