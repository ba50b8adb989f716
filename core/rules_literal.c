/*
 * The required literals of a rule's pattern: strings that every match
 * contains, so a line without them cannot match and needs no PCRE2 call.
 *
 * The scanner reads the pattern source and takes runs of plain
 * characters at the top level: outside groups and classes, not followed
 * by a quantifier.  Every match of the pattern contains such a run byte
 * for byte, so the run lies inside the matched part of the line.
 * When the pattern starts with ^ and every item before a run matches a
 * fixed number of bytes, the run also lies at a fixed offset of the line.
 * The scanner gives up (no literal, so every line is tried) on anything
 * that could change that: alternation at the top level, option settings,
 * comments, \Q...\E, backtracking verbs such as (*ACCEPT), escapes other
 * than one-byte classes and assertions, and bytes outside printable
 * ASCII.  Patterns compile without PCRE2_UTF, and (*UTF) makes the
 * scanner give up, so a class or escape matches one byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "xmalloc.h"

/* The width of an item that matches a variable number of bytes. */
#define LITERAL_VARIABLE	SIZE_MAX
/* Largest exact repeat count whose width the scanner adds up. */
#define LITERAL_REPEAT_MAX	4096

/* Skip a class that starts at p[0] == '['.  Returns the byte after it. */
static const char *
literal_skip_class(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (;;) {
		switch (*p) {
		case '\0':
			return NULL;
		case ']':
			return p + 1;
		case '\\':
			if (p[1] == '\0' || p[1] == 'Q')
				return NULL;
			p += 2;
			break;
		case '[':
			if (p[1] == '.' || p[1] == '=')
				return NULL;
			if (p[1] != ':') {
				p++;
				break;
			}
			/* A POSIX class such as [:alpha:]. */
			for (p += 2; (*p >= 'a' && *p <= 'z') || *p == '^'; p++)
				;
			if (p[0] != ':' || p[1] != ']')
				return NULL;
			p += 2;
			break;
		default:
			p++;
			break;
		}
	}
}

