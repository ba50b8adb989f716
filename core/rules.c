/* Custom rules: PCRE2 patterns from a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "regexp.h"
#include "rules.h"
#include "span.h"
#include "xmalloc.h"

/* Maximum length of a reason name, as in the warning table. */
#define RULES_REASON_MAX	64

/* The named groups a pattern may have, in this order. */
enum rules_field {
	RULES_IP,
	RULES_HELO,
	RULES_RDNS,
	RULES_TIME,
	RULES_REASON,
	RULES_NFIELDS,
};

static const char *rules_field_names[RULES_NFIELDS] = {
	"ip", "helo", "rdns", "time", "reason"
};

struct rules_rule {
	pcre2_code	*code;
	int		 jit;
	char		*reason;	/* NULL for "-" */
	struct rules_literals literals;
	uint32_t	 groups[RULES_NFIELDS][RULES_DUP_MAX];
	size_t		 ngroups[RULES_NFIELDS];
};

struct rules {
	struct regexp_env	 env;
	struct rules_rule	*rule;
	size_t			 count;
	uint32_t		 max_groups;	/* most capture groups of a rule */
};

struct rules_matcher {
	const struct rules	*rules;
	pcre2_match_data	*md;
	PCRE2_SIZE		*ovector;
	uint32_t		 ovector_count;
	int			 prefilter;
};

static int
rules_valid_reason(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > RULES_REASON_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Find the group numbers of each field name in a compiled pattern. */
static void
rules_groups(struct rules_rule *r)
{
	PCRE2_SPTR	first, last, e;
	size_t		f;
	int		size;

	for (f = 0; f < RULES_NFIELDS; f++) {
		r->ngroups[f] = 0;
		size = pcre2_substring_nametable_scan(r->code,
		    (PCRE2_SPTR)rules_field_names[f], &first, &last);
		if (size <= 0)
			continue;
		for (e = first; e <= last && r->ngroups[f] < RULES_DUP_MAX;
		    e += size)
			r->groups[f][r->ngroups[f]++] =
			    ((uint32_t)e[0] << 8) | e[1];
	}
}

/* Compile the rule on one line of the file. */
static int
rules_add(struct rules *rs, const char *name, size_t lineno, const char *s,
    size_t len, char **cause)
{
	struct rules_rule	*r;
	const char		*sp;
	char			*pattern, *why;
	struct regexp		 re;
	size_t			 rlen;
	uint32_t		 ncap;

	if (len < 5 || memcmp(s, "rule", 4) != 0 ||
	    (s[4] != ' ' && s[4] != '\t')) {
		xasprintf(cause, "%s:%zu: expected \"rule <reason or -> "
		    "<pattern>\"", name, lineno);
		return -1;
	}
	s += 5;
	len -= 5;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	for (sp = s; sp < s + len && *sp != ' ' && *sp != '\t'; sp++)
		;
	rlen = (size_t)(sp - s);
	if (sp == s + len) {
		xasprintf(cause, "%s:%zu: the rule has no pattern", name,
		    lineno);
		return -1;
	}
	if (!(rlen == 1 && s[0] == '-') && !rules_valid_reason(s, rlen)) {
		xasprintf(cause, "%s:%zu: invalid reason name \"%.*s\": use "
		    "a-z, 0-9 and _ only, at most %d characters, or \"-\"",
		    name, lineno, (int)rlen, s, RULES_REASON_MAX);
		return -1;
	}
	if (rs->count >= RULES_MAX) {
		xasprintf(cause, "%s:%zu: more than %d rules", name, lineno,
		    RULES_MAX);
		return -1;
	}

	/* The pattern is the rest of the line after one separator. */
	pattern = xstrndup(sp + 1, len - rlen - 1);
	if (regexp_compile(&rs->env, &re, pattern, 0, &why) == -1) {
		xasprintf(cause, "%s:%zu: invalid pattern at %s", name, lineno,
		    why);
		free(why);
		free(pattern);
		return -1;
	}
	/* The match data comes from the matcher; the rule keeps the code. */
	pcre2_match_data_free(re.md);

	rs->rule = xreallocarray(rs->rule, rs->count + 1, sizeof *rs->rule);
	r = &rs->rule[rs->count++];
	memset(r, 0, sizeof *r);
	rules_literal_find(pattern, &r->literals);
	free(pattern);
	r->code = re.code;
	r->jit = re.jit;
	r->reason = rlen == 1 && s[0] == '-' ? NULL : xstrndup(s, rlen);
	rules_groups(r);
	if (r->ngroups[RULES_IP] == 0) {
		xasprintf(cause, "%s:%zu: the pattern has no group named ip, "
		    "as in (?<ip>[0-9.]+)", name, lineno);
		return -1;
	}
	if (pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &ncap) == 0 &&
	    ncap + 1 > rs->max_groups)
		rs->max_groups = ncap + 1;
	return 0;
}

