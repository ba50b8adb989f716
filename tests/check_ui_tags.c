/*
 * Tests for tags and the grouped view (tui/ui_tags.c) without a terminal:
 * t, T with a pattern, ; before m, w, R and r, g with its group headers,
 * collapsing, and the actions on a header.  A struct ui over fake
 * suspects uses a real store and whitelist in a temporary folder, and a
 * UDP socket on 127.0.0.1 that receives the DNS queries and never replies.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "plan.h"
#include "provider.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

#define UT_NCLIENTS	6

static char			 ut_dir[64];
static struct config		 ut_cfg;
static struct ui_context	 ut_ctx;
static struct ui		 ut_ui;
static struct client		 ut_clients[UT_NCLIENTS];
static struct client		*ut_list[UT_NCLIENTS];
static struct agg_count		 ut_helos[UT_NCLIENTS];
static struct agg_count		 ut_reasons[UT_NCLIENTS];
static char			 ut_reason_helo[] = "helo_verify_failed";
static char			 ut_reason_rdns[] = "no_rdns";
static int			 ut_dns_fd = -1;

/*
 * In list order, with their providers:
 * 0: 192.0.2.10, rDNS mx1.example.net		example.net
 * 1: 192.0.2.11, rDNS mx2.example.net		example.net
 * 2: 192.0.2.12, HELO host.example.org		example.org (unverified)
 * 3: 198.51.100.13, configured range		Example Hosting
 * 4: 192.0.2.14, no names			unknown
 * 5: 192.0.2.15, rDNS mx3.example.net		example.net
 */
static void
ut_make_clients(void)
{
	static const char *const ips[UT_NCLIENTS] = { "192.0.2.10",
	    "192.0.2.11", "192.0.2.12", "198.51.100.13", "192.0.2.14",
	    "192.0.2.15" };
	static char	 helo_names[UT_NCLIENTS][40];
	static char	 rdns_names[UT_NCLIENTS][40];
	size_t		 i;

	memset(ut_clients, 0, sizeof ut_clients);
	for (i = 0; i < UT_NCLIENTS; i++) {
		snprintf(ut_clients[i].ip, sizeof ut_clients[i].ip, "%s",
		    ips[i]);
		ut_clients[i].addr.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ips[i],
		    ut_clients[i].addr.bytes), 1);
		ut_reasons[i].name = i == 2 ? ut_reason_helo : ut_reason_rdns;
		ut_reasons[i].count = 1;
		ut_clients[i].reasons = &ut_reasons[i];
		ut_clients[i].nreasons = 1;
		ut_clients[i].events = 1;
		ut_clients[i].suspect = 1;
		ut_list[i] = &ut_clients[i];
	}
	snprintf(helo_names[2], sizeof helo_names[2], "host.example.org");
	ut_helos[2].name = helo_names[2];
	ut_helos[2].count = 1;
	ut_clients[2].helos = &ut_helos[2];
	ut_clients[2].nhelos = 1;
	snprintf(rdns_names[0], sizeof rdns_names[0], "mx1.example.net");
	snprintf(rdns_names[1], sizeof rdns_names[1], "mx2.example.net");
	snprintf(rdns_names[5], sizeof rdns_names[5], "mx3.example.net");
	ut_clients[0].rdns = rdns_names[0];
	ut_clients[1].rdns = rdns_names[1];
	ut_clients[5].rdns = rdns_names[5];
}

