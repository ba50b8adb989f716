/*
 * Outbox intents: a change of an outbox file and the report history rows
 * that name it, made whole after a kill.
 *
 * A report kept in the outbox is a file plus history rows with its path,
 * and SQLite cannot commit a file.  So the writer first records an intent
 * (the path, the Message-ID and the action), then makes the database
 * change and the file change, and deletes the intent last.  A kill leaves
 * the intent, and the next start settles it (outbox_intent_settle, called
 * by store_open):
 *	link	the file was to be created.  If it exists, the rows stay;
 *		if not, the rows with its path and Message-ID are deleted.
 *	remove	the file was to be removed after a successful send, or
 *		because a retry dropped the report.  It is removed when the
 *		history contains a row with exit status 0 for the Message-ID,
 *		or no row with its path.
 *
 * A writer holds a shared flock on the outbox folder from the intent to
 * its end, and the start settles an intent only while it holds the
 * exclusive flock, so it never settles the intent of a live writer.
 *
 * Table (created with CREATE TABLE IF NOT EXISTS, outside the schema
 * version of store.c):
 *	outbox_intents(path, message_id, action, time)
 */
#ifndef SMTPTRIAGE_OUTBOX_INTENT_H
#define SMTPTRIAGE_OUTBOX_INTENT_H

#include <stddef.h>

struct store;

#define OUTBOX_INTENT_LINK	"link"
#define OUTBOX_INTENT_REMOVE	"remove"

/*
 * Create the table if needed and settle the intents of dead writers.
 * *settled (may be NULL) is set to the number settled.  Returns 0, or -1
 * with *cause.
 */
int	outbox_intent_settle(struct store *, size_t *settled, char **cause);

/*
 * Record the intent action (OUTBOX_INTENT_LINK or OUTBOX_INTENT_REMOVE)
 * on path for the report message_id, in its own transaction.  Returns 0,
 * or -1 with *cause.
 */
int	outbox_intent_begin(struct store *, const char *action,
	    const char *path, const char *message_id, char **cause);

/*
 * Delete the intent on path once its change is done.  Returns 0, or -1
 * with *cause.
 */
int	outbox_intent_end(struct store *, const char *path, char **cause);

/*
 * Undo a link intent whose file could not be written: delete the rows
 * with path and message_id, and the intent, in one transaction.  Returns
 * 0, or -1 with *cause.  The next start settles a failed undo the same
 * way.
 */
int	outbox_intent_undo(struct store *, const char *path,
	    const char *message_id, char **cause);

/*
 * Take the writer's shared flock on the folder dir, waiting while a start
 * settles intents.  Returns the descriptor to pass to outbox_intent_unlock,
 * or -1 with *cause.
 */
int	outbox_intent_lock(const char *dir, char **cause);
void	outbox_intent_unlock(int fd);

#endif
