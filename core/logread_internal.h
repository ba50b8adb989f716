/*
 * The inputs of a merged read, shared by logread.c (opening, reading,
 * decompressing, the merge) and follow.c (growth, rotation, truncation).
 * Nothing outside these two files includes it.
 */
#ifndef SMTPTRIAGE_LOGREAD_INTERNAL_H
#define SMTPTRIAGE_LOGREAD_INTERNAL_H

#include <sys/types.h>

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "agg.h"
#include "event.h"
#include "exim.h"
#include "logread.h"
#include "logread_scan.h"
#include "parser.h"

/*
 * Line buffer of one input: the longest line plus room, so that a line
 * one byte over LOGREAD_LINE_MAX is seen to have no newline in time.
 */
#define LOGREAD_BUF_SIZE	(2 * LOGREAD_LINE_MAX)
/* Compressed bytes read from a gzip file at a time. */
#define LOGREAD_ZBUF_SIZE	(64 * 1024)

/*
 * How the evidence lines of one agg file index are read back.  A file is
 * opened by path, or read through a held descriptor (the live file while
 * following, and a file rotated away).  Gzip data is decompressed again,
 * and standard input comes from the copies kept by agg_add_text.  When
 * gone is set, the lines cannot be read and gone gives the reason.
 */
struct logread_file {
	char		*path;
	int		 fd;		/* -1: open path when needed */
	int		 gzip;
	int		 stdin_copy;
	char		*gone;		/* why the lines cannot be read */
	gzFile		 gz;		/* kept open between reads, or NULL */
};

struct logread_input {
	struct logread		*lr;
	size_t			 index;		/* tie-break in the merge */
	char			*path;		/* as named; "-" is stdin */
	int			 is_stdin;
	int			 follow;	/* reopened on rotation */
	int			 fd;		/* -1 when closed */
	dev_t			 dev;		/* of fd, for follow */
	ino_t			 ino;

	/* Source bytes: plain or gzip, decided by the first two bytes. */
	int			 kind_known;
	int			 gzip;
	unsigned char		*zbuf;		/* raw bytes not yet used */
	size_t			 zlen;
	size_t			 zpos;
	int			 raw_eof;
	z_stream		 zs;
	int			 zs_ready;	/* inflateInit2 done */
	struct logread_inflater	*inflater;	/* inflating thread, or NULL */
	uint64_t		 raw_offset;	/* bytes read from fd */
	uint64_t		 raw_limit;	/* stop at this offset; 0: none */

	/* Lines: buf[start, end) is the data not yet split. */
	char			*buf;
	size_t			 start;
	size_t			 end;
	struct logread_scan	 scan;		/* newlines of buf[0, end) */
	uint64_t		 offset;	/* stream offset of buf[start] */
	uint64_t		 lineno;
	int			 skipping;	/* inside an overlong line */
	int			 closing;	/* end of data is final */
	int			 done;		/* nothing more will come */
	char			*failure;	/* why the data ended early */

	struct parser		*parser;
	struct exim_parser	*exim;		/* logread_file: borrowed */
	/* Parser for exim_parse_mainlog, or NULL; looked up once known. */
	struct exim_parser	*mainlog;
	int			 mainlog_known;
	/* 1 when the parser reads Postfix lines alone: parser_postfix_line. */
	int			 postfix_only;
	uint32_t		 file;		/* agg index of this data */
	struct logread_file	*rb;		/* read-back of file */

	/* The next event of this input, held while the merge waits. */
	int			 has_head;
	struct event		 head;
	uint64_t		 head_offset;
	uint64_t		 head_line;
	const char		*head_text;
	size_t			 head_len;
	struct ts		 key;		/* time of the last timed event */
	int			 has_key;

	/* Follow state. */
	int			 vanished;	/* the path was missing */
	int			 switch_to;	/* LOGREAD_SWITCH_* pending */
};

#define LOGREAD_SWITCH_NONE	0
#define LOGREAD_SWITCH_NEW	1	/* the path names another file */
#define LOGREAD_SWITCH_TRUNC	2	/* the file shrank: copytruncate */

struct logread {
	struct logread_options	  opt;
	struct agg		 *agg;
	struct logread_stats	 *st;

	struct logread_input	**inputs;
	size_t			  ninputs;
	struct logread_file	**files;	/* read-back, one per agg file */
	size_t			  nfiles;

	struct logread_input	**heap;
	size_t			  nheap;
	uint64_t		  budget;	/* lines left in this run */

	struct logread_message	 *messages;
	size_t			  nmessages;

	/* logread_file: agg outlives this logread, so agg reads by path. */
	int			  legacy;
};

/*
 * Copy len bytes, at most a few hundred, without the string instructions
 * (rep movsq) that GCC 12 emits for a memcpy of bounded size, because
 * their start-up cost is many times that of copying a short name.
 * Chunks of 16 bytes, then one more that may overlap the last, copy
 * exactly len.
 */
static inline void
logread_copy_short(char *dst, const char *src, size_t len)
{
	size_t	i;

	if (len >= 16) {
		for (i = 0; i + 16 < len; i += 16)
			memcpy(dst + i, src + i, 16);
		memcpy(dst + len - 16, src + len - 16, 16);
	} else if (len >= 8) {
		memcpy(dst, src, 8);
		memcpy(dst + len - 8, src + len - 8, 8);
	} else if (len >= 4) {
		memcpy(dst, src, 4);
		memcpy(dst + len - 4, src + len - 4, 4);
	} else
		for (i = 0; i < len; i++)
			dst[i] = src[i];
}

