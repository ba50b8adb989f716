/*
 * The DNS engine: one c-ares channel driven by the caller's poll(2) loop.
 *
 * Sockets reach the caller through the socket-state callback, and the
 * poll timeout comes from ares_timeout.  Every name and type that a check
 * looks up is a struct dns_entry in a hash table.  An entry keeps the
 * cached answer (until its TTL runs out) and at most one query, queued or
 * sent.  Each check waiting for that query has a struct dns_waiter on it.
 * So a query is never out twice, and freeing a check only unlinks its
 * waiters: an answer that arrives later fills the cache and finds no one
 * waiting.  A queued query whose last waiter goes is dropped unsent.
 *
 * At most max_inflight queries are handed to c-ares, and with a rate set,
 * at most qps per second.  The rest wait in two FIFO queues, urgent ones
 * (the check of the suspect on screen) first.
 *
 * ARES_FLAG_NOCHECKRESP makes c-ares return SERVFAIL and REFUSED answers
 * as they are instead of retrying them on the next server, so the rcode
 * shown is the one the server gave.  c-ares repeats a truncated UDP
 * answer over TCP by itself (ARES_FLAG_IGNTC is not set).
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Newer c-ares releases mark ares_query deprecated, but it still works. */
#define CARES_NO_DEPRECATED
#include <ares.h>

#include "dns.h"
#include "dns_pool.h"
#include "dnsbl.h"
#include "xmalloc.h"

#define DNS_CLASS_IN	1

/* Slots of the entry hash table when it is created; a power of two. */
#define DNS_SLOTS_MIN	1024

/*
 * Freed checks kept for reuse.  A check takes about 20 KB, and a malloc
 * of that size makes glibc merge its small free chunks first, which
 * costs more than the check itself in a bulk re-check.  The console's
 * bulk re-check starts checks while fewer than twice the in-flight limit
 * (64 by default) are queued or sent, so about 130 run at once.  The
 * 256 spare checks keep at most 5 MB.
 */
#define DNS_SPARE_CHECKS	256
/* Freed waiters kept for reuse, for the same reason. */
#define DNS_SPARE_WAITERS	1024

/*
 * Newer c-ares releases declare the answer buffer of ares_callback const;
 * 1.18 to at least 1.34.0 do not.  _Generic picks the callback whose type
 * matches the installed header, so no version number has to be guessed.
 */
#define DNS_ON_ANSWER _Generic((ares_callback)0,			\
	void (*)(void *, int, int, const unsigned char *, int):		\
	    dns_on_answer_const,					\
	default: dns_on_answer_mutable)

enum dns_query_kind {
	DNS_QUERY_PTR,		/* PTR of the client address */
	DNS_QUERY_PTR_FORWARD,	/* A or AAAA of PTR name [index] */
	DNS_QUERY_HELO,		/* A or AAAA of HELO name [index] */
	DNS_QUERY_DNSBL,	/* A in DNSBL zone [index] */
	DNS_QUERY_ABUSE,	/* TXT in the abuse contact zone */
};

/*
 * A DNS reply in its cached form, which stores only the records found.  It
 * is one object of dns->pool, size bytes with its arrays and strings, or
 * with size 0 one of dns->empty_replies.  The counts are small
 * (DNS_NAMES_MAX and so on), and narrow counts keep the cache smaller.
 */
struct dns_reply {
	uint32_t		 size;
	enum dns_rcode		 rcode;
	uint32_t		 nnames;
	uint32_t		 naddrs;
	uint32_t		 ntxt;
	size_t			 names_dropped;	/* as in struct dns_answer */
	char			**names;
	struct event_addr	*addrs;
	char			**txt;
};

struct dns_waiter;
TAILQ_HEAD(dns_waiters, dns_waiter);

/*
 * A cache entry of one name and type, with its cached reply and its
 * query while one is in flight.  An entry is one object of dns->pool,
 * with its name at the end.
 */
struct dns_entry {
	struct dns		*dns;
	int			 type;
	uint32_t		 hash;
	struct dns_reply	*reply;		/* cached answer, or NULL */
	int64_t			 fetched_ms;	/* dns clock */
	int64_t			 expires_ms;
	uint8_t			 queued;	/* on dns->urgent or dns->queue */
	uint8_t			 urgent;
	uint8_t			 sent;		/* owned by c-ares */
	uint8_t			 on_lru;
	struct dns_waiters	 waiters;
	/* An entry with a query queued or sent is never idle. */
	union {
		TAILQ_ENTRY(dns_entry) queue_entry;
		TAILQ_ENTRY(dns_entry) lru_entry;	/* idle, with a reply */
	};
	char			 name[];	/* lower case */
};
TAILQ_HEAD(dns_entries, dns_entry);

/*
 * A slot of the entry hash table (open addressing, linear probing).  The
 * hash sits next to the pointer, so a lookup that misses touches no entry.
 */
struct dns_slot {
	uint32_t		 hash;
	struct dns_entry	*entry;		/* NULL: empty */
};

/* A check waiting for the answer of an entry. */
struct dns_waiter {
	struct dns_entry	*entry;
	struct dns_check	*check;
	enum dns_query_kind	 kind;
	size_t			 index;
	TAILQ_ENTRY(dns_waiter)	 entry_link;
	TAILQ_ENTRY(dns_waiter)	 check_link;
};

struct dns_check {
	struct dns		*dns;
	uint64_t		 id;
	int			 flags;
	struct event_addr	 addr;
	size_t			 pending;	/* its waiters */
	size_t			 ptr_started;	/* PTR names looked up forward */
	struct dns_waiters	 waiters;
	int64_t			 oldest_ms;	/* fetch time of cached answers */
	int			 due;		/* on dns->due */
	dns_check_cb		 done;
	void			*arg;
	TAILQ_ENTRY(dns_check)	 due_entry;
	TAILQ_ENTRY(dns_check)	 all_entry;
	/*
	 * Last, because only its head is cleared when the check starts:
	 * an array entry is cleared when it is taken into use.  A check
	 * takes about 20 KB, and most of it is never touched.
	 */
	struct dns_result	 result;
};

