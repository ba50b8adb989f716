/*
 * Fuzz target for the config file.  The input is written to a file and
 * read with config_load over the defaults.  When it loads, every setting
 * must pass the checks config_load promises.  Paths are absolute, and the
 * sendmail command splits into an argument vector that starts with an
 * absolute path.  The From, Reply-To and report_to mailboxes have an
 * address of printable ASCII with an @, and a display name of valid UTF-8
 * without control characters.
 * The first line of the input is also split with config_split_argv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mail.h"
#include "xmalloc.h"
#include "fuzz.h"

/* Limits that config.c enforces; repeated here to check them. */
#define FUZZ_ARGV_MAX		64
#define FUZZ_ADDRESS_MAX	512

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Fixed defaults, independent of the environment of the run. */
	setenv("HOME", "/nonexistent/home", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent/config", 1);
	setenv("XDG_STATE_HOME", "/nonexistent/state", 1);
	return 0;
}

static void
fuzz_check_argv(char **argv)
{
	size_t	i;

	FUZZ_CHECK(argv[0] != NULL, "empty argument vector");
	for (i = 0; argv[i] != NULL; i++) {
		FUZZ_CHECK(argv[i][0] != '\0', "empty word %zu", i);
		FUZZ_CHECK(strpbrk(argv[i], " \t") == NULL,
		    "word %zu holds a blank", i);
	}
	FUZZ_CHECK(i <= FUZZ_ARGV_MAX, "%zu words", i);
}

/*
 * A From, Reply-To or report_to value is a mailbox (mail_mailbox_parse):
 * an address of printable ASCII with an @, and a display name of UTF-8
 * without control characters.
 */
static void
fuzz_check_address(const char *what, const char *s)
{
	const char	*problem;
	char		*display, *address, *cause;
	size_t		 i, len;

	if (s == NULL)
		return;
	len = strlen(s);
	FUZZ_CHECK(len > 0 && len <= FUZZ_ADDRESS_MAX, "%s of %zu bytes", what,
	    len);
	FUZZ_CHECK(mail_mailbox_parse(s, &display, &address, &cause) == 0,
	    "%s \"%s\" does not parse again: %s", what, s, cause);
	FUZZ_CHECK(strchr(address, '@') != NULL, "%s without @", what);
	for (i = 0; address[i] != '\0'; i++)
		FUZZ_CHECK(address[i] >= 0x20 && address[i] <= 0x7e,
		    "%s address holds byte 0x%02x", what,
		    (unsigned char)address[i]);
	if (display != NULL) {
		problem = fuzz_text_problem(display, strlen(display), 1);
		FUZZ_CHECK(problem == NULL && strchr(display, '\n') == NULL,
		    "%s display name: %s", what, problem != NULL ? problem :
		    "newline");
	}
	free(display);
	free(address);
}

static void
fuzz_check_config(const struct config *cfg)
{
	char	**argv, *cause;

	FUZZ_CHECK(cfg->state_path[0] == '/', "relative state path");
	FUZZ_CHECK(cfg->whitelist_path[0] == '/', "relative whitelist path");
	FUZZ_CHECK(cfg->outbox[0] == '/', "relative outbox path");
	if (cfg->sendmail != NULL) {
		argv = config_split_argv(cfg->sendmail, &cause);
		FUZZ_CHECK(argv != NULL, "sendmail \"%s\" does not split",
		    cfg->sendmail);
		fuzz_check_argv(argv);
		FUZZ_CHECK(argv[0][0] == '/', "sendmail \"%s\" is relative",
		    argv[0]);
		config_free_argv(argv);
	}
	fuzz_check_address("from", cfg->from);
	fuzz_check_address("reply_to", cfg->reply_to);
	fuzz_check_address("report_to", cfg->report_to);
	FUZZ_CHECK(cfg->dns_timeout_ms >= 10 && cfg->dns_timeout_ms <= 60000,
	    "dns_timeout %d", cfg->dns_timeout_ms);
	FUZZ_CHECK(cfg->dns_tries >= 1 && cfg->dns_tries <= 10,
	    "dns_tries %d", cfg->dns_tries);
	FUZZ_CHECK(cfg->dns_max_inflight >= 1 &&
	    cfg->dns_max_inflight <= 4096, "dns_max_inflight %d",
	    cfg->dns_max_inflight);
	if (cfg->resolver != NULL)
		FUZZ_CHECK(strspn(cfg->resolver,
		    "0123456789abcdefABCDEF.:[],") == strlen(cfg->resolver),
		    "resolver \"%s\"", cfg->resolver);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	const char	*path;
	const uint8_t	*nl;
	char		**argv, *cause, *first;

	nl = memchr(data, '\n', size);
	first = xstrndup((const char *)data, nl != NULL ?
	    (size_t)(nl - data) : size);
	if ((argv = config_split_argv(first, &cause)) == NULL)
		free(cause);
	else {
		fuzz_check_argv(argv);
		config_free_argv(argv);
	}
	free(first);

	path = fuzz_write_file("config", data, size);
	config_defaults(&cfg);
	if (config_load(&cfg, path, 1, &cause) == -1) {
		FUZZ_CHECK(strstr(cause, path) != NULL,
		    "the error does not name the file: %s", cause);
		free(cause);
	} else
		fuzz_check_config(&cfg);
	config_free(&cfg);
	return 0;
}
