/*
 * Out-of-line entries to the hand-written Postfix readers, whose bodies
 * are in postfix_fast_line.h.
 */
#include "postfix_fast_line.h"

enum pf_fast
pf_fast_family(const char *line, size_t len, size_t msg, size_t *family,
    size_t *mend)
{
	return pf_fast_family_at(line, len, msg, family, mend);
}

enum pf_fast
pf_fast_client(const char *line, size_t len, size_t start,
    struct pf_client *c)
{
	return pf_fast_client_at(line, len, start, c);
}

enum pf_fast
pf_fast_line(const char *line, size_t len, size_t msg, size_t *family,
    struct pf_client *c)
{
	return pf_fast_line_at(line, len, msg, family, c);
}
