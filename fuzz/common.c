/* Helpers shared by the fuzz targets: checks, temporary files. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "esc.h"
#include "event.h"
#include "logread.h"
#include "output.h"
#include "reason.h"
#include "fuzz.h"

static char	fuzz_tmpdir[PATH_MAX];
static char	fuzz_path[PATH_MAX];

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/*
 * Return the length of the valid UTF-8 sequence at s and set *cp to its
 * code point, or return 0 when the sequence is invalid.  It decodes as
 * esc_utf8_seq in core/esc.c does but is a deliberate copy, because a check
 * that used the decoder under test would accept what a decoder bug lets
 * through.
 */
static size_t
fuzz_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t		n, i;
	uint32_t	c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

const char *
fuzz_text_problem(const char *s, size_t len, int no_bidi)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		if ((n = fuzz_utf8(u + i, len - i, &cp)) == 0)
			return "invalid UTF-8";
		if (cp == '\n')
			continue;
		if (cp == 0x1b)
			return "raw ESC";
		if (cp < 0x20 || cp == 0x7f)
			return "raw C0 control or DEL";
		if (cp >= 0x80 && cp < 0xa0)
			return "raw C1 control";
		if (no_bidi && ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)))
			return "raw bidirectional control";
	}
	return NULL;
}

size_t
fuzz_count(const char *s, size_t len, char c)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == c;
	return n;
}

/* Format the suspects and check the text. */
void
fuzz_check_suspects(struct client *const *suspects, size_t n)
{
	static const enum out_format	 formats[] = {
		OUT_TABLE, OUT_JSON, OUT_CSV
	};
	struct esc_buf			 b;
	const char			*problem;
	size_t				 i, lines;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		memset(&b, 0, sizeof b);
		esc_buf_lit(&b, "");
		out_clients(&b, formats[i], suspects, n, NULL);
		problem = fuzz_text_problem(b.data, b.len, 1);
		FUZZ_CHECK(problem == NULL, "format %d: %s", (int)formats[i],
		    problem);
		FUZZ_CHECK(strlen(b.data) == b.len, "format %d: NUL byte",
		    (int)formats[i]);
		/* A header line in the table and CSV, none in JSON lines. */
		lines = fuzz_count(b.data, b.len, '\n');
		FUZZ_CHECK(lines == n + (formats[i] != OUT_JSON),
		    "format %d: %zu lines for %zu suspects", (int)formats[i],
		    lines, n);
		esc_buf_free(&b);
	}
}

/* Check one string field of an event; see fuzz_check_event. */
static void
fuzz_check_field(const char *what, const char *line, size_t len,
    const char *s, size_t n, size_t max, int flags, int utf8)
{
	if (s == NULL)
		return;
	FUZZ_CHECK(n <= max, "%s is %zu bytes, over %zu", what, n, max);
	FUZZ_CHECK(memchr(s, '\0', n) == NULL, "%s contains a NUL byte",
	    what);
	if (!(flags & FUZZ_IN_LINE))
		return;
	FUZZ_CHECK(s >= line && s + n <= line + len, "%s outside the line",
	    what);
	if (utf8)
		FUZZ_CHECK(logread_check_line(s, n) == NULL,
		    "%s of a valid line is not valid UTF-8", what);
}

void
fuzz_check_same_event(int r, int rp, const struct event *ev,
    const struct event *ep)
{
	FUZZ_CHECK(r == rp, "result %d, PCRE2 alone %d", r, rp);
	if (r == 0)
		return;
	FUZZ_CHECK(ev->addr.family == ep->addr.family &&
	    memcmp(ev->addr.bytes, ep->addr.bytes, sizeof ev->addr.bytes) == 0,
	    "address differs");
	FUZZ_CHECK(ev->has_time == ep->has_time &&
	    ev->time.utc == ep->time.utc && ev->time.msec == ep->time.msec,
	    "time differs");
	FUZZ_CHECK(ev->helo == ep->helo && ev->helo_len == ep->helo_len,
	    "HELO differs");
	FUZZ_CHECK(ev->rdns == ep->rdns && ev->rdns_len == ep->rdns_len,
	    "rDNS name differs");
	FUZZ_CHECK(ev->reason == ep->reason &&
	    ev->reason_arg == ep->reason_arg &&
	    ev->reason_arg_len == ep->reason_arg_len, "reason differs");
}

