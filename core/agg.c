/* Aggregation of events into one entry per client IP. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "logread.h"
#include "reason.h"
#include "xmalloc.h"

/* Maximum length of a reason key: a name, ":" and a cut warning text. */
#define AGG_KEY_MAX	(64 + 1 + REASON_ARG_MAX)

struct agg {
	struct client	**slots;	/* open addressing, power of two */
	size_t		  nslots;
	size_t		  nclients;
	size_t		  max_clients;	/* AGG_CLIENTS_MAX or the config's */
	uint64_t	  dropped;	/* events of clients over max_clients */

	struct client	**suspects;
	size_t		  nsuspects;
	int		  suspects_valid;

	char		**files;
	uint32_t	  nfiles;
	struct agg_reader *readers;	/* one per file; fn NULL: by path */
};

/* How the evidence lines of one file are read back. */
struct agg_reader {
	int	(*fn)(void *, const struct agg_evidence *, char **, char **);
	void	 *arg;
};

struct agg *
agg_create(void)
{
	struct agg	*agg;

	agg = xcalloc(1, sizeof *agg);
	agg->nslots = 1024;
	agg->slots = xcalloc(agg->nslots, sizeof *agg->slots);
	agg->max_clients = AGG_CLIENTS_MAX;
	return agg;
}

static void
agg_free_counts(struct agg_count *counts, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(counts[i].name);
	free(counts);
}

void
agg_free(struct agg *agg)
{
	struct client	*c;
	size_t		 i, k;

	if (agg == NULL)
		return;
	for (i = 0; i < agg->nslots; i++) {
		if ((c = agg->slots[i]) == NULL)
			continue;
		agg_free_counts(c->helos, c->nhelos);
		agg_free_counts(c->reasons, c->nreasons);
		free(c->rdns);
		for (k = 0; k < c->nevidence; k++)
			free(c->evidence[k].text);
		for (k = 0; k < c->nplain; k++)
			free(c->plain[k].text);
		free(c);
	}
	for (i = 0; i < agg->nfiles; i++)
		free(agg->files[i]);
	free(agg->files);
	free(agg->readers);
	free(agg->slots);
	free(agg->suspects);
	free(agg);
}

uint32_t
agg_add_file(struct agg *agg, const char *path)
{
	agg->files = xreallocarray(agg->files, agg->nfiles + 1,
	    sizeof *agg->files);
	agg->files[agg->nfiles] = xstrdup(path);
	agg->readers = xreallocarray(agg->readers, agg->nfiles + 1,
	    sizeof *agg->readers);
	agg->readers[agg->nfiles].fn = NULL;
	agg->readers[agg->nfiles].arg = NULL;
	return agg->nfiles++;
}

const char *
agg_file_path(const struct agg *agg, uint32_t file)
{
	if (file >= agg->nfiles)
		return NULL;
	return agg->files[file];
}

