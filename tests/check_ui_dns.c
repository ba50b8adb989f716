/*
 * Tests for the console's DNS additions (tui/ui_dns.c) without a
 * terminal: bulk re-checks and their progress, R asking past the cache,
 * the history line, and the DNSBL and abuse contact lines.  A struct ui
 * over fake suspects uses a real DNS engine, a real state database in a
 * temporary folder, and a small DNS responder on 127.0.0.1.
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
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "dns_batch.h"
#include "dnsbl.h"
#include "dnshist.h"
#include "esc.h"
#include "plan.h"
#include "store.h"
#include "ui_internal.h"
#include "xmalloc.h"

#define UD_CLIENTS	12

static char			 ud_dir[64];
static char			*ud_state;
static struct config		 ud_cfg;
static struct ui_context	 ud_ctx;
static struct ui		 ud_ui;
static struct client		 ud_clients[UD_CLIENTS];
static struct client		*ud_list[UD_CLIENTS];
static struct agg_count		 ud_helos[UD_CLIENTS];
static char			 ud_helo_names[UD_CLIENTS][40];

/* The responder: its socket, and how many queries it answered. */
static int			 ud_fd = -1;
static int			 ud_queries;
static char			 ud_servers[32];
/*
 * When set, 192.0.2.11 has the PTR name mx.provider.example, whose A
 * record is 192.0.2.11 (forward-confirmed), and the name has no AAAA.
 */
static int			 ud_ptr_answers;

/* Append the labels of name to buf at *n. */
static void
ud_name(unsigned char *buf, size_t *n, const char *name)
{
	const char	*dot;
	size_t		 len;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot == NULL ? strlen(name) : (size_t)(dot - name);
		buf[(*n)++] = (unsigned char)len;
		memcpy(buf + *n, name, len);
		*n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	buf[(*n)++] = 0;
}

static void
ud_u16(unsigned char *buf, size_t *n, unsigned int v)
{
	buf[(*n)++] = (unsigned char)(v >> 8);
	buf[(*n)++] = (unsigned char)v;
}

/* A record owned by the question name, with a TTL of 300 seconds. */
static void
ud_rr(unsigned char *buf, size_t *n, unsigned int type, const void *rdata,
    size_t rdlen)
{
	ud_u16(buf, n, 0xc00c);
	ud_u16(buf, n, type);
	ud_u16(buf, n, 1);
	ud_u16(buf, n, 0);
	ud_u16(buf, n, 300);
	ud_u16(buf, n, (unsigned int)rdlen);
	memcpy(buf + *n, rdata, rdlen);
	*n += rdlen;
}

/*
 * Answer one query: A records for 10.2.0.192.bl.test, a TXT record for
 * 10.2.0.192.abuse.test, and NXDOMAIN with a SOA record (so the answer
 * may be cached for 300 seconds) for every other name.
 */
