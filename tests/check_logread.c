/*
 * Tests for core/logread*.c.  They cover the time-ordered merge of
 * several inputs, gzip files (written here with zlib), truncated gzip
 * data and standard input through a pipe.  Bad lines must keep their file
 * and line number, rotated files their order, and a forced format and
 * the time window must apply.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "agg.h"
#include "check_suites.h"
#include "check_util.h"
#include "check_rounds.h"
#include "esc.h"
#include "logread.h"
#include "logread_internal.h"
#include "output.h"
#include "reason.h"
#include "rules.h"
#include "ts.h"
#include "xmalloc.h"

/* 2026-11-30 10:00:00 UTC; the fixture sets TZ=UTC. */
#define LR_T0		1796032800LL

#define LR_WARN(t, helo, ip) \
	"2026-11-30 " t " H=(" helo ") [" ip "] Warning: HELO verification " \
	"failed\n"

static char			 dir[] = "/tmp/check_logread.XXXXXX";
static struct agg		*agg;
static struct logread_stats	 st;
static struct reason_table	*rt;
static struct logread		*lr;

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
	strcpy(dir, "/tmp/check_logread.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	agg = agg_create();
	memset(&st, 0, sizeof st);
	rt = reason_table_create();
	lr = NULL;
}

static void
teardown(void)
{
	logread_free(lr);
	agg_free(agg);
	logread_stats_free(&st);
	reason_table_free(rt);
	ck_assert_int_eq(check_remove_tree(dir), 0);
}

/* Path of name in the test folder, in a static buffer per call slot. */
static const char *
in_dir(const char *name)
{
	static char	bufs[8][256];
	static int	next;
	char		*b = bufs[next++ % 8];

	snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
	return b;
}

static const char *
write_file(const char *name, const char *text)
{
	const char	*path = in_dir(name);
	FILE		*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Write text as one gzip member, appended when append is set. */
static const char *
write_gz(const char *name, const char *text, int append)
{
	const char	*path = in_dir(name);
	gzFile		 gz;

	gz = gzopen(path, append ? "ab" : "wb");
	ck_assert_ptr_nonnull(gz);
	ck_assert_int_eq(gzwrite(gz, text, (unsigned)strlen(text)),
	    (int)strlen(text));
	ck_assert_int_eq(gzclose(gz), Z_OK);
	return path;
}

static off_t
file_size(const char *path)
{
	struct stat	sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_size;
}

static void
open_lr(enum log_format format, const struct timefilter *window)
{
	struct logread_options	opt;

	memset(&opt, 0, sizeof opt);
	opt.format = format;
	opt.reasons = rt;
	opt.window = window;
	lr = logread_create(&opt, agg, &st);
}

static void
add_ok(const char *path)
{
	char	*cause = NULL;
	int	 rc;

	rc = logread_add(lr, path, &cause);
	ck_assert_msg(rc == 0, "logread_add %s: %s", path,
	    cause != NULL ? cause : "");
}

/*
 * Read first and then second in one run, with the format of each file
 * detected, and finish the aggregate.
 */
static void
read_pair(const char *first, const char *second)
{
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(first);
	add_ok(second);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
}

static struct client *
find(const char *ip)
{
	struct event_addr	addr = check_addr(ip);

	return agg_find(agg, &addr);
}

/* Read evidence i of c back; returns an allocated line. */
static char *
evidence_text(const struct client *c, size_t i)
{
	char	*line = NULL, *cause = NULL;
	int	 rc;

	ck_assert_uint_lt(i, c->nevidence);
	rc = agg_read_evidence(agg, &c->evidence[i], &line, &cause);
	ck_assert_msg(rc == 0, "agg_read_evidence: %s",
	    cause != NULL ? cause : "");
	return line;
}

static size_t
take_messages(struct logread_message **m)
{
	return logread_take_messages(lr, m);
}

/*
 * Write an Exim mainlog of about 700 KB: 40 clients, one of them with
 * more HELO names and warning texts than a client keeps, and changing
 * verified names, so that the merge of parts has every list to fill.
 */
static const char *
write_parts_log(const char *name)
{
	const char	*path = in_dir(name);
	FILE		*f;
	int		 i;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < 8000; i++) {
		fprintf(f, "2026-11-30 %02d:%02d:%02d H=%s(helo-%d) "
		    "[192.0.2.%d] Warning: text %d\n", 10 + i / 3600,
		    i / 60 % 60, i % 60, i % 7 == 0 ? "name.example " : "",
		    i % 40 == 3 ? i % 50 : i % 3, i % 40, i % 40 == 3 ?
		    i % 45 : i % 2);
		fprintf(f, "2026-11-30 %02d:%02d:%02d 1tQ2aB-0001Ab-4C => "
		    "user@example.com R=local T=spool\n", 10 + i / 3600,
		    i / 60 % 60, i % 60);
	}
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* List the suspects of agg as JSON, into an allocated string. */
static char *
list_json(struct agg *a)
{
	struct esc_buf	  b;
	struct client	**sus;
	size_t		  n, i;
	char		 *out;

	memset(&b, 0, sizeof b);
	sus = agg_suspects(a, &n);
	out_clients(&b, OUT_JSON, sus, n, NULL);
	for (i = 0; i < n; i++)
		esc_buf_printf(&b, "%zu:%llu ", sus[i]->nevidence,
		    (unsigned long long)(sus[i]->nevidence > 0 ?
		    sus[i]->evidence[sus[i]->nevidence - 1].line : 0));
	out = xstrndup(b.data, b.len);
	esc_buf_free(&b);
	return out;
}

START_TEST(test_logread_parts_match_one_thread)
{
	struct logread_options	 opt;
	struct logread_stats	 st2;
	struct logread		*lr2;
	struct agg		*agg2;
	const char		*path;
	char			*one_thread, *two_threads;

	path = write_parts_log("parts.log");
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.parts, 0);

	memset(&opt, 0, sizeof opt);
	opt.format = LOG_FORMAT_AUTO;
	opt.reasons = rt;
	opt.threads = 2;
	memset(&st2, 0, sizeof st2);
	agg2 = agg_create();
	lr2 = logread_create(&opt, agg2, &st2);
	ck_assert_int_eq(logread_add(lr2, path, NULL), 0);
	ck_assert_int_eq(logread_run(lr2, UINT64_MAX), 0);
	agg_finish(agg2);
	ck_assert_uint_eq(st2.parts, 2);

	ck_assert_uint_eq(st2.lines, st.lines);
	ck_assert_uint_eq(st2.lines, 16000);
	ck_assert_uint_eq(st2.events, st.events);
	ck_assert_uint_eq(st2.bytes, st.bytes);
	ck_assert_uint_eq(agg_clients(agg2), 40);
	one_thread = list_json(agg);
	two_threads = list_json(agg2);
	ck_assert_str_eq(two_threads, one_thread);
	free(one_thread);
	free(two_threads);
	logread_free(lr2);
	agg_free(agg2);
	logread_stats_free(&st2);
}
END_TEST

