/*
 * Tests for core/dnsbl.c (zone lists, return code meanings, query names,
 * abuse contact addresses), the DNSBL keys of the config file, the
 * command-line overrides of core/dns_batch.c, and the JSON of
 * core/dns_json.c.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "dns_batch.h"
#include "dns_json.h"
#include "dnsbl.h"
#include "xmalloc.h"

static const char *
bl_name(const char *ip, const char *zone)
{
	static char		buf[DNS_HOST_NAME_MAX + 2];
	struct event_addr	a;

	a = check_addr(ip);
	if (dnsbl_query_name(&a, zone, buf, sizeof buf) == -1)
		return NULL;
	return buf;
}

START_TEST(test_dnsbl_name_ipv4)
{
	ck_assert_str_eq(bl_name("192.0.2.1", "zen.spamhaus.org"),
	    "1.2.0.192.zen.spamhaus.org");
	ck_assert_str_eq(bl_name("127.0.0.2", "bl.example.test."),
	    "2.0.0.127.bl.example.test");
}
END_TEST

START_TEST(test_dnsbl_name_ipv6_nibbles)
{
	ck_assert_str_eq(bl_name("2001:db8::1:25", "bl.example.test"),
	    "5.2.0.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "bl.example.test");
}
END_TEST

START_TEST(test_dnsbl_name_mapped_ipv4)
{
	ck_assert_str_eq(bl_name("::ffff:192.0.2.7", "bl.example.test"),
	    "7.2.0.192.bl.example.test");
}
END_TEST

START_TEST(test_dnsbl_name_limits)
{
	char			zone[DNS_HOST_NAME_MAX + 1], buf[300];
	struct event_addr	a;
	size_t			i;

	/* 190 characters: an IPv6 name would need 254. */
	for (i = 0; i < 190; i++)
		zone[i] = i % 50 == 49 ? '.' : 'a';
	zone[190] = '\0';
	ck_assert_ptr_null(bl_name("2001:db8::1", zone));
	ck_assert_ptr_nonnull(bl_name("192.0.2.1", zone));
	zone[189] = '\0';
	ck_assert_ptr_nonnull(bl_name("2001:db8::1", zone));

	a = check_addr("192.0.2.1");
	ck_assert_int_eq(dnsbl_query_name(&a, "bl.example.test", buf, 20), -1);
	memset(&a, 0, sizeof a);
	ck_assert_int_eq(dnsbl_query_name(&a, "bl.example.test", buf,
	    sizeof buf), -1);
}
END_TEST

START_TEST(test_dnsbl_zone_invalid)
{
	char	zone[200];

	ck_assert_ptr_null(dnsbl_zone_invalid("zen.spamhaus.org"));
	ck_assert_ptr_null(dnsbl_zone_invalid("bl.example.test."));
	ck_assert_str_eq(dnsbl_zone_invalid("localhost"), "zone without a dot");
	ck_assert_str_eq(dnsbl_zone_invalid("bad zone.test"),
	    "invalid character in name");
	ck_assert_str_eq(dnsbl_zone_invalid(""), "empty name");
	memset(zone, 'a', sizeof zone);
	zone[50] = zone[100] = zone[150] = '.';
	zone[190] = '\0';
	ck_assert_str_eq(dnsbl_zone_invalid(zone), "zone longer than 189 "
	    "characters, so an IPv6 query name would not fit in 253");
}
END_TEST

START_TEST(test_dnsbl_zones_parse)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	char			*cause = NULL;

	ck_assert_int_eq(dnsbl_set_zones(l, " Zen.Spamhaus.org., "
	    "bl.spamcop.net,zen.spamhaus.org", &cause), 0);
	ck_assert_uint_eq(l->nzones, 2);
	ck_assert_str_eq(l->zones[0], "zen.spamhaus.org");
	ck_assert_str_eq(l->zones[1], "bl.spamcop.net");

	ck_assert_int_eq(dnsbl_set_zones(l, "", &cause), 0);
	ck_assert_uint_eq(l->nzones, 0);
	dnsbl_list_free(l);
}
END_TEST

START_TEST(test_dnsbl_zones_invalid_kept)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	char			*cause = NULL;

	ck_assert_int_eq(dnsbl_set_zones(l, "bl.example.test", &cause), 0);
	ck_assert_int_eq(dnsbl_set_zones(l, "ok.example.test,bad\x1b.test",
	    &cause), -1);
	ck_assert_str_eq(cause, "invalid DNSBL zone \"bad\x1b.test\": "
	    "invalid character in name");
	free(cause);
	ck_assert_uint_eq(l->nzones, 1);
	ck_assert_str_eq(l->zones[0], "bl.example.test");
	dnsbl_list_free(l);
}
END_TEST

