/* Tests for core/whitelist.c: entry syntax, matching and file rewrites. */
#include <sys/stat.h>
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "whitelist.h"
#include "xmalloc.h"

static char	 wl_dir[64];
static char	*wl_path;

static void
wl_setup(void)
{
	snprintf(wl_dir, sizeof wl_dir, "/tmp/check_whitelist.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(wl_dir));
	xasprintf(&wl_path, "%s/whitelist", wl_dir);
}

static void
wl_teardown(void)
{
	check_remove_tree(wl_dir);
	free(wl_path);
	wl_path = NULL;
}

/* Match the address ip and the rDNS name rdns (or NULL) against wl. */
static const char *
match_ip(struct whitelist *wl, const char *ip, const char *rdns)
{
	struct event_addr	a;

	a = check_addr(ip);
	return wl_match(wl, &a, rdns);
}

static void
assert_normal(const char *entry, const char *want)
{
	char	*got, *cause = NULL;

	got = wl_normalize(entry, &cause);
	ck_assert_msg(got != NULL, "%s: %s", entry, cause);
	ck_assert_str_eq(got, want);
	free(got);
}

static void
assert_invalid(const char *entry, const char *want)
{
	char	*cause = NULL;

	ck_assert_ptr_null(wl_normalize(entry, &cause));
	ck_assert_str_eq(cause, want);
	free(cause);
}

static struct whitelist *
load_ok(void)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	wl = wl_load(wl_path, &cause);
	ck_assert_msg(wl != NULL, "wl_load: %s", cause);
	return wl;
}

START_TEST(test_wl_normalize_ipv4)
{
	assert_normal("192.0.2.1", "192.0.2.1");
}
END_TEST

START_TEST(test_wl_normalize_ipv6)
{
	assert_normal("2001:DB8:0:0::1", "2001:db8::1");
}
END_TEST

START_TEST(test_wl_normalize_host_bits)
{
	assert_normal("192.0.2.77/24", "192.0.2.0/24");
	assert_normal("2001:db8:ffff::1/32", "2001:db8::/32");
	assert_normal("198.51.100.255/25", "198.51.100.128/25");
}
END_TEST

START_TEST(test_wl_normalize_prefix_zero)
{
	assert_normal("10.1.2.3/0", "0.0.0.0/0");
	assert_normal("2001:db8::1/0", "::/0");
}
END_TEST

START_TEST(test_wl_normalize_prefix_full)
{
	assert_normal("192.0.2.9/32", "192.0.2.9");
	assert_normal("2001:db8::9/128", "2001:db8::9");
}
END_TEST

START_TEST(test_wl_normalize_mapped)
{
	assert_normal("::ffff:192.0.2.5", "192.0.2.5");
	assert_normal("::ffff:192.0.2.77/120", "192.0.2.0/24");
	assert_normal("::ffff:0:0/95", "::fffe:0:0/95");
}
END_TEST

START_TEST(test_wl_normalize_glob)
{
	assert_normal("*.Example.NET.", "*.example.net");
	assert_normal("Mail-1.example.org", "mail-1.example.org");
	assert_normal("mx?.example.org", "mx?.example.org");
}
END_TEST

START_TEST(test_wl_invalid_prefix)
{
	assert_invalid("192.0.2.1/33", "invalid prefix length \"/33\" in "
	    "\"192.0.2.1/33\": expected a number from 0 to 32");
	assert_invalid("2001:db8::/129", "invalid prefix length \"/129\" in "
	    "\"2001:db8::/129\": expected a number from 0 to 128");
	assert_invalid("192.0.2.0/", "invalid prefix length \"/\" in "
	    "\"192.0.2.0/\": expected a number from 0 to 32");
	assert_invalid("192.0.2.0/-1", "invalid prefix length \"/-1\" in "
	    "\"192.0.2.0/-1\": expected a number from 0 to 32");
}
END_TEST

