/*
 * X-ARF v4 (XARF 4.x) reports in JSON, attached to abuse reports, and the
 * base64 encoding they and MIME need.
 *
 * Each suspect gets one report of category "vulnerability" and type
 * "misconfiguration" with service "smtp": that is what the evidence shows
 * (a client whose HELO name or reverse DNS fails the checks) and what the
 * sender can fix.  The "messaging"/"spam" type needs the envelope sender
 * and the source port, which these log lines do not carry.
 */
#ifndef SMTPTRIAGE_XARF_H
#define SMTPTRIAGE_XARF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agg.h"
#include "esc.h"

/* The XARF schema version written into every report. */
#define XARF_VERSION		"4.0.0"
/* XARF limits: description length, number of tags, evidence items. */
#define XARF_DESCRIPTION_MAX	1000
#define XARF_TAGS_MAX		20

struct xarf_input {
	const struct client	*client;
	/* Rendered, escaped texts of the report; NULL leaves them out. */
	const char		*log_text;	/* the evidence log lines */
	const char		*dns_text;	/* the DNS check */
	/* The reporter: organisation, mail address and its domain. */
	const char		*org;
	const char		*contact;
	const char		*domain;
	time_t			 now;		/* when no log time is known */
	/* Seed for report_id: the same seed gives the same UUID. */
	uint64_t		 seed;
};

/* Append the report as pretty-printed JSON (UTF-8, "\n" line ends). */
void	xarf_json(struct esc_buf *, const struct xarf_input *);

/*
 * Append len bytes of data in base64, with a "\n" after every wrap
 * characters (0: one line without a line end).
 */
void	xarf_base64(struct esc_buf *, const void *data, size_t len,
	    size_t wrap);

/* Write a version 4 UUID made from seed (0: random) into buf[37]. */
void	xarf_uuid(uint64_t seed, char buf[37]);

#endif
