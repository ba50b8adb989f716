/* Aggregation of events into one entry per client IP. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "logread.h"
#include "reason.h"
#include "span.h"
#include "xmalloc.h"

#ifdef SMTPTRIAGE_FLOOR
#include "floor.h"	/* bench/log: build/floor/smtptriage only */
#endif

/* Maximum length of a reason key: a name, ":" and a cut warning text. */
#define AGG_KEY_MAX	(64 + 1 + REASON_ARG_MAX)
/*
 * Minimum number of clients for which agg_finish and agg_merge use a
 * second thread, unless agg_set_thread_min sets another number.  Below that, the thread start
 * is a large part of the work: finishing and sorting the 100,000 clients
 * of a 20 MB bench_loggen log took about 740 instructions per client
 * under callgrind.
 */
#define AGG_THREAD_MIN		16384
/*
 * Clients allocated at a time in a small slab; their addresses never
 * change.
 */
#define AGG_SLAB_CLIENTS	1024
/* Bytes of interned strings allocated at a time in a small arena. */
#define AGG_ARENA_SIZE		(64 * 1024)
/*
 * Bytes of slabs, of arenas or of pool chunks that an agg has before it
 * takes the next ones in huge pages (xhuge_alloc), XHUGE_PAGE bytes
 * each, in place of the small sizes.  A small log stays in small blocks,
 * and a large one takes one page fault per 2 MiB instead of one per
 * 4 KiB.  Client tables (slots and strings) of XHUGE_PAGE bytes or more
 * come from xhuge_alloc too.
 */
#define AGG_HUGE_AFTER		(1024 * 1024)
/*
 * Each interned string comes after a header of AGG_STRING_HEAD bytes:
 * its length (two bytes, low byte first) and the flags below.
 */
#define AGG_STRING_HEAD		3
_Static_assert(AGG_KEY_MAX < 65536, "interned length needs two bytes");

/* A slot of the client table: the hash, so most probes skip the client. */
struct agg_slot {
	uint64_t	 hash;
	struct client	*client;	/* NULL: empty */
};

/*
 * Clients allocated together, chained for agg_free.  A slab starts at a
 * cache line, and the header takes one, so that every client starts at
 * one too.
 */
#define AGG_CACHE_LINE		64

struct agg_slab {
	struct agg_slab	*next;
	size_t		 used;
	size_t		 cap;		/* clients it has room for */
	size_t		 huge;		/* bytes from xhuge_alloc, or 0 */
	char		 pad_[AGG_CACHE_LINE - 4 * sizeof(size_t)];
	struct client	 clients[];
};
_Static_assert(sizeof(struct agg_slab) == AGG_CACHE_LINE, "slab header");

/* Storage of interned strings, chained for agg_free. */
struct agg_arena {
	struct agg_arena *next;
	size_t		  used;
	size_t		  size;		/* of bytes */
	size_t		  huge;		/* bytes from xhuge_alloc, or 0 */
	char		  bytes[];
};

/*
 * The per-client arrays (HELO and reason counts, evidence) come from
 * chunks of AGG_POOL_CHUNK bytes, with a free list for each size, so
 * adding a client calls no malloc and agg_free frees only the chunks.
 * A block is never larger than AGG_POOL_BLOCK_MAX bytes (64 counts).
 */
#define AGG_POOL_CHUNK		(64 * 1024)
#define AGG_POOL_ALIGN		16
#define AGG_POOL_BLOCK_MAX	2048

struct agg_pool_chunk {
	struct agg_pool_chunk	*next;
	size_t			 used;
	size_t			 size;		/* of bytes */
	size_t			 huge;		/* from xhuge_alloc, or 0 */
	_Alignas(AGG_POOL_ALIGN) unsigned char bytes[];
};

struct agg_pool {
	struct agg_pool_chunk	*chunks;
	size_t			 total;		/* bytes of the chunks */
	/* Freed blocks by size in AGG_POOL_ALIGN units, linked through. */
	void			*free[AGG_POOL_BLOCK_MAX / AGG_POOL_ALIGN + 1];
};

/*
 * A slot of the interned strings.  The hash is kept so that a probe
 * reads the string only when the hashes match, and growing the table
 * reads no string.
 */
struct agg_string {
	char		*str;		/* NULL in an empty slot */
	uint64_t	 hash;		/* agg_string_hash of str */
};

/*
 * Recently interned strings, indexed by the tag of agg_count_tag, so
 * that a name that many clients share is found without its hash.
 */
#define AGG_RECENT_SLOTS	256

struct agg_recent {
	char		*str;		/* NULL: empty */
	uint32_t	 len;
	uint32_t	 tag;
};

/* Reason weights remembered in agg_finish, by the interned key. */
#define AGG_WEIGHT_SLOTS	256

struct agg_weight {
	const char	*key;		/* NULL: empty */
	int		 weight;
};

struct agg {
	struct agg_slot	 *slots;	/* open addressing, power of two */
	size_t		  nslots;
	size_t		  nclients;
	size_t		  slab_total;	/* bytes of the slabs */
	size_t		  arena_total;	/* bytes of the arenas */
	size_t		  max_clients;	/* AGG_CLIENTS_MAX or the config's */
	size_t		  thread_min;	/* AGG_THREAD_MIN or a test's */
	uint64_t	  dropped;	/* events of clients over max_clients */
	struct agg_slab	 *slabs;
	struct agg_pool	  pool;		/* the arrays of the clients */
	uint64_t	  texts;	/* evidence lines copied (agg_add_text) */

	/* Interned HELO names, rDNS names and reason keys. */
	struct agg_string *strings;	/* open addressing, power of two */
	size_t		  nstrings_slots;
	size_t		  nstrings;
	struct agg_arena *arenas;

	/*
	 * Reason weights by interned key, recently interned strings, and the
	 * interned key of no_verified_rdns, for agg_finish.  They refer to
	 * strings, so a merge that takes the strings of another agg clears
	 * them.
	 */
	struct agg_weight weights[AGG_WEIGHT_SLOTS];
	struct agg_recent recent[AGG_RECENT_SLOTS];
	char		 *no_verified_rdns;
	uint32_t	  no_verified_rdns_tag;

	/*
	 * The interned key "other" and its tag, for agg_merge.  A merge that
	 * takes the strings of another agg clears them as well.
	 */
	char		 *other;
	uint32_t	  other_tag;

	struct client	**suspects;
	size_t		  nsuspects;
	int		  suspects_valid;

	char		**files;
	uint32_t	  nfiles;
	struct agg_reader *readers;	/* one per file; fn NULL: by path */
};

/* How the evidence lines of one file are read back. */
struct agg_reader {
	int	(*fn)(void *, const struct agg_evidence *, char **, char **);
	void	 *arg;
};

/*
 * Allocate a block for a slab, an arena or a pool chunk: small bytes,
 * or a huge page once *total (the bytes of that kind so far) reaches
 * AGG_HUGE_AFTER.  Sets *size to the bytes allocated and *huge to the
 * same, or to 0 for malloc.  With slab set, the block is zeroed and
 * starts at a cache line.
 */
static void *
agg_block_alloc(size_t *total, size_t small, int slab, size_t *size,
    size_t *huge)
{
	void	*p;

	if (*total < AGG_HUGE_AFTER) {
		if (slab) {
			p = xaligned_alloc(AGG_CACHE_LINE, small);
			memset(p, 0, small);
		} else
			p = xmalloc(small);
		*size = small;
		*huge = 0;
	} else {
		p = xhuge_alloc(XHUGE_PAGE);
		*size = *huge = XHUGE_PAGE;
	}
	*total += *size;
	return p;
}

static void
agg_block_free(void *p, size_t huge)
{
	if (huge != 0)
		xhuge_free(p, huge);
	else
		free(p);
}

/* A zeroed table of n entries of elem bytes (slots or strings). */
static void *
agg_table_alloc(size_t n, size_t elem)
{
	if (n > SIZE_MAX / elem)
		abort();
	if (n * elem >= XHUGE_PAGE)
		return xhuge_alloc(n * elem);
	return xcalloc(n, elem);
}

static void
agg_table_free(void *p, size_t n, size_t elem)
{
	if (n * elem >= XHUGE_PAGE)
		xhuge_free(p, n * elem);
	else
		free(p);
}

struct agg *
agg_create(void)
{
	struct agg	*agg;

	agg = xcalloc(1, sizeof *agg);
	agg->nslots = 1024;
	agg->slots = agg_table_alloc(agg->nslots, sizeof *agg->slots);
	agg->max_clients = AGG_CLIENTS_MAX;
	agg->thread_min = AGG_THREAD_MIN;
	agg->nstrings_slots = 1024;
	agg->strings = agg_table_alloc(agg->nstrings_slots,
	    sizeof *agg->strings);
	return agg;
}

/* Free the copy of the line that e may have. */
static inline void
agg_evidence_free_text(struct agg_evidence *e)
{
	if (e->has_text)
		free(e->text);
}

static void
agg_free_texts(struct agg_evidence *ev, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		agg_evidence_free_text(&ev[i]);
}

void
agg_free(struct agg *agg)
{
	struct client		*c;
	struct agg_slab		*slab;
	struct agg_arena	*arena;
	struct agg_pool_chunk	*chunk;
	size_t			 i;

	if (agg == NULL)
		return;
	/* The arrays are in the pool, and only copied lines are allocated. */
	for (i = 0; agg->texts > 0 && i < agg->nslots; i++) {
		if ((c = agg->slots[i].client) == NULL)
			continue;
		agg_free_texts(c->evidence, c->nevidence);
		agg_free_texts(c->plain, c->nplain);
	}
	while ((chunk = agg->pool.chunks) != NULL) {
		agg->pool.chunks = chunk->next;
		agg_block_free(chunk, chunk->huge);
	}
	while ((slab = agg->slabs) != NULL) {
		agg->slabs = slab->next;
		agg_block_free(slab, slab->huge);
	}
	while ((arena = agg->arenas) != NULL) {
		agg->arenas = arena->next;
		agg_block_free(arena, arena->huge);
	}
	agg_table_free(agg->strings, agg->nstrings_slots,
	    sizeof *agg->strings);
	for (i = 0; i < agg->nfiles; i++)
		free(agg->files[i]);
	free(agg->files);
	free(agg->readers);
	agg_table_free(agg->slots, agg->nslots, sizeof *agg->slots);
	free(agg->suspects);
	free(agg);
}

uint32_t
agg_add_file(struct agg *agg, const char *path)
{
	/* An evidence entry has AGG_FILE_BITS bits for the file index. */
	if (agg->nfiles >= AGG_FILES_MAX) {
		fprintf(stderr, "smtptriage: too many input files (at most "
		    "%lu); give fewer files\n", (unsigned long)AGG_FILES_MAX);
		exit(1);
	}
	agg->files = xreallocarray(agg->files, agg->nfiles + 1,
	    sizeof *agg->files);
	agg->files[agg->nfiles] = xstrdup(path);
	agg->readers = xreallocarray(agg->readers, agg->nfiles + 1,
	    sizeof *agg->readers);
	agg->readers[agg->nfiles].fn = NULL;
	agg->readers[agg->nfiles].arg = NULL;
	return agg->nfiles++;
}

