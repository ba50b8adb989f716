/*
 * Tests for finding, ordering and acting on suspects without a terminal.
 * They cover sort orders (s, S), the filter and search (/, n, N, Esc),
 * quick filters (f), the choices that w offers and undo (u).  They also
 * cover the whitelist screen (L), confirmation prompts before bulk actions
 * and the key table with keys from the config file.
 * A struct ui over fake suspects uses a real store and whitelist file in
 * a temporary folder.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "provider.h"
#include "reason.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

#define UV_NCLIENTS	5

static char			 uv_dir[64];
static char			*uv_wl_path;
static char			*uv_state_path;
static struct config		 uv_cfg;
static struct ui_context	 uv_ctx;
static struct ui		 uv_ui;
static struct client		 uv_clients[UV_NCLIENTS];
static struct client		*uv_list[UV_NCLIENTS];
static struct agg_count		 uv_helos[UV_NCLIENTS];
static struct agg_count		 uv_reasons[UV_NCLIENTS];

/*
 * In the given (score) order, with score, events, last seen, names and
 * the one reason of each:
 * 0: 192.0.2.10	9 5 1000  rDNS mx1.example.net	helo_verify_failed
 * 1: 2001:db8::1	7 9 3000  no names		dnsbl
 * 2: 198.51.100.13	7 2 2000  Example Hosting range	no_rdns
 * 3: 192.0.2.9		4 9 4000  HELO host.example.org	protocol_error
 * 4: 10.0.0.1		4 1  500  no names		rejected:relay denied
 */
static void
uv_make_clients(void)
{
	static const char *const ips[UV_NCLIENTS] = { "192.0.2.10",
	    "2001:db8::1", "198.51.100.13", "192.0.2.9", "10.0.0.1" };
	static const char *const reasons[UV_NCLIENTS] = {
	    "helo_verify_failed", "dnsbl", "no_rdns", "protocol_error",
	    "rejected:relay denied" };
	static const int	scores[UV_NCLIENTS] = { 9, 7, 7, 4, 4 };
	static const int	events[UV_NCLIENTS] = { 5, 9, 2, 9, 1 };
	static const int	last[UV_NCLIENTS] = { 1000, 3000, 2000, 4000,
				    500 };
	static char		reason_names[UV_NCLIENTS][40];
	static char		helo[] = "host.example.org";
	static char		rdns[] = "mx1.example.net";
	struct client		*c;
	size_t			 i;

	memset(uv_clients, 0, sizeof uv_clients);
	for (i = 0; i < UV_NCLIENTS; i++) {
		c = &uv_clients[i];
		snprintf(c->ip, sizeof c->ip, "%s", ips[i]);
		c->addr.family = strchr(ips[i], ':') != NULL ? AF_INET6 :
		    AF_INET;
		ck_assert_int_eq(inet_pton(c->addr.family, ips[i],
		    c->addr.bytes), 1);
		snprintf(reason_names[i], sizeof reason_names[i], "%s",
		    reasons[i]);
		uv_reasons[i].name = reason_names[i];
		uv_reasons[i].count = 1;
		c->reasons = &uv_reasons[i];
		c->nreasons = 1;
		c->score = scores[i];
		c->events = (uint64_t)events[i];
		c->last.utc = last[i];
		c->suspect = 1;
		uv_list[i] = c;
	}
	uv_clients[0].rdns = rdns;
	uv_helos[3].name = helo;
	uv_helos[3].count = 1;
	uv_clients[3].helos = &uv_helos[3];
	uv_clients[3].nhelos = 1;
}

static void
uv_setup(void)
{
	char	*cause = NULL;

	snprintf(uv_dir, sizeof uv_dir, "/tmp/check_ui_view.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(uv_dir));
	config_defaults(&uv_cfg);
	free(uv_cfg.outbox);
	xasprintf(&uv_cfg.outbox, "%s/outbox", uv_dir);
	free(uv_cfg.sendmail);
	uv_cfg.sendmail = NULL;
	ck_assert_int_eq(provider_table_add(uv_cfg.providers,
	    "Example Hosting", "198.51.100.0/24, 2001:db8:ffff::/48",
	    &cause), 0);

	check_ui_context(&uv_ctx, &uv_cfg, uv_dir);
	xasprintf(&uv_state_path, "%s/state.db", uv_dir);
	xasprintf(&uv_wl_path, "%s/whitelist", uv_dir);
	setenv("TZ", "UTC", 1);
	tzset();
	uv_make_clients();
	ui_init(&uv_ui, &uv_ctx);
	uv_ui.page = 20;
	uv_ui.text_page = 20;
	ui_set_suspects(&uv_ui, uv_list, UV_NCLIENTS);
}

static void
uv_teardown(void)
{
	ui_free(&uv_ui);
	store_close(uv_ctx.store);
	wl_free(uv_ctx.wl);
	config_free(&uv_cfg);
	if (check_remove_tree(uv_dir) != 0)
		fprintf(stderr, "could not remove %s\n", uv_dir);
	free(uv_wl_path);
	free(uv_state_path);
}

/* Send each byte of s as a key. */
static void
uv_type(const char *s)
{
	for (; *s != '\0'; s++)
		ui_key(&uv_ui, (unsigned char)*s);
}

/* The rows as client numbers, such as "01234". */
static char *
uv_rows(void)
{
	static char	buf[UV_NCLIENTS + 1];
	size_t		i;

	for (i = 0; i < uv_ui.nrows && i < UV_NCLIENTS; i++)
		buf[i] = (char)('0' + (uv_ui.rows[i] - uv_clients));
	buf[i] = '\0';
	return buf;
}

/* The whitelist file, read afresh (allocated, "" when missing). */
static char *
uv_wl_file(void)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(uv_wl_path, "r")) == NULL)
		return xstrdup("");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)len + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Move to the row of client i. */
