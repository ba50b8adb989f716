/*
 * Corpus test: run every file of a corpus of public test data through the
 * reader's line check and a parser that detects the format, and compare
 * the events with the values each source expects.
 *
 *	corpus_check DIR
 *
 * Sources and what is checked (see "corpus_sources" below):
 * - fail2ban test logs: the "host" of a "# failJSON:" annotation must be
 *   the client of the next line, at the annotation's month, day and time
 *   (the years there are made up).  Courier is not a supported MTA: its
 *   file is parsed for crashes only and reported as skipped.
 * - Exim's test suite: delivery lines ("=>", "->", ...) name no client; in
 *   whole rejectlogs, lines without a leading timestamp (headers) neither.
 * - CrowdSec hub tests: the asserts of parser.assert.s01-parse-lines give
 *   the address, verified name, HELO and time of line N of the log.  In a
 *   log without asserts, each line must name a client, with one of the
 *   addresses in brackets.
 * - postfix-grok-patterns: the "results:" of each case give the address,
 *   the name (none for "unknown") and the HELO of helo=<...>.  anvil
 *   statistics are reported, not parsed into events.
 * - Postfix's smtpd_check reference output: "./smtpd_check: " stands for
 *   the syslog prefix and "<queue id>" for the queue id; the client is the
 *   name[address] after the first " from ", the HELO that of helo=<...>.
 * - logwatch test-data comments: re-spaced by their author, so runs of
 *   spaces are joined first.  An smtpd line fails only when it holds a
 *   client address that the parser misses; a line of another service
 *   fails when the parser finds a client in it.
 * - Wazuh ruleset tests: a line with an address in brackets must name a
 *   client with one of those addresses.
 * Every source: a client address must appear in its line (OpenSMTPD lines
 * after the connect line excepted), and the detected format must be the
 * source's.  Each file of DIR must belong to a source.
 *
 * Prints one summary line per source with its pass rate, then
 * "corpus: N passed, M failed".  Exits 1 on any failure, and 0 with a
 * note when DIR does not exist.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "field.h"
#include "logread.h"
#include "parser.h"
#include "reason.h"
#include "ts.h"
#include "xmalloc.h"

/* Exit status of a run that found no corpus and tested nothing. */
#define CORPUS_SKIPPED	77

/* Timestamp put before Exim's debug echo "LOG: <line>", which has none. */
#define CORPUS_LOG_STAMP	"2000-01-01 00:00:00 "
/* Syslog prefix put before postfix-grok-patterns and logwatch messages. */
#define CORPUS_SYSLOG_STAMP	"Nov 30 10:00:00 corpus "
/* Queue id put where logwatch lines had one. */
#define CORPUS_QUEUE_ID		"4E8A1B2C3D: "
/* Reference time for years of RFC 3164 dates: 2027-01-01 00:00:00 UTC. */
#define CORPUS_REFERENCE	((time_t)1798761600)
/* Bytes of a failing line printed. */
#define CORPUS_SHOW_MAX		200
/* Longest expected value kept (address, name, HELO, time). */
#define CORPUS_VALUE_MAX	256
/* Lines of a CrowdSec test log that asserts may refer to. */
#define CORPUS_ASSERT_MAX	64
/* Maximum length of a line built for the parser from a source line. */
#define CORPUS_LINE_MAX		(LOGREAD_LINE_MAX + 256)
/* Open folders that nftw may keep while it walks the corpus. */
#define CORPUS_WALK_FDS		16

enum corpus_kind {
	CORPUS_PLAIN,		/* log lines as they are */
	CORPUS_REJECTLOG,	/* whole Exim rejectlogs with header blocks */
	CORPUS_FAIL2BAN,	/* log lines with "# failJSON:" annotations */
	CORPUS_DEBUG_LOG,	/* "LOG: <line>" without a timestamp */
	CORPUS_WAZUH,		/* "log N pass = <line>" in an .ini file */
	CORPUS_CROWDSEC,	/* test folders of *.log files and asserts */
	CORPUS_GROK,		/* YAML cases with data: and results: */
	CORPUS_SMTPD_CHECK,	/* "./smtpd_check: <queue id>: ..." */
	CORPUS_LOGWATCH,	/* "#TD<service> <message>" comments */
};

struct corpus_source {
	const char		*path;		/* relative to DIR */
	enum corpus_kind	 kind;
	enum log_format		 format;	/* the format to detect */
	int			 is_dir;	/* every file in the folder */
	const char		*dir_prefix;	/* only subfolders named so */
	const char		*file_suffix;	/* only files named so */
	int			 skipped;	/* parsed, but no MTA we read */
};

