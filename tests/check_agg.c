/* Tests for core/agg.c: one entry per client, suspects and their order. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "check_rounds.h"
#include "check_suites.h"
#include "reason.h"
#include "xmalloc.h"

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
find_client(const char *ip)
{
	struct event	 ev;
	struct client	*c;

	ev = make_event(ip, NULL, NULL, NULL, 0);
	c = agg_find(agg, &ev.addr);
	ck_assert_ptr_nonnull(c);
	return c;
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

/* A reason name and argument of test_agg_reason_keys_like_text. */
struct reason_part {
	const char	*name;
	const char	*arg;
};

/*
 * Reason names and arguments at each length that the counting path
 * handles separately: 7 and 8 bytes, and the cuts at 64 and 200 bytes.  Some
 * keys share their first and last eight bytes, and one key is split at
 * two of its ':'.  The test writes each event's key out after the cuts
 * and counts it too, so both counts must agree.
 */
START_TEST(test_agg_reason_keys_like_text)
{
	char			 longname[80], longname2[80], longarg[260];
	char			 longarg2[260], key[300], want[16][300];
	struct reason_part	 parts[16];
	uint64_t		 counts[16];
	struct client		*c;
	struct event		 ev;
	size_t			 i, k, nwant = 0, nparts = 0, len, arglen;
	size_t			 events = check_rounds(3000);
	unsigned int		 seed = 11;

	memset(longname, 'n', 70);
	longname[70] = '\0';
	memcpy(longname2, longname, sizeof longname);
	longname2[66] = 'm';
	memset(longarg, 'a', 250);
	longarg[250] = '\0';
	memcpy(longarg2, longarg, sizeof longarg);
	longarg2[220] = 'b';
	parts[nparts++] = (struct reason_part){ "warning", "dynamic IP range" };
	parts[nparts++] = (struct reason_part){ "warning", "dynamic IQ range" };
	parts[nparts++] = (struct reason_part){ "rejected", "relay denied" };
	parts[nparts++] = (struct reason_part){ "rejected", "1234567" };
	parts[nparts++] = (struct reason_part){ "rejected", "12345678" };
	parts[nparts++] = (struct reason_part){ "abcdefg", "12345678" };
	parts[nparts++] = (struct reason_part){ "abcdefh", "12345678" };
	parts[nparts++] = (struct reason_part){ "x", "12345678" };
	parts[nparts++] = (struct reason_part){ "warning", "a:bcdefghij" };
	parts[nparts++] = (struct reason_part){ "warning:a", "bcdefghij" };
	parts[nparts++] = (struct reason_part){ longname, "12345678" };
	parts[nparts++] = (struct reason_part){ longname2, "12345678" };
	parts[nparts++] = (struct reason_part){ "rejected", longarg };
	parts[nparts++] = (struct reason_part){ "rejected", longarg2 };
	parts[nparts++] = (struct reason_part){ "rejected", "" };
	memset(counts, 0, sizeof counts);
	for (k = 0; k < events; k++) {
		i = (size_t)rand_r(&seed) % nparts;
		ev = make_event("192.0.2.10", NULL, NULL, parts[i].name, 100);
		ev.reason_arg = parts[i].arg;
		ev.reason_arg_len = strlen(parts[i].arg);
		agg_add(agg, &ev, 0, k * 100, k + 1);

		len = strlen(parts[i].name);
		arglen = ev.reason_arg_len;
		snprintf(key, sizeof key, "%.*s:%.*s", (int)(len > 64 ? 64 :
		    len), parts[i].name, (int)(arglen > REASON_ARG_MAX ?
		    REASON_ARG_MAX : arglen), parts[i].arg);
		for (i = 0; i < nwant && strcmp(want[i], key) != 0; i++)
			;
		if (i == nwant)
			memcpy(want[nwant++], key, sizeof key);
		counts[i]++;
	}
	c = find_client("192.0.2.10");
	ck_assert_uint_eq(c->nreasons, nwant);
	for (i = 0; i < nwant; i++) {
		for (k = 0; k < c->nreasons &&
		    strcmp(c->reasons[k].name, want[i]) != 0; k++)
			;
		ck_assert_uint_lt(k, c->nreasons);
		ck_assert_uint_eq(c->reasons[k].count, counts[i]);
	}
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

/* Address of client i of the synthetic tests: every fifth is IPv6. */
static void
synthetic_ip(size_t i, char *ip, size_t size)
{
	if (i % 5 == 4)
		snprintf(ip, size, "2001:db8::%zx", i * 7919 % 65536);
	else
		snprintf(ip, size, "10.%zu.%zu.%zu", i / 65536 % 256,
		    i / 256 % 256, i % 256);
}

/* Room for the address and the HELO name of a synthetic event. */
struct synthetic_text {
	char	ip[INET6_ADDRSTRLEN];
	char	helo[48];
};

/*
 * Event k of a synthetic log: clients in a scrambled order, a few HELO
 * names and reasons each, so that the counts, scores and event counts of
 * the suspects vary and often tie.  Two HELO names of each client are its
 * own, so there are more distinct strings than a merge remembers.
 */
static struct event
synthetic_event(size_t k, size_t nclients, struct synthetic_text *text)
{
	static const char	*helos[] = { "a.example", "b", "mail",
	    "a-much-longer-helo-name.example.org", "[192.0.2.1]" };
	static const char	*reasons[] = { REASON_HELO_REJECTED,
	    REASON_NO_RDNS, REASON_DNSBL, REASON_FCRDNS_MISMATCH, NULL };
	size_t			 i = k * 2654435761U % nclients;

	synthetic_ip(i, text->ip, sizeof text->ip);
	snprintf(text->helo, sizeof text->helo, "client%zu-%zu.example", i,
	    k % 2);
	return make_event(text->ip, (k + i) % 7 >= 5 ? text->helo :
	    helos[(k + i) % 7], i % 7 == 0 ? "verified.example" : NULL,
	    reasons[(k / 3 + i) % 5], (int64_t)(1000 + k * 13 % 5000));
}

START_TEST(test_agg_order_many_suspects)
{
	struct client		**s, *c;
	struct synthetic_text	  text;
	struct event		  ev;
	size_t			  n, i, k, suspects, len;

	for (k = 0; k < 12000; k++) {
		ev = synthetic_event(k, 3000, &text);
		agg_add(agg, &ev, 0, k * 100, k + 1);
	}
	agg_finish(agg);
	ck_assert_uint_eq(agg_clients(agg), 3000);
	for (i = 0, suspects = 0; i < 3000; i++) {
		synthetic_ip(i, text.ip, sizeof text.ip);
		ev = make_event(text.ip, NULL, NULL, NULL, 0);
		ck_assert_ptr_nonnull(c = agg_find(agg, &ev.addr));
		suspects += c->suspect ? 1 : 0;
	}
	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, suspects);
	ck_assert_uint_gt(n, 2500);
	for (i = 1; i < n; i++) {
		/* Score, then events, then IPv4 first, then the bytes. */
		ck_assert_int_ge(s[i - 1]->score, s[i]->score);
		if (s[i - 1]->score != s[i]->score)
			continue;
		ck_assert_uint_ge(s[i - 1]->events, s[i]->events);
		if (s[i - 1]->events != s[i]->events)
			continue;
		if (s[i - 1]->addr.family != s[i]->addr.family) {
			ck_assert_int_eq(s[i - 1]->addr.family, AF_INET);
			continue;
		}
		len = s[i]->addr.family == AF_INET6 ? 16 : 4;
		ck_assert_int_lt(memcmp(s[i - 1]->addr.bytes, s[i]->addr.bytes,
		    len), 0);
	}
}
END_TEST

