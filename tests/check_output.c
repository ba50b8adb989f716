/* Tests for core/output.c: the list formats scripts depend on. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_suites.h"
#include "output.h"
#include "reason.h"

static struct agg	*agg;
static struct client	*client;

/* One suspect: two HELOs, a warning, times with a +01:00 offset. */
static void
setup(void)
{
	struct event	 ev;
	struct client	**s;
	size_t		  n;

	setenv("TZ", "UTC", 1);
	tzset();
	agg = agg_create();
	agg_add_file(agg, "test.log");

	memset(&ev, 0, sizeof ev);
	ev.addr.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.15", ev.addr.bytes);
	ev.has_time = 1;
	ev.time.has_offset = 1;
	ev.time.offset = 3600;
	ev.time.utc = 1764489600;	/* 2025-11-30 08:00:00 UTC */
	ev.helo = "a.example";
	ev.helo_len = 9;
	ev.reason = REASON_HELO_VERIFY_FAILED;
	agg_add(agg, &ev, 0, 0, 1);
	ev.time.utc += 3600;
	ev.helo = "b,\"x\"";
	ev.helo_len = 5;
	agg_add(agg, &ev, 0, 100, 2);
	ev.time.utc += 3600;
	ev.helo = "a.example";
	ev.helo_len = 9;
	ev.reason = NULL;
	agg_add(agg, &ev, 0, 200, 3);
	agg_finish(agg);
	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 1);
	client = s[0];
}

static void
teardown(void)
{
	agg_free(agg);
}

static struct dns_result *
make_dns(void)
{
	static struct dns_result	r;
	static char			ptr[] = "mail.example.net";
	static char			helo[] = "a.example";

	memset(&r, 0, sizeof r);
	r.ptr_rcode = DNS_RCODE_NOERROR;
	r.nptr = 1;
	r.ptr[0].name = ptr;
	r.fcrdns = DNS_VERDICT_FAIL;
	r.nhelo = 1;
	r.helo[0].name = helo;
	r.helo[0].rcode = DNS_RCODE_SERVFAIL;
	r.helo[0].verified = DNS_VERDICT_INDETERMINATE;
	r.done = 1;
	return &r;
}

START_TEST(test_output_json_exact)
{
	struct esc_buf	b = { NULL, 0, 0 };

	out_client_json(&b, client, NULL);
	ck_assert_str_eq(b.data, "{\"ip\":\"192.0.2.15\",\"helo\":"
	    "[\"a.example\",\"b,\\\"x\\\"\"],\"rdns\":null,\"reasons\":"
	    "{\"no_verified_rdns\":3,\"helo_verify_failed\":2},\"events\":3,"
	    "\"first_seen\":\"2025-11-30T09:00:00+01:00\",\"last_seen\":"
	    "\"2025-11-30T11:00:00+01:00\",\"status\":\"new\"}");
	esc_buf_free(&b);
}
END_TEST

/* Check the times in the JSON of c, whose first_seen is 09:00+01:00. */
static void
assert_json_last_seen(const struct client *c, const char *last_seen)
{
	struct esc_buf	 b = { NULL, 0, 0 };
	const char	*at;
	char		 want[128];

	snprintf(want, sizeof want, "\"first_seen\":"
	    "\"2025-11-30T09:00:00+01:00\",\"last_seen\":\"%s\","
	    "\"status\":\"new\"}", last_seen);
	out_client_json(&b, c, NULL);
	ck_assert_ptr_nonnull(at = strstr(b.data, "\"first_seen\""));
	ck_assert_str_eq(at, want);
	esc_buf_free(&b);
}

/*
 * The text of first_seen is reused for last_seen only for the same time:
 * the same instant with another offset, or a second later, is written
 * again.
 */
START_TEST(test_output_json_times_reused_exactly)
{
	struct client	c = *client;

	c.last = c.first;
	assert_json_last_seen(&c, "2025-11-30T09:00:00+01:00");
	c.last.offset = -7200;
	assert_json_last_seen(&c, "2025-11-30T06:00:00-02:00");
	c.last = c.first;
	c.last.utc++;
	assert_json_last_seen(&c, "2025-11-30T09:00:01+01:00");
}
END_TEST

