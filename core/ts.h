/* Timestamps from log lines: parsing and ISO 8601 output. */
#ifndef SMTPTRIAGE_TS_H
#define SMTPTRIAGE_TS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A point in time from a log.  utc is seconds since the epoch in UTC;
 * msec the milliseconds (0 when the log had none).  When the log gave an
 * offset, has_offset is 1 and offset is its value in seconds east of UTC;
 * otherwise the wall-clock time was read as the local time of this host.
 */
struct ts {
	int64_t		utc;
	int32_t		offset;
	uint16_t	msec;
	uint8_t		has_offset;
};

/* Compare two timestamps: negative, zero or positive like strcmp. */
int	ts_cmp(const struct ts *, const struct ts *);

/*
 * Parse an Exim timestamp "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]" at the start
 * of buf; it must be followed by a space or the end of buf.  Returns the
 * number of bytes used (without that space), or 0 if buf does not start
 * with a valid one.  A time without an offset is local time: in the hour
 * that repeats when clocks go back, the first pass is meant, and a time
 * that clocks skip uses the offset in effect before the change.
 */
size_t	ts_parse_exim(const char *buf, size_t len, struct ts *out);

/*
 * Parse an RFC 3339 (ISO 8601) timestamp "YYYY-MM-DDTHH:MM:SS" at the start
 * of buf, with an optional fraction of up to 9 digits (milliseconds are
 * kept) and an optional offset "Z", "+02:00" or "+0200" (the short-iso
 * output of older journalctl versions).  It must be followed by a space or
 * the end of buf.  Returns the number of bytes used, or 0.  A time without
 * an offset is local time, as in ts_parse_exim.
 */
size_t	ts_parse_rfc3339(const char *buf, size_t len, struct ts *out);

/* The fields of an RFC 3164 syslog time, which has no year. */
struct ts_bsd {
	int	month;		/* 1 to 12 */
	int	day;		/* 1 to 31, checked against the month later */
	int	hour, min, sec;
	int	msec;		/* from a fraction (journalctl short-precise) */
};

/* Longest RFC 3164 time: "Nov 30 10:00:00" and a 9-digit fraction. */
#define TS_BSD_LEN_MAX		25

/*
 * Parse an RFC 3164 time "Nov 30 10:00:00" at the start of buf: the day
 * padded with a space or a zero, or not at all, and an optional fraction
 * "Nov 30 10:00:00.123456".  It must be followed by a space or the end of
 * buf.  Returns the number of bytes used, or 0.
 */
size_t	ts_parse_bsd(const char *buf, size_t len, struct ts_bsd *out);

/*
 * Set out from a wall-clock date and time: with offset NULL the time is
 * local time, read as ts_parse_exim reads it.  Returns 0, or -1 if a field
 * is out of range (February 29 in a year that is not a leap year, too).
 */
int	ts_from_fields(int64_t year, int month, int day, int hour, int min,
	    int sec, int msec, const int32_t *offset, struct ts *out);

/*
 * Write t as ISO 8601 into buf, always with an offset: the log's own
 * ("2026-11-30T10:00:00+01:00") when it gave one, otherwise the local time
 * of this host with its offset at that moment, because a time without an
 * offset was read as local time.  Returns the length written; buf must
 * hold TS_ISO_MAX bytes.
 */
#define TS_ISO_MAX	40
size_t	ts_format_iso(const struct ts *t, char *buf, size_t size);

/*
 * Forget the local UTC offsets cached by ts_parse_exim in the calling
 * thread.  Call it after changing TZ (setenv and tzset), or times without
 * an offset keep the old zone's offsets for hours already seen.
 */
void	ts_local_reset(void);

/*
 * Return a number that ts_local_reset changes in the calling thread, so
 * a caller that keeps converted local times can tell when to drop them.
 */
unsigned ts_local_generation(void);

/*
 * The counter that ts_local_generation returns, for callers that read it
 * once per log line.  Only ts_local_reset changes it.
 */
extern _Thread_local unsigned ts_cache_generation;

#endif
