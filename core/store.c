/*
 * The state database.  Every statement is prepared once and takes bound
 * parameters.  Every change runs in its own BEGIN IMMEDIATE transaction,
 * which waits up to STORE_BUSY_MS for another program's transaction.
 *
 * Schema version 1 (PRAGMA user_version):
 *	marks(ip, time)
 *	reports(id, ip, recipient, message_id, method, path, exit_status,
 *	    time)
 * A later version adds tables or columns in store_migrate and raises
 * STORE_SCHEMA_VERSION.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "outbox_intent.h"
#include "store.h"
#include "xmalloc.h"

#define STORE_SCHEMA_VERSION	1
/* "smtT" as a big-endian number (0x736d7454): marks the file as ours. */
#define STORE_APPLICATION_ID	1936553044
#define STORE_STRING(x)		#x
#define STORE_NUMBER(x)		STORE_STRING(x)
/* How long a change waits for another program's transaction to end. */
#define STORE_BUSY_MS		5000
/* Pause between tries to switch a new database to WAL mode. */
#define STORE_WAL_RETRY_MS	10

/* Maximum length of a recipient, Message-ID or path stored with a report. */
#define STORE_TEXT_MAX		4096

enum store_stmt {
	STMT_MARK_SET,
	STMT_MARK_CLEAR,
	STMT_MARK_GET,
	STMT_MARK_EACH,
	STMT_REPORT_ADD,
	STMT_REPORT_LAST,
	STMT_REPORT_EACH,
	STMT_COUNT
};

static const char *const store_sql[STMT_COUNT] = {
	[STMT_MARK_SET] =
	    "INSERT INTO marks (ip, time) VALUES (?1, ?2) "
	    "ON CONFLICT (ip) DO NOTHING",
	[STMT_MARK_CLEAR] =
	    "DELETE FROM marks WHERE ip = ?1",
	[STMT_MARK_GET] =
	    "SELECT 1 FROM marks WHERE ip = ?1",
	[STMT_MARK_EACH] =
	    "SELECT ip FROM marks ORDER BY ip",
	[STMT_REPORT_ADD] =
	    "INSERT INTO reports (ip, recipient, message_id, method, path, "
	    "exit_status, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	/* A report kept in the outbox without a recipient was sent to no one. */
	[STMT_REPORT_LAST] =
	    "SELECT max(time) FROM reports WHERE ip = ?1 AND exit_status = 0 "
	    "AND ifnull(recipient, '') <> ''",
	[STMT_REPORT_EACH] =
	    "SELECT ip, max(time) FROM reports WHERE exit_status = 0 "
	    "AND ifnull(recipient, '') <> '' GROUP BY ip ORDER BY ip",
};

/* Statements that create schema version 1 in an empty database. */
static const char *const store_schema_v1[] = {
	"CREATE TABLE marks ("
	"  ip TEXT PRIMARY KEY NOT NULL,"
	"  time INTEGER NOT NULL"
	")",
	"CREATE TABLE reports ("
	"  id INTEGER PRIMARY KEY,"
	"  ip TEXT NOT NULL,"
	"  recipient TEXT,"
	"  message_id TEXT NOT NULL,"
	"  method TEXT NOT NULL CHECK (method IN ('outbox', 'sendmail')),"
	"  path TEXT,"
	"  exit_status INTEGER NOT NULL,"
	"  time INTEGER NOT NULL"
	")",
	"CREATE INDEX reports_ip_time ON reports (ip, time)",
	"PRAGMA application_id = " STORE_NUMBER(STORE_APPLICATION_ID),
	"PRAGMA user_version = " STORE_NUMBER(STORE_SCHEMA_VERSION),
};

struct store {
	char		*path;
	sqlite3		*db;
	sqlite3_stmt	*stmt[STMT_COUNT];
};

static int	 store_fail(struct store *, const char *what, char **cause);
static int	 store_exec(struct store *, const char *sql, char **cause);
static int	 store_pragma_int(struct store *, const char *sql,
		    int64_t *value, char **cause);
static int	 store_migrate(struct store *, char **cause);
static int	 store_wal(struct store *, char **cause);
static int	 store_begin(struct store *, char **cause);
static int	 store_commit(struct store *, char **cause);
static void	 store_rollback(struct store *);
static int	 store_ip(const char *ip, char *out, char **cause);

