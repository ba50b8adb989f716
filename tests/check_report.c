/*
 * Tests for core/report.c: the composed message byte for byte, header
 * injection from log and DNS text, the outbox, and delivery through fake
 * sendmail scripts.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
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
#include "mail.h"
#include "plan.h"
#include "provider.h"
#include "report.h"
#include "store.h"
#include "template.h"
#include "xarf.h"
#include "xmalloc.h"

/*
 * Expected messages, compared byte for byte.  Run the tests with
 * SMTPTRIAGE_WRITE_FIXTURES=1 to write them anew after a deliberate
 * change, then read the diff before committing it.
 */
#define RP_FIXTURES	"tests/fixtures/reports"

/* 2026-11-30 11:10:00 UTC */
#define RP_NOW		1796037000
#define RP_NONCE	0x0123456789abcdefULL

static char	 rp_dir[64];
static char	*rp_saved_tz;

/* Writable copies of string constants, freed after each test. */
static char	*rp_pool[256];
static size_t	 rp_npool;

struct fixture {
	struct client		client;
	struct agg_count	helos[4];
	struct agg_count	reasons[6];
	struct dns_result	dns;
	char			*evidence[4];
	struct report_input	in;
};

static void
rp_setup(void)
{
	const char	*tz;

	snprintf(rp_dir, sizeof rp_dir, "/tmp/check_report.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(rp_dir));
	tz = getenv("TZ");
	rp_saved_tz = tz != NULL ? xstrdup(tz) : NULL;
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
rp_teardown(void)
{
	check_remove_tree(rp_dir);
	while (rp_npool > 0)
		free(rp_pool[--rp_npool]);
	if (rp_saved_tz != NULL)
		setenv("TZ", rp_saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(rp_saved_tz);
	rp_saved_tz = NULL;
}

/*
 * 1 if s has the shape: '#' in shape stands for a digit, '%' for a
 * lower-case hex digit, anything else for itself.
 */
static int
shape_eq(const char *s, const char *shape)
{
	for (; *shape != '\0'; s++, shape++) {
		if (*s == '\0')
			return 0;
		if (*shape == '#' && (*s < '0' || *s > '9'))
			return 0;
		if (*shape == '%' && !((*s >= '0' && *s <= '9') ||
		    (*s >= 'a' && *s <= 'f')))
			return 0;
		if (*shape != '#' && *shape != '%' && *shape != *s)
			return 0;
	}
	return *s == '\0';
}

/* A writable copy of s, for the char * fields of the fixture. */
static char *
mut(const char *s)
{
	ck_assert_uint_lt(rp_npool, sizeof rp_pool / sizeof rp_pool[0]);
	rp_pool[rp_npool] = xstrdup(s);
	return rp_pool[rp_npool++];
}

static void
set_addr(struct client *c, const char *ip)
{
	memset(&c->addr, 0, sizeof c->addr);
	if (inet_pton(AF_INET, ip, c->addr.bytes) == 1)
		c->addr.family = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, c->addr.bytes), 1);
		c->addr.family = AF_INET6;
	}
	snprintf(c->ip, sizeof c->ip, "%s", ip);
}

/* A client seen 15 times with two HELO names and three reasons. */
static void
fixture_init(struct fixture *f)
{
	struct client	*c = &f->client;

	memset(f, 0, sizeof *f);
	set_addr(c, "192.0.2.7");
	f->helos[0].name = mut("mail.example.com");
	f->helos[0].count = 12;
	f->helos[1].name = mut("[192.0.2.7]");
	f->helos[1].count = 3;
	c->helos = f->helos;
	c->nhelos = 2;
	f->reasons[0].name = mut("helo_verify_failed");
	f->reasons[0].count = 12;
	f->reasons[1].name = mut("no_rdns");
	f->reasons[1].count = 3;
	f->reasons[2].name = mut("warning:Local policy: odd client");
	f->reasons[2].count = 2;
	c->reasons = f->reasons;
	c->nreasons = 3;
	c->events = 15;
	c->first.utc = RP_NOW - 7800;		/* 09:00 UTC */
	c->first.offset = 3600;
	c->first.has_offset = 1;
	c->last.utc = RP_NOW - 600;		/* 11:00 UTC */
	c->last.offset = 3600;
	c->last.has_offset = 1;
	c->suspect = 1;

	f->evidence[0] = mut("2026-11-30 10:00:00 +0100 H=(mail.example.com) "
	    "[192.0.2.7] Warning: HELO verification failed");
	f->evidence[1] = mut("2026-11-30 12:00:00 +0100 H=(mail.example.com) "
	    "[192.0.2.7] Warning: Local policy: odd client");

	f->in.client = c;
	f->in.evidence = f->evidence;
	f->in.nevidence = 2;
	f->in.from = "Abuse Desk <abuse@example.org>";
	f->in.to = "abuse@example.net";
	f->in.hostname = "mx.example.org";
	f->in.now = RP_NOW;
	f->in.nonce = RP_NONCE;
}

/* DNS findings: PTR name that does not point back, bad HELO names. */
static void
fixture_dns(struct fixture *f)
{
	struct dns_result	*r = &f->dns;

	memset(r, 0, sizeof *r);
	r->ptr_rcode = DNS_RCODE_NOERROR;
	r->nptr = 1;
	r->ptr[0].name = mut("host7.example.net");
	r->ptr[0].forward.rcode_a = DNS_RCODE_NOERROR;
	r->ptr[0].forward.rcode_aaaa = DNS_RCODE_NOERROR;
	r->ptr[0].forward.count = 2;
	r->ptr[0].forward.addrs[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.8", r->ptr[0].forward.addrs[0].bytes);
	r->ptr[0].forward.addrs[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::8", r->ptr[0].forward.addrs[1].bytes);
	r->fcrdns = DNS_VERDICT_FAIL;
	r->nhelo = 3;
	r->helo[0].name = mut("mail.example.com");
	r->helo[0].rcode = DNS_RCODE_NXDOMAIN;
	r->helo[0].forward.rcode_a = DNS_RCODE_NXDOMAIN;
	r->helo[0].forward.rcode_aaaa = DNS_RCODE_NXDOMAIN;
	r->helo[0].verified = DNS_VERDICT_FAIL;
	r->helo[1].name = mut("[192.0.2.7]");
	r->helo[1].literal = 1;
	r->helo[1].verified = DNS_VERDICT_PASS;
	r->helo[2].name = mut("relay.example.org");
	r->helo[2].rcode = DNS_RCODE_SERVFAIL;
	r->helo[2].forward.rcode_a = DNS_RCODE_SERVFAIL;
	r->helo[2].forward.rcode_aaaa = DNS_RCODE_SERVFAIL;
	r->helo[2].verified = DNS_VERDICT_INDETERMINATE;
	r->done = 1;
	r->checked_at = RP_NOW - 60;
	f->in.dns = r;
}

/* fixture_init and fixture_dns, with the PTR name confirmed (FCrDNS pass). */
static void
fixture_dns_pass(struct fixture *f)
{
	fixture_init(f);
	fixture_dns(f);
	f->dns.ptr[0].confirmed = 1;
	f->dns.fcrdns = DNS_VERDICT_PASS;
}

static const char *expect_plain =
    "Date: Mon, 30 Nov 2026 11:10:00 +0000\n"
    "From: Abuse Desk <abuse@example.org>\n"
    "To: abuse@example.net\n"
    "Subject: Abuse report: 192.0.2.7 (helo_verify_failed, no_rdns, "
    "warning)\n"
    "Message-ID: <20261130111000.0123456789abcdef.smtptriage@"
    "mx.example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "This report is about the SMTP client 192.0.2.7.\n"
    "Our mail server checks the identity of every SMTP client (its HELO\n"
    "name and reverse DNS), and these checks failed.  Please have the\n"
    "sender fix the problems listed below.  Text from our logs and from\n"
    "DNS answers is quoted with control characters and invalid UTF-8\n"
    "shown as escapes such as \\x1B.\n"
    "\n"
    "What to fix\n"
    "- The HELO name did not verify: it neither matched a\n"
    "  forward-confirmed PTR name nor resolved to the address.\n"
    "  Use the host's name, with A/AAAA and PTR records that match.\n"
    "- The address has no PTR record.  Add one that names the host.\n"
    "\n"
    "Client\n"
    "  Address:      192.0.2.7\n"
    "  Reverse DNS:  in the log: no verified name\n"
    "  HELO names:   \"mail.example.com\" (12 times)\n"
    "                \"[192.0.2.7]\" (3 times)\n"
    "  First seen:   2026-11-30T10:00:00+01:00\n"
    "  Last seen:    2026-11-30T12:00:00+01:00\n"
    "  Log lines:    15\n"
    "\n"
    "Findings in our log\n"
    "  helo_verify_failed (12 lines): the HELO name did not verify\n"
    "  no_rdns (3 lines): the address has no PTR record\n"
    "  warning (2 lines): \"Local policy: odd client\"\n"
    "\n"
    "DNS check\n"
    "  Not run.\n"
    "\n"
    "Log lines (2 of the 15 that name this client)\n"
    "  2026-11-30 10:00:00 +0100 H=(mail.example.com) [192.0.2.7] "
    "Warning: HELO verification failed\n"
    "  2026-11-30 12:00:00 +0100 H=(mail.example.com) [192.0.2.7] "
    "Warning: Local policy: odd client\n"
    "\n"
    "-- \n"
    "Composed by smtptriage on mx.example.org.\n";

static const char *expect_dns =
    "Date: Mon, 30 Nov 2026 11:10:00 +0000\n"
    "From: Abuse Desk <abuse@example.org>\n"
    "Subject: Abuse report: 192.0.2.7 (helo_verify_failed, no_rdns, "
    "warning)\n"
    "Message-ID: <20261130111000.0123456789abcdef.smtptriage@"
    "mx.example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "This report is about the SMTP client 192.0.2.7.\n"
    "Our mail server checks the identity of every SMTP client (its HELO\n"
    "name and reverse DNS), and these checks failed.  Please have the\n"
    "sender fix the problems listed below.  Text from our logs and from\n"
    "DNS answers is quoted with control characters and invalid UTF-8\n"
    "shown as escapes such as \\x1B.\n"
    "\n"
    "What to fix\n"
    "- PTR name \"host7.example.net\" resolves, but not to 192.0.2.7.\n"
    "  Give it an A or AAAA record that holds the address, or change\n"
    "  the PTR record.\n"
    "- HELO name \"mail.example.com\" does not resolve (NXDOMAIN).\n"
    "  Use a name with an A or AAAA record that holds 192.0.2.7.\n"
    "- HELO name \"relay.example.org\" could not be checked\n"
    "  (SERVFAIL from our resolver).  This may be a fault on our side;\n"
    "  if the lookup fails for you as well, check the DNS servers of\n"
    "  its zone.\n"
    "\n"
    "Client\n"
    "  Address:      192.0.2.7\n"
    "  Reverse DNS:  in the log: no verified name\n"
    "                live check: no PTR name confirms (fail)\n"
    "  HELO names:   \"mail.example.com\" (12 times)\n"
    "                \"[192.0.2.7]\" (3 times)\n"
    "  First seen:   2026-11-30T10:00:00+01:00\n"
    "  Last seen:    2026-11-30T12:00:00+01:00\n"
    "  Log lines:    15\n"
    "\n"
    "Findings in our log\n"
    "  helo_verify_failed (12 lines): the HELO name did not verify\n"
    "  no_rdns (3 lines): the address has no PTR record\n"
    "  warning (2 lines): \"Local policy: odd client\"\n"
    "\n"
    "DNS check at 2026-11-30T11:09:00+00:00\n"
    "  PTR of 192.0.2.7: NOERROR\n"
    "    name \"host7.example.net\": A NOERROR, AAAA NOERROR; does not "
    "hold the address\n"
    "      addresses: 192.0.2.8, 2001:db8::8\n"
    "  Forward-confirmed reverse DNS: fail\n"
    "  HELO \"mail.example.com\": A/AAAA NXDOMAIN; verification: fail\n"
    "  HELO \"[192.0.2.7]\": address literal; verification: pass\n"
    "  HELO \"relay.example.org\": A/AAAA SERVFAIL; verification: "
    "indeterminate\n"
    "\n"
    "Log lines (2 of the 15 that name this client)\n"
    "  2026-11-30 10:00:00 +0100 H=(mail.example.com) [192.0.2.7] "
    "Warning: HELO verification failed\n"
    "  2026-11-30 12:00:00 +0100 H=(mail.example.com) [192.0.2.7] "
    "Warning: Local policy: odd client\n"
    "\n"
    "-- \n"
    "Composed by smtptriage on mx.example.org.\n";

static char *
compose(struct fixture *f, char **id)
{
	char	*msg, *ignored = NULL;

	msg = report_compose(&f->in, id != NULL ? id : &ignored);
	ck_assert_ptr_nonnull(msg);
	free(ignored);
	return msg;
}

/* The header block of msg: everything before the first empty line. */
static char *
header_block(const char *msg)
{
	const char	*end;

	end = strstr(msg, "\n\n");
	ck_assert_ptr_nonnull(end);
	return xstrndup(msg, (size_t)(end - msg) + 1);
}

/* Check that every line is short and free of control bytes. */
static void
assert_clean_lines(const char *msg)
{
	const unsigned char	*p;
	size_t			 col = 0;

	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (*p == '\n') {
			col = 0;
			continue;
		}
		ck_assert_msg(*p >= 0x20 && *p != 0x7f,
		    "control byte 0x%02x in the message", *p);
		ck_assert_msg(*p != 0xfe && *p != 0xff,
		    "invalid UTF-8 byte 0x%02x in the message", *p);
		col++;
		ck_assert_msg(col <= 998, "line longer than 998 octets");
	}
}

/* Check that each header line is one of the expected fields. */
static size_t
count_header_fields(const char *headers)
{
	static const char *const names[] = { "Date: ", "From: ", "To: ",
	    "Subject: ", "Message-ID: ", "MIME-Version: ", "Content-Type: ",
	    "Content-Transfer-Encoding: " };
	const char	*line, *nl;
	size_t		 i, n = 0;

	for (line = headers; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		if (*line == ' ')
			continue;	/* a folded continuation */
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			if (strncmp(line, names[i], strlen(names[i])) == 0)
				break;
		}
		ck_assert_msg(i < sizeof names / sizeof names[0],
		    "unexpected header line: %.*s", (int)(nl - line), line);
		n++;
	}
	return n;
}

