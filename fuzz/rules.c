/*
 * Fuzz target for the custom rules file.  The input is a rules file,
 * optionally followed by a line "%%" and log lines to match; without
 * them a few fixed lines are matched.  A file that loads must hold at
 * most RULES_MAX rules, and each event it gives must have a valid
 * address and fields within their limits, and the same result with the
 * required-literal prefilter turned off.  A file that does not load must
 * give an error that names the file.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "logread.h"
#include "reason.h"
#include "rules.h"
#include "syslog.h"
#include "fuzz.h"

#define FUZZ_REFERENCE	1796032800
#define FUZZ_SPLIT	"\n%%\n"
#define FUZZ_NAME	"fuzz.rules"

static const char fuzz_lines[] =
    "2026-11-30 10:00:00 myd[12]: no rDNS for 192.0.2.1 helo=box\n"
    "Nov 30 10:00:00 host myd[12]: rejected: mail.example[2001:db8::1]\n"
    "2026-11-30T10:00:00+01:00 host postfix/smtpd[1]: connect from "
    "unknown[198.51.100.7]\n";

static struct reason_table	*fuzz_reasons;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	fuzz_reasons = reason_table_create();
	return 0;
}

static void
fuzz_match(struct rules_matcher *rm, struct rules_matcher *plain,
    const char *text, size_t size)
{
	struct syslog_year	 yr, yr_plain;
	struct event		 ev, ev_plain;
	enum parse_result	 rc, rc_plain;
	const char		*line, *nl;
	size_t			 off = 0, len;

	syslog_year_init(&yr, FUZZ_REFERENCE);
	syslog_year_init(&yr_plain, FUZZ_REFERENCE);
	while (off < size) {
		line = text + off;
		nl = memchr(line, '\n', size - off);
		len = nl != NULL ? (size_t)(nl - line) : size - off;
		off += len + 1;
		if (logread_check_line(line, len) != NULL)
			continue;
		memset(&ev, 0, sizeof ev);
		memset(&ev_plain, 0, sizeof ev_plain);
		rc = rules_parse_line(rm, fuzz_reasons, &yr, line, len, &ev);
		rc_plain = rules_parse_line(plain, fuzz_reasons, &yr_plain,
		    line, len, &ev_plain);
		FUZZ_CHECK(rc_plain == rc, "result %d with the prefilter, %d "
		    "without", (int)rc, (int)rc_plain);
		fuzz_check_same_event(rc == PARSE_CLIENT,
		    rc_plain == PARSE_CLIENT, &ev, &ev_plain);
		if (rc != PARSE_CLIENT)
			continue;
		FUZZ_CHECK(ev.addr.family == AF_INET ||
		    ev.addr.family == AF_INET6, "address family %d",
		    ev.addr.family);
		FUZZ_CHECK(ev.helo == NULL || ev.helo_len <= EVENT_NAME_MAX,
		    "HELO of %zu bytes", ev.helo_len);
		FUZZ_CHECK(ev.rdns == NULL || ev.rdns_len <= EVENT_NAME_MAX,
		    "rDNS name of %zu bytes", ev.rdns_len);
		FUZZ_CHECK(ev.reason_arg == NULL ||
		    ev.reason_arg_len <= REASON_ARG_MAX,
		    "reason text of %zu bytes", ev.reason_arg_len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*text = (const char *)data, *split;
	struct rules		*rs;
	struct rules_matcher	*rm, *plain;
	char			*cause;
	size_t			 rules_len = size;

	split = memmem(text, size, FUZZ_SPLIT, sizeof FUZZ_SPLIT - 1);
	if (split != NULL)
		rules_len = (size_t)(split - text) + 1;
	if ((rs = rules_parse(FUZZ_NAME, text, rules_len, &cause)) == NULL) {
		FUZZ_CHECK(strncmp(cause, FUZZ_NAME ":",
		    sizeof FUZZ_NAME) == 0, "the error does not name the "
		    "file: %s", cause);
		free(cause);
		return 0;
	}
	FUZZ_CHECK(rules_count(rs) <= RULES_MAX, "%zu rules",
	    rules_count(rs));
	rm = rules_matcher_create(rs);
	plain = rules_matcher_create(rs);
	rules_matcher_set_prefilter(plain, 0);
	if (split != NULL)
		fuzz_match(rm, plain, split + sizeof FUZZ_SPLIT - 1,
		    size - rules_len - (sizeof FUZZ_SPLIT - 2));
	else
		fuzz_match(rm, plain, fuzz_lines, sizeof fuzz_lines - 1);
	rules_matcher_free(plain);
	rules_matcher_free(rm);
	rules_free(rs);
	return 0;
}
