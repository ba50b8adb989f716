/* The time window of --since and --until. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "timefilter.h"
#include "xmalloc.h"

/* Digits of the count in "-7d": up to 999999999 weeks fit in int64_t. */
#define TIMEFILTER_COUNT_DIGITS	9

/* The period an argument names: [start, end). */
struct timefilter_period {
	int64_t	start;
	int64_t	end;
};

/* Parse exactly n digits at s. */
static int
timefilter_digits(const char *s, size_t n, int *out)
{
	size_t	i;
	int	v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
timefilter_days_in_month(int year, int month)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			leap;

	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (month == 2 && leap)
		return 29;
	return days[month - 1];
}

/* Seconds since the epoch of a local time, with the zone's DST rules. */
static int
timefilter_local(int year, int month, int day, int hour, int min, int sec,
    int64_t *out)
{
	struct tm	tm;
	time_t		t;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Parse "Z", "+hh:mm", "+hhmm" or "-..." into seconds east of UTC. */
static int
timefilter_offset(const char *s, int *out)
{
	int	sign, hh, mm;

	if (strcmp(s, "Z") == 0) {
		*out = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s == '-' ? -1 : 1;
	s++;
	if (timefilter_digits(s, 2, &hh) == -1)
		return -1;
	s += 2;
	if (*s == ':')
		s++;
	if (timefilter_digits(s, 2, &mm) == -1 || s[2] != '\0')
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*out = sign * (hh * 3600 + mm * 60);
	return 0;
}

/*
 * Parse "YYYY-MM-DD" with an optional time "[T ]HH:MM[:SS]" and, after a
 * time, an optional offset.
 */
static int
timefilter_absolute(const char *s, struct timefilter_period *p)
{
	struct tm	tm;
	int		year, month, day, hour = 0, min = 0, sec = 0;
	int		offset = 0, has_offset = 0, step;
	int64_t		start;

	if (timefilter_digits(s, 4, &year) == -1 || s[4] != '-' ||
	    timefilter_digits(s + 5, 2, &month) == -1 || s[7] != '-' ||
	    timefilter_digits(s + 8, 2, &day) == -1)
		return -1;
	if (year < 1970 || month < 1 || month > 12 || day < 1 ||
	    day > timefilter_days_in_month(year, month))
		return -1;
	s += 10;

	if (*s == '\0') {
		/* A whole local day; its length follows DST changes. */
		if (timefilter_local(year, month, day, 0, 0, 0,
		    &p->start) == -1 ||
		    timefilter_local(year, month, day + 1, 0, 0, 0,
		    &p->end) == -1)
			return -1;
		return 0;
	}

	if ((*s != 'T' && *s != ' ') ||
	    timefilter_digits(s + 1, 2, &hour) == -1 || s[3] != ':' ||
	    timefilter_digits(s + 4, 2, &min) == -1)
		return -1;
	s += 6;
	step = 60;
	if (*s == ':') {
		if (timefilter_digits(s + 1, 2, &sec) == -1)
			return -1;
		s += 3;
		step = 1;
	}
	if (hour > 23 || min > 59 || sec > 59)
		return -1;
	if (*s != '\0') {
		if (timefilter_offset(s, &offset) == -1)
			return -1;
		has_offset = 1;
	}

	if (has_offset) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = year - 1900;
		tm.tm_mon = month - 1;
		tm.tm_mday = day;
		tm.tm_hour = hour;
		tm.tm_min = min;
		tm.tm_sec = sec;
		start = (int64_t)timegm(&tm) - offset;
	} else if (timefilter_local(year, month, day, hour, min, sec,
	    &start) == -1)
		return -1;
	p->start = start;
	p->end = start + step;
	return 0;
}

/* Parse "today" or "yesterday" as a local day. */
static int
timefilter_day(time_t now, int days_back, struct timefilter_period *p)
{
	struct tm	tm;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	if (timefilter_local(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday - days_back, 0, 0, 0, &p->start) == -1 ||
	    timefilter_local(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday - days_back + 1, 0, 0, 0, &p->end) == -1)
		return -1;
	return 0;
}

/* Parse "-<count><unit>": a point in time before now. */
static int
timefilter_relative(const char *s, time_t now, struct timefilter_period *p)
{
	size_t	n = 0;
	int64_t	count = 0, unit;

	if (*s++ != '-')
		return -1;
	while (isdigit((unsigned char)s[n])) {
		if (n == TIMEFILTER_COUNT_DIGITS)
			return -1;
		count = count * 10 + (s[n] - '0');
		n++;
	}
	if (n == 0 || s[n] == '\0' || s[n + 1] != '\0')
		return -1;
	switch (s[n]) {
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return -1;
	}
	p->start = p->end = (int64_t)now - count * unit;
	return 0;
}

int
timefilter_parse(const char *arg, enum timefilter_edge edge, time_t now,
    int64_t *out, char **cause)
{
	struct timefilter_period	p;
	int				rc;

	if (strlen(arg) > TIMEFILTER_ARG_MAX)
		rc = -1;
	else if (strcmp(arg, "today") == 0)
		rc = timefilter_day(now, 0, &p);
	else if (strcmp(arg, "yesterday") == 0)
		rc = timefilter_day(now, 1, &p);
	else if (strcmp(arg, "now") == 0) {
		p.start = (int64_t)now;
		p.end = p.start + 1;
		rc = 0;
	} else if (arg[0] == '-')
		rc = timefilter_relative(arg, now, &p);
	else
		rc = timefilter_absolute(arg, &p);
	if (rc == -1) {
		xasprintf(cause, "invalid time \"%.*s\": use YYYY-MM-DD, "
		    "YYYY-MM-DDTHH:MM[:SS] with an optional offset, today, "
		    "yesterday, now, or -N with m, h, d or w (as in -7d)",
		    TIMEFILTER_ARG_MAX, arg);
		return -1;
	}
	*out = edge == TIMEFILTER_SINCE ? p.start : p.end;
	return 0;
}

int
timefilter_set(struct timefilter *tf, const char *since, const char *until,
    time_t now, char **cause)
{
	memset(tf, 0, sizeof *tf);
	if (since != NULL) {
		if (timefilter_parse(since, TIMEFILTER_SINCE, now, &tf->since,
		    cause) == -1)
			return -1;
		tf->has_since = 1;
	}
	if (until != NULL) {
		if (timefilter_parse(until, TIMEFILTER_UNTIL, now, &tf->until,
		    cause) == -1)
			return -1;
		tf->has_until = 1;
	}
	if (tf->has_since && tf->has_until && tf->until <= tf->since) {
		xasprintf(cause, "the time window is empty: --until \"%.*s\" "
		    "ends before --since \"%.*s\" starts", TIMEFILTER_ARG_MAX,
		    until, TIMEFILTER_ARG_MAX, since);
		return -1;
	}
	return 0;
}

int
timefilter_active(const struct timefilter *tf)
{
	return tf != NULL && (tf->has_since || tf->has_until);
}

int
timefilter_match(const struct timefilter *tf, const struct event *ev)
{
	if (!timefilter_active(tf))
		return 1;
	if (!ev->has_time)
		return 0;
	if (tf->has_since && ev->time.utc < tf->since)
		return 0;
	if (tf->has_until && ev->time.utc >= tf->until)
		return 0;
	return 1;
}
