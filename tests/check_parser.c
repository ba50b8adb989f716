/*
 * Tests for core/parser.c: format names, detection from a buffer and line
 * by line, routing to each format, Exim's split syslog records, the year
 * of syslog dates across a file, and custom rules on top of a format.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_event.h"
#include "check_rounds.h"
#include "check_suites.h"
#include "parser.h"
#include "rules.h"

#define FIXTURES	"tests/fixtures/formats"
#define T0_UTC		1796032800	/* 2026-11-30 10:00:00 UTC */
#define JAN_2027	1798761600	/* 2027-01-01 00:00:00 UTC */

static struct parser		*pa;
static struct rules		*rs;
static char			*buf;
static struct event		 ev;

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
}

static void
teardown(void)
{
	parser_free(pa);
	rules_free(rs);
	free(buf);
	pa = NULL;
	rs = NULL;
	buf = NULL;
}

static void
create(enum log_format format)
{
	struct parser_options	 o;
	char			*cause = NULL;

	memset(&o, 0, sizeof o);
	o.format = format;
	o.rules = rs;
	o.reference = JAN_2027;
	pa = parser_create(&o, &cause);
	ck_assert_msg(pa != NULL, "parser_create: %s", cause);
}

static enum parse_result
parse(const char *line)
{
	size_t	len = strlen(line);

	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	memset(&ev, 0x5a, sizeof ev);
	return parser_line(pa, buf, len, &ev);
}


/* Read a fixture file into a malloc'ed buffer. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*data;
	long	 size;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	data = malloc((size_t)size + 1);
	ck_assert_uint_eq(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return data;
}

/* Count the clients the parser finds in a fixture file. */
static int
count_clients(const char *path)
{
	char	*data, *p, *nl;
	size_t	 len;
	int	 clients = 0;

	data = slurp(path, &len);
	data[len] = '\0';
	for (p = data; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		if (parse(p) == PARSE_CLIENT)
			clients++;
	}
	free(data);
	return clients;
}

START_TEST(test_parser_format_names)
{
	static const char	*names[] = {
		"auto", "exim", "postfix", "sendmail", "opensmtpd", "rules"
	};
	enum log_format		 f;
	size_t			 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_int_eq(log_format_parse(names[i], &f), 0);
		ck_assert_int_eq(f, (enum log_format)i);
		ck_assert_str_eq(log_format_name(f), names[i]);
	}
	ck_assert_int_eq(log_format_parse("Exim", &f), -1);
	ck_assert_int_eq(log_format_parse("", &f), -1);
	ck_assert_int_eq(log_format_parse("qmail", &f), -1);
}
END_TEST

