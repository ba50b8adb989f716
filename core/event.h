/*
 * One log line's statement about an SMTP client, as produced by the format
 * parsers and consumed by the aggregation.  String fields point into the
 * caller's line buffer and are valid only until the next line is read.
 */
#ifndef SMTPTRIAGE_EVENT_H
#define SMTPTRIAGE_EVENT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ts.h"

/* Longest HELO or host name kept; DNS names are at most 253 octets. */
#define EVENT_NAME_MAX	255

struct event_addr {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		bytes[16];	/* network order; IPv4 uses 4 */
};

struct event {
	struct event_addr addr;		/* the client; always set */
	struct ts	 time;		/* has_time is 0 if the line had none */
	int		 has_time;

	const char	*helo;		/* HELO argument as logged, or NULL */
	size_t		 helo_len;
	const char	*rdns;		/* name the MTA forward-confirmed, or NULL */
	size_t		 rdns_len;

	/*
	 * Reason name such as "no_rdns", or NULL when the line only shows the
	 * client.  It is a static string or, for a text mapped by the warning
	 * table, a string of that table, valid while the table lives.  When
	 * reason_arg is set the reason key is "<reason>:<reason_arg>", for
	 * example "warning:<text>".
	 */
	const char	*reason;
	const char	*reason_arg;
	size_t		 reason_arg_len;
};

#endif
