/*
 * Tests for the console's report flow (tui/ui_report.c) without a
 * terminal: the pager, editing through $EDITOR (a shell script here),
 * typing the recipient, y and n over a batch of messages, the provider
 * batch, the retry key and the detail pane's lines.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "provider.h"
#include "sendlock.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

#define UR_NCLIENTS	4
/* Control-U clears the recipient being typed. */
#define UR_KEY_CTRL_U	0x15

static char			 ur_dir[64];
static struct config		 cfg;
static struct ui_context	 ctx;
static struct ui		 ui;
static struct client		 clients[UR_NCLIENTS];
static struct client		*list[UR_NCLIENTS];
static struct agg_count		 helos[UR_NCLIENTS];
static struct agg_count		 reasons[UR_NCLIENTS];
static char			 helo_names[UR_NCLIENTS][40];
static char			 rdns_names[UR_NCLIENTS][40];
static char			 reason_name[] = "helo_verify_failed";

/*
 * 0: 192.0.2.10, HELO host0.example.com only (no verified recipient).
 * 1: 192.0.2.11 and 2: 192.0.2.12, verified rDNS under example.net.
 * 3: 198.51.100.13 in the configured range of "Example Hosting".
 */
static void
ur_clients(void)
{
	static const char *const ips[UR_NCLIENTS] = { "192.0.2.10",
	    "192.0.2.11", "192.0.2.12", "198.51.100.13" };
	size_t	i;

	memset(clients, 0, sizeof clients);
	for (i = 0; i < UR_NCLIENTS; i++) {
		snprintf(clients[i].ip, sizeof clients[i].ip, "%s", ips[i]);
		clients[i].addr.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ips[i],
		    clients[i].addr.bytes), 1);
		snprintf(helo_names[i], sizeof helo_names[i],
		    "host%zu.example.com", i);
		helos[i].name = helo_names[i];
		helos[i].count = 1;
		clients[i].helos = &helos[i];
		clients[i].nhelos = 1;
		reasons[i].name = reason_name;
		reasons[i].count = 1;
		clients[i].reasons = &reasons[i];
		clients[i].nreasons = 1;
		clients[i].events = 1;
		clients[i].suspect = 1;
		list[i] = &clients[i];
	}
	snprintf(rdns_names[1], sizeof rdns_names[1], "mx1.example.net");
	snprintf(rdns_names[2], sizeof rdns_names[2], "mx2.example.net");
	clients[1].rdns = rdns_names[1];
	clients[2].rdns = rdns_names[2];
}

static void
ur_setup(void)
{
	char	*cause = NULL;

	snprintf(ur_dir, sizeof ur_dir, "/tmp/check_ui_report.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ur_dir));
	config_defaults(&cfg);
	/* Skip the prompt before reports, which check_ui_view.c covers. */
	cfg.confirm = 0;
	free(cfg.outbox);
	xasprintf(&cfg.outbox, "%s/outbox", ur_dir);
	free(cfg.from);
	cfg.from = xstrdup("Abuse Desk <abuse@example.org>");
	ck_assert_int_eq(provider_table_add(cfg.providers, "Example Hosting",
	    "198.51.100.0/24", &cause), 0);
	ck_assert_int_eq(provider_table_add_recipient(cfg.providers,
	    "Example Hosting", 1, "abuse@hosting.example", &cause), 0);

	check_ui_context(&ctx, &cfg, ur_dir);
	setenv("TZ", "UTC", 1);
	tzset();
	ur_clients();
	ui_init(&ui, &ctx);
	ui.page = 10;
	ui.text_page = 10;
	ui_set_suspects(&ui, list, UR_NCLIENTS);
}

static void
ur_teardown(void)
{
	ui_free(&ui);
	store_close(ctx.store);
	wl_free(ctx.wl);
	config_free(&cfg);
	if (check_remove_tree(ur_dir) == -1)
		fprintf(stderr, "could not remove %s\n", ur_dir);
}

static size_t
ur_outbox(char **first)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	if (first != NULL)
		*first = NULL;
	if ((d = opendir(cfg.outbox)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0 && first != NULL)
			xasprintf(first, "%s/%s", cfg.outbox, de->d_name);
	}
	closedir(d);
	return n;
}

/* Select row i of the list. */
static void
ur_select(size_t i)
{
	ui_move_to(&ui, i);
	ck_assert_ptr_eq(ui_selected(&ui), &clients[i]);
}

