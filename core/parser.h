/*
 * Log formats and the parser front end: one object per input file that
 * detects or is given the format, keeps the state that links lines (year
 * inference for syslog dates, OpenSMTPD session ids, Exim's split syslog
 * records) and turns each line into at most one event.
 */
#ifndef SMTPTRIAGE_PARSER_H
#define SMTPTRIAGE_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "event.h"
#include "exim.h"
#include "reason.h"

enum log_format {
	LOG_FORMAT_AUTO = 0,	/* detect from the first lines */
	LOG_FORMAT_EXIM,
	LOG_FORMAT_POSTFIX,
	LOG_FORMAT_SENDMAIL,
	LOG_FORMAT_OPENSMTPD,
	LOG_FORMAT_RULES,	/* a rules file of PCRE2 patterns */
};

/* "auto", "exim", "postfix", "sendmail", "opensmtpd" or "rules". */
const char	*log_format_name(enum log_format);
/* Parse a format name; returns 0, or -1 if the name is not a format. */
int		 log_format_parse(const char *name, enum log_format *format);

/*
 * Detect the format of a log from its first bytes (whole lines).  Returns
 * LOG_FORMAT_AUTO when nothing in buf decides it.
 */
enum log_format	 log_format_detect(const char *buf, size_t len);

struct rules;		/* custom rules loaded from a file; see rules.h */

struct parser_options {
	enum log_format		 format;	/* AUTO: detect, see below */
	const struct reason_table *reasons;	/* borrowed */
	const struct rules	*rules;		/* borrowed; for LOG_FORMAT_RULES */
	/*
	 * Reference time for dates without a year (RFC 3164 syslog): the
	 * file's modification time, or the current time for standard input.
	 */
	time_t			 reference;
};

struct parser;

/*
 * Create a parser for one input.  With LOG_FORMAT_AUTO the parser detects
 * the format from the lines it is given until one decides it, trying every
 * format on each line meanwhile.  Returns NULL with *cause set.
 */
struct parser	*parser_create(const struct parser_options *, char **cause);
void		 parser_free(struct parser *);

/* The format in use, or LOG_FORMAT_AUTO while still undecided. */
enum log_format	 parser_format(const struct parser *);

/*
 * Parse one line (without its newline).  The strings in ev point into line
 * or into the parser, valid until the next call.
 */
enum parse_result parser_line(struct parser *, const char *line, size_t len,
		    struct event *ev);

/*
 * The Exim parser whose exim_parse_mainlog may take lines before
 * parser_line, or NULL.  It is set when the format is decided as Exim and
 * no rules file is given, and lives as long as the parser.
 */
struct exim_parser *parser_exim_mainlog(const struct parser *);

/*
 * Check whether parser_line would pass every line straight to the Postfix
 * parser: the format is decided as Postfix and no rules file is given.
 * Once it returns 1, it returns 1 for the life of the parser.
 */
int		 parser_postfix_only(const struct parser *);

/*
 * Parse one line as parser_line does when parser_postfix_only is 1, but
 * without its dispatch on the rules and the format.
 */
enum parse_result parser_postfix_line(struct parser *, const char *line,
		    size_t len, struct event *ev);

struct syslog_year;

/* The state of the year inference for RFC 3164 times (syslog.h). */
const struct syslog_year *parser_year(const struct parser *);

/*
 * Number of Exim syslog records that were parts of an entry split over
 * several records.  Such entries link lines, so a file that has them
 * cannot be parsed in parts.
 */
uint64_t	 parser_split_parts(const struct parser *);

#endif
