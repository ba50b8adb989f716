/*
 * Tests for core/follow.c: lines appended to a followed file, a line
 * written in two parts, rotation by rename and create, copytruncate, a
 * file that vanishes and comes back, a pipe on standard input, and the
 * line budget per poll.  Every change is made before follow_poll runs,
 * so no test waits for anything.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "check_suites.h"
#include "check_util.h"
#include "follow.h"
#include "logread.h"
#include "reason.h"
#include "ts.h"

#define FW_WARN(t, helo, ip) \
	"2026-11-30 " t " H=(" helo ") [" ip "] Warning: HELO verification " \
	"failed\n"

static char			 dir[] = "/tmp/check_follow.XXXXXX";
static char			 live[300];
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
	strcpy(dir, "/tmp/check_follow.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(live, sizeof live, "%s/mainlog", dir);
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

static void
append(const char *path, const char *text)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Start following the given paths after reading what they hold. */
static void
start(const char *const *paths, size_t n)
{
	struct logread_options	 opt;
	char			*cause = NULL;
	size_t			 i;

	memset(&opt, 0, sizeof opt);
	opt.reasons = rt;
	opt.follow = 1;
	lr = logread_create(&opt, agg, &st);
	for (i = 0; i < n; i++)
		ck_assert_msg(logread_add(lr, paths[i], &cause) == 0,
		    "logread_add: %s", cause != NULL ? cause : "");
	ck_assert_int_eq(logread_run(lr, UINT64_MAX), 0);
	agg_finish(agg);
}

static void
start_live(void)
{
	const char	*paths[] = { live };

	start(paths, 1);
}

/* Poll until everything is read; return the messages taken. */
static size_t
poll_all(struct logread_message **m)
{
	int	passes = 0;

	while (follow_poll(lr, FOLLOW_LINES_PER_POLL) == 1)
		ck_assert_int_lt(++passes, 100);
	agg_finish(agg);
	return logread_take_messages(lr, m);
}

static void
poll_quiet(void)
{
	struct logread_message	*m;
	size_t			 n;

	n = poll_all(&m);
	ck_assert_msg(n == 0, "unexpected message: %s", n > 0 ? m[0].text :
	    "");
	logread_messages_free(m, n);
}

static struct client *
find(const char *ip)
{
	struct event_addr	addr;

	memset(&addr, 0, sizeof addr);
	ck_assert_int_eq(inet_pton(AF_INET, ip, addr.bytes), 1);
	addr.family = AF_INET;
	return agg_find(agg, &addr);
}

static char *
evidence_text(const struct client *c, size_t i, int expect_ok)
{
	char	*line = NULL, *cause = NULL;
	int	 rc;

	ck_assert_uint_lt(i, c->nevidence);
	rc = agg_read_evidence(agg, &c->evidence[i], &line, &cause);
	if (expect_ok) {
		ck_assert_msg(rc == 0, "agg_read_evidence: %s",
		    cause != NULL ? cause : "");
		return line;
	}
	ck_assert_int_eq(rc, -1);
	return cause;
}

START_TEST(test_follow_appended_lines)
{
	struct client	**s;
	size_t		  n;

	append(live, FW_WARN("10:00:01", "a.example", "192.0.2.1"));
	start_live();
	ck_assert_uint_eq(logread_following(lr), 1);
	(void)agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 1);

	poll_quiet();
	ck_assert_uint_eq(st.events, 1);

	append(live, FW_WARN("10:00:02", "b.example", "192.0.2.2")
	    FW_WARN("10:00:03", "a.example", "192.0.2.1"));
	poll_quiet();
	s = agg_suspects(agg, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(st.events, 3);
	ck_assert_uint_eq(find("192.0.2.1")->events, 2);
	ck_assert_uint_eq(find("192.0.2.2")->evidence[0].line, 2);
	ck_assert_ptr_nonnull(s[0]);
}
END_TEST

START_TEST(test_follow_line_in_two_writes)
{
	char		*line;
	struct client	*c;

	append(live, "");
	start_live();
	append(live, "2026-11-30 10:00:01 H=(a.example) [192.0.2.1] Warn");
	poll_quiet();
	ck_assert_uint_eq(st.lines, 0);
	append(live, "ing: HELO verification failed\n");
	poll_quiet();
	ck_assert_uint_eq(st.lines, 1);
	ck_assert_uint_eq(st.events, 1);
	c = find("192.0.2.1");
	ck_assert_ptr_nonnull(c);
	line = evidence_text(c, 0, 1);
	ck_assert_str_eq(line, "2026-11-30 10:00:01 H=(a.example) "
	    "[192.0.2.1] Warning: HELO verification failed");
	free(line);
}
END_TEST

