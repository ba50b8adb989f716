/*
 * Tests for the send lock (core/sendlock.c) and for delivering a report
 * under it (core/report_guard.c).  A busy lock names its holder, and a
 * wait times out with a clear error.  The window and the cap are checked
 * again under the lock, and every recipient of a message is recorded.
 * A second open file description of the lock file stands for another
 * process, because flock(2) locks conflict between descriptions even in
 * one process.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "report.h"
#include "sendlock.h"
#include "store.h"
#include "xmalloc.h"

static char		 sl_dir[64];
static char		*sl_lock;
static struct config	 sl_cfg;
static struct store	*sl_store;
static int		 sl_waited;
static pid_t		 sl_waited_for;

/* A config that pipes reports to a script appending to $dir/sent. */
static void
sl_setup(void)
{
	char	*path, *cause = NULL;
	FILE	*f;

	snprintf(sl_dir, sizeof sl_dir, "/tmp/check_sendlock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sl_dir));
	config_defaults(&sl_cfg);
	free(sl_cfg.outbox);
	xasprintf(&sl_cfg.outbox, "%s/outbox", sl_dir);
	xasprintf(&path, "%s/sendmail", sl_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\ncat >> %s/sent\necho . >> %s/sent\n", sl_dir,
	    sl_dir);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
	sl_cfg.sendmail = path;
	xasprintf(&path, "%s/state.db", sl_dir);
	sl_store = store_open(path, &cause);
	ck_assert_msg(sl_store != NULL, "store_open: %s", cause);
	sl_lock = sendlock_path(path);
	free(path);
	sl_waited = 0;
	sl_waited_for = 0;
}

static void
sl_teardown(void)
{
	store_close(sl_store);
	config_free(&sl_cfg);
	free(sl_lock);
	check_remove_tree(sl_dir);
}

/* Hold the lock as another process would: its own open file. */
static int
sl_hold(const char *pid_text)
{
	int	fd;

	fd = open(sl_lock, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(write(fd, pid_text, strlen(pid_text)),
	    (ssize_t)strlen(pid_text));
	return fd;
}

static void
sl_waiting(pid_t holder, void *arg)
{
	sl_waited++;
	sl_waited_for = holder;
	ck_assert_ptr_eq(arg, &sl_waited);
}

/* The number of messages the fake sendmail received. */
static int
sl_sent(void)
{
	char	*path, line[256];
	FILE	*f;
	int	 n = 0;

	xasprintf(&path, "%s/sent", sl_dir);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			n += strcmp(line, ".\n") == 0;
		fclose(f);
	}
	free(path);
	return n;
}

/* The reports table as "ip recipient" lines, in the order of insertion. */
static char *
sl_rows(void)
{
	sqlite3		*db = store_sqlite(sl_store);
	sqlite3_stmt	*stmt;
	char		*out = xstrdup(""), *next;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT ip, ifnull(recipient, "
	    "'NULL') FROM reports ORDER BY id", -1, &stmt, NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		xasprintf(&next, "%s%s %s\n", out, sqlite3_column_text(stmt, 0),
		    sqlite3_column_text(stmt, 1));
		free(out);
		out = next;
	}
	sqlite3_finalize(stmt);
	return out;
}

START_TEST(test_sendlock_busy_names_holder)
{
	struct sendlock	 l;
	pid_t		 holder = -1;
	char		*cause = NULL;
	struct stat	 sb;
	int		 fd;

	fd = sl_hold("4242\n");
	ck_assert_int_eq(sendlock_try(sl_lock, &l, &holder, &cause), 0);
	ck_assert_int_eq(holder, 4242);
	ck_assert_int_eq(l.fd, -1);
	close(fd);

	ck_assert_int_eq(sendlock_try(sl_lock, &l, &holder, &cause), 1);
	ck_assert_int_eq(holder, 0);
	ck_assert_int_eq(stat(sl_lock, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	/* A second open file, as in another process, finds the lock held. */
	fd = open(sl_lock, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	sendlock_release(&l);
	ck_assert_int_eq(l.fd, -1);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}
END_TEST

START_TEST(test_sendlock_wait_times_out)
{
	struct sendlock	 l;
	char		*cause = NULL, *want;
	int		 fd;

	fd = sl_hold("4242\n");
	ck_assert_int_eq(sendlock_wait(sl_lock, 200, sl_waiting, &sl_waited,
	    &l, &cause), -1);
	ck_assert_int_eq(sl_waited, 1);
	ck_assert_int_eq(sl_waited_for, 4242);
	xasprintf(&want, "timed out after 0.2 s waiting for another "
	    "smtptriage (pid 4242) to finish sending; the send lock is %s",
	    sl_lock);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	close(fd);

	/* Free again: no wait, no message. */
	sl_waited = 0;
	ck_assert_int_eq(sendlock_wait(sl_lock, 200, sl_waiting, &sl_waited,
	    &l, &cause), 0);
	ck_assert_int_eq(sl_waited, 0);
	sendlock_release(&l);
}
END_TEST

/* The lock is gone with the process that held it, even by SIGKILL. */
START_TEST(test_sendlock_dead_holder)
{
	struct sendlock	 l;
	pid_t		 pid, holder;
	char		*cause = NULL;
	int		 pipefd[2], i;
	char		 c;

	ck_assert_int_eq(pipe(pipefd), 0);
	if ((pid = fork()) == 0) {
		if (sendlock_try(sl_lock, &l, &holder, &cause) != 1)
			_exit(1);
		(void)write(pipefd[1], "x", 1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
	ck_assert_int_eq(sendlock_try(sl_lock, &l, &holder, &cause), 0);
	ck_assert_int_eq(holder, pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (i = 0; i < 100 && sendlock_try(sl_lock, &l, &holder, &cause) != 1;
	    i++)
		usleep(10000);
	ck_assert_int_ge(l.fd, 0);
	sendlock_release(&l);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

/*
 * A run that planned its message before another run sent the same report
 * finds that run's row under the lock and sends nothing; force sends.
 */
START_TEST(test_report_checked_window)
{
	static const char *const ips[] = { "192.0.2.7", "192.0.2.8" };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause = NULL, *rows;

	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = 1000;
	ck_assert_msg(report_deliver_checked(&sl_cfg, sl_store, ips, 2,
	    "abuse@example.net", &g, "To: abuse@example.net\n\nfirst\n",
	    "<1@x>", &out, &cause) == 0, "%s", cause);
	ck_assert_int_eq(out.sent, 1);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_NONE);
	report_outcome_free(&out);

	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips + 1, 1,
	    "Abuse@Example.NET", &g, "To: abuse@example.net\n\nsecond\n",
	    "<2@x>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_WINDOW);
	ck_assert_ptr_eq(strstr(out.skip_reason, "192.0.2.8 was reported to "
	    "Abuse@Example.NET at "), out.skip_reason);
	ck_assert_ptr_nonnull(strstr(out.skip_reason, ", within the 7-day "
	    "window"));
	ck_assert_ptr_null(out.path);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);

	g.force = 1;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips + 1, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\nthird\n",
	    "<3@x>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 1);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 2);
	rows = sl_rows();
	ck_assert_str_eq(rows, "192.0.2.7 abuse@example.net\n"
	    "192.0.2.8 abuse@example.net\n192.0.2.8 abuse@example.net\n");
	free(rows);
}
END_TEST

/* The daily report cap applies even with force set. */
START_TEST(test_report_checked_cap)
{
	static const char *const ips[] = { "192.0.2.7", "192.0.2.8" };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause = NULL;

	sl_cfg.report_daily_cap = 1;
	memset(&g, 0, sizeof g);
	g.force = 1;
	g.lock_timeout_ms = 1000;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n1\n", "<1@x>",
	    &out, &cause), 0);
	ck_assert_int_eq(out.sent, 1);
	report_outcome_free(&out);
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips + 1, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n2\n", "<2@x>",
	    &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_CAP);
	ck_assert_str_eq(out.skip_reason, "1 reports went to abuse@example.net "
	    "in the last 24 hours, and report_daily_cap is 1");
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);
}
END_TEST

/* A busy lock: try once reports it; a bounded wait fails clearly. */
START_TEST(test_report_checked_busy)
{
	static const char *const ips[] = { "192.0.2.7" };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause = NULL, *rows;
	int			 fd;

	fd = sl_hold("31337\n");
	memset(&g, 0, sizeof g);
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n1\n", "<1@x>",
	    &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_BUSY);
	ck_assert_int_eq(out.holder, 31337);
	ck_assert_str_eq(out.skip_reason, "waiting for another smtptriage to "
	    "finish sending (pid 31337)");
	report_outcome_free(&out);

	g.lock_timeout_ms = 100;
	g.waiting = sl_waiting;
	g.arg = &sl_waited;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n1\n", "<1@x>",
	    &out, &cause), -1);
	ck_assert_int_eq(sl_waited, 1);
	ck_assert_ptr_eq(strstr(cause, "timed out after 0.1 s waiting for "
	    "another smtptriage (pid 31337) to finish sending"), cause);
	free(cause);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 0);
	rows = sl_rows();
	ck_assert_str_eq(rows, "");
	free(rows);
	close(fd);
}
END_TEST

