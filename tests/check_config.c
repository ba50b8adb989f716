/* Tests for core/config.c: defaults, the config file and the file helpers. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "check_util.h"
#include "config.h"
#include "reason.h"
#include "tmpfile.h"
#include "xmalloc.h"

static char	 cf_dir[64];
static char	*cf_path;

/* Environment the tests change, restored after each test. */
static const char *const cf_vars[] = { "HOME", "XDG_STATE_HOME",
    "XDG_CONFIG_HOME" };
static char	*cf_saved[3];

static void
cf_setup(void)
{
	const char	*value;
	size_t		 i;

	snprintf(cf_dir, sizeof cf_dir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cf_dir));
	xasprintf(&cf_path, "%s/config", cf_dir);
	for (i = 0; i < 3; i++) {
		value = getenv(cf_vars[i]);
		cf_saved[i] = value != NULL ? xstrdup(value) : NULL;
	}
	setenv("HOME", "/home/tester", 1);
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CONFIG_HOME");
}

static void
cf_teardown(void)
{
	size_t	i;

	check_remove_tree(cf_dir);
	free(cf_path);
	cf_path = NULL;
	for (i = 0; i < 3; i++) {
		if (cf_saved[i] != NULL)
			setenv(cf_vars[i], cf_saved[i], 1);
		else
			unsetenv(cf_vars[i]);
		free(cf_saved[i]);
		cf_saved[i] = NULL;
	}
}

