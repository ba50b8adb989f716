/*
 * Reassembly of Exim log entries split into "[n/m] " syslog records (see
 * exim.h).  Exim's log.c writes each part as "[%d%c%d] %s", with '\\'
 * when the part ended at a newline of the entry and '/' otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exim.h"
#include "xmalloc.h"

struct exim_split_slot {
	int		 used;
	uint32_t	 pid;
	unsigned	 total;		/* m of "[n/m]" */
	unsigned	 next;		/* the n expected next */
	int		 line_done;	/* a part ended at a newline */
	uint64_t	 last_use;
	size_t		 len;
	char		*buf;		/* EXIM_SPLIT_MAX bytes, allocated once */
};

struct exim_split {
	struct exim_split_slot	slots[EXIM_SPLIT_SLOTS];
	uint64_t		clock;
};

struct exim_split *
exim_split_create(void)
{
	return xcalloc(1, sizeof(struct exim_split));
}

void
exim_split_free(struct exim_split *es)
{
	size_t	i;

	if (es == NULL)
		return;
	for (i = 0; i < EXIM_SPLIT_SLOTS; i++)
		free(es->slots[i].buf);
	free(es);
}

/* Read a decimal number of 1 to 3 digits at s.  Returns the digits used. */
static size_t
exim_split_number(const char *s, size_t len, unsigned *n)
{
	size_t	i;

	*n = 0;
	for (i = 0; i < len && i < 3 && s[i] >= '0' && s[i] <= '9'; i++)
		*n = *n * 10 + (unsigned)(s[i] - '0');
	return i;
}

/*
 * Measure a "[n/m] " or "[n\m] " marker at s and read it.  Returns 0 if s
 * does not start with a valid one.
 */
static size_t
exim_split_marker(const char *s, size_t len, unsigned *n, unsigned *m,
    int *newline)
{
	size_t	off = 1, d;

	if (len < 6 || s[0] != '[')
		return 0;
	if ((d = exim_split_number(s + off, len - off, n)) == 0)
		return 0;
	off += d;
	if (off >= len || (s[off] != '/' && s[off] != '\\'))
		return 0;
	*newline = s[off] == '\\';
	off++;
	if ((d = exim_split_number(s + off, len - off, m)) == 0)
		return 0;
	off += d;
	if (off + 1 >= len || s[off] != ']' || s[off + 1] != ' ')
		return 0;
	if (*n < 1 || *m < 2 || *n > *m || *m > EXIM_SPLIT_PARTS_MAX)
		return 0;
	return off + 2;
}

static struct exim_split_slot *
exim_split_find(struct exim_split *es, uint32_t pid)
{
	size_t	i;

	for (i = 0; i < EXIM_SPLIT_SLOTS; i++)
		if (es->slots[i].used && es->slots[i].pid == pid)
			return &es->slots[i];
	return NULL;
}

/* Take a slot for pid: a free one, else the least recently used one. */
static struct exim_split_slot *
exim_split_take(struct exim_split *es, uint32_t pid)
{
	struct exim_split_slot	*slot, *lru = NULL;
	size_t			 i;

	if ((slot = exim_split_find(es, pid)) == NULL) {
		for (i = 0; i < EXIM_SPLIT_SLOTS; i++) {
			slot = &es->slots[i];
			if (!slot->used)
				break;
			if (lru == NULL || slot->last_use < lru->last_use)
				lru = slot;
		}
		if (i == EXIM_SPLIT_SLOTS)
			slot = lru;
	}
	if (slot->buf == NULL)
		slot->buf = xmalloc(EXIM_SPLIT_MAX);
	slot->used = 1;
	slot->pid = pid;
	slot->len = 0;
	slot->line_done = 0;
	return slot;
}

static void
exim_split_append(struct exim_split_slot *slot, const char *s, size_t len)
{
	if (len > EXIM_SPLIT_MAX - slot->len)
		len = EXIM_SPLIT_MAX - slot->len;
	memcpy(slot->buf + slot->len, s, len);
	slot->len += len;
}

enum exim_split_result
exim_split_feed(struct exim_split *es, uint32_t pid, const char *msg,
    size_t len, const char **out, size_t *out_len)
{
	struct exim_split_slot	*slot;
	unsigned		 n, m;
	size_t			 skip;
	int			 newline;

	if ((skip = exim_split_marker(msg, len, &n, &m, &newline)) == 0)
		return EXIM_SPLIT_WHOLE;
	msg += skip;
	len -= skip;

	if (n == 1)
		slot = exim_split_take(es, pid);
	else if ((slot = exim_split_find(es, pid)) == NULL)
		return EXIM_SPLIT_PENDING;	/* its first part is lost */
	else if (n != slot->next || m != slot->total) {
		slot->used = 0;
		return EXIM_SPLIT_PENDING;
	}
	slot->last_use = ++es->clock;
	slot->total = m;
	slot->next = n + 1;
	if (!slot->line_done)
		exim_split_append(slot, msg, len);
	if (newline)
		slot->line_done = 1;
	if (n < m)
		return EXIM_SPLIT_PENDING;
	slot->used = 0;
	*out = slot->buf;
	*out_len = slot->len;
	return EXIM_SPLIT_DONE;
}