/* The bytes of a check that dns_check_begin clears. */
#define DNS_CHECK_HEAD	(offsetof(struct dns_check, result) + \
	    offsetof(struct dns_result, ptr))
TAILQ_HEAD(dns_checks, dns_check);

/* A name as the entry table stores it: in lower case, with its hash. */
struct dns_key {
	char		text[DNS_HOST_NAME_MAX + 2];
	size_t		len;
	uint32_t	hash;
};

struct dns_sock {
	int	fd;
	short	events;
};

struct dns {
	ares_channel		 channel;
	size_t			 max_inflight;
	int			 qps;
	const struct dnsbl_list	*dnsbl;
	char			*abuse_zone;
	size_t			 cache_max;	/* 0: no cache */
	int64_t			(*clock_ms)(void *);
	void			*clock_arg;
	int			 destroying;

	/* Sockets c-ares wants polled, kept by dns_on_sock_state. */
	struct dns_sock		*socks;
	size_t			 nsocks;
	size_t			 socks_size;

	struct dns_pool		 pool;		/* entries and replies */
	/* Shared replies without data, one per rcode: caching one is free. */
	struct dns_reply	 empty_replies[DNS_RCODE_INVALID + 1];
	struct dns_slot		*slots;		/* at most half full */
	size_t			 nslots;
	size_t			 nentries;
	struct dns_entries	 lru;		/* evicted from the head */
	size_t			 nreplies;

	struct dns_entries	 urgent;	/* waiting to be sent */
	struct dns_entries	 queue;
	size_t			 nqueued;
	size_t			 sent;		/* owned by c-ares */

	/* Rate limit: queries that may go out now, and when it was filled. */
	double			 credit;
	int64_t			 credit_ms;

	uint64_t		 next_id;
	struct dns_check	*spare[DNS_SPARE_CHECKS];
	size_t			 nspare;
	struct dns_waiter	*spare_waiters[DNS_SPARE_WAITERS];
	size_t			 nspare_waiters;
	struct dns_checks	 checks;	/* all of them */
	struct dns_checks	 due;		/* finished, callback not run */
	struct dns_stats	 stats;
};

static void	dns_on_sock_state(void *, ares_socket_t, int, int);
static void	dns_on_answer_const(void *, int, int, const unsigned char *,
		    int);
static void	dns_on_answer_mutable(void *, int, int, unsigned char *, int);
static void	dns_lookup(struct dns_check *, enum dns_query_kind,
		    size_t index, int type, const char *name);
static void	dns_lookup_key(struct dns_check *, enum dns_query_kind,
		    size_t index, int type, const struct dns_key *);

static int64_t
dns_monotonic_ms(void *arg)
{
	struct timespec	ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
dns_now(struct dns *dns)
{
	return dns->clock_ms(dns->clock_arg);
}

struct dns *
dns_create(const struct dns_config *cfg, char **cause)
{
	struct ares_options	 opts;
	struct dns		*dns;
	int			 optmask, rc, i;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		xasprintf(cause, "c-ares initialisation failed: %s",
		    ares_strerror(rc));
		return NULL;
	}

	dns = xcalloc(1, sizeof *dns);
	TAILQ_INIT(&dns->lru);
	TAILQ_INIT(&dns->urgent);
	TAILQ_INIT(&dns->queue);
	TAILQ_INIT(&dns->checks);
	TAILQ_INIT(&dns->due);
	dns->next_id = 1;
	dns->max_inflight = cfg->max_inflight > 0 ? (size_t)cfg->max_inflight :
	    DNS_MAX_INFLIGHT_DEFAULT;
	dns->qps = cfg->qps > 0 ? cfg->qps : 0;
	dns->dnsbl = cfg->dnsbl;
	if (cfg->abuse_zone != NULL && *cfg->abuse_zone != '\0')
		dns->abuse_zone = xstrdup(cfg->abuse_zone);
	if (cfg->cache_max == 0)
		dns->cache_max = DNS_CACHE_MAX_DEFAULT;
	else if (cfg->cache_max > 0)
		dns->cache_max = (size_t)cfg->cache_max;
	dns->clock_ms = cfg->clock_ms != NULL ? cfg->clock_ms :
	    dns_monotonic_ms;
	dns->clock_arg = cfg->clock_arg;
	dns->nslots = DNS_SLOTS_MIN;
	dns->slots = xcalloc(dns->nslots, sizeof *dns->slots);
	for (i = 0; i <= DNS_RCODE_INVALID; i++)
		dns->empty_replies[i].rcode = (enum dns_rcode)i;
	/* A rate-limited engine may send a tenth of a second's worth at once. */
	dns->credit = dns->qps / 10 > 1 ? dns->qps / 10 : 1;
	dns->credit_ms = dns_now(dns);

	memset(&opts, 0, sizeof opts);
	opts.flags = ARES_FLAG_NOCHECKRESP;
	opts.timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms :
	    DNS_TIMEOUT_MS_DEFAULT;
	opts.tries = cfg->tries > 0 ? cfg->tries : DNS_TRIES_DEFAULT;
	opts.sock_state_cb = dns_on_sock_state;
	opts.sock_state_cb_data = dns;
	optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_SOCK_STATE_CB;
#if ARES_VERSION >= 0x011f00
	/*
	 * From 1.31 c-ares caches answers, but a re-check must ask again.
	 * NOTE: this branch and the ares_process_fds one below are not
	 * compiled on Debian 12, which has c-ares 1.18.
	 */
	opts.qcache_max_ttl = 0;
	optmask |= ARES_OPT_QUERY_CACHE;
#endif
	if ((rc = ares_init_options(&dns->channel, &opts, optmask)) !=
	    ARES_SUCCESS) {
		xasprintf(cause, "c-ares initialisation failed: %s",
		    ares_strerror(rc));
		free(dns->abuse_zone);
		free(dns->slots);
		free(dns);
		ares_library_cleanup();
		return NULL;
	}

	if (cfg->servers != NULL) {
		rc = *cfg->servers == '\0' ? ARES_EBADSTR :
		    ares_set_servers_ports_csv(dns->channel, cfg->servers);
		if (rc != ARES_SUCCESS) {
			xasprintf(cause, "invalid DNS server list \"%s\" (%s): "
			    "give IP[:PORT] or [IPv6]:PORT, separated by "
			    "commas", cfg->servers, ares_strerror(rc));
			dns_free(dns);
			return NULL;
		}
	}
	return dns;
}