/*
 * Fill bytes with the address of client i in a round of the random order
 * test.  In odd rounds every byte comes from a hash of i, so addresses
 * differ in all bytes.  In even rounds only the last two bytes vary.
 */
static void
seed_bytes(uint8_t *bytes, size_t i, size_t round)
{
	uint64_t	h = (i + 1) * 0x9e3779b97f4a7c15ULL;
	size_t		k;

	memset(bytes, 0, 16);
	bytes[0] = 10;
	if (round % 2 == 0) {
		bytes[2] = (uint8_t)(i >> 8);
		bytes[3] = (uint8_t)i;
		bytes[14] = (uint8_t)(i >> 8);
		bytes[15] = (uint8_t)i;
		return;
	}
	for (k = 0; k < 16; k++) {
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ULL;
		bytes[k] = (uint8_t)(h >> 56);
	}
}

/* The order of agg_suspects, written out for qsort. */
static int
suspect_order(const void *x, const void *y)
{
	const struct client	*a = *(struct client *const *)x;
	const struct client	*b = *(struct client *const *)y;
	size_t			 len;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->events != b->events)
		return a->events > b->events ? -1 : 1;
	if (a->addr.family != b->addr.family)
		return a->addr.family == AF_INET ? -1 : 1;
	len = a->addr.family == AF_INET ? 4 : 16;
	return memcmp(a->addr.bytes, b->addr.bytes, len);
}

/*
 * Random clients, IPv4 alone or mixed with IPv6, with addresses that
 * differ in all bytes or only in the last ones.  The suspects must come
 * out as qsort orders them, from the counting passes and the merge sort.
 */
START_TEST(test_agg_order_random_like_qsort)
{
	static const char	*reasons[] = { REASON_HELO_REJECTED,
	    REASON_NO_RDNS, REASON_DNSBL, REASON_FCRDNS_MISMATCH, NULL };
	struct agg		 *a;
	struct client		**s, **want;
	struct event		  ev;
	size_t			  round, rounds = check_rounds(120), n, i, k;
	size_t			  nclients, nevents;
	unsigned int		  seed = 7;

	for (round = 0; round < rounds; round++) {
		a = agg_create();
		agg_add_file(a, "test.log");
		nclients = 1 + (size_t)rand_r(&seed) % 3000;
		nevents = nclients * (1 + round % 4);
		for (k = 0; k < nevents; k++) {
			i = (size_t)rand_r(&seed) % nclients;
			memset(&ev, 0, sizeof ev);
			ev.addr.family = round % 3 == 1 && i % 4 == 0 ?
			    AF_INET6 : AF_INET;
			seed_bytes(ev.addr.bytes, i, round);
			ev.reason = reasons[(size_t)rand_r(&seed) % 5];
			ev.has_time = 1;
			ev.time.utc = 1000 + (int64_t)k;
			agg_add(a, &ev, 0, k * 100, k + 1);
		}
		agg_finish(a);
		s = agg_suspects(a, &n);
		want = malloc((n + 1) * sizeof *want);
		ck_assert_ptr_nonnull(want);
		memcpy(want, s, n * sizeof *want);
		qsort(want, n, sizeof *want, suspect_order);
		for (i = 0; i < n; i++)
			ck_assert_ptr_eq(s[i], want[i]);
		free(want);
		agg_free(a);
	}
}
END_TEST