/* A script that saves its arguments and stdin next to itself. */
static char *
recording_sendmail(int exit_status)
{
	char	*body, *path;

	xasprintf(&body, "for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; "
	    "done > %s/args\ncat > %s/stdin\nexit %d", rp_dir, rp_dir,
	    exit_status);
	path = check_write_script(rp_dir, "sendmail", body);
	free(body);
	return path;
}

static size_t
count_dir(const char *dir, const char *suffix)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0, len;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' && suffix != NULL)
			continue;
		if (suffix == NULL) {
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				n++;
		} else if (len > strlen(suffix) &&
		    strcmp(de->d_name + len - strlen(suffix), suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Config and store in the test folder for report_deliver. */
static void
deliver_env(struct config *cfg, struct store **st, const char *sendmail)
{
	char	*path, *cause = NULL;

	config_defaults(cfg);
	free(cfg->outbox);
	xasprintf(&cfg->outbox, "%s/outbox", rp_dir);
	if (sendmail != NULL)
		cfg->sendmail = xstrdup(sendmail);
	xasprintf(&path, "%s/state.db", rp_dir);
	*st = store_open(path, &cause);
	ck_assert_msg(*st != NULL, "store_open: %s", cause);
	free(path);
}

/* One column of the only report recorded in the test database. */
static char *
recorded(const char *column_sql)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		*path, *out = NULL;

	xasprintf(&path, "%s/state.db", rp_dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, column_sql, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		out = xstrdup(sqlite3_column_text(stmt, 0) != NULL ?
		    (const char *)sqlite3_column_text(stmt, 0) : "NULL");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	free(path);
	return out;
}

START_TEST(test_report_compose_plain)
{
	struct fixture	 f;
	char		*msg, *id;

	fixture_init(&f);
	msg = compose(&f, &id);
	ck_assert_str_eq(msg, expect_plain);
	ck_assert_str_eq(id, "<20261130111000.0123456789abcdef.smtptriage@"
	    "mx.example.org>");
	free(msg);
	free(id);
}
END_TEST

START_TEST(test_report_compose_dns)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	fixture_dns(&f);
	f.in.to = NULL;
	msg = compose(&f, NULL);
	ck_assert_str_eq(msg, expect_dns);
	free(msg);
}
END_TEST

START_TEST(test_report_dns_ptr_servfail)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	fixture_dns(&f);
	f.dns.ptr_rcode = DNS_RCODE_SERVFAIL;
	f.dns.nptr = 0;
	f.dns.fcrdns = DNS_VERDICT_INDETERMINATE;
	f.dns.nhelo = 1;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "What to fix\n"
	    "- The PTR record of 192.0.2.7 could not be checked\n"
	    "  (SERVFAIL from our resolver).  This may be a fault on our side;\n"
	    "  if the lookup fails for you as well, check the DNS servers of\n"
	    "  its zone.\n"
	    "- HELO name \"mail.example.com\" does not resolve (NXDOMAIN).\n"
	    "  Use a name with an A or AAAA record that holds 192.0.2.7.\n"
	    "\n"));
	ck_assert_ptr_nonnull(strstr(msg, "  PTR of 192.0.2.7: SERVFAIL\n"
	    "  Forward-confirmed reverse DNS: indeterminate\n"));
	free(msg);
}
END_TEST

START_TEST(test_report_dns_all_pass)
{
	struct fixture	 f;
	char		*msg;

	fixture_dns_pass(&f);
	f.dns.nhelo = 2;
	f.dns.helo[0].verified = DNS_VERDICT_PASS;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "What to fix\n"
	    "- The DNS check below found no problem, so the DNS may have been\n"
	    "  fixed since our server logged these findings:\n"
	    "    helo_verify_failed (12 lines): the HELO name did not verify\n"
	    "    no_rdns (3 lines): the address has no PTR record\n"
	    "    warning (2 lines): \"Local policy: odd client\"\n\n"));
	free(msg);
}
END_TEST

START_TEST(test_report_dns_not_finished)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	fixture_dns(&f);
	f.dns.done = 0;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg,
	    "\nDNS check (not finished; results so far)\n"));
	/* Advice then comes from the log's reasons. */
	ck_assert_ptr_nonnull(strstr(msg, "- The address has no PTR record."));
	free(msg);
}
END_TEST

START_TEST(test_report_advice_once)
{
	struct fixture	 f;
	char		*msg, *first;

	fixture_init(&f);
	f.reasons[0].name = mut("fcrdns_mismatch");
	f.reasons[1].name = mut("no_verified_rdns");
	msg = compose(&f, NULL);
	first = strstr(msg, "- The PTR name of the address does not resolve");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, "- The PTR name of the address"));
	free(msg);
}
END_TEST

/* Log reasons without FCrDNS evidence give no FCrDNS advice. */
START_TEST(test_report_advice_follows_evidence)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	f.reasons[0].name = mut("no_verified_rdns");
	f.reasons[1].name = mut("helo_verify_failed");
	f.client.nreasons = 2;
	msg = compose(&f, NULL);
	ck_assert_ptr_null(strstr(msg, "does not resolve back"));
	ck_assert_ptr_nonnull(strstr(msg, "- The HELO name did not verify"));
	free(msg);

	/* With a passing live check the advice comes from the check. */
	fixture_dns(&f);
	f.dns.ptr[0].confirmed = 1;
	f.dns.fcrdns = DNS_VERDICT_PASS;
	msg = compose(&f, NULL);
	ck_assert_ptr_null(strstr(msg, "does not resolve back"));
	ck_assert_ptr_null(strstr(msg, "- PTR name"));
	free(msg);

	/* ptr_name_unresolved in the log is FCrDNS evidence. */
	fixture_init(&f);
	f.reasons[0].name = mut("ptr_name_unresolved");
	f.client.nreasons = 1;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "- The PTR name of the address does "
	    "not resolve back to it.\n"));
	free(msg);
}
END_TEST

/* The log's rDNS and the live check's are shown apart. */
START_TEST(test_report_rdns_log_and_live)
{
	struct fixture	 f;
	char		*msg;

	fixture_dns_pass(&f);
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "  Reverse DNS:  in the log: no "
	    "verified name\n                live check: PTR "
	    "\"host7.example.net\" confirms\n"));
	ck_assert_ptr_null(strstr(msg, "none forward-confirmed"));
	free(msg);
}
END_TEST

/* Temporary rcodes are reported as unchecked, not as the sender's fault. */
START_TEST(test_report_refused_not_blamed)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	fixture_dns(&f);
	f.dns.helo[2].rcode = DNS_RCODE_REFUSED;
	f.dns.helo[2].forward.rcode_a = DNS_RCODE_REFUSED;
	f.dns.helo[2].forward.rcode_aaaa = DNS_RCODE_REFUSED;
	f.dns.ptr[0].forward.rcode_a = DNS_RCODE_TIMEOUT;
	f.dns.ptr[0].forward.count = 0;
	f.dns.fcrdns = DNS_VERDICT_INDETERMINATE;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "- HELO name \"relay.example.org\" "
	    "could not be checked\n  (REFUSED from our resolver)."));
	ck_assert_ptr_nonnull(strstr(msg, "- The address lookup of PTR name "
	    "\"host7.example.net\" could not be checked\n"
	    "  (TIMEOUT from our resolver)."));
	ck_assert_ptr_null(strstr(msg, "cannot be looked up"));
	ck_assert_ptr_null(strstr(msg, "Fix the DNS servers"));
	free(msg);
}
END_TEST

/* DNSBL answers appear in the DNS part, and listings in what to fix. */
START_TEST(test_report_dnsbl_findings)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	fixture_dns(&f);
	f.dns.ndnsbl = 3;
	f.dns.dnsbl[0].zone = mut("bl.example");
	f.dns.dnsbl[0].rcode = DNS_RCODE_NOERROR;
	f.dns.dnsbl[0].listed = DNS_LISTED_YES;
	f.dns.dnsbl[0].ncodes = 1;
	f.dns.dnsbl[0].codes[0].family = AF_INET;
	inet_pton(AF_INET, "127.0.0.2", f.dns.dnsbl[0].codes[0].bytes);
	f.dns.dnsbl[1].zone = mut("clean.example");
	f.dns.dnsbl[1].rcode = DNS_RCODE_NXDOMAIN;
	f.dns.dnsbl[1].listed = DNS_LISTED_NO;
	f.dns.dnsbl[2].zone = mut("refusing.example");
	f.dns.dnsbl[2].rcode = DNS_RCODE_REFUSED;
	f.dns.dnsbl[2].listed = DNS_LISTED_UNKNOWN;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "  DNSBL bl.example: listed "
	    "(NOERROR: 127.0.0.2)\n"
	    "  DNSBL clean.example: not listed (NXDOMAIN)\n"
	    "  DNSBL refusing.example: could not be checked (REFUSED)\n\n"));
	ck_assert_ptr_nonnull(strstr(msg, "- 192.0.2.7 is listed in the DNSBL "
	    "bl.example.\n"));
	ck_assert_ptr_null(strstr(msg, "listed in the DNSBL clean.example"));
	ck_assert_ptr_null(strstr(msg, "listed in the DNSBL refusing"));
	free(msg);
}
END_TEST

