/*
 * Tests for core/rules.c: the rules file syntax, its error messages, and
 * the events that matching rules give.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_event.h"
#include "check_rounds.h"
#include "check_suites.h"
#include "rules.h"

#define FIXTURES	"tests/fixtures/formats"
#define T0_UTC		1796032800
#define JAN_2027	1798761600

static struct reason_table	*rt;
static struct rules		*rs;
static struct rules_matcher	*rm;
static struct syslog_year	 yr;
static char			*buf;
static struct event		 ev;

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	ts_local_reset();
	syslog_year_init(&yr, JAN_2027);
	rt = reason_table_create();
}

static void
teardown(void)
{
	rules_matcher_free(rm);
	rules_free(rs);
	reason_table_free(rt);
	free(buf);
	rm = NULL;
	rs = NULL;
	buf = NULL;
}

/* Compile text as a rules file; fail the test on an error. */
static void
load(const char *text)
{
	char	*cause = NULL;

	rs = rules_parse("test.rules", text, strlen(text), &cause);
	ck_assert_msg(rs != NULL, "rules_parse: %s", cause);
	rm = rules_matcher_create(rs);
}

/* Compile text and return the error message (static until the next). */
static const char *
load_error(const char *text)
{
	static char	 msg[512];
	char		*cause = NULL;
	struct rules	*bad;

	bad = rules_parse("test.rules", text, strlen(text), &cause);
	ck_assert_ptr_null(bad);
	ck_assert_ptr_nonnull(cause);
	snprintf(msg, sizeof msg, "%s", cause);
	free(cause);
	return msg;
}

static enum parse_result
parse(const char *line)
{
	size_t	len = strlen(line);

	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	memset(&ev, 0x5a, sizeof ev);
	return rules_parse_line(rm, rt, &yr, buf, len, &ev);
}