START_TEST(test_ui_report_pager_title_and_scroll)
{
	char	*title, *status, *expect;

	ur_select(1);
	ui.text_page = 3;
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_nonnull(strstr(ui.report_msg, "\nTo: abuse@example.net\n"));
	title = ui_report_title(&ui);
	ck_assert_str_eq(title, " Report about 192.0.2.11: y sends, n cancels, "
	    "e edits, t sets To, j/k scroll ");
	free(title);
	status = ui_report_status(&ui);
	xasprintf(&expect, "y writes it to the outbox %s, addressed to "
	    "abuse@example.net", cfg.outbox);
	ck_assert_str_eq(status, expect);
	free(expect);
	free(status);
	ui_key(&ui, KEY_NPAGE);
	ck_assert_uint_eq(ui.report_top, 3);
	ui_key(&ui, KEY_END);
	ck_assert_uint_eq(ui.report_top, ui.nreport_lines - 3);
	ui_key(&ui, 'k');
	ck_assert_uint_eq(ui.report_top, ui.nreport_lines - 4);
	ui_key(&ui, KEY_HOME);
	ck_assert_uint_eq(ui.report_top, 0);
}
END_TEST

START_TEST(test_ui_report_unverified_asks_for_to)
{
	char	*status, *path, *text;

	ur_select(0);
	ui_key(&ui, 'r');
	ck_assert_ptr_null(strstr(ui.report_msg, "\nTo:"));
	status = ui_report_status(&ui);
	ck_assert_str_eq(status, "no verified recipient: t to address it "
	    "(suggested abuse@example.com, from an unverified name), or y "
	    "writes it to the outbox");
	free(status);

	/* t fills in the suggestion; the admin edits and confirms it. */
	ui_key(&ui, 't');
	status = ui_report_status(&ui);
	ck_assert_str_eq(status, "To (Enter sets, Esc cancels): "
	    "abuse@example.com_");
	free(status);
	ui_key(&ui, UR_KEY_CTRL_U);
	ui_key(&ui, 'x');
	ui_key(&ui, '@');
	ui_key(&ui, 'z');
	ui_key(&ui, KEY_BACKSPACE);
	ui_key(&ui, KEY_F(1));	/* not printable ASCII: ignored */
	status = ui_report_status(&ui);
	ck_assert_str_eq(status, "To (Enter sets, Esc cancels): x@_");
	free(status);
	ui_key(&ui, '\r');
	/* The prompt stays, with the reason on the status line. */
	status = ui_report_status(&ui);
	ck_assert_str_eq(status, "To (Enter sets, Esc cancels): x@_  invalid "
	    "recipient \"x@\": the part after the @ is not a valid host "
	    "name; expected one address such as abuse@example.net");
	free(status);
	ui_key(&ui, '@');
	status = ui_report_status(&ui);
	ck_assert_str_eq(status, "To (Enter sets, Esc cancels): x@@_");
	free(status);
	ui_key(&ui, '\r');
	status = ui_report_status(&ui);
	ck_assert_ptr_nonnull(strstr(status, "_  invalid recipient \"x@@\": "
	    "it has more than one @;"));
	free(status);
	ui_key(&ui, KEY_BACKSPACE);
	ui_key(&ui, 'y');
	ui_key(&ui, '.');
	ui_key(&ui, 'c');
	ui_key(&ui, 'o');
	ui_key(&ui, 'm');
	ui_key(&ui, '\r');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_nonnull(strstr(ui.report_msg, "\nTo: x@y.com\n"));

	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(ur_outbox(&path), 1);
	text = check_read_file(path);
	ck_assert_ptr_nonnull(strstr(text, "\nTo: x@y.com\n"));
	ck_assert_int_gt(store_last_report_to(ctx.store, "192.0.2.10",
	    "x@y.com", &status), 0);
	free(text);
	free(path);
}
END_TEST

START_TEST(test_ui_report_typing_escape_keeps_message)
{
	char	*before;

	ur_select(0);
	ui_key(&ui, 'r');
	before = xstrdup(ui.report_msg);
	ui_key(&ui, 't');
	ui_key(&ui, 'q');
	ui_key(&ui, UI_KEY_ESC);
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_str_eq(ui.report_msg, before);
	/* Esc again now leaves the pager. */
	ui_key(&ui, UI_KEY_ESC);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(ur_outbox(NULL), 0);
	free(before);
}
END_TEST

