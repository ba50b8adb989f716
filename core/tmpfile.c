/* Temporary files of atomic writes and their cleanup; see tmpfile.h. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tmpfile.h"
#include "xmalloc.h"

/* Characters that mkstemp puts in place of its six X. */
#define TMPFILE_RANDOM_LEN	6
/* Longest "/proc/self/fd/N". */
#define TMPFILE_PROC_MAX	64

int
tmpfile_open_unnamed(const char *dir)
{
	return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
}

int
tmpfile_link(int fd, const char *path)
{
	char	proc[TMPFILE_PROC_MAX];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT || access("/proc/self/fd", F_OK) == 0)
		return -1;
	/* Without /proc, AT_EMPTY_PATH works for CAP_DAC_READ_SEARCH only. */
	if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == EPERM || errno == ENOENT)
		errno = ENOTSUP;
	return -1;
}

/* Check that entry is ".NAME.XXXXXX" for name, or a name ending in suffix. */
static int
tmpfile_matches(const char *entry, const char *name, const char *suffix)
{
	const char	*random, *middle = entry + 1;
	size_t		 len = strlen(entry), mlen, slen, i;

	if (entry[0] != '.' || len < 1 + 1 + 1 + TMPFILE_RANDOM_LEN)
		return 0;
	random = entry + len - TMPFILE_RANDOM_LEN;
	if (random[-1] != '.')
		return 0;
	for (i = 0; i < TMPFILE_RANDOM_LEN; i++) {
		if (!((random[i] >= 'a' && random[i] <= 'z') ||
		    (random[i] >= 'A' && random[i] <= 'Z') ||
		    (random[i] >= '0' && random[i] <= '9')))
			return 0;
	}
	mlen = (size_t)(random - 1 - middle);
	if (name != NULL)
		return mlen == strlen(name) && memcmp(middle, name, mlen) == 0;
	slen = strlen(suffix);
	return mlen > slen && memcmp(middle + mlen - slen, suffix, slen) == 0;
}

/*
 * Remove the temporary file entry of the folder dfd if it is stale.  The
 * lock shows whether a writer still owns it, and the checks run on the
 * opened file, so a file swapped in meanwhile is left alone.
 */
static int
tmpfile_remove_stale(int dfd, const char *entry, time_t now)
{
	struct stat	sb, fsb;
	int		fd, removed = 0;

	if (fstatat(dfd, entry, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    sb.st_mtime > now - TMPFILE_STALE_S)
		return 0;
	fd = openat(dfd, entry, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &fsb) == 0 && fsb.st_dev == sb.st_dev &&
	    fsb.st_ino == sb.st_ino && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    unlinkat(dfd, entry, 0) == 0)
		removed = 1;
	close(fd);
	return removed;
}

size_t
tmpfile_clean(const char *dir, const char *name, const char *suffix)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 removed = 0;
	time_t		 now = time(NULL);

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (tmpfile_matches(de->d_name, name, suffix))
			removed += (size_t)tmpfile_remove_stale(dirfd(d),
			    de->d_name, now);
	}
	closedir(d);
	return removed;
}

size_t
tmpfile_clean_for(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	size_t		 removed;

	if (slash == NULL)
		return tmpfile_clean(".", path, NULL);
	if (slash[1] == '\0')
		return 0;
	dir = slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	removed = tmpfile_clean(dir, slash + 1, NULL);
	free(dir);
	return removed;
}