/* Load text as the config file and return the cause of the failure. */
static char *
load_fails(struct config *cfg, const char *text)
{
	char	*cause = NULL;

	check_write_file(cf_path, text, 0600);
	config_defaults(cfg);
	ck_assert_int_eq(config_load(cfg, cf_path, 1, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	return cause;
}

static void
assert_load_error(const char *text, const char *want_after_path)
{
	struct config	 cfg;
	char		*cause, *want;

	cause = load_fails(&cfg, text);
	xasprintf(&want, "%s:%s", cf_path, want_after_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
}

/*
 * Load cf_path with default settings and check that it fails with the
 * message that fmt and the arguments after it format.
 */
static void __attribute__((format(printf, 1, 2)))
assert_load_cause(const char *fmt, ...)
{
	struct config	 cfg;
	va_list		 ap;
	char		*cause = NULL, *want;
	int		 n;

	va_start(ap, fmt);
	n = vasprintf(&want, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 0, &cause), -1);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
}

START_TEST(test_config_defaults_xdg)
{
	struct config	cfg;

	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	config_defaults(&cfg);
	ck_assert_str_eq(cfg.state_path, "/xdg/state/smtptriage/state.db");
	ck_assert_str_eq(cfg.whitelist_path,
	    "/xdg/config/smtptriage/whitelist");
	ck_assert_str_eq(cfg.outbox, "/xdg/state/smtptriage/outbox");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_defaults_home)
{
	struct config	cfg;

	config_defaults(&cfg);
	ck_assert_str_eq(cfg.state_path,
	    "/home/tester/.local/state/smtptriage/state.db");
	ck_assert_str_eq(cfg.whitelist_path,
	    "/home/tester/.config/smtptriage/whitelist");
	ck_assert_str_eq(cfg.outbox,
	    "/home/tester/.local/state/smtptriage/outbox");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_defaults_relative_xdg)
{
	struct config	cfg;

	setenv("XDG_STATE_HOME", "relative/state", 1);
	config_defaults(&cfg);
	ck_assert_str_eq(cfg.state_path,
	    "/home/tester/.local/state/smtptriage/state.db");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_defaults_values)
{
	struct config	cfg;

	config_defaults(&cfg);
	ck_assert_ptr_null(cfg.resolver);
	ck_assert_ptr_null(cfg.sendmail);
	ck_assert_ptr_null(cfg.report_to);
	ck_assert_ptr_nonnull(strchr(cfg.from, '@'));
	ck_assert_int_eq(cfg.dns_timeout_ms, 2000);
	ck_assert_int_eq(cfg.dns_tries, 2);
	ck_assert_int_eq(cfg.dns_max_inflight, 64);
	ck_assert_int_eq(cfg.max_clients, 1000000);
	ck_assert_str_eq(reason_table_lookup(cfg.reasons,
	    "HELO verification failed", 24), "helo_verify_failed");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_default_path)
{
	char	*path;

	path = config_default_path();
	ck_assert_str_eq(path, "/home/tester/.config/smtptriage/config");
	free(path);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	path = config_default_path();
	ck_assert_str_eq(path, "/xdg/config/smtptriage/config");
	free(path);
}
END_TEST

START_TEST(test_config_every_key)
{
	struct config	 cfg;
	char		*cause = NULL;

	check_write_file(cf_path, "# every key\n"
	    "\n"
	    "state = /var/lib/st/state.db\n"
	    "whitelist=/etc/st/whitelist\n"
	    "  outbox\t=\t/var/spool/st/outbox  \n"
	    "resolver = 127.0.0.1:5353,[::1]:53\n"
	    "sendmail = /usr/sbin/sendmail -oi -t\n"
	    "from = Abuse Desk <abuse@example.org>\n"
	    "report_to = abuse@example.net\n"
	    "dns_timeout = 1500\n"
	    "dns_tries = 3\n"
	    "dns_max_inflight = 16\n", 0600);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), 0);
	ck_assert_str_eq(cfg.state_path, "/var/lib/st/state.db");
	ck_assert_str_eq(cfg.whitelist_path, "/etc/st/whitelist");
	ck_assert_str_eq(cfg.outbox, "/var/spool/st/outbox");
	ck_assert_str_eq(cfg.resolver, "127.0.0.1:5353,[::1]:53");
	ck_assert_str_eq(cfg.sendmail, "/usr/sbin/sendmail -oi -t");
	ck_assert_str_eq(cfg.from, "Abuse Desk <abuse@example.org>");
	ck_assert_str_eq(cfg.report_to, "abuse@example.net");
	ck_assert_int_eq(cfg.dns_timeout_ms, 1500);
	ck_assert_int_eq(cfg.dns_tries, 3);
	ck_assert_int_eq(cfg.dns_max_inflight, 16);
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_home_path)
{
	struct config	 cfg;
	char		*cause = NULL;

	check_write_file(cf_path, "state = ~/st/state.db\n", 0600);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), 0);
	ck_assert_str_eq(cfg.state_path, "/home/tester/st/state.db");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_empty_resets)
{
	struct config	 cfg;
	char		*cause = NULL;

	check_write_file(cf_path,
	    "sendmail = /usr/sbin/sendmail -t\nresolver = 127.0.0.1\n"
	    "report_to = a@example.net\n"
	    "sendmail =\nresolver =\nreport_to =\n", 0600);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), 0);
	ck_assert_ptr_null(cfg.sendmail);
	ck_assert_ptr_null(cfg.resolver);
	ck_assert_ptr_null(cfg.report_to);
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_crlf_lines)
{
	struct config	 cfg;
	char		*cause = NULL;

	check_write_file(cf_path, "dns_tries = 4\r\n# note\r\n", 0600);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), 0);
	ck_assert_int_eq(cfg.dns_tries, 4);
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_bad_timeout)
{
	assert_load_error("dns_timeout = 5\n", "1: invalid dns_timeout \"5\": "
	    "expected a whole number from 10 to 60000");
}
END_TEST

START_TEST(test_config_bad_max_clients)
{
	assert_load_error("max_clients = 0\n", "1: invalid max_clients "
	    "\"0\": expected a whole number from 1 to 1000000");
	assert_load_error("max_clients = 1000001\n", "1: invalid max_clients "
	    "\"1000001\": expected a whole number from 1 to 1000000");
}
END_TEST

START_TEST(test_config_bad_tries)
{
	assert_load_error("\ndns_tries = two\n", "2: invalid dns_tries "
	    "\"two\": expected a whole number from 1 to 10");
}
END_TEST

START_TEST(test_config_bad_inflight)
{
	assert_load_error("dns_max_inflight = 0\n", "1: invalid "
	    "dns_max_inflight \"0\": expected a whole number from 1 to 4096");
	assert_load_error("dns_max_inflight = 99999999999999999999\n", "1: "
	    "invalid dns_max_inflight \"99999999999999999999\": expected a "
	    "whole number from 1 to 4096");
}
END_TEST

START_TEST(test_config_relative_path)
{
	assert_load_error("outbox = spool/outbox\n", "1: outbox must be an "
	    "absolute path or start with ~/, not \"spool/outbox\"");
}
END_TEST

