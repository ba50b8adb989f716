/*
 * Aggregation of events into one entry per client IP.  Memory grows with
 * the number of clients: each keeps a bounded number of HELO names,
 * reasons and evidence offsets.
 */
#ifndef SMTPTRIAGE_AGG_H
#define SMTPTRIAGE_AGG_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "ts.h"

/* Distinct HELO names kept per client; more are counted in helo_other. */
#define AGG_HELO_MAX		16
/* Distinct reason keys kept per client; more are counted as "other". */
#define AGG_REASON_MAX		32
/* Evidence lines kept per client: the first ones and the latest ones. */
#define AGG_EVIDENCE_FIRST	4
#define AGG_EVIDENCE_LAST	12
#define AGG_EVIDENCE_MAX	(AGG_EVIDENCE_FIRST + AGG_EVIDENCE_LAST)

/*
 * Distinct clients kept.  Every client costs memory: under 1 KB on x86-64
 * (816 MiB peak for 1,000,000 clients in bench/log/run.sh, two threads),
 * more with full HELO and reason lists.  An attacker with an IPv6 prefix has more
 * addresses than any machine has memory, so the table stops growing
 * here, or at the config key max_clients.  Events of clients
 * not yet in a full table are counted (agg_dropped), not kept.
 */
#define AGG_CLIENTS_MAX		1000000

/*
 * A name and how often it was seen.  In the lists of a client, name is
 * interned in the agg (one copy of each distinct string, freed with it).
 */
struct agg_count {
	char		*name;
	uint64_t	 count;
	/*
	 * The length of name and a tag of its bytes (agg_count_add), so a
	 * lookup reads only the name that may match.  Counts made elsewhere
	 * must leave both 0, because they are never looked up, and the JSON writer
	 * reads the flags of an interned name only when one is set.
	 */
	uint32_t	 len;
	uint32_t	 tag;
};

/*
 * A flag in the byte before each string that the agg interns: the string
 * is printable ASCII without '"' and '\\', so JSON takes it as it is.
 */
#define AGG_STRING_JSON_PLAIN	0x01

/*
 * Return the length of s, a string that the agg interned, if it needs no
 * JSON escape, or 0.  The interned length is in the two bytes before the
 * flags, low byte first.
 */
static inline size_t
agg_string_json_plain(const char *s)
{
	if ((s[-1] & AGG_STRING_JSON_PLAIN) == 0)
		return 0;
	return (size_t)(unsigned char)s[-3] |
	    (size_t)(unsigned char)s[-2] << 8;
}

/* Maximum bytes of an evidence line that agg_add_text keeps a copy of. */
#define AGG_TEXT_MAX		1024

/*
 * Bits of the line number and of the file index in an evidence entry.
 * NOTE: a line number from 2^40 on (a log of about 10^12 lines) is kept
 * cut to its low 40 bits, so its evidence names a wrong line.
 */
#define AGG_LINE_BITS		40
#define AGG_FILE_BITS		23
/* Input files that an agg can register (agg_add_file). */
#define AGG_FILES_MAX		((uint32_t)1 << AGG_FILE_BITS)

/*
 * Where an evidence line is.  An entry takes 16 bytes, because a large
 * log keeps up to AGG_EVIDENCE_MAX entries for each of its clients.
 */
struct agg_evidence {
	union {
		uint64_t offset;	/* byte offset of the line */
		/*
		 * Copy of the line from agg_add_text, when has_text is
		 * set.  Only a reader set with agg_set_file_reader looks
		 * at it.
		 */
		char	*text;
	};
	uint64_t	line:AGG_LINE_BITS;	/* line number, from 1 */
	uint64_t	has_text:1;
	uint64_t	file:AGG_FILE_BITS;	/* index for agg_file_path */
};
_Static_assert(sizeof(struct agg_evidence) == 16, "evidence entry size");

enum client_status {
	CLIENT_NEW,
	CLIENT_MARKED,
	CLIENT_WHITELISTED,
	CLIENT_REPORTED,
};

/*
 * A client address seen in the logs.  The fields that counting an event
 * reads come first and fill two cache lines of 64 bytes, because the
 * slabs of the agg start each client at a cache line.
 */
struct client {
	struct event_addr	 addr;
	/*
	 * Index of the oldest of the latest evidence entries while loading.
	 * These entries form a ring from evidence[AGG_EVIDENCE_FIRST + evidence_ring],
	 * so a new line replaces the oldest without moving the others.
	 * agg_finish puts them back in file order and sets it to 0.
	 * agg_client_evidence reads them in file order at any time.
	 */
	uint8_t			 evidence_ring;
	/*
	 * Length of ip when the agg wrote it, or 0 in a client made
	 * elsewhere.  When it is not 0, rdns is also a string that the agg
	 * interned, which agg_string_json_plain can test.
	 */
	uint8_t			 ip_len;
	/*
	 * 1 when evidence contains a copy of the plain lines, which
	 * agg_finish makes for a client without a line with a reason.  The
	 * client's first line with a reason, counted or merged later,
	 * replaces the copy.
	 */
	uint8_t			 evidence_plain;
	/*
	 * Number of entries in plain, at most AGG_EVIDENCE_FIRST.  Counting
	 * tests it for every line, so it is in the first cache line.  The
	 * array is read only until the client's first line with a reason.
	 */
	uint8_t			 nplain;