/* Compare every field that list shows, and the evidence, of two clients. */
static void
assert_same_client(const struct client *a, const struct client *b)
{
	const struct agg_evidence	*x, *y;
	size_t				 i;

	ck_assert_str_eq(a->ip, b->ip);
	ck_assert_uint_eq(a->events, b->events);
	ck_assert_int_eq(a->score, b->score);
	ck_assert_int_eq(a->first.utc, b->first.utc);
	ck_assert_int_eq(a->last.utc, b->last.utc);
	ck_assert_uint_eq(a->nhelos, b->nhelos);
	for (i = 0; i < a->nhelos; i++) {
		ck_assert_str_eq(a->helos[i].name, b->helos[i].name);
		ck_assert_uint_eq(a->helos[i].count, b->helos[i].count);
	}
	ck_assert_uint_eq(a->helo_other, b->helo_other);
	ck_assert_uint_eq(a->nreasons, b->nreasons);
	for (i = 0; i < a->nreasons; i++) {
		ck_assert_str_eq(a->reasons[i].name, b->reasons[i].name);
		ck_assert_uint_eq(a->reasons[i].count, b->reasons[i].count);
	}
	if (a->rdns == NULL)
		ck_assert_ptr_null(b->rdns);
	else
		ck_assert_str_eq(a->rdns, b->rdns);
	ck_assert_uint_eq(a->evidence_seen, b->evidence_seen);
	ck_assert_uint_eq(a->nevidence, b->nevidence);
	/* Before agg_finish, the latest lines may be a ring. */
	for (i = 0; i < a->nevidence; i++) {
		x = agg_client_evidence(a, i);
		y = agg_client_evidence(b, i);
		ck_assert_uint_eq(x->line, y->line);
		ck_assert_uint_eq(x->has_text, y->has_text);
		/* A copy of the line takes the place of the offset. */
		if (x->has_text)
			ck_assert_str_eq(x->text, y->text);
		else
			ck_assert_uint_eq(x->offset, y->offset);
	}
}

/*
 * Three parts merged in order, the first into an empty agg (which takes
 * its table whole), give the clients of one agg that counted everything.
 */
START_TEST(test_agg_merge_parts_same_as_whole)
{
	struct agg		 *acc, *part;
	struct client		**s, **t;
	struct synthetic_text	  text;
	struct event		  ev;
	size_t			  n, m, i, k, from;
	size_t			  cuts[] = { 0, 6000, 14001, 24000 };

	for (k = 0; k < 24000; k++) {
		ev = synthetic_event(k, 6000, &text);
		agg_add(agg, &ev, 0, k * 100, k + 1);
	}
	acc = agg_create();
	agg_add_file(acc, "test.log");
	for (i = 0; i < 3; i++) {
		part = agg_create();
		agg_add_file(part, "test.log");
		from = cuts[i];
		for (k = from; k < cuts[i + 1]; k++) {
			ev = synthetic_event(k, 6000, &text);
			agg_add(part, &ev, 0, k * 100, k + 1 - from);
		}
		ck_assert_int_eq(agg_merge(acc, part, from), 0);
		agg_free(part);
	}
	agg_finish(agg);
	agg_finish(acc);
	s = agg_suspects(agg, &n);
	t = agg_suspects(acc, &m);
	ck_assert_uint_eq(n, m);
	ck_assert_uint_eq(agg_clients(agg), agg_clients(acc));
	for (i = 0; i < n; i++)
		assert_same_client(s[i], t[i]);
	agg_free(acc);
}
END_TEST

/*
 * Evidence lists merged when one or both parts filled theirs: for each
 * pair of line counts, one client gets that many lines with a reason and
 * a text in the first part and in the second, and the merge must keep
 * the lines and texts that one agg keeps over both parts.
 */
