/* Escaping of untrusted bytes for the terminal, JSON, CSV and mail. */
#ifndef SMTPTRIAGE_ESC_H
#define SMTPTRIAGE_ESC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the UTF-8 sequence at s, which has len > 0 bytes left.  Sets *cp
 * to its code point and returns its length, or returns 0 when the bytes
 * are overlong, a surrogate, above U+10FFFF, cut short or not UTF-8.
 */
size_t	esc_utf8_seq(const unsigned char *s, size_t len, uint32_t *cp);

/*
 * Escape src for display: printable ASCII and valid, printable UTF-8 pass;
 * C0 and C1 controls, DEL, ESC and invalid or overlong UTF-8 become "\xNN"
 * (or \n, \r, \t), the bidirectional overrides and isolates "\uNNNN", and
 * a backslash becomes "\\".  Returns an allocated string.
 */
char	*esc_display(const char *src, size_t len);

/*
 * Escape as esc_display does but leave backslashes alone: for text that is
 * escaped already, such as a composed report, so the screen shows exactly
 * the text that is sent.
 */
char	*esc_controls(const char *src, size_t len);

/*
 * Append src to the buffer as the body of a JSON string (no quotes), with
 * control characters and the bidirectional overrides and isolates as
 * \uXXXX, and invalid UTF-8 bytes as U+FFFD.
 */
struct esc_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
};
void	 esc_buf_add(struct esc_buf *, const char *, size_t);
/* Append a string literal. */
#define esc_buf_lit(b, s)	esc_buf_add((b), (s), sizeof(s) - 1)
void	 esc_buf_printf(struct esc_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 esc_buf_json(struct esc_buf *, const char *src, size_t len);
/* Append v in decimal, as printf's "%llu" would, without printf's cost. */
void	 esc_buf_uint(struct esc_buf *, uint64_t v);
/* Append as a CSV field, quoted when it contains a comma, quote or newline. */
void	 esc_buf_csv(struct esc_buf *, const char *src, size_t len);
void	 esc_buf_free(struct esc_buf *);

#endif