const char *
agg_file_path(const struct agg *agg, uint32_t file)
{
	if (file >= agg->nfiles)
		return NULL;
	return agg->files[file];
}

/*
 * Hash of an address: the bytes read as two 64-bit words, mixed with
 * multiply and xor-shift steps (as in splitmix64).
 */
static inline uint64_t
agg_hash(const struct event_addr *a)
{
	uint64_t	w0 = 0, w1 = 0, h;

	if (a->family == AF_INET)
		memcpy(&w0, a->bytes, 4);
	else {
		memcpy(&w0, a->bytes, 8);
		memcpy(&w1, a->bytes + 8, 8);
	}
	h = w0 ^ (w1 * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)a->family;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Compare with constant lengths, which the compiler does inline. */
static inline int
agg_addr_equal(const struct event_addr *a, const struct event_addr *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == AF_INET)
		return memcmp(a->bytes, b->bytes, 4) == 0;
	return memcmp(a->bytes, b->bytes, 16) == 0;
}

static inline size_t
agg_slot(const struct agg *agg, const struct event_addr *a, uint64_t h)
{
	const struct agg_slot	*s;
	size_t			 i, mask = agg->nslots - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		s = &agg->slots[i];
		if (s->client == NULL || (s->hash == h &&
		    agg_addr_equal(&s->client->addr, a)))
			return i;
	}
}

static void
agg_grow(struct agg *agg)
{
	struct agg_slot	*old = agg->slots;
	size_t		 i, nold = agg->nslots, mask;

	agg->nslots *= 2;
	mask = agg->nslots - 1;
	agg->slots = agg_table_alloc(agg->nslots, sizeof *agg->slots);
	for (i = 0; i < nold; i++) {
		size_t	j;

		if (old[i].client == NULL)
			continue;
		for (j = old[i].hash & mask; agg->slots[j].client != NULL;
		    j = (j + 1) & mask)
			;
		agg->slots[j] = old[i];
	}
	agg_table_free(old, nold, sizeof *old);
}

uint64_t
agg_addr_hash(const struct event_addr *a)
{
	return agg_hash(a);
}

struct client *
agg_find_hashed(struct agg *agg, const struct event_addr *a, uint64_t h)
{
#ifdef SMTPTRIAGE_FLOOR
	/* The ring of the compact bound looks up nothing in the empty agg. */
	if (floor_ring_forced())
		return NULL;
#endif
	return agg->slots[agg_slot(agg, a, h)].client;
}

struct client *
agg_find(struct agg *agg, const struct event_addr *a)
{
	return agg_find_hashed(agg, a, agg_hash(a));
}

void
agg_prefetch_slot(const struct agg *agg, uint64_t h)
{
#ifdef SMTPTRIAGE_FLOOR
	if (floor_ring_forced()) {
		floor_prefetch(h);
		return;
	}
#endif
	__builtin_prefetch(&agg->slots[h & (agg->nslots - 1)]);
}

void
agg_prefetch_client(const struct agg *agg, uint64_t h)
{
	const struct agg_slot	*s;

#ifdef SMTPTRIAGE_FLOOR
	if (floor_ring_forced())
		return;
#endif
	s = &agg->slots[h & (agg->nslots - 1)];
	/* Prefetch both cache lines that counting an event reads. */
	if (s->client != NULL && s->hash == h) {
		__builtin_prefetch(s->client);
		__builtin_prefetch((const char *)s->client + AGG_CACHE_LINE);
	}
}

/*
 * Clients between a prefetch and their use, when agg_finish and agg_merge
 * go through the slabs.
 */
#define AGG_AHEAD	4

/* Start loading the lists of a client: a hint that changes nothing. */
static void
agg_prefetch_lists(const struct client *c)
{
	if (c->helos != NULL)
		__builtin_prefetch(c->helos);
	if (c->reasons != NULL)
		__builtin_prefetch(c->reasons);
	if (c->evidence != NULL)
		__builtin_prefetch(c->evidence);
}

/* A zeroed client from the current slab. */
static struct client *
agg_new_client(struct agg *agg)
{
	struct agg_slab	*slab = agg->slabs;
	size_t		 size, huge;

	if (slab == NULL || slab->used == slab->cap) {
		slab = agg_block_alloc(&agg->slab_total, sizeof *slab +
		    AGG_SLAB_CLIENTS * sizeof slab->clients[0], 1, &size,
		    &huge);
		slab->cap = (size - sizeof *slab) / sizeof slab->clients[0];
		slab->huge = huge;
		slab->next = agg->slabs;
		agg->slabs = slab;
	}
	return &slab->clients[slab->used++];
}

/* The decimal text of a byte and its length, for agg_format_ipv4. */
struct agg_decimal {
	char	text[3];
	uint8_t	len;
};

#define AGG_DIGIT(v)	((char)('0' + (v) % 10))
#define AGG_DEC(v)	{ { \
	(v) >= 100 ? AGG_DIGIT((v) / 100) : (v) >= 10 ? AGG_DIGIT((v) / 10) : \
	    AGG_DIGIT(v), \
	(v) >= 100 ? AGG_DIGIT((v) / 10) : (v) >= 10 ? AGG_DIGIT(v) : '\0', \
	(v) >= 100 ? AGG_DIGIT(v) : '\0' }, \
	(v) >= 100 ? 3 : (v) >= 10 ? 2 : 1 }
#define AGG_DEC4(v)	AGG_DEC(v), AGG_DEC((v) + 1), AGG_DEC((v) + 2), \
	AGG_DEC((v) + 3)
#define AGG_DEC16(v)	AGG_DEC4(v), AGG_DEC4((v) + 4), AGG_DEC4((v) + 8), \
	AGG_DEC4((v) + 12)
#define AGG_DEC64(v)	AGG_DEC16(v), AGG_DEC16((v) + 16), \
	AGG_DEC16((v) + 32), AGG_DEC16((v) + 48)

_Static_assert(sizeof(struct agg_decimal) == 4, "decimal entry size");

static const struct agg_decimal agg_decimals[256] = {
	AGG_DEC64(0), AGG_DEC64(64), AGG_DEC64(128), AGG_DEC64(192)
};

/*
 * Write an IPv4 address as inet_ntop does ("%u.%u.%u.%u") but without
 * sprintf.  ip must have room for at least 16 bytes.  Each part is
 * stored as four bytes, and the dot after it or the text of the next
 * part overwrites the ones it does not use.
 */
static size_t
agg_format_ipv4(const uint8_t *bytes, char *ip)
{
	const struct agg_decimal	*d;
	size_t				 i, n = 0;

	for (i = 0; i < 4; i++) {
		d = &agg_decimals[bytes[i]];
		memcpy(ip + n, d, 4);
		n += d->len;
		ip[n++] = '.';
	}
	ip[n - 1] = '\0';
	return n - 1;
}

/*
 * Write an IPv6 address as glibc's inet_ntop does, into ip of
 * INET6_ADDRSTRLEN bytes, without its cost (about 3,600 instructions a
 * call under callgrind, glibc 2.36).  Groups are lowercase hex without
 * leading zeros, and the first longest run of two or more zero groups
 * becomes "::".  When that run is the first six groups, or five followed
 * by ffff, the last four bytes are written as an IPv4 address.
 */
static size_t
agg_format_ipv6(const uint8_t *bytes, char *ip)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned int		 words[8], w;
	size_t			 i, n = 0, best = 8, best_len = 0, run;
	int			 shift, started;

	for (i = 0; i < 8; i++)
		words[i] = (unsigned int)bytes[2 * i] << 8 | bytes[2 * i + 1];
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && words[i + run] == 0; run++)
			;
		if (run > best_len) {
			best = i;
			best_len = run;
		}
	}
	if (best_len < 2)
		best = 8;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			ip[n++] = ':';
			if (i + best_len == 8)
				ip[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0)
			ip[n++] = ':';
		if (i == 6 && best == 0 && (best_len == 6 ||
		    (best_len == 5 && words[5] == 0xffff))) {
			return n + agg_format_ipv4(bytes + 12, ip + n);
		}
		w = words[i];
		started = 0;
		for (shift = 12; shift >= 0; shift -= 4) {
			if (started || (w >> shift & 0xf) != 0 || shift == 0) {
				ip[n++] = hex[w >> shift & 0xf];
				started = 1;
			}
		}
	}
	ip[n] = '\0';
	return n;
}

/*
 * Add the client of address a, hash h, at slot i, which is empty.  from
 * is a client of a in another agg, whose text of a is copied, or NULL to
 * write it here.  Returns NULL when the table is full.
 */
static struct client *
agg_add_client(struct agg *agg, const struct event_addr *a, uint64_t h,
    size_t i, const struct client *from)
{
	struct client	*c;

	if (agg->nclients >= agg->max_clients)
		return NULL;
	if ((agg->nclients + 1) * 2 > agg->nslots) {
		agg_grow(agg);
		i = agg_slot(agg, a, h);
	}
	c = agg_new_client(agg);
	c->addr = *a;
	if (from != NULL) {
		memcpy(c->ip, from->ip, sizeof c->ip);
		c->ip_len = from->ip_len;
	} else if (a->family == AF_INET)
		c->ip_len = (uint8_t)agg_format_ipv4(a->bytes, c->ip);
	else
		c->ip_len = (uint8_t)agg_format_ipv6(a->bytes, c->ip);
	agg->slots[i].hash = h;
	agg->slots[i].client = c;
	agg->nclients++;
	return c;
}

/*
 * Find or add the client of address a, whose hash is h.  from is as for
 * agg_add_client.  Returns NULL when it is new and the table is full.
 */
static inline struct client *
agg_lookup_or_create(struct agg *agg, const struct event_addr *a,
    uint64_t h, const struct client *from)
{
	struct client	*c;
	size_t		 i;

	i = agg_slot(agg, a, h);
	if ((c = agg->slots[i].client) != NULL)
		return c;
	return agg_add_client(agg, a, h, i, from);
}

/*
 * Hash of a string of len bytes, eight bytes at a time, each word mixed
 * in with a multiply and a rotation, then finished as agg_hash does.
 */
static uint64_t
agg_string_hash(const char *s, size_t len)
{
	uint64_t	h = len * 0x9e3779b97f4a7c15ULL, w;
	size_t		i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h = (h << 31) | (h >> 33);
	}
	if (i < len) {
		/* The last 1 to 7 bytes, without a call to memcpy. */
		for (w = 0; i < len; i++)
			w = w << 8 | (unsigned char)s[i];
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
	}
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

#define AGG_ONES	0x0101010101010101ULL
#define AGG_HIGHS	0x8080808080808080ULL

/*
 * Return a word with the high bit of a byte set when that byte of w is
 * outside printable ASCII or is '"' or '\\'.  (x - AGG_ONES * n) & ~x &
 * AGG_HIGHS is not 0 exactly when a byte of x is below n, for n up to
 * 0x80, and the bytes from 0x80 up are tested separately.
 */