START_TEST(test_rules_all_groups)
{
	load("# a made-up MTA\n"
	    "\n"
	    "rule helo_rejected ^(?<time>\\S+ \\S+) qmtp: deny "
	    "ip=(?<ip>\\S+) helo=(?<helo>\\S+) ptr=(?<rdns>\\S+)$\n");
	ck_assert_uint_eq(rules_count(rs), 1);
	ck_assert_int_eq(parse("2026-11-30 10:00:00 qmtp: deny ip=192.0.2.1 "
	    "helo=bad.example ptr=dyn.example.net"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.1");
	ck_assert_str_eq(HELO(), "bad.example");
	ck_assert_str_eq(RDNS(), "dyn.example.net");
	ck_assert_str_eq(REASON(), "helo_rejected");
	ck_assert_str_eq(ARG(), "(null)");
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_rules_dash_without_reason)
{
	load("rule - connect from (?<ip>[0-9.]+)\n");
	ck_assert_int_eq(parse("x connect from 192.0.2.2"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.2");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_int_eq(ev.has_time, 0);
	ck_assert_str_eq(HELO(), "(null)");
}
END_TEST

START_TEST(test_rules_reason_group)
{
	load("rule rejected deny (?<ip>[0-9.]+): (?<reason>.*)\n"
	    "rule - warn (?<ip>[0-9.]+): (?<reason>.*)\n");
	ck_assert_int_eq(parse("deny 192.0.2.3: listed at example.org"),
	    PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "listed at example.org");
	ck_assert_int_eq(parse("warn 192.0.2.4: odd HELO"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "warning");
	ck_assert_str_eq(ARG(), "odd HELO");
	ck_assert_int_eq(parse("deny 192.0.2.5: "), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "(null)");
}
END_TEST

START_TEST(test_rules_reason_table)
{
	ck_assert_int_eq(reason_table_add(rt, "HELO is a pool address",
	    "helo_dynamic", NULL), 0);
	load("rule - warn (?<ip>[0-9.]+): (?<reason>.*)\n");
	ck_assert_int_eq(parse("warn 192.0.2.6: HELO is a pool address "
	    "(dsl)"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "helo_dynamic");
	ck_assert_str_eq(ARG(), "(null)");
	ck_assert_int_eq(parse("warn 192.0.2.6: Forward/Reverse DNS "
	    "mismatch"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "fcrdns_mismatch");
}
END_TEST

START_TEST(test_rules_first_match_wins)
{
	load("rule no_rdns ^(?<ip>192\\.0\\.2\\.\\d+) nameless\n"
	    "rule - ^(?<ip>\\S+)\n");
	ck_assert_int_eq(parse("192.0.2.7 nameless"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "no_rdns");
	ck_assert_int_eq(parse("198.51.100.7 nameless"), PARSE_CLIENT);
	ck_assert_str_eq(REASON(), "(null)");
}
END_TEST

START_TEST(test_rules_invalid_ip_tries_next)
{
	load("rule protocol_error ^bad (?<ip>\\S+)\n"
	    "rule - ^bad \\S+ but (?<ip>\\S+)\n");
	ck_assert_int_eq(parse("bad 999.1.1.1 but 192.0.2.8"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.8");
	ck_assert_str_eq(REASON(), "(null)");
	ck_assert_int_eq(parse("bad unknown"), PARSE_SKIP);
	ck_assert_int_eq(parse("good 192.0.2.8"), PARSE_SKIP);
}
END_TEST

START_TEST(test_rules_ipv6_and_mapped)
{
	load("rule - relay=(?<ip>[0-9A-Fa-f.:]+)\n");
	ck_assert_int_eq(parse("relay=2001:DB8::9"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "2001:db8::9");
	ck_assert_int_eq(parse("relay=::ffff:192.0.2.9"), PARSE_CLIENT);
	ck_assert_int_eq(ev.addr.family, AF_INET);
	ck_assert_str_eq(ip(), "192.0.2.9");
}
END_TEST

START_TEST(test_rules_time_forms)
{
	load("rule - ^(?<time>.+?) host (?<ip>\\S+)$\n");
	ck_assert_int_eq(parse("Nov 30 10:00:00 host 192.0.2.10"),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_int_eq(parse("2026-11-30T11:00:00+01:00 host 192.0.2.10"),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_uint_eq(ev.time.has_offset, 1);
	ck_assert_int_eq(parse("yesterday host 192.0.2.10"), PARSE_CLIENT);
	ck_assert_int_eq(ev.has_time, 0);
}
END_TEST

START_TEST(test_rules_time_from_line_start)
{
	load("rule - host (?<ip>\\S+)$\n");
	ck_assert_int_eq(parse("2026-11-30 10:00:00 host 192.0.2.11"),
	    PARSE_CLIENT);
	ck_assert_int_eq(ev.has_time, 1);
	ck_assert_int_eq(ev.time.utc, T0_UTC);
}
END_TEST

START_TEST(test_rules_duplicate_names)
{
	load("rule - (?J)^(?:a (?<ip>\\S+)|b x=(?<ip>\\S+))$\n");
	ck_assert_int_eq(parse("a 192.0.2.12"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.12");
	ck_assert_int_eq(parse("b x=192.0.2.13"), PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.13");
}
END_TEST

START_TEST(test_rules_whitespace_and_crlf)
{
	load("  # indented comment\r\n"
	    "\trule\t-\tip=(?<ip>\\S+)   \r\n"
	    "   \n");
	ck_assert_uint_eq(rules_count(rs), 1);
	ck_assert_int_eq(parse("ip=192.0.2.14"), PARSE_CLIENT);
}
END_TEST

START_TEST(test_rules_errors)
{
	ck_assert_str_eq(load_error("rule - (?<ip>\\S+)\nrule no_rdns "
	    "(?<ip>[0-9.+)\n"), "test.rules:2: invalid pattern at offset "
	    "13: missing terminating ] for character class");
	ck_assert_str_eq(load_error("rule - ip=(\\S+)\n"), "test.rules:1: "
	    "the pattern has no group named ip, as in (?<ip>[0-9.]+)");
	ck_assert_str_eq(load_error("rule No-RDNS (?<ip>\\S+)\n"),
	    "test.rules:1: invalid reason name \"No-RDNS\": use a-z, 0-9 and "
	    "_ only, at most 64 characters, or \"-\"");
	ck_assert_str_eq(load_error("match - (?<ip>\\S+)\n"), "test.rules:1: "
	    "expected \"rule <reason or -> <pattern>\"");
	ck_assert_str_eq(load_error("rule -\n"),
	    "test.rules:1: the rule has no pattern");
	ck_assert_str_eq(load_error("rule no_rdns\n"),
	    "test.rules:1: the rule has no pattern");
	ck_assert_str_eq(load_error("# nothing\n\n"), "test.rules: no rules");
}
END_TEST

START_TEST(test_rules_nul_and_long_lines)
{
	char	*cause = NULL, *text;

	ck_assert_ptr_null(rules_parse("n.rules", "rule - \0(?<ip>x)\n", 17,
	    &cause));
	ck_assert_str_eq(cause, "n.rules:1: NUL byte");
	free(cause);
	text = malloc(RULES_LINE_MAX + 2);
	memset(text, 'a', RULES_LINE_MAX + 1);
	text[RULES_LINE_MAX + 1] = '\n';
	ck_assert_ptr_null(rules_parse("n.rules", text, RULES_LINE_MAX + 2,
	    &cause));
	ck_assert_str_eq(cause, "n.rules:1: line longer than 4096 bytes");
	free(cause);
	free(text);
}
END_TEST

START_TEST(test_rules_load_file)
{
	char	*cause = NULL;

	rs = rules_load(FIXTURES "/courier.rules", &cause);
	ck_assert_msg(rs != NULL, "rules_load: %s", cause);
	ck_assert_uint_eq(rules_count(rs), 2);
	rm = rules_matcher_create(rs);
	ck_assert_int_eq(parse("Nov 30 10:00:00 mx1 courieresmtpd: error,"
	    "relay=::ffff:192.0.2.15,from=<a@b>,to=<c@d>: 550 User unknown."),
	    PARSE_CLIENT);
	ck_assert_str_eq(ip(), "192.0.2.15");
	ck_assert_str_eq(REASON(), "rejected");
	ck_assert_str_eq(ARG(), "User unknown");
	ck_assert_int_eq(ev.time.utc, T0_UTC);
	ck_assert_ptr_null(rules_load(FIXTURES "/does-not-exist.rules",
	    &cause));
	ck_assert_str_eq(cause, FIXTURES "/does-not-exist.rules: No such file "
	    "or directory");
	free(cause);
}
END_TEST

START_TEST(test_rules_overlong_fields)
{
	char	line[1024];

	load("rule - h=(?<helo>\\S+) r=(?<reason>\\S+) ip=(?<ip>\\S+)\n");
	memset(line, 'x', sizeof line);
	memcpy(line, "h=", 2);
	memcpy(line + 302, " r=", 3);
	memcpy(line + 605, " ip=192.0.2.16", 15);
	line[620] = '\0';
	ck_assert_int_eq(parse(line), PARSE_CLIENT);
	ck_assert_uint_eq(ev.helo_len, EVENT_NAME_MAX);
	ck_assert_uint_eq(ev.reason_arg_len, REASON_ARG_MAX);
}
END_TEST

/* Check one literal of a scan against the text expected, or none. */
static void
literal_is(const struct rules_literal *l, const char *text)
{
	if (text == NULL) {
		ck_assert_ptr_null(l->text);
		return;
	}
	ck_assert_ptr_nonnull(l->text);
	ck_assert_uint_eq(l->len, strlen(text));
	ck_assert_mem_eq(l->text, text, strlen(text));
}

/* Check the literals that the scanner finds in pattern. */
static void
literals_are(const char *pattern, const char *anchored, size_t offset,
    const char *floating)
{
	struct rules_literals	lits;

	rules_literal_find(pattern, &lits);
	literal_is(&lits.anchored, anchored);
	if (anchored != NULL)
		ck_assert_uint_eq(lits.anchored.offset, offset);
	literal_is(&lits.floating, floating);
	if (floating != NULL)
		ck_assert_uint_lt(lits.floating.probe, lits.floating.len);
	rules_literals_free(&lits);
}

START_TEST(test_rules_literal_runs)
{
	static const struct {
		const char	*pattern;
		const char	*anchored;
		size_t		 offset;
		const char	*floating;
	} cases[] = {
		{ "^(?<time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) "
		    "H=\\((?<helo>[^)]{0,255})\\) \\[(?<ip>[0-9A-Fa-f.:]+)\\]"
		    "(?::\\d+)? Warning: (?<reason>.*)", " H=(", 19,
		    " Warning: " },
		{ "^(?<t>\\S+) \\S+ <= \\S+ H=", NULL, 0, " <= " },
		{ "^ab?cd", "a", 0, "cd" },
		{ "^abc?d", "ab", 0, "ab" },
		{ "^a{3}bc", "bc", 3, "bc" },
		{ "^a{ 3 }bc", NULL, 0, "bc" },
		{ "^a{,3}bc", NULL, 0, "bc" },
		{ "^.{2}x{2,}yz", NULL, 0, "yz" },
		{ "^(?:ab|c)de", NULL, 0, "de" },
		{ "^(?=abc)[]x]\\.(?<n>..)end", "end", 4, "end" },
		{ "^[[:digit:]]{2}(?'w'\\w)(?!q)(?<=x)zz", "zz", 3, "zz" },
		{ "no anchor here", NULL, 0, "no anchor here" },
		{ "\\bword\\b ok$", NULL, 0, "word" },
		{ "^(?P<ip>\\d+) a\\ b", NULL, 0, " a b" },
		{ "^\\d+ (x(y)z) tail", NULL, 0, " tail" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		literals_are(cases[i].pattern, cases[i].anchored,
		    cases[i].offset, cases[i].floating);
}
END_TEST

START_TEST(test_rules_literal_gives_up)
{
	static const char *const patterns[] = {
		"abc|def",
		"(?i)abc",
		"(?x) abc # c",
		"(?i:a)bc",
		"a(?#(c)bc",
		"\\Qabc\\E",
		"[\\Q]\\E]abc",
		"a(*ACCEPT)bc",
		"(*UTF)abc",
		"(?(1)a|b)cde",
		"(?C1)abc",
		"(a)\\1bcd",
		"a\\Kbcd",
		"\\x41bcd",
		"caf\xc3\xa9 au lait",
		"a\tbcd",
		"ab{x}cd",
		"[[:bad]abc",
		"",
	};
	size_t	i;

	for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
		literals_are(patterns[i], NULL, 0, NULL);
}
END_TEST

/*
 * Rules with literals of each kind, and lines that match them, nearly
 * match them or match none.
 */
static const char prefilter_rules[] =
    "rule - ^(?<time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) "
    "H=\\((?<helo>[^)]{0,255})\\) \\[(?<ip>[0-9A-Fa-f.:]+)\\](?::\\d+)? "
    "Warning: (?<reason>.*)\n"
    "rule - ^(?<time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) \\S+ <= \\S+ "
    "H=(?:(?<rdns>[^ ()]+) )?\\((?<helo>[^)]{0,255})\\) "
    "\\[(?<ip>[0-9A-Fa-f.:]+)\\]\n"
    "rule rejected ^(?<time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) "
    "H=\\((?<helo>[^)]{0,255})\\) \\[(?<ip>[0-9A-Fa-f.:]+)\\](?::\\d+)? "
    "F=<[^>]*> rejected RCPT <[^>]*>: (?<reason>.*)\n"
    "rule no_rdns ^(?<time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) "
    "no host name found for IP address (?<ip>\\S+)\n"
    "rule spam \\bspam=(?<ip>[0-9.]+)\\b\n"
    "rule helo_rejected (?:drop|deny) (?<ip>[0-9.]+) x{2}y\n";

static const char *const prefilter_lines[] = {
	"2026-11-01 00:00:00 H=(dsl-0.pool.example.com) [10.0.0.0]:5952 "
	    "Warning: Forward/Reverse DNS mismatch",
	"2026-11-01 00:00:03 MUSabg-dk2Ypm-Nv <= sender643@example.org "
	    "H=host-5.isp.example (localhost) [10.0.0.5]:9544 P=esmtps",
	"2026-11-01 00:00:04 H=(WIN-D2B3E16C) [10.0.0.6]:2146 "
	    "F=<spam475@example.biz> rejected RCPT <u@example.com>: relay "
	    "not permitted",
	"2026-11-01 00:00:14 no host name found for IP address 10.0.0.21",
	"2026-11-01 00:00:14 no host name found for IP address 2001:db8::1",
	"2026-11-01 00:00:04 H=(x) [10.0.0.300]:2 Warning: bad address",
	"2026-11-01 00:00:04 H=(x) [10.0.0.7]:2 Warning:  Warning: twice",
	"2026-11-01 0:00:04 H=(x) [10.0.0.7]:2 Warning: short time",
	"2026-11-01 00:00:05 TrFKX4-SKKpnz-m8 Completed",
	"x spam=192.0.2.9 y",
	"drop 192.0.2.10 xxy",
	"deny 192.0.2.11 xxxy",
	"2026-11-01 00:00:00 H=(",
	"",
};

/* Parse line with and without the prefilter, and compare the results. */
static void
prefilter_compare(struct rules_matcher *plain, struct syslog_year *yr_plain,
    const char *line, size_t len)
{
	struct event		 fast, slow;
	enum parse_result	 rc_fast, rc_slow;

	free(buf);
	buf = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, len);
	memset(&fast, 0x5a, sizeof fast);
	memset(&slow, 0xa5, sizeof slow);
	rc_fast = rules_parse_line(rm, rt, &yr, buf, len, &fast);
	rc_slow = rules_parse_line(plain, rt, yr_plain, buf, len, &slow);
	ck_assert_int_eq(rc_fast, rc_slow);
	check_event_same(&fast, &slow);
}

START_TEST(test_rules_prefilter_same_result)
{
	struct rules_matcher	*plain;
	struct syslog_year	 yr_plain;
	const char		*line;
	char			 copy[512];
	size_t			 i, len, pos;
	int			 clients = 0;
	static const char	 bytes[] = { '\0', '\n', '\x80', '\xff', ' ',
				    '(', '<' };
	size_t			 b;

	load(prefilter_rules);
	plain = rules_matcher_create(rs);
	rules_matcher_set_prefilter(plain, 0);
	syslog_year_init(&yr_plain, JAN_2027);
	for (i = 0; i < sizeof prefilter_lines / sizeof prefilter_lines[0];
	    i++) {
		line = prefilter_lines[i];
		len = strlen(line);
		ck_assert_uint_lt(len, sizeof copy);

		/* The whole line, then every prefix. */
		prefilter_compare(plain, &yr_plain, line, len);
		if (rules_parse_line(rm, rt, &yr, line, len, &ev) ==
		    PARSE_CLIENT)
			clients++;
		for (pos = 0; pos < len; pos++)
			prefilter_compare(plain, &yr_plain, line, pos);

		/* Odd bytes in place of each byte. */
		for (pos = 0; pos < len; pos++)
			for (b = 0; b < sizeof bytes; b++) {
				memcpy(copy, line, len);
				copy[pos] = bytes[b];
				prefilter_compare(plain, &yr_plain, copy,
				    len);
			}
	}
	/* The lines above that a rule matches with a valid address. */
	ck_assert_int_eq(clients, 8);
	rules_matcher_free(plain);
}
END_TEST

START_TEST(test_rules_prefilter_random_lines)
{
	struct rules_matcher	*plain;
	struct syslog_year	 yr_plain;
	static const char	 alphabet[] = "2026-11 00:4 H=()[]<>10.7:"
				    "Warning F rejected no host spam=xydr";
	char			 line[160];
	size_t			 i, j, len;
	unsigned int		 seed = 20261205;

	load(prefilter_rules);
	plain = rules_matcher_create(rs);
	rules_matcher_set_prefilter(plain, 0);
	syslog_year_init(&yr_plain, JAN_2027);
	for (i = 0; i < check_rounds(20000); i++) {
		/* Half start as a real line, to reach the later checks. */
		len = (size_t)rand_r(&seed) % sizeof line;
		j = 0;
		if (i % 2 == 0) {
			j = strlen(prefilter_lines[i / 2 % 4]);
			if (j > len)
				j = len;
			memcpy(line, prefilter_lines[i / 2 % 4], j);
		}
		for (; j < len; j++) {
			if (rand_r(&seed) % 8 == 0)
				line[j] = (char)(rand_r(&seed) & 0xff);
			else
				line[j] = alphabet[(size_t)rand_r(&seed) %
				    (sizeof alphabet - 1)];
		}
		prefilter_compare(plain, &yr_plain, line, len);
	}
	rules_matcher_free(plain);
}
END_TEST

Suite *
make_rules_suite(void)
{
	Suite	*s;
	TCase	*tc_core, *tc_file, *tc_prefilter;

	s = suite_create("rules");

	tc_core = tcase_create("core");
	tcase_add_checked_fixture(tc_core, setup, teardown);
	tcase_add_test(tc_core, test_rules_all_groups);
	tcase_add_test(tc_core, test_rules_dash_without_reason);
	tcase_add_test(tc_core, test_rules_reason_group);
	tcase_add_test(tc_core, test_rules_reason_table);
	tcase_add_test(tc_core, test_rules_first_match_wins);
	tcase_add_test(tc_core, test_rules_invalid_ip_tries_next);
	tcase_add_test(tc_core, test_rules_ipv6_and_mapped);
	tcase_add_test(tc_core, test_rules_time_forms);
	tcase_add_test(tc_core, test_rules_time_from_line_start);
	tcase_add_test(tc_core, test_rules_duplicate_names);
	tcase_add_test(tc_core, test_rules_overlong_fields);
	suite_add_tcase(s, tc_core);

	tc_file = tcase_create("file");
	tcase_add_checked_fixture(tc_file, setup, teardown);
	tcase_add_test(tc_file, test_rules_whitespace_and_crlf);
	tcase_add_test(tc_file, test_rules_errors);
	tcase_add_test(tc_file, test_rules_nul_and_long_lines);
	tcase_add_test(tc_file, test_rules_load_file);
	suite_add_tcase(s, tc_file);

	tc_prefilter = tcase_create("prefilter");
	tcase_add_checked_fixture(tc_prefilter, setup, teardown);
	tcase_add_test(tc_prefilter, test_rules_literal_runs);
	tcase_add_test(tc_prefilter, test_rules_literal_gives_up);
	tcase_add_test(tc_prefilter, test_rules_prefilter_same_result);
	tcase_add_test(tc_prefilter, test_rules_prefilter_random_lines);
	suite_add_tcase(s, tc_prefilter);

	return s;
}
