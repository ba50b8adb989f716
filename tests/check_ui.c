/*
 * Tests for the console's key handlers (tui/ui_key.c) and drawing, without
 * a terminal: a struct ui over fake suspects or a small real agg, with a
 * real store, whitelist and outbox in a temporary folder.  The drawing
 * tests render into a curses screen whose output goes to /dev/null and
 * read the cells back.
 */
#define NCURSES_WIDECHAR 1

#include <sys/socket.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "report.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

#define NCLIENTS	12

static char			 tmpdir[64];
static char			*state_path, *wl_path, *outbox;
static struct config		 cfg;
static struct ui_context	 ctx;
static struct ui		 ui;
static struct client		 clients[NCLIENTS];
static struct client		*list[NCLIENTS];
static struct agg_count		 helos[NCLIENTS];
static struct agg_count		 reasons[NCLIENTS];
static char			 helo_names[NCLIENTS][40];
static char			 no_rdns[] = "no_rdns";

/* Client i is 192.0.2.(10 + i) with HELO "hostI.example" and no_rdns. */
static void
make_clients(size_t n)
{
	size_t	i;

	memset(clients, 0, sizeof clients);
	for (i = 0; i < n; i++) {
		snprintf(clients[i].ip, sizeof clients[i].ip, "192.0.2.%zu",
		    10 + i);
		clients[i].addr.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, clients[i].ip,
		    clients[i].addr.bytes), 1);
		snprintf(helo_names[i], sizeof helo_names[i],
		    "host%zu.example", i);
		helos[i].name = helo_names[i];
		helos[i].count = 1;
		clients[i].helos = &helos[i];
		clients[i].nhelos = 1;
		reasons[i].name = no_rdns;
		reasons[i].count = 2;
		clients[i].reasons = &reasons[i];
		clients[i].nreasons = 1;
		clients[i].events = 2;
		clients[i].suspect = 1;
		list[i] = &clients[i];
	}
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_ui.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	xasprintf(&state_path, "%s/state.db", tmpdir);
	xasprintf(&wl_path, "%s/whitelist", tmpdir);
	xasprintf(&outbox, "%s/outbox", tmpdir);

	config_defaults(&cfg);
	free(cfg.outbox);
	cfg.outbox = xstrdup(outbox);
	free(cfg.sendmail);
	cfg.sendmail = NULL;
	free(cfg.report_to);
	cfg.report_to = NULL;

	check_ui_context(&ctx, &cfg, tmpdir);

	setenv("TZ", "UTC", 1);
	tzset();
	make_clients(NCLIENTS);
	ui_init(&ui, &ctx);
}

static void
teardown(void)
{
	ui_free(&ui);
	if (ctx.agg != NULL)
		agg_free(ctx.agg);
	if (ctx.dns != NULL)
		dns_free(ctx.dns);
	store_close(ctx.store);
	wl_free(ctx.wl);
	config_free(&cfg);
	if (check_remove_tree(tmpdir) == -1)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(state_path);
	free(wl_path);
	free(outbox);
}

/* Show the first n fake clients, with n rows per page. */
static void
use_clients(size_t n, size_t page)
{
	ui.page = page;
	ui.text_page = page;
	ui_set_suspects(&ui, list, n);
}

static size_t
outbox_files(char **first)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	if (first != NULL)
		*first = NULL;
	if ((d = opendir(outbox)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0 && first != NULL)
			xasprintf(first, "%s/%s", outbox, de->d_name);
	}
	closedir(d);
	return n;
}

/* w, i, Enter: whitelist the selected IP with the default comment. */
static int
whitelist_ip(void)
{
	ck_assert_int_eq(ui_key(&ui, 'w'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui.prompt, UI_PROMPT_WL_CHOICE);
	ck_assert_int_eq(ui_key(&ui, 'i'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui.prompt, UI_PROMPT_WL_COMMENT);
	return ui_key(&ui, '\r');
}

START_TEST(test_ui_down_stops_at_last_row)
{
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, 'j'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&ui, KEY_DOWN), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 2);
	ck_assert_int_eq(ui_key(&ui, 'j'), UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 2);
	ck_assert_ptr_eq(ui_selected(&ui), &clients[2]);
}
END_TEST

START_TEST(test_ui_up_stops_at_first_row)
{
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, 'k'), UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 0);
	ui_key(&ui, 'j');
	ck_assert_int_eq(ui_key(&ui, KEY_UP), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 0);
}
END_TEST

