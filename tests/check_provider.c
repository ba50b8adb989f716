/*
 * Tests for core/provider.c: registered domains, provider ranges, the
 * recipient map and the order of recipient sources, including what an
 * unverified HELO name may and may not yield.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "provider.h"
#include "xmalloc.h"

static struct provider_table	*pt;

static void
pv_setup(void)
{
	pt = provider_table_create();
}

static void
pv_teardown(void)
{
	provider_table_free(pt);
	pt = NULL;
}

/* Add a line as the config file parser would hand it over. */
static int
config_line(const char *text, char **cause)
{
	char	*copy;
	int	 rc;

	copy = xstrdup(text);
	rc = provider_config_line(pt, copy, "config:1", cause);
	free(copy);
	return rc;
}

static void
add_ok(const char *text)
{
	char	*cause = NULL;

	ck_assert_msg(config_line(text, &cause) == 0, "%s: %s", text, cause);
}

static void
add_fails(const char *text, const char *want)
{
	char	*cause = NULL;

	ck_assert_int_eq(config_line(text, &cause), -1);
	ck_assert_str_eq(cause, want);
	free(cause);
}

START_TEST(test_provider_domain_outlook)
{
	char	buf[PROVIDER_NAME_SIZE];

	ck_assert_int_eq(provider_registered_domain("mail-eopbgr30125.outbound."
	    "protection.outlook.com", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "outlook.com");
}
END_TEST

START_TEST(test_provider_domain_two_level_suffix)
{
	char	buf[PROVIDER_NAME_SIZE];

	ck_assert_int_eq(provider_registered_domain("smtp.Mail.Example.CO.UK.",
	    buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "example.co.uk");
}
END_TEST

START_TEST(test_provider_domain_rejects_bad_names)
{
	char	buf[PROVIDER_NAME_SIZE];

	ck_assert_int_eq(provider_registered_domain("co.uk", buf, sizeof buf),
	    -1);
	ck_assert_int_eq(provider_registered_domain("com", buf, sizeof buf),
	    -1);
	ck_assert_int_eq(provider_registered_domain("192.0.2.7", buf,
	    sizeof buf), -1);
	ck_assert_int_eq(provider_registered_domain("a..example.com", buf,
	    sizeof buf), -1);
	ck_assert_int_eq(provider_registered_domain("-x.example.com", buf,
	    sizeof buf), -1);
	ck_assert_int_eq(provider_registered_domain("x\r\nBcc.example.com",
	    buf, sizeof buf), -1);
	ck_assert_int_eq(provider_registered_domain("caf\xc3\xa9.example",
	    buf, sizeof buf), -1);
	ck_assert_int_eq(provider_registered_domain("[192.0.2.7]", buf,
	    sizeof buf), -1);
	ck_assert_int_eq(provider_registered_domain("", buf, sizeof buf), -1);
}
END_TEST

START_TEST(test_provider_range_wins_over_rdns)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("40.107.3.125");

	add_ok("provider \"Microsoft\" = 40.92.0.0/15, 40.107.0.0/16, "
	    "52.100.0.0/14");
	provider_identify(pt, &a, "mail-eopbgr30125.outbound.protection."
	    "outlook.com", "EUR03-AM5-obe.outbound.protection.outlook.com", &p);
	ck_assert_int_eq(p.source, PROVIDER_RANGE);
	ck_assert_str_eq(p.name, "Microsoft");
	ck_assert_str_eq(p.domain, "outlook.com");
	ck_assert_int_eq(p.domain_verified, 1);
}
END_TEST

START_TEST(test_provider_most_specific_range)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("192.0.2.200");

	add_ok("provider \"Big Net\" = 192.0.2.0/24");
	add_ok("provider \"Small Customer\" = 192.0.2.192/26");
	provider_identify(pt, &a, NULL, NULL, &p);
	ck_assert_str_eq(p.name, "Small Customer");
	a = check_addr("192.0.2.7");
	provider_identify(pt, &a, NULL, NULL, &p);
	ck_assert_str_eq(p.name, "Big Net");
}
END_TEST

START_TEST(test_provider_range_ipv6_and_mapped)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("2a01:111:f400::25");

	add_ok("provider \"Microsoft\" = 2a01:111:f400::/48, 40.107.0.0/16");
	provider_identify(pt, &a, NULL, NULL, &p);
	ck_assert_str_eq(p.name, "Microsoft");
	a = check_addr("::ffff:40.107.3.125");
	provider_identify(pt, &a, NULL, NULL, &p);
	ck_assert_str_eq(p.name, "Microsoft");
	a = check_addr("2a01:111:f401::25");
	provider_identify(pt, &a, NULL, NULL, &p);
	ck_assert_int_eq(p.source, PROVIDER_NONE);
	ck_assert_str_eq(p.name, "");
}
END_TEST

