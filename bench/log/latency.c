/*
 * Memory latency probe for the log parsing benchmark.  It measures how
 * long one load from a random cache line takes as the memory that the
 * loads cover grows.  Each thread follows a chain of pointers through
 * its own buffer, every line once in a random order, so each load waits
 * for the one before.  The size from which a load takes much longer is the
 * cache that the client tables of smtptriage must fit in to count at
 * cache speed (docs/performance.md).
 *
 *	bench_latency [-t threads] [-n loads] [MiB ...]
 *
 * With -t 2 both threads run at once, as the two part workers of
 * smtptriage do.  The defaults are one thread, 20,000,000 loads per
 * thread and sizes from 1 to 256 MiB per thread.
 */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LATENCY_LINE		64
#define LATENCY_THREADS_MAX	16
#define LATENCY_SIZES_MAX	64
/*
 * The largest size per thread, so that the number of lines, 16,384 per
 * MiB, stays below 2^32 for the shuffle's 32-bit line numbers.
 */
#define LATENCY_MIB_MAX		262143
/* Buffers start at a 2 MiB boundary, so huge pages can back them. */
#define LATENCY_ALIGN		((size_t)2 << 20)

struct latency_thread {
	pthread_t	 tid;
	size_t		 bytes;
	uint64_t	 loads;
	uint64_t	 seed;
	double		 ns;		/* per load */
	int		 error;
};

static pthread_barrier_t	latency_start;

static double
latency_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Return the next number of xorshift64*, the same sequence for a seed. */
static uint64_t
latency_random(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/*
 * Link the lines of buf into one cycle in a random order, with the first
 * word of each line pointing to the next line.  Returns the first line.
 */
static void *
latency_link(char *buf, size_t lines, uint64_t seed)
{
	uint32_t	*order;
	uint32_t	 tmp;
	size_t		 i, j;

	if ((order = calloc(lines, sizeof *order)) == NULL)
		return NULL;
	for (i = 0; i < lines; i++)
		order[i] = (uint32_t)i;
	for (i = lines - 1; i > 0; i--) {
		j = (size_t)(latency_random(&seed) % (i + 1));
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < lines; i++) {
		void	*next = buf + (size_t)order[(i + 1) % lines] *
		    LATENCY_LINE;

		memcpy(buf + (size_t)order[i] * LATENCY_LINE, &next,
		    sizeof next);
	}
	i = order[0];
	free(order);
	return buf + i * LATENCY_LINE;
}

static void *
latency_run(void *arg)
{
	struct latency_thread	*t = arg;
	size_t			 lines = t->bytes / LATENCY_LINE, i;
	uint64_t		 n;
	char			*buf;
	void			*mem, *p;
	double			 t0, t1;

	if ((t->error = posix_memalign(&mem, LATENCY_ALIGN, t->bytes)) != 0) {
		pthread_barrier_wait(&latency_start);
		return NULL;
	}
	buf = mem;
	(void)madvise(buf, t->bytes, MADV_HUGEPAGE);
	p = latency_link(buf, lines, t->seed);
	if (p == NULL)
		t->error = ENOMEM;
	else {
		/* One round to map the pages and warm what fits. */
		for (i = 0; i < lines; i++)
			p = *(void **)p;
	}
	pthread_barrier_wait(&latency_start);
	if (t->error == 0) {
		t0 = latency_now();
		for (n = 0; n < t->loads; n++)
			p = *(void **)p;
		t1 = latency_now();
		t->ns = (t1 - t0) * 1e9 / (double)t->loads;
		/* Keep the chain from being optimized away. */
		if (p == NULL)
			t->error = EFAULT;
	}
	free(buf);
	return NULL;
}

/* Return the largest size per thread, lower where size_t has 32 bits. */
static unsigned long long
latency_size_max(void)
{
	unsigned long long	max = LATENCY_MIB_MAX;

	if ((SIZE_MAX >> 20) < max)
		max = SIZE_MAX >> 20;
	return max;
}

/* Print the usage to out and exit with status. */
static void
latency_usage_to(FILE *out, int status)
{
	fprintf(out, "usage: bench_latency [-h] [-t threads] [-n loads] "
	    "[MiB ...]\n"
	    "  -h          print this help\n"
	    "  -t threads  threads that run at once, 1 to %d (default 1)\n"
	    "  -n loads    loads per thread and size (default 20000000)\n"
	    "  MiB         buffer size per thread, 1 to %llu MiB, up to %d "
	    "sizes\n"
	    "              (default 1 2 4 8 12 16 20 24 32 64 128 256)\n",
	    LATENCY_THREADS_MAX, latency_size_max(), LATENCY_SIZES_MAX);
	exit(status);
}

static void
latency_usage(void)
{
	latency_usage_to(stderr, 2);
}

/*
 * Parse s, the value named by label, as a whole number from 1 to max.
 * When it is invalid, print why and the usage, and exit.
 */
static unsigned long long
latency_number(const char *s, const char *label, unsigned long long max)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max ||
	    s[0] == '-') {
		fprintf(stderr, "bench_latency: invalid %s \"%s\": expected "
		    "a whole number from 1 to %llu\n", label, s, max);
		latency_usage();
	}
	return v;
}

