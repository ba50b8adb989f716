/* Escaping of untrusted bytes for the terminal, JSON, CSV and mail. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "xmalloc.h"

size_t
esc_utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t		n, i;
	uint32_t	c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void
esc_buf_grow(struct esc_buf *b, size_t need)
{
	size_t	size, want;

	/*
	 * No real string comes near SIZE_MAX; stop before the sum or the
	 * doubling below can wrap around.
	 */
	if (need > SIZE_MAX / 4 - b->len)
		abort();
	want = b->len + need + 1;
	if (want <= b->size)
		return;
	size = b->size == 0 ? 64 : b->size;
	while (size < want)
		size *= 2;
	b->data = xreallocarray(b->data, 1, size);
	b->size = size;
}

void
esc_buf_add(struct esc_buf *b, const char *s, size_t len)
{
	if (b->size - b->len <= len)
		esc_buf_grow(b, len);
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
esc_buf_uint(struct esc_buf *b, uint64_t v)
{
	char	digits[20];		/* UINT64_MAX has 20 */
	size_t	n = sizeof digits;

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	esc_buf_add(b, digits + n, sizeof digits - n);
}

void
esc_buf_printf(struct esc_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "smtptriage: vasprintf failed\n");
		abort();
	}
	esc_buf_add(b, s, (size_t)n);
	free(s);
}

/*
 * Append the escape of a newline, carriage return or tab ("\n", "\r",
 * "\t"), which JSON and the display share, and return 1.  Returns 0 and
 * appends nothing for any other code point.
 */
static int
esc_buf_short_escape(struct esc_buf *b, uint32_t cp)
{
	switch (cp) {
	case '\n':
		esc_buf_add(b, "\\n", 2);
		return 1;
	case '\r':
		esc_buf_add(b, "\\r", 2);
		return 1;
	case '\t':
		esc_buf_add(b, "\\t", 2);
		return 1;
	}
	return 0;
}

/*
 * Append src escaped for display.  With keep_backslash a backslash stays
 * as it is, for text such as a composed report that is escaped already.
 */
static void
esc_buf_display(struct esc_buf *b, const char *src, size_t len,
    int keep_backslash)
{
	const unsigned char	*s = (const unsigned char *)src;
	char			 hex[8];
	uint32_t		 cp;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		n = esc_utf8_seq(s + i, len - i, &cp);
		if (n == 0) {
			snprintf(hex, sizeof hex, "\\x%02X", s[i]);
			esc_buf_add(b, hex, 4);
			n = 1;
			continue;
		}
		if (cp == '\\') {
			if (keep_backslash)
				esc_buf_add(b, "\\", 1);
			else
				esc_buf_add(b, "\\\\", 2);
			continue;
		}
		if (esc_buf_short_escape(b, cp))
			continue;
		/* C0, DEL, C1 controls; also the bidi overrides and isolates. */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			snprintf(hex, sizeof hex, "\\x%02X", cp);
			esc_buf_add(b, hex, 4);
			continue;
		}
		if ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			esc_buf_printf(b, "\\u%04X", cp);
			continue;
		}
		esc_buf_add(b, (const char *)s + i, n);
	}
}

/* Allocate and return src escaped for display as esc_buf_display does. */
static char *
esc_display_new(const char *src, size_t len, int keep_backslash)
{
	struct esc_buf	b = { NULL, 0, 0 };

	esc_buf_grow(&b, len);
	b.data[0] = '\0';
	esc_buf_display(&b, src, len, keep_backslash);
	return b.data;
}

char *
esc_display(const char *src, size_t len)
{
	return esc_display_new(src, len, 0);
}

char *
esc_controls(const char *src, size_t len)
{
	return esc_display_new(src, len, 1);
}

/* Bytes of a 64-bit word that are all v. */
#define ESC_BYTES(v)	(0x0101010101010101ULL * (uint8_t)(v))

/*
 * Whether a word has a byte that a JSON string cannot hold as it is: below
 * 0x20, 0x7f and up, '"' or '\\'.  It tests all eight bytes at once.
 * (x - ESC_BYTES(n)) & ~x has a top bit set exactly when some byte of x is
 * below n, for n up to 0x80.  A byte equal to v is a zero byte of x ^ v.
 */
static int
esc_json_word_special(uint64_t x)
{
	uint64_t	high = ESC_BYTES(0x80), q, bs, del;

	q = x ^ ESC_BYTES('"');
	bs = x ^ ESC_BYTES('\\');
	del = x ^ ESC_BYTES(0x7f);
	return ((((x - ESC_BYTES(0x20)) & ~x) | x |
	    ((q - ESC_BYTES(1)) & ~q) | ((bs - ESC_BYTES(1)) & ~bs) |
	    ((del - ESC_BYTES(1)) & ~del)) & high) != 0;
}

/*
 * Length of the run of printable ASCII other than '"' and '\\' at the
 * start of s, which needs no escape.  It reads eight bytes at a time while
 * none of them is special, then byte by byte, and only s[0, len).
 */
static size_t
esc_json_plain_run(const unsigned char *s, size_t len)
{
	uint64_t	w;
	size_t		n = 0;

	for (; len - n >= 8; n += 8) {
		memcpy(&w, s + n, 8);
		if (esc_json_word_special(w))
			break;
	}
	for (; n < len && s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"' &&
	    s[n] != '\\'; n++)
		;
	return n;
}

void
esc_buf_json(struct esc_buf *b, const char *src, size_t len)
{
	const unsigned char	*s = (const unsigned char *)src;
	char			 tmp[8];
	uint32_t		 cp;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		/* A run of printable ASCII that needs no escape, at once. */
		if ((n = esc_json_plain_run(s + i, len - i)) > 0) {
			esc_buf_add(b, src + i, n);
			continue;
		}
		n = esc_utf8_seq(s + i, len - i, &cp);
		if (n == 0) {
			esc_buf_add(b, "\xef\xbf\xbd", 3);	/* U+FFFD */
			n = 1;
			continue;
		}
		switch (cp) {
		case '"':
			esc_buf_add(b, "\\\"", 2);
			continue;
		case '\\':
			esc_buf_add(b, "\\\\", 2);
			continue;
		}
		if (esc_buf_short_escape(b, cp))
			continue;
		/*
		 * The bidirectional controls too: valid JSON either way, but
		 * JSON is often read in a terminal, where they reorder text.
		 */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			snprintf(tmp, sizeof tmp, "\\u%04x", cp);
			esc_buf_add(b, tmp, 6);
			continue;
		}
		esc_buf_add(b, (const char *)s + i, n);
	}
}

void
esc_buf_csv(struct esc_buf *b, const char *src, size_t len)
{
	char	*shown;
	size_t	 i, slen;

	/* Display-escaping first means no control byte or newline is left. */
	shown = esc_display(src, len);
	slen = strlen(shown);
	if (strpbrk(shown, ",\"") == NULL) {
		esc_buf_add(b, shown, slen);
		free(shown);
		return;
	}
	esc_buf_add(b, "\"", 1);
	for (i = 0; i < slen; i++) {
		if (shown[i] == '"')
			esc_buf_add(b, "\"", 1);
		esc_buf_add(b, shown + i, 1);
	}
	esc_buf_add(b, "\"", 1);
	free(shown);
}

void
esc_buf_free(struct esc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