/* Write one warning line for each of clients distinct clients to f. */
static void
write_ring_clients(FILE *f, int clients)
{
	int	i;

	for (i = 0; i < clients; i++)
		fprintf(f, "2026-11-30 10:%02d:%02d H=(h%d) [10.%d.%d.%d] "
		    "Warning: text %d\n", i / 600 % 60, i / 10 % 60, i % 5,
		    i >> 16 & 255, i >> 8 & 255, i & 255, i % 3);
}

/*
 * Write a mainlog whose distinct clients exceed LOGREAD_RING_CLIENTS, then
 * lines of early clients with long HELO and rDNS names and rejection
 * texts, which the ring must copy.  Returns the path.
 */
static const char *
write_ring_log(const char *name, int clients, int repeats)
{
	const char	*path = in_dir(name);
	char		 helo[300];
	FILE		*f;
	int		 i;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	write_ring_clients(f, clients);
	for (i = 0; i < repeats; i++) {
		memset(helo, 'a' + i % 26, sizeof helo - 1);
		helo[40 + i % 250] = '\0';
		fprintf(f, "2026-11-30 11:%02d:%02d H=rdns-%s.example (%s) "
		    "[10.0.%d.%d]:25 F=<a@b> rejected RCPT <c@d>: %s %d\n",
		    i / 60 % 60, i % 60, helo, helo, i / 256 % 4, i % 256,
		    helo, i);
	}
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/*
 * Write a mainlog whose distinct clients reach LOGREAD_RING_CLIENTS, then
 * lines that the ring looks up while older held events still change their
 * client.  Each new client appears three times in a row, so the first line
 * creates it after the other two were looked up.  Between them, one of
 * four old clients gets a new HELO name and rejection text each time, so
 * its lists grow and its evidence ring wraps.  Returns the path.
 */
static const char *
write_ring_repeat_log(const char *name, int clients, int repeats)
{
	const char	*path = in_dir(name);
	FILE		*f;
	int		 i, k;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	write_ring_clients(f, clients);
	for (i = 0; i < repeats; i++) {
		k = i / 3;
		fprintf(f, "2026-11-30 11:%02d:%02d H=(n%d) [10.200.%d.%d] "
		    "rejected RCPT <c@d>: blocked %d\n", i / 60 % 60, i % 60,
		    i % 7, k >> 8 & 255, k & 255, i % 11);
		fprintf(f, "2026-11-30 11:%02d:%02d H=rdns%d.example (g%d) "
		    "[10.0.0.%d]:25 F=<a@b> rejected RCPT <c@d>: list %d\n",
		    i / 60 % 60, i % 60, i % 9, i % 40, i % 4, i % 23);
	}
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/*
 * Read path on one thread, whose table exceeds LOGREAD_RING_CLIENTS so
 * that events go through the ring, and compare the table with one that
 * got every parsed event at once, in file order.
 */
static void
check_ring_same_as_direct(const char *path, size_t clients)
{
	struct parser_options	 popt;
	struct parser		*p;
	struct agg		*direct;
	struct event		 ev;
	char			*cause = NULL, *line = NULL, *ring_json;
	char			*direct_json;
	size_t			 cap = 0;
	ssize_t			 n;
	uint64_t		 offset = 0, lineno = 0;
	FILE			*f;

	open_lr(LOG_FORMAT_EXIM, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.parts, 0);
	ck_assert_uint_eq(agg_clients(agg), clients);

	memset(&popt, 0, sizeof popt);
	popt.format = LOG_FORMAT_EXIM;
	popt.reasons = rt;
	p = parser_create(&popt, &cause);
	ck_assert_msg(p != NULL, "parser_create: %s", cause);
	direct = agg_create();
	ck_assert_uint_eq(agg_add_file(direct, path), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (parser_line(p, line, (size_t)n - 1, &ev) == PARSE_CLIENT)
			agg_add(direct, &ev, 0, offset, lineno);
		offset += (uint64_t)n;
	}
	ck_assert_int_eq(fclose(f), 0);
	free(line);
	parser_free(p);
	agg_finish(direct);

	ring_json = list_json(agg);
	direct_json = list_json(direct);
	/* The lists are too long for a message of ck_assert_str_eq. */
	ck_assert_msg(strcmp(ring_json, direct_json) == 0,
	    "tables differ, ring %zu and direct %zu bytes", strlen(ring_json),
	    strlen(direct_json));
	free(ring_json);
	free(direct_json);
	agg_free(direct);
}

/*
 * Once the table contains LOGREAD_RING_CLIENTS clients, one thread
 * keeps events back in a ring.  The table must equal one that gets every parsed
 * event at once, in file order.
 */
START_TEST(test_logread_ring_same_as_direct)
{
	const char	*path;

	path = write_ring_log("ring.log", LOGREAD_RING_CLIENTS + 2000, 1500);
	check_ring_same_as_direct(path, LOGREAD_RING_CLIENTS + 2000);
}
END_TEST

/*
 * The ring looks up the client of an event before the events held ahead
 * of it are counted.  New clients and growing lists in that window must
 * not change the table.
 */
START_TEST(test_logread_ring_repeats_same_as_direct)
{
	const char	*path;
	int		 repeats = (int)check_rounds(3000);

	path = write_ring_repeat_log("ring-repeat.log", LOGREAD_RING_CLIENTS,
	    repeats);
	check_ring_same_as_direct(path,
	    LOGREAD_RING_CLIENTS + (size_t)(repeats + 2) / 3);
}
END_TEST

/*
 * Read path with opt (its threads set by the caller) into a new table and
 * return the list as JSON; *parts gets the parts that were merged.
 */
static char *
read_with(struct logread_options *opt, const char *path, uint64_t *parts,
    uint64_t *events)
{
	struct logread_stats	 st1;
	struct logread		*lr1;
	struct agg		*agg1;
	char			*out;

	memset(&st1, 0, sizeof st1);
	agg1 = agg_create();
	lr1 = logread_create(opt, agg1, &st1);
	ck_assert_int_eq(logread_add(lr1, path, NULL), 0);
	ck_assert_int_eq(logread_run(lr1, UINT64_MAX), 0);
	agg_finish(agg1);
	*parts = st1.parts;
	*events = st1.events;
	out = list_json(agg1);
	logread_free(lr1);
	agg_free(agg1);
	logread_stats_free(&st1);
	return out;
}

/*
 * Rules alone split a file in parts as the built-in formats do; rules
 * beside a detected format do not, because the first line no rule
 * matches decides that format.
 */
START_TEST(test_logread_rules_in_parts)
{
	struct logread_options	 opt;
	struct rules		*rules;
	const char		*path, *text =
	    "rule - ^(?<time>\\S+ \\S+) H=(?:\\S+ )?\\((?<helo>[^)]+)\\) "
	    "\\[(?<ip>[0-9.]+)\\] Warning: (?<reason>.*)$\n";
	char			*cause = NULL, *one, *two;
	uint64_t		 parts, events1, events2;

	rules = rules_parse("test.rules", text, strlen(text), &cause);
	ck_assert_msg(rules != NULL, "rules_parse: %s",
	    cause != NULL ? cause : "");
	path = write_parts_log("rules-parts.log");
	memset(&opt, 0, sizeof opt);
	opt.format = LOG_FORMAT_RULES;
	opt.rules = rules;
	opt.reasons = rt;
	opt.threads = 1;
	one = read_with(&opt, path, &parts, &events1);
	ck_assert_uint_eq(parts, 0);
	ck_assert_uint_eq(events1, 8000);
	opt.threads = 2;
	two = read_with(&opt, path, &parts, &events2);
	ck_assert_uint_eq(parts, 2);
	ck_assert_uint_eq(events2, 8000);
	ck_assert_str_eq(two, one);
	free(two);

	opt.format = LOG_FORMAT_AUTO;
	two = read_with(&opt, path, &parts, &events2);
	ck_assert_uint_eq(parts, 0);
	ck_assert_uint_eq(events2, 8000);
	ck_assert_str_eq(two, one);
	free(two);
	free(one);
	rules_free(rules);
}
END_TEST

START_TEST(test_logread_merge_two_files)
{
	const char	*a, *b;
	struct client	*c;

	a = write_file("a.log",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    LR_WARN("10:00:05", "x.example", "192.0.2.1")
	    LR_WARN("10:00:09", "y.example", "192.0.2.2"));
	b = write_file("b.log",
	    LR_WARN("10:00:03", "x.example", "192.0.2.1")
	    LR_WARN("10:00:07", "x.example", "192.0.2.1"));
	read_pair(a, b);

	ck_assert_uint_eq(st.events, 5);
	c = find("192.0.2.1");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->events, 4);
	ck_assert_int_eq(c->first.utc, LR_T0 + 1);
	ck_assert_int_eq(c->last.utc, LR_T0 + 7);
	/* Evidence in time order: a:1, b:1, a:2, b:2. */
	ck_assert_uint_eq(c->nevidence, 4);
	ck_assert_uint_eq(c->evidence[0].file, 0);
	ck_assert_uint_eq(c->evidence[0].line, 1);
	ck_assert_uint_eq(c->evidence[1].file, 1);
	ck_assert_uint_eq(c->evidence[1].line, 1);
	ck_assert_uint_eq(c->evidence[2].file, 0);
	ck_assert_uint_eq(c->evidence[2].line, 2);
	ck_assert_uint_eq(c->evidence[3].file, 1);
	ck_assert_uint_eq(c->evidence[3].line, 2);
	ck_assert_str_eq(agg_file_path(agg, 1), b);
}
END_TEST

START_TEST(test_logread_merge_ties_keep_input_order)
{
	const char	*a, *b;
	struct client	*c;

	a = write_file("a.log", LR_WARN("10:00:01", "a.example",
	    "192.0.2.1"));
	b = write_file("b.log", LR_WARN("10:00:01", "b.example",
	    "192.0.2.1"));
	read_pair(b, a);
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 2);
	/* b was added first, so its line comes first. */
	ck_assert_str_eq(agg_file_path(agg, c->evidence[0].file), b);
	ck_assert_str_eq(agg_file_path(agg, c->evidence[1].file), a);
}
END_TEST

