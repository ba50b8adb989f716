/*
 * Regression tests for problems that fuzzing, reviews and the limits audit
 * found.  Each test names the input that once went wrong.  Inputs found by
 * fuzzing also stay in fuzz/corpus/, which the replay stage runs.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "config.h"
#include "esc.h"
#include "whitelist.h"

/* WL_LINES_MAX in core/whitelist.c. */
#define REGRESS_WL_LINES_MAX	100000
/* CONFIG_ARGV_MAX in core/config.c. */
#define REGRESS_ARGV_MAX	64

static char	regress_dir[] = "/tmp/check_regress.XXXXXX";
static char	regress_path[sizeof regress_dir + 32];

static void
setup(void)
{
	strcpy(regress_dir, "/tmp/check_regress.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(regress_dir));
	snprintf(regress_path, sizeof regress_path, "%s/file",
	    regress_dir);
}

static void
teardown(void)
{
	unlink(regress_path);
	rmdir(regress_dir);
}

static void
write_file(const char *data, size_t len)
{
	int	fd;

	fd = open(regress_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Write n empty lines to the file. */
static void
write_blank_lines(size_t n)
{
	char	*data;

	data = malloc(n + 1);
	ck_assert_ptr_nonnull(data);
	memset(data, '\n', n);
	write_file(data, n);
	free(data);
}

static off_t
file_size(const char *path)
{
	struct stat	sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_size;
}

/*
 * A 4 MiB whitelist of empty lines once took over 300 MiB of memory to
 * load.  The line count is now limited.
 */
START_TEST(test_whitelist_too_many_lines)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	write_blank_lines(REGRESS_WL_LINES_MAX + 1);
	wl = wl_load(regress_path, &cause);
	ck_assert_ptr_null(wl);
	ck_assert_ptr_nonnull(strstr(cause, "has 100001 lines, more than "
	    "100000"));
	free(cause);
}
END_TEST

START_TEST(test_whitelist_lines_at_limit)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	write_blank_lines(REGRESS_WL_LINES_MAX);
	wl = wl_load(regress_path, &cause);
	ck_assert_msg(wl != NULL, "wl_load: %s", cause);
	ck_assert_uint_eq(wl_count(wl), 0);
	wl_free(wl);
}
END_TEST

/* Adding to a full whitelist must fail, or the next load would. */
START_TEST(test_whitelist_add_when_full)
{
	struct whitelist	*wl;
	char			*cause = NULL;

	write_blank_lines(REGRESS_WL_LINES_MAX);
	wl = wl_load(regress_path, &cause);
	ck_assert_msg(wl != NULL, "wl_load: %s", cause);
	ck_assert_int_eq(wl_add(wl, "192.0.2.1", NULL, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "has 100000 lines already"));
	free(cause);
	ck_assert_int_eq(file_size(regress_path), REGRESS_WL_LINES_MAX);
	ck_assert_uint_eq(wl_count(wl), 0);
	wl_free(wl);
}
END_TEST

/*
 * A sendmail command of more than CONFIG_ARGV_MAX words gave an error
 * without the file and line (found by fuzzing config_load).
 */
START_TEST(test_config_long_command_names_line)
{
	struct config	 cfg;
	char		 text[1024], *cause = NULL, *want;
	size_t		 i, len;

	len = (size_t)snprintf(text, sizeof text, "# test\nsendmail = /bin/x");
	for (i = 0; i < REGRESS_ARGV_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, " -a");
	text[len++] = '\n';
	write_file(text, len);

	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, regress_path, 1, &cause), -1);
	ck_assert_int_gt(asprintf(&want, "%s:2: invalid sendmail command: "
	    "command has more than 64 words", regress_path), 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
}
END_TEST

/* Load text as a config file; it must fail with "FILE:LINE: expect". */
static void
config_rejects(const char *text, const char *expect)
{
	struct config	 cfg;
	char		*cause = NULL, *want;

	write_file(text, strlen(text));
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, regress_path, 1, &cause), -1);
	ck_assert_int_gt(asprintf(&want, "%s:%s", regress_path, expect), 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
}

/*
 * A display name with the C1 control U+009B (the 8-bit CSI) or with
 * invalid UTF-8 was accepted and reached an RFC 2047 encoded word (found
 * by fuzzing config_load).
 */
START_TEST(test_config_display_name_c1_control)
{
	config_rejects("from = \"x\302\233y\" <a@b.example>\n",
	    "1: invalid from \"\"x\\x9By\" <a@b.example>\": display "
	    "name contains the control character U+009B");
}
END_TEST

START_TEST(test_config_display_name_invalid_utf8)
{
	config_rejects("# reply\nreply_to = Desk \377 <a@b.example>\n",
	    "2: invalid reply_to \"Desk \\xFF <a@b.example>\": display "
	    "name contains invalid UTF-8 (byte 0xff at offset 5)");
	config_rejects("report_to = \"A\xc3\" <a@b.example>\n",
	    "1: invalid report_to \"\"A\\xC3\" <a@b.example>\": display "
	    "name contains invalid UTF-8 (byte 0xc3 at offset 1)");
}
END_TEST

/* Valid UTF-8 and U+00A0 (a printable character after the C1 range) stay. */
START_TEST(test_config_display_name_utf8_kept)
{
	struct config	 cfg;
	char		*cause = NULL;

	write_file("from = \"J\303\274rgen\302\240M\" <a@b.example>\n",
	    strlen("from = \"J\303\274rgen\302\240M\" <a@b.example>\n"));
	config_defaults(&cfg);
	ck_assert_msg(config_load(&cfg, regress_path, 1, &cause) == 0, "%s",
	    cause);
	ck_assert_str_eq(cfg.from, "\"J\303\274rgen\302\240M\" "
	    "<a@b.example>");
	config_free(&cfg);
}
END_TEST

/*
 * JSON kept U+202E (RIGHT-TO-LEFT OVERRIDE) and the other bidirectional
 * controls as characters, which reorder the text of "list --format json"
 * in a terminal.
 */
START_TEST(test_json_escapes_bidi_controls)
{
	/* Bytes, not a string literal, so that no tool shows them raw. */
	static const char	in[] = { 'a', '\xe2', '\x80', '\xae', 'b',
				    '\xe2', '\x81', '\xa6', 'c' };
	struct esc_buf		b = { NULL, 0, 0 };

	esc_buf_lit(&b, "");
	esc_buf_json(&b, in, sizeof in);
	ck_assert_str_eq(b.data, "a\\u202eb\\u2066c");
	esc_buf_free(&b);
}
END_TEST

/* The characters next to the bidirectional controls stay as they are. */
START_TEST(test_json_keeps_other_punctuation)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_lit(&b, "");
	esc_buf_json(&b, "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5", 9);
	ck_assert_str_eq(b.data, "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5");
	esc_buf_free(&b);
}
END_TEST

Suite *
make_regress_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("regress");
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whitelist_too_many_lines);
	tcase_add_test(tc, test_whitelist_lines_at_limit);
	tcase_add_test(tc, test_whitelist_add_when_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("fuzz");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_long_command_names_line);
	tcase_add_test(tc, test_config_display_name_c1_control);
	tcase_add_test(tc, test_config_display_name_invalid_utf8);
	tcase_add_test(tc, test_config_display_name_utf8_kept);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape");
	tcase_add_test(tc, test_json_escapes_bidi_controls);
	tcase_add_test(tc, test_json_keeps_other_punctuation);
	suite_add_tcase(s, tc);
	return s;
}
