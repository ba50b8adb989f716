/*
 * Tests for core/timefilter.c: every form --since and --until accept,
 * against a fixed "now" in a zone with DST rules.  TZ is a POSIX rule, so
 * no tzdata is needed: CET (UTC+1), and CEST (UTC+2) from the last Sunday
 * of March to the last Sunday of October.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_suites.h"
#include "timefilter.h"

#define TF_ZONE		"CET-1CEST,M3.5.0,M10.5.0/3"
/* 2026-11-30 10:00:00 UTC, 11:00 local. */
#define TF_NOW		((time_t)1796032800)
/* 2026-11-30 00:00 local (CET). */
#define TF_DAY		1795993200LL

static char	*saved_tz;

static void
setup(void)
{
	const char	*tz = getenv("TZ");

	saved_tz = tz != NULL ? strdup(tz) : NULL;
	setenv("TZ", TF_ZONE, 1);
	tzset();
}

static void
teardown(void)
{
	if (saved_tz != NULL)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
}

/* Parse arg for edge and return the value; the parse must succeed. */
static int64_t
parse_ok(const char *arg, enum timefilter_edge edge)
{
	int64_t	 out = -1;
	char	*cause = NULL;
	int	 rc;

	rc = timefilter_parse(arg, edge, TF_NOW, &out, &cause);
	ck_assert_msg(rc == 0, "\"%s\" was rejected: %s", arg,
	    cause != NULL ? cause : "");
	return out;
}

static void
parse_bad(const char *arg)
{
	int64_t	 out = 42;
	char	*cause = NULL;

	ck_assert_int_eq(timefilter_parse(arg, TIMEFILTER_SINCE, TF_NOW, &out,
	    &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "invalid time"));
	ck_assert_int_eq(out, 42);
	free(cause);
}

START_TEST(test_timefilter_date)
{
	ck_assert_int_eq(parse_ok("2026-11-30", TIMEFILTER_SINCE), TF_DAY);
	ck_assert_int_eq(parse_ok("2026-11-30", TIMEFILTER_UNTIL),
	    TF_DAY + 86400);
}
END_TEST

START_TEST(test_timefilter_date_dst_day)
{
	/* Clocks go forward on 2026-03-29: the day has 23 hours. */
	ck_assert_int_eq(parse_ok("2026-03-29", TIMEFILTER_SINCE),
	    1774738800LL);
	ck_assert_int_eq(parse_ok("2026-03-29", TIMEFILTER_UNTIL),
	    1774821600LL);
}
END_TEST

START_TEST(test_timefilter_date_time_minute)
{
	/* 10:00 CET is 09:00 UTC. */
	ck_assert_int_eq(parse_ok("2026-11-30T10:00", TIMEFILTER_SINCE),
	    TF_DAY + 10 * 3600);
	ck_assert_int_eq(parse_ok("2026-11-30T10:00", TIMEFILTER_UNTIL),
	    TF_DAY + 10 * 3600 + 60);
	ck_assert_int_eq(parse_ok("2026-11-30 10:00", TIMEFILTER_SINCE),
	    TF_DAY + 10 * 3600);
}
END_TEST

START_TEST(test_timefilter_date_time_second)
{
	ck_assert_int_eq(parse_ok("2026-11-30T10:00:05", TIMEFILTER_SINCE),
	    TF_DAY + 10 * 3600 + 5);
	ck_assert_int_eq(parse_ok("2026-11-30T10:00:05", TIMEFILTER_UNTIL),
	    TF_DAY + 10 * 3600 + 6);
}
END_TEST

START_TEST(test_timefilter_offsets)
{
	ck_assert_int_eq(parse_ok("2026-11-30T10:00Z", TIMEFILTER_SINCE),
	    1796032800LL);
	ck_assert_int_eq(parse_ok("2026-11-30T10:00+02:00",
	    TIMEFILTER_SINCE), 1796032800LL - 2 * 3600);
	ck_assert_int_eq(parse_ok("2026-11-30T10:00+0200", TIMEFILTER_SINCE),
	    1796032800LL - 2 * 3600);
	ck_assert_int_eq(parse_ok("2026-11-30T10:00:30-05:30",
	    TIMEFILTER_SINCE), 1796032800LL + 5 * 3600 + 30 * 60 + 30);
	ck_assert_int_eq(parse_ok("2026-11-30T10:00-05:30",
	    TIMEFILTER_UNTIL), 1796032800LL + 5 * 3600 + 30 * 60 + 60);
}
END_TEST

