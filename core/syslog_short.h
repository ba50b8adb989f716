/*
 * The common path of syslog_parse_short as inline functions, so that a
 * parser that splits every line with it saves a call on most lines.
 * Internal to syslog.c and parser.c.
 */
#ifndef SMTPTRIAGE_SYSLOG_SHORT_H
#define SMTPTRIAGE_SYSLOG_SHORT_H

#include <stdint.h>
#include <string.h>

#include "syslog.h"

/* Small helpers of the per-line path, which GCC would otherwise call. */
#ifdef __GNUC__
#define SYSLOG_INLINE	static inline __attribute__((always_inline))
#else
#define SYSLOG_INLINE	static inline
#endif

/* Length of an RFC 3164 time in the plain form "Nov 30 10:00:00". */
#define SYSLOG_PLAIN_TIME_LEN	15

/* Read the two digits at s, or return -1. */
SYSLOG_INLINE int
syslog_two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SYSLOG_SWAR	1
/* "]: " as the low three bytes of a little-endian word. */
#define SYSLOG_PID_END	(0x5dULL | 0x3aULL << 8 | 0x20ULL << 16)
#endif

/*
 * Convert a plain RFC 3164 time at buf and the space after it, 16 bytes,
 * of the same minute as the last one, as syslog_time_from_last does.  The
 * caller has checked the length of the last text and the local zone.
 * Returns 1 with *out set, or 0 when buf needs syslog_time_from_last.
 */
SYSLOG_INLINE int
syslog_time_same_minute(struct syslog_year *yr, const char *buf,
    struct ts *out)
{
	/* Bytes 8-12 of "Nov 30 10:00:00 " and its space, not the seconds. */
	static const unsigned char	minute[8] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff
	};
	char				*last = yr->last_text;
	uint64_t			 a, b, c, d, mask;
	int				 sec;

	memcpy(&a, buf, 8);
	memcpy(&b, buf + 8, 8);
	memcpy(&c, last, 8);
	memcpy(&d, last + 8, 8);
	if (a != c)
		return 0;
	if (b != d) {
		memcpy(&mask, minute, 8);
		if (((b ^ d) & mask) != 0 ||
		    (sec = syslog_two_digits(buf + 13)) < 0 || sec > 59)
			return 0;
		yr->last_time.utc += sec - syslog_two_digits(last + 13);
		last[13] = buf[13];
		last[14] = buf[14];
	}
	*out = yr->last_time;
	return 1;
}

/* Check whether the SYSLOG_CACHED_MAX bytes at s start with c's bytes. */
SYSLOG_INLINE int
syslog_same_bytes(const struct syslog_cached *c, const char *s)
{
	uint64_t	w0, w1, w2, w3;

	memcpy(&w0, s, 8);
	memcpy(&w1, s + 8, 8);
	memcpy(&w2, s + 16, 8);
	memcpy(&w3, s + 24, 8);
	return (((w0 ^ c->word[0]) & c->mask[0]) |
	    ((w1 ^ c->word[1]) & c->mask[1]) |
	    ((w2 ^ c->word[2]) & c->mask[2]) |
	    ((w3 ^ c->word[3]) & c->mask[3])) == 0;
}

/*
 * Pick the slot for the host name and tag at s, assuming a host name of
 * host_len bytes.  The ninth and tenth bytes of the tag tell apart the
 * names after "postfix/" of busy logs.  The slot is only where to look,
 * and syslog_same_bytes decides whether it contains the line's bytes.
 */
SYSLOG_INLINE size_t
syslog_head_slot(const char *s, size_t host_len)
{
	const unsigned char	*tag = (const unsigned char *)s + host_len + 1;

	return (tag[SYSLOG_SLOT_BYTE - 1] ^ tag[SYSLOG_SLOT_BYTE]) &
	    (SYSLOG_HEAD_SLOTS - 1);
}