static void
uv_select(size_t i)
{
	size_t	r;

	for (r = 0; r < uv_ui.nrows; r++) {
		if (uv_ui.rows[r] == &uv_clients[i]) {
			ui_move_to(&uv_ui, r);
			return;
		}
	}
	ck_abort_msg("client %zu is not listed", i);
}

/* The mark of ip in a store opened afresh, as another run would see it. */
static int
uv_stored_mark(const char *ip)
{
	struct store	*st;
	char		*cause = NULL;
	int		 marked;

	st = store_open(uv_state_path, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
	marked = store_is_marked(st, ip, &cause);
	store_close(st);
	return marked;
}

START_TEST(test_sort_cycle_exact_orders)
{
	char	*view;

	ck_assert_str_eq(uv_rows(), "01234");
	ck_assert_int_eq(ui_key(&uv_ui, 's'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "sorted by count");
	/* 1 and 3 both have 9 events: the score order breaks the tie. */
	ck_assert_str_eq(uv_rows(), "13024");
	ui_key(&uv_ui, 's');
	ck_assert_str_eq(uv_ui.message, "sorted by last seen");
	ck_assert_str_eq(uv_rows(), "31204");
	ui_key(&uv_ui, 's');
	ck_assert_str_eq(uv_ui.message, "sorted by IP");
	/* Numeric: 192.0.2.9 before 192.0.2.10, IPv6 last. */
	ck_assert_str_eq(uv_rows(), "43021");
	ui_key(&uv_ui, 's');
	ck_assert_str_eq(uv_ui.message, "sorted by provider");
	/* Example Hosting, example.net, example.org, then unknown ones. */
	ck_assert_str_eq(uv_rows(), "20314");
	view = ui_view_describe(&uv_ui);
	ck_assert_str_eq(view, "sort: provider");
	free(view);
	ui_key(&uv_ui, 's');
	ck_assert_str_eq(uv_ui.message, "sorted by score");
	ck_assert_str_eq(uv_rows(), "01234");
}
END_TEST

START_TEST(test_sort_reverse_exact)
{
	char	*view;

	ui_key(&uv_ui, 's');
	ck_assert_int_eq(ui_key(&uv_ui, 'S'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "sorted by count, reversed");
	ck_assert_str_eq(uv_rows(), "42031");
	view = ui_view_describe(&uv_ui);
	ck_assert_str_eq(view, "sort: count, reversed");
	free(view);
	/* The order survives a cycle; S again goes forward. */
	ui_key(&uv_ui, 's');
	ck_assert_str_eq(uv_rows(), "40213");
	ui_key(&uv_ui, 'S');
	ck_assert_str_eq(uv_rows(), "31204");
}
END_TEST

START_TEST(test_sort_keeps_cursor_suspect)
{
	uv_select(2);
	ui_key(&uv_ui, 's');
	ck_assert_ptr_eq(ui_selected(&uv_ui), &uv_clients[2]);
	ck_assert_uint_eq(uv_ui.cursor, 3);
}
END_TEST

START_TEST(test_filter_backslash_once)
{
	char	*text, *cause = NULL;

	ui_key(&uv_ui, '/');
	uv_type("mx1\\.example");
	text = ui_prompt_display(&uv_ui);
	ck_assert_str_eq(text, "Filter (PCRE2, empty: none): mx1\\.example");
	free(text);
	ui_key(&uv_ui, '\r');
	ck_assert_str_eq(uv_rows(), "0");
	text = ui_view_describe(&uv_ui);
	ck_assert_str_eq(text, "sort: score | filter: /mx1\\.example/");
	free(text);

	ui_key(&uv_ui, 'T');
	uv_type("a\\b");
	text = ui_prompt_display(&uv_ui);
	ck_assert_str_eq(text, "Tag suspects matching (empty: untag all): "
	    "a\\b");
	free(text);
	ui_key(&uv_ui, UI_KEY_ESC);

	/* A control byte is still escaped. */
	ck_assert_int_eq(ui_filter_set(&uv_ui, "x\033y", &cause), 0);
	text = ui_view_describe(&uv_ui);
	ck_assert_str_eq(text, "sort: score | filter: /x\\x1By/");
	free(text);
}
END_TEST

START_TEST(test_filter_exact_rows)
{
	char	*view;

	ck_assert_int_eq(ui_key(&uv_ui, '/'), UI_ACT_REDRAW);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_FILTER);
	uv_type("EXAMPLE");
	view = ui_prompt_text(&uv_ui);
	ck_assert_str_eq(view, "Filter (PCRE2, empty: none): EXAMPLE");
	free(view);
	ck_assert_int_eq(ui_key(&uv_ui, '\r'), UI_ACT_SELECT | UI_ACT_REDRAW);
	/* rDNS, provider name and HELO, ignoring case. */
	ck_assert_str_eq(uv_rows(), "023");
	ck_assert_str_eq(uv_ui.message, "3 suspects match; Esc clears the "
	    "filter");
	view = ui_view_describe(&uv_ui);
	ck_assert_str_eq(view, "sort: score | filter: /EXAMPLE/");
	free(view);

	/* IP and reason names too. */
	ui_key(&uv_ui, '/');
	ck_assert_str_eq(uv_ui.input, "EXAMPLE");
	ui_key(&uv_ui, 0x15);
	uv_type("^10\\.|^dnsbl$");
	ui_key(&uv_ui, '\r');
	ck_assert_str_eq(uv_rows(), "14");
}
END_TEST

START_TEST(test_filter_invalid_keeps_old)
{
	uv_type("/mx1\r");
	ck_assert_str_eq(uv_rows(), "0");
	uv_type("/");
	ui_key(&uv_ui, 0x15);
	uv_type("(\r");
	ck_assert_int_eq(uv_ui.message_error, 1);
	ck_assert_ptr_eq(strstr(uv_ui.message, "invalid pattern \"(\": "
	    "offset 1: "), uv_ui.message);
	ck_assert_str_eq(uv_ui.message + strlen(uv_ui.message) -
	    strlen("; the filter is unchanged"), "; the filter is unchanged");
	ck_assert_str_eq(uv_rows(), "0");
}
END_TEST

START_TEST(test_search_next_previous)
{
	uv_type("/example\r");
	ck_assert_int_eq(ui_key(&uv_ui, UI_KEY_ESC),
	    UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "filters cleared; n and N still "
	    "search");
	ck_assert_str_eq(uv_rows(), "01234");
	ck_assert_uint_eq(uv_ui.cursor, 0);

	ck_assert_int_eq(ui_key(&uv_ui, 'n'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_ptr_eq(ui_selected(&uv_ui), &uv_clients[2]);
	ui_key(&uv_ui, 'n');
	ck_assert_ptr_eq(ui_selected(&uv_ui), &uv_clients[3]);
	ui_key(&uv_ui, 'n');
	ck_assert_ptr_eq(ui_selected(&uv_ui), &uv_clients[0]);
	ck_assert_str_eq(uv_ui.message, "search wrapped around");
	ui_key(&uv_ui, 'N');
	ck_assert_ptr_eq(ui_selected(&uv_ui), &uv_clients[3]);
	ck_assert_str_eq(uv_ui.message, "search wrapped around");
	ui_key(&uv_ui, 'N');
	ck_assert_ptr_eq(ui_selected(&uv_ui), &uv_clients[2]);
}
END_TEST

START_TEST(test_search_without_pattern)
{
	ck_assert_int_eq(ui_key(&uv_ui, 'n'), UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "no pattern to search for; / sets "
	    "one");
	uv_type("/nomatch\r");
	ck_assert_str_eq(uv_rows(), "");
	ui_key(&uv_ui, UI_KEY_ESC);
	ui_key(&uv_ui, 'n');
	ck_assert_str_eq(uv_ui.message, "no listed suspect matches the "
	    "pattern");
	ck_assert_uint_eq(uv_ui.cursor, 0);
}
END_TEST

START_TEST(test_quick_filter_kinds)
{
	char	*text;

	ck_assert_int_eq(ui_key(&uv_ui, 'f'), UI_ACT_REDRAW);
	text = ui_prompt_text(&uv_ui);
	ck_assert_str_eq(text, "Quick filter: n new, m marked, w "
	    "whitelisted, r reported, h HELO, p PTR, d DNSBL, s SMTP, o "
	    "other, a all; Esc cancels");
	free(text);
	ui_key(&uv_ui, 'h');
	ck_assert_str_eq(uv_rows(), "0");
	ck_assert_str_eq(uv_ui.message, "showing suspects with HELO reasons");
	uv_type("fp");
	ck_assert_str_eq(uv_rows(), "2");
	uv_type("fd");
	ck_assert_str_eq(uv_rows(), "1");
	uv_type("fs");
	ck_assert_str_eq(uv_rows(), "3");
	uv_type("fo");
	ck_assert_str_eq(uv_rows(), "4");
	text = ui_view_describe(&uv_ui);
	ck_assert_str_eq(text, "sort: score | only other reasons");
	free(text);
	uv_type("fa");
	ck_assert_str_eq(uv_rows(), "01234");
	ck_assert_str_eq(uv_ui.message, "quick filters cleared");
	uv_type("fz");
	ck_assert_int_eq(uv_ui.message_error, 1);
	ck_assert_str_eq(uv_ui.message, "no quick filter on that key; f a "
	    "shows all");
}
END_TEST

START_TEST(test_quick_filter_status)
{
	char	*text;

	uv_clients[3].marked = 1;
	uv_clients[1].whitelisted = 1;
	uv_clients[4].reported_at = 1700000000;
	ui_rows_rebuild(&uv_ui);
	ck_assert_str_eq(uv_rows(), "0234");
	uv_type("fn");
	ck_assert_str_eq(uv_rows(), "02");
	uv_type("fm");
	ck_assert_str_eq(uv_rows(), "3");
	/* f w shows whitelisted suspects although W hides them. */
	uv_type("fw");
	ck_assert_str_eq(uv_rows(), "1");
	uv_type("fr");
	ck_assert_str_eq(uv_rows(), "4");
	/* A status and a reason kind together. */
	uv_type("fnfp");
	ck_assert_str_eq(uv_rows(), "2");
	text = ui_view_describe(&uv_ui);
	ck_assert_str_eq(text, "sort: score | only new | only PTR reasons");
	free(text);
	ui_key(&uv_ui, UI_KEY_ESC);
	ck_assert_str_eq(uv_rows(), "0234");
}
END_TEST

START_TEST(test_empty_list_text)
{
	size_t	i;

	/* Filters that hide every suspect show a message.  Esc clears them. */
	uv_clients[3].marked = 1;
	ui_rows_rebuild(&uv_ui);
	uv_type("fmfd");
	ck_assert_str_eq(uv_rows(), "");
	ck_assert_str_eq(ui_empty_text(&uv_ui),
	    "no suspect matches the filters; Esc clears them");
	ui_key(&uv_ui, UI_KEY_ESC);
	ck_assert_str_eq(uv_rows(), "01234");

	/* With no filter on, only W hides suspects. */
	for (i = 0; i < UV_NCLIENTS; i++)
		uv_clients[i].whitelisted = 1;
	ui_rows_rebuild(&uv_ui);
	ck_assert_str_eq(uv_rows(), "");
	ck_assert_str_eq(ui_empty_text(&uv_ui),
	    "every suspect is whitelisted; W shows them");

	uv_ui.nsuspects = 0;
	uv_ui.loading = 1;
	ck_assert_str_eq(ui_empty_text(&uv_ui), "no suspects found yet");
	uv_ui.loading = 0;
	ck_assert_str_eq(ui_empty_text(&uv_ui), "no suspects in these logs");
	uv_ui.nsuspects = UV_NCLIENTS;
}
END_TEST

START_TEST(test_group_one_group_message)
{
	char	*cause = NULL;

	ck_assert_msg(ui_filter_set(&uv_ui, "^192\\.0\\.2\\.9$", &cause) == 0,
	    "ui_filter_set: %s", cause);
	ck_assert_str_eq(uv_rows(), "3");
	ui_key(&uv_ui, 'g');
	ck_assert_uint_eq(uv_ui.ngroups, 1);
	ck_assert_str_eq(uv_ui.message, "grouped by provider: 1 group; Enter "
	    "on a header collapses or expands it");
}
END_TEST

START_TEST(test_whitelist_choices_offered)
{
	ck_assert_int_eq(ui_key(&uv_ui, 'w'), UI_ACT_REDRAW);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_WL_CHOICE);
	ck_assert_str_eq(uv_ui.wl_pending_label, "Whitelist: i IP 192.0.2.10, "
	    "n 192.0.2.0/24, d *.example.net; Esc cancels");
	ui_key(&uv_ui, UI_KEY_ESC);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_NONE);
	ck_assert_str_eq(uv_ui.message, "cancelled");

	uv_select(1);
	ui_key(&uv_ui, 'w');
	ck_assert_str_eq(uv_ui.wl_pending_label, "Whitelist: i IP 2001:db8::1, "
	    "n 2001:db8::/48; Esc cancels");
	ui_key(&uv_ui, UI_KEY_ESC);

	uv_select(2);
	ui_key(&uv_ui, 'w');
	ck_assert_str_eq(uv_ui.wl_pending_label, "Whitelist: i IP "
	    "198.51.100.13, n 198.51.100.0/24, p Example Hosting (2 ranges); "
	    "Esc cancels");
	ui_key(&uv_ui, UI_KEY_ESC);

	/* A HELO name is no rDNS name: no d. */
	uv_select(3);
	ui_key(&uv_ui, 'w');
	ui_key(&uv_ui, 'd');
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_NONE);
	ck_assert_int_eq(uv_ui.message_error, 1);
	ck_assert_str_eq(uv_ui.message, "nothing to whitelist on that key; w "
	    "shows the choices");
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 0);
}
END_TEST

