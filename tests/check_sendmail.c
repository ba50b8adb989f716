/*
 * Tests for core/sendmail.c: Sendmail's client lines with the exact client
 * address, verified name, reason and time they must yield, including the
 * order in which one line's possible reasons win.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_event.h"
#include "check_suites.h"
#include "sendmail.h"
#include "syslog.h"

#define P		"Nov 30 10:00:00 mx1 sm-mta[2794]: "
#define Q		P "5AUA0OQ1002794: "
#define T0_UTC		1796032800
#define JAN_2027	1798761600

static struct sendmail_parser	*sp;
static struct syslog_year	 yr;
static char			*buf;
static struct event		 ev;

static void
setup(void)
{
	char	*cause = NULL;

	check_event_syslog_setup(&yr, JAN_2027);
	sp = sendmail_parser_create(&cause);
	ck_assert_msg(sp != NULL, "sendmail_parser_create: %s", cause);
}

static void
teardown(void)
{
	sendmail_parser_free(sp);
	free(buf);
	buf = NULL;
}

static enum parse_result
parse_len(const char *line, size_t len)
{
	struct syslog_msg	sm;

	if (check_event_syslog_line(&buf, line, len, &yr, &ev, &sm) == -1)
		return PARSE_UNKNOWN;
	return sendmail_parse(sp, buf, len, &sm, &ev);
}

static enum parse_result
parse(const char *line)
{
	return parse_len(line, strlen(line));
}


START_TEST(test_sendmail_forged_relay_denied)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=dyn.example.net [192.0.2.10] (may be forged), reject=550 "
	    "5.7.1 <a@example.org>... Relaying denied. IP name possibly "
	    "forged [192.0.2.10]"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.10");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
	ck_assert_str_eq(ARG(), "(null)");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_sendmail_forged_other_reject)
{
	/* The client field's reason beats a rejection about the sender. */
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=dyn.example.net [192.0.2.11] (may be forged), reject=553 "
	    "5.1.8 <a@example.org>... Domain of sender address x@y.example "
	    "does not exist"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.11");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
}
END_TEST

START_TEST(test_sendmail_relay_no_name)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=[192.0.2.12], reject=550 5.7.1 <a@example.org>... "
	    "Relaying denied. Proper authentication required."),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.12");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_sendmail_relay_verified_reject)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=mx.example.com [198.51.100.20], reject=550 5.7.1 "
	    "<a@example.org>... Relaying denied. Proper authentication "
	    "required."), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.20");
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Relaying denied. Proper authentication "
	    "required.");
}
END_TEST