START_TEST(test_provider_rdns_domain_verified)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("198.51.100.7");

	provider_identify(pt, &a, "host7.mail.example.net", "evil.example.com",
	    &p);
	ck_assert_int_eq(p.source, PROVIDER_RDNS);
	ck_assert_str_eq(p.name, "example.net");
	ck_assert_str_eq(p.domain, "example.net");
	ck_assert_int_eq(p.domain_verified, 1);
}
END_TEST

START_TEST(test_provider_helo_domain_unverified)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("198.51.100.7");

	provider_identify(pt, &a, NULL, "mx1.victim.example.org", &p);
	ck_assert_int_eq(p.source, PROVIDER_HELO);
	ck_assert_str_eq(p.name, "example.org");
	ck_assert_int_eq(p.domain_verified, 0);
	ck_assert_str_eq(provider_source_name(p.source), "HELO, unverified");
}
END_TEST

START_TEST(test_provider_nothing_known)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("198.51.100.7");

	provider_identify(pt, &a, NULL, "localhost", &p);
	ck_assert_int_eq(p.source, PROVIDER_NONE);
	ck_assert_str_eq(p.name, "");
	ck_assert_str_eq(p.domain, "");
}
END_TEST

START_TEST(test_provider_client_uses_dns_confirmed)
{
	struct client		 c;
	struct agg_count	 helos[2];
	struct dns_result	 r;
	struct provider_info	 p;

	memset(&c, 0, sizeof c);
	memset(&r, 0, sizeof r);
	c.addr = check_addr("198.51.100.7");
	helos[0].name = xstrdup("[198.51.100.7]");
	helos[0].count = 5;
	helos[1].name = xstrdup("mail.example.org");
	helos[1].count = 1;
	c.helos = helos;
	c.nhelos = 2;
	provider_identify_client(pt, &c, NULL, &p);
	ck_assert_int_eq(p.source, PROVIDER_HELO);
	ck_assert_str_eq(p.name, "example.org");

	r.nptr = 2;
	r.ptr[0].name = xstrdup("unconfirmed.example.com");
	r.ptr[1].name = xstrdup("mx.example.net");
	r.ptr[1].confirmed = 1;
	provider_identify_client(pt, &c, &r, &p);
	ck_assert_int_eq(p.source, PROVIDER_RDNS);
	ck_assert_str_eq(p.name, "example.net");
	free(r.ptr[0].name);
	free(r.ptr[1].name);
	free(helos[0].name);
	free(helos[1].name);
}
END_TEST

START_TEST(test_provider_config_errors)
{
	add_fails("provider Microsoft = 40.92.0.0/15", "config:1: expected a "
	    "quoted provider name after \"provider\"");
	add_fails("provider \"Microsoft = 40.92.0.0/15", "config:1: missing "
	    "closing quote, or an escape other than \\\" and \\\\");
	add_fails("provider \"Microsoft\" 40.92.0.0/15", "config:1: expected "
	    "provider \"NAME\" = RANGE, RANGE...");
	add_fails("provider \"Microsoft\" = 40.92.0.0/33", "config:1: invalid "
	    "address or CIDR block \"40.92.0.0/33\"");
	add_fails("provider \"Microsoft\" = mail.example.net", "config:1: "
	    "invalid address or CIDR block \"mail.example.net\"");
	add_fails("provider \"Microsoft\" =", "config:1: provider "
	    "\"Microsoft\" has no address ranges");
	add_fails("provider \"\" = 192.0.2.0/24", "config:1: invalid provider "
	    "name: use 1 to 64 characters without control characters");
	add_fails("recipient example.net = abuse@example.net, x@example.org",
	    "config:1: invalid recipient address \"abuse@example.net, "
	    "x@example.org\": expected one plain address such as "
	    "abuse@example.net");
	add_fails("recipient ex_ample.net = abuse@example.net", "config:1: "
	    "invalid recipient key \"ex_ample.net\": expected an address, a "
	    "CIDR block, a domain, or a provider name in double quotes");
	add_fails("recipient = abuse@example.net", "config:1: expected "
	    "recipient KEY = ADDRESS");
	ck_assert_uint_eq(provider_table_count(pt), 0);
}
END_TEST

START_TEST(test_provider_config_escapes)
{
	add_ok("provider \"Say \\\"Hi\\\" \\\\ Co\" = 192.0.2.0/24");
	ck_assert_uint_eq(provider_table_count(pt), 1);
	ck_assert_str_eq(provider_table_name(pt, 0), "Say \"Hi\" \\ Co");
}
END_TEST