START_TEST(test_parser_detect_buffers)
{
	static const struct {
		const char	*text;
		enum log_format	 format;
	} cases[] = {
		{ "2026-11-30 10:00:00 Start queue run: pid=1\n",
		    LOG_FORMAT_EXIM },
		{ "Nov 30 10:00:00 mx exim[1]: 2026-11-30 10:00:00 x\n",
		    LOG_FORMAT_EXIM },
		{ "Nov 30 10:00:00 mx exim4[1]: x\n", LOG_FORMAT_EXIM },
		{ "Nov 30 10:00:00 mx dovecot[2]: x\n"
		    "Nov 30 10:00:00 mx postfix/qmgr[3]: x\n",
		    LOG_FORMAT_POSTFIX },
		{ "2026-11-30T10:00:00+01:00 mx postfix-in/postscreen[3]: x\n",
		    LOG_FORMAT_POSTFIX },
		{ "Nov 30 10:00:00 mx sm-mta[4]: x\n", LOG_FORMAT_SENDMAIL },
		{ "Nov 30 10:00:00 mx sendmail[4]: x\n", LOG_FORMAT_SENDMAIL },
		{ "Nov 30 10:00:00 mx sm-acceptingconnections[4]: x\n",
		    LOG_FORMAT_SENDMAIL },
		{ "Nov 30 10:00:00 mx smtpd[5]: 0123456789abcdef smtp "
		    "connected address=local host=x\n", LOG_FORMAT_OPENSMTPD },
		{ "Nov 30 10:00:00 mx smtpd[5]: smtp-in: Closing session x\n",
		    LOG_FORMAT_OPENSMTPD },
		{ "Nov 30 10:00:00 mx smtpd[5]: connect from x[192.0.2.1]\n",
		    LOG_FORMAT_AUTO },
		{ "Nov 30 10:00:00 mx dovecot[2]: x\n", LOG_FORMAT_AUTO },
		{ "random text\n", LOG_FORMAT_AUTO },
		{ "", LOG_FORMAT_AUTO },
		/* Only whole lines count. */
		{ "2026-11-30 10:00:00 Start queue run", LOG_FORMAT_AUTO },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(log_format_detect(cases[i].text,
		    strlen(cases[i].text)) == cases[i].format,
		    "case %zu detected as %s", i,
		    log_format_name(log_format_detect(cases[i].text,
		    strlen(cases[i].text))));
}
END_TEST

START_TEST(test_parser_detect_fixtures)
{
	static const struct {
		const char	*file;
		enum log_format	 format;
	} cases[] = {
		{ "exim-mainlog.log", LOG_FORMAT_EXIM },
		{ "exim-syslog.log", LOG_FORMAT_EXIM },
		{ "postfix.log", LOG_FORMAT_POSTFIX },
		{ "postfix-rfc3339.log", LOG_FORMAT_POSTFIX },
		{ "sendmail.log", LOG_FORMAT_SENDMAIL },
		{ "opensmtpd.log", LOG_FORMAT_OPENSMTPD },
		{ "opensmtpd-5x.log", LOG_FORMAT_OPENSMTPD },
		{ "courier.log", LOG_FORMAT_AUTO },
	};
	char	path[256], *data;
	size_t	i, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, FIXTURES "/%s", cases[i].file);
		data = slurp(path, &len);
		ck_assert_msg(log_format_detect(data, len) == cases[i].format,
		    "%s detected as %s", cases[i].file,
		    log_format_name(log_format_detect(data, len)));
		free(data);
	}
}
END_TEST

START_TEST(test_parser_auto_fixtures)
{
	static const struct {
		const char	*file;
		enum log_format	 format;
		int		 clients;
	} cases[] = {
		{ "exim-mainlog.log", LOG_FORMAT_EXIM, 3 },
		{ "exim-syslog.log", LOG_FORMAT_EXIM, 6 },
		{ "postfix.log", LOG_FORMAT_POSTFIX, 4 },
		{ "postfix-rfc3339.log", LOG_FORMAT_POSTFIX, 2 },
		{ "sendmail.log", LOG_FORMAT_SENDMAIL, 2 },
		{ "opensmtpd.log", LOG_FORMAT_OPENSMTPD, 3 },
		{ "opensmtpd-5x.log", LOG_FORMAT_OPENSMTPD, 3 },
		{ "courier.log", LOG_FORMAT_AUTO, 0 },
	};
	char	path[256];
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, FIXTURES "/%s", cases[i].file);
		create(LOG_FORMAT_AUTO);
		ck_assert_int_eq(parser_format(pa), LOG_FORMAT_AUTO);
		ck_assert_msg(count_clients(path) == cases[i].clients,
		    "%s: wrong number of clients", cases[i].file);
		ck_assert_msg(parser_format(pa) == cases[i].format,
		    "%s parsed as %s", cases[i].file,
		    log_format_name(parser_format(pa)));
		parser_free(pa);
		pa = NULL;
	}
}
END_TEST

START_TEST(test_parser_auto_by_client)
{
	/* No tag decides; the line names a client only as OpenSMTPD. */
	create(LOG_FORMAT_AUTO);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx opensmtpd[1]: "
	    "0123456789abcdef smtp connected address=192.0.2.1 host=x.example"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.1");
	ck_assert_int_eq(parser_format(pa), LOG_FORMAT_OPENSMTPD);
}
END_TEST