START_TEST(test_follow_rename_and_create)
{
	char		 rotated[320], *line;
	struct client	*c;

	snprintf(rotated, sizeof rotated, "%s.1", live);
	append(live, FW_WARN("10:00:01", "a.example", "192.0.2.1"));
	start_live();

	/* Lines written before and after the rename to the old file. */
	append(live, FW_WARN("10:00:02", "a.example", "192.0.2.1"));
	ck_assert_int_eq(rename(live, rotated), 0);
	append(rotated, FW_WARN("10:00:03", "b.example", "192.0.2.2"));
	append(live, FW_WARN("10:00:04", "c.example", "192.0.2.3"));
	poll_quiet();

	ck_assert_uint_eq(st.events, 4);
	ck_assert_uint_eq(find("192.0.2.1")->events, 2);
	ck_assert_ptr_nonnull(find("192.0.2.2"));
	c = find("192.0.2.3");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->evidence[0].line, 1);
	ck_assert_str_eq(agg_file_path(agg, 0), rotated);
	ck_assert_str_eq(agg_file_path(agg, 1), live);

	/* The old file is held open, so its lines read back when gone. */
	ck_assert_int_eq(unlink(rotated), 0);
	line = evidence_text(find("192.0.2.2"), 0, 1);
	ck_assert_str_eq(line, "2026-11-30 10:00:03 H=(b.example) "
	    "[192.0.2.2] Warning: HELO verification failed");
	free(line);
	line = evidence_text(c, 0, 1);
	ck_assert_str_eq(line, "2026-11-30 10:00:04 H=(c.example) "
	    "[192.0.2.3] Warning: HELO verification failed");
	free(line);

	append(live, FW_WARN("10:00:05", "d.example", "192.0.2.4"));
	poll_quiet();
	ck_assert_uint_eq(find("192.0.2.4")->evidence[0].line, 2);
}
END_TEST

START_TEST(test_follow_rotated_file_last_line)
{
	char	rotated[320];

	snprintf(rotated, sizeof rotated, "%s.1", live);
	append(live, FW_WARN("10:00:01", "a.example", "192.0.2.1"));
	start_live();
	/* The old file ends without a newline: its last line still counts. */
	append(live, "2026-11-30 10:00:02 H=(b.example) [192.0.2.2] "
	    "Warning: HELO verification failed");
	ck_assert_int_eq(rename(live, rotated), 0);
	append(live, "");
	poll_quiet();
	ck_assert_uint_eq(st.events, 2);
	ck_assert_ptr_nonnull(find("192.0.2.2"));
}
END_TEST

START_TEST(test_follow_copytruncate)
{
	struct client	*c;
	char		*cause, old[340];

	append(live, FW_WARN("10:00:01", "a.example", "192.0.2.1")
	    FW_WARN("10:00:02", "a.example", "192.0.2.1"));
	start_live();
	ck_assert_int_eq(truncate(live, 0), 0);
	append(live, FW_WARN("10:00:03", "b.example", "192.0.2.2"));
	poll_quiet();

	ck_assert_uint_eq(st.events, 3);
	c = find("192.0.2.2");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->evidence[0].line, 1);
	ck_assert_uint_eq(c->evidence[0].offset, 0);
	snprintf(old, sizeof old, "%s (before truncation)", live);
	ck_assert_str_eq(agg_file_path(agg, 0), old);
	ck_assert_str_eq(agg_file_path(agg, 1), live);
	/* Lines from before the truncation are no longer in the file. */
	cause = evidence_text(find("192.0.2.1"), 0, 0);
	ck_assert_ptr_nonnull(strstr(cause, "is no longer there: the file "
	    "was truncated"));
	free(cause);
	cause = evidence_text(c, 0, 1);
	ck_assert_ptr_nonnull(strstr(cause, "b.example"));
	free(cause);
}
END_TEST