/* With X-ARF the multipart entity is labelled 8bit, as its text part. */
START_TEST(test_report_xarf_multipart_8bit)
{
	struct report_message	 m;
	struct report_item	 item;
	struct fixture		 f;
	char			*msg, *id, *cause = NULL, *headers;

	fixture_init(&f);
	memset(&item, 0, sizeof item);
	item.client = &f.client;
	memset(&m, 0, sizeof m);
	m.items = &item;
	m.nitems = 1;
	m.from = "abuse@example.org";
	m.xarf = 1;
	m.now = RP_NOW;
	m.nonce = RP_NONCE;
	ck_assert_int_eq(report_compose_message(&m, &msg, &id, &cause), 0);
	headers = header_block(msg);
	ck_assert_ptr_nonnull(strstr(headers, "Content-Type: multipart/mixed; "
	    "boundary=\"=_smtptriage_0123456789abcdef\"\n"
	    "Content-Transfer-Encoding: 8bit\n"));
	free(headers);
	free(msg);
	free(id);
}
END_TEST

START_TEST(test_report_no_to_header)
{
	struct fixture	 f;
	char		*msg, *headers;

	fixture_init(&f);
	f.in.to = NULL;
	msg = compose(&f, NULL);
	headers = header_block(msg);
	ck_assert_ptr_null(strstr(headers, "\nTo:"));
	ck_assert_uint_eq(count_header_fields(headers), 7);
	free(headers);
	free(msg);
}
END_TEST

START_TEST(test_report_date_offsets)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	setenv("TZ", "CET-1", 1);
	tzset();
	msg = compose(&f, NULL);
	ck_assert_int_eq(strncmp(msg, "Date: Mon, 30 Nov 2026 12:10:00 "
	    "+0100\n", 38), 0);
	free(msg);
	setenv("TZ", "EST5", 1);
	tzset();
	msg = compose(&f, NULL);
	ck_assert_int_eq(strncmp(msg, "Date: Mon, 30 Nov 2026 06:10:00 "
	    "-0500\n", 38), 0);
	free(msg);
}
END_TEST

START_TEST(test_report_random_message_id)
{
	struct fixture	 f;
	char		*msg, *one, *two;

	fixture_init(&f);
	f.in.nonce = 0;
	msg = compose(&f, &one);
	free(msg);
	msg = compose(&f, &two);
	free(msg);
	ck_assert_msg(shape_eq(one, "<20261130111000.%%%%%%%%%%%%%%%%."
	    "smtptriage@mx.example.org>"), "Message-ID %s", one);
	ck_assert_msg(shape_eq(two, "<20261130111000.%%%%%%%%%%%%%%%%."
	    "smtptriage@mx.example.org>"), "Message-ID %s", two);
	ck_assert_str_ne(one, two);
	free(one);
	free(two);
}
END_TEST

START_TEST(test_report_bad_hostname)
{
	struct fixture	 f;
	char		*msg, *id;

	fixture_init(&f);
	f.in.hostname = "mx\r\nBcc: x@example.org";
	msg = compose(&f, &id);
	ck_assert_str_eq(id, "<20261130111000.0123456789abcdef.smtptriage@"
	    "localhost>");
	ck_assert_ptr_nonnull(strstr(msg, "\nComposed by smtptriage on "
	    "localhost.\n"));
	free(msg);
	free(id);
}
END_TEST

START_TEST(test_report_from_to_sanitized)
{
	struct fixture	 f;
	char		*msg, *headers;

	fixture_init(&f);
	f.in.from = "a@example.org\r\nBcc: x@example.org";
	f.in.to = "b@example.net\nCc: y@example.org\x1b";
	msg = compose(&f, NULL);
	headers = header_block(msg);
	ck_assert_ptr_nonnull(strstr(headers,
	    "\nFrom: a@example.org??Bcc: x@example.org\n"));
	ck_assert_ptr_nonnull(strstr(headers,
	    "\nTo: b@example.net?Cc: y@example.org?\n"));
	ck_assert_uint_eq(count_header_fields(headers), 8);
	free(headers);
	free(msg);
}
END_TEST

START_TEST(test_report_injection_helo)
{
	struct fixture	 f;
	char		*msg, *headers;

	fixture_init(&f);
	fixture_dns(&f);
	f.helos[0].name = mut("x\r\nBcc: victim@example.org");
	f.helos[1].name = mut("lit\\r\\nBcc: literal@example.org");
	f.helos[2].name = mut("\x1b]0;title\x07\x1b[2J");
	f.helos[3].name = mut("bad\xff\xfe utf8\xc3");
	f.client.nhelos = 4;
	f.client.rdns = mut("r.example.net\r\nTo: evil@example.org");
	f.reasons[2].name = mut("warning:text\r\nCc: z@example.org");
	f.reasons[3].name = mut("Bad:Name\r\nX: y");
	f.reasons[3].count = 1;
	f.client.nreasons = 4;
	f.evidence[1] = mut("line\r\nBcc: q@example.org\r\n\x1b[31m");
	f.dns.ptr[0].name = mut("ptr\r\nBcc: p@example.org");
	f.dns.helo[0].name = mut("x\r\nBcc: victim@example.org");
	msg = compose(&f, NULL);

	headers = header_block(msg);
	ck_assert_uint_eq(count_header_fields(headers), 8);
	ck_assert_ptr_nonnull(strstr(headers, "\nSubject: Abuse report: "
	    "192.0.2.7 (helo_verify_failed, no_rdns, warning,\n +1 more)\n"));
	assert_clean_lines(msg);
	ck_assert_ptr_null(strstr(msg, "\nBcc:"));
	ck_assert_ptr_null(strstr(msg, "\nCc:"));
	ck_assert_ptr_null(strstr(msg, "\nTo: evil"));
	ck_assert_ptr_nonnull(strstr(msg, "\"x\\r\\nBcc: victim@example.org\""
	    " (12 times)\n"));
	ck_assert_ptr_nonnull(strstr(msg,
	    "\"lit\\\\r\\\\nBcc: literal@example.org\""));
	ck_assert_ptr_nonnull(strstr(msg, "\"\\x1B]0;title\\x07\\x1B[2J\""));
	ck_assert_ptr_nonnull(strstr(msg, "\"bad\\xFF\\xFE utf8\\xC3\""));
	ck_assert_ptr_nonnull(strstr(msg, "  line\\r\\nBcc: q@example.org"
	    "\\r\\n\\x1B[31m\n"));
	free(headers);
	free(msg);
}
END_TEST

START_TEST(test_report_subject_folded)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	set_addr(&f.client, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	f.reasons[0].name = mut("helo_verify_failed");
	f.reasons[1].name = mut("fcrdns_mismatch");
	f.reasons[2].name = mut("no_verified_rdns");
	f.reasons[3].name = mut("rdns_tempfail");
	f.reasons[4].name = mut("no_rdns");
	f.client.nreasons = 5;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "\nSubject: Abuse report: "
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\n (helo_verify_failed, "
	    "fcrdns_mismatch, no_verified_rdns, +2 more)\nMessage-ID: "));
	free(msg);
}
END_TEST

START_TEST(test_report_subject_more_distinct)
{
	struct fixture	 f;
	char		*msg;

	fixture_init(&f);
	f.reasons[3].name = mut("warning:another text");
	f.reasons[4].name = mut("rdns_tempfail");
	f.reasons[5].name = mut("warning:third text");
	f.client.nreasons = 6;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "\nSubject: Abuse report: 192.0.2.7 "
	    "(helo_verify_failed, no_rdns, warning,\n +1 more)\n"));
	free(msg);
}
END_TEST

START_TEST(test_report_long_evidence_cut)
{
	struct fixture	 f;
	char		*msg, *plain, want[1000];

	fixture_init(&f);
	plain = xcalloc(1, 5001);
	memset(plain, 'a', 5000);
	f.evidence[0] = plain;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	snprintf(want, sizeof want, "\n  %.900s [cut]\n", plain);
	ck_assert_ptr_nonnull(strstr(msg, want));
	ck_assert_ptr_nonnull(strstr(msg, "\nLines that end in [cut] were "
	    "longer than 900 bytes and are shortened.\n"));
	free(plain);
	free(msg);
}
END_TEST

START_TEST(test_report_cut_keeps_escapes)
{
	struct fixture	 f;
	char		*msg, *ctl, *want;
	size_t		 i;
	int		 n;

	fixture_init(&f);
	ctl = xcalloc(1, 2001);
	memset(ctl, 0x01, 2000);
	f.evidence[0] = ctl;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	want = xcalloc(1, 1000);
	n = snprintf(want, 1000, "\n  ");
	for (i = 0; i < 225; i++)
		n += snprintf(want + n, (size_t)(1000 - n), "\\x01");
	snprintf(want + n, (size_t)(1000 - n), " [cut]\n");
	ck_assert_ptr_nonnull(strstr(msg, want));
	free(want);
	free(ctl);
	free(msg);
}
END_TEST

START_TEST(test_report_cut_keeps_utf8)
{
	struct fixture	 f;
	char		*msg, *text, *want;
	size_t		 i;

	fixture_init(&f);
	/* "x" then 1000 two-byte characters: a cut at 900 would split one. */
	text = xcalloc(1, 2002);
	text[0] = 'x';
	for (i = 0; i < 1000; i++) {
		text[1 + 2 * i] = '\xc3';
		text[2 + 2 * i] = '\xa9';
	}
	f.evidence[0] = text;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	want = xcalloc(1, 1000);
	/* "x" and 449 of the two-byte characters. */
	snprintf(want, 1000, "\n  %.899s [cut]\n", text);
	ck_assert_ptr_nonnull(strstr(msg, want));
	free(want);
	free(text);
	free(msg);
}
END_TEST

START_TEST(test_report_long_helo_cut)
{
	struct fixture	 f;
	char		*msg, name[256];

	fixture_init(&f);
	fixture_dns(&f);
	memset(name, 0x1b, 255);
	name[255] = '\0';
	f.helos[0].name = name;
	f.dns.helo[0].name = name;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	ck_assert_ptr_nonnull(strstr(msg, "\\x1B [cut]\" (12 times)\n"));
	free(msg);
}
END_TEST

START_TEST(test_report_outbox_file)
{
	struct stat	 sb;
	char		*dir, *path, *cause = NULL, *got;
	size_t		 len;

	xasprintf(&dir, "%s/state/outbox", rp_dir);
	ck_assert_int_eq(report_write_outbox(dir, "Subject: x\n\nbody\n",
	    &path, &cause), 0);
	len = strlen("/outbox/########T######Z-%%%%%%%%%%%%%%%%.eml");
	ck_assert_uint_gt(strlen(path), len);
	ck_assert_msg(shape_eq(path + strlen(path) - len, "/outbox/########T"
	    "######Z-%%%%%%%%%%%%%%%%.eml"), "outbox file %s", path);
	got = check_read_file(path);
	ck_assert_str_eq(got, "Subject: x\n\nbody\n");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	ck_assert_uint_eq(count_dir(dir, NULL), 1);
	free(got);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_report_outbox_two_files)
{
	char	*dir, *one, *two, *cause = NULL;

	xasprintf(&dir, "%s/outbox", rp_dir);
	ck_assert_int_eq(report_write_outbox(dir, "a\n", &one, &cause), 0);
	ck_assert_int_eq(report_write_outbox(dir, "b\n", &two, &cause), 0);
	ck_assert_str_ne(one, two);
	ck_assert_uint_eq(count_dir(dir, ".eml"), 2);
	ck_assert_uint_eq(count_dir(dir, NULL), 2);
	free(one);
	free(two);
	free(dir);
}
END_TEST

START_TEST(test_report_sendmail_argv_stdin)
{
	char	*script, *cmd, **argv, *got, *want, *cause = NULL;
	int	 status = -1;

	script = recording_sendmail(0);
	xasprintf(&cmd, "%s -oi -t $HOME ;id `id` 'q' * |x", script);
	argv = config_split_argv(cmd, &cause);
	ck_assert_ptr_nonnull(argv);
	ck_assert_int_eq(report_sendmail(argv, "To: a@example.net\n\nhi\n",
	    &status, &cause), 0);
	ck_assert_int_eq(status, 0);

	xasprintf(&got, "%s/args", rp_dir);
	free(cmd);
	cmd = got;
	got = check_read_file(cmd);
	xasprintf(&want, "%s\n-oi\n-t\n$HOME\n;id\n`id`\n'q'\n*\n|x\n", script);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(cmd);

	xasprintf(&cmd, "%s/stdin", rp_dir);
	got = check_read_file(cmd);
	ck_assert_str_eq(got, "To: a@example.net\n\nhi\n");
	free(got);
	free(cmd);
	config_free_argv(argv);
	free(script);
}
END_TEST