START_TEST(test_ui_report_edit_with_editor)
{
	char	*editor, *cmd, *cause = NULL, *path, *text;

	ur_select(1);
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui_key(&ui, 'e'), UI_ACT_EDIT | UI_ACT_REDRAW);
	/* An editor with arguments: split at blanks, no shell. */
	editor = check_write_script(ur_dir, "editor",
	    "[ \"$1\" = \"--note\" ] || exit 9\n"
	    "sed -i \"s/^What to fix\\$/What to fix (edited by $2)/\" \"$3\"");
	xasprintf(&cmd, "%s --note the-admin", editor);
	ck_assert_msg(ui_report_edit_run(&ui, cmd, &cause) == 0, "%s", cause);
	ck_assert_ptr_nonnull(strstr(ui.report_msg,
	    "\nWhat to fix (edited by the-admin)\n"));
	ui_key(&ui, 'y');
	ck_assert_uint_eq(ur_outbox(&path), 1);
	text = check_read_file(path);
	ck_assert_ptr_nonnull(strstr(text, "\nWhat to fix (edited by "
	    "the-admin)\n"));
	free(text);
	free(path);
	free(cmd);
	free(editor);
}
END_TEST

START_TEST(test_ui_report_edit_failures_keep_message)
{
	char	*editor, *before, *cause = NULL;

	ur_select(1);
	ui_key(&ui, 'r');
	before = xstrdup(ui.report_msg);

	editor = check_write_script(ur_dir, "fails",
	    "echo junk > \"$1\"; exit 3");
	ck_assert_int_eq(ui_report_edit_run(&ui, editor, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "failed (exit status 3); the "
	    "report is unchanged"));
	ck_assert_str_eq(ui.report_msg, before);
	free(cause);
	free(editor);

	editor = check_write_script(ur_dir, "nohead",
	    "echo 'only a body' > \"$1\"");
	ck_assert_int_eq(ui_report_edit_run(&ui, editor, &cause), -1);
	ck_assert_str_eq(cause, "the edited report has no header followed "
	    "by an empty line; it is unchanged");
	ck_assert_str_eq(ui.report_msg, before);
	free(cause);
	free(editor);

	ck_assert_int_eq(ui_report_edit_run(&ui, "/nonexistent/editor -x",
	    &cause), -1);
	ck_assert_str_eq(cause, "could not run the editor /nonexistent/editor; "
	    "set EDITOR");
	free(cause);
	free(before);
}
END_TEST

