/*
 * PCRE2 patterns for the log format parsers: compiled with the JIT where
 * it is available, with memory from xmalloc and a bounded backtracking
 * limit.  One parser uses its patterns from one thread at a time.
 */
#ifndef SMTPTRIAGE_REGEXP_H
#define SMTPTRIAGE_REGEXP_H

#include <stddef.h>
#include <stdint.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH	8
#endif
#include <pcre2.h>

/* Backtracking limit of one match, far above what the patterns need. */
#define REGEX_MATCH_LIMIT	1000000

/* The PCRE2 contexts that a parser's patterns share. */
struct regexp_env {
	pcre2_general_context	*gctx;
	pcre2_compile_context	*cctx;
	pcre2_match_context	*mctx;
};

struct regexp {
	pcre2_code		*code;
	pcre2_match_data	*md;
	int			 jit;
};

void	regexp_env_init(struct regexp_env *);
void	regexp_env_free(struct regexp_env *);

/*
 * Compile pattern.  Returns 0, or -1 with *cause set (allocated) to
 * "offset N: <PCRE2 message>".
 */
int	regexp_compile(struct regexp_env *, struct regexp *, const char *pattern,
	    uint32_t options, char **cause);
void	regexp_free(struct regexp *);

/*
 * Match at offset start of s[0, len).  Returns 1 on a match and 0 when
 * there is none or the match limit was hit.
 */
int	regexp_match(const struct regexp_env *, const struct regexp *,
	    const char *s, size_t len, size_t start);

/* Start and end offsets of group n of the last match; 0 when unset. */
int	regexp_group(const struct regexp *, uint32_t n, size_t *start,
	    size_t *end);

/* Number of the named group, or 0 when the pattern has none of that name. */
uint32_t regexp_group_number(const struct regexp *, const char *name);

/* The (*MARK) of the last match as a number, or -1. */
long	regexp_mark(const struct regexp *);

/* Offset where the last match ended. */
size_t	regexp_end(const struct regexp *);

#endif