static void
dns_reply_free(struct dns *dns, struct dns_reply *r)
{
	if (r != NULL && r->size > 0)
		dns_pool_put(&dns->pool, r, r->size);
}

/* Copy the text s to p, and return the copy and, in *p, its end. */
static char *
dns_reply_copy_text(char **p, const char *s)
{
	char	*copy = *p;
	size_t	 len;

	len = strlen(s) + 1;
	memcpy(copy, s, len);
	*p += len;
	return copy;
}

/*
 * Copy what ans found into a new reply.  The reply, its three arrays and
 * its strings are one object of the pool.
 */
static struct dns_reply *
dns_reply_make(struct dns *dns, const struct dns_answer *ans)
{
	struct dns_reply	*r;
	size_t			 i, size;
	char			*p;

	if (ans->nnames == 0 && ans->naddrs == 0 && ans->ntxt == 0 &&
	    ans->names_dropped == 0 && ans->rcode <= DNS_RCODE_INVALID)
		return &dns->empty_replies[ans->rcode];

	size = sizeof *r + (ans->nnames + ans->ntxt) * sizeof(char *) +
	    ans->naddrs * sizeof(struct event_addr);
	for (i = 0; i < ans->nnames; i++)
		size += strlen(ans->names[i]) + 1;
	for (i = 0; i < ans->ntxt; i++)
		size += strlen(ans->txt[i]) + 1;
	p = dns_pool_get(&dns->pool, size);
	r = (struct dns_reply *)p;
	p += sizeof *r;
	r->size = size;
	r->rcode = ans->rcode;
	r->nnames = ans->nnames;
	r->names_dropped = ans->names_dropped;
	r->names = (char **)p;
	p += ans->nnames * sizeof(char *);
	r->ntxt = ans->ntxt;
	r->txt = (char **)p;
	p += ans->ntxt * sizeof(char *);
	r->naddrs = ans->naddrs;
	r->addrs = (struct event_addr *)p;
	memcpy(r->addrs, ans->addrs, ans->naddrs * sizeof *r->addrs);
	p += ans->naddrs * sizeof *r->addrs;

	for (i = 0; i < ans->nnames; i++)
		r->names[i] = dns_reply_copy_text(&p, ans->names[i]);
	for (i = 0; i < ans->ntxt; i++)
		r->txt[i] = dns_reply_copy_text(&p, ans->txt[i]);
	return r;
}

/*
 * Fill key with name in lower case, cut to DNS_HOST_NAME_MAX + 1
 * characters, and its hash.  The hash is FNV-1a over the name alone: the
 * A and AAAA entries of a name then sit in neighbouring slots, and the
 * second lookup finds its slot in the cache line that the first one
 * loaded.
 */
static void
dns_key_make(struct dns_key *key, const char *name)
{
	uint32_t	h = 2166136261U;
	size_t		i;
	char		ch;

	for (i = 0; i < sizeof key->text - 1 && (ch = name[i]) != '\0';
	    i++) {
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		key->text[i] = ch;
		h ^= (unsigned char)ch;
		h *= 16777619U;
	}
	key->text[i] = '\0';
	key->len = i;
	key->hash = h;
}

static struct dns_entry *
dns_entry_find(struct dns *dns, const struct dns_key *key, int type)
{
	struct dns_slot	*slot;
	size_t		 mask = dns->nslots - 1, i;

	for (i = key->hash & mask; (slot = &dns->slots[i])->entry != NULL;
	    i = (i + 1) & mask) {
		if (slot->hash == key->hash && slot->entry->type == type &&
		    strcmp(slot->entry->name, key->text) == 0)
			return slot->entry;
	}
	return NULL;
}

static void
dns_slot_put(struct dns *dns, struct dns_entry *e)
{
	size_t	mask = dns->nslots - 1, i;

	for (i = e->hash & mask; dns->slots[i].entry != NULL;
	    i = (i + 1) & mask)
		continue;
	dns->slots[i].hash = e->hash;
	dns->slots[i].entry = e;
}

static void
dns_slots_grow(struct dns *dns)
{
	struct dns_slot	*old = dns->slots;
	size_t		 nold = dns->nslots, i;

	dns->nslots *= 2;
	dns->slots = xcalloc(dns->nslots, sizeof *dns->slots);
	for (i = 0; i < nold; i++) {
		if (old[i].entry != NULL)
			dns_slot_put(dns, old[i].entry);
	}
	free(old);
}

static struct dns_entry *
dns_entry_new(struct dns *dns, const struct dns_key *key, int type)
{
	struct dns_entry	*e;

	if ((dns->nentries + 1) * 2 > dns->nslots)
		dns_slots_grow(dns);
	e = dns_pool_get(&dns->pool, sizeof *e + key->len + 1);
	memset(e, 0, sizeof *e);
	e->dns = dns;
	memcpy(e->name, key->text, key->len + 1);
	e->type = type;
	e->hash = key->hash;
	TAILQ_INIT(&e->waiters);
	dns_slot_put(dns, e);
	dns->nentries++;
	return e;
}

