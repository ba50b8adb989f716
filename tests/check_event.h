/*
 * Helpers for the parser suites: an event's fields as NUL-terminated
 * strings for ck_assert_str_eq.  Each suite keeps its last event in a
 * static "ev", which the macros below read.
 */
#ifndef SMTPTRIAGE_CHECK_EVENT_H
#define SMTPTRIAGE_CHECK_EVENT_H

#include <stddef.h>

#include "event.h"

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

#define ip()		check_event_ip(&ev)
#define field(p, len)	check_event_field((p), (len))
#define HELO()		field(ev.helo, ev.helo_len)
#define RDNS()		field(ev.rdns, ev.rdns_len)
#define REASON()	(ev.reason != NULL ? ev.reason : "(null)")
#define ARG()		field(ev.reason_arg, ev.reason_arg_len)

#endif