static void
ut_setup(void)
{
	char	*cause = NULL;

	snprintf(ut_dir, sizeof ut_dir, "/tmp/check_ui_tags.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ut_dir));
	config_defaults(&ut_cfg);
	free(ut_cfg.outbox);
	xasprintf(&ut_cfg.outbox, "%s/outbox", ut_dir);
	free(ut_cfg.sendmail);
	ut_cfg.sendmail = NULL;
	free(ut_cfg.report_to);
	ut_cfg.report_to = NULL;
	free(ut_cfg.from);
	ut_cfg.from = xstrdup("Abuse Desk <abuse@example.org>");
	ck_assert_int_eq(provider_table_add(ut_cfg.providers,
	    "Example Hosting", "198.51.100.0/24", &cause), 0);

	check_ui_context(&ut_ctx, &ut_cfg, ut_dir);
	setenv("TZ", "UTC", 1);
	tzset();
	ut_make_clients();
	ui_init(&ut_ui, &ut_ctx);
	ut_ui.page = 20;
	ut_ui.text_page = 20;
	ui_set_suspects(&ut_ui, ut_list, UT_NCLIENTS);
}

static void
ut_teardown(void)
{
	ui_free(&ut_ui);
	if (ut_ctx.dns != NULL)
		dns_free(ut_ctx.dns);
	ut_ctx.dns = NULL;
	if (ut_dns_fd != -1)
		close(ut_dns_fd);
	ut_dns_fd = -1;
	store_close(ut_ctx.store);
	wl_free(ut_ctx.wl);
	config_free(&ut_cfg);
	if (check_remove_tree(ut_dir) == -1)
		fprintf(stderr, "could not remove %s\n", ut_dir);
}

/* Send each byte of s as a key. */
static void
ut_type(const char *s)
{
	for (; *s != '\0'; s++)
		ui_key(&ut_ui, (unsigned char)*s);
}

/* The tagged flags of the six clients as a string of 0 and 1. */
static char *
ut_tag_flags(void)
{
	static char	buf[UT_NCLIENTS + 1];
	size_t		i;

	for (i = 0; i < UT_NCLIENTS; i++)
		buf[i] = ui_tagged(&ut_ui, &ut_clients[i]) ? '1' : '0';
	buf[UT_NCLIENTS] = '\0';
	return buf;
}

/* Move the cursor to the header of group name. */
static void
ut_goto_header(const char *name)
{
	size_t	i;

	for (i = 0; i < ut_ui.nrows; i++) {
		if (ut_ui.rows[i] == NULL &&
		    strcmp(ut_ui.groups[ut_ui.row_group[i]].name, name) == 0) {
			ui_move_to(&ut_ui, i);
			return;
		}
	}
	ck_abort_msg("no header for group %s", name);
}

START_TEST(test_tag_and_untag)
{
	ck_assert_int_eq(ui_key(&ut_ui, 't'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_str_eq(ut_ui.message, "tagged 192.0.2.10; 1 tagged");
	ck_assert_uint_eq(ut_ui.cursor, 1);
	ck_assert_uint_eq(ut_ui.ntags, 1);
	ck_assert_str_eq(ut_tag_flags(), "100000");

	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 't');
	ck_assert_str_eq(ut_tag_flags(), "101000");

	ui_key(&ut_ui, KEY_HOME);
	ui_key(&ut_ui, 't');
	ck_assert_str_eq(ut_ui.message, "untagged 192.0.2.10; 1 tagged");
	ck_assert_str_eq(ut_tag_flags(), "001000");
	ck_assert_uint_eq(ut_ui.ntags, 1);
}
END_TEST

START_TEST(test_tag_last_row_stays)
{
	ui_key(&ut_ui, KEY_END);
	ck_assert_int_eq(ui_key(&ut_ui, 't'), UI_ACT_REDRAW);
	ck_assert_uint_eq(ut_ui.cursor, UT_NCLIENTS - 1);
	ck_assert_str_eq(ut_tag_flags(), "000001");
}
END_TEST

START_TEST(test_tag_pattern_exact_set)
{
	/* rDNS mx1/mx2, the reason of client 2, and an IP. */
	ui_key(&ut_ui, 'T');
	ck_assert_int_eq(ut_ui.prompt, UI_PROMPT_TAG);
	ut_type("^mx[12]\\.|HELO_VERIFY|^198\\.51\\.");
	ui_key(&ut_ui, '\r');
	ck_assert_int_eq(ut_ui.prompt, UI_PROMPT_NONE);
	ck_assert_str_eq(ut_tag_flags(), "111100");
	ck_assert_str_eq(ut_ui.message, "4 suspects match; 4 newly tagged, 4 "
	    "tagged in all");

	/* The provider: the configured name and the unverified domain. */
	ui_key(&ut_ui, 'T');
	ut_type("^example hosting$");
	ui_key(&ut_ui, '\r');
	ck_assert_str_eq(ut_ui.message, "1 suspects match; 0 newly tagged, 4 "
	    "tagged in all");
	ui_key(&ut_ui, 'T');
	ut_type("mx3");
	ui_key(&ut_ui, '\r');
	ck_assert_str_eq(ut_tag_flags(), "111101");
}
END_TEST

START_TEST(test_tag_pattern_provider)
{
	ui_key(&ut_ui, 'T');
	ut_type("^example\\.org$");
	ui_key(&ut_ui, '\r');
	ck_assert_str_eq(ut_tag_flags(), "001000");
}
END_TEST

START_TEST(test_tag_pattern_edit_keys)
{
	ui_key(&ut_ui, 'T');
	ut_type("xyz");
	ui_key(&ut_ui, KEY_BACKSPACE);
	ck_assert_str_eq(ut_ui.input, "xy");
	ui_key(&ut_ui, 0x15);
	ck_assert_str_eq(ut_ui.input, "");
	ut_type("mx1");
	ui_key(&ut_ui, UI_KEY_ESC);
	ck_assert_int_eq(ut_ui.prompt, UI_PROMPT_NONE);
	ck_assert_str_eq(ut_ui.message, "cancelled");
	ck_assert_uint_eq(ut_ui.ntags, 0);
}
END_TEST

START_TEST(test_tag_pattern_invalid)
{
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 'T');
	ut_type("mx(");
	ui_key(&ut_ui, '\r');
	ck_assert_int_eq(ut_ui.message_error, 1);
	ck_assert_ptr_eq(strstr(ut_ui.message, "invalid pattern \"mx(\": "
	    "offset 3: "), ut_ui.message);
	ck_assert_str_eq(ut_tag_flags(), "100000");
}
END_TEST

START_TEST(test_tag_pattern_empty_untags)
{
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 'T');
	ui_key(&ut_ui, '\r');
	ck_assert_str_eq(ut_ui.message, "untagged 2 suspects");
	ck_assert_uint_eq(ut_ui.ntags, 0);
	ck_assert_str_eq(ut_tag_flags(), "000000");
}
END_TEST

