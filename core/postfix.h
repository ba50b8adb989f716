/*
 * Parser for the messages of Postfix's smtpd, postscreen, tlsproxy and
 * dnsblog services, after the syslog prefix.
 */
#ifndef SMTPTRIAGE_POSTFIX_H
#define SMTPTRIAGE_POSTFIX_H

#include <stddef.h>

#include "event.h"
#include "exim.h"
#include "syslog.h"

/* The kind of program that a syslog tag names. */
enum postfix_service {
	POSTFIX_NOT,		/* not Postfix */
	POSTFIX_OTHER,		/* a Postfix service that names no clients */
	POSTFIX_CLIENTS,	/* smtpd, postscreen, tlsproxy or dnsblog */
};

/*
 * Classify a tag: "postfix/smtpd", "postfix-out/smtpd",
 * "postfix/submission/smtpd" and any other "<name>/.../<service>" with a
 * service of POSTFIX_CLIENTS; any tag starting with "postfix" is Postfix.
 * A bare "smtpd" or "postscreen" (journald's _COMM) counts only when
 * bare is set.
 */
enum postfix_service	 postfix_service(const char *tag, size_t len,
			    int bare);

struct postfix_parser;

/* Returns NULL with *cause set (allocated) if a pattern fails to compile. */
struct postfix_parser	*postfix_parser_create(char **cause);
void			 postfix_parser_free(struct postfix_parser *);

/*
 * Turn the hand-written readers of common messages on (the default) or
 * off, so that only the PCRE2 patterns run.  Both give the same events;
 * the tests compare them.
 */
void			 postfix_parser_fast(struct postfix_parser *, int on);

/*
 * Parse the message of a syslog line sm of a client-naming service (the
 * caller checks the tag).  ev gets the time of sm; its strings point into
 * line.
 */
enum parse_result	 postfix_parse(struct postfix_parser *,
			    const char *line, size_t len,
			    const struct syslog_msg *sm, struct event *ev);

#endif
