/*
 * Syslog line prefixes: the time, host name and tag ("program[pid]: ")
 * that rsyslog, syslog-ng and journalctl put before a program's message,
 * and the year of RFC 3164 times, which have none.
 */
#ifndef SMTPTRIAGE_SYSLOG_H
#define SMTPTRIAGE_SYSLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ts.h"

/* Maximum lengths of the host name and the tag (program name). */
#define SYSLOG_HOST_MAX		255
#define SYSLOG_TAG_MAX		64

/*
 * Year inference for RFC 3164 times.  The first time gets the year of the
 * reference time, or the year before when its month lies after the
 * reference month.  After that, a month more than SYSLOG_MONTH_SLACK below
 * the previous one starts the next year, as in a log running from December
 * into January.  A month more than SYSLOG_MONTH_SLACK above it is a late
 * line from the year before, and leaves the state alone.
 */
#define SYSLOG_MONTH_SLACK	2

/*
 * Bytes of a host name, its space, a tag and its '[' or ':' that a slot
 * for them can keep.
 */
#define SYSLOG_CACHED_MAX	32
/* Slots for host names and tags, a power of two. */
#define SYSLOG_HEAD_SLOTS	8
/* The bytes of a tag that pick its slot: this one and the one before. */
#define SYSLOG_SLOT_BYTE	9

/*
 * A host name and tag as four words, with masks that keep the bytes that
 * count (none when bytes is 0).
 */
struct syslog_cached {
	uint64_t	word[4];
	uint64_t	mask[4];
	size_t		bytes;
	size_t		host_len;
	int		kind;	/* the tag's kind, see syslog_parse_short */
};

struct syslog_year {
	time_t	reference;	/* file modification time, or now */
	int	year;		/* 0 until the first RFC 3164 time */
	int	month;		/* month of the previous RFC 3164 time */
	int	first_year;	/* year and month after the first time */
	int	first_month;

	/*
	 * The text and result of the last RFC 3164 time that
	 * syslog_parse_time converted, valid while last_len is not 0.
	 * Converting the same time again gives the same result and leaves
	 * the state above as it is, so lines of the same second reuse it.
	 */
	char		last_text[TS_BSD_LEN_MAX];
	size_t		last_len;
	struct ts	last_time;
	unsigned	last_zone;	/* ts_local_generation() of last_time */

	/*
	 * Host names and tags that syslog_parse_short split, with the kind
	 * its caller gave each tag, and the length of the last host name,
	 * which picks the slot to look in.  A line with the same bytes has
	 * the same host name and tag, so they are compared, not scanned.
	 */
	struct syslog_cached	heads[SYSLOG_HEAD_SLOTS];
	size_t			host_hint;
};

/* Start inferring years against reference (0: the current time). */
void	syslog_year_init(struct syslog_year *, time_t reference);

/*
 * Set out from the fields of an RFC 3164 time, in local time, with the
 * inferred year.  Returns 0, or -1 if the day does not exist in that year.
 */
int	syslog_year_apply(struct syslog_year *, const struct ts_bsd *,
	    struct ts *out);

/*
 * Check whether a year inference that started afresh (yr) inferred what
 * one continued from the state before would have.  That is the same year
 * for its first RFC 3164 time and the same state after it, and so the
 * same years for every time after it.  Returns 1 when it did, or when yr
 * has seen no RFC 3164 time.
 */
int	syslog_year_continues(const struct syslog_year *before,
	    const struct syslog_year *yr);

/*
 * Parse a time at the start of buf in any form this module reads:
 * RFC 3164 (with the inferred year), RFC 3339 and Exim's
 * "YYYY-MM-DD HH:MM:SS[.mmm][ +hhmm]".  Returns the bytes used, or 0.
 */
size_t	syslog_parse_time(const char *buf, size_t len, struct syslog_year *,
	    struct ts *out);

/* Flag for syslog_parse: also accept "host tag[pid]: message" (no time). */
#define SYSLOG_NO_TIME		0x1
/*
 * Flag for syslog_parse: convert the time in full instead of from the last
 * one, and look for a tag before taking the first word as the host name.
 * The result is the same, and tests use it to check the shortcuts.
 */
#define SYSLOG_NO_SHORTCUTS	0x2

/* A syslog line split into its prefix fields and the message. */
struct syslog_msg {
	struct ts	 time;
	int		 has_time;
	const char	*host;		/* NULL when the line has none */
	size_t		 host_len;
	const char	*tag;		/* program name, without "[pid]" */
	size_t		 tag_len;
	uint32_t	 pid;
	int		 has_pid;
	size_t		 msg;		/* offset of the message in the line */
	int		 tag_kind;	/* syslog_parse_short's kind of tag */
};

/*
 * Split a syslog line: an optional "<priority>", a time (see
 * syslog_parse_time), an optional BSD "<facility.level>", the host name,
 * and the tag "program[pid]: " or "program: ".  A line whose word after
 * the time is already a tag has no host name.  A Solaris "[ID n
 * facility.level] " after the tag is skipped.  Returns 0, or -1 when the
 * line is not a syslog line.  The strings point into line.
 */
int	syslog_parse(const char *line, size_t len, struct syslog_year *,
	    int flags, struct syslog_msg *out);

/*
 * Split a line in the common shape "<time> <host> <tag>" as syslog_parse
 * with SYSLOG_NO_TIME does, in two steps, so that a caller can look at
 * the tag before reading the rest.  syslog_parse_head reads the time,
 * host name and the tag's program name.  It returns 1 with those fields
 * of out set, 0 when the line has another shape (then syslog_parse must
 * read it), or -1 where syslog_parse returns -1.  After a 1,
 * syslog_parse_rest reads the "[pid]: " and a Solaris id and returns what
 * syslog_parse would, with out set as syslog_parse sets it.
 */
int	syslog_parse_head(const char *line, size_t len, struct syslog_year *,
	    struct syslog_msg *out);
int	syslog_parse_rest(const char *line, size_t len, struct syslog_msg *out);

/*
 * Find the message as syslog_parse_rest does, but set only out->msg and
 * leave the pid fields as they are.  Returns 0, or -1 where
 * syslog_parse_rest returns -1.  It skips the conversion of the pid, for
 * callers that do not need its value.
 */
int	syslog_skip_rest(const char *line, size_t len, struct syslog_msg *out);

/*
 * Split a line as syslog_parse_head and then syslog_skip_rest do, in one
 * call, and set out->tag_kind to what kind returns for the tag.  The
 * result of kind is kept with the tag, so kind must depend on the tag's
 * bytes alone, and it runs only for tags that are not kept yet.  Returns
 * 1 with the time, host, tag, message and kind set, 0 when the line has
 * another shape (then syslog_parse must read it), or -1 where
 * syslog_parse returns -1.
 */
int	syslog_parse_short(const char *line, size_t len, struct syslog_year *,
	    int (*kind)(const char *tag, size_t len), struct syslog_msg *out);

/*
 * Check whether syslog_parse_rest would return 0 after syslog_parse_head
 * returned 1 with sm, without setting anything.
 */
int	syslog_rest_valid(const char *line, size_t len,
	    const struct syslog_msg *sm);

/* Check whether the tag of a parsed line is name. */
int	syslog_tag_is(const struct syslog_msg *, const char *name);

#endif