static const struct corpus_source corpus_sources[] = {
	{ "fail2ban/exim", CORPUS_FAIL2BAN, LOG_FORMAT_EXIM, 0, NULL, NULL,
	    0 },
	{ "fail2ban/exim-spam", CORPUS_FAIL2BAN, LOG_FORMAT_EXIM, 0, NULL,
	    NULL, 0 },
	{ "fail2ban/postfix", CORPUS_FAIL2BAN, LOG_FORMAT_POSTFIX, 0, NULL,
	    NULL, 0 },
	{ "fail2ban/sendmail-reject", CORPUS_FAIL2BAN, LOG_FORMAT_SENDMAIL,
	    0, NULL, NULL, 0 },
	{ "fail2ban/sendmail-auth", CORPUS_FAIL2BAN, LOG_FORMAT_SENDMAIL, 0,
	    NULL, NULL, 0 },
	{ "fail2ban/courier-smtp", CORPUS_FAIL2BAN, LOG_FORMAT_AUTO, 0, NULL,
	    NULL, 1 },
	{ "exim-testsuite/test/log", CORPUS_PLAIN, LOG_FORMAT_EXIM, 1, NULL,
	    NULL, 0 },
	{ "exim-testsuite/test/rejectlog", CORPUS_PLAIN, LOG_FORMAT_EXIM, 1,
	    NULL, NULL, 0 },
	{ "exim-testsuite/test/rejectlog-whole", CORPUS_REJECTLOG,
	    LOG_FORMAT_EXIM, 1, NULL, NULL, 0 },
	{ "exim-testsuite/test/stderr-LOG-lines", CORPUS_DEBUG_LOG,
	    LOG_FORMAT_EXIM, 1, NULL, NULL, 0 },
	{ "crowdsec-hub/tests", CORPUS_CROWDSEC, LOG_FORMAT_EXIM, 1, "exim-",
	    ".log", 0 },
	{ "crowdsec-hub/tests", CORPUS_CROWDSEC, LOG_FORMAT_POSTFIX, 1,
	    "postfix-", ".log", 0 },
	{ "postfix-grok-patterns/test", CORPUS_GROK, LOG_FORMAT_POSTFIX, 1,
	    NULL, ".yaml", 0 },
	{ "postfix-testsuite", CORPUS_SMTPD_CHECK, LOG_FORMAT_POSTFIX, 1,
	    NULL, ".ref", 0 },
	{ "logwatch/scripts-services-postfix.TD-lines.txt", CORPUS_LOGWATCH,
	    LOG_FORMAT_POSTFIX, 0, NULL, NULL, 0 },
	{ "wazuh/ruleset/testing/tests/exim.ini", CORPUS_WAZUH,
	    LOG_FORMAT_EXIM, 0, NULL, NULL, 0 },
	{ "wazuh/ruleset/testing/tests/postfix.ini", CORPUS_WAZUH,
	    LOG_FORMAT_POSTFIX, 0, NULL, NULL, 0 },
	{ "wazuh/ruleset/testing/tests/opensmtpd.ini", CORPUS_WAZUH,
	    LOG_FORMAT_OPENSMTPD, 0, NULL, NULL, 0 },
};
#define CORPUS_NSOURCES	(sizeof corpus_sources / sizeof corpus_sources[0])

/* Files of DIR that are notes or test settings, not log data. */
static const char *corpus_not_logs[] = { "SOURCES.md", "config.yaml" };

struct corpus_stats {
	uint64_t	lines;
	uint64_t	clients;
	uint64_t	unknown;
	uint64_t	bad;
	uint64_t	expected;	/* lines with expected values */
	uint64_t	by_design;	/* lines with no event by design */
	uint64_t	passed;
	uint64_t	failed;
};

/* What one line must yield; zeroed means "no client beyond the line's". */
struct corpus_expect {
	int	client;		/* 1: must name ip; -1: must name none */
	char	ip[CORPUS_VALUE_MAX];
	int	any_bracket;	/* the client is any address in brackets */
	int	check_rdns;
	char	rdns[CORPUS_VALUE_MAX];	/* "" for no verified name */
	int	check_helo;
	char	helo[CORPUS_VALUE_MAX];	/* "" for no HELO */
	int	check_fields;	/* month, day and time of day */
	int	fields[5];	/* month, day, hour, minute, second */
	int	check_exact;
	struct ts exact;
	int	outbound;	/* an Exim delivery line: no client */
};

struct corpus_file {
	const char			*path;
	const struct corpus_source	*src;
	uint64_t			 lineno;
	struct parser			*parser;
	int				 clients;
	struct corpus_stats		*st;
};

static struct reason_table	*corpus_reasons;
static char			**corpus_covered;
static size_t			 corpus_ncovered;

/* Print at most CORPUS_SHOW_MAX bytes of s with control bytes escaped. */
static void
corpus_show(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && i < CORPUS_SHOW_MAX; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			printf("\\x%02x", (unsigned char)s[i]);
		else
			putchar(s[i]);
	}
	if (len > CORPUS_SHOW_MAX)
		printf("...");
	putchar('\n');
}

static void
corpus_fail(struct corpus_file *cf, const char *why, const char *line,
    size_t len)
{
	printf("corpus: FAIL %s:%llu: %s: ", cf->path,
	    (unsigned long long)cf->lineno, why);
	corpus_show(line, len);
}

