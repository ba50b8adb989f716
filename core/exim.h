/* Parser for Exim mainlog and rejectlog lines. */
#ifndef SMTPTRIAGE_EXIM_H
#define SMTPTRIAGE_EXIM_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "reason.h"

enum parse_result {
	PARSE_CLIENT,	/* the line names an inbound SMTP client: ev is set */
	PARSE_SKIP,	/* a valid line that names no client */
	PARSE_UNKNOWN,	/* not an Exim log line (no timestamp) */
};

/*
 * A parser contains compiled PCRE2 patterns and match data, so one thread
 * uses one parser at a time.  rt is borrowed and must outlive the parser.
 */
struct exim_parser;

/* Returns NULL with *cause set (allocated) if a pattern fails to compile. */
struct exim_parser	*exim_parser_create(const struct reason_table *rt,
			    char **cause);
void			 exim_parser_free(struct exim_parser *);

/*
 * Turn the hand-written readers of common line shapes on (the default)
 * or off, so that only the PCRE2 patterns run.  Both give the same
 * events; the tests compare them.
 */
void			 exim_parser_fast(struct exim_parser *, int on);

/*
 * Parse one line (without its newline).  The strings in ev point into line.
 * The reader has already rejected lines with NUL bytes or over its length
 * limit, but the line may hold any other byte an SMTP client chose.
 */
enum parse_result	 exim_parse_line(struct exim_parser *,
			    const char *line, size_t len, struct event *ev);

/*
 * Parse a line of the commonest mainlog shape in one pass: a plain
 * "YYYY-MM-DD HH:MM:SS " time, an optional message id, and no syslog tag,
 * "[pid]", fraction or zone offset.  Returns 1 with *result set as
 * exim_parse_line, or the Exim front end of parser_line, would set it,
 * and with PARSE_CLIENT ev as well.  Returns 0 for any other shape, and
 * when the fast paths are off, so the caller uses one of those.
 */
int			 exim_parse_mainlog(struct exim_parser *,
			    const char *line, size_t len, struct event *ev,
			    enum parse_result *result);

/*
 * Parse the message of an Exim syslog record, the text after "exim[pid]: ".
 * It may start with Exim's own timestamp (syslog_timestamp, the default),
 * which then gives the time; otherwise time, when not NULL, does (the
 * syslog time).  A "[pid] " and a message id after the timestamp are
 * skipped.  The strings in ev point into msg.
 */
enum parse_result	 exim_parse_message(struct exim_parser *,
			    const char *msg, size_t len, const struct ts *time,
			    struct event *ev);

/*
 * Reassembly of the log entries that Exim splits into several syslog
 * records.  Exim's write_syslog() (src/log.c) cuts an entry at every
 * newline and after 870 bytes (MAX_SYSLOG_LEN), and starts each record
 * with "[n/m] ", or with "[n\m] " when that part ended at a newline.  Only
 * the first line of an entry is rebuilt, because the lines after a newline
 * (the header block of a rejectlog entry) name no client.
 *
 * Records are keyed on the process id.  At most EXIM_SPLIT_SLOTS entries
 * are rebuilt at once (the least recently used one is dropped), each up to
 * EXIM_SPLIT_MAX bytes (the rest is dropped).  An entry whose parts come
 * out of order, or that a new "[1/m]" of the same process interrupts, is
 * dropped.
 */
#define EXIM_SPLIT_SLOTS	32
#define EXIM_SPLIT_MAX		(16 * 1024)
/* Maximum parts of one entry: "[n/m]" markers with 1 to 3 digits. */
#define EXIM_SPLIT_PARTS_MAX	999

enum exim_split_result {
	EXIM_SPLIT_WHOLE,	/* not a part: parse the message as it is */
	EXIM_SPLIT_PENDING,	/* a part was stored, or dropped */
	EXIM_SPLIT_DONE,	/* *out contains the first line of the entry */
};

/* Ways to measure a message id, all with the same result. */
enum exim_msgid_way {
	EXIM_MSGID_RUNS,	/* count runs of letters and digits */
	EXIM_MSGID_FIXED,	/* test the fixed positions, 8 bytes a step */
	EXIM_MSGID_VECTOR,	/* SSE2 when built with it, else FIXED */
};

/*
 * Measure the message id and its space at s, "1ahr79-0006jK-G9 " (6-6-2)
 * or "1rDnxq-00000000Ofs-1SXn " (6-11-4), one way.  Returns 0 if there is
 * none.  Exported so that tests can compare the ways.
 */
size_t			 exim_msgid_measure(enum exim_msgid_way,
			    const char *s, size_t len);

struct exim_split;

struct exim_split	*exim_split_create(void);
void			 exim_split_free(struct exim_split *);

/*
 * Feed the message of one Exim syslog record from process pid.  With
 * EXIM_SPLIT_DONE, *out and *out_len hold the rebuilt text, valid until the
 * next call.
 */
enum exim_split_result	 exim_split_feed(struct exim_split *, uint32_t pid,
			    const char *msg, size_t len, const char **out,
			    size_t *out_len);

#endif
