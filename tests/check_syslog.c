/*
 * Tests for core/syslog.c: syslog line prefixes, their times in every
 * supported form, and the year of RFC 3164 times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_rounds.h"
#include "check_suites.h"
#include "check_util.h"
#include "span.h"
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

/*
 * Times in Exim's own form take a shortcut past the BSD cache, so they
 * are parsed in turn with BSD times, which fill and use that cache.
 */
START_TEST(test_syslog_exim_after_bsd)
{
	static const struct {
		const char	*text;
		size_t		 used;		/* 0: invalid */
		int64_t		 utc;
		unsigned	 msec;
	} cases[] = {
		{ "Nov 30 10:00:00", 15, T0_UTC, 0 },
		{ "2026-11-30 10:00:07.250 x", 23, T0_UTC + 7, 250 },
		{ "2026-11-30 10:00:09", 19, T0_UTC + 9, 0 },
		{ "2026-11-30 24:00:00", 0, 0, 0 },
		{ "2026-11-30 10:00:0x", 0, 0, 0 },
		{ "2026-11-30 ", 0, 0, 0 },
		{ "Nov 30 10:00:01", 15, T0_UTC + 1, 0 },
	};
	struct ts	t;
	size_t		i, used;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		used = syslog_parse_time(cases[i].text, strlen(cases[i].text),
		    &yr, &t);
		ck_assert_msg(used == cases[i].used, "\"%s\": %zu bytes used",
		    cases[i].text, used);
		if (used == 0)
			continue;
		ck_assert_msg(t.utc == cases[i].utc, "\"%s\": utc %lld",
		    cases[i].text, (long long)t.utc);
		ck_assert_msg(t.msec == cases[i].msec, "\"%s\": msec %u",
		    cases[i].text, (unsigned)t.msec);
	}
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

/* Check that two syslog_msg results are the same field by field. */
static void
check_msg_same(const struct syslog_msg *a, const struct syslog_msg *b)
{
	ck_assert_int_eq(a->has_time, b->has_time);
	ck_assert_int_eq(a->time.utc, b->time.utc);
	ck_assert_uint_eq(a->time.msec, b->time.msec);
	ck_assert_int_eq(a->time.offset, b->time.offset);
	ck_assert_uint_eq(a->time.has_offset, b->time.has_offset);
	ck_assert_ptr_eq(a->host, b->host);
	ck_assert_uint_eq(a->host_len, b->host_len);
	ck_assert_ptr_eq(a->tag, b->tag);
	ck_assert_uint_eq(a->tag_len, b->tag_len);
	ck_assert_uint_eq(a->pid, b->pid);
	ck_assert_int_eq(a->has_pid, b->has_pid);
	ck_assert_uint_eq(a->msg, b->msg);
}

/* A kind of tag for syslog_parse_short made from all its bytes. */
static int
test_tag_kind(const char *tag, size_t len)
{
	unsigned	h = 7;
	size_t		i;

	for (i = 0; i < len; i++)
		h = h * 31 + (unsigned char)tag[i];
	return (int)(h & 0x7fffffff);
}

/*
 * Split line[0, len) with syslog_parse_head, then syslog_parse_rest, or
 * with syslog_parse where the head returns 0.  Check the result and the
 * year state against syslog_parse with SYSLOG_NO_TIME on a copy of ref,
 * which is left as it was.  Also check syslog_skip_rest and
 * syslog_parse_short against the two steps.
 */
