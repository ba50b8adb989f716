/* Outbox intents and their settling after a kill; see outbox_intent.h. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "outbox_intent.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Maximum number of intents one start settles.  Each kill leaves at most
 * one, so more means many kills in a row.  The rest wait for the next
 * start, so memory stays bounded.
 */
#define OUTBOX_INTENT_SETTLE_MAX	1000

static const char *const outbox_intent_schema =
	"CREATE TABLE IF NOT EXISTS outbox_intents ("
	"  path TEXT PRIMARY KEY NOT NULL,"
	"  message_id TEXT NOT NULL,"
	"  action TEXT NOT NULL CHECK (action IN ('link', 'remove')),"
	"  time INTEGER NOT NULL"
	")";

/* One intent read by outbox_intent_settle. */
struct outbox_intent {
	char	*path;
	char	*message_id;
	int	 remove;	/* 1 for OUTBOX_INTENT_REMOVE, 0 for link */
};

static int
outbox_intent_fail(sqlite3 *db, const char *what, char **cause)
{
	xasprintf(cause, "state database: outbox intents: %s: %s", what,
	    sqlite3_errmsg(db));
	return -1;
}

static int
outbox_intent_exec(sqlite3 *db, const char *sql, char **cause)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return outbox_intent_fail(db, sql, cause);
	return 0;
}

static void
outbox_intent_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * Run sql with the text parameters ?1 and ?2 (b may be NULL when sql has
 * no ?2).  Returns 1 if it returned a row, 0 if not, or -1 with *cause.
 */
