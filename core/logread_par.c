/*
 * Reading the inputs in parts on several threads.  Each regular file is
 * split at line boundaries into parts of at least LOGREAD_PART_MIN bytes.
 * A worker thread reads each part into an agg of its own, and the calling
 * thread merges the parts in input order with agg_merge.  The result is
 * the one that logread_run gets on one thread, because:
 *
 * - Only Exim and Postfix files and files read with rules alone are
 *   split, whose lines are independent but for the year of RFC 3164
 *   times and Exim's split syslog records.
 *   A part's year inference starts afresh and is checked against the
 *   state the part before ended in (syslog_year_continues).  A file with
 *   split records is not split.  Other formats, and a file whose first
 *   line leaves the format undecided, are read as one part.
 * - Several files are merged in time order by logread_run.  That order is
 *   the order of the files only when each file's events are no older than
 *   those of the files before it, so the parts check that, and that every
 *   event has a time.
 *
 * When a check fails, every part is thrown away and logread_run reads the
 * inputs again on one thread.  Standard input, gzip files, rules beside
 * a detected format and follow mode are always read on one thread.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logread_internal.h"
#include "logread_par.h"
#include "syslog.h"
#include "xmalloc.h"

/* Bytes read at a time while looking for a line boundary. */
#define LOGREAD_SCAN_SIZE	(64 * 1024)
/*
 * Parts that shrink near the end stay at least max_size divided by this,
 * because each merge costs about the clients of a part, whatever its size.
 */
#define LOGREAD_SHARE_FLOOR	16

