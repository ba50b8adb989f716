/* Following growing logs through rotation and truncation. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "follow.h"
#include "logread_internal.h"
#include "xmalloc.h"

/*
 * Find the name a file rotated away by rename now has: an entry of the
 * same folder that starts with the old name and is the same inode, as
 * "mainlog.1" for "mainlog".  Returns an allocated path written like
 * path, or NULL when there is none.
 */
static char *
follow_find_renamed(const char *path, dev_t dev, ino_t ino)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	const char	*slash, *base;
	char		*dir, *found = NULL;
	size_t		 blen;

	if ((slash = strrchr(path, '/')) != NULL) {
		dir = xstrndup(path, (size_t)(slash - path) + 1);
		base = slash + 1;
	} else {
		dir = xstrdup("");
		base = path;
	}
	blen = strlen(base);
	if ((d = opendir(*dir != '\0' ? dir : ".")) != NULL) {
		while (found == NULL && (de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, base, blen) != 0 ||
			    de->d_name[blen] == '\0')
				continue;
			if (fstatat(dirfd(d), de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 && sb.st_dev == dev &&
			    sb.st_ino == ino)
				xasprintf(&found, "%s%s", dir, de->d_name);
		}
		closedir(d);
	}
	free(dir);
	return found;
}

/* Look at the path of a followed input and note what changed. */
static void
follow_check(struct logread_input *in)
{
	struct stat	sb;

	if (stat(in->path, &sb) == -1) {
		if (!in->vanished)
			logread_message(in->lr, 1, "%s: %s; the lines read "
			    "so far stay, and the file is read again when it "
			    "is back", in->path, strerror(errno));
		in->vanished = 1;
		return;
	}
	if (in->fd == -1 || sb.st_dev != in->dev || sb.st_ino != in->ino) {
		/* Finish the old file before the new one. */
		in->switch_to = LOGREAD_SWITCH_NEW;
		in->closing = 1;
		return;
	}
	if (in->vanished) {
		/* Renamed away and back: the same file, read on. */
		logread_message(in->lr, 0, "%s is back", in->path);
		in->vanished = 0;
	}
	if ((uint64_t)sb.st_size < in->raw_offset)
		in->switch_to = LOGREAD_SWITCH_TRUNC;
}

/* The path names another file now: keep the old one for read-back. */
static void
follow_switch_new(struct logread_input *in)
{
	struct logread_file	*rb = in->rb;
	struct stat		 sb;
	char			*renamed;
	int			 fd;

	if ((fd = open(in->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		if (!in->vanished)
			logread_message(in->lr, 1, "%s: cannot open the new "
			    "file: %s", in->path, fd == -1 ?
			    strerror(errno) : "not a regular file");
		in->vanished = 1;
		if (fd != -1)
			close(fd);
		return;
	}

	/*
	 * NOTE: rb keeps a descriptor of every file rotated away for the
	 * life of the console, so a rotated file that logrotate deletes
	 * later keeps its disk space until smtptriage exits.
	 */
	if (in->fd != -1 && rb != NULL &&
	    (renamed = follow_find_renamed(in->path, in->dev,
	    in->ino)) != NULL) {
		agg_set_file_path(in->lr->agg, in->file, renamed);
		free(rb->path);
		rb->path = renamed;
	} else if (in->fd != -1 && rb != NULL) {
		/* Removed: name it apart from the new file at its path. */
		xasprintf(&renamed, "%s (removed)", in->path);
		agg_set_file_path(in->lr->agg, in->file, renamed);
		free(renamed);
	}
	logread_input_close(in);
	logread_input_reset(in);
	in->fd = fd;
	in->dev = sb.st_dev;
	in->ino = sb.st_ino;
	logread_input_register(in);
	in->switch_to = LOGREAD_SWITCH_NONE;
	if (in->vanished) {
		logread_message(in->lr, 0, "%s is back; reading it from the "
		    "start", in->path);
		in->vanished = 0;
	}
}

/* The file shrank: its old lines are gone, read it again from 0. */
static void
follow_switch_trunc(struct logread_input *in)
{
	struct logread_file	*rb = in->rb;
	char			*old;

	if (rb != NULL && rb->gone == NULL) {
		rb->gone = xstrdup("the file was truncated (copytruncate "
		    "rotation)");
		if (rb->fd != -1)
			close(rb->fd);
		rb->fd = -1;
	}
	/* Name the old data apart from the new content of the file. */
	xasprintf(&old, "%s (before truncation)", in->path);
	agg_set_file_path(in->lr->agg, in->file, old);
	free(old);
	if (lseek(in->fd, 0, SEEK_SET) == -1) {
		logread_message(in->lr, 1, "%s: cannot read it again after "
		    "it was truncated: %s", in->path, strerror(errno));
		in->done = 1;
		in->switch_to = LOGREAD_SWITCH_NONE;
		return;
	}
	logread_input_reset(in);
	logread_input_register(in);
	in->switch_to = LOGREAD_SWITCH_NONE;
}

int
follow_poll(struct logread *lr, uint64_t max_lines)
{
	struct logread_input	*in;
	size_t			 i;
	int			 renamed = 0, switches = 0;

	if (logread_run(lr, max_lines) == 1)
		return 1;
	for (i = 0; i < lr->ninputs; i++) {
		in = lr->inputs[i];
		if (!in->follow)
			continue;
		follow_check(in);
		renamed |= in->switch_to == LOGREAD_SWITCH_NEW;
		switches |= in->switch_to != LOGREAD_SWITCH_NONE;
	}
	if (!switches)
		return 0;
	/* Read the rest of the files rotated away, last line included. */
	if (renamed && logread_run(lr, max_lines) == 1)
		return 1;
	for (i = 0; i < lr->ninputs; i++) {
		in = lr->inputs[i];
		switch (in->switch_to) {
		case LOGREAD_SWITCH_NEW:
			follow_switch_new(in);
			break;
		case LOGREAD_SWITCH_TRUNC:
			follow_switch_trunc(in);
			break;
		}
	}
	return logread_run(lr, max_lines);
}
