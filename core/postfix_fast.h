/*
 * Hand-written readers of the Postfix messages that busy logs repeat,
 * with the PCRE2 patterns in postfix.c for the rest.  Internal to the
 * Postfix parser.
 */
#ifndef SMTPTRIAGE_POSTFIX_FAST_H
#define SMTPTRIAGE_POSTFIX_FAST_H

#include <stddef.h>
#include <stdint.h>

/* Maximum lengths in the client field, as PF_CLIENT_PATTERN has them. */
#define PF_CLIENT_NAME_MAX	255
#define PF_CLIENT_IP_MAX	64
#define PF_CLIENT_PORT_MAX	16

/* Families of pf_families that pf_fast_family recognises. */
#define PF_FAMILY_REJECT	0
#define PF_FAMILY_CONNECT	2
#define PF_FAMILY_DISCONNECT	3
#define PF_FAMILY_QUEUE_CLIENT	4
#define PF_FAMILY_RESOLVE	12
#define PF_FAMILY_WARNING	14

/* A client found in a line, as offsets into it. */
struct pf_client {
	size_t	name, name_len;
	size_t	ip, ip_len;
	size_t	end;			/* first byte after the field */
	/*
	 * Set when the reader has converted the address, a dotted quad
	 * that fills the brackets, into v4 as field_addr would.
	 */
	int	has_v4;
	uint8_t	v4[4];
};

enum pf_fast {
	PF_FAST_FOUND,		/* the result is set */
	PF_FAST_UNSURE,		/* use the PCRE2 pattern instead */
	PF_FAST_FAMILY,		/* pf_fast_line: only the family is known */
};

/*
 * Recognise the family of the message at line + msg as the family
 * pattern would on its first try: "connect from ", "disconnect from ",
 * "<queue id>: client=", "NOQUEUE: reject: <VERB> from ", "warning:
 * hostname X does not resolve to address " and "warning: name[".  Sets
 * the family's index and where its match ends, or returns
 * PF_FAST_UNSURE.
 */
enum pf_fast	pf_fast_family(const char *line, size_t len, size_t msg,
		    size_t *family, size_t *mend);

/*
 * Read the client field "name[ip]:port" at line + start as
 * PF_CLIENT_PATTERN would, or return PF_FAST_UNSURE where the pattern
 * could backtrack or fail.
 */
enum pf_fast	pf_fast_client(const char *line, size_t len, size_t start,
		    struct pf_client *c);

/*
 * Read the family and the client of the message at line + msg in one
 * call.  It runs pf_fast_family, then pf_fast_client, or for the "does
 * not resolve" family reads a dotted quad up to ": " or the end.  Returns
 * PF_FAST_FOUND with both set, PF_FAST_FAMILY with the family set and
 * c->end set to where its match ends (the client needs the general
 * reader), or PF_FAST_UNSURE.
 */
enum pf_fast	pf_fast_line(const char *line, size_t len, size_t msg,
		    size_t *family, struct pf_client *c);

#endif
