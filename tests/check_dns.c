/*
 * Tests for the DNS checks.  Fake results cover one row of the verdict
 * tables in docs/dns-checks.md per test.  Then come the name and literal
 * rules, and the answer parser on hand-made messages.  The engine tests
 * each run a small DNS responder on 127.0.0.1 in the test itself.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "dns.h"
#include "dns_pool.h"
#include "dnsbl.h"
#include "xmalloc.h"

static void
forward_add(struct dns_addrlist *f, const char *ip)
{
	ck_assert_uint_lt(f->count, DNS_ADDRS_MAX);
	f->addrs[f->count++] = check_addr(ip);
}

static void
forward_set(struct dns_addrlist *f, enum dns_rcode a, enum dns_rcode aaaa)
{
	f->rcode_a = a;
	f->rcode_aaaa = aaaa;
}

static struct dns_ptrname *
ptr_add(struct dns_result *r, const char *name)
{
	struct dns_ptrname	*p;

	ck_assert_uint_lt(r->nptr, DNS_NAMES_MAX);
	p = &r->ptr[r->nptr++];
	p->name = xstrdup(name);
	p->invalid = dns_name_invalid(name);
	return p;
}

static struct dns_helo *
helo_add(struct dns_result *r, const char *name)
{
	struct dns_helo		*h;
	struct event_addr	 literal;
	int			 rc;

	ck_assert_uint_lt(r->nhelo, DNS_HELOS_MAX);
	h = &r->helo[r->nhelo++];
	h->name = xstrdup(name);
	rc = dns_literal_parse(name, &literal);
	if (rc == 1)
		h->literal = 1;
	else if (rc == -1)
		h->invalid = "malformed address literal";
	else
		h->invalid = dns_name_invalid(name);
	if (h->invalid != NULL)
		h->rcode = DNS_RCODE_INVALID;
	return h;
}

/*
 * Set the A and AAAA rcodes of f to a and aaaa and, unless ip is NULL, add
 * the address ip.
 */
static void
forward_fill(struct dns_addrlist *f, enum dns_rcode a, enum dns_rcode aaaa,
    const char *ip)
{
	forward_set(f, a, aaaa);
	if (ip != NULL)
		forward_add(f, ip);
}

/* Add a PTR name with lookups as forward_fill sets them. */
static struct dns_ptrname *
ptr_add_forward(struct dns_result *r, const char *name, enum dns_rcode a,
    enum dns_rcode aaaa, const char *ip)
{
	struct dns_ptrname	*p;

	p = ptr_add(r, name);
	forward_fill(&p->forward, a, aaaa, ip);
	return p;
}

/* Add a HELO name with lookups as forward_fill sets them. */
static struct dns_helo *
helo_add_forward(struct dns_result *r, const char *name, enum dns_rcode a,
    enum dns_rcode aaaa, const char *ip)
{
	struct dns_helo	*h;

	h = helo_add(r, name);
	forward_fill(&h->forward, a, aaaa, ip);
	return h;
}

static void
result_clear(struct dns_result *r)
{
	size_t	i;

	for (i = 0; i < r->nptr; i++)
		free(r->ptr[i].name);
	for (i = 0; i < r->nhelo; i++)
		free(r->helo[i].name);
	memset(r, 0, sizeof *r);
}

static enum dns_verdict
judge_fcrdns(struct dns_result *r, const char *client)
{
	struct event_addr	a;

	a = check_addr(client);
	dns_result_judge(r, &a);
	return r->fcrdns;
}

static enum dns_verdict
judge_helo(struct dns_result *r, const char *client, size_t i)
{
	struct event_addr	a;

	a = check_addr(client);
	dns_result_judge(r, &a);
	return r->helo[i].verified;
}

/* A result whose PTR lookup found one confirmed name, mail.example.test. */
static void
result_confirmed_ptr(struct dns_result *r)
{
	r->ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(r, "mail.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.10");
}

/* FCrDNS F1: a PTR name whose A records contain the client. */
START_TEST(test_fcrdns_f1_confirmed_name)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "other.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.99");
	ptr_add_forward(&r, "mail.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_SERVFAIL, "192.0.2.10");
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.10"), DNS_VERDICT_PASS);
	ck_assert_int_eq(r.ptr[0].confirmed, 0);
	ck_assert_int_eq(r.ptr[1].confirmed, 1);
	result_clear(&r);
}
END_TEST

START_TEST(test_fcrdns_f1_mapped_client)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	result_confirmed_ptr(&r);
	ck_assert_int_eq(judge_fcrdns(&r, "::ffff:192.0.2.10"),
	    DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_fcrdns_f1_ipv6_client)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "v6.example.test", DNS_RCODE_NXDOMAIN,
	    DNS_RCODE_NOERROR, "2001:db8::25");
	ck_assert_int_eq(judge_fcrdns(&r, "2001:DB8:0::25"), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

/* F1 before F2: a pass needs no other answer. */
START_TEST(test_fcrdns_f1_before_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	result_confirmed_ptr(&r);
	ptr_add_forward(&r, "slow.example.test", DNS_RCODE_NONE,
	    DNS_RCODE_NONE, NULL);
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.10"), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_fcrdns_f2_ptr_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.10"), DNS_VERDICT_NONE);
}
END_TEST

START_TEST(test_fcrdns_f2_forward_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "a.example.test", DNS_RCODE_TIMEOUT,
	    DNS_RCODE_TIMEOUT, NULL);
	ptr_add_forward(&r, "b.example.test", DNS_RCODE_NONE,
	    DNS_RCODE_NOERROR, NULL);
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.10"), DNS_VERDICT_NONE);
	result_clear(&r);
}
END_TEST

START_TEST(test_fcrdns_f3_ptr_temporary)
{
	static const enum dns_rcode	 temporary[] = { DNS_RCODE_SERVFAIL,
	    DNS_RCODE_REFUSED, DNS_RCODE_TIMEOUT, DNS_RCODE_ERROR };
	struct dns_result		 r;
	size_t				 i;

	for (i = 0; i < sizeof temporary / sizeof temporary[0]; i++) {
		memset(&r, 0, sizeof r);
		r.ptr_rcode = temporary[i];
		ck_assert_msg(judge_fcrdns(&r, "192.0.2.10") ==
		    DNS_VERDICT_INDETERMINATE, "PTR %s should give "
		    "indeterminate", dns_rcode_name(temporary[i]));
	}
}
END_TEST

START_TEST(test_fcrdns_f4_forward_temporary)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "a.example.test", DNS_RCODE_NXDOMAIN,
	    DNS_RCODE_NXDOMAIN, NULL);
	ptr_add_forward(&r, "b.example.test", DNS_RCODE_SERVFAIL,
	    DNS_RCODE_NOERROR, NULL);
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.10"),
	    DNS_VERDICT_INDETERMINATE);
	result_clear(&r);
}
END_TEST

/* F4 reads only the query that can hold the client: AAAA for IPv6. */
START_TEST(test_fcrdns_f4_other_family_ignored)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "v6.example.test", DNS_RCODE_TIMEOUT,
	    DNS_RCODE_NOERROR, "2001:db8::99");
	ck_assert_int_eq(judge_fcrdns(&r, "2001:db8::25"), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

START_TEST(test_fcrdns_f5_nxdomain)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.30"), DNS_VERDICT_FAIL);
}
END_TEST

START_TEST(test_fcrdns_f6_nodata)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.30"), DNS_VERDICT_FAIL);
}
END_TEST

START_TEST(test_fcrdns_f7_no_name_matches)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "mismatch.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.99");
	ptr_add_forward(&r, "gone.example.test", DNS_RCODE_NXDOMAIN,
	    DNS_RCODE_NXDOMAIN, NULL);
	ptr_add_forward(&r, "nodata.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, NULL);
	ptr_add_forward(&r, "bad\\032name.example.test", DNS_RCODE_INVALID,
	    DNS_RCODE_INVALID, NULL);
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.20"), DNS_VERDICT_FAIL);
	ck_assert_str_eq(r.ptr[3].invalid, "invalid character in name");
	result_clear(&r);
}
END_TEST

/* FCrDNS F4a: names were left out and none of the kept ones confirms. */
START_TEST(test_fcrdns_f4a_names_dropped)
{
	struct dns_result	r;
	struct dns_ptrname	*p;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	p = ptr_add_forward(&r, "mismatch.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.99");
	r.ptr_dropped = 1;
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.20"),
	    DNS_VERDICT_INDETERMINATE);

	/* A kept name that confirms still decides the verdict. */
	forward_add(&p->forward, "192.0.2.20");
	ck_assert_int_eq(judge_fcrdns(&r, "192.0.2.20"), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_fcrdns_f8_unknown_family)
{
	struct dns_result	r;
	struct event_addr	a;

	memset(&r, 0, sizeof r);
	memset(&a, 0, sizeof a);
	r.ptr_rcode = DNS_RCODE_INVALID;
	dns_result_judge(&r, &a);
	ck_assert_int_eq(r.fcrdns, DNS_VERDICT_FAIL);
}
END_TEST

START_TEST(test_helo_h1_ipv4_literal)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	helo_add(&r, "[192.0.2.10]");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h1_ipv6_literal_case)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	helo_add(&r, "[ipv6:2001:DB8:0:0::1]");
	ck_assert_int_eq(judge_helo(&r, "2001:db8::1", 0), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h1_literal_while_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	helo_add(&r, "[192.0.2.10]");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h2_other_literal)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	result_confirmed_ptr(&r);
	helo_add(&r, "[192.0.2.11]");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h3_invalid_name)
{
	struct dns_result	r;
	struct dns_helo		*h;

	memset(&r, 0, sizeof r);
	result_confirmed_ptr(&r);
	h = helo_add(&r, "bad!name.example.test");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_FAIL);
	ck_assert_int_eq(h->rcode, DNS_RCODE_INVALID);
	ck_assert_str_eq(h->invalid, "invalid character in name");
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h3_malformed_literal)
{
	struct dns_result	r;
	struct dns_helo		*h;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	h = helo_add(&r, "[192.0.2.10");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_FAIL);
	ck_assert_int_eq(h->literal, 0);
	ck_assert_str_eq(h->invalid, "malformed address literal");
	result_clear(&r);
}
END_TEST