START_TEST(test_provider_recipient_order)
{
	struct provider_info	 p;
	struct provider_rcpt	 r;
	struct event_addr	 a = check_addr("192.0.2.7");

	add_ok("provider \"Example Hosting\" = 192.0.2.0/24");
	add_ok("recipient \"Example Hosting\" = abuse@hosting.example");
	add_ok("recipient example.net = noc@example.net");
	add_ok("recipient 192.0.2.0/28 = desk@range.example");
	provider_identify(pt, &a, "mx.example.net", NULL, &p);

	provider_recipient(pt, &a, &p, "review@example.org", "txt@example.com",
	    &r);
	ck_assert_int_eq(r.source, RCPT_OVERRIDE);
	ck_assert_str_eq(r.address, "review@example.org");

	provider_recipient(pt, &a, &p, NULL, "txt@example.com", &r);
	ck_assert_int_eq(r.source, RCPT_MAP_CIDR);
	ck_assert_str_eq(r.address, "desk@range.example");

	a = check_addr("192.0.2.77");
	provider_recipient(pt, &a, &p, NULL, "txt@example.com", &r);
	ck_assert_int_eq(r.source, RCPT_MAP_PROVIDER);
	ck_assert_str_eq(r.address, "abuse@hosting.example");
}
END_TEST

START_TEST(test_provider_recipient_domain_then_txt_then_2142)
{
	struct provider_info	 p;
	struct provider_rcpt	 r;
	struct event_addr	 a = check_addr("198.51.100.7");

	add_ok("recipient example.net = noc@example.net");
	provider_identify(pt, &a, "mx.example.net", NULL, &p);
	provider_recipient(pt, &a, &p, NULL, "txt@example.com", &r);
	ck_assert_int_eq(r.source, RCPT_MAP_DOMAIN);
	ck_assert_str_eq(r.address, "noc@example.net");

	provider_identify(pt, &a, "mx.example.com", NULL, &p);
	provider_recipient(pt, &a, &p, NULL, "txt@example.com", &r);
	ck_assert_int_eq(r.source, RCPT_ABUSE_CONTACT);
	ck_assert_str_eq(r.address, "txt@example.com");

	provider_recipient(pt, &a, &p, NULL, NULL, &r);
	ck_assert_int_eq(r.source, RCPT_RFC2142);
	ck_assert_str_eq(r.address, "abuse@example.com");
	ck_assert_str_eq(r.suggestion, "");
}
END_TEST

START_TEST(test_provider_helo_never_a_recipient)
{
	struct provider_info	 p;
	struct provider_rcpt	 r;
	struct event_addr	 a = check_addr("198.51.100.7");

	/* The client claims to be a victim's host: only a suggestion. */
	provider_identify(pt, &a, NULL, "mail.victim.example", &p);
	provider_recipient(pt, &a, &p, NULL, NULL, &r);
	ck_assert_int_eq(r.source, RCPT_NONE);
	ck_assert_str_eq(r.address, "");
	ck_assert_str_eq(r.suggestion, "abuse@victim.example");

	/* Nor does a map entry for that domain, nor one for its name. */
	add_ok("recipient victim.example = desk@victim.example");
	add_ok("recipient \"victim.example\" = named@victim.example");
	provider_recipient(pt, &a, &p, NULL, NULL, &r);
	ck_assert_int_eq(r.source, RCPT_NONE);
	ck_assert_str_eq(r.address, "");
	ck_assert_str_eq(r.suggestion, "named@victim.example");
}
END_TEST

START_TEST(test_provider_bad_abuse_contact_ignored)
{
	struct provider_info	 p;
	struct provider_rcpt	 r;
	struct event_addr	 a = check_addr("198.51.100.7");

	provider_identify(pt, &a, NULL, NULL, &p);
	provider_recipient(pt, &a, &p, NULL, "a@example.com\r\nBcc: x@y.example",
	    &r);
	ck_assert_int_eq(r.source, RCPT_NONE);
	ck_assert_str_eq(r.address, "");
	provider_recipient(pt, &a, &p, NULL, "a@b@example.com", &r);
	ck_assert_int_eq(r.source, RCPT_NONE);
}
END_TEST

START_TEST(test_provider_address_valid)
{
	ck_assert_int_eq(provider_address_valid("abuse@example.net"), 1);
	ck_assert_int_eq(provider_address_valid("a.b+c@mx.example.co.uk"), 1);
	ck_assert_int_eq(provider_address_valid("abuse@localhost"), 1);
	ck_assert_int_eq(provider_address_valid("abuse"), 0);
	ck_assert_int_eq(provider_address_valid("@example.net"), 0);
	ck_assert_int_eq(provider_address_valid("a b@example.net"), 0);
	ck_assert_int_eq(provider_address_valid("a@b@example.net"), 0);
	ck_assert_int_eq(provider_address_valid("a,b@example.net"), 0);
	ck_assert_int_eq(provider_address_valid("<a@example.net>"), 0);
	ck_assert_int_eq(provider_address_valid("a@example.net\n"), 0);
	ck_assert_int_eq(provider_address_valid("a@[192.0.2.1]"), 0);
	ck_assert_int_eq(provider_address_valid("a@192.0.2.1"), 0);
	ck_assert_int_eq(provider_address_valid("a..b@example.net"), 0);
	ck_assert_int_eq(provider_address_valid("\xc3\xa9@example.net"), 0);
}
END_TEST