/*
 * Exit with a message when the buffers of one size, with the shuffle
 * arrays of 4 bytes per line, would take more than half of the RAM,
 * where the kernel could kill the process instead of failing the
 * allocation.  NOTE: this is only a rough guard, because it compares
 * with all of the RAM, not with what other programs leave free.
 */
static void
latency_check_ram(unsigned mib, size_t nthreads)
{
	long			 pages = sysconf(_SC_PHYS_PAGES);
	long			 page = sysconf(_SC_PAGESIZE);
	unsigned long long	 ram, need;

	if (pages <= 0 || page <= 0)
		return;
	ram = (unsigned long long)pages * (unsigned long long)page >> 20;
	need = ((unsigned long long)mib * nthreads * 17 + 15) / 16;
	if (need > ram / 2) {
		fprintf(stderr, "bench_latency: %zu %s of %u MiB %s %llu MiB "
		    "with the shuffle's index, more than half of the %llu MiB "
		    "of RAM; use smaller sizes or fewer threads (-t)\n",
		    nthreads, nthreads == 1 ? "thread" : "threads", mib,
		    nthreads == 1 ? "needs" : "need", need, ram);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	static const unsigned	 defaults[] = { 1, 2, 4, 8, 12, 16, 20, 24,
	    32, 64, 128, 256 };
	struct latency_thread	 threads[LATENCY_THREADS_MAX];
	unsigned		 sizes[LATENCY_SIZES_MAX];
	size_t			 nsizes = 0, nthreads = 1, s, k;
	uint64_t		 loads = 20000000;
	double			 sum, max;
	int			 ch, rc;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		latency_usage_to(stdout, 0);
	while ((ch = getopt(argc, argv, ":ht:n:")) != -1) {
		switch (ch) {
		case 'h':
			latency_usage_to(stdout, 0);
			break;
		case 't':
			nthreads = (size_t)latency_number(optarg,
			    "thread count", LATENCY_THREADS_MAX);
			break;
		case 'n':
			loads = latency_number(optarg, "load count",
			    1000000000000ULL);
			break;
		case ':':
			fprintf(stderr, "bench_latency: option -%c needs a "
			    "value\n", optopt);
			latency_usage();
			break;
		default:
			fprintf(stderr, "bench_latency: unknown option -%c\n",
			    optopt);
			latency_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > LATENCY_SIZES_MAX) {
		fprintf(stderr, "bench_latency: too many sizes (%d), at most "
		    "%d\n", argc, LATENCY_SIZES_MAX);
		latency_usage();
	}
	for (k = 0; k < (size_t)argc; k++)
		sizes[nsizes++] = (unsigned)latency_number(argv[k], "size",
		    latency_size_max());
	if (nsizes == 0) {
		for (k = 0; k < sizeof defaults / sizeof defaults[0]; k++)
			sizes[nsizes++] = defaults[k];
	}

	for (s = 0; s < nsizes; s++)
		latency_check_ram(sizes[s], nthreads);

	printf("threads %zu, loads %llu per thread\n", nthreads,
	    (unsigned long long)loads);
	printf("%8s %12s %12s\n", "MiB", "mean ns", "slowest ns");
	for (s = 0; s < nsizes; s++) {
		rc = pthread_barrier_init(&latency_start, NULL,
		    (unsigned)nthreads);
		if (rc != 0) {
			fprintf(stderr, "bench_latency: pthread_barrier_init "
			    "failed: %s\n", strerror(rc));
			return 1;
		}
		for (k = 0; k < nthreads; k++) {
			memset(&threads[k], 0, sizeof threads[k]);
			threads[k].bytes = (size_t)sizes[s] << 20;
			threads[k].loads = loads;
			threads[k].seed = 0x9e3779b97f4a7c15ULL + k;
			rc = pthread_create(&threads[k].tid, NULL,
			    latency_run, &threads[k]);
			if (rc != 0) {
				fprintf(stderr, "bench_latency: pthread_create "
				    "failed: %s\n", strerror(rc));
				return 1;
			}
		}
		sum = max = 0;
		for (k = 0; k < nthreads; k++) {
			pthread_join(threads[k].tid, NULL);
			if (threads[k].error != 0) {
				fprintf(stderr, "bench_latency: measuring %u "
				    "MiB failed: %s\n", sizes[s],
				    strerror(threads[k].error));
				return 1;
			}
			sum += threads[k].ns;
			if (threads[k].ns > max)
				max = threads[k].ns;
		}
		pthread_barrier_destroy(&latency_start);
		printf("%8u %12.1f %12.1f\n", sizes[s], sum / (double)nthreads,
		    max);
		fflush(stdout);
	}
	return 0;
}
