/*
 * Tests for core/dnshist.c: the outcome of a check, the summaries of a
 * history, and the dns_history table in a state database.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "dns_json.h"
#include "dnshist.h"
#include "store.h"
#include "xmalloc.h"

/* Seconds since the epoch of a UTC date and hour. */
static int64_t
utc(int year, int month, int day, int hour)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	return (int64_t)timegm(&tm);
}

static void
hist_utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* A finished result: PTR NOERROR with one confirmed name, HELO passes. */
static void
hist_result(struct dns_result *r)
{
	static char	name[] = "mail.example.test";

	memset(r, 0, sizeof *r);
	r->done = 1;
	r->ptr_rcode = DNS_RCODE_NOERROR;
	r->nptr = 1;
	r->ptr[0].name = name;
	r->ptr[0].confirmed = 1;
	r->fcrdns = DNS_VERDICT_PASS;
	r->nhelo = 2;
	r->helo[0].verified = DNS_VERDICT_PASS;
	r->helo[1].verified = DNS_VERDICT_PASS;
}

START_TEST(test_dnshist_outcome_ok)
{
	struct dns_result	r;
	struct dnshist_entry	e;

	hist_result(&r);
	dnshist_outcome(&r, 1234, &e);
	ck_assert_int_eq(e.time, 1234);
	ck_assert_int_eq(e.ptr, DNS_RCODE_NOERROR);
	ck_assert_int_eq(e.fcrdns, DNS_VERDICT_PASS);
	ck_assert_int_eq(e.helo, DNS_VERDICT_PASS);
	ck_assert_str_eq(e.listed, DNSHIST_NOT_ASKED);
	ck_assert_str_eq(e.problem, "");
}
END_TEST

/* Only errors from the zones: not the same as not listed. */
START_TEST(test_dnshist_outcome_dnsbl_unknown)
{
	static char		zone[] = "bl.example.test";
	struct dns_result	r;
	struct dnshist_entry	e;

	hist_result(&r);
	r.ndnsbl = 1;
	r.dnsbl[0].zone = zone;
	r.dnsbl[0].listed = DNS_LISTED_UNKNOWN;
	dnshist_outcome(&r, 0, &e);
	ck_assert_str_eq(e.listed, DNSHIST_NOT_ASKED);

	r.dnsbl[0].listed = DNS_LISTED_NO;
	dnshist_outcome(&r, 0, &e);
	ck_assert_str_eq(e.listed, "");
}
END_TEST

START_TEST(test_dnshist_outcome_ptr)
{
	struct dns_result	r;
	struct dnshist_entry	e;

	hist_result(&r);
	r.ptr_rcode = DNS_RCODE_SERVFAIL;
	r.nptr = 0;
	r.fcrdns = DNS_VERDICT_INDETERMINATE;
	dnshist_outcome(&r, 0, &e);
	ck_assert_str_eq(e.problem, "PTR SERVFAIL");

	r.ptr_rcode = DNS_RCODE_NOERROR;
	r.fcrdns = DNS_VERDICT_FAIL;
	dnshist_outcome(&r, 0, &e);
	ck_assert_str_eq(e.problem, "no PTR record");
}
END_TEST

START_TEST(test_dnshist_outcome_fcrdns)
{
	struct dns_result	r;
	struct dnshist_entry	e;

	hist_result(&r);
	r.fcrdns = DNS_VERDICT_FAIL;
	r.helo[1].verified = DNS_VERDICT_FAIL;
	dnshist_outcome(&r, 0, &e);
	ck_assert_str_eq(e.problem, "FCrDNS fail");
}
END_TEST

