/*
 * Tests for core/ts.c: Exim, RFC 3339 and RFC 3164 timestamps, local time
 * and ISO 8601 output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_suites.h"
#include "ts.h"

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
	ts_local_reset();
}

static size_t
parse(const char *s, struct ts *t)
{
	memset(t, 0xa5, sizeof *t);
	return ts_parse_exim(s, strlen(s), t);
}

START_TEST(test_ts_plain_utc)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(parse("2026-11-30 10:00:00", &t), 19);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_uint_eq(t.msec, 0);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_int_eq(t.offset, 0);
}
END_TEST

START_TEST(test_ts_followed_by_body)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(parse("1999-03-02 09:44:33 H=(test) [1.2.3.4]", &t),
	    19);
	ck_assert_int_eq(t.utc, 920367873);
}
END_TEST

START_TEST(test_ts_millisec)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(parse("2026-11-30 10:00:00.345 x", &t), 23);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_uint_eq(t.msec, 345);
}
END_TEST

START_TEST(test_ts_offset_plus)
{
	struct ts	t;

	set_tz("Europe/Berlin");
	ck_assert_uint_eq(parse("2026-11-30 10:00:00 +0100 Start", &t), 25);
	ck_assert_int_eq(t.utc, 1796029200);
	ck_assert_uint_eq(t.has_offset, 1);
	ck_assert_int_eq(t.offset, 3600);
}
END_TEST

START_TEST(test_ts_offset_minus)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(parse("2026-11-30 10:00:00 -0530", &t), 25);
	ck_assert_int_eq(t.utc, 1796052600);
	ck_assert_int_eq(t.offset, -19800);
}
END_TEST

START_TEST(test_ts_millisec_and_offset)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(parse("2026-11-30 10:00:00.007 +0100 [12] x", &t),
	    29);
	ck_assert_int_eq(t.utc, 1796029200);
	ck_assert_uint_eq(t.msec, 7);
	ck_assert_int_eq(t.offset, 3600);
}
END_TEST

START_TEST(test_ts_leap_days)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(parse("2024-02-29 12:00:00", &t), 19);
	ck_assert_int_eq(t.utc, 1709208000);
	ck_assert_uint_eq(parse("2000-02-29 00:00:00", &t), 19);
	ck_assert_uint_eq(parse("1970-01-01 00:00:00", &t), 19);
	ck_assert_int_eq(t.utc, 0);
	ck_assert_uint_eq(parse("9999-12-31 23:59:59", &t), 19);
	ck_assert_int_eq(t.utc, 253402300799LL);
}
END_TEST

START_TEST(test_ts_invalid_dates)
{
	static const char *bad[] = {
		"2026-13-01 10:00:00",		/* month 13 */
		"2026-00-01 10:00:00",		/* month 0 */
		"2026-02-30 10:00:00",		/* Feb 30 */
		"2025-02-29 10:00:00",		/* not a leap year */
		"2100-02-29 10:00:00",		/* century, not a leap year */
		"2026-04-31 10:00:00",
		"2026-01-00 10:00:00",
		"2026-01-01 24:00:00",		/* hour 24 */
		"2026-01-01 10:60:00",
		"2026-01-01 10:00:60",
		"0000-01-01 10:00:00",
		"2026-1-01 10:00:00",
		"2026/01/01 10:00:00",
		"2026-01-01T10:00:00",
		"2026-01-01 10:00:00x",		/* no space after */
		"2026-01-01 10:00:001",
		"2026-01-01 10:00:00.12 x",	/* two digits of ms */
		"2026-01-01 10:00:00.1234",
		"Jun 29 16:04:19 server",
		"",
	};
	struct ts	t;
	size_t		i;

	set_tz("UTC");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(bad[i], &t) == 0, "accepted \"%s\"",
		    bad[i]);
}
END_TEST

START_TEST(test_ts_bad_offset_is_body)
{
	struct ts	t;

	set_tz("UTC");
	/* Not an offset, so the timestamp ends before it. */
	ck_assert_uint_eq(parse("2026-11-30 10:00:00 +01x0 y", &t), 19);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_uint_eq(parse("2026-11-30 10:00:00 +2400", &t), 19);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_uint_eq(parse("2026-11-30 10:00:00 +01000", &t), 19);
	ck_assert_uint_eq(t.has_offset, 0);
}
END_TEST