/* H4: equal to a confirmed PTR name passes even if its own lookup failed. */
START_TEST(test_helo_h4_equals_confirmed_ptr)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	result_confirmed_ptr(&r);
	helo_add_forward(&r, "MAIL.Example.TEST.", DNS_RCODE_SERVFAIL,
	    DNS_RCODE_SERVFAIL, NULL);
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h4_unconfirmed_ptr_no_pass)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "mismatch.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.99");
	helo_add_forward(&r, "mismatch.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.99");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.20", 0), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h5_forward_contains_client)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_SERVFAIL;
	helo_add_forward(&r, "fine.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "198.51.100.40");
	ck_assert_int_eq(judge_helo(&r, "198.51.100.40", 0), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h5_aaaa_contains_client)
{
	struct dns_result	r;
	struct dns_helo		*h;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	h = helo_add_forward(&r, "dual.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "192.0.2.70");
	forward_add(&h->forward, "2001:db8::70");
	ck_assert_int_eq(judge_helo(&r, "2001:db8::70", 0), DNS_VERDICT_PASS);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h6_forward_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	helo_add_forward(&r, "slow.example.test", DNS_RCODE_NONE,
	    DNS_RCODE_NOERROR, NULL);
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_NONE);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h6_ptr_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	helo_add_forward(&r, "other.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "198.51.100.7");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_NONE);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h6_equal_ptr_pending)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	ptr_add_forward(&r, "mail.example.test", DNS_RCODE_NONE,
	    DNS_RCODE_NONE, NULL);
	helo_add_forward(&r, "mail.example.test", DNS_RCODE_TIMEOUT,
	    DNS_RCODE_TIMEOUT, NULL);
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_NONE);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h7_temporary)
{
	static const enum dns_rcode	 temporary[] = { DNS_RCODE_SERVFAIL,
	    DNS_RCODE_REFUSED, DNS_RCODE_TIMEOUT, DNS_RCODE_ERROR };
	struct dns_result		 r;
	struct dns_helo			*h;
	size_t				 i;

	for (i = 0; i < sizeof temporary / sizeof temporary[0]; i++) {
		memset(&r, 0, sizeof r);
		r.ptr_rcode = DNS_RCODE_NXDOMAIN;
		h = helo_add(&r, "helo.example.test");
		forward_set(&h->forward, temporary[i], DNS_RCODE_NOERROR);
		ck_assert_msg(judge_helo(&r, "192.0.2.10", 0) ==
		    DNS_VERDICT_INDETERMINATE, "HELO A %s should give "
		    "indeterminate", dns_rcode_name(temporary[i]));
		result_clear(&r);
	}
}
END_TEST

/* The M365 case: PTR and HELO both SERVFAIL. */
START_TEST(test_helo_h7_ptr_and_helo_servfail)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_SERVFAIL;
	helo_add_forward(&r, "EUR03-AM5-obe.outbound.protection.example.test", DNS_RCODE_SERVFAIL,
	    DNS_RCODE_SERVFAIL, NULL);
	ck_assert_int_eq(judge_helo(&r, "203.0.113.125", 0),
	    DNS_VERDICT_INDETERMINATE);
	ck_assert_int_eq(r.fcrdns, DNS_VERDICT_INDETERMINATE);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h8_other_address)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	result_confirmed_ptr(&r);
	helo_add_forward(&r, "other.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_NOERROR, "198.51.100.7");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_h8_nxdomain)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	helo_add_forward(&r, "nx.example.test", DNS_RCODE_NXDOMAIN,
	    DNS_RCODE_NXDOMAIN, NULL);
	ck_assert_int_eq(judge_helo(&r, "192.0.2.30", 0), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

/* A PTR SERVFAIL does not make a definitive HELO answer indeterminate. */
START_TEST(test_helo_h8_ptr_servfail_ignored)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_SERVFAIL;
	helo_add_forward(&r, "nx.example.test", DNS_RCODE_NXDOMAIN,
	    DNS_RCODE_NXDOMAIN, NULL);
	ck_assert_int_eq(judge_helo(&r, "192.0.2.30", 0), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

/* H8 reads only the query that can hold the client: A for IPv4. */
START_TEST(test_helo_h8_other_family_ignored)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	helo_add_forward(&r, "helo.example.test", DNS_RCODE_NOERROR,
	    DNS_RCODE_TIMEOUT, NULL);
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_FAIL);
	result_clear(&r);
}
END_TEST

static enum dns_rcode
helo_rcode(enum dns_rcode a, enum dns_rcode aaaa)
{
	struct dns_addrlist	f;

	memset(&f, 0, sizeof f);
	forward_set(&f, a, aaaa);
	return dns_helo_rcode(&f);
}

START_TEST(test_helo_rcode_c1_invalid)
{
	ck_assert_int_eq(helo_rcode(DNS_RCODE_INVALID, DNS_RCODE_INVALID),
	    DNS_RCODE_INVALID);
}
END_TEST

/* An address literal is compared, never asked, so it has no rcode. */
START_TEST(test_helo_rcode_c2_literal)
{
	struct dns_result	 r;
	struct dns_helo		*h;

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NXDOMAIN;
	h = helo_add(&r, "[192.0.2.10]");
	ck_assert_int_eq(judge_helo(&r, "192.0.2.10", 0), DNS_VERDICT_PASS);
	ck_assert_int_eq(h->literal, 1);
	ck_assert_int_eq(h->rcode, DNS_RCODE_NONE);
	ck_assert_int_eq(dns_helo_rcode(&h->forward), DNS_RCODE_NONE);
	result_clear(&r);
}
END_TEST

START_TEST(test_helo_rcode_c3_noerror_wins)
{
	ck_assert_int_eq(helo_rcode(DNS_RCODE_NXDOMAIN, DNS_RCODE_NOERROR),
	    DNS_RCODE_NOERROR);
	ck_assert_int_eq(helo_rcode(DNS_RCODE_NOERROR, DNS_RCODE_TIMEOUT),
	    DNS_RCODE_NOERROR);
	ck_assert_int_eq(helo_rcode(DNS_RCODE_NOERROR, DNS_RCODE_NONE),
	    DNS_RCODE_NOERROR);
}
END_TEST

START_TEST(test_helo_rcode_c4_pending)
{
	ck_assert_int_eq(helo_rcode(DNS_RCODE_SERVFAIL, DNS_RCODE_NONE),
	    DNS_RCODE_NONE);
}
END_TEST

START_TEST(test_helo_rcode_c5_a_temporary)
{
	ck_assert_int_eq(helo_rcode(DNS_RCODE_TIMEOUT, DNS_RCODE_SERVFAIL),
	    DNS_RCODE_TIMEOUT);
}
END_TEST

START_TEST(test_helo_rcode_c6_aaaa_temporary)
{
	ck_assert_int_eq(helo_rcode(DNS_RCODE_NXDOMAIN, DNS_RCODE_REFUSED),
	    DNS_RCODE_REFUSED);
}
END_TEST

START_TEST(test_helo_rcode_c7_nxdomain)
{
	ck_assert_int_eq(helo_rcode(DNS_RCODE_NXDOMAIN, DNS_RCODE_NXDOMAIN),
	    DNS_RCODE_NXDOMAIN);
}
END_TEST

START_TEST(test_dns_rcode_names)
{
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_NONE), "NONE");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_NOERROR), "NOERROR");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_NXDOMAIN), "NXDOMAIN");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_SERVFAIL), "SERVFAIL");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_REFUSED), "REFUSED");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_TIMEOUT), "TIMEOUT");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_ERROR), "ERROR");
	ck_assert_str_eq(dns_rcode_name(DNS_RCODE_INVALID), "INVALID");
}
END_TEST

START_TEST(test_dns_verdict_names)
{
	ck_assert_str_eq(dns_verdict_name(DNS_VERDICT_NONE), "pending");
	ck_assert_str_eq(dns_verdict_name(DNS_VERDICT_PASS), "pass");
	ck_assert_str_eq(dns_verdict_name(DNS_VERDICT_FAIL), "fail");
	ck_assert_str_eq(dns_verdict_name(DNS_VERDICT_INDETERMINATE),
	    "indeterminate");
}
END_TEST

START_TEST(test_dns_rcode_temporary)
{
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_NONE), 0);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_NOERROR), 0);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_NXDOMAIN), 0);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_SERVFAIL), 1);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_REFUSED), 1);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_TIMEOUT), 1);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_ERROR), 1);
	ck_assert_int_eq(dns_rcode_temporary(DNS_RCODE_INVALID), 0);
}
END_TEST

START_TEST(test_dns_name_valid)
{
	ck_assert_ptr_null(dns_name_invalid("mail.example.test"));
	ck_assert_ptr_null(dns_name_invalid("mail.example.test."));
	ck_assert_ptr_null(dns_name_invalid("WIN_7-PC"));
	ck_assert_ptr_null(dns_name_invalid("-a-.b_"));
	ck_assert_ptr_null(dns_name_invalid("1.2.3.4.example"));
}
END_TEST

START_TEST(test_dns_name_empty)
{
	ck_assert_str_eq(dns_name_invalid(""), "empty name");
	ck_assert_str_eq(dns_name_invalid("."), "empty name");
}
END_TEST

START_TEST(test_dns_name_empty_label)
{
	ck_assert_str_eq(dns_name_invalid("a..b"), "empty label");
	ck_assert_str_eq(dns_name_invalid(".a"), "empty label");
	ck_assert_str_eq(dns_name_invalid("a.b.."), "empty label");
}
END_TEST

START_TEST(test_dns_name_label_length)
{
	char	name[80];

	memset(name, 'a', 63);
	memcpy(name + 63, ".test", sizeof ".test");
	ck_assert_ptr_null(dns_name_invalid(name));
	memset(name, 'a', 64);
	memcpy(name + 64, ".test", sizeof ".test");
	ck_assert_str_eq(dns_name_invalid(name),
	    "label longer than 63 characters");
}
END_TEST

START_TEST(test_dns_name_total_length)
{
	char	name[300];
	size_t	i;

	/* 63 labels of "abc" and dots: 251 characters, then 253 and 255. */
	for (i = 0; i < 63; i++)
		memcpy(name + i * 4, "abc.", 4);
	name[251] = '\0';
	ck_assert_ptr_null(dns_name_invalid(name));
	memcpy(name + 251, ".a", sizeof ".a");
	ck_assert_ptr_null(dns_name_invalid(name));
	memcpy(name + 253, ".", sizeof ".");
	ck_assert_ptr_null(dns_name_invalid(name));
	memcpy(name + 253, "bc", sizeof "bc");
	ck_assert_str_eq(dns_name_invalid(name),
	    "name longer than 253 characters");
}
END_TEST

START_TEST(test_dns_name_bad_characters)
{
	ck_assert_str_eq(dns_name_invalid("bad!name"),
	    "invalid character in name");
	ck_assert_str_eq(dns_name_invalid("bad name"),
	    "invalid character in name");
	ck_assert_str_eq(dns_name_invalid("x\x1b[31m.test"),
	    "invalid character in name");
	ck_assert_str_eq(dns_name_invalid("b\xc3\xbc" "cher.test"),
	    "invalid character in name");
	ck_assert_str_eq(dns_name_invalid("bad\\032name.test"),
	    "invalid character in name");
}
END_TEST

START_TEST(test_dns_name_bare_address)
{
	ck_assert_str_eq(dns_name_invalid("192.0.2.1"),
	    "IPv4 address without brackets");
	ck_assert_str_eq(dns_name_invalid("2001:db8::1"),
	    "IPv6 address without brackets");
}
END_TEST

START_TEST(test_dns_name_equal)
{
	ck_assert_int_eq(dns_name_equal("Mail.Example.TEST",
	    "mail.example.test."), 1);
	ck_assert_int_eq(dns_name_equal("mail.example.test",
	    "mail.example.tes"), 0);
	ck_assert_int_eq(dns_name_equal("a.example", "b.example"), 0);
}
END_TEST

static int
literal(const char *helo, const char *want)
{
	struct event_addr	got, expect;
	int			rc;

	rc = dns_literal_parse(helo, &got);
	if (rc == 1 && want != NULL) {
		expect = check_addr(want);
		ck_assert_int_eq(got.family, expect.family);
		ck_assert_mem_eq(got.bytes, expect.bytes, 16);
	}
	return rc;
}

START_TEST(test_dns_literal_ipv4)
{
	ck_assert_int_eq(literal("[192.0.2.1]", "192.0.2.1"), 1);
	ck_assert_int_eq(literal("[IPv4:192.0.2.1]", "192.0.2.1"), 1);
}
END_TEST