START_TEST(test_report_sendmail_exit_status)
{
	char	*script, *argv[2], *cause = NULL;
	int	 status = -1;

	script = recording_sendmail(75);
	argv[0] = script;
	argv[1] = NULL;
	ck_assert_int_eq(report_sendmail(argv, "x\n", &status, &cause), 0);
	ck_assert_int_eq(status, 75);
	free(script);
}
END_TEST

START_TEST(test_report_sendmail_missing)
{
	char	*argv[2], *cause = NULL;
	int	 status = -1;

	argv[0] = mut("/nonexistent/sendmail");
	argv[1] = NULL;
	ck_assert_int_eq(report_sendmail(argv, "x\n", &status, &cause), -1);
	ck_assert_str_eq(cause, "could not execute /nonexistent/sendmail: No "
	    "such file or directory");
	ck_assert_int_eq(status, 127);
	free(cause);
}
END_TEST

START_TEST(test_report_sendmail_not_executable)
{
	char	*script, *argv[2], *cause = NULL, *want;
	int	 status = -1;

	script = check_write_script(rp_dir, "plain", "exit 0");
	ck_assert_int_eq(chmod(script, 0600), 0);
	argv[0] = script;
	argv[1] = NULL;
	ck_assert_int_eq(report_sendmail(argv, "x\n", &status, &cause), -1);
	xasprintf(&want, "could not execute %s: Permission denied", script);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	free(script);
}
END_TEST

START_TEST(test_report_sendmail_signal)
{
	char	*script, *argv[2], *cause = NULL, *want;
	int	 status = -1;

	script = check_write_script(rp_dir, "killed", "kill -TERM $$");
	argv[0] = script;
	argv[1] = NULL;
	ck_assert_int_eq(report_sendmail(argv, "x\n", &status, &cause), -1);
	xasprintf(&want, "%s was killed by signal 15 (Terminated)", script);
	ck_assert_str_eq(cause, want);
	ck_assert_int_eq(status, 143);
	free(want);
	free(cause);
	free(script);
}
END_TEST