/*
 * Look up the host name and tag at line + off in their slot.  Returns 1
 * with the host, tag and kind of out set when the slot contains the
 * bytes there, or 0.
 */
SYSLOG_INLINE int
syslog_slot_hit(const struct syslog_year *yr, const char *line, size_t len,
    size_t off, struct syslog_msg *out)
{
	const struct syslog_cached	*slot;

	if (len - off < SYSLOG_CACHED_MAX ||
	    yr->host_hint + SYSLOG_SLOT_BYTE + 1 >= SYSLOG_CACHED_MAX)
		return 0;
	slot = &yr->heads[syslog_head_slot(line + off, yr->host_hint)];
	if (slot->bytes == 0 || !syslog_same_bytes(slot, line + off))
		return 0;
	out->host = line + off;
	out->host_len = slot->host_len;
	out->tag = line + off + slot->host_len + 1;
	out->tag_len = slot->bytes - slot->host_len - 2;
	out->tag_kind = slot->kind;
	return 1;
}

/*
 * Read a "[pid]: " with 1 to 5 digits at line + off from one 8-byte word.
 * Returns the offset after it, or 0 when the bytes there have another
 * shape, or fewer than 9 bytes are left.
 */
SYSLOG_INLINE size_t
syslog_short_pid(const char *line, size_t len, size_t off)
{
#ifdef SYSLOG_SWAR
	uint64_t	x, bad;
	size_t		digits;

	if (line[off] != '[' || len - off <= 8)
		return 0;
	memcpy(&x, line + off + 1, 8);
	bad = ((x & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL) |
	    (((x & 0x0f0f0f0f0f0f0f0fULL) + 0x0606060606060606ULL) &
	    0xf0f0f0f0f0f0f0f0ULL);
	digits = (size_t)__builtin_ctzll(bad | 1ULL << 63) / 8;
	if (digits > 0 && digits <= 5 &&
	    ((x >> (8 * digits)) & 0xffffff) == SYSLOG_PID_END)
		return off + digits + 4;
#else
	(void)line;
	(void)len;
	(void)off;
#endif
	return 0;
}

/*
 * Split a line of the commonest shape as syslog_parse_short does.  That
 * shape has a plain time of the same minute as the last one, a host name
 * and tag kept in their slot, a pid of 1 to 5 digits and no Solaris id.
 * Returns 1 with out set, or 0 when the line needs the general steps.
 * The time is read last because it updates the last time, so a return
 * of 0 leaves yr as it was.
 */
SYSLOG_INLINE int
syslog_short_common(const char *line, size_t len, struct syslog_year *yr,
    struct syslog_msg *out)
{
	size_t	off = SYSLOG_PLAIN_TIME_LEN + 1, msg;

	if (yr->last_len != SYSLOG_PLAIN_TIME_LEN || len <= off ||
	    !syslog_slot_hit(yr, line, len, off, out))
		return 0;
	msg = syslog_short_pid(line, len,
	    (size_t)(out->tag - line) + out->tag_len);
	if (msg == 0 || (msg < len && line[msg] == '[') ||
	    yr->last_zone != ts_cache_generation ||
	    !syslog_time_same_minute(yr, line, &out->time))
		return 0;
	out->has_time = 1;
	out->msg = msg;
	return 1;
}

/*
 * The general steps of syslog_parse_short, for the lines that
 * syslog_short_common does not split.
 */
int	syslog_parse_short_general(const char *line, size_t len,
	    struct syslog_year *yr, int (*kind)(const char *, size_t),
	    struct syslog_msg *out);

/* Split a line as syslog_parse_short does, with its common path inline. */
SYSLOG_INLINE int
syslog_parse_short_inline(const char *line, size_t len,
    struct syslog_year *yr, int (*kind)(const char *, size_t),
    struct syslog_msg *out)
{
	if (kind != NULL && syslog_short_common(line, len, yr, out))
		return 1;
	return syslog_parse_short_general(line, len, yr, kind, out);
}

#endif
