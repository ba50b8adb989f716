/*
 * Reading log files line by line into the aggregation.  Lines with NUL
 * bytes, invalid UTF-8 or over LOGREAD_LINE_MAX bytes are bad: each is
 * counted and the first LOGREAD_BAD_KEEP are kept with their file and
 * line number; the rest of the file still loads.
 */
#ifndef SMTPTRIAGE_LOGREAD_H
#define SMTPTRIAGE_LOGREAD_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "exim.h"

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
	uint64_t	 line;
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
};

/*
 * Read every line of path into agg.  Returns 0, or -1 with *cause set
 * (allocated) when the file cannot be opened or read; lines read before a
 * read error stay in agg.
 */
int	logread_file(const char *path, struct exim_parser *, struct agg *,
	    struct logread_stats *, char **cause);

/* Why a line is bad, or NULL if it is acceptable. */
const char *logread_check_line(const char *line, size_t len);

void	logread_stats_free(struct logread_stats *);

#endif