static void
check_head_rest_same(const char *line, size_t len, struct syslog_year *state,
    const struct syslog_year *ref)
{
	struct syslog_year	 whole = *ref, joined = *ref;
	struct syslog_msg	 a, b, skip, one;
	int			 ra, rb, head, valid, rskip, rone;

	memset(&a, 0x5a, sizeof a);
	memset(&b, 0x5a, sizeof b);
	memset(&one, 0x5a, sizeof one);
	head = syslog_parse_head(line, len, state, &a);
	rone = syslog_parse_short(line, len, &joined, test_tag_kind, &one);
	if (head == 1) {
		skip = a;
		valid = syslog_rest_valid(line, len, &a);
		rskip = syslog_skip_rest(line, len, &skip);
		ra = syslog_parse_rest(line, len, &a);
		ck_assert_int_eq(valid, ra == 0);
		ck_assert_int_eq(rskip, ra);
		ck_assert_int_eq(rone, ra == 0 ? 1 : -1);
		if (ra == 0) {
			ck_assert_uint_eq(skip.msg, a.msg);
			ck_assert_uint_eq(one.msg, a.msg);
			ck_assert_int_eq(ts_cmp(&one.time, &a.time), 0);
			ck_assert_ptr_eq(one.host, a.host);
			ck_assert_uint_eq(one.host_len, a.host_len);
			ck_assert_ptr_eq(one.tag, a.tag);
			ck_assert_uint_eq(one.tag_len, a.tag_len);
			ck_assert_int_eq(one.tag_kind,
			    test_tag_kind(a.tag, a.tag_len));
		}
	} else if (head == 0) {
		ck_assert_int_eq(rone, 0);
		ra = syslog_parse(line, len, state, SYSLOG_NO_TIME, &a);
	} else {
		ck_assert_int_eq(rone, -1);
		ra = -1;
	}
	ck_assert_int_eq(joined.year, state->year);
	ck_assert_int_eq(joined.month, state->month);
	rb = syslog_parse(line, len, &whole, SYSLOG_NO_TIME, &b);
	ck_assert_msg(ra == rb, "head %d, result %d, syslog_parse %d: %.*s",
	    head, ra, rb, (int)len, line);
	ck_assert_int_eq(state->year, whole.year);
	ck_assert_int_eq(state->month, whole.month);
	ck_assert_int_eq(state->first_year, whole.first_year);
	ck_assert_int_eq(state->first_month, whole.first_month);
	if (ra == 0)
		check_msg_same(&a, &b);
}

/*
 * Parse line[0, len) with the shortcuts (state fast) and without them
 * (state full), and check that both give the same result and state.
 */
static void
check_shortcuts_same(const char *line, size_t len, int flags,
    struct syslog_year *fast, struct syslog_year *full)
{
	struct syslog_msg	a, b;
	struct syslog_year	pair = *fast;
	char			*copy;
	int			 ra, rb;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, line, len);
	memset(&a, 0x5a, sizeof a);
	memset(&b, 0x5a, sizeof b);
	if (flags == SYSLOG_NO_TIME)
		check_head_rest_same(copy, len, &pair, fast);
	ra = syslog_parse(copy, len, fast, flags, &a);
	rb = syslog_parse(copy, len, full, flags | SYSLOG_NO_SHORTCUTS, &b);
	ck_assert_msg(ra == rb, "result %d, without shortcuts %d: %.*s", ra,
	    rb, (int)len, line);
	ck_assert_int_eq(fast->year, full->year);
	ck_assert_int_eq(fast->month, full->month);
	ck_assert_int_eq(fast->first_year, full->first_year);
	ck_assert_int_eq(fast->first_month, full->first_month);
	if (ra == 0)
		check_msg_same(&a, &b);
	free(copy);
}

/*
 * Split a copy of line[0, len) with syslog_parse_short on state, which
 * keeps its host and time from one call to the next, and with
 * syslog_parse and SYSLOG_NO_TIME on ref.  Check that both agree.
 */
static void
check_short_same(const char *line, size_t len, struct syslog_year *state,
    struct syslog_year *ref)
{
	struct syslog_msg	 a, b;
	char			*copy;
	int			 ra, rb, head;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, line, len);
	memset(&a, 0x5a, sizeof a);
	memset(&b, 0x5a, sizeof b);
	head = syslog_parse_short(copy, len, state, test_tag_kind, &a);
	if (head == 0)
		ra = syslog_parse(copy, len, state, SYSLOG_NO_TIME, &a);
	else
		ra = head == 1 ? 0 : -1;
	rb = syslog_parse(copy, len, ref, SYSLOG_NO_TIME, &b);
	ck_assert_msg(ra == rb, "short %d, syslog_parse %d: %.*s", head, rb,
	    (int)len, line);
	ck_assert_int_eq(state->year, ref->year);
	ck_assert_int_eq(state->month, ref->month);
	if (ra == 0) {
		ck_assert_int_eq(ts_cmp(&a.time, &b.time), 0);
		ck_assert_int_eq(a.has_time, b.has_time);
		ck_assert_ptr_eq(a.host, b.host);
		ck_assert_uint_eq(a.host_len, b.host_len);
		ck_assert_ptr_eq(a.tag, b.tag);
		ck_assert_uint_eq(a.tag_len, b.tag_len);
		ck_assert_uint_eq(a.msg, b.msg);
		if (head == 1)
			ck_assert_int_eq(a.tag_kind,
			    test_tag_kind(b.tag, b.tag_len));
	}
	free(copy);
}

