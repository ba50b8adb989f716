/*
 * Replay a fuzz target's corpus without libFuzzer: feed each file named on
 * the command line, or each file in a folder named there, to
 * LLVMFuzzerTestOneInput once.  "make check" runs it on fuzz/corpus/ so
 * every test run exercises the seeds and every saved crash input.
 *
 * usage: replay-NAME FILE|FOLDER...
 * Exits 0 after running every input; a failed check aborts the program.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Largest input replayed; the seeds and saved crashes are far smaller. */
#define REPLAY_INPUT_MAX	(16 * 1024 * 1024)

static size_t	replay_count;

static int
replay_file(const char *path)
{
	struct stat	 sb;
	uint8_t		*data;
	size_t		 done = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (sb.st_size > REPLAY_INPUT_MAX) {
		fprintf(stderr, "replay: %s is larger than %d bytes\n", path,
		    REPLAY_INPUT_MAX);
		close(fd);
		return -1;
	}
	/* One byte more, so that an empty file has a buffer too. */
	data = malloc((size_t)sb.st_size + 1);
	if (data == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		abort();
	}
	while (done < (size_t)sb.st_size) {
		n = read(fd, data + done, (size_t)sb.st_size - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "replay: cannot read %s: %s\n", path,
			    n == 0 ? "file shrank" : strerror(errno));
			free(data);
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	LLVMFuzzerTestOneInput(data, done);
	free(data);
	replay_count++;
	return 0;
}

/* Replay every regular file in dir, in name order. */
static int
replay_dir(const char *dir)
{
	struct dirent	**names;
	struct stat	  sb;
	char		 *path;
	int		  n, i, rc = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: cannot read folder %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (asprintf(&path, "%s/%s", dir,
			    names[i]->d_name) == -1)
				abort();
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    replay_file(path) == -1)
				rc = -1;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat	sb;
	int		i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 1;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (replay_dir(argv[i]) == -1)
				rc = 1;
		} else if (replay_file(argv[i]) == -1)
			rc = 1;
	}
	printf("%s: %zu inputs replayed\n", argv[0], replay_count);
	return rc;
}