START_TEST(test_wl_invalid_address)
{
	assert_invalid("300.1.2.3", "\"300.1.2.3\" is not a valid IPv4 or "
	    "IPv6 address");
	assert_invalid("2001:db8::g", "\"2001:db8::g\" is not a valid IPv4 "
	    "or IPv6 address");
	assert_invalid("/24", "\"\" is not a valid IPv4 or IPv6 address");
}
END_TEST

START_TEST(test_wl_invalid_address_glob)
{
	assert_invalid("192.0.2.*", "\"192.0.2.*\" is neither an IP address "
	    "nor a name; write an address range as a CIDR block such as "
	    "192.0.2.0/24");
}
END_TEST

START_TEST(test_wl_invalid_name)
{
	assert_invalid("bad!name.example", "invalid character 0x21 in "
	    "\"bad!name.example\": a name glob may hold letters, digits, "
	    "'-', '_', '.', '*' and '?'");
	assert_invalid("a..example", "\"a..example\" has an empty label");
	assert_invalid("two words", "invalid entry \"two words\": an entry "
	    "holds no blanks and no '#'");
	assert_invalid("", "empty entry");
}
END_TEST

START_TEST(test_wl_load_kinds)
{
	struct whitelist	*wl;

	check_write_file(wl_path, "# trusted senders\n"
	    "192.0.2.1\n"
	    "\n"
	    "  198.51.100.0/24   # partner\n"
	    "2001:DB8::/32\n"
	    "*.Example.NET\n"
	    "mail.example.org\r\n", 0600);
	wl = load_ok();
	ck_assert_uint_eq(wl_count(wl), 5);
	ck_assert_str_eq(wl_entry(wl, 0), "192.0.2.1");
	ck_assert_str_eq(wl_entry(wl, 1), "198.51.100.0/24");
	ck_assert_str_eq(wl_entry(wl, 2), "2001:db8::/32");
	ck_assert_str_eq(wl_entry(wl, 3), "*.example.net");
	ck_assert_str_eq(wl_entry(wl, 4), "mail.example.org");
	ck_assert_ptr_null(wl_entry(wl, 5));
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_load_missing)
{
	struct whitelist	*wl;

	wl = load_ok();
	ck_assert_uint_eq(wl_count(wl), 0);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_load_invalid_line)
{
	char	*cause = NULL, *want;

	check_write_file(wl_path, "# ok\n192.0.2.1\n192.0.2.1/33\n", 0600);
	ck_assert_ptr_null(wl_load(wl_path, &cause));
	xasprintf(&want, "%s:3: invalid prefix length \"/33\" in "
	    "\"192.0.2.1/33\": expected a number from 0 to 32", wl_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_wl_load_two_entries)
{
	char	*cause = NULL, *want;

	check_write_file(wl_path, "192.0.2.1 192.0.2.2\n", 0600);
	ck_assert_ptr_null(wl_load(wl_path, &cause));
	xasprintf(&want, "%s:1: more than one entry on the line; put each "
	    "entry on its own line", wl_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_wl_load_nul_byte)
{
	FILE	*f;
	char	*cause = NULL, *want;

	f = fopen(wl_path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("192.0.2.1\n19\0002.0.2.2\n", 1, 21, f);
	fclose(f);
	chmod(wl_path, 0600);
	ck_assert_ptr_null(wl_load(wl_path, &cause));
	xasprintf(&want, "%s:2: line contains a NUL byte", wl_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_wl_load_group_writable)
{
	char	*cause = NULL, *want;

	check_write_file(wl_path, "192.0.2.1\n", 0620);
	ck_assert_ptr_null(wl_load(wl_path, &cause));
	xasprintf(&want, "%s can be written by other users (mode 0620); fix "
	    "it with: chmod go-w %s", wl_path, wl_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_wl_match_address)
{
	struct whitelist	*wl;

	check_write_file(wl_path, "192.0.2.1\n2001:db8::5\n", 0600);
	wl = load_ok();
	ck_assert_str_eq(match_ip(wl, "192.0.2.1", NULL), "192.0.2.1");
	ck_assert_ptr_null(match_ip(wl, "192.0.2.2", NULL));
	ck_assert_str_eq(match_ip(wl, "2001:db8:0::5", NULL), "2001:db8::5");
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_match_cidr_edges)
{
	struct whitelist	*wl;

	check_write_file(wl_path, "198.51.100.128/25\n2001:db8::/32\n", 0600);
	wl = load_ok();
	ck_assert_str_eq(match_ip(wl, "198.51.100.128", NULL),
	    "198.51.100.128/25");
	ck_assert_str_eq(match_ip(wl, "198.51.100.255", NULL),
	    "198.51.100.128/25");
	ck_assert_ptr_null(match_ip(wl, "198.51.100.127", NULL));
	ck_assert_str_eq(match_ip(wl, "2001:db8:ffff:ffff::1", NULL),
	    "2001:db8::/32");
	ck_assert_ptr_null(match_ip(wl, "2001:db9::1", NULL));
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_match_prefix_zero)
{
	struct whitelist	*wl;

	check_write_file(wl_path, "0.0.0.0/0\n", 0600);
	wl = load_ok();
	ck_assert_str_eq(match_ip(wl, "203.0.113.9", NULL), "0.0.0.0/0");
	ck_assert_ptr_null(match_ip(wl, "2001:db8::1", NULL));
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_match_mapped_client)
{
	struct whitelist	*wl;

	check_write_file(wl_path, "192.0.2.0/24\n", 0600);
	wl = load_ok();
	ck_assert_str_eq(match_ip(wl, "::ffff:192.0.2.40", NULL),
	    "192.0.2.0/24");
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_glob_needs_rdns)
{
	struct whitelist	*wl;
	struct event_addr	 a;

	check_write_file(wl_path, "*.example.net\n", 0600);
	wl = load_ok();
	a = check_addr("192.0.2.1");
	ck_assert_ptr_null(wl_match(wl, &a, NULL));
	ck_assert_str_eq(wl_match(wl, &a, "mx1.example.net"),
	    "*.example.net");
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_glob_case_insensitive)
{
	struct whitelist	*wl;
	struct event_addr	 a;

	check_write_file(wl_path, "*.Example.net\nmail.example.ORG\n", 0600);
	wl = load_ok();
	a = check_addr("192.0.2.1");
	ck_assert_str_eq(wl_match(wl, &a, "MX1.EXAMPLE.NET"),
	    "*.example.net");
	ck_assert_str_eq(wl_match(wl, &a, "Mail.Example.Org."),
	    "mail.example.org");
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_glob_boundaries)
{
	struct whitelist	*wl;
	struct event_addr	 a;

	check_write_file(wl_path, "*.example.net\nmx?.example.org\n", 0600);
	wl = load_ok();
	a = check_addr("192.0.2.1");
	ck_assert_ptr_null(wl_match(wl, &a, "example.net"));
	ck_assert_ptr_null(wl_match(wl, &a, "evilexample.net"));
	ck_assert_str_eq(wl_match(wl, &a, "a.b.example.net"),
	    "*.example.net");
	ck_assert_str_eq(wl_match(wl, &a, "mx2.example.org"),
	    "mx?.example.org");
	ck_assert_ptr_null(wl_match(wl, &a, "mx10.example.org"));
	ck_assert_ptr_null(wl_match(wl, &a, ""));
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_keeps_comments)
{
	struct whitelist	*wl;
	const char		*orig;
	char			*cause = NULL, *got, *want;

	orig = "# Senders we trust\n"
	    "\n"
	    "192.0.2.1    # office \xc3\xa9\t\x01 odd bytes\n"
	    "   # indented comment\n"
	    "*.example.net\n";
	check_write_file(wl_path, orig, 0600);
	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "198.51.100.7", "added by test", &cause),
	    0);
	got = check_read_file(wl_path);
	xasprintf(&want, "%s198.51.100.7 # added by test\n", orig);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(wl_count(wl), 3);
	ck_assert_str_eq(wl_entry(wl, 2), "198.51.100.7");
	free(got);
	free(want);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_remove_keeps_comments)
{
	struct whitelist	*wl;
	char			*cause = NULL, *got;

	check_write_file(wl_path, "# head\n192.0.2.1 # office\n\n"
	    "*.example.net\n# tail\n", 0600);
	wl = load_ok();
	ck_assert_int_eq(wl_remove(wl, "192.0.2.1/32", &cause), 0);
	got = check_read_file(wl_path);
	ck_assert_str_eq(got, "# head\n\n*.example.net\n# tail\n");
	ck_assert_uint_eq(wl_count(wl), 1);
	ck_assert_str_eq(wl_entry(wl, 0), "*.example.net");
	free(got);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_existing)
{
	struct whitelist	*wl;
	char			*cause = NULL, *got;

	check_write_file(wl_path, "192.0.2.0/24 # net\n", 0600);
	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.9/24", NULL, &cause), 0);
	got = check_read_file(wl_path);
	ck_assert_str_eq(got, "192.0.2.0/24 # net\n");
	ck_assert_uint_eq(wl_count(wl), 1);
	free(got);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_remove_missing)
{
	struct whitelist	*wl;
	char			*cause = NULL, *got;

	check_write_file(wl_path, "192.0.2.1\n", 0600);
	wl = load_ok();
	ck_assert_int_eq(wl_remove(wl, "192.0.2.2", &cause), 0);
	got = check_read_file(wl_path);
	ck_assert_str_eq(got, "192.0.2.1\n");
	free(got);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_invalid)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.1/40", NULL, &cause), -1);
	ck_assert_str_eq(cause, "invalid prefix length \"/40\" in "
	    "\"192.0.2.1/40\": expected a number from 0 to 32");
	ck_assert_int_eq(access(wl_path, F_OK), -1);
	free(cause);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_no_final_newline)
{
	struct whitelist	*wl;
	char			*cause = NULL, *got;

	check_write_file(wl_path, "192.0.2.1", 0600);
	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "mx.example.org", NULL, &cause), 0);
	got = check_read_file(wl_path);
	ck_assert_str_eq(got, "192.0.2.1\nmx.example.org\n");
	free(got);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_comment_escaped)
{
	struct whitelist	*wl;
	char			*cause = NULL, *got;

	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.1", "helo x\r\n192.0.2.2\x1b[0m",
	    &cause), 0);
	got = check_read_file(wl_path);
	ck_assert_str_eq(got, "192.0.2.1 # helo x\\r\\n192.0.2.2\\x1B[0m\n");
	ck_assert_uint_eq(wl_count(wl), 1);
	free(got);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_new_file_mode)
{
	struct whitelist	*wl;
	struct stat		 sb;
	char			*cause = NULL;

	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.1", NULL, &cause), 0);
	ck_assert_int_eq(stat(wl_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_keeps_mode)
{
	struct whitelist	*wl;
	struct stat		 sb;
	char			*cause = NULL;

	check_write_file(wl_path, "192.0.2.1\n", 0640);
	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.2", NULL, &cause), 0);
	ck_assert_int_eq(stat(wl_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_add_creates_folder)
{
	struct whitelist	*wl;
	struct stat		 sb;
	char			*path, *dir, *cause = NULL;

	xasprintf(&dir, "%s/a/b", wl_dir);
	xasprintf(&path, "%s/whitelist", dir);
	wl = wl_load(path, &cause);
	ck_assert_ptr_nonnull(wl);
	ck_assert_int_eq(wl_add(wl, "192.0.2.1", NULL, &cause), 0);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	wl_free(wl);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_wl_rewrite_no_temp_files)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	check_write_file(wl_path, "# list\n", 0600);
	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.1", NULL, &cause), 0);
	ck_assert_int_eq(wl_add(wl, "192.0.2.2", NULL, &cause), 0);
	ck_assert_int_eq(wl_remove(wl, "192.0.2.1", &cause), 0);
	ck_assert_uint_eq(check_count_entries(wl_dir), 1);
	wl_free(wl);
}
END_TEST

START_TEST(test_wl_two_writers)
{
	struct whitelist	*one, *two;
	char			*cause = NULL, *got;

	one = load_ok();
	two = load_ok();
	ck_assert_int_eq(wl_add(one, "192.0.2.1", NULL, &cause), 0);
	ck_assert_int_eq(wl_add(two, "192.0.2.2", NULL, &cause), 0);
	got = check_read_file(wl_path);
	ck_assert_str_eq(got, "192.0.2.1\n192.0.2.2\n");
	ck_assert_uint_eq(wl_count(two), 2);
	free(got);
	wl_free(one);
	wl_free(two);
}
END_TEST

START_TEST(test_wl_add_through_symlink)
{
	struct whitelist	*wl;
	struct stat		 sb;
	char			*real, *cause = NULL, *got;

	xasprintf(&real, "%s/real-list", wl_dir);
	check_write_file(real, "192.0.2.1\n", 0600);
	ck_assert_int_eq(symlink(real, wl_path), 0);
	wl = load_ok();
	ck_assert_int_eq(wl_add(wl, "192.0.2.2", NULL, &cause), 0);
	ck_assert_int_eq(lstat(wl_path, &sb), 0);
	ck_assert(S_ISLNK(sb.st_mode));
	got = check_read_file(real);
	ck_assert_str_eq(got, "192.0.2.1\n192.0.2.2\n");
	free(got);
	free(real);
	wl_free(wl);
}
END_TEST

Suite *
make_whitelist_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("whitelist");

	tc = tcase_create("normalize");
	tcase_add_test(tc, test_wl_normalize_ipv4);
	tcase_add_test(tc, test_wl_normalize_ipv6);
	tcase_add_test(tc, test_wl_normalize_host_bits);
	tcase_add_test(tc, test_wl_normalize_prefix_zero);
	tcase_add_test(tc, test_wl_normalize_prefix_full);
	tcase_add_test(tc, test_wl_normalize_mapped);
	tcase_add_test(tc, test_wl_normalize_glob);
	tcase_add_test(tc, test_wl_invalid_prefix);
	tcase_add_test(tc, test_wl_invalid_address);
	tcase_add_test(tc, test_wl_invalid_address_glob);
	tcase_add_test(tc, test_wl_invalid_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, wl_setup, wl_teardown);
	tcase_add_test(tc, test_wl_load_kinds);
	tcase_add_test(tc, test_wl_load_missing);
	tcase_add_test(tc, test_wl_load_invalid_line);
	tcase_add_test(tc, test_wl_load_two_entries);
	tcase_add_test(tc, test_wl_load_nul_byte);
	tcase_add_test(tc, test_wl_load_group_writable);
	tcase_add_test(tc, test_wl_match_address);
	tcase_add_test(tc, test_wl_match_cidr_edges);
	tcase_add_test(tc, test_wl_match_prefix_zero);
	tcase_add_test(tc, test_wl_match_mapped_client);
	tcase_add_test(tc, test_wl_glob_needs_rdns);
	tcase_add_test(tc, test_wl_glob_case_insensitive);
	tcase_add_test(tc, test_wl_glob_boundaries);
	tcase_add_test(tc, test_wl_add_keeps_comments);
	tcase_add_test(tc, test_wl_remove_keeps_comments);
	tcase_add_test(tc, test_wl_add_existing);
	tcase_add_test(tc, test_wl_remove_missing);
	tcase_add_test(tc, test_wl_add_invalid);
	tcase_add_test(tc, test_wl_add_no_final_newline);
	tcase_add_test(tc, test_wl_add_comment_escaped);
	tcase_add_test(tc, test_wl_add_new_file_mode);
	tcase_add_test(tc, test_wl_add_keeps_mode);
	tcase_add_test(tc, test_wl_add_creates_folder);
	tcase_add_test(tc, test_wl_rewrite_no_temp_files);
	tcase_add_test(tc, test_wl_two_writers);
	tcase_add_test(tc, test_wl_add_through_symlink);
	suite_add_tcase(s, tc);
	return s;
}