struct rules *
rules_parse(const char *name, const char *text, size_t len, char **cause)
{
	struct rules	*rs;
	const char	*p = text, *nl, *end = text + len;
	size_t		 lineno = 0, n;

	rs = xcalloc(1, sizeof *rs);
	regexp_env_init(&rs->env);
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > RULES_LINE_MAX) {
			xasprintf(cause, "%s:%zu: line longer than %d bytes",
			    name, lineno, RULES_LINE_MAX);
			goto fail;
		}
		if (memchr(p, '\0', n) != NULL) {
			xasprintf(cause, "%s:%zu: NUL byte", name, lineno);
			goto fail;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
		    p[n - 1] == '\r'))
			n--;
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n > 0 && *p != '#' &&
		    rules_add(rs, name, lineno, p, n, cause) == -1)
			goto fail;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (rs->count == 0) {
		xasprintf(cause, "%s: no rules", name);
		goto fail;
	}
	return rs;

fail:
	rules_free(rs);
	return NULL;
}

struct rules *
rules_load(const char *path, char **cause)
{
	struct rules	*rs;
	FILE		*f;
	char		*text = NULL;
	size_t		 size = 0, len = 0, n;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == size) {
			if (size >= (size_t)RULES_MAX * (RULES_LINE_MAX + 1)) {
				xasprintf(cause, "%s: larger than %zu bytes",
				    path, size);
				free(text);
				fclose(f);
				return NULL;
			}
			size = size == 0 ? 4096 : size * 2;
			text = xreallocarray(text, size, 1);
		}
		n = fread(text + len, 1, size - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		xasprintf(cause, "%s: read error", path);
		free(text);
		fclose(f);
		return NULL;
	}
	fclose(f);
	rs = rules_parse(path, text, len, cause);
	free(text);
	return rs;
}

void
rules_free(struct rules *rs)
{
	size_t	i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->count; i++) {
		pcre2_code_free(rs->rule[i].code);
		free(rs->rule[i].reason);
		rules_literals_free(&rs->rule[i].literals);
	}
	free(rs->rule);
	regexp_env_free(&rs->env);
	free(rs);
}

size_t
rules_count(const struct rules *rs)
{
	return rs->count;
}

struct rules_matcher *
rules_matcher_create(const struct rules *rs)
{
	struct rules_matcher	*rm;

	rm = xcalloc(1, sizeof *rm);
	rm->rules = rs;
	rm->md = pcre2_match_data_create(rs->max_groups, rs->env.gctx);
	rm->ovector = pcre2_get_ovector_pointer(rm->md);
	rm->ovector_count = pcre2_get_ovector_count(rm->md);
	rm->prefilter = 1;
	return rm;
}

void
rules_matcher_set_prefilter(struct rules_matcher *rm, int on)
{
	rm->prefilter = on;
}

const struct rules_literals *
rules_literals(const struct rules *rs, size_t i)
{
	return i < rs->count ? &rs->rule[i].literals : NULL;
}

void
rules_matcher_free(struct rules_matcher *rm)
{
	if (rm == NULL)
		return;
	pcre2_match_data_free(rm->md);
	free(rm);
}

/* Find the first set group of a field.  Returns 0 if none is set. */
static int
rules_field(const struct rules_matcher *rm, const struct rules_rule *r,
    enum rules_field f, size_t *start, size_t *len)
{
	const PCRE2_SIZE	*ov = rm->ovector;
	uint32_t		 count = rm->ovector_count, g;
	size_t			 i;