START_TEST(test_dns_literal_ipv6_tag_case)
{
	ck_assert_int_eq(literal("[IPv6:2001:db8::1]", "2001:db8::1"), 1);
	ck_assert_int_eq(literal("[ipv6:2001:DB8::1]", "2001:db8::1"), 1);
	ck_assert_int_eq(literal("[IPV6:2001:db8:0::1]", "2001:db8::1"), 1);
}
END_TEST

START_TEST(test_dns_literal_ipv6_untagged)
{
	ck_assert_int_eq(literal("[2001:db8::1]", "2001:db8::1"), 1);
}
END_TEST

START_TEST(test_dns_literal_malformed)
{
	ck_assert_int_eq(literal("[", NULL), -1);
	ck_assert_int_eq(literal("[]", NULL), -1);
	ck_assert_int_eq(literal("[192.0.2.1", NULL), -1);
	ck_assert_int_eq(literal("[192.0.2.256]", NULL), -1);
	ck_assert_int_eq(literal("[IPv6:192.0.2.1]", NULL), -1);
	ck_assert_int_eq(literal("[IPv6:]", NULL), -1);
	ck_assert_int_eq(literal("[mail.example.test]", NULL), -1);
	ck_assert_int_eq(literal("[192.0.2.1]]", NULL), -1);
	ck_assert_int_eq(literal("[1111:2222:3333:4444:5555:6666:7777:8888:"
	    "9999:aaaa:bbbb]", NULL), -1);
}
END_TEST

START_TEST(test_dns_literal_not_literal)
{
	ck_assert_int_eq(literal("mail.example.test", NULL), 0);
	ck_assert_int_eq(literal("192.0.2.1", NULL), 0);
	ck_assert_int_eq(literal("", NULL), 0);
}
END_TEST

static const char *
reverse(const char *ip)
{
	static char		buf[DNS_REVERSE_NAME_MAX];
	struct event_addr	a;

	a = check_addr(ip);
	ck_assert_int_eq(dns_reverse_name(&a, buf, sizeof buf), 0);
	return buf;
}

START_TEST(test_dns_reverse_ipv4)
{
	ck_assert_str_eq(reverse("192.0.2.10"), "10.2.0.192.in-addr.arpa");
	ck_assert_str_eq(reverse("::ffff:192.0.2.10"),
	    "10.2.0.192.in-addr.arpa");
}
END_TEST

START_TEST(test_dns_reverse_ipv4_digits)
{
	ck_assert_str_eq(reverse("0.0.0.0"), "0.0.0.0.in-addr.arpa");
	ck_assert_str_eq(reverse("255.255.255.255"),
	    "255.255.255.255.in-addr.arpa");
	ck_assert_str_eq(reverse("10.0.100.9"), "9.100.0.10.in-addr.arpa");
	ck_assert_str_eq(reverse("1.20.250.7"), "7.250.20.1.in-addr.arpa");
}
END_TEST

/* A buffer one byte short gets the name cut, as snprintf cuts it. */
START_TEST(test_dns_reverse_ipv4_cut)
{
	struct event_addr	a;
	char			buf[32];

	a = check_addr("192.0.2.100");
	ck_assert_int_eq(dns_reverse_name(&a, buf, 24), -1);
	ck_assert_str_eq(buf, "100.2.0.192.in-addr.arp");
	ck_assert_int_eq(dns_reverse_name(&a, buf, 25), 0);
	ck_assert_str_eq(buf, "100.2.0.192.in-addr.arpa");
}
END_TEST

START_TEST(test_dns_reverse_ipv6)
{
	ck_assert_str_eq(reverse("2001:db8::25"), "5.2.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}
END_TEST

START_TEST(test_dns_reverse_limits)
{
	struct event_addr	a;
	char			small[20];

	a = check_addr("2001:db8::25");
	ck_assert_int_eq(dns_reverse_name(&a, small, sizeof small), -1);
	a = check_addr("192.0.2.100");
	ck_assert_int_eq(dns_reverse_name(&a, small, 10), -1);
	memset(&a, 0, sizeof a);
	ck_assert_int_eq(dns_reverse_name(&a, small, sizeof small), -1);
}
END_TEST

START_TEST(test_dns_addr_equal)
{
	struct event_addr	a, b;

	a = check_addr("192.0.2.10");
	b = check_addr("::ffff:192.0.2.10");
	ck_assert_int_eq(dns_addr_equal(&a, &b), 1);
	b = check_addr("192.0.2.11");
	ck_assert_int_eq(dns_addr_equal(&a, &b), 0);
	a = check_addr("2001:db8::1");
	b = check_addr("2001:DB8:0:0:0:0:0:1");
	ck_assert_int_eq(dns_addr_equal(&a, &b), 1);
	b = check_addr("::c000:20a");	/* 192.0.2.10 as IPv4-compatible */
	a = check_addr("192.0.2.10");
	ck_assert_int_eq(dns_addr_equal(&a, &b), 0);
}
END_TEST

/* A DNS message built by hand for the parser tests. */
struct msg {
	unsigned char	b[4096];
	size_t		n;
};

static void
msg_bytes(struct msg *m, const void *p, size_t len)
{
	ck_assert_uint_le(m->n + len, sizeof m->b);
	memcpy(m->b + m->n, p, len);
	m->n += len;
}

static void
msg_u16(struct msg *m, unsigned int v)
{
	unsigned char	b[2];

	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
	msg_bytes(m, b, 2);
}

/* Labels separated by '.', written uncompressed. */
static void
msg_name(struct msg *m, const char *name)
{
	const char	*dot;
	unsigned char	 len;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = (unsigned char)(dot == NULL ? strlen(name) :
		    (size_t)(dot - name));
		msg_bytes(m, &len, 1);
		msg_bytes(m, name, len);
		name += len;
		if (*name == '.')
			name++;
	}
	msg_bytes(m, "", 1);
}

static void
msg_start(struct msg *m, unsigned int rcode, unsigned int ancount,
    const char *qname, unsigned int qtype)
{
	m->n = 0;
	msg_u16(m, 0x1234);
	msg_u16(m, 0x8180 | rcode);
	msg_u16(m, 1);
	msg_u16(m, ancount);
	msg_u16(m, 0);
	msg_u16(m, 0);
	msg_name(m, qname);
	msg_u16(m, qtype);
	msg_u16(m, 1);
}

/* An RR whose owner is the question name (a pointer to offset 12). */
static void
msg_rr_head(struct msg *m, unsigned int type, unsigned int rdlen)
{
	msg_u16(m, 0xc00c);
	msg_u16(m, type);
	msg_u16(m, 1);
	msg_u16(m, 0);
	msg_u16(m, 300);
	msg_u16(m, rdlen);
}

static void
msg_rr_name(struct msg *m, const char *owner, unsigned int type,
    const char *target)
{
	struct msg	rdata;

	rdata.n = 0;
	msg_name(&rdata, target);
	if (owner == NULL)
		msg_u16(m, 0xc00c);
	else
		msg_name(m, owner);
	msg_u16(m, type);
	msg_u16(m, 1);
	msg_u16(m, 0);
	msg_u16(m, 300);
	msg_u16(m, (unsigned int)rdata.n);
	msg_bytes(m, rdata.b, rdata.n);
}

static void
msg_rr_addr(struct msg *m, const char *owner, const char *ip)
{
	struct event_addr	a;
	size_t			len;

	a = check_addr(ip);
	len = a.family == AF_INET ? 4 : 16;
	if (owner == NULL)
		msg_u16(m, 0xc00c);
	else
		msg_name(m, owner);
	msg_u16(m, a.family == AF_INET ? DNS_TYPE_A : DNS_TYPE_AAAA);
	msg_u16(m, 1);
	msg_u16(m, 0);
	msg_u16(m, 300);
	msg_u16(m, (unsigned int)len);
	msg_bytes(m, a.bytes, len);
}

static int
parse(struct msg *m, int type, struct dns_answer *ans)
{
	return dns_answer_parse(m->b, m->n, type, ans);
}

START_TEST(test_wire_ptr_two_names)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 2, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_name(&m, NULL, DNS_TYPE_PTR, "a.example.test");
	msg_rr_name(&m, NULL, DNS_TYPE_PTR, "b.example.test");
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(ans.nnames, 2);
	ck_assert_str_eq(ans.names[0], "a.example.test");
	ck_assert_str_eq(ans.names[1], "b.example.test");
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_wire_ptr_hostile_name)
{
	static const unsigned char	 rdata[] = { 8, 'b', 'a', 'd', ' ',
	    'n', 'a', 'm', 0x1b, 3, 'a', '.', 'b', 1, '\\', 0 };
	struct msg			 m;
	struct dns_answer		 ans;

	msg_start(&m, 0, 1, "90.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_head(&m, DNS_TYPE_PTR, sizeof rdata);
	msg_bytes(&m, rdata, sizeof rdata);
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), 0);
	ck_assert_uint_eq(ans.nnames, 1);
	ck_assert_str_eq(ans.names[0], "bad\\032nam\\027.a\\.b.\\\\");
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_wire_ptr_root_name)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 1, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_head(&m, DNS_TYPE_PTR, 1);
	msg_bytes(&m, "", 1);
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), 0);
	ck_assert_uint_eq(ans.nnames, 1);
	ck_assert_str_eq(ans.names[0], ".");
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_wire_ptr_duplicates_dropped)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 2, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_name(&m, NULL, DNS_TYPE_PTR, "mail.example.test");
	msg_rr_name(&m, NULL, DNS_TYPE_PTR, "MAIL.example.test");
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), 0);
	ck_assert_uint_eq(ans.nnames, 1);
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_wire_ptr_names_capped)
{
	struct msg		m;
	struct dns_answer	ans;
	char			name[32];
	int			i;

	msg_start(&m, 0, DNS_NAMES_MAX + 4, "10.2.0.192.in-addr.arpa",
	    DNS_TYPE_PTR);
	for (i = 0; i < DNS_NAMES_MAX + 4; i++) {
		snprintf(name, sizeof name, "n%d.example.test", i);
		msg_rr_name(&m, NULL, DNS_TYPE_PTR, name);
	}
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), 0);
	ck_assert_uint_eq(ans.nnames, DNS_NAMES_MAX);
	ck_assert_str_eq(ans.names[DNS_NAMES_MAX - 1], "n15.example.test");
	ck_assert_uint_eq(ans.names_dropped, 4);
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_wire_a_after_cname)
{
	struct msg		m;
	struct dns_answer	ans;
	char			ip[INET_ADDRSTRLEN];

	msg_start(&m, 0, 3, "alias.example.test", DNS_TYPE_A);
	msg_rr_addr(&m, "evil.example.test", "192.0.2.66");
	msg_rr_addr(&m, "mail.example.test", "192.0.2.10");
	msg_rr_name(&m, NULL, DNS_TYPE_CNAME, "mail.example.test");
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_uint_eq(ans.naddrs, 1);
	inet_ntop(AF_INET, ans.addrs[0].bytes, ip, sizeof ip);
	ck_assert_str_eq(ip, "192.0.2.10");
	dns_answer_clear(&ans);
}
END_TEST

/*
 * A question name that is itself a pointer to a name after the records:
 * owners that point to the question, or spell the name out, both match.
 */
