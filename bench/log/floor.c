/*
 * The hooks of floor.h.  In compact mode each thread counts its events
 * in a table of its own, as each part worker of list counts into an agg
 * of its own.  A record keeps the client's address, its event count,
 * its latest time and 64-bit hashes of its latest HELO name, rDNS name
 * and reason.  So counting an event reads and writes one cache line.
 * That is less than any correct count keeps (no name lists, no first
 * time, no evidence lines), so its time bounds what a smaller client
 * record could reach.  The records are never merged or printed.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"

#define FLOOR_LINE		64
/* 2^18 records of 64 bytes: 16 MiB per thread. */
#define FLOOR_BITS		18
#define FLOOR_SLOTS		((size_t)1 << FLOOR_BITS)
/* Clients per thread: three quarters of the slots keep the probes short. */
#define FLOOR_CLIENTS_MAX	(FLOOR_SLOTS / 4 * 3)

enum floor_mode {
	FLOOR_UNKNOWN,
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

static enum floor_mode			 floor_mode = FLOOR_UNKNOWN;
static pthread_once_t			 floor_once = PTHREAD_ONCE_INIT;
static _Thread_local struct floor_rec	*floor_table;
static _Thread_local size_t		 floor_clients;

/* Read SMTPTRIAGE_FLOOR, once for all threads (floor_get_mode). */
static void
floor_read_mode(void)
{
	const char	*v;

	if ((v = getenv("SMTPTRIAGE_FLOOR")) == NULL || *v == '\0')
		floor_mode = FLOOR_OFF;
	else if (strcmp(v, "parse") == 0)
		floor_mode = FLOOR_PARSE;
	else if (strcmp(v, "compact") == 0)
		floor_mode = FLOOR_COMPACT;
	else {
		fprintf(stderr, "smtptriage: SMTPTRIAGE_FLOOR=%s: expected "
		    "parse or compact, or unset it\n", v);
		exit(2);
	}
}

static enum floor_mode
floor_get_mode(void)
{
	(void)pthread_once(&floor_once, floor_read_mode);
	return floor_mode;
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
 * Map the table of this thread, zeroed, on huge pages where the kernel
 * gives them, as agg.c does for its large tables.
 */
static void
floor_table_map(void)
{
	void	*p;
	size_t	 size = FLOOR_SLOTS * sizeof *floor_table;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("smtptriage: floor table");
		exit(1);
	}
	(void)madvise(p, size, MADV_HUGEPAGE);
	floor_table = p;
}

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
	if (++floor_clients > FLOOR_CLIENTS_MAX) {
		fprintf(stderr, "smtptriage: the compact table of one part "
		    "holds at most %zu clients; use a log with fewer\n",
		    FLOOR_CLIENTS_MAX);
		exit(1);
	}
	r->hash = h;
	r->family = (uint32_t)ev->addr.family;
	memcpy(r->bytes, ev->addr.bytes, n);
	return r;
}

int
floor_count(const struct event *ev, uint64_t h)
{
	struct floor_rec	*r;

	switch (floor_get_mode()) {
	case FLOOR_PARSE:
		return 1;
	case FLOOR_COMPACT:
		break;
	default:
		return 0;
	}
	if (floor_table == NULL)
		floor_table_map();
	r = floor_find(ev, h);
	r->events++;
	if (ev->has_time && ev->time.utc > r->last)
		r->last = ev->time.utc;
	if (ev->helo != NULL)
		r->helo = floor_name_hash(ev->helo, ev->helo_len);
	if (ev->rdns != NULL)
		r->rdns = floor_name_hash(ev->rdns, ev->rdns_len);
	if (ev->reason != NULL)
		r->reason = floor_name_hash(ev->reason_arg,
		    ev->reason_arg_len) ^ (uint64_t)(uintptr_t)ev->reason;
	return 1;
}

void
floor_prefetch(uint64_t h)
{
	if (floor_table != NULL)
		__builtin_prefetch(&floor_table[h & (FLOOR_SLOTS - 1)], 1);
}

int
floor_ring(void)
{
	return floor_get_mode() == FLOOR_COMPACT;
}