START_TEST(test_prefix_without_tags)
{
	ck_assert_int_eq(ui_key(&ut_ui, ';'), UI_ACT_REDRAW);
	ck_assert_str_eq(ut_ui.message, "no suspects tagged");
	ck_assert_int_eq(ut_ui.tag_prefix, 0);
	/* m after it marks the selected suspect as usual. */
	ui_key(&ut_ui, 'm');
	ck_assert_int_eq(ut_clients[0].marked, 1);
	ck_assert_int_eq(ut_clients[1].marked, 0);
}
END_TEST

START_TEST(test_prefix_mark_exact_set)
{
	char	*cause = NULL;
	size_t	 i;

	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, KEY_END);
	ui_key(&ut_ui, 't');
	ck_assert_str_eq(ut_tag_flags(), "010101");
	ui_key(&ut_ui, ';');
	ck_assert_int_eq(ut_ui.tag_prefix, 1);
	ui_key(&ut_ui, 'm');
	ck_assert_int_eq(ut_ui.tag_prefix, 0);
	ck_assert_str_eq(ut_ui.confirm_text, "mark or unmark 3 tagged "
	    "suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_str_eq(ut_ui.message, "marked 3 tagged suspects");
	for (i = 0; i < UT_NCLIENTS; i++) {
		ck_assert_int_eq(ut_clients[i].marked, i % 2);
		ck_assert_int_eq(store_is_marked(ut_ctx.store,
		    ut_clients[i].ip, &cause), (int)(i % 2));
	}

	/* Again: every tagged one is marked, so ;m unmarks them. */
	ut_type(";my");
	ck_assert_str_eq(ut_ui.message, "unmarked 3 tagged suspects");
	for (i = 0; i < UT_NCLIENTS; i++)
		ck_assert_int_eq(store_is_marked(ut_ctx.store,
		    ut_clients[i].ip, &cause), 0);
}
END_TEST