START_TEST(test_wire_question_compressed)
{
	struct msg		m;
	struct dns_answer	ans;
	char			ip[INET_ADDRSTRLEN];

	m.n = 0;
	msg_u16(&m, 0x1234);
	msg_u16(&m, 0x8180);
	msg_u16(&m, 1);
	msg_u16(&m, 2);
	msg_u16(&m, 0);
	msg_u16(&m, 0);
	msg_u16(&m, 0xc000 | 56);	/* the name at offset 56 */
	msg_u16(&m, DNS_TYPE_A);
	msg_u16(&m, 1);
	msg_rr_addr(&m, NULL, "192.0.2.1");
	msg_rr_addr(&m, "h.test", "192.0.2.2");
	ck_assert_uint_eq(m.n, 56);
	msg_name(&m, "h.test");

	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(ans.naddrs, 2);
	inet_ntop(AF_INET, ans.addrs[0].bytes, ip, sizeof ip);
	ck_assert_str_eq(ip, "192.0.2.1");
	inet_ntop(AF_INET, ans.addrs[1].bytes, ip, sizeof ip);
	ck_assert_str_eq(ip, "192.0.2.2");
	ck_assert_int_eq(ans.ttl, 300);
	dns_answer_clear(&ans);
}
END_TEST

/* Owners in another case than the question still match it. */
START_TEST(test_wire_owner_case)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 2, "Mail.Example.TEST", DNS_TYPE_A);
	msg_rr_addr(&m, "mail.example.test", "192.0.2.10");
	msg_rr_addr(&m, "MAIL.EXAMPLE.TEST", "192.0.2.11");
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_uint_eq(ans.naddrs, 2);
	dns_answer_clear(&ans);

	msg_start(&m, 0, 1, "mail.example.test", DNS_TYPE_A);
	msg_rr_addr(&m, "mail.example.tesu", "192.0.2.10");
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_uint_eq(ans.naddrs, 0);
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_pool_reuses_class)
{
	struct dns_pool	 pool;
	char		*a, *b, *c;

	memset(&pool, 0, sizeof pool);
	a = dns_pool_get(&pool, DNS_POOL_GRAIN + 1);
	b = dns_pool_get(&pool, 3 * DNS_POOL_GRAIN);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	memset(a, 'a', DNS_POOL_GRAIN + 1);
	memset(b, 'b', 3 * DNS_POOL_GRAIN);
	ck_assert_int_eq(a[DNS_POOL_GRAIN], 'a');
	ck_assert_int_eq(b[0], 'b');
	dns_pool_put(&pool, a, DNS_POOL_GRAIN + 1);
	c = dns_pool_get(&pool, 2 * DNS_POOL_GRAIN);
#ifndef DNS_POOL_MALLOC_ONLY
	/* Both sizes round up to two grains. */
	ck_assert_ptr_eq(c, a);
#endif
	dns_pool_put(&pool, b, 3 * DNS_POOL_GRAIN);
	dns_pool_put(&pool, c, 2 * DNS_POOL_GRAIN);
	dns_pool_clear(&pool);
	ck_assert_ptr_null(pool.blocks);
}
END_TEST

/* Objects fill several blocks, stay apart and keep malloc's alignment. */
START_TEST(test_pool_many_blocks)
{
	struct dns_pool	  pool;
	unsigned char	**objects;
	size_t		  n = 3 * DNS_POOL_BLOCK / 96, i, size;

	memset(&pool, 0, sizeof pool);
	objects = xcalloc(n, sizeof *objects);
	for (i = 0; i < n; i++) {
		size = 1 + i % 96;
		objects[i] = dns_pool_get(&pool, size);
		ck_assert_uint_eq((uintptr_t)objects[i] %
		    _Alignof(max_align_t), 0);
		memset(objects[i], (int)(i & 0xff), size);
	}
	for (i = 0; i < n; i++) {
		size = 1 + i % 96;
		ck_assert_uint_eq(objects[i][0], i & 0xff);
		ck_assert_uint_eq(objects[i][size - 1], i & 0xff);
	}
	for (i = 0; i < n; i++)
		dns_pool_put(&pool, objects[i], 1 + i % 96);
	free(objects);
	dns_pool_clear(&pool);
}
END_TEST

/* Objects above DNS_POOL_OBJECT_MAX come from malloc and go to free. */
START_TEST(test_pool_large_object)
{
	struct dns_pool	 pool;
	char		*p;

	memset(&pool, 0, sizeof pool);
	p = dns_pool_get(&pool, DNS_POOL_OBJECT_MAX + 1);
	memset(p, 'x', DNS_POOL_OBJECT_MAX + 1);
	ck_assert_ptr_null(pool.blocks);
	dns_pool_put(&pool, p, DNS_POOL_OBJECT_MAX + 1);
	dns_pool_clear(&pool);
}
END_TEST

START_TEST(test_wire_cname_loop)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 2, "a.example.test", DNS_TYPE_A);
	msg_rr_name(&m, NULL, DNS_TYPE_CNAME, "b.example.test");
	msg_rr_name(&m, "b.example.test", DNS_TYPE_CNAME, "a.example.test");
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(ans.naddrs, 0);
}
END_TEST

START_TEST(test_wire_aaaa_and_bad_length)
{
	struct msg		m;
	struct dns_answer	ans;
	char			ip[INET6_ADDRSTRLEN];

	msg_start(&m, 0, 2, "v6.example.test", DNS_TYPE_AAAA);
	msg_rr_head(&m, DNS_TYPE_AAAA, 4);
	msg_bytes(&m, "\xc0\x00\x02\x0a", 4);
	msg_rr_addr(&m, NULL, "2001:db8::25");
	ck_assert_int_eq(parse(&m, DNS_TYPE_AAAA, &ans), 0);
	ck_assert_uint_eq(ans.naddrs, 1);
	inet_ntop(AF_INET6, ans.addrs[0].bytes, ip, sizeof ip);
	ck_assert_str_eq(ip, "2001:db8::25");
}
END_TEST

START_TEST(test_wire_rcodes)
{
	static const struct {
		unsigned int	wire;
		enum dns_rcode	want;
	} cases[] = {
		{ 0, DNS_RCODE_NOERROR },
		{ 1, DNS_RCODE_ERROR },
		{ 2, DNS_RCODE_SERVFAIL },
		{ 3, DNS_RCODE_NXDOMAIN },
		{ 4, DNS_RCODE_ERROR },
		{ 5, DNS_RCODE_REFUSED },
		{ 9, DNS_RCODE_ERROR },
	};
	struct msg		m;
	struct dns_answer	ans;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msg_start(&m, cases[i].wire, 0, "x.example.test", DNS_TYPE_A);
		ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
		ck_assert_msg(ans.rcode == cases[i].want, "wire rcode %u "
		    "gave %s", cases[i].wire, dns_rcode_name(ans.rcode));
	}
}
END_TEST

START_TEST(test_wire_nodata)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 1, "nodata.example.test", DNS_TYPE_A);
	msg_rr_name(&m, NULL, 16, "some.text");	/* a TXT-typed record */
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(ans.naddrs, 0);
}
END_TEST

START_TEST(test_wire_pointer_loop)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 1, "x.example.test", DNS_TYPE_PTR);
	/* An owner name that points at itself. */
	msg_u16(&m, 0xc000 | (unsigned int)m.n);
	msg_u16(&m, DNS_TYPE_PTR);
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), -1);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_ERROR);
	ck_assert_uint_eq(ans.nnames, 0);
}
END_TEST

START_TEST(test_wire_truncated)
{
	struct msg		m;
	struct dns_answer	ans;
	size_t			full, cut;

	msg_start(&m, 0, 1, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_name(&m, NULL, DNS_TYPE_PTR, "mail.example.test");
	full = m.n;
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), 0);
	dns_answer_clear(&ans);
	for (cut = 0; cut < full; cut++) {
		m.n = cut;
		ck_assert_msg(parse(&m, DNS_TYPE_PTR, &ans) == -1,
		    "a message cut to %zu of %zu bytes was accepted", cut,
		    full);
		ck_assert_uint_eq(ans.nnames, 0);
	}
}
END_TEST

START_TEST(test_wire_not_response)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 0, "x.example.test", DNS_TYPE_A);
	m.b[2] &= 0x7f;
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), -1);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_ERROR);
}
END_TEST

START_TEST(test_wire_name_too_long)
{
	struct msg		m;
	struct dns_answer	ans;
	char			label[64];
	size_t			i;

	msg_start(&m, 0, 1, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_head(&m, DNS_TYPE_PTR, 5 * 64 + 1);
	memset(label, 'a', sizeof label);
	label[0] = 63;
	for (i = 0; i < 5; i++)
		msg_bytes(&m, label, 64);
	msg_bytes(&m, "", 1);
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), -1);
}
END_TEST

START_TEST(test_wire_rdata_name_overruns)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 1, "10.2.0.192.in-addr.arpa", DNS_TYPE_PTR);
	msg_rr_head(&m, DNS_TYPE_PTR, 3);
	msg_name(&m, "mail.example.test");
	ck_assert_int_eq(parse(&m, DNS_TYPE_PTR, &ans), -1);
}
END_TEST

/*
 * A DNS responder on 127.0.0.1 for the engine tests.  It answers from a
 * fixed table over UDP and TCP on the same port, never answers
 * drop.example.test, and can hold queries to count how many the engine
 * has out at once.
 */
#define FAKE_HELD_MAX	64
#define FAKE_TCP_MAX	8

struct fake_query {
	unsigned char		buf[512];
	size_t			len;
	struct sockaddr_in	from;
};

struct fake {
	int			fd;
	int			listen_fd;		/* TCP */
	int			conns[FAKE_TCP_MAX];	/* -1: unused */
	char			servers[32];
	int			received;
	int			tcp_received;
	int			hold;
	struct fake_query	held[FAKE_HELD_MAX];
	int			nheld;
	int			max_held;
};

/* Bind a UDP socket and a TCP listener to the same free port. */
static void
fake_start(struct fake *f)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			attempt, i, on = 1;

	memset(f, 0, sizeof *f);
	for (i = 0; i < FAKE_TCP_MAX; i++)
		f->conns[i] = -1;
	for (attempt = 0; attempt < 20; attempt++) {
		f->fd = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_ge(f->fd, 0);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&sin,
		    sizeof sin), 0);
		len = sizeof sin;
		ck_assert_int_eq(getsockname(f->fd, (struct sockaddr *)&sin,
		    &len), 0);
		f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(f->listen_fd, 0);
		setsockopt(f->listen_fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof on);
		if (bind(f->listen_fd, (struct sockaddr *)&sin,
		    sizeof sin) == 0 && listen(f->listen_fd, 4) == 0)
			break;
		/* The port is taken for TCP: try another one. */
		close(f->listen_fd);
		close(f->fd);
		f->listen_fd = f->fd = -1;
	}
	ck_assert_int_ge(f->fd, 0);
	ck_assert_int_ne(fcntl(f->fd, F_SETFL, O_NONBLOCK), -1);
	ck_assert_int_ne(fcntl(f->listen_fd, F_SETFL, O_NONBLOCK), -1);
	snprintf(f->servers, sizeof f->servers, "127.0.0.1:%u",
	    ntohs(sin.sin_port));
}

static void
fake_stop(struct fake *f)
{
	int	i;

	if (f->fd != -1)
		close(f->fd);
	if (f->listen_fd != -1)
		close(f->listen_fd);
	for (i = 0; i < FAKE_TCP_MAX; i++) {
		if (f->conns[i] != -1)
			close(f->conns[i]);
	}
	f->fd = f->listen_fd = -1;
}