static void
ud_answer(const unsigned char *q, size_t len, struct sockaddr_in *from)
{
	static const char	 text[] = "abuse@a.test, noc@b.test, x@c.test, "
	    "y@d.test";
	unsigned char		 reply[1024], soa[128], txt[64], ptr[64];
	char			 name[256];
	size_t			 pos = 12, out = 0, n, soalen = 0, ptrlen = 0;
	int			 type, ancount = 0, nscount = 0, rcode = 0;

	while (pos < len && q[pos] != 0 && out + q[pos] + 2 < sizeof name) {
		if (out > 0)
			name[out++] = '.';
		memcpy(name + out, q + pos + 1, q[pos]);
		out += q[pos];
		pos += q[pos] + 1;
	}
	name[out] = '\0';
	ck_assert_uint_le(pos + 5, len);
	type = q[pos + 1] << 8 | q[pos + 2];
	pos += 5;

	n = 12;
	memcpy(reply + n, q + 12, pos - 12);
	n += pos - 12;
	if (strcmp(name, "10.2.0.192.bl.test") == 0 && type == DNS_TYPE_A) {
		ud_rr(reply, &n, DNS_TYPE_A, "\x7f\x00\x00\x02", 4);
		ud_rr(reply, &n, DNS_TYPE_A, "\x7f\xff\xff\xfe", 4);
		ancount = 2;
	} else if (strcmp(name, "10.2.0.192.abuse.test") == 0 &&
	    type == DNS_TYPE_TXT) {
		txt[0] = sizeof text - 1;
		memcpy(txt + 1, text, sizeof text - 1);
		ud_rr(reply, &n, DNS_TYPE_TXT, txt, sizeof text);
		ancount = 1;
	} else if (ud_ptr_answers && strcasecmp(name,
	    "11.2.0.192.in-addr.arpa") == 0 && type == DNS_TYPE_PTR) {
		ud_name(ptr, &ptrlen, "mx.provider.example");
		ud_rr(reply, &n, DNS_TYPE_PTR, ptr, ptrlen);
		ancount = 1;
	} else if (ud_ptr_answers && strcasecmp(name, "mx.provider.example") ==
	    0 && type == DNS_TYPE_A) {
		ud_rr(reply, &n, DNS_TYPE_A, "\xc0\x00\x02\x0b", 4);
		ancount = 1;
	} else {
		/* NODATA for the other types of the PTR name, else NXDOMAIN. */
		if (!ud_ptr_answers ||
		    strcasecmp(name, "mx.provider.example") != 0)
			rcode = 3;
		ud_name(soa, &soalen, "ns.test");
		ud_name(soa, &soalen, "hostmaster.test");
		memset(soa + soalen, 0, 16);
		soalen += 16;
		ud_u16(soa, &soalen, 0);
		ud_u16(soa, &soalen, 300);
		ud_rr(reply, &n, DNS_TYPE_SOA, soa, soalen);
		nscount = 1;
	}
	memcpy(reply, q, 2);
	reply[2] = 0x81;
	reply[3] = (unsigned char)(0x80 | rcode);
	reply[4] = 0;
	reply[5] = 1;
	reply[6] = 0;
	reply[7] = (unsigned char)ancount;
	reply[8] = 0;
	reply[9] = (unsigned char)nscount;
	reply[10] = reply[11] = 0;
	ck_assert_int_eq(sendto(ud_fd, reply, n, 0,
	    (struct sockaddr *)from, sizeof *from), (ssize_t)n);
}

static void
ud_serve(void)
{
	unsigned char		buf[512];
	struct sockaddr_in	from;
	socklen_t		len;
	ssize_t			n;

	for (;;) {
		len = sizeof from;
		n = recvfrom(ud_fd, buf, sizeof buf, 0,
		    (struct sockaddr *)&from, &len);
		if (n == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			return;
		}
		ud_queries++;
		ud_answer(buf, (size_t)n, &from);
	}
}

static void
ud_start_responder(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	ud_fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(ud_fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ud_fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(ud_fd, (struct sockaddr *)&sin, &len),
	    0);
	ck_assert_int_ne(fcntl(ud_fd, F_SETFL, O_NONBLOCK), -1);
	snprintf(ud_servers, sizeof ud_servers, "127.0.0.1:%u",
	    ntohs(sin.sin_port));
	ud_queries = 0;
	ud_ptr_answers = 0;
}

/* Client i is 192.0.2.(10 + i) with HELO "hostI.example". */
static void
ud_make_clients(void)
{
	size_t	i;

	memset(ud_clients, 0, sizeof ud_clients);
	for (i = 0; i < UD_CLIENTS; i++) {
		snprintf(ud_clients[i].ip, sizeof ud_clients[i].ip,
		    "192.0.2.%zu", 10 + i);
		ud_clients[i].addr.family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, ud_clients[i].ip,
		    ud_clients[i].addr.bytes), 1);
		snprintf(ud_helo_names[i], sizeof ud_helo_names[i],
		    "host%zu.example", i);
		ud_helos[i].name = ud_helo_names[i];
		ud_helos[i].count = 1;
		ud_clients[i].helos = &ud_helos[i];
		ud_clients[i].nhelos = 1;
		ud_clients[i].events = 1;
		ud_clients[i].suspect = 1;
		ud_list[i] = &ud_clients[i];
	}
}