START_TEST(test_report_recipients_fields)
{
	char	**r, *cause = NULL;
	size_t	  n, i;

	ck_assert_msg(report_recipients("From: a@b.example\nTo: Desk "
	    "<desk@example.net>,\n \"Doe, J\" <jd@example.net>\nSubject: "
	    "x\nCC: noc@example.net\nBcc: archive@example.org, "
	    "DESK@example.net\n\nTo: body@example.com\n", &r, &n, &cause) ==
	    0, "%s", cause);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(r[0], "desk@example.net");
	ck_assert_str_eq(r[1], "jd@example.net");
	ck_assert_str_eq(r[2], "noc@example.net");
	ck_assert_str_eq(r[3], "archive@example.org");
	for (i = 0; i < n; i++)
		free(r[i]);
	free(r);

	ck_assert_int_eq(report_recipients("Subject: none\n\nbody\n", &r, &n,
	    &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(r);

	ck_assert_int_eq(report_recipients("To: a@b.example\nBcc: "
	    "undisclosed-recipients:;\n\nx\n", &r, &n, &cause), -1);
	ck_assert_str_eq(cause, "the Bcc field holds a group; list each "
	    "address");
	ck_assert_uint_eq(n, 0);
	free(cause);
	ck_assert_int_eq(report_recipients("Cc: not an address\n\nx\n", &r,
	    &n, &cause), -1);
	ck_assert_str_eq(cause, "invalid Cc field: invalid address \"not an "
	    "address\": expected local@domain in ASCII");
	free(cause);
}
END_TEST

/* Every recipient is recorded, and each one's window applies. */
START_TEST(test_report_checked_every_recipient)
{
	static const char *const ips[] = { "192.0.2.7", "192.0.2.8" };
	static const char *const rcpts[] = { "abuse@example.net",
	    "archive@example.org" };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause = NULL, *rows;

	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = 1000;
	g.recipients = rcpts;
	g.nrecipients = 2;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 2,
	    "abuse@example.net", &g, "To: abuse@example.net\nBcc: "
	    "archive@example.org\n\n1\n", "<1@x>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 1);
	report_outcome_free(&out);
	rows = sl_rows();
	ck_assert_str_eq(rows, "192.0.2.7 abuse@example.net\n"
	    "192.0.2.7 archive@example.org\n192.0.2.8 abuse@example.net\n"
	    "192.0.2.8 archive@example.org\n");
	free(rows);

	/* Another desk, but the Bcc got 192.0.2.8 already. */
	g.recipients = rcpts + 1;
	g.nrecipients = 1;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips + 1, 1,
	    "noc@example.com", &g, "To: noc@example.com\n\n2\n", "<2@x>", &out,
	    &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_WINDOW);
	ck_assert_ptr_eq(strstr(out.skip_reason, "192.0.2.8 was reported to "
	    "archive@example.org at "), out.skip_reason);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);
}
END_TEST

