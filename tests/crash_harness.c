/*
 * Helper of tests/crash_test.sh: writes the program's state through the
 * real core/ API (whitelist, SQLite store, report outbox), so the test can
 * kill it at random points, run several writers at once, and run it
 * against broken file systems.
 *
 * usage: crash_harness torture DIR ROUNDS MAX_DELAY_US
 *	Repeat ROUNDS times: fork a child that performs operations on the
 *	state in DIR without end, kill it with SIGKILL after a random delay
 *	of up to MAX_DELAY_US microseconds, and check that the state is
 *	whole and contains exactly the operations that completed.  Operation i
 *	adds address i to DIR/whitelist, marks it in DIR/state.db, and
 *	writes report i into DIR/outbox with its row in the report history.
 *	After a kill and one start (store_open), each row must have its
 *	file and each file its row.
 * usage: crash_harness writer DIR TAG COUNT
 *	Add COUNT whitelist entries and COUNT marks, all distinct for TAG
 *	(1 to 255), one operation at a time.
 * usage: crash_harness reader DIR STOPFILE
 *	Load the whitelist and read the marks in a loop until STOPFILE
 *	exists; every load must succeed.
 * usage: crash_harness verify DIR TAG... COUNT
 *	Check that the whitelist and the marks hold the COUNT entries of
 *	every TAG named, and nothing else.
 * usage: crash_harness wl-add PATH ENTRY | mark DB IP | outbox DIR
 *	Perform one write; on failure print the error and exit 1.
 * usage: crash_harness fill-then-mark DB IP FILLFILE
 *	Open the store, fill the file system with FILLFILE, then mark IP.
 *
 * Exits 0 on success and 1 with a message on stderr otherwise.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "report.h"
#include "store.h"
#include "tmpfile.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Operations one torture child may perform before it is killed. */
#define HARNESS_OPS_MAX		1000000
/* Largest outbox file read back; the test messages are tiny. */
#define HARNESS_MESSAGE_MAX	4096

struct harness_paths {
	char	*whitelist;
	char	*state;
	char	*outbox;
};

/* What the state on disk contains after a torture round. */
struct harness_state {
	size_t	whitelisted;	/* whitelist entries 0 .. n-1 */
	size_t	marked;		/* marks 0 .. n-1 */
	size_t	reported;	/* report history rows 0 .. n-1 */
	size_t	written;	/* outbox files 0 .. n-1 */
	size_t	temporary;	/* leftover temporary files in the outbox */
	size_t	intents;	/* outbox intents that the start settled */
};

static void __attribute__((format(printf, 1, 2), noreturn))
harness_fail(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "crash_harness: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
harness_paths(const char *dir, struct harness_paths *p)
{
	xasprintf(&p->whitelist, "%s/whitelist", dir);
	xasprintf(&p->state, "%s/state.db", dir);
	xasprintf(&p->outbox, "%s/outbox", dir);
}

static void
harness_paths_free(struct harness_paths *p)
{
	free(p->whitelist);
	free(p->state);
	free(p->outbox);
}

/* The address of operation i for tag: 10.tag.hi.lo. */
static void
harness_ip(unsigned int tag, size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "10.%u.%zu.%zu", tag, (i >> 8) & 0xff, i & 0xff);
}

static char *
harness_message(size_t i)
{
	char	*msg;

	xasprintf(&msg, "From: crash@example.org\nSubject: report %zu\n"
	    "Message-ID: <crash-%zu@example.org>\n\nreport %zu\n", i, i, i);
	return msg;
}

static size_t
harness_parse_size(const char *s, const char *what)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > HARNESS_OPS_MAX)
		harness_fail("invalid %s \"%s\"", what, s);
	return (size_t)v;
}

