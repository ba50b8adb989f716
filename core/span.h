/*
 * Scanning a field of a log line up to the first of a few delimiter bytes,
 * 16 bytes at a time with SSE2 where the compiler targets it, and
 * comparing short byte strings a word at a time.
 */
#ifndef SMTPTRIAGE_SPAN_H
#define SMTPTRIAGE_SPAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define SPAN_SSE2	1
#endif

/*
 * Measure the bytes of s[0, limit) before the first byte equal to one of
 * stop[0] to stop[4] (repeat a byte to look for fewer).  Returns limit
 * when none of them is there.  It reads no byte at or after s + limit,
 * because the 16-byte loads stop while fewer than 16 bytes remain.  The
 * rest goes byte by byte, in the same loop that runs without SSE2.
 */
static inline size_t
span_until5(const char *s, size_t limit, const char stop[5])
{
	size_t		n = 0;
#ifdef SPAN_SSE2
	__m128i		v, hit;
	unsigned	mask;

	for (; n + 16 <= limit; n += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + n));
		hit = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(stop[0])),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8(stop[1]))),
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(stop[2])),
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(stop[3])),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8(stop[4])))));
		if ((mask = (unsigned)_mm_movemask_epi8(hit)) != 0)
			return n + (size_t)__builtin_ctz(mask);
	}
#endif
	for (; n < limit; n++)
		if (s[n] == stop[0] || s[n] == stop[1] || s[n] == stop[2] ||
		    s[n] == stop[3] || s[n] == stop[4])
			break;
	return n;
}

/* Measure as span_until5 does, with four stop bytes. */
static inline size_t
span_until4(const char *s, size_t limit, const char stop[4])
{
	const char	five[5] = { stop[0], stop[1], stop[2], stop[3],
			    stop[3] };

	return span_until5(s, limit, five);
}

/*
 * Compare len bytes of a and b, a word at a time, and return 1 when they
 * are equal.  The last word goes first, because strings that share their
 * start, such as a rule's literal and the text after the time of many
 * lines, often differ at their end.  The words overlap where len is not
 * a multiple of their size, so no byte past len is read.
 */
static inline int
span_equal(const char *a, const char *b, size_t len)
{
	uint64_t	x, y;
	uint32_t	u, v;
	size_t		i;

	if (len >= 8) {
		memcpy(&x, a + (len - 8), 8);
		memcpy(&y, b + (len - 8), 8);
		if (x != y)
			return 0;
		for (i = 0; i + 8 < len; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return 0;
		}
		return 1;
	}
	if (len >= 4) {
		memcpy(&u, a + (len - 4), 4);
		memcpy(&v, b + (len - 4), 4);
		if (u != v)
			return 0;
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	for (i = 0; i < len; i++) {
		if (a[i] != b[i])
			return 0;
	}
	return 1;
}

#endif
