/*
 * Tests of the console's state handlers without a terminal: mouse events
 * (tui/ui_mouse.c), the status line counters (tui/ui_status.c), the
 * loading progress line (tui/ui_load.c), the list refresh during a load
 * (tui/ui_load_refresh.c), messages that keep an error, and column widths
 * in display cells.
 */
#include <arpa/inet.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "esc.h"
#include "reason.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

#define UC_NCLIENTS	10

static struct ui_context	 uc_ctx;
static struct ui		 uc_ui;
static struct client		 uc_clients[UC_NCLIENTS];
static struct client		*uc_list[UC_NCLIENTS];
static struct agg_count		 uc_reasons[UC_NCLIENTS];
static struct agg_count		 uc_helos[UC_NCLIENTS];
static char			 uc_reason[] = "no_rdns";
static char			 uc_helo_names[UC_NCLIENTS][64];

/* Ten suspects 192.0.2.1 to 192.0.2.10, laid out on 160x45. */
static void
uc_setup(void)
{
	size_t	i;

	memset(uc_clients, 0, sizeof uc_clients);
	for (i = 0; i < UC_NCLIENTS; i++) {
		snprintf(uc_clients[i].ip, sizeof uc_clients[i].ip,
		    "192.0.2.%zu", i + 1);
		uc_clients[i].addr.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, uc_clients[i].ip,
		    uc_clients[i].addr.bytes), 1);
		uc_reasons[i].name = uc_reason;
		uc_reasons[i].count = 1;
		uc_clients[i].reasons = &uc_reasons[i];
		uc_clients[i].nreasons = 1;
		uc_clients[i].events = 1;
		uc_clients[i].suspect = 1;
		uc_list[i] = &uc_clients[i];
	}
	memset(&uc_ctx, 0, sizeof uc_ctx);
	ui_init(&uc_ui, &uc_ctx);
	ui_set_suspects(&uc_ui, uc_list, UC_NCLIENTS);
	ui_layout(&uc_ui, 45, 160);
}

static void
uc_teardown(void)
{
	ui_free(&uc_ui);
	setlocale(LC_CTYPE, "C");
}

START_TEST(test_mouse_click_selects_row)
{
	const struct ui_layout	*l = &uc_ui.layout;

	ck_assert_int_eq(l->list_y, 2);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, l->list_y + 3, 10,
	    UI_MOUSE_CLICK), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_uint_eq(uc_ui.cursor, 3);
	ck_assert_str_eq(ui_selected(&uc_ui)->ip, "192.0.2.4");

	/* The same row again changes nothing. */
	ck_assert_int_eq(ui_mouse_event(&uc_ui, l->list_y + 3, 10,
	    UI_MOUSE_CLICK), UI_ACT_NONE);
	ck_assert_uint_eq(uc_ui.cursor, 3);
}
END_TEST

START_TEST(test_mouse_click_outside_list)
{
	const struct ui_layout	*l = &uc_ui.layout;

	/* The column titles, a row below the last suspect, the detail pane. */
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 1, 10, UI_MOUSE_CLICK),
	    UI_ACT_NONE);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, l->list_y + UC_NCLIENTS, 10,
	    UI_MOUSE_CLICK), UI_ACT_NONE);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, l->detail_y + 1, 10,
	    UI_MOUSE_CLICK), UI_ACT_NONE);
	ck_assert_uint_eq(uc_ui.cursor, 0);
}
END_TEST

START_TEST(test_mouse_click_scrolled_list)
{
	const struct ui_layout	*l = &uc_ui.layout;

	/* On 16 lines the list has 5 rows, so row 9 scrolls it. */
	ui_layout(&uc_ui, 16, 80);
	ck_assert_int_eq(l->list_h, 5);
	ui_move_to(&uc_ui, 9);
	ck_assert_uint_eq(uc_ui.top, 5);
	ui_mouse_event(&uc_ui, l->list_y, 0, UI_MOUSE_CLICK);
	ck_assert_uint_eq(uc_ui.cursor, 5);
}
END_TEST

START_TEST(test_mouse_wheel_moves_three)
{
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_DOWN),
	    UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_uint_eq(uc_ui.cursor, 3);
	ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_DOWN);
	ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_DOWN);
	ck_assert_uint_eq(uc_ui.cursor, 9);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_DOWN),
	    UI_ACT_NONE);
	ck_assert_uint_eq(uc_ui.cursor, 9);
	ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_UP);
	ck_assert_uint_eq(uc_ui.cursor, 6);
}
END_TEST

