/* Syslog line prefixes and the year of RFC 3164 times. */
#include <string.h>
#include <time.h>

#include "syslog.h"

/* Longest "<priority>" and "<facility.level>" skipped, brackets included. */
#define SYSLOG_PRI_MAX		5
#define SYSLOG_FACILITY_MAX	32
/* Longest Solaris "[ID 123456 mail.notice] " skipped. */
#define SYSLOG_SOLARIS_ID_MAX	64
/* Digits of a process id. */
#define SYSLOG_PID_DIGITS	10

void
syslog_year_init(struct syslog_year *yr, time_t reference)
{
	memset(yr, 0, sizeof *yr);
	yr->reference = reference != 0 ? reference : time(NULL);
}

int
syslog_year_apply(struct syslog_year *yr, const struct ts_bsd *f,
    struct ts *out)
{
	struct tm	tm;
	int		year;

	if (yr->year == 0) {
		if (localtime_r(&yr->reference, &tm) == NULL)
			return -1;
		yr->year = tm.tm_year + 1900;
		if (f->month > tm.tm_mon + 1)
			yr->year--;
		yr->month = f->month;
	}
	year = yr->year;
	if (f->month < yr->month - SYSLOG_MONTH_SLACK) {
		yr->year++;
		year = yr->year;
		yr->month = f->month;
	} else if (f->month > yr->month + SYSLOG_MONTH_SLACK)
		year--;
	else
		yr->month = f->month;
	if (yr->first_year == 0) {
		yr->first_year = yr->year;
		yr->first_month = yr->month;
	}
	return ts_from_fields(year, f->month, f->day, f->hour, f->min, f->sec,
	    f->msec, NULL, out);
}

int
syslog_year_continues(const struct syslog_year *before,
    const struct syslog_year *yr)
{
	int	month = yr->first_month;

	if (yr->first_year == 0 || before->year == 0)
		return 1;
	if (month < before->month - SYSLOG_MONTH_SLACK)
		return yr->first_year == before->year + 1;
	if (month > before->month + SYSLOG_MONTH_SLACK)
		return 0;	/* a late line: the state would stay as it was */
	return yr->first_year == before->year;
}

size_t
syslog_parse_time(const char *buf, size_t len, struct syslog_year *yr,
    struct ts *out)
{
	struct ts_bsd	f;
	size_t		n;

	if ((n = ts_parse_bsd(buf, len, &f)) > 0)
		return syslog_year_apply(yr, &f, out) == 0 ? n : 0;
	if ((n = ts_parse_rfc3339(buf, len, out)) > 0)
		return n;
	return ts_parse_exim(buf, len, out);
}

/* Measure "<digits>" at s, or return 0. */
static size_t
syslog_priority(const char *s, size_t len)
{
	size_t	n;

	if (len < 3 || s[0] != '<')
		return 0;
	for (n = 1; n < len && n < SYSLOG_PRI_MAX && s[n] >= '0' &&
	    s[n] <= '9'; n++)
		;
	if (n == 1 || n >= len || s[n] != '>')
		return 0;
	return n + 1;
}

/* Measure a BSD "<facility.level> " at s, or return 0. */
static size_t
syslog_facility(const char *s, size_t len)
{
	const char	*end;
	size_t		 n;

	if (len < 4 || s[0] != '<')
		return 0;
	end = memchr(s, '>', len < SYSLOG_FACILITY_MAX ? len :
	    SYSLOG_FACILITY_MAX);
	if (end == NULL)
		return 0;
	n = (size_t)(end - s) + 1;
	if (memchr(s, '.', n) == NULL || memchr(s, ' ', n) != NULL ||
	    n >= len || s[n] != ' ')
		return 0;
	return n + 1;
}

/* Bytes that end the program name of a tag. */
static const unsigned char syslog_tag_end[256] = {
	[' '] = 1, [':'] = 1, ['['] = 1, [']'] = 1
};

/*
 * Measure a tag "program[pid]: " or "program: " at s (the space may be the
 * end of the line) and set the tag fields of out.  Returns 0 if s does not
 * start with one.
 */
static size_t
syslog_tag(const char *s, size_t len, struct syslog_msg *out)
{
	size_t		n, digits;
	uint32_t	pid = 0;

	for (n = 0; n < len && n <= SYSLOG_TAG_MAX &&
	    !syslog_tag_end[(unsigned char)s[n]]; n++)
		;
	if (n == 0 || n > SYSLOG_TAG_MAX || n >= len)
		return 0;
	out->tag = s;
	out->tag_len = n;
	out->has_pid = 0;
	if (s[n] == '[') {
		for (digits = 0; n + 1 + digits < len &&
		    digits <= SYSLOG_PID_DIGITS &&
		    s[n + 1 + digits] >= '0' && s[n + 1 + digits] <= '9';
		    digits++)
			pid = pid * 10 + (uint32_t)(s[n + 1 + digits] - '0');
		if (digits == 0 || digits > SYSLOG_PID_DIGITS ||
		    n + 1 + digits >= len || s[n + 1 + digits] != ']')
			return 0;
		out->pid = pid;
		out->has_pid = 1;
		n += digits + 2;
	}
	if (n >= len || s[n] != ':')
		return 0;
	n++;
	if (n < len) {
		if (s[n] != ' ')
			return 0;
		n++;
	}
	return n;
}

/* Measure a Solaris "[ID 123456 mail.notice] " at s, or return 0. */
static size_t
syslog_solaris_id(const char *s, size_t len)
{
	const char	*end;

	if (len < 5 || memcmp(s, "[ID ", 4) != 0)
		return 0;
	end = memchr(s, ']', len < SYSLOG_SOLARIS_ID_MAX ? len :
	    SYSLOG_SOLARIS_ID_MAX);
	if (end == NULL || (size_t)(end - s) + 1 >= len || end[1] != ' ')
		return 0;
	return (size_t)(end - s) + 2;
}

int
syslog_parse(const char *line, size_t len, struct syslog_year *yr, int flags,
    struct syslog_msg *out)
{
	const char	*sp;
	size_t		 off, n;

	memset(out, 0, sizeof *out);
	off = syslog_priority(line, len);
	if ((n = syslog_parse_time(line + off, len - off, yr,
	    &out->time)) > 0) {
		out->has_time = 1;
		off += n;
		if (off >= len)
			return -1;
		off++;
	} else if (!(flags & SYSLOG_NO_TIME))
		return -1;
	off += syslog_facility(line + off, len - off);

	/* The host name, unless the next word is already the tag. */
	if ((n = syslog_tag(line + off, len - off, out)) == 0) {
		sp = memchr(line + off, ' ', len - off < SYSLOG_HOST_MAX + 1 ?
		    len - off : SYSLOG_HOST_MAX + 1);
		if (sp == NULL || sp == line + off)
			return -1;
		out->host = line + off;
		out->host_len = (size_t)(sp - out->host);
		off += out->host_len + 1;
		if ((n = syslog_tag(line + off, len - off, out)) == 0)
			return -1;
	}
	off += n;
	off += syslog_solaris_id(line + off, len - off);
	out->msg = off;
	return 0;
}

int
syslog_tag_is(const struct syslog_msg *sm, const char *name)
{
	size_t	n = strlen(name);

	return sm->tag_len == n && memcmp(sm->tag, name, n) == 0;
}