/* Marking a set where some are marked counts only those that change. */
START_TEST(test_prefix_mark_counts_changes)
{
	ui_key(&ut_ui, KEY_HOME);
	ut_type("m");
	ck_assert_int_eq(ut_clients[0].marked, 1);
	ut_type("ttt");
	ck_assert_str_eq(ut_tag_flags(), "111000");
	ut_type(";my");
	ck_assert_str_eq(ut_ui.message, "marked 2 tagged suspects");
	ui_key(&ut_ui, 'u');
	ck_assert_str_eq(ut_ui.message, "undone: mark 2 tagged suspects; 1 "
	    "more step to undo");
	ck_assert_int_eq(ut_clients[0].marked, 1);
	ck_assert_int_eq(ut_clients[1].marked, 0);

	/* One left to mark: singular. */
	ui_key(&ut_ui, KEY_HOME);
	ut_type("jm");
	ck_assert_int_eq(ut_clients[1].marked, 1);
	ut_type(";my");
	ck_assert_str_eq(ut_ui.message, "marked 1 tagged suspect");
	ck_assert_int_eq(ut_clients[2].marked, 1);
}
END_TEST

START_TEST(test_prefix_other_key)
{
	ui_key(&ut_ui, 't');
	ut_type(";x");
	ck_assert_int_eq(ut_ui.message_error, 1);
	ck_assert_int_eq(ut_ui.tag_prefix, 0);
	ut_type(";");
	ui_key(&ut_ui, UI_KEY_ESC);
	ck_assert_str_eq(ut_ui.message, "cancelled");
	ck_assert_int_eq(ut_clients[0].marked, 0);
}
END_TEST

START_TEST(test_prefix_whitelist_asks)
{
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 't');
	ut_type(";w");
	ck_assert_int_eq(ut_ui.screen, UI_SCREEN_CONFIRM);
	ck_assert_str_eq(ut_ui.confirm_text, "whitelist the IPs of 2 tagged "
	    "suspects? y/n");
	ui_key(&ut_ui, 'n');
	ck_assert_int_eq(ut_clients[0].whitelisted, 0);
	ck_assert_uint_eq(ut_ui.nrows, UT_NCLIENTS);

	ut_type(";w");
	ui_key(&ut_ui, 'y');
	ck_assert_int_eq(ut_ui.screen, UI_SCREEN_LIST);
	ck_assert_str_eq(ut_ui.message, "whitelisted 2 IPs; W shows "
	    "whitelisted clients");
	ck_assert_int_eq(ut_clients[0].whitelisted, 1);
	ck_assert_int_eq(ut_clients[1].whitelisted, 1);
	ck_assert_int_eq(ut_clients[2].whitelisted, 0);
	ck_assert_str_eq(wl_match(ut_ctx.wl, &ut_clients[1].addr, NULL),
	    "192.0.2.11");
	ck_assert_uint_eq(ut_ui.nrows, UT_NCLIENTS - 2);
}
END_TEST

START_TEST(test_prefix_report_exact_set)
{
	const struct plan	*p;

	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 't');
	ut_type(";r");
	ck_assert_str_eq(ut_ui.confirm_text, "compose reports about 2 "
	    "suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_int_eq(ut_ui.screen, UI_SCREEN_PREVIEW);
	p = ui_report_plan(&ut_ui);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nsuspects, 2);
	ck_assert_ptr_eq(p->suspects[0].client, &ut_clients[1]);
	ck_assert_ptr_eq(p->suspects[1].client, &ut_clients[3]);
}
END_TEST