/* Make the fake sendmail fail (exit status 75) or work again. */
static void
sl_sendmail_fails(int fail)
{
	FILE	*f;

	f = fopen(sl_cfg.sendmail, "w");
	ck_assert_ptr_nonnull(f);
	if (fail)
		fprintf(f, "#!/bin/sh\ncat > /dev/null\nexit 75\n");
	else
		fprintf(f, "#!/bin/sh\ncat >> %s/sent\necho . >> %s/sent\n",
		    sl_dir, sl_dir);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A retry takes the send lock, reads the failed rows again under it, and
 * records the success for every recipient of the failed message.
 */
START_TEST(test_report_retry_under_lock)
{
	static const char *const ips[] = { "192.0.2.7" };
	static const char *const rcpts[] = { "abuse@example.net",
	    "archive@example.org" };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause = NULL;
	int			 fd;

	sl_sendmail_fails(1);
	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = 1000;
	g.recipients = rcpts;
	g.nrecipients = 2;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\nBcc: "
	    "archive@example.org\n\n1\n", "<1@x>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.exit_status, 75);
	report_outcome_free(&out);
	sl_sendmail_fails(0);

	memset(&g, 0, sizeof g);
	fd = sl_hold("777\n");
	ck_assert_int_eq(report_retry_checked(&sl_cfg, sl_store, "<1@x>", &g,
	    &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_BUSY);
	ck_assert_str_eq(out.skip_reason, "waiting for another smtptriage to "
	    "finish sending (pid 777)");
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 0);
	close(fd);

	ck_assert_msg(report_retry_checked(&sl_cfg, sl_store, "<1@x>", &g,
	    &out, &cause) == 0, "%s", cause);
	ck_assert_int_eq(out.sent, 1);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);
	ck_assert_int_gt(store_last_report_to(sl_store, "192.0.2.7",
	    "abuse@example.net", &cause), 0);
	ck_assert_int_gt(store_last_report_to(sl_store, "192.0.2.7",
	    "archive@example.org", &cause), 0);

	/* A retry that comes after the send counts it as sent by another. */
	ck_assert_int_eq(report_retry_checked(&sl_cfg, sl_store, "<1@x>", &g,
	    &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_SENT);
	ck_assert_str_eq(out.skip_reason, "report <1@x> was sent by another "
	    "smtptriage meanwhile");
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);

	ck_assert_int_eq(report_retry_checked(&sl_cfg, sl_store, "<2@x>", &g,
	    &out, &cause), -1);
	ck_assert_str_eq(cause, "no failed report has Message-ID <2@x>");
	free(cause);
	report_outcome_free(&out);
}
END_TEST