START_TEST(test_parser_auto_undecided)
{
	create(LOG_FORMAT_AUTO);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx dovecot[2]: imap-login: "
	    "x"), PARSE_UNKNOWN);
	ck_assert_int_eq(parse("some text"), PARSE_UNKNOWN);
	ck_assert_int_eq(parser_format(pa), LOG_FORMAT_AUTO);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix/smtpd[3]: connect "
	    "from unknown[192.0.2.2]"), PARSE_CLIENT);
	ck_assert_int_eq(parser_format(pa), LOG_FORMAT_POSTFIX);
	/* Once decided, other formats' lines name no client. */
	ck_assert_int_eq(parse("2026-11-30 10:00:00 H=(x) [192.0.2.3] "
	    "Warning: y"), PARSE_UNKNOWN);
}
END_TEST

START_TEST(test_parser_forced_formats)
{
	create(LOG_FORMAT_POSTFIX);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx smtpd[3]: connect from "
	    "unknown[192.0.2.4]"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.4");
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix/smtp[3]: connect "
	    "to x[192.0.2.5]:25: refused"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx sm-mta[3]: 5AUA00017001: from=<>, "
	    "relay=[192.0.2.6]"), PARSE_UNKNOWN);
	parser_free(pa);
	create(LOG_FORMAT_SENDMAIL);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx sm-mta[3]: 5AUA00017001: from=<>, "
	    "relay=[192.0.2.6]"), PARSE_CLIENT);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix/smtpd[3]: connect "
	    "from unknown[192.0.2.4]"), PARSE_UNKNOWN);
	ck_assert_int_eq(parser_format(pa), LOG_FORMAT_SENDMAIL);
	parser_free(pa);
	create(LOG_FORMAT_OPENSMTPD);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx smtpd[3]: 0123456789abcdef "
	    "smtp connected address=192.0.2.7 host=<unknown>"), PARSE_CLIENT);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix/smtpd[3]: connect "
	    "from unknown[192.0.2.4]"), PARSE_UNKNOWN);
}
END_TEST

START_TEST(test_parser_exim_syslog_no_inner_stamp)
{
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[1]: H=(x.example) "
	    "[192.0.2.10] Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.10");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(REASON(), "helo_verify_failed");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_parser_exim_journal_short_iso)
{
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("2026-11-30T11:00:00+0100 mx exim[1]: "
	    "[1] H=[192.0.2.11] rejected connection in \"connect\" ACL: "
	    "blocked"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.11");
	ck_assert_str_eq(ARG(), "blocked");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_uint_eq(ev.time.has_offset, 1);
	ck_assert_int_eq(ev.time.offset, 3600);
}
END_TEST

START_TEST(test_parser_exim_inner_stamp_wins)
{
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("Nov 30 10:00:05 mx exim[1]: 2026-11-30 "
	    "10:00:00 +0000 H=[192.0.2.12] Warning: x"), PARSE_CLIENT);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_uint_eq(ev.time.has_offset, 1);
}
END_TEST

START_TEST(test_parser_exim_split_records)
{
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[7]: [1/3] 2026-11-30 "
	    "10:00:00 H=(a b c) [192.0.2.13] F=<a@b.example> rejected RCPT "
	    "<c@d.example>: first"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[8]: [1/2] 2026-11-30 "
	    "10:00:00 H=(other) [192.0.2.14] Warning: o"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[7]: [2/3]  second"),
	    PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[8]: [2/2] ther"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.14");
	ck_assert_str_eq(ARG(), "other");
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[7]: [3/3]  third"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.13");
	ck_assert_str_eq(HELO(), "a b c");
	ck_assert_str_eq(ARG(), "first second third");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

