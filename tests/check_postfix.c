/*
 * Tests for core/postfix.c: every Postfix smtpd, postscreen, tlsproxy and
 * dnsblog line family, with the exact client address, HELO, verified
 * name, reason and time it must yield.  Each line is copied into a buffer
 * of exactly its length, without a NUL, so a read past the end shows up
 * under AddressSanitizer.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "check_event.h"
#include "check_rounds.h"
#include "check_suites.h"
#include "check_util.h"
#include "field.h"
#include "parser.h"
#include "postfix.h"
#include "syslog.h"

/* A syslog prefix for 2026-11-30 10:00:00 UTC, read in January 2027. */
#define P		"Nov 30 10:00:00 mx1 postfix/smtpd[4711]: "
#define PS		"Nov 30 10:00:00 mx1 postfix/postscreen[99]: "
#define T0_UTC		1796032800
#define JAN_2027	1798761600

static struct postfix_parser	*pp;
static struct syslog_year	 yr;
static char			*buf;
static struct event		 ev;

static void
setup(void)
{
	char	*cause = NULL;

	check_event_syslog_setup(&yr, JAN_2027);
	pp = postfix_parser_create(&cause);
	ck_assert_msg(pp != NULL, "postfix_parser_create: %s", cause);
}

static void
teardown(void)
{
	postfix_parser_free(pp);
	free(buf);
	buf = NULL;
}

static enum parse_result
parse_len(const char *line, size_t len)
{
	struct syslog_msg	sm;

	if (check_event_syslog_line(&buf, line, len, &yr, &ev, &sm) == -1)
		return PARSE_UNKNOWN;
	return postfix_parse(pp, buf, len, &sm, &ev);
}

static enum parse_result
parse(const char *line)
{
	return parse_len(line, strlen(line));
}


/* Client lines of smtpd. */

