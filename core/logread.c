/* Reading log files line by line into the aggregation. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logread.h"
#include "xmalloc.h"

/* Read size: large enough that syscalls cost little next to parsing. */
#define LOGREAD_CHUNK	(1024 * 1024)

static int
logread_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	c, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 2;
			c = s[i] & 0x1f;
			min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 3;
			c = s[i] & 0x0f;
			min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 4;
			c = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n > len - i)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

const char *
logread_check_line(const char *line, size_t len)
{
	const unsigned char	*s = (const unsigned char *)line;
	size_t			 i;
	int			 high = 0;

	if (len > LOGREAD_LINE_MAX)
		return "line too long";
	if (memchr(line, '\0', len) != NULL)
		return "NUL byte";
	for (i = 0; i < len; i++)
		high |= s[i] & 0x80;
	if (high && !logread_utf8_valid(s, len))
		return "invalid UTF-8";
	return NULL;
}

static void
logread_bad(struct logread_stats *st, const char *path, uint64_t line,
    const char *why)
{
	struct logread_bad	*b;

	st->bad++;
	if (st->nbad >= LOGREAD_BAD_KEEP)
		return;
	b = &st->badlist[st->nbad++];
	b->path = xstrdup(path);
	b->line = line;
	b->why = why;
}

struct logread_ctx {
	const char		*path;
	uint32_t		 file;
	struct exim_parser	*parser;
	struct agg		*agg;
	struct logread_stats	*st;
};

static void
logread_line(struct logread_ctx *ctx, const char *line, size_t len,
    uint64_t offset, uint64_t lineno)
{
	struct event	 ev;
	const char	*why;

	ctx->st->lines++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if ((why = logread_check_line(line, len)) != NULL) {
		logread_bad(ctx->st, ctx->path, lineno, why);
		return;
	}
	switch (exim_parse_line(ctx->parser, line, len, &ev)) {
	case PARSE_CLIENT:
		ctx->st->events++;
		agg_add(ctx->agg, &ev, ctx->file, offset, lineno);
		break;
	case PARSE_UNKNOWN:
		ctx->st->unknown++;
		break;
	case PARSE_SKIP:
		break;
	}
}

int
logread_file(const char *path, struct exim_parser *parser, struct agg *agg,
    struct logread_stats *st, char **cause)
{
	struct logread_ctx	 ctx;
	char			*buf, *p, *nl;
	size_t			 have = 0, size = LOGREAD_CHUNK, len;
	uint64_t		 offset = 0, lineno = 0;
	ssize_t			 n;
	int			 fd, skipping = 0, rc = 0;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	ctx.path = path;
	ctx.file = agg_add_file(agg, path);
	ctx.parser = parser;
	ctx.agg = agg;
	ctx.st = st;

	buf = xmalloc(size);
	for (;;) {
		n = read(fd, buf + have, size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		st->bytes += (uint64_t)n;
		have += (size_t)n;
		p = buf;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf))) !=
		    NULL) {
			len = (size_t)(nl - p);
			lineno++;
			if (skipping) {
				/* The rest of a line already counted as bad. */
				skipping = 0;
				lineno--;
			} else
				logread_line(&ctx, p, len, offset, lineno);
			offset += len + 1;
			p = nl + 1;
		}
		len = have - (size_t)(p - buf);
		if (n == 0) {
			if (len > 0 && !skipping) {
				lineno++;
				logread_line(&ctx, p, len, offset, lineno);
			}
			break;
		}
		if (len > LOGREAD_LINE_MAX) {
			/* Drop the start of an overlong line; skip its end. */
			if (!skipping) {
				lineno++;
				st->lines++;
				logread_bad(st, path, lineno, "line too long");
			}
			skipping = 1;
			offset += len;
			len = 0;
		}
		memmove(buf, p, len);
		have = len;
	}
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

void
logread_stats_free(struct logread_stats *st)
{
	size_t	i;

	for (i = 0; i < st->nbad; i++)
		free(st->badlist[i].path);
	st->nbad = 0;
}
