/*
 * Reading evidence lines back for the detail pane and reports.  agg calls
 * logread_read_back for every file that logread registered, because a
 * path alone cannot find the line: gzip data must be decompressed again,
 * standard input cannot be read twice, and a followed file may have been
 * renamed or truncated since.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logread_internal.h"
#include "xmalloc.h"

/* First read size; the buffer doubles up to LOGREAD_LINE_MAX. */
#define LOGREAD_BACK_CHUNK	4096

/* Read the line at offset from fd with pread. */
static int
logread_back_fd(const struct logread_file *rb, int fd,
    const struct agg_evidence *ev, char **line, char **cause)
{
	char	*buf, *nl;
	ssize_t	 n;
	size_t	 have = 0, size = LOGREAD_BACK_CHUNK;

	buf = xmalloc(size + 1);
	for (;;) {
		n = pread(fd, buf + have, size - have,
		    (off_t)(ev->offset + have));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: %s", rb->path, strerror(errno));
			free(buf);
			return -1;
		}
		buf[have + (size_t)n] = '\0';
		nl = memchr(buf + have, '\n', (size_t)n);
		have += (size_t)n;
		if (nl != NULL || n == 0 || have >= LOGREAD_LINE_MAX) {
			if (nl != NULL)
				*nl = '\0';
			break;
		}
		if (have == size) {
			size *= 2;
			buf = xreallocarray(buf, 1, size + 1);
		}
	}
	if (have == 0) {
		xasprintf(cause, "%s: line %llu is gone (file shorter than "
		    "offset %llu)", rb->path, (unsigned long long)ev->line,
		    (unsigned long long)ev->offset);
		free(buf);
		return -1;
	}
	*line = buf;
	return 0;
}

/*
 * Decompress up to the line.  The stream stays open between calls, and
 * a client's evidence lines come in file order, so showing one client
 * decompresses each file about once.
 */
static int
logread_back_gzip(struct logread_file *rb, const struct agg_evidence *ev,
    char **line, char **cause)
{
	char	*buf, *nl;
	size_t	 len;
	int	 errnum;

	if (rb->gz == NULL && (rb->gz = gzopen(rb->path, "rb")) == NULL) {
		xasprintf(cause, "%s: %s", rb->path, errno != 0 ?
		    strerror(errno) : "cannot open gzip file");
		return -1;
	}
	if ((uint64_t)gztell(rb->gz) > ev->offset)
		gzrewind(rb->gz);
	if (gzseek(rb->gz, (z_off_t)ev->offset, SEEK_SET) == -1 ||
	    (uint64_t)gztell(rb->gz) != ev->offset) {
		xasprintf(cause, "%s: line %llu cannot be reached: %s",
		    rb->path, (unsigned long long)ev->line,
		    gzerror(rb->gz, &errnum));
		gzclose(rb->gz);
		rb->gz = NULL;
		return -1;
	}
	buf = xmalloc(LOGREAD_LINE_MAX + 2);
	if (gzgets(rb->gz, buf, LOGREAD_LINE_MAX + 2) == NULL) {
		xasprintf(cause, "%s: line %llu is gone (%s)", rb->path,
		    (unsigned long long)ev->line, gzeof(rb->gz) ?
		    "the data ends before it" : gzerror(rb->gz, &errnum));
		free(buf);
		gzclose(rb->gz);
		rb->gz = NULL;
		return -1;
	}
	len = strlen(buf);
	if ((nl = memchr(buf, '\n', len)) != NULL)
		*nl = '\0';
	*line = buf;
	return 0;
}

int
logread_read_back(void *arg, const struct agg_evidence *ev, char **line,
    char **cause)
{
	struct logread_file	*rb = arg;
	int			 fd, rc;

	if (rb->gone != NULL) {
		xasprintf(cause, "%s: line %llu is no longer there: %s",
		    rb->path, (unsigned long long)ev->line, rb->gone);
		return -1;
	}
	if (rb->stdin_copy) {
		if (!ev->has_text) {
			xasprintf(cause, "line %llu of standard input was not "
			    "kept", (unsigned long long)ev->line);
			return -1;
		}
		*line = xstrdup(ev->text);
		return 0;
	}
	if (rb->gzip)
		return logread_back_gzip(rb, ev, line, cause);
	if (rb->fd != -1)
		return logread_back_fd(rb, rb->fd, ev, line, cause);

	if ((fd = open(rb->path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", rb->path, strerror(errno));
		return -1;
	}
	rc = logread_back_fd(rb, fd, ev, line, cause);
	close(fd);
	return rc;
}

void
logread_file_free(struct logread_file *rb)
{
	if (rb == NULL)
		return;
	if (rb->fd != -1)
		close(rb->fd);
	if (rb->gz != NULL)
		gzclose(rb->gz);
	free(rb->path);
	free(rb->gone);
	free(rb);
}