START_TEST(test_report_sendmail_early_exit)
{
	struct sigaction	 sa;
	char			*script, *argv[2], *msg, *cause = NULL;
	int			 status = -1;

	/* The command never reads its stdin, so writing gets EPIPE. */
	script = check_write_script(rp_dir, "early", "exit 0");
	argv[0] = script;
	argv[1] = NULL;
	msg = xcalloc(1, 1024 * 1024 + 1);
	memset(msg, 'a', 1024 * 1024);
	ck_assert_int_eq(report_sendmail(argv, msg, &status, &cause), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert_ptr_eq((void *)sa.sa_handler, (void *)SIG_DFL);
	free(msg);
	free(script);
}
END_TEST

START_TEST(test_report_sendmail_chatty)
{
	char	*script, *argv[2], *msg, *cause = NULL;
	int	 status = -1;

	/* Output fills the pipe before the command reads: no deadlock. */
	script = check_write_script(rp_dir, "chatty",
	    "head -c 300000 /dev/zero\n"
	    "cat > /dev/null\nexit 3");
	argv[0] = script;
	argv[1] = NULL;
	msg = xcalloc(1, 512 * 1024 + 1);
	memset(msg, 'b', 512 * 1024);
	ck_assert_int_eq(report_sendmail(argv, msg, &status, &cause), 0);
	ck_assert_int_eq(status, 3);
	free(msg);
	free(script);
}
END_TEST

START_TEST(test_report_deliver_sent)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*script, *cmd, *got, *cause = NULL;

	script = recording_sendmail(0);
	xasprintf(&cmd, "%s -oi -t", script);
	deliver_env(&cfg, &st, cmd);
	ck_assert_int_eq(report_deliver(&cfg, st, "192.0.2.7",
	    "abuse@example.net", "To: abuse@example.net\n\nreport\n",
	    "<id.1@mx.example.org>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 1);
	ck_assert_int_eq(out.exit_status, 0);
	ck_assert_ptr_null(out.path);
	ck_assert_ptr_null(out.detail);
	ck_assert_uint_eq(count_dir(cfg.outbox, NULL), 0);
	ck_assert_int_gt(store_last_report(st, "192.0.2.7", &cause), 0);
	got = recorded("SELECT method || ' ' || exit_status || ' ' || "
	    "recipient || ' ' || message_id || ' ' || ifnull(path, 'NULL') "
	    "FROM reports");
	ck_assert_str_eq(got, "sendmail 0 abuse@example.net "
	    "<id.1@mx.example.org> NULL");
	free(got);
	report_outcome_free(&out);
	store_close(st);
	config_free(&cfg);
	free(cmd);
	free(script);
}
END_TEST

START_TEST(test_report_deliver_failed_send)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*script, *got, *want, *cause = NULL;
	const char		*msg = "To: abuse@example.net\n\nreport\n";

	script = check_write_script(rp_dir, "tempfail", "cat > /dev/null\n"
	    "echo 'queue is full' >&2\nexit 75");
	deliver_env(&cfg, &st, script);
	ck_assert_int_eq(report_deliver(&cfg, st, "2001:db8::7",
	    "abuse@example.net", msg, "<id.2@mx.example.org>", &out,
	    &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.exit_status, 75);
	xasprintf(&want, "%s exited with status 75: queue is full", script);
	ck_assert_str_eq(out.detail, want);
	free(want);
	ck_assert_ptr_nonnull(out.path);
	ck_assert_ptr_nonnull(strstr(out.path, "Z-2001_db8__7-"));
	got = check_read_file(out.path);
	ck_assert_str_eq(got, msg);
	free(got);
	ck_assert_int_eq(store_last_report(st, "2001:db8::7", &cause), 0);
	got = recorded("SELECT method || ' ' || exit_status || ' ' || path "
	    "FROM reports");
	xasprintf(&want, "sendmail 75 %s", out.path);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
	report_outcome_free(&out);
	store_close(st);
	config_free(&cfg);
	free(script);
}
END_TEST

START_TEST(test_report_deliver_missing_sendmail)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*got, *cause = NULL;

	deliver_env(&cfg, &st, "/nonexistent/sendmail -t");
	ck_assert_int_eq(report_deliver(&cfg, st, "192.0.2.7",
	    "abuse@example.net", "x\n", "<id.3@mx.example.org>", &out,
	    &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.exit_status, 127);
	ck_assert_str_eq(out.detail, "could not execute /nonexistent/sendmail: "
	    "No such file or directory");
	ck_assert_ptr_nonnull(out.path);
	ck_assert_uint_eq(count_dir(cfg.outbox, ".eml"), 1);
	got = recorded("SELECT method || ' ' || exit_status FROM reports");
	ck_assert_str_eq(got, "sendmail 127");
	free(got);
	report_outcome_free(&out);
	store_close(st);
	config_free(&cfg);
}
END_TEST

START_TEST(test_report_deliver_outbox_only)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*got, *cause = NULL;

	deliver_env(&cfg, &st, NULL);
	ck_assert_int_eq(report_deliver(&cfg, st, "192.0.2.7", NULL,
	    "Subject: x\n\ny\n", "<id.4@mx.example.org>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.exit_status, 0);
	ck_assert_ptr_null(out.detail);
	ck_assert_ptr_nonnull(strstr(out.path, "Z-192.0.2.7-"));
	got = check_read_file(out.path);
	ck_assert_str_eq(got, "Subject: x\n\ny\n");
	free(got);
	got = recorded("SELECT method || ' ' || exit_status || ' ' || "
	    "ifnull(recipient, 'NULL') FROM reports");
	ck_assert_str_eq(got, "outbox 0 NULL");
	free(got);
	/* Recorded, but with no recipient the IP is not reported. */
	ck_assert_int_eq(store_last_report(st, "192.0.2.7", &cause), 0);
	report_outcome_free(&out);
	store_close(st);
	config_free(&cfg);
}
END_TEST

START_TEST(test_report_deliver_no_recipient)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*script, *args, *cause = NULL;

	/* Without a recipient, sendmail is not run even when configured. */
	script = recording_sendmail(0);
	deliver_env(&cfg, &st, script);
	ck_assert_int_eq(report_deliver(&cfg, st, "192.0.2.7", NULL, "x\n",
	    "<id.5@mx.example.org>", &out, &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_ptr_nonnull(out.path);
	xasprintf(&args, "%s/args", rp_dir);
	ck_assert_int_eq(access(args, F_OK), -1);
	free(args);
	report_outcome_free(&out);
	store_close(st);
	config_free(&cfg);
	free(script);
}
END_TEST

START_TEST(test_report_deliver_bad_ip)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*cause = NULL;

	deliver_env(&cfg, &st, NULL);
	ck_assert_int_eq(report_deliver(&cfg, st, "../../etc/x", NULL, "x\n",
	    "<id.6@mx.example.org>", &out, &cause), -1);
	ck_assert_str_eq(cause, "invalid IP address \"../../etc/x\"");
	ck_assert_uint_eq(count_dir(cfg.outbox, NULL), 0);
	free(cause);
	report_outcome_free(&out);
	store_close(st);
	config_free(&cfg);
}
END_TEST

START_TEST(test_report_recipient)
{
	struct config	cfg;

	config_defaults(&cfg);
	ck_assert_ptr_null(report_recipient(&cfg));
	cfg.report_to = xstrdup("abuse@example.net");
	ck_assert_str_eq(report_recipient(&cfg), "abuse@example.net");
	config_free(&cfg);
}
END_TEST

/*
 * Compare msg with the fixture file name: on a difference, report the
 * first line that differs.
 */
static void
assert_fixture(const char *msg, const char *name)
{
	FILE		*f;
	const char	*a, *b, *line;
	char		*path, *want;
	size_t		 lineno = 1;

	xasprintf(&path, "%s/%s", RP_FIXTURES, name);
	if (getenv("SMTPTRIAGE_WRITE_FIXTURES") != NULL) {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(msg, f);
		ck_assert_int_eq(fclose(f), 0);
	}
	want = check_read_file(path);
	for (a = msg, b = want, line = msg; *a != '\0' && *a == *b; a++, b++) {
		if (*a == '\n') {
			lineno++;
			line = a + 1;
		}
	}
	ck_assert_msg(*a == *b, "%s differs at line %zu: got \"%.*s\"", path,
	    lineno, (int)strcspn(line, "\n"), line);
	free(want);
	free(path);
}

/* Items for fs[0..n-1], each with provider pv[i] (pv may be NULL). */
static struct report_item *
items_of(struct fixture *fs, size_t n, struct provider_info *pv)
{
	struct report_item	*items;
	size_t			 i;

	items = xcalloc(n, sizeof *items);
	for (i = 0; i < n; i++) {
		items[i].client = &fs[i].client;
		items[i].dns = fs[i].in.dns;
		items[i].evidence = fs[i].evidence;
		items[i].nevidence = fs[i].in.nevidence;
		items[i].provider = pv != NULL ? &pv[i] : NULL;
	}
	return items;
}

/* A message about items with the usual From, host, time and nonce. */
static void
message_init(struct report_message *m, const struct report_item *items,
    size_t n, const char *to)
{
	memset(m, 0, sizeof *m);
	m->items = items;
	m->nitems = n;
	m->from = "Abuse Desk <abuse@example.org>";
	m->reply_to = "Abuse Replies <abuse-replies@example.org>";
	m->to = to;
	m->hostname = "mx.example.org";
	m->now = RP_NOW;
	m->nonce = RP_NONCE;
}

static char *
compose_ok(const struct report_message *m)
{
	char	*msg, *id, *cause = NULL;

	ck_assert_msg(report_compose_message(m, &msg, &id, &cause) == 0,
	    "report_compose_message: %s", cause);
	free(id);
	return msg;
}

static void
provider_set(struct provider_info *p, enum provider_source source,
    const char *name, const char *domain, int verified)
{
	memset(p, 0, sizeof *p);
	p->source = source;
	snprintf(p->name, sizeof p->name, "%s", name);
	snprintf(p->domain, sizeof p->domain, "%s", domain);
	p->domain_verified = verified;
}

/*
 * Three suspects: fs[0] as fixture_init with DNS findings, fs[1] an IPv6
 * client with a verified rDNS name and no DNS check, fs[2] with one
 * reason and no readable evidence.
 */
static void
fixture_three(struct fixture *fs)
{
	fixture_init(&fs[0]);
	fixture_dns(&fs[0]);

	fixture_init(&fs[1]);
	set_addr(&fs[1].client, "2001:db8::25");
	fs[1].client.rdns = mut("mx2.example.net");
	fs[1].helos[0].name = mut("mx2.example.net");
	fs[1].helos[0].count = 4;
	fs[1].client.nhelos = 1;
	fs[1].reasons[0].name = mut("warning:Sender policy: odd HELO");
	fs[1].reasons[0].count = 4;
	fs[1].client.nreasons = 1;
	fs[1].client.events = 4;
	fs[1].evidence[0] = mut("2026-11-30 10:30:00 +0100 H=mx2.example.net "
	    "[2001:db8::25] Warning: Sender policy: odd HELO");
	fs[1].in.nevidence = 1;

	fixture_init(&fs[2]);
	set_addr(&fs[2].client, "198.51.100.9");
	fs[2].helos[0].name = mut("localhost");
	fs[2].helos[0].count = 1;
	fs[2].client.nhelos = 1;
	fs[2].reasons[0].name = mut("no_rdns");
	fs[2].reasons[0].count = 1;
	fs[2].client.nreasons = 1;
	fs[2].client.events = 1;
	fs[2].in.nevidence = 0;
}

/* The message about the one suspect of f, with provider pv. */
static char *
compose_one(struct fixture *f, struct provider_info *pv)
{
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	items = items_of(f, 1, pv);
	message_init(&m, items, 1, "abuse@example.net");
	msg = compose_ok(&m);
	free(items);
	return msg;
}

START_TEST(test_report_fixture_one)
{
	struct fixture		 f;
	struct provider_info	 pv;
	char			*msg;

	fixture_init(&f);
	fixture_dns(&f);
	provider_set(&pv, PROVIDER_HELO, "example.com", "example.com", 0);
	msg = compose_one(&f, &pv);
	assert_fixture(msg, "one.eml");
	free(msg);
}
END_TEST

/* A verified rDNS domain without a name in the log came from the check. */
START_TEST(test_report_provider_from_live_check)
{
	struct fixture		 f;
	struct provider_info	 pv;
	char			*msg;

	fixture_dns_pass(&f);
	provider_set(&pv, PROVIDER_RDNS, "example.net", "example.net", 1);
	msg = compose_one(&f, &pv);
	ck_assert_ptr_nonnull(strstr(msg, "  Provider:     example.net "
	    "(domain of the reverse DNS name that the live check "
	    "confirmed)\n"));
	ck_assert_ptr_null(strstr(msg, "domain of the verified reverse"));
	free(msg);

	/* With the MTA's verified name, the domain is that name's. */
	f.client.rdns = mut("host7.example.net");
	msg = compose_one(&f, &pv);
	ck_assert_ptr_nonnull(strstr(msg, "  Provider:     example.net "
	    "(domain of the verified reverse DNS name)\n"));
	free(msg);
}
END_TEST

START_TEST(test_report_fixture_several)
{
	struct fixture		 fs[3];
	struct provider_info	 pv[3];
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	fixture_three(fs);
	provider_set(&pv[0], PROVIDER_HELO, "example.com", "example.com", 0);
	provider_set(&pv[1], PROVIDER_RDNS, "example.net", "example.net", 1);
	provider_set(&pv[2], PROVIDER_NONE, "", "", 0);
	items = items_of(fs, 3, pv);
	message_init(&m, items, 3, "Example Net Abuse <abuse@example.net>");
	msg = compose_ok(&m);
	assert_fixture(msg, "several.eml");
	free(msg);
	free(items);
}
END_TEST

/* Two suspects of a configured provider, as the report command sends. */
static char *
compose_provider_batch(int xarf)
{
	struct fixture		 fs[3];
	struct provider_info	 pv[2];
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	fixture_three(fs);
	set_addr(&fs[0].client, "203.0.113.20");
	fs[0].dns.helo[1].name = mut("[203.0.113.20]");
	fs[0].helos[1].name = mut("[203.0.113.20]");
	set_addr(&fs[1].client, "203.0.113.21");
	fs[1].client.rdns = NULL;
	provider_set(&pv[0], PROVIDER_RANGE, "Example Hosting", "example.com",
	    0);
	provider_set(&pv[1], PROVIDER_RANGE, "Example Hosting", "example.net",
	    0);
	items = items_of(fs, 2, pv);
	message_init(&m, items, 2, "abuse@hosting.example");
	m.reply_to = NULL;
	m.auto_submitted = 1;
	m.xarf = xarf;
	msg = compose_ok(&m);
	free(items);
	return msg;
}

START_TEST(test_report_fixture_provider_batch)
{
	char	*msg;

	msg = compose_provider_batch(0);
	assert_fixture(msg, "provider.eml");
	free(msg);
}
END_TEST

START_TEST(test_report_fixture_provider_batch_xarf)
{
	char	*msg;

	msg = compose_provider_batch(1);
	assert_fixture(msg, "provider-xarf.eml");
	free(msg);
}
END_TEST

START_TEST(test_report_fixture_one_xarf)
{
	struct fixture		 f;
	struct provider_info	 pv;
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	fixture_init(&f);
	fixture_dns(&f);
	provider_set(&pv, PROVIDER_HELO, "example.com", "example.com", 0);
	items = items_of(&f, 1, &pv);
	message_init(&m, items, 1, "abuse@example.net");
	m.xarf = 1;
	msg = compose_ok(&m);
	assert_fixture(msg, "one-xarf.eml");
	free(msg);
	free(items);
}
END_TEST

START_TEST(test_report_xarf_json_fixture)
{
	struct fixture		 f;
	struct xarf_input	 x;
	struct esc_buf		 b = { NULL, 0, 0 };

	fixture_init(&f);
	memset(&x, 0, sizeof x);
	x.client = &f.client;
	x.log_text = "line one\nline two\n";
	x.dns_text = "DNS check\n  PTR of 192.0.2.7: NXDOMAIN\n";
	x.org = "Abuse Desk";
	x.contact = "abuse@example.org";
	x.domain = "example.org";
	x.now = RP_NOW;
	x.seed = RP_NONCE + 1;
	xarf_json(&b, &x);
	assert_fixture(b.data, "one.json");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_report_xarf_uuid_shape)
{
	char	one[37], two[37];

	xarf_uuid(RP_NONCE, one);
	xarf_uuid(RP_NONCE, two);
	ck_assert_str_eq(one, two);
	ck_assert_msg(shape_eq(one, "%%%%%%%%-%%%%-4%%%-%%%%-%%%%%%%%%%%%"),
	    "uuid %s", one);
	ck_assert_msg(strchr("89ab", one[19]) != NULL, "variant of %s", one);
	xarf_uuid(0, one);
	xarf_uuid(0, two);
	ck_assert_str_ne(one, two);
	ck_assert_msg(shape_eq(one, "%%%%%%%%-%%%%-4%%%-%%%%-%%%%%%%%%%%%"),
	    "uuid %s", one);
}
END_TEST

START_TEST(test_report_base64)
{
	struct esc_buf	b = { NULL, 0, 0 };

	xarf_base64(&b, "", 0, 0);
	ck_assert_str_eq(b.data, "");
	b.len = 0;
	xarf_base64(&b, "f", 1, 0);
	ck_assert_str_eq(b.data, "Zg==");
	b.len = 0;
	xarf_base64(&b, "fo", 2, 0);
	ck_assert_str_eq(b.data, "Zm8=");
	b.len = 0;
	xarf_base64(&b, "foobar", 6, 4);
	ck_assert_str_eq(b.data, "Zm9v\nYmFy\n");
	b.len = 0;
	xarf_base64(&b, "\xff\xfe\x00", 3, 0);
	ck_assert_str_eq(b.data, "//4A");
	esc_buf_free(&b);
}
END_TEST

START_TEST(test_report_xarf_boundary_avoids_text)
{
	struct fixture		 f;
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	fixture_init(&f);
	f.evidence[0] = mut("--=_smtptriage_0123456789abcdef--");
	items = items_of(&f, 1, NULL);
	message_init(&m, items, 1, NULL);
	m.xarf = 1;
	msg = compose_ok(&m);
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: multipart/mixed; "
	    "boundary=\"=_smtptriage_0123456789abcdef_1\"\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\n--=_smtptriage_0123456789abcdef_1"
	    "--\n"));
	free(msg);
	free(items);
}
END_TEST

START_TEST(test_report_auto_submitted_only_when_asked)
{
	struct fixture		 f;
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	fixture_init(&f);
	items = items_of(&f, 1, NULL);
	message_init(&m, items, 1, NULL);
	msg = compose_ok(&m);
	ck_assert_ptr_null(strstr(msg, "Auto-Submitted"));
	free(msg);
	m.auto_submitted = 1;
	msg = compose_ok(&m);
	ck_assert_ptr_nonnull(strstr(msg, "\nAuto-Submitted: auto-generated\n"));
	free(msg);
	free(items);
}
END_TEST

START_TEST(test_report_display_names)
{
	struct fixture		 f;
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;

	fixture_init(&f);
	items = items_of(&f, 1, NULL);
	message_init(&m, items, 1, "\"Abuse, Example Net\" <abuse@example.net>");
	m.from = "\xc3\x89quipe Abuse <abuse@example.org>";
	m.reply_to = "Desk \"Q\" (night) <desk@example.org>";
	msg = compose_ok(&m);
	ck_assert_ptr_nonnull(strstr(msg, "\nFrom: =?UTF-8?B?w4lxdWlwZSBBYnVzZQ==?= "
	    "<abuse@example.org>\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\nReply-To: \"Desk \\\"Q\\\" (night)\" "
	    "<desk@example.org>\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\nTo: \"Abuse, Example Net\" "
	    "<abuse@example.net>\n"));
	free(msg);
	free(items);
}
END_TEST

START_TEST(test_report_mailbox_errors)
{
	struct fixture		 f;
	struct report_item	*items;
	struct report_message	 m;
	char			*msg = NULL, *id = NULL, *cause = NULL;

	fixture_init(&f);
	items = items_of(&f, 1, NULL);
	message_init(&m, items, 1, "a@example.net, b@example.net");
	ck_assert_int_eq(report_compose_message(&m, &msg, &id, &cause), -1);
	ck_assert_str_eq(cause, "invalid To \"a@example.net, b@example.net\": "
	    "invalid address \"a@example.net, b@example.net\": expected "
	    "local@domain in ASCII");
	ck_assert_ptr_null(msg);
	free(cause);

	message_init(&m, items, 1, NULL);
	m.from = "a@example.org\r\nBcc: x@example.org";
	ck_assert_int_eq(report_compose_message(&m, &msg, &id, &cause), -1);
	ck_assert_str_eq(cause, "invalid From \"a@example.org\r\nBcc: "
	    "x@example.org\": mailbox contains the control character 0x0d");
	free(cause);

	message_init(&m, items, 1, "Name <a@example.net> <b@example.net>");
	ck_assert_int_eq(report_compose_message(&m, &msg, &id, &cause), -1);
	ck_assert_str_eq(cause, "invalid To \"Name <a@example.net> "
	    "<b@example.net>\": expected \"Name <address>\"");
	free(cause);

	message_init(&m, items, 0, NULL);
	ck_assert_int_eq(report_compose_message(&m, &msg, &id, &cause), -1);
	ck_assert_str_eq(cause, "a report needs at least one client");
	free(cause);
	free(items);
}
END_TEST

START_TEST(test_report_subject_non_ascii_encoded)
{
	struct fixture		 f;
	struct provider_info	 pv;
	struct report_item	*items;
	struct report_message	 m;
	struct template		*t;
	char			*msg, *cause = NULL;
	const char		*text = "Subject: Report for {{provider}} "
	    "({{ips}})\n\nBody {{count}}\n";

	t = template_parse(text, strlen(text), "test", &cause);
	ck_assert_msg(t != NULL, "%s", cause);
	fixture_init(&f);
	provider_set(&pv, PROVIDER_RANGE, "T\xc3\xa9l\xc3\xa9" "com Exemple",
	    "", 0);
	items = items_of(&f, 1, &pv);
	message_init(&m, items, 1, NULL);
	m.template = t;
	msg = compose_ok(&m);
	/* "Report for Télécom Exemple (192.0.2.7)" in 39-byte words. */
	ck_assert_ptr_nonnull(strstr(msg, "\nSubject: "
	    "=?UTF-8?B?UmVwb3J0IGZvciBUw6lsw6ljb20gRXhlbXBsZSAoMTkyLjAuMi43?=\n"
	    " =?UTF-8?B?KQ==?=\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\n\nBody 1\n"));
	assert_clean_lines(msg);
	free(msg);
	free(items);
	template_free(t);
}
END_TEST

START_TEST(test_report_injection_every_field)
{
	struct fixture		 f;
	struct provider_info	 pv;
	struct report_item	*items;
	struct report_message	 m;
	struct template		*t;
	char			*msg, *headers, *cause = NULL;
	const char		*text = "Subject: {{provider}} {{reasons}} {{ips}}"
	    "\n\n{{#suspects}}\nHELO {{helo}} rDNS {{rdns}} by {{provider}}\n"
	    "{{fix}}\n{{client}}\n{{findings}}\n{{dns}}\n{{evidence}}\n"
	    "{{/suspects}}\n";

	t = template_parse(text, strlen(text), "test", &cause);
	ck_assert_msg(t != NULL, "%s", cause);
	fixture_init(&f);
	fixture_dns(&f);
	f.helos[0].name = mut("x\r\nBcc: victim@example.org");
	f.helos[1].name = mut("\xc3\xa9t\xc3\xa9\x1b[2J\x80");
	f.client.rdns = mut("r.example.net\nTo: evil@example.org\r\n\r\nbody");
	f.reasons[0].name = mut("Bad\r\nCc: z@example.org");
	f.reasons[2].name = mut("warning:text\r\nCc: z@example.org");
	f.evidence[0] = mut("line\r\nBcc: q@example.org\r\n\x1b[31m");
	f.dns.ptr[0].name = mut("ptr\r\nBcc: p@example.org");
	f.dns.helo[0].name = mut("x\r\nBcc: victim@example.org");
	provider_set(&pv, PROVIDER_RANGE, "Evil\r\nBcc: pv@example.org", "", 0);
	items = items_of(&f, 1, &pv);
	message_init(&m, items, 1, NULL);
	m.template = t;
	m.xarf = 1;
	msg = compose_ok(&m);

	assert_clean_lines(msg);
	headers = header_block(msg);
	ck_assert_ptr_null(strstr(msg, "\nBcc:"));
	ck_assert_ptr_null(strstr(msg, "\nCc:"));
	ck_assert_ptr_null(strstr(msg, "\nTo:"));
	ck_assert_msg(strstr(headers, "\nSubject: Evil\\r\\nBcc: "
	    "pv@example.org other, no_rdns, warning 192.0.2.7\n") != NULL,
	    "headers: %s", headers);
	ck_assert_ptr_nonnull(strstr(msg, "\nHELO x\\r\\nBcc: "
	    "victim@example.org rDNS r.example.net\\nTo: evil@example.org"
	    "\\r\\n\\r\\nbody by Evil\\r\\nBcc: pv@example.org\n"));
	ck_assert_ptr_nonnull(strstr(msg, "  Provider:     Evil\\r\\nBcc: "
	    "pv@example.org (configured address range)\n"));
	ck_assert_ptr_nonnull(strstr(msg, "\"\xc3\xa9t\xc3\xa9\\x1B[2J\\x80\""));
	ck_assert_ptr_nonnull(strstr(msg, "\n  line\\r\\nBcc: q@example.org"
	    "\\r\\n\\x1B[31m\n"));
	free(headers);
	free(msg);
	free(items);
	template_free(t);
}
END_TEST

START_TEST(test_report_headers_count_with_reply_to)
{
	struct fixture		 f;
	struct report_item	*items;
	struct report_message	 m;
	char			*msg;
	const char		*line, *nl;
	size_t			 n = 0;

	fixture_init(&f);
	items = items_of(&f, 1, NULL);
	message_init(&m, items, 1, "abuse@example.net");
	msg = compose_ok(&m);
	for (line = msg; *line != '\n'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (*line != ' ')
			n++;
	}
	/* Date From Reply-To To Subject Message-ID and three MIME fields. */
	ck_assert_uint_eq(n, 9);
	free(msg);
	free(items);
}
END_TEST

START_TEST(test_report_long_lines_wrapped)
{
	struct fixture		 f;
	struct report_item	*items;
	struct report_message	 m;
	struct template		*t;
	char			*msg, *cause = NULL, name[201];
	const char		*text = "{{#suspects}}\n{{helo}} {{helo}} {{helo}} "
	    "{{helo}} {{helo}} {{helo}} {{rdns}}\n{{/suspects}}\n";

	t = template_parse(text, strlen(text), "test", &cause);
	ck_assert_msg(t != NULL, "%s", cause);
	fixture_init(&f);
	memset(name, 'h', 200);
	name[200] = '\0';
	f.helos[0].name = name;
	f.client.rdns = name;
	items = items_of(&f, 1, NULL);
	message_init(&m, items, 1, NULL);
	m.template = t;
	msg = compose_ok(&m);
	/* 7 * 200 + 6 blanks = 1406 bytes: one split after 998. */
	assert_clean_lines(msg);
	ck_assert_ptr_nonnull(strstr(msg, "hhh\nhhh"));
	free(msg);
	free(items);
	template_free(t);
}
END_TEST

START_TEST(test_template_parse_errors)
{
	static const struct {
		const char	*text;
		const char	*cause;
	} cases[] = {
		{ "Hello {{name}}\n", "t:1: unknown placeholder \"{{name}}\"" },
		{ "Hello {{ip\n", "t:1: \"{{\" without a closing \"}}\"" },
		{ "Hello {{ip}}\n", "t:1: {{ip}} can only be used inside the "
		    "{{#suspects}} section" },
		{ "{{#suspects}}\n{{clients}}\n{{/suspects}}\n", "t:2: "
		    "{{clients}} can only be used outside the {{#suspects}} "
		    "section" },
		{ "{{#suspects}}\nx {{evidence}}\n{{/suspects}}\n", "t:2: "
		    "{{evidence}} must be alone on its line" },
		{ "{{evidence}}\n", "t:1: {{evidence}} can only be used "
		    "inside the {{#suspects}} section" },
		{ "{{#suspects}}\n{{#suspects}}\n", "t:2: {{#suspects}} inside "
		    "the suspects section" },
		{ "{{/suspects}}\n", "t:1: {{/suspects}} without "
		    "{{#suspects}}" },
		{ "{{#suspects}}\n", "t: {{#suspects}} without {{/suspects}}" },
		{ "a {{#suspects}}\n", "t:1: a section line must hold only "
		    "{{#suspects}} or {{/suspects}}" },
		{ "Subject: x\nbody\n", "t:2: expected an empty line after the "
		    "Subject line" },
		{ "Subject: {{ip}}\n\n", "t:1: {{ip}} can only be used inside "
		    "the {{#suspects}} section" },
		{ "ok\n\x1b[2J\n", "t:2: line contains the control character "
		    "0x1b" },
		{ "ok\n\xc3\x28\n", "t:2: line contains invalid UTF-8 (byte "
		    "0xc3)" },
	};
	struct template	*t;
	char		*cause;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		t = template_parse(cases[i].text, strlen(cases[i].text), "t",
		    &cause);
		ck_assert_msg(t == NULL, "case %zu parsed", i);
		ck_assert_str_eq(cause, cases[i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_template_long_line_and_nul)
{
	struct template	*t;
	char		*text, *cause = NULL;

	text = xcalloc(1, 600);
	memset(text, 'a', 501);
	t = template_parse(text, strlen(text), "t", &cause);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(cause, "t:1: line is longer than 500 bytes");
	free(cause);
	t = template_parse("a\0b\n", 4, "t", &cause);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(cause, "t: template contains a NUL byte");
	free(cause);
	free(text);
}
END_TEST

/* Placeholder values for the template expansion tests. */
static void
tv_value(struct esc_buf *out, const char *name, size_t item, void *arg)
{
	if (strcmp(name, "heading") == 0)
		return;
	if (strcmp(name, "evidence") == 0) {
		esc_buf_printf(out, "ev %zu a\nev %zu b\n", item, item);
		return;
	}
	if (item == TEMPLATE_MESSAGE)
		esc_buf_printf(out, "<%s>", name);
	else
		esc_buf_printf(out, "<%s %zu\r\nX: y>", name, item);
}

START_TEST(test_template_expand)
{
	struct template	*t;
	struct esc_buf	 b = { NULL, 0, 0 };
	char		*cause = NULL;
	const char	*text = "Subject: S {{count}}\r\n\r\nTop {{clients}}\n"
	    "{{#suspects}}\r\n{{heading}}\nIP {{ip}}!\n{{evidence}}\n"
	    "{{/suspects}}\nEnd\n";

	t = template_parse(text, strlen(text), "t", &cause);
	ck_assert_msg(t != NULL, "%s", cause);
	ck_assert_str_eq(template_subject(t), "S {{count}}");
	template_expand_body(t, 2, tv_value, NULL, &b);
	ck_assert_str_eq(b.data, "Top <clients>\n"
	    "IP <ip 0  X: y>!\nev 0 a\nev 0 b\n"
	    "IP <ip 1  X: y>!\nev 1 a\nev 1 b\n"
	    "End\n");
	b.len = 0;
	template_expand_line(template_subject(t), tv_value, NULL, &b);
	ck_assert_str_eq(b.data, "S <count>");
	esc_buf_free(&b);
	template_free(t);
}
END_TEST

START_TEST(test_template_default_parses)
{
	const struct template	*t;
	struct template		*again;
	char			*cause = NULL;

	t = template_default();
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(template_subject(t), "Abuse report: {{ips}} "
	    "({{reasons}})");
	again = template_parse(template_default_text(),
	    strlen(template_default_text()), "copy", &cause);
	ck_assert_msg(again != NULL, "%s", cause);
	template_free(again);
}
END_TEST

START_TEST(test_template_load_file)
{
	struct template	*t;
	FILE		*f;
	char		*path, *cause = NULL;

	xasprintf(&path, "%s/template", rp_dir);
	ck_assert_ptr_null(template_load(path, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "does not exist"));
	free(cause);
	f = fopen(path, "w");
	fputs("Subject: Hi {{ips}}\n\n{{#suspects}}\n{{fix}}\n{{/suspects}}\n",
	    f);
	ck_assert_int_eq(fclose(f), 0);
	chmod(path, 0600);
	t = template_load(path, &cause);
	ck_assert_msg(t != NULL, "%s", cause);
	ck_assert_str_eq(template_subject(t), "Hi {{ips}}");
	template_free(t);
	chmod(path, 0666);
	ck_assert_ptr_null(template_load(path, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "can be written by other users"));
	free(cause);
	free(path);
}
END_TEST

START_TEST(test_report_sendmail_default_args)
{
	char	**argv, *cause = NULL;

	argv = report_sendmail_argv("/usr/sbin/sendmail", &cause);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[0], "/usr/sbin/sendmail");
	ck_assert_str_eq(argv[1], "-oi");
	ck_assert_str_eq(argv[2], "-t");
	ck_assert_ptr_null(argv[3]);
	config_free_argv(argv);
	argv = report_sendmail_argv("/usr/sbin/exim4 -C /tmp/x.conf -t",
	    &cause);
	ck_assert_str_eq(argv[1], "-C");
	ck_assert_str_eq(argv[3], "-t");
	ck_assert_ptr_null(argv[4]);
	config_free_argv(argv);
	ck_assert_ptr_null(report_sendmail_argv("  ", &cause));
	ck_assert_str_eq(cause, "empty command");
	free(cause);
}
END_TEST

/* Plans: a config, a store and clients in the test folder. */
struct plan_env {
	struct config		 cfg;
	struct store		*st;
	struct fixture		 fs[4];
	struct client		*list[4];
	struct plan_options	 o;
};

/*
 * fs[0]: 192.0.2.7, HELO mail.example.com only (no recipient).
 * fs[1]: 192.0.2.8, verified rDNS mx.example.net (abuse@example.net).
 * fs[2]: 192.0.2.9, verified rDNS mx2.example.net (the same recipient).
 * fs[3]: 198.51.100.7 in the configured range of "Example Hosting".
 */
static void
plan_env_init(struct plan_env *e, const char *sendmail)
{
	char	*cause = NULL;
	size_t	 i;

	deliver_env(&e->cfg, &e->st, sendmail);
	free(e->cfg.from);
	e->cfg.from = xstrdup("Abuse Desk <abuse@example.org>");
	ck_assert_int_eq(provider_table_add(e->cfg.providers,
	    "Example Hosting", "198.51.100.0/24", &cause), 0);
	ck_assert_int_eq(provider_table_add_recipient(e->cfg.providers,
	    "Example Hosting", 1, "abuse@hosting.example", &cause), 0);
	for (i = 0; i < 4; i++) {
		fixture_init(&e->fs[i]);
		e->list[i] = &e->fs[i].client;
	}
	set_addr(&e->fs[1].client, "192.0.2.8");
	e->fs[1].client.rdns = mut("mx.example.net");
	set_addr(&e->fs[2].client, "192.0.2.9");
	e->fs[2].client.rdns = mut("mx2.example.net");
	set_addr(&e->fs[3].client, "198.51.100.7");
	memset(&e->o, 0, sizeof e->o);
	e->o.cfg = &e->cfg;
	e->o.store = e->st;
	e->o.now = time(NULL);
}

static void
plan_env_free(struct plan_env *e)
{
	store_close(e->st);
	config_free(&e->cfg);
}

/* Record a report about ip to recipient, age seconds ago. */
static void
history_add(struct store *st, const char *ip, const char *recipient,
    const char *id, int exit_status, int64_t age)
{
	struct store_report	 r;
	char			*cause = NULL;

	memset(&r, 0, sizeof r);
	r.ip = ip;
	r.recipient = recipient;
	r.message_id = id;
	r.method = "sendmail";
	r.exit_status = exit_status;
	r.time = (int64_t)time(NULL) - age;
	ck_assert_msg(store_add_report(st, &r, &cause) == 0, "%s", cause);
}

START_TEST(test_plan_groups_by_recipient)
{
	struct plan_env	 e;
	struct plan	*p;
	char		*cause = NULL;

	plan_env_init(&e, NULL);
	p = plan_build(e.list, NULL, 4, &e.o, &cause);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nmessages, 3);
	ck_assert_str_eq(p->messages[0].to, "");
	ck_assert_str_eq(p->messages[0].suggestion, "abuse@example.com");
	ck_assert_uint_eq(p->messages[0].nsuspects, 1);
	ck_assert_str_eq(p->messages[1].to, "abuse@example.net");
	ck_assert_int_eq(p->messages[1].source, RCPT_RFC2142);
	ck_assert_uint_eq(p->messages[1].nsuspects, 2);
	ck_assert_str_eq(p->messages[2].to, "abuse@hosting.example");
	ck_assert_int_eq(p->messages[2].source, RCPT_MAP_PROVIDER);
	ck_assert_str_eq(p->suspects[3].provider.name, "Example Hosting");
	plan_free(p);

	/* Headless: no message without a verified recipient. */
	e.o.headless = 1;
	p = plan_build(e.list, NULL, 4, &e.o, &cause);
	ck_assert_uint_eq(p->nmessages, 2);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_NO_RECIPIENT], 1);
	ck_assert_int_eq(p->suspects[0].skip, PLAN_SKIP_NO_RECIPIENT);
	plan_free(p);
	plan_env_free(&e);
}
END_TEST

