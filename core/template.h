/*
 * Report templates: the Subject and body of an abuse report with
 * placeholders such as {{ip}} and {{evidence}}, and a section between
 * {{#suspects}} and {{/suspects}} that repeats for every suspect the
 * report covers.  docs/reports.md describes the syntax and every
 * placeholder.
 */
#ifndef SMTPTRIAGE_TEMPLATE_H
#define SMTPTRIAGE_TEMPLATE_H

#include <stddef.h>

#include "esc.h"

/* Largest template file accepted. */
#define TEMPLATE_FILE_MAX	(64 * 1024)
/* Maximum length of a template line, far below RFC 5322's 998 octets. */
#define TEMPLATE_LINE_MAX	500

/*
 * Placeholder kinds.  An inline placeholder stands for text on one line.
 * A block placeholder stands for whole lines and must be alone on its
 * line, which it replaces; an empty block removes the line.
 */
enum template_kind {
	TEMPLATE_INLINE,
	TEMPLATE_BLOCK,
};

struct template;

/*
 * Parse a template from text (len bytes; name is used in error messages).
 * Returns NULL with *cause set (allocated) when the template is invalid:
 * an unknown or misplaced placeholder, an unbalanced section, a line
 * longer than TEMPLATE_LINE_MAX, a control character or invalid UTF-8.
 */
struct template	*template_parse(const char *text, size_t len, const char *name,
		    char **cause);
/* Read and parse the file at path (at most TEMPLATE_FILE_MAX bytes). */
struct template	*template_load(const char *path, char **cause);
/* The built-in template; never freed. */
const struct template *template_default(void);
void		 template_free(struct template *);

/* The Subject line with its placeholders, or NULL when none was given. */
const char	*template_subject(const struct template *);

/*
 * Write the value of placeholder name into out.  item is the suspect's
 * index inside the section, or TEMPLATE_MESSAGE outside it.
 */
#define TEMPLATE_MESSAGE	((size_t)-1)
typedef void	(*template_value_fn)(struct esc_buf *out, const char *name,
		    size_t item, void *arg);

/* Expand the body for nitems suspects into out. */
void		 template_expand_body(const struct template *, size_t nitems,
		    template_value_fn, void *arg, struct esc_buf *out);
/* Expand a one-line text such as the Subject (message placeholders only). */
void		 template_expand_line(const char *line, template_value_fn,
		    void *arg, struct esc_buf *out);

/* The built-in template's text, as a file would hold it (for the docs). */
const char	*template_default_text(void);

#endif