START_TEST(test_postfix_connect_verified)
{
	ck_assert_int_eq(parse(P "connect from mail.example.net"
	    "[198.51.100.7]"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.7");
	ck_assert_str_eq(RDNS(), "mail.example.net");
	ck_assert_str_eq(HELO(), "(null)");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_postfix_connect_unknown)
{
	ck_assert_int_eq(parse(P "connect from unknown[192.0.2.10]"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.10");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_postfix_connect_ipv6_port)
{
	ck_assert_int_eq(parse(P "connect from unknown[2001:db8::25]:41234"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::25");
	ck_assert_int_eq(ev.addr.family, AF_INET6);
	ck_assert_str_eq(RDNS(), "(null)");
}
END_TEST

START_TEST(test_postfix_connect_mapped)
{
	ck_assert_int_eq(parse(P "connect from x.example[::ffff:192.0.2.11]"),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.addr.family, AF_INET);
	ck_assert_str_eq(ip(), "192.0.2.11");
}
END_TEST

START_TEST(test_postfix_unknown_unknown)
{
	ck_assert_int_eq(parse(P "connect from unknown[unknown]"),
	    PARSE_SKIP);
	ck_assert_int_eq(parse(P "disconnect from unknown[unknown] "
	    "commands=0/0"), PARSE_SKIP);
}
END_TEST

START_TEST(test_postfix_hostname_mismatch)
{
	ck_assert_int_eq(parse(P "warning: hostname mx.example.com does not "
	    "resolve to address 192.0.2.44"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.44");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
	ck_assert_str_eq(ARG(), "(null)");
}
END_TEST

START_TEST(test_postfix_hostname_unresolved)
{
	ck_assert_int_eq(parse(P "warning: hostname bad.example.com does not "
	    "resolve to address 192.0.2.45: Name or service not known"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.45");
	ck_assert_str_eq(REASON(), "ptr_name_unresolved");
	ck_assert_int_eq(parse(P "warning: hostname bad.example.com does not "
	    "resolve to address 192.0.2.46: No address associated with "
	    "hostname"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "ptr_name_unresolved");
}
END_TEST

START_TEST(test_postfix_hostname_tempfail)
{
	ck_assert_int_eq(parse(P "warning: hostname slow.example.com does not "
	    "resolve to address 192.0.2.47: Temporary failure in name "
	    "resolution"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.47");
	ck_assert_str_eq(REASON(), "rdns_tempfail");
}
END_TEST

START_TEST(test_postfix_hostname_ipv6)
{
	ck_assert_int_eq(parse(P "warning: hostname v6.example.com does not "
	    "resolve to address 2001:db8::: Name or service not known"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::");
	ck_assert_str_eq(REASON(), "ptr_name_unresolved");
}
END_TEST

START_TEST(test_postfix_old_verification_failed)
{
	ck_assert_int_eq(parse(P "warning: 192.0.2.48: hostname "
	    "dyn.example.com verification failed: Host not found"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.48");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(REASON(), "ptr_name_unresolved");
	ck_assert_int_eq(parse(P "warning: smtpd_peer_init: 192.0.2.49: "
	    "hostname dyn.example.com verification failed: Name or service "
	    "not known"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.49");
	ck_assert_str_eq(REASON(), "ptr_name_unresolved");
}
END_TEST

START_TEST(test_postfix_old_verification_tempfail)
{
	ck_assert_int_eq(parse(P "warning: 2001:db8::50: hostname "
	    "dyn.example.com verification failed: Host not found, try again"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::50");
	ck_assert_str_eq(REASON(), "rdns_tempfail");
}
END_TEST

START_TEST(test_postfix_old_address_not_listed)
{
	ck_assert_int_eq(parse(P "warning: 192.0.2.51: address not listed "
	    "for hostname mx.example.org"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.51");
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
}
END_TEST

/* Rejections. */

START_TEST(test_postfix_reject_reverse_hostname)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.60]: 450 4.7.1 Client host rejected: cannot find your "
	    "reverse hostname, [192.0.2.60]; from=<a@b.example> "
	    "to=<c@d.example> proto=ESMTP helo=<dsl-60.example>"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.60");
	ck_assert_str_eq(RDNS(), "(null)");
	ck_assert_str_eq(HELO(), "dsl-60.example");
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_str_eq(ARG(), "(null)");
}
END_TEST

START_TEST(test_postfix_reject_hostname_codes)
{
	static const char	*codes[] = {
		"450 4.7.1", "450 4.7.25", "550 5.7.25", "550 5.7.1"
	};
	char			 line[512];
	size_t			 i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		snprintf(line, sizeof line, P "NOQUEUE: reject: RCPT from "
		    "unknown[192.0.2.61]: %s Client host rejected: cannot find "
		    "your hostname, [192.0.2.61]; from=<> to=<a@b.example> "
		    "proto=ESMTP helo=<x.example>", codes[i]);
		ck_assert_int_eq(parse(line), PARSE_CLIENT);
		ck_assert_str_eq(ip(), "192.0.2.61");
		ck_assert_str_eq(REASON(), "no_rdns");
		ck_assert_str_eq(HELO(), "x.example");
	}
}
END_TEST

START_TEST(test_postfix_reject_helo_not_found)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.62]: 450 4.7.1 <nowhere.example>: Helo command "
	    "rejected: Host not found; from=<a@b.example> to=<c@d.example> "
	    "proto=SMTP helo=<nowhere.example>"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_unknown");
	ck_assert_str_eq(HELO(), "nowhere.example");
}
END_TEST

START_TEST(test_postfix_reject_helo_non_fqdn)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: EHLO from "
	    "pc.example.net[192.0.2.63]: 504 5.5.2 <WIN-7QX2>: Helo command "
	    "rejected: need fully-qualified hostname; proto=SMTP "
	    "helo=<WIN-7QX2>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.63");
	ck_assert_str_eq(RDNS(), "pc.example.net");
	ck_assert_str_eq(REASON(), "helo_non_fqdn");
	ck_assert_str_eq(HELO(), "WIN-7QX2");
}
END_TEST

START_TEST(test_postfix_reject_helo_invalid)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: HELO from unknown"
	    "[192.0.2.64]: 501 5.5.2 <a_b!>: Helo command rejected: Invalid "
	    "name; proto=SMTP helo=<a_b!>"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_invalid");
	ck_assert_str_eq(HELO(), "a_b!");
	ck_assert_int_eq(parse(P "NOQUEUE: reject: HELO from unknown"
	    "[192.0.2.64]: 501 5.5.2 <[::]>: Helo command rejected: invalid "
	    "ip address; proto=SMTP helo=<[::]>"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_invalid");
	ck_assert_str_eq(HELO(), "[::]");
}
END_TEST

START_TEST(test_postfix_reject_dnsbl)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.65]: 554 5.7.1 Service unavailable; Client host "
	    "[192.0.2.65] blocked using zen.example.org; "
	    "https://zen.example.org/query/ip/192.0.2.65; from=<a@b.example> "
	    "to=<c@d.example> proto=ESMTP helo=<spam.example>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.65");
	ck_assert_str_eq(REASON(), "dnsbl");
	ck_assert_str_eq(ARG(), "(null)");
	ck_assert_str_eq(HELO(), "spam.example");
}
END_TEST

START_TEST(test_postfix_reject_other)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from relay.example.com"
	    "[198.51.100.30]: 554 5.7.1 <victim@elsewhere.example>: Relay "
	    "access denied; from=<a@b.example> to=<victim@elsewhere.example> "
	    "proto=ESMTP helo=<relay.example.com>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.30");
	ck_assert_str_eq(RDNS(), "relay.example.com");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Relay access denied");
}
END_TEST

START_TEST(test_postfix_reject_other_two_parts)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.66]: 550 5.1.1 <nobody@example.org>: Recipient address "
	    "rejected: User unknown in local recipient table; from=<> "
	    "to=<nobody@example.org> proto=ESMTP helo=<x.example>"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Recipient address rejected: User unknown in "
	    "local recipient table");
}
END_TEST

START_TEST(test_postfix_reject_temporary_other)
{
	/* Greylisting is a temporary rejection: no reason. */
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from mx.example.com"
	    "[198.51.100.31]: 450 4.2.0 <a@example.org>: Recipient address "
	    "rejected: Greylisted; from=<b@example.com> to=<a@example.org> "
	    "proto=ESMTP helo=<mx.example.com>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "198.51.100.31");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_str_eq(HELO(), "mx.example.com");
}
END_TEST

START_TEST(test_postfix_reject_stages)
{
	static const char	*stages[] = {
		"CONNECT", "HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT",
		"END-OF-MESSAGE", "VRFY", "ETRN"
	};
	char			 line[512];
	size_t			 i;

	for (i = 0; i < sizeof stages / sizeof stages[0]; i++) {
		snprintf(line, sizeof line, P "5D2B61A0F3: reject: %s from "
		    "unknown[192.0.2.67]: 554 5.7.1 Access denied; proto=ESMTP "
		    "helo=<h.example>", stages[i]);
		ck_assert_int_eq(parse(line), PARSE_CLIENT);
		ck_assert_str_eq(ip(), "192.0.2.67");
		ck_assert_str_eq(REASON(), "rejected");
		ck_assert_str_eq(ARG(), "Access denied");
		ck_assert_str_eq(HELO(), "h.example");
	}
}
END_TEST

START_TEST(test_postfix_reject_connect_no_helo)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: CONNECT from unknown"
	    "[192.0.2.68]: 450 4.7.25 Client host rejected: cannot find your "
	    "hostname, [192.0.2.68]; proto=SMTP"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_str_eq(HELO(), "(null)");
}
END_TEST

START_TEST(test_postfix_reject_long_queue_id)
{
	ck_assert_int_eq(parse(P "4KmP7Q3xTzz9tbd: reject: END-OF-MESSAGE "
	    "from unknown[192.0.2.69]: 554 5.7.1 Spam message rejected; "
	    "from=<a@b.example> to=<c@d.example> proto=ESMTP "
	    "helo=<x.example>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.69");
	ck_assert_str_eq(ARG(), "Spam message rejected");
}
END_TEST

START_TEST(test_postfix_reject_warning_and_milter)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject_warning: RCPT from unknown"
	    "[192.0.2.70]: 450 4.7.1 <pc7>: Helo command rejected: Host not "
	    "found; from=<> to=<a@b.example> proto=ESMTP helo=<pc7>"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_unknown");
	ck_assert_int_eq(parse(P "3F0A21C: milter-reject: END-OF-MESSAGE from "
	    "unknown[192.0.2.71]: 5.7.1 Message content rejected; "
	    "from=<a@b.example> to=<c@d.example> proto=ESMTP "
	    "helo=<x.example>"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Message content rejected");
}
END_TEST

START_TEST(test_postfix_multi_word_helo)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.72]: 554 5.7.1 <a@b.example>: Relay access denied; "
	    "from=<x@y.example> to=<a@b.example> proto=SMTP "
	    "helo=<my home pc>"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "my home pc");
}
END_TEST

START_TEST(test_postfix_helo_address_literals)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.73]: 554 5.7.1 Denied; from=<> to=<a@b.example> "
	    "proto=SMTP helo=<[192.0.2.73]>"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "[192.0.2.73]");
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.73]: 554 5.7.1 Denied; from=<> to=<a@b.example> "
	    "proto=SMTP helo=<192.0.2.73>"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "192.0.2.73");
}
END_TEST

START_TEST(test_postfix_helo_injection_in_sender)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.74]: 554 5.7.1 Denied; from=<\"x helo=<fake>\"@b.example> "
	    "to=<a@b.example> proto=ESMTP helo=<real.example>"), PARSE_CLIENT);
	ck_assert_str_eq(HELO(), "real.example");
}
END_TEST