START_TEST(test_agg_merge_full_evidence)
{
	static const size_t	 counts[] = { 0, 1, 3, 11, 12, 13, 16, 17,
	    28, 29, 40 };
	const size_t		 ncounts = sizeof counts / sizeof counts[0];
	struct agg		*acc, *part;
	struct client		*c, *d;
	struct event		 ev;
	char			 ip[32], text[32];
	size_t			 a, b, half, j, k, line, from = 0;

	acc = agg_create();
	agg_add_file(acc, "test.log");
	part = agg_create();
	agg_add_file(part, "test.log");
	/* The first part: lines 1 to from, the second after them. */
	line = 0;
	for (half = 0; half < 2; half++) {
		if (half == 1)
			from = line;
		for (a = 0; a < ncounts; a++) {
			for (b = 0; b < ncounts; b++) {
				snprintf(ip, sizeof ip, "10.1.%zu.%zu", a, b);
				for (k = 0; k < counts[half == 0 ? a : b];
				    k++) {
					line++;
					snprintf(text, sizeof text, "line %zu",
					    line);
					ev = make_event(ip, "h", NULL,
					    REASON_DNSBL, (int64_t)line);
					agg_add_text(agg, &ev, 0, line * 100,
					    line, text, strlen(text));
					agg_add_text(half == 0 ? acc : part,
					    &ev, 0, line * 100, half == 0 ?
					    line : line - from, text,
					    strlen(text));
				}
			}
		}
	}
	ck_assert_int_eq(agg_merge(acc, part, from), 0);
	agg_free(part);
	for (a = 0; a < ncounts; a++) {
		for (b = 0; b < ncounts; b++) {
			if (counts[a] + counts[b] == 0)
				continue;
			snprintf(ip, sizeof ip, "10.1.%zu.%zu", a, b);
			ev = make_event(ip, NULL, NULL, NULL, 0);
			c = agg_find(agg, &ev.addr);
			d = agg_find(acc, &ev.addr);
			ck_assert_ptr_nonnull(c);
			ck_assert_ptr_nonnull(d);
			ck_assert_uint_eq(d->evidence_seen,
			    counts[a] + counts[b]);
			assert_same_client(c, d);
			for (j = 0; j < c->nevidence; j++) {
				ck_assert(agg_client_evidence(c, j)->has_text);
				ck_assert(agg_client_evidence(d, j)->has_text);
				ck_assert_str_eq(agg_client_evidence(c,
				    j)->text, agg_client_evidence(d, j)->text);
			}
		}
	}
	agg_free(acc);
}
END_TEST

/*
 * The latest evidence lines form a ring while lines are added: for each
 * count of lines, agg_client_evidence returns the first and the latest
 * ones in file order before agg_finish, and the array contains them in
 * that order after it.
 */
START_TEST(test_agg_evidence_ring_order)
{
	struct client	*c;
	char		 ip[32];
	uint64_t	 want;
	size_t		 n, i, k, stored;

	for (n = 1; n <= 3 * AGG_EVIDENCE_MAX; n++) {
		snprintf(ip, sizeof ip, "10.2.0.%zu", n);
		for (k = 1; k <= n; k++)
			add(ip, "h", NULL, REASON_NO_RDNS, 100, n * 1000 + k);
		c = find_client(ip);
		stored = n < AGG_EVIDENCE_MAX ? n : AGG_EVIDENCE_MAX;
		ck_assert_uint_eq(c->nevidence, stored);
		for (i = 0; i < stored; i++) {
			want = i < AGG_EVIDENCE_FIRST || n <= AGG_EVIDENCE_MAX ?
			    i + 1 : n - (stored - i) + 1;
			ck_assert_uint_eq(agg_client_evidence(c, i)->line,
			    n * 1000 + want);
		}
	}
	agg_finish(agg);
	for (n = 1; n <= 3 * AGG_EVIDENCE_MAX; n++) {
		snprintf(ip, sizeof ip, "10.2.0.%zu", n);
		c = find_client(ip);
		ck_assert_uint_eq(c->evidence_ring, 0);
		for (i = 0; i < c->nevidence; i++)
			ck_assert_uint_eq(c->evidence[i].line,
			    agg_client_evidence(c, i)->line);
		if (n > AGG_EVIDENCE_MAX)
			ck_assert_uint_eq(c->evidence[AGG_EVIDENCE_MAX - 1].line,
			    n * 1000 + n);
	}
}
END_TEST

/* The text of random IPv4 clients, as inet_ntop writes it. */
START_TEST(test_agg_ipv4_text_like_inet_ntop)
{
	struct event	 ev;
	struct client	*c;
	char		 want[INET_ADDRSTRLEN];
	size_t		 i, rounds = check_rounds(20000);
	uint32_t	 x = 12345;

	for (i = 0; i < rounds; i++) {
		memset(&ev, 0, sizeof ev);
		ev.addr.family = AF_INET;
		/* Each byte below 10, below 100 and above in turn. */
		x = x * 1103515245U + 12345U;
		ev.addr.bytes[0] = (uint8_t)(x >> 24);
		ev.addr.bytes[1] = (uint8_t)(x >> 16) % (i % 3 == 0 ? 10 : 256);
		ev.addr.bytes[2] = (uint8_t)(x >> 8) % (i % 3 == 1 ? 100 : 256);
		ev.addr.bytes[3] = (uint8_t)x % (i % 5 == 0 ? 10 : 256);
		ev.reason = REASON_NO_RDNS;
		agg_add(agg, &ev, 0, i, i + 1);
		c = agg_find(agg, &ev.addr);
		ck_assert_ptr_nonnull(c);
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, ev.addr.bytes, want,
		    sizeof want));
		ck_assert_str_eq(c->ip, want);
		ck_assert_uint_eq(c->ip_len, strlen(want));
	}
}
END_TEST

/* Set SMTPTRIAGE_THREADS, which agg_merge and agg_finish read. */
static void
set_threads(const char *n)
{
	ck_assert_int_eq(setenv("SMTPTRIAGE_THREADS", n, 1), 0);
}

/*
 * Parts merged on two threads, and finished on two threads, give the
 * clients and the suspect order of one agg that counted everything on
 * one thread.  cuts[0, 4) bound three parts of events.  The events before
 * cuts[2] name first_clients clients and the later ones later_clients,
 * so the last part brings clients that the others lack.
 */
