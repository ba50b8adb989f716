/*
 * Reading logs into the aggregation.  Several inputs are read at once,
 * and their events are merged in time order.  Each input is a plain file,
 * a gzip file (recognised by its magic bytes, whatever its name) or
 * standard input ("-").  Each gets its own parser, which detects the
 * format from the first lines unless one is forced.
 *
 * Lines with NUL bytes, invalid UTF-8 or over LOGREAD_LINE_MAX bytes are
 * bad: each is counted and the first LOGREAD_BAD_KEEP are kept with their
 * file and line number; the rest of the file still loads.  Memory stays
 * bounded by the number of inputs and clients: every input is read in
 * chunks of at most LOGREAD_BUF_SIZE bytes (logread_internal.h).
 */
#ifndef SMTPTRIAGE_LOGREAD_H
#define SMTPTRIAGE_LOGREAD_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "exim.h"
#include "parser.h"
#include "timefilter.h"

/*
 * Longest line accepted.  Exim splits nothing in its own files, but its
 * longest normal lines (a "<=" line with many recipients) stay well under
 * this; anything longer is treated as hostile.
 */
#define LOGREAD_LINE_MAX	(64 * 1024)
/* Bad lines kept with their location for the report; the rest are counted. */
#define LOGREAD_BAD_KEEP	100

struct logread_bad {
	char		*path;
	uint64_t	line;
	const char	*why;		/* "NUL byte", "invalid UTF-8", ... */
};

struct logread_stats {
	uint64_t		bytes;
	uint64_t		lines;
	uint64_t		events;		/* lines that named a client */
	uint64_t		unknown;	/* lines not in the log format */
	uint64_t		bad;
	struct logread_bad	badlist[LOGREAD_BAD_KEEP];
	size_t			nbad;
	uint64_t		filtered;	/* events outside the window */
	uint64_t		parts;		/* read on worker threads */
};

/*
 * Read every line of path into agg with one Exim parser, without merging.
 * Returns 0, or -1 with *cause set (allocated) when the file cannot be
 * opened or read; lines read before a read error stay in agg.
 */
int	logread_file(const char *path, struct exim_parser *, struct agg *,
	    struct logread_stats *, char **cause);

/* Why a line is bad, or NULL if it is acceptable. */
const char *logread_check_line(const char *line, size_t len);

/*
 * logread_check_line without SSE2, 8 bytes at a time.  It gives the same
 * result and is exported so that tests can compare both.
 */
const char *logread_check_line_portable(const char *line, size_t len);

void	logread_stats_free(struct logread_stats *);

struct rules;

struct logread_options {
	enum log_format		 format;	/* LOG_FORMAT_AUTO: detect */
	const struct reason_table *reasons;	/* borrowed */
	const struct rules	*rules;		/* borrowed; LOG_FORMAT_RULES */
	const struct timefilter	*window;	/* borrowed; NULL: no limit */
	/*
	 * Keep live files open for follow_poll (follow.h).  Standard input
	 * is then read without blocking.
	 */
	int			 follow;
	/*
	 * Threads that read the inputs in parts when logread_run has no
	 * line limit, at most LOGREAD_THREADS_MAX; 0 or 1 reads them on the
	 * calling thread.  The result is the same either way.
	 */
	int			 threads;
};

/*
 * Threads for logread_options.threads: SMTPTRIAGE_THREADS from the
 * environment (1 to LOGREAD_THREADS_MAX) when set, otherwise the number
 * of online CPUs up to LOGREAD_THREADS_MAX.
 */
#define LOGREAD_THREADS_MAX	16
int	logread_threads_default(void);

/*
 * Reading in parts on worker threads while the caller's event loop merges
 * them (logread_bg.c), for the console.  logread_bg_start plans and
 * starts the read, as logread_run would read the inputs in parts, but
 * with small parts first so that the first merge comes early.  *fd
 * becomes readable when a part is read: the caller polls it, and
 * logread_bg_merge drains it.  Returns NULL when the inputs cannot be
 * read so (see logread_run): the caller then reads them with
 * logread_run.
 */
struct logread;
struct logread_bg;
struct logread_bg *logread_bg_start(struct logread *, int *fd);

