/*
 * Tests for core/exim.c: every Exim line shape the parser reads, with the
 * exact client address, HELO, rDNS name, reason and time it must yield.
 * Each line is copied into a buffer of exactly its length, without a NUL,
 * so a read past the end by C code shows up under AddressSanitizer.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_event.h"
#include "check_rounds.h"
#include "check_suites.h"
#include "check_util.h"
#include "exim.h"
#include "exim_host.h"
#include "field.h"
#include "parser.h"
#include "reason.h"

/* 2026-11-30 10:00:00 in UTC, the zone the fixture sets. */
#define T0		"2026-11-30 10:00:00 "
#define T0_UTC		1796032800

static struct reason_table	*rt;
static struct exim_parser	*ep;
static char			*buf;		/* the line being parsed */
static struct event		 ev;

static void
setup(void)
{
	char	*cause = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
	rt = reason_table_create();
	ep = exim_parser_create(rt, &cause);
	ck_assert_msg(ep != NULL, "exim_parser_create: %s", cause);
}

static void
teardown(void)
{
	exim_parser_free(ep);
	reason_table_free(rt);
	free(buf);
	buf = NULL;
}

static enum parse_result
parse_len(const char *line, size_t len)
{
	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	memset(&ev, 0x5a, sizeof ev);
	return exim_parse_line(ep, buf, len, &ev);
}

static enum parse_result
parse(const char *line)
{
	return parse_len(line, strlen(line));
}

/* Format the client address as text. */

/* Core: the host field in all its shapes. */