START_TEST(test_sendmail_relay_verified_temporary)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=mx.example.com [198.51.100.21], reject=451 4.1.8 Domain of "
	    "sender address a@x.example does not resolve"), PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_sendmail_lookup_failed)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=[192.0.2.13], reject=550 5.7.1 <a@example.org>... Relaying "
	    "denied. IP name lookup failed [192.0.2.13]"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_sendmail_fix_reverse_dns)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=mx.example.com [192.0.2.14], reject=550 5.7.1 "
	    "<a@example.org>... Fix reverse DNS for 192.0.2.14"),
	    PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_sendmail_ptr_tempfail)
{
	ck_assert_int_eq(parse(Q "ruleset=check_rcpt, arg1=<a@example.org>, "
	    "relay=[192.0.2.15], reject=450 4.4.0 <a@example.org>... Relaying "
	    "temporarily denied. Cannot resolve PTR record for 192.0.2.15"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rdns_tempfail");
}
END_TEST

START_TEST(test_sendmail_last_relay_counts)
{
	ck_assert_int_eq(parse(Q "AUTH failure (LOGIN): authentication failure "
	    "(-13) SASL(-13): authentication failure: checkpass failed, "
	    "user=evil, relay=[203.0.113.66], relay=[192.0.2.16] (may be "
	    "forged)"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.16");
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_sendmail_auth_failure)
{
	ck_assert_int_eq(parse(Q "AUTH failure (PLAIN): authentication failure "
	    "(-13) SASL(-13): authentication failure: Password verification "
	    "failed, user=u, relay=mx.example.com [192.0.2.17]"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.17");
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_sendmail_did_not_issue)
{
	ck_assert_int_eq(parse(Q "scan.example.org [192.0.2.18] did not issue "
	    "MAIL/EXPN/VRFY/ETRN during connection to MTA-v4"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.18");
	ck_assert_str_eq(RDNS(), "scan.example.org");
	ck_assert_str_eq(REASON(), "no_mail");
	ck_assert_int_eq(parse(Q "scan.example.org [192.0.2.19] (may be forged) "
	    "did not issue MAIL/EXPN/VRFY/ETRN during connection to MSA"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.19");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "no_mail");
}
END_TEST

START_TEST(test_sendmail_ipv6_uncompressed)
{
	ck_assert_int_eq(parse(Q "v6.example.org [IPv6:2001:0DB8:0:0:0:0:0:1] "
	    "did not issue MAIL/EXPN/VRFY/ETRN during connection to IPv6"),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.addr.family, AF_INET6);
	ck_assert_str_eq(ip(), "2001:db8::1");
	ck_assert_str_eq(RDNS(), "v6.example.org");
	ck_assert_int_eq(parse(Q "from=<a@b.example>, size=1, class=0, "
	    "nrcpts=1, proto=ESMTP, daemon=MTA, relay=[IPV6:2001:DB8::2]"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::2");
	ck_assert_str_eq(REASON(), "no_rdns");
}
END_TEST

START_TEST(test_sendmail_ipv4_mapped)
{
	ck_assert_int_eq(parse(Q "from=<a@b.example>, size=1, class=0, "
	    "nrcpts=1, proto=ESMTP, daemon=MTA, relay=mx.example.com "
	    "[IPv6:::ffff:192.0.2.20]"), PARSE_CLIENT);
	ck_assert_int_eq(ev.addr.family, AF_INET);
	ck_assert_str_eq(ip(), "192.0.2.20");
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_sendmail_from_line)
{
	ck_assert_int_eq(parse(Q "from=<a@b.example>, size=1234, class=0, "
	    "nrcpts=1, msgid=<x@y>, bodytype=8BITMIME, proto=ESMTPS, "
	    "daemon=MTA, relay=mail.example.net [198.51.100.22]"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.22");
	ck_assert_str_eq(RDNS(), "mail.example.net");
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_sendmail_ident_user)
{
	ck_assert_int_eq(parse(Q "from=<a@b.example>, size=1, class=0, "
	    "nrcpts=1, proto=SMTP, daemon=MTA, relay=joe@host.example.net "
	    "[198.51.100.23]"), PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "host.example.net");
}
END_TEST

START_TEST(test_sendmail_pregreeting)
{
	ck_assert_int_eq(parse(Q "rejecting commands from  [192.0.2.24] due to "
	    "pre-greeting traffic after 0 seconds"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.24");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "protocol_error");
	ck_assert_int_eq(parse(Q "rejecting commands from bot.example "
	    "[192.0.2.25] due to pre-greeting traffic after 6 seconds"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.25");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "protocol_error");
}
END_TEST

START_TEST(test_sendmail_smtp_attack)
{
	ck_assert_int_eq(parse(Q "bot.example [192.0.2.26] (may be forged): "
	    "possible SMTP attack: command=AUTH, count=6"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.26");
	ck_assert_str_eq(REASON(), "protocol_error");
	ck_assert_int_eq(parse(Q "[192.0.2.27]: possible SMTP attack: "
	    "command=AUTH, count=5"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.27");
}
END_TEST

START_TEST(test_sendmail_expn_vrfy)
{
	ck_assert_int_eq(parse(Q "[192.0.2.28]: EXPN root [rejected]"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "EXPN");
	ck_assert_int_eq(parse(Q "mx.example.com [192.0.2.29]: vrfy info "
	    "[rejected]"), PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_str_eq(ARG(), "vrfy");
}
END_TEST

START_TEST(test_sendmail_rate_limit)
{
	ck_assert_int_eq(parse(P "ruleset=check_relay, arg1=[192.0.2.30], "
	    "arg2=192.0.2.30, relay=[192.0.2.30], reject=421 4.3.2 "
	    "Connection rate limit exceeded."), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.30");
	ck_assert_str_eq(REASON(), "rate_limited");
}
END_TEST

START_TEST(test_sendmail_session_lines)
{
	ck_assert_int_eq(parse(Q "lost input channel from mx.example.com "
	    "[192.0.2.31] to MTA-v4 after rcpt"), PARSE_CLIENT);
	ck_assert_str_eq(RDNS(), "mx.example.com");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_int_eq(parse(Q "timeout waiting for input from [192.0.2.32] "
	    "during server cmd read"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_int_eq(parse(Q "STARTTLS=server, relay=mx.example.com "
	    "[192.0.2.33], version=TLSv1.3, verify=NO, cipher=x, bits=256/256"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.33");
}
END_TEST

START_TEST(test_sendmail_lines_without_client)
{
	static const char	*lines[] = {
		Q "to=<a@b.example>, delay=00:00:01, xdelay=00:00:01, "
		    "mailer=esmtp, pri=120, relay=mx.example.org. "
		    "[192.0.2.40], dsn=2.0.0, stat=Sent (ok)",
		Q "<nobody@example.org>... User unknown",
		Q "from=<root@localhost>, size=1, class=0, nrcpts=1, "
		    "relay=root@localhost",
		Q "STARTTLS=client, relay=mx.example.org., version=TLSv1.3",
		Q "[192.0.2.41]: something we do not know",
		Q "ruleset=check_rcpt, arg1=<a>, relay=[999.1.2.3], reject=550 x",
		P "starting daemon (8.17.1): SMTP+queueing@00:10:00",
	};
	size_t			 i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_msg(parse(lines[i]) == PARSE_SKIP,
		    "a client in \"%s\"", lines[i]);
}
END_TEST

START_TEST(test_sendmail_tags)
{
	ck_assert_int_eq(sendmail_tag("sendmail", 8), 1);
	ck_assert_int_eq(sendmail_tag("sm-mta", 6), 1);
	ck_assert_int_eq(sendmail_tag("sm-acceptingconnections", 23), 1);
	ck_assert_int_eq(sendmail_tag("sm-msp-queue", 12), 1);
	ck_assert_int_eq(sendmail_tag("sm-mtax", 7), 0);
	ck_assert_int_eq(sendmail_tag("postfix/smtpd", 13), 0);
}
END_TEST

START_TEST(test_sendmail_every_truncation)
{
	static const char *lines[] = {
		Q "ruleset=check_rcpt, arg1=<a@b>, relay=x.example "
		    "[IPv6:2001:db8::1] (may be forged), reject=550 5.7.1 "
		    "<a@b>... Relaying denied. IP name possibly forged",
		Q "x.example [192.0.2.1] (may be forged): possible SMTP "
		    "attack: command=AUTH, count=5",
		Q "[192.0.2.2]: EXPN root [rejected]",
	};

	check_event_truncations(lines, sizeof lines / sizeof lines[0],
	    parse_len);
	ck_assert_int_eq(parse(lines[0]), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
}
END_TEST

START_TEST(test_sendmail_random_bytes)
{
	static const char	alphabet[] = "[]:,=<>(). 0123456789abcdef"
				   "\033\t\x80\xff" "relay= (may be forged) ";

	check_event_random_bytes(Q, alphabet, 777, 20000, parse_len, &ev);
}
END_TEST

Suite *
make_sendmail_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_limits;

	s = suite_create("sendmail");

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_sendmail_forged_relay_denied);
	tcase_add_test(tc_core, test_sendmail_forged_other_reject);
	tcase_add_test(tc_core, test_sendmail_relay_no_name);
	tcase_add_test(tc_core, test_sendmail_relay_verified_reject);
	tcase_add_test(tc_core, test_sendmail_relay_verified_temporary);
	tcase_add_test(tc_core, test_sendmail_lookup_failed);
	tcase_add_test(tc_core, test_sendmail_fix_reverse_dns);
	tcase_add_test(tc_core, test_sendmail_ptr_tempfail);
	tcase_add_test(tc_core, test_sendmail_last_relay_counts);
	tcase_add_test(tc_core, test_sendmail_auth_failure);
	tcase_add_test(tc_core, test_sendmail_did_not_issue);
	tcase_add_test(tc_core, test_sendmail_ipv6_uncompressed);
	tcase_add_test(tc_core, test_sendmail_ipv4_mapped);
	tcase_add_test(tc_core, test_sendmail_from_line);
	tcase_add_test(tc_core, test_sendmail_ident_user);
	tcase_add_test(tc_core, test_sendmail_pregreeting);
	tcase_add_test(tc_core, test_sendmail_smtp_attack);
	tcase_add_test(tc_core, test_sendmail_expn_vrfy);
	tcase_add_test(tc_core, test_sendmail_rate_limit);
	tcase_add_test(tc_core, test_sendmail_session_lines);
	tcase_add_test(tc_core, test_sendmail_tags);
	suite_add_tcase(s, tc_core);

	tc_limits = tcase_create("limits");
	tcase_add_checked_fixture(tc_limits, setup, teardown);
	tcase_add_test(tc_limits, test_sendmail_lines_without_client);
	tcase_add_test(tc_limits, test_sendmail_every_truncation);
	tcase_add_test(tc_limits, test_sendmail_random_bytes);
	suite_add_tcase(s, tc_limits);

	return s;
}