/*
 * Take e out of the table, and move later entries of its probe run back
 * into the gap, so that no lookup stops early at an empty slot.
 */
static void
dns_entry_unlink(struct dns_entry *e)
{
	struct dns	*dns = e->dns;
	size_t		 mask = dns->nslots - 1, gap, i, home;

	for (gap = e->hash & mask; dns->slots[gap].entry != e;
	    gap = (gap + 1) & mask)
		continue;
	for (i = (gap + 1) & mask; dns->slots[i].entry != NULL;
	    i = (i + 1) & mask) {
		home = dns->slots[i].hash & mask;
		/* Move it unless its home lies after the gap, up to i. */
		if ((i > gap && (home <= gap || home > i)) ||
		    (i < gap && home <= gap && home > i)) {
			dns->slots[gap] = dns->slots[i];
			gap = i;
		}
	}
	dns->slots[gap].entry = NULL;
	dns->nentries--;
}

static void
dns_entry_free(struct dns_entry *e)
{
	struct dns	*dns = e->dns;

	if (e->on_lru)
		TAILQ_REMOVE(&dns->lru, e, lru_entry);
	if (e->reply != NULL)
		dns->nreplies--;
	dns_entry_unlink(e);
	dns_reply_free(dns, e->reply);
	dns_pool_put(&dns->pool, e, sizeof *e + strlen(e->name) + 1);
}

static void
dns_entry_drop_reply(struct dns_entry *e)
{
	if (e->reply == NULL)
		return;
	dns_reply_free(e->dns, e->reply);
	e->reply = NULL;
	e->dns->nreplies--;
}

/*
 * An entry with no query out and no waiter: keep it on the LRU list while
 * it has a reply, free it otherwise, and evict the least recently used
 * idle entries beyond cache_max.
 */
static void
dns_entry_idle(struct dns_entry *e)
{
	struct dns		*dns = e->dns;
	struct dns_entry	*old;

	if (e->queued || e->sent || !TAILQ_EMPTY(&e->waiters))
		return;
	if (e->reply == NULL) {
		dns_entry_free(e);
		return;
	}
	if (!e->on_lru) {
		TAILQ_INSERT_TAIL(&dns->lru, e, lru_entry);
		e->on_lru = 1;
	}
	while (dns->nreplies > dns->cache_max &&
	    (old = TAILQ_FIRST(&dns->lru)) != NULL) {
		/* Entries on the LRU list have on_lru set. */
		TAILQ_REMOVE(&dns->lru, old, lru_entry);
		old->on_lru = 0;
		dns_entry_free(old);
	}
}

static void
dns_entry_busy(struct dns_entry *e)
{
	if (e->on_lru) {
		TAILQ_REMOVE(&e->dns->lru, e, lru_entry);
		e->on_lru = 0;
	}
}

static void
dns_dequeue(struct dns_entry *e)
{
	struct dns	*dns = e->dns;

	TAILQ_REMOVE(e->urgent ? &dns->urgent : &dns->queue, e, queue_entry);
	e->queued = 0;
	dns->nqueued--;
}

static struct dns_waiter *
dns_waiter_new(struct dns *dns)
{
	struct dns_waiter	*w;

	if (dns->nspare_waiters == 0)
		return xcalloc(1, sizeof *w);
	w = dns->spare_waiters[--dns->nspare_waiters];
	memset(w, 0, sizeof *w);
	return w;
}

static void
dns_waiter_free(struct dns *dns, struct dns_waiter *w)
{
	if (dns->nspare_waiters < DNS_SPARE_WAITERS && !dns->destroying)
		dns->spare_waiters[dns->nspare_waiters++] = w;
	else
		free(w);
}

static void
dns_check_release(struct dns_check *c)
{
	struct dns		*dns = c->dns;
	struct dns_waiter	*w;
	struct dns_entry	*e;
	size_t			 i;

	while ((w = TAILQ_FIRST(&c->waiters)) != NULL) {
		TAILQ_REMOVE(&c->waiters, w, check_link);
		e = w->entry;
		TAILQ_REMOVE(&e->waiters, w, entry_link);
		dns_waiter_free(dns, w);
		if (TAILQ_EMPTY(&e->waiters) && e->queued)
			dns_dequeue(e);
		dns_entry_idle(e);
	}
	if (c->due)
		TAILQ_REMOVE(&dns->due, c, due_entry);
	TAILQ_REMOVE(&dns->checks, c, all_entry);

	for (i = 0; i < c->result.nptr; i++)
		free(c->result.ptr[i].name);
	for (i = 0; i < c->result.nhelo; i++)
		free(c->result.helo[i].name);
	for (i = 0; i < c->result.ndnsbl; i++)
		free(c->result.dnsbl[i].zone);
	for (i = 0; i < c->result.abuse.naddresses; i++)
		free(c->result.abuse.addresses[i]);
	free(c->result.abuse.zone);
	if (dns->nspare < DNS_SPARE_CHECKS && !dns->destroying)
		dns->spare[dns->nspare++] = c;
	else
		free(c);
}

void
dns_free(struct dns *dns)
{
	struct dns_check	*c;
	struct dns_entry	*e;
	size_t			 i;

	if (dns == NULL)
		return;
	while ((c = TAILQ_FIRST(&dns->checks)) != NULL)
		dns_check_release(c);
	/*
	 * ares_destroy runs the callback of every query still out, with
	 * ARES_EDESTRUCTION.  With destroying set they only mark their
	 * entry, and every entry is freed below.
	 */
	dns->destroying = 1;
	ares_destroy(dns->channel);
	ares_library_cleanup();
	for (i = 0; i < dns->nspare; i++)
		free(dns->spare[i]);
	for (i = 0; i < dns->nspare_waiters; i++)
		free(dns->spare_waiters[i]);

	for (i = 0; i < dns->nslots; i++) {
		if ((e = dns->slots[i].entry) == NULL)
			continue;
		dns_reply_free(dns, e->reply);
		dns_pool_put(&dns->pool, e, sizeof *e + strlen(e->name) + 1);
	}
	dns_pool_clear(&dns->pool);
	free(dns->slots);
	free(dns->abuse_zone);
	free(dns->socks);
	free(dns);
}