static inline uint64_t
agg_json_special(uint64_t w)
{
	uint64_t	quote = w ^ (AGG_ONES * '"');
	uint64_t	backslash = w ^ (AGG_ONES * '\\');
	uint64_t	del = w ^ (AGG_ONES * 0x7f);

	return (w & AGG_HIGHS) | ((w - AGG_ONES * 0x20) & ~w & AGG_HIGHS) |
	    ((quote - AGG_ONES) & ~quote & AGG_HIGHS) |
	    ((backslash - AGG_ONES) & ~backslash & AGG_HIGHS) |
	    ((del - AGG_ONES) & ~del & AGG_HIGHS);
}

/*
 * Copy len bytes from s to dst, a word at a time, and check whether they
 * are printable ASCII without '"' and '\\', which JSON takes as it is.
 * From 8 bytes on, the last word is copied at len - 8 and may overlap the
 * one before.
 */
static int
agg_copy_json_plain(char *dst, const char *s, size_t len)
{
	uint64_t	w, special = 0;
	size_t		i;

	if (len < 8) {
		/* After plain 'a' bytes, which the check passes. */
		for (w = AGG_ONES * 'a', i = 0; i < len; i++) {
			dst[i] = s[i];
			w = w << 8 | (unsigned char)s[i];
		}
		return agg_json_special(w) == 0;
	}
	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&w, s + i, 8);
		memcpy(dst + i, &w, 8);
		special |= agg_json_special(w);
	}
	memcpy(&w, s + len - 8, 8);
	memcpy(dst + len - 8, &w, 8);
	special |= agg_json_special(w);
	return special == 0;
}

/*
 * Copy len bytes and a NUL into the arena, after the header that
 * agg_string_len and agg_string_json_plain read.
 */
static char *
agg_arena_copy(struct agg *agg, const char *s, size_t len)
{
	struct agg_arena	*arena = agg->arenas;
	char			*p;
	size_t			 need = AGG_STRING_HEAD + len + 1, size, huge;

	if (arena == NULL || arena->size - arena->used < need) {
		arena = agg_block_alloc(&agg->arena_total, sizeof *arena +
		    AGG_ARENA_SIZE, 0, &size, &huge);
		arena->used = 0;
		arena->size = size - sizeof *arena;
		arena->huge = huge;
		arena->next = agg->arenas;
		agg->arenas = arena;
	}
	p = arena->bytes + arena->used + AGG_STRING_HEAD;
	p[-3] = (char)(len & 0xff);
	p[-2] = (char)(len >> 8);
	p[-1] = (char)(agg_copy_json_plain(p, s, len) ?
	    AGG_STRING_JSON_PLAIN : 0);
	p[len] = '\0';
	arena->used += need;
	return p;
}

/* The length of an interned string, from its header. */
static inline size_t
agg_string_len(const char *p)
{
	return (size_t)(unsigned char)p[-3] |
	    (size_t)(unsigned char)p[-2] << 8;
}

/*
 * Return the interned copy of s[0, len): one copy of each distinct string
 * for the life of the agg.  len is at most AGG_KEY_MAX.
 */
static char *
agg_intern(struct agg *agg, const char *s, size_t len)
{
	struct agg_string	*old;
	char			*p;
	uint64_t		 h = agg_string_hash(s, len);
	size_t			 i, k, mask, nold;

	mask = agg->nstrings_slots - 1;
	for (i = h & mask; (p = agg->strings[i].str) != NULL;
	    i = (i + 1) & mask) {
		if (agg->strings[i].hash == h && agg_string_len(p) == len &&
		    span_equal(p, s, len))
			return p;
	}
	/*
	 * The table grows at three quarters full.  For the 1,250,000 names
	 * of the 1,000,000-client bench log it then takes 33 MB instead of
	 * 67 MB at half full, for 0.6 % more instructions in a whole run
	 * with 100,000 clients.
	 */
	if ((agg->nstrings + 1) * 4 > agg->nstrings_slots * 3) {
		old = agg->strings;
		nold = agg->nstrings_slots;
		agg->nstrings_slots *= 2;
		mask = agg->nstrings_slots - 1;
		agg->strings = agg_table_alloc(agg->nstrings_slots,
		    sizeof *agg->strings);
		for (k = 0; k < nold; k++) {
			if (old[k].str == NULL)
				continue;
			for (i = old[k].hash & mask;
			    agg->strings[i].str != NULL; i = (i + 1) & mask)
				;
			agg->strings[i] = old[k];
		}
		agg_table_free(old, nold, sizeof *old);
		for (i = h & mask; agg->strings[i].str != NULL;
		    i = (i + 1) & mask)
			;
	}
	p = agg_arena_copy(agg, s, len);
	agg->strings[i].str = p;
	agg->strings[i].hash = h;
	agg->nstrings++;
	return p;
}

/*
 * Check whether an array of n entries, allocated for 2, 4, 8, ... of
 * them as it grows, must grow before entry n is added.
 */
static int
agg_array_full(size_t n)
{
	return n == 0 || (n >= 2 && (n & (n - 1)) == 0);
}

/*
 * The entries that an array of n entries has room for at least: 0, 2,
 * 4, 8, ...  An array that lost entries may have more.
 */
static size_t
agg_array_room(size_t n)
{
	size_t	room = 2;

	if (n == 0)
		return 0;
	while (room < n)
		room *= 2;
	return room;
}

/* Allocate size bytes, a multiple of AGG_POOL_ALIGN, from the pool. */
static void *
agg_pool_alloc(struct agg_pool *pool, size_t size)
{
	struct agg_pool_chunk	*chunk = pool->chunks;
	void			*p;
	size_t			 k = size / AGG_POOL_ALIGN, bytes, huge;

	if (size == 0 || size % AGG_POOL_ALIGN != 0 ||
	    size > AGG_POOL_BLOCK_MAX)
		abort();
	if ((p = pool->free[k]) != NULL) {
		memcpy(&pool->free[k], p, sizeof pool->free[k]);
		return p;
	}
	if (chunk == NULL || chunk->size - chunk->used < size) {
		chunk = agg_block_alloc(&pool->total, sizeof *chunk +
		    AGG_POOL_CHUNK, 0, &bytes, &huge);
		chunk->used = 0;
		chunk->size = bytes - sizeof *chunk;
		chunk->huge = huge;
		chunk->next = pool->chunks;
		pool->chunks = chunk;
	}
	p = chunk->bytes + chunk->used;
	chunk->used += size;
	return p;
}

/* Put a block of size bytes (or fewer than it has) back in the pool. */
static void
agg_pool_free(struct agg_pool *pool, void *p, size_t size)
{
	size_t	k = size / AGG_POOL_ALIGN;

	if (p == NULL || k == 0)
		return;
	memcpy(p, &pool->free[k], sizeof pool->free[k]);
	pool->free[k] = p;
}

/*
 * Make room in an array of n entries of elem bytes for entry n, as
 * xreallocarray would, with blocks of the pool.  elem * 2 must be a
 * multiple of AGG_POOL_ALIGN.
 */
static void *
agg_pool_grow(struct agg_pool *pool, void *old, size_t n, size_t elem)
{
	void	*p;

	p = agg_pool_alloc(pool, (n < 2 ? 2 : n * 2) * elem);
	if (n > 0)
		memcpy(p, old, n * elem);
	agg_pool_free(pool, old, agg_array_room(n) * elem);
	return p;
}

/*
 * A tag of a name from its length and its first and last eight bytes.
 * Names that differ mostly differ there; equal tags are compared byte by
 * byte.
 */
static inline uint32_t
agg_count_tag_words(uint64_t head, uint64_t tail, size_t len)
{
	uint64_t	h;

	h = (head ^ (tail * 0x9e3779b97f4a7c15ULL) ^ len) *
	    0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h >> 32);
}

static uint32_t
agg_count_tag(const char *s, size_t len)
{
	uint64_t	head = 0, tail = 0;

	if (len >= 8) {
		memcpy(&head, s, 8);
		memcpy(&tail, s + len - 8, 8);
	} else
		memcpy(&head, s, len);
	return agg_count_tag_words(head, tail, len);
}

/* Add name to counts, which do not have it, if there is room. */
static int
agg_count_new(struct agg *agg, struct agg_count **counts, size_t *n,
    size_t max, const char *name, size_t len, uint32_t tag, uint64_t by)
{
	struct agg_count	*c;
	struct agg_recent	*recent;

	if (*n >= max)
		return -1;
	if (agg_array_full(*n))
		*counts = agg_pool_grow(&agg->pool, *counts, *n,
		    sizeof **counts);
	c = &(*counts)[*n];
	recent = &agg->recent[tag % AGG_RECENT_SLOTS];
	if (recent->str == NULL || recent->tag != tag || recent->len != len ||
	    !span_equal(recent->str, name, len)) {
		recent->str = agg_intern(agg, name, len);
		recent->len = (uint32_t)len;
		recent->tag = tag;
	}
	c->name = recent->str;
	c->count = by;
	c->len = (uint32_t)len;
	c->tag = tag;
	(*n)++;
	return 0;
}

/* Add name to counts as agg_count_add does, with the tag of name given. */
static inline int
agg_count_add_tag(struct agg *agg, struct agg_count **counts, size_t *n,
    size_t max, const char *name, size_t len, uint32_t tag, uint64_t by)
{
	struct agg_count	*c;
	size_t			 i;

	for (i = 0; i < *n; i++) {
		c = &(*counts)[i];
		if (c->len == len && c->tag == tag &&
		    span_equal(c->name, name, len)) {
			c->count += by;
			return 0;
		}
	}
	return agg_count_new(agg, counts, n, max, name, len, tag, by);
}

/*
 * Count name in counts, adding it if there is room.  Returns 0, or -1 when
 * the list is full and name is not in it.
 */
static inline int
agg_count_add(struct agg *agg, struct agg_count **counts, size_t *n,
    size_t max, const char *name, size_t len, uint64_t by)
{
	return agg_count_add_tag(agg, counts, n, max, name, len,
	    agg_count_tag(name, len), by);
}

/* Append to an evidence array of at most max entries that has room. */
static inline void
agg_evidence_append(struct agg_pool *pool, struct agg_evidence **list,
    size_t *n, const struct agg_evidence *ev)
{
	if (agg_array_full(*n))
		*list = agg_pool_grow(pool, *list, *n, sizeof **list);
	(*list)[(*n)++] = *ev;
}

static void
agg_add_evidence(struct agg *agg, struct client *c,
    const struct agg_evidence *ev)
{
	struct agg_evidence	*oldest;

	c->evidence_seen++;
	if (c->nevidence < AGG_EVIDENCE_MAX) {
		agg_evidence_append(&agg->pool, &c->evidence, &c->nevidence,
		    ev);
		return;
	}
	/*
	 * Keep the first ones.  The latest ones are a ring, so the new line
	 * takes the place of the oldest and nothing moves.
	 */
	oldest = &c->evidence[AGG_EVIDENCE_FIRST + c->evidence_ring];
	agg_evidence_free_text(oldest);
	*oldest = *ev;
	if (++c->evidence_ring == AGG_EVIDENCE_LAST)
		c->evidence_ring = 0;
}