/* Read the question of q as lower-case dotted text and return its type. */
static int
fake_question(const struct fake_query *q, char *name, size_t size,
    size_t *end)
{
	size_t	pos = 12, out = 0, i, label;

	while (pos < q->len && (label = q->buf[pos]) != 0) {
		ck_assert_uint_lt(pos + label + 1, q->len);
		ck_assert_uint_lt(out + label + 2, size);
		if (out > 0)
			name[out++] = '.';
		for (i = 0; i < label; i++) {
			name[out] = (char)q->buf[pos + 1 + i];
			if (name[out] >= 'A' && name[out] <= 'Z')
				name[out] += 'a' - 'A';
			out++;
		}
		pos += label + 1;
	}
	name[out] = '\0';
	*end = pos + 5;
	ck_assert_uint_le(*end, q->len);
	return (q->buf[pos + 1] << 8) | q->buf[pos + 2];
}

/* A TXT record owned by the question name, of the strings of text. */
static void
msg_rr_txt(struct msg *m, const char *const *strings, size_t n)
{
	size_t		i, len, rdlen = 0;
	unsigned char	byte;

	for (i = 0; i < n; i++)
		rdlen += 1 + strlen(strings[i]);
	msg_u16(m, 0xc00c);
	msg_u16(m, DNS_TYPE_TXT);
	msg_u16(m, 1);
	msg_u16(m, 0);
	msg_u16(m, 300);
	msg_u16(m, (unsigned int)rdlen);
	for (i = 0; i < n; i++) {
		len = strlen(strings[i]);
		byte = (unsigned char)len;
		msg_bytes(m, &byte, 1);
		msg_bytes(m, strings[i], len);
	}
}

/* A SOA record owned by the question name, with its TTL and minimum. */
static void
msg_rr_soa(struct msg *m, unsigned int ttl, unsigned int minimum)
{
	struct msg	rdata;
	int		i;

	rdata.n = 0;
	msg_name(&rdata, "ns.example.test");
	msg_name(&rdata, "hostmaster.example.test");
	for (i = 0; i < 4; i++) {
		msg_u16(&rdata, 0);
		msg_u16(&rdata, 1);
	}
	msg_u16(&rdata, minimum >> 16);
	msg_u16(&rdata, minimum & 0xffff);
	msg_u16(m, 0xc00c);
	msg_u16(m, DNS_TYPE_SOA);
	msg_u16(m, 1);
	msg_u16(m, ttl >> 16);
	msg_u16(m, ttl & 0xffff);
	msg_u16(m, (unsigned int)rdata.n);
	msg_bytes(m, rdata.b, rdata.n);
}

/*
 * Answer q, over TCP when conn is not -1.  13.2.0.192.in-addr.arpa gets
 * a truncated UDP answer and two PTR names over TCP.
 */
static void
fake_answer(struct fake *f, const struct fake_query *q, int conn)
{
	static const char *const	 txt1[] = {
	    "abuse@example.test, noc@example.test" };
	static const char *const	 txt2[] = { "bad address", "x@" };
	struct msg			 m;
	char				 name[256];
	unsigned char			 reply[sizeof m.b + 14];
	size_t				 end, off;
	int				 type, rcode = 3, ancount = 0;
	int				 nscount = 0, tc = 0;

	type = fake_question(q, name, sizeof name, &end);
	if (strcmp(name, "drop.example.test") == 0)
		return;

	m.n = 0;
	msg_bytes(&m, q->buf + 12, end - 12);	/* the question */
	if (strcmp(name, "10.2.0.192.in-addr.arpa") == 0) {
		rcode = 0;
		if (type == DNS_TYPE_PTR) {
			msg_rr_name(&m, NULL, DNS_TYPE_PTR,
			    "mail.example.test");
			ancount = 1;
		}
	} else if (strcmp(name, "13.2.0.192.in-addr.arpa") == 0) {
		rcode = 0;
		if (conn == -1)
			tc = 1;
		else if (type == DNS_TYPE_PTR) {
			msg_rr_name(&m, NULL, DNS_TYPE_PTR,
			    "mail.example.test");
			msg_rr_name(&m, NULL, DNS_TYPE_PTR,
			    "other.example.test");
			ancount = 2;
		}
	} else if (strcmp(name, "mail.example.test") == 0) {
		rcode = 0;
		if (type == DNS_TYPE_A) {
			msg_rr_addr(&m, NULL, "192.0.2.10");
			ancount = 1;
		}
	} else if (strcmp(name, "10.2.0.192.bl.example.test") == 0) {
		rcode = 0;
		if (type == DNS_TYPE_A) {
			msg_rr_addr(&m, NULL, "127.0.0.2");
			msg_rr_addr(&m, NULL, "127.0.0.4");
			ancount = 2;
		}
	} else if (strcmp(name, "10.2.0.192.abuse.example.test") == 0) {
		rcode = 0;
		if (type == DNS_TYPE_TXT) {
			msg_rr_txt(&m, txt1, 1);
			msg_rr_txt(&m, txt2, 2);
			ancount = 2;
		}
	} else if (strcmp(name, "neg.example.test") == 0) {
		/* NXDOMAIN that may be cached for 30 seconds (RFC 2308). */
		msg_rr_soa(&m, 60, 30);
		nscount = 1;
	} else if (strcmp(name, "servfail.example.test") == 0)
		rcode = 2;

	off = conn == -1 ? 0 : 2;
	memcpy(reply + off, q->buf, 2);
	reply[off + 2] = (unsigned char)(0x81 | (tc ? 0x02 : 0));
	reply[off + 3] = (unsigned char)(0x80 | rcode);
	reply[off + 4] = 0;
	reply[off + 5] = 1;
	reply[off + 6] = 0;
	reply[off + 7] = (unsigned char)ancount;
	reply[off + 8] = 0;
	reply[off + 9] = (unsigned char)nscount;
	reply[off + 10] = 0;
	reply[off + 11] = 0;
	memcpy(reply + off + 12, m.b, m.n);
	if (conn == -1) {
		ck_assert_int_eq(sendto(f->fd, reply, 12 + m.n, 0,
		    (const struct sockaddr *)&q->from, sizeof q->from),
		    (ssize_t)(12 + m.n));
		return;
	}
	reply[0] = (unsigned char)((12 + m.n) >> 8);
	reply[1] = (unsigned char)(12 + m.n);
	ck_assert_int_eq(write(conn, reply, 14 + m.n), (ssize_t)(14 + m.n));
}

/* Read every waiting query, and answer it unless f->hold is set. */
static void
fake_serve(struct fake *f)
{
	struct fake_query	q;
	socklen_t		len;
	ssize_t			n;

	for (;;) {
		len = sizeof q.from;
		n = recvfrom(f->fd, q.buf, sizeof q.buf, 0,
		    (struct sockaddr *)&q.from, &len);
		if (n == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			break;
		}
		ck_assert_int_ge(n, 17);
		q.len = (size_t)n;
		f->received++;
		if (!f->hold) {
			fake_answer(f, &q, -1);
			continue;
		}
		ck_assert_int_lt(f->nheld, FAKE_HELD_MAX);
		f->held[f->nheld++] = q;
		if (f->nheld > f->max_held)
			f->max_held = f->nheld;
	}
}

/*
 * Accept TCP connections and answer the queries on them.  A query comes
 * whole or not at all on loopback, so a short read is a test failure.
 */
static void
fake_serve_tcp(struct fake *f)
{
	struct fake_query	q;
	unsigned char		head[2];
	ssize_t			n;
	int			fd, i;

	while ((fd = accept(f->listen_fd, NULL, NULL)) != -1) {
		for (i = 0; i < FAKE_TCP_MAX && f->conns[i] != -1; i++)
			continue;
		ck_assert_int_lt(i, FAKE_TCP_MAX);
		f->conns[i] = fd;
	}
	for (i = 0; i < FAKE_TCP_MAX; i++) {
		if (f->conns[i] == -1)
			continue;
		n = recv(f->conns[i], head, 2, MSG_DONTWAIT);
		if (n == 0) {
			close(f->conns[i]);
			f->conns[i] = -1;
			continue;
		}
		if (n == -1)
			continue;
		ck_assert_int_eq(n, 2);
		q.len = (size_t)(head[0] << 8 | head[1]);
		ck_assert_uint_le(q.len, sizeof q.buf);
		ck_assert_int_eq(recv(f->conns[i], q.buf, q.len, MSG_WAITALL),
		    (ssize_t)q.len);
		f->tcp_received++;
		fake_answer(f, &q, f->conns[i]);
	}
}