START_TEST(test_whitelist_domain_line)
{
	char	*text;

	uv_type("wd");
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_WL_COMMENT);
	ui_key(&uv_ui, 0x15);
	uv_type("partner MX");
	text = ui_prompt_text(&uv_ui);
	ck_assert_str_eq(text, "Comment for *.example.net: partner MX");
	free(text);
	ck_assert_int_eq(ui_key(&uv_ui, '\r'), UI_ACT_SELECT | UI_ACT_REDRAW);
	text = uv_wl_file();
	ck_assert_str_eq(text, "*.example.net # partner MX\n");
	free(text);
	ck_assert_int_eq(uv_clients[0].whitelisted, 1);
	ck_assert_str_eq(uv_rows(), "1234");
	ck_assert_str_eq(uv_ui.message, "whitelisted *.example.net: 1 more "
	    "suspect; W shows whitelisted clients");
}
END_TEST

START_TEST(test_whitelist_net_and_provider_lines)
{
	char	*text, expect[128], date[32];
	time_t	 now = time(NULL);

	/* n on 192.0.2.10 covers 192.0.2.9 as well, so it prompts first. */
	uv_type("wn");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_str_eq(uv_ui.confirm_text, "whitelist 192.0.2.0/24 "
	    "(2 suspects)? y/n");
	uv_type("y\r");
	strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
	snprintf(expect, sizeof expect, "192.0.2.0/24 # added by smtptriage "
	    "%s\n", date);
	text = uv_wl_file();
	ck_assert_str_eq(text, expect);
	free(text);
	ck_assert_str_eq(uv_ui.message, "whitelisted 192.0.2.0/24: 2 more "
	    "suspects; W shows whitelisted clients");
	ck_assert_str_eq(uv_rows(), "124");

	uv_select(2);
	uv_type("wp");
	ui_key(&uv_ui, 0x15);
	uv_type("hosting\r");
	text = uv_wl_file();
	snprintf(expect, sizeof expect, "192.0.2.0/24 # added by smtptriage "
	    "%s\n198.51.100.0/24 # hosting\n2001:db8:ffff::/48 # hosting\n",
	    date);
	ck_assert_str_eq(text, expect);
	free(text);
	ck_assert_str_eq(uv_rows(), "14");

	/* The IPv6 /48 with an empty comment. */
	uv_select(1);
	uv_type("wn");
	ui_key(&uv_ui, 0x15);
	ui_key(&uv_ui, '\r');
	text = uv_wl_file();
	ck_assert_ptr_nonnull(strstr(text, "\n2001:db8::/48\n"));
	free(text);
	ck_assert_str_eq(uv_rows(), "4");
}
END_TEST