START_TEST(test_syslog_shortcuts_random)
{
	static const char *const times[] = {
		"Nov 30 10:00:00 ", "Nov 30 10:00:01 ", "Nov 30 10:07:59 ",
		"Nov 30 10:59:59 ", "Nov 30 11:00:00 ", "Nov 30 10:00:00.5 ",
		"Nov 30 10:00:00", "Nov 30 10:00:60 ", "Nov 30 10:0a:00 ",
		"Nov 30 10:00:00x", "Nov 30 10;00:00 ", "Nov  1 10:00:00 ",
		"Nov 01 10:00:09 ", "Nov 1 10:00:00 ", "Dec 31 23:59:59 ",
		"Jan  1 00:00:00 ", "Jan  1 00:00:01 ", "Feb 29 10:00:00 ",
		"Mar  1 10:00:00 ", "Jun 12 12:00:00 ", "Oct  5 08:30:00 ",
		"2026-11-30T10:00:00Z ", "2026-11-30 10:00:00 ", "",
	};
	static const char *const pieces[] = {
		"mx1", " ", "postfix/smtpd", "[", "]", ":", "123", ": ",
		"a:b", "x[", "postfix-submission/smtpd", "<mail.info> ",
		"[ID 1 mail.info] ", "\x80", "\xff", "msg", "12345678901",
		"mx1.example.org ", "mx1.example.org2 ", "mx1 ", "mx ",
		"Nov 30 10:00:0", "1 ",
	};
	struct syslog_year	 fast, full, state, ref;
	char			 line[256];
	uint32_t		 seed = 7;
	size_t			 i, n, prefix;
	const char		*t;

	syslog_year_init(&fast, JAN_2027);
	syslog_year_init(&full, JAN_2027);
	syslog_year_init(&state, JAN_2027);
	syslog_year_init(&ref, JAN_2027);
	for (i = 0; i < check_rounds(50000); i++) {
		seed = seed * 1103515245 + 12345;
		t = times[(seed >> 16) % (sizeof times / sizeof times[0])];
		prefix = strlen(t);
		memcpy(line, t, prefix);
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 12, &seed);
		check_shortcuts_same(line, n, i % 3 == 0 ? 0 : SYSLOG_NO_TIME,
		    &fast, &full);
		check_short_same(line, n, &state, &ref);
	}
}
END_TEST

/*
 * Lines whose host names or tags share their first bytes with those of
 * a line before, one after the other, so that the slots of
 * syslog_parse_short must tell them apart.
 */
