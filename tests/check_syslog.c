/*
 * Tests for core/syslog.c: syslog line prefixes, their times in every
 * supported form, and the year of RFC 3164 times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_suites.h"
#include "syslog.h"

/* 2026-11-30 10:00:00 UTC, and a reference time in June 2026. */
#define T0_UTC		1796032800
#define JUNE_2026	1781265600	/* 2026-06-12 12:00:00 UTC */
#define JAN_2027	1798761600	/* 2027-01-01 00:00:00 UTC */

static struct syslog_year	 yr;
static struct syslog_msg	 sm;
static char			*buf;
static size_t			 buflen;
static char			 field[512];

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
	syslog_year_init(&yr, JAN_2027);
}

static void
teardown(void)
{
	free(buf);
	buf = NULL;
}

/* Parse a copy of line that has no NUL after it. */
static int
parse_flags(const char *line, int flags)
{
	size_t	len = strlen(line);

	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	buflen = len;
	memset(&sm, 0x5a, sizeof sm);
	return syslog_parse(buf, len, &yr, flags, &sm);
}

static int
parse(const char *line)
{
	return parse_flags(line, 0);
}

static const char *
str(const char *p, size_t len)
{
	if (p == NULL)
		return "(null)";
	ck_assert_uint_lt(len, sizeof field);
	memcpy(field, p, len);
	field[len] = '\0';
	return field;
}

#define HOST()	str(sm.host, sm.host_len)
#define TAG()	str(sm.tag, sm.tag_len)
#define MSG()	str(buf + sm.msg, buflen - sm.msg)

/* Parse an RFC 3164 time alone and return its UTC seconds. */
static int64_t
bsd_time(const char *s)
{
	struct ts	t;

	ck_assert_uint_eq(syslog_parse_time(s, strlen(s), &yr, &t),
	    strlen(s));
	return t.utc;
}

START_TEST(test_syslog_rfc3164)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx1 postfix/smtpd[4711]: "
	    "connect from x[192.0.2.1]"), 0);
	ck_assert_int_eq(sm.has_time, 1);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_uint_eq(sm.time.has_offset, 0);
	ck_assert_str_eq(HOST(), "mx1");
	ck_assert_str_eq(TAG(), "postfix/smtpd");
	ck_assert_int_eq(sm.has_pid, 1);
	ck_assert_uint_eq(sm.pid, 4711);
	ck_assert_str_eq(MSG(), "connect from x[192.0.2.1]");
}
END_TEST

