/* Tests for core/agg.c: one entry per client, suspects and their order. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "check_suites.h"
#include "reason.h"

static struct agg *agg;

static void
setup(void)
{
	agg = agg_create();
	agg_add_file(agg, "test.log");
}

static void
teardown(void)
{
	agg_free(agg);
}

static struct event
make_event(const char *ip, const char *helo, const char *rdns,
    const char *reason, int64_t utc)
{
	struct event	ev;

	memset(&ev, 0, sizeof ev);
	if (inet_pton(AF_INET, ip, ev.addr.bytes) == 1)
		ev.addr.family = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, ev.addr.bytes), 1);
		ev.addr.family = AF_INET6;
	}
	if (helo != NULL) {
		ev.helo = helo;
		ev.helo_len = strlen(helo);
	}
	if (rdns != NULL) {
		ev.rdns = rdns;
		ev.rdns_len = strlen(rdns);
	}
	ev.reason = reason;
	if (utc != 0) {
		ev.has_time = 1;
		ev.time.utc = utc;
	}
	return ev;
}

static void
add(const char *ip, const char *helo, const char *rdns, const char *reason,
    int64_t utc, uint64_t line)
{
	struct event	ev;

	ev = make_event(ip, helo, rdns, reason, utc);
	agg_add(agg, &ev, 0, line * 100, line);
}

static struct client *
only_suspect(void)
{
	struct client	**s;
	size_t		  n;

	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 1);
	return s[0];
}

START_TEST(test_agg_ipv4_text)
{
	static const char	*ips[] = {
		"0.0.0.0", "9.10.99.100", "255.255.255.255", "10.0.0.7",
		"100.1.20.199",
	};
	struct event		 ev;
	struct client		*c;
	size_t			 i;

	for (i = 0; i < sizeof ips / sizeof ips[0]; i++) {
		ev = make_event(ips[i], NULL, NULL, REASON_NO_RDNS, 100);
		agg_add(agg, &ev, 0, i, i + 1);
		c = agg_find(agg, &ev.addr);
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(c->ip, ips[i]);
	}
}
END_TEST

START_TEST(test_agg_counts_helos_by_frequency)
{
	struct client	*c;

	add("192.0.2.1", "a.example", NULL, REASON_NO_RDNS, 100, 1);
	add("192.0.2.1", "b.example", NULL, NULL, 200, 2);
	add("192.0.2.1", "b.example", NULL, NULL, 300, 3);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_str_eq(c->ip, "192.0.2.1");
	ck_assert_uint_eq(c->events, 3);
	ck_assert_uint_eq(c->nhelos, 2);
	ck_assert_str_eq(c->helos[0].name, "b.example");
	ck_assert_uint_eq(c->helos[0].count, 2);
	ck_assert_str_eq(c->helos[1].name, "a.example");
	ck_assert_uint_eq(c->helos[1].count, 1);
}
END_TEST

START_TEST(test_agg_first_last_seen)
{
	struct client	*c;

	add("192.0.2.1", "x", NULL, REASON_NO_RDNS, 500, 1);
	add("192.0.2.1", "x", NULL, NULL, 100, 2);
	add("192.0.2.1", "x", NULL, NULL, 900, 3);
	add("192.0.2.1", "x", NULL, NULL, 0, 4);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_int_eq(c->first.utc, 100);
	ck_assert_int_eq(c->last.utc, 900);
}
END_TEST

START_TEST(test_agg_verified_clean_not_suspect)
{
	struct client		**s;
	struct event_addr	  a;
	size_t			  n;

	add("192.0.2.7", "mx.example.org", "mx.example.org", NULL, 100, 1);
	agg_finish(agg);
	s = agg_suspects(agg, &n);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(agg_clients(agg), 1);
	a.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", a.bytes);
	ck_assert_ptr_nonnull(agg_find(agg, &a));
	ck_assert_str_eq(agg_find(agg, &a)->rdns, "mx.example.org");
}
END_TEST

START_TEST(test_agg_no_verified_rdns_added)
{
	struct client	*c;

	add("192.0.2.8", "helo.example", NULL, NULL, 100, 1);
	add("192.0.2.8", "helo.example", NULL, NULL, 200, 2);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nreasons, 1);
	ck_assert_str_eq(c->reasons[0].name, REASON_NO_VERIFIED_RDNS);
	ck_assert_uint_eq(c->reasons[0].count, 2);
	/* Plain lines stand in as evidence when no line had a reason. */
	ck_assert_uint_eq(c->nevidence, 2);
	ck_assert_uint_eq(c->evidence[0].line, 1);
	ck_assert_uint_eq(c->evidence[1].line, 2);
}
END_TEST

