/*
 * Regression tests for problems found by fuzzing, the sanitizers and the
 * limits audit.  Each test names the input that once went wrong; the
 * fuzz inputs themselves also stay in fuzz/corpus/ for the replay stage.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "whitelist.h"

/* WL_LINES_MAX in core/whitelist.c. */
#define REGRESS_WL_LINES_MAX	100000

static char	regress_dir[] = "/tmp/check_regress.XXXXXX";
static char	regress_path[sizeof regress_dir + 32];

static void
setup(void)
{
	strcpy(regress_dir, "/tmp/check_regress.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(regress_dir));
	snprintf(regress_path, sizeof regress_path, "%s/whitelist",
	    regress_dir);
}

static void
teardown(void)
{
	unlink(regress_path);
	rmdir(regress_dir);
}

/* Write n empty lines to the whitelist file. */
static void
write_blank_lines(size_t n)
{
	char	*data;
	int	 fd;

	data = malloc(n + 1);
	ck_assert_ptr_nonnull(data);
	memset(data, '\n', n);
	fd = open(regress_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
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
	return s;
}