START_TEST(test_undo_marks_stack)
{
	ui_key(&uv_ui, 'm');
	uv_select(1);
	ui_key(&uv_ui, 'm');
	ck_assert_uint_eq(ui_undo_depth(&uv_ui), 2);
	ck_assert_int_eq(uv_stored_mark("2001:db8::1"), 1);

	ck_assert_int_eq(ui_key(&uv_ui, 'u'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "undone: mark 2001:db8::1; 1 more "
	    "step to undo");
	ck_assert_int_eq(uv_clients[1].marked, 0);
	ck_assert_int_eq(uv_clients[0].marked, 1);
	ck_assert_int_eq(uv_stored_mark("2001:db8::1"), 0);
	ck_assert_int_eq(uv_stored_mark("192.0.2.10"), 1);

	ui_key(&uv_ui, 'u');
	ck_assert_int_eq(uv_clients[0].marked, 0);
	ck_assert_int_eq(uv_stored_mark("192.0.2.10"), 0);
	ui_key(&uv_ui, 'u');
	ck_assert_str_eq(uv_ui.message, "nothing to undo");
}
END_TEST

START_TEST(test_undo_unmark_and_bulk)
{
	char	*cause = NULL;

	/* Unmarking is undone by marking again. */
	ck_assert_int_eq(store_set_mark(uv_ctx.store, "192.0.2.10", 1,
	    &cause), 0);
	uv_clients[0].marked = 1;
	ui_key(&uv_ui, 'm');
	ck_assert_int_eq(uv_stored_mark("192.0.2.10"), 0);
	ui_key(&uv_ui, 'u');
	ck_assert_int_eq(uv_stored_mark("192.0.2.10"), 1);
	ck_assert_int_eq(uv_clients[0].marked, 1);

	/* ;m on three tagged suspects is one step. */
	uv_select(1);
	uv_type("ttt;my");
	ck_assert_int_eq(uv_clients[3].marked, 1);
	ck_assert_uint_eq(ui_undo_depth(&uv_ui), 1);
	ui_key(&uv_ui, 'u');
	ck_assert_str_eq(uv_ui.message, "undone: mark 3 tagged suspects; 0 "
	    "more steps to undo");
	ck_assert_int_eq(uv_clients[1].marked, 0);
	ck_assert_int_eq(uv_clients[2].marked, 0);
	ck_assert_int_eq(uv_clients[3].marked, 0);
	ck_assert_int_eq(uv_stored_mark("198.51.100.13"), 0);
	ck_assert_int_eq(uv_stored_mark("192.0.2.10"), 1);
}
END_TEST

START_TEST(test_undo_whitelist_add_remove)
{
	char	*text;

	uv_type("wi");
	ui_key(&uv_ui, 0x15);
	uv_type("mine\r");
	ck_assert_str_eq(uv_rows(), "1234");
	ck_assert_int_eq(ui_key(&uv_ui, 'u'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "undone: 192.0.2.10; 0 more steps to "
	    "undo");
	ck_assert_str_eq(uv_rows(), "01234");
	ck_assert_int_eq(uv_clients[0].whitelisted, 0);
	text = uv_wl_file();
	ck_assert_str_eq(text, "");
	free(text);

	/* Removing an entry (W, w, y) is undone with its comment. */
	uv_select(0);
	uv_type("wi");
	ui_key(&uv_ui, 0x15);
	uv_type("mine\r");
	uv_type("W");
	uv_select(0);
	uv_type("wy");
	ck_assert_int_eq(uv_clients[0].whitelisted, 0);
	text = uv_wl_file();
	ck_assert_str_eq(text, "");
	free(text);
	ui_key(&uv_ui, 'u');
	ck_assert_str_eq(uv_ui.message, "undone: remove whitelist entry "
	    "192.0.2.10; 1 more step to undo");
	ck_assert_int_eq(uv_clients[0].whitelisted, 1);
	text = uv_wl_file();
	ck_assert_str_eq(text, "192.0.2.10 # mine\n");
	free(text);
}
END_TEST

START_TEST(test_whitelist_mapped_net)
{
	struct client	*c = &uv_clients[1];

	/* ::ffff:192.0.2.77 is whitelisted as IPv4, so n offers its /24. */
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.77",
	    c->addr.bytes), 1);
	snprintf(c->ip, sizeof c->ip, "::ffff:192.0.2.77");
	uv_select(1);
	ui_key(&uv_ui, 'w');
	ck_assert_str_eq(uv_ui.wl_pending_label, "Whitelist: i IP "
	    "::ffff:192.0.2.77, n 192.0.2.0/24; Esc cancels");
}
END_TEST