/* The console over the fake suspects, with 2 queries in flight at most. */
static void
ud_setup(void)
{
	struct dns_config	 dc;
	char			*cause = NULL;

	snprintf(ud_dir, sizeof ud_dir, "/tmp/check_ui_dns.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ud_dir));
	xasprintf(&ud_state, "%s/state.db", ud_dir);
	ud_start_responder();

	config_defaults(&ud_cfg);
	/* Skip the prompt before bulk actions, which check_ui_view.c covers. */
	ud_cfg.confirm = 0;
	ud_cfg.dns_max_inflight = 2;
	ud_cfg.dns_timeout_ms = 500;
	ud_cfg.dns_tries = 1;
	free(ud_cfg.resolver);
	ud_cfg.resolver = xstrdup(ud_servers);
	ck_assert_int_eq(dns_config_override(&ud_cfg, "bl.test, dead.test",
	    "abuse.test", &cause), 0);
	ck_assert_int_eq(dnsbl_add_rule(ud_cfg.dnsbl, "bl.test 127.0.0.2 = "
	    "listed SBL", &cause), 0);
	ck_assert_int_eq(dnsbl_add_rule(ud_cfg.dnsbl, "bl.test "
	    "127.255.255.254 = error public resolver", &cause), 0);

	memset(&ud_ctx, 0, sizeof ud_ctx);
	ud_ctx.cfg = &ud_cfg;
	ud_ctx.store = store_open(ud_state, &cause);
	ck_assert_msg(ud_ctx.store != NULL, "store_open: %s", cause);
	dns_config_from(&dc, &ud_cfg);
	ud_ctx.dns = dns_create(&dc, &cause);
	ck_assert_msg(ud_ctx.dns != NULL, "dns_create: %s", cause);
	ud_ctx.hostname = "triage.example";

	setenv("TZ", "UTC", 1);
	tzset();
	ud_make_clients();
	ui_init(&ud_ui, &ud_ctx);
	ud_ui.page = UD_CLIENTS;
	ui_set_suspects(&ud_ui, ud_list, UD_CLIENTS);
}

static void
ud_teardown(void)
{
	ui_free(&ud_ui);
	dns_free(ud_ctx.dns);
	store_close(ud_ctx.store);
	config_free(&ud_cfg);
	close(ud_fd);
	ud_fd = -1;
	if (check_remove_tree(ud_dir) == -1)
		fprintf(stderr, "could not remove %s\n", ud_dir);
	free(ud_state);
}

static char *
ud_status(void)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_lit(&b, "");
	ui_dns_status(&ud_ui, &b);
	return b.data;
}

/*
 * Drive the responder, the engine and the console's tick, as the loop in
 * ui.c does, until no query is in flight, no callback waits and no bulk
 * re-check runs.  Returns the maximum of queries in flight seen at once.
 */
static size_t
ud_run(void)
{
	struct pollfd	fds[9];
	uint64_t	deadline;
	size_t		n, max_seen = 0;
	char		*status;
	int		bulk;

	deadline = ui_now_ms() + 3000;
	for (;;) {
		ui_dns_tick(&ud_ui, ui_now_ms());
		if (dns_inflight(ud_ctx.dns) > max_seen)
			max_seen = dns_inflight(ud_ctx.dns);
		status = ud_status();
		bulk = status[0] != '\0';
		free(status);
		if (!bulk && dns_inflight(ud_ctx.dns) == 0 &&
		    dns_timeout(ud_ctx.dns, 0) != 0)
			break;
		ck_assert_msg(ui_now_ms() < deadline, "still busy after 3 s");
		fds[0].fd = ud_fd;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		n = dns_pollfds(ud_ctx.dns, fds + 1, 8);
		poll(fds, n + 1, dns_timeout(ud_ctx.dns, 0) == 0 ? 0 : 20);
		if (fds[0].revents & POLLIN)
			ud_serve();
		dns_process(ud_ctx.dns, fds + 1, n);
	}
	return max_seen;
}

/*
 * Check that the preview contains a report composed after the DNS check
 * ("Not run" is absent) and, unless to is NULL, addressed to the
 * recipient to.
 */
static void
ud_assert_checked_report(const char *to)
{
	char	*header;

	ck_assert_ptr_nonnull(ud_ui.report_msg);
	if (to != NULL) {
		xasprintf(&header, "\nTo: %s\n", to);
		ck_assert_msg(strstr(ud_ui.report_msg, header) != NULL,
		    "the report is not addressed to %s", to);
		free(header);
	}
	ck_assert_ptr_null(strstr(ud_ui.report_msg, "Not run"));
}

