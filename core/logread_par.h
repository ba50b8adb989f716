/*
 * The parts of a read on several threads, shared by logread_par.c (the
 * plan, the workers, the checks) and logread_bg.c (the console's merge
 * in steps).  Nothing else includes it.
 */
#ifndef SMTPTRIAGE_LOGREAD_PAR_H
#define SMTPTRIAGE_LOGREAD_PAR_H

#include <pthread.h>
#include <stdint.h>

#include "logread_internal.h"
#include "syslog.h"
#include "ts.h"

/* Smallest part: below this, starting a parser costs more than it saves. */
#define LOGREAD_PART_MIN	(256 * 1024)

struct logread_part {
	struct logread_input	*in;
	size_t			 nth;		/* 0: the first part of in */
	uint64_t		 from;
	uint64_t		 to;		/* 0: to the end of the file */
	enum log_format		 format;
	time_t			 reference;

	struct agg		*agg;
	struct logread_stats	 st;		/* bad line numbers from 1 */
	uint64_t		 lines;
	uint64_t		 bad_first;	/* bad lines before an event */
	int			 has_event;
	int			 has_time;
	struct ts		 first;		/* oldest event time */
	struct ts		 last;		/* newest event time */
	int			 untimed;	/* an event had no time */
	struct syslog_year	 year;
	uint64_t		 split_parts;
	int			 failed;
	int			 done;
	/*
	 * Progress of the read for the console's bar: bytes and lines so
	 * far, stored by the reading thread with atomic stores.
	 */
	uint64_t		 read_bytes;
	uint64_t		 read_lines;
};

struct logread_pool {
	struct logread_part	*parts;
	size_t			 nparts;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	size_t			 next;		/* next part to read */
	size_t			 merged;	/* parts merged so far */
	size_t			 ahead;		/* parts read beyond merged */
	int			 stop;
	int			 notify;		/* written to per part read, or -1 */
	/*
	 * For a caller that merges on its own event loop: the workers stay
	 * until stop to free the tables in dead, so that the caller's
	 * thread need not.
	 */
	int			 linger;
	struct agg		**dead;		/* nparts entries */
	size_t			 ndead;
};

/* The state of the checks that the parts read as logread_run would. */
struct logread_order {
	struct logread_input	*in;		/* input of the last part */
	struct syslog_year	 year;		/* its year inference so far */
	uint64_t		 lines;		/* its lines so far */
	int			 has_time;	/* an event in an earlier input */
	struct ts		 newest;	/* the newest of those */
	struct ts		 in_newest;	/* the newest in this input */
	int			 in_has_time;
};

/*
 * Plan the parts of every input into pool->parts.  With first_size 0,
 * each file gets one part per thread.  Otherwise the parts of a file
 * start at first_size bytes and double up to max_size.  Returns 0, or -1
 * when an input cannot be read in parts.
 */
int	logread_pool_plan(const struct logread *, struct logread_pool *,
	    uint64_t first_size, uint64_t max_size);

/*
 * Start the worker threads of a planned pool, at most ahead parts ahead
 * of the merge.  Returns the number started (0 on failure).
 */
size_t	logread_pool_start(const struct logread *, struct logread_pool *,
	    pthread_t *tids, size_t ahead);

/* Stop and join the nthreads workers, and free the pool's locks. */
void	logread_pool_stop(struct logread_pool *, pthread_t *tids,
	    size_t nthreads);

/*
 * Count the parts into lr->st after every part was merged, and mark the
 * inputs read to their end, as logread_run would leave them.
 */
void	logread_pool_done(struct logread *, struct logread_pool *);

/* Free the parts and what they still hold. */
void	logread_pool_free(struct logread_pool *);

/* Check a part against the parts before it.  Returns 0 when it fits. */
int	logread_part_fits(struct logread_order *,
	    const struct logread_part *, size_t nparts);

#endif