START_TEST(test_plan_override_recipient)
{
	struct plan_env	 e;
	struct plan	*p;
	char		*cause = NULL;

	plan_env_init(&e, NULL);
	e.cfg.report_to = xstrdup("review@example.org");
	p = plan_build(e.list, NULL, 4, &e.o, &cause);
	ck_assert_uint_eq(p->nmessages, 1);
	ck_assert_str_eq(p->messages[0].to, "review@example.org");
	ck_assert_int_eq(p->messages[0].source, RCPT_OVERRIDE);
	ck_assert_uint_eq(p->messages[0].nsuspects, 4);
	plan_free(p);
	plan_env_free(&e);
}
END_TEST

START_TEST(test_plan_whitelisted_left_out)
{
	struct plan_env	 e;
	struct plan	*p;
	char		*cause = NULL;

	plan_env_init(&e, NULL);
	e.fs[1].client.whitelisted = 1;
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	ck_assert_uint_eq(p->nmessages, 1);
	ck_assert_uint_eq(p->messages[0].nsuspects, 1);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_WHITELISTED], 1);
	plan_free(p);
	plan_env_free(&e);
}
END_TEST

START_TEST(test_plan_dedupe_window)
{
	struct plan_env	 e;
	struct plan	*p;
	char		*cause = NULL;

	plan_env_init(&e, NULL);
	/* 192.0.2.8: 2 days ago to the same desk (case differs). */
	history_add(e.st, "192.0.2.8", "Abuse@Example.NET", "<a@x>", 0,
	    2 * 86400);
	/* 192.0.2.9: 8 days ago, outside the window of 7 days. */
	history_add(e.st, "192.0.2.9", "abuse@example.net", "<b@x>", 0,
	    8 * 86400);
	/* 198.51.100.7: yesterday, but to another recipient. */
	history_add(e.st, "198.51.100.7", "other@example.org", "<c@x>", 0,
	    86400);
	/* 192.0.2.7 failed yesterday: that does not count. */
	history_add(e.st, "192.0.2.7", "abuse@example.com", "<d@x>", 75,
	    86400);
	p = plan_build(e.list + 1, NULL, 3, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_WINDOW], 1);
	ck_assert_int_eq(p->suspects[0].skip, PLAN_SKIP_WINDOW);
	ck_assert_int_gt(p->suspects[0].reported_at, 0);
	ck_assert_uint_eq(p->messages[0].nsuspects, 1);
	ck_assert_str_eq(p->suspects[p->messages[0].suspects[0]].client->ip,
	    "192.0.2.9");
	ck_assert_uint_eq(p->messages[1].nsuspects, 1);
	plan_free(p);

	e.o.force = 1;
	p = plan_build(e.list + 1, NULL, 3, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_WINDOW], 0);
	ck_assert_uint_eq(p->messages[0].nsuspects, 2);
	plan_free(p);

	e.o.force = 0;
	e.cfg.report_window_days = 1;
	p = plan_build(e.list + 1, NULL, 3, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_WINDOW], 0);
	plan_free(p);
	plan_env_free(&e);
}
END_TEST