START_TEST(test_config_empty_path)
{
	assert_load_error("state =\n", "1: state must be an absolute path or "
	    "start with ~/, not \"\"");
}
END_TEST

START_TEST(test_config_relative_sendmail)
{
	assert_load_error("sendmail = sendmail -t\n", "1: sendmail command "
	    "\"sendmail\" must start with an absolute path such as "
	    "/usr/sbin/sendmail, because it runs without a shell or PATH "
	    "search");
}
END_TEST

START_TEST(test_config_bad_from)
{
	assert_load_error("from = nobody\n", "1: invalid from address "
	    "\"nobody\": expected printable ASCII with an @, at most 512 "
	    "characters");
	assert_load_error("report_to = ab\xc3\xa9@example.net\n", "1: invalid "
	    "report_to address \"ab\xc3\xa9@example.net\": expected printable "
	    "ASCII with an @, at most 512 characters");
}
END_TEST

START_TEST(test_config_bad_resolver)
{
	assert_load_error("resolver = dns.example.net\n", "1: invalid "
	    "resolver \"dns.example.net\": expected HOST[:PORT][,HOST[:PORT]"
	    "...] with IP addresses");
}
END_TEST

START_TEST(test_config_unknown_key)
{
	assert_load_error("# ok\ncolour = red\n",
	    "2: unknown key \"colour\"");
}
END_TEST

START_TEST(test_config_missing_equals)
{
	assert_load_error("state /tmp/x\n", "1: expected \"key = value\", "
	    "found \"state /tmp/x\"");
}
END_TEST

START_TEST(test_config_control_byte)
{
	assert_load_error("from = a@b\x1b[2J\n", "1: line contains the "
	    "control character 0x1b");
}
END_TEST

START_TEST(test_config_nul_byte)
{
	struct config	 cfg;
	FILE		*f;
	char		*cause = NULL, *want;

	f = fopen(cf_path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("dns_tries = 2\n# x\0y\n", 1, 20, f);
	fclose(f);
	chmod(cf_path, 0600);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), -1);
	xasprintf(&want, "%s:2: line contains a NUL byte", cf_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_warning_lines)
{
	struct config	 cfg;
	char		*cause = NULL;
	const char	*t1 = "Local check: a = b";
	const char	*t2 = "say \"hi\" \\ ok";

	check_write_file(cf_path,
	    "warning \"HELO verification failed\" = helo_bad\n"
	    "warning \"Local check: a = b\" = eq_in_text\n"
	    "warning\t\"say \\\"hi\\\" \\\\ ok\"=escaped_text\n", 0600);
	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), 0);
	ck_assert_str_eq(reason_table_lookup(cfg.reasons,
	    "HELO verification failed", 24), "helo_bad");
	ck_assert_str_eq(reason_table_lookup(cfg.reasons, t1, strlen(t1)),
	    "eq_in_text");
	ck_assert_str_eq(reason_table_lookup(cfg.reasons, t2, strlen(t2)),
	    "escaped_text");
	ck_assert_str_eq(reason_table_lookup(cfg.reasons,
	    "Forward/Reverse DNS mismatch", 28), "fcrdns_mismatch");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_warning_bad_escape)
{
	assert_load_error("warning \"a\\nb\" = x\n", "1: invalid escape in "
	    "the warning text: only \\\" and \\\\ are allowed");
}
END_TEST

START_TEST(test_config_warning_unclosed)
{
	assert_load_error("warning \"abc = x\n", "1: missing closing quote in "
	    "the warning text");
}
END_TEST

START_TEST(test_config_warning_no_quote)
{
	assert_load_error("warning abc = x\n", "1: expected a quoted text "
	    "after \"warning\"");
}
END_TEST

START_TEST(test_config_warning_bad_name)
{
	assert_load_error("warning \"abc\" = Bad-Name\n", "1: invalid reason "
	    "name \"Bad-Name\": use a-z, 0-9 and _ only, at most 64 "
	    "characters");
}
END_TEST

START_TEST(test_config_warning_no_name)
{
	assert_load_error("warning \"abc\" =  \n", "1: missing reason name "
	    "after \"=\"");
	assert_load_error("warning \"abc\" x\n", "1: expected \"=\" and a "
	    "reason name after the warning text");
}
END_TEST

