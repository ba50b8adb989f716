/*
 * Baseline for the log parsing benchmark: count the lines of a file with
 * memchr over pread buffers, in one or more threads that each take an
 * equal byte range.  This is the floor for any reader that looks at every
 * byte once.
 *
 *	linecount [-t threads] file
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes read at a time: fits in the L2 cache of current CPUs. */
#define LINECOUNT_BUF_SIZE	(256 * 1024)
#define LINECOUNT_THREADS_MAX	64

struct linecount_part {
	int		 fd;
	uint64_t	 from;
	uint64_t	 to;
	uint64_t	 lines;
	int		 error;
};

static void *
linecount_run(void *arg)
{
	struct linecount_part	*part = arg;
	char			*buf, *p, *end;
	uint64_t		 off = part->from;
	ssize_t			 n;
	size_t			 want;

	if ((buf = malloc(LINECOUNT_BUF_SIZE)) == NULL) {
		part->error = ENOMEM;
		return NULL;
	}
	while (off < part->to) {
		want = part->to - off < LINECOUNT_BUF_SIZE ?
		    (size_t)(part->to - off) : LINECOUNT_BUF_SIZE;
		n = pread(part->fd, buf, want, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			part->error = n == 0 ? EIO : errno;
			break;
		}
		end = buf + n;
		for (p = buf; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p++)
			part->lines++;
		off += (uint64_t)n;
	}
	free(buf);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct linecount_part	 parts[LINECOUNT_THREADS_MAX];
	pthread_t		 tids[LINECOUNT_THREADS_MAX];
	struct stat		 sb;
	uint64_t		 total = 0, step;
	long			 threads = 1;
	int			 ch, fd, i;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		if (ch != 't')
			goto usage;
		threads = strtol(optarg, NULL, 10);
		if (threads < 1 || threads > LINECOUNT_THREADS_MAX)
			goto usage;
	}
	if (optind + 1 != argc)
		goto usage;
	if ((fd = open(argv[optind], O_RDONLY)) == -1 ||
	    fstat(fd, &sb) == -1) {
		fprintf(stderr, "linecount: %s: %s\n", argv[optind],
		    strerror(errno));
		return 1;
	}
	step = (uint64_t)sb.st_size / (uint64_t)threads;
	for (i = 0; i < threads; i++) {
		parts[i].fd = fd;
		parts[i].from = step * (uint64_t)i;
		parts[i].to = i == threads - 1 ? (uint64_t)sb.st_size :
		    step * (uint64_t)(i + 1);
		parts[i].lines = 0;
		parts[i].error = 0;
		if (pthread_create(&tids[i], NULL, linecount_run,
		    &parts[i]) != 0) {
			fprintf(stderr, "linecount: cannot start a thread\n");
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(tids[i], NULL);
		if (parts[i].error != 0) {
			fprintf(stderr, "linecount: %s: %s\n", argv[optind],
			    strerror(parts[i].error));
			return 1;
		}
		total += parts[i].lines;
	}
	printf("%" PRIu64 "\n", total);
	return 0;

usage:
	fprintf(stderr, "usage: linecount [-t threads] file\n");
	return 2;
}