static void
corpus_copy(char *dst, const char *src, size_t len)
{
	if (len >= CORPUS_VALUE_MAX)
		len = CORPUS_VALUE_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int
corpus_same_ip(const struct event_addr *a, const char *text, size_t len)
{
	struct event_addr	b;

	return field_addr(text, len, &b) == 0 && a->family == b.family &&
	    memcmp(a->bytes, b.bytes, sizeof a->bytes) == 0;
}

/* Check whether an address in brackets in line is the client's. */
static int
corpus_bracket_ip(const char *line, size_t len, const struct event_addr *a,
    int *found)
{
	const char		*p = line, *end = line + len, *q;
	struct event_addr	 b;

	*found = 0;
	while ((p = memchr(p, '[', (size_t)(end - p))) != NULL) {
		p++;
		if ((q = memchr(p, ']', (size_t)(end - p))) == NULL)
			break;
		if (field_addr(p, (size_t)(q - p), &b) == 0) {
			*found = 1;
			if (a != NULL && corpus_same_ip(a, p, (size_t)(q - p)))
				return 1;
		}
	}
	return 0;
}

/* Check whether the client's address appears as text in line. */
static int
corpus_ip_in_line(const struct event *ev, const char *line, size_t len)
{
	char	ip[INET6_ADDRSTRLEN], *copy;
	int	found, any;

	if (inet_ntop(ev->addr.family, ev->addr.bytes, ip, sizeof ip) == NULL)
		return 0;
	copy = xstrndup(line, len);
	found = strcasestr(copy, ip) != NULL;
	free(copy);
	return found || corpus_bracket_ip(line, len, &ev->addr, &any);
}

static int
corpus_field_eq(const char *s, size_t len, const char *want)
{
	if (s == NULL)
		return want[0] == '\0';
	return strlen(want) == len && memcmp(s, want, len) == 0;
}

/* Compare the month, day and time of day of t with want. */
static int
corpus_fields_eq(const struct ts *t, const int *want)
{
	struct tm	tm;
	time_t		wall;

	wall = (time_t)(t->utc + (t->has_offset ? t->offset : 0));
	if (gmtime_r(&wall, &tm) == NULL)
		return 0;
	return tm.tm_mon + 1 == want[0] && tm.tm_mday == want[1] &&
	    tm.tm_hour == want[2] && tm.tm_min == want[3] &&
	    tm.tm_sec == want[4];
}

/* Parse one log line and compare what it yields with ex. */
static void
corpus_line(struct corpus_file *cf, const char *line, size_t len,
    const struct corpus_expect *ex)
{
	struct corpus_stats	*st = cf->st;
	struct event		 ev;
	enum parse_result	 r;
	int			 ok = 1, found;

	st->lines++;
	if (logread_check_line(line, len) != NULL) {
		st->bad++;
		r = PARSE_UNKNOWN;
		memset(&ev, 0, sizeof ev);
	} else
		r = parser_line(cf->parser, line, len, &ev);
	if (r == PARSE_CLIENT) {
		st->clients++;
		cf->clients++;
	} else if (r == PARSE_UNKNOWN)
		st->unknown++;
	if (cf->src->skipped) {
		st->passed++;
		return;
	}
	if (ex->client != 0)
		st->expected++;

	if (ex->client < 0 && r == PARSE_CLIENT) {
		corpus_fail(cf, ex->outbound ? "outbound line parsed as a "
		    "client" : "a line that names no client gave one", line,
		    len);
		ok = 0;
	} else if (ex->client > 0 && r != PARSE_CLIENT) {
		printf("corpus: FAIL %s:%llu: expected client %s, got none: ",
		    cf->path, (unsigned long long)cf->lineno,
		    ex->any_bracket ? "in brackets" : ex->ip);
		corpus_show(line, len);
		ok = 0;
	} else if (ex->client > 0 && (ex->any_bracket ?
	    !corpus_bracket_ip(line, len, &ev.addr, &found) :
	    !corpus_same_ip(&ev.addr, ex->ip, strlen(ex->ip)))) {
		corpus_fail(cf, "wrong client address", line, len);
		ok = 0;
	} else if (r == PARSE_CLIENT) {
		if (cf->src->format != LOG_FORMAT_OPENSMTPD &&
		    !corpus_ip_in_line(&ev, line, len)) {
			corpus_fail(cf, "client address not in the line", line,
			    len);
			ok = 0;
		}
		if (ex->check_rdns && !corpus_field_eq(ev.rdns, ev.rdns_len,
		    ex->rdns)) {
			printf("corpus: FAIL %s:%llu: expected rDNS \"%s\": ",
			    cf->path, (unsigned long long)cf->lineno, ex->rdns);
			corpus_show(line, len);
			ok = 0;
		}
		if (ex->check_helo && !corpus_field_eq(ev.helo, ev.helo_len,
		    ex->helo)) {
			printf("corpus: FAIL %s:%llu: expected HELO \"%s\": ",
			    cf->path, (unsigned long long)cf->lineno, ex->helo);
			corpus_show(line, len);
			ok = 0;
		}
		if ((ex->check_fields || ex->check_exact) && !ev.has_time) {
			corpus_fail(cf, "no time", line, len);
			ok = 0;
		} else if (ex->check_fields &&
		    !corpus_fields_eq(&ev.time, ex->fields)) {
			corpus_fail(cf, "wrong time", line, len);
			ok = 0;
		} else if (ex->check_exact && ts_cmp(&ev.time,
		    &ex->exact) != 0) {
			corpus_fail(cf, "wrong time", line, len);
			ok = 0;
		}
	}
	if (ok)
		st->passed++;
	else
		st->failed++;
}

/*
 * Check, without the parser, whether an Exim line is about an outbound
 * delivery: "=>", "->", "**", "==", "*>" or ">>" after the timestamp,
 * "[pid]" and the message id.
 */
static int
corpus_outbound(const char *line, size_t len)
{
	static const char	*marks[] = { "=> ", "-> ", "** ", "== ", "*> ",
				    ">> " };
	struct ts		 t;
	const char		*sp;
	size_t			 off, i, n;

	if ((off = ts_parse_exim(line, len, &t)) == 0 || off >= len)
		return 0;
	off++;
	if (off < len && line[off] == '[' &&
	    (sp = memchr(line + off, ' ', len - off)) != NULL &&
	    sp[-1] == ']')
		off = (size_t)(sp - line) + 1;
	if ((sp = memchr(line + off, ' ', len - off)) != NULL) {
		n = (size_t)(sp - line) - off;
		if ((n == 16 || n == 23) && line[off + 6] == '-')
			off += n + 1;
	}
	for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (len - off >= 3 && memcmp(line + off, marks[i], 3) == 0)
			return 1;
	return 0;
}

/* Set ex for an Exim line: delivery lines name no client. */
static void
corpus_exim_expect(const char *line, size_t len, struct corpus_expect *ex)
{
	memset(ex, 0, sizeof *ex);
	if (corpus_outbound(line, len)) {
		ex->client = -1;
		ex->outbound = 1;
	}
}

/* Read the "YYYY-MM-DDTHH:MM:SS" of an annotation into ex's fields. */
static void
corpus_annotation_time(const char *s, struct corpus_expect *ex)
{
	static const char	 seps[] = "-T::";
	char			*end;
	long			 v;
	int			 i;

	/* Skip the year, then read month, day, hour, minute and second. */
	(void)strtol(s, &end, 10);
	if (end == s || *end != '-')
		return;
	for (i = 0; i < 5; i++) {
		s = end + 1;
		v = strtol(s, &end, 10);
		if (end == s || v < 0 || v > 99 ||
		    (i < 4 && *end != seps[i]))
			return;
		ex->fields[i] = (int)v;
	}
	ex->check_fields = 1;
}

/* Take the string value of "key" in a JSON-like line, or return 0. */
static int
corpus_json_value(const char *line, const char *key, char *value)
{
	char		 quoted[64];
	const char	*p, *q;

	snprintf(quoted, sizeof quoted, "\"%s\"", key);
	if ((p = strstr(line, quoted)) == NULL)
		return 0;
	p += strlen(quoted);
	p += strspn(p, " \t:");
	if (*p != '"' || (q = strchr(p + 1, '"')) == NULL)
		return 0;
	corpus_copy(value, p + 1, (size_t)(q - p - 1));
	return 1;
}

/* A parser that detects the format, as the program uses it. */
static struct parser *
corpus_parser(void)
{
	struct parser_options	 o;
	struct parser		*p;
	char			*cause = NULL;

	memset(&o, 0, sizeof o);
	o.format = LOG_FORMAT_AUTO;
	o.reasons = corpus_reasons;
	o.reference = CORPUS_REFERENCE;
	if ((p = parser_create(&o, &cause)) == NULL) {
		printf("corpus: FAIL %s\n", cause);
		exit(1);
	}
	return p;
}

static void
corpus_cover(const char *path)
{
	corpus_covered = xreallocarray(corpus_covered, corpus_ncovered + 1,
	    sizeof *corpus_covered);
	corpus_covered[corpus_ncovered++] = xstrdup(path);
}

static FILE *
corpus_open(struct corpus_file *cf, const char *path,
    const struct corpus_source *src, struct corpus_stats *st)
{
	FILE	*f;

	memset(cf, 0, sizeof *cf);
	cf->path = path;
	cf->src = src;
	cf->st = st;
	corpus_cover(path);
	if ((f = fopen(path, "r")) == NULL) {
		printf("corpus: FAIL cannot open %s\n", path);
		st->failed++;
		return NULL;
	}
	cf->parser = corpus_parser();
	return f;
}

/* Check the format the parser detected and close the file. */
static void
corpus_close(struct corpus_file *cf, FILE *f)
{
	enum log_format	 got = parser_format(cf->parser);

	if (!cf->src->skipped && got != cf->src->format &&
	    !(got == LOG_FORMAT_AUTO && cf->clients == 0)) {
		printf("corpus: FAIL %s: detected as %s, not %s\n", cf->path,
		    log_format_name(got), log_format_name(cf->src->format));
		cf->st->failed++;
	}
	parser_free(cf->parser);
	fclose(f);
}

/* Read the next line into *line without its newline; -1 at the end. */
static ssize_t
corpus_getline(struct corpus_file *cf, FILE *f, char **line, size_t *size)
{
	ssize_t	n;

	if ((n = getline(line, size, f)) == -1)
		return -1;
	cf->lineno++;
	if (n > 0 && (*line)[n - 1] == '\n')
		(*line)[--n] = '\0';
	return n;
}

/* Plain logs, whole rejectlogs and Exim's "LOG: " debug lines. */
static void
corpus_exim_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	static char		 buf[CORPUS_LINE_MAX];
	struct corpus_file	 cf;
	struct corpus_expect	 ex;
	struct ts		 t;
	FILE			*f;
	char			*line = NULL;
	size_t			 size = 0, n;
	ssize_t			 len;

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	while ((len = corpus_getline(&cf, f, &line, &size)) != -1) {
		if (src->kind == CORPUS_DEBUG_LOG &&
		    strncmp(line, "LOG: ", 5) == 0 &&
		    (size_t)len - 5 <= LOGREAD_LINE_MAX) {
			n = strlen(CORPUS_LOG_STAMP);
			memcpy(buf, CORPUS_LOG_STAMP, n);
			memcpy(buf + n, line + 5, (size_t)len - 5);
			n += (size_t)len - 5;
		} else {
			n = (size_t)len < sizeof buf ? (size_t)len :
			    sizeof buf - 1;
			memcpy(buf, line, n);
		}
		corpus_exim_expect(buf, n, &ex);
		/* Header lines of a rejectlog entry have no timestamp. */
		if (src->kind == CORPUS_REJECTLOG &&
		    ts_parse_exim(buf, n, &t) == 0)
			ex.client = -1;
		corpus_line(&cf, buf, n, &ex);
	}
	free(line);
	corpus_close(&cf, f);
}