START_TEST(test_dnsbl_zones_too_many)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	char			*cause = NULL, text[1024];
	size_t			 i, len = 0;

	for (i = 0; i <= DNSBL_ZONES_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof text - len,
		    "%sz%zu.example.test", i > 0 ? "," : "", i);
	ck_assert_int_eq(dnsbl_set_zones(l, text, &cause), -1);
	ck_assert_str_eq(cause, "more than 16 DNSBL zones");
	free(cause);
	ck_assert_uint_eq(l->nzones, 0);
	dnsbl_list_free(l);
}
END_TEST

static enum dnsbl_kind
bl_kind(const struct dnsbl_list *l, const char *zone, const char *code,
    const char **text)
{
	struct event_addr	a;

	a = check_addr(code);
	return dnsbl_code_kind(l, zone, &a, text);
}

START_TEST(test_dnsbl_code_defaults)
{
	const char	*text;

	ck_assert_int_eq(bl_kind(NULL, "bl.example.test", "127.0.0.2", &text),
	    DNSBL_KIND_LISTED);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(bl_kind(NULL, "bl.example.test", "192.0.2.1", &text),
	    DNSBL_KIND_ERROR);
	ck_assert_int_eq(bl_kind(NULL, "bl.example.test", "2001:db8::1",
	    &text), DNSBL_KIND_ERROR);
}
END_TEST

START_TEST(test_dnsbl_code_rules)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	const char		*text;
	char			*cause = NULL;

	ck_assert_int_eq(dnsbl_add_rule(l, " zen.spamhaus.org "
	    "127.0.0.10-127.0.0.11 = listed PBL, end-user range ", &cause), 0);
	ck_assert_int_eq(dnsbl_add_rule(l, "ZEN.spamhaus.org "
	    "127.255.255.0-127.255.255.255 = error query refused", &cause), 0);
	ck_assert_int_eq(dnsbl_add_rule(l, "zen.spamhaus.org 127.0.0.11 = "
	    "not_listed", &cause), 0);
	ck_assert_uint_eq(l->nrules, 3);

	ck_assert_int_eq(bl_kind(l, "zen.spamhaus.org", "127.0.0.10", &text),
	    DNSBL_KIND_LISTED);
	ck_assert_str_eq(text, "PBL, end-user range");
	/* The later line wins where two ranges hold the code. */
	ck_assert_int_eq(bl_kind(l, "zen.spamhaus.org", "127.0.0.11", &text),
	    DNSBL_KIND_NOT_LISTED);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(bl_kind(l, "Zen.Spamhaus.Org.", "127.255.255.254",
	    &text), DNSBL_KIND_ERROR);
	ck_assert_str_eq(text, "query refused");
	/* Another zone keeps the defaults. */
	ck_assert_int_eq(bl_kind(l, "bl.spamcop.net", "127.255.255.254",
	    &text), DNSBL_KIND_LISTED);
	dnsbl_list_free(l);
}
END_TEST

static void
assert_rule_error(const char *text, const char *want)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	char			*cause = NULL;

	ck_assert_int_eq(dnsbl_add_rule(l, text, &cause), -1);
	ck_assert_str_eq(cause, want);
	ck_assert_uint_eq(l->nrules, 0);
	free(cause);
	dnsbl_list_free(l);
}

START_TEST(test_dnsbl_code_rule_errors)
{
	assert_rule_error(" zen.spamhaus.org 127.0.0.2", "expected "
	    "\"dnsbl_code ZONE CODE[-CODE] = listed|not_listed|error [TEXT]\", "
	    "found \"dnsbl_code zen.spamhaus.org 127.0.0.2\"");
	assert_rule_error(" zen.spamhaus.org 127.0.0.300 = listed",
	    "invalid return code \"127.0.0.300\": expected an IPv4 address "
	    "such as 127.0.0.2, or a range such as 127.0.0.2-127.0.0.11");
	assert_rule_error(" zen.spamhaus.org 127.0.0.9-127.0.0.2 = listed",
	    "invalid return code \"127.0.0.9-127.0.0.2\": expected an IPv4 "
	    "address such as 127.0.0.2, or a range such as "
	    "127.0.0.2-127.0.0.11");
	assert_rule_error(" zen.spamhaus.org 127.0.0.2 = blocked",
	    "invalid return code meaning \"blocked\": use listed, not_listed "
	    "or error");
	assert_rule_error(" zen 127.0.0.2 = listed", "invalid DNSBL zone "
	    "\"zen\": zone without a dot");
	assert_rule_error(" zen.spamhaus.org 127.0.0.2 = listed a\x7f",
	    "return code text must be printable ASCII");
}
END_TEST

