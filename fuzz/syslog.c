/*
 * Fuzz target for syslog prefixes as rsyslog, syslog-ng and journalctl
 * write them: syslog_parse with and without SYSLOG_NO_TIME, and the year
 * inference of RFC 3164 times over the lines of one input.  The input is
 * a log; each line without a NUL byte is parsed.
 *
 * Checked beyond "no crash": the host name and tag lie inside the line,
 * are non-empty, within SYSLOG_HOST_MAX and SYSLOG_TAG_MAX bytes and
 * contain no space.  The message starts after them and within the line.
 * A line parsed with a time splits the same with SYSLOG_NO_TIME.  The
 * inferred year stays between the year before the reference and one year
 * more per line, and every time formats as ISO 8601.
 */
#include <stdlib.h>
#include <string.h>

#include "logread.h"
#include "syslog.h"
#include "ts.h"
#include "fuzz.h"

/* 2026-11-30 10:00:00 UTC: the reference for dates without a year. */
#define FUZZ_REFERENCE		1796032800
#define FUZZ_REFERENCE_YEAR	2026

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	return 0;
}

static void
fuzz_check_msg(const char *line, size_t len, const struct syslog_msg *sm)
{
	char	iso[TS_ISO_MAX];
	size_t	n;

	if (sm->host != NULL) {
		FUZZ_CHECK(sm->host >= line &&
		    sm->host + sm->host_len <= line + len,
		    "host name outside the line");
		FUZZ_CHECK(sm->host_len > 0 && sm->host_len <= SYSLOG_HOST_MAX,
		    "host name of %zu bytes", sm->host_len);
		FUZZ_CHECK(memchr(sm->host, ' ', sm->host_len) == NULL,
		    "space in the host name");
	}
	FUZZ_CHECK(sm->tag != NULL, "no tag");
	FUZZ_CHECK(sm->tag >= line && sm->tag + sm->tag_len <= line + len,
	    "tag outside the line");
	FUZZ_CHECK(sm->tag_len > 0 && sm->tag_len <= SYSLOG_TAG_MAX,
	    "tag of %zu bytes", sm->tag_len);
	FUZZ_CHECK(memchr(sm->tag, ' ', sm->tag_len) == NULL,
	    "space in the tag");
	if (sm->host != NULL)
		FUZZ_CHECK(sm->host + sm->host_len < sm->tag,
		    "tag before the end of the host name");
	FUZZ_CHECK(sm->msg <= len, "message at %zu of %zu bytes", sm->msg,
	    len);
	FUZZ_CHECK(line + sm->msg >= sm->tag + sm->tag_len,
	    "message starts inside the tag");
	if (sm->has_time) {
		FUZZ_CHECK(sm->time.msec < 1000, "%u milliseconds",
		    (unsigned)sm->time.msec);
		n = ts_format_iso(&sm->time, iso, sizeof iso);
		FUZZ_CHECK(n > 0 && n < sizeof iso && strlen(iso) == n,
		    "ISO time of %zu bytes", n);
	}
}

/*
 * Split the line as parser_postfix does, with syslog_parse_head and then
 * syslog_parse_rest or syslog_parse, and return the result.  The state
 * pair must follow the state of syslog_parse with SYSLOG_NO_TIME.
 */
static int
fuzz_head_rest(const char *line, size_t len, struct syslog_year *pair,
    struct syslog_msg *out)
{
	int	head, r, valid;

	head = syslog_parse_head(line, len, pair, out);
	if (head == -1)
		return -1;
	if (head == 0)
		return syslog_parse(line, len, pair, SYSLOG_NO_TIME, out);
	valid = syslog_rest_valid(line, len, out);
	r = syslog_parse_rest(line, len, out);
	FUZZ_CHECK(valid == (r == 0), "syslog_rest_valid %d, rest %d", valid,
	    r);
	return r;
}

/*
 * Parse with the shortcuts (state yr) and without them (state full).  The
 * results and the year states must agree.
 */
static void
fuzz_shortcuts(const char *line, size_t len, struct syslog_year *yr,
    struct syslog_year *full, struct syslog_year *pair)
{
	struct syslog_msg	a, b, c;
	int			ra, rb, rc;