static size_t
agg_addr_len(const struct event_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

/* FNV-1a over the address bytes, with the family mixed in. */
static size_t
agg_hash(const struct event_addr *a)
{
	uint64_t	h = 14695981039346656037ULL;
	size_t		i, n;

	n = agg_addr_len(a);
	h ^= (uint64_t)a->family;
	h *= 1099511628211ULL;
	for (i = 0; i < n; i++) {
		h ^= a->bytes[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

static int
agg_addr_equal(const struct event_addr *a, const struct event_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, agg_addr_len(a)) == 0;
}

static size_t
agg_slot(const struct agg *agg, const struct event_addr *a)
{
	size_t	i, mask = agg->nslots - 1;

	i = agg_hash(a) & mask;
	while (agg->slots[i] != NULL && !agg_addr_equal(&agg->slots[i]->addr, a))
		i = (i + 1) & mask;
	return i;
}

static void
agg_grow(struct agg *agg)
{
	struct client	**old = agg->slots;
	size_t		  i, nold = agg->nslots;

	agg->nslots *= 2;
	agg->slots = xcalloc(agg->nslots, sizeof *agg->slots);
	for (i = 0; i < nold; i++) {
		if (old[i] != NULL)
			agg->slots[agg_slot(agg, &old[i]->addr)] = old[i];
	}
	free(old);
}

struct client *
agg_find(struct agg *agg, const struct event_addr *a)
{
	return agg->slots[agg_slot(agg, a)];
}

/*
 * Find or add the client.  Returns NULL when it is new and the table is
 * full.
 */
static struct client *
agg_lookup_or_create(struct agg *agg, const struct event_addr *a)
{
	struct client	*c;
	size_t		 i;

	i = agg_slot(agg, a);
	if ((c = agg->slots[i]) != NULL)
		return c;
	if (agg->nclients >= agg->max_clients)
		return NULL;
	if ((agg->nclients + 1) * 2 > agg->nslots) {
		agg_grow(agg);
		i = agg_slot(agg, a);
	}
	c = xcalloc(1, sizeof *c);
	c->addr = *a;
	inet_ntop(a->family, a->bytes, c->ip, sizeof c->ip);
	agg->slots[i] = c;
	agg->nclients++;
	return c;
}

/*
 * Count name in counts, adding it if there is room.  Returns 0, or -1 when
 * the list is full and name is not in it.
 */
static int
agg_count_add(struct agg_count **counts, size_t *n, size_t max,
    const char *name, size_t len, uint64_t by)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (strncmp((*counts)[i].name, name, len) == 0 &&
		    (*counts)[i].name[len] == '\0') {
			(*counts)[i].count += by;
			return 0;
		}
	}
	if (*n >= max)
		return -1;
	*counts = xreallocarray(*counts, *n + 1, sizeof **counts);
	(*counts)[*n].name = xstrndup(name, len);
	(*counts)[*n].count = by;
	(*n)++;
	return 0;
}

static void
agg_add_evidence(struct client *c, const struct agg_evidence *ev)
{
	c->evidence_seen++;
	if (c->nevidence < AGG_EVIDENCE_MAX) {
		c->evidence[c->nevidence++] = *ev;
		return;
	}
	/* Keep the first ones; shift the latest ones so file order holds. */
	free(c->evidence[AGG_EVIDENCE_FIRST].text);
	memmove(&c->evidence[AGG_EVIDENCE_FIRST],
	    &c->evidence[AGG_EVIDENCE_FIRST + 1],
	    (AGG_EVIDENCE_LAST - 1) * sizeof c->evidence[0]);
	c->evidence[AGG_EVIDENCE_MAX - 1] = *ev;
}

static void
agg_add_reason(struct client *c, const struct event *ev)
{
	char	key[AGG_KEY_MAX + 1];
	size_t	len, arglen;

	len = strlen(ev->reason);
	if (len > 64)
		len = 64;
	memcpy(key, ev->reason, len);
	if (ev->reason_arg != NULL) {
		arglen = ev->reason_arg_len;
		if (arglen > REASON_ARG_MAX)
			arglen = REASON_ARG_MAX;
		key[len++] = ':';
		memcpy(key + len, ev->reason_arg, arglen);
		len += arglen;
	}
	key[len] = '\0';
	if (agg_count_add(&c->reasons, &c->nreasons, AGG_REASON_MAX, key, len,
	    1) == -1)
		agg_count_add(&c->reasons, &c->nreasons, AGG_REASON_MAX + 1,
		    "other", 5, 1);
}

void
agg_add(struct agg *agg, const struct event *ev, uint32_t file,
    uint64_t offset, uint64_t line)
{
	agg_add_text(agg, ev, file, offset, line, NULL, 0);
}

/* A copy of text cut to AGG_TEXT_MAX bytes, not inside a UTF-8 sequence. */
static char *
agg_text_copy(const char *text, size_t len)
{
	if (len > AGG_TEXT_MAX) {
		len = AGG_TEXT_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	return xstrndup(text, len);
}

void
agg_add_text(struct agg *agg, const struct event *ev, uint32_t file,
    uint64_t offset, uint64_t line, const char *text, size_t text_len)
{
	struct client		*c;
	struct agg_evidence	 e;
	size_t			 len;

	if ((c = agg_lookup_or_create(agg, &ev->addr)) == NULL) {
		agg->dropped++;
		return;
	}
	agg->suspects_valid = 0;
	c->events++;

	if (ev->has_time) {
		if (c->events == 1 || ts_cmp(&ev->time, &c->first) < 0)
			c->first = ev->time;
		if (c->events == 1 || ts_cmp(&ev->time, &c->last) > 0)
			c->last = ev->time;
	}

	if (ev->helo != NULL) {
		len = ev->helo_len > EVENT_NAME_MAX ? EVENT_NAME_MAX :
		    ev->helo_len;
		if (agg_count_add(&c->helos, &c->nhelos, AGG_HELO_MAX,
		    ev->helo, len, 1) == -1)
			c->helo_other++;
	}
	if (ev->rdns != NULL) {
		len = ev->rdns_len > EVENT_NAME_MAX ? EVENT_NAME_MAX :
		    ev->rdns_len;
		if (c->rdns == NULL || strncmp(c->rdns, ev->rdns, len) != 0 ||
		    c->rdns[len] != '\0') {
			free(c->rdns);
			c->rdns = xstrndup(ev->rdns, len);
		}
	}

	e.file = file;
	e.offset = offset;
	e.line = line;
	e.text = NULL;
	if (ev->reason != NULL) {
		agg_add_reason(c, ev);
		if (text != NULL)
			e.text = agg_text_copy(text, text_len);
		agg_add_evidence(c, &e);
	} else if (c->nplain < AGG_EVIDENCE_FIRST) {
		if (text != NULL)
			e.text = agg_text_copy(text, text_len);
		c->plain[c->nplain++] = e;
	}
}

static int
agg_count_cmp(const void *a, const void *b)
{
	const struct agg_count	*x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
agg_score(const struct client *c)
{
	uint64_t	n;
	int		score = 0, bits;
	size_t		i;

	for (i = 0; i < c->nreasons; i++) {
		bits = 0;
		for (n = c->reasons[i].count; n > 1; n >>= 1)
			bits++;
		score += reason_weight(c->reasons[i].name) * (1 + bits);
	}
	return score;
}

static int
agg_addr_cmp(const struct event_addr *a, const struct event_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->bytes, b->bytes, agg_addr_len(a));
}

static int
agg_suspect_cmp(const void *a, const void *b)
{
	const struct client	*x = *(struct client *const *)a;
	const struct client	*y = *(struct client *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return agg_addr_cmp(&x->addr, &y->addr);
}

static void
agg_finish_client(struct client *c)
{
	size_t	i;

	for (i = 0; i < c->nreasons; i++) {
		if (strcmp(c->reasons[i].name, REASON_NO_VERIFIED_RDNS) == 0)
			break;
	}
	if (c->rdns == NULL) {
		if (i == c->nreasons)
			agg_count_add(&c->reasons, &c->nreasons,
			    AGG_REASON_MAX + 2, REASON_NO_VERIFIED_RDNS,
			    strlen(REASON_NO_VERIFIED_RDNS), c->events);
		else
			c->reasons[i].count = c->events;
	} else if (i < c->nreasons) {
		/* A verified name showed up after an earlier finish. */
		free(c->reasons[i].name);
		c->reasons[i] = c->reasons[--c->nreasons];
	}
	if (c->nevidence == 0) {
		memcpy(c->evidence, c->plain, c->nplain * sizeof c->plain[0]);
		c->nevidence = c->nplain;
		for (i = 0; i < c->nevidence; i++) {
			if (c->evidence[i].text != NULL)
				c->evidence[i].text =
				    xstrdup(c->evidence[i].text);
		}
	}
	if (c->nhelos > 1)
		qsort(c->helos, c->nhelos, sizeof *c->helos, agg_count_cmp);
	if (c->nreasons > 1)
		qsort(c->reasons, c->nreasons, sizeof *c->reasons,
		    agg_count_cmp);
	c->score = agg_score(c);
	c->suspect = c->nreasons > 0;
}

void
agg_finish(struct agg *agg)
{
	struct client	*c;
	size_t		 i, n = 0;

	agg->suspects = xreallocarray(agg->suspects, agg->nclients + 1,
	    sizeof *agg->suspects);
	for (i = 0; i < agg->nslots; i++) {
		if ((c = agg->slots[i]) == NULL)
			continue;
		agg_finish_client(c);
		if (c->suspect)
			agg->suspects[n++] = c;
	}
	if (n > 1)
		qsort(agg->suspects, n, sizeof *agg->suspects,
		    agg_suspect_cmp);
	agg->nsuspects = n;
	agg->suspects_valid = 1;
}

size_t
agg_clients(const struct agg *agg)
{
	return agg->nclients;
}

uint64_t
agg_dropped(const struct agg *agg)
{
	return agg->dropped;
}

void
agg_set_max_clients(struct agg *agg, size_t max)
{
	if (max < 1)
		max = 1;
	agg->max_clients = max < AGG_CLIENTS_MAX ? max : AGG_CLIENTS_MAX;
}

size_t
agg_max_clients(const struct agg *agg)
{
	return agg->max_clients;
}

struct client **
agg_suspects(struct agg *agg, size_t *count)
{
	if (!agg->suspects_valid)
		agg_finish(agg);
	*count = agg->nsuspects;
	return agg->suspects;
}

enum client_status
client_status(const struct client *c)
{
	if (c->whitelisted)
		return CLIENT_WHITELISTED;
	if (c->reported_at != 0)
		return CLIENT_REPORTED;
	if (c->marked)
		return CLIENT_MARKED;
	return CLIENT_NEW;
}

const char *
client_status_name(enum client_status s)
{
	switch (s) {
	case CLIENT_MARKED:
		return "marked";
	case CLIENT_WHITELISTED:
		return "whitelisted";
	case CLIENT_REPORTED:
		return "reported";
	case CLIENT_NEW:
		break;
	}
	return "new";
}

int
agg_read_evidence(const struct agg *agg, const struct agg_evidence *ev,
    char **line, char **cause)
{
	const char	*path;
	char		*buf, *nl;
	ssize_t		 n;
	size_t		 have = 0, size = 4096;
	int		 fd;

	if ((path = agg_file_path(agg, ev->file)) == NULL) {
		xasprintf(cause, "no input file with index %u", ev->file);
		return -1;
	}
	if (agg->readers[ev->file].fn != NULL)
		return agg->readers[ev->file].fn(agg->readers[ev->file].arg,
		    ev, line, cause);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = xmalloc(size + 1);
	for (;;) {
		n = pread(fd, buf + have, size - have,
		    (off_t)(ev->offset + have));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
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
	close(fd);
	if (have == 0) {
		xasprintf(cause, "%s: line %llu is gone (file shorter than "
		    "offset %llu)", path, (unsigned long long)ev->line,
		    (unsigned long long)ev->offset);
		free(buf);
		return -1;
	}
	*line = buf;
	return 0;
}

void
agg_set_file_reader(struct agg *agg, uint32_t file,
    int (*fn)(void *, const struct agg_evidence *, char **, char **),
    void *arg)
{
	if (file >= agg->nfiles)
		return;
	agg->readers[file].fn = fn;
	agg->readers[file].arg = arg;
}

void
agg_set_file_path(struct agg *agg, uint32_t file, const char *path)
{
	if (file >= agg->nfiles)
		return;
	free(agg->files[file]);
	agg->files[file] = xstrdup(path);
}