START_TEST(test_provider_matches_name_or_domain)
{
	struct provider_info	 p;
	struct event_addr	 a = check_addr("40.107.3.125");

	add_ok("provider \"Microsoft\" = 40.107.0.0/16");
	provider_identify(pt, &a, "x.outbound.protection.outlook.com", NULL,
	    &p);
	ck_assert_int_eq(provider_matches(&p, "microsoft"), 1);
	ck_assert_int_eq(provider_matches(&p, "OUTLOOK.COM"), 1);
	ck_assert_int_eq(provider_matches(&p, "example.net"), 0);
}
END_TEST

START_TEST(test_provider_config_file)
{
	struct config	 cfg;
	FILE		*f;
	char		 path[] = "/tmp/check_provider.XXXXXX", *cause = NULL;
	int		 fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	fputs("provider \"Microsoft\" = 40.92.0.0/15, 40.107.0.0/16\n"
	    "recipient \"Microsoft\" = abuse@microsoft.example\n"
	    "recipient 203.0.113.0/24 = noc@doc.example\n"
	    "report_window = 3\nreport_daily_cap = 0\ndry_run = yes\n"
	    "report_xarf = yes\nreply_to = Desk <desk@example.org>\n", f);
	ck_assert_int_eq(fclose(f), 0);
	config_defaults(&cfg);
	ck_assert_int_eq(cfg.report_window_days, 7);
	ck_assert_int_eq(cfg.report_daily_cap, 10);
	ck_assert_int_eq(cfg.dry_run, 0);
	ck_assert_msg(config_load(&cfg, path, 1, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(provider_table_count(cfg.providers), 1);
	ck_assert_int_eq(cfg.report_window_days, 3);
	ck_assert_int_eq(cfg.report_daily_cap, 0);
	ck_assert_int_eq(cfg.dry_run, 1);
	ck_assert_int_eq(cfg.report_xarf, 1);
	ck_assert_str_eq(cfg.reply_to, "Desk <desk@example.org>");
	config_free(&cfg);
	unlink(path);
}
END_TEST

START_TEST(test_provider_config_bad_bool)
{
	struct config	 cfg;
	FILE		*f;
	char		 path[] = "/tmp/check_provider.XXXXXX", *cause = NULL;
	char		*want;
	int		 fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	fputs("dry_run = true\n", f);
	ck_assert_int_eq(fclose(f), 0);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, path, 1, &cause), -1);
	xasprintf(&want, "%s:1: invalid dry_run \"true\": expected yes or no",
	    path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
	unlink(path);
}
END_TEST

Suite *
make_provider_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("provider");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, pv_setup, pv_teardown);
	tcase_add_test(tc, test_provider_domain_outlook);
	tcase_add_test(tc, test_provider_domain_two_level_suffix);
	tcase_add_test(tc, test_provider_domain_rejects_bad_names);
	tcase_add_test(tc, test_provider_range_wins_over_rdns);
	tcase_add_test(tc, test_provider_most_specific_range);
	tcase_add_test(tc, test_provider_range_ipv6_and_mapped);
	tcase_add_test(tc, test_provider_rdns_domain_verified);
	tcase_add_test(tc, test_provider_helo_domain_unverified);
	tcase_add_test(tc, test_provider_nothing_known);
	tcase_add_test(tc, test_provider_client_uses_dns_confirmed);
	tcase_add_test(tc, test_provider_recipient_order);
	tcase_add_test(tc, test_provider_recipient_domain_then_txt_then_2142);
	tcase_add_test(tc, test_provider_helo_never_a_recipient);
	tcase_add_test(tc, test_provider_bad_abuse_contact_ignored);
	tcase_add_test(tc, test_provider_address_valid);
	tcase_add_test(tc, test_provider_matches_name_or_domain);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, pv_setup, pv_teardown);
	tcase_add_test(tc, test_provider_config_errors);
	tcase_add_test(tc, test_provider_config_escapes);
	tcase_add_test(tc, test_provider_config_file);
	tcase_add_test(tc, test_provider_config_bad_bool);
	suite_add_tcase(s, tc);
	return s;
}