/* One operation of a torture child: the steps a console user takes. */
static void
harness_operation(struct whitelist *wl, struct store *st,
    const struct config *cfg, size_t i)
{
	struct report_outcome	 out;
	char			 ip[32], msgid[64], *msg, *cause;

	harness_ip(0, i, ip, sizeof ip);
	if (wl_add(wl, ip, "crash test", &cause) == -1)
		harness_fail("wl_add %s: %s", ip, cause);
	if (store_set_mark(st, ip, 1, &cause) == -1)
		harness_fail("store_set_mark %s: %s", ip, cause);
	msg = harness_message(i);
	snprintf(msgid, sizeof msgid, "<crash-%zu@example.org>", i);
	if (report_deliver(cfg, st, ip, NULL, msg, msgid, &out, &cause) == -1)
		harness_fail("report_deliver %s: %s", ip, cause);
	report_outcome_free(&out);
	free(msg);
}

/* The body of a torture child: operations from first on, until killed. */
static void __attribute__((noreturn))
harness_child(const struct harness_paths *p, size_t first)
{
	struct whitelist	*wl;
	struct store		*st;
	struct config		 cfg;
	char			*cause;
	size_t			 i;

	/* Start as the program does. */
	tmpfile_clean_for(p->whitelist);
	tmpfile_clean(p->outbox, NULL, ".eml");
	if ((wl = wl_load(p->whitelist, &cause)) == NULL)
		harness_fail("child: %s", cause);
	if ((st = store_open(p->state, &cause)) == NULL)
		harness_fail("child: %s", cause);
	memset(&cfg, 0, sizeof cfg);
	cfg.outbox = p->outbox;
	for (i = first; i < first + HARNESS_OPS_MAX; i++)
		harness_operation(wl, st, &cfg, i);
	harness_fail("child: not killed after %d operations",
	    HARNESS_OPS_MAX);
}

/* Check that the whitelist contains entries 0 .. n-1 of tag, in order. */
static size_t
harness_check_whitelist(const char *path, unsigned int tag)
{
	struct whitelist	*wl;
	char			*cause, ip[32];
	size_t			 i, n;

	if ((wl = wl_load(path, &cause)) == NULL)
		harness_fail("whitelist after a kill: %s", cause);
	n = wl_count(wl);
	for (i = 0; i < n; i++) {
		harness_ip(tag, i, ip, sizeof ip);
		if (strcmp(wl_entry(wl, i), ip) != 0)
			harness_fail("whitelist entry %zu is %s, expected %s",
			    i, wl_entry(wl, i), ip);
	}
	wl_free(wl);
	return n;
}

/* Run a query returning one text column; call fn on each row. */
static void
harness_query(sqlite3 *db, const char *sql,
    void (*fn)(const char *, size_t, void *), void *arg)
{
	sqlite3_stmt	*stmt;
	size_t		 row = 0;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		harness_fail("%s: %s", sql, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(stmt, 0), row++, arg);
	if (rc != SQLITE_DONE)
		harness_fail("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(stmt);
}

static void
harness_integrity_row(const char *text, size_t row, void *arg)
{
	(void)arg;
	if (row > 0 || text == NULL || strcmp(text, "ok") != 0)
		harness_fail("PRAGMA integrity_check: %s",
		    text != NULL ? text : "NULL");
}

/* Collect the marked addresses into a bitmap of operation numbers. */
struct harness_marks {
	unsigned int	 tag;
	size_t		 count;
	size_t		 limit;
	uint8_t		*seen;
};

static void
harness_mark_row(const char *text, size_t row, void *arg)
{
	struct harness_marks	*m = arg;
	uint8_t			 b[4];
	size_t			 i;

	(void)row;
	if (text == NULL || inet_pton(AF_INET, text, b) != 1 || b[0] != 10 ||
	    b[1] != m->tag)
		harness_fail("unexpected mark \"%s\"", text != NULL ? text :
		    "NULL");
	i = (size_t)b[2] << 8 | b[3];
	if (i >= m->limit || m->seen[i])
		harness_fail("unexpected or repeated mark %s", text);
	m->seen[i] = 1;
	m->count++;
}

static void
harness_report_row(const char *text, size_t row, void *arg)
{
	char	want[64];

	(void)arg;
	snprintf(want, sizeof want, "<crash-%zu@example.org>", row);
	if (text == NULL || strcmp(text, want) != 0)
		harness_fail("report row %zu is %s, expected %s", row,
		    text != NULL ? text : "NULL", want);
}

static long	harness_message_number(const char *);

/* Check that the outbox file of report row row contains message row. */
static void
harness_report_file(const char *path, size_t row, void *arg)
{
	char	*data, *cause;
	size_t	 len;

	(void)arg;
	if (path == NULL)
		harness_fail("report row %zu has no outbox path", row);
	if (config_read_file(path, HARNESS_MESSAGE_MAX, 1, &data, &len,
	    &cause) == -1)
		harness_fail("outbox file of report row %zu: %s", row, cause);
	if (data == NULL)
		harness_fail("report row %zu has no outbox file (%s is "
		    "missing)", row, path);
	if (harness_message_number(data) != (long)row)
		harness_fail("outbox file %s of report row %zu holds another "
		    "message", path, row);
	free(data);
}

/*
 * The number of outbox intents in the database at path, read before a
 * start settles them; 0 when the table does not exist yet.
 */
static size_t
harness_count_intents(const char *path)
{
	sqlite3_stmt	*stmt;
	sqlite3		*db;
	size_t		 n = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox_intents", -1,
	    &stmt, NULL) == SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			n = (size_t)sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return n;
}