static struct dnshist_entry *
ud_history(const char *ip, size_t *n)
{
	struct dnshist		*h;
	struct dnshist_entry	*e;
	char			*cause = NULL;

	h = dnshist_open(ud_ctx.store, &cause);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(dnshist_get(h, ip, &e, n, &cause), 0);
	dnshist_close(h);
	return e;
}

START_TEST(test_ui_dns_bulk_listed)
{
	struct dnshist_entry	*e;
	char			*s;
	size_t			 n, max_seen;

	ck_assert_int_eq(ui_key(&ud_ui, 'A'), UI_ACT_REDRAW);
	ck_assert_str_eq(ud_ui.message, "re-checking 12 listed suspects; A "
	    "again stops");
	s = ud_status();
	ck_assert_str_eq(s, "re-checking listed: 0 of 12 done");
	free(s);

	max_seen = ud_run();
	/*
	 * Checks start while fewer than 4 queries (twice the in-flight
	 * limit) are out, and one check asks 6: PTR, A and AAAA of the
	 * HELO, two DNSBL zones and the abuse contact.
	 */
	ck_assert_uint_le(max_seen, 4 + 6);
	ck_assert_ptr_eq(strstr(ud_ui.message, "re-checked 12 listed suspects "
	    "in "), ud_ui.message);
	s = ud_status();
	ck_assert_str_eq(s, "");
	free(s);
	ck_assert_int_eq(ud_queries, 12 * 6);

	/* The rows are written a second after the first one at the latest. */
	ui_dns_tick(&ud_ui, ui_now_ms() + 1000);
	e = ud_history("192.0.2.10", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].problem, "PTR NXDOMAIN");
	ck_assert_str_eq(e[0].listed, "bl.test");
	free(e);
	e = ud_history("192.0.2.21", &n);
	ck_assert_uint_eq(n, 1);
	free(e);
}
END_TEST

START_TEST(test_ui_dns_bulk_marked)
{
	struct dnshist_entry	*e;
	size_t			 n;

	ud_clients[1].marked = 1;
	ud_clients[3].marked = 1;
	ck_assert_int_eq(ui_key(&ud_ui, 'M'), UI_ACT_REDRAW);
	ck_assert_str_eq(ud_ui.message, "re-checking 2 marked suspects; M "
	    "again stops");
	ud_run();
	ck_assert_ptr_eq(strstr(ud_ui.message, "re-checked 2 marked suspects "
	    "in "), ud_ui.message);
	ck_assert_int_eq(ud_queries, 2 * 6);
	ui_dns_tick(&ud_ui, ui_now_ms() + 1000);
	e = ud_history("192.0.2.13", &n);
	ck_assert_uint_eq(n, 1);
	free(e);
	e = ud_history("192.0.2.12", &n);
	ck_assert_uint_eq(n, 0);
	free(e);
}
END_TEST

START_TEST(test_ui_dns_bulk_none_marked)
{
	ck_assert_int_eq(ui_key(&ud_ui, 'M'), UI_ACT_REDRAW);
	ck_assert_str_eq(ud_ui.message, "no marked suspects to re-check");
	ck_assert_uint_eq(dns_inflight(ud_ctx.dns), 0);
}
END_TEST

START_TEST(test_ui_dns_bulk_stop)
{
	ui_key(&ud_ui, 'A');
	ui_dns_tick(&ud_ui, ui_now_ms());
	ck_assert_uint_gt(dns_inflight(ud_ctx.dns), 2);
	ck_assert_int_eq(ui_key(&ud_ui, 'A'), UI_ACT_REDRAW);
	ck_assert_str_eq(ud_ui.message, "stopped re-checking listed suspects "
	    "after 0 of 12");
	/* The queued queries are dropped; two are out already. */
	ck_assert_uint_eq(dns_inflight(ud_ctx.dns), 2);
	ud_run();
	ck_assert_int_eq(ud_queries, 2);
}
END_TEST

/* A suspect whitelisted during a bulk re-check is skipped or cancelled. */
START_TEST(test_ui_dns_bulk_whitelisted)
{
	ui_key(&ud_ui, 'A');
	ui_dns_tick(&ud_ui, ui_now_ms());
	ud_clients[0].whitelisted = 1;
	ud_clients[11].whitelisted = 1;
	ui_rows_rebuild(&ud_ui);
	ud_run();
	ck_assert_ptr_eq(strstr(ud_ui.message, "re-checked 10 listed suspects "
	    "in "), ud_ui.message);
	ck_assert_ptr_nonnull(strstr(ud_ui.message, " s; 2 whitelisted "
	    "meanwhile and left out"));
	ck_assert_int_lt(ud_queries, 11 * 6);
	ck_assert_int_ge(ud_queries, 10 * 6);
}
END_TEST