START_TEST(test_logread_merge_unsorted_file_keeps_order)
{
	const char	*a, *b;
	struct client	*c;

	/* a goes back in time; its own order must hold. */
	a = write_file("a.log",
	    LR_WARN("10:00:08", "x.example", "192.0.2.1")
	    LR_WARN("10:00:02", "x.example", "192.0.2.1"));
	b = write_file("b.log", LR_WARN("10:00:05", "x.example",
	    "192.0.2.1"));
	read_pair(a, b);
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 3);
	ck_assert_uint_eq(c->evidence[0].file, 1);
	ck_assert_uint_eq(c->evidence[1].file, 0);
	ck_assert_uint_eq(c->evidence[1].line, 1);
	ck_assert_uint_eq(c->evidence[2].line, 2);
	ck_assert_int_eq(c->first.utc, LR_T0 + 2);
	ck_assert_int_eq(c->last.utc, LR_T0 + 8);
}
END_TEST

START_TEST(test_logread_budget_resumes)
{
	const char	*a, *b;
	struct client	*c;
	int		 runs = 0;

	a = write_file("a.log",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    "2026-11-30 10:00:02 some line without a client\n"
	    LR_WARN("10:00:05", "x.example", "192.0.2.1"));
	b = write_file("b.log",
	    LR_WARN("10:00:03", "x.example", "192.0.2.1")
	    LR_WARN("10:00:07", "x.example", "192.0.2.1"));
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(a);
	add_ok(b);
	while (logread_run(lr, 1) == 1)
		ck_assert_int_lt(++runs, 100);
	agg_finish(agg);
	ck_assert_int_ge(runs, 4);
	ck_assert_uint_eq(st.lines, 5);
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 4);
	ck_assert_uint_eq(c->evidence[0].file, 0);
	ck_assert_uint_eq(c->evidence[1].file, 1);
	ck_assert_uint_eq(c->evidence[2].file, 0);
	ck_assert_uint_eq(c->evidence[2].line, 3);
	ck_assert_uint_eq(c->evidence[3].file, 1);
}
END_TEST

START_TEST(test_logread_gzip_file)
{
	const char	*path;
	struct client	*c;
	char		*line;

	path = write_gz("mainlog.2.gz",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    LR_WARN("10:00:02", "y.example", "192.0.2.2")
	    LR_WARN("10:00:03", "x2.example", "192.0.2.1"), 0);
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.events, 3);
	ck_assert_uint_eq(st.bad, 0);
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->events, 2);
	ck_assert_uint_eq(c->evidence[1].line, 3);
	/* Read back by decompressing again, forwards and backwards. */
	line = evidence_text(c, 1);
	ck_assert_str_eq(line, "2026-11-30 10:00:03 H=(x2.example) "
	    "[192.0.2.1] Warning: HELO verification failed");
	free(line);
	line = evidence_text(c, 0);
	ck_assert_str_eq(line, "2026-11-30 10:00:01 H=(x.example) "
	    "[192.0.2.1] Warning: HELO verification failed");
	free(line);
}
END_TEST