START_TEST(test_agg_finish_twice_same_counts)
{
	struct client	*c;

	add("192.0.2.8", "helo.example", NULL, NULL, 100, 1);
	agg_finish(agg);
	add("192.0.2.8", "helo.example", NULL, NULL, 200, 2);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nreasons, 1);
	ck_assert_uint_eq(c->reasons[0].count, 2);
}
END_TEST

START_TEST(test_agg_late_rdns_drops_reason)
{
	struct client	**s;
	size_t		  n;

	add("192.0.2.8", "helo.example", NULL, NULL, 100, 1);
	agg_finish(agg);
	add("192.0.2.8", "helo.example", "helo.example", NULL, 200, 2);
	agg_finish(agg);
	s = agg_suspects(agg, &n);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_agg_warning_reason_key)
{
	struct client	*c;
	struct event	 ev;

	ev = make_event("192.0.2.9", "h", NULL, REASON_WARNING, 100);
	ev.reason_arg = "site text here";
	ev.reason_arg_len = 9;
	agg_add(agg, &ev, 0, 0, 1);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nreasons, 2);
	ck_assert_str_eq(c->reasons[0].name, REASON_NO_VERIFIED_RDNS);
	ck_assert_str_eq(c->reasons[1].name, "warning:site text");
}
END_TEST

START_TEST(test_agg_rdns_client_keeps_reason_only)
{
	struct client	*c;

	add("192.0.2.10", "h", "mail.example.com", REASON_HELO_VERIFY_FAILED,
	    100, 1);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nreasons, 1);
	ck_assert_str_eq(c->reasons[0].name, REASON_HELO_VERIFY_FAILED);
	ck_assert_str_eq(c->rdns, "mail.example.com");
}
END_TEST

START_TEST(test_agg_score_order)
{
	struct client	**s;
	size_t		  n;

	/* no_verified_rdns only: weight 1. */
	add("192.0.2.1", "a", NULL, NULL, 100, 1);
	/* helo_rejected 5 + no_verified_rdns 1. */
	add("192.0.2.2", "b", NULL, REASON_HELO_REJECTED, 100, 2);
	/* fcrdns_mismatch twice: 4 * (1 + 1), verified name. */
	add("192.0.2.3", "c", "c.example", REASON_FCRDNS_MISMATCH, 100, 3);
	add("192.0.2.3", "c", "c.example", REASON_FCRDNS_MISMATCH, 100, 4);
	agg_finish(agg);
	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s[0]->ip, "192.0.2.3");
	ck_assert_int_eq(s[0]->score, 8);
	ck_assert_str_eq(s[1]->ip, "192.0.2.2");
	ck_assert_int_eq(s[1]->score, 6);
	ck_assert_str_eq(s[2]->ip, "192.0.2.1");
	ck_assert_int_eq(s[2]->score, 1);
}
END_TEST

START_TEST(test_agg_tie_broken_by_address)
{
	struct client	**s;
	size_t		  n;

	add("2001:db8::1", "a", NULL, NULL, 100, 1);
	add("192.0.2.20", "a", NULL, NULL, 100, 2);
	add("192.0.2.3", "a", NULL, NULL, 100, 3);
	agg_finish(agg);
	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s[0]->ip, "192.0.2.3");
	ck_assert_str_eq(s[1]->ip, "192.0.2.20");
	ck_assert_str_eq(s[2]->ip, "2001:db8::1");
}
END_TEST

START_TEST(test_agg_ipv6_text_form)
{
	struct client	*c;

	add("2001:0DB8:0:0::0:1", "h", NULL, REASON_NO_RDNS, 100, 1);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_str_eq(c->ip, "2001:db8::1");
}
END_TEST

START_TEST(test_agg_evidence_first_and_latest)
{
	struct client	*c;
	uint64_t	 line;
	size_t		 i;

	for (line = 1; line <= 100; line++)
		add("192.0.2.1", "h", NULL, REASON_NO_RDNS, 100, line);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nevidence, AGG_EVIDENCE_MAX);
	ck_assert_uint_eq(c->evidence_seen, 100);
	for (i = 0; i < AGG_EVIDENCE_FIRST; i++)
		ck_assert_uint_eq(c->evidence[i].line, i + 1);
	for (i = 0; i < AGG_EVIDENCE_LAST; i++)
		ck_assert_uint_eq(c->evidence[AGG_EVIDENCE_FIRST + i].line,
		    100 - AGG_EVIDENCE_LAST + 1 + i);
	ck_assert_uint_eq(c->evidence[0].offset, 100);
}
END_TEST

START_TEST(test_agg_helo_limit)
{
	struct client	*c;
	char		 helo[32];
	int		 i;

	for (i = 0; i < AGG_HELO_MAX + 5; i++) {
		snprintf(helo, sizeof helo, "h%02d.example", i);
		add("192.0.2.1", helo, NULL, REASON_NO_RDNS, 100, 1);
	}
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nhelos, AGG_HELO_MAX);
	ck_assert_uint_eq(c->helo_other, 5);
}
END_TEST