/* The worst HELO verdict counts: fail, then indeterminate, then pass. */
START_TEST(test_dnshist_outcome_helo)
{
	struct dns_result	r;
	struct dnshist_entry	e;

	hist_result(&r);
	r.helo[1].verified = DNS_VERDICT_INDETERMINATE;
	dnshist_outcome(&r, 0, &e);
	ck_assert_int_eq(e.helo, DNS_VERDICT_INDETERMINATE);
	ck_assert_str_eq(e.problem, "HELO indeterminate");

	r.helo[0].verified = DNS_VERDICT_FAIL;
	dnshist_outcome(&r, 0, &e);
	ck_assert_int_eq(e.helo, DNS_VERDICT_FAIL);
	ck_assert_str_eq(e.problem, "HELO fail");

	r.nhelo = 0;
	dnshist_outcome(&r, 0, &e);
	ck_assert_int_eq(e.helo, DNS_VERDICT_NONE);
	ck_assert_str_eq(e.problem, "");
}
END_TEST

START_TEST(test_dnshist_outcome_listed)
{
	static char		z1[] = "bl.example.test";
	static char		z2[] = "other.example.test";
	static char		z3[] = "third.example.test";
	struct dns_result	r;
	struct dnshist_entry	e;

	hist_result(&r);
	r.ndnsbl = 3;
	r.dnsbl[0].zone = z1;
	r.dnsbl[0].listed = DNS_LISTED_YES;
	r.dnsbl[1].zone = z2;
	r.dnsbl[1].listed = DNS_LISTED_UNKNOWN;
	r.dnsbl[2].zone = z3;
	r.dnsbl[2].listed = DNS_LISTED_YES;
	dnshist_outcome(&r, 0, &e);
	ck_assert_str_eq(e.listed, "bl.example.test,third.example.test");
	ck_assert_str_eq(e.problem,
	    "listed in bl.example.test,third.example.test");
}
END_TEST

static void
hist_entry(struct dnshist_entry *e, int64_t t, const char *problem)
{
	memset(e, 0, sizeof *e);
	e->time = t;
	e->ptr = DNS_RCODE_NOERROR;
	e->fcrdns = DNS_VERDICT_PASS;
	snprintf(e->problem, sizeof e->problem, "%s", problem);
}

START_TEST(test_dnshist_summary_since)
{
	struct dnshist_entry	e[5];
	char			buf[DNSHIST_SUMMARY_MAX];

	hist_utc();
	hist_entry(&e[0], utc(2026, 11, 20, 10), "");
	hist_entry(&e[1], utc(2026, 11, 28, 9), "PTR SERVFAIL");
	hist_entry(&e[2], utc(2026, 11, 28, 23), "PTR SERVFAIL");
	hist_entry(&e[3], utc(2026, 11, 29, 8), "PTR SERVFAIL");
	hist_entry(&e[4], utc(2026, 12, 2, 7), "PTR SERVFAIL");
	dnshist_summary(e, 5, utc(2026, 12, 2, 12), buf, sizeof buf);
	ck_assert_str_eq(buf, "PTR SERVFAIL since 2026-11-28, 4 checks");
}
END_TEST

START_TEST(test_dnshist_summary_fixed)
{
	struct dnshist_entry	e[4];
	char			buf[DNSHIST_SUMMARY_MAX];

	hist_utc();
	hist_entry(&e[0], utc(2026, 11, 27, 10), "PTR SERVFAIL");
	hist_entry(&e[1], utc(2026, 11, 28, 10), "FCrDNS fail");
	hist_entry(&e[2], utc(2026, 11, 29, 23), "");
	hist_entry(&e[3], utc(2026, 11, 30, 8), "");
	dnshist_summary(e, 4, utc(2026, 11, 30, 12), buf, sizeof buf);
	ck_assert_str_eq(buf, "fixed since yesterday (was FCrDNS fail)");
}
END_TEST

