/* Allocation wrappers: every failure is fatal, so callers never check NULL. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xmalloc.h"

static void
xmalloc_die(const char *what, size_t n)
{
	fprintf(stderr, "smtptriage: %s of %zu bytes failed: %s\n", what, n,
	    strerror(errno));
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_die("malloc", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_die("calloc", nmemb * size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (size > SIZE_MAX / nmemb) {
		errno = ENOMEM;
		xmalloc_die("reallocarray", SIZE_MAX);
	}
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		xmalloc_die("realloc", nmemb * size);
	return p;
}

/*
 * Allocate size bytes at a multiple of align (a power of two), to be
 * released with free().  The size is rounded up to a multiple of align,
 * as aligned_alloc requires.
 */
void *
xaligned_alloc(size_t align, size_t size)
{
	void	*p;

	if (size == 0)
		size = align;
	if (size > SIZE_MAX - align) {
		errno = ENOMEM;
		xmalloc_die("aligned_alloc", size);
	}
	size = (size + align - 1) & ~(align - 1);
	if ((p = aligned_alloc(align, size)) == NULL)
		xmalloc_die("aligned_alloc", size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Return size rounded up to whole huge pages, or 0 on overflow. */
static size_t
xhuge_round(size_t size)
{
	if (size > SIZE_MAX - XHUGE_PAGE)
		return 0;
	return (size + XHUGE_PAGE - 1) & ~(XHUGE_PAGE - 1);
}

/*
 * Map a block for a table that is read at random.  With pages of 4 KiB
 * most lookups in a large table miss the TLB, and the first write to each
 * page is a fault.  With two threads, a write to a page that a read had
 * mapped to the shared zero page also flushes the other CPU's TLB.  A
 * huge page takes one fault for 2 MiB.  Where transparent huge pages are
 * off, the kernel ignores the hint and uses small pages.
 */
void *
xhuge_alloc(size_t size)
{
	size_t	 rounded, len, lead;
	char	*p, *aligned;

	if ((rounded = xhuge_round(size)) == 0 ||
	    rounded > SIZE_MAX - XHUGE_PAGE) {
		errno = ENOMEM;
		xmalloc_die("mmap", size);
	}
	/* Map one page more and trim it, to align the block. */
	len = rounded + XHUGE_PAGE;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		xmalloc_die("mmap", rounded);
	lead = (XHUGE_PAGE - (uintptr_t)p % XHUGE_PAGE) % XHUGE_PAGE;
	aligned = p + lead;
	if (lead > 0)
		(void)munmap(p, lead);
	if (len - lead > rounded)
		(void)munmap(aligned + rounded, len - lead - rounded);
	(void)madvise(aligned, rounded, MADV_HUGEPAGE);
	return aligned;
}

void
xhuge_free(void *p, size_t size)
{
	if (p != NULL)
		(void)munmap(p, xhuge_round(size));
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_die("asprintf", 0);
	return n;
}
