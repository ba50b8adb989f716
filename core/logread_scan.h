/*
 * Splitting a read buffer into lines with one pass over its bytes.  The
 * pass stores a bitmap of the newlines, 64 bytes to a word, and notes the
 * first NUL byte or byte over 0x7f.  Each line then costs a bit search
 * and one compare instead of a scan of its own.  Only logread.c and the
 * unit tests include this file.
 */
#ifndef SMTPTRIAGE_LOGREAD_SCAN_H
#define SMTPTRIAGE_LOGREAD_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define LOGREAD_SCAN_SSE2	1
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
/* AVX2 code compiled for its own target, run only where the CPU has it. */
#define LOGREAD_SCAN_AVX2	1
#endif
#endif

/* The instructions that logread_scan_map_with uses for whole blocks. */
enum logread_scan_way {
	LOGREAD_SCAN_BEST,	/* AVX2 where the CPU has it, else SSE2 */
	LOGREAD_SCAN_BYTES,	/* one byte at a time, as without SSE2 */
	LOGREAD_SCAN_VECTOR	/* SSE2, where compiled in */
};

/* Bytes per bitmap word. */
#define LOGREAD_SCAN_BLOCK	64
/* No NUL or high byte is known at or after the current line. */
#define LOGREAD_SCAN_NONE	SIZE_MAX

/*
 * The map of buf[0, mapped).  Bit i of newlines[w] is set when byte
 * 64 * w + i is a newline, and bits at or past mapped are clear.  special
 * is the offset of the first NUL or high byte at or after the start of
 * the line that logread_scan_next returns next, or LOGREAD_SCAN_NONE.
 */
struct logread_scan {
	uint64_t	*newlines;
	size_t		 mapped;
	size_t		 special;
};

/* Number of words in newlines for a buffer of size bytes. */
static inline size_t
logread_scan_words(size_t size)
{
	return size / LOGREAD_SCAN_BLOCK + 1;
}

/* Forget the map, for a buffer whose bytes moved or were dropped. */
static inline void
logread_scan_reset(struct logread_scan *sc)
{
	sc->mapped = 0;
	sc->special = LOGREAD_SCAN_NONE;
}

/* Check a byte for the NUL and over-0x7f test. */
static inline int
logread_scan_is_special(char c)
{
	return c == '\0' || (unsigned char)c > 0x7f;
}

/*
 * Map the bytes buf[from, to) of block number w, one at a time: the tail
 * of the data, and every block without SSE2.  Returns the bits of the
 * NUL and high bytes among them.
 */
static inline uint64_t
logread_scan_map_bytes(struct logread_scan *sc, const char *buf, size_t w,
    size_t from, size_t to)
{
	uint64_t	newlines = 0, special = 0, bit;
	size_t		i;

	for (i = w * LOGREAD_SCAN_BLOCK; i < to; i++) {
		bit = (uint64_t)1 << (i % LOGREAD_SCAN_BLOCK);
		if (buf[i] == '\n')
			newlines |= bit;
		else if (i >= from && logread_scan_is_special(buf[i]))
			special |= bit;
	}
	sc->newlines[w] = newlines;
	return special;
}

/*
 * Store the first special byte of block w, given its bits, unless one is
 * already stored.
 */
static inline void
logread_scan_note(struct logread_scan *sc, size_t w, uint64_t special)
{
	if (special != 0 && sc->special == LOGREAD_SCAN_NONE)
		sc->special = w * LOGREAD_SCAN_BLOCK +
		    (size_t)__builtin_ctzll(special);
}

#ifdef LOGREAD_SCAN_SSE2
/* Bits of movemask for the 16 bytes of v that equal c. */
static inline uint64_t
logread_scan_equal(__m128i v, char c)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* Bits of movemask for the NUL and over-0x7f bytes of v. */
static inline uint64_t
logread_scan_specials16(__m128i v)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(v,
	    _mm_cmpeq_epi8(v, _mm_setzero_si128())));
}
#endif

#ifdef LOGREAD_SCAN_SSE2
/*
 * Map the whole blocks of buf from pos (a block start) up to end with
 * four 16-byte loads each.  The test for a NUL or high byte is one OR
 * and one minimum over the block, so the exact bits are computed only for
 * a block that has one.  Returns the offset after the last block.
 */
