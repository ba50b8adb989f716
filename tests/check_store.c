/* Tests for core/store.c: marks, report history and shared use. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check_suites.h"
#include "check_util.h"
#include "store.h"
#include "xmalloc.h"

static char	 st_dir[64];
static char	*st_path;

static void
st_setup(void)
{
	snprintf(st_dir, sizeof st_dir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(st_dir));
	xasprintf(&st_path, "%s/state/state.db", st_dir);
}

static void
st_teardown(void)
{
	check_remove_tree(st_dir);
	free(st_path);
	st_path = NULL;
}

static struct store *
open_ok(void)
{
	struct store	*st;
	char		*cause = NULL;

	st = store_open(st_path, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
	return st;
}

/* Run one SQL statement on a raw connection to the test database. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3	*db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Read one text value from the test database. */
static char *
raw_text(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		*out = NULL;

	ck_assert_int_eq(sqlite3_open(st_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		out = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return out;
}

static void
collect_ip(const char *ip, void *arg)
{
	char	**list = arg;
	char	 *old = *list;

	xasprintf(list, "%s%s;", old != NULL ? old : "", ip);
	free(old);
}

static void
collect_report(const char *ip, int64_t time, void *arg)
{
	char	**list = arg;
	char	 *old = *list;

	xasprintf(list, "%s%s=%lld;", old != NULL ? old : "", ip,
	    (long long)time);
	free(old);
}

static void
add_report(struct store *st, const char *ip, const char *method,
    int exit_status, int64_t time)
{
	struct store_report	 r;
	char			*cause = NULL;

	memset(&r, 0, sizeof r);
	r.ip = ip;
	r.recipient = "abuse@example.net";
	r.message_id = "<1.2@example.org>";
	r.method = method;
	r.path = strcmp(method, "outbox") == 0 ? "/tmp/x.eml" : NULL;
	r.exit_status = exit_status;
	r.time = time;
	ck_assert_msg(store_add_report(st, &r, &cause) == 0, "%s", cause);
}

START_TEST(test_store_file_modes)
{
	struct store	*st;
	struct stat	 sb;
	char		*dir;

	st = open_ok();
	ck_assert_int_eq(stat(st_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	xasprintf(&dir, "%s/state", st_dir);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	free(dir);
	store_close(st);
}
END_TEST

START_TEST(test_store_wal_and_version)
{
	struct store	*st;
	char		*got;

	st = open_ok();
	got = raw_text("PRAGMA journal_mode");
	ck_assert_str_eq(got, "wal");
	free(got);
	got = raw_text("PRAGMA user_version");
	ck_assert_str_eq(got, "1");
	free(got);
	store_close(st);
}
END_TEST

START_TEST(test_store_mark_set_clear)
{
	struct store	*st;
	char		*cause = NULL;

	st = open_ok();
	ck_assert_int_eq(store_is_marked(st, "192.0.2.1", &cause), 0);
	ck_assert_int_eq(store_set_mark(st, "192.0.2.1", 1, &cause), 0);
	ck_assert_int_eq(store_is_marked(st, "192.0.2.1", &cause), 1);
	ck_assert_int_eq(store_set_mark(st, "192.0.2.1", 1, &cause), 0);
	ck_assert_int_eq(store_is_marked(st, "192.0.2.1", &cause), 1);
	ck_assert_int_eq(store_set_mark(st, "192.0.2.1", 0, &cause), 0);
	ck_assert_int_eq(store_is_marked(st, "192.0.2.1", &cause), 0);
	store_close(st);
}
END_TEST

START_TEST(test_store_mark_persists)
{
	struct store	*st;
	char		*cause = NULL;

	st = open_ok();
	ck_assert_int_eq(store_set_mark(st, "2001:db8::7", 1, &cause), 0);
	store_close(st);
	st = open_ok();
	ck_assert_int_eq(store_is_marked(st, "2001:db8::7", &cause), 1);
	store_close(st);
}
END_TEST

START_TEST(test_store_mark_normal_form)
{
	struct store	*st;
	char		*cause = NULL;

	st = open_ok();
	ck_assert_int_eq(store_set_mark(st, "2001:DB8:0::7", 1, &cause), 0);
	ck_assert_int_eq(store_is_marked(st, "2001:db8::7", &cause), 1);
	store_close(st);
}
END_TEST

START_TEST(test_store_mark_invalid_ip)
{
	struct store	*st;
	char		*cause = NULL;

	st = open_ok();
	ck_assert_int_eq(store_set_mark(st, "192.0.2.300", 1, &cause), -1);
	ck_assert_str_eq(cause, "invalid IP address \"192.0.2.300\"");
	free(cause);
	ck_assert_int_eq(store_is_marked(st, "'; DROP TABLE marks; --",
	    &cause), -1);
	ck_assert_str_eq(cause, "invalid IP address \"'; DROP TABLE marks; "
	    "--\"");
	free(cause);
	store_close(st);
}
END_TEST

START_TEST(test_store_each_mark)
{
	struct store	*st;
	char		*cause = NULL, *list = NULL;

	st = open_ok();
	ck_assert_int_eq(store_set_mark(st, "198.51.100.2", 1, &cause), 0);
	ck_assert_int_eq(store_set_mark(st, "192.0.2.1", 1, &cause), 0);
	ck_assert_int_eq(store_set_mark(st, "203.0.113.5", 1, &cause), 0);
	ck_assert_int_eq(store_set_mark(st, "203.0.113.5", 0, &cause), 0);
	ck_assert_int_eq(store_each_mark(st, collect_ip, &list, &cause), 0);
	ck_assert_str_eq(list, "192.0.2.1;198.51.100.2;");
	free(list);
	store_close(st);
}
END_TEST

START_TEST(test_store_last_report)
{
	struct store	*st;
	char		*cause = NULL;

	st = open_ok();
	ck_assert_int_eq(store_last_report(st, "192.0.2.1", &cause), 0);
	add_report(st, "192.0.2.1", "outbox", 0, 1000);
	add_report(st, "192.0.2.1", "sendmail", 0, 3000);
	add_report(st, "192.0.2.1", "sendmail", 75, 5000);
	add_report(st, "192.0.2.2", "sendmail", 0, 7000);
	ck_assert_int_eq(store_last_report(st, "192.0.2.1", &cause), 3000);
	ck_assert_int_eq(store_last_report(st, "192.0.2.2", &cause), 7000);
	store_close(st);
}
END_TEST

/* A report kept in the outbox without a recipient was sent to no one. */
START_TEST(test_store_outbox_without_recipient)
{
	struct store		*st;
	struct store_report	 r;
	char			*cause = NULL, *list = NULL;

	st = open_ok();
	memset(&r, 0, sizeof r);
	r.ip = "192.0.2.3";
	r.message_id = "<3.4@example.org>";
	r.method = "outbox";
	r.path = "/tmp/y.eml";
	r.time = 2000;
	ck_assert_msg(store_add_report(st, &r, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_last_report(st, "192.0.2.3", &cause), 0);
	ck_assert_int_eq(store_each_report(st, collect_report, &list,
	    &cause), 0);
	ck_assert_ptr_null(list);

	add_report(st, "192.0.2.3", "outbox", 0, 1000);
	ck_assert_int_eq(store_last_report(st, "192.0.2.3", &cause), 1000);
	ck_assert_int_eq(store_each_report(st, collect_report, &list,
	    &cause), 0);
	ck_assert_str_eq(list, "192.0.2.3=1000;");
	free(list);
	store_close(st);
}
END_TEST

START_TEST(test_store_failed_report_only)
{
	struct store	*st;
	char		*cause = NULL, *got;

	st = open_ok();
	add_report(st, "192.0.2.9", "sendmail", 75, 5000);
	ck_assert_int_eq(store_last_report(st, "192.0.2.9", &cause), 0);
	got = raw_text("SELECT method || ' ' || exit_status || ' ' || "
	    "recipient FROM reports");
	ck_assert_str_eq(got, "sendmail 75 abuse@example.net");
	free(got);
	store_close(st);
}
END_TEST

START_TEST(test_store_each_report)
{
	struct store	*st;
	char		*cause = NULL, *list = NULL;

	st = open_ok();
	add_report(st, "192.0.2.1", "outbox", 0, 1000);
	add_report(st, "192.0.2.1", "sendmail", 0, 3000);
	add_report(st, "192.0.2.3", "sendmail", 1, 4000);
	add_report(st, "2001:db8::1", "sendmail", 0, 2000);
	ck_assert_int_eq(store_each_report(st, collect_report, &list, &cause),
	    0);
	ck_assert_str_eq(list, "192.0.2.1=3000;2001:db8::1=2000;");
	free(list);
	store_close(st);
}
END_TEST

START_TEST(test_store_report_bad_method)
{
	struct store		*st;
	struct store_report	 r;
	char			*cause = NULL;

	st = open_ok();
	memset(&r, 0, sizeof r);
	r.ip = "192.0.2.1";
	r.message_id = "<x@y>";
	r.method = "carrier-pigeon";
	ck_assert_int_eq(store_add_report(st, &r, &cause), -1);
	ck_assert_str_eq(cause, "invalid report method \"carrier-pigeon\": "
	    "expected outbox or sendmail");
	free(cause);
	store_close(st);
}
END_TEST

START_TEST(test_store_two_connections)
{
	struct store	*one, *two;
	char		*cause = NULL;

	one = open_ok();
	two = open_ok();
	ck_assert_int_eq(store_set_mark(one, "192.0.2.1", 1, &cause), 0);
	ck_assert_int_eq(store_is_marked(two, "192.0.2.1", &cause), 1);
	add_report(two, "192.0.2.1", "sendmail", 0, 4242);
	ck_assert_int_eq(store_last_report(one, "192.0.2.1", &cause), 4242);
	ck_assert_int_eq(store_set_mark(two, "192.0.2.1", 0, &cause), 0);
	ck_assert_int_eq(store_is_marked(one, "192.0.2.1", &cause), 0);
	store_close(one);
	store_close(two);
}
END_TEST

START_TEST(test_store_waits_for_writer)
{
	struct store	*st;
	sqlite3		*db;
	pid_t		 pid;
	int		 status, go[2];
	char		 c, *cause = NULL;

	st = open_ok();
	store_close(st);

	/*
	 * Fork before the parent opens its connection: SQLite connections
	 * must not cross fork.  The child's change must wait for the
	 * parent's write lock, not fail.
	 */
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		st = store_open(st_path, &cause);
		if (st == NULL)
			_exit(2);
		_exit(store_set_mark(st, "192.0.2.1", 1, &cause) == 0 ? 0 : 1);
	}
	close(go[0]);
	ck_assert_int_eq(sqlite3_open(st_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	close(go[1]);
	usleep(500 * 1000);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);

	st = open_ok();
	ck_assert_int_eq(store_is_marked(st, "192.0.2.1", &cause), 1);
	store_close(st);
}
END_TEST

/*
 * Eight programs open one new database at the same moment, several
 * rounds: each must switch it to WAL mode or find it switched, and keep
 * its mark.  Without a retry, SQLite returns "database is locked" here.
 */
START_TEST(test_store_new_database_opened_at_once)
{
	struct store	*st;
	pid_t		 pids[8];
	int		 round, go[2], status, n;
	size_t		 i;
	char		 ip[32], c, *side, *cause = NULL;

	for (round = 0; round < 5; round++) {
		xasprintf(&side, "%s-wal", st_path);
		unlink(side);
		free(side);
		xasprintf(&side, "%s-shm", st_path);
		unlink(side);
		free(side);
		unlink(st_path);
		ck_assert_int_eq(pipe(go), 0);
		for (i = 0; i < 8; i++) {
			pids[i] = fork();
			ck_assert_int_ne(pids[i], -1);
			if (pids[i] != 0)
				continue;
			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			st = store_open(st_path, &cause);
			if (st == NULL)
				_exit(2);
			snprintf(ip, sizeof ip, "192.0.2.%zu", i + 1);
			_exit(store_set_mark(st, ip, 1, &cause) == 0 ? 0 : 1);
		}
		close(go[0]);
		close(go[1]);	/* every child's read returns 0 now */
		for (i = 0; i < 8; i++) {
			ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
			ck_assert(WIFEXITED(status));
			ck_assert_int_eq(WEXITSTATUS(status), 0);
		}
		st = open_ok();
		n = 0;
		for (i = 0; i < 8; i++) {
			snprintf(ip, sizeof ip, "192.0.2.%zu", i + 1);
			n += store_is_marked(st, ip, &cause);
		}
		ck_assert_int_eq(n, 8);
		store_close(st);
	}
}
END_TEST

START_TEST(test_store_newer_schema)
{
	struct store	*st;
	char		*cause = NULL, *want;

	st = open_ok();
	store_close(st);
	raw_exec(st_path, "PRAGMA user_version = 99");
	ck_assert_ptr_null(store_open(st_path, &cause));
	xasprintf(&want, "state database %s has schema version 99, newer "
	    "than this program's 1; use a newer smtptriage", st_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_store_foreign_database)
{
	char	*dir, *cause = NULL, *want;

	xasprintf(&dir, "%s/state", st_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	free(dir);
	raw_exec(st_path, "CREATE TABLE notes (text TEXT)");
	ck_assert_ptr_null(store_open(st_path, &cause));
	xasprintf(&want, "state database %s holds tables of another program",
	    st_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_store_not_a_database)
{
	FILE	*f;
	char	*dir, *cause = NULL, *want;

	xasprintf(&dir, "%s/state", st_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	free(dir);
	f = fopen(st_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an SQLite file, just some text that fills "
	    "more than the header of one", f);
	fclose(f);
	ck_assert_ptr_null(store_open(st_path, &cause));
	xasprintf(&want, "state database %s: PRAGMA journal_mode = WAL: file "
	    "is not a database", st_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

Suite *
make_store_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("store");
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, st_setup, st_teardown);
	tcase_add_test(tc, test_store_file_modes);
	tcase_add_test(tc, test_store_wal_and_version);
	tcase_add_test(tc, test_store_mark_set_clear);
	tcase_add_test(tc, test_store_mark_persists);
	tcase_add_test(tc, test_store_mark_normal_form);
	tcase_add_test(tc, test_store_mark_invalid_ip);
	tcase_add_test(tc, test_store_each_mark);
	tcase_add_test(tc, test_store_last_report);
	tcase_add_test(tc, test_store_outbox_without_recipient);
	tcase_add_test(tc, test_store_failed_report_only);
	tcase_add_test(tc, test_store_each_report);
	tcase_add_test(tc, test_store_report_bad_method);
	tcase_add_test(tc, test_store_two_connections);
	tcase_add_test(tc, test_store_waits_for_writer);
	tcase_add_test(tc, test_store_new_database_opened_at_once);
	tcase_add_test(tc, test_store_newer_schema);
	tcase_add_test(tc, test_store_foreign_database);
	tcase_add_test(tc, test_store_not_a_database);
	suite_add_tcase(s, tc);
	return s;
}
