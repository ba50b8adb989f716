/*
 * RFC 5322 and MIME pieces.  Every value that reaches a header here is
 * either printable ASCII without line ends or is turned into RFC 2047
 * encoded words, so no text can start a header line of its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "provider.h"
#include "xarf.h"
#include "xmalloc.h"

/*
 * Input bytes per encoded word: 39 bytes give 52 base64 characters, so
 * "=?UTF-8?B?" + 52 + "?=" is 64 characters, within RFC 2047's 75 and
 * short enough to follow "Subject: " on one 78-column line.
 */
#define MAIL_WORD_BYTES		39
/* "atext" of RFC 5322 section 3.2.3, besides letters and digits. */
#define MAIL_ATEXT_SPECIALS	"!#$%&'*+-/=?^_`{|}~"

int
mail_is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	}
	return 1;
}

/*
 * Return the length of the valid UTF-8 character at s, a NUL-terminated
 * string, or 0 at the NUL or at an invalid sequence.
 */
static size_t
mail_utf8_len(const unsigned char *s)
{
	uint32_t	cp;

	if (s[0] == '\0')
		return 0;
	return esc_utf8_seq(s, strnlen((const char *)s, 4), &cp);
}

/* Copy s with controls and invalid UTF-8 replaced by "?". */
static char *
mail_clean(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	struct esc_buf		 b = { NULL, 0, 0 };
	size_t			 n;

	esc_buf_add(&b, "", 0);
	while (*u != '\0') {
		n = mail_utf8_len(u);
		if (n == 0 || (n == 1 && (*u < 0x20 || *u == 0x7f))) {
			esc_buf_add(&b, "?", 1);
			u++;
			continue;
		}
		esc_buf_add(&b, (const char *)u, n);
		u += n;
	}
	return b.data;
}

/*
 * Reject a display name with invalid UTF-8 or a control character: C0,
 * DEL or C1 (U+0080 to U+009F, such as U+009B, the 8-bit CSI).  An RFC
 * 2047 encoded word would carry them to the terminal of a mail reader.
 */
static int
mail_display_check(const char *name, char **cause)
{
	const unsigned char	*u = (const unsigned char *)name;
	size_t			 n;
	uint32_t		 cp;

	while (*u != '\0') {
		if ((n = mail_utf8_len(u)) == 0) {
			xasprintf(cause, "display name contains invalid UTF-8 "
			    "(byte 0x%02x at offset %zu)", *u,
			    (size_t)(u - (const unsigned char *)name));
			return -1;
		}
		cp = n == 2 ? (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f) :
		    u[0];
		if ((n == 1 && (cp < 0x20 || cp == 0x7f)) ||
		    (n == 2 && cp >= 0x80 && cp <= 0x9f)) {
			xasprintf(cause, "display name contains the control "
			    "character U+%04X", (unsigned int)cp);
			return -1;
		}
		u += n;
	}
	return 0;
}

int
mail_mailbox_parse(const char *text, char **display, char **address,
    char **cause)
{
	const char	*lt, *gt, *p, *end;
	char		*name = NULL, *out;
	size_t		 len;

	*display = *address = NULL;
	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			xasprintf(cause, "mailbox contains the control "
			    "character 0x%02x", (unsigned char)*p);
			return -1;
		}
	}
	p = text + strspn(text, " \t");
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;

	if ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		gt = end - 1;
		if (gt <= lt || *gt != '>' || memchr(lt + 1, '<',
		    (size_t)(gt - lt - 1)) != NULL) {
			xasprintf(cause, "expected \"Name <address>\"");
			return -1;
		}
		*address = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		while (lt > p && (lt[-1] == ' ' || lt[-1] == '\t'))
			lt--;
		len = (size_t)(lt - p);
		if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
			/* A quoted string: drop the quotes and backslashes. */
			name = out = xmalloc(len);
			for (p++, len -= 2; len > 0; p++, len--) {
				if (*p == '\\' && len > 1) {
					p++;
					len--;
				}
				*out++ = *p;
			}
			*out = '\0';
		} else if (len > 0)
			name = xstrndup(p, len);
	} else
		*address = xstrndup(p, (size_t)(end - p));

	if (!provider_address_valid(*address)) {
		xasprintf(cause, "invalid address \"%.80s\": expected "
		    "local@domain in ASCII", *address);
		goto fail;
	}
	if (name != NULL && strlen(name) > MAIL_DISPLAY_MAX) {
		xasprintf(cause, "display name longer than %d bytes",
		    MAIL_DISPLAY_MAX);
		goto fail;
	}
	if (name != NULL && mail_display_check(name, cause) == -1)
		goto fail;
	if (name != NULL && name[0] == '\0') {
		free(name);
		name = NULL;
	}
	*display = name;
	return 0;

