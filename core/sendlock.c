/*
 * The send lock.  flock(2) rather than a SQLite write transaction,
 * because sendmail may run for up to a minute under the lock, and a write
 * transaction held that long would make every mark and whitelist change
 * of the consoles wait for it.  The file is opened with O_CLOEXEC so the
 * sendmail child never inherits the lock.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sendlock.h"
#include "xmalloc.h"

/* Room for a pid in decimal and a line end. */
#define SENDLOCK_PID_SIZE	24

char *
sendlock_path(const char *state_path)
{
	char	*path;

	xasprintf(&path, "%s%s", state_path, SENDLOCK_SUFFIX);
	return path;
}

/* The pid that the holder wrote into fd, or 0. */
static pid_t
sendlock_holder(int fd)
{
	char	 buf[SENDLOCK_PID_SIZE], *end;
	ssize_t	 n;
	long	 pid;

	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    pid <= 0 || (pid_t)pid != pid)
		return 0;
	return (pid_t)pid;
}

int
sendlock_try(const char *path, struct sendlock *l, pid_t *holder,
    char **cause)
{
	char	buf[SENDLOCK_PID_SIZE];
	int	fd, len;

	l->fd = -1;
	*holder = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		xasprintf(cause, "cannot open the send lock %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			*holder = sendlock_holder(fd);
			close(fd);
			return 0;
		}
		xasprintf(cause, "cannot lock %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* The pid is only for the message of a waiting process. */
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len) {
		/* Not fatal: waiting processes then name no pid or an old one. */
	}
	l->fd = fd;
	return 1;
}

int
sendlock_wait(const char *path, int timeout_ms,
    void (*waiting)(pid_t, void *), void *arg, struct sendlock *l,
    char **cause)
{
	struct timespec	 step, start, now;
	pid_t		 holder, first = 0;
	int		 rc, notified = 0;
	long		 waited_ms;

	step.tv_sec = 0;
	step.tv_nsec = SENDLOCK_POLL_MS * 1000000L;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if ((rc = sendlock_try(path, l, &holder, cause)) != 0)
			return rc == 1 ? 0 : -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited_ms = (now.tv_sec - start.tv_sec) * 1000L +
		    (now.tv_nsec - start.tv_nsec) / 1000000L;
		/*
		 * A holder that has just taken the lock may not have written
		 * its pid yet, so wait a little for it before calling waiting.
		 */
		if (!notified && (holder != 0 ||
		    waited_ms >= SENDLOCK_PID_WAIT_MS ||
		    waited_ms >= timeout_ms)) {
			notified = 1;
			first = holder;
			if (waiting != NULL)
				waiting(holder, arg);
		}
		if (waited_ms >= timeout_ms)
			break;
		nanosleep(&step, NULL);
	}
	if (holder == 0)
		holder = first;
	if (holder != 0)
		xasprintf(cause, "timed out after %.1f s waiting for another "
		    "smtptriage (pid %ld) to finish sending; the send lock is "
		    "%s", timeout_ms / 1000.0, (long)holder, path);
	else
		xasprintf(cause, "timed out after %.1f s waiting for another "
		    "smtptriage to finish sending; the send lock is %s",
		    timeout_ms / 1000.0, path);
	return -1;
}

void
sendlock_release(struct sendlock *l)
{
	if (l->fd == -1)
		return;
	/*
	 * Clear the pid first, so a waiting process does not name a holder
	 * that released the lock.  A pid read just before, or left by a
	 * killed holder, can still name a gone process.  Closing the only
	 * descriptor drops the lock.
	 */
	if (ftruncate(l->fd, 0) == -1) {
		/* The next holder overwrites it. */
	}
	close(l->fd);
	l->fd = -1;
}
