/*
 * The DNS engine: one c-ares channel driven by the caller's poll(2) loop.
 *
 * Sockets reach the caller through the socket-state callback, and the
 * poll timeout comes from ares_timeout.  Each c-ares query carries a small
 * struct dns_query that names its check by slot and id, never by pointer:
 * a check freed while its queries are still out is simply not found when
 * the answers arrive.  At most max_inflight queries are handed to c-ares;
 * the rest wait in a FIFO and go out as answers come back.
 *
 * ARES_FLAG_NOCHECKRESP makes c-ares return SERVFAIL and REFUSED answers
 * as they are instead of retrying them on the next server, so the rcode
 * shown is the one the server gave.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Newer c-ares releases mark ares_query deprecated, but it still works. */
#define CARES_NO_DEPRECATED
#include <ares.h>

#include "dns.h"
#include "xmalloc.h"

#define DNS_CLASS_IN	1

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
};

/* One query: waiting in dns->queue, or owned by c-ares until answered. */
struct dns_query {
	struct dns		*dns;
	uint64_t		 check_id;
	size_t			 slot;
	enum dns_query_kind	 kind;
	size_t			 index;
	int			 type;
	char			 name[DNS_HOST_NAME_MAX + 2];
	TAILQ_ENTRY(dns_query)	 entry;
};
TAILQ_HEAD(dns_queries, dns_query);

struct dns_check {
	struct dns		*dns;
	uint64_t		 id;
	size_t			 slot;
	struct event_addr	 addr;
	struct dns_result	 result;
	size_t			 pending;	/* queries queued or sent */
	size_t			 queued;	/* of those, still queued */
	int			 due;		/* on dns->due */
	dns_check_cb		 done;
	void			*arg;
	TAILQ_ENTRY(dns_check)	 due_entry;
};
TAILQ_HEAD(dns_checks, dns_check);

struct dns_sock {
	int	fd;
	short	events;
};

struct dns {
	ares_channel		 channel;
	size_t			 max_inflight;

	/* Sockets c-ares wants polled, kept by dns_on_sock_state. */
	struct dns_sock		*socks;
	size_t			 nsocks;
	size_t			 socks_size;

	/* Checks by slot.  A query finds its check here and compares the id. */
	struct dns_check	**slots;
	size_t			 nslots;
	size_t			*free_slots;
	size_t			 nfree;
	uint64_t		 next_id;

	struct dns_queries	 queue;		/* waiting for a free slot */
	size_t			 nqueued;
	size_t			 sent;		/* owned by c-ares */

	struct dns_checks	 due;		/* finished, callback not run */
};

static void	dns_on_sock_state(void *, ares_socket_t, int, int);
static void	dns_on_answer_const(void *, int, int, const unsigned char *,
		    int);
static void	dns_on_answer_mutable(void *, int, int, unsigned char *, int);

struct dns *
dns_create(const struct dns_config *cfg, char **cause)
{
	struct ares_options	 opts;
	struct dns		*dns;
	int			 optmask, rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		xasprintf(cause, "c-ares initialisation failed: %s",
		    ares_strerror(rc));
		return NULL;
	}

	dns = xcalloc(1, sizeof *dns);
	TAILQ_INIT(&dns->queue);
	TAILQ_INIT(&dns->due);
	dns->next_id = 1;
	dns->max_inflight = cfg->max_inflight > 0 ? (size_t)cfg->max_inflight :
	    DNS_MAX_INFLIGHT_DEFAULT;

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
dns_check_release(struct dns_check *c)
{
	struct dns	*dns = c->dns;
	struct dns_query *q, *next;
	size_t		 i;

	if (c->queued > 0) {
		for (q = TAILQ_FIRST(&dns->queue); q != NULL; q = next) {
			next = TAILQ_NEXT(q, entry);
			if (q->check_id != c->id)
				continue;
			TAILQ_REMOVE(&dns->queue, q, entry);
			dns->nqueued--;
			free(q);
		}
	}
	if (c->due)
		TAILQ_REMOVE(&dns->due, c, due_entry);

	dns->slots[c->slot] = NULL;
	dns->free_slots[dns->nfree++] = c->slot;

	for (i = 0; i < c->result.nptr; i++)
		free(c->result.ptr[i].name);
	for (i = 0; i < c->result.nhelo; i++)
		free(c->result.helo[i].name);
	free(c);
}

