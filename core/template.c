/*
 * Report templates.  A template is parsed once into lines of four kinds:
 * text with inline placeholders, a block placeholder alone on its line,
 * and the two lines that open and close the suspects section.  Every
 * placeholder name is checked against a table when the template is
 * parsed, so expansion cannot meet an unknown one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "esc.h"
#include "template.h"
#include "xmalloc.h"

/* Maximum length of a placeholder name, braces not counted. */
#define TEMPLATE_NAME_MAX	32
/* Lines in a template; a template has a few dozen. */
#define TEMPLATE_LINES_MAX	2000

#define TEMPLATE_SECTION_OPEN	"{{#suspects}}"
#define TEMPLATE_SECTION_CLOSE	"{{/suspects}}"

/* Places where a placeholder may appear. */
#define TEMPLATE_IN_MESSAGE	0x1	/* outside the suspects section */
#define TEMPLATE_IN_SUSPECT	0x2	/* inside it */

static const struct {
	const char		*name;
	enum template_kind	 kind;
	int			 where;
} template_names[] = {
	{ "clients", TEMPLATE_INLINE, TEMPLATE_IN_MESSAGE },
	{ "count", TEMPLATE_INLINE, TEMPLATE_IN_MESSAGE },
	{ "ips", TEMPLATE_INLINE, TEMPLATE_IN_MESSAGE },
	{ "from", TEMPLATE_INLINE, TEMPLATE_IN_MESSAGE | TEMPLATE_IN_SUSPECT },
	{ "hostname", TEMPLATE_INLINE,
	    TEMPLATE_IN_MESSAGE | TEMPLATE_IN_SUSPECT },
	{ "date", TEMPLATE_INLINE, TEMPLATE_IN_MESSAGE | TEMPLATE_IN_SUSPECT },
	{ "provider", TEMPLATE_INLINE,
	    TEMPLATE_IN_MESSAGE | TEMPLATE_IN_SUSPECT },
	{ "reasons", TEMPLATE_INLINE,
	    TEMPLATE_IN_MESSAGE | TEMPLATE_IN_SUSPECT },
	{ "ip", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "index", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "rdns", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "helo", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "first_seen", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "last_seen", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "events", TEMPLATE_INLINE, TEMPLATE_IN_SUSPECT },
	{ "heading", TEMPLATE_BLOCK, TEMPLATE_IN_SUSPECT },
	{ "fix", TEMPLATE_BLOCK, TEMPLATE_IN_SUSPECT },
	{ "client", TEMPLATE_BLOCK, TEMPLATE_IN_SUSPECT },
	{ "findings", TEMPLATE_BLOCK, TEMPLATE_IN_SUSPECT },
	{ "dns", TEMPLATE_BLOCK, TEMPLATE_IN_SUSPECT },
	{ "evidence", TEMPLATE_BLOCK, TEMPLATE_IN_SUSPECT },
};
#define TEMPLATE_NNAMES	(sizeof template_names / sizeof template_names[0])

enum template_line_kind {
	TEMPLATE_LINE_TEXT,
	TEMPLATE_LINE_BLOCK,
	TEMPLATE_LINE_OPEN,
	TEMPLATE_LINE_CLOSE,
};

struct template_line {
	enum template_line_kind	 kind;
	char			*text;	/* text, or the block's name */
};

struct template {
	char			*subject;
	struct template_line	*lines;
	size_t			 nlines;
};

/*
 * The built-in template.  Its blocks end in an empty line, so the
 * sections of the report are separated without empty template lines.
 */
static const char template_builtin[] =
    "Subject: Abuse report: {{ips}} ({{reasons}})\n"
    "\n"
    "This report is about {{clients}}.\n"
    "Our mail server checks the identity of every SMTP client (its HELO\n"
    "name and reverse DNS), and these checks failed.  Please have the\n"
    "sender fix the problems listed below.  Text from our logs and from\n"
    "DNS answers is quoted with control characters and invalid UTF-8\n"
    "shown as escapes such as \\x1B.\n"
    "\n"
    TEMPLATE_SECTION_OPEN "\n"
    "{{heading}}\n"
    "{{fix}}\n"
    "{{client}}\n"
    "{{findings}}\n"
    "{{dns}}\n"
    "{{evidence}}\n"
    TEMPLATE_SECTION_CLOSE "\n"
    "-- \n"
    "Composed by smtptriage on {{hostname}}.\n";

static struct template	*template_builtin_parsed;