/*
 * Lines that start with Exim's own time but are syslog records of Exim:
 * the tag comes first, after a host name, or after a fraction, an offset
 * or a facility.  Each starts a split entry, which only the syslog path
 * counts.  The last lines have "exim" where no tag can be.
 */
START_TEST(test_parser_exim_tag_after_exim_stamp)
{
	static const char *const tagged[] = {
		"2026-11-30 10:00:00 exim[1]: [1/2] H=(a) [192.0.2.1] x",
		"2026-11-30 10:00:00 mx exim[2]: [1/2] H=(a) [192.0.2.1] x",
		"2026-11-30 10:00:00 mx exim4: [1/2] H=(a) [192.0.2.1] x",
		"2026-11-30 10:00:00.250 mx exim[3]: [1/2] H=(a) [192.0.2.1]",
		"2026-11-30 10:00:00 +0100 mx exim[4]: [1/2] H=(a) [192.0.2.1]",
		"2026-11-30 10:00:00 <mail.info> mx exim[5]: [1/2] H=[192.0.2.1]",
	};
	static const char *const untagged[] = {
		"2026-11-30 10:00:00 mx x exim[6]: [1/2] H=(a) [192.0.2.1] x",
		"2026-11-30 10:00:00  exim[7]: [1/2] H=(a) [192.0.2.1] x",
		"2026-11-30 10:00:00 1ahr79-0006jK-G9 eximx H=(a) [192.0.2.1] x",
		"2026-11-30 10:00:00 mx",
		"2026-11-30 10:00:00 mx exi",
	};
	size_t	i;

	create(LOG_FORMAT_EXIM);
	for (i = 0; i < sizeof tagged / sizeof tagged[0]; i++) {
		ck_assert_int_eq(parse(tagged[i]), PARSE_SKIP);
		ck_assert_uint_eq(parser_split_parts(pa), i + 1);
	}
	for (i = 0; i < sizeof untagged / sizeof untagged[0]; i++) {
		ck_assert_int_eq(parse(untagged[i]), PARSE_SKIP);
		ck_assert_uint_eq(parser_split_parts(pa),
		    sizeof tagged / sizeof tagged[0]);
	}
}
END_TEST

START_TEST(test_parser_exim_split_newline)
{
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [1\\3] "
	    "2026-11-30 10:00:00 1rDnxq-00000000Ofs-1SXn H=(x) [192.0.2.15] "
	    "F=<a@b.example> rejected after DATA: spam"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [2\\3] "
	    "Envelope-from: <a@b.example>"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [3/3] P "
	    "Received: from [192.0.2.99] (helo=fake)"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.15");
	ck_assert_str_eq(ARG(), "spam");
}
END_TEST

START_TEST(test_parser_exim_split_out_of_order)
{
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [2/2] "
	    "H=[192.0.2.16] Warning: x"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [1/3] "
	    "H=[192.0.2.17] Warning: x"), PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [3/3] y"),
	    PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[9]: [2/3] y"),
	    PARSE_SKIP);
}
END_TEST

START_TEST(test_parser_exim_split_slots)
{
	char	line[256];
	int	pid;

	create(LOG_FORMAT_EXIM);
	/* One entry more than the slots: the oldest is dropped. */
	for (pid = 0; pid <= EXIM_SPLIT_SLOTS; pid++) {
		snprintf(line, sizeof line, "Nov 30 10:00:00 mx exim[%d]: "
		    "[1/2] H=[192.0.2.%d] Warning: x", 100 + pid, pid + 1);
		ck_assert_int_eq(parse(line), PARSE_SKIP);
	}
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[100]: [2/2] y"),
	    PARSE_SKIP);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[101]: [2/2] y"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.2");
	ck_assert_str_eq(ARG(), "xy");
}
END_TEST