	struct agg_count	*helos;		/* most frequent first */
	size_t			 nhelos;
	struct agg_count	*reasons;	/* most frequent first */
	size_t			 nreasons;

	uint64_t		 events;
	struct ts		 last;
	struct ts		 first;

	/*
	 * Lines with a reason, in file order: the first AGG_EVIDENCE_FIRST
	 * and the latest AGG_EVIDENCE_LAST.  A client whose only reason is
	 * no_verified_rdns gets its first plain lines instead.  Both arrays
	 * are allocated and grow up to their maximum (AGG_EVIDENCE_MAX and
	 * AGG_EVIDENCE_FIRST entries), so a client seen once stays small.
	 * The plain lines are kept only until the first line with a reason.
	 */
	struct agg_evidence	*evidence;
	size_t			 nevidence;
	uint64_t		 evidence_seen;
	char			*rdns;		/* last verified name; interned */

	struct agg_evidence	*plain;
	uint64_t		 helo_other;

	int			 score;
	int			 suspect;	/* has at least one reason */

	/* State from the store and whitelist; set by the caller. */
	int			 marked;
	int			 whitelisted;
	int64_t			 reported_at;	/* 0 if never reported */
	int			 state_loaded;	/* marked, reported_at are set */

	char			 ip[INET6_ADDRSTRLEN];
#if UINTPTR_MAX == UINT64_MAX
	/* Padding to four whole cache lines on 64-bit systems. */
	char			 pad_[32];
#endif
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct client) == 256, "client size");
#endif
_Static_assert(AGG_EVIDENCE_FIRST <= UINT8_MAX, "nplain is one byte");


/*
 * Check whether the name of count, a count of client, needs no JSON
 * escape.  Only the counts that the agg made (len or tag not 0) have the
 * flag, and only in a client that it made (ip_len not 0).
 */
static inline int
agg_count_json_plain(const struct client *client,
    const struct agg_count *count)
{
	if (client->ip_len == 0 || (count->len == 0 && count->tag == 0))
		return 0;
	return (count->name[-1] & AGG_STRING_JSON_PLAIN) != 0;
}

/*
 * Return evidence entry i (below c->nevidence) of c in file order.  This
 * also works between agg_add and agg_finish, while the latest entries may
 * form a ring.
 */
static inline const struct agg_evidence *
agg_client_evidence(const struct client *c, size_t i)
{
	size_t	k = i;

	if (i >= AGG_EVIDENCE_FIRST && c->evidence_ring != 0) {
		k = i + c->evidence_ring;
		if (k >= AGG_EVIDENCE_MAX)
			k -= AGG_EVIDENCE_LAST;
	}
	return &c->evidence[k];
}

struct agg;

struct agg	*agg_create(void);
void		 agg_free(struct agg *);

/* Register an input file; returns its index for evidence offsets. */
uint32_t	 agg_add_file(struct agg *, const char *path);
const char	*agg_file_path(const struct agg *, uint32_t file);

/* Count one event found at (file, offset, line). */
void		 agg_add(struct agg *, const struct event *, uint32_t file,
		    uint64_t offset, uint64_t line);
/*
 * Like agg_add, and keep the first AGG_TEXT_MAX bytes of the line with
 * the evidence entry, for inputs that cannot be read again (standard
 * input).
 */
void		 agg_add_text(struct agg *, const struct event *,
		    uint32_t file, uint64_t offset, uint64_t line,
		    const char *text, size_t len);

/*
 * Finish loading: add no_verified_rdns to clients never seen with a
 * verified name, sort names and reasons, compute scores.  agg_add may be
 * called again afterwards, followed by another agg_finish.  A large
 * table is finished on two threads (agg_set_thread_min).
 */
void		 agg_finish(struct agg *);

/*
 * Add the clients of src, counted from a later part of the input, to agg
 * as if agg_add had been called for src's events after agg's.  Every
 * field comes out the same, provided that every event of src had a
 * time.  lines is added to the line numbers of src's evidence (the lines
 * of the input before src's part).  src is left in an unspecified state
 * and must only be freed.  Call it before agg_finish on both.  Returns
 * -1, with agg part merged, when src has dropped events or agg would
 * grow past its max_clients: the caller must then read the input again
 * in order, because which clients a full table keeps depends on it.
 * agg keeps the strings of src, and a large src is merged on two
 * threads (agg_set_thread_min).
 */
int		 agg_merge(struct agg *, struct agg *src, uint64_t lines);