START_TEST(test_mouse_ignored_when_small)
{
	ui_layout(&uc_ui, 10, 50);
	ck_assert_int_eq(uc_ui.layout.too_small, 1);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 3, 3, UI_MOUSE_CLICK),
	    UI_ACT_NONE);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 3, 3, UI_MOUSE_WHEEL_DOWN),
	    UI_ACT_NONE);
	ck_assert_uint_eq(uc_ui.cursor, 0);
}
END_TEST

START_TEST(test_mouse_keeps_error)
{
	ui_set_message(&uc_ui, 1, "cannot mark 192.0.2.1: disk full");
	ui_mouse_event(&uc_ui, 4, 4, UI_MOUSE_CLICK);
	ck_assert_str_eq(uc_ui.message, "cannot mark 192.0.2.1: disk full");
	ck_assert_int_eq(uc_ui.message_error, 1);
}
END_TEST

START_TEST(test_mouse_whitelist_screen)
{
	char	dir[] = "/tmp/check_ui_console.XXXXXX", path[64], entry[32];
	char	*cause = NULL;
	size_t	i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/whitelist", dir);
	uc_ctx.wl = wl_load(path, &cause);
	ck_assert_msg(uc_ctx.wl != NULL, "wl_load: %s", cause);
	for (i = 0; i < 5; i++) {
		snprintf(entry, sizeof entry, "198.51.100.%zu", i + 1);
		ck_assert_int_eq(wl_add(uc_ctx.wl, entry, NULL, &cause), 0);
	}
	ui_wlscreen_open(&uc_ui);

	/* A click on the third entry's line selects it. */
	ck_assert_int_eq(ui_mouse_event(&uc_ui, UI_WL_FIRST_Y + 2, 5,
	    UI_MOUSE_CLICK), UI_ACT_REDRAW);
	ck_assert_uint_eq(uc_ui.wl_cursor, 2);
	/* The column titles and a line below the last entry do nothing. */
	ck_assert_int_eq(ui_mouse_event(&uc_ui, UI_WL_FIRST_Y - 1, 5,
	    UI_MOUSE_CLICK), UI_ACT_NONE);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, UI_WL_FIRST_Y + 5, 5,
	    UI_MOUSE_CLICK), UI_ACT_NONE);
	ck_assert_uint_eq(uc_ui.wl_cursor, 2);

	/* The wheel moves three entries and stops at either end. */
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_DOWN),
	    UI_ACT_REDRAW);
	ck_assert_uint_eq(uc_ui.wl_cursor, 4);
	ck_assert_int_eq(ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_DOWN),
	    UI_ACT_NONE);
	ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_UP);
	ck_assert_uint_eq(uc_ui.wl_cursor, 1);
	ui_mouse_event(&uc_ui, 5, 5, UI_MOUSE_WHEEL_UP);
	ck_assert_uint_eq(uc_ui.wl_cursor, 0);
	/* The list under the screen keeps its selection. */
	ck_assert_uint_eq(uc_ui.cursor, 0);

	wl_free(uc_ctx.wl);
	uc_ctx.wl = NULL;
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_message_error_until_key)
{
	ui_set_message(&uc_ui, 1, "cannot mark %s: %s", "192.0.2.1",
	    "disk full");
	ui_set_message(&uc_ui, 0, "checked 192.0.2.2");
	ck_assert_str_eq(uc_ui.message, "cannot mark 192.0.2.1: disk full");
	ck_assert_int_eq(uc_ui.message_error, 1);

	/* A later error replaces it. */
	ui_set_message(&uc_ui, 1, "cannot whitelist 192.0.2.3");
	ck_assert_str_eq(uc_ui.message, "cannot whitelist 192.0.2.3");

	/* The next key reads it, and a notice shows again. */
	ui_key(&uc_ui, 'j');
	ck_assert_ptr_null(uc_ui.message);
	ui_set_message(&uc_ui, 0, "checked 192.0.2.2");
	ck_assert_str_eq(uc_ui.message, "checked 192.0.2.2");
	ck_assert_int_eq(uc_ui.message_error, 0);
}
END_TEST