START_TEST(test_syslog_head_host_cache)
{
	static const char	*lines[] = {
		"Nov 30 10:00:00 mx1 postfix/smtpd[1]: a",
		"Nov 30 10:00:00 mx10 postfix/smtpd[1]: a",
		"Nov 30 10:00:00 mx1 postfix/smtpd[1]: a",
		"Nov 30 10:00:00 mx1[ postfix/smtpd[1]: a",
		"Nov 30 10:00:00 mx1 postfix/smtpd[1]: a",
		"Nov 30 10:00:00 mx1 x",
		"Nov 30 10:00:00 mx1 postfix/qmgr[1]: a",
		"Nov 30 10:00:01 mx1.example.org postfix/smtpd[2]: b",
		"Nov 30 10:00:01 mx1.example.org postfix/qmgr[2]: b",
		"Nov 30 10:00:02 mx1.example.orgX postfix/qmgr[2]: b",
		"Nov 30 10:00:02 mx1.example.org postfix/qmgr[2]: b",
		"Nov 30 10:00:02 mx1.example.org2 postfix/qmgr[2]: b",
		"Nov 30 10:00:02 mx1.example.org2 postfix/qmgr[2]: b",
		"Nov 30 10:00:03 mx1.example.or postfix/qmgr[2]: b",
		"Nov 30 10:00:03 mx1.example.or",
		"Nov 30 10:00:03 mx1.example.or ",
		"Nov 30 10:00:59 mx1 postfix/smtpd[3]: c",
		"Nov 30 10:01:00 mx1 postfix/smtpd[3]: c",
		"Nov 30 10:01:07 mx1 postfix/smtpd[3]: c",
		"Nov 30 10:01:7 mx1 postfix/smtpd[3]: c",
		"Nov 30 10:01:60 mx1 postfix/smtpd[3]: c",
		"Nov 30 10:01:08 mx1 postfix/smtpd[3]: c",
		"Nov 30 10:01:08 mx1 postfix/smtpd[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/smtpdx[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/smtpd: connect from x",
		"Nov 30 10:01:08 mx1 postfix/smtp[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/smtpd[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/smtpd[: connect from xxxxx",
		"Nov 30 10:01:08 mx1 postfix/cleanup[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/cleanup2[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/cleanup[3]: connect from x",
		"Nov 30 10:01:08 mx1 postfix/submission/smtpd[3]: connect",
		"Nov 30 10:01:08 mx1 postfix/submission/smtpd[3]: connect",
		"Nov 30 10:01:08 mx1 postfix/submission/smtp[3]: connect x",
		"Nov 30 10:01:08 mx1 postfix/submission/smtpd[3]: connect",
		"Nov 30 10:01:08 mx1 postfix/smtpd[3]:",
		"Nov 30 10:01:08 mx1 postfix/smtpd[3]: x",
	};
	struct syslog_year	 state, ref;
	size_t			 i;

	syslog_year_init(&state, JAN_2027);
	syslog_year_init(&ref, JAN_2027);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		check_short_same(lines[i], strlen(lines[i]), &state, &ref);
}
END_TEST

/*
 * Lines that differ in one byte, or in length, from a line split just
 * before, so that syslog_parse_short finds the time, host name and tag
 * of the line before and must still notice the difference.
 */
START_TEST(test_syslog_short_after_same_line)
{
	static const char	 bytes[] = { '\0', ' ', ':', '[', ']', '0',
				    '9', 'a', '<', '\x80', '\xff' };
	static const char	*lines[] = {
		"Nov 30 10:00:00 mx1 postfix/smtpd[4711]: connect from x",
		"Nov 30 10:00:00 mx1 postfix/smtpd[1]: [ID 1 mail.info] x",
		"Nov 30 10:00:00 mx1 postfix/smtpd[12345]: x",
		"Nov 30 10:00:00 mx1 postfix/smtpd[123456]: x",
		"Nov 30 10:00:00 mx1.example.org postfix/qmgr[99]: x",
		"Nov 30 10:00:00 mx1 postfix/smtpd[1]:",
	};
	struct syslog_year	 state, ref;
	char			 line[128];
	size_t			 i, j, k, len;

	syslog_year_init(&state, JAN_2027);
	syslog_year_init(&ref, JAN_2027);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		len = strlen(lines[i]);
		ck_assert_uint_lt(len, sizeof line);
		for (j = 0; j < len; j++) {
			for (k = 0; k < sizeof bytes; k++) {
				check_short_same(lines[i], len, &state, &ref);
				memcpy(line, lines[i], len);
				line[j] = bytes[k];
				check_short_same(line, len, &state, &ref);
			}
		}
		for (j = 0; j <= len; j++) {
			check_short_same(lines[i], len, &state, &ref);
			check_short_same(lines[i], j, &state, &ref);
		}
	}
}
END_TEST