START_TEST(test_parser_exim_split_bound)
{
	char	*line;
	size_t	 head, len = 20000;

	create(LOG_FORMAT_EXIM);
	line = malloc(len + 1);
	head = (size_t)snprintf(line, len, "Nov 30 10:00:00 mx exim[5]: [1/2] "
	    "H=[192.0.2.18] Warning: ");
	memset(line + head, 'w', len - head);
	line[len] = '\0';
	ck_assert_int_eq(parse(line), PARSE_SKIP);
	free(line);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim[5]: [2/2] tail"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.18");
	ck_assert_uint_eq(ev.reason_arg_len, REASON_ARG_MAX);
}
END_TEST

START_TEST(test_parser_exim_rejectlog_headers)
{
	static const char	*headers[] = {
		"Envelope-from: <a@b.example>",
		"Envelope-to: <c@d.example>",
		"P Received: from [192.0.2.20] (helo=x)",
		"\tby mx.example with esmtp (Exim 4.97)",
		"\t2026-11-30 10:00:00 H=(x) [192.0.2.21] Warning: fake",
		"  Date: Mon, 30 Nov 2026 10:00:00 +0000",
		"  2026-11-30 10:00:00 H=(x) [192.0.2.22] Warning: fake",
		"F From: 2026-11-30 10:00:00 H=(x) [192.0.2.23] Warning: fake",
	};
	size_t			 i;

	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("2026-11-30 10:00:00 1rDnxq-00000000Ofs-1SXn "
	    "H=(x) [192.0.2.19] F=<a@b.example> rejected after DATA: spam"),
	    PARSE_CLIENT);
	for (i = 0; i < sizeof headers / sizeof headers[0]; i++)
		ck_assert_msg(parse(headers[i]) == PARSE_UNKNOWN,
		    "header line \"%s\" read as a log line", headers[i]);
}
END_TEST

START_TEST(test_parser_year_rollover)
{
	create(LOG_FORMAT_POSTFIX);
	ck_assert_int_eq(parse("Dec 31 23:59:59 mx postfix/smtpd[1]: connect "
	    "from unknown[192.0.2.30]"), PARSE_CLIENT);
	ck_assert_int_eq(ev.time.utc, JAN_2027 - 1);
	ck_assert_int_eq(parse("Jan  1 00:00:00 mx postfix/smtpd[1]: connect "
	    "from unknown[192.0.2.30]"), PARSE_CLIENT);
	ck_assert_int_eq(ev.time.utc, JAN_2027);
	ck_assert_int_eq(parse("Dec 31 23:59:58 mx postfix/smtpd[1]: connect "
	    "from unknown[192.0.2.30]"), PARSE_CLIENT);
	ck_assert_int_eq(ev.time.utc, JAN_2027 - 2);
}
END_TEST

START_TEST(test_parser_rules_only)
{
	const char	*text = "rule no_rdns ^host (?<ip>\\S+)$\n";
	char		*cause = NULL;

	rs = rules_parse("t", text, strlen(text), &cause);
	ck_assert_msg(rs != NULL, "%s", cause);
	create(LOG_FORMAT_RULES);
	ck_assert_int_eq(parser_format(pa), LOG_FORMAT_RULES);
	ck_assert_int_eq(parse("host 192.0.2.40"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.40");
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix/smtpd[1]: connect "
	    "from unknown[192.0.2.41]"), PARSE_SKIP);
}
END_TEST