	for (i = 0; i < r->ngroups[f]; i++) {
		g = r->groups[f][i];
		if (g >= count || ov[2 * g] == PCRE2_UNSET)
			continue;
		*start = ov[2 * g];
		*len = ov[2 * g + 1] - ov[2 * g];
		return 1;
	}
	return 0;
}

/*
 * Check that line contains the rule's literals where every match has
 * them.  Returns 0 when it does not, so that the pattern cannot match.
 */
static int
rules_prefilter(const struct rules_literals *lits, const char *line,
    size_t len)
{
	const struct rules_literal	*l = &lits->anchored;
	const char			*p, *end, *q;

	if (l->text != NULL && (len < l->len || l->offset > len - l->len ||
	    !span_equal(line + l->offset, l->text, l->len)))
		return 0;
	l = &lits->floating;
	if (l->text == NULL)
		return 1;
	if (len < l->len)
		return 0;

	/* text[probe] of a match lies in [line + probe, end). */
	p = line + l->probe;
	end = line + len - l->len + l->probe + 1;
	while (p < end) {
		q = memchr(p, l->text[l->probe], (size_t)(end - p));
		if (q == NULL)
			return 0;
		if (span_equal(q - l->probe, l->text, l->len))
			return 1;
		p = q + 1;
	}
	return 0;
}

static int
rules_match(const struct rules_matcher *rm, const struct rules_rule *r,
    const char *line, size_t len)
{
	int	rc;

	if (rm->prefilter && !rules_prefilter(&r->literals, line, len))
		return 0;
	if (r->jit)
		rc = pcre2_jit_match(r->code, (PCRE2_SPTR)line, len, 0, 0,
		    rm->md, rm->rules->env.mctx);
	else
		rc = pcre2_match(r->code, (PCRE2_SPTR)line, len, 0, 0, rm->md,
		    rm->rules->env.mctx);
	return rc > 0;
}

/* Set the reason of ev from the rule and its reason group. */
static void
rules_reason(const struct rules_rule *r, const struct reason_table *rt,
    const char *text, size_t len, struct event *ev)
{
	const char	*mapped;

	if (text == NULL || len == 0) {
		ev->reason = r->reason;
		return;
	}
	if (rt != NULL && (mapped = reason_table_lookup(rt, text,
	    len)) != NULL) {
		ev->reason = mapped;
		return;
	}
	field_set_reason(ev, r->reason != NULL ? r->reason : REASON_WARNING,
	    text, len);
}

enum parse_result
rules_parse_line(struct rules_matcher *rm, const struct reason_table *rt,
    struct syslog_year *yr, const char *line, size_t len, struct event *ev)
{
	const struct rules	*rs = rm->rules;
	const struct rules_rule	*r;
	size_t			 i, s, n;
	const char		*text;
	int			 cleared = 0;

	for (i = 0; i < rs->count; i++) {
		r = &rs->rule[i];
		if (!rules_match(rm, r, line, len))
			continue;
		/* Clear ev once, and only for a line that some rule matches. */
		if (!cleared) {
			field_event_clear(ev);
			cleared = 1;
		}
		if (!rules_field(rm, r, RULES_IP, &s, &n) ||
		    field_addr(line + s, n, &ev->addr) == -1)
			continue;
		if (rules_field(rm, r, RULES_HELO, &s, &n))
			field_set_helo(ev, line + s, n);
		if (rules_field(rm, r, RULES_RDNS, &s, &n))
			field_set_rdns(ev, line + s, n);
		if (rules_field(rm, r, RULES_TIME, &s, &n)) {
			if (syslog_parse_time(line + s, n, yr, &ev->time) > 0)
				ev->has_time = 1;
		} else if (syslog_parse_time(line, len, yr, &ev->time) > 0)
			ev->has_time = 1;
		text = NULL;
		n = 0;
		if (rules_field(rm, r, RULES_REASON, &s, &n))
			text = line + s;
		rules_reason(r, rt, text, n, ev);
		return PARSE_CLIENT;
	}
	field_event_clear(ev);
	return PARSE_SKIP;
}