/* A check without DNSBL answers does not end a listing. */
START_TEST(test_dnshist_summary_not_asked)
{
	struct dnshist_entry	e[4];
	char			buf[DNSHIST_SUMMARY_MAX];

	hist_utc();
	hist_entry(&e[0], utc(2026, 11, 28, 10), "listed in bl.test");
	snprintf(e[0].listed, sizeof e[0].listed, "bl.test");
	hist_entry(&e[1], utc(2026, 11, 29, 10), "listed in bl.test");
	snprintf(e[1].listed, sizeof e[1].listed, "bl.test");
	hist_entry(&e[2], utc(2026, 11, 30, 8), "");
	snprintf(e[2].listed, sizeof e[2].listed, DNSHIST_NOT_ASKED);
	dnshist_summary(e, 3, utc(2026, 11, 30, 12), buf, sizeof buf);
	ck_assert_str_eq(buf, "listed in bl.test since 2026-11-28, 2 checks");

	/* A later check that asked and found no listing ends it. */
	hist_entry(&e[3], utc(2026, 11, 30, 9), "");
	dnshist_summary(e, 4, utc(2026, 11, 30, 12), buf, sizeof buf);
	ck_assert_str_eq(buf, "fixed since today (was listed in bl.test)");
}
END_TEST

START_TEST(test_dnshist_summary_today)
{
	struct dnshist_entry	e[2];
	char			buf[DNSHIST_SUMMARY_MAX];

	hist_utc();
	hist_entry(&e[0], utc(2026, 11, 30, 1), "");
	hist_entry(&e[1], utc(2026, 11, 30, 2), "");
	dnshist_summary(e, 2, utc(2026, 11, 30, 12), buf, sizeof buf);
	ck_assert_str_eq(buf, "no problem since today, 2 checks");

	hist_entry(&e[1], utc(2026, 11, 30, 2), "HELO fail");
	dnshist_summary(e, 2, utc(2026, 11, 30, 12), buf, sizeof buf);
	ck_assert_str_eq(buf, "HELO fail since today, 1 check");
}
END_TEST

/* Yesterday is the calendar day before, across a month and a year. */
START_TEST(test_dnshist_summary_new_year)
{
	struct dnshist_entry	e[1];
	char			buf[DNSHIST_SUMMARY_MAX];

	hist_utc();
	hist_entry(&e[0], utc(2026, 12, 31, 0), "PTR NXDOMAIN");
	dnshist_summary(e, 1, utc(2027, 1, 1, 23), buf, sizeof buf);
	ck_assert_str_eq(buf, "PTR NXDOMAIN since yesterday, 1 check");
	dnshist_summary(e, 1, utc(2027, 1, 2, 0), buf, sizeof buf);
	ck_assert_str_eq(buf, "PTR NXDOMAIN since 2026-12-31, 1 check");
}
END_TEST

