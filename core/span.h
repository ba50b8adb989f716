/*
 * Scanning a field of a log line up to the first of a few delimiter bytes,
 * 16 bytes at a time with SSE2 where the compiler targets it.
 */
#ifndef SMTPTRIAGE_SPAN_H
#define SMTPTRIAGE_SPAN_H

#include <stddef.h>

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

#endif
