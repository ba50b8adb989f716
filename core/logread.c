/*
 * Reading logs into the aggregation: opening inputs, telling plain from
 * gzip data, splitting lines, parsing them and merging the events of all
 * inputs in time order.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "logread_internal.h"
#include "xmalloc.h"

#ifdef SMTPTRIAGE_FLOOR
#include "floor.h"	/* bench/log: build/floor/smtptriage only */
#endif

/* logread_source results besides a byte count. */
#define LOGREAD_AGAIN	(-2)	/* a pipe has no data now */

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

/* Bytes of 0x01 and 0x80 in a 64-bit word, for the checks below. */
#define LOGREAD_ONES	0x0101010101010101ULL
#define LOGREAD_HIGHS	0x8080808080808080ULL

const char *
logread_check_line_portable(const char *line, size_t len)
{
	const unsigned char	*s = (const unsigned char *)line;
	uint64_t		 w, high = 0, zero = 0;
	size_t			 i;

	if (len > LOGREAD_LINE_MAX)
		return "line too long";
	/*
	 * Eight bytes at a time: (w - ONES) & ~w has the high bit set in
	 * the lowest zero byte of w, and in none when w has no zero byte.
	 */
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		high |= w;
		zero |= (w - LOGREAD_ONES) & ~w;
	}
	if (i < len && len >= 8) {
		/* The last eight bytes, some of them checked already. */
		memcpy(&w, s + len - 8, 8);
		high |= w;
		zero |= (w - LOGREAD_ONES) & ~w;
	} else {
		for (; i < len; i++) {
			high |= s[i];
			if (s[i] == 0)
				zero |= LOGREAD_HIGHS;
		}
	}
	if ((zero & LOGREAD_HIGHS) != 0)
		return "NUL byte";
	if ((high & LOGREAD_HIGHS) != 0 && !logread_utf8_valid(s, len))
		return "invalid UTF-8";
	return NULL;
}

#ifdef __SSE2__
/* Bytes in one SSE2 register. */
#define LOGREAD_VECTOR	16

/*
 * Fold the 16 bytes at s into the running minimum (a NUL makes it 0)
 * and the running OR in bits (a byte over 0x7f sets its top bit).
 */
static void
logread_fold(const unsigned char *s, __m128i *min, __m128i *bits)
{
	__m128i	v;

	v = _mm_loadu_si128((const __m128i *)(const void *)s);
	*min = _mm_min_epu8(*min, v);
	*bits = _mm_or_si128(*bits, v);
}

const char *
logread_check_line(const char *line, size_t len)
{
	const unsigned char	*s = (const unsigned char *)line;
	__m128i			 min, bits;
	size_t			 i;

	if (len < LOGREAD_VECTOR)
		return logread_check_line_portable(line, len);
	if (len > LOGREAD_LINE_MAX)
		return "line too long";
	min = _mm_set1_epi8(-1);
	bits = _mm_setzero_si128();
	for (i = 0; i + 2 * LOGREAD_VECTOR <= len; i += 2 * LOGREAD_VECTOR) {
		logread_fold(s + i, &min, &bits);
		logread_fold(s + i + LOGREAD_VECTOR, &min, &bits);
	}
	if (i + LOGREAD_VECTOR <= len) {
		logread_fold(s + i, &min, &bits);
		i += LOGREAD_VECTOR;
	}
	/* The last 16 bytes, some of them checked already. */
	if (i < len)
		logread_fold(s + len - LOGREAD_VECTOR, &min, &bits);
	/* movemask collects the top bit of each byte. */
	if (_mm_movemask_epi8(_mm_cmpeq_epi8(min, _mm_setzero_si128())) != 0)
		return "NUL byte";
	if (_mm_movemask_epi8(bits) != 0 && !logread_utf8_valid(s, len))
		return "invalid UTF-8";
	return NULL;
}
#else
const char *
logread_check_line(const char *line, size_t len)
{
	return logread_check_line_portable(line, len);
}
#endif

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

void
logread_stats_free(struct logread_stats *st)
{
	size_t	i;

	for (i = 0; i < st->nbad; i++)
		free(st->badlist[i].path);
	st->nbad = 0;
}

