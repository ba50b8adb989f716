/*
 * Fuzz target for the whitelist file.  The input is written to a file and
 * loaded with wl_load.  When it loads:
 * - every entry is in normal form (wl_normalize returns it unchanged);
 * - matching a few addresses and names does not crash;
 * - wl_add of a new entry rewrites the file so that it contains every old
 *   line unchanged followed by the new one, and wl_remove of that entry
 *   gives back the old file.
 * The first line of the input is also given to wl_normalize on its own.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "whitelist.h"
#include "xmalloc.h"
#include "fuzz.h"

/* Largest file read back for the comparison; the input is much smaller. */
#define FUZZ_FILE_MAX	(8 * 1024 * 1024)
/* An entry that no fuzzed file is likely to hold already. */
#define FUZZ_NEW_ENTRY	"198.51.100.77"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static char *
fuzz_read(const char *path, size_t *len)
{
	char	*data, *cause;

	if (config_read_file(path, FUZZ_FILE_MAX, 0, &data, len,
	    &cause) == -1) {
		fprintf(stderr, "fuzz whitelist: %s\n", cause);
		abort();
	}
	FUZZ_CHECK(data != NULL, "%s is gone", path);
	return data;
}

static void
fuzz_match(const struct whitelist *wl)
{
	static const char *const	 addrs[] = {
		"192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1", "0.0.0.0", "::"
	};
	static const char *const	 names[] = {
		"mail.example.net", "a", ".", "x.y.z.", NULL
	};
	struct event_addr		 a;
	size_t				 i, k;

	for (i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		memset(&a, 0, sizeof a);
		a.family = strchr(addrs[i], ':') != NULL ? AF_INET6 : AF_INET;
		inet_pton(a.family, addrs[i], a.bytes);
		for (k = 0; k < sizeof names / sizeof names[0]; k++)
			(void)wl_match(wl, &a, names[k]);
	}
}

/* The file as wl_write writes it: every line, each ending in "\n". */
static char *
fuzz_normal_text(const char *data, size_t size, size_t *len)
{
	char	*text;

	text = xmalloc(size + 2);
	memcpy(text, data, size);
	*len = size;
	if (size > 0 && text[size - 1] != '\n')
		text[(*len)++] = '\n';
	text[*len] = '\0';
	return text;
}

static void
fuzz_rewrite(struct whitelist *wl, const char *path, const uint8_t *data,
    size_t size)
{
	char	*before, *after, *cause, *want;
	size_t	 before_len, after_len, want_len, count, i;

	count = wl_count(wl);
	for (i = 0; i < count; i++) {
		if (strcmp(wl_entry(wl, i), FUZZ_NEW_ENTRY) == 0)
			return;
	}
	before = fuzz_normal_text((const char *)data, size, &before_len);

	if (wl_add(wl, FUZZ_NEW_ENTRY, "fuzz\x1b[31m", &cause) == -1) {
		fprintf(stderr, "fuzz whitelist: wl_add: %s\n", cause);
		abort();
	}
	after = fuzz_read(path, &after_len);
	/* The comment is stored escaped. */
	xasprintf(&want, "%s%s # fuzz\\x1B[31m\n", before, FUZZ_NEW_ENTRY);
	want_len = strlen(want);
	FUZZ_CHECK(after_len == want_len && memcmp(after, want, want_len) == 0,
	    "wl_add changed other lines (%zu bytes, expected %zu)",
	    after_len, want_len);
	FUZZ_CHECK(wl_count(wl) == count + 1, "%zu entries after wl_add",
	    wl_count(wl));
	free(after);
	free(want);

	if (wl_remove(wl, FUZZ_NEW_ENTRY, &cause) == -1) {
		fprintf(stderr, "fuzz whitelist: wl_remove: %s\n", cause);
		abort();
	}
	after = fuzz_read(path, &after_len);
	FUZZ_CHECK(after_len == before_len &&
	    memcmp(after, before, before_len) == 0,
	    "wl_remove did not restore the file");
	FUZZ_CHECK(wl_count(wl) == count, "%zu entries after wl_remove",
	    wl_count(wl));
	free(after);
	free(before);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whitelist	*wl;
	const char		*path, *entry;
	char			*cause, *norm, *again, *first;
	const uint8_t		*nl;
	size_t			 i;

	/* The first line as an entry typed by the user. */
	nl = memchr(data, '\n', size);
	first = xstrndup((const char *)data, nl != NULL ?
	    (size_t)(nl - data) : size);
	if ((norm = wl_normalize(first, &cause)) == NULL)
		free(cause);
	else {
		again = wl_normalize(norm, &cause);
		FUZZ_CHECK(again != NULL && strcmp(again, norm) == 0,
		    "normal form \"%s\" is not stable", norm);
		free(again);
		free(norm);
	}
	free(first);

	path = fuzz_write_file("whitelist", data, size);
	if ((wl = wl_load(path, &cause)) == NULL) {
		FUZZ_CHECK(strstr(cause, path) != NULL,
		    "the error does not name the file: %s", cause);
		free(cause);
		return 0;
	}
	for (i = 0; i < wl_count(wl); i++) {
		entry = wl_entry(wl, i);
		norm = wl_normalize(entry, &cause);
		FUZZ_CHECK(norm != NULL, "entry \"%s\" is invalid: %s", entry,
		    norm == NULL ? cause : "");
		FUZZ_CHECK(strcmp(norm, entry) == 0,
		    "entry \"%s\" has the normal form \"%s\"", entry, norm);
		free(norm);
	}
	fuzz_match(wl);
	fuzz_rewrite(wl, path, data, size);
	wl_free(wl);
	return 0;
}