START_TEST(test_plan_daily_cap)
{
	struct plan_env	 e;
	struct plan	*p;
	int64_t		 sent;
	char		*cause = NULL;

	plan_env_init(&e, NULL);
	e.cfg.report_daily_cap = 2;
	/* Two messages in the last 24 hours, one of them about two IPs. */
	history_add(e.st, "203.0.113.1", "abuse@example.net", "<m1@x>", 0,
	    3600);
	history_add(e.st, "203.0.113.2", "abuse@example.net", "<m1@x>", 0,
	    3600);
	ck_assert_int_eq(store_count_sent(e.st, "abuse@example.net",
	    (int64_t)time(NULL) - 86400, &cause), 1);
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_CAP], 0);
	ck_assert_int_eq(plan_over_cap(p, 0, &e.o, &sent, &cause), 0);
	ck_assert_int_eq(sent, 1);
	plan_free(p);

	/* A failed one and one older than a day do not count. */
	history_add(e.st, "203.0.113.3", "abuse@example.net", "<m2@x>", 75,
	    60);
	history_add(e.st, "203.0.113.3", "abuse@example.net", "<m3@x>", 0,
	    90000);
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_CAP], 0);
	plan_free(p);

	history_add(e.st, "203.0.113.4", "abuse@example.net", "<m4@x>", 0,
	    60);
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_CAP], 2);
	ck_assert_uint_eq(p->messages[0].nsuspects, 0);
	ck_assert_int_eq(p->messages[0].sent_today, 2);
	ck_assert_int_eq(p->suspects[0].skip, PLAN_SKIP_CAP);
	plan_free(p);

	/* 0 turns the cap off. */
	e.cfg.report_daily_cap = 0;
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_CAP], 0);
	plan_free(p);
	plan_env_free(&e);
}
END_TEST

START_TEST(test_plan_set_recipient)
{
	struct plan_env	 e;
	struct plan	*p;
	char		*cause = NULL;

	plan_env_init(&e, NULL);
	history_add(e.st, "192.0.2.7", "abuse@example.com", "<a@x>", 0, 3600);
	p = plan_build(e.list, NULL, 1, &e.o, &cause);
	ck_assert_uint_eq(p->nmessages, 1);
	ck_assert_str_eq(p->messages[0].to, "");
	ck_assert_int_eq(plan_set_recipient(p, 0, "abuse@example.com\nBcc: x",
	    &e.o, &cause), -1);
	ck_assert_str_eq(cause, "invalid recipient \"abuse@example.com\nBcc: "
	    "x\": the part after the @ is not a valid host name; expected "
	    "one address such as abuse@example.net");
	free(cause);
	ck_assert_int_eq(plan_set_recipient(p, 0, "desk@example.com", &e.o,
	    &cause), 0);
	ck_assert_str_eq(p->messages[0].to, "desk@example.com");
	ck_assert_int_eq(p->messages[0].source, RCPT_ADMIN);
	ck_assert_uint_eq(p->messages[0].nsuspects, 1);
	ck_assert_int_eq(plan_set_recipient(p, 0, "abuse@example.com", &e.o,
	    &cause), 0);
	ck_assert_uint_eq(p->messages[0].nsuspects, 0);
	ck_assert_uint_eq(p->skipped[PLAN_SKIP_WINDOW], 1);
	plan_free(p);
	plan_env_free(&e);
}
END_TEST

START_TEST(test_plan_compose_and_deliver)
{
	struct plan_env		 e;
	struct plan		*p;
	struct plan_compose	 pc;
	struct report_outcome	 out;
	char			*script, *msg, *id, *got, *cause = NULL;
	size_t			 unread;

	script = recording_sendmail(0);
	plan_env_init(&e, script);
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	memset(&pc, 0, sizeof pc);
	pc.hostname = "mx.example.org";
	pc.now = RP_NOW;
	pc.nonce = RP_NONCE;
	ck_assert_int_eq(plan_compose_message(p, 0, &e.cfg, &pc, &msg, &id,
	    &unread, &cause), 0);
	ck_assert_uint_eq(unread, 0);
	ck_assert_ptr_nonnull(strstr(msg, "\nTo: abuse@example.net\n"));
	ck_assert_ptr_nonnull(strstr(msg, "=== Client 2 of 2: 192.0.2.9 ==="));
	ck_assert_int_eq(plan_deliver(p, 0, &e.cfg, e.st, msg, id, &out,
	    &cause), 0);
	ck_assert_int_eq(out.sent, 1);
	got = recorded("SELECT group_concat(ip || ' ' || recipient || ' ' || "
	    "exit_status, ', ') FROM reports WHERE message_id = "
	    "'<20261130111000.0123456789abcdef.smtptriage@mx.example.org>'");
	ck_assert_str_eq(got, "192.0.2.8 abuse@example.net 0, 192.0.2.9 "
	    "abuse@example.net 0");
	free(got);
	ck_assert_int_gt(store_last_report_to(e.st, "192.0.2.9",
	    "ABUSE@example.net", &cause), 0);
	report_outcome_free(&out);
	free(msg);
	free(id);
	plan_free(p);
	plan_env_free(&e);
	free(script);
}
END_TEST