static int
outbox_intent_run(sqlite3 *db, const char *sql, const char *a, const char *b,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return outbox_intent_fail(db, sql, cause);
	sqlite3_bind_text(stmt, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(stmt, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		outbox_intent_fail(db, sql, cause);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_intent_begin(struct store *st, const char *action, const char *path,
    const char *message_id, char **cause)
{
	sqlite3		*db = store_sqlite(st);
	sqlite3_stmt	*stmt;
	const char	*sql = "INSERT OR REPLACE INTO outbox_intents (path, "
	    "message_id, action, time) VALUES (?1, ?2, ?3, ?4)";
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return outbox_intent_fail(db, sql, cause);
	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		outbox_intent_fail(db, sql, cause);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_intent_end(struct store *st, const char *path, char **cause)
{
	if (outbox_intent_run(store_sqlite(st), "DELETE FROM outbox_intents "
	    "WHERE path = ?1", path, NULL, cause) == -1)
		return -1;
	return 0;
}

int
outbox_intent_undo(struct store *st, const char *path,
    const char *message_id, char **cause)
{
	sqlite3	*db = store_sqlite(st);

	if (outbox_intent_exec(db, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	if (outbox_intent_run(db, "DELETE FROM reports WHERE path = ?1 AND "
	    "message_id = ?2", path, message_id, cause) == -1 ||
	    outbox_intent_run(db, "DELETE FROM outbox_intents WHERE "
	    "path = ?1", path, NULL, cause) == -1 ||
	    outbox_intent_exec(db, "COMMIT", cause) == -1) {
		outbox_intent_rollback(db);
		return -1;
	}
	return 0;
}

/* Open dir and flock it with op.  Returns the descriptor, or -1. */
static int
outbox_intent_flock(const char *dir, int op)
{
	int	fd, e;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	while (flock(fd, op) == -1) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
outbox_intent_lock(const char *dir, char **cause)
{
	int	fd;

	if ((fd = outbox_intent_flock(dir, LOCK_SH)) == -1)
		xasprintf(cause, "cannot lock outbox folder %s: %s", dir,
		    strerror(errno));
	return fd;
}

void
outbox_intent_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}

/*
 * Settle one intent of a dead writer in one transaction.  Returns 1 once
 * settled, 0 when it must wait (a writer has the folder locked, or the file's
 * state is unknown), or -1 with *cause.
 */
static int
outbox_intent_settle_one(sqlite3 *db, const struct outbox_intent *in,
    char **cause)
{
	struct stat	 sb;
	const char	*slash;
	char		*dir;
	int		 fd, e, exists, sent = 0, rc = -1;

	slash = strrchr(in->path, '/');
	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == in->path)
		dir = xstrdup("/");
	else
		dir = xstrndup(in->path, (size_t)(slash - in->path));
	fd = outbox_intent_flock(dir, LOCK_EX | LOCK_NB);
	e = errno;
	free(dir);
	/* Without its folder the file cannot exist, and no writer is at work. */
	if (fd == -1 && e != ENOENT)
		return 0;

	if (lstat(in->path, &sb) == 0)
		exists = 1;
	else if (errno == ENOENT || errno == ENOTDIR)
		exists = 0;
	else {
		outbox_intent_unlock(fd);
		return 0;
	}

	if (outbox_intent_exec(db, "BEGIN IMMEDIATE", cause) == -1)
		goto out;
	if (in->remove) {
		/* Sent, or dropped: no row names the file any more. */
		sent = outbox_intent_run(db, "SELECT 1 WHERE EXISTS (SELECT 1 "
		    "FROM reports WHERE message_id = ?1 AND exit_status = 0) "
		    "OR NOT EXISTS (SELECT 1 FROM reports WHERE path = ?2)",
		    in->message_id, in->path, cause);
		if (sent == -1)
			goto fail;
		/* A failed unlink leaves a file that a retry no longer lists. */
		if (sent && exists)
			(void)unlink(in->path);
	} else if (!exists && outbox_intent_run(db, "DELETE FROM reports "
	    "WHERE path = ?1 AND message_id = ?2", in->path, in->message_id,
	    cause) == -1)
		goto fail;
	if (outbox_intent_run(db, "DELETE FROM outbox_intents WHERE "
	    "path = ?1", in->path, NULL, cause) == -1 ||
	    outbox_intent_exec(db, "COMMIT", cause) == -1)
		goto fail;
	rc = 1;
	goto out;

fail:
	outbox_intent_rollback(db);
out:
	outbox_intent_unlock(fd);
	return rc;
}

int
outbox_intent_settle(struct store *st, size_t *settled, char **cause)
{
	sqlite3			*db = store_sqlite(st);
	sqlite3_stmt		*stmt;
	struct outbox_intent	*list = NULL;
	const char		*sql = "SELECT path, message_id, action FROM "
	    "outbox_intents ORDER BY time LIMIT ?1";
	const char		*path, *id, *action;
	size_t			 n = 0, i, done = 0;
	int			 rc = 0, step;

	if (settled != NULL)
		*settled = 0;
	if (outbox_intent_exec(db, outbox_intent_schema, cause) == -1)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return outbox_intent_fail(db, sql, cause);
	sqlite3_bind_int(stmt, 1, OUTBOX_INTENT_SETTLE_MAX);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		path = (const char *)sqlite3_column_text(stmt, 0);
		id = (const char *)sqlite3_column_text(stmt, 1);
		action = (const char *)sqlite3_column_text(stmt, 2);
		if (path == NULL || id == NULL || action == NULL)
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n].path = xstrdup(path);
		list[n].message_id = xstrdup(id);
		list[n].remove = strcmp(action, OUTBOX_INTENT_REMOVE) == 0;
		n++;
	}
	if (step != SQLITE_DONE)
		rc = outbox_intent_fail(db, sql, cause);
	sqlite3_finalize(stmt);

	/* Settle them after the SELECT, which must not see its own deletes. */
	for (i = 0; i < n && rc == 0; i++) {
		switch (outbox_intent_settle_one(db, &list[i], cause)) {
		case 1:
			done++;
			break;
		case -1:
			rc = -1;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		free(list[i].path);
		free(list[i].message_id);
	}
	free(list);
	if (settled != NULL)
		*settled = done;
	return rc;
}