static void
harness_count_row(const char *text, size_t row, void *arg)
{
	(void)text;
	*(size_t *)arg = row + 1;
}

/*
 * Check the database: whole, with the schema, and holding marks 0 .. n-1
 * of tag (in any order).  Returns n, and the number of report rows (which
 * must be reports 0 .. n-1 in order) in *reports if not NULL.
 */
static size_t
harness_check_store(const char *path, unsigned int tag, size_t limit,
    size_t *reports)
{
	struct harness_marks	 m;
	struct store		*st;
	sqlite3			*db;
	char			*cause;
	size_t			 i;

	/* store_open checks the schema (and creates it after an early kill). */
	if ((st = store_open(path, &cause)) == NULL)
		harness_fail("state database after a kill: %s", cause);
	store_close(st);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		harness_fail("cannot open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	harness_query(db, "PRAGMA integrity_check", harness_integrity_row,
	    NULL);

	memset(&m, 0, sizeof m);
	m.tag = tag;
	m.limit = limit;
	m.seen = xcalloc(limit + 1, 1);
	harness_query(db, "SELECT ip FROM marks", harness_mark_row, &m);
	for (i = 0; i < m.count; i++) {
		if (!m.seen[i])
			harness_fail("mark %zu is missing, %zu are present", i,
			    m.count);
	}
	free(m.seen);
	if (reports != NULL) {
		harness_query(db, "SELECT message_id FROM reports ORDER BY id",
		    harness_report_row, NULL);
		harness_query(db, "SELECT path FROM reports ORDER BY id",
		    harness_report_file, NULL);
		*reports = 0;
		harness_query(db, "SELECT id FROM reports", harness_count_row,
		    reports);
	}
	sqlite3_close(db);
	return m.count;
}

/* The operation number of a test message, or -1 if text is not one. */
static long
harness_message_number(const char *text)
{
	static const char	 head[] =
	    "From: crash@example.org\nSubject: report ";
	unsigned long		 i;
	char			*want, *end;
	long			 n = -1;

	if (strncmp(text, head, sizeof head - 1) != 0)
		return -1;
	errno = 0;
	i = strtoul(text + sizeof head - 1, &end, 10);
	if (errno != 0 || *end != '\n' || i > HARNESS_OPS_MAX)
		return -1;
	want = harness_message(i);
	if (strcmp(want, text) == 0)
		n = (long)i;
	free(want);
	return n;
}

/*
 * Check the outbox: every file is one whole test message, each message
 * once, messages 0 .. n-1.  Counts hidden temporary files apart.
 */