/*
 * Events held back before they are counted, a power of two.  Counting an
 * event mostly waits for memory: its hash slot, its client, the client's
 * lists and the interned name it compares first.  Each of those depends
 * on the one before, so the ring starts loading them in stages, one stage
 * for each event parsed after it (logread_ring_hold).
 */
#define LOGREAD_PENDING		8

/* An event held back, with copies of its strings. */
struct logread_pending {
	struct event	ev;
	/* The event's client once the ring looked it up, or NULL. */
	const struct client *client;
	/* agg_addr_hash of the event's address, made once when held. */
	uint64_t	hash;
	uint64_t	offset;
	uint64_t	line;
	char		helo[EVENT_NAME_MAX];
	char		rdns[EVENT_NAME_MAX];
	char		arg[REASON_ARG_MAX];
};

/*
 * Client count of the agg at which events start to go through the ring.
 * With fewer clients the table stays in the CPU caches, and the copies
 * and prefetches of the ring cost more than they save.
 * NOTE: an estimate for caches of 512 KiB to a few MiB per core, not a
 * measured optimum.
 */
#define LOGREAD_RING_CLIENTS	16384
/* Events between two checks of the client count. */
#define LOGREAD_RING_CHECK	256

/* A ring of LOGREAD_PENDING held events, counted oldest first. */
struct logread_ring {
	struct logread_pending	*slots;
	size_t			 held;
	size_t			 oldest;
	int			 on;		/* events go through slots */
	unsigned		 until_check;	/* events to the next check */
};

void	logread_ring_init(struct logread_ring *);

/*
 * Check the client count of agg, and switch the ring on when it has
 * reached LOGREAD_RING_CLIENTS.  Returns whether the ring is on.
 */
int	logread_ring_start(struct logread_ring *, const struct agg *);

/*
 * Hold the head of in and clear it, after counting the oldest held event
 * when the ring is full, so that agg counts the events in the order read.
 * The loads that counting the next events will need start here.
 */
void	logread_ring_hold(struct logread_ring *, struct agg *,
	    struct logread_input *in);

/*
 * Count the head of in into agg and clear it.  Once agg contains
 * LOGREAD_RING_CLIENTS clients, checked every LOGREAD_RING_CHECK events,
 * hold it in the ring instead.  It is inline because with a small table
 * every event is counted right here.
 */
static inline void
logread_ring_push(struct logread_ring *r, struct agg *agg,
    struct logread_input *in)
{
	if (!r->on && (--r->until_check > 0 || !logread_ring_start(r, agg))) {
		/* agg_add_text without a text is agg_add. */
		agg_add_text(agg, &in->head, in->file, in->head_offset,
		    in->head_line, NULL, 0);
		in->has_head = 0;
		return;
	}
	logread_ring_hold(r, agg, in);
}

/* Count every held event into agg under file, oldest first. */
void	logread_ring_flush(struct logread_ring *, struct agg *,
	    uint32_t file);

void	logread_ring_free(struct logread_ring *);

/* Queue a message for logread_take_messages. */
void	logread_message(struct logread *, int error, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* Register the data of in with agg under a new file index. */
void	logread_input_register(struct logread_input *);

/* Reset the line and source state of in for data read from offset 0. */
void	logread_input_reset(struct logread_input *);

/* Close in's descriptor and free its buffers; the parser stays. */
void	logread_input_close(struct logread_input *);

/*
 * Find the next event of in that falls in the window and hold it as the
 * head.  Returns 1 with a head, 0 when in has none now, -1 when the
 * line budget of this run is spent.
 */
int	logread_advance(struct logread_input *);

/* Hand the head of in to agg. */
void	logread_consume(struct logread_input *);

/* Decompress gzip data into dst: a count, 0 at the end, or -1. */
ssize_t	logread_gzip(struct logread_input *, char *dst, size_t cap);

/*
 * logread_gz.c: decompress in's gzip data on another thread, from the
 * current position of its zs stream.  Returns NULL when no thread can be
 * started.  Until logread_inflater_free, only logread_inflater_read may
 * touch in's gzip state (zs, zbuf, raw_*, failure).
 */
struct logread_inflater;
struct logread_inflater *logread_inflater_start(struct logread_input *);
/* Take decompressed data, as logread_gzip returns it. */
ssize_t	logread_inflater_read(struct logread_inflater *, char *dst,
	    size_t cap);
/* Stop the thread and free the ring. */
void	logread_inflater_free(struct logread_inflater *);

/*
 * logread_par.c: read every input in parts on several threads, when
 * lr->opt.threads is above 1 and the inputs allow it (see there).
 * Returns 0 when every input was read to its end into lr->agg, as
 * logread_run would have, or -1 when nothing was read.
 */
int	logread_parallel(struct logread *);

/* logread_back.c: read evidence lines back (the agg_set_file_reader fn). */
int	logread_read_back(void *arg, const struct agg_evidence *,
	    char **line, char **cause);
void	logread_file_free(struct logread_file *);

#endif