/*
 * agg_merge in steps, for a caller that must not stop for long: merge the
 * clients of at most max slots of src's table, from *slot on, and advance
 * *slot.  Start with *slot 0 and call it again while it returns 1.
 * Returns 0 when src is merged, or -1 as agg_merge.
 */
int		 agg_merge_step(struct agg *, struct agg *src, uint64_t lines,
		    size_t *slot, size_t max);

/*
 * agg_finish in steps, for a caller that must not stop for long.  The
 * job finishes the clients of the table and sorts the suspects into
 * arrays of its own, so the array that agg_suspects returned stays
 * valid until agg_finish_job_install.  Nothing may add to or merge into
 * the agg while a job runs.
 */
struct agg_finish_job {
	struct client	**suspects;	/* collected, then sorted */
	struct client	**spare;	/* the other buffer of the merge sort */
	size_t		  nsuspects;
	size_t		  capacity;	/* entries of both arrays */
	size_t		  slot;		/* next table slot to finish */
	size_t		  width;	/* length of the sorted runs */
	size_t		  run;		/* start of the two runs being merged */
	size_t		  left;		/* next of the first run */
	size_t		  right;	/* next of the second run */
	size_t		  out;		/* next position in spare */
	int		  sorting;	/* every slot is finished */
	int		  done;		/* suspects is sorted */
};

/* Start a job over the clients that agg contains now. */
void		 agg_finish_job_start(struct agg *, struct agg_finish_job *);
/*
 * Finish the clients of at most max table slots, or sort by moving at
 * most max suspects.
 * Returns 1 while work is left, 0 when the suspects are sorted.
 */
int		 agg_finish_job_step(struct agg *, struct agg_finish_job *,
		    size_t max);
/*
 * Make the sorted suspects of a done job those of agg_suspects, and free
 * the array that agg_suspects returned before.  Returns the new array.
 */
struct client	**agg_finish_job_install(struct agg *,
		    struct agg_finish_job *, size_t *count);
/* Free the arrays of a job.  A zeroed job may be freed as well. */
void		 agg_finish_job_free(struct agg_finish_job *);

/*
 * Functions for a caller that reads its next events early and hashes
 * each address once with agg_addr_hash.  The prefetch hints start
 * loading the hash slot, then the client it points to, and change
 * nothing in the agg.  agg_find_hashed and agg_add_hashed work as
 * agg_find and agg_add do.
 */
uint64_t	 agg_addr_hash(const struct event_addr *);
void		 agg_prefetch_slot(const struct agg *, uint64_t hash);
void		 agg_prefetch_client(const struct agg *, uint64_t hash);
struct client	*agg_find_hashed(struct agg *, const struct event_addr *,
		    uint64_t hash);
void		 agg_add_hashed(struct agg *, const struct event *,
		    uint64_t hash, uint32_t file, uint64_t offset,
		    uint64_t line);

/* Number of distinct clients, suspects or not. */
size_t		 agg_clients(const struct agg *);

/* Number of events left out because the client table was full. */
uint64_t	 agg_dropped(const struct agg *);

/*
 * Set the number of distinct clients kept (the config key max_clients),
 * clamped to 1 to AGG_CLIENTS_MAX, the default.  Clients already kept stay.
 */
void		 agg_set_max_clients(struct agg *, size_t max);
size_t		 agg_max_clients(const struct agg *);

/*
 * Set the clients from which agg_finish, and agg_merge into this agg,
 * finish or merge on two threads, for tests of those paths.  A min of 0
 * restores the default of 16384.  Two threads also need logread_threads_default
 * (SMTPTRIAGE_THREADS or the online CPUs) to be at least 2.
 */
void		 agg_set_thread_min(struct agg *, size_t min);

/*
 * Return the suspects (clients with a reason) ordered by score, highest
 * first, then by event count and address.  The array belongs to the agg
 * and is valid until the next agg_add or agg_finish.
 */
struct client	**agg_suspects(struct agg *, size_t *count);

/* Find a client by address, or NULL. */
struct client	*agg_find(struct agg *, const struct event_addr *);

/* Status shown for a client: whitelisted, then reported, then marked. */
enum client_status client_status(const struct client *);
const char	*client_status_name(enum client_status);

/*
 * Read one evidence line back from its file into an allocated string
 * (without the newline).  Returns 0, or -1 with *cause set (allocated).
 */
int		 agg_read_evidence(const struct agg *,
		    const struct agg_evidence *, char **line, char **cause);

/*
 * Read the evidence lines of file through fn instead of opening its path
 * (gzip files, standard input, files rotated away).  fn has the contract
 * of agg_read_evidence; arg is borrowed and must outlive the agg.
 */
void		 agg_set_file_reader(struct agg *, uint32_t file,
		    int (*fn)(void *arg, const struct agg_evidence *,
		    char **line, char **cause), void *arg);
/* Change the name shown for file, for example after a rotation. */
void		 agg_set_file_path(struct agg *, uint32_t file,
		    const char *path);

#endif