START_TEST(test_status_counts)
{
	struct esc_buf	b = { NULL, 0, 0 };

	uc_clients[0].marked = 1;
	uc_clients[1].marked = 1;
	uc_clients[1].reported_at = 1764496800;
	uc_clients[2].whitelisted = 1;
	ck_assert_int_eq(ui_tag_set(&uc_ui, &uc_clients[4], 1), 1);
	ui_status_counts(&uc_ui, &b);
	ck_assert_str_eq(b.data, "10 suspects, 1 tagged, 2 marked, "
	    "1 whitelisted, 1 reported");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_status_counts_one)
{
	struct esc_buf	b = { NULL, 0, 0 };

	ui_set_suspects(&uc_ui, uc_list, 1);
	ui_status_counts(&uc_ui, &b);
	ck_assert_str_eq(b.data, "1 suspect, 0 tagged, 0 marked, "
	    "0 whitelisted, 0 reported");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_load_format_known_total)
{
	char	buf[256];

	/* 7 MiB of 28 MiB after 2 s: a quarter of the bar. */
	ui_load_format(buf, sizeof buf, 20, 7 * 1048576ULL, 28 * 1048576ULL,
	    70000, 1234, 2000);
	ck_assert_str_eq(buf, "loading [#####...............] 25%  7.0 MiB "
	    "of 28.0 MiB, 70000 lines, 1234 clients, 3.5 MiB/s");
}
END_TEST

START_TEST(test_load_format_unknown_total)
{
	char	buf[256];

	ui_load_format(buf, sizeof buf, 20, 1536, 0, 12, 3, 0);
	ck_assert_str_eq(buf, "loading 1.5 KiB, 12 lines, 3 clients, 0 B/s");
}
END_TEST

START_TEST(test_load_format_grown_file)
{
	char	buf[256];

	/* A file that grew while it was read stops at 100%. */
	ui_load_format(buf, sizeof buf, 4, 3000, 2000, 40, 2, 1000);
	ck_assert_str_eq(buf, "loading [####] 100%  2.9 KiB of 2.0 KiB, "
	    "40 lines, 2 clients, 2.9 KiB/s");
}
END_TEST

START_TEST(test_load_format_short_buffer)
{
	char	buf[12];

	ui_load_format(buf, sizeof buf, 20, 1, 2, 1, 1, 1);
	ck_assert_str_eq(buf, "loading 50%");
}
END_TEST

/* Add one event of 198.51.100.n to agg. */
static void
uc_add_client(struct agg *agg, int n)
{
	struct event	ev;
	char		ip[INET_ADDRSTRLEN];

	memset(&ev, 0, sizeof ev);
	snprintf(ip, sizeof ip, "198.51.100.%d", n);
	ev.addr.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, ev.addr.bytes), 1);
	ev.reason = REASON_HELO_VERIFY_FAILED;
	agg_add(agg, &ev, 0, (uint64_t)n * 100, (uint64_t)n);
}

/*
 * Run a refresh that ui_load_slice_refresh started until it finishes.
 * Each step has a time budget, so a slow run (under valgrind) needs
 * several steps.
 */
static void
uc_finish_refresh(void)
{
	int	steps = 0;

	while (uc_ui.load_step != NULL && steps++ < 100000)
		ui_load_tick(&uc_ui, ui_now_ms());
	ck_assert_ptr_null(uc_ui.load_step);
}

/*
 * During a load the list takes in new clients at most every 250 ms, and
 * their marks and reports come from the state database read once.
 */