START_TEST(test_ts_stops_at_len)
{
	const char	*s = "2026-11-30 10:00:00.345 +0100";
	struct ts	 t;

	set_tz("UTC");
	ck_assert_uint_eq(ts_parse_exim(s, 19, &t), 19);
	ck_assert_uint_eq(t.msec, 0);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_uint_eq(ts_parse_exim(s, 23, &t), 23);
	ck_assert_uint_eq(t.msec, 345);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_uint_eq(ts_parse_exim(s, 18, &t), 0);
	ck_assert_uint_eq(ts_parse_exim(s, 21, &t), 0);
}
END_TEST

START_TEST(test_ts_berlin_summer_winter)
{
	struct ts	t;

	set_tz("Europe/Berlin");
	ck_assert_uint_eq(parse("2026-07-01 12:00:00", &t), 19);
	ck_assert_int_eq(t.utc, 1782900000);
	ck_assert_uint_eq(parse("2026-01-15 12:00:00", &t), 19);
	ck_assert_int_eq(t.utc, 1768474800);
}
END_TEST

START_TEST(test_ts_berlin_spring_forward)
{
	struct ts	t;

	set_tz("Europe/Berlin");
	parse("2026-03-29 01:59:59", &t);
	ck_assert_int_eq(t.utc, 1774745999);
	parse("2026-03-29 03:00:00", &t);
	ck_assert_int_eq(t.utc, 1774746000);
	/* 02:30 does not exist, so the winter offset applies. */
	parse("2026-03-29 02:30:00", &t);
	ck_assert_int_eq(t.utc, 1774747800);
}
END_TEST

START_TEST(test_ts_berlin_fall_back)
{
	struct ts	t;

	set_tz("Europe/Berlin");
	parse("2026-10-25 01:59:59", &t);
	ck_assert_int_eq(t.utc, 1792886399);
	/* 02:30 happens twice, and the first pass (summer time) is meant. */
	parse("2026-10-25 02:30:00", &t);
	ck_assert_int_eq(t.utc, 1792888200);
	parse("2026-10-25 03:00:00", &t);
	ck_assert_int_eq(t.utc, 1792893600);
}
END_TEST

START_TEST(test_ts_local_reset)
{
	struct ts	t;

	set_tz("UTC");
	parse("2026-07-01 12:00:00", &t);
	ck_assert_int_eq(t.utc, 1782907200);
	set_tz("Europe/Berlin");
	parse("2026-07-01 12:00:00", &t);
	ck_assert_int_eq(t.utc, 1782900000);
}
END_TEST

START_TEST(test_ts_format_offset)
{
	struct ts	t = { .utc = 1796029200, .offset = 3600, .msec = 345,
			    .has_offset = 1 };
	char		buf[TS_ISO_MAX];

	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 25);
	ck_assert_str_eq(buf, "2026-11-30T10:00:00+01:00");
}
END_TEST

START_TEST(test_ts_format_negative_offset)
{
	struct ts	t = { .utc = 1796052600, .offset = -19800,
			    .has_offset = 1 };
	char		buf[TS_ISO_MAX];

	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-30T10:00:00-05:30");
}
END_TEST

START_TEST(test_ts_format_utc_offset_zero)
{
	struct ts	t = { .utc = 0, .offset = 0, .has_offset = 1 };
	char		buf[TS_ISO_MAX];

	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00+00:00");
}
END_TEST

START_TEST(test_ts_format_local)
{
	struct ts	t = { .utc = 1782900000 };
	char		buf[TS_ISO_MAX];

	set_tz("Europe/Berlin");
	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 25);
	ck_assert_str_eq(buf, "2026-07-01T12:00:00+02:00");
	set_tz("UTC");
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-07-01T10:00:00+00:00");
	set_tz("America/New_York");
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-07-01T06:00:00-04:00");
}
END_TEST

/* The text of ts_format_iso for a local time, from localtime_r itself. */
static void
format_local_reference(int64_t utc, char *buf, size_t size)
{
	struct tm	tm;
	time_t		tt = (time_t)utc;
	long		off;

	ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
	off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
	    off % 3600 / 60);
}

/*
 * ts_format_iso caches the local offset per UTC hour.  Around offset
 * changes inside an hour, at odd seconds and in a zone with leap seconds,
 * it must still write what localtime_r gives for each second.
 */