/*
 * Merge the parts that are read into the logread's agg, in input order,
 * for about budget_us microseconds.  No part starts to merge once
 * line_limit lines are merged (UINT64_MAX: no limit).  *merged is set
 * when at least one part was merged whole.  Returns 1 while parts are
 * left, 0 when every input is read to its end and counted in the stats
 * (the caller runs agg_finish), or -1 when a check failed.  After -1 the
 * agg is empty and the caller reads every input again with logread_run.
 * The clients merged before, which the caller may still point to, stay
 * allocated until logread_bg_free.
 */
int	logread_bg_merge(struct logread_bg *, uint64_t budget_us,
	    uint64_t line_limit, int *merged);

/* 1 until logread_bg_merge has returned 0 or -1. */
int	logread_bg_active(const struct logread_bg *);

/* 1 when a read part waits for logread_bg_merge. */
int	logread_bg_ready(struct logread_bg *);

/*
 * Bytes and lines of the parts merged so far, and of the part being
 * merged, so that the lines counted never fall below the clients that
 * the merged share of that part added.
 */
void	logread_bg_progress(const struct logread_bg *, uint64_t *bytes,
	    uint64_t *lines);

/* Stop the workers and free everything; NULL is ignored. */
void	logread_bg_free(struct logread_bg *);

/* A message about an input for the user: a read error, a rotation. */
struct logread_message {
	char	*text;
	int	 error;		/* 0: a notice */
};

struct logread;

/*
 * A merged read into agg, counting into st.  Both are borrowed, and the
 * logread must outlive every agg_read_evidence call on agg, because agg
 * reads evidence lines back through it.
 */
struct logread	*logread_create(const struct logread_options *,
		    struct agg *, struct logread_stats *);
void		 logread_free(struct logread *);

/*
 * Open path ("-" for standard input) and add it to the merge.  Returns 0,
 * or -1 with *cause set when it cannot be opened or its parser cannot be
 * created.
 */
int		 logread_add(struct logread *, const char *path, char **cause);

/*
 * Read the inputs and hand their events to agg in time order.  The input
 * whose next event is oldest goes first.  An event without a time sorts
 * as the last timed event of its input, so it keeps its place in its
 * file, and ties go to the input added first.  Returns 1 when it stopped
 * after max_lines lines with more waiting, or 0 when every input is at
 * its end (for now, with follow).  Errors become messages.  The caller
 * runs agg_finish.
 */
int		 logread_run(struct logread *, uint64_t max_lines);

/*
 * Take the queued messages: returns their number and sets *out to an
 * allocated array that the caller frees with logread_messages_free.
 */
size_t		 logread_take_messages(struct logread *,
		    struct logread_message **out);
void		 logread_messages_free(struct logread_message *, size_t);

/*
 * Number of inputs that may still grow: live files kept open for
 * follow_poll, and standard input until its end while following.
 */
size_t		 logread_following(const struct logread *);

/*
 * Sort log file names so that each rotation group comes out oldest
 * first: dated rotations ("maillog-20261130", "mainlog.20261130") by
 * date, then numbered ones ("mainlog.3.gz", "mainlog.2.gz", "mainlog.1")
 * by number, highest first, then the live file.  Groups are ordered by
 * their base name.  ".gz" is ignored for the order.
 */
void		 logread_sort_rotations(char **names, size_t n);

/*
 * 1 when path names a rotated file (see above) rather than a live one.
 * Rotated files are read once and not followed.
 */
int		 logread_is_rotated(const char *path);

/*
 * Find base and its rotations (base.N, base.N.gz, base-DATE, base-DATE.gz,
 * base.DATE) that exist as regular files, sorted as above.  Appends
 * allocated paths to *paths (an allocated array) and returns how many
 * were added.
 */
size_t		 logread_find_rotations(const char *base, char ***paths,
		    size_t *npaths);

/*
 * The files read when none is named: every existing file of the groups
 * /var/log/exim4/mainlog, /var/log/exim/main.log, /var/log/exim/mainlog,
 * /var/log/mail.log and /var/log/maillog, each group sorted as above.
 * Returns the number found; *paths is allocated (NULL when none).
 */
size_t		 logread_default_paths(char ***paths);

/* The base names of logread_default_paths, NULL-terminated. */
extern const char *const logread_default_bases[];

#endif
