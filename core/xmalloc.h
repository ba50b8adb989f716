/* Allocation wrappers that abort with a message instead of returning NULL. */
#ifndef SMTPTRIAGE_XMALLOC_H
#define SMTPTRIAGE_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
void	*xaligned_alloc(size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/*
 * Large blocks in whole pages of XHUGE_PAGE bytes, aligned to that size,
 * for which the kernel is asked to use transparent huge pages.  The
 * memory starts zeroed.  xhuge_free takes the size given to xhuge_alloc.
 */
#define XHUGE_PAGE	((size_t)2 * 1024 * 1024)
void	*xhuge_alloc(size_t);
void	 xhuge_free(void *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
