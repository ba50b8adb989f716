/*
 * Fuzz target for timestamps: Exim's (ts_parse_exim), RFC 3339
 * (ts_parse_rfc3339), RFC 3164 (ts_parse_bsd, and syslog_parse_time with
 * the year inferred) and their ISO 8601 form.  Each input is parsed in UTC
 * and in a zone with daylight saving time (a POSIX TZ rule, so no zone
 * file is needed).  Checked: an Exim time in UTC comes back unchanged from
 * ts_format_iso, and a time with an offset does not depend on the zone.
 * The ISO form of a time with an offset parses back to the same instant,
 * and the fields of an RFC 3164 time are in range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syslog.h"
#include "ts.h"
#include "fuzz.h"

/* Central European time: clocks change on the last Sundays of March and October. */
#define FUZZ_TZ_DST	"CET-1CEST,M3.5.0,M10.5.0/3"
#define FUZZ_DAY	86400
/* 2026-11-30 10:00:00 UTC, the reference for years that logs leave out. */
#define FUZZ_REFERENCE	1796032800

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
fuzz_zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
	ts_local_reset();
}

/* Check the length that ts_parse_exim returned for buf[0..len-1]. */
static void
fuzz_check_length(const char *buf, size_t len, size_t n)
{
	FUZZ_CHECK(n <= len, "used %zu of %zu bytes", n, len);
	FUZZ_CHECK(n == 19 || n == 23 || n == 25 || n == 29,
	    "used %zu bytes", n);
	FUZZ_CHECK(n == len || buf[n] == ' ', "byte 0x%02x after the time",
	    (unsigned char)buf[n]);
}

/*
 * In UTC, the ISO form repeats the date and time of the input with 'T'
 * between them, and the offset as "+hh:mm": the input's when it had one,
 * else the local one.
 */
static void
fuzz_check_iso(const char *buf, size_t n, const struct ts *t)
{
	char	iso[TS_ISO_MAX], want[TS_ISO_MAX];
	size_t	len, at;

	len = ts_format_iso(t, iso, sizeof iso);
	FUZZ_CHECK(len == strlen(iso), "ISO length %zu", len);
	memcpy(want, buf, 19);
	want[10] = 'T';
	want[19] = '\0';
	if (!t->has_offset) {
		/* Local time, with the local offset "+hh:mm" after it. */
		FUZZ_CHECK(len == 25 && strncmp(iso, want, 19) == 0 &&
		    (iso[19] == '+' || iso[19] == '-') && iso[22] == ':',
		    "\"%.*s\" gives \"%s\", not \"%s\" and an offset",
		    (int)n, buf, iso, want);
		return;
	}
	/* The offset follows the optional ".mmm" and a space. */
	at = n - 5;
	snprintf(want + 19, sizeof want - 19, "%c%.2s:%.2s",
	    t->offset < 0 ? '-' : '+', buf + at + 1, buf + at + 3);
	FUZZ_CHECK(strcmp(iso, want) == 0, "\"%.*s\" gives \"%s\", not \"%s\"",
	    (int)n, buf, iso, want);
}

/* The ISO form of a time with an offset reads back as the same instant. */
static void
fuzz_check_roundtrip(const struct ts *t)
{
	struct ts	back;
	char		iso[TS_ISO_MAX];
	size_t		len;

	if (!t->has_offset)
		return;
	len = ts_format_iso(t, iso, sizeof iso);
	if (len == 0)
		return;		/* before year 1 once the offset applies */
	memset(&back, 0, sizeof back);
	FUZZ_CHECK(ts_parse_rfc3339(iso, len, &back) == len,
	    "ISO form \"%s\" does not parse", iso);
	FUZZ_CHECK(back.utc == t->utc && back.offset == t->offset,
	    "\"%s\" reads back as %lld%+d, not %lld%+d", iso,
	    (long long)back.utc, (int)back.offset, (long long)t->utc,
	    (int)t->offset);
}

static void
fuzz_other_forms(const char *buf, size_t size)
{
	struct syslog_year	yr;
	struct ts_bsd		bsd;
	struct ts		t;
	size_t			n;

	memset(&t, 0, sizeof t);
	if ((n = ts_parse_rfc3339(buf, size, &t)) != 0) {
		FUZZ_CHECK(n <= size, "RFC 3339: used %zu of %zu bytes", n,
		    size);
		FUZZ_CHECK(n == size || buf[n] == ' ',
		    "RFC 3339: byte 0x%02x after the time",
		    (unsigned char)buf[n]);
		FUZZ_CHECK(t.msec < 1000, "RFC 3339: msec %u",
		    (unsigned int)t.msec);
		fuzz_check_roundtrip(&t);
	}

	memset(&bsd, 0, sizeof bsd);
	if ((n = ts_parse_bsd(buf, size, &bsd)) != 0) {
		FUZZ_CHECK(n <= size, "RFC 3164: used %zu of %zu bytes", n,
		    size);
		FUZZ_CHECK(bsd.month >= 1 && bsd.month <= 12 && bsd.day >= 1 &&
		    bsd.day <= 31 && bsd.hour >= 0 && bsd.hour <= 23 &&
		    bsd.min >= 0 && bsd.min <= 59 && bsd.sec >= 0 &&
		    bsd.sec <= 60 && bsd.msec >= 0 && bsd.msec < 1000,
		    "RFC 3164 fields %d-%d %d:%d:%d.%d", bsd.month, bsd.day,
		    bsd.hour, bsd.min, bsd.sec, bsd.msec);
	}

	syslog_year_init(&yr, FUZZ_REFERENCE);
	memset(&t, 0, sizeof t);
	n = syslog_parse_time(buf, size, &yr, &t);
	FUZZ_CHECK(n <= size, "syslog time: used %zu of %zu bytes", n, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;
	struct ts	 a, b;
	size_t		 n, m;
	int64_t		 diff;

	fuzz_zone("UTC0");
	memset(&a, 0, sizeof a);
	if ((n = ts_parse_exim(buf, size, &a)) != 0) {
		fuzz_check_length(buf, size, n);
		FUZZ_CHECK(a.msec < 1000, "msec %u", (unsigned int)a.msec);
		fuzz_check_iso(buf, n, &a);
		fuzz_check_roundtrip(&a);
	}
	fuzz_other_forms(buf, size);

	fuzz_zone(FUZZ_TZ_DST);
	memset(&b, 0, sizeof b);
	m = ts_parse_exim(buf, size, &b);
	FUZZ_CHECK(m == n, "%zu bytes in UTC, %zu with daylight saving", n, m);
	if (m != 0) {
		diff = a.utc - b.utc;
		FUZZ_CHECK(diff >= -FUZZ_DAY && diff <= FUZZ_DAY,
		    "zones differ by %lld seconds", (long long)diff);
		if (a.has_offset)
			FUZZ_CHECK(ts_cmp(&a, &b) == 0,
			    "a time with an offset depends on the zone");
	}
	fuzz_other_forms(buf, size);
	return 0;
}