/* R queries the servers although the cache has every answer. */
START_TEST(test_ui_dns_recheck_skips_cache)
{
	struct dnshist_entry	*e;
	struct client		*c = &ud_clients[0];
	struct ui_check		*check;
	size_t			 n;

	ui_check_start(&ud_ui, c);
	ud_run();
	ck_assert_int_eq(ud_queries, 6);
	check = ui_check_find(&ud_ui, c->ip);
	ck_assert_ptr_nonnull(check);
	ck_assert_int_eq(check->done, 1);

	/* The same check again: every answer comes from the cache. */
	ui_check_start(&ud_ui, c);
	ud_run();
	ck_assert_int_eq(ud_queries, 6);
	ck_assert_uint_eq(dns_check_result(ui_check_find(&ud_ui,
	    c->ip)->check)->ncached, 6);

	ck_assert_int_eq(ui_key(&ud_ui, 'R'), UI_ACT_RECHECK | UI_ACT_REDRAW);
	ui_check_begin(&ud_ui, c, DNS_CHECK_FRESH);
	ud_run();
	ck_assert_int_eq(ud_queries, 12);
	ck_assert_uint_eq(dns_check_result(ui_check_find(&ud_ui,
	    c->ip)->check)->ncached, 0);

	/* Two checks asked the servers; the one from the cache is not kept. */
	ui_dns_tick(&ud_ui, ui_now_ms() + 1000);
	e = ud_history(c->ip, &n);
	ck_assert_uint_eq(n, 2);
	free(e);
}
END_TEST

START_TEST(test_ui_dns_lines_after_check)
{
	struct ui_dns_line	 lines[UI_DNS_LINES_MAX];
	size_t			 n, i;

	ui_check_start(&ud_ui, &ud_clients[0]);
	ud_run();
	n = ui_dns_lines(&ud_ui, &ud_clients[0], lines, UI_DNS_LINES_MAX);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(lines[0].label, "  DNSBL  ");
	ck_assert_str_eq(lines[0].text, "bl.test  listed: 127.0.0.2 (SBL), "
	    "127.255.255.254 (error: public resolver)");
	ck_assert_int_eq(lines[0].tone, UI_TONE_FAIL);
	ck_assert_str_eq(lines[1].text, "dead.test  not listed");
	ck_assert_int_eq(lines[1].tone, UI_TONE_PASS);
	ck_assert_str_eq(lines[2].label, "  Abuse  ");
	ck_assert_str_eq(lines[2].text, "abuse@a.test, noc@b.test, x@c.test, "
	    "+1 in abuse.test");
	ck_assert_int_eq(lines[2].tone, UI_TONE_NORMAL);
	/* The history includes the row that is not written yet. */
	ck_assert_str_eq(lines[3].label, "  History ");
	ck_assert_str_eq(lines[3].text, "PTR NXDOMAIN since today, 1 check");
	for (i = 0; i < n; i++)
		free(lines[i].text);

	/* Another client, never checked, has no lines. */
	ck_assert_uint_eq(ui_dns_lines(&ud_ui, &ud_clients[5], lines,
	    UI_DNS_LINES_MAX), 0);
}
END_TEST

START_TEST(test_ui_dns_report_waits_for_check)
{
	struct client	*c = &ud_clients[0];
	char		*status;

	ui_check_start(&ud_ui, c);
	ck_assert_int_eq(ui_report_start(&ud_ui, &c, 1, 1), UI_ACT_NONE);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ud_ui.report_msg);
	status = ui_report_status(&ud_ui);
	ck_assert_str_eq(status, "checking DNS of 192.0.2.10\u2026 the "
	    "report is composed when the check ends; Esc cancels");
	free(status);

	/* y does nothing until the report exists. */
	ck_assert_int_eq(ui_report_preview_key(&ud_ui, 'y'), UI_ACT_NONE);
	ck_assert_ptr_null(ui_report_plan(&ud_ui));

	ud_run();
	/* The abuse contact from the TXT answer is the recipient. */
	ud_assert_checked_report("abuse@a.test");
	ck_assert_ptr_nonnull(strstr(ud_ui.report_msg, "\nDNS check at "));
	ui_report_close(&ud_ui);
}
END_TEST