/* Free an evidence array, its copied lines and its block in the pool. */
static void
agg_evidence_release(struct agg_pool *pool, struct agg_evidence **list,
    size_t *n)
{
	agg_free_texts(*list, *n);
	agg_pool_free(pool, *list, agg_array_room(*n) * sizeof **list);
	*list = NULL;
	*n = 0;
}

/*
 * Free the plain lines of c once it has a line with a reason.  agg_finish
 * reads plain lines only for a client without such a line, and those
 * lines are never removed, so the block can go back to the pool.
 */
static void
agg_drop_plain(struct agg_pool *pool, struct client *c)
{
	size_t	n = c->nplain;

	agg_evidence_release(pool, &c->plain, &n);
	c->nplain = 0;
}

/*
 * Append ev to the plain lines of c, which has fewer than
 * AGG_EVIDENCE_FIRST of them.
 */
static void
agg_add_plain(struct agg_pool *pool, struct client *c,
    const struct agg_evidence *ev)
{
	size_t	n = c->nplain;

	agg_evidence_append(pool, &c->plain, &n, ev);
	c->nplain = (uint8_t)n;
}

/*
 * Free the evidence that agg_finish copied from the plain lines of c, so
 * that a line with a reason can take its place.
 */
static void
agg_drop_plain_copy(struct agg_pool *pool, struct client *c)
{
	agg_evidence_release(pool, &c->evidence, &c->nevidence);
	c->evidence_ring = 0;
	c->evidence_plain = 0;
}

/* Put the latest evidence entries of c back in file order. */
static void
agg_evidence_unring(struct client *c)
{
	struct agg_evidence	 tmp[AGG_EVIDENCE_LAST];
	struct agg_evidence	*last;
	size_t			 ring = c->evidence_ring, older;

	if (ring == 0)
		return;
	last = &c->evidence[AGG_EVIDENCE_FIRST];
	older = AGG_EVIDENCE_LAST - ring;
	memcpy(tmp, last + ring, older * sizeof tmp[0]);
	memcpy(tmp + older, last, ring * sizeof tmp[0]);
	memcpy(last, tmp, sizeof tmp);
	c->evidence_ring = 0;
}

/*
 * Count the key "<name>:<arg>" in the reasons of c without writing it
 * out.  This works when name has at least 7 bytes and arg at least 8,
 * because then the first and last eight bytes of the key come from one
 * of them each.  Returns 1 when counted, 0 when c does not have the key
 * yet (with its tag in *tag), or -1 for a key of other lengths.
 */
static inline int
agg_reason_parts_count(struct client *c, const char *name, size_t len,
    const char *arg, size_t arglen, uint32_t *tag)
{
	struct agg_count	*count;
	uint64_t		 head, tail, w;
	char			 bytes[8];
	size_t			 i, total = len + 1 + arglen;

	if (len < 7 || arglen < 8)
		return -1;
	if (len >= 8)
		memcpy(&head, name, 8);
	else {
		memcpy(bytes, name, 7);
		bytes[7] = ':';
		memcpy(&head, bytes, 8);
	}
	memcpy(&tail, arg + arglen - 8, 8);
	*tag = agg_count_tag_words(head, tail, total);
	for (i = 0; i < c->nreasons; i++) {
		count = &c->reasons[i];
		if (count->len != total || count->tag != *tag)
			continue;
		if (len >= 8) {
			if (!span_equal(count->name, name, len) ||
			    count->name[len] != ':')
				continue;
		} else {
			/* The seven bytes of name and the ':'. */
			memcpy(&w, count->name, 8);
			if (w != head)
				continue;
		}
		if (span_equal(count->name + len + 1, arg, arglen)) {
			count->count++;
			return 1;
		}
	}
	return 0;
}

static void
agg_add_reason(struct agg *agg, struct client *c, const struct event *ev)
{
	char		 key[AGG_KEY_MAX];
	const char	*name = ev->reason;
	size_t		 len, arglen;
	uint32_t	 tag = 0;
	int		 found = -1;

	len = strlen(ev->reason);
	if (len > 64)
		len = 64;
	/* Without an argument the key is the name, so it is not copied. */
	if (ev->reason_arg != NULL) {
		arglen = ev->reason_arg_len;
		if (arglen > REASON_ARG_MAX)
			arglen = REASON_ARG_MAX;
		found = agg_reason_parts_count(c, ev->reason, len,
		    ev->reason_arg, arglen, &tag);
		if (found == 1)
			return;
		memcpy(key, ev->reason, len);
		key[len++] = ':';
		memcpy(key + len, ev->reason_arg, arglen);
		len += arglen;
		name = key;
	}
	/* found is 0 when the key is not among the reasons. */
	if ((found == 0 ? agg_count_new(agg, &c->reasons, &c->nreasons,
	    AGG_REASON_MAX, name, len, tag, 1) : agg_count_add(agg,
	    &c->reasons, &c->nreasons, AGG_REASON_MAX, name, len, 1)) == -1)
		agg_count_add(agg, &c->reasons, &c->nreasons,
		    AGG_REASON_MAX + 1, "other", 5, 1);
}

static void agg_add_event(struct agg *, const struct event *, uint64_t,
    uint32_t, uint64_t, uint64_t, const char *, size_t);

void
agg_add(struct agg *agg, const struct event *ev, uint32_t file,
    uint64_t offset, uint64_t line)
{
#ifdef SMTPTRIAGE_FLOOR
	if (floor_active()) {
		floor_count(ev, agg_hash(&ev->addr));
		return;
	}
#endif
	agg_add_event(agg, ev, agg_hash(&ev->addr), file, offset, line, NULL,
	    0);
}

void
agg_add_hashed(struct agg *agg, const struct event *ev, uint64_t h,
    uint32_t file, uint64_t offset, uint64_t line)
{
#ifdef SMTPTRIAGE_FLOOR
	if (floor_active()) {
		floor_count(ev, h);
		return;
	}
#endif
	agg_add_event(agg, ev, h, file, offset, line, NULL, 0);
}

/* ts_cmp(a, b) < 0, inline for the path of every event. */
static inline int
agg_ts_before(const struct ts *a, const struct ts *b)
{
	return a->utc < b->utc || (a->utc == b->utc && a->msec < b->msec);
}