static enum dns_listed
bl_judge(const struct dnsbl_list *l, enum dns_rcode rcode, const char *c1,
    const char *c2)
{
	struct event_addr	codes[2];
	size_t			n = 0;

	memset(codes, 0, sizeof codes);

	if (c1 != NULL)
		codes[n++] = check_addr(c1);
	if (c2 != NULL)
		codes[n++] = check_addr(c2);
	return dnsbl_judge(l, "bl.example.test", rcode, codes, n);
}

/* The rows of the DNSBL table in docs/dns-checks.md, one test each. */
START_TEST(test_dnsbl_judge_l1_listed)
{
	ck_assert_int_eq(bl_judge(NULL, DNS_RCODE_NOERROR, "192.0.2.1",
	    "127.0.0.2"), DNS_LISTED_YES);
}
END_TEST

START_TEST(test_dnsbl_judge_l2_error_code)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	char			*cause = NULL;

	ck_assert_int_eq(dnsbl_add_rule(l, "bl.example.test 127.0.0.3 = "
	    "not_listed", &cause), 0);
	ck_assert_int_eq(bl_judge(l, DNS_RCODE_NOERROR, "127.0.0.3",
	    "192.0.2.1"), DNS_LISTED_UNKNOWN);
	dnsbl_list_free(l);
}
END_TEST

START_TEST(test_dnsbl_judge_l3_not_listed)
{
	struct dnsbl_list	*l = dnsbl_list_create();
	char			*cause = NULL;

	ck_assert_int_eq(dnsbl_add_rule(l, "bl.example.test 127.0.0.3 = "
	    "not_listed", &cause), 0);
	ck_assert_int_eq(bl_judge(l, DNS_RCODE_NOERROR, "127.0.0.3", NULL),
	    DNS_LISTED_NO);
	ck_assert_int_eq(bl_judge(l, DNS_RCODE_NOERROR, NULL, NULL),
	    DNS_LISTED_NO);
	ck_assert_int_eq(bl_judge(l, DNS_RCODE_NXDOMAIN, NULL, NULL),
	    DNS_LISTED_NO);
	dnsbl_list_free(l);
}
END_TEST

START_TEST(test_dnsbl_judge_l4_failure)
{
	ck_assert_int_eq(bl_judge(NULL, DNS_RCODE_SERVFAIL, NULL, NULL),
	    DNS_LISTED_UNKNOWN);
	ck_assert_int_eq(bl_judge(NULL, DNS_RCODE_TIMEOUT, NULL, NULL),
	    DNS_LISTED_UNKNOWN);
	ck_assert_int_eq(bl_judge(NULL, DNS_RCODE_INVALID, NULL, NULL),
	    DNS_LISTED_UNKNOWN);
}
END_TEST

START_TEST(test_dnsbl_judge_l5_pending)
{
	ck_assert_int_eq(bl_judge(NULL, DNS_RCODE_NONE, NULL, NULL),
	    DNS_LISTED_PENDING);
}
END_TEST

START_TEST(test_dnsbl_abuse_addresses)
{
	static char	 t1[] = "abuse@example.test, noc@example.test";
	static char	 t2[] = "ABUSE@example.test\tsecurity@sub.example.test";
	static char	 t3[] = "not an address";
	static char	 t4[] = "a@b x@bad..test q\\032@example.test";
	static char	 t5[] = "<angle@example.test>";
	static char	 t6[] = "";
	char		*txt[] = { t1, t2, t3, t4, t5, t6 };
	char		*out[DNS_ABUSE_MAX];
	size_t		 n, i;

	n = dnsbl_abuse_addresses(txt, sizeof txt / sizeof txt[0], out,
	    DNS_ABUSE_MAX);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(out[0], "abuse@example.test");
	ck_assert_str_eq(out[1], "noc@example.test");
	ck_assert_str_eq(out[2], "security@sub.example.test");
	for (i = 0; i < n; i++)
		free(out[i]);
}
END_TEST