static inline size_t
logread_scan_blocks_sse2(struct logread_scan *sc, const char *buf,
    size_t pos, size_t end)
{
	size_t		w = pos / LOGREAD_SCAN_BLOCK;
	uint64_t	special;

	for (; pos + LOGREAD_SCAN_BLOCK <= end; pos += LOGREAD_SCAN_BLOCK,
	    w++) {
		const char	*s = buf + pos;
		__m128i		 v0, v1, v2, v3, any;

		v0 = _mm_loadu_si128((const __m128i *)(const void *)s);
		v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
		v2 = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
		v3 = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
		sc->newlines[w] = logread_scan_equal(v0, '\n') |
		    logread_scan_equal(v1, '\n') << 16 |
		    logread_scan_equal(v2, '\n') << 32 |
		    logread_scan_equal(v3, '\n') << 48;
		/* The minimum of a block with a NUL is 0. */
		any = _mm_or_si128(_mm_or_si128(_mm_or_si128(v0, v1),
		    _mm_or_si128(v2, v3)), _mm_cmpeq_epi8(_mm_min_epu8(
		    _mm_min_epu8(v0, v1), _mm_min_epu8(v2, v3)),
		    _mm_setzero_si128()));
		if (_mm_movemask_epi8(any) != 0 &&
		    sc->special == LOGREAD_SCAN_NONE) {
			special = logread_scan_specials16(v0) |
			    logread_scan_specials16(v1) << 16 |
			    logread_scan_specials16(v2) << 32 |
			    logread_scan_specials16(v3) << 48;
			logread_scan_note(sc, w, special);
		}
	}
	return pos;
}
#endif

#ifdef LOGREAD_SCAN_AVX2
/* Bits of movemask for the 32 bytes of v that are NUL or over 0x7f. */
__attribute__((target("avx2"))) static inline uint64_t
logread_scan_specials32(__m256i v)
{
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(v,
	    _mm256_cmpeq_epi8(v, _mm256_setzero_si256())));
}

/* logread_scan_blocks_sse2 with two 32-byte loads per block. */
__attribute__((target("avx2"))) static size_t
logread_scan_blocks_avx2(struct logread_scan *sc, const char *buf,
    size_t pos, size_t end)
{
	const __m256i	newline = _mm256_set1_epi8('\n');
	size_t		w = pos / LOGREAD_SCAN_BLOCK;
	uint64_t	special;

	for (; pos + LOGREAD_SCAN_BLOCK <= end; pos += LOGREAD_SCAN_BLOCK,
	    w++) {
		const char	*s = buf + pos;
		__m256i		 v0, v1, any;

		v0 = _mm256_loadu_si256((const __m256i *)(const void *)s);
		v1 = _mm256_loadu_si256((const __m256i *)(const void *)
		    (s + 32));
		sc->newlines[w] = (uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v0, newline)) |
		    (uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v1, newline)) << 32;
		any = _mm256_or_si256(_mm256_or_si256(v0, v1),
		    _mm256_cmpeq_epi8(_mm256_min_epu8(v0, v1),
		    _mm256_setzero_si256()));
		if (_mm256_movemask_epi8(any) != 0 &&
		    sc->special == LOGREAD_SCAN_NONE) {
			special = logread_scan_specials32(v0) |
			    logread_scan_specials32(v1) << 32;
			logread_scan_note(sc, w, special);
		}
	}
	return pos;
}

/* Check once per process whether the CPU runs AVX2 code. */
static inline int
logread_scan_has_avx2(void)
{
	static int	has = -1;

	/* Threads that race here store the same value. */
	if (__atomic_load_n(&has, __ATOMIC_RELAXED) == -1)
		__atomic_store_n(&has, __builtin_cpu_supports("avx2") ? 1 : 0,
		    __ATOMIC_RELAXED);
	return __atomic_load_n(&has, __ATOMIC_RELAXED);
}
#endif

/*
 * Extend the map of buf to buf[0, end), reading whole blocks the given
 * way.  Loads stay inside buf[0, end).
 */
static inline void
logread_scan_map_with(struct logread_scan *sc, const char *buf, size_t end,
    enum logread_scan_way way)
{
	size_t	from = sc->mapped;
	size_t	w = from / LOGREAD_SCAN_BLOCK;
	size_t	pos = w * LOGREAD_SCAN_BLOCK;