/* Set *cause from the database's last error and return -1. */
static int
store_fail(struct store *st, const char *what, char **cause)
{
	int	errnum = 0;

	/*
	 * SQLite reports an I/O error as "disk I/O error" and keeps its cause,
	 * such as ENOSPC on a full disk, in the errno of the system call.
	 */
	switch (sqlite3_errcode(st->db) & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		errnum = sqlite3_system_errno(st->db);
		break;
	}
	if (errnum != 0)
		xasprintf(cause, "state database %s: %s: %s: %s", st->path,
		    what, sqlite3_errmsg(st->db), strerror(errnum));
	else
		xasprintf(cause, "state database %s: %s: %s", st->path, what,
		    sqlite3_errmsg(st->db));
	return -1;
}

/* Run one constant statement that returns no rows. */
static int
store_exec(struct store *st, const char *sql, char **cause)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, sql, cause);
	return 0;
}

/* Run a constant statement that returns one integer. */
static int
store_pragma_int(struct store *st, const char *sql, int64_t *value,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_fail(st, sql, cause);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		store_fail(st, sql, cause);
		sqlite3_finalize(stmt);
		return -1;
	}
	*value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

static int
store_begin(struct store *st, char **cause)
{
	return store_exec(st, "BEGIN IMMEDIATE", cause);
}

