/* Aggregation of events into one entry per client IP. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "logread.h"
#include "reason.h"
#include "xmalloc.h"

/* Maximum length of a reason key: a name, ":" and a cut warning text. */
#define AGG_KEY_MAX	(64 + 1 + REASON_ARG_MAX)
/* Clients allocated at a time; their addresses never change. */
#define AGG_SLAB_CLIENTS	1024
/* Bytes of interned strings allocated at a time. */
#define AGG_ARENA_SIZE		(64 * 1024)

/* A slot of the client table: the hash, so most probes skip the client. */
struct agg_slot {
	uint64_t	 hash;
	struct client	*client;	/* NULL: empty */
};

/* Clients allocated together, chained for agg_free. */
struct agg_slab {
	struct agg_slab	*next;
	size_t		 used;
	struct client	 clients[AGG_SLAB_CLIENTS];
};

/* Storage of interned strings, chained for agg_free. */
struct agg_arena {
	struct agg_arena *next;
	size_t		  used;
	char		  bytes[AGG_ARENA_SIZE];
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
	_Alignas(AGG_POOL_ALIGN) unsigned char bytes[AGG_POOL_CHUNK];
};

struct agg_pool {
	struct agg_pool_chunk	*chunks;
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

/* Copies of the strings of a merged agg, by their address there. */
#define AGG_COPY_SLOTS		1024

struct agg_copy {
	const char	*from;		/* NULL: empty */
	char		*to;
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
	size_t		  max_clients;	/* AGG_CLIENTS_MAX or the config's */
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
	 * Reason weights by interned key, and the interned key of
	 * no_verified_rdns, for agg_finish.  Both refer to strings, so a
	 * merge that takes the strings of another agg clears them.
	 */
	struct agg_weight weights[AGG_WEIGHT_SLOTS];
	const char	 *no_verified_rdns;

	/* Strings of merge_from interned here (agg_merge_intern). */
	const struct agg *merge_from;
	struct agg_copy	  copies[AGG_COPY_SLOTS];

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

struct agg *
agg_create(void)
{
	struct agg	*agg;

	agg = xcalloc(1, sizeof *agg);
	agg->nslots = 1024;
	agg->slots = xcalloc(agg->nslots, sizeof *agg->slots);
	agg->max_clients = AGG_CLIENTS_MAX;
	agg->nstrings_slots = 1024;
	agg->strings = xcalloc(agg->nstrings_slots, sizeof *agg->strings);
	return agg;
}

static void
agg_free_texts(struct agg_evidence *ev, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ev[i].text);
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
		free(chunk);
	}
	while ((slab = agg->slabs) != NULL) {
		agg->slabs = slab->next;
		free(slab);
	}
	while ((arena = agg->arenas) != NULL) {
		agg->arenas = arena->next;
		free(arena);
	}
	free(agg->strings);
	for (i = 0; i < agg->nfiles; i++)
		free(agg->files[i]);
	free(agg->files);
	free(agg->readers);
	free(agg->slots);
	free(agg->suspects);
	free(agg);
}

uint32_t
agg_add_file(struct agg *agg, const char *path)
{
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
	agg->slots = xcalloc(agg->nslots, sizeof *agg->slots);
	for (i = 0; i < nold; i++) {
		size_t	j;

		if (old[i].client == NULL)
			continue;
		for (j = old[i].hash & mask; agg->slots[j].client != NULL;
		    j = (j + 1) & mask)
			;
		agg->slots[j] = old[i];
	}
	free(old);
}

struct client *
agg_find(struct agg *agg, const struct event_addr *a)
{
	uint64_t	h = agg_hash(a);

	return agg->slots[agg_slot(agg, a, h)].client;
}

void
agg_prefetch_slot(const struct agg *agg, const struct event_addr *a)
{
	__builtin_prefetch(&agg->slots[agg_hash(a) & (agg->nslots - 1)]);
}