/* A waiting callback that creates the file arg names. */
static void
sl_flag_waiting(pid_t holder, void *arg)
{
	int	fd;

	if ((fd = open(arg, O_WRONLY | O_CREAT, 0600)) != -1)
		close(fd);
}

/*
 * A retry that waited for the lock while another process sent the same
 * report finds it sent and does not send it again.
 */
START_TEST(test_report_retry_sent_meanwhile)
{
	static const char *const ips[] = { "192.0.2.7" };
	struct store_report	 row;
	struct report_guard	 g;
	struct report_outcome	 out;
	struct store		*st;
	char			*cause = NULL, *path, *flag;
	pid_t			 pid;
	int			 fd, status, i;

	sl_sendmail_fails(1);
	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = 1000;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n1\n",
	    "<1@x>", &out, &cause), 0);
	report_outcome_free(&out);
	sl_sendmail_fails(0);

	fd = sl_hold("777\n");
	xasprintf(&path, "%s/state.db", sl_dir);
	xasprintf(&flag, "%s/waiting", sl_dir);
	if ((pid = fork()) == 0) {
		/* A copy of fd would keep the parent's lock alive. */
		close(fd);
		/* Its own connection: SQLite handles do not survive fork. */
		if ((st = store_open(path, &cause)) == NULL)
			_exit(2);
		g.lock_timeout_ms = 3000;
		g.waiting = sl_flag_waiting;
		g.arg = flag;
		if (report_retry_checked(&sl_cfg, st, "<1@x>", &g, &out,
		    &cause) == -1)
			status = 3;
		else if (out.skipped == REPORT_SKIP_SENT)
			status = 0;
		else
			status = 4;
		/* Free the child's own allocations for valgrind's leak check. */
		report_outcome_free(&out);
		store_close(st);
		free(path);
		free(flag);
		_exit(status);
	}
	free(path);
	/* The child found the failed row and waits for the lock. */
	for (i = 0; i < 300 && access(flag, F_OK) == -1; i++)
		usleep(10000);
	ck_assert_int_eq(access(flag, F_OK), 0);
	free(flag);
	memset(&row, 0, sizeof row);
	row.recipient = "abuse@example.net";
	row.message_id = "<1@x>";
	row.method = "sendmail";
	row.time = time(NULL);
	ck_assert_int_eq(store_add_report_ips(sl_store, &row, ips, 1, &cause),
	    0);
	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(sl_sent(), 0);
}
END_TEST

/* The number of .eml files in the outbox. */
static int
sl_outbox_files(void)
{
	struct dirent	*e;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(sl_cfg.outbox)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) > 4 && strcmp(e->d_name +
		    strlen(e->d_name) - 4, ".eml") == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Count the failed rows that a retry would list. */
static void
sl_count_failed(const struct store_report *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
}

/*
 * A failed report waiting in the outbox keeps a second report about the
 * same IP to the same recipient back, even with force.
 */