void
logread_message(struct logread *lr, int error, const char *fmt, ...)
{
	struct logread_message	*m;
	va_list			 ap;

	lr->messages = xreallocarray(lr->messages, lr->nmessages + 1,
	    sizeof *lr->messages);
	m = &lr->messages[lr->nmessages++];
	va_start(ap, fmt);
	if (vasprintf(&m->text, fmt, ap) == -1)
		m->text = xstrdup("(message could not be formatted)");
	va_end(ap);
	m->error = error;
}

size_t
logread_take_messages(struct logread *lr, struct logread_message **out)
{
	size_t	n = lr->nmessages;

	*out = lr->messages;
	lr->messages = NULL;
	lr->nmessages = 0;
	return n;
}

void
logread_messages_free(struct logread_message *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(m[i].text);
	free(m);
}

struct logread *
logread_create(const struct logread_options *opt, struct agg *agg,
    struct logread_stats *st)
{
	struct logread	*lr;

	lr = xcalloc(1, sizeof *lr);
	lr->opt = *opt;
	lr->agg = agg;
	lr->st = st;
	return lr;
}

void
logread_free(struct logread *lr)
{
	struct logread_input	*in;
	size_t			 i;

	if (lr == NULL)
		return;
	for (i = 0; i < lr->ninputs; i++) {
		in = lr->inputs[i];
		logread_input_close(in);
		if (in->parser != NULL)
			parser_free(in->parser);
		free(in->failure);
		free(in->path);
		free(in);
	}
	free(lr->inputs);
	for (i = 0; i < lr->nfiles; i++)
		logread_file_free(lr->files[i]);
	free(lr->files);
	free(lr->heap);
	logread_messages_free(lr->messages, lr->nmessages);
	free(lr);
}

void
logread_input_register(struct logread_input *in)
{
	struct logread		*lr = in->lr;
	struct logread_file	*rb;

	in->file = agg_add_file(lr->agg, in->path);
	in->rb = NULL;
	if (lr->legacy)
		return;

	rb = xcalloc(1, sizeof *rb);
	rb->path = xstrdup(in->path);
	rb->fd = -1;
	rb->stdin_copy = in->is_stdin;
	/* A followed file may be renamed: hold it to read it back. */
	if (in->follow && in->fd != -1)
		rb->fd = fcntl(in->fd, F_DUPFD_CLOEXEC, 0);
	lr->files = xreallocarray(lr->files, lr->nfiles + 1,
	    sizeof *lr->files);
	lr->files[lr->nfiles++] = rb;
	in->rb = rb;
	agg_set_file_reader(lr->agg, in->file, logread_read_back, rb);
}

void
logread_input_reset(struct logread_input *in)
{
	logread_inflater_free(in->inflater);
	in->inflater = NULL;
	if (in->zs_ready) {
		inflateEnd(&in->zs);
		in->zs_ready = 0;
	}
	in->kind_known = 0;
	in->gzip = 0;
	in->zlen = 0;
	in->zpos = 0;
	in->raw_eof = 0;
	in->raw_offset = 0;
	in->start = 0;
	in->end = 0;
	logread_scan_reset(&in->scan);
	in->offset = 0;
	in->lineno = 0;
	in->skipping = 0;
	in->closing = 0;
	in->done = 0;
	in->has_head = 0;
}

void
logread_input_close(struct logread_input *in)
{
	logread_inflater_free(in->inflater);
	in->inflater = NULL;
	if (in->fd != -1)
		close(in->fd);
	in->fd = -1;
	if (in->zs_ready) {
		inflateEnd(&in->zs);
		in->zs_ready = 0;
	}
	free(in->buf);
	free(in->zbuf);
	free(in->scan.newlines);
	in->buf = NULL;
	in->zbuf = NULL;
	in->scan.newlines = NULL;
}

/* Open standard input for reading, as a descriptor of our own. */
static int
logread_open_stdin(struct logread *lr, struct logread_input *in,
    char **cause)
{
	int	flags;

	if ((in->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "standard input: %s", strerror(errno));
		return -1;
	}
	in->is_stdin = 1;
	/* With follow, a pipe is read without blocking: what is there, now. */
	if (lr->opt.follow && !isatty(in->fd)) {
		flags = fcntl(in->fd, F_GETFL);
		if (flags != -1)
			fcntl(in->fd, F_SETFL, flags | O_NONBLOCK);
	}
	return 0;
}

