/* Helpers for the parser suites; see check_event.h. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_event.h"
#include "ts.h"

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

void
check_event_same(const struct event *a, const struct event *b)
{
	ck_assert_int_eq(a->addr.family, b->addr.family);
	ck_assert_mem_eq(a->addr.bytes, b->addr.bytes, sizeof a->addr.bytes);
	ck_assert_int_eq(a->has_time, b->has_time);
	ck_assert_int_eq(a->time.utc, b->time.utc);
	ck_assert_uint_eq(a->time.msec, b->time.msec);
	ck_assert_ptr_eq(a->helo, b->helo);
	ck_assert_uint_eq(a->helo_len, b->helo_len);
	ck_assert_ptr_eq(a->rdns, b->rdns);
	ck_assert_uint_eq(a->rdns_len, b->rdns_len);
	ck_assert_ptr_eq(a->reason, b->reason);
	ck_assert_ptr_eq(a->reason_arg, b->reason_arg);
	ck_assert_uint_eq(a->reason_arg_len, b->reason_arg_len);
}

void
check_event_syslog_setup(struct syslog_year *yr, time_t reference)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
	syslog_year_init(yr, reference);
}

int
check_event_syslog_line(char **buf, const char *line, size_t len,
    struct syslog_year *yr, struct event *ev, struct syslog_msg *sm)
{
	free(*buf);
	*buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf, line, len);
	memset(ev, 0x5a, sizeof *ev);
	if (syslog_parse(*buf, len, yr, 0, sm) == -1) {
		memset(ev, 0, sizeof *ev);
		return -1;
	}
	return 0;
}

void
check_event_truncations(const char *const *lines, size_t nlines,
    check_parse_fn parse_len)
{
	size_t	i, n;

	for (i = 0; i < nlines; i++)
		for (n = 0; n <= strlen(lines[i]); n++)
			parse_len(lines[i], n);
}

void
check_event_random_bytes(const char *prefix, const char *alphabet,
    uint32_t seed, size_t count, check_parse_fn parse_len,
    const struct event *ev)
{
	char	line[256];
	size_t	i, j, n, plen = strlen(prefix), alen = strlen(alphabet);

	ck_assert_uint_lt(plen, sizeof line);
	memcpy(line, prefix, plen + 1);
	for (i = 0; i < count; i++) {
		seed = seed * 1103515245 + 12345;
		n = plen + (seed >> 16) % (sizeof line - plen);
		for (j = plen; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			line[j] = alphabet[(seed >> 16) % alen];
		}
		if (parse_len(line, n) == PARSE_CLIENT)
			ck_assert(ev->addr.family == AF_INET ||
			    ev->addr.family == AF_INET6);
	}
}