START_TEST(test_ts_format_local_cache)
{
	static const struct {
		const char	*tz;
		int64_t		 around;	/* a change of offset, UTC */
	} cases[] = {
		/* Berlin back to winter time, 2026-10-25 01:00 UTC. */
		{ "Europe/Berlin", 1792890000 },
		/* Lord Howe Island's 30-minute summer time, at half past. */
		{ "Australia/Lord_Howe", 1791041400 },
		/* Nepal from +05:30 to +05:45 at 1985-12-31 18:30 UTC. */
		{ "Asia/Kathmandu", 504901800 },
		/* Amsterdam from +01:19:32 to +01:20 at 22:40:28 UTC. */
		{ "Europe/Amsterdam", -1025745572 },
		/* 2016's leap second: right/ zones count 26 before it. */
		{ "right/UTC", 1483228826 },
		/* Newfoundland's summer time of 1937, at 03:30 UTC. */
		{ "America/St_Johns", -1030221000 },
	};
	struct ts	t;
	char		buf[TS_ISO_MAX], want[64];
	int64_t		d;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		set_tz(cases[i].tz);
		memset(&t, 0, sizeof t);
		/* Each second of the hours around the change, then wider. */
		for (d = -7200; d <= 7200; d++) {
			t.utc = cases[i].around + d;
			format_local_reference(t.utc, want, sizeof want);
			ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf),
			    25);
			ck_assert_str_eq(buf, want);
		}
		for (d = -400 * 86400; d <= 400 * 86400; d += 7919) {
			t.utc = cases[i].around + d;
			format_local_reference(t.utc, want, sizeof want);
			ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf),
			    25);
			ck_assert_str_eq(buf, want);
		}
	}
	set_tz("UTC");
}
END_TEST

/* Local times far outside years 1-9999 give what localtime_r gives. */
START_TEST(test_ts_format_local_extremes)
{
	struct ts	t;
	char		buf[TS_ISO_MAX];

	set_tz("Europe/Berlin");
	memset(&t, 0, sizeof t);
	t.utc = INT64_MAX;
	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "");
	t.utc = INT64_MIN;
	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "");
	t.utc = 253402300799LL;
	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 26);
	ck_assert_str_eq(buf, "10000-01-01T00:59:59+01:00");
	set_tz("UTC");
}
END_TEST

START_TEST(test_ts_format_local_cache_reset)
{
	struct ts	t = { .utc = 1782900000 };
	char		buf[TS_ISO_MAX];

	set_tz("Europe/Berlin");
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-07-01T12:00:00+02:00");
	/* The same hour again after the zone changed. */
	set_tz("Asia/Kolkata");
	t.utc++;
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-07-01T15:30:01+05:30");
	set_tz("UTC");
}
END_TEST

START_TEST(test_ts_format_round_trip)
{
	struct ts	t;
	char		buf[TS_ISO_MAX];

	set_tz("Europe/Berlin");
	parse("2026-10-25 01:59:59", &t);
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-10-25T01:59:59+02:00");
	parse("2000-02-29 23:59:59 +1400", &t);
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2000-02-29T23:59:59+14:00");
}
END_TEST

START_TEST(test_ts_format_small_buffer)
{
	struct ts	t = { .utc = 0, .has_offset = 1 };
	char		buf[8];

	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 7);
	ck_assert_str_eq(buf, "1970-01");
}
END_TEST

START_TEST(test_ts_format_year_edges)
{
	struct ts	t = { .utc = -62135596800LL, .has_offset = 1 };
	char		buf[TS_ISO_MAX], exact[26];

	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 25);
	ck_assert_str_eq(buf, "0001-01-01T00:00:00+00:00");
	t.utc = 253402300799LL;
	ck_assert_uint_eq(ts_format_iso(&t, exact, sizeof exact), 25);
	ck_assert_str_eq(exact, "9999-12-31T23:59:59+00:00");
	t.utc++;
	ck_assert_uint_eq(ts_format_iso(&t, buf, sizeof buf), 26);
	ck_assert_str_eq(buf, "10000-01-01T00:00:00+00:00");
	ck_assert_uint_eq(ts_format_iso(&t, exact, sizeof exact), 25);
	ck_assert_str_eq(exact, "10000-01-01T00:00:00+00:0");
	t.utc = 1796052600;
	t.offset = -(9 * 3600 + 30 * 60);
	ts_format_iso(&t, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-11-30T06:00:00-09:30");
}
END_TEST

START_TEST(test_ts_compare)
{
	struct ts	a = { .utc = 100, .msec = 5 };
	struct ts	b = { .utc = 100, .msec = 6 };
	struct ts	c = { .utc = 101, .msec = 0 };

	ck_assert_int_lt(ts_cmp(&a, &b), 0);
	ck_assert_int_gt(ts_cmp(&c, &b), 0);
	ck_assert_int_eq(ts_cmp(&a, &a), 0);
}
END_TEST