START_TEST(test_parser_rules_before_format)
{
	char		*cause = NULL;
	const char	*text = "rule helo_dynamic ip=(?<ip>\\S+) Warning: HELO "
	    "(?<helo>\\S+) is dynamic$\n";

	rs = rules_parse("t", text, strlen(text), &cause);
	ck_assert_msg(rs != NULL, "%s", cause);
	create(LOG_FORMAT_EXIM);
	/* The rule does not match this line, so Exim's parser reads it. */
	ck_assert_int_eq(parse("2026-11-30 10:00:00 H=(x) [192.0.2.42] "
	    "Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_verify_failed");
}
END_TEST

START_TEST(test_parser_rules_win)
{
	char		*cause = NULL;
	const char	*text = "rule helo_dynamic H=\\((?<helo>[^)]+)\\) "
	    "\\[(?<ip>[^]]+)\\] Warning: pool HELO\n";

	rs = rules_parse("t", text, strlen(text), &cause);
	ck_assert_msg(rs != NULL, "%s", cause);
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parse("2026-11-30 10:00:00 H=(dsl-1.example) "
	    "[192.0.2.43] Warning: pool HELO"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_dynamic");
	ck_assert_str_eq(HELO(), "dsl-1.example");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_parser_rules_format_needs_rules)
{
	struct parser_options	 o;
	char			*cause = NULL;

	memset(&o, 0, sizeof o);
	o.format = LOG_FORMAT_RULES;
	ck_assert_ptr_null(parser_create(&o, &cause));
	ck_assert_str_eq(cause, "the rules format needs a rules file");
	free(cause);
}
END_TEST

START_TEST(test_parser_random_lines_auto)
{
	static const char	*prefixes[] = {
		"Nov 30 10:00:00 mx exim[1]: ",
		"Nov 30 10:00:00 mx postfix/smtpd[1]: ",
		"Nov 30 10:00:00 mx sm-mta[1]: x1: ",
		"Nov 30 10:00:00 mx smtpd[1]: 0123456789abcdef smtp ",
		"2026-11-30 10:00:00 ",
	};
	static const char	 alphabet[] = "[]():;,=<>\"\\/ .0123456789abcdef"
				    "\t\x80 from H= relay= connected address= "
				    "[1/2] [2\\2] reject: ";
	char			 line[300];
	uint32_t		 seed = 99;
	size_t			 i, j, k, n, prefix;

	for (k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
		create(LOG_FORMAT_AUTO);
		prefix = strlen(prefixes[k]);
		memcpy(line, prefixes[k], prefix);
		for (i = 0; i < check_rounds(4000); i++) {
			seed = seed * 1103515245 + 12345;
			n = prefix + (seed >> 16) % (sizeof line - prefix);
			for (j = prefix; j < n; j++) {
				seed = seed * 1103515245 + 12345;
				line[j] = alphabet[(seed >> 16) %
				    (sizeof alphabet - 1)];
			}
			line[n] = '\0';
			if (parse(line) == PARSE_CLIENT)
				ck_assert(ev.addr.family == AF_INET ||
				    ev.addr.family == AF_INET6);
		}
		parser_free(pa);
		pa = NULL;
	}
}
END_TEST

/* Check that two events have equal fields, comparing strings by content. */
static void
check_same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	ck_assert_int_eq(a == NULL, b == NULL);
	if (a == NULL)
		return;
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(a, b, alen);
}

static void
check_same_event(const struct event *a, const struct event *b)
{
	ck_assert_int_eq(a->addr.family, b->addr.family);
	ck_assert_mem_eq(a->addr.bytes, b->addr.bytes, sizeof a->addr.bytes);
	ck_assert_int_eq(a->has_time, b->has_time);
	ck_assert_int_eq(a->time.utc, b->time.utc);
	ck_assert_int_eq(a->time.offset, b->time.offset);
	ck_assert_uint_eq(a->time.msec, b->time.msec);
	ck_assert_uint_eq(a->time.has_offset, b->time.has_offset);
	check_same_text(a->helo, a->helo_len, b->helo, b->helo_len);
	check_same_text(a->rdns, a->rdns_len, b->rdns, b->rdns_len);
	ck_assert_int_eq(a->reason == NULL, b->reason == NULL);
	if (a->reason != NULL)
		ck_assert_str_eq(a->reason, b->reason);
	check_same_text(a->reason_arg, a->reason_arg_len, b->reason_arg,
	    b->reason_arg_len);
}

/*
 * Parse s[0, len) in its own buffer with parser_line of pa and with
 * parser_postfix_line of direct, and check that both give the same.
 */
static void
check_postfix_direct(struct parser *direct, const char *s, size_t len)
{
	struct event		 mine;
	enum parse_result	 rline, rdirect;
	char			*copy;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	memset(&ev, 0x5a, sizeof ev);
	memset(&mine, 0xa5, sizeof mine);
	rline = parser_line(pa, copy, len, &ev);
	rdirect = parser_postfix_line(direct, copy, len, &mine);
	ck_assert_msg(rline == rdirect, "parser_line %d, direct %d: %.*s",
	    (int)rline, (int)rdirect, (int)len, s);
	check_same_event(&ev, &mine);
	free(copy);
}

START_TEST(test_parser_postfix_direct)
{
	static const char	*lines[] = {
		"Nov 30 10:00:00 mx postfix/smtpd[3]: connect from "
		    "unknown[192.0.2.4]",
		"Nov 30 10:00:00 mx postfix/smtpd[3]: connect from "
		    "mail.example.org[2001:db8::7]",
		"Nov 30 10:00:01 mx postfix/smtpd[31]: NOQUEUE: reject: RCPT "
		    "from unknown[192.0.2.9]: 450 4.7.25 Client host rejected: "
		    "cannot find your hostname, [192.0.2.9]; from=<a@b.example> "
		    "to=<c@d.example> proto=ESMTP helo=<pc1>",
		"Nov 30 10:00:01 mx postfix/smtpd[31]: warning: "
		    "unknown[192.0.2.10]: SASL LOGIN authentication failed: "
		    "authentication failure",
		"Nov 30 10:00:01 mx postfix/cleanup[9]: 1A2B3C: "
		    "message-id=<x@y.example>",
		"Nov 30 10:00:02 mx postfix/qmgr[900]: 1A2B3C: removed",
		"Nov 30 10:00:02 mx postfix/smtpd: connect from "
		    "unknown[192.0.2.11]",
		"Nov 30 10:00:02 mx smtpd[3]: connect from unknown[192.0.2.4]",
		"<22>Nov 30 10:00:03 mx postfix/smtpd[3]: connect from "
		    "unknown[192.0.2.12]",
		"2026-11-30T10:00:04+01:00 mx postfix/smtpd[3]: connect from "
		    "unknown[192.0.2.13]",
		"Nov 30 10:00:04 postfix/smtpd[3]: connect from "
		    "unknown[192.0.2.14]",
		"Nov 30 10:00:05 mx dovecot: imap-login: Login",
		"Nov 30 10:00:05 mx postfix/smtp[4]: connect to "
		    "x[192.0.2.5]:25: refused",
	};
	static const char	 bytes[] = { '\0', '\xff', '\x80', ' ', '[',
				    ':', ']' };
	static const char	 alphabet[] = "[]():;,=<>/ .0123456789abcdef"
				    "\t\x80 from connect unknown reject: "
				    "postfix/smtpd";
	static const char	 prefix[] = "Nov 30 10:00:06 mx "
				    "postfix/smtpd[3]: ";
	struct parser		*direct;
	char			 line[300];
	size_t			 i, j, k, n;
	uint32_t		 seed = 7;

	create(LOG_FORMAT_POSTFIX);
	direct = pa;
	ck_assert_int_eq(parser_postfix_only(direct), 1);
	create(LOG_FORMAT_POSTFIX);

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		n = strlen(lines[i]);
		ck_assert_uint_lt(n, sizeof line);
		memcpy(line, lines[i], n);
		for (j = 0; j <= n; j++)
			check_postfix_direct(direct, line, j);
		for (j = 0; j < n; j++) {
			for (k = 0; k < sizeof bytes; k++) {
				char	saved = line[j];

				line[j] = bytes[k];
				check_postfix_direct(direct, line, n);
				line[j] = saved;
			}
		}
	}

	/* Random messages after a Postfix prefix, and random whole lines. */
	for (i = 0; i < check_rounds(20000); i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % sizeof line;
		j = 0;
		if (i % 2 == 0) {
			j = strlen(prefix) < n ? strlen(prefix) : n;
			memcpy(line, prefix, j);
		}
		for (; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			line[j] = alphabet[(seed >> 16) %
			    (sizeof alphabet - 1)];
		}
		check_postfix_direct(direct, line, n);
	}
	parser_free(direct);
}
END_TEST