START_TEST(test_logread_gzip_by_magic_not_name)
{
	const char	*gz, *plain;

	gz = write_gz("mainlog.old", LR_WARN("10:00:01", "x.example",
	    "192.0.2.1"), 0);
	plain = write_file("looks.gz", LR_WARN("10:00:02", "y.example",
	    "192.0.2.2"));
	read_pair(gz, plain);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.unknown, 0);
	ck_assert_ptr_nonnull(find("192.0.2.1"));
	ck_assert_ptr_nonnull(find("192.0.2.2"));
}
END_TEST

START_TEST(test_logread_gzip_members)
{
	const char	*path;
	struct client	*c;
	char		*line;

	write_gz("joined.gz", LR_WARN("10:00:01", "x.example", "192.0.2.1"),
	    0);
	path = write_gz("joined.gz", LR_WARN("10:00:02", "x.example",
	    "192.0.2.1"), 1);
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->events, 2);
	ck_assert_uint_eq(c->evidence[1].line, 2);
	line = evidence_text(c, 1);
	ck_assert_ptr_nonnull(strstr(line, "10:00:02"));
	free(line);
}
END_TEST

START_TEST(test_logread_gzip_truncated)
{
	struct logread_message	*m;
	const char		*path;
	char			 expect[512];
	off_t			 whole;
	size_t			 n;

	/* Three lines in a whole member, then a member cut after its header. */
	write_gz("cut.gz",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    LR_WARN("10:00:02", "x.example", "192.0.2.1")
	    LR_WARN("10:00:03", "y.example", "192.0.2.2"), 0);
	whole = file_size(in_dir("cut.gz"));
	path = write_gz("cut.gz", LR_WARN("10:00:04", "z.example",
	    "192.0.2.3"), 1);
	ck_assert_int_eq(truncate(path, whole + 10), 0);

	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.lines, 3);
	ck_assert_uint_eq(st.events, 3);
	ck_assert_ptr_nonnull(find("192.0.2.2"));
	ck_assert_ptr_null(find("192.0.2.3"));

	n = take_messages(&m);
	ck_assert_uint_eq(n, 1);
	snprintf(expect, sizeof expect, "%s: truncated gzip data (the file "
	    "ends inside the compressed stream) after line 3; the lines "
	    "before it were read", path);
	ck_assert_str_eq(m[0].text, expect);
	ck_assert_int_eq(m[0].error, 1);
	logread_messages_free(m, n);
}
END_TEST

START_TEST(test_logread_gzip_cut_inside_data)
{
	struct logread_message	*m;
	const char		*path;
	char			 text[64 * 200], *p = text;
	int			 i;
	size_t			 n;

	for (i = 0; i < 150; i++)
		p += sprintf(p, "2026-11-30 10:%02d:%02d H=(h%d.example) "
		    "[192.0.2.%d] Warning: HELO verification failed\n",
		    i / 60, i % 60, i, i + 1);
	path = write_gz("cut.gz", text, 0);
	ck_assert_int_eq(truncate(path, file_size(path) / 2), 0);

	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	/* Whole lines before the cut load; the cut line is dropped. */
	ck_assert_uint_lt(st.lines, 150);
	ck_assert_uint_eq(st.events, st.lines);
	ck_assert_uint_eq(st.bad, 0);
	n = take_messages(&m);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(m[0].text, "truncated gzip data"));
	logread_messages_free(m, n);
}
END_TEST

START_TEST(test_logread_bad_lines_located)
{
	const char	*plain, *gz;

	plain = write_file("plain.log",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    "2026-11-30 10:00:02 H=(bad\xc0name) [192.0.2.9] Warning: x\n");
	gz = write_gz("packed.gz",
	    LR_WARN("10:00:03", "x.example", "192.0.2.1")
	    LR_WARN("10:00:04", "x.example", "192.0.2.1")
	    "2026-11-30 10:00:05 H=(bad\xff) [192.0.2.8] Warning: x\n", 0);
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(plain);
	add_ok(gz);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	ck_assert_uint_eq(st.bad, 2);
	ck_assert_uint_eq(st.nbad, 2);
	ck_assert_str_eq(st.badlist[0].path, plain);
	ck_assert_uint_eq(st.badlist[0].line, 2);
	ck_assert_str_eq(st.badlist[0].why, "invalid UTF-8");
	ck_assert_str_eq(st.badlist[1].path, gz);
	ck_assert_uint_eq(st.badlist[1].line, 3);
	ck_assert_str_eq(st.badlist[1].why, "invalid UTF-8");
	ck_assert_uint_eq(st.events, 3);
}
END_TEST

START_TEST(test_logread_overlong_line_skipped)
{
	const char	*path;
	char		*text;
	size_t		 len = LOGREAD_LINE_MAX + 100;
	FILE		*f;

	path = in_dir("long.log");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(LR_WARN("10:00:01", "x.example", "192.0.2.1"), f);
	text = malloc(len);
	memset(text, 'a', len);
	fwrite(text, 1, len, f);
	fputs("\n" LR_WARN("10:00:03", "y.example", "192.0.2.2"), f);
	ck_assert_int_eq(fclose(f), 0);
	free(text);

	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.lines, 3);
	ck_assert_uint_eq(st.bad, 1);
	ck_assert_uint_eq(st.badlist[0].line, 2);
	ck_assert_str_eq(st.badlist[0].why, "line too long");
	ck_assert_uint_eq(find("192.0.2.2")->evidence[0].line, 3);
}
END_TEST

START_TEST(test_logread_last_line_without_newline)
{
	const char	*path;

	path = write_file("end.log",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    "2026-11-30 10:00:02 H=(y.example) [192.0.2.2] Warning: HELO "
	    "verification failed");
	open_lr(LOG_FORMAT_AUTO, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	ck_assert_uint_eq(st.lines, 2);
	ck_assert_uint_eq(st.events, 2);
}
END_TEST

/*
 * Feed text to logread through a pipe on standard input.  The text must
 * fit the pipe buffer, since nothing reads while it is written.
 */
static void
run_stdin(const void *text, size_t len)
{
	int	p[2], saved;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], text, len), (ssize_t)len);
	close(p[1]);
	saved = dup(STDIN_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	add_ok("-");
	ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
}