START_TEST(test_ui_page_down_and_up)
{
	use_clients(12, 5);
	ui_key(&ui, KEY_NPAGE);
	ck_assert_uint_eq(ui.cursor, 5);
	ck_assert_uint_eq(ui.top, 1);
	ui_key(&ui, KEY_NPAGE);
	ck_assert_uint_eq(ui.cursor, 10);
	ck_assert_uint_eq(ui.top, 6);
	ui_key(&ui, KEY_NPAGE);
	ck_assert_uint_eq(ui.cursor, 11);
	ck_assert_uint_eq(ui.top, 7);
	ui_key(&ui, KEY_PPAGE);
	ck_assert_uint_eq(ui.cursor, 6);
	ck_assert_uint_eq(ui.top, 6);
	ui_key(&ui, KEY_PPAGE);
	ck_assert_uint_eq(ui.cursor, 1);
	ck_assert_uint_eq(ui.top, 1);
	ui_key(&ui, KEY_PPAGE);
	ck_assert_uint_eq(ui.cursor, 0);
	ck_assert_uint_eq(ui.top, 0);
}
END_TEST

START_TEST(test_ui_home_and_end)
{
	use_clients(12, 5);
	ck_assert_int_eq(ui_key(&ui, KEY_END), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 11);
	ck_assert_uint_eq(ui.top, 7);
	ck_assert_int_eq(ui_key(&ui, KEY_END), UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&ui, KEY_HOME), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 0);
	ck_assert_uint_eq(ui.top, 0);
}
END_TEST

START_TEST(test_ui_G_is_not_bound)
{
	use_clients(12, 5);
	ui_key(&ui, 'j');
	ck_assert_int_eq(ui_key(&ui, 'G'), UI_ACT_REDRAW);
	ck_assert_uint_eq(ui.cursor, 1);
}
END_TEST

