/*
 * The state database (SQLite): marks and the report history.  Every change
 * is one transaction, and the database runs in WAL mode with a busy
 * timeout, so two instances can share it.
 */
#ifndef SMTPTRIAGE_STORE_H
#define SMTPTRIAGE_STORE_H

#include <stdint.h>

struct store;

/*
 * Open or create the database at path, creating its directory with mode
 * 0700 and the file with mode 0600.  Returns NULL with *cause set.
 */
struct store	*store_open(const char *path, char **cause);
void		 store_close(struct store *);

/* Set or clear the mark on an IP (text form).  0, or -1 with *cause. */
int		 store_set_mark(struct store *, const char *ip, int marked,
		    char **cause);
/* 1 if marked, 0 if not, -1 with *cause on error. */
int		 store_is_marked(struct store *, const char *ip, char **cause);

struct store_report {
	const char	*ip;
	const char	*recipient;	/* NULL when written to the outbox only */
	const char	*message_id;
	const char	*method;	/* "outbox" or "sendmail" */
	const char	*path;		/* outbox file, or NULL */
	int		 exit_status;	/* sendmail's, 0 for the outbox */
	int64_t		 time;		/* seconds since the epoch */
};

/* Record one report.  0, or -1 with *cause. */
int		 store_add_report(struct store *, const struct store_report *,
		    char **cause);
/*
 * Time of the last successful report about ip (exit status 0), 0 if none,
 * or -1 with *cause on error.
 */
int64_t		 store_last_report(struct store *, const char *ip,
		    char **cause);

/*
 * Call fn for every marked IP and every reported IP (with the time of its
 * last successful report), so a caller can set state on many clients with
 * one query each.  0, or -1 with *cause.
 */
int		 store_each_mark(struct store *,
		    void (*fn)(const char *ip, void *arg), void *arg,
		    char **cause);
int		 store_each_report(struct store *,
		    void (*fn)(const char *ip, int64_t time, void *arg),
		    void *arg, char **cause);

#endif