START_TEST(test_agg_long_helo_cut)
{
	struct client	*c;
	char		 helo[EVENT_NAME_MAX + 50];

	memset(helo, 'a', sizeof helo - 1);
	helo[sizeof helo - 1] = '\0';
	add("192.0.2.1", helo, NULL, REASON_NO_RDNS, 100, 1);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(strlen(c->helos[0].name), EVENT_NAME_MAX);
}
END_TEST

START_TEST(test_agg_many_clients)
{
	char	ip[32];
	size_t	n;
	int	i;

	for (i = 0; i < 5000; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		add(ip, "h", NULL, NULL, 100, (uint64_t)i + 1);
	}
	add("10.0.0.5", "h", NULL, NULL, 100, 9999);
	agg_finish(agg);
	ck_assert_uint_eq(agg_clients(agg), 5000);
	agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 5000);
}
END_TEST

START_TEST(test_agg_client_table_full)
{
	struct event	 dropped, kept;
	struct client	*c;

	ck_assert_uint_eq(agg_max_clients(agg), AGG_CLIENTS_MAX);
	agg_set_max_clients(agg, 2);
	ck_assert_uint_eq(agg_max_clients(agg), 2);
	add("192.0.2.1", "a", NULL, REASON_NO_RDNS, 100, 1);
	add("2001:db8::1", "b", NULL, REASON_NO_RDNS, 100, 2);
	add("192.0.2.3", "c", NULL, REASON_NO_RDNS, 100, 3);
	add("192.0.2.4", "d", NULL, REASON_NO_RDNS, 100, 4);
	add("192.0.2.3", "c", NULL, REASON_NO_RDNS, 100, 5);
	/* A client already kept still counts its events. */
	add("192.0.2.1", "a", NULL, REASON_NO_RDNS, 100, 6);
	agg_finish(agg);
	ck_assert_uint_eq(agg_clients(agg), 2);
	ck_assert_uint_eq(agg_dropped(agg), 3);
	dropped = make_event("192.0.2.3", NULL, NULL, NULL, 0);
	ck_assert_ptr_null(agg_find(agg, &dropped.addr));
	kept = make_event("192.0.2.1", NULL, NULL, NULL, 0);
	c = agg_find(agg, &kept.addr);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->events, 2);
}
END_TEST

START_TEST(test_agg_max_clients_bounds)
{
	agg_set_max_clients(agg, 0);
	ck_assert_uint_eq(agg_max_clients(agg), 1);
	agg_set_max_clients(agg, (size_t)AGG_CLIENTS_MAX + 1);
	ck_assert_uint_eq(agg_max_clients(agg), AGG_CLIENTS_MAX);
	ck_assert_uint_eq(agg_dropped(agg), 0);
}
END_TEST

START_TEST(test_agg_status_precedence)
{
	struct client	c;

	memset(&c, 0, sizeof c);
	ck_assert_str_eq(client_status_name(client_status(&c)), "new");
	c.marked = 1;
	ck_assert_str_eq(client_status_name(client_status(&c)), "marked");
	c.reported_at = 1700000000;
	ck_assert_str_eq(client_status_name(client_status(&c)), "reported");
	c.whitelisted = 1;
	ck_assert_str_eq(client_status_name(client_status(&c)),
	    "whitelisted");
}
END_TEST

START_TEST(test_agg_read_evidence_line)
{
	struct agg		*a;
	struct agg_evidence	 ev;
	char			 path[] = "/tmp/smtptriage-agg-XXXXXX";
	char			*line, *cause = NULL;
	const char		*text = "first line\nsecond line\nthird";
	int			 fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	a = agg_create();
	ev.file = agg_add_file(a, path);
	ev.offset = 11;
	ev.line = 2;
	ck_assert_int_eq(agg_read_evidence(a, &ev, &line, &cause), 0);
	ck_assert_str_eq(line, "second line");
	free(line);
	ev.offset = 23;
	ck_assert_int_eq(agg_read_evidence(a, &ev, &line, &cause), 0);
	ck_assert_str_eq(line, "third");
	free(line);
	ev.offset = 1000;
	ck_assert_int_eq(agg_read_evidence(a, &ev, &line, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "is gone"));
	free(cause);
	unlink(path);
	agg_free(a);
}
END_TEST
/*
 * Add n clients with scores, event counts and addresses that repeat in
 * different cycles, so the order needs every key, and a verified client
 * every fifth, which is no suspect.
 */