START_TEST(test_logread_stdin_pipe)
{
	const char	*text =
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    LR_WARN("10:00:02", "x.example", "192.0.2.1");
	struct client	*c;
	char		*line;

	open_lr(LOG_FORMAT_AUTO, NULL);
	run_stdin(text, strlen(text));
	ck_assert_uint_eq(st.events, 2);
	ck_assert_str_eq(agg_file_path(agg, 0), "-");
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->nevidence, 2);
	/* Evidence from a pipe comes from the copies kept in memory. */
	line = evidence_text(c, 1);
	ck_assert_str_eq(line, "2026-11-30 10:00:02 H=(x.example) "
	    "[192.0.2.1] Warning: HELO verification failed");
	free(line);
}
END_TEST

START_TEST(test_logread_stdin_copy_is_capped)
{
	char		 text[4096], *line;
	struct client	*c;
	int		 n;

	n = snprintf(text, sizeof text, "2026-11-30 10:00:01 H=(x.example) "
	    "[192.0.2.1] Warning: %02000d\n", 7);
	open_lr(LOG_FORMAT_AUTO, NULL);
	run_stdin(text, (size_t)n);
	c = find("192.0.2.1");
	ck_assert_ptr_nonnull(c);
	line = evidence_text(c, 0);
	ck_assert_uint_eq(strlen(line), AGG_TEXT_MAX);
	ck_assert_int_eq(strncmp(line, text, AGG_TEXT_MAX), 0);
	free(line);
}
END_TEST

START_TEST(test_logread_stdin_gzip)
{
	const char	*path;
	char		 buf[4096];
	ssize_t		 n;
	int		 fd;

	path = write_gz("in.gz", LR_WARN("10:00:01", "x.example",
	    "192.0.2.1"), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof buf);
	close(fd);
	ck_assert_int_gt(n, 0);
	open_lr(LOG_FORMAT_AUTO, NULL);
	run_stdin(buf, (size_t)n);
	ck_assert_uint_eq(st.events, 1);
	ck_assert_ptr_nonnull(find("192.0.2.1"));
}
END_TEST

START_TEST(test_logread_missing_file)
{
	char	*cause = NULL, expect[512];

	open_lr(LOG_FORMAT_AUTO, NULL);
	ck_assert_int_eq(logread_add(lr, in_dir("nothing"), &cause), -1);
	snprintf(expect, sizeof expect, "%s: No such file or directory",
	    in_dir("nothing"));
	ck_assert_str_eq(cause, expect);
	free(cause);
	ck_assert_int_eq(logread_add(lr, dir, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "is a directory"));
	free(cause);
	ck_assert_ptr_null(agg_file_path(agg, 0));
}
END_TEST

START_TEST(test_logread_forced_format)
{
	const char	*path;

	path = write_file("main.log",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    LR_WARN("10:00:02", "y.example", "192.0.2.2"));
	open_lr(LOG_FORMAT_POSTFIX, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	ck_assert_uint_eq(st.lines, 2);
	ck_assert_uint_eq(st.events, 0);
	ck_assert_uint_eq(agg_clients(agg), 0);
	logread_free(lr);

	open_lr(LOG_FORMAT_EXIM, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(agg_clients(agg), 2);
}
END_TEST

START_TEST(test_logread_format_per_file)
{
	struct timespec	 times[2];
	const char	*exim, *postfix;
	struct client	*c;

	exim = write_file("mainlog",
	    LR_WARN("10:00:01", "x.example", "192.0.2.1")
	    LR_WARN("10:00:03", "pc5.example", "192.0.2.5"));
	postfix = write_file("mail.log",
	    "Nov 30 10:00:02 mx postfix/smtpd[123]: connect from "
	    "unknown[192.0.2.5]\n"
	    "Nov 30 10:00:04 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT "
	    "from unknown[192.0.2.5]: 450 4.7.1 Client host rejected: cannot "
	    "find your reverse hostname, [192.0.2.5]; from=<a@example.org> "
	    "to=<b@example.net> proto=ESMTP helo=<pc5.example>\n");
	/* Syslog dates have no year: it comes from the file's mtime. */
	times[0].tv_sec = times[1].tv_sec = LR_T0 + 86400;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, postfix, times, 0), 0);

	read_pair(exim, postfix);
	ck_assert_uint_eq(st.events, 4);
	c = find("192.0.2.5");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->events, 3);
	ck_assert_int_eq(c->first.utc, LR_T0 + 2);
	ck_assert_int_eq(c->last.utc, LR_T0 + 4);
	/* The Exim warning sorts between the two Postfix lines. */
	ck_assert_uint_ge(c->nevidence, 2);
	ck_assert_uint_eq(c->evidence[c->nevidence - 2].file, 0);
	ck_assert_uint_eq(c->evidence[c->nevidence - 2].line, 2);
	ck_assert_uint_eq(c->evidence[c->nevidence - 1].file, 1);
	ck_assert_uint_eq(c->evidence[c->nevidence - 1].line, 2);
}
END_TEST

START_TEST(test_logread_rules_format)
{
	struct logread_options	 opt;
	struct rules		*rules;
	const char		*path, *text =
	    "rule helo_bad ^\\S+ \\S+ myacl: bad helo (?<helo>\\S+) from "
	    "(?<ip>[0-9.]+)$\n";
	char			*cause = NULL;
	struct client		*c;

	rules = rules_parse("test.rules", text, strlen(text), &cause);
	ck_assert_msg(rules != NULL, "rules_parse: %s",
	    cause != NULL ? cause : "");
	path = write_file("custom.log",
	    "2026-11-30 10:00:00 myacl: bad helo foo.example from 192.0.2.77\n"
	    LR_WARN("10:00:01", "x.example", "192.0.2.1"));
	memset(&opt, 0, sizeof opt);
	opt.format = LOG_FORMAT_RULES;
	opt.rules = rules;
	opt.reasons = rt;
	lr = logread_create(&opt, agg, &st);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.events, 1);
	ck_assert_ptr_null(find("192.0.2.1"));
	c = find("192.0.2.77");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->helos[0].name, "foo.example");
	logread_free(lr);
	lr = NULL;
	rules_free(rules);
}
END_TEST

/*
 * A line without a time sorts as the last timed line of its own file
 * (before every timed line while its file has none yet).
 */