static void
fake_flush(struct fake *f)
{
	int	i;

	for (i = 0; i < f->nheld; i++)
		fake_answer(f, &f->held[i], -1);
	f->nheld = 0;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive the engine and the responder until nothing is in flight. */
static void
fake_run(struct fake *f, struct dns *dns)
{
	struct pollfd	fds[8 + FAKE_TCP_MAX];
	size_t		n, k, i;
	int64_t		deadline;
	int		timeout;

	deadline = now_ms() + 3000;
	while (dns_inflight(dns) > 0 || dns_timeout(dns, 0) == 0) {
		ck_assert_msg(now_ms() < deadline, "engine still busy after "
		    "3 s");
		k = 0;
		fds[k].fd = f->fd;
		fds[k++].events = POLLIN;
		fds[k].fd = f->listen_fd;
		fds[k++].events = POLLIN;
		for (i = 0; i < FAKE_TCP_MAX; i++) {
			if (f->conns[i] == -1)
				continue;
			fds[k].fd = f->conns[i];
			fds[k++].events = POLLIN;
		}
		for (i = 0; i < k; i++)
			fds[i].revents = 0;
		n = dns_pollfds(dns, fds + k, 8);
		timeout = dns_timeout(dns, 100);
		poll(fds, n + k, timeout < 0 ? 100 : timeout);
		if (fds[0].revents & POLLIN) {
			fake_serve(f);
			fake_flush(f);
		}
		fake_serve_tcp(f);
		dns_process(dns, fds + k, n);
	}
}

static int	callbacks;

static void
count_callback(struct dns_check *c, void *arg)
{
	(void)c;
	(void)arg;
	callbacks++;
}

static void
free_callback(struct dns_check *c, void *arg)
{
	int	*ran = arg;

	(*ran)++;
	dns_check_free(c);
}

/* The engine's clock in the cache and rate tests, moved by hand. */
static int64_t	test_clock;

static int64_t
test_clock_ms(void *arg)
{
	(void)arg;
	return test_clock;
}

/* Start f and an engine that queries it, with the settings of cfg. */
static struct dns *
fake_engine_with(struct fake *f, struct dns_config *cfg)
{
	struct dns	*dns;
	char		*cause = NULL;

	fake_start(f);
	cfg->servers = f->servers;
	dns = dns_create(cfg, &cause);
	ck_assert_ptr_nonnull(dns);
	callbacks = 0;
	return dns;
}

static struct dns *
fake_engine(struct fake *f, int timeout_ms, int tries, int max_inflight)
{
	struct dns_config	 cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.timeout_ms = timeout_ms;
	cfg.tries = tries;
	cfg.max_inflight = max_inflight;
	return fake_engine_with(f, &cfg);
}

START_TEST(test_engine_full_check)
{
	static const char *const	 helos[] = { "mail.example.test",
	    "[192.0.2.10]", "bad!name", "servfail.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct dns_check		*c;
	const struct dns_result		*r;
	struct event_addr		 a;

	dns = fake_engine(&f, 500, 1, 0);
	a = check_addr("192.0.2.10");
	c = dns_check_start(dns, &a, helos, 4, count_callback, NULL);
	ck_assert_uint_eq(dns_check_id(c), 1);
	fake_run(&f, dns);

	r = dns_check_result(c);
	ck_assert_int_eq(callbacks, 1);
	ck_assert_int_eq(r->done, 1);
	ck_assert_int_eq(r->ptr_rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(r->nptr, 1);
	ck_assert_str_eq(r->ptr[0].name, "mail.example.test");
	ck_assert_int_eq(r->ptr[0].confirmed, 1);
	ck_assert_int_eq(r->fcrdns, DNS_VERDICT_PASS);
	ck_assert_uint_eq(r->nhelo, 4);
	ck_assert_int_eq(r->helo[0].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(r->helo[0].verified, DNS_VERDICT_PASS);
	ck_assert_int_eq(r->helo[1].literal, 1);
	ck_assert_int_eq(r->helo[1].rcode, DNS_RCODE_NONE);
	ck_assert_int_eq(r->helo[1].verified, DNS_VERDICT_PASS);
	ck_assert_int_eq(r->helo[2].rcode, DNS_RCODE_INVALID);
	ck_assert_int_eq(r->helo[2].verified, DNS_VERDICT_FAIL);
	/* Only with ARES_FLAG_NOCHECKRESP does c-ares report SERVFAIL. */
	ck_assert_int_eq(r->helo[3].rcode, DNS_RCODE_SERVFAIL);
	ck_assert_int_eq(r->helo[3].verified, DNS_VERDICT_INDETERMINATE);
	/*
	 * PTR, A and AAAA of mail.example.test (asked once for the PTR name
	 * and the first HELO), and A and AAAA of servfail.example.test.
	 */
	ck_assert_int_eq(f.received, 5);

	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_inflight_limit)
{
	static const char *const ips[] = { "192.0.2.10", "192.0.2.11",
	    "192.0.2.12" };
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c[3];
	struct event_addr	 a;
	struct pollfd		 pfd;
	int			 i;

	dns = fake_engine(&f, 1000, 1, 2);
	for (i = 0; i < 3; i++) {
		a = check_addr(ips[i]);
		c[i] = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	}
	ck_assert_uint_eq(dns_inflight(dns), 3);

	/* Nothing has been answered yet: only two queries may be out. */
	f.hold = 1;
	pfd.fd = f.fd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 100);
	fake_serve(&f);
	ck_assert_int_eq(f.nheld, 2);

	fake_flush(&f);
	fake_run(&f, dns);
	ck_assert_int_eq(f.max_held, 2);
	/* Three PTR queries, then A and AAAA of the one PTR name found. */
	ck_assert_int_eq(f.received, 5);
	ck_assert_int_eq(callbacks, 3);
	ck_assert_int_eq(dns_check_result(c[0])->fcrdns, DNS_VERDICT_PASS);
	ck_assert_int_eq(dns_check_result(c[1])->fcrdns, DNS_VERDICT_FAIL);
	ck_assert_int_eq(dns_check_result(c[2])->fcrdns, DNS_VERDICT_FAIL);
	for (i = 0; i < 3; i++)
		dns_check_free(c[i]);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/*
 * A freed check's answers must not show up in another check: the new
 * check waits for the queries the freed one sent, and takes only the
 * answers to its own questions.
 */
START_TEST(test_engine_cancel_running)
{
	static const char *const	 helos[] = {
	    "servfail.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct dns_check		*old, *c;
	const struct dns_result		*r;
	struct event_addr		 a;

	dns = fake_engine(&f, 1000, 1, 0);
	a = check_addr("192.0.2.10");
	old = dns_check_start(dns, &a, helos, 1, count_callback, NULL);
	dns_check_free(old);
	c = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	ck_assert_uint_eq(dns_check_id(c), 2);
	fake_run(&f, dns);

	r = dns_check_result(c);
	ck_assert_int_eq(callbacks, 1);
	ck_assert_uint_eq(r->nptr, 1);
	ck_assert_uint_eq(r->ptr[0].forward.count, 1);
	ck_assert_uint_eq(r->nhelo, 0);
	/* PTR and the freed check's HELO A and AAAA, then the PTR name's. */
	ck_assert_int_eq(f.received, 5);
	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_cancel_queued)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*old, *c;
	struct event_addr	 a;

	dns = fake_engine(&f, 1000, 1, 1);
	a = check_addr("192.0.2.10");
	c = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	a = check_addr("192.0.2.11");
	old = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	ck_assert_uint_eq(dns_inflight(dns), 2);
	dns_check_free(old);
	ck_assert_uint_eq(dns_inflight(dns), 1);
	fake_run(&f, dns);
	ck_assert_int_eq(callbacks, 1);
	ck_assert_int_eq(f.received, 3);
	ck_assert_int_eq(dns_check_result(c)->done, 1);
	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_timeout_one_name)
{
	static const char *const	 helos[] = { "drop.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct dns_check		*c;
	const struct dns_result		*r;
	struct event_addr		 a;
	int64_t				 start, took;

	dns = fake_engine(&f, 100, 1, 0);
	a = check_addr("192.0.2.10");
	start = now_ms();
	c = dns_check_start(dns, &a, helos, 1, count_callback, NULL);
	fake_run(&f, dns);
	took = now_ms() - start;

	r = dns_check_result(c);
	ck_assert_int_eq(r->fcrdns, DNS_VERDICT_PASS);
	ck_assert_int_eq(r->helo[0].rcode, DNS_RCODE_TIMEOUT);
	ck_assert_int_eq(r->helo[0].verified, DNS_VERDICT_INDETERMINATE);
	ck_assert_int_ge(took, 100);
	ck_assert_int_lt(took, 1000);
	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_no_server_is_error)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c;
	struct event_addr	 a;

	dns = fake_engine(&f, 500, 1, 0);
	fake_stop(&f);		/* nothing listens on the port now */
	a = check_addr("192.0.2.10");
	c = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	dns_run(dns);
	ck_assert_int_eq(dns_check_result(c)->ptr_rcode, DNS_RCODE_ERROR);
	ck_assert_int_eq(dns_check_result(c)->fcrdns,
	    DNS_VERDICT_INDETERMINATE);
	ck_assert_int_eq(callbacks, 1);
	dns_check_free(c);
	dns_free(dns);
}
END_TEST

START_TEST(test_engine_free_running)
{
	static const char *const	 helos[] = { "drop.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct event_addr		 a;

	dns = fake_engine(&f, 1000, 1, 1);
	a = check_addr("192.0.2.10");
	dns_check_start(dns, &a, helos, 1, count_callback, NULL);
	dns_check_start(dns, &a, helos, 1, count_callback, NULL);
	dns_free(dns);
	ck_assert_int_eq(callbacks, 0);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_callback_frees)
{
	struct fake		 f;
	struct dns		*dns;
	struct event_addr	 a;
	int			 ran = 0;

	dns = fake_engine(&f, 1000, 1, 0);
	a = check_addr("192.0.2.10");
	dns_check_start(dns, &a, NULL, 0, free_callback, &ran);
	dns_check_start(dns, &a, NULL, 0, free_callback, &ran);
	fake_run(&f, dns);
	ck_assert_int_eq(ran, 2);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/* A check with nothing to ask still finishes from dns_process. */
START_TEST(test_engine_nothing_to_ask)
{
	static const char *const	 helos[] = { "[192.0.2.10]" };
	struct dns_config		 cfg;
	struct dns			*dns;
	struct dns_check		*c;
	struct event_addr		 a;
	char				*cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.servers = "127.0.0.1:9";
	dns = dns_create(&cfg, &cause);
	ck_assert_ptr_nonnull(dns);
	memset(&a, 0, sizeof a);
	callbacks = 0;
	c = dns_check_start(dns, &a, helos, 1, count_callback, NULL);
	ck_assert_int_eq(callbacks, 0);
	ck_assert_int_eq(dns_timeout(dns, 1000), 0);
	dns_process(dns, NULL, 0);
	ck_assert_int_eq(callbacks, 1);
	ck_assert_int_eq(dns_check_result(c)->ptr_rcode, DNS_RCODE_INVALID);
	ck_assert_int_eq(dns_check_result(c)->fcrdns, DNS_VERDICT_FAIL);
	ck_assert_int_eq(dns_timeout(dns, 1000), -1);
	dns_check_free(c);
	dns_free(dns);
}
END_TEST

START_TEST(test_engine_bad_server_list)
{
	struct dns_config	 cfg;
	char			*cause = NULL;
	static const char	 want[] = "invalid DNS server list "
	    "\"not an address\" (";

	memset(&cfg, 0, sizeof cfg);
	cfg.servers = "not an address";
	ck_assert_ptr_null(dns_create(&cfg, &cause));
	ck_assert_ptr_nonnull(cause);
	ck_assert_int_eq(strncmp(cause, want, sizeof want - 1), 0);
	free(cause);
}
END_TEST

START_TEST(test_wire_txt_strings)
{
	static const char *const	 one[] = { "abuse@example.test" };
	static const char *const	 two[] = { "split@", "example.test" };
	static const char *const	 odd[] = { "a\\b\x01\x7f" };
	struct msg			 m;
	struct dns_answer		 ans;

	msg_start(&m, 0, 3, "1.2.0.192.abuse.example.test", DNS_TYPE_TXT);
	msg_rr_txt(&m, one, 1);
	msg_rr_txt(&m, two, 2);
	msg_rr_txt(&m, odd, 1);
	ck_assert_int_eq(parse(&m, DNS_TYPE_TXT, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(ans.ntxt, 3);
	ck_assert_str_eq(ans.txt[0], "abuse@example.test");
	ck_assert_str_eq(ans.txt[1], "split@example.test");
	ck_assert_str_eq(ans.txt[2], "a\\\\b\\001\\127");
	ck_assert_int_eq(ans.ttl, 300);
	dns_answer_clear(&ans);
}
END_TEST

START_TEST(test_wire_txt_string_overruns)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 1, "x.example.test", DNS_TYPE_TXT);
	msg_u16(&m, 0xc00c);
	msg_u16(&m, DNS_TYPE_TXT);
	msg_u16(&m, 1);
	msg_u16(&m, 0);
	msg_u16(&m, 300);
	msg_u16(&m, 3);
	msg_bytes(&m, "\x05" "ab", 3);	/* says 5 octets, holds 2 */
	ck_assert_int_eq(parse(&m, DNS_TYPE_TXT, &ans), -1);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_ERROR);
	ck_assert_uint_eq(ans.ntxt, 0);
}
END_TEST

/* A record of the question name next to its CNAME does not count. */
START_TEST(test_wire_cname_after_record)
{
	struct msg		m;
	struct dns_answer	ans;
	char			ip[INET6_ADDRSTRLEN];

	msg_start(&m, 0, 3, "www.example.test", DNS_TYPE_A);
	msg_rr_addr(&m, NULL, "192.0.2.66");
	msg_rr_name(&m, NULL, DNS_TYPE_CNAME, "host.example.test");
	msg_rr_addr(&m, "host.example.test", "192.0.2.1");
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_uint_eq(ans.naddrs, 1);
	inet_ntop(AF_INET, ans.addrs[0].bytes, ip, sizeof ip);
	ck_assert_str_eq(ip, "192.0.2.1");
}
END_TEST

/* The TTL is the lowest of the answer records, CNAMEs included. */
START_TEST(test_wire_ttl_lowest)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 0, 2, "www.example.test", DNS_TYPE_A);
	msg_rr_name(&m, NULL, DNS_TYPE_CNAME, "host.example.test");
	msg_name(&m, "host.example.test");
	msg_u16(&m, DNS_TYPE_A);
	msg_u16(&m, 1);
	msg_u16(&m, 0);
	msg_u16(&m, 60);
	msg_u16(&m, 4);
	msg_bytes(&m, "\xc0\x00\x02\x01", 4);
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_uint_eq(ans.naddrs, 1);
	ck_assert_int_eq(ans.ttl, 60);
}
END_TEST

START_TEST(test_wire_ttl_negative_soa)
{
	struct msg		m;
	struct dns_answer	ans;

	msg_start(&m, 3, 0, "gone.example.test", DNS_TYPE_A);
	msg_rr_soa(&m, 900, 120);
	m.b[9] = 1;			/* NSCOUNT */
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(ans.ttl, 120);

	msg_start(&m, 0, 0, "nodata.example.test", DNS_TYPE_AAAA);
	msg_rr_soa(&m, 45, 120);
	m.b[9] = 1;
	ck_assert_int_eq(parse(&m, DNS_TYPE_AAAA, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(ans.ttl, 45);
}
END_TEST

START_TEST(test_wire_ttl_not_cacheable)
{
	struct msg		m;
	struct dns_answer	ans;

	/* NXDOMAIN without a SOA record: no negative TTL is known. */
	msg_start(&m, 3, 0, "gone.example.test", DNS_TYPE_A);
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.ttl, -1);

	msg_start(&m, 2, 0, "broken.example.test", DNS_TYPE_A);
	msg_rr_soa(&m, 900, 120);
	m.b[9] = 1;
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.rcode, DNS_RCODE_SERVFAIL);
	ck_assert_int_eq(ans.ttl, -1);

	/* A TTL with the top bit set counts as 0 (RFC 2181). */
	msg_start(&m, 0, 1, "a.example.test", DNS_TYPE_A);
	msg_u16(&m, 0xc00c);
	msg_u16(&m, DNS_TYPE_A);
	msg_u16(&m, 1);
	msg_u16(&m, 0x8000);
	msg_u16(&m, 0);
	msg_u16(&m, 4);
	msg_bytes(&m, "\xc0\x00\x02\x01", 4);
	ck_assert_int_eq(parse(&m, DNS_TYPE_A, &ans), 0);
	ck_assert_int_eq(ans.ttl, 0);
}
END_TEST

/* An engine with the hand-moved clock and the given rate and cache. */
static struct dns *
clock_engine(struct fake *f, int qps, int cache_max)
{
	struct dns_config	cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.timeout_ms = 1000;
	cfg.tries = 1;
	cfg.qps = qps;
	cfg.cache_max = cache_max;
	cfg.clock_ms = test_clock_ms;
	test_clock = 1000000;
	return fake_engine_with(f, &cfg);
}

/* Two checks of one client at once send each question once. */
START_TEST(test_engine_same_query_once)
{
	static const char *const	 helos[] = { "mail.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct dns_check		*c1, *c2;
	struct dns_stats		 st;
	struct event_addr		 a;

	dns = fake_engine(&f, 1000, 1, 0);
	a = check_addr("192.0.2.10");
	c1 = dns_check_start(dns, &a, helos, 1, count_callback, NULL);
	c2 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);

	ck_assert_int_eq(f.received, 3);
	ck_assert_int_eq(callbacks, 2);
	ck_assert_int_eq(dns_check_result(c1)->fcrdns, DNS_VERDICT_PASS);
	ck_assert_int_eq(dns_check_result(c1)->helo[0].verified,
	    DNS_VERDICT_PASS);
	ck_assert_int_eq(dns_check_result(c2)->fcrdns, DNS_VERDICT_PASS);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.sent, 3);
	ck_assert_uint_ge(st.joined, 3);
	dns_check_free(c1);
	dns_check_free(c2);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/* A second check within the TTL takes the answers from the cache. */
START_TEST(test_engine_cache_hit_and_age)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c1, *c2;
	const struct dns_result	*r;
	struct event_addr	 a;

	dns = clock_engine(&f, 0, 0);
	a = check_addr("192.0.2.10");
	c1 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 3);
	ck_assert_uint_eq(dns_check_result(c1)->ncached, 0);

	test_clock += 42 * 1000;
	c2 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	ck_assert_uint_eq(dns_inflight(dns), 1);
	fake_run(&f, dns);
	r = dns_check_result(c2);
	ck_assert_int_eq(f.received, 4);
	ck_assert_int_eq(callbacks, 2);
	ck_assert_int_eq(r->done, 1);
	ck_assert_int_eq(r->fcrdns, DNS_VERDICT_PASS);
	/* PTR and A are cached; AAAA was NOERROR without a SOA: asked. */
	ck_assert_uint_eq(r->nanswers, 3);
	ck_assert_uint_eq(r->ncached, 2);
	ck_assert_int_eq(r->cache_age_s, 42);
	dns_check_free(c1);
	dns_check_free(c2);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_cache_expires)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c1, *c2;
	struct event_addr	 a;

	dns = clock_engine(&f, 0, 0);
	a = check_addr("192.0.2.10");
	c1 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 3);

	/* The fake's records have a TTL of 300 seconds. */
	test_clock += 300 * 1000;
	c2 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 6);
	ck_assert_uint_eq(dns_check_result(c2)->ncached, 0);
	ck_assert_int_eq(dns_check_result(c2)->cache_age_s, 0);
	dns_check_free(c1);
	dns_check_free(c2);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/* DNS_CHECK_FRESH queries again, and the new answers replace the old. */
