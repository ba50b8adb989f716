/*
 * The console's read in parts.  Worker threads read parts of the inputs
 * into client tables of their own (logread_par.c).  The caller's event
 * loop merges each part into the logread's agg in input order, in steps
 * of LOGREAD_BG_SLOTS table slots, so that no merge blocks the loop for
 * long.  The checks and the result are those of
 * logread_parallel, but the parts start small and grow, so the first
 * rows come early and the merges stay few.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logread_internal.h"
#include "logread_par.h"
#include "xmalloc.h"

/*
 * Largest first part.  A thread parses about 150 to 250 MB/s, so a part
 * this size is read within about 10 ms.
 */
#define LOGREAD_BG_FIRST	(1024 * 1024)
/*
 * Largest part of the plan, before logread_bg_regroup joins the parts
 * past LOGREAD_BG_KEEP into a few large ones.  The plan's parts shrink
 * near the end of a file, so this is the grain of those large parts.
 */
#define LOGREAD_BG_PART_MAX	(16 * 1024 * 1024)
/* The first part is at most this share of the inputs' bytes. */
#define LOGREAD_BG_FIRST_SHARE	8
/* Parts of the plan smaller than this stay, for the first rows. */
#define LOGREAD_BG_KEEP		(4 * 1024 * 1024)
/*
 * Large parts per thread for the rest of a file.  A merge costs about
 * the clients of one part, whatever its size: with 100,000 clients, most
 * parts of 16 MiB or more contain nearly all of them.  Few large parts
 * make few merges, and the same number per thread lets the threads end
 * together.  One part per thread leaves only the last part's merge after
 * the reading ends.  The progress bar follows the reading of each part,
 * not its merge.
 */
#define LOGREAD_BG_TAIL_PARTS	1
/* Client table slots merged between two reads of the clock. */
#define LOGREAD_BG_SLOTS	128
struct logread_bg {
	struct logread		*lr;
	struct logread_pool	 pool;
	struct logread_order	 order;
	pthread_t		 tids[LOGREAD_THREADS_MAX];
	size_t			 nthreads;
	int			 running;	/* workers not joined yet */
	int			 pipe[2];
	size_t			 next;		/* part to merge next */
	size_t			 slot;		/* its next table slot */
	int			 merging;	/* next passed its checks */
	uint64_t		 bytes;		/* of the parts merged */
	uint64_t		 lines;
	struct agg		*parked;	/* clients moved out on failure */
	int			 state;		/* as logread_bg_merge returns */
};

static uint64_t
logread_bg_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Size of the first part: small enough to show rows early. */
static uint64_t
logread_bg_first_size(const struct logread *lr)
{
	struct stat	sb;
	uint64_t	total = 0, first;
	size_t		i;

	for (i = 0; i < lr->ninputs; i++) {
		if (lr->inputs[i]->fd != -1 &&
		    fstat(lr->inputs[i]->fd, &sb) == 0)
			total += (uint64_t)sb.st_size;
	}
	first = total / LOGREAD_BG_FIRST_SHARE;
	if (first > LOGREAD_BG_FIRST)
		first = LOGREAD_BG_FIRST;
	return first < LOGREAD_PART_MIN ? LOGREAD_PART_MIN : first;
}

/* The end offset of a planned part. */
static uint64_t
logread_bg_part_end(const struct logread_part *part)
{
	struct stat	sb;

	if (part->to != 0)
		return part->to;
	if (fstat(part->in->fd, &sb) == -1)
		return part->from;
	return (uint64_t)sb.st_size;
}

/*
 * Join the planned parts of one input, parts[from] to parts[to - 1], that
 * start at LOGREAD_BG_KEEP bytes or later into LOGREAD_BG_TAIL_PARTS
 * parts per thread, each ending where a planned part ends (at a line
 * boundary).  Writes the parts to out and returns their number.
 *
 * The parts are of about the same size, but the first is an eighth of
 * a part shorter and the last as much longer.  The first part's thread
 * then ends first, and the loop merges that part on the CPU it leaves
 * free while the last part is still read, in place of merging both
 * after the reading.
 */