static void
corpus_fail2ban_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	struct corpus_file	 cf;
	struct corpus_expect	 ex, pending;
	FILE			*f;
	char			*line = NULL, time[CORPUS_VALUE_MAX];
	size_t			 size = 0;
	ssize_t			 len;
	int			 have = 0;

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	memset(&pending, 0, sizeof pending);
	while ((len = corpus_getline(&cf, f, &line, &size)) != -1) {
		if (strncmp(line, "# failJSON:", 11) == 0) {
			memset(&pending, 0, sizeof pending);
			if (corpus_json_value(line, "host", pending.ip)) {
				pending.client = 1;
				if (corpus_json_value(line, "time", time))
					corpus_annotation_time(time, &pending);
			}
			have = 1;
			continue;
		}
		if (len == 0 || line[0] == '#')
			continue;
		if (src->format == LOG_FORMAT_EXIM)
			corpus_exim_expect(line, (size_t)len, &ex);
		else
			memset(&ex, 0, sizeof ex);
		if (have && pending.client)
			ex = pending;
		have = 0;
		memset(&pending, 0, sizeof pending);
		corpus_line(&cf, line, (size_t)len, &ex);
	}
	if (have && pending.client) {
		printf("corpus: FAIL %s: annotation for %s at the end of the "
		    "file has no log line\n", path, pending.ip);
		st->failed++;
	}
	free(line);
	corpus_close(&cf, f);
}

/* The log lines of a Wazuh test, "log N pass = <line>". */
static void
corpus_wazuh_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	struct corpus_file	 cf;
	struct corpus_expect	 ex;
	FILE			*f;
	char			*line = NULL, *p;
	size_t			 size = 0, n;
	ssize_t			 len;
	int			 found;

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	while ((len = corpus_getline(&cf, f, &line, &size)) != -1) {
		if (strncmp(line, "log ", 4) != 0 ||
		    (p = strstr(line, " pass = ")) == NULL)
			continue;
		p += strlen(" pass = ");
		n = (size_t)len - (size_t)(p - line);
		memset(&ex, 0, sizeof ex);
		corpus_bracket_ip(p, n, NULL, &found);
		if (found) {
			ex.client = 1;
			ex.any_bracket = 1;
		} else if (src->format == LOG_FORMAT_OPENSMTPD)
			ex.client = -1;
		corpus_line(&cf, p, n, &ex);
	}
	free(line);
	corpus_close(&cf, f);
}

