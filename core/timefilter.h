/*
 * The time window of --since and --until.  An argument names a period,
 * read in the local time zone (TZ) unless it carries an offset:
 *
 *	2026-11-30			that day
 *	2026-11-30T10:00, 2026-11-30 10:00	that minute
 *	2026-11-30T10:00:05		that second
 *	... with Z, +02:00 or +0200 after the time	in that offset
 *	today, yesterday		that local day
 *	now				the current second
 *	-30m, -12h, -7d, -2w		that many minutes, hours, days (24 h)
 *					or weeks (7 d) before now
 *
 * --since starts at the beginning of its period and --until ends at the
 * end of its own, so "--since yesterday --until yesterday" covers all of
 * yesterday and "--until 10:00" includes 10:00:59.
 */
#ifndef SMTPTRIAGE_TIMEFILTER_H
#define SMTPTRIAGE_TIMEFILTER_H

#include <stdint.h>
#include <time.h>

#include "event.h"

/* Longest argument accepted; every valid form is shorter. */
#define TIMEFILTER_ARG_MAX	64

enum timefilter_edge {
	TIMEFILTER_SINCE,	/* the start of the named period */
	TIMEFILTER_UNTIL,	/* the end of the named period */
};

struct timefilter {
	int	has_since;
	int	has_until;
	int64_t	since;		/* first second inside, UTC */
	int64_t	until;		/* first second after the window, UTC */
};

/*
 * Parse one argument relative to now.  Returns 0 with *out set, or -1
 * with *cause set (allocated) naming the argument and the accepted forms.
 */
int	timefilter_parse(const char *arg, enum timefilter_edge edge,
	    time_t now, int64_t *out, char **cause);

/*
 * Set up tf from the --since and --until arguments, either of which may
 * be NULL.  Returns 0, or -1 with *cause set when an argument is invalid
 * or the window is empty.
 */
int	timefilter_set(struct timefilter *tf, const char *since,
	    const char *until, time_t now, char **cause);

/* 1 when tf limits anything. */
int	timefilter_active(const struct timefilter *tf);

/*
 * 1 when ev falls inside the window.  With an active window an event
 * without a time is outside, because nothing shows that it belongs.
 */
int	timefilter_match(const struct timefilter *tf, const struct event *ev);

#endif