static size_t
harness_check_outbox(const char *dir, size_t limit, size_t *temporary)
{
	DIR		*d;
	struct dirent	*de;
	uint8_t		*seen;
	char		*path, *data, *cause;
	size_t		 len, n = 0, i;
	long		 k;

	*temporary = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		harness_fail("cannot open %s: %s", dir, strerror(errno));
	}
	seen = xcalloc(limit + 1, 1);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.') {
			(*temporary)++;
			continue;
		}
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (config_read_file(path, HARNESS_MESSAGE_MAX, 1, &data, &len,
		    &cause) == -1)
			harness_fail("outbox file: %s", cause);
		if (data == NULL || (k = harness_message_number(data)) < 0)
			harness_fail("outbox file %s is not a whole message",
			    path);
		if ((size_t)k >= limit || seen[k])
			harness_fail("outbox message %ld is unexpected or "
			    "repeated (%s)", k, path);
		seen[k] = 1;
		n++;
		free(data);
		free(path);
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		if (!seen[i])
			harness_fail("outbox message %zu is missing, %zu are "
			    "present", i, n);
	}
	free(seen);
	return n;
}

static void
harness_check_state(const struct harness_paths *p, size_t limit,
    struct harness_state *s)
{
	s->whitelisted = harness_check_whitelist(p->whitelist, 0);
	s->intents = harness_count_intents(p->state);
	/* This store_open is the start that settles the outbox intents. */
	s->marked = harness_check_store(p->state, 0, limit, &s->reported);
	s->written = harness_check_outbox(p->outbox, limit, &s->temporary);

	/* Each row has its file (checked above), and each file its row. */
	if (s->written > s->reported)
		harness_fail("%zu outbox files without a history row after a "
		    "start", s->written - s->reported);
	if (s->written < s->reported)
		harness_fail("%zu history rows without an outbox file after "
		    "a start", s->reported - s->written);

	/* Each operation takes its steps in this order. */
	if (!(s->whitelisted >= s->marked && s->marked >= s->reported &&
	    s->reported + 1 >= s->whitelisted))
		harness_fail("steps out of order: %zu whitelisted, %zu marked, "
		    "%zu recorded", s->whitelisted, s->marked, s->reported);
}

/*
 * Count the entries of dir whose names start with prefix.  With age set,
 * also make each of them look age seconds old.
 */
static size_t
harness_temporary(const char *dir, const char *prefix, time_t age)
{
	struct timespec	 times[2];
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	times[0].tv_sec = times[1].tv_sec = time(NULL) - age;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		if (age > 0 && utimensat(dirfd(d), de->d_name, times,
		    AT_SYMLINK_NOFOLLOW) == -1)
			harness_fail("cannot age %s/%s: %s", dir, de->d_name,
			    strerror(errno));
	}
	closedir(d);
	return n;
}

/*
 * Check what the kills left of atomic writes: no temporary file in the
 * outbox where the system has O_TMPFILE, and none at all once they are
 * older than TMPFILE_STALE_S and a new run starts.  Returns the number of
 * temporary whitelist files the kills left.
 */
static size_t
harness_check_temporary(const char *dir, const struct harness_paths *p,
    size_t outbox_left)
{
	size_t	left;
	int	fd;

	if ((fd = tmpfile_open_unnamed(p->outbox)) != -1) {
		close(fd);
		if (outbox_left > 0)
			harness_fail("%zu temporary files left in the outbox",
			    outbox_left);
	}
	left = harness_temporary(dir, ".whitelist.", 2 * TMPFILE_STALE_S);
	harness_temporary(p->outbox, ".", 2 * TMPFILE_STALE_S);
	tmpfile_clean_for(p->whitelist);
	tmpfile_clean(p->outbox, NULL, ".eml");
	if (harness_temporary(dir, ".whitelist.", 0) > 0 ||
	    harness_temporary(p->outbox, ".", 0) > 0)
		harness_fail("temporary files are left after a new start");
	return left;
}

