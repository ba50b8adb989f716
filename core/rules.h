/*
 * Custom rules: PCRE2 patterns from a file that turn log lines of another
 * MTA, or a site's own texts, into events.  docs/formats.md describes the
 * file:
 *
 *	# comment
 *	rule <reason or -> <pattern>
 *
 * The pattern is matched against the whole line.  Its named groups give
 * the event: ip (required), helo, rdns (a name the MTA verified), time and
 * reason.  The first rule that matches with a valid address wins.
 */
#ifndef SMTPTRIAGE_RULES_H
#define SMTPTRIAGE_RULES_H

#include <stddef.h>

#include "event.h"
#include "exim.h"
#include "reason.h"
#include "syslog.h"

/* Maximum rules in a file, and bytes in one line of the file. */
#define RULES_MAX		1024
#define RULES_LINE_MAX		4096
/* Groups of the same name (with (?J)) looked at per field. */
#define RULES_DUP_MAX		8

struct rules;

/*
 * Load and compile a rules file.  Returns NULL with *cause set (allocated)
 * to "FILE:LINE: what is wrong" for a syntax error, an invalid reason name,
 * a pattern that does not compile or that has no group named ip.
 */
struct rules	*rules_load(const char *path, char **cause);

/* The same for rules in memory; name stands for the file in messages. */
struct rules	*rules_parse(const char *name, const char *text, size_t len,
		    char **cause);

void		 rules_free(struct rules *);
size_t		 rules_count(const struct rules *);

/*
 * A matcher contains the match data of one parser.  The rules themselves
 * are read-only, so one set of rules may serve parsers in several threads.
 */
struct rules_matcher;

struct rules_matcher	*rules_matcher_create(const struct rules *);
void			 rules_matcher_free(struct rules_matcher *);

/*
 * Turn the required-literal check on (the default) or off.  With it on,
 * a rule whose pattern has a required literal is matched only against
 * lines that contain the literal.  The result is the same either way,
 * and the unit tests and fuzz target compare both.
 */
void			 rules_matcher_set_prefilter(struct rules_matcher *,
			    int on);

/*
 * Match one line against the rules.  The reason is the rule's, unless the
 * reason group matched some text.  The warning table maps that text as it
 * maps Exim warning texts; a text it does not map gives the key
 * "<rule reason>:<text>", or "warning:<text>" for a rule whose reason is
 * "-".  The time comes from the time group, or else from a time at the
 * start of the line, and RFC 3164 times take their year from yr.  Returns
 * PARSE_CLIENT, or PARSE_SKIP when no rule gives a client.  The strings in
 * ev point into line or into the reason table.
 */
enum parse_result	 rules_parse_line(struct rules_matcher *,
			    const struct reason_table *, struct syslog_year *yr,
			    const char *line, size_t len, struct event *ev);

/*
 * Literals that every match of a pattern contains: the longest run of
 * plain characters anywhere in the match, and the longest one at a fixed
 * offset of the line (core/rules_literal.c describes which runs count).
 * A NULL text means none.
 */
struct rules_literal {
	char	*text;
	size_t	 len;
	size_t	 offset;	/* of the anchored run, from the line start */
	size_t	 probe;		/* the byte of the floating run to search */
};

struct rules_literals {
	struct rules_literal	anchored;
	struct rules_literal	floating;
};

void	rules_literal_find(const char *pattern, struct rules_literals *);
void	rules_literals_free(struct rules_literals *);

/* The required literals of rule i (NULL past the end); for the tests. */
const struct rules_literals *rules_literals(const struct rules *, size_t i);

#endif
