/* Syslog line prefixes and the year of RFC 3164 times. */
#include <string.h>
#include <time.h>

#include "span.h"
#include "syslog.h"
#include "syslog_short.h"

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

	yr->last_len = 0;
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

/* Compare two plain RFC 3164 times as bytes 0-7 and 7-14. */
static inline int
syslog_same_plain_time(const char *s, const char *t)
{
	uint64_t	a, b, c, d;

	memcpy(&a, s, 8);
	memcpy(&b, s + 7, 8);
	memcpy(&c, t, 8);
	memcpy(&d, t + 7, 8);
	return a == c && b == d;
}

/*
 * Convert the RFC 3164 time at buf from the last one converted when that
 * is possible: for the same text, and for a plain time of the same hour.
 * A time of the same month leaves the year inference as it is, and one of
 * the same hour has the same local offset, because ts_from_fields looks
 * the offset up once per wall-clock hour.  Returns the bytes used, or 0
 * when buf needs a full conversion.
 */
static size_t
syslog_time_from_last(struct syslog_year *yr, const char *buf, size_t len,
    struct ts *out)
{
	const char	*last = yr->last_text;
	uint64_t	 a, b, c, d;
	size_t		 n = yr->last_len;
	int		 min, sec;

	/* ts_parse_bsd needs a space or the end after the time. */
	if (n == 0 || len < n || (len > n && buf[n] != ' ') ||
	    yr->last_zone != ts_cache_generation)
		return 0;
	if (n != SYSLOG_PLAIN_TIME_LEN) {
		if (memcmp(buf, last, n) != 0)
			return 0;
		*out = yr->last_time;
		return n;
	}

	/* Bytes 0-7 and 7-14, then "Nov 30 10:" alone. */
	memcpy(&a, buf, 8);
	memcpy(&b, buf + 7, 8);
	memcpy(&c, last, 8);
	memcpy(&d, last + 7, 8);
	if (a == c && b == d) {
		*out = yr->last_time;
		return n;
	}
	if (a != c || buf[8] != last[8] || buf[9] != ':' || buf[12] != ':' ||
	    (min = syslog_two_digits(buf + 10)) < 0 || min > 59 ||
	    (sec = syslog_two_digits(buf + 13)) < 0 || sec > 59)
		return 0;
	yr->last_time.utc += (min - syslog_two_digits(last + 10)) * 60 +
	    (sec - syslog_two_digits(last + 13));
	memcpy(yr->last_text + 10, buf + 10, SYSLOG_PLAIN_TIME_LEN - 10);
	*out = yr->last_time;
	return n;
}

/* Parse a time as syslog_parse_time does, without the last one. */
static size_t
syslog_parse_time_full(const char *buf, size_t len, struct syslog_year *yr,
    struct ts *out)
{
	struct ts_bsd	f;
	size_t		n;

	if ((n = ts_parse_bsd(buf, len, &f)) > 0) {
		if (syslog_year_apply(yr, &f, out) == -1)
			return 0;
		if (n <= sizeof yr->last_text) {
			memcpy(yr->last_text, buf, n);
			/* syslog_time_same_minute compares the space too. */
			if (n < sizeof yr->last_text)
				yr->last_text[n] = ' ';
			yr->last_len = n;
			yr->last_time = *out;
			yr->last_zone = ts_local_generation();
		}
		return n;
	}
	if ((n = ts_parse_rfc3339(buf, len, out)) > 0)
		return n;
	return ts_parse_exim(buf, len, out);
}

size_t
syslog_parse_time(const char *buf, size_t len, struct syslog_year *yr,
    struct ts *out)
{
	size_t	n;

