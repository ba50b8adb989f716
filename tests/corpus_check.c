/*
 * Corpus test: run every Exim log line of a corpus of public test data
 * through the reader's line check and exim_parse_line.
 *
 *	corpus_check DIR
 *
 * A line fails when it is an outbound delivery ("=>", "->", "**", "==",
 * "*>", ">>") that the parser takes for a client.  It also fails when a
 * fail2ban "# failJSON:" annotation before it names a "host" that the
 * parser does not return as the client.  A crash fails the whole run.
 * Prints one summary line per source and "corpus: N passed, M failed".
 * Exits 1 on any failure, and 0 with a note when DIR does not exist.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exim.h"
#include "logread.h"
#include "reason.h"
#include "ts.h"
#include "xmalloc.h"

/* Timestamp put before Exim's debug echo "LOG: <line>", which has none. */
#define CORPUS_LOG_STAMP	"2000-01-01 00:00:00 "
/* Bytes of a failing line printed. */
#define CORPUS_SHOW_MAX		200
/* Maximum length of a fail2ban host annotation. */
#define CORPUS_HOST_MAX		64

enum corpus_kind {
	CORPUS_PLAIN,		/* log lines as they are */
	CORPUS_FAIL2BAN,	/* log lines with "# failJSON:" annotations */
	CORPUS_DEBUG_LOG,	/* "LOG: <line>" without a timestamp */
	CORPUS_WAZUH,		/* "log N pass = <line>" in an .ini file */
};

struct corpus_source {
	const char		*path;		/* relative to DIR */
	enum corpus_kind	 kind;
	int			 is_dir;	/* every file in the folder */
	const char		*dir_prefix;	/* only subfolders named so */
	const char		*file_suffix;	/* only files named so */
};

static const struct corpus_source corpus_sources[] = {
	{ "fail2ban/exim", CORPUS_FAIL2BAN, 0, NULL, NULL },
	{ "fail2ban/exim-spam", CORPUS_FAIL2BAN, 0, NULL, NULL },
	{ "exim-testsuite/test/log", CORPUS_PLAIN, 1, NULL, NULL },
	{ "exim-testsuite/test/rejectlog", CORPUS_PLAIN, 1, NULL, NULL },
	{ "exim-testsuite/test/rejectlog-whole", CORPUS_PLAIN, 1, NULL, NULL },
	{ "exim-testsuite/test/stderr-LOG-lines", CORPUS_DEBUG_LOG, 1, NULL,
	    NULL },
	{ "crowdsec-hub/tests", CORPUS_PLAIN, 1, "exim-", ".log" },
	{ "wazuh/ruleset/testing/tests/exim.ini", CORPUS_WAZUH, 0, NULL, NULL },
};

struct corpus_stats {
	uint64_t	lines;
	uint64_t	clients;
	uint64_t	unknown;
	uint64_t	bad;
	uint64_t	outbound;	/* delivery lines, none may be a client */
	uint64_t	passed;
	uint64_t	failed;
	uint64_t	hosts;		/* fail2ban host annotations */
	uint64_t	hosts_found;
};

struct corpus_file {
	const char		*path;
	enum corpus_kind	 kind;
	uint64_t		 lineno;
	char			 host[CORPUS_HOST_MAX];	/* "" if none pending */
	struct corpus_stats	*st;
};

static struct exim_parser	*corpus_parser;

/* Print at most CORPUS_SHOW_MAX bytes of s with control bytes escaped. */
static void
corpus_show(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && i < CORPUS_SHOW_MAX; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			printf("\\x%02x", (unsigned char)s[i]);
		else
			putchar(s[i]);
	}
	if (len > CORPUS_SHOW_MAX)
		printf("...");
	putchar('\n');
}

static void
corpus_fail(struct corpus_file *cf, const char *why, const char *line,
    size_t len)
{
	printf("corpus: FAIL %s:%llu: %s: ", cf->path,
	    (unsigned long long)cf->lineno, why);
	corpus_show(line, len);
}

/*
 * Check, without the parser, whether a line is about an outbound delivery:
 * "=>", "->", "**", "==", "*>" or ">>" after the timestamp, "[pid]" and the
 * message id.
 */