static void
check_merge_threads(const size_t cuts[4], size_t first_clients,
    size_t later_clients)
{
	struct agg		 *acc, *part;
	struct client		**s, **t;
	struct synthetic_text	  text;
	struct event		  ev;
	size_t			  n, m, i, k, from;
	const char		 *old = getenv("SMTPTRIAGE_THREADS");
	char			 *saved = old != NULL ? strdup(old) : NULL;

	set_threads("1");
	for (k = 0; k < cuts[3]; k++) {
		ev = synthetic_event(k, k < cuts[2] ? first_clients :
		    later_clients, &text);
		agg_add(agg, &ev, 0, k * 100, k + 1);
	}
	agg_finish(agg);

	set_threads("2");
	acc = agg_create();
	agg_add_file(acc, "test.log");
	agg_set_thread_min(acc, 1);
	for (i = 0; i < 3; i++) {
		part = agg_create();
		agg_add_file(part, "test.log");
		from = cuts[i];
		for (k = from; k < cuts[i + 1]; k++) {
			ev = synthetic_event(k, k < cuts[2] ? first_clients :
			    later_clients, &text);
			agg_add(part, &ev, 0, k * 100, k + 1 - from);
		}
		/* The first part is taken whole, the later ones merged. */
		ck_assert_int_eq(agg_merge(acc, part, from), 0);
		agg_free(part);
	}
	agg_finish(acc);
	if (saved != NULL)
		set_threads(saved);
	else
		unsetenv("SMTPTRIAGE_THREADS");
	free(saved);

	s = agg_suspects(agg, &n);
	t = agg_suspects(acc, &m);
	ck_assert_uint_eq(agg_clients(agg), agg_clients(acc));
	ck_assert_uint_gt(agg_clients(acc), first_clients);
	ck_assert_uint_eq(n, m);
	ck_assert_uint_gt(n, first_clients);
	for (i = 0; i < n; i++)
		assert_same_client(s[i], t[i]);
	agg_free(acc);
}

/* The parts have more clients than one small slab. */
START_TEST(test_agg_merge_threads_same_as_whole)
{
	size_t	cuts[] = { 0, 4000, 7001, 12000 };

	check_merge_threads(cuts, 2000, 2600);
}
END_TEST

/*
 * Parts large enough that their slabs, strings and lists pass
 * AGG_HUGE_AFTER and come from huge pages, in blocks of another size
 * than the first ones, and whose tables reach XHUGE_PAGE bytes.
 */
START_TEST(test_agg_merge_threads_huge_blocks)
{
	size_t	cuts[] = { 0, 60000, 110000, 160000 };

	check_merge_threads(cuts, 30000, 36000);
}
END_TEST

/*
 * An evidence entry keeps the largest file index, line number and offset
 * it has room for, and a copy of the line in place of the offset.
 */
START_TEST(test_agg_evidence_fields)
{
	const struct agg_evidence	*e;
	struct client			*c;
	struct event			 ev;
	uint64_t			 line = ((uint64_t)1 << AGG_LINE_BITS) - 1;
	uint64_t			 offset = UINT64_MAX - 1;
	uint32_t			 file = 0;
	int				 i;

	ck_assert_uint_eq(sizeof(struct agg_evidence), 16);
	for (i = 0; i < 3; i++)
		file = agg_add_file(agg, "test.log");
	ev = make_event("192.0.2.7", "h", NULL, REASON_DNSBL, 1000);
	agg_add(agg, &ev, file, offset, line);
	agg_add_text(agg, &ev, 0, 5, 7, "the line", 8);
	ck_assert_ptr_nonnull(c = agg_find(agg, &ev.addr));
	ck_assert_uint_eq(c->nevidence, 2);

	e = agg_client_evidence(c, 0);
	ck_assert_uint_eq(e->file, 3);
	ck_assert_uint_eq(e->line, line);
	ck_assert_uint_eq(e->offset, offset);
	ck_assert(!e->has_text);

	e = agg_client_evidence(c, 1);
	ck_assert_uint_eq(e->file, 0);
	ck_assert_uint_eq(e->line, 7);
	ck_assert(e->has_text);
	ck_assert_str_eq(e->text, "the line");
}
END_TEST

/*
 * Merge into agg a part of two lines of client ip, which follow line
 * from: the first with a reason, the second without.
 */
static void
merge_reason_part(const char *ip, uint64_t from)
{
	struct agg	*part;
	struct event	 ev;

	part = agg_create();
	agg_add_file(part, "test.log");
	ev = make_event(ip, "h", NULL, REASON_DNSBL, 1000);
	agg_add(part, &ev, 0, 100, 1);
	ev = make_event(ip, "h", NULL, NULL, 1000);
	agg_add(part, &ev, 0, 200, 2);
	ck_assert_int_eq(agg_merge(agg, part, from), 0);
	agg_free(part);
}

/*
 * Lines without a reason are the evidence of a client only when it has
 * no line with a reason, before and after a merge.
 */
