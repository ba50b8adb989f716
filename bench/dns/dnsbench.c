/*
 * The DNS throughput benchmark: check many distinct IPv4 addresses
 * against one DNS server with smtptriage's engine (core/dns.c) and with a
 * bare c-ares loop that asks the same questions, and print the queries
 * per second of each.
 *
 *	dnsbench SERVER FIRST COUNT INFLIGHT ROUNDS [bulk|list|bare]
 *
 * SERVER is "127.0.0.1:PORT", FIRST the first address (then FIRST+1, ...),
 * COUNT the number of addresses, INFLIGHT the most queries out at once in
 * every loop, ROUNDS how often each loop runs (they take turns).  For each
 * address every loop asks its PTR record, then the A and AAAA records of
 * the name found, as a check without HELO names does.  The engine runs
 * two ways:
 *	bulk	as the console's bulk re-check: checks start while fewer
 *		than twice INFLIGHT queries are out or queued, and each is
 *		freed when it finishes
 *	list	as "smtptriage list --dns": every check starts at once and
 *		all results are kept until the end
 * Each run prints "bulk|list|bare QUERIES SECONDS QPS", and the last line
 * gives the medians and the ratios to the bare loop.  SECONDS runs from
 * the first query to the last answer: setting up and freeing the channel,
 * the engine and its cache are not counted in any loop.  The last line
 * also gives the median CPU time (user and system, of this process) per
 * query, which other load on the machine changes less than the rate.  Naming one loop
 * runs only that one, for a profiler.
 *
 * Under valgrind --tool=callgrind --collect-atstart=no, instructions are
 * counted only between the same two points as SECONDS, so the counts of
 * the loops compare directly (see docs/performance.md).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CARES_NO_DEPRECATED
#include <ares.h>

#include "dns.h"
#include "xmalloc.h"

/* Callgrind's client requests do nothing when not run under valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_COLLECT()	CALLGRIND_TOGGLE_COLLECT
#endif
#endif
#ifndef BENCH_COLLECT
#define BENCH_COLLECT()	do { } while (0)
#endif

#define BENCH_SOCKS_MAX		64
#define BENCH_ROUNDS_MAX	41
#define BENCH_CLASS_IN		1

/* CPU seconds used by this process so far, user and system. */
static double
bench_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the timed part of the last run. */
static double	run_cpu;

/* Start or stop the timed part of a run: the clocks and callgrind. */
static void
bench_timed_start(double *secs)
{
	*secs = bench_now();
	run_cpu = bench_cpu();
	BENCH_COLLECT();
}

static void
bench_timed_stop(double *secs)
{
	BENCH_COLLECT();
	*secs = bench_now() - *secs;
	run_cpu = bench_cpu() - run_cpu;
}

/* The bare loop: its channel, sockets, and the names still to ask. */
struct bare {
	ares_channel	 channel;
	struct pollfd	 socks[BENCH_SOCKS_MAX];
	size_t		 nsocks;
	uint32_t	 first;
	size_t		 count;
	size_t		 next;		/* next address to ask PTR of */
	char		**names;	/* PTR names whose A and AAAA wait */
	size_t		 nnames, names_head, names_size;
	size_t		 inflight, max_inflight;
	uint64_t	 queries;
	int		 failed;
};

static void
bare_sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct bare	*b = arg;
	size_t		 i;

	for (i = 0; i < b->nsocks; i++) {
		if (b->socks[i].fd == fd)
			break;
	}
	if (!readable && !writable) {
		if (i < b->nsocks)
			b->socks[i] = b->socks[--b->nsocks];
		return;
	}
	if (i == b->nsocks) {
		if (b->nsocks == BENCH_SOCKS_MAX) {
			fprintf(stderr, "dnsbench: more than %d sockets\n",
			    BENCH_SOCKS_MAX);
			exit(1);
		}
		b->nsocks++;
	}
	b->socks[i].fd = fd;
	b->socks[i].events = (short)((readable ? POLLIN : 0) |
	    (writable ? POLLOUT : 0));
}