START_TEST(test_timefilter_today)
{
	ck_assert_int_eq(parse_ok("today", TIMEFILTER_SINCE), TF_DAY);
	ck_assert_int_eq(parse_ok("today", TIMEFILTER_UNTIL), TF_DAY + 86400);
}
END_TEST

START_TEST(test_timefilter_yesterday)
{
	ck_assert_int_eq(parse_ok("yesterday", TIMEFILTER_SINCE),
	    TF_DAY - 86400);
	ck_assert_int_eq(parse_ok("yesterday", TIMEFILTER_UNTIL), TF_DAY);
}
END_TEST

START_TEST(test_timefilter_yesterday_month_start)
{
	/* 2026-12-01 10:00 UTC: yesterday is 2026-11-30, across a month. */
	int64_t	 out;
	char	*cause = NULL;

	ck_assert_int_eq(timefilter_parse("yesterday", TIMEFILTER_SINCE,
	    TF_NOW + 86400, &out, &cause), 0);
	ck_assert_int_eq(out, TF_DAY);
}
END_TEST

START_TEST(test_timefilter_now)
{
	ck_assert_int_eq(parse_ok("now", TIMEFILTER_SINCE), TF_NOW);
	ck_assert_int_eq(parse_ok("now", TIMEFILTER_UNTIL), TF_NOW + 1);
}
END_TEST

START_TEST(test_timefilter_relative)
{
	ck_assert_int_eq(parse_ok("-7d", TIMEFILTER_SINCE),
	    TF_NOW - 7 * 86400);
	ck_assert_int_eq(parse_ok("-7d", TIMEFILTER_UNTIL),
	    TF_NOW - 7 * 86400);
	ck_assert_int_eq(parse_ok("-12h", TIMEFILTER_SINCE),
	    TF_NOW - 12 * 3600);
	ck_assert_int_eq(parse_ok("-30m", TIMEFILTER_SINCE), TF_NOW - 1800);
	ck_assert_int_eq(parse_ok("-2w", TIMEFILTER_SINCE),
	    TF_NOW - 14 * 86400);
	ck_assert_int_eq(parse_ok("-0d", TIMEFILTER_SINCE), TF_NOW);
}
END_TEST

START_TEST(test_timefilter_invalid_forms)
{
	parse_bad("");
	parse_bad("tomorrow");
	parse_bad("Today");
	parse_bad("2026-02-29");
	parse_bad("2026-13-01");
	parse_bad("2026-11-31");
	parse_bad("2026-11-30T24:00");
	parse_bad("2026-11-30T10:60");
	parse_bad("2026-11-30T10");
	parse_bad("2026-11-30T10:00:61");
	parse_bad("2026-11-30T10:00+2");
	parse_bad("2026-11-30T10:00+02:00x");
	parse_bad("2026-11-30x");
	parse_bad("2026-1-30");
	parse_bad("1969-12-31");
	parse_bad("-7");
	parse_bad("-d");
	parse_bad("-7x");
	parse_bad("-7dd");
	parse_bad("7d");
	parse_bad("-1234567890d");
}
END_TEST

START_TEST(test_timefilter_leap_day)
{
	ck_assert_int_eq(parse_ok("2028-02-29", TIMEFILTER_UNTIL) -
	    parse_ok("2028-02-29", TIMEFILTER_SINCE), 86400);
}
END_TEST

START_TEST(test_timefilter_overlong_argument)
{
	char	arg[TIMEFILTER_ARG_MAX + 2];

	memset(arg, '1', sizeof arg - 1);
	arg[sizeof arg - 1] = '\0';
	parse_bad(arg);
}
END_TEST

START_TEST(test_timefilter_set_window)
{
	struct timefilter	 tf;
	char			*cause = NULL;

	ck_assert_int_eq(timefilter_set(&tf, "yesterday", "yesterday", TF_NOW,
	    &cause), 0);
	ck_assert_int_eq(tf.has_since, 1);
	ck_assert_int_eq(tf.has_until, 1);
	ck_assert_int_eq(tf.since, TF_DAY - 86400);
	ck_assert_int_eq(tf.until, TF_DAY);
	ck_assert_int_eq(timefilter_active(&tf), 1);
}
END_TEST