/* Open a UDP socket on 127.0.0.1 that never replies, and a DNS engine. */
static void
ut_use_dns(void)
{
	struct sockaddr_in	 sin;
	struct dns_config	 dc;
	socklen_t		 len = sizeof sin;
	char			 servers[32], *cause = NULL;

	ut_dns_fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(ut_dns_fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ut_dns_fd, (struct sockaddr *)&sin,
	    sizeof sin), 0);
	ck_assert_int_eq(getsockname(ut_dns_fd, (struct sockaddr *)&sin,
	    &len), 0);
	ck_assert_int_ne(fcntl(ut_dns_fd, F_SETFL, O_NONBLOCK), -1);
	snprintf(servers, sizeof servers, "127.0.0.1:%u",
	    ntohs(sin.sin_port));
	memset(&dc, 0, sizeof dc);
	dc.servers = servers;
	dc.timeout_ms = 5000;
	dc.tries = 1;
	ut_ctx.dns = dns_create(&dc, &cause);
	ck_assert_msg(ut_ctx.dns != NULL, "dns_create: %s", cause);
}

/*
 * Feed the bulk re-check and collect the PTR questions that reach the
 * silent server for half a second, as "d.c.b.a" names, joined by spaces
 * in arrival order.
 */
static char *
ut_ptr_questions(void)
{
	struct pollfd	 fds[9];
	unsigned char	 q[512];
	char		 name[256], *all;
	size_t		 len = 0, n, pos, out;
	ssize_t		 got;
	uint64_t	 deadline = ui_now_ms() + 500;

	all = xcalloc(1, 4096);
	while (ui_now_ms() < deadline) {
		ui_dns_tick(&ut_ui, ui_now_ms());
		fds[0].fd = ut_dns_fd;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		n = dns_pollfds(ut_ctx.dns, fds + 1, 8);
		poll(fds, n + 1, 20);
		dns_process(ut_ctx.dns, fds + 1, n);
		while ((got = recv(ut_dns_fd, q, sizeof q, 0)) > 12) {
			pos = 12;
			out = 0;
			while (pos < (size_t)got && q[pos] != 0 &&
			    out + q[pos] + 2 < sizeof name) {
				if (out > 0)
					name[out++] = '.';
				memcpy(name + out, q + pos + 1, q[pos]);
				out += q[pos];
				pos += q[pos] + 1;
			}
			name[out] = '\0';
			if (out > 13 && strcmp(name + out - 13,
			    ".in-addr.arpa") == 0 && len + out < 4000) {
				name[out - 13] = '\0';
				len += (size_t)snprintf(all + len, 4096 - len,
				    "%s%s", len > 0 ? " " : "", name);
			}
		}
	}
	return all;
}

START_TEST(test_prefix_recheck_exact_set)
{
	char	*questions;

	ut_use_dns();
	ui_key(&ut_ui, 't');
	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 'j');
	ui_key(&ut_ui, 't');
	ut_type(";R");
	ck_assert_str_eq(ut_ui.confirm_text, "re-check the DNS of 2 tagged "
	    "suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_str_eq(ut_ui.message, "re-checking 2 tagged suspects; ;R "
	    "again stops");
	questions = ut_ptr_questions();
	ck_assert_str_eq(questions, "10.2.0.192 13.100.51.198");
	free(questions);
}
END_TEST

START_TEST(test_group_rows_and_counts)
{
	static const char *const names[] = { "example.net", "example.org",
	    "Example Hosting", "unknown" };
	static const size_t counts[] = { 3, 1, 1, 1 };
	/* Header rows are NULL; the others are client indices. */
	static const int layout[] = { -1, 0, 1, 5, -1, 2, -1, 3, -1, 4 };
	size_t	i;

	ck_assert_int_eq(ui_key(&ut_ui, 'g'), UI_ACT_SELECT | UI_ACT_REDRAW);
	ck_assert_int_eq(ut_ui.grouped, 1);
	ck_assert_str_eq(ut_ui.message, "grouped by provider: 4 groups; Enter "
	    "on a header collapses or expands it");
	ck_assert_uint_eq(ut_ui.ngroups, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(ut_ui.groups[i].name, names[i]);
		ck_assert_uint_eq(ut_ui.groups[i].nmembers, counts[i]);
	}
	ck_assert_uint_eq(ut_ui.nrows, 10);
	for (i = 0; i < 10; i++) {
		if (layout[i] == -1)
			ck_assert_ptr_null(ut_ui.rows[i]);
		else
			ck_assert_ptr_eq(ut_ui.rows[i],
			    &ut_clients[layout[i]]);
	}
	/* The cursor stays on the first suspect. */
	ck_assert_ptr_eq(ui_selected(&ut_ui), &ut_clients[0]);

	ui_key(&ut_ui, 'g');
	ck_assert_int_eq(ut_ui.grouped, 0);
	ck_assert_uint_eq(ut_ui.nrows, UT_NCLIENTS);
	ck_assert_ptr_eq(ui_selected(&ut_ui), &ut_clients[0]);
}
END_TEST