static void	bare_pump(struct bare *);

/* Callback of A and AAAA queries: count the answer. */
static void
bare_forward_cb(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct bare	*b = arg;

	(void)timeouts;
	(void)abuf;
	(void)alen;
	b->inflight--;
	if (status != ARES_SUCCESS && status != ARES_ENODATA)
		b->failed++;
}

/* Callback of PTR queries: keep the name for its A and AAAA queries. */
static void
bare_ptr_cb(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct bare	*b = arg;
	struct hostent	*host = NULL;

	(void)timeouts;
	b->inflight--;
	if (status != ARES_SUCCESS ||
	    ares_parse_ptr_reply(abuf, alen, NULL, 0, AF_INET, &host) !=
	    ARES_SUCCESS) {
		b->failed++;
		return;
	}
	if (b->nnames == b->names_size) {
		b->names_size = b->names_size == 0 ? 1024 : b->names_size * 2;
		b->names = xreallocarray(b->names, b->names_size,
		    sizeof *b->names);
	}
	b->names[b->nnames++] = xstrdup(host->h_name);
	ares_free_hostent(host);
}

/* Send queries while fewer than max_inflight are out: names first. */
static void
bare_pump(struct bare *b)
{
	char		reverse[64];
	uint32_t	a;

	while (b->inflight < b->max_inflight) {
		if (b->names_head < b->nnames) {
			b->inflight += 2;
			b->queries += 2;
			ares_query(b->channel, b->names[b->names_head],
			    BENCH_CLASS_IN, DNS_TYPE_A,
			    (ares_callback)bare_forward_cb, b);
			ares_query(b->channel, b->names[b->names_head],
			    BENCH_CLASS_IN, DNS_TYPE_AAAA,
			    (ares_callback)bare_forward_cb, b);
			free(b->names[b->names_head]);
			b->names[b->names_head++] = NULL;
			continue;
		}
		if (b->next == b->count)
			break;
		a = b->first + (uint32_t)b->next++;
		snprintf(reverse, sizeof reverse, "%u.%u.%u.%u.in-addr.arpa",
		    a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, a >> 24);
		b->inflight++;
		b->queries++;
		ares_query(b->channel, reverse, BENCH_CLASS_IN, DNS_TYPE_PTR,
		    (ares_callback)bare_ptr_cb, b);
	}
}

