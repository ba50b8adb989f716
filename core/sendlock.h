/*
 * The send lock: one exclusive flock(2) on a file next to the state
 * database, held while one report is checked against the history, sent
 * and recorded, so two instances cannot both send it.  The kernel drops
 * the lock when its holder exits or is killed, so a dead process never
 * holds it.
 */
#ifndef SMTPTRIAGE_SENDLOCK_H
#define SMTPTRIAGE_SENDLOCK_H

#include <sys/types.h>

/* Appended to the state database's path to name the lock file. */
#define SENDLOCK_SUFFIX		".send-lock"
/* Interval between two attempts while another process has the lock. */
#define SENDLOCK_POLL_MS	50
/*
 * Maximum wait for the pid of a holder that has just taken the lock, before
 * sendlock_wait calls its waiting function without a pid.  The holder
 * writes the pid right after flock, so a few polls are enough.
 */
#define SENDLOCK_PID_WAIT_MS	200

struct sendlock {
	int	fd;		/* -1 when not held */
};

/* The lock file's path for the state database at state_path (allocated). */
char	*sendlock_path(const char *state_path);

/*
 * Try once to take the lock at path, creating the file with mode 0600.
 * Returns 1 once it is taken (and writes this process's pid into the
 * file), 0 when another process has it (*holder is that process's pid,
 * or 0 when the file does not contain one yet), or -1 with *cause.
 */
int	 sendlock_try(const char *path, struct sendlock *, pid_t *holder,
	     char **cause);

/*
 * Take the lock, waiting up to timeout_ms while another process holds
 * it.  waiting (may be NULL) is called once, as soon as the holder's pid
 * is known or after SENDLOCK_PID_WAIT_MS, with the holder's pid (0 when
 * unknown).  Returns 0 once it is held, or -1
 * with *cause when it timed out or the file cannot be used.
 */
int	 sendlock_wait(const char *path, int timeout_ms,
	     void (*waiting)(pid_t holder, void *arg), void *arg,
	     struct sendlock *, char **cause);

/* Release the lock (a no-op when it is not held). */
void	 sendlock_release(struct sendlock *);

#endif