static void
dns_on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns	*dns = data;
	size_t		 i;
	short		 events = 0;

	if (readable)
		events |= POLLIN;
	if (writable)
		events |= POLLOUT;

	for (i = 0; i < dns->nsocks; i++) {
		if (dns->socks[i].fd == fd)
			break;
	}
	if (events == 0) {
		if (i < dns->nsocks)
			dns->socks[i] = dns->socks[--dns->nsocks];
		return;
	}
	if (i == dns->nsocks) {
		if (dns->nsocks == dns->socks_size) {
			dns->socks_size = dns->socks_size == 0 ? 4 :
			    dns->socks_size * 2;
			dns->socks = xreallocarray(dns->socks,
			    dns->socks_size, sizeof *dns->socks);
		}
		dns->socks[dns->nsocks++].fd = fd;
	}
	dns->socks[i].events = events;
}

size_t
dns_pollfds(struct dns *dns, struct pollfd *fds, size_t max)
{
	size_t	i;

	for (i = 0; i < dns->nsocks && i < max; i++) {
		fds[i].fd = dns->socks[i].fd;
		fds[i].events = dns->socks[i].events;
		fds[i].revents = 0;
	}
	return i;
}

size_t
dns_inflight(struct dns *dns)
{
	return dns->sent + dns->nqueued;
}

void
dns_get_stats(struct dns *dns, struct dns_stats *st)
{
	*st = dns->stats;
	st->cached = dns->nreplies;
}

/* Add the credit earned since it was last filled, up to a tenth second's. */
static void
dns_credit_fill(struct dns *dns, int64_t now)
{
	double	max;

	if (dns->qps == 0 || now <= dns->credit_ms)
		return;
	max = dns->qps / 10 > 1 ? dns->qps / 10 : 1;
	dns->credit += (double)(now - dns->credit_ms) * dns->qps / 1000.0;
	if (dns->credit > max)
		dns->credit = max;
	dns->credit_ms = now;
}

/* Milliseconds until the rate limit lets the next query go, or -1. */
static int
dns_credit_wait(struct dns *dns)
{
	double	ms;

	if (dns->qps == 0 || dns->nqueued == 0 ||
	    dns->sent >= dns->max_inflight)
		return -1;
	dns_credit_fill(dns, dns_now(dns));
	if (dns->credit >= 1)
		return 0;
	ms = (1 - dns->credit) * 1000.0 / dns->qps;
	return (int)ms + 1;
}

int
dns_timeout(struct dns *dns, int max_ms)
{
	struct timeval	 maxtv, tv, *tvp;
	long long	 ms;
	int		 wait;

	if (!TAILQ_EMPTY(&dns->due))
		return 0;
	wait = dns_credit_wait(dns);
	if (wait >= 0 && max_ms >= 0 && wait > max_ms)
		wait = max_ms;
	if (dns->sent == 0)
		return wait;

	if (wait >= 0)
		max_ms = wait;
	if (max_ms >= 0) {
		maxtv.tv_sec = max_ms / 1000;
		maxtv.tv_usec = (max_ms % 1000) * 1000;
	}
	tvp = ares_timeout(dns->channel, max_ms >= 0 ? &maxtv : NULL, &tv);
	if (tvp == NULL)
		return max_ms;

	/* Round up, or poll wakes a little early and spins once more. */
	ms = (long long)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000;
	if (ms > INT_MAX)
		ms = INT_MAX;
	return (int)ms;
}

/* Hand waiting queries to c-ares within the in-flight and rate limits. */
static void
dns_pump(struct dns *dns)
{
	struct dns_entry	*e;

	while (dns->sent < dns->max_inflight) {
		if ((e = TAILQ_FIRST(&dns->urgent)) == NULL &&
		    (e = TAILQ_FIRST(&dns->queue)) == NULL)
			break;
		if (dns->qps > 0) {
			dns_credit_fill(dns, dns_now(dns));
			if (dns->credit < 1)
				break;
			dns->credit -= 1;
		}
		dns_dequeue(e);
		e->sent = 1;
		dns->sent++;
		dns->stats.sent++;
		/* The callback may run before ares_query returns. */
		ares_query(dns->channel, e->name, DNS_CLASS_IN, e->type,
		    DNS_ON_ANSWER, e);
	}
}

static void
dns_set_forward_rcode(struct dns_addrlist *f, enum dns_rcode rcode)
{
	f->rcode_a = rcode;
	f->rcode_aaaa = rcode;
}

static void
dns_lookup_forward(struct dns_check *c, enum dns_query_kind kind,
    size_t index, const char *name)
{
	struct dns_key	key;

	dns_key_make(&key, name);
	dns_lookup_key(c, kind, index, DNS_TYPE_A, &key);
	dns_lookup_key(c, kind, index, DNS_TYPE_AAAA, &key);
}

/*
 * Clear f but not its addrs: readers stop at count, and clearing the
 * whole array made every new PTR name miss the CPU caches.
 */
static void
dns_addrlist_clear(struct dns_addrlist *f)
{
	f->count = 0;
	dns_set_forward_rcode(f, DNS_RCODE_NONE);
}

static void
dns_addrlist_add(struct dns_addrlist *f, const struct dns_reply *r)
{
	size_t	i;

	for (i = 0; i < r->naddrs && f->count < DNS_ADDRS_MAX; i++)
		f->addrs[f->count++] = r->addrs[i];
}