START_TEST(test_ui_dns_report_wait_escape)
{
	struct client	*c = &ud_clients[1];

	ui_check_start(&ud_ui, c);
	ui_report_start(&ud_ui, &c, 1, 1);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_int_eq(ui_report_preview_key(&ud_ui, 0x1b), UI_ACT_NONE);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_LIST);
	ud_run();
	ck_assert_ptr_null(ud_ui.report_msg);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_LIST);
}
END_TEST

/*
 * r pressed before the debounce started the check: the check starts at
 * once and the report waits for it instead of saying "Not run".
 */
START_TEST(test_ui_dns_report_skips_debounce)
{
	struct client	*c = &ud_clients[0];
	struct ui_check	*check;

	ui_move_to(&ud_ui, 0);
	ui_check_schedule(&ud_ui, ui_now_ms());
	ck_assert_ptr_eq(ud_ui.pending, c);
	ck_assert_ptr_null(ui_check_find(&ud_ui, c->ip));

	ck_assert_int_eq(ui_key(&ud_ui, 'r'), UI_ACT_REDRAW);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ud_ui.report_msg);
	ck_assert_ptr_null(ud_ui.pending);
	check = ui_check_find(&ud_ui, c->ip);
	ck_assert_ptr_nonnull(check);
	ck_assert_int_eq(check->done, 0);

	ud_run();
	ud_assert_checked_report("abuse@a.test");
	ui_report_close(&ud_ui);
}
END_TEST

/* ;r on tagged suspects starts the checks they lack and waits. */
START_TEST(test_ui_dns_tagged_report_starts_checks)
{
	const struct plan	*p;

	ud_ptr_answers = 1;
	ui_tag_set(&ud_ui, &ud_clients[0], 1);
	ui_tag_set(&ud_ui, &ud_clients[1], 1);
	ck_assert_int_eq(ui_tag_prefix_key(&ud_ui, 'r'), UI_ACT_NONE);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ud_ui.report_msg);
	ck_assert_ptr_nonnull(ui_check_find(&ud_ui, ud_clients[0].ip));
	ck_assert_ptr_nonnull(ui_check_find(&ud_ui, ud_clients[1].ip));

	ud_run();
	ud_assert_checked_report(NULL);
	p = ui_report_plan(&ud_ui);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nmessages, 2);
	ck_assert_str_eq(p->messages[0].to, "abuse@a.test");
	ck_assert_str_eq(p->messages[1].to, "abuse@provider.example");
	ui_report_close(&ud_ui);
}
END_TEST

/*
 * R in a pager of two messages queries the servers again for the suspects
 * of the message shown and composes it when the check ends.  A check
 * restarted for a suspect of the next message makes n wait for it too.
 */
START_TEST(test_ui_dns_pager_recheck_waits)
{
	const struct plan	*p;
	char			*status;
	int			 queries;

	ud_ptr_answers = 1;
	ui_tag_set(&ud_ui, &ud_clients[0], 1);
	ui_tag_set(&ud_ui, &ud_clients[1], 1);
	ui_tag_prefix_key(&ud_ui, 'r');
	ud_run();
	ck_assert_ptr_nonnull(ud_ui.report_msg);
	ck_assert_uint_eq(ui_report_plan(&ud_ui)->nmessages, 2);
	queries = ud_queries;

	ck_assert_int_eq(ui_report_preview_key(&ud_ui, 'R'), UI_ACT_NONE);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ud_ui.report_msg);
	status = ui_report_status(&ud_ui);
	ck_assert_str_eq(status, "checking DNS of 192.0.2.10\u2026 the "
	    "report is composed when the check ends; Esc cancels");
	free(status);
	ud_run();
	/* Six queries, none of them served from the cache. */
	ck_assert_int_eq(ud_queries, queries + 6);
	ck_assert_ptr_nonnull(ud_ui.report_msg);
	ck_assert_ptr_nonnull(strstr(ud_ui.report_msg, "\nTo: abuse@a.test\n"));
	p = ui_report_plan(&ud_ui);
	ck_assert_uint_eq(p->nmessages, 2);

	/* The next message waits for its suspect's restarted check. */
	ui_check_begin(&ud_ui, &ud_clients[1], DNS_CHECK_FRESH);
	ck_assert_int_eq(ui_report_preview_key(&ud_ui, 'n'), UI_ACT_NONE);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ud_ui.report_msg);
	status = ui_report_status(&ud_ui);
	ck_assert_str_eq(status, "checking DNS of 192.0.2.11\u2026 the "
	    "report is composed when the check ends; Esc cancels");
	free(status);
	ud_run();
	ud_assert_checked_report("abuse@provider.example");
	ck_assert_ptr_nonnull(strstr(ud_ui.report_msg, "\nDNS check at "));
	p = ui_report_plan(&ud_ui);
	ck_assert_uint_eq(p->nmessages, 1);
	ui_report_close(&ud_ui);
}
END_TEST

