/*
 * Log file names: telling rotations from live files, ordering rotation
 * groups oldest first, and finding the default logs.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "logread.h"
#include "xmalloc.h"

/* Longest rotation number, "mainlog.999999"; longer digit runs are dates. */
#define LOGREAD_ROT_DIGITS_MAX	6
/* Date suffixes: YYYYMMDD, as logrotate's dateext writes, up to YYYYMMDDHH. */
#define LOGREAD_DATE_DIGITS_MIN	8
#define LOGREAD_DATE_DIGITS_MAX	10

const char *const logread_default_bases[] = {
	"/var/log/exim4/mainlog",
	"/var/log/exim/main.log",
	"/var/log/exim/mainlog",
	"/var/log/mail.log",
	"/var/log/maillog",
	NULL,
};

enum logread_rot_class {
	LOGREAD_ROT_DATED,	/* oldest date first */
	LOGREAD_ROT_NUMBERED,	/* highest number first */
	LOGREAD_ROT_LIVE,
};

struct logread_rot {
	size_t			base_len;
	enum logread_rot_class	class;
	uint64_t		number;
};

/* Split name into its base and rotation suffix. */
static void
logread_rot_parse(const char *name, struct logread_rot *r)
{
	size_t	len, d, ndigits;

	len = strlen(name);
	if (len > 3 && strcmp(name + len - 3, ".gz") == 0)
		len -= 3;
	for (d = len; d > 0 && isdigit((unsigned char)name[d - 1]); d--)
		continue;
	ndigits = len - d;

	r->base_len = len;
	r->class = LOGREAD_ROT_LIVE;
	r->number = 0;
	if (d < 2 || ndigits == 0)
		return;
	if (name[d - 1] == '.' && ndigits <= LOGREAD_ROT_DIGITS_MAX)
		r->class = LOGREAD_ROT_NUMBERED;
	else if ((name[d - 1] == '.' || name[d - 1] == '-') &&
	    ndigits >= LOGREAD_DATE_DIGITS_MIN &&
	    ndigits <= LOGREAD_DATE_DIGITS_MAX)
		r->class = LOGREAD_ROT_DATED;
	else
		return;
	r->base_len = d - 1;
	r->number = strtoull(name + d, NULL, 10);
}

int
logread_is_rotated(const char *path)
{
	struct logread_rot	r;
	size_t			len = strlen(path);

	if (len > 3 && strcmp(path + len - 3, ".gz") == 0)
		return 1;
	logread_rot_parse(path, &r);
	return r.class != LOGREAD_ROT_LIVE;
}

static int
logread_rot_cmp(const void *a, const void *b)
{
	const char		*x = *(char *const *)a, *y = *(char *const *)b;
	struct logread_rot	 rx, ry;
	size_t			 n;
	int			 c;

	logread_rot_parse(x, &rx);
	logread_rot_parse(y, &ry);
	n = rx.base_len < ry.base_len ? rx.base_len : ry.base_len;
	if ((c = memcmp(x, y, n)) != 0)
		return c;
	if (rx.base_len != ry.base_len)
		return rx.base_len < ry.base_len ? -1 : 1;
	if (rx.class != ry.class)
		return rx.class < ry.class ? -1 : 1;
	if (rx.number != ry.number) {
		if (rx.class == LOGREAD_ROT_NUMBERED)
			return rx.number > ry.number ? -1 : 1;
		return rx.number < ry.number ? -1 : 1;
	}
	return strcmp(x, y);
}

void
logread_sort_rotations(char **names, size_t n)
{
	if (n > 1)
		qsort(names, n, sizeof *names, logread_rot_cmp);
}

/* 1 when path is base itself or base with a rotation suffix. */
static int
logread_rot_member(const char *base, const char *path)
{
	struct logread_rot	r;
	size_t			blen = strlen(base);

	if (strncmp(path, base, blen) != 0)
		return 0;
	if (strcmp(path + blen, "") == 0)
		return 1;
	logread_rot_parse(path, &r);
	return r.class != LOGREAD_ROT_LIVE && r.base_len == blen;
}

size_t
logread_find_rotations(const char *base, char ***paths, size_t *npaths)
{
	struct stat	 sb;
	glob_t		 g;
	char		*pattern;
	size_t		 i, first = *npaths;

	xasprintf(&pattern, "%s*", base);
	memset(&g, 0, sizeof g);
	if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++) {
			if (!logread_rot_member(base, g.gl_pathv[i]) ||
			    stat(g.gl_pathv[i], &sb) == -1 ||
			    !S_ISREG(sb.st_mode))
				continue;
			*paths = xreallocarray(*paths, *npaths + 1,
			    sizeof **paths);
			(*paths)[(*npaths)++] = xstrdup(g.gl_pathv[i]);
		}
	}
	globfree(&g);
	free(pattern);
	logread_sort_rotations(*paths + first, *npaths - first);
	return *npaths - first;
}

size_t
logread_default_paths(char ***paths)
{
	size_t	i, n = 0;

	*paths = NULL;
	for (i = 0; logread_default_bases[i] != NULL; i++)
		logread_find_rotations(logread_default_bases[i], paths, &n);
	return n;
}