START_TEST(test_syslog_shortcuts_every_byte)
{
	static const char	 bytes[] = { '\0', ' ', ':', '[', ']', '0',
				    'a', '\x80', '\xff' };
	static const char	*lines[] = {
		"Nov 30 10:00:00 mx1 postfix/smtpd[4711]: connect from x",
		"Nov 30 10:00:01 mail-relay-17.example.org "
		    "postfix-submission/smtpd[12]: x",
		"Nov 30 10:00:02 postfix/qmgr[9]: x",
		"<22>Nov 30 10:00:03 <mail.info> h t: [ID 1 mail.info] x",
		"Nov 30 11:00:00 h tag[]: x",
	};
	struct syslog_year	 fast, full;
	char			 line[128];
	size_t			 i, j, k, len;

	syslog_year_init(&fast, JAN_2027);
	syslog_year_init(&full, JAN_2027);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		len = strlen(lines[i]);
		ck_assert_uint_lt(len, sizeof line);
		for (j = 0; j < len; j++) {
			for (k = 0; k < sizeof bytes; k++) {
				memcpy(line, lines[i], len);
				line[j] = bytes[k];
				check_shortcuts_same(line, len, SYSLOG_NO_TIME,
				    &fast, &full);
			}
		}
		for (j = 0; j <= len; j++)
			check_shortcuts_same(lines[i], j, 0, &fast, &full);
	}
}
END_TEST

START_TEST(test_syslog_shortcuts_host_limit)
{
	struct syslog_year	 fast, full;
	char			 line[400];
	size_t			 host, n;

	syslog_year_init(&fast, JAN_2027);
	syslog_year_init(&full, JAN_2027);
	for (host = SYSLOG_HOST_MAX - 2; host <= SYSLOG_HOST_MAX + 2; host++) {
		n = (size_t)snprintf(line, sizeof line, "Nov 30 10:00:00 ");
		memset(line + n, 'h', host);
		n += host;
		n += (size_t)snprintf(line + n, sizeof line - n,
		    " postfix/smtpd[1]: x");
		check_shortcuts_same(line, n, 0, &fast, &full);
		ck_assert_int_eq(parse(line), host <= SYSLOG_HOST_MAX ? 0 : -1);
	}
	ck_assert_int_eq(parse("Nov 30 10:00:00 a:b t[1]: x"), 0);
	ck_assert_str_eq(HOST(), "a:b");
	ck_assert_str_eq(TAG(), "t");
	ck_assert_int_eq(parse("Nov 30 10:00:00 a[b t[1]: x"), 0);
	ck_assert_str_eq(HOST(), "a[b");
}
END_TEST

/*
 * Pids of 0 to 12 digits, each digit replaced by other bytes and the line
 * cut at every length, so the 8-byte digit reader meets every run length
 * and line end.
 */
START_TEST(test_syslog_pid_lengths)
{
	static const char	 bytes[] = { '\0', '/', ':', '9', ']', 'a',
				    '\x80', '\xff' };
	static const char	 digits[] = "492730561284";
	struct syslog_year	 fast, full;
	struct syslog_msg	 msg;
	char			 line[128];
	uint64_t		 expected;
	size_t			 k, i, j, n, pid;

	syslog_year_init(&fast, JAN_2027);
	syslog_year_init(&full, JAN_2027);
	for (k = 0; k <= 12; k++) {
		n = (size_t)snprintf(line, sizeof line,
		    "Nov 30 10:00:00 mx1 postfix/qmgr[");
		pid = n;
		memcpy(line + n, digits, k);
		n += k;
		n += (size_t)snprintf(line + n, sizeof line - n,
		    "]: 1234ABCDE: removed");
		check_shortcuts_same(line, n, SYSLOG_NO_TIME, &fast, &full);

		expected = 0;
		for (i = 0; i < k; i++)
			expected = (expected * 10 + (uint64_t)(digits[i] - '0')) %
			    ((uint64_t)1 << 32);
		ck_assert_int_eq(syslog_parse(line, n, &fast, SYSLOG_NO_TIME,
		    &msg), k >= 1 && k <= 10 ? 0 : -1);
		if (k >= 1 && k <= 10) {
			ck_assert_uint_eq(msg.pid, expected);
			ck_assert_int_eq(msg.has_pid, 1);
		}

		for (i = pid; i <= pid + k; i++) {
			for (j = 0; j < sizeof bytes; j++) {
				char	saved = line[i];

				line[i] = bytes[j];
				check_shortcuts_same(line, n, SYSLOG_NO_TIME,
				    &fast, &full);
				line[i] = saved;
			}
		}
		for (i = 0; i <= n; i++)
			check_shortcuts_same(line, i, SYSLOG_NO_TIME, &fast,
			    &full);
	}
}
END_TEST