/* Results of ;R are what ;r reports, with no further query. */
START_TEST(test_ui_dns_bulk_results_reported)
{
	const struct plan	*p;
	struct ui_check		*check;
	int			 queries;

	ud_ptr_answers = 1;
	ui_tag_set(&ud_ui, &ud_clients[0], 1);
	ui_tag_set(&ud_ui, &ud_clients[1], 1);
	ck_assert_int_eq(ui_tag_prefix_key(&ud_ui, 'R'), UI_ACT_NONE);
	ud_run();
	ck_assert_ptr_eq(strstr(ud_ui.message, "re-checked 2 tagged suspects "
	    "in "), ud_ui.message);
	check = ui_check_find(&ud_ui, ud_clients[1].ip);
	ck_assert_ptr_nonnull(check);
	ck_assert_int_eq(check->done, 1);
	ck_assert_uint_eq(dns_check_result(check->check)->nptr, 1);
	queries = ud_queries;

	/* The plan is built at once from the stored results. */
	ck_assert_int_eq(ui_tag_prefix_key(&ud_ui, 'r'), UI_ACT_NONE);
	ck_assert_ptr_nonnull(ud_ui.report_msg);
	ck_assert_ptr_null(strstr(ud_ui.report_msg, "Not run"));
	ck_assert_ptr_nonnull(strstr(ud_ui.report_msg, "\nDNS check at "));
	p = ui_report_plan(&ud_ui);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nmessages, 2);
	ck_assert_str_eq(p->messages[0].to, "abuse@a.test");
	ck_assert_str_eq(p->messages[1].to, "abuse@provider.example");
	ck_assert_int_eq(ud_queries, queries);
	ui_report_close(&ud_ui);
}
END_TEST

/* The name of the group that shows c, or NULL. */
static const char *
ud_group_of(const struct client *c)
{
	size_t	i, j;

	for (i = 0; i < ud_ui.ngroups; i++) {
		for (j = 0; j < ud_ui.groups[i].nmembers; j++) {
			if (ud_ui.groups[i].members[j] == c)
				return ud_ui.groups[i].name;
		}
	}
	return NULL;
}

/* When A ends, the grouped view places suspects by confirmed rDNS. */
START_TEST(test_ui_dns_bulk_regroups)
{
	const char	*name;

	ud_ptr_answers = 1;
	ui_group_toggle_view(&ud_ui);
	ck_assert_int_eq(ud_ui.grouped, 1);
	name = ud_group_of(&ud_clients[1]);
	ck_assert_ptr_nonnull(name);
	ck_assert_str_ne(name, "provider.example");

	ui_key(&ud_ui, 'A');
	ud_run();
	ck_assert_ptr_eq(strstr(ud_ui.message, "re-checked 12 listed suspects "
	    "in "), ud_ui.message);
	name = ud_group_of(&ud_clients[1]);
	ck_assert_ptr_nonnull(name);
	ck_assert_str_eq(name, "provider.example");
	name = ud_group_of(&ud_clients[0]);
	ck_assert_ptr_nonnull(name);
	ck_assert_str_ne(name, "provider.example");
}
END_TEST