static void
add_mixed_clients(int n)
{
	char	ip[64];
	int	i, k;

	for (i = 0; i < n; i++) {
		if (i % 3 == 0)
			snprintf(ip, sizeof ip, "2001:db8::%x", i * 7919 % 65536);
		else
			snprintf(ip, sizeof ip, "10.%d.%d.%d", i % 5,
			    i * 37 % 256, i % 251);
		if (i % 5 == 4) {
			add(ip, "v", "v.example", NULL, 100, 1);
			continue;
		}
		for (k = 0; k <= i % 4; k++)
			add(ip, "h", NULL, i % 2 ? REASON_HELO_REJECTED : NULL,
			    100, (uint64_t)k + 1);
	}
}

/* Run a job in steps of max and return a copy of its sorted suspects. */
static struct client **
finish_in_steps(size_t max, size_t *n)
{
	struct agg_finish_job	  job;
	struct client		**installed, **copy;
	size_t			  count, steps = 0;

	agg_finish_job_start(agg, &job);
	while (agg_finish_job_step(agg, &job, max) == 1)
		steps++;
	ck_assert_int_eq(job.done, 1);
	ck_assert_int_eq(agg_finish_job_step(agg, &job, max), 0);
	installed = agg_finish_job_install(agg, &job, &count);
	agg_finish_job_free(&job);
	/* agg_suspects returns the installed array without finishing again. */
	ck_assert_ptr_eq(agg_suspects(agg, n), installed);
	ck_assert_uint_eq(*n, count);
	if (max == 1 && count > 1)
		ck_assert_uint_gt(steps, count);
	copy = calloc(count + 1, sizeof *copy);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, installed, count * sizeof *copy);
	return copy;
}

START_TEST(test_agg_finish_job_matches_finish)
{
	static const int	 sizes[] = { 0, 1, 2, 3, 7, 64, 1000 };
	static const size_t	 maxes[] = { 1, 7, 256 };
	struct client		**stepped, **full;
	size_t			 i, j, k, n, nfull;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		for (j = 0; j < sizeof maxes / sizeof maxes[0]; j++) {
			agg_free(agg);
			setup();
			add_mixed_clients(sizes[i]);
			stepped = finish_in_steps(maxes[j], &n);
			agg_finish(agg);
			full = agg_suspects(agg, &nfull);
			ck_assert_uint_eq(n, nfull);
			for (k = 0; k < n; k++)
				ck_assert_ptr_eq(stepped[k], full[k]);
			free(stepped);
		}
	}
}
END_TEST

START_TEST(test_agg_finish_job_keeps_old_array)
{
	struct agg_finish_job	  job;
	struct client		**old;
	size_t			  n, count;

	add("192.0.2.1", "a", NULL, REASON_HELO_REJECTED, 100, 1);
	old = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 1);
	add("192.0.2.2", "b", NULL, REASON_HELO_REJECTED, 100, 2);
	add("192.0.2.2", "b", NULL, REASON_HELO_REJECTED, 100, 3);
	agg_finish_job_start(agg, &job);
	ck_assert_int_eq(agg_finish_job_step(agg, &job, 1), 1);
	/* The job writes arrays of its own until it is installed. */
	ck_assert_str_eq(old[0]->ip, "192.0.2.1");
	while (agg_finish_job_step(agg, &job, 1) == 1)
		continue;
	old = agg_finish_job_install(agg, &job, &count);
	agg_finish_job_free(&job);
	ck_assert_uint_eq(count, 2);
	ck_assert_str_eq(old[0]->ip, "192.0.2.2");
	ck_assert_str_eq(old[1]->ip, "192.0.2.1");
}
END_TEST

Suite *
make_agg_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("agg");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_agg_counts_helos_by_frequency);
	tcase_add_test(tc, test_agg_ipv4_text);
	tcase_add_test(tc, test_agg_first_last_seen);
	tcase_add_test(tc, test_agg_verified_clean_not_suspect);
	tcase_add_test(tc, test_agg_no_verified_rdns_added);
	tcase_add_test(tc, test_agg_finish_twice_same_counts);
	tcase_add_test(tc, test_agg_late_rdns_drops_reason);
	tcase_add_test(tc, test_agg_warning_reason_key);
	tcase_add_test(tc, test_agg_rdns_client_keeps_reason_only);
	tcase_add_test(tc, test_agg_score_order);
	tcase_add_test(tc, test_agg_tie_broken_by_address);
	tcase_add_test(tc, test_agg_ipv6_text_form);
	tcase_add_test(tc, test_agg_status_precedence);
	tcase_add_test(tc, test_agg_read_evidence_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_agg_evidence_first_and_latest);
	tcase_add_test(tc, test_agg_helo_limit);
	tcase_add_test(tc, test_agg_long_helo_cut);
	tcase_add_test(tc, test_agg_many_clients);
	tcase_add_test(tc, test_agg_client_table_full);
	tcase_add_test(tc, test_agg_max_clients_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("steps");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_agg_finish_job_matches_finish);
	tcase_add_test(tc, test_agg_finish_job_keeps_old_array);
	suite_add_tcase(s, tc);
	return s;
}