/* Find the end of a group name at p, up to the byte close. */
static size_t
literal_group_name(const char *p, char close)
{
	size_t	i;

	for (i = 0; (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
	    p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'; i++)
		;
	return i > 0 && p[i] == close ? i + 1 : 0;
}

/*
 * Check the group opening at p[0] == '('.  Returns the length of the
 * opening with the group's name, or 0 for a form the scanner does not
 * follow: options such as (?i) or (?x), comments, conditions, callouts,
 * calls and verbs.
 */
static size_t
literal_group_open(const char *p)
{
	size_t	n;

	if (p[1] != '?')
		return p[1] == '*' ? 0 : 1;
	switch (p[2]) {
	case ':':
	case '=':
	case '!':
	case '>':
	case '|':
		return 3;
	case '<':
		if (p[3] == '=' || p[3] == '!')
			return 4;
		return (n = literal_group_name(p + 3, '>')) == 0 ? 0 : 3 + n;
	case '\'':
		return (n = literal_group_name(p + 3, '\'')) == 0 ? 0 : 3 + n;
	case 'P':
		if (p[3] != '<')
			return 0;
		return (n = literal_group_name(p + 4, '>')) == 0 ? 0 : 4 + n;
	default:
		return 0;
	}
}

/* A printable ASCII character that is neither a letter nor a digit. */
static int
literal_is_punct(char c)
{
	return c >= 0x20 && c <= 0x7e && !(c >= 'a' && c <= 'z') &&
	    !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9');
}

/* Width of an escape: one byte, none for an assertion, or variable. */
static size_t
literal_escape_width(char c)
{
	if (c != '\0' && strchr("dDsSwWhHvVN", c) != NULL)
		return 1;
	if (c != '\0' && strchr("bBAzZG", c) != NULL)
		return 0;
	return LITERAL_VARIABLE;
}

static int
literal_is_quantifier(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* A scan position, and whether the scanner gave up. */
struct literal_scan {
	const char	*p;
	int		 give_up;
	int		 depth;		/* groups open at p */
};

/*
 * Groups nested deeper than this end the scan.  PCRE2 compiles a pattern
 * before the scan and allows 250 levels by default, so this bounds the
 * recursion of literal_item and literal_sequence in any case.
 */
#define LITERAL_DEPTH_MAX	64

static size_t	literal_sequence(struct literal_scan *, int top,
		    char *run, struct rules_literals *);

static size_t
literal_add(size_t a, size_t b)
{
	if (a == LITERAL_VARIABLE || b == LITERAL_VARIABLE)
		return LITERAL_VARIABLE;
	return a + b;
}

/*
 * Read a quantifier at sc->p, with its lazy or possessive mark, and
 * return the width of the quantified item of width w.  Braces that
 * PCRE2 may read as literal text count as a quantifier too, which only
 * loses literals.
 */
static size_t
literal_quantifier(struct literal_scan *sc, size_t w)
{
	const char	*p = sc->p;
	size_t		 n = 0;
	int		 exact = 1;

	if (*p == '*' || *p == '+' || *p == '?') {
		p++;
		exact = 0;
	} else {
		/*
		 * Only {n} is a count of known width.  PCRE2 before 10.43
		 * reads "{ 3 }" and "{,3}" as literal text.
		 */
		p++;
		if (!(*p >= '0' && *p <= '9'))
			exact = 0;
		for (; *p >= '0' && *p <= '9'; p++)
			if (n <= LITERAL_REPEAT_MAX)
				n = n * 10 + (size_t)(*p - '0');
		for (; (*p >= '0' && *p <= '9') || *p == ',' || *p == ' ';
		    p++)
			exact = 0;
		if (*p != '}') {
			sc->give_up = 1;
			return LITERAL_VARIABLE;
		}
		p++;
	}
	if (*p == '+' || *p == '?')
		p++;
	sc->p = p;
	if (!exact || n > LITERAL_REPEAT_MAX || w == LITERAL_VARIABLE)
		return LITERAL_VARIABLE;
	return w * n;
}

/*
 * Keep run (run_len bytes at offset start of the line, or anywhere when
 * start is LITERAL_VARIABLE) in found when it is longer than the one
 * there.
 */
static void
literal_keep(struct rules_literals *found, const char *run, size_t run_len,
    size_t start)
{
	struct rules_literal	*l;

	l = &found->floating;
	if (run_len > l->len) {
		memcpy(l->text, run, run_len);
		l->len = run_len;
	}
	l = &found->anchored;
	if (start != LITERAL_VARIABLE && run_len > l->len) {
		memcpy(l->text, run, run_len);
		l->len = run_len;
		l->offset = start;
	}
}

/*
 * Read one item at sc->p: a character, an escape, a class or a group.
 * Returns its width and sets *c to the character it matches when it is
 * a plain one, or else to 0.
 */
static size_t /* NOLINTNEXTLINE(misc-no-recursion): LITERAL_DEPTH_MAX */
literal_item(struct literal_scan *sc, char *c)
{
	const char	*p = sc->p;
	size_t		 n, w;

	*c = '\0';
	if (p[0] == '\\' && literal_is_punct(p[1])) {
		*c = p[1];
		sc->p = p + 2;
		return 1;
	}
	if (p[0] == '\\') {
		if ((w = literal_escape_width(p[1])) == LITERAL_VARIABLE)
			sc->give_up = 1;
		sc->p = p + 2;
		return w;
	}
	if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e ||
	    literal_is_quantifier(*p)) {
		sc->give_up = 1;
		return LITERAL_VARIABLE;
	}
	if (*p == '[') {
		if ((p = literal_skip_class(p)) == NULL) {
			sc->give_up = 1;
			return LITERAL_VARIABLE;
		}
		sc->p = p;
		return 1;
	}
	if (*p == '(') {
		if ((n = literal_group_open(p)) == 0) {
			sc->give_up = 1;
			return LITERAL_VARIABLE;
		}
		if (++sc->depth > LITERAL_DEPTH_MAX) {
			sc->give_up = 1;
			return LITERAL_VARIABLE;
		}
		sc->p = p + n;
		w = literal_sequence(sc, 0, NULL, NULL);
		sc->depth--;
		if (sc->give_up || *sc->p != ')') {
			sc->give_up = 1;
			return LITERAL_VARIABLE;
		}
		sc->p++;
		/* Lookarounds match no bytes. */
		if (p[1] == '?' && (p[2] == '=' || p[2] == '!' ||
		    (p[2] == '<' && (p[3] == '=' || p[3] == '!'))))
			return 0;
		return w;
	}
	sc->p = p + 1;
	if (*p == '^' || *p == '$')
		return 0;
	if (*p == '.')
		return 1;
	*c = *p;
	return 1;
}

/*
 * Read items up to a ')' or the end of the pattern, and return their
 * total width.  At the top level, keep the runs of plain characters in
 * found, with run as the buffer of the current one.
 */
static size_t /* NOLINTNEXTLINE(misc-no-recursion): LITERAL_DEPTH_MAX */
literal_sequence(struct literal_scan *sc, int top, char *run,
    struct rules_literals *found)
{
	size_t	width = 0, w, run_len = 0, run_start = 0;
	int	anchored = 0, first = 1;
	char	c;

	while (*sc->p != '\0' && *sc->p != ')' && !sc->give_up) {
		if (*sc->p == '|') {
			if (top) {
				sc->give_up = 1;
				break;
			}
			sc->p++;
			width = LITERAL_VARIABLE;
			continue;
		}
		if (first && *sc->p == '^')
			anchored = 1;
		first = 0;
		w = literal_item(sc, &c);
		if (sc->give_up)
			break;
		if (literal_is_quantifier(*sc->p)) {
			w = literal_quantifier(sc, w);
			c = '\0';
		}
		if (top && c != '\0') {
			if (run_len == 0)
				run_start = anchored ? width :
				    LITERAL_VARIABLE;
			run[run_len++] = c;
			literal_keep(found, run, run_len, run_start);
		} else if (top)
			run_len = 0;
		width = literal_add(width, w);
	}
	return width;
}

/* The index of the byte of s to search for: one rare in log lines. */
static size_t
literal_probe(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == ' ' ||
		    s[i] == ':' || s[i] == '.' || s[i] == '-'))
			return i;
	return 0;
}

void
rules_literal_find(const char *pattern, struct rules_literals *found)
{
	struct literal_scan	 sc;
	char			*run;
	size_t			 size;

	memset(found, 0, sizeof *found);
	size = strlen(pattern) + 1;
	run = xmalloc(size);
	found->floating.text = xmalloc(size);
	found->anchored.text = xmalloc(size);
	memset(&sc, 0, sizeof sc);
	sc.p = pattern;
	literal_sequence(&sc, 1, run, found);
	free(run);
	/* A ')' without its '(' does not compile, but stop on it anyway. */
	if (sc.give_up || *sc.p != '\0') {
		found->floating.len = 0;
		found->anchored.len = 0;
	}
	if (found->floating.len == 0) {
		free(found->floating.text);
		found->floating.text = NULL;
	} else
		found->floating.probe = literal_probe(found->floating.text,
		    found->floating.len);
	if (found->anchored.len == 0) {
		free(found->anchored.text);
		found->anchored.text = NULL;
	}
}

void
rules_literals_free(struct rules_literals *found)
{
	free(found->floating.text);
	free(found->anchored.text);
	found->floating.text = NULL;
	found->anchored.text = NULL;
}