/* P checks the selected suspect first, since DNS decides its provider. */
START_TEST(test_ui_dns_provider_report_waits)
{
	ud_ptr_answers = 1;
	ud_clients[1].marked = 1;
	ui_move_to(&ud_ui, 1);
	ck_assert_int_eq(ui_report_provider(&ud_ui), UI_ACT_NONE);
	ck_assert_int_eq(ud_ui.screen, UI_SCREEN_PREVIEW);
	ck_assert_ptr_null(ud_ui.report_msg);

	ud_run();
	ud_assert_checked_report("abuse@provider.example");
	ui_report_close(&ud_ui);
}
END_TEST

START_TEST(test_ui_dns_history_from_database)
{
	struct dnshist		*h;
	struct dnshist_entry	 rows[3];
	const char		*ips[3];
	char			*cause = NULL, *text;
	size_t			 i;

	memset(rows, 0, sizeof rows);
	for (i = 0; i < 3; i++) {
		ips[i] = ud_clients[4].ip;
		rows[i].time = 1577872800 + (int64_t)i * 86400; /* 2020-01-01 */
		rows[i].ptr = DNS_RCODE_SERVFAIL;
		snprintf(rows[i].problem, sizeof rows[i].problem,
		    "PTR SERVFAIL");
	}
	h = dnshist_open(ud_ctx.store, &cause);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(dnshist_add(h, ips, rows, 3, &cause), 0);
	dnshist_close(h);

	text = ui_dns_history_text(&ud_ui, &ud_clients[4]);
	ck_assert_str_eq(text, "PTR SERVFAIL since 2020-01-01, 3 checks");
	free(text);
	ck_assert_ptr_null(ui_dns_history_text(&ud_ui, &ud_clients[5]));
}
END_TEST

START_TEST(test_ui_dns_age_text)
{
	struct dns_result	r;
	char			buf[128];

	memset(&r, 0, sizeof r);
	r.nanswers = 7;
	ui_dns_age_text(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	r.ncached = 3;
	r.cache_age_s = 42;
	ui_dns_age_text(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "3 of 7 answers from the cache, up to 42 s "
	    "old");
	r.ncached = 7;
	ui_dns_age_text(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "all 7 answers from the cache, up to 42 s "
	    "old");
}
END_TEST

/* During a bulk re-check the counters redraw ten times a second at most. */
START_TEST(test_ui_dns_redraw_throttle)
{
	uint64_t	now = ui_now_ms();

	ck_assert_int_eq(ui_dns_redraw_due(&ud_ui, now), 1);
	ui_key(&ud_ui, 'A');
	ck_assert_int_eq(ui_dns_redraw_due(&ud_ui, now + 1000), 1);
	ck_assert_int_eq(ui_dns_redraw_due(&ud_ui, now + 1050), 0);
	ck_assert_int_eq(ui_dns_redraw_due(&ud_ui, now + 1100), 1);
	ck_assert_int_eq(ui_dns_timeout(&ud_ui, now, 60000), 100);
}
END_TEST

Suite *
make_ui_dns_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("ui_dns");
	tc = tcase_create("bulk");
	tcase_add_checked_fixture(tc, ud_setup, ud_teardown);
	tcase_add_test(tc, test_ui_dns_bulk_listed);
	tcase_add_test(tc, test_ui_dns_bulk_marked);
	tcase_add_test(tc, test_ui_dns_bulk_none_marked);
	tcase_add_test(tc, test_ui_dns_bulk_stop);
	tcase_add_test(tc, test_ui_dns_bulk_whitelisted);
	tcase_add_test(tc, test_ui_dns_redraw_throttle);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, ud_setup, ud_teardown);
	tcase_add_test(tc, test_ui_dns_recheck_skips_cache);
	tcase_add_test(tc, test_ui_dns_lines_after_check);
	tcase_add_test(tc, test_ui_dns_report_waits_for_check);
	tcase_add_test(tc, test_ui_dns_report_wait_escape);
	tcase_add_test(tc, test_ui_dns_report_skips_debounce);
	tcase_add_test(tc, test_ui_dns_tagged_report_starts_checks);
	tcase_add_test(tc, test_ui_dns_bulk_results_reported);
	tcase_add_test(tc, test_ui_dns_pager_recheck_waits);
	tcase_add_test(tc, test_ui_dns_bulk_regroups);
	tcase_add_test(tc, test_ui_dns_provider_report_waits);
	tcase_add_test(tc, test_ui_dns_history_from_database);
	tcase_add_test(tc, test_ui_dns_age_text);
	suite_add_tcase(s, tc);
	return s;
}