START_TEST(test_agg_plain_lines_until_reason)
{
	struct client	*c;
	uint64_t	 line;

	for (line = 1; line <= 6; line++)
		add("192.0.2.1", "h", NULL, line == 3 ? REASON_DNSBL : NULL,
		    1000, line);
	for (line = 10; line <= 15; line++)
		add("192.0.2.2", "h", NULL, NULL, 1000, line);
	add("192.0.2.3", "h", NULL, NULL, 1000, 20);
	add("192.0.2.3", "h", NULL, NULL, 1000, 21);
	merge_reason_part("192.0.2.3", 21);
	agg_finish(agg);

	c = find_client("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 1);
	ck_assert_uint_eq(agg_client_evidence(c, 0)->line, 3);
	c = find_client("192.0.2.2");
	ck_assert_uint_eq(c->nevidence, 4);
	ck_assert_uint_eq(agg_client_evidence(c, 0)->line, 10);
	ck_assert_uint_eq(agg_client_evidence(c, 3)->line, 13);
	c = find_client("192.0.2.3");
	ck_assert_uint_eq(c->nevidence, 1);
	ck_assert_uint_eq(agg_client_evidence(c, 0)->line, 22);
}
END_TEST

/*
 * A finish between lines, as the console's refreshes do, leaves the same
 * evidence as one finish at the end.  That is the first plain lines until
 * a line with a reason is counted or merged, then only the lines with a
 * reason.
 */
START_TEST(test_agg_refresh_plain_copy)
{
	struct client	*c;
	uint64_t	 line;

	add("192.0.2.1", "h", NULL, NULL, 1000, 1);
	add("192.0.2.2", "h", NULL, NULL, 1000, 2);
	add("192.0.2.3", "h", NULL, NULL, 1000, 3);
	agg_finish(agg);
	c = find_client("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 1);
	ck_assert(c->evidence_plain);

	for (line = 4; line <= 8; line++)
		add("192.0.2.1", "h", NULL, NULL, 1000, line);
	add("192.0.2.2", "h", NULL, REASON_DNSBL, 1000, 9);
	agg_finish(agg);
	c = find_client("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 4);
	ck_assert_uint_eq(agg_client_evidence(c, 0)->line, 1);
	ck_assert_uint_eq(agg_client_evidence(c, 3)->line, 6);
	ck_assert(c->evidence_plain);
	c = find_client("192.0.2.2");
	ck_assert_uint_eq(c->nevidence, 1);
	ck_assert_uint_eq(agg_client_evidence(c, 0)->line, 9);
	ck_assert_uint_eq(c->evidence_seen, 1);
	ck_assert(!c->evidence_plain);

	merge_reason_part("192.0.2.3", 9);
	agg_finish(agg);
	c = find_client("192.0.2.3");
	ck_assert_uint_eq(c->nevidence, 1);
	ck_assert_uint_eq(agg_client_evidence(c, 0)->line, 10);
	ck_assert(!c->evidence_plain);
}
END_TEST

/* xhuge_alloc gives zeroed, writable blocks aligned to XHUGE_PAGE. */
START_TEST(test_agg_xhuge_alloc)
{
	unsigned char	*p;
	size_t		 sizes[] = { 1, XHUGE_PAGE, XHUGE_PAGE + 1 };
	size_t		 i, k;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = xhuge_alloc(sizes[i]);
		ck_assert_uint_eq((uintptr_t)p % XHUGE_PAGE, 0);
		for (k = 0; k < sizes[i]; k += 4096)
			ck_assert_uint_eq(p[k], 0);
		ck_assert_uint_eq(p[sizes[i] - 1], 0);
		memset(p, 0xa5, sizes[i]);
		ck_assert_uint_eq(p[sizes[i] - 1], 0xa5);
		xhuge_free(p, sizes[i]);
	}
}
END_TEST

/*
 * Reason keys that the client in the merged agg lacks are added on two
 * threads as on one, and past AGG_REASON_MAX they count as "other".
 */
START_TEST(test_agg_merge_threads_reason_overflow)
{
	struct agg	*whole, *acc, *part;
	struct client	*c, *d;
	struct event	 ev;
	char		 ip[32], arg[32];
	size_t		 half, i, j, line = 0, from = 0, nclients = 1100;
	const char	*old = getenv("SMTPTRIAGE_THREADS");
	char		*saved = old != NULL ? strdup(old) : NULL;

	whole = agg_create();
	acc = agg_create();
	part = agg_create();
	agg_set_thread_min(acc, 1);
	/*
	 * Every third client has 20 warning texts in each part, 40 in all,
	 * and the others 5 in all.  A quarter gets a verified name.
	 */
	for (half = 0; half < 2; half++) {
		if (half == 1)
			from = line;
		for (j = 0; j < 20; j++) {
			for (i = 0; i < nclients; i++) {
				snprintf(ip, sizeof ip, "10.3.%zu.%zu", i / 256,
				    i % 256);
				snprintf(arg, sizeof arg, "text %zu",
				    (half * 20 + j) % (i % 3 == 0 ? 45 : 5));
				ev = make_event(ip, half == 0 ? "first" :
				    "second", i % 4 == 0 && half == 1 ?
				    "rdns.example" : NULL, REASON_WARNING,
				    (int64_t)(1000 + line));
				ev.reason_arg = arg;
				ev.reason_arg_len = strlen(arg);
				line++;
				agg_add(whole, &ev, 0, line * 10, line);
				agg_add(half == 0 ? acc : part, &ev, 0,
				    line * 10, line - from);
			}
		}
	}
	set_threads("2");
	ck_assert_int_eq(agg_merge(acc, part, from), 0);
	if (saved != NULL)
		set_threads(saved);
	else
		unsetenv("SMTPTRIAGE_THREADS");
	free(saved);
	agg_finish(whole);
	agg_finish(acc);
	for (i = 0; i < nclients; i++) {
		snprintf(ip, sizeof ip, "10.3.%zu.%zu", i / 256, i % 256);
		ev = make_event(ip, NULL, NULL, NULL, 0);
		c = agg_find(whole, &ev.addr);
		d = agg_find(acc, &ev.addr);
		ck_assert_ptr_nonnull(c);
		ck_assert_ptr_nonnull(d);
		assert_same_client(c, d);
		/* "other", and no_verified_rdns without a verified name. */
		if (i % 3 == 0)
			ck_assert_uint_eq(d->nreasons, AGG_REASON_MAX + 1 +
			    (i % 4 == 0 ? 0 : 1));
	}
	agg_free(part);
	agg_free(acc);
	agg_free(whole);
}
END_TEST

/*
 * Reason lists that shrink (a verified name drops no_verified_rdns) and
 * grow again keep their counts, with arrays from the pool of the agg.
 */
START_TEST(test_agg_reasons_shrink_and_grow)
{
	struct client	*c;
	char		 key[32];
	size_t		 i;

	add("192.0.2.9", "h", NULL, REASON_NO_RDNS, 100, 1);
	add("192.0.2.9", "h", NULL, REASON_DNSBL, 100, 2);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nreasons, 3);
	add("192.0.2.9", "h", "ok.example", NULL, 101, 3);
	agg_finish(agg);
	c = only_suspect();
	ck_assert_uint_eq(c->nreasons, 2);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "custom_%02zu", i);
		add("192.0.2.9", "h", NULL, key, 102, 4 + i);
	}
	agg_finish(agg);
	c = only_suspect();
	/* 32 distinct keys at most, then "other" for the rest. */
	ck_assert_uint_eq(c->nreasons, AGG_REASON_MAX + 1);
	ck_assert_uint_eq(c->events, 43);
	/* no_rdns 3, dnsbl 3, 30 keys of weight 2, "other" 2 * (1 + 3). */
	ck_assert_int_eq(c->score, 74);
	for (i = 0; i < c->nreasons; i++) {
		if (strcmp(c->reasons[i].name, "other") == 0)
			ck_assert_uint_eq(c->reasons[i].count, 10);
		else
			ck_assert_uint_eq(c->reasons[i].count, 1);
	}
}
END_TEST

