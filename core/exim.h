/* Parser for Exim mainlog and rejectlog lines. */
#ifndef SMTPTRIAGE_EXIM_H
#define SMTPTRIAGE_EXIM_H

#include <stddef.h>

#include "event.h"
#include "reason.h"

enum parse_result {
	PARSE_CLIENT,	/* the line names an inbound SMTP client: ev is set */
	PARSE_SKIP,	/* a valid line that names no client */
	PARSE_UNKNOWN,	/* not an Exim log line (no timestamp) */
};

/*
 * A parser holds compiled PCRE2 patterns and match data, so one thread
 * uses one parser at a time.  rt is borrowed and must outlive the parser.
 */
struct exim_parser;

/* Returns NULL with *cause set (allocated) if a pattern fails to compile. */
struct exim_parser	*exim_parser_create(const struct reason_table *rt,
			    char **cause);
void			 exim_parser_free(struct exim_parser *);

/*
 * Parse one line (without its newline).  The strings in ev point into line.
 * The reader has already rejected lines with NUL bytes or over its length
 * limit, but the line may hold any other byte an SMTP client chose.
 */
enum parse_result	 exim_parse_line(struct exim_parser *,
			    const char *line, size_t len, struct event *ev);

#endif