void
dns_free(struct dns *dns)
{
	size_t	i;

	if (dns == NULL)
		return;
	for (i = 0; i < dns->nslots; i++) {
		if (dns->slots[i] != NULL)
			dns_check_release(dns->slots[i]);
	}
	/*
	 * ares_destroy runs the callback of every query still out, with
	 * ARES_EDESTRUCTION.  They find no check and only free themselves.
	 */
	ares_destroy(dns->channel);
	ares_library_cleanup();

	free(dns->slots);
	free(dns->free_slots);
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

int
dns_timeout(struct dns *dns, int max_ms)
{
	struct timeval	 maxtv, tv, *tvp;
	long long	 ms;

	if (!TAILQ_EMPTY(&dns->due))
		return 0;
	if (dns->sent == 0)
		return -1;

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

static struct dns_check *
dns_check_find(struct dns *dns, size_t slot, uint64_t id)
{
	struct dns_check	*c;

	if (slot >= dns->nslots || (c = dns->slots[slot]) == NULL ||
	    c->id != id)
		return NULL;
	return c;
}

/* Hand waiting queries to c-ares while fewer than max_inflight are out. */
static void
dns_pump(struct dns *dns)
{
	struct dns_query	*q;
	struct dns_check	*c;

	while (dns->sent < dns->max_inflight &&
	    (q = TAILQ_FIRST(&dns->queue)) != NULL) {
		TAILQ_REMOVE(&dns->queue, q, entry);
		dns->nqueued--;
		if ((c = dns_check_find(dns, q->slot, q->check_id)) != NULL)
			c->queued--;
		dns->sent++;
		/* The callback may run before ares_query returns. */
		ares_query(dns->channel, q->name, DNS_CLASS_IN, q->type,
		    DNS_ON_ANSWER, q);
	}
}

static void
dns_enqueue(struct dns_check *c, enum dns_query_kind kind, size_t index,
    int type, const char *name)
{
	struct dns		*dns = c->dns;
	struct dns_query	*q;
	size_t			 len;

	q = xcalloc(1, sizeof *q);
	q->dns = dns;
	q->check_id = c->id;
	q->slot = c->slot;
	q->kind = kind;
	q->index = index;
	q->type = type;
	len = strlen(name);
	if (len >= sizeof q->name)
		len = sizeof q->name - 1;	/* callers pass valid names */
	memcpy(q->name, name, len);
	q->name[len] = '\0';

	TAILQ_INSERT_TAIL(&dns->queue, q, entry);
	dns->nqueued++;
	c->queued++;
	c->pending++;
}

static void
dns_enqueue_forward(struct dns_check *c, enum dns_query_kind kind,
    size_t index, const char *name)
{
	dns_enqueue(c, kind, index, DNS_TYPE_A, name);
	dns_enqueue(c, kind, index, DNS_TYPE_AAAA, name);
}

static void
dns_set_forward_rcode(struct dns_addrlist *f, enum dns_rcode rcode)
{
	f->rcode_a = rcode;
	f->rcode_aaaa = rcode;
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
	dns_enqueue_forward(c, DNS_QUERY_HELO, index, h->name);
}

static size_t
dns_slot_get(struct dns *dns)
{
	size_t	i, old;

	if (dns->nfree == 0) {
		old = dns->nslots;
		dns->nslots = old == 0 ? 16 : old * 2;
		dns->slots = xreallocarray(dns->slots, dns->nslots,
		    sizeof *dns->slots);
		dns->free_slots = xreallocarray(dns->free_slots, dns->nslots,
		    sizeof *dns->free_slots);
		/* Push in reverse, so low slots are taken first. */
		for (i = dns->nslots; i > old; i--) {
			dns->slots[i - 1] = NULL;
			dns->free_slots[dns->nfree++] = i - 1;
		}
	}
	return dns->free_slots[--dns->nfree];
}

/* Mark c finished; its callback runs from dns_process. */
static void
dns_check_finish(struct dns_check *c)
{
	c->result.done = 1;
	c->result.checked_at = time(NULL);
	dns_result_judge(&c->result, &c->addr);
	c->due = 1;
	TAILQ_INSERT_TAIL(&c->dns->due, c, due_entry);
}

struct dns_check *
dns_check_start(struct dns *dns, const struct event_addr *addr,
    const char *const *helos, size_t nhelos, dns_check_cb done, void *arg)
{
	struct dns_check	*c;
	char			 reverse[DNS_REVERSE_NAME_MAX];
	size_t			 i;

	c = xcalloc(1, sizeof *c);
	c->dns = dns;
	c->id = dns->next_id++;
	c->slot = dns_slot_get(dns);
	c->addr = *addr;
	c->done = done;
	c->arg = arg;
	dns->slots[c->slot] = c;

	if (dns_reverse_name(addr, reverse, sizeof reverse) == 0)
		dns_enqueue(c, DNS_QUERY_PTR, 0, DNS_TYPE_PTR, reverse);
	else
		c->result.ptr_rcode = DNS_RCODE_INVALID;

	for (i = 0; i < nhelos && c->result.nhelo < DNS_HELOS_MAX; i++) {
		if (helos[i] != NULL)
			dns_start_helo(c, helos[i]);
	}

	dns_result_judge(&c->result, &c->addr);
	if (c->pending == 0)
		dns_check_finish(c);
	dns_pump(dns);
	return c;
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

static void
dns_addrlist_add(struct dns_addrlist *f, const struct dns_answer *ans)
{
	size_t	i;

	for (i = 0; i < ans->naddrs && f->count < DNS_ADDRS_MAX; i++)
		f->addrs[f->count++] = ans->addrs[i];
}

static void
dns_apply_forward(struct dns_addrlist *f, int type,
    const struct dns_answer *ans)
{
	if (type == DNS_TYPE_A)
		f->rcode_a = ans->rcode;
	else
		f->rcode_aaaa = ans->rcode;
	dns_addrlist_add(f, ans);
}

static void
dns_apply_ptr(struct dns_check *c, struct dns_answer *ans)
{
	struct dns_result	*r = &c->result;
	struct dns_ptrname	*p;
	size_t			 i;

	r->ptr_rcode = ans->rcode;
	for (i = 0; i < ans->nnames && r->nptr < DNS_NAMES_MAX; i++) {
		p = &r->ptr[r->nptr];
		p->name = ans->names[i];
		ans->names[i] = NULL;	/* the result owns it now */
		p->invalid = dns_name_invalid(p->name);
		if (p->invalid != NULL)
			dns_set_forward_rcode(&p->forward, DNS_RCODE_INVALID);
		else
			dns_enqueue_forward(c, DNS_QUERY_PTR_FORWARD, r->nptr,
			    p->name);
		r->nptr++;
	}
}

/* Record the answer to q (abuf is NULL when none came) and free q. */
static void
dns_on_answer(struct dns_query *q, int status, const unsigned char *abuf,
    int alen)
{
	struct dns		*dns = q->dns;
	struct dns_check	*c;
	struct dns_answer	 ans;
	struct dns_helo		*h;

	dns->sent--;
	/* A missing check was freed, or the channel is being destroyed. */
	if ((c = dns_check_find(dns, q->slot, q->check_id)) == NULL) {
		free(q);
		return;
	}

	if (abuf != NULL && alen > 0)
		dns_answer_parse(abuf, (size_t)alen, q->type, &ans);
	else {
		memset(&ans, 0, sizeof ans);
		ans.rcode = dns_rcode_from_status(status);
	}

	switch (q->kind) {
	case DNS_QUERY_PTR:
		dns_apply_ptr(c, &ans);
		break;
	case DNS_QUERY_PTR_FORWARD:
		dns_apply_forward(&c->result.ptr[q->index].forward, q->type,
		    &ans);
		break;
	case DNS_QUERY_HELO:
		h = &c->result.helo[q->index];
		dns_apply_forward(&h->forward, q->type, &ans);
		h->rcode = dns_helo_rcode(&h->forward);
		break;
	}
	dns_answer_clear(&ans);
	free(q);

	c->pending--;
	dns_result_judge(&c->result, &c->addr);
	if (c->pending == 0)
		dns_check_finish(c);
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