/* A group name from HELO names is marked unverified, as in the detail pane. */
START_TEST(test_group_label_unverified)
{
	static char	 helo[] = "mx9.example.net";
	static const char *const labels[] = { "example.net (1 unverified)",
	    "example.org (unverified)", "Example Hosting" };
	char		*label;
	size_t		 i;

	ut_helos[4].name = helo;
	ut_helos[4].count = 1;
	ut_clients[4].helos = &ut_helos[4];
	ut_clients[4].nhelos = 1;
	ui_key(&ut_ui, 'g');
	ck_assert_uint_eq(ut_ui.ngroups, 3);
	ck_assert_uint_eq(ut_ui.groups[0].nmembers, 4);
	for (i = 0; i < 3; i++) {
		label = ui_group_label(&ut_ui.groups[i]);
		ck_assert_str_eq(label, labels[i]);
		free(label);
	}
}
END_TEST

START_TEST(test_group_counts_skip_whitelisted)
{
	ut_clients[1].whitelisted = 1;
	ui_key(&ut_ui, 'g');
	ck_assert_uint_eq(ut_ui.groups[0].nmembers, 2);
	ck_assert_uint_eq(ut_ui.nrows, 9);
	ui_key(&ut_ui, 'W');
	ck_assert_uint_eq(ut_ui.groups[0].nmembers, 3);
	ck_assert_uint_eq(ut_ui.nrows, 10);
}
END_TEST

START_TEST(test_group_collapse_expand)
{
	ui_key(&ut_ui, 'g');
	ut_goto_header("example.net");
	ck_assert_ptr_null(ui_selected(&ut_ui));
	ck_assert_str_eq(ui_selected_group(&ut_ui)->name, "example.net");

	ui_key(&ut_ui, '\r');
	ck_assert_int_eq(ut_ui.groups[0].collapsed, 1);
	ck_assert_uint_eq(ut_ui.nrows, 7);
	ck_assert_uint_eq(ut_ui.cursor, 0);
	ck_assert_ptr_eq(ut_ui.rows[1], NULL);
	ck_assert_ptr_eq(ut_ui.rows[2], &ut_clients[2]);

	/* The state survives a rebuild. */
	ui_key(&ut_ui, 'W');
	ck_assert_int_eq(ut_ui.groups[0].collapsed, 1);
	ck_assert_uint_eq(ut_ui.nrows, 7);

	ui_key(&ut_ui, ' ');
	ck_assert_int_eq(ut_ui.groups[0].collapsed, 0);
	ck_assert_uint_eq(ut_ui.nrows, 10);
	ck_assert_ptr_eq(ut_ui.rows[3], &ut_clients[5]);
}
END_TEST

