/* Helpers for the parser suites; see check_event.h. */
#include <arpa/inet.h>
#include <string.h>

#include <check.h>

#include "check_event.h"

/* Longest field a parser test compares. */
#define CHECK_FIELD_MAX	1024

const char *
check_event_ip(const struct event *ev)
{
	static char	buf[INET6_ADDRSTRLEN];

	if (inet_ntop(ev->addr.family, ev->addr.bytes, buf, sizeof buf) ==
	    NULL)
		return "(invalid)";
	return buf;
}

const char *
check_event_field(const char *p, size_t len)
{
	static char	bufs[4][CHECK_FIELD_MAX];
	static int	next;
	char		*f = bufs[next++ % 4];

	if (p == NULL)
		return "(null)";
	ck_assert_uint_lt(len, sizeof bufs[0]);
	memcpy(f, p, len);
	f[len] = '\0';
	return f;
}