START_TEST(test_timefilter_set_nothing)
{
	struct timefilter	 tf;
	char			*cause = NULL;

	ck_assert_int_eq(timefilter_set(&tf, NULL, NULL, TF_NOW, &cause), 0);
	ck_assert_int_eq(timefilter_active(&tf), 0);
	ck_assert_int_eq(timefilter_active(NULL), 0);
}
END_TEST

START_TEST(test_timefilter_set_empty_window)
{
	struct timefilter	 tf;
	char			*cause = NULL;

	ck_assert_int_eq(timefilter_set(&tf, "today", "yesterday", TF_NOW,
	    &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "window is empty"));
	free(cause);
}
END_TEST

START_TEST(test_timefilter_set_bad_until)
{
	struct timefilter	 tf;
	char			*cause = NULL;

	ck_assert_int_eq(timefilter_set(&tf, "today", "soon", TF_NOW,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "\"soon\""));
	free(cause);
}
END_TEST

static struct event
event_at(int64_t utc)
{
	struct event	ev;

	memset(&ev, 0, sizeof ev);
	ev.has_time = 1;
	ev.time.utc = utc;
	return ev;
}

START_TEST(test_timefilter_match_edges)
{
	struct timefilter	tf;
	struct event		ev;

	memset(&tf, 0, sizeof tf);
	tf.has_since = tf.has_until = 1;
	tf.since = 1000;
	tf.until = 2000;
	ev = event_at(999);
	ck_assert_int_eq(timefilter_match(&tf, &ev), 0);
	ev = event_at(1000);
	ck_assert_int_eq(timefilter_match(&tf, &ev), 1);
	ev = event_at(1999);
	ev.time.msec = 999;
	ck_assert_int_eq(timefilter_match(&tf, &ev), 1);
	ev = event_at(2000);
	ck_assert_int_eq(timefilter_match(&tf, &ev), 0);
}
END_TEST

START_TEST(test_timefilter_match_one_sided)
{
	struct timefilter	tf;
	struct event		ev;

	memset(&tf, 0, sizeof tf);
	tf.has_since = 1;
	tf.since = 1000;
	ev = event_at(5000000000LL);
	ck_assert_int_eq(timefilter_match(&tf, &ev), 1);
	memset(&tf, 0, sizeof tf);
	tf.has_until = 1;
	tf.until = 1000;
	ev = event_at(1);
	ck_assert_int_eq(timefilter_match(&tf, &ev), 1);
}
END_TEST

START_TEST(test_timefilter_match_no_time)
{
	struct timefilter	tf;
	struct event		ev;

	memset(&ev, 0, sizeof ev);
	memset(&tf, 0, sizeof tf);
	ck_assert_int_eq(timefilter_match(&tf, &ev), 1);
	ck_assert_int_eq(timefilter_match(NULL, &ev), 1);
	tf.has_since = 1;
	ck_assert_int_eq(timefilter_match(&tf, &ev), 0);
}
END_TEST

Suite *
make_timefilter_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("timefilter");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timefilter_date);
	tcase_add_test(tc, test_timefilter_date_dst_day);
	tcase_add_test(tc, test_timefilter_date_time_minute);
	tcase_add_test(tc, test_timefilter_date_time_second);
	tcase_add_test(tc, test_timefilter_offsets);
	tcase_add_test(tc, test_timefilter_today);
	tcase_add_test(tc, test_timefilter_yesterday);
	tcase_add_test(tc, test_timefilter_yesterday_month_start);
	tcase_add_test(tc, test_timefilter_now);
	tcase_add_test(tc, test_timefilter_relative);
	tcase_add_test(tc, test_timefilter_leap_day);
	tcase_add_test(tc, test_timefilter_set_window);
	tcase_add_test(tc, test_timefilter_set_nothing);
	tcase_add_test(tc, test_timefilter_set_empty_window);
	tcase_add_test(tc, test_timefilter_set_bad_until);
	tcase_add_test(tc, test_timefilter_match_edges);
	tcase_add_test(tc, test_timefilter_match_one_sided);
	tcase_add_test(tc, test_timefilter_match_no_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timefilter_invalid_forms);
	tcase_add_test(tc, test_timefilter_overlong_argument);
	suite_add_tcase(s, tc);
	return s;
}