START_TEST(test_plan_dry_run_records_nothing)
{
	struct plan_env		 e;
	struct plan		*p;
	struct plan_compose	 pc;
	struct report_outcome	 out;
	char			*script, *msg, *id, *args, *cause = NULL;
	size_t			 unread;

	script = recording_sendmail(0);
	plan_env_init(&e, script);
	e.cfg.dry_run = 1;
	p = plan_build(e.list + 1, NULL, 1, &e.o, &cause);
	memset(&pc, 0, sizeof pc);
	pc.now = RP_NOW;
	ck_assert_int_eq(plan_compose_message(p, 0, &e.cfg, &pc, &msg, &id,
	    &unread, &cause), 0);
	ck_assert_int_eq(plan_deliver(p, 0, &e.cfg, e.st, msg, id, &out,
	    &cause), 0);
	ck_assert_int_eq(out.dry_run, 1);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_ptr_nonnull(out.path);
	ck_assert_uint_eq(count_dir(e.cfg.outbox, ".eml"), 1);
	xasprintf(&args, "%s/args", rp_dir);
	ck_assert_int_eq(access(args, F_OK), -1);
	free(args);
	ck_assert_ptr_null(recorded("SELECT ip FROM reports"));
	report_outcome_free(&out);
	ck_assert_int_eq(report_retry(&e.cfg, e.st, id, &out, &cause), -1);
	ck_assert_str_eq(cause, "dry run is on, so nothing is sent");
	free(cause);
	free(msg);
	free(id);
	plan_free(p);
	plan_env_free(&e);
	free(script);
}
END_TEST

START_TEST(test_report_failed_send_then_retry)
{
	struct plan_env		 e;
	struct plan		*p;
	struct plan_compose	 pc;
	struct report_outcome	 out;
	char			*script, *msg, *id, *got, *path, *cause = NULL;
	size_t			 unread;

	script = check_write_script(rp_dir, "flaky", "cat > /dev/null\n"
	    "echo 'queue is full' >&2\nexit 75");
	plan_env_init(&e, script);
	p = plan_build(e.list + 1, NULL, 2, &e.o, &cause);
	memset(&pc, 0, sizeof pc);
	pc.now = RP_NOW;
	pc.nonce = RP_NONCE;
	ck_assert_int_eq(plan_compose_message(p, 0, &e.cfg, &pc, &msg, &id,
	    &unread, &cause), 0);
	ck_assert_int_eq(plan_deliver(p, 0, &e.cfg, e.st, msg, id, &out,
	    &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_int_eq(out.exit_status, 75);
	ck_assert_ptr_nonnull(strstr(out.path, "Z-192.0.2.8-and-1-more-"));
	path = xstrdup(out.path);
	report_outcome_free(&out);
	got = recorded("SELECT count(*) FROM reports WHERE exit_status = 75");
	ck_assert_str_eq(got, "2");
	free(got);
	ck_assert_int_eq(store_last_report_to(e.st, "192.0.2.8",
	    "abuse@example.net", &cause), 0);

	/* The retry fails again: the message stays in the outbox. */
	ck_assert_int_eq(report_retry(&e.cfg, e.st, id, &out, &cause), 0);
	ck_assert_int_eq(out.sent, 0);
	ck_assert_str_eq(out.path, path);
	ck_assert_int_eq(access(path, F_OK), 0);
	report_outcome_free(&out);

	/* Now sendmail works: sent, recorded for both IPs, file removed. */
	free(e.cfg.sendmail);
	free(script);
	script = recording_sendmail(0);
	e.cfg.sendmail = xstrdup(script);
	ck_assert_int_eq(report_retry(&e.cfg, e.st, id, &out, &cause), 0);
	ck_assert_int_eq(out.sent, 1);
	ck_assert_int_eq(access(path, F_OK), -1);
	got = recorded("SELECT group_concat(ip, ' ') FROM reports WHERE "
	    "exit_status = 0 AND path IS NULL");
	ck_assert_str_eq(got, "192.0.2.8 192.0.2.9");
	free(got);
	free(path);
	xasprintf(&path, "%s/stdin", rp_dir);
	got = check_read_file(path);
	ck_assert_str_eq(got, msg);
	free(got);
	free(path);
	report_outcome_free(&out);

	/* A second retry finds it sent, which is no failure. */
	ck_assert_int_eq(report_retry(&e.cfg, e.st, id, &out, &cause), 0);
	ck_assert_int_eq(out.skipped, REPORT_SKIP_SENT);
	ck_assert_int_eq(out.sent, 0);
	report_outcome_free(&out);
	ck_assert_int_eq(report_retry(&e.cfg, e.st, "<unknown@x>", &out,
	    &cause), -1);
	ck_assert_str_eq(cause, "no failed report has Message-ID <unknown@x>");
	free(cause);
	free(msg);
	free(id);
	plan_free(p);
	plan_env_free(&e);
	free(script);
}
END_TEST

START_TEST(test_report_retry_file_gone)
{
	struct config		 cfg;
	struct store		*st;
	struct report_outcome	 out;
	char			*script, *cause = NULL;

	script = check_write_script(rp_dir, "tempfail",
	    "cat >/dev/null; exit 75");
	deliver_env(&cfg, &st, script);
	ck_assert_int_eq(report_deliver(&cfg, st, "192.0.2.7",
	    "abuse@example.net", "x\n", "<gone@x>", &out, &cause), 0);
	ck_assert_int_eq(unlink(out.path), 0);
	report_outcome_free(&out);
	ck_assert_int_eq(report_retry(&cfg, st, "<gone@x>", &out, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "is gone"));
	free(cause);
	free(cfg.sendmail);
	cfg.sendmail = NULL;
	ck_assert_int_eq(report_retry(&cfg, st, "<gone@x>", &out, &cause),
	    -1);
	ck_assert_str_eq(cause, "no sendmail command is set");
	free(cause);
	store_close(st);
	config_free(&cfg);
	free(script);
}
END_TEST

START_TEST(test_plan_abuse_contact)
{
	struct dns_result	r;

	memset(&r, 0, sizeof r);
	ck_assert_ptr_null(plan_abuse_contact(NULL));
	ck_assert_ptr_null(plan_abuse_contact(&r));
	r.abuse.rcode = DNS_RCODE_NOERROR;
	r.abuse.naddresses = 2;
	r.abuse.addresses[0] = mut("not an address");
	r.abuse.addresses[1] = mut("abuse@net.example");
	ck_assert_str_eq(plan_abuse_contact(&r), "abuse@net.example");
	r.abuse.rcode = DNS_RCODE_SERVFAIL;
	ck_assert_ptr_null(plan_abuse_contact(&r));
}
END_TEST

Suite *
make_report_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("report");

	tc = tcase_create("compose");
	tcase_add_checked_fixture(tc, rp_setup, rp_teardown);
	tcase_add_test(tc, test_report_compose_plain);
	tcase_add_test(tc, test_report_compose_dns);
	tcase_add_test(tc, test_report_dns_ptr_servfail);
	tcase_add_test(tc, test_report_dns_all_pass);
	tcase_add_test(tc, test_report_dns_not_finished);
	tcase_add_test(tc, test_report_advice_once);
	tcase_add_test(tc, test_report_advice_follows_evidence);
	tcase_add_test(tc, test_report_rdns_log_and_live);
	tcase_add_test(tc, test_report_refused_not_blamed);
	tcase_add_test(tc, test_report_dnsbl_findings);
	tcase_add_test(tc, test_report_xarf_multipart_8bit);
	tcase_add_test(tc, test_report_no_to_header);
	tcase_add_test(tc, test_report_date_offsets);
	tcase_add_test(tc, test_report_random_message_id);
	tcase_add_test(tc, test_report_bad_hostname);
	tcase_add_test(tc, test_report_from_to_sanitized);
	tcase_add_test(tc, test_report_injection_helo);
	tcase_add_test(tc, test_report_subject_folded);
	tcase_add_test(tc, test_report_subject_more_distinct);
	tcase_add_test(tc, test_report_long_evidence_cut);
	tcase_add_test(tc, test_report_cut_keeps_escapes);
	tcase_add_test(tc, test_report_cut_keeps_utf8);
	tcase_add_test(tc, test_report_long_helo_cut);
	suite_add_tcase(s, tc);

	tc = tcase_create("deliver");
	tcase_add_checked_fixture(tc, rp_setup, rp_teardown);
	tcase_add_test(tc, test_report_outbox_file);
	tcase_add_test(tc, test_report_outbox_two_files);
	tcase_add_test(tc, test_report_sendmail_argv_stdin);
	tcase_add_test(tc, test_report_sendmail_exit_status);
	tcase_add_test(tc, test_report_sendmail_missing);
	tcase_add_test(tc, test_report_sendmail_not_executable);
	tcase_add_test(tc, test_report_sendmail_signal);
	tcase_add_test(tc, test_report_sendmail_early_exit);
	tcase_add_test(tc, test_report_sendmail_chatty);
	tcase_add_test(tc, test_report_deliver_sent);
	tcase_add_test(tc, test_report_deliver_failed_send);
	tcase_add_test(tc, test_report_deliver_missing_sendmail);
	tcase_add_test(tc, test_report_deliver_outbox_only);
	tcase_add_test(tc, test_report_deliver_no_recipient);
	tcase_add_test(tc, test_report_deliver_bad_ip);
	tcase_add_test(tc, test_report_recipient);
	tcase_add_test(tc, test_report_sendmail_default_args);
	tcase_add_test(tc, test_report_failed_send_then_retry);
	tcase_add_test(tc, test_report_retry_file_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	tcase_add_checked_fixture(tc, rp_setup, rp_teardown);
	tcase_add_test(tc, test_report_fixture_one);
	tcase_add_test(tc, test_report_fixture_several);
	tcase_add_test(tc, test_report_provider_from_live_check);
	tcase_add_test(tc, test_report_fixture_provider_batch);
	tcase_add_test(tc, test_report_fixture_provider_batch_xarf);
	tcase_add_test(tc, test_report_fixture_one_xarf);
	tcase_add_test(tc, test_report_xarf_json_fixture);
	tcase_add_test(tc, test_report_xarf_uuid_shape);
	tcase_add_test(tc, test_report_base64);
	tcase_add_test(tc, test_report_xarf_boundary_avoids_text);
	tcase_add_test(tc, test_report_auto_submitted_only_when_asked);
	tcase_add_test(tc, test_report_display_names);
	tcase_add_test(tc, test_report_mailbox_errors);
	tcase_add_test(tc, test_report_subject_non_ascii_encoded);
	tcase_add_test(tc, test_report_injection_every_field);
	tcase_add_test(tc, test_report_headers_count_with_reply_to);
	tcase_add_test(tc, test_report_long_lines_wrapped);
	suite_add_tcase(s, tc);

	tc = tcase_create("template");
	tcase_add_checked_fixture(tc, rp_setup, rp_teardown);
	tcase_add_test(tc, test_template_parse_errors);
	tcase_add_test(tc, test_template_long_line_and_nul);
	tcase_add_test(tc, test_template_expand);
	tcase_add_test(tc, test_template_default_parses);
	tcase_add_test(tc, test_template_load_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("plan");
	tcase_add_checked_fixture(tc, rp_setup, rp_teardown);
	tcase_add_test(tc, test_plan_groups_by_recipient);
	tcase_add_test(tc, test_plan_override_recipient);
	tcase_add_test(tc, test_plan_whitelisted_left_out);
	tcase_add_test(tc, test_plan_dedupe_window);
	tcase_add_test(tc, test_plan_daily_cap);
	tcase_add_test(tc, test_plan_set_recipient);
	tcase_add_test(tc, test_plan_compose_and_deliver);
	tcase_add_test(tc, test_plan_dry_run_records_nothing);
	tcase_add_test(tc, test_plan_abuse_contact);
	suite_add_tcase(s, tc);
	return s;
}