START_TEST(test_ts_rfc3339_fraction_offset)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T11:00:00.572449+01:00 "
	    "host", 37, &t), 32);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_uint_eq(t.msec, 572);
	ck_assert_uint_eq(t.has_offset, 1);
	ck_assert_int_eq(t.offset, 3600);
}
END_TEST

START_TEST(test_ts_rfc3339_offset_forms)
{
	struct ts	t;

	set_tz("UTC");
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T11:00:00+0100", 24,
	    &t), 24);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_int_eq(t.offset, 3600);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T05:30:00-04:30", 25,
	    &t), 25);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_int_eq(t.offset, -16200);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30t10:00:00z", 20, &t),
	    20);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_int_eq(t.offset, 0);
	ck_assert_uint_eq(t.has_offset, 1);
}
END_TEST

START_TEST(test_ts_rfc3339_local_and_bad)
{
	struct ts	t;

	set_tz("Europe/Berlin");
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T11:00:00.5", 21, &t),
	    21);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_uint_eq(t.msec, 500);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30 11:00:00", 19, &t), 0);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T11:00:00+01", 22, &t),
	    0);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T11:00:00.", 20, &t),
	    0);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-11-30T11:00:00x", 20, &t),
	    0);
	ck_assert_uint_eq(ts_parse_rfc3339("2026-02-29T11:00:00Z", 20, &t),
	    0);
}
END_TEST

START_TEST(test_ts_bsd_fields)
{
	struct ts_bsd	f;

	ck_assert_uint_eq(ts_parse_bsd("Apr  6 13:05:01 host", 20, &f), 15);
	ck_assert_int_eq(f.month, 4);
	ck_assert_int_eq(f.day, 6);
	ck_assert_int_eq(f.hour, 13);
	ck_assert_int_eq(f.min, 5);
	ck_assert_int_eq(f.sec, 1);
	ck_assert_int_eq(f.msec, 0);
	ck_assert_uint_eq(ts_parse_bsd("Apr 06 13:05:01", 15, &f), 15);
	ck_assert_int_eq(f.day, 6);
	ck_assert_uint_eq(ts_parse_bsd("Dec 31 23:59:59.999999 x", 24, &f),
	    22);
	ck_assert_int_eq(f.month, 12);
	ck_assert_int_eq(f.msec, 999);
	ck_assert_uint_eq(ts_parse_bsd("Apr 6 13:05:01", 14, &f), 14);
	ck_assert_int_eq(f.day, 6);
}
END_TEST

START_TEST(test_ts_bsd_bad)
{
	struct ts_bsd	f;

	ck_assert_uint_eq(ts_parse_bsd("apr  6 13:05:01", 15, &f), 0);
	ck_assert_uint_eq(ts_parse_bsd("Apr 32 13:05:01", 15, &f), 0);
	ck_assert_uint_eq(ts_parse_bsd("Apr  0 13:05:01", 15, &f), 0);
	ck_assert_uint_eq(ts_parse_bsd("Apr  6 13:60:01", 15, &f), 0);
	ck_assert_uint_eq(ts_parse_bsd("Apr  6 13:05:01x", 16, &f), 0);
	ck_assert_uint_eq(ts_parse_bsd("Apr  6 13:05", 12, &f), 0);
}
END_TEST

START_TEST(test_ts_from_fields)
{
	struct ts	t;
	int32_t		off = -3600;

	set_tz("UTC");
	ck_assert_int_eq(ts_from_fields(2026, 11, 30, 10, 0, 0, 5, NULL, &t),
	    0);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_uint_eq(t.msec, 5);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_int_eq(ts_from_fields(2026, 11, 30, 9, 0, 0, 0, &off, &t),
	    0);
	ck_assert_int_eq(t.utc, 1796032800);
	ck_assert_int_eq(t.offset, -3600);
	ck_assert_int_eq(ts_from_fields(2026, 2, 29, 9, 0, 0, 0, NULL, &t),
	    -1);
	ck_assert_int_eq(ts_from_fields(0, 1, 1, 0, 0, 0, 0, NULL, &t), -1);
	ck_assert_int_eq(ts_from_fields(2026, 1, 1, 0, 0, 0, 1000, NULL, &t),
	    -1);
}
END_TEST