/* Look up a placeholder name; returns its index or -1. */
static int
template_lookup(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < TEMPLATE_NNAMES; i++) {
		if (strlen(template_names[i].name) == len &&
		    strncmp(template_names[i].name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Check the placeholders of a text line.  where is TEMPLATE_IN_MESSAGE or
 * TEMPLATE_IN_SUSPECT.  Returns 0, or -1 with *cause set.
 */
static int
template_check_text(const char *line, int where, const char *at,
    char **cause)
{
	const char	*p, *end;
	int		 i;

	for (p = line; (p = strstr(p, "{{")) != NULL; p = end + 2) {
		if ((end = strstr(p + 2, "}}")) == NULL) {
			xasprintf(cause, "%s: \"{{\" without a closing \"}}\"",
			    at);
			return -1;
		}
		if ((size_t)(end - p - 2) > TEMPLATE_NAME_MAX ||
		    (i = template_lookup(p + 2, (size_t)(end - p - 2))) == -1) {
			xasprintf(cause, "%s: unknown placeholder \"%.*s\"", at,
			    (int)(end - p + 2 > 40 ? 40 : end - p + 2), p);
			return -1;
		}
		if (template_names[i].kind == TEMPLATE_BLOCK) {
			xasprintf(cause, "%s: {{%s}} must be alone on its line",
			    at, template_names[i].name);
			return -1;
		}
		if ((template_names[i].where & where) == 0) {
			xasprintf(cause, "%s: {{%s}} can only be used %s the "
			    "{{#suspects}} section", at, template_names[i].name,
			    where == TEMPLATE_IN_MESSAGE ? "inside" : "outside");
			return -1;
		}
	}
	return 0;
}

/* Check bytes, length and UTF-8 of one line. */
static int
template_check_bytes(const char *line, size_t len, const char *at,
    char **cause)
{
	const unsigned char	*u = (const unsigned char *)line;
	uint32_t		 cp;
	size_t			 i, n;

	if (len > TEMPLATE_LINE_MAX) {
		xasprintf(cause, "%s: line is longer than %d bytes", at,
		    TEMPLATE_LINE_MAX);
		return -1;
	}
	for (i = 0; i < len; i += n) {
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f) {
			xasprintf(cause, "%s: line contains the control "
			    "character 0x%02x", at, u[i]);
			return -1;
		}
		if ((n = esc_utf8_seq(u + i, len - i, &cp)) == 0) {
			xasprintf(cause, "%s: line contains invalid UTF-8 "
			    "(byte 0x%02x)", at, u[i]);
			return -1;
		}
	}
	return 0;
}

/* Classify and check one body line; adds it to t. */
static int
template_add_line(struct template *t, char *line, int *inside,
    const char *at, char **cause)
{
	struct template_line	 l;
	size_t			 len = strlen(line);
	int			 i;

	memset(&l, 0, sizeof l);
	if (strcmp(line, TEMPLATE_SECTION_OPEN) == 0) {
		if (*inside) {
			xasprintf(cause, "%s: {{#suspects}} inside the "
			    "suspects section", at);
			return -1;
		}
		*inside = 1;
		l.kind = TEMPLATE_LINE_OPEN;
	} else if (strcmp(line, TEMPLATE_SECTION_CLOSE) == 0) {
		if (!*inside) {
			xasprintf(cause, "%s: {{/suspects}} without "
			    "{{#suspects}}", at);
			return -1;
		}
		*inside = 0;
		l.kind = TEMPLATE_LINE_CLOSE;
	} else if (len > 4 && strncmp(line, "{{", 2) == 0 &&
	    strcmp(line + len - 2, "}}") == 0 &&
	    (i = template_lookup(line + 2, len - 4)) != -1 &&
	    template_names[i].kind == TEMPLATE_BLOCK) {
		if (!*inside) {
			xasprintf(cause, "%s: {{%s}} can only be used inside "
			    "the {{#suspects}} section", at,
			    template_names[i].name);
			return -1;
		}
		l.kind = TEMPLATE_LINE_BLOCK;
		l.text = xstrdup(template_names[i].name);
	} else {
		if (strstr(line, "{{#") != NULL || strstr(line, "{{/") !=
		    NULL) {
			xasprintf(cause, "%s: a section line must hold only "
			    "{{#suspects}} or {{/suspects}}", at);
			return -1;
		}
		if (template_check_text(line, *inside ? TEMPLATE_IN_SUSPECT :
		    TEMPLATE_IN_MESSAGE, at, cause) == -1)
			return -1;
		l.kind = TEMPLATE_LINE_TEXT;
		l.text = xstrdup(line);
	}
	if (t->nlines == TEMPLATE_LINES_MAX) {
		free(l.text);
		xasprintf(cause, "%s: template has more than %d lines", at,
		    TEMPLATE_LINES_MAX);
		return -1;
	}
	t->lines = xreallocarray(t->lines, t->nlines + 1, sizeof *t->lines);
	t->lines[t->nlines++] = l;
	return 0;
}

struct template *
template_parse(const char *text, size_t len, const char *name, char **cause)
{
	struct template	*t;
	const char	*p, *end, *nl;
	char		*line, *at;
	size_t		 lineno = 0, n;
	int		 inside = 0, rc, first = 1, skip_blank = 0;

	if (memchr(text, '\0', len) != NULL) {
		xasprintf(cause, "%s: template contains a NUL byte", name);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	end = text + len;
	for (p = text; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		xasprintf(&at, "%s:%zu", name, lineno);
		if (template_check_bytes(p, n, at, cause) == -1) {
			free(at);
			goto fail;
		}
		line = xstrndup(p, n);

		rc = 0;
		if (first && strncasecmp(line, "Subject:", 8) == 0) {
			t->subject = xstrdup(line + 8 + strspn(line + 8,
			    " \t"));
			rc = template_check_text(t->subject,
			    TEMPLATE_IN_MESSAGE, at, cause);
			skip_blank = 1;
		} else if (skip_blank) {
			skip_blank = 0;
			if (line[strspn(line, " \t")] != '\0') {
				xasprintf(cause, "%s: expected an empty line "
				    "after the Subject line", at);
				rc = -1;
			}
		} else
			rc = template_add_line(t, line, &inside, at, cause);
		first = 0;
		free(line);
		free(at);
		if (rc == -1)
			goto fail;
		if (nl == end)
			break;
	}
	if (inside) {
		xasprintf(cause, "%s: {{#suspects}} without {{/suspects}}",
		    name);
		goto fail;
	}
	return t;

fail:
	template_free(t);
	return NULL;
}

struct template *
template_load(const char *path, char **cause)
{
	struct template	*t;
	char		*data;
	size_t		 len;

	if (config_read_file(path, TEMPLATE_FILE_MAX, 1, &data, &len,
	    cause) == -1)
		return NULL;
	if (data == NULL) {
		xasprintf(cause, "report template %s does not exist", path);
		return NULL;
	}
	t = template_parse(data, len, path, cause);
	free(data);
	return t;
}

const struct template *
template_default(void)
{
	char	*cause = NULL;

	if (template_builtin_parsed == NULL) {
		template_builtin_parsed = template_parse(template_builtin,
		    sizeof template_builtin - 1, "built-in template", &cause);
		/* The built-in text is fixed, and the unit tests parse it. */
		if (template_builtin_parsed == NULL)
			abort();
	}
	return template_builtin_parsed;
}

const char *
template_default_text(void)
{
	return template_builtin;
}

void
template_free(struct template *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nlines; i++)
		free(t->lines[i].text);
	free(t->lines);
	free(t->subject);
	free(t);
}

const char *
template_subject(const struct template *t)
{
	return t->subject;
}

/*
 * Expand the inline placeholders of line for item.  A line end in a value
 * is replaced by a blank, so a value cannot add a line.
 */
static void
template_expand_text(const char *line, size_t item, template_value_fn fn,
    void *arg, struct esc_buf *out)
{
	struct esc_buf	 value = { NULL, 0, 0 };
	const char	*p, *open, *close;
	char		 name[TEMPLATE_NAME_MAX + 1];
	size_t		 i, len;

	for (p = line; (open = strstr(p, "{{")) != NULL; p = close + 2) {
		if ((close = strstr(open + 2, "}}")) == NULL)
			break;
		esc_buf_add(out, p, (size_t)(open - p));
		len = (size_t)(close - open - 2);
		if (len > TEMPLATE_NAME_MAX)
			len = TEMPLATE_NAME_MAX;
		memcpy(name, open + 2, len);
		name[len] = '\0';
		value.len = 0;
		fn(&value, name, item, arg);
		for (i = 0; i < value.len; i++) {
			if (value.data[i] == '\n' || value.data[i] == '\r')
				value.data[i] = ' ';
		}
		if (value.len > 0)
			esc_buf_add(out, value.data, value.len);
	}
	esc_buf_add(out, p, strlen(p));
	esc_buf_free(&value);
}

void
template_expand_line(const char *line, template_value_fn fn, void *arg,
    struct esc_buf *out)
{
	template_expand_text(line, TEMPLATE_MESSAGE, fn, arg, out);
}

/* Expand lines[from..to-1] for item. */
static void
template_expand_lines(const struct template *t, size_t from, size_t to,
    size_t item, template_value_fn fn, void *arg, struct esc_buf *out)
{
	const struct template_line	*l;
	size_t				 i;

	for (i = from; i < to; i++) {
		l = &t->lines[i];
		if (l->kind == TEMPLATE_LINE_BLOCK)
			fn(out, l->text, item, arg);
		else if (l->kind == TEMPLATE_LINE_TEXT) {
			template_expand_text(l->text, item, fn, arg, out);
			esc_buf_add(out, "\n", 1);
		}
	}
}

void
template_expand_body(const struct template *t, size_t nitems,
    template_value_fn fn, void *arg, struct esc_buf *out)
{
	size_t	i, open, close, item;

	esc_buf_add(out, "", 0);
	for (i = 0; i < t->nlines; i = close + 1) {
		for (open = i; open < t->nlines &&
		    t->lines[open].kind != TEMPLATE_LINE_OPEN; open++)
			;
		template_expand_lines(t, i, open, TEMPLATE_MESSAGE, fn, arg,
		    out);
		if (open == t->nlines)
			break;
		for (close = open + 1; close < t->nlines &&
		    t->lines[close].kind != TEMPLATE_LINE_CLOSE; close++)
			;
		for (item = 0; item < nitems; item++)
			template_expand_lines(t, open + 1, close, item, fn, arg,
			    out);
	}
}