/* Read the quoted or bare value after "== " of an assert line. */
static int
corpus_assert_value(const char *s, char *value)
{
	const char	*end;

	if ((s = strstr(s, " == \"")) == NULL)
		return 0;
	s += 5;
	if ((end = strrchr(s, '"')) == NULL || end < s)
		return 0;
	corpus_copy(value, s, (size_t)(end - s));
	return 1;
}

/*
 * Read a CrowdSec assert file into one expectation per log line: the
 * address, verified name, HELO and time of the s01-parse results.
 */
static void
corpus_crowdsec_asserts(const char *path, struct corpus_expect *ex,
    size_t nex)
{
	FILE		*f;
	char		*line = NULL, value[CORPUS_VALUE_MAX];
	const char	*p;
	struct ts_bsd	 bsd;
	size_t		 size = 0;
	unsigned long	 i;

	corpus_cover(path);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (getline(&line, &size, f) != -1) {
		if ((p = strstr(line, "].Evt.")) == NULL &&
		    (p = strstr(line, "].Success")) == NULL)
			continue;
		while (p > line && p[-1] != '[')
			p--;
		i = strtoul(p, NULL, 10);
		if (i >= nex)
			continue;
		if (strstr(line, "].Success == true") != NULL) {
			ex[i].client = 1;
			continue;
		}
		if ((p = strstr(line, ".Evt.")) != NULL &&
		    strstr(p, "\"][") != NULL && strstr(p,
		    "Unmarshaled[\"postfix\"][\"helo\"]") == NULL)
			continue;	/* a slice such as ["x"][4:] */
		if (!corpus_assert_value(line, value))
			continue;
		if (strstr(line, "Meta[\"source_ip\"]") != NULL)
			snprintf(ex[i].ip, sizeof ex[i].ip, "%s", value);
		else if (strstr(line, "Meta[\"source_dns\"]") != NULL ||
		    strstr(line, "Meta[\"source_hostname\"]") != NULL) {
			ex[i].check_rdns = 1;
			snprintf(ex[i].rdns, sizeof ex[i].rdns, "%s",
			    strcmp(value, "unknown") == 0 ? "" : value);
		} else if (strstr(line, "Meta[\"source_helo\"]") != NULL) {
			ex[i].check_helo = 1;
			snprintf(ex[i].helo, sizeof ex[i].helo, "%s", value);
		} else if (strstr(line, "Unmarshaled[\"postfix\"][\"helo\"]") !=
		    NULL && value[0] == '<' && strlen(value) >= 2) {
			ex[i].check_helo = 1;
			corpus_copy(ex[i].helo, value + 1, strlen(value) - 2);
		} else if (strstr(line, "Parsed[\"date\"]") != NULL) {
			ex[i].check_exact = ts_parse_exim(value,
			    strlen(value), &ex[i].exact) == strlen(value);
		} else if (strstr(line, "Parsed[\"timestamp8601\"]") != NULL) {
			ex[i].check_exact = ts_parse_rfc3339(value,
			    strlen(value), &ex[i].exact) == strlen(value);
		} else if (strstr(line, "Parsed[\"timestamp\"]") != NULL &&
		    ts_parse_bsd(value, strlen(value), &bsd) > 0) {
			ex[i].check_fields = 1;
			ex[i].fields[0] = bsd.month;
			ex[i].fields[1] = bsd.day;
			ex[i].fields[2] = bsd.hour;
			ex[i].fields[3] = bsd.min;
			ex[i].fields[4] = bsd.sec;
		}
	}
	free(line);
	fclose(f);
}

static void
corpus_crowdsec_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	static struct corpus_expect	 asserts[CORPUS_ASSERT_MAX];
	struct corpus_file		 cf;
	struct corpus_expect		 ex;
	struct stat			 sb;
	FILE				*f;
	char				*line = NULL, *dir, *apath;
	size_t				 size = 0;
	ssize_t				 len;
	int				 has_asserts, found;

	memset(asserts, 0, sizeof asserts);
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	xasprintf(&apath, "%s/parser.assert.s01-parse-lines", dir);
	has_asserts = stat(apath, &sb) == 0;
	if (has_asserts)
		corpus_crowdsec_asserts(apath, asserts, CORPUS_ASSERT_MAX);
	free(apath);
	free(dir);

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	while ((len = corpus_getline(&cf, f, &line, &size)) != -1) {
		memset(&ex, 0, sizeof ex);
		if (has_asserts && cf.lineno <= CORPUS_ASSERT_MAX) {
			ex = asserts[cf.lineno - 1];
			if (ex.client && ex.ip[0] == '\0')
				ex.client = 0;
		} else if (!has_asserts && len > 0) {
			corpus_bracket_ip(line, (size_t)len, NULL, &found);
			ex.client = found ? 1 : -1;
			ex.any_bracket = 1;
		}
		corpus_line(&cf, line, (size_t)len, &ex);
	}
	free(line);
	corpus_close(&cf, f);
}

/* Take the value of a YAML line "  key: value", without quotes. */
static int
corpus_yaml_value(const char *line, const char *key, char *value)
{
	const char	*p = line;
	size_t		 n = strlen(key), len;

	p += strspn(p, " ");
	if (strncmp(p, key, n) != 0 || p[n] != ':')
		return 0;
	p += n + 1;
	p += strspn(p, " ");
	len = strlen(p);
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
		p++;
		len -= 2;
	}
	corpus_copy(value, p, len);
	return 1;
}

