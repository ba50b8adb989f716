/* Tests for core/outbox_intent.c: settling what a killed writer left. */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "outbox_intent.h"
#include "report.h"
#include "store.h"
#include "xmalloc.h"

static char	 oi_dir[64];
static char	*oi_state;
static char	*oi_outbox;

static void
oi_setup(void)
{
	snprintf(oi_dir, sizeof oi_dir, "/tmp/check_outbox_intent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(oi_dir));
	xasprintf(&oi_state, "%s/state.db", oi_dir);
	xasprintf(&oi_outbox, "%s/outbox", oi_dir);
	ck_assert_int_eq(mkdir(oi_outbox, 0700), 0);
}

static void
oi_teardown(void)
{
	check_remove_tree(oi_dir);
	free(oi_state);
	free(oi_outbox);
	oi_state = oi_outbox = NULL;
}

static struct store *
oi_open(void)
{
	struct store	*st;
	char		*cause = NULL;

	st = store_open(oi_state, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
	return st;
}

/* Add the history row of a report about 192.0.2.1 kept at path. */
static void
oi_add_row(struct store *st, const char *message_id, const char *path,
    int exit_status)
{
	struct store_report	 r;
	const char		*ip = "192.0.2.1";
	char			*cause = NULL;

	memset(&r, 0, sizeof r);
	r.message_id = message_id;
	r.method = "sendmail";
	r.recipient = "abuse@example.net";
	r.path = path;
	r.exit_status = exit_status;
	r.time = 1000;
	ck_assert_msg(store_add_report_ips(st, &r, &ip, 1, &cause) == 0,
	    "store_add_report_ips: %s", cause);
}

static void
oi_begin(struct store *st, const char *action, const char *path,
    const char *message_id)
{
	char	*cause = NULL;

	ck_assert_msg(outbox_intent_begin(st, action, path, message_id,
	    &cause) == 0, "outbox_intent_begin: %s", cause);
}

/* Run a query that returns one integer on the store's connection. */
static long long
oi_count(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	long long	 n;

	ck_assert_int_eq(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

/* Check the number of history rows and of outbox intents. */
static void
oi_assert_counts(struct store *st, long long reports, long long intents)
{
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM reports"),
	    reports);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM outbox_intents"),
	    intents);
}

static size_t
oi_settle(struct store *st)
{
	size_t	 settled = 99;
	char	*cause = NULL;

	ck_assert_msg(outbox_intent_settle(st, &settled, &cause) == 0,
	    "outbox_intent_settle: %s", cause);
	return settled;
}

static void
oi_write(const char *path)
{
	char	*cause = NULL;

	ck_assert_msg(config_write_atomic(path, "x\n", 2, 0600, 0, &cause) ==
	    0, "config_write_atomic: %s", cause);
}

START_TEST(test_intent_link_file_exists)
{
	struct store	*st = oi_open();
	char		*path;

	xasprintf(&path, "%s/a.eml", oi_outbox);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");
	oi_add_row(st, "<a@x>", path, 75);
	oi_write(path);

	ck_assert_uint_eq(oi_settle(st), 1);
	oi_assert_counts(st, 1, 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_link_file_missing)
{
	struct store	*st = oi_open();
	char		*path, *other;

	xasprintf(&path, "%s/a.eml", oi_outbox);
	xasprintf(&other, "%s/b.eml", oi_outbox);
	oi_add_row(st, "<b@x>", other, 75);
	oi_write(other);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");
	oi_add_row(st, "<a@x>", path, 75);
	oi_add_row(st, "<a@x>", path, 75);

	ck_assert_uint_eq(oi_settle(st), 1);
	oi_assert_counts(st, 1, 0);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM reports "
	    "WHERE message_id = '<b@x>'"), 1);
	store_close(st);
	free(path);
	free(other);
}
END_TEST

START_TEST(test_intent_link_before_rows)
{
	struct store	*st = oi_open();
	char		*path;

	/* Killed after the intent and before the rows: only the intent goes. */
	xasprintf(&path, "%s/a.eml", oi_outbox);
	oi_add_row(st, "<old@x>", NULL, 0);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");

	ck_assert_uint_eq(oi_settle(st), 1);
	oi_assert_counts(st, 1, 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_link_folder_missing)
{
	struct store	*st = oi_open();
	char		*path;

	xasprintf(&path, "%s/gone/a.eml", oi_dir);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");
	oi_add_row(st, "<a@x>", path, 75);

	ck_assert_uint_eq(oi_settle(st), 1);
	oi_assert_counts(st, 0, 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_writer_at_work)
{
	struct store	*st = oi_open();
	char		*path, *cause = NULL;
	int		 fd;

	/* A live writer between its rows and its file has the folder locked. */
	xasprintf(&path, "%s/a.eml", oi_outbox);
	fd = outbox_intent_lock(oi_outbox, &cause);
	ck_assert_msg(fd != -1, "outbox_intent_lock: %s", cause);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");
	oi_add_row(st, "<a@x>", path, 75);

	ck_assert_uint_eq(oi_settle(st), 0);
	oi_assert_counts(st, 1, 1);

	/* Once it is gone, the next start settles its intent. */
	outbox_intent_unlock(fd);
	ck_assert_uint_eq(oi_settle(st), 1);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM reports"), 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_remove_after_send)
{
	struct store	*st = oi_open();
	char		*path;

	xasprintf(&path, "%s/a.eml", oi_outbox);
	oi_add_row(st, "<a@x>", path, 75);
	oi_write(path);
	oi_begin(st, OUTBOX_INTENT_REMOVE, path, "<a@x>");
	oi_add_row(st, "<a@x>", NULL, 0);

	ck_assert_uint_eq(oi_settle(st), 1);
	ck_assert_int_eq(access(path, F_OK), -1);
	oi_assert_counts(st, 2, 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_remove_not_recorded)
{
	struct store	*st = oi_open();
	char		*path;

	/* Killed before the sent row: the file stays for a retry. */
	xasprintf(&path, "%s/a.eml", oi_outbox);
	oi_add_row(st, "<a@x>", path, 75);
	oi_write(path);
	oi_begin(st, OUTBOX_INTENT_REMOVE, path, "<a@x>");

	ck_assert_uint_eq(oi_settle(st), 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	oi_assert_counts(st, 1, 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_undo)
{
	struct store	*st = oi_open();
	char		*path, *cause = NULL;

	xasprintf(&path, "%s/a.eml", oi_outbox);
	oi_add_row(st, "<b@x>", path, 75);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");
	oi_add_row(st, "<a@x>", path, 75);
	ck_assert_msg(outbox_intent_undo(st, path, "<a@x>", &cause) == 0,
	    "outbox_intent_undo: %s", cause);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM reports "
	    "WHERE message_id = '<a@x>'"), 0);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM reports "
	    "WHERE message_id = '<b@x>'"), 1);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM outbox_intents"),
	    0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_store_open_settles)
{
	struct store	*st = oi_open();
	char		*path;

	xasprintf(&path, "%s/a.eml", oi_outbox);
	oi_begin(st, OUTBOX_INTENT_LINK, path, "<a@x>");
	oi_add_row(st, "<a@x>", path, 75);
	store_close(st);

	st = oi_open();
	oi_assert_counts(st, 0, 0);
	store_close(st);
	free(path);
}
END_TEST

START_TEST(test_intent_deliver_leaves_none)
{
	struct report_outcome	 out;
	struct config		 cfg;
	struct store		*st = oi_open();
	char			*cause = NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.outbox = oi_outbox;
	ck_assert_msg(report_deliver(&cfg, st, "192.0.2.7", NULL, "x\n",
	    "<d@x>", &out, &cause) == 0, "report_deliver: %s", cause);
	ck_assert_ptr_nonnull(out.path);
	ck_assert_int_eq(access(out.path, F_OK), 0);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM reports WHERE "
	    "message_id = '<d@x>' AND method = 'outbox'"), 1);
	ck_assert_int_eq(oi_count(st, "SELECT count(*) FROM outbox_intents"),
	    0);
	report_outcome_free(&out);

	/* A dry run writes a file and neither a row nor an intent. */
	cfg.dry_run = 1;
	ck_assert_msg(report_deliver(&cfg, st, "192.0.2.8", NULL, "y\n",
	    "<e@x>", &out, &cause) == 0, "report_deliver: %s", cause);
	ck_assert_int_eq(out.dry_run, 1);
	ck_assert_int_eq(check_count_entries(oi_outbox), 2);
	oi_assert_counts(st, 1, 0);
	report_outcome_free(&out);
	store_close(st);
}
END_TEST

Suite *
make_outbox_intent_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("outbox_intent");
	tc = tcase_create("settle");
	tcase_add_checked_fixture(tc, oi_setup, oi_teardown);
	tcase_add_test(tc, test_intent_link_file_exists);
	tcase_add_test(tc, test_intent_link_file_missing);
	tcase_add_test(tc, test_intent_link_before_rows);
	tcase_add_test(tc, test_intent_link_folder_missing);
	tcase_add_test(tc, test_intent_writer_at_work);
	tcase_add_test(tc, test_intent_remove_after_send);
	tcase_add_test(tc, test_intent_remove_not_recorded);
	tcase_add_test(tc, test_intent_undo);
	tcase_add_test(tc, test_intent_store_open_settles);
	tcase_add_test(tc, test_intent_deliver_leaves_none);
	suite_add_tcase(s, tc);
	return s;
}