START_TEST(test_exim_h_ip_only)
{
	ck_assert_int_eq(parse(T0 "H=[192.0.2.10] F=<a@b.example> rejected "
	    "RCPT <c@d.example>: relay not permitted"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.10");
	ck_assert_int_eq(ev.addr.family, AF_INET);
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "relay not permitted");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_uint_eq(ev.time.has_offset, 0);
}
END_TEST

START_TEST(test_exim_h_helo_ip)
{
	ck_assert_int_eq(parse(T0 "H=(spam.example) [192.0.2.11] Warning: "
	    "HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.11");
	ck_assert_str_eq(HELO(), "spam.example");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "helo_verify_failed");
	ck_assert_str_eq(ARG(), "(null)");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_exim_h_name_ip)
{
	ck_assert_int_eq(parse(T0 "H=mx.example.net [198.51.100.7] Warning: "
	    "Forward/Reverse DNS mismatch"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.7");
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(RDNS(), "mx.example.net");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
	ck_assert_str_eq(ARG(), "(null)");
}
END_TEST

START_TEST(test_exim_h_name_helo_ip)
{
	ck_assert_int_eq(parse(T0 "H=mx.example.net (helo.example.org) "
	    "[198.51.100.8] Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.8");
	ck_assert_str_eq(HELO(), "helo.example.org");
	ck_assert_str_eq(RDNS(), "mx.example.net");
	ck_assert_str_eq(REASON(), "helo_verify_failed");
}
END_TEST

START_TEST(test_exim_port_and_interface)
{
	ck_assert_int_eq(parse(T0 "H=(x.example) [192.0.2.12]:50123 "
	    "I=[203.0.113.1]:25 F=<> rejected RCPT <u@x.example>: "
	    "Unrouteable address"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.12");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Unrouteable address");
}
END_TEST

START_TEST(test_exim_ident_tail)
{
	ck_assert_int_eq(parse(T0 "H=(x.example) [192.0.2.13] U=nobody "
	    "Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.13");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(REASON(), "helo_verify_failed");
}
END_TEST

START_TEST(test_exim_all_tails)
{
	ck_assert_int_eq(parse(T0 "H=mail.example.com (x.example) "
	    "[192.0.2.14]:2525 I=[203.0.113.1]:587 U=joe Ci=4711 Warning: "
	    "Forward/Reverse DNS mismatch"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.14");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(RDNS(), "mail.example.com");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
}
END_TEST

START_TEST(test_exim_ipv6)
{
	ck_assert_int_eq(parse(T0 "H=(v6.example) [2001:db8::25] Warning: "
	    "HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::25");
	ck_assert_int_eq(ev.addr.family, AF_INET6);
	ck_assert_str_eq(HELO(), "v6.example");
	ck_assert_str_eq(REASON(), "helo_verify_failed");
}
END_TEST

START_TEST(test_exim_ipv6_port)
{
	ck_assert_int_eq(parse(T0 "H=[2001:db8::1]:25 dropped by 'connect' "
	    "ACL: Country is banned"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::1");
	ck_assert_int_eq(ev.addr.family, AF_INET6);
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Country is banned");
}
END_TEST

START_TEST(test_exim_ipv4_mapped)
{
	ck_assert_int_eq(parse(T0 "H=[::ffff:192.0.2.80] Warning: x"),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.addr.family, AF_INET);
	ck_assert_str_eq(ip(), "192.0.2.80");
}
END_TEST

START_TEST(test_exim_helo_with_parens)
{
	ck_assert_int_eq(parse(T0 "H=ten-99.example.org (@#$%^&*()) "
	    "[192.0.2.99] F=<> rejected RCPT <x@y.example>: relay not "
	    "permitted"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.99");
	ck_assert_str_eq(HELO(), "@#$%^&*()");
	ck_assert_str_eq(RDNS(), "ten-99.example.org");
}
END_TEST

START_TEST(test_exim_helo_ip_literal)
{
	ck_assert_int_eq(parse(T0 "[2249] H=([1.2.3.4]) [192.0.2.30]:52391 "
	    "I=[203.0.113.1]:25 F=x@y.example rejected RCPT z@w.example: "
	    "rejected found in dnsbl"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.30");
	ck_assert_str_eq(HELO(), "[1.2.3.4]");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(ARG(), "rejected found in dnsbl");
}
END_TEST

START_TEST(test_exim_helo_ipv6_literal)
{
	ck_assert_int_eq(parse(T0 "H=([IPv6:2001:db8::5]) [2001:db8::6] "
	    "Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::6");
	ck_assert_str_eq(HELO(), "[IPv6:2001:db8::5]");
}
END_TEST

START_TEST(test_exim_empty_helo)
{
	ck_assert_int_eq(parse(T0 "H=() [192.0.2.84] Warning: x"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.84");
	ck_assert_ptr_null(ev.helo);
}
END_TEST

/* Core: line prefixes. */

START_TEST(test_exim_pid_prefix)
{
	ck_assert_int_eq(parse(T0 "[12345] H=(x.example) [192.0.2.15] "
	    "Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.15");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_exim_msgid_old)
{
	ck_assert_int_eq(parse(T0 "1ahr79-0006jK-G9 H=(x.example) "
	    "[192.0.2.20]:44884 I=[203.0.113.1]:25 F=<a@b.example> rejected "
	    "after DATA: spam detected"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.20");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "spam detected");
}
END_TEST

START_TEST(test_exim_msgid_new)
{
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn <= a@b.example "
	    "H=mail.example.org (mail.example.org) [198.51.100.20]:1234 "
	    "I=[203.0.113.1]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
	    "CV=no S=1234 id=x@y"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.20");
	ck_assert_str_eq(HELO(), "mail.example.org");
	ck_assert_str_eq(RDNS(), "mail.example.org");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

/*
 * Measure the len bytes at s, copied to a buffer of exactly that size, all
 * three ways.  Returns the length that all of them agree on.
 */
static size_t
msgid_all_ways(const char *s, size_t len)
{
	char	*copy;
	size_t	 runs, fixed, vector;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	runs = exim_msgid_measure(EXIM_MSGID_RUNS, copy, len);
	fixed = exim_msgid_measure(EXIM_MSGID_FIXED, copy, len);
	vector = exim_msgid_measure(EXIM_MSGID_VECTOR, copy, len);
	free(copy);
	ck_assert_msg(fixed == runs && vector == runs,
	    "len %zu: runs %zu, fixed %zu, vector %zu", len, runs, fixed,
	    vector);
	return runs;
}

START_TEST(test_exim_msgid_ways_same)
{
	static const char *const ids[] = {
		"1ahr79-0006jK-G9 H=x", "1rDnxq-00000000Ofs-1SXn H=x",
	};
	static const size_t	 id_len[] = { 17, 24 };
	/* Bytes of every class: letters, digits, separators, NUL, high. */
	static const char	 bytes[] = {
		'a', 'Z', '0', '9', '-', ' ', '/', ':', '@', '[', '`', '{',
		'\0', '\n', '\x7f', '\x80', '\xc3', '\xe1', '\xfa', '\xff',
	};
	char			 text[32];
	size_t			 k, len, full, pos, i;

	for (k = 0; k < 2; k++) {
		full = strlen(ids[k]);
		for (len = 0; len <= full; len++)
			ck_assert_uint_eq(msgid_all_ways(ids[k], len),
			    len >= id_len[k] ? id_len[k] : 0);
		for (pos = 0; pos < full; pos++)
			for (i = 0; i < sizeof bytes; i++) {
				memcpy(text, ids[k], full);
				text[pos] = bytes[i];
				for (len = pos + 1; len <= full; len++)
					msgid_all_ways(text, len);
			}
	}

	/* A 6-6-2 id must not be read as the start of a 6-11-4 one. */
	ck_assert_uint_eq(msgid_all_ways("1ahr79-0006jK0G9 H=x0-00000 ", 28),
	    0);
	ck_assert_uint_eq(msgid_all_ways("1ahr79-0006jK-G9x", 17), 0);
	ck_assert_uint_eq(msgid_all_ways("1rDnxq-00000000Ofs-1SX\xe9 ", 24),
	    0);
}
END_TEST

/*
 * Parse a client line at the time stamp with exim_parse_mainlog and check
 * its time against ts_parse_exim.  Returns whether the time was valid.
 */
static int
mainlog_time_same(const char *stamp)
{
	char			 line[128];
	struct event		 event;
	struct ts		 want;
	enum parse_result	 result;
	int			 n, taken;
	size_t			 want_len;

	n = snprintf(line, sizeof line,
	    "%s H=(a.example) [192.0.2.1]:25 Warning: x", stamp);
	ck_assert_int_gt(n, 0);
	want_len = ts_parse_exim(line, (size_t)n, &want);
	taken = exim_parse_mainlog(ep, line, (size_t)n, &event, &result);
	ck_assert_msg(taken == (want_len == 19), "%s: taken %d, ts %zu",
	    stamp, taken, want_len);
	if (!taken)
		return 0;
	ck_assert_int_eq(result, PARSE_CLIENT);
	ck_assert_int_eq(event.has_time, 1);
	ck_assert_msg(event.time.utc == want.utc, "%s: utc %lld, ts %lld",
	    stamp, (long long)event.time.utc, (long long)want.utc);
	ck_assert_int_eq(event.time.msec, 0);
	ck_assert_int_eq(event.time.has_offset, 0);
	return 1;
}

START_TEST(test_exim_mainlog_time_cache)
{
	/* Minutes around Berlin's 2026 DST changes and invalid fields. */
	static const char *const minutes[] = {
		"2026-03-29 01:59", "2026-03-29 02:00", "2026-03-29 03:00",
		"2026-10-25 02:59", "2026-10-25 03:00", "2026-12-31 23:59",
		"2026-02-30 10:00", "2026-02-28 24:00", "2026-02-28 10:60",
		"2028-02-29 12:34",
	};
	static const char *const zones[] = { "Europe/Berlin", "UTC" };
	char			 stamp[32];
	size_t			 z, k;
	int			 sec, valid;

	for (z = 0; z < 2; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		ts_local_reset();
		for (k = 0; k < sizeof minutes / sizeof minutes[0]; k++) {
			valid = 0;
			for (sec = 0; sec <= 61; sec++) {
				snprintf(stamp, sizeof stamp, "%s:%02d",
				    minutes[k], sec);
				valid += mainlog_time_same(stamp);
			}
			/* Seconds 60 and 61 are left to ts_parse_exim. */
			ck_assert_msg(valid == 0 || valid >= 60,
			    "%s: %d valid seconds", minutes[k], valid);
		}
		ck_assert_int_eq(mainlog_time_same("2026-03-29 01:59:59"), 1);
		ck_assert_int_eq(mainlog_time_same("2026-03-29 01:59:5x"), 0);
		ck_assert_int_eq(mainlog_time_same("2026-03-29 01:59:70"), 0);
	}

	/* A cached minute is dropped when the zone changes. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	ts_local_reset();
	ck_assert_int_eq(mainlog_time_same("2026-11-30 10:00:00"), 1);
	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
	ck_assert_int_eq(mainlog_time_same("2026-11-30 10:00:01"), 1);
	ck_assert_int_eq(mainlog_time_same("2026-11-30 10:00:02"), 1);
}
END_TEST

START_TEST(test_exim_pid_and_msgid)
{
	ck_assert_int_eq(parse(T0 "[99] 1rDnxq-00000000Ofs-1SXn H=(x) "
	    "[192.0.2.21] F=<> rejected after DATA: no"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.21");
	ck_assert_str_eq(ARG(), "no");
}
END_TEST

START_TEST(test_exim_millisec_prefix)
{
	ck_assert_int_eq(parse("2026-11-30 10:00:00.250 [77] H=(x) "
	    "[192.0.2.22] Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.22");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_uint_eq(ev.time.msec, 250);
}
END_TEST

START_TEST(test_exim_offset_prefix)
{
	ck_assert_int_eq(parse("2026-11-30 10:00:00 +0100 H=(x) [192.0.2.23] "
	    "Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.23");
	ck_assert_int_eq(ev.time.utc, T0_UTC - 3600);
	ck_assert_uint_eq(ev.time.has_offset, 1);
	ck_assert_int_eq(ev.time.offset, 3600);
}
END_TEST

START_TEST(test_exim_every_prefix)
{
	ck_assert_int_eq(parse("2026-11-30 10:00:00.999 -0500 [4242] "
	    "1rDnxq-00000000Ofs-1SXn H=(x) [192.0.2.24] F=<> rejected after "
	    "DATA: bad"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.24");
	ck_assert_int_eq(ev.time.utc, T0_UTC + 5 * 3600);
	ck_assert_uint_eq(ev.time.msec, 999);
	ck_assert_int_eq(ev.time.offset, -5 * 3600);
	ck_assert_str_eq(ARG(), "bad");
}
END_TEST

/* Core: families that name the client without a leading H=. */

START_TEST(test_exim_arrival)
{
	ck_assert_int_eq(parse(T0 "1ahr79-0006jK-G9 <= <> H=mx.example.com "
	    "[198.51.100.21] P=esmtp S=100"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.21");
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_local_scan_reject)
{
	ck_assert_int_eq(parse(T0 "1Ai79e-0000Dq-8i F=a@b.example "
	    "H=host.example [192.0.2.53] P=smtp rejected by local_scan(): "
	    "Rejected: hits=7.5"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.53");
	ck_assert_str_eq(RDNS(), "host.example");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Rejected: hits=7.5");
}
END_TEST

START_TEST(test_exim_smtp_connection_from)
{
	ck_assert_int_eq(parse(T0 "SMTP connection from (helo.example) "
	    "[192.0.2.41]:1111 I=[203.0.113.1]:25 Ci=99 (TCP/IP connection "
	    "count = 1)"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.41");
	ck_assert_str_eq(HELO(), "helo.example");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_connection_closed_by_drop)
{
	ck_assert_int_eq(parse(T0 "[26074] 1ahrVl-0006mY-79 SMTP connection "
	    "from riveruse.example [192.0.2.44]:39865 I=[203.0.113.1]:25 "
	    "closed by DROP in ACL"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.44");
	ck_assert_str_eq(RDNS(), "riveruse.example");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_no_mail)
{
	ck_assert_int_eq(parse(T0 "no MAIL in SMTP connection from (x) "
	    "[192.0.2.42] D=10s C=EHLO,QUIT"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.42");
	ck_assert_str_eq(HELO(), "x");
	ck_assert_str_eq(REASON(), "no_mail");
}
END_TEST

START_TEST(test_exim_smtp_call_dropped)
{
	ck_assert_int_eq(parse(T0 "SMTP call from [192.0.2.43]:3000 dropped: "
	    "too many syntax or protocol errors (last command was "
	    "\"AUTH LOGIN\")"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.43");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_exim_auth_failed_old)
{
	ck_assert_int_eq(parse(T0 "dovecot_login authenticator failed for "
	    "mail.example.com (User) [192.0.2.44]:5555 I=[203.0.113.1]:465: "
	    "535 Incorrect authentication data (set_id=x)"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.44");
	ck_assert_str_eq(HELO(), "User");
	ck_assert_str_eq(RDNS(), "mail.example.com");
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_exim_auth_failed_h_form)
{
	ck_assert_int_eq(parse(T0 "plain authenticator failed for "
	    "H=(x.example) [192.0.2.45] U=nobody: 535 Incorrect "
	    "authentication data"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.45");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_exim_helo_verify_rejected)
{
	ck_assert_int_eq(parse(T0 "rejected \"EHLO spam.example\" from "
	    "(spam.example) [192.0.2.46]"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.46");
	ck_assert_str_eq(HELO(), "spam.example");
	ck_assert_str_eq(REASON(), "helo_rejected");
}
END_TEST

START_TEST(test_exim_helo_verify_tempfail)
{
	ck_assert_int_eq(parse(T0 "temporarily rejected \"HELO x.example\" "
	    "from (x.example) [192.0.2.47]:2222"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.47");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(REASON(), "helo_rejected");
}
END_TEST

START_TEST(test_exim_no_host_name_found)
{
	ck_assert_int_eq(parse(T0 "no host name found for IP address "
	    "192.0.2.48"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.48");
	ck_assert_ptr_null(ev.helo);
	ck_assert_ptr_null(ev.rdns);
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_exim_no_host_name_found_ipv6)
{
	ck_assert_int_eq(parse(T0 "no host name found for IP address "
	    "2001:db8::48"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::48");
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_exim_no_ip_address_found)
{
	ck_assert_int_eq(parse(T0 "no IP address found for host bad.example "
	    "(during SMTP connection from (x) [192.0.2.49]:4444 "
	    "I=[203.0.113.1]:25)"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.49");
	ck_assert_str_eq(HELO(), "x");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_timeouts)
{
	ck_assert_int_eq(parse(T0 "SMTP command timeout on connection from "
	    "(x.example) [192.0.2.33] D=5m"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.33");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_ptr_null(ev.reason);
	ck_assert_int_eq(parse(T0 "SMTP data timeout (message abandoned) on "
	    "connection from (y.example) [192.0.2.34] F=<a@b> D=1m"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.34");
	ck_assert_str_eq(HELO(), "y.example");
	ck_assert_int_eq(parse(T0 "SMTP command timeout on TLS connection from "
	    "[2001:db8::34] D=5m"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::34");
	ck_assert_int_eq(parse(T0 "unexpected disconnection while reading SMTP "
	    "command from mx.example (z.example) [192.0.2.35] D=1s"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.35");
	ck_assert_str_eq(RDNS(), "mx.example");
	ck_assert_str_eq(HELO(), "z.example");
}
END_TEST

START_TEST(test_exim_lost_after_final_dot)
{
	ck_assert_int_eq(parse(T0 "SMTP connection lost after final dot "
	    "H=(x.example) [192.0.2.32] P=esmtp"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.32");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_syntax_error)
{
	ck_assert_int_eq(parse(T0 "SMTP syntax error in \"debug\" "
	    "H=[192.0.2.31] unrecognized command"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.31");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_exim_dnssec_marker)
{
	/* log_selector +dnssec writes " DS" right before "H=". */
	ck_assert_int_eq(parse(T0 " DSH=mx.example.net [198.51.100.37] F=<> "
	    "rejected RCPT <a@b.example>: no"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.37");
	ck_assert_str_eq(RDNS(), "mx.example.net");
	ck_assert_str_eq(ARG(), "no");
}
END_TEST

START_TEST(test_exim_tls_error)
{
	ck_assert_int_eq(parse(T0 "TLS error on connection from mx.example "
	    "(x) [192.0.2.50] (SSL_accept): timed out"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.50");
	ck_assert_str_eq(RDNS(), "mx.example");
	ck_assert_str_eq(HELO(), "x");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_sa_exim)
{
	ck_assert_int_eq(parse(T0 "1VxHWD-000NuW-83 SA: Action: silently "
	    "tossed message: score=35.8 (scanned in 6/6 secs | Message-Id: "
	    "x@y). From <> (host=NULL [192.0.2.52]) for me@example.org"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.52");
	ck_assert_ptr_null(ev.rdns);
	ck_assert_int_eq(parse(T0 "1VxHRO-000NiI-Ly SA: Action: flagged as "
	    "Spam but accepted: score=8.2. From <a@b> (host=dyn.example.net "
	    "[192.0.2.54]) for me@example.org"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.54");
	ck_assert_str_eq(RDNS(), "dyn.example.net");
}
END_TEST

/* Core: syslog wrappers. */

START_TEST(test_exim_syslog_inner_stamp)
{
	ck_assert_int_eq(parse("Nov 30 10:00:01 mx1 exim[1234]: " T0
	    "H=(x) [192.0.2.55] Warning: HELO verification failed"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.55");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_str_eq(REASON(), "helo_verify_failed");
}
END_TEST

START_TEST(test_exim_syslog_iso_host)
{
	ck_assert_int_eq(parse("2019-10-22 03:39:17 mx1.example.org "
	    "exim[29786]: dovecot_login authenticator failed for (User) "
	    "[192.0.2.37]: 535 Incorrect authentication data"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.37");
	ck_assert_int_eq(ev.time.utc, 1571715557);
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_exim_syslog_journal)
{
	ck_assert_int_eq(parse("mail.example.com exim[3751842]: 2021-07-17 "
	    "23:20:49 plain_server authenticator failed for ([192.0.2.17]) "
	    "[192.0.2.27]: 535 Incorrect authentication data"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.27");
	ck_assert_str_eq(HELO(), "[192.0.2.17]");
	ck_assert_int_eq(ev.time.utc, 1626564049);
}
END_TEST

START_TEST(test_exim_syslog_pid_in_body)
{
	ck_assert_int_eq(parse("2016-04-01 11:08:00 info exim[8003]: [8003] "
	    "SMTP protocol error in \"AUTH LOGIN\" H=(User) [192.0.2.29]:4816 "
	    "I=[192.0.2.1]:25 Ci=8003 LOGIN authentication mechanism not "
	    "supported"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.29");
	ck_assert_str_eq(HELO(), "User");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_exim_syslog_without_year)
{
	ck_assert_int_eq(parse("Jun 29 16:04:19 server exim4[1234]: "
	    "H=(x) [192.0.2.56] F=<> rejected RCPT <y@z>: no"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.56");
	ck_assert_int_eq(ev.has_time, 0);
	ck_assert_str_eq(ARG(), "no");
}
END_TEST

START_TEST(test_exim_syslog_other_program)
{
	ck_assert_int_eq(parse("Jun 29 16:04:19 server sshd[1234]: "
	    "H=(x) [192.0.2.57] Warning: x"), PARSE_UNKNOWN);
	ck_assert_int_eq(parse("mail.example.com exim[1]: no timestamp "
	    "[192.0.2.58]"), PARSE_UNKNOWN);
}
END_TEST

/* Core: lines about outbound delivery name no client. */

START_TEST(test_exim_outbound_delivery)
{
	static const char *lines[] = {
		T0 "1rDnxq-00000000Ofs-1SXn => u@example.net R=dnslookup "
		    "T=remote_smtp H=mx.example.net [198.51.100.30] "
		    "X=TLS1.3 C=\"250 OK\"",
		T0 "1rDnxq-00000000Ofs-1SXn -> v@example.net R=dnslookup "
		    "T=remote_smtp H=mx.example.net [198.51.100.30]",
		T0 "1rDnxq-00000000Ofs-1SXn ** w@example.net R=dnslookup "
		    "T=remote_smtp H=mx.example.net [198.51.100.30]: SMTP "
		    "error from remote mail server after RCPT TO:<w@example.net>:"
		    " 550 no such user",
		T0 "1rDnxq-00000000Ofs-1SXn == x@example.net R=dnslookup "
		    "T=remote_smtp defer (-44) H=mx.example.net "
		    "[198.51.100.30]: SMTP error from remote mail server after "
		    "RCPT TO:<x@example.net>: 451 greylisted",
		T0 "1rDnxq-00000000Ofs-1SXn *> y@example.net R=dnslookup "
		    "T=remote_smtp H=mx.example.net [198.51.100.30]",
	};
	size_t	i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_msg(parse(lines[i]) == PARSE_SKIP, "line %zu", i);
}
END_TEST

START_TEST(test_exim_outbound_server_error)
{
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn H=mx.example.net "
	    "[198.51.100.31]: SMTP error from remote mail server after RCPT "
	    "TO:<x@y.example>: 550 no such user"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn H=mx.example.net "
	    "[198.51.100.31]:25: SMTP timeout after EHLO me: Connection "
	    "timed out"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn H=mx.example.net "
	    "[198.51.100.31] Connection refused"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn H=mx.example.net "
	    "[198.51.100.31] Network Error"), PARSE_SKIP);
}
END_TEST

/* Core: forged host fields inside client-chosen text. */

START_TEST(test_exim_quoted_h_injection)
{
	ck_assert_int_eq(parse(T0 "SMTP protocol error in \"aUtH lOgIn\" "
	    "H=(test) [8.8.8.8]\" H=(roxzgj) [192.0.2.6] AUTH command used "
	    "when not advertised"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.6");
	ck_assert_str_eq(HELO(), "roxzgj");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_exim_sync_error_next_input)
{
	ck_assert_int_eq(parse(T0 "SMTP protocol synchronization error (next "
	    "input sent too soon: pipelining was not advertised): rejected "
	    "\"RSET\" H=(real.example) [192.0.2.40]:58302 I=[203.0.113.1]:25 "
	    "next input=\"QUIT H=(fake) [8.8.8.8] x\""), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.40");
	ck_assert_str_eq(HELO(), "real.example");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_exim_sync_error_connection)
{
	ck_assert_int_eq(parse(T0 "[13314] SMTP protocol synchronization error "
	    "(input sent without waiting for greeting): rejected connection "
	    "from H=[192.0.2.39]:25936 I=[203.0.113.1]:25 input=\"GET / "
	    "HTTP/1.1\\r\\n H=(fake) [8.8.8.8]\""), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.39");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_exim_reason_text_host)
{
	ck_assert_int_eq(parse(T0 "H=(x.example) [192.0.2.83] F=<> rejected "
	    "RCPT <y@z.example>: see (mx.example) [8.8.8.8] here"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.83");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(ARG(), "see (mx.example) [8.8.8.8] here");
}
END_TEST

START_TEST(test_exim_arrival_subject_with_h)
{
	/* The first " H=" that forms a host field is Exim's. */
	ck_assert_int_eq(parse(T0 "1ahr79-0006jK-G9 <= x@y H=(a) [192.0.2.85] "
	    "P=esmtp S=1 T=\"H=(b) [8.8.8.8]\""), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.85");
}
END_TEST

/* Reasons: warning texts and Exim's DNS messages. */

START_TEST(test_exim_warning_unknown)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.60] Warning: found in "
	    "rbl.example: listed"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "warning");
	ck_assert_str_eq(ARG(), "found in rbl.example: listed");
}
END_TEST

START_TEST(test_exim_warning_custom_table)
{
	struct reason_table	*own;
	struct exim_parser	*saved = ep;
	char			*cause = NULL;

	own = reason_table_create();
	ck_assert_int_eq(reason_table_add(own, "Listed in", "dnsbl_listed",
	    &cause), 0);
	ck_assert_int_eq(reason_table_add(own, "HELO verification failed",
	    "helo_bad", &cause), 0);
	ep = exim_parser_create(own, &cause);
	ck_assert_ptr_nonnull(ep);

	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.61] Warning: Listed in "
	    "zen.example"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "dnsbl_listed");
	ck_assert_ptr_null(ev.reason_arg);
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.61] Warning: HELO "
	    "verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_bad");
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.61] Warning: Forward/Reverse "
	    "DNS mismatch"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");

	exim_parser_free(ep);
	reason_table_free(own);
	ep = saved;
}
END_TEST

START_TEST(test_exim_warn_skipped_deferred)
{
	ck_assert_int_eq(parse(T0 "H=(EUR03-AM5-obe.outbound.protection."
	    "outlook.com) [40.107.3.125] Warning: ACL 'warn' statement skipped "
	    "(in ACL acl_check_rcpt at line 412 of /etc/exim4/exim4.conf): "
	    "condition test deferred: host lookup deferred for reverse lookup "
	    "check"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "40.107.3.125");
	ck_assert_str_eq(HELO(), "EUR03-AM5-obe.outbound.protection.outlook.com");
	ck_assert_str_eq(REASON(), "rdns_tempfail");
	ck_assert_ptr_null(ev.reason_arg);
}
END_TEST

START_TEST(test_exim_warn_skipped_double_quotes)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.62] Warning: ACL \"warn\" "
	    "statement skipped: condition test deferred: host lookup deferred "
	    "for reverse lookup check"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rdns_tempfail");
}
END_TEST

START_TEST(test_exim_warn_skipped_other)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.63] Warning: ACL 'warn' "
	    "statement skipped (in ACL a at line 1 of f): condition test "
	    "deferred"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "warning");
	ck_assert_str_eq(ARG(), "ACL 'warn' statement skipped (in ACL a at "
	    "line 1 of f): condition test deferred");
}
END_TEST

START_TEST(test_exim_reject_rdns_deferred)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.64] F=<> temporarily "
	    "rejected RCPT <y@z.example>: host lookup deferred for reverse "
	    "lookup check"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rdns_tempfail");
	ck_assert_ptr_null(ev.reason_arg);
}
END_TEST

START_TEST(test_exim_reject_rdns_failed)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.65] F=<> rejected RCPT "
	    "<y@z.example>: host lookup failed for reverse lookup check "
	    "(failed to find host name from IP address)"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_ptr_null(ev.reason_arg);
}
END_TEST

START_TEST(test_exim_reject_rdns_mismatch)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.66] F=<> rejected RCPT "
	    "<y@z.example>: host lookup failed for reverse lookup check "
	    "(192.0.2.66 does not match any IP address for mx.example.net)"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
}
END_TEST

START_TEST(test_exim_reject_connect_acl)
{
	ck_assert_int_eq(parse(T0 "H=[192.0.2.67] rejected connection in "
	    "\"connect\" ACL: listed at zen.example"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "listed at zen.example");
}
END_TEST

START_TEST(test_exim_reject_without_text)
{
	ck_assert_int_eq(parse(T0 "H=(x) [192.0.2.68] F=<a@b> rejected RCPT "
	    "<c@d>"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_ptr_null(ev.reason_arg);
}
END_TEST

START_TEST(test_exim_reject_helo_acl)
{
	ck_assert_int_eq(parse(T0 "H=(my.own.name) [192.0.2.69] rejected EHLO "
	    "or HELO my.own.name: you are not me"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "you are not me");
}
END_TEST

START_TEST(test_exim_temporary_reject_no_reason)
{
	ck_assert_int_eq(parse(T0 "H=mx.example.com [198.51.100.9] "
	    "F=<a@b.example> temporarily rejected RCPT <c@d.example>: "
	    "greylisted"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.9");
	ck_assert_ptr_null(ev.reason);
}
END_TEST

START_TEST(test_exim_rejected_helo_syntax)
{
	ck_assert_int_eq(parse(T0 "rejected HELO from [192.0.2.70]: "
	    "syntactically invalid argument(s): @#$%^&*("), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.70");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "syntactically invalid argument(s)");
}
END_TEST

START_TEST(test_exim_rejected_mail_no_helo)
{
	ck_assert_int_eq(parse(T0 "rejected MAIL from [192.0.2.71]: no "
	    "HELO/EHLO given"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "no HELO/EHLO given");
}
END_TEST

START_TEST(test_exim_sender_verify_fail)
{
	ck_assert_int_eq(parse(T0 "H=(VM-WIN) [192.0.2.72] sender verify fail "
	    "for <x@y.example>: Unknown user"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "VM-WIN");
	ck_assert_str_eq(REASON(), "sender_verify_failed");
	ck_assert_ptr_null(ev.reason_arg);
}
END_TEST

START_TEST(test_exim_reject_after_tls_fields)
{
	ck_assert_int_eq(parse(T0 "H=imfo.example [192.0.2.73]:35328 "
	    "X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no SNI=mx.example "
	    "F=<jack@example.biz> rejected RCPT <sales@example.com>: No Such "
	    "User Here"), PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "imfo.example");
	ck_assert_str_eq(ARG(), "No Such User Here");
}
END_TEST

/* Limits: hostile and broken input. */

START_TEST(test_exim_munged_ip_skipped)
{
	ck_assert_int_eq(parse(T0 "H=(test) [V4NET.0.0.13] F=<> rejected RCPT "
	    "<x@y>: relay not permitted"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "no host name found for IP address "
	    "V4NET.0.0.13"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "H=(x) [999.1.1.1] Warning: x"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "H=(x) [2001:db8::zz] Warning: x"),
	    PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "H=(x) [fe80::1%eth0] Warning: x"),
	    PARSE_SKIP);
}
END_TEST

START_TEST(test_exim_no_timestamp_unknown)
{
	ck_assert_int_eq(parse("Envelope-from: <x@y.example>"), PARSE_UNKNOWN);
	ck_assert_int_eq(parse("P Received: from x ([192.0.2.1]) by y"),
	    PARSE_UNKNOWN);
	ck_assert_int_eq(parse("\t(envelope-from <x@y>)"), PARSE_UNKNOWN);
	ck_assert_int_eq(parse("H=(x) [192.0.2.1] Warning: x"), PARSE_UNKNOWN);
	ck_assert_int_eq(parse(""), PARSE_UNKNOWN);
	ck_assert_int_eq(parse("2026-13-30 10:00:00 H=(x) [192.0.2.1] "
	    "Warning: x"), PARSE_UNKNOWN);
}
END_TEST

START_TEST(test_exim_lines_without_client)
{
	ck_assert_int_eq(parse(T0 "Start queue run: pid=1234"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn Completed"),
	    PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "U=CALLER rejected connection in \"connect\" "
	    "ACL"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "SMTP connection from CALLER D=1s closed by "
	    "QUIT"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn F=<a@b> rejected "
	    "by non-SMTP ACL: no"), PARSE_SKIP);
	ck_assert_int_eq(parse(T0), PARSE_SKIP);
	ck_assert_int_eq(parse("2026-11-30 10:00:00"), PARSE_SKIP);
}
END_TEST

START_TEST(test_exim_overlong_helo)
{
	char	line[1024], helo[301];

	memset(helo, 'a', 300);
	helo[300] = '\0';
	snprintf(line, sizeof line, T0 "H=(%s) [192.0.2.74] Warning: x", helo);
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.74");
	ck_assert_uint_eq(ev.helo_len, EVENT_NAME_MAX);
	ck_assert_int_eq(memcmp(ev.helo, helo, EVENT_NAME_MAX), 0);
}
END_TEST

START_TEST(test_exim_overlong_helo_utf8_cut)
{
	char	line[1024], helo[400];

	/* A two-byte character at bytes 254 and 255 must not be split. */
	memset(helo, 'b', 254);
	memcpy(helo + 254, "\xc3\xa9", 2);
	memset(helo + 256, 'c', 20);
	helo[276] = '\0';
	snprintf(line, sizeof line, T0 "H=(%s) [192.0.2.75] Warning: x", helo);
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_uint_eq(ev.helo_len, 254);
}
END_TEST

START_TEST(test_exim_overlong_rdns)
{
	char	line[1024], name[301];

	memset(name, 'n', 300);
	name[300] = '\0';
	snprintf(line, sizeof line, T0 "H=%s [192.0.2.76] Warning: x", name);
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_uint_eq(ev.rdns_len, EVENT_NAME_MAX);
}
END_TEST

START_TEST(test_exim_overlong_warning)
{
	char	line[1024], text[301];

	memset(text, 'w', 300);
	text[300] = '\0';
	snprintf(line, sizeof line, T0 "H=(x) [192.0.2.77] Warning: %s", text);
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "warning");
	ck_assert_uint_eq(ev.reason_arg_len, REASON_ARG_MAX);
	ck_assert_int_eq(memcmp(ev.reason_arg, text, REASON_ARG_MAX), 0);
}
END_TEST

START_TEST(test_exim_helo_too_long_to_scan)
{
	char	*line, *helo;
	size_t	 n = 20000;

	helo = malloc(n + 1);
	line = malloc(n + 100);
	ck_assert_ptr_nonnull(helo);
	ck_assert_ptr_nonnull(line);
	memset(helo, 'h', n);
	helo[n] = '\0';
	snprintf(line, n + 100, T0 "H=(%s) [192.0.2.78] Warning: x", helo);
	ck_assert_int_eq(parse(line), PARSE_SKIP);
	free(helo);
	free(line);
}
END_TEST

START_TEST(test_exim_raw_escape_in_helo)
{
	ck_assert_int_eq(parse(T0 "H=(\033[31mred\033[0m\r\x7f) [192.0.2.79] "
	    "Warning: HELO verification failed"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.79");
	ck_assert_str_eq(HELO(), "\033[31mred\033[0m\r\x7f");
	ck_assert_str_eq(REASON(), "helo_verify_failed");
}
END_TEST

START_TEST(test_exim_octal_escape_in_helo)
{
	ck_assert_int_eq(parse(T0 "H=(\\033]0;pwned\\007) [192.0.2.86] "
	    "Warning: x"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "\\033]0;pwned\\007");
}
END_TEST

START_TEST(test_exim_stops_at_len)
{
	const char	*line = T0 "H=(x) [192.0.2.87] Warning: HELO "
			    "verification failed and more";
	size_t		 len;

	/* The text after len must not change the result. */
	len = strlen(line) - strlen(" and more");
	ck_assert_int_eq(parse_len(line, len), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_verify_failed");
	len = strlen(T0 "H=(x) [192.0.2.87]");
	ck_assert_int_eq(parse_len(line, len), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.87");
	ck_assert_ptr_null(ev.reason);
	len = strlen(T0 "H=(x) [192.0.2.8");
	ck_assert_int_eq(parse_len(line, len), PARSE_SKIP);
}
END_TEST

START_TEST(test_exim_every_truncation)
{
	static const char *lines[] = {
		"2026-11-30 10:00:00.250 +0100 [77] 1rDnxq-00000000Ofs-1SXn "
		    "H=mx.example (x) [2001:db8::1]:25 I=[203.0.113.1]:25 "
		    "U=joe Ci=1 X=TLS1.3 F=<a@b> rejected RCPT <c@d>: host "
		    "lookup failed for reverse lookup check",
		"Nov 30 10:00:01 mx1 exim[1]: " T0 "SMTP protocol "
		    "synchronization error (x): rejected \"R\" H=(a) "
		    "[192.0.2.1] next input=\"Q\"",
		T0 "rejected \"EHLO x\" from (x) [192.0.2.2]",
		T0 "no IP address found for host h (during SMTP connection "
		    "from [192.0.2.3]:1 I=[192.0.2.4]:25)",
		T0 "1VxHWD-000NuW-83 SA: Action: x. From <> (host=NULL "
		    "[192.0.2.52]) for me",
	};

	check_event_truncations(lines, sizeof lines / sizeof lines[0],
	    parse_len);
	ck_assert_int_eq(parse(lines[0]), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_exim_random_bytes)
{
	static const char	alphabet[] = "H=()[]: .-<>\"'\\0123456789abcdef"
				   "\033\r\t\x80\xff" "EHLO rejected Warning from";

	check_event_random_bytes(T0, alphabet, 12345, 20000, parse_len, &ev);
}
END_TEST

/*
 * Parse line with the hand-written readers and with PCRE2 alone, and
 * check that both give the same result and event.
 */
static void
check_fast_same(const char *line, size_t len)
{
	struct event		fast, pcre;
	enum parse_result	rfast, rpcre;

	exim_parser_fast(ep, 1);
	rfast = parse_len(line, len);
	fast = ev;
	exim_parser_fast(ep, 0);
	rpcre = exim_parse_line(ep, buf, len, &pcre);
	exim_parser_fast(ep, 1);
	ck_assert_msg(rfast == rpcre, "result %d, PCRE2 %d: %.*s", rfast,
	    rpcre, (int)len, line);
	if (rpcre == PARSE_CLIENT)
		check_event_same(&fast, &pcre);
}

START_TEST(test_exim_fast_host_shapes)
{
	static const char *bodies[] = {
		"H=[192.0.2.1]:25 Warning: x",
		"H=(helo) [192.0.2.1]:25 Warning: x",
		"H=name (helo) [192.0.2.1]:25 Warning: x",
		"H=name [192.0.2.1] rejected RCPT <a@b>: relay",
		"H=name [192.0.2.1]",
		"H=name [192.0.2.1]:",
		"H=name [192.0.2.1]:123456 x",
		"H=name [192.0.2.1]:12345",
		"H=name [192.0.2.1]:1x",
		"H=[192.0.2.1]:1 Warning: x",
		"H=[192.0.2.1]:1234 Warning: x",
		"H=[192.0.2.1]:99999 Warning: x",
		"H=[192.0.2.1]:123456 Warning: x",
		"H=[192.0.2.1]:1234567 Warning: x",
		"H=[192.0.2.1]:12345678901 Warning: x",
		"H=[192.0.2.1]:12:34 Warning: x",
		"H=[192.0.2.1]:1\xb1 Warning: x",
		"H=[192.0.2.1]:1/ Warning: x",
		"H=[192.0.2.1]:: Warning: x",
		"H=name [192.0.2.1]x",
		"H=name [192.0.2.1]) x",
		"H=name [192.0.2.1] I=[192.0.2.9]:25 Warning: x",
		"H=name [192.0.2.1] I=x Warning: x",
		"H=name [192.0.2.1]:25 U=joe Warning: x",
		"H=name [192.0.2.1]:25 Ci=7 Warning: x",
		"H=(a) [b]) [192.0.2.1]:25 Warning: x",
		"H=(a) [192.0.2.1]x) [192.0.2.2]:25 Warning: x",
		"H=(a) [192.0.2.1]:99999999) [192.0.2.2] x",
		"H=() [192.0.2.1]",
		"H=( [192.0.2.1]",
		"H=(a)  [192.0.2.1]",
		"H=name  [192.0.2.1]",
		"H=name(a) [192.0.2.1]",
		"H=name x [192.0.2.1]",
		"H=[] x",
		"H=[192.0.2.1 x] y",
		"H=[192.0.2.1",
		"H=",
		"H= [192.0.2.1]",
		"H=)x [192.0.2.1]",
		"H=[2001:db8::1]:25 x",
		"H=[::ffff:192.0.2.7]:25 x",
		"H=[01.2.3.4] x",
		"H=[1.2.3.256] x",
		"H=[1.2.3.4.] x",
		"H=[1.2..4] x",
		"H=[1.2.3.4.5] x",
		"H=[0.0.0.0] x",
		"H=[1.2.3] x",
		"H=[255.255.255.255]:25 x",
		"H=[256.1.1.1] x",
		"H=[1.2.3.1234] x",
		"H=[00.1.2.3] x",
		"H=[1.2.3.40]x] y",
		"H=[1.2.3.4:25] x",
		"H=[1.2.3.4 ] x",
		"DS H=[192.0.2.1] x",
		"<= a@b H=name (helo) [192.0.2.1]:1 P=esmtp S=1",
		"<= a@b H=(x H=y) [192.0.2.1]:1 P=esmtp",
		"(= a@b H=[192.0.2.1]:1 P=esmtp",
		"<= <> R=x U=y P=local S=1",
		"SMTP connection from (helo) [192.0.2.1]:25 closed by QUIT",
		"SMTP connection from [192.0.2.1]:25 lost",
		"SMTP connection from name [192.0.2.1] I=[1.2.3.4]:25 x",
		"SMTP connection from ",
		"SMTP connection lost after final dot H=[192.0.2.1]",
		"no host name found for IP address 192.0.2.1",
		"no host name found for IP address 192.0.2.1 x",
		"no host name found for IP address ",
		"no host name found for IP address  192.0.2.1",
		"no host name found for IP address [192.0.2.1]",
		"<= a@b H=x H=[192.0.2.1]:1 P=esmtp",
		"<= a@b H=(h [192.0.2.1] H=name [192.0.2.2]:1 P=esmtp",
		"<=  H=[192.0.2.1]:1 P=esmtp",
		"<= a@b x H=[192.0.2.1]:1 P=esmtp",
		"<= a@b H",
		"<= a@b H=",
		"<= a@b ",
		"<= a@b",
		"H=na)me [192.0.2.1] Warning: x",
		"H=na]me [192.0.2.1] Warning: x",
		"H=na(me [192.0.2.1] Warning: x",
		"H=na[me [192.0.2.1] Warning: x",
		"H=name) [192.0.2.1] Warning: x",
		"H=name (a) [192.0.2.1]:25 Warning: x",
		"H=a.b.example (c) [192.0.2.1]:25 Warning: x",
		"H=abcdefghijklmnopqrstuvwxyz.example [192.0.2.1]:25 x",
		"H=abcdefghijklmnop)rstuvwxyz.example [192.0.2.1]:25 x",
	};
	char	line[512];
	size_t	i, n, prefix = strlen(T0);

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		n = (size_t)snprintf(line, sizeof line, T0 "%s", bodies[i]);
		for (; n >= prefix; n--)
			check_fast_same(line, n);
	}
}
END_TEST

/*
 * Put each byte that the host reader treats specially at each position of
 * common client lines, so that every shortcut meets it at every step.
 */
START_TEST(test_exim_fast_byte_at_each_position)
{
	static const char *bodies[] = {
		"H=name (helo) [192.0.2.1]:25 Warning: x",
		"H=(helo) [2001:db8::1]:25 F=<a@b> rejected RCPT <c@d>: relay",
		"<= a@b H=name (helo) [192.0.2.1]:1 P=esmtp S=1",
		"SMTP connection from [192.0.2.1]:25 closed by QUIT",
	};
	static const char	 bytes[] = {
		'\0', '\xff', '\x80', ' ', '(', ')', '[', ']', ':', '.', '=',
		'H', '0', '9',
	};
	char			 line[512];
	size_t			 i, j, k, n, prefix = strlen(T0);
	char			 saved;

	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		n = (size_t)snprintf(line, sizeof line, T0 "%s", bodies[i]);
		for (j = prefix; j < n; j++) {
			saved = line[j];
			for (k = 0; k < sizeof bytes; k++) {
				line[j] = bytes[k];
				check_fast_same(line, n);
				check_fast_same(line, j + 1);
			}
			line[j] = saved;
		}
	}
}
END_TEST

START_TEST(test_exim_fast_random_bytes)
{
	static const char *const pieces[] = {
		"H=", "(", ")", "[", "]", " ", ":", "1", "25", ".", "192.0.2.1",
		"::1", "I=[", "U=", "Ci=", "<= ", "(= ", "a", "x", "\\",
		") [", "SMTP connection from ", "DS ", " H=", "\xff",
		"<= a@b H=", "name ",
	};
	char			 line[256];
	uint32_t		 seed = 4242;
	size_t			 i, n, prefix = strlen(T0);

	memcpy(line, T0, prefix + 1);
	for (i = 0; i < check_rounds(50000); i++) {
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 24, &seed);
		check_fast_same(line, n);
	}
}
END_TEST

START_TEST(test_exim_fast_message_ids)
{
	static const char *const prefixes[] = {
		"1ahr79-0006jK-G9 ", "1rDnxq-00000000Ofs-1SXn ",
		"1ahr79-0006jK-G ", "1ahr79-0006jK-G9x ", "1ahr7-0006jK-G9 ",
		"1ahr79x-0006jK-G9 ", "1ahr79-0006j-G9 ", "1ahr79-00000000Of-1SXn ",
		"1ahr79-0006jK-1SXn ", "1rDnxq-00000000Ofs-G9 ",
		"1rDnxq-00000000Ofs-1SXnx ", "1ahr79-0006jK-G9-",
		"1ahr\xff"
		    "9-0006jK-G9 ",
		"1ahr79-0006jK-G\x80"
		    "9 ",
		"1ahr79+0006jK-G9 ", "1ahr79-0006jK+G9 ",
		"[77] 1ahr79-0006jK-G9 ", "exim12-0006jK-G9 ",
	};
	static const char *const bodies[] = {
		"H=(a) [192.0.2.1]:25 Warning: x", "<= a@b H=[192.0.2.1] P=smtp",
		"Completed",
	};
	char	line[256];
	size_t	i, j, n, prefix = strlen(T0);

	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		for (j = 0; j < sizeof bodies / sizeof bodies[0]; j++) {
			n = (size_t)snprintf(line, sizeof line, T0 "%s%s",
			    prefixes[i], bodies[j]);
			for (; n >= prefix; n--)
				check_fast_same(line, n);
		}
	ck_assert_int_eq(parse(T0 "1rDnxq-00000000Ofs-1SXn H=[192.0.2.1] x"),
	    PARSE_CLIENT);
	ck_assert_int_eq(parse(T0 "1ahr79-0006jK-G9 <= a@b H=[192.0.2.1] "
	    "P=smtp"), PARSE_CLIENT);
	ck_assert_int_eq(parse(T0 "1ahr79-0006jK-G9x <= a@b H=[192.0.2.1] "
	    "P=smtp"), PARSE_SKIP);
}
END_TEST

START_TEST(test_exim_fast_prefix_random)
{
	static const char *const pieces[] = {
		"1ahr79", "0006jK", "00000000Ofs", "G9", "1SXn", "-", " ", "a",
		"exim", "[77] ", "mx ", "exim[7]: ", "\xff", "2026-11-30 ",
		"10:00:00", ".250", " +0100", "H=[192.0.2.1]:25 Warning: x",
		"<= a@b H=(h) [192.0.2.2] P=smtp",
	};
	char			 line[256];
	uint32_t		 seed = 777;
	size_t			 i, n, prefix = strlen(T0);

	memcpy(line, T0, prefix + 1);
	for (i = 0; i < check_rounds(50000); i++) {
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 10, &seed);
		check_fast_same(line, n);
	}
}
END_TEST

/*
 * Parse line with exim_parse_mainlog and, when it takes the line, with
 * the Exim front end of parser_line and with PCRE2 alone, and check that
 * all three give the same result and event.  Returns whether the fast
 * path took the line.
 */
static int
check_mainlog_same(struct parser *p, const char *line, size_t len)
{
	struct event		fast, general, pcre;
	enum parse_result	rfast, rgeneral, rpcre;

	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	memset(&fast, 0x5a, sizeof fast);
	if (!exim_parse_mainlog(ep, buf, len, &fast, &rfast))
		return 0;
	rgeneral = parser_line(p, buf, len, &general);
	exim_parser_fast(ep, 0);
	rpcre = exim_parse_line(ep, buf, len, &pcre);
	exim_parser_fast(ep, 1);
	ck_assert_msg(rfast == rgeneral, "result %d, parser_line %d: %.*s",
	    rfast, rgeneral, (int)len, line);
	ck_assert_msg(rfast == rpcre, "result %d, PCRE2 %d: %.*s", rfast,
	    rpcre, (int)len, line);
	if (rfast == PARSE_CLIENT) {
		check_event_same(&fast, &general);
		check_event_same(&fast, &pcre);
	}
	return 1;
}

static struct parser *
mainlog_parser(void)
{
	struct parser_options	 opts;
	struct parser		*p;
	char			*cause = NULL;

	memset(&opts, 0, sizeof opts);
	opts.format = LOG_FORMAT_EXIM;
	opts.reasons = rt;
	p = parser_create(&opts, &cause);
	ck_assert_msg(p != NULL, "parser_create: %s", cause);
	return p;
}

/* Mainlog lines of each family, and prefixes the fast path must reject. */
static const char *const mainlog_lines[] = {
	T0 "H=(a.example) [192.0.2.1]:25 Warning: x",
	T0 "H=mx.example (helo) [192.0.2.1]:25 F=<a@b> rejected RCPT "
	    "<c@d>: relay not permitted",
	T0 "H=[2001:db8::1]:25 rejected EHLO: host lookup failed for "
	    "reverse lookup check",
	T0 "H=mx.example [192.0.2.1]: SMTP error from remote mail server",
	T0 "1ahr79-0006jK-G9 <= a@b H=h.example (helo) [192.0.2.2]:1 "
	    "P=esmtps S=1 id=x@y",
	T0 "1rDnxq-00000000Ofs-1SXn <= a@b H=[192.0.2.3]:1 P=esmtp",
	T0 "1ahr79-0006jK-G9 => a@b R=local T=spool",
	T0 "1ahr79-0006jK-G9 -> a@b R=local T=spool",
	T0 "1ahr79-0006jK-G9 ** a@b: unrouteable",
	T0 "1ahr79-0006jK-G9 == a@b R=x defer",
	T0 "1ahr79-0006jK-G9 *> a@b",
	T0 "1ahr79-0006jK-G9 >> a@b",
	T0 "1ahr79-0006jK-G9 Completed",
	T0 "1ahr79-0006jK-G9 Completed QT=1s",
	T0 "1ahr79-0006jK-G9 Completed authenticator failed for "
	    "[192.0.2.4]",
	T0 "Start queue run: pid=1585",
	T0 "End queue run: pid=1585",
	T0 "Start authenticator failed for H=[192.0.2.5]",
	T0 "SMTP connection from (helo) [192.0.2.6]:25 closed by QUIT",
	T0 "SMTP connection from [192.0.2.6]:25 I=[192.0.2.9]:25 lost",
	T0 "no host name found for IP address 192.0.2.7",
	T0 "no MAIL in SMTP connection from (h) [192.0.2.8] D=1s C=EHLO",
	T0 "plain [192.0.2.8] authenticator failed for (h) [192.0.2.8]: "
	    "535 Incorrect authentication data",
	T0 "1ahr79-0006jK-G9 H=[192.0.2.9] F=<a@b> rejected after DATA: x",
	T0 "TLS error on connection from (h) [192.0.2.10] (SSL_accept): x",
	T0 "mx exim[7]: " T0 "H=[192.0.2.11] Warning: x",
	T0 "mx exim4: H=[192.0.2.11] Warning: x",
	T0 "exim[7]: H=[192.0.2.11] Warning: x",
	T0 "1ahr79-0006jK-G9 exim[7]: H=[192.0.2.11] Warning: x",
	T0 "exim12-0006jK-G9 H=[192.0.2.11] Warning: x",
	T0 "[77] 1ahr79-0006jK-G9 H=[192.0.2.12] Warning: x",
	T0 " H=[192.0.2.13] Warning: x",
	T0 " exim: H=[192.0.2.13] Warning: x",
	"2026-11-30 10:00:00.250 H=[192.0.2.14] Warning: x",
	"2026-11-30 10:00:00 +0100 H=[192.0.2.14] Warning: x",
	"2026-11-30 10:00:00 -0100 H=[192.0.2.14] Warning: x",
	"2026-11-30 10:00:00 <mail.info> H=[192.0.2.14] Warning: x",
	"2026-11-30 10:00:61 H=[192.0.2.15] Warning: x",
	"2026-02-30 10:00:00 H=[192.0.2.15] Warning: x",
	"2026-11-30 10:01:00 H=[192.0.2.16] Warning: x",
	"2026-11-30 10:01:59 1ahr79-0006jK-G9 <= a@b H=[192.0.2.17] P=smtp",
	"2026-11-30 11:00:00 SMTP connection from [192.0.2.18]",
	"x026-11-30 10:00:00 H=[192.0.2.19] Warning: x",
	"2026-11-30T10:00:00 H=[192.0.2.19] Warning: x",
	"Nov 30 10:00:00 mx exim[1]: H=[192.0.2.20] Warning: x",
};

START_TEST(test_exim_mainlog_crafted)
{
	struct parser	*p = mainlog_parser();
	size_t		 i, n, taken = 0;

	for (i = 0; i < sizeof mainlog_lines / sizeof mainlog_lines[0]; i++)
		for (n = strlen(mainlog_lines[i]); n > 0; n--)
			taken += (size_t)check_mainlog_same(p,
			    mainlog_lines[i], n);
	ck_assert_uint_gt(taken, 1000);

	/* The common shapes take the fast path whole. */
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[0],
	    strlen(mainlog_lines[0])), 1);
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[4],
	    strlen(mainlog_lines[4])), 1);
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[12],
	    strlen(mainlog_lines[12])), 1);
	/* Syslog wrappers, "[pid]", fractions and offsets do not. */
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[25],
	    strlen(mainlog_lines[25])), 0);
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[30],
	    strlen(mainlog_lines[30])), 0);
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[33],
	    strlen(mainlog_lines[33])), 0);
	ck_assert_int_eq(check_mainlog_same(p, mainlog_lines[34],
	    strlen(mainlog_lines[34])), 0);
	parser_free(p);
}
END_TEST

START_TEST(test_exim_mainlog_bytes_everywhere)
{
	static const unsigned char	 bytes[] = {
		0, 0x80, 0xbf, 0xc3, 0xff, ' ', '[', '-', 'e'
	};
	struct parser			*p = mainlog_parser();
	char				 line[512];
	size_t				 i, j, k, n;

	for (i = 0; i < sizeof mainlog_lines / sizeof mainlog_lines[0]; i++) {
		n = strlen(mainlog_lines[i]);
		for (j = 0; j < n; j++)
			for (k = 0; k < sizeof bytes; k++) {
				memcpy(line, mainlog_lines[i], n);
				line[j] = (char)bytes[k];
				check_mainlog_same(p, line, n);
			}
	}
	parser_free(p);
}
END_TEST

START_TEST(test_exim_mainlog_random)
{
	static const char *const pieces[] = {
		"1ahr79-0006jK-G9 ", "1rDnxq-00000000Ofs-1SXn ", "-", " ",
		"exim", "exim[7]: ", "[77] ", "mx ", "H=", "(h) ", "[192.0.2.1]",
		":25", " Warning: x", "<= ", "=> ", "** ", "Completed",
		"Start queue run: ", "SMTP connection from ", "\xff", "\x80",
		"no host name found for IP address ", "192.0.2.2",
		" rejected ", "authenticator failed for ",
	};
	struct parser		*p = mainlog_parser();
	char			 line[256];
	uint32_t		 seed = 8080;
	size_t			 i, n, taken = 0;
	size_t			 prefix = strlen(T0);

	memcpy(line, T0, prefix + 1);
	for (i = 0; i < check_rounds(50000); i++) {
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 8, &seed);
		taken += (size_t)check_mainlog_same(p, line, n);
	}
	ck_assert_uint_gt(taken, check_rounds(50000) / 5);
	parser_free(p);
}
END_TEST

/*
 * Compare exim_host_ipv6 with inet_pton on s[0, len).  When it leaves
 * the text to inet_pton, check that the text contains a byte other than a
 * hex digit or ':'.
 */
static void
check_ipv6_same(const char *s, size_t len)
{
	char	text[128];
	uint8_t	fast[16], libc[16];
	int	rfast, rlibc;
	size_t	i;

	ck_assert_uint_lt(len, sizeof text);
	memcpy(text, s, len);
	text[len] = '\0';
	rlibc = inet_pton(AF_INET6, text, libc);
	rfast = exim_host_ipv6(s, len, fast);
	if (rfast == -1) {
		for (i = 0; i < len && (s[i] == ':' ||
		    strchr("0123456789abcdefABCDEF", s[i]) != NULL) &&
		    s[i] != '\0'; i++)
			;
		ck_assert_msg(i < len, "left to inet_pton: %.*s", (int)len, s);
		return;
	}
	ck_assert_msg(rfast == rlibc, "fast %d, inet_pton %d: %.*s", rfast,
	    rlibc, (int)len, s);
	if (rfast == 1)
		ck_assert_msg(memcmp(fast, libc, sizeof fast) == 0,
		    "bytes differ: %.*s", (int)len, s);
}

START_TEST(test_exim_ipv6_like_inet_pton)
{
	static const char *const crafted[] = {
		"::", "::1", "1::", "1::2", ":", ":1", "1:", ":::", "1:::2",
		"1::2::3", "2001:db8::1", "2001:DB8:0:0:0:0:0:1",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
		"::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::8", "1:2:3:4::5:6:7:8",
		"12345::", "ffff::FFFF", "0000:0000::", "g::", "::ffff:1.2.3.4",
		"1:2:3:4:5:6:1.2.3.4", "::1.2.3", "fe80::1%eth0",
		"1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7",
		"00000::", "0:0:0:0:0:0:0:0", "1:2:3:4:5:6:7", "",
	};
	static const char *const pieces[] = {
		":", "::", "0", "1", "f", "F", "ff", "1234", "12345", "db8",
		".", "1.2.3.4", "g", "\xff", " ",
	};
	char		 line[128];
	uint32_t	 seed = 606;
	size_t		 i, n;

	for (i = 0; i < sizeof crafted / sizeof crafted[0]; i++)
		check_ipv6_same(crafted[i], strlen(crafted[i]));
	/* inet_pton stops at a NUL, which may follow a valid address. */
	for (i = 0; i < sizeof "2001:db8::1" - 1; i++) {
		memcpy(line, "2001:db8::1", sizeof "2001:db8::1");
		line[i] = '\0';
		check_ipv6_same(line, sizeof "2001:db8::1" - 1);
	}
	for (i = 0; i < check_rounds(200000); i++) {
		n = check_random_pieces(line, 64, 0, pieces,
		    sizeof pieces / sizeof pieces[0], 12, &seed);
		check_ipv6_same(line, n);
	}
}
END_TEST

START_TEST(test_exim_mainlog_fast_off)
{
	struct event		e;
	enum parse_result	r;
	const char		*line = mainlog_lines[0];

	exim_parser_fast(ep, 0);
	ck_assert_int_eq(exim_parse_mainlog(ep, line, strlen(line), &e, &r),
	    0);
	exim_parser_fast(ep, 1);
	ck_assert_int_eq(exim_parse_mainlog(ep, line, strlen(line), &e, &r),
	    1);
	ck_assert_int_eq(r, PARSE_CLIENT);
	ck_assert_int_eq(e.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_exim_reverse_lookup_texts)
{
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] F=<a@b> rejected RCPT "
	    "<c@d>: host lookup host lookup failed"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] F=<a@b> rejected RCPT "
	    "<c@d>: host lookup failed; host lookup deferred for reverse "
	    "lookup check"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rdns_tempfail");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] F=<a@b> temporarily "
	    "rejected RCPT <c@d>: lookup failed, host lookup"), PARSE_CLIENT);
	ck_assert_ptr_null(ev.reason);
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] F=<a@b> rejected RCPT "
	    "<c@d>: kkk host lookup failed: x does not match any IP address"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] Warning: host lookup "
	    "deferred for reverse lookup check"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rdns_tempfail");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] Warning: host lookup "
	    "deferred"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "warning");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] dropped by x: host "
	    "lookup failed"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] sender verify fail for "
	    "<a@b>"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "sender_verify_failed");
	ck_assert_int_eq(parse(T0 "H=(a) [192.0.2.1] rejectedX"),
	    PARSE_CLIENT);
	ck_assert_ptr_null(ev.reason);
}
END_TEST

/*
 * Rejection and warning texts built from the pieces that the one-pass
 * scan of a rejection looks for, parsed with the fast paths and with
 * PCRE2 plus the separate searches.
 */
START_TEST(test_exim_fast_reject_texts)
{
	static const char *const heads[] = {
		T0 "H=(a) [192.0.2.1] F=<a@b> rejected ",
		T0 "H=(a) [192.0.2.1] F=<a@b> temporarily rejected ",
		T0 "H=(a) [192.0.2.1] dropped by ",
		T0 "H=(a) [192.0.2.1] Warning: ",
		T0 "rejected HELO from [192.0.2.1]",
	};
	static const char *const pieces[] = {
		"host lookup ", "failed", "deferred for reverse lookup check",
		"does not match any IP address", ": ", ":", " ", "k", "kk",
		"host", "lookup", "RCPT <c@d>", "x", "\xff", "0123456789abcdef",
	};
	char			 line[512];
	uint32_t		 seed = 9090;
	size_t			 i, n, prefix;

	for (i = 0; i < check_rounds(20000); i++) {
		prefix = strlen(heads[i % (sizeof heads / sizeof heads[0])]);
		memcpy(line, heads[i % (sizeof heads / sizeof heads[0])],
		    prefix + 1);
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 16, &seed);
		check_fast_same(line, n);
	}
}
END_TEST

/* Names next to each byte that ends a verified name, at each offset. */
START_TEST(test_exim_fast_name_stops)
{
	static const char	 stops[] = { ' ', '(', ')', '[', ']', '\0',
		'\xff', 'a' };
	char			 line[256], name[40];
	size_t			 len, at, k, n;

	for (len = 1; len < sizeof name; len++) {
		for (at = 0; at < len; at++) {
			for (k = 0; k < sizeof stops; k++) {
				memset(name, 'n', len);
				name[at] = stops[k];
				n = (size_t)snprintf(line, sizeof line, T0 "H=");
				memcpy(line + n, name, len);
				n += len;
				n += (size_t)snprintf(line + n, sizeof line - n,
				    " (h) [192.0.2.1]:25 Warning: x");
				check_fast_same(line, n);
			}
		}
	}
}
END_TEST

/* field_ipv4 and field_memmem, the Exim parser's fast helpers. */
START_TEST(test_field_ipv4_as_inet_pton)
{
	static const char	 alphabet[] = "0123456789.....00255x";
	char			 text[24], cstr[25];
	uint8_t			 mine[4], theirs[4];
	uint32_t		 seed = 99;
	size_t			 i, j, n;
	int			 rc;

	for (i = 0; i < check_rounds(200000); i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % sizeof text;
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			text[j] = alphabet[(seed >> 16) %
			    (sizeof alphabet - 1)];
		}
		/* A NUL byte ends the C string that inet_pton reads. */
		if (n > 0 && i % 7 == 0)
			text[(seed >> 8) % n] = '\0';
		memcpy(cstr, text, n);
		cstr[n] = '\0';
		rc = inet_pton(AF_INET, cstr, theirs);
		ck_assert_int_eq(field_ipv4(text, n, mine), rc == 1 ? 0 : -1);
		if (rc == 1)
			ck_assert_mem_eq(mine, theirs, 4);
	}
}
END_TEST

START_TEST(test_field_memmem_as_memmem)
{
	static const char	*needles[] = {
		" H=", ") [", ": ", "\" from ", " (host=", "abc", "a", "== ",
		"xx", "host lookup failed for this needle",
	};
	static const char	 alphabet[] = " H=)[:\"(abcfromhostx";
	char			 hay[64];
	uint32_t		 seed = 7;
	size_t			 i, j, k, n, nlen;

	for (i = 0; i < check_rounds(100000); i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % sizeof hay;
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			hay[j] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		for (k = 0; k < sizeof needles / sizeof needles[0]; k++) {
			nlen = strlen(needles[k]);
			ck_assert_ptr_eq(field_memmem(hay, n, needles[k], nlen),
			    memmem(hay, n, needles[k], nlen));
		}
	}
}
END_TEST

START_TEST(test_exim_long_line_many_h)
{
	static const char	 head[] = T0 "SMTP protocol error in \"";
	static const char	 piece[] = " H=(aaaaaaaa) [1.2.3";
	size_t			 len = 60000, off;
	char			*line;

	line = malloc(len);
	ck_assert_ptr_nonnull(line);
	memcpy(line, head, sizeof head - 1);
	for (off = sizeof head - 1; off + sizeof piece - 1 <= len;
	    off += sizeof piece - 1)
		memcpy(line + off, piece, sizeof piece - 1);
	memset(line + off, 'x', len - off);
	ck_assert_int_eq(parse_len(line, len), PARSE_SKIP);
	free(line);
}
END_TEST

/* Syslog messages and Exim's split records. */

static enum parse_result
parse_message(const char *msg, const struct ts *time)
{
	size_t	len = strlen(msg);

	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, msg, len);
	memset(&ev, 0x5a, sizeof ev);
	return exim_parse_message(ep, buf, len, time, &ev);
}

START_TEST(test_exim_message_inner_stamp)
{
	struct ts	t;

	memset(&t, 0, sizeof t);
	t.utc = 1;
	ck_assert_int_eq(parse_message(T0 "[812] 1rDnxq-00000000Ofs-1SXn "
	    "H=(x.example) [192.0.2.160] F=<> rejected after DATA: spam", &t),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.160");
	ck_assert_str_eq(HELO(), "x.example");
	ck_assert_str_eq(ARG(), "spam");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_exim_message_syslog_time)
{
	struct ts	t;

	memset(&t, 0, sizeof t);
	t.utc = T0_UTC + 5;
	ck_assert_int_eq(parse_message("[812] H=mx.example [192.0.2.161] "
	    "Warning: Forward/Reverse DNS mismatch", &t), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.161");
	ck_assert_str_eq(RDNS(), "mx.example");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
	ck_assert_int_eq(ev.time.utc, T0_UTC + 5);
	ck_assert_int_eq(parse_message("H=[192.0.2.162] Warning: x", NULL),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.has_time, 0);
	ck_assert_int_eq(parse_message("Start queue run: pid=1", NULL),
	    PARSE_SKIP);
}
END_TEST

START_TEST(test_exim_split_parts)
{
	struct exim_split	*es;
	const char		*out;
	size_t			 len;

	es = exim_split_create();
	ck_assert_int_eq(exim_split_feed(es, 1, "H=x", 3, &out, &len),
	    EXIM_SPLIT_WHOLE);
	ck_assert_int_eq(exim_split_feed(es, 1, "[1] H=x", 7, &out, &len),
	    EXIM_SPLIT_WHOLE);
	ck_assert_int_eq(exim_split_feed(es, 1, "[1/1] x", 7, &out, &len),
	    EXIM_SPLIT_WHOLE);
	ck_assert_int_eq(exim_split_feed(es, 1, "[1/2] ab", 8, &out, &len),
	    EXIM_SPLIT_PENDING);
	ck_assert_int_eq(exim_split_feed(es, 2, "[1\\2] cd", 8, &out, &len),
	    EXIM_SPLIT_PENDING);
	ck_assert_int_eq(exim_split_feed(es, 2, "[2/2] ef", 8, &out, &len),
	    EXIM_SPLIT_DONE);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(memcmp(out, "cd", 2), 0);
	ck_assert_int_eq(exim_split_feed(es, 1, "[2/2] gh", 8, &out, &len),
	    EXIM_SPLIT_DONE);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(out, "abgh", 4), 0);
	/* The entry is gone: a repeated last part finds nothing. */
	ck_assert_int_eq(exim_split_feed(es, 1, "[2/2] gh", 8, &out, &len),
	    EXIM_SPLIT_PENDING);
	exim_split_free(es);
}
END_TEST

START_TEST(test_exim_split_bad_markers)
{
	static const char	*bad[] = {
		"[0/2] x", "[3/2] x", "[1/1000] x", "[1/2]x", "[/2] x",
		"[1-2] x", "[1/] x", "[1234/2000] x", "[1/2",
	};
	struct exim_split	*es;
	const char		*out;
	size_t			 i, len;

	es = exim_split_create();
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(exim_split_feed(es, 1, bad[i], strlen(bad[i]),
		    &out, &len) == EXIM_SPLIT_WHOLE, "accepted \"%s\"", bad[i]);
	exim_split_free(es);
}
END_TEST

Suite *
make_exim_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_reasons, *tc_limits;

	s = suite_create("exim");

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_exim_h_ip_only);
	tcase_add_test(tc_core, test_exim_h_helo_ip);
	tcase_add_test(tc_core, test_exim_h_name_ip);
	tcase_add_test(tc_core, test_exim_h_name_helo_ip);
	tcase_add_test(tc_core, test_exim_port_and_interface);
	tcase_add_test(tc_core, test_exim_ident_tail);
	tcase_add_test(tc_core, test_exim_all_tails);
	tcase_add_test(tc_core, test_exim_ipv6);
	tcase_add_test(tc_core, test_exim_ipv6_port);
	tcase_add_test(tc_core, test_exim_ipv4_mapped);
	tcase_add_test(tc_core, test_exim_helo_with_parens);
	tcase_add_test(tc_core, test_exim_helo_ip_literal);
	tcase_add_test(tc_core, test_exim_helo_ipv6_literal);
	tcase_add_test(tc_core, test_exim_empty_helo);
	tcase_add_test(tc_core, test_exim_pid_prefix);
	tcase_add_test(tc_core, test_exim_msgid_old);
	tcase_add_test(tc_core, test_exim_msgid_new);
	tcase_add_test(tc_core, test_exim_pid_and_msgid);
	tcase_add_test(tc_core, test_exim_msgid_ways_same);
	tcase_add_test(tc_core, test_exim_mainlog_time_cache);
	tcase_add_test(tc_core, test_exim_millisec_prefix);
	tcase_add_test(tc_core, test_exim_offset_prefix);
	tcase_add_test(tc_core, test_exim_every_prefix);
	tcase_add_test(tc_core, test_exim_arrival);
	tcase_add_test(tc_core, test_exim_local_scan_reject);
	tcase_add_test(tc_core, test_exim_smtp_connection_from);
	tcase_add_test(tc_core, test_exim_connection_closed_by_drop);
	tcase_add_test(tc_core, test_exim_no_mail);
	tcase_add_test(tc_core, test_exim_smtp_call_dropped);
	tcase_add_test(tc_core, test_exim_auth_failed_old);
	tcase_add_test(tc_core, test_exim_auth_failed_h_form);
	tcase_add_test(tc_core, test_exim_helo_verify_rejected);
	tcase_add_test(tc_core, test_exim_helo_verify_tempfail);
	tcase_add_test(tc_core, test_exim_no_host_name_found);
	tcase_add_test(tc_core, test_exim_no_host_name_found_ipv6);
	tcase_add_test(tc_core, test_exim_no_ip_address_found);
	tcase_add_test(tc_core, test_exim_timeouts);
	tcase_add_test(tc_core, test_exim_lost_after_final_dot);
	tcase_add_test(tc_core, test_exim_syntax_error);
	tcase_add_test(tc_core, test_exim_dnssec_marker);
	tcase_add_test(tc_core, test_exim_tls_error);
	tcase_add_test(tc_core, test_exim_sa_exim);
	tcase_add_test(tc_core, test_exim_syslog_inner_stamp);
	tcase_add_test(tc_core, test_exim_syslog_iso_host);
	tcase_add_test(tc_core, test_exim_syslog_journal);
	tcase_add_test(tc_core, test_exim_syslog_pid_in_body);
	tcase_add_test(tc_core, test_exim_syslog_without_year);
	tcase_add_test(tc_core, test_exim_syslog_other_program);
	tcase_add_test(tc_core, test_exim_outbound_delivery);
	tcase_add_test(tc_core, test_exim_outbound_server_error);
	tcase_add_test(tc_core, test_exim_quoted_h_injection);
	tcase_add_test(tc_core, test_exim_sync_error_next_input);
	tcase_add_test(tc_core, test_exim_sync_error_connection);
	tcase_add_test(tc_core, test_exim_reason_text_host);
	tcase_add_test(tc_core, test_exim_arrival_subject_with_h);
	tcase_add_test(tc_core, test_exim_message_inner_stamp);
	tcase_add_test(tc_core, test_exim_message_syslog_time);
	tcase_add_test(tc_core, test_exim_split_parts);
	tcase_add_test(tc_core, test_exim_split_bad_markers);
	suite_add_tcase(s, tc_core);

	tc_reasons = tcase_create("reasons");
	tcase_add_checked_fixture(tc_reasons, setup, teardown);
	tcase_add_test(tc_reasons, test_exim_warning_unknown);
	tcase_add_test(tc_reasons, test_exim_warning_custom_table);
	tcase_add_test(tc_reasons, test_exim_warn_skipped_deferred);
	tcase_add_test(tc_reasons, test_exim_warn_skipped_double_quotes);
	tcase_add_test(tc_reasons, test_exim_warn_skipped_other);
	tcase_add_test(tc_reasons, test_exim_reject_rdns_deferred);
	tcase_add_test(tc_reasons, test_exim_reject_rdns_failed);
	tcase_add_test(tc_reasons, test_exim_reject_rdns_mismatch);
	tcase_add_test(tc_reasons, test_exim_reject_connect_acl);
	tcase_add_test(tc_reasons, test_exim_reject_without_text);
	tcase_add_test(tc_reasons, test_exim_reject_helo_acl);
	tcase_add_test(tc_reasons, test_exim_temporary_reject_no_reason);
	tcase_add_test(tc_reasons, test_exim_rejected_helo_syntax);
	tcase_add_test(tc_reasons, test_exim_rejected_mail_no_helo);
	tcase_add_test(tc_reasons, test_exim_sender_verify_fail);
	tcase_add_test(tc_reasons, test_exim_reject_after_tls_fields);
	suite_add_tcase(s, tc_reasons);

	tc_limits = tcase_create("limits");
	tcase_add_checked_fixture(tc_limits, setup, teardown);
	tcase_add_test(tc_limits, test_exim_munged_ip_skipped);
	tcase_add_test(tc_limits, test_exim_no_timestamp_unknown);
	tcase_add_test(tc_limits, test_exim_lines_without_client);
	tcase_add_test(tc_limits, test_exim_overlong_helo);
	tcase_add_test(tc_limits, test_exim_overlong_helo_utf8_cut);
	tcase_add_test(tc_limits, test_exim_overlong_rdns);
	tcase_add_test(tc_limits, test_exim_overlong_warning);
	tcase_add_test(tc_limits, test_exim_helo_too_long_to_scan);
	tcase_add_test(tc_limits, test_exim_raw_escape_in_helo);
	tcase_add_test(tc_limits, test_exim_octal_escape_in_helo);
	tcase_add_test(tc_limits, test_exim_stops_at_len);
	tcase_add_test(tc_limits, test_exim_every_truncation);
	tcase_add_test(tc_limits, test_exim_random_bytes);
	tcase_add_test(tc_limits, test_exim_long_line_many_h);
	tcase_add_test(tc_limits, test_exim_fast_host_shapes);
	tcase_add_test(tc_limits, test_exim_fast_byte_at_each_position);
	tcase_add_test(tc_limits, test_exim_fast_random_bytes);
	tcase_add_test(tc_limits, test_exim_ipv6_like_inet_pton);
	tcase_add_test(tc_limits, test_exim_fast_message_ids);
	tcase_add_test(tc_limits, test_exim_fast_prefix_random);
	tcase_add_test(tc_limits, test_exim_mainlog_crafted);
	tcase_add_test(tc_limits, test_exim_mainlog_bytes_everywhere);
	tcase_add_test(tc_limits, test_exim_mainlog_random);
	tcase_add_test(tc_limits, test_exim_mainlog_fast_off);
	tcase_add_test(tc_limits, test_exim_reverse_lookup_texts);
	tcase_add_test(tc_limits, test_exim_fast_reject_texts);
	tcase_add_test(tc_limits, test_exim_fast_name_stops);
	tcase_add_test(tc_limits, test_field_ipv4_as_inet_pton);
	tcase_add_test(tc_limits, test_field_memmem_as_memmem);
	suite_add_tcase(s, tc_limits);

	return s;
}