void
agg_prefetch_counts(const struct agg *agg, const struct event_addr *a)
{
	const struct agg_slot	*s;
	const struct client	*c;
	uint64_t		 h = agg_hash(a);

	s = &agg->slots[h & (agg->nslots - 1)];
	if ((c = s->client) == NULL || s->hash != h)
		return;
	if (c->helos != NULL)
		__builtin_prefetch(c->helos);
	if (c->reasons != NULL)
		__builtin_prefetch(c->reasons);
}

void
agg_prefetch_client(const struct agg *agg, const struct event_addr *a)
{
	const struct agg_slot	*s;
	uint64_t		 h = agg_hash(a);

	s = &agg->slots[h & (agg->nslots - 1)];
	if (s->client != NULL && s->hash == h)
		__builtin_prefetch(s->client);
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

	if (slab == NULL || slab->used == AGG_SLAB_CLIENTS) {
		slab = xcalloc(1, sizeof *slab);
		slab->next = agg->slabs;
		agg->slabs = slab;
	}
	return &slab->clients[slab->used++];
}

/*
 * Write an IPv4 address as inet_ntop does ("%u.%u.%u.%u"), without its
 * sprintf, into ip, which has room for at least 16 bytes.
 */
static void
agg_format_ipv4(const uint8_t *bytes, char *ip)
{
	size_t	i, n = 0;
	int	v;

	for (i = 0; i < 4; i++) {
		v = bytes[i];
		if (v >= 100)
			ip[n++] = (char)('0' + v / 100);
		if (v >= 10)
			ip[n++] = (char)('0' + v / 10 % 10);
		ip[n++] = (char)('0' + v % 10);
		ip[n++] = i < 3 ? '.' : '\0';
	}
}

/*
 * Write an IPv6 address as glibc's inet_ntop does, into ip of
 * INET6_ADDRSTRLEN bytes, without its cost (about 3,600 instructions a
 * call under callgrind, glibc 2.36).  Groups are lowercase hex without
 * leading zeros, and the first longest run of two or more zero groups
 * becomes "::".  When that run is the first six groups, or five followed
 * by ffff, the last four bytes are written as an IPv4 address.
 */
static void
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
			agg_format_ipv4(bytes + 12, ip + n);
			return;
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
}

/*
 * Add the client of address a, hash h, at slot i, which is empty.
 * Returns NULL when the table is full.
 */
static struct client *
agg_add_client(struct agg *agg, const struct event_addr *a, uint64_t h,
    size_t i)
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
	if (a->family == AF_INET)
		agg_format_ipv4(a->bytes, c->ip);
	else
		agg_format_ipv6(a->bytes, c->ip);
	agg->slots[i].hash = h;
	agg->slots[i].client = c;
	agg->nclients++;
	return c;
}

/*
 * Find or add the client.  Returns NULL when it is new and the table is
 * full.
 */