static void
dns_apply_forward(struct dns_addrlist *f, int type, const struct dns_reply *r)
{
	if (type == DNS_TYPE_A)
		f->rcode_a = r->rcode;
	else
		f->rcode_aaaa = r->rcode;
	dns_addrlist_add(f, r);
}

static void
dns_apply_ptr(struct dns_check *c, const struct dns_reply *r)
{
	struct dns_result	*res = &c->result;
	struct dns_ptrname	*p;
	size_t			 i, index;

	res->ptr_rcode = r->rcode;
	res->ptr_dropped = r->names_dropped;
	if (r->nnames > DNS_NAMES_MAX - res->nptr)
		res->ptr_dropped += r->nnames - (DNS_NAMES_MAX - res->nptr);
	for (i = 0; i < r->nnames && res->nptr < DNS_NAMES_MAX; i++) {
		index = res->nptr++;
		p = &res->ptr[index];
		p->name = xstrdup(r->names[i]);
		p->invalid = dns_name_invalid(p->name);
		dns_addrlist_clear(&p->forward);
		p->confirmed = 0;
		if (p->invalid != NULL)
			dns_set_forward_rcode(&p->forward, DNS_RCODE_INVALID);
	}
}

/*
 * Look up the valid PTR names that dns_apply_ptr added.  The callers of
 * dns_lookup and dns_apply start them, so that a cached PTR reply does
 * not make dns_lookup call itself.
 */
static void
dns_start_ptr_forwards(struct dns_check *c)
{
	struct dns_ptrname	*p;

	for (; c->ptr_started < c->result.nptr; c->ptr_started++) {
		p = &c->result.ptr[c->ptr_started];
		if (p->invalid == NULL)
			dns_lookup_forward(c, DNS_QUERY_PTR_FORWARD,
			    c->ptr_started, p->name);
	}
}

static void
dns_apply_dnsbl(struct dns_check *c, size_t index, const struct dns_reply *r)
{
	struct dns_dnsbl	*d = &c->result.dnsbl[index];
	size_t			 i;

	d->rcode = r->rcode;
	for (i = 0; i < r->naddrs && d->ncodes < DNS_CODES_MAX; i++) {
		if (r->addrs[i].family == AF_INET)
			d->codes[d->ncodes++] = r->addrs[i];
	}
	d->listed = dnsbl_judge(c->dns->dnsbl, d->zone, d->rcode, d->codes,
	    d->ncodes);
}

static void
dns_apply_abuse(struct dns_check *c, const struct dns_reply *r)
{
	struct dns_abuse	*a = &c->result.abuse;

	a->rcode = r->rcode;
	a->naddresses = dnsbl_abuse_addresses(r->txt, r->ntxt, a->addresses,
	    DNS_ABUSE_MAX);
}

/* Record the reply r, from the cache or not, in the result of c. */
static void
dns_apply(struct dns_check *c, enum dns_query_kind kind, size_t index,
    int type, const struct dns_reply *r)
{
	struct dns_helo	*h;

	c->result.nanswers++;
	switch (kind) {
	case DNS_QUERY_PTR:
		dns_apply_ptr(c, r);
		break;
	case DNS_QUERY_PTR_FORWARD:
		dns_apply_forward(&c->result.ptr[index].forward, type, r);
		break;
	case DNS_QUERY_HELO:
		h = &c->result.helo[index];
		dns_apply_forward(&h->forward, type, r);
		h->rcode = dns_helo_rcode(&h->forward);
		break;
	case DNS_QUERY_DNSBL:
		dns_apply_dnsbl(c, index, r);
		break;
	case DNS_QUERY_ABUSE:
		dns_apply_abuse(c, r);
		break;
	}
	dns_result_judge(&c->result, &c->addr);
}

/* Mark c finished; its callback runs from dns_process. */
static void
dns_check_finish(struct dns_check *c)
{
	struct dns	*dns = c->dns;

	c->result.done = 1;
	c->result.checked_at = time(NULL);
	if (c->result.ncached > 0)
		c->result.cache_age_s = (dns_now(dns) - c->oldest_ms) / 1000;
	dns_result_judge(&c->result, &c->addr);
	c->due = 1;
	TAILQ_INSERT_TAIL(&dns->due, c, due_entry);
}

/*
 * Look name up for c: from the cache, by waiting for the query already
 * out, or with a new query.  Callers pass valid names.
 */
static void
dns_lookup(struct dns_check *c, enum dns_query_kind kind, size_t index,
    int type, const char *name)
{
	struct dns_key	key;

	dns_key_make(&key, name);
	dns_lookup_key(c, kind, index, type, &key);
}

/* dns_lookup with the name already made a key. */
static void
dns_lookup_key(struct dns_check *c, enum dns_query_kind kind, size_t index,
    int type, const struct dns_key *key)
{
	struct dns		*dns = c->dns;
	struct dns_entry	*e;
	struct dns_waiter	*w;
	int			 urgent = (c->flags & DNS_CHECK_URGENT) != 0;
	int64_t			 now;

	e = dns_entry_find(dns, key, type);
	if (e != NULL && e->reply != NULL) {
		now = dns_now(dns);
		if (now >= e->expires_ms) {
			dns_entry_drop_reply(e);
		} else if (!(c->flags & DNS_CHECK_FRESH)) {
			dns->stats.cache_hits++;
			if (e->on_lru) {
				TAILQ_REMOVE(&dns->lru, e, lru_entry);
				TAILQ_INSERT_TAIL(&dns->lru, e, lru_entry);
			}
			c->result.ncached++;
			if (c->result.ncached == 1 || e->fetched_ms <
			    c->oldest_ms)
				c->oldest_ms = e->fetched_ms;
			dns_apply(c, kind, index, type, e->reply);
			return;
		}
	}
	if (e == NULL)
		e = dns_entry_new(dns, key, type);
	dns_entry_busy(e);

	w = dns_waiter_new(dns);
	w->entry = e;
	w->check = c;
	w->kind = kind;
	w->index = index;
	TAILQ_INSERT_TAIL(&e->waiters, w, entry_link);
	TAILQ_INSERT_TAIL(&c->waiters, w, check_link);
	c->pending++;

	if (e->sent) {
		dns->stats.joined++;
		return;
	}
	if (e->queued) {
		dns->stats.joined++;
		if (urgent && !e->urgent) {
			dns_dequeue(e);
			e->urgent = 1;
			e->queued = 1;
			TAILQ_INSERT_TAIL(&dns->urgent, e, queue_entry);
			dns->nqueued++;
		}
		return;
	}
	e->queued = 1;
	e->urgent = urgent;
	TAILQ_INSERT_TAIL(urgent ? &dns->urgent : &dns->queue, e,
	    queue_entry);
	dns->nqueued++;
}

