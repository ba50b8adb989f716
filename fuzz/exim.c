/*
 * Fuzz target for the Exim line parser and what consumes its events.  The
 * input is a log.  Each line without a NUL byte (the reader drops those)
 * is parsed with exim_parse_line.  The events go into an aggregation, and
 * the suspects are formatted as a table, as JSON lines and as CSV.
 *
 * Checked beyond "no crash, no leak": every string of an event lies
 * inside its line and within its length limit, a valid UTF-8 line gives
 * valid UTF-8 fields, and the formatted output holds no control byte or
 * invalid UTF-8 and one record per line.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "event.h"
#include "exim.h"
#include "logread.h"
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

/* Check that the string s of length n lies within line[0..len-1]. */
static void
fuzz_check_field(const char *what, const char *line, size_t len,
    const char *s, size_t n, size_t max, int utf8)
{
	if (s == NULL)
		return;
	FUZZ_CHECK(s >= line && s + n <= line + len, "%s outside the line",
	    what);
	FUZZ_CHECK(n <= max, "%s is %zu bytes, over %zu", what, n, max);
	if (utf8)
		FUZZ_CHECK(logread_check_line(s, n) == NULL,
		    "%s of a valid line is not valid UTF-8", what);
}

static void
fuzz_check_event(const char *line, size_t len, const struct event *ev)
{
	int	utf8;

	FUZZ_CHECK(ev->addr.family == AF_INET || ev->addr.family == AF_INET6,
	    "address family %d", ev->addr.family);
	utf8 = logread_check_line(line, len) == NULL;
	if (ev->helo != NULL)
		FUZZ_CHECK(ev->helo_len > 0, "empty HELO");
	fuzz_check_field("HELO", line, len, ev->helo, ev->helo_len,
	    EVENT_NAME_MAX, utf8);
	if (ev->rdns != NULL)
		FUZZ_CHECK(ev->rdns_len > 0, "empty rDNS name");
	fuzz_check_field("rDNS name", line, len, ev->rdns, ev->rdns_len,
	    EVENT_NAME_MAX, utf8);
	if (ev->reason_arg != NULL)
		FUZZ_CHECK(ev->reason != NULL, "reason text without a reason");
	fuzz_check_field("reason text", line, len, ev->reason_arg,
	    ev->reason_arg_len, REASON_ARG_MAX, utf8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	 *log = (const char *)data, *line, *nl;
	struct agg	 *agg;
	struct client	**suspects;
	struct event	  ev;
	size_t		  off = 0, len, n;
	uint64_t	  lineno = 0;
	uint32_t	  file;

	agg = agg_create();
	file = agg_add_file(agg, "fuzz.log");
	while (off < size) {
		line = log + off;
		nl = memchr(line, '\n', size - off);
		len = nl != NULL ? (size_t)(nl - line) : size - off;
		lineno++;
		/* The reader drops a trailing CR and lines with a NUL byte. */
		n = len;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n <= LOGREAD_LINE_MAX && memchr(line, '\0', n) == NULL &&
		    exim_parse_line(fuzz_parser, line, n, &ev) ==
		    PARSE_CLIENT) {
			fuzz_check_event(line, n, &ev);
			agg_add(agg, &ev, file, off, lineno);
		}
		off += len + 1;
	}
	agg_finish(agg);
	suspects = agg_suspects(agg, &n);
	fuzz_check_suspects(suspects, n);
	agg_free(agg);
	return 0;
}
