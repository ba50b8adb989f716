/*
 * The hooks of floor.h.  In compact mode each thread counts its events
 * in a table of its own.  With one file and two threads that is one
 * table per part, as the part workers of list count into an agg each.
 * A record keeps the client's address, its event count, its latest time
 * and 64-bit hashes of its latest HELO name, rDNS name and reason.  So
 * counting an event reads and writes one cache line.  The records are
 * never merged or printed.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor.h"
#include "xmalloc.h"

#define FLOOR_LINE		64
/* 2^18 records of 64 bytes: 16 MiB per thread. */
#define FLOOR_BITS		18
#define FLOOR_SLOTS		((size_t)1 << FLOOR_BITS)
#define FLOOR_TABLE_SIZE	(FLOOR_SLOTS * sizeof(struct floor_rec))
/* Clients per thread: three quarters of the slots keep the probes short. */
#define FLOOR_CLIENTS_MAX	(FLOOR_SLOTS / 4 * 3)

enum floor_mode {
	FLOOR_OFF,
	FLOOR_PARSE,
	FLOOR_COMPACT,
};

struct floor_rec {
	uint64_t	hash;
	uint8_t		bytes[16];
	uint32_t	events;		/* 0: the slot is empty */
	uint32_t	family;
	int64_t		last;
	uint64_t	helo;
	uint64_t	rdns;
	uint64_t	reason;
};
_Static_assert(sizeof(struct floor_rec) == FLOOR_LINE, "one cache line");

/* Counters of one thread, for SMTPTRIAGE_FLOOR_STATS. */
struct floor_stats {
	uint64_t	events;
	uint64_t	names;		/* HELO, rDNS and reason texts */
	uint64_t	records;
	uint64_t	prefetches;
};

/*
 * Set before main by floor_init, so before any thread starts, and only
 * read after that.
 */
static enum floor_mode			 floor_mode;
static int				 floor_print_stats;
static pthread_key_t			 floor_key;

static pthread_mutex_t			 floor_lock = PTHREAD_MUTEX_INITIALIZER;
static struct floor_stats		 floor_total;

static _Thread_local struct floor_rec	*floor_table;
static _Thread_local struct floor_stats	 floor_local;
static _Thread_local int		 floor_registered;

/* Add the counts of a thread to the total, at its end or at exit. */
static void
floor_add_stats(const struct floor_stats *st)
{
	pthread_mutex_lock(&floor_lock);
	floor_total.events += st->events;
	floor_total.names += st->names;
	floor_total.records += st->records;
	floor_total.prefetches += st->prefetches;
	pthread_mutex_unlock(&floor_lock);
}

/*
 * Destructor of floor_key, run when a thread other than main ends.  It
 * frees the thread's table, because the console starts new workers for
 * each load.
 */
static void
floor_thread_end(void *arg)
{
	if (floor_print_stats)
		floor_add_stats(arg);
	if (floor_table != NULL)
		xhuge_free(floor_table, FLOOR_TABLE_SIZE);
	floor_table = NULL;
}

/*
 * Print the statistics at exit.
 * NOTE: the totals are exact only when the threads that counted have
 * ended before, as the part workers of list have.
 */
static void
floor_exit(void)
{
	static const char *const	modes[] = { "off", "parse", "compact" };
	struct floor_stats		total;

	if (floor_registered)
		floor_add_stats(&floor_local);
	floor_registered = 0;
	pthread_mutex_lock(&floor_lock);
	total = floor_total;
	pthread_mutex_unlock(&floor_lock);
	fprintf(stderr, "smtptriage: SMTPTRIAGE_FLOOR=%s: %llu events, %llu "
	    "names, %llu records, %llu prefetches\n", modes[floor_mode],
	    (unsigned long long)total.events,
	    (unsigned long long)total.names,
	    (unsigned long long)total.records,
	    (unsigned long long)total.prefetches);
}

/*
 * Read SMTPTRIAGE_FLOOR and SMTPTRIAGE_FLOOR_STATS once, before main and
 * so before any thread.
 */