static int
corpus_outbound(const char *line, size_t len)
{
	static const char	*marks[] = { "=> ", "-> ", "** ", "== ", "*> ",
				    ">> " };
	struct ts		 t;
	const char		*sp;
	size_t			 off, i, n;

	if ((off = ts_parse_exim(line, len, &t)) == 0 || off >= len)
		return 0;
	off++;
	if (off < len && line[off] == '[' &&
	    (sp = memchr(line + off, ' ', len - off)) != NULL &&
	    sp[-1] == ']')
		off = (size_t)(sp - line) + 1;
	if ((sp = memchr(line + off, ' ', len - off)) != NULL) {
		n = (size_t)(sp - line) - off;
		if ((n == 16 || n == 23) && line[off + 6] == '-')
			off += n + 1;
	}
	for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (len - off >= 3 && memcmp(line + off, marks[i], 3) == 0)
			return 1;
	return 0;
}

/* Take the "host" value of a "# failJSON: { ... }" line, or "" if none. */
static void
corpus_annotation(const char *line, char *host)
{
	const char	*p, *q;
	size_t		 n;

	host[0] = '\0';
	if ((p = strstr(line, "\"host\"")) == NULL)
		return;
	p += strlen("\"host\"");
	p += strspn(p, " \t:");
	if (*p != '"' || (q = strchr(p + 1, '"')) == NULL)
		return;
	n = (size_t)(q - p - 1);
	if (n == 0 || n >= CORPUS_HOST_MAX)
		return;
	memcpy(host, p + 1, n);
	host[n] = '\0';
}

/* Check one log line, which need not be NUL-terminated at len. */
static void
corpus_line(struct corpus_file *cf, const char *line, size_t len)
{
	struct corpus_stats	*st = cf->st;
	struct event		 ev;
	enum parse_result	 r;
	char			 ip[INET6_ADDRSTRLEN];
	int			 ok = 1;

	st->lines++;
	if (logread_check_line(line, len) != NULL) {
		st->bad++;
		r = PARSE_UNKNOWN;
	} else
		r = exim_parse_line(corpus_parser, line, len, &ev);
	if (r == PARSE_CLIENT)
		st->clients++;
	else if (r == PARSE_UNKNOWN)
		st->unknown++;

	if (corpus_outbound(line, len)) {
		st->outbound++;
		if (r == PARSE_CLIENT) {
			corpus_fail(cf, "outbound line parsed as a client",
			    line, len);
			ok = 0;
		}
	}
	if (cf->host[0] != '\0') {
		st->hosts++;
		if (r == PARSE_CLIENT && inet_ntop(ev.addr.family,
		    ev.addr.bytes, ip, sizeof ip) != NULL &&
		    strcmp(ip, cf->host) == 0)
			st->hosts_found++;
		else {
			printf("corpus: FAIL %s:%llu: expected client %s, got "
			    "%s: ", cf->path, (unsigned long long)cf->lineno,
			    cf->host, r == PARSE_CLIENT ? ip : "no client");
			corpus_show(line, len);
			ok = 0;
		}
		cf->host[0] = '\0';
	}
	if (ok)
		st->passed++;
	else
		st->failed++;
}

/* Turn one line of a source file into the log line it holds, if any. */
static void
corpus_raw_line(struct corpus_file *cf, char *line, size_t len)
{
	static char	 buf[LOGREAD_LINE_MAX + sizeof CORPUS_LOG_STAMP];
	const char	*p;
	size_t		 n;

	switch (cf->kind) {
	case CORPUS_PLAIN:
		corpus_line(cf, line, len);
		break;
	case CORPUS_FAIL2BAN:
		if (strncmp(line, "# failJSON:", 11) == 0)
			corpus_annotation(line, cf->host);
		else if (len > 0 && line[0] != '#')
			corpus_line(cf, line, len);
		break;
	case CORPUS_DEBUG_LOG:
		if (strncmp(line, "LOG: ", 5) != 0 || len - 5 > LOGREAD_LINE_MAX) {
			corpus_line(cf, line, len);
			break;
		}
		n = strlen(CORPUS_LOG_STAMP);
		memcpy(buf, CORPUS_LOG_STAMP, n);
		memcpy(buf + n, line + 5, len - 5);
		corpus_line(cf, buf, n + len - 5);
		break;
	case CORPUS_WAZUH:
		if (strncmp(line, "log ", 4) == 0 &&
		    (p = strstr(line, " pass = ")) != NULL) {
			p += strlen(" pass = ");
			corpus_line(cf, p, len - (size_t)(p - line));
		}
		break;
	}
}