/* Find "name[ip]" after needle in s into ip and name; returns 1 if valid. */
static int
corpus_scan_client(const char *s, const char *needle, char *ip, char *name)
{
	const char		*p = s, *b, *e;
	struct event_addr	 a;

	while ((p = strstr(p, needle)) != NULL) {
		p += strlen(needle);
		b = p + strcspn(p, " []");
		if (*b == '[' && (e = strchr(b + 1, ']')) != NULL &&
		    field_addr(b + 1, (size_t)(e - b - 1), &a) == 0) {
			corpus_copy(name, p, (size_t)(b - p));
			corpus_copy(ip, b + 1, (size_t)(e - b - 1));
			return 1;
		}
	}
	return 0;
}

/* Set the HELO of ex from the last " helo=<...>" of s. */
static void
corpus_expect_helo(const char *s, struct corpus_expect *ex)
{
	const char	*h = NULL, *p = s, *end;

	while ((p = strstr(p, " helo=<")) != NULL) {
		h = p;
		p++;
	}
	if (h == NULL || (end = strrchr(h, '>')) == NULL)
		return;
	ex->check_helo = 1;
	corpus_copy(ex->helo, h + 7, (size_t)(end - h - 7));
}

static void
corpus_grok_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	static char		 buf[CORPUS_LINE_MAX];
	struct corpus_file	 cf;
	struct corpus_expect	 ex;
	FILE			*f;
	const char		*base;
	char			*line = NULL, data[CORPUS_VALUE_MAX * 4];
	char			 value[CORPUS_VALUE_MAX], name[CORPUS_VALUE_MAX];
	char			 kv[CORPUS_VALUE_MAX + 1], service[32];
	size_t			 size = 0;
	int			 has_data = 0, n;

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	memset(&ex, 0, sizeof ex);
	base = strrchr(path, '/') + 1;
	snprintf(service, sizeof service, "%.*s", (int)strcspn(base, "_"),
	    base);
	while (corpus_getline(&cf, f, &line, &size) != -1) {
		if (strncmp(line, "data: ", 6) == 0) {
			/* The raw YAML text keeps Postfix's "\r\n" escapes. */
			line[strcspn(line, "\r")] = '\0';
			snprintf(data, sizeof data, "%s", line + 6);
			n = (int)strlen(data);
			if (n >= 2 && data[0] == '"' && data[n - 1] == '"') {
				memmove(data, data + 1, (size_t)n - 2);
				data[n - 2] = '\0';
			}
			has_data = 1;
		} else if (corpus_yaml_value(line, "postfix_client_ip",
		    value)) {
			ex.client = 1;
			snprintf(ex.ip, sizeof ex.ip, "%s", value);
		} else if (corpus_yaml_value(line, "postfix_client_hostname",
		    value)) {
			ex.check_rdns = 1;
			snprintf(ex.rdns, sizeof ex.rdns, "%s",
			    strcmp(value, "unknown") == 0 ? "" : value);
		} else if (corpus_yaml_value(line, "postfix_keyvalue_data",
		    value)) {
			snprintf(kv, sizeof kv, " %s", value);
			corpus_expect_helo(kv, &ex);
			if (corpus_scan_client(value, "client=", ex.ip, name)) {
				ex.client = 1;
				ex.check_rdns = 1;
				snprintf(ex.rdns, sizeof ex.rdns, "%s",
				    strcmp(name, "unknown") == 0 ? "" : name);
			}
		}
	}
	if (!has_data) {
		printf("corpus: FAIL %s: no data line\n", path);
		st->failed++;
	} else {
		n = snprintf(buf, sizeof buf, CORPUS_SYSLOG_STAMP
		    "postfix/%s[1]: %s", service, data);
		if (strcmp(service, "anvil") == 0) {
			/* Statistics of the past minutes, not a connection. */
			st->by_design++;
			ex.client = -1;
		}
		corpus_line(&cf, buf, (size_t)n, &ex);
	}
	free(line);
	corpus_close(&cf, f);
}

static void
corpus_smtpd_check_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	static char		 buf[CORPUS_LINE_MAX];
	static const char	 prefix[] = "./smtpd_check: ";
	struct corpus_file	 cf;
	struct corpus_expect	 ex;
	FILE			*f;
	char			*line = NULL, *p, name[CORPUS_VALUE_MAX];
	size_t			 size = 0;
	int			 n;

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	while (corpus_getline(&cf, f, &line, &size) != -1) {
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			continue;
		p = line + strlen(prefix);
		if (strncmp(p, "<queue id>: ", 12) == 0)
			n = snprintf(buf, sizeof buf, CORPUS_SYSLOG_STAMP
			    "postfix/smtpd[1]: NOQUEUE: %s", p + 12);
		else
			n = snprintf(buf, sizeof buf, CORPUS_SYSLOG_STAMP
			    "postfix/smtpd[1]: %s", p);
		memset(&ex, 0, sizeof ex);
		if (corpus_scan_client(p, " from ", ex.ip, name)) {
			ex.client = 1;
			ex.check_rdns = 1;
			snprintf(ex.rdns, sizeof ex.rdns, "%s",
			    strcmp(name, "unknown") == 0 ? "" : name);
			ex.check_helo = 1;
			corpus_expect_helo(p, &ex);
		} else
			ex.client = -1;
		corpus_line(&cf, buf, (size_t)n, &ex);
	}
	free(line);
	corpus_close(&cf, f);
}

/*
 * The services of logwatch's test-data codes, longest first: "sd" is
 * smtpd, "s" the SMTP client, "c" cleanup and so on.  "pg", "pfw" and
 * "spf" are policy servers, not Postfix.
 */
static const struct {
	const char	*code;
	const char	*tag;
} corpus_logwatch_codes[] = {
	{ "spf", "policy-spf" }, { "pfw", "postfwd" }, { "pg", "postgrey" },
	{ "ps", "postfix/postsuper" }, { "pp", "postfix/pipe" },
	{ "sd", "postfix/smtpd" }, { "s", "postfix/smtp" },
	{ "c", "postfix/cleanup" }, { "q", "postfix/qmgr" },
	{ "l", "postfix/local" }, { "v", "postfix/virtual" },
	{ "b", "postfix/bounce" }, { "m", "postfix/master" },
	{ "p", "postfix/pickup" }, { "", "postfix/smtpd" },
};

