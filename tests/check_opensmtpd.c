/*
 * Tests for core/opensmtpd.c: OpenSMTPD's connect lines in each of its log
 * formats, the later lines of a session that name the client through the
 * session id, and the bound on the session table.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_event.h"
#include "check_suites.h"
#include "opensmtpd.h"
#include "syslog.h"

#define P		"Nov 30 10:00:00 mx1 smtpd[6120]: "
#define ID		"5a1b2c3d4e5f6a7b"
#define T0_UTC		1796032800
#define JAN_2027	1798761600

static struct opensmtpd_parser	*op;
static struct syslog_year	 yr;
static char			*buf;
static struct event		 ev;

static void
setup(void)
{
	check_event_syslog_setup(&yr, JAN_2027);
	op = opensmtpd_parser_create();
}

static void
teardown(void)
{
	opensmtpd_parser_free(op);
	free(buf);
	buf = NULL;
}

static enum parse_result
parse_len(const char *line, size_t len)
{
	struct syslog_msg	sm;

	if (check_event_syslog_line(&buf, line, len, &yr, &ev, &sm) == -1)
		return PARSE_UNKNOWN;
	return opensmtpd_parse(op, buf, len, &sm, &ev);
}

static enum parse_result
parse(const char *line)
{
	return parse_len(line, strlen(line));
}


START_TEST(test_opensmtpd_connected)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=198.51.100.7 "
	    "host=mail.example.net"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.7");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_uint_eq(opensmtpd_sessions(op), 1);
}
END_TEST

START_TEST(test_opensmtpd_connected_unknown)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.10 "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.10");
	ck_assert_str_eq(RDNS(), "(null)");
}
END_TEST

START_TEST(test_opensmtpd_connected_ipv6)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=[2001:db8::7] "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_int_eq(ev.addr.family, AF_INET6);
	ck_assert_str_eq(ip(), "2001:db8::7");
	ck_assert_int_eq(parse(P "0000000000000001 smtp connected "
	    "address=[IPv6:2001:db8::8] host=v6.example"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::8");
	ck_assert_str_eq(RDNS(), "(null)");
}
END_TEST

START_TEST(test_opensmtpd_event_form)
{
	ck_assert_int_eq(parse(P ID " smtp event=connected address=192.0.2.11 "
	    "host=dsl.example.net"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.11");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_int_eq(parse(P ID " smtp event=closed reason=quit"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.11");
}
END_TEST

START_TEST(test_opensmtpd_local)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=local "
	    "host=mx1.example.org"), PARSE_SKIP);
	ck_assert_int_eq(parse(P ID " smtp message msgid=1a2b3c4d size=100 "
	    "nrcpt=1 proto=ESMTP"), PARSE_SKIP);
}
END_TEST

START_TEST(test_opensmtpd_failed_helo)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.12 "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_int_eq(parse(P ID " smtp failed-command command=\"EHLO "
	    "my pc\" result=\"501 5.5.4 Invalid domain name\""),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.12");
	ck_assert_str_eq(HELO(), "my pc");
	ck_assert_str_eq(REASON(), "helo_rejected");
	/* Later lines of the session carry the HELO. */
	ck_assert_int_eq(parse(P ID " smtp disconnected reason=quit"),
	    PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "my pc");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_uint_eq(opensmtpd_sessions(op), 0);
	ck_assert_int_eq(parse(P ID " smtp message msgid=1 size=1"),
	    PARSE_SKIP);
}
END_TEST

START_TEST(test_opensmtpd_failed_rcpt)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.13 "
	    "host=relay.example.com"), PARSE_CLIENT);
	ck_assert_int_eq(parse(P ID " smtp failed-command command=\"RCPT "
	    "TO:<a@elsewhere.example>\" result=\"550 Invalid recipient: "
	    "<a@elsewhere.example>\""), PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Invalid recipient: <a@elsewhere.example>");
	ck_assert_int_eq(parse(P ID " smtp failed-command command=\"MAIL "
	    "FROM:<\\\"x\\\"@b.example>\" result=\"421 4.3.0 Temporary "
	    "Error\""), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_opensmtpd_filter_reject)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.14 "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_int_eq(parse(P ID " smtp failed-command command=\"\" "
	    "result=\"550 please fix your rDNS\""), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "please fix your rDNS");
}
END_TEST