static uint64_t
bare_run(const char *server, uint32_t first, size_t count, size_t inflight,
    int *failed, double *secs)
{
	struct ares_options	 opts;
	struct bare		 b;
	struct timeval		 tv, *tvp;
	size_t			 i;
	int			 timeout;

	memset(&b, 0, sizeof b);
	b.first = first;
	b.count = count;
	b.max_inflight = inflight;
	memset(&opts, 0, sizeof opts);
	opts.flags = ARES_FLAG_NOCHECKRESP;
	opts.timeout = DNS_TIMEOUT_MS_DEFAULT;
	opts.tries = DNS_TRIES_DEFAULT;
	opts.sock_state_cb = bare_sock_state;
	opts.sock_state_cb_data = &b;
	if (ares_init_options(&b.channel, &opts, ARES_OPT_FLAGS |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB) !=
	    ARES_SUCCESS || ares_set_servers_ports_csv(b.channel, server) !=
	    ARES_SUCCESS) {
		fprintf(stderr, "dnsbench: cannot set up c-ares\n");
		exit(1);
	}

	bench_timed_start(secs);
	bare_pump(&b);
	while (b.inflight > 0) {
		tvp = ares_timeout(b.channel, NULL, &tv);
		timeout = tvp == NULL ? -1 : (int)(tvp->tv_sec * 1000 +
		    (tvp->tv_usec + 999) / 1000);
		for (i = 0; i < b.nsocks; i++)
			b.socks[i].revents = 0;
		if (poll(b.socks, b.nsocks, timeout) == -1 && errno != EINTR) {
			perror("dnsbench: poll");
			exit(1);
		}
		for (i = 0; i < b.nsocks; i++) {
			if (b.socks[i].revents == 0)
				continue;
			ares_process_fd(b.channel,
			    (b.socks[i].revents & (POLLIN | POLLERR |
			    POLLHUP)) ? b.socks[i].fd : ARES_SOCKET_BAD,
			    (b.socks[i].revents & POLLOUT) ? b.socks[i].fd :
			    ARES_SOCKET_BAD);
		}
		ares_process_fd(b.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		bare_pump(&b);
	}
	bench_timed_stop(secs);
	ares_destroy(b.channel);
	free(b.names);
	*failed = b.failed;
	return b.queries;
}

static void
engine_addr(uint32_t v, struct event_addr *a)
{
	memset(a, 0, sizeof *a);
	a->family = AF_INET;
	a->bytes[0] = (uint8_t)(v >> 24);
	a->bytes[1] = (uint8_t)(v >> 16);
	a->bytes[2] = (uint8_t)(v >> 8);
	a->bytes[3] = (uint8_t)v;
}

static int	bulk_failed;

static void
bulk_done(struct dns_check *c, void *arg)
{
	(void)arg;
	if (dns_check_result(c)->fcrdns != DNS_VERDICT_PASS)
		bulk_failed++;
	dns_check_free(c);
}

/* The engine as the console's bulk re-check drives it. */
static uint64_t
bulk_run(const char *server, uint32_t first, size_t count, size_t inflight,
    int *failed, double *secs)
{
	struct dns_config	 cfg;
	struct dns_stats	 st;
	struct dns		*dns;
	struct pollfd		 fds[BENCH_SOCKS_MAX];
	struct event_addr	 a;
	char			*cause;
	size_t			 next = 0, n;

	memset(&cfg, 0, sizeof cfg);
	cfg.servers = server;
	cfg.max_inflight = (int)inflight;
	if ((dns = dns_create(&cfg, &cause)) == NULL) {
		fprintf(stderr, "dnsbench: %s\n", cause);
		exit(1);
	}
	bulk_failed = 0;
	bench_timed_start(secs);
	for (;;) {
		while (next < count && dns_inflight(dns) < 2 * inflight) {
			engine_addr(first + (uint32_t)next++, &a);
			dns_check_begin(dns, &a, NULL, 0, DNS_CHECK_FRESH,
			    bulk_done, NULL);
		}
		if (next == count && dns_inflight(dns) == 0 &&
		    dns_timeout(dns, 0) != 0)
			break;
		n = dns_pollfds(dns, fds, BENCH_SOCKS_MAX);
		if (poll(fds, n, dns_timeout(dns, -1)) == -1 &&
		    errno != EINTR) {
			perror("dnsbench: poll");
			exit(1);
		}
		dns_process(dns, fds, n);
	}
	bench_timed_stop(secs);
	*failed = bulk_failed;
	dns_get_stats(dns, &st);
	dns_free(dns);
	return st.sent;
}

/* The engine as "smtptriage list --dns" drives it. */
static uint64_t
engine_run(const char *server, uint32_t first, size_t count, size_t inflight,
    int *failed, double *secs)
{
	struct dns_config	  cfg;
	struct dns_stats	  st;
	struct dns		 *dns;
	struct dns_check	**checks;
	struct event_addr	  a;
	const struct dns_result	 *r;
	char			 *cause;
	size_t			  i;

	memset(&cfg, 0, sizeof cfg);
	cfg.servers = server;
	cfg.max_inflight = (int)inflight;
	if ((dns = dns_create(&cfg, &cause)) == NULL) {
		fprintf(stderr, "dnsbench: %s\n", cause);
		exit(1);
	}
	checks = xcalloc(count, sizeof *checks);
	bench_timed_start(secs);
	for (i = 0; i < count; i++) {
		engine_addr(first + (uint32_t)i, &a);
		checks[i] = dns_check_start(dns, &a, NULL, 0, NULL, NULL);
	}
	dns_run(dns);
	bench_timed_stop(secs);
	*failed = 0;
	for (i = 0; i < count; i++) {
		r = dns_check_result(checks[i]);
		if (r->fcrdns != DNS_VERDICT_PASS)
			(*failed)++;
		dns_check_free(checks[i]);
	}
	free(checks);
	dns_get_stats(dns, &st);
	dns_free(dns);
	return st.sent;
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	struct in_addr	 in;
	double		 bulk[BENCH_ROUNDS_MAX], list[BENCH_ROUNDS_MAX];
	double		 bare[BENCH_ROUNDS_MAX];
	double		 cpu[3][BENCH_ROUNDS_MAX];
	double		 secs, mbulk, mlist, mbare;
	uint64_t	 q;
	uint32_t	 first;
	size_t		 count, inflight;
	const char	*only = argc == 7 ? argv[6] : NULL;
	int		 rounds, i, failed;

	if ((argc != 6 && argc != 7) || inet_pton(AF_INET, argv[2], &in) != 1 ||
	    (count = strtoul(argv[3], NULL, 10)) == 0 ||
	    (inflight = strtoul(argv[4], NULL, 10)) == 0 ||
	    (rounds = atoi(argv[5])) < 1 || rounds > BENCH_ROUNDS_MAX) {
		fprintf(stderr, "usage: dnsbench SERVER FIRST COUNT INFLIGHT "
		    "ROUNDS (1 to %d) [bulk|list|bare]\n", BENCH_ROUNDS_MAX);
		return 1;
	}
	first = ntohl(in.s_addr);
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return 1;

	for (i = 0; i < rounds; i++) {
		bulk[i] = list[i] = bare[i] = 1;
		cpu[0][i] = cpu[1][i] = cpu[2][i] = 0;
		if (only != NULL && strcmp(only, "bulk") != 0)
			goto list;
		q = bulk_run(argv[1], first, count, inflight, &failed, &secs);
		bulk[i] = (double)q / secs;
		cpu[0][i] = run_cpu / (double)q * 1e6;
		printf("bulk %llu %.3f %.0f%s\n", (unsigned long long)q, secs,
		    bulk[i], failed ? " (some checks did not pass)" : "");
list:
		if (only != NULL && strcmp(only, "list") != 0)
			goto bare;
		q = engine_run(argv[1], first, count, inflight, &failed, &secs);
		list[i] = (double)q / secs;
		cpu[1][i] = run_cpu / (double)q * 1e6;
		printf("list %llu %.3f %.0f%s\n", (unsigned long long)q, secs,
		    list[i], failed ? " (some checks did not pass)" : "");
bare:
		if (only != NULL && strcmp(only, "bare") != 0)
			continue;

		q = bare_run(argv[1], first, count, inflight, &failed, &secs);
		bare[i] = (double)q / secs;
		cpu[2][i] = run_cpu / (double)q * 1e6;
		printf("bare %llu %.3f %.0f%s\n", (unsigned long long)q, secs,
		    bare[i], failed ? " (some queries failed)" : "");
		fflush(stdout);
	}
	mbulk = bench_median(bulk, rounds);
	mlist = bench_median(list, rounds);
	mbare = bench_median(bare, rounds);
	printf("median bulk %.0f list %.0f bare %.0f; bulk/bare %.3f, "
	    "list/bare %.3f\n", mbulk, mlist, mbare, mbulk / mbare,
	    mlist / mbare);
	printf("median CPU per query: bulk %.2f us, list %.2f us, bare "
	    "%.2f us\n", bench_median(cpu[0], rounds),
	    bench_median(cpu[1], rounds), bench_median(cpu[2], rounds));
	ares_library_cleanup();
	return 0;
}
