/*
 * The DNS engine's object pool: see dns_pool.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_pool.h"
#include "xmalloc.h"

/* Objects larger than this come from malloc. */
#ifdef DNS_POOL_MALLOC_ONLY
#define DNS_POOL_LIMIT	0
#else
#define DNS_POOL_LIMIT	DNS_POOL_OBJECT_MAX
#endif

/* A freed object: the link to the next one of its size class. */
struct dns_pool_object {
	struct dns_pool_object	*next;
};

/*
 * The head of a block, in its first grain, so that the objects after it
 * keep the alignment of malloc.
 */
struct dns_pool_block {
	struct dns_pool_block	*next;
};

_Static_assert(sizeof(struct dns_pool_block) <= DNS_POOL_GRAIN,
    "a block head fits in one grain");
_Static_assert(DNS_POOL_GRAIN % _Alignof(max_align_t) == 0,
    "objects keep the alignment of malloc");

/* The size class of size: 0 for 1 to DNS_POOL_GRAIN bytes, and so on. */
static size_t
dns_pool_class(size_t size)
{
	return (size - 1) / DNS_POOL_GRAIN;
}

void *
dns_pool_get(struct dns_pool *pool, size_t size)
{
	struct dns_pool_object	*o;
	struct dns_pool_block	*b;
	size_t			 class, rounded;
	char			*p;

	if (size == 0 || size > DNS_POOL_LIMIT)
		return xmalloc(size);
	class = dns_pool_class(size);
	if ((o = pool->free[class]) != NULL) {
		pool->free[class] = o->next;
		return o;
	}

	rounded = (class + 1) * DNS_POOL_GRAIN;
	if (pool->left < rounded) {
		/* The rest of the old block is too small: leave it unused. */
		b = xmalloc(DNS_POOL_BLOCK);
		b->next = pool->blocks;
		pool->blocks = b;
		pool->unused = (char *)b + DNS_POOL_GRAIN;
		pool->left = DNS_POOL_BLOCK - DNS_POOL_GRAIN;
	}
	p = pool->unused;
	pool->unused += rounded;
	pool->left -= rounded;
	return p;
}

void
dns_pool_put(struct dns_pool *pool, void *p, size_t size)
{
	struct dns_pool_object	*o = p;
	size_t			 class;

	if (p == NULL)
		return;
	if (size == 0 || size > DNS_POOL_LIMIT) {
		free(p);
		return;
	}
	class = dns_pool_class(size);
	o->next = pool->free[class];
	pool->free[class] = o;
}

void
dns_pool_clear(struct dns_pool *pool)
{
	struct dns_pool_block	*b;

	while ((b = pool->blocks) != NULL) {
		pool->blocks = b->next;
		free(b);
	}
	memset(pool, 0, sizeof *pool);
}