START_TEST(test_config_missing_file)
{
	struct config	 cfg;
	char		*cause = NULL, *want;

	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, cf_path, 0, &cause), 0);
	ck_assert_int_eq(config_load(&cfg, cf_path, 1, &cause), -1);
	xasprintf(&want, "config file %s does not exist", cf_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_group_writable)
{
	check_write_file(cf_path, "dns_tries = 2\n", 0664);
	assert_load_cause("%s can be written by other users (mode 0664); "
	    "fix it with: chmod go-w %s", cf_path, cf_path);
}
END_TEST

START_TEST(test_config_world_writable)
{
	check_write_file(cf_path, "dns_tries = 2\n", 0602);
	assert_load_cause("%s can be written by other users (mode 0602); "
	    "fix it with: chmod go-w %s", cf_path, cf_path);
}
END_TEST

START_TEST(test_config_other_owner)
{
	if (geteuid() != 0)
		return;		/* only root can give a file away */
	check_write_file(cf_path, "dns_tries = 2\n", 0600);
	ck_assert_int_eq(chown(cf_path, 4242, 4242), 0);
	assert_load_cause("%s is owned by uid 4242, not by you (uid 0) or "
	    "root, so another user could change it", cf_path);
}
END_TEST

START_TEST(test_config_not_regular)
{
	ck_assert_int_eq(mkdir(cf_path, 0700), 0);
	assert_load_cause("%s is not a regular file", cf_path);
}
END_TEST

