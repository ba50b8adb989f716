/* Tests for core/output.c: the list formats scripts depend on. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_rounds.h"
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

/*
 * Check that the JSON of a client as the agg made it, where ip and the
 * names may skip the escape scan, matches the JSON of a copy whose ip and
 * names carry no length, which takes the general path.
 */
static void
assert_json_like_general(const struct client *c)
{
	struct esc_buf		 fast = { NULL, 0, 0 }, general = { NULL, 0, 0 };
	struct agg_count	 helos[AGG_HELO_MAX], reasons[AGG_REASON_MAX + 2];
	struct client		 copy = *c;
	size_t			 i;

	ck_assert_uint_ne(c->ip_len, 0);
	copy.ip_len = 0;
	for (i = 0; i < c->nhelos; i++) {
		helos[i] = c->helos[i];
		helos[i].len = helos[i].tag = 0;
	}
	for (i = 0; i < c->nreasons; i++) {
		reasons[i] = c->reasons[i];
		reasons[i].len = reasons[i].tag = 0;
	}
	copy.helos = helos;
	copy.reasons = reasons;
	out_client_json(&fast, c, NULL);
	out_client_json(&general, &copy, NULL);
	ck_assert_str_eq(fast.data, general.data);
	esc_buf_free(&fast);
	esc_buf_free(&general);
}

/* The client of ip in a. */
static struct client *
find_ip(struct agg *a, const char *ip)
{
	struct event_addr	addr;

	memset(&addr, 0, sizeof addr);
	addr.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, addr.bytes), 1);
	return agg_find(a, &addr);
}

/* Count one event whose HELO, verified name and warning text are name. */
static struct client *
add_named(struct agg *a, const char *ip, const char *name, size_t len)
{
	struct event	ev;

	memset(&ev, 0, sizeof ev);
	ev.addr.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, ev.addr.bytes), 1);
	ev.helo = name;
	ev.helo_len = len;
	ev.rdns = name;
	ev.rdns_len = len;
	ev.reason = REASON_WARNING;
	ev.reason_arg = name;
	ev.reason_arg_len = len;
	agg_add(a, &ev, 0, 0, 1);
	return agg_find(a, &ev.addr);
}

/*
 * Names with each byte value at the start, the middle and the end, and
 * random names, come out as the escaping of the general path gives them.
 */
START_TEST(test_output_json_plain_names_like_general)
{
	/* U+202E, a bidirectional control, which JSON output escapes. */
	static const char	 bidi[] = { '\xe2', '\x80', '\xae', 'x', '\0' };
	static const char	*utf8[] = { "caf\xc3\xa9", bidi, "\xc3",
	    "a\xf0\x9f\x98\x80", "\xed\xa0\x80", "ok.example" };
	struct agg		*a;
	struct client		*c;
	char			 name[64], ip[32];
	size_t			 i, j, k, len, n = 0, rounds;
	uint32_t		 x = 7;

	a = agg_create();
	agg_add_file(a, "test.log");
	for (i = 0; i < 256; i++) {
		for (k = 0; k < 3; k++) {
			len = k == 2 ? 17 : 9;
			for (j = 0; j < len; j++)
				name[j] = (char)('a' + j);
			name[k == 0 ? 0 : len - 1] = (char)i;
			if (k == 1)
				name[4] = (char)i;
			snprintf(ip, sizeof ip, "10.4.%zu.%zu", n / 256,
			    n % 256);
			n++;
			c = add_named(a, ip, name, len);
			ck_assert_ptr_nonnull(c);
		}
	}
	for (i = 0; i < sizeof utf8 / sizeof utf8[0]; i++) {
		snprintf(ip, sizeof ip, "10.5.0.%zu", i);
		ck_assert_ptr_nonnull(add_named(a, ip, utf8[i],
		    strlen(utf8[i])));
	}
	rounds = check_rounds(5000);
	for (i = 0; i < rounds; i++) {
		len = 1 + i % 40;
		for (k = 0; k < len; k++) {
			x = x * 1103515245U + 12345U;
			/* Mostly printable ASCII, now and then any byte. */
			name[k] = (char)(x >> 24 < 16 ? x >> 16 :
			    0x20 + (x >> 16) % 0x5f);
		}
		snprintf(ip, sizeof ip, "10.6.%zu.%zu", i / 256, i % 256);
		ck_assert_ptr_nonnull(add_named(a, ip, name, len));
	}
	agg_finish(a);
	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof ip, "10.4.%zu.%zu", i / 256, i % 256);
		ck_assert_ptr_nonnull(c = find_ip(a, ip));
		assert_json_like_general(c);
		/* The flag is set for printable ASCII except '"' and '\\'. */
		k = i / 3;
		ck_assert_int_eq(agg_count_json_plain(c, &c->helos[0]),
		    k >= 0x20 && k <= 0x7e && k != '"' && k != '\\');
	}
	for (i = 0; i < rounds; i++) {
		snprintf(ip, sizeof ip, "10.6.%zu.%zu", i / 256, i % 256);
		ck_assert_ptr_nonnull(c = find_ip(a, ip));
		assert_json_like_general(c);
	}
	agg_free(a);
}
END_TEST