	if (end <= from)
		return;
	/* The partial block at the old end is mapped again whole. */
	if (pos < from) {
		if (pos + LOGREAD_SCAN_BLOCK > end) {
			logread_scan_note(sc, w, logread_scan_map_bytes(sc,
			    buf, w, from, end));
			sc->mapped = end;
			return;
		}
		logread_scan_note(sc, w, logread_scan_map_bytes(sc, buf, w,
		    from, pos + LOGREAD_SCAN_BLOCK));
		pos += LOGREAD_SCAN_BLOCK;
	}
#ifdef LOGREAD_SCAN_AVX2
	if (way == LOGREAD_SCAN_BEST && logread_scan_has_avx2())
		pos = logread_scan_blocks_avx2(sc, buf, pos, end);
#endif
#ifdef LOGREAD_SCAN_SSE2
	if (way != LOGREAD_SCAN_BYTES)
		pos = logread_scan_blocks_sse2(sc, buf, pos, end);
#endif
	for (; pos + LOGREAD_SCAN_BLOCK <= end; pos += LOGREAD_SCAN_BLOCK)
		logread_scan_note(sc, pos / LOGREAD_SCAN_BLOCK,
		    logread_scan_map_bytes(sc, buf, pos / LOGREAD_SCAN_BLOCK,
		    pos, pos + LOGREAD_SCAN_BLOCK));
	if (pos < end)
		logread_scan_note(sc, pos / LOGREAD_SCAN_BLOCK,
		    logread_scan_map_bytes(sc, buf, pos / LOGREAD_SCAN_BLOCK,
		    pos, end));
	sc->mapped = end;
}

/* Extend the map of buf to buf[0, end) the fastest way the CPU has. */
static inline void
logread_scan_map(struct logread_scan *sc, const char *buf, size_t end)
{
	logread_scan_map_with(sc, buf, end, LOGREAD_SCAN_BEST);
}

/*
 * Find the next NUL or high byte in buf[from, sc->mapped) and store its
 * offset in sc->special, or LOGREAD_SCAN_NONE.
 */
static inline void
logread_scan_find_special(struct logread_scan *sc, const char *buf,
    size_t from)
{
	size_t		i = from;
#ifdef LOGREAD_SCAN_SSE2
	uint64_t	bits;

	/* Sparse special bytes would make a byte loop slow on long data. */
	for (; i + 16 <= sc->mapped; i += 16) {
		bits = logread_scan_specials16(_mm_loadu_si128(
		    (const __m128i *)(const void *)(buf + i)));
		if (bits != 0) {
			sc->special = i + (size_t)__builtin_ctzll(bits);
			return;
		}
	}
#endif
	sc->special = LOGREAD_SCAN_NONE;
	for (; i < sc->mapped; i++)
		if (logread_scan_is_special(buf[i])) {
			sc->special = i;
			return;
		}
}

/*
 * Find the first newline of the mapped bytes at or after offset start of
 * buf, which is the start of a line.  Returns its offset and sets *plain
 * to 1 when no byte of the line is NUL or over 0x7f (0 when one is), or
 * returns LOGREAD_SCAN_NONE when the map has no newline there.  Lines
 * must be taken in order, because the next call starts after the newline
 * found.
 */
static inline size_t
logread_scan_next(struct logread_scan *sc, const char *buf, size_t start,
    int *plain)
{
	size_t		w = start / LOGREAD_SCAN_BLOCK, nl;
	size_t		last = (sc->mapped + LOGREAD_SCAN_BLOCK - 1) /
			    LOGREAD_SCAN_BLOCK;
	uint64_t	bits;

	if (w >= last)
		return LOGREAD_SCAN_NONE;
	bits = sc->newlines[w] & (~(uint64_t)0 << (start % LOGREAD_SCAN_BLOCK));
	while (bits == 0) {
		if (++w >= last)
			return LOGREAD_SCAN_NONE;
		bits = sc->newlines[w];
	}
	nl = w * LOGREAD_SCAN_BLOCK + (size_t)__builtin_ctzll(bits);
	*plain = sc->special > nl;
	/* A special byte is never a newline, so it lies inside the line. */
	if (!*plain)
		logread_scan_find_special(sc, buf, nl + 1);
	return nl;
}

#endif