/* Join runs of spaces and drop trailing ones, in place. */
static void
corpus_squeeze(char *s)
{
	char	*w = s, *r;

	for (r = s; *r != '\0'; r++)
		if (!(*r == ' ' && (w == s || w[-1] == ' ')))
			*w++ = *r;
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* Find the client address a logwatch smtpd message holds, if any. */
static int
corpus_logwatch_client(const char *text, char *ip)
{
	char		 name[CORPUS_VALUE_MAX];
	const char	*p;
	size_t		 n;
	struct event_addr a;

	/* A server's reply to Postfix's SMTP client, not an smtpd line. */
	if (strstr(text, " reply from ") != NULL)
		return 0;
	if (corpus_scan_client(text, " from ", ip, name) ||
	    corpus_scan_client(text, "client=", ip, name) ||
	    (strncmp(text, "warning: ", 9) == 0 &&
	    corpus_scan_client(text, "warning: ", ip, name)))
		return 1;
	if ((p = strstr(text, "does not resolve to address ")) != NULL) {
		p += strlen("does not resolve to address ");
		n = strcspn(p, " ");
		if (n > 0 && p[n - 1] == ':')
			n--;
		if (field_addr(p, n, &a) == 0) {
			corpus_copy(ip, p, n);
			return 1;
		}
	}
	p = text;
	if (strncmp(p, "warning: ", 9) == 0) {
		p += 9;
		if (strncmp(p, "smtpd_peer_init: ", 17) == 0)
			p += 17;
		n = strcspn(p, " ");
		if (n > 1 && p[n - 1] == ':' && field_addr(p, n - 1, &a) == 0) {
			corpus_copy(ip, p, n - 1);
			return 1;
		}
	}
	return 0;
}

static void
corpus_logwatch_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	static char		 buf[CORPUS_LINE_MAX];
	struct corpus_file	 cf;
	struct corpus_expect	 ex;
	FILE			*f;
	const char		*tag, *qid;
	char			*line = NULL, *p, *text;
	size_t			 size = 0, i, n;
	int			 len, smtpd;

	if ((f = corpus_open(&cf, path, src, st)) == NULL)
		return;
	while (corpus_getline(&cf, f, &line, &size) != -1) {
		p = line + strspn(line, " \t");
		if (strncmp(p, "#", 1) != 0)
			continue;
		p += 1 + strspn(p + 1, " \t");
		if (strncmp(p, "TD", 2) != 0)
			continue;
		p += 2;
		for (i = 0; i < sizeof corpus_logwatch_codes /
		    sizeof corpus_logwatch_codes[0]; i++) {
			n = strlen(corpus_logwatch_codes[i].code);
			if (strncmp(p, corpus_logwatch_codes[i].code, n) == 0)
				break;
		}
		tag = corpus_logwatch_codes[i].tag;
		p += strlen(corpus_logwatch_codes[i].code);
		qid = "";
		if (*p == 'N' || *p == 'Q') {
			qid = *p == 'N' ? "NOQUEUE: " : CORPUS_QUEUE_ID;
			p++;
		}
		/* A count "(12)" or digits, then ": " or a space. */
		p += strspn(p, "0123456789");
		if (*p == '(')
			p += strcspn(p, ")") + (strchr(p, ')') != NULL);
		p += strspn(p, "0123456789");
		if (*p == ':')
			p++;
		if (*p != ' ' && *p != '\t')
			continue;	/* the "TD<service><QID>" key line */
		text = p + strspn(p, " \t");
		for (p = text; *p != '\0'; p++)
			if (*p == '\t')
				*p = ' ';
		corpus_squeeze(text);
		/* A line that kept its own "postfix/smtpd[pid]: " tag. */
		if (strncmp(text, "postfix/", 8) == 0 &&
		    (p = strstr(text, "]: ")) != NULL)
			text = p + 3;
		if (strncmp(text, "NOQUEUE: ", 9) == 0 ||
		    strncmp(text, CORPUS_QUEUE_ID, strlen(CORPUS_QUEUE_ID)) == 0)
			qid = "";
		len = snprintf(buf, sizeof buf, CORPUS_SYSLOG_STAMP
		    "%s[1]: %s%s", tag, qid, text);
		smtpd = strcmp(tag, "postfix/smtpd") == 0;
		memset(&ex, 0, sizeof ex);
		if (smtpd && corpus_logwatch_client(text, ex.ip))
			ex.client = 1;
		else if (!smtpd)
			ex.client = -1;
		corpus_line(&cf, buf, (size_t)len, &ex);
	}
	free(line);
	corpus_close(&cf, f);
}

static void
corpus_file(const char *path, const struct corpus_source *src,
    struct corpus_stats *st)
{
	switch (src->kind) {
	case CORPUS_PLAIN:
	case CORPUS_REJECTLOG:
	case CORPUS_DEBUG_LOG:
		corpus_exim_file(path, src, st);
		break;
	case CORPUS_FAIL2BAN:
		corpus_fail2ban_file(path, src, st);
		break;
	case CORPUS_WAZUH:
		corpus_wazuh_file(path, src, st);
		break;
	case CORPUS_CROWDSEC:
		corpus_crowdsec_file(path, src, st);
		break;
	case CORPUS_GROK:
		corpus_grok_file(path, src, st);
		break;
	case CORPUS_SMTPD_CHECK:
		corpus_smtpd_check_file(path, src, st);
		break;
	case CORPUS_LOGWATCH:
		corpus_logwatch_file(path, src, st);
		break;
	}
}

static int
corpus_has_suffix(const char *name, const char *suffix)
{
	size_t	n = strlen(name), m = strlen(suffix);

	return n >= m && strcmp(name + n - m, suffix) == 0;
}