/* The first_seen text of out_client_json for a client first seen at t. */
static void
assert_json_time(const struct ts *t)
{
	struct esc_buf	 b = { NULL, 0, 0 };
	struct client	 c = *client;
	char		 want[TS_ISO_MAX + 64];
	char		 text[TS_ISO_MAX];

	c.first = *t;
	c.last = *t;
	c.last.utc++;
	ts_format_iso(t, text, sizeof text);
	snprintf(want, sizeof want, "\"first_seen\":\"%s\"", text);
	out_client_json(&b, &c, NULL);
	ck_assert_msg(strstr(b.data, want) != NULL, "%s not in %s", want,
	    b.data);
	esc_buf_free(&b);
}

/*
 * Times written through the hour cache of the JSON writer match
 * ts_format_iso, for every second near the offset changes and for random
 * times.  The zones have offsets of half and quarter hours, changes at
 * odd times and seconds (Amsterdam 1937, St Johns 1937) and leap seconds
 * (right/UTC).  A POSIX rule changes its whole-hour offsets at half past
 * an hour.
 */
START_TEST(test_output_json_times_like_ts_format)
{
	static const char *const zones[] = { "UTC", "Australia/Lord_Howe",
	    "Asia/Kathmandu", "Europe/Amsterdam", "America/St_Johns",
	    "right/UTC", "Europe/Berlin",
	    "CET-1CEST,M3.5.0/2:30,M10.5.0/3:30" };
	/* Changes of offset, in UTC seconds, with a minute of margin. */
	static const int64_t	 changes[] = { -1025000000, -1004000000,
	    504918000, 1711846800, 1743897600, 1483228800, 1483228827,
	    -1001000000, -1020000000, 1774747800, 1792891800 };
	struct ts		 t;
	size_t			 z, k, i, rounds = check_rounds(3000);
	int64_t			 d;
	uint32_t		 x = 99;
	const char		*old = getenv("TZ");
	char			*saved = old != NULL ? strdup(old) : NULL;

	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		ts_local_reset();
		memset(&t, 0, sizeof t);
		for (k = 0; k < sizeof changes / sizeof changes[0]; k++) {
			for (d = -90; d <= 90; d++) {
				t.utc = changes[k] + d;
				assert_json_time(&t);
			}
		}
		for (i = 0; i < rounds; i++) {
			x = x * 1103515245U + 12345U;
			t.utc = (int64_t)(x % 2000000000U) - 500000000 +
			    (int64_t)(i % 7);
			t.has_offset = i % 3 == 0;
			t.offset = (int32_t)(x >> 20) % 50000;
			assert_json_time(&t);
		}
	}
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	free(saved);
	tzset();
	ts_local_reset();
}
END_TEST

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
	tcase_add_test(tc, test_output_json_plain_names_like_general);
	tcase_add_test(tc, test_output_json_times_like_ts_format);
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