__attribute__((constructor)) static void
floor_init(void)
{
	const char	*v, *s;

	if ((v = getenv("SMTPTRIAGE_FLOOR")) == NULL || *v == '\0')
		floor_mode = FLOOR_OFF;
	else if (strcmp(v, "parse") == 0)
		floor_mode = FLOOR_PARSE;
	else if (strcmp(v, "compact") == 0)
		floor_mode = FLOOR_COMPACT;
	else {
		fprintf(stderr, "smtptriage: invalid SMTPTRIAGE_FLOOR value "
		    "'%s': expected parse or compact, or leave it unset\n", v);
		exit(1);
	}
	if ((s = getenv("SMTPTRIAGE_FLOOR_STATS")) != NULL && *s != '\0') {
		if (strcmp(s, "1") != 0) {
			fprintf(stderr, "smtptriage: invalid "
			    "SMTPTRIAGE_FLOOR_STATS value '%s': expected 1, "
			    "or leave it unset\n", s);
			exit(1);
		}
		floor_print_stats = floor_mode != FLOOR_OFF;
	}
	if (floor_mode == FLOOR_OFF)
		return;
	if (pthread_key_create(&floor_key, floor_thread_end) != 0 ||
	    (floor_print_stats && atexit(floor_exit) != 0)) {
		fprintf(stderr, "smtptriage: SMTPTRIAGE_FLOOR: failed to "
		    "register the thread and exit handlers\n");
		exit(1);
	}
}

/*
 * Set up the calling thread at its first event: map its table in compact
 * mode, and have floor_thread_end run when the thread ends.
 */
static void
floor_thread_start(void)
{
	floor_registered = 1;
	if (floor_mode == FLOOR_COMPACT)
		floor_table = xhuge_alloc(FLOOR_TABLE_SIZE);
	(void)pthread_setspecific(floor_key, &floor_local);
}

/* Hash a name by 8-byte words, as a real record would to compare it. */
static uint64_t
floor_name_hash(const char *s, size_t n)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ n, w;

	if (s == NULL)
		return 0;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/*
 * Find the record of ev or make one.  A full table ends the program, once
 * for all threads, because the bound would no longer mean anything.
 */
static struct floor_rec *
floor_find(const struct event *ev, uint64_t h)
{
	struct floor_rec	*r;
	size_t			 i, n;

	/* An IPv4 event sets only the first 4 bytes. */
	n = ev->addr.family == AF_INET ? 4 : 16;
	for (i = h & (FLOOR_SLOTS - 1);; i = (i + 1) & (FLOOR_SLOTS - 1)) {
		r = &floor_table[i];
		if (r->events == 0)
			break;
		if (r->hash == h && r->family == (uint32_t)ev->addr.family &&
		    memcmp(r->bytes, ev->addr.bytes, n) == 0)
			return r;
	}
	if (++floor_local.records > FLOOR_CLIENTS_MAX) {
		pthread_mutex_lock(&floor_lock);
		fprintf(stderr, "smtptriage: SMTPTRIAGE_FLOOR=compact: more "
		    "than %zu clients on one thread; use a log with fewer "
		    "clients\n", FLOOR_CLIENTS_MAX);
		_exit(1);
	}
	r->hash = h;
	r->family = (uint32_t)ev->addr.family;
	memcpy(r->bytes, ev->addr.bytes, n);
	return r;
}

int
floor_active(void)
{
	return floor_mode != FLOOR_OFF;
}

int
floor_ring_forced(void)
{
	return floor_mode == FLOOR_COMPACT;
}

/*
 * In parse mode, count ev and its names for the statistics and drop it.
 * In compact mode, also update its record.
 */
void
floor_count(const struct event *ev, uint64_t h)
{
	struct floor_rec	*r;

	if (!floor_registered)
		floor_thread_start();
	floor_local.events++;
	if (floor_mode != FLOOR_COMPACT) {
		floor_local.names += (ev->helo != NULL) + (ev->rdns != NULL) +
		    (ev->reason != NULL);
		return;
	}
	r = floor_find(ev, h);
	r->events++;
	if (ev->has_time && ev->time.utc > r->last)
		r->last = ev->time.utc;
	if (ev->helo != NULL) {
		r->helo = floor_name_hash(ev->helo, ev->helo_len);
		floor_local.names++;
	}
	if (ev->rdns != NULL) {
		r->rdns = floor_name_hash(ev->rdns, ev->rdns_len);
		floor_local.names++;
	}
	if (ev->reason != NULL) {
		r->reason = floor_name_hash(ev->reason_arg,
		    ev->reason_arg_len) ^ (uint64_t)(uintptr_t)ev->reason;
		floor_local.names++;
	}
}

void
floor_prefetch(uint64_t h)
{
	if (!floor_registered)
		floor_thread_start();
	floor_local.prefetches++;
	__builtin_prefetch(&floor_table[h & (FLOOR_SLOTS - 1)], 1);
}