START_TEST(test_parser_postfix_only)
{
	const char	*text = "rule no_rdns ^host (?<ip>\\S+)$\n";
	char		*cause = NULL;

	create(LOG_FORMAT_AUTO);
	ck_assert_int_eq(parser_postfix_only(pa), 0);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix/smtpd[3]: connect "
	    "from unknown[192.0.2.4]"), PARSE_CLIENT);
	ck_assert_int_eq(parser_format(pa), LOG_FORMAT_POSTFIX);
	ck_assert_int_eq(parser_postfix_only(pa), 1);
	parser_free(pa);
	create(LOG_FORMAT_EXIM);
	ck_assert_int_eq(parser_postfix_only(pa), 0);
	parser_free(pa);

	/* Rules come before the format, so they need parser_line. */
	rs = rules_parse("t", text, strlen(text), &cause);
	ck_assert_msg(rs != NULL, "%s", cause);
	create(LOG_FORMAT_POSTFIX);
	ck_assert_int_eq(parser_postfix_only(pa), 0);
}
END_TEST

Suite *
make_parser_suite(void)
{
	Suite	*s;
	TCase	*tc_detect, *tc_exim, *tc_core, *tc_rules;

	s = suite_create("parser");

	tc_detect = tcase_create("detect");
	tcase_add_checked_fixture(tc_detect, setup, teardown);
	tcase_add_test(tc_detect, test_parser_format_names);
	tcase_add_test(tc_detect, test_parser_detect_buffers);
	tcase_add_test(tc_detect, test_parser_detect_fixtures);
	tcase_add_test(tc_detect, test_parser_auto_fixtures);
	tcase_add_test(tc_detect, test_parser_auto_by_client);
	tcase_add_test(tc_detect, test_parser_auto_undecided);
	suite_add_tcase(s, tc_detect);

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_parser_forced_formats);
	tcase_add_test(tc_core, test_parser_year_rollover);
	tcase_add_test(tc_core, test_parser_random_lines_auto);
	tcase_add_test(tc_core, test_parser_postfix_direct);
	tcase_add_test(tc_core, test_parser_postfix_only);
	suite_add_tcase(s, tc_core);

	tc_exim = tcase_create("exim");
	tcase_add_checked_fixture(tc_exim, setup, teardown);
	tcase_add_test(tc_exim, test_parser_exim_syslog_no_inner_stamp);
	tcase_add_test(tc_exim, test_parser_exim_journal_short_iso);
	tcase_add_test(tc_exim, test_parser_exim_inner_stamp_wins);
	tcase_add_test(tc_exim, test_parser_exim_split_records);
	tcase_add_test(tc_exim, test_parser_exim_tag_after_exim_stamp);
	tcase_add_test(tc_exim, test_parser_exim_split_newline);
	tcase_add_test(tc_exim, test_parser_exim_split_out_of_order);
	tcase_add_test(tc_exim, test_parser_exim_split_slots);
	tcase_add_test(tc_exim, test_parser_exim_split_bound);
	tcase_add_test(tc_exim, test_parser_exim_rejectlog_headers);
	suite_add_tcase(s, tc_exim);

	tc_rules = tcase_create("rules");
	tcase_add_checked_fixture(tc_rules, setup, teardown);
	tcase_add_test(tc_rules, test_parser_rules_only);
	tcase_add_test(tc_rules, test_parser_rules_before_format);
	tcase_add_test(tc_rules, test_parser_rules_win);
	tcase_add_test(tc_rules, test_parser_rules_format_needs_rules);
	suite_add_tcase(s, tc_rules);

	return s;
}