static int
logread_open_file(struct logread *lr, struct logread_input *in,
    time_t *reference, char **cause)
{
	struct stat	sb;

	if ((in->fd = open(in->path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", in->path, strerror(errno));
		return -1;
	}
	if (fstat(in->fd, &sb) == -1) {
		xasprintf(cause, "%s: %s", in->path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "%s: is a directory, not a log file",
		    in->path);
		return -1;
	}
	in->dev = sb.st_dev;
	in->ino = sb.st_ino;
	*reference = sb.st_mtime;
	in->follow = lr->opt.follow && S_ISREG(sb.st_mode) &&
	    !logread_is_rotated(in->path);
	return 0;
}

int
logread_add(struct logread *lr, const char *path, char **cause)
{
	struct logread_input	*in;
	struct parser_options	 popt;
	time_t			 reference = time(NULL);
	int			 rc;

	in = xcalloc(1, sizeof *in);
	in->lr = lr;
	in->path = xstrdup(path);
	in->fd = -1;
	if (strcmp(path, "-") == 0)
		rc = logread_open_stdin(lr, in, cause);
	else
		rc = logread_open_file(lr, in, &reference, cause);

	if (rc == 0) {
		memset(&popt, 0, sizeof popt);
		popt.format = lr->opt.format;
		popt.reasons = lr->opt.reasons;
		popt.rules = lr->opt.rules;
		popt.reference = reference;
		if ((in->parser = parser_create(&popt, cause)) == NULL)
			rc = -1;
	}
	if (rc == -1) {
		logread_input_close(in);
		free(in->path);
		free(in);
		return -1;
	}

	in->index = lr->ninputs;
	lr->inputs = xreallocarray(lr->inputs, lr->ninputs + 1,
	    sizeof *lr->inputs);
	lr->inputs[lr->ninputs++] = in;
	logread_input_register(in);
	return 0;
}

size_t
logread_following(const struct logread *lr)
{
	const struct logread_input	*in;
	size_t				 i, n = 0;

	for (i = 0; i < lr->ninputs; i++) {
		in = lr->inputs[i];
		if (in->follow || (in->is_stdin && lr->opt.follow && !in->done))
			n++;
	}
	return n;
}

/* Read raw bytes: a count, 0 at the end, LOGREAD_AGAIN or -1 (errno). */
static ssize_t
logread_raw(struct logread_input *in, void *dst, size_t cap)
{
	ssize_t	n;

	if (in->raw_limit != 0 && cap > in->raw_limit - in->raw_offset)
		cap = (size_t)(in->raw_limit - in->raw_offset);
	if (cap == 0)
		return 0;
	for (;;) {
		n = read(in->fd, dst, cap);
		if (n >= 0) {
			in->raw_offset += (uint64_t)n;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return LOGREAD_AGAIN;
		return -1;
	}
}

/*
 * Record why the data of in ended early.  The message goes out when its
 * last whole line is read, so that it can name that line.
 */
static void
logread_fail(struct logread_input *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
logread_fail(struct logread_input *in, const char *fmt, ...)
{
	va_list	 ap;

	if (in->failure != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&in->failure, fmt, ap) == -1)
		in->failure = xstrdup("read error");
	va_end(ap);
}

/* Queue the message about an input whose data ended early. */
static void
logread_report_failure(struct logread_input *in)
{
	if (in->failure == NULL)
		return;
	logread_message(in->lr, 1, "%s: %s after line %llu; the lines "
	    "before it were read", in->is_stdin ? "standard input" : in->path,
	    in->failure, (unsigned long long)in->lineno);
	free(in->failure);
	in->failure = NULL;
}

/*
 * Look at the first two bytes to tell gzip data (1f 8b) from plain text.
 * Returns 0 when decided, LOGREAD_AGAIN or -1.
 */
static int
logread_sniff(struct logread_input *in)
{
	ssize_t	n;

	if (in->zbuf == NULL)
		in->zbuf = xmalloc(LOGREAD_ZBUF_SIZE);
	while (in->zlen < 2 && !in->raw_eof) {
		n = logread_raw(in, in->zbuf + in->zlen,
		    LOGREAD_ZBUF_SIZE - in->zlen);
		if (n == LOGREAD_AGAIN)
			return LOGREAD_AGAIN;
		if (n == -1) {
			logread_fail(in, "read error: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			in->raw_eof = 1;
		in->zlen += (size_t)n;
	}
	/* An empty live file stays undecided until it has data. */
	if (in->zlen == 0 && in->follow && !in->closing) {
		in->raw_eof = 0;
		return LOGREAD_AGAIN;
	}
	in->kind_known = 1;
	in->zpos = 0;
	if (in->zlen >= 2 && in->zbuf[0] == 0x1f && in->zbuf[1] == 0x8b) {
		in->gzip = 1;
		in->follow = 0;		/* a compressed file does not grow */
		if (in->rb != NULL)
			in->rb->gzip = 1;
		memset(&in->zs, 0, sizeof in->zs);
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK) {
			logread_fail(in, "cannot start gzip decompression");
			return -1;
		}
		in->zs_ready = 1;
		in->zs.next_in = in->zbuf;
		in->zs.avail_in = (uInt)in->zlen;
		/*
		 * Inflate on a thread of its own: a regular file without
		 * follow, whose reads block and end, as the thread needs.
		 */
		if (!in->lr->opt.follow && !in->is_stdin &&
		    in->lr->opt.threads > 1)
			in->inflater = logread_inflater_start(in);
	} else
		in->raw_eof = 0;	/* plain files are read on directly */
	return 0;
}

/*
 * After a gzip member ends, another may follow (as gzip -c a b > c
 * writes).  Returns 1 when one starts, 0 at the end of the data,
 * LOGREAD_AGAIN or -1.
 */
static int
logread_gzip_next(struct logread_input *in)
{
	ssize_t	n;

	while (in->zs.avail_in < 2 && !in->raw_eof) {
		memmove(in->zbuf, in->zs.next_in, in->zs.avail_in);
		n = logread_raw(in, in->zbuf + in->zs.avail_in,
		    LOGREAD_ZBUF_SIZE - in->zs.avail_in);
		if (n == LOGREAD_AGAIN)
			return LOGREAD_AGAIN;
		if (n == -1) {
			logread_fail(in, "read error: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			in->raw_eof = 1;
		in->zs.next_in = in->zbuf;
		in->zs.avail_in += (uInt)n;
	}
	/* Anything but another member (zero padding, say) is ignored. */
	if (in->zs.avail_in < 2 || in->zs.next_in[0] != 0x1f ||
	    in->zs.next_in[1] != 0x8b)
		return 0;
	inflateReset(&in->zs);
	return 1;
}

/* Decompress into dst: a count, 0 at the end, LOGREAD_AGAIN or -1. */
ssize_t
logread_gzip(struct logread_input *in, char *dst, size_t cap)
{
	ssize_t	n;
	size_t	produced;
	int	rc;

	for (;;) {
		if (in->zs.avail_in == 0 && !in->raw_eof) {
			n = logread_raw(in, in->zbuf, LOGREAD_ZBUF_SIZE);
			if (n == LOGREAD_AGAIN)
				return LOGREAD_AGAIN;
			if (n == -1) {
				logread_fail(in, "read error: %s",
				    strerror(errno));
				return -1;
			}
			if (n == 0)
				in->raw_eof = 1;
			in->zs.next_in = in->zbuf;
			in->zs.avail_in = (uInt)n;
		}
		in->zs.next_out = (unsigned char *)dst;
		in->zs.avail_out = (uInt)cap;
		rc = inflate(&in->zs, Z_NO_FLUSH);
		produced = cap - in->zs.avail_out;
		if (rc == Z_STREAM_END) {
			if (produced > 0)
				return (ssize_t)produced;
			if ((rc = logread_gzip_next(in)) != 1)
				return rc;
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			logread_fail(in, "damaged gzip data (%s)",
			    in->zs.msg != NULL ? in->zs.msg : "inflate error");
			return -1;
		}
		if (produced > 0)
			return (ssize_t)produced;
		if (in->zs.avail_in == 0 && in->raw_eof) {
			logread_fail(in, "truncated gzip data (the file "
			    "ends inside the compressed stream)");
			return -1;
		}
	}
}

/* Fill dst with log data: a count, 0 at the end, LOGREAD_AGAIN or -1. */
static ssize_t
logread_source(struct logread_input *in, char *dst, size_t cap)
{
	ssize_t	n;
	size_t	k;
	int	rc;

	if (!in->kind_known && (rc = logread_sniff(in)) != 0)
		return rc;
	if (in->gzip && in->inflater != NULL)
		return logread_inflater_read(in->inflater, dst, cap);
	if (in->gzip)
		return logread_gzip(in, dst, cap);
	if (in->zpos < in->zlen) {
		k = in->zlen - in->zpos;
		if (k > cap)
			k = cap;
		memcpy(dst, in->zbuf + in->zpos, k);
		in->zpos += k;
		return (ssize_t)k;
	}
	if ((n = logread_raw(in, dst, cap)) == -1) {
		logread_fail(in, "read error: %s", strerror(errno));
		return -1;
	}
	return n;
}

/* The end of the data is final: nothing will be appended. */
static int
logread_final(const struct logread_input *in)
{
	return !in->follow || in->closing;
}

/*
 * Split off the next line of in.  Returns 1 with *line, *len and
 * *offset set, or 0 when no whole line is there now (in->done is set
 * when none will come).
 */
static int
logread_getline(struct logread_input *in, const char **line, size_t *len,
    uint64_t *offset, int *plain)
{
	struct logread_stats	*st = in->lr->st;
	char			*buf, *p;
	size_t			 avail, nl;
	ssize_t			 n;

	if (in->buf == NULL) {
		in->buf = xmalloc(LOGREAD_BUF_SIZE);
		in->scan.newlines = xreallocarray(NULL,
		    logread_scan_words(LOGREAD_BUF_SIZE), sizeof(uint64_t));
		logread_scan_reset(&in->scan);
	}
	/* Reading into the buffer does not move it. */
	buf = in->buf;
	for (;;) {
		p = buf + in->start;
		avail = in->end - in->start;
		if (in->scan.mapped < in->end)
			logread_scan_map(&in->scan, buf, in->end);
		if ((nl = logread_scan_next(&in->scan, buf, in->start,
		    plain)) != LOGREAD_SCAN_NONE) {
			*len = nl - in->start;
			*offset = in->offset;
			in->start += *len + 1;
			in->offset += *len + 1;
			if (in->skipping) {
				/* The end of a line already counted as bad. */
				in->skipping = 0;
				continue;
			}
			in->lineno++;
			*line = p;
			return 1;
		}
		if (avail > LOGREAD_LINE_MAX) {
			/* Drop the start of an overlong line; skip its end. */
			if (!in->skipping) {
				in->lineno++;
				st->lines++;
				logread_bad(st, in->path, in->lineno,
				    "line too long");
			}
			in->skipping = 1;
			in->offset += avail;
			in->start = in->end = 0;
			avail = 0;
		}
		memmove(buf, buf + in->start, avail);
		in->start = 0;
		in->end = avail;
		logread_scan_reset(&in->scan);
		if (in->done)
			return 0;

		n = logread_source(in, buf + in->end,
		    LOGREAD_BUF_SIZE - in->end);
		if (n > 0) {
			in->end += (size_t)n;
			st->bytes += (uint64_t)n;
			continue;
		}
		if (n == LOGREAD_AGAIN || (n == 0 && !logread_final(in)))
			return 0;
		in->done = 1;
		/* A last line without a newline counts, unless data was lost. */
		if (n == 0 && avail > 0 && !in->skipping) {
			*len = avail;
			*offset = in->offset;
			in->start = in->end;
			in->offset += avail;
			in->lineno++;
			*line = buf;
			*plain = 0;
			return 1;
		}
		return 0;
	}
}

/*
 * Look up the Exim parser for the mainlog fast path, and whether the
 * Postfix entry applies, once the format is decided, which it stays for
 * the life of the parser.
 */
static void
logread_find_mainlog(struct logread_input *in)
{
	if (in->exim != NULL)
		in->mainlog = in->exim;
	else if (in->parser == NULL ||
	    parser_format(in->parser) == LOG_FORMAT_AUTO)
		return;
	else {
		in->mainlog = parser_exim_mainlog(in->parser);
		in->postfix_only = parser_postfix_only(in->parser);
	}
	in->mainlog_known = 1;
}

/* Parse one line with the input's parser. */
static enum parse_result
logread_parse(struct logread_input *in, const char *line, size_t len,
    struct event *ev)
{
	enum parse_result	r;

	if (!in->mainlog_known)
		logread_find_mainlog(in);
	if (in->mainlog != NULL &&
	    exim_parse_mainlog(in->mainlog, line, len, ev, &r))
		return r;
	if (in->exim != NULL)
		return exim_parse_line(in->exim, line, len, ev);
	if (in->postfix_only)
		return parser_postfix_line(in->parser, line, len, ev);
	return parser_line(in->parser, line, len, ev);
}

int
logread_advance(struct logread_input *in)
{
	struct logread		*lr = in->lr;
	struct logread_stats	*st = lr->st;
	struct event		*ev = &in->head;
	const char		*line, *why;
	size_t			 len;
	uint64_t		 offset;
	int			 plain;

	while (!in->has_head) {
		if (lr->budget == 0)
			return -1;
		if (!logread_getline(in, &line, &len, &offset, &plain)) {
			if (in->done)
				logread_report_failure(in);
			if (in->done && !in->follow) {
				logread_input_close(in);
				/* Its compiled patterns are no longer needed. */
				if (in->parser != NULL)
					parser_free(in->parser);
				in->parser = NULL;
				in->mainlog = NULL;
				in->mainlog_known = 0;
				in->postfix_only = 0;
			}
			return 0;
		}
		lr->budget--;
		st->lines++;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		/* A CR is neither NUL nor high, so plain is still right without it. */
		if ((!plain || len > LOGREAD_LINE_MAX) &&
		    (why = logread_check_line(line, len)) != NULL) {
			logread_bad(st, in->path, in->lineno, why);
			continue;
		}
		/*
		 * Every parser clears ev before it fills it in.  It is parsed
		 * in place, since in->head means nothing until has_head is set.
		 */
		switch (logread_parse(in, line, len, ev)) {
		case PARSE_CLIENT:
			break;
		case PARSE_UNKNOWN:
			st->unknown++;
			continue;
		case PARSE_SKIP:
			continue;
		}
		if (ev->has_time) {
			in->key = ev->time;
			in->has_key = 1;
		}
		if (!timefilter_match(lr->opt.window, ev)) {
			st->filtered++;
			continue;
		}
		st->events++;
		in->head_offset = offset;
		in->head_line = in->lineno;
		in->head_text = line;
		in->head_len = len;
		in->has_head = 1;
	}
	return 1;
}

void
logread_consume(struct logread_input *in)
{
	struct logread	*lr = in->lr;
	int		 keep_text = in->is_stdin && !lr->legacy;

	/* agg_add_text without a text is agg_add, one call shorter. */
	agg_add_text(lr->agg, &in->head, in->file, in->head_offset,
	    in->head_line, keep_text ? in->head_text : NULL,
	    keep_text ? in->head_len : 0);
	in->has_head = 0;
}

/* Order of heads: no time yet first, then by time, then by input. */
static int
logread_before(const struct logread_input *a, const struct logread_input *b)
{
	int	c;

	if (a->has_key != b->has_key)
		return !a->has_key;
	if (a->has_key && (c = ts_cmp(&a->key, &b->key)) != 0)
		return c < 0;
	return a->index < b->index;
}

static void
logread_heap_push(struct logread *lr, struct logread_input *in)
{
	struct logread_input	*tmp;
	size_t			 i, parent;

	i = lr->nheap++;
	lr->heap[i] = in;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!logread_before(lr->heap[i], lr->heap[parent]))
			break;
		tmp = lr->heap[i];
		lr->heap[i] = lr->heap[parent];
		lr->heap[parent] = tmp;
		i = parent;
	}
}

static struct logread_input *
logread_heap_pop(struct logread *lr)
{
	struct logread_input	*top, *tmp;
	size_t			 i = 0, l, r, m;

	top = lr->heap[0];
	lr->heap[0] = lr->heap[--lr->nheap];
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < lr->nheap && logread_before(lr->heap[l], lr->heap[m]))
			m = l;
		if (r < lr->nheap && logread_before(lr->heap[r], lr->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = lr->heap[i];
		lr->heap[i] = lr->heap[m];
		lr->heap[m] = tmp;
		i = m;
	}
	return top;
}

void
logread_ring_init(struct logread_ring *r)
{
	r->slots = xcalloc(LOGREAD_PENDING, sizeof *r->slots);
	r->held = 0;
	r->oldest = 0;
	r->on = 0;
	r->until_check = 1;
}

/*
 * Copy the head of in into p, with copies of the strings that point into
 * in's buffer.  agg_add keeps at most EVENT_NAME_MAX bytes of a name and
 * REASON_ARG_MAX of a reason text, so longer strings are cut here.
 */
static void
logread_hold(struct logread_pending *p, const struct logread_input *in)
{
	p->ev = in->head;
	p->client = NULL;
	p->offset = in->head_offset;
	p->line = in->head_line;
	if (p->ev.helo != NULL) {
		if (p->ev.helo_len > sizeof p->helo)
			p->ev.helo_len = sizeof p->helo;
		logread_copy_short(p->helo, p->ev.helo, p->ev.helo_len);
		p->ev.helo = p->helo;
	}
	if (p->ev.rdns != NULL) {
		if (p->ev.rdns_len > sizeof p->rdns)
			p->ev.rdns_len = sizeof p->rdns;
		logread_copy_short(p->rdns, p->ev.rdns, p->ev.rdns_len);
		p->ev.rdns = p->rdns;
	}
	if (p->ev.reason_arg != NULL) {
		if (p->ev.reason_arg_len > sizeof p->arg)
			p->ev.reason_arg_len = sizeof p->arg;
		logread_copy_short(p->arg, p->ev.reason_arg,
		    p->ev.reason_arg_len);
		p->ev.reason_arg = p->arg;
	}
}

int
logread_ring_start(struct logread_ring *r, const struct agg *agg)
{
	r->until_check = LOGREAD_RING_CHECK;
#ifdef SMTPTRIAGE_FLOOR
	if (floor_ring_forced())
		r->on = 1;
#endif
	if (agg_clients(agg) >= LOGREAD_RING_CLIENTS)
		r->on = 1;
	return r->on;
}

/*
 * Look up the client of p, whose hash slot and client were prefetched by
 * the two events before, and start loading its lists and the evidence
 * entry that counting p will write.  A client that an event still held
 * will create is not found, and p is counted without these hints.
 */
static void
logread_ring_find(struct agg *agg, struct logread_pending *p)
{
	const struct client	*c;

	p->client = c = agg_find_hashed(agg, &p->ev.addr, p->hash);
	if (c == NULL)
		return;
	if (c->helos != NULL)
		__builtin_prefetch(c->helos);
	if (c->reasons != NULL)
		__builtin_prefetch(c->reasons);
	if (c->evidence == NULL)
		return;
	if (c->nevidence < AGG_EVIDENCE_MAX)
		__builtin_prefetch(&c->evidence[c->nevidence]);
	else
		__builtin_prefetch(&c->evidence[AGG_EVIDENCE_FIRST +
		    c->evidence_ring]);
}

/*
 * Start loading the first HELO and reason names of the client of p,
 * which agg_add compares with the event's names.  Their lists were
 * prefetched two events before.  The lists are read again here because
 * an event counted since then may have grown them.  A HELO name of 22
 * bytes, the average of the bench logs, crosses a cache line boundary
 * about one time in three, so both of its ends are loaded.
 */
static void
logread_ring_names(const struct logread_pending *p)
{
	const struct client	*c = p->client;

	if (c == NULL)
		return;
	if (p->ev.helo != NULL && c->nhelos > 0) {
		__builtin_prefetch(c->helos[0].name);
		__builtin_prefetch(c->helos[0].name + c->helos[0].len - 1);
	}
	if (p->ev.reason != NULL && c->nreasons > 0)
		__builtin_prefetch(c->reasons[0].name);
}

#define LOGREAD_RING_AT(r, k)	\
	(&(r)->slots[((r)->oldest + (k)) & (LOGREAD_PENDING - 1)])

void
logread_ring_hold(struct logread_ring *r, struct agg *agg,
    struct logread_input *in)
{
	struct logread_pending	*p;
	size_t			 newest;

	if (r->held == LOGREAD_PENDING) {
		p = &r->slots[r->oldest];
		agg_add_hashed(agg, &p->ev, p->hash, in->file, p->offset,
		    p->line);
		r->oldest = (r->oldest + 1) & (LOGREAD_PENDING - 1);
		r->held--;
	}
	newest = r->held;
	p = LOGREAD_RING_AT(r, newest);
	logread_hold(p, in);
	p->hash = agg_addr_hash(&p->ev.addr);
	in->has_head = 0;
	r->held++;
	/*
	 * One stage for each of the events held before this one: the slot
	 * of the newest, the client of the one before, the lists of the
	 * third newest and the names of the fifth newest.  Each load then
	 * has at least the time of parsing three events before agg_add
	 * needs it.
	 */
	agg_prefetch_slot(agg, p->hash);
	if (newest >= 1)
		agg_prefetch_client(agg, LOGREAD_RING_AT(r, newest - 1)->hash);
	if (newest >= 2)
		logread_ring_find(agg, LOGREAD_RING_AT(r, newest - 2));
	if (newest >= 4)
		logread_ring_names(LOGREAD_RING_AT(r, newest - 4));
}

void
logread_ring_flush(struct logread_ring *r, struct agg *agg, uint32_t file)
{
	struct logread_pending	*p;

	for (; r->held > 0; r->held--) {
		p = &r->slots[r->oldest];
		agg_add_hashed(agg, &p->ev, p->hash, file, p->offset, p->line);
		r->oldest = (r->oldest + 1) & (LOGREAD_PENDING - 1);
	}
}

void
logread_ring_free(struct logread_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

/*
 * Consume the heads of in, its only input, until it has none or the line
 * budget is spent.  Returns as logread_advance does.  Unless the input's
 * text is kept, the events go through a ring as in the part workers, so
 * that counting one overlaps with parsing the next ones.  Every held
 * event is counted before it returns.
 */
static int
logread_run_one(struct logread *lr, struct logread_input *in)
{
	struct logread_ring	ring;
	int			rc;

	if (in->is_stdin && !lr->legacy) {
		do {
			logread_consume(in);
		} while ((rc = logread_advance(in)) == 1);
		return rc;
	}
	logread_ring_init(&ring);
	do {
		logread_ring_push(&ring, lr->agg, in);
	} while ((rc = logread_advance(in)) == 1);
	logread_ring_flush(&ring, lr->agg, in->file);
	logread_ring_free(&ring);
	return rc;
}

int
logread_run(struct logread *lr, uint64_t max_lines)
{
	struct logread_input	*in;
	size_t			 i;
	int			 rc;

	if (max_lines == UINT64_MAX && logread_parallel(lr) == 0)
		return 0;

	lr->budget = max_lines;
	lr->heap = xreallocarray(lr->heap, lr->ninputs + 1, sizeof *lr->heap);
	lr->nheap = 0;
	for (i = 0; i < lr->ninputs; i++) {
		in = lr->inputs[i];
		if (in->done && !in->has_head)
			continue;
		if ((rc = logread_advance(in)) == -1)
			return 1;
		if (rc == 1)
			logread_heap_push(lr, in);
	}
	/*
	 * With one input left in the heap no other head can come before its
	 * next one, so the heap is bypassed until that input stops.
	 */
	if (lr->nheap == 1 && lr->ninputs == 1) {
		in = lr->heap[0];
		lr->nheap = 0;
		if (logread_run_one(lr, in) == -1)
			return 1;
	}
	while (lr->nheap > 0) {
		in = logread_heap_pop(lr);
		logread_consume(in);
		if ((rc = logread_advance(in)) == -1)
			return 1;
		if (rc == 1)
			logread_heap_push(lr, in);
	}
	return 0;
}

int
logread_file(const char *path, struct exim_parser *parser, struct agg *agg,
    struct logread_stats *st, char **cause)
{
	struct logread_options	 opt;
	struct logread		*lr;
	struct logread_input	*in;
	struct logread_message	*msgs;
	size_t			 n;
	int			 rc = 0;

	memset(&opt, 0, sizeof opt);
	opt.format = LOG_FORMAT_EXIM;
	lr = logread_create(&opt, agg, st);
	lr->legacy = 1;

	in = xcalloc(1, sizeof *in);
	in->lr = lr;
	in->path = xstrdup(path);
	in->fd = -1;
	in->exim = parser;
	if ((strcmp(path, "-") == 0 ? logread_open_stdin(lr, in, cause) :
	    logread_open_file(lr, in, &(time_t){ 0 }, cause)) == -1) {
		logread_input_close(in);
		free(in->path);
		free(in);
		logread_free(lr);
		return -1;
	}
	lr->inputs = xcalloc(1, sizeof *lr->inputs);
	lr->inputs[lr->ninputs++] = in;
	logread_input_register(in);

	logread_run(lr, UINT64_MAX);
	if ((n = logread_take_messages(lr, &msgs)) > 0) {
		*cause = xstrdup(msgs[0].text);
		rc = -1;
	}
	logread_messages_free(msgs, n);
	logread_free(lr);
	return rc;
}