/* A copy of text cut to AGG_TEXT_MAX bytes, not inside a UTF-8 sequence. */
static char *
agg_text_copy(const char *text, size_t len)
{
	if (len > AGG_TEXT_MAX) {
		len = AGG_TEXT_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	return xstrndup(text, len);
}

void
agg_add_text(struct agg *agg, const struct event *ev, uint32_t file,
    uint64_t offset, uint64_t line, const char *text, size_t text_len)
{
#ifdef SMTPTRIAGE_FLOOR
	if (floor_active()) {
		floor_count(ev, agg_hash(&ev->addr));
		return;
	}
#endif
	agg_add_event(agg, ev, agg_hash(&ev->addr), file, offset, line, text,
	    text_len);
}

/* Count ev, whose address has the hash h, as agg_add_text does. */
static void
agg_add_event(struct agg *agg, const struct event *ev, uint64_t h,
    uint32_t file, uint64_t offset, uint64_t line, const char *text,
    size_t text_len)
{
	struct client		*c;
	struct agg_evidence	 e;
	size_t			 len;

	if ((c = agg_lookup_or_create(agg, &ev->addr, h, NULL)) == NULL) {
		agg->dropped++;
		return;
	}
	agg->suspects_valid = 0;
	c->events++;

	/*
	 * first is never after last, so a time after last is not before
	 * first, and most logs go forward in time.
	 */
	if (ev->has_time) {
		if (c->events == 1)
			c->first = c->last = ev->time;
		else if (agg_ts_before(&c->last, &ev->time))
			c->last = ev->time;
		else if (agg_ts_before(&ev->time, &c->first))
			c->first = ev->time;
	}

	if (ev->helo != NULL) {
		len = ev->helo_len > EVENT_NAME_MAX ? EVENT_NAME_MAX :
		    ev->helo_len;
		/* Most events repeat the first name, so it needs no tag. */
		if (c->nhelos > 0 && c->helos[0].len == len &&
		    span_equal(c->helos[0].name, ev->helo, len))
			c->helos[0].count++;
		else if (agg_count_add(agg, &c->helos, &c->nhelos,
		    AGG_HELO_MAX, ev->helo, len, 1) == -1)
			c->helo_other++;
	}
	if (ev->rdns != NULL) {
		len = ev->rdns_len > EVENT_NAME_MAX ? EVENT_NAME_MAX :
		    ev->rdns_len;
		/* c->rdns is interned, so its header has the length. */
		if (c->rdns == NULL || agg_string_len(c->rdns) != len ||
		    !span_equal(c->rdns, ev->rdns, len))
			c->rdns = agg_intern(agg, ev->rdns, len);
	}

	e.offset = offset;
	e.line = line;
	e.has_text = 0;
	e.file = file;
	if (ev->reason != NULL) {
		agg_add_reason(agg, c, ev);
		if (text != NULL) {
			e.text = agg_text_copy(text, text_len);
			e.has_text = 1;
			agg->texts++;
		}
		if (c->evidence_plain)
			agg_drop_plain_copy(&agg->pool, c);
		agg_add_evidence(agg, c, &e);
		if (c->nplain != 0)
			agg_drop_plain(&agg->pool, c);
	} else if ((c->nevidence == 0 || c->evidence_plain) &&
	    c->nplain < AGG_EVIDENCE_FIRST) {
		if (text != NULL) {
			e.text = agg_text_copy(text, text_len);
			e.has_text = 1;
			agg->texts++;
		}
		agg_add_plain(&agg->pool, c, &e);
	}
}

static int
agg_count_cmp(const void *a, const void *b)
{
	const struct agg_count	*x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Sort counts by agg_count_cmp with an insertion sort: the lists are
 * short (AGG_REASON_MAX + 2 at most) and mostly sorted already, and the
 * names in a list differ, so the order is the one qsort gives.
 */
static void
agg_counts_sort(struct agg_count *counts, size_t n)
{
	struct agg_count	tmp;
	size_t			i, j;

	for (i = 1; i < n; i++) {
		if (agg_count_cmp(&counts[i - 1], &counts[i]) <= 0)
			continue;
		tmp = counts[i];
		for (j = i; j > 0 && agg_count_cmp(&counts[j - 1], &tmp) > 0;
		    j--)
			counts[j] = counts[j - 1];
		counts[j] = tmp;
	}
}

/*
 * reason_weight of an interned key, remembered by its address: the
 * strings of the agg do not move or change while it keeps them.
 */
static int
agg_reason_weight(struct agg_weight *weights, const char *key)
{
	struct agg_weight	*w;
	uintptr_t		 h = (uintptr_t)key;

	w = &weights[(h ^ (h >> 4) ^ (h >> 12)) % AGG_WEIGHT_SLOTS];
	if (w->key != key) {
		w->key = key;
		w->weight = reason_weight(key);
	}
	return w->weight;
}

static int
agg_score(struct agg_weight *weights, const struct client *c)
{
	uint64_t	n;
	int		score = 0, bits;
	size_t		i;

	for (i = 0; i < c->nreasons; i++) {
		bits = 0;
		for (n = c->reasons[i].count; n > 1; n >>= 1)
			bits++;
		score += agg_reason_weight(weights, c->reasons[i].name) *
		    (1 + bits);
	}
	return score;
}

/*
 * The fields of a suspect that its order depends on, copied next to each
 * other, so that sorting does not wait for the memory of each client.
 */
struct agg_sort_key {
	int32_t		 score;
	uint32_t	 index;		/* of the client; bit 31: IPv6 */
	uint64_t	 events;
	/* The address bytes as big-endian numbers; IPv4 fills high only. */
	uint64_t	 high;
	uint64_t	 low;
};

#define AGG_SORT_IPV6	0x80000000U

/*
 * Minimum number of suspects for which agg_suspects_keys sorts IPv4
 * keys by counting passes.  Each pass clears and sums 256 counters, so short lists keep
 * the merge sort.  NOTE: 64 is an estimate, not measured.
 */
#define AGG_SORT_PAIRS_MIN	64
_Static_assert(AGG_CLIENTS_MAX < AGG_SORT_IPV6, "client index overlaps");

/*
 * Order of suspects: highest score first, then most events, then IPv4
 * before IPv6 and by address bytes.
 */
static inline int
agg_sort_key_cmp(const struct agg_sort_key *x, const struct agg_sort_key *y)
{
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	if ((x->index & AGG_SORT_IPV6) != (y->index & AGG_SORT_IPV6))
		return (x->index & AGG_SORT_IPV6) == 0 ? -1 : 1;
	if (x->high != y->high)
		return x->high < y->high ? -1 : 1;
	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	return 0;
}

/* Read n bytes (at most 8) as a big-endian number in the top bytes. */
static uint64_t
agg_sort_word(const uint8_t *bytes, size_t n)
{
	uint64_t	w = 0;
	size_t		i;

	for (i = 0; i < 8; i++)
		w = w << 8 | (i < n ? bytes[i] : 0);
	return w;
}

/*
 * Merge sort of keys with tmp room for half as many, by agg_sort_key_cmp
 * called directly (qsort copies 32-byte elements with a call each).
 * Runs of up to 16 keys are sorted by insertion first.  The recursion
 * is log2(n / 16) deep, at most 17 calls for AGG_CLIENTS_MAX.
 */
static void /* NOLINTNEXTLINE(misc-no-recursion) */
agg_sort_keys(struct agg_sort_key *keys, struct agg_sort_key *tmp, size_t n)
{
	struct agg_sort_key	key;
	size_t			i, j, k, mid;

	if (n <= 16) {
		for (i = 1; i < n; i++) {
			key = keys[i];
			for (j = i; j > 0 && agg_sort_key_cmp(&keys[j - 1],
			    &key) > 0; j--)
				keys[j] = keys[j - 1];
			keys[j] = key;
		}
		return;
	}
	mid = n / 2;
	agg_sort_keys(keys, tmp, mid);
	agg_sort_keys(keys + mid, tmp, n - mid);
	if (agg_sort_key_cmp(&keys[mid - 1], &keys[mid]) <= 0)
		return;
	memcpy(tmp, keys, mid * sizeof *keys);
	i = 0;
	j = mid;
	k = 0;
	while (i < mid && j < n) {
		if (agg_sort_key_cmp(&keys[j], &tmp[i]) < 0)
			keys[k++] = keys[j++];
		else
			keys[k++] = tmp[i++];
	}
	while (i < mid)
		keys[k++] = tmp[i++];
}

/*
 * The order of agg_sort_key_cmp for an IPv4 suspect with fewer than 2^32
 * events, as two unsigned numbers.  major is the score and the events,
 * each complemented so that the larger sorts first.  minor is the
 * address in the top half and the suspect's index in the bottom half.
 */
struct agg_sort_pair {
	uint64_t	major;
	uint64_t	minor;
};

/*
 * Sort pairs by major, then by the top half of minor, with one stable
 * counting pass for each byte of those 12 that differs between the
 * pairs (from the lowest).  varies has a bit set in each byte that
 * differs: word 0 for major, word 1 for minor.  tmp has room for n
 * pairs.  Returns the array with the result, pairs or tmp.
 */
static struct agg_sort_pair *
agg_sort_pairs(struct agg_sort_pair *pairs, struct agg_sort_pair *tmp,
    size_t n, const uint64_t varies[2])
{
	struct agg_sort_pair	*src = pairs, *dst = tmp, *swap;
	size_t			 count[256], pos, d, i, b;
	unsigned int		 shift;
	int			 w;

	for (d = 4; d < 16; d++) {
		w = d < 8 ? 1 : 0;
		shift = (unsigned int)(d % 8) * 8;
		if ((varies[w] >> shift & 0xff) == 0)
			continue;
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++) {
			b = (size_t)((w == 0 ? src[i].major : src[i].minor) >>
			    shift & 0xff);
			count[b]++;
		}
		for (b = 0, pos = 0; b < 256; b++) {
			i = count[b];
			count[b] = pos;
			pos += i;
		}
		for (i = 0; i < n; i++) {
			b = (size_t)((w == 0 ? src[i].major : src[i].minor) >>
			    shift & 0xff);
			dst[count[b]++] = src[i];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	return src;
}

/* The major word of agg_sort_pair for a score and an event count. */
static inline uint64_t
agg_sort_major(int32_t score, uint64_t events)
{
	/* The sign bit flipped gives the order of int32_t. */
	uint32_t	s = (uint32_t)score ^ 0x80000000U;

	return (uint64_t)~s << 32 | (uint32_t)~(uint32_t)events;
}

/* The key of suspect i for agg_sort_key_cmp. */
static void
agg_sort_key_set(struct agg_sort_key *key, const struct client *c,
    size_t i)
{
	key->score = c->score;
	key->index = (uint32_t)i;
	key->events = c->events;
	key->low = 0;
	if (c->addr.family == AF_INET)
		key->high = agg_sort_word(c->addr.bytes, 4);
	else {
		key->index |= AGG_SORT_IPV6;
		key->high = agg_sort_word(c->addr.bytes, 8);
		key->low = agg_sort_word(c->addr.bytes + 8, 8);
	}
}

/*
 * Sort the keys as agg_suspects_keys does, for suspects with fewer than
 * 2^32 events each.  Returns NULL, having sorted nothing, when a suspect
 * has more.  The IPv4
 * suspects are sorted as pairs by agg_sort_pairs, the IPv6 ones by the
 * merge sort, and both lists merged.  At most 48 bytes per suspect are
 * held at a time, as in the merge sort alone, and 16 more per IPv6
 * suspect.
 */
static struct agg_sort_key *
agg_suspects_keys_pairs(struct client *const *suspects, size_t n)
{
	struct agg_sort_pair	*pairs, *tmp, *sorted;
	struct agg_sort_key	*keys, *keys6, *tmp6;
	const struct client	*c;
	uint64_t		 or[2] = { 0, 0 }, and[2] = { ~0ULL, ~0ULL };
	uint64_t		 varies[2], major6 = 0;
	uint32_t		 addr;
	size_t			 i, j, k = 0, n4 = 0, n6 = 0;

	for (i = 0; i < n; i++) {
		if (suspects[i]->events > UINT32_MAX)
			return NULL;
		if (suspects[i]->addr.family == AF_INET)
			n4++;
	}
	pairs = xreallocarray(NULL, n4 + 1, sizeof *pairs);
	keys6 = xreallocarray(NULL, n - n4 + 1, sizeof *keys6);
	for (i = 0; i < n; i++) {
		c = suspects[i];
		if (c->addr.family != AF_INET) {
			agg_sort_key_set(&keys6[n6++], c, i);
			continue;
		}
		addr = (uint32_t)c->addr.bytes[0] << 24 |
		    (uint32_t)c->addr.bytes[1] << 16 |
		    (uint32_t)c->addr.bytes[2] << 8 | c->addr.bytes[3];
		pairs[k].major = agg_sort_major(c->score, c->events);
		pairs[k].minor = (uint64_t)addr << 32 | i;
		or[0] |= pairs[k].major;
		and[0] &= pairs[k].major;
		or[1] |= pairs[k].minor;
		and[1] &= pairs[k].minor;
		k++;
	}
	tmp6 = xreallocarray(NULL, n6 / 2 + 1, sizeof *tmp6);
	agg_sort_keys(keys6, tmp6, n6);
	free(tmp6);
	varies[0] = or[0] ^ and[0];
	varies[1] = or[1] ^ and[1];
	tmp = xreallocarray(NULL, n4 + 1, sizeof *tmp);
	sorted = agg_sort_pairs(pairs, tmp, n4, varies);
	free(sorted == pairs ? tmp : pairs);

	/* At equal score and events, IPv4 comes first. */
	keys = xcalloc(n + 1, sizeof *keys);
	for (i = 0, j = 0, k = 0; k < n; k++) {
		if (j < n6)
			major6 = agg_sort_major(keys6[j].score,
			    keys6[j].events);
		if (j == n6 || (i < n4 && sorted[i].major <= major6)) {
			keys[k].score = (int32_t)(~(uint32_t)(sorted[i].major >>
			    32) ^ 0x80000000U);
			keys[k].events = (uint32_t)~(uint32_t)sorted[i].major;
			keys[k].index = (uint32_t)sorted[i].minor;
			keys[k].high = sorted[i].minor >> 32 << 32;
			i++;
		} else
			keys[k] = keys6[j++];
	}
	free(sorted);
	free(keys6);
	return keys;
}

/*
 * Build the sort keys of suspects, sorted by agg_sort_key_cmp.  The
 * index of each key is the suspect's position in suspects.  n is at most
 * AGG_CLIENTS_MAX, so an index fits below bit 31.
 */
static struct agg_sort_key *
agg_suspects_keys(struct client *const *suspects, size_t n)
{
	struct agg_sort_key	*keys, *tmp;
	size_t			 i;

	if (n >= AGG_SORT_PAIRS_MIN &&
	    (keys = agg_suspects_keys_pairs(suspects, n)) != NULL)
		return keys;
	keys = xcalloc(n + 1, sizeof *keys);
	for (i = 0; i < n; i++)
		agg_sort_key_set(&keys[i], suspects[i], i);
	tmp = xreallocarray(NULL, n / 2 + 1, sizeof *tmp);
	agg_sort_keys(keys, tmp, n);
	free(tmp);
	return keys;
}

/* Sort suspects by agg_sort_key_cmp, through an array of keys. */
static void
agg_suspects_sort(struct client **suspects, size_t n)
{
	struct agg_sort_key	*keys;
	struct client		**sorted;
	size_t			 i;

	if (n < 2)
		return;
	keys = agg_suspects_keys(suspects, n);
	sorted = xreallocarray(NULL, n, sizeof *sorted);
	for (i = 0; i < n; i++)
		sorted[i] = suspects[keys[i].index & ~AGG_SORT_IPV6];
	memcpy(suspects, sorted, n * sizeof *sorted);
	free(sorted);
	free(keys);
}

/*
 * Finish one client.  The no_verified_rdns key is interned already
 * (agg_finish_prepare), and the arrays that grow come from pool, so that
 * two threads can finish different clients of one agg, each with a pool
 * and weights of its own.
 */
static void
agg_finish_client_with(struct agg *agg, struct agg_pool *pool,
    struct agg_weight *weights, struct client *c)
{
	const char		*key = agg->no_verified_rdns;
	struct agg_count	*count;
	size_t			 i, len = agg_string_len(key);

	agg_evidence_unring(c);
	/*
	 * The key is interned once, so its address compares, but a merged
	 * agg brings its own copy (agg_adopt_strings), so the bytes decide
	 * when the tags match.
	 */
	for (i = 0; i < c->nreasons; i++) {
		count = &c->reasons[i];
		if (count->name == key || (count->tag ==
		    agg->no_verified_rdns_tag && count->len == len &&
		    span_equal(count->name, key, len)))
			break;
	}
	if (c->rdns == NULL) {
		if (i == c->nreasons) {
			/* Room for it: at most AGG_REASON_MAX and "other". */
			if (agg_array_full(c->nreasons))
				c->reasons = agg_pool_grow(pool, c->reasons,
				    c->nreasons, sizeof *c->reasons);
			count = &c->reasons[c->nreasons++];
			count->name = agg->no_verified_rdns;
			count->count = c->events;
			count->len = (uint32_t)len;
			count->tag = agg->no_verified_rdns_tag;
		} else
			c->reasons[i].count = c->events;
	} else if (i < c->nreasons) {
		/* A verified name showed up after an earlier finish. */
		c->reasons[i] = c->reasons[--c->nreasons];
	}
	/* A copy from an earlier finish gets the plain lines added since. */
	if ((c->nevidence == 0 || c->evidence_plain) && c->nplain > 0) {
		agg_drop_plain_copy(pool, c);
		c->evidence = agg_pool_alloc(pool,
		    agg_array_room(c->nplain) * sizeof *c->evidence);
		memcpy(c->evidence, c->plain, c->nplain * sizeof c->plain[0]);
		c->nevidence = c->nplain;
		c->evidence_plain = 1;
		for (i = 0; i < c->nevidence; i++) {
			if (c->evidence[i].has_text)
				c->evidence[i].text =
				    xstrdup(c->evidence[i].text);
		}
	}
	agg_counts_sort(c->helos, c->nhelos);
	agg_counts_sort(c->reasons, c->nreasons);
	c->score = agg_score(weights, c);
	c->suspect = c->nreasons > 0;
}

/* Intern the no_verified_rdns key before clients are finished. */
static void
agg_finish_prepare(struct agg *agg)
{
	size_t	len = strlen(REASON_NO_VERIFIED_RDNS);

	if (agg->no_verified_rdns != NULL)
		return;
	agg->no_verified_rdns = agg_intern(agg, REASON_NO_VERIFIED_RDNS, len);
	agg->no_verified_rdns_tag = agg_count_tag(agg->no_verified_rdns,
	    len);
}

static void
agg_finish_client(struct agg *agg, struct client *c)
{
	agg_finish_prepare(agg);
	agg_finish_client_with(agg, &agg->pool, agg->weights, c);
}

/* Finish all clients on the calling thread alone. */
static void
agg_finish_serial(struct agg *agg)
{
	struct agg_slab	*slab;
	struct client	*c;
	size_t		 i, n = 0;

	agg->suspects = xreallocarray(agg->suspects, agg->nclients + 1,
	    sizeof *agg->suspects);
	/*
	 * Every client is in a slab, and the slabs are read in order of
	 * memory, not of the hash table: the sort fixes the order after.
	 */
	for (slab = agg->slabs; slab != NULL; slab = slab->next) {
		for (i = 0; i < slab->used; i++) {
			c = &slab->clients[i];
			if (i + AGG_AHEAD < slab->used)
				agg_prefetch_lists(&slab->clients[i +
				    AGG_AHEAD]);
			agg_finish_client_with(agg, &agg->pool, agg->weights,
			    c);
			if (c->suspect)
				agg->suspects[n++] = c;
		}
	}
	agg_suspects_sort(agg->suspects, n);
	agg->nsuspects = n;
	agg->suspects_valid = 1;
}


/* The slab k places after slab. */
static struct agg_slab *
agg_slab_skip(struct agg_slab *slab, size_t k)
{
	for (; k > 0; k--)
		slab = slab->next;
	return slab;
}

/* The clients of n slabs from slab on. */
static size_t
agg_slabs_clients(const struct agg_slab *slab, size_t n)
{
	size_t	clients = 0;

	for (; n > 0; n--, slab = slab->next)
		clients += slab->used;
	return clients;
}

/*
 * Return the number of slabs, from 1 to nslabs - 1, at the head of a
 * list of nslabs (2 or more) that contain about half of its clients.  Slabs differ
 * in size, so a split by their count would not share the work evenly.
 */
static size_t
agg_slabs_half(const struct agg_slab *slab, size_t nslabs)
{
	size_t	half = agg_slabs_clients(slab, nslabs) / 2, n = 0, k = 0;

	while (k + 1 < nslabs && n + slab->used / 2 < half) {
		n += slab->used;
		slab = slab->next;
		k++;
	}
	return k > 0 ? k : 1;
}

/*
 * Run fn with helper_arg on a new thread and with own_arg on the calling
 * thread, or both on the calling thread when no thread starts.
 */
static void
agg_run_pair(void *(*fn)(void *), void *helper_arg, void *own_arg)
{
	pthread_t	tid;
	int		threaded;

	threaded = pthread_create(&tid, NULL, fn, helper_arg) == 0;
	(void)fn(own_arg);
	if (threaded)
		pthread_join(tid, NULL);
	else
		(void)fn(helper_arg);
}

/* The clients of a run of slabs, finished by one thread of agg_finish. */
struct agg_finish_half {
	struct agg		 *agg;
	struct agg_slab		 *slabs;	/* the first slab of the run */
	size_t			  nslabs;
	struct agg_pool		 *pool;		/* for the arrays that grow */
	struct agg_weight	 *weights;
	struct client		**suspects;	/* of these slabs */
	size_t			  nsuspects;
	struct agg_sort_key	 *keys;		/* of suspects, sorted */
};

/* Finish the clients of a run of slabs and sort its suspects' keys. */
static void
agg_finish_slabs(struct agg_finish_half *half)
{
	struct agg_slab	*slab;
	struct client	*c;
	size_t		 i, k;

	half->suspects = xreallocarray(NULL, agg_slabs_clients(half->slabs,
	    half->nslabs) + 1, sizeof *half->suspects);
	slab = half->slabs;
	for (k = 0; k < half->nslabs; k++, slab = slab->next) {
		for (i = 0; i < slab->used; i++) {
			c = &slab->clients[i];
			if (i + AGG_AHEAD < slab->used)
				agg_prefetch_lists(&slab->clients[i +
				    AGG_AHEAD]);
			agg_finish_client_with(half->agg, half->pool,
			    half->weights, c);
			if (c->suspect)
				half->suspects[half->nsuspects++] = c;
		}
	}
	half->keys = agg_suspects_keys(half->suspects, half->nsuspects);
}

static void *
agg_finish_thread(void *arg)
{
	agg_finish_slabs(arg);
	return NULL;
}

/* Move the chunks of from into pool, and drop the free lists of from. */
static void
agg_pool_adopt(struct agg_pool *pool, struct agg_pool *from)
{
	struct agg_pool_chunk	*last;

	if ((last = from->chunks) == NULL)
		return;
	while (last->next != NULL)
		last = last->next;
	last->next = pool->chunks;
	pool->chunks = from->chunks;
	pool->total += from->total;
	memset(from, 0, sizeof *from);
}

/* Merge the sorted suspects of both halves into agg->suspects. */
static void
agg_finish_merge(struct agg *agg, const struct agg_finish_half *a,
    const struct agg_finish_half *b)
{
	size_t	i = 0, j = 0, n = 0;

	while (i < a->nsuspects && j < b->nsuspects) {
		if (agg_sort_key_cmp(&a->keys[i], &b->keys[j]) <= 0)
			agg->suspects[n++] = a->suspects[a->keys[i++].index &
			    ~AGG_SORT_IPV6];
		else
			agg->suspects[n++] = b->suspects[b->keys[j++].index &
			    ~AGG_SORT_IPV6];
	}
	for (; i < a->nsuspects; i++)
		agg->suspects[n++] = a->suspects[a->keys[i].index &
		    ~AGG_SORT_IPV6];
	for (; j < b->nsuspects; j++)
		agg->suspects[n++] = b->suspects[b->keys[j].index &
		    ~AGG_SORT_IPV6];
	agg->nsuspects = n;
}

/*
 * Finish the clients on two threads.  A helper takes the first half of
 * the slabs, with a pool and weights of its own, and the calling thread
 * the rest.  The suspects come out in the order of agg_finish_serial,
 * because agg_sort_key_cmp orders any two suspects.
 */
static void
agg_finish_parallel(struct agg *agg, size_t nslabs)
{
	struct agg_finish_half	 half[2];
	struct agg_weight	 weights[AGG_WEIGHT_SLOTS];
	struct agg_pool		 pool;
	size_t			 k;

	memset(half, 0, sizeof half);
	memset(weights, 0, sizeof weights);
	memset(&pool, 0, sizeof pool);
	half[0].agg = half[1].agg = agg;
	half[0].slabs = agg->slabs;
	half[0].nslabs = agg_slabs_half(agg->slabs, nslabs);
	half[0].pool = &pool;
	half[0].weights = weights;
	half[1].slabs = agg_slab_skip(agg->slabs, half[0].nslabs);
	half[1].nslabs = nslabs - half[0].nslabs;
	half[1].pool = &agg->pool;
	half[1].weights = agg->weights;

	agg_run_pair(agg_finish_thread, &half[0], &half[1]);
	agg_pool_adopt(&agg->pool, &pool);

	agg->suspects = xreallocarray(agg->suspects, agg->nclients + 1,
	    sizeof *agg->suspects);
	agg_finish_merge(agg, &half[0], &half[1]);
	agg->suspects_valid = 1;
	for (k = 0; k < 2; k++) {
		free(half[k].suspects);
		free(half[k].keys);
	}
}

void
agg_finish(struct agg *agg)
{
	struct agg_slab	*slab;
	size_t		 nslabs = 0;

	agg_finish_prepare(agg);
	for (slab = agg->slabs; slab != NULL; slab = slab->next)
		nslabs++;
	if (agg->nclients < agg->thread_min || nslabs < 2 ||
	    logread_threads_default() < 2)
		agg_finish_serial(agg);
	else
		agg_finish_parallel(agg, nslabs);
}

size_t
agg_clients(const struct agg *agg)
{
	return agg->nclients;
}

uint64_t
agg_dropped(const struct agg *agg)
{
	return agg->dropped;
}

void
agg_set_max_clients(struct agg *agg, size_t max)
{
	if (max < 1)
		max = 1;
	agg->max_clients = max < AGG_CLIENTS_MAX ? max : AGG_CLIENTS_MAX;
}

size_t
agg_max_clients(const struct agg *agg)
{
	return agg->max_clients;
}

void
agg_set_thread_min(struct agg *agg, size_t min)
{
	agg->thread_min = min > 0 ? min : AGG_THREAD_MIN;
}

struct client **
agg_suspects(struct agg *agg, size_t *count)
{
	if (!agg->suspects_valid)
		agg_finish(agg);
	*count = agg->nsuspects;
	return agg->suspects;
}

enum client_status
client_status(const struct client *c)
{
	if (c->whitelisted)
		return CLIENT_WHITELISTED;
	if (c->reported_at != 0)
		return CLIENT_REPORTED;
	if (c->marked)
		return CLIENT_MARKED;
	return CLIENT_NEW;
}

const char *
client_status_name(enum client_status s)
{
	switch (s) {
	case CLIENT_MARKED:
		return "marked";
	case CLIENT_WHITELISTED:
		return "whitelisted";
	case CLIENT_REPORTED:
		return "reported";
	case CLIENT_NEW:
		break;
	}
	return "new";
}

int
agg_read_evidence(const struct agg *agg, const struct agg_evidence *ev,
    char **line, char **cause)
{
	const char	*path;
	char		*buf, *nl;
	ssize_t		 n;
	size_t		 have = 0, size = 4096;
	int		 fd;

	if ((path = agg_file_path(agg, ev->file)) == NULL) {
		xasprintf(cause, "no input file with index %u", ev->file);
		return -1;
	}
	if (agg->readers[ev->file].fn != NULL)
		return agg->readers[ev->file].fn(agg->readers[ev->file].arg,
		    ev, line, cause);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = xmalloc(size + 1);
	for (;;) {
		n = pread(fd, buf + have, size - have,
		    (off_t)(ev->offset + have));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		buf[have + (size_t)n] = '\0';
		nl = memchr(buf + have, '\n', (size_t)n);
		have += (size_t)n;
		if (nl != NULL || n == 0 || have >= LOGREAD_LINE_MAX) {
			if (nl != NULL)
				*nl = '\0';
			break;
		}
		if (have == size) {
			size *= 2;
			buf = xreallocarray(buf, 1, size + 1);
		}
	}
	close(fd);
	if (have == 0) {
		xasprintf(cause, "%s: line %llu is gone (file shorter than "
		    "offset %llu)", path, (unsigned long long)ev->line,
		    (unsigned long long)ev->offset);
		free(buf);
		return -1;
	}
	*line = buf;
	return 0;
}

void
agg_set_file_reader(struct agg *agg, uint32_t file,
    int (*fn)(void *, const struct agg_evidence *, char **, char **),
    void *arg)
{
	if (file >= agg->nfiles)
		return;
	agg->readers[file].fn = fn;
	agg->readers[file].arg = arg;
}

void
agg_set_file_path(struct agg *agg, uint32_t file, const char *path)
{
	if (file >= agg->nfiles)
		return;
	free(agg->files[file]);
	agg->files[file] = xstrdup(path);
}

/*
 * Move the string arenas of src into agg for agg_merge, so that the
 * names of src's clients stay valid there as they are, and nothing is
 * copied or interned.  A name can then be in agg twice, at
 * two addresses, and only agg_finish_client compares names by address
 * (the no_verified_rdns key), with the bytes as a fallback.
 */
static void
agg_adopt_strings(struct agg *agg, struct agg *src)
{
	struct agg_arena	*last;

	if ((last = src->arenas) == NULL)
		return;
	while (last->next != NULL)
		last = last->next;
	last->next = agg->arenas;
	agg->arenas = src->arenas;
	agg->arena_total += src->arena_total;
	src->arenas = NULL;
	src->arena_total = 0;
}

/* The count of counts[0, n) with the name of key, or NULL. */
static inline struct agg_count *
agg_count_find(struct agg_count *counts, size_t n,
    const struct agg_count *key)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (counts[i].len == key->len && counts[i].tag == key->tag &&
		    span_equal(counts[i].name, key->name, key->len))
			return &counts[i];
	}
	return NULL;
}

/*
 * Count from in counts, as agg_count_add_tag would with its name, by
 * keeping the name of from, which agg owns.  Returns 0, or -1 when the
 * list has max entries and not the name of from.
 */
static int
agg_merge_count(struct agg_pool *pool, struct agg_count **counts, size_t *n,
    size_t max, const struct agg_count *from)
{
	struct agg_count	*c;

	if ((c = agg_count_find(*counts, *n, from)) != NULL) {
		c->count += from->count;
		return 0;
	}
	if (*n >= max)
		return -1;
	if (agg_array_full(*n))
		*counts = agg_pool_grow(pool, *counts, *n, sizeof **counts);
	(*counts)[(*n)++] = *from;
	return 0;
}

/*
 * Append k entries to an evidence array of *n entries, growing it at
 * most once, to the room that k calls of agg_evidence_append leave.
 */
static void
agg_evidence_append_many(struct agg_pool *pool, struct agg_evidence **list,
    size_t *n, const struct agg_evidence *from, size_t k)
{
	struct agg_evidence	*p;
	size_t			 room = agg_array_room(*n);
	size_t			 need = agg_array_room(*n + k);

	if (k == 0)
		return;
	if (need > room) {
		p = agg_pool_alloc(pool, need * sizeof *p);
		if (*n > 0)
			memcpy(p, *list, *n * sizeof *p);
		agg_pool_free(pool, *list, room * sizeof *p);
		*list = p;
	}
	memcpy(*list + *n, from, k * sizeof *p);
	*n += k;
}

/*
 * Drop the oldest n (at most AGG_EVIDENCE_LAST) of the latest lines of
 * c, whose evidence list is full, and move the others down to make room
 * for n at the end.
 */
static void
agg_merge_evidence_shift(struct client *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		agg_evidence_free_text(&c->evidence[AGG_EVIDENCE_FIRST + i]);
	memmove(&c->evidence[AGG_EVIDENCE_FIRST],
	    &c->evidence[AGG_EVIDENCE_FIRST + n],
	    (AGG_EVIDENCE_LAST - n) * sizeof c->evidence[0]);
}

/*
 * Append the evidence of src to c.  src keeps the first and the latest
 * lines of its part, which are all that c can keep of them, so adding
 * those in order leaves c as adding every line would.
 */
static void
agg_merge_evidence(struct agg_pool *pool, struct client *c,
    struct client *src, uint64_t lines)
{
	size_t	i, rest;

	/*
	 * Lines with a reason in src replace a copy of plain lines in c.  A
	 * copy in src is dropped, because its plain lines are merged below.
	 */
	if (src->evidence_plain) {
		agg_free_texts(src->evidence, src->nevidence);
		src->nevidence = 0;
		src->evidence_plain = 0;
	}
	if (c->evidence_plain && src->nevidence > 0)
		agg_drop_plain_copy(pool, c);
	agg_evidence_unring(c);
	agg_evidence_unring(src);
	for (i = 0; i < src->nevidence; i++)
		src->evidence[i].line += lines;
	i = AGG_EVIDENCE_MAX - c->nevidence;
	if (i > src->nevidence)
		i = src->nevidence;
	agg_evidence_append_many(pool, &c->evidence, &c->nevidence,
	    src->evidence, i);
	/*
	 * The list of c is full: the rest of src replaces the oldest of the
	 * latest lines, as agg_add_evidence would one at a time, with one
	 * move instead of one per line.
	 */
	if ((rest = src->nevidence - i) > 0) {
		for (; rest > AGG_EVIDENCE_LAST; rest--)
			agg_evidence_free_text(&src->evidence[i++]);
		agg_merge_evidence_shift(c, rest);
		memcpy(&c->evidence[AGG_EVIDENCE_MAX - rest], &src->evidence[i],
		    rest * sizeof c->evidence[0]);
	}
	c->evidence_seen += src->evidence_seen;
	for (i = 0; i < src->nplain; i++) {
		src->plain[i].line += lines;
		if ((c->nevidence == 0 || c->evidence_plain) &&
		    c->nplain < AGG_EVIDENCE_FIRST)
			agg_add_plain(pool, c, &src->plain[i]);
		else
			agg_evidence_free_text(&src->plain[i]);
	}
	if (c->nevidence > 0 && !c->evidence_plain && c->nplain != 0)
		agg_drop_plain(pool, c);
	/* The arrays of src go with the pool of src. */
	src->evidence = src->plain = NULL;
	src->nevidence = src->nplain = 0;
}

/* Add the times and the event count of src to c. */
static void
agg_merge_times(struct client *c, const struct client *src)
{
	if (c->events == 0) {
		c->first = src->first;
		c->last = src->last;
	} else if (src->events > 0) {
		if (agg_ts_before(&src->first, &c->first))
			c->first = src->first;
		if (agg_ts_before(&c->last, &src->last))
			c->last = src->last;
	}
	c->events += src->events;
}

/*
 * Add src, a client of a later part of the input, to c, the client of
 * the same address in agg.  agg must own the strings of src
 * (agg_adopt_strings) and have interned "other" (agg->other).  Nothing
 * else of agg changes but pool, so two threads can do this for
 * different clients, each with a pool of its own.
 */
static void
agg_merge_into(const struct agg *agg, struct agg_pool *pool, struct client *c,
    struct client *src, uint64_t lines)
{
	struct agg_count	 other;
	size_t			 i;

	agg_merge_times(c, src);
	for (i = 0; i < src->nhelos; i++) {
		if (agg_merge_count(pool, &c->helos, &c->nhelos, AGG_HELO_MAX,
		    &src->helos[i]) == -1)
			c->helo_other += src->helos[i].count;
	}
	c->helo_other += src->helo_other;
	for (i = 0; i < src->nreasons; i++) {
		if (agg_merge_count(pool, &c->reasons, &c->nreasons,
		    AGG_REASON_MAX, &src->reasons[i]) == 0)
			continue;
		other.name = agg->other;
		other.count = src->reasons[i].count;
		other.len = 5;
		other.tag = agg->other_tag;
		agg_merge_count(pool, &c->reasons, &c->nreasons,
		    AGG_REASON_MAX + 1, &other);
	}
	/* The part's copy of the same name has another address. */
	if (src->rdns != NULL && (c->rdns == NULL ||
	    agg_string_len(c->rdns) != agg_string_len(src->rdns) ||
	    !span_equal(c->rdns, src->rdns, agg_string_len(src->rdns))))
		c->rdns = src->rdns;
	agg_merge_evidence(pool, c, src, lines);
}

/* Add one client of a later part of the input to agg. */
static int
agg_merge_client(struct agg *agg, struct client *src, uint64_t lines)
{
	struct client	*c;

	if ((c = agg_lookup_or_create(agg, &src->addr, agg_hash(&src->addr),
	    src)) == NULL)
		return -1;
	agg_merge_into(agg, &agg->pool, c, src, lines);
	return 0;
}

/*
 * Prepare agg for the clients of src.  It takes the strings of src and
 * interns "other" for reasons that overflow.
 */
static void
agg_merge_begin(struct agg *agg, struct agg *src)
{
	agg_adopt_strings(agg, src);
	if (agg->other == NULL) {
		agg->other = agg_intern(agg, "other", 5);
		agg->other_tag = agg_count_tag(agg->other, 5);
	}
}

/*
 * Prefetch the data that merging client i of slab into agg reads, a few
 * clients ahead: agg's hash slot, its client and the lists.
 */
static void
agg_merge_prefetch(const struct agg *agg, const struct agg_slab *slab,
    size_t i)
{
	const struct client	*c;

	if (i + 2 * AGG_AHEAD < slab->used)
		agg_prefetch_slot(agg,
		    agg_hash(&slab->clients[i + 2 * AGG_AHEAD].addr));
	if (i + AGG_AHEAD < slab->used) {
		c = &slab->clients[i + AGG_AHEAD];
		agg_prefetch_client(agg, agg_hash(&c->addr));
		agg_prefetch_lists(c);
	}
}

/* The clients of a run of src's slabs, merged by one thread. */
struct agg_merge_half {
	struct agg		 *agg;
	struct agg_slab		 *slabs;	/* the first slab of the run */
	size_t			  nslabs;
	struct agg_pool		 *pool;		/* for the arrays that grow */
	uint64_t		  lines;
	struct client		**later;	/* left for agg_merge_client */
	size_t			  nlater;
};

/*
 * Merge the clients of a run of src's slabs that agg has already, and
 * keep the others in half->later.
 */
static void
agg_merge_slabs(struct agg_merge_half *half)
{
	const struct agg	*agg = half->agg;
	struct agg_slab		*slab;
	struct client		*src, *c;
	size_t			 i, k;

	half->later = xreallocarray(NULL, agg_slabs_clients(half->slabs,
	    half->nslabs) + 1, sizeof *half->later);
	slab = half->slabs;
	for (k = 0; k < half->nslabs; k++, slab = slab->next) {
		for (i = 0; i < slab->used; i++) {
			agg_merge_prefetch(agg, slab, i);
			src = &slab->clients[i];
			c = agg->slots[agg_slot(agg, &src->addr,
			    agg_hash(&src->addr))].client;
			if (c != NULL)
				agg_merge_into(agg, half->pool, c, src,
				    half->lines);
			else
				half->later[half->nlater++] = src;
		}
	}
}

static void *
agg_merge_thread(void *arg)
{
	agg_merge_slabs(arg);
	return NULL;
}

/*
 * Merge src into agg on two threads.  A helper merges the clients of the first
 * half of src's slabs that agg already has with the same names, with a
 * pool of its own, and the calling thread those of the other half.  Then
 * the calling thread merges the rest, which may intern names and add
 * clients.  Merging one client never reads another, so the order of the
 * clients does not change the result.
 */
static int
agg_merge_parallel(struct agg *agg, struct agg *src, uint64_t lines,
    size_t nslabs)
{
	struct agg_merge_half	 half[2];
	struct agg_pool		 pool;
	size_t			 i, k;
	int			 rc = 0;

	memset(half, 0, sizeof half);
	memset(&pool, 0, sizeof pool);
	half[0].agg = half[1].agg = agg;
	half[0].lines = half[1].lines = lines;
	half[0].slabs = src->slabs;
	half[0].nslabs = agg_slabs_half(src->slabs, nslabs);
	half[0].pool = &pool;
	half[1].slabs = agg_slab_skip(src->slabs, half[0].nslabs);
	half[1].nslabs = nslabs - half[0].nslabs;
	half[1].pool = &agg->pool;

	agg_run_pair(agg_merge_thread, &half[0], &half[1]);
	agg_pool_adopt(&agg->pool, &pool);

	for (k = 0; k < 2; k++) {
		for (i = 0; rc == 0 && i < half[k].nlater; i++)
			rc = agg_merge_client(agg, half[k].later[i], lines);
		free(half[k].later);
	}
	return rc;
}

/* Merge src into agg on the calling thread alone. */
static int
agg_merge_serial(struct agg *agg, struct agg *src, uint64_t lines)
{
	struct agg_slab	*slab;
	size_t		 i;

	/* The clients of src in the order of its slabs, that of memory. */
	for (slab = src->slabs; slab != NULL; slab = slab->next) {
		for (i = 0; i < slab->used; i++) {
			agg_merge_prefetch(agg, slab, i);
			if (agg_merge_client(agg, &slab->clients[i],
			    lines) == -1)
				return -1;
		}
	}
	return 0;
}

int
agg_merge(struct agg *agg, struct agg *src, uint64_t lines)
{
	struct agg	 tmp;
	struct agg_slab	*slab;
	size_t		 nslabs = 0;

	agg->suspects_valid = 0;
	if (src->dropped > 0 || src->nclients > agg->max_clients)
		return -1;
	if (agg->nclients == 0 && lines == 0) {
		/* Take the clients and strings of src as they are. */
		tmp = *agg;
		agg->slots = src->slots;
		agg->nslots = src->nslots;
		agg->nclients = src->nclients;
		agg->slabs = src->slabs;
		agg->slab_total = src->slab_total;
		agg->arena_total = src->arena_total;
		agg->pool = src->pool;
		agg->texts = src->texts;
		agg->strings = src->strings;
		agg->nstrings_slots = src->nstrings_slots;
		agg->nstrings = src->nstrings;
		agg->arenas = src->arenas;
		src->slots = tmp.slots;
		src->nslots = tmp.nslots;
		src->nclients = tmp.nclients;
		src->slabs = tmp.slabs;
		src->slab_total = tmp.slab_total;
		src->arena_total = tmp.arena_total;
		src->pool = tmp.pool;
		src->texts = tmp.texts;
		src->strings = tmp.strings;
		src->nstrings_slots = tmp.nstrings_slots;
		src->nstrings = tmp.nstrings;
		src->arenas = tmp.arenas;
		memset(agg->weights, 0, sizeof agg->weights);
		memset(agg->recent, 0, sizeof agg->recent);
		agg->no_verified_rdns = NULL;
		agg->other = NULL;
		memset(src->weights, 0, sizeof src->weights);
		memset(src->recent, 0, sizeof src->recent);
		src->no_verified_rdns = NULL;
		src->other = NULL;
		return 0;
	}
	/* A flag for agg_free: the copied lines move from src to agg. */
	agg->texts += src->texts;
	agg_merge_begin(agg, src);
	for (slab = src->slabs; slab != NULL; slab = slab->next)
		nslabs++;
	if (src->nclients >= agg->thread_min && nslabs >= 2 &&
	    logread_threads_default() >= 2)
		return agg_merge_parallel(agg, src, lines, nslabs);
	return agg_merge_serial(agg, src, lines);
}

int
agg_merge_step(struct agg *agg, struct agg *src, uint64_t lines,
    size_t *slot, size_t max)
{
	struct client	*c;
	size_t		 end;
	int		 rc;

	if (*slot == 0 && agg->nclients == 0 && lines == 0) {
		rc = agg_merge(agg, src, 0);
		*slot = src->nslots;
		return rc;
	}
	agg->suspects_valid = 0;
	if (*slot == 0 && (src->dropped > 0 ||
	    src->nclients > agg->max_clients))
		return -1;
	if (*slot == 0)
		agg->texts += src->texts;
	if (*slot == 0)
		agg_merge_begin(agg, src);
	end = src->nslots - *slot > max ? *slot + max : src->nslots;
	for (; *slot < end; (*slot)++) {
		if ((c = src->slots[*slot].client) != NULL &&
		    agg_merge_client(agg, c, lines) == -1)
			return -1;
	}
	return *slot < src->nslots ? 1 : 0;
}

void
agg_finish_job_start(struct agg *agg, struct agg_finish_job *job)
{
	memset(job, 0, sizeof *job);
	job->capacity = agg->nclients + 1;
	job->suspects = xreallocarray(NULL, job->capacity,
	    sizeof *job->suspects);
	job->spare = xreallocarray(NULL, job->capacity, sizeof *job->spare);
}

/*
 * The order of agg_suspects, as agg_sort_key_cmp gives it, on the clients
 * themselves: for the step-wise sort below.
 */
static int
agg_suspect_cmp(struct client *const *px, struct client *const *py)
{
	const struct client	*x = *px, *y = *py;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	if (x->addr.family != y->addr.family)
		return x->addr.family == AF_INET ? -1 : 1;
	return memcmp(x->addr.bytes, y->addr.bytes,
	    x->addr.family == AF_INET ? 4 : 16);
}

/* The end of a run of width suspects from at, or n. */
static size_t
agg_run_end(size_t at, size_t width, size_t n)
{
	return n - at > width ? at + width : n;
}

/*
 * A bottom-up merge sort that can stop after any move: merge two runs of
 * width suspects from job->run into spare, pair after pair, then swap the
 * arrays and double the width.
 */
static int
agg_finish_job_sort(struct agg_finish_job *job, size_t max)
{
	struct client	**tmp;
	size_t		  n = job->nsuspects, mid, end;

	while (max > 0) {
		if (job->width >= n) {
			job->done = 1;
			return 0;
		}
		mid = agg_run_end(job->run, job->width, n);
		end = agg_run_end(mid, job->width, n);
		if (job->out == end) {
			job->run = end;
			if (job->run >= n) {
				tmp = job->suspects;
				job->suspects = job->spare;
				job->spare = tmp;
				job->width *= 2;
				job->run = 0;
			}
			job->left = job->out = job->run;
			job->right = agg_run_end(job->run, job->width, n);
			continue;
		}
		if (job->right == end || (job->left < mid &&
		    agg_suspect_cmp(&job->suspects[job->left],
		    &job->suspects[job->right]) <= 0))
			job->spare[job->out++] = job->suspects[job->left++];
		else
			job->spare[job->out++] = job->suspects[job->right++];
		max--;
	}
	return 1;
}

int
agg_finish_job_step(struct agg *agg, struct agg_finish_job *job, size_t max)
{
	struct client	*c;
	size_t		 end;

	if (job->done)
		return 0;
	if (job->sorting)
		return agg_finish_job_sort(job, max);
	end = agg->nslots - job->slot > max ? job->slot + max : agg->nslots;
	for (; job->slot < end; job->slot++) {
		if ((c = agg->slots[job->slot].client) == NULL)
			continue;
		agg_finish_client(agg, c);
		/* Only a caller that broke the contract adds clients. */
		if (c->suspect && job->nsuspects < job->capacity)
			job->suspects[job->nsuspects++] = c;
	}
	if (job->slot < agg->nslots)
		return 1;
	job->sorting = 1;
	job->width = 1;
	job->run = job->left = job->out = 0;
	job->right = agg_run_end(0, 1, job->nsuspects);
	return 1;
}

struct client **
agg_finish_job_install(struct agg *agg, struct agg_finish_job *job,
    size_t *count)
{
	free(agg->suspects);
	agg->suspects = job->suspects;
	agg->nsuspects = job->nsuspects;
	agg->suspects_valid = 1;
	job->suspects = NULL;
	*count = agg->nsuspects;
	return agg->suspects;
}

void
agg_finish_job_free(struct agg_finish_job *job)
{
	free(job->suspects);
	free(job->spare);
	memset(job, 0, sizeof *job);
}