	ra = syslog_parse(line, len, yr, SYSLOG_NO_TIME, &a);
	rb = syslog_parse(line, len, full, SYSLOG_NO_TIME |
	    SYSLOG_NO_SHORTCUTS, &b);
	rc = fuzz_head_rest(line, len, pair, &c);
	FUZZ_CHECK(ra == rc, "result %d, head and rest %d", ra, rc);
	FUZZ_CHECK(yr->year == pair->year && yr->month == pair->month &&
	    yr->first_year == pair->first_year &&
	    yr->first_month == pair->first_month,
	    "year state differs after head and rest");
	if (ra == 0)
		FUZZ_CHECK(a.has_time == c.has_time &&
		    ts_cmp(&a.time, &c.time) == 0 &&
		    a.time.offset == c.time.offset &&
		    a.time.has_offset == c.time.has_offset &&
		    a.host == c.host && a.host_len == c.host_len &&
		    a.tag == c.tag && a.tag_len == c.tag_len &&
		    a.pid == c.pid && a.has_pid == c.has_pid && a.msg == c.msg,
		    "head and rest split the line differently");
	FUZZ_CHECK(ra == rb, "result %d, without shortcuts %d", ra, rb);
	FUZZ_CHECK(yr->year == full->year && yr->month == full->month &&
	    yr->first_year == full->first_year &&
	    yr->first_month == full->first_month,
	    "year state differs without shortcuts");
	if (ra != 0)
		return;
	FUZZ_CHECK(a.has_time == b.has_time && ts_cmp(&a.time, &b.time) == 0 &&
	    a.time.offset == b.time.offset &&
	    a.time.has_offset == b.time.has_offset,
	    "time differs without shortcuts");
	FUZZ_CHECK(a.host == b.host && a.host_len == b.host_len &&
	    a.tag == b.tag && a.tag_len == b.tag_len && a.pid == b.pid &&
	    a.has_pid == b.has_pid && a.msg == b.msg,
	    "fields differ without shortcuts");
}

static void
fuzz_line(const char *line, size_t len, struct syslog_year *yr,
    size_t lineno)
{
	struct syslog_msg	sm, loose;
	struct syslog_year	copy;

	/* Parse twice from the same year state: the results must agree. */
	copy = *yr;
	if (syslog_parse(line, len, yr, 0, &sm) == 0) {
		fuzz_check_msg(line, len, &sm);
		FUZZ_CHECK(sm.has_time, "no time without SYSLOG_NO_TIME");
		FUZZ_CHECK(syslog_parse(line, len, &copy, SYSLOG_NO_TIME,
		    &loose) == 0, "rejected with SYSLOG_NO_TIME");
		FUZZ_CHECK(loose.msg == sm.msg && loose.tag == sm.tag &&
		    loose.host == sm.host && ts_cmp(&loose.time, &sm.time) == 0,
		    "SYSLOG_NO_TIME splits the line differently");
	} else if (syslog_parse(line, len, yr, SYSLOG_NO_TIME, &loose) == 0)
		fuzz_check_msg(line, len, &loose);
	if (yr->year != 0)
		FUZZ_CHECK(yr->year >= FUZZ_REFERENCE_YEAR - 1 &&
		    (long long)yr->year <= FUZZ_REFERENCE_YEAR +
		    (long long)lineno,
		    "year %d after %zu lines", yr->year, lineno);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*log = (const char *)data, *line, *nl;
	struct syslog_year	 yr, fast, full, pair;
	size_t			 off = 0, len, lineno = 0;

	syslog_year_init(&yr, FUZZ_REFERENCE);
	syslog_year_init(&fast, FUZZ_REFERENCE);
	syslog_year_init(&full, FUZZ_REFERENCE);
	syslog_year_init(&pair, FUZZ_REFERENCE);
	while (off < size) {
		line = log + off;
		nl = memchr(line, '\n', size - off);
		len = nl != NULL ? (size_t)(nl - line) : size - off;
		lineno++;
		if (len <= LOGREAD_LINE_MAX &&
		    memchr(line, '\0', len) == NULL) {
			fuzz_line(line, len, &yr, lineno);
			fuzz_shortcuts(line, len, &fast, &full, &pair);
		}
		off += len + 1;
	}
	return 0;
}