START_TEST(test_logread_merge_untimed_lines)
{
	struct logread_options	 opt;
	struct rules		*rules;
	const char		*a, *b, *text =
	    "rule helo_bad myacl: bad helo (?<helo>\\S+) from "
	    "(?<ip>[0-9.]+)$\n";
	char			*cause = NULL;
	struct client		*c;
	static const struct {
		uint32_t	file;
		uint64_t	line;
	} order[] = { { 1, 1 }, { 0, 1 }, { 1, 2 }, { 1, 3 }, { 0, 2 } };
	size_t			 i;

	rules = rules_parse("test.rules", text, strlen(text), &cause);
	ck_assert_msg(rules != NULL, "rules_parse: %s",
	    cause != NULL ? cause : "");
	a = write_file("a.log",
	    "2026-11-30 10:00:01 myacl: bad helo a1 from 192.0.2.7\n"
	    "2026-11-30 10:00:05 myacl: bad helo a2 from 192.0.2.7\n");
	b = write_file("b.log",
	    "myacl: bad helo b1 from 192.0.2.7\n"
	    "2026-11-30 10:00:03 myacl: bad helo b2 from 192.0.2.7\n"
	    "myacl: bad helo b3 from 192.0.2.7\n");
	memset(&opt, 0, sizeof opt);
	opt.format = LOG_FORMAT_RULES;
	opt.rules = rules;
	opt.reasons = rt;
	lr = logread_create(&opt, agg, &st);
	add_ok(a);
	add_ok(b);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	c = find("192.0.2.7");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nevidence, 5);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(c->evidence[i].file, order[i].file);
		ck_assert_uint_eq(c->evidence[i].line, order[i].line);
	}
	logread_free(lr);
	lr = NULL;
	rules_free(rules);
}
END_TEST

START_TEST(test_logread_time_window)
{
	struct timefilter	 tf;
	const char		*path;
	struct client		*c;

	path = write_file("main.log",
	    LR_WARN("09:59:59", "x.example", "192.0.2.1")
	    LR_WARN("10:00:00", "x.example", "192.0.2.1")
	    LR_WARN("10:00:30", "y.example", "192.0.2.2")
	    LR_WARN("10:01:00", "x.example", "192.0.2.1"));
	memset(&tf, 0, sizeof tf);
	tf.has_since = tf.has_until = 1;
	tf.since = LR_T0;
	tf.until = LR_T0 + 60;
	open_lr(LOG_FORMAT_AUTO, &tf);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.filtered, 2);
	c = find("192.0.2.1");
	ck_assert_uint_eq(c->events, 1);
	ck_assert_int_eq(c->first.utc, LR_T0);
	ck_assert_int_eq(c->last.utc, LR_T0);
	ck_assert_uint_eq(c->evidence[0].line, 2);
}
END_TEST

START_TEST(test_logread_legacy_file)
{
	struct exim_parser	*ep;
	const char		*path;
	char			*cause = NULL;

	path = write_file("main.log", LR_WARN("10:00:01", "x.example",
	    "192.0.2.1"));
	ep = exim_parser_create(rt, &cause);
	ck_assert_ptr_nonnull(ep);
	ck_assert_int_eq(logread_file(path, ep, agg, &st, &cause), 0);
	ck_assert_uint_eq(st.events, 1);
	ck_assert_int_eq(logread_file(in_dir("none"), ep, agg, &st, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "No such file"));
	free(cause);
	exim_parser_free(ep);
}
END_TEST

/* Copy n string constants into names, which logread_sort_rotations sorts. */
static void
names_copy(char **names, const char *const *from, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		names[i] = strdup(from[i]);
}

static void
names_free(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
}

START_TEST(test_logread_sort_numbered)
{
	static const char *const from[] = { "mainlog", "mainlog.1",
	    "mainlog.2.gz", "mainlog.10.gz", "mainlog.3.gz" };
	char	*names[5];

	names_copy(names, from, 5);
	logread_sort_rotations(names, 5);
	ck_assert_str_eq(names[0], "mainlog.10.gz");
	ck_assert_str_eq(names[1], "mainlog.3.gz");
	ck_assert_str_eq(names[2], "mainlog.2.gz");
	ck_assert_str_eq(names[3], "mainlog.1");
	ck_assert_str_eq(names[4], "mainlog");
	names_free(names, 5);
}
END_TEST

START_TEST(test_logread_sort_dated_and_groups)
{
	static const char *const from[] = { "/l/maillog", "/l/mail.log.1",
	    "/l/maillog-20261130.gz", "/l/mail.log", "/l/maillog-20261123",
	    "/l/mail.log.2.gz" };
	char	*names[6];

	names_copy(names, from, 6);
	logread_sort_rotations(names, 6);
	ck_assert_str_eq(names[0], "/l/mail.log.2.gz");
	ck_assert_str_eq(names[1], "/l/mail.log.1");
	ck_assert_str_eq(names[2], "/l/mail.log");
	ck_assert_str_eq(names[3], "/l/maillog-20261123");
	ck_assert_str_eq(names[4], "/l/maillog-20261130.gz");
	ck_assert_str_eq(names[5], "/l/maillog");
	names_free(names, 6);
}
END_TEST

START_TEST(test_logread_is_rotated)
{
	ck_assert_int_eq(logread_is_rotated("/var/log/exim4/mainlog"), 0);
	ck_assert_int_eq(logread_is_rotated("/var/log/exim4/mainlog.1"), 1);
	ck_assert_int_eq(logread_is_rotated("/var/log/mail.log.2.gz"), 1);
	ck_assert_int_eq(logread_is_rotated("/var/log/maillog-20261130"), 1);
	ck_assert_int_eq(logread_is_rotated("/var/log/mainlog.20261130"), 1);
	ck_assert_int_eq(logread_is_rotated("/tmp/old.gz"), 1);
	ck_assert_int_eq(logread_is_rotated("/var/log/exim4"), 0);
	ck_assert_int_eq(logread_is_rotated("/srv/log2"), 0);
	ck_assert_int_eq(logread_is_rotated("/srv/log-12"), 0);
}
END_TEST

START_TEST(test_logread_find_rotations)
{
	char	**paths = NULL;
	char	  sub[300];
	size_t	  n = 0, i;

	write_file("mainlog", "");
	write_file("mainlog.1", "");
	write_file("mainlog.2.gz", "");
	write_file("mainlog.11.gz", "");
	write_file("mainlog.bak", "");
	write_file("mainlogx", "");
	write_file("paniclog", "");
	snprintf(sub, sizeof sub, "%s/mainlog.3", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);

	ck_assert_uint_eq(logread_find_rotations(in_dir("mainlog"), &paths,
	    &n), 4);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(paths[0], in_dir("mainlog.11.gz"));
	ck_assert_str_eq(paths[1], in_dir("mainlog.2.gz"));
	ck_assert_str_eq(paths[2], in_dir("mainlog.1"));
	ck_assert_str_eq(paths[3], in_dir("mainlog"));
	ck_assert_uint_eq(logread_find_rotations(in_dir("maillog"), &paths,
	    &n), 0);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
END_TEST

START_TEST(test_logread_default_bases)
{
	ck_assert_str_eq(logread_default_bases[0], "/var/log/exim4/mainlog");
	ck_assert_str_eq(logread_default_bases[1], "/var/log/exim/main.log");
	ck_assert_str_eq(logread_default_bases[2], "/var/log/exim/mainlog");
	ck_assert_str_eq(logread_default_bases[3], "/var/log/mail.log");
	ck_assert_str_eq(logread_default_bases[4], "/var/log/maillog");
	ck_assert_ptr_null(logread_default_bases[5]);
}
END_TEST

/* Check line of len bytes in a buffer of exactly that size both ways. */
static const char *
check_line_both(const char *line, size_t len)
{
	const char	*vector, *portable;
	char		*copy;

	copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, line, len);
	vector = logread_check_line(copy, len);
	portable = logread_check_line_portable(copy, len);
	free(copy);
	ck_assert_msg(vector == portable, "len %zu: %s, portable %s", len,
	    vector != NULL ? vector : "ok",
	    portable != NULL ? portable : "ok");
	return vector;
}