START_TEST(test_ui_moving_in_empty_list)
{
	use_clients(0, 5);
	ck_assert_int_eq(ui_key(&ui, 'j'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&ui, KEY_END), UI_ACT_REDRAW);
	ck_assert_ptr_null(ui_selected(&ui));
	ck_assert_int_eq(ui_key(&ui, 'm'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&ui, 'w'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&ui, 'r'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
}
END_TEST

START_TEST(test_ui_mark_persists)
{
	char	*cause = NULL;

	use_clients(3, 10);
	ui_key(&ui, 'j');
	ck_assert_int_eq(ui_key(&ui, 'm'), UI_ACT_REDRAW);
	ck_assert_int_eq(clients[1].marked, 1);
	ck_assert_int_eq(store_is_marked(ctx.store, "192.0.2.11", &cause), 1);
	ck_assert_int_eq(store_is_marked(ctx.store, "192.0.2.10", &cause), 0);
	ck_assert_str_eq(client_status_name(client_status(&clients[1])),
	    "marked");
	ck_assert_str_eq(ui.message, "marked 192.0.2.11");
}
END_TEST

START_TEST(test_ui_mark_twice_unmarks)
{
	char	*cause = NULL;

	use_clients(3, 10);
	ui_key(&ui, 'm');
	ui_key(&ui, 'm');
	ck_assert_int_eq(clients[0].marked, 0);
	ck_assert_int_eq(store_is_marked(ctx.store, "192.0.2.10", &cause), 0);
	ck_assert_str_eq(ui.message, "unmarked 192.0.2.10");
}
END_TEST

START_TEST(test_ui_message_cleared_by_next_key)
{
	use_clients(3, 10);
	ui_key(&ui, 'm');
	ck_assert_ptr_nonnull(ui.message);
	ui_key(&ui, 'j');
	ck_assert_ptr_null(ui.message);
}
END_TEST

START_TEST(test_ui_whitelist_hides_row)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	use_clients(3, 10);
	ui_key(&ui, 'j');
	ck_assert_int_eq(whitelist_ip(), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_int_eq(clients[1].whitelisted, 1);
	ck_assert_uint_eq(ui.nrows, 2);
	ck_assert_ptr_eq(ui.rows[0], &clients[0]);
	ck_assert_ptr_eq(ui.rows[1], &clients[2]);
	ck_assert_uint_eq(ui.cursor, 1);
	ck_assert_ptr_eq(ui_selected(&ui), &clients[2]);

	/* The entry is in the file, not only in memory. */
	wl = wl_load(wl_path, &cause);
	ck_assert_ptr_nonnull(wl);
	ck_assert_str_eq(wl_match(wl, &clients[1].addr, NULL), "192.0.2.11");
	ck_assert_ptr_null(wl_match(wl, &clients[0].addr, NULL));
	wl_free(wl);
}
END_TEST

START_TEST(test_ui_whitelist_comment_has_date)
{
	char	*text, expect[64], date[32];
	time_t	 now = time(NULL);

	use_clients(3, 10);
	whitelist_ip();
	text = check_read_file(wl_path);
	strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
	snprintf(expect, sizeof expect, "added by smtptriage %s", date);
	ck_assert_ptr_nonnull(strstr(text, "192.0.2.10"));
	ck_assert_ptr_nonnull(strstr(text, expect));
	free(text);
}
END_TEST

START_TEST(test_ui_whitelist_last_row_moves_cursor_up)
{
	use_clients(3, 10);
	ui_key(&ui, KEY_END);
	whitelist_ip();
	ck_assert_uint_eq(ui.nrows, 2);
	ck_assert_uint_eq(ui.cursor, 1);
	ck_assert_ptr_eq(ui_selected(&ui), &clients[1]);
}
END_TEST

START_TEST(test_ui_show_whitelisted_toggle)
{
	use_clients(3, 10);
	whitelist_ip();
	ck_assert_uint_eq(ui.nrows, 2);
	ui_key(&ui, 'W');
	ck_assert_uint_eq(ui.nrows, 3);
	ck_assert_ptr_eq(ui.rows[0], &clients[0]);
	ck_assert_str_eq(client_status_name(client_status(ui.rows[0])),
	    "whitelisted");
	ui_key(&ui, 'W');
	ck_assert_uint_eq(ui.nrows, 2);
}
END_TEST

START_TEST(test_ui_unwhitelist_asks_first)
{
	use_clients(3, 10);
	whitelist_ip();
	ui_key(&ui, 'W');
	ck_assert_ptr_eq(ui_selected(&ui), &clients[1]);
	ui_key(&ui, KEY_HOME);
	ui_key(&ui, 'w');
	ck_assert_int_eq(ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_str_eq(ui.confirm_text,
	    "remove whitelist entry 192.0.2.10? y/n");

	/* Other keys leave the question open; n keeps the entry. */
	ui_key(&ui, 'j');
	ck_assert_int_eq(ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_uint_eq(ui.cursor, 0);
	ui_key(&ui, 'n');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(clients[0].whitelisted, 1);
	ck_assert_str_eq(wl_match(ctx.wl, &clients[0].addr, NULL),
	    "192.0.2.10");

	ui_key(&ui, 'w');
	ck_assert_int_eq(ui_key(&ui, 'y'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(clients[0].whitelisted, 0);
	ck_assert_ptr_null(wl_match(ctx.wl, &clients[0].addr, NULL));
	ck_assert_str_eq(ui.message, "removed whitelist entry 192.0.2.10");
}
END_TEST

START_TEST(test_ui_unwhitelist_cidr_frees_all)
{
	char	*cause = NULL;

	use_clients(3, 10);
	ck_assert_int_eq(wl_add(ctx.wl, "192.0.2.0/24", NULL, &cause), 0);
	clients[0].whitelisted = 1;
	clients[1].whitelisted = 1;
	ui_key(&ui, 'W');
	ui_key(&ui, 'w');
	ck_assert_str_eq(ui.confirm_text,
	    "remove whitelist entry 192.0.2.0/24? y/n");
	ui_key(&ui, 'y');
	ck_assert_int_eq(clients[0].whitelisted, 0);
	ck_assert_int_eq(clients[1].whitelisted, 0);
	ck_assert_uint_eq(wl_count(ctx.wl), 0);
}
END_TEST

START_TEST(test_ui_report_preview_then_cancel)
{
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, 'r'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_nonnull(ui.report_msg);
	ck_assert_ptr_nonnull(ui.report_id);
	ck_assert_ptr_eq(ui.report_client, &clients[0]);
	ck_assert_uint_gt(ui.nreport_lines, 1);
	ck_assert_ptr_nonnull(strstr(ui.report_msg, "192.0.2.10"));

	ui_key(&ui, 'n');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_ptr_null(ui.report_msg);
	ck_assert_str_eq(ui.message, "report cancelled");
	ck_assert_uint_eq(outbox_files(NULL), 0);
	ck_assert_int_eq(clients[0].reported_at, 0);
}
END_TEST

START_TEST(test_ui_report_escape_cancels)
{
	use_clients(3, 10);
	ui_key(&ui, 'r');
	ui_key(&ui, UI_KEY_ESC);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(outbox_files(NULL), 0);
}
END_TEST

START_TEST(test_ui_report_send_writes_outbox)
{
	char	*path, *text, *expect, *cause = NULL;

	use_clients(3, 10);
	ui_key(&ui, 'j');
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui_key(&ui, 'y'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(outbox_files(&path), 1);
	xasprintf(&expect, "written to %s", path);
	ck_assert_str_eq(ui.message, expect);
	ck_assert_int_eq(ui.message_error, 0);

	text = check_read_file(path);
	ck_assert_ptr_nonnull(strstr(text, "192.0.2.11"));
	ck_assert_ptr_nonnull(strstr(text, "\nSubject: "));
	ck_assert_ptr_nonnull(strstr(text, "Message-ID: <"));

	/* Without a recipient the report reached no one: the status stays. */
	ck_assert_int_eq(clients[1].reported_at, 0);
	ck_assert_int_eq(store_last_report(ctx.store, "192.0.2.11", &cause),
	    0);
	ck_assert_str_eq(client_status_name(client_status(&clients[1])),
	    "new");
	free(text);
	free(expect);
	free(path);
}
END_TEST

START_TEST(test_ui_report_addressed_outbox)
{
	char	*cause = NULL;

	cfg.report_to = xstrdup("abuse@example.net");
	use_clients(3, 10);
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_uint_eq(outbox_files(NULL), 1);
	ck_assert_int_gt(clients[0].reported_at, 0);
	ck_assert_int_eq(store_last_report(ctx.store, "192.0.2.10", &cause),
	    clients[0].reported_at);
	ck_assert_str_eq(client_status_name(client_status(&clients[0])),
	    "reported");
}
END_TEST

START_TEST(test_ui_report_sendmail_sent)
{
	char	*sent, *text, *cause = NULL;

	xasprintf(&sent, "%s/sent", tmpdir);
	xasprintf(&cfg.sendmail, "/bin/dd of=%s status=none", sent);
	cfg.report_to = xstrdup("abuse@example.net");
	use_clients(3, 10);
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_str_eq(ui.message, "sent to abuse@example.net");
	ck_assert_int_eq(ui.message_error, 0);
	ck_assert_uint_eq(outbox_files(NULL), 0);
	text = check_read_file(sent);
	ck_assert_ptr_nonnull(strstr(text, "\nTo: abuse@example.net\n"));
	ck_assert_int_gt(clients[0].reported_at, 0);
	ck_assert_int_eq(store_last_report(ctx.store, "192.0.2.10", &cause),
	    clients[0].reported_at);
	free(text);
	free(sent);
}
END_TEST

START_TEST(test_ui_report_sendmail_fails)
{
	char	*path, *expect, *cause = NULL;

	cfg.sendmail = xstrdup("/bin/false");
	cfg.report_to = xstrdup("abuse@example.net");
	use_clients(3, 10);
	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(outbox_files(&path), 1);
	xasprintf(&expect, "sending to abuse@example.net failed (/bin/false "
	    "exited with status 1); the report is in %s", path);
	ck_assert_str_eq(ui.message, expect);
	ck_assert_int_eq(ui.message_error, 1);
	ck_assert_int_eq(clients[0].reported_at, 0);
	ck_assert_int_eq(store_last_report(ctx.store, "192.0.2.10", &cause), 0);
	free(expect);
	free(path);
}
END_TEST

START_TEST(test_ui_report_scrolls_preview)
{
	use_clients(3, 2);
	ui_key(&ui, 'r');
	ck_assert_uint_gt(ui.nreport_lines, 4);
	ui_key(&ui, 'j');
	ck_assert_uint_eq(ui.report_top, 1);
	ui_key(&ui, KEY_END);
	ck_assert_uint_eq(ui.report_top, ui.nreport_lines - 2);
	ui_key(&ui, 'j');
	ck_assert_uint_eq(ui.report_top, ui.nreport_lines - 2);
	ui_key(&ui, KEY_HOME);
	ck_assert_uint_eq(ui.report_top, 0);
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
}
END_TEST

START_TEST(test_ui_report_again_asks_first)
{
	/* Only a report with a recipient counts as reported. */
	cfg.report_to = xstrdup("abuse@example.net");
	use_clients(3, 10);
	clients[0].reported_at = 1796040000;	/* 2026-11-30 12:00 UTC */
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_str_eq(ui.confirm_text,
	    "already reported 2026-11-30; report again? y/n");
	ui_key(&ui, 'n');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_ptr_null(ui.report_msg);

	ui_key(&ui, 'r');
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_eq(ui.report_client, &clients[0]);
	ui_key(&ui, 'y');
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ck_assert_uint_eq(outbox_files(NULL), 1);
	ck_assert_int_gt(clients[0].reported_at, 1796040000);
}
END_TEST

START_TEST(test_ui_quit_key)
{
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, 'q') & UI_ACT_QUIT, UI_ACT_QUIT);
}
END_TEST

START_TEST(test_ui_q_in_preview_does_not_quit)
{
	use_clients(3, 10);
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui_key(&ui, 'q') & UI_ACT_QUIT, 0);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
}
END_TEST

START_TEST(test_ui_help_opens_and_closes)
{
	use_clients(3, 10);
	ui_key(&ui, '?');
	ck_assert_int_eq(ui.screen, UI_SCREEN_HELP);
	ui_key(&ui, 'j');
	ck_assert_uint_eq(ui.cursor, 0);
	ui_key(&ui, UI_KEY_ESC);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
	ui_key(&ui, '?');
	ck_assert_int_eq(ui_key(&ui, 'q') & UI_ACT_QUIT, 0);
	ck_assert_int_eq(ui.screen, UI_SCREEN_LIST);
}
END_TEST

START_TEST(test_ui_help_pages)
{
	use_clients(3, 10);
	ui.text_page = 20;
	ui_key(&ui, '?');
	ui_key(&ui, KEY_NPAGE);
	ck_assert_uint_eq(ui.help_top, 20);
	ui_key(&ui, ' ');
	ck_assert_uint_eq(ui.help_top, 40);
	ui_key(&ui, 'k');
	ck_assert_uint_eq(ui.help_top, 39);
	ui_key(&ui, KEY_PPAGE);
	ck_assert_uint_eq(ui.help_top, 19);
	ui_key(&ui, KEY_PPAGE);
	ck_assert_uint_eq(ui.help_top, 0);
	ck_assert_int_eq(ui.screen, UI_SCREEN_HELP);
	ck_assert_uint_eq(ui.cursor, 0);
}
END_TEST

START_TEST(test_ui_recheck_without_dns)
{
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, 'R'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui.message_error, 1);
	ck_assert_str_eq(ui.message, "no DNS resolver is set up");
}
END_TEST

START_TEST(test_ui_resize_and_repaint_keys)
{
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, KEY_RESIZE),
	    UI_ACT_CLEAR | UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&ui, UI_KEY_CTRL_L),
	    UI_ACT_CLEAR | UI_ACT_REDRAW);
}
END_TEST