START_TEST(test_engine_fresh_skips_cache)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c1, *c2, *c3;
	struct event_addr	 a;

	dns = clock_engine(&f, 0, 0);
	a = check_addr("192.0.2.10");
	c1 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	test_clock += 10 * 1000;
	c2 = dns_check_begin(dns, &a, NULL, 0, DNS_CHECK_FRESH,
	    count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 6);
	ck_assert_uint_eq(dns_check_result(c2)->ncached, 0);

	/* The cache now has the answers of c2, 5 seconds old. */
	test_clock += 5 * 1000;
	c3 = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 7);
	ck_assert_int_eq(dns_check_result(c3)->cache_age_s, 5);
	dns_check_free(c1);
	dns_check_free(c2);
	dns_check_free(c3);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/* SERVFAIL is never cached; NXDOMAIN with a SOA is, for its TTL. */
START_TEST(test_engine_cache_negative)
{
	static const char *const	 helos[] = { "servfail.example.test",
	    "neg.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct dns_check		*c1, *c2;
	struct dns_stats		 st;
	struct event_addr		 a;

	dns = clock_engine(&f, 0, 0);
	a = check_addr("192.0.2.99");
	c1 = dns_check_start(dns, &a, helos, 2, count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 5);
	c2 = dns_check_start(dns, &a, helos, 2, count_callback, NULL);
	fake_run(&f, dns);
	/* PTR NXDOMAIN has no SOA, servfail.example.test is SERVFAIL. */
	ck_assert_int_eq(f.received, 8);
	ck_assert_int_eq(dns_check_result(c2)->helo[1].rcode,
	    DNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(dns_check_result(c2)->helo[0].rcode,
	    DNS_RCODE_SERVFAIL);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.cache_hits, 2);
	ck_assert_uint_eq(st.cached, 2);

	/* The SOA minimum of neg.example.test is 30 seconds. */
	test_clock += 30 * 1000;
	dns_check_free(c2);
	c2 = dns_check_start(dns, &a, helos, 2, count_callback, NULL);
	fake_run(&f, dns);
	ck_assert_int_eq(f.received, 13);
	dns_check_free(c1);
	dns_check_free(c2);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_cache_max)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c;
	struct dns_stats	 st;
	struct event_addr	 a;

	dns = clock_engine(&f, 0, 1);
	a = check_addr("192.0.2.10");
	c = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.cached, 1);
	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_qps_limit)
{
	static const char *const	 helos[] = { "drop.example.test",
	    "servfail.example.test" };
	struct fake			 f;
	struct dns			*dns;
	struct dns_check		*c;
	struct dns_stats		 st;
	struct event_addr		 a;

	/* 10 per second: one query may go out now, the next 100 ms later. */
	dns = clock_engine(&f, 10, 0);
	a = check_addr("192.0.2.99");
	c = dns_check_start(dns, &a, helos, 2, count_callback, NULL);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.sent, 1);
	ck_assert_uint_eq(dns_inflight(dns), 5);
	ck_assert_int_eq(dns_timeout(dns, 1000), 101);

	test_clock += 50;
	dns_process(dns, NULL, 0);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.sent, 1);
	ck_assert_int_eq(dns_timeout(dns, 1000), 51);

	test_clock += 50;
	dns_process(dns, NULL, 0);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.sent, 2);

	test_clock += 1000;
	dns_process(dns, NULL, 0);
	dns_get_stats(dns, &st);
	ck_assert_uint_eq(st.sent, 3);	/* at most one tenth second's worth */
	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/* An urgent check's queries go out before queued ones of other checks. */
START_TEST(test_engine_urgent_first)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c[3];
	struct event_addr	 a;
	struct pollfd		 pfd;
	char			 name[256];
	size_t			 end;
	int			 i;

	dns = fake_engine(&f, 1000, 1, 1);
	f.hold = 1;
	a = check_addr("192.0.2.11");
	c[0] = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	a = check_addr("192.0.2.12");
	c[1] = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	a = check_addr("192.0.2.10");
	c[2] = dns_check_begin(dns, &a, NULL, 0, DNS_CHECK_URGENT,
	    count_callback, NULL);

	pfd.fd = f.fd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	fake_serve(&f);
	ck_assert_int_eq(f.nheld, 1);
	fake_question(&f.held[0], name, sizeof name, &end);
	ck_assert_str_eq(name, "11.2.0.192.in-addr.arpa");

	/* Answer it: the next query out is the urgent check's. */
	fake_flush(&f);
	for (i = 0; i < 50 && f.nheld == 0; i++) {
		struct pollfd	fds[9];
		size_t		n;

		fds[0] = pfd;
		fds[0].revents = 0;
		n = dns_pollfds(dns, fds + 1, 8);
		poll(fds, n + 1, 20);
		dns_process(dns, fds + 1, n);
		fake_serve(&f);
	}
	ck_assert_int_eq(f.nheld, 1);
	fake_question(&f.held[0], name, sizeof name, &end);
	ck_assert_str_eq(name, "10.2.0.192.in-addr.arpa");
	f.hold = 0;
	fake_flush(&f);
	fake_run(&f, dns);
	ck_assert_int_eq(callbacks, 3);
	for (i = 0; i < 3; i++)
		dns_check_free(c[i]);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

/* A truncated UDP answer is asked again over TCP, on the poll loop. */
START_TEST(test_engine_truncated_over_tcp)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c;
	const struct dns_result	*r;
	struct event_addr	 a;

	dns = fake_engine(&f, 1000, 1, 0);
	a = check_addr("192.0.2.13");
	c = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	r = dns_check_result(c);
	ck_assert_int_eq(f.tcp_received, 1);
	ck_assert_int_eq(r->ptr_rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(r->nptr, 2);
	ck_assert_str_eq(r->ptr[0].name, "mail.example.test");
	ck_assert_str_eq(r->ptr[1].name, "other.example.test");
	ck_assert_int_eq(r->fcrdns, DNS_VERDICT_FAIL);
	dns_check_free(c);
	dns_free(dns);
	fake_stop(&f);
}
END_TEST