START_TEST(test_report_checked_waiting)
{
	static const char *const ips[] = { "192.0.2.7", "192.0.2.8" };
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause = NULL;

	sl_sendmail_fails(1);
	memset(&g, 0, sizeof g);
	g.lock_timeout_ms = 1000;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n1\n",
	    "<1@x>", &out, &cause), 0);
	ck_assert_int_eq(out.exit_status, 75);
	report_outcome_free(&out);
	sl_sendmail_fails(0);
	ck_assert_int_eq(store_failed_waiting(sl_store, "192.0.2.7",
	    "Abuse@Example.NET", &cause), 1);
	ck_assert_int_eq(store_failed_waiting(sl_store, "192.0.2.8",
	    "abuse@example.net", &cause), 0);

	g.force = 1;
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 2,
	    "abuse@example.net", &g, "To: abuse@example.net\n\n2\n",
	    "<2@x>", &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_WAITING);
	ck_assert_str_eq(out.skip_reason, "a failed report about 192.0.2.7 "
	    "to abuse@example.net waits in the outbox; --retry or F sends it");
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 0);
	ck_assert_int_eq(sl_outbox_files(), 1);

	/* Another recipient is not held back. */
	ck_assert_int_eq(report_deliver_checked(&sl_cfg, sl_store, ips, 2,
	    "abuse@example.org", &g, "To: abuse@example.org\n\n3\n",
	    "<3@x>", &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_NONE);
	ck_assert_int_eq(out.sent, 1);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);
}
END_TEST

/*
 * Two failed reports about the same IP: the retry sends the first, and
 * drops the second under the lock, because the IP was reported since.
 */
START_TEST(test_report_retry_drops_superseded)
{
	static const char *const ips[] = { "192.0.2.7" };
	struct report_outcome	 out;
	char			*cause = NULL, *rows;
	int			 failed = 0;

	sl_sendmail_fails(1);
	ck_assert_int_eq(report_deliver_ips(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", "To: abuse@example.net\n\n1\n", "<1@x>",
	    &out, &cause), 0);
	report_outcome_free(&out);
	ck_assert_int_eq(report_deliver_ips(&sl_cfg, sl_store, ips, 1,
	    "abuse@example.net", "To: abuse@example.net\n\n2\n", "<2@x>",
	    &out, &cause), 0);
	report_outcome_free(&out);
	ck_assert_int_eq(sl_outbox_files(), 2);
	sl_sendmail_fails(0);

	ck_assert_msg(report_retry(&sl_cfg, sl_store, "<1@x>", &out,
	    &cause) == 0, "%s", cause);
	ck_assert_int_eq(out.sent, 1);
	report_outcome_free(&out);

	ck_assert_msg(report_retry(&sl_cfg, sl_store, "<2@x>", &out,
	    &cause) == 0, "%s", cause);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_SUPERSEDED);
	ck_assert_ptr_eq(strstr(out.skip_reason, "192.0.2.7 was reported to "
	    "abuse@example.net at "), out.skip_reason);
	ck_assert_ptr_nonnull(strstr(out.skip_reason, ", within the 7-day "
	    "window"));
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);
	ck_assert_int_eq(sl_outbox_files(), 0);
	ck_assert_int_eq(store_each_failed(sl_store, sl_count_failed, &failed,
	    &cause), 0);
	ck_assert_int_eq(failed, 0);
	ck_assert_int_eq(store_failed_waiting(sl_store, "192.0.2.7",
	    "abuse@example.net", &cause), 0);
	/* The dropped rows stay, with their exit status and no path. */
	rows = sl_rows();
	ck_assert_str_eq(rows, "192.0.2.7 abuse@example.net\n"
	    "192.0.2.7 abuse@example.net\n192.0.2.7 abuse@example.net\n");
	free(rows);

	/* A later retry of it fails nothing. */
	ck_assert_int_eq(report_retry(&sl_cfg, sl_store, "<2@x>", &out,
	    &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_SUPERSEDED);
	ck_assert_str_eq(out.skip_reason, "report <2@x> was dropped by "
	    "another smtptriage meanwhile");
	report_outcome_free(&out);
	ck_assert_int_eq(sl_sent(), 1);
}
END_TEST

Suite *
make_sendlock_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("sendlock");
	tc = tcase_create("lock");
	tcase_add_checked_fixture(tc, sl_setup, sl_teardown);
	tcase_add_test(tc, test_sendlock_busy_names_holder);
	tcase_add_test(tc, test_sendlock_wait_times_out);
	tcase_add_test(tc, test_sendlock_dead_holder);
	suite_add_tcase(s, tc);

	tc = tcase_create("deliver");
	tcase_add_checked_fixture(tc, sl_setup, sl_teardown);
	tcase_add_test(tc, test_report_checked_window);
	tcase_add_test(tc, test_report_checked_cap);
	tcase_add_test(tc, test_report_checked_busy);
	tcase_add_test(tc, test_report_checked_waiting);
	tcase_add_test(tc, test_report_retry_drops_superseded);
	tcase_add_test(tc, test_report_recipients_fields);
	tcase_add_test(tc, test_report_checked_every_recipient);
	tcase_add_test(tc, test_report_retry_under_lock);
	tcase_add_test(tc, test_report_retry_sent_meanwhile);
	suite_add_tcase(s, tc);
	return s;
}
