/*
 * Parser for the messages of OpenSMTPD's smtpd after the syslog prefix.
 * OpenSMTPD names the client only on the connect line of a session.  Later
 * lines carry the session id, so the parser keeps a table of live sessions.
 */
#ifndef SMTPTRIAGE_OPENSMTPD_H
#define SMTPTRIAGE_OPENSMTPD_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "exim.h"
#include "syslog.h"

/*
 * Live sessions kept.  When a new session would exceed it, the oldest one
 * is dropped, and its later lines name no client.
 */
#define OPENSMTPD_SESSIONS_MAX	65536

struct opensmtpd_parser;

struct opensmtpd_parser	*opensmtpd_parser_create(void);
void			 opensmtpd_parser_free(struct opensmtpd_parser *);

/*
 * Check cheaply whether a message has OpenSMTPD's shape: "<16 hex digits>
 * smtp " (OpenSMTPD 6.0 and later) or "smtp-in: " (5.x).
 */
int			 opensmtpd_shape(const char *msg, size_t len);

/*
 * Parse the message of an OpenSMTPD syslog line sm.  ev gets the time of
 * sm; its strings point into line or into the session table, valid until
 * the next call.
 */
enum parse_result	 opensmtpd_parse(struct opensmtpd_parser *,
			    const char *line, size_t len,
			    const struct syslog_msg *sm, struct event *ev);

/* Number of live sessions in the table. */
size_t			 opensmtpd_sessions(const struct opensmtpd_parser *);

#endif