static int
store_commit(struct store *st, char **cause)
{
	if (store_exec(st, "COMMIT", cause) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

static void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Create the schema in a new database, or check an existing one's version. */
static int
store_migrate(struct store *st, char **cause)
{
	int64_t	version, app, tables;
	size_t	i;

	if (store_begin(st, cause) == -1)
		return -1;
	if (store_pragma_int(st, "PRAGMA user_version", &version,
	    cause) == -1 ||
	    store_pragma_int(st, "PRAGMA application_id", &app, cause) == -1 ||
	    store_pragma_int(st, "SELECT count(*) FROM sqlite_master",
	    &tables, cause) == -1)
		goto fail;

	if (app != 0 && app != STORE_APPLICATION_ID) {
		xasprintf(cause, "state database %s belongs to another "
		    "program (application_id %lld)", st->path, (long long)app);
		goto fail;
	}
	if (version > STORE_SCHEMA_VERSION) {
		xasprintf(cause, "state database %s has schema version %lld, "
		    "newer than this program's %d; use a newer smtptriage",
		    st->path, (long long)version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0) {
		if (tables != 0) {
			xasprintf(cause, "state database %s holds tables of "
			    "another program", st->path);
			goto fail;
		}
		for (i = 0; i < sizeof store_schema_v1 /
		    sizeof store_schema_v1[0]; i++) {
			if (store_exec(st, store_schema_v1[i], cause) == -1)
				goto fail;
		}
	}
	return store_commit(st, cause);

fail:
	store_rollback(st);
	return -1;
}

/*
 * Switch to WAL mode, which lets readers go on while another program
 * writes.  SQLite keeps the old mode where WAL cannot work (some network
 * file systems), so read the mode back.
 */
static int
store_wal(struct store *st, char **cause)
{
	struct timespec	 pause = { 0, STORE_WAL_RETRY_MS * 1000000L };
	sqlite3_stmt	*stmt;
	const char	*mode;
	int		 rc = -1, step, tries = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt,
	    NULL) != SQLITE_OK)
		return store_fail(st, "PRAGMA journal_mode = WAL", cause);
	/*
	 * Leaving rollback mode needs an exclusive lock.  When two programs
	 * open a new database at once, SQLite can return SQLITE_BUSY here
	 * without calling the busy handler (tests/check_store.c shows it), so
	 * retry for as long as the busy timeout would have waited.
	 */
	while ((step = sqlite3_step(stmt)) != SQLITE_ROW &&
	    ((step & 0xff) == SQLITE_BUSY || (step & 0xff) == SQLITE_LOCKED) &&
	    ++tries < STORE_BUSY_MS / STORE_WAL_RETRY_MS) {
		sqlite3_reset(stmt);
		nanosleep(&pause, NULL);
	}
	if (step != SQLITE_ROW) {
		store_fail(st, "PRAGMA journal_mode = WAL", cause);
		sqlite3_finalize(stmt);
		return -1;
	}
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (mode != NULL && strcmp(mode, "wal") == 0)
		rc = 0;
	else
		xasprintf(cause, "state database %s: cannot use WAL mode "
		    "(journal mode is %s); put it on a local file system",
		    st->path, mode != NULL ? mode : "unknown");
	sqlite3_finalize(stmt);
	return rc;
}

struct store *
store_open(const char *path, char **cause)
{
	struct store	*st;
	int		 fd, i;

	if (config_make_parent(path, cause) == -1)
		return NULL;
	/*
	 * Create the file first so that it gets mode 0600.  SQLite gives its
	 * -wal and -shm files the mode of the database file.
	 */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd == -1) {
		xasprintf(cause, "cannot open state database %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	close(fd);

	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		if (st->db == NULL)
			xasprintf(cause, "state database %s: out of memory",
			    path);
		else
			store_fail(st, "open", cause);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);

	if (store_wal(st, cause) == -1)
		goto fail;
	if (store_migrate(st, cause) == -1)
		goto fail;
	for (i = 0; i < STMT_COUNT; i++) {
		if (sqlite3_prepare_v2(st->db, store_sql[i], -1, &st->stmt[i],
		    NULL) != SQLITE_OK) {
			store_fail(st, store_sql[i], cause);
			goto fail;
		}
	}
	/* A start settles what killed writers left between outbox and rows. */
	if (outbox_intent_settle(st, NULL, cause) == -1)
		goto fail;
	return st;

fail:
	store_close(st);
	return NULL;
}

struct sqlite3 *
store_sqlite(struct store *st)
{
	return st->db;
}

void
store_close(struct store *st)
{
	int	i;

	if (st == NULL)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* Check ip and write its inet_ntop form into out (INET6_ADDRSTRLEN). */
static int
store_ip(const char *ip, char *out, char **cause)
{
	unsigned char	bytes[16];
	int		family;

	if (inet_pton(AF_INET, ip, bytes) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, bytes) == 1)
		family = AF_INET6;
	else {
		xasprintf(cause, "invalid IP address \"%.64s\"", ip);
		return -1;
	}
	inet_ntop(family, bytes, out, INET6_ADDRSTRLEN);
	return 0;
}

/*
 * Run stmt, which changes rows, in the open transaction, then reset it and
 * clear its bindings.  When it fails, roll the transaction back.  Returns
 * 0, or -1 with *cause set.
 */
static int
store_step_or_rollback(struct store *st, sqlite3_stmt *stmt, char **cause)
{
	int	rc;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* Run a statement that changes the database, in its own transaction. */
static int
store_change(struct store *st, sqlite3_stmt *stmt, char **cause)
{
	if (store_begin(st, cause) == -1) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return -1;
	}
	if (store_step_or_rollback(st, stmt, cause) == -1)
		return -1;
	return store_commit(st, cause);
}

int
store_set_mark(struct store *st, const char *ip, int marked, char **cause)
{
	sqlite3_stmt	*stmt;
	char		 text[INET6_ADDRSTRLEN];

	if (store_ip(ip, text, cause) == -1)
		return -1;
	if (marked) {
		stmt = st->stmt[STMT_MARK_SET];
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
	} else {
		stmt = st->stmt[STMT_MARK_CLEAR];
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	}
	return store_change(st, stmt, cause);
}

int
store_is_marked(struct store *st, const char *ip, char **cause)
{
	sqlite3_stmt	*stmt = st->stmt[STMT_MARK_GET];
	char		 text[INET6_ADDRSTRLEN];
	int		 rc;

	if (store_ip(ip, text, cause) == -1)
		return -1;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Check an optional text field of a report. */
static int
store_check_text(const char *what, const char *value, char **cause)
{
	if (value != NULL && strlen(value) > STORE_TEXT_MAX) {
		xasprintf(cause, "report %s is longer than %d bytes", what,
		    STORE_TEXT_MAX);
		return -1;
	}
	return 0;
}

/*
 * Check that r has a Message-ID and a method, "outbox" or "sendmail".
 * Returns 0, or -1 with *cause set.
 */
static int
store_check_report(const struct store_report *r, char **cause)
{
	if (r->message_id == NULL || r->method == NULL) {
		xasprintf(cause, "report without %s",
		    r->method == NULL ? "method" : "Message-ID");
		return -1;
	}
	if (strcmp(r->method, "outbox") != 0 &&
	    strcmp(r->method, "sendmail") != 0) {
		xasprintf(cause, "invalid report method \"%.32s\": expected "
		    "outbox or sendmail", r->method);
		return -1;
	}
	return 0;
}

int
store_add_report(struct store *st, const struct store_report *r,
    char **cause)
{
	sqlite3_stmt	*stmt = st->stmt[STMT_REPORT_ADD];
	char		 text[INET6_ADDRSTRLEN];

	if (store_ip(r->ip, text, cause) == -1)
		return -1;
	if (store_check_report(r, cause) == -1)
		return -1;
	if (store_check_text("recipient", r->recipient, cause) == -1 ||
	    store_check_text("Message-ID", r->message_id, cause) == -1 ||
	    store_check_text("path", r->path, cause) == -1)
		return -1;

	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	if (r->recipient != NULL)
		sqlite3_bind_text(stmt, 2, r->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, r->method, -1, SQLITE_STATIC);
	if (r->path != NULL)
		sqlite3_bind_text(stmt, 5, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, r->exit_status);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)r->time);
	return store_change(st, stmt, cause);
}