int
logread_threads_default(void)
{
	const char	*s;
	char		*end;
	long		 n;

	if ((s = getenv("SMTPTRIAGE_THREADS")) != NULL && *s != '\0') {
		n = strtol(s, &end, 10);
		if (*end == '\0' && n >= 1 && n <= LOGREAD_THREADS_MAX)
			return (int)n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > LOGREAD_THREADS_MAX ? LOGREAD_THREADS_MAX : (int)n;
}

/* Record the time and the bad-line count of the part's next event. */
static void
logread_note_event(struct logread_part *part, const struct event *ev)
{
	if (!part->has_event) {
		part->has_event = 1;
		part->bad_first = part->st.bad;
	}
	if (!ev->has_time)
		part->untimed = 1;
	else if (!part->has_time) {
		part->has_time = 1;
		part->first = part->last = ev->time;
	} else if (ts_cmp(&ev->time, &part->first) < 0)
		part->first = ev->time;
	else if (ts_cmp(&ev->time, &part->last) > 0)
		part->last = ev->time;
}

/* The threads to use: lr->opt.threads, at most LOGREAD_THREADS_MAX. */
static size_t
logread_thread_count(const struct logread *lr)
{
	if (lr->opt.threads > LOGREAD_THREADS_MAX)
		return LOGREAD_THREADS_MAX;
	return (size_t)lr->opt.threads;
}

/* Events read between two stores of a part's progress, less one. */
#define LOGREAD_PROGRESS_EVENTS	1023

/* Publish how far part has been read, for logread_bg_progress. */
static void
logread_part_progress(struct logread_part *part, uint64_t bytes,
    uint64_t lines)
{
	__atomic_store_n(&part->read_bytes, bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&part->read_lines, lines, __ATOMIC_RELAXED);
}

/* Read one part of an input into part->agg. */
static void
logread_part_read(const struct logread *lr, struct logread_part *part)
{
	struct logread		 plr;
	struct logread_input	 pin;
	struct parser_options	 popt;
	struct logread_ring	 ring;
	struct stat		 sb;
	char			*cause;
	unsigned		 events = 0;

	memset(&plr, 0, sizeof plr);
	plr.opt = lr->opt;
	plr.agg = part->agg = agg_create();
	agg_set_max_clients(part->agg, agg_max_clients(lr->agg));
	plr.st = &part->st;
	plr.budget = UINT64_MAX;
	plr.legacy = 1;

	memset(&pin, 0, sizeof pin);
	pin.lr = &plr;
	pin.path = part->in->path;
	pin.file = part->in->file;
	/* As a live input, logread_advance leaves the parser open at the end. */
	pin.follow = 1;
	pin.closing = 1;
	pin.kind_known = 1;
	pin.raw_offset = pin.offset = part->from;
	pin.raw_limit = part->to;
	if ((pin.fd = open(pin.path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(pin.fd, &sb) == -1 || sb.st_dev != part->in->dev ||
	    sb.st_ino != part->in->ino ||
	    lseek(pin.fd, (off_t)part->from, SEEK_SET) == -1) {
		part->failed = 1;
		logread_input_close(&pin);
		return;
	}
	memset(&popt, 0, sizeof popt);
	popt.format = part->format;
	popt.reasons = lr->opt.reasons;
	popt.rules = lr->opt.rules;
	popt.reference = part->reference;
	if ((pin.parser = parser_create(&popt, &cause)) == NULL) {
		free(cause);
		part->failed = 1;
		logread_input_close(&pin);
		return;
	}

	logread_ring_init(&ring);
	while (logread_advance(&pin) == 1) {
		logread_note_event(part, &pin.head);
		logread_ring_push(&ring, plr.agg, &pin);
		if ((++events & LOGREAD_PROGRESS_EVENTS) == 0)
			logread_part_progress(part, pin.offset - part->from,
			    pin.lineno);
	}
	logread_ring_flush(&ring, plr.agg, pin.file);
	logread_ring_free(&ring);
	if (!part->has_event)
		part->bad_first = part->st.bad;
	part->lines = pin.lineno;
	logread_part_progress(part, part->st.bytes, part->lines);
	part->year = *parser_year(pin.parser);
	part->split_parts = parser_split_parts(pin.parser);
	if (plr.nmessages > 0 || pin.failure != NULL)
		part->failed = 1;
	parser_free(pin.parser);
	logread_input_close(&pin);
	free(pin.failure);
	logread_messages_free(plr.messages, plr.nmessages);
}

static void *
logread_worker(void *arg)
{
	struct logread_pool	*pool = arg;
	struct logread_part	*part;
	const struct logread	*lr;
	struct agg		*dead;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		/* Stay at most ahead parts ahead of the merge, for memory. */
		while (!pool->stop && pool->ndead == 0 &&
		    (pool->next >= pool->nparts ? pool->linger :
		    pool->next >= pool->merged + pool->ahead))
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (pool->ndead > 0) {
			dead = pool->dead[--pool->ndead];
			pthread_mutex_unlock(&pool->lock);
			agg_free(dead);
			pthread_mutex_lock(&pool->lock);
			continue;
		}
		if (pool->stop || pool->next >= pool->nparts)
			break;
		part = &pool->parts[pool->next++];
		pthread_mutex_unlock(&pool->lock);

		lr = part->in->lr;
		logread_part_read(lr, part);

		pthread_mutex_lock(&pool->lock);
		part->done = 1;
		pthread_cond_broadcast(&pool->cond);
		/* A full pipe already wakes the reader. */
		if (pool->notify != -1 && write(pool->notify, "", 1) == -1)
			continue;
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/*
 * Find the first line boundary at or after offset: the offset after the
 * next newline.  Returns 0 when there is none before the end.
 */
static uint64_t
logread_boundary(int fd, uint64_t offset)
{
	char		 buf[LOGREAD_SCAN_SIZE];
	const char	*nl;
	ssize_t		 n;

	for (;;) {
		n = pread(fd, buf, sizeof buf, (off_t)offset);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if ((nl = memchr(buf, '\n', (size_t)n)) != NULL)
			return offset + (uint64_t)(nl - buf) + 1;
		offset += (uint64_t)n;
	}
}

/*
 * The format that in's parser reads the lines after the first one in:
 * the one forced, or the one the first line decides.  LOG_FORMAT_AUTO
 * when the first line does not decide it.
 */
static enum log_format
logread_first_format(const struct logread *lr, int fd, time_t reference)
{
	struct parser_options	 popt;
	struct parser		*probe;
	struct event		 ev;
	enum log_format		 f;
	char			*buf, *cause = NULL, *nl;
	ssize_t			 n;
	size_t			 len;

	if (lr->opt.format != LOG_FORMAT_AUTO)
		return lr->opt.format;
	buf = xmalloc(LOGREAD_LINE_MAX + 1);
	n = pread(fd, buf, LOGREAD_LINE_MAX + 1, 0);
	if (n <= 0 || (nl = memchr(buf, '\n', (size_t)n)) == NULL) {
		free(buf);
		return LOG_FORMAT_AUTO;
	}
	len = (size_t)(nl - buf);
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	f = LOG_FORMAT_AUTO;
	memset(&popt, 0, sizeof popt);
	popt.format = LOG_FORMAT_AUTO;
	popt.reasons = lr->opt.reasons;
	popt.reference = reference;
	if (logread_check_line(buf, len) == NULL &&
	    (probe = parser_create(&popt, &cause)) != NULL) {
		parser_line(probe, buf, len, &ev);
		f = parser_format(probe);
		parser_free(probe);
	}
	free(cause);
	free(buf);
	return f;
}

/*
 * Cut a file of size bytes at line boundaries into cut[], at most max
 * parts: n parts of the same size when first_size is 0, else parts that
 * start at first_size bytes and double up to max_size.  Near the end,
 * those parts shrink to a share of the rest for each of the threads, so
 * that no thread reads a large last part alone.  Returns the number of
 * parts.
 */
static size_t
logread_cut(int fd, uint64_t size, size_t n, uint64_t first_size,
    uint64_t max_size, size_t threads, uint64_t *cut, size_t max)
{
	uint64_t	at, want, step = first_size, share;
	size_t		k = 0, j;

	cut[k++] = 0;
	for (j = 1; j < max; j++) {
		if (first_size == 0) {
			if (j >= n)
				break;
			want = size / n * j;
		} else {
			share = (size - cut[k - 1]) / (2 * threads);
			if (share < max_size / LOGREAD_SHARE_FLOOR)
				share = max_size / LOGREAD_SHARE_FLOOR;
			if (share < first_size)
				share = first_size;
			want = cut[k - 1] + (step < share ? step : share);
			if (want >= size)
				break;
			if (step < max_size)
				step = step * 2 < max_size ? step * 2 : max_size;
		}
		at = logread_boundary(fd, want);
		if (at == 0 || at <= cut[k - 1] || at >= size)
			break;
		cut[k++] = at;
	}
	return k;
}

/*
 * Add the parts of in to the array (see logread_pool_plan for the
 * sizes).  Returns 0, or -1 when in cannot be read in parts (not a
 * regular plain file, or already read from).
 */
static int
logread_plan_input(const struct logread *lr, struct logread_input *in,
    struct logread_part **parts, size_t *nparts, uint64_t first_size,
    uint64_t max_size)
{
	struct logread_part	*p;
	struct stat		 sb;
	unsigned char		 magic[2];
	enum log_format		 f;
	uint64_t		 size, *cut;
	size_t			 n, k, j, max;

	if (in->is_stdin || in->fd == -1 || in->kind_known || in->done ||
	    in->offset != 0 || fstat(in->fd, &sb) == -1 ||
	    !S_ISREG(sb.st_mode))
		return -1;
	size = (uint64_t)sb.st_size;
	if (pread(in->fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b)
		return -1;

	f = logread_first_format(lr, in->fd, sb.st_mtime);
	n = 1;
	if (f == LOG_FORMAT_EXIM || f == LOG_FORMAT_POSTFIX ||
	    f == LOG_FORMAT_RULES) {
		n = (size_t)(size / LOGREAD_PART_MIN);
		if (first_size == 0 && n > logread_thread_count(lr))
			n = logread_thread_count(lr);
	}
	if (first_size != 0 && first_size < LOGREAD_PART_MIN)
		first_size = LOGREAD_PART_MIN;
	if (max_size < first_size)
		max_size = first_size;
	max = n > 0 ? n : 1;
	cut = xreallocarray(NULL, max, sizeof *cut);
	k = logread_cut(in->fd, size, n, first_size, max_size,
	    logread_thread_count(lr), cut, max);
	*parts = xreallocarray(*parts, *nparts + k, sizeof **parts);
	for (j = 0; j < k; j++) {
		p = &(*parts)[(*nparts)++];
		memset(p, 0, sizeof *p);
		p->in = in;
		p->nth = j;
		p->from = cut[j];
		p->to = j + 1 < k ? cut[j + 1] : 0;
		/* The first part decides the format as logread_run would. */
		p->format = j == 0 ? lr->opt.format : f;
		p->reference = sb.st_mtime;
	}
	free(cut);
	return 0;
}

int
logread_part_fits(struct logread_order *o, const struct logread_part *part,
    size_t nparts)
{
	size_t	splits = part->nth > 0 || part->to != 0;

	if (part->in != o->in) {
		if (o->in_has_time && (!o->has_time ||
		    ts_cmp(&o->in_newest, &o->newest) > 0)) {
			o->newest = o->in_newest;
			o->has_time = 1;
		}
		o->in = part->in;
		o->in_has_time = 0;
		o->lines = 0;
		memset(&o->year, 0, sizeof o->year);
	}
	if (part->failed || (part->untimed && nparts > 1) ||
	    (splits && part->split_parts > 0))
		return -1;
	if (part->nth > 0 && !syslog_year_continues(&o->year, &part->year))
		return -1;
	if (part->year.first_year != 0)
		o->year = part->year;
	if (part->has_time) {
		if (o->has_time && ts_cmp(&o->newest, &part->first) > 0)
			return -1;
		if (!o->in_has_time || ts_cmp(&part->last, &o->in_newest) > 0)
			o->in_newest = part->last;
		o->in_has_time = 1;
	}
	return 0;
}

/* Move one bad line entry of a part into st, if st has room. */
static void
logread_take_bad(struct logread_stats *st, struct logread_bad *b,
    uint64_t lines)
{
	if (st->nbad < LOGREAD_BAD_KEEP) {
		st->badlist[st->nbad] = *b;
		st->badlist[st->nbad++].line += lines;
	} else
		free(b->path);
	b->path = NULL;
}

/*
 * Add the counts and bad lines of the parts to lr->st.  logread_run reads
 * every input up to its first event before the merge starts, so the bad
 * lines before the first event of each input come first, in input order,
 * then the others.
 */
static void
logread_add_stats(struct logread *lr, struct logread_part *parts,
    size_t nparts)
{
	struct logread_stats	*st = lr->st;
	struct logread_part	*p;
	uint64_t		 lines = 0;
	size_t			 i, k, phase;
	int			 seen_event = 0;

	for (phase = 0; phase < 2; phase++) {
		for (i = 0; i < nparts; i++) {
			p = &parts[i];
			if (p->nth == 0) {
				lines = 0;
				seen_event = 0;
			}
			for (k = 0; k < p->st.nbad; k++) {
				if ((k < p->bad_first && !seen_event) ==
				    (phase == 0))
					logread_take_bad(st, &p->st.badlist[k],
					    lines);
			}
			lines += p->lines;
			seen_event |= p->has_event;
		}
	}
	for (i = 0; i < nparts; i++) {
		p = &parts[i];
		st->bytes += p->st.bytes;
		st->lines += p->st.lines;
		st->events += p->st.events;
		st->unknown += p->st.unknown;
		st->bad += p->st.bad;
		st->filtered += p->st.filtered;
		p->in->lineno += p->lines;
		p->in->offset += p->st.bytes;
	}
}

/* Wait for part i, check it and merge it into *acc. */
static int
logread_merge_part(struct logread_pool *pool, size_t i,
    struct logread_order *o, struct agg **acc)
{
	struct logread_part	*part = &pool->parts[i];

	pthread_mutex_lock(&pool->lock);
	while (!part->done)
		pthread_cond_wait(&pool->cond, &pool->lock);
	pthread_mutex_unlock(&pool->lock);

	if (logread_part_fits(o, part, pool->nparts) == -1)
		return -1;
	if (*acc == NULL) {
		if (agg_dropped(part->agg) > 0)
			return -1;
		*acc = part->agg;
		part->agg = NULL;
	} else {
		if (agg_merge(*acc, part->agg, o->lines) == -1)
			return -1;
		agg_free(part->agg);
		part->agg = NULL;
	}
	o->lines += part->lines;

	pthread_mutex_lock(&pool->lock);
	pool->merged = i + 1;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

int
logread_pool_plan(const struct logread *lr, struct logread_pool *pool,
    uint64_t first_size, uint64_t max_size)
{
	size_t	i;

	memset(pool, 0, sizeof *pool);
	pool->notify = -1;
	if (lr->opt.threads <= 1 || lr->opt.follow || lr->legacy ||
	    lr->ninputs == 0 || agg_clients(lr->agg) != 0)
		return -1;
	/*
	 * With rules beside a detected format, the first line that no rule
	 * matches decides the format, so the parts could not know it.
	 */
	if (lr->opt.rules != NULL && lr->opt.format == LOG_FORMAT_AUTO)
		return -1;
	for (i = 0; i < lr->ninputs; i++) {
		if (logread_plan_input(lr, lr->inputs[i], &pool->parts,
		    &pool->nparts, first_size, max_size) == -1) {
			free(pool->parts);
			pool->parts = NULL;
			pool->nparts = 0;
			return -1;
		}
	}
	return 0;
}

size_t
logread_pool_start(const struct logread *lr, struct logread_pool *pool,
    pthread_t *tids, size_t ahead)
{
	size_t	i, nthreads = 0;

	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->ahead = ahead;
	for (i = 0; i < logread_thread_count(lr) && i < pool->nparts; i++) {
		if (pthread_create(&tids[nthreads], NULL, logread_worker,
		    pool) == 0)
			nthreads++;
	}
	return nthreads;
}

void
logread_pool_stop(struct logread_pool *pool, pthread_t *tids,
    size_t nthreads)
{
	size_t	i;

	pthread_mutex_lock(&pool->lock);
	pool->stop = 1;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
}

void
logread_pool_done(struct logread *lr, struct logread_pool *pool)
{
	struct logread_input	*in;
	size_t			 i;

	logread_add_stats(lr, pool->parts, pool->nparts);
	lr->st->parts += pool->nparts;
	for (i = 0; i < lr->ninputs; i++) {
		in = lr->inputs[i];
		logread_input_close(in);
		parser_free(in->parser);
		in->parser = NULL;
		in->mainlog = NULL;
		in->mainlog_known = 0;
		in->postfix_only = 0;
		in->kind_known = 1;
		in->done = 1;
	}
}

void
logread_pool_free(struct logread_pool *pool)
{
	size_t	i, k;

	for (i = 0; i < pool->nparts; i++) {
		agg_free(pool->parts[i].agg);
		for (k = 0; k < pool->parts[i].st.nbad; k++)
			free(pool->parts[i].st.badlist[k].path);
	}
	for (i = 0; i < pool->ndead; i++)
		agg_free(pool->dead[i]);
	free(pool->dead);
	pool->dead = NULL;
	pool->ndead = 0;
	free(pool->parts);
	pool->parts = NULL;
	pool->nparts = 0;
}

int
logread_parallel(struct logread *lr)
{
	struct logread_pool	 pool;
	struct logread_order	 order;
	struct agg		*acc = NULL;
	pthread_t		 tids[LOGREAD_THREADS_MAX];
	size_t			 i, nthreads;
	int			 rc = 0;

	if (logread_pool_plan(lr, &pool, 0, 0) == -1)
		return -1;
	if (pool.nparts < 2) {
		logread_pool_free(&pool);
		return -1;
	}

	nthreads = logread_pool_start(lr, &pool, tids,
	    logread_thread_count(lr) + 1);
	if (nthreads == 0)
		rc = -1;
	memset(&order, 0, sizeof order);
	for (i = 0; rc == 0 && i < pool.nparts; i++)
		rc = logread_merge_part(&pool, i, &order, &acc);
	logread_pool_stop(&pool, tids, nthreads);

	/* The client table is empty, and acc is within its max_clients. */
	if (rc == 0 && agg_merge(lr->agg, acc, 0) == -1)
		rc = -1;
	if (rc == 0)
		logread_pool_done(lr, &pool);
	agg_free(acc);
	logread_pool_free(&pool);
	return rc;
}
