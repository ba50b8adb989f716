/*
 * Tests for core/report.c: the composed message byte for byte, header
 * injection from log and DNS text, the outbox, and delivery through fake
 * sendmail scripts.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <ftw.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check_suites.h"
#include "config.h"
#include "report.h"
#include "store.h"
#include "xmalloc.h"

/* 2026-11-30 11:10:00 UTC */
#define RP_NOW		1796037000
#define RP_NONCE	0x0123456789abcdefULL

static char	 rp_dir[64];
static char	*rp_saved_tz;

/* Writable copies of string constants, freed after each test. */
static char	*rp_pool[64];
static size_t	 rp_npool;

struct fixture {
	struct client		client;
	struct agg_count	helos[4];
	struct agg_count	reasons[6];
	struct dns_result	dns;
	char			*evidence[4];
	struct report_input	in;
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

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
	nftw(rp_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
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
    "It connected to our mail server and failed its checks of the\n"
    "client's identity (HELO name and reverse DNS).  Please have the\n"
    "sender fix the problems below.  Text from our logs and from DNS\n"
    "answers is quoted with control characters and invalid UTF-8\n"
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
    "  Reverse DNS:  none forward-confirmed\n"
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
    "It connected to our mail server and failed its checks of the\n"
    "client's identity (HELO name and reverse DNS).  Please have the\n"
    "sender fix the problems below.  Text from our logs and from DNS\n"
    "answers is quoted with control characters and invalid UTF-8\n"
    "shown as escapes such as \\x1B.\n"
    "\n"
    "What to fix\n"
    "- PTR name \"host7.example.net\" resolves, but not to 192.0.2.7.\n"
    "  Give it an A or AAAA record that holds the address, or change\n"
    "  the PTR record.\n"
    "- HELO name \"mail.example.com\" does not resolve (NXDOMAIN).\n"
    "  Use a name with an A or AAAA record that holds 192.0.2.7.\n"
    "- HELO name \"relay.example.org\" cannot be looked up (SERVFAIL).\n"
    "  Fix the DNS servers of its zone.\n"
    "\n"
    "Client\n"
    "  Address:      192.0.2.7\n"
    "  Reverse DNS:  none forward-confirmed\n"
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

static char *
read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	buf = xcalloc(1, 4 * 1024 * 1024);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, 4 * 1024 * 1024 - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Write an executable shell script that fakes sendmail. */
static char *
fake_sendmail(const char *name, const char *body)
{
	FILE	*f;
	char	*path;

	xasprintf(&path, "%s/%s", rp_dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
	return path;
}

/* A script that saves its arguments and stdin next to itself. */
static char *
recording_sendmail(int exit_status)
{
	char	*body, *path;

	xasprintf(&body, "for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; "
	    "done > %s/args\ncat > %s/stdin\nexit %d", rp_dir, rp_dir,
	    exit_status);
	path = fake_sendmail("sendmail", body);
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
	    "- The PTR lookup of 192.0.2.7 answers SERVFAIL.\n"
	    "  Fix the DNS servers of the reverse zone.\n"
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

	fixture_init(&f);
	fixture_dns(&f);
	f.dns.ptr[0].confirmed = 1;
	f.dns.fcrdns = DNS_VERDICT_PASS;
	f.dns.nhelo = 2;
	f.dns.helo[0].verified = DNS_VERDICT_PASS;
	msg = compose(&f, NULL);
	ck_assert_ptr_nonnull(strstr(msg, "What to fix\n"
	    "- The DNS check below found no problem, so the problems in the\n"
	    "  log may have been fixed since.\n\n"));
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
	regex_t		 re;
	char		*msg, *one, *two;

	fixture_init(&f);
	f.in.nonce = 0;
	msg = compose(&f, &one);
	free(msg);
	msg = compose(&f, &two);
	free(msg);
	ck_assert_int_eq(regcomp(&re, "^<20261130111000\\.[0-9a-f]{16}"
	    "\\.smtptriage@mx\\.example\\.org>$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_int_eq(regexec(&re, one, 0, NULL, 0), 0);
	ck_assert_int_eq(regexec(&re, two, 0, NULL, 0), 0);
	ck_assert_str_ne(one, two);
	regfree(&re);
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
	char		*msg, *plain, *want;

	fixture_init(&f);
	plain = xcalloc(1, 5001);
	memset(plain, 'a', 5000);
	f.evidence[0] = plain;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	want = xcalloc(1, 1000);
	memcpy(want, "\n  ", 3);
	memset(want + 3, 'a', 900);
	strcat(want, " [cut]\n");
	ck_assert_ptr_nonnull(strstr(msg, want));
	ck_assert_ptr_nonnull(strstr(msg, "\nLines that end in [cut] were "
	    "longer than 900 bytes and are shortened.\n"));
	free(want);
	free(plain);
	free(msg);
}
END_TEST

START_TEST(test_report_cut_keeps_escapes)
{
	struct fixture	 f;
	char		*msg, *ctl, *want;
	size_t		 i;

	fixture_init(&f);
	ctl = xcalloc(1, 2001);
	memset(ctl, 0x01, 2000);
	f.evidence[0] = ctl;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	want = xcalloc(1, 1000);
	strcpy(want, "\n  ");
	for (i = 0; i < 225; i++)
		strcat(want, "\\x01");
	strcat(want, " [cut]\n");
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
	for (i = 0; i < 1000; i++)
		memcpy(text + 1 + 2 * i, "\xc3\xa9", 2);
	f.evidence[0] = text;
	msg = compose(&f, NULL);
	assert_clean_lines(msg);
	want = xcalloc(1, 1000);
	strcpy(want, "\n  x");
	for (i = 0; i < 449; i++)
		strcat(want, "\xc3\xa9");
	strcat(want, " [cut]\n");
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
	regex_t		 re;
	char		*dir, *path, *cause = NULL, *got;

	xasprintf(&dir, "%s/state/outbox", rp_dir);
	ck_assert_int_eq(report_write_outbox(dir, "Subject: x\n\nbody\n",
	    &path, &cause), 0);
	ck_assert_int_eq(regcomp(&re, "/outbox/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}"
	    "\\.eml$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_int_eq(regexec(&re, path, 0, NULL, 0), 0);
	regfree(&re);
	got = read_file(path);
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
	got = read_file(cmd);
	xasprintf(&want, "%s\n-oi\n-t\n$HOME\n;id\n`id`\n'q'\n*\n|x\n", script);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(cmd);

	xasprintf(&cmd, "%s/stdin", rp_dir);
	got = read_file(cmd);
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

	script = fake_sendmail("plain", "exit 0");
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

	script = fake_sendmail("killed", "kill -TERM $$");
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
	script = fake_sendmail("early", "exit 0");
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
	script = fake_sendmail("chatty", "head -c 300000 /dev/zero\n"
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

	script = fake_sendmail("tempfail", "cat > /dev/null\n"
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
	got = read_file(out.path);
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
	got = read_file(out.path);
	ck_assert_str_eq(got, "Subject: x\n\ny\n");
	free(got);
	got = recorded("SELECT method || ' ' || exit_status || ' ' || "
	    "ifnull(recipient, 'NULL') FROM reports");
	ck_assert_str_eq(got, "outbox 0 NULL");
	free(got);
	ck_assert_int_gt(store_last_report(st, "192.0.2.7", &cause), 0);
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
	suite_add_tcase(s, tc);
	return s;
}