int64_t
store_last_report(struct store *st, const char *ip, char **cause)
{
	sqlite3_stmt	*stmt = st->stmt[STMT_REPORT_LAST];
	char		 text[INET6_ADDRSTRLEN];
	int64_t		 t = 0;
	int		 rc;

	if (store_ip(ip, text, cause) == -1)
		return -1;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		t = sqlite3_column_int64(stmt, 0);	/* NULL reads as 0 */
	else
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_ROW ? t : -1;
}

int
store_each_mark(struct store *st, void (*fn)(const char *, void *),
    void *arg, char **cause)
{
	sqlite3_stmt	*stmt = st->stmt[STMT_MARK_EACH];
	int		 rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(stmt, 0), arg);
	if (rc != SQLITE_DONE)
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_each_report(struct store *st, void (*fn)(const char *, int64_t, void *),
    void *arg, char **cause)
{
	sqlite3_stmt	*stmt = st->stmt[STMT_REPORT_EACH];
	int		 rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(stmt, 0),
		    sqlite3_column_int64(stmt, 1), arg);
	if (rc != SQLITE_DONE)
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Report history queries for abuse reports.  They are prepared per call:
 * each runs once per report or once per console start, so caching them
 * would save nothing worth the shared statement table.
 */

/* Prepare sql, or set *cause and return NULL. */
static sqlite3_stmt *
store_prepare(struct store *st, const char *sql, char **cause)
{
	sqlite3_stmt	*stmt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		store_fail(st, sql, cause);
		return NULL;
	}
	return stmt;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_add_report_ips(struct store *st, const struct store_report *r,
    const char *const *ips, size_t nips, char **cause)
{
	return store_add_report_rcpts(st, r, ips, nips, &r->recipient, 1,
	    cause);
}

int
store_add_report_rcpts(struct store *st, const struct store_report *r,
    const char *const *ips, size_t nips, const char *const *rcpts,
    size_t nrcpts, char **cause)
{
	sqlite3_stmt	*stmt = st->stmt[STMT_REPORT_ADD];
	char		 text[INET6_ADDRSTRLEN];
	size_t		 i, k;

	if (store_check_report(r, cause) == -1)
		return -1;
	for (k = 0; k < nrcpts; k++) {
		if (store_check_text("recipient", rcpts[k], cause) == -1)
			return -1;
	}
	if (store_check_text("Message-ID", r->message_id, cause) == -1 ||
	    store_check_text("path", r->path, cause) == -1)
		return -1;
	for (i = 0; i < nips; i++) {
		if (store_ip(ips[i], text, cause) == -1)
			return -1;
	}

	if (store_begin(st, cause) == -1)
		return -1;
	for (i = 0; i < nips * nrcpts; i++) {
		store_ip(ips[i / nrcpts], text, cause);
		k = i % nrcpts;
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
		if (rcpts[k] != NULL)
			sqlite3_bind_text(stmt, 2, rcpts[k], -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, r->message_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, r->method, -1, SQLITE_STATIC);
		if (r->path != NULL)
			sqlite3_bind_text(stmt, 5, r->path, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 6, r->exit_status);
		sqlite3_bind_int64(stmt, 7, (sqlite3_int64)r->time);
		if (store_step_or_rollback(st, stmt, cause) == -1)
			return -1;
	}
	return store_commit(st, cause);
}

/* Run stmt, which returns one integer (NULL reads as 0). */
static int64_t
store_one_int(struct store *st, sqlite3_stmt *stmt, char **cause)
{
	int64_t	v = -1;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	else
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_finalize(stmt);
	return v;
}

/*
 * Run the query sql, which returns one integer, with the inet_ntop form
 * of ip as ?1 and recipient as ?2.  Returns that integer, or -1 with
 * *cause set.
 */