START_TEST(test_ui_layout_sizes)
{
	use_clients(12, 5);
	ui_layout(&ui, 11, 80);
	ck_assert_int_eq(ui.layout.too_small, 1);
	ui_layout(&ui, 24, 59);
	ck_assert_int_eq(ui.layout.too_small, 1);
	ui_layout(&ui, 12, 60);
	ck_assert_int_eq(ui.layout.too_small, 0);
	ck_assert_int_eq(ui.layout.list_h, 3);
	ck_assert_uint_eq(ui.page, 3);
	ui_layout(&ui, 45, 160);
	ck_assert_int_eq(ui.layout.side, 0);
	ck_assert_int_eq(ui.layout.list_h, 16);
	ck_assert_int_eq(ui.layout.detail_y, 19);
	ck_assert_int_eq(ui.layout.status_y, 44);
	ui_layout(&ui, 45, 230);
	ck_assert_int_eq(ui.layout.side, 1);
	ck_assert_int_eq(ui.layout.list_w, 150);
	ck_assert_int_eq(ui.layout.list_h, 42);
}
END_TEST

/* A log file and a real agg with two suspects, for evidence read-back. */
static const char *agg_log =
    "2026-11-30 10:00:00 H=(evil.example) [198.51.100.7] Warning: "
    "HELO verification failed\n"
    "2026-11-30 10:00:05 H=(esc\x1b[31mred) [198.51.100.7] Warning: "
    "HELO verification failed\n"
    "2026-11-30 10:01:00 no host name found for IP address 203.0.113.9\n";