static uint64_t
harness_random(void)
{
	static uint64_t	x;
	struct timespec	ts;

	if (x == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^
		    (uint64_t)getpid() << 40;
		x |= 1;
	}
	/* xorshift64 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static int
harness_torture(const char *dir, size_t rounds, size_t max_delay)
{
	struct harness_paths	 p;
	struct harness_state	 s;
	struct timespec		 delay;
	size_t			 round, settled = 0, partial = 0, left;
	size_t			 limit = 0, next = 0;
	uint64_t		 us;
	pid_t			 pid;
	int			 status;

	harness_paths(dir, &p);
	memset(&s, 0, sizeof s);
	for (round = 0; round < rounds; round++) {
		fflush(NULL);
		if ((pid = fork()) == -1)
			harness_fail("fork: %s", strerror(errno));
		if (pid == 0)
			harness_child(&p, next);

		us = max_delay > 0 ? harness_random() % (max_delay + 1) : 0;
		delay.tv_sec = (time_t)(us / 1000000);
		delay.tv_nsec = (long)(us % 1000000) * 1000;
		nanosleep(&delay, NULL);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			harness_fail("waitpid: %s", strerror(errno));
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			harness_fail("round %zu: the child ended by itself "
			    "(status %d)", round, status);

		/* The child may have got one operation further than next. */
		limit = next + HARNESS_OPS_MAX;
		harness_check_state(&p, limit, &s);
		if (s.whitelisted != s.reported)
			partial++;
		if (s.intents > 0)
			settled++;
		next = s.reported;
	}
	left = harness_check_temporary(dir, &p, s.temporary);
	printf("crash_harness: %zu kills; %zu operations completed; %zu "
	    "kills fell between the steps of one operation; %zu left an "
	    "outbox intent that the next start settled; 0 outbox files "
	    "without a history row and 0 rows without a file; %zu "
	    "temporary files left in the outbox, %zu of the whitelist, all "
	    "removed by a start after %d s\n", rounds, next, partial, settled,
	    s.temporary, left, TMPFILE_STALE_S);
	harness_paths_free(&p);
	return 0;
}

static int
harness_writer(const char *dir, unsigned int tag, size_t count)
{
	struct harness_paths	 p;
	struct whitelist	*wl;
	struct store		*st;
	char			 ip[32], *cause;
	size_t			 i;

	harness_paths(dir, &p);
	if ((wl = wl_load(p.whitelist, &cause)) == NULL)
		harness_fail("writer %u: %s", tag, cause);
	if ((st = store_open(p.state, &cause)) == NULL)
		harness_fail("writer %u: %s", tag, cause);
	for (i = 0; i < count; i++) {
		harness_ip(tag, i, ip, sizeof ip);
		if (wl_add(wl, ip, NULL, &cause) == -1)
			harness_fail("writer %u: wl_add %s: %s", tag, ip,
			    cause);
		if (store_set_mark(st, ip, 1, &cause) == -1)
			harness_fail("writer %u: store_set_mark %s: %s", tag,
			    ip, cause);
	}
	store_close(st);
	wl_free(wl);
	harness_paths_free(&p);
	return 0;
}

static void
harness_reader_mark(const char *ip, void *arg)
{
	(void)ip;
	(*(size_t *)arg)++;
}

static int
harness_reader(const char *dir, const char *stopfile)
{
	struct harness_paths	 p;
	struct whitelist	*wl;
	struct store		*st;
	char			*cause;
	size_t			 loads = 0, marks, last = 0;

	harness_paths(dir, &p);
	while (access(stopfile, F_OK) != 0) {
		if ((wl = wl_load(p.whitelist, &cause)) == NULL)
			harness_fail("reader: %s", cause);
		wl_free(wl);
		if ((st = store_open(p.state, &cause)) == NULL)
			harness_fail("reader: %s", cause);
		marks = 0;
		if (store_each_mark(st, harness_reader_mark, &marks,
		    &cause) == -1)
			harness_fail("reader: %s", cause);
		store_close(st);
		if (marks < last)
			harness_fail("reader: marks went from %zu to %zu",
			    last, marks);
		last = marks;
		loads++;
	}
	printf("crash_harness: reader loaded the state %zu times\n", loads);
	harness_paths_free(&p);
	return 0;
}

