/*
 * Helpers for the parser suites: an event's fields as NUL-terminated
 * strings for ck_assert_str_eq.  Each suite keeps its last event in a
 * static "ev", which the macros below read.
 */
#ifndef SMTPTRIAGE_CHECK_EVENT_H
#define SMTPTRIAGE_CHECK_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "event.h"
#include "exim.h"	/* enum parse_result */
#include "syslog.h"

/* The client address in text form, or "(invalid)". */
const char	*check_event_ip(const struct event *);

/*
 * Copy a (pointer, length) field into one of four rotating buffers, so up
 * to four fields can be compared in one assert.  Returns "(null)" for NULL.
 */
const char	*check_event_field(const char *p, size_t len);

/*
 * Assert that two events of the same line are equal field by field: the
 * address, the time and the same pointers and lengths into the line.
 */
void		 check_event_same(const struct event *, const struct event *);

/*
 * Set TZ to UTC, forget the cached local UTC offsets and start yr at
 * reference, the time from which syslog dates without a year are read.
 */
void		 check_event_syslog_setup(struct syslog_year *yr,
		    time_t reference);

/*
 * Copy len bytes of line into a new *buf of exactly that size, without a
 * NUL, so a read past the end shows up under AddressSanitizer.  Fill *ev
 * with 0x5a and parse the syslog header into *sm.  Returns 0, or -1 with
 * *ev zeroed when the header is invalid.
 */
int		 check_event_syslog_line(char **buf, const char *line,
		    size_t len, struct syslog_year *yr, struct event *ev,
		    struct syslog_msg *sm);

/*
 * A parser under test, which parses len bytes of line into the suite's
 * event.
 */
typedef enum parse_result (*check_parse_fn)(const char *line, size_t len);

/*
 * Parse every prefix of each line, the whole line included, so a reader
 * that runs past the length fails under a sanitizer or valgrind.
 */
void		 check_event_truncations(const char *const *lines,
		    size_t nlines, check_parse_fn);

/*
 * Parse count lines of random length that start with prefix and continue
 * with bytes from alphabet.  Assert that every PARSE_CLIENT result in *ev
 * has an IPv4 or IPv6 address.
 */
void		 check_event_random_bytes(const char *prefix,
		    const char *alphabet, uint32_t seed, size_t count,
		    check_parse_fn, const struct event *ev);

#define ip()		check_event_ip(&ev)
#define field(p, len)	check_event_field((p), (len))
#define HELO()		field(ev.helo, ev.helo_len)
#define RDNS()		field(ev.rdns, ev.rdns_len)
#define REASON()	(ev.reason != NULL ? ev.reason : "(null)")
#define ARG()		field(ev.reason_arg, ev.reason_arg_len)

#endif