/*
 * Check every file in top, or in its matching subfolders, in name order:
 * the files of top first, then those of each subfolder.  The folders wait
 * in a list, so that no function calls itself.
 */
static void
corpus_dir(const char *top, const struct corpus_source *src,
    struct corpus_stats *st)
{
	struct dirent	**names;
	struct stat	  sb;
	char		**dirs, *path;
	size_t		  ndirs = 1, d;
	int		  n, i, depth;

	dirs = xreallocarray(NULL, 1, sizeof *dirs);
	dirs[0] = xstrdup(top);
	for (d = 0; d < ndirs; d++) {
		depth = d == 0 ? 0 : 1;
		if ((n = scandir(dirs[d], &names, NULL, alphasort)) == -1) {
			printf("corpus: FAIL cannot read %s\n", dirs[d]);
			st->failed++;
			continue;
		}
		for (i = 0; i < n; i++) {
			if (names[i]->d_name[0] == '.') {
				free(names[i]);
				continue;
			}
			xasprintf(&path, "%s/%s", dirs[d], names[i]->d_name);
			if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				if (depth == 0 && (src->dir_prefix == NULL ||
				    strncmp(names[i]->d_name, src->dir_prefix,
				    strlen(src->dir_prefix)) == 0)) {
					dirs = xreallocarray(dirs, ndirs + 1,
					    sizeof *dirs);
					dirs[ndirs++] = path;
					path = NULL;
				}
			} else if (S_ISREG(sb.st_mode) &&
			    (src->file_suffix == NULL ||
			    corpus_has_suffix(names[i]->d_name,
			    src->file_suffix)) &&
			    (src->dir_prefix == NULL || depth > 0))
				corpus_file(path, src, st);
			free(path);
			free(names[i]);
		}
		free(names);
	}
	for (d = 0; d < ndirs; d++)
		free(dirs[d]);
	free(dirs);
}

/* Log files that no source read, counted by corpus_uncovered_entry. */
static uint64_t	corpus_uncovered_count;

static int
corpus_uncovered_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	const char	*name = path + ftw->base;
	size_t		 k;

	(void)sb;
	if (ftw->level > 0 && name[0] == '.')
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (type == FTW_D)
		return FTW_CONTINUE;
	for (k = 0; k < sizeof corpus_not_logs / sizeof corpus_not_logs[0];
	    k++) {
		if (strcmp(name, corpus_not_logs[k]) == 0)
			return FTW_CONTINUE;
	}
	for (k = 0; k < corpus_ncovered; k++) {
		if (strcmp(corpus_covered[k], path) == 0)
			return FTW_CONTINUE;
	}
	printf("corpus: FAIL %s: no source reads this file\n", path);
	corpus_uncovered_count++;
	return FTW_CONTINUE;
}

/* Fail for every log file under dir that no source read. */
static uint64_t
corpus_uncovered(const char *dir)
{
	corpus_uncovered_count = 0;
	if (nftw(dir, corpus_uncovered_entry, CORPUS_WALK_FDS,
	    FTW_ACTIONRETVAL) == -1)
		return 1;
	return corpus_uncovered_count;
}

static void
corpus_summary(const struct corpus_source *src, const struct corpus_stats *st)
{
	uint64_t	total = st->passed + st->failed;

	printf("corpus: %s", src->path);
	if (src->dir_prefix != NULL)
		printf("/%s*", src->dir_prefix);
	if (src->skipped) {
		printf(": %llu lines, %llu clients; skipped: not an MTA "
		    "smtptriage reads\n", (unsigned long long)st->lines,
		    (unsigned long long)st->clients);
		return;
	}
	printf(": %llu lines, %llu clients, %llu with expected values, "
	    "%llu unknown, %llu bad", (unsigned long long)st->lines,
	    (unsigned long long)st->clients,
	    (unsigned long long)st->expected,
	    (unsigned long long)st->unknown, (unsigned long long)st->bad);
	if (st->by_design > 0)
		printf(", %llu anvil statistics (no event by design)",
		    (unsigned long long)st->by_design);
	printf("; %llu passed, %llu failed (%.1f%%)\n",
	    (unsigned long long)st->passed, (unsigned long long)st->failed,
	    total > 0 ? 100.0 * (double)st->passed / (double)total : 100.0);
}

int
main(int argc, char **argv)
{
	const struct corpus_source	*src;
	struct corpus_stats		 st, total;
	struct stat			 sb;
	char				*path;
	size_t				 i;

	if (argc != 2) {
		fprintf(stderr, "usage: corpus_check DIR\n");
		return 2;
	}
	if (stat(argv[1], &sb) == -1) {
		printf("corpus: %s not found, skipped\n", argv[1]);
		return CORPUS_SKIPPED;
	}
	if (!S_ISDIR(sb.st_mode)) {
		printf("corpus: FAIL %s is not a folder\n", argv[1]);
		return 1;
	}

	/* Test-suite times are local wall-clock times, so fix the zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	corpus_reasons = reason_table_create();

	memset(&total, 0, sizeof total);
	for (i = 0; i < CORPUS_NSOURCES; i++) {
		src = &corpus_sources[i];
		memset(&st, 0, sizeof st);
		xasprintf(&path, "%s/%s", argv[1], src->path);
		if (stat(path, &sb) == -1) {
			printf("corpus: FAIL %s not found\n", path);
			st.failed++;
		} else if (src->is_dir)
			corpus_dir(path, src, &st);
		else
			corpus_file(path, src, &st);
		free(path);
		corpus_summary(src, &st);
		total.passed += st.passed;
		total.failed += st.failed;
	}
	total.failed += corpus_uncovered(argv[1]);

	printf("corpus: %llu passed, %llu failed\n",
	    (unsigned long long)total.passed,
	    (unsigned long long)total.failed);
	for (i = 0; i < corpus_ncovered; i++)
		free(corpus_covered[i]);
	free(corpus_covered);
	reason_table_free(corpus_reasons);
	return total.failed == 0 ? 0 : 1;
}
