/*
 * Timestamps: Exim's log format, RFC 3339 and RFC 3164 (syslog) times,
 * conversion to UTC and ISO 8601 output.
 *
 * Dates are proleptic Gregorian, years 0001 to 9999.  Local times are
 * converted with a per-hour cache of the host's UTC offset, because one
 * mktime call (about 70 ns with glibc 2.36 on a 2-core test VM) costs half
 * as much as parsing a whole Exim line.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ts.h"

#define TS_SECS_PER_DAY		86400
#define TS_SECS_PER_HOUR	3600
/* Length of "YYYY-MM-DD HH:MM:SS" */
#define TS_EXIM_LEN		19
/* Days from 0001-01-01 to 1970-01-01. */
#define TS_EPOCH_DAYS		719162
/* Days in 400, 100 and 4 Gregorian years. */
#define TS_DAYS_400Y		146097
#define TS_DAYS_100Y		36524
#define TS_DAYS_4Y		1461
/* Digits of a fraction of a second read; nanoseconds have 9. */
#define TS_FRACTION_MAX		9
/* Slots of the local offset cache, indexed by wall-clock hour. */
#define TS_CACHE_SLOTS		64

struct ts_cache_slot {
	int64_t	hour;		/* wall-clock hours since the epoch */
	int32_t	offset;		/* seconds east of UTC */
	int	valid;
};

static _Thread_local struct ts_cache_slot ts_cache[TS_CACHE_SLOTS];

/*
 * Slots of the offset cache of ts_format_iso, indexed by UTC hour: 24 KiB
 * for six weeks, because suspects come in score order, not time order.
 */
#define TS_ISO_CACHE_SLOTS	1024

/* One day after 9999-12-31T23:59:59 UTC, as seconds since the epoch. */
#define TS_ISO_UTC_MAX		(253402300799LL + TS_SECS_PER_DAY)

/*
 * The host's UTC offset through one UTC hour, and the local date at the
 * start of the hour, for ts_format_iso.
 */
struct ts_iso_slot {
	int64_t		hour;		/* UTC hours since the epoch */
	int32_t		offset;		/* seconds east of UTC */
	int32_t		days;		/* local date as days since 1970 */
	int16_t		year;
	uint8_t		month;
	uint8_t		day;
	uint8_t		filled;
	uint8_t		usable;		/* 0: localtime_r converts each time */
};

static _Thread_local struct ts_iso_slot ts_iso_cache[TS_ISO_CACHE_SLOTS];
/* Calls of ts_local_reset in this thread. */
_Thread_local unsigned ts_cache_generation;

/* The last valid date that ts_wall_from_fields converted. */
struct ts_date_last {
	int64_t	year;
	int	month, day;
	int64_t	days;		/* since 1970-01-01 */
	int	valid;
};

/* The last RFC 3164 time that ts_parse_bsd read, and its fields. */
struct ts_bsd_last {
	char		text[TS_BSD_LEN_MAX];
	size_t		len;		/* 0: none yet */
	struct ts_bsd	fields;
};

static size_t	ts_parse_bsd_fields(const char *, size_t, struct ts_bsd *);

/* The last Exim time prefix that ts_exim_wall read, and its result. */
struct ts_exim_last {
	char	prefix[TS_EXIM_LEN];
	int64_t	wall;
	int	state;		/* 0: none yet, 1: valid, -1: invalid */
	int64_t	local_utc;	/* wall read as local time, if has_local */
	int	has_local;
};

static _Thread_local struct ts_exim_last ts_exim_last;

static const int ts_days_before_month[12] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
};

static int
ts_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
ts_month_days(int64_t year, int month)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month == 2 && ts_leap(year))
		return 29;
	return days[month - 1];
}

/* Days since 1970-01-01 of a valid date with year >= 1. */
static int64_t
ts_days_from_civil(int64_t year, int month, int day)
{
	int64_t	before = year - 1, days;

	days = 365 * before + before / 4 - before / 100 + before / 400;
	days += ts_days_before_month[month - 1] + day - 1;
	if (month > 2 && ts_leap(year))
		days++;
	return days - TS_EPOCH_DAYS;
}