/*
 * Scores with more distinct reason keys than agg_finish remembers the
 * weights of: each client has its own key of weight 2, and every tenth
 * helo_rejected (5) too, plus no_verified_rdns (1).
 */
START_TEST(test_agg_scores_many_reason_keys)
{
	struct synthetic_text	 text;
	struct event		 ev;
	struct client		*c;
	char			 key[32];
	size_t			 i;

	for (i = 0; i < 1500; i++) {
		synthetic_ip(i, text.ip, sizeof text.ip);
		snprintf(key, sizeof key, "custom_%zu", i);
		ev = make_event(text.ip, "h", NULL, key, 100);
		agg_add(agg, &ev, 0, i * 100, i + 1);
		if (i % 10 == 0) {
			ev.reason = REASON_HELO_REJECTED;
			agg_add(agg, &ev, 0, i * 100 + 50, i + 1);
		}
	}
	agg_finish(agg);
	for (i = 0; i < 1500; i++) {
		synthetic_ip(i, text.ip, sizeof text.ip);
		ev = make_event(text.ip, NULL, NULL, NULL, 0);
		ck_assert_ptr_nonnull(c = agg_find(agg, &ev.addr));
		/* no_verified_rdns counts every event: 2 events score 2. */
		if (i % 10 == 0)
			ck_assert_int_eq(c->score, 2 + 5 + 1 * 2);
		else
			ck_assert_int_eq(c->score, 2 + 1);
	}
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

/* Add a client with the IPv6 address of eight groups and check its text. */
static void
assert_ipv6_text(const unsigned int *words)
{
	struct event	 ev;
	struct client	*c;
	char		 want[INET6_ADDRSTRLEN];
	size_t		 i;

	memset(&ev, 0, sizeof ev);
	ev.addr.family = AF_INET6;
	for (i = 0; i < 8; i++) {
		ev.addr.bytes[2 * i] = (uint8_t)(words[i] >> 8);
		ev.addr.bytes[2 * i + 1] = (uint8_t)words[i];
	}
	agg_add(agg, &ev, 0, 0, 1);
	ck_assert_ptr_nonnull(c = agg_find(agg, &ev.addr));
	ck_assert_ptr_nonnull(inet_ntop(AF_INET6, ev.addr.bytes, want,
	    sizeof want));
	ck_assert_str_eq(c->ip, want);
}

/*
 * The IPv6 text is written without inet_ntop: compare with it for every
 * pattern of zero and non-zero groups, with group values of one to four
 * hex digits, and the forms with an IPv4 address at the end.
 */
START_TEST(test_agg_ipv6_text_like_inet_ntop)
{
	static const unsigned int values[] = { 0x1, 0xa0, 0xb0c, 0xffff,
	    0x1000 };
	unsigned int	words[8];
	size_t		pattern, v, i;

	for (pattern = 0; pattern < 256; pattern++) {
		for (v = 0; v < sizeof values / sizeof values[0]; v++) {
			for (i = 0; i < 8; i++)
				words[i] = (pattern >> i & 1) ?
				    values[(v + i) % 5] : 0;
			assert_ipv6_text(words);
		}
	}
	/* ::ffff:a.b.c.d and its neighbours, with zeros in the IPv4 part. */
	for (pattern = 0; pattern < 16; pattern++) {
		memset(words, 0, sizeof words);
		words[4] = (pattern & 1) ? 0x1 : 0;
		words[5] = (pattern & 2) ? 0xffff : 0xfffe;
		words[6] = (pattern & 4) ? 0xc000 : 0;
		words[7] = (pattern & 8) ? 0x0201 : 0;
		assert_ipv6_text(words);
	}
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

/*
 * Names are compared a word at a time after a tag of their first and
 * last eight bytes: names of 1 to 24 bytes that differ in one byte, at
 * every position, stay apart.
 */
START_TEST(test_agg_helos_differ_in_one_byte)
{
	struct client	*c;
	char		 ip[32], same[32], other[32];
	size_t		 len, pos, i = 0;

	for (len = 1; len <= 24; len++) {
		for (pos = 0; pos < len; pos++, i++) {
			memset(same, 'a', len);
			same[len] = '\0';
			memcpy(other, same, len + 1);
			other[pos] = 'b';
			snprintf(ip, sizeof ip, "10.1.%zu.%zu", i / 256,
			    i % 256);
			add(ip, same, NULL, NULL, 100, 1);
			add(ip, other, NULL, NULL, 100, 2);
			add(ip, same, NULL, NULL, 100, 3);
		}
	}
	agg_finish(agg);
	for (len = 1, i = 0; len <= 24; len++) {
		for (pos = 0; pos < len; pos++, i++) {
			memset(same, 'a', len);
			same[len] = '\0';
			snprintf(ip, sizeof ip, "10.1.%zu.%zu", i / 256,
			    i % 256);
			c = find_client(ip);
			ck_assert_uint_eq(c->nhelos, 2);
			ck_assert_str_eq(c->helos[0].name, same);
			ck_assert_uint_eq(c->helos[0].count, 2);
			ck_assert_uint_eq(c->helos[1].count, 1);
			ck_assert_uint_eq(strlen(c->helos[1].name), len);
			ck_assert_int_eq(c->helos[1].name[pos], 'b');
		}
	}
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
	struct client	**s;
	char		  ip[32];
	size_t		  n, k;
	int		  i;

	for (i = 0; i < 5000; i++) {
		snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		add(ip, "h", NULL, NULL, 100, (uint64_t)i + 1);
	}
	add("10.0.0.5", "h", NULL, NULL, 100, 9999);
	agg_finish(agg);
	ck_assert_uint_eq(agg_clients(agg), 5000);
	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 5000);
	/* In small slabs and in the huge ones after them. */
	for (k = 0; k < n; k++)
		ck_assert_uint_eq((uintptr_t)s[k] % 64, 0);
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
	tcase_add_test(tc, test_agg_reason_keys_like_text);
	tcase_add_test(tc, test_agg_order_random_like_qsort);
	tcase_add_test(tc, test_agg_first_last_seen);
	tcase_add_test(tc, test_agg_verified_clean_not_suspect);
	tcase_add_test(tc, test_agg_no_verified_rdns_added);
	tcase_add_test(tc, test_agg_finish_twice_same_counts);
	tcase_add_test(tc, test_agg_late_rdns_drops_reason);
	tcase_add_test(tc, test_agg_warning_reason_key);
	tcase_add_test(tc, test_agg_rdns_client_keeps_reason_only);
	tcase_add_test(tc, test_agg_score_order);
	tcase_add_test(tc, test_agg_tie_broken_by_address);
	tcase_add_test(tc, test_agg_order_many_suspects);
	tcase_add_test(tc, test_agg_merge_parts_same_as_whole);
	tcase_add_test(tc, test_agg_merge_full_evidence);
	tcase_add_test(tc, test_agg_merge_threads_same_as_whole);
	tcase_add_test(tc, test_agg_merge_threads_huge_blocks);
	tcase_add_test(tc, test_agg_xhuge_alloc);
	tcase_add_test(tc, test_agg_evidence_fields);
	tcase_add_test(tc, test_agg_plain_lines_until_reason);
	tcase_add_test(tc, test_agg_refresh_plain_copy);
	tcase_add_test(tc, test_agg_merge_threads_reason_overflow);
	tcase_add_test(tc, test_agg_evidence_ring_order);
	tcase_add_test(tc, test_agg_ipv4_text_like_inet_ntop);
	tcase_add_test(tc, test_agg_reasons_shrink_and_grow);
	tcase_add_test(tc, test_agg_scores_many_reason_keys);
	tcase_add_test(tc, test_agg_ipv6_text_form);
	tcase_add_test(tc, test_agg_ipv6_text_like_inet_ntop);
	tcase_add_test(tc, test_agg_status_precedence);
	tcase_add_test(tc, test_agg_read_evidence_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_agg_evidence_first_and_latest);
	tcase_add_test(tc, test_agg_helo_limit);
	tcase_add_test(tc, test_agg_long_helo_cut);
	tcase_add_test(tc, test_agg_helos_differ_in_one_byte);
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