static void
add_event(const char *ip, const char *helo, const char *reason,
    uint64_t offset, uint64_t line)
{
	struct event	ev;

	memset(&ev, 0, sizeof ev);
	ev.addr.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, ev.addr.bytes), 1);
	if (helo != NULL) {
		ev.helo = helo;
		ev.helo_len = strlen(helo);
	}
	ev.reason = reason;
	ev.has_time = 1;
	ev.time.utc = 1796032800 + (int64_t)line;
	agg_add(ctx.agg, &ev, 0, offset, line);
}

static void
use_agg(void)
{
	struct client	**s;
	char		 *path;
	FILE		 *f;
	size_t		  n, second, third;

	xasprintf(&path, "%s/mainlog", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(agg_log, f);
	fclose(f);

	second = strchr(agg_log, '\n') + 1 - agg_log;
	third = strchr(agg_log + second, '\n') + 1 - agg_log;
	ctx.agg = agg_create();
	agg_add_file(ctx.agg, path);
	add_event("198.51.100.7", "evil.example", "helo_verify_failed", 0, 1);
	add_event("198.51.100.7", "esc\x1b[31mred", "helo_verify_failed",
	    second, 2);
	add_event("203.0.113.9", NULL, "no_rdns", third, 3);
	agg_finish(ctx.agg);
	free(path);

	ui_free(&ui);
	ui_init(&ui, &ctx);
	s = agg_suspects(ctx.agg, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ui.nrows, 2);
	ck_assert_str_eq(s[0]->ip, "198.51.100.7");
}

START_TEST(test_ui_detail_reads_evidence)
{
	use_agg();
	ui_detail_load(&ui, ui_selected(&ui));
	ck_assert_uint_eq(ui.nevidence, 2);
	ck_assert_uint_eq(ui.evidence[0].line, 1);
	ck_assert_int_eq(ui.evidence[0].error, 0);
	ck_assert_str_eq(ui.evidence[0].text, "2026-11-30 10:00:00 "
	    "H=(evil.example) [198.51.100.7] Warning: HELO verification "
	    "failed");
	ck_assert_str_eq(ui.evidence[1].text, "2026-11-30 10:00:05 "
	    "H=(esc\\x1B[31mred) [198.51.100.7] Warning: HELO verification "
	    "failed");
}
END_TEST

START_TEST(test_ui_detail_missing_file)
{
	use_agg();
	ui_detail_load(&ui, NULL);
	ck_assert_int_eq(truncate(agg_file_path(ctx.agg, 0), 0), 0);
	ui_detail_load(&ui, ui_selected(&ui));
	ck_assert_uint_eq(ui.nevidence, 2);
	ck_assert_int_eq(ui.evidence[0].error, 1);
	ck_assert_ptr_nonnull(strstr(ui.evidence[0].text, "is gone"));
}
END_TEST

START_TEST(test_ui_report_has_evidence)
{
	use_agg();
	ui_key(&ui, 'r');
	ck_assert_int_eq(ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_nonnull(strstr(ui.report_msg, "2026-11-30 10:00:00 "
	    "H=(evil.example) [198.51.100.7] Warning: HELO verification "
	    "failed"));
	ck_assert_ptr_null(strchr(ui.report_msg, '\x1b'));
}
END_TEST

/*
 * Start curses on /dev/null with a 160x45 screen, so ui_draw runs as on a
 * terminal and the cells can be read back.
 */
static FILE	*null_in, *null_out;
static SCREEN	*screen;

static void
start_screen(void)
{
	setenv("LINES", "45", 1);
	setenv("COLUMNS", "160", 1);
	setenv("TERM", "xterm", 1);
	setenv("NO_COLOR", "1", 1);
	null_in = fopen("/dev/null", "r");
	null_out = fopen("/dev/null", "w");
	screen = newterm("xterm", null_out, null_in);
	ck_assert_ptr_nonnull(screen);
	set_term(screen);
	ui_colour_init(&ui);
	ck_assert_int_eq(ui.colour, 0);
}

static void
stop_screen(void)
{
	endwin();
	delscreen(screen);
	fclose(null_in);
	fclose(null_out);
}

/* Row y of the screen, trailing blanks removed. */
static char *
screen_row(int y)
{
	char	buf[512];
	int	n;

	n = mvinnstr(y, 0, buf, sizeof buf - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return xstrdup(buf);
}

START_TEST(test_ui_draw_list_rows)
{
	char	*row;

	use_agg();
	start_screen();
	ui_draw(&ui);
	row = screen_row(1);
	ck_assert_str_eq(row, "IP              HELO           RDNS REASONS       "
	    "                                                                    "
	    "        COUNT LAST SEEN        STATUS");
	free(row);
	row = screen_row(2);
	ck_assert_str_eq(row, "198.51.100.7    esc\\x1B[31mred -    "
	    "helo_verify_failed,no_verified_rdns                              "
	    "                             2 2026-11-30 10:00 new");
	free(row);
	row = screen_row(3);
	ck_assert_str_eq(row, "203.0.113.9     -              -    "
	    "no_rdns,no_verified_rdns                                         "
	    "                             1 2026-11-30 10:00 new");
	free(row);
	stop_screen();
}
END_TEST

START_TEST(test_ui_draw_status_skipped_events)
{
	char	*row;

	use_agg();
	agg_set_max_clients(ctx.agg, 2);
	add_event("192.0.2.99", NULL, "no_rdns", 0, 4);
	add_event("192.0.2.98", NULL, "no_rdns", 0, 5);
	start_screen();
	ui_draw(&ui);
	row = screen_row(ui.layout.status_y);
	ck_assert_ptr_nonnull(strstr(row,
	    "2 events skipped: client table full at 2"));
	free(row);
	stop_screen();
}
END_TEST

START_TEST(test_ui_draw_escapes_helo)
{
	char	*row;
	int	 y, found = 0;

	use_agg();
	start_screen();
	ui_draw(&ui);
	for (y = ui.layout.detail_y; y < ui.layout.status_y; y++) {
		row = screen_row(y);
		if (strncmp(row, " HELO     ", 10) == 0) {
			ck_assert_str_eq(row, " HELO     esc\\x1B[31mred (1), "
			    "evil.example (1)");
			found = 1;
		}
		free(row);
	}
	ck_assert_int_eq(found, 1);
	stop_screen();
}
END_TEST

START_TEST(test_ui_draw_status_column_follows_mark)
{
	char	*row;

	use_agg();
	start_screen();
	ui_key(&ui, 'm');
	ui_draw(&ui);
	row = screen_row(2);
	ck_assert_str_eq(row + strlen(row) - 6, "marked");
	free(row);
	/* The message on the left, the counters at the right edge. */
	row = screen_row(44);
	ck_assert_str_eq(row, " marked 198.51.100.7                          "
	    "                                                        2 suspects, "
	    "0 tagged, 1 marked, 0 whitelisted, 0 reported");
	free(row);
	stop_screen();
}
END_TEST

START_TEST(test_ui_draw_cuts_long_helo)
{
	char	*row;

	/* 39 characters; the HELO column is capped at 31 on 160 columns. */
	snprintf(helo_names[0], sizeof helo_names[0], "%s",
	    "very-long-helo-name.customers.example.n");
	use_clients(1, 10);
	start_screen();
	ui_draw(&ui);
	row = screen_row(2);
	ck_assert_str_eq(row, "192.0.2.10      very-long-helo-name.customers.~ "
	    "-    no_rdns                                                      "
	    "                2 -                new");
	free(row);
	stop_screen();
}
END_TEST

/* A terminal of lines by cols, below the minimum size. */
static void
start_small_screen(const char *lines, const char *cols)
{
	setenv("LINES", lines, 1);
	setenv("COLUMNS", cols, 1);
	null_in = fopen("/dev/null", "r");
	null_out = fopen("/dev/null", "w");
	screen = newterm("xterm", null_out, null_in);
	ck_assert_ptr_nonnull(screen);
}

START_TEST(test_ui_draw_too_small)
{
	char	*row;

	use_agg();
	start_small_screen("10", "50");
	ui_draw(&ui);
	row = screen_row(5);
	ck_assert_str_eq(row, "    terminal too small: need 60x12, have 50x10");
	free(row);
	stop_screen();
}
END_TEST

/* At 30x8 the note takes three lines, the needed size first. */
START_TEST(test_ui_draw_too_small_wraps)
{
	char	*row;

	use_agg();
	start_small_screen("8", "30");
	ui_draw(&ui);
	row = screen_row(2);
	ck_assert_str_eq(row, "          need 60x12");
	free(row);
	row = screen_row(3);
	ck_assert_str_eq(row, "          have 30x8");
	free(row);
	row = screen_row(4);
	ck_assert_str_eq(row, "      terminal too small");
	free(row);
	stop_screen();
}
END_TEST

/* A UDP socket on 127.0.0.1 that never replies, for checks in flight. */
static int
silent_server(char *servers, size_t size)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(servers, size, "127.0.0.1:%d", ntohs(sin.sin_port));
	return fd;
}

static void
use_dns(char *servers, size_t size)
{
	struct dns_config	dc;
	char			*cause = NULL;

	silent_server(servers, size);
	memset(&dc, 0, sizeof dc);
	dc.servers = servers;
	dc.timeout_ms = 5000;
	dc.tries = 1;
	ctx.dns = dns_create(&dc, &cause);
	ck_assert_msg(ctx.dns != NULL, "dns_create: %s", cause);
}

START_TEST(test_ui_check_waits_for_rest)
{
	char	servers[64];

	use_dns(servers, sizeof servers);
	use_clients(3, 10);
	ui_key(&ui, 'j');
	ui_check_schedule(&ui, 1000);
	ck_assert_ptr_eq(ui.pending, &clients[1]);
	ck_assert_uint_eq(ui.pending_due, 1000 + UI_DEBOUNCE_MS);
	ui_key(&ui, 'j');
	ui_check_schedule(&ui, 1100);
	ck_assert_ptr_eq(ui.pending, &clients[2]);
	ck_assert_uint_eq(ui.pending_due, 1100 + UI_DEBOUNCE_MS);
	ck_assert_ptr_null(ui_check_find(&ui, "192.0.2.11"));
}
END_TEST

START_TEST(test_ui_check_kept_per_ip)
{
	struct ui_check	*e;
	char		 servers[64];

	use_dns(servers, sizeof servers);
	use_clients(3, 10);
	ui_check_start(&ui, &clients[0]);
	e = ui_check_find(&ui, "192.0.2.10");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->done, 0);
	ck_assert_uint_gt(dns_inflight(ctx.dns), 0);

	/* Moving away and back starts nothing new while it runs. */
	ui_key(&ui, 'j');
	ui_key(&ui, 'k');
	ui_check_schedule(&ui, ui_now_ms());
	ck_assert_ptr_null(ui.pending);
	ck_assert_ptr_eq(ui_check_find(&ui, "192.0.2.10"), e);

	/* A finished result older than a minute is asked again. */
	e->done = 1;
	e->done_ms = 1000;
	ui_check_schedule(&ui, 1000 + UI_FRESH_MS - 1);
	ck_assert_ptr_null(ui.pending);
	ui_check_schedule(&ui, 1000 + UI_FRESH_MS);
	ck_assert_ptr_eq(ui.pending, &clients[0]);
}
END_TEST

START_TEST(test_ui_whitelist_cancels_check)
{
	char	servers[64];

	use_dns(servers, sizeof servers);
	use_clients(3, 10);
	ui_check_start(&ui, &clients[0]);
	ck_assert_ptr_nonnull(ui_check_find(&ui, "192.0.2.10"));
	whitelist_ip();
	ck_assert_ptr_null(ui_check_find(&ui, "192.0.2.10"));
}
END_TEST

START_TEST(test_ui_recheck_key_returns_recheck)
{
	char	servers[64];

	use_dns(servers, sizeof servers);
	use_clients(3, 10);
	ck_assert_int_eq(ui_key(&ui, 'R'), UI_ACT_RECHECK | UI_ACT_REDRAW);
}
END_TEST

Suite *
make_ui_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ui");

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ui_down_stops_at_last_row);
	tcase_add_test(tc, test_ui_up_stops_at_first_row);
	tcase_add_test(tc, test_ui_page_down_and_up);
	tcase_add_test(tc, test_ui_home_and_end);
	tcase_add_test(tc, test_ui_G_is_not_bound);
	tcase_add_test(tc, test_ui_moving_in_empty_list);
	tcase_add_test(tc, test_ui_mark_persists);
	tcase_add_test(tc, test_ui_mark_twice_unmarks);
	tcase_add_test(tc, test_ui_message_cleared_by_next_key);
	tcase_add_test(tc, test_ui_whitelist_hides_row);
	tcase_add_test(tc, test_ui_whitelist_comment_has_date);
	tcase_add_test(tc, test_ui_whitelist_last_row_moves_cursor_up);
	tcase_add_test(tc, test_ui_show_whitelisted_toggle);
	tcase_add_test(tc, test_ui_unwhitelist_asks_first);
	tcase_add_test(tc, test_ui_unwhitelist_cidr_frees_all);
	tcase_add_test(tc, test_ui_quit_key);
	tcase_add_test(tc, test_ui_help_opens_and_closes);
	tcase_add_test(tc, test_ui_help_pages);
	tcase_add_test(tc, test_ui_recheck_without_dns);
	tcase_add_test(tc, test_ui_resize_and_repaint_keys);
	tcase_add_test(tc, test_ui_layout_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ui_report_preview_then_cancel);
	tcase_add_test(tc, test_ui_report_escape_cancels);
	tcase_add_test(tc, test_ui_report_send_writes_outbox);
	tcase_add_test(tc, test_ui_report_addressed_outbox);
	tcase_add_test(tc, test_ui_report_sendmail_sent);
	tcase_add_test(tc, test_ui_report_sendmail_fails);
	tcase_add_test(tc, test_ui_report_scrolls_preview);
	tcase_add_test(tc, test_ui_report_again_asks_first);
	tcase_add_test(tc, test_ui_q_in_preview_does_not_quit);
	tcase_add_test(tc, test_ui_report_has_evidence);
	suite_add_tcase(s, tc);

	tc = tcase_create("detail");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ui_detail_reads_evidence);
	tcase_add_test(tc, test_ui_detail_missing_file);
	tcase_add_test(tc, test_ui_draw_list_rows);
	tcase_add_test(tc, test_ui_draw_status_skipped_events);
	tcase_add_test(tc, test_ui_draw_escapes_helo);
	tcase_add_test(tc, test_ui_draw_status_column_follows_mark);
	tcase_add_test(tc, test_ui_draw_cuts_long_helo);
	tcase_add_test(tc, test_ui_draw_too_small);
	tcase_add_test(tc, test_ui_draw_too_small_wraps);
	suite_add_tcase(s, tc);

	tc = tcase_create("dns");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ui_check_waits_for_rest);
	tcase_add_test(tc, test_ui_check_kept_per_ip);
	tcase_add_test(tc, test_ui_whitelist_cancels_check);
	tcase_add_test(tc, test_ui_recheck_key_returns_recheck);
	suite_add_tcase(s, tc);

	return s;
}