	/*
	 * Exim's own form, "YYYY-MM-DD HH:MM:SS", goes straight to its
	 * parser with the result of the tries below.  A BSD time, the last
	 * one too, has a space or a digit at byte 4.  An RFC 3339 time has
	 * a 'T' or 't' at byte 10.
	 */
	if (len > 10 && buf[4] == '-' && buf[10] == ' ')
		return ts_parse_exim(buf, len, out);
	if ((n = syslog_time_from_last(yr, buf, len, out)) > 0)
		return n;
	return syslog_parse_time_full(buf, len, yr, out);
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
static const char syslog_tag_end[4] = { ' ', ':', '[', ']' };

/*
 * Read the decimal digits of a pid at d, at most limit of them, into
 * *pid (modulo 2^32) unless pid is NULL.  Returns how many digits d
 * starts with, counting at most limit.  With 8 bytes at d, a run of 1 to
 * 7 digits is found and converted 8 bytes at a time: the high nibble of a
 * digit is 3 and its low nibble stays below 16 when 6 is added.
 */
SYSLOG_INLINE size_t
syslog_pid_digits(const char *d, size_t avail, size_t limit, uint32_t *pid)
{
	size_t		digits;
	uint32_t	value = 0;
#ifdef SYSLOG_SWAR
	uint64_t	x, v, bad;

	if (avail >= 8) {
		memcpy(&x, d, 8);
		bad = ((x & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL) |
		    (((x & 0x0f0f0f0f0f0f0f0fULL) + 0x0606060606060606ULL) &
		    0xf0f0f0f0f0f0f0f0ULL);
		if (bad != 0 && (bad & 0xff) == 0) {
			digits = (size_t)__builtin_ctzll(bad) / 8;
			if (pid == NULL)
				return digits;
			/*
			 * Move the digits to the top bytes, so the bytes below
			 * are leading zeros of an 8-digit number, and combine
			 * neighbours: pairs, then groups of 4, then all 8.
			 */
			v = (x - 0x3030303030303030ULL) << (8 * (8 - digits));
			v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffULL;
			v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffULL;
			v = (v * 10000 + (v >> 32)) & 0xffffffffULL;
			*pid = (uint32_t)v;
			return digits;
		}
	}
#endif
	if (limit > avail)
		limit = avail;
	for (digits = 0; digits < limit &&
	    (unsigned char)(d[digits] - '0') <= 9; digits++)
		value = value * 10 + (uint32_t)(d[digits] - '0');
	if (pid != NULL)
		*pid = value;
	return digits;
}

/*
 * Read the rest of a tag after its program name of n bytes at s: an
 * optional "[pid]", then ':' and a space unless the line ends there.
 * Sets the pid fields of out unless out is NULL.  Returns the length of
 * the whole tag, or 0 if s does not continue as one.
 */
SYSLOG_INLINE size_t
syslog_tag_rest(const char *s, size_t len, size_t n, struct syslog_msg *out)
{
	size_t		digits;
	uint32_t	pid;

	if (out != NULL) {
		out->pid = 0;
		out->has_pid = 0;
	}
	if (s[n] == '[') {
		digits = syslog_pid_digits(s + n + 1, len - n - 1,
		    SYSLOG_PID_DIGITS + 1, out != NULL ? &pid : NULL);
		if (digits == 0 || digits > SYSLOG_PID_DIGITS ||
		    digits == len - n - 1 || s[n + 1 + digits] != ']')
			return 0;
		if (out != NULL) {
			out->pid = pid;
			out->has_pid = 1;
		}
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

/*
 * Measure a tag "program[pid]: " or "program: " at s (the space may be the
 * end of the line) and set the tag fields of out.  Returns 0 if s does not
 * start with one.
 */
static size_t
syslog_tag(const char *s, size_t len, struct syslog_msg *out)
{
	size_t	n;

	n = span_until4(s, len < SYSLOG_TAG_MAX + 1 ? len : SYSLOG_TAG_MAX + 1,
	    syslog_tag_end);
	if (n == 0 || n > SYSLOG_TAG_MAX || n >= len)
		return 0;
	out->tag = s;
	out->tag_len = n;
	return syslog_tag_rest(s, len, n, out);
}

/* Measure a Solaris "[ID 123456 mail.notice] " at s, or return 0. */
static inline size_t
syslog_solaris_id(const char *s, size_t len)
{
	const char	*end;

	if (len < 5 || s[0] != '[' || memcmp(s, "[ID ", 4) != 0)
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
	size_t		 off, n, limit;

	memset(out, 0, sizeof *out);
	if (flags & SYSLOG_NO_SHORTCUTS)
		yr->last_len = 0;
	off = syslog_priority(line, len);
	/* Most lines have the hour of the last time, so try that first. */
	if ((n = syslog_time_from_last(yr, line + off, len - off,
	    &out->time)) > 0 || (n = syslog_parse_time_full(line + off,
	    len - off, yr, &out->time)) > 0) {
		out->has_time = 1;
		off += n;
		if (off >= len)
			return -1;
		off++;
	} else if (!(flags & SYSLOG_NO_TIME))
		return -1;
	off += syslog_facility(line + off, len - off);

	/*
	 * The host name, unless the next word is already the tag.  A word
	 * whose first tag end is a space is no tag, so it is the host name
	 * without a second look.
	 */
	limit = len - off < SYSLOG_HOST_MAX + 1 ? len - off :
	    SYSLOG_HOST_MAX + 1;
	n = span_until4(line + off, limit, syslog_tag_end);
	if (!(flags & SYSLOG_NO_SHORTCUTS) && n > 0 && n < limit &&
	    line[off + n] == ' ') {
		out->host = line + off;
		out->host_len = n;
		off += n + 1;
		if ((n = syslog_tag(line + off, len - off, out)) == 0)
			return -1;
	} else if ((n = syslog_tag(line + off, len - off, out)) == 0) {
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

/* Keep s[0, n) in c for syslog_same_bytes, with the rest of the entry. */
static void
syslog_keep_bytes(struct syslog_cached *c, const char *s, size_t n,
    size_t host_len, int kind)
{
	unsigned char	bytes[SYSLOG_CACHED_MAX], mask[SYSLOG_CACHED_MAX];

	memset(bytes, 0, sizeof bytes);
	memset(mask, 0, sizeof mask);
	memcpy(bytes, s, n);
	memset(mask, 0xff, n);
	memcpy(c->word, bytes, sizeof bytes);
	memcpy(c->mask, mask, sizeof mask);
	c->bytes = n;
	c->host_len = host_len;
	c->kind = kind;
}

/*
 * Keep the host name and tag of out, which start at s, in their slot
 * when they fit, and the length of the host name for the next lookup.
 */
static void
syslog_keep_head(struct syslog_year *yr, const char *s, size_t avail,
    const struct syslog_msg *out)
{
	size_t	bytes = out->host_len + out->tag_len + 2;

	yr->host_hint = out->host_len;
	if (bytes > SYSLOG_CACHED_MAX || avail < SYSLOG_CACHED_MAX ||
	    out->host_len + SYSLOG_SLOT_BYTE + 1 >= SYSLOG_CACHED_MAX)
		return;
	syslog_keep_bytes(&yr->heads[syslog_head_slot(s, out->host_len)], s,
	    bytes, out->host_len, out->tag_kind);
}

/*
 * The body of syslog_parse_head, inlined into syslog_parse_short.  With a
 * kind function, the tag is looked up in and kept in the tag slots.
 */
SYSLOG_INLINE int
syslog_head(const char *line, size_t len, struct syslog_year *yr,
    int (*kind)(const char *, size_t), struct syslog_msg *out)
{
	size_t	off, n, limit, start;

	if (len == 0 || line[0] == '<')
		return 0;

	/* A plain time of the same minute as the line before. */
	off = SYSLOG_PLAIN_TIME_LEN;
	if (yr->last_len == SYSLOG_PLAIN_TIME_LEN && len > off &&
	    yr->last_zone == ts_cache_generation &&
	    syslog_time_same_minute(yr, line, &out->time))
		;
	else if ((off = syslog_time_from_last(yr, line, len, &out->time)) == 0 &&
	    (off = syslog_parse_time_full(line, len, yr, &out->time)) == 0)
		return 0;
	out->has_time = 1;
	if (off >= len)
		return -1;
	off++;
	if (off == len || line[off] == '<')
		return 0;	/* no host, or maybe a "<facility.level>" */

	/*
	 * With a kind function, the host name and tag are looked up together
	 * in the slots first.  A kept entry is a host name, a space, a tag
	 * and its '[' or ':', with no tag end inside either name, so the
	 * same bytes split the same way.
	 */
	if (kind != NULL && syslog_slot_hit(yr, line, len, off, out))
		return 1;
	start = off;

	/* A host name followed by a space, as syslog_parse's shortcut. */
	limit = len - off < SYSLOG_HOST_MAX + 1 ? len - off :
	    SYSLOG_HOST_MAX + 1;
	n = span_until4(line + off, limit, syslog_tag_end);
	if (n == 0 || n >= limit || line[off + n] != ' ')
		return 0;
	out->host = line + off;
	out->host_len = n;
	off += n + 1;

	/* syslog_parse takes the word after the host for the tag, or fails. */
	limit = len - off < SYSLOG_TAG_MAX + 1 ? len - off : SYSLOG_TAG_MAX + 1;
	n = span_until4(line + off, limit, syslog_tag_end);
	if (n == 0 || n > SYSLOG_TAG_MAX || n >= len - off ||
	    (line[off + n] != '[' && line[off + n] != ':'))
		return -1;
	out->tag = line + off;
	out->tag_len = n;
	if (kind != NULL) {
		out->tag_kind = kind(line + off, n);
		syslog_keep_head(yr, line + start, len - start, out);
	}
	return 1;
}

int
syslog_parse_rest(const char *line, size_t len, struct syslog_msg *out)
{
	size_t	off = (size_t)(out->tag - line), n;

	if ((n = syslog_tag_rest(out->tag, len - off, out->tag_len, out)) == 0)
		return -1;
	off += n;
	off += syslog_solaris_id(line + off, len - off);
	out->msg = off;
	return 0;
}

/* The body of syslog_skip_rest, inlined into syslog_parse_short. */
SYSLOG_INLINE int
syslog_skip(const char *line, size_t len, struct syslog_msg *out)
{
	size_t		off = (size_t)(out->tag - line) + out->tag_len, digits;
	size_t		word;

	/* syslog_parse_head has checked that a '[' or ':' ends the name. */
	if ((word = syslog_short_pid(line, len, off)) != 0) {
		off = word;
		if (off < len && line[off] == '[')
			off += syslog_solaris_id(line + off, len - off);
		out->msg = off;
		return 0;
	}
	if (line[off] == '[') {
		digits = syslog_pid_digits(line + off + 1, len - off - 1,
		    SYSLOG_PID_DIGITS + 1, NULL);
		if (digits == 0 || digits > SYSLOG_PID_DIGITS ||
		    digits == len - off - 1 || line[off + 1 + digits] != ']')
			return -1;
		off += digits + 2;
	}
	if (off >= len || line[off] != ':')
		return -1;
	off++;
	if (off < len) {
		if (line[off] != ' ')
			return -1;
		off++;
		if (off < len && line[off] == '[')
			off += syslog_solaris_id(line + off, len - off);
	}
	out->msg = off;
	return 0;
}

int
syslog_parse_head(const char *line, size_t len, struct syslog_year *yr,
    struct syslog_msg *out)
{
	return syslog_head(line, len, yr, NULL, out);
}

int
syslog_skip_rest(const char *line, size_t len, struct syslog_msg *out)
{
	return syslog_skip(line, len, out);
}

int
syslog_parse_short_general(const char *line, size_t len,
    struct syslog_year *yr, int (*kind)(const char *, size_t),
    struct syslog_msg *out)
{
	int	head;

	if ((head = syslog_head(line, len, yr, kind, out)) == 1 &&
	    syslog_skip(line, len, out) == -1)
		return -1;
	return head;
}

int
syslog_parse_short(const char *line, size_t len, struct syslog_year *yr,
    int (*kind)(const char *, size_t), struct syslog_msg *out)
{
	return syslog_parse_short_inline(line, len, yr, kind, out);
}

int
syslog_rest_valid(const char *line, size_t len, const struct syslog_msg *sm)
{
	size_t	off = (size_t)(sm->tag - line);

	return syslog_tag_rest(sm->tag, len - off, sm->tag_len, NULL) != 0;
}

int
syslog_tag_is(const struct syslog_msg *sm, const char *name)
{
	size_t	n = strlen(name);

	return sm->tag_len == n && memcmp(sm->tag, name, n) == 0;
}