static size_t
logread_bg_regroup_input(const struct logread_part *parts, size_t from,
    size_t to, size_t threads, struct logread_part *out)
{
	uint64_t	start, total, target;
	size_t		i = from, n = 0, g, groups;

	while (i < to && parts[i].from < LOGREAD_BG_KEEP)
		out[n++] = parts[i++];
	if (i == to)
		return n;
	start = parts[i].from;
	total = logread_bg_part_end(&parts[to - 1]) - start;
	groups = threads * LOGREAD_BG_TAIL_PARTS;
	for (g = 1; g <= groups && i < to; g++) {
		target = start + total / groups * g - total / groups / 8;
		out[n] = parts[i++];
		while (i < to && (g == groups || parts[i].from < target))
			out[n].to = parts[i++].to;
		out[n].nth = n;
		n++;
	}
	return n;
}

/* Regroup the planned parts of every input, in place. */
static void
logread_bg_regroup(struct logread_pool *pool, size_t threads)
{
	struct logread_part	*out;
	size_t			 i, j, n = 0;

	out = xcalloc(pool->nparts, sizeof *out);
	for (i = 0; i < pool->nparts; i = j) {
		for (j = i + 1; j < pool->nparts &&
		    pool->parts[j].in == pool->parts[i].in; j++)
			continue;
		n += logread_bg_regroup_input(pool->parts, i, j, threads,
		    out + n);
	}
	free(pool->parts);
	pool->parts = out;
	pool->nparts = n;
}

/*
 * Let the workers free the dead tables and end, without waiting for
 * them: logread_bg_free joins them.
 */
static void
logread_bg_release(struct logread_bg *bg)
{
	if (!bg->running)
		return;
	pthread_mutex_lock(&bg->pool.lock);
	bg->pool.stop = 1;
	pthread_cond_broadcast(&bg->pool.cond);
	pthread_mutex_unlock(&bg->pool.lock);
}

struct logread_bg *
logread_bg_start(struct logread *lr, int *fd)
{
	struct logread_bg	*bg;
	size_t			 threads;
	int			 i;

	bg = xcalloc(1, sizeof *bg);
	bg->lr = lr;
	bg->pipe[0] = bg->pipe[1] = -1;
	threads = lr->opt.threads > LOGREAD_THREADS_MAX ?
	    LOGREAD_THREADS_MAX : (size_t)lr->opt.threads;
	if (logread_pool_plan(lr, &bg->pool, logread_bg_first_size(lr),
	    LOGREAD_BG_PART_MAX) == -1) {
		logread_bg_free(bg);
		return NULL;
	}
	logread_bg_regroup(&bg->pool, threads);
	if (bg->pool.nparts < 2 || pipe(bg->pipe) == -1) {
		logread_bg_free(bg);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		if (fcntl(bg->pipe[i], F_SETFD, FD_CLOEXEC) == -1 ||
		    fcntl(bg->pipe[i], F_SETFL, O_NONBLOCK) == -1) {
			logread_bg_free(bg);
			return NULL;
		}
	}
	bg->pool.notify = bg->pipe[1];
	bg->pool.linger = 1;
	bg->pool.dead = xcalloc(bg->pool.nparts, sizeof *bg->pool.dead);
	bg->nthreads = logread_pool_start(lr, &bg->pool, bg->tids,
	    threads + 1);
	bg->running = 1;
	if (bg->nthreads == 0) {
		logread_bg_free(bg);
		return NULL;
	}
	bg->state = 1;
	*fd = bg->pipe[0];
	return bg;
}

/*
 * Give up the read in parts: stop the workers and move the clients
 * merged so far out of the caller's agg, into bg->parked, where they
 * stay allocated for the caller's pointers.
 */
static int
logread_bg_fail(struct logread_bg *bg)
{
	logread_bg_release(bg);
	bg->parked = agg_create();
	/*
	 * parked is new and empty, so agg_merge swaps the tables.  It fails
	 * only when its source dropped events or has more clients than
	 * parked's max_clients, which is AGG_CLIENTS_MAX.  Neither can
	 * happen, because the caller's agg got only merges, which drop
	 * nothing and stop at its own max_clients, and agg_set_max_clients
	 * keeps that at or below AGG_CLIENTS_MAX.
	 */
	if (agg_merge(bg->parked, bg->lr->agg, 0) == -1)
		abort();
	bg->state = -1;
	return -1;
}

