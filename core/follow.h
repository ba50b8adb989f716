/*
 * Following growing logs, as tail -F does, for a logread created with
 * follow set.  Each poll reads what was appended to every live file and
 * notices three changes:
 *  - the path names another file (rotation by rename and create): the
 *    rest of the old file is read, then the new one from its start;
 *  - the file shrank (copytruncate): it is read again from offset 0;
 *  - the path vanished: a message, and reading resumes when a file is
 *    there again.
 * Standard input is read as far as a pipe goes.  The caller runs
 * agg_finish when events were added.
 */
#ifndef SMTPTRIAGE_FOLLOW_H
#define SMTPTRIAGE_FOLLOW_H

#include <stdint.h>

#include "logread.h"

/* How often the console polls, in milliseconds. */
#define FOLLOW_INTERVAL_MS	500
/*
 * Lines read per poll.  A burst larger than this is read over several
 * polls, so the console keeps taking keys in between.
 */
#define FOLLOW_LINES_PER_POLL	20000

/*
 * Read what the inputs of lr gained since the last poll, at most about
 * max_lines lines per step.  Returns 1 when more lines wait (poll again
 * soon), 0 when every input is read to its end.  Messages about
 * vanished or unreadable files queue in lr (logread_take_messages).
 */
int	follow_poll(struct logread *lr, uint64_t max_lines);

#endif