fail:
	free(name);
	free(*address);
	*address = NULL;
	return -1;
}

/* Append s (cleaned UTF-8) as encoded words, separated by sep. */
static void
mail_encode_words(struct esc_buf *b, const char *s, const char *sep)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 start = 0, i = 0, n;
	int			 first = 1;

	while (u[start] != '\0') {
		/* Take whole characters up to MAIL_WORD_BYTES bytes. */
		for (i = start; u[i] != '\0'; i += n) {
			n = mail_utf8_len(u + i);
			if (n == 0)
				n = 1;
			if (i + n - start > MAIL_WORD_BYTES)
				break;
		}
		if (!first)
			esc_buf_add(b, sep, strlen(sep));
		esc_buf_lit(b, "=?UTF-8?B?");
		xarf_base64(b, u + start, i - start, 0);
		esc_buf_lit(b, "?=");
		first = 0;
		start = i;
	}
}

char *
mail_mailbox_format(const char *display, const char *address)
{
	struct esc_buf	 b = { NULL, 0, 0 };
	const char	*p;
	char		*clean;
	int		 atoms = 1;

	esc_buf_add(&b, "", 0);
	if (display == NULL || display[0] == '\0') {
		esc_buf_add(&b, address, strlen(address));
		return b.data;
	}
	clean = mail_clean(display);
	if (!mail_is_ascii(clean))
		mail_encode_words(&b, clean, " ");
	else {
		for (p = clean; *p != '\0'; p++) {
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == ' ' || strchr(MAIL_ATEXT_SPECIALS, *p) !=
			    NULL))
				atoms = 0;
		}
		if (clean[0] == ' ' || clean[strlen(clean) - 1] == ' ')
			atoms = 0;
		if (atoms)
			esc_buf_add(&b, clean, strlen(clean));
		else {
			esc_buf_lit(&b, "\"");
			for (p = clean; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					esc_buf_lit(&b, "\\");
				esc_buf_add(&b, p, 1);
			}
			esc_buf_lit(&b, "\"");
		}
	}
	esc_buf_printf(&b, " <%s>", address);
	free(clean);
	return b.data;
}

void
mail_header(struct esc_buf *b, const char *name, const char *value)
{
	const char	*p, *q;
	size_t		 col, start, len;

	esc_buf_printf(b, "%s:", name);
	col = start = strlen(name) + 1;
	p = value + strspn(value, " ");
	while (*p != '\0') {
		for (q = p + 1; *q != '\0'; q++) {
			if (*q == ' ' && (q[-1] == ',' || q[1] == '(' ||
			    q[1] == '<' || q[1] == '='))
				break;
		}
		len = (size_t)(q - p);
		if (col > start && col + 1 + len > MAIL_FOLD_COLUMN) {
			esc_buf_add(b, "\n", 1);
			col = 0;
		}
		esc_buf_add(b, " ", 1);
		esc_buf_add(b, p, len);
		col += 1 + len;
		p = q + strspn(q, " ");
	}
	esc_buf_add(b, "\n", 1);
}

void
mail_header_text(struct esc_buf *b, const char *name, const char *value)
{
	char	*clean;

	clean = mail_clean(value);
	if (mail_is_ascii(clean) && strstr(clean, "=?") == NULL)
		mail_header(b, name, clean);
	else {
		/* One encoded word per folded line. */
		esc_buf_printf(b, "%s: ", name);
		mail_encode_words(b, clean, "\n ");
		esc_buf_add(b, "\n", 1);
	}
	free(clean);
}

size_t
mail_wrap_lines(struct esc_buf *out, const char *text, size_t max)
{
	const unsigned char	*u = (const unsigned char *)text;
	size_t			 i = 0, col = 0, n, split = 0;

	esc_buf_add(out, "", 0);
	while (u[i] != '\0') {
		if (u[i] == '\n') {
			esc_buf_add(out, "\n", 1);
			col = 0;
			i++;
			continue;
		}
		n = mail_utf8_len(u + i);
		if (n == 0)
			n = 1;
		if (col + n > max) {
			esc_buf_add(out, "\n", 1);
			col = 0;
			split++;
		}
		esc_buf_add(out, text + i, n);
		col += n;
		i += n;
	}
	return split;
}