START_TEST(test_syslog_day_padding)
{
	ck_assert_int_eq(parse("Nov  3 10:00:00 mx1 sm-mta[1]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC - 27 * 86400);
	ck_assert_int_eq(parse("Nov 03 10:00:00 mx1 sm-mta[1]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC - 27 * 86400);
	ck_assert_int_eq(parse("Nov 3 10:00:00 mx1 sm-mta[1]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC - 27 * 86400);
	ck_assert_str_eq(TAG(), "sm-mta");
}
END_TEST

START_TEST(test_syslog_short_precise)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00.123456 mx1 exim[2]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_uint_eq(sm.time.msec, 123);
	ck_assert_str_eq(TAG(), "exim");
}
END_TEST

START_TEST(test_syslog_rfc3339_colon_offset)
{
	ck_assert_int_eq(parse("2026-11-30T11:00:00.572449+01:00 mx1 "
	    "postfix/smtpd[60203]: NOQUEUE: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_uint_eq(sm.time.msec, 572);
	ck_assert_uint_eq(sm.time.has_offset, 1);
	ck_assert_int_eq(sm.time.offset, 3600);
	ck_assert_str_eq(HOST(), "mx1");
	ck_assert_str_eq(MSG(), "NOQUEUE: x");
}
END_TEST

START_TEST(test_syslog_short_iso_offset)
{
	/* The short-iso output of older journalctl versions: "+0100". */
	ck_assert_int_eq(parse("2026-11-30T11:00:00+0100 mx1 exim[3]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_uint_eq(sm.time.has_offset, 1);
	ck_assert_int_eq(sm.time.offset, 3600);
}
END_TEST

START_TEST(test_syslog_rfc3339_negative_and_z)
{
	ck_assert_int_eq(parse("2026-11-30T06:00:00-04:00 mx1 sm-mta[1]: x"),
	    0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_int_eq(sm.time.offset, -4 * 3600);
	ck_assert_int_eq(parse("2026-11-30T10:00:00Z mx1 sm-mta[1]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_uint_eq(sm.time.has_offset, 1);
	ck_assert_int_eq(sm.time.offset, 0);
}
END_TEST

START_TEST(test_syslog_rfc3339_local)
{
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	ts_local_reset();
	ck_assert_int_eq(parse("2026-11-30T11:00:00 mx1 smtpd[1]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_uint_eq(sm.time.has_offset, 0);
}
END_TEST

START_TEST(test_syslog_iso_space)
{
	ck_assert_int_eq(parse("2026-11-30 10:00:00 mx1.example exim[29786]: "
	    "2026-11-30 09:59:59 H=x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_str_eq(HOST(), "mx1.example");
	ck_assert_str_eq(TAG(), "exim");
	ck_assert_str_eq(MSG(), "2026-11-30 09:59:59 H=x");
}
END_TEST

START_TEST(test_syslog_bsd_priority)
{
	ck_assert_int_eq(parse("Jun 17 14:37:39 <mail.notice> robin "
	    "sm-mta[2794]: 55HIbcGI002794: x"), 0);
	ck_assert_str_eq(HOST(), "robin");
	ck_assert_str_eq(TAG(), "sm-mta");
	ck_assert_uint_eq(sm.pid, 2794);
	ck_assert_str_eq(MSG(), "55HIbcGI002794: x");
}
END_TEST

START_TEST(test_syslog_numeric_priority)
{
	ck_assert_int_eq(parse("<22>Nov 30 10:00:00 mx1 exim[5]: x"), 0);
	ck_assert_int_eq(sm.time.utc, T0_UTC);
	ck_assert_str_eq(TAG(), "exim");
}
END_TEST

START_TEST(test_syslog_solaris_id)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx1 sendmail[9]: [ID 801593 "
	    "mail.info] x1: from=<a>"), 0);
	ck_assert_str_eq(TAG(), "sendmail");
	ck_assert_str_eq(MSG(), "x1: from=<a>");
}
END_TEST

START_TEST(test_syslog_tag_without_pid)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 web courieresmtpd: error,x"),
	    0);
	ck_assert_str_eq(TAG(), "courieresmtpd");
	ck_assert_int_eq(sm.has_pid, 0);
	ck_assert_str_eq(MSG(), "error,x");
}
END_TEST

START_TEST(test_syslog_without_host)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 exim[812]: H=x"), 0);
	ck_assert_ptr_null(sm.host);
	ck_assert_str_eq(TAG(), "exim");
	ck_assert_uint_eq(sm.pid, 812);
	ck_assert_str_eq(MSG(), "H=x");
}
END_TEST

START_TEST(test_syslog_multi_slash_tag)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx postfix-smo/submission/"
	    "smtpd[22427]: x"), 0);
	ck_assert_str_eq(TAG(), "postfix-smo/submission/smtpd");
	ck_assert_uint_eq(sm.pid, 22427);
}
END_TEST

START_TEST(test_syslog_empty_message)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx smtpd[1]:"), 0);
	ck_assert_str_eq(TAG(), "smtpd");
	ck_assert_uint_eq(sm.msg, strlen("Nov 30 10:00:00 mx smtpd[1]:"));
}
END_TEST

START_TEST(test_syslog_no_time_flag)
{
	ck_assert_int_eq(parse("mx1 exim[812]: 2026-11-30 10:00:00 H=x"), -1);
	ck_assert_int_eq(parse_flags("mx1 exim[812]: 2026-11-30 10:00:00 H=x",
	    SYSLOG_NO_TIME), 0);
	ck_assert_int_eq(sm.has_time, 0);
	ck_assert_str_eq(HOST(), "mx1");
	ck_assert_str_eq(TAG(), "exim");
	ck_assert_str_eq(MSG(), "2026-11-30 10:00:00 H=x");
}
END_TEST

START_TEST(test_syslog_not_syslog)
{
	static const char *bad[] = {
		"",
		"Nov 30 10:00:00",
		"Nov 30 10:00:00 ",
		"Nov 30 10:00:00 mx1",
		"Nov 30 10:00:00 mx1 postfix/smtpd[12]",
		"Nov 30 10:00:00 mx1 postfix/smtpd[]: x",
		"Nov 30 10:00:00 mx1 postfix/smtpd[12x]: x",
		"Nov 30 10:00:00 mx1 postfix/smtpd[12345678901]: x",
		"Nov 30 10:00:00 mx1 tag:x",
		"Nov 30 10:00:00 mx1 a b: x",
		"Foo 30 10:00:00 mx1 tag: x",
		"Nov 32 10:00:00 mx1 tag: x",
		"Nov 30 24:00:00 mx1 tag: x",
		"2026-11-30 10:00:00 H=(x) [192.0.2.1] Warning: y",
		"2026-13-30T10:00:00Z mx1 tag: x",
		"2026-11-30T10:00:00+2500 mx1 tag: x",
		"2026-11-30T10:00:00+01 mx1 tag: x",
	};
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(bad[i]) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_syslog_tag_too_long)
{
	char	line[200], tag[SYSLOG_TAG_MAX + 2];

	memset(tag, 'a', SYSLOG_TAG_MAX + 1);
	tag[SYSLOG_TAG_MAX + 1] = '\0';
	snprintf(line, sizeof line, "Nov 30 10:00:00 mx %s: x", tag);
	ck_assert_int_eq(parse(line), -1);
}
END_TEST

START_TEST(test_syslog_tag_is)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx exim4[1]: x"), 0);
	ck_assert_int_eq(syslog_tag_is(&sm, "exim4"), 1);
	ck_assert_int_eq(syslog_tag_is(&sm, "exim"), 0);
	ck_assert_int_eq(syslog_tag_is(&sm, "exim44"), 0);
}
END_TEST

/* Year inference. */

START_TEST(test_syslog_year_reference)
{
	syslog_year_init(&yr, JUNE_2026);
	ck_assert_int_eq(bsd_time("Jun 12 12:00:00"), JUNE_2026);
}
END_TEST

START_TEST(test_syslog_year_first_month_after)
{
	/* A December line read in January belongs to the year before. */
	syslog_year_init(&yr, JAN_2027);
	ck_assert_int_eq(bsd_time("Nov 30 10:00:00"), T0_UTC);
}
END_TEST

START_TEST(test_syslog_year_rollover)
{
	syslog_year_init(&yr, JAN_2027 + 5 * 86400);
	ck_assert_int_eq(bsd_time("Dec 31 23:59:59"), JAN_2027 - 1);
	ck_assert_int_eq(bsd_time("Jan  1 00:00:00"), JAN_2027);
	ck_assert_int_eq(bsd_time("Jan  1 00:00:01"), JAN_2027 + 1);
	/* A late December line after January stays in the old year. */
	ck_assert_int_eq(bsd_time("Dec 31 23:59:58"), JAN_2027 - 2);
	ck_assert_int_eq(bsd_time("Jan  2 00:00:00"), JAN_2027 + 86400);
}
END_TEST

START_TEST(test_syslog_year_small_steps)
{
	/* Months that go back by up to SYSLOG_MONTH_SLACK keep the year. */
	syslog_year_init(&yr, JAN_2027);
	ck_assert_int_eq(bsd_time("Nov 30 10:00:00"), T0_UTC);
	ck_assert_int_eq(bsd_time("Sep 30 10:00:00"), T0_UTC - 61 * 86400);
	ck_assert_int_eq(bsd_time("Nov 30 10:00:00"), T0_UTC);
}
END_TEST

START_TEST(test_syslog_year_leap_day)
{
	struct ts	t;

	/* 2027 is no leap year: February 29 cannot be read. */
	syslog_year_init(&yr, JAN_2027 + 60 * 86400);
	ck_assert_uint_eq(syslog_parse_time("Feb 29 10:00:00", 15, &yr, &t),
	    0);
	syslog_year_init(&yr, 1709208000);	/* 2024-02-29 12:00:00 */
	ck_assert_int_eq(bsd_time("Feb 29 12:00:00"), 1709208000);
}
END_TEST

START_TEST(test_syslog_parse_time_forms)
{
	struct ts	t;

	ck_assert_uint_eq(syslog_parse_time("2026-11-30 10:00:00 +0100 x",
	    27, &yr, &t), 25);
	ck_assert_int_eq(t.utc, T0_UTC - 3600);
	ck_assert_uint_eq(syslog_parse_time("2026-11-30T10:00:00Z", 20, &yr,
	    &t), 20);
	ck_assert_int_eq(t.utc, T0_UTC);
	ck_assert_uint_eq(syslog_parse_time("yesterday", 9, &yr, &t), 0);
}
END_TEST

START_TEST(test_syslog_every_truncation)
{
	static const char	*line = "<30>2026-11-30T10:00:00.123+01:00 "
				    "<mail.info> mx1 postfix/smtpd[12]: [ID 1 "
				    "mail.info] x";
	size_t			 n;

	for (n = 0; n <= strlen(line); n++) {
		free(buf);
		buf = malloc(n > 0 ? n : 1);
		memcpy(buf, line, n);
		buflen = n;
		syslog_parse(buf, n, &yr, SYSLOG_NO_TIME, &sm);
	}
	ck_assert_int_eq(parse(line), 0);
	ck_assert_str_eq(MSG(), "x");
}
END_TEST

/* Feed "<month> 1 00:00:00" to y and return the year it gives. */
static int
year_of_month(struct syslog_year *y, int month)
{
	struct ts_bsd	f;
	struct ts	t;
	struct tm	tm;
	time_t		utc;

	memset(&f, 0, sizeof f);
	f.month = month;
	f.day = 1;
	ck_assert_int_eq(syslog_year_apply(y, &f, &t), 0);
	utc = (time_t)t.utc;
	ck_assert_ptr_nonnull(gmtime_r(&utc, &tm));
	return tm.tm_year + 1900;
}

START_TEST(test_syslog_year_continues_parts)
{
	struct syslog_year	before, fresh;

	/* The whole read of a log from November 2026 is at December. */
	syslog_year_init(&before, JAN_2027);
	ck_assert_int_eq(year_of_month(&before, 11), 2026);
	ck_assert_int_eq(year_of_month(&before, 12), 2026);

	/* A part that starts in January guesses 2027, as the whole read. */
	syslog_year_init(&fresh, JAN_2027);
	ck_assert_int_eq(syslog_year_continues(&before, &fresh), 1);
	ck_assert_int_eq(year_of_month(&fresh, 1), 2027);
	ck_assert_int_eq(syslog_year_continues(&before, &fresh), 1);

	/* A part that starts in December guesses 2026, also right. */
	syslog_year_init(&fresh, JAN_2027);
	ck_assert_int_eq(year_of_month(&fresh, 12), 2026);
	ck_assert_int_eq(syslog_year_continues(&before, &fresh), 1);

	/* After a year of logs, a fresh guess is a year off. */
	ck_assert_int_eq(year_of_month(&before, 1), 2027);
	ck_assert_int_eq(year_of_month(&before, 3), 2027);
	ck_assert_int_eq(year_of_month(&before, 5), 2027);
	ck_assert_int_eq(year_of_month(&before, 7), 2027);
	ck_assert_int_eq(year_of_month(&before, 9), 2027);
	ck_assert_int_eq(year_of_month(&before, 11), 2027);
	ck_assert_int_eq(year_of_month(&before, 12), 2027);
	syslog_year_init(&fresh, JAN_2027);
	ck_assert_int_eq(year_of_month(&fresh, 12), 2026);
	ck_assert_int_eq(syslog_year_continues(&before, &fresh), 0);

	/*
	 * A part that starts in October while the whole read is at June.
	 * The whole read takes October for a late line of the year before
	 * and stays at June, but the part moves to October, so the years
	 * of later lines could differ.
	 */
	syslog_year_init(&before, JAN_2027);
	ck_assert_int_eq(year_of_month(&before, 6), 2026);
	syslog_year_init(&fresh, JAN_2027);
	ck_assert_int_eq(year_of_month(&fresh, 10), 2026);
	ck_assert_int_eq(syslog_year_continues(&before, &fresh), 0);
}
END_TEST

Suite *
make_syslog_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_year, *tc_limits;

	s = suite_create("syslog");

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_syslog_rfc3164);
	tcase_add_test(tc_core, test_syslog_day_padding);
	tcase_add_test(tc_core, test_syslog_short_precise);
	tcase_add_test(tc_core, test_syslog_rfc3339_colon_offset);
	tcase_add_test(tc_core, test_syslog_short_iso_offset);
	tcase_add_test(tc_core, test_syslog_rfc3339_negative_and_z);
	tcase_add_test(tc_core, test_syslog_rfc3339_local);
	tcase_add_test(tc_core, test_syslog_iso_space);
	tcase_add_test(tc_core, test_syslog_bsd_priority);
	tcase_add_test(tc_core, test_syslog_numeric_priority);
	tcase_add_test(tc_core, test_syslog_solaris_id);
	tcase_add_test(tc_core, test_syslog_tag_without_pid);
	tcase_add_test(tc_core, test_syslog_without_host);
	tcase_add_test(tc_core, test_syslog_multi_slash_tag);
	tcase_add_test(tc_core, test_syslog_empty_message);
	tcase_add_test(tc_core, test_syslog_no_time_flag);
	tcase_add_test(tc_core, test_syslog_tag_is);
	suite_add_tcase(s, tc_core);

	tc_year = tcase_create("year");
	tcase_add_checked_fixture(tc_year, setup, teardown);
	tcase_add_test(tc_year, test_syslog_year_reference);
	tcase_add_test(tc_year, test_syslog_year_first_month_after);
	tcase_add_test(tc_year, test_syslog_year_rollover);
	tcase_add_test(tc_year, test_syslog_year_small_steps);
	tcase_add_test(tc_year, test_syslog_year_leap_day);
	tcase_add_test(tc_year, test_syslog_parse_time_forms);
	tcase_add_test(tc_year, test_syslog_year_continues_parts);
	suite_add_tcase(s, tc_year);

	tc_limits = tcase_create("limits");
	tcase_add_checked_fixture(tc_limits, setup, teardown);
	tcase_add_test(tc_limits, test_syslog_not_syslog);
	tcase_add_test(tc_limits, test_syslog_tag_too_long);
	tcase_add_test(tc_limits, test_syslog_every_truncation);
	suite_add_tcase(s, tc_limits);

	return s;
}