static void
dns_start_helo(struct dns_check *c, const char *name)
{
	struct dns_helo		*h;
	struct event_addr	 literal;
	size_t			 index;
	int			 rc;

	index = c->result.nhelo++;
	h = &c->result.helo[index];
	h->name = xstrndup(name, DNS_NAME_TEXT_MAX);
	h->literal = 0;
	h->invalid = NULL;
	h->rcode = DNS_RCODE_NONE;
	dns_addrlist_clear(&h->forward);
	h->verified = DNS_VERDICT_NONE;

	if ((rc = dns_literal_parse(h->name, &literal)) == 1) {
		h->literal = 1;
		return;
	}
	if (rc == -1)
		h->invalid = "malformed address literal";
	else
		h->invalid = dns_name_invalid(h->name);
	if (h->invalid != NULL) {
		h->rcode = DNS_RCODE_INVALID;
		dns_set_forward_rcode(&h->forward, DNS_RCODE_INVALID);
		return;
	}
	dns_lookup_forward(c, DNS_QUERY_HELO, index, h->name);
}

/* Start the DNSBL and abuse contact lookups that the engine is set up for. */
static void
dns_start_lists(struct dns_check *c)
{
	struct dns		*dns = c->dns;
	struct dns_result	*r = &c->result;
	struct dns_dnsbl	*d;
	char			 name[DNS_HOST_NAME_MAX + 1];
	size_t			 i;

	for (i = 0; dns->dnsbl != NULL && i < dns->dnsbl->nzones &&
	    i < DNS_DNSBL_MAX; i++) {
		d = &r->dnsbl[r->ndnsbl++];
		memset(d, 0, sizeof *d);
		d->zone = xstrdup(dns->dnsbl->zones[i]);
		if (dnsbl_query_name(&c->addr, d->zone, name,
		    sizeof name) == -1) {
			d->rcode = DNS_RCODE_INVALID;
			d->listed = DNS_LISTED_UNKNOWN;
			continue;
		}
		dns_lookup(c, DNS_QUERY_DNSBL, i, DNS_TYPE_A, name);
	}
	if (dns->abuse_zone != NULL) {
		r->abuse.zone = xstrdup(dns->abuse_zone);
		if (dnsbl_query_name(&c->addr, dns->abuse_zone, name,
		    sizeof name) == -1)
			r->abuse.rcode = DNS_RCODE_INVALID;
		else
			dns_lookup(c, DNS_QUERY_ABUSE, 0, DNS_TYPE_TXT, name);
	}
}

struct dns_check *
dns_check_begin(struct dns *dns, const struct event_addr *addr,
    const char *const *helos, size_t nhelos, int flags, dns_check_cb done,
    void *arg)
{
	struct dns_check	*c;
	char			 reverse[DNS_REVERSE_NAME_MAX];
	size_t			 i;

	c = dns->nspare > 0 ? dns->spare[--dns->nspare] : xmalloc(sizeof *c);
	memset(c, 0, DNS_CHECK_HEAD);
	c->dns = dns;
	c->id = dns->next_id++;
	c->flags = flags;
	c->addr = *addr;
	c->done = done;
	c->arg = arg;
	TAILQ_INIT(&c->waiters);
	TAILQ_INSERT_TAIL(&dns->checks, c, all_entry);

	if (dns_reverse_name(addr, reverse, sizeof reverse) == 0) {
		dns_lookup(c, DNS_QUERY_PTR, 0, DNS_TYPE_PTR, reverse);
		dns_start_ptr_forwards(c);
	} else
		c->result.ptr_rcode = DNS_RCODE_INVALID;

	for (i = 0; i < nhelos && c->result.nhelo < DNS_HELOS_MAX; i++) {
		if (helos[i] != NULL)
			dns_start_helo(c, helos[i]);
	}
	dns_start_lists(c);

	dns_result_judge(&c->result, &c->addr);
	if (c->pending == 0)
		dns_check_finish(c);
	dns_pump(dns);
	return c;
}

struct dns_check *
dns_check_start(struct dns *dns, const struct event_addr *addr,
    const char *const *helos, size_t nhelos, dns_check_cb done, void *arg)
{
	return dns_check_begin(dns, addr, helos, nhelos, 0, done, arg);
}

uint64_t
dns_check_id(const struct dns_check *c)
{
	return c->id;
}

const struct dns_result *
dns_check_result(const struct dns_check *c)
{
	return &c->result;
}

void
dns_check_free(struct dns_check *c)
{
	if (c != NULL)
		dns_check_release(c);
}

static enum dns_rcode
dns_rcode_from_status(int status)
{
	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
		return DNS_RCODE_NOERROR;
	case ARES_ENOTFOUND:
		return DNS_RCODE_NXDOMAIN;
	case ARES_ESERVFAIL:
		return DNS_RCODE_SERVFAIL;
	case ARES_EREFUSED:
		return DNS_RCODE_REFUSED;
	case ARES_ETIMEOUT:
		return DNS_RCODE_TIMEOUT;
	default:
		/* ARES_ECONNREFUSED (no server listening) included. */
		return DNS_RCODE_ERROR;
	}
}