START_TEST(test_logread_check_line_vector_same)
{
	static const char *const inserts[] = {
		"\0", "\x80", "\xff", "\xc3", "\xc3\xa9", "\xe2\x82\xac",
		"\xe2\x82", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\n",
	};
	static const size_t	 insert_len[] = { 1, 1, 1, 1, 2, 3, 2, 4, 3, 1 };
	char			 line[80];
	size_t			 len, pos, i;

	for (len = 0; len <= sizeof line; len++) {
		memset(line, 'a', sizeof line);
		ck_assert_ptr_null(check_line_both(line, len));
		for (pos = 0; pos < len; pos++)
			for (i = 0; i < sizeof inserts / sizeof inserts[0];
			    i++) {
				memset(line, 'a', sizeof line);
				memcpy(line + pos, inserts[i], pos +
				    insert_len[i] <= len ? insert_len[i] :
				    len - pos);
				check_line_both(line, len);
			}
	}

	memset(line, 'a', sizeof line);
	line[40] = '\0';
	ck_assert_str_eq(check_line_both(line, 70), "NUL byte");
	line[40] = '\xff';
	ck_assert_str_eq(check_line_both(line, 70), "invalid UTF-8");
	memcpy(line + 15, "\xc3\xa9", 2);
	line[40] = 'a';
	ck_assert_ptr_null(check_line_both(line, 70));
	ck_assert_str_eq(check_line_both(line, 16), "invalid UTF-8");
	ck_assert_ptr_null(check_line_both(line, 17));
}
END_TEST

/* Buffer of the split tests: a few blocks, so that refills happen. */
#define SPLIT_CAP	(4 * LOGREAD_SCAN_BLOCK + 7)

/*
 * Split data[0, len) into lines as logread_getline does: map what the
 * buffer contains, take lines, and when none is left move the rest to the
 * front and append the next piece, of chunk[k] bytes in turn.  Each line
 * end must be memchr's, and plain must be 1 exactly when the line has no
 * NUL or high byte.  Returns the lines found.
 */
static size_t
split_one_way(const char *data, size_t len, const size_t *chunk,
    size_t nchunk, enum logread_scan_way way)
{
	struct logread_scan	 sc;
	char			 buf[SPLIT_CAP];
	const char		*want, *bad;
	size_t			 start = 0, end = 0, fed = 0, lines = 0;
	size_t			 k = 0, piece, nl, done = 0, i;
	int			 plain;

	sc.newlines = xreallocarray(NULL, logread_scan_words(SPLIT_CAP),
	    sizeof(uint64_t));
	logread_scan_reset(&sc);
	for (;;) {
		logread_scan_map_with(&sc, buf, end, way);
		nl = logread_scan_next(&sc, buf, start, &plain);
		if (nl != LOGREAD_SCAN_NONE) {
			want = memchr(data + done, '\n', len - done);
			ck_assert_ptr_nonnull(want);
			ck_assert_uint_eq(done + nl - start,
			    (size_t)(want - data));
			bad = NULL;
			for (i = start; i < nl; i++)
				if (logread_scan_is_special(buf[i]))
					bad = buf + i;
			ck_assert_msg(plain == (bad == NULL),
			    "way %d, line at %zu: plain %d", (int)way, done,
			    plain);
			done += nl + 1 - start;
			start = nl + 1;
			lines++;
			continue;
		}
		/* No newline: move the rest to the front, as a refill does. */
		memmove(buf, buf + start, end - start);
		end -= start;
		start = 0;
		logread_scan_reset(&sc);
		if (fed == len || end == SPLIT_CAP)
			break;
		piece = chunk[k++ % nchunk];
		if (piece > SPLIT_CAP - end)
			piece = SPLIT_CAP - end;
		if (piece > len - fed)
			piece = len - fed;
		memcpy(buf + end, data + fed, piece);
		end += piece;
		fed += piece;
	}
	/* What is left is the last line without a newline, or too long. */
	ck_assert_ptr_null(memchr(data + done, '\n', fed - done));
	free(sc.newlines);
	return lines;
}

/* Split data every way that logread_scan_map_with offers. */
static void
split_all_ways(const char *data, size_t len, const size_t *chunk,
    size_t nchunk)
{
	size_t	bytes, vector, best;

	bytes = split_one_way(data, len, chunk, nchunk, LOGREAD_SCAN_BYTES);
	vector = split_one_way(data, len, chunk, nchunk, LOGREAD_SCAN_VECTOR);
	best = split_one_way(data, len, chunk, nchunk, LOGREAD_SCAN_BEST);
	ck_assert_uint_eq(vector, bytes);
	ck_assert_uint_eq(best, bytes);
}

START_TEST(test_logread_scan_crafted)
{
	static const char	 specials[] = { '\0', '\x80', '\xc3', '\xff' };
	/* Positions around the 16-, 32- and 64-byte steps of the map. */
	static const size_t	 at[] = {
		0, 1, 15, 16, 17, 31, 32, 33, 62, 63, 64, 65, 127, 128, 129,
		190, 191, 192, 255
	};
	static const size_t	 whole[] = { SPLIT_CAP };
	static const size_t	 pieces[] = { 1, 63, 64, 65, 7, 130 };
	char			 data[260];
	size_t			 i, j, k, n;

	for (i = 0; i < sizeof at / sizeof at[0]; i++)
		for (j = 0; j < sizeof at / sizeof at[0]; j++)
			for (k = 0; k < sizeof specials; k++) {
				memset(data, 'a', sizeof data);
				data[at[i]] = '\n';
				data[at[j]] = specials[k];
				/* Newlines that cut the data into short lines. */
				for (n = at[i] + 40; n < sizeof data; n += 41)
					data[n] = '\n';
				split_all_ways(data, sizeof data, whole, 1);
				split_all_ways(data, sizeof data, pieces,
				    sizeof pieces / sizeof pieces[0]);
			}

	/* A CR keeps a line plain, and lines of one byte or none split. */
	memset(data, '\n', sizeof data);
	data[5] = '\r';
	split_all_ways(data, sizeof data, pieces,
	    sizeof pieces / sizeof pieces[0]);
	ck_assert_uint_eq(split_one_way(data, sizeof data, whole, 1,
	    LOGREAD_SCAN_BEST), sizeof data - 1);
}
END_TEST