static int64_t
store_ip_recipient_int(struct store *st, const char *sql, const char *ip,
    const char *recipient, char **cause)
{
	sqlite3_stmt	*stmt;
	char		 text[INET6_ADDRSTRLEN];

	if (store_ip(ip, text, cause) == -1)
		return -1;
	if ((stmt = store_prepare(st, sql, cause)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, recipient, -1, SQLITE_TRANSIENT);
	return store_one_int(st, stmt, cause);
}

int64_t
store_last_report_to(struct store *st, const char *ip, const char *recipient,
    char **cause)
{
	return store_ip_recipient_int(st, "SELECT max(time) FROM reports "
	    "WHERE ip = ?1 AND lower(recipient) = lower(?2) AND "
	    "exit_status = 0", ip, recipient, cause);
}

int64_t
store_count_sent(struct store *st, const char *recipient, int64_t since,
    char **cause)
{
	sqlite3_stmt	*stmt;

	if ((stmt = store_prepare(st, "SELECT count(DISTINCT message_id) "
	    "FROM reports WHERE lower(recipient) = lower(?1) AND "
	    "method = 'sendmail' AND exit_status = 0 AND time >= ?2",
	    cause)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, recipient, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)since);
	return store_one_int(st, stmt, cause);
}

/* Call fn for each row of stmt (columns as in store_report), then free it. */
static int
store_each_row(struct store *st, sqlite3_stmt *stmt,
    void (*fn)(const struct store_report *, void *), void *arg, char **cause)
{
	struct store_report	r;
	int			rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		r.ip = (const char *)sqlite3_column_text(stmt, 0);
		r.recipient = (const char *)sqlite3_column_text(stmt, 1);
		r.message_id = (const char *)sqlite3_column_text(stmt, 2);
		r.method = (const char *)sqlite3_column_text(stmt, 3);
		r.path = (const char *)sqlite3_column_text(stmt, 4);
		r.exit_status = sqlite3_column_int(stmt, 5);
		r.time = sqlite3_column_int64(stmt, 6);
		fn(&r, arg);
	}
	if (rc != SQLITE_DONE)
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_each_failed(struct store *st,
    void (*fn)(const struct store_report *, void *), void *arg, char **cause)
{
	sqlite3_stmt	*stmt;

	/* SQLite takes the bare columns from the row that has max(time). */
	if ((stmt = store_prepare(st, "SELECT ip, recipient, message_id, "
	    "method, path, exit_status, max(time) FROM reports AS r "
	    "WHERE exit_status != 0 AND path IS NOT NULL AND NOT EXISTS "
	    "(SELECT 1 FROM reports "
	    "AS s WHERE s.message_id = r.message_id AND s.exit_status = 0) "
	    "GROUP BY message_id, ip ORDER BY 7, message_id, ip", cause)) ==
	    NULL)
		return -1;
	return store_each_row(st, stmt, fn, arg, cause);
}

int
store_each_report_row(struct store *st, const char *ip,
    void (*fn)(const struct store_report *, void *), void *arg, char **cause)
{
	sqlite3_stmt	*stmt;
	char		 text[INET6_ADDRSTRLEN];

	if (ip != NULL && store_ip(ip, text, cause) == -1)
		return -1;
	if ((stmt = store_prepare(st, "SELECT ip, recipient, message_id, "
	    "method, path, exit_status, time FROM reports "
	    "WHERE ?1 IS NULL OR ip = ?1 ORDER BY time, id", cause)) == NULL)
		return -1;
	if (ip != NULL)
		sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	return store_each_row(st, stmt, fn, arg, cause);
}

int
store_failed_waiting(struct store *st, const char *ip, const char *recipient,
    char **cause)
{
	return (int)store_ip_recipient_int(st, "SELECT EXISTS (SELECT 1 "
	    "FROM reports AS r WHERE ip = ?1 AND "
	    "lower(recipient) = lower(?2) AND exit_status != 0 AND "
	    "path IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reports AS s "
	    "WHERE s.message_id = r.message_id AND s.exit_status = 0))", ip,
	    recipient, cause);
}

int
store_drop_failed(struct store *st, const char *message_id, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((stmt = store_prepare(st, "UPDATE reports SET path = NULL WHERE "
	    "message_id = ?1 AND exit_status != 0", cause)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, message_id, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		store_fail(st, sqlite3_sql(stmt), cause);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_ip_normalize(const char *ip, char *out, char **cause)
{
	return store_ip(ip, out, cause);
}