void
fuzz_check_event(const char *line, size_t len, const struct event *ev,
    int flags)
{
	int	utf8;

	FUZZ_CHECK(ev->addr.family == AF_INET || ev->addr.family == AF_INET6,
	    "address family %d", ev->addr.family);
	utf8 = logread_check_line(line, len) == NULL;
	if (ev->helo != NULL)
		FUZZ_CHECK(ev->helo_len > 0, "empty HELO");
	fuzz_check_field("HELO", line, len, ev->helo, ev->helo_len,
	    EVENT_NAME_MAX, flags, utf8);
	if (ev->rdns != NULL)
		FUZZ_CHECK(ev->rdns_len > 0, "empty rDNS name");
	fuzz_check_field("rDNS name", line, len, ev->rdns, ev->rdns_len,
	    EVENT_NAME_MAX, flags, utf8);
	if (ev->reason_arg != NULL)
		FUZZ_CHECK(ev->reason != NULL, "reason text without a reason");
	fuzz_check_field("reason text", line, len, ev->reason_arg,
	    ev->reason_arg_len, REASON_ARG_MAX, flags, utf8);
}

void
fuzz_parse_log(const uint8_t *data, size_t size, fuzz_parse_fn parse,
    void *arg, int flags)
{
	const char	 *log = (const char *)data, *line, *nl;
	struct agg	 *agg;
	struct client	**suspects;
	struct event	  ev;
	size_t		  off = 0, len, n;
	uint64_t	  lineno = 0;
	uint32_t	  file;

	agg = agg_create();
	file = agg_add_file(agg, "fuzz.log");
	while (off < size) {
		line = log + off;
		nl = memchr(line, '\n', size - off);
		len = nl != NULL ? (size_t)(nl - line) : size - off;
		lineno++;
		n = len;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		memset(&ev, 0, sizeof ev);
		if (n <= LOGREAD_LINE_MAX && memchr(line, '\0', n) == NULL &&
		    (!(flags & FUZZ_VALID_LINES) ||
		    logread_check_line(line, n) == NULL) &&
		    parse(arg, line, n, &ev)) {
			fuzz_check_event(line, n, &ev, flags);
			agg_add(agg, &ev, file, off, lineno);
		}
		off += len + 1;
	}
	agg_finish(agg);
	suspects = agg_suspects(agg, &n);
	fuzz_check_suspects(suspects, n);
	agg_free(agg);
}

static void
fuzz_cleanup(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX * 2];

	if (fuzz_tmpdir[0] == '\0' || (d = opendir(fuzz_tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir,
		    de->d_name) < sizeof path)
			unlink(path);
	}
	closedir(d);
	rmdir(fuzz_tmpdir);
}

const char *
fuzz_dir(void)
{
	struct stat	 sb;
	const char	*base;

	if (fuzz_tmpdir[0] != '\0')
		return fuzz_tmpdir;
	base = getenv("TMPDIR");
	if (base == NULL || *base != '/')
		base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ?
		    "/dev/shm" : "/tmp";
	snprintf(fuzz_tmpdir, sizeof fuzz_tmpdir, "%s/smtptriage-fuzz.XXXXXX",
	    base);
	if (mkdtemp(fuzz_tmpdir) == NULL) {
		fprintf(stderr, "fuzz: cannot create a folder in %s: %s\n",
		    base, strerror(errno));
		abort();
	}
	atexit(fuzz_cleanup);
	return fuzz_tmpdir;
}

const char *
fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	ssize_t	n;
	size_t	done = 0;
	int	fd;

	if ((size_t)snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir(),
	    name) >= sizeof fuzz_path) {
		fprintf(stderr, "fuzz: path of %s too long\n", name);
		abort();
	}
	unlink(fuzz_path);
	fd = open(fuzz_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "fuzz: cannot create %s: %s\n", fuzz_path,
		    strerror(errno));
		abort();
	}
	while (done < size) {
		n = write(fd, data + done, size - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "fuzz: cannot write %s: %s\n",
			    fuzz_path, strerror(errno));
			abort();
		}
		done += (size_t)n;
	}
	close(fd);
	return fuzz_path;
}
