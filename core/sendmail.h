/* Parser for the messages of Sendmail's MTA daemon after the syslog prefix. */
#ifndef SMTPTRIAGE_SENDMAIL_H
#define SMTPTRIAGE_SENDMAIL_H

#include <stddef.h>

#include "event.h"
#include "exim.h"
#include "syslog.h"

/*
 * Check whether a syslog tag is Sendmail's: "sendmail", "sm-mta",
 * "sm-acceptingconnections" (the daemon's process title) or
 * "sm-msp-queue".
 */
int			 sendmail_tag(const char *tag, size_t len);

struct sendmail_parser;

/* Returns NULL with *cause set (allocated) if a pattern fails to compile. */
struct sendmail_parser	*sendmail_parser_create(char **cause);
void			 sendmail_parser_free(struct sendmail_parser *);

/*
 * Parse the message of a Sendmail syslog line sm.  ev gets the time of sm;
 * its strings point into line.
 */
enum parse_result	 sendmail_parse(struct sendmail_parser *,
			    const char *line, size_t len,
			    const struct syslog_msg *sm, struct event *ev);

#endif
