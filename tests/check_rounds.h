/*
 * Round counts of the random-input unit tests.  "make valgrind" sets
 * CHECK_LIGHT=1 because memcheck runs these loops many times slower.
 */
#ifndef SMTPTRIAGE_CHECK_ROUNDS_H
#define SMTPTRIAGE_CHECK_ROUNDS_H

#include <stdlib.h>

/* Return n, or n / 50 when CHECK_LIGHT=1 and n is at least 100. */
static inline size_t
check_rounds(size_t n)
{
	const char	*light = getenv("CHECK_LIGHT");

	if (light == NULL || light[0] != '1' || n < 100)
		return n;
	return n / 50;
}

#endif