START_TEST(test_load_refresh_rare_with_state)
{
	struct store_report	  r;
	struct client		**list;
	char			  dir[64], *path, *cause = NULL;
	size_t			  n, i;
	uint64_t		  before;

	snprintf(dir, sizeof dir, "/tmp/check_ui_console.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	xasprintf(&path, "%s/state.db", dir);
	uc_ctx.store = store_open(path, &cause);
	ck_assert_msg(uc_ctx.store != NULL, "store_open: %s", cause);
	ck_assert_int_eq(store_set_mark(uc_ctx.store, "198.51.100.1", 1,
	    &cause), 0);
	memset(&r, 0, sizeof r);
	r.ip = "198.51.100.2";
	r.recipient = "abuse@example.net";
	r.message_id = "<1@example.org>";
	r.method = "sendmail";
	r.time = 5000;
	ck_assert_int_eq(store_add_report(uc_ctx.store, &r, &cause), 0);

	uc_ctx.agg = agg_create();
	agg_add_file(uc_ctx.agg, "test.log");
	uc_add_client(uc_ctx.agg, 1);
	uc_add_client(uc_ctx.agg, 2);
	uc_ui.loading = 1;
	/* A full page, so only the interval lets the next refresh run. */
	uc_ui.page = 2;
	before = ui_now_ms();
	ui_load_slice_refresh(&uc_ui, 1);
	uc_finish_refresh();
	ck_assert_uint_eq(uc_ui.nsuspects, 2);
	ck_assert_uint_ge(uc_ui.load_refresh_due, before + 250);
	ck_assert_ptr_nonnull(uc_ui.load_state);
	list = agg_suspects(uc_ctx.agg, &n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(list[i]->state_loaded, 1);
		ck_assert_int_eq(list[i]->marked,
		    strcmp(list[i]->ip, "198.51.100.1") == 0);
		ck_assert_int_eq(list[i]->reported_at,
		    strcmp(list[i]->ip, "198.51.100.2") == 0 ? 5000 : 0);
	}

	/*
	 * Before the next refresh is due the new client waits.  The due time
	 * is moved far ahead so that a slow machine cannot reach it.
	 */
	uc_ui.load_refresh_due = ui_now_ms() + 60000;
	uc_add_client(uc_ctx.agg, 3);
	ui_load_slice_refresh(&uc_ui, 1);
	ck_assert_uint_eq(uc_ui.nsuspects, 2);
	ck_assert_int_eq(uc_ui.dirty, 1);

	/* The last slice always refreshes, and drops the table. */
	ui_load_slice_refresh(&uc_ui, 0);
	uc_finish_refresh();
	ck_assert_uint_eq(uc_ui.nsuspects, 3);
	ck_assert_ptr_null(uc_ui.load_state);

	ui_free(&uc_ui);
	memset(&uc_ui, 0, sizeof uc_ui);
	ui_init(&uc_ui, &uc_ctx);
	agg_free(uc_ctx.agg);
	uc_ctx.agg = NULL;
	store_close(uc_ctx.store);
	uc_ctx.store = NULL;
	free(path);
	ck_assert_int_eq(check_remove_tree(dir), 0);
}
END_TEST

START_TEST(test_width_utf8_names)
{
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	/* An IDN HELO in U-label form: 15 bytes of UTF-8 in 14 columns. */
	snprintf(uc_helo_names[0], sizeof uc_helo_names[0],
	    "b\xc3\xbc" "cher.example");
	/* Two wide characters, 3 bytes each, 2 columns each. */
	snprintf(uc_helo_names[1], sizeof uc_helo_names[1],
	    "\xe4\xbe\x8b\xe3\x81\x88.example");
	uc_helos[0].name = uc_helo_names[0];
	uc_helos[0].count = 1;
	uc_helos[1].name = uc_helo_names[1];
	uc_helos[1].count = 1;
	uc_clients[0].helos = &uc_helos[0];
	uc_clients[0].nhelos = 1;
	uc_clients[1].helos = &uc_helos[1];
	uc_clients[1].nhelos = 1;

	ck_assert_int_eq(ui_width(uc_helo_names[0]), 14);
	ck_assert_int_eq(ui_width(uc_helo_names[1]), 12);
	ui_rows_rebuild(&uc_ui);
	ck_assert_uint_eq(uc_ui.helo_width, 14);

	/* An escaped byte counts with its four characters "\xC0". */
	snprintf(uc_helo_names[1], sizeof uc_helo_names[1],
	    "bad\xc0" "byte.example");
	ui_rows_rebuild(&uc_ui);
	ck_assert_uint_eq(uc_ui.helo_width, 19);
}
END_TEST

Suite *
make_ui_console_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ui_console");
	tc = tcase_create("console");
	tcase_add_checked_fixture(tc, uc_setup, uc_teardown);
	tcase_add_test(tc, test_mouse_click_selects_row);
	tcase_add_test(tc, test_mouse_click_outside_list);
	tcase_add_test(tc, test_mouse_click_scrolled_list);
	tcase_add_test(tc, test_mouse_wheel_moves_three);
	tcase_add_test(tc, test_mouse_ignored_when_small);
	tcase_add_test(tc, test_mouse_keeps_error);
	tcase_add_test(tc, test_mouse_whitelist_screen);
	tcase_add_test(tc, test_message_error_until_key);
	tcase_add_test(tc, test_status_counts);
	tcase_add_test(tc, test_status_counts_one);
	tcase_add_test(tc, test_load_format_known_total);
	tcase_add_test(tc, test_load_format_unknown_total);
	tcase_add_test(tc, test_load_format_grown_file);
	tcase_add_test(tc, test_load_format_short_buffer);
	tcase_add_test(tc, test_load_refresh_rare_with_state);
	tcase_add_test(tc, test_width_utf8_names);
	suite_add_tcase(s, tc);
	return s;
}
