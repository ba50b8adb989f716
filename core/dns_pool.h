/*
 * A pool of small objects for the DNS engine's answer cache.  The cache
 * keeps an entry and an answer for every name and type it looked up, tens
 * of thousands in a bulk re-check.  Each malloc of such a long-lived
 * object cost as much as parsing the answer.  The pool cuts objects from
 * large blocks and reuses freed ones of the same size class.  Memory goes
 * back to malloc only in dns_pool_clear.
 */
#ifndef SMTPTRIAGE_DNS_POOL_H
#define SMTPTRIAGE_DNS_POOL_H

#include <stddef.h>

/* Objects are rounded up to a multiple of this, in bytes. */
#define DNS_POOL_GRAIN		16
/* Larger objects come from malloc and go back to free. */
#define DNS_POOL_OBJECT_MAX	1024
/* Bytes that the pool takes from malloc at a time. */
#define DNS_POOL_BLOCK		(64 * 1024)

/*
 * Built with AddressSanitizer, the pool hands every object to malloc and
 * free, so that the sanitizer still checks each one on its own.
 */
#if defined(__SANITIZE_ADDRESS__)
#define DNS_POOL_MALLOC_ONLY	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DNS_POOL_MALLOC_ONLY	1
#endif
#endif

struct dns_pool_object;
struct dns_pool_block;

struct dns_pool {
	/* Freed objects, by size class: list n is for n + 1 grains. */
	struct dns_pool_object	*free[DNS_POOL_OBJECT_MAX / DNS_POOL_GRAIN];
	struct dns_pool_block	*blocks;
	char			*unused;	/* rest of the newest block */
	size_t			 left;		/* bytes at unused */
};

/* Return size bytes (more than 0), uninitialised, aligned like malloc's. */
void	*dns_pool_get(struct dns_pool *, size_t size);
/* Give p back; size must be the size that dns_pool_get took. */
void	 dns_pool_put(struct dns_pool *, void *p, size_t size);
/* Free every block: every object of the pool becomes invalid. */
void	 dns_pool_clear(struct dns_pool *);

#endif