/* The date of a day number from ts_days_from_civil (on or after 0001-01-01). */
static void
ts_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t	n400, n100, n4, n1, rest;
	int	m, mdays;

	rest = days + TS_EPOCH_DAYS;
	n400 = rest / TS_DAYS_400Y;
	rest %= TS_DAYS_400Y;
	n100 = rest / TS_DAYS_100Y;
	if (n100 == 4)		/* the last day of a 400-year cycle */
		n100 = 3;
	rest -= n100 * TS_DAYS_100Y;
	n4 = rest / TS_DAYS_4Y;
	rest %= TS_DAYS_4Y;
	n1 = rest / 365;
	if (n1 == 4)		/* the last day of a leap year */
		n1 = 3;
	rest -= n1 * 365;

	*year = n400 * 400 + n100 * 100 + n4 * 4 + n1 + 1;
	for (m = 1; m < 12; m++) {
		mdays = ts_month_days(*year, m);
		if (rest < mdays)
			break;
		rest -= mdays;
	}
	*month = m;
	*day = (int)rest + 1;
}

static int64_t
ts_floor_div(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* The local UTC offset at instant t, from the C library's zone data. */
static int32_t
ts_gmtoff(int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

/*
 * The UTC offset for a local wall-clock hour (hour start given as seconds
 * counted as if the wall clock were UTC).  An offset fits the hour when
 * the instant it gives has that offset itself.  The offsets a day before
 * and a day after are the two candidates around a change: when both fit
 * (clocks went back) the earlier one wins, and when neither fits (clocks
 * went forward) the earlier one is kept as well.
 */
static int32_t
ts_offset_for_hour(int64_t start)
{
	int32_t	before, after;

	before = ts_gmtoff(start - TS_SECS_PER_DAY);
	after = ts_gmtoff(start + TS_SECS_PER_DAY);
	if (ts_gmtoff(start - before) == before)
		return before;
	if (ts_gmtoff(start - after) == after)
		return after;
	return before;
}

/*
 * NOTE: the offset is looked up once per wall-clock hour.  A zone whose
 * clocks change at a time other than the full hour keeps the offset from
 * before the change for the rest of that hour.
 */
static int32_t
ts_local_offset(int64_t wall)
{
	struct ts_cache_slot	*slot;
	int64_t			 hour;

	hour = ts_floor_div(wall, TS_SECS_PER_HOUR);
	slot = &ts_cache[(uint64_t)hour % TS_CACHE_SLOTS];
	if (!slot->valid || slot->hour != hour) {
		slot->hour = hour;
		slot->offset = ts_offset_for_hour(hour * TS_SECS_PER_HOUR);
		slot->valid = 1;
	}
	return slot->offset;
}

void
ts_local_reset(void)
{
	memset(ts_cache, 0, sizeof ts_cache);
	memset(ts_iso_cache, 0, sizeof ts_iso_cache);
	ts_exim_last.has_local = 0;
	ts_cache_generation++;
}

unsigned
ts_local_generation(void)
{
	return ts_cache_generation;
}

/* Read n decimal digits.  Returns -1 if one of them is not a digit. */
static int
ts_digits(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parse " +hhmm" or " -hhmm" at s into seconds.  Returns -1 if absent. */
static int
ts_parse_offset(const char *s, size_t len, int32_t *offset)
{
	int	hh, mm;

	if (len < 6 || s[0] != ' ' || (s[1] != '+' && s[1] != '-'))
		return -1;
	if (len > 6 && s[6] != ' ')
		return -1;
	hh = ts_digits(s + 2, 2);
	mm = ts_digits(s + 4, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return -1;
	*offset = hh * TS_SECS_PER_HOUR + mm * 60;
	if (s[1] == '-')
		*offset = -*offset;
	return 0;
}

/*
 * Set *wall to the seconds since the epoch of a wall-clock date and time,
 * counted as if it were UTC.  Returns 0, or -1 if a field is out of range.
 * Lines come in time order, so the day number of the last valid date is
 * kept for the next call.
 */
static int
ts_wall_from_fields(int64_t year, int month, int day, int hour, int min,
    int sec, int64_t *wall)
{
	static _Thread_local struct ts_date_last	last;

	if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 ||
	    sec > 59)
		return -1;
	if (!last.valid || last.year != year || last.month != month ||
	    last.day != day) {
		if (year < 1 || year > 9999 || month < 1 || month > 12 ||
		    day < 1 || day > ts_month_days(year, month))
			return -1;
		last.year = year;
		last.month = month;
		last.day = day;
		last.days = ts_days_from_civil(year, month, day);
		last.valid = 1;
	}
	*wall = last.days * TS_SECS_PER_DAY + hour * TS_SECS_PER_HOUR +
	    min * 60 + sec;
	return 0;
}

/* Set out from a wall-clock time and an offset (NULL: local time). */
static void
ts_from_wall(int64_t wall, int msec, const int32_t *offset, struct ts *out)
{
	int32_t	off;

	off = offset != NULL ? *offset : ts_local_offset(wall);
	out->utc = wall - off;
	out->msec = (uint16_t)msec;
	out->offset = offset != NULL ? off : 0;
	out->has_offset = offset != NULL;
}

int
ts_from_fields(int64_t year, int month, int day, int hour, int min, int sec,
    int msec, const int32_t *offset, struct ts *out)
{
	int64_t	wall;

	if (msec < 0 || msec > 999 ||
	    ts_wall_from_fields(year, month, day, hour, min, sec, &wall) == -1)
		return -1;
	ts_from_wall(wall, msec, offset, out);
	return 0;
}

/*
 * Compare the TS_EXIM_LEN bytes at a and b as three 8-byte words, the
 * last two overlapping, which is cheaper than a call to memcmp.
 */
static int
ts_exim_same(const char *a, const char *b)
{
	uint64_t	x[3], y[3];

	memcpy(&x[0], a, 8);
	memcpy(&x[1], a + 8, 8);
	memcpy(&x[2], a + TS_EXIM_LEN - 8, 8);
	memcpy(&y[0], b, 8);
	memcpy(&y[1], b + 8, 8);
	memcpy(&y[2], b + TS_EXIM_LEN - 8, 8);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

/*
 * Check whether buf contains the last valid prefix or another second of its
 * minute, and if so move the cached results to that second.  Returns 1
 * when ts_exim_last is then right for buf.  The seconds must be 00 to 59
 * as ts_wall_from_fields requires, and the same hour has the same local
 * offset, so local_utc moves with wall.
 */
static inline int
ts_exim_minute_hit(const char *buf)
{
	struct ts_exim_last	*last = &ts_exim_last;
	uint64_t		 a, b, c, d;
	int			 sec, old;

	if (last->state <= 0)
		return 0;
	memcpy(&a, buf, 8);
	memcpy(&b, buf + 8, 8);
	memcpy(&c, last->prefix, 8);
	memcpy(&d, last->prefix + 8, 8);
	if (((a ^ c) | (b ^ d)) != 0 || buf[16] != last->prefix[16])
		return 0;
	if (buf[17] == last->prefix[17] && buf[18] == last->prefix[18])
		return 1;
	if (buf[17] < '0' || buf[17] > '5' || buf[18] < '0' || buf[18] > '9')
		return 0;
	sec = (buf[17] - '0') * 10 + (buf[18] - '0');
	old = (last->prefix[17] - '0') * 10 + (last->prefix[18] - '0');
	last->wall += sec - old;
	last->local_utc += sec - old;
	last->prefix[17] = buf[17];
	last->prefix[18] = buf[18];
	return 1;
}

/*
 * Set *wall from the "YYYY-MM-DD HH:MM:SS" at buf, whose separators the
 * caller checked.  Returns 0, or -1 if a field is invalid.  The lines of
 * one second share this prefix, so the result for the last prefix read
 * is kept, valid or not.
 */
static int
ts_exim_wall(const char *buf, int64_t *wall)
{
	struct ts_exim_last	*last = &ts_exim_last;
	int			 rc;

	if (ts_exim_minute_hit(buf)) {
		*wall = last->wall;
		return 0;
	}
	if (last->state < 0 && ts_exim_same(buf, last->prefix))
		return -1;
	rc = ts_wall_from_fields(ts_digits(buf, 4), ts_digits(buf + 5, 2),
	    ts_digits(buf + 8, 2), ts_digits(buf + 11, 2),
	    ts_digits(buf + 14, 2), ts_digits(buf + 17, 2), &last->wall);
	memcpy(last->prefix, buf, TS_EXIM_LEN);
	last->state = rc == 0 ? 1 : -1;
	last->has_local = 0;
	*wall = last->wall;
	return rc;
}

/*
 * Parse as ts_parse_exim does, in every case but its fast one.  It is
 * kept out of line so that the fast path needs no stack frame.
 */
static size_t __attribute__((noinline))
ts_parse_exim_full(const char *buf, size_t len, struct ts *out)
{
	int64_t	wall;
	int	msec = 0;
	int32_t	offset = 0;
	size_t	n = TS_EXIM_LEN;
	int	has_offset = 0;

	if (len < TS_EXIM_LEN || buf[4] != '-' || buf[7] != '-' ||
	    buf[10] != ' ' || buf[13] != ':' || buf[16] != ':')
		return 0;

	/* Exim's log_selector +millisec adds exactly three digits. */
	if (n < len && buf[n] == '.') {
		if (len - n < 4 || (msec = ts_digits(buf + n + 1, 3)) < 0)
			return 0;
		n += 4;
	}
	if (n < len && buf[n] != ' ')
		return 0;
	if (ts_parse_offset(buf + n, len - n, &offset) == 0) {
		has_offset = 1;
		n += 6;
	}

	if (ts_exim_wall(buf, &wall) == -1)
		return 0;
	ts_from_wall(wall, msec, has_offset ? &offset : NULL, out);
	if (!has_offset) {
		ts_exim_last.local_utc = out->utc;
		ts_exim_last.has_local = 1;
	}
	return n;
}

size_t
ts_parse_exim(const char *buf, size_t len, struct ts *out)
{
	/*
	 * The commonest case: a valid local time of the same minute as the
	 * last call, with neither a fraction nor an offset after it.  A
	 * prefix is stored only after its separators were checked.
	 */
	if (len >= TS_EXIM_LEN && ts_exim_last.has_local &&
	    (len == TS_EXIM_LEN || (buf[TS_EXIM_LEN] == ' ' &&
	    (len == TS_EXIM_LEN + 1 || (buf[TS_EXIM_LEN + 1] != '+' &&
	    buf[TS_EXIM_LEN + 1] != '-')))) &&
	    ts_exim_minute_hit(buf)) {
		out->utc = ts_exim_last.local_utc;
		out->msec = 0;
		out->offset = 0;
		out->has_offset = 0;
		return TS_EXIM_LEN;
	}
	return ts_parse_exim_full(buf, len, out);
}

/*
 * Parse a fraction of a second, "." and 1 to TS_FRACTION_MAX digits, into
 * milliseconds.  Returns the bytes used, or 0 when there is no fraction.
 */
static size_t
ts_parse_fraction(const char *s, size_t len, int *msec)
{
	size_t	n;
	int	scale = 100;

	*msec = 0;
	if (len < 2 || s[0] != '.' || s[1] < '0' || s[1] > '9')
		return 0;
	for (n = 1; n < len && n <= TS_FRACTION_MAX && s[n] >= '0' &&
	    s[n] <= '9'; n++) {
		*msec += (s[n] - '0') * scale;
		scale /= 10;
	}
	return n;
}

size_t
ts_parse_rfc3339(const char *buf, size_t len, struct ts *out)
{
	int	year, month, day, hour, min, sec, msec, hh, mm;
	int32_t	offset = 0;
	size_t	n = TS_EXIM_LEN;
	int	has_offset = 0;

	if (len < TS_EXIM_LEN || buf[4] != '-' || buf[7] != '-' ||
	    (buf[10] != 'T' && buf[10] != 't') || buf[13] != ':' ||
	    buf[16] != ':')
		return 0;
	year = ts_digits(buf, 4);
	month = ts_digits(buf + 5, 2);
	day = ts_digits(buf + 8, 2);
	hour = ts_digits(buf + 11, 2);
	min = ts_digits(buf + 14, 2);
	sec = ts_digits(buf + 17, 2);
	n += ts_parse_fraction(buf + n, len - n, &msec);
	if (n < len && (buf[n] == 'Z' || buf[n] == 'z')) {
		has_offset = 1;
		n++;
	} else if (n < len && (buf[n] == '+' || buf[n] == '-')) {
		/* "+02:00" as RFC 3339 has it, or "+0200" (journalctl). */
		if (len - n >= 6 && buf[n + 3] == ':') {
			hh = ts_digits(buf + n + 1, 2);
			mm = ts_digits(buf + n + 4, 2);
		} else if (len - n >= 5) {
			hh = ts_digits(buf + n + 1, 2);
			mm = ts_digits(buf + n + 3, 2);
		} else
			return 0;
		if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
			return 0;
		offset = hh * TS_SECS_PER_HOUR + mm * 60;
		if (buf[n] == '-')
			offset = -offset;
		has_offset = 1;
		n += buf[n + 3] == ':' ? 6 : 5;
	}
	if (n < len && buf[n] != ' ')
		return 0;
	if (ts_from_fields(year, month, day, hour, min, sec, msec,
	    has_offset ? &offset : NULL, out) == -1)
		return 0;
	return n;
}

size_t
ts_parse_bsd(const char *buf, size_t len, struct ts_bsd *out)
{
	static _Thread_local struct ts_bsd_last	last;
	size_t					n;

	/*
	 * The result depends only on the bytes it used and on the byte
	 * after them being a space or the end, so a line of the same second
	 * reuses it.
	 */
	if (last.len > 0 && len >= last.len &&
	    (len == last.len || buf[last.len] == ' ') &&
	    memcmp(buf, last.text, last.len) == 0) {
		*out = last.fields;
		return last.len;
	}
	if ((n = ts_parse_bsd_fields(buf, len, out)) > 0 &&
	    n <= sizeof last.text) {
		memcpy(last.text, buf, n);
		last.len = n;
		last.fields = *out;
	}
	return n;
}

static size_t
ts_parse_bsd_fields(const char *buf, size_t len, struct ts_bsd *out)
{
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOct"
				    "NovDec";
	size_t			 n;
	int			 i;

	if (len < 14 || buf[3] != ' ')
		return 0;
	for (i = 0; i < 12; i++)
		if (memcmp(buf, months + 3 * i, 3) == 0)
			break;
	if (i == 12)
		return 0;
	out->month = i + 1;

	/* The day: " 5" (RFC 3164), "05" (Postfix's own log) or "5". */
	n = 4;
	if (buf[n] == ' ')
		n++;
	if ((out->day = ts_digits(buf + n, 1)) < 0)
		return 0;
	n++;
	if (buf[n] >= '0' && buf[n] <= '9') {
		out->day = out->day * 10 + (buf[n] - '0');
		n++;
	}
	if (len < n + 9 || buf[n] != ' ' || buf[n + 3] != ':' ||
	    buf[n + 6] != ':')
		return 0;
	out->hour = ts_digits(buf + n + 1, 2);
	out->min = ts_digits(buf + n + 4, 2);
	out->sec = ts_digits(buf + n + 7, 2);
	n += 9;
	n += ts_parse_fraction(buf + n, len - n, &out->msec);
	if (out->day < 1 || out->day > 31 || out->hour < 0 || out->hour > 23 ||
	    out->min < 0 || out->min > 59 || out->sec < 0 || out->sec > 59)
		return 0;
	if (n < len && buf[n] != ' ')
		return 0;
	return n;
}

int
ts_cmp(const struct ts *a, const struct ts *b)
{
	if (a->utc != b->utc)
		return a->utc < b->utc ? -1 : 1;
	if (a->msec != b->msec)
		return a->msec < b->msec ? -1 : 1;
	return 0;
}

static size_t
ts_snprintf_len(int n, size_t size)
{
	if (n < 0)
		return 0;
	if ((size_t)n >= size)
		return size == 0 ? 0 : size - 1;
	return (size_t)n;
}

/* Length of "YYYY-MM-DDTHH:MM:SS+hh:mm". */
#define TS_ISO_LEN	25

/* Write v as two digits at p. */
static void
ts_put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * Write an ISO 8601 time as the snprintf format "%04d-%02d-%02dT%02d:
 * %02d:%02d%c%02d:%02d" would, without its cost (most of the time of
 * writing a client), when every field fits its width.  Returns the
 * length, or 0 when a field does not fit or buf is too small.
 */
static size_t
ts_iso_fields(char *buf, size_t size, int64_t year, int month, int day,
    int hour, int min, int sec, int negative, int off)
{
	int	oh = off / TS_SECS_PER_HOUR, om = off % TS_SECS_PER_HOUR / 60;

	if (size <= TS_ISO_LEN || year < 0 || year > 9999 || oh > 99)
		return 0;
	ts_put2(buf, (int)(year / 100));
	ts_put2(buf + 2, (int)(year % 100));
	buf[4] = '-';
	ts_put2(buf + 5, month);
	buf[7] = '-';
	ts_put2(buf + 8, day);
	buf[10] = 'T';
	ts_put2(buf + 11, hour);
	buf[13] = ':';
	ts_put2(buf + 14, min);
	buf[16] = ':';
	ts_put2(buf + 17, sec);
	buf[19] = negative ? '-' : '+';
	ts_put2(buf + 20, oh);
	buf[22] = ':';
	ts_put2(buf + 23, om);
	buf[TS_ISO_LEN] = '\0';
	return TS_ISO_LEN;
}

/*
 * Check that localtime_r gave the wall-clock time wall (seconds counted
 * as if the wall clock were UTC) in tm.  It does not in a zone with leap
 * seconds, whose times are not UTC plus tm_gmtoff.
 */
static int
ts_tm_is_wall(const struct tm *tm, int64_t wall)
{
	int64_t	days, secs, year;
	int	month, day;

	days = ts_floor_div(wall, TS_SECS_PER_DAY);
	secs = wall - days * TS_SECS_PER_DAY;
	ts_civil_from_days(days, &year, &month, &day);
	return tm->tm_year + 1900LL == year && tm->tm_mon + 1 == month &&
	    tm->tm_mday == day && tm->tm_hour == secs / TS_SECS_PER_HOUR &&
	    tm->tm_min == secs % TS_SECS_PER_HOUR / 60 &&
	    tm->tm_sec == secs % 60;
}

/*
 * Find the host's UTC offset for the instant utc, from a cache of one
 * localtime_r check per UTC hour.  Returns the cache slot, or NULL when
 * localtime_r must convert utc itself.  That is the case when the offset
 * at the first and the last second of the hour differ, when its wall
 * clock is not utc plus the offset, or when its year is outside 1-9999.
 *
 * NOTE: an hour with two changes of offset that cancel out (never seen
 * in the tz database) would keep its outer offset throughout.
 */
static const struct ts_iso_slot *
ts_iso_offset(int64_t utc)
{
	struct ts_iso_slot	*slot;
	struct tm		 first, last;
	time_t			 start, end;
	int64_t			 hour;

	/* Times over a day outside years 1-9999 go to localtime_r. */
	if (utc < -(TS_EPOCH_DAYS + 1LL) * TS_SECS_PER_DAY ||
	    utc > TS_ISO_UTC_MAX)
		return NULL;
	hour = ts_floor_div(utc, TS_SECS_PER_HOUR);
	slot = &ts_iso_cache[(uint64_t)hour % TS_ISO_CACHE_SLOTS];
	if (!slot->filled || slot->hour != hour) {
		slot->hour = hour;
		slot->filled = 1;
		slot->usable = 0;
		start = (time_t)(hour * TS_SECS_PER_HOUR);
		end = start + TS_SECS_PER_HOUR - 1;
		if (localtime_r(&start, &first) != NULL &&
		    localtime_r(&end, &last) != NULL &&
		    first.tm_gmtoff == last.tm_gmtoff &&
		    ts_tm_is_wall(&first, start + first.tm_gmtoff) &&
		    ts_tm_is_wall(&last, end + last.tm_gmtoff) &&
		    first.tm_year + 1900 >= 1 && first.tm_year + 1900 <= 9999) {
			slot->offset = (int32_t)first.tm_gmtoff;
			slot->days = (int32_t)ts_floor_div(start +
			    first.tm_gmtoff, TS_SECS_PER_DAY);
			slot->year = (int16_t)(first.tm_year + 1900);
			slot->month = (uint8_t)(first.tm_mon + 1);
			slot->day = (uint8_t)first.tm_mday;
			slot->usable = 1;
		}
	}
	return slot->usable ? slot : NULL;
}

size_t
ts_format_iso(const struct ts *t, char *buf, size_t size)
{
	struct tm	tm;
	time_t		tt;
	const struct ts_iso_slot *slot;
	int64_t		wall, days, secs, year;
	int		month, day, off, n;

	if (size > 0)
		buf[0] = '\0';
	if (!t->has_offset && (slot = ts_iso_offset(t->utc)) != NULL) {
		/* The fields that localtime_r would give, without its cost. */
		wall = t->utc + slot->offset;
		days = ts_floor_div(wall, TS_SECS_PER_DAY);
		secs = wall - days * TS_SECS_PER_DAY;
		if (days == slot->days) {
			year = slot->year;
			month = slot->month;
			day = slot->day;
		} else
			ts_civil_from_days(days, &year, &month, &day);
		off = slot->offset < 0 ? -slot->offset : slot->offset;
		if ((n = (int)ts_iso_fields(buf, size, year, month, day,
		    (int)(secs / TS_SECS_PER_HOUR),
		    (int)(secs % TS_SECS_PER_HOUR / 60), (int)(secs % 60),
		    slot->offset < 0, off)) > 0)
			return (size_t)n;
	}
	if (!t->has_offset) {
		/* Local time, with this host's offset at that moment. */
		tt = (time_t)t->utc;
		if (localtime_r(&tt, &tm) == NULL)
			return 0;
		off = (int)(tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff);
		if ((n = (int)ts_iso_fields(buf, size, tm.tm_year + 1900LL,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, tm.tm_gmtoff < 0, off)) > 0)
			return (size_t)n;
		n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tm.tm_gmtoff < 0 ? '-' : '+',
		    off / TS_SECS_PER_HOUR, off % TS_SECS_PER_HOUR / 60);
		return ts_snprintf_len(n, size);
	}

	wall = t->utc + t->offset;
	days = ts_floor_div(wall, TS_SECS_PER_DAY);
	secs = wall - days * TS_SECS_PER_DAY;
	if (days < -TS_EPOCH_DAYS)
		return 0;
	ts_civil_from_days(days, &year, &month, &day);
	off = t->offset < 0 ? -t->offset : t->offset;
	if ((n = (int)ts_iso_fields(buf, size, year, month, day,
	    (int)(secs / TS_SECS_PER_HOUR), (int)(secs % TS_SECS_PER_HOUR / 60),
	    (int)(secs % 60), t->offset < 0, off)) > 0)
		return (size_t)n;
	n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    (long long)year, month, day, (int)(secs / TS_SECS_PER_HOUR),
	    (int)(secs % TS_SECS_PER_HOUR / 60), (int)(secs % 60),
	    t->offset < 0 ? '-' : '+', off / TS_SECS_PER_HOUR,
	    off % TS_SECS_PER_HOUR / 60);
	return ts_snprintf_len(n, size);
}