START_TEST(test_dnsbl_abuse_addresses_max)
{
	static char	 t1[] = "a1@example.test a2@example.test a3@example.test";
	char		*txt[] = { t1 };
	char		*out[2];
	size_t		 n;

	n = dnsbl_abuse_addresses(txt, 1, out, 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[1], "a2@example.test");
	free(out[0]);
	free(out[1]);
}
END_TEST

/* A config file in a temporary folder, read over the defaults. */
static int
bl_load(const char *text, struct config *cfg, char **cause)
{
	char	 dir[] = "/tmp/check_dnsbl.XXXXXX", *path;
	FILE	*f;
	int	 rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	xasprintf(&path, "%s/config", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	config_defaults(cfg);
	rc = config_load(cfg, path, 1, cause);
	unlink(path);
	rmdir(dir);
	free(path);
	return rc;
}

START_TEST(test_dnsbl_config_keys)
{
	struct config	 cfg;
	char		*cause = NULL;

	ck_assert_int_eq(bl_load("dnsbl = zen.spamhaus.org, bl.spamcop.net\n"
	    "dnsbl_code zen.spamhaus.org 127.0.0.2 = listed SBL\n"
	    "abuse_zone = abuse.example.test\n"
	    "dns_qps = 500\n", &cfg, &cause), 0);
	ck_assert_uint_eq(cfg.dnsbl->nzones, 2);
	ck_assert_str_eq(cfg.dnsbl->zones[1], "bl.spamcop.net");
	ck_assert_uint_eq(cfg.dnsbl->nrules, 1);
	ck_assert_str_eq(cfg.dnsbl->rules[0].text, "SBL");
	ck_assert_str_eq(cfg.abuse_zone, "abuse.example.test");
	ck_assert_int_eq(cfg.dns_qps, 500);
	config_free(&cfg);
}
END_TEST

START_TEST(test_dnsbl_config_defaults)
{
	struct config	 cfg;
	char		*cause = NULL;

	ck_assert_int_eq(bl_load("# nothing\n", &cfg, &cause), 0);
	ck_assert_uint_eq(cfg.dnsbl->nzones, 0);
	ck_assert_str_eq(cfg.abuse_zone, "abuse-contacts.abusix.zone");
	ck_assert_int_eq(cfg.dns_qps, 0);
	config_free(&cfg);

	ck_assert_int_eq(bl_load("abuse_zone =\n", &cfg, &cause), 0);
	ck_assert_ptr_null(cfg.abuse_zone);
	config_free(&cfg);
}
END_TEST

START_TEST(test_dnsbl_config_errors)
{
	struct config	 cfg;
	char		*cause = NULL;

	ck_assert_int_eq(bl_load("dnsbl = a.test,,b..test\n", &cfg, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "/config:1: invalid DNSBL zone "
	    "\"b..test\": empty label"));
	free(cause);
	config_free(&cfg);

	ck_assert_int_eq(bl_load("\ndnsbl_code a.test 127.0.0.2 listed\n",
	    &cfg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/config:2: expected "
	    "\"dnsbl_code ZONE"));
	free(cause);
	config_free(&cfg);

	ck_assert_int_eq(bl_load("abuse_zone = nodot\n", &cfg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "/config:1: invalid abuse_zone "
	    "\"nodot\": zone without a dot"));
	free(cause);
	config_free(&cfg);

	ck_assert_int_eq(bl_load("dns_qps = -1\n", &cfg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "invalid dns_qps \"-1\""));
	free(cause);
	config_free(&cfg);
}
END_TEST

START_TEST(test_dnsbl_command_line)
{
	struct config	 cfg;
	char		*cause = NULL;

	ck_assert_int_eq(bl_load("dnsbl = zen.spamhaus.org\n", &cfg, &cause),
	    0);
	ck_assert_int_eq(dns_config_override(&cfg, "bl.example.test",
	    "abuse.example.test", &cause), 0);
	ck_assert_uint_eq(cfg.dnsbl->nzones, 1);
	ck_assert_str_eq(cfg.dnsbl->zones[0], "bl.example.test");
	ck_assert_str_eq(cfg.abuse_zone, "abuse.example.test");

	ck_assert_int_eq(dns_config_override(&cfg, "", "", &cause), 0);
	ck_assert_uint_eq(cfg.dnsbl->nzones, 0);
	ck_assert_ptr_null(cfg.abuse_zone);

	ck_assert_int_eq(dns_config_override(&cfg, NULL, "x", &cause), -1);
	ck_assert_str_eq(cause, "invalid --abuse-zone \"x\": zone without a "
	    "dot");
	free(cause);
	ck_assert_int_eq(dns_config_override(&cfg, "a b", NULL, &cause), -1);
	ck_assert_str_eq(cause, "invalid --dnsbl: invalid DNSBL zone \"a\": "
	    "zone without a dot");
	free(cause);
	config_free(&cfg);
}
END_TEST

START_TEST(test_dnsbl_json_exact)
{
	struct dns_result	r;
	struct esc_buf		b = { NULL, 0, 0 };
	char			zone1[] = "bl.example.test";
	char			zone2[] = "dead.example.test";
	char			azone[] = "abuse.example.test";
	char			addr[] = "abuse@example.test";

	memset(&r, 0, sizeof r);
	r.ndnsbl = 2;
	r.dnsbl[0].zone = zone1;
	r.dnsbl[0].rcode = DNS_RCODE_NOERROR;
	r.dnsbl[0].listed = DNS_LISTED_YES;
	r.dnsbl[0].ncodes = 2;
	r.dnsbl[0].codes[0] = check_addr("127.0.0.2");
	r.dnsbl[0].codes[1] = check_addr("127.0.0.4");
	r.dnsbl[1].zone = zone2;
	r.dnsbl[1].rcode = DNS_RCODE_TIMEOUT;
	r.dnsbl[1].listed = DNS_LISTED_UNKNOWN;
	r.abuse.zone = azone;
	r.abuse.rcode = DNS_RCODE_NOERROR;
	r.abuse.naddresses = 1;
	r.abuse.addresses[0] = addr;
	esc_buf_lit(&b, "");
	dns_json_lists(&b, &r);
	ck_assert_str_eq(b.data, ",\"dnsbl\":[{\"zone\":\"bl.example.test\","
	    "\"listed\":true,\"codes\":[\"127.0.0.2\",\"127.0.0.4\"],"
	    "\"rcode\":\"NOERROR\"},{\"zone\":\"dead.example.test\","
	    "\"listed\":null,\"codes\":[],\"rcode\":\"TIMEOUT\"}],"
	    "\"abuse_contact\":{\"rcode\":\"NOERROR\",\"addresses\":"
	    "[\"abuse@example.test\"]}");

	/* No zones and no abuse contact zone. */
	memset(&r, 0, sizeof r);
	b.len = 0;
	dns_json_lists(&b, &r);
	ck_assert_str_eq(b.data, ",\"dnsbl\":[],\"abuse_contact\":null");
	esc_buf_free(&b);
}
END_TEST

Suite *
make_dnsbl_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("dnsbl");

	tc = tcase_create("names");
	tcase_add_test(tc, test_dnsbl_name_ipv4);
	tcase_add_test(tc, test_dnsbl_name_ipv6_nibbles);
	tcase_add_test(tc, test_dnsbl_name_mapped_ipv4);
	tcase_add_test(tc, test_dnsbl_name_limits);
	tcase_add_test(tc, test_dnsbl_zone_invalid);
	tcase_add_test(tc, test_dnsbl_zones_parse);
	tcase_add_test(tc, test_dnsbl_zones_invalid_kept);
	tcase_add_test(tc, test_dnsbl_zones_too_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("codes");
	tcase_add_test(tc, test_dnsbl_code_defaults);
	tcase_add_test(tc, test_dnsbl_code_rules);
	tcase_add_test(tc, test_dnsbl_code_rule_errors);
	tcase_add_test(tc, test_dnsbl_judge_l1_listed);
	tcase_add_test(tc, test_dnsbl_judge_l2_error_code);
	tcase_add_test(tc, test_dnsbl_judge_l3_not_listed);
	tcase_add_test(tc, test_dnsbl_judge_l4_failure);
	tcase_add_test(tc, test_dnsbl_judge_l5_pending);
	suite_add_tcase(s, tc);

	tc = tcase_create("abuse");
	tcase_add_test(tc, test_dnsbl_abuse_addresses);
	tcase_add_test(tc, test_dnsbl_abuse_addresses_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, test_dnsbl_config_keys);
	tcase_add_test(tc, test_dnsbl_config_defaults);
	tcase_add_test(tc, test_dnsbl_config_errors);
	tcase_add_test(tc, test_dnsbl_command_line);
	tcase_add_test(tc, test_dnsbl_json_exact);
	suite_add_tcase(s, tc);
	return s;
}
