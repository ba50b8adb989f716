/* PCRE2 patterns for the log format parsers. */
#include <stdlib.h>

#include "regexp.h"
#include "xmalloc.h"

static void *
regexp_malloc(PCRE2_SIZE size, void *data)
{
	(void)data;
	return xmalloc(size);
}

static void
regexp_release(void *p, void *data)
{
	(void)data;
	free(p);
}

void
regexp_env_init(struct regexp_env *env)
{
	env->gctx = pcre2_general_context_create(regexp_malloc, regexp_release,
	    NULL);
	env->cctx = pcre2_compile_context_create(env->gctx);
	env->mctx = pcre2_match_context_create(env->gctx);
	pcre2_set_match_limit(env->mctx, REGEX_MATCH_LIMIT);
}

void
regexp_env_free(struct regexp_env *env)
{
	pcre2_match_context_free(env->mctx);
	pcre2_compile_context_free(env->cctx);
	pcre2_general_context_free(env->gctx);
}

int
regexp_compile(struct regexp_env *env, struct regexp *re, const char *pattern,
    uint32_t options, char **cause)
{
	PCRE2_UCHAR	msg[256];
	PCRE2_SIZE	erroff;
	int		errcode;

	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    options, &errcode, &erroff, env->cctx);
	if (re->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof msg);
		xasprintf(cause, "offset %zu: %s", (size_t)erroff,
		    (char *)msg);
		re->md = NULL;
		return -1;
	}
	/* Without JIT support, or memory for it, the interpreter runs. */
	re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	re->md = pcre2_match_data_create_from_pattern(re->code, env->gctx);
	return 0;
}

void
regexp_free(struct regexp *re)
{
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
	re->md = NULL;
	re->code = NULL;
}

int
regexp_match(const struct regexp_env *env, const struct regexp *re,
    const char *s, size_t len, size_t start)
{
	int	rc;

	if (start > len)
		return 0;
	if (re->jit)
		rc = pcre2_jit_match(re->code, (PCRE2_SPTR)s, len, start, 0,
		    re->md, env->mctx);
	else
		rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, start, 0,
		    re->md, env->mctx);
	return rc > 0;
}

int
regexp_group(const struct regexp *re, uint32_t n, size_t *start, size_t *end)
{
	PCRE2_SIZE	*ov;

	if (n == 0 || n >= pcre2_get_ovector_count(re->md))
		return 0;
	ov = pcre2_get_ovector_pointer(re->md);
	if (ov[2 * n] == PCRE2_UNSET)
		return 0;
	*start = ov[2 * n];
	*end = ov[2 * n + 1];
	return 1;
}

uint32_t
regexp_group_number(const struct regexp *re, const char *name)
{
	int	n;

	n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
	return n > 0 ? (uint32_t)n : 0;
}

long
regexp_mark(const struct regexp *re)
{
	PCRE2_SPTR	 mark;
	char		*end;
	long		 i;

	if ((mark = pcre2_get_mark(re->md)) == NULL)
		return -1;
	i = strtol((const char *)mark, &end, 10);
	if (*end != '\0' || i < 0)
		return -1;
	return i;
}

size_t
regexp_end(const struct regexp *re)
{
	return pcre2_get_ovector_pointer(re->md)[1];
}