START_TEST(test_undo_whitelist_many)
{
	char	*text;

	uv_type("tt;w");
	ck_assert_str_eq(uv_ui.confirm_text, "whitelist the IPs of 2 tagged "
	    "suspects? y/n");
	ui_key(&uv_ui, 'y');
	ck_assert_str_eq(uv_rows(), "234");
	ui_key(&uv_ui, 'u');
	ck_assert_str_eq(uv_ui.message, "undone: whitelist 2 IPs; 0 more "
	    "steps to undo");
	ck_assert_str_eq(uv_rows(), "01234");
	ck_assert_int_eq(uv_clients[0].whitelisted, 0);
	ck_assert_int_eq(uv_clients[1].whitelisted, 0);
	text = uv_wl_file();
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

START_TEST(test_whitelist_net_asks)
{
	char	*text;

	/* n cancels: no prompt, no entry. */
	uv_type("wn");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_NONE);
	ck_assert_str_eq(uv_ui.confirm_text, "whitelist 192.0.2.0/24 "
	    "(2 suspects)? y/n");
	ui_key(&uv_ui, 'n');
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_NONE);
	ck_assert_uint_eq(uv_ui.nwl_pending, 0);
	ck_assert_str_eq(uv_ui.message, "cancelled");
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 0);

	/* The provider's ranges hold one suspect: no question. */
	uv_select(2);
	uv_type("wp");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_WL_COMMENT);
	ui_key(&uv_ui, UI_KEY_ESC);

	/* confirm = no: straight to the comment. */
	uv_cfg.confirm = 0;
	uv_select(0);
	uv_type("wn");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_WL_COMMENT);
	ui_key(&uv_ui, 0x15);
	uv_type("office\r");
	text = uv_wl_file();
	ck_assert_str_eq(text, "192.0.2.0/24 # office\n");
	free(text);
	ck_assert_int_eq(uv_clients[0].whitelisted, 1);
	ck_assert_int_eq(uv_clients[3].whitelisted, 1);
}
END_TEST