START_TEST(test_output_json_dns)
{
	struct esc_buf			 b = { NULL, 0, 0 };
	const struct dns_result		*r = make_dns();

	out_client_json(&b, client, r);
	ck_assert_ptr_nonnull(strstr(b.data, ",\"dns\":{\"ptr\":{\"rcode\":"
	    "\"NOERROR\",\"names\":[\"mail.example.net\"]},\"fcrdns\":\"fail\","
	    "\"helo\":[{\"name\":\"a.example\",\"rcode\":\"SERVFAIL\","
	    "\"addrs\":[],\"verified\":\"indeterminate\"}]}}"));
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_output_csv_exact)
{
	struct esc_buf	b = { NULL, 0, 0 };

	out_clients(&b, OUT_CSV, &client, 1, NULL);
	ck_assert_str_eq(b.data, "ip,helo,rdns,reasons,events,first_seen,"
	    "last_seen,status\n192.0.2.15,\"a.example;b,\"\"x\"\"\",,"
	    "no_verified_rdns=3;helo_verify_failed=2,3,"
	    "2025-11-30T09:00:00+01:00,2025-11-30T11:00:00+01:00,new\n");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_output_table_local_time)
{
	struct esc_buf	b = { NULL, 0, 0 };

	out_clients(&b, OUT_TABLE, &client, 1, NULL);
	ck_assert_str_eq(b.data,
	    "IP          HELO       RDNS  REASONS                              "
	    "EVENTS  LAST SEEN         STATUS\n"
	    "192.0.2.15  a.example  -     no_verified_rdns,helo_verify_failed  "
	    "     3  2025-11-30 10:00  new\n");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_output_table_dns_columns)
{
	struct esc_buf			 b = { NULL, 0, 0 };
	const struct dns_result		*r = make_dns();

	out_clients(&b, OUT_TABLE, &client, 1, &r);
	ck_assert_str_eq(b.data,
	    "IP          HELO       RDNS  REASONS                              "
	    "EVENTS  LAST SEEN         STATUS  FCRDNS  HELO CHECK\n"
	    "192.0.2.15  a.example  -     no_verified_rdns,helo_verify_failed  "
	    "     3  2025-11-30 10:00  new     fail    indeterminate\n");
	esc_buf_free(&b);
}
END_TEST

/* A UTF-8 letter takes one cell, a CJK character two. */
START_TEST(test_output_table_display_width)
{
	static char		 latin[] = "b\xc3\xbc" "cher.example";
	static char		 cjk[] = "\xe4\xbe\x8b\xe3\x81\x88.example";
	struct agg_count	 helo[2];
	struct client		 c[2];
	struct client		*list[2] = { &c[0], &c[1] };
	struct esc_buf		 b = { NULL, 0, 0 };

	c[0] = *client;
	c[1] = *client;
	helo[0].name = latin;
	helo[0].count = 1;
	helo[1].name = cjk;
	helo[1].count = 1;
	c[0].helos = &helo[0];
	c[0].nhelos = 1;
	c[1].helos = &helo[1];
	c[1].nhelos = 1;
	out_clients(&b, OUT_TABLE, list, 2, NULL);
	ck_assert_str_eq(b.data,
	    "IP          HELO            RDNS  REASONS                        "
	    "      EVENTS  LAST SEEN         STATUS\n"
	    "192.0.2.15  b\xc3\xbc" "cher.example  -     "
	    "no_verified_rdns,helo_verify_failed       3  2025-11-30 10:00  "
	    "new\n"
	    "192.0.2.15  \xe4\xbe\x8b\xe3\x81\x88.example    -     "
	    "no_verified_rdns,helo_verify_failed       3  2025-11-30 10:00  "
	    "new\n");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_output_format_names)
{
	enum out_format	f;

	ck_assert_int_eq(out_format_parse("json", &f), 0);
	ck_assert_int_eq(f, OUT_JSON);
	ck_assert_int_eq(out_format_parse("csv", &f), 0);
	ck_assert_int_eq(f, OUT_CSV);
	ck_assert_int_eq(out_format_parse("table", &f), 0);
	ck_assert_int_eq(f, OUT_TABLE);
	ck_assert_int_eq(out_format_parse("xml", &f), -1);
}
END_TEST

/* What out_clients_slices passed to slices_collect. */
struct slices_seen {
	struct esc_buf	text;
	size_t		firsts[16];
	size_t		calls;
	size_t		fail_at;	/* call that returns -1; 0: none */
};

static int
slices_collect(void *arg, size_t first, const char *text, size_t len)
{
	struct slices_seen	*seen = arg;

	if (seen->calls < sizeof seen->firsts / sizeof seen->firsts[0])
		seen->firsts[seen->calls] = first;
	seen->calls++;
	if (seen->fail_at != 0 && seen->calls == seen->fail_at)
		return -1;
	esc_buf_add(&seen->text, text, len);
	return 0;
}