START_TEST(test_dnshist_summary_empty)
{
	char	buf[8] = "x";

	dnshist_summary(NULL, 0, 0, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_dnshist_names_parse)
{
	ck_assert_int_eq(dnshist_rcode_parse("SERVFAIL"), DNS_RCODE_SERVFAIL);
	ck_assert_int_eq(dnshist_rcode_parse("INVALID"), DNS_RCODE_INVALID);
	ck_assert_int_eq(dnshist_rcode_parse("servfail"), DNS_RCODE_NONE);
	ck_assert_int_eq(dnshist_verdict_parse("indeterminate"),
	    DNS_VERDICT_INDETERMINATE);
	ck_assert_int_eq(dnshist_verdict_parse(""), DNS_VERDICT_NONE);
}
END_TEST

/* A state database in a temporary folder, removed by hist_db_close. */
struct hist_db {
	char		 dir[64];
	char		*path;
	struct store	*store;
	struct dnshist	*hist;
};

static void
hist_db_open(struct hist_db *db)
{
	char	*cause = NULL;

	snprintf(db->dir, sizeof db->dir, "/tmp/check_dnshist.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(db->dir));
	xasprintf(&db->path, "%s/state.db", db->dir);
	db->store = store_open(db->path, &cause);
	ck_assert_ptr_nonnull(db->store);
	db->hist = dnshist_open(db->store, &cause);
	ck_assert_ptr_nonnull(db->hist);
}

static void
hist_db_close(struct hist_db *db)
{
	char	*file;

	dnshist_close(db->hist);
	store_close(db->store);
	unlink(db->path);
	xasprintf(&file, "%s-wal", db->path);
	unlink(file);
	free(file);
	xasprintf(&file, "%s-shm", db->path);
	unlink(file);
	free(file);
	rmdir(db->dir);
	free(db->path);
}

START_TEST(test_dnshist_store_roundtrip)
{
	struct hist_db		 db;
	struct dnshist_entry	 in[3], *out;
	const char		*ips[3] = { "192.0.2.7", "2001:db8::7",
	    "192.0.2.7" };
	char			*cause = NULL;
	size_t			 n;

	hist_db_open(&db);
	hist_entry(&in[0], 1000, "PTR SERVFAIL");
	in[0].ptr = DNS_RCODE_SERVFAIL;
	in[0].fcrdns = DNS_VERDICT_INDETERMINATE;
	in[0].helo = DNS_VERDICT_FAIL;
	hist_entry(&in[1], 1500, "");
	hist_entry(&in[2], 2000, "listed in bl.example.test");
	snprintf(in[2].listed, sizeof in[2].listed, "bl.example.test");
	ck_assert_int_eq(dnshist_add(db.hist, ips, in, 3, &cause), 0);

	ck_assert_int_eq(dnshist_get(db.hist, "192.0.2.7", &out, &n, &cause),
	    0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(out[0].time, 1000);
	ck_assert_int_eq(out[0].ptr, DNS_RCODE_SERVFAIL);
	ck_assert_int_eq(out[0].fcrdns, DNS_VERDICT_INDETERMINATE);
	ck_assert_int_eq(out[0].helo, DNS_VERDICT_FAIL);
	ck_assert_str_eq(out[0].problem, "PTR SERVFAIL");
	ck_assert_int_eq(out[1].time, 2000);
	ck_assert_int_eq(out[1].helo, DNS_VERDICT_NONE);
	ck_assert_str_eq(out[1].listed, "bl.example.test");
	free(out);

	/* The address is stored in inet_ntop form. */
	ck_assert_int_eq(dnshist_get(db.hist, "2001:DB8:0::7", &out, &n,
	    &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(out[0].time, 1500);
	free(out);

	ck_assert_int_eq(dnshist_get(db.hist, "192.0.2.8", &out, &n, &cause),
	    0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(out);
	hist_db_close(&db);
}
END_TEST

START_TEST(test_dnshist_store_keeps_latest)
{
	struct hist_db		 db;
	struct dnshist_entry	*in, *out;
	const char		**ips;
	char			*cause = NULL;
	size_t			 i, n, total = DNSHIST_KEEP + 5;

	hist_db_open(&db);
	in = xcalloc(total, sizeof *in);
	ips = xcalloc(total, sizeof *ips);
	for (i = 0; i < total; i++) {
		hist_entry(&in[i], (int64_t)i, "");
		ips[i] = "198.51.100.1";
	}
	ck_assert_int_eq(dnshist_add(db.hist, ips, in, total, &cause), 0);
	ck_assert_int_eq(dnshist_get(db.hist, "198.51.100.1", &out, &n,
	    &cause), 0);
	ck_assert_uint_eq(n, DNSHIST_KEEP);
	ck_assert_int_eq(out[0].time, 5);
	ck_assert_int_eq(out[DNSHIST_KEEP - 1].time, (int64_t)total - 1);
	free(out);
	free(in);
	free(ips);
	hist_db_close(&db);
}
END_TEST

/* A bad address rolls back the whole batch. */
START_TEST(test_dnshist_store_bad_ip)
{
	struct hist_db		 db;
	struct dnshist_entry	 in[2], *out;
	const char		*ips[2] = { "192.0.2.1", "not-an-ip" };
	char			*cause = NULL;
	size_t			 n;

	hist_db_open(&db);
	hist_entry(&in[0], 1, "");
	hist_entry(&in[1], 2, "");
	ck_assert_int_eq(dnshist_add(db.hist, ips, in, 2, &cause), -1);
	ck_assert_str_eq(cause, "invalid IP address \"not-an-ip\"");
	free(cause);
	ck_assert_int_eq(dnshist_get(db.hist, "192.0.2.1", &out, &n, &cause),
	    0);
	ck_assert_uint_eq(n, 0);
	hist_db_close(&db);
}
END_TEST

/* The table survives closing, and store_open accepts the database. */
START_TEST(test_dnshist_store_reopen)
{
	struct hist_db		 db;
	struct dnshist_entry	 in, *out;
	const char		*ip = "192.0.2.1";
	char			*cause = NULL;
	size_t			 n;

	hist_db_open(&db);
	hist_entry(&in, 77, "no PTR record");
	ck_assert_int_eq(dnshist_add(db.hist, &ip, &in, 1, &cause), 0);
	dnshist_close(db.hist);
	store_close(db.store);

	db.store = store_open(db.path, &cause);
	ck_assert_ptr_nonnull(db.store);
	db.hist = dnshist_open(db.store, &cause);
	ck_assert_ptr_nonnull(db.hist);
	ck_assert_int_eq(dnshist_get(db.hist, ip, &out, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(out[0].problem, "no PTR record");
	free(out);
	hist_db_close(&db);
}
END_TEST

START_TEST(test_dnshist_json_exact)
{
	struct dnshist_entry	e[2];
	struct dnshist_list	l = { e, 2 };
	struct esc_buf		b = { NULL, 0, 0 };

	hist_entry(&e[0], utc(2026, 11, 28, 10), "PTR SERVFAIL");
	e[0].ptr = DNS_RCODE_SERVFAIL;
	e[0].fcrdns = DNS_VERDICT_INDETERMINATE;
	hist_entry(&e[1], utc(2026, 11, 29, 10), "");
	e[1].helo = DNS_VERDICT_PASS;
	snprintf(e[1].listed, sizeof e[1].listed, "a.test,b.test");
	snprintf(e[0].listed, sizeof e[0].listed, DNSHIST_NOT_ASKED);
	esc_buf_lit(&b, "");
	dns_json_history(&b, &l);
	ck_assert_str_eq(b.data, ",\"dns_history\":[{\"time\":"
	    "\"2026-11-28T10:00:00Z\",\"ptr\":\"SERVFAIL\",\"fcrdns\":"
	    "\"indeterminate\",\"helo\":null,\"listed\":null,\"problem\":"
	    "\"PTR SERVFAIL\"},{\"time\":\"2026-11-29T10:00:00Z\",\"ptr\":"
	    "\"NOERROR\",\"fcrdns\":\"pass\",\"helo\":\"pass\",\"listed\":"
	    "[\"a.test\",\"b.test\"],\"problem\":null}]");
	esc_buf_free(&b);
}
END_TEST

Suite *
make_dnshist_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("dnshist");

	tc = tcase_create("outcome");
	tcase_add_test(tc, test_dnshist_outcome_ok);
	tcase_add_test(tc, test_dnshist_outcome_dnsbl_unknown);
	tcase_add_test(tc, test_dnshist_summary_not_asked);
	tcase_add_test(tc, test_dnshist_outcome_ptr);
	tcase_add_test(tc, test_dnshist_outcome_fcrdns);
	tcase_add_test(tc, test_dnshist_outcome_helo);
	tcase_add_test(tc, test_dnshist_outcome_listed);
	suite_add_tcase(s, tc);

	tc = tcase_create("summary");
	tcase_add_test(tc, test_dnshist_summary_since);
	tcase_add_test(tc, test_dnshist_summary_fixed);
	tcase_add_test(tc, test_dnshist_summary_today);
	tcase_add_test(tc, test_dnshist_summary_new_year);
	tcase_add_test(tc, test_dnshist_summary_empty);
	tcase_add_test(tc, test_dnshist_names_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_test(tc, test_dnshist_store_roundtrip);
	tcase_add_test(tc, test_dnshist_store_keeps_latest);
	tcase_add_test(tc, test_dnshist_store_bad_ip);
	tcase_add_test(tc, test_dnshist_store_reopen);
	tcase_add_test(tc, test_dnshist_json_exact);
	suite_add_tcase(s, tc);
	return s;
}