/* Replace the whitelist file as an admin's editor would. */
static void
uv_wl_edit(const char *text)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(uv_wl_path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_whitelist_screen_reloads_file)
{
	char	*text;

	uv_wl_edit("192.0.2.10 # by hand\n");
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 0);
	ui_key(&uv_ui, 'L');
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 1);
	ck_assert_str_eq(wl_entry(uv_ctx.wl, 0), "192.0.2.10");
	ck_assert_int_eq(uv_clients[0].whitelisted, 1);
	ui_key(&uv_ui, 'q');
	ck_assert_str_eq(uv_rows(), "1234");

	uv_wl_edit("192.0.2.9 # other\n");
	ui_key(&uv_ui, 'L');
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 1);
	ck_assert_str_eq(wl_entry(uv_ctx.wl, 0), "192.0.2.9");
	ck_assert_int_eq(uv_clients[0].whitelisted, 0);
	ck_assert_int_eq(uv_clients[3].whitelisted, 1);

	/* An invalid hand edit keeps the entries and prints an error. */
	uv_wl_edit("192.0.2.0/33\n");
	ui_key(&uv_ui, 'q');
	ui_key(&uv_ui, 'L');
	ck_assert_int_eq(uv_ui.message_error, 1);
	ck_assert_ptr_eq(strstr(uv_ui.message, "cannot read the whitelist "
	    "again: "), uv_ui.message);
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 1);

	/* A hand edit made before a, from the L screen, is kept. */
	uv_wl_edit("192.0.2.9 # other\n10.0.0.1\n");
	uv_type("a198.51.100.13\r");
	ui_key(&uv_ui, 0x15);
	ui_key(&uv_ui, '\r');
	text = uv_wl_file();
	ck_assert_str_eq(text, "192.0.2.9 # other\n10.0.0.1\n198.51.100.13\n");
	free(text);
	ck_assert_int_eq(uv_clients[4].whitelisted, 1);
	ck_assert_int_eq(uv_clients[2].whitelisted, 1);
}
END_TEST

START_TEST(test_whitelist_screen_add_remove)
{
	char	*text;

	ck_assert_int_eq(ui_key(&uv_ui, 'L'), UI_ACT_REDRAW);
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_WHITELIST);
	ui_key(&uv_ui, 'd');
	ck_assert_str_eq(uv_ui.message, "the whitelist is empty");

	/* An invalid entry is refused with the reason. */
	ui_key(&uv_ui, 'a');
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_WL_ENTRY);
	uv_type("192.0.2.0/33\r");
	ck_assert_int_eq(uv_ui.message_error, 1);
	ck_assert_str_eq(uv_ui.message, "invalid prefix length \"/33\" in "
	    "\"192.0.2.0/33\": expected a number from 0 to 32; a adds "
	    "another");
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 0);

	uv_type("a192.0.2.1/24\r");
	ck_assert_int_eq(uv_ui.prompt, UI_PROMPT_WL_COMMENT);
	ui_key(&uv_ui, 0x15);
	uv_type("test net\r");
	uv_type("a*.Example.ORG\r");
	ui_key(&uv_ui, 0x15);
	ui_key(&uv_ui, '\r');
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_WHITELIST);
	text = uv_wl_file();
	ck_assert_str_eq(text, "192.0.2.0/24 # test net\n*.example.org\n");
	free(text);
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 2);
	ck_assert_str_eq(wl_comment(uv_ctx.wl, 0), "test net");
	ck_assert_str_eq(wl_comment(uv_ctx.wl, 1), "");
	ck_assert_int_eq(uv_clients[0].whitelisted, 1);
	ck_assert_int_eq(uv_clients[3].whitelisted, 1);

	/* d prompts for confirmation.  n keeps the entry, and y removes it. */
	ui_key(&uv_ui, 'd');
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_str_eq(uv_ui.confirm_text, "remove whitelist entry "
	    "192.0.2.0/24? y/n");
	ui_key(&uv_ui, 'n');
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_WHITELIST);
	ck_assert_uint_eq(wl_count(uv_ctx.wl), 2);
	uv_type("dy");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_WHITELIST);
	text = uv_wl_file();
	ck_assert_str_eq(text, "*.example.org\n");
	free(text);
	ck_assert_int_eq(uv_clients[0].whitelisted, 0);
	ck_assert_str_eq(uv_ui.message, "removed whitelist entry "
	    "192.0.2.0/24; u undoes it");

	ck_assert_int_eq(ui_key(&uv_ui, 'q'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_LIST);
	ui_key(&uv_ui, 'u');
	text = uv_wl_file();
	ck_assert_str_eq(text, "*.example.org\n192.0.2.0/24 # test net\n");
	free(text);
}
END_TEST

START_TEST(test_confirm_on_and_off)
{
	/* On: ;m on two suspects prompts, and n leaves them alone. */
	uv_type("tt;m");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_str_eq(uv_ui.confirm_text, "mark or unmark 2 tagged "
	    "suspects? y/n");
	ui_key(&uv_ui, 'n');
	ck_assert_int_eq(uv_clients[0].marked, 0);
	ck_assert_str_eq(uv_ui.message, "cancelled");

	/* With confirm on, resending failed reports prompts even for one IP. */
	ck_assert_int_eq(ui_confirm_gate(&uv_ui, UI_DO_RETRY, NULL, 0,
	    "192.0.2.10", NULL), 0);
	ck_assert_str_eq(uv_ui.confirm_text, "send the failed reports about "
	    "192.0.2.10 again? y/n");
	ui_key(&uv_ui, UI_KEY_ESC);

	/* Off: no question. */
	uv_cfg.confirm = 0;
	uv_type(";m");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(uv_clients[0].marked, 1);
	ck_assert_int_eq(uv_clients[1].marked, 1);
	ck_assert_str_eq(uv_ui.message, "marked 2 tagged suspects");
	uv_type(";w");
	ck_assert_int_eq(uv_ui.screen, UI_SCREEN_LIST);
	ck_assert_int_eq(uv_clients[0].whitelisted, 1);
	ck_assert_int_eq(uv_clients[1].whitelisted, 1);
	ck_assert_int_eq(ui_confirm_gate(&uv_ui, UI_DO_RETRY, NULL, 0,
	    "192.0.2.10", NULL), 1);
}
END_TEST