START_TEST(test_config_dev_null_empty)
{
	struct config	 cfg;
	char		*cause = NULL;

	config_defaults(&cfg);
	ck_assert_int_eq(config_load(&cfg, "/dev/null", 1, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_ptr_null(cfg.sendmail);
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_example_loads)
{
	struct config	 cfg;
	FILE		*in, *out;
	char		 line[1024], *cause = NULL;

	/* Uncomment every setting of the shipped example and load it. */
	in = fopen("docs/smtptriage.conf.example", "r");
	ck_assert_msg(in != NULL, "run the tests from the source folder");
	out = fopen(cf_path, "w");
	ck_assert_ptr_nonnull(out);
	while (fgets(line, sizeof line, in) != NULL) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z')
			fputs(line + 1, out);
		else
			fputs(line, out);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_int_eq(chmod(cf_path, 0600), 0);

	config_defaults(&cfg);
	ck_assert_msg(config_load(&cfg, cf_path, 1, &cause) == 0, "%s", cause);
	ck_assert_str_eq(cfg.state_path,
	    "/home/tester/.local/state/smtptriage/state.db");
	ck_assert_str_eq(cfg.resolver, "127.0.0.1:53,[::1]:53");
	ck_assert_str_eq(cfg.sendmail, "/usr/sbin/sendmail -oi -t");
	ck_assert_str_eq(cfg.from, "Postmaster <postmaster@example.org>");
	ck_assert_str_eq(cfg.report_to, "abuse-review@example.org");
	ck_assert_int_eq(cfg.dns_timeout_ms, 2000);
	ck_assert_str_eq(reason_table_lookup(cfg.reasons,
	    "Sender \"bounce\" without a PTR", 29), "bounce_no_ptr");
	config_free(&cfg);
}
END_TEST

START_TEST(test_config_split_argv)
{
	char	**argv, *cause = NULL;

	argv = config_split_argv("  /usr/sbin/sendmail \t-oi  -t ", &cause);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[0], "/usr/sbin/sendmail");
	ck_assert_str_eq(argv[1], "-oi");
	ck_assert_str_eq(argv[2], "-t");
	ck_assert_ptr_null(argv[3]);
	config_free_argv(argv);
}
END_TEST

START_TEST(test_config_split_no_shell)
{
	char	**argv, *cause = NULL;

	argv = config_split_argv("/bin/x 'a b' $HOME;id \"q\"", &cause);
	ck_assert_ptr_nonnull(argv);
	ck_assert_str_eq(argv[1], "'a");
	ck_assert_str_eq(argv[2], "b'");
	ck_assert_str_eq(argv[3], "$HOME;id");
	ck_assert_str_eq(argv[4], "\"q\"");
	ck_assert_ptr_null(argv[5]);
	config_free_argv(argv);
}
END_TEST

START_TEST(test_config_split_empty)
{
	char	*cause = NULL;

	ck_assert_ptr_null(config_split_argv(" \t ", &cause));
	ck_assert_str_eq(cause, "empty command");
	free(cause);
}
END_TEST

START_TEST(test_config_split_too_many)
{
	char	*cmd, *cause = NULL;
	size_t	 i;

	cmd = xcalloc(1, 65 * 3 + 1);
	for (i = 0; i < 65; i++)
		snprintf(cmd + 3 * i, 4, "-x ");
	ck_assert_ptr_null(config_split_argv(cmd, &cause));
	ck_assert_str_eq(cause, "command has more than 64 words");
	free(cause);
	free(cmd);
}
END_TEST

START_TEST(test_config_make_dir_modes)
{
	struct stat	 sb;
	char		*dir, *cause = NULL;

	xasprintf(&dir, "%s/one/two//three/", cf_dir);
	ck_assert_int_eq(config_make_dir(dir, &cause), 0);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	free(dir);
	xasprintf(&dir, "%s/one", cf_dir);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	free(dir);
}
END_TEST

START_TEST(test_config_make_dir_file)
{
	char	*cause = NULL, *want;

	check_write_file(cf_path, "x\n", 0600);
	ck_assert_int_eq(config_make_dir(cf_path, &cause), -1);
	xasprintf(&want, "%s exists but is not a folder", cf_path);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
}
END_TEST

START_TEST(test_config_write_no_replace)
{
	struct stat	 sb;
	char		*cause = NULL, *want;

	check_write_file(cf_path, "old\n", 0600);
	ck_assert_int_eq(config_write_atomic(cf_path, "new\n", 4, 0600, 0,
	    &cause), -1);
	xasprintf(&want, "cannot create %s: File exists", cf_path);
	ck_assert_str_eq(cause, want);
	ck_assert_int_eq(stat(cf_path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 4);
	/* The unnamed temporary file leaves nothing behind. */
	ck_assert_uint_eq(check_count_entries(cf_dir), 1);
	free(want);
	free(cause);
}
END_TEST

/* Create cf_dir/name, last changed age seconds ago. */
static void
cf_make_aged(const char *name, time_t age)
{
	struct timespec	 times[2];
	char		*path;
	int		 fd;

	xasprintf(&path, "%s/%s", cf_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	times[0].tv_sec = times[1].tv_sec = time(NULL) - age;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times,
	    AT_SYMLINK_NOFOLLOW), 0);
	free(path);
}

static int
cf_exists(const char *name)
{
	struct stat	 sb;
	char		*path;
	int		 rc;

	xasprintf(&path, "%s/%s", cf_dir, name);
	rc = lstat(path, &sb) == 0;
	free(path);
	return rc;
}

START_TEST(test_tmpfile_clean_stale_only)
{
	char	*path, *locked;
	time_t	 old = 2 * TMPFILE_STALE_S;
	int	 fd;

	cf_make_aged(".whitelist.AbC123", old);
	cf_make_aged(".whitelist.Young1", 0);
	cf_make_aged(".whitelist.Lockd1", old);
	cf_make_aged(".whitelist.toolong12", old);
	cf_make_aged(".whitelist.Ab-123", old);
	cf_make_aged(".other.AbC123", old);
	cf_make_aged("whitelist.AbC123", old);
	xasprintf(&path, "%s/.whitelist.Link12", cf_dir);
	ck_assert_int_eq(symlink("/nonexistent", path), 0);
	free(path);

	/* A writer still has this file locked. */
	xasprintf(&locked, "%s/.whitelist.Lockd1", cf_dir);
	fd = open(locked, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);

	xasprintf(&path, "%s/whitelist", cf_dir);
	ck_assert_uint_eq(tmpfile_clean_for(path), 1);
	free(path);
	close(fd);
	free(locked);
	ck_assert_int_eq(cf_exists(".whitelist.AbC123"), 0);
	ck_assert_int_eq(cf_exists(".whitelist.Young1"), 1);
	ck_assert_int_eq(cf_exists(".whitelist.Lockd1"), 1);
	ck_assert_int_eq(cf_exists(".whitelist.toolong12"), 1);
	ck_assert_int_eq(cf_exists(".whitelist.Ab-123"), 1);
	ck_assert_int_eq(cf_exists(".other.AbC123"), 1);
	ck_assert_int_eq(cf_exists("whitelist.AbC123"), 1);
	ck_assert_int_eq(cf_exists(".whitelist.Link12"), 1);
}
END_TEST

START_TEST(test_tmpfile_clean_by_suffix)
{
	time_t	old = 2 * TMPFILE_STALE_S;

	cf_make_aged(".20261204T100000Z-192.0.2.1-0123456789abcdef.eml.Xy7Zq2",
	    old);
	cf_make_aged(".notes.txt.Xy7Zq2", old);
	cf_make_aged(".eml.Xy7Zq2", old);
	ck_assert_uint_eq(tmpfile_clean(cf_dir, NULL, ".eml"), 1);
	ck_assert_int_eq(cf_exists(
	    ".20261204T100000Z-192.0.2.1-0123456789abcdef.eml.Xy7Zq2"), 0);
	ck_assert_int_eq(cf_exists(".notes.txt.Xy7Zq2"), 1);
	ck_assert_int_eq(cf_exists(".eml.Xy7Zq2"), 1);
}
END_TEST

START_TEST(test_config_write_replace)
{
	struct stat	 sb;
	FILE		*f;
	char		 buf[16], *cause = NULL;

	check_write_file(cf_path, "old\n", 0640);
	ck_assert_int_eq(config_write_atomic(cf_path, "newer\n", 6, 0600, 1,
	    &cause), 0);
	ck_assert_int_eq(stat(cf_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
	f = fopen(cf_path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
	fclose(f);
	ck_assert_str_eq(buf, "newer\n");
}
END_TEST

Suite *
make_config_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("config");

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, cf_setup, cf_teardown);
	tcase_add_test(tc, test_config_defaults_xdg);
	tcase_add_test(tc, test_config_defaults_home);
	tcase_add_test(tc, test_config_defaults_relative_xdg);
	tcase_add_test(tc, test_config_defaults_values);
	tcase_add_test(tc, test_config_default_path);
	tcase_add_test(tc, test_config_every_key);
	tcase_add_test(tc, test_config_home_path);
	tcase_add_test(tc, test_config_empty_resets);
	tcase_add_test(tc, test_config_crlf_lines);
	tcase_add_test(tc, test_config_bad_timeout);
	tcase_add_test(tc, test_config_bad_tries);
	tcase_add_test(tc, test_config_bad_max_clients);
	tcase_add_test(tc, test_config_bad_inflight);
	tcase_add_test(tc, test_config_relative_path);
	tcase_add_test(tc, test_config_empty_path);
	tcase_add_test(tc, test_config_relative_sendmail);
	tcase_add_test(tc, test_config_bad_from);
	tcase_add_test(tc, test_config_bad_resolver);
	tcase_add_test(tc, test_config_unknown_key);
	tcase_add_test(tc, test_config_missing_equals);
	tcase_add_test(tc, test_config_control_byte);
	tcase_add_test(tc, test_config_nul_byte);
	tcase_add_test(tc, test_config_warning_lines);
	tcase_add_test(tc, test_config_warning_bad_escape);
	tcase_add_test(tc, test_config_warning_unclosed);
	tcase_add_test(tc, test_config_warning_no_quote);
	tcase_add_test(tc, test_config_warning_bad_name);
	tcase_add_test(tc, test_config_warning_no_name);
	tcase_add_test(tc, test_config_missing_file);
	tcase_add_test(tc, test_config_group_writable);
	tcase_add_test(tc, test_config_world_writable);
	tcase_add_test(tc, test_config_other_owner);
	tcase_add_test(tc, test_config_not_regular);
	tcase_add_test(tc, test_config_dev_null_empty);
	tcase_add_test(tc, test_config_example_loads);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_checked_fixture(tc, cf_setup, cf_teardown);
	tcase_add_test(tc, test_config_split_argv);
	tcase_add_test(tc, test_config_split_no_shell);
	tcase_add_test(tc, test_config_split_empty);
	tcase_add_test(tc, test_config_split_too_many);
	tcase_add_test(tc, test_config_make_dir_modes);
	tcase_add_test(tc, test_config_make_dir_file);
	tcase_add_test(tc, test_config_write_no_replace);
	tcase_add_test(tc, test_tmpfile_clean_stale_only);
	tcase_add_test(tc, test_tmpfile_clean_by_suffix);
	tcase_add_test(tc, test_config_write_replace);
	suite_add_tcase(s, tc);
	return s;
}