START_TEST(test_syslog_time_reuse)
{
	struct ts	t;

	/* Later seconds of the same hour, then an earlier one. */
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:00:00", 15, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:00:00 x", 17, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:59:58", 15, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC + 59 * 60 + 58);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:00:07", 15, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC + 7);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:60:07", 15, &yr, &t),
	    0);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:00:07.25", 18, &yr,
	    &t), 18);
	ck_assert_int_eq(t.utc, T0_UTC + 7);
	ck_assert_uint_eq(t.msec, 250);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:00:07.25", 18, &yr,
	    &t), 18);
	ck_assert_uint_eq(t.msec, 250);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 10:00:07.", 16, &yr, &t),
	    0);

	/* After ts_local_reset the same text is converted in the new zone. */
	ck_assert_uint_eq(syslog_parse_time("Nov 30 11:00:00", 15, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC + 3600);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	ts_local_reset();
	ck_assert_uint_eq(syslog_parse_time("Nov 30 11:00:00", 15, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC);
	ck_assert_uint_eq(syslog_parse_time("Nov 30 11:00:01", 15, &yr, &t),
	    15);
	ck_assert_int_eq(t.utc, T0_UTC + 1);
}
END_TEST

/* Measure as span_until4 must, one byte at a time. */
static size_t
naive_span(const char *s, size_t limit, const char stop[4])
{
	size_t	n;

	for (n = 0; n < limit; n++)
		if (memchr(stop, s[n], 4) != NULL)
			break;
	return n;
}

START_TEST(test_span_every_position)
{
	static const char	stop[4] = { ' ', ':', '[', ']' };
	static const char	bytes[] = { ' ', ':', '[', ']', '\0', '\x80',
				    '\xff', 'a' };
	char			*s;
	size_t			 limit, pos, k;

	for (limit = 0; limit <= 48; limit++) {
		/* An exact-size buffer, so a read past limit shows up. */
		s = malloc(limit > 0 ? limit : 1);
		ck_assert_ptr_nonnull(s);
		for (pos = 0; pos <= limit; pos++) {
			for (k = 0; k < sizeof bytes; k++) {
				memset(s, 'x', limit);
				if (pos < limit)
					s[pos] = bytes[k];
				ck_assert_uint_eq(span_until4(s, limit, stop),
				    naive_span(s, limit, stop));
			}
		}
		free(s);
	}
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
	tcase_add_test(tc_year, test_syslog_exim_after_bsd);
	tcase_add_test(tc_year, test_syslog_year_continues_parts);
	tcase_add_test(tc_year, test_syslog_time_reuse);
	suite_add_tcase(s, tc_year);

	tc_limits = tcase_create("limits");
	tcase_add_checked_fixture(tc_limits, setup, teardown);
	tcase_add_test(tc_limits, test_syslog_not_syslog);
	tcase_add_test(tc_limits, test_syslog_tag_too_long);
	tcase_add_test(tc_limits, test_syslog_every_truncation);
	tcase_add_test(tc_limits, test_syslog_shortcuts_random);
	tcase_add_test(tc_limits, test_syslog_short_after_same_line);
	tcase_add_test(tc_limits, test_syslog_shortcuts_every_byte);
	tcase_add_test(tc_limits, test_syslog_head_host_cache);
	tcase_add_test(tc_limits, test_syslog_shortcuts_host_limit);
	tcase_add_test(tc_limits, test_syslog_pid_lengths);
	tcase_add_test(tc_limits, test_span_every_position);
	suite_add_tcase(s, tc_limits);

	return s;
}