/* An agg of 25 suspects, 198.51.100.1 to .25, with local times. */
static struct agg *
slices_agg(struct client ***suspects, size_t *n)
{
	struct agg	*a;
	struct event	 ev;
	int		 i;

	a = agg_create();
	agg_add_file(a, "test.log");
	memset(&ev, 0, sizeof ev);
	ev.addr.family = AF_INET;
	ev.has_time = 1;
	ev.reason = REASON_HELO_VERIFY_FAILED;
	ev.helo = "h.example";
	ev.helo_len = 9;
	for (i = 1; i <= 25; i++) {
		ev.addr.bytes[0] = 198;
		ev.addr.bytes[1] = 51;
		ev.addr.bytes[2] = 100;
		ev.addr.bytes[3] = (uint8_t)i;
		ev.time.utc = 1764489600 + i * 7200;
		agg_add(a, &ev, 0, (uint64_t)i * 100, (uint64_t)i);
	}
	agg_finish(a);
	*suspects = agg_suspects(a, n);
	return a;
}

START_TEST(test_output_slices_same_text)
{
	struct esc_buf		 whole = { NULL, 0, 0 };
	struct slices_seen	 seen;
	struct client		**suspects;
	struct agg		*a;
	size_t			 n, i;
	int			 threads;

	a = slices_agg(&suspects, &n);
	ck_assert_uint_eq(n, 25);
	out_clients_history(&whole, OUT_JSON, suspects, n, NULL, NULL);
	for (threads = 1; threads <= 2; threads++) {
		memset(&seen, 0, sizeof seen);
		ck_assert_int_eq(out_clients_slices(OUT_JSON, suspects, n,
		    NULL, NULL, 4, threads, slices_collect, &seen), 0);
		/* Seven slices: six of 4 suspects and one of 1. */
		ck_assert_uint_eq(seen.calls, 7);
		for (i = 0; i < 7; i++)
			ck_assert_uint_eq(seen.firsts[i], i * 4);
		ck_assert_uint_eq(seen.text.len, whole.len);
		ck_assert_mem_eq(seen.text.data, whole.data, whole.len);
		esc_buf_free(&seen.text);
	}
	esc_buf_free(&whole);
	agg_free(a);
}
END_TEST

START_TEST(test_output_slices_stop_on_error)
{
	struct esc_buf		 first = { NULL, 0, 0 };
	struct slices_seen	 seen;
	struct client		**suspects;
	struct agg		*a;
	size_t			 n;
	int			 threads;

	a = slices_agg(&suspects, &n);
	out_clients_history(&first, OUT_JSON, suspects, 8, NULL, NULL);
	for (threads = 1; threads <= 2; threads++) {
		memset(&seen, 0, sizeof seen);
		seen.fail_at = 3;
		ck_assert_int_eq(out_clients_slices(OUT_JSON, suspects, n,
		    NULL, NULL, 4, threads, slices_collect, &seen), -1);
		/* No slice after the failed third one. */
		ck_assert_uint_eq(seen.calls, 3);
		ck_assert_uint_eq(seen.text.len, first.len);
		ck_assert_mem_eq(seen.text.data, first.data, first.len);
		esc_buf_free(&seen.text);
	}
	esc_buf_free(&first);
	agg_free(a);
}
END_TEST

START_TEST(test_output_slices_empty_csv)
{
	struct slices_seen	seen;

	memset(&seen, 0, sizeof seen);
	ck_assert_int_eq(out_clients_slices(OUT_CSV, NULL, 0, NULL, NULL,
	    4, 2, slices_collect, &seen), 0);
	ck_assert_uint_eq(seen.calls, 1);
	ck_assert_uint_eq(seen.firsts[0], 0);
	ck_assert_str_eq(seen.text.data, "ip,helo,rdns,reasons,events,"
	    "first_seen,last_seen,status\n");
	esc_buf_free(&seen.text);
}
END_TEST

Suite *
make_output_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("output");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_output_json_exact);
	tcase_add_test(tc, test_output_json_times_reused_exactly);
	tcase_add_test(tc, test_output_json_dns);
	tcase_add_test(tc, test_output_csv_exact);
	tcase_add_test(tc, test_output_table_local_time);
	tcase_add_test(tc, test_output_table_dns_columns);
	tcase_add_test(tc, test_output_table_display_width);
	tcase_add_test(tc, test_output_format_names);
	tcase_add_test(tc, test_output_slices_same_text);
	tcase_add_test(tc, test_output_slices_stop_on_error);
	tcase_add_test(tc, test_output_slices_empty_csv);
	suite_add_tcase(s, tc);
	return s;
}