/* Record the answer for entry e (abuf is NULL when none came). */
static void
dns_on_answer(struct dns_entry *e, int status, const unsigned char *abuf,
    int alen)
{
	struct dns		*dns = e->dns;
	struct dns_waiters	 waiters;
	struct dns_waiter	*w;
	struct dns_check	*c;
	struct dns_answer	 ans;
	struct dns_reply	*reply;
	int64_t			 now;

	dns->sent--;
	e->sent = 0;
	if (dns->destroying)
		return;
	dns->stats.answered++;

	if (abuf != NULL && alen > 0)
		dns_answer_parse(abuf, (size_t)alen, e->type, &ans);
	else {
		memset(&ans, 0, sizeof ans);
		ans.rcode = dns_rcode_from_status(status);
		ans.ttl = -1;
	}
	reply = dns_reply_make(dns, &ans);
	dns_answer_clear(&ans);

	/* Temporary failures are never cached, so a re-check queries again. */
	if (dns->cache_max > 0 && ans.ttl > 0 &&
	    (reply->rcode == DNS_RCODE_NOERROR ||
	    reply->rcode == DNS_RCODE_NXDOMAIN)) {
		now = dns_now(dns);
		dns_entry_drop_reply(e);
		e->reply = reply;
		dns->nreplies++;
		e->fetched_ms = now;
		e->expires_ms = now + (ans.ttl < DNS_CACHE_TTL_MAX_S ?
		    ans.ttl : DNS_CACHE_TTL_MAX_S) * 1000;
	}

	/*
	 * Take the waiters first: a check may look up more names while it
	 * takes this answer, and none of those lookups may land here.
	 */
	TAILQ_INIT(&waiters);
	while ((w = TAILQ_FIRST(&e->waiters)) != NULL) {
		TAILQ_REMOVE(&e->waiters, w, entry_link);
		TAILQ_INSERT_TAIL(&waiters, w, entry_link);
	}
	while ((w = TAILQ_FIRST(&waiters)) != NULL) {
		TAILQ_REMOVE(&waiters, w, entry_link);
		c = w->check;
		TAILQ_REMOVE(&c->waiters, w, check_link);
		dns_apply(c, w->kind, w->index, e->type, reply);
		dns_start_ptr_forwards(c);
		dns_waiter_free(dns, w);
		if (--c->pending == 0)
			dns_check_finish(c);
	}
	if (reply != e->reply)
		dns_reply_free(dns, reply);
	dns_entry_idle(e);
}

static void
dns_on_answer_const(void *arg, int status, int timeouts,
    const unsigned char *abuf, int alen)
{
	(void)timeouts;
	dns_on_answer(arg, status, abuf, alen);
}

static void
dns_on_answer_mutable(void *arg, int status, int timeouts,
    unsigned char *abuf, int alen)
{
	(void)timeouts;
	dns_on_answer(arg, status, abuf, alen);
}

/* Run the callbacks of finished checks.  Each may free any check. */
static void
dns_run_due(struct dns *dns)
{
	struct dns_check	*c;

	while ((c = TAILQ_FIRST(&dns->due)) != NULL) {
		TAILQ_REMOVE(&dns->due, c, due_entry);
		c->due = 0;
		if (c->done != NULL)
			c->done(c, c->arg);
	}
}

#if ARES_VERSION >= 0x012200
static void
dns_process_sockets(struct dns *dns, const struct pollfd *fds, size_t n)
{
	ares_fd_events_t	*events;
	size_t			 i, nevents = 0;

	events = xcalloc(n, sizeof *events);
	for (i = 0; i < n; i++) {
		if (fds[i].revents == 0 || (fds[i].revents & POLLNVAL))
			continue;
		events[nevents].fd = fds[i].fd;
		if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
			events[nevents].events |= ARES_FD_EVENT_READ;
		if (fds[i].revents & POLLOUT)
			events[nevents].events |= ARES_FD_EVENT_WRITE;
		nevents++;
	}
	/* With no events this still handles the timeouts. */
	ares_process_fds(dns->channel, events, nevents,
	    ARES_PROCESS_FLAG_NONE);
	free(events);
}
#else
static void
dns_process_sockets(struct dns *dns, const struct pollfd *fds, size_t n)
{
	ares_socket_t	rfd, wfd;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (fds[i].revents == 0 || (fds[i].revents & POLLNVAL))
			continue;
		rfd = wfd = ARES_SOCKET_BAD;
		if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
			rfd = fds[i].fd;
		if (fds[i].revents & POLLOUT)
			wfd = fds[i].fd;
		ares_process_fd(dns->channel, rfd, wfd);
	}
	/* No sockets: expire the queries whose time is up. */
	ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}
#endif

void
dns_process(struct dns *dns, const struct pollfd *fds, size_t n)
{
	dns_process_sockets(dns, fds, n);
	dns_pump(dns);
	dns_run_due(dns);
}

void
dns_run(struct dns *dns)
{
	struct pollfd	*fds = NULL;
	size_t		 size = 0, n, i;
	int		 timeout;

	while (dns_inflight(dns) > 0 || !TAILQ_EMPTY(&dns->due)) {
		if (size < dns->nsocks) {
			size = dns->nsocks;
			fds = xreallocarray(fds, size, sizeof *fds);
		}
		n = dns_pollfds(dns, fds, size);
		timeout = dns_timeout(dns, -1);
		if (poll(fds, n, timeout) == -1) {
			/*
			 * EINTR, or a failure that poll would repeat: drop
			 * the events and let c-ares see the time go by.
			 */
			for (i = 0; i < n; i++)
				fds[i].revents = 0;
			if (errno != EINTR)
				poll(NULL, 0, timeout);
		}
		dns_process(dns, fds, n);
	}
	free(fds);
}