static inline struct client *
agg_lookup_or_create(struct agg *agg, const struct event_addr *a)
{
	struct client	*c;
	uint64_t	 h = agg_hash(a);
	size_t		 i;

	i = agg_slot(agg, a, h);
	if ((c = agg->slots[i].client) != NULL)
		return c;
	return agg_add_client(agg, a, h, i);
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

/*
 * Compare len bytes, a word at a time.  From 8 bytes on, the last word
 * is read at len - 8 and may overlap the one before, so no byte is read
 * past len.
 */
static inline int
agg_bytes_equal(const char *a, const char *b, size_t len)
{
	uint64_t	x, y;
	size_t		i;

	if (len < 8) {
		for (i = 0; i < len; i++) {
			if (a[i] != b[i])
				return 0;
		}
		return 1;
	}
	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	memcpy(&x, a + len - 8, 8);
	memcpy(&y, b + len - 8, 8);
	return x == y;
}

/* Copy len bytes and a NUL into the arena. */
static char *
agg_arena_copy(struct agg *agg, const char *s, size_t len)
{
	struct agg_arena	*arena = agg->arenas;
	char			*p;

	if (arena == NULL || AGG_ARENA_SIZE - arena->used < len + 1) {
		arena = xmalloc(sizeof *arena);
		arena->used = 0;
		arena->next = agg->arenas;
		agg->arenas = arena;
	}
	p = arena->bytes + arena->used;
	memcpy(p, s, len);
	p[len] = '\0';
	arena->used += len + 1;
	return p;
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
		if (agg->strings[i].hash == h && strncmp(p, s, len) == 0 &&
		    p[len] == '\0')
			return p;
	}
	if ((agg->nstrings + 1) * 2 > agg->nstrings_slots) {
		old = agg->strings;
		nold = agg->nstrings_slots;
		agg->nstrings_slots *= 2;
		mask = agg->nstrings_slots - 1;
		agg->strings = xcalloc(agg->nstrings_slots,
		    sizeof *agg->strings);
		for (k = 0; k < nold; k++) {
			if (old[k].str == NULL)
				continue;
			for (i = old[k].hash & mask;
			    agg->strings[i].str != NULL; i = (i + 1) & mask)
				;
			agg->strings[i] = old[k];
		}
		free(old);
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
 * agg_intern for a string interned in the agg being merged, remembered by
 * its address while that agg does not change (agg_merge_begin).
 */
static char *
agg_merge_intern(struct agg *agg, const char *s, size_t len)
{
	struct agg_copy	*copy;
	uintptr_t	 h = (uintptr_t)s;

	copy = &agg->copies[(h ^ (h >> 5) ^ (h >> 13)) % AGG_COPY_SLOTS];
	if (copy->from != s) {
		copy->from = s;
		copy->to = agg_intern(agg, s, len);
	}
	return copy->to;
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
	size_t			 k = size / AGG_POOL_ALIGN;

	if (size == 0 || size % AGG_POOL_ALIGN != 0 ||
	    size > AGG_POOL_BLOCK_MAX)
		abort();
	if ((p = pool->free[k]) != NULL) {
		memcpy(&pool->free[k], p, sizeof pool->free[k]);
		return p;
	}
	if (chunk == NULL || AGG_POOL_CHUNK - chunk->used < size) {
		chunk = xmalloc(sizeof *chunk);
		chunk->used = 0;
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
static uint32_t
agg_count_tag(const char *s, size_t len)
{
	uint64_t	head = 0, tail = 0, h;

	if (len >= 8) {
		memcpy(&head, s, 8);
		memcpy(&tail, s + len - 8, 8);
	} else
		memcpy(&head, s, len);
	h = (head ^ (tail * 0x9e3779b97f4a7c15ULL) ^ len) *
	    0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h >> 32);
}

/* Add name to counts, which do not have it, if there is room. */
static int
agg_count_new(struct agg *agg, struct agg_count **counts, size_t *n,
    size_t max, const char *name, size_t len, uint32_t tag, int from_merge,
    uint64_t by)
{
	struct agg_count	*c;

	if (*n >= max)
		return -1;
	if (agg_array_full(*n))
		*counts = agg_pool_grow(&agg->pool, *counts, *n,
		    sizeof **counts);
	c = &(*counts)[*n];
	c->name = from_merge ? agg_merge_intern(agg, name, len) :
	    agg_intern(agg, name, len);
	c->count = by;
	c->len = (uint32_t)len;
	c->tag = tag;
	(*n)++;
	return 0;
}

/*
 * agg_count_add with the tag of name given.  With from_merge, name is an
 * interned string of the agg being merged, and agg_merge_intern copies it.
 */
static inline int
agg_count_add_tag(struct agg *agg, struct agg_count **counts, size_t *n,
    size_t max, const char *name, size_t len, uint32_t tag, int from_merge,
    uint64_t by)
{
	struct agg_count	*c;
	size_t			 i;

	for (i = 0; i < *n; i++) {
		c = &(*counts)[i];
		if (c->len == len && c->tag == tag &&
		    agg_bytes_equal(c->name, name, len)) {
			c->count += by;
			return 0;
		}
	}
	return agg_count_new(agg, counts, n, max, name, len, tag, from_merge,
	    by);
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
	    agg_count_tag(name, len), 0, by);
}

/* Append to an evidence array of at most max entries that has room. */
static void
agg_evidence_append(struct agg *agg, struct agg_evidence **list, size_t *n,
    const struct agg_evidence *ev)
{
	if (agg_array_full(*n))
		*list = agg_pool_grow(&agg->pool, *list, *n, sizeof **list);
	(*list)[(*n)++] = *ev;
}

/*
 * Move the AGG_EVIDENCE_LAST entries at last down by one.  The copies are
 * written out because a memmove call of this fixed size costs more on the
 * path of every event.
 */
static inline void
agg_evidence_shift(struct agg_evidence *last)
{
	size_t	i;

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 11
#endif
	for (i = 0; i + 1 < AGG_EVIDENCE_LAST; i++)
		last[i] = last[i + 1];
}

static void
agg_add_evidence(struct agg *agg, struct client *c,
    const struct agg_evidence *ev)
{
	c->evidence_seen++;
	if (c->nevidence < AGG_EVIDENCE_MAX) {
		agg_evidence_append(agg, &c->evidence, &c->nevidence, ev);
		return;
	}
	/* Keep the first ones; shift the latest ones so file order holds. */
	if (c->evidence[AGG_EVIDENCE_FIRST].text != NULL)
		free(c->evidence[AGG_EVIDENCE_FIRST].text);
	agg_evidence_shift(&c->evidence[AGG_EVIDENCE_FIRST]);
	c->evidence[AGG_EVIDENCE_MAX - 1] = *ev;
}

static void
agg_add_reason(struct agg *agg, struct client *c, const struct event *ev)
{
	char		 key[AGG_KEY_MAX];
	const char	*name = ev->reason;
	size_t		 len, arglen;

	len = strlen(ev->reason);
	if (len > 64)
		len = 64;
	/* Without an argument the key is the name, so it is not copied. */
	if (ev->reason_arg != NULL) {
		memcpy(key, ev->reason, len);
		arglen = ev->reason_arg_len;
		if (arglen > REASON_ARG_MAX)
			arglen = REASON_ARG_MAX;
		key[len++] = ':';
		memcpy(key + len, ev->reason_arg, arglen);
		len += arglen;
		name = key;
	}
	if (agg_count_add(agg, &c->reasons, &c->nreasons, AGG_REASON_MAX,
	    name, len, 1) == -1)
		agg_count_add(agg, &c->reasons, &c->nreasons,
		    AGG_REASON_MAX + 1, "other", 5, 1);
}

void
agg_add(struct agg *agg, const struct event *ev, uint32_t file,
    uint64_t offset, uint64_t line)
{
	agg_add_text(agg, ev, file, offset, line, NULL, 0);
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
	struct client		*c;
	struct agg_evidence	 e;
	size_t			 len;

	if ((c = agg_lookup_or_create(agg, &ev->addr)) == NULL) {
		agg->dropped++;
		return;
	}
	agg->suspects_valid = 0;
	c->events++;

	if (ev->has_time) {
		if (c->events == 1 || agg_ts_before(&ev->time, &c->first))
			c->first = ev->time;
		if (c->events == 1 || agg_ts_before(&c->last, &ev->time))
			c->last = ev->time;
	}

	if (ev->helo != NULL) {
		len = ev->helo_len > EVENT_NAME_MAX ? EVENT_NAME_MAX :
		    ev->helo_len;
		if (agg_count_add(agg, &c->helos, &c->nhelos, AGG_HELO_MAX,
		    ev->helo, len, 1) == -1)
			c->helo_other++;
	}
	if (ev->rdns != NULL) {
		len = ev->rdns_len > EVENT_NAME_MAX ? EVENT_NAME_MAX :
		    ev->rdns_len;
		if (c->rdns == NULL || strncmp(c->rdns, ev->rdns, len) != 0 ||
		    c->rdns[len] != '\0')
			c->rdns = agg_intern(agg, ev->rdns, len);
	}

	e.file = file;
	e.offset = offset;
	e.line = line;
	e.text = NULL;
	if (ev->reason != NULL) {
		agg_add_reason(agg, c, ev);
		if (text != NULL) {
			e.text = agg_text_copy(text, text_len);
			agg->texts++;
		}
		agg_add_evidence(agg, c, &e);
	} else if (c->nplain < AGG_EVIDENCE_FIRST) {
		if (text != NULL) {
			e.text = agg_text_copy(text, text_len);
			agg->texts++;
		}
		agg_evidence_append(agg, &c->plain, &c->nplain, &e);
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
agg_reason_weight(struct agg *agg, const char *key)
{
	struct agg_weight	*w;
	uintptr_t		 h = (uintptr_t)key;

	w = &agg->weights[(h ^ (h >> 4) ^ (h >> 12)) % AGG_WEIGHT_SLOTS];
	if (w->key != key) {
		w->key = key;
		w->weight = reason_weight(key);
	}
	return w->weight;
}

static int
agg_score(struct agg *agg, const struct client *c)
{
	uint64_t	n;
	int		score = 0, bits;
	size_t		i;

	for (i = 0; i < c->nreasons; i++) {
		bits = 0;
		for (n = c->reasons[i].count; n > 1; n >>= 1)
			bits++;
		score += agg_reason_weight(agg, c->reasons[i].name) *
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
 * Sort suspects by agg_sort_key_cmp, through an array of keys.  n is at
 * most AGG_CLIENTS_MAX, so an index fits below bit 31.
 */
static void
agg_suspects_sort(struct client **suspects, size_t n)
{
	struct agg_sort_key	*keys, *tmp;
	struct client		**sorted;
	size_t			 i;

	if (n < 2)
		return;
	keys = xcalloc(n, sizeof *keys);
	for (i = 0; i < n; i++) {
		keys[i].score = suspects[i]->score;
		keys[i].index = (uint32_t)i;
		keys[i].events = suspects[i]->events;
		if (suspects[i]->addr.family == AF_INET)
			keys[i].high = agg_sort_word(suspects[i]->addr.bytes,
			    4);
		else {
			keys[i].index |= AGG_SORT_IPV6;
			keys[i].high = agg_sort_word(suspects[i]->addr.bytes,
			    8);
			keys[i].low = agg_sort_word(suspects[i]->addr.bytes +
			    8, 8);
		}
	}
	tmp = xreallocarray(NULL, n / 2 + 1, sizeof *tmp);
	agg_sort_keys(keys, tmp, n);
	free(tmp);
	sorted = xreallocarray(NULL, n, sizeof *sorted);
	for (i = 0; i < n; i++)
		sorted[i] = suspects[keys[i].index & ~AGG_SORT_IPV6];
	memcpy(suspects, sorted, n * sizeof *sorted);
	free(sorted);
	free(keys);
}

static void
agg_finish_client(struct agg *agg, struct client *c)
{
	size_t	i;

	/* Every name in the lists is interned, so addresses compare. */
	if (agg->no_verified_rdns == NULL)
		agg->no_verified_rdns = agg_intern(agg,
		    REASON_NO_VERIFIED_RDNS, strlen(REASON_NO_VERIFIED_RDNS));
	for (i = 0; i < c->nreasons; i++) {
		if (c->reasons[i].name == agg->no_verified_rdns)
			break;
	}
	if (c->rdns == NULL) {
		if (i == c->nreasons)
			agg_count_add(agg, &c->reasons, &c->nreasons,
			    AGG_REASON_MAX + 2, REASON_NO_VERIFIED_RDNS,
			    strlen(REASON_NO_VERIFIED_RDNS), c->events);
		else
			c->reasons[i].count = c->events;
	} else if (i < c->nreasons) {
		/* A verified name showed up after an earlier finish. */
		c->reasons[i] = c->reasons[--c->nreasons];
	}
	if (c->nevidence == 0 && c->nplain > 0) {
		agg_pool_free(&agg->pool, c->evidence,
		    agg_array_room(c->nevidence) * sizeof *c->evidence);
		c->evidence = agg_pool_alloc(&agg->pool,
		    agg_array_room(c->nplain) * sizeof *c->evidence);
		memcpy(c->evidence, c->plain, c->nplain * sizeof c->plain[0]);
		c->nevidence = c->nplain;
		for (i = 0; i < c->nevidence; i++) {
			if (c->evidence[i].text != NULL)
				c->evidence[i].text =
				    xstrdup(c->evidence[i].text);
		}
	}
	agg_counts_sort(c->helos, c->nhelos);
	agg_counts_sort(c->reasons, c->nreasons);
	c->score = agg_score(agg, c);
	c->suspect = c->nreasons > 0;
}

void
agg_finish(struct agg *agg)
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
			agg_finish_client(agg, c);
			if (c->suspect)
				agg->suspects[n++] = c;
		}
	}
	agg_suspects_sort(agg->suspects, n);
	agg->nsuspects = n;
	agg->suspects_valid = 1;
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

/* Add the HELO counts of src to c as if its events came after c's. */
static void
agg_merge_helos(struct agg *agg, struct client *c, const struct client *src)
{
	size_t	i;

	for (i = 0; i < src->nhelos; i++) {
		if (agg_count_add_tag(agg, &c->helos, &c->nhelos,
		    AGG_HELO_MAX, src->helos[i].name, src->helos[i].len,
		    src->helos[i].tag, 1, src->helos[i].count) == -1)
			c->helo_other += src->helos[i].count;
	}
	c->helo_other += src->helo_other;
}

/* Add the reason counts of src to c, overflowing into "other". */
static void
agg_merge_reasons(struct agg *agg, struct client *c, const struct client *src)
{
	const struct agg_count	*r;
	size_t			 i;

	for (i = 0; i < src->nreasons; i++) {
		r = &src->reasons[i];
		if (agg_count_add_tag(agg, &c->reasons, &c->nreasons,
		    AGG_REASON_MAX, r->name, r->len, r->tag, 1,
		    r->count) == -1)
			agg_count_add(agg, &c->reasons, &c->nreasons,
			    AGG_REASON_MAX + 1, "other", 5, r->count);
	}
}

/*
 * Append k entries to an evidence array of *n entries, growing it at
 * most once, to the room that k calls of agg_evidence_append leave.
 */
static void
agg_evidence_append_many(struct agg *agg, struct agg_evidence **list,
    size_t *n, const struct agg_evidence *from, size_t k)
{
	struct agg_evidence	*p;
	size_t			 room = agg_array_room(*n);
	size_t			 need = agg_array_room(*n + k);

	if (k == 0)
		return;
	if (need > room) {
		p = agg_pool_alloc(&agg->pool, need * sizeof *p);
		if (*n > 0)
			memcpy(p, *list, *n * sizeof *p);
		agg_pool_free(&agg->pool, *list, room * sizeof *p);
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
		free(c->evidence[AGG_EVIDENCE_FIRST + i].text);
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
agg_merge_evidence(struct agg *agg, struct client *c, struct client *src,
    uint64_t lines)
{
	size_t	i, rest;

	for (i = 0; i < src->nevidence; i++)
		src->evidence[i].line += lines;
	i = AGG_EVIDENCE_MAX - c->nevidence;
	if (i > src->nevidence)
		i = src->nevidence;
	agg_evidence_append_many(agg, &c->evidence, &c->nevidence,
	    src->evidence, i);
	/*
	 * The list of c is full: the rest of src replaces the oldest of the
	 * latest lines, as agg_add_evidence would one at a time, with one
	 * move instead of one per line.
	 */
	if ((rest = src->nevidence - i) > 0) {
		for (; rest > AGG_EVIDENCE_LAST; rest--)
			free(src->evidence[i++].text);
		agg_merge_evidence_shift(c, rest);
		memcpy(&c->evidence[AGG_EVIDENCE_MAX - rest], &src->evidence[i],
		    rest * sizeof c->evidence[0]);
	}
	c->evidence_seen += src->evidence_seen;
	for (i = 0; i < src->nplain; i++) {
		src->plain[i].line += lines;
		if (c->nplain < AGG_EVIDENCE_FIRST)
			agg_evidence_append(agg, &c->plain, &c->nplain,
			    &src->plain[i]);
		else
			free(src->plain[i].text);
	}
	/* The arrays of src go with the pool of src. */
	src->evidence = src->plain = NULL;
	src->nevidence = src->nplain = 0;
}

/* Forget the copies of agg_merge_intern unless they are of src. */
static void
agg_merge_begin(struct agg *agg, const struct agg *src, int first)
{
	if (first || agg->merge_from != src) {
		memset(agg->copies, 0, sizeof agg->copies);
		agg->merge_from = src;
	}
}

/* Add one client of a later part of the input to agg. */
static int
agg_merge_client(struct agg *agg, struct client *src, uint64_t lines)
{
	struct client	*c;

	if ((c = agg_lookup_or_create(agg, &src->addr)) == NULL)
		return -1;
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
	agg_merge_helos(agg, c, src);
	agg_merge_reasons(agg, c, src);
	/* The same name is common, and costs no copy and no hash. */
	if (src->rdns != NULL && (c->rdns == NULL ||
	    strcmp(c->rdns, src->rdns) != 0))
		c->rdns = agg_merge_intern(agg, src->rdns, strlen(src->rdns));
	agg_merge_evidence(agg, c, src, lines);
	return 0;
}

int
agg_merge(struct agg *agg, struct agg *src, uint64_t lines)
{
	struct agg	 tmp;
	struct agg_slab	*slab;
	struct client	*c;
	size_t		 i;

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
		src->pool = tmp.pool;
		src->texts = tmp.texts;
		src->strings = tmp.strings;
		src->nstrings_slots = tmp.nstrings_slots;
		src->nstrings = tmp.nstrings;
		src->arenas = tmp.arenas;
		memset(agg->weights, 0, sizeof agg->weights);
		agg->no_verified_rdns = NULL;
		memset(src->weights, 0, sizeof src->weights);
		src->no_verified_rdns = NULL;
		return 0;
	}
	/* A flag for agg_free: the copied lines move from src to agg. */
	agg->texts += src->texts;
	agg_merge_begin(agg, src, 1);
	/*
	 * The clients of src in the order of its slabs, which is the order
	 * of memory.  Each step waits for the memory of agg's hash slot, its
	 * client and its lists, so those are loaded a few clients ahead.
	 */
	for (slab = src->slabs; slab != NULL; slab = slab->next) {
		for (i = 0; i < slab->used; i++) {
			if (i + 2 * AGG_AHEAD < slab->used)
				agg_prefetch_slot(agg,
				    &slab->clients[i + 2 * AGG_AHEAD].addr);
			if (i + AGG_AHEAD < slab->used) {
				c = &slab->clients[i + AGG_AHEAD];
				agg_prefetch_client(agg, &c->addr);
				agg_prefetch_lists(c);
			}
			if (agg_merge_client(agg, &slab->clients[i],
			    lines) == -1)
				return -1;
		}
	}
	return 0;
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
	agg_merge_begin(agg, src, *slot == 0);
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