START_TEST(test_follow_vanished_and_back)
{
	struct logread_message	*m;
	char			 expect[512];
	size_t			 n;

	append(live, FW_WARN("10:00:01", "a.example", "192.0.2.1"));
	start_live();
	ck_assert_int_eq(unlink(live), 0);
	n = poll_all(&m);
	ck_assert_uint_eq(n, 1);
	snprintf(expect, sizeof expect, "%s: No such file or directory; the "
	    "lines read so far stay, and the file is read again when it is "
	    "back", live);
	ck_assert_str_eq(m[0].text, expect);
	ck_assert_int_eq(m[0].error, 1);
	logread_messages_free(m, n);
	ck_assert_uint_eq(agg_clients(agg), 1);

	/* Said once, not on every poll. */
	poll_quiet();

	append(live, FW_WARN("10:00:02", "b.example", "192.0.2.2"));
	n = poll_all(&m);
	ck_assert_uint_eq(n, 1);
	snprintf(expect, sizeof expect, "%s is back; reading it from the "
	    "start", live);
	ck_assert_str_eq(m[0].text, expect);
	ck_assert_int_eq(m[0].error, 0);
	logread_messages_free(m, n);
	ck_assert_uint_eq(agg_clients(agg), 2);
	ck_assert_uint_eq(st.events, 2);

	/* The old data and the new file do not share a name in the title. */
	snprintf(expect, sizeof expect, "%s (removed)", live);
	ck_assert_str_eq(agg_file_path(agg, 0), expect);
	ck_assert_str_eq(agg_file_path(agg, 1), live);
	ck_assert_ptr_null(agg_file_path(agg, 2));
}
END_TEST

START_TEST(test_follow_stdin_pipe)
{
	const char	*paths[] = { "-" };
	const char	*more = FW_WARN("10:00:02", "b.example", "192.0.2.2");
	int		 p[2], saved;

	ck_assert_int_eq(pipe(p), 0);
	append(live, "");
	ck_assert_int_eq(write(p[1], FW_WARN("10:00:01", "a.example",
	    "192.0.2.1"), strlen(FW_WARN("10:00:01", "a.example",
	    "192.0.2.1"))), (ssize_t)strlen(FW_WARN("10:00:01", "a.example",
	    "192.0.2.1")));
	saved = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	/* The writer stays open: reading must not wait for it. */
	start(paths, 1);
	ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	ck_assert_uint_eq(st.events, 1);
	ck_assert_uint_eq(logread_following(lr), 1);

	ck_assert_int_eq(write(p[1], more, strlen(more)),
	    (ssize_t)strlen(more));
	poll_quiet();
	ck_assert_uint_eq(st.events, 2);
	close(p[1]);
	poll_quiet();
	ck_assert_uint_eq(logread_following(lr), 0);
}
END_TEST

START_TEST(test_follow_rotations_not_followed)
{
	char		 rotated[320];
	const char	*paths[] = { rotated, live };

	snprintf(rotated, sizeof rotated, "%s.1", live);
	append(rotated, FW_WARN("10:00:01", "a.example", "192.0.2.1"));
	append(live, FW_WARN("10:00:02", "b.example", "192.0.2.2"));
	start(paths, 2);
	ck_assert_uint_eq(logread_following(lr), 1);
	append(rotated, FW_WARN("10:00:03", "c.example", "192.0.2.3"));
	poll_quiet();
	ck_assert_ptr_null(find("192.0.2.3"));
}
END_TEST

START_TEST(test_follow_budget_per_poll)
{
	int	passes = 0;

	append(live, "");
	start_live();
	append(live, FW_WARN("10:00:01", "a.example", "192.0.2.1")
	    FW_WARN("10:00:02", "b.example", "192.0.2.2")
	    FW_WARN("10:00:03", "c.example", "192.0.2.3")
	    FW_WARN("10:00:04", "d.example", "192.0.2.4")
	    FW_WARN("10:00:05", "e.example", "192.0.2.5"));
	while (follow_poll(lr, 2) == 1)
		ck_assert_int_lt(++passes, 10);
	ck_assert_int_eq(passes, 2);
	ck_assert_uint_eq(st.events, 5);
}
END_TEST

Suite *
make_follow_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("follow");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_follow_appended_lines);
	tcase_add_test(tc, test_follow_line_in_two_writes);
	tcase_add_test(tc, test_follow_rename_and_create);
	tcase_add_test(tc, test_follow_rotated_file_last_line);
	tcase_add_test(tc, test_follow_copytruncate);
	tcase_add_test(tc, test_follow_vanished_and_back);
	tcase_add_test(tc, test_follow_stdin_pipe);
	tcase_add_test(tc, test_follow_rotations_not_followed);
	tcase_add_test(tc, test_follow_budget_per_poll);
	suite_add_tcase(s, tc);
	return s;
}