/* 1 when part i is read. */
static int
logread_bg_part_done(struct logread_bg *bg, size_t i)
{
	int	done;

	pthread_mutex_lock(&bg->pool.lock);
	done = bg->pool.parts[i].done;
	pthread_mutex_unlock(&bg->pool.lock);
	return done;
}

int
logread_bg_active(const struct logread_bg *bg)
{
	return bg->state == 1;
}

int
logread_bg_ready(struct logread_bg *bg)
{
	if (bg->state != 1)
		return 0;
	return bg->merging || logread_bg_part_done(bg, bg->next);
}

/*
 * Count part next as merged, hand its table to the workers to free, and
 * let them read further.
 */
static void
logread_bg_merged(struct logread_bg *bg, struct logread_part *part)
{
	bg->order.lines += part->lines;
	bg->bytes += part->st.bytes;
	bg->lines += part->lines;
	bg->merging = 0;
	bg->next++;
	pthread_mutex_lock(&bg->pool.lock);
	bg->pool.dead[bg->pool.ndead++] = part->agg;
	part->agg = NULL;
	bg->pool.merged = bg->next;
	pthread_cond_broadcast(&bg->pool.cond);
	pthread_mutex_unlock(&bg->pool.lock);
}

int
logread_bg_merge(struct logread_bg *bg, uint64_t budget_us,
    uint64_t line_limit, int *merged)
{
	struct logread_part	*part;
	uint64_t		 start = logread_bg_now_us();
	char			 drain[64];
	int			 rc;

	*merged = 0;
	while (read(bg->pipe[0], drain, sizeof drain) > 0)
		continue;
	if (bg->state != 1)
		return bg->state;
	while (bg->next < bg->pool.nparts) {
		part = &bg->pool.parts[bg->next];
		if (!bg->merging) {
			if (bg->lines >= line_limit ||
			    !logread_bg_part_done(bg, bg->next))
				return 1;
			if (logread_part_fits(&bg->order, part,
			    bg->pool.nparts) == -1)
				return logread_bg_fail(bg);
			bg->merging = 1;
			bg->slot = 0;
		}
		do {
			rc = agg_merge_step(bg->lr->agg, part->agg,
			    bg->order.lines, &bg->slot, LOGREAD_BG_SLOTS);
		} while (rc == 1 && logread_bg_now_us() - start < budget_us);
		if (rc == -1)
			return logread_bg_fail(bg);
		if (rc == 1)
			return 1;
		logread_bg_merged(bg, part);
		*merged = 1;
		if (bg->next < bg->pool.nparts &&
		    logread_bg_now_us() - start >= budget_us)
			return 1;
	}
	logread_bg_release(bg);
	logread_pool_done(bg->lr, &bg->pool);
	bg->state = 0;
	return 0;
}

void
logread_bg_progress(const struct logread_bg *bg, uint64_t *bytes,
    uint64_t *lines)
{
	const struct logread_part	*part;
	size_t				 i;

	/*
	 * The merged parts, and how far the others are read.  A client is
	 * counted only once its part is merged, so its lines are counted
	 * before it.
	 */
	*bytes = bg->bytes;
	*lines = bg->lines;
	for (i = bg->next; i < bg->pool.nparts; i++) {
		part = &bg->pool.parts[i];
		*bytes += __atomic_load_n(&part->read_bytes, __ATOMIC_RELAXED);
		*lines += __atomic_load_n(&part->read_lines, __ATOMIC_RELAXED);
	}
}

void
logread_bg_free(struct logread_bg *bg)
{
	if (bg == NULL)
		return;
	if (bg->running)
		logread_pool_stop(&bg->pool, bg->tids, bg->nthreads);
	if (bg->pipe[0] != -1)
		close(bg->pipe[0]);
	if (bg->pipe[1] != -1)
		close(bg->pipe[1]);
	logread_pool_free(&bg->pool);
	agg_free(bg->parked);
	free(bg);
}