static int
harness_verify(const char *dir, int ntags, char **tags, size_t count)
{
	struct harness_paths	 p;
	struct whitelist	*wl;
	struct store		*st;
	struct event_addr	 addr;
	char			 ip[32], *cause;
	unsigned int		 tag;
	size_t			 i;
	int			 k, rc;

	harness_paths(dir, &p);
	if ((wl = wl_load(p.whitelist, &cause)) == NULL)
		harness_fail("verify: %s", cause);
	if ((st = store_open(p.state, &cause)) == NULL)
		harness_fail("verify: %s", cause);
	if (wl_count(wl) != (size_t)ntags * count)
		harness_fail("verify: %zu whitelist entries, expected %zu",
		    wl_count(wl), (size_t)ntags * count);
	for (k = 0; k < ntags; k++) {
		tag = (unsigned int)harness_parse_size(tags[k], "tag");
		for (i = 0; i < count; i++) {
			harness_ip(tag, i, ip, sizeof ip);
			memset(&addr, 0, sizeof addr);
			addr.family = AF_INET;
			inet_pton(AF_INET, ip, addr.bytes);
			if (wl_match(wl, &addr, NULL) == NULL)
				harness_fail("verify: %s is not whitelisted",
				    ip);
			if ((rc = store_is_marked(st, ip, &cause)) != 1)
				harness_fail("verify: %s is not marked: %s",
				    ip, rc == -1 ? cause : "no mark");
		}
	}
	store_close(st);
	wl_free(wl);
	printf("crash_harness: all %zu entries and marks are present\n",
	    (size_t)ntags * count);
	harness_paths_free(&p);
	return 0;
}

/* Write zeros to a new file at path until the file system is full. */
static void
harness_fill(const char *path)
{
	static const char	zeros[4096];
	ssize_t			n;
	int			fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		harness_fail("cannot create %s: %s", path, strerror(errno));
	while ((n = write(fd, zeros, sizeof zeros)) > 0)
		;
	if (n == -1 && errno != ENOSPC)
		harness_fail("cannot write %s: %s", path, strerror(errno));
	close(fd);
}

/* The single operations, for the tests of broken file systems. */
static int
harness_single(int argc, char **argv)
{
	struct whitelist	*wl;
	struct store		*st;
	char			*cause = NULL, *path, *msg;
	int			 rc = 0;

	if (strcmp(argv[1], "wl-add") == 0 && argc == 4) {
		if ((wl = wl_load(argv[2], &cause)) == NULL ||
		    wl_add(wl, argv[3], NULL, &cause) == -1)
			rc = -1;
		wl_free(wl);
	} else if (strcmp(argv[1], "mark") == 0 && argc == 4) {
		if ((st = store_open(argv[2], &cause)) == NULL ||
		    store_set_mark(st, argv[3], 1, &cause) == -1)
			rc = -1;
		if (st != NULL)
			store_close(st);
	} else if (strcmp(argv[1], "fill-then-mark") == 0 && argc == 5) {
		/* The console's case: the disk fills while the store is open. */
		if ((st = store_open(argv[2], &cause)) == NULL)
			rc = -1;
		else {
			harness_fill(argv[4]);
			if (store_set_mark(st, argv[3], 1, &cause) == -1)
				rc = -1;
			store_close(st);
		}
	} else if (strcmp(argv[1], "outbox") == 0 && argc == 3) {
		msg = harness_message(0);
		if (report_write_outbox(argv[2], msg, &path, &cause) == -1)
			rc = -1;
		else
			free(path);
		free(msg);
	} else
		harness_fail("unknown command or wrong arguments: %s", argv[1]);
	if (rc == -1) {
		fprintf(stderr, "error: %s\n", cause);
		free(cause);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		harness_fail("usage: crash_harness COMMAND ARGS (see the source)");
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "torture") == 0 && argc == 5)
		return harness_torture(argv[2], harness_parse_size(argv[3],
		    "ROUNDS"), harness_parse_size(argv[4], "MAX_DELAY_US"));
	if (strcmp(argv[1], "writer") == 0 && argc == 5)
		return harness_writer(argv[2], (unsigned int)harness_parse_size(
		    argv[3], "TAG"), harness_parse_size(argv[4], "COUNT"));
	if (strcmp(argv[1], "reader") == 0 && argc == 4)
		return harness_reader(argv[2], argv[3]);
	if (strcmp(argv[1], "verify") == 0 && argc >= 5)
		return harness_verify(argv[2], argc - 4, argv + 3,
		    harness_parse_size(argv[argc - 1], "COUNT"));
	return harness_single(argc, argv);
}