/* Check a parse of text against the same fields read by ts_from_fields. */
static void
check_ts_fields(const char *text, int hour, int min, int sec)
{
	struct ts	t, want;

	ck_assert_int_eq(ts_from_fields(2026, 7, 1, hour, min, sec, 0, NULL,
	    &want), 0);
	ck_assert_uint_eq(parse(text, &t), 19);
	ck_assert_int_eq(t.utc, want.utc);
	ck_assert_uint_eq(t.msec, 0);
	ck_assert_uint_eq(t.has_offset, 0);
	ck_assert_int_eq(t.offset, 0);
}

START_TEST(test_ts_same_minute_reuse)
{
	struct ts	t;

	set_tz("Europe/Berlin");
	check_ts_fields("2026-07-01 12:00:00", 12, 0, 0);
	check_ts_fields("2026-07-01 12:00:59 x", 12, 0, 59);
	check_ts_fields("2026-07-01 12:00:30", 12, 0, 30);
	ck_assert_uint_eq(parse("2026-07-01 12:00:60", &t), 0);
	ck_assert_uint_eq(parse("2026-07-01 12:00:5x", &t), 0);
	ck_assert_uint_eq(parse("2026-07-01 12:00:7", &t), 0);
	ck_assert_uint_eq(parse("2026-07-01 12:00:07x", &t), 0);
	check_ts_fields("2026-07-01 12:00:07", 12, 0, 7);
	check_ts_fields("2026-07-01 12:01:07", 12, 1, 7);

	/* A fraction or an offset on the cached minute still counts. */
	ck_assert_uint_eq(parse("2026-07-01 12:01:08.250", &t), 23);
	ck_assert_uint_eq(t.msec, 250);
	ck_assert_uint_eq(parse("2026-07-01 12:01:09 +0000 x", &t), 25);
	ck_assert_int_eq(t.utc, 1782907269);
	ck_assert_uint_eq(t.has_offset, 1);
	ck_assert_uint_eq(parse("2026-07-01 12:01:09 -01", &t), 19);
	ck_assert_int_eq(t.utc, 1782907269 - 7200);

	/* Another zone: the cached local time must not survive. */
	set_tz("UTC");
	check_ts_fields("2026-07-01 12:01:10", 12, 1, 10);
}
END_TEST

Suite *
make_ts_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_limits;

	s = suite_create("ts");

	tc_core = tcase_create("core");
	tcase_add_test(tc_core, test_ts_plain_utc);
	tcase_add_test(tc_core, test_ts_followed_by_body);
	tcase_add_test(tc_core, test_ts_millisec);
	tcase_add_test(tc_core, test_ts_offset_plus);
	tcase_add_test(tc_core, test_ts_offset_minus);
	tcase_add_test(tc_core, test_ts_millisec_and_offset);
	tcase_add_test(tc_core, test_ts_berlin_summer_winter);
	tcase_add_test(tc_core, test_ts_berlin_spring_forward);
	tcase_add_test(tc_core, test_ts_berlin_fall_back);
	tcase_add_test(tc_core, test_ts_local_reset);
	tcase_add_test(tc_core, test_ts_format_offset);
	tcase_add_test(tc_core, test_ts_format_negative_offset);
	tcase_add_test(tc_core, test_ts_format_utc_offset_zero);
	tcase_add_test(tc_core, test_ts_format_local);
	tcase_add_test(tc_core, test_ts_format_round_trip);
	tcase_add_test(tc_core, test_ts_format_local_cache);
	tcase_add_test(tc_core, test_ts_format_local_cache_reset);
	tcase_add_test(tc_core, test_ts_compare);
	tcase_add_test(tc_core, test_ts_rfc3339_fraction_offset);
	tcase_add_test(tc_core, test_ts_rfc3339_offset_forms);
	tcase_add_test(tc_core, test_ts_bsd_fields);
	tcase_add_test(tc_core, test_ts_from_fields);
	suite_add_tcase(s, tc_core);

	tc_limits = tcase_create("limits");
	tcase_add_test(tc_limits, test_ts_leap_days);
	tcase_add_test(tc_limits, test_ts_invalid_dates);
	tcase_add_test(tc_limits, test_ts_same_minute_reuse);
	tcase_add_test(tc_limits, test_ts_bad_offset_is_body);
	tcase_add_test(tc_limits, test_ts_stops_at_len);
	tcase_add_test(tc_limits, test_ts_format_small_buffer);
	tcase_add_test(tc_limits, test_ts_format_year_edges);
	tcase_add_test(tc_limits, test_ts_format_local_extremes);
	tcase_add_test(tc_limits, test_ts_rfc3339_local_and_bad);
	tcase_add_test(tc_limits, test_ts_bsd_bad);
	suite_add_tcase(s, tc_limits);

	return s;
}
