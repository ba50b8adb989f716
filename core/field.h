/*
 * Helpers that the log format parsers share: client addresses, names cut
 * to their limits without splitting a UTF-8 character, byte searches and
 * the reason fields of an event.
 */
#ifndef SMTPTRIAGE_FIELD_H
#define SMTPTRIAGE_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * Convert an address as inet_pton does.  A leading "IPv6:" (any case, as
 * Sendmail and OpenSMTPD write it) is skipped, and an IPv4 address mapped
 * into IPv6 ("::ffff:192.0.2.1") is stored as IPv4.  Returns 0, or -1 if
 * s is not a valid address.
 */
int		 field_addr(const char *s, size_t len, struct event_addr *);

/*
 * Convert a dotted-quad IPv4 address as glibc's inet_pton(AF_INET) does:
 * four decimal parts of 0 to 255 without leading zeros, and a NUL byte
 * ends s early.  It is the parsers' fast path, about ten times cheaper
 * than inet_pton with its copy to a C string.  Returns 0 and sets
 * out[0..3], or -1 (out unchanged).
 */
int		 field_ipv4(const char *s, size_t len, uint8_t out[4]);

/*
 * Convert an IPv6 address made only of hex digits and colons, such as
 * "2001:db8::1", to the bytes that glibc's inet_pton(AF_INET6) gives.
 * Returns 1 when it is valid, 0 when it is invalid, and -1 when s contains
 * another byte before its first error (the '.' of an embedded IPv4
 * address, a NUL), which the caller leaves to inet_pton.
 */
int		 field_ipv6(const char *s, size_t len, uint8_t out[16]);

/* Shorten len to at most max bytes without splitting a UTF-8 sequence. */
size_t		 field_cut(const char *s, size_t len, size_t max);

/* Check whether s[0, len) starts with prefix. */
int		 field_starts(const char *s, size_t len, const char *prefix);

/*
 * Find the first needle in s[0, len) as memmem does, but with memchr on
 * the needle's first byte that is neither a letter, a digit nor a space
 * (usually rare in a log line), or on its first byte.  Needles of more
 * than FIELD_FIND_SHORT bytes go to memmem.
 */
#define FIELD_FIND_SHORT	16
const char	*field_memmem(const char *s, size_t len, const char *needle,
		    size_t nlen);

/* Find the first or last needle in s[from, to), or return NULL. */
const char	*field_find(const char *s, size_t from, size_t to,
		    const char *needle);
const char	*field_rfind(const char *s, size_t from, size_t to,
		    const char *needle);

/* Set the HELO or rDNS name of ev, cut to EVENT_NAME_MAX; len 0: none. */
void		 field_set_helo(struct event *, const char *s, size_t len);
void		 field_set_rdns(struct event *, const char *s, size_t len);

/*
 * Set the reason of ev and, when len > 0, its text (the key becomes
 * "<reason>:<text>"), cut to REASON_ARG_MAX.
 */
void		 field_set_reason(struct event *, const char *reason,
		    const char *arg, size_t len);

/*
 * Find the text of an SMTP reply "550 5.7.1 <object>: text; more" at s:
 * skip the reply code and the enhanced status code when present, then an
 * object in angle brackets followed by ": " (Postfix) or "... "
 * (Sendmail), and stop at the first ';' with trailing spaces dropped.
 * Sets *code to the reply class (4 or 5, from the reply code or else the
 * enhanced code; 0 when neither is there) and returns the start of the
 * text, whose length goes to *text_len.
 */
const char	*field_reply_text(const char *s, size_t len, int *code,
		    size_t *text_len);

#endif