START_TEST(test_ui_report_edit_changes_to)
{
	char	*editor, *cause = NULL, *sent, *text;

	xasprintf(&sent, "%s/sent", ur_dir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	ur_select(1);
	ui_key(&ui, 'r');
	editor = check_write_script(ur_dir, "retarget",
	    "sed -i 's/^To: .*/To: Desk "
	    "<desk@example.net>/' \"$1\"");
	ck_assert_msg(ui_report_edit_run(&ui, editor, &cause) == 0, "%s",
	    cause);
	ui_key(&ui, 'y');
	ck_assert_str_eq(ui.message, "sent to desk@example.net");
	text = check_read_file(sent);
	ck_assert_ptr_nonnull(strstr(text, "\nTo: Desk <desk@example.net>\n"));
	ck_assert_int_gt(store_last_report_to(ctx.store, "192.0.2.11",
	    "desk@example.net", &cause), 0);
	free(text);
	free(editor);
	free(sent);
}
END_TEST

START_TEST(test_ui_report_provider_batch)
{
	char	*title;

	clients[1].marked = 1;
	clients[2].marked = 1;
	ur_select(1);
	ui_key(&ui, 'P');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	title = ui_report_title(&ui);
	ck_assert_str_eq(title, " Report about 2 clients: y sends, n cancels, "
	    "e edits, t sets To, j/k scroll ");
	free(title);
	ck_assert_ptr_nonnull(strstr(ui.report_msg,
	    "=== Client 1 of 2: 192.0.2.11 ==="));
	ck_assert_ptr_nonnull(strstr(ui.report_msg,
	    "=== Client 2 of 2: 192.0.2.12 ==="));
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(ur_outbox(NULL), 1);
	ck_assert_int_gt(clients[1].reported_at, 0);
	ck_assert_int_gt(clients[2].reported_at, 0);

	/* Again: both were reported to that desk within the window. */
	ui_key(&ui, 'P');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_str_eq(ui.message, "nothing to report; left out: 2 reported "
	    "within the window");
}
END_TEST

START_TEST(test_ui_report_provider_needs_marks)
{
	ur_select(3);
	ui_key(&ui, 'P');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_str_eq(ui.message, "no marked suspect of Example Hosting; m "
	    "marks one");
	ur_select(0);
	clients[0].nhelos = 0;
	ui_key(&ui, 'P');
	ck_assert_str_eq(ui.message, "the provider of 192.0.2.10 is not known");
}
END_TEST

START_TEST(test_ui_report_batch_y_and_n)
{
	char	*title;

	ui_report_start(&ui, list, UR_NCLIENTS, 0);
	/* Three messages: no recipient, example.net, Example Hosting. */
	title = ui_report_title(&ui);
	ck_assert_str_eq(title, " Report 1 of 3, about 1 client: y sends, n "
	    "skips, e edits, t sets To, j/k scroll ");
	free(title);
	ui_key(&ui, 'n');
	ck_assert_str_eq(ui.message, "skipped the report without a "
	    "recipient");
	title = ui_report_title(&ui);
	ck_assert_str_eq(title, " Report 2 of 3, about 2 clients: y sends, n "
	    "skips, e edits, t sets To, j/k scroll ");
	free(title);
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_nonnull(strstr(ui.report_msg,
	    "\nTo: abuse@hosting.example\n"));
	title = ui_report_title(&ui);
	ck_assert_str_eq(title, " Report 3 of 3, about 1 client: y sends, n "
	    "cancels, e edits, t sets To, j/k scroll ");
	free(title);
	ui_key(&ui, 'n');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_str_eq(ui.message, "report cancelled");
	ck_assert_uint_eq(ur_outbox(NULL), 1);
	ck_assert_int_eq(clients[0].reported_at, 0);
	ck_assert_int_gt(clients[1].reported_at, 0);
	ck_assert_int_eq(clients[3].reported_at, 0);
}
END_TEST

START_TEST(test_ui_report_dry_run)
{
	char	*path, *expect, *status;

	cfg.dry_run = 1;
	ur_select(1);
	ui_key(&ui, 'r');
	status = ui_report_status(&ui);
	xasprintf(&expect, "dry run: y writes it to the outbox %s",
	    cfg.outbox);
	ck_assert_str_eq(status, expect);
	free(status);
	free(expect);
	ui_key(&ui, 'y');
	ck_assert_uint_eq(ur_outbox(&path), 1);
	xasprintf(&expect, "dry run: written to %s", path);
	ck_assert_str_eq(ui.message, expect);
	ck_assert_int_eq(clients[1].reported_at, 0);
	ck_assert_int_eq(store_last_report(ctx.store, "192.0.2.11", &status),
	    0);
	free(expect);
	free(path);
}
END_TEST

START_TEST(test_ui_report_daily_cap)
{
	char	*sent;

	xasprintf(&sent, "%s/sent", ur_dir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	cfg.report_daily_cap = 1;
	ur_select(1);
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_str_eq(ui.message, "sent to abuse@example.net");
	ur_select(2);
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_str_eq(ui.message, "nothing to report; left out: 1 over the "
	    "daily cap");
	free(sent);
}
END_TEST

START_TEST(test_ui_report_retry_key)
{
	char	*history, *provider, *path, *sent, *text, *cause = NULL;

	cfg.sendmail = xstrdup("/bin/false");
	ur_select(1);
	ui_key(&ui, 'F');
	ck_assert_str_eq(ui.message, "no failed report about 192.0.2.11 to "
	    "send again");
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.message_error, 1);
	ck_assert_uint_eq(ur_outbox(&path), 1);
	ui_report_detail(&ui, &clients[1], &provider, &history);
	ck_assert_str_eq(provider, "example.net (verified rDNS)");
	ck_assert_ptr_nonnull(strstr(history, "sending failed "));
	ck_assert_ptr_nonnull(strstr(history, " to abuse@example.net (exit "
	    "status 1); F sends it again"));
	free(provider);
	free(history);

	free(cfg.sendmail);
	xasprintf(&sent, "%s/sent", ur_dir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	ui_key(&ui, 'F');
	ck_assert_str_eq(ui.message, "sent 1 failed report about 192.0.2.11 "
	    "again");
	ck_assert_int_eq(access(path, F_OK), -1);
	text = check_read_file(sent);
	ck_assert_ptr_nonnull(strstr(text, "\nTo: abuse@example.net\n"));
	ck_assert_int_gt(clients[1].reported_at, 0);
	ui_report_detail(&ui, &clients[1], &provider, &history);
	ck_assert_ptr_nonnull(strstr(history, "reported "));
	ck_assert_ptr_null(strstr(history, "failed"));
	ck_assert_int_gt(store_last_report_to(ctx.store, "192.0.2.11",
	    "abuse@example.net", &cause), 0);
	free(provider);
	free(history);
	free(text);
	free(sent);
	free(path);
}
END_TEST

START_TEST(test_ui_report_detail_lines)
{
	char	*provider, *history, date[32], *want;

	ui_report_detail(&ui, &clients[0], &provider, &history);
	ck_assert_str_eq(provider, "example.com (HELO, unverified)");
	ck_assert_ptr_null(history);
	free(provider);
	ui_report_detail(&ui, &clients[3], &provider, &history);
	ck_assert_str_eq(provider, "Example Hosting (configured range)");
	free(provider);

	ur_select(3);
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ui_report_detail(&ui, &clients[3], &provider, &history);
	ui_format_date(time(NULL), date, sizeof date);
	xasprintf(&want, "reported %s to abuse@hosting.example", date);
	ck_assert_str_eq(history, want);
	free(want);
	free(provider);
	free(history);
}
END_TEST

/* Hold the send lock as another process would, naming pid 4242. */
static int
ur_hold_lock(void)
{
	char	*path;
	int	 fd;

	path = sendlock_path(store_path(ctx.store));
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	ck_assert_int_eq(write(fd, "4242\n", 5), 5);
	free(path);
	return fd;
}

/* Run the poll loop's report tick until the pager shows another state. */
static void
ur_tick_until_sent(void)
{
	uint64_t	deadline = ui_now_ms() + 3000;

	while (ui.report != NULL && ui.message == NULL) {
		ck_assert_msg(ui_now_ms() < deadline, "no send after 3 s");
		ck_assert_int_le(ui_report_timeout(&ui, ui_now_ms(), 1000),
		    SENDLOCK_POLL_MS);
		usleep(10000);
		ui_report_tick(&ui);
	}
}

/* y while another process sends: the pager waits and then sends. */
START_TEST(test_ui_report_waits_for_send_lock)
{
	char	*status, *sent;
	int	 fd;

	xasprintf(&sent, "%s/sent", ur_dir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	fd = ur_hold_lock();
	ur_select(1);
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ui.message);
	status = ui_report_status(&ui);
	ck_assert_str_eq(status, "waiting for another smtptriage to finish "
	    "sending (pid 4242); Esc stops waiting");
	free(status);
	ck_assert_int_eq(access(sent, F_OK), -1);

	/* Esc stops waiting but keeps the message; y waits again. */
	ui_key(&ui, UI_KEY_ESC);
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_str_eq(ui.message, "stopped waiting; the report was not "
	    "sent, y tries again");
	ui_key(&ui, 'y');
	ck_assert_ptr_null(ui.message);
	ui_report_tick(&ui);
	ck_assert_int_eq(access(sent, F_OK), -1);

	close(fd);
	ur_tick_until_sent();
	ck_assert_str_eq(ui.message, "sent to abuse@example.net");
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(access(sent, F_OK), 0);
	free(sent);
}
END_TEST

/* Another process sent the same report while the pager waited. */
START_TEST(test_ui_report_lock_then_duplicate)
{
	static const char *const ip[] = { "192.0.2.11" };
	struct store_report	 row;
	char			*sent, *cause = NULL;
	int			 fd;

	xasprintf(&sent, "%s/sent", ur_dir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	ur_select(1);
	ui_key(&ui, 'r');
	fd = ur_hold_lock();
	ui_key(&ui, 'y');
	memset(&row, 0, sizeof row);
	row.recipient = "abuse@example.net";
	row.message_id = "<other@run>";
	row.method = "sendmail";
	row.time = time(NULL);
	ck_assert_int_eq(store_add_report_ips(ctx.store, &row, ip, 1, &cause),
	    0);
	close(fd);
	ur_tick_until_sent();
	ck_assert_ptr_eq(strstr(ui.message, "not sent: 192.0.2.11 was "
	    "reported to abuse@example.net at "), ui.message);
	ck_assert_int_eq(ui.message_error, 1);
	ck_assert_int_eq(access(sent, F_OK), -1);
	ck_assert_int_gt(clients[1].reported_at, 0);
	free(sent);
}
END_TEST

/* A Bcc added in the editor is recorded, and its window applies. */
START_TEST(test_ui_report_edit_bcc_recorded)
{
	static const char *const ip[] = { "192.0.2.12" };
	struct store_report	 row;
	char			*editor, *sent, *text, *cause = NULL;

	xasprintf(&sent, "%s/sent", ur_dir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	editor = check_write_script(ur_dir, "bcc",
	    "sed -i 's/^To: .*/&\\nBcc: Archive "
	    "<archive@example.org>/' \"$1\"");
	ur_select(1);
	ui_key(&ui, 'r');
	ck_assert_msg(ui_report_edit_run(&ui, editor, &cause) == 0, "%s",
	    cause);
	ck_assert_ptr_nonnull(strstr(ui.report_msg, "\nTo: abuse@example.net"
	    "\nBcc: Archive <archive@example.org>\n"));
	ui_key(&ui, 'y');
	ck_assert_str_eq(ui.message, "sent to abuse@example.net");
	text = check_read_file(sent);
	ck_assert_ptr_nonnull(strstr(text, "\nBcc: Archive "
	    "<archive@example.org>\n"));
	free(text);
	ck_assert_int_gt(store_last_report_to(ctx.store, "192.0.2.11",
	    "abuse@example.net", &cause), 0);
	ck_assert_int_gt(store_last_report_to(ctx.store, "192.0.2.11",
	    "archive@example.org", &cause), 0);

	/* 192.0.2.12 went to the archive before: the edited copy stops. */
	memset(&row, 0, sizeof row);
	row.recipient = "archive@example.org";
	row.message_id = "<earlier@run>";
	row.method = "sendmail";
	row.time = time(NULL) - 3600;
	ck_assert_int_eq(store_add_report_ips(ctx.store, &row, ip, 1, &cause),
	    0);
	unlink(sent);
	ur_select(2);
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_msg(ui_report_edit_run(&ui, editor, &cause) == 0, "%s",
	    cause);
	ui_key(&ui, 'y');
	ck_assert_ptr_eq(strstr(ui.message, "not sent: 192.0.2.12 was "
	    "reported to archive@example.org at "), ui.message);
	ck_assert_int_eq(access(sent, F_OK), -1);
	ck_assert_int_eq(store_last_report_to(ctx.store, "192.0.2.12",
	    "abuse@example.net", &cause), 0);
	free(editor);
	free(sent);
}
END_TEST

Suite *
make_ui_report_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ui_report");
	tc = tcase_create("flow");
	tcase_add_checked_fixture(tc, ur_setup, ur_teardown);
	tcase_add_test(tc, test_ui_report_pager_title_and_scroll);
	tcase_add_test(tc, test_ui_report_unverified_asks_for_to);
	tcase_add_test(tc, test_ui_report_typing_escape_keeps_message);
	tcase_add_test(tc, test_ui_report_edit_with_editor);
	tcase_add_test(tc, test_ui_report_edit_failures_keep_message);
	tcase_add_test(tc, test_ui_report_edit_changes_to);
	tcase_add_test(tc, test_ui_report_provider_batch);
	tcase_add_test(tc, test_ui_report_provider_needs_marks);
	tcase_add_test(tc, test_ui_report_batch_y_and_n);
	tcase_add_test(tc, test_ui_report_dry_run);
	tcase_add_test(tc, test_ui_report_daily_cap);
	tcase_add_test(tc, test_ui_report_retry_key);
	tcase_add_test(tc, test_ui_report_detail_lines);
	tcase_add_test(tc, test_ui_report_waits_for_send_lock);
	tcase_add_test(tc, test_ui_report_lock_then_duplicate);
	tcase_add_test(tc, test_ui_report_edit_bcc_recorded);
	suite_add_tcase(s, tc);
	return s;
}