/* Write text as the config file and load it over uv_cfg. */
static int
uv_config(const char *text, char **cause)
{
	FILE	*f;
	char	*path;
	int	 rc;

	xasprintf(&path, "%s/config", uv_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	rc = config_load(&uv_cfg, path, 1, cause);
	free(path);
	return rc;
}

/* Load text as the config file and build its key map into uv_ui. */
static int
uv_keys(const char *text, char **cause)
{
	ck_assert_int_eq(uv_config(text, cause), 0);
	ui_keymap_free(uv_ui.keymap);
	uv_ui.keymap = NULL;
	return ui_keymap_build(&uv_cfg, &uv_ui.keymap, cause);
}

/* Returns 1 when the help screen has the line of keys and text. */
static int
uv_help_has(const char *keys, const char *text)
{
	char	**help, expect[160];
	size_t	  n, i;
	int	  found = 0;

	snprintf(expect, sizeof expect, "  %-15s %s", keys, text);
	help = ui_keymap_help(&uv_ui, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(help[i], expect) == 0)
			found = 1;
		free(help[i]);
	}
	free(help);
	return found;
}

START_TEST(test_keymap_remap)
{
	char	*cause = NULL, *keys, **help;
	size_t	 n, i;

	ck_assert_msg(uv_keys("key sort = o\nkey quit = Q\nkey down = J\n"
	    "key down = Down\nconfirm = no\n", &cause) == 0, "%s", cause);
	ck_assert_int_eq(uv_cfg.confirm, 0);
	ck_assert_int_eq(ui_key(&uv_ui, 'o'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "sorted by count");
	ck_assert_int_eq(ui_key(&uv_ui, 's'), UI_ACT_REDRAW);
	ck_assert_str_eq(uv_ui.message, "key s does nothing here; ? lists the "
	    "keys");
	ck_assert_int_eq(ui_key(&uv_ui, 'q'), UI_ACT_REDRAW);
	ck_assert_int_eq(ui_key(&uv_ui, 'Q'), UI_ACT_QUIT | UI_ACT_REDRAW);
	ui_key(&uv_ui, KEY_HOME);
	ui_key(&uv_ui, 'J');
	ck_assert_uint_eq(uv_ui.cursor, 1);
	ui_key(&uv_ui, KEY_DOWN);
	ck_assert_uint_eq(uv_ui.cursor, 2);
	ui_key(&uv_ui, 'j');
	ck_assert_uint_eq(uv_ui.cursor, 2);

	keys = ui_keymap_keys(&uv_ui, "down");
	ck_assert_str_eq(keys, "J, Down");
	free(keys);

	/* The help screen shows the keys in use. */
	help = ui_keymap_help(&uv_ui, &n);
	ck_assert_str_eq(help[0], "Keys in the list (config name in "
	    "brackets)");
	for (i = 0; i < n; i++)
		free(help[i]);
	free(help);
	ck_assert_int_eq(uv_help_has("o", "sort by the next order: score, "
	    "count, last seen, IP, provider [sort]"), 1);
}
END_TEST

START_TEST(test_keymap_remap_group_and_prefix)
{
	char	*cause = NULL;

	ck_assert_msg(uv_keys("key mark = x\n", &cause) == 0, "%s", cause);
	uv_cfg.confirm = 0;
	/* ; then the new key marks the tagged suspects. */
	uv_type("tt;x");
	ck_assert_int_eq(uv_clients[0].marked, 1);
	ck_assert_int_eq(uv_clients[1].marked, 1);
	/* On a group header, m is no longer the mark key. */
	ui_key(&uv_ui, 'g');
	ui_move_to(&uv_ui, 0);
	ck_assert_ptr_null(ui_selected(&uv_ui));
	ui_key(&uv_ui, 'm');
	ck_assert_str_eq(uv_ui.message, "key m does nothing here; ? lists the "
	    "keys");
	ui_key(&uv_ui, 'x');
	ck_assert_ptr_eq(strstr(uv_ui.message, "unmarked "), uv_ui.message);
}
END_TEST

START_TEST(test_keymap_prefix_help)
{
	char	*cause = NULL;

	ck_assert_msg(uv_keys("key mark = x\nkey report = C-r\n", &cause) ==
	    0, "%s", cause);
	ck_assert_int_eq(uv_help_has(";", "apply the next key to all tagged "
	    "suspects: x, w, R, C-r [tag-prefix]"), 1);

	uv_type("t;");
	ck_assert_str_eq(uv_ui.message, "apply to 1 tagged: x marks, w "
	    "whitelists, R re-checks, C-r reports; Esc cancels");
	ui_key(&uv_ui, 'm');
	ck_assert_int_eq(uv_ui.message_error, 1);
	ck_assert_str_eq(uv_ui.message, "the key after the tag prefix was "
	    "none of x, w, R, C-r, which apply to the tagged suspects");
}
END_TEST

START_TEST(test_keymap_errors)
{
	char	*cause = NULL, *expect;

	ck_assert_int_eq(uv_keys("\nkey sortt = o\n", &cause), -1);
	xasprintf(&expect, "%s/config:2: unknown action \"sortt\" in a key "
	    "line; smtptriage.conf(5) lists the actions", uv_dir);
	ck_assert_str_eq(cause, expect);
	free(expect);
	free(cause);

	config_free(&uv_cfg);
	config_defaults(&uv_cfg);
	ck_assert_int_eq(uv_keys("key sort = F13\n", &cause), -1);
	xasprintf(&expect, "%s/config:1: invalid key \"F13\": use one "
	    "printable character or a name such as F5, Esc, Enter, Down or "
	    "C-x", uv_dir);
	ck_assert_str_eq(cause, expect);
	free(expect);
	free(cause);

	config_free(&uv_cfg);
	config_defaults(&uv_cfg);
	ck_assert_int_eq(uv_keys("key sort = m\n", &cause), -1);
	xasprintf(&expect, "%s/config:1: key m is bound to both mark and "
	    "sort; give one of them another key", uv_dir);
	ck_assert_str_eq(cause, expect);
	free(expect);
	free(cause);

	config_free(&uv_cfg);
	config_defaults(&uv_cfg);
	ck_assert_int_eq(uv_config("key sort o\n", &cause), -1);
	xasprintf(&expect, "%s/config:1: expected \"key ACTION = KEY\"",
	    uv_dir);
	ck_assert_str_eq(cause, expect);
	free(expect);
	free(cause);

	config_free(&uv_cfg);
	config_defaults(&uv_cfg);
	ck_assert_int_eq(uv_config("key sort = o p\n", &cause), -1);
	xasprintf(&expect, "%s/config:1: expected one key after \"=\", such "
	    "as o, F5 or Esc, found \"o p\"", uv_dir);
	ck_assert_str_eq(cause, expect);
	free(expect);
	free(cause);
}
END_TEST

START_TEST(test_key_names)
{
	int	codes[3];
	size_t	n;

	ck_assert_int_eq(ui_key_parse("F5", codes, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(codes[0], KEY_F(5));
	ck_assert_int_eq(ui_key_parse("esc", codes, &n), 0);
	ck_assert_int_eq(codes[0], UI_KEY_ESC);
	ck_assert_int_eq(ui_key_parse("Enter", codes, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(codes[0], '\r');
	ck_assert_int_eq(codes[1], '\n');
	ck_assert_int_eq(codes[2], KEY_ENTER);
	ck_assert_int_eq(ui_key_parse("C-l", codes, &n), 0);
	ck_assert_int_eq(codes[0], UI_KEY_CTRL_L);
	ck_assert_int_eq(ui_key_parse("Down", codes, &n), 0);
	ck_assert_int_eq(codes[0], KEY_DOWN);
	ck_assert_int_eq(ui_key_parse("~", codes, &n), 0);
	ck_assert_int_eq(codes[0], '~');
	ck_assert_int_eq(ui_key_parse("F0", codes, &n), -1);
	ck_assert_int_eq(ui_key_parse("ab", codes, &n), -1);
	ck_assert_int_eq(ui_key_parse(" ", codes, &n), -1);
	ck_assert_int_eq(ui_key_parse("", codes, &n), -1);
}
END_TEST

START_TEST(test_reason_kinds)
{
	ck_assert_int_eq(reason_kind("helo_non_fqdn"), REASON_KIND_HELO);
	ck_assert_int_eq(reason_kind("no_verified_rdns"), REASON_KIND_PTR);
	ck_assert_int_eq(reason_kind("postscreen_dnsbl"), REASON_KIND_DNSBL);
	ck_assert_int_eq(reason_kind("postscreen_pregreet"), REASON_KIND_SMTP);
	ck_assert_int_eq(reason_kind("rejected:relay denied"),
	    REASON_KIND_OTHER);
	ck_assert_int_eq(reason_kind("warning:helo_verify_failed"),
	    REASON_KIND_OTHER);
	ck_assert_str_eq(reason_kind_name(REASON_KIND_PTR), "PTR");
}
END_TEST

Suite *
make_ui_view_suite(void)
{
	Suite	*s = suite_create("ui_view");
	TCase	*tc;

	tc = tcase_create("order");
	tcase_add_checked_fixture(tc, uv_setup, uv_teardown);
	tcase_add_test(tc, test_sort_cycle_exact_orders);
	tcase_add_test(tc, test_sort_reverse_exact);
	tcase_add_test(tc, test_sort_keeps_cursor_suspect);
	tcase_add_test(tc, test_filter_exact_rows);
	tcase_add_test(tc, test_filter_backslash_once);
	tcase_add_test(tc, test_filter_invalid_keeps_old);
	tcase_add_test(tc, test_search_next_previous);
	tcase_add_test(tc, test_search_without_pattern);
	tcase_add_test(tc, test_quick_filter_kinds);
	tcase_add_test(tc, test_quick_filter_status);
	tcase_add_test(tc, test_empty_list_text);
	tcase_add_test(tc, test_group_one_group_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("acting");
	tcase_add_checked_fixture(tc, uv_setup, uv_teardown);
	tcase_add_test(tc, test_whitelist_choices_offered);
	tcase_add_test(tc, test_whitelist_domain_line);
	tcase_add_test(tc, test_whitelist_net_and_provider_lines);
	tcase_add_test(tc, test_whitelist_net_asks);
	tcase_add_test(tc, test_whitelist_screen_reloads_file);
	tcase_add_test(tc, test_undo_marks_stack);
	tcase_add_test(tc, test_undo_unmark_and_bulk);
	tcase_add_test(tc, test_undo_whitelist_add_remove);
	tcase_add_test(tc, test_undo_whitelist_many);
	tcase_add_test(tc, test_whitelist_mapped_net);
	tcase_add_test(tc, test_whitelist_screen_add_remove);
	tcase_add_test(tc, test_confirm_on_and_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, uv_setup, uv_teardown);
	tcase_add_test(tc, test_keymap_remap);
	tcase_add_test(tc, test_keymap_remap_group_and_prefix);
	tcase_add_test(tc, test_keymap_prefix_help);
	tcase_add_test(tc, test_keymap_errors);
	tcase_add_test(tc, test_key_names);
	tcase_add_test(tc, test_reason_kinds);
	suite_add_tcase(s, tc);
	return s;
}