START_TEST(test_postfix_reject_empty_helo)
{
	ck_assert_int_eq(parse(P "NOQUEUE: reject: RCPT from unknown"
	    "[192.0.2.75]: 450 4.7.1 : Helo command rejected: Host not found; "
	    "from=<> to=<> proto=ESMTP helo="), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_unknown");
	ck_assert_str_eq(HELO(), "(null)");
}
END_TEST

START_TEST(test_postfix_other_actions)
{
	ck_assert_int_eq(parse(P "NOQUEUE: discard: RCPT from unknown"
	    "[192.0.2.76]: <a@b.example>: Sender address discarded; "
	    "from=<a@b.example> to=<c@d.example> proto=ESMTP "
	    "helo=<x.example>"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.76");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_str_eq(HELO(), "x.example");
}
END_TEST

/* Other smtpd lines. */

START_TEST(test_postfix_sasl_failed)
{
	ck_assert_int_eq(parse(P "warning: unknown[192.0.2.80]: SASL LOGIN "
	    "authentication failed: UGFzc3dvcmQ6"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.80");
	ck_assert_str_eq(REASON(), "auth_failed");
	ck_assert_int_eq(parse(P "warning: host.example[192.0.2.81]:55729: "
	    "SASL PLAIN authentication failed: (reason unavailable), "
	    "sasl_username=admin"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.81");
	ck_assert_str_eq(RDNS(), "host.example");
	ck_assert_str_eq(REASON(), "auth_failed");
}
END_TEST

START_TEST(test_postfix_sasl_server_lost)
{
	ck_assert_int_eq(parse(P "warning: unknown[192.0.2.82]: SASL LOGIN "
	    "authentication failed: Connection lost to authentication server"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_postfix_session_lines)
{
	static const char	*lines[] = {
		P "disconnect from unknown[192.0.2.83] ehlo=1 auth=0/1 "
		    "quit=1 commands=2/3",
		P "lost connection after STARTTLS from unknown[192.0.2.83]",
		P "lost connection after DATA (1234 bytes) from "
		    "unknown[192.0.2.83]",
		P "timeout after END-OF-MESSAGE from unknown[192.0.2.83]",
		P "NOQUEUE: lost connection after CONNECT from "
		    "unknown[192.0.2.83]",
		P "4104E3D: client=unknown[192.0.2.83]",
		P "4104E3D: client=unknown[192.0.2.83]:25, sasl_method=PLAIN, "
		    "sasl_username=u",
		P "Anonymous TLS connection established from "
		    "unknown[192.0.2.83]: TLSv1.3 with cipher x",
		P "SSL_accept error from unknown[192.0.2.83]: -1",
	};
	size_t			 i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		ck_assert_int_eq(parse(lines[i]), PARSE_CLIENT);
		ck_assert_str_eq(ip(), "192.0.2.83");
		ck_assert_str_eq(REASON(), "(null)");
	}
}
END_TEST

START_TEST(test_postfix_protocol_errors)
{
	static const char	*lines[] = {
		P "too many errors after RCPT from unknown[192.0.2.84]",
		P "too many errors after DATA (0 bytes) from "
		    "unknown[192.0.2.84]",
		P "improper command pipelining after EHLO from "
		    "unknown[192.0.2.84]: MAIL FROM:<a@b>\\r\\n",
		P "warning: non-SMTP command from unknown[192.0.2.84]: GET / "
		    "HTTP/1.1",
		P "bare <LF> received after DATA from unknown[192.0.2.84]",
		P "warning: Illegal address syntax from unknown[192.0.2.84] in "
		    "MAIL command: <a b>",
		P "warning: unknown[192.0.2.84] sent message header instead "
		    "of SMTP command: From: x",
	};
	size_t			 i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		ck_assert_int_eq(parse(lines[i]), PARSE_CLIENT);
		ck_assert_str_eq(ip(), "192.0.2.84");
		ck_assert_str_eq(REASON(), "protocol_error");
	}
}
END_TEST

START_TEST(test_postfix_rate_limits)
{
	ck_assert_int_eq(parse(P "warning: Connection rate limit exceeded: 31 "
	    "from spam.example.org[192.0.2.85] for service smtp"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.85");
	ck_assert_str_eq(RDNS(), "spam.example.org");
	ck_assert_str_eq(REASON(), "rate_limited");
	ck_assert_int_eq(parse(P "warning: Message delivery request rate limit "
	    "exceeded: 11 from unknown[192.0.2.86] for service submission"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rate_limited");
}
END_TEST

/* postscreen, tlsproxy, dnsblog. */

START_TEST(test_postfix_postscreen_verdicts)
{
	static const struct {
		const char	*line;
		const char	*reason;
	} cases[] = {
		{ PS "PREGREET 14 after 0.08 from [192.0.2.90]:59415: EHLO "
		    "x\\r\\n", "postscreen_pregreet" },
		{ PS "DNSBL rank 3 for [192.0.2.90]:1038",
		    "postscreen_dnsbl" },
		{ PS "HANGUP after 16 from [192.0.2.90]:48119 in tests after "
		    "SMTP handshake", "postscreen_hangup" },
		{ PS "COMMAND PIPELINING from [192.0.2.90]:42606 after .: \\n",
		    "postscreen_pipelining" },
		{ PS "NON-SMTP COMMAND from [192.0.2.90]:45284 after CONNECT: "
		    "GET / HTTP/1.1", "postscreen_non_smtp" },
		{ PS "BARE NEWLINE from [192.0.2.90]:42606 after .",
		    "postscreen_bare_newline" },
		{ PS "COMMAND TIME LIMIT from [192.0.2.90]:51799 after CONNECT",
		    "postscreen_command_limit" },
		{ PS "COMMAND COUNT LIMIT from [192.0.2.90]:51799 after RCPT",
		    "postscreen_command_limit" },
		{ PS "BLACKLISTED [192.0.2.90]:53024",
		    "postscreen_denylisted" },
		{ PS "DENYLISTED [192.0.2.90]:53024", "postscreen_denylisted" },
		{ PS "WHITELISTED [192.0.2.90]:53024", "(null)" },
		{ PS "ALLOWLISTED [192.0.2.90]:53024", "(null)" },
		{ PS "WHITELIST VETO [192.0.2.90]:53024", "(null)" },
		{ PS "ALLOWLIST VETO [192.0.2.90]:53024", "(null)" },
		{ PS "PASS NEW [192.0.2.90]:36051", "(null)" },
		{ PS "PASS OLD [192.0.2.90]:36051", "(null)" },
		{ PS "CONNECT from [192.0.2.90]:53024 to [203.0.113.1]:25",
		    "(null)" },
		{ PS "DISCONNECT [192.0.2.90]:43421", "(null)" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(parse(cases[i].line), PARSE_CLIENT);
		ck_assert_str_eq(ip(), "192.0.2.90");
		ck_assert_str_eq(RDNS(), "(null)");
		ck_assert_str_eq(REASON(), cases[i].reason);
	}
}
END_TEST

START_TEST(test_postfix_postscreen_ipv6)
{
	ck_assert_int_eq(parse(PS "PASS NEW [2001:db8:4003:c01::23a]:36051"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8:4003:c01::23a");
}
END_TEST

START_TEST(test_postfix_postscreen_reject)
{
	ck_assert_int_eq(parse(PS "NOQUEUE: reject: RCPT from "
	    "[192.0.2.91]:60591: 550 5.7.1 Service unavailable; client "
	    "[192.0.2.91] blocked using zen.example.org; from=<a@b.example>, "
	    "to=<c@d.example>, proto=ESMTP, helo=<bad guy.example>"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.91");
	ck_assert_str_eq(REASON(), "dnsbl");
	ck_assert_str_eq(HELO(), "bad guy.example");
	ck_assert_int_eq(parse(PS "NOQUEUE: reject: RCPT from "
	    "[192.0.2.92]:2413: 550 5.5.1 Protocol error; from=<a@b.example>, "
	    "to=<c@d.example>, proto=SMTP, helo=<mx32.example>"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "Protocol error");
	ck_assert_str_eq(HELO(), "mx32.example");
}
END_TEST

START_TEST(test_postfix_postscreen_busy)
{
	ck_assert_int_eq(parse(PS "NOQUEUE: reject: CONNECT from "
	    "[192.0.2.93]:1337: too many connections"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "too many connections");
	ck_assert_int_eq(parse(PS "NOQUEUE: reject: CONNECT from "
	    "[192.0.2.93]:1337: all server ports busy"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_postfix_tlsproxy_dnsblog)
{
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx1 postfix/tlsproxy[5]: "
	    "CONNECT from [192.0.2.94]:51637"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.94");
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx1 postfix/dnsblog[6]: addr "
	    "192.0.2.95 listed by domain zen.example.org as 127.0.0.2"),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.95");
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_postfix_service_names)
{
	ck_assert_int_eq(postfix_service("postfix/smtpd", 13, 0),
	    POSTFIX_CLIENTS);
	ck_assert_int_eq(postfix_service("postfix-out/smtpd", 17, 0),
	    POSTFIX_CLIENTS);
	ck_assert_int_eq(postfix_service("postfix/submission/smtpd", 24, 0),
	    POSTFIX_CLIENTS);
	ck_assert_int_eq(postfix_service("mta-in/postscreen", 17, 0),
	    POSTFIX_CLIENTS);
	ck_assert_int_eq(postfix_service("postfix/smtp", 12, 0),
	    POSTFIX_OTHER);
	ck_assert_int_eq(postfix_service("postfix/qmgr", 12, 0),
	    POSTFIX_OTHER);
	ck_assert_int_eq(postfix_service("smtpd", 5, 0), POSTFIX_NOT);
	ck_assert_int_eq(postfix_service("smtpd", 5, 1), POSTFIX_CLIENTS);
	ck_assert_int_eq(postfix_service("dovecot", 7, 1), POSTFIX_NOT);
}
END_TEST

/* Lines that name no client. */

START_TEST(test_postfix_lines_without_client)
{
	static const char	*lines[] = {
		P "warning: dnsblog_query: lookup error for DNS query x",
		P "discarding EHLO keywords: CHUNKING",
		P "NOQUEUE: proxy-reject: END-OF-MESSAGE: 554 5.7.0 Reject; "
		    "from=<a@b.example> to=<c@d.example> proto=ESMTP "
		    "helo=<[192.0.2.1]>",
		P "connect to mx.example.org[192.0.2.2]:25: Connection refused",
		P "warning: hostname x does not resolve to address not-an-ip",
		P "warning: 192.0.2.3: something else entirely",
		PS "cache btree:/var/lib/postfix/psc_cache full cleanup: "
		    "retained=242 dropped=7 entries",
		P "statistics: max connection count 1 for (smtpd:192.0.2.4) "
		    "at Nov 30 10:00:00",
		P "connect from x.example[999.0.2.5]",
	};
	size_t			 i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_msg(parse(lines[i]) == PARSE_SKIP,
		    "a client in \"%s\"", lines[i]);
}
END_TEST

START_TEST(test_postfix_overlong_names)
{
	char	line[2048];
	char	name[300];

	memset(name, 'h', 299);
	name[299] = '\0';
	snprintf(line, sizeof line, P "NOQUEUE: reject: RCPT from "
	    "unknown[192.0.2.96]: 554 5.7.1 <%s>: Helo command rejected: "
	    "go away; from=<> to=<a@b.example> proto=SMTP helo=<%s>", name,
	    name);
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_uint_eq(ev.helo_len, EVENT_NAME_MAX);
	ck_assert_str_eq(ARG(), "Helo command rejected: go away");
	memset(name, 'r', 255);
	name[255] = '\0';
	snprintf(line, sizeof line, P "connect from %s[192.0.2.97]", name);
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_uint_eq(ev.rdns_len, 255);
	name[255] = 'r';
	name[256] = '\0';
	snprintf(line, sizeof line, P "connect from %s[192.0.2.97]", name);
	ck_assert_int_eq(parse(line), PARSE_SKIP);
}
END_TEST

START_TEST(test_postfix_every_truncation)
{
	static const char *lines[] = {
		P "NOQUEUE: reject: RCPT from x.example[2001:db8::1]:25: 450 "
		    "4.7.1 <a>: Helo command rejected: Host not found; "
		    "from=<a> to=<b> proto=ESMTP helo=<a b>",
		P "warning: smtpd_peer_init: 192.0.2.1: hostname x "
		    "verification failed: Host not found, try again",
		P "warning: hostname x does not resolve to address 192.0.2.2: "
		    "Temporary failure in name resolution",
		PS "PREGREET 14 after 0.08 from [192.0.2.3]:59415: EHLO x",
	};

	check_event_truncations(lines, sizeof lines / sizeof lines[0],
	    parse_len);
	ck_assert_int_eq(parse(lines[0]), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_unknown");
	ck_assert_str_eq(HELO(), "a b");
}
END_TEST

/*
 * Parse line with the hand-written readers and with PCRE2 alone, and
 * check that both give the same result and event.
 */
static void
check_fast_same(const char *line, size_t len)
{
	struct syslog_year	copy = yr;
	struct syslog_msg	sm;
	struct event		fast, pcre;
	enum parse_result	rfast, rpcre;

	postfix_parser_fast(pp, 1);
	rfast = parse_len(line, len);
	fast = ev;
	if (syslog_parse(buf, len, &copy, 0, &sm) == -1) {
		ck_assert_int_eq(rfast, PARSE_UNKNOWN);
		return;
	}
	postfix_parser_fast(pp, 0);
	rpcre = postfix_parse(pp, buf, len, &sm, &pcre);
	postfix_parser_fast(pp, 1);
	ck_assert_msg(rfast == rpcre, "result %d, PCRE2 %d: %.*s", rfast,
	    rpcre, (int)len, line);
	if (rpcre == PARSE_CLIENT)
		check_event_same(&fast, &pcre);
}

/*
 * Compare both ways on the line of P and message[0, len), and on that
 * line cut after cut bytes of message.
 */
static void
check_fast_message_cut(const char *message, size_t len, size_t cut)
{
	char	line[512];
	size_t	prefix = strlen(P);

	ck_assert_uint_lt(prefix + len, sizeof line);
	memcpy(line, P, prefix + 1);
	memcpy(line + prefix, message, len);
	check_fast_same(line, prefix + len);
	if (cut < len)
		check_fast_same(line, prefix + cut);
}

/* Compare both ways on P and each message, cut at every length. */
static void
check_fast_messages(const char **messages, size_t count)
{
	char	line[512];
	size_t	i, n, prefix = strlen(P);

	for (i = 0; i < count; i++) {
		n = (size_t)snprintf(line, sizeof line, P "%s", messages[i]);
		ck_assert_uint_lt(n, sizeof line);
		for (; n >= prefix; n--)
			check_fast_same(line, n);
	}
}

START_TEST(test_postfix_fast_shapes)
{
	static const char *messages[] = {
		"connect from host.example[192.0.2.1]",
		"connect from unknown[192.0.2.1]:25",
		"connect from unknown[",
		"connect from unknown",
		"connect from unknownx[192.0.2.1]",
		"connect from unknown [192.0.2.1]",
		"connect from unknown][192.0.2.1]",
		"connect from unknown[]",
		"connect from [192.0.2.1]:25, x",
		"connect from a b[192.0.2.1]",
		"connect from a[192.0.2.1]x",
		"connect from a[192.0.2.1]:25x",
		"connect from a[192.0.2.1]:12345678901234567 x",
		"connect from a[192.0.2.1]:1234567890123456 x",
		"connect from a[192.0.2.1]:",
		"connect from a[192.0.2.1];",
		"connect from a[192.0.2.1",
		"connect from a[]",
		"connect from a[[192.0.2.1]",
		"connect from a]b[192.0.2.1]",
		"connect from a[2001:db8::1]",
		"connect from a[IPv6:2001:db8::1]",
		"connect from a[01.2.3.4]",
		"connect from ",
		"disconnect from a[192.0.2.1] ehlo=1 quit=1 commands=2",
		"disconnectfrom a[192.0.2.1]",
		"1E1BDCE982: client=unknown[192.0.2.1]",
		"1E1BD: client=unknown[192.0.2.1]",
		"1E1B: client=unknown[192.0.2.1]",
		"1E1BDCE9821E1BDCE: client=unknown[192.0.2.1]",
		"1E1BDCE9821E1BD: client=unknown[192.0.2.1]",
		"1E1BDCE982:client=unknown[192.0.2.1]",
		"4XyZbcDfGhJk: client=unknown[192.0.2.1]",
		"1E1BDCE982: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 "
		    "<a@b>: Relay access denied; from=<a@b> to=<c@d> "
		    "proto=ESMTP helo=<x>",
		"NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 450 4.7.25 "
		    "Client host rejected: cannot find your hostname, "
		    "[192.0.2.1]; from=<a@b> to=<c@d> proto=ESMTP helo=<h>",
		"NOQUEUE: reject: END-OF-MESSAGE from a[192.0.2.1]: 5",
		"NOQUEUE: reject: ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF from "
		    "a[192.0.2.1]: 5",
		"NOQUEUE: reject: ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG from "
		    "a[192.0.2.1]: 5",
		"NOQUEUE: reject: rcpt from a[192.0.2.1]: 5",
		"NOQUEUE: reject_warning: RCPT from a[192.0.2.1]: 5",
		"NOQUEUE: client=a[192.0.2.1]",
		"NOQUEUEX: client=a[192.0.2.1]",
		"NOQUEUE: milter-reject: DATA from a[192.0.2.1]: 5",
		"NOQUEUE: reject: CONNECT from a[192.0.2.1]: 554",
	};

	check_fast_messages(messages, sizeof messages / sizeof messages[0]);
}
END_TEST

/*
 * Queue ids of 0 to 17 bytes of upper-case hex, each with every byte
 * around the hex ranges in its place in turn, before ": client=".
 */
START_TEST(test_postfix_fast_queue_ids)
{
	static const char	hex[] = "0123456789ABCDEF0A";
	static const char	edges[] = { '/', ':', '@', 'G', '`', 'a', 'f',
				    ' ', '\0', '\x7f', '\x80', '\xb0', '\xc1',
				    '\xff', '0', 'F' };
	char			id[32], message[80];
	size_t			n, k, e;

	for (n = 0; n <= 17; n++) {
		memcpy(id, hex, n);
		for (k = 0; k < n; k++)
			for (e = 0; e < sizeof edges; e++) {
				memcpy(id, hex, n);
				id[k] = edges[e];
				memcpy(message, id, n);
				memcpy(message + n, ": client=unknown[192.0.2.1]",
				    28);
				check_fast_message_cut(message, n + 27, n + 2);
			}
		memcpy(message, id, n);
		memcpy(message + n, ": client=unknown[192.0.2.1]", 28);
		check_fast_message_cut(message, n + 27, n + 2);
	}
}
END_TEST

START_TEST(test_postfix_fast_random_bytes)
{
	static const char *const pieces[] = {
		"connect from ", "disconnect from ", "NOQUEUE: ", "1E1BD",
		"CE982", ": ", "client=", "reject: ", "RCPT", "-", " from ",
		"unknown", "[", "]", ":", "25", "192.0.2.1", " ", ";", ",",
		"a", "x", "::1", "helo=<", ">", "\xff",
	};
	char			 line[256];
	uint32_t		 seed = 2024;
	size_t			 i, n, prefix = strlen(P);

	memcpy(line, P, prefix + 1);
	for (i = 0; i < check_rounds(50000); i++) {
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 16, &seed);
		check_fast_same(line, n);
	}
}
END_TEST

START_TEST(test_postfix_fast_warnings)
{
	static const char *messages[] = {
		"warning: unknown[192.0.2.1]: SASL LOGIN authentication "
		    "failed: UGFzc3dvcmQ6",
		"warning: unknown[192.0.2.1]: SASL PLAIN authentication "
		    "failed: Connection lost to authentication server",
		"warning: a.example[192.0.2.1]:25: SASL x",
		"warning: [192.0.2.1]: SASL x",
		"warning: a b[192.0.2.1]: x",
		"warning: a]b[192.0.2.1]: x",
		"warning: a[[192.0.2.1]: x",
		"warning: a[192.0.2.1] sent message header instead of SMTP "
		    "command: From: x",
		"warning: non-SMTP command from a[192.0.2.1]: GET / HTTP/1.1",
		"warning: non-SMTP[192.0.2.1]: x",
		"warning: Illegal address syntax from a[192.0.2.1] in MAIL",
		"warning: Connection rate limit exceeded: 31 from "
		    "a[192.0.2.1]:25 for service smtp",
		"warning: Connection limit exceeded: 31 from a[192.0.2.1]",
		"warning: limit exceeded: 31 from a[192.0.2.1]",
		"warning: hostname limit exceeded: 3 from a[192.0.2.1]",
		"warning: hostname x limit exceeded: 3 from a[192.0.2.1]",
		"warning: hostname x limit exceeded: from a[192.0.2.1]",
		/* 48 and 49 letters before " limit exceeded". */
		"warning: ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "ABCDEFGHIJKLMNOPQRSTUV limit exceeded: 3 from a[1.2.3.4]",
		"warning: ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "ABCDEFGHIJKLMNOPQRSTUVW limit exceeded: 3 from a[1.2.3.4]",
		"warning: hostname dsl-14.pool.example does not resolve to "
		    "address 192.0.2.14",
		"warning: hostname dsl-14.pool.example does not resolve to "
		    "address 192.0.2.14: Name or service not known",
		"warning: hostname x does not resolve to address 2001:db8::1: "
		    "Temporary failure in name resolution",
		"warning: hostname x  does not resolve to address 192.0.2.1",
		"warning: hostname  does not resolve to address 192.0.2.1",
		"warning: hostname x does not resolve to address ",
		"warning: hostname x does not resolve",
		"warning: hostname x does not resolve to address limit "
		    "exceeded: 3 from a[192.0.2.1]",
		"warning: hostname x does not resolve to address 192.0.2.1:",
		"warning: hostname x does not resolve to address 192.0.2.1:x",
		"warning: hostname x does not resolve to address 192.0.2.1 :y",
		"warning: hostname x does not resolve to address 192.0.2.1x: y",
		"warning: hostname x does not resolve to address 192.0.2.256: "
		    "y",
		"warning: hostname x does not resolve to address 01.2.3.4: y",
		"warning: hostname x does not resolve to address 192.0.2.1:: y",
		"warning: hostname x does not resolve to address 1.2.3.4.5: y",
		"warning: hostname[192.0.2.1]: x",
		"warning: hostname x verification failed: y",
		"warning: smtpd_peer_init: 192.0.2.1: hostname x verification "
		    "failed: Host not found",
		"warning: 192.0.2.1: address not listed for hostname x",
		"warning: 192.0.2.1[192.0.2.1]: x",
		"warning: ",
		"warning:x[192.0.2.1]",
		"1E1BDCE982: warning: a[192.0.2.1]: x",
	};

	check_fast_messages(messages, sizeof messages / sizeof messages[0]);
}
END_TEST

/* Compare both ways on P, before, len bytes of 'a' and after. */
static void
check_fast_long_field(const char *before, size_t len, const char *after)
{
	char	line[700];
	size_t	n;

	n = (size_t)snprintf(line, sizeof line, P "%s", before);
	ck_assert_uint_lt(n + len + strlen(after), sizeof line);
	memset(line + n, 'a', len);
	n += len;
	memcpy(line + n, after, strlen(after) + 1);
	check_fast_same(line, n + strlen(after));
}

START_TEST(test_postfix_fast_warning_lengths)
{
	size_t	len;

	/* Names and host names around their 255-byte limit. */
	for (len = 250; len <= 260; len++) {
		check_fast_long_field("warning: ", len,
		    "[192.0.2.1]: SASL LOGIN authentication failed: x");
		check_fast_long_field("warning: hostname ", len,
		    " does not resolve to address 192.0.2.1");
	}
}
END_TEST

START_TEST(test_postfix_fast_warnings_random)
{
	static const char *const pieces[] = {
		"warning: ", "hostname ", " does not resolve to address ",
		"unknown", "[", "]", ":", " ", "192.0.2.1", "::1", ": SASL ",
		" authentication failed", " limit exceeded", ": ", "3",
		" from ",
		"a", "Ab", "-", "non-SMTP command from ", "\xff", "\x80",
	};
	char			 line[256];
	uint32_t		 seed = 99;
	size_t			 i, n, prefix = strlen(P) + strlen("warning: ");

	memcpy(line, P "warning: ", prefix + 1);
	for (i = 0; i < check_rounds(50000); i++) {
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 12, &seed);
		check_fast_same(line, n);
	}
}
END_TEST

/*
 * Find the last needle in s[from, to) byte by byte, as a reference for
 * the searches of the parser.
 */
static const char *
naive_rfind(const char *s, size_t from, size_t to, const char *needle)
{
	size_t	n = strlen(needle), i;

	for (i = to; i >= from + n; i--)
		if (memcmp(s + i - n, needle, n) == 0)
			return s + i - n;
	return NULL;
}

static int
naive_has(const char *s, size_t len, const char *needle)
{
	return naive_rfind(s, 0, len, needle) != NULL;
}

/*
 * Rejections and SASL warnings made of random pieces.  The HELO is the
 * text after the last " helo=<" behind the client up to the last '>'.  A
 * SASL warning is auth_failed when its text has " authentication
 * failed" but not the lost connection to the SASL server.
 */
START_TEST(test_postfix_helo_and_sasl_random)
{
	static const char *const pieces[] = {
		" helo=<", "helo=<", "<", ">", " ", "a", ";", " from=<",
		" to=<", " proto=", "=", "LOGIN", " authentication failed",
		"Connection lost to authentication server", ": ", "x",
	};
	static const char	 reject[] = P "NOQUEUE: reject: RCPT from "
				    "a[192.0.2.1]: 550 5.7.1 <x>: y";
	static const char	 sasl[] = P "warning: a[192.0.2.1]: SASL ";
	char			 line[300];
	const char		*h, *gt, *text;
	uint32_t		 seed = 4711;
	size_t			 i, n, prefix, client_end, start;

	for (i = 0; i < check_rounds(40000); i++) {
		text = i % 2 == 0 ? reject : sasl;
		prefix = strlen(text);
		memcpy(line, text, prefix);
		n = check_random_pieces(line, sizeof line, prefix, pieces,
		    sizeof pieces / sizeof pieces[0], 14, &seed);
		ck_assert_int_eq(parse_len(line, n), PARSE_CLIENT);
		client_end = (size_t)(strstr(line, "]") - line) + 1;
		if (i % 2 == 0) {
			h = naive_rfind(line, client_end, n, " helo=<");
			gt = NULL;
			if (h != NULL) {
				start = (size_t)(h - line) + 7;
				gt = naive_rfind(line, start, n, ">");
			}
			if (gt == NULL || gt == line + start)
				ck_assert_msg(ev.helo == NULL, "%.*s", (int)n,
				    line);
			else {
				/* parse_len parses a copy of line in buf. */
				ck_assert_ptr_eq(ev.helo, buf + start);
				ck_assert_uint_eq(ev.helo_len,
				    field_cut(line + start,
				    (size_t)(gt - line) - start,
				    EVENT_NAME_MAX));
			}
		} else if (naive_has(line + client_end, n - client_end,
		    " authentication failed") &&
		    !naive_has(line + client_end, n - client_end,
		    "Connection lost to authentication server"))
			ck_assert_str_eq(REASON(), "auth_failed");
		else
			ck_assert_msg(ev.reason == NULL, "%.*s", (int)n, line);
	}
}
END_TEST

/* Classify a tag by its last '/' and a table: postfix_service's rule. */
static enum postfix_service
reference_service(const char *tag, size_t len, int bare)
{
	static const char	*services[] = {
		"smtpd", "postscreen", "tlsproxy", "dnsblog"
	};
	const char		*slash = NULL, *last;
	size_t			 i, n;

	for (i = 0; i < len; i++)
		if (tag[i] == '/')
			slash = tag + i;
	last = slash != NULL ? slash + 1 : tag;
	n = len - (size_t)(last - tag);
	for (i = 0; i < sizeof services / sizeof services[0]; i++)
		if (n == strlen(services[i]) &&
		    memcmp(last, services[i], n) == 0 &&
		    (slash != NULL || bare))
			return POSTFIX_CLIENTS;
	if (len >= 7 && memcmp(tag, "postfix", 7) == 0)
		return POSTFIX_OTHER;
	return POSTFIX_NOT;
}

START_TEST(test_postfix_service_random)
{
	static const char *const pieces[] = {
		"postfix", "/", "smtpd", "postscreen", "tlsproxy", "dnsblog",
		"smtp", "d", "n", "y", "g", "-out", "qmgr", "x",
	};
	char		tag[128];
	uint32_t	seed = 5;
	size_t		i, n;
	int		bare;

	for (i = 0; i < check_rounds(50000); i++) {
		n = check_random_pieces(tag, sizeof tag, 0, pieces,
		    sizeof pieces / sizeof pieces[0], 6, &seed);
		for (bare = 0; bare <= 1; bare++)
			ck_assert_msg(postfix_service(tag, n, bare) ==
			    reference_service(tag, n, bare), "%.*s, bare %d",
			    (int)n, tag, bare);
	}
	ck_assert_int_eq(postfix_service("", 0, 1), POSTFIX_NOT);
	ck_assert_int_eq(postfix_service("/smtpd", 6, 0), POSTFIX_CLIENTS);
	ck_assert_int_eq(postfix_service("postfix/smtpd/", 14, 0),
	    POSTFIX_OTHER);
}
END_TEST

START_TEST(test_postfix_random_bytes)
{
	static const char	alphabet[] = "[]:;<>, .0123456789abcdef"
				   "\033\t\x80\xff" "from reject: helo=< RCPT ";

	check_event_random_bytes(P, alphabet, 4242, 20000, parse_len, &ev);
}
END_TEST

/*
 * Check parser_line of a Postfix parser against the steps it shortens:
 * syslog_parse with SYSLOG_NO_TIME, postfix_service and postfix_parse,
 * on lines made of random pieces, each cut at a random length into a
 * buffer of exactly that size.
 */
START_TEST(test_postfix_parser_line_as_steps)
{
	static const char *const times[] = {
		"Nov 30 10:00:00 ", "Nov 30 10:00:00 ", "Nov 30 10:00:01 ",
		"Nov 30 10:07:59 ", "Nov 30 11:00:00 ", "Nov 30 10:00:00.5 ",
		"Nov 30 10:00:60 ", "Feb 30 10:00:00 ", "Dec 31 23:59:59 ",
		"Jun  1 00:00:00 ", "2026-11-30T10:00:00Z ", "<22>", "",
	};
	static const char *const pieces[] = {
		"mx1 ", "mx1", " ", "postfix/smtpd[", "postfix/qmgr[",
		"postfix/cleanup", "dovecot[", "smtpd[", "postfix", "123",
		"4711", "12345678901", "]: ", "]", ": ", "[", "<mail.info> ",
		"[ID 1 mail.info] ", "connect from ", "unknown[192.0.2.1]",
		"h.example[2001:db8::1]:25", "1E1BDCE982: removed", "\x80",
		"\0", "NOQUEUE: reject: RCPT from ", "x",
	};
	struct parser_options	 o;
	struct parser		*pa;
	struct syslog_year	 steps;
	struct syslog_msg	 sm;
	struct event		 ev2;
	enum parse_result	 want, got;
	char			 line[300], *copy, *cause = NULL;
	uint32_t		 seed = 2026;
	size_t			 i, n, k, cut;
	int			 pieces_n;

	memset(&o, 0, sizeof o);
	o.format = LOG_FORMAT_POSTFIX;
	o.reference = JAN_2027;
	pa = parser_create(&o, &cause);
	ck_assert_msg(pa != NULL, "parser_create: %s", cause);
	syslog_year_init(&steps, JAN_2027);
	for (i = 0; i < check_rounds(60000); i++) {
		seed = seed * 1103515245 + 12345;
		k = (seed >> 16) % (sizeof times / sizeof times[0]);
		n = strlen(times[k]);
		memcpy(line, times[k], n);
		seed = seed * 1103515245 + 12345;
		for (pieces_n = (int)((seed >> 16) % 8); pieces_n > 0;
		    pieces_n--) {
			seed = seed * 1103515245 + 12345;
			k = (seed >> 16) % (sizeof pieces / sizeof pieces[0]);
			/* "\0" is one NUL byte. */
			cut = pieces[k][0] == '\0' ? 1 : strlen(pieces[k]);
			if (n + cut > sizeof line)
				break;
			memcpy(line + n, pieces[k], cut);
			n += cut;
		}
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 4 == 0)
			n = (seed >> 8) % (n + 1);

		copy = malloc(n > 0 ? n : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, line, n);
		memset(&ev, 0x5a, sizeof ev);
		memset(&ev2, 0, sizeof ev2);
		got = parser_line(pa, copy, n, &ev);
		if (syslog_parse(copy, n, &steps, SYSLOG_NO_TIME, &sm) == -1)
			want = PARSE_UNKNOWN;
		else {
			switch (postfix_service(sm.tag, sm.tag_len, 1)) {
			case POSTFIX_NOT:
				want = PARSE_UNKNOWN;
				break;
			case POSTFIX_OTHER:
				want = PARSE_SKIP;
				break;
			default:
				want = postfix_parse(pp, copy, n, &sm, &ev2);
				break;
			}
		}
		ck_assert_msg(got == want, "parser_line %d, steps %d: %.*s",
		    (int)got, (int)want, (int)n, line);
		check_event_same(&ev, &ev2);
		ck_assert_int_eq(parser_year(pa)->year, steps.year);
		ck_assert_int_eq(parser_year(pa)->month, steps.month);
		free(copy);
	}
	parser_free(pa);
}
END_TEST

/*
 * Rejections whose reply is made of pieces of the no_rdns texts: the
 * reason is no_rdns exactly when the reply contains one of the two texts.
 */
START_TEST(test_postfix_no_rdns_pieces)
{
	static const char *const pieces[] = {
		"cannot find your ", "cannot ", "find your ", "reverse ",
		"hostname", "host", "c", "cannot find your reverse hostname",
		"x", " ", ", [192.0.2.1]",
	};
	static const char	 head[] = P "NOQUEUE: reject: RCPT from "
				    "unknown[192.0.2.1]: 450 4.7.1 ";
	static const char	 tail[] = "; from=<a@b> to=<c@d> proto=ESMTP "
				    "helo=<h>";
	char			 line[512], *reply;
	uint32_t		 seed = 5;
	size_t			 i, n, k, reply_len;
	int			 count, expected;

	for (i = 0; i < check_rounds(20000); i++) {
		n = sizeof head - 1;
		memcpy(line, head, n);
		reply = line + n;
		seed = seed * 1103515245 + 12345;
		for (count = (int)((seed >> 16) % 7); count > 0; count--) {
			seed = seed * 1103515245 + 12345;
			k = (seed >> 16) % (sizeof pieces / sizeof pieces[0]);
			memcpy(line + n, pieces[k], strlen(pieces[k]));
			n += strlen(pieces[k]);
		}
		reply_len = (size_t)(line + n - reply);
		memcpy(line + n, tail, sizeof tail - 1);
		n += sizeof tail - 1;
		expected = memmem(reply, reply_len,
		    "cannot find your reverse hostname", 33) != NULL ||
		    memmem(reply, reply_len, "cannot find your hostname",
		    25) != NULL;

		ck_assert_int_eq(parse_len(line, n), PARSE_CLIENT);
		if (expected)
			ck_assert_str_eq(REASON(), "no_rdns");
		else
			ck_assert_msg(ev.reason == NULL ||
			    strcmp(ev.reason, "no_rdns") != 0,
			    "no_rdns for %.*s", (int)reply_len, reply);
	}
}
END_TEST

/*
 * The reference for field_addr: skip "IPv6:" in any case, then read a
 * text without ':' with inet_pton(AF_INET) and any other with
 * inet_pton(AF_INET6), storing a mapped IPv4 address as IPv4.
 */
static int
addr_by_inet_pton(const char *s, size_t len, struct event_addr *a)
{
	static const uint8_t	 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char			 cstr[64];

	if (len > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
	}
	if (len == 0 || len >= INET6_ADDRSTRLEN)
		return -1;
	memset(a, 0, sizeof *a);
	memcpy(cstr, s, len);
	cstr[len] = '\0';
	if (memchr(s, ':', len) == NULL) {
		if (inet_pton(AF_INET, cstr, a->bytes) != 1) {
			memset(a, 0, sizeof *a);
			return -1;
		}
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, cstr, a->bytes) != 1)
		return -1;
	a->family = AF_INET6;
	if (memcmp(a->bytes, mapped, sizeof mapped) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = AF_INET;
	}
	return 0;
}

/* Check field_addr against the reference on s[0, len) in its own buffer. */
static void
check_addr_same(const char *s, size_t len)
{
	struct event_addr	 mine, theirs;
	char			*copy;
	int			 rm, rt;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	memset(&mine, 0x5a, sizeof mine);
	memset(&theirs, 0x5a, sizeof theirs);
	rm = field_addr(copy, len, &mine);
	rt = addr_by_inet_pton(copy, len, &theirs);
	ck_assert_msg(rm == rt, "field_addr %d, inet_pton %d: %.*s", rm, rt,
	    (int)len, s);
	if (rm == 0) {
		ck_assert_int_eq(mine.family, theirs.family);
		ck_assert_mem_eq(mine.bytes, theirs.bytes, sizeof mine.bytes);
	}
	free(copy);
}

START_TEST(test_field_addr_shapes)
{
#define SHAPE(text)	{ (text), sizeof (text) - 1 }
	static const struct {
		const char	*text;
		size_t		 len;	/* NUL bytes included */
	} shapes[] = {
		SHAPE("192.0.2.1"), SHAPE("0.0.0.0"), SHAPE("255.255.255.255"),
		SHAPE("256.0.0.1"), SHAPE("1.2.3"), SHAPE("1.2.3.4."),
		SHAPE("1.2.3.4.5"), SHAPE("01.2.3.4"), SHAPE("1.2.3.04"),
		SHAPE("1.2.3.400"), SHAPE("1.2.3.4000"), SHAPE("1..3.4"),
		SHAPE(".1.2.3.4"), SHAPE("1.2.3.4 "), SHAPE("1.2.3.4\0"),
		SHAPE("1.2.3.4\0x"), SHAPE("1.2.3.4\0:"), SHAPE("1.2.3.4:"),
		SHAPE("IPv6:1.2.3.4"), SHAPE("ipv6:::1"),
		SHAPE("IPV6:2001:db8::1"), SHAPE("IPv6:"), SHAPE("IPv6:x"),
		SHAPE("iPv6:::ffff:192.0.2.7"), SHAPE("::ffff:192.0.2.7"),
		SHAPE("::ffff:1.2.3.4:"), SHAPE("::1"),
		SHAPE("2001:db8::1%eth0"), SHAPE("::"), SHAPE(":"),
		SHAPE("1:2:3:4:5:6:7:8"), SHAPE("1:2:3:4:5:6:7:8:9"),
		SHAPE("fe80::1\0"), SHAPE("IPv7:::1"), SHAPE("IPv6;::1"),
		SHAPE("\xc9Pv6:::1"), SHAPE("IPv6:1.2.3.4\0:"),
		SHAPE("2001:DB8:0:0:0:0:0:1"), SHAPE("1::2::3"),
		SHAPE("12345::1"), SHAPE("1:2:3:4:5:6:7::"),
		SHAPE("::2:3:4:5:6:7:8"), SHAPE("1:2:3:4::5:6:7:8"),
		SHAPE("fe80::1:"), SHAPE(":1::2"), SHAPE("::ffff:c000:207"),
		SHAPE("abcd:ef01:2345:6789:abcd:ef01:2345:6789"),
		SHAPE("1.2.3.4\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
	};
#undef SHAPE
	static const char	bytes[] = { '\0', ':', '.', '9', '\xff' };
	char			text[64];
	size_t			i, j, k, n;

	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		n = shapes[i].len;
		ck_assert_uint_lt(n, sizeof text);
		memcpy(text, shapes[i].text, n);
		for (j = 0; j <= n; j++)
			check_addr_same(text, j);
		for (j = 0; j < n; j++) {
			for (k = 0; k < sizeof bytes; k++) {
				char	saved = text[j];

				text[j] = bytes[k];
				check_addr_same(text, n);
				text[j] = saved;
			}
		}
	}
}
END_TEST

START_TEST(test_field_addr_random)
{
	static const char	 alphabet[] = "0123456789.:abcdefABCDEFIPv6"
				    "..::00255\xc9 ";
	char			 text[56];
	uint32_t		 seed = 31;
	size_t			 i, j, n;

	for (i = 0; i < check_rounds(300000); i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % sizeof text;
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			text[j] = alphabet[(seed >> 16) %
			    (sizeof alphabet - 1)];
		}
		if (n > 0 && i % 11 == 0)
			text[(seed >> 8) % n] = '\0';
		if (n > 5 && i % 5 == 0)
			memcpy(text, i % 10 == 0 ? "IPv6:" : "ipV6:", 5);
		check_addr_same(text, n);
	}
}
END_TEST

Suite *
make_postfix_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_reject, *tc_screen, *tc_limits;

	s = suite_create("postfix");

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_postfix_connect_verified);
	tcase_add_test(tc_core, test_postfix_connect_unknown);
	tcase_add_test(tc_core, test_postfix_connect_ipv6_port);
	tcase_add_test(tc_core, test_postfix_connect_mapped);
	tcase_add_test(tc_core, test_postfix_unknown_unknown);
	tcase_add_test(tc_core, test_postfix_hostname_mismatch);
	tcase_add_test(tc_core, test_postfix_hostname_unresolved);
	tcase_add_test(tc_core, test_postfix_hostname_tempfail);
	tcase_add_test(tc_core, test_postfix_hostname_ipv6);
	tcase_add_test(tc_core, test_postfix_old_verification_failed);
	tcase_add_test(tc_core, test_postfix_old_verification_tempfail);
	tcase_add_test(tc_core, test_postfix_old_address_not_listed);
	tcase_add_test(tc_core, test_postfix_sasl_failed);
	tcase_add_test(tc_core, test_postfix_sasl_server_lost);
	tcase_add_test(tc_core, test_postfix_helo_and_sasl_random);
	tcase_add_test(tc_core, test_postfix_session_lines);
	tcase_add_test(tc_core, test_postfix_protocol_errors);
	tcase_add_test(tc_core, test_postfix_rate_limits);
	tcase_add_test(tc_core, test_postfix_service_names);
	suite_add_tcase(s, tc_core);

	tc_reject = tcase_create("reject");
	tcase_add_checked_fixture(tc_reject, setup, teardown);
	tcase_add_test(tc_reject, test_postfix_reject_reverse_hostname);
	tcase_add_test(tc_reject, test_postfix_reject_hostname_codes);
	tcase_add_test(tc_reject, test_postfix_reject_helo_not_found);
	tcase_add_test(tc_reject, test_postfix_reject_helo_non_fqdn);
	tcase_add_test(tc_reject, test_postfix_reject_helo_invalid);
	tcase_add_test(tc_reject, test_postfix_reject_dnsbl);
	tcase_add_test(tc_reject, test_postfix_reject_other);
	tcase_add_test(tc_reject, test_postfix_reject_other_two_parts);
	tcase_add_test(tc_reject, test_postfix_reject_temporary_other);
	tcase_add_test(tc_reject, test_postfix_reject_stages);
	tcase_add_test(tc_reject, test_postfix_reject_connect_no_helo);
	tcase_add_test(tc_reject, test_postfix_reject_long_queue_id);
	tcase_add_test(tc_reject, test_postfix_reject_warning_and_milter);
	tcase_add_test(tc_reject, test_postfix_multi_word_helo);
	tcase_add_test(tc_reject, test_postfix_helo_address_literals);
	tcase_add_test(tc_reject, test_postfix_helo_injection_in_sender);
	tcase_add_test(tc_reject, test_postfix_reject_empty_helo);
	tcase_add_test(tc_reject, test_postfix_other_actions);
	suite_add_tcase(s, tc_reject);

	tc_screen = tcase_create("postscreen");
	tcase_add_checked_fixture(tc_screen, setup, teardown);
	tcase_add_test(tc_screen, test_postfix_postscreen_verdicts);
	tcase_add_test(tc_screen, test_postfix_postscreen_ipv6);
	tcase_add_test(tc_screen, test_postfix_postscreen_reject);
	tcase_add_test(tc_screen, test_postfix_postscreen_busy);
	tcase_add_test(tc_screen, test_postfix_tlsproxy_dnsblog);
	suite_add_tcase(s, tc_screen);

	tc_limits = tcase_create("limits");
	tcase_add_checked_fixture(tc_limits, setup, teardown);
	tcase_add_test(tc_limits, test_postfix_lines_without_client);
	tcase_add_test(tc_limits, test_postfix_overlong_names);
	tcase_add_test(tc_limits, test_postfix_every_truncation);
	tcase_add_test(tc_limits, test_postfix_random_bytes);
	tcase_add_test(tc_limits, test_postfix_fast_shapes);
	tcase_add_test(tc_limits, test_postfix_fast_queue_ids);
	tcase_add_test(tc_limits, test_postfix_fast_random_bytes);
	tcase_add_test(tc_limits, test_postfix_fast_warnings);
	tcase_add_test(tc_limits, test_postfix_fast_warning_lengths);
	tcase_add_test(tc_limits, test_postfix_fast_warnings_random);
	tcase_add_test(tc_limits, test_postfix_service_random);
	tcase_add_test(tc_limits, test_postfix_parser_line_as_steps);
	tcase_add_test(tc_limits, test_postfix_no_rdns_pieces);
	tcase_add_test(tc_limits, test_field_addr_shapes);
	tcase_add_test(tc_limits, test_field_addr_random);
	suite_add_tcase(s, tc_limits);

	return s;
}