START_TEST(test_engine_dnsbl_and_abuse)
{
	struct fake		 f;
	struct dns		*dns;
	struct dns_check	*c;
	struct dns_config	 cfg;
	struct dnsbl_list	*bl;
	const struct dns_result	*r;
	struct event_addr	 a;
	char			*cause = NULL, code[INET6_ADDRSTRLEN];

	bl = dnsbl_list_create();
	ck_assert_int_eq(dnsbl_set_zones(bl, "bl.example.test, "
	    "drop.example.test", &cause), 0);
	memset(&cfg, 0, sizeof cfg);
	cfg.timeout_ms = 100;
	cfg.tries = 1;
	cfg.dnsbl = bl;
	cfg.abuse_zone = "abuse.example.test";
	dns = fake_engine_with(&f, &cfg);
	a = check_addr("192.0.2.10");
	c = dns_check_start(dns, &a, NULL, 0, count_callback, NULL);
	fake_run(&f, dns);
	r = dns_check_result(c);

	ck_assert_uint_eq(r->ndnsbl, 2);
	ck_assert_str_eq(r->dnsbl[0].zone, "bl.example.test");
	ck_assert_int_eq(r->dnsbl[0].rcode, DNS_RCODE_NOERROR);
	ck_assert_int_eq(r->dnsbl[0].listed, DNS_LISTED_YES);
	ck_assert_uint_eq(r->dnsbl[0].ncodes, 2);
	inet_ntop(AF_INET, r->dnsbl[0].codes[1].bytes, code, sizeof code);
	ck_assert_str_eq(code, "127.0.0.4");
	/* The zone drop.example.test is not the name asked, so NXDOMAIN. */
	ck_assert_str_eq(r->dnsbl[1].zone, "drop.example.test");
	ck_assert_int_eq(r->dnsbl[1].rcode, DNS_RCODE_NXDOMAIN);
	ck_assert_int_eq(r->dnsbl[1].listed, DNS_LISTED_NO);
	ck_assert_str_eq(r->abuse.zone, "abuse.example.test");
	ck_assert_int_eq(r->abuse.rcode, DNS_RCODE_NOERROR);
	ck_assert_uint_eq(r->abuse.naddresses, 2);
	ck_assert_str_eq(r->abuse.addresses[0], "abuse@example.test");
	ck_assert_str_eq(r->abuse.addresses[1], "noc@example.test");
	dns_check_free(c);
	dns_free(dns);
	dnsbl_list_free(bl);
	fake_stop(&f);
}
END_TEST

/* An IPv4 DNSBL zone cannot list an unknown address family. */
START_TEST(test_engine_lists_bad_family)
{
	struct dns_config	 cfg;
	struct dnsbl_list	*bl;
	struct dns		*dns;
	struct dns_check	*c;
	struct event_addr	 a;
	char			*cause = NULL;

	bl = dnsbl_list_create();
	ck_assert_int_eq(dnsbl_set_zones(bl, "bl.example.test", &cause), 0);
	memset(&cfg, 0, sizeof cfg);
	cfg.servers = "127.0.0.1:9";
	cfg.dnsbl = bl;
	cfg.abuse_zone = "abuse.example.test";
	dns = dns_create(&cfg, &cause);
	ck_assert_ptr_nonnull(dns);
	memset(&a, 0, sizeof a);
	c = dns_check_start(dns, &a, NULL, 0, NULL, NULL);
	ck_assert_uint_eq(dns_inflight(dns), 0);
	ck_assert_int_eq(dns_check_result(c)->dnsbl[0].rcode,
	    DNS_RCODE_INVALID);
	ck_assert_int_eq(dns_check_result(c)->dnsbl[0].listed,
	    DNS_LISTED_UNKNOWN);
	ck_assert_int_eq(dns_check_result(c)->abuse.rcode, DNS_RCODE_INVALID);
	dns_check_free(c);
	dns_free(dns);
	dnsbl_list_free(bl);
}
END_TEST

Suite *
make_dns_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("dns");

	tc = tcase_create("fcrdns");
	tcase_add_test(tc, test_fcrdns_f1_confirmed_name);
	tcase_add_test(tc, test_fcrdns_f1_mapped_client);
	tcase_add_test(tc, test_fcrdns_f1_ipv6_client);
	tcase_add_test(tc, test_fcrdns_f1_before_pending);
	tcase_add_test(tc, test_fcrdns_f2_ptr_pending);
	tcase_add_test(tc, test_fcrdns_f2_forward_pending);
	tcase_add_test(tc, test_fcrdns_f3_ptr_temporary);
	tcase_add_test(tc, test_fcrdns_f4_forward_temporary);
	tcase_add_test(tc, test_fcrdns_f4_other_family_ignored);
	tcase_add_test(tc, test_fcrdns_f5_nxdomain);
	tcase_add_test(tc, test_fcrdns_f6_nodata);
	tcase_add_test(tc, test_fcrdns_f7_no_name_matches);
	tcase_add_test(tc, test_fcrdns_f4a_names_dropped);
	tcase_add_test(tc, test_fcrdns_f8_unknown_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("helo");
	tcase_add_test(tc, test_helo_h1_ipv4_literal);
	tcase_add_test(tc, test_helo_h1_ipv6_literal_case);
	tcase_add_test(tc, test_helo_h1_literal_while_pending);
	tcase_add_test(tc, test_helo_h2_other_literal);
	tcase_add_test(tc, test_helo_h3_invalid_name);
	tcase_add_test(tc, test_helo_h3_malformed_literal);
	tcase_add_test(tc, test_helo_h4_equals_confirmed_ptr);
	tcase_add_test(tc, test_helo_h4_unconfirmed_ptr_no_pass);
	tcase_add_test(tc, test_helo_h5_forward_contains_client);
	tcase_add_test(tc, test_helo_h5_aaaa_contains_client);
	tcase_add_test(tc, test_helo_h6_forward_pending);
	tcase_add_test(tc, test_helo_h6_ptr_pending);
	tcase_add_test(tc, test_helo_h6_equal_ptr_pending);
	tcase_add_test(tc, test_helo_h7_temporary);
	tcase_add_test(tc, test_helo_h7_ptr_and_helo_servfail);
	tcase_add_test(tc, test_helo_h8_other_address);
	tcase_add_test(tc, test_helo_h8_nxdomain);
	tcase_add_test(tc, test_helo_h8_ptr_servfail_ignored);
	tcase_add_test(tc, test_helo_h8_other_family_ignored);
	tcase_add_test(tc, test_helo_rcode_c1_invalid);
	tcase_add_test(tc, test_helo_rcode_c2_literal);
	tcase_add_test(tc, test_helo_rcode_c3_noerror_wins);
	tcase_add_test(tc, test_helo_rcode_c4_pending);
	tcase_add_test(tc, test_helo_rcode_c5_a_temporary);
	tcase_add_test(tc, test_helo_rcode_c6_aaaa_temporary);
	tcase_add_test(tc, test_helo_rcode_c7_nxdomain);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_dns_rcode_names);
	tcase_add_test(tc, test_dns_verdict_names);
	tcase_add_test(tc, test_dns_rcode_temporary);
	tcase_add_test(tc, test_dns_name_valid);
	tcase_add_test(tc, test_dns_name_empty);
	tcase_add_test(tc, test_dns_name_empty_label);
	tcase_add_test(tc, test_dns_name_label_length);
	tcase_add_test(tc, test_dns_name_total_length);
	tcase_add_test(tc, test_dns_name_bad_characters);
	tcase_add_test(tc, test_dns_name_bare_address);
	tcase_add_test(tc, test_dns_name_equal);
	tcase_add_test(tc, test_dns_literal_ipv4);
	tcase_add_test(tc, test_dns_literal_ipv6_tag_case);
	tcase_add_test(tc, test_dns_literal_ipv6_untagged);
	tcase_add_test(tc, test_dns_literal_malformed);
	tcase_add_test(tc, test_dns_literal_not_literal);
	tcase_add_test(tc, test_dns_reverse_ipv4);
	tcase_add_test(tc, test_dns_reverse_ipv4_digits);
	tcase_add_test(tc, test_dns_reverse_ipv4_cut);
	tcase_add_test(tc, test_dns_reverse_ipv6);
	tcase_add_test(tc, test_dns_reverse_limits);
	tcase_add_test(tc, test_dns_addr_equal);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_test(tc, test_wire_ptr_two_names);
	tcase_add_test(tc, test_wire_ptr_hostile_name);
	tcase_add_test(tc, test_wire_ptr_root_name);
	tcase_add_test(tc, test_wire_ptr_duplicates_dropped);
	tcase_add_test(tc, test_wire_ptr_names_capped);
	tcase_add_test(tc, test_wire_a_after_cname);
	tcase_add_test(tc, test_wire_cname_loop);
	tcase_add_test(tc, test_wire_aaaa_and_bad_length);
	tcase_add_test(tc, test_wire_rcodes);
	tcase_add_test(tc, test_wire_nodata);
	tcase_add_test(tc, test_wire_pointer_loop);
	tcase_add_test(tc, test_wire_truncated);
	tcase_add_test(tc, test_wire_not_response);
	tcase_add_test(tc, test_wire_name_too_long);
	tcase_add_test(tc, test_wire_question_compressed);
	tcase_add_test(tc, test_wire_owner_case);
	tcase_add_test(tc, test_wire_rdata_name_overruns);
	tcase_add_test(tc, test_wire_txt_strings);
	tcase_add_test(tc, test_wire_txt_string_overruns);
	tcase_add_test(tc, test_wire_cname_after_record);
	tcase_add_test(tc, test_wire_ttl_lowest);
	tcase_add_test(tc, test_wire_ttl_negative_soa);
	tcase_add_test(tc, test_wire_ttl_not_cacheable);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool");
	tcase_add_test(tc, test_pool_reuses_class);
	tcase_add_test(tc, test_pool_many_blocks);
	tcase_add_test(tc, test_pool_large_object);
	suite_add_tcase(s, tc);

	tc = tcase_create("engine");
	tcase_add_test(tc, test_engine_full_check);
	tcase_add_test(tc, test_engine_inflight_limit);
	tcase_add_test(tc, test_engine_cancel_running);
	tcase_add_test(tc, test_engine_cancel_queued);
	tcase_add_test(tc, test_engine_timeout_one_name);
	tcase_add_test(tc, test_engine_no_server_is_error);
	tcase_add_test(tc, test_engine_free_running);
	tcase_add_test(tc, test_engine_callback_frees);
	tcase_add_test(tc, test_engine_nothing_to_ask);
	tcase_add_test(tc, test_engine_bad_server_list);
	tcase_add_test(tc, test_engine_same_query_once);
	tcase_add_test(tc, test_engine_cache_hit_and_age);
	tcase_add_test(tc, test_engine_cache_expires);
	tcase_add_test(tc, test_engine_fresh_skips_cache);
	tcase_add_test(tc, test_engine_cache_negative);
	tcase_add_test(tc, test_engine_cache_max);
	tcase_add_test(tc, test_engine_qps_limit);
	tcase_add_test(tc, test_engine_urgent_first);
	tcase_add_test(tc, test_engine_truncated_over_tcp);
	tcase_add_test(tc, test_engine_dnsbl_and_abuse);
	tcase_add_test(tc, test_engine_lists_bad_family);
	suite_add_tcase(s, tc);
	return s;
}
