/*
 * Temporary files of atomic writes (config_write_atomic), and the removal
 * of those that a killed process left behind.
 *
 * A new file that must not replace another (an outbox report) is written
 * as an unnamed O_TMPFILE file and linked to its name when whole, so a
 * kill leaves nothing.  A replacement (the whitelist) needs a name to
 * rename over the old file: ".NAME.XXXXXX" in the same folder, where
 * XXXXXX are the six letters or digits of mkstemp.  Its writer holds an
 * exclusive flock on it until the rename.
 */
#ifndef SMTPTRIAGE_TMPFILE_H
#define SMTPTRIAGE_TMPFILE_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Age in seconds before a temporary file may be removed as stale.  A
 * writer keeps its file for one write and keeps a lock on it, so the age
 * only covers the moment between creating the file and locking it, and
 * file systems without flock.
 */
#define TMPFILE_STALE_S		60

/*
 * Open an unnamed file for writing in dir (O_TMPFILE).  Returns the
 * descriptor, or -1 with errno set.  EOPNOTSUPP, EISDIR or EINVAL mean
 * that the kernel or file system lacks O_TMPFILE.
 */
int	tmpfile_open_unnamed(const char *dir);

/*
 * Give the unnamed file fd the name path.  Returns 0, or -1 with errno set:
 * EEXIST when path exists (it is left alone), ENOTSUP when neither
 * /proc/self/fd nor AT_EMPTY_PATH can name the file.
 */
int	tmpfile_link(int fd, const char *path);

/*
 * Remove the stale temporary files in dir: regular files of this user
 * named ".NAME.XXXXXX", older than TMPFILE_STALE_S and not locked by a
 * writer.  NAME is name itself, or any name ending in suffix when name is
 * NULL.  Returns the number of files removed; errors only leave files.
 */
size_t	tmpfile_clean(const char *dir, const char *name, const char *suffix);

/* Remove the stale temporary files of the file path; see tmpfile_clean. */
size_t	tmpfile_clean_for(const char *path);

#endif
