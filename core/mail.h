/*
 * Pieces of RFC 5322 and MIME messages: mailboxes with display names,
 * header fields folded and, where they hold non-ASCII text, written as
 * RFC 2047 encoded words, and body lines kept within 998 octets.
 */
#ifndef SMTPTRIAGE_MAIL_H
#define SMTPTRIAGE_MAIL_H

#include <stddef.h>

#include "esc.h"

/* Maximum line length of RFC 5322 section 2.1.1, without the line end. */
#define MAIL_LINE_MAX		998
/* Header lines are folded before this column where possible. */
#define MAIL_FOLD_COLUMN	78
/* Maximum length of a display name, in bytes. */
#define MAIL_DISPLAY_MAX	200

/*
 * Parse a mailbox: "user@example.org", "Name <user@example.org>" or
 * "\"Name, Inc.\" <user@example.org>".  The address must pass
 * provider_address_valid; the display name may hold UTF-8 but no control
 * character.  Returns 0 and sets *display (allocated, NULL when there is
 * none) and *address (allocated), or -1 with *cause set.
 */
int	 mail_mailbox_parse(const char *text, char **display, char **address,
	     char **cause);

/*
 * Format a mailbox for a header: the display name as it is when it is
 * plain words, as a quoted string when it contains specials, or as RFC
 * 2047 encoded words when it contains non-ASCII text.  Returns an allocated
 * string.
 */
char	*mail_mailbox_format(const char *display, const char *address);

/*
 * Append "name: value" for a structured value of printable ASCII, folded
 * before MAIL_FOLD_COLUMN after a comma or before "(" or "<".
 */
void	 mail_header(struct esc_buf *, const char *name, const char *value);

/*
 * Append "name: value" for free text such as a Subject: printable ASCII
 * as it is (folded at blanks), anything else as RFC 2047 "B" encoded
 * words in UTF-8.  Control characters and invalid UTF-8 become "?".
 */
void	 mail_header_text(struct esc_buf *, const char *name,
	     const char *value);

/*
 * Copy text (lines ending in "\n") into out, splitting every line longer
 * than max bytes at a UTF-8 character boundary.  Returns the number of
 * lines split.
 */
size_t	 mail_wrap_lines(struct esc_buf *out, const char *text, size_t max);

/* 1 if s holds only printable ASCII (0x20 to 0x7e). */
int	 mail_is_ascii(const char *s);

#endif