static int
corpus_file(const char *path, enum corpus_kind kind, struct corpus_stats *st)
{
	struct corpus_file	 cf;
	FILE			*f;
	char			*line = NULL;
	size_t			 size = 0;
	ssize_t			 n;

	if ((f = fopen(path, "r")) == NULL) {
		printf("corpus: FAIL cannot open %s\n", path);
		st->failed++;
		return -1;
	}
	memset(&cf, 0, sizeof cf);
	cf.path = path;
	cf.kind = kind;
	cf.st = st;
	while ((n = getline(&line, &size, f)) != -1) {
		cf.lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		corpus_raw_line(&cf, line, (size_t)n);
	}
	if (cf.host[0] != '\0') {
		printf("corpus: FAIL %s: annotation for %s at the end of the "
		    "file has no log line\n", path, cf.host);
		st->failed++;
	}
	free(line);
	fclose(f);
	return 0;
}

static int
corpus_has_suffix(const char *name, const char *suffix)
{
	size_t	n = strlen(name), m = strlen(suffix);

	return n >= m && strcmp(name + n - m, suffix) == 0;
}

/* Check every file in dir, or in its matching subfolders, in name order. */
static void
corpus_dir(const char *dir, const struct corpus_source *src, int depth,
    struct corpus_stats *st)
{
	struct dirent	**names;
	struct stat	  sb;
	char		 *path;
	int		  n, i;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		printf("corpus: FAIL cannot read %s\n", dir);
		st->failed++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		xasprintf(&path, "%s/%s", dir, names[i]->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (depth == 0 && (src->dir_prefix == NULL ||
			    strncmp(names[i]->d_name, src->dir_prefix,
			    strlen(src->dir_prefix)) == 0))
				corpus_dir(path, src, depth + 1, st);
		} else if (S_ISREG(sb.st_mode) && (src->file_suffix == NULL ||
		    corpus_has_suffix(names[i]->d_name, src->file_suffix)) &&
		    (src->dir_prefix == NULL || depth > 0))
			corpus_file(path, src->kind, st);
		free(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	const struct corpus_source	*src;
	struct corpus_stats		 st, total;
	struct reason_table		*rt;
	struct stat			 sb;
	char				*cause = NULL, *path;
	size_t				 i;

	if (argc != 2) {
		fprintf(stderr, "usage: corpus_check DIR\n");
		return 2;
	}
	if (stat(argv[1], &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		printf("corpus: %s not found, skipped\n", argv[1]);
		return 0;
	}

	/* Exim test-suite times are local wall-clock times, so fix the zone. */
	setenv("TZ", "UTC", 1);
	rt = reason_table_create();
	if ((corpus_parser = exim_parser_create(rt, &cause)) == NULL) {
		printf("corpus: FAIL %s\n", cause);
		free(cause);
		reason_table_free(rt);
		return 1;
	}

	memset(&total, 0, sizeof total);
	for (i = 0; i < sizeof corpus_sources / sizeof corpus_sources[0];
	    i++) {
		src = &corpus_sources[i];
		memset(&st, 0, sizeof st);
		xasprintf(&path, "%s/%s", argv[1], src->path);
		if (stat(path, &sb) == -1) {
			printf("corpus: FAIL %s not found\n", path);
			st.failed++;
		} else if (src->is_dir)
			corpus_dir(path, src, 0, &st);
		else
			corpus_file(path, src->kind, &st);
		free(path);

		printf("corpus: %s: %llu lines, %llu clients, %llu outbound, "
		    "%llu without timestamp, %llu bad", src->path,
		    (unsigned long long)st.lines,
		    (unsigned long long)st.clients,
		    (unsigned long long)st.outbound,
		    (unsigned long long)st.unknown,
		    (unsigned long long)st.bad);
		if (src->kind == CORPUS_FAIL2BAN)
			printf(", %llu of %llu failJSON hosts found",
			    (unsigned long long)st.hosts_found,
			    (unsigned long long)st.hosts);
		printf("; %llu passed, %llu failed\n",
		    (unsigned long long)st.passed,
		    (unsigned long long)st.failed);
		total.passed += st.passed;
		total.failed += st.failed;
	}

	printf("corpus: %llu passed, %llu failed\n",
	    (unsigned long long)total.passed,
	    (unsigned long long)total.failed);
	exim_parser_free(corpus_parser);
	reason_table_free(rt);
	return total.failed == 0 ? 0 : 1;
}