START_TEST(test_group_mark_whole_group)
{
	char	*cause = NULL;

	ui_key(&ut_ui, 'g');
	ut_goto_header("example.net");
	ui_key(&ut_ui, 'm');
	ck_assert_str_eq(ut_ui.confirm_text, "mark or unmark 3 example.net "
	    "suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_str_eq(ut_ui.message, "marked 3 example.net suspects");
	ck_assert_int_eq(store_is_marked(ut_ctx.store, "192.0.2.10", &cause),
	    1);
	ck_assert_int_eq(store_is_marked(ut_ctx.store, "192.0.2.11", &cause),
	    1);
	ck_assert_int_eq(store_is_marked(ut_ctx.store, "192.0.2.15", &cause),
	    1);
	ck_assert_int_eq(store_is_marked(ut_ctx.store, "192.0.2.12", &cause),
	    0);
	ck_assert_int_eq(ut_clients[3].marked, 0);
}
END_TEST

START_TEST(test_group_report_exact_set)
{
	const struct plan	*p;

	ui_key(&ut_ui, 'g');
	ut_goto_header("example.net");
	ui_key(&ut_ui, 'r');
	ck_assert_str_eq(ut_ui.confirm_text, "compose reports about 3 "
	    "suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_int_eq(ut_ui.screen, UI_SCREEN_PREVIEW);
	p = ui_report_plan(&ut_ui);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nsuspects, 3);
	ck_assert_ptr_eq(p->suspects[0].client, &ut_clients[0]);
	ck_assert_ptr_eq(p->suspects[1].client, &ut_clients[1]);
	ck_assert_ptr_eq(p->suspects[2].client, &ut_clients[5]);
	/* One recipient, so one message covers all three. */
	ck_assert_uint_eq(p->nmessages, 1);
	ck_assert_str_eq(p->messages[0].to, "abuse@example.net");
	ck_assert_uint_eq(p->messages[0].nsuspects, 3);
}
END_TEST

START_TEST(test_group_recheck_whole_group)
{
	char	*questions;

	ut_use_dns();
	ui_key(&ut_ui, 'g');
	ut_goto_header("example.net");
	ui_key(&ut_ui, 'R');
	ck_assert_str_eq(ut_ui.confirm_text, "re-check the DNS of 3 "
	    "example.net suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_str_eq(ut_ui.message, "re-checking 3 example.net suspects; "
	    "R again stops");
	questions = ut_ptr_questions();
	ck_assert_str_eq(questions, "10.2.0.192 11.2.0.192 15.2.0.192");
	free(questions);
}
END_TEST

START_TEST(test_group_tag_and_whitelist)
{
	ui_key(&ut_ui, 'g');
	ut_goto_header("example.net");
	ui_key(&ut_ui, 't');
	ck_assert_str_eq(ut_tag_flags(), "110001");
	ui_key(&ut_ui, 't');
	ck_assert_str_eq(ut_tag_flags(), "000000");

	ui_key(&ut_ui, 'w');
	ck_assert_str_eq(ut_ui.confirm_text, "whitelist the IPs of 3 "
	    "example.net suspects? y/n");
	ui_key(&ut_ui, 'y');
	ck_assert_int_eq(ut_clients[5].whitelisted, 1);
	ck_assert_uint_eq(ut_ui.ngroups, 3);
	ck_assert_uint_eq(ut_ui.nrows, 6);
}
END_TEST

Suite *
make_ui_tags_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ui_tags");

	tc = tcase_create("tags");
	tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
	tcase_add_test(tc, test_tag_and_untag);
	tcase_add_test(tc, test_tag_last_row_stays);
	tcase_add_test(tc, test_tag_pattern_exact_set);
	tcase_add_test(tc, test_tag_pattern_provider);
	tcase_add_test(tc, test_tag_pattern_edit_keys);
	tcase_add_test(tc, test_tag_pattern_invalid);
	tcase_add_test(tc, test_tag_pattern_empty_untags);
	tcase_add_test(tc, test_prefix_without_tags);
	tcase_add_test(tc, test_prefix_mark_exact_set);
	tcase_add_test(tc, test_prefix_mark_counts_changes);
	tcase_add_test(tc, test_prefix_other_key);
	tcase_add_test(tc, test_prefix_whitelist_asks);
	tcase_add_test(tc, test_prefix_report_exact_set);
	tcase_add_test(tc, test_prefix_recheck_exact_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("groups");
	tcase_add_checked_fixture(tc, ut_setup, ut_teardown);
	tcase_add_test(tc, test_group_rows_and_counts);
	tcase_add_test(tc, test_group_label_unverified);
	tcase_add_test(tc, test_group_counts_skip_whitelisted);
	tcase_add_test(tc, test_group_collapse_expand);
	tcase_add_test(tc, test_group_mark_whole_group);
	tcase_add_test(tc, test_group_report_exact_set);
	tcase_add_test(tc, test_group_recheck_whole_group);
	tcase_add_test(tc, test_group_tag_and_whitelist);
	suite_add_tcase(s, tc);

	return s;
}