START_TEST(test_opensmtpd_authentication)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.15 "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_int_eq(parse(P ID " smtp authentication user=admin "
	    "result=permfail"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "auth_failed");
	ck_assert_int_eq(parse(P ID " smtp authentication user=joe "
	    "result=ok"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_int_eq(parse(P ID " smtp authentication user=x result=ok "
	    "result=permfail"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_opensmtpd_bad_input)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.16 "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_int_eq(parse(P ID " smtp bad-input result=\"500 5.5.1 "
	    "Invalid command: Pipelining not supported\""), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_opensmtpd_unknown_session)
{
	ck_assert_int_eq(parse(P ID " smtp failed-command command=\"HELO x\" "
	    "result=\"550 no\""), PARSE_SKIP);
	ck_assert_int_eq(parse(P ID " smtp disconnected reason=quit"),
	    PARSE_SKIP);
}
END_TEST

START_TEST(test_opensmtpd_old_new_session)
{
	ck_assert_int_eq(parse(P "smtp-in: New session " ID " from host "
	    "mx.example.org [192.0.2.17]"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.17");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_int_eq(parse(P "smtp-in: Failed command on session " ID
	    ": \"HELO localhost\" => 550 5.7.1 Go away"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "localhost");
	ck_assert_str_eq(REASON(), "helo_rejected");
	ck_assert_int_eq(parse(P "smtp-in: Accepted message 4296f490 on "
	    "session " ID ": from=<a@b>, to=<c@d>, size=1, ndest=1, "
	    "proto=ESMTP"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.17");
	ck_assert_int_eq(parse(P "smtp-in: Closing session " ID),
	    PARSE_CLIENT);
	ck_assert_int_eq(parse(P "smtp-in: Started TLS on session " ID
	    ": version=TLSv1.2"), PARSE_SKIP);
}
END_TEST

START_TEST(test_opensmtpd_old_local)
{
	ck_assert_int_eq(parse(P "smtp-in: New session " ID " from host "
	    "mx.example.org [local]"), PARSE_SKIP);
	ck_assert_int_eq(parse(P "smtp-in: Closing session " ID), PARSE_SKIP);
}
END_TEST

START_TEST(test_opensmtpd_old_established)
{
	ck_assert_int_eq(parse(P "smtp-in: session " ID ": connection from "
	    "host v6.example.org [IPv6:2001:db8::9] established"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::9");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_int_eq(parse(P "smtp-in: session " ID ": received invalid "
	    "command: \"GET / HTTP/1.1\""), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "protocol_error");
	ck_assert_int_eq(parse(P "smtp-in: session " ID ": connection from "
	    "host v6.example.org [IPv6:2001:db8::9] closed (client sent "
	    "QUIT)"), PARSE_CLIENT);
	ck_assert_uint_eq(opensmtpd_sessions(op), 0);
}
END_TEST

START_TEST(test_opensmtpd_shape)
{
	ck_assert_int_eq(opensmtpd_shape(ID " smtp connected", 31), 1);
	ck_assert_int_eq(opensmtpd_shape("smtp-in: x", 10), 1);
	ck_assert_int_eq(opensmtpd_shape("5A1B2C3D4E5F6A7B smtp x", 23), 0);
	ck_assert_int_eq(opensmtpd_shape("connect from x[192.0.2.1]", 25), 0);
}
END_TEST

START_TEST(test_opensmtpd_session_bound)
{
	char		line[256], expect[INET6_ADDRSTRLEN];
	uint64_t	i;

	for (i = 0; i <= OPENSMTPD_SESSIONS_MAX; i++) {
		snprintf(line, sizeof line, P "%016" PRIx64 " smtp connected "
		    "address=192.0.2.%u host=<unknown>", i + 1,
		    (unsigned)(i % 250) + 1);
		ck_assert_int_eq(parse(line), PARSE_CLIENT);
	}
	ck_assert_uint_eq(opensmtpd_sessions(op), OPENSMTPD_SESSIONS_MAX);
	/* The first session was dropped, the second is still there. */
	ck_assert_int_eq(parse(P "0000000000000001 smtp disconnected "
	    "reason=quit"), PARSE_SKIP);
	ck_assert_int_eq(parse(P "0000000000000002 smtp disconnected "
	    "reason=quit"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.2");
	ck_assert_uint_eq(opensmtpd_sessions(op), OPENSMTPD_SESSIONS_MAX - 1);
	/* Every session is still found after many removals. */
	for (i = 3; i <= OPENSMTPD_SESSIONS_MAX + 1; i += 2) {
		snprintf(line, sizeof line, P "%016" PRIx64 " smtp "
		    "disconnected reason=quit", i);
		ck_assert_int_eq(parse(line), PARSE_CLIENT);
	}
	for (i = 4; i <= OPENSMTPD_SESSIONS_MAX + 1; i += 2) {
		snprintf(line, sizeof line, P "%016" PRIx64 " smtp tls "
		    "ciphers=x", i);
		ck_assert_int_eq(parse(line), PARSE_CLIENT);
		snprintf(expect, sizeof expect, "192.0.2.%u",
		    (unsigned)((i - 1) % 250) + 1);
		ck_assert_str_eq(ip(), expect);
	}
	ck_assert_uint_eq(opensmtpd_sessions(op),
	    OPENSMTPD_SESSIONS_MAX / 2 - 1);
}
END_TEST

START_TEST(test_opensmtpd_reused_id)
{
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.18 "
	    "host=a.example"), PARSE_CLIENT);
	ck_assert_int_eq(parse(P ID " smtp connected address=192.0.2.19 "
	    "host=<unknown>"), PARSE_CLIENT);
	ck_assert_uint_eq(opensmtpd_sessions(op), 1);
	ck_assert_int_eq(parse(P ID " smtp tls ciphers=x"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.19");
	ck_assert_str_eq(RDNS(), "(null)");
}
END_TEST

START_TEST(test_opensmtpd_lines_without_client)
{
	static const char	*lines[] = {
		P "info: OpenSMTPD 7.4.0 starting",
		P ID " mta connecting address=smtp://192.0.2.20:25 "
		    "host=mx.example.org",
		P ID " smtp connected address=999.1.1.1 host=x",
		P "smtp-in: New session " ID " from host x [192.0.2.21",
		P ID "0 smtp connected address=192.0.2.22 host=x",
		P "smtp-in: nothing here",
	};
	size_t			 i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_msg(parse(lines[i]) == PARSE_SKIP,
		    "a client in \"%s\"", lines[i]);
}
END_TEST

START_TEST(test_opensmtpd_every_truncation)
{
	static const char *lines[] = {
		P ID " smtp connected address=[2001:db8::1] host=x.example",
		P ID " smtp failed-command command=\"HELO \\\"a\\\"\" "
		    "result=\"550 5.7.1 no\"",
		P "smtp-in: Failed command on session " ID ": \"EHLO x\" => "
		    "550 no",
		P "smtp-in: session " ID ": connection from host x [192.0.2.1] "
		    "established",
	};

	check_event_truncations(lines, sizeof lines / sizeof lines[0],
	    parse_len);
	ck_assert_int_eq(parse(lines[0]), PARSE_CLIENT);
	ck_assert_int_eq(parse(lines[1]), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "\\\"a\\\"");
}
END_TEST

Suite *
make_opensmtpd_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_old, *tc_limits;

	s = suite_create("opensmtpd");

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_opensmtpd_connected);
	tcase_add_test(tc_core, test_opensmtpd_connected_unknown);
	tcase_add_test(tc_core, test_opensmtpd_connected_ipv6);
	tcase_add_test(tc_core, test_opensmtpd_event_form);
	tcase_add_test(tc_core, test_opensmtpd_local);
	tcase_add_test(tc_core, test_opensmtpd_failed_helo);
	tcase_add_test(tc_core, test_opensmtpd_failed_rcpt);
	tcase_add_test(tc_core, test_opensmtpd_filter_reject);
	tcase_add_test(tc_core, test_opensmtpd_authentication);
	tcase_add_test(tc_core, test_opensmtpd_bad_input);
	tcase_add_test(tc_core, test_opensmtpd_unknown_session);
	tcase_add_test(tc_core, test_opensmtpd_reused_id);
	tcase_add_test(tc_core, test_opensmtpd_shape);
	suite_add_tcase(s, tc_core);

	tc_old = tcase_create("old");
	tcase_add_checked_fixture(tc_old, setup, teardown);
	tcase_add_test(tc_old, test_opensmtpd_old_new_session);
	tcase_add_test(tc_old, test_opensmtpd_old_local);
	tcase_add_test(tc_old, test_opensmtpd_old_established);
	suite_add_tcase(s, tc_old);

	tc_limits = tcase_create("limits");
	tcase_add_checked_fixture(tc_limits, setup, teardown);
	tcase_add_test(tc_limits, test_opensmtpd_session_bound);
	tcase_add_test(tc_limits, test_opensmtpd_lines_without_client);
	tcase_add_test(tc_limits, test_opensmtpd_every_truncation);
	suite_add_tcase(s, tc_limits);

	return s;
}