/* The next value of a linear congruential generator, 15 bits. */
static uint32_t
split_random(uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 16) & 0x7fff;
}

START_TEST(test_logread_scan_random)
{
	static const char	 bytes[] = {
		'a', 'a', 'a', 'a', 'a', ' ', '\n', '\r', '\0', '\x80',
		'\xff', '\x7f', '\x01'
	};
	static const char	 letters[] = "abcdefghijklmnopqrstuvwxyz";
	char			 data[900];
	size_t			 chunk[5], len, i, k;
	uint32_t		 seed = 77;

	for (i = 0; i < check_rounds(3000); i++) {
		len = split_random(&seed) % sizeof data;
		/* Mostly plain text, with a rare class of bytes per round. */
		for (k = 0; k < len; k++) {
			if (split_random(&seed) % 8 != 0)
				data[k] = letters[k % 26];
			else
				data[k] = bytes[split_random(&seed) %
				    (i % 3 == 0 ? 8 : sizeof bytes)];
		}
		for (k = 0; k < 5; k++)
			chunk[k] = 1 + split_random(&seed) % SPLIT_CAP;
		split_all_ways(data, len, chunk, 5);
	}
}
END_TEST

START_TEST(test_logread_copy_short_lengths)
{
	char		src[300], dst[310], want[310];
	size_t		len, i;
	uint32_t	seed = 9;

	for (i = 0; i < sizeof src; i++)
		src[i] = (char)split_random(&seed);
	/* Every length, with the bytes around the copy left as they were. */
	for (len = 0; len <= sizeof src; len++) {
		memset(dst, '#', sizeof dst);
		memset(want, '#', sizeof want);
		memcpy(want + 5, src, len);
		logread_copy_short(dst + 5, src, len);
		ck_assert_msg(memcmp(dst, want, sizeof dst) == 0, "len %zu",
		    len);
	}
}
END_TEST

START_TEST(test_logread_bad_byte_across_refill)
{
	const char	*path;
	char		 line[200];
	size_t		 written = 0, bad_line = 0, lines = 0;
	FILE		*f;

	/*
	 * Lines of 137 bytes, one with a high byte on each side of the first
	 * refill at LOGREAD_BUF_SIZE and one with a NUL right before its CR.
	 */
	path = in_dir("refill.log");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memset(line, 'a', 136);
	line[136] = '\n';
	while (written < LOGREAD_BUF_SIZE + 1000) {
		lines++;
		if (bad_line == 0 && written + 137 > LOGREAD_BUF_SIZE) {
			bad_line = lines;
			line[LOGREAD_BUF_SIZE - written - 1] = '\xff';
			line[LOGREAD_BUF_SIZE - written] = '\xfe';
		}
		ck_assert_uint_eq(fwrite(line, 1, 137, f), 137);
		memset(line, 'a', 136);
		written += 137;
	}
	fputs("NUL before CR \r\n", f);
	ck_assert_int_eq(fseek(f, -3, SEEK_CUR), 0);
	ck_assert_int_eq(fputc('\0', f), 0);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	fputs("last line \xc3\xa9 without newline", f);
	ck_assert_int_eq(fclose(f), 0);

	open_lr(LOG_FORMAT_EXIM, NULL);
	add_ok(path);
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	ck_assert_uint_eq(st.lines, lines + 2);
	ck_assert_uint_eq(st.bad, 2);
	ck_assert_uint_eq(st.badlist[0].line, bad_line);
	ck_assert_str_eq(st.badlist[0].why, "invalid UTF-8");
	ck_assert_uint_eq(st.badlist[1].line, lines + 1);
	ck_assert_str_eq(st.badlist[1].why, "NUL byte");
	ck_assert_uint_eq(st.unknown, lines);
}
END_TEST

Suite *
make_logread_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("logread");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_logread_merge_two_files);
	tcase_add_test(tc, test_logread_merge_ties_keep_input_order);
	tcase_add_test(tc, test_logread_merge_unsorted_file_keeps_order);
	tcase_add_test(tc, test_logread_budget_resumes);
	tcase_add_test(tc, test_logread_gzip_file);
	tcase_add_test(tc, test_logread_gzip_by_magic_not_name);
	tcase_add_test(tc, test_logread_gzip_members);
	tcase_add_test(tc, test_logread_stdin_pipe);
	tcase_add_test(tc, test_logread_stdin_copy_is_capped);
	tcase_add_test(tc, test_logread_stdin_gzip);
	tcase_add_test(tc, test_logread_missing_file);
	tcase_add_test(tc, test_logread_forced_format);
	tcase_add_test(tc, test_logread_format_per_file);
	tcase_add_test(tc, test_logread_rules_format);
	tcase_add_test(tc, test_logread_merge_untimed_lines);
	tcase_add_test(tc, test_logread_time_window);
	tcase_add_test(tc, test_logread_legacy_file);
	tcase_add_test(tc, test_logread_sort_numbered);
	tcase_add_test(tc, test_logread_sort_dated_and_groups);
	tcase_add_test(tc, test_logread_is_rotated);
	tcase_add_test(tc, test_logread_find_rotations);
	tcase_add_test(tc, test_logread_default_bases);
	tcase_add_test(tc, test_logread_parts_match_one_thread);
	tcase_add_test(tc, test_logread_ring_same_as_direct);
	tcase_add_test(tc, test_logread_ring_repeats_same_as_direct);
	tcase_add_test(tc, test_logread_rules_in_parts);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_logread_gzip_truncated);
	tcase_add_test(tc, test_logread_gzip_cut_inside_data);
	tcase_add_test(tc, test_logread_bad_lines_located);
	tcase_add_test(tc, test_logread_overlong_line_skipped);
	tcase_add_test(tc, test_logread_last_line_without_newline);
	tcase_add_test(tc, test_logread_check_line_vector_same);
	tcase_add_test(tc, test_logread_scan_crafted);
	tcase_add_test(tc, test_logread_scan_random);
	tcase_add_test(tc, test_logread_bad_byte_across_refill);
	tcase_add_test(tc, test_logread_copy_short_lengths);
	suite_add_tcase(s, tc);
	return s;
}
